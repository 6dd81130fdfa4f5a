/* save_state()/load_state(): every stateful gate round-trips its mode and
 * tallies into a fresh instance that then behaves the same; malformed
 * documents fail with the field named. Also the service context: settings,
 * kill switches, exposure rows and their lock-free writer. */
#include "cw-guardrails-test-utils.h"

/* A fresh gate configured like the first, loaded with its state. */
static CwGuard *
test_restore(CwGuard *gate, const char *guardrails)
{
	g_autofree char *state = cw_guard_save_state(gate);
	g_autofree char *again = NULL;
	g_autoptr(GError) error = NULL;
	CwGuard *copy = test_gate(cw_guard_get_name(gate), guardrails);

	g_assert_nonnull(state);
	g_assert_true(cw_guard_load_state(copy, state, &error));
	g_assert_no_error(error);
	g_assert_cmpint(cw_guard_get_mode(copy), ==, cw_guard_get_mode(gate));
	g_assert_cmpint(cw_guard_wants_flatten(copy), ==, cw_guard_wants_flatten(gate));
	/* the document is stable across a round trip */
	again = cw_guard_save_state(copy);
	g_assert_cmpstr(again, ==, state);
	return copy;
}

static void
test_daily_loss(void)
{
	const char *config = "{'daily_loss': {'percent': 5, 'timezone': 'Europe/Berlin', "
			     "'emergency_close': true}}";
	g_autoptr(CwGuard) gate = test_gate("daily_loss", config);
	g_autoptr(CwGuard) copy = NULL;
	g_autoptr(CwGuard) fresh = NULL;
	CwGuardContext ctx = test_ctx();
	CwOrder entry = test_entry(CW_SIDE_BUY, 1);
	char reason[CW_REASON_LEN], reason_copy[CW_REASON_LEN];

	ctx.now = test_local_ms("Europe/Berlin", 2023, 3, 26, 0, 10);
	cw_guard_on_candle(gate, &ctx, NULL);
	/* a tally below the limit survives: -3 % now, -5.5 % after the restart */
	ctx.now += TEST_5M;
	ctx.equity = 9700;
	cw_guard_on_candle(gate, &ctx, NULL);
	copy = test_restore(gate, config);
	g_assert_cmpint(cw_guard_get_mode(copy), ==, CW_BOT_MODE_ACTIVE);
	fresh = test_gate("daily_loss", config);
	ctx.equity = 9450;
	ctx.position_qty = 1;
	test_assert_reject(copy, &ctx, &entry, NULL);
	g_assert_true(cw_guard_wants_flatten(copy));
	test_assert_allow(fresh, &ctx, &entry); /* would start a new day at 9450 */

	/* the triggered mode, reason and flatten request survive */
	g_clear_object(&copy);
	copy = test_restore(gate, config);
	cw_guard_on_candle(gate, &ctx, NULL);
	g_clear_object(&copy);
	copy = test_restore(gate, config);
	g_assert_cmpint(cw_guard_get_mode(copy), ==, CW_BOT_MODE_REDUCE_ONLY);
	g_assert_true(cw_guard_wants_flatten(copy));
	g_assert_cmpint(test_check(gate, &ctx, &entry, reason), ==, CW_GUARD_REJECT);
	g_assert_cmpint(test_check(copy, &ctx, &entry, reason_copy), ==, CW_GUARD_REJECT);
	g_assert_cmpstr(reason_copy, ==, reason);
	g_assert_cmpstr(reason, ==,
			"reduce-only: order would increase the position (daily loss limit "
			"exceeded: -5.50% < -5.00%)");
	/* and so does the day's end: 2023-03-26 is 23 hours long in Berlin */
	ctx.now = test_local_ms("Europe/Berlin", 2023, 3, 27, 0, 0) - 1;
	test_assert_reject(copy, &ctx, &entry, NULL);
	ctx.now += 1;
	test_assert_allow(copy, &ctx, &entry);
	g_assert_false(cw_guard_wants_flatten(copy));
}

