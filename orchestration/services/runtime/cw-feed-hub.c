#include "cw-services-runtime.h"

#include <math.h>
#include <time.h>

#include "cw-feed-hub.h"

/* One bot's FEED_DOWN: after its own feed.down_alert_s (0 = none). */
typedef struct {
	double down_alert_s;
	gboolean journalled; /* its FEED_DOWN of this outage went out */
} CwFeedAlert;

typedef struct {
	CwFeedHub *hub;
	char *key;
	CwMarketFeed *feed;
	guint sink;
	gulong ended_handler;
	gulong state_handler;
	gulong error_handler;
	guint stats_timer;    /* the feed's counters into bot_state "feed" */
	char *stats_written;  /* the last JSON written */
	gboolean backfilling; /* the feed may be delivering warm-up history */
	gboolean warming;     /* bots of the share were put in warm-up */
	const char *exchange; /* the candles table's name; NULL: not recorded */
	GPtrArray *bots;      /* of CwBotRuntime*, borrowed */
	gboolean started;
	GHashTable *alerts;   /* CwBotRuntime* -> CwFeedAlert*: each bot's down_alert_s */
	gint64 down_since_us; /* monotonic: when it left LIVE; 0 = live */
	guint down_timer;     /* the next bot's FEED_DOWN */

	CwFeedState state; /* as the last "state-changed" said */
} CwFeedShare;

struct _CwFeedHub {
	CwStore *store;
	CwOrderJournal *journal;
	GHashTable *shares;                 /* key -> CwFeedShare* */
	gint64 *timings;                    /* benchmark: ns per routed candle, preallocated */
	gint64 *timing_ends;                /* benchmark: CLOCK_MONOTONIC ns when each was routed */
	gint64 *timing_opens;               /* benchmark: its open time */
	gint64 *timing_commits;             /* benchmark: ns of its group commit (0: none) */
	guint64 *timing_allocs;             /* benchmark: heap allocations of each routing */
	CwFeedHubCounterFunc alloc_counter; /* benchmark: heap allocations so far */
	gint64 commit_ns;                   /* the group commit of the candle being routed */
	guint n_timings;
	guint timings_capacity;
	GHashTable *by_bot;    /* CwBotRuntime* -> CwFeedShare* */
	GHashTable *with_past; /* of CwBotRuntime*: attached with history to replay */
	CwFeedEndedFunc ended;
	CwFeedFailedFunc failed;
	gpointer ended_data;
	gint64 commit_log_us; /* rate limit of "cannot commit order rows" */
	guint commit_failures;
	CwStoreCandleHistory *history; /* the candles table, for live feeds */
	CwFeedBacklogFunc backlog;     /* given to every feed (backpressure) */
	gpointer backlog_data;
};

static void
cw_feed_share_free(CwFeedShare *share)
{
	if (share->started)
		cw_market_feed_stop(share->feed);
	cw_market_feed_remove_sink(share->feed, share->sink);
	g_signal_handler_disconnect(share->feed, share->ended_handler);
	g_signal_handler_disconnect(share->feed, share->state_handler);
	g_signal_handler_disconnect(share->feed, share->error_handler);
	g_clear_handle_id(&share->stats_timer, g_source_remove);
	g_clear_handle_id(&share->down_timer, g_source_remove);
	g_free(share->stats_written);
	g_object_unref(share->feed);
	g_ptr_array_unref(share->bots);
	g_hash_table_unref(share->alerts);
	g_free(share->key);
	g_free(share);
}

