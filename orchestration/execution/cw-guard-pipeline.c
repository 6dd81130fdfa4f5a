#include "cw-execution.h"

/* One guard with its interface vtable, looked up once when it is added:
 * the per-candle calls go straight through the vtable. */
typedef struct {
	CwGuard *guard;
	const CwGuardInterface *iface;
} CwGuardEntry;

/* The hook lists: every guard (check), and per optional hook only the
 * guards that implement it, each in pipeline order. */
typedef enum {
	CW_HOOK_ON_CANDLE, /* the per-candle ones first: they share cache lines */
	CW_HOOK_GET_MODE,
	CW_HOOK_WANTS_FLATTEN,
	CW_HOOK_CHECK,
	CW_HOOK_ON_FILL,
	CW_HOOK_ON_TRADE,
	CW_HOOK_ON_ORDER_ERROR,
	CW_N_HOOKS,
} CwGuardHook;

struct _CwGuardPipeline {
	/* hook h's list is entries[start[h]] .. entries[start[h] + len[h] - 1];
	 * all lists share one block, rebuilt when a guard is added */
	CwGuardEntry *entries;
	guint16 start[CW_N_HOOKS];
	guint16 len[CW_N_HOOKS];
	GPtrArray *guards; /* of CwGuard, owned */
	GArray *stats;     /* of CwGuardStats, parallel to guards */
	GPtrArray *names;  /* owned copies the stats point to */
};

/* The first entry of hook's list. */
static inline const CwGuardEntry *
cw_guard_pipeline_hook(const CwGuardPipeline *self, CwGuardHook hook)
{
	return self->entries + self->start[hook];
}

/**
 * cw_guard_pipeline_new:
 *
 * Returns: (transfer full): a pipeline without guards (lets everything through).
 */
CwGuardPipeline *
cw_guard_pipeline_new(void)
{
	CwGuardPipeline *self = g_new0(CwGuardPipeline, 1);

	self->guards = g_ptr_array_new_with_free_func(g_object_unref);
	self->stats = g_array_new(FALSE, TRUE, sizeof(CwGuardStats));
	self->names = g_ptr_array_new_with_free_func(g_free);
	return self;
}

void
cw_guard_pipeline_free(CwGuardPipeline *self)
{
	if (self == NULL)
		return;
	g_free(self->entries);
	g_ptr_array_unref(self->guards);
	g_array_unref(self->stats);
	g_ptr_array_unref(self->names);
	g_free(self);
}

static gboolean
cw_guard_pipeline_implements(const CwGuardInterface *iface, CwGuardHook hook)
{
	switch (hook) {
	case CW_HOOK_ON_CANDLE:
		return iface->on_candle != NULL;
	case CW_HOOK_GET_MODE:
		return iface->get_mode != NULL;
	case CW_HOOK_WANTS_FLATTEN:
		return iface->wants_flatten != NULL;
	case CW_HOOK_ON_FILL:
		return iface->on_fill != NULL;
	case CW_HOOK_ON_TRADE:
		return iface->on_trade != NULL;
	case CW_HOOK_ON_ORDER_ERROR:
		return iface->on_order_error != NULL;
	case CW_HOOK_CHECK:
	default:
		return TRUE;
	}
}

static void
cw_guard_pipeline_rebuild(CwGuardPipeline *self)
{
	guint n = 0;

	g_assert(self->guards->len * CW_N_HOOKS <= G_MAXUINT16);
	self->entries = g_renew(CwGuardEntry, self->entries, self->guards->len * CW_N_HOOKS);
	for (guint h = 0; h < CW_N_HOOKS; h++) {
		self->start[h] = (guint16) n;
		for (guint i = 0; i < self->guards->len; i++) {
			CwGuard *guard = g_ptr_array_index(self->guards, i);
			const CwGuardInterface *iface = CW_GUARD_GET_IFACE(guard);

			if (!cw_guard_pipeline_implements(iface, (CwGuardHook) h))
				continue;
			self->entries[n].guard = guard;
			self->entries[n].iface = iface;
			n++;
		}
		self->len[h] = (guint16) (n - self->start[h]);
	}
}

void
cw_guard_pipeline_add(CwGuardPipeline *self, CwGuard *guard)
{
	CwGuardStats stats = {0};
	char *name;

	g_return_if_fail(self != NULL);
	g_return_if_fail(CW_IS_GUARD(guard));
	name = g_strdup(cw_guard_get_name(guard));
	if (name == NULL)
		name = g_strdup(G_OBJECT_TYPE_NAME(guard));
	g_ptr_array_add(self->names, name);
	g_ptr_array_add(self->guards, g_object_ref(guard));
	stats.name = name;
	g_array_append_val(self->stats, stats);
	cw_guard_pipeline_rebuild(self);
}

