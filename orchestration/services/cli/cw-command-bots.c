/* candlewick bots, halt-all, resume-all: the operator's commands on the
 * bots in the database. They work whether or not the service runs: they
 * change rows, and a running service picks the changes up when it polls. */
#include "cw-services-cli.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#define CW_BOTS_LAST_ERROR_WIDTH 48
#define CW_BOTS_SHOW_EVENTS      10

typedef struct {
	const char *name;
	const char *args;
	const char *summary;
	int (*func)(int argc, char **argv);
} CwBotsCommand;

/* ---- helpers ---- */

/* Parses the options of "bots <sub>" (or "halt-all"...); on failure prints
 * the error and returns FALSE. */
static gboolean
cw_bots_parse(const char *cmd, const char *params, const char *summary, GOptionEntry *entries,
	      int *argc, char ***argv)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new(params);
	g_autoptr(GError) error = NULL;
	g_autofree char *prg = g_strdup_printf("candlewick %s", cmd);

	g_set_prgname(prg);
	g_option_context_set_summary(ctx, summary);
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cw_commands_parse_options(ctx, entries, argc, argv, -1, &error)) {
		cw_commands_print_error(cmd, error);
		return FALSE;
	}
	return TRUE;
}

typedef enum {
	CW_BOTS_OPEN_EXISTING,  /* read-write, migrated */
	CW_BOTS_OPEN_CREATE,    /* bots add: a missing file is created */
	CW_BOTS_OPEN_READ_ONLY, /* list, show: SQLITE_OPEN_READONLY, never migrated */
} CwBotsOpen;

/* --db, else $CW_DB, opened as mode says. */
static CwStore *
cw_bots_open(const char *cmd, const char *db, CwBotsOpen mode, int *status)
{
	g_autoptr(GError) error = NULL;
	CwStore *store;

	if (db == NULL || db[0] == '\0')
		db = g_getenv("CW_DB");
	if (db == NULL || db[0] == '\0') {
		fprintf(stderr, "candlewick %s: --db FILE is required (or set CW_DB)\n", cmd);
		*status = 2;
		return NULL;
	}
	if (mode != CW_BOTS_OPEN_CREATE && !g_file_test(db, G_FILE_TEST_EXISTS)) {
		fprintf(stderr, "candlewick %s: %s: no such database (bots add creates one)\n", cmd,
			db);
		*status = 1;
		return NULL;
	}
	store = mode == CW_BOTS_OPEN_READ_ONLY ? cw_store_open_read_only(db, &error)
					       : cw_store_open(db, &error);
	if (store == NULL) {
		/* store errors start with the path */
		fprintf(stderr, "candlewick %s: %s\n", cmd, error->message);
		*status = 1;
		return NULL;
	}
	/* what can be read is still shown, but never without this warning */
	if (!cw_store_quick_check(store, &error))
		fprintf(stderr, "candlewick %s: warning: %s\n", cmd, error->message);
	return store;
}

/* Exactly n positional arguments after the command name. */
static gboolean
cw_bots_check_args(const char *cmd, const char *usage, int argc, char **argv, int n)
{
	g_autofree char *what = NULL;

	if (argc - 1 == n)
		return TRUE;
	what = argc - 1 < n ? g_strdup("missing argument")
			    : g_strdup_printf("unexpected argument '%s'", argv[n + 1]);
	fprintf(stderr, "candlewick %s: %s (usage: candlewick %s [--db FILE] %s)\n", cmd, what, cmd,
		usage);
	return FALSE;
}

/* The service config's "notifications" attached to store, so that the
 * events this command journals get their outbox rows in the same
 * transaction, as the service's own do. path NULL: $CW_SERVICE_CONFIG,
 * else nothing: the events stay past the routing cursor and serve routes
 * them (cw_outbox_router_catch_up()). */
static gboolean
cw_bots_attach_notifications(const char *cmd, CwStore *store, const char *path)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(CwOutboxRouter) router = NULL;
	JsonNode *root, *array;

	if (path == NULL || path[0] == '\0')
		path = g_getenv("CW_SERVICE_CONFIG");
	if (path == NULL || path[0] == '\0')
		return TRUE;
	if (!json_parser_load_from_file(parser, path, &error)) {
		fprintf(stderr, "candlewick %s: %s: %s\n", cmd, path, error->message);
		return FALSE;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		fprintf(stderr, "candlewick %s: %s: expected a JSON object\n", cmd, path);
		return FALSE;
	}
	array = json_object_get_member(json_node_get_object(root), "notifications");
	if (array == NULL)
		return TRUE;
	if (!JSON_NODE_HOLDS_ARRAY(array)) {
		fprintf(stderr, "candlewick %s: %s: notifications: expected an array\n", cmd, path);
		return FALSE;
	}
	router = cw_outbox_router_new_from_json(json_node_get_array(array), &error);
	if (router == NULL) {
		fprintf(stderr, "candlewick %s: %s: %s\n", cmd, path, error->message);
		return FALSE;
	}
	if (cw_outbox_router_get_n_targets(router) > 0)
		cw_outbox_router_attach(router, store);
	return TRUE;
}

