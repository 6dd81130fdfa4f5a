/* Recovery without re-deciding: an orchestrator that warms up on the
 * history and then restores the snapshot of another one at the same
 * candle trades on exactly as the uninterrupted one; warm-up never reaches
 * the broker; a damaged snapshot is refused with what failed. */
#include "cw-execution-test-utils.h"

#include <math.h>

#define N_CANDLES 400

/* Signals every 13 candles, alternating; stop 1.5%, two take profits and
 * a trailing stop after TP2; a stateful guard that flattens from candle 350. */
#define CONFIG_R(broker)                                                                           \
	"{'name': 'bot-r', 'symbol': 'TUSDT', 'interval': '1m', 'initial_balance': 10000, "        \
	"'broker': " broker ", 'guardrails': {'test_flatten_after': 350}, "                        \
	"'strategy': {'id': 'r', 'type': 'scripted', 'params': {'signals': %s}, "                  \
	"'exit': {'stop_loss': {'type': 'percent', 'value': 1.5}, 'take_profits': "                \
	"[{'percent': 1, 'close': 0.4}, {'percent': 2, 'close': 0.3}], 'breakeven': "              \
	"{'offset_pct': 0.1}, 'trailing': {'type': 'percent', 'value': 1}}, "                      \
	"'sizing': {'mode': 'fixed_quote', 'quote': 1000}}}"

static char *
signals_json(void)
{
	GString *s = g_string_new("{");

	for (guint i = 3, n = 0; i < N_CANDLES; i += 13, n++)
		g_string_append_printf(s, "%s'%u': '%s'", n > 0 ? ", " : "", i,
				       n % 2 == 0 ? "long" : "short");
	g_string_append_c(s, '}');
	return g_string_free(s, FALSE);
}

static CwCandle
wave_candle(guint i)
{
	double mid = 100 + 4 * sin(i / 9.0) + 1.5 * sin(i / 2.3);
	double next = 100 + 4 * sin((i + 1) / 9.0) + 1.5 * sin((i + 1) / 2.3);

	return cw_test_candle(i, mid, MAX(mid, next) + 0.6, MIN(mid, next) - 0.6, next);
}

static CwTradingOrchestrator *
new_orchestrator(const char *broker, CwEventBus *bus)
{
	g_autofree char *signals = signals_json();
	g_autofree char *json = NULL;
	g_autoptr(CwBotConfig) config = NULL;
	g_autoptr(GError) error = NULL;
	CwTradingOrchestrator *orch;

	if (g_strcmp0(broker, "venue") == 0)
		json = g_strdup_printf(CONFIG_R("{'type': 'venue'}"), signals);
	else
		json = g_strdup_printf(CONFIG_R("{'slippage_bps': 1, 'maker_fee_bps': 2, "
						"'taker_fee_bps': 5}"),
				       signals);
	config = cw_test_config_new(json);
	orch = cw_trading_orchestrator_new(config, NULL, bus, &error);
	g_assert_no_error(error);
	return orch;
}

static void
run(CwTradingOrchestrator *orch, guint from, guint to)
{
	for (guint i = from; i < to; i++) {
		CwCandle c = wave_candle(i);
		cw_trading_orchestrator_on_candle(orch, &c);
	}
}

static void
assert_same_trades(const GArray *a, const GArray *b)
{
	g_assert_cmpuint(a->len, ==, b->len);
	for (guint i = 0; i < a->len; i++) {
		const CwTrade *x = &g_array_index(a, CwTrade, i);
		const CwTrade *y = &g_array_index(b, CwTrade, i);
		g_assert_cmpint(x->entry_time, ==, y->entry_time);
		g_assert_cmpint(x->exit_time, ==, y->exit_time);
		g_assert_cmpint(x->direction, ==, y->direction);
		g_assert_cmpfloat(x->entry_price, ==, y->entry_price);
		g_assert_cmpfloat(x->exit_price, ==, y->exit_price);
		g_assert_cmpfloat(x->qty, ==, y->qty);
		g_assert_cmpfloat(x->net_pnl, ==, y->net_pnl);
		g_assert_cmpint(x->exit_reason, ==, y->exit_reason);
	}
}

