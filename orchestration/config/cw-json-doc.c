/* The strict JSON entry of candlewick (the rules are in cw-json.h).
 *
 * A scanner checks the text before json-glib parses it: one pass, no
 * recursion and no allocation, with a fixed stack of CW_JSON_MAX_DEPTH
 * levels that also gives the JSON path of an error. json-glib keeps one
 * member per key, so a tree with fewer members than the scanner counted
 * had a key twice; only then a second pass with a key set per object finds
 * the first duplicate and where it is. */
#include "cw-config-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CW_JSON_MAX_NUMBER_LEN 1024 /* longer numbers that need strtod are refused */
#define CW_JSON_QUOTE_LEN      40   /* bytes of a token shown in a message */
#define CW_JSON_KEY_SHOWN      64   /* characters of a key shown in a path */
#define CW_JSON_PATH_SHOWN     96   /* characters of a path shown in a message */

typedef struct {
	char kind;        /* '[' or '{' */
	gboolean has_key; /* key names the member being read */
	guint index;      /* element being read, arrays */
	const char *key;  /* raw text between the quotes */
	gsize key_len;
	GHashTable *keys; /* decoded key -> first line; duplicate search only */
} CwJsonLevel;

typedef struct {
	const char *p;
	const char *end;
	const char *line_start;
	guint line;
	guint depth;
	guint64 members; /* object members in the text */
	gboolean find_duplicates;
	const char *source;
	GError **error;
	CwJsonLevel stack[CW_JSON_MAX_DEPTH];
} CwJsonScan;

static void
cw_json_scan_init(CwJsonScan *s, const char *data, gsize len, const char *source,
		  gboolean find_duplicates, GError **error)
{
	s->p = data;
	s->end = data + len;
	s->line_start = data;
	s->line = 1;
	s->depth = 0;
	s->members = 0;
	s->find_duplicates = find_duplicates;
	s->source = source;
	s->error = error;
}

static void
cw_json_scan_pop(CwJsonScan *s)
{
	CwJsonLevel *level = &s->stack[--s->depth];

	g_clear_pointer(&level->keys, g_hash_table_destroy);
}

static void
cw_json_scan_clear(CwJsonScan *s)
{
	while (s->depth > 0)
		cw_json_scan_pop(s);
}

/* Messages --------------------------------------------------------------- */

static int
cw_json_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at p (before end) into *out. */
static gboolean
cw_json_hex4(const char *p, const char *end, gunichar *out)
{
	gunichar v = 0;

	if (end - p < 4)
		return FALSE;
	for (int i = 0; i < 4; i++) {
		int d = cw_json_hex(p[i]);

		if (d < 0)
			return FALSE;
		v = v << 4 | (gunichar) d;
	}
	*out = v;
	return TRUE;
}

/* Appends a string body that the scanner accepted, escapes decoded. */
static void
cw_json_decode(const char *raw, gsize len, GString *out)
{
	const char *p = raw;
	const char *end = raw + len;

	while (p < end) {
		gunichar cp, lo;

		if (*p != '\\') {
			g_string_append_c(out, *p++);
			continue;
		}
		switch (p[1]) {
		case 'b':
			g_string_append_c(out, '\b');
			break;
		case 'f':
			g_string_append_c(out, '\f');
			break;
		case 'n':
			g_string_append_c(out, '\n');
			break;
		case 'r':
			g_string_append_c(out, '\r');
			break;
		case 't':
			g_string_append_c(out, '\t');
			break;
		case 'u':
			cw_json_hex4(p + 2, end, &cp);
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				cw_json_hex4(p + 8, end, &lo);
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				p += 6;
			}
			g_string_append_unichar(out, cp);
			p += 4;
			break;
		default: /* " \ / */
			g_string_append_c(out, p[1]);
			break;
		}
		p += 2;
	}
}

