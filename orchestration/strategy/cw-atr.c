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
