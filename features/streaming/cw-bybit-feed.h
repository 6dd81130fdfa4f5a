#pragma once

#if !defined(CW_STREAMING_INSIDE) && !defined(CW_STREAMING_COMPILATION)
#error "Only <cw-streaming.h> can be included directly."
#endif

#include "cw-live-feed.h"

G_BEGIN_DECLS

/* CwBybitFeed: the "bybit" market feed, Bybit v5 public kline stream
 * (kline.<interval>.<SYMBOL>, closed on confirm:true, {"op":"ping"} every
 * 20 s) with GET /v5/market/kline for warm-up and gaps. Config keys in
 * docs/configuration.md, "Live feeds". */
#define CW_TYPE_BYBIT_FEED (cw_bybit_feed_get_type())
G_DECLARE_FINAL_TYPE(CwBybitFeed, cw_bybit_feed, CW, BYBIT_FEED, CwLiveFeed)

G_END_DECLS
