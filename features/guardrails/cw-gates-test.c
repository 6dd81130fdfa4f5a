/* Every gate at its limit, just below and just above; reduce-only and
 * halted semantics; service-wide exposure and kill switch across bots. */
#include "cw-guardrails-test-utils.h"

static void
test_registry(void)
{
	static const char *const expected[] = {
	    "kill_switch",          "circuit_breaker", "max_drawdown",
	    "daily_loss",           "loss_streak",     "session",
	    "stale_data_intervals", "price_band_pct",  "max_order_value",
	    "position_cap",         "max_positions",   "max_leverage",
	    "max_exposure_pct",     "rate_limit",      "dry_run",
	    "instrument",
	};
	g_autoptr(GPtrArray) names = NULL;

	cw_guardrails_register_types();
	cw_guardrails_register_types(); /* idempotent */
	names = cw_extension_get_names(CW_EXTENSION_POINT_GUARD);
	g_assert_cmpuint(names->len, ==, G_N_ELEMENTS(expected));
	/* GIO sorts by priority, highest first: the pipeline order */
	for (guint i = 0; i < names->len; i++)
		g_assert_cmpstr(g_ptr_array_index(names, i), ==, expected[i]);
}

static void
test_inactive_without_config(void)
{
	static const char *const always[] = {"kill_switch", "max_positions", "max_exposure_pct"};
	g_autoptr(CwBotConfig) config = test_config(NULL);
	g_autoptr(CwBotConfig) empty = test_config("{}");
	g_autoptr(GPtrArray) names = NULL;

	cw_guardrails_register_types();
	names = cw_extension_get_names(CW_EXTENSION_POINT_GUARD);
	for (guint i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		gboolean active = FALSE;

		for (guint j = 0; j < G_N_ELEMENTS(always); j++)
			active |= g_str_equal(name, always[j]);
		g_object_unref(test_gate_from_config(name, config, active));
		g_object_unref(test_gate_from_config(name, empty, active));
	}
	/* dry_run: false is configured but inactive */
	{
		g_autoptr(CwBotConfig) off = test_config("{'dry_run': false}");

		g_object_unref(test_gate_from_config("dry_run", off, FALSE));
	}
}

static void
test_max_order_value(void)
{
	g_autoptr(CwGuard) gate = test_gate("max_order_value", "{'max_order_value': 1000}");
	CwGuardContext ctx = test_ctx();
	CwOrder order = test_entry(CW_SIDE_BUY, 10); /* 10 x 100 = 1000 */

	test_assert_allow(gate, &ctx, &order);
	order.qty = 9.99;
	test_assert_allow(gate, &ctx, &order);
	order.qty = 10.01;
	test_assert_reject(gate, &ctx, &order,
			   "max order value exceeded: 10.01 x 100 = 1001.00 > 1000.00");
	/* limit orders are valued at their price */
	order.type = CW_ORDER_TYPE_LIMIT;
	order.price = 99.9;
	test_assert_allow(gate, &ctx, &order);
	order.price = 100.1;
	test_assert_reject(gate, &ctx, &order, NULL);
	/* a close of any size passes */
	ctx.position_qty = 50;
	order = test_exit(&ctx, CW_ORDER_PURPOSE_SIGNAL_EXIT);
	test_assert_allow(gate, &ctx, &order);
}

static void
test_position_cap(void)
{
	g_autoptr(CwGuard) by_qty = test_gate("position_cap", "{'position_cap': {'max_qty': 2}}");
	g_autoptr(CwGuard) by_value =
	    test_gate("position_cap", "{'position_cap': {'max_notional': 150}}");
	CwGuardContext ctx = test_ctx();
	CwOrder order = test_entry(CW_SIDE_BUY, 0.5);

	ctx.position_qty = 1.5;
	test_assert_allow(by_qty, &ctx, &order); /* 2.0, at the cap */
	order.qty = 0.49;
	test_assert_allow(by_qty, &ctx, &order);
	order.qty = 0.51;
	test_assert_reject(by_qty, &ctx, &order,
			   "position cap: BTCUSDT position would be 2.01 > max_qty 2");
	/* shorts count by absolute size */
	ctx.position_qty = -1.5;
	order = test_entry(CW_SIDE_SELL, 0.5);
	test_assert_allow(by_qty, &ctx, &order);
	order.qty = 0.51;
	test_assert_reject(by_qty, &ctx, &order, NULL);
	/* a flip past the cap is not a reduction */
	ctx.position_qty = 1;
	order = test_entry(CW_SIDE_SELL, 3.5);
	test_assert_reject(by_qty, &ctx, &order,
			   "position cap: BTCUSDT position would be 2.5 > max_qty 2");
	/* reducing a position above the cap passes */
	ctx.position_qty = 3;
	order = test_exit(&ctx, CW_ORDER_PURPOSE_TAKE_PROFIT);
	order.qty = 1;
	test_assert_allow(by_qty, &ctx, &order);

	ctx = test_ctx();
	ctx.position_qty = 1;
	order = test_entry(CW_SIDE_BUY, 0.5); /* 1.5 x 100 = 150 */
	test_assert_allow(by_value, &ctx, &order);
	order.qty = 0.51;
	test_assert_reject(by_value, &ctx, &order,
			   "position cap: BTCUSDT position would be worth 151.00 > max_notional "
			   "150.00");
	order.qty = 0.49;
	test_assert_allow(by_value, &ctx, &order);
}

