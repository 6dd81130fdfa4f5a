/* The notification outbox: the SQL of the 'outbox' table (schema v4). */
#include "cw-services-store.h"

#include "cw-store-private.h"

#define CW_OUTBOX_COLUMNS                                                                          \
	"id, idempotency_key, notifier, event_seq, bot_id, bot_name, strategy_id, event_type,"     \
	" level, silent, title, body, created_at, state, attempts, next_attempt_at, last_error,"   \
	" sent_at"

/** cw_store_outbox_row_free: frees a row; NULL is fine. */
void
cw_store_outbox_row_free(CwStoreOutboxRow *row)
{
	if (row == NULL)
		return;
	g_free(row->key);
	g_free(row->notifier);
	g_free(row->bot_name);
	g_free(row->strategy_id);
	g_free(row->event_type);
	g_free(row->level);
	g_free(row->title);
	g_free(row->body);
	g_free(row->state);
	g_free(row->last_error);
	g_free(row);
}

static sqlite3_stmt *
cw_store_outbox_prepare(CwStore *self, const char *sql, const char *purpose, GError **error)
{
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(cw_store_get_db(self), sql, -1, &stmt, NULL);

	if (rc != SQLITE_OK) {
		cw_store_set_error(self, error, rc, "%s", purpose);
		sqlite3_finalize(stmt);
		return NULL;
	}
	return stmt;
}

/**
 * cw_store_outbox_insert:
 *
 * Returns: the new row's id, 0 when the key is there already, -1 on error.
 */
