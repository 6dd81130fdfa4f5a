/* Bybit v5 response parsers (see cw-bybit-parse.h). */
#include "cw-bybit.h"

#include "cw-config.h"

#include <math.h>
#include <string.h>

static gboolean
cw_bybit_fail(GError **error, const char *path, const char *key, const char *what)
{
	g_set_error(error, CW_BROKER_ERROR, CW_BROKER_ERROR_TRANSIENT, "bybit: %s%s%s: %s", path,
		    *path != '\0' ? "." : "", key, what);
	return FALSE;
}

/* A string member into buf (truncated never: too long is an error). */
static gboolean
cw_bybit_text(JsonObject *obj, const char *path, const char *key, gboolean required, char *buf,
	      gsize len, GError **error)
{
	JsonNode *node = json_object_get_member(obj, key);
	const char *s;

	buf[0] = '\0';
	if (node == NULL || JSON_NODE_HOLDS_NULL(node))
		return required ? cw_bybit_fail(error, path, key, "missing") : TRUE;
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
		return cw_bybit_fail(error, path, key, "expected a string");
	s = json_node_get_string(node);
	if (strlen(s) >= len)
		return cw_bybit_fail(error, path, key, "too long");
	memcpy(buf, s, strlen(s) + 1);
	return TRUE;
}

/* A decimal string ("" = 0) or a number. */
static gboolean
cw_bybit_decimal(JsonObject *obj, const char *path, const char *key, gboolean required, double *out,
		 GError **error)
{
	JsonNode *node = json_object_get_member(obj, key);
	const char *s;
	char *end = NULL;

	*out = 0;
	if (node == NULL || JSON_NODE_HOLDS_NULL(node))
		return required ? cw_bybit_fail(error, path, key, "missing") : TRUE;
	if (!JSON_NODE_HOLDS_VALUE(node))
		return cw_bybit_fail(error, path, key, "expected a decimal string");
	if (json_node_get_value_type(node) == G_TYPE_INT64) {
		*out = (double) json_node_get_int(node);
		return TRUE;
	}
	if (json_node_get_value_type(node) == G_TYPE_DOUBLE) {
		*out = json_node_get_double(node);
		return isfinite(*out) ? TRUE : cw_bybit_fail(error, path, key, "not finite");
	}
	if (json_node_get_value_type(node) != G_TYPE_STRING)
		return cw_bybit_fail(error, path, key, "expected a decimal string");
	s = json_node_get_string(node);
	if (*s == '\0')
		return TRUE;
	*out = g_ascii_strtod(s, &end);
	if (end == s || *end != '\0' || !isfinite(*out))
		return cw_bybit_fail(error, path, key, "expected a decimal string");
	return TRUE;
}

/* A millisecond time: a string of digits or an integer. */
static gboolean
cw_bybit_ms(JsonObject *obj, const char *path, const char *key, gint64 *out, GError **error)
{
	JsonNode *node = json_object_get_member(obj, key);

	*out = 0;
	if (node == NULL || JSON_NODE_HOLDS_NULL(node))
		return TRUE;
	if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_INT64) {
		*out = json_node_get_int(node);
		return TRUE;
	}
	if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING) {
		const char *s = json_node_get_string(node);
		guint64 v = 0;

		if (*s == '\0')
			return TRUE;
		if (g_ascii_string_to_unsigned(s, 10, 0, G_MAXINT64, &v, NULL)) {
			*out = (gint64) v;
			return TRUE;
		}
	}
	return cw_bybit_fail(error, path, key, "expected a time in ms");
}

static gboolean
cw_bybit_side(JsonObject *obj, const char *path, CwSide *out, GError **error)
{
	char side[8];

	if (!cw_bybit_text(obj, path, "side", TRUE, side, sizeof side, error))
		return FALSE;
	if (strcmp(side, "Buy") == 0)
		*out = CW_SIDE_BUY;
	else if (strcmp(side, "Sell") == 0)
		*out = CW_SIDE_SELL;
	else
		return cw_bybit_fail(error, path, "side", "expected Buy or Sell");
	return TRUE;
}

static gboolean
cw_bybit_bool(JsonObject *obj, const char *key)
{
	JsonNode *node = json_object_get_member(obj, key);

	return node != NULL && JSON_NODE_HOLDS_VALUE(node) &&
	       json_node_get_value_type(node) == G_TYPE_BOOLEAN && json_node_get_boolean(node);
}

