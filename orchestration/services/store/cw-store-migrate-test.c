/* CwStore: opening, connection settings and schema migrations, on real
 * SQLite files in a temporary directory. */
#include "cw-store-test-utils.h"

#define NO_STORE GINT_TO_POINTER(1)

static gboolean
table_has_column(sqlite3 *db, const char *table, const char *column)
{
	g_autofree char *sql = g_strdup_printf("SELECT count(*) FROM pragma_table_info('%s')"
					       " WHERE name = '%s'",
					       table, column);
	return cw_store_test_raw_int(db, sql) == 1;
}

static gboolean
schema_has(sqlite3 *db, const char *type, const char *name)
{
	g_autofree char *sql = g_strdup_printf(
	    "SELECT count(*) FROM sqlite_master WHERE type = '%s' AND name = '%s'", type, name);
	return cw_store_test_raw_int(db, sql) == 1;
}

/* The query's plan reads an index in the ORDER BY's order: no temporary
 * B-tree (a sort of every matching row on each page read). */
static void
assert_plan_sorts_nothing(sqlite3 *db, const char *query)
{
	g_autofree char *sql = g_strconcat("EXPLAIN QUERY PLAN ", query, NULL);
	sqlite3_stmt *stmt = NULL;
	guint steps = 0;

	g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
	for (; steps < 100 && sqlite3_step(stmt) == SQLITE_ROW; steps++) {
		const char *detail = (const char *) sqlite3_column_text(stmt, 3);

		g_test_message("plan: %s", detail);
		g_assert_null(strstr(detail, "TEMP B-TREE"));
	}
	g_assert_cmpuint(steps, >, 0);
	sqlite3_finalize(stmt);
}