/* The options every NAME-style command takes: --db FILE and
 * --service-config FILE, then exactly n positional arguments (usage), the
 * command name first. On failure prints the error and returns FALSE. */
static gboolean
cw_bots_parse_db(const char *cmd, const char *usage, int n, const char *summary, int *argc,
		 char ***argv, char **db, char **service_config)
{
	GOptionEntry entries[] = {
	    {"db", 0, 0, G_OPTION_ARG_FILENAME, db, "The database (default: $CW_DB)", "FILE"},
	    {"service-config", 0, 0, G_OPTION_ARG_FILENAME, service_config,
	     "The service config whose notifiers hear of this change (default: "
	     "$CW_SERVICE_CONFIG)",
	     "FILE"},
	    {NULL},
	};

	return cw_bots_parse(cmd, usage, summary, entries, argc, argv) &&
	       cw_bots_check_args(cmd, usage, *argc, *argv, n);
}

/* cw_bots_parse_db(), then the existing database opened, with the service
 * config's notifiers attached when it changes the database; NULL with
 * *status the exit status (2 for bad usage) when either fails. */
static CwStore *
cw_bots_begin(const char *cmd, const char *usage, int n, const char *summary, CwBotsOpen mode,
	      int *argc, char ***argv, int *status)
{
	g_autofree char *db = NULL;
	g_autofree char *service_config = NULL;
	g_autoptr(CwStore) store = NULL;

	if (!cw_bots_parse_db(cmd, usage, n, summary, argc, argv, &db, &service_config)) {
		*status = 2;
		return NULL;
	}
	store = cw_bots_open(cmd, db, mode, status);
	if (store == NULL)
		return NULL;
	if (mode != CW_BOTS_OPEN_READ_ONLY &&
	    !cw_bots_attach_notifications(cmd, store, service_config)) {
		*status = 1;
		return NULL;
	}
	return g_steal_pointer(&store);
}

static void
cw_bots_append_time(GString *out, gint64 ms)
{
	g_autoptr(GDateTime) dt = NULL;
	g_autofree char *text = NULL;

	if (ms == 0) {
		g_string_append_c(out, '-');
		return;
	}
	dt = g_date_time_new_from_unix_utc(ms / 1000 - (ms % 1000 < 0 ? 1 : 0));
	if (dt == NULL) {
		g_string_append_printf(out, "%" G_GINT64_FORMAT, ms);
		return;
	}
	text = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S");
	g_string_append_printf(out, "%s.%03dZ", text, (int) (((ms % 1000) + 1000) % 1000));
}

static char *
cw_bots_age(gint64 ms, gint64 now)
{
	gint64 s;

	if (ms == 0)
		return g_strdup("-");
	s = MAX(now - ms, 0) / 1000;
	if (s < 120)
		return g_strdup_printf("%" G_GINT64_FORMAT "s ago", s);
	if (s < 2 * 3600)
		return g_strdup_printf("%" G_GINT64_FORMAT "m ago", s / 60);
	if (s < 2 * 86400)
		return g_strdup_printf("%" G_GINT64_FORMAT "h ago", s / 3600);
	return g_strdup_printf("%" G_GINT64_FORMAT "d ago", s / 86400);
}

/* One line, at most width characters (UTF-8). */
static char *
cw_bots_truncate(const char *text, glong width)
{
	g_autofree char *flat = NULL;

	if (text == NULL || text[0] == '\0')
		return g_strdup("-");
	flat = g_strdelimit(g_utf8_make_valid(text, -1), "\r\n\t", ' ');
	if (g_utf8_strlen(flat, -1) <= width)
		return g_steal_pointer(&flat);
	{
		g_autofree char *head = g_utf8_substring(flat, 0, width - 3);
		return g_strconcat(head, "...", NULL);
	}
}

/* NULL when absent or not a document that cw_json_parse() accepts. */
static JsonNode *
cw_bots_parse_json(const char *text)
{
	return cw_json_parse(text, -1, NULL, CW_JSON_PARSE_DEFAULT, NULL);
}

static char *
cw_bots_pretty(const char *text, guint indent_level)
{
	g_autoptr(JsonNode) node = cw_bots_parse_json(text);
	g_autofree char *pretty = NULL;
	g_autofree char *pad = g_strnfill(indent_level, ' ');
	g_autofree char *sep = g_strconcat("\n", pad, NULL);
	g_auto(GStrv) lines = NULL;
	g_autofree char *joined = NULL;

	if (node == NULL)
		return g_strdup_printf("%s%s", pad, text != NULL ? text : "");
	pretty = cw_bot_admin_json_to_text(node, TRUE);
	lines = g_strsplit(pretty, "\n", -1);
	joined = g_strjoinv(sep, lines);
	return g_strconcat(pad, joined, NULL);
}

