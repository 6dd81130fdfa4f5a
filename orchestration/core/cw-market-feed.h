#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-domain.h"

G_BEGIN_DECLS

#define CW_EXTENSION_POINT_MARKET_FEED "cw-market-feed"

typedef void (*CwCandleFunc)(const CwCandle *candle, gpointer user_data);

/* A push source of closed candles (WebSocket streams, replay). Runs on the
 * thread-default main context it was started from. Emits "ended" when the
 * stream can produce no more candles (a replay reached the end of its file). */
#define CW_TYPE_MARKET_FEED (cw_market_feed_get_type())
G_DECLARE_INTERFACE(CwMarketFeed, cw_market_feed, CW, MARKET_FEED, GObject)

struct _CwMarketFeedInterface {
	GTypeInterface g_iface;
	/* Reads the bot's "feed" section. */
	gboolean (*configure)(CwMarketFeed *self, const CwBotConfig *config, GError **error);
	/* Bots whose configs give the same key share one feed instance. */
	const char *(*get_key)(CwMarketFeed *self);
	guint (*add_sink)(CwMarketFeed *self, CwCandleFunc func, gpointer user_data);
	void (*remove_sink)(CwMarketFeed *self, guint sink_id);
	gboolean (*start)(CwMarketFeed *self, GError **error);
	void (*stop)(CwMarketFeed *self);
	/* Skip candles whose open time is <= cursor (resume after a restart). */
	void (*set_cursor)(CwMarketFeed *self, gint64 open_time);
	/* Optional: deliver candles whose open time is <= until without pacing
	 * (a restarted bot replaying its history), then pace as configured. */
	void (*set_fast_forward)(CwMarketFeed *self, gint64 until);
};

gboolean cw_market_feed_configure(CwMarketFeed *self, const CwBotConfig *config, GError **error);
const char *cw_market_feed_get_key(CwMarketFeed *self);
guint cw_market_feed_add_sink(CwMarketFeed *self, CwCandleFunc func, gpointer user_data);
void cw_market_feed_remove_sink(CwMarketFeed *self, guint sink_id);
gboolean cw_market_feed_start(CwMarketFeed *self, GError **error);
void cw_market_feed_stop(CwMarketFeed *self);
void cw_market_feed_set_cursor(CwMarketFeed *self, gint64 open_time);
void cw_market_feed_set_fast_forward(CwMarketFeed *self, gint64 until);

G_END_DECLS
