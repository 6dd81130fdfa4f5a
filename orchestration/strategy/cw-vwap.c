/* Session VWAP: sum(tp * v) / sum(v) with tp = (h + l + c) / 3, restarted
 * at each UTC midnight (by candle open_time). While the session's volume
 * is zero the value is the candle's typical price. */
#include "cw-strategies.h"

#include <math.h>

#define CW_VWAP_DAY_MS G_GINT64_CONSTANT(86400000)

/**
 * cw_vwap_reset:
 * @self: the VWAP
 *
 * Initialises (or resets) @self; VWAP holds no storage.
 */
void
cw_vwap_reset(CwVwap *self)
{
	g_return_if_fail(self != NULL);

	self->session_start = G_MININT64;
	self->pv_sum = 0.0;
	self->v_sum = 0.0;
	self->value = NAN;
}

/**
 * cw_vwap_update:
 * @self: the VWAP
 * @candle: the new candle
 *
 * Returns: the session VWAP, defined from the first candle.
 */
double
cw_vwap_update(CwVwap *self, const CwCandle *candle)
{
	gint64 day = candle->open_time / CW_VWAP_DAY_MS;
	gint64 start;
	double tp;

	if (candle->open_time % CW_VWAP_DAY_MS < 0)
		day--; /* floor for times before 1970 */
	start = day * CW_VWAP_DAY_MS;
	if (start != self->session_start) {
		self->session_start = start;
		self->pv_sum = 0.0;
		self->v_sum = 0.0;
	}
	tp = (candle->high + candle->low + candle->close) / 3.0;
	self->pv_sum += tp * candle->volume;
	self->v_sum += candle->volume;
	self->value = self->v_sum > 0.0 ? self->pv_sum / self->v_sum : tp;
	return self->value;
}
