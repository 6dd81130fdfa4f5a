/* "venue" on cw-broker: a scripted exchange for the broker-contract tests.
 * It answers later (reports queue until cw_test_venue_broker_deliver()),
 * and can reject, rate-limit with a retry-after, time out with an unknown
 * outcome, and fill in parts. Not part of the library; the venue side is
 * cw-venue-core.c, shared with the bench's venue. */
#include "cw-execution-test-utils.h"
#include "cw-venue-core.h"

struct _CwTestVenueBroker {
	GObject parent_instance;
	CwVenueCore core;    /* orders: what the venue holds, none removed */
	gboolean amend;      /* broker.amend */
	GHashTable *submits; /* client id -> count */
	guint n_amends;
	guint n_cancels;
	guint n_calls; /* submit, cancel, amend, on_candle, lookup: any venue call */
	CwTestVenueAnswer next;
	guint next_times; /* submits that get next */
	double next_retry_after;
	double fill_ratio;  /* of a market order's qty filled at the first candle */
	gboolean fill_rest; /* the rest fills at the next candle */
};

static void cw_test_venue_broker_iface_init(CwBrokerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwTestVenueBroker, cw_test_venue_broker, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_BROKER,
						    cw_test_venue_broker_iface_init))

static void
cw_test_venue_broker_finalize(GObject *object)
{
	CwTestVenueBroker *self = CW_TEST_VENUE_BROKER(object);

	cw_venue_core_clear(&self->core);
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
	cw_venue_core_init(&self->core);
	self->submits = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	self->fill_ratio = 1.0;
	self->fill_rest = TRUE;
}

static CwBrokerCaps
cw_test_venue_broker_get_capabilities(CwBroker *broker)
{
	return CW_VENUE_CORE_CAPS | (CW_TEST_VENUE_BROKER(broker)->amend ? CW_BROKER_CAP_AMEND : 0);
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
	cw_venue_core_set_sink(&CW_TEST_VENUE_BROKER(broker)->core, sink, user_data);
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
	case CW_TEST_VENUE_NO_POSITION:
		copy.status = CW_ORDER_STATUS_REJECTED;
		fault.kind = answer == CW_TEST_VENUE_REJECT ? CW_BROKER_ERROR_REJECTED
							    : CW_BROKER_ERROR_NO_POSITION;
		fault.venue_code = 110017;
		g_strlcpy(fault.text,
			  answer == CW_TEST_VENUE_REJECT
			      ? "reduce-only would increase the position"
			      : "current position is zero, cannot fix reduce-only order qty",
			  sizeof(fault.text));
		cw_venue_core_queue(&self->core, &copy, NULL, &fault);
		return TRUE;
	case CW_TEST_VENUE_TIMEOUT_SENT:
	case CW_TEST_VENUE_TIMEOUT_LOST:
		if (answer == CW_TEST_VENUE_TIMEOUT_SENT) {
			copy.status = CW_ORDER_STATUS_NEW;
			g_array_append_val(self->core.orders, copy);
		}
		copy.status = CW_ORDER_STATUS_PENDING_NEW;
		fault.kind = CW_BROKER_ERROR_UNKNOWN_OUTCOME;
		g_strlcpy(fault.text, "timeout", sizeof(fault.text));
		cw_venue_core_queue(&self->core, &copy, NULL, &fault);
		return TRUE;
	case CW_TEST_VENUE_ACK:
	default:
		copy.status = CW_ORDER_STATUS_NEW;
		g_array_append_val(self->core.orders, copy);
		cw_venue_core_queue(&self->core, &copy, NULL, NULL);
		return TRUE;
	}
}

static gboolean
cw_test_venue_broker_cancel(CwBroker *broker, const char *id, GError **error)
{
	CwTestVenueBroker *self = CW_TEST_VENUE_BROKER(broker);
	CwOrder *o = cw_venue_core_find(&self->core, id, NULL);

	self->n_calls++;
	self->n_cancels++;
	if (o == NULL || cw_order_status_is_final(o->status)) {
		cw_broker_set_error(error, CW_BROKER_ERROR_NOT_FOUND, 0, 110001, "no order %s", id);
		return FALSE;
	}
	o->status = CW_ORDER_STATUS_CANCELLED;
	cw_venue_core_queue(&self->core, o, NULL, NULL);
	return TRUE;
}

static gboolean
cw_test_venue_broker_amend(CwBroker *broker, const char *id, double qty, double price,
			   double stop_price, GError **error)
{
	CwTestVenueBroker *self = CW_TEST_VENUE_BROKER(broker);
	CwOrder *o = cw_venue_core_find(&self->core, id, NULL);

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
	cw_venue_core_queue(&self->core, o, NULL, NULL);
	return TRUE;
}

static void
cw_test_venue_broker_on_candle(CwBroker *broker, const CwCandle *candle)
{
	CwTestVenueBroker *self = CW_TEST_VENUE_BROKER(broker);

	self->n_calls++;
	self->core.now = candle->open_time;
	for (guint i = 0; i < self->core.orders->len; i++) {
		CwOrder *o = &g_array_index(self->core.orders, CwOrder, i);

		if (cw_order_status_is_final(o->status))
			continue;
		if (o->type == CW_ORDER_TYPE_MARKET) {
			double rest = o->qty - o->filled_qty;
			double qty = o->filled_qty == 0 ? o->qty * self->fill_ratio
				     : self->fill_rest  ? rest
							: 0;
			if (qty > 0)
				cw_venue_core_fill(&self->core, o, qty, candle->open);
		} else if (o->type == CW_ORDER_TYPE_STOP && cw_venue_core_stop_crossed(o, candle)) {
			cw_venue_core_fill(&self->core, o, o->qty - o->filled_qty, o->stop_price);
		}
	}
}

static void
cw_test_venue_broker_lookup_order_async(CwBroker *broker, const char *id, GCancellable *cancellable,
					GAsyncReadyCallback callback, gpointer user_data)
{
	CwTestVenueBroker *self = CW_TEST_VENUE_BROKER(broker);
	g_autoptr(GTask) task = g_task_new(broker, cancellable, callback, user_data);

	self->n_calls++;
	cw_venue_core_lookup(&self->core, task, id);
}

static gboolean
cw_test_venue_broker_lookup_order_finish(CwBroker *broker, GAsyncResult *result, CwOrder *out,
					 GError **error)
{
	return cw_venue_core_lookup_finish(result, out, error);
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
	return cw_venue_core_deliver_one(&self->core);
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
	return cw_venue_core_find(&self->core, client_order_id, NULL);
}

/* Working (not ended) stop orders at the venue. */
guint
cw_test_venue_broker_count_working_stops(CwTestVenueBroker *self)
{
	guint n = 0;

	for (guint i = 0; i < self->core.orders->len; i++) {
		const CwOrder *o = &g_array_index(self->core.orders, CwOrder, i);
		n += o->type == CW_ORDER_TYPE_STOP && !cw_order_status_is_final(o->status);
	}
	return n;
}

guint
cw_test_venue_broker_get_n_calls(CwTestVenueBroker *self)
{
	return self->n_calls;
}
