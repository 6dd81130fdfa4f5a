/* max_drawdown {percent, action}: when equity falls more than percent below
 * its peak (ctx->peak_equity), the gate demands REDUCE_ONLY ("reduce_only",
 * the default) or HALTED ("halt"). The mode latches: it survives a recovery
 * and a restart (save_state) until an operator clears the saved state. */
#include "cw-guardrails-private.h"

struct _CwMaxDrawdownGate {
	GObject parent_instance;
	double percent;
	CwBotMode action;
	CwBotMode mode; /* ACTIVE until the limit is hit */
	char cause[CW_REASON_LEN];
};

G_DECLARE_FINAL_TYPE(CwMaxDrawdownGate, cw_max_drawdown_gate, CW, MAX_DRAWDOWN_GATE, GObject)

static void cw_max_drawdown_gate_guard_init(CwGuardInterface *iface);

G_DEFINE_TYPE_WITH_CODE(CwMaxDrawdownGate, cw_max_drawdown_gate, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(CW_TYPE_GUARD, cw_max_drawdown_gate_guard_init))

#define CW_MAX_DRAWDOWN_NAME "max_drawdown"

static const char *const cw_max_drawdown_keys[] = {"percent", "action", NULL};
static const char *const cw_max_drawdown_actions[] = {"reduce_only", "halt", NULL};

static const char *
cw_max_drawdown_gate_get_name(CwGuard *guard)
{
	return CW_MAX_DRAWDOWN_NAME;
}

static gboolean
cw_max_drawdown_gate_configure(CwGuard *guard, const CwBotConfig *config, gboolean *active,
			       GError **error)
{
	CwMaxDrawdownGate *self = (CwMaxDrawdownGate *) guard;
	const char *path = "guardrails.max_drawdown";
	JsonObject *section, *obj = NULL;
	guint action = 0;

	if (!cw_guardrails_get_section(config, &section, error))
		return FALSE;
	*active = FALSE;
	if (section == NULL)
		return TRUE;
	if (!cw_config_read_object(section, "guardrails", "max_drawdown", &obj, error))
		return FALSE;
	if (obj == NULL)
		return TRUE;
	if (!cw_config_check_keys(obj, path, cw_max_drawdown_keys, error))
		return FALSE;
	if (!json_object_has_member(obj, "percent"))
		return cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, path, "percent",
					  "required");
	if (!cw_config_read_double_range(obj, path, "percent", 0, 0, 100,
					 CW_CONFIG_RANGE_MIN_EXCLUSIVE, &self->percent, error) ||
	    !cw_config_read_choice(obj, path, "action", cw_max_drawdown_actions, 0, &action, error))
		return FALSE;
	self->action = action == 1 ? CW_BOT_MODE_HALTED : CW_BOT_MODE_REDUCE_ONLY;
	*active = TRUE;
	return TRUE;
}

static void
cw_max_drawdown_gate_update(CwMaxDrawdownGate *self, const CwGuardContext *ctx)
{
	double dd;

	if (self->mode != CW_BOT_MODE_ACTIVE || ctx->peak_equity <= 0)
		return;
	dd = (ctx->peak_equity - ctx->equity) / ctx->peak_equity * 100.0;
	if (!cw_gate_exceeds(dd, self->percent))
		return;
	self->mode = self->action;
	g_snprintf(self->cause, sizeof self->cause,
		   "max drawdown exceeded: %.2f%% > %.2f%% below the peak %.2f", dd, self->percent,
		   ctx->peak_equity);
}

static CwGuardVerdict
cw_max_drawdown_gate_check(CwGuard *guard, const CwGuardContext *ctx, CwOrder *order, char *reason,
			   gsize reason_len)
{
	CwMaxDrawdownGate *self = (CwMaxDrawdownGate *) guard;

	cw_max_drawdown_gate_update(self, ctx);
	return cw_gate_check_mode(self->mode, ctx, order, self->cause, reason, reason_len);
}

static void
cw_max_drawdown_gate_on_fill(CwGuard *guard, const CwGuardContext *ctx, const CwFill *fill)
{
	cw_max_drawdown_gate_update(((CwMaxDrawdownGate *) guard), ctx);
}

static void
cw_max_drawdown_gate_on_candle(CwGuard *guard, const CwGuardContext *ctx, const CwCandle *candle)
{
	cw_max_drawdown_gate_update(((CwMaxDrawdownGate *) guard), ctx);
}

static CwBotMode
cw_max_drawdown_gate_get_mode(CwGuard *guard)
{
	return ((CwMaxDrawdownGate *) guard)->mode;
}

static char *
cw_max_drawdown_gate_save_state(CwGuard *guard)
{
	CwMaxDrawdownGate *self = (CwMaxDrawdownGate *) guard;
	JsonBuilder *b = cw_guard_state_begin(CW_MAX_DRAWDOWN_NAME, self->mode);

	json_builder_set_member_name(b, "cause");
	json_builder_add_string_value(b, self->cause);
	return cw_guard_state_end(b);
}

static gboolean
cw_max_drawdown_gate_load_state(CwGuard *guard, const char *json, GError **error)
{
	CwMaxDrawdownGate *self = (CwMaxDrawdownGate *) guard;
	g_autoptr(JsonObject) state = NULL;
	CwBotMode mode;
	const char *cause;

	state = cw_guard_state_parse(json, CW_MAX_DRAWDOWN_NAME, &mode, error);
	if (state == NULL ||
	    !cw_guard_state_get_string(state, CW_MAX_DRAWDOWN_NAME, "cause", &cause, error))
		return FALSE;
	self->mode = mode;
	g_strlcpy(self->cause, cause, sizeof self->cause);
	return TRUE;
}

static void
cw_max_drawdown_gate_guard_init(CwGuardInterface *iface)
{
	iface->get_name = cw_max_drawdown_gate_get_name;
	iface->configure = cw_max_drawdown_gate_configure;
	iface->check = cw_max_drawdown_gate_check;
	iface->on_fill = cw_max_drawdown_gate_on_fill;
	iface->on_candle = cw_max_drawdown_gate_on_candle;
	iface->get_mode = cw_max_drawdown_gate_get_mode;
	iface->save_state = cw_max_drawdown_gate_save_state;
	iface->load_state = cw_max_drawdown_gate_load_state;
}

static void
cw_max_drawdown_gate_class_init(CwMaxDrawdownGateClass *klass)
{
}

static void
cw_max_drawdown_gate_init(CwMaxDrawdownGate *self)
{
	self->mode = CW_BOT_MODE_ACTIVE;
}