/* A key as a path shows it: decoded, control characters as '?', long keys cut. */
static char *
cw_json_key_shown(const char *raw, gsize len)
{
	g_autoptr(GString) key = g_string_new(NULL);

	cw_json_decode(raw, len, key);
	for (gsize i = 0; i < key->len; i++) {
		if ((guchar) key->str[i] < 0x20 || key->str[i] == 0x7f)
			key->str[i] = '?';
	}
	if (g_utf8_strlen(key->str, -1) > CW_JSON_KEY_SHOWN) {
		const char *cut = g_utf8_offset_to_pointer(key->str, CW_JSON_KEY_SHOWN);

		g_string_truncate(key, (gsize) (cut - key->str));
		g_string_append(key, "...");
	}
	return g_string_free(g_steal_pointer(&key), FALSE);
}

/* "strategy.analyzers[2].weight" for where the scanner is; "" at the top.
 * A long path keeps its first and last steps: "[0][0][0]...[0][0][0]". */
static char *
cw_json_scan_path(const CwJsonScan *s)
{
	g_autoptr(GPtrArray) steps = g_ptr_array_new_with_free_func(g_free);
	GString *path = g_string_new(NULL);
	glong total = 0, head = 0, tail = 0;
	guint n_head = 0, n_tail = 0;
	gboolean cut;

	for (guint i = 0; i < s->depth; i++) {
		const CwJsonLevel *level = &s->stack[i];
		char *step = NULL;

		if (level->kind == '[') {
			step = g_strdup_printf("[%u]", level->index);
		} else if (level->has_key) {
			g_autofree char *key = cw_json_key_shown(level->key, level->key_len);

			step = g_strconcat(".", key, NULL);
		}
		if (step == NULL)
			continue;
		total += g_utf8_strlen(step, -1) + 1;
		g_ptr_array_add(steps, step);
	}
	cut = total > CW_JSON_PATH_SHOWN;
	if (cut) {
		while (n_head < steps->len &&
		       (n_head == 0 ||
			head + g_utf8_strlen(steps->pdata[n_head], -1) <= CW_JSON_PATH_SHOWN / 2))
			head += g_utf8_strlen(steps->pdata[n_head++], -1) + 1;
		while (n_head + n_tail < steps->len &&
		       (n_tail == 0 ||
			tail + g_utf8_strlen(steps->pdata[steps->len - 1 - n_tail], -1) <=
			    CW_JSON_PATH_SHOWN / 2))
			tail += g_utf8_strlen(steps->pdata[steps->len - 1 - n_tail++], -1) + 1;
	}
	for (guint i = 0; i < steps->len; i++) {
		const char *step = steps->pdata[i];
		gboolean after_cut =
		    cut && n_head + n_tail < steps->len && i == steps->len - n_tail;

		if (cut && i >= n_head && i < steps->len - n_tail)
			continue;
		if (after_cut)
			g_string_append(path, "...");
		/* ".key" steps lose their dot at the start and after the cut */
		if (step[0] == '.' && (path->len == 0 || after_cut))
			step++;
		g_string_append(path, step);
	}
	return g_string_free(path, FALSE);
}

static gboolean
cw_json_is_token_char(char c)
{
	return c > 0x20 && c < 0x7f && strchr(",:[]{}\"", c) == NULL;
}

/* The printable token at at, for a message: 0x10, NaN, tru. */
static char *
cw_json_quote_token(const CwJsonScan *s, const char *at)
{
	const char *q = at;

	while (q < s->end && q - at < CW_JSON_QUOTE_LEN && cw_json_is_token_char(*q))
		q++;
	return g_strdup_printf("'%.*s%s'", (int) (q - at), at,
			       q < s->end && cw_json_is_token_char(*q) ? "..." : "");
}

/* What is at at, for "expected X, got Y". */
static char *
cw_json_describe(const CwJsonScan *s, const char *at)
{
	if (at >= s->end)
		return g_strdup("the end of the document");
	if (*at == '\0')
		return g_strdup("a NUL byte");
	if (g_ascii_isalnum(*at) || *at == '+' || *at == '-' || *at == '.')
		return cw_json_quote_token(s, at);
	if (*at > 0x20 && *at < 0x7f)
		return g_strdup_printf("'%c'", *at);
	return g_strdup_printf("byte 0x%02X", (guchar) *at);
}

