#include "cw-services-runtime.h"

#include "cw-bot-runtime.h"

#include <math.h>

/* Candles held while the start-up reconcile runs; more is a venue that
 * does not answer, and the bot halts rather than decide late. */
#define CW_BOT_RUNTIME_MAX_HELD 256

typedef struct {
	gint64 at; /* applies before the first candle opening after this */
	/* an edit made while the service was down: applies after the trading
	 * state was restored at the cursor, before the first candle decided */
	gboolean after_restore;
	CwBotConfig *config;
	char *text;
} CwScheduledConfig;

static void
cw_scheduled_config_free(CwScheduledConfig *sc)
{
	if (sc->config != NULL)
		cw_bot_config_unref(sc->config);
	g_free(sc->text);
	g_free(sc);
}

/* A dormant strategy of the bot (loaded, not active): its trading state
 * goes to bot_state "trading_state:<strategy id>" with the cursor, so
 * that a restart brings back what it holds (a position, its stops). */
typedef struct {
	GQuark quark;
	char *key;          /* "trading_state:<strategy id>" */
	guint64 generation; /* the orchestrator's, when it was written */
	gboolean saved;     /* the key holds a snapshot */
	gboolean dormant;   /* FALSE: active again or unloaded, the key goes */
	GBytes *restore;    /* read at start, restored with the cursor's state */
	char *strategy_id;  /* of the config */
} CwDormantState;

static void
cw_dormant_state_clear(CwDormantState *d)
{
	g_free(d->key);
	g_free(d->strategy_id);
	g_clear_pointer(&d->restore, g_bytes_unref);
}

/* What a broker's "resynced" handler holds: the runtime, until it goes. */
typedef struct {
	CwBotRuntime *runtime; /* NULL once the runtime is freed */
} CwBotRuntimeLink;

static void cw_bot_runtime_resynced(CwBroker *broker, gpointer user_data);

struct _CwBotRuntime {
	CwBotRuntimeEnv env;
	CwStoreWriter *writer; /* the bot's own queue of writes */
	gint64 id;
	char *name;
	CwBotConfig *config;
	char *config_text;
	gint64 updated_at;
	CwEventBus *bus;
	guint subscription;
	CwTradingOrchestrator *active; /* owned by the cache */
	const CwStrategySpec *active_spec;
	CwCacheStats stats;
	gint64 recover_until;
	gboolean recovering;
	gboolean recovery_logged;
	gint64 cursor;
	gint64 cursor_queued;
	gint64 origin; /* first candle of the bot's history */
	/* config changes to apply when the replay passes their time: a
	 * recovering bot goes through the same edits and switches, at the same
	 * candles, as it did live */
	GQueue scheduled;   /* of CwScheduledConfig* */
	GPtrArray *history; /* of CwScheduledConfig*, every config with its start */
	gboolean origin_dirty;
	gboolean seen_candle;
	CwBotMode mode;
	/* a live feed's warm-up: at most reduce-only, so no entry is taken on
	 * history (exits of a position the bot holds still run) */
	gboolean warming_up;
	/* the candles of a restart's downtime (warming up, past the cursor):
	 * caught up without decisions, journalled as one DOWNTIME event */
	gint64 downtime_from;
	gint64 downtime_to;
	guint downtime_candles;
	/* the first held_catch_up candles held during a reconcile are the
	 * downtime's, and are caught up on when released (the feed may be
	 * live by then) */
	guint held_catch_up;
	gboolean releasing_catch_up;
	/* an order row of this bot waits in the journal for the candle's commit */
	gboolean order_in_tx;
	/* the active orchestrator's broker matches on candles (paper) */
	gboolean simulated;
	/* recovery: the trading state restored when the warm-up reaches the
	 * cursor; legacy_replay: no snapshot, decisions replayed (paper only) */
	GBytes *restore;
	gboolean restored; /* the snapshot was applied */
	gboolean legacy_replay;
	/* the snapshot written with the cursor: buffers kept from one to the
	 * next, and the orchestrator generation it was taken at */
	GByteArray *snapshot;
	GString *snapshot_text;
	/* on a venue that is not simulated: an order whose row a previous
	 * life journalled (so it may have sent it) is looked up before
	 * anything is sent again; claimed: looked up once */
	gboolean check_journal;
	GHashTable *claimed;
	/* reconcile at start (a venue that is not simulated): the candles
	 * that come meanwhile wait, in order, and are decided on after it */
	gboolean reconciling;
	GArray *held; /* of CwCandle */
	/* the start-up reconcile answered, and the lookups it started (orders
	 * that ended while the bot was down) are still under way: the held
	 * candles wait for them too (cw_bot_runtime_resolved_cb()) */
	guint resolve_timer;
	/* reconcile after a gap in the broker's view (CwBroker::resynced):
	 * link is the signal handlers' way back (cleared when the runtime
	 * goes), gap_checks counts the position checks of this round, and
	 * gap_timer is the second check's timeout */
	CwBotRuntimeLink *link;
	guint gap_checks;
	guint gap_timer;
	CwBotRuntimeFailedFunc failed;
	gpointer failed_data;
	guint fail_idle; /* failed is called with fail_why */
	char *fail_why;
	GCancellable *cancellable;
	guint64 snapshot_generation;
	gboolean has_snapshot_generation;
	GArray *dormant; /* of CwDormantState */
	/* read by monitoring through CwHealthHost */
	CwBotCounters counters;
	CwPromHistogram latency;
	CwBrokerRoundTrips broker;
	gint64 loaded_at_ms;
	gint64 last_heartbeat_ms;
	/* the active orchestrator's retries on the wall clock (venue brokers) */
	CwRetryPoller *retries;
	gboolean retries_live;
};

/* The orchestrator that becomes active runs its retries on the wall clock
 * when its broker is a venue (CwRetryPoller) and its candles come as they
 * happen. A replayed file is simulated time: its bots keep the candles'
 * time, as in a backtest. */
static void
cw_bot_runtime_follow_retries(CwBotRuntime *self, CwTradingOrchestrator *orch)
{
	const char *feed = cw_bot_config_get_section_type(self->config, "feed", NULL);

	if (g_strcmp0(feed, "replay") == 0) {
		cw_retry_poller_release(self->retries);
		self->retries_live = FALSE;
		return;
	}
	self->retries_live = cw_retry_poller_adopt(self->retries, orch);
}

/* After a candle or a report: the poller's timeout follows the next retry. */
static inline void
cw_bot_runtime_arm_retries(CwBotRuntime *self)
{
	if (G_UNLIKELY(self->retries_live) && !self->recovering)
		cw_retry_poller_arm(self->retries);
}

G_STATIC_ASSERT(CW_STORE_MAX_TAKE_PROFITS == CW_MAX_TAKE_PROFITS);

/* The exit plan of the position, kept beside it in trading_positions:
 * plain values here, its JSON built when the writer applies the row. */
static const CwStoreExitPlan *
cw_bot_runtime_exit_plan(CwBotRuntime *self, const CwEvent *event, CwStoreExitPlan *plan)
{
	const CwExitMachine *m;

	if (self->active == NULL || event->strategy_id != self->active_spec->quark)
		return NULL;
	m = cw_trading_orchestrator_get_exit_machine(self->active);
	plan->state = cw_exit_state_to_string(m->state);
	plan->stop_price = m->stop_price;
	plan->trailing = m->trailing_active;
	plan->best_close = m->best_close;
	plan->candles_in_position = m->candles_in_position;
	plan->n_take_profits = MIN(m->n_take_profits, CW_MAX_TAKE_PROFITS);
	for (guint i = 0; i < plan->n_take_profits; i++) {
		plan->tp_price[i] = m->tp_price[i];
		plan->tp_qty[i] = m->tp_qty[i];
		plan->tp_filled[i] = m->tp_filled[i];
	}
	return plan;
}

/* The health view's counters: events, off the per-candle path. */
static void
cw_bot_runtime_count(CwBotRuntime *self, const CwEvent *event)
{
	CwBotCounters *c = &self->counters;

	if (event->type == CW_EVENT_ORDER_SUBMITTED)
		c->orders_submitted++;
	else if (event->type == CW_EVENT_ORDER_REJECTED)
		c->orders_rejected++;
	else if (event->type == CW_EVENT_ORDER_CANCELLED)
		c->orders_cancelled++;
	else if (event->type == CW_EVENT_GUARD_TRIPPED)
		cw_bot_counters_count_guard(c, event->source);
	else if (event->type == CW_EVENT_ORDER_FILLED && event->fill != NULL)
		*(event->fill->side == CW_SIDE_BUY ? &c->fills_buy : &c->fills_sell) += 1;
	/* the round trips follow orders only: no clock read for the signals,
	 * most of a busy candle's events */
	if (event->order != NULL || event->fill != NULL)
		cw_broker_round_trips_observe(&self->broker, event, g_get_monotonic_time());
}

static void
cw_bot_runtime_record(const CwEvent *event, gpointer user_data)
{
	CwBotRuntime *self = user_data;
	const char *strategy = g_quark_to_string(event->strategy_id);

	/* replayed history is in the database already */
	if (self->recovering)
		return;
	cw_bot_runtime_arm_retries(self);
	cw_bot_runtime_count(self, event);
	cw_store_writer_event_copy(self->writer, self->id, event);
	switch (event->type) {
	case CW_EVENT_ORDER_SUBMITTED:
	case CW_EVENT_ORDER_ACKNOWLEDGED:
	case CW_EVENT_ORDER_FILLED:
	case CW_EVENT_ORDER_CANCELLED:
	case CW_EVENT_ORDER_REJECTED:
		if (event->order == NULL || event->order->client_order_id[0] == '\0')
			break;
		/* the row the hook queued for this candle takes the submitted
		 * state: each change of the order is written once */
		if (event->type == CW_EVENT_ORDER_SUBMITTED && self->env.journal != NULL &&
		    (self->simulated
			 ? cw_store_writer_update_order(self->writer, self->id, event->order)
			 : cw_order_journal_update(self->env.journal, self->id, event->order)))
			break;
		cw_store_writer_order(self->writer, self->id, event->order);
		break;
	case CW_EVENT_POSITION_OPENED:
	case CW_EVENT_POSITION_UPDATED:
	case CW_EVENT_POSITION_CLOSED:
	case CW_EVENT_STOP_MOVED:
		if (event->position != NULL) {
			CwStoreExitPlan plan;

			cw_store_writer_position_plan(self->writer, self->id, strategy,
						      event->position,
						      cw_bot_runtime_exit_plan(self, event, &plan));
		}
		break;
	case CW_EVENT_TRADE_CLOSED:
		cw_store_writer_trade(self->writer, self->name, strategy, event->trade);
		break;
	default:
		break;
	}
}

/* An order whose row is already in the store was journalled by a previous
 * life of the bot, which may have sent it: it is not sent again but looked
 * up by its client order id (an unknown outcome). Only if the venue does
 * not know it is it sent, once. */
