#include "cw-strategies.h"

#include <math.h>

static gboolean
cw_aggregator_in_unit(double x)
{
	return isfinite(x) && x >= 0 && x <= 1;
}

/**
 * cw_aggregator_init:
 * @self: storage for the aggregator
 * @spec: thresholds, each in [0, 1]
 * @error: return location for a #GError
 *
 * Returns: %FALSE when a threshold is outside [0, 1].
 */
gboolean
cw_aggregator_init(CwAggregator *self, const CwAggregationSpec *spec, GError **error)
{
	const char *bad = NULL;

	if (!cw_aggregator_in_unit(spec->min_score))
		bad = "min_score";
	else if (!cw_aggregator_in_unit(spec->min_confidence))
		bad = "min_confidence";
	else if (!cw_aggregator_in_unit(spec->conflict_threshold))
		bad = "conflict_threshold";
	if (bad != NULL) {
		g_set_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER,
			    "aggregation.%s: expected a number in [0, 1]", bad);
		return FALSE;
	}
	self->min_score = spec->min_score;
	self->min_confidence = spec->min_confidence;
	self->conflict_threshold = spec->conflict_threshold;
	return TRUE;
}

static gboolean
cw_aggregator_side_passes(const CwAggregator *self, double score, double other, double confidence)
{
	return score > other && score >= self->min_score - CW_AGGREGATOR_EPSILON &&
	       score - other >= self->conflict_threshold - CW_AGGREGATOR_EPSILON &&
	       confidence >= self->min_confidence - CW_AGGREGATOR_EPSILON;
}

/**
 * cw_aggregator_aggregate:
 * @self: an aggregator
 * @votes: (array length=n_votes): one vote per analyzer, ready or not
 * @n_votes: number of votes
 * @time: stored in the signal (the candle's close time, ms)
 * @out: (out caller-allocates): the signal
 *
 * Applies the rule in the header. Allocation free.
 */
void
cw_aggregator_aggregate(const CwAggregator *self, const CwAnalyzerVote *votes, guint n_votes,
			gint64 time, CwSignal *out)
{
	double total = 0, sum_long = 0, sum_short = 0;

	for (guint i = 0; i < n_votes; i++) {
		const CwAnalyzerVote *v = &votes[i];

		total += v->weight;
		if (v->direction == CW_DIRECTION_LONG)
			sum_long += v->weight * v->confidence;
		else if (v->direction == CW_DIRECTION_SHORT)
			sum_short += v->weight * v->confidence;
	}
	cw_aggregator_decide(self, total, sum_long, sum_short, time, out);
}

/**
 * cw_aggregator_decide:
 * @self: an aggregator
 * @total: the sum of the weights of all votes
 * @sum_long: the sum of weight * confidence over the LONG votes
 * @sum_short: the sum of weight * confidence over the SHORT votes
 * @time: stored in the signal (the candle's close time, ms)
 * @out: (out caller-allocates): the signal
 *
 * The rule of the header from sums already taken (in vote order, as
 * cw_aggregator_aggregate() takes them). Allocation free.
 */
void
cw_aggregator_decide(const CwAggregator *self, double total, double sum_long, double sum_short,
		     gint64 time, CwSignal *out)
{
	double conf_long = 0, conf_short = 0;

	out->direction = CW_DIRECTION_NONE;
	out->confidence = 0;
	out->score_long = total > 0 ? sum_long / total : 0;
	out->score_short = total > 0 ? sum_short / total : 0;
	out->time = time;
	if (out->score_long + out->score_short > 0) {
		conf_long = out->score_long / (out->score_long + out->score_short);
		conf_short = out->score_short / (out->score_long + out->score_short);
	}
	if (cw_aggregator_side_passes(self, out->score_long, out->score_short, conf_long)) {
		out->direction = CW_DIRECTION_LONG;
		out->confidence = conf_long;
	} else if (cw_aggregator_side_passes(self, out->score_short, out->score_long, conf_short)) {
		out->direction = CW_DIRECTION_SHORT;
		out->confidence = conf_short;
	}
}
