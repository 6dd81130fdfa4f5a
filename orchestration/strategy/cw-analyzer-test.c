#include "cw-strategies.h"

#include <math.h>

#define TOL       1e-9
#define MINUTE_MS 60000

typedef struct {
	CwDirection dir;
	double conf;
	gboolean ready;
} Vote;

static CwCandle
make_candle(guint i, double open, double high, double low, double close, double volume)
{
	CwCandle c = {
	    .open_time = 1700000000000 + (gint64) i * MINUTE_MS,
	    .interval_ms = MINUTE_MS,
	    .open = open,
	    .high = high,
	    .low = low,
	    .close = close,
	    .volume = volume,
	};
	return c;
}

/* Candle around a close: high = close + 0.5, low = close - 0.5. */
static CwCandle
close_candle(guint i, double close)
{
	return make_candle(i, close, close + 0.5, close - 0.5, close, 1);
}

static Vote
feed(CwAnalyzer *a, const CwCandle *c)
{
	Vote v;

	cw_analyzer_update(a, c);
	cw_analyzer_evaluate(a, c, &v.dir, &v.conf);
	v.ready = cw_analyzer_is_ready(a);
	return v;
}

static void
feed_closes(CwAnalyzer *a, const double *closes, guint n, Vote *votes)
{
	for (guint i = 0; i < n; i++) {
		CwCandle c = close_candle(i, closes[i]);

		votes[i] = feed(a, &c);
	}
}

static void
assert_vote(const Vote *v, CwDirection dir, double conf)
{
	g_assert_cmpint(v->dir, ==, dir);
	g_assert_cmpfloat_with_epsilon(v->conf, conf, TOL);
}

static void
test_ema_cross(void)
{
	/* EMA(2) and EMA(4) of a line sit at their steady lag (SMA seed):
	 * diff = -1 while falling by 1, |diff| / avg = 1. */
	const double closes[] = {10, 9, 8, 7, 6, 5, 4, 3, 10, 10};
	CwAnalyzerSpec spec = {.kind = CW_ANALYZER_EMA_CROSS, .weight = 1, .fast = 2, .slow = 4};
	CwAnalyzer a;
	Vote v[G_N_ELEMENTS(closes)];

	g_assert_true(cw_analyzer_init(&a, &spec, NULL));
	feed_closes(&a, closes, G_N_ELEMENTS(closes), v);
	for (guint i = 0; i < 6; i++) {
		g_assert_false(v[i].ready);
		assert_vote(&v[i], CW_DIRECTION_NONE, 0);
	}
	g_assert_true(v[6].ready);
	assert_vote(&v[6], CW_DIRECTION_SHORT, CW_ANALYZER_TREND_CONFIDENCE);
	assert_vote(&v[7], CW_DIRECTION_SHORT, CW_ANALYZER_TREND_CONFIDENCE);
	/* fast 7.8333 > slow 6.7: the cross */
	assert_vote(&v[8], CW_DIRECTION_LONG, 1.0);
	/* continuation: |diff| 1.2578 > avg 1.1351, capped */
	assert_vote(&v[9], CW_DIRECTION_LONG, CW_ANALYZER_TREND_CONFIDENCE);

	/* reset forgets everything */
	cw_analyzer_reset(&a);
	g_assert_false(cw_analyzer_is_ready(&a));
	cw_analyzer_clear(&a);

	/* trend mode: no cross bonus, full scale */
	spec.mode = CW_ANALYZER_MODE_TREND;
	g_assert_true(cw_analyzer_init(&a, &spec, NULL));
	feed_closes(&a, closes, G_N_ELEMENTS(closes), v);
	assert_vote(&v[6], CW_DIRECTION_SHORT, 1.0);
	/* cross candle: |diff| 1.1333 / avg 1.0533 > 1 */
	assert_vote(&v[8], CW_DIRECTION_LONG, 1.0);
	cw_analyzer_clear(&a);
}

