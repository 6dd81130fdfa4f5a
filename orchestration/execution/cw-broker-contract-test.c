/* The broker contract, through the orchestrator and a venue that answers
 * later ("venue" in the test utils): states follow reports, each error
 * class, protection while a stop is replaced, partial fills and the entry
 * timeout, retries in seconds on a simulated clock, amend. */
#include "cw-execution-test-utils.h"

#include <math.h>

#define VENUE_CONFIG                                                                               \
	"{'name': 'v', 'symbol': 'TUSDT', 'interval': '1m', 'initial_balance': 10000, "            \
	"'broker': {'type': 'venue', 'amend': %s}, 'guardrails': {'test_errors': true}, "          \
	"'execution': {'entry_timeout_s': 90}, "                                                   \
	"'strategy': {'id': 's', 'type': 'scripted', 'params': {'signals': {'2': 'long'}}, "       \
	"'exit': {'stop_loss': {'type': 'percent', 'value': 2}, 'take_profits': [%s]%s}, "         \
	"'sizing': {'mode': 'fixed_quote', 'quote': 1000}}}"

typedef struct {
	CwTradingOrchestrator *orch;
	CwEventBus *bus;
	CwTestRecorder *rec;
	CwTestVenueBroker *venue;
	CwClock *clock;
	guint next; /* next candle index */
} Fixture;

/* exit: more members of the exit plan (", 'time_exit_candles': 2"), or "" */
static void
fixture_init_exit(Fixture *f, gboolean amend, const char *take_profits, const char *exit)
{
	g_autofree char *json =
	    g_strdup_printf(VENUE_CONFIG, amend ? "true" : "false", take_profits, exit);
	g_autoptr(CwBotConfig) config = cw_test_config_new(json);
	g_autoptr(GError) error = NULL;

	memset(f, 0, sizeof(*f));
	f->bus = cw_event_bus_new();
	f->orch = cw_trading_orchestrator_new(config, NULL, f->bus, &error);
	g_assert_no_error(error);
	f->rec = cw_test_recorder_new(f->bus, cw_trading_orchestrator_get_strategy_id(f->orch));
	f->venue = CW_TEST_VENUE_BROKER(cw_trading_orchestrator_get_broker(f->orch));
	f->clock = cw_sim_clock_new(0);
	cw_trading_orchestrator_set_clock(f->orch, f->clock);
}

static void
fixture_init_tp(Fixture *f, gboolean amend, const char *take_profits)
{
	fixture_init_exit(f, amend, take_profits, "");
}

static void
fixture_init(Fixture *f, gboolean amend)
{
	fixture_init_tp(f, amend, "");
}

static void
fixture_clear(Fixture *f)
{
	cw_test_recorder_free(f->rec);
	g_object_unref(f->orch);
	g_object_unref(f->bus);
	g_object_unref(f->clock);
}

/* The clock at t ms, then the next candle (flat at 100: stops at 98 hold). */
static void
candle(Fixture *f)
{
	CwCandle c = cw_test_candle(f->next, 100, 100.5, 99.5, 100);

	cw_sim_clock_set(CW_SIM_CLOCK(f->clock), c.open_time);
	cw_trading_orchestrator_on_candle(f->orch, &c);
	f->next++;
}

static void
at(Fixture *f, gint64 ms)
{
	cw_sim_clock_set(CW_SIM_CLOCK(f->clock), ms);
}

static double
position_qty(Fixture *f)
{
	return cw_trading_orchestrator_get_position(f->orch)->qty;
}

/* Iterates the main context while a lookup is under way (bounded). */
static void
wait_resolved(Fixture *f)
{
	gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

	while (cw_trading_orchestrator_is_resolving(f->orch) && g_get_monotonic_time() < until)
		g_main_context_iteration(NULL, FALSE);
	g_assert_false(cw_trading_orchestrator_is_resolving(f->orch));
}

/* A copy of the n-th ORDER_SUBMITTED order (the recorder's storage moves). */
static CwOrder
submitted(Fixture *f, guint n)
{
	const CwTestEvent *e = cw_test_recorder_nth(f->rec, CW_EVENT_ORDER_SUBMITTED, n);

	g_assert_nonnull(e);
	return e->order;
}

/* Candles 0..2: the entry is sent at 2. */
static CwOrder
entry_sent(Fixture *f)
{
	candle(f);
	candle(f);
	candle(f); /* the signal: the entry is sent */
	return submitted(f, 0);
}

static void
test_states_follow_reports(void)
{
	Fixture f;
	const CwTestEvent *e;
	const CwOrder *stop;
	CwProtectionStats stats;
	CwOrder entry;

	fixture_init(&f, FALSE);
	entry = entry_sent(&f);
	/* sent, not acknowledged: submit returning TRUE is not "working" */
	g_assert_cmpint(entry.status, ==, CW_ORDER_STATUS_PENDING_NEW);
	g_assert_cmpuint(cw_test_recorder_count(f.rec, CW_EVENT_ORDER_ACKNOWLEDGED), ==, 0);
	g_assert_cmpuint(cw_test_venue_broker_deliver(f.venue), ==, 1);
	e = cw_test_recorder_nth(f.rec, CW_EVENT_ORDER_ACKNOWLEDGED, 0);
	g_assert_nonnull(e);
	g_assert_cmpint(e->order.status, ==, CW_ORDER_STATUS_NEW);
	g_assert_cmpuint(cw_test_venue_broker_get_n_submits(f.venue, e->order.client_order_id), ==,
			 1);

	/* the fill, then the stop: unprotected until the stop's ack */
	candle(&f);
	g_assert_cmpfloat(position_qty(&f), ==, 0); /* the fill is not delivered yet */
	g_assert_true(cw_test_venue_broker_deliver_one(f.venue));
	g_assert_cmpfloat(position_qty(&f), >, 0);
	stop = cw_trading_orchestrator_get_stop_order(f.orch);
	g_assert_nonnull(stop);
	g_assert_cmpint(stop->status, ==, CW_ORDER_STATUS_PENDING_NEW);
	at(&f, 3 * 60000 + 1500);
	g_assert_true(cw_test_venue_broker_deliver_one(f.venue));
	g_assert_cmpint(cw_trading_orchestrator_get_stop_order(f.orch)->status, ==,
			CW_ORDER_STATUS_NEW);
	cw_trading_orchestrator_get_protection_stats(f.orch, &stats);
	g_assert_cmpuint(stats.n_windows, ==, 1);
	g_assert_cmpint(stats.max_ms, ==, 1500);
	g_assert_cmpuint(stats.max_candles, ==, 0);
	fixture_clear(&f);
}

