#pragma once

#if !defined(CW_STREAMING_INSIDE) && !defined(CW_STREAMING_COMPILATION)
#error "Only <cw-streaming.h> can be included directly."
#endif

#include "cw-core.h"

G_BEGIN_DECLS

/* CwReplayFeed: the "replay" market feed (CwMarketFeed). Replays a candle
 * file (read by CwCandleFile, so CSV or JSON) on the thread-default main
 * context that start() runs on.
 *
 * configure() reads the bot's "feed" section:
 *   {"type": "replay", "path": "data/btc.csv", "speed": 0,
 *    "symbol": "BTCUSDT", "interval": "5m", "skip_bad_rows": false}
 *   path           required; relative to the process's working directory
 *   speed          >= 0, default 0: 0 = as fast as possible, 1 = real time,
 *                  N = N times faster than real time
 *   symbol         default: the bot's "symbol"
 *   interval       "5m"-style; default: detected from the file
 *   skip_bad_rows  default false
 * Unknown keys are errors that list the known ones. The same options are
 * the properties "path", "speed", "symbol", "interval" (ms) and
 * "skip-bad-rows".
 *
 * get_key() is "replay:<canonical absolute path>:<symbol>".
 *
 * Order: every replay feed started on one context joins its replay clock,
 * which delivers the candle that closes first across all of them (ties:
 * the smaller key), so several files interleave the same way in every run.
 *
 * Pacing: at speed 0 candles go out in batches of 256 per main loop
 * iteration (idle priority), so signals and timers still run; with a
 * backlog func (cw_market_feed_set_backlog_func()) it waits 1 ms at a time
 * while the func says its consumers are behind. At speed > 0
 * a candle goes out when it closes on the replayed clock: (open_time -
 * first open_time + interval) / speed after start(), so gaps in the file are
 * gaps in time. Candles with open_time <= the cursor are skipped without
 * delay. At the end of the file, or on a read error (logged as a warning
 * with path:line), "ended" is emitted exactly once with "feed ended" or the
 * error message. stop() cancels; a later start() resumes after the last
 * candle delivered.
 */
#define CW_TYPE_REPLAY_FEED (cw_replay_feed_get_type())
G_DECLARE_FINAL_TYPE(CwReplayFeed, cw_replay_feed, CW, REPLAY_FEED, GObject)

CwReplayFeed *cw_replay_feed_new(const char *path, double speed);

G_END_DECLS