static void
test_ema_cross_scaled(void)
{
	/* Falling by 1, then by 0.5: |diff| shrinks from 1 towards 0.5 and
	 * lags its average, so the continuation confidence drops below its cap. */
	const double closes[] = {10, 9, 8, 7, 6, 5, 4, 3.5, 3, 2.5, 2, 1.5, 1, 0.5};
	CwAnalyzerSpec spec = {.kind = CW_ANALYZER_EMA_CROSS, .weight = 1, .fast = 2, .slow = 4};
	CwAnalyzer a;
	Vote v[G_N_ELEMENTS(closes)];

	g_assert_true(cw_analyzer_init(&a, &spec, NULL));
	feed_closes(&a, closes, G_N_ELEMENTS(closes), v);
	for (guint i = 6; i < G_N_ELEMENTS(closes); i++)
		g_assert_cmpint(v[i].dir, ==, CW_DIRECTION_SHORT);
	/* reference values (EMA seeded with SMA, computed independently) */
	assert_vote(&v[7], CW_DIRECTION_SHORT, 0.5 * 0.8666666666666667 / 0.9466666666666667);
	assert_vote(&v[9], CW_DIRECTION_SHORT, 0.4184076578287623);
	assert_vote(&v[13], CW_DIRECTION_SHORT, 0.45744167302733163);
	cw_analyzer_clear(&a);
}

static void
test_rsi(void)
{
	/* changes -4 -4 +2: avg gain 2/3, avg loss 8/3, RSI 20 */
	const double oversold[] = {20, 16, 12, 14};
	/* changes +3 -2 0: RSI 60 */
	const double mild[] = {10, 13, 11, 11};
	/* changes +2 +2 -1: RSI 80 */
	const double overbought[] = {10, 12, 14, 13};
	CwAnalyzerSpec spec = {
	    .kind = CW_ANALYZER_RSI, .weight = 1, .period = 3, .lower = 30, .upper = 70};
	CwAnalyzer a;
	Vote v[4];

	g_assert_true(cw_analyzer_init(&a, &spec, NULL));
	feed_closes(&a, oversold, 4, v);
	g_assert_false(v[2].ready);
	assert_vote(&v[2], CW_DIRECTION_NONE, 0);
	g_assert_true(v[3].ready);
	g_assert_cmpfloat_with_epsilon(a.u.rsi.value, 20, 1e-9);
	assert_vote(&v[3], CW_DIRECTION_LONG, 0.5 + 0.5 * 10.0 / 30.0);

	cw_analyzer_reset(&a);
	feed_closes(&a, overbought, 4, v);
	assert_vote(&v[3], CW_DIRECTION_SHORT, 0.5 + 0.5 * 10.0 / 30.0);

	cw_analyzer_reset(&a);
	feed_closes(&a, mild, 4, v);
	assert_vote(&v[3], CW_DIRECTION_NONE, 0);
	cw_analyzer_clear(&a);

	/* zones at 0 and 100 are valid and never entered: a fall to RSI 0 votes NONE */
	{
		const double falling[] = {20, 16, 12, 8};
		CwAnalyzerSpec open = spec;

		open.lower = 0;
		open.upper = 100;
		g_assert_true(cw_analyzer_init(&a, &open, NULL));
		feed_closes(&a, falling, 4, v);
		g_assert_true(v[3].ready);
		g_assert_cmpfloat(a.u.rsi.value, ==, 0);
		assert_vote(&v[3], CW_DIRECTION_NONE, 0);
		cw_analyzer_clear(&a);
	}

	/* trend mode scales from 50 to the bounds, which must straddle 50 */
	spec.mode = CW_ANALYZER_MODE_TREND;
	spec.lower = 60;
	g_assert_false(cw_analyzer_init(&a, &spec, NULL));
	spec.lower = 30;
	g_assert_true(cw_analyzer_init(&a, &spec, NULL));
	feed_closes(&a, mild, 4, v);
	assert_vote(&v[3], CW_DIRECTION_LONG, (60.0 - 50) / (70 - 50));
	cw_analyzer_reset(&a);
	feed_closes(&a, oversold, 4, v);
	assert_vote(&v[3], CW_DIRECTION_SHORT, 1.0);
	cw_analyzer_clear(&a);
}

