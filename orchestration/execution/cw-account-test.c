/* Account: position bookkeeping, cash/equity invariant, drawdown, exposure
 * and trade records, checked against hand-computed numbers. */
#include "cw-execution-test-utils.h"

#include <math.h>

static CwFill
fill(CwSide side, double qty, double price, double fee, gint64 time, CwOrderPurpose purpose)
{
	CwFill f = {.side = side, .qty = qty, .price = price, .fee = fee, .time = time};

	f.purpose = purpose;
	return f;
}

static void
check_invariant(const CwAccount *acc)
{
	const CwPosition *p = &acc->position;
	double unrealized = p->direction == CW_DIRECTION_NONE
				? 0
				: p->qty * (acc->mark_price - p->entry_price) * p->direction;

	cw_assert_close(acc->cash, acc->initial_balance + acc->realized_pnl - acc->fees);
	cw_assert_close(acc->unrealized_pnl, unrealized);
	cw_assert_close(acc->equity, acc->cash + unrealized);
}

static void
test_long_round_trip(void)
{
	CwAccount acc;
	CwFill f;
	const CwTrade *trade = NULL;
	CwCandle c;

	cw_account_init(&acc, 7, 9, 1000, 4);
	g_assert_true(cw_account_is_flat(&acc));

	f = fill(CW_SIDE_BUY, 2, 100, 0.1, 1000, CW_ORDER_PURPOSE_ENTRY);
	g_assert_cmpint(cw_account_apply_fill(&acc, &f, &trade), ==, CW_ACCOUNT_FILL_OPENED);
	g_assert_null(trade);
	g_assert_cmpint(acc.position.direction, ==, CW_DIRECTION_LONG);
	cw_assert_close(acc.position.qty, 2);
	cw_assert_close(acc.cash, 999.9);
	cw_assert_close(cw_account_get_signed_qty(&acc), 2);
	check_invariant(&acc);

	c = cw_test_candle(0, 100, 111, 99, 110);
	cw_account_on_candle(&acc, &c);
	cw_assert_close(acc.unrealized_pnl, 20);
	cw_assert_close(acc.equity, 1019.9);
	cw_assert_close(acc.peak_equity, 1019.9);
	check_invariant(&acc);

	f = fill(CW_SIDE_SELL, 1, 110, 0.055, 2000, CW_ORDER_PURPOSE_TAKE_PROFIT);
	g_assert_cmpint(cw_account_apply_fill(&acc, &f, &trade), ==, CW_ACCOUNT_FILL_REDUCED);
	cw_assert_close(acc.realized_pnl, 10);
	cw_assert_close(acc.cash, 1009.845);
	cw_assert_close(acc.equity, 1019.845);
	cw_assert_close(acc.position.qty, 1);
	cw_assert_close(acc.position.initial_qty, 2);
	check_invariant(&acc);

	c = cw_test_candle(1, 110, 110, 89, 90);
	cw_account_on_candle(&acc, &c);
	cw_assert_close(acc.equity, 999.845);
	cw_assert_close(acc.max_drawdown, 1019.9 - 999.845);
	cw_assert_close(acc.max_drawdown_pct, (1019.9 - 999.845) / 1019.9 * 100);
	check_invariant(&acc);

	f = fill(CW_SIDE_SELL, 1, 90, 0.045, 3000, CW_ORDER_PURPOSE_STOP_LOSS);
	g_assert_cmpint(cw_account_apply_fill(&acc, &f, &trade), ==, CW_ACCOUNT_FILL_CLOSED);
	g_assert_nonnull(trade);
	g_assert_cmpuint(acc.trades->len, ==, 1);
	g_assert_true(trade == &g_array_index(acc.trades, CwTrade, 0));
	g_assert_cmpint(trade->direction, ==, CW_DIRECTION_LONG);
	g_assert_cmpuint(trade->strategy_id, ==, 7);
	g_assert_cmpuint(trade->symbol, ==, 9);
	g_assert_cmpint(trade->entry_time, ==, 1000);
	g_assert_cmpint(trade->exit_time, ==, 3000);
	cw_assert_close(trade->entry_price, 100);
	cw_assert_close(trade->exit_price, 100); /* (110 + 90) / 2 */
	cw_assert_close(trade->qty, 2);
	cw_assert_close(trade->fees, 0.2);
	cw_assert_close(trade->gross_pnl, 0);
	cw_assert_close(trade->net_pnl, -0.2);
	g_assert_cmpint(trade->exit_reason, ==, CW_ORDER_PURPOSE_STOP_LOSS);
	g_assert_cmpuint(trade->seq, ==, 1);
	g_assert_true(cw_account_is_flat(&acc));
	cw_assert_close(acc.cash, 999.8);
	cw_assert_close(acc.equity, 999.8);
	cw_assert_close(cw_account_get_net_pnl(&acc), -0.2);
	check_invariant(&acc);

	/* exposure: two candles, both with the position open */
	g_assert_cmpuint(acc.n_candles, ==, 2);
	g_assert_cmpuint(acc.exposure_candles, ==, 2);
	c = cw_test_candle(2, 90, 90, 90, 90);
	cw_account_on_candle(&acc, &c);
	cw_assert_close(cw_account_get_exposure(&acc), 2.0 / 3.0);
	cw_account_clear(&acc);
}

