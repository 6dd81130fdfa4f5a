/* rate_limit {orders_per_minute}: at most that many orders in any sliding
 * 60 s window of ctx->now. Every order that passes this gate is counted
 * (exits too: exchanges count them), in a ring buffer sized at configure
 * time. The gate runs after the risk gates, so orders they reject are not
 * counted. */
#include "cw-guardrails-private.h"

#define CW_RATE_LIMIT_WINDOW_MS G_GINT64_CONSTANT(60000)
#define CW_RATE_LIMIT_MAX       10000

struct _CwRateLimitGate {
	GObject parent_instance;
	guint limit;
	gint64 *times; /* ring of the last limit order times, oldest at head */
	guint head;
	guint count;
};

G_DECLARE_FINAL_TYPE(CwRateLimitGate, cw_rate_limit_gate, CW, RATE_LIMIT_GATE, GObject)

static void cw_rate_limit_gate_guard_init(CwGuardInterface *iface);

G_DEFINE_TYPE_WITH_CODE(CwRateLimitGate, cw_rate_limit_gate, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(CW_TYPE_GUARD, cw_rate_limit_gate_guard_init))

static const char *const cw_rate_limit_keys[] = {"orders_per_minute", NULL};

static const char *
cw_rate_limit_gate_get_name(CwGuard *guard)
{
	return "rate_limit";
}

static gboolean
cw_rate_limit_gate_configure(CwGuard *guard, const CwBotConfig *config, gboolean *active,
			     GError **error)
{
	CwRateLimitGate *self = (CwRateLimitGate *) guard;
	const char *path = "guardrails.rate_limit";
	JsonObject *section, *obj = NULL;

	if (!cw_guardrails_get_section(config, &section, error))
		return FALSE;
	*active = FALSE;
	if (section == NULL)
		return TRUE;
	if (!cw_config_read_object(section, "guardrails", "rate_limit", &obj, error))
		return FALSE;
	if (obj == NULL)
		return TRUE;
	if (!cw_config_check_keys(obj, path, cw_rate_limit_keys, error))
		return FALSE;
	if (!json_object_has_member(obj, "orders_per_minute"))
		return cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, path, "orders_per_minute",
					  "required");
	if (!cw_config_read_uint(obj, path, "orders_per_minute", 1, 1, CW_RATE_LIMIT_MAX,
				 &self->limit, error))
		return FALSE;
	g_free(self->times);
	self->times = g_new0(gint64, self->limit);
	self->head = 0;
	self->count = 0;
	*active = TRUE;
	return TRUE;
}

static CwGuardVerdict
cw_rate_limit_gate_check(CwGuard *guard, const CwGuardContext *ctx, CwOrder *order, char *reason,
			 gsize reason_len)
{
	CwRateLimitGate *self = (CwRateLimitGate *) guard;

	/* forget orders that left the window (now - 60 s, now] */
	while (self->count > 0 && self->times[self->head] <= ctx->now - CW_RATE_LIMIT_WINDOW_MS) {
		self->head = (self->head + 1) % self->limit;
		self->count--;
	}
	if (self->count >= self->limit)
		return cw_gate_reject(reason, reason_len,
				      "rate limit: %u orders in the last 60 s, max %u per minute",
				      self->count, self->limit);
	self->times[(self->head + self->count) % self->limit] = ctx->now;
	self->count++;
	return CW_GUARD_ALLOW;
}

static void
cw_rate_limit_gate_guard_init(CwGuardInterface *iface)
{
	iface->get_name = cw_rate_limit_gate_get_name;
	iface->configure = cw_rate_limit_gate_configure;
	iface->check = cw_rate_limit_gate_check;
}

static void
cw_rate_limit_gate_finalize(GObject *object)
{
	CwRateLimitGate *self = CW_RATE_LIMIT_GATE(object);

	g_free(self->times);
	G_OBJECT_CLASS(cw_rate_limit_gate_parent_class)->finalize(object);
}

static void
cw_rate_limit_gate_class_init(CwRateLimitGateClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_rate_limit_gate_finalize;
}

static void
cw_rate_limit_gate_init(CwRateLimitGate *self)
{
}
