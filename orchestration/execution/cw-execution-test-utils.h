/* Test doubles shared by the execution tests: a scripted strategy, a broker
 * that fails on purpose, guards that reject or resize, and helpers. Not part
 * of the library. */
#pragma once

#include "cw-execution.h"

G_BEGIN_DECLS

/* "scripted" on cw-strategy. Reads spec->raw "params":
 *   "signals": {"<candle index>": "long" | "short", ...}   entry signals
 *   "exits":   {"<candle index>": "long" | "short", ...}   exit_signal
 *   "atr": number                                           atr every candle
 *   "atrs":    {"<candle index>": number, ...}             overrides
 * Candle indices count on_candle() calls from 0. */
#define CW_TYPE_TEST_SCRIPTED_STRATEGY (cw_test_scripted_strategy_get_type())
G_DECLARE_FINAL_TYPE(CwTestScriptedStrategy, cw_test_scripted_strategy, CW, TEST_SCRIPTED_STRATEGY,
		     GObject)

/* "failing" on cw-broker: a paper broker (default fees) whose submit fails
 * the first broker.fail_times times (default 0; negative = always). */
#define CW_TYPE_TEST_FAILING_BROKER (cw_test_failing_broker_get_type())
G_DECLARE_FINAL_TYPE(CwTestFailingBroker, cw_test_failing_broker, CW, TEST_FAILING_BROKER, GObject)
guint cw_test_failing_broker_get_n_attempts(CwTestFailingBroker *self);

/* "test-reject" on cw-guard, active when guardrails.test_reject is true:
 * rejects every order that does not reduce the position with reason
 * "test guard: no new positions"; with guardrails.test_reject_all_after = N
 * it rejects every order from its N-th candle on, "test guard: every order
 * refused". */
#define CW_TYPE_TEST_REJECT_GUARD (cw_test_reject_guard_get_type())
G_DECLARE_FINAL_TYPE(CwTestRejectGuard, cw_test_reject_guard, CW, TEST_REJECT_GUARD, GObject)

/* "test-halve" on cw-guard, active when guardrails.test_halve is true:
 * halves entry quantities (MODIFY). */
#define CW_TYPE_TEST_HALVE_GUARD (cw_test_halve_guard_get_type())
G_DECLARE_FINAL_TYPE(CwTestHalveGuard, cw_test_halve_guard, CW, TEST_HALVE_GUARD, GObject)

/* "test-flatten" on cw-guard, active when guardrails.test_flatten_after = N:
 * from the N-th candle on, asks to flatten while a position is open and
 * demands REDUCE_ONLY. */
#define CW_TYPE_TEST_FLATTEN_GUARD (cw_test_flatten_guard_get_type())
G_DECLARE_FINAL_TYPE(CwTestFlattenGuard, cw_test_flatten_guard, CW, TEST_FLATTEN_GUARD, GObject)

/* "venue" on cw-broker (cw-test-venue-broker.c): a scripted exchange that
 * answers later. Reports queue until cw_test_venue_broker_deliver(), the
 * main loop of a real exchange. Market orders fill at the candle's open
 * (the first fill fill_ratio of the quantity, the rest at the next
 * candle), stops at their price. broker.amend (bool) declares AMEND. */
typedef enum {
	CW_TEST_VENUE_ACK,               /* acknowledged (NEW) */
	CW_TEST_VENUE_REJECT,            /* accepted, then REJECTED with venue code 110017 */
	CW_TEST_VENUE_RATE_LIMIT,        /* submit fails at once: RATE_LIMITED, retry-after */
	CW_TEST_VENUE_TIMEOUT_SENT,      /* unknown outcome later; the order exists (NEW) */
	CW_TEST_VENUE_TIMEOUT_LOST,      /* unknown outcome later; the order never arrived */
	CW_TEST_VENUE_TIMEOUT_LOST_SYNC, /* submit fails at once: unknown outcome, not arrived */
	/* accepted, then REJECTED: the venue's position is already zero
	 * (CW_BROKER_ERROR_NO_POSITION, venue code 110017) */
	CW_TEST_VENUE_NO_POSITION,
} CwTestVenueAnswer;