static void
test_max_positions(void)
{
	CwServiceContext *service = cw_service_context_get_default();
	g_autoptr(CwGuard) gate = NULL;
	g_autoptr(CwGuard) other_bot = NULL;
	g_autoptr(CwGuard) other_exposure = NULL;
	CwGuardContext ctx, other;
	CwOrder order = test_entry(CW_SIDE_BUY, 1);

	cw_service_context_reset(service);
	gate = test_gate("max_positions", "{'max_positions': 2}");
	ctx = test_ctx();
	ctx.open_positions = 1;
	test_assert_allow(gate, &ctx, &order);
	ctx.open_positions = 2;
	test_assert_reject(gate, &ctx, &order, "max positions: 2 open, max_positions 2");
	/* adding to a position or closing one does not open a new one */
	ctx.position_qty = 1;
	test_assert_allow(gate, &ctx, &order);
	order = test_exit(&ctx, CW_ORDER_PURPOSE_SIGNAL_EXIT);
	test_assert_allow(gate, &ctx, &order);

	/* service-wide: another bot holds 2 positions */
	cw_service_context_set_setting(service, CW_SETTING_MAX_POSITIONS_TOTAL,
				       g_variant_new_uint32(3));
	other_exposure = test_gate("max_exposure_pct", "{}");
	other = test_ctx();
	other.strategy_id = g_quark_from_static_string("bot-2:main");
	other.position_qty = 1;
	other.open_positions = 2;
	cw_guard_on_candle(other_exposure, &other, NULL);
	other_bot = test_gate("max_positions", "{}"); /* no bot key: the setting alone */
	ctx = test_ctx();
	order = test_entry(CW_SIDE_BUY, 1);
	test_assert_allow(other_bot, &ctx, &order); /* 2 + 0 < 3 */
	ctx.open_positions = 1;
	test_assert_reject(other_bot, &ctx, &order,
			   "max positions total: 3 open (2 bots), max_positions_total 3");
	/* the bot key is stricter than the setting */
	g_clear_object(&gate);
	gate = test_gate("max_positions", "{'max_positions_total': 2}");
	ctx.open_positions = 0;
	test_assert_reject(gate, &ctx, &order,
			   "max positions total: 2 open (2 bots), max_positions_total 2");
	/* a changed setting applies at once to a gate that has read it before */
	cw_service_context_set_setting(service, CW_SETTING_MAX_POSITIONS_TOTAL,
				       g_variant_new_uint32(4));
	ctx.open_positions = 1;
	test_assert_allow(other_bot, &ctx, &order); /* 2 + 1 < 4 */
	ctx.open_positions = 2;
	test_assert_reject(other_bot, &ctx, &order,
			   "max positions total: 4 open (2 bots), max_positions_total 4");
	cw_service_context_set_setting(service, CW_SETTING_MAX_POSITIONS_TOTAL, NULL);
	test_assert_allow(other_bot, &ctx, &order); /* no limit any more */
	cw_service_context_set_setting(service, CW_SETTING_MAX_POSITIONS_TOTAL,
				       g_variant_new_uint32(3));
	cw_service_context_reset(service);
	test_assert_allow(other_bot, &ctx, &order); /* reset forgets the setting */
	cw_service_context_reset(service);
}

static void
test_max_leverage(void)
{
	g_autoptr(CwGuard) gate = test_gate("max_leverage", "{'max_leverage': 2}");
	CwGuardContext ctx = test_ctx();
	CwOrder order = test_entry(CW_SIDE_BUY, 200); /* 20000 / 10000 = 2x */

	test_assert_allow(gate, &ctx, &order);
	order.qty = 199;
	test_assert_allow(gate, &ctx, &order);
	order.qty = 201;
	test_assert_reject(gate, &ctx, &order,
			   "max leverage exceeded: 20100.00 / 10000.00 = 2.01x > 2.00x");
	ctx.position_qty = -100; /* short 100, sell 101 more: 201 x 100 */
	order = test_entry(CW_SIDE_SELL, 101);
	test_assert_reject(gate, &ctx, &order, NULL);
	order.qty = 100;
	test_assert_allow(gate, &ctx, &order);
	ctx.equity = 0;
	test_assert_reject(gate, &ctx, &order, "max leverage: equity is 0.00, no new exposure");
	order = test_exit(&ctx, CW_ORDER_PURPOSE_STOP_LOSS);
	test_assert_allow(gate, &ctx, &order);
}

