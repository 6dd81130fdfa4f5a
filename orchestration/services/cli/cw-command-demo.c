/* candlewick demo: the embedded default. Generates synthetic candles,
 * backtests the example bots on them and says where everything went. */
#include "cw-services-cli.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
cw_demo_find_examples(const char *given)
{
	const char *candidates[] = {given, g_getenv("CW_EXAMPLES_DIR"), CW_SOURCE_EXAMPLES_DIR,
				    CW_INSTALLED_EXAMPLES_DIR};

	for (gsize i = 0; i < G_N_ELEMENTS(candidates); i++) {
		if (candidates[i] != NULL && g_file_test(candidates[i], G_FILE_TEST_IS_DIR))
			return g_strdup(candidates[i]);
	}
	return NULL;
}

static gint
cw_demo_compare_paths(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const char *const *) a, *(const char *const *) b);
}

static GPtrArray *
cw_demo_list_configs(const char *dir, GError **error)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, error);
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	if (d == NULL)
		return NULL;
	while ((name = g_dir_read_name(d)) != NULL) {
		if (g_str_has_suffix(name, ".json"))
			g_ptr_array_add(out, g_build_filename(dir, name, NULL));
	}
	g_ptr_array_sort(out, cw_demo_compare_paths);
	if (out->len == 0) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO,
			    "%s: no example bot configuration (*.json)", dir);
		return NULL;
	}
	return g_steal_pointer(&out);
}

/* Runs another command in this process, as if from the command line. */
static int
cw_demo_run(int argc, char **argv)
{
	return cw_commands_lookup(argv[0])->func(argc, argv);
}

/* The example config with a replay feed over the demo data. */
static char *
cw_demo_bot_config(const char *path, const char *data, GError **error)
{
	g_autoptr(JsonNode) doc =
	    cw_json_parse_file(path, CW_JSON_MAX_CONFIG_FILE, CW_JSON_PARSE_DEFAULT, error);
	JsonObject *root, *feed;

	if (doc == NULL)
		return NULL;
	if (!JSON_NODE_HOLDS_OBJECT(doc)) {
		g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_TYPE, "%s: expected an object",
			    path);
		return NULL;
	}
	root = json_node_get_object(doc);
	feed = json_object_new();
	json_object_set_string_member(feed, "type", "replay");
	json_object_set_string_member(feed, "path", data);
	json_object_set_int_member(feed, "speed", 0);
	json_object_set_string_member(feed, "symbol",
				      json_object_get_string_member(root, "symbol"));
	json_object_set_object_member(root, "feed", feed);
	return cw_json_to_string(doc, FALSE);
}

/* Serves the example bots from a fresh database until their feeds end. */
static int
cw_demo_serve(GPtrArray *configs, const char *data, const char *db)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwStore) store = NULL;
	g_autoptr(CwService) service = NULL;
	g_autoptr(GPtrArray) bots = NULL;
	CwServiceOptions options;
	int status;

	g_unlink(db);
	store = cw_store_open(db, &error);
	if (store == NULL) {
		fprintf(stderr, "candlewick demo: %s: %s\n", db, error->message);
		return 1;
	}
	for (guint i = 0; i < configs->len; i++) {
		g_autofree char *json =
		    cw_demo_bot_config(g_ptr_array_index(configs, i), data, &error);
		g_autofree char *name = NULL;
		if (json == NULL) {
			fprintf(stderr, "candlewick demo: %s\n", error->message);
			return 1;
		}
		if (cw_bot_admin_add(store, json, TRUE, &name, &error) < 0) {
			fprintf(stderr, "candlewick demo: %s: %s\n",
				(const char *) g_ptr_array_index(configs, i), error->message);
			return 1;
		}
	}
	g_clear_object(&store);
	cw_service_options_init(&options);
	options.exit_when_idle = TRUE;
	options.poll_interval_s = 0.2;
	service = cw_service_new(db, &options, &error);
	if (service == NULL) {
		fprintf(stderr, "candlewick demo: %s: %s\n", db, error->message);
		return 1;
	}
	status = cw_service_run(service);
	g_clear_object(&service);
	if (status != 0)
		return status;

	store = cw_store_open(db, &error);
	bots = store != NULL ? cw_store_bot_list(store, &error) : NULL;
	if (bots == NULL) {
		fprintf(stderr, "candlewick demo: %s: %s\n", db, error->message);
		return 1;
	}
	printf("\n%-20s %-8s %7s %6s %12s  %s\n", "bot", "status", "trades", "wins", "net PnL",
	       "stop reason");
	for (guint i = 0; i < bots->len; i++) {
		CwStoreBot *bot = g_ptr_array_index(bots, i);
		g_autoptr(GPtrArray) trades = cw_store_trades_list(store, NULL, bot->name, NULL);
		g_autofree char *reason = cw_store_state_get(store, bot->id, "stop_reason", NULL);
		double pnl = 0;
		guint wins = 0;

		for (guint t = 0; trades != NULL && t < trades->len; t++) {
			const CwStoreTrade *tr = g_ptr_array_index(trades, t);
			pnl += tr->trade.net_pnl;
			wins += tr->trade.net_pnl > 0;
		}
		printf("%-20s %-8s %7u %6u %+12.2f  %s\n", bot->name, bot->status,
		       trades != NULL ? trades->len : 0, wins, pnl, reason != NULL ? reason : "-");
	}
	return 0;
}

