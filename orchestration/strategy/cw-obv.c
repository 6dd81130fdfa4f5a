/* On-Balance Volume as TA-Lib ta_OBV.c: starts at the first bar's volume,
 * then adds the volume on an up close, subtracts it on a down close and
 * keeps it on an unchanged close. */
#include "cw-strategies.h"

#include <math.h>

/**
 * cw_obv_reset:
 * @self: the OBV
 *
 * Initialises (or resets) @self; OBV holds no storage.
 */
void
cw_obv_reset(CwObv *self)
{
	g_return_if_fail(self != NULL);

	self->started = FALSE;
	self->prev_close = NAN;
	self->value = NAN;
}

/**
 * cw_obv_update:
 * @self: the OBV
 * @candle: the new candle
 *
 * Returns: the OBV, defined from the first candle.
 */
double
cw_obv_update(CwObv *self, const CwCandle *candle)
{
	if (!self->started) {
		self->started = TRUE;
		self->value = candle->volume;
	} else if (candle->close > self->prev_close) {
		self->value += candle->volume;
	} else if (candle->close < self->prev_close) {
		self->value -= candle->volume;
	}
	self->prev_close = candle->close;
	return self->value;
}
