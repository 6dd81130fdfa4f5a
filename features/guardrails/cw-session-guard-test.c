/* session: day and overnight windows, week days, blackout dates, DST, and
 * the flatten request at the end of a window. */
#include "cw-guardrails-test-utils.h"

#define BERLIN "Europe/Berlin"

static CwGuardVerdict
test_at(CwGuard *gate, gint64 now, gboolean exit)
{
	CwGuardContext ctx = test_ctx();
	CwOrder order;
	char reason[CW_REASON_LEN];

	ctx.now = now;
	if (exit) {
		ctx.position_qty = 1;
		order = test_exit(&ctx, CW_ORDER_PURPOSE_SIGNAL_EXIT);
	} else {
		order = test_entry(CW_SIDE_BUY, 1);
	}
	return test_check(gate, &ctx, &order, reason);
}

#define assert_open(gate, now)   g_assert_cmpint(test_at(gate, now, FALSE), ==, CW_GUARD_ALLOW)
#define assert_closed(gate, now) g_assert_cmpint(test_at(gate, now, FALSE), ==, CW_GUARD_REJECT)

static void
test_day_window(void)
{
	g_autoptr(CwGuard) gate =
	    test_gate("session",
		      "{'session': {'timezone': 'Europe/Berlin', 'start': '09:00', 'end': '17:30', "
		      "'days': ['mon', 'tue', 'wed', 'thu', 'fri']}}");
	CwGuardContext ctx = test_ctx();
	CwOrder order = test_entry(CW_SIDE_BUY, 1);

	/* Thursday 2023-06-01, CEST */
	assert_open(gate, test_local_ms(BERLIN, 2023, 6, 1, 9, 0));
	assert_closed(gate, test_local_ms(BERLIN, 2023, 6, 1, 9, 0) - 1);
	assert_open(gate, test_local_ms(BERLIN, 2023, 6, 1, 17, 29));
	assert_closed(gate, test_local_ms(BERLIN, 2023, 6, 1, 17, 30)); /* end is exclusive */
	ctx.now = test_local_ms(BERLIN, 2023, 6, 1, 8, 59);
	test_assert_reject(gate, &ctx, &order,
			   "session: outside the trading window 09:00-17:30 (mon,tue,wed,thu,fri) "
			   "Europe/Berlin; local time 2023-06-01 thu 08:59");
	/* exits pass outside the window */
	g_assert_cmpint(test_at(gate, test_local_ms(BERLIN, 2023, 6, 1, 20, 0), TRUE), ==,
			CW_GUARD_ALLOW);
	/* the weekend is closed */
	assert_closed(gate, test_local_ms(BERLIN, 2023, 6, 3, 10, 0));
	assert_closed(gate, test_local_ms(BERLIN, 2023, 6, 4, 10, 0));
	assert_open(gate, test_local_ms(BERLIN, 2023, 6, 5, 10, 0));
	g_assert_cmpint(test_at(gate, test_local_ms(BERLIN, 2023, 6, 3, 10, 0), TRUE), ==,
			CW_GUARD_ALLOW);
}

static void
test_overnight_window(void)
{
	/* Friday night only: 2023-06-02 is a Friday */
	g_autoptr(CwGuard) gate = test_gate(
	    "session", "{'session': {'start': '22:00', 'end': '06:00', 'days': ['fri']}}");
	gint64 fri = G_GINT64_CONSTANT(1685664000000); /* 2023-06-02T00:00Z */
	gint64 h = 3600 * 1000;

	assert_closed(gate, fri + 5 * h);      /* Fri 05:00 belongs to Thursday night */
	assert_closed(gate, fri + 22 * h - 1); /* Fri 21:59:59.999 */
	assert_open(gate, fri + 22 * h);
	assert_open(gate, fri + 23 * h + 59 * 60000);
	assert_open(gate, fri + 24 * h);              /* Sat 00:00 */
	assert_open(gate, fri + 30 * h - 1);          /* Sat 05:59:59.999 */
	assert_closed(gate, fri + 30 * h);            /* Sat 06:00 */
	assert_closed(gate, fri + 46 * h);            /* Sat 22:00: Saturday is not a day */
	assert_closed(gate, fri - 2 * h);             /* Thu 22:00 */
	assert_open(gate, fri + 7 * 24 * h + 22 * h); /* next Friday */
}

