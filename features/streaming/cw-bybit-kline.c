/* Bybit v5 kline frames (WebSocket "kline.{interval}.{symbol}") and
 * GET /v5/market/kline pages; formats in docs/exchange-formats.md. */

#include "cw-kline-frame-private.h"

#include <string.h>

static void
cw_bybit_kline_reset(CwKlineFrame *out)
{
	out->kind = CW_KLINE_FRAME_BAD;
	out->error = CW_KLINE_ERROR_NONE;
	out->topic[0] = '\0';
	out->req_id[0] = '\0';
	out->n_updates = 0;
	out->detail[0] = '\0';
}

/* Copies a string member into buf (truncated), or empties buf. */
static void
cw_bybit_kline_copy(JsonObject *object, const char *name, char *buf, gsize len)
{
	JsonNode *node = json_object_get_member(object, name);

	buf[0] = '\0';
	if (node != NULL && JSON_NODE_HOLDS_VALUE(node) &&
	    json_node_get_value_type(node) == G_TYPE_STRING)
		g_strlcpy(buf, json_node_get_string(node), len);
}

/* {"success":..,"ret_msg":..,"conn_id":..,"req_id":..,"op":..} */
static gboolean
cw_bybit_kline_decode_op(JsonObject *root, const char *op, CwKlineFrame *out)
{
	JsonNode *success = json_object_get_member(root, "success");
	char ret_msg[CW_KLINE_DETAIL_LEN];

	cw_bybit_kline_copy(root, "req_id", out->req_id, sizeof out->req_id);
	cw_bybit_kline_copy(root, "ret_msg", ret_msg, sizeof ret_msg);
	if (strcmp(op, "pong") == 0 || (strcmp(op, "ping") == 0 && strcmp(ret_msg, "pong") == 0)) {
		out->kind = CW_KLINE_FRAME_PONG;
		return TRUE;
	}
	if (strcmp(op, "subscribe") != 0) {
		out->kind = CW_KLINE_FRAME_OTHER;
		return TRUE;
	}
	if (success == NULL || !JSON_NODE_HOLDS_VALUE(success) ||
	    json_node_get_value_type(success) != G_TYPE_BOOLEAN)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "success: expected a boolean");
	out->kind =
	    json_node_get_boolean(success) ? CW_KLINE_FRAME_SUBSCRIBED : CW_KLINE_FRAME_REJECTED;
	g_strlcpy(out->detail, ret_msg, sizeof out->detail);
	return TRUE;
}

/* One element of "data". */
static gboolean
cw_bybit_kline_decode_update(JsonNode *node, guint index, const char *interval_name,
			     gint64 interval_ms, GQuark symbol, CwKlineUpdate *update,
			     CwKlineFrame *out)
{
	static const char *const prices[] = {"open", "high", "low", "close", "volume"};
	CwCandle *c = &update->candle;
	double *fields[] = {&c->open, &c->high, &c->low, &c->close, &c->volume};
	static const char *const times[] = {"start", "end", "timestamp"};
	gint64 end;
	gint64 *time_fields[] = {&c->open_time, &end, &update->event_time};
	char path[32];
	char field_path[48];
	JsonObject *object;
	JsonNode *member;
	const char *interval;

	g_snprintf(path, sizeof path, "data[%u]", index);
	if (!JSON_NODE_HOLDS_OBJECT(node))
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "%s: expected an object", path);
	object = json_node_get_object(node);
	for (guint i = 0; i < G_N_ELEMENTS(prices); i++) {
		member = cw_kline_member(object, path, prices[i], &out->error, out->detail);
		g_snprintf(field_path, sizeof field_path, "%s.%s", path, prices[i]);
		if (member == NULL ||
		    !cw_kline_number(member, field_path, fields[i], &out->error, out->detail))
			return FALSE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(times); i++) {
		member = cw_kline_member(object, path, times[i], &out->error, out->detail);
		g_snprintf(field_path, sizeof field_path, "%s.%s", path, times[i]);
		if (member == NULL ||
		    !cw_kline_time(member, field_path, time_fields[i], &out->error, out->detail))
			return FALSE;
	}
	if (!cw_kline_bool(object, path, "confirm", &update->closed, &out->error, out->detail))
		return FALSE;
	interval = cw_kline_string(object, path, "interval", &out->error, out->detail);
	if (interval == NULL)
		return FALSE;
	if (strcmp(interval, interval_name) != 0)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_UNKNOWN_TOPIC,
				     "%s.interval: \"%.16s\" is not the topic's \"%s\"", path,
				     interval, interval_name);
	if (end < c->open_time)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "%s.end: %" G_GINT64_FORMAT
				     " is before start %" G_GINT64_FORMAT,
				     path, end, c->open_time);
	c->interval_ms = interval_ms > 0 ? interval_ms : end - c->open_time + 1;
	c->symbol = symbol;
	return cw_kline_check_candle(c, path, &out->error, out->detail);
}

