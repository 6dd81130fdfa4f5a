/* End-to-end tests of failing closed: `candlewick serve` on a real SQLite
 * file whose state rows (cursor, mode, kill switch) or pages were damaged
 * from the outside must not trade on a guess; and bots on two replay feeds
 * with a limit across bots must trade the same way in every run.
 *
 * Only the processes started here are signalled; they also die with the
 * test (PR_SET_PDEATHSIG). Every wait has a deadline. */
#define _GNU_SOURCE
#include "cw-test-utils.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

typedef struct {
	char *tmpdir;
	char *data; /* 10 days of synthetic 5m candles */
	guint n_runs;
} Fixture;

static void
fx_setup(Fixture *fx, gconstpointer user_data)
{
	fx->tmpdir = cw_test_tmpdir("cw-failclosed-XXXXXX");
	fx->data = cw_test_synth_in(fx->tmpdir, "10", "5");
}

static void
fx_teardown(Fixture *fx, gconstpointer user_data)
{
	cw_test_rm_rf(fx->tmpdir);
	g_free(fx->tmpdir);
	g_free(fx->data);
}

static char *
fx_path(Fixture *fx, const char *name)
{
	return g_build_filename(fx->tmpdir, name, NULL);
}

/* ---- processes ---------------------------------------------------------- */

/* Starts `candlewick serve --db DB --poll-interval 0.2 [--exit-when-idle]`
 * with stderr in *log. */
static GSubprocess *
serve_spawn(Fixture *fx, const char *db, gboolean exit_when_idle, char **log)
{
	const char *argv[] = {cw_test_exe(),      "serve", "--db", db, "--poll-interval", "0.2",
			      "--exit-when-idle", NULL};

	if (!exit_when_idle)
		argv[6] = NULL;
	*log = g_strdup_printf("%s/serve-%u.log", fx->tmpdir, fx->n_runs++);
	return cw_test_spawn_stderr_logged(*log, NULL, argv);
}

static char *
read_log(const char *log)
{
	char *text = NULL;

	if (!g_file_get_contents(log, &text, NULL, NULL))
		return g_strdup("");
	return text;
}

/* Waits for the process (killing it after timeout_ms); its exit status. */
static int
serve_finish(GSubprocess *proc, const char *log, guint timeout_ms)
{
	if (!cw_test_subprocess_wait(proc, timeout_ms)) {
		g_autofree char *text = read_log(log);
		g_subprocess_send_signal(proc, SIGKILL);
		cw_test_subprocess_wait(proc, 5000);
		g_printerr("serve did not exit within %u ms; log:\n%s\n", timeout_ms, text);
		g_assert_not_reached();
	}
	if (g_subprocess_get_if_signaled(proc))
		return 128 + g_subprocess_get_term_sig(proc);
	return g_subprocess_get_exit_status(proc);
}

/* serve --exit-when-idle to its end; the log text in *text. */
static int
serve_run(Fixture *fx, const char *db, char **text)
{
	g_autofree char *log = NULL;
	g_autoptr(GSubprocess) proc = serve_spawn(fx, db, TRUE, &log);
	int status = serve_finish(proc, log, 120000);

	*text = read_log(log);
	return status;
}

static void
wait_log(const char *log, const char *needle, guint timeout_ms)
{
	CwTestDeadline d = cw_test_deadline(timeout_ms);

	do {
		g_autofree char *text = read_log(log);
		if (strstr(text, needle) != NULL)
			return;
	} while (cw_test_deadline_wait(&d, 50));
	{
		g_autofree char *text = read_log(log);
		g_printerr("no '%s' in the log after %u ms:\n%s\n", needle, timeout_ms, text);
	}
	g_assert_not_reached();
}

/* ---- bots --------------------------------------------------------------- */

/* The ema-trend example as bot NAME on SYMBOL/INTERVAL, replaying DATA at
 * SPEED; guardrails (nullable) replaces its guardrails section. */
