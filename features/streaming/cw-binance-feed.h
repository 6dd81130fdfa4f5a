#pragma once

#if !defined(CW_STREAMING_INSIDE) && !defined(CW_STREAMING_COMPILATION)
#error "Only <cw-streaming.h> can be included directly."
#endif

#include "cw-live-feed.h"

G_BEGIN_DECLS

/* CwBinanceFeed: the "binance" market feed, USDⓈ-M futures or spot kline
 * streams over a combined stream (/stream?streams=<symbol>@kline_<i>,
 * closed on k.x == true; libsoup answers the protocol pings), rotated
 * before Binance's 24 h limit, with /fapi/v1/klines or /api/v3/klines for
 * warm-up and gaps. Config keys in docs/configuration.md, "Live feeds". */
#define CW_TYPE_BINANCE_FEED (cw_binance_feed_get_type())
G_DECLARE_FINAL_TYPE(CwBinanceFeed, cw_binance_feed, CW, BINANCE_FEED, CwLiveFeed)

G_END_DECLS
