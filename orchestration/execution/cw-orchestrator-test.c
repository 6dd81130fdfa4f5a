/* Trading orchestrator end to end on scripted signals and hand-built
 * candles: exact trades, the equity invariant, events tagged with the
 * strategy id, isolation of two orchestrators, guards, modes, sizing. */
#include "cw-execution-test-utils.h"

#include <math.h>

#define BASE                                                                                       \
	"'symbol': 'TUSDT', 'interval': '1m', 'initial_balance': 10000, "                          \
	"'broker': {'slippage_bps': 0, 'maker_fee_bps': 2, 'taker_fee_bps': 5}"

/* Stop 2%, TP1 +2% closing half, TP2 +4% closing the rest, breakeven
 * +0.1%, 1000 quote per trade. */
#define EXIT_A                                                                                     \
	"'exit': {'stop_loss': {'type': 'percent', 'value': 2}, 'take_profits': [{'percent': 2, "  \
	"'close': 0.5}, {'percent': 4}], 'breakeven': {'offset_pct': 0.1}}"

#define CONFIG_A                                                                                   \
	"{'name': 'bot-a', " BASE ", 'strategy': {'id': 'alpha', 'type': 'scripted', 'params': "   \
	"{'signals': {'1': 'long', '5': 'short', '9': 'long'}}, " EXIT_A                           \
	", 'sizing': {'mode': 'fixed_quote', 'quote': 1000}}}"

typedef struct {
	double o, h, l, c;
} Bar;

static const Bar bars_a[] = {
    {100, 100, 100, 100},    /* 0 */
    {100, 101, 99, 100},     /* 1: long signal */
    {100, 102.5, 99.5, 102}, /* 2: entry 10 @ 100, TP1 102 fills 5, stop -> 100.1 */
    {102, 103, 100, 100.5},  /* 3: breakeven stop 100.1 fills 5 */
    {100, 100, 100, 100},    /* 4 */
    {100, 100, 100, 100},    /* 5: short signal */
    {100, 100.5, 99, 99.5},  /* 6: entry short 10 @ 100, stop 102 */
    {103, 104, 102.5, 103},  /* 7: gaps through the stop: fills at 103 */
    {100, 100, 100, 100},    /* 8 */
    {100, 100, 100, 100},    /* 9: long signal */
    {100, 101, 99.5, 101},   /* 10: entry 10 @ 100; finish() closes at 101 */
};

static const Bar calm[] = {
    {100, 100.5, 99.5, 100}, {100, 100.5, 99.5, 100}, {100, 100.5, 99.5, 100},
    {100, 100.5, 99.5, 100}, {100, 100.5, 99.5, 100}, {100, 100.5, 99.5, 100},
    {100, 100.5, 99.5, 100}, {100, 100.5, 99.5, 100}, {100, 100.5, 99.5, 100},
    {100, 100.5, 99.5, 100}, {100, 100.5, 99.5, 100}, {100, 100.5, 99.5, 100},
};

static CwCandle
bar_candle(const Bar *bars, guint i)
{
	return cw_test_candle(i, bars[i].o, bars[i].h, bars[i].l, bars[i].c);
}

static void
check_equity(const CwAccount *acc)
{
	const CwPosition *p = &acc->position;
	double open_pnl = p->direction == CW_DIRECTION_NONE
			      ? 0
			      : p->qty * (acc->mark_price - p->entry_price) * p->direction;

	cw_assert_close(acc->equity, acc->cash + open_pnl);
	cw_assert_close(acc->cash, acc->initial_balance + acc->realized_pnl - acc->fees);
}

static CwTradingOrchestrator *
new_orchestrator(const char *json, CwEventBus *bus)
{
	g_autoptr(CwBotConfig) config = cw_test_config_new(json);
	g_autoptr(GError) error = NULL;
	CwTradingOrchestrator *orch = cw_trading_orchestrator_new(config, NULL, bus, &error);

	g_assert_no_error(error);
	g_assert_nonnull(orch);
	return orch;
}

static void
check_trade(const CwTrade *t, CwDirection dir, double entry, double exit, double qty, double gross,
	    double fees, CwOrderPurpose reason, guint entry_candle, guint exit_candle)
{
	g_assert_cmpint(t->direction, ==, dir);
	cw_assert_close(t->entry_price, entry);
	cw_assert_close(t->exit_price, exit);
	cw_assert_close(t->qty, qty);
	cw_assert_close(t->gross_pnl, gross);
	cw_assert_close(t->fees, fees);
	cw_assert_close(t->net_pnl, gross - fees);
	g_assert_cmpint(t->exit_reason, ==, reason);
	g_assert_cmpint(t->entry_time, ==, (gint64) entry_candle * 60000);
	g_assert_cmpint(t->exit_time, ==, (gint64) exit_candle * 60000);
}

static void
check_trades_a(const GArray *trades)
{
	g_assert_cmpuint(trades->len, ==, 3);
	/* 5 @ 102 (TP1, maker) + 5 @ 100.1 (breakeven stop, taker) */
	check_trade(&g_array_index(trades, CwTrade, 0), CW_DIRECTION_LONG, 100, 101.05, 10, 10.5,
		    0.5 + 0.102 + 0.25025, CW_ORDER_PURPOSE_STOP_LOSS, 2, 3);
	/* gap through the buy stop 102 at the open 103 */
	check_trade(&g_array_index(trades, CwTrade, 1), CW_DIRECTION_SHORT, 100, 103, 10, -30,
		    0.5 + 0.515, CW_ORDER_PURPOSE_STOP_LOSS, 6, 7);
	/* end of data at the last close, taker fee, at the last candle's close time */
	check_trade(&g_array_index(trades, CwTrade, 2), CW_DIRECTION_LONG, 100, 101, 10, 10,
		    0.5 + 0.505, CW_ORDER_PURPOSE_END_OF_DATA, 10, 11);
}

