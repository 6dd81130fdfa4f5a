/* Configuration errors with their exact JSON paths and messages; a whole
 * pipeline built the way the execution layer builds it; README.md
 * documents every key. */
#include "cw-guardrails-test-utils.h"

#include <stdio.h>

static void
expect_error(const char *gate, const char *guardrails, CwConfigError code, const char *message)
{
	g_autoptr(GError) error = test_gate_error(gate, guardrails, NULL);

	g_assert_error(error, CW_CONFIG_ERROR, (gint) code);
	g_assert_cmpstr(error->message, ==, message);
}

static void
test_unknown_keys(void)
{
	g_autoptr(GPtrArray) names = NULL;

	/* every gate reports an unknown top-level key, listing all known keys */
	cw_guardrails_register_types();
	names = cw_extension_get_names(CW_EXTENSION_POINT_GUARD);
	for (guint i = 0; i < names->len; i++)
		expect_error(g_ptr_array_index(names, i), "{'max_daily_loss': 3}",
			     CW_CONFIG_ERROR_UNKNOWN_KEY,
			     "guardrails.max_daily_loss: unknown key (known: circuit_breaker, "
			     "daily_loss, dry_run, loss_streak, max_drawdown, max_exposure_pct, "
			     "max_leverage, max_order_value, max_positions, max_positions_total, "
			     "position_cap, price_band_pct, rate_limit, session, "
			     "stale_data_intervals)");
	expect_error("daily_loss", "{'daily_loss': {'percentage': 5}}", CW_CONFIG_ERROR_UNKNOWN_KEY,
		     "guardrails.daily_loss.percentage: unknown key (known: percent, amount, "
		     "timezone, emergency_close)");
	expect_error(
	    "position_cap", "{'position_cap': {'max_value': 5}}", CW_CONFIG_ERROR_UNKNOWN_KEY,
	    "guardrails.position_cap.max_value: unknown key (known: max_qty, max_notional)");
	expect_error("session", "{'session': {'start': '09:00', 'end': '17:00', 'tz': 'UTC'}}",
		     CW_CONFIG_ERROR_UNKNOWN_KEY,
		     "guardrails.session.tz: unknown key (known: timezone, start, end, days, "
		     "blackout_dates, flatten_at_end)");
}

