/* Backoff with full jitter and the token bucket. */
#include "cw-core.h"

static void
test_backoff_ceiling(void)
{
	CwJitterBackoff b;
	g_autoptr(GRand) rand = g_rand_new_with_seed(7);
	double expected[] = {0.5, 1, 2, 4, 8, 16, 30, 30, 30};

	cw_jitter_backoff_init(&b, 0.5, 30);
	for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
		double ceiling = cw_jitter_backoff_ceiling(&b);
		double d = cw_jitter_backoff_next(&b, rand);

		g_assert_cmpfloat_with_epsilon(ceiling, expected[i], 1e-9);
		g_assert_cmpfloat(d, >=, 0);
		g_assert_cmpfloat(d, <=, ceiling);
	}
	for (guint i = 0; i < 100; i++)
		cw_jitter_backoff_next(&b, rand);
	g_assert_cmpfloat_with_epsilon(cw_jitter_backoff_ceiling(&b), 30, 1e-9);
	cw_jitter_backoff_reset(&b);
	g_assert_cmpfloat_with_epsilon(cw_jitter_backoff_ceiling(&b), 0.5, 1e-9);
}

static void
test_backoff_jitter_spreads(void)
{
	CwJitterBackoff b;
	g_autoptr(GRand) rand = g_rand_new_with_seed(11);
	double lo = 1e9, hi = 0;

	/* full jitter: the delays of one attempt cover [0, ceiling] */
	for (guint i = 0; i < 1000; i++) {
		double d;

		cw_jitter_backoff_init(&b, 1, 30);
		b.attempt = 3;
		d = cw_jitter_backoff_next(&b, rand);
		lo = MIN(lo, d);
		hi = MAX(hi, d);
	}
	g_assert_cmpfloat(lo, <, 0.5);
	g_assert_cmpfloat(hi, >, 7.5);
	g_assert_cmpfloat(hi, <=, 8);
}

static void
test_token_bucket(void)
{
	CwTokenBucket tb;
	gint64 t = 1000000;
	guint taken = 0;

	cw_token_bucket_init(&tb, 2, 5);
	for (guint i = 0; i < 10; i++)
		taken += cw_token_bucket_take(&tb, t, 1);
	g_assert_cmpuint(taken, ==, 5);
	/* one second later: two more */
	t += G_USEC_PER_SEC;
	taken = 0;
	for (guint i = 0; i < 10; i++)
		taken += cw_token_bucket_take(&tb, t, 1);
	g_assert_cmpuint(taken, ==, 2);
	/* a clock going back adds nothing */
	g_assert_false(cw_token_bucket_take(&tb, t - 5 * G_USEC_PER_SEC, 1));
	/* never more than the burst */
	t += 100 * G_USEC_PER_SEC;
	taken = 0;
	for (guint i = 0; i < 10; i++)
		taken += cw_token_bucket_take(&tb, t, 1);
	g_assert_cmpuint(taken, ==, 5);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/core/backoff/ceiling", test_backoff_ceiling);
	g_test_add_func("/core/backoff/jitter-spreads", test_backoff_jitter_spreads);
	g_test_add_func("/core/token-bucket/refill", test_token_bucket);
	return g_test_run();
}
