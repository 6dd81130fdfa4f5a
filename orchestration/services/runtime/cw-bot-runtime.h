#pragma once

#if !defined(CW_SERVICES_RUNTIME_INSIDE) && !defined(CW_SERVICES_RUNTIME_COMPILATION)
#error "Only <cw-services-runtime.h> can be included directly."
#endif

#include "cw-config.h"
#include "cw-orchestrator-cache.h"
#include "cw-order-journal.h"
#include "cw-services-store.h"

G_BEGIN_DECLS

/* One bot inside `candlewick serve`: its config, its own event bus, its
 * orchestrators (through the cache), its feed cursor and its recording.
 *
 * Crash safety: every event is journaled through the store writer, and the
 * feed cursor is written in the same transaction, so the database always
 * holds everything up to the cursor. Orders are committed before they are
 * submitted (order hook, CwOrderJournal): for a venue, the orders of a
 * candle are sent only after one transaction holds their rows and the
 * cursor and trading state that produced them. A restarted bot replays its feed from the start
 * in recovery mode up to the persisted cursor: decisions are deterministic,
 * so it rebuilds exactly the state it had (indicators, position, exit plan,
 * working orders) without journaling or sending anything twice, then goes
 * on live. */
typedef struct _CwBotRuntime CwBotRuntime;

/* The bot cannot go on: the owner stops it with status error (error says
 * why). Called from the main loop, never from inside a call into the bot. */
typedef void (*CwBotRuntimeFailedFunc)(CwBotRuntime *bot, const GError *error, gpointer user_data);

typedef struct {
	CwStore *store;
	CwStoreWriter *writer; /* the service's: takes a bot's pending writes when it goes */
	CwOrchestratorCache *cache;
	/* the service's order journal (see cw-order-journal.h); NULL: each
	 * order row is written at once, outside any transaction (tests) */
	CwOrderJournal *journal;
} CwBotRuntimeEnv;

CwBotRuntime *cw_bot_runtime_new(const CwBotRuntimeEnv *env, gint64 id, const char *name,
				 CwBotConfig *config, const char *config_text, gint64 updated_at);
void cw_bot_runtime_free(CwBotRuntime *self);
/* Who is told when the bot cannot go on; none (the default): it is only
 * halted. */
void cw_bot_runtime_set_failed_func(CwBotRuntime *self, CwBotRuntimeFailedFunc func,
				    gpointer user_data);

gint64 cw_bot_runtime_get_id(CwBotRuntime *self);
const char *cw_bot_runtime_get_name(CwBotRuntime *self);
CwBotConfig *cw_bot_runtime_get_config(CwBotRuntime *self);
const char *cw_bot_runtime_get_config_text(CwBotRuntime *self);
gint64 cw_bot_runtime_get_updated_at(CwBotRuntime *self);
CwEventBus *cw_bot_runtime_get_bus(CwBotRuntime *self);
/* TRUE once after the order hook queued an order row of the bot in the
 * journal for the candle's commit (the feed hub asks after it). */
gboolean cw_bot_runtime_take_order_in_tx(CwBotRuntime *self);
/* Group commit, for a bot whose orders wait to be sent (a venue that is
 * not simulated on candles): its cursor, trading state and pending writes
 * into the journal's open transaction. FALSE with error: the commit must
 * not go on. TRUE also when the bot holds no order (nothing added). */
gboolean cw_bot_runtime_journal_state(CwBotRuntime *self, GError **error);
/* After the journal's commit: the held orders go to the broker. */
void cw_bot_runtime_release_sends(CwBotRuntime *self);
/* The commit failed: the held orders are never sent. */
void cw_bot_runtime_drop_sends(CwBotRuntime *self);
/* The bot's own write queue (journal, orders, positions, trades, state). */
CwStoreWriter *cw_bot_runtime_get_writer(CwBotRuntime *self);
const CwCacheStats *cw_bot_runtime_get_cache_stats(CwBotRuntime *self);
/* The active strategy's orchestrator, creating it on first use. */
CwTradingOrchestrator *cw_bot_runtime_get_active(CwBotRuntime *self, GError **error);

/* Candles with open time <= until are replayed in recovery mode. */
void cw_bot_runtime_feed_live(CwBotRuntime *self);
void cw_bot_runtime_set_recovery(CwBotRuntime *self, gint64 until);
/* The stored cursor the bot replays up to; G_MININT64 for a cold start. */
gint64 cw_bot_runtime_get_recovery(CwBotRuntime *self);
/* Candles with open time < origin are not the bot's: it started later (it
 * joined a shared feed that was already running). The runtime records its
 * own origin, with the cursor, in bot_state "origin". */
