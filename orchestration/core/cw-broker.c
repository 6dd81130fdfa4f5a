#include "cw-core.h"

/* broker errors: an extended GError carrying the retry-after and the
 * venue's code */

typedef struct {
	double retry_after_s;
	int venue_code;
} CwBrokerErrorPrivate;

static void
cw_broker_error_private_init(CwBrokerErrorPrivate *priv)
{
	priv->retry_after_s = 0;
	priv->venue_code = 0;
}

static void
cw_broker_error_private_copy(const CwBrokerErrorPrivate *src, CwBrokerErrorPrivate *dest)
{
	*dest = *src;
}

static void
cw_broker_error_private_clear(CwBrokerErrorPrivate *priv)
{
}

G_DEFINE_EXTENDED_ERROR(CwBrokerError, cw_broker_error)

/**
 * cw_broker_set_error:
 * @error: (nullable): return location
 * @kind: the error class (the code)
 * @retry_after_s: for RATE_LIMITED, the least wait in seconds; else 0
 * @venue_code: the venue's own code, 0 when none
 * @format: printf format of the message
 */
void
cw_broker_set_error(GError **error, CwBrokerErrorClass kind, double retry_after_s, int venue_code,
		    const char *format, ...)
{
	CwBrokerErrorPrivate *priv;
	va_list args;
	GError *e;

	if (error == NULL)
		return;
	va_start(args, format);
	e = g_error_new_valist(CW_BROKER_ERROR, (int) kind, format, args);
	va_end(args);
	priv = cw_broker_error_get_private(e);
	if (priv != NULL) {
		priv->retry_after_s = retry_after_s;
		priv->venue_code = venue_code;
	}
	g_propagate_error(error, e);
}

/* Returns: the retry-after of a CW_BROKER_ERROR, 0 for any other error. */
double
cw_broker_error_get_retry_after(const GError *error)
{
	CwBrokerErrorPrivate *priv = error != NULL ? cw_broker_error_get_private(error) : NULL;

	return priv != NULL ? priv->retry_after_s : 0;
}

/* Returns: the venue's code of a CW_BROKER_ERROR, 0 for any other error. */
int
cw_broker_error_get_venue_code(const GError *error)
{
	CwBrokerErrorPrivate *priv = error != NULL ? cw_broker_error_get_private(error) : NULL;

	return priv != NULL ? priv->venue_code : 0;
}

/**
 * cw_broker_fault_from_error:
 * @error: (nullable): an error
 * @out: the fault
 *
 * CW_BROKER_ERROR keeps its class and fields; any other error (or none)
 * is TRANSIENT.
 */
void
cw_broker_held_report_set(CwBrokerHeldReport *self, const CwOrder *order, const CwFill *fill,
			  const CwBrokerFault *fault)
{
	*self = (CwBrokerHeldReport){.order = *order};
	if (fill != NULL) {
		self->fill = *fill;
		self->has_fill = TRUE;
	}
	if (fault != NULL) {
		self->fault = *fault;
		self->has_fault = TRUE;
	}
}

CwExecutionReport
cw_broker_held_report_view(const CwBrokerHeldReport *self)
{
	return (CwExecutionReport){
	    .order = &self->order,
	    .fill = self->has_fill ? &self->fill : NULL,
	    .error = self->has_fault ? &self->fault : NULL,
	};
}

void
cw_broker_fault_from_error(const GError *error, CwBrokerFault *out)
{
	out->kind = CW_BROKER_ERROR_TRANSIENT;
	out->retry_after_s = 0;
	out->venue_code = 0;
	out->text[0] = '\0';
	if (error == NULL)
		return;
	if (error->domain == CW_BROKER_ERROR && error->code >= CW_BROKER_ERROR_TRANSIENT &&
	    error->code <= CW_BROKER_ERROR_NO_POSITION) {
		out->kind = (CwBrokerErrorClass) error->code;
		out->retry_after_s = cw_broker_error_get_retry_after(error);
		out->venue_code = cw_broker_error_get_venue_code(error);
	}
	g_strlcpy(out->text, error->message, sizeof(out->text));
}

void
cw_broker_state_free(CwBrokerState *state)
{
	if (state == NULL)
		return;
	g_clear_pointer(&state->open_orders, g_array_unref);
	g_clear_pointer(&state->ended, g_array_unref);
	g_free(state);
}

G_DEFINE_INTERFACE(CwBroker, cw_broker, G_TYPE_OBJECT)

