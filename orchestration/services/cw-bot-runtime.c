#include "cw-services.h"

#include "cw-bot-runtime.h"
#include "cw-event-json.h"

struct _CwBotRuntime {
	CwBotRuntimeEnv env;
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
	gboolean origin_dirty;
	gboolean seen_candle;
	CwBotMode mode;
};

static void
cw_bot_runtime_record(const CwEvent *event, gpointer user_data)
{
	CwBotRuntime *self = user_data;
	const char *strategy = g_quark_to_string(event->strategy_id);

	/* replayed history is in the database already */
	if (self->recovering)
		return;
	cw_store_writer_event_copy(self->env.writer, self->id, event);
	switch (event->type) {
	case CW_EVENT_ORDER_SUBMITTED:
	case CW_EVENT_ORDER_FILLED:
	case CW_EVENT_ORDER_CANCELLED:
	case CW_EVENT_ORDER_REJECTED:
		if (event->order != NULL && event->order->client_order_id[0] != '\0')
			cw_store_writer_order(self->env.writer, self->id, event->order);
		break;
	case CW_EVENT_POSITION_OPENED:
	case CW_EVENT_POSITION_UPDATED:
	case CW_EVENT_POSITION_CLOSED:
	case CW_EVENT_STOP_MOVED:
		if (event->position != NULL)
			cw_store_writer_position(self->env.writer, self->id, strategy,
						 event->position, NULL);
		break;
	case CW_EVENT_TRADE_CLOSED:
		cw_store_writer_trade(self->env.writer, self->name, strategy, event->trade);
		break;
	default:
		break;
	}
}

/* Records the order's row before the broker sees the order. Candles are
 * routed inside one store transaction (see CwFeedHub), committed before
 * the next candle: the paper broker acts on an order only then, at the
 * next open. Any other broker sends at once, so the row is committed
 * right here. */
static gboolean
cw_bot_runtime_order_hook(CwTradingOrchestrator *orch, const CwOrder *order, gpointer user_data,
			  GError **error)
{
	CwBotRuntime *self = user_data;
	gboolean *tx = self->env.order_tx_open;

	if (self->recovering)
		return TRUE;
	if (tx != NULL && !*tx && cw_store_begin(self->env.store, NULL))
		*tx = TRUE;
	if (!cw_store_order_upsert(self->env.store, self->id, order, error))
		return FALSE;
	if (tx != NULL && *tx && !CW_IS_PAPER_BROKER(cw_trading_orchestrator_get_broker(orch))) {
		*tx = FALSE;
		return cw_store_commit(self->env.store, error);
	}
	return TRUE;
}

CwBotRuntime *
cw_bot_runtime_new(const CwBotRuntimeEnv *env, gint64 id, const char *name, CwBotConfig *config,
		   const char *config_text, gint64 updated_at)
{
	CwBotRuntime *self = g_new0(CwBotRuntime, 1);

	self->env = *env;
	self->id = id;
	self->name = g_strdup(name);
	self->config = cw_bot_config_ref(config);
	self->config_text = g_strdup(config_text);
	self->updated_at = updated_at;
	self->bus = cw_event_bus_new();
	self->subscription = cw_event_bus_subscribe(self->bus, CW_EVENT_MASK_ALL, 0,
						    cw_bot_runtime_record, self, NULL);
	self->recover_until = G_MININT64;
	self->cursor = G_MININT64;
	self->cursor_queued = G_MININT64;
	self->origin = G_MININT64;
	self->mode = CW_BOT_MODE_ACTIVE;
	return self;
}

