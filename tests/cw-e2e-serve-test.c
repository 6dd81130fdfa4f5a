/* End-to-end tests of `candlewick serve`: the real executable driven through
 * GSubprocess against a real SQLite file, read back with the sqlite3 API.
 * Every wait polls the database (or the log) every 50 ms up to a deadline and
 * fails with a message when the deadline passes. Only the processes started
 * here are signalled; they also die with the test (PR_SET_PDEATHSIG). */
#include "cw-test-utils.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define POLL_S  "0.2"
#define POLL_MS 200
/* scheduling slack on top of the deadlines the service promises */
#define SLACK_MS 1500
/* 5-minute candles at this speed arrive every 15 ms: 30 days last 130 s */
#define SLOW_SPEED 20000

typedef struct {
	GSubprocess *proc;
	char *log;
	gboolean exited;
} Serve;

typedef struct {
	char *tmpdir;
	char *data; /* 30 days of synthetic 5m candles */
	GPtrArray *serves;
} E2eFixture;

/* ---- processes ---------------------------------------------------------- */

static void
serve_exited_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Serve *s = user_data;

	g_subprocess_wait_finish(G_SUBPROCESS(source), result, NULL);
	s->exited = TRUE;
}

static gboolean
serve_running(Serve *s)
{
	cw_test_pump();
	return !s->exited;
}

static void
serve_free(Serve *s)
{
	CwTestDeadline d = cw_test_deadline(5000);

	if (serve_running(s))
		g_subprocess_send_signal(s->proc, SIGKILL);
	while (serve_running(s) && cw_test_deadline_wait(&d, 10))
		;
	g_object_unref(s->proc);
	g_free(s->log);
	g_free(s);
}

/* Starts `candlewick serve --db DB ARGS...` with stderr in a log file.
 * @env: NULL or "NAME=VALUE" strings for the environment. */
static Serve *
serve_startv(E2eFixture *fx, const char *db, const char *const *env, const char *const *args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	Serve *s = g_new0(Serve, 1);

	s->log = g_strdup_printf("%s/serve-%u.log", fx->tmpdir, fx->serves->len);
	g_ptr_array_add(argv, (gpointer) cw_test_exe());
	g_ptr_array_add(argv, (gpointer) "serve");
	g_ptr_array_add(argv, (gpointer) "--db");
	g_ptr_array_add(argv, (gpointer) db);
	for (guint i = 0; args != NULL && args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer) args[i]);
	g_ptr_array_add(argv, NULL);
	s->proc = cw_test_spawn_stderr_logged(s->log, env, (const char *const *) argv->pdata);
	g_subprocess_wait_async(s->proc, NULL, serve_exited_cb, s);
	g_ptr_array_add(fx->serves, s);
	return s;
}

#define serve_start(fx, db, ...)                                                                   \
	serve_startv(fx, db, NULL, (const char *const[]){__VA_ARGS__, NULL})

static char *
serve_read_log(Serve *s)
{
	char *text = NULL;

	if (!g_file_get_contents(s->log, &text, NULL, NULL))
		return g_strdup("");
	return text;
}

static void
e2e_dump_logs(E2eFixture *fx)
{
	for (guint i = 0; i < fx->serves->len; i++) {
		g_autofree char *log = serve_read_log(g_ptr_array_index(fx->serves, i));
		gsize n = strlen(log);
		g_printerr("---- serve %u log (last 3000 bytes) ----\n%s\n", i,
			   n > 3000 ? log + n - 3000 : log);
	}
}

/* Waits for the process to exit; returns its exit status (128 + signal
 * when a signal ended it). */
static int
serve_wait(E2eFixture *fx, Serve *s, guint timeout_ms)
{
	CwTestDeadline d = cw_test_deadline(timeout_ms);

	while (serve_running(s) && cw_test_deadline_wait(&d, 10))
		;
	if (!s->exited) {
		e2e_dump_logs(fx);
		g_printerr("serve did not exit within %u ms\n", timeout_ms);
		g_assert_true(s->exited);
	}
	if (g_subprocess_get_if_signaled(s->proc))
		return 128 + g_subprocess_get_term_sig(s->proc);
	return g_subprocess_get_exit_status(s->proc);
}

/* Waits until the log holds @needle. */
static void
serve_wait_log(E2eFixture *fx, Serve *s, const char *needle, guint timeout_ms)
{
	CwTestDeadline d = cw_test_deadline(timeout_ms);

	do {
		g_autofree char *log = serve_read_log(s);
		if (strstr(log, needle) != NULL)
			return;
	} while (cw_test_deadline_wait(&d, 50));
	e2e_dump_logs(fx);
	g_printerr("no '%s' in the log after %u ms\n", needle, timeout_ms);
	g_assert_not_reached();
}

/* ---- database ----------------------------------------------------------- */

/* sqlite3_mprintf formats: %Q quotes a string. */
static char *
db_sqlv(const char *fmt, va_list args)
{
	char *s = sqlite3_vmprintf(fmt, args);
	char *out = g_strdup(s);

	sqlite3_free(s);
	return out;
}

/* Every row, its columns joined by '|' (NULL prints as "NULL"). */
static GPtrArray *
db_rowsv(const char *db, const char *fmt, va_list args)
{
	g_autofree char *sql = db_sqlv(fmt, args);

	return cw_test_db_rows(db, sql);
}

static G_GNUC_UNUSED GPtrArray *
db_rows(const char *db, const char *fmt, ...)
{
	va_list args;
	GPtrArray *rows;

	va_start(args, fmt);
	rows = db_rowsv(db, fmt, args);
	va_end(args);
	return rows;
}

/* The first column of the first row; NULL when there is none. */
/* db_text() returns a new string: this frees it after the comparison. */
#define ASSERT_DB_TEXT(expected, ...)                                                              \
	do {                                                                                       \
		g_autofree char *text_ = db_text(__VA_ARGS__);                                     \
		g_assert_cmpstr(text_, ==, (expected));                                            \
	} while (0)

static char *
db_text(const char *db, const char *fmt, ...)
{
	g_autofree char *sql = NULL;
	va_list args;

	va_start(args, fmt);
	sql = db_sqlv(fmt, args);
	va_end(args);
	return cw_test_db_text(db, sql);
}

/* An integer query; -1 when it gives no row or NULL. */
static gint64
db_int(const char *db, const char *fmt, ...)
{
	g_autofree char *sql = NULL;
	va_list args;

	va_start(args, fmt);
	sql = db_sqlv(fmt, args);
	va_end(args);
	return cw_test_db_int(db, sql, -1);
}

/* Plain SQL, as another program would write it. */
static void
db_exec(const char *db, const char *fmt, ...)
{
	g_autofree char *sql = NULL;
	va_list args;

	va_start(args, fmt);
	sql = db_sqlv(fmt, args);
	va_end(args);
	cw_test_db_exec(db, sql);
}

/* Polls an integer query every 50 ms until it is >= @want (or == @want when
 * @exact); returns the milliseconds it took. */
static gint64
db_wait(E2eFixture *fx, const char *db, gboolean exact, gint64 want, guint timeout_ms,
	const char *fmt, ...)
{
	CwTestDeadline d = cw_test_deadline(timeout_ms);
	g_autofree char *sql = NULL;
	gint64 got;
	va_list args;

	va_start(args, fmt);
	sql = db_sqlv(fmt, args);
	va_end(args);
	do {
		got = db_int(db, "%s", sql);
		if (exact ? got == want : got >= want)
			return cw_test_deadline_elapsed_ms(&d);
	} while (cw_test_deadline_wait(&d, 50));
	e2e_dump_logs(fx);
	g_printerr("timeout after %u ms: [%s] gave %" G_GINT64_FORMAT
		   ", waited for %s%" G_GINT64_FORMAT "\n",
		   timeout_ms, sql, got, exact ? "" : ">= ", want);
	g_assert_not_reached();
	return -1;
}

static void
e2e_assert_same_rows(GPtrArray *a, GPtrArray *b, const char *what)
{
	for (guint i = 0; i < MIN(a->len, b->len); i++) {
		if (g_strcmp0(g_ptr_array_index(a, i), g_ptr_array_index(b, i)) != 0) {
			g_printerr("%s: row %u differs:\n  %s\n  %s\n", what, i,
				   (char *) g_ptr_array_index(a, i),
				   (char *) g_ptr_array_index(b, i));
			g_assert_cmpstr(g_ptr_array_index(a, i), ==, g_ptr_array_index(b, i));
		}
	}
	if (a->len != b->len)
		g_printerr("%s: %u rows against %u\n", what, a->len, b->len);
	g_assert_cmpuint(a->len, ==, b->len);
}

/* Trades with every value that must not change, floats exact. */
#define TRADE_COLS                                                                                 \
	"bot_name, strategy_id, symbol, direction, entry_time, exit_time, "                        \
	"printf('%%.17g', entry_price), printf('%%.17g', exit_price), printf('%%.17g', qty), "     \
	"printf('%%.17g', fees), printf('%%.17g', net_pnl), exit_reason"
#define TRADE_ORDER " ORDER BY bot_name, strategy_id, entry_time, exit_time, seq"

/* ---- bot configurations ------------------------------------------------- */

/* An example config renamed, on @symbol, replayed from @data at @speed (a
 * replay feed reads the bot's symbol unless told otherwise). */
