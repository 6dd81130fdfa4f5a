/* CwStore: round trips of every table's functions, transactions, rows
 * written by other programs, hot-reload signals and corrupt rows, on real
 * SQLite files in a temporary directory. */
#define _GNU_SOURCE
#include "cw-store-test-utils.h"

#include <math.h>

static CwTrade
make_trade(double net_pnl, guint64 seq)
{
	CwTrade trade = {
	    .strategy_id = g_quark_from_string("trend"),
	    .symbol = g_quark_from_string("BTCUSDT"),
	    .direction = CW_DIRECTION_LONG,
	    .entry_time = 1700000000000,
	    .exit_time = 1700000300000,
	    .entry_price = 35000.5,
	    .exit_price = 35100.25,
	    .qty = 0.01,
	    .fees = 0.7,
	    .gross_pnl = 0.9975,
	    .net_pnl = net_pnl,
	    .exit_reason = CW_ORDER_PURPOSE_TRAILING_STOP,
	    .seq = seq,
	};
	return trade;
}

static CwOrder
make_order(const char *client_id, CwOrderStatus status)
{
	CwOrder order = {
	    .strategy_id = g_quark_from_string("trend"),
	    .symbol = g_quark_from_string("ETHUSDT"),
	    .side = CW_SIDE_SELL,
	    .type = CW_ORDER_TYPE_STOP,
	    .status = status,
	    .purpose = CW_ORDER_PURPOSE_STOP_LOSS,
	    .reduce_only = TRUE,
	    .qty = 2.5,
	    .price = 0,
	    .stop_price = 1800.5,
	    .created_at = 1700000000123,
	    .updated_at = 1700000000123,
	    .seq = 3,
	};
	g_strlcpy(order.client_order_id, client_id, sizeof(order.client_order_id));
	return order;
}

/* ---- backtest runs, trades, metrics ---- */

