/* candlewick events: prints the event journal, and follows it. */
#include "cw-services-cli.h"

#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>

#define CW_EVENTS_POLL_MS 500

/* ISO 8601 UTC with milliseconds, e.g. 2024-01-15T08:00:00.000Z */
static char *
cw_events_format_time(gint64 ms)
{
	gint64 secs = ms / 1000 - (ms % 1000 < 0 ? 1 : 0);
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(secs);
	g_autofree char *text = NULL;

	if (dt == NULL)
		return g_strdup_printf("%" G_GINT64_FORMAT, ms);
	text = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S");
	return g_strdup_printf("%s.%03dZ", text, (int) (ms - secs * 1000));
}

/**
 * cw_command_events_append:
 * @out: where to write
 * @event: the event
 * @bot_name: (nullable): the name of its bot, when known
 *
 * Appends "seq time bot strategy TYPE payload" (no newline); time is ISO
 * 8601 UTC with milliseconds, "-" stands for a missing bot or strategy.
 */
void
cw_command_events_append(GString *out, const CwStoreEvent *event, const char *bot_name)
{
	g_autofree char *when = cw_events_format_time(event->time);

	g_string_append_printf(out, "%" G_GINT64_FORMAT " %s", event->seq, when);
	if (bot_name != NULL)
		g_string_append_printf(out, " %s", bot_name);
	else if (event->bot_id > 0)
		g_string_append_printf(out, " #%" G_GINT64_FORMAT, event->bot_id);
	else
		g_string_append(out, " -");
	g_string_append_printf(out, " %s %s", event->strategy_id != NULL ? event->strategy_id : "-",
			       event->type);
	if (event->payload != NULL)
		g_string_append_printf(out, " %s", event->payload);
}

typedef struct {
	CwStore *store;
	GMainLoop *loop;
	GHashTable *names; /* bot id -> name */
	gint64 bot_id;
	const char *type;
	gboolean json;
	gint64 last_seq;
	gint64 data_version;
	int status;
} CwEvents;

static void
cw_events_load_names(CwEvents *self)
{
	g_autoptr(GPtrArray) bots = cw_store_bot_list(self->store, NULL);

	g_hash_table_remove_all(self->names);
	for (guint i = 0; bots != NULL && i < bots->len; i++) {
		const CwStoreBot *bot = g_ptr_array_index(bots, i);
		if (bot->name != NULL)
			g_hash_table_insert(self->names, g_memdup2(&bot->id, sizeof(gint64)),
					    g_strdup(bot->name));
	}
}

static const char *
cw_events_bot_name(CwEvents *self, gint64 bot_id, gboolean *reloaded)
{
	const char *name;

	if (bot_id <= 0)
		return NULL;
	name = g_hash_table_lookup(self->names, &bot_id);
	/* a bot added since the names were read: read them once more */
	if (name == NULL && !*reloaded) {
		*reloaded = TRUE;
		cw_events_load_names(self);
		name = g_hash_table_lookup(self->names, &bot_id);
	}
	return name;
}

static void
cw_events_append_json(GString *out, const CwStoreEvent *event, const char *bot_name)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) payload = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = cw_events_format_time(event->time);
	g_autofree char *line = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "seq");
	json_builder_add_int_value(b, event->seq);
	json_builder_set_member_name(b, "time");
	json_builder_add_int_value(b, event->time);
	json_builder_set_member_name(b, "time_iso");
	json_builder_add_string_value(b, text);
	json_builder_set_member_name(b, "bot_id");
	if (event->bot_id > 0)
		json_builder_add_int_value(b, event->bot_id);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "bot");
	if (bot_name != NULL)
		json_builder_add_string_value(b, bot_name);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "strategy");
	if (event->strategy_id != NULL)
		json_builder_add_string_value(b, event->strategy_id);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, event->type);
	json_builder_set_member_name(b, "payload");
	/* a payload that is not a strict document is shown as the string it is */
	payload = cw_json_parse(event->payload, -1, NULL, CW_JSON_PARSE_DEFAULT, NULL);
	if (payload != NULL)
		json_builder_add_value(b, g_steal_pointer(&payload));
	else if (event->payload != NULL)
		json_builder_add_string_value(b, event->payload);
	else
		json_builder_add_null_value(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	/* json_generator would write 2e-8 as "2e-08.0", which is not JSON */
	line = cw_json_to_string(root, FALSE);
	g_string_append(out, line);
}

