/* instrument: active whenever the bot config has instrument rules, and runs
 * last. Floors the quantity to lot_step and rounds limit and stop prices to
 * tick_size (MODIFY), then rejects an order below min_qty or min_notional.
 * The rules come from ctx->instrument when the execution layer supplies
 * them (they may be fresher), else from the bot config. */
#include "cw-guardrails-private.h"

#include <math.h>

struct _CwInstrumentGate {
	GObject parent_instance;
	CwInstrument rules;
};

G_DECLARE_FINAL_TYPE(CwInstrumentGate, cw_instrument_gate, CW, INSTRUMENT_GATE, GObject)

static void cw_instrument_gate_guard_init(CwGuardInterface *iface);

G_DEFINE_TYPE_WITH_CODE(CwInstrumentGate, cw_instrument_gate, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(CW_TYPE_GUARD, cw_instrument_gate_guard_init))

static const char *
cw_instrument_gate_get_name(CwGuard *guard)
{
	return "instrument";
}

static gboolean
cw_instrument_gate_configure(CwGuard *guard, const CwBotConfig *config, gboolean *active,
			     GError **error)
{
	CwInstrumentGate *self = (CwInstrumentGate *) guard;
	JsonObject *section;

	if (!cw_guardrails_get_section(config, &section, error))
		return FALSE;
	*active = FALSE;
	if (config == NULL)
		return TRUE;
	self->rules = config->instrument;
	*active = self->rules.tick_size > 0 || self->rules.lot_step > 0 ||
		  self->rules.min_qty > 0 || self->rules.min_notional > 0;
	return TRUE;
}

/* Equal up to binary rounding. */
static gboolean
cw_instrument_gate_same(double a, double b)
{
	return fabs(a - b) <= fabs(b) * 1e-12;
}

static CwGuardVerdict
cw_instrument_gate_check(CwGuard *guard, const CwGuardContext *ctx, CwOrder *order, char *reason,
			 gsize reason_len)
{
	CwInstrumentGate *self = (CwInstrumentGate *) guard;
	const CwInstrument *rules = ctx->instrument != NULL ? ctx->instrument : &self->rules;
	const char *symbol = order->symbol != 0 ? g_quark_to_string(order->symbol) : "?";
	double qty = cw_instrument_floor_qty(rules, order->qty);
	double price = order->price > 0 ? cw_instrument_round_price(rules, order->price) : 0;
	double stop =
	    order->stop_price > 0 ? cw_instrument_round_price(rules, order->stop_price) : 0;
	double notional;
	gboolean changed;

	if (qty <= 0)
		return cw_gate_reject(reason, reason_len,
				      "instrument: qty %.10g is below one lot step %.10g of %s",
				      order->qty, rules->lot_step, symbol);
	if (rules->min_qty > 0 && qty < rules->min_qty * (1 - 1e-9))
		return cw_gate_reject(reason, reason_len,
				      "instrument: qty %.10g is below the minimum %.10g of %s", qty,
				      rules->min_qty, symbol);
	notional = qty * (price > 0 ? price : stop > 0 ? stop : ctx->mark_price);
	if (rules->min_notional > 0 && notional < rules->min_notional * (1 - 1e-9))
		return cw_gate_reject(
		    reason, reason_len,
		    "instrument: order value %.10g is below the minimum %.10g of %s", notional,
		    rules->min_notional, symbol);
	changed = !cw_instrument_gate_same(qty, order->qty) ||
		  !cw_instrument_gate_same(price, order->price) ||
		  !cw_instrument_gate_same(stop, order->stop_price);
	if (!changed)
		return CW_GUARD_ALLOW;
	cw_gate_note(
	    reason, reason_len,
	    "instrument: quantized qty %.10g -> %.10g, price %.10g -> %.10g, stop %.10g -> "
	    "%.10g",
	    order->qty, qty, order->price, price, order->stop_price, stop);
	order->qty = qty;
	order->price = price;
	order->stop_price = stop;
	return CW_GUARD_MODIFY;
}

static void
cw_instrument_gate_guard_init(CwGuardInterface *iface)
{
	iface->get_name = cw_instrument_gate_get_name;
	iface->configure = cw_instrument_gate_configure;
	iface->check = cw_instrument_gate_check;
}

static void
cw_instrument_gate_class_init(CwInstrumentGateClass *klass)
{
}

static void
cw_instrument_gate_init(CwInstrumentGate *self)
{
}
