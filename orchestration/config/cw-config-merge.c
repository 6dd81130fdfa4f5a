/* Deep copy and deep merge of JSON documents. */
#include "cw-config-private.h"

static JsonObject *
cw_config_object_copy_deep(JsonObject *object)
{
	JsonObject *copy = json_object_new();
	g_autoptr(GList) members = json_object_get_members(object);

	for (GList *l = members; l != NULL; l = l->next) {
		const char *key = l->data;

		json_object_set_member(
		    copy, key, cw_config_node_copy_deep(json_object_get_member(object, key)));
	}
	return copy;
}

/**
 * cw_config_node_copy_deep:
 * @node: (nullable): a node
 *
 * Returns: (transfer full) (nullable): a copy that shares no object or
 * array with @node, so either can be changed without touching the other.
 */
JsonNode *
cw_config_node_copy_deep(JsonNode *node)
{
	JsonNode *copy;

	if (node == NULL)
		return NULL;
	switch (JSON_NODE_TYPE(node)) {
	case JSON_NODE_OBJECT:
		copy = json_node_new(JSON_NODE_OBJECT);
		json_node_take_object(copy, cw_config_object_copy_deep(json_node_get_object(node)));
		return copy;
	case JSON_NODE_ARRAY: {
		JsonArray *src = json_node_get_array(node);
		JsonArray *dst = json_array_sized_new(json_array_get_length(src));

		for (guint i = 0; i < json_array_get_length(src); i++)
			json_array_add_element(
			    dst, cw_config_node_copy_deep(json_array_get_element(src, i)));
		copy = json_node_new(JSON_NODE_ARRAY);
		json_node_take_array(copy, dst);
		return copy;
	}
	case JSON_NODE_NULL:
		return json_node_init_null(json_node_alloc());
	case JSON_NODE_VALUE:
	default:
		/* json_node_copy() shares the JsonValue, which json_node_set_*()
		 * would then change in both documents. */
		switch (json_node_get_value_type(node)) {
		case G_TYPE_INT64:
			return json_node_init_int(json_node_alloc(), json_node_get_int(node));
		case G_TYPE_DOUBLE:
			return json_node_init_double(json_node_alloc(), json_node_get_double(node));
		case G_TYPE_BOOLEAN:
			return json_node_init_boolean(json_node_alloc(),
						      json_node_get_boolean(node));
		case G_TYPE_STRING:
			return json_node_init_string(json_node_alloc(), json_node_get_string(node));
		default:
			return json_node_copy(node);
		}
	}
}

/**
 * cw_config_merge:
 * @base: (nullable): the base document
 * @override: (nullable): values that win over @base
 *
 * Merges two documents: when both are objects, every key of @override is
 * merged into the value of the same key of @base, recursively; any other
 * value of @override (array, scalar, null) replaces the base value whole.
 * Neither input is changed.
 *
 * Returns: (transfer full): a new node, NULL only when both are NULL.
 */
JsonNode *
cw_config_merge(JsonNode *base, JsonNode *override)
{
	JsonObject *merged;
	JsonObject *over;
	JsonNode *result;
	g_autoptr(GList) members = NULL;

	if (override == NULL)
		return cw_config_node_copy_deep(base);
	if (base == NULL || !JSON_NODE_HOLDS_OBJECT(base) || !JSON_NODE_HOLDS_OBJECT(override))
		return cw_config_node_copy_deep(override);

	result = cw_config_node_copy_deep(base);
	merged = json_node_get_object(result);
	over = json_node_get_object(override);
	members = json_object_get_members(over);
	for (GList *l = members; l != NULL; l = l->next) {
		const char *key = l->data;

		json_object_set_member(merged, key,
				       cw_config_merge(json_object_get_member(merged, key),
						       json_object_get_member(over, key)));
	}
	return result;
}