CwFeedHub *
cw_feed_hub_new(CwStore *store, CwOrderJournal *journal, CwFeedEndedFunc ended, gpointer user_data)
{
	CwFeedHub *self = g_new0(CwFeedHub, 1);

	self->store = store;
	self->journal = journal;
	self->shares = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					     (GDestroyNotify) cw_feed_share_free);
	self->by_bot = g_hash_table_new(g_direct_hash, g_direct_equal);
	self->with_past = g_hash_table_new(g_direct_hash, g_direct_equal);
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
	g_hash_table_unref(self->with_past);
	g_hash_table_unref(self->shares);
	g_clear_object(&self->history);
	g_free(self->timings);
	g_free(self->timing_ends);
	g_free(self->timing_opens);
	g_free(self->timing_commits);
	g_free(self->timing_allocs);
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
	    "the order rows of a candle could not be committed (a paper broker took the orders, "
	    "a venue's were not sent): %s",
	    error->message);

	for (guint i = share->bots->len; i > 0; i--) {
		CwBotRuntime *bot = g_ptr_array_index(share->bots, i - 1);

		if (!cw_bot_runtime_take_order_in_tx(bot))
			continue;
		cw_bot_runtime_drop_sends(bot);
		g_ptr_array_remove_index(share->bots, i - 1);
		g_hash_table_remove(hub->by_bot, bot);
		g_hash_table_remove(hub->with_past, bot);
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

/* A live feed's warm-up history, before its first live candle:
 * - a new bot replays it through its recovery path (nothing recorded or
 *   sent) and takes no entry (reduce-only);
 * - a restarted bot (it has a past) gets the warm-up before its origin the
 *   same way, then its own history up to its cursor through its recovery
 *   replay in its own mode (the decisions it took, again, sending
 *   nothing), then the candles that closed while it was down recorded but
 *   reduce-only: the paper broker fills its resting stops and take-profits
 *   against them, and it opens nothing.
 * At the first live candle every bot gets its own mode back. */
static void
cw_feed_hub_warm_up(CwFeedShare *share, const CwCandle *candle)
{
	gboolean warming = share->backfilling && cw_market_feed_is_warming_up(share->feed);

	for (guint i = 0; i < share->bots->len; i++) {
		CwBotRuntime *bot = g_ptr_array_index(share->bots, i);
		gboolean past = g_hash_table_contains(share->hub->with_past, bot);

		if (!warming) {
			cw_bot_runtime_set_warming_up(bot, FALSE);
		} else if (!past) {
			cw_bot_runtime_set_warming_up(bot, TRUE);
			cw_bot_runtime_set_recovery(bot, candle->open_time);
		} else {
			gboolean own = candle->open_time >= cw_bot_runtime_get_origin(bot) &&
				       candle->open_time <= cw_bot_runtime_get_recovery(bot);
			cw_bot_runtime_set_warming_up(bot, !own);
		}
	}
	share->warming = warming;
}

/* Benchmarks: how long the routing of candle took, and when it ended. */
static void
cw_feed_hub_record_timing(CwFeedHub *hub, const CwCandle *candle, gint64 start,
			  guint64 allocs_start)
{
	gint64 end = cw_feed_hub_now_ns();

	if (hub->n_timings >= hub->timings_capacity)
		return;
	hub->timing_allocs[hub->n_timings] =
	    hub->alloc_counter != NULL ? hub->alloc_counter() - allocs_start : 0;
	hub->timing_ends[hub->n_timings] = end;
	hub->timing_opens[hub->n_timings] = candle->open_time;
	hub->timing_commits[hub->n_timings] = hub->commit_ns;
	hub->timings[hub->n_timings++] = end - start;
}

/* One transaction: every order row of the candle, then the cursor, trading
 * state and events of each bot whose orders wait to be sent; once it is
 * committed, those orders go to their brokers. */
static void
cw_feed_hub_commit(CwFeedShare *share)
{
	CwFeedHub *hub = share->hub;
	g_autoptr(GError) error = NULL;
	gboolean ok = cw_order_journal_begin_commit(hub->journal, &error);

	for (guint i = 0; ok && i < share->bots->len; i++)
		ok = cw_bot_runtime_journal_state(g_ptr_array_index(share->bots, i), &error);
	if (!cw_order_journal_finish_commit(hub->journal, ok, ok ? &error : NULL)) {
		if (error == NULL)
			g_set_error_literal(&error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO,
					    "the transaction could not be opened");
		cw_feed_hub_commit_failed(share, error);
		return;
	}
	cw_order_journal_end_candle(hub->journal);
	for (guint i = 0; i < share->bots->len; i++) {
		CwBotRuntime *bot = g_ptr_array_index(share->bots, i);

		if (cw_bot_runtime_take_order_in_tx(bot))
			cw_bot_runtime_release_sends(bot);
	}
}

/* Hot path: one candle to every bot of the feed. */
static void
cw_feed_hub_route(const CwCandle *candle, gpointer user_data)
{
	CwFeedShare *share = user_data;
	CwFeedHub *hub = share->hub;
	gint64 start = 0;
	guint64 allocs = 0;

	if (G_UNLIKELY(hub->timings != NULL)) {
		allocs = hub->alloc_counter != NULL ? hub->alloc_counter() : 0;
		start = cw_feed_hub_now_ns();
	}
	if (G_UNLIKELY(share->backfilling || share->warming))
		cw_feed_hub_warm_up(share, candle);
	cw_order_journal_begin_candle(hub->journal);
	/* every closed candle of a live feed, into the candles table at the
	 * next flush of the first bot's writer */
	if (share->exchange != NULL && share->bots->len > 0)
		cw_store_writer_candle(cw_bot_runtime_get_writer(g_ptr_array_index(share->bots, 0)),
				       share->exchange, candle);
	for (guint i = 0; i < share->bots->len; i++) {
		if (i + 1 < share->bots->len)
			cw_bot_runtime_prefetch(g_ptr_array_index(share->bots, i + 1));
		cw_bot_runtime_on_candle(g_ptr_array_index(share->bots, i), candle);
	}
	/* the group commit of the candle's orders (see cw-order-journal.h);
	 * no SQL for a quiet candle */
	hub->commit_ns = 0;
	if (cw_order_journal_get_n_queued(hub->journal) > 0) {
		gint64 c0 = G_UNLIKELY(hub->timings != NULL) ? cw_feed_hub_now_ns() : 0;
		cw_feed_hub_commit(share);
		if (G_UNLIKELY(hub->timings != NULL))
			hub->commit_ns = cw_feed_hub_now_ns() - c0;
	}
	cw_order_journal_end_candle(hub->journal);
	if (G_UNLIKELY(hub->timings != NULL))
		cw_feed_hub_record_timing(hub, candle, start, allocs);
}

void
cw_feed_hub_record_timings(CwFeedHub *self, guint capacity)
{
	g_clear_pointer(&self->timings, g_free);
	g_clear_pointer(&self->timing_ends, g_free);
	g_clear_pointer(&self->timing_opens, g_free);
	g_clear_pointer(&self->timing_commits, g_free);
	g_clear_pointer(&self->timing_allocs, g_free);
	self->n_timings = 0;
	self->timings_capacity = capacity;
	if (capacity > 0) {
		self->timings = g_new0(gint64, capacity);
		self->timing_ends = g_new0(gint64, capacity);
		self->timing_opens = g_new0(gint64, capacity);
		self->timing_commits = g_new0(gint64, capacity);
		self->timing_allocs = g_new0(guint64, capacity);
	}
}

/**
 * cw_feed_hub_set_alloc_counter:
 * @counter: (nullable): returns the heap allocations of the process so far
 *
 * Benchmarks: each recorded timing also counts the allocations made while
 * its candle was routed (cw_feed_hub_get_timing_allocs()).
 */
void
cw_feed_hub_set_alloc_counter(CwFeedHub *self, CwFeedHubCounterFunc counter)
{
	self->alloc_counter = counter;
}

/**
 * cw_feed_hub_set_backlog_func:
 * @func: (nullable): TRUE while the bots' writes are behind
 *
 * Given to every feed of the hub, now and later
 * (cw_market_feed_set_backlog_func()): a replay at speed 0 waits while it
 * says TRUE. Set before the first attach.
 */
void
cw_feed_hub_set_backlog_func(CwFeedHub *self, CwFeedBacklogFunc func, gpointer user_data)
{
	GHashTableIter iter;
	CwFeedShare *share;

	self->backlog = func;
	self->backlog_data = user_data;
	g_hash_table_iter_init(&iter, self->shares);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &share))
		cw_market_feed_set_backlog_func(share->feed, func, user_data);
}

