/* End-to-end tests of the candlewick executable: real files, a real SQLite
 * database, the real binary driven through GSubprocess. */
#include "cw-test-utils.h"

#include <string.h>

typedef struct {
	char *tmpdir;
	char *data;
} E2eFixture;

static void
e2e_setup(E2eFixture *fx, gconstpointer user_data)
{
	fx->tmpdir = cw_test_tmpdir("cw-e2e-XXXXXX");
	fx->data = cw_test_synth_in(fx->tmpdir, "30", "11");
}

static void
e2e_teardown(E2eFixture *fx, gconstpointer user_data)
{
	cw_test_rm_rf(fx->tmpdir);
	g_free(fx->tmpdir);
	g_free(fx->data);
}

/* Runs the examples over data and checks the invariants every backtest must
 * hold: equity identity, DB = report, determinism. */
static void
e2e_check_backtest(E2eFixture *fx, const char *data, const char *tag)
{
	g_autofree char *cfg1 = cw_test_example("ema-trend.json");
	g_autofree char *cfg2 = cw_test_example("mean-reversion.json");
	g_autofree char *cfg3 = cw_test_example("breakout.json");
	g_autofree char *db = g_strdup_printf("%s/%s.db", fx->tmpdir, tag);
	g_autofree char *json = g_strdup_printf("%s/%s.json", fx->tmpdir, tag);
	g_autofree char *csv1 = g_strdup_printf("%s/%s-1.csv", fx->tmpdir, tag);
	g_autofree char *csv2 = g_strdup_printf("%s/%s-2.csv", fx->tmpdir, tag);
	g_autofree char *svg = g_strdup_printf("%s/%s.svg", fx->tmpdir, tag);
	g_autofree char *out = NULL, *err = NULL, *a = NULL, *b = NULL, *svg_text = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *root, *combined;
	JsonArray *bots;
	gint64 report_trades = 0;
	int status;

	status = cw_test_run(&out, &err, "backtest", "--config", cfg1, "--config", cfg2, "--config",
			     cfg3, "--data", data, "--db", db, "--report-json", json,
			     "--trades-csv", csv1, "--equity-svg", svg, NULL);
	if (status != 0)
		g_printerr("%s\n%s\n", out, err);
	g_assert_cmpint(status, ==, 0);
	g_assert_nonnull(strstr(out, "== combined"));
	g_assert_nonnull(strstr(out, "Sharpe / Sortino"));

	root = cw_test_load_json(parser, json);
	g_assert_cmpfloat(json_object_get_double_member(root, "max_equity_identity_error"), <,
			  1e-6);
	bots = json_object_get_array_member(root, "bots");
	g_assert_cmpuint(json_array_get_length(bots), ==, 3);
	for (guint i = 0; i < 3; i++) {
		JsonObject *bot = json_array_get_object_element(bots, i);
		gint64 trades = json_object_get_int_member(bot, "trades");
		gint64 wins = json_object_get_int_member(bot, "wins");
		gint64 losses = json_object_get_int_member(bot, "losses");
		g_autofree char *sql =
		    g_strdup_printf("SELECT count(*) FROM trading_trades WHERE bot_name = '%s'",
				    json_object_get_string_member(bot, "bot"));

		g_assert_cmpint(trades, ==, wins + losses);
		g_assert_cmpint(cw_test_db_int(db, sql, -1), ==, trades);
		g_assert_cmpint(json_object_get_int_member(bot, "candles"), >, 1000);
		report_trades += trades;
	}
	combined = json_object_get_object_member(root, "combined");
	g_assert_cmpint(json_object_get_int_member(combined, "trades"), ==, report_trades);
	g_assert_cmpint(cw_test_db_int(db, "SELECT count(*) FROM trading_trades", -1), ==,
			report_trades);
	g_assert_cmpint(cw_test_db_int(db, "SELECT count(*) FROM trading_performance_metrics", -1),
			==, 3);
	g_assert_cmpint(report_trades, >, 0);

	/* determinism: a second run gives a byte-identical trades CSV */
	g_clear_pointer(&out, g_free);
	status = cw_test_run(&out, NULL, "backtest", "--config", cfg1, "--config", cfg2, "--config",
			     cfg3, "--data", data, "--trades-csv", csv2, "--quiet", NULL);
	g_assert_cmpint(status, ==, 0);
	g_assert_true(g_file_get_contents(csv1, &a, NULL, NULL));
	g_assert_true(g_file_get_contents(csv2, &b, NULL, NULL));
	g_assert_cmpstr(a, ==, b);
	g_assert_true(g_str_has_prefix(a, "bot,strategy,symbol,direction,entry_time"));

	g_assert_true(g_file_get_contents(svg, &svg_text, NULL, NULL));
	g_assert_true(g_str_has_prefix(svg_text, "<?xml"));
	g_assert_nonnull(strstr(svg_text, "<polyline"));
	g_assert_true(g_str_has_suffix(svg_text, "</svg>\n"));
}