/* What "bots list" and "bots show" say about one row. */
typedef struct {
	const char *status;
	char *strategy;     /* active strategy id, "?" when unknown */
	char *config_error; /* the stored config does not validate */
	CwBotConfig *config;
	const char *mode;
	char *mode_error;
} CwBotsView;

static void
cw_bots_view_clear(CwBotsView *v)
{
	g_free(v->strategy);
	g_free(v->config_error);
	g_free(v->mode_error);
	g_clear_pointer(&v->config, cw_bot_config_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CwBotsView, cw_bots_view_clear)

static void
cw_bots_view_init(CwBotsView *v, CwStore *store, const CwStoreBot *bot)
{
	g_autoptr(GError) error = NULL;
	CwBotMode mode;

	v->status = bot->corrupt != NULL ? "corrupt" : bot->status;
	if (bot->config != NULL) {
		v->config = cw_bot_config_new_from_data(bot->config, -1, &error);
		if (v->config == NULL)
			v->config_error = g_strdup(error->message);
		g_clear_error(&error);
	}
	v->strategy =
	    g_strdup(v->config != NULL ? cw_bot_config_get_active_strategy(v->config)->id : "?");
	mode = cw_bot_admin_get_mode(store, bot->id, &error);
	v->mode = cw_bot_mode_to_string(mode);
	if (error != NULL)
		v->mode_error = g_strdup(error->message);
}

static const char *
cw_bots_name(const CwStoreBot *bot)
{
	return bot->name != NULL ? bot->name : "?";
}

static void
cw_bots_warn(const char *cmd, const CwStoreBot *bot, const CwBotsView *v)
{
	if (bot->corrupt != NULL)
		fprintf(stderr, "candlewick %s: warning: bot %" G_GINT64_FORMAT " ('%s'): %s\n",
			cmd, bot->id, cw_bots_name(bot), bot->corrupt->message);
	else if (v->config_error != NULL)
		fprintf(stderr,
			"candlewick %s: warning: bot %" G_GINT64_FORMAT
			" ('%s'): invalid configuration: %s\n",
			cmd, bot->id, cw_bots_name(bot), v->config_error);
	if (v->mode_error != NULL)
		fprintf(stderr, "candlewick %s: warning: %s\n", cmd, v->mode_error);
}

/* ---- bots add ---- */

/* Reads and validates a config file as the service would run it; errors
 * are printed with the file name. */
static char *
cw_bots_read_config(const char *cmd, const char *path, CwBotConfig **config_out)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = NULL;
	g_autofree char *text = NULL;

	/* the same messages as the backtest: "FILE: strategy.analyzers[2]..." */
	config = cw_bot_config_new_from_file(path, &error);
	if (config == NULL) {
		cw_commands_print_error(cmd, error);
		return NULL;
	}
	g_clear_pointer(&config, cw_bot_config_unref);
	if (!g_file_get_contents(path, &text, NULL, &error)) {
		cw_commands_print_error(cmd, error);
		return NULL;
	}
	/* checking a config trades nothing: whether a live bot may trade is
	 * serve's decision (--allow-live) */
	cw_service_context_set_setting(cw_service_context_get_default(), "service.allow_live",
				       g_variant_new_boolean(TRUE));
	config = cw_bot_admin_validate(text, &error);
	if (config == NULL) {
		fprintf(stderr, "candlewick %s: %s: %s\n", cmd, path, error->message);
		return NULL;
	}
	if (config_out != NULL)
		*config_out = g_steal_pointer(&config);
	return g_steal_pointer(&text);
}

static int
cw_bots_add(int argc, char **argv)
{
	g_autofree char *db = NULL;
	g_autofree char *path = NULL;
	g_autofree char *text = NULL;
	g_autofree char *name = NULL;
	g_autoptr(CwStore) store = NULL;
	g_autoptr(GError) error = NULL;
	gboolean disabled = FALSE;
	int status = 1;
	gint64 id;
	GOptionEntry entries[] = {
	    {"db", 0, 0, G_OPTION_ARG_FILENAME, &db, "The database (default: $CW_DB)", "FILE"},
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &path, "The bot configuration", "BOT.json"},
	    {"disabled", 0, 0, G_OPTION_ARG_NONE, &disabled, "Add it disabled", NULL},
	    {NULL},
	};

	if (!cw_bots_parse("bots add", "", "Validates a bot configuration and adds the bot.",
			   entries, &argc, &argv))
		return 2;
	if (path == NULL) {
		fprintf(stderr, "candlewick bots add: --config BOT.json is required\n");
		return 2;
	}
	if (!cw_bots_check_args("bots add", "--config BOT.json [--disabled]", argc, argv, 0))
		return 2;
	/* validate before opening: an invalid config creates no file */
	text = cw_bots_read_config("bots add", path, NULL);
	if (text == NULL)
		return 1;
	store = cw_bots_open("bots add", db, CW_BOTS_OPEN_CREATE, &status);
	if (store == NULL)
		return status;
	id = cw_bot_admin_add(store, text, !disabled, &name, &error);
	if (id < 0) {
		cw_commands_print_error("bots add", error);
		return 1;
	}
	printf("added bot '%s' (id %" G_GINT64_FORMAT ", %s)\n", name, id,
	       disabled ? "disabled" : "enabled");
	return 0;
}

