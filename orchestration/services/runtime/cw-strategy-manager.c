#include "cw-services-runtime.h"

#include "cw-bot-admin.h"
#include "cw-strategy-manager.h"

struct _CwStrategyManager {
	GObject parent_instance;
	CwStore *store;
	CwStoreWriter *writer;
	CwOrchestratorCache *cache;
	CwFeedHub *hub;
	GHashTable *bots;         /* bot id -> CwBotRuntime* */
	GHashTable *inactive;     /* bot id -> updated_at when it stopped by itself or failed */
	GHashTable *status_retry; /* bot id -> CwStatusRetry* */
	gboolean halt_all;
	gboolean kill_switch_unreadable;
	GHashTable *mode_errors; /* bot id -> the mode problem last logged */
	GHashTable *close_done;  /* bot id -> seq of the last close request carried out */
	gboolean malformed;      /* the store reported a damaged file: no trading */
	gboolean started;
	CwOrderJournal *journal; /* the one owner of order durability */
	guint64 n_written;       /* by every queue, since start */
	guint64 n_failed;
	/* the flush in slices: the ids of the round's bots, the next one */
	GArray *round;
	guint round_pos;
	gboolean round_wrote;
	gboolean round_whole; /* a bot reads the others: one transaction */
};

G_DEFINE_FINAL_TYPE(CwStrategyManager, cw_strategy_manager, G_TYPE_OBJECT)

static gint64
cw_strategy_manager_now(void)
{
	return g_get_real_time() / 1000;
}

/* A status the database could not take (a full disk), retried at each
 * flush: a row must not stay `running` for a bot that stopped or failed. */
typedef struct {
	char *status;
	char *reason;
	gint64 at;
} CwStatusRetry;

static void
cw_status_retry_free(CwStatusRetry *r)
{
	g_free(r->status);
	g_free(r->reason);
	g_free(r);
}

static void
cw_strategy_manager_retry_statuses(CwStrategyManager *self)
{
	GHashTableIter iter;
	gint64 *id;
	CwStatusRetry *r;

	g_hash_table_iter_init(&iter, self->status_retry);
	while (g_hash_table_iter_next(&iter, (gpointer *) &id, (gpointer *) &r)) {
		if (!cw_store_bot_set_status(self->store, *id, r->status, r->reason, r->at, NULL))
			return; /* still failing: all wait for the next flush */
		g_hash_table_iter_remove(&iter);
	}
}

static CwBotConfig *cw_strategy_manager_parse(const CwStoreBot *row, GError **error);

/* The active strategy of the bot's stored config, NULL when it cannot be
 * read (the bot is unloaded by the time it goes to `error`). */
static char *
cw_strategy_manager_stored_strategy(CwStrategyManager *self, gint64 id)
{
	g_auto(CwStoreBot) row = {0};
	g_autoptr(CwBotConfig) config = NULL;

	if (cw_store_is_malformed(self->store, NULL) ||
	    !cw_store_bot_get_by_id(self->store, id, &row, NULL) || row.corrupt != NULL)
		return NULL;
	config = cw_strategy_manager_parse(&row, NULL);
	if (config == NULL)
		return NULL;
	return g_strdup(cw_bot_config_get_active_strategy(config)->id);
}

/* A bot went to `error`: BOT_ERROR {"error", "strategy"} with the bot and
 * its strategy, journalled (and so routed to the notifiers, bot_error,
 * critical) with the service's next flush. message is the text that
 * last_error gets: it never holds a secret. */
static void
cw_strategy_manager_journal_bot_error(CwStrategyManager *self, gint64 id, const char *message)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *strategy = cw_strategy_manager_stored_strategy(self, id);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "error");
	json_builder_add_string_value(b, message != NULL ? message : "unknown error");
	if (strategy != NULL) {
		json_builder_set_member_name(b, "strategy");
		json_builder_add_string_value(b, strategy);
	}
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	cw_store_writer_event(self->writer, id, strategy,
			      cw_event_type_to_string(CW_EVENT_BOT_ERROR),
			      cw_strategy_manager_now(), json_to_string(root, FALSE));
}

static void
cw_strategy_manager_status(CwStrategyManager *self, gint64 id, const char *name, const char *status,
			   const char *reason)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	const char *error_text = g_strcmp0(status, "error") == 0 ? reason : NULL;
	gint64 now = cw_strategy_manager_now();

	/* the last status of the bot wins over one still waiting */
	g_hash_table_remove(self->status_retry, &id);
	if (!cw_store_bot_set_status(self->store, id, status, error_text, now, &error)) {
		CwStatusRetry *r = g_new0(CwStatusRetry, 1);

		cw_log(G_LOG_LEVEL_WARNING, name, NULL,
		       "cannot record status %s now, retried at each flush: %s", status,
		       error->message);
		r->status = g_strdup(status);
		r->reason = g_strdup(error_text);
		r->at = now;
		g_hash_table_insert(self->status_retry, g_memdup2(&id, sizeof id), r);
	}
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "status");
	json_builder_add_string_value(b, status);
	if (reason != NULL) {
		json_builder_set_member_name(b, "reason");
		json_builder_add_string_value(b, reason);
	}
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	cw_store_writer_event(self->writer, id, NULL, "BOT_STATUS", cw_strategy_manager_now(),
			      cw_json_to_string(root, FALSE));
	if (error_text != NULL)
		cw_strategy_manager_journal_bot_error(self, id, error_text);
	if (reason != NULL)
		cw_log(g_strcmp0(status, "error") == 0 ? G_LOG_LEVEL_WARNING : G_LOG_LEVEL_MESSAGE,
		       name, NULL, "%s: %s", status, reason);
	else
		cw_log(G_LOG_LEVEL_MESSAGE, name, NULL, "%s", status);
}

/* A bot that stopped by itself (feed ended) or failed is not started again
 * until its row changes. */
static void
cw_strategy_manager_mark_inactive(CwStrategyManager *self, gint64 id, gint64 updated_at)
{
	g_hash_table_replace(self->inactive, g_memdup2(&id, sizeof id),
			     g_memdup2(&updated_at, sizeof updated_at));
}

/* bot_state "writes": what the bot's queue has really written and
 * dropped so far (a failed flush counts neither), and what waits. */
