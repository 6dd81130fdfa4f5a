/* CwStore: backtest runs, trades and performance metrics (schema v1, with
 * the bot id added in v2). */
#include "cw-store-private.h"

static gint64
cw_store_now_ms(void)
{
	return g_get_real_time() / 1000;
}

/**
 * cw_store_begin_run:
 * @run_id: unique id of the run
 * @data_source: (nullable): where the candles come from
 * @config_json: (nullable): the bot configuration used
 *
 * Records the start of a backtest run.
 */
gboolean
cw_store_begin_run(CwStore *self, const char *run_id, const char *data_source,
		   const char *config_json, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autofree char *purpose = NULL;
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);
	g_return_val_if_fail(run_id != NULL, FALSE);

	locker = cw_store_lock(self);
	purpose = g_strdup_printf("starting backtest run '%s'", run_id);
	stmt =
	    cw_store_stmt(self, CW_STORE_STMT_RUN_BEGIN,
			  "INSERT INTO backtest_runs (run_id, started_at, data_source, config_json)"
			  " VALUES (?1, ?2, ?3, ?4)",
			  purpose, error);
	if (stmt == NULL)
		return FALSE;
	rc |= cw_store_bind_text(stmt, 1, run_id);
	rc |= sqlite3_bind_int64(stmt, 2, cw_store_now_ms());
	rc |= cw_store_bind_text(stmt, 3, data_source);
	rc |= cw_store_bind_text(stmt, 4, config_json);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return FALSE;
	return cw_store_step_done(self, stmt, purpose, error);
}

/**
 * cw_store_finish_run:
 * @run_id: a run started with cw_store_begin_run()
 * @candles: how many candles the run consumed
 * @report_json: (nullable): the run's report
 *
 * Records the end of a run; %CW_STORE_ERROR_NOT_FOUND for an unknown run.
 */
gboolean
cw_store_finish_run(CwStore *self, const char *run_id, gint64 candles, const char *report_json,
		    GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autofree char *purpose = NULL;
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);
	g_return_val_if_fail(run_id != NULL, FALSE);

	locker = cw_store_lock(self);
	purpose = g_strdup_printf("finishing backtest run '%s'", run_id);
	stmt = cw_store_stmt(self, CW_STORE_STMT_RUN_FINISH,
			     "UPDATE backtest_runs SET finished_at = ?2, candles = ?3,"
			     " report_json = ?4 WHERE run_id = ?1",
			     purpose, error);
	if (stmt == NULL)
		return FALSE;
	rc |= cw_store_bind_text(stmt, 1, run_id);
	rc |= sqlite3_bind_int64(stmt, 2, cw_store_now_ms());
	rc |= sqlite3_bind_int64(stmt, 3, candles);
	rc |= cw_store_bind_text(stmt, 4, report_json);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return FALSE;
	if (!cw_store_step_done(self, stmt, purpose, error))
		return FALSE;
	if (sqlite3_changes(cw_store_get_db(self)) == 0) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND, "%s: no such run",
			    purpose);
		return FALSE;
	}
	return TRUE;
}

/**
 * cw_store_insert_trade:
 * @run_id: (nullable): the backtest run, %NULL for live trades
 * @bot_name: the bot that made the trade
 * @strategy_id: (nullable): the strategy; %NULL to use @trade's
 * @trade: the closed trade
 *
 * Returns: the new row id, -1 on error
 */
