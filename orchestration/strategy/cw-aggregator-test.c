#include "cw-strategies.h"

#include <math.h>

#define TOL 1e-12

static CwAggregator
make_aggregator(double min_score, double min_confidence, double conflict)
{
	CwAggregationSpec spec = {
	    .min_score = min_score,
	    .min_confidence = min_confidence,
	    .conflict_threshold = conflict,
	};
	CwAggregator agg;

	g_assert_true(cw_aggregator_init(&agg, &spec, NULL));
	return agg;
}

static void
test_scores(void)
{
	/* W = 2: long 0.5 * 1 + 1 * 0.5 = 1 -> 0.5; short 0.25 * 0.8 = 0.2 -> 0.1;
	 * the NONE vote and the zero-confidence vote only count in W */
	const CwAnalyzerVote votes[] = {
	    {CW_DIRECTION_LONG, 1.0, 0.5},
	    {CW_DIRECTION_LONG, 0.5, 1.0},
	    {CW_DIRECTION_SHORT, 0.8, 0.25},
	    {CW_DIRECTION_NONE, 0, 0.25},
	};
	CwAggregator agg = make_aggregator(0.4, 0.8, 0.3);
	CwSignal s;

	cw_aggregator_aggregate(&agg, votes, G_N_ELEMENTS(votes), 1234, &s);
	g_assert_cmpfloat_with_epsilon(s.score_long, 0.5, TOL);
	g_assert_cmpfloat_with_epsilon(s.score_short, 0.1, TOL);
	g_assert_cmpint(s.direction, ==, CW_DIRECTION_LONG);
	g_assert_cmpfloat_with_epsilon(s.confidence, 0.5 / 0.6, TOL);
	g_assert_cmpint(s.time, ==, 1234);

	/* decide() from the sums taken in vote order: the same signal, bit for bit */
	{
		double total = 0, sum_long = 0, sum_short = 0;
		CwSignal d;

		for (guint i = 0; i < G_N_ELEMENTS(votes); i++) {
			total += votes[i].weight;
			if (votes[i].direction == CW_DIRECTION_LONG)
				sum_long += votes[i].weight * votes[i].confidence;
			else if (votes[i].direction == CW_DIRECTION_SHORT)
				sum_short += votes[i].weight * votes[i].confidence;
		}
		memset(&d, 0, sizeof(d));
		cw_aggregator_decide(&agg, total, sum_long, sum_short, 1234, &d);
		g_assert_cmpint(d.direction, ==, s.direction);
		g_assert_cmpmem(&d.confidence, sizeof(double), &s.confidence, sizeof(double));
		g_assert_cmpmem(&d.score_long, sizeof(double), &s.score_long, sizeof(double));
		g_assert_cmpmem(&d.score_short, sizeof(double), &s.score_short, sizeof(double));
		g_assert_cmpint(d.time, ==, s.time);
	}
}

static void
test_min_score(void)
{
	/* exactly at min_score: 0.1 + 0.2 over W = 1 is 0.30000000000000004 or
	 * 0.3 - 1 ulp depending on the order; both pass at 0.3 */
	const CwAnalyzerVote at[] = {
	    {CW_DIRECTION_NONE, 0, 0.7},
	    {CW_DIRECTION_LONG, 1.0, 0.1},
	    {CW_DIRECTION_LONG, 1.0, 0.2},
	};
	const CwAnalyzerVote at_short[] = {
	    {CW_DIRECTION_SHORT, 1.0, 0.2},
	    {CW_DIRECTION_NONE, 0, 0.7},
	    {CW_DIRECTION_SHORT, 1.0, 0.1},
	};
	/* just below: 0.29 */
	const CwAnalyzerVote below[] = {
	    {CW_DIRECTION_NONE, 0, 0.7},
	    {CW_DIRECTION_LONG, 0.9, 0.1},
	    {CW_DIRECTION_LONG, 1.0, 0.2},
	};
	/* binary-exact: 0.5 of W = 1 */
	const CwAnalyzerVote half[] = {
	    {CW_DIRECTION_LONG, 1.0, 0.5},
	    {CW_DIRECTION_NONE, 0, 0.25},
	    {CW_DIRECTION_NONE, 0, 0.25},
	};
	CwAggregator agg = make_aggregator(0.3, 0, 0);
	CwAggregator agg_half = make_aggregator(0.5, 1.0, 0.5);
	CwAggregator agg_above = make_aggregator(0.5 + 1e-6, 0, 0);
	CwSignal s;

	cw_aggregator_aggregate(&agg, at, 3, 0, &s);
	g_assert_cmpint(s.direction, ==, CW_DIRECTION_LONG);
	g_assert_cmpfloat_with_epsilon(s.confidence, 1.0, TOL);
	cw_aggregator_aggregate(&agg, at_short, 3, 0, &s);
	g_assert_cmpint(s.direction, ==, CW_DIRECTION_SHORT);
	cw_aggregator_aggregate(&agg, below, 3, 0, &s);
	g_assert_cmpfloat_with_epsilon(s.score_long, 0.29, TOL);
	g_assert_cmpint(s.direction, ==, CW_DIRECTION_NONE);
	g_assert_cmpfloat(s.confidence, ==, 0);

	/* (0.1 + 0.5) / 0.8 is 0.75 in decimals, 0.7499999999999999 in doubles:
	 * CW_AGGREGATOR_EPSILON lets it through */
	{
		const CwAnalyzerVote rounded[] = {
		    {CW_DIRECTION_LONG, 1.0, 0.1},
		    {CW_DIRECTION_LONG, 1.0, 0.5},
		    {CW_DIRECTION_NONE, 0, 0.2},
		};
		CwAggregator agg75 = make_aggregator(0.75, 0, 0);

		cw_aggregator_aggregate(&agg75, rounded, 3, 0, &s);
		g_assert_cmpfloat(s.score_long, <, 0.75);
		g_assert_cmpint(s.direction, ==, CW_DIRECTION_LONG);
	}

	/* every threshold exactly met at once */
	cw_aggregator_aggregate(&agg_half, half, 3, 0, &s);
	g_assert_cmpint(s.direction, ==, CW_DIRECTION_LONG);
	cw_aggregator_aggregate(&agg_above, half, 3, 0, &s);
	g_assert_cmpint(s.direction, ==, CW_DIRECTION_NONE);
}