static void
cw_strategy_manager_queue_write_counts(CwBotRuntime *rt)
{
	CwStoreWriter *writer = cw_bot_runtime_get_writer(rt);
	g_autoptr(GString) json = g_string_new(NULL);
	CwJsonWriter w;

	cw_json_writer_init(&w, json, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_uint(&w, "written", cw_store_writer_get_n_written(writer));
	cw_json_writer_member_uint(&w, "dropped", cw_store_writer_get_n_failed(writer));
	cw_json_writer_member_uint(&w, "pending", cw_store_writer_get_pending(writer));
	cw_json_writer_end_object(&w);
	cw_store_writer_state(writer, cw_bot_runtime_get_id(rt), "writes", json->str);
}

static void
cw_strategy_manager_unload(CwStrategyManager *self, CwBotRuntime *rt)
{
	cw_feed_hub_detach(self->hub, rt);
	/* the last counters, not those of the last heartbeat */
	cw_bot_runtime_queue_guard_state(rt);
	cw_strategy_manager_queue_write_counts(rt);
	cw_bot_runtime_queue_cursor(rt);
	g_hash_table_remove(self->bots, &(gint64){cw_bot_runtime_get_id(rt)});
}

/* The feed of these bots can produce no more candles. */
static void
cw_strategy_manager_feed_ended(CwBotRuntime *rt, const char *reason, gpointer user_data)
{
	CwStrategyManager *self = user_data;
	gint64 id = cw_bot_runtime_get_id(rt);
	g_autofree char *name = g_strdup(cw_bot_runtime_get_name(rt));
	gint64 until = cw_bot_runtime_get_recovery(rt);

	/* the data ended before the stored cursor: that cursor is not one this
	 * feed ever gave, so the bot's past is unknown */
	if (until != G_MININT64 && cw_bot_runtime_get_cursor(rt) < until) {
		g_autoptr(GError) error = NULL;
		g_autofree char *text = g_strdup_printf("%" G_GINT64_FORMAT, until);
		g_autofree char *why = NULL;

		why = cw_bot_runtime_get_cursor(rt) == G_MININT64
			  ? g_strdup("beyond the data (the feed gave no candle after the origin)")
			  : g_strdup_printf("beyond the data (the feed's last candle opens at "
					    "%" G_GINT64_FORMAT ")",
					    cw_bot_runtime_get_cursor(rt));
		cw_store_state_unreadable(&error, id, "cursor", text, "a cursor", why);
		cw_strategy_manager_mark_inactive(self, id, cw_bot_runtime_get_updated_at(rt));
		g_hash_table_remove(self->bots, &id);
		cw_strategy_manager_status(self, id, name, "error", error->message);
		return;
	}
	cw_bot_runtime_queue_guard_state(rt);
	cw_strategy_manager_queue_write_counts(rt);
	cw_bot_runtime_queue_cursor(rt);
	cw_store_writer_state(self->writer, id, "stop_reason", reason);
	cw_strategy_manager_mark_inactive(self, id, cw_bot_runtime_get_updated_at(rt));
	g_hash_table_remove(self->bots, &id);
	cw_strategy_manager_status(self, id, name, "stopped", reason);
}

/* The hub dropped the bot: its feed could not start, or its order rows
 * could not be committed. The bot goes to `error`; the others run. */
static void
cw_strategy_manager_feed_failed(CwBotRuntime *rt, const GError *error, gpointer user_data)
{
	CwStrategyManager *self = user_data;
	gint64 id = cw_bot_runtime_get_id(rt);
	g_autofree char *name = g_strdup(cw_bot_runtime_get_name(rt));

	cw_bot_runtime_queue_guard_state(rt);
	cw_strategy_manager_queue_write_counts(rt);
	cw_bot_runtime_queue_cursor(rt);
	cw_strategy_manager_mark_inactive(self, id, cw_bot_runtime_get_updated_at(rt));
	g_hash_table_remove(self->bots, &id);
	cw_strategy_manager_status(self, id, name, "error", error->message);
}

/* The bot cannot go on (CwBotRuntimeFailedFunc: its position cannot be
 * resolved with the venue's): off its feed, then as a failed feed's bot,
 * status error with why; the others run. */
static void
cw_strategy_manager_bot_failed(CwBotRuntime *rt, const GError *error, gpointer user_data)
{
	CwStrategyManager *self = user_data;

	cw_feed_hub_detach(self->hub, rt);
	cw_strategy_manager_feed_failed(rt, error, self);
}

static void
cw_strategy_manager_dispose(GObject *object)
{
	CwStrategyManager *self = CW_STRATEGY_MANAGER(object);

	g_clear_pointer(&self->hub, cw_feed_hub_free);
	g_clear_pointer(&self->bots, g_hash_table_unref);
	g_clear_pointer(&self->inactive, g_hash_table_unref);
	g_clear_pointer(&self->status_retry, g_hash_table_unref);
	g_clear_pointer(&self->mode_errors, g_hash_table_unref);
	g_clear_pointer(&self->close_done, g_hash_table_unref);
	g_clear_pointer(&self->journal, cw_order_journal_free);
	g_clear_pointer(&self->round, g_array_unref);
	g_clear_object(&self->store);
	G_OBJECT_CLASS(cw_strategy_manager_parent_class)->dispose(object);
}

static void
cw_strategy_manager_class_init(CwStrategyManagerClass *klass)
{
	G_OBJECT_CLASS(klass)->dispose = cw_strategy_manager_dispose;
}

static void
cw_strategy_manager_init(CwStrategyManager *self)
{
	self->bots = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
					   (GDestroyNotify) cw_bot_runtime_free);
	self->hub = NULL; /* needs the store: created in new() */
	self->inactive = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	self->status_retry = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
						   (GDestroyNotify) cw_status_retry_free);
	self->mode_errors = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	self->round = g_array_new(FALSE, FALSE, sizeof(gint64));
	self->close_done = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
}

CwStrategyManager *
cw_strategy_manager_new(CwStore *store, CwStoreWriter *writer, CwOrchestratorCache *cache)
{
	CwStrategyManager *self = g_object_new(CW_TYPE_STRATEGY_MANAGER, NULL);

	self->store = g_object_ref(store);
	self->writer = writer;
	self->cache = cache;
	self->journal = cw_order_journal_new(self->store);
	self->hub =
	    cw_feed_hub_new(self->store, self->journal, cw_strategy_manager_feed_ended, self);
	cw_feed_hub_set_failed_func(self->hub, cw_strategy_manager_feed_failed);
	return self;
}

/* The row's name wins over the config's: rows written by other programs
 * may carry a config without one. */
static CwBotConfig *
cw_strategy_manager_parse_text(const CwStoreBot *row, const char *text, GError **error)
{
	g_autofree char *source = g_strdup_printf(
	    "trading_bots.config row %" G_GINT64_FORMAT " (name '%s')", row->id, row->name);
	g_autoptr(JsonNode) root = cw_json_parse(text, -1, source, CW_JSON_PARSE_DEFAULT, error);

	/* an empty, deep or malformed config is this bot's error, nobody else's */
	if (root == NULL)
		return NULL;
	if (JSON_NODE_HOLDS_OBJECT(root))
		json_object_set_string_member(json_node_get_object(root), "name", row->name);
	return cw_bot_config_new_from_node(root, error);
}

static CwBotConfig *
cw_strategy_manager_parse(const CwStoreBot *row, GError **error)
{
	return cw_strategy_manager_parse_text(row, row->config, error);
}

typedef struct {
	gint64 at;
	char *text;
} CwHistoryEntry;

static void
cw_history_entry_free(CwHistoryEntry *e)
{
	g_free(e->text);
	g_free(e);
}

/* bot_state "config_history": [{"at": ms or null, "config": "..."}, ...].
 * NULL without error when there is none; NULL with error when it cannot be
 * read: a replay under configs guessed at would rebuild another state. */
