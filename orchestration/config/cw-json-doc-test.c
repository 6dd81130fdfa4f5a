/* cw_json_parse(): the strict JSON entry every document goes through. */
#include "cw-config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The message of the error that parsing text gives; fails when it parses. */
static char *
parse_error(const char *text, gssize len, const char *source)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) root = cw_json_parse(text, len, source, CW_JSON_PARSE_DEFAULT, &error);

	if (root != NULL)
		g_test_message("accepted: %s", text);
	g_assert_null(root);
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_PARSE);
	return g_strdup(error->message);
}

static void
assert_error(const char *text, const char *expected)
{
	g_autofree char *msg = parse_error(text, -1, NULL);

	g_assert_cmpstr(msg, ==, expected);
}

static JsonNode *
parse_ok(const char *text)
{
	g_autoptr(GError) error = NULL;
	JsonNode *root = cw_json_parse(text, -1, "t.json", CW_JSON_PARSE_DEFAULT, &error);

	g_assert_no_error(error);
	g_assert_nonnull(root);
	return root;
}

/* n arrays, or objects {"k": ...} when objects, nested around 1. */
static char *
nested(guint n, gboolean objects)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < n; i++)
		g_string_append(s, objects ? "{\"k\":" : "[");
	g_string_append(s, "1");
	for (guint i = 0; i < n; i++)
		g_string_append_c(s, objects ? '}' : ']');
	return g_string_free(s, FALSE);
}

/* n copies of step */
static char *
repeat(const char *step, guint n)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < n; i++)
		g_string_append(s, step);
	return g_string_free(s, FALSE);
}

static void
test_nesting_limit(void)
{
	g_autofree char *ok_arrays = nested(CW_JSON_MAX_DEPTH, FALSE);
	g_autofree char *ok_objects = nested(CW_JSON_MAX_DEPTH, TRUE);
	g_autofree char *deep_arrays = nested(CW_JSON_MAX_DEPTH + 1, FALSE);
	g_autofree char *deep_objects = nested(CW_JSON_MAX_DEPTH + 1, TRUE);
	g_autoptr(JsonNode) a = parse_ok(ok_arrays);
	g_autoptr(JsonNode) o = parse_ok(ok_objects);
	g_autofree char *msg_a = parse_error(deep_arrays, -1, "deep.json");
	g_autofree char *msg_o = parse_error(deep_objects, -1, NULL);
	g_autofree char *indexes = repeat("[0]", 12);
	g_autofree char *keys = repeat("k.", 15);
	/* the path of 64 steps is shown by its first and last ones */
	g_autofree char *want_a = g_strdup_printf(
	    "deep.json:1:65: %s...%s: nested deeper than 64 arrays and objects", indexes, indexes);
	g_autofree char *want_o = g_strdup_printf(
	    "1:321: %sk...%sk: nested deeper than 64 arrays and objects", keys, keys);

	g_assert_cmpint(CW_JSON_MAX_DEPTH, ==, 64);
	g_assert_true(JSON_NODE_HOLDS_ARRAY(a));
	g_assert_true(JSON_NODE_HOLDS_OBJECT(o));
	g_assert_cmpstr(msg_a, ==, want_a);
	g_assert_cmpstr(msg_o, ==, want_o);
}

/* Paths up to 96 characters are shown whole. */
static void
test_long_path(void)
{
	g_autofree char *text =
	    g_strdup("{\"strategies\": [{}, {\"exit\": {\"take_profits\": [{}, {}, "
		     "{\"trailing\": {\"value\": 01}}]}}]}");
	g_autofree char *msg = parse_error(text, -1, NULL);

	g_assert_cmpstr(msg, ==,
			"1:79: strategies[1].exit.take_profits[2].trailing.value: invalid number "
			"'01': leading zeros are not allowed");
}

