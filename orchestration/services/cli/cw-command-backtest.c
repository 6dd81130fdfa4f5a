/* candlewick backtest: bot configurations over historical candles. */
#include "cw-services-cli.h"

#include <errno.h>
#include <stdio.h>

#include "cw-output-file.h"

/* Accepts Unix seconds, Unix milliseconds, or an ISO 8601 date or time
 * (UTC unless it carries an offset). */
static gboolean
cw_backtest_parse_time(const char *text, gint64 *out_ms, GError **error)
{
	g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
	g_autoptr(GDateTime) dt = NULL;
	char *end = NULL;
	gint64 n;

	n = g_ascii_strtoll(text, &end, 10);
	if (end != text && *end == '\0') {
		*out_ms = n >= 100000000000LL ? n : n * 1000;
		return TRUE;
	}
	dt = g_date_time_new_from_iso8601(text, utc);
	if (dt == NULL && strlen(text) == 10) {
		g_autofree char *full = g_strconcat(text, "T00:00:00Z", NULL);
		dt = g_date_time_new_from_iso8601(full, utc);
	}
	if (dt == NULL) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_USAGE,
			    "'%s' is not a time (Unix seconds or ms, or ISO 8601 like 2023-01-15 "
			    "or 2023-01-15T08:00:00Z)",
			    text);
		return FALSE;
	}
	*out_ms = g_date_time_to_unix(dt) * 1000;
	return TRUE;
}