static void
cw_events_print(CwEvents *self, GPtrArray *events)
{
	g_autoptr(GString) out = g_string_new(NULL);
	gboolean reloaded = FALSE;

	for (guint i = 0; i < events->len; i++) {
		const CwStoreEvent *ev = g_ptr_array_index(events, i);
		const char *name = cw_events_bot_name(self, ev->bot_id, &reloaded);

		if (self->json)
			cw_events_append_json(out, ev, name);
		else
			cw_command_events_append(out, ev, name);
		g_string_append_c(out, '\n');
		self->last_seq = MAX(self->last_seq, ev->seq);
	}
	fputs(out->str, stdout);
	fflush(stdout);
}

static gboolean
cw_events_poll(gpointer data)
{
	CwEvents *self = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events = NULL;
	gint64 version;

	/* data_version moves only when another connection commits */
	version = cw_store_get_data_version(self->store, NULL);
	if (version >= 0 && version == self->data_version)
		return G_SOURCE_CONTINUE;
	self->data_version = version;
	events =
	    cw_store_events_query(self->store, self->bot_id, self->type, self->last_seq, 0, &error);
	if (events == NULL) {
		cw_commands_print_error("events", error);
		self->status = 1;
		g_main_loop_quit(self->loop);
		return G_SOURCE_REMOVE;
	}
	cw_events_print(self, events);
	return G_SOURCE_CONTINUE;
}

static gboolean
cw_events_quit(gpointer data)
{
	CwEvents *self = data;

	g_main_loop_quit(self->loop);
	return G_SOURCE_CONTINUE;
}

static void
cw_events_follow(CwEvents *self, double timeout_s)
{
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	guint ids[4] = {0};

	self->loop = loop;
	ids[0] = g_timeout_add(CW_EVENTS_POLL_MS, cw_events_poll, self);
	ids[1] = g_unix_signal_add(SIGINT, cw_events_quit, self);
	ids[2] = g_unix_signal_add(SIGTERM, cw_events_quit, self);
	if (timeout_s > 0)
		ids[3] =
		    g_timeout_add((guint) MIN(timeout_s * 1000, G_MAXUINT), cw_events_quit, self);
	g_main_loop_run(loop);
	for (guint i = 0; i < G_N_ELEMENTS(ids); i++) {
		if (ids[i] != 0)
			g_source_remove(ids[i]);
	}
	self->loop = NULL;
}

/* The newest sequence number, 0 for an empty journal. */
static gboolean
cw_events_journal_end(CwStore *store, gint64 *seq, GError **error)
{
	g_autoptr(GPtrArray) last = cw_bot_admin_events_tail(store, -1, NULL, 1, error);

	if (last == NULL)
		return FALSE;
	*seq = last->len > 0 ? ((CwStoreEvent *) g_ptr_array_index(last, 0))->seq : 0;
	return TRUE;
}

/* --bot: a name, an id, or 0/"none" for events without a bot. */
static gboolean
cw_events_resolve_bot(CwStore *store, const char *text, gint64 *bot_id, GError **error)
{
	g_auto(CwStoreBot) bot = {0};
	g_autoptr(GError) local = NULL;
	char *end = NULL;
	gint64 n;

	if (g_strcmp0(text, "none") == 0 || g_strcmp0(text, "0") == 0) {
		*bot_id = 0;
		return TRUE;
	}
	if (cw_bot_admin_find(store, text, &bot, &local)) {
		*bot_id = bot.id;
		return TRUE;
	}
	/* the id of a removed bot: its events stay */
	n = g_ascii_strtoll(text, &end, 10);
	if (end != text && *end == '\0' && n > 0 &&
	    g_error_matches(local, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND)) {
		*bot_id = n;
		return TRUE;
	}
	g_propagate_error(error, g_steal_pointer(&local));
	return FALSE;
}