static void
test_value_errors(void)
{
	expect_error("daily_loss", "{'daily_loss': {'percent': -5}}", CW_CONFIG_ERROR_RANGE,
		     "guardrails.daily_loss.percent: expected a number in (0, 100], got -5");
	expect_error("daily_loss", "{'daily_loss': {'percent': 100.5}}", CW_CONFIG_ERROR_RANGE,
		     "guardrails.daily_loss.percent: expected a number in (0, 100], got 100.5");
	expect_error("daily_loss", "{'daily_loss': {'percent': 5, 'amount': 100}}",
		     CW_CONFIG_ERROR_INVALID,
		     "guardrails.daily_loss: expected exactly one of percent or amount");
	expect_error("daily_loss", "{'daily_loss': {'timezone': 'UTC'}}", CW_CONFIG_ERROR_MISSING,
		     "guardrails.daily_loss: expected exactly one of percent or amount");
	expect_error("daily_loss", "{'daily_loss': {'amount': 0}}", CW_CONFIG_ERROR_RANGE,
		     "guardrails.daily_loss.amount: expected a number > 0, got 0");
	expect_error("daily_loss", "{'daily_loss': {'percent': 5, 'timezone': 'Mars/Base'}}",
		     CW_CONFIG_ERROR_INVALID,
		     "guardrails.daily_loss.timezone: unknown time zone 'Mars/Base' (expected an "
		     "IANA name such as Europe/Berlin, UTC, or a fixed offset such as +05:00)");
	expect_error("daily_loss", "{'daily_loss': {'percent': 5, 'emergency_close': 1}}",
		     CW_CONFIG_ERROR_TYPE,
		     "guardrails.daily_loss.emergency_close: expected a boolean, got a number");
	expect_error("daily_loss", "{'daily_loss': 5}", CW_CONFIG_ERROR_TYPE,
		     "guardrails.daily_loss: expected an object, got a number");
	expect_error("dry_run", "{'dry_run': 'yes'}", CW_CONFIG_ERROR_TYPE,
		     "guardrails.dry_run: expected a boolean, got a string");
	expect_error("max_order_value", "{'max_order_value': 0}", CW_CONFIG_ERROR_RANGE,
		     "guardrails.max_order_value: expected a number > 0, got 0");
	expect_error("max_order_value", "{'max_order_value': '1000'}", CW_CONFIG_ERROR_TYPE,
		     "guardrails.max_order_value: expected a number, got a string");
	expect_error("position_cap", "{'position_cap': {}}", CW_CONFIG_ERROR_MISSING,
		     "guardrails.position_cap: expected max_qty, max_notional or both");
	expect_error("position_cap", "{'position_cap': {'max_qty': -1}}", CW_CONFIG_ERROR_RANGE,
		     "guardrails.position_cap.max_qty: expected a number > 0, got -1");
	expect_error("max_positions", "{'max_positions': 0}", CW_CONFIG_ERROR_RANGE,
		     "guardrails.max_positions: expected an integer >= 1, got 0");
	expect_error("max_positions", "{'max_positions': 1.5}", CW_CONFIG_ERROR_TYPE,
		     "guardrails.max_positions: expected an integer, got 1.5");
	expect_error("max_positions", "{'max_positions_total': -2}", CW_CONFIG_ERROR_RANGE,
		     "guardrails.max_positions_total: expected an integer >= 1, got -2");
	expect_error("max_exposure_pct", "{'max_exposure_pct': -1}", CW_CONFIG_ERROR_RANGE,
		     "guardrails.max_exposure_pct: expected a number > 0, got -1");
	expect_error("max_leverage", "{'max_leverage': 0.5}", CW_CONFIG_ERROR_RANGE,
		     "guardrails.max_leverage: expected a number >= 1, got 0.5");
	expect_error(
	    "max_drawdown", "{'max_drawdown': {'percent': 20, 'action': 'stop'}}",
	    CW_CONFIG_ERROR_RANGE,
	    "guardrails.max_drawdown.action: expected one of reduce_only, halt, got 'stop'");
	expect_error("max_drawdown", "{'max_drawdown': {'action': 'halt'}}",
		     CW_CONFIG_ERROR_MISSING, "guardrails.max_drawdown.percent: required");
	expect_error("rate_limit", "{'rate_limit': {}}", CW_CONFIG_ERROR_MISSING,
		     "guardrails.rate_limit.orders_per_minute: required");
	expect_error("rate_limit", "{'rate_limit': {'orders_per_minute': 0}}",
		     CW_CONFIG_ERROR_RANGE,
		     "guardrails.rate_limit.orders_per_minute: expected an integer in [1, 10000], "
		     "got 0");
	expect_error("circuit_breaker", "{'circuit_breaker': {'max_errors': 0}}",
		     CW_CONFIG_ERROR_RANGE,
		     "guardrails.circuit_breaker.max_errors: expected an integer in [1, 1000000], "
		     "got 0");
	expect_error("circuit_breaker", "{'circuit_breaker': {'cooldown_seconds': 'soon'}}",
		     CW_CONFIG_ERROR_TYPE,
		     "guardrails.circuit_breaker.cooldown_seconds: expected an integer, got a "
		     "string");
	expect_error("price_band_pct", "{'price_band_pct': 150}", CW_CONFIG_ERROR_RANGE,
		     "guardrails.price_band_pct: expected a number in (0, 100], got 150");
	expect_error("stale_data_intervals", "{'stale_data_intervals': 0}", CW_CONFIG_ERROR_RANGE,
		     "guardrails.stale_data_intervals: expected an integer in [1, 100000], got 0");
}

