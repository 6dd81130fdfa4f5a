/* End-to-end tests of live feeds: the real `candlewick serve` against the
 * real candlewick-exchange-sim on 127.0.0.1. The sim replays the first
 * rows of ../shared/data/btcusdt-5m.csv as Bybit v5 or Binance would
 * stream them, with faults; the candles table of serve's database must
 * end up identical to the file: no gap, no duplicate, nothing out of
 * order. */
#include "cw-test-utils.h"

#include <libsoup/soup.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#define N_HISTORY 300  /* closed before the clock starts: REST only */
#define N_STREAM  2000 /* streamed after */
#define WARMUP    200

typedef struct {
	char *tmpdir;
	char *csv;        /* N_HISTORY + N_STREAM rows of the shared file */
	GPtrArray *rows;  /* "time,open,..." of the file, without the header */
	GPtrArray *procs; /* of GSubprocess*, killed at teardown */
} Fixture;

static GSubprocess *
spawn(Fixture *fx, const char *log, const char *const *argv)
{
	GSubprocess *proc = cw_test_spawn_logged(log, NULL, argv);

	g_ptr_array_add(fx->procs, proc);
	return proc;
}

static void
stop(GSubprocess *proc, int sig)
{
	if (g_subprocess_get_identifier(proc) == NULL)
		return;
	g_subprocess_send_signal(proc, sig);
	g_assert_true(cw_test_subprocess_wait(proc, 15000));
}

/* Starts the sim with extra arguments; returns its port. */
static int
sim_start(Fixture *fx, const char *name, const char *const *extra)
{
	g_autofree char *port_file = g_strdup_printf("%s/%s.port", fx->tmpdir, name);
	g_autofree char *log = g_strdup_printf("%s/%s.log", fx->tmpdir, name);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	const char *exe = g_getenv("CW_EXCHANGE_SIM");

	g_assert_nonnull(exe);
	g_ptr_array_add(argv, (gpointer) exe);
	for (const char *
		 a[] = {"--candles", fx->csv, "--port-file", port_file, "--history",
			G_STRINGIFY(N_HISTORY), "--wait-subscribers", "1", "--linger", "600", NULL},
		*const *p = a;
	     *p != NULL; p++)
		g_ptr_array_add(argv, (gpointer) *p);
	for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer) extra[i]);
	g_ptr_array_add(argv, NULL);
	spawn(fx, log, (const char *const *) argv->pdata);
	return cw_test_wait_port_file(port_file, 10000);
}

/* ema-trend on the sim's stream; feed_extra: more feed keys as JSON. */
static char *
bot_config(Fixture *fx, const char *name, const char *type, int port, const char *feed_extra)
{
	g_autofree char *example = cw_test_example("ema-trend.json");
	g_autofree char *text = NULL;
	g_autofree char *path = g_strdup_printf("%s/%s.json", fx->tmpdir, name);
	g_autofree char *feed = NULL;
	g_autofree char *warm = NULL;
	g_autoptr(GError) error = NULL;
	GString *out;
	char *brace;

	g_assert_true(g_file_get_contents(example, &text, NULL, &error));
	if (feed_extra == NULL || strstr(feed_extra, "warmup") == NULL)
		feed_extra =
		    feed_extra == NULL
			? "\"warmup\": " G_STRINGIFY(WARMUP)
			: (warm = g_strdup_printf("\"warmup\": %d, %s", WARMUP, feed_extra));
	if (strcmp(type, "bybit") == 0)
		feed = g_strdup_printf("\"feed\": {\"type\": \"bybit\", \"category\": \"linear\", "
				       "\"ws_url\": \"ws://127.0.0.1:%d/v5/public/linear\", "
				       "\"rest_url\": \"http://127.0.0.1:%d\"%s%s},",
				       port, port, feed_extra ? ", " : "",
				       feed_extra ? feed_extra : "");
	else
		feed = g_strdup_printf("\"feed\": {\"type\": \"binance\", \"market\": \"usdm\", "
				       "\"ws_url\": \"ws://127.0.0.1:%d\", "
				       "\"rest_url\": \"http://127.0.0.1:%d\"%s%s},",
				       port, port, feed_extra ? ", " : "",
				       feed_extra ? feed_extra : "");
	brace = strchr(text, '{');
	out = g_string_new_len(text, brace - text + 1);
	g_string_append_printf(out, "\n  %s\n", feed);
	g_string_append(out, brace + 1);
	g_assert_true(g_file_set_contents(path, out->str, -1, &error));
	g_string_free(out, TRUE);
	return g_steal_pointer(&path);
}

static GSubprocess *
serve_start(Fixture *fx, const char *db, const char *log)
{
	const char *argv[] = {cw_test_exe(), "serve", "--db", db, NULL};

	return spawn(fx, log, argv);
}

static gint64
candles_recorded(const char *db, const char *exchange)
{
	g_autofree char *sql = g_strdup_printf(
	    "SELECT count(*) FROM candles WHERE exchange = '%s' AND symbol = 'BTCUSDT'", exchange);

	return cw_test_db_int(db, sql, 0);
}

/* The warm-up is the newest WARMUP candles closed when serve asked for
 * them. The sim's clock starts at the subscription, a moment before that
 * request, and these tests run it at up to 400 candles a second: the
 * first streamed candles may have closed by the time REST answers (2.5 ms
 * each), so the warm-up can end a few candles past the history. On a
 * loaded machine that is tens of candles; 50 is 125 ms at 400 a second. */
#define WARMUP_SLIP 50

static gint64
row_time_ms(Fixture *fx, guint row)
{
	return g_ascii_strtoll(fx->rows->pdata[row], NULL, 10) * 1000;
}

/* Waits until serve recorded every candle from the oldest it holds to the
 * file's last, each once (no hole left), and returns the file row of that
 * oldest candle. */
