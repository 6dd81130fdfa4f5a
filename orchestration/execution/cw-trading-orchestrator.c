#include "cw-execution.h"

#include <math.h>
#include <stdio.h>

/* Trades reserved up front. The history grows by doubling past it: a few
 * reallocations over a bot's life, against 96 KB per bot for 1024. */
#define CW_ORCHESTRATOR_TRADE_CAPACITY 64
/* Orders of unknown outcome waiting for their lookup behind the current one. */
#define CW_ORCHESTRATOR_MAX_UNKNOWN 8
/* what the events of an operator's close carry */
#define CW_ORCHESTRATOR_MANUAL_SOURCE    "operator"
#define CW_ORCHESTRATOR_MANUAL_REASON    "manual close"
#define CW_ORCHESTRATOR_RECONCILE_SOURCE "reconcile"
/* ORDER_REJECTED of a reduce-only order the venue refused, its position
 * already zero (CW_BROKER_ERROR_NO_POSITION) */
#define CW_ORCHESTRATOR_VENUE_FLAT_SOURCE "venue-position"
#define CW_ORCHESTRATOR_RECONCILE_REASON  "unknown position flattened"

/* An order whose send waits for the group commit of its candle. */
typedef struct {
	CwOrder order;
	gboolean amend;
	gint tp_level;
	CwAction action; /* the action that sent it: retried on a transient refusal */
} CwHeldSend;

struct _CwTradingOrchestrator {
	GObject parent_instance;
	CwBotConfig *config;
	const CwStrategySpec *spec;
	CwStrategyId strategy_id;
	GQuark symbol;
	CwEventBus *bus;
	CwStrategy *strategy;
	CwBroker *broker;
	/* looked up once: the hot path calls through them */
	const CwStrategyInterface *strategy_iface;
	const CwBrokerInterface *broker_iface;
	CwGuardPipeline *guards;
	CwActionQueue *queue;
	CwAccount account;
	CwExitMachine exit;
	CwStrategyOutput output;
	CwCandle last_candle;
	gboolean has_candle;
	gboolean in_candle;
	guint64 n_candles;
	gint64 now; /* event time: open time of the candle being processed */
	CwBotMode manual_mode;
	CwBotMode mode;
	char id_prefix[16];
	guint id_prefix_len;
	/* the client order id of seq id_cache_seq, written ahead: the next
	 * order's id is a copy, and the cache moves on by a decimal increment */
	char id_cache[CW_CLIENT_ORDER_ID_LEN];
	guint id_cache_len;
	guint64 id_cache_seq;
	gboolean has_id_cache;
	guint64 next_seq;
	double decision_atr;
	/* the orders this orchestrator has working */
	CwOrder stop_order;
	gboolean has_stop;
	CwOrder tp_orders[CW_MAX_TAKE_PROFITS];
	gboolean has_tp[CW_MAX_TAKE_PROFITS];
	char entry_id[CW_CLIENT_ORDER_ID_LEN];
	char close_id[CW_CLIENT_ORDER_ID_LEN];
	guint64 entry_seq; /* entry_id's */
	guint64 close_seq; /* close_id's */
	gboolean entry_pending;
	gboolean close_pending;
	/* a reduce-only order was refused because the venue's position is
	 * already zero, and the fill that closed it is not booked yet: no
	 * market exit is sent until it is (it would be refused the same way) */
	gboolean venue_flat;
	gint64 venue_flat_deadline; /* clock ms: failed_func after it */
	/* the operator's close cancelled an entry still in the queue */
	gboolean drop_queued_entry;
	/* the pending MANUAL_EXIT closes a position reconcile found at the
	 * venue (broker.unknown_position "flatten"), not the operator's */
	gboolean reconcile_close;
	char reason[CW_REASON_LEN];
	CwOrderHook order_hook;
	gpointer order_hook_data;
	CwOrchestratorFailedFunc failed_func;
	gpointer failed_data;
	gboolean failed; /* failed_func was called */
	CwCancelHook cancel_hook;
	gpointer cancel_hook_data;
	/* group commit: while hold_sends, a sent order waits here (after its
	 * hook) until cw_trading_orchestrator_release_sends() */
	gboolean hold_sends;
	GArray *held; /* of CwHeldSend */
	/* the broker contract (see docs/architecture.md) */
	CwBrokerCaps broker_caps;
	CwClock *clock; /* NULL: the time of the candle being processed */
	GCancellable *cancellable;
	/* the working stop that a replacement takes over from once acknowledged */
	CwOrder old_stop;
	gboolean has_old_stop;
	/* inside one of our own broker requests: its reports are synchronous */
	gboolean in_request;
	gboolean request_acked;
	guint64 request_seq;
	gint request_tp;        /* the take profit level of that request, or -1 */
	const char *request_id; /* the client order id of that request, while in_request */
	/* an entry sent and not ended: it may fill in parts */
	gboolean entry_working;
	gint64 entry_deadline; /* ms; 0 = none */
	gint64 entry_timeout_ms;
	/* an order whose outcome is unknown, looked up before anything else is sent */
	CwAction limbo;
	gboolean has_limbo;
	gboolean limbo_has_action; /* from a failed submit (retried if not found) */
	gboolean lookup_in_flight;
	gint64 lookup_due; /* ms of the next lookup attempt */
	/* more orders of unknown outcome, looked up one after the other */
	CwOrder unknown[CW_ORCHESTRATOR_MAX_UNKNOWN];
	guint n_unknown;
	guint lookup_attempts;
	CwBackoff backoff;
	/* protection: a position without a working stop */
	gboolean unprotected;
	/* permanent refusals of the protective stop since the position last
	 * had a working one (see cw_trading_orchestrator_stop_refused) */
	guint stop_refusals;
	gint64 unprotected_since;
	guint64 unprotected_since_candle;
	CwProtectionStats protection;
	/* warm-up: candles rebuild the strategy only; the broker is out of
	 * reach (broker_iface is the refusing table) */
	gboolean warm_up;
	/* catch-up: candles that closed while the bot was down; the broker's
	 * resting orders fill on them, nothing is decided */
	gboolean catch_up;
	const CwBrokerInterface *venue_iface; /* the broker's own, kept while warming up */
	guint64 generation;                   /* bumped by every change of trading state */
};

/* The broker table of an orchestrator in warm-up: every call is refused,
 * and counted, so that nothing reaches the venue while the candle-derived
 * state is rebuilt (see cw_trading_orchestrator_set_warm_up()). */
static guint64 cw_trading_orchestrator_refused_calls;

static gboolean
cw_trading_orchestrator_refuse_submit(CwBroker *broker, const CwOrder *order, GError **error)
{
	cw_trading_orchestrator_refused_calls++;
	g_set_error(error, CW_EXECUTION_ERROR, CW_EXECUTION_ERROR_FAILED,
		    "order %s not sent: the bot is warming up", order->client_order_id);
	return FALSE;
}

static gboolean
cw_trading_orchestrator_refuse_cancel(CwBroker *broker, const char *client_order_id, GError **error)
{
	cw_trading_orchestrator_refused_calls++;
	g_set_error(error, CW_EXECUTION_ERROR, CW_EXECUTION_ERROR_FAILED,
		    "cancel of %s not sent: the bot is warming up", client_order_id);
	return FALSE;
}

static gboolean
cw_trading_orchestrator_refuse_amend(CwBroker *broker, const char *client_order_id, double qty,
				     double price, double stop_price, GError **error)
{
	return cw_trading_orchestrator_refuse_cancel(broker, client_order_id, error);
}

static const CwBrokerInterface cw_trading_orchestrator_warm_up_iface = {
    .submit = cw_trading_orchestrator_refuse_submit,
    .cancel = cw_trading_orchestrator_refuse_cancel,
    .amend = cw_trading_orchestrator_refuse_amend,
};

/**
 * cw_trading_orchestrator_get_n_refused_calls:
 *
 * Returns: how many broker calls orchestrators in warm-up refused in this
 * process (a test reads it: it should stay 0, the warm-up path sends
 * nothing to begin with).
 */
guint64
cw_trading_orchestrator_get_n_refused_calls(void)
{
	return cw_trading_orchestrator_refused_calls;
}

G_DEFINE_FINAL_TYPE(CwTradingOrchestrator, cw_trading_orchestrator, G_TYPE_OBJECT)

static void
cw_trading_orchestrator_dispose(GObject *object)
{
	CwTradingOrchestrator *self = CW_TRADING_ORCHESTRATOR(object);

	if (self->cancellable != NULL)
		g_cancellable_cancel(self->cancellable);
	g_clear_object(&self->cancellable);
	if (self->broker != NULL)
		cw_broker_set_report_sink(self->broker, NULL, NULL);
	g_clear_object(&self->broker);
	g_clear_object(&self->clock);
	g_clear_object(&self->strategy);
	g_clear_object(&self->bus);
	g_clear_pointer(&self->guards, cw_guard_pipeline_free);
	G_OBJECT_CLASS(cw_trading_orchestrator_parent_class)->dispose(object);
}

static void
cw_trading_orchestrator_finalize(GObject *object)
{
	CwTradingOrchestrator *self = CW_TRADING_ORCHESTRATOR(object);

	cw_account_clear(&self->account);
	g_clear_pointer(&self->held, g_array_unref);
	g_clear_pointer(&self->queue, cw_action_queue_free);
	g_clear_pointer(&self->config, cw_bot_config_unref);
	G_OBJECT_CLASS(cw_trading_orchestrator_parent_class)->finalize(object);
}

static void
cw_trading_orchestrator_class_init(CwTradingOrchestratorClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = cw_trading_orchestrator_dispose;
	object_class->finalize = cw_trading_orchestrator_finalize;
}

static void
cw_trading_orchestrator_init(CwTradingOrchestrator *self)
{
	self->next_seq = 1;
	self->held = g_array_sized_new(FALSE, FALSE, sizeof(CwHeldSend), 16);
	self->mode = CW_BOT_MODE_ACTIVE;
	self->manual_mode = CW_BOT_MODE_ACTIVE;
}

/* All zero. The hot path starts its structs as copies of these: a copy is
 * a few vector moves, where zeroing in place (memset, "= {0}", designated
 * initializers) compiles to a slow-starting rep stos at these sizes. */
static const CwEvent cw_trading_orchestrator_no_event;
static const CwStrategyOutput cw_trading_orchestrator_no_output;
static const CwOrder cw_trading_orchestrator_no_order;

/* cw_account_is_flat(), cw_account_get_signed_qty() and
 * cw_exit_machine_is_open() for the per-candle path, where a call into
 * another file costs more than the test itself. */
static inline gboolean
cw_trading_orchestrator_is_flat(const CwTradingOrchestrator *self)
{
	return self->account.position.direction == CW_DIRECTION_NONE;
}

static inline double
cw_trading_orchestrator_signed_qty(const CwTradingOrchestrator *self)
{
	return self->account.position.qty * (double) self->account.position.direction;
}

static inline gboolean
cw_trading_orchestrator_exit_open(const CwTradingOrchestrator *self)
{
	return self->exit.state != CW_EXIT_STATE_CLOSED;
}

/* The time retries and timeouts run on: the clock when one is set (serve),
 * else the candle's (a backtest, where the clock is simulated from it). */
static inline gint64
cw_trading_orchestrator_now_ms(const CwTradingOrchestrator *self)
{
	return self->clock != NULL ? cw_clock_now_ms(self->clock) : self->now;
}

/* events: not built when the bus has no subscriber for their type
 * (cw_event_bus_wants() still counts them as published) */

static void
cw_trading_orchestrator_emit(CwTradingOrchestrator *self, const CwEvent *proto)
{
	CwEvent event;

	if (self->bus == NULL || !cw_event_bus_wants(self->bus, proto->type))
		return;
	event = *proto;
	event.strategy_id = self->strategy_id;
	event.time = self->now;
	cw_event_bus_publish(self->bus, &event);
}

static void
cw_trading_orchestrator_emit_order(CwTradingOrchestrator *self, CwEventType type,
				   const CwOrder *order, const char *source, const char *reason,
				   double value)
{
	CwEvent event;

	if (self->bus == NULL || !cw_event_bus_wants(self->bus, type))
		return;
	event = cw_trading_orchestrator_no_event;
	event.type = type;
	event.strategy_id = self->strategy_id;
	event.time = self->now;
	event.order = order;
	event.position = &self->account.position;
	event.source = source;
	event.reason = reason;
	event.value = value;
	cw_event_bus_publish(self->bus, &event);
}

static void
cw_trading_orchestrator_fill_context(CwTradingOrchestrator *self, CwGuardContext *ctx,
				     gboolean reduces)
{
	const CwAccount *acc = &self->account;

	/* every field is set: no clearing first */
	ctx->strategy_id = self->strategy_id;
	ctx->instrument = &self->config->instrument;
	ctx->last_candle_time = self->last_candle.open_time;
	ctx->interval_ms = self->last_candle.interval_ms > 0 ? self->last_candle.interval_ms
							     : self->config->interval_ms;
	ctx->now = self->has_candle ? self->last_candle.open_time + ctx->interval_ms : 0;
	ctx->mark_price = acc->mark_price;
	ctx->equity = acc->equity;
	ctx->balance = acc->cash;
	ctx->peak_equity = acc->peak_equity;
	ctx->position_qty = cw_trading_orchestrator_signed_qty(self);
	ctx->position_entry_price = acc->position.entry_price;
	ctx->open_positions = cw_trading_orchestrator_is_flat(self) ? 0 : 1;
	ctx->reduces = reduces;
}

/* guards: the mode the guards demand now */
static void
cw_trading_orchestrator_set_guard_mode(CwTradingOrchestrator *self, CwBotMode guards,
				       const char *source)
{
	CwBotMode mode = MAX(self->manual_mode, guards);
	CwEvent event;

	if (mode == self->mode)
		return;
	event = cw_trading_orchestrator_no_event;
	event.type = CW_EVENT_MODE_CHANGED;
	self->mode = mode;
	event.source = source;
	event.reason = cw_bot_mode_to_string(mode);
	event.value = (double) mode;
	event.position = &self->account.position;
	cw_trading_orchestrator_emit(self, &event);
}

static void
cw_trading_orchestrator_update_mode(CwTradingOrchestrator *self, const char *source)
{
	cw_trading_orchestrator_set_guard_mode(self, cw_guard_pipeline_get_mode(self->guards),
					       source);
}

/* client order ids */

/* Whether order is the tracked one. The client order id is made from the
 * strategy's prefix and the sequence number, which never repeats within a
 * strategy (an adopted orchestrator goes on from the old one's), so the
 * seq decides; a broker that does not know the seq reports 0, and then the
 * ids decide. */
static inline gboolean
cw_trading_orchestrator_same_order(const CwOrder *order, guint64 tracked_seq,
				   const char *tracked_id)
{
	if (order->seq != 0)
		return order->seq == tracked_seq;
	return strcmp(order->client_order_id, tracked_id) == 0;
}

/* "<prefix>-<seq>" into id_cache. */
static void
cw_trading_orchestrator_prime_id_cache(CwTradingOrchestrator *self, guint64 seq)
{
	char digits[20];
	gsize len = self->id_prefix_len;
	char *buf = self->id_cache;
	guint n = 0;

	/* "cw-" + 8 hex + "-" + at most 20 digits always fits */
	G_STATIC_ASSERT(sizeof(self->id_prefix) + 1 + sizeof(digits) <= CW_CLIENT_ORDER_ID_LEN);
	self->id_cache_seq = seq;
	do {
		digits[n++] = (char) ('0' + seq % 10);
		seq /= 10;
	} while (seq > 0);
	memset(self->id_cache, 0, sizeof(self->id_cache));
	memcpy(buf, self->id_prefix, len);
	buf += len;
	*buf++ = '-';
	while (n > 0)
		*buf++ = digits[--n];
	self->id_cache_len = (guint) (buf - self->id_cache);
	self->has_id_cache = TRUE;
}

