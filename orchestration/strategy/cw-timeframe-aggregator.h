#pragma once

#if !defined(CW_STRATEGIES_INSIDE) && !defined(CW_STRATEGIES_COMPILATION)
#error "Only <cw-strategies.h> can be included directly."
#endif

#include "cw-core.h"

G_BEGIN_DECLS

/* Builds higher-timeframe (HTF) candles from base candles.
 *
 * HTF buckets are aligned to multiples of interval_ms since the Unix epoch: a
 * base candle belongs to the bucket floor(open_time / interval) * interval.
 * A bucket closes
 *   - when the base candle that ends at (or past) the bucket's end arrives,
 *     i.e. open_time + interval_ms >= bucket + interval; or
 *   - on a gap: when a base candle of a later bucket arrives while the bucket
 *     is still open (its own closing candle never came). The late bucket is
 *     returned first, then the new base candle is aggregated normally.
 * So one push returns 0, 1 or 2 closed HTF candles. Base candles of a bucket
 * that is already closed (or earlier) are ignored. HTF candle: open of the
 * first base candle, max high, min low, close of the last, summed volume,
 * open_time = bucket, interval_ms = the HTF interval. */

#define CW_TIMEFRAME_AGGREGATOR_MAX_CLOSED 2

typedef struct {
	gint64 interval_ms;
	gboolean open;      /* a bucket is in progress */
	CwCandle current;   /* the bucket in progress */
	gint64 last_closed; /* open_time of the last closed bucket, G_MININT64 when none */
} CwTimeframeAggregator;

void cw_timeframe_aggregator_init(CwTimeframeAggregator *self, gint64 interval_ms);
void cw_timeframe_aggregator_reset(CwTimeframeAggregator *self);
guint cw_timeframe_aggregator_push(CwTimeframeAggregator *self, const CwCandle *base,
				   CwCandle closed[CW_TIMEFRAME_AGGREGATOR_MAX_CLOSED]);

G_END_DECLS