static GPtrArray *
cw_strategy_manager_read_history(CwStrategyManager *self, const CwStoreBot *row, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *text = cw_store_state_get(self->store, row->id, "config_history", &local);
	g_autoptr(GPtrArray) out = NULL;
	g_autoptr(JsonNode) root = NULL;
	JsonArray *arr;

	if (local != NULL) {
		g_propagate_error(error, g_steal_pointer(&local));
		return NULL;
	}
	if (text == NULL)
		return NULL;
	root = cw_json_parse(text, -1, "bot_state config_history", CW_JSON_PARSE_DEFAULT, &local);
	if (root == NULL || !JSON_NODE_HOLDS_ARRAY(root)) {
		cw_store_state_unreadable(error, row->id, "config_history", text,
					  "a config history",
					  local != NULL ? local->message : "expected a JSON array");
		return NULL;
	}
	arr = json_node_get_array(root);
	out = g_ptr_array_new_with_free_func((GDestroyNotify) cw_history_entry_free);
	for (guint i = 0; i < json_array_get_length(arr); i++) {
		JsonNode *n = json_array_get_element(arr, i);
		JsonObject *o = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
		JsonNode *at = o != NULL ? json_object_get_member(o, "at") : NULL;
		JsonNode *cfg = o != NULL ? json_object_get_member(o, "config") : NULL;
		CwHistoryEntry *e;

		if (cfg == NULL || json_node_get_value_type(cfg) != G_TYPE_STRING ||
		    (at != NULL && !JSON_NODE_HOLDS_NULL(at) &&
		     json_node_get_value_type(at) != G_TYPE_INT64)) {
			g_autofree char *where = g_strdup_printf(
			    "[%u]: expected {\"at\": an integer or null, \"config\": a string}", i);
			cw_store_state_unreadable(error, row->id, "config_history", text,
						  "a config history", where);
			return NULL;
		}
		e = g_new0(CwHistoryEntry, 1);
		e->at =
		    at != NULL && !JSON_NODE_HOLDS_NULL(at) ? json_node_get_int(at) : G_MININT64;
		e->text = g_strdup(json_node_get_string(cfg));
		g_ptr_array_add(out, e);
	}
	return out->len > 0 ? g_steal_pointer(&out) : NULL;
}

/* The operator's mode of the bot; one that cannot be read is HALTED (fail
 * closed), logged once per distinct problem. */
static CwBotMode
cw_strategy_manager_read_mode(CwStrategyManager *self, gint64 id, const char *name)
{
	g_autoptr(GError) error = NULL;
	CwBotMode mode = cw_bot_admin_get_mode(self->store, id, &error);
	const char *logged = g_hash_table_lookup(self->mode_errors, &id);

	if (error != NULL && g_strcmp0(logged, error->message) != 0) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		g_autoptr(JsonNode) root = NULL;

		cw_log(G_LOG_LEVEL_WARNING, name, NULL, "mode unreadable, bot halted: %s",
		       error->message);
		g_hash_table_replace(self->mode_errors, g_memdup2(&id, sizeof id),
				     g_strdup(error->message));
		/* the bot's echo of this halt is not sent (it looks like an
		 * operator's): the warning is, once per problem */
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "source");
		json_builder_add_string_value(b, "mode");
		json_builder_set_member_name(b, "reason");
		json_builder_add_string_value(b, "mode unreadable, bot halted");
		json_builder_set_member_name(b, "error");
		json_builder_add_string_value(b, error->message);
		json_builder_end_object(b);
		root = json_builder_get_root(b);
		cw_store_writer_event(self->writer, id, NULL,
				      cw_event_type_to_string(CW_EVENT_HEALTH_WARNING),
				      cw_strategy_manager_now(), json_to_string(root, FALSE));
	} else if (error == NULL && logged != NULL) {
		g_hash_table_remove(self->mode_errors, &id);
	}
	if (self->halt_all)
		mode = CW_BOT_MODE_HALTED;
	return mode;
}

/* bot_state "cursor" or "origin", candle open times: G_MININT64 when
 * unset. FALSE (the bot must not start) when the value cannot be read. */
static gboolean
cw_strategy_manager_read_time(CwStrategyManager *self, gint64 id, const char *key, gint64 *out,
			      GError **error)
{
	*out = G_MININT64;
	return cw_store_state_get_int(
	    self->store, id, key, g_strcmp0(key, "cursor") == 0 ? "a cursor" : "a candle open time",
	    0, G_MAXINT64, out, NULL, error);
}

/* Starts one bot; on failure the bot goes to `error` and nothing else is
 * affected. */
/* Schedules the config changes of the history for the replay, and the
 * row's config when it was edited while the service was down. */
static void
cw_strategy_manager_replay_history(CwStrategyManager *self, CwBotRuntime *rt, const CwStoreBot *row,
				   CwBotConfig *config, GPtrArray *history, gint64 cursor)
{
	const char *last;

	if (history == NULL) {
		cw_bot_runtime_record_config(rt, G_MININT64, row->config);
		return;
	}
	cw_bot_runtime_record_config(rt, ((CwHistoryEntry *) g_ptr_array_index(history, 0))->at,
				     ((CwHistoryEntry *) g_ptr_array_index(history, 0))->text);
	last = ((CwHistoryEntry *) g_ptr_array_index(history, 0))->text;
	for (guint i = 1; i < history->len; i++) {
		CwHistoryEntry *e = g_ptr_array_index(history, i);
		g_autoptr(GError) error = NULL;
		g_autoptr(CwBotConfig) c = cw_strategy_manager_parse_text(row, e->text, &error);

		if (c == NULL) {
			cw_log(G_LOG_LEVEL_WARNING, row->name, NULL,
			       "config_history[%u] no longer validates, skipped: %s", i,
			       error->message);
			continue;
		}
		cw_bot_runtime_schedule_config(rt, e->at, c, e->text);
		last = e->text;
	}
	if (g_strcmp0(last, row->config) != 0)
		cw_bot_runtime_schedule_edit(rt, cursor, config, row->config);
	cw_bot_runtime_save_history(rt);
}

static void
cw_strategy_manager_fail(CwStrategyManager *self, const CwStoreBot *row, const char *message)
{
	cw_strategy_manager_mark_inactive(self, row->id, row->updated_at);
	cw_strategy_manager_status(self, row->id, row->name, "error", message);
}

/* bot_state "trading_state:<strategy id>": the trading state of each
 * dormant strategy, written with the cursor and verified like the active
 * one's; one that cannot be read, or whose strategy is gone from the
 * config, fails the bot closed (it may hold a position). */
static gboolean
cw_strategy_manager_read_dormant(CwStrategyManager *self, CwBotRuntime *rt, gint64 id,
				 GError **error)
{
	g_autoptr(GPtrArray) rows = cw_store_state_list(self->store, id, error);

	if (rows == NULL)
		return FALSE;
	for (guint i = 0; i < rows->len; i++) {
		const CwStoreState *row = g_ptr_array_index(rows, i);
		g_autofree guint8 *data = NULL;
		g_autoptr(GError) why = NULL;
		g_autoptr(GBytes) bytes = NULL;
		gsize len = 0;

		if (!g_str_has_prefix(row->key, "trading_state:"))
			continue;
		if (row->value == NULL) {
			cw_store_state_unreadable(error, id, row->key, NULL,
						  "a trading state snapshot", "no value");
			return FALSE;
		}
		data = g_base64_decode(row->value, &len);
		if (!cw_trading_orchestrator_verify_snapshot(data, len, &why)) {
			cw_store_state_unreadable(error, id, row->key, row->value,
						  "a trading state snapshot", why->message);
			return FALSE;
		}
		bytes = g_bytes_new_take(g_steal_pointer(&data), len);
		if (!cw_bot_runtime_add_dormant_snapshot(rt, row->key + strlen("trading_state:"),
							 bytes, error))
			return FALSE;
	}
	return TRUE;
}