/* ---- bots list ---- */

static void
cw_bots_append_cell(GString *out, const char *text, guint width, gboolean last)
{
	glong n = g_utf8_strlen(text, -1);

	g_string_append(out, text);
	if (last)
		return;
	for (glong i = n; i < (glong) width + 2; i++)
		g_string_append_c(out, ' ');
}

static const char *const cw_bots_list_headers[] = {
    "ID", "NAME", "ENABLED", "STATUS", "MODE", "STRATEGY", "HEARTBEAT", "ERRORS", "LAST ERROR",
};

static void
cw_bots_list_table(GPtrArray *rows)
{
	guint ncol = G_N_ELEMENTS(cw_bots_list_headers);
	guint width[G_N_ELEMENTS(cw_bots_list_headers)] = {0};
	g_autoptr(GString) out = g_string_new(NULL);

	for (guint c = 0; c < ncol; c++)
		width[c] = strlen(cw_bots_list_headers[c]);
	for (guint r = 0; r < rows->len; r++) {
		char **cells = g_ptr_array_index(rows, r);
		for (guint c = 0; c < ncol; c++)
			width[c] = MAX(width[c], (guint) g_utf8_strlen(cells[c], -1));
	}
	for (guint c = 0; c < ncol; c++)
		cw_bots_append_cell(out, cw_bots_list_headers[c], width[c], c + 1 == ncol);
	g_string_append_c(out, '\n');
	for (guint r = 0; r < rows->len; r++) {
		char **cells = g_ptr_array_index(rows, r);
		for (guint c = 0; c < ncol; c++)
			cw_bots_append_cell(out, cells[c], width[c], c + 1 == ncol);
		g_string_append_c(out, '\n');
	}
	fputs(out->str, stdout);
}

static int
cw_bots_list(int argc, char **argv)
{
	g_autofree char *db = NULL;
	g_autoptr(CwStore) store = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) bots = NULL;
	g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify) g_strfreev);
	g_autoptr(JsonBuilder) b = json_builder_new();
	gboolean json = FALSE, halted = FALSE;
	gint64 now = g_get_real_time() / 1000;
	int status = 1;
	GOptionEntry entries[] = {
	    {"db", 0, 0, G_OPTION_ARG_FILENAME, &db, "The database (default: $CW_DB)", "FILE"},
	    {"json", 0, 0, G_OPTION_ARG_NONE, &json, "Print a JSON array", NULL},
	    {NULL},
	};

	if (!cw_bots_parse("bots list", "", "Lists the bots with their status.", entries, &argc,
			   &argv))
		return 2;
	if (!cw_bots_check_args("bots list", "[--json]", argc, argv, 0))
		return 2;
	store = cw_bots_open("bots list", db, CW_BOTS_OPEN_READ_ONLY, &status);
	if (store == NULL)
		return status;
	bots = cw_store_bot_list(store, &error);
	if (bots == NULL) {
		cw_commands_print_error("bots list", error);
		return 1;
	}
	json_builder_begin_array(b);
	for (guint i = 0; i < bots->len; i++) {
		const CwStoreBot *bot = g_ptr_array_index(bots, i);
		g_auto(CwBotsView) v = {0};
		char **cells = g_new0(char *, G_N_ELEMENTS(cw_bots_list_headers) + 1);

		cw_bots_view_init(&v, store, bot);
		cw_bots_warn("bots list", bot, &v);
		cw_bot_admin_bot_to_json(b, store, bot, now);
		cells[0] = g_strdup_printf("%" G_GINT64_FORMAT, bot->id);
		cells[1] = g_strdup(cw_bots_name(bot));
		cells[2] = g_strdup(bot->corrupt != NULL ? "?" : bot->enabled ? "yes" : "no");
		cells[3] = g_strdup(v.status != NULL ? v.status : "?");
		cells[4] = g_strdup(v.mode);
		cells[5] = g_strdup(v.strategy);
		cells[6] = cw_bots_age(bot->last_heartbeat, now);
		cells[7] = g_strdup_printf("%" G_GINT64_FORMAT, bot->error_count);
		cells[8] = cw_bots_truncate(bot->corrupt != NULL     ? bot->corrupt->message
					    : v.config_error != NULL ? v.config_error
								     : bot->last_error,
					    CW_BOTS_LAST_ERROR_WIDTH);
		g_ptr_array_add(rows, cells);
	}
	json_builder_end_array(b);
	if (json) {
		g_autoptr(JsonNode) root = json_builder_get_root(b);
		g_autofree char *text = cw_json_to_string(root, TRUE);

		printf("%s\n", text);
		return 0;
	}
	cw_bots_list_table(rows);
	if (!cw_bot_admin_get_kill_switch(store, &halted, NULL, &error)) {
		/* the service reads it the same way: unreadable is on */
		fprintf(stderr, "candlewick bots list: warning: %s\n", error->message);
		printf("kill switch UNREADABLE: every bot is halted (candlewick halt-all or "
		       "resume-all writes a readable one)\n");
		g_clear_error(&error);
	} else if (halted) {
		printf("kill switch ON: every bot is halted (candlewick resume-all lifts it)\n");
	}
	return 0;
}