/* "kline.{interval}.{symbol}" with its "data" array. */
static gboolean
cw_bybit_kline_decode_topic(JsonObject *root, JsonNode *topic_node, CwKlineFrame *out)
{
	const char *topic;
	char *interval_name;
	char *symbol_name;
	gint64 interval_ms;
	gboolean monthly = FALSE;
	JsonNode *data;
	JsonArray *array;
	guint n;
	GQuark symbol;
	char scratch[CW_KLINE_TOPIC_LEN];

	if (!JSON_NODE_HOLDS_VALUE(topic_node) ||
	    json_node_get_value_type(topic_node) != G_TYPE_STRING)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "topic: expected a string");
	topic = json_node_get_string(topic_node);
	if (strlen(topic) >= sizeof out->topic || !g_str_has_prefix(topic, "kline."))
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_UNKNOWN_TOPIC,
				     "topic: \"%.60s\" is not a kline topic", topic);
	g_strlcpy(out->topic, topic, sizeof out->topic);
	/* Split a copy in place: "kline\0{interval}\0{symbol}" in a scratch buffer. */
	g_strlcpy(scratch, topic, sizeof scratch);
	interval_name = scratch + strlen("kline.");
	symbol_name = strchr(interval_name, '.');
	if (symbol_name == NULL || symbol_name[1] == '\0')
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_UNKNOWN_TOPIC,
				     "topic: \"%s\" has no symbol", topic);
	*symbol_name++ = '\0';
	interval_ms = cw_kline_bybit_interval_ms(interval_name, &monthly);
	if (interval_ms == 0 && !monthly)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_UNKNOWN_TOPIC,
				     "topic: \"%s\": unknown interval \"%s\"", topic,
				     interval_name);
	for (const char *p = symbol_name; *p != '\0'; p++) {
		if (!g_ascii_isupper(*p) && !g_ascii_isdigit(*p))
			return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_UNKNOWN_TOPIC,
					     "topic: \"%s\": bad symbol", topic);
	}
	data = cw_kline_member(root, "", "data", &out->error, out->detail);
	if (data == NULL)
		return FALSE;
	if (!JSON_NODE_HOLDS_ARRAY(data))
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "data: expected an array");
	array = json_node_get_array(data);
	n = json_array_get_length(array);
	if (n == 0)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "data: empty");
	if (n > CW_KLINE_FRAME_MAX_CANDLES)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_TOO_MANY,
				     "data: %u candles, more than %u", n,
				     CW_KLINE_FRAME_MAX_CANDLES);
	/* Only symbols the process already knows (a bot's config interned them):
	 * a frame must not grow the quark table. */
	symbol = g_quark_try_string(symbol_name);
	if (symbol == 0)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_UNKNOWN_TOPIC,
				     "topic: \"%s\": unknown symbol", topic);
	for (guint i = 0; i < n; i++) {
		if (!cw_bybit_kline_decode_update(json_array_get_element(array, i), i,
						  interval_name, interval_ms, symbol,
						  &out->updates[i], out)) {
			out->n_updates = 0;
			return FALSE;
		}
		out->n_updates = i + 1;
	}
	out->kind = CW_KLINE_FRAME_KLINE;
	return TRUE;
}

/**
 * cw_bybit_kline_decode_frame:
 * @self: a decoder
 * @data: (array length=len): the text frame
 * @len: its length in bytes
 * @out: (out caller-allocates): the result
 *
 * Returns: TRUE unless the frame is bad (out->kind == CW_KLINE_FRAME_BAD).
 */
gboolean
cw_bybit_kline_decode_frame(CwKlineDecoder *self, const char *data, gsize len, CwKlineFrame *out)
{
	JsonNode *root;
	JsonObject *object;
	JsonNode *member;

	cw_bybit_kline_reset(out);
	root = cw_kline_decoder_parse(self, data, len, CW_KLINE_FRAME_MAX_BYTES, &out->error,
				      out->detail);
	if (root == NULL)
		return FALSE;
	if (!JSON_NODE_HOLDS_OBJECT(root))
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "expected an object");
	object = json_node_get_object(root);
	if ((member = json_object_get_member(object, "topic")) != NULL)
		return cw_bybit_kline_decode_topic(object, member, out);
	member = json_object_get_member(object, "op");
	if (member != NULL && JSON_NODE_HOLDS_VALUE(member) &&
	    json_node_get_value_type(member) == G_TYPE_STRING)
		return cw_bybit_kline_decode_op(object, json_node_get_string(member), out);
	return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
			     "expected a \"topic\" or an \"op\" member");
}

