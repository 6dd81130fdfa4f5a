#include "cw-strategies.h"

#define MINUTE_MS (60 * G_GINT64_CONSTANT(1000))

static gint64
utc_ms(int year, int month, int day, int hour, int minute)
{
	g_autoptr(GDateTime) dt = g_date_time_new_utc(year, month, day, hour, minute, 0);

	return g_date_time_to_unix(dt) * 1000;
}

/* A 5-minute candle that closes at close_ms. */
static CwCandle
candle_closing_at(gint64 close_ms)
{
	CwCandle c = {.open_time = close_ms - 5 * MINUTE_MS,
		      .interval_ms = 5 * MINUTE_MS,
		      .open = 100,
		      .high = 101,
		      .low = 99,
		      .close = 100,
		      .volume = 1};
	return c;
}

static CwSessionFilter
make_session(const char *tz, guint start, guint end, guint8 days)
{
	CwSessionFilterSpec spec = {
	    .enabled = TRUE,
	    .timezone = (char *) tz,
	    .start_minute = start,
	    .end_minute = end,
	    .days_mask = days,
	};
	CwSessionFilter f;
	g_autoptr(GError) error = NULL;

	g_assert_true(cw_session_filter_init(&f, &spec, &error));
	g_assert_no_error(error);
	return f;
}

static void
test_session_day_window(void)
{
	/* 2023-03-15 is a Wednesday */
	CwSessionFilter f = make_session("UTC", 9 * 60, 17 * 60, 0x7f);
	CwCandle c;

	c = candle_closing_at(utc_ms(2023, 3, 15, 8, 55));
	g_assert_false(cw_session_filter_allows(&f, &c));
	/* the candle 08:55-09:00 closes at the start: inside */
	c = candle_closing_at(utc_ms(2023, 3, 15, 9, 0));
	g_assert_true(cw_session_filter_allows(&f, &c));
	c = candle_closing_at(utc_ms(2023, 3, 15, 16, 55));
	g_assert_true(cw_session_filter_allows(&f, &c));
	/* the end is exclusive */
	c = candle_closing_at(utc_ms(2023, 3, 15, 17, 0));
	g_assert_false(cw_session_filter_allows(&f, &c));
	cw_session_filter_clear(&f);

	/* disabled: everything passes */
	{
		CwSessionFilterSpec off = {.enabled = FALSE};

		g_assert_true(cw_session_filter_init(&f, &off, NULL));
		c = candle_closing_at(utc_ms(2023, 3, 15, 3, 0));
		g_assert_true(cw_session_filter_allows(&f, &c));
		cw_session_filter_clear(&f);
	}
}

static void
test_session_overnight(void)
{
	/* 22:00-06:00 UTC on Mondays only. 2023-03-13 is a Monday. */
	CwSessionFilter f = make_session(NULL, 22 * 60, 6 * 60, 1 << 0);

	g_assert_true(cw_session_filter_allows_time(&f, utc_ms(2023, 3, 13, 22, 0)));
	g_assert_true(cw_session_filter_allows_time(&f, utc_ms(2023, 3, 13, 23, 30)));
	/* Tuesday early morning still belongs to Monday's window */
	g_assert_true(cw_session_filter_allows_time(&f, utc_ms(2023, 3, 14, 0, 0)));
	g_assert_true(cw_session_filter_allows_time(&f, utc_ms(2023, 3, 14, 5, 59)));
	g_assert_false(cw_session_filter_allows_time(&f, utc_ms(2023, 3, 14, 6, 0)));
	/* Monday early morning belongs to Sunday's window: blocked */
	g_assert_false(cw_session_filter_allows_time(&f, utc_ms(2023, 3, 13, 3, 0)));
	/* Tuesday night starts Tuesday's window: blocked */
	g_assert_false(cw_session_filter_allows_time(&f, utc_ms(2023, 3, 14, 23, 0)));
	g_assert_false(cw_session_filter_allows_time(&f, utc_ms(2023, 3, 13, 12, 0)));
	cw_session_filter_clear(&f);

	/* Sundays only: Monday 03:00 is Sunday's window */
	f = make_session("UTC", 22 * 60, 6 * 60, 1 << 6);
	g_assert_true(cw_session_filter_allows_time(&f, utc_ms(2023, 3, 13, 3, 0)));
	g_assert_false(cw_session_filter_allows_time(&f, utc_ms(2023, 3, 14, 3, 0)));
	cw_session_filter_clear(&f);

	/* start == end: all day, with the same day rule */
	f = make_session("UTC", 8 * 60, 8 * 60, 1 << 0);
	g_assert_true(cw_session_filter_allows_time(&f, utc_ms(2023, 3, 13, 8, 0)));
	g_assert_true(cw_session_filter_allows_time(&f, utc_ms(2023, 3, 14, 7, 59)));
	g_assert_false(cw_session_filter_allows_time(&f, utc_ms(2023, 3, 14, 8, 0)));
	cw_session_filter_clear(&f);
}

