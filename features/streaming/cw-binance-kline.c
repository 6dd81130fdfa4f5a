/* Binance kline frames (<symbol>@kline_<interval>, raw or combined) and
 * GET /fapi/v1/klines, /api/v3/klines pages; formats in
 * docs/exchange-formats.md. */

#include "cw-kline-frame-private.h"

#include <string.h>

static void
cw_binance_kline_reset(CwKlineFrame *out)
{
	out->kind = CW_KLINE_FRAME_BAD;
	out->error = CW_KLINE_ERROR_NONE;
	out->topic[0] = '\0';
	out->req_id[0] = '\0';
	out->n_updates = 0;
	out->detail[0] = '\0';
}

/* "id": an integer (or a string, which Binance also echoes). */
static void
cw_binance_kline_copy_id(JsonObject *object, CwKlineFrame *out)
{
	JsonNode *id = json_object_get_member(object, "id");

	if (id == NULL || !JSON_NODE_HOLDS_VALUE(id))
		return;
	if (json_node_get_value_type(id) == G_TYPE_INT64)
		g_snprintf(out->req_id, sizeof out->req_id, "%" G_GINT64_FORMAT,
			   json_node_get_int(id));
	else if (json_node_get_value_type(id) == G_TYPE_STRING)
		g_strlcpy(out->req_id, json_node_get_string(id), sizeof out->req_id);
}

/* The event {"e":"kline","E":..,"s":..,"k":{..}}; path is "" or "data". */
static gboolean
cw_binance_kline_decode_event(JsonNode *node, const char *path, CwKlineFrame *out)
{
	static const char *const names[] = {"o", "h", "l", "c", "v"};
	CwKlineUpdate *update = &out->updates[0];
	CwCandle *c = &update->candle;
	double *fields[] = {&c->open, &c->high, &c->low, &c->close, &c->volume};
	char k_path[16];
	char field_path[32];
	JsonObject *event;
	JsonObject *k;
	JsonNode *member;
	const char *type;
	const char *symbol;
	const char *interval;
	gint64 close_time;
	gint64 interval_ms;
	gboolean monthly = FALSE;
	gsize n;

	if (!JSON_NODE_HOLDS_OBJECT(node))
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "%s: expected an object", *path != '\0' ? path : "frame");
	event = json_node_get_object(node);
	if ((type = cw_kline_string(event, path, "e", &out->error, out->detail)) == NULL)
		return FALSE;
	if (strcmp(type, "kline") != 0)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_UNKNOWN_TOPIC,
				     "%s%se: \"%.40s\" is not a kline event", path,
				     *path != '\0' ? "." : "", type);
	g_snprintf(k_path, sizeof k_path, "%s%sk", path, *path != '\0' ? "." : "");
	if ((member = cw_kline_member(event, path, "E", &out->error, out->detail)) == NULL ||
	    !cw_kline_time(member, "E", &update->event_time, &out->error, out->detail))
		return FALSE;
	if ((member = cw_kline_member(event, path, "k", &out->error, out->detail)) == NULL)
		return FALSE;
	if (!JSON_NODE_HOLDS_OBJECT(member))
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "%s: expected an object", k_path);
	k = json_node_get_object(member);
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_snprintf(field_path, sizeof field_path, "%s.%s", k_path, names[i]);
		member = cw_kline_member(k, k_path, names[i], &out->error, out->detail);
		if (member == NULL ||
		    !cw_kline_number(member, field_path, fields[i], &out->error, out->detail))
			return FALSE;
	}
	g_snprintf(field_path, sizeof field_path, "%s.t", k_path);
	if ((member = cw_kline_member(k, k_path, "t", &out->error, out->detail)) == NULL ||
	    !cw_kline_time(member, field_path, &c->open_time, &out->error, out->detail))
		return FALSE;
	g_snprintf(field_path, sizeof field_path, "%s.T", k_path);
	if ((member = cw_kline_member(k, k_path, "T", &out->error, out->detail)) == NULL ||
	    !cw_kline_time(member, field_path, &close_time, &out->error, out->detail))
		return FALSE;
	if (!cw_kline_bool(k, k_path, "x", &update->closed, &out->error, out->detail))
		return FALSE;
	if ((symbol = cw_kline_string(k, k_path, "s", &out->error, out->detail)) == NULL ||
	    (interval = cw_kline_string(k, k_path, "i", &out->error, out->detail)) == NULL)
		return FALSE;
	interval_ms = cw_kline_binance_interval_ms(interval, &monthly);
	if (interval_ms == 0 && !monthly)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_UNKNOWN_TOPIC,
				     "%s.i: unknown interval \"%.16s\"", k_path, interval);
	n = strlen(symbol);
	if (n == 0 || n + strlen("@kline_") + strlen(interval) >= sizeof out->topic)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_UNKNOWN_TOPIC,
				     "%s.s: bad symbol \"%.40s\"", k_path, symbol);
	for (gsize i = 0; i < n; i++) {
		if (!g_ascii_isalnum(symbol[i]))
			return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_UNKNOWN_TOPIC,
					     "%s.s: bad symbol \"%.40s\"", k_path, symbol);
	}
	if (close_time < c->open_time)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "%s.T: %" G_GINT64_FORMAT " is before t %" G_GINT64_FORMAT,
				     k_path, close_time, c->open_time);
	c->interval_ms = interval_ms > 0 ? interval_ms : close_time - c->open_time + 1;
	/* Only symbols the process already knows: a frame must not grow the
	 * quark table. */
	c->symbol = g_quark_try_string(symbol);
	if (c->symbol == 0)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_UNKNOWN_TOPIC,
				     "%s.s: unknown symbol \"%.40s\"", k_path, symbol);
	if (!cw_kline_check_candle(c, k_path, &out->error, out->detail))
		return FALSE;
	/* The stream name, as Binance spells it: lowercase symbol. */
	for (gsize i = 0; i < n; i++)
		out->topic[i] = g_ascii_tolower(symbol[i]);
	g_snprintf(out->topic + n, sizeof out->topic - n, "@kline_%s", interval);
	out->n_updates = 1;
	out->kind = CW_KLINE_FRAME_KLINE;
	return TRUE;
}