/* "SOURCE: what" */
static void
cw_json_fail_plain(const char *source, GError **error, const char *what)
{
	if (source != NULL)
		g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_PARSE, "%s: %s", source, what);
	else
		g_set_error_literal(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_PARSE, what);
}

static gboolean cw_json_fail(CwJsonScan *s, const char *at, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

/* "SOURCE:LINE:COLUMN: PATH: what" for the byte at at (on the current line;
 * no token spans lines). The column counts characters. Returns FALSE. */
static gboolean
cw_json_fail(CwJsonScan *s, const char *at, const char *format, ...)
{
	g_autofree char *path = cw_json_scan_path(s);
	g_autofree char *what = NULL;
	GString *msg = g_string_new(NULL);
	guint column = 1;
	va_list args;

	va_start(args, format);
	what = g_strdup_vprintf(format, args);
	va_end(args);
	for (const char *q = s->line_start; q < at && q < s->end; q++) {
		if (((guchar) *q & 0xC0) != 0x80)
			column++;
	}
	if (s->source != NULL)
		g_string_append_printf(msg, "%s:", s->source);
	g_string_append_printf(msg, "%u:%u: ", s->line, column);
	if (path[0] != '\0')
		g_string_append_printf(msg, "%s: ", path);
	g_string_append(msg, what);
	g_set_error_literal(s->error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_PARSE, msg->str);
	g_string_free(msg, TRUE);
	return FALSE;
}

/* Tokens ----------------------------------------------------------------- */

static void
cw_json_skip_ws(CwJsonScan *s)
{
	while (s->p < s->end) {
		char c = *s->p;

		if (c == ' ' || c == '\t' || c == '\r') {
			s->p++;
		} else if (c == '\n') {
			s->p++;
			s->line++;
			s->line_start = s->p;
		} else {
			return;
		}
	}
}

/* After a scalar: the end, white space or a structural character. */
static gboolean
cw_json_is_delimiter(const CwJsonScan *s, const char *q)
{
	return q >= s->end || *q == ' ' || *q == '\t' || *q == '\r' || *q == '\n' || *q == ',' ||
	       *q == ']' || *q == '}';
}

/* Length of the UTF-8 sequence at q, 0 when it is not valid UTF-8
 * (overlong forms, surrogates and code points above U+10FFFF are not). */
static gsize
cw_json_utf8_len(const char *q, const char *end)
{
	guchar b = (guchar) q[0];
	guchar lo = 0x80, hi = 0xBF;
	gsize n;

	if (b >= 0xC2 && b <= 0xDF)
		n = 2;
	else if (b >= 0xE0 && b <= 0xEF)
		n = 3;
	else if (b >= 0xF0 && b <= 0xF4)
		n = 4;
	else
		return 0;
	if (b == 0xE0)
		lo = 0xA0;
	else if (b == 0xED)
		hi = 0x9F;
	else if (b == 0xF0)
		lo = 0x90;
	else if (b == 0xF4)
		hi = 0x8F;
	if ((gsize) (end - q) < n || (guchar) q[1] < lo || (guchar) q[1] > hi)
		return 0;
	for (gsize i = 2; i < n; i++) {
		if (((guchar) q[i] & 0xC0) != 0x80)
			return 0;
	}
	return n;
}

/* A \u escape at q (the backslash); *len is how many bytes it takes. */
static gboolean
cw_json_scan_unicode_escape(CwJsonScan *s, const char *q, gsize *len)
{
	gunichar cp, lo;

	if (!cw_json_hex4(q + 2, s->end, &cp))
		return cw_json_fail(s, q, "invalid \\u escape: expected 4 hex digits");
	if (cp == 0)
		return cw_json_fail(s, q, "\\u0000 (NUL) is not allowed in a string");
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return cw_json_fail(s, q, "unpaired surrogate \\u%04X in a string", cp);
	*len = 6;
	if (cp < 0xD800 || cp > 0xDBFF)
		return TRUE;
	if (s->end - q < 12 || q[6] != '\\' || q[7] != 'u' || !cw_json_hex4(q + 8, s->end, &lo) ||
	    lo < 0xDC00 || lo > 0xDFFF)
		return cw_json_fail(s, q, "unpaired surrogate \\u%04X in a string", cp);
	*len = 12;
	return TRUE;
}

/* A string at s->p (its opening quote); s->p ends after the closing one. */
static gboolean
cw_json_scan_string(CwJsonScan *s)
{
	const char *q = s->p + 1;

	for (;;) {
		guchar c;
		gsize n;

		while (q < s->end && (guchar) *q >= 0x20 && (guchar) *q < 0x80 && *q != '"' &&
		       *q != '\\')
			q++;
		if (q >= s->end)
			return cw_json_fail(s, s->p, "unterminated string");
		c = (guchar) *q;
		if (c == '"') {
			s->p = q + 1;
			return TRUE;
		}
		if (c == '\\') {
			if (q + 1 >= s->end)
				return cw_json_fail(s, s->p, "unterminated string");
			if (q[1] == 'u') {
				if (!cw_json_scan_unicode_escape(s, q, &n))
					return FALSE;
				q += n;
			} else if (q[1] != '\0' && strchr("\"\\/bfnrt", q[1]) != NULL) {
				q += 2;
			} else {
				g_autofree char *got = cw_json_describe(s, q + 1);

				return cw_json_fail(
				    s, q, "invalid escape in a string: '\\' before %s", got);
			}
			continue;
		}
		if (c == 0)
			return cw_json_fail(s, q, "NUL byte in a string");
		if (c < 0x20)
			return cw_json_fail(s, q,
					    "control character U+%04X in a string (write it as "
					    "\\u%04X)",
					    c, c);
		n = cw_json_utf8_len(q, s->end);
		if (n == 0)
			return cw_json_fail(s, q, "invalid UTF-8 in a string");
		q += n;
	}
}

static gboolean
cw_json_is_digit(const CwJsonScan *s, const char *q)
{
	return q < s->end && *q >= '0' && *q <= '9';
}

static gboolean
cw_json_bad_number(CwJsonScan *s, const char *at, const char *why)
{
	g_autofree char *token = cw_json_quote_token(s, at);

	if (why == NULL)
		return cw_json_fail(s, at, "invalid number %s", token);
	return cw_json_fail(s, at, "invalid number %s: %s", token, why);
}

/* Whether the number t..q (valid syntax) is finite as a double. */
static gboolean
cw_json_number_is_finite(const char *t, const char *q, gboolean *too_long)
{
	char buf[CW_JSON_MAX_NUMBER_LEN + 1];
	gsize len = (gsize) (q - t);

	*too_long = len > CW_JSON_MAX_NUMBER_LEN;
	if (*too_long)
		return FALSE;
	memcpy(buf, t, len);
	buf[len] = '\0';
	return isfinite(g_ascii_strtod(buf, NULL));
}

/* A number at s->p in RFC 8259 syntax: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static gboolean
cw_json_scan_number(CwJsonScan *s)
{
	static const char int64_max[] = "9223372036854775807";
	const char *t = s->p;
	const char *q = t;
	const char *digits;
	gboolean integer = TRUE;
	gboolean exponent = FALSE;
	gboolean too_long;
	gsize int_digits;

	if (*q == '+')
		return cw_json_bad_number(s, t, "a leading '+' is not allowed");
	if (*q == '.')
		return cw_json_bad_number(s, t, "a digit must come before '.'");
	if (*q == '-')
		q++;
	if (!cw_json_is_digit(s, q))
		return cw_json_bad_number(s, t, NULL);
	digits = q;
	if (*q == '0') {
		q++;
		if (cw_json_is_digit(s, q))
			return cw_json_bad_number(s, t, "leading zeros are not allowed");
		if (q < s->end && (*q == 'x' || *q == 'X'))
			return cw_json_bad_number(s, t, "hexadecimal is not allowed");
	} else {
		while (cw_json_is_digit(s, q))
			q++;
	}
	int_digits = (gsize) (q - digits);
	if (q < s->end && *q == '.') {
		integer = FALSE;
		q++;
		if (!cw_json_is_digit(s, q))
			return cw_json_bad_number(s, t, "a digit must follow '.'");
		while (cw_json_is_digit(s, q))
			q++;
	}
	if (q < s->end && (*q == 'e' || *q == 'E')) {
		integer = FALSE;
		exponent = TRUE;
		q++;
		if (q < s->end && (*q == '+' || *q == '-'))
			q++;
		if (!cw_json_is_digit(s, q))
			return cw_json_bad_number(s, t, "the exponent has no digits");
		while (cw_json_is_digit(s, q))
			q++;
	}
	if (!cw_json_is_delimiter(s, q))
		return cw_json_bad_number(s, t, NULL);
	/* json-glib reads integers as gint64 and wraps silently beyond it */
	if (integer && (int_digits > 19 || (int_digits == 19 && memcmp(digits, int64_max, 19) > 0)))
		return cw_json_bad_number(s, t, "an integer beyond 64 bits");
	/* only an exponent or more than 308 digits can reach infinity */
	if ((exponent || int_digits > 308) && !cw_json_number_is_finite(t, q, &too_long)) {
		if (too_long)
			return cw_json_bad_number(s, t, "longer than 1024 characters");
		return cw_json_bad_number(s, t, "not a finite number");
	}
	s->p = q;
	return TRUE;
}

