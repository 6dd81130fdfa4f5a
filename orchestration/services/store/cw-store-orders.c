/* CwStore: orders and positions (schema v2). An order is written with its
 * client order id before it is sent, so that a restart reconciles it with
 * the broker instead of sending it again. */
#include "cw-store-private.h"

#include <string.h>

#define CW_STORE_ORDER_COLUMNS                                                                     \
	"SELECT id, client_order_id, bot_id, strategy_id, exchange_order_id, symbol, side, type,"  \
	" purpose, reduce_only, qty, price, stop_price, status, filled_qty, avg_fill_price,"       \
	" created_at, updated_at, seq FROM orders"

/**
 * cw_store_order_upsert:
 * @bot_id: the owning bot, or 0 for none
 * @order: the order; client_order_id must be set
 *
 * Inserts the order or updates the stored one with the same client order id.
 */
gboolean
cw_store_order_upsert(CwStore *self, gint64 bot_id, const CwOrder *order, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autofree char *purpose = NULL;
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);
	g_return_val_if_fail(order != NULL, FALSE);

	if (order->client_order_id[0] == '\0') {
		g_set_error_literal(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT,
				    "storing an order: the client order id is empty");
		return FALSE;
	}
	locker = cw_store_lock(self);
	purpose = g_strdup_printf("storing order '%.*s'", (int) sizeof(order->client_order_id),
				  order->client_order_id);
	stmt = cw_store_stmt(
	    self, CW_STORE_STMT_ORDER_UPSERT,
	    "INSERT INTO orders (client_order_id, bot_id, strategy_id, exchange_order_id, symbol,"
	    " side, type, purpose, reduce_only, qty, price, stop_price, status, filled_qty,"
	    " avg_fill_price, created_at, updated_at, seq)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
	    " ?18)"
	    " ON CONFLICT (client_order_id) DO UPDATE SET"
	    " exchange_order_id = coalesce(excluded.exchange_order_id, exchange_order_id),"
	    " qty = excluded.qty, price = excluded.price, stop_price = excluded.stop_price,"
	    /* a cancel requested stays requested until the order ends: a
	     * stale working state queued before it (an ack) cannot undo it */
	    " status = CASE WHEN orders.status = 'pending_cancel' AND excluded.status IN"
	    " ('pending_new', 'new', 'partially_filled', 'pending_replace') THEN orders.status"
	    " ELSE excluded.status END, filled_qty = excluded.filled_qty,"
	    " avg_fill_price = excluded.avg_fill_price, updated_at = excluded.updated_at"
	    " WHERE orders.bot_id IS excluded.bot_id",
	    purpose, error);
	if (stmt == NULL)
		return FALSE;
	rc |=
	    sqlite3_bind_text(stmt, 1, order->client_order_id,
			      (int) strnlen(order->client_order_id, sizeof(order->client_order_id)),
			      SQLITE_TRANSIENT);
	rc |= cw_store_bind_bot_id(stmt, 2, bot_id);
	rc |= cw_store_bind_text(stmt, 3, g_quark_to_string(order->strategy_id));
	if (order->exchange_order_id[0] != '\0') {
		rc |= sqlite3_bind_text(
		    stmt, 4, order->exchange_order_id,
		    (int) strnlen(order->exchange_order_id, sizeof(order->exchange_order_id)),
		    SQLITE_TRANSIENT);
	} else {
		rc |= sqlite3_bind_null(stmt, 4);
	}
	rc |= cw_store_bind_text(stmt, 5, g_quark_to_string(order->symbol));
	rc |= cw_store_bind_text(stmt, 6, cw_side_to_string(order->side));
	rc |= cw_store_bind_text(stmt, 7, cw_order_type_to_string(order->type));
	rc |= cw_store_bind_text(stmt, 8, cw_order_purpose_to_string(order->purpose));
	rc |= sqlite3_bind_int(stmt, 9, order->reduce_only ? 1 : 0);
	rc |= sqlite3_bind_double(stmt, 10, order->qty);
	rc |= sqlite3_bind_double(stmt, 11, order->price);
	rc |= sqlite3_bind_double(stmt, 12, order->stop_price);
	rc |= cw_store_bind_text(stmt, 13, cw_order_status_to_string(order->status));
	rc |= sqlite3_bind_double(stmt, 14, order->filled_qty);
	rc |= sqlite3_bind_double(stmt, 15, order->avg_fill_price);
	rc |= cw_store_bind_time(stmt, 16, order->created_at);
	rc |= cw_store_bind_time(stmt, 17, order->updated_at);
	rc |= sqlite3_bind_int64(stmt, 18, (sqlite3_int64) order->seq);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return FALSE;
	if (!cw_store_step_done(self, stmt, purpose, error))
		return FALSE;
	if (sqlite3_changes(cw_store_get_db(self)) == 0) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT,
			    "%s: the client order id belongs to another bot", purpose);
		return FALSE;
	}
	return TRUE;
}