/**
 * cw_bybit_status_from_string:
 *
 * Returns: FALSE when @text is no Bybit orderStatus
 */
gboolean
cw_bybit_status_from_string(const char *text, CwOrderStatus *out)
{
	static const struct {
		const char *name;
		CwOrderStatus status;
	} map[] = {
	    {"Created", CW_ORDER_STATUS_PENDING_NEW},
	    {"New", CW_ORDER_STATUS_NEW},
	    {"Untriggered", CW_ORDER_STATUS_NEW},
	    {"Triggered", CW_ORDER_STATUS_NEW},
	    {"PartiallyFilled", CW_ORDER_STATUS_PARTIALLY_FILLED},
	    {"Filled", CW_ORDER_STATUS_FILLED},
	    {"Cancelled", CW_ORDER_STATUS_CANCELLED},
	    {"PartiallyFilledCanceled", CW_ORDER_STATUS_CANCELLED},
	    {"Deactivated", CW_ORDER_STATUS_CANCELLED},
	    {"Rejected", CW_ORDER_STATUS_REJECTED},
	};

	for (guint i = 0; i < G_N_ELEMENTS(map); i++) {
		if (strcmp(text, map[i].name) == 0) {
			*out = map[i].status;
			return TRUE;
		}
	}
	return FALSE;
}

/**
 * cw_bybit_parse_envelope:
 * @out: (out caller-allocates): clear it with cw_bybit_envelope_clear()
 *
 * Reads the REST envelope; retCode != 0 is not an error here.
 */
gboolean
cw_bybit_parse_envelope(const char *data, gsize len, CwBybitEnvelope *out, GError **error)
{
	g_autoptr(GError) parse_error = NULL;
	JsonObject *obj;
	JsonNode *code, *result;

	memset(out, 0, sizeof *out);
	out->root = cw_json_parse(data, (gssize) len, NULL, CW_JSON_PARSE_DEFAULT, &parse_error);
	if (out->root == NULL) {
		g_set_error(error, CW_BROKER_ERROR, CW_BROKER_ERROR_TRANSIENT,
			    "bybit: answer is not JSON: %s", parse_error->message);
		return FALSE;
	}
	if (!JSON_NODE_HOLDS_OBJECT(out->root))
		return cw_bybit_fail(error, "", "(answer)", "expected an object");
	obj = json_node_get_object(out->root);
	code = json_object_get_member(obj, "retCode");
	if (code == NULL || !JSON_NODE_HOLDS_VALUE(code) ||
	    json_node_get_value_type(code) != G_TYPE_INT64)
		return cw_bybit_fail(error, "", "retCode", "expected an integer");
	out->ret_code = json_node_get_int(code);
	if (!cw_bybit_text(obj, "", "retMsg", FALSE, out->ret_msg, sizeof out->ret_msg, NULL))
		g_strlcpy(out->ret_msg, "(no retMsg)", sizeof out->ret_msg);
	result = json_object_get_member(obj, "result");
	if (result != NULL && JSON_NODE_HOLDS_OBJECT(result))
		out->result = json_node_get_object(result);
	else if (out->ret_code == 0)
		return cw_bybit_fail(error, "", "result", "expected an object");
	if (json_object_has_member(obj, "time") && !cw_bybit_ms(obj, "", "time", &out->time, error))
		return FALSE;
	return TRUE;
}

void
cw_bybit_envelope_clear(CwBybitEnvelope *env)
{
	g_clear_pointer(&env->root, json_node_unref);
	env->result = NULL;
}

JsonArray *
cw_bybit_envelope_list(CwBybitEnvelope *env, GError **error)
{
	JsonNode *list = env->result != NULL ? json_object_get_member(env->result, "list") : NULL;

	if (list == NULL || !JSON_NODE_HOLDS_ARRAY(list)) {
		cw_bybit_fail(error, "result", "list", "expected an array");
		return NULL;
	}
	return json_node_get_array(list);
}

/**
 * cw_bybit_parse_order:
 *
 * Reads one order of /v5/order/realtime or of the order topic.
 */