static void
cw_broker_default_init(CwBrokerInterface *iface)
{
	/**
	 * CwBroker::resynced:
	 *
	 * A broker whose view of the venue had a gap (its private stream
	 * went down and came back) has caught up on what it missed: its
	 * owner compares the account with the venue again (reconcile).
	 */
	g_signal_new("resynced", G_TYPE_FROM_INTERFACE(iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
		     NULL, G_TYPE_NONE, 0);
}

/* Emits CwBroker::resynced (for implementations). */
void
cw_broker_emit_resynced(CwBroker *self)
{
	g_return_if_fail(CW_IS_BROKER(self));
	g_signal_emit_by_name(self, "resynced");
}

static void
cw_broker_not_supported(CwBroker *self, const char *what, gpointer source_tag,
			GAsyncReadyCallback callback, gpointer user_data)
{
	g_task_report_new_error(self, callback, user_data, source_tag, CW_CORE_ERROR,
				CW_CORE_ERROR_NOT_SUPPORTED, "%s cannot %s",
				G_OBJECT_TYPE_NAME(self), what);
}

/* Returns: what the broker can do. */
CwBrokerCaps
cw_broker_get_capabilities(CwBroker *self)
{
	CwBrokerInterface *iface;

	g_return_val_if_fail(CW_IS_BROKER(self), CW_BROKER_CAP_NONE);
	iface = CW_BROKER_GET_IFACE(self);
	return iface->get_capabilities != NULL ? iface->get_capabilities(self) : CW_BROKER_CAP_NONE;
}

/* Returns: TRUE when the broker has every capability of caps. */
gboolean
cw_broker_has_capability(CwBroker *self, CwBrokerCaps caps)
{
	return (cw_broker_get_capabilities(self) & caps) == caps;
}

/**
 * cw_broker_configure:
 * @self: a broker
 * @config: (nullable): the bot configuration
 * @section: (nullable): the bot's "broker" object, the broker's own to read
 * @error: return location for a #GError
 */
gboolean
cw_broker_configure(CwBroker *self, const CwBotConfig *config, JsonObject *section, GError **error)
{
	CwBrokerInterface *iface;

	g_return_val_if_fail(CW_IS_BROKER(self), FALSE);
	iface = CW_BROKER_GET_IFACE(self);
	return iface->configure == NULL || iface->configure(self, config, section, error);
}

/* Registers the one sink that every execution report goes to. */
void
cw_broker_set_report_sink(CwBroker *self, CwExecutionSink sink, gpointer user_data)
{
	g_return_if_fail(CW_IS_BROKER(self));
	CW_BROKER_GET_IFACE(self)->set_report_sink(self, sink, user_data);
}

/* TRUE: accepted for sending (reports follow); never blocks. */
gboolean
cw_broker_submit(CwBroker *self, const CwOrder *order, GError **error)
{
	g_return_val_if_fail(CW_IS_BROKER(self), FALSE);
	g_return_val_if_fail(order != NULL, FALSE);
	return CW_BROKER_GET_IFACE(self)->submit(self, order, error);
}

/* TRUE: the cancel request was accepted for sending; a report follows. */
gboolean
cw_broker_cancel(CwBroker *self, const char *client_order_id, GError **error)
{
	g_return_val_if_fail(CW_IS_BROKER(self), FALSE);
	g_return_val_if_fail(client_order_id != NULL, FALSE);
	return CW_BROKER_GET_IFACE(self)->cancel(self, client_order_id, error);
}

gboolean
cw_broker_cancel_all(CwBroker *self)
{
	CwBrokerInterface *iface;

	g_return_val_if_fail(CW_IS_BROKER(self), FALSE);
	iface = CW_BROKER_GET_IFACE(self);
	if (iface->cancel_all == NULL)
		return FALSE;
	iface->cancel_all(self);
	return TRUE;
}

/* CW_BROKER_CAP_AMEND: TRUE when the amend request was accepted for sending. */
gboolean
cw_broker_amend(CwBroker *self, const char *client_order_id, double qty, double price,
		double stop_price, GError **error)
{
	CwBrokerInterface *iface;

	g_return_val_if_fail(CW_IS_BROKER(self), FALSE);
	g_return_val_if_fail(client_order_id != NULL, FALSE);
	iface = CW_BROKER_GET_IFACE(self);
	if (iface->amend == NULL) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_NOT_SUPPORTED,
			    "%s cannot amend orders", G_OBJECT_TYPE_NAME(self));
		return FALSE;
	}
	return iface->amend(self, client_order_id, qty, price, stop_price, error);
}

