/* max_exposure_pct (number > 0, and the service setting
 * guardrails.max_exposure_pct; the smaller applies): the sum of |position
 * notional| of every bot in the process over the sum of their equity, in
 * percent, may not exceed it after the order. Always active: it is also the
 * gate that keeps this bot's row of the CwServiceContext exposure table up
 * to date, which the other bots read: at every fill, and at every candle
 * while some bot (or the service) has an exposure limit. Orders that only
 * reduce a position pass. */
#include "cw-guardrails-private.h"

#include <math.h>

struct _CwMaxExposureGate {
	GObject parent_instance;
	CwServiceContext *service;
	double max_pct;        /* 0 = only the service setting */
	CwStrategyId bot;      /* the row this gate writes, 0 before the first update */
	CwExposureSlot *slot;  /* that row, written lock-free when it changes */
	CwBotExposure written; /* what was written last, valid while slot != NULL */
	gboolean holds_reader; /* our own limit: the others' rows must be current */
	/* the service setting, read again when the settings serial moves */
	double service_pct;
	guint service_serial;
	gboolean has_service_pct;
};

G_DECLARE_FINAL_TYPE(CwMaxExposureGate, cw_max_exposure_gate, CW, MAX_EXPOSURE_GATE, GObject)

static void cw_max_exposure_gate_guard_init(CwGuardInterface *iface);

G_DEFINE_TYPE_WITH_CODE(CwMaxExposureGate, cw_max_exposure_gate, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(CW_TYPE_GUARD, cw_max_exposure_gate_guard_init))

static const char *
cw_max_exposure_gate_get_name(CwGuard *guard)
{
	return "max_exposure_pct";
}

static gboolean
cw_max_exposure_gate_configure(CwGuard *guard, const CwBotConfig *config, gboolean *active,
			       GError **error)
{
	CwMaxExposureGate *self = (CwMaxExposureGate *) guard;
	JsonObject *section;

	if (!cw_guardrails_get_section(config, &section, error))
		return FALSE;
	*active = TRUE;
	if (section != NULL &&
	    !cw_config_read_double_range(section, "guardrails", "max_exposure_pct", 0, 0, INFINITY,
					 CW_CONFIG_RANGE_MIN_EXCLUSIVE, &self->max_pct, error))
		return FALSE;
	if (self->max_pct > 0 && !self->holds_reader) {
		cw_service_context_hold_exposure_reader(self->service);
		self->holds_reader = TRUE;
	}
	return TRUE;
}

/* The service setting, read again when the settings serial moved: rare,
 * kept out of the per-candle path. */
static G_GNUC_NO_INLINE void
cw_max_exposure_gate_read_setting(CwMaxExposureGate *self, guint serial)
{
	/* the serial is read first: a change after it moves it again */
	self->service_pct =
	    cw_service_context_get_double(self->service, CW_SETTING_MAX_EXPOSURE_PCT, 0);
	self->service_serial = serial;
	self->has_service_pct = TRUE;
}

static inline double
cw_max_exposure_gate_limit(CwMaxExposureGate *self)
{
	guint serial = cw_service_context_get_settings_serial(self->service);
	double service;

	if (G_UNLIKELY(!self->has_service_pct || serial != self->service_serial))
		cw_max_exposure_gate_read_setting(self, serial);
	service = self->service_pct;

	if (service <= 0)
		return self->max_pct;
	if (self->max_pct <= 0)
		return service;
	return MIN(service, self->max_pct);
}

/* Whether some bot reads the table's notional: this one under its own or
 * the service's limit, or another under its own. */
static inline gboolean
cw_max_exposure_gate_is_read(CwMaxExposureGate *self)
{
	return cw_max_exposure_gate_limit(self) > 0 ||
	       cw_service_context_get_n_exposure_readers(self->service) > 0;
}

/* at_fill: a fill changed the position; otherwise a candle moved the mark */
static void
cw_max_exposure_gate_update(CwMaxExposureGate *self, const CwGuardContext *ctx, gboolean at_fill)
{
	CwBotExposure row;

	if (ctx->strategy_id == 0)
		return;
	/* The mark moves a held position's notional at every candle, but only
	 * a limit across bots reads it. Without one the row follows the fills
	 * only (the positions, which max_positions_total counts). */
	if (!at_fill && self->bot == ctx->strategy_id && self->slot != NULL &&
	    !cw_max_exposure_gate_is_read(self))
		return;
	row.notional = fabs(ctx->position_qty) * ctx->mark_price;
	row.equity = ctx->equity;
	row.open_positions = ctx->open_positions;
	row.updated_at = ctx->now;
	if (self->bot != 0 && self->bot != ctx->strategy_id) {
		cw_service_context_remove_exposure(self->service, self->bot);
		cw_service_context_release_exposure(self->service, &self->slot);
	}
	/* A flat bot's row does not move from candle to candle: it is written
	 * again only when a figure changes (updated_at is the time of that
	 * change), which spares the sequence lock's atomic operations. */
	if (self->slot != NULL && self->bot == ctx->strategy_id &&
	    row.notional == self->written.notional && row.equity == self->written.equity &&
	    row.open_positions == self->written.open_positions &&
	    cw_service_context_exposure_slot_is_current(self->slot, self->bot))
		return;
	self->bot = ctx->strategy_id;
	cw_service_context_write_exposure(self->service, &self->slot, self->bot, &row);
	self->written = row;
}