static void
test_macd(void)
{
	/* flat: hist 0; 110: hist 0.556 (cross); 120: 0.648 (growing);
	 * 120: -0.046 (cross down); 120: -0.311 (growing down); 120: fading */
	const double closes[] = {100, 100, 100, 100, 100, 100, 100, 100,
				 100, 100, 110, 120, 120, 120, 120};
	CwAnalyzerSpec spec = {
	    .kind = CW_ANALYZER_MACD, .weight = 1, .fast = 2, .slow = 3, .signal = 2};
	CwAnalyzer a;
	Vote v[G_N_ELEMENTS(closes)];

	g_assert_true(cw_analyzer_init(&a, &spec, NULL));
	feed_closes(&a, closes, G_N_ELEMENTS(closes), v);
	g_assert_false(v[3].ready);
	g_assert_true(v[4].ready);
	for (guint i = 0; i < 10; i++)
		assert_vote(&v[i], CW_DIRECTION_NONE, 0);
	assert_vote(&v[10], CW_DIRECTION_LONG, 1.0);
	assert_vote(&v[11], CW_DIRECTION_LONG, CW_ANALYZER_MACD_GROWING_CONFIDENCE);
	assert_vote(&v[12], CW_DIRECTION_SHORT, 1.0);
	assert_vote(&v[13], CW_DIRECTION_SHORT, CW_ANALYZER_MACD_GROWING_CONFIDENCE);
	g_assert_cmpint(v[14].dir, ==, CW_DIRECTION_SHORT);
	cw_analyzer_clear(&a);

	/* rising then a pause: positive but shrinking histogram */
	{
		const double fading[] = {100, 100, 100, 100, 100, 110, 110};
		Vote f[G_N_ELEMENTS(fading)];

		g_assert_true(cw_analyzer_init(&a, &spec, NULL));
		feed_closes(&a, fading, G_N_ELEMENTS(fading), f);
		assert_vote(&f[5], CW_DIRECTION_LONG, 1.0);
		/* hist 0.0926 < 0.5556 */
		assert_vote(&f[6], CW_DIRECTION_LONG, CW_ANALYZER_MACD_FADING_CONFIDENCE);
		cw_analyzer_clear(&a);
	}
}

static void
test_bollinger(void)
{
	const double low_break[] = {10, 10, 10, 7};
	const double high_break[] = {10, 10, 10, 13};
	const double flat[] = {10, 10, 10, 10};
	/* window (10, 10, 7): mean 9, sd sqrt(2); lower 9 - sqrt(2) */
	double conf = 0.5 + 0.5 * ((9 - G_SQRT2 - 7) / G_SQRT2);
	CwAnalyzerSpec spec = {
	    .kind = CW_ANALYZER_BOLLINGER, .weight = 1, .period = 3, .stddev = 1};
	CwAnalyzer a;
	Vote v[4];

	g_assert_true(cw_analyzer_init(&a, &spec, NULL));
	g_assert_cmpint(a.spec.mode, ==, CW_ANALYZER_MODE_MEAN_REVERSION);
	feed_closes(&a, low_break, 4, v);
	g_assert_false(v[1].ready);
	g_assert_true(v[2].ready);
	assert_vote(&v[2], CW_DIRECTION_NONE, 0); /* zero width */
	assert_vote(&v[3], CW_DIRECTION_LONG, conf);
	cw_analyzer_reset(&a);
	feed_closes(&a, high_break, 4, v);
	assert_vote(&v[3], CW_DIRECTION_SHORT, conf);
	cw_analyzer_reset(&a);
	feed_closes(&a, flat, 4, v);
	assert_vote(&v[3], CW_DIRECTION_NONE, 0);
	cw_analyzer_clear(&a);

	spec.mode = CW_ANALYZER_MODE_BREAKOUT;
	g_assert_true(cw_analyzer_init(&a, &spec, NULL));
	feed_closes(&a, low_break, 4, v);
	assert_vote(&v[3], CW_DIRECTION_SHORT, conf);
	cw_analyzer_reset(&a);
	feed_closes(&a, high_break, 4, v);
	assert_vote(&v[3], CW_DIRECTION_LONG, conf);
	cw_analyzer_clear(&a);
}