/* Half the entry fills at candle 3, the rest at 4: the stop is replaced by
 * one for the whole position, and the old one is cancelled only once the
 * new one works. */
static void
partial_entry(Fixture *f, gboolean amend, CwTestVenueAnswer stop_answer)
{
	fixture_init(f, amend);
	cw_test_venue_broker_set_fill_ratio(f->venue, 0.5);
	entry_sent(f);
	cw_test_venue_broker_deliver(f->venue);
	candle(f); /* half fills; the first stop is placed and acknowledged */
	cw_test_venue_broker_deliver(f->venue);
	g_assert_cmpuint(cw_test_venue_broker_count_working_stops(f->venue), ==, 1);
	cw_test_venue_broker_script(f->venue, stop_answer, 0);
	candle(f); /* the rest fills */
	g_assert_true(cw_test_venue_broker_deliver_one(f->venue));
}

static void
test_partial_fill_resizes_stop_after_ack(void)
{
	Fixture f;
	char first[CW_CLIENT_ORDER_ID_LEN];
	const CwOrder *stop;
	const CwTestEvent *e;

	partial_entry(&f, FALSE, CW_TEST_VENUE_ACK);
	memcpy(first, submitted(&f, 1).client_order_id, sizeof(first));
	/* the replacement is sent, the first stop still works */
	stop = cw_trading_orchestrator_get_stop_order(f.orch);
	g_assert_cmpstr(stop->client_order_id, !=, first);
	g_assert_cmpint(stop->status, ==, CW_ORDER_STATUS_PENDING_NEW);
	cw_assert_close(stop->qty, position_qty(&f));
	g_assert_cmpuint(cw_test_venue_broker_count_working_stops(f.venue), ==, 2);
	g_assert_cmpint(cw_test_venue_broker_get_order(f.venue, first)->status, ==,
			CW_ORDER_STATUS_NEW);
	/* its ack cancels the first */
	g_assert_true(cw_test_venue_broker_deliver_one(f.venue));
	g_assert_cmpint(cw_test_venue_broker_get_order(f.venue, first)->status, ==,
			CW_ORDER_STATUS_CANCELLED);
	cw_test_venue_broker_deliver(f.venue);
	g_assert_cmpuint(cw_test_venue_broker_count_working_stops(f.venue), ==, 1);
	e = cw_test_recorder_nth(f.rec, CW_EVENT_ORDER_CANCELLED, 0);
	g_assert_nonnull(e);
	g_assert_cmpstr(e->order.client_order_id, ==, first);
	cw_assert_close(cw_trading_orchestrator_get_stop_order(f.orch)->qty, position_qty(&f));
	fixture_clear(&f);
}

static void
test_replacement_rejected_keeps_old_stop(void)
{
	Fixture f;
	char first[CW_CLIENT_ORDER_ID_LEN];
	const CwTestEvent *e;
	guint errors = cw_test_errors_guard_get_count();

	partial_entry(&f, FALSE, CW_TEST_VENUE_REJECT);
	memcpy(first, submitted(&f, 1).client_order_id, sizeof(first));
	g_assert_true(cw_test_venue_broker_deliver_one(f.venue)); /* the rejection */
	/* the old stop stays, tracked and working, and an event says so */
	g_assert_cmpstr(cw_trading_orchestrator_get_stop_order(f.orch)->client_order_id, ==, first);
	g_assert_cmpint(cw_test_venue_broker_get_order(f.venue, first)->status, ==,
			CW_ORDER_STATUS_NEW);
	g_assert_cmpuint(cw_test_venue_broker_count_working_stops(f.venue), ==, 1);
	e = cw_test_recorder_nth(f.rec, CW_EVENT_ORDER_REJECTED, 0);
	g_assert_nonnull(e);
	g_assert_nonnull(strstr(e->reason, "previous stop"));
	g_assert_nonnull(strstr(e->reason, "reduce-only would increase"));
	g_assert_cmpuint(cw_test_recorder_count(f.rec, CW_EVENT_ORDER_CANCELLED), ==, 0);
	/* the asynchronous error reached the guards (the circuit breaker) */
	g_assert_cmpuint(cw_test_errors_guard_get_count(), ==, errors + 1);
	fixture_clear(&f);
}

static void
count_cancel(CwTradingOrchestrator *orch, const char *client_order_id, gpointer user_data)
{
	GPtrArray *ids = user_data;
	const CwOrder *at_venue;

	/* before the broker sees it: still working at the venue */
	at_venue = cw_test_venue_broker_get_order(
	    CW_TEST_VENUE_BROKER(cw_trading_orchestrator_get_broker(orch)), client_order_id);
	g_assert_nonnull(at_venue);
	g_assert_false(cw_order_status_is_final(at_venue->status));
	g_ptr_array_add(ids, g_strdup(client_order_id));
}

/* Every cancel goes through the cancel hook before the broker sees it (the
 * service journals its intent there): closing a position cancels its stop
 * and take-profits, each named to the hook once. */