/**
 * cw_guard_pipeline_new_from_config:
 * @config: the bot configuration ("guardrails" section)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the active guards, or NULL when a guard
 * rejects its configuration.
 */
CwGuardPipeline *
cw_guard_pipeline_new_from_config(const CwBotConfig *config, GError **error)
{
	g_autoptr(CwGuardPipeline) self = cw_guard_pipeline_new();
	g_autoptr(GPtrArray) names = cw_extension_get_names(CW_EXTENSION_POINT_GUARD);

	for (guint i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		g_autoptr(GObject) obj = cw_extension_new(CW_EXTENSION_POINT_GUARD, name, error);
		gboolean active = TRUE;

		if (obj == NULL)
			return NULL;
		if (!cw_guard_configure(CW_GUARD(obj), config, &active, error)) {
			g_prefix_error(error, "guard %s: ", name);
			return NULL;
		}
		if (active)
			cw_guard_pipeline_add(self, CW_GUARD(obj));
	}
	return g_steal_pointer(&self);
}

guint
cw_guard_pipeline_get_n_guards(const CwGuardPipeline *self)
{
	return self->guards->len;
}

CwGuard *
cw_guard_pipeline_get_guard(const CwGuardPipeline *self, guint index)
{
	g_return_val_if_fail(index < self->guards->len, NULL);
	return g_ptr_array_index(self->guards, index);
}

CwGuardVerdict
cw_guard_pipeline_check(CwGuardPipeline *self, const CwGuardContext *ctx, CwOrder *order,
			char *reason, gsize reason_len, const char **guard_name)
{
	CwGuardVerdict result = CW_GUARD_ALLOW;

	if (guard_name != NULL)
		*guard_name = NULL;
	if (reason != NULL && reason_len > 0)
		reason[0] = '\0';
	for (guint i = 0; i < self->len[CW_HOOK_CHECK]; i++) {
		const CwGuardEntry *e = cw_guard_pipeline_hook(self, CW_HOOK_CHECK) + i;
		CwGuardStats *stats = &g_array_index(self->stats, CwGuardStats, i);
		CwGuardVerdict v;

		stats->checks++;
		v = e->iface->check(e->guard, ctx, order, reason, reason_len);
		if (v == CW_GUARD_REJECT) {
			stats->rejections++;
			if (guard_name != NULL)
				*guard_name = stats->name;
			if (reason != NULL && reason_len > 0 && reason[0] == '\0')
				g_strlcpy(reason, "rejected", reason_len);
			return CW_GUARD_REJECT;
		}
		if (v == CW_GUARD_MODIFY) {
			stats->modifications++;
			result = CW_GUARD_MODIFY;
		}
	}
	return result;
}

void
cw_guard_pipeline_on_fill(CwGuardPipeline *self, const CwGuardContext *ctx, const CwFill *fill)
{
	const CwGuardEntry *e = cw_guard_pipeline_hook(self, CW_HOOK_ON_FILL);

	for (guint i = 0; i < self->len[CW_HOOK_ON_FILL]; i++)
		e[i].iface->on_fill(e[i].guard, ctx, fill);
}

void
cw_guard_pipeline_on_trade(CwGuardPipeline *self, const CwGuardContext *ctx, const CwTrade *trade)
{
	const CwGuardEntry *e = cw_guard_pipeline_hook(self, CW_HOOK_ON_TRADE);

	for (guint i = 0; i < self->len[CW_HOOK_ON_TRADE]; i++)
		e[i].iface->on_trade(e[i].guard, ctx, trade);
}

/* The per-candle hooks, shared by the public calls and by
 * cw_guard_pipeline_candle(), into which they inline. */
static inline void
cw_guard_pipeline_run_on_candle(CwGuardPipeline *self, const CwGuardContext *ctx,
				const CwCandle *candle)
{
	const CwGuardEntry *e = cw_guard_pipeline_hook(self, CW_HOOK_ON_CANDLE);

	for (guint i = 0; i < self->len[CW_HOOK_ON_CANDLE]; i++)
		e[i].iface->on_candle(e[i].guard, ctx, candle);
}

static inline CwBotMode
cw_guard_pipeline_run_get_mode(CwGuardPipeline *self)
{
	const CwGuardEntry *e = cw_guard_pipeline_hook(self, CW_HOOK_GET_MODE);
	CwBotMode mode = CW_BOT_MODE_ACTIVE;

	/* only the guards that can demand a mode are asked */
	for (guint i = 0; i < self->len[CW_HOOK_GET_MODE]; i++) {
		/* asked once: MAX() evaluates its arguments twice */
		CwBotMode m = e[i].iface->get_mode(e[i].guard);
		mode = MAX(mode, m);
	}
	return mode;
}