static void
test_store_runs(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) trades = NULL;
	CwTrade trade = make_trade(0.2975, 1);
	CwStoreMetrics metrics = {
	    .run_id = "run-a",
	    .bot_name = "alpha",
	    .strategy_id = "trend",
	    .time = 1700000300000,
	    .equity = 10000.3,
	    .balance = 10000.3,
	    .realized_pnl = 0.3,
	    .unrealized_pnl = 0,
	    .trades = 1,
	    .wins = 1,
	    .win_rate = 1.0,
	    .max_drawdown = 12.5,
	    .max_drawdown_pct = 0.125,
	    .extra_json = "{\"sharpe\":1.5}",
	};
	CwStoreTrade *got;
	gint64 before = g_get_real_time() / 1000;
	gint64 bot_id;
	sqlite3 *db;

	g_assert_true(
	    cw_store_begin_run(fx->store, "run-a", "btcusdt-5m.csv", "{\"x\":1}", &error));
	g_assert_no_error(error);
	g_assert_false(cw_store_begin_run(fx->store, "run-a", NULL, NULL, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT);
	g_assert_nonnull(strstr(error->message, "starting backtest run 'run-a'"));
	g_assert_nonnull(strstr(error->message, "UNIQUE"));
	g_clear_error(&error);

	g_assert_cmpint(cw_store_insert_trade(fx->store, "run-a", "alpha", NULL, &trade, &error),
			==, 1);
	g_assert_no_error(error);
	trade = make_trade(-1.5, 2);
	trade.direction = CW_DIRECTION_SHORT;
	trade.exit_reason = CW_ORDER_PURPOSE_END_OF_DATA;
	g_assert_cmpint(
	    cw_store_insert_trade(fx->store, "run-a", "alpha", "override", &trade, &error), ==, 2);
	g_assert_no_error(error);
	g_assert_cmpint(cw_store_insert_trade(fx->store, "run-b", "beta", NULL, &trade, &error), ==,
			3);
	/* a live trade of a bot that exists gets its id */
	bot_id = cw_store_bot_add(fx->store, "live", "{}", TRUE, &error);
	g_assert_no_error(error);
	g_assert_cmpint(cw_store_insert_trade(fx->store, NULL, "live", NULL, &trade, &error), ==,
			4);
	g_assert_no_error(error);
	trade.strategy_id = 0;
	g_assert_cmpint(cw_store_insert_trade(fx->store, NULL, "live", NULL, &trade, &error), ==,
			-1);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT);
	g_clear_error(&error);

	/* SQLite stores NaN as NULL: a NaN P&L is refused, not stored as 0 */
	trade.strategy_id = g_quark_from_string("trend");
	trade.net_pnl = NAN;
	g_assert_cmpint(cw_store_insert_trade(fx->store, "run-a", "alpha", NULL, &trade, &error),
			==, -1);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT);
	g_assert_nonnull(strstr(error->message, "storing a trade"));
	g_assert_nonnull(strstr(error->message, "trading_trades.net_pnl"));
	g_clear_error(&error);

	g_assert_cmpint(cw_store_count_trades(fx->store, "run-a", NULL, &error), ==, 2);
	g_assert_cmpint(cw_store_count_trades(fx->store, "run-a", "alpha", &error), ==, 2);
	g_assert_cmpint(cw_store_count_trades(fx->store, "run-a", "beta", &error), ==, 0);
	g_assert_cmpint(cw_store_count_trades(fx->store, NULL, "beta", &error), ==, 1);
	g_assert_cmpint(cw_store_count_trades(fx->store, NULL, NULL, &error), ==, 4);
	g_assert_no_error(error);

	trades = cw_store_trades_list(fx->store, "run-a", NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(trades->len, ==, 2);
	got = g_ptr_array_index(trades, 0);
	g_assert_cmpint(got->id, ==, 1);
	g_assert_cmpstr(got->run_id, ==, "run-a");
	g_assert_cmpstr(got->bot_name, ==, "alpha");
	g_assert_cmpint(got->bot_id, ==, 0);
	g_assert_cmpint(got->created_at, >=, before);
	g_assert_cmpstr(g_quark_to_string(got->trade.strategy_id), ==, "trend");
	g_assert_cmpstr(g_quark_to_string(got->trade.symbol), ==, "BTCUSDT");
	g_assert_cmpint(got->trade.direction, ==, CW_DIRECTION_LONG);
	g_assert_cmpint(got->trade.entry_time, ==, 1700000000000);
	g_assert_cmpint(got->trade.exit_time, ==, 1700000300000);
	g_assert_cmpfloat(got->trade.entry_price, ==, 35000.5);
	g_assert_cmpfloat(got->trade.exit_price, ==, 35100.25);
	g_assert_cmpfloat(got->trade.qty, ==, 0.01);
	g_assert_cmpfloat(got->trade.fees, ==, 0.7);
	g_assert_cmpfloat(got->trade.gross_pnl, ==, 0.9975);
	g_assert_cmpfloat(got->trade.net_pnl, ==, 0.2975);
	g_assert_cmpint(got->trade.exit_reason, ==, CW_ORDER_PURPOSE_TRAILING_STOP);
	g_assert_cmpuint(got->trade.seq, ==, 1);
	got = g_ptr_array_index(trades, 1);
	g_assert_cmpstr(g_quark_to_string(got->trade.strategy_id), ==, "override");
	g_assert_cmpint(got->trade.direction, ==, CW_DIRECTION_SHORT);
	g_assert_cmpint(got->trade.exit_reason, ==, CW_ORDER_PURPOSE_END_OF_DATA);
	g_clear_pointer(&trades, g_ptr_array_unref);
	trades = cw_store_trades_list(fx->store, NULL, "live", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(trades->len, ==, 1);
	got = g_ptr_array_index(trades, 0);
	g_assert_null(got->run_id);
	g_assert_cmpint(got->bot_id, ==, bot_id);

	g_assert_cmpint(cw_store_insert_metrics(fx->store, &metrics, &error), ==, 1);
	g_assert_no_error(error);
	metrics.bot_name = "live";
	metrics.run_id = NULL;
	metrics.extra_json = NULL;
	g_assert_cmpint(cw_store_insert_metrics(fx->store, &metrics, &error), ==, 2);
	metrics.bot_name = NULL;
	g_assert_cmpint(cw_store_insert_metrics(fx->store, &metrics, &error), ==, -1);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT);
	g_clear_error(&error);

	g_assert_true(cw_store_finish_run(fx->store, "run-a", 8640, "{\"net\":-1.2}", &error));
	g_assert_no_error(error);
	g_assert_false(cw_store_finish_run(fx->store, "nope", 1, NULL, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);

	db = cw_store_test_raw_open(fx->path);
	g_assert_cmpint(
	    cw_store_test_raw_int(db, "SELECT count(*) FROM trading_performance_metrics WHERE"
				      " run_id = 'run-a' AND bot_name = 'alpha' AND strategy_id ="
				      " 'trend' AND time = 1700000300000 AND equity = 10000.3 AND"
				      " balance = 10000.3 AND realized_pnl = 0.3 AND unrealized_pnl"
				      " = 0 AND trades = 1 AND wins = 1 AND win_rate = 1.0 AND"
				      " max_drawdown = 12.5 AND max_drawdown_pct = 0.125 AND"
				      " extra_json = '{\"sharpe\":1.5}' AND bot_id IS NULL"),
	    ==, 1);
	{
		g_autofree char *sql = g_strdup_printf(
		    "SELECT count(*) FROM trading_performance_metrics WHERE id = 2 AND bot_id = "
		    "%" G_GINT64_FORMAT " AND run_id IS NULL AND extra_json IS NULL",
		    bot_id);
		g_assert_cmpint(cw_store_test_raw_int(db, sql), ==, 1);
	}
	g_assert_cmpint(
	    cw_store_test_raw_int(db, "SELECT count(*) FROM backtest_runs WHERE run_id = 'run-a'"
				      " AND data_source = 'btcusdt-5m.csv' AND config_json ="
				      " '{\"x\":1}' AND candles = 8640 AND report_json ="
				      " '{\"net\":-1.2}' AND finished_at >= started_at"),
	    ==, 1);
	sqlite3_close(db);
}

/* ---- transactions ---- */

static void
test_store_transactions(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	CwTrade trade = make_trade(1, 1);

	g_assert_false(cw_store_in_transaction(fx->store));
	g_assert_true(cw_store_begin(fx->store, &error));
	g_assert_no_error(error);
	g_assert_true(cw_store_in_transaction(fx->store));
	g_assert_false(cw_store_begin(fx->store, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_QUERY);
	g_clear_error(&error);
	for (int i = 0; i < 10; i++)
		g_assert_cmpint(cw_store_insert_trade(fx->store, "r", "b", NULL, &trade, &error), >,
				0);
	g_assert_cmpint(cw_store_count_trades(fx->store, NULL, NULL, &error), ==, 10);
	g_assert_true(cw_store_rollback(fx->store, &error));
	g_assert_no_error(error);
	g_assert_false(cw_store_in_transaction(fx->store));
	g_assert_cmpint(cw_store_count_trades(fx->store, NULL, NULL, &error), ==, 0);

	g_assert_true(cw_store_begin(fx->store, &error));
	for (int i = 0; i < 10; i++)
		g_assert_cmpint(cw_store_insert_trade(fx->store, "r", "b", NULL, &trade, &error), >,
				0);
	g_assert_true(cw_store_commit(fx->store, &error));
	g_assert_no_error(error);
	g_assert_cmpint(cw_store_count_trades(fx->store, "r", NULL, &error), ==, 10);

	g_assert_false(cw_store_commit(fx->store, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_QUERY);
	g_assert_nonnull(strstr(error->message, "committing"));
}

/* ---- bots ---- */

static void
test_store_bots(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) bots = NULL;
	g_auto(CwStoreBot) bot = {0};
	gint64 a, b;
	gint64 updated;
	CwStoreBot *item;

	a = cw_store_bot_add(fx->store, "alpha", "{\"strategy\":\"trend\"}", TRUE, &error);
	g_assert_no_error(error);
	g_assert_cmpint(a, >, 0);
	b = cw_store_bot_add(fx->store, "beta", "{}", FALSE, &error);
	g_assert_no_error(error);
	g_assert_cmpint(b, >, a);

	g_assert_cmpint(cw_store_bot_add(fx->store, "alpha", "{}", TRUE, &error), ==, -1);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT);
	g_assert_cmpstr(error->message, ==, "a bot named 'alpha' already exists");
	g_clear_error(&error);
	g_assert_cmpint(cw_store_bot_add(fx->store, "", "{}", TRUE, &error), ==, -1);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT);
	g_clear_error(&error);
	g_assert_cmpint(cw_store_bot_add(fx->store, "gamma", NULL, TRUE, &error), ==, -1);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT);
	g_clear_error(&error);

	g_assert_true(cw_store_bot_get(fx->store, "alpha", &bot, &error));
	g_assert_no_error(error);
	g_assert_cmpint(bot.id, ==, a);
	g_assert_cmpstr(bot.name, ==, "alpha");
	g_assert_cmpstr(bot.config, ==, "{\"strategy\":\"trend\"}");
	g_assert_true(bot.enabled);
	g_assert_cmpstr(bot.status, ==, "stopped");
	g_assert_cmpint(bot.started_at, ==, 0);
	g_assert_cmpint(bot.error_count, ==, 0);
	g_assert_null(bot.last_error);
	g_assert_null(bot.corrupt);
	g_assert_cmpint(bot.updated_at, >, 1600000000000);
	updated = bot.updated_at;
	cw_store_bot_clear(&bot);

	g_assert_false(cw_store_bot_get(fx->store, "nobody", &bot, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "nobody"));
	g_clear_error(&error);

	/* enable, config: updated_at moves */
	g_assert_true(cw_store_bot_set_enabled(fx->store, b, TRUE, &error));
	g_assert_no_error(error);
	g_assert_true(cw_store_bot_set_config(fx->store, b, "{\"v\":2}", &error));
	g_assert_no_error(error);
	g_assert_true(cw_store_bot_get_by_id(fx->store, b, &bot, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(bot.name, ==, "beta");
	g_assert_true(bot.enabled);
	g_assert_cmpstr(bot.config, ==, "{\"v\":2}");
	g_assert_cmpint(bot.updated_at, >, updated);
	updated = bot.updated_at;
	cw_store_bot_clear(&bot);

	/* statuses: no updated_at change */
	g_assert_true(cw_store_bot_set_status(fx->store, b, "starting", NULL, 1000, &error));
	g_assert_true(cw_store_bot_set_status(fx->store, b, "running", NULL, 2000, &error));
	g_assert_true(cw_store_bot_heartbeat(fx->store, b, 2500, &error));
	g_assert_no_error(error);
	g_assert_true(cw_store_bot_get_by_id(fx->store, b, &bot, &error));
	g_assert_cmpstr(bot.status, ==, "running");
	g_assert_cmpint(bot.started_at, ==, 2000);
	g_assert_cmpint(bot.last_heartbeat, ==, 2500);
	g_assert_cmpint(bot.stopped_at, ==, 0);
	g_assert_cmpint(bot.updated_at, ==, updated);
	cw_store_bot_clear(&bot);

	g_assert_true(cw_store_bot_set_status(fx->store, b, "error", "feed lost", 3000, &error));
	g_assert_true(
	    cw_store_bot_set_status(fx->store, b, "error", "feed lost again", 3100, &error));
	g_assert_true(cw_store_bot_get_by_id(fx->store, b, &bot, &error));
	g_assert_cmpstr(bot.status, ==, "error");
	g_assert_cmpint(bot.error_count, ==, 2);
	g_assert_cmpstr(bot.last_error, ==, "feed lost again");
	g_assert_cmpint(bot.started_at, ==, 2000);
	cw_store_bot_clear(&bot);

	g_assert_true(cw_store_bot_set_status(fx->store, b, "stopped", NULL, 4000, &error));
	g_assert_no_error(error);
	g_assert_true(cw_store_bot_get_by_id(fx->store, b, &bot, &error));
	g_assert_cmpstr(bot.status, ==, "stopped");
	g_assert_cmpint(bot.stopped_at, ==, 4000);
	g_assert_cmpint(bot.error_count, ==, 2);
	g_assert_cmpint(bot.updated_at, ==, updated);
	cw_store_bot_clear(&bot);

	g_assert_false(cw_store_bot_set_status(fx->store, b, "paused", NULL, 1, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT);
	g_assert_nonnull(strstr(error->message, "paused"));
	g_clear_error(&error);
	g_assert_false(cw_store_bot_status_is_valid(NULL));
	g_assert_true(cw_store_bot_status_is_valid("error"));

	/* unknown ids */
	g_assert_false(cw_store_bot_set_enabled(fx->store, 999, TRUE, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(cw_store_bot_set_status(fx->store, 999, "running", NULL, 1, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(cw_store_bot_heartbeat(fx->store, 999, 1, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(cw_store_bot_get_by_id(fx->store, 999, &bot, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);

	bots = cw_store_bot_list(fx->store, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(bots->len, ==, 2);
	item = g_ptr_array_index(bots, 0);
	g_assert_cmpstr(item->name, ==, "alpha");
	item = g_ptr_array_index(bots, 1);
	g_assert_cmpstr(item->name, ==, "beta");
	g_assert_cmpstr(item->last_error, ==, "feed lost again");
	g_clear_pointer(&bots, g_ptr_array_unref);

	g_assert_true(cw_store_bot_remove(fx->store, a, &error));
	g_assert_no_error(error);
	g_assert_false(cw_store_bot_remove(fx->store, a, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	bots = cw_store_bot_list(fx->store, &error);
	g_assert_cmpuint(bots->len, ==, 1);
	/* a removed bot's id is not reused */
	g_assert_cmpint(cw_store_bot_add(fx->store, "alpha", "{}", TRUE, &error), >, b);
}

/* Another program adds a bot with plain SQL and only the three columns it
 * knows about: the defaults make it a complete row. */
static void
test_store_bots_plain_sql(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) bots = NULL;
	CwStoreBot *bot;
	gint64 now = g_get_real_time() / 1000;
	sqlite3 *db = cw_store_test_raw_open(fx->path);

	cw_store_test_raw_exec(db, "INSERT INTO trading_bots (name, config, enabled)"
				   " VALUES ('plain', '{\"a\":1}', 1)");
	sqlite3_close(db);

	bots = cw_store_bot_list(fx->store, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(bots->len, ==, 1);
	bot = g_ptr_array_index(bots, 0);
	g_assert_null(bot->corrupt);
	g_assert_cmpstr(bot->name, ==, "plain");
	g_assert_cmpstr(bot->config, ==, "{\"a\":1}");
	g_assert_true(bot->enabled);
	g_assert_cmpstr(bot->status, ==, "stopped");
	g_assert_cmpint(bot->error_count, ==, 0);
	g_assert_cmpint(bot->started_at, ==, 0);
	g_assert_null(bot->last_error);
	/* milliseconds, and now (give the clock 60 s either way) */
	g_assert_cmpint(bot->updated_at, >, now - 60000);
	g_assert_cmpint(bot->updated_at, <, now + 60000);
}

static gint64
raw_updated_at(sqlite3 *db)
{
	return cw_store_test_raw_int(db, "SELECT updated_at FROM trading_bots WHERE name = 'x'");
}

static void
test_store_bots_updated_at_trigger(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	sqlite3 *db = cw_store_test_raw_open(fx->path);
	gint64 t0, t1, t2, t3;
	gint64 id;

	id = cw_store_bot_add(fx->store, "x", "{}", TRUE, &error);
	g_assert_no_error(error);
	t0 = raw_updated_at(db);

	/* writers that do not set updated_at: bumped, even twice in one ms */
	cw_store_test_raw_exec(db, "UPDATE trading_bots SET config = '{\"b\":2}' WHERE name = 'x'");
	t1 = raw_updated_at(db);
	g_assert_cmpint(t1, >, t0);
	cw_store_test_raw_exec(db, "UPDATE trading_bots SET enabled = 0 WHERE name = 'x'");
	t2 = raw_updated_at(db);
	g_assert_cmpint(t2, >, t1);
	cw_store_test_raw_exec(db, "UPDATE trading_bots SET name = 'x' WHERE name = 'x'");
	t3 = raw_updated_at(db);
	g_assert_cmpint(t3, >, t2);

	/* a writer that sets it wins */
	cw_store_test_raw_exec(db, "UPDATE trading_bots SET config = '{}', updated_at = 12345"
				   " WHERE name = 'x'");
	g_assert_cmpint(raw_updated_at(db), ==, 12345);

	/* status, heartbeat and error columns are not edits */
	cw_store_test_raw_exec(db, "UPDATE trading_bots SET status = 'running', last_heartbeat ="
				   " 5, error_count = 3 WHERE name = 'x'");
	g_assert_cmpint(raw_updated_at(db), ==, 12345);
	g_assert_true(cw_store_bot_set_status(fx->store, id, "error", "boom", 7, &error));
	g_assert_cmpint(raw_updated_at(db), ==, 12345);
	g_assert_true(cw_store_bot_set_enabled(fx->store, id, TRUE, &error));
	g_assert_no_error(error);
	g_assert_cmpint(raw_updated_at(db), >=, t0);
	sqlite3_close(db);
}

static void
test_store_data_version(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	sqlite3 *db = cw_store_test_raw_open(fx->path);
	gint64 v0, v1, v2;

	v0 = cw_store_get_data_version(fx->store, &error);
	g_assert_no_error(error);
	g_assert_cmpint(v0, >=, 0);
	/* our own writes do not count */
	g_assert_cmpint(cw_store_bot_add(fx->store, "own", "{}", TRUE, &error), >, 0);
	v1 = cw_store_get_data_version(fx->store, &error);
	g_assert_cmpint(v1, ==, v0);
	/* another program's write does */
	cw_store_test_raw_exec(db, "INSERT INTO trading_bots (name, config, enabled)"
				   " VALUES ('other', '{}', 1)");
	v2 = cw_store_get_data_version(fx->store, &error);
	g_assert_no_error(error);
	g_assert_cmpint(v2, !=, v1);
	g_assert_cmpint(cw_store_get_data_version(fx->store, &error), ==, v2);
	cw_store_test_raw_exec(db, "UPDATE trading_bots SET enabled = 0 WHERE name = 'own'");
	g_assert_cmpint(cw_store_get_data_version(fx->store, &error), !=, v2);
	sqlite3_close(db);
}

/* ---- orders ---- */

/* A cancel's intent: a working order's row goes pending_cancel, an ended
 * one stays as it ended, and a stale working state written after the
 * request (a queued ack) does not undo it; only the order's end does. */
static void
test_store_orders_cancel_request(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	CwOrder stop = make_order("cw-alpha-trend-7", CW_ORDER_STATUS_NEW);
	CwOrder done = make_order("cw-alpha-trend-8", CW_ORDER_STATUS_FILLED);
	CwOrder got;
	gint64 a = cw_store_bot_add(fx->store, "alpha", "{}", TRUE, &error);
	gint64 b = cw_store_bot_add(fx->store, "beta", "{}", TRUE, &error);

	g_assert_no_error(error);
	g_assert_true(cw_store_order_upsert(fx->store, a, &stop, &error));
	g_assert_true(cw_store_order_upsert(fx->store, a, &done, &error));
	g_assert_true(
	    cw_store_order_request_cancel(fx->store, a, "cw-alpha-trend-7", 1700000010000, &error));
	g_assert_true(cw_store_order_get(fx->store, "cw-alpha-trend-7", &got, NULL, &error));
	g_assert_cmpint(got.status, ==, CW_ORDER_STATUS_PENDING_CANCEL);
	g_assert_cmpint(got.updated_at, ==, 1700000010000);
	/* ended, unknown, or another bot's: left alone, no error */
	g_assert_true(
	    cw_store_order_request_cancel(fx->store, a, "cw-alpha-trend-8", 1700000010000, &error));
	g_assert_true(cw_store_order_request_cancel(fx->store, a, "nope", 1700000010000, &error));
	g_assert_true(
	    cw_store_order_request_cancel(fx->store, b, "cw-alpha-trend-7", 1700000010000, &error));
	g_assert_true(cw_store_order_get(fx->store, "cw-alpha-trend-8", &got, NULL, &error));
	g_assert_cmpint(got.status, ==, CW_ORDER_STATUS_FILLED);
	/* a stale working state keeps the request, its fills are taken */
	stop.status = CW_ORDER_STATUS_PARTIALLY_FILLED;
	stop.filled_qty = 0.5;
	g_assert_true(cw_store_order_upsert(fx->store, a, &stop, &error));
	g_assert_true(cw_store_order_get(fx->store, "cw-alpha-trend-7", &got, NULL, &error));
	g_assert_cmpint(got.status, ==, CW_ORDER_STATUS_PENDING_CANCEL);
	g_assert_cmpfloat(got.filled_qty, ==, 0.5);
	/* the end replaces it */
	stop.status = CW_ORDER_STATUS_CANCELLED;
	g_assert_true(cw_store_order_upsert(fx->store, a, &stop, &error));
	g_assert_true(cw_store_order_get(fx->store, "cw-alpha-trend-7", &got, NULL, &error));
	g_assert_cmpint(got.status, ==, CW_ORDER_STATUS_CANCELLED);
	g_assert_no_error(error);
}

static void
test_store_orders(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) open = NULL;
	CwOrder order = make_order("cw-alpha-trend-3", CW_ORDER_STATUS_PENDING_NEW);
	CwOrder got;
	gint64 owner = -5;
	gint64 a, b;
	sqlite3 *db;

	a = cw_store_bot_add(fx->store, "alpha", "{}", TRUE, &error);
	b = cw_store_bot_add(fx->store, "beta", "{}", TRUE, &error);
	g_assert_no_error(error);

	g_assert_true(cw_store_order_upsert(fx->store, a, &order, &error));
	g_assert_no_error(error);
	g_assert_true(cw_store_order_get(fx->store, "cw-alpha-trend-3", &got, &owner, &error));
	g_assert_no_error(error);
	g_assert_cmpint(owner, ==, a);
	g_assert_cmpstr(got.client_order_id, ==, "cw-alpha-trend-3");
	g_assert_cmpstr(got.exchange_order_id, ==, "");
	g_assert_cmpstr(g_quark_to_string(got.strategy_id), ==, "trend");
	g_assert_cmpstr(g_quark_to_string(got.symbol), ==, "ETHUSDT");
	g_assert_cmpint(got.side, ==, CW_SIDE_SELL);
	g_assert_cmpint(got.type, ==, CW_ORDER_TYPE_STOP);
	g_assert_cmpint(got.status, ==, CW_ORDER_STATUS_PENDING_NEW);
	g_assert_cmpint(got.purpose, ==, CW_ORDER_PURPOSE_STOP_LOSS);
	g_assert_true(got.reduce_only);
	g_assert_cmpfloat(got.qty, ==, 2.5);
	g_assert_cmpfloat(got.price, ==, 0);
	g_assert_cmpfloat(got.stop_price, ==, 1800.5);
	g_assert_cmpfloat(got.filled_qty, ==, 0);
	g_assert_cmpint(got.created_at, ==, 1700000000123);
	g_assert_cmpuint(got.seq, ==, 3);

	/* same client id: the row is updated, not duplicated */
	order.status = CW_ORDER_STATUS_PARTIALLY_FILLED;
	g_strlcpy(order.exchange_order_id, "ex-991", sizeof(order.exchange_order_id));
	order.filled_qty = 1;
	order.avg_fill_price = 1799.5;
	order.updated_at = 1700000009000;
	g_assert_true(cw_store_order_upsert(fx->store, a, &order, &error));
	g_assert_no_error(error);
	/* a later update without the exchange id keeps it */
	order.exchange_order_id[0] = '\0';
	order.filled_qty = 1.5;
	g_assert_true(cw_store_order_upsert(fx->store, a, &order, &error));
	g_assert_true(cw_store_order_get(fx->store, "cw-alpha-trend-3", &got, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpint(got.status, ==, CW_ORDER_STATUS_PARTIALLY_FILLED);
	g_assert_cmpstr(got.exchange_order_id, ==, "ex-991");
	g_assert_cmpfloat(got.filled_qty, ==, 1.5);
	g_assert_cmpfloat(got.avg_fill_price, ==, 1799.5);
	g_assert_cmpint(got.created_at, ==, 1700000000123);
	g_assert_cmpint(got.updated_at, ==, 1700000009000);
	db = cw_store_test_raw_open(fx->path);
	g_assert_cmpint(cw_store_test_raw_int(db, "SELECT count(*) FROM orders"), ==, 1);

	/* the client id is unique across bots */
	g_assert_false(cw_store_order_upsert(fx->store, b, &order, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT);
	g_assert_nonnull(strstr(error->message, "cw-alpha-trend-3"));
	g_clear_error(&error);
	g_assert_false(cw_store_order_upsert(fx->store, 0, &order, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT);
	g_clear_error(&error);
	g_assert_cmpint(cw_store_test_raw_int(db, "SELECT count(*) FROM orders"), ==, 1);
	g_assert_cmpint(cw_store_test_raw_int(db, "SELECT bot_id FROM orders"), ==, a);

	/* more orders, and the open ones */
	order = make_order("cw-alpha-trend-4", CW_ORDER_STATUS_FILLED);
	g_assert_true(cw_store_order_upsert(fx->store, a, &order, &error));
	order = make_order("cw-alpha-trend-5", CW_ORDER_STATUS_NEW);
	g_assert_true(cw_store_order_upsert(fx->store, a, &order, &error));
	order = make_order("cw-beta-x-1", CW_ORDER_STATUS_PENDING_NEW);
	g_assert_true(cw_store_order_upsert(fx->store, b, &order, &error));
	order = make_order("cw-bt-1", CW_ORDER_STATUS_CANCELLED);
	g_assert_true(cw_store_order_upsert(fx->store, 0, &order, &error));
	order = make_order("cw-bt-2", CW_ORDER_STATUS_PENDING_NEW);
	g_assert_true(cw_store_order_upsert(fx->store, 0, &order, &error));
	g_assert_no_error(error);

	open = cw_store_orders_open(fx->store, a, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(open->len, ==, 2);
	g_assert_cmpstr(g_array_index(open, CwOrder, 0).client_order_id, ==, "cw-alpha-trend-3");
	g_assert_cmpstr(g_array_index(open, CwOrder, 1).client_order_id, ==, "cw-alpha-trend-5");
	g_assert_cmpint(g_array_index(open, CwOrder, 1).status, ==, CW_ORDER_STATUS_NEW);
	g_clear_pointer(&open, g_array_unref);
	open = cw_store_orders_open(fx->store, -1, &error);
	g_assert_cmpuint(open->len, ==, 4);
	g_clear_pointer(&open, g_array_unref);
	open = cw_store_orders_open(fx->store, 0, &error);
	g_assert_cmpuint(open->len, ==, 1);
	g_assert_cmpstr(g_array_index(open, CwOrder, 0).client_order_id, ==, "cw-bt-2");
	g_clear_pointer(&open, g_array_unref);

	/* the same open orders of a, a page of one at a time by id > cursor */
	{
		g_autoptr(GPtrArray) page = cw_store_orders_open_page(fx->store, a, 0, 1, &error);
		g_autofree char *sql = NULL;
		gint64 first;

		g_assert_no_error(error);
		g_assert_cmpuint(page->len, ==, 1);
		g_assert_cmpstr(((CwStoreOrderRow *) page->pdata[0])->order.client_order_id, ==,
				"cw-alpha-trend-3");
		first = ((CwStoreOrderRow *) page->pdata[0])->id;
		g_clear_pointer(&page, g_ptr_array_unref);
		page = cw_store_orders_open_page(fx->store, a, first, 1000, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(page->len, ==, 1);
		g_assert_cmpstr(((CwStoreOrderRow *) page->pdata[0])->order.client_order_id, ==,
				"cw-alpha-trend-5");
		g_assert_cmpint(((CwStoreOrderRow *) page->pdata[0])->id, >, first);
		g_assert_cmpint(((CwStoreOrderRow *) page->pdata[0])->order.status, ==,
				CW_ORDER_STATUS_NEW);
		g_clear_pointer(&page, g_ptr_array_unref);
		sql = g_strdup_printf("SELECT max(id) FROM orders WHERE bot_id = %" G_GINT64_FORMAT,
				      a);
		page = cw_store_orders_open_page(fx->store, a, cw_store_test_raw_int(db, sql), 1000,
						 &error);
		g_assert_no_error(error);
		g_assert_cmpuint(page->len, ==, 0);
	}

	g_assert_true(cw_store_order_get(fx->store, "cw-bt-1", &got, &owner, &error));
	g_assert_cmpint(owner, ==, 0);
	g_assert_false(cw_store_order_get(fx->store, "nope", &got, NULL, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	order.client_order_id[0] = '\0';
	g_assert_false(cw_store_order_upsert(fx->store, a, &order, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT);
	g_clear_error(&error);

	/* removing a bot removes its orders */
	g_assert_true(cw_store_bot_remove(fx->store, a, &error));
	g_assert_cmpint(cw_store_test_raw_int(db, "SELECT count(*) FROM orders"), ==, 3);
	sqlite3_close(db);
}

/* ---- positions ---- */

static void
test_store_positions(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) list = NULL;
	g_autofree char *state = NULL;
	CwPosition position = {
	    .strategy_id = g_quark_from_string("ignored"),
	    .symbol = g_quark_from_string("BTCUSDT"),
	    .direction = CW_DIRECTION_SHORT,
	    .qty = 0.3,
	    .entry_price = 42000.5,
	    .initial_qty = 0.5,
	    .stop_price = 43000,
	    .realized_pnl = 12.5,
	    .fees = 1.1,
	    .opened_at = 1700000000000,
	    .updated_at = 1700000600000,
	};
	CwPosition got = {0};
	CwStorePosition *item;
	gint64 a;

	a = cw_store_bot_add(fx->store, "alpha", "{}", TRUE, &error);
	g_assert_no_error(error);
	g_assert_true(
	    cw_store_position_save(fx->store, a, "trend", &position, "{\"trail\":41000}", &error));
	g_assert_no_error(error);
	g_assert_true(cw_store_position_load(fx->store, a, "trend", &got, &state, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(g_quark_to_string(got.strategy_id), ==, "trend");
	g_assert_cmpstr(g_quark_to_string(got.symbol), ==, "BTCUSDT");
	g_assert_cmpint(got.direction, ==, CW_DIRECTION_SHORT);
	g_assert_cmpfloat(got.qty, ==, 0.3);
	g_assert_cmpfloat(got.entry_price, ==, 42000.5);
	g_assert_cmpfloat(got.initial_qty, ==, 0.5);
	g_assert_cmpfloat(got.stop_price, ==, 43000);
	g_assert_cmpfloat(got.realized_pnl, ==, 12.5);
	g_assert_cmpfloat(got.fees, ==, 1.1);
	g_assert_cmpint(got.opened_at, ==, 1700000000000);
	g_assert_cmpint(got.updated_at, ==, 1700000600000);
	g_assert_cmpstr(state, ==, "{\"trail\":41000}");
	g_clear_pointer(&state, g_free);

	/* save again: replaced */
	position.qty = 0.1;
	g_assert_true(cw_store_position_save(fx->store, a, "trend", &position, NULL, &error));
	g_assert_true(cw_store_position_save(fx->store, a, "mean", &position, NULL, &error));
	g_assert_no_error(error);
	g_assert_true(cw_store_position_load(fx->store, a, "trend", &got, &state, &error));
	g_assert_cmpfloat(got.qty, ==, 0.1);
	g_assert_null(state);

	list = cw_store_positions_list(fx->store, a, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(list->len, ==, 2);
	item = g_ptr_array_index(list, 0);
	g_assert_cmpstr(item->strategy_id, ==, "mean");
	g_assert_cmpint(item->bot_id, ==, a);
	item = g_ptr_array_index(list, 1);
	g_assert_cmpstr(item->strategy_id, ==, "trend");
	g_assert_cmpfloat(item->position.qty, ==, 0.1);
	g_clear_pointer(&list, g_ptr_array_unref);

	/* flat deletes */
	position.direction = CW_DIRECTION_NONE;
	position.qty = 0;
	g_assert_true(cw_store_position_save(fx->store, a, "trend", &position, NULL, &error));
	g_assert_no_error(error);
	g_assert_false(cw_store_position_load(fx->store, a, "trend", &got, NULL, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	list = cw_store_positions_list(fx->store, -1, &error);
	g_assert_cmpuint(list->len, ==, 1);
	g_clear_pointer(&list, g_ptr_array_unref);

	/* positions belong to bots */
	position.direction = CW_DIRECTION_LONG;
	position.qty = 1;
	g_assert_false(cw_store_position_save(fx->store, 0, "trend", &position, NULL, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT);
	g_clear_error(&error);
	g_assert_true(cw_store_bot_remove(fx->store, a, &error));
	list = cw_store_positions_list(fx->store, -1, &error);
	g_assert_cmpuint(list->len, ==, 0);
}

/* ---- events ---- */

static void
test_store_events(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events = NULL;
	CwStoreEvent *event;
	gint64 s1, s2, s3, s4;

	s1 = cw_store_event_append(fx->store, 1, "trend", "order-placed", 1000, "{\"qty\":1}",
				   &error);
	g_assert_no_error(error);
	s2 = cw_store_event_append(fx->store, 2, NULL, "bot-started", 1001, NULL, &error);
	s3 = cw_store_event_append(fx->store, 1, "trend", "order-filled", 1002, "[1,2]", &error);
	s4 = cw_store_event_append(fx->store, 0, NULL, "service-started", 1003, "{}", &error);
	g_assert_no_error(error);
	g_assert_cmpint(s1, >, 0);
	g_assert_cmpint(s2, >, s1);
	g_assert_cmpint(s3, >, s2);
	g_assert_cmpint(s4, >, s3);

	g_assert_cmpint(cw_store_event_append(fx->store, 1, NULL, "x", 1, "{not json", &error), ==,
			-1);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT);
	g_assert_nonnull(strstr(error->message, "appending a 'x' event"));
	g_clear_error(&error);
	g_assert_cmpint(cw_store_event_append(fx->store, 1, NULL, "", 1, NULL, &error), ==, -1);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT);
	g_clear_error(&error);

	events = cw_store_events_query(fx->store, -1, NULL, 0, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(events->len, ==, 4);
	event = g_ptr_array_index(events, 0);
	g_assert_cmpint(event->seq, ==, s1);
	g_assert_cmpint(event->time, ==, 1000);
	g_assert_cmpint(event->bot_id, ==, 1);
	g_assert_cmpstr(event->strategy_id, ==, "trend");
	g_assert_cmpstr(event->type, ==, "order-placed");
	g_assert_cmpstr(event->payload, ==, "{\"qty\":1}");
	event = g_ptr_array_index(events, 1);
	g_assert_null(event->strategy_id);
	g_assert_null(event->payload);
	g_clear_pointer(&events, g_ptr_array_unref);

	events = cw_store_events_query(fx->store, 1, NULL, 0, 0, &error);
	g_assert_cmpuint(events->len, ==, 2);
	g_clear_pointer(&events, g_ptr_array_unref);
	events = cw_store_events_query(fx->store, 1, NULL, s1, 0, &error);
	g_assert_cmpuint(events->len, ==, 1);
	g_assert_cmpint(((CwStoreEvent *) g_ptr_array_index(events, 0))->seq, ==, s3);
	g_clear_pointer(&events, g_ptr_array_unref);
	events = cw_store_events_query(fx->store, -1, "bot-started", 0, 0, &error);
	g_assert_cmpuint(events->len, ==, 1);
	g_assert_cmpint(((CwStoreEvent *) g_ptr_array_index(events, 0))->bot_id, ==, 2);
	g_clear_pointer(&events, g_ptr_array_unref);
	events = cw_store_events_query(fx->store, 0, NULL, 0, 0, &error);
	g_assert_cmpuint(events->len, ==, 1);
	g_assert_cmpstr(((CwStoreEvent *) g_ptr_array_index(events, 0))->type, ==,
			"service-started");
	g_clear_pointer(&events, g_ptr_array_unref);
	events = cw_store_events_query(fx->store, -1, NULL, 0, 2, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(events->len, ==, 2);
	g_assert_cmpint(((CwStoreEvent *) g_ptr_array_index(events, 1))->seq, ==, s2);
	g_clear_pointer(&events, g_ptr_array_unref);
	events = cw_store_events_query(fx->store, -1, NULL, s4, 0, &error);
	g_assert_cmpuint(events->len, ==, 0);
	g_clear_pointer(&events, g_ptr_array_unref);

	/* where the newest n start: bot 1's newest is s3, its 2nd newest s1 */
	g_assert_cmpint(cw_store_events_nth_newest_seq(fx->store, 1, NULL, 1, &error), ==, s3);
	g_assert_cmpint(cw_store_events_nth_newest_seq(fx->store, 1, NULL, 2, &error), ==, s1);
	g_assert_cmpint(cw_store_events_nth_newest_seq(fx->store, 1, NULL, 3, &error), ==, 0);
	g_assert_cmpint(cw_store_events_nth_newest_seq(fx->store, -1, NULL, 3, &error), ==, s2);
	g_assert_cmpint(cw_store_events_nth_newest_seq(fx->store, 1, "order-filled", 1, &error), ==,
			s3);
	g_assert_cmpint(cw_store_events_nth_newest_seq(fx->store, 0, NULL, 1, &error), ==, s4);
	g_assert_cmpint(cw_store_events_nth_newest_seq(fx->store, 2, "order-filled", 1, &error), ==,
			0);
	g_assert_no_error(error);
	/* read from there in pages: the same as the newest two at once */
	events = cw_store_events_query(fx->store, 1, NULL, s1 - 1, 1, &error);
	g_assert_cmpint(((CwStoreEvent *) g_ptr_array_index(events, 0))->seq, ==, s1);
}

/* One CwStore shared by several threads: calls are serialised, nothing is
 * lost and every sequence number is distinct. */
static gpointer
events_writer(gpointer data)
{
	CwStore *store = data;

	for (int i = 0; i < 200; i++) {
		g_autoptr(GError) error = NULL;
		if (cw_store_event_append(store, 1, "s", "tick", i, "{}", &error) <= 0)
			return g_strdup(error != NULL ? error->message : "no seq");
	}
	return NULL;
}

static void
test_store_events_threads(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events = NULL;
	GThread *threads[4];

	for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
		threads[i] = g_thread_new("writer", events_writer, fx->store);
	for (guint i = 0; i < G_N_ELEMENTS(threads); i++) {
		g_autofree char *failure = g_thread_join(threads[i]);
		g_assert_cmpstr(failure, ==, NULL);
	}
	events = cw_store_events_query(fx->store, 1, "tick", 0, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(events->len, ==, 800);
	for (guint i = 1; i < events->len; i++) {
		CwStoreEvent *prev = g_ptr_array_index(events, i - 1);
		CwStoreEvent *event = g_ptr_array_index(events, i);
		g_assert_cmpint(event->seq, >, prev->seq);
	}
}

/* ---- state ---- */

/* Every key of one bot in key order, on the store's own connection: rows
 * of an open transaction are listed too; a bad row names itself. */
static void
test_store_state_list(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) rows = NULL;
	g_autofree char *sql = NULL;
	const CwStoreState *s;
	gint64 before = g_get_real_time() / 1000;
	gint64 a, b;
	sqlite3 *db = cw_store_test_raw_open(fx->path);

	a = cw_store_bot_add(fx->store, "alpha", "{}", TRUE, &error);
	b = cw_store_bot_add(fx->store, "beta", "{}", TRUE, &error);
	g_assert_no_error(error);
	rows = cw_store_state_list(fx->store, a, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(rows->len, ==, 0);
	g_clear_pointer(&rows, g_ptr_array_unref);

	g_assert_true(cw_store_state_set(fx->store, a, "mode", "halted", &error));
	g_assert_true(cw_store_state_set(fx->store, a, "cursor", "1700000000000", &error));
	g_assert_true(cw_store_state_set(fx->store, b, "mode", "active", &error));
	g_assert_true(cw_store_begin(fx->store, &error));
	g_assert_true(cw_store_state_set(fx->store, a, "guard_stats", "{}", &error));
	rows = cw_store_state_list(fx->store, a, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(rows->len, ==, 3);
	s = g_ptr_array_index(rows, 0);
	g_assert_cmpstr(s->key, ==, "cursor");
	g_assert_cmpstr(s->value, ==, "1700000000000");
	g_assert_cmpint(s->updated_at, >=, before);
	g_assert_cmpint(s->updated_at, <=, g_get_real_time() / 1000);
	s = g_ptr_array_index(rows, 1);
	g_assert_cmpstr(s->key, ==, "guard_stats");
	s = g_ptr_array_index(rows, 2);
	g_assert_cmpstr(s->key, ==, "mode");
	g_assert_cmpstr(s->value, ==, "halted");
	g_clear_pointer(&rows, g_ptr_array_unref);
	g_assert_true(cw_store_rollback(fx->store, &error));
	rows = cw_store_state_list(fx->store, a, &error);
	g_assert_cmpuint(rows->len, ==, 2);
	g_clear_pointer(&rows, g_ptr_array_unref);
	rows = cw_store_state_list(fx->store, 9999, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(rows->len, ==, 0);
	g_clear_pointer(&rows, g_ptr_array_unref);

	sql = g_strdup_printf("UPDATE bot_state SET value = x'00ff' WHERE key = 'mode'"
			      " AND bot_id = %" G_GINT64_FORMAT,
			      a);
	cw_store_test_raw_exec(db, sql);
	rows = cw_store_state_list(fx->store, a, &error);
	g_assert_null(rows);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT);
	g_assert_nonnull(strstr(error->message, "bot_state (rowid "));
	g_assert_nonnull(strstr(error->message, "column value holds a blob"));
	g_clear_error(&error);
	rows = cw_store_state_list(fx->store, b, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(rows->len, ==, 1);
	sqlite3_close(db);
}

static void
test_store_state(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *value = NULL;
	gint64 a, b;

	a = cw_store_bot_add(fx->store, "alpha", "{}", TRUE, &error);
	b = cw_store_bot_add(fx->store, "beta", "{}", TRUE, &error);
	g_assert_no_error(error);

	value = cw_store_state_get(fx->store, a, "kill-switch", &error);
	g_assert_no_error(error);
	g_assert_null(value);
	g_assert_true(cw_store_state_set(fx->store, a, "kill-switch", "{\"on\":true}", &error));
	g_assert_true(cw_store_state_set(fx->store, b, "kill-switch", "{\"on\":false}", &error));
	g_assert_true(cw_store_state_set(fx->store, a, "feed-cursor", "1700000000000", &error));
	g_assert_no_error(error);
	value = cw_store_state_get(fx->store, a, "kill-switch", &error);
	g_assert_cmpstr(value, ==, "{\"on\":true}");
	g_clear_pointer(&value, g_free);
	g_assert_true(cw_store_state_set(fx->store, a, "kill-switch", "{\"on\":false}", &error));
	value = cw_store_state_get(fx->store, a, "kill-switch", &error);
	g_assert_cmpstr(value, ==, "{\"on\":false}");
	g_clear_pointer(&value, g_free);
	value = cw_store_state_get(fx->store, a, "feed-cursor", &error);
	g_assert_cmpstr(value, ==, "1700000000000");
	g_clear_pointer(&value, g_free);

	g_assert_true(cw_store_state_set(fx->store, a, "feed-cursor", NULL, &error));
	g_assert_no_error(error);
	value = cw_store_state_get(fx->store, a, "feed-cursor", &error);
	g_assert_no_error(error);
	g_assert_null(value);

	g_assert_false(cw_store_state_set(fx->store, 0, "k", "v", &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT);
	g_clear_error(&error);
	g_assert_false(cw_store_state_set(fx->store, 9999, "k", "v", &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT);
	g_clear_error(&error);

	g_assert_true(cw_store_bot_remove(fx->store, a, &error));
	value = cw_store_state_get(fx->store, a, "kill-switch", &error);
	g_assert_no_error(error);
	g_assert_null(value);
	value = cw_store_state_get(fx->store, b, "kill-switch", &error);
	g_assert_cmpstr(value, ==, "{\"on\":false}");
}

/* The typed reader: a value that is not strictly an integer in range is an
 * error naming table, row and value, never a number guessed from it. */
static void
test_store_state_int(CwStoreFixture *fx, gconstpointer user_data)
{
	static const struct {
		const char *text;
		const char *message; /* NULL: reads as the number */
		gint64 value;
	} cases[] = {
	    {"1700000000000", NULL, 1700000000000},
	    {"0", NULL, 0},
	    {"abc", "bot_state row (bot 1, key 'cursor'): 'abc' is not a cursor", 0},
	    {"-1", "bot_state row (bot 1, key 'cursor'): '-1' is not a cursor: below 0", 0},
	    {"12abc", "'12abc' is not a cursor", 0},
	    {" 12", "' 12' is not a cursor", 0},
	    {"+12", "'+12' is not a cursor", 0},
	    {"1.5", "'1.5' is not a cursor", 0},
	    {"", "'' is not a cursor", 0},
	    {"-", "'-' is not a cursor", 0},
	    {"99999999999999999999", "out of range", 0},
	    {"1000001", "out of range [0, 1000000]", 0},
	};
	g_autoptr(GError) error = NULL;
	gboolean found = TRUE;
	gint64 id, value = 42;

	id = cw_store_bot_add(fx->store, "alpha", "{}", TRUE, &error);
	g_assert_no_error(error);
	g_assert_cmpint(id, ==, 1);
	/* unset: found is FALSE and the value untouched */
	g_assert_true(cw_store_state_get_int(fx->store, id, "cursor", "a cursor", 0, G_MAXINT64,
					     &value, &found, &error));
	g_assert_no_error(error);
	g_assert_false(found);
	g_assert_cmpint(value, ==, 42);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		gint64 max = g_str_has_prefix(cases[i].text, "1000001") ? 1000000 : G_MAXINT64;
		gboolean ok;

		g_assert_true(cw_store_state_set(fx->store, id, "cursor", cases[i].text, &error));
		value = 42;
		ok = cw_store_state_get_int(fx->store, id, "cursor", "a cursor", 0, max, &value,
					    &found, &error);
		g_test_message("'%s': %s", cases[i].text, error != NULL ? error->message : "ok");
		g_assert_true(found);
		if (cases[i].message == NULL) {
			g_assert_no_error(error);
			g_assert_true(ok);
			g_assert_cmpint(value, ==, cases[i].value);
			continue;
		}
		g_assert_false(ok);
		g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT);
		g_assert_nonnull(strstr(error->message, cases[i].message));
		g_assert_cmpint(value, ==, 42);
		g_clear_error(&error);
	}
	/* a long value is cut and escaped in the message */
	cw_store_state_unreadable(&error, id, "mode", "we\nird", "a mode", NULL);
	g_assert_cmpstr(error->message, ==,
			"bot_state row (bot 1, key 'mode'): 'we\\nird' is not a mode");
	g_clear_error(&error);
}

/* A file damaged under the store: quick_check says "database is malformed",
 * and a statement that meets SQLITE_CORRUPT marks the store for good. */
static void
test_store_malformed(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events = NULL;
	g_autofree char *contents = NULL;
	g_autofree char *reason = NULL;
	gsize length = 0;
	gint64 page = 0;
	gboolean hit = FALSE;
	sqlite3 *db;

	g_assert_true(cw_store_quick_check(fx->store, &error));
	g_assert_no_error(error);
	g_assert_false(cw_store_is_malformed(fx->store, NULL));
	for (int i = 0; i < 200; i++)
		g_assert_cmpint(cw_store_event_append(fx->store, 0, NULL, "KILL_SWITCH", i,
						      "{\"halted\":true,\"pad\":\"................"
						      "....................................\"}",
						      &error),
				>, 0);
	g_clear_object(&fx->store);
	db = cw_store_test_raw_open(fx->path);
	cw_store_test_raw_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	page = cw_store_test_raw_int(db, "PRAGMA page_size");
	sqlite3_close(db);
	/* garbage over the pages of the events table (and its index) in the
	 * second half of the file */
	g_assert_true(g_file_get_contents(fx->path, &contents, &length, &error));
	g_assert_cmpuint(length / page, >, 8);
	for (gsize p = length / page / 2; p < length / page; p++) {
		if (memmem(contents + p * page, page, "KILL_SWITCH", 11) == NULL)
			continue;
		memset(contents + p * page, 0xa5, page);
		hit = TRUE;
	}
	g_assert_true(hit);
	g_assert_true(g_file_set_contents(fx->path, contents, length, &error));

	fx->store = cw_store_open(fx->path, &error);
	g_assert_no_error(error);
	g_assert_false(cw_store_quick_check(fx->store, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT);
	g_assert_true(g_str_has_prefix(error->message, "database is malformed: "));
	g_clear_error(&error);
	g_assert_true(cw_store_is_malformed(fx->store, &reason));
	g_assert_nonnull(reason);
	g_clear_pointer(&reason, g_free);

	/* a fresh store on the same file: a statement that meets the page */
	g_clear_object(&fx->store);
	fx->store = cw_store_open(fx->path, &error);
	g_assert_no_error(error);
	g_assert_false(cw_store_is_malformed(fx->store, NULL));
	events = cw_store_events_query(fx->store, -1, NULL, 0, 0, &error);
	g_assert_null(events);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT);
	g_assert_true(g_str_has_prefix(error->message, "database is malformed: "));
	g_assert_true(cw_store_is_malformed(fx->store, &reason));
	g_assert_nonnull(strstr(reason, "reading the event journal"));
}

/* ---- corrupt rows ---- */

static void
test_store_corrupt_trade(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) trades = NULL;
	CwTrade trade = make_trade(1, 1);
	sqlite3 *db = cw_store_test_raw_open(fx->path);

	for (int i = 0; i < 3; i++)
		g_assert_cmpint(cw_store_insert_trade(fx->store, "r", "b", NULL, &trade, &error), >,
				0);
	/* a program that wrote a price as text: REAL affinity keeps 'n/a' as text */
	cw_store_test_raw_exec(db, "UPDATE trading_trades SET entry_price = 'n/a' WHERE id = 2");
	trades = cw_store_trades_list(fx->store, "r", NULL, &error);
	g_assert_null(trades);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT);
	g_assert_cmpstr(error->message, ==,
			"corrupt row in trading_trades (rowid 2): column entry_price holds text "
			"'n/a', expected a number");
	g_clear_error(&error);
	/* counting still works, and so does the store */
	g_assert_cmpint(cw_store_count_trades(fx->store, "r", NULL, &error), ==, 3);

	cw_store_test_raw_exec(db, "UPDATE trading_trades SET entry_price = 1,"
				   " exit_reason = 'bored' WHERE id = 2");
	trades = cw_store_trades_list(fx->store, "r", NULL, &error);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT);
	g_assert_nonnull(strstr(error->message, "rowid 2"));
	g_assert_nonnull(strstr(error->message, "exit_reason"));
	g_assert_nonnull(strstr(error->message, "'bored'"));
	g_clear_error(&error);

	cw_store_test_raw_exec(db, "UPDATE trading_trades SET exit_reason = 'take_profit',"
				   " entry_time = x'00ff' WHERE id = 2");
	trades = cw_store_trades_list(fx->store, "r", NULL, &error);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT);
	g_assert_nonnull(strstr(error->message, "column entry_time holds a blob"));
	g_clear_error(&error);

	cw_store_test_raw_exec(db, "UPDATE trading_trades SET entry_time = 5 WHERE id = 2");
	trades = cw_store_trades_list(fx->store, "r", NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(trades->len, ==, 3);
	sqlite3_close(db);
}

/* One bot row written badly by another program: the list still returns
 * every bot, and only that one is marked. */
static void
test_store_corrupt_bot(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) bots = NULL;
	g_auto(CwStoreBot) bot = {0};
	CwStoreBot *item;
	gint64 a, b;
	sqlite3 *db = cw_store_test_raw_open(fx->path);

	a = cw_store_bot_add(fx->store, "good", "{}", TRUE, &error);
	g_assert_no_error(error);
	cw_store_test_raw_exec(db, "INSERT INTO trading_bots (name, config, enabled)"
				   " VALUES ('bad', '{}', 'yes')");
	b = cw_store_test_raw_int(db, "SELECT id FROM trading_bots WHERE name = 'bad'");

	bots = cw_store_bot_list(fx->store, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(bots->len, ==, 2);
	item = g_ptr_array_index(bots, 0);
	g_assert_cmpint(item->id, ==, a);
	g_assert_null(item->corrupt);
	item = g_ptr_array_index(bots, 1);
	g_assert_cmpint(item->id, ==, b);
	g_assert_cmpstr(item->name, ==, "bad");
	g_assert_error(item->corrupt, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT);
	{
		g_autofree char *expected =
		    g_strdup_printf("corrupt row in trading_bots (rowid %" G_GINT64_FORMAT
				    "): column enabled holds text 'yes', expected an integer",
				    b);
		g_assert_cmpstr(item->corrupt->message, ==, expected);
	}

	g_assert_false(cw_store_bot_get(fx->store, "bad", &bot, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT);
	g_clear_error(&error);
	g_assert_true(cw_store_bot_get(fx->store, "good", &bot, &error));
	g_assert_no_error(error);
	cw_store_bot_clear(&bot);

	/* enabled = 2 is a number, but not a flag */
	cw_store_test_raw_exec(db, "UPDATE trading_bots SET enabled = 2 WHERE name = 'bad'");
	g_assert_false(cw_store_bot_get(fx->store, "bad", &bot, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT);
	g_assert_nonnull(strstr(error->message, "expected 0 or 1"));
	g_clear_error(&error);

	/* the operator can fix the row and the bot reads cleanly */
	cw_store_test_raw_exec(db, "UPDATE trading_bots SET enabled = 1 WHERE name = 'bad'");
	g_assert_true(cw_store_bot_get(fx->store, "bad", &bot, &error));
	g_assert_no_error(error);
	g_assert_true(bot.enabled);
	sqlite3_close(db);
}

/* A config written as a BLOB (the sqlite3 shell's readfile() does that) is
 * read when it holds UTF-8; a BLOB with a NUL byte or invalid UTF-8 marks
 * only its own row corrupt. */
static void
test_store_blob_config(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) bots = NULL;
	g_auto(CwStoreBot) bot = {0};
	CwStoreBot *item;
	sqlite3 *db = cw_store_test_raw_open(fx->path);

	/* {"name": "caf\u00e9"} as UTF-8 bytes */
	cw_store_test_raw_exec(db, "INSERT INTO trading_bots (name, config)"
				   " VALUES ('blob', X'7B226E616D65223A2022636166C3A9227D')");
	cw_store_test_raw_exec(db, "INSERT INTO trading_bots (name, config)"
				   " VALUES ('nul', X'7B7D007B7D')");
	cw_store_test_raw_exec(db, "INSERT INTO trading_bots (name, config)"
				   " VALUES ('latin1', X'7B22636166E9227D')");
	g_assert_cmpint(cw_store_test_raw_int(db, "SELECT count(*) FROM trading_bots"
						  " WHERE typeof(config) = 'blob'"),
			==, 3);

	g_assert_true(cw_store_bot_get(fx->store, "blob", &bot, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(bot.config, ==, "{\"name\": \"caf\xc3\xa9\"}");

	bots = cw_store_bot_list(fx->store, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(bots->len, ==, 3);
	item = g_ptr_array_index(bots, 0);
	g_assert_null(item->corrupt);
	item = g_ptr_array_index(bots, 1);
	g_assert_cmpstr(item->name, ==, "nul");
	g_assert_null(item->config);
	g_assert_error(item->corrupt, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT);
	g_assert_cmpstr(item->corrupt->message, ==,
			"corrupt row in trading_bots (rowid 2): column config holds a blob with a "
			"NUL byte at offset 2, expected text");
	item = g_ptr_array_index(bots, 2);
	g_assert_cmpstr(item->name, ==, "latin1");
	g_assert_error(item->corrupt, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT);
	g_assert_cmpstr(item->corrupt->message, ==,
			"corrupt row in trading_bots (rowid 3): column config holds a blob that is "
			"not valid UTF-8 (at byte offset 5), expected text");
	sqlite3_close(db);
}

static void
test_store_corrupt_order_and_event(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) open = NULL;
	g_autoptr(GPtrArray) events = NULL;
	CwOrder order = make_order("cw-1", CW_ORDER_STATUS_PENDING_NEW);
	CwOrder got;
	gint64 a;
	sqlite3 *db = cw_store_test_raw_open(fx->path);

	a = cw_store_bot_add(fx->store, "alpha", "{}", TRUE, &error);
	g_assert_true(cw_store_order_upsert(fx->store, a, &order, &error));
	g_assert_no_error(error);
	cw_store_test_raw_exec(db, "UPDATE orders SET side = 'sideways' WHERE client_order_id ="
				   " 'cw-1'");
	g_assert_false(cw_store_order_get(fx->store, "cw-1", &got, NULL, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT);
	g_assert_cmpstr(error->message, ==,
			"corrupt row in orders (rowid 1): column side holds unknown value "
			"'sideways'");
	g_clear_error(&error);
	open = cw_store_orders_open(fx->store, a, &error);
	g_assert_null(open);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT);
	g_clear_error(&error);

	/* a client id too long for CwOrder */
	cw_store_test_raw_exec(db, "UPDATE orders SET side = 'buy', client_order_id ="
				   " 'cw-0123456789012345678901234567890123456789012345678901'");
	open = cw_store_orders_open(fx->store, a, &error);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT);
	g_assert_nonnull(strstr(error->message, "client_order_id is longer than 47 bytes"));
	g_clear_error(&error);

	g_assert_cmpint(cw_store_event_append(fx->store, a, NULL, "t", 5, NULL, &error), >, 0);
	cw_store_test_raw_exec(db, "UPDATE events SET time = 'yesterday'");
	events = cw_store_events_query(fx->store, -1, NULL, 0, 0, &error);
	g_assert_null(events);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT);
	g_assert_nonnull(strstr(error->message, "events (rowid 1): column time"));
	sqlite3_close(db);
}

/* The candles table: insert-or-ignore on the key, ordered ranges. */
static void
test_store_candles(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) got = NULL;
	GQuark btc = g_quark_from_string("BTCUSDT");

	for (gint64 i = 5; i >= 0; i--) {
		CwCandle c = {.symbol = btc,
			      .interval_ms = 300000,
			      .open_time = i * 300000,
			      .open = 100 + i,
			      .high = 110 + i,
			      .low = 90 + i,
			      .close = 105 + i,
			      .volume = 1.5};
		g_assert_true(
		    cw_store_candle_insert(fx->store, "bybit", "BTCUSDT", 300000, &c, &error));
		g_assert_no_error(error);
	}
	/* the same key again: the first row stays */
	{
		CwCandle dup = {.symbol = btc,
				.interval_ms = 300000,
				.open_time = 600000,
				.open = 1,
				.high = 1,
				.low = 1,
				.close = 1,
				.volume = 1};
		g_assert_true(
		    cw_store_candle_insert(fx->store, "bybit", "BTCUSDT", 300000, &dup, &error));
		g_assert_true(
		    cw_store_candle_insert(fx->store, "binance", "BTCUSDT", 300000, &dup, &error));
	}
	got =
	    cw_store_candles_query(fx->store, "bybit", "BTCUSDT", 300000, 300000, 1200000, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(got->len, ==, 4);
	for (guint i = 0; i < got->len; i++) {
		CwCandle *c = &g_array_index(got, CwCandle, i);
		g_assert_cmpint(c->open_time, ==, (gint64) (i + 1) * 300000);
		g_assert_cmpfloat(c->open, ==, 101 + i);
		g_assert_cmpuint(c->symbol, ==, btc);
	}
	g_clear_pointer(&got, g_array_unref);
	got = cw_store_candles_query(fx->store, "binance", "BTCUSDT", 300000, G_MININT64,
				     G_MAXINT64, &error);
	g_assert_cmpuint(got->len, ==, 1);
	g_clear_pointer(&got, g_array_unref);
	got = cw_store_candles_query(fx->store, "bybit", "BTCUSDT", 60000, G_MININT64, G_MAXINT64,
				     &error);
	g_assert_cmpuint(got->len, ==, 0);
}

/* Reading back for a warm-up: the newest N or the oldest N from a time,
 * oldest first; a row that holds text in a number column is an error
 * naming it, never a candle. */
static void
test_store_candles_read(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) got = NULL;
	GQuark btc = g_quark_from_string("BTCUSDT");

	for (gint64 i = 0; i < 6; i++) {
		CwCandle c = {.symbol = btc,
			      .interval_ms = 300000,
			      .open_time = i * 300000,
			      .open = 100 + i,
			      .high = 110 + i,
			      .low = 90 + i,
			      .close = 105 + i,
			      .volume = 1.5};
		g_assert_true(
		    cw_store_candle_insert(fx->store, "bybit", "BTCUSDT", 300000, &c, &error));
	}
	got = cw_store_candles_read(fx->store, "bybit", "BTCUSDT", 300000, G_MININT64, 3, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(got->len, ==, 3);
	for (guint i = 0; i < 3; i++)
		g_assert_cmpint(g_array_index(got, CwCandle, i).open_time, ==, (3 + i) * 300000);
	g_clear_pointer(&got, g_array_unref);
	got = cw_store_candles_read(fx->store, "bybit", "BTCUSDT", 300000, 600000, 2, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(got->len, ==, 2);
	g_assert_cmpint(g_array_index(got, CwCandle, 0).open_time, ==, 600000);
	g_assert_cmpint(g_array_index(got, CwCandle, 1).open_time, ==, 900000);
	g_assert_cmpfloat(g_array_index(got, CwCandle, 1).high, ==, 113);
	g_clear_pointer(&got, g_array_unref);
	{
		sqlite3 *db = cw_store_test_raw_open(fx->path);

		cw_store_test_raw_exec(db,
				       "UPDATE candles SET high = 'abc' WHERE open_time = 1200000");
		sqlite3_close(db);
	}
	got = cw_store_candles_read(fx->store, "bybit", "BTCUSDT", 300000, G_MININT64, 10, &error);
	g_assert_null(got);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT);
	g_assert_nonnull(strstr(error->message, "1200000"));
	g_assert_nonnull(strstr(error->message, "high"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

#define ADD(name, func)                                                                            \
	g_test_add("/services/store/" name, CwStoreFixture, NULL, cw_store_fixture_setup, func,    \
		   cw_store_fixture_teardown)
	ADD("runs", test_store_runs);
	ADD("transactions", test_store_transactions);
	ADD("bots", test_store_bots);
	ADD("bots/plain-sql", test_store_bots_plain_sql);
	ADD("bots/updated-at-trigger", test_store_bots_updated_at_trigger);
	ADD("data-version", test_store_data_version);
	ADD("orders", test_store_orders);
	ADD("orders/cancel-request", test_store_orders_cancel_request);
	ADD("positions", test_store_positions);
	ADD("events", test_store_events);
	ADD("events/threads", test_store_events_threads);
	ADD("state/list", test_store_state_list);
	ADD("state", test_store_state);
	ADD("candles", test_store_candles);
	ADD("candles-read", test_store_candles_read);
	ADD("state/int", test_store_state_int);
	ADD("malformed", test_store_malformed);
	ADD("corrupt/trade", test_store_corrupt_trade);
	ADD("corrupt/bot", test_store_corrupt_bot);
	ADD("blob-config", test_store_blob_config);
	ADD("corrupt/order-and-event", test_store_corrupt_order_and_event);
#undef ADD
	return g_test_run();
}