static void
test_e2e_backtest_synthetic(E2eFixture *fx, gconstpointer user_data)
{
	e2e_check_backtest(fx, fx->data, "synth");
}

static void
test_e2e_backtest_shared(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *data =
	    g_build_filename(g_getenv("CW_SHARED_DATA"), "btcusdt-5m.csv", NULL);

	if (!g_file_test(data, G_FILE_TEST_EXISTS)) {
		g_test_skip("../shared/data/btcusdt-5m.csv is absent (a fresh clone has no shared "
			    "data)");
		return;
	}
	e2e_check_backtest(fx, data, "shared");
}

/* The trades of the examples on the shared data, pinned by their SHA-256:
 * a change to the engine that alters any trade fails here. The digests
 * were taken before the broker contract (execution reports, time-based
 * retries) and must not move unless a change says why in
 * docs/benchmarks.md. */
static void
test_e2e_backtest_shared_digest(E2eFixture *fx, gconstpointer user_data)
{
	static const struct {
		const char *example;
		const char *sha256;
	} pins[] = {
	    {"breakout.json", "462d763412b9d631e504e6667443dd555527c468122cd4aa04a00e7fbe489094"},
	    {"ema-trend.json", "78dde104d6b448ffb7abeed4d25f608b1a0837a68398ef224a092b2e5533fe73"},
	    {"mean-reversion.json",
	     "95cfbf70900c4554266c149d1ea6de1d88e125a3967d08784383d2830645bcf6"},
	};
	g_autofree char *data =
	    g_build_filename(g_getenv("CW_SHARED_DATA"), "btcusdt-5m.csv", NULL);

	if (!g_file_test(data, G_FILE_TEST_EXISTS)) {
		g_test_skip("../shared/data/btcusdt-5m.csv is absent (a fresh clone has no shared "
			    "data)");
		return;
	}
	for (guint i = 0; i < G_N_ELEMENTS(pins); i++) {
		g_autofree char *cfg = cw_test_example(pins[i].example);
		g_autofree char *csv = g_build_filename(fx->tmpdir, "pinned.csv", NULL);
		g_autofree char *text = NULL;
		g_autofree char *digest = NULL;
		gsize len = 0;

		g_assert_cmpint(cw_test_run(NULL, NULL, "backtest", "--config", cfg, "--data", data,
					    "--trades-csv", csv, "--quiet", NULL),
				==, 0);
		g_assert_true(g_file_get_contents(csv, &text, &len, NULL));
		digest = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *) text, len);
		g_test_message("%s: %s", pins[i].example, digest);
		g_assert_cmpstr(digest, ==, pins[i].sha256);
	}
}

