/* The candles table: what live feeds received (schema v4). */
#include "cw-services-store.h"

#include "cw-store-private.h"

/**
 * cw_store_candle_insert:
 * @exchange: "bybit", "binance", "bybit-spot", ...
 * @symbol: the symbol
 * @interval_ms: the candle length
 * @candle: the closed candle
 *
 * Inserts the candle unless one with the same key is there.
 *
 * Returns: FALSE on a database error
 */
gboolean
cw_store_candle_insert(CwStore *self, const char *exchange, const char *symbol, gint64 interval_ms,
		       const CwCandle *candle, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = cw_store_lock(self);
	g_autoptr(CwStoreStmt) stmt = NULL;
	const char *purpose = "recording a candle";
	char interval[16];
	int rc = SQLITE_OK;

	stmt = cw_store_stmt(self, CW_STORE_STMT_CANDLE_INSERT,
			     "INSERT OR IGNORE INTO candles (exchange, symbol, interval, open_time,"
			     " open, high, low, close, volume) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
			     " ?8, ?9)",
			     purpose, error);
	if (stmt == NULL)
		return FALSE;
	cw_interval_format(interval_ms, interval, sizeof interval);
	rc |= cw_store_bind_text(stmt, 1, exchange);
	rc |= cw_store_bind_text(stmt, 2, symbol);
	rc |= cw_store_bind_text(stmt, 3, interval);
	rc |= sqlite3_bind_int64(stmt, 4, candle->open_time);
	rc |= sqlite3_bind_double(stmt, 5, candle->open);
	rc |= sqlite3_bind_double(stmt, 6, candle->high);
	rc |= sqlite3_bind_double(stmt, 7, candle->low);
	rc |= sqlite3_bind_double(stmt, 8, candle->close);
	rc |= sqlite3_bind_double(stmt, 9, candle->volume);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return FALSE;
	return cw_store_step_done(self, stmt, purpose, error);
}

/* The rows of stmt (open_time, open, high, low, close, volume) into out; a
 * value that is not a number is an error naming the row. */
static gboolean
cw_store_candles_collect(CwStore *self, sqlite3_stmt *stmt, const char *symbol, gint64 interval_ms,
			 GArray *out, GError **error)
{
	static const char *const columns[] = {"open_time", "open",  "high",
					      "low",       "close", "volume"};
	GQuark quark = g_quark_from_string(symbol);
	int rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		CwCandle c = {.symbol = quark, .interval_ms = interval_ms};

		for (int k = 0; k < 6; k++) {
			int type = sqlite3_column_type(stmt, k);

			if (type != SQLITE_INTEGER && (k == 0 || type != SQLITE_FLOAT)) {
				g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT,
					    "candles: row of %s at open_time %s: %s is not a "
					    "number",
					    symbol,
					    sqlite3_column_text(stmt, 0) != NULL
						? (const char *) sqlite3_column_text(stmt, 0)
						: "NULL",
					    columns[k]);
				return FALSE;
			}
		}
		c.open_time = sqlite3_column_int64(stmt, 0);
		c.open = sqlite3_column_double(stmt, 1);
		c.high = sqlite3_column_double(stmt, 2);
		c.low = sqlite3_column_double(stmt, 3);
		c.close = sqlite3_column_double(stmt, 4);
		c.volume = sqlite3_column_double(stmt, 5);
		g_array_append_val(out, c);
	}
	if (rc != SQLITE_DONE) {
		cw_store_set_error(self, error, rc, "reading candles");
		return FALSE;
	}
	return TRUE;
}

/**
 * cw_store_candles_read:
 * @from: the first open time (ms), or G_MININT64 for the newest candles
 * @limit: at most this many
 *
 * Returns: (transfer full) (nullable): the candles, oldest first
 */