/**
 * cw_feed_hub_get_timing_allocs:
 * @n: (out): how many candles were routed
 *
 * Returns: (transfer none): the heap allocations of each routed candle (0
 *   without a counter)
 */
const guint64 *
cw_feed_hub_get_timing_allocs(CwFeedHub *self, guint *n)
{
	*n = self->n_timings;
	return self->timing_allocs;
}

/**
 * cw_feed_hub_get_timing_ends:
 * @opens: (out): the open time of each routed candle
 *
 * Returns: (transfer none): CLOCK_MONOTONIC ns at which each routing ended
 */
const gint64 *
cw_feed_hub_get_timing_ends(CwFeedHub *self, const gint64 **opens)
{
	*opens = self->timing_opens;
	return self->timing_ends;
}

/**
 * cw_feed_hub_get_commit_timings:
 * @n: (out): how many candles were routed
 *
 * Returns: (transfer none): ns of each routed candle's group commit, 0 for
 *   a candle without orders (included in cw_feed_hub_get_timings())
 */
const gint64 *
cw_feed_hub_get_commit_timings(CwFeedHub *self, guint *n)
{
	*n = self->n_timings;
	return self->timing_commits;
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
	for (guint i = 0; i < bots->len; i++) {
		g_hash_table_remove(hub->by_bot, g_ptr_array_index(bots, i));
		g_hash_table_remove(hub->with_past, g_ptr_array_index(bots, i));
	}
	g_ptr_array_set_size(share->bots, 0);
	for (guint i = 0; i < bots->len; i++)
		hub->ended(g_ptr_array_index(bots, i), why, hub->ended_data);
	/* not from inside the feed's own emission: free it once idle */
	g_idle_add_full(G_PRIORITY_DEFAULT, cw_feed_hub_release_cb, share,
			(GDestroyNotify) cw_feed_share_free);
}

