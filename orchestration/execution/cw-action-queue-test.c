/* Action queue: FIFO order, backoff in seconds, failure after max retries,
 * head-of-line blocking, capacity, re-entrant pushes; and the same through
 * an orchestrator whose broker fails. */
#include "cw-execution-test-utils.h"

#include <math.h>

typedef struct {
	GArray *ran;      /* of guint64 action id */
	GArray *ran_at;   /* of gint64 ms */
	GArray *failed;   /* of guint64 action id */
	guint fail_first; /* fail action 1 this many times */
	CwActionQueue *queue;
	gint64 now; /* ms */
	gboolean push_from_exec;
	double retry_after_s; /* returned with every RETRY */
} Ctx;

static CwActionResult
exec_cb(CwAction *action, gpointer user_data)
{
	Ctx *c = user_data;

	g_array_append_val(c->ran, action->id);
	g_array_append_val(c->ran_at, c->now);
	if (c->push_from_exec && action->id == 1) {
		CwAction more = {.type = CW_ACTION_CLOSE};
		g_assert_true(cw_action_queue_push(c->queue, &more, c->now));
		/* a nested run is refused */
		g_assert_cmpuint(cw_action_queue_run(c->queue, c->now, exec_cb, NULL, c), ==, 0);
	}
	if (action->id == 1 && action->attempts < c->fail_first) {
		g_snprintf(action->last_error, sizeof(action->last_error), "boom %u",
			   action->attempts);
		action->retry_after_s = c->retry_after_s;
		return CW_ACTION_RESULT_RETRY;
	}
	return CW_ACTION_RESULT_DONE;
}

static void
failed_cb(CwAction *action, gpointer user_data)
{
	Ctx *c = user_data;

	g_array_append_val(c->failed, action->id);
	g_assert_cmpuint(action->attempts, ==, 6);
	g_assert_cmpstr(action->last_error, ==, "boom 5");
}

static void
ctx_init(Ctx *c, guint capacity)
{
	memset(c, 0, sizeof(*c));
	c->ran = g_array_new(FALSE, FALSE, sizeof(guint64));
	c->ran_at = g_array_new(FALSE, FALSE, sizeof(guint64));
	c->failed = g_array_new(FALSE, FALSE, sizeof(guint64));
	c->queue = cw_action_queue_new(capacity, CW_ACTION_QUEUE_DEFAULT_MAX_RETRIES);
	/* no jitter: exact delays of 1, 2, 4, 8, 16 s */
	cw_action_queue_set_backoff(c->queue, &(CwBackoff){1.0, 2.0, 1000.0, 0.0});
}

static void
ctx_clear(Ctx *c)
{
	g_array_unref(c->ran);
	g_array_unref(c->ran_at);
	g_array_unref(c->failed);
	cw_action_queue_free(c->queue);
}

static void
test_fifo(void)
{
	Ctx c;
	CwAction a = {.type = CW_ACTION_OPEN};

	ctx_init(&c, 4);
	for (guint i = 0; i < 4; i++)
		g_assert_true(cw_action_queue_push(c.queue, &a, 0));
	g_assert_false(cw_action_queue_push(c.queue, &a, 0)); /* full */
	g_assert_cmpuint(cw_action_queue_get_n_dropped_full(c.queue), ==, 1);
	g_assert_cmpuint(cw_action_queue_get_length(c.queue), ==, 4);
	g_assert_cmpuint(cw_action_queue_peek(c.queue)->id, ==, 1);
	g_assert_cmpuint(cw_action_queue_get(c.queue, 3)->id, ==, 4);
	g_assert_null(cw_action_queue_get(c.queue, 4));
	g_assert_cmpuint(cw_action_queue_run(c.queue, 0, exec_cb, failed_cb, &c), ==, 4);
	g_assert_cmpuint(c.ran->len, ==, 4);
	for (guint i = 0; i < 4; i++)
		g_assert_cmpuint(g_array_index(c.ran, guint64, i), ==, i + 1);
	g_assert_cmpuint(cw_action_queue_get_length(c.queue), ==, 0);
	/* wraps around the ring */
	for (guint i = 0; i < 3; i++)
		g_assert_true(cw_action_queue_push(c.queue, &a, 1));
	cw_action_queue_run(c.queue, 1, exec_cb, failed_cb, &c);
	g_assert_cmpuint(g_array_index(c.ran, guint64, 6), ==, 7);
	ctx_clear(&c);
}