static void
test_short_and_reverse(void)
{
	CwAccount acc;
	CwFill f;
	const CwTrade *trade = NULL;

	cw_account_init(&acc, 1, 0, 500, 1);
	f = fill(CW_SIDE_SELL, 1, 50, 0, 0, CW_ORDER_PURPOSE_ENTRY);
	g_assert_cmpint(cw_account_apply_fill(&acc, &f, NULL), ==, CW_ACCOUNT_FILL_OPENED);
	cw_account_mark(&acc, 40);
	cw_assert_close(acc.unrealized_pnl, 10);
	cw_assert_close(cw_account_get_signed_qty(&acc), -1);
	check_invariant(&acc);

	/* adding averages the entry */
	f = fill(CW_SIDE_SELL, 1, 40, 0, 0, CW_ORDER_PURPOSE_ENTRY);
	g_assert_cmpint(cw_account_apply_fill(&acc, &f, NULL), ==, CW_ACCOUNT_FILL_INCREASED);
	cw_assert_close(acc.position.entry_price, 45);
	cw_assert_close(acc.position.qty, 2);

	/* buying 3 closes the short of 2 and opens a long of 1 */
	f = fill(CW_SIDE_BUY, 3, 30, 0.3, 10, CW_ORDER_PURPOSE_SIGNAL_EXIT);
	g_assert_cmpint(cw_account_apply_fill(&acc, &f, &trade), ==, CW_ACCOUNT_FILL_REVERSED);
	g_assert_nonnull(trade);
	cw_assert_close(trade->gross_pnl, 30); /* 2 * (45 - 30) */
	cw_assert_close(trade->fees, 0.2);     /* 2/3 of the fee */
	cw_assert_close(trade->net_pnl, 29.8);
	g_assert_cmpint(acc.position.direction, ==, CW_DIRECTION_LONG);
	cw_assert_close(acc.position.qty, 1);
	cw_assert_close(acc.position.fees, 0.1);
	cw_assert_close(acc.cash, 500 + 30 - 0.3);
	check_invariant(&acc);
	/* growing past the reserved capacity still works */
	f = fill(CW_SIDE_SELL, 1, 31, 0, 11, CW_ORDER_PURPOSE_STOP_LOSS);
	g_assert_cmpint(cw_account_apply_fill(&acc, &f, &trade), ==, CW_ACCOUNT_FILL_CLOSED);
	g_assert_cmpuint(acc.trades->len, ==, 2);
	g_assert_cmpuint(trade->seq, ==, 2);
	cw_account_clear(&acc);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/execution/account/long-round-trip", test_long_round_trip);
	g_test_add_func("/execution/account/short-and-reverse", test_short_and_reverse);
	return g_test_run();
}
