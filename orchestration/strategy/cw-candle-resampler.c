/* CwCandleResampler: base candles up to a longer interval, with the
 * incomplete buckets at the edges dropped and counted. */
#include "cw-strategies.h"

/**
 * cw_candle_resampler_init:
 * @self: storage for the resampler
 * @base_interval_ms: the interval of the candles that will be pushed
 * @interval_ms: the interval to build, a multiple of @base_interval_ms
 *
 * Returns: %FALSE (with @error set) when @interval_ms is not a whole
 * multiple of @base_interval_ms, or is shorter than it.
 */
gboolean
cw_candle_resampler_init(CwCandleResampler *self, gint64 base_interval_ms, gint64 interval_ms,
			 GError **error)
{
	char base[16], want[16];

	memset(self, 0, sizeof(*self));
	cw_interval_format(base_interval_ms, base, sizeof base);
	cw_interval_format(interval_ms, want, sizeof want);
	if (base_interval_ms <= 0 || interval_ms <= 0) {
		g_set_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER,
			    "cannot resample %s candles to %s: both intervals must be positive",
			    base, want);
		return FALSE;
	}
	if (interval_ms < base_interval_ms) {
		g_set_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER,
			    "cannot resample %s candles to %s: candles can be combined into "
			    "longer ones, not split into shorter ones",
			    base, want);
		return FALSE;
	}
	if (interval_ms % base_interval_ms != 0) {
		g_set_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER,
			    "cannot resample %s candles to %s: %s is not a whole number of %s "
			    "candles",
			    base, want, want, base);
		return FALSE;
	}
	cw_timeframe_aggregator_init(&self->agg, interval_ms);
	self->base_interval_ms = base_interval_ms;
	self->per_bucket = (guint) MIN(interval_ms / base_interval_ms, G_MAXUINT);
	self->bucket = G_MININT64;
	return TRUE;
}

static gint64
cw_candle_resampler_bucket(const CwCandleResampler *self, gint64 t)
{
	gint64 interval = self->agg.interval_ms;
	gint64 q = t / interval;

	if (t % interval != 0 && t < 0)
		q--;
	return q * interval;
}

/**
 * cw_candle_resampler_push:
 * @self: a resampler
 * @base: the next base candle, in time order
 * @out: (out caller-allocates): room for the candles this push closes
 *
 * Returns: how many candles were written to @out (0, 1 or 2), oldest first.
 */
guint
cw_candle_resampler_push(CwCandleResampler *self, const CwCandle *base,
			 CwCandle out[CW_TIMEFRAME_AGGREGATOR_MAX_CLOSED])
{
	gint64 bucket = cw_candle_resampler_bucket(self, base->open_time);
	guint prev_count = self->count;
	CwCandle closed[CW_TIMEFRAME_AGGREGATOR_MAX_CLOSED];
	guint n, kept = 0;

	self->base_candles++;
	if (bucket != self->bucket) {
		self->bucket = bucket;
		self->count = 0;
	}
	self->count++;
	n = cw_timeframe_aggregator_push(&self->agg, base, closed);
	for (guint i = 0; i < n; i++) {
		/* closed by its own last candle, or late by the next bucket's first */
		guint count = closed[i].open_time == bucket ? self->count : prev_count;
		gboolean complete = count >= self->per_bucket;

		if (!self->seen_first) {
			self->seen_first = TRUE;
			if (!complete) {
				self->dropped_buckets++;
				continue;
			}
		} else if (!complete) {
			self->gap_buckets++;
		}
		out[kept++] = closed[i];
	}
	self->emitted += kept;
	return kept;
}

/**
 * cw_candle_resampler_finish:
 * @self: a resampler
 *
 * The stream ended: a bucket still open is incomplete and dropped.
 */
void
cw_candle_resampler_finish(CwCandleResampler *self)
{
	if (self->agg.open) {
		self->dropped_buckets++;
		self->seen_first = TRUE;
		cw_timeframe_aggregator_reset(&self->agg);
	}
}

/**
 * cw_candle_resampler_describe:
 * @self: a resampler
 *
 * Returns: (transfer full): one line that says what was resampled and what
 * was dropped.
 */
char *
cw_candle_resampler_describe(const CwCandleResampler *self)
{
	char base[16], want[16];
	GString *s = g_string_new(NULL);

	cw_interval_format(self->base_interval_ms, base, sizeof base);
	cw_interval_format(self->agg.interval_ms, want, sizeof want);
	g_string_append_printf(
	    s,
	    "resampled %s -> %s, %" G_GUINT64_FORMAT " candles (from %" G_GUINT64_FORMAT
	    " %s candles; %" G_GUINT64_FORMAT " incomplete bucket(s) at the edges dropped",
	    base, want, self->emitted, self->base_candles, base, self->dropped_buckets);
	if (self->gap_buckets > 0)
		g_string_append_printf(s, "; %" G_GUINT64_FORMAT " with %s candles missing kept",
				       self->gap_buckets, base);
	g_string_append_c(s, ')');
	return g_string_free(s, FALSE);
}