static JsonNode *
cfg_new(const char *example, const char *name, const char *symbol, const char *data, double speed)
{
	g_autofree char *path = cw_test_example(example);
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *root = cw_test_load_json(parser, path), *feed;

	if (name != NULL)
		json_object_set_string_member(root, "name", name);
	if (symbol != NULL)
		json_object_set_string_member(root, "symbol", symbol);
	feed = json_object_new();
	json_object_set_string_member(feed, "type", "replay");
	json_object_set_string_member(feed, "path", data);
	json_object_set_double_member(feed, "speed", speed);
	json_object_set_object_member(root, "feed", feed);
	return json_node_copy(json_parser_get_root(parser));
}

static char *
cfg_text(JsonNode *node)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();

	json_generator_set_root(gen, node);
	return json_generator_to_data(gen, NULL);
}

/* Writes the config to TMPDIR/NAME.json; returns the path. */
static char *
cfg_save(E2eFixture *fx, JsonNode *node)
{
	const char *name = json_object_get_string_member(json_node_get_object(node), "name");
	g_autofree char *text = cfg_text(node);
	char *path = g_strdup_printf("%s/%s.json", fx->tmpdir, name);

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

/* `candlewick bots add`, which validates the config. */
static void
bot_add(E2eFixture *fx, const char *db, JsonNode *node)
{
	g_autofree char *path = cfg_save(fx, node);
	g_autofree char *err = NULL;
	int status = cw_test_run(NULL, &err, "bots", "add", "--db", db, "--config", path, NULL);

	if (status != 0)
		g_printerr("bots add %s: %s\n", path, err);
	g_assert_cmpint(status, ==, 0);
}

/* A plain INSERT, no validation. */
static void
bot_insert(const char *db, const char *name, const char *config)
{
	db_exec(db, "INSERT INTO trading_bots (name, config, enabled) VALUES (%Q, %Q, 1)", name,
		config);
}

/* ema-trend with two strategies: "a" (ema-trend itself) and "b" (a fast EMA
 * cross alone, which trades often), "a" active. */
static JsonNode *
cfg_two_strategies(const char *name, const char *data, double speed)
{
	JsonNode *node = cfg_new("ema-trend.json", name, NULL, data, speed);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonObject *root = json_node_get_object(node);

	json_parser_load_from_data(
	    parser,
	    "[{\"id\": \"a\"}, {\"id\": \"b\", \"analyzers\": [{\"type\": \"ema_cross\", "
	    "\"weight\": 1.0, \"fast\": 5, \"slow\": 13}], \"aggregation\": {\"min_score\": "
	    "0.3, \"min_confidence\": 0.1}}]",
	    -1, &error);
	g_assert_no_error(error);
	json_object_set_member(root, "strategies", json_node_copy(json_parser_get_root(parser)));
	json_object_set_string_member(root, "active_strategy", "a");
	return node;
}

/* ---- fixture ------------------------------------------------------------ */

static void
e2e_setup(E2eFixture *fx, gconstpointer user_data)
{
	fx->tmpdir = cw_test_tmpdir("cw-serve-XXXXXX");
	fx->serves = g_ptr_array_new_with_free_func((GDestroyNotify) serve_free);
	fx->data = cw_test_synth_in(fx->tmpdir, "30", "11");
}

static void
e2e_teardown(E2eFixture *fx, gconstpointer user_data)
{
	g_ptr_array_unref(fx->serves); /* kills what still runs */
	cw_test_rm_rf(fx->tmpdir);
	g_free(fx->tmpdir);
	g_free(fx->data);
}

static char *
e2e_db(E2eFixture *fx, const char *name)
{
	return g_strdup_printf("%s/%s.db", fx->tmpdir, name);
}

/* The three examples at speed 0: two on BTCUSDT share a feed, the breakout
 * on ETHUSDT reads the same file through a second feed. */
static void
e2e_add_examples(E2eFixture *fx, const char *db, GPtrArray *configs)
{
	const char *examples[] = {"ema-trend.json", "mean-reversion.json", "breakout.json"};

	for (guint i = 0; i < G_N_ELEMENTS(examples); i++) {
		g_autoptr(JsonNode) node = cfg_new(examples[i], NULL, NULL, fx->data, 0);
		JsonObject *root = json_node_get_object(node);
		json_object_set_string_member(root, "name",
					      i == 0   ? "btc-ema"
					      : i == 1 ? "btc-mr"
						       : "eth-breakout");
		bot_add(fx, db, node);
		if (configs != NULL)
			g_ptr_array_add(configs, cfg_save(fx, node));
	}
}

/* ---- 1. a replay to its end --------------------------------------------- */

static void
test_serve_replay_end(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *db = e2e_db(fx, "serve");
	g_autofree char *bt = e2e_db(fx, "backtest");
	g_autoptr(GPtrArray) configs = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) served = NULL, tested = NULL, bots = NULL;
	g_autofree char *err = NULL;
	Serve *s;

	e2e_add_examples(fx, db, configs);
	s = serve_start(fx, db, "--exit-when-idle", "--poll-interval", POLL_S);
	g_assert_cmpint(serve_wait(fx, s, 60000), ==, 0);

	g_assert_cmpint(db_int(db, "SELECT count(*) FROM trading_bots"), ==, 3);
	g_assert_cmpint(db_int(db, "SELECT count(*) FROM trading_bots WHERE status = 'stopped' "
				   "AND last_error IS NULL"),
			==, 3);
	g_assert_cmpint(db_int(db, "SELECT count(*) FROM bot_state WHERE key = 'stop_reason' AND "
				   "value = 'feed ended'"),
			==, 3);
	/* the cursor is the last candle of the file, for every bot */
	g_assert_cmpint(db_int(db, "SELECT count(DISTINCT value) FROM bot_state WHERE key = "
				   "'cursor'"),
			==, 1);
	g_assert_cmpint(db_int(db, "SELECT count(*) FROM bot_state WHERE key = 'cursor'"), ==, 3);

	/* the backtest of the same configs over the same file; it also closes
	 * the positions left open at the end of the data, serve does not */
	g_assert_cmpint(cw_test_run(NULL, &err, "backtest", "--config", configs->pdata[0],
				    "--config", configs->pdata[1], "--config", configs->pdata[2],
				    "--data", fx->data, "--db", bt, "--quiet", NULL),
			==, 0);
	served = db_rows(db, "SELECT " TRADE_COLS " FROM trading_trades" TRADE_ORDER);
	tested = db_rows(bt, "SELECT " TRADE_COLS " FROM trading_trades WHERE exit_reason != "
			     "'end_of_data'" TRADE_ORDER);
	e2e_assert_same_rows(tested, served, "serve against backtest");
	/* bot by bot: count and net pnl */
	bots = db_rows(db, "SELECT bot_name, count(*), printf('%%.6f', sum(net_pnl)) FROM "
			   "trading_trades GROUP BY bot_name ORDER BY bot_name");
	g_assert_cmpuint(bots->len, ==, 3);
	for (guint i = 0; i < bots->len; i++) {
		g_auto(GStrv) f = g_strsplit(bots->pdata[i], "|", 3);
		g_autofree char *want = db_text(
		    bt,
		    "SELECT count(*) || ' ' || printf('%%.6f', sum(net_pnl)) FROM trading_trades "
		    "WHERE bot_name = %Q AND exit_reason != 'end_of_data'",
		    f[0]);
		g_autofree char *got = g_strdup_printf("%s %s", f[1], f[2]);
		g_test_message("%s: %s trades, net pnl %s", f[0], f[1], f[2]);
		g_assert_cmpstr(got, ==, want);
		g_assert_cmpint(g_ascii_strtoll(f[1], NULL, 10), >, 0);
	}
	/* every TRADE_CLOSED was journaled once */
	g_assert_cmpint(db_int(db, "SELECT count(*) FROM events WHERE type = 'TRADE_CLOSED'"), ==,
			served->len);
}

/* ---- 2. a broken bot does not touch the others -------------------------- */