/* A string, number, true, false or null at s->p. */
static gboolean
cw_json_scan_scalar(CwJsonScan *s)
{
	static const char *const literals[] = {"true", "false", "null"};
	char c = *s->p;

	if (c == '"')
		return cw_json_scan_string(s);
	if (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'))
		return cw_json_scan_number(s);
	for (guint i = 0; i < G_N_ELEMENTS(literals); i++) {
		gsize len = strlen(literals[i]);

		if ((gsize) (s->end - s->p) >= len && memcmp(s->p, literals[i], len) == 0 &&
		    cw_json_is_delimiter(s, s->p + len)) {
			s->p += len;
			return TRUE;
		}
	}
	{
		g_autofree char *got = cw_json_describe(s, s->p);

		return cw_json_fail(s, s->p, "expected a value, got %s", got);
	}
}

/* A member's key and its colon, at s->p in the object on top. */
static gboolean
cw_json_scan_key(CwJsonScan *s)
{
	CwJsonLevel *level = &s->stack[s->depth - 1];
	const char *at = s->p;

	if (s->p >= s->end || *s->p != '"') {
		g_autofree char *got = cw_json_describe(s, s->p);

		return cw_json_fail(s, s->p, "expected a string key, got %s", got);
	}
	if (!cw_json_scan_string(s))
		return FALSE;
	level->key = at + 1;
	level->key_len = (gsize) (s->p - 1 - level->key);
	level->has_key = TRUE;
	s->members++;
	if (level->keys != NULL) {
		GString *key = g_string_new(NULL);
		gpointer first;

		cw_json_decode(level->key, level->key_len, key);
		if (g_hash_table_lookup_extended(level->keys, key->str, NULL, &first)) {
			g_string_free(key, TRUE);
			return cw_json_fail(s, at, "duplicate key, first on line %u",
					    GPOINTER_TO_UINT(first));
		}
		g_hash_table_insert(level->keys, g_string_free(key, FALSE),
				    GUINT_TO_POINTER(s->line));
	}
	cw_json_skip_ws(s);
	if (s->p >= s->end || *s->p != ':') {
		g_autofree char *got = cw_json_describe(s, s->p);

		return cw_json_fail(s, s->p, "expected ':' after the key, got %s", got);
	}
	s->p++;
	return TRUE;
}

/* Opens the array or object at s->p; closes it at once when empty. */
static gboolean
cw_json_scan_open(CwJsonScan *s, gboolean *closed)
{
	char kind = *s->p;
	CwJsonLevel *level;

	*closed = FALSE;
	if (s->depth == CW_JSON_MAX_DEPTH)
		return cw_json_fail(s, s->p, "nested deeper than %d arrays and objects",
				    CW_JSON_MAX_DEPTH);
	level = &s->stack[s->depth++];
	level->kind = kind;
	level->has_key = FALSE;
	level->index = 0;
	level->keys = s->find_duplicates && kind == '{'
			  ? g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL)
			  : NULL;
	s->p++;
	cw_json_skip_ws(s);
	*closed = s->p < s->end && *s->p == (kind == '[' ? ']' : '}');
	if (*closed) {
		s->p++;
		cw_json_scan_pop(s);
		return TRUE;
	}
	return kind == '[' || cw_json_scan_key(s);
}

