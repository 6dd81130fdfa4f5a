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

/* A string member into buf, truncated; empty when absent or not a string. */
static void
cw_bybit_kline_copy(CwKlineDecoder *self, guint32 obj, const char *name, char *buf, gsize len)
{
	guint32 tok = cw_kline_find(self, obj, name);

	buf[0] = '\0';
	if (tok != CW_KLINE_NONE)
		cw_kline_text(self, tok, buf, len);
}

/* {"success":..,"ret_msg":..,"conn_id":..,"req_id":..,"op":..} */
static gboolean
cw_bybit_kline_decode_op(CwKlineDecoder *self, guint32 root, const char *op, CwKlineFrame *out)
{
	guint32 success = cw_kline_find(self, root, "success");
	char ret_msg[CW_KLINE_DETAIL_LEN];

	cw_bybit_kline_copy(self, root, "req_id", out->req_id, sizeof out->req_id);
	cw_bybit_kline_copy(self, root, "ret_msg", ret_msg, sizeof ret_msg);
	if (strcmp(op, "pong") == 0 || (strcmp(op, "ping") == 0 && strcmp(ret_msg, "pong") == 0)) {
		out->kind = CW_KLINE_FRAME_PONG;
		return TRUE;
	}
	if (strcmp(op, "subscribe") != 0) {
		out->kind = CW_KLINE_FRAME_OTHER;
		return TRUE;
	}
	if (success == CW_KLINE_NONE || (cw_kline_type(self, success) != CW_KLINE_TOK_TRUE &&
					 cw_kline_type(self, success) != CW_KLINE_TOK_FALSE))
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "success: expected a boolean");
	out->kind = cw_kline_type(self, success) == CW_KLINE_TOK_TRUE ? CW_KLINE_FRAME_SUBSCRIBED
								      : CW_KLINE_FRAME_REJECTED;
	g_strlcpy(out->detail, ret_msg, sizeof out->detail);
	return TRUE;
}

/* One element of "data". */
static gboolean
cw_bybit_kline_decode_update(CwKlineDecoder *self, guint32 obj, guint index,
			     const char *interval_name, gint64 interval_ms, GQuark symbol,
			     CwKlineUpdate *update, CwKlineFrame *out)
{
	static const char *const prices[] = {"open", "high", "low", "close", "volume"};
	static const char *const times[] = {"start", "end", "timestamp"};
	CwCandle *c = &update->candle;
	double *fields[] = {&c->open, &c->high, &c->low, &c->close, &c->volume};
	gint64 end;
	gint64 *time_fields[] = {&c->open_time, &end, &update->event_time};
	static const char *const paths[CW_KLINE_FRAME_MAX_CANDLES] = {
	    "data[0]",  "data[1]",  "data[2]",  "data[3]", "data[4]",  "data[5]",
	    "data[6]",  "data[7]",  "data[8]",  "data[9]", "data[10]", "data[11]",
	    "data[12]", "data[13]", "data[14]", "data[15]"};
	const char *path = paths[index];
	char interval[8];
	guint32 member;

	if (cw_kline_type(self, obj) != CW_KLINE_TOK_OBJECT)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "%s: expected an object", path);
	for (guint i = 0; i < G_N_ELEMENTS(prices); i++) {
		member = cw_kline_member(self, obj, path, prices[i], &out->error, out->detail);
		if (member == CW_KLINE_NONE ||
		    !cw_kline_number(self, member, path, prices[i], fields[i], &out->error,
				     out->detail))
			return FALSE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(times); i++) {
		member = cw_kline_member(self, obj, path, times[i], &out->error, out->detail);
		if (member == CW_KLINE_NONE ||
		    !cw_kline_time(self, member, path, times[i], time_fields[i], &out->error,
				   out->detail))
			return FALSE;
	}
	if (!cw_kline_bool(self, obj, path, "confirm", &update->closed, &out->error, out->detail))
		return FALSE;
	if (!cw_kline_string(self, obj, path, "interval", interval, sizeof interval, &out->error,
			     out->detail))
		return FALSE;
	if (strcmp(interval, interval_name) != 0)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_UNKNOWN_TOPIC,
				     "%s.interval: \"%s\" is not the topic's \"%s\"", path,
				     interval, interval_name);
	return cw_kline_finish_candle(c, end, interval_ms, symbol, path, "start", "end",
				      &out->error, out->detail);
}

