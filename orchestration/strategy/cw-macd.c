/* MACD as TA-Lib ta_MACD.c (default compatibility): both price EMAs are
 * seeded with SMAs whose windows END on the same bar (slow - 1), i.e. the
 * fast EMA only starts at index slow - fast. The signal EMA is seeded with
 * the SMA of the first signal MACD values. First output at slow+signal-2;
 * hist = macd - signal. */
#include "cw-strategies.h"

#include <math.h>

/**
 * cw_macd_init:
 * @self: the MACD
 * @fast: fast EMA period, >= 1
 * @slow: slow EMA period, >= 1; swapped with @fast if smaller (as TA-Lib)
 * @signal: signal EMA period, >= 1
 */
void
cw_macd_init(CwMacd *self, guint fast, guint slow, guint signal)
{
	g_return_if_fail(self != NULL);
	g_return_if_fail(fast >= 1 && slow >= 1 && signal >= 1);

	if (slow < fast) {
		guint tmp = slow;

		slow = fast;
		fast = tmp;
	}
	self->fast_period = fast;
	self->slow_period = slow;
	self->signal_period = signal;
	cw_ema_init(&self->fast, fast);
	cw_ema_init(&self->slow, slow);
	cw_ema_init(&self->signal_ema, signal);
	cw_macd_reset(self);
}

/**
 * cw_macd_reset:
 * @self: the MACD
 *
 * Back to the state after init.
 */
void
cw_macd_reset(CwMacd *self)
{
	g_return_if_fail(self != NULL);

	cw_ema_reset(&self->fast);
	cw_ema_reset(&self->slow);
	cw_ema_reset(&self->signal_ema);
	self->count = 0;
	self->macd = NAN;
	self->signal = NAN;
	self->hist = NAN;
}