/* After a value inside a container: ',' (then *more) or the closing bracket. */
static gboolean
cw_json_scan_next(CwJsonScan *s, gboolean *more)
{
	CwJsonLevel *level = &s->stack[s->depth - 1];
	char close = level->kind == '[' ? ']' : '}';

	*more = FALSE;
	if (s->p < s->end && *s->p == close) {
		s->p++;
		cw_json_scan_pop(s);
		return TRUE;
	}
	if (s->p >= s->end || *s->p != ',') {
		g_autofree char *got = cw_json_describe(s, s->p);

		return cw_json_fail(s, s->p, "expected ',' or '%c', got %s", close, got);
	}
	s->p++;
	*more = TRUE;
	if (level->kind == '[') {
		level->index++;
		return TRUE;
	}
	level->has_key = FALSE;
	cw_json_skip_ws(s);
	return cw_json_scan_key(s);
}

/* The whole document: exactly one value with white space around it. */
static gboolean
cw_json_scan_run(CwJsonScan *s)
{
	gboolean want_value = TRUE;

	cw_json_skip_ws(s);
	if (s->p >= s->end) {
		cw_json_fail_plain(s->source, s->error, "empty document");
		return FALSE;
	}
	for (;;) {
		cw_json_skip_ws(s);
		if (want_value) {
			if (s->p >= s->end)
				return cw_json_fail(s, s->p,
						    "expected a value, got the end of "
						    "the document");
			if (*s->p == '[' || *s->p == '{') {
				gboolean closed;

				if (!cw_json_scan_open(s, &closed))
					return FALSE;
				want_value = !closed;
			} else {
				if (!cw_json_scan_scalar(s))
					return FALSE;
				want_value = FALSE;
			}
			continue;
		}
		if (s->depth == 0) {
			g_autofree char *got = NULL;

			if (s->p >= s->end)
				return TRUE;
			got = cw_json_describe(s, s->p);
			return cw_json_fail(s, s->p,
					    "%s after the end of the value: a document holds "
					    "exactly one JSON value",
					    got);
		}
		if (!cw_json_scan_next(s, &want_value))
			return FALSE;
	}
}