static void
test_cancel_hook_before_send(void)
{
	Fixture f;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	guint n_exits = 0;

	fixture_init_tp(&f, FALSE, "{'percent': 1, 'close': 0.5}, {'percent': 2}");
	cw_trading_orchestrator_set_cancel_hook(f.orch, count_cancel, ids);
	entry_sent(&f);
	cw_test_venue_broker_deliver(f.venue);
	candle(&f);
	cw_test_venue_broker_deliver(f.venue);
	g_assert_cmpuint(ids->len, ==, 0);
	for (guint i = 0; i < cw_test_recorder_count(f.rec, CW_EVENT_ORDER_SUBMITTED); i++) {
		CwOrder o = submitted(&f, i);

		n_exits += o.purpose == CW_ORDER_PURPOSE_STOP_LOSS ||
			   o.purpose == CW_ORDER_PURPOSE_TAKE_PROFIT;
	}
	g_assert_cmpuint(n_exits, ==, 3);
	g_assert_true(cw_trading_orchestrator_request_close(f.orch, &error));
	g_assert_no_error(error);
	cw_test_venue_broker_deliver(f.venue);
	candle(&f);
	cw_test_venue_broker_deliver(f.venue);
	g_assert_true(cw_account_is_flat(cw_trading_orchestrator_get_account(f.orch)));
	g_assert_cmpuint(ids->len, ==, 3);
	for (guint i = 0; i < ids->len; i++) {
		const CwOrder *at_venue = cw_test_venue_broker_get_order(f.venue, ids->pdata[i]);

		g_assert_nonnull(at_venue);
		g_assert_true(at_venue->purpose == CW_ORDER_PURPOSE_STOP_LOSS ||
			      at_venue->purpose == CW_ORDER_PURPOSE_TAKE_PROFIT);
	}
	fixture_clear(&f);
}

/* The take profits are split again over the whole entry once its rest fills. */
static void
test_partial_fill_resizes_take_profits(void)
{
	Fixture f;
	const CwExitMachine *exit;
	double full;
	guint n_limits = 0, n_working = 0;

	fixture_init_tp(&f, FALSE, "{'percent': 1, 'close': 0.5}, {'percent': 2}");
	cw_test_venue_broker_set_fill_ratio(f.venue, 0.5);
	entry_sent(&f);
	cw_test_venue_broker_deliver(f.venue);
	candle(&f);
	cw_test_venue_broker_deliver(f.venue);
	exit = cw_trading_orchestrator_get_exit_machine(f.orch);
	cw_assert_close(exit->tp_qty[0] + exit->tp_qty[1], position_qty(&f));
	candle(&f); /* the rest */
	cw_test_venue_broker_deliver(f.venue);
	full = position_qty(&f);
	cw_assert_close(full, submitted(&f, 0).qty);
	cw_assert_close(exit->tp_qty[0], full / 2);
	cw_assert_close(exit->tp_qty[1], full / 2);
	/* two limits for the half, cancelled; two for the whole, working */
	for (guint i = 0; i < cw_test_recorder_count(f.rec, CW_EVENT_ORDER_SUBMITTED); i++) {
		CwOrder o = submitted(&f, i);
		const CwOrder *at_venue;

		if (o.type != CW_ORDER_TYPE_LIMIT)
			continue;
		n_limits++;
		at_venue = cw_test_venue_broker_get_order(f.venue, o.client_order_id);
		if (at_venue->status == CW_ORDER_STATUS_NEW) {
			n_working++;
			cw_assert_close(at_venue->qty, full / 2);
		} else {
			g_assert_cmpint(at_venue->status, ==, CW_ORDER_STATUS_CANCELLED);
		}
	}
	g_assert_cmpuint(n_limits, ==, 4);
	g_assert_cmpuint(n_working, ==, 2);
	fixture_clear(&f);
}

static void
test_amend_when_capable(void)
{
	Fixture f;
	CwOrder stop;

	partial_entry(&f, TRUE, CW_TEST_VENUE_ACK);
	/* the stop is amended in place: no second stop order */
	g_assert_cmpuint(cw_test_venue_broker_get_n_amends(f.venue), ==, 1);
	cw_test_venue_broker_deliver(f.venue);
	g_assert_cmpuint(cw_test_venue_broker_get_n_submitted_ids(f.venue), ==, 2);
	g_assert_cmpuint(cw_test_venue_broker_count_working_stops(f.venue), ==, 1);
	stop = submitted(&f, 1);
	cw_assert_close(cw_test_venue_broker_get_order(f.venue, stop.client_order_id)->qty,
			position_qty(&f));
	cw_assert_close(cw_trading_orchestrator_get_stop_order(f.orch)->qty, position_qty(&f));
	g_assert_cmpuint(cw_test_recorder_count(f.rec, CW_EVENT_ORDER_CANCELLED), ==, 0);
	fixture_clear(&f);
}

