#include "cw-venue-core.h"

#include <string.h>

void
cw_venue_core_init(CwVenueCore *self)
{
	memset(self, 0, sizeof(*self));
	self->orders = g_array_new(FALSE, TRUE, sizeof(CwOrder));
	self->queue = g_array_new(FALSE, TRUE, sizeof(CwBrokerHeldReport));
}

void
cw_venue_core_clear(CwVenueCore *self)
{
	g_clear_pointer(&self->orders, g_array_unref);
	g_clear_pointer(&self->queue, g_array_unref);
}

void
cw_venue_core_set_sink(CwVenueCore *self, CwExecutionSink sink, gpointer user_data)
{
	self->sink = sink;
	self->sink_data = user_data;
}

CwOrder *
cw_venue_core_find(CwVenueCore *self, const char *id, guint *index)
{
	for (guint i = 0; i < self->orders->len; i++) {
		CwOrder *o = &g_array_index(self->orders, CwOrder, i);
		if (strcmp(o->client_order_id, id) == 0) {
			if (index != NULL)
				*index = i;
			return o;
		}
	}
	return NULL;
}

void
cw_venue_core_queue(CwVenueCore *self, const CwOrder *order, const CwFill *fill,
		    const CwBrokerFault *fault)
{
	CwBrokerHeldReport r;

	cw_broker_held_report_set(&r, order, fill, fault);
	g_array_append_val(self->queue, r);
}

void
cw_venue_core_fill(CwVenueCore *self, CwOrder *o, double qty, double price)
{
	CwFill fill;

	cw_fill_init_from_order(&fill, o, qty, price, self->now);
	o->avg_fill_price = price;
	o->filled_qty += qty;
	o->status = cw_order_fill_status(o);
	cw_venue_core_queue(self, o, &fill, NULL);
}

gboolean
cw_venue_core_stop_crossed(const CwOrder *o, const CwCandle *candle)
{
	return o->side == CW_SIDE_SELL ? candle->low <= o->stop_price
				       : candle->high >= o->stop_price;
}

static void
cw_venue_core_deliver_report(CwVenueCore *self, const CwBrokerHeldReport *r)
{
	CwExecutionReport report = cw_broker_held_report_view(r);

	if (self->sink != NULL)
		self->sink(&report, self->sink_data);
}

gboolean
cw_venue_core_deliver_one(CwVenueCore *self)
{
	CwBrokerHeldReport r;

	if (self->queue->len == 0)
		return FALSE;
	r = g_array_index(self->queue, CwBrokerHeldReport, 0);
	g_array_remove_index(self->queue, 0);
	cw_venue_core_deliver_report(self, &r);
	return TRUE;
}

void
cw_venue_core_deliver_queued(CwVenueCore *self)
{
	g_autoptr(GArray) due = self->queue;

	self->queue = g_array_new(FALSE, TRUE, sizeof(CwBrokerHeldReport));
	for (guint i = 0; i < due->len; i++)
		cw_venue_core_deliver_report(self, &g_array_index(due, CwBrokerHeldReport, i));
}

void
cw_venue_core_lookup(CwVenueCore *self, GTask *task, const char *id)
{
	CwOrder *o = cw_venue_core_find(self, id, NULL);

	if (o == NULL) {
		g_task_return_new_error(task, CW_BROKER_ERROR, CW_BROKER_ERROR_NOT_FOUND,
					"order %s does not exist", id);
		return;
	}
	g_task_set_task_data(task, g_memdup2(o, sizeof(*o)), g_free);
	g_task_return_boolean(task, TRUE);
}

gboolean
cw_venue_core_lookup_finish(GAsyncResult *result, CwOrder *out, GError **error)
{
	if (!g_task_propagate_boolean(G_TASK(result), error))
		return FALSE;
	*out = *(const CwOrder *) g_task_get_task_data(G_TASK(result));
	return TRUE;
}
