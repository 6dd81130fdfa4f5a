/* dry_run (bool): every order is rejected and logged at message level with
 * what would have been sent. The quantity and price are shown quantized
 * to the instrument's rules, as the broker would get them. */
#include "cw-guardrails-private.h"

struct _CwDryRunGate {
	GObject parent_instance;
};

G_DECLARE_FINAL_TYPE(CwDryRunGate, cw_dry_run_gate, CW, DRY_RUN_GATE, GObject)

static void cw_dry_run_gate_guard_init(CwGuardInterface *iface);

G_DEFINE_TYPE_WITH_CODE(CwDryRunGate, cw_dry_run_gate, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(CW_TYPE_GUARD, cw_dry_run_gate_guard_init))

static const char *
cw_dry_run_gate_get_name(CwGuard *guard)
{
	return "dry_run";
}

static gboolean
cw_dry_run_gate_configure(CwGuard *guard, const CwBotConfig *config, gboolean *active,
			  GError **error)
{
	JsonObject *section;

	if (!cw_guardrails_get_section(config, &section, error))
		return FALSE;
	*active = FALSE;
	return section == NULL ||
	       cw_config_read_bool(section, "guardrails", "dry_run", FALSE, active, error);
}

static CwGuardVerdict
cw_dry_run_gate_check(CwGuard *guard, const CwGuardContext *ctx, CwOrder *order, char *reason,
		      gsize reason_len)
{
	char what[CW_REASON_LEN];
	char message[CW_REASON_LEN + 32];
	double qty = cw_instrument_floor_qty(ctx->instrument, order->qty);
	double price = order->type == CW_ORDER_TYPE_STOP ? order->stop_price : order->price;
	const char *strategy = ctx->strategy_id != 0 ? g_quark_to_string(ctx->strategy_id) : NULL;
	GLogField fields[4] = {
	    {"GLIB_DOMAIN", G_LOG_DOMAIN, -1},
	    {"PRIORITY", "5", -1},
	    {"MESSAGE", message, -1},
	    {"CW_STRATEGY_ID", strategy, -1},
	};

	if (price > 0)
		price = cw_instrument_round_price(ctx->instrument, price);
	cw_gate_describe_order(order, qty, price, what, sizeof what);
	g_snprintf(message, sizeof message, "dry run: would send %s", what);
	g_log_structured_array(G_LOG_LEVEL_MESSAGE, fields, strategy != NULL ? 4 : 3);
	return cw_gate_reject(reason, reason_len, "%s", message);
}

static void
cw_dry_run_gate_guard_init(CwGuardInterface *iface)
{
	iface->get_name = cw_dry_run_gate_get_name;
	iface->configure = cw_dry_run_gate_configure;
	iface->check = cw_dry_run_gate_check;
}

static void
cw_dry_run_gate_class_init(CwDryRunGateClass *klass)
{
}

static void
cw_dry_run_gate_init(CwDryRunGate *self)
{
}
