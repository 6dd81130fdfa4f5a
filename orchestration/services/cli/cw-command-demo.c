/* candlewick demo: the embedded default. Generates synthetic candles,
 * backtests the example bots on them and says where everything went. */
#include "cw-services-cli.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>

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
	g_autoptr(JsonGenerator) gen = json_generator_new();
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
	json_generator_set_root(gen, doc);
	return json_generator_to_data(gen, NULL);
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
