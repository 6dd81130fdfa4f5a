#include "cw-services-runtime.h"

#include <time.h>

#include "cw-feed-hub.h"

typedef struct {
	CwFeedHub *hub;
	char *key;
	CwMarketFeed *feed;
	guint sink;
	gulong ended_handler;
	GPtrArray *bots; /* of CwBotRuntime*, borrowed */
	gboolean started;
} CwFeedShare;

struct _CwFeedHub {
	CwStore *store;
	gboolean *order_tx_open;
	GHashTable *shares; /* key -> CwFeedShare* */
	gint64 *timings;    /* benchmark: ns per routed candle, preallocated */
	guint n_timings;
	guint timings_capacity;
	GHashTable *by_bot; /* CwBotRuntime* -> CwFeedShare* */
	CwFeedEndedFunc ended;
	CwFeedFailedFunc failed;
	gpointer ended_data;
	gint64 commit_log_us; /* rate limit of "cannot commit order rows" */
	guint commit_failures;
};

static void
cw_feed_share_free(CwFeedShare *share)
{
	if (share->started)
		cw_market_feed_stop(share->feed);
	cw_market_feed_remove_sink(share->feed, share->sink);
	g_signal_handler_disconnect(share->feed, share->ended_handler);
	g_object_unref(share->feed);
	g_ptr_array_unref(share->bots);
	g_free(share->key);
	g_free(share);
}

CwFeedHub *
cw_feed_hub_new(CwStore *store, gboolean *order_tx_open, CwFeedEndedFunc ended, gpointer user_data)
{
	CwFeedHub *self = g_new0(CwFeedHub, 1);

	self->store = store;
	self->order_tx_open = order_tx_open;
	self->shares = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					     (GDestroyNotify) cw_feed_share_free);
	self->by_bot = g_hash_table_new(g_direct_hash, g_direct_equal);
	self->ended = ended;
	self->ended_data = user_data;
	return self;
}

void
cw_feed_hub_set_failed_func(CwFeedHub *self, CwFeedFailedFunc failed)
{
	self->failed = failed;
}

void
cw_feed_hub_free(CwFeedHub *self)
{
	if (self == NULL)
		return;
	g_hash_table_unref(self->by_bot);
	g_hash_table_unref(self->shares);
	g_free(self->timings);
	g_free(self);
}

static gint64
cw_feed_hub_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (gint64) ts.tv_sec * G_GINT64_CONSTANT(1000000000) + ts.tv_nsec;
}

/* The bots whose order rows were in the candle's transaction hold orders
 * that the paper broker took but whose rows are not durable: fail closed,
 * they go (with their broker) before the next candle could fill them. */
static void
cw_feed_hub_commit_failed(CwFeedShare *share, const GError *error)
{
	CwFeedHub *hub = share->hub;
	gint64 now = g_get_monotonic_time();
	guint n_failed = 0;
	g_autoptr(GError) why = g_error_new(
	    CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO,
	    "the order rows of a candle could not be committed after the paper broker took the "
	    "orders: %s",
	    error->message);

	for (guint i = share->bots->len; i > 0; i--) {
		CwBotRuntime *bot = g_ptr_array_index(share->bots, i - 1);

		if (!cw_bot_runtime_take_order_in_tx(bot))
			continue;
		g_ptr_array_remove_index(share->bots, i - 1);
		g_hash_table_remove(hub->by_bot, bot);
		n_failed++;
		if (hub->failed != NULL)
			hub->failed(bot, why, hub->ended_data);
	}
	hub->commit_failures++;
	if (n_failed > 0 || hub->commit_log_us == 0 ||
	    now - hub->commit_log_us >= 10 * G_USEC_PER_SEC) {
		cw_log(G_LOG_LEVEL_CRITICAL, NULL, NULL,
		       "cannot commit order rows (%u times): %s; %u bots with orders in it stopped",
		       hub->commit_failures, error->message, n_failed);
		hub->commit_log_us = now;
	}
}