static void
test_loss_streak_errors(void)
{
	expect_error("loss_streak", "{'loss_streak': {'multipliers': [[2, 0.75], [2, 0.5]]}}",
		     CW_CONFIG_ERROR_INVALID,
		     "guardrails.loss_streak.multipliers[1][0]: expected more than 2 (the previous "
		     "entry's losses), got 2");
	expect_error("loss_streak", "{'loss_streak': {'multipliers': [[2, 1.5]]}}",
		     CW_CONFIG_ERROR_RANGE,
		     "guardrails.loss_streak.multipliers[0][1]: expected a number in (0, 1], got "
		     "1.5");
	expect_error("loss_streak", "{'loss_streak': {'multipliers': [[2, 0.5], [0, 0.25]]}}",
		     CW_CONFIG_ERROR_RANGE,
		     "guardrails.loss_streak.multipliers[1][0]: expected an integer >= 1, got 0");
	expect_error("loss_streak", "{'loss_streak': {'multipliers': [[2.5, 0.5]]}}",
		     CW_CONFIG_ERROR_RANGE,
		     "guardrails.loss_streak.multipliers[0][0]: expected an integer >= 1, got 2.5");
	expect_error("loss_streak", "{'loss_streak': {'multipliers': [3]}}", CW_CONFIG_ERROR_TYPE,
		     "guardrails.loss_streak.multipliers[0]: expected [losses, multiplier], got a "
		     "number");
	expect_error("loss_streak", "{'loss_streak': {'multipliers': [[1, 0.5, 2]]}}",
		     CW_CONFIG_ERROR_TYPE,
		     "guardrails.loss_streak.multipliers[0]: expected [losses, multiplier], got an "
		     "array of another length");
	expect_error("loss_streak", "{'loss_streak': {'multipliers': [[1, 'half']]}}",
		     CW_CONFIG_ERROR_TYPE,
		     "guardrails.loss_streak.multipliers[0][1]: expected a number, got a string");
	expect_error("loss_streak", "{'loss_streak': {'multipliers': {'2': 0.5}}}",
		     CW_CONFIG_ERROR_TYPE,
		     "guardrails.loss_streak.multipliers: expected an array, got an object");
	expect_error("loss_streak", "{'loss_streak': {'stop_after': -1}}", CW_CONFIG_ERROR_RANGE,
		     "guardrails.loss_streak.stop_after: expected an integer in [0, 1000000], got "
		     "-1");
}

static void
test_session_errors(void)
{
	expect_error("session", "{'session': {'start': '09:00'}}", CW_CONFIG_ERROR_MISSING,
		     "guardrails.session.end: required (\"HH:MM\")");
	expect_error("session", "{'session': {'start': '25:00', 'end': '06:00'}}",
		     CW_CONFIG_ERROR_INVALID,
		     "guardrails.session.start: expected a time \"HH:MM\" from 00:00 to 24:00, got "
		     "'25:00'");
	expect_error("session",
		     "{'session': {'start': '09:00', 'end': '17:00', 'days': ['mon', 'funday']}}",
		     CW_CONFIG_ERROR_INVALID,
		     "guardrails.session.days[1]: unknown day 'funday' (expected one of mon, tue, "
		     "wed, thu, fri, sat, sun)");
	expect_error(
	    "session", "{'session': {'start': '09:00', 'end': '17:00', 'days': [1]}}",
	    CW_CONFIG_ERROR_TYPE,
	    "guardrails.session.days[0]: expected a day name (mon, tue, wed, thu, fri, sat, "
	    "sun), got a number");
	expect_error("session", "{'session': {'start': '09:00', 'end': '17:00', 'days': []}}",
		     CW_CONFIG_ERROR_RANGE,
		     "guardrails.session.days: expected 1 to 7 items, got 0");
	expect_error("session",
		     "{'session': {'start': '09:00', 'end': '17:00', 'blackout_dates': "
		     "['2023-12-25', '2023-02-30']}}",
		     CW_CONFIG_ERROR_INVALID,
		     "guardrails.session.blackout_dates[1]: expected a date \"YYYY-MM-DD\", got "
		     "\"2023-02-30\"");
	expect_error(
	    "session",
	    "{'session': {'start': '09:00', 'end': '17:00', 'blackout_dates': ['25.12.2023']}}",
	    CW_CONFIG_ERROR_INVALID,
	    "guardrails.session.blackout_dates[0]: expected a date \"YYYY-MM-DD\", got "
	    "\"25.12.2023\"");
	/* sscanf's %u would take the signs and the space of these */
	expect_error(
	    "session",
	    "{'session': {'start': '09:00', 'end': '17:00', 'blackout_dates': ['2024-+1-+5']}}",
	    CW_CONFIG_ERROR_INVALID,
	    "guardrails.session.blackout_dates[0]: expected a date \"YYYY-MM-DD\", got "
	    "\"2024-+1-+5\"");
	expect_error(
	    "session",
	    "{'session': {'start': '09:00', 'end': '17:00', 'blackout_dates': [' 2024-01-05']}}",
	    CW_CONFIG_ERROR_INVALID,
	    "guardrails.session.blackout_dates[0]: expected a date \"YYYY-MM-DD\", got "
	    "\" 2024-01-05\"");
	expect_error(
	    "session",
	    "{'session': {'start': '09:00', 'end': '17:00', 'timezone': 'Europe/Nowhere'}}",
	    CW_CONFIG_ERROR_INVALID,
	    "guardrails.session.timezone: unknown time zone 'Europe/Nowhere' (expected an "
	    "IANA name such as Europe/Berlin, UTC, or a fixed offset such as +05:00)");
}

