#include "cw-streaming.h"

#include <gio/gio.h>

/**
 * cw_streaming_register_types:
 *
 * Registers "file" and "synth" on the cw-candle-source extension point and
 * "replay", "bybit" and "binance" on cw-market-feed. Safe to call more than once.
 */
void
cw_streaming_register_types(void)
{
	static gsize once = 0;

	cw_extension_points_register();
	if (g_once_init_enter(&once)) {
		g_io_extension_point_implement(CW_EXTENSION_POINT_CANDLE_SOURCE,
					       CW_TYPE_CANDLE_FILE, "file", 0);
		g_io_extension_point_implement(CW_EXTENSION_POINT_CANDLE_SOURCE,
					       CW_TYPE_SYNTH_SOURCE, "synth", 0);
		g_io_extension_point_implement(CW_EXTENSION_POINT_MARKET_FEED, CW_TYPE_REPLAY_FEED,
					       "replay", 0);
		g_io_extension_point_implement(CW_EXTENSION_POINT_MARKET_FEED, CW_TYPE_BYBIT_FEED,
					       "bybit", 0);
		g_io_extension_point_implement(CW_EXTENSION_POINT_MARKET_FEED, CW_TYPE_BINANCE_FEED,
					       "binance", 0);
		g_once_init_leave(&once, 1);
	}
}