gint64
cw_store_insert_trade(CwStore *self, const char *run_id, const char *bot_name,
		      const char *strategy_id, const CwTrade *trade, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	const char *purpose = "storing a trade";
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), -1);
	g_return_val_if_fail(bot_name != NULL, -1);
	g_return_val_if_fail(trade != NULL, -1);

	if (strategy_id == NULL)
		strategy_id = g_quark_to_string(trade->strategy_id);
	if (strategy_id == NULL) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT,
			    "%s of bot '%s': the trade has no strategy id", purpose, bot_name);
		return -1;
	}

	locker = cw_store_lock(self);
	if (cw_store_get_schema_version(self) < 2) {
		stmt = cw_store_stmt(
		    self, CW_STORE_STMT_TRADE_INSERT_V1,
		    "INSERT INTO trading_trades (run_id, bot_name, strategy_id, symbol, direction,"
		    " entry_time, exit_time, entry_price, exit_price, qty, fees, gross_pnl,"
		    " net_pnl, exit_reason, seq, created_at)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
		    "?16)",
		    purpose, error);
	} else {
		stmt = cw_store_stmt(
		    self, CW_STORE_STMT_TRADE_INSERT,
		    "INSERT INTO trading_trades (run_id, bot_name, strategy_id, symbol, direction,"
		    " entry_time, exit_time, entry_price, exit_price, qty, fees, gross_pnl,"
		    " net_pnl, exit_reason, seq, created_at, bot_id)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
		    "?16,"
		    " (SELECT id FROM trading_bots WHERE name = ?2))",
		    purpose, error);
	}
	if (stmt == NULL)
		return -1;
	rc |= cw_store_bind_text(stmt, 1, run_id);
	rc |= cw_store_bind_text(stmt, 2, bot_name);
	rc |= cw_store_bind_text(stmt, 3, strategy_id);
	rc |= cw_store_bind_text(stmt, 4, g_quark_to_string(trade->symbol));
	rc |= cw_store_bind_text(stmt, 5, cw_direction_to_string(trade->direction));
	rc |= sqlite3_bind_int64(stmt, 6, trade->entry_time);
	rc |= sqlite3_bind_int64(stmt, 7, trade->exit_time);
	rc |= sqlite3_bind_double(stmt, 8, trade->entry_price);
	rc |= sqlite3_bind_double(stmt, 9, trade->exit_price);
	rc |= sqlite3_bind_double(stmt, 10, trade->qty);
	rc |= sqlite3_bind_double(stmt, 11, trade->fees);
	rc |= sqlite3_bind_double(stmt, 12, trade->gross_pnl);
	rc |= sqlite3_bind_double(stmt, 13, trade->net_pnl);
	rc |= cw_store_bind_text(stmt, 14, cw_order_purpose_to_string(trade->exit_reason));
	rc |= sqlite3_bind_int64(stmt, 15, (sqlite3_int64) trade->seq);
	rc |= sqlite3_bind_int64(stmt, 16, cw_store_now_ms());
	if (!cw_store_check_bind(self, rc, purpose, error))
		return -1;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		g_set_error(
		    error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT,
		    "trade already recorded: bot '%s', strategy '%s', entry %" G_GINT64_FORMAT
		    ", seq %" G_GUINT64_FORMAT " (not stored again)",
		    bot_name, strategy_id, trade->entry_time, trade->seq);
		return -1;
	}
	if (rc != SQLITE_DONE) {
		cw_store_set_error(self, error, rc, "%s", purpose);
		return -1;
	}
	return sqlite3_last_insert_rowid(cw_store_get_db(self));
}

/**
 * cw_store_count_trades:
 * @run_id: (nullable): only this run's trades
 * @bot_name: (nullable): only this bot's trades
 *
 * Returns: the number of matching trades, -1 on error
 */
gint64
cw_store_count_trades(CwStore *self, const char *run_id, const char *bot_name, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	const char *purpose = "counting trades";
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), -1);

	locker = cw_store_lock(self);
	stmt = cw_store_stmt(self, CW_STORE_STMT_TRADE_COUNT,
			     "SELECT count(*) FROM trading_trades"
			     " WHERE (?1 IS NULL OR run_id = ?1) AND (?2 IS NULL OR bot_name = ?2)",
			     purpose, error);
	if (stmt == NULL)
		return -1;
	rc |= cw_store_bind_text(stmt, 1, run_id);
	rc |= cw_store_bind_text(stmt, 2, bot_name);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return -1;
	return cw_store_step_int64(self, stmt, -1, purpose, error);
}

