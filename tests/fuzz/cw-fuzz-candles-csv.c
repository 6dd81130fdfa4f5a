/* libFuzzer target: CSV candle files through CwCandleFile (the parser of
 * `candlewick backtest --data`). Inputs that look like JSON belong to
 * cw-fuzz-candles-json. */
#include "cw-fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cw_fuzz_init();
	if (cw_fuzz_looks_like_json(data, size))
		return 0;
	cw_fuzz_read_candles(cw_fuzz_write_input(data, size));
	return 0;
}