static guint
wait_recorded(Fixture *fx, const char *db, const char *exchange, guint timeout_ms, const char *log)
{
	g_autofree char *sql = g_strdup_printf(
	    "SELECT count(*) || ',' || coalesce(min(open_time), -1) || ',' || "
	    "coalesce(max(open_time), -1) FROM candles WHERE exchange = '%s' AND symbol = "
	    "'BTCUSDT'",
	    exchange);
	gint64 last = row_time_ms(fx, fx->rows->len - 1);
	CwTestDeadline d = cw_test_deadline(timeout_ms);
	gint64 n = 0, lo = -1, hi = -1;

	do {
		g_autofree char *text = cw_test_db_text(db, sql);
		g_auto(GStrv) f = g_strsplit(text != NULL ? text : "0,-1,-1", ",", 3);

		n = g_ascii_strtoll(f[0], NULL, 10);
		lo = g_ascii_strtoll(f[1], NULL, 10);
		hi = g_ascii_strtoll(f[2], NULL, 10);
		if (hi == last && lo >= row_time_ms(fx, 0) && n == (hi - lo) / 300000 + 1)
			return (guint) ((lo - row_time_ms(fx, 0)) / 300000);
	} while (cw_test_deadline_wait(&d, 100));
	cw_test_print_file("serve log", log);
	cw_test_fail_now("%" G_GINT64_FORMAT " candles recorded from %" G_GINT64_FORMAT
			 " to %" G_GINT64_FORMAT
			 ", want every one from the first to %" G_GINT64_FORMAT,
			 n, lo, hi, last);
	return 0;
}

/* The first candle recorded is the warm-up's: WARMUP before the history's
 * end, plus its slip (less when REST lags the stream: up to lag candles). */
static void
assert_warmup_start(guint first, guint lag)
{
	g_test_message("the warm-up started at row %u: %+d from the newest %d of the history",
		       first, (int) first - (N_HISTORY - WARMUP), WARMUP);
	g_assert_cmpint(first, >=, N_HISTORY - WARMUP - lag);
	g_assert_cmpint(first, <=, N_HISTORY - WARMUP + WARMUP_SLIP);
}

/* A candles row ("time,open,high,low,close,volume") equals a file row. */
static void
assert_row_is(const char *got_row, const char *file_row)
{
	g_auto(GStrv) a = g_strsplit(got_row, "|", -1);
	g_auto(GStrv) g = g_strsplit(a[0], ",", -1);
	g_auto(GStrv) w = g_strsplit(file_row, ",", -1);

	g_assert_cmpuint(g_strv_length(g), ==, 6);
	g_assert_cmpuint(g_strv_length(w), >=, 6);
	g_assert_cmpstr(g[0], ==, w[0]);
	for (guint k = 1; k < 6; k++)
		g_assert_cmpfloat_with_epsilon(g_ascii_strtod(g[k], NULL),
					       g_ascii_strtod(w[k], NULL), 1e-9);
}

#define CANDLE_ROW_SQL                                                                             \
	"SELECT (open_time / 1000) || ',' || open || ',' || high || ',' || low || ',' || "         \
	"close || ',' || volume FROM candles "

/* The candles table equals rows [first, last] of the file. */
static void
assert_candles_are_file(Fixture *fx, const char *db, const char *exchange, guint first)
{
	g_autofree char *sql =
	    g_strdup_printf(CANDLE_ROW_SQL "WHERE exchange = '%s' ORDER BY open_time", exchange);
	g_autoptr(GPtrArray) got = cw_test_db_rows(db, sql);

	g_assert_cmpuint(got->len, ==, fx->rows->len - first);
	for (guint i = 0; i < got->len; i++)
		assert_row_is(got->pdata[i], fx->rows->pdata[first + i]);
}

static JsonObject *
feed_stats(JsonParser *parser, const char *db)
{
	g_autofree char *text =
	    cw_test_db_text(db, "SELECT value FROM bot_state WHERE key = 'feed' LIMIT 1");
	g_autoptr(GError) error = NULL;

	g_assert_nonnull(text);
	g_assert_true(json_parser_load_from_data(parser, text, -1, &error));
	return json_node_get_object(json_parser_get_root(parser));
}

static void
fixture_setup(Fixture *fx, gconstpointer user_data)
{
	g_autofree char *src = g_build_filename(g_getenv("CW_SHARED_DATA"), "btcusdt-5m.csv", NULL);
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	GString *out = g_string_new(NULL);
	g_autoptr(GError) error = NULL;

	fx->tmpdir = cw_test_tmpdir("cw-e2e-live-XXXXXX");
	fx->procs = g_ptr_array_new_with_free_func(g_object_unref);
	fx->rows = g_ptr_array_new_with_free_func(g_free);
	g_assert_true(g_file_get_contents(src, &text, NULL, &error));
	lines = g_strsplit(text, "\n", N_HISTORY + N_STREAM + 2);
	g_string_append_printf(out, "%s\n", lines[0]);
	for (guint i = 1; i <= N_HISTORY + N_STREAM; i++) {
		g_string_append_printf(out, "%s\n", lines[i]);
		g_ptr_array_add(fx->rows, g_strdup(lines[i]));
	}
	fx->csv = g_build_filename(fx->tmpdir, "btc.csv", NULL);
	g_assert_true(g_file_set_contents(fx->csv, out->str, -1, &error));
	g_string_free(out, TRUE);
}

static void
fixture_teardown(Fixture *fx, gconstpointer user_data)
{
	for (guint i = 0; i < fx->procs->len; i++) {
		GSubprocess *p = g_ptr_array_index(fx->procs, i);
		if (g_subprocess_get_identifier(p) != NULL) {
			g_subprocess_force_exit(p);
			cw_test_subprocess_wait(p, 5000);
		}
	}
	g_ptr_array_unref(fx->procs);
	g_ptr_array_unref(fx->rows);
	cw_test_rm_rf(fx->tmpdir);
	g_free(fx->tmpdir);
	g_free(fx->csv);
}

typedef struct {
	const char *type;
	const char *faults[24];
	const char *feed_extra;
	gboolean expect_reconnects;
	gboolean expect_bad;
	gboolean rest_lags; /* the warm-up's newest candles are not on REST yet */
} NoGapCase;