/* The exposure of the whole process counts only under a limit. */
static gboolean
cw_max_exposure_gate_reads_other_bots(CwGuard *guard)
{
	return cw_max_exposure_gate_limit((CwMaxExposureGate *) guard) > 0;
}

static CwGuardVerdict
cw_max_exposure_gate_check(CwGuard *guard, const CwGuardContext *ctx, CwOrder *order, char *reason,
			   gsize reason_len)
{
	CwMaxExposureGate *self = (CwMaxExposureGate *) guard; /* our vtable */
	CwBotExposure others;
	double limit, notional, equity, pct;
	guint n_bots;

	if (cw_gate_is_exit(ctx, order))
		return CW_GUARD_ALLOW;
	limit = cw_max_exposure_gate_limit(self);
	if (limit <= 0)
		return CW_GUARD_ALLOW;
	n_bots = cw_service_context_sum_exposure(self->service, ctx->strategy_id, &others) + 1;
	notional = others.notional +
		   fabs(cw_gate_position_after(ctx, order)) * cw_gate_order_price(ctx, order);
	equity = others.equity + ctx->equity;
	if (equity <= 0)
		return cw_gate_reject(reason, reason_len,
				      "exposure limit: equity is %.2f (%u bot%s)", equity, n_bots,
				      n_bots == 1 ? "" : "s");
	pct = notional / equity * 100.0;
	if (!cw_gate_exceeds(pct, limit))
		return CW_GUARD_ALLOW;
	return cw_gate_reject(reason, reason_len,
			      "exposure limit exceeded: %.2f%% > %.2f%% (%.2f of %.2f equity, %u "
			      "bot%s)",
			      pct, limit, notional, equity, n_bots, n_bots == 1 ? "" : "s");
}

static void
cw_max_exposure_gate_on_fill(CwGuard *guard, const CwGuardContext *ctx, const CwFill *fill)
{
	cw_max_exposure_gate_update((CwMaxExposureGate *) guard, ctx, TRUE); /* our vtable */
}

static void
cw_max_exposure_gate_on_candle(CwGuard *guard, const CwGuardContext *ctx, const CwCandle *candle)
{
	cw_max_exposure_gate_update((CwMaxExposureGate *) guard, ctx, FALSE); /* our vtable */
}

/* restored from a snapshot: the row other bots count, at once */
static void
cw_max_exposure_gate_on_restore(CwGuard *guard, const CwGuardContext *ctx)
{
	cw_max_exposure_gate_update((CwMaxExposureGate *) guard, ctx, TRUE); /* our vtable */
}

static void
cw_max_exposure_gate_guard_init(CwGuardInterface *iface)
{
	iface->on_restore = cw_max_exposure_gate_on_restore;
	iface->get_name = cw_max_exposure_gate_get_name;
	iface->configure = cw_max_exposure_gate_configure;
	iface->check = cw_max_exposure_gate_check;
	iface->reads_other_bots = cw_max_exposure_gate_reads_other_bots;
	iface->on_fill = cw_max_exposure_gate_on_fill;
	iface->on_candle = cw_max_exposure_gate_on_candle;
}

static void
cw_max_exposure_gate_dispose(GObject *object)
{
	CwMaxExposureGate *self = CW_MAX_EXPOSURE_GATE(object);

	/* a stopped bot holds nothing any more */
	if (self->bot != 0) {
		cw_service_context_remove_exposure(self->service, self->bot);
		self->bot = 0;
	}
	cw_service_context_release_exposure(self->service, &self->slot);
	if (self->holds_reader) {
		cw_service_context_release_exposure_reader(self->service);
		self->holds_reader = FALSE;
	}
	G_OBJECT_CLASS(cw_max_exposure_gate_parent_class)->dispose(object);
}

static void
cw_max_exposure_gate_finalize(GObject *object)
{
	CwMaxExposureGate *self = CW_MAX_EXPOSURE_GATE(object);

	g_object_unref(self->service);
	G_OBJECT_CLASS(cw_max_exposure_gate_parent_class)->finalize(object);
}

static void
cw_max_exposure_gate_class_init(CwMaxExposureGateClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = cw_max_exposure_gate_dispose;
	object_class->finalize = cw_max_exposure_gate_finalize;
}

static void
cw_max_exposure_gate_init(CwMaxExposureGate *self)
{
	self->service = g_object_ref(cw_service_context_get_default());
}