/**
 * cw_binance_kline_decode_frame:
 * @self: a decoder
 * @data: (array length=len): the text frame
 * @len: its length in bytes
 * @out: (out caller-allocates): the result
 *
 * Returns: TRUE unless the frame is bad (out->kind == CW_KLINE_FRAME_BAD).
 */
gboolean
cw_binance_kline_decode_frame(CwKlineDecoder *self, const char *data, gsize len, CwKlineFrame *out)
{
	JsonNode *root;
	JsonObject *object;
	JsonNode *member;
	const char *stream;
	char topic[CW_KLINE_TOPIC_LEN];

	cw_binance_kline_reset(out);
	root = cw_kline_decoder_parse(self, data, len, CW_KLINE_FRAME_MAX_BYTES, &out->error,
				      out->detail);
	if (root == NULL)
		return FALSE;
	if (!JSON_NODE_HOLDS_OBJECT(root))
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "expected an object");
	object = json_node_get_object(root);
	if (json_object_has_member(object, "stream")) {
		if ((stream = cw_kline_string(object, "", "stream", &out->error, out->detail)) ==
			NULL ||
		    (member = cw_kline_member(object, "", "data", &out->error, out->detail)) ==
			NULL)
			return FALSE;
		if (!cw_binance_kline_decode_event(member, "data", out)) {
			out->n_updates = 0;
			return FALSE;
		}
		if (strcmp(stream, out->topic) != 0) {
			g_strlcpy(topic, out->topic, sizeof topic);
			out->kind = CW_KLINE_FRAME_BAD;
			out->n_updates = 0;
			return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_UNKNOWN_TOPIC,
					     "stream: \"%.60s\" does not match its data (%s)",
					     stream, topic);
		}
		return TRUE;
	}
	if (json_object_has_member(object, "e"))
		return cw_binance_kline_decode_event(root, "", out);
	cw_binance_kline_copy_id(object, out);
	if ((member = json_object_get_member(object, "result")) != NULL) {
		out->kind =
		    JSON_NODE_HOLDS_NULL(member) ? CW_KLINE_FRAME_SUBSCRIBED : CW_KLINE_FRAME_OTHER;
		return TRUE;
	}
	/* {"code":2,"msg":"Invalid request: ...","id":1} or {"error":{..},"id":1} */
	if ((member = json_object_get_member(object, "error")) != NULL &&
	    JSON_NODE_HOLDS_OBJECT(member))
		object = json_node_get_object(member);
	if (json_object_has_member(object, "code")) {
		out->kind = CW_KLINE_FRAME_REJECTED;
		g_strlcpy(out->detail,
			  json_object_get_string_member_with_default(object, "msg", ""),
			  sizeof out->detail);
		return TRUE;
	}
	return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
			     "expected a kline event, a combined stream or a request answer");
}

