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

	self->cap = 256;
	self->toks = g_new(CwKlineTok, self->cap);
	return self;
}

void
cw_kline_decoder_free(CwKlineDecoder *self)
{
	if (self == NULL)
		return;
	g_free(self->toks);
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

/* The scanner ---------------------------------------------------------------- */

#define CW_KLINE_MAX_DEPTH 64

typedef struct {
	CwKlineDecoder *d;
	const char *s;
	const char *p;
	const char *end;
	CwKlineError *error;
	char *detail;
} CwKlineScanner;

static gboolean
cw_kline_scan_fail(CwKlineScanner *sc, const char *what)
{
	return cw_kline_fail(sc->error, sc->detail, CW_KLINE_ERROR_NOT_JSON,
			     "not JSON: %s at offset %td", what, sc->p - sc->s);
}

static guint32
cw_kline_scan_tok(CwKlineScanner *sc, CwKlineTokType type)
{
	CwKlineDecoder *d = sc->d;
	CwKlineTok *t;

	if (d->n_toks == d->cap) {
		d->cap = MAX(d->cap * 2, 256);
		d->toks = g_renew(CwKlineTok, d->toks, d->cap);
	}
	t = &d->toks[d->n_toks];
	t->type = type;
	t->escaped = FALSE;
	t->integer = FALSE;
	t->start = (guint32) (sc->p - sc->s);
	t->end = t->start;
	t->n = 0;
	t->next = d->n_toks + 1;
	return d->n_toks++;
}

static void
cw_kline_scan_ws(CwKlineScanner *sc)
{
	while (sc->p < sc->end &&
	       (*sc->p == ' ' || *sc->p == '\t' || *sc->p == '\n' || *sc->p == '\r'))
		sc->p++;
}

static gboolean
cw_kline_scan_string(CwKlineScanner *sc)
{
	guint32 tok = cw_kline_scan_tok(sc, CW_KLINE_TOK_STRING);
	const char *p = ++sc->p;

	sc->d->toks[tok].start = (guint32) (p - sc->s);
	while (p < sc->end && *p != '"') {
		guchar c = (guchar) *p;

		if (c < 0x20) {
			sc->p = p;
			return cw_kline_scan_fail(sc, "control character in a string");
		}
		if (c != '\\') {
			p++;
			continue;
		}
		sc->d->toks[tok].escaped = TRUE;
		if (p + 1 < sc->end && strchr("\"\\/bfnrt", p[1]) != NULL && p[1] != '\0') {
			p += 2;
			continue;
		}
		if (p + 5 < sc->end && p[1] == 'u' && g_ascii_isxdigit(p[2]) &&
		    g_ascii_isxdigit(p[3]) && g_ascii_isxdigit(p[4]) && g_ascii_isxdigit(p[5])) {
			p += 6;
			continue;
		}
		sc->p = p;
		return cw_kline_scan_fail(sc, "bad escape");
	}
	sc->p = p;
	if (p >= sc->end)
		return cw_kline_scan_fail(sc, "unterminated string");
	sc->d->toks[tok].end = (guint32) (p - sc->s);
	sc->p++;
	return TRUE;
}

static gboolean
cw_kline_scan_digits(CwKlineScanner *sc)
{
	const char *start = sc->p;

	while (sc->p < sc->end && g_ascii_isdigit(*sc->p))
		sc->p++;
	return sc->p > start;
}

static gboolean
cw_kline_scan_number(CwKlineScanner *sc)
{
	guint32 tok = cw_kline_scan_tok(sc, CW_KLINE_TOK_NUMBER);
	gboolean integer = TRUE;

	if (*sc->p == '-')
		sc->p++;
	if (sc->p < sc->end && *sc->p == '0')
		sc->p++;
	else if (!cw_kline_scan_digits(sc))
		return cw_kline_scan_fail(sc, "bad number");
	if (sc->p < sc->end && *sc->p == '.') {
		sc->p++;
		integer = FALSE;
		if (!cw_kline_scan_digits(sc))
			return cw_kline_scan_fail(sc, "bad number");
	}
	if (sc->p < sc->end && (*sc->p == 'e' || *sc->p == 'E')) {
		sc->p++;
		integer = FALSE;
		if (sc->p < sc->end && (*sc->p == '+' || *sc->p == '-'))
			sc->p++;
		if (!cw_kline_scan_digits(sc))
			return cw_kline_scan_fail(sc, "bad number");
	}
	sc->d->toks[tok].integer = integer;
	sc->d->toks[tok].end = (guint32) (sc->p - sc->s);
	return TRUE;
}

static gboolean
cw_kline_scan_literal(CwKlineScanner *sc, const char *word, CwKlineTokType type)
{
	gsize n = strlen(word);

	if ((gsize) (sc->end - sc->p) < n || memcmp(sc->p, word, n) != 0)
		return cw_kline_scan_fail(sc, "unexpected character");
	cw_kline_scan_tok(sc, type);
	sc->p += n;
	return TRUE;
}

static gboolean cw_kline_scan_value(CwKlineScanner *sc, guint depth);

/* An object or an array: `close` is '}' or ']'. */
static gboolean
cw_kline_scan_container(CwKlineScanner *sc, guint depth, gboolean object)
{
	guint32 tok = cw_kline_scan_tok(sc, object ? CW_KLINE_TOK_OBJECT : CW_KLINE_TOK_ARRAY);
	char close = object ? '}' : ']';
	guint32 n = 0;

	if (depth >= CW_KLINE_MAX_DEPTH)
		return cw_kline_scan_fail(sc, "nested too deep");
	sc->p++;
	cw_kline_scan_ws(sc);
	if (sc->p < sc->end && *sc->p == close) {
		sc->p++;
		sc->d->toks[tok].next = sc->d->n_toks;
		return TRUE;
	}
	for (;;) {
		cw_kline_scan_ws(sc);
		if (object) {
			if (sc->p >= sc->end || *sc->p != '"')
				return cw_kline_scan_fail(sc, "expected a member name");
			if (!cw_kline_scan_string(sc))
				return FALSE;
			cw_kline_scan_ws(sc);
			if (sc->p >= sc->end || *sc->p != ':')
				return cw_kline_scan_fail(sc, "expected ':'");
			sc->p++;
		}
		if (!cw_kline_scan_value(sc, depth + 1))
			return FALSE;
		n++;
		cw_kline_scan_ws(sc);
		if (sc->p < sc->end && *sc->p == ',') {
			sc->p++;
			continue;
		}
		if (sc->p < sc->end && *sc->p == close) {
			sc->p++;
			break;
		}
		return cw_kline_scan_fail(sc,
					  object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
	sc->d->toks[tok].n = n;
	sc->d->toks[tok].next = sc->d->n_toks;
	return TRUE;
}

static gboolean
cw_kline_scan_value(CwKlineScanner *sc, guint depth)
{
	cw_kline_scan_ws(sc);
	if (sc->p >= sc->end)
		return cw_kline_scan_fail(sc, "unexpected end");
	switch (*sc->p) {
	case '{':
		return cw_kline_scan_container(sc, depth, TRUE);
	case '[':
		return cw_kline_scan_container(sc, depth, FALSE);
	case '"':
		return cw_kline_scan_string(sc);
	case 't':
		return cw_kline_scan_literal(sc, "true", CW_KLINE_TOK_TRUE);
	case 'f':
		return cw_kline_scan_literal(sc, "false", CW_KLINE_TOK_FALSE);
	case 'n':
		return cw_kline_scan_literal(sc, "null", CW_KLINE_TOK_NULL);
	default:
		if (*sc->p == '-' || g_ascii_isdigit(*sc->p))
			return cw_kline_scan_number(sc);
		return cw_kline_scan_fail(sc, "unexpected character");
	}
}

/* A strict RFC 8259 scan; replaces a json-glib parse, which costs about 10 µs
 * a frame (docs/benchmarks.md). Once orchestration/config's strict
 * cw_json_parse() lands, the REST page decoders may use either. */
gboolean
cw_kline_decoder_scan(CwKlineDecoder *self, const char *data, gsize len, gsize max,
		      CwKlineError *error, char *detail)
{
	CwKlineScanner sc = {self, data, data, data + len, error, detail};

	self->n_toks = 0;
	self->data = data;
	if (len > max)
		return cw_kline_fail(error, detail, CW_KLINE_ERROR_OVERSIZED,
				     "frame of %" G_GSIZE_FORMAT " bytes, over the %" G_GSIZE_FORMAT
				     " byte limit",
				     len, max);
	if (data == NULL || len == 0)
		return cw_kline_fail(error, detail, CW_KLINE_ERROR_NOT_JSON, "empty frame");
	if (len >= G_MAXUINT32)
		return cw_kline_fail(error, detail, CW_KLINE_ERROR_OVERSIZED,
				     "document over 4 GiB");
	if (memchr(data, '\0', len) != NULL)
		return cw_kline_fail(error, detail, CW_KLINE_ERROR_NOT_JSON,
				     "NUL byte at offset %td",
				     (const char *) memchr(data, '\0', len) - data);
	if (!g_utf8_validate_len(data, len, NULL))
		return cw_kline_fail(error, detail, CW_KLINE_ERROR_NOT_JSON, "not valid UTF-8");
	if (!cw_kline_scan_value(&sc, 0))
		return FALSE;
	cw_kline_scan_ws(&sc);
	if (sc.p != sc.end)
		return cw_kline_scan_fail(&sc, "text after the document");
	return TRUE;
}

/* Fields -------------------------------------------------------------------- */

const char *
cw_kline_type_name(CwKlineDecoder *self, guint32 tok)
{
	switch (cw_kline_type(self, tok)) {
	case CW_KLINE_TOK_OBJECT:
		return "an object";
	case CW_KLINE_TOK_ARRAY:
		return "an array";
	case CW_KLINE_TOK_STRING:
		return "a string";
	case CW_KLINE_TOK_NUMBER:
		return "a number";
	case CW_KLINE_TOK_NULL:
		return "null";
	default:
		return "a boolean";
	}
}

gboolean
cw_kline_text(CwKlineDecoder *self, guint32 tok, char *buf, gsize len)
{
	const CwKlineTok *t = &self->toks[tok];
	const char *p = self->data + t->start;
	const char *end = self->data + t->end;
	gsize o = 0;

	buf[0] = '\0';
	if (t->type != CW_KLINE_TOK_STRING)
		return FALSE;
	if (!t->escaped) {
		gsize n = t->end - t->start;

		gsize copy = MIN(n, len - 1);

		/* Not g_strlcpy(): the frame is not NUL-terminated. */
		memcpy(buf, p, copy);
		buf[copy] = '\0';
		return n < len;
	}
	while (p < end) {
		char one[8];
		gsize n = 1;

		one[0] = *p;
		if (*p == '\\') {
			static const char from[] = "\"\\/bfnrt";
			static const char to[] = "\"\\/\b\f\n\r\t";

			if (p[1] != 'u') {
				one[0] = to[strchr(from, p[1]) - from];
				p += 2;
			} else {
				gunichar c = (gunichar) g_ascii_strtoull(
				    (char[]){p[2], p[3], p[4], p[5], 0}, NULL, 16);

				p += 6;
				if (c >= 0xD800 && c <= 0xDBFF && end - p >= 6 && p[0] == '\\' &&
				    p[1] == 'u') {
					gunichar lo = (gunichar) g_ascii_strtoull(
					    (char[]){p[2], p[3], p[4], p[5], 0}, NULL, 16);

					if (lo >= 0xDC00 && lo <= 0xDFFF) {
						c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
						p += 6;
					}
				}
				if (c == 0 || (c >= 0xD800 && c <= 0xDFFF))
					return FALSE;
				n = (gsize) g_unichar_to_utf8(c, one);
			}
		} else {
			p++;
		}
		if (o + n >= len) {
			buf[o] = '\0';
			return FALSE;
		}
		memcpy(buf + o, one, n);
		o += n;
	}
	buf[o] = '\0';
	return TRUE;
}

guint32
cw_kline_find(CwKlineDecoder *self, guint32 obj, const char *name)
{
	const CwKlineTok *o = &self->toks[obj];
	gsize name_len = strlen(name);
	guint32 key = obj + 1;

	if (o->type != CW_KLINE_TOK_OBJECT)
		return CW_KLINE_NONE;
	for (guint32 i = 0; i < o->n; i++) {
		const CwKlineTok *k = &self->toks[key];
		guint32 value = key + 1;

		if (!k->escaped) {
			if (k->end - k->start == name_len &&
			    memcmp(self->data + k->start, name, name_len) == 0)
				return value;
		} else {
			char buf[64];

			if (cw_kline_text(self, key, buf, sizeof buf) && strcmp(buf, name) == 0)
				return value;
		}
		key = self->toks[value].next;
	}
	return CW_KLINE_NONE;
}

guint32
cw_kline_element(CwKlineDecoder *self, guint32 arr, guint32 i)
{
	guint32 tok = arr + 1;

	while (i-- > 0)
		tok = self->toks[tok].next;
	return tok;
}

guint32
cw_kline_member(CwKlineDecoder *self, guint32 obj, const char *path, const char *name,
		CwKlineError *error, char *detail)
{
	guint32 tok = cw_kline_find(self, obj, name);

	if (tok == CW_KLINE_NONE)
		cw_kline_fail(error, detail, CW_KLINE_ERROR_WRONG_TYPE, "%s%s%s: missing", path,
			      *path != '\0' ? "." : "", name);
	return tok;
}

gboolean
cw_kline_string(CwKlineDecoder *self, guint32 obj, const char *path, const char *name, char *buf,
		gsize len, CwKlineError *error, char *detail)
{
	guint32 tok = cw_kline_member(self, obj, path, name, error, detail);

	if (tok == CW_KLINE_NONE)
		return FALSE;
	if (cw_kline_type(self, tok) != CW_KLINE_TOK_STRING)
		return cw_kline_fail(error, detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "%s%s%s: expected a string, got %s", path,
				     *path != '\0' ? "." : "", name, cw_kline_type_name(self, tok));
	if (!cw_kline_text(self, tok, buf, len))
		return cw_kline_fail(error, detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "%s%s%s: longer than %" G_GSIZE_FORMAT " bytes", path,
				     *path != '\0' ? "." : "", name, len - 1);
	return TRUE;
}

gboolean
cw_kline_bool(CwKlineDecoder *self, guint32 obj, const char *path, const char *name, gboolean *out,
	      CwKlineError *error, char *detail)
{
	guint32 tok = cw_kline_member(self, obj, path, name, error, detail);

	if (tok == CW_KLINE_NONE)
		return FALSE;
	if (cw_kline_type(self, tok) != CW_KLINE_TOK_TRUE &&
	    cw_kline_type(self, tok) != CW_KLINE_TOK_FALSE)
		return cw_kline_fail(error, detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "%s%s%s: expected a boolean, got %s", path,
				     *path != '\0' ? "." : "", name, cw_kline_type_name(self, tok));
	*out = cw_kline_type(self, tok) == CW_KLINE_TOK_TRUE;
	return TRUE;
}

static const double cw_kline_pow10[] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* Strict decimal: [-+]digits[.digits][e[-+]digits] or .digits; nothing else.
 * Plain decimals whose digits fit in 53 bits are exact (one correctly
 * rounded division); the rest go through g_ascii_strtod. */
static gboolean
cw_kline_parse_decimal(const char *s, double *out)
{
	const char *p = s;
	gboolean neg = FALSE;
	gboolean digits = FALSE;
	gboolean exact = TRUE;
	guint64 mant = 0;
	guint n_frac = 0;
	char *end = NULL;
	double v;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	/* the analyzer cannot follow the token bytes memcpy()ed into s by
	 * cw_kline_text(); s is always NUL-terminated there */
	/* NOLINTNEXTLINE(clang-analyzer-core.uninitialized.ArraySubscript) */
	for (; g_ascii_isdigit(*p); p++) {
		digits = TRUE;
		exact = exact && mant < (G_GUINT64_CONSTANT(1) << 53) / 10;
		mant = mant * 10 + (guint64) (*p - '0');
	}
	if (*p == '.') {
		for (p++; g_ascii_isdigit(*p); p++) {
			digits = TRUE;
			exact = exact && mant < (G_GUINT64_CONSTANT(1) << 53) / 10;
			mant = mant * 10 + (guint64) (*p - '0');
			n_frac++;
		}
	}
	if (!digits)
		return FALSE;
	if (*p == '\0' && exact && n_frac < G_N_ELEMENTS(cw_kline_pow10)) {
		v = (double) mant / cw_kline_pow10[n_frac];
		*out = neg ? -v : v;
		return TRUE;
	}
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

#define CW_KLINE_PATH(path, name) path, *(path) != '\0' && *(name) != '\0' ? "." : "", name

gboolean
cw_kline_number(CwKlineDecoder *self, guint32 tok, const char *path, const char *name, double *out,
		CwKlineError *error, char *detail)
{
	const CwKlineTok *t = &self->toks[tok];
	char buf[64];

	if (t->type == CW_KLINE_TOK_STRING) {
		if (cw_kline_text(self, tok, buf, sizeof buf) && cw_kline_parse_decimal(buf, out))
			return TRUE;
		return cw_kline_fail(error, detail, CW_KLINE_ERROR_BAD_NUMBER,
				     "%s%s%s: expected a number, got \"%.40s\"",
				     CW_KLINE_PATH(path, name), buf);
	}
	if (t->type == CW_KLINE_TOK_NUMBER) {
		gsize n = t->end - t->start;

		if (n < sizeof buf) {
			memcpy(buf, self->data + t->start, n);
			buf[n] = '\0';
			if (cw_kline_parse_decimal(buf, out))
				return TRUE;
		}
		return cw_kline_fail(error, detail, CW_KLINE_ERROR_BAD_NUMBER,
				     "%s%s%s: not a finite number", CW_KLINE_PATH(path, name));
	}
	return cw_kline_fail(error, detail, CW_KLINE_ERROR_WRONG_TYPE,
			     "%s%s%s: expected a number, got %s", CW_KLINE_PATH(path, name),
			     cw_kline_type_name(self, tok));
}

gboolean
cw_kline_integer(CwKlineDecoder *self, guint32 tok, gint64 *out)
{
	const CwKlineTok *t = &self->toks[tok];
	const char *p = self->data + t->start;
	const char *end = self->data + t->end;
	gboolean neg = FALSE;
	gint64 v = 0;

	if (t->type != CW_KLINE_TOK_NUMBER || !t->integer)
		return FALSE;
	if (*p == '-') {
		neg = TRUE;
		p++;
	}
	if (end - p > 18)
		return FALSE;
	for (; p < end; p++)
		v = v * 10 + (*p - '0');
	*out = neg ? -v : v;
	return TRUE;
}

gboolean
cw_kline_time(CwKlineDecoder *self, guint32 tok, const char *path, const char *name, gint64 *out,
	      CwKlineError *error, char *detail)
{
	const CwKlineTok *t = &self->toks[tok];

	if (t->type == CW_KLINE_TOK_NUMBER && t->integer) {
		if (cw_kline_integer(self, tok, out) && *out >= 0)
			return TRUE;
		return cw_kline_fail(error, detail, CW_KLINE_ERROR_BAD_NUMBER,
				     "%s%s%s: expected a time >= 0 in ms, got %.*s",
				     CW_KLINE_PATH(path, name), (int) MIN(t->end - t->start, 40),
				     self->data + t->start);
	}
	if (t->type == CW_KLINE_TOK_STRING) {
		char buf[24] = "";
		gint64 v = 0;
		guint n = 0;

		if (cw_kline_text(self, tok, buf, sizeof buf)) {
			for (; n < 18 && g_ascii_isdigit(buf[n]); n++)
				v = v * 10 + (buf[n] - '0');
			if (n > 0 && buf[n] == '\0') {
				*out = v;
				return TRUE;
			}
		}
		return cw_kline_fail(error, detail, CW_KLINE_ERROR_BAD_NUMBER,
				     "%s%s%s: expected a time in ms, got \"%s\"",
				     CW_KLINE_PATH(path, name), buf);
	}
	return cw_kline_fail(error, detail, CW_KLINE_ERROR_WRONG_TYPE,
			     "%s%s%s: expected an integer time, got %s", CW_KLINE_PATH(path, name),
			     cw_kline_type_name(self, tok));
}

/**
 * cw_kline_finish_candle:
 * @c: a candle with its open time, prices and volume read
 * @close_time: the exchange's last millisecond of it (Bybit "end", Binance "T")
 * @interval_ms: the interval's length; 0 (a month) takes it from the times
 * @path: where the candle is, for messages ("data[0]", "k")
 * @open_name: (nullable): the open time's member name ("start", "t")
 * @close_name: (nullable): the close time's member name ("end", "T")
 *
 * The checks every kline frame's candle takes, in one place for both
 * exchanges: the close time not before the open time, then
 * cw_kline_check_candle(). Sets interval_ms and symbol.
 *
 * Returns: FALSE with error and detail set when the candle is refused
 */
gboolean
cw_kline_finish_candle(CwCandle *c, gint64 close_time, gint64 interval_ms, GQuark symbol,
		       const char *path, const char *open_name, const char *close_name,
		       CwKlineError *error, char *detail)
{
	if (G_UNLIKELY(close_time < c->open_time))
		return cw_kline_fail(error, detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "%s.%s: %" G_GINT64_FORMAT " is before %s %" G_GINT64_FORMAT,
				     path, close_name, close_time, open_name, c->open_time);
	c->interval_ms = interval_ms > 0 ? interval_ms : close_time - c->open_time + 1;
	c->symbol = symbol;
	return cw_kline_check_candle(c, path, error, detail);
}

/**
 * cw_kline_decode_row:
 * @row: the row's array token
 * @prefix: the rows' JSON path ("result.list" for Bybit, "" for Binance)
 * @index: the row's index
 * @shape: the row's columns for the message ("[startTime, open, ...]")
 * @c: (out caller-allocates): open time, prices and volume
 *
 * A REST page row [openTime, open, high, low, close, volume, ...] of
 * either exchange, checked with cw_kline_check_candle().
 *
 * Returns: FALSE with error set when the row is refused
 */
gboolean
cw_kline_decode_row(CwKlineDecoder *self, guint32 row, const char *prefix, guint index,
		    const char *shape, CwCandle *c, CwKlinePageError *error)
{
	double *fields[] = {&c->open, &c->high, &c->low, &c->close, &c->volume};
	char path[48];
	guint32 tok;

	g_snprintf(path, sizeof path, "%s[%u]", prefix, index);
	if (cw_kline_type(self, row) != CW_KLINE_TOK_ARRAY || self->toks[row].n < 6)
		return cw_kline_fail(&error->error, error->detail, CW_KLINE_ERROR_WRONG_TYPE,
				     "%s: expected an array %s", path, shape);
	tok = row + 1;
	g_snprintf(path, sizeof path, "%s[%u][0]", prefix, index);
	if (!cw_kline_time(self, tok, path, "", &c->open_time, &error->error, error->detail))
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
		tok = self->toks[tok].next;
		g_snprintf(path, sizeof path, "%s[%u][%u]", prefix, index, i + 1);
		if (!cw_kline_number(self, tok, path, "", fields[i], &error->error, error->detail))
			return FALSE;
	}
	g_snprintf(path, sizeof path, "%s[%u]", prefix, index);
	return cw_kline_check_candle(c, path, &error->error, error->detail);
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