static void
test_entry_timeout_cancels_rest(void)
{
	Fixture f;
	CwOrder entry;
	double half;

	fixture_init(&f, FALSE);
	cw_test_venue_broker_set_fill_ratio(f.venue, 0.5);
	cw_test_venue_broker_set_fill_rest(f.venue, FALSE);
	entry = entry_sent(&f);
	cw_test_venue_broker_deliver(f.venue);
	candle(&f); /* 3 min: half fills; entry_timeout_s 90 runs out at 4.5 min */
	cw_test_venue_broker_deliver(f.venue);
	half = position_qty(&f);
	cw_assert_close(half, entry.qty / 2);
	cw_assert_close(cw_trading_orchestrator_get_stop_order(f.orch)->qty, half);
	candle(&f); /* 4 min */
	at(&f, 4 * 60000 + 29999);
	cw_trading_orchestrator_poll(f.orch);
	g_assert_cmpint(cw_test_venue_broker_get_order(f.venue, entry.client_order_id)->status, ==,
			CW_ORDER_STATUS_PARTIALLY_FILLED);
	g_assert_cmpint(cw_trading_orchestrator_get_next_wakeup(f.orch), ==, 4 * 60000 + 30000);
	at(&f, 4 * 60000 + 30000);
	cw_trading_orchestrator_poll(f.orch);
	g_assert_cmpint(cw_test_venue_broker_get_order(f.venue, entry.client_order_id)->status, ==,
			CW_ORDER_STATUS_CANCELLED);
	cw_test_venue_broker_deliver(f.venue);
	g_assert_cmpuint(cw_test_recorder_count(f.rec, CW_EVENT_ORDER_CANCELLED), ==, 1);
	/* the position keeps what filled, protected for that quantity */
	cw_assert_close(position_qty(&f), half);
	cw_assert_close(cw_trading_orchestrator_get_stop_order(f.orch)->qty, half);
	fixture_clear(&f);
}

/* Group commit: while sends are held, a decided order reaches the venue
 * only when released; ORDER_SUBMITTED is emitted at once (accepted for
 * sending) and the ack comes as a report of its own. */
static void
test_held_until_released(void)
{
	Fixture f;
	CwOrder entry;

	fixture_init(&f, FALSE);
	cw_trading_orchestrator_set_hold_sends(f.orch, TRUE);
	entry = entry_sent(&f);
	g_assert_cmpint(entry.status, ==, CW_ORDER_STATUS_PENDING_NEW);
	g_assert_cmpuint(cw_trading_orchestrator_get_n_held_sends(f.orch), ==, 1);
	g_assert_cmpuint(cw_test_venue_broker_get_n_submitted_ids(f.venue), ==, 0);
	cw_trading_orchestrator_set_hold_sends(f.orch, FALSE);
	cw_trading_orchestrator_release_sends(f.orch);
	g_assert_cmpuint(cw_trading_orchestrator_get_n_held_sends(f.orch), ==, 0);
	g_assert_cmpuint(cw_test_venue_broker_get_n_submits(f.venue, entry.client_order_id), ==, 1);
	cw_test_venue_broker_deliver(f.venue);
	g_assert_nonnull(cw_test_recorder_nth(f.rec, CW_EVENT_ORDER_ACKNOWLEDGED, 0));
	fixture_clear(&f);
}

/* A held order refused at once when released is handled as a refusal at
 * send would be: a rate limit retries the action with backoff under the
 * same client order id; dropped sends never reach the venue. */
static void
test_held_refused_or_dropped(void)
{
	Fixture f;
	CwOrder entry;

	fixture_init(&f, FALSE);
	cw_trading_orchestrator_set_hold_sends(f.orch, TRUE);
	entry = entry_sent(&f);
	cw_test_venue_broker_script(f.venue, CW_TEST_VENUE_RATE_LIMIT, 2);
	cw_trading_orchestrator_set_hold_sends(f.orch, FALSE);
	cw_trading_orchestrator_release_sends(f.orch);
	g_assert_null(cw_test_recorder_nth(f.rec, CW_EVENT_ORDER_REJECTED, 0));
	g_assert_cmpuint(cw_trading_orchestrator_get_n_pending_actions(f.orch), ==, 1);
	for (guint i = 0; i < 10 && cw_trading_orchestrator_get_n_pending_actions(f.orch) > 0;
	     i++) {
		at(&f, (gint64) (f.next + 10) * 60000);
		candle(&f);
	}
	g_assert_cmpuint(cw_trading_orchestrator_get_n_pending_actions(f.orch), ==, 0);
	g_assert_cmpuint(cw_test_venue_broker_get_n_submits(f.venue, entry.client_order_id), >=, 2);
	g_assert_cmpuint(cw_test_venue_broker_get_n_submitted_ids(f.venue), >=, 1);
	fixture_clear(&f);

	fixture_init(&f, FALSE);
	cw_trading_orchestrator_set_hold_sends(f.orch, TRUE);
	entry_sent(&f);
	cw_trading_orchestrator_drop_sends(f.orch);
	cw_trading_orchestrator_release_sends(f.orch);
	g_assert_cmpuint(cw_test_venue_broker_get_n_calls(f.venue), ==, 3); /* 3 on_candle */
	g_assert_cmpuint(cw_test_venue_broker_get_n_submitted_ids(f.venue), ==, 0);
	fixture_clear(&f);
}

static void
test_rejected_is_permanent(void)
{
	Fixture f;
	const CwTestEvent *e;
	guint errors = cw_test_errors_guard_get_count();

	fixture_init(&f, FALSE);
	candle(&f);
	candle(&f);
	cw_test_venue_broker_script(f.venue, CW_TEST_VENUE_REJECT, 0);
	candle(&f);
	cw_test_venue_broker_deliver(f.venue);
	e = cw_test_recorder_nth(f.rec, CW_EVENT_ORDER_REJECTED, 0);
	g_assert_nonnull(e);
	g_assert_cmpint(e->order.status, ==, CW_ORDER_STATUS_REJECTED);
	g_assert_cmpuint(cw_test_errors_guard_get_count(), ==, errors + 1);
	for (guint i = 0; i < 5; i++) {
		candle(&f);
		cw_test_venue_broker_deliver(f.venue);
	}
	/* never sent again */
	g_assert_cmpuint(cw_test_venue_broker_get_n_submits(f.venue, e->order.client_order_id), ==,
			 1);
	g_assert_cmpuint(cw_test_venue_broker_get_n_submitted_ids(f.venue), ==, 1);
	g_assert_cmpuint(cw_trading_orchestrator_get_n_pending_actions(f.orch), ==, 0);
	g_assert_cmpfloat(position_qty(&f), ==, 0);
	fixture_clear(&f);
}

