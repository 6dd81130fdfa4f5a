#pragma once

#if !defined(CW_EXECUTION_INSIDE) && !defined(CW_EXECUTION_COMPILATION)
#error "Only <cw-execution.h> can be included directly."
#endif

#include "cw-core.h"
#include "cw-config.h"
#include "cw-account.h"
#include "cw-exit-machine.h"
#include "cw-action-queue.h"
#include "cw-guard-pipeline.h"

G_BEGIN_DECLS

/* One strategy's trading loop: strategy, exit machine, action queue, guard
 * pipeline, account and broker, owned by one object and shared with no
 * other orchestrator. See docs/architecture.md ("Execution") for the order
 * of work per candle. on_candle() allocates nothing once constructed
 * (except when the trade list outgrows its reserved capacity). */

#define CW_TYPE_TRADING_ORCHESTRATOR (cw_trading_orchestrator_get_type())
G_DECLARE_FINAL_TYPE(CwTradingOrchestrator, cw_trading_orchestrator, CW, TRADING_ORCHESTRATOR,
		     GObject)

/* Called with an order just before it is submitted to the broker; FALSE
 * with error set fails the submission (it is retried). */
typedef gboolean (*CwOrderHook)(CwTradingOrchestrator *orchestrator, const CwOrder *order,
				gpointer user_data, GError **error);
/* Called before every cancel is sent (cw_trading_orchestrator_set_cancel_hook()). */
typedef void (*CwCancelHook)(CwTradingOrchestrator *orchestrator, const char *client_order_id,
			     gpointer user_data);

/* spec NULL = the config's active strategy; spec must belong to config.
 * The strategy is created by spec->type on CW_EXTENSION_POINT_STRATEGY, the
 * broker by the "broker" section's type (default "paper") on
 * CW_EXTENSION_POINT_BROKER, the guards from every CW_EXTENSION_POINT_GUARD
 * implementation that config activates. bus may be NULL (no events). */
CwTradingOrchestrator *cw_trading_orchestrator_new(CwBotConfig *config, const CwStrategySpec *spec,
						   CwEventBus *bus, GError **error);
/* Hot path: one closed candle of the base interval. */
void cw_trading_orchestrator_on_candle(CwTradingOrchestrator *self, const CwCandle *candle);
/* TRUE when this bot's decisions depend on what other bots of the process
 * do (a guard limit across bots is in force): such bots must see each
 * candle in lockstep. Otherwise feeding it a block of candles before the
 * next bot gets them gives the same result as interleaving them. */
gboolean cw_trading_orchestrator_reads_other_bots(CwTradingOrchestrator *self);
/* Loads the per-candle state into the cache ahead of on_candle (a hint). */
void cw_trading_orchestrator_prefetch(CwTradingOrchestrator *self);
/* Market close of the open position at the next candle's open. */
void cw_trading_orchestrator_close_all(CwTradingOrchestrator *self, CwOrderPurpose purpose);
/* The operator's flatten: cancels the working entry, then sends a
 * reduce-only market close (purpose MANUAL_EXIT) through the guard
 * pipeline like any other order; HALTED and REDUCE_ONLY let it pass. Its
 * events carry source "operator" and reason "manual close". A broker that
 * simulates on candles (paper) fills it at the next candle's open. FALSE
 * with CW_EXECUTION_ERROR_NO_POSITION when there is neither a position nor
 * a working entry, CW_EXECUTION_ERROR_REFUSED (the guard's reason) when the
 * close was refused. Asking again while a close is pending is a no-op. */
gboolean cw_trading_orchestrator_request_close(CwTradingOrchestrator *self, GError **error);
/* reconcile's broker.unknown_position "flatten": a position of venue_qty
 * (signed) at entry_price found at the venue beside a flat bot becomes the
 * account's and is closed by a reduce-only market order (purpose
 * MANUAL_EXIT, source "reconcile") through the guard pipeline, like
 * request_close(). FALSE with CW_EXECUTION_ERROR_REFUSED when the bot holds
 * a position or an order of its own, or the close was refused; the caller
 * then fails closed. */