static void
test_stochastic(void)
{
	/* high/low = close -+ 0.5; %K(3) 12.5 8.33 6.25 20, %D(2) 10.42 7.29 13.125 */
	const double down[] = {100, 99, 97, 94, 90, 90.5};
	const double up[] = {100, 101, 103, 106, 110, 109.5};
	CwAnalyzerSpec spec = {.kind = CW_ANALYZER_STOCHASTIC,
			       .weight = 1,
			       .k_period = 3,
			       .k_slowing = 1,
			       .d_period = 2,
			       .lower = 20,
			       .upper = 80};
	CwAnalyzer a;
	Vote v[6];

	g_assert_true(cw_analyzer_init(&a, &spec, NULL));
	feed_closes(&a, down, 6, v);
	g_assert_false(v[3].ready);
	g_assert_true(v[4].ready);
	assert_vote(&v[4], CW_DIRECTION_NONE, 0); /* K below D: no cross yet */
	assert_vote(&v[5], CW_DIRECTION_LONG, 0.5 + 0.5 * (20 - 13.125) / 20);

	cw_analyzer_reset(&a);
	feed_closes(&a, up, 6, v);
	assert_vote(&v[4], CW_DIRECTION_NONE, 0);
	assert_vote(&v[5], CW_DIRECTION_SHORT, 0.5 + 0.5 * (86.875 - 80) / 20);
	cw_analyzer_clear(&a);

	/* the same cross outside the zones gives nothing */
	spec.lower = 10;
	spec.upper = 90;
	g_assert_true(cw_analyzer_init(&a, &spec, NULL));
	feed_closes(&a, down, 6, v);
	assert_vote(&v[5], CW_DIRECTION_NONE, 0);
	cw_analyzer_clear(&a);
}

static void
test_atr_regime(void)
{
	/* closes rise 0.2 per bar, range 2: ATR 2, EMA slope 0.2,
	 * confidence 3 * 0.2 / 2 = 0.3, ATR% about 2 */
	CwAnalyzerSpec spec = {
	    .kind = CW_ANALYZER_ATR_REGIME, .weight = 1, .period = 3, .min_pct = 0.5, .max_pct = 5};
	CwAnalyzer a;
	Vote v[8];

	for (guint pass = 0; pass < 4; pass++) {
		double step = pass % 2 == 0 ? 0.2 : -0.2;

		spec.max_pct = pass < 2 ? 5 : 1.5;
		g_assert_true(cw_analyzer_init(&a, &spec, NULL));
		for (guint i = 0; i < 8; i++) {
			double c = 100 + step * i;
			CwCandle candle = make_candle(i, c, c + 1, c - 1, c, 1);

			v[i] = feed(&a, &candle);
		}
		g_assert_false(v[2].ready);
		g_assert_true(v[3].ready);
		if (pass < 2) {
			assert_vote(&v[7], step > 0 ? CW_DIRECTION_LONG : CW_DIRECTION_SHORT, 0.3);
		} else {
			/* ATR% about 2 is above max_pct 1.5 */
			assert_vote(&v[7], CW_DIRECTION_NONE, 0);
		}
		cw_analyzer_clear(&a);
	}
}

static void
test_volume_spike(void)
{
	CwAnalyzerSpec spec = {
	    .kind = CW_ANALYZER_VOLUME_SPIKE, .weight = 1, .period = 3, .multiplier = 2};
	CwAnalyzer a;
	CwCandle c;
	Vote v;

	g_assert_true(cw_analyzer_init(&a, &spec, NULL));
	for (guint i = 0; i < 3; i++) {
		c = make_candle(i, 100, 101, 99, 100.5, 10);
		v = feed(&a, &c);
		g_assert_false(v.ready);
	}
	/* volume 30 vs the previous average 10: ratio 3 */
	c = make_candle(3, 100, 102, 99, 101, 30);
	v = feed(&a, &c);
	g_assert_true(v.ready);
	assert_vote(&v, CW_DIRECTION_LONG, 3.0 / (CW_ANALYZER_VOLUME_FULL_RATIO * 2));
	/* average now (10 + 10 + 30) / 3: 25 is a ratio of 1.5 */
	c = make_candle(4, 101, 101, 98, 99, 25);
	v = feed(&a, &c);
	assert_vote(&v, CW_DIRECTION_NONE, 0);
	/* average (10 + 30 + 25) / 3 = 21.67; 100 bearish: ratio 4.6, capped */
	c = make_candle(5, 101, 101, 95, 96, 100);
	v = feed(&a, &c);
	assert_vote(&v, CW_DIRECTION_SHORT, 1.0);
	/* a doji spike has no direction */
	c = make_candle(6, 96, 97, 95, 96, 1000);
	v = feed(&a, &c);
	assert_vote(&v, CW_DIRECTION_NONE, 0);
	cw_analyzer_clear(&a);

	/* zero volume history */
	g_assert_true(cw_analyzer_init(&a, &spec, NULL));
	for (guint i = 0; i < 3; i++) {
		c = make_candle(i, 100, 100, 100, 100, 0);
		feed(&a, &c);
	}
	c = make_candle(3, 100, 102, 99, 101, 5);
	v = feed(&a, &c);
	g_assert_true(v.ready);
	assert_vote(&v, CW_DIRECTION_NONE, 0);
	cw_analyzer_clear(&a);
}