static void
test_rate_limited_retry_after(void)
{
	Fixture f;
	const CwTestEvent *e;
	guint errors = cw_test_errors_guard_get_count();

	fixture_init(&f, FALSE);
	candle(&f);
	candle(&f);
	cw_test_venue_broker_script(f.venue, CW_TEST_VENUE_RATE_LIMIT, 30);
	candle(&f); /* 2 min: refused, retry after 30 s */
	g_assert_cmpuint(cw_test_recorder_count(f.rec, CW_EVENT_ORDER_SUBMITTED), ==, 0);
	g_assert_cmpuint(cw_test_errors_guard_get_count(), ==, errors + 1);
	g_assert_cmpint(cw_trading_orchestrator_get_next_wakeup(f.orch), ==, 2 * 60000 + 30000);
	at(&f, 2 * 60000 + 29999);
	cw_trading_orchestrator_poll(f.orch);
	g_assert_cmpuint(cw_test_recorder_count(f.rec, CW_EVENT_ORDER_SUBMITTED), ==, 0);
	at(&f, 2 * 60000 + 30000);
	cw_trading_orchestrator_poll(f.orch);
	e = cw_test_recorder_nth(f.rec, CW_EVENT_ORDER_SUBMITTED, 0);
	g_assert_nonnull(e);
	/* the same client order id, sent twice in all */
	g_assert_cmpuint(cw_test_venue_broker_get_n_submits(f.venue, e->order.client_order_id), ==,
			 2);
	g_assert_cmpuint(cw_test_venue_broker_get_n_submitted_ids(f.venue), ==, 1);
	fixture_clear(&f);
}

static void
test_unknown_outcome_found(void)
{
	Fixture f;
	CwOrder id;

	fixture_init(&f, FALSE);
	candle(&f);
	candle(&f);
	cw_test_venue_broker_script(f.venue, CW_TEST_VENUE_TIMEOUT_SENT, 0);
	candle(&f);
	id = submitted(&f, 0);
	cw_test_venue_broker_deliver(f.venue); /* the timeout */
	g_assert_true(cw_trading_orchestrator_is_resolving(f.orch));
	wait_resolved(&f);
	/* adopted as the venue has it, never sent again */
	g_assert_cmpuint(cw_test_venue_broker_get_n_submits(f.venue, id.client_order_id), ==, 1);
	g_assert_cmpuint(cw_test_recorder_count(f.rec, CW_EVENT_ORDER_ACKNOWLEDGED), ==, 1);
	candle(&f);
	cw_test_venue_broker_deliver(f.venue);
	g_assert_cmpfloat(position_qty(&f), >, 0);
	g_assert_cmpuint(cw_test_venue_broker_get_n_submitted_ids(f.venue), ==, 2); /* + stop */
	fixture_clear(&f);
}

static void
test_unknown_outcome_lost(void)
{
	Fixture f;
	const CwTestEvent *e;
	CwOrder id;

	/* the submit times out at once and the order never arrived: the
	 * lookup says so, and it is sent again with the same client id */
	fixture_init(&f, FALSE);
	candle(&f);
	candle(&f);
	cw_test_venue_broker_script(f.venue, CW_TEST_VENUE_TIMEOUT_LOST_SYNC, 0);
	candle(&f);
	g_assert_true(cw_trading_orchestrator_is_resolving(f.orch));
	g_assert_cmpuint(cw_test_recorder_count(f.rec, CW_EVENT_ORDER_SUBMITTED), ==, 0);
	wait_resolved(&f);
	e = cw_test_recorder_nth(f.rec, CW_EVENT_ORDER_SUBMITTED, 0);
	g_assert_nonnull(e);
	g_assert_cmpuint(cw_test_venue_broker_get_n_submits(f.venue, e->order.client_order_id), ==,
			 2);
	g_assert_cmpuint(cw_test_venue_broker_get_n_submitted_ids(f.venue), ==, 1);
	fixture_clear(&f);

	/* reported later: not found means it never worked, and it is not sent again */
	fixture_init(&f, FALSE);
	candle(&f);
	candle(&f);
	cw_test_venue_broker_script(f.venue, CW_TEST_VENUE_TIMEOUT_LOST, 0);
	candle(&f);
	id = submitted(&f, 0);
	cw_test_venue_broker_deliver(f.venue);
	wait_resolved(&f);
	g_assert_cmpuint(cw_test_venue_broker_get_n_submits(f.venue, id.client_order_id), ==, 1);
	e = cw_test_recorder_nth(f.rec, CW_EVENT_ORDER_REJECTED, 0);
	g_assert_nonnull(e);
	g_assert_nonnull(strstr(e->reason, "unknown outcome"));
	fixture_clear(&f);
}

/* The stop and two take profits all time out: they are looked up one after
 * the other, each adopted, none sent again. */
static void
test_unknown_outcomes_queue(void)
{
	Fixture f;
	guint n_sent;

	fixture_init_tp(&f, FALSE, "{'percent': 1, 'close': 0.5}, {'percent': 2}");
	entry_sent(&f);
	cw_test_venue_broker_deliver(f.venue);
	cw_test_venue_broker_script_times(f.venue, CW_TEST_VENUE_TIMEOUT_SENT, 0, 3);
	candle(&f); /* the fill: stop and take profits are sent */
	cw_test_venue_broker_deliver(f.venue);
	n_sent = cw_test_recorder_count(f.rec, CW_EVENT_ORDER_SUBMITTED);
	g_assert_cmpuint(n_sent, ==, 4);
	g_assert_true(cw_trading_orchestrator_is_resolving(f.orch));
	wait_resolved(&f);
	g_assert_cmpuint(cw_test_recorder_count(f.rec, CW_EVENT_ORDER_ACKNOWLEDGED), ==, 4);
	g_assert_cmpint(cw_trading_orchestrator_get_stop_order(f.orch)->status, ==,
			CW_ORDER_STATUS_NEW);
	for (guint i = 0; i < n_sent; i++)
		g_assert_cmpuint(
		    cw_test_venue_broker_get_n_submits(f.venue, submitted(&f, i).client_order_id),
		    ==, 1);
	g_assert_cmpuint(cw_test_venue_broker_get_n_submitted_ids(f.venue), ==, 4);
	fixture_clear(&f);
}

