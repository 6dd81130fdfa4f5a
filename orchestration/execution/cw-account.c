#include "cw-execution.h"

#include <math.h>

/**
 * cw_account_init:
 * @self: an account to set up
 * @strategy_id: the strategy that owns it
 * @symbol: the symbol it trades
 * @initial_balance: starting cash
 * @trade_capacity: trades reserved up front, so closing a trade does not
 *   allocate until there are more than this many
 */
void
cw_account_init(CwAccount *self, CwStrategyId strategy_id, GQuark symbol, double initial_balance,
		guint trade_capacity)
{
	memset(self, 0, sizeof(*self));
	self->strategy_id = strategy_id;
	self->symbol = symbol;
	self->initial_balance = initial_balance;
	self->cash = initial_balance;
	self->equity = initial_balance;
	self->peak_equity = initial_balance;
	self->position.strategy_id = strategy_id;
	self->position.symbol = symbol;
	self->position.direction = CW_DIRECTION_NONE;
	self->trades = g_array_sized_new(FALSE, TRUE, sizeof(CwTrade), MAX(trade_capacity, 1));
}

void
cw_account_clear(CwAccount *self)
{
	g_clear_pointer(&self->trades, g_array_unref);
}

static double
cw_account_unrealized(const CwAccount *self)
{
	const CwPosition *pos = &self->position;

	if (pos->direction == CW_DIRECTION_NONE || self->mark_price <= 0)
		return 0;
	return pos->qty * (self->mark_price - pos->entry_price) * (double) pos->direction;
}

static void
cw_account_update_equity(CwAccount *self)
{
	self->unrealized_pnl = cw_account_unrealized(self);
	self->equity = self->cash + self->unrealized_pnl;
}

static void
cw_account_open(CwAccount *self, const CwFill *fill, CwDirection direction, double qty, double fee)
{
	CwPosition *pos = &self->position;

	pos->direction = direction;
	pos->qty = qty;
	pos->initial_qty = qty;
	pos->entry_price = fill->price;
	pos->stop_price = 0;
	pos->realized_pnl = 0;
	pos->fees = fee;
	pos->opened_at = fill->time;
	pos->updated_at = fill->time;
	self->trip_exit_qty = 0;
	self->trip_exit_value = 0;
	self->trip_gross_pnl = 0;
}

static const CwTrade *
cw_account_record_trade(CwAccount *self, const CwFill *fill)
{
	CwPosition *pos = &self->position;
	CwTrade trade = {
	    .strategy_id = self->strategy_id,
	    .symbol = pos->symbol,
	    .direction = pos->direction,
	    .entry_time = pos->opened_at,
	    .exit_time = fill->time,
	    .entry_price = pos->entry_price,
	    .exit_price =
		self->trip_exit_qty > 0 ? self->trip_exit_value / self->trip_exit_qty : fill->price,
	    .qty = pos->initial_qty,
	    .fees = pos->fees,
	    .gross_pnl = pos->realized_pnl,
	    .net_pnl = pos->realized_pnl - pos->fees,
	    .exit_reason = fill->purpose,
	    .seq = self->trades->len + 1,
	};

	g_array_append_val(self->trades, trade);
	pos->direction = CW_DIRECTION_NONE;
	pos->qty = 0;
	pos->initial_qty = 0;
	pos->entry_price = 0;
	pos->stop_price = 0;
	pos->realized_pnl = 0;
	pos->fees = 0;
	pos->updated_at = fill->time;
	return &g_array_index(self->trades, CwTrade, self->trades->len - 1);
}

/**
 * cw_account_apply_fill:
 * @self: an account
 * @fill: a fill of this account's strategy
 * @trade: (out) (optional) (nullable): the trade the fill closed
 *
 * Returns: what the fill did to the position.
 */
CwAccountFillKind
cw_account_apply_fill(CwAccount *self, const CwFill *fill, const CwTrade **trade)
{
	CwPosition *pos = &self->position;
	CwDirection dir = fill->side == CW_SIDE_BUY ? CW_DIRECTION_LONG : CW_DIRECTION_SHORT;
	CwAccountFillKind kind;
	double close_qty, close_fee, pnl, eps;

	if (trade != NULL)
		*trade = NULL;
	if (self->mark_price <= 0)
		self->mark_price = fill->price;
	self->fees += fill->fee;
	self->cash -= fill->fee;

	if (pos->direction == CW_DIRECTION_NONE) {
		cw_account_open(self, fill, dir, fill->qty, fill->fee);
		cw_account_update_equity(self);
		return CW_ACCOUNT_FILL_OPENED;
	}
	if (pos->direction == dir) {
		double qty = pos->qty + fill->qty;
		pos->entry_price = (pos->entry_price * pos->qty + fill->price * fill->qty) / qty;
		pos->qty = qty;
		pos->initial_qty += fill->qty;
		pos->fees += fill->fee;
		pos->updated_at = fill->time;
		cw_account_update_equity(self);
		return CW_ACCOUNT_FILL_INCREASED;
	}

	close_qty = MIN(fill->qty, pos->qty);
	close_fee = fill->qty > 0 ? fill->fee * close_qty / fill->qty : fill->fee;
	pnl = close_qty * (fill->price - pos->entry_price) * (double) pos->direction;
	self->realized_pnl += pnl;
	self->cash += pnl;
	pos->realized_pnl += pnl;
	pos->fees += close_fee;
	pos->qty -= close_qty;
	pos->updated_at = fill->time;
	self->trip_exit_qty += close_qty;
	self->trip_exit_value += close_qty * fill->price;
	self->trip_exit_reason = fill->purpose;

	/* quantities are lot multiples; the epsilon only absorbs float noise */
	eps = 1e-9 * MAX(pos->initial_qty, 1e-12);
	if (pos->qty > eps) {
		kind = CW_ACCOUNT_FILL_REDUCED;
	} else {
		const CwTrade *t = cw_account_record_trade(self, fill);
		double rest = fill->qty - close_qty;

		if (trade != NULL)
			*trade = t;
		kind = CW_ACCOUNT_FILL_CLOSED;
		if (rest > eps) {
			cw_account_open(self, fill, dir, rest, fill->fee - close_fee);
			kind = CW_ACCOUNT_FILL_REVERSED;
		}
	}
	cw_account_update_equity(self);
	return kind;
}

void
cw_account_mark(CwAccount *self, double price)
{
	double dd;

	if (price > 0)
		self->mark_price = price;
	cw_account_update_equity(self);
	if (self->equity > self->peak_equity)
		self->peak_equity = self->equity;
	dd = self->peak_equity - self->equity;
	if (dd > self->max_drawdown)
		self->max_drawdown = dd;
	if (self->peak_equity > 0 && dd / self->peak_equity * 100.0 > self->max_drawdown_pct)
		self->max_drawdown_pct = dd / self->peak_equity * 100.0;
}

void
cw_account_on_candle(CwAccount *self, const CwCandle *candle)
{
	self->n_candles++;
	if (self->position.direction != CW_DIRECTION_NONE)
		self->exposure_candles++;
	cw_account_mark(self, candle->close);
}

double
cw_account_get_signed_qty(const CwAccount *self)
{
	return self->position.qty * (double) self->position.direction;
}

gboolean
cw_account_is_flat(const CwAccount *self)
{
	return self->position.direction == CW_DIRECTION_NONE;
}

double
cw_account_get_exposure(const CwAccount *self)
{
	return self->n_candles > 0 ? (double) self->exposure_candles / (double) self->n_candles : 0;
}

double
cw_account_get_net_pnl(const CwAccount *self)
{
	return self->equity - self->initial_balance;
}
