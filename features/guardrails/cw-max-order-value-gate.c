/* max_order_value (number > 0): the quote notional of one order, qty x price
 * (the mark price for market orders), may not exceed it. Orders that only
 * reduce a position pass, so a position can always be closed. */
#include "cw-guardrails-private.h"

#include <math.h>

struct _CwMaxOrderValueGate {
	GObject parent_instance;
	double max_value;
};

G_DECLARE_FINAL_TYPE(CwMaxOrderValueGate, cw_max_order_value_gate, CW, MAX_ORDER_VALUE_GATE,
		     GObject)

static void cw_max_order_value_gate_guard_init(CwGuardInterface *iface);

G_DEFINE_TYPE_WITH_CODE(CwMaxOrderValueGate, cw_max_order_value_gate, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(CW_TYPE_GUARD, cw_max_order_value_gate_guard_init))

static const char *
cw_max_order_value_gate_get_name(CwGuard *guard)
{
	return "max_order_value";
}

static gboolean
cw_max_order_value_gate_configure(CwGuard *guard, const CwBotConfig *config, gboolean *active,
				  GError **error)
{
	CwMaxOrderValueGate *self = (CwMaxOrderValueGate *) guard;
	JsonObject *section;

	if (!cw_guardrails_get_section(config, &section, error))
		return FALSE;
	*active = section != NULL && json_object_has_member(section, "max_order_value");
	if (!*active)
		return TRUE;
	return cw_config_read_double_range(section, "guardrails", "max_order_value", 0, 0, INFINITY,
					   CW_CONFIG_RANGE_MIN_EXCLUSIVE, &self->max_value, error);
}

static CwGuardVerdict
cw_max_order_value_gate_check(CwGuard *guard, const CwGuardContext *ctx, CwOrder *order,
			      char *reason, gsize reason_len)
{
	CwMaxOrderValueGate *self = (CwMaxOrderValueGate *) guard;
	double price, value;

	if (cw_gate_is_exit(ctx, order))
		return CW_GUARD_ALLOW;
	price = cw_gate_order_price(ctx, order);
	value = order->qty * price;
	if (!cw_gate_exceeds(value, self->max_value))
		return CW_GUARD_ALLOW;
	return cw_gate_reject(reason, reason_len,
			      "max order value exceeded: %.10g x %.10g = %.2f > %.2f", order->qty,
			      price, value, self->max_value);
}

static void
cw_max_order_value_gate_guard_init(CwGuardInterface *iface)
{
	iface->get_name = cw_max_order_value_gate_get_name;
	iface->configure = cw_max_order_value_gate_configure;
	iface->check = cw_max_order_value_gate_check;
}

static void
cw_max_order_value_gate_class_init(CwMaxOrderValueGateClass *klass)
{
}

static void
cw_max_order_value_gate_init(CwMaxOrderValueGate *self)
{
}
