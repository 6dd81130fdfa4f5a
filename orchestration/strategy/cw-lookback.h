#pragma once

#if !defined(CW_STRATEGIES_INSIDE) && !defined(CW_STRATEGIES_COMPILATION)
#error "Only <cw-strategies.h> can be included directly."
#endif

#include "cw-config.h"
#include "cw-core.h"

G_BEGIN_DECLS

/* How many base candles a strategy needs before it decides as it would
 * with all history: its longest indicator look-back (EMA-based ones three
 * times their period, so that the start no longer shows; ADX and the
 * stochastic their chained periods), the ATR of its volatility filter and
 * stop, and its MTF filter's slow EMA in base candles. */
guint cw_lookback_strategy(const CwStrategySpec *spec, gint64 interval_ms);
/* The longest cw_lookback_strategy() of the bot's strategies. */
guint cw_lookback_bot_config(const CwBotConfig *config);

G_END_DECLS