/* The feed's counters into each bot's bot_state "feed", when they changed
 * (bots show, bots list --json). */
static void
cw_feed_hub_write_stats(CwFeedShare *share)
{
	g_autofree char *stats = cw_market_feed_describe_stats(share->feed);

	if (stats == NULL || g_strcmp0(stats, share->stats_written) == 0)
		return;
	for (guint i = 0; i < share->bots->len; i++) {
		CwBotRuntime *bot = g_ptr_array_index(share->bots, i);
		cw_store_writer_state(cw_bot_runtime_get_writer(bot), cw_bot_runtime_get_id(bot),
				      "feed", stats);
	}
	g_free(share->stats_written);
	share->stats_written = g_steal_pointer(&stats);
}

static gboolean
cw_feed_hub_stats_cb(gpointer user_data)
{
	cw_feed_hub_write_stats(user_data);
	return G_SOURCE_CONTINUE;
}

/* A journal event for every bot of the feed. */
static void
cw_feed_hub_journal(CwFeedShare *share, const char *type, const char *member, const char *value,
		    const char *from)
{
	for (guint i = 0; i < share->bots->len; i++) {
		CwBotRuntime *bot = g_ptr_array_index(share->bots, i);
		g_autoptr(JsonBuilder) b = json_builder_new();
		g_autoptr(JsonGenerator) gen = json_generator_new();
		g_autoptr(JsonNode) root = NULL;

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "feed");
		json_builder_add_string_value(b, share->key);
		json_builder_set_member_name(b, member);
		json_builder_add_string_value(b, value);
		if (from != NULL) {
			json_builder_set_member_name(b, "from");
			json_builder_add_string_value(b, from);
		}
		json_builder_end_object(b);
		root = json_builder_get_root(b);
		json_generator_set_root(gen, root);
		cw_store_writer_event(cw_bot_runtime_get_writer(bot), cw_bot_runtime_get_id(bot),
				      NULL, type, g_get_real_time() / 1000,
				      json_generator_to_data(gen, NULL));
	}
}