static void
test_migrate_empty(CwStoreFixture *fx, gconstpointer user_data)
{
	static const char *tables[] = {
	    "backtest_runs", "trading_trades", "trading_performance_metrics",
	    "trading_bots",  "orders",         "trading_positions",
	    "events",        "bot_state"};
	g_autoptr(GError) error = NULL;
	g_autofree char *journal = NULL;
	sqlite3 *db;

	fx->store = cw_store_open(fx->path, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(cw_store_get_schema_version(fx->store), ==, CW_STORE_SCHEMA_VERSION);
	g_assert_cmpuint(CW_STORE_SCHEMA_VERSION, ==, 7);
	g_assert_cmpstr(cw_store_get_path(fx->store), ==, fx->path);
	g_assert_true(g_file_test(fx->path, G_FILE_TEST_EXISTS));

	db = cw_store_test_raw_open(fx->path);
	g_assert_cmpint(cw_store_test_raw_int(db, "PRAGMA user_version"), ==,
			CW_STORE_SCHEMA_VERSION);
	g_assert_true(schema_has(db, "index", "trading_trades_unique_live"));
	for (gsize i = 0; i < G_N_ELEMENTS(tables); i++)
		g_assert_true(schema_has(db, "table", tables[i]));
	g_assert_true(schema_has(db, "trigger", "trading_bots_touch"));
	g_assert_true(schema_has(db, "index", "events_bot_seq"));
	g_assert_true(schema_has(db, "index", "events_type"));
	g_assert_true(schema_has(db, "index", "trading_performance_metrics_live"));
	assert_plan_sorts_nothing(db, "SELECT id, time, equity FROM trading_performance_metrics"
				      " WHERE run_id IS NULL AND bot_name = 'a' AND id < 9"
				      " ORDER BY id DESC LIMIT 1000");
	g_assert_true(table_has_column(db, "trading_trades", "bot_id"));
	g_assert_true(table_has_column(db, "trading_performance_metrics", "bot_id"));
	/* WAL is a property of the file: a second connection sees it */
	journal = cw_store_test_raw_text(db, "PRAGMA journal_mode");
	g_assert_cmpstr(journal, ==, "wal");
	sqlite3_close(db);
}

static void
test_migrate_settings(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	CwPosition position = {.direction = CW_DIRECTION_LONG, .qty = 1, .entry_price = 100};
	guint timeout = 0;

	/* foreign keys are per connection: check that the store enforces them */
	g_assert_false(cw_store_position_save(fx->store, 4242, "s1", &position, NULL, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT);
	g_assert_nonnull(strstr(error->message, "FOREIGN KEY"));
	g_clear_error(&error);

	g_assert_cmpuint(cw_store_get_busy_timeout(fx->store), ==, 5000);
	cw_store_set_busy_timeout(fx->store, 250);
	g_object_get(fx->store, "busy-timeout", &timeout, NULL);
	g_assert_cmpuint(timeout, ==, 250);
	g_object_set(fx->store, "busy-timeout", 1000, NULL);
	g_assert_cmpuint(cw_store_get_busy_timeout(fx->store), ==, 1000);
}

/* The busy timeout makes a writer wait for, then fail on, another
 * connection's write lock instead of failing at once. */
static void
test_migrate_busy(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	gint64 start;
	gint64 elapsed;
	sqlite3 *db = cw_store_test_raw_open(fx->path);

	cw_store_test_raw_exec(db, "BEGIN IMMEDIATE");
	cw_store_set_busy_timeout(fx->store, 200);
	start = g_get_monotonic_time();
	g_assert_cmpint(cw_store_bot_add(fx->store, "a", "{}", TRUE, &error), ==, -1);
	elapsed = g_get_monotonic_time() - start;
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_QUERY);
	g_assert_nonnull(strstr(error->message, "adding bot 'a'"));
	g_assert_nonnull(strstr(error->message, "locked"));
	g_assert_cmpint(elapsed, >=, 150 * 1000);
	g_clear_error(&error);
	cw_store_test_raw_exec(db, "ROLLBACK");
	g_assert_cmpint(cw_store_bot_add(fx->store, "a", "{}", TRUE, &error), >, 0);
	g_assert_no_error(error);
	sqlite3_close(db);
}

static void
test_migrate_from_v1(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) trades = NULL;
	CwTrade trade = {
	    .strategy_id = g_quark_from_string("ema-cross"),
	    .symbol = g_quark_from_string("BTCUSDT"),
	    .direction = CW_DIRECTION_SHORT,
	    .entry_time = 1000,
	    .exit_time = 2000,
	    .entry_price = 50000,
	    .exit_price = 49000,
	    .qty = 0.5,
	    .fees = 1.25,
	    .gross_pnl = 500,
	    .net_pnl = 498.75,
	    .exit_reason = CW_ORDER_PURPOSE_TAKE_PROFIT,
	    .seq = 7,
	};
	CwStoreMetrics metrics = {
	    .run_id = "run-1", .bot_name = "old", .time = 3000, .equity = 10500};
	CwStoreTrade *got;
	sqlite3 *db;

	fx->store = cw_store_open_at_version(fx->path, 1, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(cw_store_get_schema_version(fx->store), ==, 1);
	g_assert_true(cw_store_begin_run(fx->store, "run-1", "file.csv", "{\"a\":1}", &error));
	g_assert_no_error(error);
	g_assert_cmpint(cw_store_insert_trade(fx->store, "run-1", "old", NULL, &trade, &error), ==,
			1);
	g_assert_no_error(error);
	g_assert_cmpint(cw_store_insert_metrics(fx->store, &metrics, &error), ==, 1);
	g_assert_no_error(error);
	g_assert_true(cw_store_finish_run(fx->store, "run-1", 500, "{\"trades\":1}", &error));
	g_assert_no_error(error);
	/* a v1 file has no bots */
	g_assert_cmpint(cw_store_bot_add(fx->store, "x", "{}", TRUE, &error), ==, -1);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_QUERY);
	g_assert_nonnull(strstr(error->message, "no such table: trading_bots"));
	g_clear_error(&error);
	g_clear_object(&fx->store);

	db = cw_store_test_raw_open(fx->path);
	g_assert_cmpint(cw_store_test_raw_int(db, "PRAGMA user_version"), ==, 1);
	g_assert_false(schema_has(db, "table", "trading_bots"));
	g_assert_false(table_has_column(db, "trading_trades", "bot_id"));

	/* v1 -> latest keeps every v1 row */
	fx->store = cw_store_open(fx->path, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(cw_store_get_schema_version(fx->store), ==, CW_STORE_SCHEMA_VERSION);
	g_assert_cmpint(cw_store_test_raw_int(db, "PRAGMA user_version"), ==,
			CW_STORE_SCHEMA_VERSION);
	g_assert_true(table_has_column(db, "trading_trades", "bot_id"));
	g_assert_cmpint(cw_store_count_trades(fx->store, "run-1", "old", &error), ==, 1);
	trades = cw_store_trades_list(fx->store, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(trades->len, ==, 1);
	got = g_ptr_array_index(trades, 0);
	g_assert_cmpint(got->bot_id, ==, 0);
	g_assert_cmpstr(got->run_id, ==, "run-1");
	g_assert_cmpfloat(got->trade.net_pnl, ==, 498.75);
	g_assert_cmpint(got->trade.exit_reason, ==, CW_ORDER_PURPOSE_TAKE_PROFIT);
	g_assert_cmpint(cw_store_test_raw_int(db, "SELECT candles FROM backtest_runs"), ==, 500);
	g_assert_cmpint(cw_store_test_raw_int(
			    db,
			    "SELECT count(*) FROM trading_performance_metrics WHERE equity = 10500"
			    " AND bot_id IS NULL"),
			==, 1);
	sqlite3_close(db);

	/* and v2 works on the migrated file */
	g_assert_cmpint(cw_store_bot_add(fx->store, "old", "{}", TRUE, &error), >, 0);
	g_assert_no_error(error);
}

/* A v1 file written by hand, as an older candlewick left it: the test does
 * not trust the migration code to say what v1 was. */
static void
test_migrate_from_handwritten_v1(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	sqlite3 *db = NULL;

	g_assert_cmpint(sqlite3_open(fx->path, &db), ==, SQLITE_OK);
	cw_store_test_raw_exec(
	    db,
	    "CREATE TABLE backtest_runs (run_id TEXT PRIMARY KEY NOT NULL, started_at INTEGER"
	    " NOT NULL, finished_at INTEGER, data_source TEXT, candles INTEGER, config_json"
	    " TEXT, report_json TEXT);"
	    "CREATE TABLE trading_trades (id INTEGER PRIMARY KEY, run_id TEXT, bot_name TEXT NOT"
	    " NULL, strategy_id TEXT NOT NULL, symbol TEXT, direction TEXT NOT NULL, entry_time"
	    " INTEGER NOT NULL, exit_time INTEGER NOT NULL, entry_price REAL NOT NULL,"
	    " exit_price REAL NOT NULL, qty REAL NOT NULL, fees REAL NOT NULL DEFAULT 0,"
	    " gross_pnl REAL NOT NULL, net_pnl REAL NOT NULL, exit_reason TEXT, seq INTEGER,"
	    " created_at INTEGER NOT NULL);"
	    "CREATE TABLE trading_performance_metrics (id INTEGER PRIMARY KEY, run_id TEXT,"
	    " bot_name TEXT NOT NULL, strategy_id TEXT, time INTEGER NOT NULL, equity REAL,"
	    " balance REAL, realized_pnl REAL, unrealized_pnl REAL, trades INTEGER, wins INTEGER,"
	    " win_rate REAL, max_drawdown REAL, max_drawdown_pct REAL, extra_json TEXT);"
	    "INSERT INTO trading_trades (run_id, bot_name, strategy_id, symbol, direction,"
	    " entry_time, exit_time, entry_price, exit_price, qty, gross_pnl, net_pnl,"
	    " exit_reason, created_at) VALUES ('r', 'b', 's', 'ETHUSDT', 'long', 1, 2, 10, 11,"
	    " 3, 3, 2.5, 'signal_exit', 5);"
	    "PRAGMA user_version = 1;");
	sqlite3_close(db);

	fx->store = cw_store_open(fx->path, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(cw_store_get_schema_version(fx->store), ==, CW_STORE_SCHEMA_VERSION);
	g_assert_cmpint(cw_store_count_trades(fx->store, "r", "b", &error), ==, 1);
	g_assert_no_error(error);
}

static void
test_migrate_reopen(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_auto(CwStoreBot) bot = {0};
	gint64 id;

	id = cw_store_bot_add(fx->store, "keep", "{\"k\":1}", FALSE, &error);
	g_assert_no_error(error);
	for (int i = 0; i < 3; i++) {
		g_clear_object(&fx->store);
		fx->store = cw_store_open(fx->path, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(cw_store_get_schema_version(fx->store), ==,
				 CW_STORE_SCHEMA_VERSION);
	}
	g_assert_true(cw_store_bot_get(fx->store, "keep", &bot, &error));
	g_assert_no_error(error);
	g_assert_cmpint(bot.id, ==, id);
	g_assert_cmpstr(bot.config, ==, "{\"k\":1}");
	g_assert_false(bot.enabled);
}

static void
test_migrate_future(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwStore) store = NULL;
	sqlite3 *db;

	g_clear_object(&fx->store);
	db = cw_store_test_raw_open(fx->path);
	cw_store_test_raw_exec(db, "PRAGMA user_version = 99");

	store = cw_store_open(fx->path, &error);
	g_assert_null(store);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_MIGRATE);
	g_assert_nonnull(strstr(error->message, fx->path));
	g_assert_nonnull(strstr(error->message, "schema version 99"));
	{
		g_autofree char *current =
		    g_strdup_printf("version %u", (guint) CW_STORE_SCHEMA_VERSION);
		g_assert_nonnull(strstr(error->message, current));
	}
	g_clear_error(&error);
	/* refused, not touched */
	g_assert_cmpint(cw_store_test_raw_int(db, "PRAGMA user_version"), ==, 99);
	sqlite3_close(db);
}

static void
test_migrate_older_request(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwStore) store = NULL;

	store = cw_store_open_at_version(fx->path, 1, &error);
	g_assert_null(store);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_MIGRATE);
	g_clear_error(&error);
	store = cw_store_open_at_version(fx->path, CW_STORE_SCHEMA_VERSION + 1, &error);
	g_assert_null(store);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_MIGRATE);
}