static void
test_donchian(void)
{
	CwAnalyzerSpec spec = {.kind = CW_ANALYZER_DONCHIAN, .weight = 1, .period = 3};
	CwAnalyzer a;
	CwCandle c;
	Vote v;

	g_assert_true(cw_analyzer_init(&a, &spec, NULL));
	for (guint i = 0; i < 3; i++) {
		c = make_candle(i, 9 + i, 10 + i, 8 + i, 9 + i, 1);
		v = feed(&a, &c);
		g_assert_false(v.ready);
	}
	/* previous channel: upper 12, lower 8, width 4. The candle's own high
	 * 13.5 must not count, or close 13 would not be a breakout. */
	c = make_candle(3, 12, 13.5, 12, 13, 1);
	v = feed(&a, &c);
	g_assert_true(v.ready);
	assert_vote(&v, CW_DIRECTION_LONG, 0.5 + 1.0 / 4);
	/* channel now 13.5 / 9: close inside */
	c = make_candle(4, 13, 13.2, 12.5, 13.1, 1);
	v = feed(&a, &c);
	assert_vote(&v, CW_DIRECTION_NONE, 0);
	/* channel (idx 2..4) 13.5 / 10: close 9.5 is 0.5 below, width 3.5 */
	c = make_candle(5, 13, 13, 9, 9.5, 1);
	v = feed(&a, &c);
	assert_vote(&v, CW_DIRECTION_SHORT, 0.5 + 0.5 / 3.5);
	/* channel 13.5 / 9, width 4.5: 2.5 below caps at 1 */
	c = make_candle(6, 9.5, 9.5, 6, 6.5, 1);
	v = feed(&a, &c);
	assert_vote(&v, CW_DIRECTION_SHORT, 1.0);
	cw_analyzer_clear(&a);

	/* flat channel, any break is full confidence */
	g_assert_true(cw_analyzer_init(&a, &spec, NULL));
	for (guint i = 0; i < 3; i++) {
		c = make_candle(i, 5, 5, 5, 5, 0);
		feed(&a, &c);
	}
	c = make_candle(3, 5, 5.1, 5, 5.1, 1);
	v = feed(&a, &c);
	assert_vote(&v, CW_DIRECTION_LONG, 1.0);
	cw_analyzer_clear(&a);
}

