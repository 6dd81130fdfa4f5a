/* CwStore: the trading_bots table (schema v2). Rows are also written by
 * other programs with plain SQL, so everything read back is checked. */
#include "cw-store-private.h"

#include <string.h>

#define CW_STORE_BOT_COLUMNS                                                                       \
	"SELECT id, name, config, enabled, status, started_at, stopped_at, last_heartbeat,"        \
	" error_count, last_error, updated_at FROM trading_bots"

static const char *const cw_store_bot_statuses[] = {"stopped", "starting", "running", "error"};

/**
 * cw_store_bot_status_is_valid:
 * @status: (nullable): a status string
 *
 * Returns: %TRUE for "stopped", "starting", "running" and "error"
 */
gboolean
cw_store_bot_status_is_valid(const char *status)
{
	if (status == NULL)
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(cw_store_bot_statuses); i++) {
		if (strcmp(status, cw_store_bot_statuses[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

/**
 * cw_store_bot_clear:
 *
 * Frees the strings of a #CwStoreBot filled by the store and zeroes it.
 */
void
cw_store_bot_clear(CwStoreBot *bot)
{
	if (bot == NULL)
		return;
	g_free(bot->name);
	g_free(bot->config);
	g_free(bot->status);
	g_free(bot->last_error);
	g_clear_error(&bot->corrupt);
	memset(bot, 0, sizeof(*bot));
}

/**
 * cw_store_bot_free:
 */
void
cw_store_bot_free(CwStoreBot *bot)
{
	if (bot == NULL)
		return;
	cw_store_bot_clear(bot);
	g_free(bot);
}

/* Reads a row of CW_STORE_BOT_COLUMNS into out (which must be zeroed). On a
 * corrupt row out holds what could be read and error says what is wrong. */
static gboolean
cw_store_bot_from_row(sqlite3_stmt *stmt, CwStoreBot *out, GError **error)
{
	g_auto(CwStoreRow) row = {0};

	cw_store_row_init(&row, stmt, "trading_bots");
	out->id = row.rowid;
	out->name = g_strdup(cw_store_row_text(&row, 1, TRUE));
	out->config = g_strdup(cw_store_row_utf8(&row, 2, TRUE));
	out->enabled = cw_store_row_bool(&row, 3);
	out->status = g_strdup(cw_store_row_text(&row, 4, TRUE));
	if (out->status != NULL && !cw_store_bot_status_is_valid(out->status)) {
		g_clear_pointer(&out->status, g_free);
		if (row.error == NULL) {
			g_set_error(&row.error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT,
				    "corrupt row in trading_bots (rowid %" G_GINT64_FORMAT
				    "): column status holds unknown value '%s'",
				    row.rowid, (const char *) sqlite3_column_text(stmt, 4));
		}
	}
	out->started_at = cw_store_row_int(&row, 5, FALSE);
	out->stopped_at = cw_store_row_int(&row, 6, FALSE);
	out->last_heartbeat = cw_store_row_int(&row, 7, FALSE);
	out->error_count = cw_store_row_int(&row, 8, FALSE);
	out->last_error = g_strdup(cw_store_row_text(&row, 9, FALSE));
	out->updated_at = cw_store_row_int(&row, 10, FALSE);
	return cw_store_row_finish(&row, error);
}

/**
 * cw_store_bot_add:
 * @name: unique, non-empty name
 * @config_json: the bot's configuration
 * @enabled: whether the service should run it
 *
 * Returns: the new bot's id, -1 on error
 */
gint64
cw_store_bot_add(CwStore *self, const char *name, const char *config_json, gboolean enabled,
		 GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autofree char *purpose = NULL;
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), -1);

	if (name == NULL || name[0] == '\0') {
		g_set_error_literal(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT,
				    "adding a bot: the name is empty");
		return -1;
	}
	if (config_json == NULL) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT,
			    "adding bot '%s': the configuration is missing", name);
		return -1;
	}

	locker = cw_store_lock(self);
	purpose = g_strdup_printf("adding bot '%s'", name);
	stmt = cw_store_stmt(self, CW_STORE_STMT_BOT_ADD,
			     "INSERT INTO trading_bots (name, config, enabled) VALUES (?1, ?2, ?3)",
			     purpose, error);
	if (stmt == NULL)
		return -1;
	rc |= cw_store_bind_text(stmt, 1, name);
	rc |= cw_store_bind_text(stmt, 2, config_json);
	rc |= sqlite3_bind_int(stmt, 3, enabled ? 1 : 0);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return -1;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT,
			    "a bot named '%s' already exists", name);
		return -1;
	}
	if (rc != SQLITE_DONE) {
		cw_store_set_error(self, error, rc, "%s", purpose);
		return -1;
	}
	return sqlite3_last_insert_rowid(cw_store_get_db(self));
}