void
cw_broker_on_candle(CwBroker *self, const CwCandle *candle)
{
	CwBrokerInterface *iface = CW_BROKER_GET_IFACE(self);

	if (iface->on_candle != NULL)
		iface->on_candle(self, candle);
}

/* CW_BROKER_CAP_SIMULATED_ON_CANDLES: fills a market order at once at price. */
gboolean
cw_broker_settle(CwBroker *self, const CwOrder *order, double price, gint64 time, GError **error)
{
	CwBrokerInterface *iface;

	g_return_val_if_fail(CW_IS_BROKER(self), FALSE);
	iface = CW_BROKER_GET_IFACE(self);
	if (iface->settle == NULL) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_NOT_SUPPORTED,
			    "%s cannot settle orders", G_OBJECT_TYPE_NAME(self));
		return FALSE;
	}
	return iface->settle(self, order, price, time, error);
}

/* Returns: FALSE when the broker cannot take over old's account. */
gboolean
cw_broker_adopt(CwBroker *self, CwBroker *old)
{
	CwBrokerInterface *iface;

	g_return_val_if_fail(CW_IS_BROKER(self) && CW_IS_BROKER(old), FALSE);
	iface = CW_BROKER_GET_IFACE(self);
	if (iface->adopt == NULL || G_OBJECT_TYPE(self) != G_OBJECT_TYPE(old))
		return FALSE;
	iface->adopt(self, old);
	return TRUE;
}

/* An order of an earlier life that the venue holds working and the
 * restored state tracks: its reports follow from now on. Returns: FALSE
 * when the broker has nothing to follow (a simulated book restores its
 * own orders). */
gboolean
cw_broker_follow(CwBroker *self, const CwOrder *order)
{
	CwBrokerInterface *iface;

	g_return_val_if_fail(CW_IS_BROKER(self) && order != NULL, FALSE);
	iface = CW_BROKER_GET_IFACE(self);
	if (iface->follow == NULL)
		return FALSE;
	iface->follow(self, order);
	return TRUE;
}

/* Connects to the venue (streams, clock offset, instruments); a broker
 * without start_async is ready at once. */
void
cw_broker_start_async(CwBroker *self, GCancellable *cancellable, GAsyncReadyCallback callback,
		      gpointer user_data)
{
	CwBrokerInterface *iface;
	g_autoptr(GTask) task = NULL;

	g_return_if_fail(CW_IS_BROKER(self));
	iface = CW_BROKER_GET_IFACE(self);
	if (iface->start_async != NULL) {
		iface->start_async(self, cancellable, callback, user_data);
		return;
	}
	task = g_task_new(self, cancellable, callback, user_data);
	g_task_set_source_tag(task, cw_broker_start_async);
	g_task_return_boolean(task, TRUE);
}

gboolean
cw_broker_start_finish(CwBroker *self, GAsyncResult *result, GError **error)
{
	CwBrokerInterface *iface;

	g_return_val_if_fail(CW_IS_BROKER(self), FALSE);
	iface = CW_BROKER_GET_IFACE(self);
	if (g_async_result_is_tagged(result, cw_broker_start_async) || iface->start_finish == NULL)
		return g_task_propagate_boolean(G_TASK(result), error);
	return iface->start_finish(self, result, error);
}

/* The broker's view of one order, by its client order id. */
void
cw_broker_lookup_order_async(CwBroker *self, const char *client_order_id, GCancellable *cancellable,
			     GAsyncReadyCallback callback, gpointer user_data)
{
	CwBrokerInterface *iface;

	g_return_if_fail(CW_IS_BROKER(self));
	g_return_if_fail(client_order_id != NULL);
	iface = CW_BROKER_GET_IFACE(self);
	if (iface->lookup_order_async == NULL) {
		cw_broker_not_supported(self, "look up orders", cw_broker_lookup_order_async,
					callback, user_data);
		return;
	}
	iface->lookup_order_async(self, client_order_id, cancellable, callback, user_data);
}

/* FALSE with CW_BROKER_ERROR_NOT_FOUND when the broker does not know the order. */
gboolean
cw_broker_lookup_order_finish(CwBroker *self, GAsyncResult *result, CwOrder *out, GError **error)
{
	g_return_val_if_fail(CW_IS_BROKER(self), FALSE);
	g_return_val_if_fail(out != NULL, FALSE);
	if (g_async_result_is_tagged(result, cw_broker_lookup_order_async))
		return g_task_propagate_boolean(G_TASK(result), error);
	return CW_BROKER_GET_IFACE(self)->lookup_order_finish(self, result, out, error);
}