/* Hot path: one candle to every bot of the feed. */
static void
cw_feed_hub_route(const CwCandle *candle, gpointer user_data)
{
	CwFeedShare *share = user_data;
	CwFeedHub *hub = share->hub;
	gint64 start = 0;

	if (G_UNLIKELY(hub->timings != NULL))
		start = cw_feed_hub_now_ns();
	for (guint i = 0; i < share->bots->len; i++) {
		if (i + 1 < share->bots->len)
			cw_bot_runtime_prefetch(g_ptr_array_index(share->bots, i + 1));
		cw_bot_runtime_on_candle(g_ptr_array_index(share->bots, i), candle);
	}
	/* the order rows of this candle, committed before the next candle
	 * (when the paper broker acts on them); no SQL for a quiet candle */
	if (*hub->order_tx_open) {
		g_autoptr(GError) error = NULL;
		*hub->order_tx_open = FALSE;
		if (!cw_store_commit(hub->store, &error)) {
			cw_store_rollback(hub->store, NULL);
			cw_feed_hub_commit_failed(share, error);
		} else {
			for (guint i = 0; i < share->bots->len; i++)
				cw_bot_runtime_take_order_in_tx(g_ptr_array_index(share->bots, i));
		}
	}
	if (G_UNLIKELY(hub->timings != NULL) && hub->n_timings < hub->timings_capacity)
		hub->timings[hub->n_timings++] = cw_feed_hub_now_ns() - start;
}

void
cw_feed_hub_record_timings(CwFeedHub *self, guint capacity)
{
	g_clear_pointer(&self->timings, g_free);
	self->n_timings = 0;
	self->timings_capacity = capacity;
	if (capacity > 0)
		self->timings = g_new0(gint64, capacity);
}

const gint64 *
cw_feed_hub_get_timings(CwFeedHub *self, guint *n)
{
	*n = self->n_timings;
	return self->timings;
}

static gboolean
cw_feed_hub_release_cb(gpointer user_data)
{
	return G_SOURCE_REMOVE;
}

static void
cw_feed_hub_on_ended(CwMarketFeed *feed, const char *reason, gpointer user_data)
{
	CwFeedShare *share = user_data;
	CwFeedHub *hub = share->hub;
	g_autoptr(GPtrArray) bots = g_ptr_array_copy(share->bots, NULL, NULL);
	g_autofree char *why = g_strdup(reason);

	/* the share goes away with its last bot; a bot added later for the
	 * same key gets a new feed */
	share->started = FALSE;
	g_hash_table_steal(hub->shares, share->key);
	for (guint i = 0; i < bots->len; i++)
		g_hash_table_remove(hub->by_bot, g_ptr_array_index(bots, i));
	g_ptr_array_set_size(share->bots, 0);
	for (guint i = 0; i < bots->len; i++)
		hub->ended(g_ptr_array_index(bots, i), why, hub->ended_data);
	/* not from inside the feed's own emission: free it once idle */
	g_idle_add_full(G_PRIORITY_DEFAULT, cw_feed_hub_release_cb, share,
			(GDestroyNotify) cw_feed_share_free);
}

/**
 * cw_feed_hub_new_feed:
 * @config: the bot's configuration
 * @error: return location for a #CW_CONFIG_ERROR at the feed's JSON path
 *
 * Returns: (transfer full) (nullable): the configured feed, not started
 */
CwMarketFeed *
cw_feed_hub_new_feed(const CwBotConfig *config, GError **error)
{
	JsonObject *section = cw_bot_config_get_section(config, "feed");
	const char *type = cw_bot_config_get_section_type(config, "feed", NULL);
	g_autofree char *known = cw_extension_list_names(CW_EXTENSION_POINT_MARKET_FEED);
	g_autoptr(GObject) obj = NULL;

	if (section == NULL) {
		cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, "feed", NULL,
				   "missing: a bot needs a \"feed\" object with a \"type\" "
				   "(known types: %s)",
				   known);
		return NULL;
	}
	if (type == NULL) {
		cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, "feed", "type",
				   "required: a string naming the feed (known types: %s)", known);
		return NULL;
	}
	if (!cw_extension_exists(CW_EXTENSION_POINT_MARKET_FEED, type)) {
		cw_config_error_at(error, CW_CONFIG_ERROR_UNKNOWN_NAME, "feed", "type",
				   "unknown feed type '%s' (known: %s)", type, known);
		return NULL;
	}
	obj = cw_extension_new(CW_EXTENSION_POINT_MARKET_FEED, type, error);
	if (obj == NULL || !cw_market_feed_configure(CW_MARKET_FEED(obj), config, error))
		return NULL;
	return CW_MARKET_FEED(g_steal_pointer(&obj));
}

