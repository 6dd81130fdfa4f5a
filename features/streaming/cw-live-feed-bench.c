/* Frames per second one live feed ingests on one core: Bybit and Binance
 * kline frames (2 partial updates per closed candle) through
 * cw_live_feed_ingest(): decode, topic check, order, delivery to a sink
 * (docs/benchmarks.md). Usage: cw-live-feed-bench [CANDLES] */
#include "cw-streaming.h"

#include "cw-config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define T0       1672324800000
#define PARTIALS 2

static void
count_sink(const CwCandle *candle, gpointer user_data)
{
	*(guint64 *) user_data += 1;
}

static char *
frame(const char *type, guint i, gboolean closed, guint k)
{
	gint64 t = T0 + (gint64) i * 300000;
	double close = 16600 + (i % 50) + k * 0.5;

	if (strcmp(type, "bybit") == 0)
		return g_strdup_printf(
		    "{\"topic\":\"kline.5.BTCUSDT\",\"data\":[{\"start\":%" G_GINT64_FORMAT
		    ",\"end\":%" G_GINT64_FORMAT ",\"interval\":\"5\",\"open\":\"16600\","
		    "\"close\":\"%.1f\",\"high\":\"16700\",\"low\":\"16500\",\"volume\":\"2.081\","
		    "\"turnover\":\"34666.4005\",\"confirm\":%s,\"timestamp\":%" G_GINT64_FORMAT
		    "}],\"ts\":%" G_GINT64_FORMAT ",\"type\":\"snapshot\"}",
		    t, t + 299999, close, closed ? "true" : "false", t + 1000, t + 1000);
	return g_strdup_printf(
	    "{\"stream\":\"btcusdt@kline_5m\",\"data\":{\"e\":\"kline\",\"E\":%" G_GINT64_FORMAT
	    ",\"s\":\"BTCUSDT\",\"k\":{\"t\":%" G_GINT64_FORMAT ",\"T\":%" G_GINT64_FORMAT
	    ",\"s\":\"BTCUSDT\",\"i\":\"5m\",\"f\":100,\"L\":200,\"o\":\"16600\",\"c\":\"%.1f\","
	    "\"h\":\"16700\",\"l\":\"16500\",\"v\":\"1000.25\",\"n\":100,\"x\":%s,\"q\":\"1.0\","
	    "\"V\":\"500\",\"Q\":\"0.5\",\"B\":\"0\"}}}",
	    t + 1000, t, t + 299999, close, closed ? "true" : "false");
}

static void
run(const char *type, guint n_candles)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *json = g_strdup_printf(
	    "{\"name\": \"b\", \"symbol\": \"BTCUSDT\", \"interval\": \"5m\", \"strategy\": "
	    "{\"analyzers\": [{\"type\": \"rsi\"}]}, \"feed\": {\"type\": \"%s\"}}",
	    type);
	g_autoptr(CwBotConfig) config = cw_bot_config_new_from_data(json, -1, &error);
	g_autoptr(GObject) feed = cw_extension_new(CW_EXTENSION_POINT_MARKET_FEED, type, &error);
	g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) lens = g_array_new(FALSE, FALSE, sizeof(gsize));
	struct timespec c0, c1;
	guint64 candles = 0;
	double cpu_s;

	if (config == NULL || feed == NULL ||
	    !cw_market_feed_configure(CW_MARKET_FEED(feed), config, &error)) {
		fprintf(stderr, "%s\n", error->message);
		exit(1);
	}
	for (guint i = 0; i < n_candles; i++) {
		for (guint k = 0; k <= PARTIALS; k++) {
			char *f = frame(type, i, k == PARTIALS, k);
			gsize len = strlen(f);
			g_ptr_array_add(frames, f);
			g_array_append_val(lens, len);
		}
	}
	cw_market_feed_add_sink(CW_MARKET_FEED(feed), count_sink, &candles);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	for (guint i = 0; i < frames->len; i++)
		cw_live_feed_ingest(CW_LIVE_FEED(feed), frames->pdata[i],
				    g_array_index(lens, gsize, i), FALSE);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	cpu_s = (c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) / 1e9;
	if (candles != n_candles) {
		fprintf(stderr, "%s: %" G_GUINT64_FORMAT " candles of %u\n", type, candles,
			n_candles);
		exit(1);
	}
	printf("%-8s %u frames (%u partials per candle): %8.0f frames/s per core CPU, "
	       "%5.0f ns/frame, %" G_GUINT64_FORMAT " candles delivered\n",
	       type, frames->len, PARTIALS, frames->len / cpu_s, cpu_s * 1e9 / frames->len,
	       candles);
}

int
main(int argc, char **argv)
{
	guint n = argc > 1 ? (guint) strtoul(argv[1], NULL, 10) : 100000;

	cw_streaming_register_types();
	run("bybit", n);
	run("binance", n);
	return 0;
}
