#include "cw-core.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/**
 * cw_json_writer_init:
 * @self: the writer, usually on the stack
 * @out: the string the text is appended to; the caller owns it
 * @flags: CW_JSON_WRITER_PRETTY for indented output
 *
 * Starts a writer for one JSON value appended to @out.
 */
void
cw_json_writer_init(CwJsonWriter *self, GString *out, CwJsonWriterFlags flags)
{
	g_return_if_fail(self != NULL && out != NULL);

	*self = (CwJsonWriter){
	    .out = out,
	    .pretty = (flags & CW_JSON_WRITER_PRETTY) != 0,
	    .non_finite_zero = (flags & CW_JSON_WRITER_NON_FINITE_ZERO) != 0,
	};
}

static gboolean
cw_json_writer_top_is_object(const CwJsonWriter *self)
{
	return self->depth > 0 && (self->in_object & (G_GUINT64_CONSTANT(1) << (self->depth - 1)));
}

static void
cw_json_writer_newline(CwJsonWriter *self, guint depth)
{
	if (!self->pretty)
		return;
	g_string_append_c(self->out, '\n');
	for (guint i = 0; i < depth; i++)
		g_string_append(self->out, "  ");
}

/* Writes what goes before a value: the comma and the indentation in an
 * array, nothing after a key. FALSE when no value may come here. */
static gboolean
cw_json_writer_before_value(CwJsonWriter *self)
{
	guint64 bit;

	if (self->depth == 0)
		return TRUE;
	bit = G_GUINT64_CONSTANT(1) << (self->depth - 1);
	if (cw_json_writer_top_is_object(self)) {
		if (!self->after_key) {
			g_critical("cw_json_writer: a value in an object needs a key first");
			return FALSE;
		}
		self->after_key = FALSE;
		return TRUE;
	}
	if (self->has_items & bit)
		g_string_append_c(self->out, ',');
	self->has_items |= bit;
	cw_json_writer_newline(self, self->depth);
	return TRUE;
}

static void
cw_json_writer_begin(CwJsonWriter *self, gboolean object)
{
	guint64 bit;

	g_return_if_fail(self != NULL);
	if (self->depth >= CW_JSON_WRITER_MAX_DEPTH) {
		g_critical("cw_json_writer: nesting deeper than %d", CW_JSON_WRITER_MAX_DEPTH);
		return;
	}
	if (!cw_json_writer_before_value(self))
		return;
	bit = G_GUINT64_CONSTANT(1) << self->depth;
	self->depth++;
	self->has_items &= ~bit;
	if (object)
		self->in_object |= bit;
	else
		self->in_object &= ~bit;
	g_string_append_c(self->out, object ? '{' : '[');
}

static void
cw_json_writer_end(CwJsonWriter *self, gboolean object)
{
	guint64 bit;

	g_return_if_fail(self != NULL);
	if (self->depth == 0 || cw_json_writer_top_is_object(self) != object || self->after_key) {
		g_critical("cw_json_writer: unbalanced end of %s", object ? "object" : "array");
		return;
	}
	bit = G_GUINT64_CONSTANT(1) << (self->depth - 1);
	self->depth--;
	if (self->has_items & bit)
		cw_json_writer_newline(self, self->depth);
	g_string_append_c(self->out, object ? '}' : ']');
}

/** cw_json_writer_begin_object: opens an object. */
void
cw_json_writer_begin_object(CwJsonWriter *self)
{
	cw_json_writer_begin(self, TRUE);
}

/** cw_json_writer_end_object: closes the object opened last. */
void
cw_json_writer_end_object(CwJsonWriter *self)
{
	cw_json_writer_end(self, TRUE);
}

/** cw_json_writer_begin_array: opens an array. */
void
cw_json_writer_begin_array(CwJsonWriter *self)
{
	cw_json_writer_begin(self, FALSE);
}

/** cw_json_writer_end_array: closes the array opened last. */
void
cw_json_writer_end_array(CwJsonWriter *self)
{
	cw_json_writer_end(self, FALSE);
}

