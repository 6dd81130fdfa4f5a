/* Bollinger Bands as TA-Lib BBANDS with an SMA: middle = SMA(n), sd =
 * population standard deviation over the same n values, bands = middle
 * +/- k * sd. First value at index n - 1.
 *
 * The variance comes from shifted sums, sum (x - shift)^2, with the shift
 * moved to the window mean at each exact recompute (once per lap of the
 * ring). That avoids the cancellation of E[x^2] - E[x]^2 at large prices
 * and bounds drift over millions of updates. When an outlier leaves the
 * window, or the mean moves far from the shift, the recompute happens at
 * once (O(n), only then). A window of identical values
 * gives sd = 0 exactly; a negative rounding residue is clamped to 0. */
#include "cw-strategies.h"

#include <math.h>

#define CW_BBANDS_CANCEL_RATIO 1048576.0

/**
 * cw_bbands_init:
 * @self: the bands
 * @period: n, >= 1
 * @k: band width in standard deviations
 */
void
cw_bbands_init(CwBbands *self, guint period, double k)
{
	g_return_if_fail(self != NULL);
	g_return_if_fail(period >= 1);

	self->period = period;
	self->k = k;
	cw_ring_init(&self->ring, period);
	cw_bbands_reset(self);
}

/**
 * cw_bbands_clear:
 * @self: the bands
 *
 * Frees the window.
 */
void
cw_bbands_clear(CwBbands *self)
{
	g_return_if_fail(self != NULL);

	cw_ring_clear(&self->ring);
	self->upper = self->middle = self->lower = NAN;
}

/**
 * cw_bbands_reset:
 * @self: the bands
 *
 * Back to the state after init.
 */
void
cw_bbands_reset(CwBbands *self)
{
	g_return_if_fail(self != NULL);

	cw_ring_reset(&self->ring);
	self->sum_sq = 0.0;
	self->shift = 0.0;
	self->equal_run = 0;
	self->upper = NAN;
	self->middle = NAN;
	self->lower = NAN;
}

static void
cw_bbands_recentre(CwBbands *self)
{
	const CwRing *ring = &self->ring;
	double shift = ring->sum / self->period;
	double sum_sq = 0.0;
	guint n = 0;

	/* newest to oldest: head - 1 down to 0, then capacity - 1 down */
	for (guint i = ring->head; i > 0 && n < ring->count; i--, n++) {
		double d = ring->values[i - 1] - shift;

		sum_sq += d * d;
	}
	for (guint i = ring->capacity; n < ring->count; i--, n++) {
		double d = ring->values[i - 1] - shift;

		sum_sq += d * d;
	}
	self->shift = shift;
	self->sum_sq = sum_sq;
}

static double
cw_bbands_variance(const CwBbands *self, double mean)
{
	double d = mean - self->shift;
	double var = self->sum_sq / self->period - d * d;

	return var > 0.0 ? var : 0.0;
}

/**
 * cw_bbands_update:
 * @self: the bands
 * @close: the new value
 *
 * Updates upper, middle and lower (NAN before warm-up).
 */
void
cw_bbands_update(CwBbands *self, double close)
{
	CwRing *ring = &self->ring;
	double out, d, mean, var, sd;
	gboolean recentre = FALSE;

	if (ring->count == 0) {
		self->shift = close;
		self->equal_run = 0;
	} else if (close == cw_ring_get(ring, 0)) {
		if (self->equal_run < self->period)
			self->equal_run++;
	} else {
		self->equal_run = 0;
	}

	out = cw_ring_push(ring, close);
	d = close - self->shift;
	self->sum_sq += d * d;
	if (!isnan(out)) {
		d = out - self->shift;
		self->sum_sq -= d * d;
		/* an outlier leaving took most of the sum's bits with it */
		if (d * d > CW_BBANDS_CANCEL_RATIO * fabs(self->sum_sq))
			recentre = TRUE;
	}
	if (!cw_ring_full(ring))
		return;
	if (recentre || ring->head == 0)
		cw_bbands_recentre(self);

	mean = ring->sum / self->period;
	if (self->equal_run + 1 >= self->period) {
		var = 0.0;
	} else {
		var = cw_bbands_variance(self, mean);
		/* shift far from the mean (e.g. an outlier just left): the
		 * subtraction lost more than 20 bits, recentre and redo */
		if (self->sum_sq / self->period > CW_BBANDS_CANCEL_RATIO * var &&
		    self->shift != mean) {
			cw_bbands_recentre(self);
			var = cw_bbands_variance(self, mean);
		}
	}
	sd = sqrt(var);
	self->middle = mean;
	self->upper = mean + self->k * sd;
	self->lower = mean - self->k * sd;
}