/* The pipeline as orchestration/execution builds it: every registered gate,
 * in priority order, configured from the bot config, the active ones kept;
 * the first REJECT wins and MODIFY goes on with the changed order. */
static GPtrArray *
test_pipeline_new(const CwBotConfig *config)
{
	GPtrArray *pipeline = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(GPtrArray) names = NULL;

	cw_guardrails_register_types();
	names = cw_extension_get_names(CW_EXTENSION_POINT_GUARD);
	for (guint i = 0; i < names->len; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GObject) object =
		    cw_extension_new(CW_EXTENSION_POINT_GUARD, g_ptr_array_index(names, i), &error);
		gboolean active = FALSE;

		g_assert_no_error(error);
		g_assert_true(cw_guard_configure(CW_GUARD(object), config, &active, &error));
		g_assert_no_error(error);
		if (active)
			g_ptr_array_add(pipeline, g_steal_pointer(&object));
	}
	return pipeline;
}

static CwGuardVerdict
test_pipeline_check(GPtrArray *pipeline, const CwGuardContext *ctx, CwOrder *order, char *reason,
		    const char **who)
{
	CwGuardVerdict result = CW_GUARD_ALLOW;

	for (guint i = 0; i < pipeline->len; i++) {
		CwGuard *gate = g_ptr_array_index(pipeline, i);
		CwGuardVerdict v = cw_guard_check(gate, ctx, order, reason, CW_REASON_LEN);

		if (v == CW_GUARD_REJECT) {
			*who = cw_guard_get_name(gate);
			return v;
		}
		if (v == CW_GUARD_MODIFY)
			result = v;
	}
	return result;
}