gboolean
cw_bybit_parse_order(JsonObject *obj, const char *path, CwBybitOrderInfo *out, GError **error)
{
	char type[16], status[32], stop_type[32];
	double avg = 0;

	memset(out, 0, sizeof *out);
	if (!cw_bybit_text(obj, path, "orderId", TRUE, out->order_id, sizeof out->order_id,
			   error) ||
	    !cw_bybit_text(obj, path, "orderLinkId", FALSE, out->link_id, sizeof out->link_id,
			   error) ||
	    !cw_bybit_text(obj, path, "symbol", TRUE, out->symbol, sizeof out->symbol, error) ||
	    !cw_bybit_side(obj, path, &out->side, error) ||
	    !cw_bybit_text(obj, path, "orderType", TRUE, type, sizeof type, error) ||
	    !cw_bybit_text(obj, path, "orderStatus", TRUE, status, sizeof status, error) ||
	    !cw_bybit_text(obj, path, "stopOrderType", FALSE, stop_type, sizeof stop_type, error) ||
	    !cw_bybit_decimal(obj, path, "qty", TRUE, &out->qty, error) ||
	    !cw_bybit_decimal(obj, path, "price", FALSE, &out->price, error) ||
	    !cw_bybit_decimal(obj, path, "triggerPrice", FALSE, &out->trigger, error) ||
	    !cw_bybit_decimal(obj, path, "cumExecQty", FALSE, &out->cum_qty, error) ||
	    !cw_bybit_decimal(obj, path, "cumExecFee", FALSE, &out->cum_fee, error) ||
	    !cw_bybit_decimal(obj, path, "avgPrice", FALSE, &avg, error) ||
	    !cw_bybit_ms(obj, path, "createdTime", &out->created, error) ||
	    !cw_bybit_ms(obj, path, "updatedTime", &out->updated, error))
		return FALSE;
	if (!cw_bybit_status_from_string(status, &out->status))
		return cw_bybit_fail(error, path, "orderStatus", "unknown status");
	if (strcmp(type, "Limit") == 0)
		out->type = CW_ORDER_TYPE_LIMIT;
	else if (strcmp(type, "Market") == 0)
		out->type = out->trigger > 0 ? CW_ORDER_TYPE_STOP : CW_ORDER_TYPE_MARKET;
	else
		return cw_bybit_fail(error, path, "orderType", "expected Market or Limit");
	if (out->qty < 0 || out->cum_qty < 0 || out->price < 0 || out->trigger < 0 || avg < 0)
		return cw_bybit_fail(error, path, "qty", "negative quantity or price");
	out->avg_price = avg;
	out->reduce_only = cw_bybit_bool(obj, "reduceOnly");
	return TRUE;
}

/**
 * cw_bybit_parse_exec:
 *
 * Reads one execution of /v5/execution/list or of the execution topic.
 */
gboolean
cw_bybit_parse_exec(JsonObject *obj, const char *path, CwBybitExec *out, GError **error)
{
	char type[24];

	memset(out, 0, sizeof *out);
	if (!cw_bybit_text(obj, path, "execId", TRUE, out->exec_id, sizeof out->exec_id, error) ||
	    !cw_bybit_text(obj, path, "orderId", TRUE, out->order_id, sizeof out->order_id,
			   error) ||
	    !cw_bybit_text(obj, path, "orderLinkId", FALSE, out->link_id, sizeof out->link_id,
			   error) ||
	    !cw_bybit_text(obj, path, "symbol", TRUE, out->symbol, sizeof out->symbol, error) ||
	    !cw_bybit_side(obj, path, &out->side, error) ||
	    !cw_bybit_text(obj, path, "execType", FALSE, type, sizeof type, error) ||
	    !cw_bybit_decimal(obj, path, "execPrice", TRUE, &out->price, error) ||
	    !cw_bybit_decimal(obj, path, "execQty", TRUE, &out->qty, error) ||
	    !cw_bybit_decimal(obj, path, "execFee", FALSE, &out->fee, error) ||
	    !cw_bybit_decimal(obj, path, "orderQty", FALSE, &out->order_qty, error) ||
	    !cw_bybit_decimal(obj, path, "leavesQty", FALSE, &out->leaves_qty, error) ||
	    !cw_bybit_ms(obj, path, "execTime", &out->time, error))
		return FALSE;
	if (out->exec_id[0] == '\0')
		return cw_bybit_fail(error, path, "execId", "empty");
	if (out->qty < 0 || out->price < 0)
		return cw_bybit_fail(error, path, "execQty", "negative quantity or price");
	out->trade = type[0] == '\0' || strcmp(type, "Trade") == 0;
	out->maker = cw_bybit_bool(obj, "isMaker");
	return TRUE;
}