gboolean
cw_feed_hub_attach(CwFeedHub *self, CwBotRuntime *bot, gboolean replay_history, GError **error)
{
	g_autofree char *private_key = NULL;
	CwBotConfig *config = cw_bot_runtime_get_config(bot);
	g_autoptr(CwMarketFeed) obj = cw_feed_hub_new_feed(config, error);
	CwFeedShare *share;
	const char *key;

	if (obj == NULL)
		return FALSE;
	key = cw_market_feed_get_key(CW_MARKET_FEED(obj));
	share = g_hash_table_lookup(self->shares, key);
	if (share != NULL && share->started && replay_history) {
		/* the shared instance is past the start: a bot that must replay
		 * its history gets a feed of its own */
		private_key =
		    g_strdup_printf("%s#%" G_GINT64_FORMAT, key, cw_bot_runtime_get_id(bot));
		key = private_key;
		share = NULL;
	}
	if (share == NULL) {
		share = g_new0(CwFeedShare, 1);
		share->hub = self;
		share->key = g_strdup(key);
		share->feed = CW_MARKET_FEED(g_steal_pointer(&obj));
		share->bots = g_ptr_array_new();
		share->sink = cw_market_feed_add_sink(share->feed, cw_feed_hub_route, share);
		share->ended_handler =
		    g_signal_connect(share->feed, "ended", G_CALLBACK(cw_feed_hub_on_ended), share);
		g_hash_table_insert(self->shares, share->key, share);
	}
	g_ptr_array_add(share->bots, bot);
	g_hash_table_insert(self->by_bot, bot, share);
	return TRUE;
}

void
cw_feed_hub_detach(CwFeedHub *self, CwBotRuntime *bot)
{
	CwFeedShare *share = g_hash_table_lookup(self->by_bot, bot);

	if (share == NULL)
		return;
	g_hash_table_remove(self->by_bot, bot);
	g_ptr_array_remove(share->bots, bot);
	if (share->bots->len == 0)
		g_hash_table_remove(self->shares, share->key);
}

/* The share goes with every bot it had; each bot gets the error. */
static void
cw_feed_hub_drop_share(CwFeedHub *self, CwFeedShare *share, const GError *error)
{
	g_autoptr(GPtrArray) bots = g_ptr_array_copy(share->bots, NULL, NULL);

	g_hash_table_steal(self->shares, share->key);
	for (guint i = 0; i < bots->len; i++)
		g_hash_table_remove(self->by_bot, g_ptr_array_index(bots, i));
	g_ptr_array_set_size(share->bots, 0);
	cw_feed_share_free(share);
	for (guint i = 0; i < bots->len; i++) {
		if (self->failed != NULL)
			self->failed(g_ptr_array_index(bots, i), error, self->ended_data);
	}
}

gboolean
cw_feed_hub_start(CwFeedHub *self)
{
	g_autoptr(GPtrArray) failed = g_ptr_array_new();
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func((GDestroyNotify) g_error_free);
	GHashTableIter iter;
	CwFeedShare *share;

	g_hash_table_iter_init(&iter, self->shares);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &share)) {
		GError *error = NULL;

		if (share->started)
			continue;
		if (!cw_market_feed_start(share->feed, &error)) {
			g_ptr_array_add(failed, share);
			g_ptr_array_add(errors, error);
			continue;
		}
		share->started = TRUE;
	}
	/* outside of the iteration: the failed func unloads bots */
	for (guint i = 0; i < failed->len; i++)
		cw_feed_hub_drop_share(self, g_ptr_array_index(failed, i),
				       g_ptr_array_index(errors, i));
	return failed->len == 0;
}

void
cw_feed_hub_stop_all(CwFeedHub *self)
{
	GHashTableIter iter;
	CwFeedShare *share;

	g_hash_table_iter_init(&iter, self->shares);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &share)) {
		if (share->started)
			cw_market_feed_stop(share->feed);
		share->started = FALSE;
	}
}

guint
cw_feed_hub_get_n_feeds(CwFeedHub *self)
{
	return g_hash_table_size(self->shares);
}

void
cw_feed_hub_fast_forward(CwFeedHub *self, CwBotRuntime *bot, gint64 until)
{
	CwFeedShare *share = g_hash_table_lookup(self->by_bot, bot);

	if (share != NULL)
		cw_market_feed_set_fast_forward(share->feed, until);
}
