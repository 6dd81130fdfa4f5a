#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-domain.h"

#include <gio/gio.h>

G_BEGIN_DECLS

/* The closed candles a service has recorded (the runtime implements it over
 * the store's candles table), for a live feed to warm up and recover from
 * before it asks the exchange for what is missing. Called on the feed's
 * main context, outside the per-candle path. */
#define CW_TYPE_CANDLE_HISTORY (cw_candle_history_get_type())
G_DECLARE_INTERFACE(CwCandleHistory, cw_candle_history, CW, CANDLE_HISTORY, GObject)

struct _CwCandleHistoryInterface {
	GTypeInterface g_iface;
	/* At most limit candles of exchange/symbol/interval, oldest first: the
	 * oldest from open time from on, or with from = G_MININT64 the newest.
	 * Returns: (transfer full) a GArray of CwCandle (maybe empty), NULL on
	 * error. */
	GArray *(*read)(CwCandleHistory *self, const char *exchange, const char *symbol,
			gint64 interval_ms, gint64 from, guint limit, GError **error);
};

GArray *cw_candle_history_read(CwCandleHistory *self, const char *exchange, const char *symbol,
			       gint64 interval_ms, gint64 from, guint limit, GError **error);

G_END_DECLS