static void
test_serve_isolation(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *clean = e2e_db(fx, "clean");
	g_autofree char *mixed = e2e_db(fx, "mixed");
	g_autoptr(JsonNode) wrong = cfg_new("ema-trend.json", "wrong-type", NULL, fx->data, 0);
	g_autofree char *wrong_text = NULL, *err1 = NULL, *err2 = NULL, *err3 = NULL, *log = NULL;
	g_autoptr(GPtrArray) a = NULL, b = NULL;
	JsonObject *analyzer;
	Serve *s;

	e2e_add_examples(fx, clean, NULL);
	s = serve_start(fx, clean, "--exit-when-idle");
	g_assert_cmpint(serve_wait(fx, s, 60000), ==, 0);

	/* the broken ones come first and in between, by plain SQL */
	analyzer = json_array_get_object_element(
	    json_object_get_array_member(
		json_object_get_object_member(json_node_get_object(wrong), "strategy"),
		"analyzers"),
	    1);
	json_object_set_string_member(analyzer, "weight", "heavy");
	wrong_text = cfg_text(wrong);
	/* serve --create makes the schema; with no bot it is idle at once */
	s = serve_start(fx, mixed, "--exit-when-idle", "--create");
	g_assert_cmpint(serve_wait(fx, s, 10000), ==, 0);
	bot_insert(mixed, "wrong-type", wrong_text);
	e2e_add_examples(fx, mixed, NULL);
	bot_insert(mixed, "bad-json", "{\"symbol\": \"BTCUSDT\", \"strategy\": {");
	bot_insert(mixed, "no-feed",
		   "{\"symbol\": \"BTCUSDT\", \"strategy\": {\"analyzers\": "
		   "[{\"type\": \"rsi\"}]}}");
	s = serve_start(fx, mixed, "--exit-when-idle");
	g_assert_cmpint(serve_wait(fx, s, 60000), ==, 0);

	g_assert_cmpint(db_int(mixed, "SELECT count(*) FROM trading_bots WHERE status = 'error'"),
			==, 3);
	err1 = db_text(mixed, "SELECT last_error FROM trading_bots WHERE name = 'wrong-type'");
	err2 = db_text(mixed, "SELECT last_error FROM trading_bots WHERE name = 'bad-json'");
	err3 = db_text(mixed, "SELECT last_error FROM trading_bots WHERE name = 'no-feed'");
	g_test_message("errors: %s / %s / %s", err1, err2, err3);
	g_assert_nonnull(strstr(err1, "strategy.analyzers[1].weight"));
	g_assert_nonnull(err2);
	g_assert_nonnull(strstr(err2, "config"));
	g_assert_nonnull(strstr(err3, "feed"));
	g_assert_cmpint(db_int(mixed, "SELECT min(error_count) FROM trading_bots WHERE status = "
				      "'error'"),
			>=, 1);
	g_assert_cmpint(db_int(mixed, "SELECT count(*) FROM trading_bots WHERE status = 'stopped' "
				      "AND last_error IS NULL"),
			==, 3);
	log = serve_read_log(s);
	g_assert_nonnull(strstr(log, "[wrong-type] error: strategy.analyzers[1].weight"));

	a = db_rows(clean, "SELECT " TRADE_COLS " FROM trading_trades" TRADE_ORDER);
	b = db_rows(mixed, "SELECT " TRADE_COLS " FROM trading_trades" TRADE_ORDER);
	g_assert_cmpuint(a->len, >, 0);
	e2e_assert_same_rows(a, b, "with broken bots against without");
	g_assert_cmpint(db_int(mixed, "SELECT count(*) FROM trading_trades t JOIN trading_bots b "
				      "ON b.name = t.bot_name WHERE b.status = 'error'"),
			==, 0);
}

/* ---- 3. hot reload ------------------------------------------------------ */

static const char *
bot_status(const char *db, const char *name, char **buf)
{
	g_free(*buf);
	*buf = db_text(db, "SELECT status FROM trading_bots WHERE name = %Q", name);
	return *buf;
}

static void
test_serve_hot_reload(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *db = e2e_db(fx, "hot");
	g_autoptr(JsonNode) base = cfg_new("ema-trend.json", "base", NULL, fx->data, SLOW_SPEED);
	g_autoptr(JsonNode) hot = cfg_new("ema-trend.json", "hot", NULL, fx->data, SLOW_SPEED);
	g_autofree char *hot_text = cfg_text(hot), *buf = NULL, *log = NULL;
	const guint within = 2 * POLL_MS + SLACK_MS;
	gint64 ms, hot_id, n_events, beat;
	Serve *s;

	bot_add(fx, db, base);
	/* any free port: the log must hold no warning, and 8080 may be taken */
	s = serve_start(fx, db, "--poll-interval", POLL_S, "--heartbeat-interval", "0.2", "--http",
			"127.0.0.1:0");
	db_wait(fx, db, TRUE, 1, 5000,
		"SELECT count(*) FROM trading_bots WHERE name = 'base' AND status = 'running'");

	/* added */
	bot_insert(db, "hot", hot_text);
	hot_id = db_int(db, "SELECT id FROM trading_bots WHERE name = 'hot'");
	ms = db_wait(fx, db, TRUE, 1, within,
		     "SELECT count(*) FROM trading_bots WHERE name = 'hot' AND status = 'running'");
	g_test_message("added: running after %" G_GINT64_FORMAT " ms", ms);
	db_wait(fx, db, FALSE, 1, 5000,
		"SELECT count(*) FROM events WHERE bot_id = %lld AND type = 'SIGNAL_NEW'",
		(long long) hot_id);

	/* disabled */
	db_exec(db, "UPDATE trading_bots SET enabled = 0 WHERE name = 'hot'");
	ms = db_wait(fx, db, TRUE, 1, within,
		     "SELECT count(*) FROM trading_bots WHERE name = 'hot' AND status = 'stopped'");
	g_test_message("disabled: stopped after %" G_GINT64_FORMAT " ms", ms);
	db_wait(fx, db, TRUE, 1, 2000,
		"SELECT count(*) FROM events WHERE bot_id = %lld AND type = 'BOT_STATUS' AND "
		"json_extract(payload, '$.reason') = 'disabled'",
		(long long) hot_id);

	/* enabled */
	db_exec(db, "UPDATE trading_bots SET enabled = 1 WHERE name = 'hot'");
	ms = db_wait(fx, db, TRUE, 1, within,
		     "SELECT count(*) FROM trading_bots WHERE name = 'hot' AND status = 'running'");
	g_test_message("enabled: running after %" G_GINT64_FORMAT " ms", ms);

	/* edited: restarted on the new config, still running */
	db_exec(db, "UPDATE trading_bots SET config = json_set(config, "
		    "'$.strategy.aggregation.min_score', 0.42) WHERE name = 'hot'");
	serve_wait_log(fx, s, "[hot/ema-trend] config edited: restarted", within);
	g_assert_cmpstr(bot_status(db, "hot", &buf), ==, "running");
	g_assert_cmpint(db_int(db, "SELECT error_count FROM trading_bots WHERE name = 'hot'"), ==,
			0);
	/* and keeps trading on it */
	n_events =
	    db_int(db, "SELECT max(seq) FROM events WHERE bot_id = %lld", (long long) hot_id);
	db_wait(fx, db, FALSE, 1, 5000,
		"SELECT count(*) FROM events WHERE bot_id = %lld AND seq > %lld AND type = "
		"'SIGNAL_NEW'",
		(long long) hot_id, (long long) n_events);

	/* removed: unloaded, no error, nothing more journaled for it */
	db_exec(db, "DELETE FROM trading_bots WHERE name = 'hot'");
	serve_wait_log(fx, s, "[hot] removed from the table: unloaded", within);
	g_usleep(2 * POLL_MS * 1000); /* what was queued is flushed */
	n_events =
	    db_int(db, "SELECT count(*) FROM events WHERE bot_id = %lld", (long long) hot_id);
	beat = db_int(db, "SELECT last_heartbeat FROM trading_bots WHERE name = 'base'");
	g_usleep(4 * POLL_MS * 1000);
	g_assert_cmpint(
	    db_int(db, "SELECT count(*) FROM events WHERE bot_id = %lld", (long long) hot_id), ==,
	    n_events);
	/* the other bot runs on, with its heartbeat */
	g_assert_cmpstr(bot_status(db, "base", &buf), ==, "running");
	g_assert_cmpint(db_int(db, "SELECT last_heartbeat FROM trading_bots WHERE name = 'base'"),
			>, beat);
	g_assert_true(serve_running(s));

	g_subprocess_send_signal(s->proc, SIGTERM);
	g_assert_cmpint(serve_wait(fx, s, 10000), ==, 0);
	log = serve_read_log(s);
	g_assert_null(strstr(log, "warning"));
	g_assert_null(strstr(log, "critical"));
	g_assert_cmpint(db_int(db, "SELECT count(*) FROM trading_bots WHERE status = 'error'"), ==,
			0);
}

/* ---- 4. strategy switching ---------------------------------------------- */

static void
test_serve_switch(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *db = e2e_db(fx, "switch");
	g_autoptr(JsonNode) node = cfg_two_strategies("sw", fx->data, SLOW_SPEED);
	g_autofree char *out = NULL, *err = NULL, *log = NULL;
	gint64 ms, seq;
	Serve *s;

	bot_add(fx, db, node);
	s = serve_start(fx, db, "--poll-interval", POLL_S);
	db_wait(fx, db, FALSE, 1, 5000,
		"SELECT count(*) FROM events WHERE strategy_id = 'sw:a' AND type = 'SIGNAL_NEW'");

	g_assert_cmpint(cw_test_run(&out, &err, "bots", "switch", "--db", db, "sw", "b", NULL), ==,
			0);
	g_assert_nonnull(strstr(out, "now trades strategy 'b'"));
	ms = db_wait(fx, db, TRUE, 1, 2 * POLL_MS + SLACK_MS,
		     "SELECT count(*) FROM events WHERE type = 'STRATEGY_SWITCHED' AND "
		     "strategy_id = 'sw:b'");
	g_test_message("switched after %" G_GINT64_FORMAT " ms", ms);
	seq = db_int(db, "SELECT seq FROM events WHERE type = 'STRATEGY_SWITCHED'");

	/* later decisions are b's, and a takes none */
	db_wait(fx, db, FALSE, 1, 5000,
		"SELECT count(*) FROM events WHERE seq > %lld AND strategy_id = 'sw:b' AND type "
		"= 'SIGNAL_NEW'",
		(long long) seq);
	db_wait(fx, db, FALSE, 1, 10000,
		"SELECT count(*) FROM events WHERE seq > %lld AND strategy_id = 'sw:b' AND type "
		"= 'ORDER_SUBMITTED'",
		(long long) seq);
	g_assert_cmpint(db_int(db,
			       "SELECT count(*) FROM events WHERE seq > %lld AND type != "
			       "'BOT_STATUS' AND strategy_id IS NOT 'sw:b'",
			       (long long) seq),
			==, 0);
	/* no restart */
	g_assert_cmpint(db_int(db, "SELECT count(*) FROM events WHERE type = 'BOT_STATUS'"), ==, 2);
	ASSERT_DB_TEXT("running", db, "SELECT status FROM trading_bots WHERE name = 'sw'");
	g_assert_cmpint(db_int(db, "SELECT count(*) FROM orders WHERE strategy_id = 'sw:b'"), >, 0);

	/* an unknown strategy is refused and changes nothing */
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(cw_test_run(NULL, &err, "bots", "switch", "--db", db, "sw", "zzz", NULL),
			==, 1);
	g_assert_nonnull(strstr(err, "no strategy 'zzz'"));

	g_subprocess_send_signal(s->proc, SIGTERM);
	g_assert_cmpint(serve_wait(fx, s, 10000), ==, 0);
	log = serve_read_log(s);
	g_assert_nonnull(strstr(log, "[sw/b] active strategy switched"));
}