static gboolean
cw_bot_runtime_check_journal(CwBotRuntime *self, const CwOrder *order, GError **error)
{
	g_autoptr(GError) why = NULL;
	CwOrder row;
	gint64 owner = 0;

	if (g_hash_table_contains(self->claimed, order->client_order_id))
		return TRUE;
	if (!cw_store_order_get(self->env.store, order->client_order_id, &row, &owner, &why)) {
		if (g_error_matches(why, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND))
			return TRUE;
		g_propagate_prefixed_error(
		    error, g_steal_pointer(&why),
		    "order %s not sent, its journal cannot be read: ", order->client_order_id);
		return FALSE;
	}
	g_hash_table_add(self->claimed, g_strdup(order->client_order_id));
	if (row.side != order->side || row.type != order->type || row.purpose != order->purpose) {
		/* the same id for another order: adopting the venue's answer
		 * for it would be a guess */
		cw_broker_set_error(error, CW_BROKER_ERROR_REJECTED, 0, 0,
				    "order %s not sent: the journal holds another order (%s %s %s) "
				    "under that client order id",
				    order->client_order_id, cw_side_to_string(row.side),
				    cw_order_type_to_string(row.type),
				    cw_order_purpose_to_string(row.purpose));
		return FALSE;
	}
	cw_broker_set_error(error, CW_BROKER_ERROR_UNKNOWN_OUTCOME, 0, 0,
			    "order %s was journalled before the restart: looked up, not sent again",
			    order->client_order_id);
	return FALSE;
}

/* Records the order's row before the broker sees the order.
 * A broker that matches on candles (CW_BROKER_CAP_SIMULATED_ON_CANDLES, the
 * paper broker) lives in this process and is rebuilt by replay after a
 * restart: it takes the order now, and the row goes with the bot's next
 * flush (its writer), in the transaction of its cursor and events. Any
 * other broker is a venue: while a candle is routed its row is queued in
 * the journal (CwOrderJournal) and the order held
 * (cw_trading_orchestrator_set_hold_sends()); after the fan-out one
 * transaction writes every queued row with the cursor and trading state of
 * the bots that hold orders, then the orders go out, in that same candle's
 * dispatch. Outside a candle the row is committed right here. */
static gboolean
cw_bot_runtime_order_hook(CwTradingOrchestrator *orch, const CwOrder *order, gpointer user_data,
			  GError **error)
{
	CwBotRuntime *self = user_data;
	CwOrderJournal *journal = self->env.journal;

	/* a store written before snapshots: its replay re-takes the decisions
	 * against the paper venue, which is rebuilt the same way */
	if (self->recovering && self->legacy_replay)
		return TRUE;
	if (G_UNLIKELY(self->recovering)) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_FAILED,
			    "order %s not sent: the bot is recovering", order->client_order_id);
		return FALSE;
	}
	/* a damaged file cannot hold the order's row: nothing is sent */
	if (G_UNLIKELY(cw_store_is_malformed(self->env.store, NULL))) {
		g_autofree char *reason = NULL;
		cw_store_is_malformed(self->env.store, &reason);
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT,
			    "database is malformed, order %s not sent: %s", order->client_order_id,
			    reason);
		return FALSE;
	}
	/* fail closed: while the database takes no write (a full disk), no
	 * new order, since its row could not be made durable first */
	if (!cw_store_check_writable(self->env.store, error)) {
		g_prefix_error(error, "order refused, the store cannot record it: ");
		return FALSE;
	}
	if (G_UNLIKELY(self->check_journal) && !cw_bot_runtime_check_journal(self, order, error))
		return FALSE;
	if (journal == NULL) {
		if (!cw_store_order_upsert(self->env.store, self->id, order, error))
			return FALSE;
	} else if (self->simulated) {
		/* the paper venue lives in this process and a restart rebuilds
		 * it by replay: its rows need no commit before it takes them, and
		 * go with the bot's next flush, in the transaction of its cursor
		 * and events (no SQL on the fan-out) */
		cw_store_writer_order(self->writer, self->id, order);
	} else {
		if (!cw_order_journal_record(journal, self->id, order, error))
			return FALSE;
		self->order_in_tx = self->order_in_tx || cw_order_journal_in_candle(journal);
	}
	/* journalled by this life: a retry of it is sent, not looked up */
	if (G_UNLIKELY(self->check_journal) &&
	    !g_hash_table_contains(self->claimed, order->client_order_id))
		g_hash_table_add(self->claimed, g_strdup(order->client_order_id));
	(void) orch;
	return TRUE;
}

/* Journals the cancel's intent of a venue's order before it is sent (the
 * order's row becomes pending_cancel, in the candle's group commit or at
 * once): a kill before the cancel reaches the venue leaves a row that says
 * so, and the reconcile of the next life cancels the order again
 * (cw_bot_runtime_apply_reconcile()). A paper broker's orders are rebuilt
 * by replay and need none. The cancel goes out even if the row cannot be
 * written: a cancel only lowers the risk. */
static void
cw_bot_runtime_cancel_hook(CwTradingOrchestrator *orch, const char *client_order_id,
			   gpointer user_data)
{
	CwBotRuntime *self = user_data;
	g_autoptr(GError) error = NULL;

	(void) orch;
	if (self->simulated || self->recovering || self->env.journal == NULL)
		return;
	if (!cw_order_journal_cancel(self->env.journal, self->id, client_order_id,
				     g_get_real_time() / 1000, &error)) {
		cw_log(G_LOG_LEVEL_WARNING, self->name, NULL,
		       "the cancel of order %s is sent without its journal row: %s",
		       client_order_id, error->message);
		return;
	}
	self->order_in_tx = self->order_in_tx || cw_order_journal_in_candle(self->env.journal);
}

CwBotRuntime *
cw_bot_runtime_new(const CwBotRuntimeEnv *env, gint64 id, const char *name, CwBotConfig *config,
		   const char *config_text, gint64 updated_at)
{
	CwBotRuntime *self = g_new0(CwBotRuntime, 1);

	self->env = *env;
	self->writer = cw_store_writer_new(env->store);
	self->id = id;
	self->name = g_strdup(name);
	self->config = cw_bot_config_ref(config);
	self->config_text = g_strdup(config_text);
	self->updated_at = updated_at;
	self->bus = cw_event_bus_new();
	self->subscription = cw_event_bus_subscribe(self->bus, CW_EVENT_MASK_ALL, 0,
						    cw_bot_runtime_record, self, NULL);
	self->link = g_rc_box_new0(CwBotRuntimeLink);
	self->link->runtime = self;
	self->recover_until = G_MININT64;
	self->cursor = G_MININT64;
	self->cursor_queued = G_MININT64;
	self->origin = G_MININT64;
	g_queue_init(&self->scheduled);
	self->history = g_ptr_array_new_with_free_func((GDestroyNotify) cw_scheduled_config_free);
	self->mode = CW_BOT_MODE_ACTIVE;
	self->snapshot = g_byte_array_new();
	self->snapshot_text = g_string_new(NULL);
	self->dormant = g_array_new(FALSE, TRUE, sizeof(CwDormantState));
	g_array_set_clear_func(self->dormant, (GDestroyNotify) cw_dormant_state_clear);
	self->claimed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	self->held = g_array_sized_new(FALSE, FALSE, sizeof(CwCandle), CW_BOT_RUNTIME_MAX_HELD);
	self->cancellable = g_cancellable_new();
	self->loaded_at_ms = g_get_real_time() / 1000;
	self->retries = cw_retry_poller_new();
	/* four buckets (7 series): a decade each above the usual 1-5 us */
	cw_prom_histogram_init(&self->latency, (const double[]){2e-6, 1e-5, 1e-4, 1e-3}, 4);
	cw_broker_round_trips_init(&self->broker);
	return self;
}

void
cw_bot_runtime_free(CwBotRuntime *self)
{
	if (self == NULL)
		return;
	cw_retry_poller_free(self->retries);
	self->link->runtime = NULL;
	g_rc_box_release(self->link);
	if (self->gap_timer != 0)
		g_source_remove(self->gap_timer);
	if (self->resolve_timer != 0)
		g_source_remove(self->resolve_timer);
	if (self->fail_idle != 0)
		g_source_remove(self->fail_idle);
	g_free(self->fail_why);
	cw_orchestrator_cache_remove_owner(self->env.cache, self);
	g_clear_pointer(&self->restore, g_bytes_unref);
	g_byte_array_unref(self->snapshot);
	g_string_free(self->snapshot_text, TRUE);
	g_array_unref(self->dormant);
	g_hash_table_unref(self->claimed);
	g_cancellable_cancel(self->cancellable);
	g_object_unref(self->cancellable);
	g_array_unref(self->held);
	g_queue_clear_full(&self->scheduled, (GDestroyNotify) cw_scheduled_config_free);
	g_ptr_array_unref(self->history);
	cw_event_bus_unsubscribe(self->bus, self->subscription);
	/* what is still queued is written by the service */
	cw_store_writer_move_to(self->writer, self->env.writer);
	cw_store_writer_free(self->writer);
	g_object_unref(self->bus);
	cw_bot_config_unref(self->config);
	g_free(self->config_text);
	g_free(self->name);
	g_free(self);
}

gint64
cw_bot_runtime_get_id(CwBotRuntime *self)
{
	return self->id;
}

const char *
cw_bot_runtime_get_name(CwBotRuntime *self)
{
	return self->name;
}

CwBotConfig *
cw_bot_runtime_get_config(CwBotRuntime *self)
{
	return self->config;
}

const char *
cw_bot_runtime_get_config_text(CwBotRuntime *self)
{
	return self->config_text;
}

gint64
cw_bot_runtime_get_updated_at(CwBotRuntime *self)
{
	return self->updated_at;
}

CwStoreWriter *
cw_bot_runtime_get_writer(CwBotRuntime *self)
{
	return self->writer;
}

gboolean
cw_bot_runtime_take_order_in_tx(CwBotRuntime *self)
{
	gboolean was = self->order_in_tx;

	self->order_in_tx = FALSE;
	return was;
}

/* The orchestrator whose orders wait for the commit (the active one). */
static inline gboolean
cw_bot_runtime_holds_sends(CwBotRuntime *self)
{
	return self->active != NULL && cw_trading_orchestrator_get_n_held_sends(self->active) > 0;
}

gboolean
cw_bot_runtime_journal_state(CwBotRuntime *self, GError **error)
{
	if (!cw_bot_runtime_holds_sends(self))
		return TRUE;
	/* the cursor of the candle that decided the orders, and the state
	 * they came from: a restart resumes after them, never re-decides */
	cw_bot_runtime_queue_cursor(self);
	if (!cw_order_journal_add_writer(self->env.journal, self->writer, error)) {
		g_prefix_error(error, "bot %s: ", self->name);
		return FALSE;
	}
	return TRUE;
}

void
cw_bot_runtime_release_sends(CwBotRuntime *self)
{
	if (cw_bot_runtime_holds_sends(self))
		cw_trading_orchestrator_release_sends(self->active);
}

