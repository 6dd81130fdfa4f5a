/* max_leverage (number >= 1): |position notional after the order| / equity
 * may not exceed it. Orders that only reduce the position pass. */
#include "cw-guardrails-private.h"

#include <math.h>

struct _CwMaxLeverageGate {
	GObject parent_instance;
	double max_leverage;
};

G_DECLARE_FINAL_TYPE(CwMaxLeverageGate, cw_max_leverage_gate, CW, MAX_LEVERAGE_GATE, GObject)

static void cw_max_leverage_gate_guard_init(CwGuardInterface *iface);

G_DEFINE_TYPE_WITH_CODE(CwMaxLeverageGate, cw_max_leverage_gate, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(CW_TYPE_GUARD, cw_max_leverage_gate_guard_init))

static const char *
cw_max_leverage_gate_get_name(CwGuard *guard)
{
	return "max_leverage";
}

static gboolean
cw_max_leverage_gate_configure(CwGuard *guard, const CwBotConfig *config, gboolean *active,
			       GError **error)
{
	CwMaxLeverageGate *self = (CwMaxLeverageGate *) guard;
	JsonObject *section;

	if (!cw_guardrails_get_section(config, &section, error))
		return FALSE;
	*active = section != NULL && json_object_has_member(section, "max_leverage");
	if (!*active)
		return TRUE;
	return cw_config_read_double_range(section, "guardrails", "max_leverage", 1, 1, INFINITY,
					   CW_CONFIG_RANGE_INCLUSIVE, &self->max_leverage, error);
}

static CwGuardVerdict
cw_max_leverage_gate_check(CwGuard *guard, const CwGuardContext *ctx, CwOrder *order, char *reason,
			   gsize reason_len)
{
	CwMaxLeverageGate *self = (CwMaxLeverageGate *) guard;
	double notional, leverage;

	if (cw_gate_is_exit(ctx, order))
		return CW_GUARD_ALLOW;
	if (ctx->equity <= 0)
		return cw_gate_reject(reason, reason_len,
				      "max leverage: equity is %.2f, no new exposure", ctx->equity);
	notional = fabs(cw_gate_position_after(ctx, order)) * cw_gate_order_price(ctx, order);
	leverage = notional / ctx->equity;
	if (!cw_gate_exceeds(leverage, self->max_leverage))
		return CW_GUARD_ALLOW;
	return cw_gate_reject(reason, reason_len,
			      "max leverage exceeded: %.2f / %.2f = %.2fx > %.2fx", notional,
			      ctx->equity, leverage, self->max_leverage);
}

static void
cw_max_leverage_gate_guard_init(CwGuardInterface *iface)
{
	iface->get_name = cw_max_leverage_gate_get_name;
	iface->configure = cw_max_leverage_gate_configure;
	iface->check = cw_max_leverage_gate_check;
}

static void
cw_max_leverage_gate_class_init(CwMaxLeverageGateClass *klass)
{
}

static void
cw_max_leverage_gate_init(CwMaxLeverageGate *self)
{
}