static char *
cfg_write(Fixture *fx, const char *name, const char *symbol, const char *interval, const char *data,
	  double speed, const char *guardrails)
{
	g_autofree char *example = cw_test_example("ema-trend.json");
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	JsonObject *root = cw_test_load_json(parser, example);
	JsonObject *feed = json_object_new();
	g_autofree char *file = g_strdup_printf("%s.json", name);
	char *path = fx_path(fx, file);
	g_autofree char *text = NULL;

	json_object_set_string_member(root, "name", name);
	json_object_set_string_member(root, "symbol", symbol);
	json_object_set_string_member(root, "interval", interval);
	json_object_remove_member(root, "instrument");
	json_object_set_string_member(feed, "type", "replay");
	json_object_set_string_member(feed, "path", data);
	json_object_set_double_member(feed, "speed", speed);
	json_object_set_object_member(root, "feed", feed);
	if (guardrails != NULL) {
		g_autoptr(JsonParser) g = json_parser_new();
		g_assert_true(json_parser_load_from_data(g, guardrails, -1, NULL));
		json_object_set_member(root, "guardrails", json_node_copy(json_parser_get_root(g)));
	}
	json_generator_set_root(gen, json_parser_get_root(parser));
	text = json_generator_to_data(gen, NULL);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

static void
copy_file(const char *from, const char *to)
{
	g_autofree char *contents = NULL;
	gsize length = 0;

	g_assert_true(g_file_get_contents(from, &contents, &length, NULL));
	g_assert_true(g_file_set_contents(to, contents, length, NULL));
}

/* One bot replayed to the end of the synthetic data; the file holds every
 * page (WAL checkpointed), so it can be copied. */
static char *
db_finished_run(Fixture *fx)
{
	char *db = fx_path(fx, "done.db");
	g_autofree char *config = cfg_write(fx, "b1", "BTCUSDT", "5m", fx->data, 0, NULL);
	g_autofree char *log = NULL;

	cw_test_bots_add(db, config);
	g_assert_cmpint(serve_run(fx, db, &log), ==, 0);
	g_assert_cmpint(cw_test_db_int(db, "SELECT count(*) FROM trading_trades", -1), >, 5);
	cw_test_db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	return db;
}

#define TRADES_SQL                                                                                 \
	"SELECT bot_name, strategy_id, direction, entry_time, exit_time, printf('%.17g', "         \
	"entry_price), printf('%.17g', exit_price), printf('%.17g', qty), printf('%.17g', "        \
	"net_pnl), exit_reason FROM trading_trades ORDER BY bot_name, strategy_id, entry_time, "   \
	"seq"

/* ---- item 6: the cursor ------------------------------------------------- */

/* A cursor that does not parse, is negative, or lies beyond the data, on a
 * bot marked running: the bot goes to error with the message; nothing is
 * replayed from 0 and no order is sent again. */
static void
test_cursor(Fixture *fx, gconstpointer user_data)
{
	static const struct {
		const char *value;
		const char *message;
	} cases[] = {
	    {"abc", "bot_state row (bot 1, key 'cursor'): 'abc' is not a cursor"},
	    {"-1", "bot_state row (bot 1, key 'cursor'): '-1' is not a cursor: below 0"},
	    {"12 34", "bot_state row (bot 1, key 'cursor'): '12 34' is not a cursor"},
	    {"99999999999999", "bot_state row (bot 1, key 'cursor'): '99999999999999' is not a "
			       "cursor: beyond the data"},
	};
	g_autofree char *done = db_finished_run(fx);
	gint64 trades = cw_test_db_int(done, "SELECT count(*) FROM trading_trades", -1);
	gint64 orders = cw_test_db_int(done, "SELECT count(*) FROM orders", -1);
	gint64 submitted =
	    cw_test_db_int(done, "SELECT count(*) FROM events WHERE type = 'ORDER_SUBMITTED'", -1);

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *name = g_strdup_printf("cursor-%u.db", i);
		g_autofree char *db = fx_path(fx, name);
		g_autofree char *log = NULL;
		g_autofree char *sql = NULL;
		g_autofree char *last_error = NULL;

		copy_file(done, db);
		sql = g_strdup_printf("UPDATE bot_state SET value = '%s' WHERE key = 'cursor';"
				      "UPDATE trading_bots SET status = 'running'",
				      cases[i].value);
		cw_test_db_exec(db, sql);
		g_assert_cmpint(serve_run(fx, db, &log), ==, 0);
		last_error = cw_test_db_text(db, "SELECT last_error FROM trading_bots");
		g_test_message("cursor '%s': %s", cases[i].value, last_error);
		g_assert_nonnull(last_error);
		g_assert_nonnull(strstr(last_error, cases[i].message));
		g_assert_nonnull(strstr(log, cases[i].message));
		{
			g_autofree char *status =
			    cw_test_db_text(db, "SELECT status FROM trading_bots");
			g_assert_cmpstr(status, ==, "error");
		}
		/* no second copy of the history */
		g_assert_cmpint(cw_test_db_int(db, "SELECT count(*) FROM trading_trades", -1), ==,
				trades);
		g_assert_cmpint(cw_test_db_int(db, "SELECT count(*) FROM orders", -1), ==, orders);
		g_assert_cmpint(cw_test_db_int(db,
					       "SELECT count(*) FROM events WHERE type = "
					       "'ORDER_SUBMITTED'",
					       -1),
				==, submitted);
		/* the bad value is left for the operator to see */
		{
			g_autofree char *value =
			    cw_test_db_text(db, "SELECT value FROM bot_state WHERE key = 'cursor'");
			g_assert_cmpstr(value, ==, cases[i].value);
		}
	}
}

