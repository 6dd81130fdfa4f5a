#include "cw-core.h"

static void
test_log_json(void)
{
	GLogField fields[] = {
	    {"GLIB_DOMAIN", "candlewick", -1},
	    {"MESSAGE", "order \"x\"\nsent", -1},
	    {"CW_BOT_ID", "bot-a", -1},
	    {"CW_STRATEGY_ID", "bot-a:main", -1},
	    {"PRIORITY", "4", -1},
	};
	g_autofree char *line =
	    cw_log_format_json(G_LOG_LEVEL_WARNING, fields, G_N_ELEMENTS(fields));

	g_assert_true(g_str_has_prefix(line, "{\"time\":\""));
	g_assert_nonnull(strstr(line, "\"level\":\"warning\""));
	g_assert_nonnull(strstr(line, "\"message\":\"order \\\"x\\\"\\nsent\""));
	g_assert_nonnull(strstr(line, "\"bot\":\"bot-a\""));
	g_assert_nonnull(strstr(line, "\"strategy\":\"bot-a:main\""));
	g_assert_null(strstr(line, "PRIORITY"));
	g_assert_true(g_str_has_suffix(line, "}"));
}

static void
test_log_format_names(void)
{
	CwLogFormat f = CW_LOG_FORMAT_TEXT;

	g_assert_true(cw_log_format_from_string("json", &f));
	g_assert_cmpint(f, ==, CW_LOG_FORMAT_JSON);
	g_assert_true(cw_log_format_from_string("text", &f));
	g_assert_cmpint(f, ==, CW_LOG_FORMAT_TEXT);
	g_assert_false(cw_log_format_from_string("xml", &f));
}

static void
test_log_writer(void)
{
	if (g_test_subprocess()) {
		cw_log_set_format(CW_LOG_FORMAT_JSON);
		cw_log(G_LOG_LEVEL_MESSAGE, "bot-a", "bot-a:main", "hello %d", 42);
		return;
	}
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_passed();
	g_test_trap_assert_stderr("*\"message\":\"hello 42\"*\"bot\":\"bot-a\"*");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/core/log/json", test_log_json);
	g_test_add_func("/core/log/format-names", test_log_format_names);
	g_test_add_func("/core/log/writer", test_log_writer);
	return g_test_run();
}
