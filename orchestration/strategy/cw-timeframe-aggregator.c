#include "cw-strategies.h"

/**
 * cw_timeframe_aggregator_init:
 * @self: storage for the aggregator
 * @interval_ms: the higher timeframe, > 0
 */
void
cw_timeframe_aggregator_init(CwTimeframeAggregator *self, gint64 interval_ms)
{
	g_return_if_fail(interval_ms > 0);
	memset(self, 0, sizeof(*self));
	self->interval_ms = interval_ms;
	cw_timeframe_aggregator_reset(self);
}

void
cw_timeframe_aggregator_reset(CwTimeframeAggregator *self)
{
	self->open = FALSE;
	memset(&self->current, 0, sizeof(self->current));
	self->last_closed = G_MININT64;
}

static gint64
cw_timeframe_aggregator_bucket(const CwTimeframeAggregator *self, gint64 t)
{
	gint64 q = t / self->interval_ms;

	if (t % self->interval_ms != 0 && t < 0)
		q--;
	return q * self->interval_ms;
}

/**
 * cw_timeframe_aggregator_push:
 * @self: an aggregator
 * @base: the next closed base candle
 * @closed: (out caller-allocates): room for the HTF candles this push closes
 *
 * Returns: how many HTF candles were written to @closed (0, 1 or 2), oldest
 * first. Allocation free.
 */
guint
cw_timeframe_aggregator_push(CwTimeframeAggregator *self, const CwCandle *base,
			     CwCandle closed[CW_TIMEFRAME_AGGREGATOR_MAX_CLOSED])
{
	gint64 bucket = cw_timeframe_aggregator_bucket(self, base->open_time);
	CwCandle *cur = &self->current;
	guint n = 0;

	if (bucket <= self->last_closed || (self->open && bucket < cur->open_time))
		return 0;
	if (self->open && bucket != cur->open_time) {
		closed[n++] = *cur;
		self->last_closed = cur->open_time;
		self->open = FALSE;
	}
	if (!self->open) {
		*cur = *base;
		cur->open_time = bucket;
		cur->interval_ms = self->interval_ms;
		self->open = TRUE;
	} else {
		if (base->high > cur->high)
			cur->high = base->high;
		if (base->low < cur->low)
			cur->low = base->low;
		cur->close = base->close;
		cur->volume += base->volume;
	}
	if (base->open_time + base->interval_ms >= bucket + self->interval_ms) {
		closed[n++] = *cur;
		self->last_closed = bucket;
		self->open = FALSE;
	}
	return n;
}