/* id_cache to the next seq: "...-199" -> "...-200", "...-99" -> "...-100". */
static void
cw_trading_orchestrator_advance_id_cache(CwTradingOrchestrator *self)
{
	guint i = self->id_cache_len - 1;

	if (self->id_cache_seq == G_MAXUINT64) {
		self->has_id_cache = FALSE; /* the seq wraps, the text would not */
		return;
	}
	self->id_cache_seq++;
	while (self->id_cache[i] == '9')
		self->id_cache[i--] = '0';
	if (self->id_cache[i] != '-') {
		self->id_cache[i]++;
		return;
	}
	/* one digit more: "1" then the zeros */
	self->id_cache[i + 1] = '1';
	self->id_cache[self->id_cache_len++] = '0';
}

/* "<prefix>-<seq>", as snprintf("%s-%" G_GUINT64_FORMAT) would write it, but
 * without the printf machinery: this runs for every order. Orders take
 * consecutive seqs, so the id is usually ready in the cache. buf holds
 * CW_CLIENT_ORDER_ID_LEN bytes and gets them all (zeros after the text). */
void
cw_trading_orchestrator_format_client_order_id(CwTradingOrchestrator *self, guint64 seq, char *buf)
{
	if (!self->has_id_cache || seq != self->id_cache_seq)
		cw_trading_orchestrator_prime_id_cache(self, seq);
	memcpy(buf, self->id_cache, CW_CLIENT_ORDER_ID_LEN);
	cw_trading_orchestrator_advance_id_cache(self);
}

/* The prefix of this bot's client order ids (see make_prefix). */
const char *
cw_trading_orchestrator_get_id_prefix(CwTradingOrchestrator *self)
{
	return self->id_prefix;
}

static void
cw_trading_orchestrator_make_prefix(CwTradingOrchestrator *self)
{
	const char *parts[] = {self->config->name != NULL ? self->config->name : "",
			       self->spec->id != NULL ? self->spec->id : ""};
	guint32 hash = 2166136261u; /* FNV-1a: stable across runs and builds */

	for (guint p = 0; p < G_N_ELEMENTS(parts); p++) {
		if (p > 0)
			hash = (hash ^ '/') * 16777619u;
		for (const char *c = parts[p]; *c != '\0'; c++)
			hash = (hash ^ (guint8) *c) * 16777619u;
	}
	snprintf(self->id_prefix, sizeof(self->id_prefix), "cw-%08x", hash);
	self->id_prefix_len = (guint) strlen(self->id_prefix);
}

/* actions */

/* The request fields of an action: all that cw_action_queue_push() reads.
 * "= {...}" would clear the whole 432-byte struct. */
static inline void
cw_trading_orchestrator_action(CwAction *action, CwActionType type, CwOrderPurpose purpose)
{
	action->type = type;
	action->purpose = purpose;
	action->direction = CW_DIRECTION_NONE;
	action->qty = 0;
	action->price = 0;
	action->fraction = 0;
	action->level = 0;
}

static void
cw_trading_orchestrator_enqueue(CwTradingOrchestrator *self, const CwAction *action)
{
	if (!cw_action_queue_push(self->queue, action, cw_trading_orchestrator_now_ms(self))) {
		g_warning("strategy %s: action queue full, dropping %s", self->spec->id,
			  cw_action_type_to_string(action->type));
		if (action->type == CW_ACTION_OPEN)
			self->entry_pending = FALSE;
		else if (action->type == CW_ACTION_CLOSE)
			self->close_pending = FALSE;
	}
}

static void
cw_trading_orchestrator_push_stop(CwTradingOrchestrator *self, CwActionType type)
{
	CwAction action;

	if (self->exit.stop_price <= 0)
		return;
	cw_trading_orchestrator_action(&action, type,
				       cw_exit_machine_get_stop_purpose(&self->exit));
	action.price = self->exit.stop_price;
	cw_trading_orchestrator_enqueue(self, &action);
}

/* A take profit order for each level of the exit plan not reached yet. */
static void
cw_trading_orchestrator_push_take_profits(CwTradingOrchestrator *self)
{
	for (guint i = 0; i < self->exit.n_take_profits; i++) {
		CwAction action;

		if (self->exit.tp_filled[i])
			continue;
		cw_trading_orchestrator_action(&action, CW_ACTION_PLACE_TAKE_PROFIT,
					       CW_ORDER_PURPOSE_TAKE_PROFIT);
		action.level = i;
		action.price = self->exit.tp_price[i];
		cw_trading_orchestrator_enqueue(self, &action);
	}
}

static void
cw_trading_orchestrator_push_close(CwTradingOrchestrator *self, CwOrderPurpose purpose)
{
	CwAction action;

	if (self->close_pending || self->venue_flat || cw_account_is_flat(&self->account))
		return;
	cw_trading_orchestrator_action(&action, CW_ACTION_CLOSE, purpose);
	action.fraction = 1.0;
	self->close_pending = TRUE;
	cw_trading_orchestrator_enqueue(self, &action);
}

static void
cw_trading_orchestrator_abandon(CwTradingOrchestrator *self, const CwAction *action)
{
	if (action->type == CW_ACTION_OPEN)
		self->entry_pending = FALSE;
	else if (action->type == CW_ACTION_CLOSE)
		self->close_pending = FALSE;
}

static gboolean
cw_trading_orchestrator_build(CwTradingOrchestrator *self, CwAction *action, CwOrder *order)
{
	const CwPosition *pos = &self->account.position;
	gboolean flat = cw_account_is_flat(&self->account);
	CwSide exit_side = pos->direction == CW_DIRECTION_LONG ? CW_SIDE_SELL : CW_SIDE_BUY;

	order->type = CW_ORDER_TYPE_MARKET;
	order->reduce_only = TRUE;
	order->side = exit_side;
	order->purpose = action->purpose;
	switch (action->type) {
	case CW_ACTION_OPEN:
		if (self->drop_queued_entry) {
			self->drop_queued_entry = FALSE;
			return FALSE;
		}
		if (!flat || action->qty <= 0 || action->direction == CW_DIRECTION_NONE)
			return FALSE;
		order->side = action->direction == CW_DIRECTION_LONG ? CW_SIDE_BUY : CW_SIDE_SELL;
		order->reduce_only = FALSE;
		order->purpose = CW_ORDER_PURPOSE_ENTRY;
		order->qty = action->qty;
		return TRUE;
	case CW_ACTION_CLOSE:
		if (flat)
			return FALSE;
		order->qty = pos->qty;
		return TRUE;
	case CW_ACTION_CLOSE_PERCENT:
		if (flat)
			return FALSE;
		order->qty = action->fraction >= 1.0
				 ? pos->qty
				 : cw_instrument_floor_qty(&self->config->instrument,
							   pos->qty * action->fraction);
		return order->qty > 0;
	case CW_ACTION_UPDATE_STOP:
	case CW_ACTION_MOVE_STOP_TO_BREAKEVEN:
	case CW_ACTION_ACTIVATE_TRAILING:
		if (flat || action->price <= 0)
			return FALSE;
		/* nothing to replace when the working stop already matches */
		if (self->has_stop && self->stop_order.stop_price == action->price &&
		    self->stop_order.qty == pos->qty && self->stop_order.purpose == action->purpose)
			return FALSE;
		order->type = CW_ORDER_TYPE_STOP;
		order->qty = pos->qty;
		order->stop_price = action->price;
		return TRUE;
	case CW_ACTION_PLACE_TAKE_PROFIT:
		if (flat || action->level >= self->exit.n_take_profits ||
		    self->exit.tp_filled[action->level] || self->has_tp[action->level])
			return FALSE;
		order->type = CW_ORDER_TYPE_LIMIT;
		order->purpose = CW_ORDER_PURPOSE_TAKE_PROFIT;
		order->qty = MIN(self->exit.tp_qty[action->level], pos->qty);
		order->price = self->exit.tp_price[action->level];
		return order->qty > 0;
	default:
		return FALSE;
	}
}

static void
cw_trading_orchestrator_reject(CwTradingOrchestrator *self, const CwOrder *order,
			       const char *source, const char *reason)
{
	CwOrder rejected = *order;

	rejected.status = CW_ORDER_STATUS_REJECTED;
	cw_trading_orchestrator_emit_order(self, CW_EVENT_ORDER_REJECTED, &rejected, source, reason,
					   0);
	cw_trading_orchestrator_emit_order(self, CW_EVENT_GUARD_TRIPPED, &rejected, source, reason,
					   0);
}

static gboolean
cw_trading_orchestrator_is_stop_action(CwActionType type)
{
	return type == CW_ACTION_UPDATE_STOP || type == CW_ACTION_MOVE_STOP_TO_BREAKEVEN ||
	       type == CW_ACTION_ACTIVATE_TRAILING;
}

static const char *
cw_trading_orchestrator_stop_reason(CwActionType type)
{
	switch (type) {
	case CW_ACTION_MOVE_STOP_TO_BREAKEVEN:
		return "breakeven";
	case CW_ACTION_ACTIVATE_TRAILING:
		return "trailing";
	default:
		return "update";
	}
}

/* protection: the window between an entry fill and its stop's ack */

static void
cw_trading_orchestrator_unprotected_begin(CwTradingOrchestrator *self)
{
	if (self->unprotected || self->exit.stop_price <= 0)
		return;
	self->unprotected = TRUE;
	self->unprotected_since = cw_trading_orchestrator_now_ms(self);
	self->unprotected_since_candle = self->n_candles;
}

static void
cw_trading_orchestrator_unprotected_end(CwTradingOrchestrator *self)
{
	CwProtectionStats *p = &self->protection;
	gint64 ms;
	guint64 candles;

	if (!self->unprotected)
		return;
	self->unprotected = FALSE;
	ms = MAX(0, cw_trading_orchestrator_now_ms(self) - self->unprotected_since);
	candles = self->n_candles - self->unprotected_since_candle;
	p->n_windows++;
	p->total_ms += ms;
	p->max_ms = MAX(p->max_ms, ms);
	p->max_candles = MAX(p->max_candles, candles);
}

/* Every cancel goes through here: the service makes its intent durable
 * (the cancel hook) before the broker sees it. */
static void
cw_trading_orchestrator_send_cancel(CwTradingOrchestrator *self, const char *client_order_id)
{
	if (self->cancel_hook != NULL && !self->warm_up)
		self->cancel_hook(self, client_order_id, self->cancel_hook_data);
	self->broker_iface->cancel(self->broker, client_order_id, NULL);
}

/* The replacement stop is working: the one it replaces goes. */
static void
cw_trading_orchestrator_retire_old_stop(CwTradingOrchestrator *self)
{
	char id[CW_CLIENT_ORDER_ID_LEN];

	if (!self->has_old_stop)
		return;
	self->has_old_stop = FALSE;
	if (self->old_stop.seq == self->stop_order.seq)
		return; /* amended in place: the same order */
	memcpy(id, self->old_stop.client_order_id, sizeof(id));
	cw_trading_orchestrator_send_cancel(self, id);
}

static void cw_trading_orchestrator_start_lookup(CwTradingOrchestrator *self);
static void cw_trading_orchestrator_no_position(CwTradingOrchestrator *self, const CwOrder *order,
						const CwBrokerFault *fault);
static void cw_trading_orchestrator_begin_unknown(CwTradingOrchestrator *self,
						  const CwOrder *order);

/* Counts a failed request in the guards (the circuit breaker), whether
 * the broker said so at once or in a report. */
static void
cw_trading_orchestrator_count_error(CwTradingOrchestrator *self, const CwOrder *order,
				    const GError *error)
{
	CwGuardContext ctx;

	cw_trading_orchestrator_fill_context(self, &ctx, order->reduce_only);
	cw_guard_pipeline_on_order_error(self->guards, &ctx, order, error);
}

static gboolean cw_trading_orchestrator_send_now(CwTradingOrchestrator *self, const CwOrder *order,
						 gboolean amend, gint tp_level, GError **error);

/* Sends the order of action: an amend of the working stop when the broker
 * can, else a new order. */
static gboolean
cw_trading_orchestrator_send(CwTradingOrchestrator *self, const CwAction *action,
			     const CwOrder *order, gboolean amend, gint tp_level, GError **error)
{
	/* the service records the order durably before the broker sees it */
	if (self->order_hook != NULL &&
	    !self->order_hook(self, order, self->order_hook_data, error))
		return FALSE;
	/* accepted for sending: it goes once its row is committed; the
	 * broker's answer comes as a report, as an exchange's does */
	if (self->hold_sends) {
		CwHeldSend h = {*order, amend, tp_level, *action};
		h.action.order = *order;
		g_array_append_val(self->held, h);
		return TRUE;
	}
	return cw_trading_orchestrator_send_now(self, order, amend, tp_level, error);
}

static gboolean
cw_trading_orchestrator_send_now(CwTradingOrchestrator *self, const CwOrder *order, gboolean amend,
				 gint tp_level, GError **error)
{
	gboolean ok;

	self->in_request = TRUE;
	self->request_acked = FALSE;
	self->request_seq = order->seq;
	self->request_id = order->client_order_id;
	self->request_tp = tp_level;
	if (amend)
		ok = self->broker_iface->amend(self->broker, order->client_order_id, order->qty, 0,
					       order->stop_price, error);
	else
		ok = self->broker_iface->submit(self->broker, order, error);
	self->in_request = FALSE;
	return ok;
}

static inline void cw_trading_orchestrator_drain(CwTradingOrchestrator *self);

/* The fail-safe of a position whose stop cannot be placed: ACTION_FAILED
 * with self->reason journals why, and a reduce-only market order closes the
 * position at once (inside a queue run, the run picks it up). */
static void
cw_trading_orchestrator_close_unprotected(CwTradingOrchestrator *self, const CwOrder *stop,
					  guint attempts)
{
	cw_trading_orchestrator_emit_order(self, CW_EVENT_ACTION_FAILED, stop, "protection",
					   self->reason, (double) attempts);
	cw_trading_orchestrator_push_close(self, CW_ORDER_PURPOSE_GUARD_EXIT);
	cw_trading_orchestrator_drain(self);
}

/* The protective stop was refused for good (by submit, or by a later
 * report) and no other stop protects the open position. It is placed again
 * under the retry policy, with a new client order id, after the policy's
 * wait for that attempt; after CW_ACTION_QUEUE_DEFAULT_MAX_RETRIES refusals
 * in a row the position is closed with a reduce-only market order, and an
 * ACTION_FAILED event journals why. */
