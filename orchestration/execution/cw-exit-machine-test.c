/* Exit state machine: stop and take profit levels, transitions, breakeven,
 * trailing ratchet, time and signal exits; then the stop hit in each state
 * through a real orchestrator and paper broker. */
#include "cw-execution-test-utils.h"

#include <math.h>

static CwExitSpec
three_tp_spec(void)
{
	CwExitSpec s = {0};

	s.stop_loss = (CwStopSpec){CW_STOP_PERCENT, 2, 14};
	s.take_profits[0] = (CwTakeProfitSpec){.percent = 1, .close_fraction = 0.3};
	s.take_profits[1] = (CwTakeProfitSpec){.percent = 2, .close_fraction = 0.3};
	s.take_profits[2] = (CwTakeProfitSpec){.percent = 3, .close_fraction = 0.4};
	s.n_take_profits = 3;
	s.breakeven_at_tp1 = TRUE;
	s.breakeven_offset_pct = 0.1;
	s.trailing = (CwStopSpec){CW_STOP_PERCENT, 1, 14};
	return s;
}

static void
test_long_transitions(void)
{
	CwExitSpec spec = three_tp_spec();
	CwExitMachine m;
	CwCandle c;

	cw_exit_machine_init(&m, &spec, NULL);
	g_assert_cmpint(m.state, ==, CW_EXIT_STATE_CLOSED);
	g_assert_false(cw_exit_machine_is_open(&m));

	cw_exit_machine_open(&m, CW_DIRECTION_LONG, 100, 10, 0);
	g_assert_cmpint(m.state, ==, CW_EXIT_STATE_OPEN);
	cw_assert_close(m.stop_price, 98);
	cw_assert_close(m.initial_stop_distance, 2);
	g_assert_cmpuint(m.n_take_profits, ==, 3);
	cw_assert_close(m.tp_price[0], 101);
	cw_assert_close(m.tp_price[1], 102);
	cw_assert_close(m.tp_price[2], 103);
	cw_assert_close(m.tp_qty[0], 3);
	cw_assert_close(m.tp_qty[1], 3);
	cw_assert_close(m.tp_qty[2], 4); /* the remainder */
	g_assert_cmpint(cw_exit_machine_get_stop_purpose(&m), ==, CW_ORDER_PURPOSE_STOP_LOSS);

	/* TP1: breakeven + 0.1% */
	g_assert_cmpint(cw_exit_machine_on_take_profit(&m, 0, 101), ==, CW_STOP_CHANGE_BREAKEVEN);
	g_assert_cmpint(m.state, ==, CW_EXIT_STATE_TP1);
	cw_assert_close(m.stop_price, 100.1);
	g_assert_false(m.trailing_active);
	/* the same level twice changes nothing */
	g_assert_cmpint(cw_exit_machine_on_take_profit(&m, 0, 101), ==, CW_STOP_CHANGE_NONE);

	c = cw_test_candle(0, 101, 102, 100.5, 101.5);
	g_assert_cmpint(cw_exit_machine_on_candle(&m, &c, 0), ==, CW_STOP_CHANGE_NONE);
	g_assert_cmpuint(m.candles_in_position, ==, 1);

	/* TP2: trailing 1% from the fill price */
	g_assert_cmpint(cw_exit_machine_on_take_profit(&m, 1, 102), ==,
			CW_STOP_CHANGE_TRAILING_START);
	g_assert_cmpint(m.state, ==, CW_EXIT_STATE_TP2);
	g_assert_true(m.trailing_active);
	cw_assert_close(m.stop_price, 100.98);
	g_assert_cmpint(cw_exit_machine_get_stop_purpose(&m), ==, CW_ORDER_PURPOSE_TRAILING_STOP);

	/* ratchets up with the best close, never down */
	c.close = 104;
	g_assert_cmpint(cw_exit_machine_on_candle(&m, &c, 0), ==, CW_STOP_CHANGE_TRAILING);
	cw_assert_close(m.stop_price, 102.96);
	c.close = 103;
	g_assert_cmpint(cw_exit_machine_on_candle(&m, &c, 0), ==, CW_STOP_CHANGE_NONE);
	cw_assert_close(m.stop_price, 102.96);
	c.close = 99;
	g_assert_cmpint(cw_exit_machine_on_candle(&m, &c, 0), ==, CW_STOP_CHANGE_NONE);
	cw_assert_close(m.stop_price, 102.96);
	c.close = 105;
	g_assert_cmpint(cw_exit_machine_on_candle(&m, &c, 0), ==, CW_STOP_CHANGE_TRAILING);
	cw_assert_close(m.stop_price, 103.95);

	g_assert_cmpint(cw_exit_machine_on_take_profit(&m, 2, 103), ==, CW_STOP_CHANGE_NONE);
	g_assert_cmpint(m.state, ==, CW_EXIT_STATE_TP3);
	cw_exit_machine_close(&m);
	g_assert_cmpint(m.state, ==, CW_EXIT_STATE_CLOSED);
	g_assert_cmpint(cw_exit_machine_on_candle(&m, &c, 0), ==, CW_STOP_CHANGE_NONE);
	g_assert_cmpstr(cw_exit_state_to_string(CW_EXIT_STATE_TP2), ==, "tp2");
}