static void
test_pipeline(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = test_config_full(
	    "{'loss_streak': {'multipliers': [[2, 0.5]]}, 'max_order_value': 1000, "
	    "'daily_loss': {'percent': 3}, 'session': {'start': '00:00', 'end': '24:00'}}",
	    "'instrument': {'lot_step': 0.01, 'min_qty': 0.01}", &error);
	g_autoptr(GPtrArray) pipeline = NULL;
	static const char *const expected[] = {
	    "kill_switch",     "daily_loss",    "loss_streak",      "session",
	    "max_order_value", "max_positions", "max_exposure_pct", "instrument"};
	CwGuardContext ctx = test_ctx();
	CwOrder order;
	CwTrade loss = {.net_pnl = -1};
	char reason[CW_REASON_LEN];
	const char *who = NULL;

	g_assert_no_error(error);
	cw_service_context_reset(cw_service_context_get_default());
	pipeline = test_pipeline_new(config);
	g_assert_cmpuint(pipeline->len, ==, G_N_ELEMENTS(expected));
	for (guint i = 0; i < pipeline->len; i++)
		g_assert_cmpstr(cw_guard_get_name(g_ptr_array_index(pipeline, i)), ==, expected[i]);
	for (guint i = 0; i < pipeline->len; i++)
		cw_guard_on_candle(g_ptr_array_index(pipeline, i), &ctx, NULL);

	/* two losses halve the entry, then the lot step floors it */
	for (guint i = 0; i < pipeline->len; i++) {
		cw_guard_on_trade(g_ptr_array_index(pipeline, i), &ctx, &loss);
		cw_guard_on_trade(g_ptr_array_index(pipeline, i), &ctx, &loss);
	}
	order = test_entry(CW_SIDE_BUY, 0.155);
	g_assert_cmpint(test_pipeline_check(pipeline, &ctx, &order, reason, &who), ==,
			CW_GUARD_MODIFY);
	g_assert_cmpfloat_with_epsilon(order.qty, 0.07, 1e-12);
	/* the value gate sees the resized order: 19 x 0.5 x 100 = 950 */
	order = test_entry(CW_SIDE_BUY, 19);
	g_assert_cmpint(test_pipeline_check(pipeline, &ctx, &order, reason, &who), ==,
			CW_GUARD_MODIFY);
	order = test_entry(CW_SIDE_BUY, 21);
	g_assert_cmpint(test_pipeline_check(pipeline, &ctx, &order, reason, &who), ==,
			CW_GUARD_REJECT);
	g_assert_cmpstr(who, ==, "max_order_value");
	g_assert_cmpstr(reason, ==, "max order value exceeded: 10.5 x 100 = 1050.00 > 1000.00");
	/* a daily loss: the mode gate runs first and names itself */
	ctx.equity = 9600;
	g_assert_cmpint(test_pipeline_check(pipeline, &ctx, &order, reason, &who), ==,
			CW_GUARD_REJECT);
	g_assert_cmpstr(who, ==, "daily_loss");
	ctx.position_qty = 1;
	order = test_exit(&ctx, CW_ORDER_PURPOSE_SIGNAL_EXIT);
	g_assert_cmpint(test_pipeline_check(pipeline, &ctx, &order, reason, &who), ==,
			CW_GUARD_ALLOW);
	/* the kill switch outranks everything */
	cw_service_context_set_halt_all(cw_service_context_get_default(), TRUE);
	ctx.reduces = FALSE;
	order = test_entry(CW_SIDE_BUY, 1);
	g_assert_cmpint(test_pipeline_check(pipeline, &ctx, &order, reason, &who), ==,
			CW_GUARD_REJECT);
	g_assert_cmpstr(who, ==, "kill_switch");
	cw_service_context_reset(cw_service_context_get_default());
}

/* Every key of the table is documented in README.md as `key`. */
static void
test_readme_documents_every_key(void)
{
	const char *root = g_getenv("CW_SOURCE_ROOT");
	g_autofree char *path = NULL;
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;

	if (root == NULL) {
		g_test_skip("CW_SOURCE_ROOT is not set (run through meson test)");
		return;
	}
	path = g_build_filename(root, "features", "guardrails", "README.md", NULL);
	g_assert_true(g_file_get_contents(path, &text, NULL, &error));
	g_assert_no_error(error);
	for (guint i = 0; cw_guardrails_known_keys[i] != NULL; i++) {
		g_autofree char *quoted = g_strdup_printf("`%s`", cw_guardrails_known_keys[i]);

		if (strstr(text, quoted) == NULL)
			g_test_message("README.md lacks %s", quoted);
		g_assert_nonnull(strstr(text, quoted));
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/guardrails/section/unknown-keys", test_unknown_keys);
	g_test_add_func("/guardrails/section/value-errors", test_value_errors);
	g_test_add_func("/guardrails/section/loss-streak-errors", test_loss_streak_errors);
	g_test_add_func("/guardrails/section/session-errors", test_session_errors);
	g_test_add_func("/guardrails/section/pipeline", test_pipeline);
	g_test_add_func("/guardrails/section/readme", test_readme_documents_every_key);
	return g_test_run();
}