/* Runs a bot SELECT that matches at most one row. */
static gboolean
cw_store_bot_get_one(CwStore *self, sqlite3_stmt *stmt, const char *purpose, CwStoreBot *out,
		     GError **error)
{
	g_auto(CwStoreBot) bot = {0};
	int rc;

	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND, "%s: no such bot",
			    purpose);
		return FALSE;
	}
	if (rc != SQLITE_ROW) {
		cw_store_set_error(self, error, rc, "%s", purpose);
		return FALSE;
	}
	if (!cw_store_bot_from_row(stmt, &bot, error))
		return FALSE;
	*out = bot;
	memset(&bot, 0, sizeof(bot));
	return TRUE;
}

/**
 * cw_store_bot_get:
 * @name: the bot's name
 * @out: (out caller-allocates): filled on success; free with cw_store_bot_clear()
 */
gboolean
cw_store_bot_get(CwStore *self, const char *name, CwStoreBot *out, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autofree char *purpose = NULL;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);
	g_return_val_if_fail(name != NULL, FALSE);
	g_return_val_if_fail(out != NULL, FALSE);

	locker = cw_store_lock(self);
	purpose = g_strdup_printf("reading bot '%s'", name);
	stmt = cw_store_stmt(self, CW_STORE_STMT_BOT_GET, CW_STORE_BOT_COLUMNS " WHERE name = ?1",
			     purpose, error);
	if (stmt == NULL)
		return FALSE;
	if (!cw_store_check_bind(self, cw_store_bind_text(stmt, 1, name), purpose, error))
		return FALSE;
	return cw_store_bot_get_one(self, stmt, purpose, out, error);
}

/**
 * cw_store_bot_get_by_id:
 * @id: the bot's id
 * @out: (out caller-allocates): filled on success; free with cw_store_bot_clear()
 */
gboolean
cw_store_bot_get_by_id(CwStore *self, gint64 id, CwStoreBot *out, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autofree char *purpose = NULL;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);
	g_return_val_if_fail(out != NULL, FALSE);

	locker = cw_store_lock(self);
	purpose = g_strdup_printf("reading bot %" G_GINT64_FORMAT, id);
	stmt = cw_store_stmt(self, CW_STORE_STMT_BOT_GET_BY_ID,
			     CW_STORE_BOT_COLUMNS " WHERE id = ?1", purpose, error);
	if (stmt == NULL)
		return FALSE;
	if (!cw_store_check_bind(self, sqlite3_bind_int64(stmt, 1, id), purpose, error))
		return FALSE;
	return cw_store_bot_get_one(self, stmt, purpose, out, error);
}

/**
 * cw_store_bot_list:
 *
 * Returns: (transfer full) (element-type CwStoreBot): every bot in id order;
 *   corrupt rows have ->corrupt set. %NULL on error.
 */
GPtrArray *
cw_store_bot_list(CwStore *self, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autoptr(GPtrArray) bots = NULL;
	const char *purpose = "listing bots";
	int rc;

	g_return_val_if_fail(CW_IS_STORE(self), NULL);

	locker = cw_store_lock(self);
	stmt = cw_store_stmt(self, CW_STORE_STMT_BOT_LIST, CW_STORE_BOT_COLUMNS " ORDER BY id",
			     purpose, error);
	if (stmt == NULL)
		return NULL;
	bots = g_ptr_array_new_with_free_func((GDestroyNotify) cw_store_bot_free);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		CwStoreBot *bot = g_new0(CwStoreBot, 1);
		cw_store_bot_from_row(stmt, bot, &bot->corrupt);
		g_ptr_array_add(bots, bot);
	}
	if (rc != SQLITE_DONE) {
		cw_store_set_error(self, error, rc, "%s", purpose);
		return NULL;
	}
	return g_steal_pointer(&bots);
}

/* Steps an UPDATE or DELETE of one bot; NOT_FOUND when no row changed. */
static gboolean
cw_store_bot_step_one(CwStore *self, sqlite3_stmt *stmt, const char *purpose, GError **error)
{
	if (!cw_store_step_done(self, stmt, purpose, error))
		return FALSE;
	if (sqlite3_changes(cw_store_get_db(self)) == 0) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND, "%s: no such bot",
			    purpose);
		return FALSE;
	}
	return TRUE;
}

/**
 * cw_store_bot_set_enabled:
 *
 * Enables or disables a bot; updated_at moves (trigger).
 */
gboolean
cw_store_bot_set_enabled(CwStore *self, gint64 id, gboolean enabled, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autofree char *purpose = NULL;
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);

	locker = cw_store_lock(self);
	purpose =
	    g_strdup_printf("%s bot %" G_GINT64_FORMAT, enabled ? "enabling" : "disabling", id);
	stmt = cw_store_stmt(self, CW_STORE_STMT_BOT_SET_ENABLED,
			     "UPDATE trading_bots SET enabled = ?2 WHERE id = ?1", purpose, error);
	if (stmt == NULL)
		return FALSE;
	rc |= sqlite3_bind_int64(stmt, 1, id);
	rc |= sqlite3_bind_int(stmt, 2, enabled ? 1 : 0);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return FALSE;
	return cw_store_bot_step_one(self, stmt, purpose, error);
}