static void
test_end_to_end(void)
{
	g_autoptr(CwEventBus) bus = cw_event_bus_new();
	g_autoptr(CwTradingOrchestrator) orch = new_orchestrator(CONFIG_A, bus);
	CwStrategyId id = cw_trading_orchestrator_get_strategy_id(orch);
	g_autoptr(CwTestRecorder) rec = cw_test_recorder_new(bus, id);
	g_autoptr(CwTestRecorder) other = cw_test_recorder_new(bus, g_quark_from_string("nobody"));
	const CwAccount *acc = cw_trading_orchestrator_get_account(orch);
	const CwTestEvent *e;

	g_assert_cmpuint(id, ==, g_quark_from_string("bot-a:alpha"));
	g_assert_cmpstr(cw_trading_orchestrator_get_spec(orch)->id, ==, "alpha");
	for (guint i = 0; i < G_N_ELEMENTS(bars_a); i++) {
		CwCandle c = bar_candle(bars_a, i);
		cw_trading_orchestrator_on_candle(orch, &c);
		/* equity == cash + open PnL at the close of every candle */
		cw_assert_close(acc->mark_price, bars_a[i].c);
		check_equity(acc);
		if (i == 2) {
			g_assert_cmpint(acc->position.direction, ==, CW_DIRECTION_LONG);
			cw_assert_close(acc->position.qty, 5);
			cw_assert_close(acc->position.stop_price, 100.1);
			cw_assert_close(acc->unrealized_pnl, 5 * 2);
			g_assert_cmpint(cw_trading_orchestrator_get_exit_machine(orch)->state, ==,
					CW_EXIT_STATE_TP1);
		}
	}
	g_assert_cmpuint(cw_trading_orchestrator_get_n_candles(orch), ==, 11);
	g_assert_cmpint(acc->position.direction, ==, CW_DIRECTION_LONG);
	cw_trading_orchestrator_finish(orch);
	g_assert_true(cw_account_is_flat(acc));
	check_equity(acc);
	check_trades_a(cw_trading_orchestrator_get_trades(orch));
	cw_assert_close(acc->cash, 10000 + 10.5 - 30 + 10 - (0.85225 + 1.015 + 1.005));
	cw_assert_close(acc->equity, acc->cash);
	cw_assert_close(acc->fees, 0.85225 + 1.015 + 1.005);
	g_assert_cmpuint(acc->exposure_candles, ==, 3); /* closes of 2, 6 and 10 */
	/* peak after candle 2 (10000 - 0.602 + 10 realized... ), trough after 7 */
	cw_assert_close(acc->peak_equity, 10000 - 0.5 - 0.102 + 10 + 10);
	cw_assert_close(acc->max_drawdown, (10000 - 0.602 + 20) - (10000 + 10.5 - 30 - 1.86725));
	/* the paper broker's cash view agrees with the account */
	cw_assert_close(cw_test_broker_get_balance(cw_trading_orchestrator_get_broker(orch)),
			acc->cash);

	/* events: all of this strategy, at candle times */
	g_assert_cmpuint(other->events->len, ==, 0);
	g_assert_cmpuint(rec->events->len, >, 20);
	for (guint i = 0; i < rec->events->len; i++) {
		const CwTestEvent *ev = &g_array_index(rec->events, CwTestEvent, i);
		g_assert_cmpuint(ev->event.strategy_id, ==, id);
		g_assert_cmpint(ev->event.time % 60000, ==, 0);
		g_assert_cmpint(ev->event.time, <=, 11 * 60000);
		if (ev->has_order)
			g_assert_cmpuint(ev->order.strategy_id, ==, id);
	}
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_SIGNAL_NEW), ==, 3);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_POSITION_OPENED), ==, 3);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_POSITION_CLOSED), ==, 3);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_TRADE_CLOSED), ==, 3);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_ORDER_FILLED), ==, 7);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_TAKE_PROFIT_HIT), ==, 1);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_STOP_MOVED), ==, 1);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_ORDER_REJECTED), ==, 0);
	e = cw_test_recorder_nth(rec, CW_EVENT_SIGNAL_NEW, 1);
	g_assert_cmpint(e->event.signal.direction, ==, CW_DIRECTION_SHORT);
	g_assert_cmpint(e->event.time, ==, 5 * 60000);
	e = cw_test_recorder_nth(rec, CW_EVENT_TRADE_CLOSED, 1);
	g_assert_true(e->has_trade);
	cw_assert_close(e->trade.net_pnl, -31.015);
	g_assert_cmpint(e->event.time, ==, 7 * 60000);
	/* the entry went out at the decision candle, filled at the next open */
	e = cw_test_recorder_nth(rec, CW_EVENT_ORDER_SUBMITTED, 0);
	g_assert_cmpint(e->event.time, ==, 60000);
	g_assert_cmpint(e->order.purpose, ==, CW_ORDER_PURPOSE_ENTRY);
	g_assert_cmpint(e->order.type, ==, CW_ORDER_TYPE_MARKET);
	cw_assert_close(e->order.qty, 10);
	e = cw_test_recorder_nth(rec, CW_EVENT_ORDER_FILLED, 0);
	g_assert_cmpint(e->event.time, ==, 2 * 60000);
	cw_assert_close(e->fill.price, 100);
	cw_assert_close(e->fill.fee, 0.5);
	e = cw_test_recorder_nth(rec, CW_EVENT_POSITION_OPENED, 0);
	cw_assert_close(e->position.stop_price, 98);
}

