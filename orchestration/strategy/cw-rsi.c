/* Wilder's RSI exactly as TA-Lib (ta_RSI.c, default compatibility, no
 * unstable period): the first n changes are averaged, later ones smoothed
 * with avg = (avg * (n - 1) + x) / n. RSI = 100 * gain / (gain + loss), 0
 * when both are zero. First value at index n. */
#include "cw-strategies.h"

#include <math.h>

/**
 * cw_rsi_init:
 * @self: the RSI
 * @period: n, >= 1 (TA-Lib accepts n >= 2)
 */
void
cw_rsi_init(CwRsi *self, guint period)
{
	g_return_if_fail(self != NULL);
	g_return_if_fail(period >= 1);

	self->period = period;
	cw_rsi_reset(self);
}

/**
 * cw_rsi_reset:
 * @self: the RSI
 *
 * Back to the state after init.
 */
void
cw_rsi_reset(CwRsi *self)
{
	g_return_if_fail(self != NULL);

	self->count = 0;
	self->prev = NAN;
	self->avg_gain = 0.0;
	self->avg_loss = 0.0;
	self->value = NAN;
}

static double
cw_rsi_compute(const CwRsi *self)
{
	double total = self->avg_gain + self->avg_loss;

	if (CW_TA_IS_ZERO(total))
		return 0.0;
	return 100.0 * (self->avg_gain / total);
}

/**
 * cw_rsi_update:
 * @self: the RSI
 * @close: the new close
 *
 * Returns: the RSI, NAN before warm-up.
 */
double
cw_rsi_update(CwRsi *self, double close)
{
	double diff;

	if (self->count == 0) {
		self->prev = close;
		self->count = 1;
		return self->value;
	}
	diff = close - self->prev;
	self->prev = close;

	if (self->count <= self->period) {
		/* seeding: plain sums of the first n changes */
		if (diff < 0.0)
			self->avg_loss -= diff;
		else
			self->avg_gain += diff;
		if (self->count == self->period) {
			self->avg_loss /= (double) self->period;
			self->avg_gain /= (double) self->period;
			self->value = cw_rsi_compute(self);
		}
		self->count++;
		return self->value;
	}

	self->avg_loss *= (double) (self->period - 1);
	self->avg_gain *= (double) (self->period - 1);
	if (diff < 0.0)
		self->avg_loss -= diff;
	else
		self->avg_gain += diff;
	self->avg_loss /= (double) self->period;
	self->avg_gain /= (double) self->period;
	self->value = cw_rsi_compute(self);
	return self->value;
}
