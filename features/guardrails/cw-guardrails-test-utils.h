/* Helpers shared by the guardrails tests: configs, contexts and orders. */
#pragma once

#include "cw-guardrails-private.h"

#include <math.h>
#include <string.h>

/* 2023-06-01T12:00:00Z, a Thursday */
#define TEST_NOW G_GINT64_CONSTANT(1685620800000)
#define TEST_5M  G_GINT64_CONSTANT(300000)

static inline char *
test_quotes(const char *json_with_single_quotes)
{
	return g_strdelimit(g_strdup(json_with_single_quotes), "'", '"');
}

/* A valid bot config; guardrails and extra are JSON with single quotes
 * (extra: more top-level members, e.g. "'instrument': {...}"), either NULL. */
static inline CwBotConfig *
test_config_full(const char *guardrails, const char *extra, GError **error)
{
	g_autofree char *text = g_strdup_printf(
	    "{'name': 'bot-1', 'symbol': 'BTCUSDT', 'interval': '5m', "
	    "'strategy': {'analyzers': [{'type': 'rsi'}]}%s%s%s%s}",
	    guardrails != NULL ? ", 'guardrails': " : "", guardrails != NULL ? guardrails : "",
	    extra != NULL ? ", " : "", extra != NULL ? extra : "");
	g_autofree char *json = test_quotes(text);

	return cw_bot_config_new_from_data(json, -1, error);
}

static inline CwBotConfig *
test_config(const char *guardrails)
{
	g_autoptr(GError) error = NULL;
	CwBotConfig *config = test_config_full(guardrails, NULL, &error);

	g_assert_no_error(error);
	g_assert_nonnull(config);
	return config;
}

/* The gate registered as name, configured from config; asserts that it
 * configures and that its activity is as expected. */
static inline CwGuard *
test_gate_from_config(const char *name, const CwBotConfig *config, gboolean expect_active)
{
	g_autoptr(GError) error = NULL;
	GObject *object;
	gboolean active = !expect_active;

	cw_guardrails_register_types();
	object = cw_extension_new(CW_EXTENSION_POINT_GUARD, name, &error);
	g_assert_no_error(error);
	g_assert_true(CW_IS_GUARD(object));
	g_assert_true(cw_guard_configure(CW_GUARD(object), config, &active, &error));
	g_assert_no_error(error);
	g_assert_cmpint(active, ==, expect_active);
	g_assert_cmpstr(cw_guard_get_name(CW_GUARD(object)), ==, name);
	return CW_GUARD(object);
}

static inline CwGuard *
test_gate(const char *name, const char *guardrails)
{
	g_autoptr(CwBotConfig) config = test_config(guardrails);

	return test_gate_from_config(name, config, TRUE);
}

/* The configure error of the gate registered as name. */
static inline GError *
test_gate_error(const char *name, const char *guardrails, const char *extra)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = test_config_full(guardrails, extra, &error);
	g_autoptr(GObject) object = NULL;
	gboolean active = FALSE;

	g_assert_no_error(error);
	cw_guardrails_register_types();
	object = cw_extension_new(CW_EXTENSION_POINT_GUARD, name, &error);
	g_assert_no_error(error);
	g_assert_false(cw_guard_configure(CW_GUARD(object), config, &active, &error));
	g_assert_nonnull(error);
	return g_steal_pointer(&error);
}

static inline CwGuardContext
test_ctx(void)
{
	CwGuardContext ctx = {
	    .strategy_id = g_quark_from_static_string("bot-1:main"),
	    .instrument = NULL,
	    .now = TEST_NOW,
	    .last_candle_time = TEST_NOW - TEST_5M,
	    .interval_ms = TEST_5M,
	    .mark_price = 100.0,
	    .equity = 10000.0,
	    .balance = 10000.0,
	    .peak_equity = 10000.0,
	    .position_qty = 0,
	    .position_entry_price = 0,
	    .open_positions = 0,
	    .reduces = FALSE,
	};
	return ctx;
}

static inline CwOrder
test_order(CwSide side, double qty, CwOrderPurpose purpose)
{
	CwOrder order;

	memset(&order, 0, sizeof order);
	order.symbol = g_quark_from_static_string("BTCUSDT");
	order.side = side;
	order.type = CW_ORDER_TYPE_MARKET;
	order.purpose = purpose;
	order.qty = qty;
	order.status = CW_ORDER_STATUS_PENDING_NEW;
	return order;
}

static inline CwOrder
test_entry(CwSide side, double qty)
{
	return test_order(side, qty, CW_ORDER_PURPOSE_ENTRY);
}

/* An exit of the position in ctx (sets ctx->reduces). */
static inline CwOrder
test_exit(CwGuardContext *ctx, CwOrderPurpose purpose)
{
	ctx->reduces = TRUE;
	return test_order(ctx->position_qty > 0 ? CW_SIDE_SELL : CW_SIDE_BUY,
			  fabs(ctx->position_qty), purpose);
}

/* Checks a copy of order; the reason goes to reason (CW_REASON_LEN). */
static inline CwGuardVerdict
test_check(CwGuard *gate, const CwGuardContext *ctx, const CwOrder *order, char *reason)
{
	CwOrder copy = *order;

	reason[0] = '\0';
	return cw_guard_check(gate, ctx, &copy, reason, CW_REASON_LEN);
}

static inline void
test_assert_allow(CwGuard *gate, const CwGuardContext *ctx, const CwOrder *order)
{
	char reason[CW_REASON_LEN];
	CwGuardVerdict verdict = test_check(gate, ctx, order, reason);

	if (verdict != CW_GUARD_ALLOW)
		g_test_message("unexpected verdict %d: %s", verdict, reason);
	g_assert_cmpint(verdict, ==, CW_GUARD_ALLOW);
}

static inline void
test_assert_reject(CwGuard *gate, const CwGuardContext *ctx, const CwOrder *order,
		   const char *expected_reason)
{
	char reason[CW_REASON_LEN];

	g_assert_cmpint(test_check(gate, ctx, order, reason), ==, CW_GUARD_REJECT);
	if (expected_reason != NULL)
		g_assert_cmpstr(reason, ==, expected_reason);
}

/* ms of a local wall time in zone (through GDateTime, independent of the
 * code under test). */
static inline gint64
test_local_ms(const char *zone, gint year, gint month, gint day, gint hour, gint minute)
{
	g_autoptr(GTimeZone) tz = g_time_zone_new_identifier(zone);
	g_autoptr(GDateTime) dt = NULL;

	g_assert_nonnull(tz);
	dt = g_date_time_new(tz, year, month, day, hour, minute, 0);
	g_assert_nonnull(dt);
	return g_date_time_to_unix(dt) * 1000;
}