static GPtrArray *
submitted_ids(CwTestRecorder *rec)
{
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < rec->events->len; i++) {
		const CwTestEvent *e = &g_array_index(rec->events, CwTestEvent, i);
		if (e->event.type == CW_EVENT_ORDER_SUBMITTED)
			g_ptr_array_add(ids, g_strdup(e->order.client_order_id));
	}
	return ids;
}

static void
test_client_order_ids(void)
{
	g_autoptr(GPtrArray) first = NULL;

	for (guint run = 0; run < 2; run++) {
		g_autoptr(CwEventBus) bus = cw_event_bus_new();
		g_autoptr(CwTradingOrchestrator) orch = new_orchestrator(CONFIG_A, bus);
		g_autoptr(CwTestRecorder) rec =
		    cw_test_recorder_new(bus, cw_trading_orchestrator_get_strategy_id(orch));
		g_autoptr(GPtrArray) ids = NULL;
		char buf[CW_CLIENT_ORDER_ID_LEN];

		for (guint i = 0; i < G_N_ELEMENTS(bars_a); i++) {
			CwCandle c = bar_candle(bars_a, i);
			cw_trading_orchestrator_on_candle(orch, &c);
		}
		ids = submitted_ids(rec);
		g_assert_cmpuint(ids->len, >, 5);
		cw_trading_orchestrator_format_client_order_id(orch, 1, buf);
		g_assert_cmpstr(g_ptr_array_index(ids, 0), ==, buf);
		g_assert_true(g_str_has_prefix(buf, "cw-"));
		g_assert_cmpuint(strlen(buf), ==, strlen("cw-12345678-1"));
		g_assert_true(g_str_has_suffix(buf, "-1"));
		{
			/* the same text as printf would give, up to the largest seq */
			static const guint64 seqs[] = {0, 9, 10, 1234567890, G_MAXUINT64};
			g_autofree char *prefix = g_strndup(buf, strlen(buf) - 2);

			for (guint k = 0; k < G_N_ELEMENTS(seqs); k++) {
				g_autofree char *want =
				    g_strdup_printf("%s-%" G_GUINT64_FORMAT, prefix, seqs[k]);
				char got[CW_CLIENT_ORDER_ID_LEN];

				cw_trading_orchestrator_format_client_order_id(orch, seqs[k], got);
				g_assert_cmpstr(got, ==, want);
			}
		}
		for (guint i = 0; i < ids->len; i++) {
			for (guint j = i + 1; j < ids->len; j++)
				g_assert_cmpstr(g_ptr_array_index(ids, i), !=,
						g_ptr_array_index(ids, j));
		}
		if (first == NULL) {
			first = g_steal_pointer(&ids);
		} else {
			/* stable across runs */
			g_assert_cmpuint(ids->len, ==, first->len);
			for (guint i = 0; i < ids->len; i++)
				g_assert_cmpstr(g_ptr_array_index(ids, i), ==,
						g_ptr_array_index(first, i));
		}
		/* a restarted bot continues the sequence */
		g_assert_cmpuint(cw_trading_orchestrator_get_next_seq(orch), ==,
				 (guint64) first->len + 1);
		cw_trading_orchestrator_set_next_seq(orch, 100);
		g_assert_cmpuint(cw_trading_orchestrator_get_next_seq(orch), ==, 100);
	}
}

#define CONFIG_B                                                                                   \
	"{'name': 'bot-b', " BASE ", 'strategy': {'id': 'beta', 'type': 'scripted', 'params': "    \
	"{'signals': {'4': 'long'}}, " EXIT_A                                                      \
	", 'sizing': {'mode': 'fixed_quote', 'quote': 500}}}"

static void
test_two_orchestrators(void)
{
	g_autoptr(CwEventBus) bus = cw_event_bus_new();
	g_autoptr(CwTradingOrchestrator) a = new_orchestrator(CONFIG_A, bus);
	g_autoptr(CwTradingOrchestrator) b = new_orchestrator(CONFIG_B, bus);
	g_autoptr(CwTestRecorder) rec_a =
	    cw_test_recorder_new(bus, cw_trading_orchestrator_get_strategy_id(a));
	g_autoptr(CwTestRecorder) rec_b =
	    cw_test_recorder_new(bus, cw_trading_orchestrator_get_strategy_id(b));
	const GArray *tb;

	g_assert_cmpuint(cw_trading_orchestrator_get_strategy_id(a), !=,
			 cw_trading_orchestrator_get_strategy_id(b));
	for (guint i = 0; i < G_N_ELEMENTS(bars_a); i++) {
		CwCandle c = bar_candle(bars_a, i);
		cw_trading_orchestrator_on_candle(a, &c);
		cw_trading_orchestrator_on_candle(b, &c);
	}
	cw_trading_orchestrator_finish(a);
	cw_trading_orchestrator_finish(b);
	/* A trades exactly as when alone */
	check_trades_a(cw_trading_orchestrator_get_trades(a));
	g_assert_cmpuint(cw_test_recorder_count(rec_a, CW_EVENT_ORDER_FILLED), ==, 7);
	/* B: 5 @ 100 at candle 5; candle 7 opens above TP1 (102): it fills at
	 * the better open 103, TP2 at 104 */
	tb = cw_trading_orchestrator_get_trades(b);
	g_assert_cmpuint(tb->len, ==, 1);
	check_trade(&g_array_index(tb, CwTrade, 0), CW_DIRECTION_LONG, 100, 103.5, 5, 17.5,
		    0.25 + 2.5 * 103 * 0.0002 + 2.5 * 104 * 0.0002, CW_ORDER_PURPOSE_TAKE_PROFIT, 5,
		    7);
	for (guint i = 0; i < rec_b->events->len; i++)
		g_assert_cmpuint(g_array_index(rec_b->events, CwTestEvent, i).event.strategy_id, ==,
				 cw_trading_orchestrator_get_strategy_id(b));
	g_assert_cmpuint(cw_test_recorder_count(rec_b, CW_EVENT_SIGNAL_NEW), ==, 1);
	g_assert_cmpuint(cw_test_recorder_count(rec_b, CW_EVENT_TRADE_CLOSED), ==, 1);
}

