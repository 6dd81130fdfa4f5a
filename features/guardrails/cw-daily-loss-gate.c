/* daily_loss {percent | amount, timezone, emergency_close}: realized plus
 * unrealized PnL since local midnight (equity now minus equity at the first
 * observation of the day) may not fall below -percent of the day-start
 * equity, or below -amount. When it does, the gate demands REDUCE_ONLY until
 * the next local midnight; with emergency_close it also asks the
 * orchestrator to close the position (cw_guard_wants_flatten()).
 *
 * The next midnight is computed once per day, when the day rolls, from the
 * zone's rules (DST days are 23 or 25 hours long); every other call is a
 * comparison, so nothing allocates. */
#include "cw-guardrails-private.h"

#include <math.h>

struct _CwDailyLossGate {
	GObject parent_instance;
	GTimeZone *tz;
	double percent; /* 0 when amount is used */
	double amount;
	gboolean emergency_close;
	/* state */
	gint64 day_end; /* ms of the next local midnight; 0 = no day yet */
	double day_start_equity;
	gboolean triggered;
	gboolean flatten;
	char cause[CW_REASON_LEN];
};

G_DECLARE_FINAL_TYPE(CwDailyLossGate, cw_daily_loss_gate, CW, DAILY_LOSS_GATE, GObject)

static void cw_daily_loss_gate_guard_init(CwGuardInterface *iface);

G_DEFINE_TYPE_WITH_CODE(CwDailyLossGate, cw_daily_loss_gate, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(CW_TYPE_GUARD, cw_daily_loss_gate_guard_init))

#define CW_DAILY_LOSS_NAME "daily_loss"

static const char *const cw_daily_loss_keys[] = {"percent", "amount", "timezone", "emergency_close",
						 NULL};

static const char *
cw_daily_loss_gate_get_name(CwGuard *guard)
{
	return CW_DAILY_LOSS_NAME;
}

static gboolean
cw_daily_loss_gate_configure(CwGuard *guard, const CwBotConfig *config, gboolean *active,
			     GError **error)
{
	CwDailyLossGate *self = (CwDailyLossGate *) guard;
	const char *path = "guardrails.daily_loss";
	JsonObject *section, *obj = NULL;
	const char *tz_name = NULL;
	gboolean has_percent, has_amount;

	if (!cw_guardrails_get_section(config, &section, error))
		return FALSE;
	*active = FALSE;
	if (section == NULL)
		return TRUE;
	if (!cw_config_read_object(section, "guardrails", "daily_loss", &obj, error))
		return FALSE;
	if (obj == NULL)
		return TRUE;
	if (!cw_config_check_keys(obj, path, cw_daily_loss_keys, error))
		return FALSE;
	has_percent = json_object_has_member(obj, "percent");
	has_amount = json_object_has_member(obj, "amount");
	if (has_percent == has_amount)
		return cw_config_error_at(
		    error, has_percent ? CW_CONFIG_ERROR_INVALID : CW_CONFIG_ERROR_MISSING, path,
		    NULL, "expected exactly one of percent or amount");
	if (!cw_config_read_double_range(obj, path, "percent", 0, 0, 100,
					 CW_CONFIG_RANGE_MIN_EXCLUSIVE, &self->percent, error) ||
	    !cw_config_read_double_range(obj, path, "amount", 0, 0, INFINITY,
					 CW_CONFIG_RANGE_MIN_EXCLUSIVE, &self->amount, error) ||
	    !cw_config_read_string(obj, path, "timezone", "UTC", &tz_name, error) ||
	    !cw_config_read_bool(obj, path, "emergency_close", FALSE, &self->emergency_close,
				 error))
		return FALSE;
	if (!cw_local_time_zone_configure(&self->tz, tz_name, path, error))
		return FALSE;
	*active = TRUE;
	return TRUE;
}

/* Rolls the day when ctx->now reached the stored midnight and re-judges the
 * tally. Allocates nothing. */
static void
cw_daily_loss_gate_update(CwDailyLossGate *self, const CwGuardContext *ctx)
{
	double pnl;

	if (ctx->now >= self->day_end) {
		self->day_end = cw_local_time_next_midnight(self->tz, ctx->now);
		self->day_start_equity = ctx->equity;
		self->triggered = FALSE;
		self->flatten = FALSE;
		self->cause[0] = '\0';
	}
	if (!self->triggered) {
		pnl = ctx->equity - self->day_start_equity;
		if (self->percent > 0 && self->day_start_equity > 0) {
			double pct = pnl / self->day_start_equity * 100.0;

			if (cw_gate_exceeds(-pct, self->percent)) {
				g_snprintf(self->cause, sizeof self->cause,
					   "daily loss limit exceeded: %.2f%% < -%.2f%%", pct,
					   self->percent);
				self->triggered = TRUE;
			}
		} else if (self->amount > 0 && cw_gate_exceeds(-pnl, self->amount)) {
			g_snprintf(self->cause, sizeof self->cause,
				   "daily loss limit exceeded: %.2f < -%.2f", pnl, self->amount);
			self->triggered = TRUE;
		}
		if (self->triggered && self->emergency_close && ctx->position_qty != 0)
			self->flatten = TRUE;
	}
	if (ctx->position_qty == 0)
		self->flatten = FALSE;
}

