/* CwStore: the event journal and per-bot key/value state (schema v2). */
#include "cw-outbox-router.h"
#include "cw-store-private.h"

#include <errno.h>
#include <string.h>

static gint64
cw_store_event_insert(CwStore *self, gint64 bot_id, const char *strategy_id, const char *type_name,
		      gint64 time, const char *payload_json, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autofree char *purpose = NULL;
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), -1);

	if (type_name == NULL || type_name[0] == '\0') {
		g_set_error_literal(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT,
				    "appending an event: the event type is empty");
		return -1;
	}
	locker = cw_store_lock(self);
	purpose = g_strdup_printf("appending a '%s' event", type_name);
	stmt = cw_store_stmt(self, CW_STORE_STMT_EVENT_APPEND,
			     "INSERT INTO events (time, bot_id, strategy_id, type, payload)"
			     " VALUES (?1, ?2, ?3, ?4, ?5)",
			     purpose, error);
	if (stmt == NULL)
		return -1;
	rc |= sqlite3_bind_int64(stmt, 1, time);
	rc |= cw_store_bind_bot_id(stmt, 2, bot_id);
	rc |= cw_store_bind_text(stmt, 3, strategy_id);
	rc |= cw_store_bind_text(stmt, 4, type_name);
	rc |= cw_store_bind_text(stmt, 5, payload_json);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return -1;
	if (!cw_store_step_done(self, stmt, purpose, error))
		return -1;
	return sqlite3_last_insert_rowid(cw_store_get_db(self));
}

/**
 * cw_store_event_append:
 * @bot_id: the bot, 0 for none
 * @strategy_id: (nullable): the strategy that caused the event
 * @type_name: the event type, e.g. "order-filled"
 * @time: the event's time in ms
 * @payload_json: (nullable): the event's data as JSON
 *
 * Returns: the event's sequence number, -1 on error
 */
gint64
cw_store_event_append(CwStore *self, gint64 bot_id, const char *strategy_id, const char *type_name,
		      gint64 time, const char *payload_json, GError **error)
{
	CwOutboxRouter *router = cw_outbox_router_get_for_store(self);
	g_autoptr(GRecMutexLocker) locker = NULL;
	gboolean own_tx;
	gint64 seq;

	g_return_val_if_fail(CW_IS_STORE(self), -1);
	if (router == NULL)
		return cw_store_event_insert(self, bot_id, strategy_id, type_name, time,
					     payload_json, error);
	/* a process with the notifier config claims its events on the routing
	 * cursor in their own transaction (cw_outbox_router_claim()) */
	locker = cw_store_lock(self);
	own_tx = !cw_store_in_transaction(self);
	if (own_tx && !cw_store_begin(self, error))
		return -1;
	seq =
	    cw_store_event_insert(self, bot_id, strategy_id, type_name, time, payload_json, error);
	if (seq > 0 && !cw_outbox_router_claim(router, self, seq, error))
		seq = -1;
	if (own_tx && seq > 0 && !cw_store_commit(self, error))
		seq = -1;
	if (own_tx && seq <= 0)
		cw_store_rollback(self, NULL);
	return seq;
}

/**
 * cw_store_event_free:
 */
void
cw_store_event_free(CwStoreEvent *event)
{
	if (event == NULL)
		return;
	g_free(event->strategy_id);
	g_free(event->type);
	g_free(event->payload);
	g_free(event);
}

static gpointer
cw_store_event_from_row(sqlite3_stmt *stmt, gboolean flag, GError **error)
{
	g_auto(CwStoreRow) row = {0};
	g_autoptr(CwStoreEvent) event = g_new0(CwStoreEvent, 1);

	cw_store_row_init(&row, stmt, "events");
	event->seq = row.rowid;
	event->time = cw_store_row_int(&row, 1, TRUE);
	event->bot_id = cw_store_row_int(&row, 2, FALSE);
	event->strategy_id = g_strdup(cw_store_row_text(&row, 3, FALSE));
	event->type = g_strdup(cw_store_row_text(&row, 4, TRUE));
	event->payload = g_strdup(cw_store_row_text(&row, 5, FALSE));
	if (!cw_store_row_finish(&row, error))
		return NULL;
	return g_steal_pointer(&event);
}

