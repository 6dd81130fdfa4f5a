#pragma once

/* Shared pieces of the Bybit and Binance kline decoders. */

#include "cw-kline-frame.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

struct _CwKlineDecoder {
	JsonParser *parser;
};

/* Checks size, NUL bytes and UTF-8, then parses. Returns the root (owned by
 * the decoder until the next parse) or NULL with *error/detail set. */
JsonNode *cw_kline_decoder_parse(CwKlineDecoder *self, const char *data, gsize len, gsize max,
				 CwKlineError *error, char *detail);

/* Sets *error and formats detail (CW_KLINE_DETAIL_LEN bytes); returns FALSE. */
gboolean cw_kline_fail(CwKlineError *error, char *detail, CwKlineError kind, const char *format,
		       ...) G_GNUC_PRINTF(4, 5);

/* The member's node, or NULL (WRONG_TYPE "path.name: missing"). */
JsonNode *cw_kline_member(JsonObject *object, const char *path, const char *name,
			  CwKlineError *error, char *detail);
/* A string member; WRONG_TYPE when missing or not a string. */
const char *cw_kline_string(JsonObject *object, const char *path, const char *name,
			    CwKlineError *error, char *detail);
/* A number: a JSON number, or a string holding a strict decimal. NaN, inf,
 * hex and trailing text are BAD_NUMBER; other JSON types WRONG_TYPE. */
gboolean cw_kline_number(JsonNode *node, const char *path, double *out, CwKlineError *error,
			 char *detail);
/* A time in ms: a JSON integer, or a string of decimal digits, >= 0. */
gboolean cw_kline_time(JsonNode *node, const char *path, gint64 *out, CwKlineError *error,
		       char *detail);
/* A boolean member. */
gboolean cw_kline_bool(JsonObject *object, const char *path, const char *name, gboolean *out,
		       CwKlineError *error, char *detail);
/* The OHLCV rules: prices > 0, volume >= 0, low <= open, close <= high. */
gboolean cw_kline_check_candle(const CwCandle *candle, const char *path, CwKlineError *error,
			       char *detail);

G_END_DECLS
