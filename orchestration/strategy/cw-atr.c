/* Average True Range as TA-Lib ta_ATR.c: TR = max(h - l, |prevC - h|,
 * |prevC - l|) from bar 1 (bar 0 has no previous close), the first ATR at
 * index n is the mean of TR[1..n], then Wilder: atr = (atr * (n-1) + tr)
 * / n as three separate operations. */
#include "cw-strategies.h"

#include <math.h>

/**
 * cw_atr_init:
 * @self: the ATR
 * @period: n, >= 1
 */
void
cw_atr_init(CwAtr *self, guint period)
{
	g_return_if_fail(self != NULL);
	g_return_if_fail(period >= 1);

	self->period = period;
	cw_atr_reset(self);
}

/**
 * cw_atr_reset:
 * @self: the ATR
 *
 * Back to the state after init.
 */
void
cw_atr_reset(CwAtr *self)
{
	g_return_if_fail(self != NULL);

	self->count = 0;
	self->prev_close = NAN;
	self->tr_sum = 0.0;
	self->value = NAN;
}

/**
 * cw_atr_update:
 * @self: the ATR
 * @candle: the new candle
 *
 * Returns: the ATR, NAN before warm-up.
 */
double
cw_atr_update(CwAtr *self, const CwCandle *candle)
{
	double tr, v;

	if (self->count == 0) {
		self->prev_close = candle->close;
		self->count = 1;
		return self->value;
	}
	tr = candle->high - candle->low;
	v = fabs(self->prev_close - candle->high);
	if (v > tr)
		tr = v;
	v = fabs(self->prev_close - candle->low);
	if (v > tr)
		tr = v;
	self->prev_close = candle->close;

	if (self->count <= self->period) {
		self->tr_sum += tr;
		if (self->count == self->period)
			self->value = self->tr_sum / self->period;
		self->count++;
		return self->value;
	}
	self->value *= (double) (self->period - 1);
	self->value += tr;
	self->value /= (double) self->period;
	return self->value;
}