static inline gboolean
cw_guard_pipeline_run_wants_flatten(CwGuardPipeline *self)
{
	const CwGuardEntry *e = cw_guard_pipeline_hook(self, CW_HOOK_WANTS_FLATTEN);

	for (guint i = 0; i < self->len[CW_HOOK_WANTS_FLATTEN]; i++) {
		if (e[i].iface->wants_flatten(e[i].guard))
			return TRUE;
	}
	return FALSE;
}

void
cw_guard_pipeline_on_candle(CwGuardPipeline *self, const CwGuardContext *ctx,
			    const CwCandle *candle)
{
	cw_guard_pipeline_run_on_candle(self, ctx, candle);
}

/**
 * cw_guard_pipeline_candle:
 * @self: a pipeline
 * @ctx: the account after the candle's fills and mark
 * @candle: the candle
 * @flatten: (out): cw_guard_pipeline_wants_flatten() after the candle
 *
 * The per-candle round in one call: cw_guard_pipeline_on_candle(), then
 * the mode and the flatten request as cw_guard_pipeline_get_mode() and
 * cw_guard_pipeline_wants_flatten() give them.
 *
 * Returns: the strictest mode a guard demands.
 */
CwBotMode
cw_guard_pipeline_candle(CwGuardPipeline *self, const CwGuardContext *ctx, const CwCandle *candle,
			 gboolean *flatten)
{
	CwBotMode mode;

	cw_guard_pipeline_run_on_candle(self, ctx, candle);
	mode = cw_guard_pipeline_run_get_mode(self);
	*flatten = cw_guard_pipeline_run_wants_flatten(self);
	return mode;
}

CwBotMode
cw_guard_pipeline_get_mode(CwGuardPipeline *self)
{
	return cw_guard_pipeline_run_get_mode(self);
}

gboolean
cw_guard_pipeline_reads_other_bots(CwGuardPipeline *self)
{
	g_return_val_if_fail(self != NULL, FALSE);
	for (guint i = 0; i < self->guards->len; i++) {
		if (cw_guard_reads_other_bots(g_ptr_array_index(self->guards, i)))
			return TRUE;
	}
	return FALSE;
}

gboolean
cw_guard_pipeline_wants_flatten(CwGuardPipeline *self)
{
	return cw_guard_pipeline_run_wants_flatten(self);
}

void
cw_guard_pipeline_on_order_error(CwGuardPipeline *self, const CwGuardContext *ctx,
				 const CwOrder *order, const GError *error)
{
	const CwGuardEntry *e = cw_guard_pipeline_hook(self, CW_HOOK_ON_ORDER_ERROR);

	for (guint i = 0; i < self->len[CW_HOOK_ON_ORDER_ERROR]; i++)
		e[i].iface->on_order_error(e[i].guard, ctx, order, error);
}

/**
 * cw_guard_pipeline_save_state:
 * @self: a pipeline
 *
 * Returns: (transfer full) (nullable): the guards' states as one JSON object
 * keyed by guard name, or %NULL when no guard keeps state.
 */
char *
cw_guard_pipeline_save_state(CwGuardPipeline *self)
{
	g_autoptr(JsonObject) obj = json_object_new();
	g_autoptr(JsonNode) root = NULL;

	for (guint i = 0; i < self->guards->len; i++) {
		char *state = cw_guard_save_state(g_ptr_array_index(self->guards, i));
		if (state == NULL)
			continue;
		json_object_set_string_member(obj, g_ptr_array_index(self->names, i), state);
		g_free(state);
	}
	if (json_object_get_size(obj) == 0)
		return NULL;
	root = json_node_init_object(json_node_alloc(), obj);
	return cw_json_to_string(root, FALSE);
}

gboolean
cw_guard_pipeline_load_state(CwGuardPipeline *self, const char *json, GError **error)
{
	g_autoptr(JsonNode) root = cw_json_parse(json, -1, NULL, CW_JSON_PARSE_DEFAULT, error);
	JsonObject *obj;

	if (root == NULL) {
		g_prefix_error(error, "guard state: ");
		return FALSE;
	}
	if (!JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error(error, CW_EXECUTION_ERROR, CW_EXECUTION_ERROR_FAILED,
			    "guard state: expected a JSON object");
		return FALSE;
	}
	obj = json_node_get_object(root);
	for (guint i = 0; i < self->guards->len; i++) {
		const char *name = g_ptr_array_index(self->names, i);
		JsonNode *node = json_object_get_member(obj, name);

		if (node == NULL)
			continue;
		if (!JSON_NODE_HOLDS_VALUE(node) ||
		    json_node_get_value_type(node) != G_TYPE_STRING) {
			g_set_error(error, CW_EXECUTION_ERROR, CW_EXECUTION_ERROR_FAILED,
				    "guard state.%s: expected a string", name);
			return FALSE;
		}
		if (!cw_guard_load_state(g_ptr_array_index(self->guards, i),
					 json_node_get_string(node), error)) {
			g_prefix_error(error, "guard state.%s: ", name);
			return FALSE;
		}
	}
	return TRUE;
}

