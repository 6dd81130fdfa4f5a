#include "cw-core.h"

static void
test_backoff_exponential_capped(void)
{
	CwBackoff p = {1.0, 2.0, 10.0, 0.0};

	g_assert_cmpfloat(cw_backoff_delay_s(&p, 1, "a", 0), ==, 1.0);
	g_assert_cmpfloat(cw_backoff_delay_s(&p, 2, "a", 0), ==, 2.0);
	g_assert_cmpfloat(cw_backoff_delay_s(&p, 3, "a", 0), ==, 4.0);
	g_assert_cmpfloat(cw_backoff_delay_s(&p, 4, "a", 0), ==, 8.0);
	g_assert_cmpfloat(cw_backoff_delay_s(&p, 5, "a", 0), ==, 10.0);
	g_assert_cmpfloat(cw_backoff_delay_s(&p, 5000, "a", 0), ==, 10.0);
	g_assert_cmpint(cw_backoff_delay_ms(&p, 3, "a", 0), ==, 4000);
}

static void
test_backoff_jitter_deterministic(void)
{
	CwBackoff p = CW_BACKOFF_DEFAULT;
	gboolean differs = FALSE;

	for (guint attempt = 1; attempt <= 8; attempt++) {
		double full = MIN(p.initial_s * (double) (1u << (attempt - 1)), p.max_s);
		double a = cw_backoff_delay_s(&p, attempt, "cw-1234abcd-7", 0);
		double b = cw_backoff_delay_s(&p, attempt, "cw-1234abcd-8", 0);

		/* the same inputs, the same delay */
		g_assert_cmpfloat(a, ==, cw_backoff_delay_s(&p, attempt, "cw-1234abcd-7", 0));
		g_assert_cmpfloat(a, <=, full);
		g_assert_cmpfloat(a, >=, full * (1.0 - p.jitter));
		differs |= a != b;
	}
	/* two orders do not retry in lockstep */
	g_assert_true(differs);
}

static void
test_backoff_retry_after(void)
{
	CwBackoff p = CW_BACKOFF_DEFAULT;

	g_assert_cmpfloat(cw_backoff_delay_s(&p, 1, "x", 30.0), ==, 30.0);
	/* a retry-after shorter than the backoff does not shorten it */
	g_assert_cmpfloat(cw_backoff_delay_s(&p, 7, "x", 0.5), >=, 48.0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/core/backoff/exponential-capped", test_backoff_exponential_capped);
	g_test_add_func("/core/backoff/jitter-deterministic", test_backoff_jitter_deterministic);
	g_test_add_func("/core/backoff/retry-after", test_backoff_retry_after);
	return g_test_run();
}