static void
test_growth(void)
{
	Ctx c;
	CwAction a = {.type = CW_ACTION_OPEN};

	ctx_init(&c, 64);
	/* move the head off slot 0, so the ring is wrapped when it grows */
	for (guint i = 0; i < 3; i++)
		g_assert_true(cw_action_queue_push(c.queue, &a, 0));
	g_assert_cmpuint(cw_action_queue_run(c.queue, 0, exec_cb, failed_cb, &c), ==, 3);
	for (guint i = 0; i < 64; i++)
		g_assert_true(cw_action_queue_push(c.queue, &a, 1));
	g_assert_false(cw_action_queue_push(c.queue, &a, 1)); /* full at the capacity */
	g_assert_cmpuint(cw_action_queue_get_n_dropped_full(c.queue), ==, 1);
	g_assert_cmpuint(cw_action_queue_get_capacity(c.queue), ==, 64);
	for (guint i = 0; i < 64; i++)
		g_assert_cmpuint(cw_action_queue_get(c.queue, i)->id, ==, i + 4);
	g_assert_cmpuint(cw_action_queue_run(c.queue, 1, exec_cb, failed_cb, &c), ==, 64);
	for (guint i = 0; i < 64; i++)
		g_assert_cmpuint(g_array_index(c.ran, guint64, 3 + i), ==, i + 4);
	ctx_clear(&c);

	/* a failed head goes back in front of a ring that must grow for it */
	ctx_init(&c, 64);
	c.fail_first = 1;
	c.push_from_exec = TRUE;
	for (guint i = 0; i < 4; i++)
		g_assert_true(cw_action_queue_push(c.queue, &a, 0));
	/* 1 runs, pushes 5 and fails: 1 2 3 4 5 are queued */
	g_assert_cmpuint(cw_action_queue_run(c.queue, 0, exec_cb, failed_cb, &c), ==, 0);
	g_assert_cmpuint(cw_action_queue_get_length(c.queue), ==, 5);
	for (guint i = 0; i < 5; i++)
		g_assert_cmpuint(cw_action_queue_get(c.queue, i)->id, ==, i + 1);
	/* not before its retry is due, 1 s later */
	g_assert_cmpuint(cw_action_queue_run(c.queue, 999, exec_cb, failed_cb, &c), ==, 0);
	/* its retry pushes 6 and succeeds */
	g_assert_cmpuint(cw_action_queue_run(c.queue, 1000, exec_cb, failed_cb, &c), ==, 6);
	g_assert_cmpuint(c.ran->len, ==, 7);
	for (guint i = 0; i < 6; i++)
		g_assert_cmpuint(g_array_index(c.ran, guint64, i + 1), ==, i + 1);
	ctx_clear(&c);
}

static void
test_backoff_and_fail(void)
{
	Ctx c;
	CwAction a = {.type = CW_ACTION_OPEN};
	const gint64 expected[] = {0, 1000, 3000, 7000, 15000, 31000};
	guint n = 0;

	ctx_init(&c, 8);
	c.fail_first = 100;
	g_assert_true(cw_action_queue_push(c.queue, &a, 0));
	g_assert_true(cw_action_queue_push(c.queue, &a, 0)); /* blocked behind 1 */
	for (c.now = 0; c.now < 40000; c.now += 500)
		cw_action_queue_run(c.queue, c.now, exec_cb, failed_cb, &c);
	/* action 1 at 0, then retries after 1, 2, 4, 8, 16 s */
	for (guint i = 0; i < c.ran->len; i++) {
		if (g_array_index(c.ran, guint64, i) != 1)
			continue;
		g_assert_cmpuint(n, <, G_N_ELEMENTS(expected));
		g_assert_cmpint(g_array_index(c.ran_at, gint64, i), ==, expected[n]);
		n++;
	}
	g_assert_cmpuint(n, ==, 6);
	g_assert_cmpuint(c.failed->len, ==, 1);
	g_assert_cmpuint(cw_action_queue_get_n_failed(c.queue), ==, 1);
	/* action 2 ran only once action 1 was dropped, at 31 s */
	g_assert_cmpuint(g_array_index(c.ran, guint64, c.ran->len - 1), ==, 2);
	g_assert_cmpint(g_array_index(c.ran_at, gint64, c.ran->len - 1), ==, 31000);
	ctx_clear(&c);
}