/* A copy of the finished run @done as @name, with @sql run on it (?1 bound
 * to @value), served again: the bot must go to error, with no new order.
 * Returns its last_error. */
static char *
serve_with_state(Fixture *fx, const char *done, const char *name, const char *sql,
		 const char *value)
{
	g_autofree char *db = fx_path(fx, name);
	g_autofree char *log = NULL;
	g_autofree char *status = NULL;
	gint64 orders = cw_test_db_int(done, "SELECT count(*) FROM orders", -1);
	char *last_error;
	sqlite3 *conn;
	sqlite3_stmt *stmt = NULL;

	copy_file(done, db);
	conn = cw_test_db_open(db);
	g_assert_cmpint(sqlite3_prepare_v2(conn, sql, -1, &stmt, NULL), ==, SQLITE_OK);
	sqlite3_bind_text(stmt, 1, value, -1, SQLITE_STATIC);
	g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_DONE);
	sqlite3_finalize(stmt);
	sqlite3_close(conn);
	cw_test_db_exec(db, "UPDATE trading_bots SET status = 'running'");
	g_assert_cmpint(serve_run(fx, db, &log), ==, 0);
	last_error = cw_test_db_text(db, "SELECT last_error FROM trading_bots");
	status = cw_test_db_text(db, "SELECT status FROM trading_bots");
	g_test_message("%s: %s", name, last_error);
	g_assert_cmpstr(status, ==, "error");
	g_assert_nonnull(last_error);
	g_assert_cmpint(cw_test_db_int(db, "SELECT count(*) FROM orders", -1), ==, orders);
	return last_error;
}

/* The trading state snapshot written with the cursor: one that does not
 * decode or verify is not guessed around (no replay of decisions, no
 * order): the bot goes to error naming the row and what failed. */
static void
test_trading_state(Fixture *fx, gconstpointer user_data)
{
	g_autofree char *done = db_finished_run(fx);
	g_autofree char *good =
	    cw_test_db_text(done, "SELECT value FROM bot_state WHERE key = 'trading_state'");
	g_autofree guint8 *raw = NULL;
	g_autofree char *flipped = NULL;
	gsize len = 0;

	g_assert_nonnull(good);
	raw = g_base64_decode(good, &len);
	g_assert_cmpuint(len, >, 100);
	raw[len - 9] ^= 0x10; /* inside the payload */
	flipped = g_base64_encode(raw, len);
	{
		const struct {
			const char *value;
			const char *message;
		} cases[] = {
		    {"not a snapshot", "no CWTS header"},
		    {flipped, "checksum mismatch"},
		};
		for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
			g_autofree char *name = g_strdup_printf("state-%u.db", i);
			g_autofree char *last_error = serve_with_state(
			    fx, done, name,
			    "UPDATE bot_state SET value = ?1 WHERE key = 'trading_state'",
			    cases[i].value);
			g_assert_true(g_str_has_prefix(
			    last_error, "bot_state row (bot 1, key 'trading_state'): "));
			g_assert_nonnull(strstr(last_error, "is not a trading state snapshot"));
			g_assert_nonnull(strstr(last_error, cases[i].message));
		}
	}
}

