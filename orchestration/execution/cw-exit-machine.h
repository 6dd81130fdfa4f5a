#pragma once

#if !defined(CW_EXECUTION_INSIDE) && !defined(CW_EXECUTION_COMPILATION)
#error "Only <cw-execution.h> can be included directly."
#endif

#include "cw-core.h"
#include "cw-config.h"

G_BEGIN_DECLS

/* The exit plan of one position: OPEN -> TP1 -> TP2 -> TP3 -> CLOSED.
 *
 * The machine only decides prices and quantities; the orchestrator turns
 * its answers into broker orders (a STOP for the remaining quantity, one
 * reduce-only LIMIT per take profit) through the action queue.
 *
 * - Stop: percent of the entry price, or a multiple of the ATR the strategy
 *   reported on the decision candle. Kind NONE means no stop order.
 * - Take profit i: percent of the entry, or r times the initial stop
 *   distance (a level that needs r without a stop is dropped). It closes
 *   close_fraction of the initial quantity, floored to the lot step. When the
 *   fractions add up to 1, the last level closes the exact remainder;
 *   otherwise a runner stays open for the stop, trailing, time and signal
 *   exits. Levels whose quantity floors to 0 are dropped.
 * - TP1 with breakeven_at_tp1: the stop goes to entry * (1 +/- offset%).
 * - Trailing (kind != NONE) starts after TP2, after TP1 when there is one
 *   take profit, and at the entry when there are none. It keeps the stop at
 *   a distance (percent of the best close, or value * ATR with the latest
 *   ATR) from the best close since it started (the activating fill price
 *   counts as the first "close").
 * - Every stop change only ratchets: up for a long, down for a short.
 * - Time exit after time_exit_candles candles in the position, counting the
 *   entry candle as 1.
 * - Signal exit when the strategy's exit_signal names the position's
 *   direction, or (exit_on_opposite_signal) its entry signal is opposite. */

typedef enum {
	CW_EXIT_STATE_OPEN,
	CW_EXIT_STATE_TP1,
	CW_EXIT_STATE_TP2,
	CW_EXIT_STATE_TP3,
	CW_EXIT_STATE_CLOSED,
} CwExitState;

typedef enum {
	CW_STOP_CHANGE_NONE,
	CW_STOP_CHANGE_BREAKEVEN,
	CW_STOP_CHANGE_TRAILING_START,
	CW_STOP_CHANGE_TRAILING,
} CwStopChange;

typedef struct {
	CwExitSpec spec;
	CwInstrument instrument;
	CwExitState state;
	CwDirection direction;
	double entry_price;
	double initial_qty;
	double entry_atr;
	double last_atr;
	double initial_stop_distance; /* 0 without a stop */
	double stop_price;            /* 0 = no stop */
	gboolean trailing_active;
	double best_close;
	guint n_take_profits;
	double tp_price[CW_MAX_TAKE_PROFITS];
	double tp_qty[CW_MAX_TAKE_PROFITS];
	gboolean tp_filled[CW_MAX_TAKE_PROFITS];
	guint n_tp_filled;
	guint candles_in_position;
} CwExitMachine;

/* instrument may be NULL (no tick rounding). The state is CLOSED until open. */
void cw_exit_machine_init(CwExitMachine *self, const CwExitSpec *spec,
			  const CwInstrument *instrument);
/* Distance from ref_price to the stop that spec describes; 0 when there is
 * no stop or an ATR stop lacks an ATR. */
double cw_exit_spec_stop_distance(const CwExitSpec *spec, double ref_price, double atr);
/* Starts the plan of a position filled at entry_price. atr is the strategy's
 * ATR on the decision candle (0 when unknown). */
void cw_exit_machine_open(CwExitMachine *self, CwDirection direction, double entry_price,
			  double qty, double atr);
/* Take profit level (0-based) filled at fill_price. Returns how the stop moved
 * (the new stop is in stop_price). */
CwStopChange cw_exit_machine_on_take_profit(CwExitMachine *self, guint level, double fill_price);
/* Once per closed candle while the position is open: counts the candle and
 * ratchets the trailing stop on the close. */
CwStopChange cw_exit_machine_on_candle(CwExitMachine *self, const CwCandle *candle, double atr);
gboolean cw_exit_machine_time_exit_due(const CwExitMachine *self);
gboolean cw_exit_machine_wants_signal_exit(const CwExitMachine *self,
					   const CwStrategyOutput *output);
gboolean cw_exit_machine_resize(CwExitMachine *self, double qty);
void cw_exit_machine_close(CwExitMachine *self);
gboolean cw_exit_machine_is_open(const CwExitMachine *self);
/* TRAILING_STOP once trailing started, STOP_LOSS before. */
CwOrderPurpose cw_exit_machine_get_stop_purpose(const CwExitMachine *self);
const char *cw_exit_state_to_string(CwExitState state);

G_END_DECLS
