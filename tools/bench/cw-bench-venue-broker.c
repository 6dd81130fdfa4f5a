/* "bench-venue" on cw-broker: the venue-like broker of `candlewick-bench
 * serve --broker venue`, registered by the bench only (the installed
 * candlewick has no such broker). It does not match on candles (no
 * CW_BROKER_CAP_SIMULATED_ON_CANDLES): every answer reaches the bot from a
 * main-loop timeout a little after the call, as an exchange's does, so the
 * runtime measures ack and fill round trips as for a venue. A market order
 * is acknowledged and filled at the last close seen; a stop, acknowledged,
 * fills when a candle crosses it. The venue side is the execution tests'
 * (cw-venue-core.c). */
#include "cw-services.h"
#include "cw-venue-core.h"

#include "cw-bench.h"

/* how much later the venue answers */
#define CW_BENCH_VENUE_DELAY_MS 2

#define CW_TYPE_BENCH_VENUE_BROKER (cw_bench_venue_broker_get_type())
G_DECLARE_FINAL_TYPE(CwBenchVenueBroker, cw_bench_venue_broker, CW, BENCH_VENUE_BROKER, GObject)

struct _CwBenchVenueBroker {
	GObject parent_instance;
	CwVenueCore core; /* orders: working at the venue */
	guint deliver_id;
	double last_close;
};

static void cw_bench_venue_broker_iface_init(CwBrokerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwBenchVenueBroker, cw_bench_venue_broker, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_BROKER,
						    cw_bench_venue_broker_iface_init))

static void
cw_bench_venue_broker_finalize(GObject *object)
{
	CwBenchVenueBroker *self = CW_BENCH_VENUE_BROKER(object);

	g_clear_handle_id(&self->deliver_id, g_source_remove);
	cw_venue_core_clear(&self->core);
	G_OBJECT_CLASS(cw_bench_venue_broker_parent_class)->finalize(object);
}

static void
cw_bench_venue_broker_class_init(CwBenchVenueBrokerClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_bench_venue_broker_finalize;
}

static void
cw_bench_venue_broker_init(CwBenchVenueBroker *self)
{
	cw_venue_core_init(&self->core);
}

/* Delivers the answers queued so far; those the sink queues come later. */
static gboolean
cw_bench_venue_broker_deliver(gpointer user_data)
{
	CwBenchVenueBroker *self = user_data;

	self->deliver_id = 0;
	g_object_ref(self);
	cw_venue_core_deliver_queued(&self->core);
	g_object_unref(self);
	return G_SOURCE_REMOVE;
}

/* Answers later what the core has queued. */
static void
cw_bench_venue_broker_schedule(CwBenchVenueBroker *self)
{
	if (self->deliver_id == 0)
		self->deliver_id =
		    g_timeout_add(CW_BENCH_VENUE_DELAY_MS, cw_bench_venue_broker_deliver, self);
}

/* Fills the rest of o at price (o is updated to its final state). */
static void
cw_bench_venue_broker_fill(CwBenchVenueBroker *self, CwOrder *o, double price)
{
	o->updated_at = self->core.now;
	cw_venue_core_fill(&self->core, o, o->qty - o->filled_qty, price);
	cw_bench_venue_broker_schedule(self);
}

static CwBrokerCaps
cw_bench_venue_broker_get_capabilities(CwBroker *broker)
{
	return CW_VENUE_CORE_CAPS;
}

static gboolean
cw_bench_venue_broker_configure(CwBroker *broker, const CwBotConfig *config, JsonObject *section,
				GError **error)
{
	return TRUE;
}

static void
cw_bench_venue_broker_set_report_sink(CwBroker *broker, CwExecutionSink sink, gpointer user_data)
{
	cw_venue_core_set_sink(&CW_BENCH_VENUE_BROKER(broker)->core, sink, user_data);
}

static gboolean
cw_bench_venue_broker_submit(CwBroker *broker, const CwOrder *order, GError **error)
{
	CwBenchVenueBroker *self = CW_BENCH_VENUE_BROKER(broker);
	CwOrder o = *order;

	if (order->type == CW_ORDER_TYPE_LIMIT) {
		cw_broker_set_error(error, CW_BROKER_ERROR_REJECTED, 0, 0,
				    "order %s: the bench venue takes market and stop orders",
				    order->client_order_id);
		return FALSE;
	}
	o.status = CW_ORDER_STATUS_NEW;
	cw_venue_core_queue(&self->core, &o, NULL, NULL);
	cw_bench_venue_broker_schedule(self);
	if (o.type == CW_ORDER_TYPE_MARKET && self->last_close > 0)
		cw_bench_venue_broker_fill(self, &o, self->last_close);
	else
		g_array_append_val(self->core.orders, o);
	return TRUE;
}

static gboolean
cw_bench_venue_broker_cancel(CwBroker *broker, const char *id, GError **error)
{
	CwBenchVenueBroker *self = CW_BENCH_VENUE_BROKER(broker);
	guint i = 0;
	CwOrder *o = cw_venue_core_find(&self->core, id, &i);

	if (o == NULL) {
		cw_broker_set_error(error, CW_BROKER_ERROR_NOT_FOUND, 0, 0, "no order %s", id);
		return FALSE;
	}
	o->status = CW_ORDER_STATUS_CANCELLED;
	cw_venue_core_queue(&self->core, o, NULL, NULL);
	cw_bench_venue_broker_schedule(self);
	g_array_remove_index_fast(self->core.orders, i);
	return TRUE;
}

static void
cw_bench_venue_broker_on_candle(CwBroker *broker, const CwCandle *candle)
{
	CwBenchVenueBroker *self = CW_BENCH_VENUE_BROKER(broker);

	self->core.now = candle->open_time;
	self->last_close = candle->close;
	for (guint i = self->core.orders->len; i-- > 0;) {
		CwOrder *o = &g_array_index(self->core.orders, CwOrder, i);
		if (o->type != CW_ORDER_TYPE_MARKET && !cw_venue_core_stop_crossed(o, candle))
			continue;
		cw_bench_venue_broker_fill(
		    self, o, o->type == CW_ORDER_TYPE_STOP ? o->stop_price : candle->open);
		g_array_remove_index_fast(self->core.orders, i);
	}
}

static void
cw_bench_venue_broker_iface_init(CwBrokerInterface *iface)
{
	iface->get_capabilities = cw_bench_venue_broker_get_capabilities;
	iface->configure = cw_bench_venue_broker_configure;
	iface->set_report_sink = cw_bench_venue_broker_set_report_sink;
	iface->submit = cw_bench_venue_broker_submit;
	iface->cancel = cw_bench_venue_broker_cancel;
	iface->on_candle = cw_bench_venue_broker_on_candle;
}

void
cw_bench_venue_broker_register(void)
{
	static gsize once = 0;

	if (g_once_init_enter(&once)) {
		g_io_extension_point_implement(CW_EXTENSION_POINT_BROKER,
					       CW_TYPE_BENCH_VENUE_BROKER, "bench-venue", 0);
		g_once_init_leave(&once, 1);
	}
}