/* Every candle of the file, once, in order, whatever the faults. */
static void
test_no_gap(Fixture *fx, gconstpointer user_data)
{
	const NoGapCase *c = user_data;
	g_autofree char *db = g_strdup_printf("%s/live.db", fx->tmpdir);
	g_autofree char *log = g_strdup_printf("%s/serve.log", fx->tmpdir);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree char *config = NULL;
	JsonObject *stats;
	GSubprocess *serve;
	guint first;
	int port = sim_start(fx, "sim", c->faults);

	config = bot_config(fx, "live", c->type, port, c->feed_extra);
	cw_test_bots_add(db, config);
	serve = serve_start(fx, db, log);
	/* the warm-up's candles, then everything streamed */
	first = wait_recorded(fx, db, c->type, 120000, log);
	/* nothing more comes: a late duplicate would show now */
	g_usleep(500000);
	stop(serve, SIGTERM);
	/* the warm-up ends where REST was when it asked: when REST lags, up
	 * to the lag (8 candles) before the history's end */
	assert_warmup_start(first, c->rest_lags ? 10 : 0);
	assert_candles_are_file(fx, db, c->type, first);
	stats = feed_stats(parser, db);
	{
		g_autofree char *text =
		    cw_test_db_text(db, "SELECT value FROM bot_state WHERE key = 'feed'");
		g_test_message("feed: %s", text);
	}
	g_assert_cmpint(json_object_get_int_member(stats, "backfilled"), >=, WARMUP);
	g_assert_cmpint(json_object_get_int_member(stats, "gaps_unfilled"), ==, 0);
	/* the warm-up's page ended with the forming candle (not when REST
	 * lags: it has no newest candles then), which the stream delivered */
	if (!c->rest_lags)
		g_assert_cmpint(json_object_get_int_member(stats, "forming_dropped"), >=, 1);
	if (c->expect_reconnects)
		g_assert_cmpint(json_object_get_int_member(stats, "connects"), >, 1);
	if (c->expect_bad) {
		JsonObject *kinds = json_object_get_object_member(stats, "bad_by_kind");
		const char *all[] = {"not_json",      "wrong_type",     "bad_number",
				     "bad_price",     "high_below_low", "negative_volume",
				     "unknown_topic", "oversized",      "binary"};
		for (guint i = 0; i < G_N_ELEMENTS(all); i++) {
			g_test_message("bad %s", all[i]);
			g_assert_true(json_object_has_member(kinds, all[i]));
		}
	}
	/* journalled: the states it went through */
	g_assert_cmpint(cw_test_db_int(db,
				       "SELECT count(*) FROM events WHERE type = 'FEED_STATE' AND "
				       "payload LIKE '%\"state\":\"live\"%'",
				       0),
			>=, 1);
}

/* The same trades as a backtest of the same config over the same candles:
 * no warm-up (the stream starts with the file), partial updates and
 * candles missing from the stream (filled over REST). */
static void
test_same_trades(Fixture *fx, gconstpointer user_data)
{
	const char *type = user_data;
	g_autofree char *db = g_strdup_printf("%s/live.db", fx->tmpdir);
	g_autofree char *bt = g_strdup_printf("%s/bt.db", fx->tmpdir);
	g_autofree char *log = g_strdup_printf("%s/serve.log", fx->tmpdir);
	g_autofree char *stream_csv = g_strdup_printf("%s/stream.csv", fx->tmpdir);
	g_autofree char *config = NULL, *err = NULL;
	g_autoptr(GPtrArray) live = NULL, tested = NULL;
	const char *faults[] = {"--history",     "0",       "--partials", "2", "--fault",
				"drop_every=37", "--speed", "400",        NULL};
	int port;
	GSubprocess *serve;
#define TRADES_SQL(where)                                                                          \
	"SELECT strategy_id, direction, entry_time, exit_time, printf('%.10g', entry_price), "     \
	"printf('%.10g', exit_price), printf('%.10g', qty), exit_reason FROM "                     \
	"trading_trades " where " ORDER BY entry_time, exit_time, seq"
	const char *live_sql = TRADES_SQL("");
	const char *bt_sql = TRADES_SQL("WHERE exit_reason != 'end_of_data'");
#undef TRADES_SQL

	port = sim_start(fx, "sim", faults);
	config = bot_config(fx, "live", type, port, "\"warmup\": 0");
	cw_test_bots_add(db, config);
	serve = serve_start(fx, db, log);
	/* no warm-up, and the stream starts with the file */
	g_assert_cmpuint(wait_recorded(fx, db, type, 120000, log), ==, 0);
	g_usleep(500000);
	stop(serve, SIGTERM);
	assert_candles_are_file(fx, db, type, 0);

	/* what the bot saw, exported, backtested */
	g_assert_cmpint(cw_test_run(NULL, &err, "candles", "export", "--db", db, "--exchange", type,
				    "--symbol", "BTCUSDT", "--interval", "5m", "--output",
				    stream_csv, NULL),
			==, 0);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(cw_test_run(NULL, &err, "backtest", "--config", config, "--data",
				    stream_csv, "--db", bt, "--quiet", NULL),
			==, 0);
	live = cw_test_db_rows(db, live_sql);
	tested = cw_test_db_rows(bt, bt_sql);
	g_test_message("%u live trades, %u backtest trades", live->len, tested->len);
	g_assert_cmpuint(live->len, >, 5);
	g_assert_cmpuint(live->len, ==, tested->len);
	for (guint i = 0; i < live->len; i++)
		g_assert_cmpstr(live->pdata[i], ==, tested->pdata[i]);
}

/* SIGKILL at a few random moments, then restart, on the Bybit stream with
 * drops: every submitted client order id once, every fill once, every
 * trade once, and the account's equity = balance + open PnL. */
