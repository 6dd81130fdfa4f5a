#include "cw-services-runtime.h"

struct _CwRetryPoller {
	CwClock *clock;
	CwTradingOrchestrator *orch; /* followed; a reference */
	guint source;
	gint64 armed; /* ms of the wakeup the source is for; G_MAXINT64: none */
	guint64 n_polls;
};

/**
 * cw_retry_poller_new:
 *
 * Returns: (transfer full): a poller that follows no orchestrator yet
 */
CwRetryPoller *
cw_retry_poller_new(void)
{
	CwRetryPoller *self = g_new0(CwRetryPoller, 1);

	self->clock = cw_wall_clock_new();
	self->armed = G_MAXINT64;
	return self;
}

/** cw_retry_poller_free: removes the timeout and frees the poller. */
void
cw_retry_poller_free(CwRetryPoller *self)
{
	if (self == NULL)
		return;
	cw_retry_poller_release(self);
	g_object_unref(self->clock);
	g_free(self);
}

static void
cw_retry_poller_disarm(CwRetryPoller *self)
{
	g_clear_handle_id(&self->source, g_source_remove);
	self->armed = G_MAXINT64;
}

/** cw_retry_poller_release: follows no orchestrator any more. */
void
cw_retry_poller_release(CwRetryPoller *self)
{
	cw_retry_poller_disarm(self);
	g_clear_object(&self->orch);
}

/**
 * cw_retry_poller_adopt:
 * @orch: the bot's active orchestrator
 *
 * Gives @orch the wall clock when its broker does not match on candles.
 *
 * Returns: TRUE when @orch is followed from now on
 */
gboolean
cw_retry_poller_adopt(CwRetryPoller *self, CwTradingOrchestrator *orch)
{
	CwBroker *broker = cw_trading_orchestrator_get_broker(orch);

	if (orch == self->orch)
		return TRUE;
	cw_retry_poller_release(self);
	if (broker == NULL ||
	    (cw_broker_get_capabilities(broker) & CW_BROKER_CAP_SIMULATED_ON_CANDLES))
		return FALSE;
	cw_trading_orchestrator_set_clock(orch, self->clock);
	self->orch = g_object_ref(orch);
	cw_retry_poller_arm(self);
	return TRUE;
}

static gboolean
cw_retry_poller_due_cb(gpointer user_data)
{
	CwRetryPoller *self = user_data;

	self->source = 0;
	self->armed = G_MAXINT64;
	self->n_polls++;
	cw_trading_orchestrator_poll(self->orch);
	cw_retry_poller_arm(self);
	return G_SOURCE_REMOVE;
}

/** cw_retry_poller_arm: the timeout follows the orchestrator's next wakeup. */
void
cw_retry_poller_arm(CwRetryPoller *self)
{
	gint64 next;
	gint64 delay;

	if (self->orch == NULL)
		return;
	next = cw_trading_orchestrator_get_next_wakeup(self->orch);
	if (next == self->armed)
		return;
	cw_retry_poller_disarm(self);
	if (next == G_MAXINT64)
		return;
	delay = CLAMP(next - cw_clock_now_ms(self->clock), 0, (gint64) G_MAXINT32);
	self->armed = next;
	self->source = g_timeout_add_full(G_PRIORITY_DEFAULT, (guint) delay, cw_retry_poller_due_cb,
					  self, NULL);
}

/** cw_retry_poller_get_armed: ms of the armed wakeup, G_MAXINT64 when none. */
gint64
cw_retry_poller_get_armed(CwRetryPoller *self)
{
	return self->armed;
}

/** cw_retry_poller_get_n_polls: how many times the timeout polled. */
guint64
cw_retry_poller_get_n_polls(CwRetryPoller *self)
{
	return self->n_polls;
}
