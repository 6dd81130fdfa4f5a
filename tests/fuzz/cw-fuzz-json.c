/* libFuzzer target for cw_json_parse(), the strict entry of every JSON
 * document (orchestration/config/cw-json-doc.c). For any bytes:
 *   - it returns a root or a CW_CONFIG_ERROR_PARSE error, never both;
 *   - an accepted document holds no container deeper than CW_JSON_MAX_DEPTH;
 *   - a bot config built from an accepted object never crashes or logs a
 *     critical (run with G_DEBUG=fatal-criticals).
 * The seed corpus is tests/fuzz/corpus/json/; ./dev.sh fuzz builds and runs
 * it with the other targets (docs/development.md). */
#include "cw-config.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* (No round trip through json_to_string(): json-glib 1.6 writes 2e-8 as
 * "2e-08.0", which is not JSON.) */
static guint
cw_fuzz_json_depth(JsonNode *node)
{
	guint deepest = 0;

	if (JSON_NODE_HOLDS_OBJECT(node)) {
		JsonObjectIter iter;
		const char *name;
		JsonNode *child;

		json_object_iter_init(&iter, json_node_get_object(node));
		while (json_object_iter_next(&iter, &name, &child)) {
			guint d = cw_fuzz_json_depth(child); /* MAX() would call it twice */

			deepest = MAX(deepest, d);
		}
		return deepest + 1;
	}
	if (JSON_NODE_HOLDS_ARRAY(node)) {
		JsonArray *array = json_node_get_array(node);

		for (guint i = 0; i < json_array_get_length(array); i++) {
			guint d = cw_fuzz_json_depth(json_array_get_element(array, i));

			deepest = MAX(deepest, d);
		}
		return deepest + 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(CwBotConfig) config = NULL;

	/* libFuzzer's buffer has exactly size bytes: no NUL after it */
	root = cw_json_parse((const char *) data, (gssize) size, "fuzz", CW_JSON_PARSE_DEFAULT,
			     &error);
	if ((root == NULL) == (error == NULL))
		abort();
	if (root == NULL) {
		if (error->domain != CW_CONFIG_ERROR || error->code != CW_CONFIG_ERROR_PARSE)
			abort();
		return 0;
	}
	if (cw_fuzz_json_depth(root) > CW_JSON_MAX_DEPTH)
		abort();
	if (JSON_NODE_HOLDS_OBJECT(root)) {
		config = cw_bot_config_new_from_node(root, &error);
		if ((config == NULL) == (error == NULL))
			abort();
	}
	return 0;
}