static void
test_crash_recovery(Fixture *fx, gconstpointer user_data)
{
	g_autofree char *db = g_strdup_printf("%s/live.db", fx->tmpdir);
	const char *faults[] = {"--speed", "150",           "--partials", "1",
				"--fault", "drop_every=41", NULL};
	g_autofree char *config = NULL;
	g_autoptr(GRand) rand = g_rand_new_with_seed(g_test_rand_int());
	int port = sim_start(fx, "sim", faults);
	GSubprocess *serve;
	guint first;

	config = bot_config(fx, "live", "bybit", port, NULL);
	cw_test_bots_add(db, config);
	for (guint round = 0; round < 3; round++) {
		g_autofree char *log = g_strdup_printf("%s/serve-%u.log", fx->tmpdir, round);
		guint ms = g_rand_int_range(rand, 1500, 4000);

		serve = serve_start(fx, db, log);
		g_usleep(ms * 1000);
		g_test_message("round %u: SIGKILL after %u ms, %" G_GINT64_FORMAT " candles", round,
			       ms, candles_recorded(db, "bybit"));
		stop(serve, SIGKILL);
	}
	{
		g_autofree char *log = g_strdup_printf("%s/serve-last.log", fx->tmpdir);
		serve = serve_start(fx, db, log);
		first = wait_recorded(fx, db, "bybit", 120000, log);
		g_usleep(1500000); /* a flush */
		stop(serve, SIGTERM);
	}
	assert_warmup_start(first, 0);
	assert_candles_are_file(fx, db, "bybit", first);
	/* each restart after the first cursor caught up on the candles that
	 * closed while serve was down: journalled, and nothing decided on them
	 * (no signal, no entry, no signal exit) */
	{
		gint64 downtimes =
		    cw_test_db_int(db, "SELECT count(*) FROM events WHERE type = 'DOWNTIME'", -1);

		g_test_message("%" G_GINT64_FORMAT " downtimes caught up on", downtimes);
		g_assert_cmpint(downtimes, >=, 1);
		g_assert_cmpint(downtimes, <=, 3);
		g_assert_cmpint(cw_test_db_decided_in_downtime(db), ==, 0);
	}
	g_assert_cmpint(cw_test_db_int(db, "SELECT count(*) FROM trading_trades", 0), >, 0);
	/* each client order id submitted once, each filled at most once */
	g_assert_cmpint(cw_test_db_int(db,
				       "SELECT count(*) FROM (SELECT json_extract(payload, "
				       "'$.order.client_order_id') AS id FROM events WHERE type = "
				       "'ORDER_SUBMITTED' GROUP BY id HAVING count(*) > 1)",
				       -1),
			==, 0);
	g_assert_cmpint(cw_test_db_int(db,
				       "SELECT count(*) FROM (SELECT json_extract(payload, "
				       "'$.order.client_order_id') AS id FROM events WHERE type = "
				       "'ORDER_FILLED' GROUP BY id HAVING count(*) > 1)",
				       -1),
			==, 0);
	/* every trade once, journalled once */
	g_assert_cmpint(
	    cw_test_db_int(db,
			   "SELECT count(*) FROM (SELECT 1 FROM trading_trades GROUP BY "
			   "strategy_id, entry_time, seq HAVING count(*) > 1)",
			   -1),
	    ==, 0);
	g_assert_cmpint(
	    cw_test_db_int(db, "SELECT count(*) FROM trading_trades", 0), ==,
	    cw_test_db_int(db, "SELECT count(*) FROM events WHERE type = 'TRADE_CLOSED'", -1));
	/* equity = balance + open PnL: with no open position, equal */
	g_assert_cmpint(
	    cw_test_db_int(
		db,
		"SELECT count(*) FROM bot_state WHERE key = 'account' AND "
		"abs(json_extract(value, '$.equity') - json_extract(value, '$.balance') - "
		"coalesce((SELECT sum(0) FROM trading_positions), 0)) > 1e-6 AND NOT "
		"EXISTS (SELECT 1 FROM trading_positions WHERE qty > 0)",
		-1),
	    ==, 0);
}

/* GET http://127.0.0.1:port/sim/state. */
static JsonObject *
sim_state(JsonParser *parser, int port)
{
	g_autoptr(SoupSession) session = soup_session_new_with_options("timeout", 10, NULL);
	g_autofree char *url = g_strdup_printf("http://127.0.0.1:%d/sim/state", port);
	g_autoptr(SoupMessage) msg = soup_message_new("GET", url);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) body = soup_session_send_and_read(session, msg, NULL, &error);
	gsize len = 0;
	const char *data;

	g_assert_no_error(error);
	data = g_bytes_get_data(body, &len);
	g_assert_true(json_parser_load_from_data(parser, data, (gssize) len, &error));
	g_assert_no_error(error);
	return json_node_get_object(json_parser_get_root(parser));
}

/* Waits until the candles table holds the file's last candle. */
static void
wait_last(Fixture *fx, const char *db, const char *exchange, const char *symbol)
{
	g_autofree char *sql = g_strdup_printf(
	    "SELECT max(open_time) FROM candles WHERE exchange = '%s' AND symbol = '%s'", exchange,
	    symbol);
	gint64 last = g_ascii_strtoll(fx->rows->pdata[fx->rows->len - 1], NULL, 10) * 1000;
	CwTestDeadline d = cw_test_deadline(120000);

	while (cw_test_db_int(db, sql, 0) < last && cw_test_deadline_wait(&d, 100))
		;
	g_assert_cmpint(cw_test_db_int(db, sql, 0), ==, last);
}

/* A restart with the candles table full: the warm-up reads it and asks
 * the exchange only for what it lacks (the look-back before its first
 * row, what closed after its last), not for the 2,000 candles it holds. */