/* The length of the valid UTF-8 sequence at p, 0 when it is not one. */
static gsize
cw_json_utf8_seq_len(const guchar *p, const guchar *end)
{
	gsize n;
	gunichar c;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if ((gsize) (end - p) < n)
		return 0;
	c = p[0] & (0x7f >> n);
	for (gsize i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates and beyond U+10FFFF */
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

/**
 * cw_json_append_string:
 * @out: where the text goes
 * @text: (nullable): the text; NULL writes null
 * @len: its length in bytes, or -1 when it ends with NUL
 *
 * Appends @text as one JSON string with the escaping described in
 * cw-json-writer.h.
 */
void
cw_json_append_string(GString *out, const char *text, gssize len)
{
	const guchar *p;
	const guchar *end;

	if (text == NULL) {
		g_string_append(out, "null");
		return;
	}
	p = (const guchar *) text;
	end = p + (len < 0 ? strlen(text) : (gsize) len);
	g_string_append_c(out, '"');
	while (p < end) {
		gsize n;

		switch (*p) {
		case '"':
			g_string_append(out, "\\\"");
			p++;
			continue;
		case '\\':
			g_string_append(out, "\\\\");
			p++;
			continue;
		case '\b':
			g_string_append(out, "\\b");
			p++;
			continue;
		case '\f':
			g_string_append(out, "\\f");
			p++;
			continue;
		case '\n':
			g_string_append(out, "\\n");
			p++;
			continue;
		case '\r':
			g_string_append(out, "\\r");
			p++;
			continue;
		case '\t':
			g_string_append(out, "\\t");
			p++;
			continue;
		default:
			break;
		}
		if (*p < 0x20) {
			static const char hex[] = "0123456789abcdef";
			char esc[] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 0xf]};

			g_string_append_len(out, esc, sizeof esc);
			p++;
			continue;
		}
		n = cw_json_utf8_seq_len(p, end);
		if (n == 0) {
			g_string_append(out, "\\ufffd");
			p++;
			continue;
		}
		g_string_append_len(out, (const char *) p, (gssize) n);
		p += n;
	}
	g_string_append_c(out, '"');
}

/** cw_json_writer_key: names the next member of the current object. */
void
cw_json_writer_key(CwJsonWriter *self, const char *key)
{
	guint64 bit;

	g_return_if_fail(self != NULL && key != NULL);
	if (!cw_json_writer_top_is_object(self) || self->after_key) {
		g_critical("cw_json_writer: key \"%s\" outside an object or after a key", key);
		return;
	}
	bit = G_GUINT64_CONSTANT(1) << (self->depth - 1);
	if (self->has_items & bit)
		g_string_append_c(self->out, ',');
	self->has_items |= bit;
	cw_json_writer_newline(self, self->depth);
	cw_json_append_string(self->out, key, -1);
	g_string_append(self->out, self->pretty ? ": " : ":");
	self->after_key = TRUE;
}

/** cw_json_writer_string_len: writes @len bytes of @text (-1: up to NUL) as a string. */
void
cw_json_writer_string_len(CwJsonWriter *self, const char *text, gssize len)
{
	g_return_if_fail(self != NULL);
	if (cw_json_writer_before_value(self))
		cw_json_append_string(self->out, text, len);
}

/** cw_json_writer_string: writes @text as a string, NULL as null. */
void
cw_json_writer_string(CwJsonWriter *self, const char *text)
{
	cw_json_writer_string_len(self, text, -1);
}

/** cw_json_writer_int: writes a signed integer. */
void
cw_json_writer_int(CwJsonWriter *self, gint64 v)
{
	char buf[24];

	g_return_if_fail(self != NULL);
	if (!cw_json_writer_before_value(self))
		return;
	g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT, v);
	g_string_append(self->out, buf);
}

/** cw_json_writer_uint: writes an unsigned integer. */
void
cw_json_writer_uint(CwJsonWriter *self, guint64 v)
{
	char buf[24];

	g_return_if_fail(self != NULL);
	if (!cw_json_writer_before_value(self))
		return;
	g_snprintf(buf, sizeof buf, "%" G_GUINT64_FORMAT, v);
	g_string_append(self->out, buf);
}

/* What goes before a double: FALSE when it is written already (null for a
 * NaN or an infinity) or may not come here; a non-finite v becomes 0 with
 * CW_JSON_WRITER_NON_FINITE_ZERO. */
static gboolean
cw_json_writer_before_number(CwJsonWriter *self, double *v)
{
	if (!cw_json_writer_before_value(self))
		return FALSE;
	if (isfinite(*v))
		return TRUE;
	if (!self->non_finite_zero) {
		g_string_append(self->out, "null");
		return FALSE;
	}
	*v = 0;
	return TRUE;
}

/* The significant digits of a %g text: those of its mantissa, without
 * the sign, the point and leading zeros. */
static int
cw_json_count_digits(const char *text)
{
	int n = 0;
	gboolean leading = TRUE;

	for (const char *p = text; *p != '\0' && *p != 'e' && *p != 'E'; p++) {
		if (!g_ascii_isdigit(*p) || (leading && *p == '0'))
			continue;
		leading = FALSE;
		n++;
	}
	return MAX(n, 1);
}

/* The fewest significant digits that read back as v, in plain notation
 * while that stays short (1e-5 <= |v| < 1e17: 100, not %g's 1e+02), with
 * an exponent past that.
 *
 * A double whose shortest form has at most 15 digits (DBL_DIG) prints
 * as exactly that form with %.15g (%g drops the trailing zeros), so only
 * 15, 16 and 17 digits need trying: at most three conversions each way
 * instead of one per digit count. */