static void
run_bars(CwTradingOrchestrator *orch, const Bar *bars, guint n)
{
	for (guint i = 0; i < n; i++) {
		CwCandle c = bar_candle(bars, i);
		cw_trading_orchestrator_on_candle(orch, &c);
		check_equity(cw_trading_orchestrator_get_account(orch));
	}
}

static void
test_guard_rejects(void)
{
	g_autoptr(CwEventBus) bus = cw_event_bus_new();
	g_autoptr(CwTradingOrchestrator) orch = new_orchestrator(
	    "{'name': 'bot-g', " BASE ", 'guardrails': {'test_reject': true}, 'strategy': {'id': "
	    "'g', 'type': 'scripted', 'params': {'signals': {'1': 'long'}}}}",
	    bus);
	g_autoptr(CwTestRecorder) rec =
	    cw_test_recorder_new(bus, cw_trading_orchestrator_get_strategy_id(orch));
	const CwTestEvent *e;
	const GArray *stats;
	const CwGuardStats *s;

	run_bars(orch, bars_a, 5);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_ORDER_REJECTED), ==, 1);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_GUARD_TRIPPED), ==, 1);
	e = cw_test_recorder_nth(rec, CW_EVENT_ORDER_REJECTED, 0);
	g_assert_cmpstr(e->source, ==, "test-reject");
	g_assert_cmpstr(e->reason, ==, "test guard: no new positions");
	g_assert_cmpint(e->order.status, ==, CW_ORDER_STATUS_REJECTED);
	g_assert_cmpint(e->order.purpose, ==, CW_ORDER_PURPOSE_ENTRY);
	g_assert_cmpint(e->event.time, ==, 60000);
	e = cw_test_recorder_nth(rec, CW_EVENT_GUARD_TRIPPED, 0);
	g_assert_cmpstr(e->source, ==, "test-reject");
	g_assert_cmpstr(e->reason, ==, "test guard: no new positions");
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_ORDER_SUBMITTED), ==, 0);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_ORDER_FILLED), ==, 0);
	g_assert_true(cw_account_is_flat(cw_trading_orchestrator_get_account(orch)));
	g_assert_cmpuint(cw_trading_orchestrator_get_trades(orch)->len, ==, 0);

	stats = cw_trading_orchestrator_get_guard_stats(orch);
	g_assert_cmpuint(stats->len, ==, 1);
	s = &g_array_index(stats, CwGuardStats, 0);
	g_assert_cmpstr(s->name, ==, "test-reject");
	g_assert_cmpuint(s->checks, ==, 1);
	g_assert_cmpuint(s->rejections, ==, 1);
	g_assert_cmpuint(s->modifications, ==, 0);
}

static void
test_guard_modifies(void)
{
	g_autoptr(CwEventBus) bus = cw_event_bus_new();
	g_autoptr(CwTradingOrchestrator) orch = new_orchestrator(
	    "{'name': 'bot-h', " BASE ", 'guardrails': {'test_halve': true}, 'strategy': {'id': "
	    "'h', 'type': 'scripted', 'params': {'signals': {'1': 'long'}}, " EXIT_A "}}",
	    bus);
	const GArray *stats;
	const CwGuardStats *s;

	run_bars(orch, bars_a, 3);
	/* 1000 quote / 100 = 10, halved by the guard */
	cw_assert_close(cw_trading_orchestrator_get_position(orch)->initial_qty, 5);
	stats = cw_trading_orchestrator_get_guard_stats(orch);
	g_assert_cmpuint(stats->len, ==, 1);
	s = &g_array_index(stats, CwGuardStats, 0);
	g_assert_cmpstr(s->name, ==, "test-halve");
	g_assert_cmpuint(s->modifications, ==, 1);
	g_assert_cmpuint(s->rejections, ==, 0);
	/* entry, stop, 2 take profits, breakeven stop */
	g_assert_cmpuint(s->checks, ==, 5);
}