/**
 * cw_store_trade_free:
 */
void
cw_store_trade_free(CwStoreTrade *trade)
{
	if (trade == NULL)
		return;
	g_free(trade->run_id);
	g_free(trade->bot_name);
	g_free(trade);
}

static gpointer
cw_store_trade_from_row(sqlite3_stmt *stmt, gboolean with_bot_id, GError **error)
{
	g_auto(CwStoreRow) row = {0};
	g_autoptr(CwStoreTrade) trade = g_new0(CwStoreTrade, 1);

	cw_store_row_init(&row, stmt, "trading_trades");
	trade->id = row.rowid;
	trade->run_id = g_strdup(cw_store_row_text(&row, 1, FALSE));
	trade->bot_name = g_strdup(cw_store_row_text(&row, 2, TRUE));
	trade->trade.strategy_id = cw_store_row_quark(&row, 3, TRUE);
	trade->trade.symbol = cw_store_row_quark(&row, 4, FALSE);
	trade->trade.direction = cw_store_row_direction(&row, 5);
	trade->trade.entry_time = cw_store_row_int(&row, 6, TRUE);
	trade->trade.exit_time = cw_store_row_int(&row, 7, TRUE);
	trade->trade.entry_price = cw_store_row_double(&row, 8, TRUE);
	trade->trade.exit_price = cw_store_row_double(&row, 9, TRUE);
	trade->trade.qty = cw_store_row_double(&row, 10, TRUE);
	trade->trade.fees = cw_store_row_double(&row, 11, FALSE);
	trade->trade.gross_pnl = cw_store_row_double(&row, 12, TRUE);
	trade->trade.net_pnl = cw_store_row_double(&row, 13, TRUE);
	trade->trade.exit_reason = cw_store_row_order_purpose(&row, 14);
	trade->trade.seq = (guint64) cw_store_row_int(&row, 15, FALSE);
	trade->created_at = cw_store_row_int(&row, 16, FALSE);
	if (with_bot_id)
		trade->bot_id = cw_store_row_int(&row, 17, FALSE);
	if (!cw_store_row_finish(&row, error))
		return NULL;
	return g_steal_pointer(&trade);
}

/**
 * cw_store_trades_list:
 * @run_id: (nullable): only this run's trades
 * @bot_name: (nullable): only this bot's trades
 *
 * Returns: (transfer full) (element-type CwStoreTrade): trades in id order,
 *   or %NULL on error
 */
GPtrArray *
cw_store_trades_list(CwStore *self, const char *run_id, const char *bot_name, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	const char *purpose = "listing trades";
	gboolean v2;
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), NULL);

	locker = cw_store_lock(self);
	v2 = cw_store_get_schema_version(self) >= 2;
#define CW_STORE_TRADE_COLUMNS                                                                     \
	"SELECT id, run_id, bot_name, strategy_id, symbol, direction, entry_time, exit_time,"      \
	" entry_price, exit_price, qty, fees, gross_pnl, net_pnl, exit_reason, seq, created_at"
#define CW_STORE_TRADE_FILTER                                                                      \
	" FROM trading_trades WHERE (?1 IS NULL OR run_id = ?1) AND (?2 IS NULL OR bot_name = ?2)" \
	" ORDER BY id"
	if (v2) {
		stmt = cw_store_stmt(self, CW_STORE_STMT_TRADE_LIST,
				     CW_STORE_TRADE_COLUMNS ", bot_id" CW_STORE_TRADE_FILTER,
				     purpose, error);
	} else {
		stmt = cw_store_stmt(self, CW_STORE_STMT_TRADE_LIST_V1,
				     CW_STORE_TRADE_COLUMNS CW_STORE_TRADE_FILTER, purpose, error);
	}
