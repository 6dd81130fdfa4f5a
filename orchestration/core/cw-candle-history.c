#include "cw-core.h"

G_DEFINE_INTERFACE(CwCandleHistory, cw_candle_history, G_TYPE_OBJECT)

static void
cw_candle_history_default_init(CwCandleHistoryInterface *iface)
{
}

/**
 * cw_candle_history_read:
 * @exchange: the candles table's exchange name ("bybit", "binance-spot")
 * @from: the first open time, or G_MININT64 for the newest
 * @limit: at most this many
 * @error: return location for the implementation's error
 *
 * Returns: (transfer full) (nullable): a GArray of CwCandle, oldest first
 */
GArray *
cw_candle_history_read(CwCandleHistory *self, const char *exchange, const char *symbol,
		       gint64 interval_ms, gint64 from, guint limit, GError **error)
{
	g_return_val_if_fail(CW_IS_CANDLE_HISTORY(self), NULL);
	return CW_CANDLE_HISTORY_GET_IFACE(self)->read(self, exchange, symbol, interval_ms, from,
						       limit, error);
}