/* Candles 0..3: the entry fills at 3 and its stop is sent, answered by
 * stop_answer the next times (not delivered yet). */
static void
filled_entry(Fixture *f, CwTestVenueAnswer stop_answer, guint times)
{
	fixture_init(f, FALSE);
	entry_sent(f);
	cw_test_venue_broker_deliver(f->venue); /* the entry's ack */
	cw_test_venue_broker_script_times(f->venue, stop_answer, 0, times);
	candle(f);
	g_assert_true(cw_test_venue_broker_deliver_one(f->venue)); /* the fill: the stop is sent */
	g_assert_cmpfloat(position_qty(f), >, 0);
	g_assert_cmpuint(cw_test_recorder_count(f->rec, CW_EVENT_ORDER_SUBMITTED), ==, 2);
}

/* The first stop after an entry fill, refused for good, is placed again
 * after the retry policy's wait, with a new client order id. */
static void
test_first_stop_rejected_placed_again(void)
{
	Fixture f;
	CwOrder refused;
	const CwOrder *stop;
	gint64 due;

	filled_entry(&f, CW_TEST_VENUE_REJECT, 1);
	refused = submitted(&f, 1);
	cw_test_venue_broker_deliver(f.venue); /* the rejection */
	g_assert_nonnull(cw_test_recorder_nth(f.rec, CW_EVENT_ORDER_REJECTED, 0));
	g_assert_cmpuint(cw_test_venue_broker_count_working_stops(f.venue), ==, 0);
	/* queued, due after the first backoff (1 s, up to 20 % shorter) */
	g_assert_cmpuint(cw_trading_orchestrator_get_n_pending_actions(f.orch), ==, 1);
	due = cw_trading_orchestrator_get_next_wakeup(f.orch);
	g_assert_cmpint(due, >, 3 * 60000 + 790);
	g_assert_cmpint(due, <=, 3 * 60000 + 1000);
	at(&f, due - 1);
	cw_trading_orchestrator_poll(f.orch);
	g_assert_cmpuint(cw_test_recorder_count(f.rec, CW_EVENT_ORDER_SUBMITTED), ==, 2);
	at(&f, due);
	cw_trading_orchestrator_poll(f.orch);
	g_assert_cmpuint(cw_test_recorder_count(f.rec, CW_EVENT_ORDER_SUBMITTED), ==, 3);
	stop = cw_trading_orchestrator_get_stop_order(f.orch);
	g_assert_cmpstr(stop->client_order_id, !=, refused.client_order_id);
	cw_assert_close(stop->qty, position_qty(&f));
	cw_test_venue_broker_deliver(f.venue); /* its ack */
	g_assert_cmpuint(cw_test_venue_broker_count_working_stops(f.venue), ==, 1);
	g_assert_cmpint(cw_trading_orchestrator_get_stop_order(f.orch)->status, ==,
			CW_ORDER_STATUS_NEW);
	/* the refused one was sent once */
	g_assert_cmpuint(cw_test_venue_broker_get_n_submits(f.venue, refused.client_order_id), ==,
			 1);
	g_assert_cmpuint(cw_test_recorder_count(f.rec, CW_EVENT_ACTION_FAILED), ==, 0);
	fixture_clear(&f);
}

/* A venue that keeps refusing the stop: after the retries the position is
 * closed with a reduce-only market order, and an event says why. */
static void
test_first_stop_rejected_for_good_closes(void)
{
	Fixture f;
	const CwTestEvent *e;
	guint sent;

	filled_entry(&f, CW_TEST_VENUE_REJECT, 1 + CW_ACTION_QUEUE_DEFAULT_MAX_RETRIES);
	cw_test_venue_broker_deliver(f.venue);
	for (guint i = 0; i < CW_ACTION_QUEUE_DEFAULT_MAX_RETRIES; i++) {
		gint64 due = cw_trading_orchestrator_get_next_wakeup(f.orch);

		g_assert_cmpint(due, <, G_MAXINT64);
		at(&f, due);
		cw_trading_orchestrator_poll(f.orch);
		cw_test_venue_broker_deliver(f.venue);
	}
	/* 1 entry, 1 + 5 stops, then the close */
	sent = cw_test_recorder_count(f.rec, CW_EVENT_ORDER_SUBMITTED);
	g_assert_cmpuint(sent, ==, 2 + CW_ACTION_QUEUE_DEFAULT_MAX_RETRIES + 1);
	e = cw_test_recorder_nth(f.rec, CW_EVENT_ORDER_SUBMITTED, sent - 1);
	g_assert_cmpint(e->order.type, ==, CW_ORDER_TYPE_MARKET);
	g_assert_true(e->order.reduce_only);
	g_assert_cmpint(e->order.purpose, ==, CW_ORDER_PURPOSE_GUARD_EXIT);
	e = cw_test_recorder_nth(f.rec, CW_EVENT_ACTION_FAILED, 0);
	g_assert_nonnull(e);
	g_assert_cmpstr(e->source, ==, "protection");
	g_assert_nonnull(strstr(e->reason, "protective stop refused 6 times"));
	cw_test_venue_broker_deliver(f.venue); /* the close's ack */
	candle(&f);                            /* it fills at the open */
	cw_test_venue_broker_deliver(f.venue);
	g_assert_cmpfloat(position_qty(&f), ==, 0);
	g_assert_cmpuint(cw_trading_orchestrator_get_n_pending_actions(f.orch), ==, 0);
	fixture_clear(&f);
}