gint64
cw_store_outbox_insert(CwStore *self, const CwStoreOutboxRow *row, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = cw_store_lock(self);
	const char *purpose = "adding a notification to the outbox";
	/* cached: one insert per notifier for every notifying event */
	g_autoptr(CwStoreStmt) stmt = cw_store_stmt(
	    self, CW_STORE_STMT_OUTBOX_INSERT,
	    "INSERT OR IGNORE INTO outbox (idempotency_key, notifier, event_seq, bot_id, bot_name,"
	    " strategy_id, event_type, level, silent, title, body, created_at, next_attempt_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	    purpose, error);
	int rc = SQLITE_OK;

	if (stmt == NULL)
		return -1;
	rc |= cw_store_bind_text(stmt, 1, row->key);
	rc |= cw_store_bind_text(stmt, 2, row->notifier);
	rc |= row->event_seq > 0 ? sqlite3_bind_int64(stmt, 3, row->event_seq)
				 : sqlite3_bind_null(stmt, 3);
	rc |= cw_store_bind_bot_id(stmt, 4, row->bot_id);
	rc |= cw_store_bind_text(stmt, 5, row->bot_name);
	rc |= cw_store_bind_text(stmt, 6, row->strategy_id);
	rc |= cw_store_bind_text(stmt, 7, row->event_type);
	rc |= cw_store_bind_text(stmt, 8, row->level);
	rc |= sqlite3_bind_int(stmt, 9, row->silent ? 1 : 0);
	rc |= cw_store_bind_text(stmt, 10, row->title != NULL ? row->title : "");
	rc |= cw_store_bind_text(stmt, 11, row->body != NULL ? row->body : "");
	rc |= sqlite3_bind_int64(stmt, 12, row->created_at);
	rc |= sqlite3_bind_int64(stmt, 13, row->next_attempt_at);
	if (!cw_store_check_bind(self, rc, purpose, error) ||
	    !cw_store_step_done(self, stmt, purpose, error))
		return -1;
	if (sqlite3_changes(cw_store_get_db(self)) == 0)
		return 0;
	return sqlite3_last_insert_rowid(cw_store_get_db(self));
}

static gpointer
cw_store_outbox_from_row(sqlite3_stmt *stmt, gboolean flag, GError **error)
{
	g_auto(CwStoreRow) row = {0};
	g_autoptr(CwStoreOutboxRow) out = g_new0(CwStoreOutboxRow, 1);
	gint64 attempts;

	cw_store_row_init(&row, stmt, "outbox");
	out->id = row.rowid;
	out->key = g_strdup(cw_store_row_text(&row, 1, TRUE));
	out->notifier = g_strdup(cw_store_row_text(&row, 2, TRUE));
	out->event_seq = cw_store_row_int(&row, 3, FALSE);
	out->bot_id = cw_store_row_int(&row, 4, FALSE);
	out->bot_name = g_strdup(cw_store_row_text(&row, 5, FALSE));
	out->strategy_id = g_strdup(cw_store_row_text(&row, 6, FALSE));
	out->event_type = g_strdup(cw_store_row_text(&row, 7, TRUE));
	out->level = g_strdup(cw_store_row_text(&row, 8, TRUE));
	out->silent = cw_store_row_bool(&row, 9);
	out->title = g_strdup(cw_store_row_utf8(&row, 10, TRUE));
	out->body = g_strdup(cw_store_row_utf8(&row, 11, TRUE));
	out->created_at = cw_store_row_int(&row, 12, TRUE);
	out->state = g_strdup(cw_store_row_text(&row, 13, TRUE));
	attempts = cw_store_row_int(&row, 14, TRUE);
	out->attempts = (guint) CLAMP(attempts, 0, G_MAXINT32);
	out->next_attempt_at = cw_store_row_int(&row, 15, TRUE);
	out->last_error = g_strdup(cw_store_row_utf8(&row, 16, FALSE));
	out->sent_at = cw_store_row_int(&row, 17, FALSE);
	if (!cw_store_row_finish(&row, error))
		return NULL;
	return g_steal_pointer(&out);
}

static GPtrArray *
cw_store_outbox_collect(CwStore *self, sqlite3_stmt *stmt, const char *purpose, GError **error)
{
	return cw_store_collect(self, stmt, cw_store_outbox_from_row, FALSE,
				(GDestroyNotify) cw_store_outbox_row_free, purpose, error);
}

/**
 * cw_store_outbox_due:
 *
 * Returns: (transfer full) (element-type CwStoreOutboxRow): the due rows.
 */
GPtrArray *
cw_store_outbox_due(CwStore *self, const char *notifier, gint64 now, guint limit, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = cw_store_lock(self);
	const char *purpose = "reading the due notifications";
	g_autoptr(sqlite3_stmt) stmt = cw_store_outbox_prepare(
	    self,
	    "SELECT " CW_OUTBOX_COLUMNS " FROM outbox WHERE state = 'pending' AND notifier = ?1"
	    " AND next_attempt_at <= ?2 ORDER BY id LIMIT ?3",
	    purpose, error);
	int rc = SQLITE_OK;

	if (stmt == NULL)
		return NULL;
	rc |= cw_store_bind_text(stmt, 1, notifier);
	rc |= sqlite3_bind_int64(stmt, 2, now);
	rc |= sqlite3_bind_int64(stmt, 3, limit > 0 ? (gint64) limit : -1);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return NULL;
	return cw_store_outbox_collect(self, stmt, purpose, error);
}

static gboolean
cw_store_outbox_update(CwStore *self, const char *sql, gint64 id, gint64 a, gint64 b,
		       const char *text, const char *purpose, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = cw_store_lock(self);
	g_autoptr(sqlite3_stmt) stmt = cw_store_outbox_prepare(self, sql, purpose, error);
	int rc = SQLITE_OK;
	int n;

	if (stmt == NULL)
		return FALSE;
	/* each statement takes the leading parameters it names */
	n = sqlite3_bind_parameter_count(stmt);
	rc |= sqlite3_bind_int64(stmt, 1, id);
	rc |= n >= 2 ? sqlite3_bind_int64(stmt, 2, a) : SQLITE_OK;
	rc |= n >= 3 ? sqlite3_bind_int64(stmt, 3, b) : SQLITE_OK;
	rc |= n >= 4 ? cw_store_bind_text(stmt, 4, text) : SQLITE_OK;
	return cw_store_check_bind(self, rc, purpose, error) &&
	       cw_store_step_done(self, stmt, purpose, error);
}

gboolean
cw_store_outbox_mark_sent(CwStore *self, gint64 id, gint64 at, GError **error)
{
	return cw_store_outbox_update(self,
				      "UPDATE outbox SET state = 'sent', sent_at = ?2,"
				      " attempts = attempts + 1, last_error = NULL"
				      " WHERE id = ?1",
				      id, at, 0, NULL, "marking a notification sent", error);
}

gboolean
cw_store_outbox_mark_retry(CwStore *self, gint64 id, guint attempts, gint64 next_at,
			   const char *last_error, GError **error)
{
	return cw_store_outbox_update(self,
				      "UPDATE outbox SET attempts = ?2, next_attempt_at = ?3,"
				      " last_error = ?4 WHERE id = ?1 AND state = 'pending'",
				      id, attempts, next_at, last_error,
				      "scheduling a notification's retry", error);
}

gboolean
cw_store_outbox_mark_dead(CwStore *self, gint64 id, guint attempts, const char *last_error,
			  GError **error)
{
	return cw_store_outbox_update(self,
				      "UPDATE outbox SET state = 'dead', attempts = ?2,"
				      " last_error = ?4 WHERE id = ?1",
				      id, attempts, 0, last_error,
				      "moving a notification to the dead letters", error);
}

/**
 * cw_store_outbox_list:
 * @state: (nullable): "pending", "sent" or "dead"; NULL for every row
 *
 * Returns: (transfer full) (element-type CwStoreOutboxRow): the rows.
 */
GPtrArray *
cw_store_outbox_list(CwStore *self, const char *state, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = cw_store_lock(self);
	const char *purpose = "listing the outbox";
	g_autoptr(sqlite3_stmt) stmt = cw_store_outbox_prepare(
	    self,
	    "SELECT " CW_OUTBOX_COLUMNS " FROM outbox WHERE ?1 IS NULL OR state = ?1 ORDER BY id",
	    purpose, error);

	if (stmt == NULL)
		return NULL;
	if (!cw_store_check_bind(self, cw_store_bind_text(stmt, 1, state), purpose, error))
		return NULL;
	return cw_store_outbox_collect(self, stmt, purpose, error);
}

static gint64
cw_store_outbox_change(CwStore *self, const char *sql, gint64 a, gint64 b, const char *purpose,
		       GError **error)
{
	g_autoptr(GRecMutexLocker) locker = cw_store_lock(self);
	g_autoptr(sqlite3_stmt) stmt = cw_store_outbox_prepare(self, sql, purpose, error);
	int rc = SQLITE_OK;

	if (stmt == NULL)
		return -1;
	rc |= sqlite3_bind_int64(stmt, 1, a);
	if (sqlite3_bind_parameter_count(stmt) >= 2)
		rc |= sqlite3_bind_int64(stmt, 2, b);
	if (!cw_store_check_bind(self, rc, purpose, error) ||
	    !cw_store_step_done(self, stmt, purpose, error))
		return -1;
	return sqlite3_changes(cw_store_get_db(self));
}

gint64
cw_store_outbox_retry(CwStore *self, gint64 id, gint64 now, GError **error)
{
	return cw_store_outbox_change(self,
				      "UPDATE outbox SET state = 'pending', attempts = 0,"
				      " next_attempt_at = ?2 WHERE state = 'dead'"
				      " AND (?1 = 0 OR id = ?1)",
				      id, now, "retrying dead letters", error);
}

gint64
cw_store_outbox_purge(CwStore *self, gboolean dead, GError **error)
{
	return cw_store_outbox_change(self,
				      "DELETE FROM outbox WHERE state = 'sent'"
				      " OR (?1 = 1 AND state = 'dead')",
				      dead ? 1 : 0, 0, "purging the outbox", error);
}

/** cw_store_daily_figures_free: frees one bot's figures. */
void
cw_store_daily_figures_free(CwStoreDailyFigures *figures)
{
	if (figures == NULL)
		return;
	g_free(figures->bot_name);
	g_free(figures);
}

/**
 * cw_store_daily_figures:
 *
 * Returns: (transfer full) (element-type CwStoreDailyFigures): one element
 *   per bot in id order, or NULL on error.
 */
GPtrArray *
cw_store_daily_figures(CwStore *self, gint64 from_ms, gint64 to_ms, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = cw_store_lock(self);
	const char *purpose = "reading the daily summary's figures";
	g_autoptr(sqlite3_stmt) stmt = cw_store_outbox_prepare(
	    self,
	    "SELECT b.id, b.name,"
	    " (SELECT count(*) FROM trading_trades t WHERE t.run_id IS NULL"
	    "   AND t.bot_name = b.name AND t.exit_time >= ?1 AND t.exit_time < ?2),"
	    " (SELECT coalesce(sum(t.net_pnl), 0) FROM trading_trades t WHERE t.run_id IS NULL"
	    "   AND t.bot_name = b.name AND t.exit_time >= ?1 AND t.exit_time < ?2),"
	    " (SELECT m.equity FROM trading_performance_metrics m WHERE m.run_id IS NULL"
	    "   AND m.bot_name = b.name AND m.strategy_id IS NULL ORDER BY m.time DESC LIMIT 1),"
	    " (SELECT m.max_drawdown_pct FROM trading_performance_metrics m WHERE m.run_id IS NULL"
	    "   AND m.bot_name = b.name AND m.strategy_id IS NULL ORDER BY m.time DESC LIMIT 1)"
	    " FROM trading_bots b ORDER BY b.id",
	    purpose, error);
	g_autoptr(GPtrArray) out =
	    g_ptr_array_new_with_free_func((GDestroyNotify) cw_store_daily_figures_free);
	int rc = SQLITE_OK;

	if (stmt == NULL)
		return NULL;
	rc |= sqlite3_bind_int64(stmt, 1, from_ms);
	rc |= sqlite3_bind_int64(stmt, 2, to_ms);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return NULL;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		g_auto(CwStoreRow) row = {0};
		CwStoreDailyFigures *f = g_new0(CwStoreDailyFigures, 1);
		cw_store_row_init(&row, stmt, "trading_bots");
		f->bot_name = g_strdup(cw_store_row_utf8(&row, 1, TRUE));
		f->trades = cw_store_row_int(&row, 2, TRUE);
		f->net_pnl = cw_store_row_double(&row, 3, TRUE);
		f->has_equity = sqlite3_column_type(stmt, 4) != SQLITE_NULL;
		f->equity = cw_store_row_double(&row, 4, FALSE);
		f->max_drawdown_pct = cw_store_row_double(&row, 5, FALSE);
		g_ptr_array_add(out, f);
		if (!cw_store_row_finish(&row, error))
			return NULL;
	}
	if (rc != SQLITE_DONE) {
		cw_store_set_error(self, error, rc, "%s", purpose);
		return NULL;
	}
	return g_steal_pointer(&out);
}

