/* The JSON documents of save_state()/load_state(): one object per gate,
 * {"gate": "daily_loss", "version": 1, "mode": "reduce_only", ...}. */
#include "cw-guardrails-private.h"

#include <math.h>

#define CW_GUARD_STATE_VERSION 1

JsonBuilder *
cw_guard_state_begin(const char *gate, CwBotMode mode)
{
	JsonBuilder *builder = json_builder_new();

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "gate");
	json_builder_add_string_value(builder, gate);
	json_builder_set_member_name(builder, "version");
	json_builder_add_int_value(builder, CW_GUARD_STATE_VERSION);
	json_builder_set_member_name(builder, "mode");
	json_builder_add_string_value(builder, cw_bot_mode_to_string(mode));
	return builder;
}

char *
cw_guard_state_end(JsonBuilder *builder)
{
	g_autoptr(JsonNode) root = NULL;

	json_builder_end_object(builder);
	root = json_builder_get_root(builder);
	g_object_unref(builder);
	return cw_json_to_string(root, FALSE);
}

static gboolean
cw_guard_state_mode_from_string(const char *text, CwBotMode *out)
{
	static const CwBotMode modes[] = {CW_BOT_MODE_ACTIVE, CW_BOT_MODE_REDUCE_ONLY,
					  CW_BOT_MODE_HALTED};

	for (gsize i = 0; i < G_N_ELEMENTS(modes); i++) {
		if (g_strcmp0(text, cw_bot_mode_to_string(modes[i])) == 0) {
			*out = modes[i];
			return TRUE;
		}
	}
	return FALSE;
}

JsonObject *
cw_guard_state_parse(const char *json, const char *gate, CwBotMode *mode, GError **error)
{
	g_autoptr(GError) local_error = NULL;
	g_autoptr(JsonNode) root = NULL;
	JsonObject *state;
	const char *name = NULL;
	const char *mode_text = NULL;
	gint64 version = 0;

	root = cw_json_parse(json, -1, NULL, CW_JSON_PARSE_DEFAULT, &local_error);
	if (root == NULL) {
		g_set_error(error, CW_GUARDRAILS_ERROR, CW_GUARDRAILS_ERROR_STATE,
			    "%s state: not JSON: %s", gate, local_error->message);
		return NULL;
	}
	if (!JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error(error, CW_GUARDRAILS_ERROR, CW_GUARDRAILS_ERROR_STATE,
			    "%s state: expected a JSON object", gate);
		return NULL;
	}
	state = json_node_get_object(root);
	if (!cw_guard_state_get_string(state, gate, "gate", &name, error))
		return NULL;
	if (g_strcmp0(name, gate) != 0) {
		g_set_error(error, CW_GUARDRAILS_ERROR, CW_GUARDRAILS_ERROR_STATE,
			    "%s state: the document belongs to gate '%s'", gate, name);
		return NULL;
	}
	if (!cw_guard_state_get_int(state, gate, "version", 1, G_MAXINT, &version, error))
		return NULL;
	if (version > CW_GUARD_STATE_VERSION) {
		g_set_error(error, CW_GUARDRAILS_ERROR, CW_GUARDRAILS_ERROR_STATE,
			    "%s state: version %" G_GINT64_FORMAT " is newer than this build (%d)",
			    gate, version, CW_GUARD_STATE_VERSION);
		return NULL;
	}
	if (!cw_guard_state_get_string(state, gate, "mode", &mode_text, error))
		return NULL;
	if (!cw_guard_state_mode_from_string(mode_text, mode)) {
		g_set_error(error, CW_GUARDRAILS_ERROR, CW_GUARDRAILS_ERROR_STATE,
			    "%s state: mode: expected active, reduce_only or halted, got '%s'",
			    gate, mode_text);
		return NULL;
	}
	return json_object_ref(state);
}

static JsonNode *
cw_guard_state_member(JsonObject *state, const char *gate, const char *key, GType type,
		      const char *expected, GError **error)
{
	JsonNode *node = json_object_get_member(state, key);

	if (node == NULL) {
		g_set_error(error, CW_GUARDRAILS_ERROR, CW_GUARDRAILS_ERROR_STATE,
			    "%s state: %s: missing", gate, key);
		return NULL;
	}
	if (!JSON_NODE_HOLDS_VALUE(node) || !g_type_is_a(json_node_get_value_type(node), type)) {
		g_set_error(error, CW_GUARDRAILS_ERROR, CW_GUARDRAILS_ERROR_STATE,
			    "%s state: %s: expected %s", gate, key, expected);
		return NULL;
	}
	return node;
}

gboolean
cw_guard_state_get_double(JsonObject *state, const char *gate, const char *key, double *out,
			  GError **error)
{
	JsonNode *node = json_object_get_member(state, key);

	if (node != NULL && JSON_NODE_HOLDS_VALUE(node) &&
	    json_node_get_value_type(node) == G_TYPE_INT64) {
		*out = (double) json_node_get_int(node);
		return TRUE;
	}
	node = cw_guard_state_member(state, gate, key, G_TYPE_DOUBLE, "a number", error);
	if (node == NULL)
		return FALSE;
	if (!isfinite(json_node_get_double(node))) {
		g_set_error(error, CW_GUARDRAILS_ERROR, CW_GUARDRAILS_ERROR_STATE,
			    "%s state: %s: expected a finite number", gate, key);
		return FALSE;
	}
	*out = json_node_get_double(node);
	return TRUE;
}

gboolean
cw_guard_state_get_int(JsonObject *state, const char *gate, const char *key, gint64 min, gint64 max,
		       gint64 *out, GError **error)
{
	JsonNode *node = cw_guard_state_member(state, gate, key, G_TYPE_INT64, "an integer", error);
	gint64 value;

	if (node == NULL)
		return FALSE;
	value = json_node_get_int(node);
	if (value < min || value > max) {
		g_set_error(error, CW_GUARDRAILS_ERROR, CW_GUARDRAILS_ERROR_STATE,
			    "%s state: %s: %" G_GINT64_FORMAT " is out of range", gate, key, value);
		return FALSE;
	}
	*out = value;
	return TRUE;
}

gboolean
cw_guard_state_get_bool(JsonObject *state, const char *gate, const char *key, gboolean *out,
			GError **error)
{
	JsonNode *node =
	    cw_guard_state_member(state, gate, key, G_TYPE_BOOLEAN, "a boolean", error);

	if (node == NULL)
		return FALSE;
	*out = json_node_get_boolean(node);
	return TRUE;
}

gboolean
cw_guard_state_get_string(JsonObject *state, const char *gate, const char *key, const char **out,
			  GError **error)
{
	JsonNode *node = cw_guard_state_member(state, gate, key, G_TYPE_STRING, "a string", error);

	if (node == NULL)
		return FALSE;
	*out = json_node_get_string(node);
	return TRUE;
}
