/* Donchian channel: upper = highest high and lower = lowest low over n
 * bars (rolling via monotonic deques), middle = (upper + lower) / 2. First
 * value at index n - 1. */
#include "cw-strategies.h"

#include <math.h>

/**
 * cw_donchian_init:
 * @self: the channel
 * @period: n, >= 1
 */
void
cw_donchian_init(CwDonchian *self, guint period)
{
	g_return_if_fail(self != NULL);
	g_return_if_fail(period >= 1);

	self->period = period;
	cw_mono_deque_init(&self->highs, period, TRUE);
	cw_mono_deque_init(&self->lows, period, FALSE);
	cw_donchian_reset(self);
}

/**
 * cw_donchian_clear:
 * @self: the channel
 *
 * Frees the windows.
 */
void
cw_donchian_clear(CwDonchian *self)
{
	g_return_if_fail(self != NULL);

	cw_mono_deque_clear(&self->highs);
	cw_mono_deque_clear(&self->lows);
	self->upper = self->middle = self->lower = NAN;
}

/**
 * cw_donchian_reset:
 * @self: the channel
 *
 * Back to the state after init.
 */
void
cw_donchian_reset(CwDonchian *self)
{
	g_return_if_fail(self != NULL);

	self->n = 0;
	cw_mono_deque_reset(&self->highs);
	cw_mono_deque_reset(&self->lows);
	self->upper = NAN;
	self->middle = NAN;
	self->lower = NAN;
}

/**
 * cw_donchian_update:
 * @self: the channel
 * @candle: the new candle
 *
 * Updates upper, middle and lower (NAN before warm-up).
 */
void
cw_donchian_update(CwDonchian *self, const CwCandle *candle)
{
	gint64 i = self->n++;
	double hh = cw_mono_deque_push(&self->highs, i, candle->high, self->period);
	double ll = cw_mono_deque_push(&self->lows, i, candle->low, self->period);

	if (i + 1 < (gint64) self->period)
		return;
	self->upper = hh;
	self->lower = ll;
	self->middle = (hh + ll) / 2.0;
}