/* The report without its timings, as canonical JSON. */
static char *
e2e_report_figures(const char *path)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	JsonObject *root = cw_test_load_json(parser, path);
	JsonArray *bots = json_object_get_array_member(root, "bots");
	JsonObject *combined = json_object_get_object_member(root, "combined");

	for (guint i = 0; i < json_array_get_length(bots); i++) {
		JsonObject *bot = json_array_get_object_element(bots, i);
		g_assert_true(json_object_has_member(bot, "elapsed_s"));
		json_object_remove_member(bot, "elapsed_s");
		json_object_remove_member(bot, "candles_per_s");
	}
	json_object_remove_member(combined, "elapsed_s");
	json_object_remove_member(combined, "candles_per_s");
	json_generator_set_root(gen, json_parser_get_root(parser));
	return json_generator_to_data(gen, NULL);
}

/* Independent bots run in blocks of candles by default; the trades and every
 * figure of the report must be those of the lockstep run (--block-candles 1),
 * whatever the block size. */
static void
test_e2e_backtest_blocks(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *cfg1 = cw_test_example("ema-trend.json");
	g_autofree char *cfg2 = cw_test_example("mean-reversion.json");
	g_autofree char *cfg3 = cw_test_example("breakout.json");
	g_autofree char *limited = cw_test_example("guardrails/max-exposure-pct.json");
	g_autofree char *lock_csv = NULL, *lock_figures = NULL;
	const char *blocks[] = {"1", "64", "7", "65536"};

	for (guint k = 0; k < G_N_ELEMENTS(blocks); k++) {
		g_autofree char *csv = g_strdup_printf("%s/blocks-%s.csv", fx->tmpdir, blocks[k]);
		g_autofree char *json = g_strdup_printf("%s/blocks-%s.json", fx->tmpdir, blocks[k]);
		g_autofree char *out = NULL, *text = NULL, *figures = NULL;
		int status = cw_test_run(&out, NULL, "backtest", "--config", cfg1, "--config", cfg2,
					 "--config", cfg3, "--data", fx->data, "--trades-csv", csv,
					 "--report-json", json, "--block-candles", blocks[k], NULL);

		g_assert_cmpint(status, ==, 0);
		g_assert_nonnull(strstr(out, k == 0 ? "lockstep" : "in blocks of candles"));
		g_assert_true(g_file_get_contents(csv, &text, NULL, NULL));
		figures = e2e_report_figures(json);
		if (k == 0) {
			g_assert_true(g_str_has_prefix(text, "bot,strategy"));
			g_assert_nonnull(strchr(strchr(text, '\n') + 1, '\n')); /* trades */
			lock_csv = g_steal_pointer(&text);
			lock_figures = g_steal_pointer(&figures);
			continue;
		}
		g_assert_cmpstr(text, ==, lock_csv);
		g_assert_cmpstr(figures, ==, lock_figures);
	}

	/* a limit across bots: every bot sees each candle with the others */
	{
		g_autofree char *out = NULL;
		g_assert_cmpint(cw_test_run(&out, NULL, "backtest", "--config", limited, "--config",
					    cfg1, "--data", fx->data, NULL),
				==, 0);
		g_assert_nonnull(strstr(out, "lockstep"));
	}
	g_assert_cmpint(cw_test_run(NULL, NULL, "backtest", "--config", cfg1, "--data", fx->data,
				    "--block-candles", "0", NULL),
			==, 2);
}

