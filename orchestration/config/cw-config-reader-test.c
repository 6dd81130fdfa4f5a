/* The path-reporting readers that config and the feature packages share. */
#include "cw-config.h"

#include <math.h>

static JsonObject *
parse_object(const char *json_with_single_quotes)
{
	g_autofree char *json = g_strdup(json_with_single_quotes);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;

	g_strdelimit(json, "'", '"');
	json_parser_load_from_data(parser, json, -1, &error);
	g_assert_no_error(error);
	return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
}

static void
test_path(void)
{
	g_autofree char *a = cw_config_path_join("a.b", "c");
	g_autofree char *b = cw_config_path_join("", "c");
	g_autofree char *c = cw_config_path_join(NULL, "c");
	g_autofree char *d = cw_config_path_index("a", 2);
	g_autofree char *e = cw_config_path_index("strategy.analyzers", 0);

	g_assert_cmpstr(a, ==, "a.b.c");
	g_assert_cmpstr(b, ==, "c");
	g_assert_cmpstr(c, ==, "c");
	g_assert_cmpstr(d, ==, "a[2]");
	g_assert_cmpstr(e, ==, "strategy.analyzers[0]");
}

static void
test_double(void)
{
	g_autoptr(JsonObject) o =
	    parse_object("{'w': 1.5, 's': 'x', 'i': 3, 'zero': 0, 'big': 1e300}");
	g_autoptr(GError) error = NULL;
	double v = -1;

	g_assert_true(cw_config_read_double(o, "g", "missing", 0.25, 0, 1, &v, &error));
	g_assert_no_error(error);
	g_assert_cmpfloat(v, ==, 0.25);

	g_assert_true(cw_config_read_double(o, "g", "i", 0, 0, 10, &v, &error));
	g_assert_cmpfloat(v, ==, 3.0);

	g_assert_false(
	    cw_config_read_double(o, "strategy.analyzers[2]", "w", 0.5, 0, 1, &v, &error));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_RANGE);
	g_assert_cmpstr(error->message, ==,
			"strategy.analyzers[2].w: expected a number in [0, 1], got 1.5");
	g_clear_error(&error);

	g_assert_false(cw_config_read_double(o, "", "s", 0, 0, 1, &v, &error));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_TYPE);
	g_assert_cmpstr(error->message, ==, "s: expected a number, got a string");
	g_clear_error(&error);

	g_assert_false(cw_config_read_double_range(o, "x", "zero", 1, 0, INFINITY,
						   CW_CONFIG_RANGE_MIN_EXCLUSIVE, &v, &error));
	g_assert_cmpstr(error->message, ==, "x.zero: expected a number > 0, got 0");
	g_clear_error(&error);

	g_assert_false(cw_config_read_double_range(
	    o, "x", "w", 1, 0, 1, CW_CONFIG_RANGE_MIN_EXCLUSIVE | CW_CONFIG_RANGE_MAX_EXCLUSIVE, &v,
	    &error));
	g_assert_cmpstr(error->message, ==, "x.w: expected a number in (0, 1), got 1.5");
	g_clear_error(&error);

	g_assert_false(cw_config_read_double(o, "x", "w", 1, -INFINITY, 1, &v, &error));
	g_assert_cmpstr(error->message, ==, "x.w: expected a number <= 1, got 1.5");
	g_clear_error(&error);

	g_assert_false(cw_config_read_double(o, "x", "big", 1, 0, 1e6, &v, &error));
	g_assert_cmpstr(error->message, ==, "x.big: expected a number in [0, 1000000], got 1e+300");
	g_clear_error(&error);
}

/* Documents from cw_json_parse() hold no infinity, but a tree built in code
 * (or by json-glib directly) can: the readers refuse it on their own. */
