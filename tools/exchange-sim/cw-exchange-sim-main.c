/* candlewick-exchange-sim: replays a candle file as Bybit v5 and Binance
 * market data on 127.0.0.1 (docs/operations.md, "The exchange simulator"). */

#include "cw-exchange-sim.h"

#include <glib-unix.h>
#include <stdio.h>

static gboolean
cw_sim_main_quit(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_REMOVE;
}

static gboolean
cw_sim_main_signal(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_CONTINUE;
}

int
main(int argc, char **argv)
{
	CwExchangeSimOptions options;
	g_autofree char *path = NULL;
	g_autofree char *symbol = NULL;
	g_autofree char *port_file = NULL;
	g_auto(GStrv) faults = NULL;
	g_auto(GStrv) markets = NULL;
	g_auto(GStrv) private_faults = NULL;
	g_autofree char *api_key = NULL;
	g_autofree char *api_secret_env = NULL;
	double balance = 10000;
	double speed = 10;
	double linger = 2;
	int partials = 0;
	int history = 0;
	int wait_subscribers = 0;
	int port = 0;
	gboolean real_time = FALSE;
	gint64 seed = 0;
	g_autoptr(GOptionContext) context = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CwExchangeSim) sim = NULL;
	g_autoptr(GMainLoop) loop = NULL;
	GOptionEntry entries[] = {
	    {"candles", 'c', 0, G_OPTION_ARG_FILENAME, &path,
	     "Candle file to replay (CSV time,open,high,low,close,volume or JSON rows)", "FILE"},
	    {"symbol", 's', 0, G_OPTION_ARG_STRING, &symbol, "Symbol to serve (default BTCUSDT)",
	     "SYMBOL"},
	    {"market", 'm', 0, G_OPTION_ARG_FILENAME_ARRAY, &markets,
	     "One more symbol and its candle file, at any interval (repeatable)", "SYMBOL=FILE"},
	    {"port", 'p', 0, G_OPTION_ARG_INT, &port, "Port on 127.0.0.1 (default 0: a free port)",
	     "PORT"},
	    {"port-file", 0, 0, G_OPTION_ARG_FILENAME, &port_file,
	     "Also write the chosen port to FILE", "FILE"},
	    {"speed", 0, 0, G_OPTION_ARG_DOUBLE, &speed, "Candles per second (default 10)", "N"},
	    {"real-time", 0, 0, G_OPTION_ARG_NONE, &real_time,
	     "Candles close at their real pace (overrides --speed)", NULL},
	    {"partials", 0, 0, G_OPTION_ARG_INT, &partials,
	     "Partial (unconfirmed) updates per candle (default 0)", "K"},
	    {"history", 0, 0, G_OPTION_ARG_INT, &history,
	     "Candles already closed when the clock starts, for REST warm-up (default 0)", "N"},
	    {"wait-subscribers", 0, 0, G_OPTION_ARG_INT, &wait_subscribers,
	     "Start the clock once N connections have subscribed (default 0: at once)", "N"},
	    {"linger", 0, 0, G_OPTION_ARG_DOUBLE, &linger,
	     "Seconds to stay up after the last candle (default 2)", "S"},
	    {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Shifts the phase of every-N faults", "N"},
	    {"fault", 'f', 0, G_OPTION_ARG_STRING_ARRAY, &faults,
	     "A fault, e.g. drop_every=7 or bad_kinds=nan,binary (repeatable; see "
	     "docs/operations.md)",
	     "KEY=VALUE"},
	    {"api-key", 0, 0, G_OPTION_ARG_STRING, &api_key,
	     "Serve the Bybit v5 private API (orders, positions, /v5/private) for this key", "KEY"},
	    {"api-secret-env", 0, 0, G_OPTION_ARG_STRING, &api_secret_env,
	     "Environment variable holding the key's secret (default CW_SIM_API_SECRET)", "NAME"},
	    {"balance", 0, 0, G_OPTION_ARG_DOUBLE, &balance,
	     "USDT wallet balance of the private API's account (default 10000)", "USDT"},
	    {"private-fault", 0, 0, G_OPTION_ARG_STRING_ARRAY, &private_faults,
	     "A private API fault, e.g. drop_create_next=1 (repeatable; see docs/operations.md)",
	     "KEY=VALUE"},
	    {NULL},
	};

	cw_exchange_sim_options_init(&options);
	context = g_option_context_new("- replay candles as Bybit v5 and Binance serve them");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		g_printerr("candlewick-exchange-sim: %s\n", error->message);
		return 2;
	}
	if (path == NULL || speed < 0 || partials < 0 || partials > 1000 || history < 0 ||
	    wait_subscribers < 0 || linger < 0 || port < 0 || port > 65535 || seed < 0) {
		g_printerr("candlewick-exchange-sim: --candles FILE is required; --speed, "
			   "--partials (<= 1000), --history, --linger, --seed and --port must be "
			   ">= 0\n");
		return 2;
	}
	options.path = path;
	options.markets = (const char *const *) markets;
	if (symbol != NULL)
		options.symbol = symbol;
	options.speed = real_time ? 0 : speed;
	if (!real_time && speed == 0) {
		g_printerr("candlewick-exchange-sim: --speed must be > 0 (or use --real-time)\n");
		return 2;
	}
	options.partials = (guint) partials;
	options.history = (guint) history;
	options.wait_subscribers = (guint) wait_subscribers;
	options.linger = linger;
	options.faults.seed = (guint64) seed;
	for (guint i = 0; faults != NULL && faults[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit(faults[i], "=", 2);

		if (kv[0] == NULL || kv[1] == NULL) {
			g_printerr("candlewick-exchange-sim: --fault %s: expected KEY=VALUE\n",
				   faults[i]);
			return 2;
		}
		if (!cw_sim_faults_set(&options.faults, kv[0], kv[1], &error)) {
			g_printerr("candlewick-exchange-sim: --fault %s\n", error->message);
			return 2;
		}
	}
	if (api_key != NULL) {
		const char *name = api_secret_env != NULL ? api_secret_env : "CW_SIM_API_SECRET";

		options.api_key = api_key;
		options.api_secret = g_getenv(name);
		options.balance = balance;
		if (options.api_secret == NULL || *options.api_secret == '\0') {
			g_printerr("candlewick-exchange-sim: --api-key needs the secret in $%s\n",
				   name);
			return 2;
		}
	}
	sim = cw_exchange_sim_new(&options, &error);
	if (sim == NULL) {
		g_printerr("candlewick-exchange-sim: %s\n", error->message);
		return 1;
	}
	for (guint i = 0; private_faults != NULL && private_faults[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit(private_faults[i], "=", 2);

		if (cw_exchange_sim_get_private(sim) == NULL || kv[0] == NULL || kv[1] == NULL ||
		    !cw_sim_bybit_private_set_fault(cw_exchange_sim_get_private(sim), kv[0], kv[1],
						    &error)) {
			g_printerr(
			    "candlewick-exchange-sim: --private-fault %s: %s\n", private_faults[i],
			    error != NULL ? error->message : "expected KEY=VALUE, and --api-key");
			return 2;
		}
	}
	loop = g_main_loop_new(NULL, FALSE);
	if (!cw_exchange_sim_start(sim, (guint) port, &error)) {
		g_printerr("candlewick-exchange-sim: listen: %s\n", error->message);
		return 1;
	}
	if (port_file != NULL) {
		g_autofree char *text = g_strdup_printf("%u\n", cw_exchange_sim_get_port(sim));

		if (!g_file_set_contents(port_file, text, -1, &error)) {
			g_printerr("candlewick-exchange-sim: %s\n", error->message);
			return 1;
		}
	}
	printf("listening http://127.0.0.1:%u\n", cw_exchange_sim_get_port(sim));
	fflush(stdout);
	cw_exchange_sim_set_finished_func(sim, cw_sim_main_quit, loop);
	g_unix_signal_add(SIGTERM, cw_sim_main_signal, loop);
	g_unix_signal_add(SIGINT, cw_sim_main_signal, loop);
	g_main_loop_run(loop);
	printf("stopped\n");
	fflush(stdout);
	return 0;
}