static void
test_session_days_mask(void)
{
	/* Monday to Friday, 00:00-23:59. 2023-03-17 Friday, 18 Saturday, 19 Sunday */
	CwSessionFilter f = make_session("UTC", 0, 23 * 60 + 59, 0x1f);
	guint minute, weekday;

	g_assert_true(cw_session_filter_allows_time(&f, utc_ms(2023, 3, 17, 10, 0)));
	g_assert_false(cw_session_filter_allows_time(&f, utc_ms(2023, 3, 18, 10, 0)));
	g_assert_false(cw_session_filter_allows_time(&f, utc_ms(2023, 3, 19, 10, 0)));
	g_assert_true(cw_session_filter_allows_time(&f, utc_ms(2023, 3, 20, 10, 0)));

	cw_session_filter_local_time(&f, utc_ms(2023, 3, 19, 10, 7), &minute, &weekday);
	g_assert_cmpuint(minute, ==, 10 * 60 + 7);
	g_assert_cmpuint(weekday, ==, 7);
	cw_session_filter_clear(&f);

	/* a fixed offset zone, as the config allows: 22:30 UTC Sunday is 03:30
	 * Monday at +05:00 */
	f = make_session("+05:00", 0, 23 * 60 + 59, 0x1f);
	cw_session_filter_local_time(&f, utc_ms(2023, 3, 19, 22, 30), &minute, &weekday);
	g_assert_cmpuint(minute, ==, 3 * 60 + 30);
	g_assert_cmpuint(weekday, ==, 1);
	g_assert_true(cw_session_filter_allows_time(&f, utc_ms(2023, 3, 19, 22, 30)));

	/* before the epoch: 1969-12-31 was a Wednesday */
	cw_session_filter_local_time(&f, -6 * 60 * MINUTE_MS, &minute, &weekday);
	g_assert_cmpuint(minute, ==, 23 * 60);
	g_assert_cmpuint(weekday, ==, 3);
	cw_session_filter_clear(&f);
}