/* json-glib 1.6 overflows the C stack at about 100k arrays or 70k objects. */
static void
test_nesting_attack(void)
{
	g_autofree char *arrays = nested(100000, FALSE);
	g_autofree char *objects = nested(70000, TRUE);
	g_autofree char *unclosed = g_strnfill(200000, '[');
	g_autofree char *msg_a = parse_error(arrays, -1, "a.json");
	g_autofree char *msg_o = parse_error(objects, -1, "o.json");
	g_autofree char *msg_u = parse_error(unclosed, -1, "u.json");

	g_assert_true(g_str_has_prefix(msg_a, "a.json:1:65: [0][0]"));
	g_assert_true(g_str_has_suffix(msg_a, "nested deeper than 64 arrays and objects"));
	g_assert_true(g_str_has_prefix(msg_o, "o.json:1:321: k.k"));
	g_assert_true(g_str_has_suffix(msg_o, "nested deeper than 64 arrays and objects"));
	g_assert_true(g_str_has_suffix(msg_u, "nested deeper than 64 arrays and objects"));
}

static void
test_one_document(void)
{
	g_autoptr(JsonNode) spaced = parse_ok(" \n\t{\"a\": 1}\r\n\n  ");

	assert_error("{} {}", "1:4: '{' after the end of the value: a document holds exactly "
			      "one JSON value");
	assert_error("{\"name\": \"a\"}\n{\"name\": \"b\"}\n",
		     "2:1: '{' after the end of the value: a document holds exactly one JSON "
		     "value");
	assert_error("1 2", "1:3: '2' after the end of the value: a document holds exactly one "
			    "JSON value");
	assert_error("[1]]", "1:4: ']' after the end of the value: a document holds exactly one "
			     "JSON value");
	assert_error("{\"a\":1}x", "1:8: 'x' after the end of the value: a document holds "
				   "exactly one JSON value");
	g_assert_true(JSON_NODE_HOLDS_OBJECT(spaced));
}

static void
test_duplicate_keys(void)
{
	g_autoptr(JsonNode) distinct = parse_ok("{\"a\": {\"x\": 1}, \"b\": {\"x\": 2}}");
	g_autoptr(JsonNode) same_in_array = parse_ok("[{\"k\": 1}, {\"k\": 2}]");
	g_autofree char *msg = NULL;

	assert_error("{\"name\": \"a\", \"name\": \"b\"}",
		     "1:15: name: duplicate key, first on line 1");
	assert_error("{\"strategy\": {\n  \"id\": \"x\",\n  \"analyzers\": [\n    {\"type\": "
		     "\"rsi\"},\n    {\"type\": \"rsi\", \"weight\": 1,\n     \"weight\": 2}]}}",
		     "6:6: strategy.analyzers[1].weight: duplicate key, first on line 5");
	/* the same key written two ways */
	assert_error("{\"ab\": 1, \"a\\u0062\": 2}", "1:11: ab: duplicate key, first on line 1");
	/* the discarded value held objects: the first duplicate is still found */
	assert_error("{\"a\": {\"b\": {}, \"c\": 1}, \"a\": 2, \"z\": {\"y\": 1, \"y\": 1}}",
		     "1:26: a: duplicate key, first on line 1");
	msg = parse_error("{\"k\": 1, \"k\": 1}", -1, "trading_bots row 3 (name 'h2')");
	g_assert_cmpstr(msg, ==,
			"trading_bots row 3 (name 'h2'):1:10: k: duplicate key, first on line 1");
	g_assert_cmpuint(json_object_get_size(json_node_get_object(distinct)), ==, 2);
	g_assert_cmpuint(json_array_get_length(json_node_get_array(same_in_array)), ==, 2);
}

static void
test_nul(void)
{
	static const char raw[] = "{\"name\": \"bot\0evil\"}";
	g_autofree char *msg_raw = parse_error(raw, sizeof raw - 1, "x.json");
	g_autofree char *msg_outside = parse_error("[1,\0 2]", 7, NULL);

	assert_error("{\"name\": \"bot\\u0000evil\"}",
		     "1:14: name: \\u0000 (NUL) is not allowed in a string");
	assert_error("{\"bot\\u0000\": 1}", "1:6: \\u0000 (NUL) is not allowed in a string");
	g_assert_cmpstr(msg_raw, ==, "x.json:1:14: name: NUL byte in a string");
	g_assert_cmpstr(msg_outside, ==, "1:4: [1]: expected a value, got a NUL byte");
}

