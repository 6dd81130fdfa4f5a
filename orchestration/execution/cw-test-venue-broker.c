/* "venue" on cw-broker: a scripted exchange for the broker-contract tests.
 * It answers later (reports queue until cw_test_venue_broker_deliver()),
 * and can reject, rate-limit with a retry-after, time out with an unknown
 * outcome, and fill in parts. Not part of the library. */
#include "cw-execution-test-utils.h"

typedef struct {
	CwOrder order;
	CwFill fill;
	CwBrokerFault fault;
	gboolean has_fill;
	gboolean has_fault;
} CwVenueReport;

struct _CwTestVenueBroker {
	GObject parent_instance;
	CwExecutionSink sink;
	gpointer sink_data;
	gboolean amend;      /* broker.amend */
	GArray *orders;      /* of CwOrder: what the venue holds */
	GArray *queue;       /* of CwVenueReport, not yet delivered */
	GHashTable *submits; /* client id -> count */
	guint n_amends;
	guint n_cancels;
	guint n_calls; /* submit, cancel, amend, on_candle, lookup: any venue call */
	CwTestVenueAnswer next;
	guint next_times; /* submits that get next */
	double next_retry_after;
	double fill_ratio;  /* of a market order's qty filled at the first candle */
	gboolean fill_rest; /* the rest fills at the next candle */
	gint64 now;
};

static void cw_test_venue_broker_iface_init(CwBrokerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwTestVenueBroker, cw_test_venue_broker, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_BROKER,
						    cw_test_venue_broker_iface_init))

static void
cw_test_venue_broker_finalize(GObject *object)
{
	CwTestVenueBroker *self = CW_TEST_VENUE_BROKER(object);

	g_array_unref(self->orders);
	g_array_unref(self->queue);
	g_hash_table_unref(self->submits);
	G_OBJECT_CLASS(cw_test_venue_broker_parent_class)->finalize(object);
}

static void
cw_test_venue_broker_class_init(CwTestVenueBrokerClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_test_venue_broker_finalize;
}

static void
cw_test_venue_broker_init(CwTestVenueBroker *self)
{
	self->orders = g_array_new(FALSE, TRUE, sizeof(CwOrder));
	self->queue = g_array_new(FALSE, TRUE, sizeof(CwVenueReport));
	self->submits = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	self->fill_ratio = 1.0;
	self->fill_rest = TRUE;
}

static CwOrder *
cw_test_venue_broker_find(CwTestVenueBroker *self, const char *id)
{
	for (guint i = 0; i < self->orders->len; i++) {
		CwOrder *o = &g_array_index(self->orders, CwOrder, i);
		if (strcmp(o->client_order_id, id) == 0)
			return o;
	}
	return NULL;
}

static void
cw_test_venue_broker_queue(CwTestVenueBroker *self, const CwOrder *order, const CwFill *fill,
			   const CwBrokerFault *fault)
{
	CwVenueReport r = {0};

	r.order = *order;
	if (fill != NULL) {
		r.fill = *fill;
		r.has_fill = TRUE;
	}
	if (fault != NULL) {
		r.fault = *fault;
		r.has_fault = TRUE;
	}
	g_array_append_val(self->queue, r);
}

static CwBrokerCaps
cw_test_venue_broker_get_capabilities(CwBroker *broker)
{
	return CW_BROKER_CAP_NATIVE_STOP | CW_BROKER_CAP_REDUCE_ONLY |
	       (CW_TEST_VENUE_BROKER(broker)->amend ? CW_BROKER_CAP_AMEND : 0);
}

static gboolean
cw_test_venue_broker_configure(CwBroker *broker, const CwBotConfig *config, JsonObject *section,
			       GError **error)
{
	CwTestVenueBroker *self = CW_TEST_VENUE_BROKER(broker);

	if (section != NULL && json_object_has_member(section, "amend"))
		self->amend = json_object_get_boolean_member(section, "amend");
	return TRUE;
}

static void
cw_test_venue_broker_set_report_sink(CwBroker *broker, CwExecutionSink sink, gpointer user_data)
{
	CwTestVenueBroker *self = CW_TEST_VENUE_BROKER(broker);

	self->sink = sink;
	self->sink_data = user_data;
}