gboolean cw_trading_orchestrator_flatten_unknown(CwTradingOrchestrator *self, double venue_qty,
						 double entry_price, GError **error);
/* End of data: cancels working orders, drops pending actions and closes the
 * open position at the last close (END_OF_DATA, taker fee, no slippage). */
void cw_trading_orchestrator_finish(CwTradingOrchestrator *self);
/* Manual mode (halt, resume). The effective mode is the stricter of this
 * and the guards' mode. */
void cw_trading_orchestrator_set_mode(CwTradingOrchestrator *self, CwBotMode mode);
CwBotMode cw_trading_orchestrator_get_mode(CwTradingOrchestrator *self);

const CwAccount *cw_trading_orchestrator_get_account(CwTradingOrchestrator *self);
/* Of CwTrade, oldest first. */
const GArray *cw_trading_orchestrator_get_trades(CwTradingOrchestrator *self);
const CwPosition *cw_trading_orchestrator_get_position(CwTradingOrchestrator *self);
const CwExitMachine *cw_trading_orchestrator_get_exit_machine(CwTradingOrchestrator *self);
/* Of CwGuardStats. */
const GArray *cw_trading_orchestrator_get_guard_stats(CwTradingOrchestrator *self);
CwStrategyId cw_trading_orchestrator_get_strategy_id(CwTradingOrchestrator *self);
/* Bytes attributable to the orchestrator, summed from its parts' known
 * allocation sizes (strategy state and indicator rings, guards, action
 * queue, exit machine, trades, a paper broker's book); no heap walk. */
gsize cw_trading_orchestrator_get_memory_size(CwTradingOrchestrator *self);
const CwStrategySpec *cw_trading_orchestrator_get_spec(CwTradingOrchestrator *self);
guint64 cw_trading_orchestrator_get_n_candles(CwTradingOrchestrator *self);
/* The last strategy decision. */
const CwStrategyOutput *cw_trading_orchestrator_get_last_output(CwTradingOrchestrator *self);
CwBroker *cw_trading_orchestrator_get_broker(CwTradingOrchestrator *self);
CwStrategy *cw_trading_orchestrator_get_strategy(CwTradingOrchestrator *self);
CwGuardPipeline *cw_trading_orchestrator_get_guard_pipeline(CwTradingOrchestrator *self);
guint cw_trading_orchestrator_get_n_pending_actions(CwTradingOrchestrator *self);
guint64 cw_trading_orchestrator_get_n_failed_actions(CwTradingOrchestrator *self);
/* Client order ids are "cw-<8 hex of a hash of bot name/strategy id>-<seq>".
 * After a restart, continue the sequence so no id is sent twice. */
guint64 cw_trading_orchestrator_get_next_seq(CwTradingOrchestrator *self);
void cw_trading_orchestrator_set_next_seq(CwTradingOrchestrator *self, guint64 seq);
/* Writes the client order id of seq into buf (CW_CLIENT_ORDER_ID_LEN). */
void cw_trading_orchestrator_set_order_hook(CwTradingOrchestrator *self, CwOrderHook hook,
					    gpointer user_data);
void cw_trading_orchestrator_set_cancel_hook(CwTradingOrchestrator *self, CwCancelHook hook,
					     gpointer user_data);
/* The bot cannot go on (fail closed): its position cannot be resolved
 * with the venue's. why says what happened; the owner stops the bot with
 * status error. Called from the orchestrator's timers (never re-entrant
 * with a call into it from the owner but poll() and on_candle()). */
typedef void (*CwOrchestratorFailedFunc)(CwTradingOrchestrator *orch, const char *why,
					 gpointer user_data);
