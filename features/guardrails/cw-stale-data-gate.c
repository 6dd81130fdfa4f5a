/* stale_data_intervals (uint K >= 1): when the newest closed candle ended
 * more than K intervals ago (ctx->now - (ctx->last_candle_time +
 * ctx->interval_ms) > K x interval), or no candle arrived yet, new entries
 * are rejected. Orders that reduce the position pass. */
#include "cw-guardrails-private.h"

struct _CwStaleDataGate {
	GObject parent_instance;
	guint intervals;
};

G_DECLARE_FINAL_TYPE(CwStaleDataGate, cw_stale_data_gate, CW, STALE_DATA_GATE, GObject)

static void cw_stale_data_gate_guard_init(CwGuardInterface *iface);

G_DEFINE_TYPE_WITH_CODE(CwStaleDataGate, cw_stale_data_gate, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(CW_TYPE_GUARD, cw_stale_data_gate_guard_init))

static const char *
cw_stale_data_gate_get_name(CwGuard *guard)
{
	return "stale_data_intervals";
}

static gboolean
cw_stale_data_gate_configure(CwGuard *guard, const CwBotConfig *config, gboolean *active,
			     GError **error)
{
	CwStaleDataGate *self = (CwStaleDataGate *) guard;
	JsonObject *section;

	if (!cw_guardrails_get_section(config, &section, error))
		return FALSE;
	*active = section != NULL && json_object_has_member(section, "stale_data_intervals");
	if (!*active)
		return TRUE;
	return cw_config_read_uint(section, "guardrails", "stale_data_intervals", 1, 1, 100000,
				   &self->intervals, error);
}

static CwGuardVerdict
cw_stale_data_gate_check(CwGuard *guard, const CwGuardContext *ctx, CwOrder *order, char *reason,
			 gsize reason_len)
{
	CwStaleDataGate *self = (CwStaleDataGate *) guard;
	gint64 age, max_age;

	if (cw_gate_is_exit(ctx, order))
		return CW_GUARD_ALLOW;
	if (ctx->last_candle_time <= 0 || ctx->interval_ms <= 0)
		return cw_gate_reject(reason, reason_len,
				      "stale data: no closed candle yet, no new entries");
	age = ctx->now - (ctx->last_candle_time + ctx->interval_ms);
	max_age = (gint64) self->intervals * ctx->interval_ms;
	if (age <= max_age)
		return CW_GUARD_ALLOW;
	return cw_gate_reject(reason, reason_len,
			      "stale data: last candle closed %" G_GINT64_FORMAT
			      " s ago, more than %u intervals (%" G_GINT64_FORMAT " s)",
			      age / 1000, self->intervals, max_age / 1000);
}

static void
cw_stale_data_gate_guard_init(CwGuardInterface *iface)
{
	iface->get_name = cw_stale_data_gate_get_name;
	iface->configure = cw_stale_data_gate_configure;
	iface->check = cw_stale_data_gate_check;
}

static void
cw_stale_data_gate_class_init(CwStaleDataGateClass *klass)
{
}

static void
cw_stale_data_gate_init(CwStaleDataGate *self)
{
}