static void
test_double_not_finite(void)
{
	g_autoptr(JsonObject) o = json_object_new();
	g_autoptr(GError) error = NULL;
	double v = -1;

	json_object_set_double_member(o, "inf", INFINITY);
	json_object_set_double_member(o, "minus_inf", -INFINITY);
	json_object_set_double_member(o, "nan", NAN);

	g_assert_false(cw_config_read_double_range(o, "", "inf", 1, 0, INFINITY,
						   CW_CONFIG_RANGE_MIN_EXCLUSIVE, &v, &error));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_RANGE);
	g_assert_cmpstr(error->message, ==, "inf: expected a number > 0, got inf");
	g_clear_error(&error);
	g_assert_false(
	    cw_config_read_double(o, "", "minus_inf", 1, -INFINITY, INFINITY, &v, &error));
	g_assert_cmpstr(error->message, ==, "minus_inf: expected a number, got -inf");
	g_clear_error(&error);
	g_assert_false(cw_config_read_double(o, "", "nan", 1, -INFINITY, INFINITY, &v, &error));
	g_assert_cmpstr(error->message, ==, "nan: expected a number, got nan");
	g_clear_error(&error);
	g_assert_cmpfloat(v, ==, -1);
}

static void
test_uint(void)
{
	g_autoptr(JsonObject) o = parse_object(
	    "{'p': 14, 'f': 14.0, 'h': 14.5, 'neg': -1, 'huge': 9999999999, 's': '14', 'b': true}");
	g_autoptr(GError) error = NULL;
	guint v = 0;

	g_assert_true(cw_config_read_uint(o, "a", "p", 1, 1, 1000, &v, &error));
	g_assert_cmpuint(v, ==, 14);
	v = 0;
	g_assert_true(cw_config_read_uint(o, "a", "f", 1, 1, 1000, &v, &error));
	g_assert_cmpuint(v, ==, 14);
	g_assert_true(cw_config_read_uint(o, "a", "missing", 7, 1, 1000, &v, &error));
	g_assert_cmpuint(v, ==, 7);
	g_assert_no_error(error);

	g_assert_false(cw_config_read_uint(o, "a", "h", 1, 1, 1000, &v, &error));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_TYPE);
	g_assert_cmpstr(error->message, ==, "a.h: expected an integer, got 14.5");
	g_clear_error(&error);

	g_assert_false(cw_config_read_uint(o, "a", "neg", 1, 0, G_MAXUINT, &v, &error));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_RANGE);
	g_assert_cmpstr(error->message, ==, "a.neg: expected an integer >= 0, got -1");
	g_clear_error(&error);

	g_assert_false(cw_config_read_uint(o, "a", "huge", 1, 1, 1000, &v, &error));
	g_assert_cmpstr(error->message, ==,
			"a.huge: expected an integer in [1, 1000], got 9999999999");
	g_clear_error(&error);

	g_assert_false(cw_config_read_uint(o, "a", "s", 1, 1, 1000, &v, &error));
	g_assert_cmpstr(error->message, ==, "a.s: expected an integer, got a string");
	g_clear_error(&error);

	g_assert_false(cw_config_read_uint(o, "a", "b", 1, 1, 1000, &v, &error));
	g_assert_cmpstr(error->message, ==, "a.b: expected an integer, got a boolean");
	g_clear_error(&error);
}

static void
test_bool_string(void)
{
	g_autoptr(JsonObject) o = parse_object("{'b': false, 's': 'hi', 'n': null, 'a': []}");
	g_autoptr(GError) error = NULL;
	gboolean b = TRUE;
	const char *s = NULL;

	g_assert_true(cw_config_read_bool(o, "x", "b", TRUE, &b, &error));
	g_assert_false(b);
	g_assert_true(cw_config_read_bool(o, "x", "missing", TRUE, &b, &error));
	g_assert_true(b);
	g_assert_false(cw_config_read_bool(o, "x", "s", TRUE, &b, &error));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_TYPE);
	g_assert_cmpstr(error->message, ==, "x.s: expected a boolean, got a string");
	g_clear_error(&error);

	g_assert_true(cw_config_read_string(o, "x", "s", NULL, &s, &error));
	g_assert_cmpstr(s, ==, "hi");
	g_assert_true(cw_config_read_string(o, "x", "missing", NULL, &s, &error));
	g_assert_null(s);
	g_assert_false(cw_config_read_string(o, "x", "n", "d", &s, &error));
	g_assert_cmpstr(error->message, ==, "x.n: expected a string, got null");
	g_clear_error(&error);
	g_assert_false(cw_config_read_string(o, "x", "a", "d", &s, &error));
	g_assert_cmpstr(error->message, ==, "x.a: expected a string, got an array");
	g_clear_error(&error);
}