/**
 * cw_store_events_query:
 * @bot_id: the bot, -1 for any, 0 for events without a bot
 * @type: (nullable): only events of this type
 * @after_seq: only events with a greater sequence number
 * @limit: the most events to return, 0 for no limit
 *
 * Returns: (transfer full) (element-type CwStoreEvent): the events in
 *   sequence order; %NULL on error
 */
GPtrArray *
cw_store_events_query(CwStore *self, gint64 bot_id, const char *type, gint64 after_seq, guint limit,
		      GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	const char *purpose = "reading the event journal";
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), NULL);

	locker = cw_store_lock(self);
	stmt = cw_store_stmt(self, CW_STORE_STMT_EVENTS_QUERY,
			     "SELECT seq, time, bot_id, strategy_id, type, payload FROM events"
			     " WHERE seq > ?3 AND (?1 < 0 OR bot_id IS nullif(?1, 0))"
			     " AND (?2 IS NULL OR type = ?2) ORDER BY seq LIMIT ?4",
			     purpose, error);
	if (stmt == NULL)
		return NULL;
	rc |= sqlite3_bind_int64(stmt, 1, bot_id);
	rc |= cw_store_bind_text(stmt, 2, type);
	rc |= sqlite3_bind_int64(stmt, 3, after_seq);
	rc |= sqlite3_bind_int64(stmt, 4, limit > 0 ? (gint64) limit : -1);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return NULL;
	return cw_store_collect(self, stmt, cw_store_event_from_row, FALSE,
				(GDestroyNotify) cw_store_event_free, purpose, error);
}

/**
 * cw_store_state_set:
 * @bot_id: the bot (> 0)
 * @key: the state's name, e.g. "kill-switch"
 * @value: (nullable): the value; %NULL deletes the key
 */
gboolean
cw_store_state_set(CwStore *self, gint64 bot_id, const char *key, const char *value, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autofree char *purpose = NULL;
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);
	g_return_val_if_fail(key != NULL, FALSE);

	purpose = g_strdup_printf("%s state '%s' of bot %" G_GINT64_FORMAT,
				  value != NULL ? "setting" : "deleting", key, bot_id);
	if (bot_id <= 0) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT,
			    "%s: state is stored for bots only", purpose);
		return FALSE;
	}
	locker = cw_store_lock(self);
	if (value == NULL) {
		stmt = cw_store_stmt(self, CW_STORE_STMT_STATE_DELETE,
				     "DELETE FROM bot_state WHERE bot_id = ?1 AND key = ?2",
				     purpose, error);
	} else {
		stmt = cw_store_stmt(self, CW_STORE_STMT_STATE_SET,
				     "INSERT INTO bot_state (bot_id, key, value, updated_at)"
				     " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (bot_id, key)"
				     " DO UPDATE SET value = excluded.value,"
				     " updated_at = excluded.updated_at",
				     purpose, error);
	}
	if (stmt == NULL)
		return FALSE;
	rc |= sqlite3_bind_int64(stmt, 1, bot_id);
	rc |= cw_store_bind_text(stmt, 2, key);
	if (value != NULL) {
		rc |= cw_store_bind_text(stmt, 3, value);
		rc |= sqlite3_bind_int64(stmt, 4, g_get_real_time() / 1000);
	}
	if (!cw_store_check_bind(self, rc, purpose, error))
		return FALSE;
	return cw_store_step_done(self, stmt, purpose, error);
}

/**
 * cw_store_state_free:
 */
void
cw_store_state_free(CwStoreState *state)
{
	if (state == NULL)
		return;
	g_free(state->key);
	g_free(state->value);
	g_free(state);
}

/**
 * cw_store_state_list:
 * @bot_id: the bot
 *
 * Returns: (transfer full) (element-type CwStoreState): the bot's state
 *   rows by key, empty when it has none; %NULL on error
 */