int
cw_command_events(int argc, char **argv)
{
	g_autofree char *db = NULL;
	g_autofree char *bot = NULL;
	g_autofree char *type_text = NULL;
	g_autoptr(CwStore) store = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events = NULL;
	g_autoptr(GHashTable) names =
	    g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	g_autoptr(GOptionContext) ctx = g_option_context_new("- print the event journal");
	gint64 after = -1, end_seq = 0;
	int limit = 0;
	gboolean json = FALSE, follow = FALSE;
	double follow_timeout = 0;
	CwEvents self = {.names = names, .bot_id = -1};
	GOptionEntry entries[] = {
	    {"db", 0, 0, G_OPTION_ARG_FILENAME, &db, "The database (default: $CW_DB)", "FILE"},
	    {"bot", 'b', 0, G_OPTION_ARG_STRING, &bot,
	     "Only this bot's events (name or id; 'none' for events without a bot)", "NAME"},
	    {"type", 't', 0, G_OPTION_ARG_STRING, &type_text,
	     "Only this event type (any case, e.g. order_filled)", "TYPE"},
	    {"after", 0, 0, G_OPTION_ARG_INT64, &after, "Only events after this sequence number",
	     "SEQ"},
	    {"limit", 'n', 0, G_OPTION_ARG_INT, &limit,
	     "At most N events: the newest N, or the first N after --after", "N"},
	    {"json", 0, 0, G_OPTION_ARG_NONE, &json, "One JSON object per line", NULL},
	    {"follow", 'f', 0, G_OPTION_ARG_NONE, &follow,
	     "Keep printing new events until interrupted", NULL},
	    {"follow-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &follow_timeout,
	     "With --follow: stop after this many seconds", "SECONDS"},
	    {NULL},
	};

	g_set_prgname("candlewick events");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cw_commands_parse_options(ctx, entries, &argc, &argv, 0, &error)) {
		cw_commands_print_error("events", error);
		return 2;
	}
	if (limit < 0 || follow_timeout < 0) {
		fprintf(stderr, "candlewick events: --limit and --follow-timeout may not be "
				"negative\n");
		return 2;
	}
	if (type_text != NULL) {
		self.type = cw_bot_admin_event_type_canonical(type_text);
		if (self.type == NULL) {
			g_autofree char *known = cw_bot_admin_event_type_list();
			fprintf(stderr, "candlewick events: unknown event type '%s' (known: %s)\n",
				type_text, known);
			return 2;
		}
	}
	if (db == NULL || db[0] == '\0')
		db = g_strdup(g_getenv("CW_DB"));
	if (db == NULL || db[0] == '\0') {
		fprintf(stderr, "candlewick events: --db FILE is required (or set CW_DB)\n");
		return 2;
	}
	if (!g_file_test(db, G_FILE_TEST_EXISTS)) {
		fprintf(stderr, "candlewick events: %s: no such database\n", db);
		return 1;
	}
	/* a read-only command: nothing is created or migrated */
	store = cw_store_open_read_only(db, &error);
	if (store == NULL) {
		cw_commands_print_error("events", error);
		return 1;
	}
	if (!cw_store_quick_check(store, &error)) {
		fprintf(stderr, "candlewick events: warning: %s\n", error->message);
		g_clear_error(&error);
	}
	self.store = store;
	self.json = json;
	if (bot != NULL && !cw_events_resolve_bot(store, bot, &self.bot_id, &error)) {
		cw_commands_print_error("events", error);
		return 1;
	}
	cw_events_load_names(&self);
	/* read before the query: a commit in between is seen by the next poll */
	self.data_version = cw_store_get_data_version(store, NULL);
	if (follow && after < 0 && !cw_events_journal_end(store, &end_seq, &error)) {
		cw_commands_print_error("events", error);
		return 1;
	}
	if (after >= 0 || limit == 0)
		events = cw_store_events_query(store, self.bot_id, self.type, MAX(after, 0),
					       (guint) limit, &error);
	else
		events =
		    cw_bot_admin_events_tail(store, self.bot_id, self.type, (guint) limit, &error);
	if (events == NULL) {
		cw_commands_print_error("events", error);
		return 1;
	}
	self.last_seq = MAX(after, 0);
	cw_events_print(&self, events);
	if (!follow)
		return 0;
	/* without --after, follow from the end of the journal as it was before
	 * the first page (not from its start when the page was empty); with
	 * --after, after the first page */
	self.last_seq = MAX(self.last_seq, end_seq);
	cw_events_follow(&self, follow_timeout);
	return self.status;
}
