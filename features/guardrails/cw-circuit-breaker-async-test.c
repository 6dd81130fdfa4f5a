/* The circuit breaker counts the broker errors that arrive later, in
 * execution reports, like the ones submit() returns at once: an exchange
 * that refuses orders asynchronously trips it too. */
#include "cw-execution-test-utils.h"
#include "cw-guardrails.h"

#define CONFIG                                                                                     \
	"{'name': 'cb', 'symbol': 'TUSDT', 'interval': '1m', 'initial_balance': 10000, "           \
	"'broker': {'type': 'venue'}, "                                                            \
	"'guardrails': {'circuit_breaker': {'max_errors': 2, 'cooldown_seconds': 600}}, "          \
	"'strategy': {'id': 's', 'type': 'scripted', 'params': {'signals': {'2': 'long', '3': "    \
	"'long', '4': 'long'}}, 'exit': {'stop_loss': {'type': 'percent', 'value': 2}}, "          \
	"'sizing': {'mode': 'fixed_quote', 'quote': 1000}}}"

static void
test_async_rejections_trip_the_breaker(void)
{
	g_autoptr(CwBotConfig) config = NULL;
	g_autoptr(CwEventBus) bus = cw_event_bus_new();
	g_autoptr(CwTradingOrchestrator) orch = NULL;
	g_autoptr(CwTestRecorder) rec = NULL;
	g_autoptr(GError) error = NULL;
	CwTestVenueBroker *venue;
	const CwTestEvent *e;

	cw_guardrails_register_types();
	config = cw_test_config_new(CONFIG);
	orch = cw_trading_orchestrator_new(config, NULL, bus, &error);
	g_assert_no_error(error);
	rec = cw_test_recorder_new(bus, cw_trading_orchestrator_get_strategy_id(orch));
	venue = CW_TEST_VENUE_BROKER(cw_trading_orchestrator_get_broker(orch));
	/* the entries of candles 2 and 3 are accepted for sending, then refused */
	cw_test_venue_broker_script_times(venue, CW_TEST_VENUE_REJECT, 0, 2);
	for (guint i = 0; i < 5; i++) {
		CwCandle c = cw_test_candle(i, 100, 100.5, 99.5, 100);

		cw_trading_orchestrator_on_candle(orch, &c);
		cw_test_venue_broker_deliver(venue);
	}
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_ORDER_SUBMITTED), ==, 2);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_ORDER_REJECTED), ==, 3);
	/* the third entry is refused by the tripped breaker, not sent */
	e = cw_test_recorder_nth(rec, CW_EVENT_GUARD_TRIPPED, 0);
	g_assert_nonnull(e);
	g_assert_cmpstr(e->source, ==, "circuit_breaker");
	g_assert_cmpuint(cw_test_venue_broker_get_n_submitted_ids(venue), ==, 2);
	g_assert_cmpint(cw_trading_orchestrator_get_mode(orch), ==, CW_BOT_MODE_HALTED);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/guardrails/circuit-breaker/async-rejections",
			test_async_rejections_trip_the_breaker);
	return g_test_run();
}