GArray *
cw_store_candles_read(CwStore *self, const char *exchange, const char *symbol, gint64 interval_ms,
		      gint64 from, guint limit, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = cw_store_lock(self);
	g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	sqlite3_stmt *stmt = NULL;
	char interval[16];
	gboolean ok;
	int rc;

	cw_interval_format(interval_ms, interval, sizeof interval);
	rc = sqlite3_prepare_v2(
	    cw_store_get_db(self),
	    from == G_MININT64
		? "SELECT * FROM (SELECT open_time, open, high, low, close, volume FROM candles"
		  " WHERE exchange = ?1 AND symbol = ?2 AND interval = ?3 AND open_time >= ?4"
		  " ORDER BY open_time DESC LIMIT ?5) ORDER BY open_time"
		: "SELECT open_time, open, high, low, close, volume FROM candles"
		  " WHERE exchange = ?1 AND symbol = ?2 AND interval = ?3 AND open_time >= ?4"
		  " ORDER BY open_time LIMIT ?5",
	    -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		cw_store_set_error(self, error, rc, "reading candles");
		return NULL;
	}
	sqlite3_bind_text(stmt, 1, exchange, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, symbol, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 3, interval, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 4, from);
	sqlite3_bind_int64(stmt, 5, limit);
	ok = cw_store_candles_collect(self, stmt, symbol, interval_ms, out, error);
	sqlite3_finalize(stmt);
	return ok ? g_steal_pointer(&out) : NULL;
}

/**
 * cw_store_candles_query:
 * @from: the first open time (ms), inclusive
 * @to: the last open time (ms), inclusive
 *
 * Returns: (transfer full) (nullable): the candles, oldest first
 */
GArray *
cw_store_candles_query(CwStore *self, const char *exchange, const char *symbol, gint64 interval_ms,
		       gint64 from, gint64 to, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = cw_store_lock(self);
	g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	sqlite3_stmt *stmt = NULL;
	GQuark quark = g_quark_from_string(symbol);
	char interval[16];
	int rc;

	cw_interval_format(interval_ms, interval, sizeof interval);
	rc = sqlite3_prepare_v2(cw_store_get_db(self),
				"SELECT open_time, open, high, low, close, volume FROM candles"
				" WHERE exchange = ?1 AND symbol = ?2 AND interval = ?3"
				" AND open_time BETWEEN ?4 AND ?5 ORDER BY open_time",
				-1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		cw_store_set_error(self, error, rc, "reading candles");
		return NULL;
	}
	sqlite3_bind_text(stmt, 1, exchange, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, symbol, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 3, interval, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 4, from);
	sqlite3_bind_int64(stmt, 5, to);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		CwCandle c = {.symbol = quark, .interval_ms = interval_ms};

		c.open_time = sqlite3_column_int64(stmt, 0);
		c.open = sqlite3_column_double(stmt, 1);
		c.high = sqlite3_column_double(stmt, 2);
		c.low = sqlite3_column_double(stmt, 3);
		c.close = sqlite3_column_double(stmt, 4);
		c.volume = sqlite3_column_double(stmt, 5);
		g_array_append_val(out, c);
	}
	if (rc != SQLITE_DONE) {
		cw_store_set_error(self, error, rc, "reading candles");
		sqlite3_finalize(stmt);
		return NULL;
	}
	sqlite3_finalize(stmt);
	return g_steal_pointer(&out);
}

/**
 * cw_store_candles_exchanges:
 * @symbol: the symbol
 * @interval_ms: the candle length
 *
 * Returns: (transfer full) (nullable): the exchange names that have
 *   candles of symbol and interval, sorted (NULL-terminated), NULL on error
 */
GStrv
cw_store_candles_exchanges(CwStore *self, const char *symbol, gint64 interval_ms, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = cw_store_lock(self);
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
	const char *purpose = "listing the exchanges of the candles table";
	sqlite3_stmt *stmt = NULL;
	char interval[16];
	int rc;

	cw_interval_format(interval_ms, interval, sizeof interval);
	rc = sqlite3_prepare_v2(cw_store_get_db(self),
				"SELECT DISTINCT exchange FROM candles WHERE symbol = ?1 AND"
				" interval = ?2 ORDER BY exchange LIMIT 64",
				-1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		cw_store_set_error(self, error, rc, "%s", purpose);
		return NULL;
	}
	sqlite3_bind_text(stmt, 1, symbol, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, interval, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *name = (const char *) sqlite3_column_text(stmt, 0);
		if (name != NULL && g_utf8_validate(name, -1, NULL))
			g_ptr_array_add(out, g_strdup(name));
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		cw_store_set_error(self, error, rc, "%s", purpose);
		return NULL;
	}
	g_ptr_array_add(out, NULL);
	return (GStrv) g_ptr_array_free(g_steal_pointer(&out), FALSE);
}