static void
test_dst(void)
{
	g_autoptr(CwGuard) day = test_gate(
	    "session",
	    "{'session': {'timezone': 'Europe/Berlin', 'start': '09:00', 'end': '17:00'}}");
	g_autoptr(CwGuard) night = test_gate(
	    "session",
	    "{'session': {'timezone': 'Europe/Berlin', 'start': '22:00', 'end': '06:00'}}");

	/* 09:00 is 08:00Z in winter, 07:00Z in summer: the switch is on the 26th */
	assert_open(day, G_GINT64_CONSTANT(1679731200000));       /* 2023-03-25T08:00Z */
	assert_closed(day, G_GINT64_CONSTANT(1679731200000) - 1); /* 07:59:59Z = 08:59 CET */
	assert_open(day, G_GINT64_CONSTANT(1679814000000));       /* 2023-03-26T07:00Z */
	assert_closed(day, G_GINT64_CONSTANT(1679814000000) - 1);
	assert_open(day, G_GINT64_CONSTANT(1679842740000));   /* 2023-03-26T14:59Z = 16:59 */
	assert_closed(day, G_GINT64_CONSTANT(1679842800000)); /* 15:00Z = 17:00 CEST */
	/* and back on 2023-10-29: 09:00 CET = 08:00Z */
	assert_closed(day, G_GINT64_CONSTANT(1698566400000) - 1); /* 2023-10-29T07:59:59Z */
	assert_open(day, G_GINT64_CONSTANT(1698566400000));
	/* the night of 25/26 March: 22:00 CET (21:00Z) to 06:00 CEST (04:00Z),
	 * seven hours */
	assert_closed(night, G_GINT64_CONSTANT(1679778000000) - 1); /* 2023-03-25T20:59:59Z */
	assert_open(night, G_GINT64_CONSTANT(1679778000000));       /* 21:00Z */
	assert_open(night, G_GINT64_CONSTANT(1679803200000) - 1);   /* 2023-03-26T03:59:59Z */
	assert_closed(night, G_GINT64_CONSTANT(1679803200000));     /* 04:00Z = 06:00 CEST */
	/* the night of 28/29 October: 22:00 CEST (20:00Z) to 06:00 CET (05:00Z),
	 * nine hours */
	assert_closed(night, G_GINT64_CONSTANT(1698523200000) - 1); /* 2023-10-28T19:59:59Z */
	assert_open(night, G_GINT64_CONSTANT(1698523200000));
	assert_open(night, G_GINT64_CONSTANT(1698555600000) - 1); /* 2023-10-29T04:59:59Z */
	assert_closed(night, G_GINT64_CONSTANT(1698555600000));   /* 05:00Z = 06:00 CET */
}

static void
test_blackout_dates(void)
{
	g_autoptr(CwGuard) day =
	    test_gate("session", "{'session': {'start': '09:00', 'end': '17:00', 'blackout_dates': "
				 "['2023-12-31', '2023-12-25']}}");
	g_autoptr(CwGuard) night =
	    test_gate("session", "{'session': {'start': '22:00', 'end': '06:00', 'blackout_dates': "
				 "['2023-12-24']}}");
	gint64 dec24 = G_GINT64_CONSTANT(1703376000000); /* 2023-12-24T00:00Z */
	gint64 h = 3600 * 1000;

	assert_open(day, dec24 + 10 * h);
	assert_closed(day, dec24 + 24 * h + 10 * h);
	assert_open(day, dec24 + 48 * h + 10 * h);
	assert_closed(day, dec24 + 7 * 24 * h + 10 * h);
	/* the night that starts on the 24th is blacked out, into the 25th */
	assert_open(night, dec24 + 2 * h); /* belongs to the 23rd */
	assert_closed(night, dec24 + 23 * h);
	assert_closed(night, dec24 + 26 * h);
	assert_open(night, dec24 + 47 * h); /* the 25th at 23:00 */
}

