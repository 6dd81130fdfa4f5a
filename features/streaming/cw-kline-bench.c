/* Kline decoding speed: ns per frame and frames per second for the Bybit and
 * Binance frame decoders on real-shaped frames (docs/benchmarks.md).
 * Usage: cw-kline-bench [FRAMES] */

#include "cw-kline-frame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BYBIT_FRAME                                                                                \
	"{\"topic\":\"kline.5.BTCUSDT\",\"data\":[{\"start\":1672324800000,\"end\":1672325099999," \
	"\"interval\":\"5\",\"open\":\"16649.5\",\"close\":\"16677\",\"high\":\"16677\",\"low\":"  \
	"\"16608\",\"volume\":\"2.081\",\"turnover\":\"34666.4005\",\"confirm\":false,"            \
	"\"timestamp\":1672324988882}],\"ts\":1672324988882,\"type\":\"snapshot\"}"

#define BINANCE_FRAME                                                                              \
	"{\"stream\":\"btcusdt@kline_1m\",\"data\":{\"e\":\"kline\",\"E\":1672515782136,\"s\":"    \
	"\"BTCUSDT\",\"k\":{\"t\":1672515780000,\"T\":1672515839999,\"s\":\"BTCUSDT\",\"i\":"      \
	"\"1m\",\"f\":100,\"L\":200,\"o\":\"16610.0\",\"c\":\"16620.5\",\"h\":\"16625.0\",\"l\":"  \
	"\"16605.5\",\"v\":\"1000.25\",\"n\":100,\"x\":false,\"q\":\"16612345.0\",\"V\":\"500\","  \
	"\"Q\":\"8300000.5\",\"B\":\"123456\"}}}"

typedef gboolean (*CwDecodeFunc)(CwKlineDecoder *, const char *, gsize, CwKlineFrame *);

static void
cw_kline_bench_run(const char *name, CwDecodeFunc decode, const char *frame, guint n)
{
	g_autoptr(CwKlineDecoder) decoder = cw_kline_decoder_new();
	gsize len = strlen(frame);
	CwKlineFrame out;
	gint64 start;
	gint64 elapsed;
	struct timespec cpu0;
	struct timespec cpu1;
	double cpu_ns;
	double sum = 0;

	for (guint i = 0; i < 1000; i++)
		decode(decoder, frame, len, &out);
	start = g_get_monotonic_time();
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu0);
	for (guint i = 0; i < n; i++) {
		if (!decode(decoder, frame, len, &out)) {
			fprintf(stderr, "%s: %s\n", name, out.detail);
			exit(1);
		}
		sum += out.updates[0].candle.close;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu1);
	elapsed = g_get_monotonic_time() - start;
	cpu_ns = (cpu1.tv_sec - cpu0.tv_sec) * 1e9 + (cpu1.tv_nsec - cpu0.tv_nsec);
	/* CPU time is the figure to read on a shared machine; wall time includes
	 * the time other processes had the core. */
	printf("%-8s %4zu-byte frame: %6.0f ns/frame CPU, %8.0f frames/s per core; wall %6.0f "
	       "ns/frame (%u frames, checksum %.1f)\n",
	       name, len, cpu_ns / n, n / (cpu_ns / 1e9), elapsed * 1000.0 / n, n, sum / n);
}

int
main(int argc, char **argv)
{
	guint n = argc > 1 ? (guint) g_ascii_strtoull(argv[1], NULL, 10) : 200000;

	if (n == 0)
		n = 200000;
	g_quark_from_static_string("BTCUSDT"); /* a bot's config interns its symbol */
	cw_kline_bench_run("bybit", cw_bybit_kline_decode_frame, BYBIT_FRAME, n);
	cw_kline_bench_run("binance", cw_binance_kline_decode_frame, BINANCE_FRAME, n);
	return 0;
}