static void
test_loss_streak(void)
{
	const char *config = "{'loss_streak': {'multipliers': [[2, 0.5]], 'stop_after': 4}}";
	g_autoptr(CwGuard) gate = test_gate("loss_streak", config);
	g_autoptr(CwGuard) copy = NULL;
	CwGuardContext ctx = test_ctx();
	CwOrder order = test_entry(CW_SIDE_BUY, 1);
	CwTrade loss = {.net_pnl = -1};
	char reason[CW_REASON_LEN];

	for (guint i = 0; i < 3; i++)
		cw_guard_on_trade(gate, &ctx, &loss);
	copy = test_restore(gate, config);
	g_assert_cmpint(cw_guard_check(copy, &ctx, &order, reason, sizeof reason), ==,
			CW_GUARD_MODIFY);
	g_assert_cmpfloat(order.qty, ==, 0.5);
	g_assert_cmpstr(reason, ==, "loss streak 3: qty x 0.5 (1 -> 0.5)");
	/* the fourth loss after the restart halts: the streak was kept */
	cw_guard_on_trade(copy, &ctx, &loss);
	g_assert_cmpint(cw_guard_get_mode(copy), ==, CW_BOT_MODE_HALTED);
	g_clear_object(&gate);
	gate = test_restore(copy, config);
	order = test_entry(CW_SIDE_BUY, 1);
	test_assert_reject(gate, &ctx, &order,
			   "halted: only stops and manual/guard exits pass (loss streak: 4 losing "
			   "trades in a row (stop_after 4))");
}

static void
test_circuit_breaker(void)
{
	const char *config = "{'circuit_breaker': {'max_errors': 2, 'cooldown_seconds': 120}}";
	g_autoptr(CwGuard) gate = test_gate("circuit_breaker", config);
	g_autoptr(CwGuard) copy = NULL;
	g_autoptr(GError) broker_error =
	    g_error_new_literal(CW_CORE_ERROR, CW_CORE_ERROR_FAILED, "timeout");
	CwGuardContext ctx = test_ctx();
	CwOrder order = test_entry(CW_SIDE_BUY, 1);
	CwFill fill = {.qty = 1};
	gint64 t0 = ctx.now;

	cw_guard_on_order_error(gate, &ctx, &order, broker_error);
	copy = test_restore(gate, config);
	/* one error before the restart, one after: tripped */
	cw_guard_on_order_error(copy, &ctx, &order, broker_error);
	g_assert_cmpint(cw_guard_get_mode(copy), ==, CW_BOT_MODE_HALTED);
	g_clear_object(&gate);
	gate = test_restore(copy, config);
	ctx.now = t0 + 119999;
	test_assert_reject(
	    gate, &ctx, &order,
	    "halted: only stops and manual/guard exits pass (circuit breaker open: 2 "
	    "broker errors in a row, 1 s of the 120 s cool-down left)");
	ctx.now = t0 + 120000;
	test_assert_allow(gate, &ctx, &order);
	cw_guard_on_fill(gate, &ctx, &fill);
	g_clear_object(&copy);
	copy = test_restore(gate, config);
	cw_guard_on_order_error(copy, &ctx, &order, broker_error);
	g_assert_cmpint(cw_guard_get_mode(copy), ==, CW_BOT_MODE_ACTIVE);
}

static void
test_max_drawdown(void)
{
	const char *config = "{'max_drawdown': {'percent': 10, 'action': 'halt'}}";
	g_autoptr(CwGuard) gate = test_gate("max_drawdown", config);
	g_autoptr(CwGuard) copy = NULL;
	CwGuardContext ctx = test_ctx();
	CwOrder order = test_entry(CW_SIDE_BUY, 1);
	char reason[CW_REASON_LEN];

	copy = test_restore(gate, config);
	g_assert_cmpint(cw_guard_get_mode(copy), ==, CW_BOT_MODE_ACTIVE);
	g_clear_object(&copy);
	ctx.equity = 8900;
	cw_guard_on_candle(gate, &ctx, NULL);
	copy = test_restore(gate, config);
	ctx.equity = 10000; /* recovered, still latched after the restart */
	g_assert_cmpint(test_check(copy, &ctx, &order, reason), ==, CW_GUARD_REJECT);
	g_assert_cmpstr(reason, ==,
			"halted: only stops and manual/guard exits pass (max drawdown exceeded: "
			"11.00% > 10.00% below the peak 10000.00)");
}

