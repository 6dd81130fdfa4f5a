#pragma once

#if !defined(CW_CONFIG_INSIDE) && !defined(CW_CONFIG_COMPILATION)
#error "Only <cw-config.h> can be included directly."
#endif

#include "cw-config-types.h"

G_BEGIN_DECLS

/* Every JSON document that enters candlewick (config files and rows, state,
 * event payloads, candle files) goes through cw_json_parse(). Before
 * json-glib sees the text, a linear scanner checks it against RFC 8259 and
 * these rules:
 *   - at most CW_JSON_MAX_DEPTH nested arrays and objects;
 *   - exactly one value: no empty document, nothing after the value;
 *   - no duplicate key in an object;
 *   - no NUL in a string, raw or as \u0000; valid UTF-8, no lone surrogate;
 *   - numbers in RFC 8259 syntax (no 0x10, 01, 1., .5, +1), finite as a
 *     double, and integers without fraction or exponent within 64 bits.
 * Errors are in CW_CONFIG_ERROR (CW_CONFIG_ERROR_PARSE) and read
 *   "SOURCE:LINE:COLUMN: PATH: what", e.g.
 *   "bot.json:4:20: strategy.analyzers[1].weight: number 1e999 is not finite",
 * without "SOURCE:" when source is NULL and without "PATH: " at the top. */
#define CW_JSON_MAX_DEPTH 64

/* The largest configuration file read (bot and service configs). */
#define CW_JSON_MAX_CONFIG_FILE (4 * 1024 * 1024)

typedef enum {
	CW_JSON_PARSE_DEFAULT = 0,
	/* json_parser_new_immutable(): sealed nodes, less work for big documents */
	CW_JSON_PARSE_IMMUTABLE = 1 << 0,
} CwJsonParseFlags;

JsonNode *cw_json_parse(const char *data, gssize len, const char *source, CwJsonParseFlags flags,
			GError **error);
/* Reads path (mapped, not copied) and parses it with path as the source.
 * max_size 0 means no limit; a file that is not regular is refused. */
JsonNode *cw_json_parse_file(const char *path, gsize max_size, CwJsonParseFlags flags,
			     GError **error);
/* JSON text that cw_json_parse() reads back to the same values; use it
 * instead of json_to_string(), which writes 2e-8 as "2e-08.0". */
char *cw_json_to_string(JsonNode *node, gboolean pretty);

G_END_DECLS