GPtrArray *
cw_store_state_list(CwStore *self, gint64 bot_id, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autoptr(GPtrArray) rows = NULL;
	g_autofree char *purpose = NULL;
	int rc;

	g_return_val_if_fail(CW_IS_STORE(self), NULL);

	locker = cw_store_lock(self);
	purpose = g_strdup_printf("listing the state of bot %" G_GINT64_FORMAT, bot_id);
	stmt = cw_store_stmt(self, CW_STORE_STMT_STATE_LIST,
			     "SELECT rowid, key, value, updated_at FROM bot_state"
			     " WHERE bot_id = ?1 ORDER BY key",
			     purpose, error);
	if (stmt == NULL)
		return NULL;
	rc = sqlite3_bind_int64(stmt, 1, bot_id);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return NULL;
	rows = g_ptr_array_new_with_free_func((GDestroyNotify) cw_store_state_free);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		g_auto(CwStoreRow) row = {0};
		g_autoptr(CwStoreState) state = g_new0(CwStoreState, 1);

		cw_store_row_init(&row, stmt, "bot_state");
		state->key = g_strdup(cw_store_row_text(&row, 1, TRUE));
		state->value = g_strdup(cw_store_row_text(&row, 2, TRUE));
		state->updated_at = cw_store_row_int(&row, 3, TRUE);
		if (!cw_store_row_finish(&row, error))
			return NULL;
		g_ptr_array_add(rows, g_steal_pointer(&state));
	}
	if (rc != SQLITE_DONE) {
		cw_store_set_error(self, error, rc, "%s", purpose);
		return NULL;
	}
	return g_steal_pointer(&rows);
}

/**
 * cw_store_state_get:
 * @bot_id: the bot
 * @key: the state's name
 *
 * Returns: (transfer full) (nullable): the value, or %NULL when the key is
 *   not set (no error) or on error (error set)
 */
char *
cw_store_state_get(CwStore *self, gint64 bot_id, const char *key, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autofree char *purpose = NULL;
	g_auto(CwStoreRow) row = {0};
	g_autofree char *value = NULL;
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), NULL);
	g_return_val_if_fail(key != NULL, NULL);

	locker = cw_store_lock(self);
	purpose = g_strdup_printf("reading state '%s' of bot %" G_GINT64_FORMAT, key, bot_id);
	stmt = cw_store_stmt(self, CW_STORE_STMT_STATE_GET,
			     "SELECT rowid, value FROM bot_state WHERE bot_id = ?1 AND key = ?2",
			     purpose, error);
	if (stmt == NULL)
		return NULL;
	rc |= sqlite3_bind_int64(stmt, 1, bot_id);
	rc |= cw_store_bind_text(stmt, 2, key);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return NULL;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE)
		return NULL;
	if (rc != SQLITE_ROW) {
		cw_store_set_error(self, error, rc, "%s", purpose);
		return NULL;
	}
	cw_store_row_init(&row, stmt, "bot_state");
	value = g_strdup(cw_store_row_text(&row, 1, TRUE));
	if (!cw_store_row_finish(&row, error))
		return NULL;
	return g_steal_pointer(&value);
}

/**
 * cw_store_state_unreadable:
 * @bot_id: the bot
 * @key: the bot_state key
 * @value: (nullable): the stored text
 * @what: what the value should be, e.g. "a cursor"
 * @detail: (nullable): why it is not
 *
 * Sets @error to the one message for a state value that cannot be read.
 */
void
cw_store_state_unreadable(GError **error, gint64 bot_id, const char *key, const char *value,
			  const char *what, const char *detail)
{
	g_autofree char *shown = g_strndup(value != NULL ? value : "", 40);
	g_autofree char *escaped = g_strescape(shown, NULL);

	g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT,
		    "bot_state row (bot %" G_GINT64_FORMAT ", key '%s'): '%s'%s is not %s%s%s",
		    bot_id, key, escaped, value != NULL && strlen(value) > 40 ? "..." : "", what,
		    detail != NULL ? ": " : "", detail != NULL ? detail : "");
}