static void
test_guard_flattens(void)
{
	g_autoptr(CwEventBus) bus = cw_event_bus_new();
	g_autoptr(CwTradingOrchestrator) orch = new_orchestrator(
	    "{'name': 'bot-f', " BASE ", 'guardrails': {'test_flatten_after': 3}, 'strategy': "
	    "{'id': 'f', 'type': 'scripted', 'params': {'signals': {'1': 'long', '5': 'long'}}}}",
	    bus);
	g_autoptr(CwTestRecorder) rec =
	    cw_test_recorder_new(bus, cw_trading_orchestrator_get_strategy_id(orch));
	const Bar flat = {100, 100.5, 99.5, 100};
	const GArray *trades;
	const CwTestEvent *e;

	for (guint i = 0; i < 8; i++) {
		CwCandle c = cw_test_candle(i, flat.o, flat.h, flat.l, flat.c);
		cw_trading_orchestrator_on_candle(orch, &c);
	}
	/* long at 2's open; the guard asks to flatten from candle 2 on: out
	 * at 3's open; reduce-only keeps the signal at 5 from entering */
	trades = cw_trading_orchestrator_get_trades(orch);
	g_assert_cmpuint(trades->len, ==, 1);
	check_trade(&g_array_index(trades, CwTrade, 0), CW_DIRECTION_LONG, 100, 100, 10, 0, 1.0,
		    CW_ORDER_PURPOSE_GUARD_EXIT, 2, 3);
	g_assert_cmpint(cw_trading_orchestrator_get_mode(orch), ==, CW_BOT_MODE_REDUCE_ONLY);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_MODE_CHANGED), ==, 1);
	e = cw_test_recorder_nth(rec, CW_EVENT_MODE_CHANGED, 0);
	g_assert_cmpstr(e->source, ==, "guard");
	g_assert_cmpstr(e->reason, ==, "reduce_only");
	g_assert_cmpint(e->event.time, ==, 2 * 60000);
	g_assert_true(cw_account_is_flat(cw_trading_orchestrator_get_account(orch)));
}

static void
test_guard_state(void)
{
	const char *json = "{'name': 'bot-f', " BASE ", 'guardrails': {'test_flatten_after': 3}, "
			   "'strategy': {'id': 'f', 'type': 'scripted'}}";
	g_autoptr(CwTradingOrchestrator) a = new_orchestrator(json, NULL);
	g_autoptr(CwTradingOrchestrator) b = new_orchestrator(json, NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *state = NULL;
	g_autofree char *again = NULL;
	CwGuardPipeline *pb = cw_trading_orchestrator_get_guard_pipeline(b);

	run_bars(a, calm, 2);
	state = cw_guard_pipeline_save_state(cw_trading_orchestrator_get_guard_pipeline(a));
	g_assert_cmpstr(state, ==, "{\"test-flatten\":\"{\\\"n\\\": 2}\"}");
	g_assert_true(cw_guard_pipeline_load_state(pb, state, &error));
	g_assert_no_error(error);
	again = cw_guard_pipeline_save_state(pb);
	g_assert_cmpstr(again, ==, state);
	g_assert_false(cw_guard_pipeline_load_state(pb, "[1]", &error));
	g_assert_error(error, CW_EXECUTION_ERROR, CW_EXECUTION_ERROR_FAILED);
	g_clear_error(&error);
	g_assert_false(cw_guard_pipeline_load_state(pb, "{\"test-flatten\": \"{\"}", &error));
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, "test-flatten"));
}

static void
test_modes(void)
{
	g_autoptr(CwEventBus) bus = cw_event_bus_new();
	g_autoptr(CwTradingOrchestrator) orch = new_orchestrator(CONFIG_A, bus);
	g_autoptr(CwTestRecorder) rec =
	    cw_test_recorder_new(bus, cw_trading_orchestrator_get_strategy_id(orch));
	const CwTestEvent *e;
	const Bar flat = {100, 100.5, 99.5, 100};
	CwCandle c;

	/* halted: the long signal at 1 opens nothing */
	cw_trading_orchestrator_set_mode(orch, CW_BOT_MODE_HALTED);
	g_assert_cmpint(cw_trading_orchestrator_get_mode(orch), ==, CW_BOT_MODE_HALTED);
	e = cw_test_recorder_nth(rec, CW_EVENT_MODE_CHANGED, 0);
	g_assert_cmpstr(e->source, ==, "manual");
	g_assert_cmpstr(e->reason, ==, "halted");
	run_bars(orch, bars_a, 3);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_ORDER_SUBMITTED), ==, 0);

	/* active again: the short signal at 5 enters at 6 */
	cw_trading_orchestrator_set_mode(orch, CW_BOT_MODE_ACTIVE);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_MODE_CHANGED), ==, 2);
	for (guint i = 3; i < 7; i++) {
		c = cw_test_candle(i, flat.o, flat.h, flat.l, flat.c);
		cw_trading_orchestrator_on_candle(orch, &c);
	}
	g_assert_cmpint(cw_trading_orchestrator_get_position(orch)->direction, ==,
			CW_DIRECTION_SHORT);

	/* halted with a position: a signal exit is refused, a manual exit passes */
	cw_trading_orchestrator_set_mode(orch, CW_BOT_MODE_HALTED);
	cw_trading_orchestrator_close_all(orch, CW_ORDER_PURPOSE_SIGNAL_EXIT);
	e = cw_test_recorder_nth(rec, CW_EVENT_ORDER_REJECTED, 0);
	g_assert_nonnull(e);
	g_assert_cmpstr(e->source, ==, "bot-mode");
	g_assert_cmpint(e->order.purpose, ==, CW_ORDER_PURPOSE_SIGNAL_EXIT);
	cw_trading_orchestrator_close_all(orch, CW_ORDER_PURPOSE_MANUAL_EXIT);
	c = cw_test_candle(7, 99, 99, 99, 99);
	cw_trading_orchestrator_on_candle(orch, &c);
	g_assert_true(cw_account_is_flat(cw_trading_orchestrator_get_account(orch)));
	g_assert_cmpuint(cw_trading_orchestrator_get_trades(orch)->len, ==, 1);
	g_assert_cmpint(
	    g_array_index(cw_trading_orchestrator_get_trades(orch), CwTrade, 0).exit_reason, ==,
	    CW_ORDER_PURPOSE_MANUAL_EXIT);
	cw_assert_close(
	    g_array_index(cw_trading_orchestrator_get_trades(orch), CwTrade, 0).exit_price, 99);

	/* reduce-only: an entry would increase the position */
	g_assert_true(cw_guard_pipeline_mode_allows(CW_BOT_MODE_ACTIVE, &e->order, FALSE, NULL, 0));
	{
		CwOrder o = {.purpose = CW_ORDER_PURPOSE_ENTRY};
		char reason[CW_REASON_LEN];

		g_assert_false(cw_guard_pipeline_mode_allows(CW_BOT_MODE_REDUCE_ONLY, &o, FALSE,
							     reason, sizeof(reason)));
		o.purpose = CW_ORDER_PURPOSE_TAKE_PROFIT;
		g_assert_true(cw_guard_pipeline_mode_allows(CW_BOT_MODE_REDUCE_ONLY, &o, TRUE,
							    reason, sizeof(reason)));
		g_assert_false(cw_guard_pipeline_mode_allows(CW_BOT_MODE_HALTED, &o, TRUE, reason,
							     sizeof(reason)));
		o.purpose = CW_ORDER_PURPOSE_STOP_LOSS;
		g_assert_true(cw_guard_pipeline_mode_allows(CW_BOT_MODE_HALTED, &o, TRUE, reason,
							    sizeof(reason)));
	}
}

