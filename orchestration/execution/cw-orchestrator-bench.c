/* Benchmark, not a test: per-candle cost of one orchestrator and the number
 * of heap allocations on the hot path (counted by interposing malloc;
 * glibc only). Prints figures; asserts nothing about time. */
#include "cw-execution-test-utils.h"

#include <math.h>
#include <stdio.h>

#define N_WARMUP  2000
#define N_CANDLES 100000

#ifdef __GLIBC__
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t a, size_t b);
extern void *__libc_realloc(void *p, size_t n);
static volatile int counting;
static volatile unsigned long n_allocs;

void *malloc(size_t n);
void *calloc(size_t a, size_t b);
void *realloc(void *p, size_t n);

void *
malloc(size_t n)
{
	if (counting)
		n_allocs++;
	return __libc_malloc(n);
}

void *
calloc(size_t a, size_t b)
{
	if (counting)
		n_allocs++;
	return __libc_calloc(a, b);
}

void *
realloc(void *p, size_t n)
{
	if (counting)
		n_allocs++;
	return __libc_realloc(p, n);
}
#define COUNT(on) (counting = (on))
#else
static unsigned long n_allocs;
#define COUNT(on) ((void) 0)
#endif

int
main(int argc, char **argv)
{
	g_autoptr(GString) json = g_string_new(NULL);
	g_autoptr(CwBotConfig) config = NULL;
	g_autoptr(CwEventBus) bus = cw_event_bus_new();
	g_autoptr(CwTradingOrchestrator) orch = NULL;
	g_autoptr(GError) error = NULL;
	guint32 seed = 12345;
	double price = 100;
	gint64 start = 0, end;

	/* a signal every 7 candles, alternating; stops, three take profits,
	 * trailing, time and opposite-signal exits all in play */
	g_string_append(json, "{'name': 'bench', 'symbol': 'TUSDT', 'interval': '1m', "
			      "'strategy': {'id': 'b', 'type': 'scripted', 'params': {'atr': 1.0, "
			      "'signals': {");
	for (guint i = 0; i < N_WARMUP + N_CANDLES; i += 7)
		g_string_append_printf(json, "%s'%u': '%s'", i > 0 ? ", " : "", i,
				       (i / 7) % 2 ? "short" : "long");
	g_string_append(json, "}}, 'exit': {'stop_loss': {'type': 'atr', 'value': 1.5}, "
			      "'take_profits': [{'r': 1, 'close': 0.3}, {'r': 2, 'close': 0.3}, "
			      "{'r': 3}], 'trailing': {'type': 'percent', 'value': 0.5}, "
			      "'time_exit_candles': 20, 'exit_on_opposite_signal': true}, "
			      "'sizing': {'mode': 'risk_percent', 'risk_percent': 1}}}");
	config = cw_test_config_new(json->str);
	orch = cw_trading_orchestrator_new(config, NULL, bus, &error);
	g_assert_no_error(error);

	for (guint i = 0; i < N_WARMUP + N_CANDLES; i++) {
		double move, o, c;
		CwCandle k;

		seed = seed * 1103515245u + 12345u;
		move = ((double) ((seed >> 8) % 2001) - 1000.0) / 1000.0;
		o = price;
		c = MAX(1.0, price + move);
		k = cw_test_candle(i, o, MAX(o, c) + 0.3, MIN(o, c) - 0.3, c);
		if (i == N_WARMUP) {
			start = g_get_monotonic_time();
			COUNT(1);
		}
		cw_trading_orchestrator_on_candle(orch, &k);
		price = c;
	}
	COUNT(0);
	end = g_get_monotonic_time();
	printf("orchestrator: %d candles, %.1f ns/candle, %lu heap allocations, %u trades, "
	       "%" G_GUINT64_FORMAT " events\n",
	       N_CANDLES, (double) (end - start) * 1000.0 / N_CANDLES, (unsigned long) n_allocs,
	       cw_trading_orchestrator_get_trades(orch)->len, cw_event_bus_get_n_published(bus));
	return 0;
}
