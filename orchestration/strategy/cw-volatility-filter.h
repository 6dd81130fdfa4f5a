#pragma once

#if !defined(CW_STRATEGIES_INSIDE) && !defined(CW_STRATEGIES_COMPILATION)
#error "Only <cw-strategies.h> can be included directly."
#endif

#include "cw-config.h"
#include "cw-core.h"
#include "cw-indicators.h"

G_BEGIN_DECLS

/* Volatility band: entries only while ATR(atr_period) as a percentage of the
 * close, 100 * ATR / close, is within [min_pct, max_pct] (max_pct 0: no upper
 * bound). Until the ATR is warmed up entries are blocked. A disabled filter
 * allows everything. Feed every candle with cw_volatility_filter_update(). */

typedef struct {
	gboolean enabled;
	CwAtr atr;
	double min_pct;
	double max_pct;
	double last_pct; /* NAN until ready */
} CwVolatilityFilter;

gboolean cw_volatility_filter_init(CwVolatilityFilter *self, const CwVolatilityFilterSpec *spec,
				   GError **error);
void cw_volatility_filter_reset(CwVolatilityFilter *self);
void cw_volatility_filter_update(CwVolatilityFilter *self, const CwCandle *candle);
gboolean cw_volatility_filter_is_ready(const CwVolatilityFilter *self);
gboolean cw_volatility_filter_allows(const CwVolatilityFilter *self);

G_END_DECLS
