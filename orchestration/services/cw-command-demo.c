/* candlewick demo: the embedded default. Generates synthetic candles,
 * backtests the example bots on them and says where everything went. */
#include "cw-services.h"

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

int
cw_command_demo(int argc, char **argv)
{
	g_autofree char *out_dir = NULL;
	g_autofree char *examples = NULL;
	g_autofree char *given_examples = NULL;
	g_autofree char *data = NULL;
	g_autofree char *db = NULL;
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
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
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
	db = g_build_filename(out_dir, "demo.db", NULL);
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

	printf("\nThe data above is SYNTHETIC (candlewick synth): the figures show the engine "
	       "at work,\nnot an edge in any market.\n\n"
	       "Outputs in %s/:\n"
	       "  %s  the candles\n"
	       "  %s  trades and metrics: sqlite3 %s 'SELECT * FROM trading_trades LIMIT 5'\n"
	       "  %s  the report as JSON\n"
	       "  %s  every trade\n"
	       "  %s  equity and drawdown, open it in a browser\n\n"
	       "Run the same on your own candles (CSV time,open,high,low,close,volume or JSON "
	       "[[ms,o,h,l,c,v],...]):\n"
	       "  candlewick backtest --config %s/ema-trend.json --data YOUR.csv\n",
	       out_dir, data, db, db, report, trades, svg, examples);
	return 0;
}
