#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-candle-history.h"
#include "cw-domain.h"

#include <gio/gio.h>

G_BEGIN_DECLS

#define CW_EXTENSION_POINT_MARKET_FEED "cw-market-feed"

typedef void (*CwCandleFunc)(const CwCandle *candle, gpointer user_data);
/* TRUE while the consumers of a feed have more queued than they want: a
 * feed that runs as fast as it can waits before its next candle. */
typedef gboolean (*CwFeedBacklogFunc)(gpointer user_data);

/* What a feed is doing, as "state-changed" reports it. */
typedef enum {
	CW_FEED_STATE_STOPPED,     /* not started, stopped, or ended */
	CW_FEED_STATE_CONNECTING,  /* opening (or reopening) its connection */
	CW_FEED_STATE_BACKFILLING, /* delivering missed or warm-up candles over REST */
	CW_FEED_STATE_LIVE,        /* delivering candles as they close */
	CW_FEED_STATE_STALLED,     /* open but silent past its limit; about to reconnect */
} CwFeedState;

/* The stable name of a state ("stopped", "connecting", ...). */
const char *cw_feed_state_to_string(CwFeedState state);

/* A push source of closed candles (WebSocket streams, replay). Runs on the
 * thread-default main context it was started from. Signals, modelled on
 * SoupWebsocketConnection's:
 * - "ended" (reason): the stream can produce no more candles (a replay
 *   reached the end of its file);
 * - "state-changed" (new, old: CwFeedState as int): see CwFeedState;
 * - "error" (GError): a problem the feed survives (a bad frame, a failed
 *   connection); it keeps running. */
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
	/* Optional: the state (default: LIVE while started, as the feed says). */
	CwFeedState (*get_state)(CwMarketFeed *self);
	/* Optional: asynchronous start; the default runs start() and completes
	 * at once. */
	void (*start_async)(CwMarketFeed *self, GCancellable *cancellable,
			    GAsyncReadyCallback callback, gpointer user_data);
	gboolean (*start_finish)(CwMarketFeed *self, GAsyncResult *result, GError **error);
	/* Optional: TRUE while the candle being delivered is warm-up history
	 * (fetched before the feed's first live candle): its bots replay it
	 * through their recovery path, sending nothing. */
	gboolean (*is_warming_up)(CwMarketFeed *self);
	/* Optional: the feed's counters as one JSON object (for bots show). */
	char *(*describe_stats)(CwMarketFeed *self);
	/* Optional: the name its closed candles are recorded under in the
	 * candles table ("bybit", "binance-spot"); NULL = not recorded. */
	const char *(*get_exchange)(CwMarketFeed *self);
	/* Optional: where a feed that records its candles reads them back
	 * (warm-up and recovery take the recorded candles first and fetch only
	 * what is missing). Set before start; the feed keeps a reference. */
	void (*set_history)(CwMarketFeed *self, CwCandleHistory *history);
	/* Optional: a feed not paced by time (a replay at speed 0) asks func
	 * before each candle and, while it says TRUE, lets the main loop run
	 * something else (the store's flush) before asking again; NULL: no
	 * backpressure. Feeds paced by time or by a venue ignore it. */
	void (*set_backlog_func)(CwMarketFeed *self, CwFeedBacklogFunc func, gpointer user_data);
};

gboolean cw_market_feed_configure(CwMarketFeed *self, const CwBotConfig *config, GError **error);
const char *cw_market_feed_get_key(CwMarketFeed *self);
guint cw_market_feed_add_sink(CwMarketFeed *self, CwCandleFunc func, gpointer user_data);
void cw_market_feed_remove_sink(CwMarketFeed *self, guint sink_id);
gboolean cw_market_feed_start(CwMarketFeed *self, GError **error);
void cw_market_feed_stop(CwMarketFeed *self);
void cw_market_feed_set_cursor(CwMarketFeed *self, gint64 open_time);
void cw_market_feed_set_fast_forward(CwMarketFeed *self, gint64 until);
CwFeedState cw_market_feed_get_state(CwMarketFeed *self);
void cw_market_feed_start_async(CwMarketFeed *self, GCancellable *cancellable,
				GAsyncReadyCallback callback, gpointer user_data);
gboolean cw_market_feed_start_finish(CwMarketFeed *self, GAsyncResult *result, GError **error);
gboolean cw_market_feed_is_warming_up(CwMarketFeed *self);
char *cw_market_feed_describe_stats(CwMarketFeed *self);
const char *cw_market_feed_get_exchange(CwMarketFeed *self);
void cw_market_feed_set_history(CwMarketFeed *self, CwCandleHistory *history);
void cw_market_feed_set_backlog_func(CwMarketFeed *self, CwFeedBacklogFunc func,
				     gpointer user_data);
/* For implementations: emits "state-changed" when new differs from *state,
 * and stores it. */
void cw_market_feed_change_state(CwMarketFeed *self, CwFeedState *state, CwFeedState new_state);

G_END_DECLS