#undef CW_STORE_TRADE_COLUMNS
#undef CW_STORE_TRADE_FILTER
	if (stmt == NULL)
		return NULL;
	rc |= cw_store_bind_text(stmt, 1, run_id);
	rc |= cw_store_bind_text(stmt, 2, bot_name);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return NULL;

	return cw_store_collect(self, stmt, cw_store_trade_from_row, v2,
				(GDestroyNotify) cw_store_trade_free, purpose, error);
}

/**
 * cw_store_insert_metrics:
 * @metrics: the row; bot_name is required
 *
 * Returns: the new row id, -1 on error
 */
gint64
cw_store_insert_metrics(CwStore *self, const CwStoreMetrics *metrics, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	const char *purpose = "storing performance metrics";
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), -1);
	g_return_val_if_fail(metrics != NULL, -1);

	if (metrics->bot_name == NULL) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT,
			    "%s: the metrics have no bot name", purpose);
		return -1;
	}

	locker = cw_store_lock(self);
#define CW_STORE_METRICS_INSERT                                                                    \
	"INSERT INTO trading_performance_metrics (run_id, bot_name, strategy_id, time, equity,"    \
	" balance, realized_pnl, unrealized_pnl, trades, wins, win_rate, max_drawdown,"            \
	" max_drawdown_pct, extra_json"
#define CW_STORE_METRICS_VALUES                                                                    \
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14"
	if (cw_store_get_schema_version(self) < 2) {
		stmt = cw_store_stmt(self, CW_STORE_STMT_METRICS_INSERT_V1,
				     CW_STORE_METRICS_INSERT ")" CW_STORE_METRICS_VALUES ")",
				     purpose, error);
	} else {
		stmt = cw_store_stmt(self, CW_STORE_STMT_METRICS_INSERT,
				     CW_STORE_METRICS_INSERT ", bot_id)" CW_STORE_METRICS_VALUES
							     ", (SELECT id FROM trading_bots"
							     " WHERE name = ?2))",
				     purpose, error);
	}
#undef CW_STORE_METRICS_INSERT
#undef CW_STORE_METRICS_VALUES
	if (stmt == NULL)
		return -1;
	rc |= cw_store_bind_text(stmt, 1, metrics->run_id);
	rc |= cw_store_bind_text(stmt, 2, metrics->bot_name);
	rc |= cw_store_bind_text(stmt, 3, metrics->strategy_id);
	rc |= sqlite3_bind_int64(stmt, 4, metrics->time);
	rc |= sqlite3_bind_double(stmt, 5, metrics->equity);
	rc |= sqlite3_bind_double(stmt, 6, metrics->balance);
	rc |= sqlite3_bind_double(stmt, 7, metrics->realized_pnl);
	rc |= sqlite3_bind_double(stmt, 8, metrics->unrealized_pnl);
	rc |= sqlite3_bind_int64(stmt, 9, metrics->trades);
	rc |= sqlite3_bind_int64(stmt, 10, metrics->wins);
	rc |= sqlite3_bind_double(stmt, 11, metrics->win_rate);
	rc |= sqlite3_bind_double(stmt, 12, metrics->max_drawdown);
	rc |= sqlite3_bind_double(stmt, 13, metrics->max_drawdown_pct);
	rc |= cw_store_bind_text(stmt, 14, metrics->extra_json);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return -1;
	if (!cw_store_step_done(self, stmt, purpose, error))
		return -1;
	return sqlite3_last_insert_rowid(cw_store_get_db(self));
}

/* Binds a page query's bot name (?1), id cursor (?2; 0 for the newest,
 * bound as the largest id so that "id < ?2" stays a range of the primary
 * key: a page by cursor costs its rows, not the rows above it) and row
 * count (?3, clamped to 1..max). */
static gboolean
cw_store_page_bind(CwStore *self, sqlite3_stmt *stmt, const char *bot_name, gint64 before,
		   guint limit, guint max, const char *purpose, GError **error)
{
	int rc = SQLITE_OK;

	rc |= cw_store_bind_text(stmt, 1, bot_name);
	rc |= sqlite3_bind_int64(stmt, 2, before > 0 ? before : G_MAXINT64);
	rc |= sqlite3_bind_int64(stmt, 3, CLAMP(limit, 1, max));
	return cw_store_check_bind(self, rc, purpose, error);
}