static void
cw_trading_orchestrator_stop_refused(CwTradingOrchestrator *self, const CwOrder *refused)
{
	CwAction action;
	gint64 due;

	if (cw_trading_orchestrator_is_flat(self) || self->has_stop || self->exit.stop_price <= 0)
		return;
	self->stop_refusals++;
	if (self->stop_refusals > CW_ACTION_QUEUE_DEFAULT_MAX_RETRIES) {
		g_snprintf(self->reason, sizeof(self->reason),
			   "protective stop refused %u times: closing the position",
			   self->stop_refusals);
		cw_trading_orchestrator_close_unprotected(self, refused, self->stop_refusals);
		return;
	}
	cw_trading_orchestrator_action(&action, CW_ACTION_UPDATE_STOP,
				       cw_exit_machine_get_stop_purpose(&self->exit));
	action.price = self->exit.stop_price;
	due = cw_trading_orchestrator_now_ms(self) +
	      cw_backoff_delay_ms(&self->backoff, self->stop_refusals, refused->client_order_id, 0);
	if (!cw_action_queue_push(self->queue, &action, due))
		g_warning("strategy %s: action queue full, the protective stop is not placed again",
			  self->spec->id);
}

static gboolean
cw_trading_orchestrator_stop_working(const CwTradingOrchestrator *self)
{
	return self->has_stop && !self->has_old_stop &&
	       (self->stop_order.status == CW_ORDER_STATUS_NEW ||
		self->stop_order.status == CW_ORDER_STATUS_PARTIALLY_FILLED);
}

/* TRUE when candle went through the working (acknowledged) stop: the venue
 * triggers it on that candle, and its fill closes the position. A market
 * exit decided on the same candle would reach the venue after the stop
 * filled, and be refused there (the position already zero), so none is
 * sent. A broker simulated on candles fills the stop before the decision
 * (the position is flat by then): backtests are not changed. */
static gboolean
cw_trading_orchestrator_stop_crossed(const CwTradingOrchestrator *self, const CwCandle *candle)
{
	double stop = self->stop_order.stop_price;

	if (!cw_trading_orchestrator_stop_working(self) || !(stop > 0))
		return FALSE;
	return self->stop_order.side == CW_SIDE_SELL ? candle->low <= stop : candle->high >= stop;
}

static CwActionResult
cw_trading_orchestrator_execute(CwAction *action, gpointer user_data)
{
	CwTradingOrchestrator *self = user_data;
	g_autoptr(GError) error = NULL;
	CwOrder order = cw_trading_orchestrator_no_order;
	gboolean is_stop = cw_trading_orchestrator_is_stop_action(action->type);
	/* the working stop a stop action replaces (copied only for those) */
	gboolean had_stop = self->has_stop;
	gboolean amend;
	CwOrder prev_stop;
	CwGuardContext ctx;
	CwBrokerFault fault;
	const char *guard = NULL;

	if (!cw_trading_orchestrator_build(self, action, &order)) {
		cw_trading_orchestrator_abandon(self, action);
		return CW_ACTION_RESULT_DROP;
	}
	/* moving a working stop: in place where the broker can amend */
	amend = is_stop && (self->broker_caps & CW_BROKER_CAP_AMEND) &&
		cw_trading_orchestrator_stop_working(self);
	if (amend) {
		action->order.seq = self->stop_order.seq;
		memcpy(action->order.client_order_id, self->stop_order.client_order_id,
		       CW_CLIENT_ORDER_ID_LEN);
		action->order.created_at = self->stop_order.created_at;
		action->has_order = TRUE;
	} else if (!action->has_order) {
		/* a retry keeps the client order id of the first attempt */
		action->order.seq = self->next_seq++;
		cw_trading_orchestrator_format_client_order_id(self, action->order.seq,
							       action->order.client_order_id);
		action->order.created_at = self->now;
		action->has_order = TRUE;
	}
	memcpy(order.client_order_id, action->order.client_order_id, CW_CLIENT_ORDER_ID_LEN);
	order.seq = action->order.seq;
	order.created_at = action->order.created_at;
	order.updated_at = self->now;
	order.strategy_id = self->strategy_id;
	order.symbol = self->symbol;
	order.status = amend ? CW_ORDER_STATUS_PENDING_REPLACE : CW_ORDER_STATUS_PENDING_NEW;

	/* The operator's mode first. A mode a guard demands is enforced by
	 * that guard in the pipeline, so the refusal carries its name and
	 * cause; the mode in force is checked again after, for guards that
	 * demand a mode without enforcing it. */
	self->reason[0] = '\0';
	if (!cw_guard_pipeline_mode_allows(self->manual_mode, &order, order.reduce_only,
					   self->reason, sizeof(self->reason))) {
		cw_trading_orchestrator_reject(self, &order, "bot-mode", self->reason);
		cw_trading_orchestrator_abandon(self, action);
		return CW_ACTION_RESULT_DROP;
	}
	cw_trading_orchestrator_fill_context(self, &ctx, order.reduce_only);
	if (cw_guard_pipeline_check(self->guards, &ctx, &order, self->reason, sizeof(self->reason),
				    &guard) == CW_GUARD_REJECT) {
		cw_trading_orchestrator_reject(self, &order, guard, self->reason);
		cw_trading_orchestrator_abandon(self, action);
		return CW_ACTION_RESULT_DROP;
	}
	if (!cw_guard_pipeline_mode_allows(self->mode, &order, order.reduce_only, self->reason,
					   sizeof(self->reason))) {
		cw_trading_orchestrator_reject(self, &order, "bot-mode", self->reason);
		cw_trading_orchestrator_abandon(self, action);
		return CW_ACTION_RESULT_DROP;
	}
	if (order.qty <= 0) {
		cw_trading_orchestrator_abandon(self, action);
		return CW_ACTION_RESULT_DROP;
	}

	/* track before submitting: a broker may report from inside submit */
	if (action->type == CW_ACTION_OPEN) {
		memcpy(self->entry_id, order.client_order_id, CW_CLIENT_ORDER_ID_LEN);
		self->entry_seq = order.seq;
	} else if (action->type == CW_ACTION_CLOSE || action->type == CW_ACTION_CLOSE_PERCENT) {
		memcpy(self->close_id, order.client_order_id, CW_CLIENT_ORDER_ID_LEN);
		self->close_seq = order.seq;
	} else if (is_stop) {
		if (had_stop)
			prev_stop = self->stop_order;
		self->stop_order = order;
		self->has_stop = TRUE;
	} else if (action->type == CW_ACTION_PLACE_TAKE_PROFIT) {
		self->tp_orders[action->level] = order;
		self->has_tp[action->level] = TRUE;
	}

	if (!cw_trading_orchestrator_send(
		self, action, &order, amend,
		action->type == CW_ACTION_PLACE_TAKE_PROFIT ? (gint) action->level : -1, &error)) {
		cw_broker_fault_from_error(error, &fault);
		if (fault.kind != CW_BROKER_ERROR_NO_POSITION)
			cw_trading_orchestrator_count_error(self, &order, error);
		action->order = order; /* for the retry and the failure event */
		g_strlcpy(action->last_error, error->message, sizeof(action->last_error));
		if (fault.kind == CW_BROKER_ERROR_UNKNOWN_OUTCOME && !amend) {
			/* it may be working: keep tracking it, send nothing else
			 * until a lookup by its client order id says */
			self->limbo = *action;
			self->has_limbo = TRUE;
			self->limbo_has_action = TRUE;
			self->lookup_attempts = 0;
			if (action->type == CW_ACTION_OPEN)
				self->entry_working = TRUE;
			cw_trading_orchestrator_start_lookup(self);
			return CW_ACTION_RESULT_DROP;
		}
		if (is_stop) {
			if (had_stop)
				self->stop_order = prev_stop;
			self->has_stop = had_stop;
		} else if (action->type == CW_ACTION_PLACE_TAKE_PROFIT) {
			self->has_tp[action->level] = FALSE;
		}
		if (fault.kind == CW_BROKER_ERROR_NO_POSITION) {
			cw_trading_orchestrator_abandon(self, action);
			cw_trading_orchestrator_no_position(self, &order, &fault);
			return CW_ACTION_RESULT_DROP;
		}
		if (fault.kind == CW_BROKER_ERROR_REJECTED ||
		    fault.kind == CW_BROKER_ERROR_NOT_FOUND) {
			/* permanent: no retry */
			order.status = CW_ORDER_STATUS_REJECTED;
			if (is_stop && had_stop)
				g_snprintf(self->reason, sizeof(self->reason),
					   "stop replacement rejected, the previous stop at %.10g "
					   "stays: %s",
					   self->stop_order.stop_price, fault.text);
			else
				g_strlcpy(self->reason, fault.text, sizeof(self->reason));
			cw_trading_orchestrator_emit_order(self, CW_EVENT_ORDER_REJECTED, &order,
							   "broker", self->reason,
							   (double) fault.venue_code);
			cw_trading_orchestrator_abandon(self, action);
			if (is_stop && !had_stop)
				cw_trading_orchestrator_stop_refused(self, &order);
			return CW_ACTION_RESULT_DROP;
		}
		action->retry_after_s = fault.retry_after_s;
		g_debug("strategy %s: %s failed (attempt %u): %s", self->spec->id,
			cw_action_type_to_string(action->type), action->attempts + 1,
			error->message);
		return CW_ACTION_RESULT_RETRY;
	}

	/* the broker's acknowledgement, if it came synchronously; else the
	 * order stays PENDING_NEW until its report */
	order.status = self->request_acked ? CW_ORDER_STATUS_NEW : order.status;
	if (action->type == CW_ACTION_OPEN) {
		self->entry_working = TRUE;
		self->entry_deadline = 0;
	}
	if (order.purpose == CW_ORDER_PURPOSE_MANUAL_EXIT && self->reconcile_close)
		cw_trading_orchestrator_emit_order(self, CW_EVENT_ORDER_SUBMITTED, &order,
						   CW_ORCHESTRATOR_RECONCILE_SOURCE,
						   CW_ORCHESTRATOR_RECONCILE_REASON, 0);
	else if (order.purpose == CW_ORDER_PURPOSE_MANUAL_EXIT)
		cw_trading_orchestrator_emit_order(self, CW_EVENT_ORDER_SUBMITTED, &order,
						   CW_ORCHESTRATOR_MANUAL_SOURCE,
						   CW_ORCHESTRATOR_MANUAL_REASON, 0);
	else
		cw_trading_orchestrator_emit_order(self, CW_EVENT_ORDER_SUBMITTED, &order, NULL,
						   NULL, 0);
	if (is_stop) {
		self->account.position.stop_price = order.stop_price;
		if (!amend && had_stop &&
		    strcmp(prev_stop.client_order_id, order.client_order_id) != 0) {
			/* replace first, then cancel once the replacement works: the
			 * position is never unprotected */
			if (self->has_old_stop) {
				/* prev_stop was itself an unacknowledged replacement of
				 * old_stop, which stays until this one works */
				cw_trading_orchestrator_send_cancel(self,
								    prev_stop.client_order_id);
			} else {
				self->old_stop = prev_stop;
				self->has_old_stop = TRUE;
			}
			if (self->request_acked)
				cw_trading_orchestrator_retire_old_stop(self);
		}
		if (had_stop || action->type != CW_ACTION_UPDATE_STOP)
			cw_trading_orchestrator_emit_order(
			    self, CW_EVENT_STOP_MOVED, &order, "exit-machine",
			    cw_trading_orchestrator_stop_reason(action->type), order.stop_price);
	}
	cw_trading_orchestrator_emit_order(self, CW_EVENT_ACTION_EXECUTED, &order,
					   cw_action_type_to_string(action->type), NULL,
					   (double) action->attempts);
	return CW_ACTION_RESULT_DONE;
}

static void
cw_trading_orchestrator_action_failed(CwAction *action, gpointer user_data)
{
	CwTradingOrchestrator *self = user_data;

	cw_trading_orchestrator_emit_order(
	    self, CW_EVENT_ACTION_FAILED, action->has_order ? &action->order : NULL,
	    cw_action_type_to_string(action->type), action->last_error, (double) action->attempts);
	cw_trading_orchestrator_abandon(self, action);
	/* retries spent on the stop of an open position: it cannot be left
	 * without one */
	if (cw_trading_orchestrator_is_stop_action(action->type) && !self->has_stop &&
	    !cw_trading_orchestrator_is_flat(self)) {
		g_snprintf(self->reason, sizeof(self->reason),
			   "protective stop not placed after %u attempts: closing the position",
			   action->attempts);
		cw_trading_orchestrator_close_unprotected(
		    self, action->has_order ? &action->order : NULL, action->attempts);
	}
}

static void
cw_trading_orchestrator_drain_queue(CwTradingOrchestrator *self)
{
	cw_action_queue_run(self->queue, cw_trading_orchestrator_now_ms(self),
			    cw_trading_orchestrator_execute, cw_trading_orchestrator_action_failed,
			    self);
}

/* Inline: most candles have nothing queued. Nothing is sent while an
 * order's outcome is unknown. */
static inline void
cw_trading_orchestrator_drain(CwTradingOrchestrator *self)
{
	if (G_LIKELY(cw_action_queue_get_length(self->queue) == 0) || self->has_limbo)
		return;
	cw_trading_orchestrator_drain_queue(self);
}

/* fills */

static void
cw_trading_orchestrator_cancel_exits(CwTradingOrchestrator *self)
{
	char id[CW_CLIENT_ORDER_ID_LEN];

	/* clear the flags first: cancelling calls back into the sink */
	if (self->has_old_stop) {
		self->has_old_stop = FALSE;
		memcpy(id, self->old_stop.client_order_id, sizeof(id));
		cw_trading_orchestrator_send_cancel(self, id);
	}
	if (self->has_stop) {
		self->has_stop = FALSE;
		memcpy(id, self->stop_order.client_order_id, sizeof(id));
		cw_trading_orchestrator_send_cancel(self, id);
	}
	for (guint i = 0; i < CW_MAX_TAKE_PROFITS; i++) {
		if (!self->has_tp[i])
			continue;
		self->has_tp[i] = FALSE;
		memcpy(id, self->tp_orders[i].client_order_id, sizeof(id));
		cw_trading_orchestrator_send_cancel(self, id);
	}
}

/* Take profits are no protection: they are cancelled before they are
 * placed again (with other quantities). */
static void
cw_trading_orchestrator_cancel_take_profits(CwTradingOrchestrator *self)
{
	char id[CW_CLIENT_ORDER_ID_LEN];

	for (guint i = 0; i < CW_MAX_TAKE_PROFITS; i++) {
		if (!self->has_tp[i])
			continue;
		self->has_tp[i] = FALSE;
		memcpy(id, self->tp_orders[i].client_order_id, sizeof(id));
		cw_trading_orchestrator_send_cancel(self, id);
	}
}

static void
cw_trading_orchestrator_position_opened(CwTradingOrchestrator *self)
{
	CwPosition *pos = &self->account.position;
	CwEvent event = cw_trading_orchestrator_no_event;

	cw_exit_machine_open(&self->exit, pos->direction, pos->entry_price, pos->qty,
			     self->decision_atr);
	pos->stop_price = self->exit.stop_price;
	event.type = CW_EVENT_POSITION_OPENED;
	event.position = pos;
	cw_trading_orchestrator_emit(self, &event);
	/* unprotected until the stop's acknowledgement */
	cw_trading_orchestrator_unprotected_begin(self);
	cw_trading_orchestrator_push_stop(self, CW_ACTION_UPDATE_STOP);
	cw_trading_orchestrator_push_take_profits(self);
}