/* ---- bots show ---- */

static void
cw_bots_show_strategies(GString *out, const CwBotsView *v)
{
	g_string_append(out, "\nstrategies:\n");
	if (v->config == NULL) {
		g_string_append_printf(out, "  (the configuration is invalid: %s)\n",
				       v->config_error != NULL ? v->config_error : "missing");
		return;
	}
	for (guint i = 0; i < v->config->n_strategies; i++) {
		const CwStrategySpec *s = v->config->strategies[i];
		gboolean active = i == v->config->active_strategy;
		g_string_append_printf(out, "  %s %s  type %s%s\n", active ? "*" : " ", s->id,
				       s->type, active ? "  (active)" : "");
	}
}

static void
cw_bots_show_orders(GString *out, CwStore *store, gint64 bot_id)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) orders = cw_store_orders_open(store, bot_id, &error);

	if (orders == NULL) {
		g_string_append_printf(out, "\nopen orders: unreadable: %s\n", error->message);
		return;
	}
	g_string_append_printf(out, "\nopen orders: %u\n", orders->len);
	for (guint i = 0; i < orders->len; i++) {
		const CwOrder *o = &g_array_index(orders, CwOrder, i);
		g_string_append_printf(
		    out, "  %s  %s  %s %s %s  qty %g  price %g  stop %g  filled %g  %s  created ",
		    o->client_order_id, o->strategy_id ? g_quark_to_string(o->strategy_id) : "-",
		    cw_side_to_string(o->side), cw_order_type_to_string(o->type),
		    cw_order_purpose_to_string(o->purpose), o->qty, o->price, o->stop_price,
		    o->filled_qty, cw_order_status_to_string(o->status));
		cw_bots_append_time(out, o->created_at);
		g_string_append_c(out, '\n');
	}
}

static void
cw_bots_show_positions(GString *out, CwStore *store, gint64 bot_id)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) positions = cw_store_positions_list(store, bot_id, &error);

	if (positions == NULL) {
		g_string_append_printf(out, "\npositions: unreadable: %s\n", error->message);
		return;
	}
	g_string_append_printf(out, "\npositions: %u\n", positions->len);
	for (guint i = 0; i < positions->len; i++) {
		const CwStorePosition *p = g_ptr_array_index(positions, i);
		const CwPosition *pos = &p->position;
		g_string_append_printf(
		    out, "  %s  %s %g @ %g  stop %g  realized %g  fees %g  opened ", p->strategy_id,
		    cw_direction_to_string(pos->direction), pos->qty, pos->entry_price,
		    pos->stop_price, pos->realized_pnl, pos->fees);
		cw_bots_append_time(out, pos->opened_at);
		g_string_append_c(out, '\n');
	}
}

static void
cw_bots_show_state(GString *out, CwStore *store, gint64 bot_id)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) state = cw_bot_admin_state_list(store, bot_id, &error);

	if (state == NULL) {
		g_string_append_printf(out, "\nstate: unreadable: %s\n", error->message);
		return;
	}
	g_string_append_printf(out, "\nstate (bot_state): %u keys\n", state->len);
	for (guint i = 0; i < state->len; i++) {
		const CwBotAdminState *s = g_ptr_array_index(state, i);
		g_autofree char *value = cw_bots_truncate(s->value, 100);
		g_string_append_printf(out, "  %s = %s  (updated ", s->key, value);
		cw_bots_append_time(out, s->updated_at);
		g_string_append(out, ")\n");
	}
}

static void
cw_bots_show_json_key(GString *out, CwStore *store, gint64 bot_id, const char *title,
		      const char *key)
{
	g_autofree char *value = cw_store_state_get(store, bot_id, key, NULL);
	g_autofree char *pretty = NULL;

	if (value == NULL) {
		g_string_append_printf(out, "\n%s: none recorded\n", title);
		return;
	}
	pretty = cw_bots_pretty(value, 2);
	g_string_append_printf(out, "\n%s:\n%s\n", title, pretty);
}

static void
cw_bots_show_events(GString *out, CwStore *store, const CwStoreBot *bot)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events =
	    cw_bot_admin_events_tail(store, bot->id, NULL, CW_BOTS_SHOW_EVENTS, &error);

	if (events == NULL) {
		g_string_append_printf(out, "\nevents: unreadable: %s\n", error->message);
		return;
	}
	g_string_append_printf(out, "\nlast %u events:\n", events->len);
	for (guint i = 0; i < events->len; i++) {
		g_string_append(out, "  ");
		cw_command_events_append(out, g_ptr_array_index(events, i), bot->name);
		g_string_append_c(out, '\n');
	}
}