/**
 * cw_store_bot_set_config:
 * @config_json: the new configuration
 *
 * Replaces a bot's configuration; updated_at moves (trigger).
 */
gboolean
cw_store_bot_set_config(CwStore *self, gint64 id, const char *config_json, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autofree char *purpose = NULL;
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);

	purpose = g_strdup_printf("setting the configuration of bot %" G_GINT64_FORMAT, id);
	if (config_json == NULL) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT,
			    "%s: the configuration is missing", purpose);
		return FALSE;
	}
	locker = cw_store_lock(self);
	stmt = cw_store_stmt(self, CW_STORE_STMT_BOT_SET_CONFIG,
			     "UPDATE trading_bots SET config = ?2 WHERE id = ?1", purpose, error);
	if (stmt == NULL)
		return FALSE;
	rc |= sqlite3_bind_int64(stmt, 1, id);
	rc |= cw_store_bind_text(stmt, 2, config_json);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return FALSE;
	return cw_store_bot_step_one(self, stmt, purpose, error);
}

/**
 * cw_store_bot_set_status:
 * @status: "stopped", "starting", "running" or "error"
 * @error_text: (nullable): the error, for status "error"
 * @now_ms: the time of the change
 *
 * Records a status change: "running" sets started_at and last_heartbeat,
 * "stopped" sets stopped_at, "error" increments error_count and sets
 * last_error. updated_at is left alone, so this does not look like an edit.
 */
gboolean
cw_store_bot_set_status(CwStore *self, gint64 id, const char *status, const char *error_text,
			gint64 now_ms, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autofree char *purpose = NULL;
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);

	purpose = g_strdup_printf("setting the status of bot %" G_GINT64_FORMAT " to '%s'", id,
				  status != NULL ? status : "(null)");
	if (!cw_store_bot_status_is_valid(status)) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT,
			    "%s: unknown status (expected stopped, starting, running or error)",
			    purpose);
		return FALSE;
	}
	locker = cw_store_lock(self);
	stmt = cw_store_stmt(
	    self, CW_STORE_STMT_BOT_SET_STATUS,
	    "UPDATE trading_bots SET status = ?2,"
	    " started_at = CASE WHEN ?2 = 'running' THEN ?4 ELSE started_at END,"
	    " last_heartbeat = CASE WHEN ?2 = 'running' THEN ?4 ELSE last_heartbeat END,"
	    " stopped_at = CASE WHEN ?2 = 'stopped' THEN ?4 ELSE stopped_at END,"
	    " error_count = error_count + (CASE WHEN ?2 = 'error' THEN 1 ELSE 0 END),"
	    " last_error = CASE WHEN ?2 = 'error' THEN ?3 ELSE last_error END"
	    " WHERE id = ?1",
	    purpose, error);
	if (stmt == NULL)
		return FALSE;
	rc |= sqlite3_bind_int64(stmt, 1, id);
	rc |= cw_store_bind_text(stmt, 2, status);
	rc |= cw_store_bind_text(stmt, 3, error_text);
	rc |= sqlite3_bind_int64(stmt, 4, now_ms);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return FALSE;
	return cw_store_bot_step_one(self, stmt, purpose, error);
}

/**
 * cw_store_bot_heartbeat:
 * @now_ms: the time of the heartbeat
 */
gboolean
cw_store_bot_heartbeat(CwStore *self, gint64 id, gint64 now_ms, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autofree char *purpose = NULL;
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);

	locker = cw_store_lock(self);
	purpose = g_strdup_printf("recording a heartbeat of bot %" G_GINT64_FORMAT, id);
	stmt = cw_store_stmt(self, CW_STORE_STMT_BOT_HEARTBEAT,
			     "UPDATE trading_bots SET last_heartbeat = ?2 WHERE id = ?1", purpose,
			     error);
	if (stmt == NULL)
		return FALSE;
	rc |= sqlite3_bind_int64(stmt, 1, id);
	rc |= sqlite3_bind_int64(stmt, 2, now_ms);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return FALSE;
	return cw_store_bot_step_one(self, stmt, purpose, error);
}

/**
 * cw_store_bot_remove:
 *
 * Deletes the bot; its orders, positions and state go with it.
 */
gboolean
cw_store_bot_remove(CwStore *self, gint64 id, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autofree char *purpose = NULL;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);

	locker = cw_store_lock(self);
	purpose = g_strdup_printf("removing bot %" G_GINT64_FORMAT, id);
	stmt = cw_store_stmt(self, CW_STORE_STMT_BOT_REMOVE,
			     "DELETE FROM trading_bots WHERE id = ?1", purpose, error);
	if (stmt == NULL)
		return FALSE;
	if (!cw_store_check_bind(self, sqlite3_bind_int64(stmt, 1, id), purpose, error))
		return FALSE;
	return cw_store_bot_step_one(self, stmt, purpose, error);
}