/**
 * cw_store_state_get_int:
 * @bot_id: the bot
 * @key: the state's name
 * @what: what the value is, for the error ("a cursor")
 * @min: the smallest value accepted
 * @max: the largest value accepted
 * @out: (out): the value, untouched when the key is not set
 * @found: (out) (optional): whether the key is set
 *
 * Returns: %FALSE when the value cannot be read or is out of range
 */
gboolean
cw_store_state_get_int(CwStore *self, gint64 bot_id, const char *key, const char *what, gint64 min,
		       gint64 max, gint64 *out, gboolean *found, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *text = cw_store_state_get(self, bot_id, key, &local);
	g_autofree char *range = NULL;
	gint64 value = 0;
	gsize i = 0;

	if (found != NULL)
		*found = FALSE;
	if (local != NULL) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	if (text == NULL)
		return TRUE;
	if (found != NULL)
		*found = TRUE;
	/* strictly: [-]digits, nothing else (strtoll would take spaces, '+'
	 * and trailing text) */
	if (text[i] == '-')
		i++;
	if (!g_ascii_isdigit(text[i])) {
		cw_store_state_unreadable(error, bot_id, key, text, what, NULL);
		return FALSE;
	}
	for (; text[i] != '\0'; i++) {
		if (!g_ascii_isdigit(text[i])) {
			cw_store_state_unreadable(error, bot_id, key, text, what, NULL);
			return FALSE;
		}
	}
	errno = 0;
	value = g_ascii_strtoll(text, NULL, 10);
	if (errno == ERANGE || value < min || value > max) {
		if (errno != ERANGE && value < min && max == G_MAXINT64)
			range = g_strdup_printf("below %" G_GINT64_FORMAT, min);
		else
			range = g_strdup_printf(
			    "out of range [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]", min, max);
		cw_store_state_unreadable(error, bot_id, key, text, what, range);
		return FALSE;
	}
	*out = value;
	return TRUE;
}

/**
 * cw_store_events_last_seq:
 *
 * Returns: the greatest sequence number of the journal, 0 when it is
 *   empty, -1 on error
 */
gint64
cw_store_events_last_seq(CwStore *self, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	const char *purpose = "reading the journal's last sequence number";

	g_return_val_if_fail(CW_IS_STORE(self), -1);

	locker = cw_store_lock(self);
	stmt = cw_store_stmt(self, CW_STORE_STMT_EVENTS_LAST_SEQ,
			     "SELECT coalesce(max(seq), 0) FROM events", purpose, error);
	if (stmt == NULL)
		return -1;
	return cw_store_step_int64(self, stmt, -1, purpose, error);
}

/**
 * cw_store_events_nth_newest_seq:
 * @bot_id: the bot, -1 for any, 0 for events without a bot
 * @type: (nullable): only events of this type
 * @n: which one, from the newest (1)
 *
 * Returns: the sequence number of the @n-th newest matching event, 0 when
 *   fewer match, -1 on error
 */
gint64
cw_store_events_nth_newest_seq(CwStore *self, gint64 bot_id, const char *type, guint n,
			       GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	const char *purpose = "reading the journal's tail";
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), -1);

	locker = cw_store_lock(self);
	stmt = cw_store_stmt(self, CW_STORE_STMT_EVENTS_NTH_NEWEST,
			     "SELECT seq FROM events WHERE (?1 < 0 OR bot_id IS nullif(?1, 0))"
			     " AND (?2 IS NULL OR type = ?2) ORDER BY seq DESC LIMIT 1 OFFSET ?3",
			     purpose, error);
	if (stmt == NULL)
		return -1;
	rc |= sqlite3_bind_int64(stmt, 1, bot_id);
	rc |= cw_store_bind_text(stmt, 2, type);
	rc |= sqlite3_bind_int64(stmt, 3, n > 0 ? (gint64) n - 1 : 0);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return -1;
	return cw_store_step_int64(self, stmt, 0, purpose, error);
}