static int
cw_bots_show(int argc, char **argv)
{
	g_autoptr(CwStore) store = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree char *age = NULL;
	g_autofree char *config = NULL;
	g_auto(CwStoreBot) bot = {0};
	g_auto(CwBotsView) v = {0};
	gint64 now = g_get_real_time() / 1000;
	int status = 1;

	store = cw_bots_begin("bots show", "NAME", 1, "Shows everything about one bot.",
			      CW_BOTS_OPEN_READ_ONLY, &argc, &argv, &status);
	if (store == NULL)
		return status;
	if (!cw_bot_admin_find(store, argv[1], &bot, &error)) {
		cw_commands_print_error("bots show", error);
		return 1;
	}
	cw_bots_view_init(&v, store, &bot);
	cw_bots_warn("bots show", &bot, &v);
	age = cw_bots_age(bot.last_heartbeat, now);
	g_string_append_printf(out, "bot:            %s (id %" G_GINT64_FORMAT ")\n",
			       cw_bots_name(&bot), bot.id);
	if (bot.corrupt != NULL)
		g_string_append_printf(out, "CORRUPT ROW:    %s\n", bot.corrupt->message);
	g_string_append_printf(out, "enabled:        %s\n",
			       bot.corrupt != NULL ? "?"
			       : bot.enabled       ? "yes"
						   : "no");
	g_string_append_printf(out, "status:         %s\n", v.status != NULL ? v.status : "?");
	g_string_append_printf(out, "mode:           %s\n", v.mode);
	g_string_append_printf(out, "strategy:       %s\n", v.strategy);
	g_string_append(out, "started:        ");
	cw_bots_append_time(out, bot.started_at);
	g_string_append(out, "\nstopped:        ");
	cw_bots_append_time(out, bot.stopped_at);
	g_string_append(out, "\nlast heartbeat: ");
	cw_bots_append_time(out, bot.last_heartbeat);
	if (bot.last_heartbeat != 0)
		g_string_append_printf(out, " (%s)", age);
	g_string_append_c(out, '\n');
	g_string_append_printf(out, "errors:         %" G_GINT64_FORMAT "\n", bot.error_count);
	g_string_append_printf(out, "last error:     %s\n",
			       bot.last_error != NULL ? bot.last_error : "-");
	g_string_append(out, "updated:        ");
	cw_bots_append_time(out, bot.updated_at);
	g_string_append_c(out, '\n');
	cw_bots_show_strategies(out, &v);
	cw_bots_show_state(out, store, bot.id);
	cw_bots_show_orders(out, store, bot.id);
	cw_bots_show_positions(out, store, bot.id);
	cw_bots_show_json_key(out, store, bot.id, "guards", CW_BOT_ADMIN_STATE_GUARD_STATS);
	cw_bots_show_json_key(out, store, bot.id, "cache", CW_BOT_ADMIN_STATE_CACHE);
	config = cw_bots_pretty(bot.config, 2);
	g_string_append_printf(out, "\nconfiguration:\n%s\n", config);
	cw_bots_show_events(out, store, &bot);
	fputs(out->str, stdout);
	/* one asked-for bot that cannot be read is a failure */
	return bot.corrupt != NULL ? 1 : 0;
}

/* ---- bots enable, disable, remove ---- */

static int
cw_bots_set_enabled(int argc, char **argv, gboolean enabled)
{
	const char *cmd = enabled ? "bots enable" : "bots disable";
	g_autoptr(CwStore) store = NULL;
	g_autoptr(GError) error = NULL;
	gboolean changed = FALSE;
	int status = 1;

	store = cw_bots_begin(cmd, "NAME", 1,
			      enabled ? "Enables a bot: the service starts it."
				      : "Disables a bot: the service stops it.",
			      CW_BOTS_OPEN_EXISTING, &argc, &argv, &status);
	if (store == NULL)
		return status;
	if (!cw_bot_admin_set_enabled(store, argv[1], enabled, &changed, &error)) {
		cw_commands_print_error(cmd, error);
		return 1;
	}
	if (changed)
		printf("%s bot '%s'\n", enabled ? "enabled" : "disabled", argv[1]);
	else
		printf("bot '%s' is already %s\n", argv[1], enabled ? "enabled" : "disabled");
	return 0;
}

static int
cw_bots_enable(int argc, char **argv)
{
	return cw_bots_set_enabled(argc, argv, TRUE);
}

static int
cw_bots_disable(int argc, char **argv)
{
	return cw_bots_set_enabled(argc, argv, FALSE);
}