static void
test_restart_from_table(Fixture *fx, gconstpointer user_data)
{
	const char *type = user_data;
	g_autofree char *db = g_strdup_printf("%s/live.db", fx->tmpdir);
	g_autofree char *log1 = g_strdup_printf("%s/serve-1.log", fx->tmpdir);
	g_autofree char *log2 = g_strdup_printf("%s/serve-2.log", fx->tmpdir);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(JsonParser) state_parser = json_parser_new();
	const char *faults[] = {"--speed", "400", NULL};
	int port = sim_start(fx, "sim", faults);
	g_autofree char *config = bot_config(fx, "live", type, port, NULL);
	gint64 before, after, stored = 0, n_rows;
	CwTestDeadline d;
	GSubprocess *serve;

	cw_test_bots_add(db, config);
	serve = serve_start(fx, db, log1);
	wait_last(fx, db, type, "BTCUSDT");
	g_usleep(300000);
	stop(serve, SIGTERM);
	n_rows = candles_recorded(db, type);
	before = json_object_get_int_member(sim_state(state_parser, port), "rest_requests");
	cw_test_db_exec(db, "DELETE FROM bot_state WHERE key = 'feed'");

	serve = serve_start(fx, db, log2);
	d = cw_test_deadline(30000);
	do {
		g_autofree char *text =
		    cw_test_db_text(db, "SELECT value FROM bot_state WHERE key = 'feed' AND value "
					"LIKE '%\"state\":\"live\"%'");

		if (text != NULL) {
			stored = json_object_get_int_member(feed_stats(parser, db), "from_table");
			break;
		}
	} while (cw_test_deadline_wait(&d, 100));
	g_usleep(500000);
	after = json_object_get_int_member(sim_state(state_parser, port), "rest_requests");
	stop(serve, SIGTERM);
	g_test_message("%" G_GINT64_FORMAT " rows; restart: %" G_GINT64_FORMAT
		       " from the table, %" G_GINT64_FORMAT " REST requests",
		       n_rows, stored, after - before);
	g_assert_cmpint(stored, >=, n_rows - 1);
	/* at most the look-back before the table's first row and the tail
	 * after its last: the table's 2,000+ rows would take 3 pages */
	g_assert_cmpint(after - before, <=, 2);
	g_assert_cmpint(candles_recorded(db, type), ==, n_rows);
}

/* The feed down for longer than feed.down_alert_s (the sim stopped with
 * SIGSTOP, then continued): one FEED_DOWN, then one FEED_UP with how long
 * it was down. */
static void
test_downtime(Fixture *fx, gconstpointer user_data)
{
	g_autofree char *db = g_strdup_printf("%s/live.db", fx->tmpdir);
	g_autofree char *log = g_strdup_printf("%s/serve.log", fx->tmpdir);
	const char *faults[] = {"--speed", "20", NULL};
	int port = sim_start(fx, "sim", faults);
	GSubprocess *sim = g_ptr_array_index(fx->procs, fx->procs->len - 1);
	g_autofree char *config =
	    bot_config(fx, "live", "bybit", port, "\"stall_s\": 0.5, \"down_alert_s\": 1");
	const char *live_sql = "SELECT count(*) FROM events WHERE type = 'FEED_STATE' AND payload "
			       "LIKE '%\"state\":\"live\"%'";
	CwTestDeadline d;
	GSubprocess *serve;
	double down_s;

	cw_test_bots_add(db, config);
	serve = serve_start(fx, db, log);
	d = cw_test_deadline(30000);
	while (cw_test_db_int(db, live_sql, 0) < 1 && cw_test_deadline_wait(&d, 50))
		;
	g_assert_cmpint(cw_test_db_int(db, live_sql, 0), >=, 1);
	/* a short silence is no outage */
	g_assert_cmpint(
	    cw_test_db_int(db, "SELECT count(*) FROM events WHERE type = 'FEED_DOWN'", -1), ==, 0);
	g_subprocess_send_signal(sim, SIGSTOP);
	g_usleep(3000000);
	g_subprocess_send_signal(sim, SIGCONT);
	d = cw_test_deadline(30000);
	while (cw_test_db_int(db, "SELECT count(*) FROM events WHERE type = 'FEED_UP'", 0) < 1 &&
	       cw_test_deadline_wait(&d, 100))
		;
	g_usleep(1500000); /* a flush, and no second outage */
	stop(serve, SIGTERM);
	g_assert_cmpint(
	    cw_test_db_int(db, "SELECT count(*) FROM events WHERE type = 'FEED_DOWN'", -1), ==, 1);
	g_assert_cmpint(
	    cw_test_db_int(db, "SELECT count(*) FROM events WHERE type = 'FEED_UP'", -1), ==, 1);
	{
		g_autofree char *text = cw_test_db_text(
		    db, "SELECT json_extract(payload, '$.duration_s') FROM events WHERE type = "
			"'FEED_UP'");
		down_s = g_ascii_strtod(text, NULL);
	}
	g_test_message("down for %.2f s", down_s);
	g_assert_cmpfloat(down_s, >=, 1.0);
	g_assert_cmpfloat(down_s, <, 30.0);
	/* FEED_DOWN came before FEED_UP */
	g_assert_cmpint(
	    cw_test_db_int(db,
			   "SELECT (SELECT rowid FROM events WHERE type = 'FEED_DOWN') < "
			   "(SELECT rowid FROM events WHERE type = 'FEED_UP')",
			   0),
	    ==, 1);
}

/* rows [first, last] of the fixture's file as a CSV at path. */
static void
write_rows(Fixture *fx, const char *path, guint first, guint last)
{
	g_autoptr(GString) out = g_string_new("time,open,high,low,close,volume\n");
	g_autoptr(GError) error = NULL;

	for (guint i = first; i <= last; i++)
		g_string_append_printf(out, "%s\n", (char *) fx->rows->pdata[i]);
	g_assert_true(g_file_set_contents(path, out->str, -1, &error));
}

/* "entry_time|direction|entry_price" of the trade a backtest of config
 * over data enters at entry_time; NULL when none. */
