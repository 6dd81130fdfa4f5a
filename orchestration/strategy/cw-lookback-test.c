/* cw_lookback_strategy(): the warm-up a live feed fetches. */
#include "cw-strategies.h"

static CwBotConfig *
config(const char *strategy)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *json = g_strdup_printf(
	    "{\"name\": \"b\", \"symbol\": \"BTCUSDT\", \"interval\": \"5m\", \"strategy\": %s}",
	    strategy);
	CwBotConfig *c = cw_bot_config_new_from_data(json, -1, &error);

	g_assert_no_error(error);
	return c;
}

static void
test_lookback(void)
{
	g_autoptr(CwBotConfig) ema =
	    config("{\"analyzers\": [{\"type\": \"ema_cross\", \"fast\": 9, \"slow\": 21}, "
		   "{\"type\": \"macd\", \"fast\": 12, \"slow\": 26, \"signal\": 9}]}");
	g_autoptr(CwBotConfig) mtf =
	    config("{\"analyzers\": [{\"type\": \"rsi\", \"period\": 14}], \"filters\": "
		   "{\"mtf\": {\"interval\": \"1h\", \"fast\": 20, \"slow\": 50}}}");
	g_autoptr(CwBotConfig) bb =
	    config("{\"analyzers\": [{\"type\": \"bollinger\", \"period\": 40}]}");

	/* MACD: 3 x (26 + 9) */
	g_assert_cmpuint(cw_lookback_bot_config(ema), ==, 105);
	/* the 1h slow EMA of 50 in 5m candles: (3 x 50 + 1) x 12 + 12 */
	g_assert_cmpuint(cw_lookback_bot_config(mtf), ==, 151 * 12 + 12);
	g_assert_cmpuint(cw_lookback_bot_config(bb), ==, 41);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/strategy/lookback", test_lookback);
	return g_test_run();
}