/* A dormant strategy's trading state (bot_state "trading_state:<id>"):
 * one that does not verify, or whose strategy is gone from the config,
 * may hold a position: the bot goes to error naming the row. */
static void
test_dormant_state(Fixture *fx, gconstpointer user_data)
{
	g_autofree char *done = db_finished_run(fx);
	g_autofree char *good =
	    cw_test_db_text(done, "SELECT value FROM bot_state WHERE key = 'trading_state'");
	const struct {
		const char *value;
		const char *message;
	} cases[] = {
	    {"not a snapshot", "no CWTS header"},
	    {good, "strategy 'gone' is not in the bot's config"},
	};

	g_assert_nonnull(good);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *name = g_strdup_printf("dormant-%u.db", i);
		g_autofree char *last_error = serve_with_state(
		    fx, done, name,
		    "INSERT INTO bot_state (bot_id, key, value, updated_at) VALUES (1, "
		    "'trading_state:gone', ?1, 0)",
		    cases[i].value);
		g_assert_true(g_str_has_prefix(last_error,
					       "bot_state row (bot 1, key 'trading_state:gone')"));
		g_assert_nonnull(strstr(last_error, cases[i].message));
	}
}

/* The config history a restarted bot replays under: one that cannot be
 * read is not replaced by a guess (the current config), the bot fails. */
static void
test_config_history(Fixture *fx, gconstpointer user_data)
{
	static const char *const values[] = {"not json", "{\"at\": 1}",
					     "[{\"at\": \"soon\", \"config\": \"{}\"}]",
					     "[{\"at\": null}]"};
	g_autofree char *done = db_finished_run(fx);
	gint64 orders = cw_test_db_int(done, "SELECT count(*) FROM orders", -1);

	for (guint i = 0; i < G_N_ELEMENTS(values); i++) {
		g_autofree char *name = g_strdup_printf("history-%u.db", i);
		g_autofree char *db = fx_path(fx, name);
		g_autofree char *log = NULL;
		g_autofree char *last_error = NULL;
		g_autofree char *status = NULL;
		sqlite3 *conn;
		sqlite3_stmt *stmt = NULL;

		copy_file(done, db);
		conn = cw_test_db_open(db);
		g_assert_cmpint(sqlite3_prepare_v2(conn,
						   "UPDATE bot_state SET value = ?1 WHERE key = "
						   "'config_history'",
						   -1, &stmt, NULL),
				==, SQLITE_OK);
		sqlite3_bind_text(stmt, 1, values[i], -1, SQLITE_STATIC);
		g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_DONE);
		sqlite3_finalize(stmt);
		sqlite3_close(conn);
		g_assert_cmpint(serve_run(fx, db, &log), ==, 0);
		last_error = cw_test_db_text(db, "SELECT last_error FROM trading_bots");
		status = cw_test_db_text(db, "SELECT status FROM trading_bots");
		g_test_message("config_history %s: %s", values[i], last_error);
		g_assert_cmpstr(status, ==, "error");
		g_assert_nonnull(last_error);
		g_assert_true(
		    g_str_has_prefix(last_error, "bot_state row (bot 1, key 'config_history'): "));
		g_assert_nonnull(strstr(last_error, "is not a config history"));
		g_assert_cmpint(cw_test_db_int(db, "SELECT count(*) FROM orders", -1), ==, orders);
	}
}

/* The operator's way out of a bad cursor (delete it: a cold start replays
 * the file from its start): the trades already recorded are not recorded a
 * second time (schema v3), and the log says so. */