static char *
backtest_trade_at(const char *config, const char *data, const char *db, gint64 entry_time)
{
	g_autofree char *sql = g_strdup_printf(
	    "SELECT entry_time, direction, printf('%%.6f', entry_price) FROM trading_trades WHERE "
	    "entry_time = %" G_GINT64_FORMAT,
	    entry_time);
	g_autofree char *err = NULL;
	g_autoptr(GPtrArray) rows = NULL;

	g_unlink(db);
	g_assert_cmpint(cw_test_run(NULL, &err, "backtest", "--config", config, "--data", data,
				    "--db", db, "--quiet", NULL),
			==, 0);
	rows = cw_test_db_rows(db, sql);
	return rows->len > 0 ? g_strdup(rows->pdata[0]) : NULL;
}

/* A bot warmed up over REST takes its first decision on the first live
 * candle, and it is the backtest's at that candle. The slice: WARMUP
 * candles before a candle k, where a backtest over the same candles
 * enters (flat before it: one position at a time); the sim serves those
 * WARMUP as history and streams from k, slowly enough that the warm-up
 * has them all before k closes. */
static void
test_first_live_candle(Fixture *fx, gconstpointer user_data)
{
	g_autofree char *db = g_strdup_printf("%s/live.db", fx->tmpdir);
	g_autofree char *bt = g_strdup_printf("%s/bt.db", fx->tmpdir);
	g_autofree char *log = g_strdup_printf("%s/serve.log", fx->tmpdir);
	g_autofree char *slice = g_strdup_printf("%s/slice.csv", fx->tmpdir);
	g_autofree char *config = bot_config(fx, "live", "bybit", 1, NULL);
	g_autofree char *err = NULL;
	g_autofree char *want = NULL;
	g_autoptr(GPtrArray) entries = NULL;
	g_autoptr(GPtrArray) got = NULL;
	g_autoptr(GPtrArray) rows = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	const gint64 iv = 300000;
	const guint after = 40;
	gint64 t0 = g_ascii_strtoll(fx->rows->pdata[0], NULL, 10) * 1000;
	guint k = 0, tries = 0;
	CwTestDeadline d;
	GSubprocess *serve;
	int port;

	/* candidates: the full file's entries */
	g_assert_cmpint(cw_test_run(NULL, &err, "backtest", "--config", config, "--data", fx->csv,
				    "--db", bt, "--quiet", NULL),
			==, 0);
	entries = cw_test_db_rows(bt, "SELECT entry_time FROM trading_trades ORDER BY entry_time");
	for (guint i = 0; i < entries->len && want == NULL && tries < 20; i++) {
		gint64 entry = g_ascii_strtoll(entries->pdata[i], NULL, 10);
		gint64 index = (entry - iv - t0) / iv;
		g_autofree char *trade = NULL;

		if (index < WARMUP + 1 || index + after >= fx->rows->len)
			continue;
		tries++;
		k = (guint) index;
		write_rows(fx, slice, k - WARMUP, k + after);
		trade = backtest_trade_at(config, slice, bt, entry);
		if (trade != NULL)
			want = g_steal_pointer(&trade);
	}
	g_assert_nonnull(want);
	g_test_message("first live candle: row %u; backtest: %s", k, want);

	{
		g_autofree char *history = g_strdup_printf("%d", WARMUP);
		const char *extra[] = {"--candles", slice, "--history", history,
				       "--speed",   "4",   NULL};

		port = sim_start(fx, "sim", extra);
	}
	g_free(config);
	config = bot_config(fx, "live", "bybit", port, NULL);
	cw_test_bots_add(db, config);
	serve = serve_start(fx, db, log);
	d = cw_test_deadline(60000);
	while (cw_test_db_int(db, "SELECT count(*) FROM events WHERE type = 'POSITION_OPENED'", 0) <
		   1 &&
	       cw_test_deadline_wait(&d, 100))
		;
	g_usleep(1200000); /* a flush */
	stop(serve, SIGTERM);
	/* the warm-up was the WARMUP candles before k, all over REST */
	g_assert_cmpint(cw_test_db_int(db, "SELECT min(open_time) FROM candles", 0), ==,
			t0 + (gint64) (k - WARMUP) * iv);
	/* no candle before its close: the warm-up's page ended with the one
	 * forming (dropped), and every candle recorded is the file's, none
	 * with the partial prices of REST's forming row */
	g_assert_cmpint(json_object_get_int_member(feed_stats(parser, db), "forming_dropped"), >=,
			1);
	rows = cw_test_db_rows(db, CANDLE_ROW_SQL "ORDER BY open_time");
	g_assert_cmpuint(rows->len, >=, WARMUP + 1);
	for (guint i = 0; i < rows->len; i++)
		assert_row_is(rows->pdata[i], fx->rows->pdata[k - WARMUP + i]);
	/* the first position: at the first live candle's close, as the
	 * backtest's */
	got = cw_test_db_rows(db,
			      "SELECT time, json_extract(payload, '$.position.direction'), "
			      "printf('%.6f', json_extract(payload, '$.position.entry_price')) "
			      "FROM events WHERE type = 'POSITION_OPENED' ORDER BY rowid LIMIT 1");
	g_assert_cmpuint(got->len, ==, 1);
	g_test_message("live: %s", (char *) got->pdata[0]);
	g_assert_cmpstr(got->pdata[0], ==, want);
	g_assert_cmpint(g_ascii_strtoll(want, NULL, 10), ==, t0 + (gint64) (k + 1) * iv);
}

/* A bot of the config for another symbol and interval (and name). */
static char *
bot_config_for(Fixture *fx, const char *type, int port, const char *symbol, const char *interval)
{
	g_autofree char *name = g_strdup_printf("live-%s-%s", symbol, interval);
	g_autofree char *path = bot_config(fx, name, type, port, NULL);
	g_autofree char *text = NULL;
	g_autofree char *value = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) out = NULL;

	g_assert_true(g_file_get_contents(path, &text, NULL, &error));
	out = g_string_new(text);
	value = g_strdup_printf("\"symbol\": \"%s\"", symbol);
	g_assert_cmpuint(g_string_replace(out, "\"symbol\": \"BTCUSDT\"", value, 1), ==, 1);
	g_free(value);
	value = g_strdup_printf("\"interval\": \"%s\"", interval);
	g_assert_cmpuint(g_string_replace(out, "\"interval\": \"5m\"", value, 1), ==, 1);
	g_free(value);
	value = g_strdup_printf("\"name\": \"%s\"", name);
	g_assert_cmpuint(g_string_replace(out, "\"name\": \"btc-ema-trend\"", value, 1), ==, 1);
	g_assert_true(g_file_set_contents(path, out->str, -1, &error));
	return g_steal_pointer(&path);
}

