/* libFuzzer target: JSON candle files ([[ms,o,h,l,c,v],...]) through
 * CwCandleFile. Inputs nested deeper than 64 levels are skipped until the
 * strict JSON entry with its nesting limit replaces json-glib's recursion. */
#include "cw-fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cw_fuzz_init();
	if (!cw_fuzz_looks_like_json(data, size) || cw_fuzz_json_too_deep(data, size, 64))
		return 0;
	cw_fuzz_read_candles(cw_fuzz_write_input(data, size));
	return 0;
}