/* The simulator: --exchange-sim, $CW_EXCHANGE_SIM, or beside this
 * candlewick in the build tree (build/tools/exchange-sim/). NULL when none. */
static char *
cw_demo_find_sim(const char *given)
{
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *dir = self != NULL ? g_path_get_dirname(self) : NULL;
	g_autofree char *near = NULL;

	if (given != NULL)
		return g_strdup(given);
	if (g_getenv("CW_EXCHANGE_SIM") != NULL)
		return g_strdup(g_getenv("CW_EXCHANGE_SIM"));
	if (dir == NULL)
		return NULL;
	near = g_build_filename(dir, "..", "..", "tools", "exchange-sim", "candlewick-exchange-sim",
				NULL);
	return g_file_test(near, G_FILE_TEST_IS_EXECUTABLE) ? g_canonicalize_filename(near, NULL)
							    : NULL;
}

/* An example config on the simulator's Bybit or Binance stream. */
static char *
cw_demo_live_config(const char *path, const char *name, const char *type, int port, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree char *ws = NULL, *rest = g_strdup_printf("http://127.0.0.1:%d", port);
	gboolean bybit = strcmp(type, "bybit") == 0;
	JsonObject *root, *feed;

	if (!json_parser_load_from_file(parser, path, error))
		return NULL;
	root = json_node_get_object(json_parser_get_root(parser));
	json_object_set_string_member(root, "name", name);
	ws = bybit ? g_strdup_printf("ws://127.0.0.1:%d/v5/public/linear", port)
		   : g_strdup_printf("ws://127.0.0.1:%d", port);
	feed = json_object_new();
	json_object_set_string_member(feed, "type", type);
	json_object_set_string_member(feed, bybit ? "category" : "market",
				      bybit ? "linear" : "usdm");
	json_object_set_string_member(feed, "ws_url", ws);
	json_object_set_string_member(feed, "rest_url", rest);
	json_object_set_object_member(root, "feed", feed);
	return cw_json_to_string(json_parser_get_root(parser), FALSE);
}

/* Waits for the port file the simulator writes; 0 when it does not come. */
static int
cw_demo_wait_port(GSubprocess *sim, const char *port_file)
{
	for (guint i = 0; i < 200; i++) {
		g_autofree char *text = NULL;

		guint64 port = 0;

		if (g_file_get_contents(port_file, &text, NULL, NULL) &&
		    g_ascii_string_to_unsigned(g_strstrip(text), 10, 1, 65535, &port, NULL))
			return (int) port;
		if (g_subprocess_get_identifier(sim) == NULL)
			return 0;
		g_usleep(25000);
	}
	return 0;
}