/* The fixture's file in 15m candles (whole groups of three 5m candles
 * from a quarter hour); returns the last 15m candle's open time (ms). */
static gint64
write_15m(Fixture *fx, const char *path)
{
	g_autoptr(GString) out = g_string_new("time,open,high,low,close,volume\n");
	g_autoptr(GError) error = NULL;
	gint64 last = 0;
	guint i = 0;

	while (i < fx->rows->len && g_ascii_strtoll(fx->rows->pdata[i], NULL, 10) % 900 != 0)
		i++;
	for (; i + 2 < fx->rows->len; i += 3) {
		double o = 0, h = 0, l = 0, c = 0, v = 0;
		gint64 t = 0;

		for (guint k = 0; k < 3; k++) {
			g_auto(GStrv) f = g_strsplit(fx->rows->pdata[i + k], ",", -1);
			double hi = g_ascii_strtod(f[2], NULL), lo = g_ascii_strtod(f[3], NULL);

			if (k == 0) {
				t = g_ascii_strtoll(f[0], NULL, 10);
				o = g_ascii_strtod(f[1], NULL);
				h = hi;
				l = lo;
			}
			h = MAX(h, hi);
			l = MIN(l, lo);
			c = g_ascii_strtod(f[4], NULL);
			v += g_ascii_strtod(f[5], NULL);
		}
		g_string_append_printf(out, "%" G_GINT64_FORMAT ",%.10g,%.10g,%.10g,%.10g,%.10g\n",
				       t, o, h, l, c, v);
		last = t * 1000;
	}
	g_assert_true(g_file_set_contents(path, out->str, -1, &error));
	return last;
}

#define N_SYMBOLS 10

/* Ten symbols at two intervals (5m, 15m) of one exchange over one
 * WebSocket: the sim accepts one connection at a time (Bybit: subscribe
 * requests of at most 10 topics; Binance: a combined stream and
 * SUBSCRIBE), it closes it every 6,000 frames, and every reconnection
 * resubscribes all twenty topics and fills each one's gap: every
 * symbol's candles arrive whole at both intervals. */
static void
test_many_symbols(Fixture *fx, gconstpointer user_data)
{
	const char *type = user_data;
	g_autofree char *db = g_strdup_printf("%s/live.db", fx->tmpdir);
	g_autofree char *log = g_strdup_printf("%s/serve.log", fx->tmpdir);
	g_autofree char *csv15 = g_strdup_printf("%s/btc-15m.csv", fx->tmpdir);
	g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GPtrArray) symbols = g_ptr_array_new_with_free_func(g_free);
	const char *intervals[] = {"5m", "15m"};
	const gint64 lengths[] = {300000, 900000};
	gint64 lasts[2];
	JsonObject *state;
	GSubprocess *serve;
	int port;

	lasts[0] = g_ascii_strtoll(fx->rows->pdata[fx->rows->len - 1], NULL, 10) * 1000;
	lasts[1] = write_15m(fx, csv15);
	g_ptr_array_add(symbols, g_strdup("BTCUSDT"));
	for (guint i = 1; i < N_SYMBOLS; i++)
		g_ptr_array_add(symbols, g_strdup_printf("S%uUSDT", i));
	for (const char *const *a =
		 (const char *const[]){"--speed", "200", "--partials", "1", "--fault",
				       "drop_every=71", "--fault", "close_after_frames=6000", NULL};
	     *a != NULL; a++)
		g_ptr_array_add(args, g_strdup(*a));
	for (guint i = 0; i < N_SYMBOLS; i++) {
		if (i > 0) {
			g_ptr_array_add(args, g_strdup("--market"));
			g_ptr_array_add(
			    args, g_strdup_printf("%s=%s", (char *) symbols->pdata[i], fx->csv));
		}
		g_ptr_array_add(args, g_strdup("--market"));
		g_ptr_array_add(args, g_strdup_printf("%s=%s", (char *) symbols->pdata[i], csv15));
	}
	g_ptr_array_add(args, NULL);
	port = sim_start(fx, "sim", (const char *const *) args->pdata);
	for (guint i = 0; i < N_SYMBOLS; i++) {
		for (guint k = 0; k < 2; k++) {
			g_autofree char *config =
			    bot_config_for(fx, type, port, symbols->pdata[i], intervals[k]);
			cw_test_bots_add(db, config);
		}
	}
	serve = serve_start(fx, db, log);
	/* each symbol and interval: contiguous from its warm-up to the
	 * file's last candle (the warm-up's first candle depends on when the
	 * sim's clock started) */
	for (guint i = 0; i < N_SYMBOLS * 2; i++) {
		const char *symbol = symbols->pdata[i / 2];
		guint k = i % 2;
		g_autofree char *where =
		    g_strdup_printf("exchange = '%s' AND symbol = '%s' AND interval = '%s'", type,
				    symbol, intervals[k]);
		g_autofree char *last_sql =
		    g_strdup_printf("SELECT max(open_time) FROM candles WHERE %s", where);
		g_autofree char *hole_sql =
		    g_strdup_printf("SELECT (max(open_time) - min(open_time)) / %" G_GINT64_FORMAT
				    " + 1 - count(*) FROM candles WHERE %s",
				    lengths[k], where);
		g_autofree char *n_sql =
		    g_strdup_printf("SELECT count(*) FROM candles WHERE %s", where);
		CwTestDeadline d = cw_test_deadline(120000);

		while (cw_test_db_int(db, last_sql, 0) < lasts[k] && cw_test_deadline_wait(&d, 100))
			;
		g_assert_cmpint(cw_test_db_int(db, last_sql, 0), ==, lasts[k]);
		/* the last live candle can come before a gap's REST answer:
		 * the hole must close, within the deadline */
		while (cw_test_db_int(db, hole_sql, -1) != 0 && cw_test_deadline_wait(&d, 100))
			;
		g_assert_cmpint(cw_test_db_int(db, hole_sql, -1), ==, 0);
		g_assert_cmpint(cw_test_db_int(db, n_sql, 0), >=,
				k == 0 ? N_STREAM + WARMUP / 2 : 400);
	}
	{
		g_autoptr(JsonParser) fp = json_parser_new();
		gint64 connects = 0, accepted = 0;
		CwTestDeadline d = cw_test_deadline(5000);

		/* the feed's counters reach bot_state once a second */
		do {
			state = sim_state(parser, port);
			accepted = json_object_get_int_member(state, "connections_accepted");
			connects = json_object_get_int_member(feed_stats(fp, db), "connects");
		} while (connects != accepted && cw_test_deadline_wait(&d, 200));

		g_test_message("connections accepted: %" G_GINT64_FORMAT
			       ", connects of a feed: %" G_GINT64_FORMAT,
			       accepted, connects);
		/* one connection for all twenty feeds, each time */
		g_assert_cmpint(accepted, >, 1);
		g_assert_cmpint(accepted, ==, connects);
	}
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(state, "connections")),
			 ==, 1);
	stop(serve, SIGTERM);
	g_assert_cmpint(
	    cw_test_db_int(db,
			   "SELECT count(*) FROM (SELECT DISTINCT symbol, interval FROM "
			   "candles WHERE exchange IN ('bybit', 'binance'))",
			   0),
	    ==, N_SYMBOLS * 2);
	/* the same files behind every symbol: the same candles */
	g_assert_cmpint(
	    cw_test_db_int(db,
			   "SELECT count(*) FROM candles c JOIN candles b ON "
			   "b.symbol = 'BTCUSDT' AND b.exchange = c.exchange AND "
			   "b.interval = c.interval AND b.open_time = c.open_time WHERE "
			   "c.close != b.close",
			   -1),
	    ==, 0);
	g_assert_cmpint(
	    cw_test_db_int(db, "SELECT count(*) FROM events WHERE type = 'FEED_ERROR'", -1), ==, 0);
}

