#pragma once

#if !defined(CW_STREAMING_INSIDE) && !defined(CW_STREAMING_COMPILATION)
#error "Only <cw-streaming.h> can be included directly."
#endif

#include "cw-core.h"

G_BEGIN_DECLS

/* CwCandleFile: the "file" candle source (CwCandleSource).
 *
 * Formats, detected from the content (first non-blank character '[' = JSON):
 *   CSV   header "time,open,high,low,close,volume" (exactly these six columns,
 *         case-insensitive), CRLF accepted, blank lines skipped. time is Unix
 *         seconds or milliseconds, decided by the first row (>= 1e11 = ms);
 *         every later row must use the same unit.
 *   JSON  [[ms, open, high, low, close, volume, ...], ...]: numbers or numeric
 *         strings; rows may have more than six values (Binance klines), only
 *         the first six are read.
 *
 * Properties (set before open()):
 *   "path"          string  file to read
 *   "symbol"        string  symbol of the candles, default "UNKNOWN"
 *   "interval"      int64   candle length in ms; 0 (default) = detect: the
 *                           smallest time step among the first 100 valid rows.
 *                           After open() it reads back the interval in use.
 *   "skip-bad-rows" bool    count and skip bad rows instead of failing
 *   "from" / "to"   int64   only candles with from <= open_time < to (ms);
 *                           0 = unbounded
 *   "skipped-summary" string, read-only: NULL when no row was skipped, else
 *                           the first 20 skip messages, one per line, and a
 *                           last line "... and N more" when there were more.
 *   "skipped-reasons" string, read-only: NULL when no row was skipped, else
 *                           one line per reason, most frequent first:
 *                           "12 rows: open: expected a price > 0, got ...".
 *
 * A bad row (not a number, NaN/inf, price <= 0, volume < 0, low > high, high
 * below open/close, low above open/close, time not after the previous row,
 * time less than one interval after it, a change of time unit, wrong column
 * count) makes next() fail with CW_STREAMING_ERROR_BAD_ROW and a message
 * "path:LINE: what" (CSV) or "path: [row][column]: what" (JSON). Calling
 * next() again continues after that row. Gaps, flat candles and zero volume
 * are valid.
 */
#define CW_TYPE_CANDLE_FILE (cw_candle_file_get_type())
G_DECLARE_FINAL_TYPE(CwCandleFile, cw_candle_file, CW, CANDLE_FILE, GObject)

CwCandleFile *cw_candle_file_new(const char *path);

G_END_DECLS