/* bot_state "trading_state": the snapshot written with the cursor,
 * verified (version, layout, checksum) before the bot runs. A bot with a
 * cursor and no snapshot (a store of an older version) replays its
 * decisions, which is safe only against a venue simulated on candles:
 * any other broker fails closed. */
static gboolean
cw_strategy_manager_read_snapshot(CwStrategyManager *self, CwBotRuntime *rt, gint64 id,
				  GError **error)
{
	g_autofree char *text = NULL;
	g_autofree guint8 *data = NULL;
	g_autoptr(GError) why = NULL;
	g_autoptr(GBytes) bytes = NULL;
	CwTradingOrchestrator *orch;
	gsize len = 0;

	text = cw_store_state_get(self->store, id, "trading_state", &why);
	if (why != NULL) {
		g_propagate_error(error, g_steal_pointer(&why));
		return FALSE;
	}
	if (text == NULL) {
		orch = cw_bot_runtime_get_active(rt, NULL);
		if (orch != NULL &&
		    cw_broker_has_capability(cw_trading_orchestrator_get_broker(orch),
					     CW_BROKER_CAP_SIMULATED_ON_CANDLES)) {
			cw_log(G_LOG_LEVEL_MESSAGE, cw_bot_runtime_get_name(rt), NULL,
			       "recovery: no trading state snapshot (a store of an older "
			       "version): the decisions are replayed against the paper venue");
			cw_bot_runtime_set_snapshot(rt, NULL, TRUE);
			return TRUE;
		}
		cw_store_state_unreadable(
		    error, id, "trading_state", NULL, "a trading state snapshot",
		    "missing, and the bot has a cursor: its orders and position "
		    "are unknown");
		return FALSE;
	}
	data = g_base64_decode(text, &len);
	if (!cw_trading_orchestrator_verify_snapshot(data, len, &why)) {
		cw_store_state_unreadable(error, id, "trading_state", text,
					  "a trading state snapshot", why->message);
		return FALSE;
	}
	bytes = g_bytes_new_take(g_steal_pointer(&data), len);
	/* the dormant ones first: they are restored with the active one */
	if (!cw_strategy_manager_read_dormant(self, rt, id, error))
		return FALSE;
	cw_bot_runtime_set_snapshot(rt, bytes, FALSE);
	return TRUE;
}

static void
cw_strategy_manager_start(CwStrategyManager *self, const CwStoreBot *row, gboolean crashed)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = NULL;
	CwBotRuntimeEnv env = {self->store, self->writer, self->cache, self->journal};
	g_autoptr(GPtrArray) history = NULL;
	g_autoptr(CwBotConfig) first_config = NULL;
	CwBotRuntime *rt;
	gint64 cursor, origin;

	if (row->corrupt != NULL) {
		cw_strategy_manager_fail(self, row, row->corrupt->message);
		return;
	}
	if (row->id <= 0) {
		/* every state write and order of the bot would lose its owner */
		g_autofree char *why = g_strdup_printf(
		    "trading_bots row id %" G_GINT64_FORMAT " is not a valid bot id (it must be "
		    "> 0): the bot does not run; give the row a positive id",
		    row->id);
		cw_strategy_manager_fail(self, row, why);
		return;
	}
	if (self->malformed) {
		g_autofree char *reason = NULL;
		g_autofree char *message = NULL;
		cw_store_is_malformed(self->store, &reason);
		message = g_strdup_printf("database is malformed: %s", reason);
		cw_strategy_manager_fail(self, row, message);
		return;
	}
	cw_strategy_manager_status(self, row->id, row->name, "starting", NULL);
	config = cw_strategy_manager_parse(row, &error);
	if (config == NULL) {
		cw_strategy_manager_fail(self, row, error->message);
		return;
	}
	/* a bot with a past replays it under the configs it had, in order; a
	 * past that cannot be read is not guessed at (no replay from 0) */
	if (!cw_strategy_manager_read_time(self, row->id, "cursor", &cursor, &error) ||
	    !cw_strategy_manager_read_time(self, row->id, "origin", &origin, &error)) {
		cw_strategy_manager_fail(self, row, error->message);
		return;
	}
	if (cursor != G_MININT64 && origin != G_MININT64 && origin > cursor) {
		g_autofree char *text = g_strdup_printf("%" G_GINT64_FORMAT, origin);
		g_autofree char *why =
		    g_strdup_printf("after the cursor %" G_GINT64_FORMAT, cursor);
		cw_store_state_unreadable(&error, row->id, "origin", text, "a candle open time",
					  why);
		cw_strategy_manager_fail(self, row, error->message);
		return;
	}
	if (cursor != G_MININT64) {
		history = cw_strategy_manager_read_history(self, row, &error);
		if (error != NULL) {
			cw_strategy_manager_fail(self, row, error->message);
			return;
		}
	}
	if (history != NULL) {
		CwHistoryEntry *first = g_ptr_array_index(history, 0);
		first_config = cw_strategy_manager_parse_text(row, first->text, NULL);
		if (first_config == NULL)
			g_clear_pointer(&history, g_ptr_array_unref);
	}
	if (history != NULL)
		rt = cw_bot_runtime_new(&env, row->id, row->name, first_config,
					((CwHistoryEntry *) g_ptr_array_index(history, 0))->text,
					row->updated_at);
	else
		rt = cw_bot_runtime_new(&env, row->id, row->name, config, row->config,
					row->updated_at);
	cw_bot_runtime_set_failed_func(rt, cw_strategy_manager_bot_failed, self);
	if (cw_bot_runtime_get_active(rt, &error) == NULL ||
	    !cw_feed_hub_attach(self->hub, rt, cursor != G_MININT64, &error)) {
		cw_bot_runtime_free(rt);
		cw_strategy_manager_fail(self, row, error->message);
		return;
	}
	cw_strategy_manager_replay_history(self, rt, row, config, history, cursor);
	if (cursor != G_MININT64 && !cw_strategy_manager_read_snapshot(self, rt, row->id, &error)) {
		cw_feed_hub_detach(self->hub, rt);
		cw_bot_runtime_free(rt);
		cw_strategy_manager_fail(self, row, error->message);
		return;
	}
	if (cursor != G_MININT64) {
		cw_bot_runtime_set_origin(rt, origin);
		cw_bot_runtime_set_recovery(rt, cursor);
		/* history is replayed at full speed, whatever the feed's pace */
		cw_feed_hub_fast_forward(self->hub, rt, cursor);
		if (crashed)
			cw_log(G_LOG_LEVEL_MESSAGE, row->name, NULL,
			       "crash recovery: the previous process died while the bot ran; "
			       "warming up on its feed up to %" G_GINT64_FORMAT
			       " without deciding or sending",
			       cursor);
	}
	cw_bot_runtime_set_mode(rt, cw_strategy_manager_read_mode(self, row->id, row->name));
	g_hash_table_insert(self->bots, g_memdup2(&row->id, sizeof(gint64)), rt);
	/* a feed that cannot start fails its bots (feed_failed) */
	if (self->started && !cw_feed_hub_start(self->hub) &&
	    !g_hash_table_contains(self->bots, &row->id))
		return;
	g_hash_table_remove(self->inactive, &row->id);
	cw_strategy_manager_status(self, row->id, row->name, "running", NULL);
}