static void
test_bad_numbers(void)
{
	assert_error("{\"initial_balance\": 0x10}",
		     "1:21: initial_balance: invalid number '0x10': hexadecimal is not allowed");
	assert_error("{\"a\": 01}", "1:7: a: invalid number '01': leading zeros are not allowed");
	assert_error("{\"a\": -01}", "1:7: a: invalid number '-01': leading zeros are not allowed");
	assert_error("{\"a\": 1.}", "1:7: a: invalid number '1.': a digit must follow '.'");
	assert_error("{\"a\": 1.e5}", "1:7: a: invalid number '1.e5': a digit must follow '.'");
	assert_error("{\"a\": .5}", "1:7: a: invalid number '.5': a digit must come before '.'");
	assert_error("{\"a\": +1}", "1:7: a: invalid number '+1': a leading '+' is not allowed");
	assert_error("{\"a\": 1e}", "1:7: a: invalid number '1e': the exponent has no digits");
	assert_error("{\"a\": 1e+}", "1:7: a: invalid number '1e+': the exponent has no digits");
	assert_error("{\"a\": -}", "1:7: a: invalid number '-'");
	assert_error("{\"a\": -Infinity}", "1:7: a: invalid number '-Infinity'");
	assert_error("{\"a\": 1.5.3}", "1:7: a: invalid number '1.5.3'");
	assert_error("{\"a\": 12abc}", "1:7: a: invalid number '12abc'");
	assert_error("{\"a\": NaN}", "1:7: a: expected a value, got 'NaN'");
	assert_error("{\"a\": Infinity}", "1:7: a: expected a value, got 'Infinity'");
	assert_error("[1e999]", "1:2: [0]: invalid number '1e999': not a finite number");
	assert_error("[0, -1E+400]", "1:5: [1]: invalid number '-1E+400': not a finite number");
	assert_error("{\"stops\": {\"stop_loss_pct\": 1e309}}",
		     "1:29: stops.stop_loss_pct: invalid number '1e309': not a finite number");
	/* json-glib would wrap these to -1 and INT64_MIN */
	assert_error("[99999999999999999999]",
		     "1:2: [0]: invalid number '99999999999999999999': an integer beyond 64 bits");
	assert_error("[9223372036854775808]",
		     "1:2: [0]: invalid number '9223372036854775808': an integer beyond 64 bits");
}

static void
test_good_numbers(void)
{
	g_autoptr(JsonNode) root =
	    parse_ok("[0, -0, 1.5e3, 1E+2, 2e-1, 1e-400, 9223372036854775807, "
		     "-9223372036854775807, 1.7976931348623157e308, 123.456, 1e308]");
	JsonArray *a = json_node_get_array(root);

	g_assert_cmpint(json_array_get_int_element(a, 0), ==, 0);
	g_assert_cmpfloat(json_array_get_double_element(a, 2), ==, 1500);
	g_assert_cmpfloat(json_array_get_double_element(a, 3), ==, 100);
	g_assert_cmpfloat(json_array_get_double_element(a, 4), ==, 0.2);
	g_assert_cmpfloat(json_array_get_double_element(a, 5), ==, 0);
	g_assert_cmpint(json_array_get_int_element(a, 6), ==, G_MAXINT64);
	g_assert_cmpint(json_array_get_int_element(a, 7), ==, -G_MAXINT64);
	g_assert_true(isfinite(json_array_get_double_element(a, 8)));
	g_assert_cmpfloat(json_array_get_double_element(a, 9), ==, 123.456);
}