static void
test_price_band(void)
{
	g_autoptr(CwGuard) gate = test_gate("price_band_pct", "{'price_band_pct': 5}");
	CwGuardContext ctx = test_ctx();
	CwOrder order = test_entry(CW_SIDE_BUY, 1);

	test_assert_allow(gate, &ctx, &order); /* market orders have no price */
	order.type = CW_ORDER_TYPE_LIMIT;
	order.price = 105;
	test_assert_allow(gate, &ctx, &order);
	order.price = 104.99;
	test_assert_allow(gate, &ctx, &order);
	order.price = 105.01;
	test_assert_reject(gate, &ctx, &order,
			   "price band: limit price 105.01 is 5.01% from the mark 100 (max 5.00%)");
	order.price = 94.99;
	test_assert_reject(gate, &ctx, &order, NULL);
	order.price = 95;
	test_assert_allow(gate, &ctx, &order);
	/* stop entries are judged by their trigger */
	order.type = CW_ORDER_TYPE_STOP;
	order.price = 0;
	order.stop_price = 106;
	test_assert_reject(gate, &ctx, &order,
			   "price band: stop price 106 is 6.00% from the mark 100 (max 5.00%)");
	/* a protective stop far away passes */
	ctx.position_qty = 1;
	order = test_exit(&ctx, CW_ORDER_PURPOSE_STOP_LOSS);
	order.type = CW_ORDER_TYPE_STOP;
	order.stop_price = 80;
	test_assert_allow(gate, &ctx, &order);
	/* but a reducing limit order is still a fat finger */
	order.type = CW_ORDER_TYPE_LIMIT;
	order.price = 80;
	test_assert_reject(gate, &ctx, &order, NULL);
}

static void
test_stale_data(void)
{
	g_autoptr(CwGuard) gate = test_gate("stale_data_intervals", "{'stale_data_intervals': 2}");
	CwGuardContext ctx = test_ctx();
	CwOrder order = test_entry(CW_SIDE_BUY, 1);
	gint64 closed = ctx.last_candle_time + ctx.interval_ms;

	ctx.now = closed + 2 * TEST_5M; /* exactly K intervals */
	test_assert_allow(gate, &ctx, &order);
	ctx.now = closed + 2 * TEST_5M - 1;
	test_assert_allow(gate, &ctx, &order);
	ctx.now = closed + 2 * TEST_5M + 1;
	test_assert_reject(
	    gate, &ctx, &order,
	    "stale data: last candle closed 600 s ago, more than 2 intervals (600 s)");
	ctx.now = closed + 3 * TEST_5M;
	test_assert_reject(
	    gate, &ctx, &order,
	    "stale data: last candle closed 900 s ago, more than 2 intervals (600 s)");
	ctx.position_qty = 1;
	order = test_exit(&ctx, CW_ORDER_PURPOSE_SIGNAL_EXIT);
	test_assert_allow(gate, &ctx, &order);
	ctx = test_ctx();
	ctx.last_candle_time = 0;
	order = test_entry(CW_SIDE_BUY, 1);
	test_assert_reject(gate, &ctx, &order, "stale data: no closed candle yet, no new entries");
}

static void
test_instrument(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = test_config_full(
	    NULL,
	    "'instrument': {'tick_size': 0.5, 'lot_step': 0.001, 'min_qty': 0.002, "
	    "'min_notional': 5}",
	    &error);
	g_autoptr(CwGuard) gate = NULL;
	g_autoptr(CwBotConfig) bare = test_config(NULL);
	CwGuardContext ctx = test_ctx();
	CwOrder order = test_entry(CW_SIDE_BUY, 0.0123);
	char reason[CW_REASON_LEN];

	g_assert_no_error(error);
	g_object_unref(test_gate_from_config("instrument", bare, FALSE));
	gate = test_gate_from_config("instrument", config, TRUE);
	ctx.mark_price = 1000;
	/* quantized down to the lot step */
	g_assert_cmpint(cw_guard_check(gate, &ctx, &order, reason, sizeof reason), ==,
			CW_GUARD_MODIFY);
	g_assert_cmpfloat_with_epsilon(order.qty, 0.012, 1e-12);
	g_assert_nonnull(strstr(reason, "qty 0.0123 -> 0.012"));
	/* already on the grid: unchanged */
	g_assert_cmpint(cw_guard_check(gate, &ctx, &order, reason, sizeof reason), ==,
			CW_GUARD_ALLOW);
	/* limit prices round to the tick */
	order.type = CW_ORDER_TYPE_LIMIT;
	order.price = 1000.3;
	g_assert_cmpint(cw_guard_check(gate, &ctx, &order, reason, sizeof reason), ==,
			CW_GUARD_MODIFY);
	g_assert_cmpfloat(order.price, ==, 1000.5);
	order.price = 1000.2;
	g_assert_cmpint(cw_guard_check(gate, &ctx, &order, reason, sizeof reason), ==,
			CW_GUARD_MODIFY);
	g_assert_cmpfloat(order.price, ==, 1000.0);
	/* min_qty: at, below */
	order = test_entry(CW_SIDE_BUY, 0.002);
	ctx.mark_price = 2500; /* 0.002 x 2500 = 5 = min_notional */
	test_assert_allow(gate, &ctx, &order);
	order.qty = 0.0029; /* floors to 0.002 */
	g_assert_cmpint(test_check(gate, &ctx, &order, reason), ==, CW_GUARD_MODIFY);
	order.qty = 0.0019;
	test_assert_reject(gate, &ctx, &order,
			   "instrument: qty 0.001 is below the minimum 0.002 of BTCUSDT");
	order.qty = 0.0004;
	test_assert_reject(gate, &ctx, &order,
			   "instrument: qty 0.0004 is below one lot step 0.001 of BTCUSDT");
	/* min_notional: just below */
	order.qty = 0.002;
	ctx.mark_price = 2499;
	test_assert_reject(gate, &ctx, &order,
			   "instrument: order value 4.998 is below the minimum 5 of BTCUSDT");
	/* rules in the context win over the config's */
	{
		CwInstrument fresh = {.lot_step = 0.01};

		ctx.instrument = &fresh;
		order = test_entry(CW_SIDE_BUY, 0.0093);
		test_assert_reject(gate, &ctx, &order,
				   "instrument: qty 0.0093 is below one lot step 0.01 of BTCUSDT");
	}
}