/* SIGTERM, then at most 10 s; SIGKILL after. */
static void
cw_demo_stop(GSubprocess *proc)
{
	if (proc == NULL || g_subprocess_get_identifier(proc) == NULL)
		return;
	g_subprocess_send_signal(proc, SIGTERM);
	for (guint i = 0; i < 400 && g_subprocess_get_identifier(proc) != NULL; i++) {
		g_main_context_iteration(NULL, FALSE);
		g_usleep(25000);
	}
	if (g_subprocess_get_identifier(proc) != NULL)
		g_subprocess_force_exit(proc);
	g_subprocess_wait(proc, NULL, NULL);
}

/* What the live bots did, from their database. */
static void
cw_demo_live_summary(const char *db)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwStore) store = cw_store_open_read_only(db, &error);
	g_autoptr(GPtrArray) bots = store != NULL ? cw_store_bot_list(store, &error) : NULL;

	if (bots == NULL) {
		fprintf(stderr, "candlewick demo: %s: %s\n", db, error->message);
		return;
	}
	printf("\n%-14s %7s %12s  %s\n", "bot", "trades", "net PnL", "feed");
	for (guint i = 0; i < bots->len; i++) {
		CwStoreBot *bot = g_ptr_array_index(bots, i);
		g_autoptr(GPtrArray) trades = cw_store_trades_list(store, NULL, bot->name, NULL);
		g_autofree char *feed = cw_store_state_get(store, bot->id, "feed", NULL);
		double pnl = 0;

		for (guint t = 0; trades != NULL && t < trades->len; t++)
			pnl += ((const CwStoreTrade *) g_ptr_array_index(trades, t))->trade.net_pnl;
		printf("%-14s %7u %+12.2f  %.160s\n", bot->name, trades != NULL ? trades->len : 0,
		       pnl, feed != NULL ? feed : "-");
	}
}

/* Step 4: the simulator on a free port replays the data as Bybit and
 * Binance would stream it; two bots trade it with the paper broker for
 * seconds of wall time. Everything started is stopped by its pid. */
static int
cw_demo_live(const char *sim_path, const char *data, const char *out_dir, const char *examples,
	     double seconds)
{
	g_autofree char *port_file = g_build_filename(out_dir, "exchange-sim.port", NULL);
	g_autofree char *sim_log = g_build_filename(out_dir, "exchange-sim.log", NULL);
	g_autofree char *serve_log = g_build_filename(out_dir, "live.log", NULL);
	g_autofree char *db = g_build_filename(out_dir, "live.db", NULL);
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	g_autoptr(GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
	g_autoptr(GSubprocess) sim = NULL, serve = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CwStore) store = NULL;
	const char *bots[][3] = {{"ema-trend.json", "live-bybit", "bybit"},
				 {"mean-reversion.json", "live-binance", "binance"}};
	int port;

	g_unlink(port_file);
	g_unlink(db);
	g_subprocess_launcher_set_stdout_file_path(launcher, sim_log);
	g_subprocess_launcher_set_stderr_file_path(launcher, sim_log);
	sim = g_subprocess_launcher_spawn(launcher, &error, sim_path, "--candles", data,
					  "--port-file", port_file, "--speed", "100", "--partials",
					  "1", "--history", "300", "--wait-subscribers", "2",
					  "--linger", "600", NULL);
	port = sim != NULL ? cw_demo_wait_port(sim, port_file) : 0;
	if (port == 0) {
		fprintf(stderr,
			"candlewick demo: the exchange simulator did not start: %s (see %s)\n",
			error != NULL ? error->message : "no port", sim_log);
		cw_demo_stop(sim);
		return 1;
	}
	printf("   simulator %s on http://127.0.0.1:%d (pid %s)\n", sim_path, port,
	       g_subprocess_get_identifier(sim));
	store = cw_store_open(db, &error);
	for (guint i = 0; store != NULL && i < G_N_ELEMENTS(bots); i++) {
		g_autofree char *path = g_build_filename(examples, bots[i][0], NULL);
		g_autofree char *json =
		    cw_demo_live_config(path, bots[i][1], bots[i][2], port, &error);
		g_autofree char *name = NULL;
		if (json == NULL || cw_bot_admin_add(store, json, TRUE, &name, &error) < 0)
			g_clear_object(&store);
	}
	if (store == NULL) {
		fprintf(stderr, "candlewick demo: %s: %s\n", db, error->message);
		cw_demo_stop(sim);
		return 1;
	}
	g_clear_object(&store);
	g_subprocess_launcher_set_stdout_file_path(launcher, serve_log);
	g_subprocess_launcher_set_stderr_file_path(launcher, serve_log);
	serve = g_subprocess_launcher_spawn(launcher, &error, self, "serve", "--db", db, NULL);
	if (serve == NULL) {
		fprintf(stderr, "candlewick demo: %s\n", error->message);
		cw_demo_stop(sim);
		return 1;
	}
	printf("   candlewick serve (pid %s) for %.0f s, two bots: Bybit and Binance streams\n",
	       g_subprocess_get_identifier(serve), seconds);
	fflush(stdout);
	for (guint i = 0; i < (guint) (seconds * 10) && g_subprocess_get_identifier(serve) != NULL;
	     i++)
		g_usleep(100000);
	cw_demo_stop(serve);
	cw_demo_stop(sim);
	cw_demo_live_summary(db);
	printf("\n   live database: %s (candlewick bots show --db %s live-bybit;\n"
	       "   candlewick candles export --db %s --exchange bybit --symbol BTCUSDT "
	       "--interval 5m --output -)\n   logs: %s, %s\n",
	       db, db, db, serve_log, sim_log);
	return 0;
}