static void
test_session_dst(void)
{
	/* London: BST starts 2023-03-26 01:00 UTC and ends 2023-10-29 01:00 UTC */
	CwSessionFilter f = make_session("Europe/London", 8 * 60, 16 * 60, 0x7f);
	guint minute, weekday;
	CwCandle c;

	cw_session_filter_local_time(&f, utc_ms(2023, 3, 26, 0, 30), &minute, &weekday);
	g_assert_cmpuint(minute, ==, 30);
	g_assert_cmpuint(weekday, ==, 7);
	cw_session_filter_local_time(&f, utc_ms(2023, 3, 26, 1, 30), &minute, &weekday);
	g_assert_cmpuint(minute, ==, 2 * 60 + 30);
	cw_session_filter_local_time(&f, utc_ms(2023, 3, 27, 7, 30), &minute, &weekday);
	g_assert_cmpuint(minute, ==, 8 * 60 + 30);
	g_assert_cmpuint(weekday, ==, 1);

	/* 07:30 UTC is 07:30 local on Friday 24 March (GMT), 08:30 on Monday 27 (BST) */
	g_assert_false(cw_session_filter_allows_time(&f, utc_ms(2023, 3, 24, 7, 30)));
	g_assert_true(cw_session_filter_allows_time(&f, utc_ms(2023, 3, 27, 7, 30)));
	/* a candle 07:25-07:30 UTC on the 27th closes at 08:30 local */
	c = candle_closing_at(utc_ms(2023, 3, 27, 7, 30));
	g_assert_true(cw_session_filter_allows(&f, &c));
	/* 15:30 UTC is 16:30 BST: outside */
	g_assert_false(cw_session_filter_allows_time(&f, utc_ms(2023, 3, 27, 15, 30)));

	/* autumn: 00:30 UTC = 01:30 BST, 01:30 UTC = 01:30 GMT */
	cw_session_filter_local_time(&f, utc_ms(2023, 10, 29, 0, 30), &minute, &weekday);
	g_assert_cmpuint(minute, ==, 90);
	cw_session_filter_local_time(&f, utc_ms(2023, 10, 29, 1, 30), &minute, &weekday);
	g_assert_cmpuint(minute, ==, 90);
	g_assert_true(cw_session_filter_allows_time(&f, utc_ms(2023, 10, 27, 7, 30)));
	g_assert_false(cw_session_filter_allows_time(&f, utc_ms(2023, 10, 30, 7, 30)));
	g_assert_true(cw_session_filter_allows_time(&f, utc_ms(2023, 10, 30, 8, 30)));
	cw_session_filter_clear(&f);
}

static void
test_session_invalid(void)
{
	const CwSessionFilterSpec bad[] = {
	    {.enabled = TRUE, .timezone = (char *) "Mars/Olympus", .days_mask = 0x7f},
	    {.enabled = TRUE, .start_minute = 1440, .days_mask = 0x7f},
	    {.enabled = TRUE, .start_minute = 60, .end_minute = 120, .days_mask = 0},
	};
	const char *expect[] = {"Mars/Olympus", "1440", "no day"};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		CwSessionFilter f;

		g_assert_false(cw_session_filter_init(&f, &bad[i], &error));
		g_assert_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER);
		g_assert_nonnull(strstr(error->message, expect[i]));
		cw_session_filter_clear(&f);
	}
}

static void
test_volatility(void)
{
	/* range 2 around 100: TR 2, ATR 2, ATR% 2 */
	const struct {
		double min_pct, max_pct;
		gboolean allowed;
	} bands[] = {
	    {1, 3, TRUE}, {2.5, 5, FALSE}, {0.5, 1.5, FALSE}, {1.5, 0, TRUE}, /* no upper bound */
	};

	for (guint b = 0; b < G_N_ELEMENTS(bands); b++) {
		CwVolatilityFilterSpec spec = {
		    .enabled = TRUE,
		    .atr_period = 3,
		    .min_pct = bands[b].min_pct,
		    .max_pct = bands[b].max_pct,
		};
		CwVolatilityFilter f;

		g_assert_true(cw_volatility_filter_init(&f, &spec, NULL));
		for (guint i = 0; i < 5; i++) {
			CwCandle c = candle_closing_at((i + 1) * 5 * MINUTE_MS);

			cw_volatility_filter_update(&f, &c);
			/* ATR(3) is defined from the 4th candle; blocked before */
			g_assert_cmpint(cw_volatility_filter_is_ready(&f), ==, i >= 3);
			if (i < 3)
				g_assert_false(cw_volatility_filter_allows(&f));
		}
		g_assert_cmpfloat_with_epsilon(f.last_pct, 2.0, 1e-9);
		g_assert_cmpint(cw_volatility_filter_allows(&f), ==, bands[b].allowed);
		cw_volatility_filter_reset(&f);
		g_assert_false(cw_volatility_filter_allows(&f));
	}

	{
		CwVolatilityFilterSpec off = {.enabled = FALSE};
		CwVolatilityFilterSpec bad = {
		    .enabled = TRUE, .atr_period = 14, .min_pct = 3, .max_pct = 2};
		g_autoptr(GError) error = NULL;
		CwVolatilityFilter f;

		g_assert_true(cw_volatility_filter_init(&f, &off, NULL));
		g_assert_true(cw_volatility_filter_allows(&f));
		g_assert_false(cw_volatility_filter_init(&f, &bad, &error));
		g_assert_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER);
	}
}