/* ---- 5. orchestrator cache ---------------------------------------------- */

static JsonObject *
e2e_cache_stats(JsonParser *parser, const char *db)
{
	g_autofree char *text =
	    db_text(db, "SELECT value FROM bot_state WHERE key = 'cache' AND bot_id = 1");
	g_autoptr(GError) error = NULL;

	g_assert_nonnull(text);
	json_parser_load_from_data(parser, text, -1, &error);
	g_assert_no_error(error);
	return json_node_get_object(json_parser_get_root(parser));
}

/* Switches a -> b -> a; returns the cache statistics of the bot. */
static JsonObject *
e2e_switch_twice(E2eFixture *fx, JsonParser *parser, const char *tag, const char *service_config)
{
	g_autofree char *db = e2e_db(fx, tag);
	g_autoptr(JsonNode) node = cfg_two_strategies("cached", fx->data, SLOW_SPEED);
	Serve *s;

	bot_add(fx, db, node);
	if (service_config != NULL)
		s = serve_start(fx, db, "--poll-interval", POLL_S, "--heartbeat-interval", "0.1",
				"--service-config", service_config);
	else
		s = serve_start(fx, db, "--poll-interval", POLL_S, "--heartbeat-interval", "0.1");
	db_wait(fx, db, TRUE, 1, 5000,
		"SELECT count(*) FROM trading_bots WHERE status = 'running'");
	g_assert_cmpint(cw_test_run(NULL, NULL, "bots", "switch", "--db", db, "cached", "b", NULL),
			==, 0);
	db_wait(fx, db, TRUE, 1, 2 * POLL_MS + SLACK_MS,
		"SELECT count(*) FROM events WHERE type = 'STRATEGY_SWITCHED'");
	g_assert_cmpint(cw_test_run(NULL, NULL, "bots", "switch", "--db", db, "cached", "a", NULL),
			==, 0);
	db_wait(fx, db, TRUE, 1, 2 * POLL_MS + SLACK_MS,
		"SELECT count(*) FROM events WHERE type = 'STRATEGY_SWITCHED' AND strategy_id "
		"= 'cached:a'");
	/* a heartbeat after the second switch */
	db_wait(fx, db, FALSE, 3, 5000,
		"SELECT json_extract(value, '$.misses') + json_extract(value, '$.hits') FROM "
		"bot_state WHERE key = 'cache'");
	g_subprocess_send_signal(s->proc, SIGTERM);
	g_assert_cmpint(serve_wait(fx, s, 10000), ==, 0);
	return e2e_cache_stats(parser, db);
}

static void
test_serve_cache(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *config = g_build_filename(fx->tmpdir, "service.json", NULL);
	g_autoptr(JsonParser) p1 = json_parser_new();
	g_autoptr(JsonParser) p2 = json_parser_new();
	JsonObject *capped, *free_;

	g_assert_true(g_file_set_contents(config, "{\"max_cached_orchestrators\": 1}", -1, NULL));
	capped = e2e_switch_twice(fx, p1, "capped", config);
	g_test_message("cap 1: misses %" G_GINT64_FORMAT ", evictions %" G_GINT64_FORMAT,
		       json_object_get_int_member(capped, "misses"),
		       json_object_get_int_member(capped, "evictions"));
	g_assert_cmpint(json_object_get_int_member(capped, "misses"), >=, 2);
	g_assert_cmpint(json_object_get_int_member(capped, "evictions"), >=, 1);
	g_assert_cmpint(json_object_get_int_member(capped, "loaded"), ==, 1);

	/* without a cap, switching back finds the dormant strategy */
	free_ = e2e_switch_twice(fx, p2, "uncapped", NULL);
	g_assert_cmpint(json_object_get_int_member(free_, "misses"), ==, 2);
	g_assert_cmpint(json_object_get_int_member(free_, "hits"), >=, 1);
	g_assert_cmpint(json_object_get_int_member(free_, "evictions"), ==, 0);
	g_assert_cmpint(json_object_get_int_member(free_, "loaded"), ==, 2);
}

/* Switches "held" to b right after a opened a position (a fast exit may
 * beat the switch: then back to a, and again). Returns the seq of the
 * switch that left a dormant with its position; counts the switches. */
static gint64
e2e_switch_while_open(E2eFixture *fx, const char *db, guint *n_switched)
{
	g_autofree char *last = NULL;
	gint64 seq = 0, opened;
	guint attempt;

	for (attempt = 0; attempt < 6; attempt++) {
		db_wait(fx, db, FALSE, 1, 30000,
			"SELECT count(*) FROM events WHERE strategy_id = 'held:a' AND type = "
			"'POSITION_OPENED' AND seq > %lld",
			(long long) seq);
		opened = db_int(db, "SELECT max(seq) FROM events WHERE strategy_id = 'held:a'");
		g_assert_cmpint(
		    cw_test_run(NULL, NULL, "bots", "switch", "--db", db, "held", "b", NULL), ==,
		    0);
		(*n_switched)++;
		db_wait(fx, db, TRUE, *n_switched, 2000,
			"SELECT count(*) FROM events WHERE type = 'STRATEGY_SWITCHED'");
		seq = db_int(db, "SELECT max(seq) FROM events WHERE type = 'STRATEGY_SWITCHED'");
		g_free(last);
		last = db_text(db,
			       "SELECT type FROM events WHERE strategy_id = 'held:a' AND type IN "
			       "('POSITION_OPENED', 'POSITION_CLOSED') AND seq < %lld ORDER BY seq "
			       "DESC LIMIT 1",
			       (long long) seq);
		g_test_message("attempt %u: a opened at seq %" G_GINT64_FORMAT
			       ", switched at %" G_GINT64_FORMAT ", a's last position event %s",
			       attempt, opened, seq, last);
		if (g_strcmp0(last, "POSITION_OPENED") == 0)
			break;
		g_assert_cmpint(
		    cw_test_run(NULL, NULL, "bots", "switch", "--db", db, "held", "a", NULL), ==,
		    0);
		(*n_switched)++;
		db_wait(fx, db, TRUE, *n_switched, 2000,
			"SELECT count(*) FROM events WHERE type = 'STRATEGY_SWITCHED'");
		seq = db_int(db, "SELECT max(seq) FROM events WHERE type = 'STRATEGY_SWITCHED'");
	}
	g_assert_cmpstr(last, ==, "POSITION_OPENED");
	return seq;
}

/* Back to a (the switch number @n_switched + 1), which first closes the
 * position it held while dormant, before it opens another. */
static void
e2e_switch_back_closes(E2eFixture *fx, const char *db, guint n_switched, gint64 seq)
{
	g_assert_cmpint(cw_test_run(NULL, NULL, "bots", "switch", "--db", db, "held", "a", NULL),
			==, 0);
	db_wait(fx, db, TRUE, n_switched + 1, 2000,
		"SELECT count(*) FROM events WHERE type = 'STRATEGY_SWITCHED'");
	db_wait(fx, db, FALSE, 1, 30000,
		"SELECT count(*) FROM events WHERE strategy_id = 'held:a' AND type IN "
		"('POSITION_OPENED', 'POSITION_CLOSED') AND seq > %lld",
		(long long) seq);
	ASSERT_DB_TEXT("POSITION_CLOSED", db,
		       "SELECT type FROM events WHERE strategy_id = 'held:a' AND type IN "
		       "('POSITION_OPENED', 'POSITION_CLOSED') AND seq > %lld ORDER BY seq "
		       "LIMIT 1",
		       (long long) seq);
}

/* A dormant strategy that holds a position is not evicted, whatever the cap:
 * its position would be lost. */
static void
test_serve_cache_keeps_position(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *config = g_build_filename(fx->tmpdir, "service.json", NULL);
	g_autofree char *db = e2e_db(fx, "held");
	g_autoptr(JsonNode) node = cfg_two_strategies("held", fx->data, 5000);
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *stats;
	gint64 seq;
	guint n_switched = 0;
	Serve *s;

	g_assert_true(g_file_set_contents(config, "{\"max_cached_orchestrators\": 1}", -1, NULL));
	bot_add(fx, db, node);
	s = serve_start(fx, db, "--poll-interval", "0.1", "--heartbeat-interval", "0.1",
			"--service-config", config);
	seq = e2e_switch_while_open(fx, db, &n_switched);
	/* b trades, a sleeps with its position: both loaded despite the cap */
	g_usleep(500000);
	stats = e2e_cache_stats(parser, db);
	g_assert_cmpint(json_object_get_int_member(stats, "loaded"), ==, 2);
	g_assert_cmpint(db_int(db, "SELECT count(*) FROM trading_positions WHERE strategy_id = "
				   "'held:a'"),
			==, 1);
	g_assert_cmpint(db_int(db,
			       "SELECT count(*) FROM events WHERE strategy_id = 'held:a' AND "
			       "seq > %lld",
			       (long long) seq),
			==, 0);
	/* back to a: found in the cache with its position */
	e2e_switch_back_closes(fx, db, n_switched, seq);
	db_wait(fx, db, FALSE, 1, 5000,
		"SELECT json_extract(value, '$.hits') FROM bot_state WHERE key = 'cache'");
	g_subprocess_send_signal(s->proc, SIGTERM);
	g_assert_cmpint(serve_wait(fx, s, 10000), ==, 0);
}

