/* candlewick candles export: the candles table (what live feeds received)
 * as the project's CSV format, for a backtest of exactly what a bot saw. */
#include "cw-services-cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* An ISO 8601 time or milliseconds since the epoch. */
static gboolean
cw_command_candles_parse_time(const char *option, const char *text, gint64 *out, GError **error)
{
	g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
	g_autoptr(GDateTime) dt = NULL;
	char *end = NULL;
	gint64 ms;

	if (text == NULL)
		return TRUE;
	ms = g_ascii_strtoll(text, &end, 10);
	if (end != text && *end == '\0') {
		*out = ms;
		return TRUE;
	}
	dt = g_date_time_new_from_iso8601(text, utc);
	if (dt == NULL) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_USAGE,
			    "%s: '%s' is neither an ISO 8601 time nor milliseconds", option, text);
		return FALSE;
	}
	*out = g_date_time_to_unix(dt) * 1000 + g_date_time_get_microsecond(dt) / 1000;
	return TRUE;
}

static gboolean
cw_command_candles_write(GArray *candles, const char *output, GError **error)
{
	g_autoptr(CwOutputFile) file = cw_output_file_open(output, error);
	FILE *out;

	if (file == NULL)
		return FALSE;
	out = cw_output_file_get_stream(file);
	/* 15 digits: the exchanges' decimal strings come back as they were */
	fputs("time,open,high,low,close,volume\n", out);
	for (guint i = 0; i < candles->len; i++) {
		const CwCandle *c = &g_array_index(candles, CwCandle, i);
		fprintf(out, "%" G_GINT64_FORMAT ",%.15g,%.15g,%.15g,%.15g,%.15g\n",
			c->open_time / 1000, c->open, c->high, c->low, c->close, c->volume);
	}
	if (ferror(out)) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO, "%s: write failed: %s",
			    output, g_strerror(errno));
		return FALSE;
	}
	return cw_output_file_commit(file, error);
}

static int
cw_command_candles_export(int argc, char **argv)
{
	g_autofree char *db = NULL, *exchange = NULL, *symbol = NULL, *interval_text = NULL;
	g_autofree char *from_text = NULL, *to_text = NULL, *output = NULL;
	g_autoptr(GOptionContext) ctx = g_option_context_new("- write recorded candles as CSV");
	g_autoptr(GError) error = NULL;
	g_autoptr(CwStore) store = NULL;
	g_autoptr(GArray) candles = NULL;
	gint64 interval_ms = 0, from = G_MININT64, to = G_MAXINT64;
	GOptionEntry entries[] = {
	    {"db", 0, 0, G_OPTION_ARG_FILENAME, &db, "The database (or $CW_DB)", "FILE"},
	    {"exchange", 0, 0, G_OPTION_ARG_STRING, &exchange,
	     "bybit, binance, bybit-spot or binance-spot", "NAME"},
	    {"symbol", 0, 0, G_OPTION_ARG_STRING, &symbol, "The symbol", "SYM"},
	    {"interval", 0, 0, G_OPTION_ARG_STRING, &interval_text, "The interval (5m)", "I"},
	    {"from", 0, 0, G_OPTION_ARG_STRING, &from_text, "First open time (ISO 8601 or ms)",
	     "TIME"},
	    {"to", 0, 0, G_OPTION_ARG_STRING, &to_text, "Last open time (ISO 8601 or ms)", "TIME"},
	    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "FILE, or - for stdout", "FILE"},
	    {NULL},
	};

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cw_commands_parse_options(ctx, entries, &argc, &argv, 0, &error) ||
	    !cw_command_candles_parse_time("--from", from_text, &from, &error) ||
	    !cw_command_candles_parse_time("--to", to_text, &to, &error) ||
	    (interval_text != NULL &&
	     !cw_commands_parse_interval(interval_text, &interval_ms, &error))) {
		cw_commands_print_error("candles export", error);
		return 2;
	}
	if (db == NULL || db[0] == '\0')
		db = g_strdup(g_getenv("CW_DB"));
	if (db == NULL || db[0] == '\0' || exchange == NULL || symbol == NULL ||
	    interval_text == NULL || output == NULL) {
		fprintf(stderr, "candlewick candles export: --db, --exchange, --symbol, --interval "
				"and --output are required\n");
		return 2;
	}
	if (!g_file_test(db, G_FILE_TEST_EXISTS)) {
		fprintf(stderr, "candlewick candles export: %s: no such database\n", db);
		return 1;
	}
	store = cw_store_open_read_only(db, &error);
	if (store != NULL)
		candles =
		    cw_store_candles_query(store, exchange, symbol, interval_ms, from, to, &error);
	if (candles == NULL || !cw_command_candles_write(candles, output, &error)) {
		cw_commands_print_error("candles export", error);
		return 1;
	}
	if (strcmp(output, "-") != 0)
		fprintf(stderr, "%u candles written to %s\n", candles->len, output);
	return 0;
}

/**
 * cw_command_candles:
 *
 * `candlewick candles export ...`; see docs/cli.md.
 *
 * Returns: the exit status
 */
int
cw_command_candles(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "export") != 0) {
		fprintf(stderr,
			"Usage: candlewick candles export --db FILE --exchange NAME --symbol "
			"SYM --interval I [--from TIME] [--to TIME] --output FILE|-\n");
		return 2;
	}
	return cw_command_candles_export(argc - 1, argv + 1);
}