/* FEED_DOWN / FEED_UP for one bot of the feed: {"feed", "state", "duration_s"}. */
static void
cw_feed_hub_journal_down(CwFeedShare *share, CwBotRuntime *bot, const char *type, CwFeedState state,
			 double down_s)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "feed");
	json_builder_add_string_value(b, share->key);
	json_builder_set_member_name(b, "state");
	json_builder_add_string_value(b, cw_feed_state_to_string(state));
	json_builder_set_member_name(b, "duration_s");
	json_builder_add_double_value(b, down_s);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	cw_store_writer_event(cw_bot_runtime_get_writer(bot), cw_bot_runtime_get_id(bot), NULL,
			      type, g_get_real_time() / 1000, json_to_string(root, FALSE));
}

static gboolean cw_feed_hub_down_cb(gpointer user_data);

/* The timer for the next bot whose FEED_DOWN is due in this outage (one
 * timer per share, for the soonest of its bots' down_alert_s). */
static void
cw_feed_hub_schedule_down(CwFeedShare *share)
{
	double next = G_MAXDOUBLE, elapsed_s;
	GHashTableIter iter;
	CwFeedAlert *alert;

	g_clear_handle_id(&share->down_timer, g_source_remove);
	if (share->down_since_us == 0)
		return;
	g_hash_table_iter_init(&iter, share->alerts);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &alert)) {
		if (alert->down_alert_s > 0 && !alert->journalled)
			next = MIN(next, alert->down_alert_s);
	}
	if (next == G_MAXDOUBLE)
		return;
	elapsed_s = (g_get_monotonic_time() - share->down_since_us) / 1e6;
	share->down_timer = g_timeout_add((guint) ceil(MAX(next - elapsed_s, 0) * 1000),
					  cw_feed_hub_down_cb, share);
}

/* Every bot whose down_alert_s has passed gets its FEED_DOWN, once. */
static gboolean
cw_feed_hub_down_cb(gpointer user_data)
{
	CwFeedShare *share = user_data;
	double down_s = (g_get_monotonic_time() - share->down_since_us) / 1e6;
	guint n = 0;

	share->down_timer = 0;
	for (guint i = 0; i < share->bots->len; i++) {
		CwBotRuntime *bot = g_ptr_array_index(share->bots, i);
		CwFeedAlert *alert = g_hash_table_lookup(share->alerts, bot);

		if (alert == NULL || alert->down_alert_s <= 0 || alert->journalled ||
		    alert->down_alert_s > down_s)
			continue;
		alert->journalled = TRUE;
		n++;
		cw_feed_hub_journal_down(share, bot, CW_BOT_ADMIN_EVENT_FEED_DOWN,
					 cw_market_feed_get_state(share->feed), down_s);
	}
	if (n > 0)
		cw_log(G_LOG_LEVEL_WARNING, NULL, NULL, "feed %s: FEED_DOWN after %.1f s (%u bots)",
		       share->key, down_s, n);
	cw_feed_hub_schedule_down(share);
	return G_SOURCE_REMOVE;
}

/* A started feed that is not LIVE for longer than a bot's down_alert_s
 * journals one FEED_DOWN for that bot, and FEED_UP with the time it was
 * down once it is LIVE again (to the bots that had the FEED_DOWN).
 * Stopping it is no outage. */
static void
cw_feed_hub_watch_down(CwFeedShare *share, CwFeedState state)
{
	if (state == CW_FEED_STATE_LIVE || state == CW_FEED_STATE_STOPPED) {
		double down_s = (g_get_monotonic_time() - share->down_since_us) / 1e6;

		guint n = 0;

		g_clear_handle_id(&share->down_timer, g_source_remove);
		for (guint i = 0; i < share->bots->len; i++) {
			CwBotRuntime *bot = g_ptr_array_index(share->bots, i);
			CwFeedAlert *alert = g_hash_table_lookup(share->alerts, bot);

			if (alert != NULL && alert->journalled && state == CW_FEED_STATE_LIVE) {
				n++;
				cw_feed_hub_journal_down(share, bot, CW_BOT_ADMIN_EVENT_FEED_UP,
							 state, down_s);
			}
			if (alert != NULL)
				alert->journalled = FALSE;
		}
		if (n > 0)
			cw_log(G_LOG_LEVEL_WARNING, NULL, NULL,
			       "feed %s: FEED_UP after %.1f s (%u bots)", share->key, down_s, n);
		share->down_since_us = 0;
		return;
	}
	if (share->down_since_us != 0)
		return;
	share->down_since_us = g_get_monotonic_time();
	cw_feed_hub_schedule_down(share);
}

