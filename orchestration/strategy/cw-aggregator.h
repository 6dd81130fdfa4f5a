#pragma once

#if !defined(CW_STRATEGIES_INSIDE) && !defined(CW_STRATEGIES_COMPILATION)
#error "Only <cw-strategies.h> can be included directly."
#endif

#include "cw-analyzer.h"
#include "cw-config.h"
#include "cw-core.h"

G_BEGIN_DECLS

/* Weighted aggregation of analyzer votes into one signal.
 *
 * With W = the sum of the weights of ALL analyzers (a NONE vote, or an
 * analyzer still warming up, counts in W and adds nothing):
 *   score_long  = sum(weight_i * confidence_i over votes LONG)  / W
 *   score_short = sum(weight_i * confidence_i over votes SHORT) / W
 *   confidence_long  = score_long / (score_long + score_short)   (0 when both are 0)
 *   confidence_short = score_short / (score_long + score_short)
 * The signal is LONG when
 *   score_long > score_short,
 *   score_long >= min_score,
 *   score_long - score_short >= conflict_threshold and
 *   confidence_long >= min_confidence;
 * SHORT mirrors it; otherwise NONE (a tie is always NONE). Comparisons allow
 * CW_AGGREGATOR_EPSILON so a score exactly at a threshold passes despite
 * rounding. W == 0 gives NONE. The output CwSignal always carries both scores;
 * its confidence is that of the signalled side, 0 for NONE. */

#define CW_AGGREGATOR_EPSILON 1e-9

typedef struct {
	double min_score;
	double min_confidence;
	double conflict_threshold;
} CwAggregator;

gboolean cw_aggregator_init(CwAggregator *self, const CwAggregationSpec *spec, GError **error);
void cw_aggregator_aggregate(const CwAggregator *self, const CwAnalyzerVote *votes, guint n_votes,
			     gint64 time, CwSignal *out);
/* The same rule from the sums of the votes, each accumulated in vote order:
 * total = sum(weight_i), sum_long = sum(weight_i * confidence_i over LONG
 * votes), sum_short likewise. cw_aggregator_aggregate() is this after the sums. */
void cw_aggregator_decide(const CwAggregator *self, double total, double sum_long, double sum_short,
			  gint64 time, CwSignal *out);

G_END_DECLS