static void
test_stateless(void)
{
	g_autoptr(CwGuard) gate = test_gate("max_order_value", "{'max_order_value': 10}");
	g_autoptr(GError) error = NULL;

	g_assert_null(cw_guard_save_state(gate));
	g_assert_true(cw_guard_load_state(gate, "anything", &error));
	g_assert_no_error(error);
}

static void
expect_state_error(const char *gate_name, const char *config, const char *json_single_quotes,
		   const char *message)
{
	g_autoptr(CwGuard) gate = test_gate(gate_name, config);
	g_autofree char *json = test_quotes(json_single_quotes);
	g_autoptr(GError) error = NULL;

	g_assert_false(cw_guard_load_state(gate, json, &error));
	g_assert_error(error, CW_GUARDRAILS_ERROR, CW_GUARDRAILS_ERROR_STATE);
	if (message != NULL)
		g_assert_cmpstr(error->message, ==, message);
	else
		g_assert_true(g_str_has_prefix(error->message, "daily_loss state: not JSON: "));
}

static void
test_bad_documents(void)
{
	const char *dl = "{'daily_loss': {'percent': 5}}";

	expect_state_error("daily_loss", dl, "{'gate': ", NULL);
	expect_state_error("daily_loss", dl, "[1, 2]", "daily_loss state: expected a JSON object");
	expect_state_error("daily_loss", dl,
			   "{'gate': 'loss_streak', 'version': 1, 'mode': 'active'}",
			   "daily_loss state: the document belongs to gate 'loss_streak'");
	expect_state_error("daily_loss", dl,
			   "{'gate': 'daily_loss', 'version': 2, 'mode': 'active'}",
			   "daily_loss state: version 2 is newer than this build (1)");
	expect_state_error("daily_loss", dl,
			   "{'gate': 'daily_loss', 'version': 1, 'mode': 'paused'}",
			   "daily_loss state: mode: expected active, reduce_only or halted, got "
			   "'paused'");
	expect_state_error("daily_loss", dl,
			   "{'gate': 'daily_loss', 'version': 1, 'mode': 'active', 'day_end': 0, "
			   "'flatten': false, 'cause': ''}",
			   "daily_loss state: day_start_equity: missing");
	expect_state_error("daily_loss", dl,
			   "{'gate': 'daily_loss', 'version': 1, 'mode': 'active', 'day_end': 0, "
			   "'day_start_equity': 'lots', 'flatten': false, 'cause': ''}",
			   "daily_loss state: day_start_equity: expected a number");
	expect_state_error("loss_streak", "{'loss_streak': {}}",
			   "{'gate': 'loss_streak', 'version': 1, 'mode': 'active', 'streak': -3, "
			   "'cause': ''}",
			   "loss_streak state: streak: -3 is out of range");
}