/* The stop's transient errors outlast the retries: the position is closed. */
static void
test_first_stop_retries_spent_closes(void)
{
	Fixture f;
	const CwTestEvent *e;
	guint sent;

	fixture_init(&f, FALSE);
	entry_sent(&f);
	cw_test_venue_broker_deliver(f.venue);
	cw_test_venue_broker_script_times(f.venue, CW_TEST_VENUE_RATE_LIMIT, 1,
					  1 + CW_ACTION_QUEUE_DEFAULT_MAX_RETRIES);
	candle(&f);
	g_assert_true(cw_test_venue_broker_deliver_one(f.venue)); /* the fill */
	for (guint i = 0; i < CW_ACTION_QUEUE_DEFAULT_MAX_RETRIES; i++) {
		gint64 due = cw_trading_orchestrator_get_next_wakeup(f.orch);

		g_assert_cmpint(due, <, G_MAXINT64);
		at(&f, due);
		cw_trading_orchestrator_poll(f.orch);
	}
	/* the entry, then the close: no stop got through */
	sent = cw_test_recorder_count(f.rec, CW_EVENT_ORDER_SUBMITTED);
	g_assert_cmpuint(sent, ==, 2);
	e = cw_test_recorder_nth(f.rec, CW_EVENT_ORDER_SUBMITTED, 1);
	g_assert_cmpint(e->order.type, ==, CW_ORDER_TYPE_MARKET);
	g_assert_true(e->order.reduce_only);
	e = cw_test_recorder_nth(f.rec, CW_EVENT_ACTION_FAILED, 1);
	g_assert_nonnull(e);
	g_assert_cmpstr(e->source, ==, "protection");
	g_assert_nonnull(strstr(e->reason, "closing the position"));
	fixture_clear(&f);
}

/* Candle f->next with these prices. */
static void
candle_ohlc(Fixture *f, double open, double high, double low, double close)
{
	CwCandle c = cw_test_candle(f->next, open, high, low, close);

	cw_sim_clock_set(CW_SIM_CLOCK(f->clock), c.open_time);
	cw_trading_orchestrator_on_candle(f->orch, &c);
	f->next++;
}

/* Candles 0..3: the entry fills, its stop at 98 works. */
static void
protected_position(Fixture *f)
{
	entry_sent(f);
	cw_test_venue_broker_deliver(f->venue);
	candle(f);
	while (cw_test_venue_broker_deliver(f->venue) > 0)
		;
	g_assert_cmpfloat(position_qty(f), >, 0);
	g_assert_cmpint(cw_trading_orchestrator_get_stop_order(f->orch)->status, ==,
			CW_ORDER_STATUS_NEW);
}

/* Issue 11: the exit reaches the venue after the stop filled there, and its
 * refusal (the venue's position already zero) reaches the bot before the
 * stop's fill. The refusal is journalled as such (source venue-position),
 * is no broker error, and no other exit is sent; the stop's fill closes the
 * trade, once, at the stop. */
static void
test_exit_refused_venue_flat(void)
{
	Fixture f;
	guint errors = cw_test_errors_guard_get_count();
	guint submits;
	const CwTestEvent *e;

	fixture_init(&f, FALSE);
	protected_position(&f);
	/* the operator's close goes out; at the venue the stop fills first */
	cw_test_venue_broker_script(f.venue, CW_TEST_VENUE_NO_POSITION, 0);
	cw_trading_orchestrator_close_all(f.orch, CW_ORDER_PURPOSE_MANUAL_EXIT);
	candle_ohlc(&f, 99, 99.5, 97, 97.5);
	submits = cw_test_recorder_count(f.rec, CW_EVENT_ORDER_SUBMITTED);
	g_assert_true(cw_test_venue_broker_deliver_one(f.venue)); /* the refusal */
	g_assert_cmpfloat(position_qty(&f), >, 0);
	e = cw_test_recorder_nth(f.rec, CW_EVENT_ORDER_REJECTED, 0);
	g_assert_nonnull(e);
	g_assert_cmpstr(e->source, ==, "venue-position");
	g_assert_nonnull(strstr(e->reason, "the venue position is already closed"));
	g_assert_cmpint(e->order.purpose, ==, CW_ORDER_PURPOSE_MANUAL_EXIT);
	g_assert_cmpuint(cw_test_errors_guard_get_count(), ==, errors);
	/* no second exit while the fill that closed the venue is on its way */
	cw_trading_orchestrator_close_all(f.orch, CW_ORDER_PURPOSE_MANUAL_EXIT);
	g_assert_cmpuint(cw_test_recorder_count(f.rec, CW_EVENT_ORDER_SUBMITTED), ==, submits);
	/* the stop's fill */
	while (cw_test_venue_broker_deliver(f.venue) > 0)
		;
	g_assert_cmpfloat(position_qty(&f), ==, 0);
	g_assert_cmpuint(cw_test_recorder_count(f.rec, CW_EVENT_TRADE_CLOSED), ==, 1);
	e = cw_test_recorder_nth(f.rec, CW_EVENT_TRADE_CLOSED, 0);
	g_assert_cmpint(e->trade.exit_reason, ==, CW_ORDER_PURPOSE_STOP_LOSS);
	cw_assert_close(e->trade.exit_price, 98);
	g_assert_cmpuint(cw_test_recorder_count(f.rec, CW_EVENT_ACTION_FAILED), ==, 0);
	g_assert_cmpuint(cw_test_errors_guard_get_count(), ==, errors);
	fixture_clear(&f);
}

