#include "cw-strategies.h"

/**
 * cw_mtf_filter_init:
 * @self: storage for the filter
 * @spec: its spec
 * @error: return location for a #GError
 *
 * Returns: %FALSE on a bad interval or bad EMA periods (enabled filters only).
 */
gboolean
cw_mtf_filter_init(CwMtfFilter *self, const CwMtfFilterSpec *spec, GError **error)
{
	memset(self, 0, sizeof(*self));
	if (!spec->enabled)
		return TRUE;
	if (spec->interval_ms <= 0) {
		g_set_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER,
			    "mtf.interval must be > 0");
		return FALSE;
	}
	if (spec->slow == 0 || (spec->fast != 0 && spec->fast >= spec->slow)) {
		g_set_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER,
			    "mtf: need slow > 0 and fast < slow (fast 0: close vs EMA(slow)), "
			    "got fast %u slow %u",
			    spec->fast, spec->slow);
		return FALSE;
	}
	self->enabled = TRUE;
	self->fast_period = spec->fast;
	self->slow_period = spec->slow;
	cw_timeframe_aggregator_init(&self->tf, spec->interval_ms);
	if (spec->fast > 0)
		cw_ema_init(&self->fast, spec->fast);
	cw_ema_init(&self->slow, spec->slow);
	cw_mtf_filter_reset(self);
	return TRUE;
}

void
cw_mtf_filter_reset(CwMtfFilter *self)
{
	self->ready = FALSE;
	self->bias = CW_DIRECTION_NONE;
	self->bias_time = 0;
	if (!self->enabled)
		return;
	cw_timeframe_aggregator_reset(&self->tf);
	if (self->fast_period > 0)
		cw_ema_reset(&self->fast);
	cw_ema_reset(&self->slow);
}

static void
cw_mtf_filter_on_htf_close(CwMtfFilter *self, const CwCandle *htf)
{
	double reference;
	double value;

	cw_ema_update(&self->slow, htf->close);
	if (self->fast_period > 0)
		cw_ema_update(&self->fast, htf->close);
	if (!cw_ema_ready(&self->slow) || (self->fast_period > 0 && !cw_ema_ready(&self->fast)))
		return;
	value = self->fast_period > 0 ? self->fast.value : htf->close;
	reference = self->slow.value;
	self->ready = TRUE;
	self->bias_time = htf->open_time;
	if (value > reference)
		self->bias = CW_DIRECTION_LONG;
	else if (value < reference)
		self->bias = CW_DIRECTION_SHORT;
	else
		self->bias = CW_DIRECTION_NONE;
}

/**
 * cw_mtf_filter_update:
 * @self: a filter
 * @candle: the next closed base candle
 *
 * Aggregates the candle; the bias moves only when an HTF candle closes.
 */
void
cw_mtf_filter_update(CwMtfFilter *self, const CwCandle *candle)
{
	CwCandle closed[CW_TIMEFRAME_AGGREGATOR_MAX_CLOSED];
	guint n;

	if (!self->enabled)
		return;
	n = cw_timeframe_aggregator_push(&self->tf, candle, closed);
	for (guint i = 0; i < n; i++)
		cw_mtf_filter_on_htf_close(self, &closed[i]);
}

gboolean
cw_mtf_filter_is_ready(const CwMtfFilter *self)
{
	return !self->enabled || self->ready;
}

CwDirection
cw_mtf_filter_get_bias(const CwMtfFilter *self)
{
	return self->bias;
}

/**
 * cw_mtf_filter_allows:
 * @self: a filter
 * @direction: the proposed entry
 *
 * Returns: %TRUE when @direction agrees with the snapshotted HTF bias.
 */
gboolean
cw_mtf_filter_allows(const CwMtfFilter *self, CwDirection direction)
{
	if (!self->enabled || direction == CW_DIRECTION_NONE)
		return TRUE;
	return self->ready && self->bias == direction;
}
