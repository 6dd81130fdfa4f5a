#include "cw-execution.h"

void
cw_exit_machine_init(CwExitMachine *self, const CwExitSpec *spec, const CwInstrument *instrument)
{
	memset(self, 0, sizeof(*self));
	if (spec != NULL)
		self->spec = *spec;
	if (instrument != NULL)
		self->instrument = *instrument;
	self->state = CW_EXIT_STATE_CLOSED;
}

static double
cw_exit_distance(const CwStopSpec *stop, double ref_price, double atr)
{
	switch (stop->kind) {
	case CW_STOP_PERCENT:
		return stop->value > 0 ? ref_price * stop->value / 100.0 : 0;
	case CW_STOP_ATR:
		return stop->value > 0 && atr > 0 ? stop->value * atr : 0;
	case CW_STOP_NONE:
	default:
		return 0;
	}
}

double
cw_exit_spec_stop_distance(const CwExitSpec *spec, double ref_price, double atr)
{
	return cw_exit_distance(&spec->stop_loss, ref_price, atr);
}

static double
cw_exit_machine_round(const CwExitMachine *self, double price)
{
	return cw_instrument_round_price(&self->instrument, price);
}

/* TRUE when candidate is a better (tighter) stop than the current one. */
static gboolean
cw_exit_machine_improves(const CwExitMachine *self, double candidate)
{
	if (candidate <= 0)
		return FALSE;
	if (self->stop_price <= 0)
		return TRUE;
	return self->direction == CW_DIRECTION_LONG ? candidate > self->stop_price
						    : candidate < self->stop_price;
}

/* The take profit levels of qty: prices from the entry price and the
 * initial stop distance, quantities from the close fractions. */
static void
cw_exit_machine_split(CwExitMachine *self, double qty)
{
	const CwExitSpec *spec = &self->spec;
	double dir = (double) self->direction;
	double entry_price = self->entry_price;
	double fraction_sum = 0, allotted = 0;
	guint n = 0;

	for (guint i = 0; i < MIN(spec->n_take_profits, CW_MAX_TAKE_PROFITS); i++)
		fraction_sum += spec->take_profits[i].close_fraction;
	for (guint i = 0; i < MIN(spec->n_take_profits, CW_MAX_TAKE_PROFITS); i++) {
		const CwTakeProfitSpec *tp = &spec->take_profits[i];
		gboolean last = i + 1 == MIN(spec->n_take_profits, CW_MAX_TAKE_PROFITS);
		double price = 0, tp_qty;

		if (tp->percent > 0)
			price = entry_price * (1.0 + dir * tp->percent / 100.0);
		else if (tp->r > 0 && self->initial_stop_distance > 0)
			price = entry_price + dir * tp->r * self->initial_stop_distance;
		if (price <= 0)
			continue;
		if (last && fraction_sum >= 1.0 - 1e-9)
			tp_qty = qty - allotted;
		else
			tp_qty =
			    cw_instrument_floor_qty(&self->instrument, tp->close_fraction * qty);
		tp_qty = MIN(tp_qty, qty - allotted);
		if (tp_qty <= 1e-12)
			continue;
		allotted += tp_qty;
		self->tp_price[n] = cw_exit_machine_round(self, price);
		self->tp_qty[n] = tp_qty;
		self->tp_filled[n] = FALSE;
		n++;
	}
	self->n_take_profits = n;
	for (guint i = n; i < CW_MAX_TAKE_PROFITS; i++) {
		self->tp_price[i] = 0;
		self->tp_qty[i] = 0;
		self->tp_filled[i] = FALSE;
	}
}

void
cw_exit_machine_open(CwExitMachine *self, CwDirection direction, double entry_price, double qty,
		     double atr)
{
	const CwExitSpec *spec = &self->spec;
	double dir = (double) direction;
	guint n;

	self->state = CW_EXIT_STATE_OPEN;
	self->direction = direction;
	self->entry_price = entry_price;
	self->initial_qty = qty;
	self->entry_atr = atr;
	self->last_atr = atr;
	self->trailing_active = FALSE;
	self->best_close = entry_price;
	self->candles_in_position = 0;
	self->n_tp_filled = 0;
	self->initial_stop_distance = cw_exit_distance(&spec->stop_loss, entry_price, atr);
	self->stop_price = 0;
	if (self->initial_stop_distance > 0) {
		double stop = entry_price - dir * self->initial_stop_distance;
		self->stop_price = stop > 0 ? cw_exit_machine_round(self, stop) : 0;
	}

	cw_exit_machine_split(self, qty);
	n = self->n_take_profits;

	/* without take profits the trailing stop runs from the start */
	if (n == 0 && spec->trailing.kind != CW_STOP_NONE) {
		double d = cw_exit_distance(&spec->trailing, entry_price, atr);
		self->trailing_active = TRUE;
		if (d > 0 && cw_exit_machine_improves(self, entry_price - dir * d))
			self->stop_price = cw_exit_machine_round(self, entry_price - dir * d);
	}
}

