#pragma once

#if !defined(CW_STREAMING_INSIDE) && !defined(CW_STREAMING_COMPILATION)
#error "Only <cw-streaming.h> can be included directly."
#endif

#include "cw-core.h"

#include "cw-kline-frame.h"

G_BEGIN_DECLS

/* CwLiveFeed: the base of the exchange kline feeds ("bybit", "binance"),
 * a CwMarketFeed over a CwWsClient (orchestration/net) and REST pages.
 *
 * One instance serves one exchange + market + symbol + interval (its key,
 * "bybit:linear:BTCUSDT:5m"): every bot of that stream shares it and its
 * one subscription through the feed hub. The feeds of one exchange, market
 * and ws_url share one WebSocket (cw-live-conn-private.h), up to the
 * exchange's limits per connection.
 *
 * Order: a candle goes to the sinks only if its open time is after the last
 * one delivered. Before the first live candle the feed fetches the warm-up
 * history over REST (is_warming_up() is TRUE while it delivers it); after a
 * reconnect, and when a closed candle skips an interval, it fetches the
 * missing candles over REST and delivers them first, holding the stream's
 * candles meanwhile. A gap REST cannot fill is counted, reported through
 * "error" and passed over.
 *
 * Bad frames (the decoders' CwKlineError kinds, binary and oversized
 * frames) are counted per kind and logged with rate limiting; they never
 * become a candle and never close the connection. */
#define CW_TYPE_LIVE_FEED (cw_live_feed_get_type())
G_DECLARE_DERIVABLE_TYPE(CwLiveFeed, cw_live_feed, CW, LIVE_FEED, GObject)

typedef struct _CwLiveFeedDialect CwLiveFeedDialect;

/* What differs between exchanges. */
struct _CwLiveFeedDialect {
	const char *exchange;           /* "bybit" */
	const char *market_key;         /* "category" / "market" */
	const char *const *markets;     /* NULL-terminated: "linear", "spot" */
	const char *const *ws_urls;     /* default per market */
	const char *const *rest_urls;   /* default per market */
	const char *const *kline_paths; /* REST kline path per market */
	const guint *max_rows;          /* rows per REST page per market */
	double ping_s;                  /* app-level ping; 0 = none */
	double max_age_s;               /* rotate before; 0 = never */
	/* the interval's name on the exchange, NULL when it has none */
	const char *(*interval_name)(gint64 interval_ms);
	/* topic or stream name as decoded frames carry it */
	char *(*topic)(const char *symbol, const char *interval);
	/* the URL to connect to, carrying topics (n >= 1) where the exchange
	 * takes them there */
	char *(*stream_url)(const char *ws_url, const char *const *topics, guint n);
	/* the subscribe and unsubscribe messages for n topics; req is a
	 * counter the answer echoes */
	char *(*subscribe)(const char *const *topics, guint n, guint req);
	char *(*unsubscribe)(const char *const *topics, guint n, guint req);
	/* the exchange's documented limits: topics per subscribe request,
	 * topics per connection and their total length (0 = none), and
	 * requests a second (0 = none) */
	guint max_args;
	guint max_topics;
	gsize max_topic_chars;
	guint max_send_per_s;
	/* the app-level ping (NULL: none) */
	const char *ping;
	/* the URL of a page: the oldest rows from start (start >= 0) or the
	 * newest up to now (start < 0) */
	char *(*page_url)(const char *rest_url, const char *path, const char *market,
			  const char *symbol, const char *interval, gint64 start, guint limit);
	gboolean (*decode_frame)(CwKlineDecoder *decoder, const char *data, gsize len,
				 CwKlineFrame *out);
	gboolean (*decode_page)(CwKlineDecoder *decoder, const char *data, gsize len, GQuark symbol,
				gint64 interval_ms, GArray *out, CwKlinePageError *error);
};

struct _CwLiveFeedClass {
	GObjectClass parent_class;
	const CwLiveFeedDialect *dialect;
};

/* Counters, as describe_stats() shows them. */
typedef struct {
	guint64 frames;
	guint64 bad_frames;
	guint64 bad_by_kind[CW_KLINE_N_ERRORS];
	guint64 candles;     /* closed candles delivered */
	guint64 partials;    /* partial updates seen */
	guint64 duplicates;  /* closed candles at or before the last delivered */
	guint64 backfilled;  /* candles delivered from REST */
	guint64 stored;      /* candles delivered from the candles table */
	guint gaps_filled;   /* gaps REST filled */
	guint gaps_unfilled; /* gaps REST could not fill */
	guint64 missing;     /* candles in unfilled gaps */
	guint rest_failures;
	guint rejected;          /* subscriptions the exchange refused */
	guint64 forming_dropped; /* REST rows of a candle still forming, left to the stream */
} CwLiveFeedStats;

const CwLiveFeedStats *cw_live_feed_get_stats(CwLiveFeed *self);
/* The latest partial (unclosed) candle, for stale-data and price-band
 * checks; FALSE before the first one. */
gboolean cw_live_feed_get_latest(CwLiveFeed *self, CwCandle *out);
/* Feeds raw frames to the feed as if the connection had received them
 * (benchmarks, tests). */
void cw_live_feed_ingest(CwLiveFeed *self, const char *data, gsize len, gboolean binary);

G_END_DECLS
