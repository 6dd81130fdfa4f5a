/* CwCandleResampler: 1m candles up to 5m, with the incomplete first and
 * last buckets dropped, gaps kept and counted, and the intervals it
 * refuses. */
#include "cw-strategies.h"

#define MINUTE_MS (60 * G_GINT64_CONSTANT(1000))
/* 2024-01-01 00:00 UTC, a multiple of 5 minutes */
#define T0 G_GINT64_CONSTANT(1704067200000)

/* The 1m candle of minute m after T0: open m, high m + 0.5, low m - 0.5,
 * close m + 0.25, volume 1 + m. */
static CwCandle
minute(int m)
{
	CwCandle c = {.open_time = T0 + m * MINUTE_MS,
		      .interval_ms = MINUTE_MS,
		      .open = m,
		      .high = m + 0.5,
		      .low = m - 0.5,
		      .close = m + 0.25,
		      .volume = 1 + m};
	return c;
}

/* Pushes the minutes in @ms (ending at -1) and collects the 5m candles. */
static GArray *
resample(CwCandleResampler *r, const int *ms)
{
	GArray *got = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	g_autoptr(GError) error = NULL;

	g_assert_true(cw_candle_resampler_init(r, MINUTE_MS, 5 * MINUTE_MS, &error));
	g_assert_no_error(error);
	for (guint i = 0; ms[i] >= 0; i++) {
		CwCandle base = minute(ms[i]), out[CW_TIMEFRAME_AGGREGATOR_MAX_CLOSED];
		guint n = cw_candle_resampler_push(r, &base, out);
		g_array_append_vals(got, out, n);
	}
	cw_candle_resampler_finish(r);
	return got;
}

/* The 5m candle of minutes first..last (all present). */
static void
assert_bucket(const CwCandle *c, int first, int last, double volume)
{
	g_assert_cmpint(c->open_time, ==, T0 + first * MINUTE_MS);
	g_assert_cmpint(c->interval_ms, ==, 5 * MINUTE_MS);
	g_assert_cmpfloat(c->open, ==, first);
	g_assert_cmpfloat(c->high, ==, last + 0.5);
	g_assert_cmpfloat(c->low, ==, first - 0.5);
	g_assert_cmpfloat(c->close, ==, last + 0.25);
	g_assert_cmpfloat(c->volume, ==, volume);
}

/* Minutes 2..21: the first bucket (2..4) started before the data, the last
 * (20, 21) is still open at the end; both are dropped. */
static void
test_resampler_edges(void)
{
	int ms[] = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, -1};
	CwCandleResampler r;
	g_autoptr(GArray) got = resample(&r, ms);
	g_autofree char *text = NULL;

	g_assert_cmpuint(got->len, ==, 3);
	assert_bucket(&g_array_index(got, CwCandle, 0), 5, 9, 6 + 7 + 8 + 9 + 10);
	assert_bucket(&g_array_index(got, CwCandle, 1), 10, 14, 11 + 12 + 13 + 14 + 15);
	assert_bucket(&g_array_index(got, CwCandle, 2), 15, 19, 16 + 17 + 18 + 19 + 20);
	g_assert_cmpuint(r.base_candles, ==, 20);
	g_assert_cmpuint(r.emitted, ==, 3);
	g_assert_cmpuint(r.dropped_buckets, ==, 2);
	g_assert_cmpuint(r.gap_buckets, ==, 0);
	text = cw_candle_resampler_describe(&r);
	g_assert_cmpstr(text, ==,
			"resampled 1m -> 5m, 3 candles (from 20 1m candles; 2 incomplete "
			"bucket(s) at the edges dropped)");
}

/* Aligned data is kept whole: a full first bucket, a last bucket closed
 * by its own last minute. */
static void
test_resampler_aligned(void)
{
	int ms[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1};
	CwCandleResampler r;
	g_autoptr(GArray) got = resample(&r, ms);

	g_assert_cmpuint(got->len, ==, 2);
	assert_bucket(&g_array_index(got, CwCandle, 0), 0, 4, 1 + 2 + 3 + 4 + 5);
	assert_bucket(&g_array_index(got, CwCandle, 1), 5, 9, 6 + 7 + 8 + 9 + 10);
	g_assert_cmpuint(r.dropped_buckets, ==, 0);
}

/* Gaps inside the data: a bucket without its last minute is emitted when
 * the next bucket starts, one without its first minute when its last
 * arrives; a bucket with no minute at all does not exist. */
static void
test_resampler_gaps(void)
{
	int ms[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 25, 26, 27, 28, 29, -1};
	CwCandleResampler r;
	g_autoptr(GArray) got = resample(&r, ms);
	const CwCandle *c;

	g_assert_cmpuint(got->len, ==, 4);
	assert_bucket(&g_array_index(got, CwCandle, 0), 0, 4, 15);
	c = &g_array_index(got, CwCandle, 1); /* minutes 5..8 */
	g_assert_cmpint(c->open_time, ==, T0 + 5 * MINUTE_MS);
	g_assert_cmpfloat(c->close, ==, 8.25);
	g_assert_cmpfloat(c->volume, ==, 6 + 7 + 8 + 9);
	c = &g_array_index(got, CwCandle, 2); /* minutes 11..14 */
	g_assert_cmpint(c->open_time, ==, T0 + 10 * MINUTE_MS);
	g_assert_cmpfloat(c->open, ==, 11);
	g_assert_cmpfloat(c->low, ==, 10.5);
	assert_bucket(&g_array_index(got, CwCandle, 3), 25, 29, 26 + 27 + 28 + 29 + 30);
	g_assert_cmpuint(r.gap_buckets, ==, 2);
	g_assert_cmpuint(r.dropped_buckets, ==, 0);
}

/* What cannot be resampled: finer targets and intervals that do not
 * divide. */
static void
test_resampler_refuses(void)
{
	CwCandleResampler r;
	g_autoptr(GError) error = NULL;

	g_assert_false(cw_candle_resampler_init(&r, 5 * MINUTE_MS, MINUTE_MS, &error));
	g_assert_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER);
	g_assert_cmpstr(error->message, ==,
			"cannot resample 5m candles to 1m: candles can be combined into longer "
			"ones, not split into shorter ones");
	g_clear_error(&error);
	g_assert_false(cw_candle_resampler_init(&r, 2 * MINUTE_MS, 5 * MINUTE_MS, &error));
	g_assert_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER);
	g_assert_cmpstr(error->message, ==,
			"cannot resample 2m candles to 5m: 5m is not a whole number of 2m candles");
	g_clear_error(&error);
	g_assert_true(cw_candle_resampler_init(&r, MINUTE_MS, 60 * MINUTE_MS, &error));
	g_assert_cmpuint(r.per_bucket, ==, 60);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/strategy/candle-resampler/edges", test_resampler_edges);
	g_test_add_func("/strategy/candle-resampler/aligned", test_resampler_aligned);
	g_test_add_func("/strategy/candle-resampler/gaps", test_resampler_gaps);
	g_test_add_func("/strategy/candle-resampler/refuses", test_resampler_refuses);
	return g_test_run();
}