static CwStopChange
cw_exit_machine_trail(CwExitMachine *self, double price, CwStopChange change)
{
	double atr = self->last_atr > 0 ? self->last_atr : self->entry_atr;
	double d, candidate;

	if (self->direction == CW_DIRECTION_LONG)
		self->best_close = MAX(self->best_close, price);
	else
		self->best_close = MIN(self->best_close, price);
	d = cw_exit_distance(&self->spec.trailing, self->best_close, atr);
	if (d <= 0)
		return CW_STOP_CHANGE_NONE;
	candidate = cw_exit_machine_round(self, self->best_close - (double) self->direction * d);
	if (!cw_exit_machine_improves(self, candidate))
		return CW_STOP_CHANGE_NONE;
	self->stop_price = candidate;
	return change;
}

CwStopChange
cw_exit_machine_on_take_profit(CwExitMachine *self, guint level, double fill_price)
{
	CwStopChange change = CW_STOP_CHANGE_NONE;
	guint trail_after;

	if (self->state == CW_EXIT_STATE_CLOSED || level >= self->n_take_profits ||
	    self->tp_filled[level])
		return CW_STOP_CHANGE_NONE;
	self->tp_filled[level] = TRUE;
	self->n_tp_filled++;
	self->state = (CwExitState) MIN(self->n_tp_filled, (guint) CW_EXIT_STATE_TP3);

	if (self->n_tp_filled == 1 && self->spec.breakeven_at_tp1) {
		double be = self->entry_price * (1.0 + (double) self->direction *
							   self->spec.breakeven_offset_pct / 100.0);
		be = cw_exit_machine_round(self, be);
		if (cw_exit_machine_improves(self, be)) {
			self->stop_price = be;
			change = CW_STOP_CHANGE_BREAKEVEN;
		}
	}

	trail_after = self->n_take_profits >= 2 ? 2 : 1;
	if (!self->trailing_active && self->spec.trailing.kind != CW_STOP_NONE &&
	    self->n_tp_filled >= trail_after) {
		CwStopChange t;

		self->trailing_active = TRUE;
		self->best_close = fill_price;
		t = cw_exit_machine_trail(self, fill_price, CW_STOP_CHANGE_TRAILING_START);
		if (t != CW_STOP_CHANGE_NONE || change == CW_STOP_CHANGE_NONE)
			change = CW_STOP_CHANGE_TRAILING_START;
		/* activation is reported even when the stop stays, so the
		 * stop order's purpose becomes TRAILING_STOP */
	}
	return change;
}

CwStopChange
cw_exit_machine_on_candle(CwExitMachine *self, const CwCandle *candle, double atr)
{
	if (self->state == CW_EXIT_STATE_CLOSED)
		return CW_STOP_CHANGE_NONE;
	self->candles_in_position++;
	if (atr > 0)
		self->last_atr = atr;
	if (!self->trailing_active)
		return CW_STOP_CHANGE_NONE;
	return cw_exit_machine_trail(self, candle->close, CW_STOP_CHANGE_TRAILING);
}

gboolean
cw_exit_machine_time_exit_due(const CwExitMachine *self)
{
	return self->state != CW_EXIT_STATE_CLOSED && self->spec.time_exit_candles > 0 &&
	       self->candles_in_position >= self->spec.time_exit_candles;
}

gboolean
cw_exit_machine_wants_signal_exit(const CwExitMachine *self, const CwStrategyOutput *output)
{
	if (self->state == CW_EXIT_STATE_CLOSED || self->direction == CW_DIRECTION_NONE)
		return FALSE;
	if (output->exit_signal != CW_DIRECTION_NONE && output->exit_signal == self->direction)
		return TRUE;
	return self->spec.exit_on_opposite_signal &&
	       output->signal.direction == (CwDirection) (-(int) self->direction);
}

void
cw_exit_machine_close(CwExitMachine *self)
{
	self->state = CW_EXIT_STATE_CLOSED;
	self->trailing_active = FALSE;
}

/**
 * cw_exit_machine_resize:
 * @self: an open plan
 * @qty: the position's quantity now (an entry that filled in parts)
 *
 * Splits the take profits again over @qty, as long as none has filled.
 * Returns: TRUE when a take profit quantity changed.
 */
gboolean
cw_exit_machine_resize(CwExitMachine *self, double qty)
{
	double before[CW_MAX_TAKE_PROFITS];
	gboolean changed = FALSE;

	if (self->state == CW_EXIT_STATE_CLOSED || self->n_tp_filled > 0 || !(qty > 0))
		return FALSE;
	memcpy(before, self->tp_qty, sizeof(before));
	self->initial_qty = qty;
	cw_exit_machine_split(self, qty);
	for (guint i = 0; i < CW_MAX_TAKE_PROFITS; i++)
		changed |= before[i] != self->tp_qty[i];
	return changed;
}

gboolean
cw_exit_machine_is_open(const CwExitMachine *self)
{
	return self->state != CW_EXIT_STATE_CLOSED;
}

CwOrderPurpose
cw_exit_machine_get_stop_purpose(const CwExitMachine *self)
{
	return self->trailing_active ? CW_ORDER_PURPOSE_TRAILING_STOP : CW_ORDER_PURPOSE_STOP_LOSS;
}

const char *
cw_exit_state_to_string(CwExitState state)
{
	switch (state) {
	case CW_EXIT_STATE_OPEN:
		return "open";
	case CW_EXIT_STATE_TP1:
		return "tp1";
	case CW_EXIT_STATE_TP2:
		return "tp2";
	case CW_EXIT_STATE_TP3:
		return "tp3";
	case CW_EXIT_STATE_CLOSED:
	default:
		return "closed";
	}
}
