#include "cw-services.h"

#include <gio/gio.h>
#include <stdio.h>

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

void
cw_commands_print_error(const char *command, const GError *error)
{
	fprintf(stderr, "candlewick %s: %s\n", command, error != NULL ? error->message : "failed");
}