static CwGuardVerdict
cw_daily_loss_gate_check(CwGuard *guard, const CwGuardContext *ctx, CwOrder *order, char *reason,
			 gsize reason_len)
{
	CwDailyLossGate *self = (CwDailyLossGate *) guard;

	cw_daily_loss_gate_update(self, ctx);
	if (!self->triggered)
		return CW_GUARD_ALLOW;
	return cw_gate_check_mode(CW_BOT_MODE_REDUCE_ONLY, ctx, order, self->cause, reason,
				  reason_len);
}

static void
cw_daily_loss_gate_on_fill(CwGuard *guard, const CwGuardContext *ctx, const CwFill *fill)
{
	cw_daily_loss_gate_update(((CwDailyLossGate *) guard), ctx);
}

static void
cw_daily_loss_gate_on_trade(CwGuard *guard, const CwGuardContext *ctx, const CwTrade *trade)
{
	cw_daily_loss_gate_update(((CwDailyLossGate *) guard), ctx);
}

static void
cw_daily_loss_gate_on_candle(CwGuard *guard, const CwGuardContext *ctx, const CwCandle *candle)
{
	cw_daily_loss_gate_update(((CwDailyLossGate *) guard), ctx);
}

static CwBotMode
cw_daily_loss_gate_get_mode(CwGuard *guard)
{
	return ((CwDailyLossGate *) guard)->triggered ? CW_BOT_MODE_REDUCE_ONLY
						      : CW_BOT_MODE_ACTIVE;
}

static gboolean
cw_daily_loss_gate_wants_flatten(CwGuard *guard)
{
	return ((CwDailyLossGate *) guard)->flatten;
}

static char *
cw_daily_loss_gate_save_state(CwGuard *guard)
{
	CwDailyLossGate *self = (CwDailyLossGate *) guard;
	JsonBuilder *b =
	    cw_guard_state_begin(CW_DAILY_LOSS_NAME, cw_daily_loss_gate_get_mode(guard));

	json_builder_set_member_name(b, "day_end");
	json_builder_add_int_value(b, self->day_end);
	json_builder_set_member_name(b, "day_start_equity");
	json_builder_add_double_value(b, self->day_start_equity);
	json_builder_set_member_name(b, "flatten");
	json_builder_add_boolean_value(b, self->flatten);
	json_builder_set_member_name(b, "cause");
	json_builder_add_string_value(b, self->cause);
	return cw_guard_state_end(b);
}

static gboolean
cw_daily_loss_gate_load_state(CwGuard *guard, const char *json, GError **error)
{
	CwDailyLossGate *self = (CwDailyLossGate *) guard;
	g_autoptr(JsonObject) state = NULL;
	CwBotMode mode;
	gint64 day_end;
	double equity;
	gboolean flatten;
	const char *cause;

	state = cw_guard_state_parse(json, CW_DAILY_LOSS_NAME, &mode, error);
	if (state == NULL ||
	    !cw_guard_state_get_int(state, CW_DAILY_LOSS_NAME, "day_end", 0, G_MAXINT64, &day_end,
				    error) ||
	    !cw_guard_state_get_double(state, CW_DAILY_LOSS_NAME, "day_start_equity", &equity,
				       error) ||
	    !cw_guard_state_get_bool(state, CW_DAILY_LOSS_NAME, "flatten", &flatten, error) ||
	    !cw_guard_state_get_string(state, CW_DAILY_LOSS_NAME, "cause", &cause, error))
		return FALSE;
	self->day_end = day_end;
	self->day_start_equity = equity;
	self->triggered = mode != CW_BOT_MODE_ACTIVE;
	self->flatten = flatten;
	g_strlcpy(self->cause, cause, sizeof self->cause);
	return TRUE;
}

static void
cw_daily_loss_gate_guard_init(CwGuardInterface *iface)
{
	iface->get_name = cw_daily_loss_gate_get_name;
	iface->configure = cw_daily_loss_gate_configure;
	iface->check = cw_daily_loss_gate_check;
	iface->on_fill = cw_daily_loss_gate_on_fill;
	iface->on_trade = cw_daily_loss_gate_on_trade;
	iface->on_candle = cw_daily_loss_gate_on_candle;
	iface->get_mode = cw_daily_loss_gate_get_mode;
	iface->wants_flatten = cw_daily_loss_gate_wants_flatten;
	iface->save_state = cw_daily_loss_gate_save_state;
	iface->load_state = cw_daily_loss_gate_load_state;
}

static void
cw_daily_loss_gate_finalize(GObject *object)
{
	CwDailyLossGate *self = CW_DAILY_LOSS_GATE(object);

	g_clear_pointer(&self->tz, g_time_zone_unref);
	G_OBJECT_CLASS(cw_daily_loss_gate_parent_class)->finalize(object);
}

static void
cw_daily_loss_gate_class_init(CwDailyLossGateClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_daily_loss_gate_finalize;
}

static void
cw_daily_loss_gate_init(CwDailyLossGate *self)
{
	self->tz = g_time_zone_new_utc();
}
