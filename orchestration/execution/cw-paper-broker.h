#pragma once

#if !defined(CW_EXECUTION_INSIDE) && !defined(CW_EXECUTION_COMPILATION)
#error "Only <cw-execution.h> can be included directly."
#endif

#include "cw-core.h"
#include "cw-config.h"

G_BEGIN_DECLS

/* The deterministic simulated broker ("paper" on cw-broker). Config: the
 * bot's "broker" section, keys type, slippage_bps (default 2),
 * maker_fee_bps (2), taker_fee_bps (5.5), all >= 0, and amend (default
 * false: declare CW_BROKER_CAP_AMEND, so that stops move in place).
 *
 * It implements the broker contract (cw-broker.h) synchronously: submit()
 * reports the order NEW before it returns, cancel() reports it CANCELLED,
 * amend() reports the amended order, and on_candle() reports every fill
 * (FILLED) as it happens. Capabilities: NATIVE_STOP, REDUCE_ONLY,
 * SIMULATED_ON_CANDLES (settle()), and AMEND when configured. The
 * asynchronous calls complete at once; GTask runs their callbacks from the
 * next main-loop iteration.
 *
 * Matching, for each on_candle(N), in this order, each group in submission
 * order:
 *   1. MARKET orders: fill at N's open, buys at open * (1 + slippage),
 *      sells at open * (1 - slippage); taker fee.
 *   2. STOP orders: a sell stop triggers when low <= stop_price, a buy stop
 *      when high >= stop_price. Fill at stop_price, or at the open when the
 *      open is already beyond it (gap); slippage applies as for market
 *      orders; taker fee.
 *   3. LIMIT orders: a sell limit fills when high >= price, a buy limit when
 *      low <= price, at the price or at the open when the open is already
 *      better; no slippage; maker fee.
 * Stops before limits means that when a stop and a take profit of the same
 * position could both fill inside one candle, the stop wins.
 *
 * No look-ahead: an order submitted between on_candle(N-1) and on_candle(N)
 * can fill from N on. An order submitted from the report sink while N is being
 * matched fills from N+1, with one exception: a stop or limit submitted
 * while the market orders of N fill (the protective orders of an entry that
 * filled at N's open) also takes part in N's stop and limit passes, since
 * all of N's range comes after its open.
 *
 * Reduce-only orders never reverse: the broker tracks its net position and
 * clips a reduce-only fill to it, or cancels the order when there is
 * nothing to reduce. Fill prices are not rounded to the tick.
 *
 * Working orders live in a table of at most CW_PAPER_BROKER_MAX_WORKING, and
 * the last CW_PAPER_BROKER_HISTORY orders that ended (filled or cancelled)
 * in a ring; lookup_order_async() searches the table, then the ring from the
 * newest record. Both
 * start small and double up to their maximum (so an idle bot holds little
 * memory); once there, nothing is allocated per order. */

#define CW_PAPER_BROKER_MAX_WORKING 64
#define CW_PAPER_BROKER_HISTORY     256

#define CW_TYPE_PAPER_BROKER (cw_paper_broker_get_type())
G_DECLARE_FINAL_TYPE(CwPaperBroker, cw_paper_broker, CW, PAPER_BROKER, GObject)

/* A broker with the default fees and a balance of 0 until configured. */
CwPaperBroker *cw_paper_broker_new(void);
double cw_paper_broker_get_balance(CwPaperBroker *self);
void cw_paper_broker_set_fees(CwPaperBroker *self, double slippage_bps, double maker_fee_bps,
			      double taker_fee_bps);
void cw_paper_broker_set_balance(CwPaperBroker *self, double balance);
double cw_paper_broker_get_slippage_bps(CwPaperBroker *self);
double cw_paper_broker_get_maker_fee_bps(CwPaperBroker *self);
double cw_paper_broker_get_taker_fee_bps(CwPaperBroker *self);
guint cw_paper_broker_get_n_working(CwPaperBroker *self);
/* Signed net position of every fill so far. */
double cw_paper_broker_get_position(CwPaperBroker *self);
void cw_paper_broker_adopt_position(CwPaperBroker *self, CwPaperBroker *old);
/* Fills a market order at once at price (no slippage, taker fee), e.g. to
 * settle the last position at the end of a backtest. */
gboolean cw_paper_broker_fill_now(CwPaperBroker *self, const CwOrder *order, double price,
				  gint64 time, GError **error);
/* Cancels every working order (a report for each). */
void cw_paper_broker_cancel_all(CwPaperBroker *self);

G_END_DECLS
