#include "cw-core.h"

G_DEFINE_INTERFACE(CwCandleSource, cw_candle_source, G_TYPE_OBJECT)

static void
cw_candle_source_default_init(CwCandleSourceInterface *iface)
{
}

gboolean
cw_candle_source_open(CwCandleSource *self, GError **error)
{
	g_return_val_if_fail(CW_IS_CANDLE_SOURCE(self), FALSE);
	return CW_CANDLE_SOURCE_GET_IFACE(self)->open(self, error);
}

CwCandleSourceResult
cw_candle_source_next(CwCandleSource *self, CwCandle *out, GError **error)
{
	return CW_CANDLE_SOURCE_GET_IFACE(self)->next(self, out, error);
}

guint64
cw_candle_source_get_n_skipped(CwCandleSource *self)
{
	CwCandleSourceInterface *iface;

	g_return_val_if_fail(CW_IS_CANDLE_SOURCE(self), 0);
	iface = CW_CANDLE_SOURCE_GET_IFACE(self);
	return iface->get_n_skipped != NULL ? iface->get_n_skipped(self) : 0;
}

const char *
cw_candle_source_describe(CwCandleSource *self)
{
	CwCandleSourceInterface *iface;

	g_return_val_if_fail(CW_IS_CANDLE_SOURCE(self), NULL);
	iface = CW_CANDLE_SOURCE_GET_IFACE(self);
	return iface->describe != NULL ? iface->describe(self) : G_OBJECT_TYPE_NAME(self);
}