/** cw_store_outbox_get_cursor: FALSE with error when the row cannot be read. */
gboolean
cw_store_outbox_get_cursor(CwStore *self, gint64 *routed_seq, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = cw_store_lock(self);
	const char *purpose = "reading the outbox's routing cursor";
	g_autoptr(CwStoreStmt) stmt =
	    cw_store_stmt(self, CW_STORE_STMT_OUTBOX_CURSOR_GET,
			  "SELECT routed_seq FROM outbox_cursor WHERE id = 1", purpose, error);
	int rc;

	if (stmt == NULL)
		return FALSE;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		g_set_error_literal(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT,
				    "outbox_cursor row 1 is missing: the routing cursor cannot be "
				    "read, so no journal event is routed to the notifiers");
		return FALSE;
	}
	if (rc != SQLITE_ROW) {
		cw_store_set_error(self, error, rc, "%s", purpose);
		return FALSE;
	}
	if (sqlite3_column_type(stmt, 0) != SQLITE_INTEGER || sqlite3_column_int64(stmt, 0) < 0) {
		const char *text = (const char *) sqlite3_column_text(stmt, 0);
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT,
			    "outbox_cursor row 1, column routed_seq: '%s' is not a sequence "
			    "number (an integer >= 0)",
			    text != NULL ? text : "NULL");
		return FALSE;
	}
	*routed_seq = sqlite3_column_int64(stmt, 0);
	return TRUE;
}

/** cw_store_outbox_set_cursor: FALSE with error on a store error. */
gboolean
cw_store_outbox_set_cursor(CwStore *self, gint64 routed_seq, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = cw_store_lock(self);
	const char *purpose = "moving the outbox's routing cursor";
	g_autoptr(CwStoreStmt) stmt =
	    cw_store_stmt(self, CW_STORE_STMT_OUTBOX_CURSOR_SET,
			  "UPDATE outbox_cursor SET routed_seq = max(routed_seq, ?1) WHERE id = 1",
			  purpose, error);

	if (stmt == NULL)
		return FALSE;
	return cw_store_check_bind(self, sqlite3_bind_int64(stmt, 1, routed_seq), purpose, error) &&
	       cw_store_step_done(self, stmt, purpose, error);
}