#define CW_TYPE_TEST_VENUE_BROKER (cw_test_venue_broker_get_type())
G_DECLARE_FINAL_TYPE(CwTestVenueBroker, cw_test_venue_broker, CW, TEST_VENUE_BROKER, GObject)
/* How the venue answers the next submit (then ACK again). */
void cw_test_venue_broker_script(CwTestVenueBroker *self, CwTestVenueAnswer next,
				 double retry_after_s);
/* The same for the next times submits. */
void cw_test_venue_broker_script_times(CwTestVenueBroker *self, CwTestVenueAnswer next,
				       double retry_after_s, guint times);
void cw_test_venue_broker_set_fill_ratio(CwTestVenueBroker *self, double ratio);
void cw_test_venue_broker_set_fill_rest(CwTestVenueBroker *self, gboolean fill_rest);
/* Delivers the oldest queued report; FALSE when none. */
gboolean cw_test_venue_broker_deliver_one(CwTestVenueBroker *self);
/* Delivers every queued report; returns how many. */
guint cw_test_venue_broker_deliver(CwTestVenueBroker *self);
guint cw_test_venue_broker_get_n_submits(CwTestVenueBroker *self, const char *client_order_id);
guint cw_test_venue_broker_get_n_submitted_ids(CwTestVenueBroker *self);
guint cw_test_venue_broker_get_n_amends(CwTestVenueBroker *self);
/* Every call that reaches the venue: submit, cancel, amend, on_candle, lookup. */
guint cw_test_venue_broker_get_n_calls(CwTestVenueBroker *self);
const CwOrder *cw_test_venue_broker_get_order(CwTestVenueBroker *self, const char *client_order_id);
guint cw_test_venue_broker_count_working_stops(CwTestVenueBroker *self);

/* "test-errors" on cw-guard, active when guardrails.test_errors is true:
 * counts on_order_error() calls (all instances together). */
#define CW_TYPE_TEST_ERRORS_GUARD (cw_test_errors_guard_get_type())
G_DECLARE_FINAL_TYPE(CwTestErrorsGuard, cw_test_errors_guard, CW, TEST_ERRORS_GUARD, GObject)
guint cw_test_errors_guard_get_count(void);

/* Registers the doubles above and the execution types (idempotent). */
void cw_test_register_types(void);
/* Parses a config written with single quotes; asserts success. */
CwBotConfig *cw_test_config_new(const char *json_single_quotes);
/* A candle at index i of a 1-minute series starting at 0. */
CwCandle cw_test_candle(guint i, double open, double high, double low, double close);

/* Records every event of the bus. */
typedef struct {
	CwEvent event;
	CwOrder order;
	CwFill fill;
	CwTrade trade;
	CwPosition position;
	char source[64];
	char reason[CW_REASON_LEN];
	gboolean has_order, has_fill, has_trade;
} CwTestEvent;

typedef struct {
	GArray *events; /* of CwTestEvent */
	guint id;
	CwEventBus *bus;
} CwTestRecorder;

CwTestRecorder *cw_test_recorder_new(CwEventBus *bus, CwStrategyId strategy_id);
void cw_test_recorder_free(CwTestRecorder *self);
guint cw_test_recorder_count(CwTestRecorder *self, CwEventType type);
/* The n-th (0-based) event of type, or NULL. */
const CwTestEvent *cw_test_recorder_nth(CwTestRecorder *self, CwEventType type, guint n);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwTestRecorder, cw_test_recorder_free)

/* The asynchronous broker calls, run to completion on the thread-default
 * main context (bounded: a call that does not complete in 5 s fails the
 * test). */
gboolean cw_test_broker_lookup(CwBroker *broker, const char *client_order_id, CwOrder *out,
			       GError **error);
double cw_test_broker_get_balance(CwBroker *broker);
CwBrokerState *cw_test_broker_reconcile(CwBroker *broker, gint64 since_ms, GError **error);
/* Iterates the main context until *done or 5 s passed. */
void cw_test_wait(const gboolean *done);

#define cw_assert_close(a, b)                                                                      \
	g_assert_cmpfloat_with_epsilon((a), (b), 1e-9 * MAX(1.0, fabs((double) (b))))

G_END_DECLS