static gboolean
cw_test_venue_broker_submit(CwBroker *broker, const CwOrder *order, GError **error)
{
	CwTestVenueBroker *self = CW_TEST_VENUE_BROKER(broker);
	CwTestVenueAnswer answer = self->next;
	CwBrokerFault fault = {0};
	CwOrder copy = *order;
	gpointer n = g_hash_table_lookup(self->submits, order->client_order_id);

	self->n_calls++;
	if (self->next_times > 0 && --self->next_times == 0)
		self->next = CW_TEST_VENUE_ACK;
	g_hash_table_replace(self->submits, g_strdup(order->client_order_id),
			     GUINT_TO_POINTER(GPOINTER_TO_UINT(n) + 1));
	switch (answer) {
	case CW_TEST_VENUE_RATE_LIMIT:
		cw_broker_set_error(error, CW_BROKER_ERROR_RATE_LIMITED, self->next_retry_after,
				    10006, "rate limit: retry after %g s", self->next_retry_after);
		return FALSE;
	case CW_TEST_VENUE_TIMEOUT_LOST_SYNC:
		cw_broker_set_error(error, CW_BROKER_ERROR_UNKNOWN_OUTCOME, 0, 0,
				    "order %s: timed out after sending", order->client_order_id);
		return FALSE;
	case CW_TEST_VENUE_REJECT:
		copy.status = CW_ORDER_STATUS_REJECTED;
		fault.kind = CW_BROKER_ERROR_REJECTED;
		fault.venue_code = 110017;
		g_strlcpy(fault.text, "reduce-only would increase the position",
			  sizeof(fault.text));
		cw_test_venue_broker_queue(self, &copy, NULL, &fault);
		return TRUE;
	case CW_TEST_VENUE_TIMEOUT_SENT:
	case CW_TEST_VENUE_TIMEOUT_LOST:
		if (answer == CW_TEST_VENUE_TIMEOUT_SENT) {
			copy.status = CW_ORDER_STATUS_NEW;
			g_array_append_val(self->orders, copy);
		}
		copy.status = CW_ORDER_STATUS_PENDING_NEW;
		fault.kind = CW_BROKER_ERROR_UNKNOWN_OUTCOME;
		g_strlcpy(fault.text, "timeout", sizeof(fault.text));
		cw_test_venue_broker_queue(self, &copy, NULL, &fault);
		return TRUE;
	case CW_TEST_VENUE_ACK:
	default:
		copy.status = CW_ORDER_STATUS_NEW;
		g_array_append_val(self->orders, copy);
		cw_test_venue_broker_queue(self, &copy, NULL, NULL);
		return TRUE;
	}
}

static gboolean
cw_test_venue_broker_cancel(CwBroker *broker, const char *id, GError **error)
{
	CwTestVenueBroker *self = CW_TEST_VENUE_BROKER(broker);
	CwOrder *o = cw_test_venue_broker_find(self, id);

	self->n_calls++;
	self->n_cancels++;
	if (o == NULL || cw_order_status_is_final(o->status)) {
		cw_broker_set_error(error, CW_BROKER_ERROR_NOT_FOUND, 0, 110001, "no order %s", id);
		return FALSE;
	}
	o->status = CW_ORDER_STATUS_CANCELLED;
	cw_test_venue_broker_queue(self, o, NULL, NULL);
	return TRUE;
}

static gboolean
cw_test_venue_broker_amend(CwBroker *broker, const char *id, double qty, double price,
			   double stop_price, GError **error)
{
	CwTestVenueBroker *self = CW_TEST_VENUE_BROKER(broker);
	CwOrder *o = cw_test_venue_broker_find(self, id);

	self->n_calls++;
	self->n_amends++;
	if (o == NULL || cw_order_status_is_final(o->status)) {
		cw_broker_set_error(error, CW_BROKER_ERROR_NOT_FOUND, 0, 110001, "no order %s", id);
		return FALSE;
	}
	if (qty > 0)
		o->qty = qty;
	if (stop_price > 0)
		o->stop_price = stop_price;
	cw_test_venue_broker_queue(self, o, NULL, NULL);
	return TRUE;
}

static void
cw_test_venue_broker_fill(CwTestVenueBroker *self, CwOrder *o, double qty, double price)
{
	CwFill fill = {0};

	memcpy(fill.client_order_id, o->client_order_id, CW_CLIENT_ORDER_ID_LEN);
	fill.strategy_id = o->strategy_id;
	fill.symbol = o->symbol;
	fill.side = o->side;
	fill.purpose = o->purpose;
	fill.qty = qty;
	fill.price = price;
	fill.time = self->now;
	o->avg_fill_price = price;
	o->filled_qty += qty;
	o->status = o->filled_qty + 1e-12 >= o->qty ? CW_ORDER_STATUS_FILLED
						    : CW_ORDER_STATUS_PARTIALLY_FILLED;
	cw_test_venue_broker_queue(self, o, &fill, NULL);
}

static void
cw_test_venue_broker_on_candle(CwBroker *broker, const CwCandle *candle)
{
	CwTestVenueBroker *self = CW_TEST_VENUE_BROKER(broker);

	self->n_calls++;
	self->now = candle->open_time;
	for (guint i = 0; i < self->orders->len; i++) {
		CwOrder *o = &g_array_index(self->orders, CwOrder, i);

		if (cw_order_status_is_final(o->status))
			continue;
		if (o->type == CW_ORDER_TYPE_MARKET) {
			double rest = o->qty - o->filled_qty;
			double qty = o->filled_qty == 0 ? o->qty * self->fill_ratio
				     : self->fill_rest  ? rest
							: 0;
			if (qty > 0)
				cw_test_venue_broker_fill(self, o, qty, candle->open);
		} else if (o->type == CW_ORDER_TYPE_STOP &&
			   (o->side == CW_SIDE_SELL ? candle->low <= o->stop_price
						    : candle->high >= o->stop_price)) {
			cw_test_venue_broker_fill(self, o, o->qty - o->filled_qty, o->stop_price);
		}
	}
}

