#pragma once

#if !defined(CW_SERVICES_RUNTIME_INSIDE) && !defined(CW_SERVICES_RUNTIME_COMPILATION)
#error "Only <cw-services-runtime.h> can be included directly."
#endif

#include "cw-bot-runtime.h"
#include "cw-feed-hub.h"

G_BEGIN_DECLS

/* The only code that loads bot configuration: it reads `trading_bots`,
 * starts, stops, restarts and switches bots so that the running set
 * matches the table, and records every status transition. A bot whose
 * config or start fails goes to status `error` with last_error set; the
 * other bots are untouched. */
#define CW_TYPE_STRATEGY_MANAGER (cw_strategy_manager_get_type())
G_DECLARE_FINAL_TYPE(CwStrategyManager, cw_strategy_manager, CW, STRATEGY_MANAGER, GObject)

CwStrategyManager *cw_strategy_manager_new(CwStore *store, CwStoreWriter *writer,
					   CwOrchestratorCache *cache);
/* First load of a service: resumes the bots whose status says `running`
 * (the previous process died: crash recovery), then starts the other
 * enabled bots, then starts the feeds. */
gboolean cw_strategy_manager_startup(CwStrategyManager *self, GError **error);
/* Applies the table: added, removed, enabled, disabled, edited bots, active
 * strategy switches and halt/resume modes. */
void cw_strategy_manager_reconcile(CwStrategyManager *self);
/* Heartbeats and cache statistics of running bots. */
void cw_strategy_manager_heartbeat(CwStrategyManager *self, gint64 now_ms);
void cw_strategy_manager_queue_metrics(CwStrategyManager *self, gint64 now_ms);
/* Queues every bot's feed cursor (call right before a flush). */
void cw_strategy_manager_queue_cursors(CwStrategyManager *self);
/* Stops the feeds (no more candles). */
void cw_strategy_manager_stop_feeds(CwStrategyManager *self);
/* Marks every running bot stopped and unloads it. */
void cw_strategy_manager_stop_all(CwStrategyManager *self, const char *reason);
guint cw_strategy_manager_get_n_running(CwStrategyManager *self);
gboolean cw_strategy_manager_get_halt_all(CwStrategyManager *self);
/* Writes every queue (the service's and each bot's) in one transaction. */
gboolean cw_strategy_manager_flush(CwStrategyManager *self, GError **error);
/* One bounded slice of a flush in rounds over the bots (see the .c). */
gboolean cw_strategy_manager_flush_slice(CwStrategyManager *self, gint64 budget_us, gboolean *done,
					 GError **error);
/* Writes queued and not yet committed, in every queue, and statuses
 * that wait for a retry. */
guint64 cw_strategy_manager_get_n_pending(CwStrategyManager *self);
void cw_strategy_manager_get_write_counts(CwStrategyManager *self, guint64 *written,
					  guint64 *failed);
CwBotRuntime *cw_strategy_manager_lookup(CwStrategyManager *self, gint64 bot_id);
CwFeedHub *cw_strategy_manager_get_feed_hub(CwStrategyManager *self);

typedef void (*CwBotRuntimeFunc)(CwBotRuntime *bot, gpointer user_data);
/* Calls func for every running bot (func must not unload bots). */
void cw_strategy_manager_foreach(CwStrategyManager *self, CwBotRuntimeFunc func,
				 gpointer user_data);
/* Calls func with the health view of every running bot. */
void cw_strategy_manager_foreach_health(CwStrategyManager *self, CwBotHealthFunc func,
					gpointer user_data);
/* Unloads a running bot and loads it again from its row, with recovery. */
gboolean cw_strategy_manager_restart_bot(CwStrategyManager *self, gint64 bot_id, const char *reason,
					 GError **error);
/* Flattens a running bot now (see cw-strategy-manager.c): through the
 * guard pipeline, journalled as MANUAL_CLOSE. CW_STORE_ERROR_NOT_FOUND,
 * CW_SERVICES_ERROR_NOT_RUNNING, _NO_POSITION or _REFUSED otherwise.
 * Close requests the CLI leaves in the store are carried out by
 * cw_strategy_manager_reconcile(), once each. */
gboolean cw_strategy_manager_close_position(CwStrategyManager *self, const char *name,
					    const char *source, GError **error);
/* Unloads the bot and records status `error` with message. */
void cw_strategy_manager_fail_bot(CwStrategyManager *self, gint64 bot_id, const char *message);

G_END_DECLS
