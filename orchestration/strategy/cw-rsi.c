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