/* Parsing ----------------------------------------------------------------- */

/* Members of every object under node; the scanner keeps the depth small. */
static guint64
cw_json_count_members(JsonNode *node)
{
	guint64 n = 0;

	if (JSON_NODE_HOLDS_OBJECT(node)) {
		JsonObject *obj = json_node_get_object(node);
		JsonObjectIter iter;
		const char *name;
		JsonNode *child;

		n = json_object_get_size(obj);
		json_object_iter_init(&iter, obj);
		while (json_object_iter_next(&iter, &name, &child))
			n += cw_json_count_members(child);
	} else if (JSON_NODE_HOLDS_ARRAY(node)) {
		JsonArray *array = json_node_get_array(node);
		guint len = json_array_get_length(array);

		for (guint i = 0; i < len; i++)
			n += cw_json_count_members(json_array_get_element(array, i));
	}
	return n;
}

/* Sets error to the first duplicate key of a document that has one. */
static void
cw_json_find_duplicate(const char *data, gsize len, const char *source, GError **error)
{
	CwJsonScan s;

	cw_json_scan_init(&s, data, len, source, TRUE, error);
	if (cw_json_scan_run(&s))
		cw_json_fail_plain(source, error, "duplicate key in an object");
	cw_json_scan_clear(&s);
}

