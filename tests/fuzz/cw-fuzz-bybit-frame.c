/* libFuzzer target: the Bybit v5 kline frame decoder and its page decoder.
 * Any input must decode or be refused with a classified error, without a
 * crash, a leak or a candle that breaks the OHLCV rules. */

#include "cw-kline-frame.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static CwKlineDecoder *decoder;
	CwKlineFrame frame;
	CwKlinePageError error;
	GArray *page;

	if (decoder == NULL) {
		decoder = cw_kline_decoder_new();
		g_quark_from_static_string("BTCUSDT");
	}
	if (cw_bybit_kline_decode_frame(decoder, (const char *) data, size, &frame)) {
		for (guint i = 0; i < frame.n_updates; i++) {
			const CwCandle *c = &frame.updates[i].candle;

			if (!(c->low <= c->high && c->low > 0 && c->volume >= 0))
				abort();
		}
	} else if (frame.error == CW_KLINE_ERROR_NONE || frame.n_updates != 0) {
		abort();
	}
	page = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	if (!cw_bybit_kline_decode_page(decoder, (const char *) data, size, 0, 60000, page,
					&error) &&
	    page->len != 0)
		abort();
	g_array_unref(page);
	return 0;
}