static void
test_adx(void)
{
	CwAnalyzerSpec spec = {.kind = CW_ANALYZER_ADX, .weight = 1, .period = 3, .threshold = 25};
	CwAnalyzer a;
	CwCandle c;
	Vote v = {0};

	/* a steady rise: -DM 0, DX 100, ADX 100 */
	g_assert_true(cw_analyzer_init(&a, &spec, NULL));
	for (guint i = 0; i < 8; i++) {
		c = make_candle(i, 100 + i, 101 + i, 99 + i, 100.5 + i, 1);
		v = feed(&a, &c);
		g_assert_cmpint(v.ready, ==, i >= 5);
		if (i < 5)
			assert_vote(&v, CW_DIRECTION_NONE, 0);
	}
	g_assert_cmpfloat(a.u.adx.adx, >=, 99.999);
	assert_vote(&v, CW_DIRECTION_LONG, 1.0);
	cw_analyzer_clear(&a);

	/* falling, then chop: direction by -DI, confidence ADX / 50 */
	g_assert_true(cw_analyzer_init(&a, &spec, NULL));
	for (guint i = 0; i < 8; i++) {
		c = make_candle(i, 100 - i, 101 - i, 99 - i, 99.5 - i, 1);
		v = feed(&a, &c);
	}
	assert_vote(&v, CW_DIRECTION_SHORT, 1.0);
	for (guint i = 8; i < 40; i++) {
		double base = i % 2 == 0 ? 93 : 93.4;

		c = make_candle(i, base, base + 1, base - 1, base, 1);
		v = feed(&a, &c);
	}
	/* alternating bars: +DM and -DM balance, ADX decays below 25 */
	g_assert_cmpfloat(a.u.adx.adx, <, 25);
	assert_vote(&v, CW_DIRECTION_NONE, 0);
	cw_analyzer_clear(&a);

	/* moderate trend: confidence is ADX / 50 */
	spec.threshold = 5;
	g_assert_true(cw_analyzer_init(&a, &spec, NULL));
	for (guint i = 0; i < 30; i++) {
		double base = 100 + 0.3 * i + (i % 2 == 0 ? 0.8 : 0);

		c = make_candle(i, base, base + 1, base - 1, base, 1);
		v = feed(&a, &c);
	}
	g_assert_cmpfloat(a.u.adx.adx, <, 50);
	g_assert_cmpfloat(a.u.adx.adx, >, 5);
	assert_vote(&v, a.u.adx.plus_di > a.u.adx.minus_di ? CW_DIRECTION_LONG : CW_DIRECTION_SHORT,
		    a.u.adx.adx / CW_ANALYZER_ADX_FULL);
	cw_analyzer_clear(&a);
}

static void
test_invalid(void)
{
	const struct {
		CwAnalyzerSpec spec;
		const char *message;
	} cases[] = {
	    {{.kind = CW_ANALYZER_EMA_CROSS, .weight = 1, .fast = 5, .slow = 5}, "ema_cross: need"},
	    {{.kind = CW_ANALYZER_EMA_CROSS, .weight = 1.5, .fast = 5, .slow = 8}, "weight"},
	    {{.kind = CW_ANALYZER_RSI,
	      .weight = 1,
	      .period = 14,
	      .lower = 30,
	      .upper = 70,
	      .mode = CW_ANALYZER_MODE_BREAKOUT},
	     "rsi: mode"},
	    {{.kind = CW_ANALYZER_RSI, .weight = 1, .period = 14, .lower = 70, .upper = 30},
	     "rsi: need"},
	    {{.kind = CW_ANALYZER_BOLLINGER, .weight = 1, .period = 20}, "stddev"},
	    {{.kind = CW_ANALYZER_DONCHIAN, .weight = 1}, "donchian: period"},
	    {{.kind = CW_ANALYZER_VOLUME_SPIKE, .weight = 1, .period = 20}, "multiplier"},
	    {{.kind = CW_ANALYZER_ATR_REGIME,
	      .weight = 1,
	      .period = 14,
	      .min_pct = 2,
	      .max_pct = 1},
	     "min_pct"},
	    {{.kind = CW_ANALYZER_ADX, .weight = 1, .period = 14, .threshold = 120}, "threshold"},
	    {{.kind = CW_ANALYZER_DONCHIAN,
	      .weight = 1,
	      .period = 20,
	      .mode = CW_ANALYZER_MODE_TREND},
	     "takes no mode"},
	    {{.kind = CW_ANALYZER_LAST, .weight = 1}, "unknown analyzer"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		CwAnalyzer a;

		g_assert_false(cw_analyzer_init(&a, &cases[i].spec, &error));
		g_assert_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER);
		if (strstr(error->message, cases[i].message) == NULL) {
			g_test_message("case %u: '%s' lacks '%s'", i, error->message,
				       cases[i].message);
			g_test_fail();
		}
		cw_analyzer_clear(&a);
	}
}

