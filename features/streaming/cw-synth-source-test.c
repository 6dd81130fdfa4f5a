#include "cw-streaming.h"

#include <math.h>

#define FIVE_MIN 300000
#define DAY_MS   G_GINT64_CONSTANT(86400000)

static gboolean
candle_equal(const CwCandle *a, const CwCandle *b)
{
	return a->open_time == b->open_time && a->interval_ms == b->interval_ms &&
	       a->open == b->open && a->high == b->high && a->low == b->low &&
	       a->close == b->close && a->volume == b->volume && a->symbol == b->symbol;
}

/* Field by field: the struct has padding. */
static void
assert_same_candles(GArray *a, GArray *b)
{
	g_assert_cmpuint(a->len, ==, b->len);
	for (guint i = 0; i < a->len; i++)
		g_assert_true(
		    candle_equal(&g_array_index(a, CwCandle, i), &g_array_index(b, CwCandle, i)));
}

static GArray *
generate(guint64 seed, double days, gint64 interval)
{
	g_autoptr(CwSynthSource) synth = g_object_new(CW_TYPE_SYNTH_SOURCE, "seed", seed, "days",
						      days, "interval", interval, NULL);
	g_autoptr(GError) error = NULL;
	GArray *out = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	CwCandle c;
	CwCandleSourceResult result;

	g_assert_true(cw_candle_source_open(CW_CANDLE_SOURCE(synth), &error));
	g_assert_no_error(error);
	while ((result = cw_candle_source_next(CW_CANDLE_SOURCE(synth), &c, &error)) ==
	       CW_CANDLE_SOURCE_OK)
		g_array_append_val(out, c);
	g_assert_no_error(error);
	g_assert_cmpint(result, ==, CW_CANDLE_SOURCE_END);
	return out;
}

static void
test_determinism(void)
{
	g_autoptr(GArray) a = generate(42, 10, FIVE_MIN);
	g_autoptr(GArray) b = generate(42, 10, FIVE_MIN);
	g_autoptr(GArray) c = generate(43, 10, FIVE_MIN);
	guint same = 0;

	g_assert_cmpuint(a->len, >, 2800);
	assert_same_candles(a, b);
	for (guint i = 0; i < MIN(a->len, c->len); i++) {
		if (g_array_index(a, CwCandle, i).close == g_array_index(c, CwCandle, i).close)
			same++;
	}
	g_assert_cmpuint(same, <, 10);
}

static void
test_reopen_restarts(void)
{
	g_autoptr(CwSynthSource) synth = cw_synth_source_new(7);
	g_autoptr(GError) error = NULL;
	CwCandle first;
	CwCandle again;
	CwCandle c;

	g_assert_true(cw_candle_source_open(CW_CANDLE_SOURCE(synth), &error));
	g_assert_cmpint(cw_candle_source_next(CW_CANDLE_SOURCE(synth), &first, &error), ==, 1);
	for (int i = 0; i < 100; i++)
		g_assert_cmpint(cw_candle_source_next(CW_CANDLE_SOURCE(synth), &c, &error), ==, 1);
	g_assert_true(cw_candle_source_open(CW_CANDLE_SOURCE(synth), &error));
	g_assert_cmpint(cw_candle_source_next(CW_CANDLE_SOURCE(synth), &again, &error), ==, 1);
	g_assert_true(candle_equal(&first, &again));
	g_assert_cmpint(first.open_time, ==, G_GINT64_CONSTANT(1704067200000));
	g_assert_cmpfloat(first.open, ==, 30000);
	g_assert_cmpuint(first.symbol, ==, g_quark_from_string("SYNTH"));
	g_assert_cmpstr(cw_candle_source_describe(CW_CANDLE_SOURCE(synth)), ==,
			"synth SYNTH (5m, 60 days, seed 7)");
}