void
cw_bot_runtime_drop_sends(CwBotRuntime *self)
{
	if (self->active != NULL)
		cw_trading_orchestrator_drop_sends(self->active);
}

CwEventBus *
cw_bot_runtime_get_bus(CwBotRuntime *self)
{
	return self->bus;
}

const CwCacheStats *
cw_bot_runtime_get_cache_stats(CwBotRuntime *self)
{
	return &self->stats;
}

static CwBotMode
cw_bot_runtime_effective_mode(CwBotRuntime *self)
{
	return self->warming_up ? MAX(self->mode, CW_BOT_MODE_REDUCE_ONLY) : self->mode;
}

static void
cw_bot_runtime_fail_now(gpointer user_data)
{
	CwBotRuntime *self = user_data;
	g_autoptr(GError) error =
	    g_error_new_literal(CW_SERVICES_ERROR, CW_SERVICES_ERROR_FAILED, self->fail_why);

	self->fail_idle = 0;
	/* the owner unloads the bot: nothing of self after this */
	self->failed(self, error, self->failed_data);
}

/* The orchestrator cannot resolve its position with the venue's: it is
 * halted already; the owner stops the bot with status error, from the
 * main loop (the orchestrator is inside its timers now). */
static void
cw_bot_runtime_orchestrator_failed(CwTradingOrchestrator *orch, const char *why, gpointer user_data)
{
	CwBotRuntime *self = user_data;

	(void) orch;
	cw_log(G_LOG_LEVEL_CRITICAL, self->name, NULL, "%s; the bot is halted", why);
	self->mode = CW_BOT_MODE_HALTED;
	if (self->failed == NULL || self->fail_idle != 0)
		return;
	g_free(self->fail_why);
	self->fail_why = g_strdup(why);
	self->fail_idle = g_idle_add_once(cw_bot_runtime_fail_now, self);
}

void
cw_bot_runtime_set_failed_func(CwBotRuntime *self, CwBotRuntimeFailedFunc func, gpointer user_data)
{
	self->failed = func;
	self->failed_data = user_data;
}

static CwTradingOrchestrator *
cw_bot_runtime_load(CwBotRuntime *self, const CwStrategySpec *spec, GError **error)
{
	CwTradingOrchestrator *orch = cw_orchestrator_cache_get(
	    self->env.cache, self, self->config, spec, self->bus, &self->stats, error);

	if (orch == NULL)
		return NULL;
	cw_trading_orchestrator_set_order_hook(orch, cw_bot_runtime_order_hook, self);
	cw_trading_orchestrator_set_cancel_hook(orch, cw_bot_runtime_cancel_hook, self);
	cw_trading_orchestrator_set_failed_func(orch, cw_bot_runtime_orchestrator_failed, self);
	if (!cw_broker_has_capability(cw_trading_orchestrator_get_broker(orch),
				      CW_BROKER_CAP_SIMULATED_ON_CANDLES) &&
	    g_signal_handler_find(cw_trading_orchestrator_get_broker(orch),
				  G_SIGNAL_MATCH_FUNC | G_SIGNAL_MATCH_DATA, 0, 0, NULL,
				  cw_bot_runtime_resynced, self->link) == 0)
		g_signal_connect_data(cw_trading_orchestrator_get_broker(orch), "resynced",
				      G_CALLBACK(cw_bot_runtime_resynced),
				      g_rc_box_acquire(self->link),
				      (GClosureNotify) (void (*)(void)) g_rc_box_release, 0);
	if (self->mode != CW_BOT_MODE_ACTIVE || self->warming_up)
		cw_trading_orchestrator_set_mode(orch, cw_bot_runtime_effective_mode(self));
	cw_bot_runtime_follow_retries(self, orch);

	/* a strategy loaded during the warm-up warms up too; a dormant one
	 * switched to live later trades from the state it has */
	cw_trading_orchestrator_set_warm_up(orch, self->recovering && !self->legacy_replay);
	return orch;
}

CwTradingOrchestrator *
cw_bot_runtime_get_active(CwBotRuntime *self, GError **error)
{
	if (self->active != NULL)
		return self->active;
	self->active_spec = cw_bot_config_get_active_strategy(self->config);
	self->active = cw_bot_runtime_load(self, self->active_spec, error);
	if (self->active != NULL)
		cw_orchestrator_cache_set_active(self->env.cache, self->active_spec->quark, TRUE);
	/* a real venue may hold what a previous life sent, cursor or not (a
	 * kill before the first cursor): its journal is asked first */
	if (self->active != NULL)
		self->simulated =
		    cw_broker_has_capability(cw_trading_orchestrator_get_broker(self->active),
					     CW_BROKER_CAP_SIMULATED_ON_CANDLES);
	if (self->active != NULL)
		self->check_journal = !self->simulated;
	return self->active;
}

void
cw_bot_runtime_set_recovery(CwBotRuntime *self, gint64 until)
{
	self->recover_until = until;
}

gint64
cw_bot_runtime_get_recovery(CwBotRuntime *self)
{
	return self->recover_until;
}

void
cw_bot_runtime_set_origin(CwBotRuntime *self, gint64 origin)
{
	self->origin = origin;
}

gboolean
cw_bot_runtime_is_recovering(CwBotRuntime *self)
{
	return self->recovering;
}

/**
 * cw_bot_runtime_is_restoring:
 *
 * TRUE until the bot's trading state is back: while the warm-up replays
 * its history, and until its snapshot (and its dormant strategies') has
 * been applied at the cursor. A config edit waits for it: a switch
 * applied in the warm-up would make another strategy active when the
 * snapshots are applied, and the dormant one's state would be lost.
 */
gboolean
cw_bot_runtime_is_restoring(CwBotRuntime *self)
{
	return self->recovering || self->restore != NULL;
}

gint64
cw_bot_runtime_get_cursor(CwBotRuntime *self)
{
	return self->cursor;
}

/* @orch's trading state, base64, into bot_state @key in the cursor's
 * transaction; the buffers are kept from one snapshot to the next. */
static void
cw_bot_runtime_write_snapshot(CwBotRuntime *self, CwTradingOrchestrator *orch, const char *key)
{
	gint state = 0, save = 0;
	gsize n;

	cw_trading_orchestrator_snapshot(orch, self->snapshot);
	g_string_set_size(self->snapshot_text, (self->snapshot->len / 3 + 1) * 4 + 4);
	n = g_base64_encode_step(self->snapshot->data, self->snapshot->len, FALSE,
				 self->snapshot_text->str, &state, &save);
	n += g_base64_encode_close(FALSE, self->snapshot_text->str + n, &state, &save);
	g_string_truncate(self->snapshot_text, n);
	cw_store_writer_state(self->writer, self->id, key, self->snapshot_text->str);
}

/* The dormant strategies' trading state, with the cursor: each one that
 * changed since it was written (a venue's report can change a dormant
 * strategy's orders). The key of one that is active again, or was
 * unloaded (the cache evicts only one that holds no position), goes. */
static void
cw_bot_runtime_queue_dormant(CwBotRuntime *self)
{
	for (guint i = self->dormant->len; i-- > 0;) {
		CwDormantState *d = &g_array_index(self->dormant, CwDormantState, i);
		CwTradingOrchestrator *orch = NULL;

		if (d->restore != NULL)
			continue;
		if (d->dormant)
			orch = cw_orchestrator_cache_peek(self->env.cache, d->quark);
		if (orch == NULL) {
			if (d->saved)
				cw_store_writer_state(self->writer, self->id, d->key, NULL);
			g_array_remove_index_fast(self->dormant, i);
			continue;
		}
		if (cw_trading_orchestrator_is_warm_up(orch) ||
		    (d->saved && cw_trading_orchestrator_get_generation(orch) == d->generation))
			continue;
		cw_bot_runtime_write_snapshot(self, orch, d->key);
		d->generation = cw_trading_orchestrator_get_generation(orch);
		d->saved = TRUE;
	}
}

/* The trading state at the cursor, into bot_state "trading_state" in the
 * cursor's transaction; only when it changed since the last one. The
 * dormant strategies' go with it. */
static void
cw_bot_runtime_queue_snapshot(CwBotRuntime *self)
{
	if (G_UNLIKELY(self->dormant->len > 0))
		cw_bot_runtime_queue_dormant(self);
	if (self->active == NULL || cw_trading_orchestrator_is_warm_up(self->active) ||
	    (self->has_snapshot_generation &&
	     cw_trading_orchestrator_get_generation(self->active) == self->snapshot_generation))
		return;
	cw_bot_runtime_write_snapshot(self, self->active, "trading_state");
	self->snapshot_generation = cw_trading_orchestrator_get_generation(self->active);
	self->has_snapshot_generation = TRUE;
}

static CwDormantState *
cw_bot_runtime_find_dormant(CwBotRuntime *self, GQuark quark)
{
	for (guint i = 0; i < self->dormant->len; i++) {
		CwDormantState *d = &g_array_index(self->dormant, CwDormantState, i);
		if (d->quark == quark)
			return d;
	}
	return NULL;
}

static CwDormantState *
cw_bot_runtime_add_dormant(CwBotRuntime *self, const CwStrategySpec *spec)
{
	CwDormantState d = {.quark = spec->quark, .dormant = TRUE};

	d.key = g_strconcat("trading_state:", spec->id, NULL);
	d.strategy_id = g_strdup(spec->id);
	g_array_append_val(self->dormant, d);
	return &g_array_index(self->dormant, CwDormantState, self->dormant->len - 1);
}

/* @spec went dormant (or became active again: its key goes with the next
 * cursor, its state is in "trading_state" from then on). */
static void
cw_bot_runtime_mark_dormant(CwBotRuntime *self, const CwStrategySpec *spec, gboolean dormant)
{
	CwDormantState *d = cw_bot_runtime_find_dormant(self, spec->quark);

	if (d != NULL)
		d->dormant = dormant;
	else if (dormant)
		cw_bot_runtime_add_dormant(self, spec);
}

gboolean
cw_bot_runtime_add_dormant_snapshot(CwBotRuntime *self, const char *strategy_id, GBytes *snapshot,
				    GError **error)
{
	const CwStrategySpec *spec = cw_bot_config_get_strategy(self->config, strategy_id);
	CwDormantState *d;

	g_return_val_if_fail(snapshot != NULL, FALSE);

	if (spec == NULL) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_FAILED,
			    "bot_state row (bot %" G_GINT64_FORMAT
			    ", key 'trading_state:%s'): strategy '%s' is not in the bot's config, "
			    "and its saved trading state may hold a position; put the strategy "
			    "back, or delete the row once its position is closed at the venue",
			    self->id, strategy_id, strategy_id);
		return FALSE;
	}
	d = cw_bot_runtime_find_dormant(self, spec->quark);
	if (d == NULL)
		d = cw_bot_runtime_add_dormant(self, spec);
	g_clear_pointer(&d->restore, g_bytes_unref);
	d->restore = g_bytes_ref(snapshot);
	d->saved = TRUE;
	return TRUE;
}