static void
test_short_atr_r(void)
{
	CwExitSpec spec = {0};
	CwExitMachine m;
	CwCandle c;

	spec.stop_loss = (CwStopSpec){CW_STOP_ATR, 1.5, 14};
	spec.take_profits[0] = (CwTakeProfitSpec){.r = 1, .close_fraction = 0.5};
	spec.take_profits[1] = (CwTakeProfitSpec){.r = 2, .close_fraction = 0.5};
	spec.n_take_profits = 2;
	spec.breakeven_at_tp1 = TRUE;
	spec.trailing = (CwStopSpec){CW_STOP_ATR, 1, 14};
	cw_exit_machine_init(&m, &spec, NULL);

	cw_exit_machine_open(&m, CW_DIRECTION_SHORT, 200, 4, 2);
	cw_assert_close(m.initial_stop_distance, 3);
	cw_assert_close(m.stop_price, 203);
	cw_assert_close(m.tp_price[0], 197);
	cw_assert_close(m.tp_price[1], 194);
	cw_assert_close(m.tp_qty[0], 2);
	cw_assert_close(m.tp_qty[1], 2);

	g_assert_cmpint(cw_exit_machine_on_take_profit(&m, 0, 197), ==, CW_STOP_CHANGE_BREAKEVEN);
	cw_assert_close(m.stop_price, 200);
	/* a short's trailing stop only goes down */
	c = cw_test_candle(0, 197, 198, 196, 196);
	g_assert_cmpint(cw_exit_machine_on_candle(&m, &c, 4), ==, CW_STOP_CHANGE_NONE);
	g_assert_cmpint(cw_exit_machine_on_take_profit(&m, 1, 194), ==,
			CW_STOP_CHANGE_TRAILING_START);
	cw_assert_close(m.stop_price, 198); /* 194 + 1 x ATR 4 (the latest) */
	c.close = 199;
	g_assert_cmpint(cw_exit_machine_on_candle(&m, &c, 4), ==, CW_STOP_CHANGE_NONE);
	cw_assert_close(m.stop_price, 198);
	c.close = 190;
	g_assert_cmpint(cw_exit_machine_on_candle(&m, &c, 4), ==, CW_STOP_CHANGE_TRAILING);
	cw_assert_close(m.stop_price, 194);
}

static void
test_single_tp_and_no_tp_trailing(void)
{
	CwExitSpec spec = {0};
	CwExitMachine m;
	CwCandle c;

	/* one take profit closing half: trailing starts after TP1 */
	spec.stop_loss = (CwStopSpec){CW_STOP_PERCENT, 5, 14};
	spec.take_profits[0] = (CwTakeProfitSpec){.percent = 4, .close_fraction = 0.5};
	spec.n_take_profits = 1;
	spec.breakeven_at_tp1 = FALSE;
	spec.trailing = (CwStopSpec){CW_STOP_PERCENT, 2, 14};
	cw_exit_machine_init(&m, &spec, NULL);
	cw_exit_machine_open(&m, CW_DIRECTION_LONG, 100, 10, 0);
	cw_assert_close(m.stop_price, 95);
	cw_assert_close(m.tp_qty[0], 5); /* a runner of 5 stays */
	g_assert_cmpint(cw_exit_machine_on_take_profit(&m, 0, 104), ==,
			CW_STOP_CHANGE_TRAILING_START);
	cw_assert_close(m.stop_price, 101.92);

	/* no take profits: trailing from the entry, ATR distance follows the
	 * latest ATR, no fixed stop */
	memset(&spec, 0, sizeof(spec));
	spec.trailing = (CwStopSpec){CW_STOP_ATR, 2, 14};
	cw_exit_machine_init(&m, &spec, NULL);
	cw_exit_machine_open(&m, CW_DIRECTION_LONG, 50, 1, 1.5);
	g_assert_true(m.trailing_active);
	cw_assert_close(m.stop_price, 47);
	c = cw_test_candle(0, 50, 52, 50, 52);
	g_assert_cmpint(cw_exit_machine_on_candle(&m, &c, 1), ==, CW_STOP_CHANGE_TRAILING);
	cw_assert_close(m.stop_price, 50);

	/* no stop and no trailing: no stop order at all */
	memset(&spec, 0, sizeof(spec));
	cw_exit_machine_init(&m, &spec, NULL);
	cw_exit_machine_open(&m, CW_DIRECTION_SHORT, 50, 1, 0);
	cw_assert_close(m.stop_price, 0);
	g_assert_cmpint(cw_exit_machine_on_candle(&m, &c, 1), ==, CW_STOP_CHANGE_NONE);
}