/* One list row: [startTime, open, high, low, close, volume, turnover]. */
static gboolean
cw_bybit_kline_decode_row(JsonNode *node, guint index, CwCandle *c, CwKlinePageError *error)
{
	double *fields[] = {&c->open, &c->high, &c->low, &c->close, &c->volume};
	char path[48];
	JsonArray *row;

	g_snprintf(path, sizeof path, "result.list[%u]", index);
	if (!JSON_NODE_HOLDS_ARRAY(node) || json_array_get_length(json_node_get_array(node)) < 6)
		return cw_kline_fail(&error->error, error->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "%s: expected an array [startTime, open, high, low, close, "
				     "volume, turnover]",
				     path);
	row = json_node_get_array(node);
	g_snprintf(path, sizeof path, "result.list[%u][0]", index);
	if (!cw_kline_time(json_array_get_element(row, 0), path, &c->open_time, &error->error,
			   error->detail))
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
		g_snprintf(path, sizeof path, "result.list[%u][%u]", index, i + 1);
		if (!cw_kline_number(json_array_get_element(row, i + 1), path, fields[i],
				     &error->error, error->detail))
			return FALSE;
	}
	g_snprintf(path, sizeof path, "result.list[%u]", index);
	return cw_kline_check_candle(c, path, &error->error, error->detail);
}

/**
 * cw_bybit_kline_decode_page:
 *
 * Decodes {"retCode":0,"retMsg":"OK","result":{"category","symbol","list":[...]},
 * "retExtInfo":{},"time":..}; the list is newest first and must be strictly
 * descending. retCode 10006 is RATE_LIMITED, any other non-zero EXCHANGE.
 *
 * Returns: TRUE and the candles appended oldest first, or FALSE with @error.
 */
gboolean
cw_bybit_kline_decode_page(CwKlineDecoder *self, const char *data, gsize len, GQuark symbol,
			   gint64 interval_ms, GArray *out, CwKlinePageError *error)
{
	JsonNode *root;
	JsonObject *object;
	JsonNode *member;
	JsonArray *list;
	guint n;
	guint base = out->len;
	gint64 ret_code;

	error->error = CW_KLINE_ERROR_NONE;
	error->exchange_code = 0;
	error->detail[0] = '\0';
	root = cw_kline_decoder_parse(self, data, len, G_MAXSIZE, &error->error, error->detail);
	if (root == NULL)
		return FALSE;
	if (!JSON_NODE_HOLDS_OBJECT(root))
		return cw_kline_fail(&error->error, error->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "expected an object");
	object = json_node_get_object(root);
	member = cw_kline_member(object, "", "retCode", &error->error, error->detail);
	if (member == NULL)
		return FALSE;
	if (!JSON_NODE_HOLDS_VALUE(member) || json_node_get_value_type(member) != G_TYPE_INT64)
		return cw_kline_fail(&error->error, error->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "retCode: expected an integer");
	ret_code = json_node_get_int(member);
	if (ret_code != 0) {
		const char *msg = json_object_get_string_member_with_default(object, "retMsg", "");

		error->exchange_code = ret_code;
		return cw_kline_fail(&error->error, error->detail,
				     ret_code == 10006 ? CW_KLINE_ERROR_RATE_LIMITED
						       : CW_KLINE_ERROR_EXCHANGE,
				     "retCode %" G_GINT64_FORMAT ": %.100s", ret_code, msg);
	}
	member = cw_kline_member(object, "", "result", &error->error, error->detail);
	if (member == NULL)
		return FALSE;
	if (!JSON_NODE_HOLDS_OBJECT(member))
		return cw_kline_fail(&error->error, error->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "result: expected an object");
	member = cw_kline_member(json_node_get_object(member), "result", "list", &error->error,
				 error->detail);
	if (member == NULL)
		return FALSE;
	if (!JSON_NODE_HOLDS_ARRAY(member))
		return cw_kline_fail(&error->error, error->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "result.list: expected an array");
	list = json_node_get_array(member);
	n = json_array_get_length(list);
	g_array_set_size(out, base + n);
	/* Newest first on the wire: row i lands at base + n - 1 - i. */
	for (guint i = 0; i < n; i++) {
		CwCandle *c = &g_array_index(out, CwCandle, base + n - 1 - i);

		if (!cw_bybit_kline_decode_row(json_array_get_element(list, i), i, c, error)) {
			g_array_set_size(out, base);
			return FALSE;
		}
		c->interval_ms = interval_ms;
		c->symbol = symbol;
		if (i > 0 && c->open_time >= (c + 1)->open_time) {
			g_array_set_size(out, base);
			return cw_kline_fail(&error->error, error->detail,
					     CW_KLINE_ERROR_WRONG_TYPE,
					     "result.list[%u][0]: start %" G_GINT64_FORMAT
					     " is not older than the row before",
					     i, c->open_time);
		}
	}
	return TRUE;
}