/* [openTime, "o", "h", "l", "c", "v", closeTime, "q", trades, "V", "Q", "0"] */
static gboolean
cw_binance_kline_decode_row(JsonNode *node, guint index, CwCandle *c, CwKlinePageError *error)
{
	double *fields[] = {&c->open, &c->high, &c->low, &c->close, &c->volume};
	char path[32];
	JsonArray *row;

	g_snprintf(path, sizeof path, "[%u]", index);
	if (!JSON_NODE_HOLDS_ARRAY(node) || json_array_get_length(json_node_get_array(node)) < 6)
		return cw_kline_fail(&error->error, error->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "%s: expected an array [openTime, open, high, low, close, "
				     "volume, closeTime, ...]",
				     path);
	row = json_node_get_array(node);
	g_snprintf(path, sizeof path, "[%u][0]", index);
	if (!cw_kline_time(json_array_get_element(row, 0), path, &c->open_time, &error->error,
			   error->detail))
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
		g_snprintf(path, sizeof path, "[%u][%u]", index, i + 1);
		if (!cw_kline_number(json_array_get_element(row, i + 1), path, fields[i],
				     &error->error, error->detail))
			return FALSE;
	}
	g_snprintf(path, sizeof path, "[%u]", index);
	return cw_kline_check_candle(c, path, &error->error, error->detail);
}

/**
 * cw_binance_kline_decode_page:
 *
 * Decodes a klines array (oldest first, strictly ascending) or an error
 * object {"code":-1121,"msg":"Invalid symbol."}; code -1003 is RATE_LIMITED.
 *
 * Returns: TRUE and the candles appended, or FALSE with @error.
 */
gboolean
cw_binance_kline_decode_page(CwKlineDecoder *self, const char *data, gsize len, GQuark symbol,
			     gint64 interval_ms, GArray *out, CwKlinePageError *error)
{
	JsonNode *root;
	JsonArray *rows;
	guint n;
	guint base = out->len;

	error->error = CW_KLINE_ERROR_NONE;
	error->exchange_code = 0;
	error->detail[0] = '\0';
	root = cw_kline_decoder_parse(self, data, len, G_MAXSIZE, &error->error, error->detail);
	if (root == NULL)
		return FALSE;
	if (JSON_NODE_HOLDS_OBJECT(root)) {
		JsonObject *object = json_node_get_object(root);
		JsonNode *code = json_object_get_member(object, "code");

		if (code == NULL || !JSON_NODE_HOLDS_VALUE(code) ||
		    json_node_get_value_type(code) != G_TYPE_INT64)
			return cw_kline_fail(&error->error, error->detail,
					     CW_KLINE_ERROR_WRONG_TYPE,
					     "expected an array of klines or an error object");
		error->exchange_code = json_node_get_int(code);
		return cw_kline_fail(&error->error, error->detail,
				     error->exchange_code == -1003 ? CW_KLINE_ERROR_RATE_LIMITED
								   : CW_KLINE_ERROR_EXCHANGE,
				     "code %" G_GINT64_FORMAT ": %.100s", error->exchange_code,
				     json_object_get_string_member_with_default(object, "msg", ""));
	}
	if (!JSON_NODE_HOLDS_ARRAY(root))
		return cw_kline_fail(&error->error, error->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "expected an array of klines");
	rows = json_node_get_array(root);
	n = json_array_get_length(rows);
	g_array_set_size(out, base + n);
	for (guint i = 0; i < n; i++) {
		CwCandle *c = &g_array_index(out, CwCandle, base + i);

		if (!cw_binance_kline_decode_row(json_array_get_element(rows, i), i, c, error)) {
			g_array_set_size(out, base);
			return FALSE;
		}
		c->interval_ms = interval_ms;
		c->symbol = symbol;
		if (i > 0 && c->open_time <= (c - 1)->open_time) {
			g_array_set_size(out, base);
			return cw_kline_fail(
			    &error->error, error->detail, CW_KLINE_ERROR_WRONG_TYPE,
			    "[%u][0]: openTime %" G_GINT64_FORMAT " is not after the row before", i,
			    c->open_time);
		}
	}
	return TRUE;
}