static void
test_rounding_and_lots(void)
{
	CwExitSpec spec = three_tp_spec();
	CwInstrument inst = {.tick_size = 0.5, .lot_step = 0.1};
	CwExitMachine m;

	spec.take_profits[0].close_fraction = 0.33;
	spec.take_profits[1].close_fraction = 0.33;
	spec.take_profits[2].close_fraction = 0.34;
	cw_exit_machine_init(&m, &spec, &inst);
	cw_exit_machine_open(&m, CW_DIRECTION_LONG, 100.3, 1, 0);
	cw_assert_close(m.stop_price, 98.5);   /* 98.294 to the tick */
	cw_assert_close(m.tp_price[0], 101.5); /* 101.303 */
	cw_assert_close(m.tp_qty[0], 0.3);
	cw_assert_close(m.tp_qty[1], 0.3);
	cw_assert_close(m.tp_qty[2], 0.4);

	/* levels that floor to nothing are dropped */
	cw_exit_machine_open(&m, CW_DIRECTION_LONG, 100, 0.2, 0);
	g_assert_cmpuint(m.n_take_profits, ==, 1);
	cw_assert_close(m.tp_qty[0], 0.2);
	cw_assert_close(m.tp_price[0], 103);
}

static void
test_time_and_signal_exit(void)
{
	CwExitSpec spec = {0};
	CwExitMachine m;
	CwCandle c = cw_test_candle(0, 1, 1, 1, 1);
	CwStrategyOutput out = {0};

	spec.time_exit_candles = 3;
	cw_exit_machine_init(&m, &spec, NULL);
	cw_exit_machine_open(&m, CW_DIRECTION_LONG, 1, 1, 0);
	cw_exit_machine_on_candle(&m, &c, 0);
	cw_exit_machine_on_candle(&m, &c, 0);
	g_assert_false(cw_exit_machine_time_exit_due(&m));
	cw_exit_machine_on_candle(&m, &c, 0);
	g_assert_true(cw_exit_machine_time_exit_due(&m));

	g_assert_false(cw_exit_machine_wants_signal_exit(&m, &out));
	out.exit_signal = CW_DIRECTION_SHORT;
	g_assert_false(cw_exit_machine_wants_signal_exit(&m, &out));
	out.exit_signal = CW_DIRECTION_LONG;
	g_assert_true(cw_exit_machine_wants_signal_exit(&m, &out));
	out.exit_signal = CW_DIRECTION_NONE;
	out.signal.direction = CW_DIRECTION_SHORT;
	g_assert_false(cw_exit_machine_wants_signal_exit(&m, &out));
	m.spec.exit_on_opposite_signal = TRUE;
	g_assert_true(cw_exit_machine_wants_signal_exit(&m, &out));
	out.signal.direction = CW_DIRECTION_LONG;
	g_assert_false(cw_exit_machine_wants_signal_exit(&m, &out));
}

static void
test_stop_distance(void)
{
	CwExitSpec spec = {0};

	spec.stop_loss = (CwStopSpec){CW_STOP_PERCENT, 2, 14};
	cw_assert_close(cw_exit_spec_stop_distance(&spec, 150, 0), 3);
	spec.stop_loss = (CwStopSpec){CW_STOP_ATR, 1.5, 14};
	cw_assert_close(cw_exit_spec_stop_distance(&spec, 150, 4), 6);
	cw_assert_close(cw_exit_spec_stop_distance(&spec, 150, 0), 0);
	spec.stop_loss = (CwStopSpec){CW_STOP_NONE, 0, 14};
	cw_assert_close(cw_exit_spec_stop_distance(&spec, 150, 4), 0);
}

/* Through the orchestrator: entry long 10 at 100 at candle 1's open
 * (signal at 0), TPs 101/102/103 closing 3/3/4, stop 98, breakeven
 * 100.1, trailing 1%. No slippage, maker 2 bps, taker 5 bps. */
