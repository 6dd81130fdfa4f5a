/* candlewick notifications: the outbox's dead letters, listed, retried or
 * purged. */
#include "cw-services-cli.h"

#include <stdio.h>
#include <string.h>

static void
cw_command_notifications_print(const CwStoreOutboxRow *row)
{
	g_autofree char *title = g_strescape(row->title, NULL);
	g_autofree char *err = row->last_error != NULL ? g_strescape(row->last_error, NULL) : NULL;

	printf("%" G_GINT64_FORMAT " %s %s %s %s attempts=%u bot=%s key=%s \"%s\"", row->id,
	       row->state, row->notifier, row->event_type, row->level, row->attempts,
	       row->bot_name != NULL ? row->bot_name : "-", row->key, title);
	if (err != NULL)
		printf(" error=\"%s\"", err);
	printf("\n");
}

static int
cw_command_notifications_list(CwStore *store, gboolean failed)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) rows = cw_store_outbox_list(store, failed ? "dead" : NULL, &error);

	if (rows == NULL) {
		cw_commands_print_error("notifications", error);
		return 1;
	}
	for (guint i = 0; i < rows->len; i++)
		cw_command_notifications_print(g_ptr_array_index(rows, i));
	return 0;
}

static int
cw_command_notifications_retry(CwStore *store, const char *id_text, gboolean all)
{
	g_autoptr(GError) error = NULL;
	gint64 id = 0;
	gint64 n;

	if (!all) {
		guint64 v = 0;
		if (id_text == NULL ||
		    !g_ascii_string_to_unsigned(id_text, 10, 1, G_MAXINT64, &v, NULL)) {
			fprintf(stderr, "candlewick notifications retry: expected an outbox id "
					"or --all\n");
			return 2;
		}
		id = (gint64) v;
	}
	n = cw_store_outbox_retry(store, id, g_get_real_time() / 1000, &error);
	if (n < 0) {
		cw_commands_print_error("notifications", error);
		return 1;
	}
	if (!all && n == 0) {
		fprintf(stderr,
			"candlewick notifications retry: %" G_GINT64_FORMAT
			" is not a dead letter\n",
			id);
		return 1;
	}
	printf("%" G_GINT64_FORMAT " dead letter(s) due again\n", n);
	return 0;
}

static int
cw_command_notifications_purge(CwStore *store, gboolean dead)
{
	g_autoptr(GError) error = NULL;
	gint64 n = cw_store_outbox_purge(store, dead, &error);

	if (n < 0) {
		cw_commands_print_error("notifications", error);
		return 1;
	}
	printf("%" G_GINT64_FORMAT " row(s) purged\n", n);
	return 0;
}

/**
 * cw_command_notifications:
 *
 * `candlewick notifications list [--failed] | retry ID|--all | purge [--dead]`.
 */
int
cw_command_notifications(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *db = NULL;
	g_autoptr(CwStore) store = NULL;
	g_autoptr(GOptionContext) ctx =
	    g_option_context_new("list [--failed] | retry ID|--all | purge [--dead]");
	gboolean failed = FALSE, all = FALSE, dead = FALSE;
	const char *verb;
	GOptionEntry entries[] = {
	    {"db", 0, 0, G_OPTION_ARG_FILENAME, &db, "The database (default: $CW_DB)", "FILE"},
	    {"failed", 0, 0, G_OPTION_ARG_NONE, &failed, "list: only the dead letters", NULL},
	    {"all", 0, 0, G_OPTION_ARG_NONE, &all, "retry: every dead letter", NULL},
	    {"dead", 0, 0, G_OPTION_ARG_NONE, &dead, "purge: the dead letters too", NULL},
	    {NULL},
	};

	g_set_prgname("candlewick notifications");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cw_commands_parse_options(ctx, entries, &argc, &argv, 2, &error)) {
		cw_commands_print_error("notifications", error);
		return 2;
	}
	verb = argc >= 2 ? argv[1] : NULL;
	if (verb == NULL || (!g_str_equal(verb, "list") && !g_str_equal(verb, "retry") &&
			     !g_str_equal(verb, "purge"))) {
		fprintf(stderr, "candlewick notifications: expected list, retry or purge\n");
		return 2;
	}
	if ((failed && !g_str_equal(verb, "list")) || (all && !g_str_equal(verb, "retry")) ||
	    (dead && !g_str_equal(verb, "purge")) || (argc > 2 && !g_str_equal(verb, "retry")) ||
	    (all && argc > 2)) {
		fprintf(stderr, "candlewick notifications %s: unexpected arguments\n", verb);
		return 2;
	}
	if (db == NULL || db[0] == '\0')
		db = g_strdup(g_getenv("CW_DB"));
	if (db == NULL || db[0] == '\0') {
		fprintf(stderr, "candlewick notifications: --db FILE is required (or set CW_DB)\n");
		return 2;
	}
	if (!g_file_test(db, G_FILE_TEST_EXISTS)) {
		fprintf(stderr, "candlewick notifications: %s: no such database\n", db);
		return 1;
	}
	store = g_str_equal(verb, "list") ? cw_store_open_read_only(db, &error)
					  : cw_store_open(db, &error);
	if (store == NULL) {
		cw_commands_print_error("notifications", error);
		return 1;
	}
	if (g_str_equal(verb, "list"))
		return cw_command_notifications_list(store, failed);
	if (g_str_equal(verb, "retry"))
		return cw_command_notifications_retry(store, argc > 2 ? argv[2] : NULL, all);
	return cw_command_notifications_purge(store, dead);
}
