#pragma once

#if !defined(CW_STREAMING_INSIDE) && !defined(CW_STREAMING_COMPILATION)
#error "Only <cw-streaming.h> can be included directly."
#endif

#include "cw-core.h"

G_BEGIN_DECLS

#define CW_STREAMING_ERROR (cw_streaming_error_quark())
GQuark cw_streaming_error_quark(void);

typedef enum {
	CW_STREAMING_ERROR_FAILED,
	CW_STREAMING_ERROR_IO,     /* the file could not be opened or read; names the path */
	CW_STREAMING_ERROR_FORMAT, /* not a candle file: bad header, bad JSON, no interval */
	CW_STREAMING_ERROR_BAD_ROW, /* one row is invalid: "path:LINE: what" or "path: [i][j]: what" */
	CW_STREAMING_ERROR_NOT_OPEN, /* next() before a successful open() */
} CwStreamingError;

G_END_DECLS