/* Base candles of 5 minutes, times in minutes since a day boundary. */
static CwCandle
base(gint64 minute, double open, double high, double low, double close, double volume)
{
	CwCandle c = {.open_time = utc_ms(2023, 1, 2, 0, 0) + minute * MINUTE_MS,
		      .interval_ms = 5 * MINUTE_MS,
		      .open = open,
		      .high = high,
		      .low = low,
		      .close = close,
		      .volume = volume};
	return c;
}

static void
test_timeframe(void)
{
	gint64 day = utc_ms(2023, 1, 2, 0, 0);
	CwTimeframeAggregator tf;
	CwCandle out[CW_TIMEFRAME_AGGREGATOR_MAX_CLOSED];
	CwCandle c;

	cw_timeframe_aggregator_init(&tf, 15 * MINUTE_MS);

	/* a full bucket 00:00-00:15 closes with the candle 00:10-00:15 */
	c = base(0, 10, 12, 9, 11, 1);
	g_assert_cmpuint(cw_timeframe_aggregator_push(&tf, &c, out), ==, 0);
	c = base(5, 11, 15, 10, 14, 2);
	g_assert_cmpuint(cw_timeframe_aggregator_push(&tf, &c, out), ==, 0);
	c = base(10, 14, 14, 8, 9, 3);
	g_assert_cmpuint(cw_timeframe_aggregator_push(&tf, &c, out), ==, 1);
	g_assert_cmpint(out[0].open_time, ==, day);
	g_assert_cmpint(out[0].interval_ms, ==, 15 * MINUTE_MS);
	g_assert_cmpfloat(out[0].open, ==, 10);
	g_assert_cmpfloat(out[0].high, ==, 15);
	g_assert_cmpfloat(out[0].low, ==, 8);
	g_assert_cmpfloat(out[0].close, ==, 9);
	g_assert_cmpfloat(out[0].volume, ==, 6);

	/* gap: 00:25 is missing; the 00:30 candle closes the 00:15 bucket */
	c = base(15, 9, 10, 9, 10, 1);
	g_assert_cmpuint(cw_timeframe_aggregator_push(&tf, &c, out), ==, 0);
	c = base(20, 10, 11, 10, 11, 1);
	g_assert_cmpuint(cw_timeframe_aggregator_push(&tf, &c, out), ==, 0);
	c = base(30, 20, 21, 19, 20, 5);
	g_assert_cmpuint(cw_timeframe_aggregator_push(&tf, &c, out), ==, 1);
	g_assert_cmpint(out[0].open_time, ==, day + 15 * MINUTE_MS);
	g_assert_cmpfloat(out[0].open, ==, 9);
	g_assert_cmpfloat(out[0].close, ==, 11);
	g_assert_cmpfloat(out[0].volume, ==, 2);

	/* a late or repeated candle of a closed bucket is ignored */
	c = base(20, 50, 60, 40, 50, 9);
	g_assert_cmpuint(cw_timeframe_aggregator_push(&tf, &c, out), ==, 0);
	c = base(35, 20, 22, 20, 22, 1);
	g_assert_cmpuint(cw_timeframe_aggregator_push(&tf, &c, out), ==, 0);
	c = base(40, 22, 23, 21, 23, 1);
	g_assert_cmpuint(cw_timeframe_aggregator_push(&tf, &c, out), ==, 1);
	g_assert_cmpint(out[0].open_time, ==, day + 30 * MINUTE_MS);
	g_assert_cmpfloat(out[0].high, ==, 23);
	g_assert_cmpfloat(out[0].volume, ==, 7);

	/* gap that ends on a boundary: 00:45 opens a bucket, then 01:10 both
	 * closes it and closes its own bucket 01:00-01:15 */
	c = base(45, 30, 31, 29, 30, 1);
	g_assert_cmpuint(cw_timeframe_aggregator_push(&tf, &c, out), ==, 0);
	c = base(70, 40, 41, 39, 40, 2);
	g_assert_cmpuint(cw_timeframe_aggregator_push(&tf, &c, out), ==, 2);
	g_assert_cmpint(out[0].open_time, ==, day + 45 * MINUTE_MS);
	g_assert_cmpfloat(out[0].close, ==, 30);
	g_assert_cmpint(out[1].open_time, ==, day + 60 * MINUTE_MS);
	g_assert_cmpfloat(out[1].open, ==, 40);
	g_assert_cmpfloat(out[1].volume, ==, 2);

	/* reset forgets the bucket in progress */
	c = base(75, 1, 1, 1, 1, 1);
	g_assert_cmpuint(cw_timeframe_aggregator_push(&tf, &c, out), ==, 0);
	cw_timeframe_aggregator_reset(&tf);
	c = base(85, 2, 2, 2, 2, 1);
	g_assert_cmpuint(cw_timeframe_aggregator_push(&tf, &c, out), ==, 1);
	g_assert_cmpfloat(out[0].open, ==, 2);

	/* buckets are aligned to the epoch, not to the first candle: with 1 h,
	 * a start at 00:20 gives a partial 00:00 bucket closed by 00:55 */
	cw_timeframe_aggregator_init(&tf, 60 * MINUTE_MS);
	for (gint64 m = 20; m < 55; m += 5) {
		c = base(m, 1, 1, 1, 1, 1);
		g_assert_cmpuint(cw_timeframe_aggregator_push(&tf, &c, out), ==, 0);
	}
	c = base(55, 1, 1, 1, 1, 1);
	g_assert_cmpuint(cw_timeframe_aggregator_push(&tf, &c, out), ==, 1);
	g_assert_cmpint(out[0].open_time, ==, day);
	g_assert_cmpfloat(out[0].volume, ==, 8);

	/* same interval as the base: every candle closes one */
	cw_timeframe_aggregator_init(&tf, 5 * MINUTE_MS);
	c = base(5, 3, 4, 2, 3, 1);
	g_assert_cmpuint(cw_timeframe_aggregator_push(&tf, &c, out), ==, 1);
	g_assert_cmpint(out[0].open_time, ==, c.open_time);
}

