#pragma once

/* Shared pieces of the Bybit and Binance kline decoders: a strict JSON
 * scanner (RFC 8259, no extensions) that tokenizes a document into the
 * decoder's reusable token array, and field readers on its tokens. Nothing
 * here allocates once the token array has grown to the largest document. */

#include "cw-kline-frame.h"

G_BEGIN_DECLS

typedef enum {
	CW_KLINE_TOK_OBJECT,
	CW_KLINE_TOK_ARRAY,
	CW_KLINE_TOK_STRING,
	CW_KLINE_TOK_NUMBER,
	CW_KLINE_TOK_TRUE,
	CW_KLINE_TOK_FALSE,
	CW_KLINE_TOK_NULL,
} CwKlineTokType;

/* One value. For an object the tokens that follow are key, value, key,
 * value...; for an array its elements. `next` is the index after the value's
 * whole subtree, so siblings are found without walking children. */
typedef struct {
	guint8 type;
	guint8 escaped; /* a string holding a backslash escape */
	guint8 integer; /* a number without fraction or exponent */
	guint32 start;  /* strings: after the opening quote */
	guint32 end;    /* strings: at the closing quote */
	guint32 n;      /* object members or array elements */
	guint32 next;
} CwKlineTok;

struct _CwKlineDecoder {
	CwKlineTok *toks;
	guint n_toks;
	guint cap;
	const char *data;
};

#define CW_KLINE_NONE G_MAXUINT32

/* Checks size, NUL bytes and UTF-8, then scans; the root is token 0. */
gboolean cw_kline_decoder_scan(CwKlineDecoder *self, const char *data, gsize len, gsize max,
			       CwKlineError *error, char *detail);

/* Sets *error and formats detail (CW_KLINE_DETAIL_LEN bytes); returns FALSE. */
gboolean cw_kline_fail(CwKlineError *error, char *detail, CwKlineError kind, const char *format,
		       ...) G_GNUC_PRINTF(4, 5);

/* The value of member `name` of object token obj, or CW_KLINE_NONE. */
guint32 cw_kline_find(CwKlineDecoder *self, guint32 obj, const char *name);
/* As cw_kline_find(); a missing member is WRONG_TYPE "path.name: missing". */
guint32 cw_kline_member(CwKlineDecoder *self, guint32 obj, const char *path, const char *name,
			CwKlineError *error, char *detail);
/* Element i of array token arr (i < n). */
guint32 cw_kline_element(CwKlineDecoder *self, guint32 arr, guint32 i);
/* A string token decoded into buf (NUL-terminated); FALSE when not a string
 * or longer than len - 1 bytes. */
gboolean cw_kline_text(CwKlineDecoder *self, guint32 tok, char *buf, gsize len);
/* A string member decoded into buf; WRONG_TYPE when missing or not a string,
 * UNKNOWN_TOPIC-free: a too long value is WRONG_TYPE too. */
gboolean cw_kline_string(CwKlineDecoder *self, guint32 obj, const char *path, const char *name,
			 char *buf, gsize len, CwKlineError *error, char *detail);
/* Field readers name the field as path.name in messages (name may be "");
 * the text is only formatted on a failure, off the per-frame path. */

/* A number: a JSON number, or a string holding a strict decimal. NaN, inf,
 * hex and trailing text are BAD_NUMBER; other JSON types WRONG_TYPE. */
gboolean cw_kline_number(CwKlineDecoder *self, guint32 tok, const char *path, const char *name,
			 double *out, CwKlineError *error, char *detail);
/* A time in ms: a JSON integer, or a string of decimal digits, >= 0. */
gboolean cw_kline_time(CwKlineDecoder *self, guint32 tok, const char *path, const char *name,
		       gint64 *out, CwKlineError *error, char *detail);
/* A boolean member. */
gboolean cw_kline_bool(CwKlineDecoder *self, guint32 obj, const char *path, const char *name,
		       gboolean *out, CwKlineError *error, char *detail);
/* A JSON integer token's value; FALSE when not an integer that fits. */
gboolean cw_kline_integer(CwKlineDecoder *self, guint32 tok, gint64 *out);
/* "an object", "a string", ...: for messages. */
const char *cw_kline_type_name(CwKlineDecoder *self, guint32 tok);
/* The OHLCV rules: prices > 0, volume >= 0, low <= open, close <= high. */
/* The close time, interval, symbol and cw_kline_check_candle() of a
 * frame's candle (both exchanges). */
gboolean cw_kline_finish_candle(CwCandle *c, gint64 close_time, gint64 interval_ms, GQuark symbol,
				const char *path, const char *open_name, const char *close_name,
				CwKlineError *error, char *detail);
/* One REST page row [openTime, open, high, low, close, volume, ...] (both
 * exchanges); prefix is the rows' JSON path, shape names the columns. */
gboolean cw_kline_decode_row(CwKlineDecoder *self, guint32 row, const char *prefix, guint index,
			     const char *shape, CwCandle *c, CwKlinePageError *error);
gboolean cw_kline_check_candle(const CwCandle *candle, const char *path, CwKlineError *error,
			       char *detail);

static inline CwKlineTokType
cw_kline_type(CwKlineDecoder *self, guint32 tok)
{
	return (CwKlineTokType) self->toks[tok].type;
}

G_END_DECLS