const GArray *
cw_guard_pipeline_get_stats(const CwGuardPipeline *self)
{
	return self->stats;
}

gboolean
cw_guard_pipeline_mode_allows(CwBotMode mode, const CwOrder *order, gboolean reduces, char *reason,
			      gsize reason_len)
{
	switch (mode) {
	case CW_BOT_MODE_ACTIVE:
		return TRUE;
	case CW_BOT_MODE_REDUCE_ONLY:
		if (reduces)
			return TRUE;
		g_strlcpy(reason, "reduce-only mode: order would increase the position",
			  reason_len);
		return FALSE;
	case CW_BOT_MODE_HALTED:
	default:
		if (reduces && (order->purpose == CW_ORDER_PURPOSE_STOP_LOSS ||
				order->purpose == CW_ORDER_PURPOSE_TRAILING_STOP ||
				order->purpose == CW_ORDER_PURPOSE_MANUAL_EXIT ||
				order->purpose == CW_ORDER_PURPOSE_GUARD_EXIT))
			return TRUE;
		g_strlcpy(reason, "halted: only protective stops and manual or guard exits pass",
			  reason_len);
		return FALSE;
	}
}

/**
 * cw_guard_pipeline_save:
 * @self: a pipeline
 * @out: a trading state snapshot being written
 *
 * Appends every guard's tallies (checks, rejections, modifications) and
 * the guards' own states (cw_guard_pipeline_save_state()).
 */
void
cw_guard_pipeline_save(CwGuardPipeline *self, GByteArray *out)
{
	g_autofree char *state = cw_guard_pipeline_save_state(self);

	cw_state_blob_put_u64(out, self->stats->len);
	for (guint i = 0; i < self->stats->len; i++) {
		const CwGuardStats *g = &g_array_index(self->stats, CwGuardStats, i);
		cw_state_blob_put_string(out, g->name);
		cw_state_blob_put_u64(out, g->checks);
		cw_state_blob_put_u64(out, g->rejections);
		cw_state_blob_put_u64(out, g->modifications);
	}
	cw_state_blob_put_string(out, state);
}

/**
 * cw_guard_pipeline_load:
 * @self: a pipeline built from the same config
 * @reader: a snapshot at the guards' section
 *
 * Reads back what cw_guard_pipeline_save() wrote; the guards must be the
 * same, in the same order.
 */
gboolean
cw_guard_pipeline_load(CwGuardPipeline *self, CwStateReader *reader, GError **error)
{
	g_autofree char *state = NULL;
	guint64 n;

	if (!cw_state_reader_get_u64(reader, &n, "guard count", error))
		return FALSE;
	if (n != self->stats->len) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
			    "snapshot has %" G_GUINT64_FORMAT " guards, the bot's config %u", n,
			    self->stats->len);
		return FALSE;
	}
	for (guint i = 0; i < self->stats->len; i++) {
		CwGuardStats *g = &g_array_index(self->stats, CwGuardStats, i);
		g_autofree char *name = NULL;

		if (!cw_state_reader_get_string(reader, &name, "guard name", error) ||
		    !cw_state_reader_get_u64(reader, &g->checks, "guard checks", error) ||
		    !cw_state_reader_get_u64(reader, &g->rejections, "guard rejections", error) ||
		    !cw_state_reader_get_u64(reader, &g->modifications, "guard modifications",
					     error))
			return FALSE;
		if (g_strcmp0(name, g->name) != 0) {
			g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
				    "snapshot guard %u is '%s', the bot's config has '%s'", i,
				    name != NULL ? name : "", g->name);
			return FALSE;
		}
	}
	if (!cw_state_reader_get_string(reader, &state, "guard states", error))
		return FALSE;
	return state == NULL || cw_guard_pipeline_load_state(self, state, error);
}

/* The trading state came back from a snapshot (every guard is told). */
void
cw_guard_pipeline_on_restore(CwGuardPipeline *self, const CwGuardContext *ctx)
{
	for (guint i = 0; i < self->guards->len; i++)
		cw_guard_on_restore(g_ptr_array_index(self->guards, i), ctx);
}

gsize
cw_guard_pipeline_get_memory_size(const CwGuardPipeline *self)
{
	gsize size = sizeof(*self) + self->guards->len * sizeof(gpointer) +
		     self->stats->len * sizeof(CwGuardStats);

	for (guint h = 0; h < CW_N_HOOKS; h++)
		size += self->len[h] * sizeof(CwGuardEntry);
	for (guint i = 0; i < self->names->len; i++)
		size += strlen(g_ptr_array_index(self->names, i)) + 1;
	return size;
}
