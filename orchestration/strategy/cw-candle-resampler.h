#pragma once

#if !defined(CW_STRATEGIES_INSIDE) && !defined(CW_STRATEGIES_COMPILATION)
#error "Only <cw-strategies.h> can be included directly."
#endif

#include "cw-timeframe-aggregator.h"

G_BEGIN_DECLS

/* Turns a stream of base candles (1m, say) into candles of a longer
 * interval that the base divides (5m), through a CwTimeframeAggregator:
 * buckets are aligned to the epoch, and a candle is emitted when its
 * bucket closes.
 *
 * Incomplete buckets at the edges of the stream are dropped, since the data
 * range cut them: the first bucket when it holds fewer than
 * interval / base_interval base candles (the data starts inside it), and a
 * bucket still open when the stream ends (cw_candle_resampler_finish()).
 * A bucket inside the stream that misses base candles (a gap in the data)
 * is emitted, as an exchange would build it from the trades it has, and
 * counted. Allocation free per candle. */
typedef struct {
	CwTimeframeAggregator agg;
	gint64 base_interval_ms;
	guint per_bucket;    /* base candles in a full bucket */
	gint64 bucket;       /* open time of the bucket being filled */
	guint count;         /* base candles pushed into it */
	gboolean seen_first; /* the first bucket was emitted or dropped */
	guint64 base_candles;
	guint64 emitted;
	guint64 dropped_buckets; /* incomplete buckets at the edges */
	guint64 gap_buckets;     /* emitted with base candles missing */
} CwCandleResampler;

gboolean cw_candle_resampler_init(CwCandleResampler *self, gint64 base_interval_ms,
				  gint64 interval_ms, GError **error);
guint cw_candle_resampler_push(CwCandleResampler *self, const CwCandle *base,
			       CwCandle out[CW_TIMEFRAME_AGGREGATOR_MAX_CLOSED]);
void cw_candle_resampler_finish(CwCandleResampler *self);
/* "resampled 1m -> 5m, 2735 candles (from 13681; ...)" */
char *cw_candle_resampler_describe(const CwCandleResampler *self);

G_END_DECLS