void cw_bot_runtime_set_origin(CwBotRuntime *self, gint64 origin);
gboolean cw_bot_runtime_is_recovering(CwBotRuntime *self);
/* TRUE until the trading state is back (the warm-up, then its snapshot
 * applied at the cursor): config edits wait for it. */
gboolean cw_bot_runtime_is_restoring(CwBotRuntime *self);
gint64 cw_bot_runtime_get_cursor(CwBotRuntime *self);
/* Queues the cursor for the next flush if it moved, with the trading
 * state snapshot (bot_state "trading_state") when that changed. */
gboolean cw_bot_runtime_reads_other_bots(CwBotRuntime *self);
void cw_bot_runtime_queue_cursor(CwBotRuntime *self);
/* The trading state to restore once the warm-up replay reaches the
 * cursor (a verified frame, see cw_trading_orchestrator_restore()). NULL:
 * no snapshot; legacy: the bot replays its decisions instead (only for a
 * broker simulated on candles, a store written before snapshots). */
void cw_bot_runtime_set_snapshot(CwBotRuntime *self, GBytes *snapshot, gboolean legacy);
gboolean cw_bot_runtime_add_dormant_snapshot(CwBotRuntime *self, const char *strategy_id,
					     GBytes *snapshot, GError **error);

/* Hot path: a closed candle from the bot's feed. */
void cw_bot_runtime_on_candle(CwBotRuntime *self, const CwCandle *candle);
void cw_bot_runtime_prefetch(CwBotRuntime *self);

/* Makes another of the config's strategies active; the previous one stays
 * cached, dormant, with its state. */
gboolean cw_bot_runtime_switch(CwBotRuntime *self, const char *strategy_id, GError **error);
/* Replaces the config: the bot restarts on it, keeping its open position. */
gboolean cw_bot_runtime_replace_config(CwBotRuntime *self, CwBotConfig *config,
				       const char *config_text, gint64 updated_at, GError **error);
/* Takes a config that differs only by its active strategy (no restart). */
void cw_bot_runtime_update_config(CwBotRuntime *self, CwBotConfig *config, const char *config_text,
				  gint64 updated_at);
/* A switch when only the active strategy changed, else a restart keeping
 * the open position. */
gboolean cw_bot_runtime_apply_config(CwBotRuntime *self, CwBotConfig *config,
				     const char *config_text, gint64 updated_at, gboolean *switched,
				     GError **error);
/* The config history: recorded live, replayed by a restarted bot. */
void cw_bot_runtime_record_config(CwBotRuntime *self, gint64 at, const char *config_text);
void cw_bot_runtime_schedule_config(CwBotRuntime *self, gint64 at, CwBotConfig *config,
				    const char *config_text);
/* The row's config edited while the service was down: applied once the
 * trading state is restored at the cursor. */
void cw_bot_runtime_schedule_edit(CwBotRuntime *self, gint64 at, CwBotConfig *config,
				  const char *config_text);
/* Queues bot_state "config_history" for the next flush. */
void cw_bot_runtime_save_history(CwBotRuntime *self);
void cw_bot_runtime_set_mode(CwBotRuntime *self, CwBotMode mode);
/* A live feed's warm-up: no entries while TRUE (see cw-feed-hub.c). */
void cw_bot_runtime_set_warming_up(CwBotRuntime *self, gboolean warming);
gboolean cw_bot_runtime_is_warming_up(CwBotRuntime *self);
/* The open time of the first candle of the bot's history (G_MININT64: none). */
gint64 cw_bot_runtime_get_origin(CwBotRuntime *self);
CwBotMode cw_bot_runtime_get_mode(CwBotRuntime *self);
/* Queues a metrics row for the active strategy. */
void cw_bot_runtime_queue_metrics(CwBotRuntime *self, gint64 now_ms);
void cw_bot_runtime_queue_guard_state(CwBotRuntime *self);
/* The bot's health view (monitoring reads it through CwHealthHost). */
void cw_bot_runtime_fill_health(CwBotRuntime *self, CwBotHealth *out);
/* Bytes attributable to the bot (see CwBotHealth.memory_bytes). */
guint64 cw_bot_runtime_get_memory_size(CwBotRuntime *self);
/* Records the time of the bot's last heartbeat write. */
void cw_bot_runtime_set_heartbeat(CwBotRuntime *self, gint64 now_ms);
/* JSON of the cache counters, for `bots list --json`. */
char *cw_bot_runtime_cache_stats_json(CwBotRuntime *self);

G_END_DECLS