/**
 * cw_store_order_request_cancel:
 * @client_order_id: an order of @bot_id
 * @updated_at: ms since the epoch
 *
 * Marks a working order `pending_cancel`: the cancel's intent is durable
 * before the cancel is sent, so a restart that finds the order still
 * working at the venue cancels it again. An order that already ended (or
 * has no row) is left alone. Returns FALSE only on a store error.
 */
gboolean
cw_store_order_request_cancel(CwStore *self, gint64 bot_id, const char *client_order_id,
			      gint64 updated_at, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autofree char *purpose = NULL;
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);
	g_return_val_if_fail(client_order_id != NULL, FALSE);

	locker = cw_store_lock(self);
	purpose = g_strdup_printf("requesting the cancel of order '%s'", client_order_id);
	stmt = cw_store_stmt(self, CW_STORE_STMT_ORDER_CANCEL_REQUEST,
			     "UPDATE orders SET status = 'pending_cancel', updated_at = ?3"
			     " WHERE client_order_id = ?1 AND bot_id IS ?2 AND status IN"
			     " ('pending_new', 'new', 'partially_filled', 'pending_replace')",
			     purpose, error);
	if (stmt == NULL)
		return FALSE;
	rc |= sqlite3_bind_text(stmt, 1, client_order_id, -1, SQLITE_TRANSIENT);
	rc |= cw_store_bind_bot_id(stmt, 2, bot_id);
	rc |= cw_store_bind_time(stmt, 3, updated_at);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return FALSE;
	return cw_store_step_done(self, stmt, purpose, error);
}

static gboolean
cw_store_order_from_row(sqlite3_stmt *stmt, CwOrder *out, gint64 *bot_id, GError **error)
{
	g_auto(CwStoreRow) row = {0};
	CwOrder order = {0};

	cw_store_row_init(&row, stmt, "orders");
	cw_store_row_text_buf(&row, 1, TRUE, order.client_order_id, sizeof(order.client_order_id));
	if (bot_id != NULL)
		*bot_id = cw_store_row_int(&row, 2, FALSE);
	order.strategy_id = cw_store_row_quark(&row, 3, FALSE);
	cw_store_row_text_buf(&row, 4, FALSE, order.exchange_order_id,
			      sizeof(order.exchange_order_id));
	order.symbol = cw_store_row_quark(&row, 5, FALSE);
	order.side = cw_store_row_side(&row, 6);
	order.type = cw_store_row_order_type(&row, 7);
	order.purpose = cw_store_row_order_purpose(&row, 8);
	order.reduce_only = cw_store_row_bool(&row, 9);
	order.qty = cw_store_row_double(&row, 10, TRUE);
	order.price = cw_store_row_double(&row, 11, FALSE);
	order.stop_price = cw_store_row_double(&row, 12, FALSE);
	order.status = cw_store_row_order_status(&row, 13);
	order.filled_qty = cw_store_row_double(&row, 14, FALSE);
	order.avg_fill_price = cw_store_row_double(&row, 15, FALSE);
	order.created_at = cw_store_row_int(&row, 16, FALSE);
	order.updated_at = cw_store_row_int(&row, 17, FALSE);
	order.seq = (guint64) cw_store_row_int(&row, 18, FALSE);
	if (!cw_store_row_finish(&row, error))
		return FALSE;
	*out = order;
	return TRUE;
}

/**
 * cw_store_order_get:
 * @client_order_id: the order's client id
 * @out: (out caller-allocates): the order
 * @bot_id: (out) (optional): the owning bot, 0 for none
 */
gboolean
cw_store_order_get(CwStore *self, const char *client_order_id, CwOrder *out, gint64 *bot_id,
		   GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autofree char *purpose = NULL;
	int rc;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);
	g_return_val_if_fail(client_order_id != NULL, FALSE);
	g_return_val_if_fail(out != NULL, FALSE);

	locker = cw_store_lock(self);
	purpose = g_strdup_printf("reading order '%s'", client_order_id);
	stmt = cw_store_stmt(self, CW_STORE_STMT_ORDER_GET,
			     CW_STORE_ORDER_COLUMNS " WHERE client_order_id = ?1", purpose, error);
	if (stmt == NULL)
		return FALSE;
	if (!cw_store_check_bind(self, cw_store_bind_text(stmt, 1, client_order_id), purpose,
				 error))
		return FALSE;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND, "%s: no such order",
			    purpose);
		return FALSE;
	}
	if (rc != SQLITE_ROW) {
		cw_store_set_error(self, error, rc, "%s", purpose);
		return FALSE;
	}
	return cw_store_order_from_row(stmt, out, bot_id, error);
}

