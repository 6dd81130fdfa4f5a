/* Helpers every gate shares. Called from check(): nothing here allocates. */
#include "cw-guardrails-private.h"

#include <math.h>

gboolean
cw_gate_is_exit(const CwGuardContext *ctx, const CwOrder *order)
{
	return ctx->reduces;
}

double
cw_gate_order_price(const CwGuardContext *ctx, const CwOrder *order)
{
	switch (order->type) {
	case CW_ORDER_TYPE_LIMIT:
		if (order->price > 0)
			return order->price;
		break;
	case CW_ORDER_TYPE_STOP:
		if (order->price > 0)
			return order->price;
		if (order->stop_price > 0)
			return order->stop_price;
		break;
	case CW_ORDER_TYPE_MARKET:
	default:
		break;
	}
	return ctx->mark_price;
}

double
cw_gate_position_after(const CwGuardContext *ctx, const CwOrder *order)
{
	return ctx->position_qty + (order->side == CW_SIDE_BUY ? order->qty : -order->qty);
}

gboolean
cw_gate_exceeds(double value, double limit)
{
	return value > limit + fabs(limit) * 1e-9;
}

CwGuardVerdict
cw_gate_reject(char *reason, gsize reason_len, const char *format, ...)
{
	va_list args;

	if (reason != NULL && reason_len > 0) {
		va_start(args, format);
		g_vsnprintf(reason, reason_len, format, args);
		va_end(args);
	}
	return CW_GUARD_REJECT;
}

void
cw_gate_note(char *reason, gsize reason_len, const char *format, ...)
{
	va_list args;

	if (reason == NULL || reason_len == 0)
		return;
	va_start(args, format);
	g_vsnprintf(reason, reason_len, format, args);
	va_end(args);
}

CwGuardVerdict
cw_gate_check_mode(CwBotMode mode, const CwGuardContext *ctx, const CwOrder *order,
		   const char *cause, char *reason, gsize reason_len)
{
	gboolean exit = cw_gate_is_exit(ctx, order);

	switch (mode) {
	case CW_BOT_MODE_REDUCE_ONLY:
		if (exit)
			return CW_GUARD_ALLOW;
		return cw_gate_reject(reason, reason_len,
				      "reduce-only: order would increase the position (%s)", cause);
	case CW_BOT_MODE_HALTED:
		if (exit && (order->purpose == CW_ORDER_PURPOSE_STOP_LOSS ||
			     order->purpose == CW_ORDER_PURPOSE_TRAILING_STOP ||
			     order->purpose == CW_ORDER_PURPOSE_MANUAL_EXIT ||
			     order->purpose == CW_ORDER_PURPOSE_GUARD_EXIT))
			return CW_GUARD_ALLOW;
		return cw_gate_reject(reason, reason_len,
				      "halted: only stops and manual/guard exits pass (%s)", cause);
	case CW_BOT_MODE_ACTIVE:
	default:
		return CW_GUARD_ALLOW;
	}
}

void
cw_gate_describe_order(const CwOrder *order, double qty, double price, char *buf, gsize buf_len)
{
	const char *symbol = order->symbol != 0 ? g_quark_to_string(order->symbol) : "?";

	if (order->type == CW_ORDER_TYPE_MARKET || price <= 0)
		g_snprintf(buf, buf_len, "%s %.10g %s %s", cw_side_to_string(order->side), qty,
			   symbol, cw_order_type_to_string(order->type));
	else
		g_snprintf(buf, buf_len, "%s %.10g %s %s @ %.10g", cw_side_to_string(order->side),
			   qty, symbol, cw_order_type_to_string(order->type), price);
}