static void
test_trade_unique(Fixture *fx, gconstpointer user_data)
{
	g_autofree char *db = db_finished_run(fx);
	gint64 trades = cw_test_db_int(db, "SELECT count(*) FROM trading_trades", -1);
	g_autofree char *log = NULL;

	cw_test_db_exec(db, "DELETE FROM bot_state WHERE key IN ('cursor', 'origin')");
	g_assert_cmpint(serve_run(fx, db, &log), ==, 0);
	g_assert_cmpint(cw_test_db_int(db, "SELECT count(*) FROM trading_trades", -1), ==, trades);
	g_assert_cmpint(cw_test_db_int(db,
				       "SELECT count(*) FROM (SELECT DISTINCT bot_id, strategy_id, "
				       "entry_time, seq FROM trading_trades)",
				       -1),
			==, trades);
	g_assert_nonnull(strstr(log, "trade already recorded"));
}

/* ---- item 7: the mode --------------------------------------------------- */

static void
test_mode(Fixture *fx, gconstpointer user_data)
{
	g_autofree char *db = fx_path(fx, "mode.db");
	g_autofree char *config = cfg_write(fx, "m1", "BTCUSDT", "5m", fx->data, 0, NULL);
	g_autofree char *log = NULL;
	g_autofree char *out = NULL, *err = NULL;

	cw_test_bots_add(db, config);
	cw_test_db_exec(db, "INSERT INTO bot_state (bot_id, key, value, updated_at) VALUES (1, "
			    "'mode', 'weird', 0)");
	g_assert_cmpint(serve_run(fx, db, &log), ==, 0);
	g_assert_nonnull(strstr(log, "mode unreadable, bot halted: bot_state row (bot 1, key "
				     "'mode'): 'weird' is not a mode"));
	/* halted from the first candle: not one entry */
	g_assert_cmpint(cw_test_db_int(db, "SELECT count(*) FROM orders", -1), ==, 0);
	g_assert_cmpint(cw_test_db_int(db, "SELECT count(*) FROM trading_trades", -1), ==, 0);
	{
		g_autofree char *mode =
		    cw_test_db_text(db, "SELECT value FROM bot_state WHERE key = 'effective_mode'");
		g_assert_cmpstr(mode, ==, "halted");
	}
	/* the operator sees it too */
	g_assert_cmpint(cw_test_run(&out, &err, "bots", "list", "--db", db, NULL), ==, 0);
	g_assert_nonnull(strstr(out, "halted"));
	g_assert_nonnull(strstr(err, "'weird' is not a mode"));
}

/* ---- item 8: the kill switch and a damaged file ------------------------- */

/* A KILL_SWITCH event whose payload cannot be read means halted. */
static void
test_kill_switch_unreadable(Fixture *fx, gconstpointer user_data)
{
	g_autofree char *db = fx_path(fx, "ks.db");
	g_autofree char *config = cfg_write(fx, "k1", "BTCUSDT", "5m", fx->data, 0, NULL);
	g_autofree char *log = NULL;
	g_autofree char *out = NULL, *err = NULL;

	cw_test_bots_add(db, config);
	cw_test_db_exec(db, "INSERT INTO events (time, bot_id, type, payload) VALUES (1, NULL, "
			    "'KILL_SWITCH', '{\"halted\": \"maybe\"}')");
	g_assert_cmpint(serve_run(fx, db, &log), ==, 0);
	g_assert_nonnull(strstr(log, "kill switch unreadable, every bot halted"));
	g_assert_null(strstr(log, "kept off"));
	g_assert_cmpint(cw_test_db_int(db, "SELECT count(*) FROM orders", -1), ==, 0);
	/* bots list says so too */
	g_assert_cmpint(cw_test_run(&out, &err, "bots", "list", "--db", db, NULL), ==, 0);
	g_assert_nonnull(strstr(out, "kill switch UNREADABLE: every bot is halted"));
	g_assert_nonnull(strstr(err, "payload.halted: expected true or false"));
}

/* Overwrites, in place, every page from first (1-based) to the end of the
 * file that holds needle (or every page when needle is NULL). */