static void
test_retry_then_succeed(void)
{
	Ctx c;
	CwAction a = {.type = CW_ACTION_OPEN};

	ctx_init(&c, 8);
	c.fail_first = 2;
	c.push_from_exec = TRUE;
	g_assert_true(cw_action_queue_push(c.queue, &a, 0));
	for (c.now = 0; c.now < 10000; c.now += 1000)
		cw_action_queue_run(c.queue, c.now, exec_cb, failed_cb, &c);
	/* 1 fails at 0 (and pushes 2, which waits behind it) and at 1 s, then
	 * succeeds at 3 s; 2 follows in the same run */
	g_assert_cmpuint(c.failed->len, ==, 0);
	g_assert_cmpuint(c.ran->len, ==, 6); /* 1 pushes at each attempt: ids 2, 3, 4 */
	g_assert_cmpint(g_array_index(c.ran_at, gint64, 2), ==, 3000);
	g_assert_cmpuint(g_array_index(c.ran, guint64, 3), ==, 2);
	g_assert_cmpint(g_array_index(c.ran_at, gint64, 3), ==, 3000);
	ctx_clear(&c);
}

/* A rate limit's retry-after is a floor under the backoff; the jitter of
 * the default policy comes from the client order id, so it is the same on
 * every run. */
static void
test_retry_after_and_jitter(void)
{
	Ctx c;
	CwAction a = {.type = CW_ACTION_OPEN, .has_order = TRUE};
	CwBackoff policy = CW_BACKOFF_DEFAULT;
	gint64 due;

	ctx_init(&c, 8);
	c.fail_first = 1;
	c.retry_after_s = 30;
	g_assert_true(cw_action_queue_push(c.queue, &a, 0));
	cw_action_queue_run(c.queue, 0, exec_cb, failed_cb, &c);
	g_assert_cmpint(cw_action_queue_get_next_due(c.queue), ==, 30000);
	g_assert_cmpuint(cw_action_queue_run(c.queue, 29999, exec_cb, failed_cb, &c), ==, 0);
	g_assert_cmpuint(cw_action_queue_run(c.queue, 30000, exec_cb, failed_cb, &c), ==, 1);
	ctx_clear(&c);

	/* the default policy, jittered by the (unset, so "") client id */
	ctx_init(&c, 8);
	cw_action_queue_set_backoff(c.queue, &policy);
	c.fail_first = 1;
	g_assert_true(cw_action_queue_push(c.queue, &a, 5000));
	cw_action_queue_run(c.queue, 5000, exec_cb, failed_cb, &c);
	due = cw_action_queue_get_next_due(c.queue);
	g_assert_cmpint(due, ==, 5000 + cw_backoff_delay_ms(&policy, 1, "", 0));
	g_assert_cmpint(due, >, 5000 + 799);
	g_assert_cmpint(due, <=, 6000);
	ctx_clear(&c);
}

/* The same through the orchestrator: a broker that fails N times. */
#define FAILING_CONFIG                                                                             \
	"{'name': 'q', 'symbol': 'TUSDT', 'interval': '1m', 'initial_balance': 1000, "             \
	"'broker': {'type': 'failing', 'fail_times': %d}, "                                        \
	"'execution': {'retry_initial_s': 120, 'retry_max_s': 600}, "                              \
	"'strategy': {'id': 's', 'type': 'scripted', 'params': {'signals': {'2': 'long'}}, "       \
	"'exit': {'stop_loss': {'type': 'none'}}, 'sizing': {'mode': 'fixed_quote', 'quote': "     \
	"100}}}"

static void
run_failing(int fail_times, guint n_candles, CwTradingOrchestrator **out_orch,
	    CwTestRecorder **out_rec, CwEventBus **out_bus)
{
	g_autofree char *json = g_strdup_printf(FAILING_CONFIG, fail_times);
	g_autoptr(CwBotConfig) config = cw_test_config_new(json);
	g_autoptr(GError) error = NULL;
	CwEventBus *bus = cw_event_bus_new();
	CwTradingOrchestrator *orch = cw_trading_orchestrator_new(config, NULL, bus, &error);

	g_assert_no_error(error);
	*out_rec = cw_test_recorder_new(bus, cw_trading_orchestrator_get_strategy_id(orch));
	for (guint i = 0; i < n_candles; i++) {
		CwCandle c = cw_test_candle(i, 100, 101, 99, 100);
		cw_trading_orchestrator_on_candle(orch, &c);
	}
	*out_orch = orch;
	*out_bus = bus;
}

