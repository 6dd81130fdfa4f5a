/* daily_loss: percent and amount limits at, below and above; reduce-only
 * until the next local midnight, which DST moves (Europe/Berlin, 23-hour
 * 2023-03-26 and 25-hour 2023-10-29); emergency close. */
#include "cw-guardrails-test-utils.h"

static void
test_percent(void)
{
	g_autoptr(CwGuard) gate = test_gate("daily_loss", "{'daily_loss': {'percent': 5}}");
	CwGuardContext ctx = test_ctx();
	CwOrder entry = test_entry(CW_SIDE_BUY, 1);
	CwOrder close;

	/* the first observation of the day sets the day-start equity */
	cw_guard_on_candle(gate, &ctx, NULL);
	ctx.now += TEST_5M;
	ctx.equity = 9500; /* exactly -5 % */
	test_assert_allow(gate, &ctx, &entry);
	ctx.equity = 9500.5;
	test_assert_allow(gate, &ctx, &entry);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_ACTIVE);
	ctx.equity = 9499;
	test_assert_reject(gate, &ctx, &entry,
			   "reduce-only: order would increase the position (daily loss limit "
			   "exceeded: -5.01% < -5.00%)");
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_REDUCE_ONLY);
	/* closing orders pass, increases do not */
	ctx.position_qty = 2;
	close = test_exit(&ctx, CW_ORDER_PURPOSE_SIGNAL_EXIT);
	test_assert_allow(gate, &ctx, &close);
	ctx.reduces = FALSE;
	test_assert_reject(gate, &ctx, &entry, NULL);
	/* a recovery the same day does not lift it */
	ctx.equity = 9900;
	cw_guard_on_candle(gate, &ctx, NULL);
	test_assert_reject(gate, &ctx, &entry, NULL);
	g_assert_false(cw_guard_wants_flatten(gate)); /* no emergency_close */
	/* the next UTC midnight starts a new day from the equity then */
	ctx.now = TEST_NOW + 12 * 3600 * 1000 - 1;
	test_assert_reject(gate, &ctx, &entry, NULL);
	ctx.now = TEST_NOW + 12 * 3600 * 1000;
	ctx.equity = 9000;
	test_assert_allow(gate, &ctx, &entry);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_ACTIVE);
	ctx.equity = 8550; /* -5 % of 9000 */
	test_assert_allow(gate, &ctx, &entry);
	ctx.equity = 8549;
	cw_guard_on_fill(gate, &ctx, NULL);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_REDUCE_ONLY);
}

static void
test_amount(void)
{
	g_autoptr(CwGuard) gate = test_gate("daily_loss", "{'daily_loss': {'amount': 500}}");
	CwGuardContext ctx = test_ctx();
	CwOrder entry = test_entry(CW_SIDE_BUY, 1);
	CwTrade trade = {.net_pnl = -600};

	cw_guard_on_candle(gate, &ctx, NULL);
	ctx.equity = 9500;
	test_assert_allow(gate, &ctx, &entry);
	ctx.equity = 9500.01;
	test_assert_allow(gate, &ctx, &entry);
	/* realized or not: the tally is equity, updated on a trade too */
	ctx.equity = 9400;
	cw_guard_on_trade(gate, &ctx, &trade);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_REDUCE_ONLY);
	test_assert_reject(gate, &ctx, &entry,
			   "reduce-only: order would increase the position (daily loss limit "
			   "exceeded: -600.00 < -500.00)");
}

/* Triggers the gate on local day (y, m, d) of Europe/Berlin and returns the
 * first instant at which it is active again. */