static guint
corrupt_pages(const char *path, guint first, const char *needle)
{
	g_autofree char *contents = NULL;
	gsize length = 0;
	guint n = 0;
	char junk[4096];
	int fd;

	memset(junk, 0xa5, sizeof junk);
	g_assert_true(g_file_get_contents(path, &contents, &length, NULL));
	g_assert_cmpuint(length % sizeof junk, ==, 0);
	fd = open(path, O_WRONLY);
	g_assert_cmpint(fd, >=, 0);
	for (gsize p = first - 1; p < length / sizeof junk; p++) {
		if (needle != NULL &&
		    memmem(contents + p * sizeof junk, sizeof junk, needle, strlen(needle)) == NULL)
			continue;
		g_assert_cmpint(pwrite(fd, junk, sizeof junk, (off_t) (p * sizeof junk)), ==,
				(gssize) sizeof junk);
		n++;
	}
	g_assert_cmpint(close(fd), ==, 0);
	return n;
}

/* The scenario: halt-all, then a page of the file goes bad. serve
 * refuses to start and places no order; bots list says so too. */
static void
test_malformed_at_start(Fixture *fx, gconstpointer user_data)
{
	g_autofree char *db = fx_path(fx, "bad.db");
	g_autofree char *config = cfg_write(fx, "c1", "BTCUSDT", "5m", fx->data, 0, NULL);
	g_autofree char *log = NULL;
	g_autofree char *out = NULL, *err = NULL;
	int status;

	cw_test_bots_add(db, config);
	g_assert_cmpint(cw_test_run(NULL, NULL, "halt-all", "--db", db, NULL), ==, 0);
	cw_test_db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	g_assert_cmpuint(corrupt_pages(db, 2, "KILL_SWITCH"), >=, 1);

	status = serve_run(fx, db, &log);
	g_test_message("serve: %d: %s", status, log);
	g_assert_cmpint(status, !=, 0);
	g_assert_nonnull(strstr(log, "database is malformed: "));
	g_assert_null(strstr(log, "kept off"));
	g_assert_null(strstr(log, "[c1] running"));
	g_assert_cmpint(cw_test_db_int(db, "SELECT count(*) FROM orders", -1), ==, 0);

	cw_test_run(&out, &err, "bots", "list", "--db", db, NULL);
	g_assert_nonnull(strstr(err, "database is malformed: "));
}

/* At run time: the file goes bad under a trading service. The first
 * SQLITE_CORRUPT stops every bot with status error; none keeps trading. */
static void
test_malformed_at_run_time(Fixture *fx, gconstpointer user_data)
{
	g_autofree char *db = fx_path(fx, "run.db");
	g_autofree char *config = cfg_write(fx, "r1", "BTCUSDT", "5m", fx->data, 20000, NULL);
	g_autofree char *log = NULL;
	g_autoptr(GSubprocess) proc = NULL;
	CwTestDeadline d = cw_test_deadline(20000);

	cw_test_bots_add(db, config);
	proc = serve_spawn(fx, db, FALSE, &log);
	while (cw_test_db_int(db, "SELECT count(*) FROM orders", 0) < 1)
		g_assert_true(cw_test_deadline_wait(&d, 50));
	/* every page into the main file, then garbage over all but the header
	 * page; a write of the header page alone makes the service drop its
	 * page cache at its next transaction */
	cw_test_db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	g_assert_cmpuint(corrupt_pages(db, 2, NULL), >, 5);
	cw_test_db_exec(db, "PRAGMA user_version = 5");

	wait_log(log, "every bot stopped, no order is sent", 10000);
	wait_log(log, "[r1] error: database is malformed: ", 5000);
	g_subprocess_send_signal(proc, SIGTERM);
	serve_finish(proc, log, 10000);
	{
		g_autofree char *text = read_log(log);
		const char *after = strstr(text, "every bot stopped, no order is sent");
		/* and it is not started again on the damaged file */
		g_assert_nonnull(after);
		g_assert_null(strstr(after, "[r1] starting"));
		g_assert_null(strstr(after, "[r1] running"));
	}
}

/* ---- item 19: two replay feeds, a limit across bots --------------------- */

/* Bots on BTCUSDT 5m and ALTBTC 1m (the shared data) with max_positions_total:
 * what one bot may do depends on the others, so on the order in which the
 * two feeds' candles reach them. That order is close time (ties: the feed
 * key), so a run as fast as possible and two paced runs, whose timing
 * differs, give the same trades. */
