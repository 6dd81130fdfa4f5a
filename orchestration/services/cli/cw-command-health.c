/* candlewick health: the service's verdict from its database, for scripts
 * and a systemd unit's ExecStartPost. */
#include "cw-services-cli.h"

#include <json-glib/json-glib.h>
#include <stdio.h>

typedef struct {
	JsonBuilder *b;
	gboolean verbose;
	gboolean ok;
} CwHealthVerdict;

static void
cw_command_health_check(CwHealthVerdict *v, const char *name, gboolean ok, const char *detail)
{
	if (!ok)
		v->ok = FALSE;
	if (ok && !v->verbose)
		return;
	json_builder_begin_object(v->b);
	json_builder_set_member_name(v->b, "name");
	json_builder_add_string_value(v->b, name);
	json_builder_set_member_name(v->b, "ok");
	json_builder_add_boolean_value(v->b, ok);
	json_builder_set_member_name(v->b, "detail");
	json_builder_add_string_value(v->b, detail);
	json_builder_end_object(v->b);
}

/* An enabled bot is healthy when it runs and its heartbeat is fresh. */
static void
cw_command_health_bot(CwHealthVerdict *v, const CwStoreBot *bot, gint64 now_ms, double max_age_s)
{
	g_autofree char *name = g_strdup_printf("bot:%s", bot->name != NULL ? bot->name : "?");
	g_autofree char *detail = NULL;
	double age_s = (double) (now_ms - bot->last_heartbeat) / 1000;

	if (bot->corrupt != NULL) {
		cw_command_health_check(v, name, FALSE, bot->corrupt->message);
		return;
	}
	if (g_strcmp0(bot->status, "running") != 0) {
		detail = g_strdup_printf("status %s%s%s", bot->status,
					 bot->last_error != NULL ? ": " : "",
					 bot->last_error != NULL ? bot->last_error : "");
		cw_command_health_check(v, name, FALSE, detail);
		return;
	}
	detail = g_strdup_printf("running, heartbeat %.1f s ago (limit %.1f s)", age_s, max_age_s);
	cw_command_health_check(v, name, bot->last_heartbeat > 0 && age_s <= max_age_s, detail);
}

int
cw_command_health(int argc, char **argv)
{
	g_autofree char *db = NULL;
	double max_age = 60;
	gboolean verbose = FALSE;
	g_autoptr(GError) error = NULL;
	g_autoptr(GOptionContext) ctx = g_option_context_new("- is the local service healthy?");
	GOptionEntry entries[] = {
	    {"db", 0, 0, G_OPTION_ARG_FILENAME, &db, "The bots database (default $CW_DB)", "FILE"},
	    {"max-heartbeat-age", 0, 0, G_OPTION_ARG_DOUBLE, &max_age,
	     "Seconds a running bot's heartbeat may be old (default 60)", "S"},
	    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "List the passing checks too", NULL},
	    {NULL},
	};
	g_autoptr(CwStore) store = NULL;
	g_autoptr(GPtrArray) rows = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;
	CwHealthVerdict v = {b, FALSE, TRUE};
	gint64 now = g_get_real_time() / 1000;
	guint enabled = 0;

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_description(
	    ctx, "Prints a JSON verdict like GET /readyz and exits 0 when healthy, 1 when not.\n");
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		cw_commands_print_error("health", error);
		return 2;
	}
	if (db == NULL && g_getenv("CW_DB") != NULL)
		db = g_strdup(g_getenv("CW_DB"));
	if (db == NULL) {
		fprintf(stderr, "candlewick health: --db is required\n");
		return 2;
	}
	v.verbose = verbose;
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "checks");
	json_builder_begin_array(b);
	if (g_file_test(db, G_FILE_TEST_EXISTS))
		store = cw_store_open(db, &error);
	else
		g_set_error(&error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO, "%s: no such database",
			    db);
	if (store != NULL)
		rows = cw_store_bot_list(store, &error);
	cw_command_health_check(&v, "database", rows != NULL,
				rows != NULL ? "open" : error->message);
	for (guint i = 0; rows != NULL && i < rows->len; i++) {
		CwStoreBot *bot = g_ptr_array_index(rows, i);
		if (!bot->enabled)
			continue;
		enabled++;
		cw_command_health_bot(&v, bot, now, max_age);
	}
	if (rows != NULL)
		cw_command_health_check(&v, "bots_loaded", enabled > 0,
					enabled > 0 ? "enabled bots found" : "no enabled bot");
	json_builder_end_array(b);
	json_builder_set_member_name(b, "status");
	json_builder_add_string_value(b, v.ok ? "ok" : "failing");
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	text = json_to_string(root, TRUE);
	printf("%s\n", text);
	return v.ok ? 0 : 1;
}