static void
test_choice(void)
{
	static const char *const kinds[] = {"percent", "atr", "none", NULL};
	g_autoptr(JsonObject) o = parse_object("{'a': 'atr', 'b': 'pct', 'c': 2}");
	g_autoptr(GError) error = NULL;
	guint v = 99;

	g_assert_true(cw_config_read_choice(o, "s", "a", kinds, 0, &v, &error));
	g_assert_cmpuint(v, ==, 1);
	g_assert_true(cw_config_read_choice(o, "s", "missing", kinds, 2, &v, &error));
	g_assert_cmpuint(v, ==, 2);
	g_assert_false(cw_config_read_choice(o, "s", "b", kinds, 0, &v, &error));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_RANGE);
	g_assert_cmpstr(error->message, ==, "s.b: expected one of percent, atr, none, got 'pct'");
	g_clear_error(&error);
	g_assert_false(cw_config_read_choice(o, "s", "c", kinds, 0, &v, &error));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_TYPE);
	g_assert_cmpstr(error->message, ==,
			"s.c: expected one of percent, atr, none, got a number");
	g_clear_error(&error);
}

static void
test_time_of_day(void)
{
	g_autoptr(JsonObject) o = parse_object("{'a': '09:30', 'b': '24:00', 'c': '24:01', "
					       "'d': '9:30', 'e': '12:60', 'f': 930}");
	g_autoptr(GError) error = NULL;
	guint v = 0;

	g_assert_true(cw_config_read_time_of_day(o, "t", "a", 0, &v, &error));
	g_assert_cmpuint(v, ==, 9 * 60 + 30);
	g_assert_true(cw_config_read_time_of_day(o, "t", "b", 0, &v, &error));
	g_assert_cmpuint(v, ==, 1440);
	g_assert_true(cw_config_read_time_of_day(o, "t", "missing", 5, &v, &error));
	g_assert_cmpuint(v, ==, 5);
	g_assert_no_error(error);

	for (const char *const *k = (const char *const[]){"c", "d", "e", NULL}; *k != NULL; k++) {
		g_autofree char *expected =
		    g_strdup_printf("t.%s: expected a time \"HH:MM\" from 00:00 to 24:00, got '%s'",
				    *k, json_object_get_string_member(o, *k));

		g_assert_false(cw_config_read_time_of_day(o, "t", *k, 0, &v, &error));
		g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_INVALID);
		g_assert_cmpstr(error->message, ==, expected);
		g_clear_error(&error);
	}
	g_assert_false(cw_config_read_time_of_day(o, "t", "f", 0, &v, &error));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_TYPE);
	g_assert_cmpstr(error->message, ==, "t.f: expected a time \"HH:MM\", got a number");
	g_clear_error(&error);
}

static void
test_object_array(void)
{
	g_autoptr(JsonObject) o = parse_object("{'o': {'x': 1}, 'a': [1, 2, 3], 's': 'x'}");
	g_autoptr(GError) error = NULL;
	JsonObject *obj = NULL;
	JsonArray *arr = NULL;

	g_assert_true(cw_config_read_object(o, "", "o", &obj, &error));
	g_assert_nonnull(obj);
	g_assert_true(cw_config_read_object(o, "", "missing", &obj, &error));
	g_assert_null(obj);
	g_assert_false(cw_config_read_object(o, "p", "a", &obj, &error));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_TYPE);
	g_assert_cmpstr(error->message, ==, "p.a: expected an object, got an array");
	g_clear_error(&error);

	g_assert_true(cw_config_read_array(o, "", "a", 1, 3, &arr, &error));
	g_assert_cmpuint(json_array_get_length(arr), ==, 3);
	g_assert_false(cw_config_read_array(o, "p", "a", 0, 2, &arr, &error));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_RANGE);
	g_assert_cmpstr(error->message, ==, "p.a: expected at most 2 items, got 3");
	g_clear_error(&error);
	g_assert_false(cw_config_read_array(o, "p", "a", 4, 16, &arr, &error));
	g_assert_cmpstr(error->message, ==, "p.a: expected 4 to 16 items, got 3");
	g_clear_error(&error);
	g_assert_false(cw_config_read_array(o, "p", "o", 0, 2, &arr, &error));
	g_assert_cmpstr(error->message, ==, "p.o: expected an array, got an object");
	g_clear_error(&error);
}

