#pragma once

#if !defined(CW_EXECUTION_INSIDE) && !defined(CW_EXECUTION_COMPILATION)
#error "Only <cw-execution.h> can be included directly."
#endif

#include "cw-core.h"

G_BEGIN_DECLS

/* One strategy's money: cash, one net position on one symbol, and the
 * closed round trips. Futures-style: notional never moves through cash, so
 *   cash   = initial_balance + realized_pnl - fees
 *   equity = cash + unrealized_pnl   (unrealized = qty * (mark - entry) * dir)
 * hold after every call. Nothing here allocates except trades growing past
 * the capacity reserved by cw_account_init(). */
typedef struct {
	CwStrategyId strategy_id;
	GQuark symbol;
	double initial_balance;
	double cash;
	double realized_pnl; /* gross, of every closed quantity */
	double fees;         /* every fill's fee */
	double unrealized_pnl;
	double equity;
	double mark_price; /* last close, 0 before the first candle */
	double peak_equity;
	double max_drawdown;     /* absolute, peak to trough of equity at candle closes */
	double max_drawdown_pct; /* of the peak, in % */
	guint64 n_candles;
	guint64 exposure_candles; /* candles that closed with a position open */
	CwPosition position;      /* direction NONE when flat */
	GArray *trades;           /* of CwTrade, in closing order */
	/* the round trip in progress */
	double trip_exit_qty;
	double trip_exit_value;
	double trip_gross_pnl;
	CwOrderPurpose trip_exit_reason;
} CwAccount;

typedef enum {
	CW_ACCOUNT_FILL_OPENED,    /* flat -> position */
	CW_ACCOUNT_FILL_INCREASED, /* added to the position */
	CW_ACCOUNT_FILL_REDUCED,   /* part closed, position still open */
	CW_ACCOUNT_FILL_CLOSED,    /* closed completely; a trade was recorded */
	CW_ACCOUNT_FILL_REVERSED,  /* closed (trade recorded) and opened the other way */
} CwAccountFillKind;

void cw_account_init(CwAccount *self, CwStrategyId strategy_id, GQuark symbol,
		     double initial_balance, guint trade_capacity);
void cw_account_clear(CwAccount *self);
/* Books a fill: position, cash, fees, realized PnL; equity at the current
 * mark. *trade (may be NULL) gets the recorded trade for CLOSED/REVERSED,
 * NULL otherwise; it points into trades and is valid until the next fill. */
CwAccountFillKind cw_account_apply_fill(CwAccount *self, const CwFill *fill, const CwTrade **trade);
/* Marks the position to price and updates equity, peak and drawdown. */
void cw_account_mark(CwAccount *self, double price);
/* One closed candle: counts it (and the exposure) and marks at its close. */
void cw_account_on_candle(CwAccount *self, const CwCandle *candle);
/* > 0 long, < 0 short, 0 flat. */
double cw_account_get_signed_qty(const CwAccount *self);
gboolean cw_account_is_flat(const CwAccount *self);
/* Share of candles with a position, [0, 1]. */
double cw_account_get_exposure(const CwAccount *self);
double cw_account_get_net_pnl(const CwAccount *self);

G_END_DECLS