/* "kline.{interval}.{symbol}" with its "data" array. */
static gboolean
cw_bybit_kline_decode_topic(CwKlineDecoder *self, guint32 root, guint32 topic_tok,
			    CwKlineFrame *out)
{
	char scratch[CW_KLINE_TOPIC_LEN];
	const char *topic = out->topic;
	char *interval_name;
	char *symbol_name;
	gint64 interval_ms;
	gboolean monthly = FALSE;
	guint32 data;
	guint32 element;
	guint n;
	GQuark symbol;

	if (cw_kline_type(self, topic_tok) != CW_KLINE_TOK_STRING)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "topic: expected a string");
	if (!cw_kline_text(self, topic_tok, out->topic, sizeof out->topic) ||
	    !g_str_has_prefix(topic, "kline.")) {
		g_strlcpy(scratch, out->topic, sizeof scratch);
		out->topic[0] = '\0';
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_UNKNOWN_TOPIC,
				     "topic: \"%.60s\" is not a kline topic", scratch);
	}
	/* Split a copy: "kline.{interval}\0{symbol}". */
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
	/* Only symbols the process already knows (a bot's config interned them):
	 * a frame must not grow the quark table. */
	symbol = g_quark_try_string(symbol_name);
	if (symbol == 0)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_UNKNOWN_TOPIC,
				     "topic: \"%s\": unknown symbol", topic);
	data = cw_kline_member(self, root, "", "data", &out->error, out->detail);
	if (data == CW_KLINE_NONE)
		return FALSE;
	if (cw_kline_type(self, data) != CW_KLINE_TOK_ARRAY)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "data: expected an array");
	n = self->toks[data].n;
	if (n == 0)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "data: empty");
	if (n > CW_KLINE_FRAME_MAX_CANDLES)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_TOO_MANY,
				     "data: %u candles, more than %u", n,
				     CW_KLINE_FRAME_MAX_CANDLES);
	element = data + 1;
	for (guint i = 0; i < n; i++) {
		if (!cw_bybit_kline_decode_update(self, element, i, interval_name, interval_ms,
						  symbol, &out->updates[i], out)) {
			out->n_updates = 0;
			return FALSE;
		}
		out->n_updates = i + 1;
		element = self->toks[element].next;
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
	guint32 member;
	char op[16];

	cw_bybit_kline_reset(out);
	if (!cw_kline_decoder_scan(self, data, len, CW_KLINE_FRAME_MAX_BYTES, &out->error,
				   out->detail))
		return FALSE;
	if (cw_kline_type(self, 0) != CW_KLINE_TOK_OBJECT)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "expected an object");
	if ((member = cw_kline_find(self, 0, "topic")) != CW_KLINE_NONE)
		return cw_bybit_kline_decode_topic(self, 0, member, out);
	member = cw_kline_find(self, 0, "op");
	if (member != CW_KLINE_NONE && cw_kline_type(self, member) == CW_KLINE_TOK_STRING) {
		if (!cw_kline_text(self, member, op, sizeof op))
			op[0] = '\0'; /* no op we know is that long */
		return cw_bybit_kline_decode_op(self, 0, op, out);
	}
	return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
			     "expected a \"topic\" or an \"op\" member");
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
	guint32 member;
	guint32 list;
	guint32 row;
	guint n;
	guint base = out->len;
	gint64 ret_code;

	error->error = CW_KLINE_ERROR_NONE;
	error->exchange_code = 0;
	error->detail[0] = '\0';
	if (!cw_kline_decoder_scan(self, data, len, G_MAXSIZE, &error->error, error->detail))
		return FALSE;
	if (cw_kline_type(self, 0) != CW_KLINE_TOK_OBJECT)
		return cw_kline_fail(&error->error, error->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "expected an object");
	member = cw_kline_member(self, 0, "", "retCode", &error->error, error->detail);
	if (member == CW_KLINE_NONE)
		return FALSE;
	if (!cw_kline_integer(self, member, &ret_code))
		return cw_kline_fail(&error->error, error->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "retCode: expected an integer");
	if (ret_code != 0) {
		char msg[100];

		cw_bybit_kline_copy(self, 0, "retMsg", msg, sizeof msg);
		error->exchange_code = ret_code;
		return cw_kline_fail(&error->error, error->detail,
				     ret_code == 10006 ? CW_KLINE_ERROR_RATE_LIMITED
						       : CW_KLINE_ERROR_EXCHANGE,
				     "retCode %" G_GINT64_FORMAT ": %s", ret_code, msg);
	}
	member = cw_kline_member(self, 0, "", "result", &error->error, error->detail);
	if (member == CW_KLINE_NONE)
		return FALSE;
	if (cw_kline_type(self, member) != CW_KLINE_TOK_OBJECT)
		return cw_kline_fail(&error->error, error->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "result: expected an object");
	list = cw_kline_member(self, member, "result", "list", &error->error, error->detail);
	if (list == CW_KLINE_NONE)
		return FALSE;
	if (cw_kline_type(self, list) != CW_KLINE_TOK_ARRAY)
		return cw_kline_fail(&error->error, error->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "result.list: expected an array");
	n = self->toks[list].n;
	g_array_set_size(out, base + n);
	row = list + 1;
	/* Newest first on the wire: row i lands at base + n - 1 - i. */
	for (guint i = 0; i < n; i++) {
		CwCandle *c = &g_array_index(out, CwCandle, base + n - 1 - i);

		if (!cw_kline_decode_row(self, row, "result.list", i,
					 "[startTime, open, high, low, close, volume, turnover]", c,
					 error)) {
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
		row = self->toks[row].next;
	}
	return TRUE;
}