/* The service-wide kill switch; one that cannot be read is ON (fail
 * closed), logged when the problem first appears. */
static void
cw_strategy_manager_read_kill_switch(CwStrategyManager *self)
{
	g_autoptr(GError) error = NULL;
	gboolean halted = TRUE;

	if (!cw_bot_admin_get_kill_switch(self->store, &halted, NULL, &error)) {
		halted = TRUE;
		if (!self->kill_switch_unreadable)
			cw_log(G_LOG_LEVEL_WARNING, NULL, NULL,
			       "kill switch unreadable, every bot halted: %s", error->message);
		self->kill_switch_unreadable = TRUE;
	} else if (self->kill_switch_unreadable) {
		cw_log(G_LOG_LEVEL_MESSAGE, NULL, NULL, "kill switch readable again");
		self->kill_switch_unreadable = FALSE;
	}
	if (halted != self->halt_all)
		cw_log(G_LOG_LEVEL_MESSAGE, NULL, NULL, "service-wide kill switch %s",
		       halted ? "ON: every bot halted" : "off");
	self->halt_all = halted;
	cw_service_context_set_halt_all(cw_service_context_get_default(), halted);
}

static void
cw_strategy_manager_log_cache(CwStrategyManager *self)
{
	CwCacheStats stats;

	cw_orchestrator_cache_get_stats(self->cache, &stats);
	cw_log(G_LOG_LEVEL_MESSAGE, NULL, NULL,
	       "orchestrator cache: %u loaded, %" G_GUINT64_FORMAT " hits, %" G_GUINT64_FORMAT
	       " misses, %" G_GUINT64_FORMAT " evictions",
	       stats.loaded, stats.hits, stats.misses, stats.evictions);
}

/* Once the store has met SQLITE_CORRUPT, every bot stops with `error`: no
 * decision may rest on a file that lies (the order hook refuses to send
 * meanwhile). Returns TRUE when the store is malformed. */
static gboolean
cw_strategy_manager_check_store(CwStrategyManager *self)
{
	g_autofree char *reason = NULL;
	g_autofree char *message = NULL;
	g_autoptr(GList) ids = NULL;

	if (!cw_store_is_malformed(self->store, NULL))
		return FALSE;
	if (self->malformed)
		return TRUE;
	self->malformed = TRUE;
	cw_store_is_malformed(self->store, &reason);
	message = g_strdup_printf("database is malformed: %s", reason);
	cw_log(G_LOG_LEVEL_CRITICAL, NULL, NULL,
	       "%s; every bot stopped, no order is sent (repair the file, then restart)", message);
	self->halt_all = TRUE;
	cw_service_context_set_halt_all(cw_service_context_get_default(), TRUE);
	ids = g_hash_table_get_keys(self->bots);
	for (GList *l = ids; l != NULL; l = l->next) {
		CwBotRuntime *rt = g_hash_table_lookup(self->bots, l->data);
		gint64 id = cw_bot_runtime_get_id(rt);
		g_autofree char *name = g_strdup(cw_bot_runtime_get_name(rt));

		cw_bot_runtime_set_mode(rt, CW_BOT_MODE_HALTED);
		cw_strategy_manager_mark_inactive(self, id, cw_bot_runtime_get_updated_at(rt));
		cw_strategy_manager_unload(self, rt);
		cw_strategy_manager_status(self, id, name, "error", message);
	}
	return TRUE;
}

gboolean
cw_strategy_manager_startup(CwStrategyManager *self, GError **error)
{
	g_autoptr(GPtrArray) rows = NULL;

	/* a damaged file is not traded on: say so plainly, before any bot */
	if (!cw_store_quick_check(self->store, error))
		return FALSE;
	rows = cw_store_bot_list(self->store, error);
	if (rows == NULL)
		return FALSE;
	cw_strategy_manager_read_kill_switch(self);
	/* first the bots the previous process left running */
	for (guint pass = 0; pass < 2; pass++) {
		for (guint i = 0; i < rows->len; i++) {
			CwStoreBot *row = g_ptr_array_index(rows, i);
			gboolean crashed = g_strcmp0(row->status, "running") == 0 ||
					   g_strcmp0(row->status, "starting") == 0;
			if (!row->enabled || crashed != (pass == 0))
				continue;
			cw_strategy_manager_start(self, row, crashed);
		}
	}
	self->started = TRUE;
	cw_strategy_manager_log_cache(self);
	/* a feed that cannot start takes down only its own bots */
	cw_feed_hub_start(self->hub);
	return TRUE;
}

static void
cw_strategy_manager_apply_edit(CwStrategyManager *self, CwBotRuntime *rt, const CwStoreBot *row)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = cw_strategy_manager_parse(row, &error);
	gboolean switched = FALSE;

	if (config == NULL || !cw_bot_runtime_apply_config(rt, config, row->config, row->updated_at,
							   &switched, &error)) {
		cw_strategy_manager_unload(self, rt);
		cw_strategy_manager_fail(self, row, error->message);
		return;
	}
	cw_bot_runtime_record_config(rt, cw_bot_runtime_get_cursor(rt), row->config);
	cw_log(G_LOG_LEVEL_MESSAGE, row->name, cw_bot_config_get_active_strategy(config)->id,
	       switched ? "active strategy switched"
			: "config edited: restarted on the new config, open position kept");
}

static void cw_strategy_manager_take_close_request(CwStrategyManager *self, CwBotRuntime *rt);

void
cw_strategy_manager_reconcile(CwStrategyManager *self)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) rows = cw_store_bot_list(self->store, &error);
	g_autoptr(GHashTable) seen = g_hash_table_new(g_int64_hash, g_int64_equal);
	g_autoptr(GList) ids = NULL;

	if (cw_strategy_manager_check_store(self))
		return;
	if (rows == NULL) {
		cw_log(G_LOG_LEVEL_WARNING, NULL, NULL, "reload failed: %s", error->message);
		cw_strategy_manager_check_store(self);
		return;
	}
	cw_strategy_manager_read_kill_switch(self);
	if (cw_strategy_manager_check_store(self))
		return;
	for (guint i = 0; i < rows->len; i++) {
		CwStoreBot *row = g_ptr_array_index(rows, i);
		CwBotRuntime *rt = g_hash_table_lookup(self->bots, &row->id);

		g_hash_table_add(seen, &row->id);
		if (rt == NULL) {
			/* new, re-enabled or edited; a bot that failed or whose feed
			 * ended waits for a change of its row */
			gint64 *stopped_at = g_hash_table_lookup(self->inactive, &row->id);
			if (row->enabled && (stopped_at == NULL || *stopped_at != row->updated_at))
				cw_strategy_manager_start(self, row, FALSE);
			continue;
		}
		if (!row->enabled || row->corrupt != NULL) {
			cw_strategy_manager_unload(self, rt);
			if (row->corrupt != NULL)
				cw_strategy_manager_status(self, row->id, row->name, "error",
							   row->corrupt->message);
			else
				cw_strategy_manager_status(self, row->id, row->name, "stopped",
							   "disabled");
			continue;
		}
		if (row->updated_at != cw_bot_runtime_get_updated_at(rt) ||
		    g_strcmp0(row->config, cw_bot_runtime_get_config_text(rt)) != 0) {
			/* an edit waits until the trading state is back (a later
			 * poll applies it): a switch during the warm-up would
			 * give the snapshots to the wrong strategies */
			if (!cw_bot_runtime_is_restoring(rt))
				cw_strategy_manager_apply_edit(self, rt, row);
		}
		rt = g_hash_table_lookup(self->bots, &row->id);
		if (rt != NULL) {
			cw_bot_runtime_set_mode(
			    rt, cw_strategy_manager_read_mode(self, row->id, row->name));
			cw_strategy_manager_take_close_request(self, rt);
		}
	}
	/* removed rows */
	ids = g_hash_table_get_keys(self->bots);
	for (GList *l = ids; l != NULL; l = l->next) {
		CwBotRuntime *rt = g_hash_table_lookup(self->bots, l->data);
		if (g_hash_table_contains(seen, l->data))
			continue;
		cw_log(G_LOG_LEVEL_MESSAGE, cw_bot_runtime_get_name(rt), NULL,
		       "removed from the table: unloaded");
		/* its order, position and state rows went with its row: the
		 * queued ones (a paper bot's orders wait for the flush) would
		 * only fail their foreign key */
		cw_store_writer_drop_bot_rows(cw_bot_runtime_get_writer(rt),
					      cw_bot_runtime_get_id(rt));
		cw_feed_hub_detach(self->hub, rt);
		g_hash_table_remove(self->bots, l->data);
	}
	cw_strategy_manager_log_cache(self);
}