/* The position of a dormant strategy survives a crash: its trading state
 * goes to bot_state "trading_state:a" with the cursor, and the restart
 * restores it, so a, switched back to, closes the position it held. */
static void
test_serve_dormant_survives_restart(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *db = e2e_db(fx, "held");
	g_autoptr(JsonNode) node = cfg_two_strategies("held", fx->data, 5000);
	g_autofree char *log = NULL;
	gint64 seq;
	guint n_switched = 0;
	Serve *s;

	bot_add(fx, db, node);
	s = serve_start(fx, db, "--poll-interval", "0.1", "--heartbeat-interval", "0.1");
	seq = e2e_switch_while_open(fx, db, &n_switched);
	db_wait(fx, db, TRUE, 1, 5000,
		"SELECT count(*) FROM bot_state WHERE key = 'trading_state:a'");
	g_subprocess_send_signal(s->proc, SIGKILL);
	g_assert_cmpint(serve_wait(fx, s, 5000), ==, 128 + SIGKILL);

	s = serve_start(fx, db, "--poll-interval", "0.1", "--heartbeat-interval", "0.1");
	db_wait(fx, db, TRUE, 1, 10000,
		"SELECT count(*) FROM trading_bots WHERE status = 'running'");
	e2e_switch_back_closes(fx, db, n_switched, seq);
	/* a is active: its state is in "trading_state" again, the key goes */
	db_wait(fx, db, TRUE, 0, 5000,
		"SELECT count(*) FROM bot_state WHERE key = 'trading_state:a'");
	g_subprocess_send_signal(s->proc, SIGTERM);
	g_assert_cmpint(serve_wait(fx, s, 10000), ==, 0);
	log = serve_read_log(s);
	g_assert_null(strstr(log, "does not apply"));
}

/* A config edit would unload the dormant strategy and forget its position:
 * it is refused, and the bot goes to error saying why. */
static void
test_serve_dormant_refuses_edit(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *db = e2e_db(fx, "held");
	g_autoptr(JsonNode) node = cfg_two_strategies("held", fx->data, 5000);
	g_autofree char *last_error = NULL;
	guint n_switched = 0;
	Serve *s;

	bot_add(fx, db, node);
	s = serve_start(fx, db, "--poll-interval", "0.1", "--heartbeat-interval", "0.1");
	e2e_switch_while_open(fx, db, &n_switched);
	db_wait(fx, db, TRUE, 1, 5000,
		"SELECT count(*) FROM bot_state WHERE key = 'trading_state:a'");
	db_exec(db, "UPDATE trading_bots SET config = json_set(config, "
		    "'$.strategies[1].aggregation.min_score', 0.42) WHERE name = 'held'");
	db_wait(fx, db, TRUE, 1, 5000,
		"SELECT count(*) FROM trading_bots WHERE name = 'held' AND status = 'error'");
	last_error = db_text(db, "SELECT last_error FROM trading_bots WHERE name = 'held'");
	g_test_message("%s", last_error);
	g_assert_nonnull(strstr(last_error, "config edit refused: dormant strategy 'a' holds a "
					    "position"));
	/* what it held is still saved, for the next start */
	g_assert_cmpint(db_int(db, "SELECT count(*) FROM bot_state WHERE key = 'trading_state:a'"),
			==, 1);
	g_subprocess_send_signal(s->proc, SIGTERM);
	g_assert_cmpint(serve_wait(fx, s, 10000), ==, 0);
}

/* ---- halt, resume, halt-all, resume-all ---------------------------------- */

#define ENTRIES_AFTER                                                                              \
	"SELECT count(*) FROM events e JOIN trading_bots b ON b.id = e.bot_id WHERE b.name = %Q "  \
	"AND e.seq > %lld AND e.type = 'ORDER_SUBMITTED' AND json_extract(e.payload, "             \
	"'$.order.purpose') = 'entry'"

static gint64
e2e_mode_changed(E2eFixture *fx, const char *db, const char *name, const char *mode, gint64 after)
{
	gint64 ms = db_wait(fx, db, TRUE, 1, 2 * POLL_MS + SLACK_MS,
			    "SELECT count(*) FROM events e JOIN trading_bots b ON b.id = e.bot_id "
			    "WHERE b.name = %Q AND e.seq > %lld AND e.type = 'MODE_CHANGED' AND "
			    "json_extract(e.payload, '$.reason') = %Q",
			    name, (long long) after, mode);

	g_test_message("%s %s after %" G_GINT64_FORMAT " ms", name, mode, ms);
	return db_int(db,
		      "SELECT max(e.seq) FROM events e JOIN trading_bots b ON b.id = e.bot_id "
		      "WHERE b.name = %Q AND e.type = 'MODE_CHANGED'",
		      name);
}

static void
test_serve_halt(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *db = e2e_db(fx, "halt");
	g_autofree char *out = NULL;
	const char *names[] = {"h1", "h2"};
	gint64 seq, seq2, end;
	Serve *s;

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autoptr(JsonNode) node = cfg_two_strategies(names[i], fx->data, SLOW_SPEED);
		json_object_set_string_member(json_node_get_object(node), "active_strategy", "b");
		bot_add(fx, db, node);
	}
	s = serve_start(fx, db, "--poll-interval", POLL_S);
	db_wait(fx, db, FALSE, 2, 10000, ENTRIES_AFTER, "h1", 0LL);

	/* one bot halted: no entry while halted, the other trades on */
	g_assert_cmpint(cw_test_run(&out, NULL, "bots", "halt", "--db", db, "h1", NULL), ==, 0);
	seq = e2e_mode_changed(fx, db, "h1", "halted", 0);
	end = db_int(db, "SELECT max(seq) FROM events");
	db_wait(fx, db, FALSE, 3, 10000, ENTRIES_AFTER, "h2", (long long) end);
	g_assert_cmpint(db_int(db, ENTRIES_AFTER, "h1", (long long) seq), ==, 0);
	ASSERT_DB_TEXT("running", db, "SELECT status FROM trading_bots WHERE name = 'h1'");
	g_assert_cmpint(cw_test_run(NULL, NULL, "bots", "resume", "--db", db, "h1", NULL), ==, 0);
	seq = e2e_mode_changed(fx, db, "h1", "active", seq);
	db_wait(fx, db, FALSE, 1, 10000, ENTRIES_AFTER, "h1", (long long) seq);

	/* the kill switch halts every bot */
	g_assert_cmpint(cw_test_run(NULL, NULL, "halt-all", "--db", db, NULL), ==, 0);
	seq = e2e_mode_changed(fx, db, "h1", "halted", seq);
	seq2 = e2e_mode_changed(fx, db, "h2", "halted", 0);
	g_usleep(1000 * 1000); /* ~65 candles */
	g_assert_cmpint(db_int(db, ENTRIES_AFTER, "h1", (long long) seq), ==, 0);
	g_assert_cmpint(db_int(db, ENTRIES_AFTER, "h2", (long long) seq2), ==, 0);
	g_assert_cmpint(cw_test_run(NULL, NULL, "resume-all", "--db", db, NULL), ==, 0);
	seq = e2e_mode_changed(fx, db, "h1", "active", seq);
	seq2 = e2e_mode_changed(fx, db, "h2", "active", seq2);
	db_wait(fx, db, FALSE, 1, 10000, ENTRIES_AFTER, "h1", (long long) seq);
	db_wait(fx, db, FALSE, 1, 10000, ENTRIES_AFTER, "h2", (long long) seq2);

	g_subprocess_send_signal(s->proc, SIGTERM);
	g_assert_cmpint(serve_wait(fx, s, 10000), ==, 0);
}

/* ---- 6. graceful shutdown ----------------------------------------------- */

