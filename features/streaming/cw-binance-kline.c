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
cw_binance_kline_copy_id(CwKlineDecoder *self, guint32 obj, CwKlineFrame *out)
{
	guint32 id = cw_kline_find(self, obj, "id");
	gint64 v;

	if (id == CW_KLINE_NONE)
		return;
	if (cw_kline_integer(self, id, &v))
		g_snprintf(out->req_id, sizeof out->req_id, "%" G_GINT64_FORMAT, v);
	else if (cw_kline_type(self, id) == CW_KLINE_TOK_STRING)
		cw_kline_text(self, id, out->req_id, sizeof out->req_id);
}

/* The event {"e":"kline","E":..,"s":..,"k":{..}}; path is "" or "data". */
static gboolean
cw_binance_kline_decode_event(CwKlineDecoder *self, guint32 event, const char *path,
			      CwKlineFrame *out)
{
	static const char *const names[] = {"o", "h", "l", "c", "v"};
	CwKlineUpdate *update = &out->updates[0];
	CwCandle *c = &update->candle;
	double *fields[] = {&c->open, &c->high, &c->low, &c->close, &c->volume};
	const char *k_path = *path != '\0' ? "data.k" : "k";
	char type[16];
	char symbol[CW_KLINE_TOPIC_LEN];
	char interval[8];
	guint32 k;
	guint32 member;
	gint64 close_time;
	gint64 interval_ms;
	gboolean monthly = FALSE;
	GQuark symbol_quark;
	gsize n;

	if (cw_kline_type(self, event) != CW_KLINE_TOK_OBJECT)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "%s: expected an object", *path != '\0' ? path : "frame");
	member = cw_kline_member(self, event, path, "e", &out->error, out->detail);
	if (member == CW_KLINE_NONE)
		return FALSE;
	if (cw_kline_type(self, member) != CW_KLINE_TOK_STRING)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "%s%se: expected a string, got %s", path,
				     *path != '\0' ? "." : "", cw_kline_type_name(self, member));
	if (!cw_kline_text(self, member, type, sizeof type) || strcmp(type, "kline") != 0)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_UNKNOWN_TOPIC,
				     "%s%se: \"%s\" is not a kline event", path,
				     *path != '\0' ? "." : "", type);
	if ((member = cw_kline_member(self, event, path, "E", &out->error, out->detail)) ==
		CW_KLINE_NONE ||
	    !cw_kline_time(self, member, path, "E", &update->event_time, &out->error, out->detail))
		return FALSE;
	if ((k = cw_kline_member(self, event, path, "k", &out->error, out->detail)) ==
	    CW_KLINE_NONE)
		return FALSE;
	if (cw_kline_type(self, k) != CW_KLINE_TOK_OBJECT)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "%s: expected an object", k_path);
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		member = cw_kline_member(self, k, k_path, names[i], &out->error, out->detail);
		if (member == CW_KLINE_NONE ||
		    !cw_kline_number(self, member, k_path, names[i], fields[i], &out->error,
				     out->detail))
			return FALSE;
	}
	if ((member = cw_kline_member(self, k, k_path, "t", &out->error, out->detail)) ==
		CW_KLINE_NONE ||
	    !cw_kline_time(self, member, k_path, "t", &c->open_time, &out->error, out->detail))
		return FALSE;
	if ((member = cw_kline_member(self, k, k_path, "T", &out->error, out->detail)) ==
		CW_KLINE_NONE ||
	    !cw_kline_time(self, member, k_path, "T", &close_time, &out->error, out->detail))
		return FALSE;
	if (!cw_kline_bool(self, k, k_path, "x", &update->closed, &out->error, out->detail))
		return FALSE;
	if (!cw_kline_string(self, k, k_path, "s", symbol, sizeof symbol, &out->error,
			     out->detail) ||
	    !cw_kline_string(self, k, k_path, "i", interval, sizeof interval, &out->error,
			     out->detail))
		return FALSE;
	interval_ms = cw_kline_binance_interval_ms(interval, &monthly);
	if (interval_ms == 0 && !monthly)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_UNKNOWN_TOPIC,
				     "%s.i: unknown interval \"%s\"", k_path, interval);
	n = strlen(symbol);
	if (n == 0 || n + strlen("@kline_") + strlen(interval) >= sizeof out->topic)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_UNKNOWN_TOPIC,
				     "%s.s: bad symbol \"%.40s\"", k_path, symbol);
	for (gsize i = 0; i < n; i++) {
		if (!g_ascii_isalnum(symbol[i]))
			return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_UNKNOWN_TOPIC,
					     "%s.s: bad symbol \"%.40s\"", k_path, symbol);
	}
	/* Only symbols the process already knows: a frame must not grow the
	 * quark table. */
	symbol_quark = g_quark_try_string(symbol);
	if (symbol_quark == 0)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_UNKNOWN_TOPIC,
				     "%s.s: unknown symbol \"%.40s\"", k_path, symbol);
	if (!cw_kline_finish_candle(c, close_time, interval_ms, symbol_quark, k_path, "t", "T",
				    &out->error, out->detail))
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
	guint32 obj = 0;
	guint32 member;
	char stream[CW_KLINE_TOPIC_LEN];
	char topic[CW_KLINE_TOPIC_LEN];

	cw_binance_kline_reset(out);
	if (!cw_kline_decoder_scan(self, data, len, CW_KLINE_FRAME_MAX_BYTES, &out->error,
				   out->detail))
		return FALSE;
	if (cw_kline_type(self, 0) != CW_KLINE_TOK_OBJECT)
		return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "expected an object");
	if (cw_kline_find(self, 0, "stream") != CW_KLINE_NONE) {
		if (!cw_kline_string(self, 0, "", "stream", stream, sizeof stream, &out->error,
				     out->detail) ||
		    (member = cw_kline_member(self, 0, "", "data", &out->error, out->detail)) ==
			CW_KLINE_NONE)
			return FALSE;
		if (!cw_binance_kline_decode_event(self, member, "data", out)) {
			out->n_updates = 0;
			return FALSE;
		}
		if (strcmp(stream, out->topic) != 0) {
			g_strlcpy(topic, out->topic, sizeof topic);
			out->kind = CW_KLINE_FRAME_BAD;
			out->n_updates = 0;
			return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_UNKNOWN_TOPIC,
					     "stream: \"%s\" does not match its data (%s)", stream,
					     topic);
		}
		return TRUE;
	}
	if (cw_kline_find(self, 0, "e") != CW_KLINE_NONE)
		return cw_binance_kline_decode_event(self, 0, "", out);
	cw_binance_kline_copy_id(self, 0, out);
	if ((member = cw_kline_find(self, 0, "result")) != CW_KLINE_NONE) {
		out->kind = cw_kline_type(self, member) == CW_KLINE_TOK_NULL
				? CW_KLINE_FRAME_SUBSCRIBED
				: CW_KLINE_FRAME_OTHER;
		return TRUE;
	}
	/* {"code":2,"msg":"Invalid request: ...","id":1} or {"error":{..},"id":1} */
	if ((member = cw_kline_find(self, 0, "error")) != CW_KLINE_NONE &&
	    cw_kline_type(self, member) == CW_KLINE_TOK_OBJECT)
		obj = member;
	if (cw_kline_find(self, obj, "code") != CW_KLINE_NONE) {
		out->kind = CW_KLINE_FRAME_REJECTED;
		member = cw_kline_find(self, obj, "msg");
		if (member != CW_KLINE_NONE)
			cw_kline_text(self, member, out->detail, sizeof out->detail);
		return TRUE;
	}
	return cw_kline_fail(&out->error, out->detail, CW_KLINE_ERROR_WRONG_TYPE,
			     "expected a kline event, a combined stream or a request answer");
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
	guint32 row;
	guint n;
	guint base = out->len;

	error->error = CW_KLINE_ERROR_NONE;
	error->exchange_code = 0;
	error->detail[0] = '\0';
	if (!cw_kline_decoder_scan(self, data, len, G_MAXSIZE, &error->error, error->detail))
		return FALSE;
	if (cw_kline_type(self, 0) == CW_KLINE_TOK_OBJECT) {
		guint32 code = cw_kline_find(self, 0, "code");
		guint32 msg_tok = cw_kline_find(self, 0, "msg");
		char msg[100] = "";

		if (code == CW_KLINE_NONE || !cw_kline_integer(self, code, &error->exchange_code))
			return cw_kline_fail(&error->error, error->detail,
					     CW_KLINE_ERROR_WRONG_TYPE,
					     "expected an array of klines or an error object");
		if (msg_tok != CW_KLINE_NONE)
			cw_kline_text(self, msg_tok, msg, sizeof msg);
		return cw_kline_fail(&error->error, error->detail,
				     error->exchange_code == -1003 ? CW_KLINE_ERROR_RATE_LIMITED
								   : CW_KLINE_ERROR_EXCHANGE,
				     "code %" G_GINT64_FORMAT ": %s", error->exchange_code, msg);
	}
	if (cw_kline_type(self, 0) != CW_KLINE_TOK_ARRAY)
		return cw_kline_fail(&error->error, error->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "expected an array of klines");
	n = self->toks[0].n;
	g_array_set_size(out, base + n);
	row = 1;
	for (guint i = 0; i < n; i++) {
		CwCandle *c = &g_array_index(out, CwCandle, base + i);

		/* [openTime, "o", "h", "l", "c", "v", closeTime, "q", trades, "V", "Q", "0"] */
		if (!cw_kline_decode_row(
			self, row, "", i,
			"[openTime, open, high, low, close, volume, closeTime, ...]", c, error)) {
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
		row = self->toks[row].next;
	}
	return TRUE;
}