static void
test_empty(void)
{
	g_autofree char *none = parse_error(NULL, -1, "trading_bots row 2 (name 'h1')");
	g_autofree char *empty = parse_error("", -1, "trading_bots row 3 (name 'h2')");
	g_autofree char *blank = parse_error(" \n\t\r\n ", -1, "x.json");
	g_autofree char *bom = parse_error("\xEF\xBB\xBF  ", -1, NULL);
	g_autofree char *zero_len = parse_error("{}", 0, NULL);

	g_assert_cmpstr(none, ==, "trading_bots row 2 (name 'h1'): no document");
	g_assert_cmpstr(empty, ==, "trading_bots row 3 (name 'h2'): empty document");
	g_assert_cmpstr(blank, ==, "x.json: empty document");
	g_assert_cmpstr(bom, ==, "empty document");
	g_assert_cmpstr(zero_len, ==, "empty document");
}

static void
test_null_document(void)
{
	/* "null" is a document; what reads it decides that it wants an object */
	g_autoptr(JsonNode) root = parse_ok(" null ");
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = cw_bot_config_new_from_data("null", -1, &error);

	g_assert_true(JSON_NODE_HOLDS_NULL(root));
	g_assert_null(config);
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_TYPE);
	g_assert_cmpstr(error->message, ==, "expected an object at the top level, got null");
}

static void
test_syntax(void)
{
	assert_error("[1,]", "1:4: [1]: expected a value, got ']'");
	assert_error("{\"a\": 1,}", "1:9: expected a string key, got '}'");
	assert_error("{'a': 1}", "1:2: expected a string key, got '''");
	assert_error("{\"a\" 1}", "1:6: a: expected ':' after the key, got '1'");
	assert_error("[1 2]", "1:4: [0]: expected ',' or ']', got '2'");
	assert_error("{\"a\": 1 \"b\": 2}", "1:9: a: expected ',' or '}', got '\"'");
	assert_error("[tru]", "1:2: [0]: expected a value, got 'tru'");
	assert_error("[truex]", "1:2: [0]: expected a value, got 'truex'");
	assert_error("[1, 2", "1:6: [1]: expected ',' or ']', got the end of the document");
	assert_error("{\"a\":", "1:6: a: expected a value, got the end of the document");
	assert_error("[\"abc", "1:2: [0]: unterminated string");
	assert_error("[\"a\nb\"]", "1:4: [0]: control character U+000A in a string (write it as "
				   "\\u000A)");
	assert_error("[\"\\x\"]", "1:3: [0]: invalid escape in a string: '\\' before 'x'");
	assert_error("[\"\\u12\"]", "1:3: [0]: invalid \\u escape: expected 4 hex digits");
	assert_error("[\"\\ud800\"]", "1:3: [0]: unpaired surrogate \\uD800 in a string");
	assert_error("[\"\\udc00x\"]", "1:3: [0]: unpaired surrogate \\uDC00 in a string");
	assert_error("[\"\xC3\x28\"]", "1:3: [0]: invalid UTF-8 in a string");
	assert_error("[\"\xC0\xAF\"]", "1:3: [0]: invalid UTF-8 in a string");
	assert_error("[\"\xED\xA0\x80\"]", "1:3: [0]: invalid UTF-8 in a string");
	assert_error("[\xC3\xA9]", "1:2: [0]: expected a value, got byte 0xC3");
	/* columns count characters, not bytes */
	assert_error("{\"\xC3\xA9t\xC3\xA9\": 01}",
		     "1:9: \xC3\xA9t\xC3\xA9: invalid number '01': leading zeros are not allowed");
}

static void
test_values(void)
{
	g_autoptr(JsonNode) root =
	    parse_ok("\xEF\xBB\xBF{\"s\": \"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\", \"t\": true, "
		     "\"f\": false, \"n\": null, \"e\": {}, \"l\": [], \"\": 1}");
	JsonObject *o = json_node_get_object(root);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) sealed =
	    cw_json_parse("[[1,2],[3,4]]", -1, NULL, CW_JSON_PARSE_IMMUTABLE, &error);

	g_assert_cmpstr(json_object_get_string_member(o, "s"), ==,
			"a\"b\\c/\n\xC3\xA9\xF0\x9F\x98\x80");
	g_assert_true(json_object_get_boolean_member(o, "t"));
	g_assert_false(json_object_get_boolean_member(o, "f"));
	g_assert_true(json_object_get_null_member(o, "n"));
	g_assert_cmpuint(json_object_get_size(o), ==, 7);
	g_assert_no_error(error);
	g_assert_true(json_node_is_immutable(sealed));
}