static void
test_feeds_deterministic(Fixture *fx, gconstpointer user_data)
{
	static const double speeds[] = {0, 2e6, 2e6};
	const char *shared = g_getenv("CW_SHARED_DATA");
	g_autofree char *btc = g_build_filename(shared, "btcusdt-5m.csv", NULL);
	g_autofree char *alt = g_build_filename(shared, "altbtc-1m.csv", NULL);
	g_autofree char *base = fx_path(fx, "feeds.db");
	g_autofree char *first = NULL;

	if (!g_file_test(btc, G_FILE_TEST_EXISTS) || !g_file_test(alt, G_FILE_TEST_EXISTS)) {
		g_test_skip("no btcusdt-5m.csv / altbtc-1m.csv in CW_SHARED_DATA");
		return;
	}
	for (guint i = 0; i < 8; i++) {
		g_autofree char *name = g_strdup_printf("%s-%u", i % 2 ? "alt" : "btc", i);
		g_autofree char *config =
		    cfg_write(fx, name, i % 2 ? "ALTBTC" : "BTCUSDT", i % 2 ? "1m" : "5m",
			      i % 2 ? alt : btc, 0, "{\"max_positions_total\": 2}");
		cw_test_bots_add(base, config);
	}
	cw_test_db_exec(base, "PRAGMA wal_checkpoint(TRUNCATE)");
	for (guint r = 0; r < G_N_ELEMENTS(speeds); r++) {
		g_autofree char *name = g_strdup_printf("feeds-%u.db", r);
		g_autofree char *db = fx_path(fx, name);
		g_autofree char *log = NULL;
		g_autofree char *sql = NULL;
		g_autofree char *trades = NULL;
		g_autofree char *counts = NULL;

		copy_file(base, db);
		sql = g_strdup_printf(
		    "UPDATE trading_bots SET config = json_set(config, '$.feed.speed', %g)",
		    speeds[r]);
		cw_test_db_exec(db, sql);
		g_assert_cmpint(serve_run(fx, db, &log), ==, 0);
		counts = cw_test_db_dump(db, "SELECT bot_name, count(*) FROM trading_trades "
					     "GROUP BY bot_name ORDER BY bot_name");
		g_test_message("run %u (speed %g):\n%s", r, speeds[r], counts);
		g_assert_cmpint(
		    cw_test_db_int(db, "SELECT count(DISTINCT symbol) FROM trading_trades", -1), ==,
		    2);
		trades = cw_test_db_dump(db, TRADES_SQL);
		if (first == NULL) {
			first = g_steal_pointer(&trades);
			continue;
		}
		if (g_strcmp0(first, trades) != 0) {
			g_auto(GStrv) a = g_strsplit(first, "\n", -1);
			g_auto(GStrv) b = g_strsplit(trades, "\n", -1);
			guint i = 0;

			while (a[i] != NULL && b[i] != NULL && g_strcmp0(a[i], b[i]) == 0)
				i++;
			g_printerr("run %u differs from run 0 at trade %u:\n  %s\n  %s\n%s", r, i,
				   a[i] != NULL ? a[i] : "(none)", b[i] != NULL ? b[i] : "(none)",
				   counts);
			g_assert_not_reached();
		}
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, func) g_test_add(path, Fixture, NULL, fx_setup, func, fx_teardown)
	ADD("/e2e/failclosed/cursor", test_cursor);
	ADD("/e2e/failclosed/trading-state", test_trading_state);
	ADD("/e2e/failclosed/dormant-state", test_dormant_state);
	ADD("/e2e/failclosed/config-history", test_config_history);
	ADD("/e2e/failclosed/trade-unique", test_trade_unique);
	ADD("/e2e/failclosed/mode", test_mode);
	ADD("/e2e/failclosed/kill-switch-unreadable", test_kill_switch_unreadable);
	ADD("/e2e/failclosed/malformed-at-start", test_malformed_at_start);
	ADD("/e2e/failclosed/malformed-at-run-time", test_malformed_at_run_time);
	ADD("/e2e/failclosed/feeds-deterministic", test_feeds_deterministic);
#undef ADD
	return g_test_run();
}
