/* candlewick synth: writes generated candles as CSV (time in seconds). */
#include "cw-services-cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cw-output-file.h"

/* Writes every candle of the source to out in the CSV format the file
 * source reads. Returns the number of candles, or -1 with error set. */
static gint64
cw_command_synth_write(CwCandleSource *source, FILE *out, GError **error)
{
	CwCandle c;
	CwCandleSourceResult r;
	gint64 n = 0;

	fputs("time,open,high,low,close,volume\n", out);
	while ((r = cw_candle_source_next(source, &c, error)) == CW_CANDLE_SOURCE_OK) {
		fprintf(out, "%" G_GINT64_FORMAT ",%.10g,%.10g,%.10g,%.10g,%.8g\n",
			c.open_time / 1000, c.open, c.high, c.low, c.close, c.volume);
		n++;
	}
	if (r == CW_CANDLE_SOURCE_ERROR)
		return -1;
	if (ferror(out)) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO, "write failed: %s",
			    g_strerror(errno));
		return -1;
	}
	return n;
}

int
cw_command_synth(int argc, char **argv)
{
	/* option defaults stay NULL: GLib never frees a default it replaces */
	g_autofree char *symbol = NULL;
	g_autofree char *interval_text = NULL;
	g_autofree char *output = NULL;
	g_autofree char *start_text = NULL;
	double days = 60;
	double start_price = 30000;
	gint64 seed = 42;
	gint64 interval_ms;
	gint64 start_ms = 1704067200000; /* 2024-01-01T00:00:00Z */
	gint64 n;
	g_autoptr(GError) error = NULL;
	g_autoptr(CwCandleSource) source = NULL;
	g_autoptr(GOptionContext) ctx = g_option_context_new("- generate synthetic candles");
	g_autoptr(CwOutputFile) file = NULL;
	GOptionEntry entries[] = {
	    {"symbol", 0, 0, G_OPTION_ARG_STRING, &symbol, "Symbol (default BTCUSDT)", "SYM"},
	    {"interval", 0, 0, G_OPTION_ARG_STRING, &interval_text, "Interval (default 5m)", "I"},
	    {"days", 0, 0, G_OPTION_ARG_DOUBLE, &days, "Days of data (default 60)", "N"},
	    {"start-price", 0, 0, G_OPTION_ARG_DOUBLE, &start_price, "First price (30000)", "P"},
	    {"start", 0, 0, G_OPTION_ARG_STRING, &start_text, "Start, ISO 8601 UTC", "TIME"},
	    {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed (default 42)", "N"},
	    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
	     "Write to FILE (- = stdout, the default)", "FILE"},
	    {NULL},
	};

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_description(
	    ctx,
	    "Geometric Brownian motion with GARCH(1,1) volatility, trend and range regimes,\n"
	    "jumps, gaps and an intraday volume profile. The same seed gives the same file.\n");
	if (!cw_commands_parse_options(ctx, entries, &argc, &argv, 0, &error)) {
		cw_commands_print_error("synth", error);
		return 2;
	}
	if (!cw_commands_parse_interval(interval_text != NULL ? interval_text : "5m", &interval_ms,
					&error)) {
		cw_commands_print_error("synth", error);
		return 2;
	}
	if (days <= 0 || days > 36500 || start_price <= 0 || seed < 0) {
		fprintf(stderr, "candlewick synth: --days, --start-price and --seed must be "
				"positive\n");
		return 2;
	}
	if (start_text != NULL) {
		g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
		g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(start_text, utc);
		if (dt == NULL) {
			fprintf(stderr, "candlewick synth: --start: not an ISO 8601 time: '%s'\n",
				start_text);
			return 2;
		}
		start_ms = g_date_time_to_unix(dt) * 1000;
	}
	source = cw_commands_open_source("synth", &error, "symbol",
					 symbol != NULL ? symbol : "BTCUSDT", "interval",
					 interval_ms, "days", days, "start-price", start_price,
					 "seed", (guint64) seed, "start-time", start_ms, NULL);
	if (source == NULL) {
		cw_commands_print_error("synth", error);
		return 1;
	}
	file = cw_output_file_open(output != NULL ? output : "-", &error);
	if (file == NULL) {
		cw_commands_print_error("synth", error);
		return 1;
	}
	n = cw_command_synth_write(source, cw_output_file_get_stream(file), &error);
	if (n < 0 || !cw_output_file_commit(file, &error)) {
		cw_commands_print_error("synth", error);
		return 1;
	}
	if (output != NULL && strcmp(output, "-") != 0)
		fprintf(stderr, "candlewick synth: wrote %" G_GINT64_FORMAT " candles to %s\n", n,
			output);
	return 0;
}