static void
cw_test_venue_broker_lookup_order_async(CwBroker *broker, const char *id, GCancellable *cancellable,
					GAsyncReadyCallback callback, gpointer user_data)
{
	CwTestVenueBroker *self = CW_TEST_VENUE_BROKER(broker);
	g_autoptr(GTask) task = g_task_new(broker, cancellable, callback, user_data);
	CwOrder *o = cw_test_venue_broker_find(self, id);

	self->n_calls++;
	if (o == NULL) {
		g_task_return_new_error(task, CW_BROKER_ERROR, CW_BROKER_ERROR_NOT_FOUND,
					"order %s does not exist", id);
		return;
	}
	g_task_set_task_data(task, g_memdup2(o, sizeof(*o)), g_free);
	g_task_return_boolean(task, TRUE);
}

static gboolean
cw_test_venue_broker_lookup_order_finish(CwBroker *broker, GAsyncResult *result, CwOrder *out,
					 GError **error)
{
	if (!g_task_propagate_boolean(G_TASK(result), error))
		return FALSE;
	*out = *(const CwOrder *) g_task_get_task_data(G_TASK(result));
	return TRUE;
}

static void
cw_test_venue_broker_iface_init(CwBrokerInterface *iface)
{
	iface->get_capabilities = cw_test_venue_broker_get_capabilities;
	iface->configure = cw_test_venue_broker_configure;
	iface->set_report_sink = cw_test_venue_broker_set_report_sink;
	iface->submit = cw_test_venue_broker_submit;
	iface->cancel = cw_test_venue_broker_cancel;
	iface->amend = cw_test_venue_broker_amend;
	iface->on_candle = cw_test_venue_broker_on_candle;
	iface->lookup_order_async = cw_test_venue_broker_lookup_order_async;
	iface->lookup_order_finish = cw_test_venue_broker_lookup_order_finish;
}

void
cw_test_venue_broker_script(CwTestVenueBroker *self, CwTestVenueAnswer next, double retry_after_s)
{
	cw_test_venue_broker_script_times(self, next, retry_after_s, 1);
}

void
cw_test_venue_broker_script_times(CwTestVenueBroker *self, CwTestVenueAnswer next,
				  double retry_after_s, guint times)
{
	self->next = next;
	self->next_times = times;
	self->next_retry_after = retry_after_s;
}

void
cw_test_venue_broker_set_fill_ratio(CwTestVenueBroker *self, double ratio)
{
	self->fill_ratio = ratio;
}

void
cw_test_venue_broker_set_fill_rest(CwTestVenueBroker *self, gboolean fill_rest)
{
	self->fill_rest = fill_rest;
}

gboolean
cw_test_venue_broker_deliver_one(CwTestVenueBroker *self)
{
	CwVenueReport r;
	CwExecutionReport report = {0};

	if (self->queue->len == 0)
		return FALSE;
	r = g_array_index(self->queue, CwVenueReport, 0);
	g_array_remove_index(self->queue, 0);
	report.order = &r.order;
	report.fill = r.has_fill ? &r.fill : NULL;
	report.error = r.has_fault ? &r.fault : NULL;
	if (self->sink != NULL)
		self->sink(&report, self->sink_data);
	return TRUE;
}

guint
cw_test_venue_broker_deliver(CwTestVenueBroker *self)
{
	guint n = 0;

	/* the sink may make the venue queue more: deliver those too */
	while (cw_test_venue_broker_deliver_one(self))
		n++;
	return n;
}

guint
cw_test_venue_broker_get_n_submits(CwTestVenueBroker *self, const char *client_order_id)
{
	return GPOINTER_TO_UINT(g_hash_table_lookup(self->submits, client_order_id));
}

guint
cw_test_venue_broker_get_n_submitted_ids(CwTestVenueBroker *self)
{
	return g_hash_table_size(self->submits);
}

guint
cw_test_venue_broker_get_n_amends(CwTestVenueBroker *self)
{
	return self->n_amends;
}

const CwOrder *
cw_test_venue_broker_get_order(CwTestVenueBroker *self, const char *client_order_id)
{
	return cw_test_venue_broker_find(self, client_order_id);
}

/* Working (not ended) stop orders at the venue. */
guint
cw_test_venue_broker_count_working_stops(CwTestVenueBroker *self)
{
	guint n = 0;

	for (guint i = 0; i < self->orders->len; i++) {
		const CwOrder *o = &g_array_index(self->orders, CwOrder, i);
		n += o->type == CW_ORDER_TYPE_STOP && !cw_order_status_is_final(o->status);
	}
	return n;
}

guint
cw_test_venue_broker_get_n_calls(CwTestVenueBroker *self)
{
	return self->n_calls;
}