static void
test_orchestrator_retry(void)
{
	CwTradingOrchestrator *orch;
	CwTestRecorder *rec;
	CwEventBus *bus;
	const CwTestEvent *e;

	/* 1-minute candles, retries after 120 s then 240 s (less up to 20 %
	 * jitter): the entry decided at candle 2 fails at 2 and 4, goes
	 * through at 8 and fills at candle 9's open */
	run_failing(2, 10, &orch, &rec, &bus);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_ACTION_EXECUTED), ==, 1);
	e = cw_test_recorder_nth(rec, CW_EVENT_ACTION_EXECUTED, 0);
	g_assert_cmpint(e->event.time, ==, 8 * 60000);
	cw_assert_close(e->event.value, 2); /* failed attempts before */
	g_assert_cmpstr(e->source, ==, "open");
	/* one client order id for all attempts */
	g_assert_cmpuint(e->order.seq, ==, 1);
	e = cw_test_recorder_nth(rec, CW_EVENT_ORDER_FILLED, 0);
	g_assert_nonnull(e);
	g_assert_cmpint(e->fill.time, ==, 9 * 60000);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_ACTION_FAILED), ==, 0);
	g_assert_cmpint(cw_trading_orchestrator_get_position(orch)->direction, ==,
			CW_DIRECTION_LONG);
	cw_test_recorder_free(rec);
	g_object_unref(orch);
	g_object_unref(bus);
}

static void
test_orchestrator_fail(void)
{
	CwTradingOrchestrator *orch;
	CwTestRecorder *rec;
	CwEventBus *bus;
	const CwTestEvent *e;
	CwBackoff policy = {120, 2, 600, 0.2};
	gint64 t = 2 * 60000;

	/* six attempts on the clock of the candles, each at the first candle
	 * at or after its backoff (120, 240, 480, 600, 600 s, jittered by the
	 * client order id), then ACTION_FAILED */
	run_failing(-1, 60, &orch, &rec, &bus);
	g_assert_cmpuint(cw_test_failing_broker_get_n_attempts(
			     CW_TEST_FAILING_BROKER(cw_trading_orchestrator_get_broker(orch))),
			 ==, 6);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_ACTION_FAILED), ==, 1);
	e = cw_test_recorder_nth(rec, CW_EVENT_ACTION_FAILED, 0);
	for (guint attempt = 1; attempt <= 5; attempt++) {
		gint64 due = t + cw_backoff_delay_ms(&policy, attempt, e->order.client_order_id, 0);
		t = (due + 59999) / 60000 * 60000;
	}
	g_assert_cmpint(t, >=, 2 * 60000 + (120 + 240 + 480 + 600 + 600) * 800);
	g_assert_cmpint(e->event.time, ==, t);
	g_assert_cmpstr(e->source, ==, "open");
	g_assert_cmpstr(e->reason, ==, "exchange unavailable (attempt 6)");
	g_assert_true(e->has_order);
	g_assert_cmpint(e->order.side, ==, CW_SIDE_BUY);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_ACTION_EXECUTED), ==, 0);
	g_assert_cmpuint(cw_test_recorder_count(rec, CW_EVENT_ORDER_FILLED), ==, 0);
	g_assert_cmpuint(cw_trading_orchestrator_get_n_failed_actions(orch), ==, 1);
	g_assert_cmpuint(cw_trading_orchestrator_get_n_pending_actions(orch), ==, 0);
	g_assert_true(cw_account_is_flat(cw_trading_orchestrator_get_account(orch)));
	cw_test_recorder_free(rec);
	g_object_unref(orch);
	g_object_unref(bus);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/execution/action-queue/fifo", test_fifo);
	g_test_add_func("/execution/action-queue/growth", test_growth);
	g_test_add_func("/execution/action-queue/backoff-and-fail", test_backoff_and_fail);
	g_test_add_func("/execution/action-queue/retry-then-succeed", test_retry_then_succeed);
	g_test_add_func("/execution/action-queue/retry-after-and-jitter",
			test_retry_after_and_jitter);
	g_test_add_func("/execution/action-queue/orchestrator-retry", test_orchestrator_retry);
	g_test_add_func("/execution/action-queue/orchestrator-fail", test_orchestrator_fail);
	return g_test_run();
}