/**
 * cw_json_parse:
 * @data: (nullable): JSON text
 * @len: length of @data, or -1 when it is NUL-terminated
 * @source: (nullable): what the text is, for messages: a file name, or
 *   "trading_bots row 3 (name 'h2')"
 * @flags: how to parse
 * @error: return location for a #GError in %CW_CONFIG_ERROR
 *
 * Parses one JSON document under the rules of cw-json.h. A %NULL @data is
 * an error ("no document"), like an empty one.
 *
 * Returns: (transfer full) (nullable): the root node, never %NULL on success
 */
JsonNode *
cw_json_parse(const char *data, gssize len, const char *source, CwJsonParseFlags flags,
	      GError **error)
{
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(JsonNode) root = NULL;
	CwJsonScan scan;
	gsize n;

	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (data == NULL) {
		cw_json_fail_plain(source, error, "no document");
		return NULL;
	}
	n = len < 0 ? strlen(data) : (gsize) len;
	if (n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
		data += 3; /* a UTF-8 byte order mark */
		n -= 3;
	}
	cw_json_scan_init(&scan, data, n, source, FALSE, error);
	if (!cw_json_scan_run(&scan))
		return NULL;
	parser =
	    (flags & CW_JSON_PARSE_IMMUTABLE) ? json_parser_new_immutable() : json_parser_new();
	if (!json_parser_load_from_data(parser, data, (gssize) n, &local)) {
		/* not expected after the scan; json-glib names the input "<data>" */
		const char *msg = local->message;

		if (g_str_has_prefix(msg, "<data>:"))
			msg += strlen("<data>:");
		cw_json_fail_plain(source, error, msg);
		return NULL;
	}
	root = json_parser_steal_root(parser);
	if (root == NULL) {
		cw_json_fail_plain(source, error, "empty document");
		return NULL;
	}
	if (scan.members > 0 && cw_json_count_members(root) != scan.members) {
		cw_json_find_duplicate(data, n, source, error);
		return NULL;
	}
	return g_steal_pointer(&root);
}

/* The whole of a regular file, at most max_size bytes when max_size > 0. */
static char *
cw_json_read_file(const char *path, gsize max_size, gsize *len_out, GError **error)
{
	g_autofree char *buf = NULL;
	struct stat st;
	gsize cap, len = 0;
	int saved;
	int fd;

	/* O_NONBLOCK: a FIFO is refused below instead of waiting for a writer */
	fd = g_open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
	if (fd < 0) {
		saved = errno;
		g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_IO, "%s: %s", path,
			    g_strerror(saved));
		return NULL;
	}
	if (fstat(fd, &st) != 0) {
		saved = errno;
		g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_IO, "%s: %s", path,
			    g_strerror(saved));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || (max_size > 0 && (gsize) st.st_size > max_size)) {
		if (!S_ISREG(st.st_mode))
			g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_IO,
				    "%s: not a regular file", path);
		else
			g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_IO,
				    "%s: file too large (%" G_GINT64_FORMAT
				    " bytes, at most %" G_GSIZE_FORMAT ")",
				    path, (gint64) st.st_size, max_size);
		close(fd);
		return NULL;
	}
	/* room for the whole file, the read that finds its end and a NUL */
	cap = (gsize) st.st_size + 2;
	buf = g_malloc(cap);
	for (;;) {
		gssize r;

		if (len + 1 >= cap) {
			cap *= 2;
			buf = g_realloc(buf, cap);
		}
		do {
			r = read(fd, buf + len, cap - 1 - len);
		} while (r < 0 && errno == EINTR);
		if (r < 0) {
			saved = errno;
			g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_IO, "%s: %s", path,
				    g_strerror(saved));
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		len += (gsize) r;
		if (max_size > 0 && len > max_size) {
			g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_IO,
				    "%s: file too large (more than %" G_GSIZE_FORMAT " bytes)",
				    path, max_size);
			close(fd);
			return NULL;
		}
	}
	close(fd);
	buf[len] = '\0';
	*len_out = len;
	return g_steal_pointer(&buf);
}

