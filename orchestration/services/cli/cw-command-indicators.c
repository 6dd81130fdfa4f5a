/* candlewick indicators: one CSV column per indicator output. */
#include "cw-services-cli.h"

#include <math.h>
#include <stdio.h>

#include "cw-output-file.h"
#include "cw-strategies.h"

static GPtrArray *
cw_indicators_parse_spec(const char *spec, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(spec, ",", -1);
	g_autoptr(GPtrArray) out =
	    g_ptr_array_new_with_free_func((GDestroyNotify) cw_indicator_free);

	for (guint i = 0; parts[i] != NULL; i++) {
		g_autoptr(GError) local = NULL;
		char *item = g_strstrip(parts[i]);
		CwIndicator *ind;

		if (item[0] == '\0')
			continue;
		ind = cw_indicator_new_from_spec(item, &local);
		if (ind == NULL) {
			g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_USAGE,
				    "--spec item %u: %s", i + 1, local->message);
			return NULL;
		}
		g_ptr_array_add(out, ind);
	}
	if (out->len == 0) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_USAGE,
			    "--spec names no indicator (known: %s)", cw_indicator_known_names());
		return NULL;
	}
	return g_steal_pointer(&out);
}

/* The CSV: a header, then one row per candle. */
static gboolean
cw_indicators_write(CwCandleSource *source, GPtrArray *inds, FILE *out, GError **error)
{
	CwCandle c;
	CwCandleSourceResult r;

	fputs("time", out);
	for (guint i = 0; i < inds->len; i++) {
		CwIndicator *ind = g_ptr_array_index(inds, i);
		for (guint o = 0; o < cw_indicator_get_n_outputs(ind); o++)
			fprintf(out, ",%s", cw_indicator_get_output_name(ind, o));
	}
	fputc('\n', out);
	while ((r = cw_candle_source_next(source, &c, error)) == CW_CANDLE_SOURCE_OK) {
		fprintf(out, "%" G_GINT64_FORMAT, c.open_time / 1000);
		for (guint i = 0; i < inds->len; i++) {
			CwIndicator *ind = g_ptr_array_index(inds, i);
			cw_indicator_update(ind, &c);
			for (guint o = 0; o < cw_indicator_get_n_outputs(ind); o++) {
				double v = cw_indicator_get_value(ind, o);
				if (isnan(v))
					fputc(',', out);
				else
					fprintf(out, ",%.17g", v);
			}
		}
		fputc('\n', out);
	}
	return r != CW_CANDLE_SOURCE_ERROR;
}

int
cw_command_indicators(int argc, char **argv)
{
	g_autofree char *data = NULL;
	g_autofree char *spec = NULL;
	g_autofree char *symbol = NULL; /* GLib never frees a default it replaces */
	gboolean skip_bad = FALSE;
	g_autoptr(GError) error = NULL;
	g_autoptr(CwCandleSource) source = NULL;
	g_autoptr(GPtrArray) inds = NULL;
	g_autoptr(GOptionContext) ctx = g_option_context_new("- print indicator values as CSV");
	g_autoptr(CwOutputFile) file = NULL;
	g_autofree char *output = NULL;
	g_autofree char *interval_text = NULL;
	gint64 interval_ms = 0;
	GOptionEntry entries[] = {
	    {"data", 0, 0, G_OPTION_ARG_FILENAME, &data, "Candle file (CSV or JSON)", "FILE"},
	    {"spec", 0, 0, G_OPTION_ARG_STRING, &spec,
	     "Indicators, e.g. sma:20,ema:20,rsi:14,macd:12:26:9", "LIST"},
	    {"symbol", 0, 0, G_OPTION_ARG_STRING, &symbol, "Symbol of the data", "SYM"},
	    {"interval", 0, 0, G_OPTION_ARG_STRING, &interval_text,
	     "Candle interval (1m, 5m, 1h...; default: detected from the first rows)", "I"},
	    {"skip-bad-rows", 0, 0, G_OPTION_ARG_NONE, &skip_bad, "Skip malformed rows", NULL},
	    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
	     "Write to FILE (- = stdout, the default)", "FILE"},
	    {NULL},
	};

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cw_commands_parse_options(ctx, entries, &argc, &argv, 0, &error)) {
		cw_commands_print_error("indicators", error);
		return 2;
	}
	if (data == NULL || spec == NULL) {
		fprintf(stderr, "candlewick indicators: --data and --spec are required\n");
		return 2;
	}
	if (interval_text != NULL &&
	    !cw_commands_parse_interval(interval_text, &interval_ms, &error)) {
		cw_commands_print_error("indicators", error);
		return 2;
	}
	inds = cw_indicators_parse_spec(spec, &error);
	if (inds == NULL) {
		cw_commands_print_error("indicators", error);
		return 2;
	}
	source = cw_commands_open_source("file", &error, "path", data, "symbol",
					 symbol != NULL ? symbol : "UNKNOWN", "interval",
					 interval_ms, "skip-bad-rows", skip_bad, NULL);
	if (source == NULL) {
		cw_commands_print_error("indicators", error);
		return 1;
	}

	file = cw_output_file_open(output != NULL ? output : "-", &error);
	if (file == NULL ||
	    !cw_indicators_write(source, inds, cw_output_file_get_stream(file), &error) ||
	    !cw_output_file_commit(file, &error)) {
		cw_commands_print_error("indicators", error);
		return 1;
	}
	if (cw_candle_source_get_n_skipped(source) > 0)
		fprintf(stderr, "candlewick indicators: skipped %" G_GUINT64_FORMAT " bad rows\n",
			cw_candle_source_get_n_skipped(source));
	return 0;
}