static void
cw_trading_orchestrator_position_closed(CwTradingOrchestrator *self, const CwTrade *trade)
{
	CwEvent event = cw_trading_orchestrator_no_event;
	CwGuardContext ctx;

	event.type = CW_EVENT_POSITION_CLOSED;
	event.position = &self->account.position;
	event.trade = trade;
	event.value = trade->net_pnl;
	if (trade->exit_reason == CW_ORDER_PURPOSE_MANUAL_EXIT && self->reconcile_close) {
		event.source = CW_ORCHESTRATOR_RECONCILE_SOURCE;
		event.reason = CW_ORCHESTRATOR_RECONCILE_REASON;
	} else if (trade->exit_reason == CW_ORDER_PURPOSE_MANUAL_EXIT) {
		event.source = CW_ORCHESTRATOR_MANUAL_SOURCE;
		event.reason = CW_ORCHESTRATOR_MANUAL_REASON;
	}
	self->reconcile_close = FALSE;
	cw_trading_orchestrator_cancel_exits(self);
	cw_exit_machine_close(&self->exit);
	cw_trading_orchestrator_unprotected_end(self);
	self->stop_refusals = 0;
	self->entry_pending = FALSE;
	self->close_pending = FALSE;
	self->venue_flat = FALSE;
	cw_trading_orchestrator_emit(self, &event);
	event.type = CW_EVENT_TRADE_CLOSED;
	cw_trading_orchestrator_emit(self, &event);
	cw_trading_orchestrator_fill_context(self, &ctx, FALSE);
	cw_guard_pipeline_on_trade(self->guards, &ctx, trade);
}

static void
cw_trading_orchestrator_on_fill(CwTradingOrchestrator *self, const CwOrder *order,
				const CwFill *fill)
{
	static const char *const tp_names[CW_MAX_TAKE_PROFITS] = {"tp1", "tp2", "tp3"};
	const CwTrade *trade = NULL;
	CwAccountFillKind kind;
	CwStopChange change = CW_STOP_CHANGE_NONE;
	CwGuardContext ctx;
	int tp_level = -1;
	CwEvent event = cw_trading_orchestrator_no_event;

	event.type = CW_EVENT_ORDER_FILLED;
	event.order = order;
	event.fill = fill;
	event.position = &self->account.position;
	event.value = fill->price;
	if (self->has_stop && cw_trading_orchestrator_same_order(order, self->stop_order.seq,
								 self->stop_order.client_order_id))
		self->has_stop = FALSE;
	for (guint i = 0; i < CW_MAX_TAKE_PROFITS; i++) {
		if (self->has_tp[i] &&
		    cw_trading_orchestrator_same_order(order, self->tp_orders[i].seq,
						       self->tp_orders[i].client_order_id)) {
			self->has_tp[i] = FALSE;
			tp_level = (int) i;
		}
	}
	if (cw_trading_orchestrator_same_order(order, self->entry_seq, self->entry_id)) {
		self->entry_pending = FALSE;
		/* a part: the rest may follow until the entry timeout */
		self->entry_working = order->status == CW_ORDER_STATUS_PARTIALLY_FILLED;
		if (self->entry_working && self->entry_deadline == 0)
			self->entry_deadline =
			    cw_trading_orchestrator_now_ms(self) + self->entry_timeout_ms;
	}
	if (cw_trading_orchestrator_same_order(order, self->close_seq, self->close_id))
		self->close_pending = FALSE;

	kind = cw_account_apply_fill(&self->account, fill, &trade);
	if (kind == CW_ACCOUNT_FILL_REDUCED || kind == CW_ACCOUNT_FILL_INCREASED)
		self->account.position.stop_price =
		    self->has_stop ? self->stop_order.stop_price : 0;
	cw_trading_orchestrator_emit(self, &event);
	cw_trading_orchestrator_fill_context(self, &ctx, order->reduce_only);
	cw_guard_pipeline_on_fill(self->guards, &ctx, fill);

	if (tp_level >= 0) {
		change = cw_exit_machine_on_take_profit(&self->exit, (guint) tp_level, fill->price);
		cw_trading_orchestrator_emit_order(self, CW_EVENT_TAKE_PROFIT_HIT, order,
						   "exit-machine", tp_names[tp_level],
						   (double) (tp_level + 1));
	}

	switch (kind) {
	case CW_ACCOUNT_FILL_OPENED:
		cw_trading_orchestrator_position_opened(self);
		break;
	case CW_ACCOUNT_FILL_INCREASED:
		/* another part of the entry: the stop covers what is filled, and
		 * the take profits are split again over it */
		if (self->has_stop && self->stop_order.qty != self->account.position.qty)
			cw_trading_orchestrator_push_stop(self, CW_ACTION_UPDATE_STOP);
		if (cw_exit_machine_resize(&self->exit, self->account.position.qty)) {
			cw_trading_orchestrator_cancel_take_profits(self);
			cw_trading_orchestrator_push_take_profits(self);
		}
		event.type = CW_EVENT_POSITION_UPDATED;
		event.order = NULL;
		event.fill = NULL;
		cw_trading_orchestrator_emit(self, &event);
		break;
	case CW_ACCOUNT_FILL_REDUCED:
		if (change == CW_STOP_CHANGE_BREAKEVEN)
			cw_trading_orchestrator_push_stop(self, CW_ACTION_MOVE_STOP_TO_BREAKEVEN);
		else if (change != CW_STOP_CHANGE_NONE)
			cw_trading_orchestrator_push_stop(self, CW_ACTION_ACTIVATE_TRAILING);
		else if (self->has_stop && self->stop_order.qty > self->account.position.qty)
			cw_trading_orchestrator_push_stop(self, CW_ACTION_UPDATE_STOP);
		event.type = CW_EVENT_POSITION_UPDATED;
		event.order = NULL;
		event.fill = NULL;
		cw_trading_orchestrator_emit(self, &event);
		break;
	case CW_ACCOUNT_FILL_CLOSED:
		cw_trading_orchestrator_position_closed(self, trade);
		break;
	case CW_ACCOUNT_FILL_REVERSED:
		cw_trading_orchestrator_position_closed(self, trade);
		cw_trading_orchestrator_position_opened(self);
		break;
	default:
		break;
	}
	cw_trading_orchestrator_drain(self);
}

/* reports */

static gboolean
cw_trading_orchestrator_is_stop(const CwTradingOrchestrator *self, const CwOrder *order)
{
	return self->has_stop && cw_trading_orchestrator_same_order(
				     order, self->stop_order.seq, self->stop_order.client_order_id);
}

/* Acknowledgements are the most frequent reports: a broker that echoes
 * the seq (unique per orchestrator) is matched without reading the ids. */
static inline gboolean
cw_trading_orchestrator_acked(const CwOrder *order, guint64 seq, const char *id)
{
	return order->seq != 0 ? order->seq == seq : strcmp(order->client_order_id, id) == 0;
}

/* The broker acknowledged a request: the order works (NEW), or an amend
 * or cancel is under way. */
static void
cw_trading_orchestrator_on_ack(CwTradingOrchestrator *self, const CwOrder *order)
{
	gboolean own = self->in_request &&
		       cw_trading_orchestrator_acked(order, self->request_seq, self->request_id);

	if (own)
		self->request_acked = TRUE;
	if (self->has_stop && cw_trading_orchestrator_acked(order, self->stop_order.seq,
							    self->stop_order.client_order_id)) {
		self->stop_order.status = order->status;
		if (order->status == CW_ORDER_STATUS_NEW ||
		    order->status == CW_ORDER_STATUS_PARTIALLY_FILLED) {
			self->stop_order.qty = order->qty;
			self->stop_order.stop_price = order->stop_price;
			self->stop_refusals = 0;
			cw_trading_orchestrator_unprotected_end(self);
			/* inside our own submit, execute() cancels the old stop
			 * once the request returns, in the order events always had */
			if (!self->in_request)
				cw_trading_orchestrator_retire_old_stop(self);
		}
	} else if (own) {
		/* the request in flight: its role is known, no scan */
		if (self->request_tp >= 0)
			self->tp_orders[self->request_tp].status = order->status;
	} else {
		for (guint i = 0; i < CW_MAX_TAKE_PROFITS; i++) {
			if (self->has_tp[i] &&
			    cw_trading_orchestrator_acked(order, self->tp_orders[i].seq,
							  self->tp_orders[i].client_order_id))
				self->tp_orders[i].status = order->status;
		}
	}
	if (!self->in_request)
		cw_trading_orchestrator_emit_order(self, CW_EVENT_ORDER_ACKNOWLEDGED, order,
						   "broker", NULL, 0);
}

/* The order ended without (more) fills: cancelled, rejected, expired. */
static void
cw_trading_orchestrator_on_ended(CwTradingOrchestrator *self, const CwOrder *order,
				 const char *reason)
{
	gboolean flat = cw_trading_orchestrator_is_flat(self);

	if (cw_trading_orchestrator_is_stop(self, order)) {
		if (order->status == CW_ORDER_STATUS_REJECTED && self->has_old_stop) {
			/* the replacement was refused: the old stop stays working */
			self->stop_order = self->old_stop;
			self->has_old_stop = FALSE;
			self->account.position.stop_price = self->stop_order.stop_price;
			g_snprintf(
			    self->reason, sizeof(self->reason),
			    "stop replacement rejected, the previous stop at %.10g stays%s%s",
			    self->stop_order.stop_price, reason != NULL ? ": " : "",
			    reason != NULL ? reason : "");
			cw_trading_orchestrator_emit_order(self, CW_EVENT_ORDER_REJECTED, order,
							   "broker", self->reason, 0);
			return;
		}
		self->has_stop = FALSE;
		if (!flat && !self->has_old_stop)
			cw_trading_orchestrator_unprotected_begin(self);
	}
	if (self->has_old_stop && cw_trading_orchestrator_same_order(
				      order, self->old_stop.seq, self->old_stop.client_order_id))
		self->has_old_stop = FALSE;
	for (guint i = 0; i < CW_MAX_TAKE_PROFITS; i++) {
		if (self->has_tp[i] &&
		    cw_trading_orchestrator_same_order(order, self->tp_orders[i].seq,
						       self->tp_orders[i].client_order_id)) {
			self->has_tp[i] = FALSE;
		}
	}
	if (cw_trading_orchestrator_same_order(order, self->entry_seq, self->entry_id)) {
		self->entry_pending = FALSE;
		self->entry_working = FALSE;
		self->entry_deadline = 0;
	}
	if (self->close_pending &&
	    cw_trading_orchestrator_same_order(order, self->close_seq, self->close_id))
		self->close_pending = FALSE;
	cw_trading_orchestrator_emit_order(self,
					   order->status == CW_ORDER_STATUS_REJECTED
					       ? CW_EVENT_ORDER_REJECTED
					       : CW_EVENT_ORDER_CANCELLED,
					   order, "broker",
					   reason != NULL                             ? reason
					   : order->status == CW_ORDER_STATUS_EXPIRED ? "expired"
										      : NULL,
					   0);
}

/* A report ended an order; a protective stop refused for good is placed
 * again (cw_trading_orchestrator_stop_refused). */
static void
cw_trading_orchestrator_on_ended_report(CwTradingOrchestrator *self, const CwOrder *order,
					const char *reason)
{
	gboolean protective = order->status == CW_ORDER_STATUS_REJECTED && !self->has_old_stop &&
			      cw_trading_orchestrator_is_stop(self, order);

	cw_trading_orchestrator_on_ended(self, order, reason);
	if (protective)
		cw_trading_orchestrator_stop_refused(self, order);
}

/* A reduce-only order was refused because the venue's position is already
 * zero: another of the bot's orders closed it first (the stop or a take
 * profit that filled while this one was on its way). The order ends and
 * ORDER_REJECTED journals why; the trade is closed by the fill that closed
 * the venue's position when its report comes (the stream, or the catch-up
 * the broker starts on such a refusal), once and at its price. Until then
 * no market exit is sent, and a refused stop is not placed again: the
 * venue has nothing left to protect. If the fill never comes, the owner's
 * reconcile finds the positions differ and halts the bot (fail closed). */
static void
cw_trading_orchestrator_no_position(CwTradingOrchestrator *self, const CwOrder *order,
				    const CwBrokerFault *fault)
{
	CwOrder ended = *order;
	gboolean flat;

	ended.status = CW_ORDER_STATUS_REJECTED;
	if (cw_trading_orchestrator_is_stop(self, order) && self->has_old_stop) {
		/* a replacement refused: the old stop stays tracked until its
		 * own report (filled, most likely) */
		self->stop_order = self->old_stop;
		self->has_old_stop = FALSE;
		self->account.position.stop_price = self->stop_order.stop_price;
	} else if (cw_trading_orchestrator_is_stop(self, order)) {
		self->has_stop = FALSE;
	}
	for (guint i = 0; i < CW_MAX_TAKE_PROFITS; i++) {
		if (self->has_tp[i] &&
		    cw_trading_orchestrator_same_order(order, self->tp_orders[i].seq,
						       self->tp_orders[i].client_order_id))
			self->has_tp[i] = FALSE;
	}
	if (cw_trading_orchestrator_same_order(order, self->close_seq, self->close_id))
		self->close_pending = FALSE;
	flat = cw_trading_orchestrator_is_flat(self);
	if (!flat && !self->venue_flat) {
		self->venue_flat = TRUE;
		self->venue_flat_deadline =
		    cw_trading_orchestrator_now_ms(self) + CW_ORCHESTRATOR_VENUE_FLAT_TIMEOUT_MS;
	}
	g_snprintf(self->reason, sizeof(self->reason),
		   "%s refused: the venue position is already closed%s: %s",
		   cw_order_purpose_to_string(order->purpose),
		   flat ? " (the trade closed at the fill that closed it)"
			: "; the trade closes at the fill that closed it",
		   fault->text);
	cw_trading_orchestrator_emit_order(self, CW_EVENT_ORDER_REJECTED, &ended,
					   CW_ORCHESTRATOR_VENUE_FLAT_SOURCE, self->reason,
					   (double) fault->venue_code);
}

/* A request about an order that was accepted for sending failed later. */
static void
cw_trading_orchestrator_on_fault(CwTradingOrchestrator *self, const CwExecutionReport *report)
{
	const CwOrder *order = report->order;
	const CwBrokerFault *fault = report->error;
	g_autoptr(GError) error = NULL;

	if (fault->kind == CW_BROKER_ERROR_NO_POSITION) {
		/* not a failure of the venue: no error is counted */
		cw_trading_orchestrator_no_position(self, order, fault);
		return;
	}
	/* the circuit breaker counts asynchronous errors too (the error path
	 * may allocate) */
	error = g_error_new_literal(CW_BROKER_ERROR, (int) fault->kind, fault->text);
	cw_trading_orchestrator_count_error(self, order, error);
	if (fault->kind == CW_BROKER_ERROR_UNKNOWN_OUTCOME) {
		if (!self->has_limbo) {
			cw_trading_orchestrator_begin_unknown(self, order);
			return;
		}
		/* one lookup at a time: this order is looked up after */
		if (self->n_unknown < CW_ORCHESTRATOR_MAX_UNKNOWN) {
			self->unknown[self->n_unknown++] = *order;
			return;
		}
		g_warning("strategy %s: order %s: outcome unknown and %d lookups waiting: it "
			  "stays as last known",
			  self->spec->id, order->client_order_id, CW_ORCHESTRATOR_MAX_UNKNOWN);
		return;
	}
	if (cw_order_status_is_final(order->status)) {
		cw_trading_orchestrator_on_ended_report(self, order, fault->text);
		return;
	}
	/* a refused amend or cancel: the order is as the broker says */
	if (cw_trading_orchestrator_is_stop(self, order)) {
		self->stop_order = *order;
		self->account.position.stop_price = order->stop_price;
	}
	g_snprintf(self->reason, sizeof(self->reason), "request refused, the order stays %s: %s",
		   cw_order_status_to_string(order->status), fault->text);
	cw_trading_orchestrator_emit_order(self, CW_EVENT_ORDER_REJECTED, order, "broker",
					   self->reason, (double) fault->venue_code);
}