static void
test_service_context_settings(void)
{
	g_autoptr(CwServiceContext) ctx = cw_service_context_new();
	g_autoptr(GVariant) value = NULL;
	CwBotExposure row = {.notional = 5, .equity = 10, .open_positions = 1, .updated_at = 7};
	CwBotExposure total;

	g_assert_true(ctx != cw_service_context_get_default());
	g_assert_true(cw_service_context_get_default() == cw_service_context_get_default());
	g_assert_cmpfloat(cw_service_context_get_double(ctx, "a", 1.5), ==, 1.5);
	cw_service_context_set_setting(ctx, "a", g_variant_new_double(50));
	cw_service_context_set_setting(ctx, "i", g_variant_new_int32(7));
	cw_service_context_set_setting(ctx, "neg", g_variant_new_int64(-1));
	cw_service_context_set_setting(ctx, "frac", g_variant_new_double(2.5));
	cw_service_context_set_setting(ctx, "s", g_variant_new_string("x"));
	cw_service_context_set_setting(ctx, "b", g_variant_new_boolean(TRUE));
	g_assert_cmpfloat(cw_service_context_get_double(ctx, "a", 0), ==, 50);
	g_assert_cmpfloat(cw_service_context_get_double(ctx, "i", 0), ==, 7);
	g_assert_cmpfloat(cw_service_context_get_double(ctx, "s", 3), ==, 3);
	g_assert_cmpuint(cw_service_context_get_uint(ctx, "i", 0), ==, 7);
	g_assert_cmpuint(cw_service_context_get_uint(ctx, "neg", 9), ==, 9);
	g_assert_cmpuint(cw_service_context_get_uint(ctx, "frac", 9), ==, 9);
	g_assert_true(cw_service_context_get_boolean(ctx, "b", FALSE));
	g_assert_false(cw_service_context_get_boolean(ctx, "a", FALSE));
	g_assert_true(cw_service_context_has_setting(ctx, "s"));
	value = cw_service_context_get_setting(ctx, "s");
	g_assert_cmpstr(g_variant_get_string(value, NULL), ==, "x");
	cw_service_context_set_setting(ctx, "s", NULL);
	g_assert_false(cw_service_context_has_setting(ctx, "s"));
	g_assert_cmpstr(g_variant_get_string(value, NULL), ==, "x"); /* still ours */

	/* exposure rows */
	cw_service_context_update_exposure(ctx, g_quark_from_static_string("x:a"), &row);
	row.notional = 20;
	row.updated_at = 9;
	cw_service_context_update_exposure(ctx, g_quark_from_static_string("x:b"), &row);
	g_assert_cmpuint(cw_service_context_sum_exposure(ctx, 0, &total), ==, 2);
	g_assert_cmpfloat(total.notional, ==, 25);
	g_assert_cmpfloat(total.equity, ==, 20);
	g_assert_cmpuint(total.open_positions, ==, 2);
	g_assert_cmpint(total.updated_at, ==, 9);
	g_assert_cmpuint(
	    cw_service_context_sum_exposure(ctx, g_quark_from_static_string("x:b"), &total), ==, 1);
	g_assert_cmpfloat(total.notional, ==, 5);

	/* kill switches, and reset forgets everything */
	cw_service_context_set_halt_all(ctx, TRUE);
	cw_service_context_set_bot_halted(ctx, g_quark_from_static_string("x:a"), TRUE);
	{
		gboolean halt = FALSE;

		g_object_get(ctx, "halt-all", &halt, NULL);
		g_assert_true(halt);
	}
	cw_service_context_reset(ctx);
	g_assert_false(cw_service_context_get_halt_all(ctx));
	g_assert_false(cw_service_context_get_bot_halted(ctx, g_quark_from_static_string("x:a")));
	g_assert_false(cw_service_context_has_setting(ctx, "a"));
	g_assert_cmpuint(cw_service_context_sum_exposure(ctx, 0, &total), ==, 0);
}

static double
test_row_notional(CwServiceContext *ctx, CwStrategyId bot)
{
	CwBotExposure out = {0};

	g_assert_true(cw_service_context_get_exposure(ctx, bot, &out));
	return out.notional;
}

/* The lock-free writer of the per-candle path gives the same table as
 * update_exposure, also when rows are removed or the context reset. */
