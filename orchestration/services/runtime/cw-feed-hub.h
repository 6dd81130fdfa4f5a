#pragma once

#if !defined(CW_SERVICES_RUNTIME_INSIDE) && !defined(CW_SERVICES_RUNTIME_COMPILATION)
#error "Only <cw-services-runtime.h> can be included directly."
#endif

#include "cw-bot-runtime.h"

G_BEGIN_DECLS

/* Market feeds shared between bots: bots whose feed configs give the same
 * key (e.g. the same replay file and symbol) share one feed instance, and
 * each candle it delivers is routed to every bot attached to it. */
typedef struct _CwFeedHub CwFeedHub;

/* Called when a feed can produce no more candles, once per attached bot. */
typedef void (*CwFeedEndedFunc)(CwBotRuntime *bot, const char *reason, gpointer user_data);

/* Called for each bot that the hub had to drop: its feed could not start,
 * or the order rows of a candle could not be committed (its held orders
 * are never sent to the venue). The bot is detached already. */
typedef void (*CwFeedFailedFunc)(CwBotRuntime *bot, const GError *error, gpointer user_data);

/* journal: the service's order journal (borrowed, outlives the hub); the
 * hub group-commits the orders of each candle it routes, before any of
 * them is sent to a venue (see cw-order-journal.h). */
CwFeedHub *cw_feed_hub_new(CwStore *store, CwOrderJournal *journal, CwFeedEndedFunc ended,
			   gpointer user_data);
/* failed gets ended's user_data. */
void cw_feed_hub_set_failed_func(CwFeedHub *self, CwFeedFailedFunc failed);
void cw_feed_hub_free(CwFeedHub *self);
/* A configured, unstarted feed of the type the bot's "feed" section names
 * (cw_extension_new(), then the feed's own configure()). Errors carry the
 * JSON path: "feed: missing", "feed.type: unknown ... (known: ...)", and
 * whatever configure refuses. bots add and set-config check configs with
 * it; attach uses it. */
CwMarketFeed *cw_feed_hub_new_feed(const CwBotConfig *config, GError **error);
/* Creates or joins the feed the bot's "feed" section describes. A bot
 * that must replay its history (replay_history) does not join a shared
 * instance that has already started: it gets one of its own. */
gboolean cw_feed_hub_attach(CwFeedHub *self, CwBotRuntime *bot, gboolean replay_history,
			    GError **error);
void cw_feed_hub_detach(CwFeedHub *self, CwBotRuntime *bot);
/* The bot's feed delivers candles up to until without pacing. */
void cw_feed_hub_fast_forward(CwFeedHub *self, CwBotRuntime *bot, gint64 until);
/* Starts every feed that has bots and is not running yet. A feed that
 * cannot start is dropped with its bots (each goes to the failed func);
 * the others start. FALSE when any feed failed. */
gboolean cw_feed_hub_start(CwFeedHub *self);
void cw_feed_hub_stop_all(CwFeedHub *self);
guint cw_feed_hub_get_n_feeds(CwFeedHub *self);
/* The bot's feed state for the health view: a live feed's own state
 * (CONNECTING, BACKFILLING, LIVE, STALLED, DOWN for stopped), RECOVERING
 * while the bot replays its history on a live feed; own (the bot's view)
 * for a feed without counters (a replay) or a bot without a feed. */
CwHealthFeedState cw_feed_hub_get_health_state(CwFeedHub *self, CwBotRuntime *bot,
					       CwHealthFeedState own);

/* A live feed and the config of its first bot (symbol, interval), for
 * /metrics; valid during the call only. */
typedef struct {
	const char *key;
	CwMarketFeed *feed;
	const CwBotConfig *config;
	guint n_bots;
} CwFeedView;

typedef void (*CwFeedHubFeedFunc)(const CwFeedView *view, gpointer user_data);

/* Calls func for every feed that keeps counters (live feeds) and has bots. */
void cw_feed_hub_foreach_feed(CwFeedHub *self, CwFeedHubFeedFunc func, gpointer user_data);

/* Benchmarks: time the routing of up to capacity candles (ns each). */
void cw_feed_hub_record_timings(CwFeedHub *self, guint capacity);
const gint64 *cw_feed_hub_get_timings(CwFeedHub *self, guint *n);
/* Benchmarks: the part of each timing that was its group commit. */
const gint64 *cw_feed_hub_get_commit_timings(CwFeedHub *self, guint *n);
/* The same candles: when each routing ended (CLOCK_MONOTONIC ns) and the
 * candle's open time (latency benchmarks). */
const gint64 *cw_feed_hub_get_timing_ends(CwFeedHub *self, const gint64 **opens);
/* Benchmarks: heap allocations per routed candle, from @counter. */
typedef guint64 (*CwFeedHubCounterFunc)(void);
void cw_feed_hub_set_alloc_counter(CwFeedHub *self, CwFeedHubCounterFunc counter);
void cw_feed_hub_set_backlog_func(CwFeedHub *self, CwFeedBacklogFunc func, gpointer user_data);
const guint64 *cw_feed_hub_get_timing_allocs(CwFeedHub *self, guint *n);

G_END_DECLS