static void
test_serve_sigterm(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *db = e2e_db(fx, "term");
	const char *examples[] = {"ema-trend.json", "mean-reversion.json", "breakout.json"};
	g_autofree char *log = NULL;
	gint64 start;
	Serve *s;

	for (guint i = 0; i < G_N_ELEMENTS(examples); i++) {
		g_autoptr(JsonNode) node = cfg_new(examples[i], NULL, NULL, fx->data, SLOW_SPEED);
		JsonObject *root = json_node_get_object(node);
		g_autofree char *name = g_strdup_printf("term-%u", i);
		json_object_set_string_member(root, "name", name);
		bot_add(fx, db, node);
	}
	s = serve_start(fx, db, "--poll-interval", POLL_S, "--shutdown-timeout", "5");
	db_wait(fx, db, FALSE, 2, 20000, "SELECT count(*) FROM trading_trades");

	start = g_get_monotonic_time();
	g_subprocess_send_signal(s->proc, SIGTERM);
	g_assert_cmpint(serve_wait(fx, s, 5000 + SLACK_MS), ==, 0);
	g_test_message("shut down in %" G_GINT64_FORMAT " ms",
		       (g_get_monotonic_time() - start) / 1000);

	g_assert_cmpint(db_int(db, "SELECT count(*) FROM trading_bots WHERE status = 'stopped' "
				   "AND stopped_at IS NOT NULL"),
			==, 3);
	g_assert_cmpint(db_int(db, "SELECT count(*) FROM events WHERE type = 'BOT_STATUS' AND "
				   "json_extract(payload, '$.reason') = 'shutdown'"),
			==, 3);
	g_assert_cmpint(db_int(db, "SELECT count(*) FROM bot_state WHERE key = 'cursor' AND "
				   "CAST(value AS INTEGER) > 1700000000000"),
			==, 3);
	/* flushed: the journal, the trades and the orders agree */
	g_assert_cmpint(db_int(db, "SELECT count(*) FROM events WHERE type = 'TRADE_CLOSED'"), ==,
			db_int(db, "SELECT count(*) FROM trading_trades"));
	g_assert_cmpint(db_int(db, "SELECT count(DISTINCT json_extract(payload, "
				   "'$.order.client_order_id')) FROM events WHERE type = "
				   "'ORDER_SUBMITTED'"),
			==, db_int(db, "SELECT count(*) FROM orders"));
	/* no candle after a bot's cursor was journaled */
	g_assert_cmpint(db_int(db, "SELECT count(*) FROM events e JOIN bot_state c ON c.bot_id = "
				   "e.bot_id AND c.key = 'cursor' WHERE e.type != 'BOT_STATUS' AND "
				   "e.time > CAST(c.value AS INTEGER)"),
			==, 0);
	log = serve_read_log(s);
	g_assert_nonnull(strstr(log, "signal: shutting down"));
	g_assert_null(strstr(log, "shutdown timeout reached"));
}

/* ---- 7. crash safety, short --------------------------------------------- */

static gint64
e2e_progress(const char *db)
{
	return db_int(db, "SELECT coalesce(sum(CAST(value AS INTEGER)), 0) FROM bot_state WHERE "
			  "key = 'cursor'");
}

static void
e2e_crash_bots(E2eFixture *fx, const char *db, const char *data)
{
	const char *examples[] = {"ema-trend.json", "mean-reversion.json", "breakout.json"};

	for (guint i = 0; i < G_N_ELEMENTS(examples); i++) {
		g_autoptr(JsonNode) node = cfg_new(examples[i], NULL, NULL, data, 300000);
		JsonObject *root = json_node_get_object(node);
		g_autofree char *name = g_strdup_printf("crash-%u", i);
		json_object_set_string_member(root, "name", name);
		bot_add(fx, db, node);
	}
}

static void
test_serve_crash(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *data = g_build_filename(fx->tmpdir, "ten-days.csv", NULL);
	g_autofree char *a = e2e_db(fx, "a"), *b = e2e_db(fx, "b");
	g_autoptr(GRand) rand = g_rand_new_with_seed(20240601);
	g_autoptr(GPtrArray) ta = NULL, tb = NULL, oa = NULL, ob = NULL, pa = NULL, pb = NULL;
	g_autoptr(GPtrArray) ea = NULL, eb = NULL;
	const char *args[] = {"--exit-when-idle", "--poll-interval", POLL_S, NULL};
	gint64 start, a_ms;
	guint kills = 0, starts = 0;
	Serve *s;

	g_assert_cmpint(
	    cw_test_run(NULL, NULL, "synth", "--days", "10", "--seed", "7", "--output", data, NULL),
	    ==, 0);
	e2e_crash_bots(fx, a, data);
	e2e_crash_bots(fx, b, data);

	start = g_get_monotonic_time();
	s = serve_startv(fx, a, NULL, args);
	g_assert_cmpint(serve_wait(fx, s, 60000), ==, 0);
	a_ms = (g_get_monotonic_time() - start) / 1000;
	g_test_message("run A: %" G_GINT64_FORMAT " ms", a_ms);

	/* B: killed three times at seeded moments: once early (start-up or
	 * recovery), twice while trading live again */
	while (kills < 3) {
		gint64 before = e2e_progress(b);
		guint delay;

		s = serve_startv(fx, b, NULL, args);
		starts++;
		if (kills == 0) {
			delay = g_rand_int_range(rand, 50, 400);
		} else {
			db_wait(fx, b, FALSE, before + 1, 30000,
				"SELECT coalesce(sum(CAST(value AS INTEGER)), 0) FROM bot_state "
				"WHERE key = 'cursor'");
			delay = g_rand_int_range(rand, 0, MAX(2, a_ms / 4));
		}
		g_usleep(delay * 1000);
		g_assert_true(serve_running(s)); /* the replay outlasts the kills */
		g_subprocess_send_signal(s->proc, SIGKILL);
		g_assert_cmpint(serve_wait(fx, s, 5000), ==, 128 + SIGKILL);
		kills++;
		g_test_message("kill %u after %u ms", kills, delay);
	}
	s = serve_startv(fx, b, NULL, args);
	g_assert_cmpint(serve_wait(fx, s, 60000), ==, 0);
	starts++;
	{
		g_autofree char *log = serve_read_log(s);
		g_assert_nonnull(strstr(log, "crash recovery: the previous process died"));
	}

	ta = db_rows(a, "SELECT " TRADE_COLS " FROM trading_trades" TRADE_ORDER);
	tb = db_rows(b, "SELECT " TRADE_COLS " FROM trading_trades" TRADE_ORDER);
	g_assert_cmpuint(ta->len, >, 10);
	e2e_assert_same_rows(ta, tb, "trades, killed against uninterrupted");
#define ORDER_SQL                                                                                  \
	"SELECT client_order_id, bot_id, strategy_id, side, type, purpose, printf('%%.17g', "      \
	"qty), "                                                                                   \
	"status, printf('%%.17g', filled_qty), printf('%%.17g', avg_fill_price) FROM orders "      \
	"ORDER BY client_order_id"
	oa = db_rows(a, ORDER_SQL);
	ob = db_rows(b, ORDER_SQL);
	e2e_assert_same_rows(oa, ob, "orders, killed against uninterrupted");
	g_assert_cmpint(db_int(b, "SELECT count(*) - count(DISTINCT client_order_id) FROM orders"),
			==, 0);
#define POSITION_SQL                                                                               \
	"SELECT bot_id, strategy_id, direction, printf('%%.17g', qty), printf('%%.17g', "          \
	"entry_price), printf('%%.17g', stop_price), opened_at FROM trading_positions ORDER BY "   \
	"bot_id, strategy_id"
	pa = db_rows(a, POSITION_SQL);
	pb = db_rows(b, POSITION_SQL);
	e2e_assert_same_rows(pa, pb, "positions, killed against uninterrupted");
	/* the journal holds every decision once */
#define EVENT_SQL                                                                                  \
	"SELECT bot_id, strategy_id, type, time, payload FROM events WHERE type != 'BOT_STATUS' "  \
	"ORDER BY bot_id, seq"
	ea = db_rows(a, EVENT_SQL);
	eb = db_rows(b, EVENT_SQL);
	e2e_assert_same_rows(ea, eb, "journal, killed against uninterrupted");
	g_test_message("%u kills, %u starts: %u trades, %u orders, %u positions, %u events equal",
		       kills, starts, ta->len, oa->len, pa->len, ea->len);
}

/* A bot added to a running service joins its shared feed where the feed is.
 * After a crash the feed replays from the start of the file: the bot must
 * rebuild the state it had, from the candle it joined at (bot_state
 * "origin"), not from the start of the file. Its trades are then those of a
 * backtest that starts at that candle. */
