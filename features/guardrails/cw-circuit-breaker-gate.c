/* circuit_breaker {max_errors, cooldown_seconds}: after max_errors broker
 * errors in a row (cw_guard_on_order_error()) the gate demands HALTED for
 * the cool-down. After the cool-down orders pass again, but the count is
 * kept: one more error trips the breaker again at once. The first fill
 * after the cool-down clears it (a fill before it ends does not). */
#include "cw-guardrails-private.h"

#define CW_CIRCUIT_BREAKER_NAME "circuit_breaker"

struct _CwCircuitBreakerGate {
	GObject parent_instance;
	guint max_errors;
	gint64 cooldown_ms;
	/* state */
	guint errors;         /* consecutive */
	gint64 tripped_until; /* ms; 0 = closed */
	gint64 last_now;
};

G_DECLARE_FINAL_TYPE(CwCircuitBreakerGate, cw_circuit_breaker_gate, CW, CIRCUIT_BREAKER_GATE,
		     GObject)

static void cw_circuit_breaker_gate_guard_init(CwGuardInterface *iface);

G_DEFINE_TYPE_WITH_CODE(CwCircuitBreakerGate, cw_circuit_breaker_gate, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(CW_TYPE_GUARD, cw_circuit_breaker_gate_guard_init))

static const char *const cw_circuit_breaker_keys[] = {"max_errors", "cooldown_seconds", NULL};

static const char *
cw_circuit_breaker_gate_get_name(CwGuard *guard)
{
	return CW_CIRCUIT_BREAKER_NAME;
}

static gboolean
cw_circuit_breaker_gate_configure(CwGuard *guard, const CwBotConfig *config, gboolean *active,
				  GError **error)
{
	CwCircuitBreakerGate *self = (CwCircuitBreakerGate *) guard;
	const char *path = "guardrails.circuit_breaker";
	JsonObject *section, *obj = NULL;
	guint cooldown_s = 0;

	if (!cw_guardrails_get_section(config, &section, error))
		return FALSE;
	*active = FALSE;
	if (section == NULL)
		return TRUE;
	if (!cw_config_read_object(section, "guardrails", "circuit_breaker", &obj, error))
		return FALSE;
	if (obj == NULL)
		return TRUE;
	if (!cw_config_check_keys(obj, path, cw_circuit_breaker_keys, error) ||
	    !cw_config_read_uint(obj, path, "max_errors", 5, 1, 1000000, &self->max_errors,
				 error) ||
	    !cw_config_read_uint(obj, path, "cooldown_seconds", 300, 1, 7 * 24 * 3600, &cooldown_s,
				 error))
		return FALSE;
	self->cooldown_ms = (gint64) cooldown_s * 1000;
	*active = TRUE;
	return TRUE;
}

static gboolean
cw_circuit_breaker_gate_is_open(CwCircuitBreakerGate *self, gint64 now)
{
	return self->tripped_until != 0 && now < self->tripped_until;
}

static CwGuardVerdict
cw_circuit_breaker_gate_check(CwGuard *guard, const CwGuardContext *ctx, CwOrder *order,
			      char *reason, gsize reason_len)
{
	CwCircuitBreakerGate *self = (CwCircuitBreakerGate *) guard;
	char cause[CW_REASON_LEN];

	self->last_now = ctx->now;
	if (!cw_circuit_breaker_gate_is_open(self, ctx->now))
		return CW_GUARD_ALLOW;
	g_snprintf(cause, sizeof cause,
		   "circuit breaker open: %u broker errors in a row, %" G_GINT64_FORMAT
		   " s of the %" G_GINT64_FORMAT " s cool-down left",
		   self->errors, (self->tripped_until - ctx->now + 999) / 1000,
		   self->cooldown_ms / 1000);
	return cw_gate_check_mode(CW_BOT_MODE_HALTED, ctx, order, cause, reason, reason_len);
}