int
cw_command_demo(int argc, char **argv)
{
	g_autofree char *out_dir = NULL;
	g_autofree char *examples = NULL;
	g_autofree char *given_examples = NULL;
	g_autofree char *data = NULL;
	g_autofree char *db = NULL;
	g_autofree char *serve_db = NULL;
	g_autofree char *report = NULL;
	g_autofree char *trades = NULL;
	g_autofree char *svg = NULL;
	g_autofree char *days_text = NULL;
	g_autofree char *seed_text = NULL;
	g_autofree char *sim_given = NULL;
	g_autofree char *sim_path = NULL;
	double live_seconds = 20;
	g_autoptr(GPtrArray) configs = NULL;
	g_autoptr(GPtrArray) args = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GOptionContext) ctx = g_option_context_new("- the embedded default");
	double days = 60;
	gint64 seed = 42;
	int status;
	GOptionEntry entries[] = {
	    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir,
	     "Directory for the data, DB and reports (default ./demo-out)", "DIR"},
	    {"examples", 0, 0, G_OPTION_ARG_FILENAME, &given_examples,
	     "Directory of bot configurations (default docs/examples)", "DIR"},
	    {"days", 0, 0, G_OPTION_ARG_DOUBLE, &days, "Days of synthetic data (default 60)", "N"},
	    {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the generator (default 42)", "N"},
	    {"exchange-sim", 0, 0, G_OPTION_ARG_FILENAME, &sim_given,
	     "The exchange simulator (default $CW_EXCHANGE_SIM, or the build tree's)", "PATH"},
	    {"live-seconds", 0, 0, G_OPTION_ARG_DOUBLE, &live_seconds,
	     "Wall seconds of the live session (default 20; 0 = none)", "S"},
	    {NULL},
	};

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cw_commands_parse_options(ctx, entries, &argc, &argv, 0, &error)) {
		cw_commands_print_error("demo", error);
		return 2;
	}
	if (out_dir == NULL)
		out_dir = g_strdup("demo-out");
	examples = cw_demo_find_examples(given_examples);
	if (examples == NULL) {
		fprintf(stderr, "candlewick demo: no examples directory found; pass --examples "
				"DIR\n");
		return 2;
	}
	configs = cw_demo_list_configs(examples, &error);
	if (configs == NULL) {
		cw_commands_print_error("demo", error);
		return 1;
	}
	if (g_mkdir_with_parents(out_dir, 0755) != 0) {
		fprintf(stderr, "candlewick demo: %s: %s\n", out_dir, g_strerror(errno));
		return 1;
	}
	data = g_build_filename(out_dir, "synthetic-btcusdt-5m.csv", NULL);
	db = g_build_filename(out_dir, "backtest.db", NULL);
	serve_db = g_build_filename(out_dir, "bots.db", NULL);
	report = g_build_filename(out_dir, "report.json", NULL);
	trades = g_build_filename(out_dir, "trades.csv", NULL);
	svg = g_build_filename(out_dir, "equity.svg", NULL);
	days_text = g_strdup_printf("%g", days);
	seed_text = g_strdup_printf("%" G_GINT64_FORMAT, seed);

	printf("candlewick demo\n"
	       "1. generating %s days of synthetic BTC-like 5-minute candles (seed %s)\n",
	       days_text, seed_text);
	fflush(stdout);
	{
		char *synth_argv[] = {
		    "synth",  "--symbol", "BTCUSDT", "--interval", "5m",
		    "--days", days_text,  "--seed",  seed_text,    "--start-price",
		    "42000",  "--output", data,      NULL};
		status = cw_demo_run(G_N_ELEMENTS(synth_argv) - 1, synth_argv);
		if (status != 0)
			return status;
	}

	printf("2. backtesting %u example bots from %s\n\n", configs->len, examples);
	fflush(stdout);
	g_unlink(db);
	args = g_ptr_array_new();
	g_ptr_array_add(args, "backtest");
	for (guint i = 0; i < configs->len; i++) {
		g_ptr_array_add(args, "--config");
		g_ptr_array_add(args, g_ptr_array_index(configs, i));
	}
	g_ptr_array_add(args, "--data");
	g_ptr_array_add(args, data);
	g_ptr_array_add(args, "--db");
	g_ptr_array_add(args, db);
	g_ptr_array_add(args, "--report-json");
	g_ptr_array_add(args, report);
	g_ptr_array_add(args, "--trades-csv");
	g_ptr_array_add(args, trades);
	g_ptr_array_add(args, "--equity-svg");
	g_ptr_array_add(args, svg);
	g_ptr_array_add(args, NULL);
	status = cw_demo_run(args->len - 1, (char **) args->pdata);
	if (status != 0)
		return status;

	printf("\n3. serving the same bots from a database (candlewick serve), each with its own\n"
	       "   orchestrator, two of them on one shared replay feed of the same data\n");
	fflush(stdout);
	status = cw_demo_serve(configs, data, serve_db);
	if (status != 0)
		return status;

	sim_path = live_seconds > 0 ? cw_demo_find_sim(sim_given) : NULL;
	if (sim_path != NULL) {
		printf("\n4. live: the exchange simulator streams the same data as Bybit v5 and "
		       "Binance\n   would, and two bots trade it with the paper broker\n");
		fflush(stdout);
		status = cw_demo_live(sim_path, data, out_dir, examples, MIN(live_seconds, 60));
		if (status != 0)
			return status;
	} else if (live_seconds > 0) {
		printf(
		    "\n4. live: skipped, no exchange simulator found (pass --exchange-sim PATH)\n");
	}

	printf("\nThe data above is SYNTHETIC (candlewick synth): the figures show the engine "
	       "at work,\nnot an edge in any market.\n\n"
	       "Outputs in %s/:\n"
	       "  %s  the candles\n"
	       "  %s  the backtest: sqlite3 %s 'SELECT * FROM trading_trades LIMIT 5'\n"
	       "  %s  the served bots (trading_bots, orders, events, ...):\n"
	       "      candlewick bots list --db %s; candlewick events --db %s --type TRADE_CLOSED\n"
	       "  %s  the report as JSON\n"
	       "  %s  every trade\n"
	       "  %s  equity and drawdown, open it in a browser\n\n"
	       "Run the same on your own candles (CSV time,open,high,low,close,volume or JSON "
	       "[[ms,o,h,l,c,v],...]):\n"
	       "  candlewick backtest --config %s/ema-trend.json --data YOUR.csv\n",
	       out_dir, data, db, db, serve_db, serve_db, serve_db, report, trades, svg, examples);
	return 0;
}
