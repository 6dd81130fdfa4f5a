#include "cw-services-cli.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#include "cw-execution.h"
#include "cw-strategies.h"

static const CwCommand cw_commands[] = {
    {"serve", "run every enabled bot of a database", cw_command_serve},
    {"backtest", "run bot configurations over historical candles", cw_command_backtest},
    {"indicators", "print indicator values for a candle file as CSV", cw_command_indicators},
    {"synth", "generate realistic synthetic candles as CSV", cw_command_synth},
    {"demo", "generate data and backtest the example bots", cw_command_demo},
    {"bots", "add, list, show, enable, disable, switch, halt... the bots in a database",
     cw_command_bots},
    {"halt-all", "turn the service-wide kill switch on: halt every bot", cw_command_halt_all},
    {"resume-all", "turn the service-wide kill switch off", cw_command_resume_all},
    {"events", "print or follow the event journal", cw_command_events},
    {"health", "print the local service's health verdict (exit 0 healthy, 1 not)",
     cw_command_health},
    {"notifications", "list, retry or purge the notification outbox", cw_command_notifications},
    {"tokens", "add, list or revoke the control API's bearer tokens", cw_command_tokens},
    {"candles", "export the candles live feeds recorded, as CSV", cw_command_candles},
    {NULL, NULL, NULL},
};

const CwCommand *
cw_commands_get_all(void)
{
	return cw_commands;
}

const CwCommand *
cw_commands_lookup(const char *name)
{
	for (const CwCommand *c = cw_commands; c->name != NULL; c++) {
		if (g_strcmp0(c->name, name) == 0)
			return c;
	}
	return NULL;
}

void
cw_commands_init_types(void (*register_features)(void))
{
	static gsize once = 0;

	if (!g_once_init_enter(&once))
		return;
	cw_extension_points_register();
	cw_strategies_register_types();
	cw_execution_register_types();
	if (register_features != NULL)
		register_features();
	if (g_getenv("CW_MODULE_DIR") != NULL) {
		/* out-of-tree feature modules (lib*.so) export g_io_module_load()
		 * and register their types there, like GIO's own modules; they
		 * stay loaded for the life of the process */
		GList *modules = g_io_modules_load_all_in_directory(g_getenv("CW_MODULE_DIR"));
		g_list_free(modules);
	}
	g_once_init_leave(&once, 1);
}

CwCandleSource *
cw_commands_open_source(const char *name, GError **error, const char *first_property, ...)
{
	g_autoptr(GObject) obj = NULL;
	va_list args;

	obj = cw_extension_new(CW_EXTENSION_POINT_CANDLE_SOURCE, name, error);
	if (obj == NULL)
		return NULL;
	va_start(args, first_property);
	g_object_set_valist(obj, first_property, args);
	va_end(args);
	if (!cw_candle_source_open(CW_CANDLE_SOURCE(obj), error))
		return NULL;
	return CW_CANDLE_SOURCE(g_steal_pointer(&obj));
}

/* Whether the option reads a value from the next argument. */
static gboolean
cw_commands_takes_value(const GOptionEntry *e)
{
	if (e->arg == G_OPTION_ARG_NONE)
		return FALSE;
	if (e->arg == G_OPTION_ARG_CALLBACK)
		return (e->flags & (G_OPTION_FLAG_NO_ARG | G_OPTION_FLAG_OPTIONAL_ARG)) == 0;
	return (e->flags & G_OPTION_FLAG_OPTIONAL_ARG) == 0;
}

/* A value GLib replaces when the option comes again (not an array, a flag
 * or a callback). */
static gboolean
cw_commands_single_valued(const GOptionEntry *e)
{
	switch (e->arg) {
	case G_OPTION_ARG_STRING:
	case G_OPTION_ARG_FILENAME:
	case G_OPTION_ARG_INT:
	case G_OPTION_ARG_INT64:
	case G_OPTION_ARG_DOUBLE:
		return TRUE;
	default:
		return FALSE;
	}
}

static const GOptionEntry *
cw_commands_find_long(const GOptionEntry *entries, const char *name, gsize len)
{
	for (const GOptionEntry *e = entries; e->long_name != NULL; e++) {
		if (strlen(e->long_name) == len && strncmp(e->long_name, name, len) == 0)
			return e;
	}
	return NULL;
}

static const GOptionEntry *
cw_commands_find_short(const GOptionEntry *entries, char name)
{
	for (const GOptionEntry *e = entries; e->long_name != NULL; e++) {
		if (e->short_name != '\0' && e->short_name == name)
			return e;
	}
	return NULL;
}

/* Records a use of e; FALSE on the second. */
static gboolean
cw_commands_note(GHashTable *seen, const GOptionEntry *e, GError **error)
{
	if (g_hash_table_contains(seen, e)) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_USAGE,
			    "--%s given twice; give it once", e->long_name);
		return FALSE;
	}
	g_hash_table_add(seen, (gpointer) e);
	return TRUE;
}

/* Walks argv the way GLib does and fails on the second use of a
 * single-valued option. */
static gboolean
cw_commands_check_repeats(const GOptionEntry *entries, int argc, char **argv, GError **error)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const GOptionEntry *e = NULL;
		gboolean value_follows = FALSE;

		if (strcmp(arg, "--") == 0)
			break;
		if (arg[0] != '-' || arg[1] == '\0')
			continue;
		if (arg[1] == '-') {
			const char *eq = strchr(arg + 2, '=');

			e = cw_commands_find_long(entries, arg + 2,
						  eq != NULL ? (gsize) (eq - arg - 2)
							     : strlen(arg + 2));
			value_follows = e != NULL && eq == NULL && cw_commands_takes_value(e);
		} else {
			/* a cluster (-qv, -qc FILE): as in GLib, an option of it that
			 * takes a value reads the next argument */
			for (const char *p = arg + 1; *p != '\0'; p++) {
				const GOptionEntry *s = cw_commands_find_short(entries, *p);

				if (s == NULL)
					continue;
				value_follows = value_follows || cw_commands_takes_value(s);
				if (cw_commands_single_valued(s) &&
				    !cw_commands_note(seen, s, error))
					return FALSE;
			}
		}
		if (e != NULL && cw_commands_single_valued(e) && !cw_commands_note(seen, e, error))
			return FALSE;
		if (value_follows)
			i++;
	}
	return TRUE;
}

gboolean
cw_commands_parse_options(GOptionContext *ctx, const GOptionEntry *entries, int *argc, char ***argv,
			  int max_args, GError **error)
{
	if (!cw_commands_check_repeats(entries, *argc, *argv, error) ||
	    !g_option_context_parse(ctx, argc, argv, error))
		return FALSE;
	if (max_args >= 0 && *argc - 1 > max_args) {
		const char *extra = (*argv)[1 + max_args];

		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_USAGE,
			    "unexpected argument '%s'%s", extra,
			    max_args == 0 ? " (this command takes options only)" : "");
		return FALSE;
	}
	return TRUE;
}

gboolean
cw_commands_parse_interval(const char *text, gint64 *out_ms, GError **error)
{
	gint64 ms = cw_interval_parse(text);

	if (ms <= 0) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_USAGE,
			    "--interval: invalid interval '%s' (expected a length such as 1m, 5m, "
			    "1h or 1d)",
			    text);
		return FALSE;
	}
	*out_ms = ms;
	return TRUE;
}

void
cw_commands_print_error(const char *command, const GError *error)
{
	fprintf(stderr, "candlewick %s: %s\n", command, error != NULL ? error->message : "failed");
}
