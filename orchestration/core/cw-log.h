#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-core-types.h"

G_BEGIN_DECLS

#define CW_LOG_DOMAIN "candlewick"

typedef enum {
	CW_LOG_FORMAT_TEXT,
	CW_LOG_FORMAT_JSON,
} CwLogFormat;

/* Installs the process-wide structured log writer: human-readable lines on a
 * terminal or JSON lines. Both carry CW_BOT_ID and CW_STRATEGY_ID fields. */
void cw_log_set_format(CwLogFormat format);
gboolean cw_log_format_from_string(const char *text, CwLogFormat *out);
/* Messages below this level are dropped (default: G_LOG_LEVEL_MESSAGE,
 * or G_LOG_LEVEL_DEBUG when G_MESSAGES_DEBUG is set). */
void cw_log_set_verbose(gboolean verbose);
/* Drops messages below warnings (benchmarks, tools that print results). */
void cw_log_set_quiet(gboolean quiet);

/* Logs with bot and strategy fields; either may be NULL. */
void cw_log(GLogLevelFlags level, const char *bot_id, const char *strategy_id, const char *format,
	    ...) G_GNUC_PRINTF(4, 5);

/* Formats a structured log record as one JSON line (no trailing newline). */
char *cw_log_format_json(GLogLevelFlags level, const GLogField *fields, gsize n_fields);

G_END_DECLS