static void cw_bot_runtime_apply_snapshot(CwBotRuntime *self);

void
cw_bot_runtime_set_snapshot(CwBotRuntime *self, GBytes *snapshot, gboolean legacy)
{
	g_clear_pointer(&self->restore, g_bytes_unref);
	self->restore = snapshot != NULL ? g_bytes_ref(snapshot) : NULL;
	self->legacy_replay = legacy;
	/* No config change to replay: the state is restored now, before the
	 * warm-up (which leaves it alone), so that what other bots read of
	 * this one (exposure rows) is there before any of them decides. With
	 * changes to replay, it is restored into the orchestrator the history
	 * ends with, when the warm-up reaches the cursor. */
	if (self->restore != NULL && self->active != NULL && self->scheduled.length == 0) {
		cw_trading_orchestrator_set_warm_up(self->active, TRUE);
		cw_bot_runtime_apply_snapshot(self);
	}
}

static void
cw_bot_runtime_halt_on_dormant(CwBotRuntime *self, const CwDormantState *d, const char *why)
{
	cw_log(G_LOG_LEVEL_CRITICAL, self->name, NULL,
	       "bot_state row (bot %" G_GINT64_FORMAT ", key '%s') does not apply: %s; the bot "
	       "is halted",
	       self->id, d->key, why);
	self->mode = CW_BOT_MODE_HALTED;
	if (self->active != NULL)
		cw_trading_orchestrator_set_mode(self->active, CW_BOT_MODE_HALTED);
}

/* The dormant strategies' snapshots, into their orchestrators (loaded
 * now, dormant: they get no candles), with the active one's. One that
 * does not apply halts the bot (fail closed): what it holds is unknown. */
static void
cw_bot_runtime_restore_dormant(CwBotRuntime *self)
{
	for (guint i = 0; i < self->dormant->len; i++) {
		CwDormantState *d = &g_array_index(self->dormant, CwDormantState, i);
		g_autoptr(GBytes) restore = g_steal_pointer(&d->restore);
		g_autoptr(GError) error = NULL;
		const CwStrategySpec *spec;
		CwTradingOrchestrator *orch;
		const guint8 *data;
		gsize len = 0;

		if (restore == NULL)
			continue;
		spec = cw_bot_config_get_strategy(self->config, d->strategy_id);
		if (spec == NULL) {
			cw_bot_runtime_halt_on_dormant(self, d,
						       "the strategy is no longer in the "
						       "bot's config");
			continue;
		}
		/* active by now (a switch replayed after the snapshot): its
		 * state is the one "trading_state" restored, the key goes */
		if (self->active_spec != NULL && spec->quark == self->active_spec->quark) {
			d->dormant = FALSE;
			continue;
		}
		orch = cw_bot_runtime_load(self, spec, &error);
		data = g_bytes_get_data(restore, &len);
		if (orch == NULL || !cw_trading_orchestrator_restore(orch, data, len, &error)) {
			cw_bot_runtime_halt_on_dormant(self, d, error->message);
			continue;
		}
		/* it takes the venue's reports from now on; it gets no candles */
		cw_trading_orchestrator_set_warm_up(orch, FALSE);
		d->quark = spec->quark;
		d->generation = cw_trading_orchestrator_get_generation(orch);
		d->dormant = TRUE;
	}
}

/* The snapshot into the active orchestrator (once); one that does not
 * apply halts the bot (fail closed). */
static void
cw_bot_runtime_apply_snapshot(CwBotRuntime *self)
{
	g_autoptr(GError) error = NULL;
	gsize len = 0;
	const guint8 *data;

	if (self->restore == NULL)
		return;
	data = g_bytes_get_data(self->restore, &len);
	if (!cw_trading_orchestrator_restore(self->active, data, len, &error)) {
		cw_log(G_LOG_LEVEL_CRITICAL, self->name, NULL,
		       "bot_state row (bot %" G_GINT64_FORMAT
		       ", key 'trading_state') does not apply: %s; the bot is halted",
		       self->id, error->message);
		self->mode = CW_BOT_MODE_HALTED;
		cw_trading_orchestrator_set_mode(self->active, CW_BOT_MODE_HALTED);
	}
	g_clear_pointer(&self->restore, g_bytes_unref);
	self->restored = TRUE;
	if (G_UNLIKELY(self->dormant->len > 0))
		cw_bot_runtime_restore_dormant(self);
}

static gboolean
cw_bot_runtime_venue_has(const GArray *orders, const char *id, const CwOrder **out)
{
	for (guint i = 0; i < orders->len; i++) {
		const CwOrder *o = &g_array_index(orders, CwOrder, i);
		if (strcmp(o->client_order_id, id) == 0) {
			if (out != NULL)
				*out = o;
			return TRUE;
		}
	}
	return FALSE;
}

/* One RECONCILE_* event: what differed (or what was done), the store's
 * view and the venue's. */
static void
cw_bot_runtime_reconcile_event(CwBotRuntime *self, const char *type, const char *what,
			       const char *id, const char *store, const char *venue)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "what");
	json_builder_add_string_value(b, what);
	if (id != NULL) {
		json_builder_set_member_name(b, "client_order_id");
		json_builder_add_string_value(b, id);
	}
	json_builder_set_member_name(b, "store");
	json_builder_add_string_value(b, store);
	json_builder_set_member_name(b, "venue");
	json_builder_add_string_value(b, venue);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	cw_log(G_LOG_LEVEL_MESSAGE, self->name, NULL, "reconcile: %s%s%s: store %s, venue %s", what,
	       id != NULL ? " " : "", id != NULL ? id : "", store, venue);
	cw_store_writer_event(self->writer, self->id, g_quark_to_string(self->active_spec->quark),
			      type, self->cursor, cw_json_to_string(root, FALSE));
}

static void
cw_bot_runtime_discrepancy(CwBotRuntime *self, const char *what, const char *id, const char *store,
			   const char *venue)
{
	cw_bot_runtime_reconcile_event(self, CW_BOT_ADMIN_EVENT_RECONCILE_DISCREPANCY, what, id,
				       store, venue);
}

/* An own order working at the venue that the restored state does not
 * track, at start. The order journal commits every order's row before it
 * is sent and every cancel's intent (pending_cancel) before the cancel, so
 * the store's row tells the two cases apart:
 * - the row says pending_cancel, the store holds it as ended, or holds
 *   none, or the restored state is idle (flat, no working order, nothing
 *   looked up, so nothing it still learns can claim the order): an order
 *   of a past position whose cancel was lost in a crash; it is cancelled
 *   (journalled first, idempotent at the venue) and RECONCILE_CANCEL says
 *   so;
 * - otherwise the row says working and the restored state waits for
 *   something (an entry whose fill is looked up, a position): an order
 *   decided from a report after the last snapshot, which the same
 *   decision taken again claims back (cw_bot_runtime_check_journal()
 *   resolves it by lookup, never a second order); it is left working and
 *   RECONCILE_ADOPT says so. */
static void
cw_bot_runtime_untracked(CwBotRuntime *self, const CwOrder *v, const CwOrder *row, gboolean idle)
{
	const char *store = row != NULL ? cw_order_status_to_string(row->status) : "none";
	g_autoptr(GError) error = NULL;
	const char *why;

	if (row != NULL && row->status != CW_ORDER_STATUS_PENDING_CANCEL && !idle) {
		cw_bot_runtime_reconcile_event(self, CW_BOT_ADMIN_EVENT_RECONCILE_ADOPT,
					       "working order the snapshot predates: left for the "
					       "restored state to claim",
					       v->client_order_id, store,
					       cw_order_status_to_string(v->status));
		return;
	}
	why = row == NULL ? "working order unknown to the store: cancelled"
	      : row->status == CW_ORDER_STATUS_PENDING_CANCEL
		  ? "working order whose cancel was requested: cancelled again"
		  : "working order the restored state no longer waits for: cancelled";
	if (row != NULL && self->env.journal != NULL &&
	    !cw_order_journal_cancel(self->env.journal, self->id, v->client_order_id,
				     g_get_real_time() / 1000, &error)) {
		cw_log(G_LOG_LEVEL_WARNING, self->name, NULL,
		       "reconcile: the cancel of order %s is sent without its journal row: %s",
		       v->client_order_id, error->message);
		g_clear_error(&error);
	}
	cw_bot_runtime_reconcile_event(self, CW_BOT_ADMIN_EVENT_RECONCILE_CANCEL, why,
				       v->client_order_id, store,
				       cw_order_status_to_string(v->status));
	if (!cw_broker_cancel(cw_trading_orchestrator_get_broker(self->active), v->client_order_id,
			      &error))
		cw_log(G_LOG_LEVEL_WARNING, self->name, NULL, "reconcile: cancel of %s: %s",
		       v->client_order_id, error->message);
}

/* The venue's view against the store's and the restored state: orders the
 * store holds as working that the venue does not (ended while down, or
 * never arrived) are looked up and what happened is applied; orders the
 * venue holds that the store does not, and a different position, are
 * journalled. */
/* Something on the bot's symbol at the venue that the bot did not make:
 * broker.unknown_position says what follows. "adopt" leaves it where it
 * is and trades on; "halt" halts the bot with a message saying why, and so
 * does "flatten" for what cw_bot_runtime_flatten() cannot close (a working
 * order the bot did not make, a position beside the bot's own). */
static void
cw_bot_runtime_unknown(CwBotRuntime *self, CwBrokerUnknownPolicy policy, const char *what,
		       const char *id)
{
	if (policy == CW_BROKER_UNKNOWN_ADOPT) {
		cw_log(G_LOG_LEVEL_MESSAGE, self->name, NULL,
		       "reconcile: %s%s%s: adopted (broker.unknown_position is \"adopt\")", what,
		       id != NULL ? " " : "", id != NULL ? id : "");
		return;
	}
	cw_log(G_LOG_LEVEL_CRITICAL, self->name, NULL,
	       "reconcile: %s%s%s at the venue; broker.unknown_position is \"%s\": the bot is "
	       "halted",
	       what, id != NULL ? " " : "", id != NULL ? id : "",
	       policy == CW_BROKER_UNKNOWN_FLATTEN ? "flatten" : "halt");
	self->mode = CW_BOT_MODE_HALTED;
	cw_trading_orchestrator_set_mode(self->active, CW_BOT_MODE_HALTED);
}

/* broker.unknown_position "flatten" with the bot flat: the venue's position
 * is closed by a reduce-only market order through the guard pipeline
 * (cw_trading_orchestrator_flatten_unknown()); one that cannot be closed
 * halts the bot (fail closed). */