/**
 * cw_json_parse_file:
 * @path: a JSON file
 * @max_size: the largest file accepted in bytes, 0 for any size
 * @flags: how to parse
 * @error: return location for a #GError in %CW_CONFIG_ERROR
 *
 * Like cw_json_parse() with @path as the source; every message starts with
 * @path once ("bot.json: No such file or directory", "bot.json:3:8: ...").
 *
 * Returns: (transfer full) (nullable): the root node
 */
JsonNode *
cw_json_parse_file(const char *path, gsize max_size, CwJsonParseFlags flags, GError **error)
{
	g_autofree char *data = NULL;
	gsize len = 0;

	g_return_val_if_fail(path != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	data = cw_json_read_file(path, max_size, &len, error);
	if (data == NULL)
		return NULL;
	return cw_json_parse(data, (gssize) len, path, flags, error);
}

/* Writing ---------------------------------------------------------------- */

static void
cw_json_write_node(CwJsonWriter *w, JsonNode *node)
{
	switch (JSON_NODE_TYPE(node)) {
	case JSON_NODE_OBJECT: {
		JsonObject *obj = json_node_get_object(node);
		g_autoptr(GList) members = json_object_get_members(obj);
		cw_json_writer_begin_object(w);
		for (GList *l = members; l != NULL; l = l->next) {
			cw_json_writer_key(w, l->data);
			cw_json_write_node(w, json_object_get_member(obj, l->data));
		}
		cw_json_writer_end_object(w);
		break;
	}
	case JSON_NODE_ARRAY: {
		JsonArray *arr = json_node_get_array(node);
		guint n = json_array_get_length(arr);
		cw_json_writer_begin_array(w);
		for (guint i = 0; i < n; i++)
			cw_json_write_node(w, json_array_get_element(arr, i));
		cw_json_writer_end_array(w);
		break;
	}
	case JSON_NODE_VALUE:
		switch (json_node_get_value_type(node)) {
		case G_TYPE_INT64:
			cw_json_writer_int(w, json_node_get_int(node));
			break;
		case G_TYPE_DOUBLE:
			cw_json_writer_double(w, json_node_get_double(node));
			break;
		case G_TYPE_BOOLEAN:
			cw_json_writer_boolean(w, json_node_get_boolean(node));
			break;
		case G_TYPE_STRING:
			cw_json_writer_string(w, json_node_get_string(node));
			break;
		default:
			cw_json_writer_null(w);
			break;
		}
		break;
	case JSON_NODE_NULL:
	default:
		cw_json_writer_null(w);
		break;
	}
}

/**
 * cw_json_to_string:
 * @node: a JSON document
 * @pretty: indent by two spaces, one member per line
 *
 * The writer for documents that are read back through cw_json_parse(): the
 * node written with CwJsonWriter (cw-json-writer.h), so every double is the
 * shortest text that reads back as the same value, with a '.' or an
 * exponent, and a non-finite double is null.
 *
 * Returns: (transfer full): the text
 */
char *
cw_json_to_string(JsonNode *node, gboolean pretty)
{
	GString *out = g_string_new(NULL);
	CwJsonWriter w;

	g_return_val_if_fail(node != NULL, NULL);

	cw_json_writer_init(&w, out, pretty ? CW_JSON_WRITER_PRETTY : CW_JSON_WRITER_COMPACT);
	cw_json_write_node(&w, node);
	return g_string_free(out, FALSE);
}
