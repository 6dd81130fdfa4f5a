#pragma once

#if !defined(CW_STRATEGIES_INSIDE) && !defined(CW_STRATEGIES_COMPILATION)
#error "Only <cw-strategies.h> can be included directly."
#endif

#include "cw-config.h"
#include "cw-core.h"
#include "cw-indicators.h"
#include "cw-timeframe-aggregator.h"

G_BEGIN_DECLS

/* Multi-timeframe gate. Base candles are aggregated into higher-timeframe
 * (HTF) candles of interval_ms (see CwTimeframeAggregator). The bias is
 * computed only when an HTF candle closes, from the HTF closes:
 *   fast > 0: EMA(fast) > EMA(slow) -> LONG, < -> SHORT, equal -> NONE;
 *   fast = 0: close > EMA(slow)     -> LONG, < -> SHORT, equal -> NONE;
 * and it then holds until the next HTF close. An entry is allowed only in
 * the direction of the bias: against it, with a NONE bias, or before the HTF
 * EMAs are warmed up (slow HTF candles), entries are blocked. A disabled
 * filter allows everything; a NONE signal is never blocked. */

typedef struct {
	gboolean enabled;
	CwTimeframeAggregator tf;
	guint fast_period; /* 0: close vs EMA(slow) */
	guint slow_period;
	CwEma fast;
	CwEma slow;
	gboolean ready;
	CwDirection bias;
	gint64 bias_time; /* open_time of the HTF candle that set the bias, 0 when none */
} CwMtfFilter;

gboolean cw_mtf_filter_init(CwMtfFilter *self, const CwMtfFilterSpec *spec, GError **error);
void cw_mtf_filter_reset(CwMtfFilter *self);
void cw_mtf_filter_update(CwMtfFilter *self, const CwCandle *candle);
gboolean cw_mtf_filter_is_ready(const CwMtfFilter *self);
CwDirection cw_mtf_filter_get_bias(const CwMtfFilter *self);
gboolean cw_mtf_filter_allows(const CwMtfFilter *self, CwDirection direction);

G_END_DECLS
