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