/* Every running bot's last_heartbeat in one transaction: one commit, not
 * one per bot (with 1,000 bots, 30 to 40 ms of the main loop). FALSE when
 * the transaction did not commit (nothing recorded; the next heartbeat
 * tries again). */
static gboolean
cw_strategy_manager_record_heartbeats(CwStrategyManager *self, gint64 now_ms)
{
	g_autoptr(GError) error = NULL;
	GHashTableIter iter;
	CwBotRuntime *rt;
	gboolean tx;

	/* a transaction that cannot start: each row on its own, as before */
	tx = cw_store_begin(self->store, &error);
	g_clear_error(&error);
	g_hash_table_iter_init(&iter, self->bots);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &rt)) {
		if (!cw_store_bot_heartbeat(self->store, cw_bot_runtime_get_id(rt), now_ms, &error))
			cw_log(G_LOG_LEVEL_WARNING, cw_bot_runtime_get_name(rt), NULL,
			       "heartbeat not recorded: %s", error->message);
		else if (!tx)
			cw_bot_runtime_set_heartbeat(rt, now_ms);
		g_clear_error(&error);
	}
	if (!tx)
		return TRUE;
	if (!cw_store_commit(self->store, &error)) {
		cw_store_rollback(self->store, NULL);
		cw_log(G_LOG_LEVEL_WARNING, NULL, NULL, "heartbeats not recorded: %s",
		       error->message);
		return FALSE;
	}
	g_hash_table_iter_init(&iter, self->bots);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &rt))
		cw_bot_runtime_set_heartbeat(rt, now_ms);
	return TRUE;
}

void
cw_strategy_manager_heartbeat(CwStrategyManager *self, gint64 now_ms)
{
	GHashTableIter iter;
	CwBotRuntime *rt;

	cw_strategy_manager_record_heartbeats(self, now_ms);
	g_hash_table_iter_init(&iter, self->bots);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &rt)) {
		g_autofree char *stats = cw_bot_runtime_cache_stats_json(rt);

		cw_store_writer_state(cw_bot_runtime_get_writer(rt), cw_bot_runtime_get_id(rt),
				      "cache", stats);
		cw_bot_runtime_queue_guard_state(rt);
		cw_strategy_manager_queue_write_counts(rt);
	}
}

void
cw_strategy_manager_queue_metrics(CwStrategyManager *self, gint64 now_ms)
{
	GHashTableIter iter;
	CwBotRuntime *rt;

	g_hash_table_iter_init(&iter, self->bots);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &rt))
		cw_bot_runtime_queue_metrics(rt, now_ms);
}

void
cw_strategy_manager_queue_cursors(CwStrategyManager *self)
{
	GHashTableIter iter;
	CwBotRuntime *rt;

	g_hash_table_iter_init(&iter, self->bots);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &rt))
		cw_bot_runtime_queue_cursor(rt);
}

void
cw_strategy_manager_stop_feeds(CwStrategyManager *self)
{
	cw_feed_hub_stop_all(self->hub);
}

void
cw_strategy_manager_stop_all(CwStrategyManager *self, const char *reason)
{
	g_autoptr(GList) ids = g_hash_table_get_keys(self->bots);

	cw_strategy_manager_log_cache(self);
	for (GList *l = ids; l != NULL; l = l->next) {
		CwBotRuntime *rt = g_hash_table_lookup(self->bots, l->data);
		gint64 id = cw_bot_runtime_get_id(rt);
		g_autofree char *name = g_strdup(cw_bot_runtime_get_name(rt));

		cw_strategy_manager_unload(self, rt);
		cw_strategy_manager_status(self, id, name, "stopped", reason);
	}
}

guint
cw_strategy_manager_get_n_running(CwStrategyManager *self)
{
	return g_hash_table_size(self->bots);
}

gboolean
cw_strategy_manager_get_halt_all(CwStrategyManager *self)
{
	return self->halt_all;
}

CwBotRuntime *
cw_strategy_manager_lookup(CwStrategyManager *self, gint64 bot_id)
{
	return g_hash_table_lookup(self->bots, &bot_id);
}

CwFeedHub *
cw_strategy_manager_get_feed_hub(CwStrategyManager *self)
{
	return self->hub;
}

/**
 * cw_strategy_manager_flush:
 *
 * Writes the service's queue and every bot's queue in one transaction, so
 * a bot's cursor is always committed with the events it covers. After a
 * failed commit every queue is kept for the next flush.
 */
gboolean
cw_strategy_manager_flush(CwStrategyManager *self, GError **error)
{
	GHashTableIter iter;
	CwBotRuntime *rt;
	gboolean any;
	gboolean ok;

	cw_strategy_manager_check_store(self);
	cw_strategy_manager_retry_statuses(self);
	any = cw_store_writer_get_pending(self->writer) > 0;
	g_hash_table_iter_init(&iter, self->bots);
	while (!any && g_hash_table_iter_next(&iter, NULL, (gpointer *) &rt))
		any = cw_store_writer_get_pending(cw_bot_runtime_get_writer(rt)) > 0;
	if (!any) {
		/* an unwritable store is cleared by a commit: with nothing to
		 * write, a test write tells whether the database takes writes
		 * again (new orders wait for it) */
		if (!cw_store_check_writable(self->store, NULL))
			return cw_store_probe_write(self->store, error);
		return TRUE;
	}
	if (!cw_store_begin(self->store, error))
		return FALSE;
	ok = cw_store_writer_apply_pending(self->writer, error);
	g_hash_table_iter_init(&iter, self->bots);
	while (ok && g_hash_table_iter_next(&iter, NULL, (gpointer *) &rt))
		ok = cw_store_writer_apply_pending(cw_bot_runtime_get_writer(rt), error);
	if (!ok || !cw_store_commit(self->store, error)) {
		cw_store_rollback(self->store, NULL);
		return FALSE;
	}
	cw_store_writer_commit_applied(self->writer, &self->n_written, &self->n_failed);
	g_hash_table_iter_init(&iter, self->bots);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &rt))
		cw_store_writer_commit_applied(cw_bot_runtime_get_writer(rt), &self->n_written,
					       &self->n_failed);
	return TRUE;
}