static void
test_time_exit(void)
{
	g_autoptr(CwTradingOrchestrator) orch = new_orchestrator(
	    "{'name': 'bot-t', " BASE ", 'strategy': {'id': 't', 'type': 'scripted', 'params': "
	    "{'signals': {'1': 'long'}}, 'exit': {'time_exit_candles': 3}}}",
	    NULL);
	const GArray *trades;

	run_bars(orch, calm, 8);
	trades = cw_trading_orchestrator_get_trades(orch);
	g_assert_cmpuint(trades->len, ==, 1);
	/* in the position at the closes of 2, 3 and 4; out at 5's open */
	check_trade(&g_array_index(trades, CwTrade, 0), CW_DIRECTION_LONG, 100, 100, 10, 0, 1.0,
		    CW_ORDER_PURPOSE_TIME_EXIT, 2, 5);
}

static void
test_signal_exit_and_reversal(void)
{
	g_autoptr(CwTradingOrchestrator) orch = new_orchestrator(
	    "{'name': 'bot-r', " BASE ", 'strategy': {'id': 'r', 'type': 'scripted', 'params': "
	    "{'signals': {'1': 'long', '4': 'short', '5': 'short'}, 'exits': {'8': 'short'}}, "
	    "'exit': {'exit_on_opposite_signal': true}}}",
	    NULL);
	const GArray *trades;

	run_bars(orch, calm, 12);
	trades = cw_trading_orchestrator_get_trades(orch);
	g_assert_cmpuint(trades->len, ==, 2);
	/* short signal at 4 closes the long at 5; still short at 5: the short
	 * opens at 6; exit_signal short at 8 closes it at 9 */
	check_trade(&g_array_index(trades, CwTrade, 0), CW_DIRECTION_LONG, 100, 100, 10, 0, 1.0,
		    CW_ORDER_PURPOSE_SIGNAL_EXIT, 2, 5);
	check_trade(&g_array_index(trades, CwTrade, 1), CW_DIRECTION_SHORT, 100, 100, 10, 0, 1.0,
		    CW_ORDER_PURPOSE_SIGNAL_EXIT, 6, 9);
}

static void
test_sizing(void)
{
	g_autoptr(CwTradingOrchestrator) risk = NULL;
	g_autoptr(CwTradingOrchestrator) compound = NULL;
	g_autoptr(CwTradingOrchestrator) protect = NULL;
	g_autoptr(CwTradingOrchestrator) notional = NULL;
	g_autoptr(CwTradingOrchestrator) no_atr = NULL;
	const CwPosition *p;

	/* 1% of 10000 at risk over an ATR stop of 1.5 x 2 = 3: 33.33 (lot 0.01) */
	risk = new_orchestrator(
	    "{'name': 'bot-s', " BASE ", 'instrument': {'lot_step': 0.01}, 'strategy': {'id': "
	    "'s', 'type': 'scripted', 'params': {'signals': {'1': 'long'}, 'atr': 2}, 'exit': "
	    "{'stop_loss': {'type': 'atr', 'value': 1.5}}, 'sizing': {'mode': 'risk_percent', "
	    "'risk_percent': 1}}}",
	    NULL);
	run_bars(risk, calm, 3);
	p = cw_trading_orchestrator_get_position(risk);
	cw_assert_close(p->qty, 33.33);
	cw_assert_close(p->stop_price, 97);

	/* compounding: the second entry adds half of the first trade's profit */
	compound = new_orchestrator(
	    "{'name': 'bot-c', " BASE ", 'strategy': {'id': 'c', 'type': 'scripted', 'params': "
	    "{'signals': {'1': 'long', '5': 'short'}}, " EXIT_A ", 'sizing': {'mode': "
	    "'compounding', 'quote': 1000, 'reinvest_fraction': 0.5}}}",
	    NULL);
	run_bars(compound, bars_a, 7);
	p = cw_trading_orchestrator_get_position(compound);
	g_assert_cmpint(p->direction, ==, CW_DIRECTION_SHORT);
	cw_assert_close(p->qty, (1000 + 0.5 * (10.5 - 0.85225)) / 100);

	/* compounding never puts the protected deposit at risk */
	protect = new_orchestrator(
	    "{'name': 'bot-p', " BASE ", 'strategy': {'id': 'p', 'type': 'scripted', 'params': "
	    "{'signals': {'1': 'long'}}, 'sizing': {'mode': 'compounding', 'quote': 1000, "
	    "'protected_deposit': 9500}}}",
	    NULL);
	run_bars(protect, calm, 4);
	g_assert_true(cw_account_is_flat(cw_trading_orchestrator_get_account(protect)));

	/* below the exchange's minimum notional: no order */
	notional = new_orchestrator(
	    "{'name': 'bot-n', " BASE ", 'instrument': {'min_notional': 2000}, 'strategy': {'id': "
	    "'n', 'type': 'scripted', 'params': {'signals': {'1': 'long'}}}}",
	    NULL);
	run_bars(notional, calm, 4);
	g_assert_true(cw_account_is_flat(cw_trading_orchestrator_get_account(notional)));
	g_assert_cmpuint(cw_trading_orchestrator_get_next_seq(notional), ==, 1);

	/* an ATR stop without an ATR: no trade */
	no_atr = new_orchestrator(
	    "{'name': 'bot-x', " BASE ", 'strategy': {'id': 'x', 'type': 'scripted', 'params': "
	    "{'signals': {'1': 'long'}}, 'exit': {'stop_loss': {'type': 'atr', 'value': 1}}}}",
	    NULL);
	run_bars(no_atr, calm, 4);
	g_assert_true(cw_account_is_flat(cw_trading_orchestrator_get_account(no_atr)));
}

