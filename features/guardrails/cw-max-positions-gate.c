/* max_positions (uint): an order that would open a new position is rejected
 * while the bot already holds that many. max_positions_total (uint, and the
 * service setting guardrails.max_positions_total; the smaller applies) does
 * the same across every bot of the process, counted from the exposure table
 * of CwServiceContext. Always active, because the service setting may be
 * set without any bot key. Adding to or reducing a position always passes. */
#include "cw-guardrails-private.h"

#include <math.h>

struct _CwMaxPositionsGate {
	GObject parent_instance;
	CwServiceContext *service;
	guint max_positions;       /* 0 = no per-bot limit */
	guint max_positions_total; /* 0 = only the service setting */
	/* the service setting, read again when the settings serial moves */
	guint service_total;
	guint service_serial;
	gboolean has_service_total;
};

G_DECLARE_FINAL_TYPE(CwMaxPositionsGate, cw_max_positions_gate, CW, MAX_POSITIONS_GATE, GObject)

static void cw_max_positions_gate_guard_init(CwGuardInterface *iface);

G_DEFINE_TYPE_WITH_CODE(CwMaxPositionsGate, cw_max_positions_gate, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(CW_TYPE_GUARD, cw_max_positions_gate_guard_init))

static const char *
cw_max_positions_gate_get_name(CwGuard *guard)
{
	return "max_positions";
}

static gboolean
cw_max_positions_gate_configure(CwGuard *guard, const CwBotConfig *config, gboolean *active,
				GError **error)
{
	CwMaxPositionsGate *self = (CwMaxPositionsGate *) guard;
	JsonObject *section;

	if (!cw_guardrails_get_section(config, &section, error))
		return FALSE;
	*active = TRUE;
	if (section == NULL)
		return TRUE;
	return cw_config_read_uint(section, "guardrails", "max_positions", 0, 1, G_MAXUINT,
				   &self->max_positions, error) &&
	       cw_config_read_uint(section, "guardrails", "max_positions_total", 0, 1, G_MAXUINT,
				   &self->max_positions_total, error);
}

static guint
cw_max_positions_gate_total_limit(CwMaxPositionsGate *self)
{
	guint serial = cw_service_context_get_settings_serial(self->service);
	guint service;

	if (!self->has_service_total || serial != self->service_serial) {
		/* the serial is read first: a change after it moves it again */
		self->service_total =
		    cw_service_context_get_uint(self->service, CW_SETTING_MAX_POSITIONS_TOTAL, 0);
		self->service_serial = serial;
		self->has_service_total = TRUE;
	}
	service = self->service_total;

	if (service == 0)
		return self->max_positions_total;
	if (self->max_positions_total == 0)
		return service;
	return MIN(service, self->max_positions_total);
}

/* Other bots' positions count only under a limit across bots. */
static gboolean
cw_max_positions_gate_reads_other_bots(CwGuard *guard)
{
	return cw_max_positions_gate_total_limit((CwMaxPositionsGate *) guard) > 0;
}

static CwGuardVerdict
cw_max_positions_gate_check(CwGuard *guard, const CwGuardContext *ctx, CwOrder *order, char *reason,
			    gsize reason_len)
{
	CwMaxPositionsGate *self = (CwMaxPositionsGate *) guard; /* our vtable */
	CwBotExposure others;
	guint total_limit, n_bots, open_total;

	if (cw_gate_is_exit(ctx, order) || ctx->position_qty != 0)
		return CW_GUARD_ALLOW; /* does not open a new position */
	if (self->max_positions > 0 && ctx->open_positions >= self->max_positions)
		return cw_gate_reject(reason, reason_len,
				      "max positions: %u open, max_positions %u",
				      ctx->open_positions, self->max_positions);
	total_limit = cw_max_positions_gate_total_limit(self);
	if (total_limit == 0)
		return CW_GUARD_ALLOW;
	n_bots = cw_service_context_sum_exposure(self->service, ctx->strategy_id, &others) + 1;
	open_total = others.open_positions + ctx->open_positions;
	if (open_total < total_limit)
		return CW_GUARD_ALLOW;
	return cw_gate_reject(reason, reason_len,
			      "max positions total: %u open (%u bot%s), max_positions_total %u",
			      open_total, n_bots, n_bots == 1 ? "" : "s", total_limit);
}

static void
cw_max_positions_gate_guard_init(CwGuardInterface *iface)
{
	iface->get_name = cw_max_positions_gate_get_name;
	iface->configure = cw_max_positions_gate_configure;
	iface->check = cw_max_positions_gate_check;
	iface->reads_other_bots = cw_max_positions_gate_reads_other_bots;
}

static void
cw_max_positions_gate_finalize(GObject *object)
{
	CwMaxPositionsGate *self = CW_MAX_POSITIONS_GATE(object);

	g_object_unref(self->service);
	G_OBJECT_CLASS(cw_max_positions_gate_parent_class)->finalize(object);
}

static void
cw_max_positions_gate_class_init(CwMaxPositionsGateClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_max_positions_gate_finalize;
}

static void
cw_max_positions_gate_init(CwMaxPositionsGate *self)
{
	self->service = g_object_ref(cw_service_context_get_default());
}