/* The bot's feed.down_alert_s (its feed's configure validated it). */
static double
cw_feed_hub_down_alert_s(const CwBotConfig *config)
{
	JsonObject *section = cw_bot_config_get_section(config, "feed");

	if (section == NULL || !json_object_has_member(section, "down_alert_s"))
		return 60;
	return json_object_get_double_member(section, "down_alert_s");
}

/* A feed that keeps counters (describe_stats gives some) is a live one;
 * a replay has none. */
static gboolean
cw_feed_hub_keeps_counters(CwMarketFeed *feed)
{
	g_autofree char *stats = cw_market_feed_describe_stats(feed);

	return stats != NULL;
}

static void
cw_feed_hub_on_state(CwMarketFeed *feed, int new_state, int old_state, gpointer user_data)
{
	CwFeedShare *share = user_data;

	share->state = (CwFeedState) new_state;
	share->backfilling = new_state == CW_FEED_STATE_BACKFILLING;
	/* a feed without counters (a replay: live, then stopped) is not
	 * journalled; its events stay on the candle clock */
	if (!cw_feed_hub_keeps_counters(feed))
		return;
	cw_feed_hub_journal(share, CW_BOT_ADMIN_EVENT_FEED_STATE, "state",
			    cw_feed_state_to_string(new_state), cw_feed_state_to_string(old_state));
	cw_feed_hub_watch_down(share, new_state);
	cw_feed_hub_write_stats(share);
	/* its history is in: a bot still at its cursor ends its warm-up now */
	if (new_state == CW_FEED_STATE_LIVE)
		for (guint i = 0; i < share->bots->len; i++)
			cw_bot_runtime_feed_live(g_ptr_array_index(share->bots, i));
}

static void
cw_feed_hub_on_error(CwMarketFeed *feed, GError *error, gpointer user_data)
{
	cw_feed_hub_journal(user_data, "FEED_ERROR", "error", error->message, NULL);
}

/* A feed that records its candles reads them back from the candles table
 * before it asks the exchange. */
static void
cw_feed_hub_give_history(CwFeedHub *self, CwMarketFeed *feed)
{
	if (cw_market_feed_get_exchange(feed) == NULL || self->store == NULL)
		return;
	if (self->history == NULL)
		self->history = cw_store_candle_history_new(self->store);
	cw_market_feed_set_history(feed, CW_CANDLE_HISTORY(self->history));
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
		share->alerts = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
		share->sink = cw_market_feed_add_sink(share->feed, cw_feed_hub_route, share);
		cw_market_feed_set_backlog_func(share->feed, self->backlog, self->backlog_data);
		share->ended_handler =
		    g_signal_connect(share->feed, "ended", G_CALLBACK(cw_feed_hub_on_ended), share);
		share->state_handler = g_signal_connect(share->feed, "state-changed",
							G_CALLBACK(cw_feed_hub_on_state), share);
		share->error_handler =
		    g_signal_connect(share->feed, "error", G_CALLBACK(cw_feed_hub_on_error), share);
		share->state = cw_market_feed_get_state(share->feed);
		share->backfilling = share->state == CW_FEED_STATE_BACKFILLING;
		share->exchange = cw_market_feed_get_exchange(share->feed);
		cw_feed_hub_give_history(self, share->feed);
		g_hash_table_insert(self->shares, share->key, share);
	}
	g_ptr_array_add(share->bots, bot);
	{
		CwFeedAlert *alert = g_new0(CwFeedAlert, 1);

		alert->down_alert_s = cw_feed_hub_down_alert_s(config);
		g_hash_table_insert(share->alerts, bot, alert);
		/* joining a feed that is down: its alert counts from then */
		cw_feed_hub_schedule_down(share);
	}
	g_hash_table_insert(self->by_bot, bot, share);
	if (replay_history)
		g_hash_table_add(self->with_past, bot);
	return TRUE;
}