#define STATE_CONFIG                                                                               \
	"{'name': 'em', 'symbol': 'TUSDT', 'interval': '1m', 'initial_balance': 10000, "           \
	"'broker': {'slippage_bps': 0, 'maker_fee_bps': 2, 'taker_fee_bps': 5}, "                  \
	"'strategy': {'id': 's', 'type': 'scripted', 'params': {'signals': {'0': 'long'}}, "       \
	"'exit': {'stop_loss': {'type': 'percent', 'value': 2}, 'take_profits': [{'percent': 1, "  \
	"'close': 0.3}, {'percent': 2, 'close': 0.3}, {'percent': 3, 'close': 0.4}], "             \
	"'breakeven': {'offset_pct': 0.1}, 'trailing': {'type': 'percent', 'value': 1}}, "         \
	"'sizing': {'mode': 'fixed_quote', 'quote': 1000}}}"

typedef struct {
	double o, h, l, c;
} Bar;

static CwTradingOrchestrator *
run_bars(const Bar *bars, guint n, CwTestRecorder **rec, CwEventBus **bus)
{
	g_autoptr(CwBotConfig) config = cw_test_config_new(STATE_CONFIG);
	g_autoptr(GError) error = NULL;
	CwTradingOrchestrator *orch;
	CwCandle c0 = cw_test_candle(0, 100, 100, 100, 100);

	*bus = cw_event_bus_new();
	orch = cw_trading_orchestrator_new(config, NULL, *bus, &error);
	g_assert_no_error(error);
	*rec = cw_test_recorder_new(*bus, cw_trading_orchestrator_get_strategy_id(orch));
	cw_trading_orchestrator_on_candle(orch, &c0);
	for (guint i = 0; i < n; i++) {
		CwCandle c = cw_test_candle(i + 1, bars[i].o, bars[i].h, bars[i].l, bars[i].c);
		cw_trading_orchestrator_on_candle(orch, &c);
	}
	return orch;
}

static const CwTrade *
only_trade(CwTradingOrchestrator *orch)
{
	const GArray *trades = cw_trading_orchestrator_get_trades(orch);

	g_assert_cmpuint(trades->len, ==, 1);
	return &g_array_index(trades, CwTrade, 0);
}

static void
test_stop_in_open(void)
{
	/* the stop placed at the entry's open already protects that candle */
	const Bar bars[] = {{100, 100.5, 97, 98}};
	CwTestRecorder *rec;
	CwEventBus *bus;
	CwTradingOrchestrator *orch = run_bars(bars, G_N_ELEMENTS(bars), &rec, &bus);
	const CwTrade *t = only_trade(orch);

	g_assert_cmpint(t->exit_reason, ==, CW_ORDER_PURPOSE_STOP_LOSS);
	cw_assert_close(t->exit_price, 98);
	cw_assert_close(t->gross_pnl, -20);
	cw_assert_close(t->fees, 0.5 + 0.49);
	cw_assert_close(t->net_pnl, -20.99);
	g_assert_cmpint(t->entry_time, ==, 60000);
	g_assert_cmpint(t->exit_time, ==, 60000);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_TAKE_PROFIT_HIT), ==, 0);
	/* the take profits were cancelled */
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_ORDER_CANCELLED), ==, 3);
	g_assert_cmpuint(cw_paper_broker_get_n_working(
			     CW_PAPER_BROKER(cw_trading_orchestrator_get_broker(orch))),
			 ==, 0);
	g_assert_cmpint(cw_trading_orchestrator_get_exit_machine(orch)->state, ==,
			CW_EXIT_STATE_CLOSED);
	cw_test_recorder_free(rec);
	g_object_unref(orch);
	g_object_unref(bus);
}

static void
test_stop_in_tp1(void)
{
	const Bar bars[] = {{100, 101.2, 99.5, 101}, {101, 101, 100, 100}};
	CwTestRecorder *rec;
	CwEventBus *bus;
	CwTradingOrchestrator *orch = run_bars(bars, G_N_ELEMENTS(bars), &rec, &bus);
	const CwTrade *t = only_trade(orch);
	const CwTestEvent *e;

	g_assert_cmpint(t->exit_reason, ==, CW_ORDER_PURPOSE_STOP_LOSS);
	cw_assert_close(t->exit_price, (3 * 101 + 7 * 100.1) / 10);
	cw_assert_close(t->gross_pnl, 3 + 7 * 0.1);
	cw_assert_close(t->fees, 0.5 + 3 * 101 * 0.0002 + 7 * 100.1 * 0.0005);
	e = cw_test_recorder_nth(rec, CW_EVENT_TAKE_PROFIT_HIT, 0);
	cw_assert_close(e->event.value, 1);
	g_assert_cmpstr(e->reason, ==, "tp1");
	g_assert_cmpint(e->event.time, ==, 60000);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_STOP_MOVED), ==, 1);
	e = cw_test_recorder_nth(rec, CW_EVENT_STOP_MOVED, 0);
	cw_assert_close(e->event.value, 100.1);
	g_assert_cmpstr(e->reason, ==, "breakeven");
	cw_test_recorder_free(rec);
	g_object_unref(orch);
	g_object_unref(bus);
}