/* Binds the non-final statuses to ?first .. ?first + 5. They come from
 * core, so a new one is picked up; the unused parameters stay NULL, which
 * matches nothing. */
static int
cw_store_orders_bind_open(sqlite3_stmt *stmt, int first)
{
	int rc = SQLITE_OK;
	int index = first;

	for (int s = CW_ORDER_STATUS_PENDING_NEW;
	     s <= CW_ORDER_STATUS_PENDING_REPLACE && index <= first + 5; s++) {
		if (!cw_order_status_is_final((CwOrderStatus) s))
			rc |= cw_store_bind_text(stmt, index++,
						 cw_order_status_to_string((CwOrderStatus) s));
	}
	return rc;
}

/**
 * cw_store_orders_open:
 * @bot_id: the bot, -1 for every bot, 0 for orders without a bot
 *
 * Returns: (transfer full) (element-type CwOrder): the orders whose status
 *   is not final, in id order; %NULL on error
 */
GArray *
cw_store_orders_open(CwStore *self, gint64 bot_id, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autoptr(GArray) orders = NULL;
	const char *purpose = "listing open orders";
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), NULL);

	locker = cw_store_lock(self);
	stmt = cw_store_stmt(self, CW_STORE_STMT_ORDERS_OPEN,
			     CW_STORE_ORDER_COLUMNS
			     " WHERE (?1 < 0 OR bot_id IS nullif(?1, 0))"
			     " AND status IN (?2, ?3, ?4, ?5, ?6, ?7) ORDER BY id",
			     purpose, error);
	if (stmt == NULL)
		return NULL;
	rc |= sqlite3_bind_int64(stmt, 1, bot_id);
	rc |= cw_store_orders_bind_open(stmt, 2);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return NULL;

	orders = g_array_new(FALSE, TRUE, sizeof(CwOrder));
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		CwOrder order;
		if (!cw_store_order_from_row(stmt, &order, NULL, error))
			return NULL;
		g_array_append_val(orders, order);
	}
	if (rc != SQLITE_DONE) {
		cw_store_set_error(self, error, rc, "%s", purpose);
		return NULL;
	}
	return g_steal_pointer(&orders);
}

static gpointer
cw_store_order_row_read(sqlite3_stmt *stmt, gboolean flag, GError **error)
{
	g_autofree CwStoreOrderRow *row = g_new0(CwStoreOrderRow, 1);

	row->id = sqlite3_column_int64(stmt, 0);
	if (!cw_store_order_from_row(stmt, &row->order, NULL, error))
		return NULL;
	return g_steal_pointer(&row);
}

/**
 * cw_store_orders_open_page:
 * @bot_id: the bot (> 0)
 * @after: only orders with a greater id; 0 for the first
 * @limit: the most orders to return (1..1000)
 *
 * The page reads the bot's open orders by (bot_id, status) and sorts
 * them by id: open orders are few next to the bot's ended ones, which an
 * index by (bot_id, id) would walk past on every read.
 *
 * Returns: (transfer full) (element-type CwStoreOrderRow): open orders,
 *   in id order, or %NULL on error
 */
GPtrArray *
cw_store_orders_open_page(CwStore *self, gint64 bot_id, gint64 after, guint limit, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	const char *purpose = "reading a page of open orders";
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), NULL);

	locker = cw_store_lock(self);
	stmt = cw_store_stmt(self, CW_STORE_STMT_ORDERS_OPEN_PAGE,
			     CW_STORE_ORDER_COLUMNS
			     " WHERE bot_id = ?1 AND status IN (?2, ?3, ?4, ?5, ?6, ?7)"
			     " AND id > ?8 ORDER BY id LIMIT ?9",
			     purpose, error);
	if (stmt == NULL)
		return NULL;
	rc |= sqlite3_bind_int64(stmt, 1, bot_id);
	rc |= cw_store_orders_bind_open(stmt, 2);
	rc |= sqlite3_bind_int64(stmt, 8, MAX(after, 0));
	rc |= sqlite3_bind_int64(stmt, 9, CLAMP(limit, 1, 1000));
	if (!cw_store_check_bind(self, rc, purpose, error))
		return NULL;
	return cw_store_collect(self, stmt, cw_store_order_row_read, FALSE, g_free, purpose, error);
}