void
cw_feed_hub_detach(CwFeedHub *self, CwBotRuntime *bot)
{
	CwFeedShare *share = g_hash_table_lookup(self->by_bot, bot);

	if (share == NULL)
		return;
	g_hash_table_remove(self->by_bot, bot);
	g_hash_table_remove(self->with_past, bot);
	g_ptr_array_remove(share->bots, bot);
	g_hash_table_remove(share->alerts, bot);
	if (share->bots->len == 0)
		g_hash_table_remove(self->shares, share->key);
	else
		cw_feed_hub_schedule_down(share);
}

/* The share goes with every bot it had; each bot gets the error. */
static void
cw_feed_hub_drop_share(CwFeedHub *self, CwFeedShare *share, const GError *error)
{
	g_autoptr(GPtrArray) bots = g_ptr_array_copy(share->bots, NULL, NULL);

	g_hash_table_steal(self->shares, share->key);
	for (guint i = 0; i < bots->len; i++) {
		g_hash_table_remove(self->by_bot, g_ptr_array_index(bots, i));
		g_hash_table_remove(self->with_past, g_ptr_array_index(bots, i));
	}
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
		if (share->stats_timer == 0)
			share->stats_timer = g_timeout_add_seconds(1, cw_feed_hub_stats_cb, share);
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

	if (share == NULL)
		return;
	cw_market_feed_set_fast_forward(share->feed, until);
	/* a live feed fetches the bot's history from its origin (a replay
	 * feed replays its whole file anyway) */
	if (cw_market_feed_get_exchange(share->feed) != NULL &&
	    cw_bot_runtime_get_origin(bot) != G_MININT64)
		cw_market_feed_set_cursor(share->feed, cw_bot_runtime_get_origin(bot) - 1);
}

/* ---- the health view of the feeds ---- */

/* A feed that keeps counters is a live one; a replay has none and keeps
 * the bot's own view (LIVE or RECOVERING). */
static gboolean
cw_feed_hub_share_is_live(CwFeedShare *share)
{
	return CW_MARKET_FEED_GET_IFACE(share->feed)->describe_stats != NULL &&
	       cw_feed_hub_keeps_counters(share->feed);
}

CwHealthFeedState
cw_feed_hub_get_health_state(CwFeedHub *self, CwBotRuntime *bot, CwHealthFeedState own)
{
	CwFeedShare *share = g_hash_table_lookup(self->by_bot, bot);

	if (share == NULL || !cw_feed_hub_share_is_live(share))
		return own;
	switch (share->state) {
	case CW_FEED_STATE_CONNECTING:
		return CW_HEALTH_FEED_CONNECTING;
	case CW_FEED_STATE_BACKFILLING:
		return CW_HEALTH_FEED_BACKFILLING;
	case CW_FEED_STATE_STALLED:
		return CW_HEALTH_FEED_STALLED;
	case CW_FEED_STATE_LIVE:
		/* the bot may still be replaying its own history */
		return own == CW_HEALTH_FEED_RECOVERING ? own : CW_HEALTH_FEED_LIVE;
	case CW_FEED_STATE_STOPPED:
	default:
		return CW_HEALTH_FEED_DOWN;
	}
}

void
cw_feed_hub_foreach_feed(CwFeedHub *self, CwFeedHubFeedFunc func, gpointer user_data)
{
	GHashTableIter iter;
	CwFeedShare *share;

	g_hash_table_iter_init(&iter, self->shares);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &share)) {
		CwFeedView view;

		if (share->bots->len == 0 || !cw_feed_hub_share_is_live(share))
			continue;
		view = (CwFeedView){
		    .key = share->key,
		    .feed = share->feed,
		    .config = cw_bot_runtime_get_config(g_ptr_array_index(share->bots, 0)),
		    .n_bots = share->bots->len,
		};
		func(&view, user_data);
	}
}