static void
test_e2e_backtest_bad_rows(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *cfg = cw_test_example("ema-trend.json");
	g_autofree char *bad = g_build_filename(fx->tmpdir, "bad.csv", NULL);
	g_autofree char *good = NULL;
	g_autofree char *out = NULL, *err = NULL;
	g_autoptr(GString) text = NULL;
	char **lines;

	/* the synthetic file with one malformed row at line 1001 */
	g_assert_true(g_file_get_contents(fx->data, &good, NULL, NULL));
	lines = g_strsplit(good, "\n", -1);
	text = g_string_new(NULL);
	for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++) {
		if (i == 1000)
			g_string_append(text, "1700000000,abc,1,1,1,1\n");
		else
			g_string_append_printf(text, "%s\n", lines[i]);
	}
	g_strfreev(lines);
	g_assert_true(g_file_set_contents(bad, text->str, -1, NULL));

	g_assert_cmpint(cw_test_run(&out, &err, "backtest", "--config", cfg, "--data", bad, NULL),
			==, 1);
	g_assert_nonnull(strstr(err, "bad.csv:1001:"));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(cw_test_run(&out, &err, "backtest", "--config", cfg, "--data", bad,
				    "--skip-bad-rows", NULL),
			==, 0);
	g_assert_nonnull(strstr(out, "skipped 1 bad rows"));
}