static void
test_dry_run(void)
{
	g_autoptr(CwGuard) gate = test_gate("dry_run", "{'dry_run': true}");
	CwInstrument rules = {.lot_step = 0.001, .tick_size = 0.5};
	CwGuardContext ctx = test_ctx();
	CwOrder order = test_entry(CW_SIDE_BUY, 0.0123);

	ctx.instrument = &rules;
	test_assert_reject(gate, &ctx, &order, "dry run: would send buy 0.012 BTCUSDT market");
	order = test_entry(CW_SIDE_SELL, 0.5);
	order.type = CW_ORDER_TYPE_LIMIT;
	order.price = 2500.2;
	test_assert_reject(gate, &ctx, &order, "dry run: would send sell 0.5 BTCUSDT limit @ 2500");
	/* exits too: nothing reaches the broker */
	ctx.position_qty = 1;
	order = test_exit(&ctx, CW_ORDER_PURPOSE_STOP_LOSS);
	test_assert_reject(gate, &ctx, &order, "dry run: would send sell 1 BTCUSDT market");
}

static void
test_kill_switch(void)
{
	CwServiceContext *service = cw_service_context_get_default();
	g_autoptr(CwGuard) gate = NULL;
	g_autoptr(CwGuard) gate2 = NULL;
	CwGuardContext ctx = test_ctx();
	CwGuardContext ctx2 = test_ctx();
	CwOrder order = test_entry(CW_SIDE_BUY, 1);
	CwOrder close;

	cw_service_context_reset(service);
	gate = test_gate("kill_switch", NULL);
	gate2 = test_gate("kill_switch", NULL);
	ctx2.strategy_id = g_quark_from_static_string("bot-2:main");
	test_assert_allow(gate, &ctx, &order);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_ACTIVE);

	cw_service_context_set_halt_all(service, TRUE);
	g_assert_true(cw_service_context_get_halt_all(service));
	test_assert_reject(gate, &ctx, &order,
			   "reduce-only: order would increase the position (kill switch: trading "
			   "halted service-wide)");
	test_assert_reject(gate2, &ctx2, &order, NULL);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_REDUCE_ONLY);
	ctx.position_qty = 2;
	close = test_exit(&ctx, CW_ORDER_PURPOSE_MANUAL_EXIT);
	test_assert_allow(gate, &ctx, &close);

	cw_service_context_set_halt_all(service, FALSE);
	ctx = test_ctx();
	test_assert_allow(gate, &ctx, &order);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_ACTIVE);

	/* one bot alone */
	cw_service_context_set_bot_halted(service, ctx.strategy_id, TRUE);
	test_assert_reject(gate, &ctx, &order,
			   "reduce-only: order would increase the position (kill switch: trading "
			   "halted for this bot)");
	test_assert_allow(gate2, &ctx2, &order);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_REDUCE_ONLY);
	g_assert_cmpint(cw_guard_get_mode(gate2), ==, CW_BOT_MODE_ACTIVE);
	cw_service_context_set_bot_halted(service, ctx.strategy_id, FALSE);
	test_assert_allow(gate, &ctx, &order);
	/* the mode asked every candle follows the switches as they move */
	cw_guard_on_candle(gate, &ctx, NULL);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_ACTIVE);
	cw_service_context_set_bot_halted(service, ctx.strategy_id, TRUE);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_REDUCE_ONLY);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_REDUCE_ONLY);
	cw_service_context_reset(service);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_ACTIVE);
	cw_service_context_set_bot_halted(service, ctx2.strategy_id, TRUE);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_ACTIVE);
	cw_service_context_reset(service);
}

