/* The hot path allocates nothing: every gate (dry_run aside, which logs) is
 * configured, warmed up, and then driven through two simulated days of
 * 5-minute candles across a Berlin DST switch, with checks, fills and
 * trades, while malloc/calloc/realloc are counted.
 *
 * The counters interpose the C library's allocator for the whole process,
 * so GLib's allocations are seen too. */
#include "cw-guardrails-test-utils.h"

#include <stdlib.h>

#ifndef CW_SANITIZED
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);

static volatile gint test_counting;
static volatile gint test_allocations;

void *
malloc(size_t size)
{
	if (test_counting)
		g_atomic_int_inc(&test_allocations);
	return __libc_malloc(size);
}

void *
calloc(size_t n, size_t size)
{
	if (test_counting)
		g_atomic_int_inc(&test_allocations);
	return __libc_calloc(n, size);
}

void *
realloc(void *ptr, size_t size)
{
	if (test_counting)
		g_atomic_int_inc(&test_allocations);
	return __libc_realloc(ptr, size);
}
#endif

#define TEST_EVERY_GATE                                                                            \
	"{'max_order_value': 1000000, 'position_cap': {'max_qty': 1000, 'max_notional': 1e9}, "    \
	"'max_positions': 5, 'max_positions_total': 10, 'max_exposure_pct': 1000, "                \
	"'max_leverage': 100, 'daily_loss': {'percent': 50, 'timezone': 'Europe/Berlin', "         \
	"'emergency_close': true}, 'max_drawdown': {'percent': 90}, "                              \
	"'loss_streak': {'multipliers': [[2, 0.5]], 'stop_after': 1000}, "                         \
	"'rate_limit': {'orders_per_minute': 10}, "                                                \
	"'circuit_breaker': {'max_errors': 1000, 'cooldown_seconds': 60}, "                        \
	"'price_band_pct': 50, 'stale_data_intervals': 3, "                                        \
	"'session': {'timezone': 'Europe/Berlin', 'start': '08:00', 'end': '20:00', "              \
	"'blackout_dates': ['2023-12-25'], 'flatten_at_end': true}}"

static void
test_no_allocation(void)
{
#ifdef CW_SANITIZED
	g_test_skip("sanitizers replace malloc: allocations are counted in the plain build");
#else
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = test_config_full(
	    TEST_EVERY_GATE,
	    "'instrument': {'tick_size': 0.01, 'lot_step': 0.001, 'min_qty': 0.001}", &error);
	g_autoptr(GPtrArray) gates = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(GPtrArray) names = NULL;
	g_autoptr(GError) broker_error =
	    g_error_new_literal(CW_CORE_ERROR, CW_CORE_ERROR_FAILED, "timeout");
	CwGuardContext ctx = test_ctx();
	CwCandle candle = {.interval_ms = TEST_5M, .close = 100};
	CwFill fill = {.qty = 1, .price = 100};
	CwTrade loss = {.net_pnl = -1}, win = {.net_pnl = 1};
	char reason[CW_REASON_LEN];
	guint n_checks = 0;

	g_assert_no_error(error);
	/* the counter sees GLib's allocations */
	test_counting = 1;
	g_free(g_strdup("counted"));
	test_counting = 0;
	g_assert_cmpint(test_allocations, ==, 1);
	test_allocations = 0;

	cw_service_context_reset(cw_service_context_get_default());
	cw_guardrails_register_types();
	names = cw_extension_get_names(CW_EXTENSION_POINT_GUARD);
	for (guint i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);

		if (g_str_equal(name, "dry_run"))
			continue;
		g_ptr_array_add(gates, test_gate_from_config(name, config, TRUE));
	}
	g_assert_cmpuint(gates->len, ==, names->len - 1);

	/* 2023-03-25 00:00 Berlin, two days across the spring DST switch */
	ctx.now = test_local_ms("Europe/Berlin", 2023, 3, 25, 0, 0);
	for (guint step = 0; step < 2 * 288 + 10; step++) {
		CwOrder entry = test_entry(CW_SIDE_BUY, 0.0123);
		CwOrder stop;

		if (step == 1)
			test_counting = 1; /* step 0 creates the exposure row */
		candle.open_time = ctx.now;
		ctx.last_candle_time = ctx.now;
		ctx.now += TEST_5M;
		ctx.mark_price = 100 + (step % 17);
		ctx.equity = 10000 + (double) (step % 50) * 3;
		ctx.peak_equity = 10200;
		ctx.position_qty = (step / 7) % 2 ? 0.5 : 0;
		ctx.open_positions = ctx.position_qty != 0;
		ctx.reduces = FALSE;
		for (guint i = 0; i < gates->len; i++)
			cw_guard_on_candle(g_ptr_array_index(gates, i), &ctx, &candle);
		for (guint i = 0; i < gates->len; i++) {
			CwGuard *gate = g_ptr_array_index(gates, i);

			(void) cw_guard_get_mode(gate);
			(void) cw_guard_wants_flatten(gate);
		}
		for (guint i = 0; i < gates->len; i++) {
			CwGuard *gate = g_ptr_array_index(gates, i);

			if (cw_guard_check(gate, &ctx, &entry, reason, sizeof reason) ==
			    CW_GUARD_REJECT)
				break;
			n_checks++;
		}
		if (ctx.position_qty != 0) {
			stop = test_exit(&ctx, CW_ORDER_PURPOSE_STOP_LOSS);
			stop.type = CW_ORDER_TYPE_STOP;
			stop.stop_price = 90.123;
			for (guint i = 0; i < gates->len; i++)
				(void) cw_guard_check(g_ptr_array_index(gates, i), &ctx, &stop,
						      reason, sizeof reason);
		}
		for (guint i = 0; i < gates->len; i++) {
			CwGuard *gate = g_ptr_array_index(gates, i);

			cw_guard_on_fill(gate, &ctx, &fill);
			cw_guard_on_trade(gate, &ctx, step % 3 ? &loss : &win);
			if (step % 97 == 0)
				cw_guard_on_order_error(gate, &ctx, &entry, broker_error);
		}
	}
	test_counting = 0;
	g_assert_cmpuint(n_checks, >, 1000); /* the checks really ran */
	g_assert_cmpint(test_allocations, ==, 0);
	cw_service_context_reset(cw_service_context_get_default());
#endif
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/guardrails/hot-path/no-allocation", test_no_allocation);
	return g_test_run();
}