/* Interrupted at candle k: a fresh orchestrator warms up on 0..k, takes
 * the snapshot, goes on; trades, account and next order id as without the
 * interruption. */
static void
test_round_trip(void)
{
	static const guint cuts[] = {0, 4, 17, 45, 101, 202, 333, 351, 399};
	g_autoptr(CwTradingOrchestrator) ref = new_orchestrator("paper", NULL);
	g_autoptr(GByteArray) buf = g_byte_array_new();
	const CwAccount *ra = cw_trading_orchestrator_get_account(ref);

	run(ref, 0, N_CANDLES);
	g_assert_cmpuint(cw_trading_orchestrator_get_trades(ref)->len, >=, 10);
	for (guint c = 0; c < G_N_ELEMENTS(cuts); c++) {
		g_autoptr(CwTradingOrchestrator) a = new_orchestrator("paper", NULL);
		g_autoptr(CwTradingOrchestrator) b = new_orchestrator("paper", NULL);
		g_autoptr(GError) error = NULL;
		const CwAccount *ba = cw_trading_orchestrator_get_account(b);
		guint k = cuts[c];

		run(a, 0, k);
		cw_trading_orchestrator_snapshot(a, buf);
		cw_trading_orchestrator_set_warm_up(b, TRUE);
		run(b, 0, k);
		g_assert_true(cw_trading_orchestrator_restore(b, buf->data, buf->len, &error));
		g_assert_no_error(error);
		cw_trading_orchestrator_set_warm_up(b, FALSE);
		g_assert_cmpuint(cw_trading_orchestrator_get_next_seq(b), ==,
				 cw_trading_orchestrator_get_next_seq(a));
		run(b, k, N_CANDLES);
		assert_same_trades(cw_trading_orchestrator_get_trades(ref),
				   cw_trading_orchestrator_get_trades(b));
		g_assert_cmpfloat(ba->equity, ==, ra->equity);
		g_assert_cmpfloat(ba->max_drawdown, ==, ra->max_drawdown);
		g_assert_cmpuint(ba->exposure_candles, ==, ra->exposure_candles);
		g_assert_cmpuint(cw_trading_orchestrator_get_next_seq(b), ==,
				 cw_trading_orchestrator_get_next_seq(ref));
		g_assert_cmpint(cw_trading_orchestrator_get_mode(b), ==,
				cw_trading_orchestrator_get_mode(ref));
	}
}

/* Warm-up reaches no venue: no submit, no cancel, no candle matched, no
 * lookup, no event, even through finish() and poll(). */
static void
test_warm_up_sends_nothing(void)
{
	g_autoptr(CwEventBus) bus = cw_event_bus_new();
	g_autoptr(CwTradingOrchestrator) live = new_orchestrator("venue", NULL);
	g_autoptr(CwTradingOrchestrator) orch = new_orchestrator("venue", bus);
	g_autoptr(CwTestRecorder) rec =
	    cw_test_recorder_new(bus, cw_trading_orchestrator_get_strategy_id(orch));
	CwTestVenueBroker *venue = CW_TEST_VENUE_BROKER(cw_trading_orchestrator_get_broker(orch));
	guint64 refused = cw_trading_orchestrator_get_n_refused_calls();

	/* the same history live does reach the venue */
	run(live, 0, 60);
	g_assert_cmpuint(cw_test_venue_broker_get_n_calls(
			     CW_TEST_VENUE_BROKER(cw_trading_orchestrator_get_broker(live))),
			 >, 60);

	cw_trading_orchestrator_set_warm_up(orch, TRUE);
	run(orch, 0, 60);
	cw_trading_orchestrator_poll(orch);
	cw_trading_orchestrator_close_all(orch, CW_ORDER_PURPOSE_MANUAL_EXIT);
	cw_trading_orchestrator_finish(orch);
	g_assert_cmpuint(cw_test_venue_broker_get_n_calls(venue), ==, 0);
	g_assert_cmpuint(cw_test_venue_broker_get_n_submitted_ids(venue), ==, 0);
	g_assert_cmpuint(rec->events->len, ==, 0);
	g_assert_cmpuint(cw_trading_orchestrator_get_next_seq(orch), ==, 1);
	/* nothing was even tried: the refusing table stayed unused */
	g_assert_cmpuint(cw_trading_orchestrator_get_n_refused_calls(), ==, refused);
	/* the strategy did see the candles */
	g_assert_cmpuint(cw_trading_orchestrator_get_n_candles(orch), ==, 0);
	g_assert_true(cw_trading_orchestrator_get_last_output(orch) != NULL);

	/* out of warm-up it trades again */
	cw_trading_orchestrator_set_warm_up(orch, FALSE);
	run(orch, 60, 120);
	g_assert_cmpuint(cw_test_venue_broker_get_n_calls(venue), >, 0);
}