static void
test_reduce_only_and_halted(void)
{
	CwGuardContext ctx = test_ctx();
	CwOrder order;
	char reason[CW_REASON_LEN];

	/* long 2: a sell of 1 reduces, a buy increases, a sell of 3 flips */
	ctx.position_qty = 2;
	order = test_exit(&ctx, CW_ORDER_PURPOSE_TAKE_PROFIT);
	order.qty = 1;
	g_assert_cmpint(
	    cw_gate_check_mode(CW_BOT_MODE_REDUCE_ONLY, &ctx, &order, "x", reason, sizeof reason),
	    ==, CW_GUARD_ALLOW);
	ctx.reduces = FALSE;
	order = test_entry(CW_SIDE_BUY, 1);
	g_assert_cmpint(
	    cw_gate_check_mode(CW_BOT_MODE_REDUCE_ONLY, &ctx, &order, "why", reason, sizeof reason),
	    ==, CW_GUARD_REJECT);
	g_assert_cmpstr(reason, ==, "reduce-only: order would increase the position (why)");
	order = test_entry(CW_SIDE_SELL, 3);
	g_assert_cmpint(
	    cw_gate_check_mode(CW_BOT_MODE_REDUCE_ONLY, &ctx, &order, "why", reason, sizeof reason),
	    ==, CW_GUARD_REJECT);

	/* halted: only reducing stops, manual and guard exits */
	order = test_exit(&ctx, CW_ORDER_PURPOSE_MANUAL_EXIT);
	g_assert_cmpint(
	    cw_gate_check_mode(CW_BOT_MODE_HALTED, &ctx, &order, "why", reason, sizeof reason), ==,
	    CW_GUARD_ALLOW);
	order = test_exit(&ctx, CW_ORDER_PURPOSE_GUARD_EXIT);
	g_assert_cmpint(
	    cw_gate_check_mode(CW_BOT_MODE_HALTED, &ctx, &order, "why", reason, sizeof reason), ==,
	    CW_GUARD_ALLOW);
	order = test_exit(&ctx, CW_ORDER_PURPOSE_SIGNAL_EXIT);
	g_assert_cmpint(
	    cw_gate_check_mode(CW_BOT_MODE_HALTED, &ctx, &order, "why", reason, sizeof reason), ==,
	    CW_GUARD_REJECT);
	order = test_exit(&ctx, CW_ORDER_PURPOSE_STOP_LOSS);
	g_assert_cmpint(
	    cw_gate_check_mode(CW_BOT_MODE_HALTED, &ctx, &order, "why", reason, sizeof reason), ==,
	    CW_GUARD_ALLOW);
	order = test_exit(&ctx, CW_ORDER_PURPOSE_TRAILING_STOP);
	g_assert_cmpint(
	    cw_gate_check_mode(CW_BOT_MODE_HALTED, &ctx, &order, "why", reason, sizeof reason), ==,
	    CW_GUARD_ALLOW);
	order = test_exit(&ctx, CW_ORDER_PURPOSE_TAKE_PROFIT);
	g_assert_cmpint(
	    cw_gate_check_mode(CW_BOT_MODE_HALTED, &ctx, &order, "why", reason, sizeof reason), ==,
	    CW_GUARD_REJECT);
	g_assert_cmpstr(reason, ==, "halted: only stops and manual/guard exits pass (why)");
	ctx.reduces = FALSE;
	order = test_order(CW_SIDE_BUY, 1, CW_ORDER_PURPOSE_STOP_LOSS); /* increases */
	g_assert_cmpint(
	    cw_gate_check_mode(CW_BOT_MODE_HALTED, &ctx, &order, "why", reason, sizeof reason), ==,
	    CW_GUARD_REJECT);
	g_assert_cmpint(
	    cw_gate_check_mode(CW_BOT_MODE_ACTIVE, &ctx, &order, "why", reason, sizeof reason), ==,
	    CW_GUARD_ALLOW);
}

static CwTrade
test_trade(double net_pnl)
{
	CwTrade trade = {.net_pnl = net_pnl, .gross_pnl = net_pnl};

	return trade;
}

static void
test_loss_streak(void)
{
	g_autoptr(CwGuard) gate = test_gate(
	    "loss_streak",
	    "{'loss_streak': {'multipliers': [[2, 0.75], [3, 0.5], [4, 0.25]], 'stop_after': 6}}");
	CwGuardContext ctx = test_ctx();
	CwOrder entry = test_entry(CW_SIDE_BUY, 1);
	CwOrder order;
	CwTrade loss = test_trade(-10), win = test_trade(5), flat = test_trade(0);
	static const double expected[] = {1, 1, 0.75, 0.5, 0.25, 0.25};
	char reason[CW_REASON_LEN];

	for (guint losses = 0; losses < G_N_ELEMENTS(expected); losses++) {
		order = entry;
		reason[0] = '\0';
		g_assert_cmpint(cw_guard_check(gate, &ctx, &order, reason, sizeof reason), ==,
				expected[losses] < 1 ? CW_GUARD_MODIFY : CW_GUARD_ALLOW);
		g_assert_cmpfloat_with_epsilon(order.qty, expected[losses], 1e-12);
		g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_ACTIVE);
		if (losses + 1 < G_N_ELEMENTS(expected))
			cw_guard_on_trade(gate, &ctx, &loss);
	}
	g_assert_cmpstr(reason, ==, "loss streak 5: qty x 0.25 (1 -> 0.25)");
	/* a breakeven trade changes nothing; a win resets */
	cw_guard_on_trade(gate, &ctx, &flat);
	cw_guard_on_trade(gate, &ctx, &win);
	test_assert_allow(gate, &ctx, &entry);
	for (guint i = 0; i < 3; i++)
		cw_guard_on_trade(gate, &ctx, &loss);
	order = entry;
	g_assert_cmpint(cw_guard_check(gate, &ctx, &order, reason, sizeof reason), ==,
			CW_GUARD_MODIFY);
	g_assert_cmpfloat(order.qty, ==, 0.5);
	/* exits are never resized */
	ctx.position_qty = 1;
	order = test_exit(&ctx, CW_ORDER_PURPOSE_SIGNAL_EXIT);
	g_assert_cmpint(cw_guard_check(gate, &ctx, &order, reason, sizeof reason), ==,
			CW_GUARD_ALLOW);
	g_assert_cmpfloat(order.qty, ==, 1);
	/* stop_after 6: the sixth loss in a row halts, and a win does not undo it */
	for (guint i = 0; i < 2; i++)
		cw_guard_on_trade(gate, &ctx, &loss);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_ACTIVE);
	cw_guard_on_trade(gate, &ctx, &loss);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_HALTED);
	ctx = test_ctx();
	test_assert_reject(gate, &ctx, &entry,
			   "halted: only stops and manual/guard exits pass (loss streak: 6 losing "
			   "trades in a row (stop_after 6))");
	ctx.position_qty = 1;
	order = test_exit(&ctx, CW_ORDER_PURPOSE_STOP_LOSS);
	test_assert_allow(gate, &ctx, &order);
	cw_guard_on_trade(gate, &ctx, &win);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_HALTED);
}