/* ---- positions ---- */

#define CW_STORE_POSITION_COLUMNS                                                                  \
	"SELECT rowid, symbol, direction, qty, entry_price, stop_price, initial_qty,"              \
	" realized_pnl, fees, opened_at, updated_at, state_json, bot_id, strategy_id"              \
	" FROM trading_positions"

/**
 * cw_store_position_save:
 * @bot_id: the bot (> 0)
 * @strategy_id: the strategy, the key of the position within the bot
 * @position: the position; flat deletes the row
 * @state_json: (nullable): the strategy's exit state
 */
gboolean
cw_store_position_save(CwStore *self, gint64 bot_id, const char *strategy_id,
		       const CwPosition *position, const char *state_json, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autofree char *purpose = NULL;
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);
	g_return_val_if_fail(strategy_id != NULL, FALSE);
	g_return_val_if_fail(position != NULL, FALSE);

	purpose = g_strdup_printf("saving the position of bot %" G_GINT64_FORMAT " strategy '%s'",
				  bot_id, strategy_id);
	if (bot_id <= 0) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT,
			    "%s: positions are stored for bots only", purpose);
		return FALSE;
	}
	locker = cw_store_lock(self);
	if (position->direction == CW_DIRECTION_NONE || position->qty == 0) {
		stmt = cw_store_stmt(
		    self, CW_STORE_STMT_POSITION_DELETE,
		    "DELETE FROM trading_positions WHERE bot_id = ?1 AND strategy_id = ?2", purpose,
		    error);
		if (stmt == NULL)
			return FALSE;
		rc |= sqlite3_bind_int64(stmt, 1, bot_id);
		rc |= cw_store_bind_text(stmt, 2, strategy_id);
		if (!cw_store_check_bind(self, rc, purpose, error))
			return FALSE;
		return cw_store_step_done(self, stmt, purpose, error);
	}
	stmt = cw_store_stmt(
	    self, CW_STORE_STMT_POSITION_SAVE,
	    "INSERT INTO trading_positions (bot_id, strategy_id, symbol, direction, qty,"
	    " entry_price, stop_price, initial_qty, realized_pnl, fees, opened_at, updated_at,"
	    " state_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
	    " ON CONFLICT (bot_id, strategy_id) DO UPDATE SET symbol = excluded.symbol,"
	    " direction = excluded.direction, qty = excluded.qty,"
	    " entry_price = excluded.entry_price, stop_price = excluded.stop_price,"
	    " initial_qty = excluded.initial_qty, realized_pnl = excluded.realized_pnl,"
	    " fees = excluded.fees, opened_at = excluded.opened_at,"
	    " updated_at = excluded.updated_at, state_json = excluded.state_json",
	    purpose, error);
	if (stmt == NULL)
		return FALSE;
	rc |= sqlite3_bind_int64(stmt, 1, bot_id);
	rc |= cw_store_bind_text(stmt, 2, strategy_id);
	rc |= cw_store_bind_text(stmt, 3, g_quark_to_string(position->symbol));
	rc |= cw_store_bind_text(stmt, 4, cw_direction_to_string(position->direction));
	rc |= sqlite3_bind_double(stmt, 5, position->qty);
	rc |= sqlite3_bind_double(stmt, 6, position->entry_price);
	rc |= sqlite3_bind_double(stmt, 7, position->stop_price);
	rc |= sqlite3_bind_double(stmt, 8, position->initial_qty);
	rc |= sqlite3_bind_double(stmt, 9, position->realized_pnl);
	rc |= sqlite3_bind_double(stmt, 10, position->fees);
	rc |= cw_store_bind_time(stmt, 11, position->opened_at);
	rc |= cw_store_bind_time(stmt, 12, position->updated_at);
	rc |= cw_store_bind_text(stmt, 13, state_json);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return FALSE;
	return cw_store_step_done(self, stmt, purpose, error);
}

