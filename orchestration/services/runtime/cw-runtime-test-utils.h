/* Helpers shared by the unit tests of the serve runtime (feed hub, bot
 * runtime, strategy manager): a store in a temporary directory and bot
 * configs on the test feed (cw-test-feed.h). */
#pragma once

#include <math.h>

#include "cw-store-test-utils.h"
#include "cw-test-feed.h"
#include "cw-test-log.h"

#include "cw-feed-hub.h"
#include "cw-strategy-manager.h"

#define CW_RT_T0      G_GINT64_CONSTANT(1700000100000) /* a multiple of 5 minutes */
#define CW_RT_STEP_MS (5 * 60 * G_GINT64_CONSTANT(1000))

/* A valid bot config on the test feed with key @key. @symbol NULL is
 * BTCUSDT. With @two_strategies: strategies "a" (active) and "b". */
static inline char *
cw_rt_config_text(const char *name, const char *key, const char *symbol, gboolean two_strategies)
{
	const char *strategy = "{\"analyzers\":[{\"type\":\"ema_cross\",\"weight\":1,\"fast\":3,"
			       "\"slow\":8}],\"aggregation\":{\"min_score\":0.3}}";

	if (two_strategies)
		return g_strdup_printf(
		    "{\"name\":\"%s\",\"symbol\":\"%s\",\"interval\":\"5m\","
		    "\"strategies\":[{\"id\":\"a\",\"analyzers\":[{\"type\":\"ema_cross\","
		    "\"weight\":1,\"fast\":3,\"slow\":8}],\"aggregation\":{\"min_score\":0.3}},"
		    "{\"id\":\"b\",\"analyzers\":[{\"type\":\"rsi\",\"weight\":1,\"period\":5}],"
		    "\"aggregation\":{\"min_score\":0.3}}],\"active_strategy\":\"a\","
		    "\"feed\":{\"type\":\"test\",\"key\":\"%s\"}}",
		    name, symbol != NULL ? symbol : "BTCUSDT", key);
	return g_strdup_printf("{\"name\":\"%s\",\"symbol\":\"%s\",\"interval\":\"5m\","
			       "\"strategy\":%s,\"feed\":{\"type\":\"test\",\"key\":\"%s\"}}",
			       name, symbol != NULL ? symbol : "BTCUSDT", strategy, key);
}

/* The close of candle i of a wave that makes the EMAs cross often. */
static inline double
cw_rt_close(guint i)
{
	return 30000.0 * (1.0 + 0.03 * sin(i * 0.21) + 0.01 * sin(i * 0.9));
}

/* Candle i of that wave. */
static inline CwCandle
cw_rt_candle(guint i)
{
	return cw_test_feed_candle(CW_RT_T0 + (gint64) i * CW_RT_STEP_MS, cw_rt_close(i));
}

/* Dispatches what is pending on the default main context (bounded). */
static inline void
cw_rt_pump(void)
{
	for (guint i = 0; i < 1000 && g_main_context_iteration(NULL, FALSE); i++)
		;
}
