#include "cw-notifications.h"

#include <math.h>

static JsonNode *
cw_telegram_api_load(JsonParser *parser, const char *data, gssize len, GError **error)
{
	g_autoptr(GError) local = NULL;
	JsonNode *root;

	if (data == NULL || !json_parser_load_from_data(parser, data, len, &local)) {
		g_set_error(error, CW_NOTIFICATIONS_ERROR, CW_NOTIFICATIONS_ERROR_RESPONSE,
			    "the Bot API answer is not JSON: %s",
			    local != NULL ? local->message : "empty");
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error_literal(error, CW_NOTIFICATIONS_ERROR, CW_NOTIFICATIONS_ERROR_RESPONSE,
				    "the Bot API answer is not a JSON object");
		return NULL;
	}
	return root;
}

/* The number at key of obj, when it is one. */
static gboolean
cw_telegram_api_number(JsonObject *obj, const char *key, double *out)
{
	JsonNode *node = obj != NULL ? json_object_get_member(obj, key) : NULL;
	GType t;

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node))
		return FALSE;
	t = json_node_get_value_type(node);
	if (t != G_TYPE_INT64 && t != G_TYPE_DOUBLE)
		return FALSE;
	*out = json_node_get_double(node);
	return isfinite(*out);
}

static const char *
cw_telegram_api_string(JsonObject *obj, const char *key)
{
	JsonNode *node = obj != NULL ? json_object_get_member(obj, key) : NULL;

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(node);
}

static JsonObject *
cw_telegram_api_object(JsonObject *obj, const char *key)
{
	JsonNode *node = obj != NULL ? json_object_get_member(obj, key) : NULL;

	return node != NULL && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

/** cw_telegram_response_clear: frees what the answer holds. */
void
cw_telegram_response_clear(CwTelegramResponse *self)
{
	g_clear_pointer(&self->description, g_free);
}

/**
 * cw_telegram_response_parse:
 * @out: (out caller-allocates): the answer; clear it with
 *   cw_telegram_response_clear() (also after a failure)
 */
gboolean
cw_telegram_response_parse(const char *data, gssize len, CwTelegramResponse *out, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *obj;
	JsonObject *params;
	JsonNode *ok;
	double v;

	*out = (CwTelegramResponse){0};
	if (cw_telegram_api_load(parser, data, len, error) == NULL)
		return FALSE;
	obj = json_node_get_object(json_parser_get_root(parser));
	ok = json_object_get_member(obj, "ok");
	if (ok == NULL || !JSON_NODE_HOLDS_VALUE(ok) ||
	    json_node_get_value_type(ok) != G_TYPE_BOOLEAN) {
		g_set_error_literal(error, CW_NOTIFICATIONS_ERROR, CW_NOTIFICATIONS_ERROR_RESPONSE,
				    "the Bot API answer has no boolean 'ok'");
		return FALSE;
	}
	out->ok = json_node_get_boolean(ok);
	if (out->ok)
		return TRUE;
	if (cw_telegram_api_number(obj, "error_code", &v) && v >= 0 && v < 1000)
		out->error_code = (int) v;
	out->description = g_strdup(cw_telegram_api_string(obj, "description"));
	params = cw_telegram_api_object(obj, "parameters");
	if (cw_telegram_api_number(params, "retry_after", &v) && v >= 0)
		out->retry_after_s = MIN(v, 86400.0);
	if (cw_telegram_api_number(params, "migrate_to_chat_id", &v) && fabs(v) < 9.0e15) {
		out->has_migrate = TRUE;
		out->migrate_to_chat_id = (gint64) v;
	}
	return TRUE;
}

/** cw_telegram_update_free: frees an update; NULL is fine. */
void
cw_telegram_update_free(CwTelegramUpdate *self)
{
	if (self == NULL)
		return;
	g_free(self->text);
	g_free(self->callback_query_id);
	g_free(self);
}

/* A message's chat id, when it has one. */
static gboolean
cw_telegram_api_chat_id(JsonObject *message, gint64 *out)
{
	double v;

	if (!cw_telegram_api_number(cw_telegram_api_object(message, "chat"), "id", &v) ||
	    fabs(v) >= 9.0e15 || v != floor(v))
		return FALSE;
	*out = (gint64) v;
	return TRUE;
}

static CwTelegramUpdate *
cw_telegram_api_update(JsonObject *obj, gint64 update_id)
{
	g_autoptr(CwTelegramUpdate) update = g_new0(CwTelegramUpdate, 1);
	JsonObject *message = cw_telegram_api_object(obj, "message");
	JsonObject *callback = cw_telegram_api_object(obj, "callback_query");

	update->update_id = update_id;
	if (message != NULL) {
		if (!cw_telegram_api_chat_id(message, &update->chat_id))
			return NULL;
		update->text = g_strdup(cw_telegram_api_string(message, "text"));
		return g_steal_pointer(&update);
	}
	if (callback != NULL) {
		const char *id = cw_telegram_api_string(callback, "id");
		if (id == NULL ||
		    !cw_telegram_api_chat_id(cw_telegram_api_object(callback, "message"),
					     &update->chat_id))
			return NULL;
		update->callback_query_id = g_strdup(id);
		update->text = g_strdup(cw_telegram_api_string(callback, "data"));
		return g_steal_pointer(&update);
	}
	return NULL;
}

/**
 * cw_telegram_updates_parse:
 * @max_update_id: (out): the highest update_id seen, unchanged when none
 *
 * Returns: (transfer full) (element-type CwTelegramUpdate): the updates.
 */
GPtrArray *
cw_telegram_updates_parse(const char *data, gssize len, gint64 *max_update_id, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GPtrArray) out =
	    g_ptr_array_new_with_free_func((GDestroyNotify) cw_telegram_update_free);
	JsonObject *obj;
	JsonNode *result;
	JsonArray *array;

	if (cw_telegram_api_load(parser, data, len, error) == NULL)
		return NULL;
	obj = json_node_get_object(json_parser_get_root(parser));
	result = json_object_get_member(obj, "result");
	if (result == NULL || !JSON_NODE_HOLDS_ARRAY(result)) {
		g_set_error_literal(error, CW_NOTIFICATIONS_ERROR, CW_NOTIFICATIONS_ERROR_RESPONSE,
				    "getUpdates: 'result' is not an array");
		return NULL;
	}
	array = json_node_get_array(result);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonNode *node = json_array_get_element(array, i);
		CwTelegramUpdate *update;
		double id;
		if (!JSON_NODE_HOLDS_OBJECT(node) ||
		    !cw_telegram_api_number(json_node_get_object(node), "update_id", &id) ||
		    id < 0 || id >= 9.0e15 || id != floor(id)) {
			g_set_error(error, CW_NOTIFICATIONS_ERROR, CW_NOTIFICATIONS_ERROR_RESPONSE,
				    "getUpdates: result[%u] has no integer update_id", i);
			return NULL;
		}
		if ((gint64) id > *max_update_id)
			*max_update_id = (gint64) id;
		update = cw_telegram_api_update(json_node_get_object(node), (gint64) id);
		if (update != NULL)
			g_ptr_array_add(out, update);
	}
	return g_steal_pointer(&out);
}