/* A new round of the sliced flush: every running bot, in the table's
 * order of the moment. When a bot's gates read other bots' positions
 * (max_positions_total, max_exposure_pct across bots), what it decides
 * after a restart depends on where the others' cursors stand, so every
 * bot is committed at the same cursor: the round is one slice. */
static void
cw_strategy_manager_round_start(CwStrategyManager *self)
{
	GHashTableIter iter;
	CwBotRuntime *rt;
	gint64 *id;

	cw_strategy_manager_check_store(self);
	cw_strategy_manager_retry_statuses(self);
	g_array_set_size(self->round, 0);
	g_hash_table_iter_init(&iter, self->bots);
	self->round_whole = FALSE;
	while (g_hash_table_iter_next(&iter, (gpointer *) &id, (gpointer *) &rt)) {
		g_array_append_val(self->round, *id);
		self->round_whole |= cw_bot_runtime_reads_other_bots(rt);
	}
	self->round_pos = 0;
	self->round_wrote = FALSE;
}

/* Applies writer's queue into the slice's transaction, opened by the
 * first queue that has writes. */
static gboolean
cw_strategy_manager_slice_writer(CwStrategyManager *self, CwStoreWriter *writer, GPtrArray *applied,
				 GError **error)
{
	if (cw_store_writer_get_pending(writer) == 0)
		return TRUE;
	if (applied->len == 0 && !cw_store_begin(self->store, error))
		return FALSE;
	/* listed first: a rollback after a failed apply ends the slice */
	g_ptr_array_add(applied, writer);
	return cw_store_writer_apply_pending(writer, error);
}

/* Applies the service's queue, then bots' queues (each with its cursor
 * queued last) from the round's position until budget_us has passed. */
static gboolean
cw_strategy_manager_slice_apply(CwStrategyManager *self, gint64 t0, gint64 budget_us,
				GPtrArray *applied, GError **error)
{
	if (!cw_strategy_manager_slice_writer(self, self->writer, applied, error))
		return FALSE;
	while (self->round_pos < self->round->len) {
		gint64 id = g_array_index(self->round, gint64, self->round_pos);
		CwBotRuntime *rt = g_hash_table_lookup(self->bots, &id);

		self->round_pos++;
		if (rt == NULL) /* unloaded since: its queue went to the service's */
			continue;
		cw_bot_runtime_queue_cursor(rt);
		if (!cw_strategy_manager_slice_writer(self, cw_bot_runtime_get_writer(rt), applied,
						      error))
			return FALSE;
		if (!self->round_whole && applied->len > 0 &&
		    g_get_monotonic_time() - t0 >= budget_us)
			break;
	}
	return TRUE;
}

/**
 * cw_strategy_manager_flush_slice:
 * @budget_us: how long the slice may apply bots' queues before it commits
 * @done: (out): set to %TRUE when the round reached its last bot
 *
 * One slice of a flush in rounds: a round visits every running bot once;
 * each slice commits, in one transaction, the service's queue and the
 * queues of as many bots of the round as fit in @budget_us (at least one
 * that has writes), each with its cursor queued last, so a bot's cursor is
 * always committed with the events it covers, as with
 * cw_strategy_manager_flush(). Between slices the main loop takes candles.
 * After a failure the round ends and every queue not committed is kept.
 */
gboolean
cw_strategy_manager_flush_slice(CwStrategyManager *self, gint64 budget_us, gboolean *done,
				GError **error)
{
	g_autoptr(GPtrArray) applied = g_ptr_array_new();
	gint64 t0 = g_get_monotonic_time();
	gboolean ok;

	if (self->round_pos >= self->round->len)
		cw_strategy_manager_round_start(self);
	ok = cw_strategy_manager_slice_apply(self, t0, budget_us, applied, error);
	/* applied is empty only when no transaction was opened */
	if (applied->len > 0 && (!ok || !cw_store_commit(self->store, error))) {
		cw_store_rollback(self->store, NULL);
		ok = FALSE;
	}
	if (!ok) {
		self->round_pos = self->round->len;
		*done = TRUE;
		return FALSE;
	}
	for (guint i = 0; i < applied->len; i++)
		cw_store_writer_commit_applied(applied->pdata[i], &self->n_written,
					       &self->n_failed);
	self->round_wrote |= applied->len > 0;
	*done = self->round_pos >= self->round->len;
	/* as in a full flush: with nothing to write, a test write tells
	 * whether an unwritable store takes writes again */
	if (*done && !self->round_wrote && !cw_store_check_writable(self->store, NULL))
		return cw_store_probe_write(self->store, error);
	return TRUE;
}

guint64
cw_strategy_manager_get_n_pending(CwStrategyManager *self)
{
	GHashTableIter iter;
	CwBotRuntime *rt;
	guint64 n =
	    cw_store_writer_get_pending(self->writer) + g_hash_table_size(self->status_retry);

	g_hash_table_iter_init(&iter, self->bots);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &rt))
		n += cw_store_writer_get_pending(cw_bot_runtime_get_writer(rt));
	return n;
}

void
cw_strategy_manager_get_write_counts(CwStrategyManager *self, guint64 *written, guint64 *failed)
{
	*written = self->n_written;
	*failed = self->n_failed;
}

void
cw_strategy_manager_foreach(CwStrategyManager *self, CwBotRuntimeFunc func, gpointer user_data)
{
	GHashTableIter iter;
	CwBotRuntime *rt;

	g_hash_table_iter_init(&iter, self->bots);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &rt))
		func(rt, user_data);
}

/**
 * cw_strategy_manager_restart_bot:
 *
 * Unloads a running bot and starts it again from its row: it replays its
 * history up to the persisted cursor (crash recovery) and goes on live.
 */
gboolean
cw_strategy_manager_restart_bot(CwStrategyManager *self, gint64 bot_id, const char *reason,
				GError **error)
{
	CwBotRuntime *rt = g_hash_table_lookup(self->bots, &bot_id);
	g_auto(CwStoreBot) row = {0};

	if (rt == NULL) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_FAILED,
			    "bot %" G_GINT64_FORMAT " is not running", bot_id);
		return FALSE;
	}
	cw_log(G_LOG_LEVEL_MESSAGE, cw_bot_runtime_get_name(rt), NULL, "restarting: %s", reason);
	cw_strategy_manager_unload(self, rt);
	/* the cursor of the unloaded bot must be on disk before it replays */
	if (!cw_strategy_manager_flush(self, error) ||
	    !cw_store_bot_get_by_id(self->store, bot_id, &row, error))
		return FALSE;
	cw_strategy_manager_start(self, &row, FALSE);
	return TRUE;
}

/* Unloads the bot (if it runs) and records status `error` with message. */
void
cw_strategy_manager_fail_bot(CwStrategyManager *self, gint64 bot_id, const char *message)
{
	CwBotRuntime *rt = g_hash_table_lookup(self->bots, &bot_id);
	g_auto(CwStoreBot) row = {0};
	g_autoptr(GError) error = NULL;

	if (rt != NULL)
		cw_strategy_manager_unload(self, rt);
	if (!cw_store_bot_get_by_id(self->store, bot_id, &row, &error)) {
		cw_log(G_LOG_LEVEL_WARNING, NULL, NULL, "bot %" G_GINT64_FORMAT ": %s", bot_id,
		       error->message);
		return;
	}
	cw_strategy_manager_fail(self, &row, message);
}