static void
cw_json_format_shortest(char *buf, gsize len, double v)
{
	static const char *const formats[] = {"%.15g", "%.16g", "%.17g"};
	const char *e;
	guint i = 0;

	for (; i < G_N_ELEMENTS(formats); i++) {
		g_ascii_formatd(buf, (gint) len, formats[i], v);
		if (g_ascii_strtod(buf, NULL) == v)
			break;
	}
	e = strchr(buf, 'e');
	if (e != NULL && fabs(v) >= 1e-5 && fabs(v) < 1e17) {
		char plain[G_ASCII_DTOSTR_BUF_SIZE + 32];
		char format[8];
		/* e + 1 is the exponent g_ascii_formatd() wrote: [-+]digits */
		gint64 exponent = g_ascii_strtoll(e + 1, NULL, 10);
		int decimals = (int) MAX(0, cw_json_count_digits(buf) - 1 - exponent);

		g_snprintf(format, sizeof(format), "%%.%df", decimals);
		g_ascii_formatd(plain, sizeof(plain), format, v);
		if (strlen(plain) < len && g_ascii_strtod(plain, NULL) == v)
			g_strlcpy(buf, plain, len);
	}
}

/**
 * cw_json_writer_double:
 *
 * Writes @v as the shortest text that reads back as the same double, with
 * ".0" when that text has neither '.' nor exponent; null (or 0 with
 * CW_JSON_WRITER_NON_FINITE_ZERO) when @v is NaN or infinite.
 */
void
cw_json_writer_double(CwJsonWriter *self, double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	g_return_if_fail(self != NULL);
	if (!cw_json_writer_before_number(self, &v))
		return;
	cw_json_format_shortest(buf, sizeof(buf), v);
	g_string_append(self->out, buf);
	/* keep it a double for readers that tell them apart */
	if (strpbrk(buf, ".eE") == NULL)
		g_string_append(self->out, ".0");
}

/** cw_json_writer_double_fixed: writes @v with @decimals decimals (at most 17), NaN as null. */
void
cw_json_writer_double_fixed(CwJsonWriter *self, double v, guint decimals)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE + 32];
	char format[8];

	g_return_if_fail(self != NULL);
	if (!cw_json_writer_before_number(self, &v))
		return;
	g_snprintf(format, sizeof(format), "%%.%uf", MIN(decimals, 17u));
	/* |v| of 1e300 with %f is 300 digits: those go the shortest way */
	if (fabs(v) >= 1e15) {
		g_ascii_formatd(buf, sizeof(buf), "%.17g", v);
		g_string_append(self->out, buf);
		return;
	}
	g_ascii_formatd(buf, sizeof(buf), format, v);
	g_string_append(self->out, buf);
}

/** cw_json_writer_boolean: writes true or false. */
void
cw_json_writer_boolean(CwJsonWriter *self, gboolean v)
{
	g_return_if_fail(self != NULL);
	if (cw_json_writer_before_value(self))
		g_string_append(self->out, v ? "true" : "false");
}

/** cw_json_writer_null: writes null. */
void
cw_json_writer_null(CwJsonWriter *self)
{
	g_return_if_fail(self != NULL);
	if (cw_json_writer_before_value(self))
		g_string_append(self->out, "null");
}

/** cw_json_writer_raw: writes @json, one complete JSON value, unchanged. */
void
cw_json_writer_raw(CwJsonWriter *self, const char *json)
{
	g_return_if_fail(self != NULL && json != NULL);
	if (cw_json_writer_before_value(self))
		g_string_append(self->out, json);
}

/** cw_json_writer_is_complete: TRUE when no container is left open. */
gboolean
cw_json_writer_is_complete(const CwJsonWriter *self)
{
	return self->depth == 0 && !self->after_key;
}

/** cw_json_writer_member_string: a key and a string (NULL: null). */
void
cw_json_writer_member_string(CwJsonWriter *self, const char *key, const char *v)
{
	cw_json_writer_key(self, key);
	cw_json_writer_string(self, v);
}

/** cw_json_writer_member_int: a key and a signed integer. */
void
cw_json_writer_member_int(CwJsonWriter *self, const char *key, gint64 v)
{
	cw_json_writer_key(self, key);
	cw_json_writer_int(self, v);
}

/** cw_json_writer_member_uint: a key and an unsigned integer. */
void
cw_json_writer_member_uint(CwJsonWriter *self, const char *key, guint64 v)
{
	cw_json_writer_key(self, key);
	cw_json_writer_uint(self, v);
}

/** cw_json_writer_member_double: a key and a double (shortest round trip). */
void
cw_json_writer_member_double(CwJsonWriter *self, const char *key, double v)
{
	cw_json_writer_key(self, key);
	cw_json_writer_double(self, v);
}

/** cw_json_writer_member_double_fixed: a key and a double with @decimals decimals. */
void
cw_json_writer_member_double_fixed(CwJsonWriter *self, const char *key, double v, guint decimals)
{
	cw_json_writer_key(self, key);
	cw_json_writer_double_fixed(self, v, decimals);
}

/** cw_json_writer_member_boolean: a key and a boolean. */
void
cw_json_writer_member_boolean(CwJsonWriter *self, const char *key, gboolean v)
{
	cw_json_writer_key(self, key);
	cw_json_writer_boolean(self, v);
}
