/* libFuzzer target: JSON candle files ([[ms,o,h,l,c,v],...]) through
 * CwCandleFile, whose strict JSON entry refuses nesting past 64 levels. */
#include "cw-fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cw_fuzz_init();
	if (!cw_fuzz_looks_like_json(data, size))
		return 0;
	cw_fuzz_read_candles(cw_fuzz_write_input(data, size));
	return 0;
}