static void
test_e2e_backtest_bad_config(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *cfg = g_build_filename(fx->tmpdir, "bad.json", NULL);
	g_autofree char *err = NULL;
	const char *json = "{\"name\":\"x\",\"symbol\":\"BTCUSDT\",\"strategy\":{\"analyzers\":["
			   "{\"type\":\"rsi\"},{\"type\":\"macd\"},{\"type\":\"ema_cross\","
			   "\"weight\":1.5}]}}";

	g_assert_true(g_file_set_contents(cfg, json, -1, NULL));
	g_assert_cmpint(
	    cw_test_run(NULL, &err, "backtest", "--config", cfg, "--data", fx->data, NULL), ==, 1);
	g_assert_nonnull(strstr(err, "strategy.analyzers[2].weight: expected a number in [0, 1]"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(cw_test_run(NULL, &err, "backtest", "--config", "/nonexistent.json",
				    "--data", fx->data, NULL),
			==, 1);
	g_assert_nonnull(strstr(err, "/nonexistent.json"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(cw_test_run(NULL, &err, "backtest", "--data", fx->data, NULL), ==, 2);
}

/* ---- data of a shorter interval than the bot's ---- */

typedef struct {
	gint64 bucket;
	guint count;
	gint64 last_time;
	char *open, *high, *low, *close;
	double high_v, low_v, volume;
} E2eBucket;

static void
e2e_bucket_clear(E2eBucket *b)
{
	g_free(b->open);
	g_free(b->high);
	g_free(b->low);
	g_free(b->close);
	memset(b, 0, sizeof(*b));
}

/* Writes the 1m CSV file @in (time in seconds) as 5m candles to @out by a
 * plain group-by of epoch-aligned buckets, keeping the prices' text: the
 * first bucket is dropped when it holds fewer than five candles, the last
 * when its fifth minute is missing. Returns the number of 5m candles. */
static guint
e2e_write_5m(const char *in, const char *out)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GString) csv = g_string_new("time,open,high,low,close,volume\n");
	E2eBucket b = {.bucket = -1};
	guint written = 0, groups = 0;

	g_assert_true(g_file_get_contents(in, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	g_assert_cmpstr(lines[0], ==, "time,open,high,low,close,volume");
	for (guint i = 1;; i++) {
		g_auto(GStrv) f = NULL;
		gint64 t = -1, bucket = -1;

		if (lines[i] != NULL && lines[i][0] != '\0') {
			f = g_strsplit(lines[i], ",", 6);
			g_assert_cmpuint(g_strv_length(f), ==, 6);
			t = g_ascii_strtoll(f[0], NULL, 10);
			bucket = t - t % 300;
		}
		if (b.bucket >= 0 && bucket != b.bucket) {
			gboolean first = groups++ == 0, last = bucket < 0;
			if (!(first && b.count < 5) && !(last && b.last_time != b.bucket + 240)) {
				g_string_append_printf(
				    csv, "%" G_GINT64_FORMAT ",%s,%s,%s,%s,%.17g\n", b.bucket,
				    b.open, b.high, b.low, b.close, b.volume);
				written++;
			}
			e2e_bucket_clear(&b);
			b.bucket = -1;
		}
		if (bucket < 0)
			break;
		if (b.bucket < 0) {
			b.bucket = bucket;
			b.open = g_strdup(f[1]);
			b.high = g_strdup(f[2]);
			b.low = g_strdup(f[3]);
			b.high_v = g_ascii_strtod(f[2], NULL);
			b.low_v = g_ascii_strtod(f[3], NULL);
			b.volume = g_ascii_strtod(f[5], NULL);
		} else {
			if (g_ascii_strtod(f[2], NULL) > b.high_v) {
				b.high_v = g_ascii_strtod(f[2], NULL);
				g_free(b.high);
				b.high = g_strdup(f[2]);
			}
			if (g_ascii_strtod(f[3], NULL) < b.low_v) {
				b.low_v = g_ascii_strtod(f[3], NULL);
				g_free(b.low);
				b.low = g_strdup(f[3]);
			}
			b.volume += g_ascii_strtod(f[5], NULL);
		}
		g_free(b.close);
		b.close = g_strdup(f[4]);
		b.count++;
		b.last_time = t;
	}
	g_assert_true(g_file_set_contents(out, csv->str, -1, NULL));
	return written;
}

/* 5m bots on 1m candles: the data is resampled to 5m, and the trades are
 * those of the same bots on the file aggregated to 5m beforehand. */
static void
test_e2e_backtest_resample(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *data = g_build_filename(g_getenv("CW_SHARED_DATA"), "altbtc-1m.csv", NULL);
	g_autofree char *five = g_build_filename(fx->tmpdir, "altbtc-5m.csv", NULL);
	g_autofree char *cfg1 = cw_test_example("ema-trend.json");
	g_autofree char *cfg2 = cw_test_example("mean-reversion.json");
	g_autofree char *cfg3 = cw_test_example("breakout.json");
	g_autofree char *csv_a = g_build_filename(fx->tmpdir, "a.csv", NULL);
	g_autofree char *csv_b = g_build_filename(fx->tmpdir, "b.csv", NULL);
	g_autofree char *json = g_build_filename(fx->tmpdir, "a.json", NULL);
	g_autofree char *out = NULL, *out5 = NULL, *err = NULL, *a = NULL, *b = NULL;
	g_autofree char *want = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *root, *resampled;
	guint n5;
	int status;

	if (!g_file_test(data, G_FILE_TEST_EXISTS)) {
		g_test_skip("../shared/data/altbtc-1m.csv is absent (a fresh clone has no shared "
			    "data)");
		return;
	}
	n5 = e2e_write_5m(data, five);
	status =
	    cw_test_run(&out, &err, "backtest", "--config", cfg1, "--config", cfg2, "--config",
			cfg3, "--data", data, "--trades-csv", csv_a, "--report-json", json, NULL);
	if (status != 0)
		g_printerr("%s\n%s\n", out, err);
	g_assert_cmpint(status, ==, 0);
	want = g_strdup_printf("resampled 1m -> 5m, %u candles (from ", n5);
	g_assert_nonnull(strstr(out, want));
	g_assert_nonnull(strstr(out, "1 incomplete bucket(s) at the edges dropped"));
	g_assert_nonnull(strstr(out, "== btc-ema-trend (btc-ema-trend:ema-trend) BTCUSDT 5m =="));
	root = cw_test_load_json(parser, json);
	g_assert_cmpint(json_object_get_int_member(root, "candles"), ==, n5);
	resampled = json_object_get_object_member(root, "resampled");
	g_assert_nonnull(resampled);
	g_assert_cmpstr(json_object_get_string_member(resampled, "from"), ==, "1m");
	g_assert_cmpstr(json_object_get_string_member(resampled, "to"), ==, "5m");
	g_assert_cmpint(json_object_get_int_member(resampled, "candles"), ==, n5);
	g_assert_cmpint(json_object_get_int_member(resampled, "source_candles"), ==, 13681);
	g_assert_cmpint(json_object_get_int_member(resampled, "dropped_incomplete_buckets"), ==, 1);

	status = cw_test_run(&out5, NULL, "backtest", "--config", cfg1, "--config", cfg2,
			     "--config", cfg3, "--data", five, "--trades-csv", csv_b, NULL);
	g_assert_cmpint(status, ==, 0);
	g_assert_null(strstr(out5, "resampled"));
	g_assert_true(g_file_get_contents(csv_a, &a, NULL, NULL));
	g_assert_true(g_file_get_contents(csv_b, &b, NULL, NULL));
	g_assert_nonnull(strchr(strchr(a, '\n') + 1, '\n')); /* there are trades */
	g_assert_cmpstr(a, ==, b);
}

/* Data coarser than the bot's interval, or of one that does not divide it,
 * is refused with a message that says why. */
static void
test_e2e_backtest_resample_refused(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *cfg = cw_test_example("ema-trend.json");
	g_autofree char *one = g_build_filename(fx->tmpdir, "one.json", NULL);
	g_autofree char *two_m = g_build_filename(fx->tmpdir, "synth-2m.csv", NULL);
	g_autofree char *text = NULL, *err = NULL;
	g_autoptr(GString) s = NULL;

	g_assert_true(g_file_get_contents(cfg, &text, NULL, NULL));
	s = g_string_new(text);
	g_assert_cmpuint(g_string_replace(s, "\"interval\": \"5m\"", "\"interval\": \"1m\"", 1), ==,
			 1);
	g_string_replace(s, "\"btc-ema-trend\"", "\"btc-ema-1m\"", 1);
	g_assert_true(g_file_set_contents(one, s->str, -1, NULL));

	g_assert_cmpint(
	    cw_test_run(NULL, &err, "backtest", "--config", one, "--data", fx->data, NULL), ==, 1);
	g_assert_nonnull(strstr(err, "bot 'btc-ema-1m' trades 1m candles but the data has 5m "
				     "candles: cannot resample 5m candles to 1m"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(cw_test_run(NULL, NULL, "synth", "--days", "2", "--interval", "2m",
				    "--output", two_m, NULL),
			==, 0);
	g_assert_cmpint(cw_test_run(NULL, &err, "backtest", "--config", cfg, "--data", two_m, NULL),
			==, 1);
	g_assert_nonnull(strstr(err, "trades 5m candles but the data has 2m candles: cannot "
				     "resample 2m candles to 5m: 5m is not a whole number of 2m "
				     "candles"));
	g_clear_pointer(&err, g_free);
	/* two bots of different intervals */
	g_assert_cmpint(cw_test_run(NULL, &err, "backtest", "--config", cfg, "--config", one,
				    "--data", fx->data, NULL),
			==, 1);
	g_assert_nonnull(strstr(err, "one backtest runs one interval"));
}

static void
test_e2e_indicators(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *out = NULL, *err = NULL;
	g_auto(GStrv) lines = NULL;

	g_assert_cmpint(cw_test_run(&out, &err, "indicators", "--data", fx->data, "--spec",
				    "sma:20,ema:20,rsi:14,macd:12:26:9,bbands:20:2,atr:14,"
				    "stoch:14:3:3,adx:14,obv,vwap,donchian:20,vsma:20,wma:10",
				    NULL),
			==, 0);
	lines = g_strsplit(out, "\n", -1);
	g_assert_cmpstr(lines[0], ==,
			"time,sma_20,ema_20,rsi_14,macd_12_26_9,macd_signal_12_26_9,"
			"macd_hist_12_26_9,bb_upper_20_2,bb_middle_20_2,bb_lower_20_2,atr_14,"
			"stoch_k_14_3_3,stoch_d_14_3_3,adx_14,plus_di_14,minus_di_14,obv,vwap,"
			"donchian_upper_20,donchian_middle_20,donchian_lower_20,vsma_20,wma_10");
	/* first row: only OBV and VWAP are defined */
	g_assert_true(g_str_has_suffix(lines[1], ",,,,,"));
	g_assert_nonnull(strstr(lines[1], ",,,,,,,,,,,,,,,,"));
	/* after 40 candles every column has a value */
	g_assert_null(strstr(lines[41], ",,"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(
	    cw_test_run(NULL, &err, "indicators", "--data", fx->data, "--spec", "foo:3", NULL), ==,
	    2);
	g_assert_nonnull(strstr(err, "known:"));
}

static void
test_e2e_synth_deterministic(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *a = NULL, *b = NULL, *c = NULL;

	g_assert_cmpint(cw_test_run(&a, NULL, "synth", "--days", "3", "--seed", "5", NULL), ==, 0);
	g_assert_cmpint(cw_test_run(&b, NULL, "synth", "--days", "3", "--seed", "5", NULL), ==, 0);
	g_assert_cmpint(cw_test_run(&c, NULL, "synth", "--days", "3", "--seed", "6", NULL), ==, 0);
	g_assert_cmpstr(a, ==, b);
	g_assert_cmpstr(a, !=, c);
	g_assert_true(g_str_has_prefix(a, "time,open,high,low,close,volume\n"));
}

/* The benchmarks live in candlewick-bench (tools/bench), not in the
 * installed executable. */
static void
test_e2e_no_bench_commands(E2eFixture *fx, gconstpointer user_data)
{
	const char *gone[] = {"bench", "bench-serve", "bench-guards"};
	g_autofree char *usage = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(gone); i++) {
		g_autofree char *err = NULL;
		g_autofree char *want = g_strdup_printf("unknown command '%s'", gone[i]);

		g_assert_cmpint(cw_test_run(NULL, &err, gone[i], NULL), ==, 2);
		g_assert_nonnull(strstr(err, want));
	}
	g_assert_cmpint(cw_test_run(&usage, NULL, "--help", NULL), ==, 0);
	g_assert_null(strstr(usage, "bench"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/e2e/backtest/synthetic", E2eFixture, NULL, e2e_setup,
		   test_e2e_backtest_synthetic, e2e_teardown);
	g_test_add("/e2e/backtest/shared-data", E2eFixture, NULL, e2e_setup,
		   test_e2e_backtest_shared, e2e_teardown);
	g_test_add("/e2e/backtest/shared-data-digest", E2eFixture, NULL, e2e_setup,
		   test_e2e_backtest_shared_digest, e2e_teardown);
	g_test_add("/e2e/backtest/blocks-match-lockstep", E2eFixture, NULL, e2e_setup,
		   test_e2e_backtest_blocks, e2e_teardown);
	g_test_add("/e2e/backtest/bad-rows", E2eFixture, NULL, e2e_setup,
		   test_e2e_backtest_bad_rows, e2e_teardown);
	g_test_add("/e2e/backtest/bad-config", E2eFixture, NULL, e2e_setup,
		   test_e2e_backtest_bad_config, e2e_teardown);
	g_test_add("/e2e/backtest/resample", E2eFixture, NULL, e2e_setup,
		   test_e2e_backtest_resample, e2e_teardown);
	g_test_add("/e2e/backtest/resample-refused", E2eFixture, NULL, e2e_setup,
		   test_e2e_backtest_resample_refused, e2e_teardown);
	g_test_add("/e2e/cli/no-bench-commands", E2eFixture, NULL, e2e_setup,
		   test_e2e_no_bench_commands, e2e_teardown);
	g_test_add("/e2e/indicators/columns", E2eFixture, NULL, e2e_setup, test_e2e_indicators,
		   e2e_teardown);
	g_test_add("/e2e/synth/deterministic", E2eFixture, NULL, e2e_setup,
		   test_e2e_synth_deterministic, e2e_teardown);
	return g_test_run();
}