/* At the source: a time exit due on a candle that went through the working
 * stop is not sent (the venue fills the stop on that candle); on a candle
 * that does not reach the stop it is. */
static void
test_no_exit_through_stop(void)
{
	Fixture f;
	guint submits;

	fixture_init_exit(&f, FALSE, "", ", 'time_exit_candles': 1");
	protected_position(&f);
	submits = cw_test_recorder_count(f.rec, CW_EVENT_ORDER_SUBMITTED);
	candle_ohlc(&f, 99, 99.5, 97, 97.5); /* the exit is due, the stop hit */
	g_assert_cmpuint(cw_test_recorder_count(f.rec, CW_EVENT_ORDER_SUBMITTED), ==, submits);
	while (cw_test_venue_broker_deliver(f.venue) > 0)
		;
	g_assert_cmpfloat(position_qty(&f), ==, 0);
	g_assert_cmpuint(cw_test_recorder_count(f.rec, CW_EVENT_ORDER_REJECTED), ==, 0);
	fixture_clear(&f);
}

static void
record_failed(CwTradingOrchestrator *orch, const char *why, gpointer user_data)
{
	char **out = user_data;

	(void) orch;
	g_free(*out);
	*out = g_strdup(why);
}

/* Fail closed: the venue refused the exit for a zero position, and no fill
 * that closed it comes: after CW_ORCHESTRATOR_VENUE_FLAT_TIMEOUT_MS the bot
 * is halted, ACTION_FAILED says why and the owner is told (it stops the bot
 * with status error). */
static void
test_venue_flat_unresolved_fails_closed(void)
{
	Fixture f;
	g_autofree char *why = NULL;
	const CwTestEvent *e;
	gint64 refused_at;

	fixture_init(&f, FALSE);
	cw_trading_orchestrator_set_failed_func(f.orch, record_failed, &why);
	protected_position(&f);
	cw_test_venue_broker_script(f.venue, CW_TEST_VENUE_NO_POSITION, 0);
	cw_trading_orchestrator_close_all(f.orch, CW_ORDER_PURPOSE_MANUAL_EXIT);
	refused_at = 10 * 60000;
	at(&f, refused_at);
	g_assert_true(cw_test_venue_broker_deliver_one(f.venue)); /* the refusal, no fill */
	g_assert_cmpfloat(position_qty(&f), >, 0);
	g_assert_cmpint(cw_trading_orchestrator_get_next_wakeup(f.orch), <=,
			refused_at + CW_ORCHESTRATOR_VENUE_FLAT_TIMEOUT_MS);
	at(&f, refused_at + CW_ORCHESTRATOR_VENUE_FLAT_TIMEOUT_MS - 1);
	cw_trading_orchestrator_poll(f.orch);
	g_assert_null(why);
	at(&f, refused_at + CW_ORCHESTRATOR_VENUE_FLAT_TIMEOUT_MS);
	cw_trading_orchestrator_poll(f.orch);
	g_assert_nonnull(why);
	g_assert_nonnull(strstr(why, "position is already zero"));
	g_assert_cmpint(cw_trading_orchestrator_get_mode(f.orch), ==, CW_BOT_MODE_HALTED);
	e = cw_test_recorder_nth(f.rec, CW_EVENT_ACTION_FAILED, 0);
	g_assert_nonnull(e);
	g_assert_cmpstr(e->source, ==, "venue-position");
	fixture_clear(&f);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/execution/contract/states-follow-reports", test_states_follow_reports);
	g_test_add_func("/execution/contract/held-until-released", test_held_until_released);
	g_test_add_func("/execution/contract/held-refused-or-dropped",
			test_held_refused_or_dropped);
	g_test_add_func("/execution/contract/partial-fill-resizes-stop-after-ack",
			test_partial_fill_resizes_stop_after_ack);
	g_test_add_func("/execution/contract/replacement-rejected-keeps-old-stop",
			test_replacement_rejected_keeps_old_stop);
	g_test_add_func("/execution/contract/partial-fill-resizes-take-profits",
			test_partial_fill_resizes_take_profits);
	g_test_add_func("/execution/contract/amend-when-capable", test_amend_when_capable);
	g_test_add_func("/execution/contract/cancel-hook-before-send",
			test_cancel_hook_before_send);
	g_test_add_func("/execution/contract/entry-timeout-cancels-rest",
			test_entry_timeout_cancels_rest);
	g_test_add_func("/execution/contract/rejected-is-permanent", test_rejected_is_permanent);
	g_test_add_func("/execution/contract/first-stop-rejected-placed-again",
			test_first_stop_rejected_placed_again);
	g_test_add_func("/execution/contract/first-stop-rejected-for-good-closes",
			test_first_stop_rejected_for_good_closes);
	g_test_add_func("/execution/contract/first-stop-retries-spent-closes",
			test_first_stop_retries_spent_closes);
	g_test_add_func("/execution/contract/rate-limited-retry-after",
			test_rate_limited_retry_after);
	g_test_add_func("/execution/contract/unknown-outcome-found", test_unknown_outcome_found);
	g_test_add_func("/execution/contract/unknown-outcome-lost", test_unknown_outcome_lost);
	g_test_add_func("/execution/contract/unknown-outcomes-queue", test_unknown_outcomes_queue);
	g_test_add_func("/execution/contract/exit-refused-venue-flat",
			test_exit_refused_venue_flat);
	g_test_add_func("/execution/contract/no-exit-through-stop", test_no_exit_through_stop);
	g_test_add_func("/execution/contract/venue-flat-unresolved-fails-closed",
			test_venue_flat_unresolved_fails_closed);
	return g_test_run();
}
