#pragma once

#if !defined(CW_EXECUTION_INSIDE) && !defined(CW_EXECUTION_COMPILATION)
#error "Only <cw-execution.h> can be included directly."
#endif

#include "cw-core.h"
#include "cw-config.h"

G_BEGIN_DECLS

/* Per-guard tallies for reports. name is owned by the pipeline. */
typedef struct {
	const char *name;
	guint64 checks;
	guint64 rejections;
	guint64 modifications;
} CwGuardStats;

/* The guards one strategy's orders pass through, in order. Checking an
 * order allocates nothing. */
typedef struct _CwGuardPipeline CwGuardPipeline;

CwGuardPipeline *cw_guard_pipeline_new(void);
/* Instantiates every implementation registered on CW_EXTENSION_POINT_GUARD
 * (priority order), configures each from config and keeps the active ones. */
CwGuardPipeline *cw_guard_pipeline_new_from_config(const CwBotConfig *config, GError **error);
void cw_guard_pipeline_free(CwGuardPipeline *self);
/* Appends a configured guard (takes a reference). */
void cw_guard_pipeline_add(CwGuardPipeline *self, CwGuard *guard);
guint cw_guard_pipeline_get_n_guards(const CwGuardPipeline *self);
CwGuard *cw_guard_pipeline_get_guard(const CwGuardPipeline *self, guint index);
/* Runs the guards in order. The first REJECT wins: *guard_name (optional)
 * gets its name and reason its text. MODIFY lets the (changed) order go on.
 * Returns ALLOW, MODIFY (some guard changed the order) or REJECT. */
CwGuardVerdict cw_guard_pipeline_check(CwGuardPipeline *self, const CwGuardContext *ctx,
				       CwOrder *order, char *reason, gsize reason_len,
				       const char **guard_name);
void cw_guard_pipeline_on_fill(CwGuardPipeline *self, const CwGuardContext *ctx,
			       const CwFill *fill);
void cw_guard_pipeline_on_trade(CwGuardPipeline *self, const CwGuardContext *ctx,
				const CwTrade *trade);
void cw_guard_pipeline_on_candle(CwGuardPipeline *self, const CwGuardContext *ctx,
				 const CwCandle *candle);
/* TRUE when a guard's decisions read other bots' rows in the service
 * context under the limits in force (cw_guard_reads_other_bots()). */
gboolean cw_guard_pipeline_reads_other_bots(CwGuardPipeline *self);
/* on_candle, get_mode and wants_flatten in one call (the per-candle path). */
CwBotMode cw_guard_pipeline_candle(CwGuardPipeline *self, const CwGuardContext *ctx,
				   const CwCandle *candle, gboolean *flatten);
/* TRUE while any guard asks to close the position (GUARD_EXIT). */
gboolean cw_guard_pipeline_wants_flatten(CwGuardPipeline *self);
/* The broker refused or failed an order the pipeline allowed. */
void cw_guard_pipeline_on_order_error(CwGuardPipeline *self, const CwGuardContext *ctx,
				      const CwOrder *order, const GError *error);
/* Persistence of every guard's tallies: a JSON object {"<guard name>":
 * "<the guard's own state document>", ...} with the guards that keep
 * something, or NULL when none does. load_state hands each guard its
 * document; names not in the pipeline are ignored. */
char *cw_guard_pipeline_save_state(CwGuardPipeline *self);
gboolean cw_guard_pipeline_load_state(CwGuardPipeline *self, const char *json, GError **error);
/* Tallies and states in a trading state snapshot (binary section). */
void cw_guard_pipeline_save(CwGuardPipeline *self, GByteArray *out);
gboolean cw_guard_pipeline_load(CwGuardPipeline *self, CwStateReader *reader, GError **error);
void cw_guard_pipeline_on_restore(CwGuardPipeline *self, const CwGuardContext *ctx);
/* The strictest mode any guard demands (HALTED > REDUCE_ONLY > ACTIVE). */
CwBotMode cw_guard_pipeline_get_mode(CwGuardPipeline *self);
/* Of CwGuardStats, one per guard in pipeline order. */
const GArray *cw_guard_pipeline_get_stats(const CwGuardPipeline *self);
/* Bytes the pipeline holds: its hook lists, guard slots, stats and names
 * (not the guards' own state). */
gsize cw_guard_pipeline_get_memory_size(const CwGuardPipeline *self);

/* What a bot mode lets through:
 *   ACTIVE: everything;
 *   REDUCE_ONLY: only orders that reduce or close the position (ctx->reduces);
 *   HALTED: only reducing orders that protect or flatten: stop losses and
 *     trailing stops (including their replacements, e.g. a breakeven move),
 *     and explicit MANUAL_EXIT / GUARD_EXIT closes. Entries, take profits,
 *     signal and time exits are refused.
 * On refusal writes a reason and returns FALSE. */
gboolean cw_guard_pipeline_mode_allows(CwBotMode mode, const CwOrder *order, gboolean reduces,
				       char *reason, gsize reason_len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwGuardPipeline, cw_guard_pipeline_free)

G_END_DECLS
