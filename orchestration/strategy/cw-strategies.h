/* candlewick strategy: incremental indicators, analyzers and weighted signal
 * aggregation, filters, timeframe aggregation and the composite strategy. */
#pragma once

#define CW_STRATEGIES_INSIDE
#include "cw-strategies-error.h"
#include "cw-indicators.h"
#undef CW_STRATEGIES_INSIDE
