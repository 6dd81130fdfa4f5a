#include "cw-notifications.h"

#include <string.h>

static void
test_markdown_round_trip(void)
{
	const char *samples[] = {
	    "plain", "_*[]()~`>#+-=|{}.!\\", "BTC-USDT +1.5% (stop 42.0) [x] a\\b", "", "\\\\",
	    NULL,
	};

	for (guint i = 0; samples[i] != NULL; i++) {
		g_autofree char *esc = cw_notify_text_escape_markdown_v2(samples[i]);
		g_autofree char *back = cw_notify_text_unescape_markdown_v2(esc);
		g_assert_cmpstr(back, ==, samples[i]);
		/* every special character is preceded by an odd run of backslashes */
		for (const char *p = esc; *p != '\0'; p++) {
			if (strchr("_*[]()~`>#+-=|{}.!", *p) == NULL)
				continue;
			gsize n = 0;
			for (const char *q = p - 1; q >= esc && *q == '\\'; q--)
				n++;
			g_assert_cmpuint(n % 2, ==, 1);
		}
	}
	{
		g_autofree char *esc = cw_notify_text_escape_markdown_v2("a.b!");
		g_assert_cmpstr(esc, ==, "a\\.b\\!");
	}
}

static void
test_html_escape(void)
{
	g_autofree char *esc = cw_notify_text_escape_html("<b>&x</b>");

	g_assert_cmpstr(esc, ==, "&lt;b&gt;&amp;x&lt;/b&gt;");
}

static void
test_split_lines(void)
{
	g_autoptr(GString) text = g_string_new(NULL);
	g_auto(GStrv) parts = NULL;
	g_autofree char *joined = NULL;

	for (guint i = 0; i < 300; i++)
		g_string_append_printf(text, "line %03u: BTCUSDT entry filled at 42000.5\n", i);
	parts = cw_notify_text_split(text->str, CW_TELEGRAM_MAX_TEXT);
	g_assert_cmpuint(g_strv_length(parts), >, 2);
	for (guint i = 0; parts[i] != NULL; i++) {
		g_assert_cmpuint(g_utf8_strlen(parts[i], -1), <=, CW_TELEGRAM_MAX_TEXT);
		/* cut on line boundaries: each part starts a line */
		g_assert_true(g_str_has_prefix(parts[i], "line "));
	}
	joined = g_strjoinv("\n", parts);
	g_assert_cmpstr(joined, ==, text->str);
}

static void
test_split_long_line(void)
{
	g_autoptr(GString) text = g_string_new(NULL);
	g_auto(GStrv) parts = NULL;
	g_autoptr(GString) joined = g_string_new(NULL);

	/* a single line of escaped text, cut neither inside a UTF-8
	 * character nor between a backslash and what it escapes */
	for (guint i = 0; i < 3000; i++)
		g_string_append(text, i % 3 == 0 ? "\\." : "é");
	parts = cw_notify_text_split(text->str, 100);
	for (guint i = 0; parts[i] != NULL; i++) {
		gsize len = strlen(parts[i]);
		gsize n = 0;
		g_assert_true(g_utf8_validate(parts[i], -1, NULL));
		g_assert_cmpuint(g_utf8_strlen(parts[i], -1), <=, 100);
		for (gsize j = len; j > 0 && parts[i][j - 1] == '\\'; j--)
			n++;
		g_assert_cmpuint(n % 2, ==, 0);
		g_string_append(joined, parts[i]);
	}
	g_assert_cmpstr(joined->str, ==, text->str);
}

static void
test_split_short(void)
{
	g_auto(GStrv) parts = cw_notify_text_split("hello", CW_TELEGRAM_MAX_TEXT);
	g_auto(GStrv) empty = cw_notify_text_split("", CW_TELEGRAM_MAX_TEXT);

	g_assert_cmpuint(g_strv_length(parts), ==, 1);
	g_assert_cmpstr(parts[0], ==, "hello");
	g_assert_cmpuint(g_strv_length(empty), ==, 1);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/notifications/text/markdown-round-trip", test_markdown_round_trip);
	g_test_add_func("/notifications/text/html", test_html_escape);
	g_test_add_func("/notifications/text/split-lines", test_split_lines);
	g_test_add_func("/notifications/text/split-long-line", test_split_long_line);
	g_test_add_func("/notifications/text/split-short", test_split_short);
	return g_test_run();
}