static int
cw_bots_remove(int argc, char **argv)
{
	g_autoptr(CwStore) store = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) orders = NULL;
	g_autoptr(GPtrArray) positions = NULL;
	g_auto(CwStoreBot) bot = {0};
	int status = 1;

	store = cw_bots_begin("bots remove", "NAME", 1,
			      "Removes a bot with its orders, positions and state (no question "
			      "asked). Its events and trades stay.",
			      CW_BOTS_OPEN_EXISTING, &argc, &argv, &status);
	if (store == NULL)
		return status;
	/* one transaction: the counts printed are the rows removed */
	if (!cw_store_begin(store, &error) || !cw_bot_admin_find(store, argv[1], &bot, &error) ||
	    (orders = cw_store_orders_open(store, bot.id, &error)) == NULL ||
	    (positions = cw_store_positions_list(store, bot.id, &error)) == NULL ||
	    !cw_store_bot_remove(store, bot.id, &error) || !cw_store_commit(store, &error)) {
		if (cw_store_in_transaction(store))
			cw_store_rollback(store, NULL);
		cw_commands_print_error("bots remove", error);
		return 1;
	}
	printf("removed bot '%s' (id %" G_GINT64_FORMAT ") with %u open orders and %u "
	       "positions; its events and trades are kept\n",
	       cw_bots_name(&bot), bot.id, orders->len, positions->len);
	return 0;
}

/* ---- bots set-config, switch ---- */

static int
cw_bots_set_config(int argc, char **argv)
{
	g_autofree char *db = NULL;
	g_autofree char *service_config = NULL;
	g_autofree char *text = NULL;
	g_autoptr(CwStore) store = NULL;
	g_autoptr(GError) error = NULL;
	int status = 1;

	if (!cw_bots_parse_db(
		"bots set-config", "NAME BOT.json", 2,
		"Validates a configuration and replaces the bot's. The \"name\" in the "
		"file must be NAME.",
		&argc, &argv, &db, &service_config))
		return 2;
	text = cw_bots_read_config("bots set-config", argv[2], NULL);
	if (text == NULL)
		return 1;
	store = cw_bots_open("bots set-config", db, CW_BOTS_OPEN_EXISTING, &status);
	if (store == NULL)
		return status;
	if (!cw_bot_admin_set_config(store, argv[1], text, &error)) {
		fprintf(stderr, "candlewick bots set-config: %s: %s\n", argv[2], error->message);
		return 1;
	}
	printf("updated the configuration of bot '%s' from %s\n", argv[1], argv[2]);
	return 0;
}

static int
cw_bots_switch(int argc, char **argv)
{
	g_autoptr(CwStore) store = NULL;
	g_autoptr(GError) error = NULL;
	gboolean changed = FALSE;
	int status = 1;

	store = cw_bots_begin("bots switch", "NAME STRATEGY", 2,
			      "Makes STRATEGY (one of the bot's strategy ids) the one that trades.",
			      CW_BOTS_OPEN_EXISTING, &argc, &argv, &status);
	if (store == NULL)
		return status;
	if (!cw_bot_admin_switch_strategy(store, argv[1], argv[2], &changed, &error)) {
		cw_commands_print_error("bots switch", error);
		return 1;
	}
	if (changed)
		printf("bot '%s' now trades strategy '%s'\n", argv[1], argv[2]);
	else
		printf("bot '%s' already trades strategy '%s'\n", argv[1], argv[2]);
	return 0;
}

/* ---- bots halt, resume ---- */

static int
cw_bots_set_mode(int argc, char **argv, CwBotMode mode)
{
	const char *cmd = mode == CW_BOT_MODE_HALTED ? "bots halt" : "bots resume";
	g_autoptr(CwStore) store = NULL;
	g_autoptr(GError) error = NULL;
	int status = 1;

	store = cw_bots_begin(cmd, "NAME", 1,
			      mode == CW_BOT_MODE_HALTED
				  ? "Halts a bot: it opens no new positions until resumed."
				  : "Resumes a halted bot (mode active).",
			      CW_BOTS_OPEN_EXISTING, &argc, &argv, &status);
	if (store == NULL)
		return status;
	if (!cw_bot_admin_set_mode(store, argv[1], mode, "cli", &error)) {
		cw_commands_print_error(cmd, error);
		return 1;
	}
	printf("bot '%s': mode %s (a running service applies it within one poll interval)\n",
	       argv[1], cw_bot_mode_to_string(mode));
	return 0;
}

static int
cw_bots_halt(int argc, char **argv)
{
	return cw_bots_set_mode(argc, argv, CW_BOT_MODE_HALTED);
}

static int
cw_bots_resume(int argc, char **argv)
{
	return cw_bots_set_mode(argc, argv, CW_BOT_MODE_ACTIVE);
}

static int
cw_bots_close(int argc, char **argv)
{
	g_autoptr(CwStore) store = NULL;
	g_autoptr(GError) error = NULL;
	int status = 1;
	gint64 seq;

	store = cw_bots_begin("bots close", "NAME", 1,
			      "Flattens the bot's position: a running service cancels its working "
			      "entry and sends a reduce-only market close through its guards, "
			      "once, at its next poll.",
			      CW_BOTS_OPEN_EXISTING, &argc, &argv, &status);
	if (store == NULL)
		return status;
	seq = cw_bot_admin_request_close(store, argv[1], "cli", &error);
	if (seq <= 0) {
		cw_commands_print_error("bots close", error);
		return 1;
	}
	printf("bot '%s': close requested (event %" G_GINT64_FORMAT "); a running service carries "
	       "it out within one poll interval (its outcome: candlewick events --type "
	       "MANUAL_CLOSE)\n",
	       argv[1], seq);
	return 0;
}