static const CwAnalyzerSpec step_specs[] = {
    {.kind = CW_ANALYZER_EMA_CROSS, .weight = 1, .fast = 3, .slow = 7},
    {.kind = CW_ANALYZER_EMA_CROSS,
     .weight = 1,
     .fast = 3,
     .slow = 7,
     .mode = CW_ANALYZER_MODE_TREND},
    {.kind = CW_ANALYZER_RSI, .weight = 1, .period = 5, .lower = 40, .upper = 60},
    {.kind = CW_ANALYZER_RSI,
     .weight = 1,
     .period = 5,
     .lower = 40,
     .upper = 60,
     .mode = CW_ANALYZER_MODE_TREND},
    {.kind = CW_ANALYZER_MACD, .weight = 1, .fast = 3, .slow = 6, .signal = 3},
    {.kind = CW_ANALYZER_BOLLINGER, .weight = 1, .period = 6, .stddev = 1},
    {.kind = CW_ANALYZER_BOLLINGER,
     .weight = 1,
     .period = 6,
     .stddev = 1,
     .mode = CW_ANALYZER_MODE_BREAKOUT},
    {.kind = CW_ANALYZER_STOCHASTIC,
     .weight = 1,
     .k_period = 5,
     .k_slowing = 2,
     .d_period = 2,
     .lower = 30,
     .upper = 70},
    {.kind = CW_ANALYZER_ATR_REGIME, .weight = 1, .period = 4, .min_pct = 0.1},
    {.kind = CW_ANALYZER_VOLUME_SPIKE, .weight = 1, .period = 4, .multiplier = 1.2},
    {.kind = CW_ANALYZER_DONCHIAN, .weight = 1, .period = 5},
    {.kind = CW_ANALYZER_ADX, .weight = 1, .period = 4, .threshold = 10},
};

/* A random walk of candles for the step tests. */
static CwCandle
walk_candle(guint i, guint32 *seed, double *close)
{
	double r[3];
	CwCandle c;

	for (guint j = 0; j < 3; j++) {
		*seed = *seed * 1664525u + 1013904223u;
		r[j] = (*seed >> 8) / 16777216.0;
	}
	c = make_candle(i, *close, 0, 0, *close + (r[0] - 0.5) * 4, 1 + 9 * r[2]);
	c.high = MAX(c.open, c.close) + r[1];
	c.low = MIN(c.open, c.close) - r[1];
	*close = c.close;
	return c;
}

/* cw_analyzer_step() gives bit for bit the vote and readiness of
 * cw_analyzer_update() + cw_analyzer_evaluate() + cw_analyzer_is_ready(),
 * for every kind and mode, through warm-up and after a reset. */
static void
test_step(void)
{
	for (guint k = 0; k < G_N_ELEMENTS(step_specs); k++) {
		CwAnalyzer a, b;
		guint32 seed = 12345 + k;
		double close = 100;
		guint n_ready = 0, n_votes = 0;

		g_assert_true(cw_analyzer_init(&a, &step_specs[k], NULL));
		g_assert_true(cw_analyzer_init(&b, &step_specs[k], NULL));
		for (guint i = 0; i < 400; i++) {
			CwCandle c;
			Vote va, vb;

			if (i == 200) {
				cw_analyzer_reset(&a);
				cw_analyzer_reset(&b);
			}
			c = walk_candle(i, &seed, &close);

			va = feed(&a, &c);
			vb.ready = cw_analyzer_step(&b, &c, &vb.dir, &vb.conf);
			g_assert_cmpint(va.ready, ==, vb.ready);
			g_assert_cmpint(va.dir, ==, vb.dir);
			g_assert_cmpmem(&va.conf, sizeof(double), &vb.conf, sizeof(double));
			n_ready += va.ready;
			n_votes += va.dir != CW_DIRECTION_NONE;
		}
		/* the series exercises the rule, not only the warm-up */
		g_assert_cmpuint(n_ready, >, 300);
		g_assert_cmpuint(n_votes, >, 0);
		cw_analyzer_clear(&a);
		cw_analyzer_clear(&b);
	}
}

/* cw_analyzer_step_votes() over every kind at once: the votes of
 * cw_analyzer_step() and the sums cw_aggregator_aggregate() takes, bit for bit. */
