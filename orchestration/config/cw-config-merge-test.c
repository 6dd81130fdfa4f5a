/* cw_config_merge(): objects merge key by key, anything else is replaced. */
#include "cw-config.h"

static JsonNode *
parse(const char *json_with_single_quotes)
{
	g_autofree char *json = g_strdup(json_with_single_quotes);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;

	g_strdelimit(json, "'", '"');
	json_parser_load_from_data(parser, json, -1, &error);
	g_assert_no_error(error);
	return json_node_copy(json_parser_get_root(parser));
}

static char *
to_string(JsonNode *node)
{
	return json_to_string(node, FALSE);
}

static void
assert_json(JsonNode *node, const char *expected_single_quotes)
{
	g_autofree char *expected = g_strdup(expected_single_quotes);
	g_autofree char *got = to_string(node);

	g_strdelimit(expected, "'", '"');
	g_assert_cmpstr(got, ==, expected);
}

static void
test_objects_merge_deeply(void)
{
	g_autoptr(JsonNode) base =
	    parse("{'a':1,'exit':{'stop_loss':{'type':'atr','value':2},'time_exit_candles':5}}");
	g_autoptr(JsonNode) over = parse("{'exit':{'stop_loss':{'value':3}},'b':true}");
	g_autoptr(JsonNode) merged = cw_config_merge(base, over);

	assert_json(merged, "{'a':1,'exit':{'stop_loss':{'type':'atr','value':3},"
			    "'time_exit_candles':5},'b':true}");
}

static void
test_arrays_and_scalars_replace(void)
{
	g_autoptr(JsonNode) base = parse("{'analyzers':[{'type':'rsi'},{'type':'macd'}],"
					 "'x':{'y':1},'s':'a','n':null}");
	g_autoptr(JsonNode) over =
	    parse("{'analyzers':[{'type':'adx'}],'x':7,'s':null,'n':{'k':1}}");
	g_autoptr(JsonNode) merged = cw_config_merge(base, over);

	assert_json(merged, "{'analyzers':[{'type':'adx'}],'x':7,'s':null,'n':{'k':1}}");
}

static void
test_inputs_untouched(void)
{
	g_autoptr(JsonNode) base = parse("{'a':{'b':{'c':1}},'l':[1,2]}");
	g_autoptr(JsonNode) over = parse("{'a':{'b':{'d':2}}}");
	g_autofree char *base_before = to_string(base);
	g_autofree char *over_before = to_string(over);
	g_autoptr(JsonNode) merged = cw_config_merge(base, over);
	g_autofree char *base_after = NULL;
	g_autofree char *over_after = NULL;
	JsonObject *c;

	/* Changing the result must not reach the inputs: nothing is shared. */
	c = json_object_get_object_member(
	    json_object_get_object_member(json_node_get_object(merged), "a"), "b");
	json_object_set_int_member(c, "c", 99);
	json_array_add_int_element(json_object_get_array_member(json_node_get_object(merged), "l"),
				   3);
	json_node_set_int(json_object_get_member(c, "d"), 42);

	base_after = to_string(base);
	over_after = to_string(over);
	g_assert_cmpstr(base_after, ==, base_before);
	g_assert_cmpstr(over_after, ==, over_before);
	assert_json(merged, "{'a':{'b':{'c':99,'d':42}},'l':[1,2,3]}");
}

static void
test_null_and_non_objects(void)
{
	g_autoptr(JsonNode) obj = parse("{'a':1}");
	g_autoptr(JsonNode) arr = parse("[1,2]");
	g_autoptr(JsonNode) m1 = cw_config_merge(NULL, obj);
	g_autoptr(JsonNode) m2 = cw_config_merge(obj, NULL);
	g_autoptr(JsonNode) m3 = cw_config_merge(obj, arr);
	g_autoptr(JsonNode) m4 = cw_config_merge(arr, obj);

	assert_json(m1, "{'a':1}");
	assert_json(m2, "{'a':1}");
	assert_json(m3, "[1,2]");
	assert_json(m4, "{'a':1}");
	g_assert_true(json_node_get_object(m1) != json_node_get_object(obj));
	g_assert_null(cw_config_merge(NULL, NULL));
}

static void
test_idempotent(void)
{
	g_autoptr(JsonNode) base = parse("{'a':{'b':1,'c':[1]},'d':'x'}");
	g_autoptr(JsonNode) over = parse("{'a':{'c':[2],'e':3}}");
	g_autoptr(JsonNode) once = cw_config_merge(base, over);
	g_autoptr(JsonNode) twice = cw_config_merge(base, once);
	g_autofree char *a = to_string(once);
	g_autofree char *b = to_string(twice);

	g_assert_cmpstr(a, ==, b);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/config/merge/objects-merge-deeply", test_objects_merge_deeply);
	g_test_add_func("/config/merge/arrays-and-scalars-replace",
			test_arrays_and_scalars_replace);
	g_test_add_func("/config/merge/inputs-untouched", test_inputs_untouched);
	g_test_add_func("/config/merge/null-and-non-objects", test_null_and_non_objects);
	g_test_add_func("/config/merge/idempotent", test_idempotent);
	return g_test_run();
}
