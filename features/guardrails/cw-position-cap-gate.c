/* position_cap {max_qty, max_notional}: an order may not take |position| of
 * the symbol beyond either cap (notional at the order's price). Orders that
 * only reduce the position always pass. */
#include "cw-guardrails-private.h"

#include <math.h>

struct _CwPositionCapGate {
	GObject parent_instance;
	double max_qty;      /* 0 = no cap */
	double max_notional; /* 0 = no cap */
};

G_DECLARE_FINAL_TYPE(CwPositionCapGate, cw_position_cap_gate, CW, POSITION_CAP_GATE, GObject)

static void cw_position_cap_gate_guard_init(CwGuardInterface *iface);

G_DEFINE_TYPE_WITH_CODE(CwPositionCapGate, cw_position_cap_gate, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(CW_TYPE_GUARD, cw_position_cap_gate_guard_init))

static const char *const cw_position_cap_keys[] = {"max_qty", "max_notional", NULL};

static const char *
cw_position_cap_gate_get_name(CwGuard *guard)
{
	return "position_cap";
}

static gboolean
cw_position_cap_gate_configure(CwGuard *guard, const CwBotConfig *config, gboolean *active,
			       GError **error)
{
	CwPositionCapGate *self = (CwPositionCapGate *) guard;
	const char *path = "guardrails.position_cap";
	JsonObject *section, *obj = NULL;

	if (!cw_guardrails_get_section(config, &section, error))
		return FALSE;
	*active = FALSE;
	if (section == NULL)
		return TRUE;
	if (!cw_config_read_object(section, "guardrails", "position_cap", &obj, error))
		return FALSE;
	if (obj == NULL)
		return TRUE;
	if (!cw_config_check_keys(obj, path, cw_position_cap_keys, error) ||
	    !cw_config_read_double_range(obj, path, "max_qty", 0, 0, INFINITY,
					 CW_CONFIG_RANGE_MIN_EXCLUSIVE, &self->max_qty, error) ||
	    !cw_config_read_double_range(obj, path, "max_notional", 0, 0, INFINITY,
					 CW_CONFIG_RANGE_MIN_EXCLUSIVE, &self->max_notional, error))
		return FALSE;
	if (!json_object_has_member(obj, "max_qty") && !json_object_has_member(obj, "max_notional"))
		return cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, path, NULL,
					  "expected max_qty, max_notional or both");
	*active = TRUE;
	return TRUE;
}

static CwGuardVerdict
cw_position_cap_gate_check(CwGuard *guard, const CwGuardContext *ctx, CwOrder *order, char *reason,
			   gsize reason_len)
{
	CwPositionCapGate *self = (CwPositionCapGate *) guard;
	const char *symbol = order->symbol != 0 ? g_quark_to_string(order->symbol) : "?";
	double after, price;

	if (cw_gate_is_exit(ctx, order))
		return CW_GUARD_ALLOW;
	after = fabs(cw_gate_position_after(ctx, order));
	if (self->max_qty > 0 && cw_gate_exceeds(after, self->max_qty))
		return cw_gate_reject(reason, reason_len,
				      "position cap: %s position would be %.10g > max_qty %.10g",
				      symbol, after, self->max_qty);
	price = cw_gate_order_price(ctx, order);
	if (self->max_notional > 0 && cw_gate_exceeds(after * price, self->max_notional))
		return cw_gate_reject(
		    reason, reason_len,
		    "position cap: %s position would be worth %.2f > max_notional %.2f", symbol,
		    after * price, self->max_notional);
	return CW_GUARD_ALLOW;
}

static void
cw_position_cap_gate_guard_init(CwGuardInterface *iface)
{
	iface->get_name = cw_position_cap_gate_get_name;
	iface->configure = cw_position_cap_gate_configure;
	iface->check = cw_position_cap_gate_check;
}

static void
cw_position_cap_gate_class_init(CwPositionCapGateClass *klass)
{
}

static void
cw_position_cap_gate_init(CwPositionCapGate *self)
{
}