static void
test_construction(void)
{
	g_autoptr(CwBotConfig) config = NULL;
	g_autoptr(CwTradingOrchestrator) orch = NULL;
	g_autoptr(GError) error = NULL;

	/* an explicit spec instead of the active one */
	config = cw_test_config_new(
	    "{'name': 'multi', " BASE ", 'strategies': [{'id': 'one', 'type': 'scripted'}, "
	    "{'id': 'two', 'type': 'scripted'}], 'active_strategy': 'one'}");
	orch = cw_trading_orchestrator_new(config, cw_bot_config_get_strategy(config, "two"), NULL,
					   &error);
	g_assert_no_error(error);
	g_assert_cmpstr(cw_trading_orchestrator_get_spec(orch)->id, ==, "two");
	g_assert_true(CW_IS_TEST_SCRIPTED_STRATEGY(cw_trading_orchestrator_get_strategy(orch)));
	g_assert_true(CW_IS_PAPER_BROKER(cw_trading_orchestrator_get_broker(orch)));
	g_assert_cmpuint(
	    cw_guard_pipeline_get_n_guards(cw_trading_orchestrator_get_guard_pipeline(orch)), ==,
	    0);
	/* finish without candles is harmless */
	cw_trading_orchestrator_finish(orch);
	g_clear_object(&orch);
	g_clear_pointer(&config, cw_bot_config_unref);

	/* an unknown broker lists the known ones */
	config = cw_test_config_new("{'name': 'bad', 'symbol': 'TUSDT', 'broker': {'type': "
				    "'nope'}, 'strategy': {'type': 'scripted'}}");
	orch = cw_trading_orchestrator_new(config, NULL, NULL, &error);
	g_assert_null(orch);
	g_assert_error(error, CW_CORE_ERROR, CW_CORE_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "broker.type"));
	g_assert_nonnull(strstr(error->message, "paper"));
	g_clear_error(&error);
	g_clear_pointer(&config, cw_bot_config_unref);

	/* the broker's own validation */
	config =
	    cw_test_config_new("{'name': 'bad', 'symbol': 'TUSDT', 'broker': {'taker_fee_bps': "
			       "'x'}, 'strategy': {'type': 'scripted'}}");
	orch = cw_trading_orchestrator_new(config, NULL, NULL, &error);
	g_assert_null(orch);
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, "broker.taker_fee_bps"));
}

/* The operator's close: through the guards, allowed when halted, filled at
 * the next open, events with "manual close"; a flat bot is an error; a
 * guard that refuses every order refuses it with its reason. */
