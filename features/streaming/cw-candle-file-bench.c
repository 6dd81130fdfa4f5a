/* Parse speed of CwCandleFile and CwSynthSource: prints candles per second.
 * A benchmark, not a test: it asserts nothing about time.
 *
 *   cw-streaming-bench [ROWS]   (default 4000000)
 */
#include "cw-streaming.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

static double
drain(CwCandleSource *source, guint64 *n_out)
{
	g_autoptr(GError) error = NULL;
	gint64 start = g_get_monotonic_time();
	CwCandle c;
	guint64 n = 0;
	double checksum = 0;

	if (!cw_candle_source_open(source, &error)) {
		g_printerr("%s\n", error->message);
		exit(1);
	}
	while (cw_candle_source_next(source, &c, &error) == CW_CANDLE_SOURCE_OK) {
		checksum += c.close;
		n++;
	}
	if (error != NULL) {
		g_printerr("%s\n", error->message);
		exit(1);
	}
	*n_out = n;
	(void) checksum;
	return (double) (g_get_monotonic_time() - start) / G_USEC_PER_SEC;
}

int
main(int argc, char **argv)
{
	guint64 rows = argc > 1 ? g_ascii_strtoull(argv[1], NULL, 10) : 4000000;
	g_autofree char *path = NULL;
	g_autoptr(CwSynthSource) synth = NULL;
	g_autoptr(CwCandleFile) file = NULL;
	g_autoptr(GError) error = NULL;
	FILE *out;
	int fd;
	double seconds;
	guint64 n = 0;
	CwCandle c;

	/* a CSV written from the synthetic market, 5m candles */
	synth = g_object_new(CW_TYPE_SYNTH_SOURCE, "days", (double) rows * 300000 / 86400000.0 + 1,
			     NULL);
	seconds = drain(CW_CANDLE_SOURCE(synth), &n);
	printf("synth: %" G_GUINT64_FORMAT " candles in %.3f s, %.2f M/s\n", n, seconds,
	       n / seconds / 1e6);

	fd = g_file_open_tmp("cw-bench-XXXXXX.csv", &path, &error);
	if (fd < 0) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	out = fdopen(fd, "w");
	fputs("time,open,high,low,close,volume\n", out);
	g_assert_true(cw_candle_source_open(CW_CANDLE_SOURCE(synth), &error));
	for (guint64 i = 0; i < rows; i++) {
		if (cw_candle_source_next(CW_CANDLE_SOURCE(synth), &c, &error) !=
		    CW_CANDLE_SOURCE_OK)
			break;
		fprintf(out, "%" G_GINT64_FORMAT ",%.1f,%.1f,%.1f,%.1f,%.3f\n", c.open_time / 1000,
			c.open, c.high, c.low, c.close, c.volume);
	}
	fclose(out);

	file = cw_candle_file_new(path);
	seconds = drain(CW_CANDLE_SOURCE(file), &n);
	printf("csv:   %" G_GUINT64_FORMAT " rows in %.3f s, %.2f M rows/s (%s)\n", n, seconds,
	       n / seconds / 1e6, cw_candle_source_describe(CW_CANDLE_SOURCE(file)));
	g_unlink(path);
	return 0;
}