static void cw_trading_orchestrator_on_report(const CwExecutionReport *report, gpointer user_data);

/* A report said the outcome of order is unknown: look it up. */
static void
cw_trading_orchestrator_begin_unknown(CwTradingOrchestrator *self, const CwOrder *order)
{
	memset(&self->limbo, 0, G_STRUCT_OFFSET(CwAction, order));
	self->limbo.order = *order;
	self->limbo.has_order = TRUE;
	self->has_limbo = TRUE;
	self->limbo_has_action = FALSE;
	self->lookup_attempts = 0;
	cw_trading_orchestrator_start_lookup(self);
}

/* The lookup of the current order is settled: the next one waiting, if any. */
static void
cw_trading_orchestrator_next_unknown(CwTradingOrchestrator *self)
{
	CwOrder next;

	if (self->has_limbo || self->n_unknown == 0)
		return;
	next = self->unknown[0];
	self->n_unknown--;
	memmove(&self->unknown[0], &self->unknown[1], self->n_unknown * sizeof(CwOrder));
	cw_trading_orchestrator_begin_unknown(self, &next);
}

static void
cw_trading_orchestrator_on_report(const CwExecutionReport *report, gpointer user_data)
{
	CwTradingOrchestrator *self = user_data;
	const CwOrder *order = report->order;

	self->generation++;

	if (report->error != NULL) {
		cw_trading_orchestrator_on_fault(self, report);
		return;
	}
	if (report->fill != NULL) {
		cw_trading_orchestrator_on_fill(self, order, report->fill);
		return;
	}
	switch (order->status) {
	case CW_ORDER_STATUS_CANCELLED:
	case CW_ORDER_STATUS_REJECTED:
	case CW_ORDER_STATUS_EXPIRED:
		cw_trading_orchestrator_on_ended_report(self, order, NULL);
		break;
	case CW_ORDER_STATUS_FILLED:
		/* a state without its fill (a lookup): fills come as their own reports */
		break;
	default:
		cw_trading_orchestrator_on_ack(self, order);
		break;
	}
}

/* unknown outcomes: looked up by client order id, never sent again blindly */

static void
cw_trading_orchestrator_lookup_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CwTradingOrchestrator) self = user_data;
	g_autoptr(GError) error = NULL;
	CwExecutionReport report = {0};
	CwOrder found;

	self->lookup_in_flight = FALSE;
	if (self->broker == NULL)
		return; /* disposed meanwhile */
	if (cw_broker_lookup_order_finish(CW_BROKER(source), result, &found, &error)) {
		/* it reached the broker: adopt what the broker says */
		double unseen = found.filled_qty - self->limbo.order.filled_qty;
		CwFill fill = {0};

		self->has_limbo = FALSE;
		found.strategy_id = self->strategy_id;
		found.symbol = self->symbol;
		report.order = &found;
		/* what it filled beyond what was reported (a previous life sent it,
		 * or it filled while the bot was down) is booked now */
		if (unseen > 1e-12 * MAX(1.0, found.qty) && found.avg_fill_price > 0) {
			memcpy(fill.client_order_id, found.client_order_id, CW_CLIENT_ORDER_ID_LEN);
			fill.strategy_id = self->strategy_id;
			fill.symbol = self->symbol;
			fill.side = found.side;
			fill.purpose = found.purpose;
			fill.qty = unseen;
			fill.price = found.avg_fill_price;
			fill.time = found.updated_at;
			report.fill = &fill;
		}
		cw_trading_orchestrator_on_report(&report, self);
		cw_trading_orchestrator_next_unknown(self);
		cw_trading_orchestrator_drain(self);
		return;
	}
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	if (!g_error_matches(error, CW_BROKER_ERROR, CW_BROKER_ERROR_NOT_FOUND)) {
		/* the lookup itself failed: again, after a backoff */
		self->lookup_attempts++;
		self->lookup_due = cw_trading_orchestrator_now_ms(self) +
				   cw_backoff_delay_ms(&self->backoff, self->lookup_attempts,
						       self->limbo.order.client_order_id,
						       cw_broker_error_get_retry_after(error));
		return;
	}
	/* it never reached the broker */
	self->has_limbo = FALSE;
	if (self->limbo_has_action) {
		/* send it again, with the same client order id (a venue refuses a
		 * duplicate) */
		self->limbo.attempts++;
		if (!cw_action_queue_requeue(self->queue, &self->limbo,
					     cw_trading_orchestrator_now_ms(self)))
			cw_trading_orchestrator_action_failed(&self->limbo, self);
	} else {
		CwOrder gone = self->limbo.order;

		gone.status = CW_ORDER_STATUS_REJECTED;
		cw_trading_orchestrator_on_ended(self, &gone, "unknown outcome: not at the broker");
		/* protection the order was part of is placed again */
		if (!cw_trading_orchestrator_is_flat(self) && !self->has_stop)
			cw_trading_orchestrator_push_stop(self, CW_ACTION_UPDATE_STOP);
	}
	cw_trading_orchestrator_next_unknown(self);
	cw_trading_orchestrator_drain(self);
}

static void
cw_trading_orchestrator_start_lookup(CwTradingOrchestrator *self)
{
	if (self->lookup_in_flight || !self->has_limbo || self->warm_up)
		return;
	self->lookup_in_flight = TRUE;
	self->lookup_due = 0;
	cw_broker_lookup_order_async(self->broker, self->limbo.order.client_order_id,
				     self->cancellable, cw_trading_orchestrator_lookup_done,
				     g_object_ref(self));
}

/* The venue refused a reduce-only order because its position is zero, and
 * the fill that closed it was not booked in CW_ORCHESTRATOR_VENUE_FLAT_TIMEOUT_MS:
 * the bot holds a position the venue does not. Fail closed: the mode is
 * HALTED (nothing but what reduces), ACTION_FAILED journals why and the
 * owner stops the bot with status error. */
static void
cw_trading_orchestrator_venue_flat_expired(CwTradingOrchestrator *self)
{
	CwEvent event = cw_trading_orchestrator_no_event;

	self->failed = TRUE;
	g_snprintf(self->reason, sizeof(self->reason),
		   "the venue refused a reduce-only order because its position is already zero, "
		   "but no fill that closed it came in %d s: the bot holds %.10g it cannot "
		   "resolve with the venue",
		   CW_ORCHESTRATOR_VENUE_FLAT_TIMEOUT_MS / 1000,
		   cw_trading_orchestrator_signed_qty(self));
	cw_trading_orchestrator_set_mode(self, CW_BOT_MODE_HALTED);
	event.type = CW_EVENT_ACTION_FAILED;
	event.position = &self->account.position;
	event.source = CW_ORCHESTRATOR_VENUE_FLAT_SOURCE;
	event.reason = self->reason;
	cw_trading_orchestrator_emit(self, &event);
	if (self->failed_func != NULL)
		self->failed_func(self, self->reason, self->failed_data);
}

/* Timeouts and retries that are due at the clock's time: the entry
 * timeout, a lookup to try again, the action queue. */
static void
cw_trading_orchestrator_run_timers_due(CwTradingOrchestrator *self)
{
	gint64 now = cw_trading_orchestrator_now_ms(self);

	if (self->entry_working && self->entry_deadline > 0 && now >= self->entry_deadline) {
		char id[CW_CLIENT_ORDER_ID_LEN];

		/* the rest of a partly filled entry is not waited for any longer */
		self->entry_deadline = 0;
		memcpy(id, self->entry_id, sizeof(id));
		cw_trading_orchestrator_send_cancel(self, id);
	}
	if (self->has_limbo && !self->lookup_in_flight && self->lookup_due > 0 &&
	    now >= self->lookup_due)
		cw_trading_orchestrator_start_lookup(self);
	if (self->venue_flat && !self->failed && now >= self->venue_flat_deadline)
		cw_trading_orchestrator_venue_flat_expired(self);
}

/* Inline: usually no timer runs. */
static inline void
cw_trading_orchestrator_run_timers(CwTradingOrchestrator *self)
{
	if (G_LIKELY(!self->entry_working && !self->has_limbo && !self->venue_flat))
		return;
	cw_trading_orchestrator_run_timers_due(self);
}

/* construction */

/**
 * cw_trading_orchestrator_new:
 * @config: the bot configuration (a reference is kept)
 * @spec: (nullable): the strategy to run, one of config's; NULL for the active one
 * @bus: (nullable): where events go
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the orchestrator, or NULL when the
 * strategy, broker or a guard cannot be created from config.
 */
CwTradingOrchestrator *
cw_trading_orchestrator_new(CwBotConfig *config, const CwStrategySpec *spec, CwEventBus *bus,
			    GError **error)
{
	g_autoptr(CwTradingOrchestrator) self = NULL;
	g_autoptr(GObject) strategy = NULL;
	g_autoptr(GObject) broker = NULL;
	const char *broker_type;

	g_return_val_if_fail(config != NULL, NULL);
	g_return_val_if_fail(bus == NULL || CW_IS_EVENT_BUS(bus), NULL);

	cw_execution_register_types();
	if (spec == NULL)
		spec = cw_bot_config_get_active_strategy(config);
	if (spec == NULL) {
		g_set_error(error, CW_EXECUTION_ERROR, CW_EXECUTION_ERROR_CONFIG,
			    "bot %s has no strategy", config->name != NULL ? config->name : "");
		return NULL;
	}

	self = g_object_new(CW_TYPE_TRADING_ORCHESTRATOR, NULL);
	self->config = cw_bot_config_ref(config);
	self->spec = spec;
	self->strategy_id = spec->quark != 0 ? spec->quark : g_quark_from_string(spec->id);
	self->symbol = config->symbol_quark != 0 ? config->symbol_quark
		       : config->symbol != NULL  ? g_quark_from_string(config->symbol)
						 : 0;
	self->bus = bus != NULL ? g_object_ref(bus) : NULL;
	cw_trading_orchestrator_make_prefix(self);

	strategy = cw_extension_new(CW_EXTENSION_POINT_STRATEGY, spec->type, error);
	if (strategy == NULL) {
		g_prefix_error(error, "%s: ", spec->json_path != NULL ? spec->json_path : spec->id);
		return NULL;
	}
	if (!cw_strategy_configure(CW_STRATEGY(strategy), spec, error))
		return NULL;
	self->strategy = CW_STRATEGY(g_steal_pointer(&strategy));
	self->strategy_iface = CW_STRATEGY_GET_IFACE(self->strategy);

	broker_type = cw_bot_config_get_section_type(config, "broker", "paper");
	broker = cw_extension_new(CW_EXTENSION_POINT_BROKER, broker_type, error);
	if (broker == NULL) {
		g_prefix_error(error, "broker.type: ");
		return NULL;
	}
	/* the broker reads its own section */
	if (!cw_broker_configure(CW_BROKER(broker), config,
				 cw_bot_config_get_section(config, "broker"), error))
		return NULL;
	self->broker = CW_BROKER(g_steal_pointer(&broker));
	self->broker_iface = CW_BROKER_GET_IFACE(self->broker);
	self->broker_caps = cw_broker_get_capabilities(self->broker);
	cw_broker_set_report_sink(self->broker, cw_trading_orchestrator_on_report, self);
	self->cancellable = g_cancellable_new();
	self->entry_timeout_ms = (gint64) (config->execution.entry_timeout_s * 1000.0);
	self->backoff = (CwBackoff) CW_BACKOFF_DEFAULT;
	self->backoff.initial_s = config->execution.retry_initial_s;
	self->backoff.max_s = config->execution.retry_max_s;

	self->guards = cw_guard_pipeline_new_from_config(config, error);
	if (self->guards == NULL)
		return NULL;
	self->queue = cw_action_queue_new(CW_ACTION_QUEUE_DEFAULT_CAPACITY,
					  CW_ACTION_QUEUE_DEFAULT_MAX_RETRIES);
	cw_action_queue_set_backoff(self->queue, &self->backoff);
	cw_account_init(&self->account, self->strategy_id, self->symbol, config->initial_balance,
			CW_ORCHESTRATOR_TRADE_CAPACITY);
	cw_exit_machine_init(&self->exit, &spec->exit, &config->instrument);
	self->mode = cw_guard_pipeline_get_mode(self->guards);
	return g_steal_pointer(&self);
}

/* entries */

static double
cw_trading_orchestrator_size(CwTradingOrchestrator *self, double price, double stop_distance)
{
	const CwSizingSpec *s = &self->spec->sizing;
	const CwAccount *acc = &self->account;
	double leverage = s->leverage > 0 ? s->leverage : 1.0;
	double equity = acc->equity;
	double quote;

	if (price <= 0 || equity <= 0)
		return 0;
	switch (s->kind) {
	case CW_SIZING_RISK_PERCENT: {
		double cap = s->max_quote > 0 ? MIN(equity, s->max_quote) : equity;
		if (stop_distance <= 0)
			return 0;
		return MIN(equity * s->risk_percent / 100.0 / stop_distance,
			   cap * leverage / price);
	}
	case CW_SIZING_COMPOUNDING:
		quote = s->quote + s->reinvest_fraction * MAX(0, equity - acc->initial_balance);
		if (s->max_quote > 0)
			quote = MIN(quote, s->max_quote);
		quote = MAX(0, quote);
		/* the margin of the trade must come out of equity above the deposit */
		if (equity - s->protected_deposit < quote)
			return 0;
		return quote * leverage / price;
	case CW_SIZING_FIXED_QUOTE:
	default:
		quote = s->max_quote > 0 ? MIN(s->quote, s->max_quote) : s->quote;
		return MAX(0, quote) * leverage / price;
	}
}

static void
cw_trading_orchestrator_try_enter(CwTradingOrchestrator *self, const CwCandle *candle)
{
	const CwInstrument *inst = &self->config->instrument;
	const CwExitSpec *exit = &self->spec->exit;
	CwDirection direction = self->output.signal.direction;
	double atr = self->output.atr;
	double distance, qty;
	CwAction action;

	distance = cw_exit_spec_stop_distance(exit, candle->close, atr);
	/* an ATR stop without an ATR cannot be placed: no trade */
	if (exit->stop_loss.kind == CW_STOP_ATR && distance <= 0)
		return;
	qty = cw_instrument_floor_qty(inst,
				      cw_trading_orchestrator_size(self, candle->close, distance));
	if (!(qty > 0) || (inst->min_qty > 0 && qty < inst->min_qty) ||
	    (inst->min_notional > 0 && qty * candle->close < inst->min_notional))
		return;
	self->decision_atr = atr;
	cw_trading_orchestrator_action(&action, CW_ACTION_OPEN, CW_ORDER_PURPOSE_ENTRY);
	action.direction = direction;
	action.qty = qty;
	self->entry_pending = TRUE;
	cw_trading_orchestrator_enqueue(self, &action);
}

/**
 * cw_trading_orchestrator_on_candle:
 * @self: an orchestrator
 * @candle: the next closed candle
 *
 * The hot path. For candle N: (1) the broker matches working orders against
 * N (market orders at N's open, then stops, then limits) and fills update
 * the account, the exit machine and emit events; (2) the account is marked
 * at N's close and the guards see the candle; (3) the strategy decides;
 * (4) exits: trailing ratchet, time exit, signal exit; (5) entry when flat;
 * (6) the action queue runs through the guards to the broker.
 */