static void
push_closes(CwMtfFilter *f, gint64 first_minute, const double *closes, guint n,
	    CwDirection *bias_after)
{
	for (guint i = 0; i < n; i++) {
		CwCandle c =
		    base(first_minute + 5 * i, closes[i], closes[i], closes[i], closes[i], 1);

		cw_mtf_filter_update(f, &c);
		bias_after[i] = cw_mtf_filter_is_ready(f) ? cw_mtf_filter_get_bias(f) : 99;
	}
}

static void
test_mtf(void)
{
	/* 15 min HTF over 5 min candles; bias = close vs EMA(2) of HTF closes */
	CwMtfFilterSpec spec = {.enabled = TRUE, .interval_ms = 15 * MINUTE_MS, .slow = 2};
	const double closes[] = {
	    100, 100, 100, /* HTF 1: close 100, EMA not ready */
	    108, 109, 110, /* HTF 2: close 110 > EMA 105: LONG */
	    95,  90,  90,  /* HTF 3: close 90 < EMA 95: SHORT, only at its close */
	    120, 121,      /* HTF 4 ... */
	};
	const CwDirection expected[] = {
	    99,
	    99,
	    99,
	    99,
	    99,
	    CW_DIRECTION_LONG,
	    CW_DIRECTION_LONG,
	    CW_DIRECTION_LONG,
	    CW_DIRECTION_SHORT,
	    CW_DIRECTION_SHORT,
	    CW_DIRECTION_SHORT,
	};
	CwDirection bias[G_N_ELEMENTS(closes)];
	CwMtfFilter f;

	G_STATIC_ASSERT(G_N_ELEMENTS(closes) == G_N_ELEMENTS(expected));
	g_assert_true(cw_mtf_filter_init(&f, &spec, NULL));
	/* before the warm-up entries are blocked, NONE is never blocked */
	g_assert_false(cw_mtf_filter_allows(&f, CW_DIRECTION_LONG));
	g_assert_false(cw_mtf_filter_allows(&f, CW_DIRECTION_SHORT));
	g_assert_true(cw_mtf_filter_allows(&f, CW_DIRECTION_NONE));
	push_closes(&f, 0, closes, G_N_ELEMENTS(closes), bias);
	for (guint i = 0; i < G_N_ELEMENTS(closes); i++)
		g_assert_cmpint(bias[i], ==, expected[i]);
	g_assert_true(cw_mtf_filter_allows(&f, CW_DIRECTION_SHORT));
	g_assert_false(cw_mtf_filter_allows(&f, CW_DIRECTION_LONG));
	g_assert_cmpint(f.bias_time, ==, utc_ms(2023, 1, 2, 0, 30));

	/* the last candle of HTF 4 is missing: the bias moves when the first
	 * candle of HTF 5 arrives (close 121 > EMA 95 + 2/3 * 26) */
	{
		CwCandle c = base(60, 121, 121, 121, 121, 1);

		cw_mtf_filter_update(&f, &c);
		g_assert_cmpint(cw_mtf_filter_get_bias(&f), ==, CW_DIRECTION_LONG);
		g_assert_cmpint(f.bias_time, ==, utc_ms(2023, 1, 2, 0, 45));
	}

	cw_mtf_filter_reset(&f);
	g_assert_false(cw_mtf_filter_is_ready(&f));
	g_assert_false(cw_mtf_filter_allows(&f, CW_DIRECTION_LONG));

	/* fast/slow EMAs: EMA(1) is the close itself vs EMA(3) */
	{
		CwMtfFilterSpec fs = {
		    .enabled = TRUE, .interval_ms = 15 * MINUTE_MS, .fast = 1, .slow = 3};
		const double fc[] = {100, 100, 100, 100, 100, 100, 100, 100, 90};
		CwDirection fb[G_N_ELEMENTS(fc)];
		CwMtfFilter g;

		g_assert_true(cw_mtf_filter_init(&g, &fs, NULL));
		push_closes(&g, 0, fc, G_N_ELEMENTS(fc), fb);
		g_assert_cmpint(fb[7], ==, 99);
		/* close 90 < EMA(3) 96.67 */
		g_assert_cmpint(fb[8], ==, CW_DIRECTION_SHORT);
	}

	/* flat HTF: equal EMAs give a NONE bias that blocks both sides */
	{
		const double flat[] = {100, 100, 100, 100, 100, 100};
		CwDirection fb[G_N_ELEMENTS(flat)];

		push_closes(&f, 0, flat, G_N_ELEMENTS(flat), fb);
		g_assert_cmpint(fb[5], ==, CW_DIRECTION_NONE);
		g_assert_false(cw_mtf_filter_allows(&f, CW_DIRECTION_LONG));
		g_assert_false(cw_mtf_filter_allows(&f, CW_DIRECTION_SHORT));
	}

	{
		CwMtfFilterSpec bad = {
		    .enabled = TRUE, .interval_ms = 15 * MINUTE_MS, .fast = 5, .slow = 5};
		CwMtfFilterSpec off = {.enabled = FALSE};
		g_autoptr(GError) error = NULL;
		CwMtfFilter g;

		g_assert_false(cw_mtf_filter_init(&g, &bad, &error));
		g_assert_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER);
		g_assert_true(cw_mtf_filter_init(&g, &off, NULL));
		g_assert_true(cw_mtf_filter_allows(&g, CW_DIRECTION_LONG));
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/strategy/filter/session/day-window", test_session_day_window);
	g_test_add_func("/strategy/filter/session/overnight", test_session_overnight);
	g_test_add_func("/strategy/filter/session/days-mask", test_session_days_mask);
	g_test_add_func("/strategy/filter/session/dst-london", test_session_dst);
	g_test_add_func("/strategy/filter/session/invalid", test_session_invalid);
	g_test_add_func("/strategy/filter/volatility", test_volatility);
	g_test_add_func("/strategy/filter/timeframe", test_timeframe);
	g_test_add_func("/strategy/filter/mtf", test_mtf);
	return g_test_run();
}