static void
test_stop_in_tp2_trailing(void)
{
	const Bar bars[] = {
	    {100, 102.5, 99.5, 102},  /* TP1 and TP2 */
	    {102, 102.9, 102, 102.8}, /* trailing to 101.772, below TP3 */
	    {102.5, 102.6, 101.5, 102},
	};
	CwTestRecorder *rec;
	CwEventBus *bus;
	CwTradingOrchestrator *orch = run_bars(bars, G_N_ELEMENTS(bars), &rec, &bus);
	const CwTrade *t = only_trade(orch);

	g_assert_cmpint(t->exit_reason, ==, CW_ORDER_PURPOSE_TRAILING_STOP);
	cw_assert_close(t->exit_price, 101.6088);
	cw_assert_close(t->gross_pnl, 16.088);
	cw_assert_close(t->fees, 0.5 + 0.0606 + 0.0612 + 0.203544);
	cw_assert_close(t->net_pnl, 16.088 - 0.825344);
	g_assert_cmpint(t->exit_time, ==, 3 * 60000);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_TAKE_PROFIT_HIT), ==, 2);
	/* breakeven, trailing start, trailing ratchet */
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_STOP_MOVED), ==, 3);
	cw_assert_close(cw_test_recorder_nth(rec, CW_EVENT_STOP_MOVED, 1)->event.value, 100.98);
	cw_assert_close(cw_test_recorder_nth(rec, CW_EVENT_STOP_MOVED, 2)->event.value, 101.772);
	g_assert_cmpint(cw_test_recorder_nth(rec, CW_EVENT_STOP_MOVED, 2)->event.time, ==,
			2 * 60000);
	cw_test_recorder_free(rec);
	g_object_unref(orch);
	g_object_unref(bus);
}

static void
test_tp3_closes(void)
{
	const Bar bars[] = {{100, 103.5, 99.5, 103}};
	CwTestRecorder *rec;
	CwEventBus *bus;
	CwTradingOrchestrator *orch = run_bars(bars, G_N_ELEMENTS(bars), &rec, &bus);
	const CwTrade *t = only_trade(orch);

	g_assert_cmpint(t->exit_reason, ==, CW_ORDER_PURPOSE_TAKE_PROFIT);
	cw_assert_close(t->exit_price, 102.1);
	cw_assert_close(t->gross_pnl, 21);
	cw_assert_close(t->fees, 0.5 + (3 * 101 + 3 * 102 + 4 * 103) * 0.0002);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_TAKE_PROFIT_HIT), ==, 3);
	g_assert_cmpint(cw_trading_orchestrator_get_exit_machine(orch)->state, ==,
			CW_EXIT_STATE_CLOSED);
	g_assert_true(cw_account_is_flat(cw_trading_orchestrator_get_account(orch)));
	g_assert_cmpuint(cw_paper_broker_get_n_working(
			     CW_PAPER_BROKER(cw_trading_orchestrator_get_broker(orch))),
			 ==, 0);
	cw_test_recorder_free(rec);
	g_object_unref(orch);
	g_object_unref(bus);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/execution/exit-machine/long-transitions", test_long_transitions);
	g_test_add_func("/execution/exit-machine/short-atr-r", test_short_atr_r);
	g_test_add_func("/execution/exit-machine/single-tp-and-no-tp-trailing",
			test_single_tp_and_no_tp_trailing);
	g_test_add_func("/execution/exit-machine/rounding-and-lots", test_rounding_and_lots);
	g_test_add_func("/execution/exit-machine/time-and-signal-exit", test_time_and_signal_exit);
	g_test_add_func("/execution/exit-machine/stop-distance", test_stop_distance);
	g_test_add_func("/execution/exit-machine/stop-in-open", test_stop_in_open);
	g_test_add_func("/execution/exit-machine/stop-in-tp1", test_stop_in_tp1);
	g_test_add_func("/execution/exit-machine/stop-in-tp2-trailing", test_stop_in_tp2_trailing);
	g_test_add_func("/execution/exit-machine/tp3-closes", test_tp3_closes);
	return g_test_run();
}
