/* candlewick strategy: incremental indicators, analyzers and weighted signal
 * aggregation, filters, timeframe aggregation and the composite strategy. */
#pragma once

#define CW_STRATEGIES_INSIDE
#include "cw-strategies-error.h"
#include "cw-indicators.h"
#include "cw-analyzer.h"
#include "cw-aggregator.h"
#include "cw-session-filter.h"
#include "cw-volatility-filter.h"
#include "cw-timeframe-aggregator.h"
#include "cw-candle-resampler.h"
#include "cw-mtf-filter.h"
#include "cw-composite-strategy.h"
#include "cw-lookback.h"
#undef CW_STRATEGIES_INSIDE