static void
test_interval(void)
{
	g_autoptr(JsonObject) o = parse_object("{'a': '1h', 'b': '7x', 'c': 60}");
	g_autoptr(GError) error = NULL;
	gint64 ms = 0;

	g_assert_true(cw_config_read_interval(o, "feed", "a", 0, &ms, &error));
	g_assert_cmpint(ms, ==, 3600 * 1000);
	g_assert_true(cw_config_read_interval(o, "feed", "missing", 60000, &ms, &error));
	g_assert_cmpint(ms, ==, 60000);
	g_assert_false(cw_config_read_interval(o, "feed", "b", 0, &ms, &error));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_INVALID);
	g_assert_cmpstr(error->message, ==,
			"feed.b: expected an interval such as \"5m\" or \"1h\", got '7x'");
	g_clear_error(&error);
	g_assert_false(cw_config_read_interval(o, "feed", "c", 0, &ms, &error));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_TYPE);
	g_clear_error(&error);
}

static void
test_check_keys(void)
{
	static const char *const known[] = {"stop_loss", "take_profits", "breakeven", NULL};
	g_autoptr(JsonObject) good = parse_object("{'stop_loss': {}, 'breakeven': {}}");
	g_autoptr(JsonObject) bad = parse_object("{'stop_loss': {}, 'stop_los': {}, 'zzz': 1}");
	g_autoptr(GError) error = NULL;

	g_assert_true(cw_config_check_keys(good, "strategy.exit", known, &error));
	g_assert_no_error(error);
	g_assert_false(cw_config_check_keys(bad, "strategy.exit", known, &error));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_UNKNOWN_KEY);
	/* The first unknown key in document order. */
	g_assert_cmpstr(error->message, ==,
			"strategy.exit.stop_los: unknown key (known: stop_loss, take_profits, "
			"breakeven)");
	g_clear_error(&error);
	g_assert_false(cw_config_check_keys(bad, "", known, &error));
	g_assert_cmpstr(error->message, ==,
			"stop_los: unknown key (known: stop_loss, take_profits, breakeven)");
}

static void
test_error_at(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) n = json_node_init_int(json_node_alloc(), 3);

	g_assert_false(cw_config_error_at(&error, CW_CONFIG_ERROR_INVALID, "guardrails",
					  "max_daily_loss", "expected %s, got %d", "a number", 3));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_INVALID);
	g_assert_cmpstr(error->message, ==, "guardrails.max_daily_loss: expected a number, got 3");
	g_clear_error(&error);
	g_assert_false(cw_config_error_at(&error, CW_CONFIG_ERROR_MISSING, "feed", NULL, "x"));
	g_assert_cmpstr(error->message, ==, "feed: x");
	g_clear_error(&error);
	g_assert_cmpstr(cw_config_node_describe(n), ==, "a number");
	g_assert_cmpstr(cw_config_node_describe(NULL), ==, "nothing");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/config/reader/path", test_path);
	g_test_add_func("/config/reader/double", test_double);
	g_test_add_func("/config/reader/double-not-finite", test_double_not_finite);
	g_test_add_func("/config/reader/uint", test_uint);
	g_test_add_func("/config/reader/bool-string", test_bool_string);
	g_test_add_func("/config/reader/choice", test_choice);
	g_test_add_func("/config/reader/time-of-day", test_time_of_day);
	g_test_add_func("/config/reader/object-array", test_object_array);
	g_test_add_func("/config/reader/interval", test_interval);
	g_test_add_func("/config/reader/check-keys", test_check_keys);
	g_test_add_func("/config/reader/error-at", test_error_at);
	return g_test_run();
}
