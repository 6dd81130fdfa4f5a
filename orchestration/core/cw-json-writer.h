#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/* The one JSON writer of candlewick: reports, events, state, logs, API
 * bodies and the frames of the exchange simulator are all written with it,
 * never with printf. It streams into a GString that the caller owns; it
 * allocates nothing of its own, so a writer lives on the stack:
 *
 *   CwJsonWriter w;
 *   cw_json_writer_init(&w, out, CW_JSON_WRITER_COMPACT);
 *   cw_json_writer_begin_object(&w);
 *   cw_json_writer_member_string(&w, "state", "armed");
 *   cw_json_writer_member_double(&w, "stop", 99.5);
 *   cw_json_writer_end_object(&w);
 *
 * What it writes:
 *   - strings: '"' and '\\' escaped, \b \f \n \r \t as such, the other
 *     control characters as \u00XX; UTF-8 is written as it is, and every
 *     byte that is not part of valid UTF-8 becomes \ufffd, so the text is
 *     always valid JSON whatever it is handed. A NULL string is null.
 *   - doubles (cw_json_writer_double): the shortest text that reads back as
 *     the same double (the round trip of "%.17g", without its noise: 0.1,
 *     not 0.10000000000000001), in plain notation while 1e-5 <= |v| < 1e17
 *     (100.0, not 1e+02) and with an exponent past that, with ".0" added
 *     when it would read as an integer; cw_json_writer_double_fixed() writes a fixed number of
 *     decimals ("%.3f") for figures meant for people.
 *   - NaN and the infinities, which JSON cannot hold, are written as null
 *     by both, or as 0 with CW_JSON_WRITER_NON_FINITE_ZERO (what reports
 *     and event payloads have always held for a figure that is undefined,
 *     such as a profit factor without losses).
 *   - pretty output indents by two spaces, one member per line,
 *     "key": value; compact output has no whitespace at all.
 * Nesting deeper than CW_JSON_WRITER_MAX_DEPTH, a value in an object
 * without a key, or an unbalanced end are programming errors: they are
 * reported with g_critical() and the call writes nothing. */
#define CW_JSON_WRITER_MAX_DEPTH 64

typedef enum {
	CW_JSON_WRITER_COMPACT = 0,
	CW_JSON_WRITER_PRETTY = 1 << 0,
	CW_JSON_WRITER_NON_FINITE_ZERO = 1 << 1,
} CwJsonWriterFlags;

typedef struct {
	/*< private >*/
	GString *out;
	guint depth;
	gboolean pretty;
	gboolean non_finite_zero;
	gboolean after_key;
	guint64 in_object; /* bit d: the container at depth d+1 is an object */
	guint64 has_items; /* bit d: it holds a value already */
} CwJsonWriter;

void cw_json_writer_init(CwJsonWriter *self, GString *out, CwJsonWriterFlags flags);
void cw_json_writer_begin_object(CwJsonWriter *self);
void cw_json_writer_end_object(CwJsonWriter *self);
void cw_json_writer_begin_array(CwJsonWriter *self);
void cw_json_writer_end_array(CwJsonWriter *self);
void cw_json_writer_key(CwJsonWriter *self, const char *key);
void cw_json_writer_string(CwJsonWriter *self, const char *text);
void cw_json_writer_string_len(CwJsonWriter *self, const char *text, gssize len);
void cw_json_writer_int(CwJsonWriter *self, gint64 v);
void cw_json_writer_uint(CwJsonWriter *self, guint64 v);
void cw_json_writer_double(CwJsonWriter *self, double v);
void cw_json_writer_double_fixed(CwJsonWriter *self, double v, guint decimals);
void cw_json_writer_boolean(CwJsonWriter *self, gboolean v);
void cw_json_writer_null(CwJsonWriter *self);
/* Writes json, a complete JSON value the caller vouches for, as it is. */
void cw_json_writer_raw(CwJsonWriter *self, const char *json);
/* TRUE when every container that was begun has been ended. */
gboolean cw_json_writer_is_complete(const CwJsonWriter *self);

/* A key and its value in one call. */
void cw_json_writer_member_string(CwJsonWriter *self, const char *key, const char *v);
void cw_json_writer_member_int(CwJsonWriter *self, const char *key, gint64 v);
void cw_json_writer_member_uint(CwJsonWriter *self, const char *key, guint64 v);
void cw_json_writer_member_double(CwJsonWriter *self, const char *key, double v);
void cw_json_writer_member_double_fixed(CwJsonWriter *self, const char *key, double v,
					guint decimals);
void cw_json_writer_member_boolean(CwJsonWriter *self, const char *key, gboolean v);

/* Appends text to out as one JSON string, quotes included: the escaping of
 * cw_json_writer_string() for text that goes into other formats. */
void cw_json_append_string(GString *out, const char *text, gssize len);

G_END_DECLS