void
cw_trading_orchestrator_on_candle(CwTradingOrchestrator *self, const CwCandle *candle)
{
	CwGuardContext ctx;
	CwBotMode guard_mode;
	gboolean flatten;

	g_return_if_fail(CW_IS_TRADING_ORCHESTRATOR(self));
	g_return_if_fail(candle != NULL);

	if (G_UNLIKELY(self->warm_up)) {
		/* candle-derived state only: no fill, no mark, no guard, no
		 * decision acted on, no event */
		self->now = candle->open_time;
		self->last_candle = *candle;
		self->has_candle = TRUE;
		self->output = cw_trading_orchestrator_no_output;
		self->strategy_iface->on_candle(self->strategy, candle, &self->output);
		return;
	}
	self->generation++;
	self->n_candles++;
	self->now = candle->open_time;
	self->last_candle = *candle;
	self->has_candle = TRUE;
	self->in_candle = TRUE;

	/* 1: fills of orders placed before this candle */
	if (self->broker_iface->on_candle != NULL)
		self->broker_iface->on_candle(self->broker, candle);

	/* 2: mark to market, guards' view of the candle, mode */
	cw_account_on_candle(&self->account, candle);
	cw_trading_orchestrator_fill_context(self, &ctx, FALSE);
	guard_mode = cw_guard_pipeline_candle(self->guards, &ctx, candle, &flatten);
	cw_trading_orchestrator_set_guard_mode(self, guard_mode, "guard");
	if (flatten)
		cw_trading_orchestrator_push_close(self, CW_ORDER_PURPOSE_GUARD_EXIT);

	/* 3: decision */
	self->output = cw_trading_orchestrator_no_output;
	self->strategy_iface->on_candle(self->strategy, candle, &self->output);
	if (G_UNLIKELY(self->catch_up)) {
		/* a candle of the downtime: the strategy's state moved, but
		 * its signals, the exit machine's moves and entries are not
		 * acted on; what the fills above queued (a stop resized after
		 * a take profit) and the timers still run */
		cw_trading_orchestrator_run_timers(self);
		cw_trading_orchestrator_drain(self);
		self->in_candle = FALSE;
		return;
	}
	if (self->output.signal.direction != CW_DIRECTION_NONE && self->bus != NULL) {
		CwEvent event = cw_trading_orchestrator_no_event;
		event.type = CW_EVENT_SIGNAL_NEW;
		event.signal = self->output.signal;
		cw_trading_orchestrator_emit(self, &event);
	}
	if (self->output.exit_signal != CW_DIRECTION_NONE && self->bus != NULL) {
		CwEvent event = cw_trading_orchestrator_no_event;
		event.type = CW_EVENT_EXIT_SIGNAL;
		event.signal = self->output.signal;
		event.signal.direction = self->output.exit_signal;
		cw_trading_orchestrator_emit(self, &event);
	}

	if (!cw_trading_orchestrator_is_flat(self) && cw_trading_orchestrator_exit_open(self)) {
		/* 4: exits; through the working stop, the venue fills it and its
		 * fill closes the trade */
		gboolean through_stop = cw_trading_orchestrator_stop_crossed(self, candle);

		if (cw_exit_machine_on_candle(&self->exit, candle, self->output.atr) !=
		    CW_STOP_CHANGE_NONE)
			cw_trading_orchestrator_push_stop(self, CW_ACTION_ACTIVATE_TRAILING);
		if (!through_stop && cw_exit_machine_time_exit_due(&self->exit))
			cw_trading_orchestrator_push_close(self, CW_ORDER_PURPOSE_TIME_EXIT);
		else if (!through_stop &&
			 cw_exit_machine_wants_signal_exit(&self->exit, &self->output))
			cw_trading_orchestrator_push_close(self, CW_ORDER_PURPOSE_SIGNAL_EXIT);
	} else if (cw_trading_orchestrator_is_flat(self) && !self->entry_pending &&
		   !self->close_pending && !flatten && self->manual_mode == CW_BOT_MODE_ACTIVE &&
		   self->output.ready && self->output.signal.direction != CW_DIRECTION_NONE) {
		/* 5: entries; a reversal waits for the close to fill first. Under
		 * a mode a guard demands the entry is still tried, so that the
		 * guard refuses it visibly (counts, journal) */
		cw_trading_orchestrator_try_enter(self, candle);
	}

	/* 6: timeouts, then orders */
	cw_trading_orchestrator_run_timers(self);
	cw_trading_orchestrator_drain(self);
	self->in_candle = FALSE;
}

/**
 * cw_trading_orchestrator_prefetch:
 * @self: an orchestrator
 *
 * Asks the CPU to load the part of @self that every candle reads. A loop
 * that gives one candle to many orchestrators calls it for the next one
 * before feeding the current one, so that the loads overlap with work.
 * No effect on results.
 */
void
cw_trading_orchestrator_prefetch(CwTradingOrchestrator *self)
{
	const char *p = (const char *) self;

	/* the fields up to the working orders: a fixed count, unrolled */
#pragma GCC unroll 16
	for (gsize off = 0; off < G_STRUCT_OFFSET(CwTradingOrchestrator, stop_order); off += 64)
		__builtin_prefetch(p + off, 1, 3);
}

gboolean
cw_trading_orchestrator_reads_other_bots(CwTradingOrchestrator *self)
{
	g_return_val_if_fail(CW_IS_TRADING_ORCHESTRATOR(self), TRUE);
	return cw_guard_pipeline_reads_other_bots(self->guards);
}

void
cw_trading_orchestrator_close_all(CwTradingOrchestrator *self, CwOrderPurpose purpose)
{
	g_return_if_fail(CW_IS_TRADING_ORCHESTRATOR(self));
	cw_trading_orchestrator_push_close(self, purpose);
	if (!self->in_candle)
		cw_trading_orchestrator_drain(self);
}

/* An entry action still waiting in the queue (a retry, or one queued
 * while an order's outcome is unknown). */
static gboolean
cw_trading_orchestrator_entry_queued(CwTradingOrchestrator *self)
{
	for (guint i = 0; i < cw_action_queue_get_length(self->queue); i++)
		if (cw_action_queue_get(self->queue, i)->type == CW_ACTION_OPEN)
			return TRUE;
	return FALSE;
}

/**
 * cw_trading_orchestrator_request_close:
 * @self: an orchestrator
 * @error: return location for a #GError
 *
 * The operator's flatten (see the header). Allocates nothing; outside a
 * candle the close goes to the broker at once, inside one with the
 * candle's other orders.
 *
 * Returns: %TRUE when the close is sent or queued (or the working entry
 * was cancelled and there was no position)
 */
gboolean
cw_trading_orchestrator_request_close(CwTradingOrchestrator *self, GError **error)
{
	gboolean entry = self->entry_working || self->entry_pending;
	char id[CW_CLIENT_ORDER_ID_LEN];

	g_return_val_if_fail(CW_IS_TRADING_ORCHESTRATOR(self), FALSE);

	if (cw_account_is_flat(&self->account) && !entry) {
		g_set_error(error, CW_EXECUTION_ERROR, CW_EXECUTION_ERROR_NO_POSITION,
			    "strategy %s has no open position to close", self->spec->id);
		return FALSE;
	}
	if (self->entry_pending && cw_trading_orchestrator_entry_queued(self))
		self->drop_queued_entry = TRUE;
	self->entry_pending = FALSE;
	if (self->entry_working) {
		/* a partly filled entry takes no more: the rest is cancelled */
		self->entry_deadline = 0;
		memcpy(id, self->entry_id, sizeof(id));
		cw_trading_orchestrator_send_cancel(self, id);
	}
	if (cw_account_is_flat(&self->account))
		return TRUE;
	if (self->close_pending)
		return TRUE;
	self->reconcile_close = FALSE;
	cw_trading_orchestrator_push_close(self, CW_ORDER_PURPOSE_MANUAL_EXIT);
	if (!self->in_candle)
		cw_trading_orchestrator_drain(self);
	if (!self->close_pending && !cw_account_is_flat(&self->account)) {
		/* refused by a guard or the mode: the reason is in the events too */
		g_set_error(error, CW_EXECUTION_ERROR, CW_EXECUTION_ERROR_REFUSED,
			    "strategy %s: the close was refused: %s", self->spec->id,
			    self->reason[0] != '\0' ? self->reason : "no reason given");
		return FALSE;
	}
	return TRUE;
}

gboolean
cw_trading_orchestrator_flatten_unknown(CwTradingOrchestrator *self, double venue_qty,
					double entry_price, GError **error)
{
	CwFill fill = {0};
	const CwTrade *trade = NULL;

	g_return_val_if_fail(CW_IS_TRADING_ORCHESTRATOR(self), FALSE);

	if (!cw_account_is_flat(&self->account) || self->entry_working || self->entry_pending ||
	    self->close_pending || self->has_limbo) {
		g_set_error(error, CW_EXECUTION_ERROR, CW_EXECUTION_ERROR_REFUSED,
			    "strategy %s holds a position or an order of its own: only a "
			    "position beside a flat bot is flattened",
			    self->spec->id);
		return FALSE;
	}
	if (!(fabs(venue_qty) > 0) || !isfinite(venue_qty)) {
		g_set_error(error, CW_EXECUTION_ERROR, CW_EXECUTION_ERROR_NO_POSITION,
			    "strategy %s: no position at the venue to flatten (qty %.10g)",
			    self->spec->id, venue_qty);
		return FALSE;
	}
	if (!(entry_price > 0) || !isfinite(entry_price))
		entry_price = self->account.mark_price > 0 ? self->account.mark_price
							   : self->last_candle.close;
	/* the venue's position becomes the account's (no fee, no cash: it was
	 * opened elsewhere), then it is closed like the operator's close */
	g_snprintf(fill.client_order_id, sizeof(fill.client_order_id), "reconcile");
	fill.strategy_id = self->strategy_id;
	fill.symbol = self->symbol;
	fill.side = venue_qty > 0 ? CW_SIDE_BUY : CW_SIDE_SELL;
	fill.purpose = CW_ORDER_PURPOSE_ENTRY;
	fill.qty = fabs(venue_qty);
	fill.price = entry_price;
	/* the event time of the candle being processed, as the close's fill */
	fill.time = self->now > 0 ? self->now : cw_trading_orchestrator_now_ms(self);
	cw_account_apply_fill(&self->account, &fill, &trade);
	self->generation++;
	self->reconcile_close = TRUE;
	cw_trading_orchestrator_push_close(self, CW_ORDER_PURPOSE_MANUAL_EXIT);
	if (!self->in_candle)
		cw_trading_orchestrator_drain(self);
	if (!self->close_pending && !cw_account_is_flat(&self->account)) {
		g_set_error(error, CW_EXECUTION_ERROR, CW_EXECUTION_ERROR_REFUSED,
			    "strategy %s: the close of the unknown position was refused: %s",
			    self->spec->id,
			    self->reason[0] != '\0' ? self->reason : "no reason given");
		return FALSE;
	}
	return TRUE;
}

void
cw_trading_orchestrator_finish(CwTradingOrchestrator *self)
{
	const CwPosition *pos = &self->account.position;
	char id[CW_CLIENT_ORDER_ID_LEN];
	CwOrder order = {0};
	double price;

	g_return_if_fail(CW_IS_TRADING_ORCHESTRATOR(self));
	if (!self->has_candle || self->warm_up)
		return;
	cw_action_queue_clear(self->queue);
	self->entry_pending = FALSE;
	self->close_pending = FALSE;
	self->drop_queued_entry = FALSE;
	self->has_old_stop = FALSE;
	self->entry_working = FALSE;
	if (self->broker_iface->cancel_all != NULL) {
		/* clear the flags first: the cancels are reported meanwhile */
		self->has_stop = FALSE;
		memset(self->has_tp, 0, sizeof(self->has_tp));
		cw_broker_cancel_all(self->broker);
	} else {
		cw_trading_orchestrator_cancel_exits(self);
		memcpy(id, self->entry_id, sizeof(id));
		if (id[0] != '\0')
			cw_trading_orchestrator_send_cancel(self, id);
		memcpy(id, self->close_id, sizeof(id));
		if (id[0] != '\0')
			cw_trading_orchestrator_send_cancel(self, id);
	}
	self->now = self->last_candle.open_time + (self->last_candle.interval_ms > 0
						       ? self->last_candle.interval_ms
						       : self->config->interval_ms);
	if (cw_account_is_flat(&self->account))
		return;

	price = self->last_candle.close;
	order.seq = self->next_seq++;
	cw_trading_orchestrator_format_client_order_id(self, order.seq, order.client_order_id);
	order.strategy_id = self->strategy_id;
	order.symbol = self->symbol;
	order.side = pos->direction == CW_DIRECTION_LONG ? CW_SIDE_SELL : CW_SIDE_BUY;
	order.type = CW_ORDER_TYPE_MARKET;
	order.status = CW_ORDER_STATUS_NEW;
	order.purpose = CW_ORDER_PURPOSE_END_OF_DATA;
	order.reduce_only = TRUE;
	order.qty = pos->qty;
	order.created_at = self->now;
	order.updated_at = self->now;

	if (self->broker_caps & CW_BROKER_CAP_SIMULATED_ON_CANDLES) {
		g_autoptr(GError) error = NULL;
		if (cw_broker_settle(self->broker, &order, price, self->now, &error))
			return;
		g_warning("strategy %s: settling at the end of data: %s", self->spec->id,
			  error->message);
	}
	/* a broker that cannot settle: in the books only, at the last close
	 * and without a fee (its fees are the broker's to know) */
	{
		CwFill fill = {0};
		memcpy(fill.client_order_id, order.client_order_id, CW_CLIENT_ORDER_ID_LEN);
		fill.strategy_id = order.strategy_id;
		fill.symbol = order.symbol;
		fill.side = order.side;
		fill.purpose = order.purpose;
		fill.qty = order.qty;
		fill.price = price;
		fill.fee = 0;
		fill.time = self->now;
		order.status = CW_ORDER_STATUS_FILLED;
		order.filled_qty = order.qty;
		order.avg_fill_price = price;
		cw_trading_orchestrator_on_fill(self, &order, &fill);
	}
}

void
cw_trading_orchestrator_set_mode(CwTradingOrchestrator *self, CwBotMode mode)
{
	g_return_if_fail(CW_IS_TRADING_ORCHESTRATOR(self));
	self->manual_mode = mode;
	cw_trading_orchestrator_update_mode(self, "manual");
}

CwBotMode
cw_trading_orchestrator_get_mode(CwTradingOrchestrator *self)
{
	return self->mode;
}

const CwAccount *
cw_trading_orchestrator_get_account(CwTradingOrchestrator *self)
{
	return &self->account;
}

const GArray *
cw_trading_orchestrator_get_trades(CwTradingOrchestrator *self)
{
	return self->account.trades;
}

const CwPosition *
cw_trading_orchestrator_get_position(CwTradingOrchestrator *self)
{
	return &self->account.position;
}

const CwExitMachine *
cw_trading_orchestrator_get_exit_machine(CwTradingOrchestrator *self)
{
	return &self->exit;
}

const GArray *
cw_trading_orchestrator_get_guard_stats(CwTradingOrchestrator *self)
{
	return cw_guard_pipeline_get_stats(self->guards);
}

CwStrategyId
cw_trading_orchestrator_get_strategy_id(CwTradingOrchestrator *self)
{
	return self->strategy_id;
}