/* ---- bots (dispatch) ---- */

static const CwBotsCommand cw_bots_commands[] = {
    {"add", "--config BOT.json [--disabled]", "validate a configuration and add the bot",
     cw_bots_add},
    {"list", "[--json]", "list the bots with status, mode and heartbeat", cw_bots_list},
    {"show", "NAME", "everything about one bot", cw_bots_show},
    {"enable", "NAME", "let the service run the bot", cw_bots_enable},
    {"disable", "NAME", "stop the bot", cw_bots_disable},
    {"remove", "NAME", "delete the bot with its orders, positions and state", cw_bots_remove},
    {"set-config", "NAME BOT.json", "validate and replace the configuration", cw_bots_set_config},
    {"switch", "NAME STRATEGY", "change the active strategy", cw_bots_switch},
    {"halt", "NAME", "halt the bot (mode halted)", cw_bots_halt},
    {"resume", "NAME", "resume the bot (mode active)", cw_bots_resume},
    {"close", "NAME", "flatten the bot's position (through its guards)", cw_bots_close},
};

static void
cw_bots_usage(FILE *out)
{
	fprintf(out, "Usage: candlewick bots COMMAND [--db FILE] ARGS...\n\nCommands:\n");
	for (guint i = 0; i < G_N_ELEMENTS(cw_bots_commands); i++) {
		g_autofree char *line =
		    g_strdup_printf("%s %s", cw_bots_commands[i].name, cw_bots_commands[i].args);
		fprintf(out, "  %-38s %s\n", line, cw_bots_commands[i].summary);
	}
	fprintf(out, "\n--db defaults to $CW_DB. NAME may also be the bot's id.\n"
		     "Run 'candlewick bots COMMAND --help' for the options of a command.\n");
}

int
cw_command_bots(int argc, char **argv)
{
	if (argc < 2) {
		cw_bots_usage(stderr);
		return 2;
	}
	if (g_strcmp0(argv[1], "--help") == 0 || g_strcmp0(argv[1], "-h") == 0 ||
	    g_strcmp0(argv[1], "help") == 0) {
		cw_bots_usage(stdout);
		return 0;
	}
	for (guint i = 0; i < G_N_ELEMENTS(cw_bots_commands); i++) {
		if (g_strcmp0(argv[1], cw_bots_commands[i].name) == 0)
			return cw_bots_commands[i].func(argc - 1, argv + 1);
	}
	fprintf(stderr, "candlewick bots: unknown command '%s'\n\n", argv[1]);
	cw_bots_usage(stderr);
	return 2;
}

/* ---- halt-all, resume-all ---- */

static int
cw_bots_kill_switch(int argc, char **argv, gboolean halted)
{
	const char *cmd = halted ? "halt-all" : "resume-all";
	g_autoptr(CwStore) store = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) bots = NULL;
	g_autoptr(GString) still = g_string_new(NULL);
	gint64 seq = 0;
	gboolean check = FALSE;
	int status = 1;

	store =
	    cw_bots_begin(cmd, "", 0,
			  halted ? "Turns the service-wide kill switch on: every bot is halted."
				 : "Turns the service-wide kill switch off. Bots halted one by one "
				   "stay halted.",
			  CW_BOTS_OPEN_EXISTING, &argc, &argv, &status);
	if (store == NULL)
		return status;
	if (!cw_bot_admin_set_kill_switch(store, halted, "cli", &error) ||
	    !cw_bot_admin_get_kill_switch(store, &check, &seq, &error)) {
		cw_commands_print_error(cmd, error);
		return 1;
	}
	if (halted) {
		printf("kill switch ON (event %" G_GINT64_FORMAT "): every bot is halted; a "
		       "running service applies it within one poll interval\n",
		       seq);
		return 0;
	}
	printf("kill switch OFF (event %" G_GINT64_FORMAT "): bots run in their own mode\n", seq);
	bots = cw_store_bot_list(store, &error);
	for (guint i = 0; bots != NULL && i < bots->len; i++) {
		const CwStoreBot *bot = g_ptr_array_index(bots, i);
		if (cw_bot_admin_get_mode(store, bot->id, NULL) == CW_BOT_MODE_HALTED)
			g_string_append_printf(still, "%s%s", still->len > 0 ? ", " : "",
					       cw_bots_name(bot));
	}
	if (still->len > 0)
		printf("still halted one by one (candlewick bots resume NAME): %s\n", still->str);
	return 0;
}

int
cw_command_halt_all(int argc, char **argv)
{
	return cw_bots_kill_switch(argc, argv, TRUE);
}

int
cw_command_resume_all(int argc, char **argv)
{
	return cw_bots_kill_switch(argc, argv, FALSE);
}