static void
test_rate_limit(void)
{
	g_autoptr(CwGuard) gate =
	    test_gate("rate_limit", "{'rate_limit': {'orders_per_minute': 3}}");
	CwGuardContext ctx = test_ctx();
	CwOrder order = test_entry(CW_SIDE_BUY, 1);
	gint64 t0 = ctx.now;

	for (guint i = 0; i < 3; i++) {
		ctx.now = t0 + i * 1000;
		test_assert_allow(gate, &ctx, &order);
	}
	ctx.now = t0 + 3000;
	test_assert_reject(gate, &ctx, &order,
			   "rate limit: 3 orders in the last 60 s, max 3 per minute");
	ctx.now = t0 + 59999;
	test_assert_reject(gate, &ctx, &order, NULL);
	/* t0 leaves the window at t0 + 60 s */
	ctx.now = t0 + 60000;
	test_assert_allow(gate, &ctx, &order);
	test_assert_reject(gate, &ctx, &order, NULL);
	ctx.now = t0 + 61000;
	test_assert_allow(gate, &ctx, &order);
	/* much later the window is empty again: the ring wraps cleanly */
	for (guint i = 0; i < 3; i++) {
		ctx.now = t0 + 3600000 + i;
		test_assert_allow(gate, &ctx, &order);
	}
	ctx.now = t0 + 3600000 + 3;
	test_assert_reject(gate, &ctx, &order, NULL);
}

static void
test_circuit_breaker(void)
{
	g_autoptr(CwGuard) gate = test_gate(
	    "circuit_breaker", "{'circuit_breaker': {'max_errors': 3, 'cooldown_seconds': 60}}");
	g_autoptr(GError) broker_error =
	    g_error_new_literal(CW_CORE_ERROR, CW_CORE_ERROR_REJECTED, "insufficient margin");
	CwGuardContext ctx = test_ctx();
	CwOrder order = test_entry(CW_SIDE_BUY, 1);
	CwOrder stop;
	CwFill fill = {.qty = 1, .price = 100};
	gint64 t0 = ctx.now;

	cw_guard_on_order_error(gate, &ctx, &order, broker_error);
	cw_guard_on_order_error(gate, &ctx, &order, broker_error);
	test_assert_allow(gate, &ctx, &order);
	/* a fill breaks the run of errors */
	cw_guard_on_fill(gate, &ctx, &fill);
	cw_guard_on_order_error(gate, &ctx, &order, broker_error);
	cw_guard_on_order_error(gate, &ctx, &order, broker_error);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_ACTIVE);
	test_assert_allow(gate, &ctx, &order);
	/* the third in a row trips it for 60 s */
	cw_guard_on_order_error(gate, &ctx, &order, broker_error);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_HALTED);
	ctx.now = t0 + 59000;
	test_assert_reject(
	    gate, &ctx, &order,
	    "halted: only stops and manual/guard exits pass (circuit breaker open: 3 "
	    "broker errors in a row, 1 s of the 60 s cool-down left)");
	ctx.position_qty = 1;
	stop = test_exit(&ctx, CW_ORDER_PURPOSE_STOP_LOSS);
	test_assert_allow(gate, &ctx, &stop);
	/* a fill during the cool-down does not clear it */
	cw_guard_on_fill(gate, &ctx, &fill);
	ctx = test_ctx();
	ctx.now = t0 + 59999;
	test_assert_reject(gate, &ctx, &order, NULL);
	/* after the cool-down orders pass, but one more error trips it again */
	ctx.now = t0 + 60000;
	test_assert_allow(gate, &ctx, &order);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_ACTIVE);
	cw_guard_on_order_error(gate, &ctx, &order, broker_error);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_HALTED);
	ctx.now = t0 + 60000 + 30000;
	test_assert_reject(gate, &ctx, &order, NULL);
	/* the first fill after the cool-down clears it */
	ctx.now = t0 + 120000;
	cw_guard_on_fill(gate, &ctx, &fill);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_ACTIVE);
	cw_guard_on_order_error(gate, &ctx, &order, broker_error);
	cw_guard_on_order_error(gate, &ctx, &order, broker_error);
	test_assert_allow(gate, &ctx, &order);
	g_assert_cmpint(cw_guard_get_mode(gate), ==, CW_BOT_MODE_ACTIVE);
}