static void
test_ohlc_valid_with_gaps(void)
{
	g_autoptr(GArray) candles = generate(42, 60, FIVE_MIN);
	guint gaps = 0;
	guint gapped_opens = 0;
	guint flat = 0;

	/* 60 days of 5m are 17280 candles; a few fall in outages */
	g_assert_cmpuint(candles->len, <, 17280);
	g_assert_cmpuint(candles->len, >, 17000);
	for (guint i = 0; i < candles->len; i++) {
		CwCandle *c = &g_array_index(candles, CwCandle, i);

		g_assert_cmpint(c->interval_ms, ==, FIVE_MIN);
		g_assert_cmpint((c->open_time - G_GINT64_CONSTANT(1704067200000)) % FIVE_MIN, ==,
				0);
		g_assert_true(isfinite(c->open) && isfinite(c->close));
		g_assert_cmpfloat(c->low, >, 0);
		g_assert_cmpfloat(c->high, >=, MAX(c->open, c->close));
		g_assert_cmpfloat(c->low, <=, MIN(c->open, c->close));
		g_assert_cmpfloat(c->volume, >=, 0);
		if (c->high == c->low)
			flat++;
		if (i == 0)
			continue;
		g_assert_cmpint(c->open_time, >, c[-1].open_time);
		if (c->open_time - c[-1].open_time > FIVE_MIN)
			gaps++;
		else if (c->open != c[-1].close)
			gapped_opens++; /* jumps at the open */
	}
	g_assert_cmpuint(gaps, >=, 2);
	g_assert_cmpuint(gapped_opens, <=, 10);
	g_assert_cmpuint(flat, <, candles->len / 100);
}

static void
test_regimes_and_volatility(void)
{
	g_autoptr(GArray) candles = generate(42, 60, FIVE_MIN);
	guint up_days = 0;
	guint down_days = 0;
	double sum_sq = 0;
	guint n_days = 0;
	gint64 day = -1;
	double day_open = 0;
	double day_close = 0;

	for (guint i = 0; i <= candles->len; i++) {
		CwCandle *c = i < candles->len ? &g_array_index(candles, CwCandle, i) : NULL;
		gint64 d = c != NULL ? c->open_time / DAY_MS : -2;

		if (d != day) {
			if (day >= 0) {
				double r = day_close / day_open - 1.0;

				if (r > 0.02)
					up_days++;
				if (r < -0.02)
					down_days++;
				sum_sq += log(day_close / day_open) * log(day_close / day_open);
				n_days++;
			}
			day = d;
			if (c != NULL)
				day_open = c->open;
		}
		if (c != NULL)
			day_close = c->close;
	}
	g_assert_cmpuint(n_days, ==, 60);
	g_assert_cmpuint(up_days, >=, 3);
	g_assert_cmpuint(down_days, >=, 3);
	{
		/* annualised volatility of daily returns near the 60% base */
		double annual = sqrt(sum_sq / n_days * 365.25);

		g_test_message("annual volatility %.2f, %u up days, %u down days", annual, up_days,
			       down_days);
		g_assert_cmpfloat(annual, >, 0.3);
		g_assert_cmpfloat(annual, <, 1.2);
	}
}

static void
test_volatility_clusters(void)
{
	g_autoptr(GArray) candles = generate(42, 60, FIVE_MIN);
	double mean = 0;
	double var = 0;
	double cov = 0;
	guint n = candles->len - 1;
	g_autofree double *a = g_new(double, n);

	/* |returns| are autocorrelated (GARCH): lag 1 correlation clearly > 0 */
	for (guint i = 0; i < n; i++) {
		a[i] = fabs(log(g_array_index(candles, CwCandle, i + 1).close /
				g_array_index(candles, CwCandle, i).close));
		mean += a[i];
	}
	mean /= n;
	for (guint i = 0; i < n; i++) {
		var += (a[i] - mean) * (a[i] - mean);
		if (i > 0)
			cov += (a[i] - mean) * (a[i - 1] - mean);
	}
	g_test_message("lag-1 autocorrelation of |r|: %.3f", cov / var);
	g_assert_cmpfloat(cov / var, >, 0.1);
}

