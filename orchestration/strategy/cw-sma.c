/* Simple moving average (TA-Lib SMA). First value at index period - 1. */
#include "cw-strategies.h"

#include <math.h>

/**
 * cw_sma_init:
 * @self: the average
 * @period: window length, >= 1
 */
void
cw_sma_init(CwSma *self, guint period)
{
	g_return_if_fail(self != NULL);
	g_return_if_fail(period >= 1);

	self->period = period;
	cw_ring_init(&self->ring, period);
	self->value = NAN;
}

/**
 * cw_sma_clear:
 * @self: the average
 *
 * Frees the window.
 */
void
cw_sma_clear(CwSma *self)
{
	g_return_if_fail(self != NULL);

	cw_ring_clear(&self->ring);
	self->value = NAN;
}

/**
 * cw_sma_reset:
 * @self: the average
 *
 * Back to the state after init.
 */
void
cw_sma_reset(CwSma *self)
{
	g_return_if_fail(self != NULL);

	cw_ring_reset(&self->ring);
	self->value = NAN;
}

/**
 * cw_sma_update:
 * @self: the average
 * @x: the new value
 *
 * Returns: the average of the last period values, NAN before warm-up.
 */
double
cw_sma_update(CwSma *self, double x)
{
	cw_ring_push(&self->ring, x);
	if (cw_ring_full(&self->ring))
		self->value = self->ring.sum / self->period;
	return self->value;
}