/* A step that fails rolls back completely: the file stays at v1. */
static void
test_migrate_failed_step(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwStore) store = NULL;
	sqlite3 *db;

	fx->store = cw_store_open_at_version(fx->path, 1, &error);
	g_assert_no_error(error);
	g_clear_object(&fx->store);
	db = cw_store_test_raw_open(fx->path);
	cw_store_test_raw_exec(db, "CREATE TABLE events (x INTEGER)");

	store = cw_store_open(fx->path, &error);
	g_assert_null(store);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_MIGRATE);
	g_assert_nonnull(strstr(error->message, "from version 1 to 2"));
	g_assert_nonnull(strstr(error->message, "events already exists"));
	g_assert_cmpint(cw_store_test_raw_int(db, "PRAGMA user_version"), ==, 1);
	g_assert_false(schema_has(db, "table", "trading_bots"));
	g_assert_false(table_has_column(db, "trading_trades", "bot_id"));
	sqlite3_close(db);
}

static void
test_migrate_not_a_database(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwStore) store = NULL;
	g_autofree char *bad = g_build_filename(fx->dir, "missing", "x.db", NULL);
	char junk[4096];

	memset(junk, 'x', sizeof(junk));
	g_assert_true(g_file_set_contents(fx->path, junk, sizeof(junk), &error));
	store = cw_store_open(fx->path, &error);
	g_assert_null(store);
	g_assert_nonnull(error);
	g_assert_true(error->domain == CW_STORE_ERROR);
	g_assert_nonnull(strstr(error->message, "not a database"));
	g_assert_nonnull(strstr(error->message, fx->path));
	g_clear_error(&error);

	store = cw_store_open(bad, &error);
	g_assert_null(store);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_OPEN);
}