static void
test_long_key_in_path(void)
{
	g_autofree char *key = g_strnfill(500, 'k');
	g_autofree char *text = g_strdup_printf("{\"%s\": 01}", key);
	g_autofree char *msg = parse_error(text, -1, NULL);
	g_autofree char *shown = g_strnfill(64, 'k');
	g_autofree char *want = g_strdup_printf(
	    "1:506: %s...: invalid number '01': leading zeros are not allowed", shown);

	g_assert_cmpstr(msg, ==, want);
}

static void
test_file(void)
{
	g_autofree char *dir = g_dir_make_tmp("cw-json-XXXXXX", NULL);
	g_autofree char *good = g_build_filename(dir, "good.json", NULL);
	g_autofree char *bad = g_build_filename(dir, "bad.json", NULL);
	g_autofree char *fifo = g_build_filename(dir, "fifo", NULL);
	g_autofree char *missing = g_build_filename(dir, "missing.json", NULL);
	g_autofree char *want = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) root = NULL;

	g_assert_true(g_file_set_contents(good, "{\"a\": [1, 2]}\n", -1, NULL));
	g_assert_true(g_file_set_contents(bad, "{\n  \"a\": [1, 0x10]\n}\n", -1, NULL));
	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);

	root = cw_json_parse_file(good, 0, CW_JSON_PARSE_DEFAULT, &error);
	g_assert_no_error(error);
	g_assert_true(JSON_NODE_HOLDS_OBJECT(root));

	g_assert_null(cw_json_parse_file(bad, 0, CW_JSON_PARSE_DEFAULT, &error));
	want = g_strdup_printf("%s:2:12: a[1]: invalid number '0x10': hexadecimal is not allowed",
			       bad);
	g_assert_cmpstr(error->message, ==, want);
	g_clear_error(&error);
	g_clear_pointer(&want, g_free);

	g_assert_null(cw_json_parse_file(good, 5, CW_JSON_PARSE_DEFAULT, &error));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_IO);
	want = g_strdup_printf("%s: file too large (14 bytes, at most 5)", good);
	g_assert_cmpstr(error->message, ==, want);
	g_clear_error(&error);
	g_clear_pointer(&want, g_free);

	g_assert_null(cw_json_parse_file(missing, 0, CW_JSON_PARSE_DEFAULT, &error));
	want = g_strdup_printf("%s: No such file or directory", missing);
	g_assert_cmpstr(error->message, ==, want);
	g_clear_error(&error);
	g_clear_pointer(&want, g_free);

	/* a FIFO without a writer would block a reader forever */
	g_assert_null(cw_json_parse_file(fifo, 0, CW_JSON_PARSE_DEFAULT, &error));
	want = g_strdup_printf("%s: not a regular file", fifo);
	g_assert_cmpstr(error->message, ==, want);
	g_clear_error(&error);
	g_clear_pointer(&want, g_free);

	g_assert_null(cw_json_parse_file(dir, 0, CW_JSON_PARSE_DEFAULT, &error));
	want = g_strdup_printf("%s: not a regular file", dir);
	g_assert_cmpstr(error->message, ==, want);
	g_clear_error(&error);

	g_unlink(good);
	g_unlink(bad);
	g_unlink(fifo);
	g_rmdir(dir);
}

/* Random documents from JSON's alphabet: never a crash, and whatever the
 * scanner accepts json-glib parses to the same shape. */