static gboolean
cw_backtest_write_db_rows(CwBacktest *bt, CwStore *store, const char *run_id, const char *data_desc,
			  GError **error)
{
	g_autoptr(GString) configs = g_string_new(NULL);
	g_autoptr(GString) report_json = g_string_new(NULL);
	g_autoptr(CwBacktestReport) combined = NULL;
	CwJsonWriter w;
	guint n = cw_backtest_get_n_bots(bt);

	cw_json_writer_init(&w, configs, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_array(&w);
	for (guint i = 0; i < n; i++) {
		g_autofree char *cfg = cw_bot_config_to_json(cw_backtest_get_config(bt, i));
		cw_json_writer_raw(&w, cfg);
	}
	cw_json_writer_end_array(&w);
	if (!cw_store_begin_run(store, run_id, data_desc, configs->str, error))
		return FALSE;
	for (guint i = 0; i < n; i++) {
		const CwBotConfig *config = cw_backtest_get_config(bt, i);
		const GArray *trades = cw_backtest_get_trades(bt, i);
		const CwEquityStats *eq = cw_backtest_get_equity(bt, i);
		const char *strategy =
		    g_quark_to_string(cw_bot_config_get_active_strategy(config)->quark);
		g_autoptr(CwBacktestReport) r = cw_backtest_build_report(bt, i);
		CwStoreMetrics m = {
		    .run_id = run_id,
		    .bot_name = config->name,
		    .strategy_id = strategy,
		    .time = eq->n_points > 0 ? eq->points[eq->n_points - 1].time : 0,
		    .equity = r->final_equity,
		    .balance = r->final_equity,
		    .realized_pnl = r->net_pnl,
		    .unrealized_pnl = 0,
		    .trades = r->n_trades,
		    .wins = r->wins,
		    .win_rate = r->win_rate_pct,
		    .max_drawdown = r->max_drawdown,
		    .max_drawdown_pct = r->max_drawdown_pct,
		};
		for (guint t = 0; t < trades->len; t++) {
			if (cw_store_insert_trade(store, run_id, config->name, strategy,
						  &g_array_index(trades, CwTrade, t), error) < 0)
				return FALSE;
		}
		if (cw_store_insert_metrics(store, &m, error) < 0)
			return FALSE;
	}
	combined = cw_backtest_build_report(bt, G_MAXUINT);
	cw_json_writer_init(&w, report_json, CW_JSON_WRITER_NON_FINITE_ZERO);
	cw_backtest_report_write_json(combined, &w);
	return cw_store_finish_run(store, run_id, cw_backtest_get_n_candles(bt), report_json->str,
				   error);
}

/* One transaction: a run is recorded whole or not at all. */
static gboolean
cw_backtest_write_db(CwBacktest *bt, const char *path, const char *data_desc, GError **error)
{
	g_autoptr(CwStore) store = cw_store_open(path, error);
	g_autofree char *run_id = g_uuid_string_random();

	if (store == NULL || !cw_store_begin(store, error))
		return FALSE;
	if (!cw_backtest_write_db_rows(bt, store, run_id, data_desc, error)) {
		cw_store_rollback(store, NULL);
		return FALSE;
	}
	return cw_store_commit(store, error);
}

/* "resampled": {"from": "1m", "to": "5m", ...} when the data was resampled. */
static void
cw_backtest_resampled_json(CwBacktest *bt, CwJsonWriter *w)
{
	const CwCandleResampler *r = cw_backtest_get_resampler(bt);
	char from[16], to[16];

	if (r == NULL)
		return;
	cw_interval_format(r->base_interval_ms, from, sizeof from);
	cw_interval_format(r->agg.interval_ms, to, sizeof to);
	cw_json_writer_key(w, "resampled");
	cw_json_writer_begin_object(w);
	cw_json_writer_member_string(w, "from", from);
	cw_json_writer_member_string(w, "to", to);
	cw_json_writer_member_uint(w, "source_candles", r->base_candles);
	cw_json_writer_member_uint(w, "candles", r->emitted);
	cw_json_writer_member_uint(w, "dropped_incomplete_buckets", r->dropped_buckets);
	cw_json_writer_member_uint(w, "buckets_with_gaps", r->gap_buckets);
	cw_json_writer_member_string(w, "summary", cw_backtest_get_resampled(bt));
	cw_json_writer_end_object(w);
}

/* The report file: the data, then each bot's report and the combined one. */
static char *
cw_backtest_reports_json(CwBacktest *bt, const char *data_desc, guint64 skipped)
{
	GString *out = g_string_new(NULL);
	CwJsonWriter w;
	guint n = cw_backtest_get_n_bots(bt);

	cw_json_writer_init(&w, out, CW_JSON_WRITER_PRETTY | CW_JSON_WRITER_NON_FINITE_ZERO);
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_string(&w, "data", data_desc);
	cw_json_writer_member_uint(&w, "candles", cw_backtest_get_n_candles(bt));
	cw_json_writer_member_uint(&w, "skipped_rows", skipped);
	cw_backtest_resampled_json(bt, &w);
	/* equity == cash + open PnL at every candle, up to rounding */
	cw_json_writer_member_double(&w, "max_equity_identity_error",
				     cw_backtest_get_max_equity_error(bt));
	cw_json_writer_key(&w, "bots");
	cw_json_writer_begin_array(&w);
	for (guint i = 0; i < n; i++) {
		g_autoptr(CwBacktestReport) r = cw_backtest_build_report(bt, i);
		cw_backtest_report_write_json(r, &w);
	}
	cw_json_writer_end_array(&w);
	cw_json_writer_key(&w, "combined");
	{
		g_autoptr(CwBacktestReport) r = cw_backtest_build_report(bt, G_MAXUINT);
		cw_backtest_report_write_json(r, &w);
	}
	cw_json_writer_end_object(&w);
	return g_string_free(out, FALSE);
}

/* The output files, opened before the run so that a refused path fails
 * before the work; NULL when not asked for. */
typedef struct {
	CwOutputFile *report_json;
	CwOutputFile *trades_csv;
	CwOutputFile *equity_svg;
} CwBacktestOutputs;

static void
cw_backtest_outputs_clear(CwBacktestOutputs *o)
{
	g_clear_pointer(&o->report_json, cw_output_file_free);
	g_clear_pointer(&o->trades_csv, cw_output_file_free);
	g_clear_pointer(&o->equity_svg, cw_output_file_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CwBacktestOutputs, cw_backtest_outputs_clear)

static gboolean
cw_backtest_open_output(const char *path, CwOutputFile **out, GError **error)
{
	if (path == NULL)
		return TRUE;
	*out = cw_output_file_open(path, error);
	return *out != NULL;
}

static gboolean
cw_backtest_write_outputs(CwBacktest *bt, const char *data_desc, guint64 skipped,
			  CwOutputFile *report_json, CwOutputFile *trades_csv,
			  CwOutputFile *equity_svg, GError **error)
{
	guint n = cw_backtest_get_n_bots(bt);

	if (report_json != NULL) {
		g_autofree char *text = cw_backtest_reports_json(bt, data_desc, skipped);

		if (!cw_output_file_write_all(report_json, text, -1, error))
			return FALSE;
	}
	if (trades_csv != NULL) {
		g_autoptr(GString) csv = g_string_new(NULL);
		cw_backtest_trades_append_csv_header(csv);
		for (guint i = 0; i < n; i++) {
			const CwBotConfig *c = cw_backtest_get_config(bt, i);
			cw_backtest_trades_append_csv(
			    c->name, g_quark_to_string(cw_bot_config_get_active_strategy(c)->quark),
			    cw_backtest_get_trades(bt, i), csv);
		}
		if (!cw_output_file_write_all(trades_csv, csv->str, (gssize) csv->len, error))
			return FALSE;
	}
	if (equity_svg != NULL) {
		g_autofree const CwEquityStats **curves = g_new0(const CwEquityStats *, n + 1);
		g_autofree const char **labels = g_new0(const char *, n + 1);
		g_autofree char *svg = NULL;
		g_autofree char *title = g_strdup_printf("candlewick backtest: %s", data_desc);
		guint k = 0;

		for (guint i = 0; i < n; i++) {
			curves[k] = cw_backtest_get_equity(bt, i);
			labels[k++] = cw_backtest_get_config(bt, i)->name;
		}
		if (n > 1) {
			curves[k] = cw_backtest_get_equity(bt, G_MAXUINT);
			labels[k++] = "combined";
		}
		svg = cw_backtest_equity_svg(title, curves, labels, k);
		if (!cw_output_file_write_all(equity_svg, svg, -1, error))
			return FALSE;
	}
	return TRUE;
}

int
cw_command_backtest(int argc, char **argv)
{
	g_auto(GStrv) configs = NULL;
	g_autofree char *data = NULL;
	g_autofree char *from_text = NULL;
	g_autofree char *to_text = NULL;
	g_autofree char *db = NULL;
	g_autofree char *report_json = NULL;
	g_autofree char *trades_csv = NULL;
	g_autofree char *equity_svg = NULL;
	g_auto(CwBacktestOutputs) outputs = {NULL, NULL, NULL};
	g_autofree char *interval_text = NULL;
	gint64 interval_ms = 0;
	gboolean skip_bad = FALSE;
	gboolean quiet = FALSE;
	gint block_candles = CW_BACKTEST_DEFAULT_BLOCK_CANDLES;
	gint64 from_ms = 0, to_ms = 0;
	g_autoptr(GError) error = NULL;
	g_autoptr(CwCandleSource) source = NULL;
	g_autoptr(CwBacktest) bt = cw_backtest_new();
	g_autoptr(GOptionContext) ctx = g_option_context_new("- backtest bots over candles");
	g_autoptr(GString) text = g_string_new(NULL);
	g_autofree char *skipped_summary = NULL;
	const char *data_desc;
	guint64 skipped;
	GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME_ARRAY, &configs,
	     "Bot configuration (repeat for several bots)", "BOT.json"},
	    {"data", 'd', 0, G_OPTION_ARG_FILENAME, &data,
	     "Candles: CSV time,open,high,low,close,volume or JSON [[ms,o,h,l,c,v],...]", "FILE"},
	    {"interval", 0, 0, G_OPTION_ARG_STRING, &interval_text,
	     "Candle interval of --data (1m, 5m, 1h...; default: detected from the first rows)",
	     "I"},
	    {"from", 0, 0, G_OPTION_ARG_STRING, &from_text, "First candle time (inclusive)", "T"},
	    {"to", 0, 0, G_OPTION_ARG_STRING, &to_text, "Last candle time (exclusive)", "T"},
	    {"db", 0, 0, G_OPTION_ARG_FILENAME, &db, "Record the run in this SQLite file",
	     "OUT.db"},
	    {"report-json", 0, 0, G_OPTION_ARG_FILENAME, &report_json, "Write the report as JSON",
	     "F"},
	    {"trades-csv", 0, 0, G_OPTION_ARG_FILENAME, &trades_csv, "Write the trades as CSV",
	     "F"},
	    {"equity-svg", 0, 0, G_OPTION_ARG_FILENAME, &equity_svg,
	     "Draw equity and drawdown as SVG", "F"},
	    {"skip-bad-rows", 0, 0, G_OPTION_ARG_NONE, &skip_bad,
	     "Count and skip malformed or out-of-order rows instead of failing", NULL},
	    {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Do not print the report", NULL},
	    {"block-candles", 0, 0, G_OPTION_ARG_INT, &block_candles,
	     "Candles each independent bot runs before the next (default 64; 1 = all bots "
	     "candle by candle)",
	     "N"},
	    {NULL},
	};

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cw_commands_parse_options(ctx, entries, &argc, &argv, 0, &error)) {
		cw_commands_print_error("backtest", error);
		return 2;
	}
	if (configs == NULL || data == NULL) {
		fprintf(stderr, "candlewick backtest: --config and --data are required\n");
		return 2;
	}
	if (block_candles < 1 || block_candles > 65536) {
		fprintf(stderr,
			"candlewick backtest: --block-candles must be in [1, 65536], got %d\n",
			block_candles);
		return 2;
	}
	if ((interval_text != NULL &&
	     !cw_commands_parse_interval(interval_text, &interval_ms, &error)) ||
	    (from_text != NULL && !cw_backtest_parse_time(from_text, &from_ms, &error)) ||
	    (to_text != NULL && !cw_backtest_parse_time(to_text, &to_ms, &error))) {
		cw_commands_print_error("backtest", error);
		return 2;
	}
	for (guint i = 0; configs[i] != NULL; i++) {
		g_autoptr(CwBotConfig) config = cw_bot_config_new_from_file(configs[i], &error);
		/* the file's own errors start with its name already */
		if (config == NULL) {
			cw_commands_print_error("backtest", error);
			return 1;
		}
		if (!cw_backtest_add_bot(bt, config, &error)) {
			fprintf(stderr, "candlewick backtest: %s: %s\n", configs[i],
				error->message);
			return 1;
		}
	}
	if (!cw_backtest_open_output(report_json, &outputs.report_json, &error) ||
	    !cw_backtest_open_output(trades_csv, &outputs.trades_csv, &error) ||
	    !cw_backtest_open_output(equity_svg, &outputs.equity_svg, &error)) {
		cw_commands_print_error("backtest", error);
		return 1;
	}
	source = cw_commands_open_source("file", &error, "path", data, "interval", interval_ms,
					 "skip-bad-rows", skip_bad, NULL);
	if (source == NULL) {
		cw_commands_print_error("backtest", error);
		return 1;
	}
	cw_backtest_set_range(bt, from_ms, to_ms);
	cw_backtest_set_block_candles(bt, (guint) block_candles);
	if (!cw_backtest_run(bt, source, &error)) {
		cw_commands_print_error("backtest", error);
		return 1;
	}
	data_desc = cw_candle_source_describe(source);
	skipped = cw_candle_source_get_n_skipped(source);
	if (!quiet) {
		g_string_append_printf(text, "data: %s, %" G_GUINT64_FORMAT " candles\n", data_desc,
				       cw_backtest_get_n_candles(bt));
		if (cw_backtest_get_resampled(bt) != NULL)
			g_string_append_printf(text, "%s\n", cw_backtest_get_resampled(bt));
		if (cw_backtest_get_n_bots(bt) > 1)
			g_string_append_printf(
			    text, "bots run %s\n",
			    cw_backtest_get_ran_in_blocks(bt)
				? "in blocks of candles, one after the other (they are independent)"
				: "candle by candle together (lockstep)");
		if (skipped > 0) {
			g_object_get(source, "skipped-summary", &skipped_summary, NULL);
			g_string_append_printf(
			    text, "skipped %" G_GUINT64_FORMAT " bad rows:\n%s\n", skipped,
			    skipped_summary != NULL ? skipped_summary : "");
		}
		for (guint i = 0; i < cw_backtest_get_n_bots(bt); i++) {
			g_autoptr(CwBacktestReport) r = cw_backtest_build_report(bt, i);
			cw_backtest_report_append_text(r, text);
		}
		if (cw_backtest_get_n_bots(bt) > 1) {
			g_autoptr(CwBacktestReport) r = cw_backtest_build_report(bt, G_MAXUINT);
			cw_backtest_report_append_text(r, text);
		}
		fputs(text->str, stdout);
	}
	if (!cw_backtest_write_outputs(bt, data_desc, skipped, outputs.report_json,
				       outputs.trades_csv, outputs.equity_svg, &error)) {
		cw_commands_print_error("backtest", error);
		return 1;
	}
	if (db != NULL) {
		if (!cw_backtest_write_db(bt, db, data_desc, &error)) {
			fprintf(stderr, "candlewick backtest: %s: %s\n", db, error->message);
			return 1;
		}
		if (!quiet)
			printf("recorded in %s (tables trading_trades, "
			       "trading_performance_metrics, backtest_runs)\n",
			       db);
	}
	return 0;
}