static void
test_max_drawdown(void)
{
	g_autoptr(CwGuard) halt =
	    test_gate("max_drawdown", "{'max_drawdown': {'percent': 20, 'action': 'halt'}}");
	g_autoptr(CwGuard) reduce = test_gate("max_drawdown", "{'max_drawdown': {'percent': 20}}");
	CwGuardContext ctx = test_ctx();
	CwOrder order = test_entry(CW_SIDE_BUY, 1);
	CwOrder close;

	ctx.equity = 8000; /* exactly 20 % below the peak */
	test_assert_allow(halt, &ctx, &order);
	ctx.equity = 8001;
	test_assert_allow(halt, &ctx, &order);
	g_assert_cmpint(cw_guard_get_mode(halt), ==, CW_BOT_MODE_ACTIVE);
	ctx.equity = 7999;
	cw_guard_on_candle(halt, &ctx, NULL);
	g_assert_cmpint(cw_guard_get_mode(halt), ==, CW_BOT_MODE_HALTED);
	test_assert_reject(halt, &ctx, &order,
			   "halted: only stops and manual/guard exits pass (max drawdown exceeded: "
			   "20.01% > 20.00% below the peak 10000.00)");
	/* latched: a recovery does not lift it */
	ctx.equity = 9900;
	test_assert_reject(halt, &ctx, &order, NULL);

	ctx.equity = 7999;
	test_assert_reject(reduce, &ctx, &order,
			   "reduce-only: order would increase the position (max drawdown exceeded: "
			   "20.01% > 20.00% below the peak 10000.00)");
	g_assert_cmpint(cw_guard_get_mode(reduce), ==, CW_BOT_MODE_REDUCE_ONLY);
	ctx.position_qty = 1;
	close = test_exit(&ctx, CW_ORDER_PURPOSE_SIGNAL_EXIT);
	test_assert_allow(reduce, &ctx, &close);
	test_assert_reject(halt, &ctx, &close, NULL);
}

static void
test_exposure_two_bots(void)
{
	CwServiceContext *service = cw_service_context_get_default();
	g_autoptr(CwGuard) bot_a = NULL;
	g_autoptr(CwGuard) bot_b = NULL;
	g_autoptr(CwGuard) strict = NULL;
	CwGuardContext a = test_ctx(), b = test_ctx();
	CwOrder order;
	CwBotExposure row, total;

	cw_service_context_reset(service);
	cw_service_context_set_setting(service, CW_SETTING_MAX_EXPOSURE_PCT,
				       g_variant_new_double(50));
	bot_a = test_gate("max_exposure_pct", NULL);
	bot_b = test_gate("max_exposure_pct", NULL);
	a.strategy_id = g_quark_from_static_string("bot-a:main");
	b.strategy_id = g_quark_from_static_string("bot-b:main");
	/* bot a holds 30 x 100 = 3000 */
	a.position_qty = 30;
	a.open_positions = 1;
	cw_guard_on_candle(bot_a, &a, NULL);
	g_assert_true(cw_service_context_get_exposure(service, a.strategy_id, &row));
	g_assert_cmpfloat(row.notional, ==, 3000);
	g_assert_cmpfloat(row.equity, ==, 10000);
	g_assert_cmpuint(row.open_positions, ==, 1);
	/* bot b, flat: (3000 + 7000) / 20000 = 50 % */
	order = test_entry(CW_SIDE_BUY, 70);
	test_assert_allow(bot_b, &b, &order);
	order.qty = 69.9;
	test_assert_allow(bot_b, &b, &order);
	order.qty = 70.1;
	test_assert_reject(
	    bot_b, &b, &order,
	    "exposure limit exceeded: 50.05% > 50.00% (10010.00 of 20000.00 equity, 2 bots)");
	/* bot b's own row counts once it exists, and not twice for itself */
	b.position_qty = 40;
	cw_guard_on_candle(bot_b, &b, NULL);
	g_assert_cmpuint(cw_service_context_sum_exposure(service, 0, &total), ==, 2);
	g_assert_cmpfloat(total.notional, ==, 7000);
	order.qty = 30; /* (3000 + 7000) / 20000 */
	test_assert_allow(bot_b, &b, &order);
	order.qty = 31;
	test_assert_reject(bot_b, &b, &order, NULL);
	/* bot a may still close */
	order = test_exit(&a, CW_ORDER_PURPOSE_SIGNAL_EXIT);
	test_assert_allow(bot_a, &a, &order);
	/* a bot's own key is stricter than the setting */
	strict = test_gate("max_exposure_pct", "{'max_exposure_pct': 30}");
	order = test_entry(CW_SIDE_BUY, 20); /* (3000 + 6000) / 20000 = 45 % */
	test_assert_reject(
	    strict, &b, &order,
	    "exposure limit exceeded: 45.00% > 30.00% (9000.00 of 20000.00 equity, 2 bots)");
	/* a stopped bot leaves the table: bot b alone, 40 + 10 = 5000 / 10000 */
	g_clear_object(&bot_a);
	g_assert_false(cw_service_context_get_exposure(service, a.strategy_id, NULL));
	order.qty = 10;
	test_assert_allow(bot_b, &b, &order);
	order.qty = 11;
	test_assert_reject(
	    bot_b, &b, &order,
	    "exposure limit exceeded: 51.00% > 50.00% (5100.00 of 10000.00 equity, 1 bot)");
	/* a changed setting applies at once to a gate that has read it before */
	cw_service_context_set_setting(service, CW_SETTING_MAX_EXPOSURE_PCT,
				       g_variant_new_double(60));
	test_assert_allow(bot_b, &b, &order);
	order.qty = 21;
	test_assert_reject(
	    bot_b, &b, &order,
	    "exposure limit exceeded: 61.00% > 60.00% (6100.00 of 10000.00 equity, 1 bot)");
	cw_service_context_set_setting(service, CW_SETTING_MAX_EXPOSURE_PCT, NULL);
	test_assert_allow(bot_b, &b, &order); /* no limit any more */
	cw_service_context_reset(service);
}