/* Trades entered at or after candle i. */
static guint
count_entries_from(CwTradingOrchestrator *orch, guint i)
{
	const GArray *trades = cw_trading_orchestrator_get_trades(orch);
	guint n = 0;

	for (guint t = 0; t < trades->len; t++)
		n += g_array_index(trades, CwTrade, t).entry_time >= (gint64) i * 60000;
	return n;
}

/* Catch-up (candles that closed while the bot was down): the resting stop
 * and take profits fill on them as an exchange's would have, but no
 * signal is acted on, no entry taken, no trailing move made; out of
 * catch-up the bot decides again. The same candles live do trade. */
static void
test_catch_up_decides_nothing(void)
{
	g_autoptr(CwEventBus) bus = cw_event_bus_new();
	g_autoptr(CwTradingOrchestrator) ref = new_orchestrator("paper", NULL);
	g_autoptr(CwTradingOrchestrator) orch = new_orchestrator("paper", bus);
	g_autoptr(CwTestRecorder) rec =
	    cw_test_recorder_new(bus, cw_trading_orchestrator_get_strategy_id(orch));
	const CwAccount *acc = cw_trading_orchestrator_get_account(orch);
	const GArray *trades = cw_trading_orchestrator_get_trades(orch);
	const CwTrade *last;
	guint seen;

	/* candle 3's long signal has filled: a position with its stop and
	 * take profits resting */
	run(orch, 0, 6);
	g_assert_cmpfloat(cw_account_get_signed_qty(acc), >, 0);
	g_assert_cmpuint(trades->len, ==, 0);
	seen = rec->events->len;

	cw_trading_orchestrator_set_catch_up(orch, TRUE);
	g_assert_true(cw_trading_orchestrator_is_catch_up(orch));
	run(orch, 6, 90);
	for (guint i = seen; i < rec->events->len; i++) {
		const CwTestEvent *e = &g_array_index(rec->events, CwTestEvent, i);

		g_assert_cmpint(e->event.type, !=, CW_EVENT_SIGNAL_NEW);
		g_assert_cmpint(e->event.type, !=, CW_EVENT_EXIT_SIGNAL);
		g_assert_cmpint(e->event.type, !=, CW_EVENT_STOP_MOVED);
		if (e->has_order)
			g_assert_cmpint(e->order.purpose, !=, CW_ORDER_PURPOSE_ENTRY);
	}
	/* the position went out at a resting order, and nothing came after */
	g_assert_cmpfloat(cw_account_get_signed_qty(acc), ==, 0);
	g_assert_cmpuint(trades->len, >=, 1);
	last = &g_array_index(trades, CwTrade, trades->len - 1);
	g_test_message(
	    "caught up: %u trades closed, the last by purpose %d at candle %" G_GINT64_FORMAT,
	    trades->len, last->exit_reason, last->exit_time / 60000);
	g_assert_true(last->exit_reason == CW_ORDER_PURPOSE_STOP_LOSS ||
		      last->exit_reason == CW_ORDER_PURPOSE_TAKE_PROFIT);
	g_assert_cmpuint(count_entries_from(orch, 6), ==, 0);

	/* live, the same candles open trades */
	run(ref, 0, 90);
	g_assert_cmpuint(count_entries_from(ref, 6), >, 0);

	/* and out of catch-up this one does again */
	cw_trading_orchestrator_set_catch_up(orch, FALSE);
	run(orch, 90, 200);
	g_assert_cmpuint(count_entries_from(orch, 90), >, 0);
}

