#include "cw-core.h"

G_DEFINE_INTERFACE(CwStrategy, cw_strategy, G_TYPE_OBJECT)

static void
cw_strategy_default_init(CwStrategyInterface *iface)
{
}

gboolean
cw_strategy_configure(CwStrategy *self, const CwStrategySpec *spec, GError **error)
{
	g_return_val_if_fail(CW_IS_STRATEGY(self), FALSE);
	g_return_val_if_fail(spec != NULL, FALSE);
	return CW_STRATEGY_GET_IFACE(self)->configure(self, spec, error);
}

/**
 * cw_strategy_on_candle:
 * @self: a strategy
 * @candle: a closed candle of the strategy's base interval
 * @out: (out caller-allocates): the decision for this candle
 *
 * The per-candle entry point. Implementations must not allocate.
 */
void
cw_strategy_on_candle(CwStrategy *self, const CwCandle *candle, CwStrategyOutput *out)
{
	CW_STRATEGY_GET_IFACE(self)->on_candle(self, candle, out);
}

void
cw_strategy_reset(CwStrategy *self)
{
	CwStrategyInterface *iface;

	g_return_if_fail(CW_IS_STRATEGY(self));
	iface = CW_STRATEGY_GET_IFACE(self);
	if (iface->reset != NULL)
		iface->reset(self);
}

gsize
cw_strategy_get_memory_size(CwStrategy *self)
{
	CwStrategyInterface *iface;

	g_return_val_if_fail(CW_IS_STRATEGY(self), 0);
	iface = CW_STRATEGY_GET_IFACE(self);
	return iface->get_memory_size != NULL ? iface->get_memory_size(self) : 0;
}