void cw_trading_orchestrator_set_failed_func(CwTradingOrchestrator *self,
					     CwOrchestratorFailedFunc func, gpointer user_data);
/* How long (clock ms) the fill that closed the venue's position may take to
 * be booked after a reduce-only order was refused for it
 * (CW_BROKER_ERROR_NO_POSITION) before the bot fails closed. */
#define CW_ORCHESTRATOR_VENUE_FLAT_TIMEOUT_MS 30000
/* Group commit: sends wait after the hook until released (or dropped). */
void cw_trading_orchestrator_set_hold_sends(CwTradingOrchestrator *self, gboolean hold);
guint cw_trading_orchestrator_get_n_held_sends(CwTradingOrchestrator *self);
void cw_trading_orchestrator_release_sends(CwTradingOrchestrator *self);
void cw_trading_orchestrator_drop_sends(CwTradingOrchestrator *self);
void cw_trading_orchestrator_adopt(CwTradingOrchestrator *self, CwTradingOrchestrator *old);
void cw_trading_orchestrator_format_client_order_id(CwTradingOrchestrator *self, guint64 seq,
						    char *buf);
/* The prefix every client order id of this bot starts with ("cw-" and a hash). */
const char *cw_trading_orchestrator_get_id_prefix(CwTradingOrchestrator *self);

/* How long positions went without a working stop: from an entry fill (or
 * a stop that ended while the position stayed open) to the stop's
 * acknowledgement. The paper broker acknowledges inside submit, so its
 * windows last 0 ms and 0 candles. */
typedef struct {
	guint64 n_windows;
	gint64 max_ms;
	gint64 total_ms;
	guint64 max_candles;
} CwProtectionStats;

void cw_trading_orchestrator_set_clock(CwTradingOrchestrator *self, CwClock *clock);
void cw_trading_orchestrator_poll(CwTradingOrchestrator *self);
gint64 cw_trading_orchestrator_get_next_wakeup(CwTradingOrchestrator *self);
void cw_trading_orchestrator_get_protection_stats(CwTradingOrchestrator *self,
						  CwProtectionStats *out);
const CwOrder *cw_trading_orchestrator_get_stop_order(CwTradingOrchestrator *self);
gboolean cw_trading_orchestrator_is_resolving(CwTradingOrchestrator *self);

/* Recovery (docs/architecture.md, "Recovery sequence"): warm-up rebuilds
 * the candle-derived state without deciding or touching the broker; the
 * trading state comes back from a snapshot. */
void cw_trading_orchestrator_set_warm_up(CwTradingOrchestrator *self, gboolean warm_up);
gboolean cw_trading_orchestrator_is_warm_up(CwTradingOrchestrator *self);
void cw_trading_orchestrator_set_catch_up(CwTradingOrchestrator *self, gboolean catch_up);
gboolean cw_trading_orchestrator_is_catch_up(CwTradingOrchestrator *self);
guint64 cw_trading_orchestrator_get_n_refused_calls(void);
guint64 cw_trading_orchestrator_get_generation(CwTradingOrchestrator *self);
guint32 cw_trading_orchestrator_get_state_layout(void);
void cw_trading_orchestrator_snapshot(CwTradingOrchestrator *self, GByteArray *out);
gboolean cw_trading_orchestrator_verify_snapshot(const guint8 *data, gsize len, GError **error);
gboolean cw_trading_orchestrator_restore(CwTradingOrchestrator *self, const guint8 *data, gsize len,
					 GError **error);

/* Reconcile after a restart: look an order up and apply what the venue says. */
void cw_trading_orchestrator_resolve_order(CwTradingOrchestrator *self, const CwOrder *order);
/* Flat, and waiting for no order or lookup (reconcile). */
gboolean cw_trading_orchestrator_is_idle(CwTradingOrchestrator *self);
gboolean cw_trading_orchestrator_tracks_order(CwTradingOrchestrator *self,
					      const char *client_order_id);

G_END_DECLS