void
cw_strategy_manager_foreach_health(CwStrategyManager *self, CwBotHealthFunc func,
				   gpointer user_data)
{
	GHashTableIter iter;
	CwBotRuntime *rt;

	g_hash_table_iter_init(&iter, self->bots);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &rt)) {
		CwBotHealth h;
		cw_bot_runtime_fill_health(rt, &h);
		h.feed_state = cw_feed_hub_get_health_state(self->hub, rt, h.feed_state);
		func(&h, user_data);
	}
}

/* MANUAL_CLOSE {"source", "request", "outcome", "error"}: what the
 * service did with an operator's close. */
static void
cw_strategy_manager_journal_close(CwBotRuntime *rt, const char *strategy, const char *source,
				  gint64 request, const GError *error)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "source");
	json_builder_add_string_value(b, source != NULL ? source : "unknown");
	if (request > 0) {
		json_builder_set_member_name(b, "request");
		json_builder_add_int_value(b, request);
	}
	json_builder_set_member_name(b, "outcome");
	json_builder_add_string_value(b, error == NULL ? "sent" : "refused");
	if (error != NULL) {
		json_builder_set_member_name(b, "error");
		json_builder_add_string_value(b, error->message);
	}
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	cw_store_writer_event(cw_bot_runtime_get_writer(rt), cw_bot_runtime_get_id(rt), strategy,
			      CW_BOT_ADMIN_EVENT_MANUAL_CLOSE, cw_strategy_manager_now(),
			      json_to_string(root, FALSE));
}

/* The close itself, on a loaded bot. */
static gboolean
cw_strategy_manager_close_loaded(CwBotRuntime *rt, const char *source, gint64 request,
				 GError **error)
{
	g_autoptr(GError) local = NULL;
	CwTradingOrchestrator *orch;
	const char *strategy = NULL;

	if (cw_bot_runtime_is_recovering(rt)) {
		g_set_error(&local, CW_SERVICES_ERROR, CW_SERVICES_ERROR_NOT_RUNNING,
			    "bot '%s' is still recovering its state; try again once it is live",
			    cw_bot_runtime_get_name(rt));
	} else if ((orch = cw_bot_runtime_get_active(rt, &local)) != NULL) {
		strategy = cw_trading_orchestrator_get_spec(orch)->id;
		if (!cw_trading_orchestrator_request_close(orch, &local)) {
			gboolean flat = g_error_matches(local, CW_EXECUTION_ERROR,
							CW_EXECUTION_ERROR_NO_POSITION);
			g_autofree char *text = g_strdup_printf(
			    "bot '%s': %s", cw_bot_runtime_get_name(rt), local->message);
			g_clear_error(&local);
			g_set_error_literal(
			    &local, CW_SERVICES_ERROR,
			    flat ? CW_SERVICES_ERROR_NO_POSITION : CW_SERVICES_ERROR_REFUSED, text);
		}
	}
	cw_strategy_manager_journal_close(rt, strategy, source, request, local);
	if (local != NULL) {
		cw_log(G_LOG_LEVEL_WARNING, cw_bot_runtime_get_name(rt), strategy,
		       "manual close (%s) not carried out: %s", source, local->message);
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	cw_log(G_LOG_LEVEL_MESSAGE, cw_bot_runtime_get_name(rt), strategy,
	       "manual close (%s): reduce-only market close sent", source);
	return TRUE;
}

/**
 * cw_strategy_manager_close_position:
 * @name: the bot's name, or its id
 * @source: who asks, e.g. "api:TOKEN-NAME" or "telegram:CHAT"
 *
 * Flattens a running bot's position now: its working entry is cancelled
 * and a reduce-only market close goes through the guard pipeline
 * (cw_trading_orchestrator_request_close()). The outcome is journalled as
 * MANUAL_CLOSE. Errors: CW_STORE_ERROR_NOT_FOUND (no such bot),
 * CW_SERVICES_ERROR_NOT_RUNNING, CW_SERVICES_ERROR_NO_POSITION,
 * CW_SERVICES_ERROR_REFUSED (a guard's reason).
 */
gboolean
cw_strategy_manager_close_position(CwStrategyManager *self, const char *name, const char *source,
				   GError **error)
{
	g_auto(CwStoreBot) row = {0};
	CwBotRuntime *rt;

	g_return_val_if_fail(CW_IS_STRATEGY_MANAGER(self), FALSE);

	if (!cw_bot_admin_find(self->store, name, &row, error))
		return FALSE;
	rt = g_hash_table_lookup(self->bots, &row.id);
	if (rt == NULL) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_NOT_RUNNING,
			    "bot '%s' is not running (status %s): nothing to close", name,
			    row.status != NULL ? row.status : "unknown");
		return FALSE;
	}
	return cw_strategy_manager_close_loaded(rt, source, 0, error);
}

/* A close the CLI asked for (cw_bot_admin_request_close()): carried out
 * once. close_done is written before the close is sent: a crash between
 * the two loses the close rather than sending it twice. */
static void
cw_strategy_manager_take_close_request(CwStrategyManager *self, CwBotRuntime *rt)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	g_autofree char *source = NULL;
	gint64 id = cw_bot_runtime_get_id(rt);
	gint64 request = 0, done = 0;
	gint64 *known = g_hash_table_lookup(self->close_done, &id);
	gboolean found = FALSE;

	if (!cw_store_state_get_int(self->store, id, CW_BOT_ADMIN_STATE_CLOSE_REQUEST,
				    "a close request", 0, G_MAXINT64, &request, &found, &error)) {
		cw_log(G_LOG_LEVEL_WARNING, cw_bot_runtime_get_name(rt), NULL, "%s",
		       error->message);
		return;
	}
	/* a restarted bot takes it once it is live again */
	if (!found || cw_bot_runtime_is_recovering(rt))
		return;
	if (known != NULL) {
		done = *known;
	} else if (!cw_store_state_get_int(self->store, id, CW_BOT_ADMIN_STATE_CLOSE_DONE,
					   "a close request", 0, G_MAXINT64, &done, NULL, &error)) {
		cw_log(G_LOG_LEVEL_WARNING, cw_bot_runtime_get_name(rt), NULL, "%s",
		       error->message);
		return;
	}
	g_hash_table_replace(self->close_done, g_memdup2(&id, sizeof id),
			     g_memdup2(&done, sizeof done));
	if (request <= done)
		return;
	text = g_strdup_printf("%" G_GINT64_FORMAT, request);
	if (!cw_store_state_set(self->store, id, CW_BOT_ADMIN_STATE_CLOSE_DONE, text, &error)) {
		cw_log(G_LOG_LEVEL_WARNING, cw_bot_runtime_get_name(rt), NULL,
		       "close request %" G_GINT64_FORMAT " waits: %s", request, error->message);
		return;
	}
	g_hash_table_replace(self->close_done, g_memdup2(&id, sizeof id),
			     g_memdup2(&request, sizeof request));
	source = g_strdup_printf("request %" G_GINT64_FORMAT, request);
	cw_strategy_manager_close_loaded(rt, source, request, NULL);
}