static gboolean
cw_store_position_from_row(sqlite3_stmt *stmt, CwPosition *out, char **state_json, gint64 *bot_id,
			   GError **error)
{
	g_auto(CwStoreRow) row = {0};
	CwPosition position = {0};
	const char *state;

	cw_store_row_init(&row, stmt, "trading_positions");
	position.symbol = cw_store_row_quark(&row, 1, FALSE);
	position.direction = cw_store_row_direction(&row, 2);
	position.qty = cw_store_row_double(&row, 3, TRUE);
	position.entry_price = cw_store_row_double(&row, 4, TRUE);
	position.stop_price = cw_store_row_double(&row, 5, FALSE);
	position.initial_qty = cw_store_row_double(&row, 6, FALSE);
	position.realized_pnl = cw_store_row_double(&row, 7, FALSE);
	position.fees = cw_store_row_double(&row, 8, FALSE);
	position.opened_at = cw_store_row_int(&row, 9, FALSE);
	position.updated_at = cw_store_row_int(&row, 10, FALSE);
	state = cw_store_row_text(&row, 11, FALSE);
	position.strategy_id = cw_store_row_quark(&row, 13, TRUE);
	if (bot_id != NULL)
		*bot_id = cw_store_row_int(&row, 12, TRUE);
	if (!cw_store_row_finish(&row, error))
		return FALSE;
	*out = position;
	if (state_json != NULL)
		*state_json = g_strdup(state);
	return TRUE;
}

/**
 * cw_store_position_load:
 * @out: (out caller-allocates): the position
 * @state_json: (out) (optional) (nullable): the stored exit state
 *
 * %CW_STORE_ERROR_NOT_FOUND when the strategy is flat.
 */
gboolean
cw_store_position_load(CwStore *self, gint64 bot_id, const char *strategy_id, CwPosition *out,
		       char **state_json, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autofree char *purpose = NULL;
	int rc = SQLITE_OK;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);
	g_return_val_if_fail(strategy_id != NULL, FALSE);
	g_return_val_if_fail(out != NULL, FALSE);

	locker = cw_store_lock(self);
	purpose = g_strdup_printf("loading the position of bot %" G_GINT64_FORMAT " strategy '%s'",
				  bot_id, strategy_id);
	stmt = cw_store_stmt(self, CW_STORE_STMT_POSITION_LOAD,
			     CW_STORE_POSITION_COLUMNS " WHERE bot_id = ?1 AND strategy_id = ?2",
			     purpose, error);
	if (stmt == NULL)
		return FALSE;
	rc |= sqlite3_bind_int64(stmt, 1, bot_id);
	rc |= cw_store_bind_text(stmt, 2, strategy_id);
	if (!cw_store_check_bind(self, rc, purpose, error))
		return FALSE;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND, "%s: no open position",
			    purpose);
		return FALSE;
	}
	if (rc != SQLITE_ROW) {
		cw_store_set_error(self, error, rc, "%s", purpose);
		return FALSE;
	}
	return cw_store_position_from_row(stmt, out, state_json, NULL, error);
}

/**
 * cw_store_position_free:
 */
void
cw_store_position_free(CwStorePosition *position)
{
	if (position == NULL)
		return;
	g_free(position->strategy_id);
	g_free(position->state_json);
	g_free(position);
}

/**
 * cw_store_positions_list:
 * @bot_id: the bot, -1 for every bot
 *
 * Returns: (transfer full) (element-type CwStorePosition): the open
 *   positions ordered by bot and strategy; %NULL on error
 */
GPtrArray *
cw_store_positions_list(CwStore *self, gint64 bot_id, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	g_autoptr(GPtrArray) positions = NULL;
	const char *purpose = "listing positions";
	int rc;

	g_return_val_if_fail(CW_IS_STORE(self), NULL);

	locker = cw_store_lock(self);
	stmt = cw_store_stmt(self, CW_STORE_STMT_POSITIONS_LIST,
			     CW_STORE_POSITION_COLUMNS
			     " WHERE (?1 < 0 OR bot_id = ?1) ORDER BY bot_id, strategy_id",
			     purpose, error);
	if (stmt == NULL)
		return NULL;
	if (!cw_store_check_bind(self, sqlite3_bind_int64(stmt, 1, bot_id), purpose, error))
		return NULL;
	positions = g_ptr_array_new_with_free_func((GDestroyNotify) cw_store_position_free);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		g_autoptr(CwStorePosition) position = g_new0(CwStorePosition, 1);
		if (!cw_store_position_from_row(stmt, &position->position, &position->state_json,
						&position->bot_id, error))
			return NULL;
		position->strategy_id = g_strdup(g_quark_to_string(position->position.strategy_id));
		g_ptr_array_add(positions, g_steal_pointer(&position));
	}
	if (rc != SQLITE_DONE) {
		cw_store_set_error(self, error, rc, "%s", purpose);
		return NULL;
	}
	return g_steal_pointer(&positions);
}
