/* CwRetryPoller: serve's retries on the wall clock. A bot on a venue broker
 * is given the wall clock, and a refused submit is sent again by the
 * main-loop timeout when its retry falls due, with no candle in between;
 * a bot on the paper broker keeps the candles' time and arms nothing. */
#include "cw-services-runtime.h"

#include "cw-execution-test-utils.h"

#define POLLER_CONFIG                                                                              \
	"{'name': 'p', 'symbol': 'TUSDT', 'interval': '1m', 'initial_balance': 10000, "            \
	"'broker': {'type': '%s'}, "                                                               \
	"'execution': {'retry_initial_s': 0.05, 'retry_max_s': 0.2}, "                             \
	"'strategy': {'id': 's', 'type': 'scripted', 'params': {'signals': {'2': 'long'}}, "       \
	"'exit': {'stop_loss': {'type': 'percent', 'value': 2}}, "                                 \
	"'sizing': {'mode': 'fixed_quote', 'quote': 1000}}}"

typedef struct {
	CwEventBus *bus;
	CwTradingOrchestrator *orch;
	CwTestRecorder *rec;
} PollerFixture;

static void
poller_fixture_init(PollerFixture *f, const char *broker)
{
	g_autofree char *json = g_strdup_printf(POLLER_CONFIG, broker);
	g_autoptr(CwBotConfig) config = cw_test_config_new(json);
	g_autoptr(GError) error = NULL;

	f->bus = cw_event_bus_new();
	f->orch = cw_trading_orchestrator_new(config, NULL, f->bus, &error);
	g_assert_no_error(error);
	f->rec = cw_test_recorder_new(f->bus, cw_trading_orchestrator_get_strategy_id(f->orch));
}

static void
poller_fixture_clear(PollerFixture *f)
{
	cw_test_recorder_free(f->rec);
	g_object_unref(f->orch);
	g_object_unref(f->bus);
}

static void
poller_candles(PollerFixture *f, guint from, guint to)
{
	for (guint i = from; i < to; i++) {
		CwCandle c = cw_test_candle(i, 100, 100.5, 99.5, 100);
		cw_trading_orchestrator_on_candle(f->orch, &c);
	}
}

/* The refused entry goes out again on the wall clock, without a candle. */
/* Wakes the main loop every 20 ms, so that a wait for something that never
 * comes still ends at its deadline. */
static gboolean
poller_tick_cb(gpointer user_data)
{
	return G_SOURCE_CONTINUE;
}

static void
test_retry_poller_venue_retries_on_wall_clock(void)
{
	PollerFixture f;
	g_autoptr(CwRetryPoller) poller = cw_retry_poller_new();
	CwTestVenueBroker *venue;
	gint64 start = g_get_real_time() / 1000;
	gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	guint tick;
	gint64 armed;

	poller_fixture_init(&f, "venue");
	venue = CW_TEST_VENUE_BROKER(cw_trading_orchestrator_get_broker(f.orch));
	g_assert_true(cw_retry_poller_adopt(poller, f.orch));
	/* nothing pending: nothing armed */
	g_assert_cmpint(cw_retry_poller_get_armed(poller), ==, G_MAXINT64);
	cw_test_venue_broker_script(venue, CW_TEST_VENUE_RATE_LIMIT, 0.1);
	poller_candles(&f, 0, 3); /* the signal: the entry is refused, retry after 0.1 s */
	g_assert_cmpuint(cw_test_recorder_count(f.rec, CW_EVENT_ORDER_SUBMITTED), ==, 0);
	cw_retry_poller_arm(poller);
	armed = cw_retry_poller_get_armed(poller);
	/* due on the wall clock, not at a candle's time */
	g_assert_cmpint(armed, >=, start + 100);
	g_assert_cmpint(armed, <, start + 5000);
	tick = g_timeout_add(20, poller_tick_cb, NULL);
	while (cw_test_recorder_count(f.rec, CW_EVENT_ORDER_SUBMITTED) == 0 &&
	       g_get_monotonic_time() < until)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(tick);
	g_assert_cmpuint(cw_test_recorder_count(f.rec, CW_EVENT_ORDER_SUBMITTED), ==, 1);
	g_assert_cmpint(g_get_real_time() / 1000, >=, armed);
	g_assert_cmpuint(cw_retry_poller_get_n_polls(poller), >=, 1);
	/* done: the timeout is gone */
	g_assert_cmpint(cw_retry_poller_get_armed(poller), ==, G_MAXINT64);
	cw_retry_poller_release(poller);
	poller_fixture_clear(&f);
}

/* The paper broker matches on candles: it keeps the candles' time. */
static void
test_retry_poller_paper_keeps_candle_time(void)
{
	PollerFixture f;
	g_autoptr(CwRetryPoller) poller = cw_retry_poller_new();

	poller_fixture_init(&f, "paper");
	g_assert_false(cw_retry_poller_adopt(poller, f.orch));
	poller_candles(&f, 0, 4);
	cw_retry_poller_arm(poller);
	g_assert_cmpint(cw_retry_poller_get_armed(poller), ==, G_MAXINT64);
	g_assert_cmpuint(cw_retry_poller_get_n_polls(poller), ==, 0);
	poller_fixture_clear(&f);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/services/retry-poller/venue-retries-on-wall-clock",
			test_retry_poller_venue_retries_on_wall_clock);
	g_test_add_func("/services/retry-poller/paper-keeps-candle-time",
			test_retry_poller_paper_keeps_candle_time);
	return g_test_run();
}