static void
test_volume_profile(void)
{
	g_autoptr(GArray) candles = generate(42, 60, FIVE_MIN);
	double busy = 0;
	double quiet = 0;
	guint n_busy = 0;
	guint n_quiet = 0;

	for (guint i = 0; i < candles->len; i++) {
		CwCandle *c = &g_array_index(candles, CwCandle, i);
		gint64 hour = (c->open_time % DAY_MS) / 3600000;

		if (hour >= 13 && hour < 16) {
			busy += c->volume;
			n_busy++;
		} else if (hour >= 3 && hour < 5) {
			quiet += c->volume;
			n_quiet++;
		}
	}
	busy /= n_busy;
	quiet /= n_quiet;
	g_test_message("mean volume 13-16 UTC %.1f, 03-05 UTC %.1f", busy, quiet);
	g_assert_cmpfloat(busy, >, 1.5 * quiet);
}

static void
test_year_positive(void)
{
	g_autoptr(GArray) candles = generate(1234, 365, FIVE_MIN);
	double lo = G_MAXDOUBLE;
	double hi = 0;

	g_assert_cmpuint(candles->len, >, 100000);
	for (guint i = 0; i < candles->len; i++) {
		CwCandle *c = &g_array_index(candles, CwCandle, i);

		g_assert_true(isfinite(c->high));
		g_assert_cmpfloat(c->low, >, 0);
		g_assert_cmpfloat(c->high, >=, MAX(c->open, c->close));
		g_assert_cmpfloat(c->low, <=, MIN(c->open, c->close));
		lo = MIN(lo, c->low);
		hi = MAX(hi, c->high);
	}
	g_test_message("one year range %.1f .. %.1f", lo, hi);
	g_assert_cmpfloat(lo, >, 30000.0 / 50);
	g_assert_cmpfloat(hi, <, 30000.0 * 50);
}

static void
test_other_intervals(void)
{
	g_autoptr(GArray) hourly = generate(5, 30, 3600000);
	g_autoptr(GArray) minute = generate(5, 1, 60000);

	g_assert_cmpuint(hourly->len, <=, 720);
	g_assert_cmpuint(hourly->len, >, 700);
	g_assert_cmpuint(minute->len, <=, 1440);
	g_assert_cmpuint(minute->len, >, 1400);
	for (guint i = 0; i < hourly->len; i++) {
		CwCandle *c = &g_array_index(hourly, CwCandle, i);

		g_assert_cmpfloat(c->high, >=, MAX(c->open, c->close));
		g_assert_cmpfloat(c->low, <=, MIN(c->open, c->close));
		g_assert_cmpint(c->interval_ms, ==, 3600000);
	}
}

static void
test_small_price_ticks(void)
{
	g_autoptr(CwSynthSource) synth = g_object_new(CW_TYPE_SYNTH_SOURCE, "start-price", 0.0016,
						      "days", 2.0, "symbol", "ALTBTC", NULL);
	g_autoptr(GError) error = NULL;
	CwCandle c;
	guint n = 0;

	g_assert_true(cw_candle_source_open(CW_CANDLE_SOURCE(synth), &error));
	while (cw_candle_source_next(CW_CANDLE_SOURCE(synth), &c, &error) == CW_CANDLE_SOURCE_OK) {
		/* a tick of 1e-8: prices have at most 8 decimals */
		double scaled = c.close * 1e8;

		g_assert_cmpfloat(fabs(scaled - round(scaled)), <, 1e-6);
		g_assert_cmpfloat(c.low, >, 0);
		g_assert_cmpuint(c.symbol, ==, g_quark_from_string("ALTBTC"));
		n++;
	}
	g_assert_cmpuint(n, >, 500);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/streaming/synth/determinism", test_determinism);
	g_test_add_func("/streaming/synth/reopen-restarts", test_reopen_restarts);
	g_test_add_func("/streaming/synth/ohlc-valid-with-gaps", test_ohlc_valid_with_gaps);
	g_test_add_func("/streaming/synth/regimes-and-volatility", test_regimes_and_volatility);
	g_test_add_func("/streaming/synth/volatility-clusters", test_volatility_clusters);
	g_test_add_func("/streaming/synth/volume-profile", test_volume_profile);
	g_test_add_func("/streaming/synth/year-positive", test_year_positive);
	g_test_add_func("/streaming/synth/other-intervals", test_other_intervals);
	g_test_add_func("/streaming/synth/small-price-ticks", test_small_price_ticks);
	return g_test_run();
}