static void
test_step_votes(void)
{
	enum { N = G_N_ELEMENTS(step_specs) };
	CwAnalyzer a[N], b[N];
	CwAnalyzerVote votes[N];
	guint32 seed = 99;
	double close = 50;
	guint n_ready = 0;

	for (guint k = 0; k < N; k++) {
		g_assert_true(cw_analyzer_init(&a[k], &step_specs[k], NULL));
		g_assert_true(cw_analyzer_init(&b[k], &step_specs[k], NULL));
		votes[k] = (CwAnalyzerVote){.weight = 0.05 + 0.07 * k};
	}
	for (guint i = 0; i < 300; i++) {
		CwCandle c = walk_candle(i, &seed, &close);
		double want_long = 0, want_short = 0, sum_long = 0, sum_short = 0;
		gboolean want_ready = TRUE, ready;

		for (guint k = 0; k < N; k++) {
			CwDirection dir;
			double conf;

			if (!cw_analyzer_step(&a[k], &c, &dir, &conf))
				want_ready = FALSE;
			if (dir == CW_DIRECTION_LONG)
				want_long += votes[k].weight * conf;
			else if (dir == CW_DIRECTION_SHORT)
				want_short += votes[k].weight * conf;
		}
		ready = cw_analyzer_step_votes(b, votes, N, &c, &sum_long, &sum_short);
		g_assert_cmpint(ready, ==, want_ready);
		g_assert_cmpmem(&sum_long, sizeof(double), &want_long, sizeof(double));
		g_assert_cmpmem(&sum_short, sizeof(double), &want_short, sizeof(double));
		{
			CwSignal s1, s2;
			CwAggregationSpec spec = {.min_score = 0.05, .conflict_threshold = 0.01};
			CwAggregator agg;
			double total = 0;

			g_assert_true(cw_aggregator_init(&agg, &spec, NULL));
			for (guint k = 0; k < N; k++)
				total += votes[k].weight;
			cw_aggregator_aggregate(&agg, votes, N, 1, &s1);
			cw_aggregator_decide(&agg, total, sum_long, sum_short, 1, &s2);
			g_assert_cmpint(s1.direction, ==, s2.direction);
			g_assert_cmpmem(&s1.score_long, sizeof(double), &s2.score_long,
					sizeof(double));
			g_assert_cmpmem(&s1.score_short, sizeof(double), &s2.score_short,
					sizeof(double));
			g_assert_cmpmem(&s1.confidence, sizeof(double), &s2.confidence,
					sizeof(double));
		}
		n_ready += ready;
	}
	g_assert_cmpuint(n_ready, >, 200);
	for (guint k = 0; k < N; k++) {
		cw_analyzer_clear(&a[k]);
		cw_analyzer_clear(&b[k]);
	}
}

static void
test_memory(void)
{
	CwAnalyzerSpec spec = {.kind = CW_ANALYZER_DONCHIAN, .weight = 1, .period = 20};
	CwAnalyzer a;

	g_assert_true(cw_analyzer_init(&a, &spec, NULL));
	g_assert_cmpuint(cw_analyzer_get_memory_size(&a), >=, 2 * 20 * sizeof(double));
	g_assert_cmpstr(cw_analyzer_get_name(&a), ==, "donchian");
	cw_analyzer_clear(&a);
	cw_analyzer_clear(&a); /* twice is fine */
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/strategy/analyzer/ema-cross", test_ema_cross);
	g_test_add_func("/strategy/analyzer/ema-cross-scaled", test_ema_cross_scaled);
	g_test_add_func("/strategy/analyzer/rsi", test_rsi);
	g_test_add_func("/strategy/analyzer/macd", test_macd);
	g_test_add_func("/strategy/analyzer/bollinger", test_bollinger);
	g_test_add_func("/strategy/analyzer/stochastic", test_stochastic);
	g_test_add_func("/strategy/analyzer/atr-regime", test_atr_regime);
	g_test_add_func("/strategy/analyzer/volume-spike", test_volume_spike);
	g_test_add_func("/strategy/analyzer/donchian", test_donchian);
	g_test_add_func("/strategy/analyzer/adx", test_adx);
	g_test_add_func("/strategy/analyzer/invalid", test_invalid);
	g_test_add_func("/strategy/analyzer/step", test_step);
	g_test_add_func("/strategy/analyzer/step-votes", test_step_votes);
	g_test_add_func("/strategy/analyzer/memory", test_memory);
	return g_test_run();
}