static void
test_serve_late_join_crash(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *data = g_build_filename(fx->tmpdir, "five-days.csv", NULL);
	g_autofree char *db = e2e_db(fx, "late"), *bt = e2e_db(fx, "late-bt");
	g_autofree char *early_bt = e2e_db(fx, "early-bt");
	g_autoptr(JsonNode) early = cfg_new("ema-trend.json", "early", NULL, data, 100000);
	g_autoptr(JsonNode) late = cfg_two_strategies("late", data, 100000);
	g_autofree char *late_text = NULL, *late_path = NULL, *early_path = NULL;
	g_autofree char *origin_text = NULL, *from = NULL;
	g_autoptr(GPtrArray) served = NULL, tested = NULL;
	gint64 first, origin, late_id;
	Serve *s;

	g_assert_cmpint(
	    cw_test_run(NULL, NULL, "synth", "--days", "5", "--seed", "3", "--output", data, NULL),
	    ==, 0);
	json_object_set_string_member(json_node_get_object(late), "active_strategy", "b");
	late_text = cfg_text(late);
	late_path = cfg_save(fx, late);
	early_path = cfg_save(fx, early);
	bot_add(fx, db, early);
	s = serve_start(fx, db, "--poll-interval", "0.1");
	first = 1704067200000; /* synth starts on 2024-01-01 */
	db_wait(fx, db, FALSE, first + 300 * 300000, 20000,
		"SELECT CAST(value AS INTEGER) FROM bot_state WHERE key = 'cursor' AND bot_id = 1");
	bot_insert(db, "late", late_text);
	late_id = db_int(db, "SELECT id FROM trading_bots WHERE name = 'late'");
	db_wait(fx, db, FALSE, 4, 20000, "SELECT count(*) FROM orders WHERE bot_id = %lld",
		(long long) late_id);
	db_wait(fx, db, TRUE, 1, 5000,
		"SELECT count(*) FROM bot_state WHERE key = 'origin' AND bot_id = %lld",
		(long long) late_id);
	g_subprocess_send_signal(s->proc, SIGKILL);
	g_assert_cmpint(serve_wait(fx, s, 5000), ==, 128 + SIGKILL);

	origin_text =
	    db_text(db, "SELECT value FROM bot_state WHERE key = 'origin' AND bot_id = %lld",
		    (long long) late_id);
	g_assert_nonnull(origin_text);
	origin = g_ascii_strtoll(origin_text, NULL, 10);
	g_test_message("late joined at %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT " candles in",
		       origin, (origin - first) / 300000);
	g_assert_cmpint(origin, >, first + 300 * 300000);

	s = serve_start(fx, db, "--poll-interval", "0.1", "--exit-when-idle");
	g_assert_cmpint(serve_wait(fx, s, 30000), ==, 0);
	ASSERT_DB_TEXT(origin_text, db,
		       "SELECT value FROM bot_state WHERE key = 'origin' AND bot_id = "
		       "%lld",
		       (long long) late_id);

	/* late = a backtest from its origin, early = one from the start */
	from = g_strdup_printf("%" G_GINT64_FORMAT, origin);
	g_assert_cmpint(cw_test_run(NULL, NULL, "backtest", "--config", late_path, "--data", data,
				    "--from", from, "--db", bt, "--quiet", NULL),
			==, 0);
	g_assert_cmpint(cw_test_run(NULL, NULL, "backtest", "--config", early_path, "--data", data,
				    "--db", early_bt, "--quiet", NULL),
			==, 0);
	served = db_rows(db, "SELECT " TRADE_COLS
			     " FROM trading_trades WHERE bot_name = 'late'" TRADE_ORDER);
	tested = db_rows(bt, "SELECT " TRADE_COLS " FROM trading_trades WHERE exit_reason != "
			     "'end_of_data'" TRADE_ORDER);
	g_assert_cmpuint(served->len, >, 5);
	e2e_assert_same_rows(tested, served, "late bot against a backtest from its origin");
	g_ptr_array_unref(served);
	g_ptr_array_unref(tested);
	served = db_rows(db, "SELECT " TRADE_COLS
			     " FROM trading_trades WHERE bot_name = 'early'" TRADE_ORDER);
	tested = db_rows(early_bt, "SELECT " TRADE_COLS " FROM trading_trades WHERE exit_reason "
				   "!= 'end_of_data'" TRADE_ORDER);
	e2e_assert_same_rows(tested, served, "early bot against a backtest");
	/* order ids follow each other: the recovered bot made the orders it made */
	g_assert_cmpint(
	    db_int(db, "SELECT count(*) FROM orders WHERE bot_id = %lld", (long long) late_id), ==,
	    db_int(db,
		   "SELECT max(CAST(substr(client_order_id, 13) AS INTEGER)) FROM "
		   "orders WHERE bot_id = %lld",
		   (long long) late_id));
}

/* ---- 8. sd_notify ------------------------------------------------------- */

static void
test_serve_sd_notify(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *db = e2e_db(fx, "notify");
	g_autofree char *path = g_build_filename(fx->tmpdir, "notify.sock", NULL);
	g_autofree char *env_socket = g_strdup_printf("NOTIFY_SOCKET=%s", path);
	g_autoptr(JsonNode) node =
	    cfg_new("ema-trend.json", "notified", NULL, fx->data, SLOW_SPEED);
	g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func(g_free);
	const char *env[] = {env_socket, "WATCHDOG_USEC=200000", NULL};
	const char *args[] = {"--poll-interval", POLL_S, NULL};
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	guint watchdogs = 0, ready_at = G_MAXUINT, stopping_at = G_MAXUINT, term_at = 0;
	gboolean sent_term = FALSE;
	CwTestDeadline d;
	Serve *s;
	int fd;

	g_assert_cmpuint(strlen(path), <, sizeof addr.sun_path);
	g_strlcpy(addr.sun_path, path, sizeof addr.sun_path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(bind(fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);

	bot_add(fx, db, node);
	s = serve_startv(fx, db, env, args);
	d = cw_test_deadline(15000);
	do {
		char buf[4096];
		ssize_t n;

		while ((n = recv(fd, buf, sizeof buf - 1, 0)) > 0) {
			buf[n] = '\0';
			g_ptr_array_add(messages, g_strdup(buf));
			if (g_str_has_prefix(buf, "READY=1") && ready_at == G_MAXUINT)
				ready_at = messages->len - 1;
			if (strcmp(buf, "WATCHDOG=1") == 0)
				watchdogs++;
			if (strcmp(buf, "STOPPING=1") == 0 && stopping_at == G_MAXUINT)
				stopping_at = messages->len - 1;
		}
		if (!sent_term && watchdogs >= 3) {
			term_at = messages->len;
			g_subprocess_send_signal(s->proc, SIGTERM);
			sent_term = TRUE;
		}
		if (!serve_running(s))
			break;
	} while (cw_test_deadline_wait(&d, 20));
	close(fd);
	for (guint i = 0; i < messages->len; i++)
		g_test_message("notify %u: %s", i, (char *) messages->pdata[i]);
	g_assert_true(sent_term);
	g_assert_cmpint(serve_wait(fx, s, 5000), ==, 0);
	g_assert_cmpuint(messages->len, >, 0);
	g_assert_cmpuint(ready_at, ==, 0);
	g_assert_nonnull(strstr(messages->pdata[0], "READY=1"));
	g_assert_cmpuint(watchdogs, >=, 1);
	g_assert_cmpuint(stopping_at, !=, G_MAXUINT);
	g_assert_cmpuint(stopping_at, >=, term_at);
	/* the status line says how many bots run */
	for (guint i = 0; i < messages->len; i++) {
		if (strstr(messages->pdata[i], "STATUS=1 bots running") != NULL)
			return;
	}
	g_assert_not_reached();
}

/* ---- 9. JSON logs ------------------------------------------------------- */

static void
test_serve_json_log(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *db = e2e_db(fx, "json");
	g_autofree char *log = NULL;
	g_auto(GStrv) lines = NULL;
	guint n = 0, bot_lines = 0;
	Serve *s;

	e2e_add_examples(fx, db, NULL);
	bot_insert(db, "broken", "{\"symbol\": 7}");
	s = serve_start(fx, db, "--exit-when-idle", "--log-format=json", "-v");
	g_assert_cmpint(serve_wait(fx, s, 60000), ==, 0);
	log = serve_read_log(s);
	lines = g_strsplit(log, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_autoptr(JsonParser) parser = json_parser_new();
		g_autoptr(GError) error = NULL;
		JsonObject *obj;
		const char *message;

		if (lines[i][0] == '\0' && lines[i + 1] == NULL)
			break; /* the final newline */
		if (!json_parser_load_from_data(parser, lines[i], -1, &error))
			g_printerr("line %u is not JSON: %s\n", i + 1, lines[i]);
		g_assert_no_error(error);
		g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)));
		obj = json_node_get_object(json_parser_get_root(parser));
		g_assert_nonnull(json_object_get_string_member_with_default(obj, "level", NULL));
		message = json_object_get_string_member_with_default(obj, "message", NULL);
		g_assert_nonnull(message);
		n++;
		/* the bot lifecycle lines name their bot */
		if (g_str_equal(message, "starting") || g_str_equal(message, "running") ||
		    g_str_has_prefix(message, "stopped: feed ended") ||
		    g_str_has_prefix(message, "error:")) {
			g_assert_nonnull(
			    json_object_get_string_member_with_default(obj, "bot", NULL));
			bot_lines++;
		}
	}
	g_test_message("%u JSON lines, %u about a bot", n, bot_lines);
	g_assert_cmpuint(bot_lines, ==, 3 * 3 + 2); /* broken: starting, error */
	g_assert_nonnull(strstr(log, "\"bot\":\"broken\""));
}

/* ---- 10. bad input ------------------------------------------------------ */

static void
test_serve_bad_input(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *notdb = g_build_filename(fx->tmpdir, "not-a-db", NULL);
	g_autofree char *db = e2e_db(fx, "ok");
	g_autofree char *config = g_build_filename(fx->tmpdir, "service.json", NULL);
	g_autofree char *broken = g_build_filename(fx->tmpdir, "broken.json", NULL);
	g_autofree char *err = NULL;

	g_assert_true(
	    g_file_set_contents(notdb, "this is not an SQLite file, not at all\n", -1, NULL));
	g_assert_cmpint(cw_test_run(NULL, &err, "serve", "--db", notdb, "--exit-when-idle", NULL),
			==, 1);
	g_test_message("%s", err);
	g_assert_nonnull(strstr(err, "not-a-db"));
	g_assert_nonnull(strstr(err, "not a database"));

	g_assert_true(
	    g_file_set_contents(config, "{\"poll_interval_s\": 1, \"max_bots\": 3}", -1, NULL));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(cw_test_run(NULL, &err, "serve", "--db", db, "--service-config", config,
				    "--exit-when-idle", NULL),
			==, 2);
	g_test_message("%s", err);
	g_assert_nonnull(strstr(err, "max_bots"));
	g_assert_nonnull(strstr(err, "unknown"));
	g_assert_nonnull(strstr(err, "service.json"));

	g_assert_true(g_file_set_contents(broken, "{\"poll_interval_s\": ", -1, NULL));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(
	    cw_test_run(NULL, &err, "serve", "--db", db, "--service-config", broken, NULL), ==, 2);
	g_assert_nonnull(strstr(err, "broken.json"));

	g_assert_true(g_file_set_contents(config, "{\"poll_interval_s\": \"fast\"}", -1, NULL));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(
	    cw_test_run(NULL, &err, "serve", "--db", db, "--service-config", config, NULL), ==, 2);
	g_assert_nonnull(strstr(err, "poll_interval_s"));

	g_clear_pointer(&err, g_free);
	g_assert_cmpint(cw_test_run(NULL, &err, "serve", "--db", db, "--log-format", "xml", NULL),
			==, 2);
	g_assert_nonnull(strstr(err, "xml"));
	g_assert_false(g_file_test(db, G_FILE_TEST_EXISTS)); /* nothing was created */
}