static const NoGapCase bybit_faults = {"bybit",
				       {"--speed", "400", "--partials", "2", "--fault",
					"bad_every=5", "--fault", "drop_every=97", "--fault",
					"close_after_frames=900", "--fault", "duplicate_every=31",
					"--fault", "reorder_every=43", NULL},
				       NULL,
				       TRUE,
				       TRUE,
				       FALSE};
/* REST lags the stream by 40 ms (8 candles at this speed): the gap of a
 * dropped candle is still open on the first answers, and is filled by
 * the later ones */
static const NoGapCase bybit_rest_lag = {"bybit",
					 {"--speed", "200", "--partials", "1", "--fault",
					  "drop_every=29", "--fault", "rest_lag_ms=40", NULL},
					 NULL,
					 FALSE,
					 FALSE,
					 TRUE};
static const NoGapCase bybit_reset_silence = {"bybit",
					      {"--speed", "400", "--partials", "1", "--fault",
					       "reset_after_frames=700", "--fault", "drop_every=53",
					       NULL},
					      "\"stall_s\": 1",
					      TRUE,
					      FALSE,
					      FALSE};
static const NoGapCase bybit_silent = {
    "bybit",
    {"--speed", "400", "--fault", "silent_after_frames=600", "--fault", "drop_every=61", NULL},
    "\"stall_s\": 0.5",
    TRUE,
    FALSE,
    FALSE};
static const NoGapCase binance_faults = {"binance",
					 {"--speed", "400", "--partials", "2", "--fault",
					  "bad_every=5", "--fault", "drop_every=89", "--fault",
					  "close_after_frames=900", "--fault", "duplicate_every=29",
					  "--fault", "reorder_every=41", NULL},
					 NULL,
					 TRUE,
					 TRUE,
					 FALSE};
static const NoGapCase binance_reset = {
    "binance",
    {"--speed", "400", "--fault", "reset_after_frames=700", "--fault", "drop_every=53", NULL},
    NULL,
    TRUE,
    FALSE,
    FALSE};

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	if (g_getenv("CW_EXCHANGE_SIM") == NULL) {
		g_test_skip("CW_EXCHANGE_SIM is not set");
		return g_test_run();
	}
#define ADD(name, func, data)                                                                      \
	g_test_add("/e2e/live/" name, Fixture, data, fixture_setup, func, fixture_teardown)
	ADD("bybit/no-gap/faults", test_no_gap, &bybit_faults);
	ADD("bybit/no-gap/reset", test_no_gap, &bybit_reset_silence);
	ADD("bybit/no-gap/silence", test_no_gap, &bybit_silent);
	ADD("bybit/no-gap/rest-lag", test_no_gap, &bybit_rest_lag);
	ADD("binance/no-gap/faults", test_no_gap, &binance_faults);
	ADD("binance/no-gap/reset", test_no_gap, &binance_reset);
	ADD("bybit/same-trades", test_same_trades, "bybit");
	ADD("binance/same-trades", test_same_trades, "binance");
	ADD("bybit/crash-recovery", test_crash_recovery, NULL);
	ADD("bybit/many-symbols", test_many_symbols, "bybit");
	ADD("bybit/downtime", test_downtime, NULL);
	ADD("bybit/first-live-candle", test_first_live_candle, NULL);
	ADD("bybit/restart-from-table", test_restart_from_table, "bybit");
	ADD("binance/restart-from-table", test_restart_from_table, "binance");
	ADD("binance/many-symbols", test_many_symbols, "binance");
	return g_test_run();
}
