/* Shared pieces of the kline decoders: the decoder's parse state, error
 * names, interval tables and strict field readers. */

#include "cw-kline-frame-private.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

static const char *const cw_kline_error_names[CW_KLINE_N_ERRORS] = {
    [CW_KLINE_ERROR_NONE] = "none",
    [CW_KLINE_ERROR_NOT_JSON] = "not_json",
    [CW_KLINE_ERROR_WRONG_TYPE] = "wrong_type",
    [CW_KLINE_ERROR_BAD_NUMBER] = "bad_number",
    [CW_KLINE_ERROR_BAD_PRICE] = "bad_price",
    [CW_KLINE_ERROR_HIGH_BELOW_LOW] = "high_below_low",
    [CW_KLINE_ERROR_NEGATIVE_VOLUME] = "negative_volume",
    [CW_KLINE_ERROR_UNKNOWN_TOPIC] = "unknown_topic",
    [CW_KLINE_ERROR_OVERSIZED] = "oversized",
    [CW_KLINE_ERROR_BINARY] = "binary",
    [CW_KLINE_ERROR_TOO_MANY] = "too_many",
    [CW_KLINE_ERROR_EXCHANGE] = "exchange",
    [CW_KLINE_ERROR_RATE_LIMITED] = "rate_limited",
};

const char *
cw_kline_error_to_string(CwKlineError error)
{
	if ((guint) error >= CW_KLINE_N_ERRORS)
		return "unknown";
	return cw_kline_error_names[error];
}

CwKlineError
cw_kline_error_from_string(const char *name)
{
	for (guint i = 1; name != NULL && i < CW_KLINE_N_ERRORS; i++) {
		if (g_strcmp0(name, cw_kline_error_names[i]) == 0)
			return (CwKlineError) i;
	}
	return CW_KLINE_ERROR_NONE;
}

/* Intervals ---------------------------------------------------------------- */

#define CW_MIN (60 * (gint64) 1000)
#define CW_DAY (1440 * CW_MIN)

static const struct {
	const char *name;
	gint64 ms;
} cw_kline_bybit_intervals[] =
    {
	{"1", CW_MIN},         {"3", 3 * CW_MIN},     {"5", 5 * CW_MIN},     {"15", 15 * CW_MIN},
	{"30", 30 * CW_MIN},   {"60", 60 * CW_MIN},   {"120", 120 * CW_MIN}, {"240", 240 * CW_MIN},
	{"360", 360 * CW_MIN}, {"720", 720 * CW_MIN}, {"D", CW_DAY},         {"W", 7 * CW_DAY},
},
  cw_kline_binance_intervals[] = {
      {"1s", 1000},         {"1m", CW_MIN},       {"3m", 3 * CW_MIN},   {"5m", 5 * CW_MIN},
      {"15m", 15 * CW_MIN}, {"30m", 30 * CW_MIN}, {"1h", 60 * CW_MIN},  {"2h", 120 * CW_MIN},
      {"4h", 240 * CW_MIN}, {"6h", 360 * CW_MIN}, {"8h", 480 * CW_MIN}, {"12h", 720 * CW_MIN},
      {"1d", CW_DAY},       {"3d", 3 * CW_DAY},   {"1w", 7 * CW_DAY},
};

gint64
cw_kline_bybit_interval_ms(const char *name, gboolean *monthly)
{
	if (monthly != NULL)
		*monthly = g_strcmp0(name, "M") == 0;
	for (guint i = 0; name != NULL && i < G_N_ELEMENTS(cw_kline_bybit_intervals); i++) {
		if (strcmp(name, cw_kline_bybit_intervals[i].name) == 0)
			return cw_kline_bybit_intervals[i].ms;
	}
	return 0;
}

const char *
cw_kline_bybit_interval_name(gint64 interval_ms)
{
	for (guint i = 0; i < G_N_ELEMENTS(cw_kline_bybit_intervals); i++) {
		if (cw_kline_bybit_intervals[i].ms == interval_ms)
			return cw_kline_bybit_intervals[i].name;
	}
	return NULL;
}

gint64
cw_kline_binance_interval_ms(const char *name, gboolean *monthly)
{
	if (monthly != NULL)
		*monthly = g_strcmp0(name, "1M") == 0;
	for (guint i = 0; name != NULL && i < G_N_ELEMENTS(cw_kline_binance_intervals); i++) {
		if (strcmp(name, cw_kline_binance_intervals[i].name) == 0)
			return cw_kline_binance_intervals[i].ms;
	}
	return 0;
}

const char *
cw_kline_binance_interval_name(gint64 interval_ms)
{
	for (guint i = 0; i < G_N_ELEMENTS(cw_kline_binance_intervals); i++) {
		if (cw_kline_binance_intervals[i].ms == interval_ms)
			return cw_kline_binance_intervals[i].name;
	}
	return NULL;
}