/* ---- 11. a config inserted as a BLOB ------------------------------------ */

/* `sqlite3 DB SQL` with the sqlite3 shell, which has readfile(). */
static void
sqlite3_shell(const char *db, const char *sql)
{
	g_autofree char *shell = g_find_program_in_path("sqlite3");
	const char *argv[] = {shell, db, sql, NULL};
	g_autofree char *err = NULL;
	g_autoptr(GError) error = NULL;
	int status = -1;

	if (shell == NULL) {
		g_printerr("the sqlite3 shell is not in PATH (./dev.sh installs it)\n");
		g_assert_nonnull(shell);
	}
	g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
		     &status, &error);
	g_assert_no_error(error);
	if (!g_spawn_check_wait_status(status, NULL))
		g_printerr("sqlite3 %s: %s\n", sql, err);
	g_assert_true(g_spawn_check_wait_status(status, NULL));
}

/* A bot added with the sqlite3 shell's readfile() holds its config as a
 * BLOB: it is listed and served like one added as text. A BLOB that is not
 * UTF-8, or holds a NUL byte, puts only its own bot in error. */
static void
test_serve_blob_config(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *db = e2e_db(fx, "blob");
	g_autoptr(JsonNode) text_cfg = cfg_new("ema-trend.json", "text-bot", NULL, fx->data, 0);
	g_autoptr(JsonNode) blob_cfg = cfg_new("ema-trend.json", "blob-bot", NULL, fx->data, 0);
	g_autofree char *blob_path = cfg_save(fx, blob_cfg);
	g_autofree char *latin1 = g_build_filename(fx->tmpdir, "latin1.json", NULL);
	g_autofree char *nul = g_build_filename(fx->tmpdir, "nul.json", NULL);
	g_autofree char *sql = NULL, *out = NULL, *err = NULL, *e1 = NULL, *e2 = NULL;
	g_autoptr(GPtrArray) by_text = NULL, by_blob = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonArray *bots;
	Serve *s;

	bot_add(fx, db, text_cfg);
	sql = g_strdup_printf("insert into trading_bots (name, config) values ('blob-bot', "
			      "readfile('%s'))",
			      blob_path);
	sqlite3_shell(db, sql);
	g_assert_true(g_file_set_contents(latin1, "{\"name\": \"caf\xe9\"}", -1, NULL));
	g_assert_true(g_file_set_contents(nul, "{}\0{}", 5, NULL));
	g_clear_pointer(&sql, g_free);
	sql = g_strdup_printf("insert into trading_bots (name, config) values ('latin1-bot', "
			      "readfile('%s')), ('nul-bot', readfile('%s'))",
			      latin1, nul);
	sqlite3_shell(db, sql);
	g_assert_cmpint(db_int(db, "SELECT count(*) FROM trading_bots WHERE typeof(config) = "
				   "'blob'"),
			==, 3);

	/* bots list reads the BLOB config */
	g_assert_cmpint(cw_test_run(&out, &err, "bots", "list", "--db", db, "--json", NULL), ==, 0);
	json_parser_load_from_data(parser, out, -1, NULL);
	bots = json_node_get_array(json_parser_get_root(parser));
	g_assert_cmpuint(json_array_get_length(bots), ==, 4);
	for (guint i = 0; i < 4; i++) {
		JsonObject *bot = json_array_get_object_element(bots, i);
		const char *name = json_object_get_string_member(bot, "name");
		const char *status = json_object_get_string_member(bot, "status");

		if (g_str_equal(name, "text-bot") || g_str_equal(name, "blob-bot")) {
			g_assert_cmpstr(status, ==, "stopped");
			g_assert_cmpstr(json_object_get_string_member(bot, "active_strategy"), ==,
					"ema-trend");
			continue;
		}
		g_assert_cmpstr(status, ==, "corrupt");
		g_assert_nonnull(strstr(json_object_get_string_member(bot, "error"),
					g_str_equal(name, "latin1-bot")
					    ? "column config holds a blob that is not valid UTF-8"
					    : "column config holds a blob with a NUL byte"));
	}

	/* serve runs it like the same config added as text */
	s = serve_start(fx, db, "--exit-when-idle", "--poll-interval", POLL_S);
	g_assert_cmpint(serve_wait(fx, s, 60000), ==, 0);
	g_assert_cmpint(db_int(db, "SELECT count(*) FROM trading_bots WHERE status = 'stopped' "
				   "AND last_error IS NULL"),
			==, 2);
	e1 = db_text(db, "SELECT last_error FROM trading_bots WHERE name = 'latin1-bot' AND "
			 "status = 'error'");
	e2 = db_text(db, "SELECT last_error FROM trading_bots WHERE name = 'nul-bot' AND "
			 "status = 'error'");
	g_assert_nonnull(e1);
	g_assert_nonnull(e2);
	g_assert_nonnull(strstr(e1, "corrupt row in trading_bots (rowid 3): column config"));
	g_assert_nonnull(strstr(e2, "corrupt row in trading_bots (rowid 4): column config"));
#define SAME_COLS                                                                                  \
	"entry_time, exit_time, printf('%%.17g', entry_price), printf('%%.17g', exit_price), "     \
	"printf('%%.17g', qty), printf('%%.17g', net_pnl), exit_reason FROM trading_trades"
	by_text = db_rows(db, "SELECT " SAME_COLS " WHERE bot_name = 'text-bot' ORDER BY seq");
	by_blob = db_rows(db, "SELECT " SAME_COLS " WHERE bot_name = 'blob-bot' ORDER BY seq");
#undef SAME_COLS
	g_assert_cmpuint(by_text->len, >, 0);
	e2e_assert_same_rows(by_text, by_blob, "blob config against text config");
}

/* ---- 12. shorter candles than the bot's, resampled ---------------------- */

/* A 5m bot served from a 1m file trades the 5m candles resampled from it,
 * exactly as the backtest of the same file does. */
static void
test_serve_resampled(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *one = g_build_filename(fx->tmpdir, "synth-1m.csv", NULL);
	g_autofree char *db = e2e_db(fx, "resampled");
	g_autofree char *bt = e2e_db(fx, "resampled-bt");
	g_autoptr(JsonNode) node = NULL;
	g_autofree char *cfg = NULL, *out = NULL, *log = NULL;
	g_autoptr(GPtrArray) served = NULL, tested = NULL;
	Serve *s;

	g_assert_cmpint(cw_test_run(NULL, NULL, "synth", "--days", "20", "--seed", "3",
				    "--interval", "1m", "--output", one, NULL),
			==, 0);
	node = cfg_new("mean-reversion.json", "btc-mr-1m", NULL, one, 0);
	cfg = cfg_save(fx, node);
	bot_add(fx, db, node);
	s = serve_start(fx, db, "--exit-when-idle", "--poll-interval", POLL_S);
	g_assert_cmpint(serve_wait(fx, s, 60000), ==, 0);
	log = serve_read_log(s);
	g_assert_nonnull(strstr(log, "1m candles resampled to 5m"));
	g_assert_cmpint(db_int(db, "SELECT count(*) FROM bot_state WHERE key = 'stop_reason' AND "
				   "value = 'feed ended'"),
			==, 1);

	g_assert_cmpint(
	    cw_test_run(&out, NULL, "backtest", "--config", cfg, "--data", one, "--db", bt, NULL),
	    ==, 0);
	g_assert_nonnull(strstr(out, "resampled 1m -> 5m"));
	served = db_rows(db, "SELECT " TRADE_COLS " FROM trading_trades" TRADE_ORDER);
	tested = db_rows(bt, "SELECT " TRADE_COLS " FROM trading_trades WHERE exit_reason != "
			     "'end_of_data'" TRADE_ORDER);
	g_assert_cmpuint(served->len, >, 0);
	e2e_assert_same_rows(tested, served, "serve against backtest, resampled");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, func) g_test_add(path, E2eFixture, NULL, e2e_setup, func, e2e_teardown)
	ADD("/e2e/serve/replay-end", test_serve_replay_end);
	ADD("/e2e/serve/isolation", test_serve_isolation);
	ADD("/e2e/serve/hot-reload", test_serve_hot_reload);
	ADD("/e2e/serve/switch", test_serve_switch);
	ADD("/e2e/serve/cache", test_serve_cache);
	ADD("/e2e/serve/cache-keeps-position", test_serve_cache_keeps_position);
	ADD("/e2e/serve/dormant-survives-restart", test_serve_dormant_survives_restart);
	ADD("/e2e/serve/dormant-refuses-edit", test_serve_dormant_refuses_edit);
	ADD("/e2e/serve/halt", test_serve_halt);
	ADD("/e2e/serve/sigterm", test_serve_sigterm);
	ADD("/e2e/serve/crash", test_serve_crash);
	ADD("/e2e/serve/late-join-crash", test_serve_late_join_crash);
	ADD("/e2e/serve/sd-notify", test_serve_sd_notify);
	ADD("/e2e/serve/json-log", test_serve_json_log);
	ADD("/e2e/serve/bad-input", test_serve_bad_input);
	ADD("/e2e/serve/blob-config", test_serve_blob_config);
	ADD("/e2e/serve/resampled", test_serve_resampled);
#undef ADD
	return g_test_run();
}
