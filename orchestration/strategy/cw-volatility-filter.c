#include "cw-strategies.h"

#include <math.h>

/**
 * cw_volatility_filter_init:
 * @self: storage for the filter
 * @spec: its spec
 * @error: return location for a #GError
 *
 * Returns: %FALSE on a zero period or an empty band (enabled filters only).
 */
gboolean
cw_volatility_filter_init(CwVolatilityFilter *self, const CwVolatilityFilterSpec *spec,
			  GError **error)
{
	memset(self, 0, sizeof(*self));
	self->last_pct = NAN;
	if (!spec->enabled)
		return TRUE;
	if (spec->atr_period == 0) {
		g_set_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER,
			    "volatility.atr_period must be > 0");
		return FALSE;
	}
	if (!isfinite(spec->min_pct) || spec->min_pct < 0 || !isfinite(spec->max_pct) ||
	    (spec->max_pct != 0 && spec->max_pct <= spec->min_pct)) {
		g_set_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER,
			    "volatility: need 0 <= min_pct < max_pct (max_pct 0: no bound), "
			    "got %g and %g",
			    spec->min_pct, spec->max_pct);
		return FALSE;
	}
	self->enabled = TRUE;
	self->min_pct = spec->min_pct;
	self->max_pct = spec->max_pct;
	cw_atr_init(&self->atr, spec->atr_period);
	return TRUE;
}

void
cw_volatility_filter_reset(CwVolatilityFilter *self)
{
	if (self->enabled)
		cw_atr_reset(&self->atr);
	self->last_pct = NAN;
}

void
cw_volatility_filter_update(CwVolatilityFilter *self, const CwCandle *candle)
{
	if (!self->enabled)
		return;
	cw_atr_update(&self->atr, candle);
	if (cw_atr_ready(&self->atr) && candle->close > 0)
		self->last_pct = 100.0 * self->atr.value / candle->close;
	else
		self->last_pct = NAN;
}

gboolean
cw_volatility_filter_is_ready(const CwVolatilityFilter *self)
{
	return !self->enabled || !isnan(self->last_pct);
}

/**
 * cw_volatility_filter_allows:
 * @self: a filter updated with the current candle
 *
 * Returns: %TRUE when the last ATR% is inside the band (or the filter is off).
 */
gboolean
cw_volatility_filter_allows(const CwVolatilityFilter *self)
{
	if (!self->enabled)
		return TRUE;
	if (isnan(self->last_pct))
		return FALSE;
	return self->last_pct >= self->min_pct &&
	       (self->max_pct == 0 || self->last_pct <= self->max_pct);
}