static void
test_conflict(void)
{
	/* long 0.5, short 0.4: difference 0.1 (0.09999999999999998 in doubles) */
	const CwAnalyzerVote votes[] = {
	    {CW_DIRECTION_LONG, 1.0, 0.5},
	    {CW_DIRECTION_SHORT, 1.0, 0.4},
	    {CW_DIRECTION_NONE, 0, 0.1},
	};
	const CwAnalyzerVote mirrored[] = {
	    {CW_DIRECTION_SHORT, 1.0, 0.5},
	    {CW_DIRECTION_LONG, 1.0, 0.4},
	    {CW_DIRECTION_NONE, 0, 0.1},
	};
	const CwAnalyzerVote tie[] = {
	    {CW_DIRECTION_LONG, 0.5, 1.0},
	    {CW_DIRECTION_SHORT, 1.0, 0.5},
	};
	CwSignal s;
	CwAggregator agg;

	agg = make_aggregator(0.3, 0, 0.2);
	cw_aggregator_aggregate(&agg, votes, 3, 0, &s);
	g_assert_cmpint(s.direction, ==, CW_DIRECTION_NONE);
	g_assert_cmpfloat_with_epsilon(s.score_long, 0.5, TOL);
	g_assert_cmpfloat_with_epsilon(s.score_short, 0.4, TOL);

	agg = make_aggregator(0.3, 0, 0.1);
	cw_aggregator_aggregate(&agg, votes, 3, 0, &s);
	g_assert_cmpint(s.direction, ==, CW_DIRECTION_LONG);
	g_assert_cmpfloat_with_epsilon(s.confidence, 0.5 / 0.9, TOL);
	cw_aggregator_aggregate(&agg, mirrored, 3, 0, &s);
	g_assert_cmpint(s.direction, ==, CW_DIRECTION_SHORT);
	g_assert_cmpfloat_with_epsilon(s.confidence, 0.5 / 0.9, TOL);

	/* confidence 0.556 below min_confidence 0.6 */
	agg = make_aggregator(0.3, 0.6, 0.1);
	cw_aggregator_aggregate(&agg, votes, 3, 0, &s);
	g_assert_cmpint(s.direction, ==, CW_DIRECTION_NONE);

	/* a tie never signals, even with every threshold at 0 */
	agg = make_aggregator(0, 0, 0);
	cw_aggregator_aggregate(&agg, tie, 2, 0, &s);
	g_assert_cmpfloat_with_epsilon(s.score_long, s.score_short, TOL);
	g_assert_cmpint(s.direction, ==, CW_DIRECTION_NONE);
}

static void
test_degenerate(void)
{
	const CwAnalyzerVote zero[] = {
	    {CW_DIRECTION_LONG, 1.0, 0},
	    {CW_DIRECTION_SHORT, 1.0, 0},
	};
	const CwAnalyzerVote quiet[] = {
	    {CW_DIRECTION_NONE, 0, 1},
	};
	CwAggregator agg = make_aggregator(0, 0, 0);
	CwSignal s;

	cw_aggregator_aggregate(&agg, zero, 2, 0, &s);
	g_assert_cmpint(s.direction, ==, CW_DIRECTION_NONE);
	g_assert_cmpfloat(s.score_long, ==, 0);
	cw_aggregator_aggregate(&agg, quiet, 1, 0, &s);
	g_assert_cmpint(s.direction, ==, CW_DIRECTION_NONE);
	cw_aggregator_aggregate(&agg, NULL, 0, 0, &s);
	g_assert_cmpint(s.direction, ==, CW_DIRECTION_NONE);
}

static void
test_invalid(void)
{
	const CwAggregationSpec bad[] = {
	    {.min_score = 1.5},
	    {.min_confidence = -0.1},
	    {.conflict_threshold = NAN},
	};
	const char *names[] = {"min_score", "min_confidence", "conflict_threshold"};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		CwAggregator agg;

		g_assert_false(cw_aggregator_init(&agg, &bad[i], &error));
		g_assert_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER);
		g_assert_nonnull(strstr(error->message, names[i]));
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/strategy/aggregator/scores", test_scores);
	g_test_add_func("/strategy/aggregator/min-score", test_min_score);
	g_test_add_func("/strategy/aggregator/conflict", test_conflict);
	g_test_add_func("/strategy/aggregator/degenerate", test_degenerate);
	g_test_add_func("/strategy/aggregator/invalid", test_invalid);
	return g_test_run();
}
