#pragma once

#if !defined(CW_SERVICES_RUNTIME_INSIDE) && !defined(CW_SERVICES_RUNTIME_COMPILATION)
#error "Only <cw-services-runtime.h> can be included directly."
#endif

#include "cw-services-store.h"

G_BEGIN_DECLS

/* CwStoreCandleHistory: the core CwCandleHistory over the store's candles
 * table, which the feed hub sets on every live feed it creates: warm-up
 * and recovery read the candles recorded there before they ask the
 * exchange. */
#define CW_TYPE_STORE_CANDLE_HISTORY (cw_store_candle_history_get_type())
G_DECLARE_FINAL_TYPE(CwStoreCandleHistory, cw_store_candle_history, CW, STORE_CANDLE_HISTORY,
		     GObject)

/* store is borrowed: it must outlive the history. */
CwStoreCandleHistory *cw_store_candle_history_new(CwStore *store);

G_END_DECLS