static void
test_service_context_exposure_slots(void)
{
	g_autoptr(CwServiceContext) ctx = cw_service_context_new();
	CwStrategyId qa = g_quark_from_static_string("slot:a");
	CwStrategyId qb = g_quark_from_static_string("slot:b");
	CwBotExposure row = {.notional = 1, .equity = 10, .open_positions = 1, .updated_at = 5};
	CwBotExposure total;
	CwExposureSlot *a = NULL, *a2 = NULL;
	guint serial;

	cw_service_context_write_exposure(ctx, &a, qa, &row);
	g_assert_nonnull(a);
	g_assert_cmpfloat(test_row_notional(ctx, qa), ==, 1);
	row.notional = 2;
	cw_service_context_write_exposure(ctx, &a, qa, &row);
	g_assert_cmpfloat(test_row_notional(ctx, qa), ==, 2);
	/* a second writer of the same bot shares the row */
	row.notional = 3;
	cw_service_context_write_exposure(ctx, &a2, qa, &row);
	g_assert_true(a2 == a);
	g_assert_cmpuint(cw_service_context_sum_exposure(ctx, 0, &total), ==, 1);
	g_assert_cmpfloat(total.notional, ==, 3);
	/* update_exposure writes the same row */
	row.notional = 4;
	cw_service_context_update_exposure(ctx, qa, &row);
	g_assert_cmpfloat(test_row_notional(ctx, qa), ==, 4);
	/* a removed row comes back with the next write */
	cw_service_context_remove_exposure(ctx, qa);
	g_assert_false(cw_service_context_get_exposure(ctx, qa, NULL));
	row.notional = 5;
	cw_service_context_write_exposure(ctx, &a, qa, &row);
	g_assert_cmpfloat(test_row_notional(ctx, qa), ==, 5);
	/* a2 still holds the removed row: its next write goes to the new one */
	g_assert_true(a2 != a);
	row.notional = 6;
	cw_service_context_write_exposure(ctx, &a2, qa, &row);
	g_assert_true(a2 == a);
	g_assert_cmpuint(cw_service_context_sum_exposure(ctx, 0, &total), ==, 1);
	g_assert_cmpfloat(total.notional, ==, 6);
	/* reset forgets the row, the next write creates it again */
	cw_service_context_reset(ctx);
	g_assert_cmpuint(cw_service_context_sum_exposure(ctx, 0, &total), ==, 0);
	cw_service_context_write_exposure(ctx, &a, qa, &row);
	g_assert_cmpuint(cw_service_context_sum_exposure(ctx, 0, &total), ==, 1);
	/* a slot given another bot follows it */
	row.notional = 7;
	cw_service_context_write_exposure(ctx, &a2, qb, &row);
	g_assert_true(a2 != a);
	g_assert_cmpfloat(test_row_notional(ctx, qb), ==, 7);
	g_assert_cmpfloat(test_row_notional(ctx, qa), ==, 6);
	/* releasing keeps the rows */
	cw_service_context_release_exposure(ctx, &a);
	cw_service_context_release_exposure(ctx, &a2);
	cw_service_context_release_exposure(ctx, &a2);
	g_assert_null(a);
	g_assert_null(a2);
	g_assert_cmpuint(cw_service_context_sum_exposure(ctx, 0, &total), ==, 2);
	g_assert_cmpfloat(total.notional, ==, 13);

	/* the halt serial moves with every change of a bot's switch */
	serial = cw_service_context_get_halt_serial(ctx);
	cw_service_context_set_bot_halted(ctx, qa, TRUE);
	g_assert_cmpuint(cw_service_context_get_halt_serial(ctx), !=, serial);
	serial = cw_service_context_get_halt_serial(ctx);
	g_assert_cmpuint(cw_service_context_get_halt_serial(ctx), ==, serial);
	cw_service_context_reset(ctx);
	g_assert_cmpuint(cw_service_context_get_halt_serial(ctx), !=, serial);
	serial = cw_service_context_get_halt_serial(ctx);
	cw_service_context_set_halt_all(ctx, TRUE);
	g_assert_cmpuint(cw_service_context_get_halt_serial(ctx), !=, serial);
	serial = cw_service_context_get_halt_serial(ctx);
	cw_service_context_set_halt_all(ctx, FALSE);
	g_assert_cmpuint(cw_service_context_get_halt_serial(ctx), !=, serial);

	/* the settings serial moves with every setting and with reset */
	serial = cw_service_context_get_settings_serial(ctx);
	cw_service_context_set_setting(ctx, "k", g_variant_new_double(1));
	g_assert_cmpuint(cw_service_context_get_settings_serial(ctx), !=, serial);
	serial = cw_service_context_get_settings_serial(ctx);
	cw_service_context_set_setting(ctx, "k", NULL);
	g_assert_cmpuint(cw_service_context_get_settings_serial(ctx), !=, serial);
	serial = cw_service_context_get_settings_serial(ctx);
	cw_service_context_reset(ctx);
	g_assert_cmpuint(cw_service_context_get_settings_serial(ctx), !=, serial);
}