static void
test_random_documents(void)
{
	static const char alphabet[] = "[]{}\",:0123456789eE.-+ \ntrufalsn\\ux\x01";
	g_autoptr(GRand) rand = g_rand_new_with_seed(20260101);
	guint accepted = 0;

	for (guint i = 0; i < 50000; i++) {
		char text[48];
		guint len = (guint) g_rand_int_range(rand, 0, sizeof text);
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonNode) root = NULL;
		g_autoptr(JsonParser) parser = json_parser_new();

		for (guint j = 0; j < len; j++)
			text[j] = alphabet[g_rand_int_range(rand, 0, sizeof alphabet - 1)];
		/* half of them start as an array, to get past the first byte */
		if (len > 0 && i % 2 == 0)
			text[0] = '[';
		root = cw_json_parse(text, len, NULL, CW_JSON_PARSE_DEFAULT, &error);
		if (root == NULL) {
			g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_PARSE);
			continue;
		}
		accepted++;
		g_assert_true(json_parser_load_from_data(parser, text, len, NULL));
		g_assert_cmpint(JSON_NODE_TYPE(json_parser_get_root(parser)), ==,
				JSON_NODE_TYPE(root));
	}
	g_test_message("%u of 50000 accepted", accepted);
	g_assert_cmpuint(accepted, >, 100);
}

/* What cw_json_to_string() writes reads back through cw_json_parse() to the
 * same values; json_to_string() wrote 2e-8 as "2e-08.0". */
static void
test_write(void)
{
	static const double values[] = {2e-8, 1e21,    1e17,   0.1,        1.0,
					-0.0, 1.5e300, 5e-324, 123456.789, -2.5};
	g_autoptr(JsonArray) array = json_array_new();
	g_autoptr(JsonNode) root = json_node_init_array(json_node_alloc(), array);
	g_autoptr(JsonNode) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	g_autofree char *pretty = NULL;
	JsonArray *got;

	for (guint i = 0; i < G_N_ELEMENTS(values); i++)
		json_array_add_double_element(array, values[i]);
	json_array_add_int_element(array, G_MININT64 + 1);
	json_array_add_string_element(array, "q\"b\\s\n\t\x01\xC3\xA9");
	json_array_add_double_element(array, INFINITY);
	text = cw_json_to_string(root, FALSE);
	g_test_message("%s", text);
	back = cw_json_parse(text, -1, NULL, CW_JSON_PARSE_DEFAULT, &error);
	g_assert_no_error(error);
	got = json_node_get_array(back);
	for (guint i = 0; i < G_N_ELEMENTS(values); i++) {
		g_assert_cmpint(json_node_get_value_type(json_array_get_element(got, i)), ==,
				G_TYPE_DOUBLE);
		g_assert_cmpfloat(json_array_get_double_element(got, i), ==, values[i]);
	}
	g_assert_cmpint(json_array_get_int_element(got, G_N_ELEMENTS(values)), ==, G_MININT64 + 1);
	g_assert_cmpstr(json_array_get_string_element(got, G_N_ELEMENTS(values) + 1), ==,
			"q\"b\\s\n\t\x01\xC3\xA9");
	g_assert_true(json_array_get_null_element(got, G_N_ELEMENTS(values) + 2));
	g_assert_nonnull(strstr(text, "2e-08,"));

	json_array_remove_element(array, G_N_ELEMENTS(values) + 2);
	pretty = cw_json_to_string(root, TRUE);
	g_assert_true(g_str_has_prefix(pretty, "[\n  2e-08,\n  1e+21,\n"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/config/json/nesting-limit", test_nesting_limit);
	g_test_add_func("/config/json/nesting-attack", test_nesting_attack);
	g_test_add_func("/config/json/long-path", test_long_path);
	g_test_add_func("/config/json/one-document", test_one_document);
	g_test_add_func("/config/json/duplicate-keys", test_duplicate_keys);
	g_test_add_func("/config/json/nul", test_nul);
	g_test_add_func("/config/json/bad-numbers", test_bad_numbers);
	g_test_add_func("/config/json/good-numbers", test_good_numbers);
	g_test_add_func("/config/json/empty", test_empty);
	g_test_add_func("/config/json/null-document", test_null_document);
	g_test_add_func("/config/json/syntax", test_syntax);
	g_test_add_func("/config/json/values", test_values);
	g_test_add_func("/config/json/long-key-in-path", test_long_key_in_path);
	g_test_add_func("/config/json/file", test_file);
	g_test_add_func("/config/json/random-documents", test_random_documents);
	g_test_add_func("/config/json/write", test_write);
	return g_test_run();
}
