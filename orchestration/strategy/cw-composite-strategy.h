#pragma once

#if !defined(CW_STRATEGIES_INSIDE) && !defined(CW_STRATEGIES_COMPILATION)
#error "Only <cw-strategies.h> can be included directly."
#endif

#include "cw-analyzer.h"
#include "cw-config.h"
#include "cw-core.h"

G_BEGIN_DECLS

/* The "composite" strategy: analyzers -> weighted aggregation -> filters,
 * all built from the CwStrategySpec in configure().
 *
 * Per candle (on_candle, allocation free) it
 *   1. updates every analyzer, the volatility and MTF filters and the stop
 *      ATR, and collects the votes;
 *   2. aggregates them into raw_signal (CwAggregator; time = candle close);
 *   3. sets ready when every analyzer, enabled filter and the stop ATR is
 *      warmed up;
 *   4. signal = raw_signal unless blocked; a blocked signal has direction NONE,
 *      confidence 0 (scores kept) and filtered_by, checked in this order:
 *      "warmup" (not ready), "session", "volatility", "mtf";
 *   5. exit_signal: when exit.exit_on_opposite_signal and ready, a raw LONG
 *      signal exits SHORT positions and a raw SHORT exits LONG ones (filters
 *      gate entries only); otherwise NONE;
 *   6. atr = the stop ATR, 0 until warmed up. Its period is
 *      exit.stop_loss.atr_period when the stop loss is ATR based, else
 *      exit.trailing.atr_period when the trailing stop is, else
 *      CW_COMPOSITE_DEFAULT_ATR_PERIOD (the CwStopSpec default). When an
 *      atr_regime analyzer or the volatility filter has an ATR of that period,
 *      its values are read (the same numbers, computed once).
 * on_candle writes every field of the CwStrategyOutput (no memset: padding
 * bytes are left as the caller had them). The analyzers are stepped in one
 * call (cw_analyzer_step_votes()) and the votes summed in order for
 * cw_aggregator_decide(): the same numbers as cw_aggregator_aggregate(). */

#define CW_COMPOSITE_DEFAULT_ATR_PERIOD 14

#define CW_TYPE_COMPOSITE_STRATEGY (cw_composite_strategy_get_type())
G_DECLARE_FINAL_TYPE(CwCompositeStrategy, cw_composite_strategy, CW, COMPOSITE_STRATEGY, GObject)

CwCompositeStrategy *cw_composite_strategy_new(void);
guint cw_composite_strategy_get_n_analyzers(CwCompositeStrategy *self);
/* The vote of analyzer i on the last candle. */
const CwAnalyzer *cw_composite_strategy_get_analyzer(CwCompositeStrategy *self, guint i);
const CwAnalyzerVote *cw_composite_strategy_get_vote(CwCompositeStrategy *self, guint i);
guint cw_composite_strategy_get_atr_period(CwCompositeStrategy *self);
CwDirection cw_composite_strategy_get_mtf_bias(CwCompositeStrategy *self);

G_END_DECLS