static void
cw_bot_runtime_flatten(CwBotRuntime *self, const CwBrokerState *venue, const char *store,
		       const char *at_venue)
{
	g_autoptr(GError) error = NULL;

	if (cw_trading_orchestrator_flatten_unknown(self->active, venue->position,
						    venue->entry_price, &error)) {
		cw_log(G_LOG_LEVEL_MESSAGE, self->name, NULL,
		       "reconcile: a position the bot did not make (store %s, venue %s): "
		       "flattened by a reduce-only market order (broker.unknown_position is "
		       "\"flatten\")",
		       store, at_venue);
		return;
	}
	cw_log(G_LOG_LEVEL_CRITICAL, self->name, NULL,
	       "reconcile: a position the bot did not make (store %s, venue %s) cannot be "
	       "flattened: %s; the bot is halted",
	       store, at_venue, error->message);
	self->mode = CW_BOT_MODE_HALTED;
	cw_trading_orchestrator_set_mode(self->active, CW_BOT_MODE_HALTED);
}

/* after_gap: a reconcile while running, after the broker caught up on a
 * gap in its stream (it has looked up the bot's own orders itself): only
 * what the bot did not make is compared. */
static void
cw_bot_runtime_apply_reconcile(CwBotRuntime *self, const CwBrokerState *venue, gboolean after_gap)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) open = cw_store_orders_open(self->env.store, self->id, &error);
	const CwAccount *acc = cw_trading_orchestrator_get_account(self->active);
	double held = cw_account_get_signed_qty(acc);
	const char *prefix = cw_trading_orchestrator_get_id_prefix(self->active);
	/* before the lookups below: whether the restored state waits for anything */
	gboolean idle = cw_trading_orchestrator_is_idle(self->active);

	if (open == NULL) {
		cw_log(G_LOG_LEVEL_WARNING, self->name, NULL,
		       "reconcile: the store's open orders cannot be read: %s", error->message);
		return;
	}
	for (guint i = 0; i < open->len && !after_gap; i++) {
		const CwOrder *o = &g_array_index(open, CwOrder, i);
		const CwOrder *v = NULL;

		if (cw_bot_runtime_venue_has(venue->open_orders, o->client_order_id, NULL))
			continue;
		if (cw_bot_runtime_venue_has(venue->ended, o->client_order_id, &v)) {
			/* its fills while down are booked by the lookup below: the
			 * position they make is the bot's, not an unknown one */
			held += (v->side == CW_SIDE_BUY ? 1.0 : -1.0) *
				MAX(0.0, v->filled_qty - o->filled_qty);
			cw_bot_runtime_discrepancy(self, "order ended while down",
						   o->client_order_id,
						   cw_order_status_to_string(o->status),
						   cw_order_status_to_string(v->status));
		} else {
			cw_bot_runtime_discrepancy(
			    self, "order not working at the venue", o->client_order_id,
			    cw_order_status_to_string(o->status), "not working");
		}
		/* an order of the restored state: the lookup says what the venue
		 * did with it (a fill is booked, an end ends it, an order it never
		 * had ends REJECTED). One sent after the cursor is decided again
		 * and resolved then (cw_bot_runtime_check_journal()). */
		if (cw_trading_orchestrator_tracks_order(self->active, o->client_order_id)) {
			cw_trading_orchestrator_resolve_order(self->active, o);
		} else if (v != NULL) {
			/* ended at the venue, and the restored state no longer
			 * waits for it (a protective order of a position closed
			 * in a life whose cancel was lost): the store takes the
			 * venue's end, so its rows say what the venue did; a fill
			 * in it shows in the position check below */
			CwOrder ended = *o;
			ended.status = v->status;
			ended.filled_qty = v->filled_qty;
			if (v->avg_fill_price > 0)
				ended.avg_fill_price = v->avg_fill_price;
			if (v->updated_at > 0)
				ended.updated_at = v->updated_at;
			cw_store_writer_order(self->writer, self->id, &ended);
		} else if (o->filled_qty <= 0) {
			/* committed with its candle, the service stopped before it
			 * was sent, and the restored state no longer waits for it:
			 * it never worked, and the store says so, as the venue does */
			CwOrder never = *o;
			never.status = CW_ORDER_STATUS_REJECTED;
			cw_store_writer_order(self->writer, self->id, &never);
		}
	}
	for (guint i = 0; i < venue->open_orders->len; i++) {
		const CwOrder *v = &g_array_index(venue->open_orders, CwOrder, i);
		const CwOrder *row = NULL;
		gboolean own = g_str_has_prefix(v->client_order_id, prefix);

		if (own && !after_gap &&
		    !cw_trading_orchestrator_tracks_order(self->active, v->client_order_id)) {
			CwOrder ended;

			if (!cw_bot_runtime_venue_has(open, v->client_order_id, &row) &&
			    cw_store_order_get(self->env.store, v->client_order_id, &ended, NULL,
					       NULL))
				row = &ended; /* the store holds it as ended */
			if (row == &ended && !cw_order_status_is_final(ended.status))
				row = NULL;
			cw_bot_runtime_untracked(self, v, row, idle || row == &ended);
			continue;
		}
		/* own and (at start) the restored state's: the broker of this life
		 * follows it from here, or its fills would be nobody's, with what
		 * the store has booked of it */
		if (cw_bot_runtime_venue_has(open, v->client_order_id, &row)) {
			if (own && !after_gap)
				cw_broker_follow(cw_trading_orchestrator_get_broker(self->active),
						 row);
			continue;
		}
		if (own && !after_gap)
			cw_broker_follow(cw_trading_orchestrator_get_broker(self->active), v);
		if (own) {
			cw_bot_runtime_discrepancy(self, "working order unknown to the store",
						   v->client_order_id, "none",
						   cw_order_status_to_string(v->status));
		} else {
			cw_bot_runtime_discrepancy(self, "working order the bot did not make",
						   v->client_order_id, "none",
						   cw_order_status_to_string(v->status));
			cw_bot_runtime_unknown(self, venue->unknown_position,
					       "a working order the bot did not make",
					       v->client_order_id);
		}
	}
	if (fabs(venue->position - held) > 1e-9 * MAX(1.0, fabs(held))) {
		char store[64], at_venue[64];
		g_snprintf(store, sizeof store, "%.10g", held);
		g_snprintf(at_venue, sizeof at_venue, "%.10g", venue->position);
		cw_bot_runtime_discrepancy(self, "position", NULL, store, at_venue);
		if (venue->unknown_position == CW_BROKER_UNKNOWN_FLATTEN && held == 0.0) {
			cw_bot_runtime_flatten(self, venue, store, at_venue);
		} else {
			g_autofree char *why =
			    g_strdup_printf("a position the bot did not make (store %s, venue %s)",
					    store, at_venue);
			cw_bot_runtime_unknown(self, venue->unknown_position, why, NULL);
		}
	}
}

static void cw_bot_runtime_release_held(CwBotRuntime *self);

/* Fail closed: a venue that cannot say what it holds halts the bot. */
static void
cw_bot_runtime_reconcile_failed(CwBotRuntime *self, const char *what, const GError *error)
{
	cw_log(G_LOG_LEVEL_CRITICAL, self->name, NULL, "%s failed: %s; the bot is halted", what,
	       error != NULL ? error->message : "no answer");
	self->mode = CW_BOT_MODE_HALTED;
	cw_trading_orchestrator_set_mode(self->active, CW_BOT_MODE_HALTED);
}

/* How often the held candles check whether the reconcile's lookups have
 * answered. */
#define CW_BOT_RUNTIME_RESOLVE_POLL_MS 20

/* The reconcile's lookups book what the venue did while the bot was down
 * (a stop that filled): a held candle decided before they answer would
 * trade on a position the venue no longer holds. The candles go on
 * waiting, bounded as always by CW_BOT_RUNTIME_MAX_HELD; a lookup that
 * fails is retried on the wall clock (the retry poller). */
static gboolean
cw_bot_runtime_resolved_cb(gpointer user_data)
{
	CwBotRuntime *self = user_data;

	if (self->active != NULL && cw_trading_orchestrator_is_resolving(self->active)) {
		cw_bot_runtime_arm_retries(self);
		return G_SOURCE_CONTINUE;
	}
	self->resolve_timer = 0;
	self->reconciling = FALSE;
	cw_bot_runtime_release_held(self);
	return G_SOURCE_REMOVE;
}

static void
cw_bot_runtime_reconcile_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBrokerState) state =
	    cw_broker_reconcile_finish(CW_BROKER(source), result, &error);
	CwBotRuntime *self;

	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return; /* the bot went away */
	self = user_data;
	if (state == NULL) {
		cw_bot_runtime_reconcile_failed(self, "reconcile with the broker", error);
	} else {
		cw_bot_runtime_apply_reconcile(self, state, FALSE);
		if (self->active != NULL && cw_trading_orchestrator_is_resolving(self->active)) {
			cw_bot_runtime_arm_retries(self);
			self->resolve_timer = g_timeout_add(CW_BOT_RUNTIME_RESOLVE_POLL_MS,
							    cw_bot_runtime_resolved_cb, self);
			return;
		}
	}
	self->reconciling = FALSE;
	cw_bot_runtime_release_held(self);
}

/* Reconcile after a stream gap ---------------------------------------------------------
 *
 * The broker has caught up on the bot's own orders and executions (its
 * reports are booked); what is left to compare is what the bot did not
 * make: the position and foreign working orders. The candles that come
 * meanwhile wait, as at start. A position that differs is checked once
 * more a second later (an execution of the bot's own still on its way
 * would otherwise look like a foreign trade); the second answer is
 * applied. */

#define CW_BOT_RUNTIME_GAP_RECHECK_MS 1000

static void cw_bot_runtime_gap_reconcile(CwBotRuntime *self);

static gboolean
cw_bot_runtime_position_differs(CwBotRuntime *self, const CwBrokerState *venue)
{
	double held = cw_account_get_signed_qty(cw_trading_orchestrator_get_account(self->active));

	return fabs(venue->position - held) > 1e-9 * MAX(1.0, fabs(held));
}

static void
cw_bot_runtime_gap_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBrokerState) state =
	    cw_broker_reconcile_finish(CW_BROKER(source), result, &error);
	CwBotRuntime *self;

	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return; /* the bot went away */
	self = user_data;
	if (state == NULL) {
		cw_bot_runtime_reconcile_failed(self, "reconcile after a gap in the private stream",
						error);
	} else if (self->gap_checks == 1 && cw_bot_runtime_position_differs(self, state)) {
		self->gap_timer =
		    g_timeout_add_once(CW_BOT_RUNTIME_GAP_RECHECK_MS,
				       (GSourceOnceFunc) cw_bot_runtime_gap_reconcile, self);
		return;
	} else {
		cw_log(G_LOG_LEVEL_MESSAGE, self->name, NULL,
		       "reconcile after a gap in the private stream: position %.10g at the venue",
		       state->position);
		cw_bot_runtime_apply_reconcile(self, state, TRUE);
	}
	self->reconciling = FALSE;
	cw_bot_runtime_release_held(self);
}

static void
cw_bot_runtime_gap_reconcile(CwBotRuntime *self)
{
	self->gap_timer = 0;
	self->gap_checks++;
	cw_broker_reconcile_async(cw_trading_orchestrator_get_broker(self->active), self->cursor,
				  self->cancellable, cw_bot_runtime_gap_done, self);
}

