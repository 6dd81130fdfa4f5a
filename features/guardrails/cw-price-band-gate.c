/* price_band_pct (number > 0): a limit or stop order whose price is more
 * than that percentage away from the mark price is rejected (a fat finger).
 * Market orders pass. Stop orders that only reduce the position pass too:
 * a protective stop far from the market is harmless, and rejecting it would
 * leave the position unprotected. */
#include "cw-guardrails-private.h"

#include <math.h>

struct _CwPriceBandGate {
	GObject parent_instance;
	double band_pct;
};

G_DECLARE_FINAL_TYPE(CwPriceBandGate, cw_price_band_gate, CW, PRICE_BAND_GATE, GObject)

static void cw_price_band_gate_guard_init(CwGuardInterface *iface);

G_DEFINE_TYPE_WITH_CODE(CwPriceBandGate, cw_price_band_gate, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(CW_TYPE_GUARD, cw_price_band_gate_guard_init))

static const char *
cw_price_band_gate_get_name(CwGuard *guard)
{
	return "price_band_pct";
}

static gboolean
cw_price_band_gate_configure(CwGuard *guard, const CwBotConfig *config, gboolean *active,
			     GError **error)
{
	CwPriceBandGate *self = (CwPriceBandGate *) guard;
	JsonObject *section;

	if (!cw_guardrails_get_section(config, &section, error))
		return FALSE;
	*active = section != NULL && json_object_has_member(section, "price_band_pct");
	if (!*active)
		return TRUE;
	return cw_config_read_double_range(section, "guardrails", "price_band_pct", 0, 0, 100,
					   CW_CONFIG_RANGE_MIN_EXCLUSIVE, &self->band_pct, error);
}

static CwGuardVerdict
cw_price_band_gate_judge(CwPriceBandGate *self, const CwGuardContext *ctx, const char *what,
			 double price, char *reason, gsize reason_len)
{
	double off_pct;

	if (price <= 0)
		return CW_GUARD_ALLOW;
	off_pct = fabs(price - ctx->mark_price) / ctx->mark_price * 100.0;
	if (!cw_gate_exceeds(off_pct, self->band_pct))
		return CW_GUARD_ALLOW;
	return cw_gate_reject(
	    reason, reason_len,
	    "price band: %s price %.10g is %.2f%% from the mark %.10g (max %.2f%%)", what, price,
	    off_pct, ctx->mark_price, self->band_pct);
}

static CwGuardVerdict
cw_price_band_gate_check(CwGuard *guard, const CwGuardContext *ctx, CwOrder *order, char *reason,
			 gsize reason_len)
{
	CwPriceBandGate *self = (CwPriceBandGate *) guard;

	if (order->type == CW_ORDER_TYPE_MARKET || ctx->mark_price <= 0)
		return CW_GUARD_ALLOW;
	if (order->type == CW_ORDER_TYPE_STOP) {
		if (cw_gate_is_exit(ctx, order))
			return CW_GUARD_ALLOW;
		if (cw_price_band_gate_judge(self, ctx, "stop", order->stop_price, reason,
					     reason_len) == CW_GUARD_REJECT)
			return CW_GUARD_REJECT;
	}
	return cw_price_band_gate_judge(self, ctx, "limit", order->price, reason, reason_len);
}

static void
cw_price_band_gate_guard_init(CwGuardInterface *iface)
{
	iface->get_name = cw_price_band_gate_get_name;
	iface->configure = cw_price_band_gate_configure;
	iface->check = cw_price_band_gate_check;
}

static void
cw_price_band_gate_class_init(CwPriceBandGateClass *klass)
{
}

static void
cw_price_band_gate_init(CwPriceBandGate *self)
{
}
