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

/**
 * cw_guard_save_state:
 * @self: a guard
 *
 * Returns: (transfer full) (nullable): the guard's persistent state as a
 * JSON document, or %NULL when the guard keeps nothing across restarts.
 */
char *
cw_guard_save_state(CwGuard *self)
{
	CwGuardInterface *iface;

	g_return_val_if_fail(CW_IS_GUARD(self), NULL);
	iface = CW_GUARD_GET_IFACE(self);
	return iface->save_state != NULL ? iface->save_state(self) : NULL;
}

/**
 * cw_guard_load_state:
 * @self: a configured guard
 * @json: a document that cw_guard_save_state() returned
 * @error: return location for a #GError
 *
 * Restores the state saved before a restart. Guards without state accept
 * anything. Call after cw_guard_configure().
 */
gboolean
cw_guard_load_state(CwGuard *self, const char *json, GError **error)
{
	CwGuardInterface *iface;

	g_return_val_if_fail(CW_IS_GUARD(self), FALSE);
	g_return_val_if_fail(json != NULL, FALSE);
	iface = CW_GUARD_GET_IFACE(self);
	return iface->load_state == NULL || iface->load_state(self, json, error);
}

/**
 * cw_guard_wants_flatten:
 * @self: a guard
 *
 * Returns: %TRUE while the guard asks the orchestrator to close every
 * position of the bot. The request stays up until the guard sees the bot
 * flat, so the caller must not queue a second close while one is working.
 */
gboolean
cw_guard_wants_flatten(CwGuard *self)
{
	CwGuardInterface *iface = CW_GUARD_GET_IFACE(self);

	return iface->wants_flatten != NULL && iface->wants_flatten(self);
}

/**
 * cw_guard_reads_other_bots:
 * @self: a guard
 *
 * Returns: %TRUE when the guard's decisions, under the limits in force now,
 * depend on other bots' rows in the CwServiceContext.
 */
gboolean
cw_guard_reads_other_bots(CwGuard *self)
{
	CwGuardInterface *iface;

	g_return_val_if_fail(CW_IS_GUARD(self), FALSE);
	iface = CW_GUARD_GET_IFACE(self);
	return iface->reads_other_bots != NULL && iface->reads_other_bots(self);
}

/**
 * cw_guard_on_order_error:
 * @self: a guard
 * @ctx: the account state when the error arrived
 * @order: the order the broker refused or failed to place
 * @error: what the broker said
 *
 * Tells the guard that an order the pipeline allowed did not reach the
 * market (circuit breakers count these).
 */
void
cw_guard_on_order_error(CwGuard *self, const CwGuardContext *ctx, const CwOrder *order,
			const GError *error)
{
	CwGuardInterface *iface = CW_GUARD_GET_IFACE(self);

	if (iface->on_order_error != NULL)
		iface->on_order_error(self, ctx, order, error);
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

/**
 * cw_guard_on_restore:
 * @self: a guard
 * @ctx: the bot as restored
 *
 * Tells the guard that the trading state came back from a snapshot.
 */
void
cw_guard_on_restore(CwGuard *self, const CwGuardContext *ctx)
{
	CwGuardInterface *iface;

	g_return_if_fail(CW_IS_GUARD(self));
	iface = CW_GUARD_GET_IFACE(self);
	if (iface->on_restore != NULL)
		iface->on_restore(self, ctx);
}
