/* candlewick streaming: market data sources and feeds.
 *
 * Registers, on the core extension points:
 *   cw-candle-source "file"   CwCandleFile, CSV or JSON candle files
 *   cw-candle-source "synth"  CwSynthSource, a seeded synthetic market
 *   cw-market-feed   "replay" CwReplayFeed, a file replayed on the main loop
 *   cw-market-feed   "bybit"  CwBybitFeed, Bybit v5 public kline stream
 *   cw-market-feed   "binance" CwBinanceFeed, Binance USDⓈ-M/spot kline stream
 *
 * Only the executable's generated registration list calls
 * cw_streaming_register_types(); the rest of candlewick reaches these types
 * through the core interfaces and extension names.
 */
#pragma once

#define CW_STREAMING_INSIDE
#include "cw-streaming-error.h"
#include "cw-candle-file.h"
#include "cw-synth-source.h"
#include "cw-replay-feed.h"
#include "cw-live-feed.h"
#include "cw-bybit-feed.h"
#include "cw-binance-feed.h"
#undef CW_STREAMING_INSIDE

G_BEGIN_DECLS

/* Registers the streaming implementations on the core extension points
 * (calls cw_extension_points_register() first). Idempotent, thread safe. */
void cw_streaming_register_types(void);

G_END_DECLS
