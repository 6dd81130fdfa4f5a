/* Exponential moving average, TA-Lib default compatibility: k = 2/(n+1),
 * seeded with the SMA of the first n values (first value at index n - 1),
 * then prev = (x - prev) * k + prev in that operation order. */
#include "cw-strategies.h"

#include <math.h>

/**
 * cw_ema_init:
 * @self: the average
 * @period: n, >= 1
 */
void
cw_ema_init(CwEma *self, guint period)
{
	g_return_if_fail(self != NULL);
	g_return_if_fail(period >= 1);

	self->period = period;
	self->alpha = 2.0 / ((double) period + 1.0);
	cw_ema_reset(self);
}

/**
 * cw_ema_reset:
 * @self: the average
 *
 * Back to the state after init.
 */
void
cw_ema_reset(CwEma *self)
{
	g_return_if_fail(self != NULL);

	self->count = 0;
	self->seed_sum = 0.0;
	self->value = NAN;
}