/* CwBroker::resynced of the active orchestrator's broker: reconcile, unless
 * a reconcile (or the recovery, which ends in one) is under way. */
static void
cw_bot_runtime_resynced(CwBroker *broker, gpointer user_data)
{
	CwBotRuntimeLink *link = user_data;
	CwBotRuntime *self = link->runtime;

	if (self == NULL || self->active == NULL ||
	    broker != cw_trading_orchestrator_get_broker(self->active))
		return;
	if (self->reconciling || self->recovering || self->warming_up ||
	    cw_trading_orchestrator_is_warm_up(self->active)) {
		cw_log(G_LOG_LEVEL_INFO, self->name, NULL,
		       "private stream resynced during a reconcile or the recovery: no second one");
		return;
	}
	self->reconciling = TRUE;
	self->gap_checks = 0;
	cw_bot_runtime_gap_reconcile(self);
}

/* What the venue is asked about: from the cursor, or from the oldest order
 * the store still holds as working (it may have ended long before the
 * cursor while the report of it was lost in a crash). */
static gint64
cw_bot_runtime_reconcile_since(CwBotRuntime *self)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) open = cw_store_orders_open(self->env.store, self->id, &error);
	gint64 since = self->cursor;

	for (guint i = 0; open != NULL && i < open->len; i++) {
		const CwOrder *o = &g_array_index(open, CwOrder, i);

		if (o->created_at > 0 && o->created_at < since)
			since = o->created_at;
	}
	return since;
}

static void
cw_bot_runtime_broker_started(GObject *source, GAsyncResult *result, gpointer user_data)
{
	CwBotRuntimeLink *link = user_data;
	g_autoptr(GError) error = NULL;

	if (!cw_broker_start_finish(CW_BROKER(source), result, &error) && link->runtime != NULL &&
	    !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		cw_log(G_LOG_LEVEL_WARNING, link->runtime->name, NULL,
		       "the broker did not start: %s (it is tried again at the next candle)",
		       error->message);
	g_rc_box_release(link);
}

/* The warm-up reached the cursor: the trading state comes back, and the
 * bot decides again from the next candle. A snapshot that does not apply
 * halts the bot (fail closed). */
static void
cw_bot_runtime_end_warm_up(CwBotRuntime *self)
{
	CwBroker *broker = cw_trading_orchestrator_get_broker(self->active);
	gboolean venue = !cw_broker_has_capability(broker, CW_BROKER_CAP_SIMULATED_ON_CANDLES);

	/* a venue's broker connects now (its stream, clock and instruments),
	 * not at the first candle that reaches it */
	if (venue)
		cw_broker_start_async(broker, self->cancellable, cw_bot_runtime_broker_started,
				      g_rc_box_acquire(self->link));
	if (self->restore != NULL || self->restored) {
		cw_bot_runtime_apply_snapshot(self);
		self->restored = FALSE;
		/* a real venue is asked what happened while the bot was down */
		if (venue) {
			self->reconciling = TRUE;
			cw_broker_reconcile_async(broker, cw_bot_runtime_reconcile_since(self),
						  self->cancellable, cw_bot_runtime_reconcile_done,
						  self);
		}
	}
	cw_trading_orchestrator_set_warm_up(self->active, FALSE);
}

/* The "recovery: ..." line, once, when the bot decides again. */
static void
cw_bot_runtime_log_recovered(CwBotRuntime *self)
{
	const CwAccount *acc = cw_trading_orchestrator_get_account(self->active);

	if (self->recovery_logged || self->active_spec == NULL)
		return;
	self->recovery_logged = TRUE;
	cw_log(G_LOG_LEVEL_MESSAGE, self->name, self->active_spec->id,
	       "recovery: indicators rebuilt up to the persisted cursor, trading state "
	       "restored, equity %.2f, position %s %.8g",
	       acc->equity, cw_direction_to_string(acc->position.direction), acc->position.qty);
}

/**
 * cw_bot_runtime_feed_live:
 *
 * The bot's live feed went LIVE: the history it had to deliver (the
 * candles table, the REST warm-up) is in. A bot whose warm-up has reached
 * its cursor but has seen no candle after it (restarted within one
 * interval) ends the warm-up now: its trading state comes back and a
 * venue is reconciled at once, not at the next candle's close (up to an
 * interval later). Nothing is decided before that next candle.
 */
void
cw_bot_runtime_feed_live(CwBotRuntime *self)
{
	if (self->active == NULL || !self->seen_candle || self->legacy_replay ||
	    self->scheduled.length > 0 || self->cursor < self->recover_until ||
	    !cw_trading_orchestrator_is_warm_up(self->active))
		return;
	self->recovering = FALSE;
	cw_bot_runtime_end_warm_up(self);
	cw_bot_runtime_log_recovered(self);
}

void
cw_bot_runtime_queue_cursor(CwBotRuntime *self)
{
	char text[32];

	if (self->recovering)
		return;
	if (self->cursor == self->cursor_queued) {
		/* a venue's report between candles (the entry's fill) changed
		 * the trading state: the snapshot goes in the transaction of
		 * that report's order rows and events, or a restart would
		 * restore the state before the fill against a store and a venue
		 * that hold it (the position reconcile halts the bot) */
		if (self->cursor != G_MININT64)
			cw_bot_runtime_queue_snapshot(self);
		return;
	}
	if (self->origin_dirty) {
		g_snprintf(text, sizeof text, "%" G_GINT64_FORMAT, self->origin);
		cw_store_writer_state(self->writer, self->id, "origin", text);
		self->origin_dirty = FALSE;
	}
	cw_bot_runtime_queue_snapshot(self);
	g_snprintf(text, sizeof text, "%" G_GINT64_FORMAT, self->cursor);
	cw_store_writer_state(self->writer, self->id, "cursor", text);
	self->cursor_queued = self->cursor;
}

/* Whether the bot's gates read other bots' positions (a limit across
 * bots), without loading a strategy that is not loaded. */
gboolean
cw_bot_runtime_reads_other_bots(CwBotRuntime *self)
{
	return self->active != NULL && cw_trading_orchestrator_reads_other_bots(self->active);
}

static void cw_bot_runtime_apply_scheduled(CwBotRuntime *self);

/* A hint for the fan-out: the next bot's state into the cache. */
void
cw_bot_runtime_prefetch(CwBotRuntime *self)
{
	__builtin_prefetch(self, 0, 3);
	if (self->active != NULL)
		cw_trading_orchestrator_prefetch(self->active);
}

/* A candle of the downtime: the orchestrator catches up on it. */
static void
cw_bot_runtime_catch_up(CwBotRuntime *self, const CwCandle *candle)
{
	if (self->downtime_candles++ == 0)
		self->downtime_from = candle->open_time;
	self->downtime_to = candle->open_time;
	cw_trading_orchestrator_set_catch_up(self->active, TRUE);
}

/* The downtime is over (the first live candle): the orchestrator decides
 * again, and the journal says what it caught up on. */
static void
cw_bot_runtime_end_catch_up(CwBotRuntime *self)
{
	GString *out;
	CwJsonWriter w;
	const CwAccount *acc;

	if (self->active != NULL)
		cw_trading_orchestrator_set_catch_up(self->active, FALSE);
	if (self->downtime_candles == 0)
		return;
	acc = self->active != NULL ? cw_trading_orchestrator_get_account(self->active) : NULL;
	out = g_string_new(NULL);
	cw_json_writer_init(&w, out, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_int(&w, "from", self->downtime_from);
	cw_json_writer_member_int(&w, "to", self->downtime_to);
	cw_json_writer_member_uint(&w, "candles", self->downtime_candles);
	if (acc != NULL)
		cw_json_writer_member_double(&w, "position_qty", cw_account_get_signed_qty(acc));
	cw_json_writer_end_object(&w);
	cw_log(G_LOG_LEVEL_MESSAGE, self->name, NULL,
	       "caught up on %u candles that closed while the bot was down (resting orders "
	       "filled on them, nothing decided)",
	       self->downtime_candles);
	cw_store_writer_event(
	    self->writer, self->id, self->active_spec != NULL ? self->active_spec->id : NULL,
	    CW_BOT_ADMIN_EVENT_DOWNTIME, self->downtime_to, g_string_free(out, FALSE));
	self->downtime_candles = 0;
}

/* A candle that came while reconcile runs: decided on after it. */
static void
cw_bot_runtime_hold(CwBotRuntime *self, const CwCandle *candle)
{
	if (self->held->len >= CW_BOT_RUNTIME_MAX_HELD) {
		if (self->mode != CW_BOT_MODE_HALTED)
			cw_log(G_LOG_LEVEL_CRITICAL, self->name, NULL,
			       "reconcile with the broker did not answer within %d candles; the "
			       "bot is halted",
			       CW_BOT_RUNTIME_MAX_HELD);
		self->mode = CW_BOT_MODE_HALTED;
		cw_trading_orchestrator_set_mode(self->active, CW_BOT_MODE_HALTED);
		return;
	}
	g_array_append_val(self->held, *candle);
}

static void
cw_bot_runtime_release_held(CwBotRuntime *self)
{
	g_autoptr(GArray) held = g_array_copy(self->held);
	guint n_catch_up = self->held_catch_up;

	g_array_set_size(self->held, 0);
	self->held_catch_up = 0;
	for (guint i = 0; i < held->len; i++) {
		self->releasing_catch_up = i < n_catch_up;
		cw_bot_runtime_on_candle(self, &g_array_index(held, CwCandle, i));
	}
	self->releasing_catch_up = FALSE;
	/* the downtime ended while its candles were held */
	if (!self->warming_up && self->held_catch_up == 0)
		cw_bot_runtime_end_catch_up(self);
}

void
cw_bot_runtime_on_candle(CwBotRuntime *self, const CwCandle *candle)
{
	gboolean was_recovering = self->recovering;
	CwTradingOrchestrator *held = NULL;
	gboolean catch_up;

	if (G_UNLIKELY(self->active == NULL))
		return;
	if (candle->symbol != self->config->symbol_quark || candle->open_time <= self->cursor)
		return;
	/* a bot that joined a shared feed late replays from where it joined;
	 * a live feed's warm-up before the origin rebuilds its indicators */
	if (G_UNLIKELY(candle->open_time < self->origin) && !self->warming_up)
		return;
	if (G_UNLIKELY(!self->seen_candle)) {
		self->seen_candle = TRUE;
		/* nothing to replay: a cold start, the bot's history begins here */
		if (candle->open_time > self->recover_until) {
			self->origin = candle->open_time;
			self->origin_dirty = TRUE;
		}
	}
	self->recovering = candle->open_time <= self->recover_until;
	if (G_UNLIKELY(self->recovering) && !self->legacy_replay)
		cw_trading_orchestrator_set_warm_up(self->active, TRUE);
	while (G_UNLIKELY(self->scheduled.length > 0) &&
	       candle->open_time > ((CwScheduledConfig *) g_queue_peek_head(&self->scheduled))->at)
		cw_bot_runtime_apply_scheduled(self);
	if (G_UNLIKELY(!self->recovering && cw_trading_orchestrator_is_warm_up(self->active)))
		cw_bot_runtime_end_warm_up(self);
	if (G_UNLIKELY(!self->recovering && self->scheduled.length > 0 &&
		       ((CwScheduledConfig *) g_queue_peek_head(&self->scheduled))->after_restore))
		cw_bot_runtime_apply_scheduled(self);
	if (G_UNLIKELY(was_recovering && !self->recovering))
		cw_bot_runtime_log_recovered(self);
	/* a live feed's candles that closed while the bot was down: caught
	 * up (resting orders fill), not decided on */
	catch_up = (self->warming_up && !self->recovering) || self->releasing_catch_up;
	if (G_UNLIKELY(self->reconciling)) {
		cw_bot_runtime_hold(self, candle);
		if (catch_up)
			self->held_catch_up = self->held->len;
		return;
	}
	if (G_UNLIKELY(catch_up))
		cw_bot_runtime_catch_up(self, candle);
	else if (G_UNLIKELY(self->downtime_candles > 0))
		cw_bot_runtime_end_catch_up(self);
	/* a venue's orders of this candle wait for the journal's commit at
	 * the end of this candle's fan-out (cw_feed_hub_route()) */
	if (self->env.journal != NULL && !self->simulated &&
	    cw_order_journal_in_candle(self->env.journal)) {
		held = self->active;
		cw_trading_orchestrator_set_hold_sends(held, TRUE);
	}
	/* decision latency: every 64th candle is timed */
	if (G_UNLIKELY((++self->counters.candles & 63) == 0)) {
		gint64 t0 = g_get_monotonic_time();
		cw_trading_orchestrator_on_candle(self->active, candle);
		cw_prom_histogram_observe_us(&self->latency, g_get_monotonic_time() - t0);
	} else {
		cw_trading_orchestrator_on_candle(self->active, candle);
	}
	/* only this candle's decisions are held: an order decided later by a
	 * venue's report (the stop after an entry's fill) is written and
	 * committed by the journal at once and goes out at once, never
	 * parked until some later candle that happens to trade */
	if (held != NULL)
		cw_trading_orchestrator_set_hold_sends(held, FALSE);
	self->counters.last_candle_open = candle->open_time;
	self->cursor = candle->open_time;
	cw_bot_runtime_arm_retries(self);
}

/* Bytes attributable to the bot: its orchestrators as the cache sized them
 * when they were loaded (CwCacheStats.bytes, kept up to date by the cache
 * on every insert, eviction and unload) plus the runtime itself and its
 * buffers as allocated now. Nothing here walks the heap. */
guint64
cw_bot_runtime_get_memory_size(CwBotRuntime *self)
{
	guint64 size = self->stats.bytes + sizeof(*self);

	if (self->config_text != NULL)
		size += strlen(self->config_text) + 1;
	if (self->snapshot != NULL)
		size += self->snapshot->len;
	if (self->snapshot_text != NULL)
		size += self->snapshot_text->allocated_len;
	if (self->restore != NULL)
		size += g_bytes_get_size(self->restore);
	if (self->held != NULL) /* reserved for CW_BOT_RUNTIME_MAX_HELD at creation */
		size += (guint64) MAX(self->held->len, CW_BOT_RUNTIME_MAX_HELD) * sizeof(CwCandle);
	return size;
}

/* Fills the health view of the bot (pointers valid until the next candle). */
void
cw_bot_runtime_fill_health(CwBotRuntime *self, CwBotHealth *out)
{
	const CwAccount *acc =
	    self->active != NULL ? cw_trading_orchestrator_get_account(self->active) : NULL;

	*out = (CwBotHealth){
	    .bot_id = self->id,
	    .name = self->name,
	    .strategy = self->active_spec != NULL ? self->active_spec->id : "",
	    .status = "running",
	    .mode = self->mode,
	    .feed_state = self->recovering ? CW_HEALTH_FEED_RECOVERING : CW_HEALTH_FEED_LIVE,
	    .interval_ms = self->config->interval_ms,
	    .loaded_at_ms = self->loaded_at_ms,
	    .last_heartbeat_ms = self->last_heartbeat_ms,
	    .counters = &self->counters,
	    .decision_latency = &self->latency,
	    .broker = &self->broker,
	    .broker_type = cw_bot_config_get_section_type(self->config, "broker", "paper"),
	    .memory_bytes = cw_bot_runtime_get_memory_size(self),
	};
	if (acc != NULL) {
		out->equity = acc->equity;
		out->realized_pnl = acc->realized_pnl - acc->fees;
		out->unrealized_pnl = acc->unrealized_pnl;
		out->position_qty = cw_account_get_signed_qty(acc);
	}
	if (self->active != NULL)
		out->broker_simulated =
		    cw_broker_has_capability(cw_trading_orchestrator_get_broker(self->active),
					     CW_BROKER_CAP_SIMULATED_ON_CANDLES);
}

void
cw_bot_runtime_set_heartbeat(CwBotRuntime *self, gint64 now_ms)
{
	self->last_heartbeat_ms = now_ms;
}

gboolean
cw_bot_runtime_switch(CwBotRuntime *self, const char *strategy_id, GError **error)
{
	const CwStrategySpec *spec = cw_bot_config_get_strategy(self->config, strategy_id);
	CwTradingOrchestrator *orch;

	if (spec == NULL) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_FAILED,
			    "bot '%s' has no strategy '%s'", self->name, strategy_id);
		return FALSE;
	}
	if (self->active_spec != NULL && self->active_spec->quark == spec->quark) {
		self->active_spec = spec;
		return TRUE;
	}
	/* A venue nets one position per symbol (Bybit's one-way mode): a
	 * strategy left dormant with a position or working orders there would
	 * share it with the new one's entries, and its stops would close what
	 * the new one opened. Refused live (a switch replayed by the warm-up
	 * trades nothing); a simulated book keeps each strategy's own. */
	if (self->active != NULL && self->active_spec != NULL && !self->simulated &&
	    !self->recovering && !cw_trading_orchestrator_is_idle(self->active)) {
		const CwAccount *acc = cw_trading_orchestrator_get_account(self->active);

		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_FAILED,
			    "switch to strategy '%s' refused: strategy '%s' holds %s %g and its "
			    "orders at the venue, which nets one position per symbol; close the "
			    "position (bots close) or wait until it is flat, then switch",
			    strategy_id, self->active_spec->id,
			    cw_direction_to_string(acc->position.direction), acc->position.qty);
		return FALSE;
	}
	orch = cw_bot_runtime_load(self, spec, error);
	if (orch == NULL)
		return FALSE;
	/* the new one is active before the old one goes dormant: going dormant
	 * applies the cap, which must not evict the new one */
	cw_orchestrator_cache_set_active(self->env.cache, spec->quark, TRUE);
	cw_bot_runtime_mark_dormant(self, spec, FALSE);
	if (self->active_spec != NULL) {
		cw_orchestrator_cache_set_active(self->env.cache, self->active_spec->quark, FALSE);
		cw_bot_runtime_mark_dormant(self, self->active_spec, TRUE);
	}
	self->active = orch;
	self->active_spec = spec;
	self->simulated = cw_broker_has_capability(cw_trading_orchestrator_get_broker(orch),
						   CW_BROKER_CAP_SIMULATED_ON_CANDLES);
	{
		CwEvent ev = {.type = CW_EVENT_STRATEGY_SWITCHED,
			      .strategy_id = spec->quark,
			      .time = self->cursor,
			      .source = "manager",
			      .reason = spec->id};
		cw_event_bus_publish(self->bus, &ev);
	}
	return TRUE;
}

