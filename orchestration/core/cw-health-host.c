#include "cw-core.h"

#include <string.h>

G_DEFINE_INTERFACE(CwHealthHost, cw_health_host, G_TYPE_OBJECT)

static void
cw_health_host_default_init(CwHealthHostInterface *iface)
{
}

/* The name used in metrics and JSON, e.g. "live". */
const char *
cw_health_feed_state_to_string(CwHealthFeedState state)
{
	static const char *const names[] = {"unknown", "connecting",  "recovering", "live",
					    "down",    "backfilling", "stalled"};

	return (guint) state < G_N_ELEMENTS(names) ? names[state] : "unknown";
}

void
cw_bot_counters_count_guard(CwBotCounters *self, const char *guard)
{
	const char *name = g_intern_string(guard != NULL ? guard : "unknown");

	for (guint i = 0; i < self->n_guards; i++) {
		if (self->guard_names[i] == name) {
			self->guard_trips[i]++;
			return;
		}
	}
	if (self->n_guards == CW_BOT_COUNTERS_MAX_GUARDS) {
		self->guard_other++;
		return;
	}
	self->guard_names[self->n_guards] = name;
	self->guard_trips[self->n_guards++] = 1;
}

/* Calls func with a snapshot of every loaded bot. */
void
cw_health_host_foreach_bot(CwHealthHost *self, CwBotHealthFunc func, gpointer user_data)
{
	g_return_if_fail(CW_IS_HEALTH_HOST(self));
	CW_HEALTH_HOST_GET_IFACE(self)->foreach_bot(self, func, user_data);
}

/* Unloads the bot and reloads it from the database with recovery. */
gboolean
cw_health_host_restart_bot(CwHealthHost *self, gint64 bot_id, const char *reason, GError **error)
{
	g_return_val_if_fail(CW_IS_HEALTH_HOST(self), FALSE);
	return CW_HEALTH_HOST_GET_IFACE(self)->restart_bot(self, bot_id, reason, error);
}

/* Unloads the bot and puts it in status `error` with message. */
void
cw_health_host_fail_bot(CwHealthHost *self, gint64 bot_id, const char *message)
{
	g_return_if_fail(CW_IS_HEALTH_HOST(self));
	CW_HEALTH_HOST_GET_IFACE(self)->fail_bot(self, bot_id, message);
}

/* Reads a bot_state value; NULL without error when the key is absent. */
char *
cw_health_host_get_bot_state(CwHealthHost *self, gint64 bot_id, const char *key, GError **error)
{
	g_return_val_if_fail(CW_IS_HEALTH_HOST(self), NULL);
	return CW_HEALTH_HOST_GET_IFACE(self)->get_bot_state(self, bot_id, key, error);
}

/* Writes (value NULL: deletes) a bot_state value. */
void
cw_health_host_set_bot_state(CwHealthHost *self, gint64 bot_id, const char *key, const char *value)
{
	g_return_if_fail(CW_IS_HEALTH_HOST(self));
	CW_HEALTH_HOST_GET_IFACE(self)->set_bot_state(self, bot_id, key, value);
}

/* Journals an event of type with a JSON payload. */
void
cw_health_host_emit_event(CwHealthHost *self, gint64 bot_id, CwEventType type, const char *json)
{
	g_return_if_fail(CW_IS_HEALTH_HOST(self));
	CW_HEALTH_HOST_GET_IFACE(self)->emit_event(self, bot_id, type, json);
}

/* The SQLite file of the service. */
const char *
cw_health_host_get_db_path(CwHealthHost *self)
{
	g_return_val_if_fail(CW_IS_HEALTH_HOST(self), NULL);
	return CW_HEALTH_HOST_GET_IFACE(self)->get_db_path(self);
}

void
cw_broker_round_trips_init(CwBrokerRoundTrips *self)
{
	/* three buckets (6 series): /metrics stays under 2 MB at 1,000 bots
	 * on a venue that all traded (docs/benchmarks.md) */
	static const double bounds[] = {0.01, 0.1, 1};

	*self = (CwBrokerRoundTrips){0};
	cw_prom_histogram_init(&self->ack, bounds, G_N_ELEMENTS(bounds));
}

static CwBrokerPendingOrder *
cw_broker_round_trips_find(CwBrokerRoundTrips *self, const char *id)
{
	for (guint i = 0; i < CW_BROKER_ROUND_TRIP_SLOTS; i++) {
		CwBrokerPendingOrder *p = &self->pending[i];

		if (p->submitted_us != 0 &&
		    strncmp(p->client_order_id, id, CW_CLIENT_ORDER_ID_LEN) == 0)
			return p;
	}
	return NULL;
}

/**
 * cw_broker_round_trips_observe:
 *
 * SUBMITTED starts a round trip; the venue's first answer ends it: the
 * first ACKNOWLEDGED, or a FILLED before any (a venue that reports a market
 * order filled without acknowledging it first). REJECTED, CANCELLED and a
 * fill drop it. No allocation.
 */
void
cw_broker_round_trips_observe(CwBrokerRoundTrips *self, const CwEvent *event, gint64 now_us)
{
	const char *id = event->order != NULL  ? event->order->client_order_id
			 : event->fill != NULL ? event->fill->client_order_id
					       : NULL;
	CwBrokerPendingOrder *p;

	if (id == NULL || id[0] == '\0')
		return;
	switch (event->type) {
	case CW_EVENT_ORDER_SUBMITTED:
		p = cw_broker_round_trips_find(self, id);
		for (guint i = 0; p == NULL && i < CW_BROKER_ROUND_TRIP_SLOTS; i++) {
			if (self->pending[i].submitted_us == 0)
				p = &self->pending[i];
		}
		if (p == NULL) {
			p = &self->pending[self->next];
			self->next = (self->next + 1) % CW_BROKER_ROUND_TRIP_SLOTS;
			self->evicted++;
		}
		g_strlcpy(p->client_order_id, id, CW_CLIENT_ORDER_ID_LEN);
		p->submitted_us = MAX(now_us, 1);
		p->acknowledged = FALSE;
		return;
	case CW_EVENT_ORDER_ACKNOWLEDGED:
	case CW_EVENT_ORDER_FILLED:
		p = cw_broker_round_trips_find(self, id);
		if (p != NULL && !p->acknowledged) {
			p->acknowledged = TRUE;
			cw_prom_histogram_observe_us(&self->ack, now_us - p->submitted_us);
		}
		if (p != NULL && event->type == CW_EVENT_ORDER_FILLED)
			p->submitted_us = 0;
		return;
	case CW_EVENT_ORDER_REJECTED:
	case CW_EVENT_ORDER_CANCELLED:
		p = cw_broker_round_trips_find(self, id);
		if (p != NULL)
			p->submitted_us = 0;
		return;
	default:
		return;
	}
}