static void
test_flatten_at_end(void)
{
	g_autoptr(CwGuard) gate = test_gate(
	    "session", "{'session': {'start': '09:00', 'end': '17:00', 'flatten_at_end': true}}");
	g_autoptr(CwGuard) plain =
	    test_gate("session", "{'session': {'start': '09:00', 'end': '17:00'}}");
	g_autoptr(CwGuard) restored = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *state = NULL;
	CwGuardContext ctx = test_ctx();
	gint64 day = G_GINT64_CONSTANT(1685577600000); /* 2023-06-01T00:00Z */
	gint64 h = 3600 * 1000;

	ctx.position_qty = 1;
	ctx.now = day + 16 * h + 55 * 60000;
	cw_guard_on_candle(gate, &ctx, NULL);
	cw_guard_on_candle(plain, &ctx, NULL);
	g_assert_false(cw_guard_wants_flatten(gate));
	ctx.now = day + 17 * h;
	cw_guard_on_candle(gate, &ctx, NULL);
	cw_guard_on_candle(plain, &ctx, NULL);
	g_assert_true(cw_guard_wants_flatten(gate));
	g_assert_false(cw_guard_wants_flatten(plain));
	/* the request survives a restart */
	state = cw_guard_save_state(gate);
	restored = test_gate(
	    "session", "{'session': {'start': '09:00', 'end': '17:00', 'flatten_at_end': true}}");
	g_assert_true(cw_guard_load_state(restored, state, &error));
	g_assert_no_error(error);
	g_assert_true(cw_guard_wants_flatten(restored));
	/* it stays up until the bot is flat */
	ctx.now += TEST_5M;
	cw_guard_on_candle(gate, &ctx, NULL);
	g_assert_true(cw_guard_wants_flatten(gate));
	ctx.position_qty = 0;
	cw_guard_on_fill(gate, &ctx, NULL);
	g_assert_false(cw_guard_wants_flatten(gate));
	/* a window that ends flat asks nothing */
	ctx.now = day + 24 * h + 16 * h;
	cw_guard_on_candle(gate, &ctx, NULL);
	ctx.now = day + 24 * h + 18 * h;
	cw_guard_on_candle(gate, &ctx, NULL);
	g_assert_false(cw_guard_wants_flatten(gate));
	/* the end is seen by check() too */
	ctx.position_qty = 2;
	ctx.now = day + 48 * h + 12 * h;
	cw_guard_on_candle(gate, &ctx, NULL);
	ctx.now = day + 48 * h + 17 * h + 1;
	{
		CwOrder close = test_exit(&ctx, CW_ORDER_PURPOSE_SIGNAL_EXIT);

		test_assert_allow(gate, &ctx, &close);
	}
	g_assert_true(cw_guard_wants_flatten(gate));
	/* and a new window clears it */
	ctx.now = day + 72 * h + 9 * h;
	cw_guard_on_candle(gate, &ctx, NULL);
	g_assert_false(cw_guard_wants_flatten(gate));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/guardrails/session/day-window", test_day_window);
	g_test_add_func("/guardrails/session/overnight", test_overnight_window);
	g_test_add_func("/guardrails/session/dst", test_dst);
	g_test_add_func("/guardrails/session/blackout-dates", test_blackout_dates);
	g_test_add_func("/guardrails/session/flatten-at-end", test_flatten_at_end);
	return g_test_run();
}
