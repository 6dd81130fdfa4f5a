/* Weighted moving average (TA-Lib WMA): weights 1..n, the newest value
 * weighs n, divided by n(n+1)/2. First value at index n - 1. */
#include "cw-strategies.h"

#include <math.h>

#define CW_WMA_CANCEL_RATIO 4096.0 /* as the ring's */

/**
 * cw_wma_init:
 * @self: the average
 * @period: n, >= 1
 */
void
cw_wma_init(CwWma *self, guint period)
{
	g_return_if_fail(self != NULL);
	g_return_if_fail(period >= 1);

	self->period = period;
	cw_ring_init(&self->ring, period);
	self->weighted_sum = 0.0;
	self->value = NAN;
}

/**
 * cw_wma_clear:
 * @self: the average
 *
 * Frees the window.
 */
void
cw_wma_clear(CwWma *self)
{
	g_return_if_fail(self != NULL);

	cw_ring_clear(&self->ring);
	self->value = NAN;
}

/**
 * cw_wma_reset:
 * @self: the average
 *
 * Back to the state after init.
 */
void
cw_wma_reset(CwWma *self)
{
	g_return_if_fail(self != NULL);

	cw_ring_reset(&self->ring);
	self->weighted_sum = 0.0;
	self->value = NAN;
}

/**
 * cw_wma_update:
 * @self: the average
 * @x: the new value
 *
 * Returns: the average, NAN before warm-up.
 */
double
cw_wma_update(CwWma *self, double x)
{
	CwRing *ring = &self->ring;
	const double n = self->period;
	double out = NAN;

	if (cw_ring_full(ring)) {
		/* Every weight drops by one (minus the old sum, which includes
		 * the value falling out with weight 1), the new one weighs n. */
		self->weighted_sum -= ring->sum;
		out = cw_ring_push(ring, x);
		self->weighted_sum += n * x;
	} else {
		cw_ring_push(ring, x);
		self->weighted_sum += (double) ring->count * x;
	}
	if (!cw_ring_full(ring))
		return self->value;

	/* Exact recompute once per lap, and when an outlier leaves (the ring
	 * re-sums at the same points), so the weighted sum cannot drift. */
	if (ring->head == 0 || fabs(out) > CW_WMA_CANCEL_RATIO * fabs(ring->sum)) {
		double ws = 0.0;

		for (guint i = 0; i < self->period; i++)
			ws += (double) (self->period - i) * cw_ring_get(ring, i);
		self->weighted_sum = ws;
	}
	self->value = self->weighted_sum / (n * (n + 1.0) / 2.0);
	return self->value;
}
