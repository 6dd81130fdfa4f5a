#include "cw-services-runtime.h"

#include "cw-orchestrator-cache.h"

typedef struct {
	CwStrategyId id;
	CwTradingOrchestrator *orchestrator;
	gpointer owner;
	CwCacheStats *owner_stats;
	gboolean active;
	gsize bytes; /* the orchestrator's memory size on insert */
	GList *lru;  /* link in lru, head = least recently used */
} CwCacheEntry;

struct _CwOrchestratorCache {
	GHashTable *entries; /* GUINT_TO_POINTER(id) -> CwCacheEntry* */
	GQueue lru;
	guint max_entries;
	CwCacheStats stats;
};

static void
cw_cache_entry_free(CwCacheEntry *e)
{
	g_clear_object(&e->orchestrator);
	g_free(e);
}

CwOrchestratorCache *
cw_orchestrator_cache_new(guint max_entries)
{
	CwOrchestratorCache *self = g_new0(CwOrchestratorCache, 1);

	self->entries = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
					      (GDestroyNotify) cw_cache_entry_free);
	g_queue_init(&self->lru);
	self->max_entries = max_entries;
	return self;
}

void
cw_orchestrator_cache_free(CwOrchestratorCache *self)
{
	if (self == NULL)
		return;
	g_queue_clear(&self->lru);
	g_hash_table_unref(self->entries);
	g_free(self);
}

static void
cw_orchestrator_cache_drop(CwOrchestratorCache *self, CwCacheEntry *e)
{
	self->stats.bytes -= e->bytes;
	if (e->owner_stats != NULL)
		e->owner_stats->bytes -= e->bytes;
	g_queue_delete_link(&self->lru, e->lru);
	g_hash_table_remove(self->entries, GUINT_TO_POINTER(e->id));
	self->stats.loaded = g_hash_table_size(self->entries);
}

/* A dormant strategy that holds a position keeps it until it is active
 * again: evicting it would forget a position the broker still has. */
static gboolean
cw_orchestrator_cache_holds_position(CwCacheEntry *e)
{
	const CwAccount *acc = cw_trading_orchestrator_get_account(e->orchestrator);

	return acc->position.direction != CW_DIRECTION_NONE && acc->position.qty > 0;
}

/* @keep: the entry being inserted, which its caller is about to activate */
static void
cw_orchestrator_cache_enforce_cap(CwOrchestratorCache *self, CwCacheEntry *keep)
{
	GList *l = self->lru.head;

	while (self->max_entries > 0 && g_hash_table_size(self->entries) > self->max_entries &&
	       l != NULL) {
		CwCacheEntry *e = l->data;
		l = l->next;
		if (e->active || e == keep || cw_orchestrator_cache_holds_position(e))
			continue;
		g_debug("cache: evicting dormant strategy %s", g_quark_to_string(e->id));
		self->stats.evictions++;
		if (e->owner_stats != NULL) {
			e->owner_stats->evictions++;
			e->owner_stats->loaded--;
		}
		cw_orchestrator_cache_drop(self, e);
	}
}

void
cw_orchestrator_cache_set_max_entries(CwOrchestratorCache *self, guint max_entries)
{
	self->max_entries = max_entries;
	cw_orchestrator_cache_enforce_cap(self, NULL);
}

static void
cw_orchestrator_cache_touch(CwOrchestratorCache *self, CwCacheEntry *e)
{
	g_queue_unlink(&self->lru, e->lru);
	g_queue_push_tail_link(&self->lru, e->lru);
}

void
cw_orchestrator_cache_insert(CwOrchestratorCache *self, gpointer owner,
			     CwTradingOrchestrator *orchestrator, CwCacheStats *stats)
{
	CwCacheEntry *e = g_new0(CwCacheEntry, 1);

	e->id = cw_trading_orchestrator_get_strategy_id(orchestrator);
	e->orchestrator = g_object_ref(orchestrator);
	e->owner = owner;
	e->owner_stats = stats;
	e->bytes = cw_trading_orchestrator_get_memory_size(orchestrator);
	self->stats.bytes += e->bytes;
	if (stats != NULL)
		stats->bytes += e->bytes;
	g_hash_table_replace(self->entries, GUINT_TO_POINTER(e->id), e);
	g_queue_push_tail(&self->lru, e);
	e->lru = self->lru.tail;
	self->stats.loaded = g_hash_table_size(self->entries);
	if (stats != NULL)
		stats->loaded++;
	cw_orchestrator_cache_enforce_cap(self, e);
}

CwTradingOrchestrator *
cw_orchestrator_cache_get(CwOrchestratorCache *self, gpointer owner, CwBotConfig *config,
			  const CwStrategySpec *spec, CwEventBus *bus, CwCacheStats *stats,
			  GError **error)
{
	CwCacheEntry *e = g_hash_table_lookup(self->entries, GUINT_TO_POINTER(spec->quark));
	g_autoptr(CwTradingOrchestrator) orch = NULL;

	if (e != NULL) {
		self->stats.hits++;
		if (stats != NULL)
			stats->hits++;
		cw_orchestrator_cache_touch(self, e);
		return e->orchestrator;
	}
	self->stats.misses++;
	if (stats != NULL)
		stats->misses++;
	orch = cw_trading_orchestrator_new(config, spec, bus, error);
	if (orch == NULL)
		return NULL;
	cw_orchestrator_cache_insert(self, owner, orch, stats);
	return orch; /* the cache holds the reference */
}

CwTradingOrchestrator *
cw_orchestrator_cache_peek(CwOrchestratorCache *self, CwStrategyId id)
{
	CwCacheEntry *e = g_hash_table_lookup(self->entries, GUINT_TO_POINTER(id));
	return e != NULL ? e->orchestrator : NULL;
}

void
cw_orchestrator_cache_set_active(CwOrchestratorCache *self, CwStrategyId id, gboolean active)
{
	CwCacheEntry *e = g_hash_table_lookup(self->entries, GUINT_TO_POINTER(id));

	if (e == NULL)
		return;
	e->active = active;
	if (!active)
		cw_orchestrator_cache_enforce_cap(self, NULL);
}

CwTradingOrchestrator *
cw_orchestrator_cache_steal(CwOrchestratorCache *self, CwStrategyId id)
{
	CwCacheEntry *e = g_hash_table_lookup(self->entries, GUINT_TO_POINTER(id));
	CwTradingOrchestrator *orch;

	if (e == NULL)
		return NULL;
	orch = g_steal_pointer(&e->orchestrator);
	if (e->owner_stats != NULL)
		e->owner_stats->loaded--;
	cw_orchestrator_cache_drop(self, e);
	return orch;
}

void
cw_orchestrator_cache_remove_owner(CwOrchestratorCache *self, gpointer owner)
{
	GList *l = self->lru.head;

	while (l != NULL) {
		CwCacheEntry *e = l->data;
		l = l->next;
		if (e->owner != owner)
			continue;
		if (e->owner_stats != NULL)
			e->owner_stats->loaded--;
		cw_orchestrator_cache_drop(self, e);
	}
}

void
cw_orchestrator_cache_get_stats(CwOrchestratorCache *self, CwCacheStats *out)
{
	*out = self->stats;
}