/**
 * cw_bybit_parse_position:
 *
 * Reads one position of /v5/position/list or of the position topic.
 */
gboolean
cw_bybit_parse_position(JsonObject *obj, const char *path, CwBybitPosition *out, GError **error)
{
	char side[8];
	double size = 0;

	memset(out, 0, sizeof *out);
	if (!cw_bybit_text(obj, path, "symbol", TRUE, out->symbol, sizeof out->symbol, error) ||
	    !cw_bybit_text(obj, path, "side", FALSE, side, sizeof side, error) ||
	    !cw_bybit_decimal(obj, path, "size", TRUE, &size, error))
		return FALSE;
	if (json_object_has_member(obj, "avgPrice")) {
		if (!cw_bybit_decimal(obj, path, "avgPrice", FALSE, &out->avg_price, error))
			return FALSE;
	} else if (!cw_bybit_decimal(obj, path, "entryPrice", FALSE, &out->avg_price, error)) {
		return FALSE;
	}
	if (size < 0)
		return cw_bybit_fail(error, path, "size", "negative");
	if (strcmp(side, "Buy") == 0)
		out->size = size;
	else if (strcmp(side, "Sell") == 0)
		out->size = -size;
	else if (side[0] == '\0' || strcmp(side, "None") == 0)
		out->size = 0;
	else
		return cw_bybit_fail(error, path, "side", "expected Buy, Sell or \"\"");
	return TRUE;
}

/**
 * cw_bybit_parse_frame:
 * @out: (out caller-allocates): clear it with cw_bybit_frame_clear()
 *
 * Reads one private stream frame: an op answer or a topic push.
 */
gboolean
cw_bybit_parse_frame(const char *data, gsize len, CwBybitFrame *out, GError **error)
{
	g_autoptr(GError) parse_error = NULL;
	JsonObject *obj;
	JsonNode *node;

	memset(out, 0, sizeof *out);
	out->root = cw_json_parse(data, (gssize) len, NULL, CW_JSON_PARSE_DEFAULT, &parse_error);
	if (out->root == NULL) {
		g_set_error(error, CW_BROKER_ERROR, CW_BROKER_ERROR_TRANSIENT,
			    "bybit: private frame is not JSON: %s", parse_error->message);
		return FALSE;
	}
	if (!JSON_NODE_HOLDS_OBJECT(out->root))
		return cw_bybit_fail(error, "", "(frame)", "expected an object");
	obj = json_node_get_object(out->root);
	if (json_object_has_member(obj, "topic")) {
		char topic[64];
		char *dot;

		out->kind = CW_BYBIT_FRAME_TOPIC;
		if (!cw_bybit_text(obj, "", "topic", TRUE, topic, sizeof topic, error))
			return FALSE;
		if ((dot = strchr(topic, '.')) != NULL)
			*dot = '\0';
		if (strlen(topic) >= sizeof out->topic)
			return cw_bybit_fail(error, "", "topic", "too long");
		memcpy(out->topic, topic, strlen(topic) + 1);
		node = json_object_get_member(obj, "data");
		if (node == NULL || !JSON_NODE_HOLDS_ARRAY(node))
			return cw_bybit_fail(error, "", "data", "expected an array");
		out->data = json_node_get_array(node);
		return TRUE;
	}
	out->kind = CW_BYBIT_FRAME_OP;
	if (!cw_bybit_text(obj, "", "op", TRUE, out->op, sizeof out->op, error))
		return FALSE;
	out->success = cw_bybit_bool(obj, "success") || strcmp(out->op, "pong") == 0;
	if (!cw_bybit_text(obj, "", "ret_msg", FALSE, out->ret_msg, sizeof out->ret_msg, NULL))
		out->ret_msg[0] = '\0';
	return TRUE;
}

void
cw_bybit_frame_clear(CwBybitFrame *frame)
{
	g_clear_pointer(&frame->root, json_node_unref);
	frame->data = NULL;
}