static void
cw_circuit_breaker_gate_on_order_error(CwGuard *guard, const CwGuardContext *ctx,
				       const CwOrder *order, const GError *error)
{
	CwCircuitBreakerGate *self = (CwCircuitBreakerGate *) guard;

	self->last_now = ctx->now;
	self->errors++;
	if (self->errors >= self->max_errors)
		self->tripped_until = ctx->now + self->cooldown_ms;
}

static void
cw_circuit_breaker_gate_on_fill(CwGuard *guard, const CwGuardContext *ctx, const CwFill *fill)
{
	CwCircuitBreakerGate *self = (CwCircuitBreakerGate *) guard;

	self->last_now = ctx->now;
	if (cw_circuit_breaker_gate_is_open(self, ctx->now))
		return;
	self->errors = 0;
	self->tripped_until = 0;
}

static void
cw_circuit_breaker_gate_on_candle(CwGuard *guard, const CwGuardContext *ctx, const CwCandle *candle)
{
	((CwCircuitBreakerGate *) guard)->last_now = ctx->now;
}

static CwBotMode
cw_circuit_breaker_gate_get_mode(CwGuard *guard)
{
	CwCircuitBreakerGate *self = (CwCircuitBreakerGate *) guard;

	return cw_circuit_breaker_gate_is_open(self, self->last_now) ? CW_BOT_MODE_HALTED
								     : CW_BOT_MODE_ACTIVE;
}

static char *
cw_circuit_breaker_gate_save_state(CwGuard *guard)
{
	CwCircuitBreakerGate *self = (CwCircuitBreakerGate *) guard;
	JsonBuilder *b =
	    cw_guard_state_begin(CW_CIRCUIT_BREAKER_NAME, cw_circuit_breaker_gate_get_mode(guard));

	json_builder_set_member_name(b, "errors");
	json_builder_add_int_value(b, self->errors);
	json_builder_set_member_name(b, "tripped_until");
	json_builder_add_int_value(b, self->tripped_until);
	json_builder_set_member_name(b, "last_now");
	json_builder_add_int_value(b, self->last_now);
	return cw_guard_state_end(b);
}

static gboolean
cw_circuit_breaker_gate_load_state(CwGuard *guard, const char *json, GError **error)
{
	CwCircuitBreakerGate *self = (CwCircuitBreakerGate *) guard;
	g_autoptr(JsonObject) state = NULL;
	CwBotMode mode;
	gint64 errors, tripped_until, last_now;

	state = cw_guard_state_parse(json, CW_CIRCUIT_BREAKER_NAME, &mode, error);
	if (state == NULL ||
	    !cw_guard_state_get_int(state, CW_CIRCUIT_BREAKER_NAME, "errors", 0, G_MAXUINT, &errors,
				    error) ||
	    !cw_guard_state_get_int(state, CW_CIRCUIT_BREAKER_NAME, "tripped_until", 0, G_MAXINT64,
				    &tripped_until, error) ||
	    !cw_guard_state_get_int(state, CW_CIRCUIT_BREAKER_NAME, "last_now", G_MININT64,
				    G_MAXINT64, &last_now, error))
		return FALSE;
	self->errors = (guint) errors;
	self->tripped_until = tripped_until;
	self->last_now = last_now;
	return TRUE;
}

static void
cw_circuit_breaker_gate_guard_init(CwGuardInterface *iface)
{
	iface->get_name = cw_circuit_breaker_gate_get_name;
	iface->configure = cw_circuit_breaker_gate_configure;
	iface->check = cw_circuit_breaker_gate_check;
	iface->on_fill = cw_circuit_breaker_gate_on_fill;
	iface->on_candle = cw_circuit_breaker_gate_on_candle;
	iface->on_order_error = cw_circuit_breaker_gate_on_order_error;
	iface->get_mode = cw_circuit_breaker_gate_get_mode;
	iface->save_state = cw_circuit_breaker_gate_save_state;
	iface->load_state = cw_circuit_breaker_gate_load_state;
}

static void
cw_circuit_breaker_gate_class_init(CwCircuitBreakerGateClass *klass)
{
}

static void
cw_circuit_breaker_gate_init(CwCircuitBreakerGate *self)
{
}