/* v2 -> v3: live trades recorded twice by an older candlewick (a replay
 * from a bad cursor) are reduced to the first row of each; backtest rows
 * and rows without a seq are left alone; afterwards a duplicate is refused. */
static void
test_migrate_v3_duplicates(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	CwTrade trade = {
	    .strategy_id = g_quark_from_string("dup:s"),
	    .symbol = g_quark_from_string("BTCUSDT"),
	    .direction = CW_DIRECTION_LONG,
	    .entry_time = 1000,
	    .exit_time = 2000,
	    .entry_price = 10,
	    .exit_price = 11,
	    .qty = 1,
	    .gross_pnl = 1,
	    .net_pnl = 1,
	    .exit_reason = CW_ORDER_PURPOSE_TAKE_PROFIT,
	    .seq = 1,
	};
	sqlite3 *db;
	gint64 bot;

	fx->store = cw_store_open_at_version(fx->path, 2, &error);
	g_assert_no_error(error);
	bot = cw_store_bot_add(fx->store, "dup", "{}", TRUE, &error);
	g_assert_no_error(error);
	/* what v2 allowed: the same trade three times, a second trade twice */
	for (int i = 0; i < 3; i++)
		g_assert_cmpint(cw_store_insert_trade(fx->store, NULL, "dup", NULL, &trade, &error),
				>, 0);
	trade.seq = 2;
	trade.entry_time = 3000;
	for (int i = 0; i < 2; i++)
		g_assert_cmpint(cw_store_insert_trade(fx->store, NULL, "dup", NULL, &trade, &error),
				>, 0);
	/* a backtest of the same bot twice in one run, and old rows without seq */
	for (int i = 0; i < 2; i++)
		g_assert_cmpint(
		    cw_store_insert_trade(fx->store, "run", "dup", NULL, &trade, &error), >, 0);
	g_assert_no_error(error);
	g_clear_object(&fx->store);
	db = cw_store_test_raw_open(fx->path);
	cw_store_test_raw_exec(db,
			       "INSERT INTO trading_trades (bot_name, strategy_id, direction,"
			       " entry_time, exit_time, entry_price, exit_price, qty, gross_pnl,"
			       " net_pnl, created_at, bot_id) VALUES"
			       " ('dup', 'dup:s', 'long', 5, 6, 1, 1, 1, 0, 0, 0, 1),"
			       " ('dup', 'dup:s', 'long', 5, 6, 1, 1, 1, 0, 0, 0, 1)");
	g_assert_cmpint(cw_store_test_raw_int(db, "SELECT count(*) FROM trading_trades"), ==, 9);

	fx->store = cw_store_open(fx->path, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(cw_store_get_schema_version(fx->store), ==, CW_STORE_SCHEMA_VERSION);
	/* the first row of each live trade stays */
	g_assert_cmpint(cw_store_test_raw_int(db, "SELECT count(*) FROM trading_trades WHERE"
						  " run_id IS NULL AND seq IS NOT NULL"),
			==, 2);
	{
		g_autofree char *ids = cw_store_test_raw_text(
		    db, "SELECT group_concat(id, ',') FROM (SELECT id FROM trading_trades WHERE"
			" run_id IS NULL AND seq IS NOT NULL ORDER BY id)");
		g_assert_cmpstr(ids, ==, "1,4");
	}
	g_assert_cmpint(
	    cw_store_test_raw_int(db, "SELECT count(*) FROM trading_trades WHERE run_id = 'run'"),
	    ==, 2);
	g_assert_cmpint(
	    cw_store_test_raw_int(db, "SELECT count(*) FROM trading_trades WHERE seq IS NULL"), ==,
	    2);

	/* from now on the same live trade is refused, and no row is added */
	g_assert_cmpint(cw_store_insert_trade(fx->store, NULL, "dup", NULL, &trade, &error), ==,
			-1);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT);
	g_assert_nonnull(strstr(error->message, "trade already recorded"));
	g_assert_nonnull(strstr(error->message, "seq 2"));
	g_clear_error(&error);
	g_assert_cmpint(cw_store_count_trades(fx->store, NULL, "dup", &error), ==, 6);
	/* another seq, or a backtest row, is still a new trade */
	trade.seq = 3;
	g_assert_cmpint(cw_store_insert_trade(fx->store, NULL, "dup", NULL, &trade, &error), >, 0);
	g_assert_cmpint(cw_store_insert_trade(fx->store, "run", "dup", NULL, &trade, &error), >, 0);
	g_assert_no_error(error);
	g_assert_cmpint(bot, ==, 1);
	sqlite3_close(db);
}