/* The decoder --------------------------------------------------------------- */

/**
 * cw_kline_decoder_new:
 *
 * Returns: (transfer full): a decoder; use it from one thread at a time.
 */
CwKlineDecoder *
cw_kline_decoder_new(void)
{
	CwKlineDecoder *self = g_new0(CwKlineDecoder, 1);

	/* An immutable parser builds no JsonObject hash tables' copies and
	 * never lets the tree be changed under the readers. */
	self->parser = json_parser_new_immutable();
	return self;
}

void
cw_kline_decoder_free(CwKlineDecoder *self)
{
	if (self == NULL)
		return;
	g_clear_object(&self->parser);
	g_free(self);
}

gboolean
cw_kline_fail(CwKlineError *error, char *detail, CwKlineError kind, const char *format, ...)
{
	va_list args;

	*error = kind;
	va_start(args, format);
	g_vsnprintf(detail, CW_KLINE_DETAIL_LEN, format, args);
	va_end(args);
	return FALSE;
}

/* The JSON parse; the strict project entry cw_json_parse() (orchestration/config)
 * replaces json_parser_load_from_data() here once it lands. */
JsonNode *
cw_kline_decoder_parse(CwKlineDecoder *self, const char *data, gsize len, gsize max,
		       CwKlineError *error, char *detail)
{
	g_autoptr(GError) parse_error = NULL;
	JsonNode *root;

	if (len > max) {
		cw_kline_fail(error, detail, CW_KLINE_ERROR_OVERSIZED,
			      "frame of %" G_GSIZE_FORMAT " bytes, over the %" G_GSIZE_FORMAT
			      " byte limit",
			      len, max);
		return NULL;
	}
	if (data == NULL || len == 0) {
		cw_kline_fail(error, detail, CW_KLINE_ERROR_NOT_JSON, "empty frame");
		return NULL;
	}
	if (memchr(data, '\0', len) != NULL) {
		cw_kline_fail(error, detail, CW_KLINE_ERROR_NOT_JSON, "NUL byte at offset %td",
			      (const char *) memchr(data, '\0', len) - data);
		return NULL;
	}
	if (!g_utf8_validate_len(data, len, NULL)) {
		cw_kline_fail(error, detail, CW_KLINE_ERROR_NOT_JSON, "not valid UTF-8");
		return NULL;
	}
	if (!json_parser_load_from_data(self->parser, data, (gssize) len, &parse_error)) {
		cw_kline_fail(error, detail, CW_KLINE_ERROR_NOT_JSON, "not JSON: %s",
			      parse_error->message);
		return NULL;
	}
	root = json_parser_get_root(self->parser);
	if (root == NULL) {
		cw_kline_fail(error, detail, CW_KLINE_ERROR_NOT_JSON, "empty document");
		return NULL;
	}
	return root;
}

/* Fields -------------------------------------------------------------------- */

static const char *
cw_kline_type_name(JsonNode *node)
{
	if (JSON_NODE_HOLDS_OBJECT(node))
		return "an object";
	if (JSON_NODE_HOLDS_ARRAY(node))
		return "an array";
	if (JSON_NODE_HOLDS_NULL(node))
		return "null";
	switch (json_node_get_value_type(node)) {
	case G_TYPE_STRING:
		return "a string";
	case G_TYPE_BOOLEAN:
		return "a boolean";
	default:
		return "a number";
	}
}

JsonNode *
cw_kline_member(JsonObject *object, const char *path, const char *name, CwKlineError *error,
		char *detail)
{
	JsonNode *node = json_object_get_member(object, name);

	if (node == NULL)
		cw_kline_fail(error, detail, CW_KLINE_ERROR_WRONG_TYPE, "%s%s%s: missing", path,
			      *path != '\0' ? "." : "", name);
	return node;
}

const char *
cw_kline_string(JsonObject *object, const char *path, const char *name, CwKlineError *error,
		char *detail)
{
	JsonNode *node = cw_kline_member(object, path, name, error, detail);

	if (node == NULL)
		return NULL;
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING) {
		cw_kline_fail(error, detail, CW_KLINE_ERROR_WRONG_TYPE,
			      "%s%s%s: expected a string, got %s", path, *path != '\0' ? "." : "",
			      name, cw_kline_type_name(node));
		return NULL;
	}
	return json_node_get_string(node);
}