const CwStrategySpec *
cw_trading_orchestrator_get_spec(CwTradingOrchestrator *self)
{
	return self->spec;
}

guint64
cw_trading_orchestrator_get_n_candles(CwTradingOrchestrator *self)
{
	return self->n_candles;
}

const CwStrategyOutput *
cw_trading_orchestrator_get_last_output(CwTradingOrchestrator *self)
{
	return &self->output;
}

CwBroker *
cw_trading_orchestrator_get_broker(CwTradingOrchestrator *self)
{
	return self->broker;
}

CwStrategy *
cw_trading_orchestrator_get_strategy(CwTradingOrchestrator *self)
{
	return self->strategy;
}

CwGuardPipeline *
cw_trading_orchestrator_get_guard_pipeline(CwTradingOrchestrator *self)
{
	return self->guards;
}

guint
cw_trading_orchestrator_get_n_pending_actions(CwTradingOrchestrator *self)
{
	return cw_action_queue_get_length(self->queue);
}

guint64
cw_trading_orchestrator_get_n_failed_actions(CwTradingOrchestrator *self)
{
	return cw_action_queue_get_n_failed(self->queue);
}

guint64
cw_trading_orchestrator_get_next_seq(CwTradingOrchestrator *self)
{
	return self->next_seq;
}

void
cw_trading_orchestrator_set_next_seq(CwTradingOrchestrator *self, guint64 seq)
{
	g_return_if_fail(CW_IS_TRADING_ORCHESTRATOR(self));
	self->next_seq = MAX(seq, 1);
}

/**
 * cw_trading_orchestrator_set_order_hook:
 * @self: an orchestrator
 * @hook: (nullable): called with every order just before it is submitted
 * @user_data: for @hook
 *
 * A hook that fails makes the submission fail like a broker error: the
 * action is retried with backoff. The service uses it to commit the order's
 * row before the order is sent.
 */
void
cw_trading_orchestrator_set_order_hook(CwTradingOrchestrator *self, CwOrderHook hook,
				       gpointer user_data)
{
	g_return_if_fail(CW_IS_TRADING_ORCHESTRATOR(self));
	self->order_hook = hook;
	self->order_hook_data = user_data;
}

/**
 * cw_trading_orchestrator_set_failed_func:
 * @self: an orchestrator
 * @func: (nullable): called once when the bot cannot go on
 * @user_data: for @func
 */
void
cw_trading_orchestrator_set_failed_func(CwTradingOrchestrator *self, CwOrchestratorFailedFunc func,
					gpointer user_data)
{
	g_return_if_fail(CW_IS_TRADING_ORCHESTRATOR(self));
	self->failed_func = func;
	self->failed_data = user_data;
}

/**
 * cw_trading_orchestrator_set_cancel_hook:
 * @self: an orchestrator
 * @hook: (nullable): called with the client order id of every cancel just
 *   before it goes to the broker
 * @user_data: for @hook
 *
 * The service uses it to journal the cancel's intent (the order's row
 * becomes pending_cancel), so a restart that finds the order still working
 * at the venue cancels it again. The cancel is sent whatever the hook did.
 */
void
cw_trading_orchestrator_set_cancel_hook(CwTradingOrchestrator *self, CwCancelHook hook,
					gpointer user_data)
{
	g_return_if_fail(CW_IS_TRADING_ORCHESTRATOR(self));
	self->cancel_hook = hook;
	self->cancel_hook_data = user_data;
}

/**
 * cw_trading_orchestrator_set_hold_sends:
 * @self: an orchestrator
 * @hold: TRUE: orders wait after their hook until released
 *
 * Group commit: the service records the rows of a candle's orders (the
 * hook), commits them with the bot's cursor and state, and only then lets
 * the orders go to the broker (cw_trading_orchestrator_release_sends()).
 * A held order counts as accepted for sending; what the broker says of
 * it comes as a report.
 */
void
cw_trading_orchestrator_set_hold_sends(CwTradingOrchestrator *self, gboolean hold)
{
	g_return_if_fail(CW_IS_TRADING_ORCHESTRATOR(self));
	self->hold_sends = hold;
}

/* The number of orders waiting for cw_trading_orchestrator_release_sends(). */
guint
cw_trading_orchestrator_get_n_held_sends(CwTradingOrchestrator *self)
{
	return self->held->len;
}

/**
 * cw_trading_orchestrator_release_sends:
 * @self: an orchestrator
 *
 * Sends the held orders, in the order they were decided. A broker that
 * refuses one at once answers as an exchange would later: a report with
 * the fault (rejected, retried or looked up like any other).
 */
void
cw_trading_orchestrator_release_sends(CwTradingOrchestrator *self)
{
	g_autoptr(GArray) held = NULL;

	if (self->held->len == 0)
		return;
	/* a report may decide and hold new orders meanwhile: those wait for
	 * the next commit */
	held = g_array_copy(self->held);
	g_array_set_size(self->held, 0);
	for (guint i = 0; i < held->len; i++) {
		CwHeldSend *h = &g_array_index(held, CwHeldSend, i);
		g_autoptr(GError) error = NULL;

		gboolean ok;

		/* not a request of the candle's decision any more: its reports
		 * are an exchange's, each one an event of its own */
		if (h->amend)
			ok =
			    self->broker_iface->amend(self->broker, h->order.client_order_id,
						      h->order.qty, 0, h->order.stop_price, &error);
		else
			ok = self->broker_iface->submit(self->broker, &h->order, &error);
		if (!ok) {
			CwBrokerFault fault;
			CwExecutionReport report = {.order = &h->order, .error = &fault};

			cw_broker_fault_from_error(error, &fault);
			/* transient (rate limit, network): the action is retried
			 * with backoff, as a refusal at send would be */
			if (fault.kind != CW_BROKER_ERROR_UNKNOWN_OUTCOME &&
			    fault.kind != CW_BROKER_ERROR_REJECTED &&
			    fault.kind != CW_BROKER_ERROR_NOT_FOUND) {
				CwAction *a = &h->action;

				cw_trading_orchestrator_count_error(self, &h->order, error);
				g_strlcpy(a->last_error, error->message, sizeof(a->last_error));
				a->attempts++;
				/* due after the policy's delay for this attempt */
				if (a->attempts > CW_ACTION_QUEUE_DEFAULT_MAX_RETRIES ||
				    !cw_action_queue_requeue(
					self->queue, a,
					cw_trading_orchestrator_now_ms(self) +
					    cw_backoff_delay_ms(&self->backoff, a->attempts,
								a->order.client_order_id,
								fault.retry_after_s)))
					cw_trading_orchestrator_action_failed(a, self);
				continue;
			}
			/* refused new order: it ends; refused amend: the stop stays */
			if (fault.kind != CW_BROKER_ERROR_UNKNOWN_OUTCOME)
				h->order.status =
				    h->amend ? CW_ORDER_STATUS_NEW : CW_ORDER_STATUS_REJECTED;
			cw_trading_orchestrator_on_report(&report, self);
		}
	}
	cw_trading_orchestrator_drain(self);
}

/**
 * cw_trading_orchestrator_drop_sends:
 * @self: an orchestrator
 *
 * Forgets the held orders: their rows could not be committed, so they are
 * never sent (the service stops the bot).
 */
void
cw_trading_orchestrator_drop_sends(CwTradingOrchestrator *self)
{
	g_array_set_size(self->held, 0);
}

/**
 * cw_trading_orchestrator_adopt:
 * @self: a new orchestrator that has seen no candle
 * @old: the orchestrator it replaces (same bot, e.g. before a config edit)
 *
 * Takes over the money, the open position and its exit plan, the trade
 * history and the order sequence of @old. The protective orders (stop and
 * open take profits) are placed again on @self's broker on its first
 * candle; @old's working orders are cancelled.
 */
void
cw_trading_orchestrator_adopt(CwTradingOrchestrator *self, CwTradingOrchestrator *old)
{
	GArray *trades;

	g_return_if_fail(CW_IS_TRADING_ORCHESTRATOR(self));
	g_return_if_fail(CW_IS_TRADING_ORCHESTRATOR(old));
	g_return_if_fail(self->n_candles == 0);

	if (self->warm_up)
		cw_trading_orchestrator_set_warm_up(old, TRUE);
	cw_trading_orchestrator_cancel_exits(old);
	/* keep our own trade array (its capacity) and copy the history into it */
	trades = self->account.trades;
	g_array_set_size(trades, 0);
	g_array_append_vals(trades, old->account.trades->data, old->account.trades->len);
	self->account = old->account;
	self->account.strategy_id = self->strategy_id;
	self->account.trades = trades;
	self->next_seq = MAX(self->next_seq, old->next_seq);
	self->last_candle = old->last_candle;
	self->has_candle = old->has_candle;
	self->manual_mode = old->manual_mode;
	if (cw_exit_machine_is_open(&old->exit)) {
		CwExitSpec spec = self->exit.spec;
		self->exit = old->exit;
		/* the new config's exit rules apply from now on; the levels
		 * already reached are kept */
		self->exit.spec = spec;
		cw_trading_orchestrator_push_stop(self, CW_ACTION_UPDATE_STOP);
		cw_trading_orchestrator_push_take_profits(self);
	}
	/* a broker of the same type takes over the old one's account; in
	 * warm-up the trading state (the venue's book included) comes from the
	 * snapshot instead */
	if (!self->warm_up && !old->warm_up)
		cw_broker_adopt(self->broker, old->broker);
}

/**
 * cw_trading_orchestrator_set_clock:
 * @self: an orchestrator
 * @clock: (nullable): the clock retries and timeouts run on; NULL (the
 *   default) is the time of the candle being processed
 *
 * serve sets the wall clock; a backtest leaves the candle's time, which is
 * its simulated clock.
 */
void
cw_trading_orchestrator_set_clock(CwTradingOrchestrator *self, CwClock *clock)
{
	g_return_if_fail(CW_IS_TRADING_ORCHESTRATOR(self));
	g_set_object(&self->clock, clock);
}

/**
 * cw_trading_orchestrator_poll:
 * @self: an orchestrator
 *
 * Runs what is due at the clock's time between candles: retries, the
 * entry timeout, a lookup to try again. For a main loop timer; on_candle()
 * does the same on every candle.
 */
void
cw_trading_orchestrator_poll(CwTradingOrchestrator *self)
{
	g_return_if_fail(CW_IS_TRADING_ORCHESTRATOR(self));
	if (self->in_candle || self->warm_up)
		return;
	self->generation++;
	cw_trading_orchestrator_run_timers(self);
	cw_trading_orchestrator_drain(self);
}

/* Returns: ms of the next retry or timeout, G_MAXINT64 when none. */
gint64
cw_trading_orchestrator_get_next_wakeup(CwTradingOrchestrator *self)
{
	gint64 next;

	g_return_val_if_fail(CW_IS_TRADING_ORCHESTRATOR(self), G_MAXINT64);
	next = self->has_limbo ? G_MAXINT64 : cw_action_queue_get_next_due(self->queue);
	if (self->entry_working && self->entry_deadline > 0)
		next = MIN(next, self->entry_deadline);
	if (self->has_limbo && self->lookup_due > 0)
		next = MIN(next, self->lookup_due);
	if (self->venue_flat && !self->failed)
		next = MIN(next, self->venue_flat_deadline);
	return next;
}

/* How long positions went without a working stop (see CwProtectionStats). */
void
cw_trading_orchestrator_get_protection_stats(CwTradingOrchestrator *self, CwProtectionStats *out)
{
	g_return_if_fail(CW_IS_TRADING_ORCHESTRATOR(self));
	g_return_if_fail(out != NULL);
	*out = self->protection;
}

/* The working stop order, or NULL when there is none. */
const CwOrder *
cw_trading_orchestrator_get_stop_order(CwTradingOrchestrator *self)
{
	g_return_val_if_fail(CW_IS_TRADING_ORCHESTRATOR(self), NULL);
	return self->has_stop ? &self->stop_order : NULL;
}

/* TRUE while an order's outcome is unknown and being looked up. */
gboolean
cw_trading_orchestrator_is_resolving(CwTradingOrchestrator *self)
{
	g_return_val_if_fail(CW_IS_TRADING_ORCHESTRATOR(self), FALSE);
	return self->has_limbo;
}

/* Trading state: the snapshot (docs/architecture.md, "Recovery sequence") */

/**
 * cw_trading_orchestrator_set_warm_up:
 * @self: an orchestrator
 * @warm_up: TRUE while the candles given are history before the bot's
 *   cursor
 *
 * In warm-up on_candle() updates only what is a function of the candles
 * (strategy, indicators, analyzers, filters, MTF bias): no fill, no mark,
 * no guard, no decision, no event. The broker is out of reach: its table
 * is swapped for one that refuses every call, lookups and settles are not
 * started, adopt() leaves the venue alone. The trading state is restored
 * afterwards with cw_trading_orchestrator_restore().
 */
void
cw_trading_orchestrator_set_warm_up(CwTradingOrchestrator *self, gboolean warm_up)
{
	g_return_if_fail(CW_IS_TRADING_ORCHESTRATOR(self));
	if (self->warm_up == warm_up)
		return;
	self->warm_up = warm_up;
	if (warm_up) {
		self->venue_iface = self->broker_iface;
		self->broker_iface = &cw_trading_orchestrator_warm_up_iface;
	} else {
		self->broker_iface = self->venue_iface;
		self->venue_iface = NULL;
	}
}

/**
 * cw_trading_orchestrator_set_catch_up:
 * @self: an orchestrator
 * @catch_up: TRUE while the candles given closed while the bot was down
 *   (after its cursor, before its feed is live)
 *
 * In catch-up on_candle() lets the broker fill the resting orders (a
 * broker simulated on candles matches its stops and take profits on
 * them, as an exchange would have while the bot was down), marks the
 * account, runs the guards and updates the strategy's state, but takes
 * no decision: no signal event, no entry, no signal or time exit, no
 * trailing move. Fills are handled as always (the trade is closed, the
 * stop resized after a take profit), and guards may still flatten.
 */
void
cw_trading_orchestrator_set_catch_up(CwTradingOrchestrator *self, gboolean catch_up)
{
	g_return_if_fail(CW_IS_TRADING_ORCHESTRATOR(self));
	self->catch_up = catch_up;
}

gboolean
cw_trading_orchestrator_is_catch_up(CwTradingOrchestrator *self)
{
	g_return_val_if_fail(CW_IS_TRADING_ORCHESTRATOR(self), FALSE);
	return self->catch_up;
}

gboolean
cw_trading_orchestrator_is_warm_up(CwTradingOrchestrator *self)
{
	g_return_val_if_fail(CW_IS_TRADING_ORCHESTRATOR(self), FALSE);
	return self->warm_up;
}

/* Changes with every candle processed live, every broker report and
 * every poll: the owner writes a snapshot only when it moved. */
guint64
cw_trading_orchestrator_get_generation(CwTradingOrchestrator *self)
{
	g_return_val_if_fail(CW_IS_TRADING_ORCHESTRATOR(self), 0);
	return self->generation;
}