static void
test_request_close(void)
{
	g_autoptr(CwEventBus) bus = cw_event_bus_new();
	g_autoptr(CwTradingOrchestrator) orch = new_orchestrator(CONFIG_A, bus);
	g_autoptr(CwTestRecorder) rec =
	    cw_test_recorder_new(bus, cw_trading_orchestrator_get_strategy_id(orch));
	g_autoptr(GError) error = NULL;
	const CwTrade *t;
	const CwTestEvent *e;
	CwCandle c;

	/* flat: nothing to close */
	run_bars(orch, calm, 1);
	g_assert_false(cw_trading_orchestrator_request_close(orch, &error));
	g_assert_error(error, CW_EXECUTION_ERROR, CW_EXECUTION_ERROR_NO_POSITION);
	g_assert_nonnull(strstr(error->message, "no open position"));
	g_clear_error(&error);

	/* long at 2's open (signal at 1), then halted: the close still passes */
	for (guint i = 1; i < 4; i++) {
		c = cw_test_candle(i, 100, 100.5, 99.5, 100);
		cw_trading_orchestrator_on_candle(orch, &c);
	}
	g_assert_cmpint(cw_trading_orchestrator_get_position(orch)->direction, ==,
			CW_DIRECTION_LONG);
	cw_trading_orchestrator_set_mode(orch, CW_BOT_MODE_HALTED);
	g_assert_true(cw_trading_orchestrator_request_close(orch, &error));
	g_assert_no_error(error);
	/* asked twice: still one close */
	g_assert_true(cw_trading_orchestrator_request_close(orch, &error));
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_ORDER_REJECTED), ==, 0);
	e = cw_test_recorder_nth(rec, CW_EVENT_ORDER_SUBMITTED,
				 cw_test_recorder_count(rec, CW_EVENT_ORDER_SUBMITTED) - 1);
	g_assert_cmpint(e->order.purpose, ==, CW_ORDER_PURPOSE_MANUAL_EXIT);
	g_assert_true(e->order.reduce_only);
	g_assert_cmpstr(e->reason, ==, "manual close");
	/* the paper broker fills it at the next open, 101 */
	g_assert_false(cw_account_is_flat(cw_trading_orchestrator_get_account(orch)));
	c = cw_test_candle(4, 101, 101, 101, 101);
	cw_trading_orchestrator_on_candle(orch, &c);
	g_assert_true(cw_account_is_flat(cw_trading_orchestrator_get_account(orch)));
	g_assert_cmpuint(cw_trading_orchestrator_get_trades(orch)->len, ==, 1);
	t = &g_array_index(cw_trading_orchestrator_get_trades(orch), CwTrade, 0);
	g_assert_cmpint(t->exit_reason, ==, CW_ORDER_PURPOSE_MANUAL_EXIT);
	cw_assert_close(t->exit_price, 101);
	g_assert_cmpint(t->exit_time, ==, 4 * 60000);
	e = cw_test_recorder_nth(rec, CW_EVENT_TRADE_CLOSED, 0);
	g_assert_cmpstr(e->reason, ==, "manual close");
	g_assert_cmpstr(e->source, ==, "operator");
	/* the exit plan ended as for any close: no stop left working */
	g_assert_null(cw_trading_orchestrator_get_stop_order(orch));
	g_assert_false(cw_trading_orchestrator_request_close(orch, &error));
	g_assert_error(error, CW_EXECUTION_ERROR, CW_EXECUTION_ERROR_NO_POSITION);
}

static void
test_request_close_refused(void)
{
	/* from the guard's 4th candle on, every order is refused */
	const char *json =
	    "{'name': 'bot-r', " BASE ", 'guardrails': {'test_reject_all_after': 4}, "
	    "'strategy': {'id': 'r', 'type': 'scripted', 'params': "
	    "{'signals': {'1': 'long'}}, " EXIT_A
	    ", 'sizing': {'mode': 'fixed_quote', 'quote': 1000}}}";
	g_autoptr(CwEventBus) bus = cw_event_bus_new();
	g_autoptr(CwTradingOrchestrator) orch = new_orchestrator(json, bus);
	g_autoptr(CwTestRecorder) rec =
	    cw_test_recorder_new(bus, cw_trading_orchestrator_get_strategy_id(orch));
	g_autoptr(GError) error = NULL;
	const CwTestEvent *e;
	CwCandle c;

	for (guint i = 0; i < 4; i++) {
		c = cw_test_candle(i, 100, 100.5, 99.5, 100);
		cw_trading_orchestrator_on_candle(orch, &c);
	}
	g_assert_false(cw_account_is_flat(cw_trading_orchestrator_get_account(orch)));
	g_assert_false(cw_trading_orchestrator_request_close(orch, &error));
	g_assert_error(error, CW_EXECUTION_ERROR, CW_EXECUTION_ERROR_REFUSED);
	g_assert_nonnull(strstr(error->message, "test guard: every order refused"));
	e = cw_test_recorder_nth(rec, CW_EVENT_ORDER_REJECTED,
				 cw_test_recorder_count(rec, CW_EVENT_ORDER_REJECTED) - 1);
	g_assert_cmpint(e->order.purpose, ==, CW_ORDER_PURPOSE_MANUAL_EXIT);
	g_assert_cmpstr(e->source, ==, "test-reject");
	/* nothing pending: a later candle closes nothing */
	c = cw_test_candle(4, 101, 101, 101, 101);
	cw_trading_orchestrator_on_candle(orch, &c);
	g_assert_false(cw_account_is_flat(cw_trading_orchestrator_get_account(orch)));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/execution/orchestrator/end-to-end", test_end_to_end);
	g_test_add_func("/execution/orchestrator/client-order-ids", test_client_order_ids);
	g_test_add_func("/execution/orchestrator/two-orchestrators", test_two_orchestrators);
	g_test_add_func("/execution/orchestrator/guard-rejects", test_guard_rejects);
	g_test_add_func("/execution/orchestrator/guard-modifies", test_guard_modifies);
	g_test_add_func("/execution/orchestrator/guard-flattens", test_guard_flattens);
	g_test_add_func("/execution/orchestrator/guard-state", test_guard_state);
	g_test_add_func("/execution/orchestrator/modes", test_modes);
	g_test_add_func("/execution/orchestrator/request-close", test_request_close);
	g_test_add_func("/execution/orchestrator/request-close-refused",
			test_request_close_refused);
	g_test_add_func("/execution/orchestrator/time-exit", test_time_exit);
	g_test_add_func("/execution/orchestrator/signal-exit-and-reversal",
			test_signal_exit_and_reversal);
	g_test_add_func("/execution/orchestrator/sizing", test_sizing);
	g_test_add_func("/execution/orchestrator/construction", test_construction);
	return g_test_run();
}
