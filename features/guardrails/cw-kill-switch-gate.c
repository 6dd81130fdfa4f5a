/* kill_switch: always active. While the service-wide kill switch or this
 * bot's own switch (CwServiceContext) is set, new entries are rejected;
 * orders that reduce a position pass. */
#include "cw-guardrails-private.h"

struct _CwKillSwitchGate {
	GObject parent_instance;
	CwServiceContext *service;
	CwStrategyId bot; /* last seen, for get_mode() */
	/* the cause for cause_bot while the service's halt serial was
	 * cause_serial: asked again only when either moves */
	CwStrategyId cause_bot;
	guint cause_serial;
	gboolean has_cause;
	const char *cause;
};

G_DECLARE_FINAL_TYPE(CwKillSwitchGate, cw_kill_switch_gate, CW, KILL_SWITCH_GATE, GObject)

static void cw_kill_switch_gate_guard_init(CwGuardInterface *iface);

G_DEFINE_TYPE_WITH_CODE(CwKillSwitchGate, cw_kill_switch_gate, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(CW_TYPE_GUARD, cw_kill_switch_gate_guard_init))

static const char *
cw_kill_switch_gate_get_name(CwGuard *guard)
{
	return "kill_switch";
}

static gboolean
cw_kill_switch_gate_configure(CwGuard *guard, const CwBotConfig *config, gboolean *active,
			      GError **error)
{
	JsonObject *section;

	if (!cw_guardrails_get_section(config, &section, error))
		return FALSE;
	*active = TRUE;
	return TRUE;
}

/* Runs every candle (get_mode): one atomic read unless a switch moved. */
static const char *
cw_kill_switch_gate_cause(CwKillSwitchGate *self, CwStrategyId bot)
{
	/* read first: a change after this read moves the serial again */
	guint serial = cw_service_context_get_halt_serial(self->service);

	if (self->has_cause && bot == self->cause_bot && serial == self->cause_serial)
		return self->cause;
	if (cw_service_context_get_halt_all(self->service))
		self->cause = "kill switch: trading halted service-wide";
	else if (bot != 0 && cw_service_context_get_bot_halted(self->service, bot))
		self->cause = "kill switch: trading halted for this bot";
	else
		self->cause = NULL;
	self->cause_bot = bot;
	self->cause_serial = serial;
	self->has_cause = TRUE;
	return self->cause;
}

static CwGuardVerdict
cw_kill_switch_gate_check(CwGuard *guard, const CwGuardContext *ctx, CwOrder *order, char *reason,
			  gsize reason_len)
{
	CwKillSwitchGate *self = (CwKillSwitchGate *) guard; /* our vtable */
	const char *cause;

	self->bot = ctx->strategy_id;
	cause = cw_kill_switch_gate_cause(self, ctx->strategy_id);
	if (cause == NULL)
		return CW_GUARD_ALLOW;
	return cw_gate_check_mode(CW_BOT_MODE_REDUCE_ONLY, ctx, order, cause, reason, reason_len);
}

static void
cw_kill_switch_gate_on_candle(CwGuard *guard, const CwGuardContext *ctx, const CwCandle *candle)
{
	((CwKillSwitchGate *) guard)->bot = ctx->strategy_id; /* our vtable: no checked cast */
}

static CwBotMode
cw_kill_switch_gate_get_mode(CwGuard *guard)
{
	CwKillSwitchGate *self = (CwKillSwitchGate *) guard; /* our vtable */

	return cw_kill_switch_gate_cause(self, self->bot) != NULL ? CW_BOT_MODE_REDUCE_ONLY
								  : CW_BOT_MODE_ACTIVE;
}

static void
cw_kill_switch_gate_guard_init(CwGuardInterface *iface)
{
	iface->get_name = cw_kill_switch_gate_get_name;
	iface->configure = cw_kill_switch_gate_configure;
	iface->check = cw_kill_switch_gate_check;
	iface->on_candle = cw_kill_switch_gate_on_candle;
	iface->get_mode = cw_kill_switch_gate_get_mode;
}

static void
cw_kill_switch_gate_finalize(GObject *object)
{
	CwKillSwitchGate *self = CW_KILL_SWITCH_GATE(object);

	g_object_unref(self->service);
	G_OBJECT_CLASS(cw_kill_switch_gate_parent_class)->finalize(object);
}

static void
cw_kill_switch_gate_class_init(CwKillSwitchGateClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_kill_switch_gate_finalize;
}

static void
cw_kill_switch_gate_init(CwKillSwitchGate *self)
{
	self->service = g_object_ref(cw_service_context_get_default());
}