void
cw_broker_get_balance_async(CwBroker *self, GCancellable *cancellable, GAsyncReadyCallback callback,
			    gpointer user_data)
{
	CwBrokerInterface *iface;

	g_return_if_fail(CW_IS_BROKER(self));
	iface = CW_BROKER_GET_IFACE(self);
	if (iface->get_balance_async == NULL) {
		cw_broker_not_supported(self, "report a balance", cw_broker_get_balance_async,
					callback, user_data);
		return;
	}
	iface->get_balance_async(self, cancellable, callback, user_data);
}

gboolean
cw_broker_get_balance_finish(CwBroker *self, GAsyncResult *result, double *out, GError **error)
{
	g_return_val_if_fail(CW_IS_BROKER(self), FALSE);
	g_return_val_if_fail(out != NULL, FALSE);
	if (g_async_result_is_tagged(result, cw_broker_get_balance_async))
		return g_task_propagate_boolean(G_TASK(result), error);
	return CW_BROKER_GET_IFACE(self)->get_balance_finish(self, result, out, error);
}

/* The broker's open orders, the orders that ended since since_ms (ms),
 * the net position and the balance: what a restart compares with its store. */
void
cw_broker_reconcile_async(CwBroker *self, gint64 since_ms, GCancellable *cancellable,
			  GAsyncReadyCallback callback, gpointer user_data)
{
	CwBrokerInterface *iface;

	g_return_if_fail(CW_IS_BROKER(self));
	iface = CW_BROKER_GET_IFACE(self);
	if (iface->reconcile_async == NULL) {
		cw_broker_not_supported(self, "reconcile", cw_broker_reconcile_async, callback,
					user_data);
		return;
	}
	iface->reconcile_async(self, since_ms, cancellable, callback, user_data);
}

/* Returns: (transfer full) (nullable): the state, or NULL with error set. */
CwBrokerState *
cw_broker_reconcile_finish(CwBroker *self, GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(CW_IS_BROKER(self), NULL);
	if (g_async_result_is_tagged(result, cw_broker_reconcile_async))
		return g_task_propagate_pointer(G_TASK(result), error);
	return CW_BROKER_GET_IFACE(self)->reconcile_finish(self, result, error);
}

/**
 * cw_broker_save_state:
 * @self: a broker
 * @out: a snapshot being written
 *
 * Appends the broker's own state, length first (0 bytes for a broker that
 * keeps none).
 */
void
cw_broker_save_state(CwBroker *self, GByteArray *out)
{
	CwBrokerInterface *iface = CW_BROKER_GET_IFACE(self);
	guint start;
	guint64 len;

	cw_state_blob_put_u64(out, 0);
	start = out->len;
	if (iface->save_state != NULL)
		iface->save_state(self, out);
	len = out->len - start;
	memcpy(out->data + start - sizeof len, &len, sizeof len);
}

/**
 * cw_broker_load_state:
 * @self: a broker that has seen nothing yet
 * @reader: a snapshot at the broker's section
 *
 * Reads back what cw_broker_save_state() wrote. A broker that keeps no
 * state accepts only an empty section.
 */
gboolean
cw_broker_load_state(CwBroker *self, CwStateReader *reader, GError **error)
{
	CwBrokerInterface *iface = CW_BROKER_GET_IFACE(self);
	CwStateReader sub;
	guint64 len;

	if (!cw_state_reader_get_u64(reader, &len, "broker state length", error))
		return FALSE;
	if (len > reader->len - reader->pos) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
			    "snapshot broker state of %" G_GUINT64_FORMAT " bytes past the end",
			    len);
		return FALSE;
	}
	sub = *reader;
	sub.data = reader->data + reader->pos;
	sub.len = (gsize) len;
	sub.pos = 0;
	reader->pos += (gsize) len;
	if (iface->load_state == NULL) {
		if (len == 0)
			return TRUE;
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
			    "snapshot holds %" G_GUINT64_FORMAT
			    " bytes of broker state, but the broker keeps none",
			    len);
		return FALSE;
	}
	if (!iface->load_state(self, &sub, error))
		return FALSE;
	if (!cw_state_reader_at_end(&sub)) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
			    "snapshot broker state: %" G_GSIZE_FORMAT " bytes left unread",
			    sub.len - sub.pos);
		return FALSE;
	}
	return TRUE;
}

gsize
cw_broker_get_memory_size(CwBroker *self)
{
	CwBrokerInterface *iface = CW_BROKER_GET_IFACE(self);

	return iface->get_memory_size != NULL ? iface->get_memory_size(self) : 0;
}