typedef struct {
	CwServiceContext *ctx;
	gint stop;
} TestWriter;

static gpointer
test_exposure_writer(gpointer data)
{
	TestWriter *w = data;
	CwExposureSlot *slot = NULL;
	CwStrategyId bot = g_quark_from_static_string("slot:writer");

	for (guint i = 1; !g_atomic_int_get(&w->stop) && i < 50000000; i++) {
		/* readers must never see a row whose fields disagree */
		CwBotExposure row = {
		    .notional = i, .equity = 2.0 * i, .open_positions = i, .updated_at = i};
		cw_service_context_write_exposure(w->ctx, &slot, bot, &row);
	}
	cw_service_context_release_exposure(w->ctx, &slot);
	return NULL;
}

static void
test_service_context_exposure_threads(void)
{
	g_autoptr(CwServiceContext) ctx = cw_service_context_new();
	TestWriter w = {.ctx = ctx};
	CwStrategyId bot = g_quark_from_static_string("slot:writer");
	CwBotExposure row, total;
	GThread *thread;
	guint seen = 0;

	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

	thread = g_thread_new("writer", test_exposure_writer, &w);
	/* wait (boundedly) for the writer's first row */
	while (!cw_service_context_get_exposure(ctx, bot, NULL) &&
	       g_get_monotonic_time() < deadline)
		g_thread_yield();
	for (guint k = 0; k < 200000; k++) {
		if (cw_service_context_sum_exposure(ctx, 0, &total) == 0)
			continue;
		g_assert_cmpfloat(total.equity, ==, 2.0 * total.notional);
		g_assert_cmpfloat(total.open_positions, ==, total.notional);
		g_assert_cmpint(total.updated_at, ==, (gint64) total.notional);
		if (cw_service_context_get_exposure(ctx, bot, &row))
			g_assert_cmpfloat(row.equity, ==, 2.0 * row.notional);
		seen++;
	}
	g_atomic_int_set(&w.stop, 1);
	g_thread_join(thread);
	g_assert_cmpuint(seen, >, 0);
}

/* A tally that json-glib wrote as "2e-08.0" made the whole state unreadable. */
static void
test_numbers_round_trip(void)
{
	static const double values[] = {2e-8, 1e21, 0.1, 9450.25};
	JsonBuilder *b = cw_guard_state_begin("daily_loss", CW_BOT_MODE_ACTIVE);
	g_autofree char *text = NULL;
	g_autoptr(JsonObject) state = NULL;
	g_autoptr(GError) error = NULL;
	CwBotMode mode;

	for (guint i = 0; i < G_N_ELEMENTS(values); i++) {
		g_autofree char *key = g_strdup_printf("v%u", i);

		json_builder_set_member_name(b, key);
		json_builder_add_double_value(b, values[i]);
	}
	text = cw_guard_state_end(b);
	state = cw_guard_state_parse(text, "daily_loss", &mode, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < G_N_ELEMENTS(values); i++) {
		g_autofree char *key = g_strdup_printf("v%u", i);
		double v = 0;

		g_assert_true(cw_guard_state_get_double(state, "daily_loss", key, &v, &error));
		g_assert_cmpfloat(v, ==, values[i]);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/guardrails/state/daily-loss", test_daily_loss);
	g_test_add_func("/guardrails/state/loss-streak", test_loss_streak);
	g_test_add_func("/guardrails/state/circuit-breaker", test_circuit_breaker);
	g_test_add_func("/guardrails/state/max-drawdown", test_max_drawdown);
	g_test_add_func("/guardrails/state/stateless", test_stateless);
	g_test_add_func("/guardrails/state/bad-documents", test_bad_documents);
	g_test_add_func("/guardrails/state/numbers-round-trip", test_numbers_round_trip);
	g_test_add_func("/guardrails/service-context/settings", test_service_context_settings);
	g_test_add_func("/guardrails/service-context/exposure-slots",
			test_service_context_exposure_slots);
	g_test_add_func("/guardrails/service-context/exposure-threads",
			test_service_context_exposure_threads);
	return g_test_run();
}
