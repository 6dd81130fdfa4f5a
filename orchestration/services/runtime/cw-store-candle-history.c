/* CwStoreCandleHistory: see cw-store-candle-history.h. */
#include "cw-services-runtime.h"

struct _CwStoreCandleHistory {
	GObject parent_instance;
	CwStore *store;
};

static void cw_store_candle_history_iface_init(CwCandleHistoryInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwStoreCandleHistory, cw_store_candle_history, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_CANDLE_HISTORY,
						    cw_store_candle_history_iface_init))

static GArray *
cw_store_candle_history_read(CwCandleHistory *history, const char *exchange, const char *symbol,
			     gint64 interval_ms, gint64 from, guint limit, GError **error)
{
	CwStoreCandleHistory *self = CW_STORE_CANDLE_HISTORY(history);

	return cw_store_candles_read(self->store, exchange, symbol, interval_ms, from, limit,
				     error);
}

static void
cw_store_candle_history_iface_init(CwCandleHistoryInterface *iface)
{
	iface->read = cw_store_candle_history_read;
}

static void
cw_store_candle_history_class_init(CwStoreCandleHistoryClass *klass)
{
}

static void
cw_store_candle_history_init(CwStoreCandleHistory *self)
{
}

/**
 * cw_store_candle_history_new:
 * @store: the store whose candles table it reads (borrowed)
 *
 * Returns: (transfer full): the history
 */
CwStoreCandleHistory *
cw_store_candle_history_new(CwStore *store)
{
	CwStoreCandleHistory *self = g_object_new(CW_TYPE_STORE_CANDLE_HISTORY, NULL);

	self->store = store;
	return self;
}