static gint64
test_reset_instant(CwGuard *gate, gint y, gint m, gint d)
{
	CwGuardContext ctx = test_ctx();
	CwOrder entry = test_entry(CW_SIDE_BUY, 1);
	gint64 lo, hi;

	ctx.now = test_local_ms("Europe/Berlin", y, m, d, 0, 30);
	cw_guard_on_candle(gate, &ctx, NULL); /* day start equity 10000 */
	ctx.now = test_local_ms("Europe/Berlin", y, m, d, 10, 0);
	ctx.equity = 9000;
	cw_guard_on_candle(gate, &ctx, NULL);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_REDUCE_ONLY);
	/* bisect for the reset between 10:00 local and two days later */
	lo = ctx.now;
	hi = ctx.now + 2 * 86400 * 1000;
	while (hi - lo > 1) {
		gint64 mid = lo + (hi - lo) / 2;
		g_autoptr(CwGuard) probe = NULL;
		g_autofree char *state = cw_guard_save_state(gate);
		g_autoptr(GError) error = NULL;
		char reason[CW_REASON_LEN];

		/* probe a copy so the original keeps its day */
		probe = test_gate("daily_loss",
				  "{'daily_loss': {'percent': 5, 'timezone': 'Europe/Berlin'}}");
		g_assert_true(cw_guard_load_state(probe, state, &error));
		g_assert_no_error(error);
		ctx.now = mid;
		if (test_check(probe, &ctx, &entry, reason) == CW_GUARD_ALLOW)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

static void
test_berlin_midnight(void)
{
	g_autoptr(CwGuard) gate = NULL;
	gint64 reset;

	/* an ordinary day: 2023-06-01 00:00 CEST = 2023-05-31T22:00Z */
	gate =
	    test_gate("daily_loss", "{'daily_loss': {'percent': 5, 'timezone': 'Europe/Berlin'}}");
	reset = test_reset_instant(gate, 2023, 5, 31);
	g_assert_cmpint(reset, ==, test_local_ms("Europe/Berlin", 2023, 6, 1, 0, 0));
	g_assert_cmpint(reset, ==, G_GINT64_CONSTANT(1685570400000)); /* 2023-05-31T22:00Z */
}

static void
test_berlin_spring_forward(void)
{
	g_autoptr(CwGuard) gate =
	    test_gate("daily_loss", "{'daily_loss': {'percent': 5, 'timezone': 'Europe/Berlin'}}");
	gint64 start = test_local_ms("Europe/Berlin", 2023, 3, 26, 0, 0);
	gint64 reset = test_reset_instant(gate, 2023, 3, 26);

	/* 2023-03-26 has 23 hours: 00:00 CET (23:00Z) to 00:00 CEST (22:00Z) */
	g_assert_cmpint(start, ==, G_GINT64_CONSTANT(1679785200000)); /* 2023-03-25T23:00Z */
	g_assert_cmpint(reset, ==, G_GINT64_CONSTANT(1679868000000)); /* 2023-03-26T22:00Z */
	g_assert_cmpint(reset - start, ==, G_GINT64_CONSTANT(23) * 3600 * 1000);
}

static void
test_berlin_fall_back(void)
{
	g_autoptr(CwGuard) gate =
	    test_gate("daily_loss", "{'daily_loss': {'percent': 5, 'timezone': 'Europe/Berlin'}}");
	gint64 start = test_local_ms("Europe/Berlin", 2023, 10, 29, 0, 0);
	gint64 reset = test_reset_instant(gate, 2023, 10, 29);

	/* 2023-10-29 has 25 hours: 00:00 CEST (22:00Z) to 00:00 CET (23:00Z) */
	g_assert_cmpint(start, ==, G_GINT64_CONSTANT(1698530400000)); /* 2023-10-28T22:00Z */
	g_assert_cmpint(reset, ==, G_GINT64_CONSTANT(1698620400000)); /* 2023-10-29T23:00Z */
	g_assert_cmpint(reset - start, ==, G_GINT64_CONSTANT(25) * 3600 * 1000);
}

static void
test_emergency_close(void)
{
	g_autoptr(CwGuard) gate =
	    test_gate("daily_loss", "{'daily_loss': {'percent': 2, 'emergency_close': true}}");
	g_autoptr(CwGuard) flat_gate =
	    test_gate("daily_loss", "{'daily_loss': {'percent': 2, 'emergency_close': true}}");
	CwGuardContext ctx = test_ctx();

	cw_guard_on_candle(gate, &ctx, NULL);
	cw_guard_on_candle(flat_gate, &ctx, NULL);
	g_assert_false(cw_guard_wants_flatten(gate));
	/* hit with a position open: flatten until the bot is seen flat */
	ctx.position_qty = 3;
	ctx.equity = 9700;
	ctx.now += TEST_5M;
	cw_guard_on_candle(gate, &ctx, NULL);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_REDUCE_ONLY);
	g_assert_true(cw_guard_wants_flatten(gate));
	ctx.now += TEST_5M;
	cw_guard_on_candle(gate, &ctx, NULL);
	g_assert_true(cw_guard_wants_flatten(gate));
	ctx.position_qty = 0;
	cw_guard_on_fill(gate, &ctx, NULL);
	g_assert_false(cw_guard_wants_flatten(gate));
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_REDUCE_ONLY);
	/* hit while flat: nothing to close */
	cw_guard_on_candle(flat_gate, &ctx, NULL);
	g_assert_cmpint(cw_guard_get_mode(flat_gate), ==, CW_BOT_MODE_REDUCE_ONLY);
	g_assert_false(cw_guard_wants_flatten(flat_gate));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/guardrails/daily-loss/percent", test_percent);
	g_test_add_func("/guardrails/daily-loss/amount", test_amount);
	g_test_add_func("/guardrails/daily-loss/berlin-midnight", test_berlin_midnight);
	g_test_add_func("/guardrails/daily-loss/berlin-2023-03-26", test_berlin_spring_forward);
	g_test_add_func("/guardrails/daily-loss/berlin-2023-10-29", test_berlin_fall_back);
	g_test_add_func("/guardrails/daily-loss/emergency-close", test_emergency_close);
	return g_test_run();
}