static void
expect_refused(CwTradingOrchestrator *orch, const guint8 *data, gsize len, const char *what)
{
	g_autoptr(GError) error = NULL;

	g_assert_false(cw_trading_orchestrator_restore(orch, data, len, &error));
	g_assert_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA);
	g_test_message("refused: %s", error->message);
	g_assert_nonnull(strstr(error->message, what));
}

/* Fail closed: every damage is named. */
static void
test_damaged(void)
{
	g_autoptr(CwTradingOrchestrator) a = new_orchestrator("paper", NULL);
	g_autoptr(CwTradingOrchestrator) b = new_orchestrator("paper", NULL);
	g_autoptr(GByteArray) buf = g_byte_array_new();
	g_autofree guint8 *copy = NULL;
	g_autoptr(GError) error = NULL;

	run(a, 0, 50);
	cw_trading_orchestrator_snapshot(a, buf);
	copy = g_memdup2(buf->data, buf->len);
	copy[buf->len / 2] ^= 0x40;
	expect_refused(b, copy, buf->len, "checksum mismatch");
	expect_refused(b, buf->data, buf->len - 3, "length");
	expect_refused(b, buf->data, 10, "no CWTS header");
	memcpy(copy, buf->data, buf->len);
	copy[8] ^= 1; /* the layout fingerprint */
	expect_refused(b, copy, buf->len, "another build");
	memcpy(copy, buf->data, buf->len);
	copy[4] = 9; /* the version */
	expect_refused(b, copy, buf->len, "version 9");
	g_assert_false(cw_trading_orchestrator_verify_snapshot(copy, buf->len, &error));
	g_assert_nonnull(error);
	g_clear_error(&error);
	g_assert_true(cw_trading_orchestrator_verify_snapshot(buf->data, buf->len, &error));
	g_assert_no_error(error);
	g_assert_true(cw_trading_orchestrator_restore(b, buf->data, buf->len, &error));
	g_assert_no_error(error);
}

/* A snapshot of another strategy does not apply. */
static void
test_other_strategy(void)
{
	g_autoptr(CwTradingOrchestrator) a = new_orchestrator("paper", NULL);
	g_autoptr(CwBotConfig) config =
	    cw_test_config_new("{'name': 'bot-x', 'symbol': 'TUSDT', 'interval': '1m', "
			       "'strategy': {'id': 'x', 'type': 'scripted'}}");
	g_autoptr(GError) error = NULL;
	g_autoptr(CwTradingOrchestrator) b =
	    cw_trading_orchestrator_new(config, NULL, NULL, &error);
	g_autoptr(GByteArray) buf = g_byte_array_new();

	g_assert_no_error(error);
	run(a, 0, 10);
	cw_trading_orchestrator_snapshot(a, buf);
	expect_refused(b, buf->data, buf->len, "strategy 'bot-r:r'");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	cw_test_register_types();
	g_test_add_func("/execution/recovery/round-trip", test_round_trip);
	g_test_add_func("/execution/recovery/warm-up-sends-nothing", test_warm_up_sends_nothing);
	g_test_add_func("/execution/recovery/catch-up-decides-nothing",
			test_catch_up_decides_nothing);
	g_test_add_func("/execution/recovery/damaged-snapshot", test_damaged);
	g_test_add_func("/execution/recovery/other-strategy", test_other_strategy);
	return g_test_run();
}