/* ":memory:" works too (no WAL there), for callers that want a scratch store */
static void
test_migrate_memory(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwStore) store = cw_store_open(":memory:", &error);

	g_assert_no_error(error);
	g_assert_cmpuint(cw_store_get_schema_version(store), ==, CW_STORE_SCHEMA_VERSION);
	g_assert_cmpint(cw_store_bot_add(store, "m", "{}", TRUE, &error), ==, 1);
	g_assert_no_error(error);
}

/* v6: the journal of an upgraded file counts as routed (the routing
 * cursor starts at its last seq); a new file starts at 0. */
static void
test_migrate_v6_cursor(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	const char *cursor = "SELECT routed_seq FROM outbox_cursor WHERE id = 1";
	sqlite3 *db;

	fx->store = cw_store_open_at_version(fx->path, 5, &error);
	g_assert_no_error(error);
	for (int i = 0; i < 3; i++)
		g_assert_cmpint(
		    cw_store_event_append(fx->store, 0, NULL, "HEALTH_WARNING", 1, NULL, &error),
		    ==, i + 1);
	g_clear_object(&fx->store);
	fx->store = cw_store_open(fx->path, &error);
	g_assert_no_error(error);
	db = cw_store_test_raw_open(fx->path);
	g_assert_cmpint(cw_store_test_raw_int(db, cursor), ==, 3);
	g_assert_cmpint(
	    cw_store_event_append(fx->store, 0, NULL, "HEALTH_WARNING", 1, NULL, &error), ==, 4);
	/* no router attached: the new event is left for serve */
	g_assert_cmpint(cw_store_test_raw_int(db, cursor), ==, 3);
	sqlite3_close(db);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

#define ADD(name, func, data)                                                                      \
	g_test_add("/services/store/migrate/" name, CwStoreFixture, data, cw_store_fixture_setup,  \
		   func, cw_store_fixture_teardown)
	ADD("empty", test_migrate_empty, NO_STORE);
	ADD("settings", test_migrate_settings, NULL);
	ADD("busy-timeout", test_migrate_busy, NULL);
	ADD("from-v1", test_migrate_from_v1, NO_STORE);
	ADD("from-handwritten-v1", test_migrate_from_handwritten_v1, NO_STORE);
	ADD("reopen", test_migrate_reopen, NULL);
	ADD("future-version", test_migrate_future, NULL);
	ADD("older-request", test_migrate_older_request, NULL);
	ADD("failed-step", test_migrate_failed_step, NO_STORE);
	ADD("not-a-database", test_migrate_not_a_database, NO_STORE);
	ADD("v3-duplicates", test_migrate_v3_duplicates, NO_STORE);
	ADD("v6-cursor", test_migrate_v6_cursor, NO_STORE);
#undef ADD
	g_test_add_func("/services/store/migrate/memory", test_migrate_memory);
	return g_test_run();
}
