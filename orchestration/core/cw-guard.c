#include "cw-core.h"

G_DEFINE_INTERFACE(CwGuard, cw_guard, G_TYPE_OBJECT)

static void
cw_guard_default_init(CwGuardInterface *iface)
{
}

const char *
cw_guard_get_name(CwGuard *self)
{
	g_return_val_if_fail(CW_IS_GUARD(self), NULL);
	return CW_GUARD_GET_IFACE(self)->get_name(self);
}

gboolean
cw_guard_configure(CwGuard *self, const CwBotConfig *config, gboolean *active, GError **error)
{
	CwGuardInterface *iface;

	g_return_val_if_fail(CW_IS_GUARD(self), FALSE);
	iface = CW_GUARD_GET_IFACE(self);
	if (active != NULL)
		*active = TRUE;
	return iface->configure == NULL || iface->configure(self, config, active, error);
}

/**
 * cw_guard_check:
 * @self: a guard
 * @ctx: the account state
 * @order: (inout): the order intent; MODIFY means the guard changed it
 * @reason: buffer for a human readable reason
 * @reason_len: size of @reason
 *
 * Judges one order intent. Runs on the hot path and must not allocate.
 */
CwGuardVerdict
cw_guard_check(CwGuard *self, const CwGuardContext *ctx, CwOrder *order, char *reason,
	       gsize reason_len)
{
	return CW_GUARD_GET_IFACE(self)->check(self, ctx, order, reason, reason_len);
}

void
cw_guard_on_fill(CwGuard *self, const CwGuardContext *ctx, const CwFill *fill)
{
	CwGuardInterface *iface = CW_GUARD_GET_IFACE(self);

	if (iface->on_fill != NULL)
		iface->on_fill(self, ctx, fill);
}

void
cw_guard_on_trade(CwGuard *self, const CwGuardContext *ctx, const CwTrade *trade)
{
	CwGuardInterface *iface = CW_GUARD_GET_IFACE(self);

	if (iface->on_trade != NULL)
		iface->on_trade(self, ctx, trade);
}

void
cw_guard_on_candle(CwGuard *self, const CwGuardContext *ctx, const CwCandle *candle)
{
	CwGuardInterface *iface = CW_GUARD_GET_IFACE(self);

	if (iface->on_candle != NULL)
		iface->on_candle(self, ctx, candle);
}

CwBotMode
cw_guard_get_mode(CwGuard *self)
{
	CwGuardInterface *iface = CW_GUARD_GET_IFACE(self);

	return iface->get_mode != NULL ? iface->get_mode(self) : CW_BOT_MODE_ACTIVE;
}

const char *
cw_bot_mode_to_string(CwBotMode mode)
{
	switch (mode) {
	case CW_BOT_MODE_REDUCE_ONLY:
		return "reduce_only";
	case CW_BOT_MODE_HALTED:
		return "halted";
	case CW_BOT_MODE_ACTIVE:
	default:
		return "active";
	}
}