/**
 * cw_store_trades_page:
 * @bot_name: the bot
 * @before: only trades with a smaller id; 0 for the newest
 * @limit: the most trades to return (1..1000)
 *
 * Returns: (transfer full) (element-type CwStoreTrade): live trades,
 *   newest first, or %NULL on error
 */
GPtrArray *
cw_store_trades_page(CwStore *self, const char *bot_name, gint64 before, guint limit,
		     GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	const char *purpose = "reading a page of trades";

	g_return_val_if_fail(CW_IS_STORE(self), NULL);

	locker = cw_store_lock(self);
	stmt = cw_store_stmt(
	    self, CW_STORE_STMT_TRADE_PAGE,
	    "SELECT id, run_id, bot_name, strategy_id, symbol, direction, entry_time, exit_time,"
	    " entry_price, exit_price, qty, fees, gross_pnl, net_pnl, exit_reason, seq, created_at,"
	    " bot_id FROM trading_trades WHERE run_id IS NULL AND bot_name = ?1"
	    " AND id < ?2 ORDER BY id DESC LIMIT ?3",
	    purpose, error);
	if (stmt == NULL ||
	    !cw_store_page_bind(self, stmt, bot_name, before, limit, 1000, purpose, error))
		return NULL;
	return cw_store_collect(self, stmt, cw_store_trade_from_row, TRUE,
				(GDestroyNotify) cw_store_trade_free, purpose, error);
}

void
cw_store_metrics_row_free(CwStoreMetricsRow *row)
{
	if (row == NULL)
		return;
	g_free(row->strategy_id);
	g_free(row);
}

static gpointer
cw_store_metrics_row_read(sqlite3_stmt *stmt, gboolean flag, GError **error)
{
	CwStoreMetricsRow *row = g_new0(CwStoreMetricsRow, 1);

	row->id = sqlite3_column_int64(stmt, 0);
	row->strategy_id = g_strdup((const char *) sqlite3_column_text(stmt, 1));
	row->time = sqlite3_column_int64(stmt, 2);
	row->equity = sqlite3_column_double(stmt, 3);
	row->balance = sqlite3_column_double(stmt, 4);
	row->realized_pnl = sqlite3_column_double(stmt, 5);
	row->unrealized_pnl = sqlite3_column_double(stmt, 6);
	row->trades = sqlite3_column_int64(stmt, 7);
	row->max_drawdown_pct = sqlite3_column_double(stmt, 8);
	return row;
}

/**
 * cw_store_metrics_page:
 * @bot_name: the bot
 * @before: only rows with a smaller id; 0 for the newest
 * @limit: the most rows to return (1..5000)
 *
 * Returns: (transfer full) (element-type CwStoreMetricsRow): newest first
 */
GPtrArray *
cw_store_metrics_page(CwStore *self, const char *bot_name, gint64 before, guint limit,
		      GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	const char *purpose = "reading a page of performance metrics";

	g_return_val_if_fail(CW_IS_STORE(self), NULL);

	locker = cw_store_lock(self);
	stmt = cw_store_stmt(self, CW_STORE_STMT_METRICS_PAGE,
			     "SELECT id, strategy_id, time, equity, balance, realized_pnl,"
			     " unrealized_pnl, trades, max_drawdown_pct"
			     " FROM trading_performance_metrics WHERE run_id IS NULL"
			     " AND bot_name = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
			     purpose, error);
	if (stmt == NULL ||
	    !cw_store_page_bind(self, stmt, bot_name, before, limit, 5000, purpose, error))
		return NULL;
	return cw_store_collect(self, stmt, cw_store_metrics_row_read, FALSE,
				(GDestroyNotify) cw_store_metrics_row_free, purpose, error);
}