static double
test_row_notional(CwServiceContext *ctx, CwStrategyId bot)
{
	CwBotExposure out = {0};

	g_assert_true(cw_service_context_get_exposure(ctx, bot, &out));
	return out.notional;
}

/* A bot's row follows its fills always, and the mark at every candle only
 * while some limit across bots reads the table. */
static void
test_exposure_row_follows_mark(void)
{
	CwServiceContext *service = cw_service_context_get_default();
	g_autoptr(CwGuard) gate = NULL;
	g_autoptr(CwGuard) limited = NULL;
	CwGuardContext ctx = test_ctx();

	cw_service_context_reset(service);
	gate = test_gate("max_exposure_pct", NULL);
	g_assert_false(cw_guard_reads_other_bots(gate));
	ctx.position_qty = 10;
	ctx.open_positions = 1;
	cw_guard_on_fill(gate, &ctx, NULL);
	g_assert_cmpfloat(test_row_notional(service, ctx.strategy_id), ==, 1000);
	/* nobody reads the notional: the candle leaves the row as the fill did */
	ctx.mark_price = 110;
	cw_guard_on_candle(gate, &ctx, NULL);
	g_assert_cmpfloat(test_row_notional(service, ctx.strategy_id), ==, 1000);

	/* another bot under its own limit: rows follow the mark again */
	limited = test_gate("max_exposure_pct", "{'max_exposure_pct': 50}");
	g_assert_true(cw_guard_reads_other_bots(limited));
	g_assert_false(cw_guard_reads_other_bots(gate));
	cw_guard_on_candle(gate, &ctx, NULL);
	g_assert_cmpfloat(test_row_notional(service, ctx.strategy_id), ==, 1100);
	/* that bot gone, the candles stop writing */
	g_clear_object(&limited);
	ctx.mark_price = 120;
	cw_guard_on_candle(gate, &ctx, NULL);
	g_assert_cmpfloat(test_row_notional(service, ctx.strategy_id), ==, 1100);

	/* a service-wide limit makes this bot a reader too */
	cw_service_context_set_setting(service, CW_SETTING_MAX_EXPOSURE_PCT,
				       g_variant_new_double(50));
	g_assert_true(cw_guard_reads_other_bots(gate));
	cw_guard_on_candle(gate, &ctx, NULL);
	g_assert_cmpfloat(test_row_notional(service, ctx.strategy_id), ==, 1200);
	cw_service_context_set_setting(service, CW_SETTING_MAX_EXPOSURE_PCT, NULL);

	/* a fill always writes */
	ctx.position_qty = 5;
	ctx.mark_price = 130;
	cw_guard_on_fill(gate, &ctx, NULL);
	g_assert_cmpfloat(test_row_notional(service, ctx.strategy_id), ==, 650);
	cw_service_context_reset(service);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/guardrails/registry", test_registry);
	g_test_add_func("/guardrails/inactive-without-config", test_inactive_without_config);
	g_test_add_func("/guardrails/max-order-value", test_max_order_value);
	g_test_add_func("/guardrails/position-cap", test_position_cap);
	g_test_add_func("/guardrails/max-positions", test_max_positions);
	g_test_add_func("/guardrails/max-leverage", test_max_leverage);
	g_test_add_func("/guardrails/price-band", test_price_band);
	g_test_add_func("/guardrails/stale-data", test_stale_data);
	g_test_add_func("/guardrails/instrument", test_instrument);
	g_test_add_func("/guardrails/dry-run", test_dry_run);
	g_test_add_func("/guardrails/kill-switch", test_kill_switch);
	g_test_add_func("/guardrails/reduce-only-and-halted", test_reduce_only_and_halted);
	g_test_add_func("/guardrails/loss-streak", test_loss_streak);
	g_test_add_func("/guardrails/rate-limit", test_rate_limit);
	g_test_add_func("/guardrails/circuit-breaker", test_circuit_breaker);
	g_test_add_func("/guardrails/max-drawdown", test_max_drawdown);
	g_test_add_func("/guardrails/exposure-two-bots", test_exposure_two_bots);
	g_test_add_func("/guardrails/exposure-row-follows-mark", test_exposure_row_follows_mark);
	return g_test_run();
}