gboolean
cw_kline_bool(JsonObject *object, const char *path, const char *name, gboolean *out,
	      CwKlineError *error, char *detail)
{
	JsonNode *node = cw_kline_member(object, path, name, error, detail);

	if (node == NULL)
		return FALSE;
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN)
		return cw_kline_fail(error, detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "%s%s%s: expected a boolean, got %s", path,
				     *path != '\0' ? "." : "", name, cw_kline_type_name(node));
	*out = json_node_get_boolean(node);
	return TRUE;
}

/* Strict decimal: [-+]digits[.digits][e[-+]digits] or .digits; nothing else. */
static gboolean
cw_kline_parse_decimal(const char *s, double *out)
{
	const char *p = s;
	gboolean digits = FALSE;
	char *end = NULL;
	double v;

	if (*p == '-' || *p == '+')
		p++;
	for (; g_ascii_isdigit(*p); p++)
		digits = TRUE;
	if (*p == '.') {
		for (p++; g_ascii_isdigit(*p); p++)
			digits = TRUE;
	}
	if (!digits)
		return FALSE;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!g_ascii_isdigit(*p))
			return FALSE;
		while (g_ascii_isdigit(*p))
			p++;
	}
	if (*p != '\0')
		return FALSE;
	v = g_ascii_strtod(s, &end);
	if (end == s || *end != '\0' || !isfinite(v))
		return FALSE;
	*out = v;
	return TRUE;
}

gboolean
cw_kline_number(JsonNode *node, const char *path, double *out, CwKlineError *error, char *detail)
{
	if (JSON_NODE_HOLDS_VALUE(node)) {
		switch (json_node_get_value_type(node)) {
		case G_TYPE_STRING:
			if (cw_kline_parse_decimal(json_node_get_string(node), out))
				return TRUE;
			return cw_kline_fail(error, detail, CW_KLINE_ERROR_BAD_NUMBER,
					     "%s: expected a number, got \"%.40s\"", path,
					     json_node_get_string(node));
		case G_TYPE_INT64:
			*out = (double) json_node_get_int(node);
			return TRUE;
		case G_TYPE_DOUBLE:
			*out = json_node_get_double(node);
			if (isfinite(*out))
				return TRUE;
			return cw_kline_fail(error, detail, CW_KLINE_ERROR_BAD_NUMBER,
					     "%s: not a finite number", path);
		default:
			break;
		}
	}
	return cw_kline_fail(error, detail, CW_KLINE_ERROR_WRONG_TYPE,
			     "%s: expected a number, got %s", path, cw_kline_type_name(node));
}

gboolean
cw_kline_time(JsonNode *node, const char *path, gint64 *out, CwKlineError *error, char *detail)
{
	if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_INT64) {
		*out = json_node_get_int(node);
		if (*out >= 0)
			return TRUE;
		return cw_kline_fail(error, detail, CW_KLINE_ERROR_BAD_NUMBER,
				     "%s: expected a time >= 0, got %" G_GINT64_FORMAT, path, *out);
	}
	if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING) {
		const char *s = json_node_get_string(node);
		gint64 v = 0;
		guint n = 0;

		for (; g_ascii_isdigit(s[n]) && n < 18; n++)
			v = v * 10 + (s[n] - '0');
		if (n > 0 && s[n] == '\0') {
			*out = v;
			return TRUE;
		}
		return cw_kline_fail(error, detail, CW_KLINE_ERROR_BAD_NUMBER,
				     "%s: expected a time in ms, got \"%.40s\"", path, s);
	}
	return cw_kline_fail(error, detail, CW_KLINE_ERROR_WRONG_TYPE,
			     "%s: expected an integer time, got %s", path,
			     cw_kline_type_name(node));
}

gboolean
cw_kline_check_candle(const CwCandle *c, const char *path, CwKlineError *error, char *detail)
{
	if (!(c->open > 0) || !(c->high > 0) || !(c->low > 0) || !(c->close > 0))
		return cw_kline_fail(error, detail, CW_KLINE_ERROR_BAD_PRICE,
				     "%s: prices must be > 0 (o %g h %g l %g c %g)", path, c->open,
				     c->high, c->low, c->close);
	if (c->volume < 0)
		return cw_kline_fail(error, detail, CW_KLINE_ERROR_NEGATIVE_VOLUME,
				     "%s: volume %g is negative", path, c->volume);
	if (c->high < c->low)
		return cw_kline_fail(error, detail, CW_KLINE_ERROR_HIGH_BELOW_LOW,
				     "%s: high %g is below low %g", path, c->high, c->low);
	if (c->high < c->open || c->high < c->close || c->low > c->open || c->low > c->close)
		return cw_kline_fail(error, detail, CW_KLINE_ERROR_HIGH_BELOW_LOW,
				     "%s: open %g / close %g outside low %g .. high %g", path,
				     c->open, c->close, c->low, c->high);
	return TRUE;
}