/* The fields of the orchestrator itself that are trading state. */
typedef struct {
	guint64 n_candles;
	gint64 now;
	CwBotMode mode;
	guint64 next_seq;
	double decision_atr;
	CwOrder stop_order;
	gboolean has_stop;
	CwOrder tp_orders[CW_MAX_TAKE_PROFITS];
	gboolean has_tp[CW_MAX_TAKE_PROFITS];
	char entry_id[CW_CLIENT_ORDER_ID_LEN];
	char close_id[CW_CLIENT_ORDER_ID_LEN];
	guint64 entry_seq;
	guint64 close_seq;
	gboolean entry_pending;
	gboolean close_pending;
	char reason[CW_REASON_LEN];
	CwOrder old_stop;
	gboolean has_old_stop;
	gboolean entry_working;
	gint64 entry_deadline;
	CwAction limbo;
	gboolean has_limbo;
	gboolean limbo_has_action;
	gint64 lookup_due;
	CwOrder unknown[CW_ORCHESTRATOR_MAX_UNKNOWN];
	guint n_unknown;
	guint lookup_attempts;
	gboolean unprotected;
	gint64 unprotected_since;
	guint64 unprotected_since_candle;
	CwProtectionStats protection;
} CwOrchestratorSaved;

/**
 * cw_trading_orchestrator_get_state_layout:
 *
 * Returns: the fingerprint of the structs a snapshot stores whole: a
 * snapshot of another build (other sizes) fails to verify.
 */
guint32
cw_trading_orchestrator_get_state_layout(void)
{
	const gsize sizes[] = {sizeof(CwOrchestratorSaved),
			       sizeof(CwAccount),
			       sizeof(CwExitMachine),
			       sizeof(CwAction),
			       sizeof(CwOrder),
			       sizeof(CwTrade)};

	return (guint32) cw_state_blob_checksum((const guint8 *) sizes, sizeof sizes);
}

static void
cw_trading_orchestrator_save_fields(CwTradingOrchestrator *self, CwOrchestratorSaved *f)
{
	memset(f, 0, sizeof *f);
	f->n_candles = self->n_candles;
	f->now = self->now;
	f->mode = self->mode;
	f->next_seq = self->next_seq;
	f->decision_atr = self->decision_atr;
	f->stop_order = self->stop_order;
	f->has_stop = self->has_stop;
	memcpy(f->tp_orders, self->tp_orders, sizeof f->tp_orders);
	memcpy(f->has_tp, self->has_tp, sizeof f->has_tp);
	memcpy(f->entry_id, self->entry_id, sizeof f->entry_id);
	memcpy(f->close_id, self->close_id, sizeof f->close_id);
	f->entry_seq = self->entry_seq;
	f->close_seq = self->close_seq;
	f->entry_pending = self->entry_pending;
	f->close_pending = self->close_pending;
	memcpy(f->reason, self->reason, sizeof f->reason);
	f->old_stop = self->old_stop;
	f->has_old_stop = self->has_old_stop;
	f->entry_working = self->entry_working;
	f->entry_deadline = self->entry_deadline;
	f->limbo = self->limbo;
	f->has_limbo = self->has_limbo;
	f->limbo_has_action = self->limbo_has_action;
	/* a lookup in flight when the process died starts again */
	f->lookup_due = self->lookup_in_flight ? self->now : self->lookup_due;
	memcpy(f->unknown, self->unknown, sizeof f->unknown);
	f->n_unknown = self->n_unknown;
	f->lookup_attempts = self->lookup_attempts;
	f->unprotected = self->unprotected;
	f->unprotected_since = self->unprotected_since;
	f->unprotected_since_candle = self->unprotected_since_candle;
	f->protection = self->protection;
}

static void
cw_trading_orchestrator_map_order(CwOrder *order, const CwStateReader *r)
{
	order->strategy_id = cw_state_reader_map_quark(r, order->strategy_id);
	order->symbol = cw_state_reader_map_quark(r, order->symbol);
}

static gboolean
cw_trading_orchestrator_load_fields(CwTradingOrchestrator *self, CwOrchestratorSaved *f,
				    const CwStateReader *r, GError **error)
{
	if (f->n_unknown > CW_ORCHESTRATOR_MAX_UNKNOWN || f->next_seq == 0 ||
	    memchr(f->entry_id, '\0', sizeof f->entry_id) == NULL ||
	    memchr(f->close_id, '\0', sizeof f->close_id) == NULL) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
			    "snapshot orchestrator fields are not valid (order ids, sequence)");
		return FALSE;
	}
	f->reason[CW_REASON_LEN - 1] = '\0';
	cw_trading_orchestrator_map_order(&f->stop_order, r);
	cw_trading_orchestrator_map_order(&f->old_stop, r);
	cw_trading_orchestrator_map_order(&f->limbo.order, r);
	for (guint i = 0; i < CW_MAX_TAKE_PROFITS; i++)
		cw_trading_orchestrator_map_order(&f->tp_orders[i], r);
	for (guint i = 0; i < f->n_unknown; i++)
		cw_trading_orchestrator_map_order(&f->unknown[i], r);
	self->n_candles = f->n_candles;
	self->now = f->now;
	self->mode = f->mode;
	self->next_seq = f->next_seq;
	self->has_id_cache = FALSE;
	self->decision_atr = f->decision_atr;
	self->stop_order = f->stop_order;
	self->has_stop = f->has_stop;
	memcpy(self->tp_orders, f->tp_orders, sizeof f->tp_orders);
	memcpy(self->has_tp, f->has_tp, sizeof f->has_tp);
	memcpy(self->entry_id, f->entry_id, sizeof f->entry_id);
	memcpy(self->close_id, f->close_id, sizeof f->close_id);
	self->entry_seq = f->entry_seq;
	self->close_seq = f->close_seq;
	self->entry_pending = f->entry_pending;
	self->close_pending = f->close_pending;
	memcpy(self->reason, f->reason, sizeof f->reason);
	self->old_stop = f->old_stop;
	self->has_old_stop = f->has_old_stop;
	self->entry_working = f->entry_working;
	self->entry_deadline = f->entry_deadline;
	self->limbo = f->limbo;
	self->has_limbo = f->has_limbo;
	self->limbo_has_action = f->limbo_has_action;
	self->lookup_in_flight = FALSE;
	self->lookup_due = f->lookup_due;
	memcpy(self->unknown, f->unknown, sizeof f->unknown);
	self->n_unknown = f->n_unknown;
	self->lookup_attempts = f->lookup_attempts;
	self->unprotected = f->unprotected;
	self->unprotected_since = f->unprotected_since;
	self->unprotected_since_candle = f->unprotected_since_candle;
	self->protection = f->protection;
	return TRUE;
}

static gboolean
cw_trading_orchestrator_load_account(CwTradingOrchestrator *self, CwStateReader *r, GError **error)
{
	GArray *trades = self->account.trades;
	CwAccount account;
	guint64 n;

	if (!cw_state_reader_get_struct(r, &account, sizeof account, "account", error) ||
	    !cw_state_reader_get_u64(r, &n, "trade count", error))
		return FALSE;
	if (n > (r->len - r->pos) / sizeof(CwTrade)) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
			    "snapshot trade count %" G_GUINT64_FORMAT " past the end", n);
		return FALSE;
	}
	g_array_set_size(trades, 0);
	for (guint64 i = 0; i < n; i++) {
		CwTrade trade;

		if (!cw_state_reader_get_struct(r, &trade, sizeof trade, "trade", error))
			return FALSE;
		trade.strategy_id = self->strategy_id;
		trade.symbol = self->symbol;
		g_array_append_val(trades, trade);
	}
	self->account = account;
	self->account.trades = trades;
	self->account.strategy_id = self->strategy_id;
	self->account.symbol = self->symbol;
	self->account.position.strategy_id = self->strategy_id;
	self->account.position.symbol = cw_state_reader_map_quark(r, self->account.position.symbol);
	return TRUE;
}

/**
 * cw_trading_orchestrator_snapshot:
 * @self: an orchestrator between two candles
 * @out: the owner's buffer, reused: emptied, then filled with one frame
 *
 * Writes the trading state: account and trades, exit plan, working orders
 * and the order sequence, the action queue, the guards' state and tallies
 * and the broker's own book (cw_broker_save_state()). Candle-derived
 * state is not in it: a warm-up replay rebuilds it. Once @out has grown to
 * the state's size, only the guards' JSON allocates.
 */
void
cw_trading_orchestrator_snapshot(CwTradingOrchestrator *self, GByteArray *out)
{
	CwOrchestratorSaved fields;
	const GArray *trades = self->account.trades;

	g_return_if_fail(CW_IS_TRADING_ORCHESTRATOR(self));
	cw_state_blob_begin(out, cw_trading_orchestrator_get_state_layout());
	cw_state_blob_put_quark(out, self->strategy_id);
	cw_state_blob_put_quark(out, self->symbol);
	cw_trading_orchestrator_save_fields(self, &fields);
	cw_state_blob_put_struct(out, &fields, sizeof fields);
	cw_state_blob_put_struct(out, &self->account, sizeof self->account);
	cw_state_blob_put_u64(out, trades->len);
	for (guint i = 0; i < trades->len; i++)
		cw_state_blob_put_struct(out, &g_array_index(trades, CwTrade, i), sizeof(CwTrade));
	cw_state_blob_put_struct(out, &self->exit, sizeof self->exit);
	cw_action_queue_save(self->queue, out);
	cw_guard_pipeline_save(self->guards, out);
	cw_broker_save_state(self->broker, out);
	cw_state_blob_end(out);
}

/**
 * cw_trading_orchestrator_verify_snapshot:
 * @data: a frame written by cw_trading_orchestrator_snapshot()
 *
 * Checks the frame (magic, version, layout, length, checksum) without
 * applying it.
 */
gboolean
cw_trading_orchestrator_verify_snapshot(const guint8 *data, gsize len, GError **error)
{
	CwStateReader r;

	return cw_state_reader_init(&r, data, len, cw_trading_orchestrator_get_state_layout(),
				    error);
}

/**
 * cw_trading_orchestrator_restore:
 * @self: an orchestrator of the same strategy, after its warm-up
 * @data: a frame written by cw_trading_orchestrator_snapshot()
 *
 * Replaces the trading state with the snapshot's. On failure the error
 * (CW_CORE_ERROR_INVALID_DATA) says what failed and @self must not trade.
 */
gboolean
cw_trading_orchestrator_restore(CwTradingOrchestrator *self, const guint8 *data, gsize len,
				GError **error)
{
	CwOrchestratorSaved fields;
	CwStateReader r;
	GQuark strategy, symbol;
	CwExitMachine exit;

	g_return_val_if_fail(CW_IS_TRADING_ORCHESTRATOR(self), FALSE);
	if (!cw_state_reader_init(&r, data, len, cw_trading_orchestrator_get_state_layout(),
				  error) ||
	    !cw_state_reader_get_quark(&r, &strategy, "strategy id", error) ||
	    !cw_state_reader_get_quark(&r, &symbol, "symbol", error))
		return FALSE;
	if (strategy != self->strategy_id) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
			    "snapshot is of strategy '%s', the bot runs '%s'",
			    g_quark_to_string(strategy), g_quark_to_string(self->strategy_id));
		return FALSE;
	}
	if (!cw_state_reader_get_struct(&r, &fields, sizeof fields, "orchestrator", error) ||
	    !cw_trading_orchestrator_load_fields(self, &fields, &r, error) ||
	    !cw_trading_orchestrator_load_account(self, &r, error) ||
	    !cw_state_reader_get_struct(&r, &exit, sizeof exit, "exit plan", error))
		return FALSE;
	exit.spec = self->exit.spec;
	exit.instrument = self->exit.instrument;
	self->exit = exit;
	if (!cw_action_queue_load(self->queue, &r, error) ||
	    !cw_guard_pipeline_load(self->guards, &r, error) ||
	    !cw_broker_load_state(self->broker, &r, error))
		return FALSE;
	if (!cw_state_reader_at_end(&r)) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
			    "snapshot: %" G_GSIZE_FORMAT " bytes left after the last section",
			    r.len - r.pos);
		return FALSE;
	}
	cw_trading_orchestrator_update_mode(self, "restore");
	{
		CwGuardContext ctx;
		cw_trading_orchestrator_fill_context(self, &ctx, FALSE);
		cw_guard_pipeline_on_restore(self->guards, &ctx);
	}
	self->generation++;
	return TRUE;
}

/**
 * cw_trading_orchestrator_resolve_order:
 * @self: an orchestrator out of warm-up
 * @order: an order the store holds as working, which the venue does not
 *   hold as working (it ended while the bot was down, or never arrived)
 *
 * Looks the order up by its client order id, like an unknown outcome:
 * what the venue says is applied as a report (a fill while down), an
 * order the venue does not know ends REJECTED. Nothing is sent.
 */
void
cw_trading_orchestrator_resolve_order(CwTradingOrchestrator *self, const CwOrder *order)
{
	CwOrder copy;

	g_return_if_fail(CW_IS_TRADING_ORCHESTRATOR(self));
	g_return_if_fail(order != NULL);
	copy = *order;
	copy.strategy_id = self->strategy_id;
	copy.symbol = self->symbol;
	if (!self->has_limbo) {
		cw_trading_orchestrator_begin_unknown(self, &copy);
		return;
	}
	if (self->n_unknown < CW_ORCHESTRATOR_MAX_UNKNOWN)
		self->unknown[self->n_unknown++] = copy;
}

/* The client order ids this orchestrator tracks as working (stop, take
 * profits, entry, close): for reconcile. */
gboolean
cw_trading_orchestrator_tracks_order(CwTradingOrchestrator *self, const char *client_order_id)
{
	g_return_val_if_fail(CW_IS_TRADING_ORCHESTRATOR(self), FALSE);
	if (self->has_stop && strcmp(self->stop_order.client_order_id, client_order_id) == 0)
		return TRUE;
	if (self->has_old_stop && strcmp(self->old_stop.client_order_id, client_order_id) == 0)
		return TRUE;
	for (guint i = 0; i < CW_MAX_TAKE_PROFITS; i++) {
		if (self->has_tp[i] &&
		    strcmp(self->tp_orders[i].client_order_id, client_order_id) == 0)
			return TRUE;
	}
	return (self->entry_working && strcmp(self->entry_id, client_order_id) == 0) ||
	       (self->close_pending && strcmp(self->close_id, client_order_id) == 0);
}

/**
 * cw_trading_orchestrator_is_idle:
 * @self: an orchestrator
 *
 * Returns: TRUE when the orchestrator is flat and waits for nothing: no
 * working or queued order, no lookup. Nothing it can still learn (a fill
 * looked up, a report) would make it place or adopt an order, so a
 * reconcile takes an order of its own that it does not track for one to
 * cancel.
 */
gboolean
cw_trading_orchestrator_is_idle(CwTradingOrchestrator *self)
{
	g_return_val_if_fail(CW_IS_TRADING_ORCHESTRATOR(self), FALSE);
	if (!cw_trading_orchestrator_is_flat(self) || self->has_stop || self->has_old_stop ||
	    self->entry_working || self->entry_pending || self->close_pending || self->has_limbo ||
	    cw_action_queue_get_length(self->queue) > 0)
		return FALSE;
	for (guint i = 0; i < CW_MAX_TAKE_PROFITS; i++) {
		if (self->has_tp[i])
			return FALSE;
	}
	return TRUE;
}

gsize
cw_trading_orchestrator_get_memory_size(CwTradingOrchestrator *self)
{
	gsize size = sizeof(*self) + cw_strategy_get_memory_size(self->strategy) +
		     cw_guard_pipeline_get_memory_size(self->guards) +
		     cw_action_queue_get_memory_size(self->queue);

	if (self->account.trades != NULL)
		size += (gsize) self->account.trades->len *
			g_array_get_element_size(self->account.trades);
	return size + cw_broker_get_memory_size(self->broker);
}
