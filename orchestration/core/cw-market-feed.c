#include "cw-core.h"

G_DEFINE_INTERFACE(CwMarketFeed, cw_market_feed, G_TYPE_OBJECT)

static void
cw_market_feed_default_init(CwMarketFeedInterface *iface)
{
	/**
	 * CwMarketFeed::ended:
	 * @reason: why the feed can produce no more candles
	 */
	g_signal_new("ended", G_TYPE_FROM_INTERFACE(iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
		     G_TYPE_NONE, 1, G_TYPE_STRING);
	/**
	 * CwMarketFeed::state-changed:
	 * @new_state: the CwFeedState now
	 * @old_state: the CwFeedState before
	 */
	g_signal_new("state-changed", G_TYPE_FROM_INTERFACE(iface), G_SIGNAL_RUN_LAST, 0, NULL,
		     NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
	/**
	 * CwMarketFeed::error:
	 * @error: what went wrong; the feed keeps running
	 */
	g_signal_new("error", G_TYPE_FROM_INTERFACE(iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
		     G_TYPE_NONE, 1, G_TYPE_ERROR);
}

/**
 * cw_feed_state_to_string:
 *
 * Returns: the stable name of @state
 */
const char *
cw_feed_state_to_string(CwFeedState state)
{
	switch (state) {
	case CW_FEED_STATE_STOPPED:
		return "stopped";
	case CW_FEED_STATE_CONNECTING:
		return "connecting";
	case CW_FEED_STATE_BACKFILLING:
		return "backfilling";
	case CW_FEED_STATE_LIVE:
		return "live";
	case CW_FEED_STATE_STALLED:
		return "stalled";
	}
	return "unknown";
}

gboolean
cw_market_feed_configure(CwMarketFeed *self, const CwBotConfig *config, GError **error)
{
	g_return_val_if_fail(CW_IS_MARKET_FEED(self), FALSE);
	return CW_MARKET_FEED_GET_IFACE(self)->configure(self, config, error);
}

const char *
cw_market_feed_get_key(CwMarketFeed *self)
{
	g_return_val_if_fail(CW_IS_MARKET_FEED(self), NULL);
	return CW_MARKET_FEED_GET_IFACE(self)->get_key(self);
}

guint
cw_market_feed_add_sink(CwMarketFeed *self, CwCandleFunc func, gpointer user_data)
{
	g_return_val_if_fail(CW_IS_MARKET_FEED(self), 0);
	return CW_MARKET_FEED_GET_IFACE(self)->add_sink(self, func, user_data);
}

void
cw_market_feed_remove_sink(CwMarketFeed *self, guint sink_id)
{
	g_return_if_fail(CW_IS_MARKET_FEED(self));
	CW_MARKET_FEED_GET_IFACE(self)->remove_sink(self, sink_id);
}

gboolean
cw_market_feed_start(CwMarketFeed *self, GError **error)
{
	g_return_val_if_fail(CW_IS_MARKET_FEED(self), FALSE);
	return CW_MARKET_FEED_GET_IFACE(self)->start(self, error);
}

void
cw_market_feed_stop(CwMarketFeed *self)
{
	g_return_if_fail(CW_IS_MARKET_FEED(self));
	CW_MARKET_FEED_GET_IFACE(self)->stop(self);
}

void
cw_market_feed_set_cursor(CwMarketFeed *self, gint64 open_time)
{
	CwMarketFeedInterface *iface;

	g_return_if_fail(CW_IS_MARKET_FEED(self));
	iface = CW_MARKET_FEED_GET_IFACE(self);
	if (iface->set_cursor != NULL)
		iface->set_cursor(self, open_time);
}

void
cw_market_feed_set_fast_forward(CwMarketFeed *self, gint64 until)
{
	CwMarketFeedInterface *iface;

	g_return_if_fail(CW_IS_MARKET_FEED(self));
	iface = CW_MARKET_FEED_GET_IFACE(self);
	if (iface->set_fast_forward != NULL)
		iface->set_fast_forward(self, until);
}

/**
 * cw_market_feed_get_state:
 *
 * Returns: what the feed is doing; STOPPED for a feed that does not say
 */
CwFeedState
cw_market_feed_get_state(CwMarketFeed *self)
{
	CwMarketFeedInterface *iface;

	g_return_val_if_fail(CW_IS_MARKET_FEED(self), CW_FEED_STATE_STOPPED);
	iface = CW_MARKET_FEED_GET_IFACE(self);
	return iface->get_state != NULL ? iface->get_state(self) : CW_FEED_STATE_STOPPED;
}

/**
 * cw_market_feed_start_async:
 * @cancellable: (nullable): cancels the start
 * @callback: called once the feed is started (or failed to)
 *
 * Starts the feed without blocking; cw_market_feed_start_finish() tells how
 * it went. A feed without its own start_async starts at once.
 */
void
cw_market_feed_start_async(CwMarketFeed *self, GCancellable *cancellable,
			   GAsyncReadyCallback callback, gpointer user_data)
{
	CwMarketFeedInterface *iface;
	g_autoptr(GTask) task = NULL;
	GError *error = NULL;

	g_return_if_fail(CW_IS_MARKET_FEED(self));
	iface = CW_MARKET_FEED_GET_IFACE(self);
	if (iface->start_async != NULL) {
		iface->start_async(self, cancellable, callback, user_data);
		return;
	}
	task = g_task_new(self, cancellable, callback, user_data);
	g_task_set_source_tag(task, cw_market_feed_start_async);
	if (iface->start(self, &error))
		g_task_return_boolean(task, TRUE);
	else
		g_task_return_error(task, error);
}

/**
 * cw_market_feed_start_finish:
 *
 * Returns: TRUE when the feed started
 */
gboolean
cw_market_feed_start_finish(CwMarketFeed *self, GAsyncResult *result, GError **error)
{
	CwMarketFeedInterface *iface;

	g_return_val_if_fail(CW_IS_MARKET_FEED(self), FALSE);
	iface = CW_MARKET_FEED_GET_IFACE(self);
	if (iface->start_async != NULL && iface->start_finish != NULL)
		return iface->start_finish(self, result, error);
	return g_task_propagate_boolean(G_TASK(result), error);
}

/**
 * cw_market_feed_is_warming_up:
 *
 * Returns: TRUE while the feed delivers warm-up history
 */
gboolean
cw_market_feed_is_warming_up(CwMarketFeed *self)
{
	CwMarketFeedInterface *iface = CW_MARKET_FEED_GET_IFACE(self);

	return iface->is_warming_up != NULL && iface->is_warming_up(self);
}

/**
 * cw_market_feed_describe_stats:
 *
 * Returns: (transfer full) (nullable): the feed's counters as a JSON object
 */
char *
cw_market_feed_describe_stats(CwMarketFeed *self)
{
	CwMarketFeedInterface *iface;

	g_return_val_if_fail(CW_IS_MARKET_FEED(self), NULL);
	iface = CW_MARKET_FEED_GET_IFACE(self);
	return iface->describe_stats != NULL ? iface->describe_stats(self) : NULL;
}

/**
 * cw_market_feed_get_exchange:
 *
 * Returns: (nullable): the candles table's exchange name, NULL when the
 * feed's candles are not recorded
 */
const char *
cw_market_feed_get_exchange(CwMarketFeed *self)
{
	CwMarketFeedInterface *iface;

	g_return_val_if_fail(CW_IS_MARKET_FEED(self), NULL);
	iface = CW_MARKET_FEED_GET_IFACE(self);
	return iface->get_exchange != NULL ? iface->get_exchange(self) : NULL;
}

/**
 * cw_market_feed_set_history:
 * @history: (nullable): the recorded candles to warm up from first
 *
 * A feed that records its candles (get_exchange) reads what it can from
 * @history before it asks the exchange; others ignore it.
 */
void
cw_market_feed_set_history(CwMarketFeed *self, CwCandleHistory *history)
{
	CwMarketFeedInterface *iface;

	g_return_if_fail(CW_IS_MARKET_FEED(self));
	iface = CW_MARKET_FEED_GET_IFACE(self);
	if (iface->set_history != NULL)
		iface->set_history(self, history);
}

/**
 * cw_market_feed_set_backlog_func:
 * @func: (nullable): TRUE while the feed's consumers are behind
 *
 * Backpressure for a feed not paced by time (a replay at speed 0): it asks
 * @func before each candle and waits while the answer is TRUE, so it does
 * not run ahead of the consumers' writes. Other feeds ignore it.
 */
void
cw_market_feed_set_backlog_func(CwMarketFeed *self, CwFeedBacklogFunc func, gpointer user_data)
{
	CwMarketFeedInterface *iface;

	g_return_if_fail(CW_IS_MARKET_FEED(self));
	iface = CW_MARKET_FEED_GET_IFACE(self);
	if (iface->set_backlog_func != NULL)
		iface->set_backlog_func(self, func, user_data);
}

/**
 * cw_market_feed_change_state:
 * @state: the implementation's state field
 * @new_state: the state now
 *
 * Stores @new_state and emits "state-changed" when it differs.
 */
void
cw_market_feed_change_state(CwMarketFeed *self, CwFeedState *state, CwFeedState new_state)
{
	CwFeedState old = *state;

	if (old == new_state)
		return;
	*state = new_state;
	g_signal_emit_by_name(self, "state-changed", (int) new_state, (int) old);
}
