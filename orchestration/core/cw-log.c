#include "cw-core.h"

#include <stdio.h>
#include <unistd.h>

static CwLogFormat cw_log_format = CW_LOG_FORMAT_TEXT;
static gboolean cw_log_verbose = FALSE;
static gboolean cw_log_quiet = FALSE;

static const char *
cw_log_level_name(GLogLevelFlags level)
{
	if (level & G_LOG_LEVEL_ERROR)
		return "error";
	if (level & G_LOG_LEVEL_CRITICAL)
		return "critical";
	if (level & G_LOG_LEVEL_WARNING)
		return "warning";
	if (level & G_LOG_LEVEL_MESSAGE)
		return "message";
	if (level & G_LOG_LEVEL_INFO)
		return "info";
	return "debug";
}

/**
 * cw_log_format_json:
 *
 * Returns: (transfer full): the record as one JSON object, e.g.
 * {"time":"...","level":"warning","message":"...","bot":"a","strategy":"b"}
 */
char *
cw_log_format_json(GLogLevelFlags level, const GLogField *fields, gsize n_fields)
{
	GString *out = g_string_new(NULL);
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree char *stamp = g_date_time_format_iso8601(now);
	CwJsonWriter w;

	cw_json_writer_init(&w, out, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_string(&w, "time", stamp);
	cw_json_writer_member_string(&w, "level", cw_log_level_name(level));
	for (gsize i = 0; i < n_fields; i++) {
		const GLogField *f = &fields[i];
		const char *key = NULL;

		if (g_strcmp0(f->key, "MESSAGE") == 0)
			key = "message";
		else if (g_strcmp0(f->key, "CW_BOT_ID") == 0)
			key = "bot";
		else if (g_strcmp0(f->key, "CW_STRATEGY_ID") == 0)
			key = "strategy";
		else if (g_strcmp0(f->key, "GLIB_DOMAIN") == 0)
			key = "domain";
		if (key == NULL || f->value == NULL)
			continue;
		cw_json_writer_key(&w, key);
		cw_json_writer_string_len(&w, f->value, f->length);
	}
	cw_json_writer_end_object(&w);
	return g_string_free(out, FALSE);
}

static const char *
cw_log_field(const GLogField *fields, gsize n_fields, const char *key)
{
	for (gsize i = 0; i < n_fields; i++) {
		if (g_strcmp0(fields[i].key, key) == 0 && fields[i].length < 0)
			return fields[i].value;
	}
	return NULL;
}

static GLogWriterOutput
cw_log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
	gboolean debug = (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) != 0;

	if (cw_log_quiet && (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO | G_LOG_LEVEL_MESSAGE)))
		return G_LOG_WRITER_HANDLED;

	if (debug && !cw_log_verbose) {
		const char *domain = cw_log_field(fields, n_fields, "GLIB_DOMAIN");
		if (g_log_writer_default_would_drop(level, domain))
			return G_LOG_WRITER_HANDLED;
	}
	if (cw_log_format == CW_LOG_FORMAT_JSON) {
		g_autofree char *line = cw_log_format_json(level, fields, n_fields);
		fprintf(stderr, "%s\n", line);
	} else {
		const char *msg = cw_log_field(fields, n_fields, "MESSAGE");
		const char *bot = cw_log_field(fields, n_fields, "CW_BOT_ID");
		const char *strategy = cw_log_field(fields, n_fields, "CW_STRATEGY_ID");
		g_autoptr(GDateTime) now = g_date_time_new_now_local();
		g_autofree char *stamp = g_date_time_format(now, "%H:%M:%S.%f");
		GString *line = g_string_new(NULL);

		g_string_append_printf(line, "%.12s %-8s", stamp, cw_log_level_name(level));
		if (bot != NULL)
			g_string_append_printf(line, " [%s", bot);
		if (strategy != NULL)
			g_string_append_printf(line, "%s%s", bot != NULL ? "/" : " [", strategy);
		if (bot != NULL || strategy != NULL)
			g_string_append_c(line, ']');
		g_string_append_printf(line, " %s\n", msg != NULL ? msg : "");
		fputs(line->str, stderr);
		g_string_free(line, TRUE);
	}
	fflush(stderr);
	return G_LOG_WRITER_HANDLED;
}

void
cw_log_set_format(CwLogFormat format)
{
	static gsize once = 0;

	cw_log_format = format;
	if (g_once_init_enter(&once)) {
		g_log_set_writer_func(cw_log_writer, NULL, NULL);
		g_once_init_leave(&once, 1);
	}
}

gboolean
cw_log_format_from_string(const char *text, CwLogFormat *out)
{
	if (g_strcmp0(text, "text") == 0) {
		*out = CW_LOG_FORMAT_TEXT;
		return TRUE;
	}
	if (g_strcmp0(text, "json") == 0) {
		*out = CW_LOG_FORMAT_JSON;
		return TRUE;
	}
	return FALSE;
}

void
cw_log_set_quiet(gboolean quiet)
{
	cw_log_quiet = quiet;
}

void
cw_log_set_verbose(gboolean verbose)
{
	cw_log_verbose = verbose;
}

void
cw_log(GLogLevelFlags level, const char *bot_id, const char *strategy_id, const char *format, ...)
{
	g_autofree char *message = NULL;
	GLogField fields[5];
	gsize n = 0;
	va_list args;

	va_start(args, format);
	message = g_strdup_vprintf(format, args);
	va_end(args);

	fields[n++] = (GLogField){"GLIB_DOMAIN", CW_LOG_DOMAIN, -1};
	fields[n++] = (GLogField){"MESSAGE", message, -1};
	fields[n++] = (GLogField){"PRIORITY",
				  level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL) ? "3"
				  : level & G_LOG_LEVEL_WARNING                      ? "4"
				  : level & G_LOG_LEVEL_MESSAGE                      ? "5"
				  : level & G_LOG_LEVEL_INFO                         ? "6"
										     : "7",
				  -1};
	if (bot_id != NULL)
		fields[n++] = (GLogField){"CW_BOT_ID", bot_id, -1};
	if (strategy_id != NULL)
		fields[n++] = (GLogField){"CW_STRATEGY_ID", strategy_id, -1};
	g_log_structured_array(level, fields, n);
}
