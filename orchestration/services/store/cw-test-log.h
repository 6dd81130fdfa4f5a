/* Warnings in unit tests: g_test_expect_message() does not see structured
 * logging, so a log writer records every warning instead of aborting on
 * it, and the test takes each one it expects; cw_test_log_assert_none()
 * fails on any other. Call cw_test_log_capture() first in main(). */
#pragma once

#include <glib.h>

static GPtrArray *cw_test_log_warnings;

static GLogWriterOutput
cw_test_log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
		   gpointer user_data)
{
	const char *domain = "", *message = "";

	if ((level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL)) == 0)
		return g_log_writer_default(level, fields, n_fields, user_data);
	for (gsize i = 0; i < n_fields; i++) {
		if (g_strcmp0(fields[i].key, "GLIB_DOMAIN") == 0)
			domain = fields[i].value;
		else if (g_strcmp0(fields[i].key, "MESSAGE") == 0)
			message = fields[i].value;
	}
	g_ptr_array_add(cw_test_log_warnings, g_strdup_printf("%s: %s", domain, message));
	return G_LOG_WRITER_HANDLED;
}

static inline void
cw_test_log_capture(void)
{
	cw_test_log_warnings = g_ptr_array_new_with_free_func(g_free);
	g_log_set_writer_func(cw_test_log_writer, NULL, NULL);
}

/* Removes the first warning "DOMAIN: MESSAGE" that matches the glob
 * @pattern; fails the test when there is none. */
static inline void
cw_test_log_take(const char *pattern)
{
	for (guint i = 0; i < cw_test_log_warnings->len; i++) {
		if (g_pattern_match_simple(pattern, cw_test_log_warnings->pdata[i])) {
			g_ptr_array_remove_index(cw_test_log_warnings, i);
			return;
		}
	}
	g_printerr("no warning matches '%s'\n", pattern);
	g_assert_not_reached();
}

/* Fails on a warning the test did not take. */
static inline void
cw_test_log_assert_none(void)
{
	for (guint i = 0; i < cw_test_log_warnings->len; i++)
		g_printerr("unexpected warning: %s\n", (char *) cw_test_log_warnings->pdata[i]);
	g_assert_cmpuint(cw_test_log_warnings->len, ==, 0);
}
