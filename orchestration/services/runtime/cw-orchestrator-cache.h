#pragma once

#if !defined(CW_SERVICES_RUNTIME_INSIDE) && !defined(CW_SERVICES_RUNTIME_COMPILATION)
#error "Only <cw-services-runtime.h> can be included directly."
#endif

#include "cw-execution.h"

G_BEGIN_DECLS

/* Orchestrators of every bot, created on first use and cached by strategy
 * id. An optional cap evicts dormant (inactive) strategies, least recently
 * used first; an active strategy is never evicted. */
typedef struct _CwOrchestratorCache CwOrchestratorCache;

typedef struct {
	guint64 hits;
	guint64 misses;
	guint64 evictions;
	guint loaded;
	/* cw_trading_orchestrator_get_memory_size() of the loaded ones, each
	 * taken when it entered the cache */
	guint64 bytes;
} CwCacheStats;

CwOrchestratorCache *cw_orchestrator_cache_new(guint max_entries /* 0: no cap */);
void cw_orchestrator_cache_free(CwOrchestratorCache *self);
void cw_orchestrator_cache_set_max_entries(CwOrchestratorCache *self, guint max_entries);

/* The orchestrator of spec (owned by the cache), created on a miss. stats
 * (nullable) of the owner are updated along with the cache's own. */
CwTradingOrchestrator *cw_orchestrator_cache_get(CwOrchestratorCache *self, gpointer owner,
						 CwBotConfig *config, const CwStrategySpec *spec,
						 CwEventBus *bus, CwCacheStats *stats,
						 GError **error);
/* Inserts an orchestrator made elsewhere (e.g. one that adopted a position). */
void cw_orchestrator_cache_insert(CwOrchestratorCache *self, gpointer owner,
				  CwTradingOrchestrator *orchestrator, CwCacheStats *stats);
CwTradingOrchestrator *cw_orchestrator_cache_peek(CwOrchestratorCache *self, CwStrategyId id);
void cw_orchestrator_cache_set_active(CwOrchestratorCache *self, CwStrategyId id, gboolean active);
/* Takes the orchestrator out of the cache and returns it (transfer full). */
CwTradingOrchestrator *cw_orchestrator_cache_steal(CwOrchestratorCache *self, CwStrategyId id);
/* Unloads every orchestrator of owner. */
void cw_orchestrator_cache_remove_owner(CwOrchestratorCache *self, gpointer owner);
void cw_orchestrator_cache_get_stats(CwOrchestratorCache *self, CwCacheStats *out);

G_END_DECLS