void
cw_bot_runtime_free(CwBotRuntime *self)
{
	if (self == NULL)
		return;
	cw_orchestrator_cache_remove_owner(self->env.cache, self);
	cw_event_bus_unsubscribe(self->bus, self->subscription);
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

static CwTradingOrchestrator *
cw_bot_runtime_load(CwBotRuntime *self, const CwStrategySpec *spec, GError **error)
{
	CwTradingOrchestrator *orch = cw_orchestrator_cache_get(
	    self->env.cache, self, self->config, spec, self->bus, &self->stats, error);

	if (orch == NULL)
		return NULL;
	cw_trading_orchestrator_set_order_hook(orch, cw_bot_runtime_order_hook, self);
	if (self->mode != CW_BOT_MODE_ACTIVE)
		cw_trading_orchestrator_set_mode(orch, self->mode);
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
	return self->active;
}

void
cw_bot_runtime_set_recovery(CwBotRuntime *self, gint64 until)
{
	self->recover_until = until;
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

gint64
cw_bot_runtime_get_cursor(CwBotRuntime *self)
{
	return self->cursor;
}

void
cw_bot_runtime_queue_cursor(CwBotRuntime *self)
{
	char text[32];

	if (self->cursor == self->cursor_queued || self->recovering)
		return;
	if (self->origin_dirty) {
		g_snprintf(text, sizeof text, "%" G_GINT64_FORMAT, self->origin);
		cw_store_writer_state(self->env.writer, self->id, "origin", text);
		self->origin_dirty = FALSE;
	}
	g_snprintf(text, sizeof text, "%" G_GINT64_FORMAT, self->cursor);
	cw_store_writer_state(self->env.writer, self->id, "cursor", text);
	self->cursor_queued = self->cursor;
}

void
cw_bot_runtime_on_candle(CwBotRuntime *self, const CwCandle *candle)
{
	gboolean was_recovering = self->recovering;

	if (G_UNLIKELY(self->active == NULL))
		return;
	if (candle->symbol != self->config->symbol_quark || candle->open_time <= self->cursor)
		return;
	/* a bot that joined a shared feed late replays from where it joined */
	if (G_UNLIKELY(candle->open_time < self->origin))
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
	if (G_UNLIKELY(was_recovering && !self->recovering && !self->recovery_logged)) {
		const CwAccount *acc = cw_trading_orchestrator_get_account(self->active);
		self->recovery_logged = TRUE;
		cw_log(G_LOG_LEVEL_MESSAGE, self->name, self->active_spec->id,
		       "crash recovery: state rebuilt up to the persisted cursor, equity %.2f, "
		       "position %s %.8g",
		       acc->equity, cw_direction_to_string(acc->position.direction),
		       acc->position.qty);
	}
	cw_trading_orchestrator_on_candle(self->active, candle);
	self->cursor = candle->open_time;
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
	orch = cw_bot_runtime_load(self, spec, error);
	if (orch == NULL)
		return FALSE;
	/* the new one is active before the old one goes dormant: going dormant
	 * applies the cap, which must not evict the new one */
	cw_orchestrator_cache_set_active(self->env.cache, spec->quark, TRUE);
	if (self->active_spec != NULL)
		cw_orchestrator_cache_set_active(self->env.cache, self->active_spec->quark, FALSE);
	self->active = orch;
	self->active_spec = spec;
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

gboolean
cw_bot_runtime_replace_config(CwBotRuntime *self, CwBotConfig *config, const char *config_text,
			      gint64 updated_at, GError **error)
{
	const CwStrategySpec *spec = cw_bot_config_get_active_strategy(config);
	g_autoptr(CwTradingOrchestrator) fresh = NULL;
	g_autoptr(CwTradingOrchestrator) old = NULL;

	fresh = cw_trading_orchestrator_new(config, spec, self->bus, error);
	if (fresh == NULL)
		return FALSE;
	if (self->active != NULL) {
		old = cw_orchestrator_cache_steal(self->env.cache, self->active_spec->quark);
		cw_trading_orchestrator_adopt(fresh, old);
	}
	/* the other strategies of the old config are unloaded */
	cw_orchestrator_cache_remove_owner(self->env.cache, self);
	cw_trading_orchestrator_set_order_hook(fresh, cw_bot_runtime_order_hook, self);
	cw_orchestrator_cache_insert(self->env.cache, self, fresh, &self->stats);
	cw_orchestrator_cache_set_active(self->env.cache, spec->quark, TRUE);
	cw_bot_config_unref(self->config);
	self->config = cw_bot_config_ref(config);
	g_free(self->config_text);
	self->config_text = g_strdup(config_text);
	self->updated_at = updated_at;
	self->active = fresh;
	self->active_spec = spec;
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
		cw_trading_orchestrator_set_mode(self->active, mode);
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
	cw_store_writer_metrics(self->env.writer, &m);
}

/* Guard counters and guard state of the active strategy, for `bots show`
 * and `bots list --json`. */
void
cw_bot_runtime_queue_guard_state(CwBotRuntime *self)
{
	CwGuardPipeline *pipeline;
	const GArray *stats;
	g_autoptr(GString) json = g_string_new("{");
	g_autofree char *state = NULL;

	if (self->active == NULL || self->recovering)
		return;
	pipeline = cw_trading_orchestrator_get_guard_pipeline(self->active);
	stats = cw_guard_pipeline_get_stats(pipeline);
	for (guint i = 0; i < stats->len; i++) {
		const CwGuardStats *g = &g_array_index(stats, CwGuardStats, i);
		g_string_append_printf(
		    json,
		    "%s\"%s\":{\"checks\":%" G_GUINT64_FORMAT ",\"rejections\":%" G_GUINT64_FORMAT
		    ",\"modifications\":%" G_GUINT64_FORMAT "}",
		    i > 0 ? "," : "", g->name, g->checks, g->rejections, g->modifications);
	}
	g_string_append_c(json, '}');
	cw_store_writer_state(self->env.writer, self->id, "guard_stats", json->str);
	state = cw_guard_pipeline_save_state(pipeline);
	if (state != NULL)
		cw_store_writer_state(self->env.writer, self->id, "guard_state", state);
	/* "mode" belongs to the operator (bots halt/resume); this is the mode
	 * in force, guards' demands included */
	cw_store_writer_state(
	    self->env.writer, self->id, "effective_mode",
	    cw_bot_mode_to_string(cw_trading_orchestrator_get_mode(self->active)));
}

char *
cw_bot_runtime_cache_stats_json(CwBotRuntime *self)
{
	return g_strdup_printf("{\"hits\":%" G_GUINT64_FORMAT ",\"misses\":%" G_GUINT64_FORMAT
			       ",\"evictions\":%" G_GUINT64_FORMAT ",\"loaded\":%u}",
			       self->stats.hits, self->stats.misses, self->stats.evictions,
			       self->stats.loaded);
}