/* A config edit unloads the dormant strategies: refused while one of them
 * holds a position, which would be forgotten (its stops with it). */
static gboolean
cw_bot_runtime_check_dormant_flat(CwBotRuntime *self, GError **error)
{
	for (guint i = 0; i < self->dormant->len; i++) {
		const CwDormantState *d = &g_array_index(self->dormant, CwDormantState, i);
		CwTradingOrchestrator *orch;
		const CwAccount *acc;

		if (!d->dormant || d->restore != NULL)
			continue;
		orch = cw_orchestrator_cache_peek(self->env.cache, d->quark);
		if (orch == NULL)
			continue;
		acc = cw_trading_orchestrator_get_account(orch);
		if (acc->position.direction != CW_DIRECTION_NONE && acc->position.qty > 0) {
			g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_FAILED,
				    "config edit refused: dormant strategy '%s' holds a position "
				    "(%g), which the edit would forget; switch back to it and "
				    "close the position, then edit",
				    d->strategy_id, acc->position.qty);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean
cw_bot_runtime_replace_config(CwBotRuntime *self, CwBotConfig *config, const char *config_text,
			      gint64 updated_at, GError **error)
{
	const CwStrategySpec *spec = cw_bot_config_get_active_strategy(config);
	g_autoptr(CwTradingOrchestrator) fresh = NULL;
	g_autoptr(CwTradingOrchestrator) old = NULL;

	if (!cw_bot_runtime_check_dormant_flat(self, error))
		return FALSE;
	fresh = cw_trading_orchestrator_new(config, spec, self->bus, error);
	if (fresh == NULL)
		return FALSE;
	/* a config edit replayed in the warm-up: the state comes from the
	 * snapshot, the venue is not touched */
	if (self->recovering && !self->legacy_replay)
		cw_trading_orchestrator_set_warm_up(fresh, TRUE);
	if (self->active != NULL) {
		old = cw_orchestrator_cache_steal(self->env.cache, self->active_spec->quark);
		cw_trading_orchestrator_adopt(fresh, old);
	}
	/* the other strategies of the old config are unloaded (their keys go
	 * with the next cursor) */
	cw_orchestrator_cache_remove_owner(self->env.cache, self);
	for (guint i = 0; i < self->dormant->len; i++)
		g_array_index(self->dormant, CwDormantState, i).dormant = FALSE;
	cw_trading_orchestrator_set_order_hook(fresh, cw_bot_runtime_order_hook, self);
	cw_trading_orchestrator_set_cancel_hook(fresh, cw_bot_runtime_cancel_hook, self);
	cw_trading_orchestrator_set_failed_func(fresh, cw_bot_runtime_orchestrator_failed, self);
	cw_orchestrator_cache_insert(self->env.cache, self, fresh, &self->stats);
	cw_orchestrator_cache_set_active(self->env.cache, spec->quark, TRUE);
	cw_bot_config_unref(self->config);
	self->config = cw_bot_config_ref(config);
	g_free(self->config_text);
	self->config_text = g_strdup(config_text);
	self->updated_at = updated_at;
	self->active = fresh;
	self->active_spec = spec;
	self->simulated = cw_broker_has_capability(cw_trading_orchestrator_get_broker(fresh),
						   CW_BROKER_CAP_SIMULATED_ON_CANDLES);
	cw_bot_runtime_follow_retries(self, fresh);
	if (self->mode != CW_BOT_MODE_ACTIVE)
		cw_trading_orchestrator_set_mode(fresh, self->mode);
	return TRUE;
}

void
cw_bot_runtime_update_config(CwBotRuntime *self, CwBotConfig *config, const char *config_text,
			     gint64 updated_at)
{
	const CwStrategySpec *current = NULL;

	if (self->active_spec != NULL)
		current = cw_bot_config_get_strategy(config, self->active_spec->id);
	cw_bot_config_ref(config);
	cw_bot_config_unref(self->config);
	self->config = config;
	g_free(self->config_text);
	self->config_text = g_strdup(config_text);
	self->updated_at = updated_at;
	/* the running orchestrator keeps its own reference to the old spec */
	self->active_spec = current;
}

void
cw_bot_runtime_set_mode(CwBotRuntime *self, CwBotMode mode)
{
	if (self->mode == mode)
		return;
	self->mode = mode;
	if (self->active != NULL)
		cw_trading_orchestrator_set_mode(self->active, cw_bot_runtime_effective_mode(self));
}

/**
 * cw_bot_runtime_set_warming_up:
 * @warming: the candles that come are a live feed's warm-up history
 *
 * While warming up the bot takes no entry (reduce-only at least); its
 * own mode comes back after.
 */
void
cw_bot_runtime_set_warming_up(CwBotRuntime *self, gboolean warming)
{
	if (self->warming_up == warming)
		return;
	self->warming_up = warming;
	if (!warming && self->held_catch_up == 0)
		cw_bot_runtime_end_catch_up(self);
	/* a new bot's history begins at its first live candle */
	if (!warming && self->origin == G_MININT64)
		self->seen_candle = FALSE;
	if (self->active != NULL)
		cw_trading_orchestrator_set_mode(self->active, cw_bot_runtime_effective_mode(self));
}

gint64
cw_bot_runtime_get_origin(CwBotRuntime *self)
{
	return self->origin;
}

gboolean
cw_bot_runtime_is_warming_up(CwBotRuntime *self)
{
	return self->warming_up;
}

CwBotMode
cw_bot_runtime_get_mode(CwBotRuntime *self)
{
	return self->mode;
}

void
cw_bot_runtime_queue_metrics(CwBotRuntime *self, gint64 now_ms)
{
	const CwAccount *acc;
	const GArray *trades;
	gint64 wins = 0;
	CwStoreMetrics m = {0};

	if (self->active == NULL || self->recovering)
		return;
	acc = cw_trading_orchestrator_get_account(self->active);
	trades = cw_trading_orchestrator_get_trades(self->active);
	for (guint i = 0; i < trades->len; i++)
		wins += g_array_index(trades, CwTrade, i).net_pnl > 0;
	m.bot_name = self->name;
	m.strategy_id = g_quark_to_string(self->active_spec->quark);
	m.time = now_ms;
	m.equity = acc->equity;
	m.balance = acc->cash;
	m.realized_pnl = acc->realized_pnl - acc->fees;
	m.unrealized_pnl = acc->unrealized_pnl;
	m.trades = trades->len;
	m.wins = wins;
	m.win_rate = trades->len > 0 ? 100.0 * wins / trades->len : 0;
	m.max_drawdown = acc->max_drawdown;
	m.max_drawdown_pct = acc->max_drawdown_pct;
	cw_store_writer_metrics(self->writer, &m);
}

/* Guard counters and guard state of the active strategy, for `bots show`
 * and `bots list --json`. */
void
cw_bot_runtime_queue_guard_state(CwBotRuntime *self)
{
	CwGuardPipeline *pipeline;
	const GArray *stats;
	g_autoptr(GString) json = g_string_new(NULL);
	g_autoptr(GString) account = g_string_new(NULL);
	g_autofree char *state = NULL;
	const CwAccount *acc;
	CwJsonWriter w;

	if (self->active == NULL || self->recovering)
		return;
	pipeline = cw_trading_orchestrator_get_guard_pipeline(self->active);
	stats = cw_guard_pipeline_get_stats(pipeline);
	cw_json_writer_init(&w, json, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&w);
	for (guint i = 0; i < stats->len; i++) {
		const CwGuardStats *g = &g_array_index(stats, CwGuardStats, i);
		cw_json_writer_key(&w, g->name);
		cw_json_writer_begin_object(&w);
		cw_json_writer_member_uint(&w, "checks", g->checks);
		cw_json_writer_member_uint(&w, "rejections", g->rejections);
		cw_json_writer_member_uint(&w, "modifications", g->modifications);
		cw_json_writer_end_object(&w);
	}
	cw_json_writer_end_object(&w);
	cw_store_writer_state(self->writer, self->id, "guard_stats", json->str);
	state = cw_guard_pipeline_save_state(pipeline);
	if (state != NULL)
		cw_store_writer_state(self->writer, self->id, "guard_state", state);
	/* the paper account: the balance the broker holds for the bot */
	acc = cw_trading_orchestrator_get_account(self->active);
	cw_json_writer_init(&w, account, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_double(&w, "balance", acc->cash);
	cw_json_writer_member_double(&w, "equity", acc->equity);
	cw_json_writer_member_double(&w, "realized_pnl", acc->realized_pnl);
	cw_json_writer_member_double(&w, "fees", acc->fees);
	cw_json_writer_end_object(&w);
	cw_store_writer_state(self->writer, self->id, "account", account->str);
	/* "mode" belongs to the operator (bots halt/resume); this is the mode
	 * in force, guards' demands included */
	cw_store_writer_state(
	    self->writer, self->id, "effective_mode",
	    cw_bot_mode_to_string(cw_trading_orchestrator_get_mode(self->active)));
}

char *
cw_bot_runtime_cache_stats_json(CwBotRuntime *self)
{
	GString *out = g_string_new(NULL);
	CwJsonWriter w;

	cw_json_writer_init(&w, out, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_uint(&w, "hits", self->stats.hits);
	cw_json_writer_member_uint(&w, "misses", self->stats.misses);
	cw_json_writer_member_uint(&w, "evictions", self->stats.evictions);
	cw_json_writer_member_uint(&w, "loaded", self->stats.loaded);
	cw_json_writer_end_object(&w);
	return g_string_free(out, FALSE);
}

/* Whether two configs differ only by the active strategy. */
static gboolean
cw_bot_runtime_only_switch(CwBotConfig *a, CwBotConfig *b)
{
	g_autoptr(JsonNode) ca = json_node_copy(a->root);
	g_autoptr(JsonNode) cb = json_node_copy(b->root);

	json_object_remove_member(json_node_get_object(ca), "active_strategy");
	json_object_remove_member(json_node_get_object(cb), "active_strategy");
	return json_node_equal(ca, cb);
}

/**
 * cw_bot_runtime_apply_config:
 *
 * Takes a new config: a switch of the active strategy when nothing else
 * changed (the previous strategy stays cached, dormant), otherwise a restart
 * on the new config that keeps the open position.
 */
gboolean
cw_bot_runtime_apply_config(CwBotRuntime *self, CwBotConfig *config, const char *config_text,
			    gint64 updated_at, gboolean *switched, GError **error)
{
	const CwStrategySpec *spec = cw_bot_config_get_active_strategy(config);

	*switched = cw_bot_runtime_only_switch(self->config, config);
	if (*switched) {
		cw_bot_runtime_update_config(self, config, config_text, updated_at);
		return cw_bot_runtime_switch(self, spec->id, error);
	}
	return cw_bot_runtime_replace_config(self, config, config_text, updated_at, error);
}

void
cw_bot_runtime_save_history(CwBotRuntime *self)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;

	json_builder_begin_array(b);
	for (guint i = 0; i < self->history->len; i++) {
		CwScheduledConfig *sc = g_ptr_array_index(self->history, i);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "at");
		if (sc->at == G_MININT64)
			json_builder_add_null_value(b);
		else
			json_builder_add_int_value(b, sc->at);
		json_builder_set_member_name(b, "config");
		json_builder_add_string_value(b, sc->text);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, NULL);
	cw_store_writer_state(self->writer, self->id, "config_history", text);
}

/**
 * cw_bot_runtime_record_config:
 * @at: the open time of the last candle processed under the previous
 *   config (G_MININT64 for the first config)
 *
 * Appends to the bot's config history (bot_state "config_history"), which a
 * restarted bot replays so that its edits and switches happen again at the
 * same candles.
 */
void
cw_bot_runtime_record_config(CwBotRuntime *self, gint64 at, const char *config_text)
{
	CwScheduledConfig *sc = g_new0(CwScheduledConfig, 1);

	sc->at = at;
	sc->text = g_strdup(config_text);
	g_ptr_array_add(self->history, sc);
	cw_bot_runtime_save_history(self);
}

/* Replays a config change at its time; the history already has it. */
static void
cw_bot_runtime_schedule(CwBotRuntime *self, gint64 at, gboolean after_restore, CwBotConfig *config,
			const char *config_text)
{
	CwScheduledConfig *sc = g_new0(CwScheduledConfig, 1);
	CwScheduledConfig *hist = g_new0(CwScheduledConfig, 1);

	/* the replay loop of cw_bot_runtime_on_candle() never reaches it */
	sc->at = after_restore ? G_MAXINT64 : at;
	sc->after_restore = after_restore;
	sc->config = cw_bot_config_ref(config);
	sc->text = g_strdup(config_text);
	g_queue_push_tail(&self->scheduled, sc);
	hist->at = at;
	hist->text = g_strdup(config_text);
	g_ptr_array_add(self->history, hist);
}

void
cw_bot_runtime_schedule_config(CwBotRuntime *self, gint64 at, CwBotConfig *config,
			       const char *config_text)
{
	cw_bot_runtime_schedule(self, at, FALSE, config, config_text);
}

/**
 * cw_bot_runtime_schedule_edit:
 * @at: the cursor, for the config history
 *
 * The row's config, edited while the service was down: applied as a live
 * edit would be, once the warm-up reached the cursor and the trading state
 * (the strategy the history ends with, and its dormant ones) is restored,
 * before the first candle is decided. Applied before the restore, a switch
 * would give the active strategy's snapshot to another one and drop the
 * dormant one's.
 */
void
cw_bot_runtime_schedule_edit(CwBotRuntime *self, gint64 at, CwBotConfig *config,
			     const char *config_text)
{
	cw_bot_runtime_schedule(self, at, TRUE, config, config_text);
}

static void
cw_bot_runtime_apply_scheduled(CwBotRuntime *self)
{
	g_autoptr(GError) error = NULL;
	CwScheduledConfig *sc = g_queue_pop_head(&self->scheduled);
	gboolean switched = FALSE;

	if (!cw_bot_runtime_apply_config(self, sc->config, sc->text, self->updated_at, &switched,
					 &error))
		cw_log(G_LOG_LEVEL_WARNING, self->name, NULL,
		       "replaying a config change of %" G_GINT64_FORMAT " failed: %s", sc->at,
		       error->message);
	cw_scheduled_config_free(sc);
}
