/* ADX, +DI and -DI as TA-Lib ta_ADX.c / ta_PLUS_DI.c / ta_MINUS_DI.c:
 *   up = h - prevH, down = prevL - l; -DM1 = down if down > 0 and up < down,
 *   else +DM1 = up if up > 0 and up > down (ties give neither).
 *   Bars 1..n-1: +DM, -DM and TR are plain sums (n-1 values). From bar n:
 *   Wilder, s = s - s/n + x; DI = 100 * DM / TR (0 when TR is zero).
 *   DX = 100 * |-DI - +DI| / (-DI + +DI), skipped when TR or the DI sum is
 *   zero. The first ADX, at 2n-1, is the sum of the DX of bars n..2n-1
 *   divided by n; then adx = (adx * (n-1) + dx) / n. */
#include "cw-strategies.h"

#include <math.h>

/**
 * cw_adx_init:
 * @self: the ADX
 * @period: n, >= 1 (TA-Lib accepts n >= 2)
 */
void
cw_adx_init(CwAdx *self, guint period)
{
	g_return_if_fail(self != NULL);
	g_return_if_fail(period >= 1);

	self->period = period;
	cw_adx_reset(self);
}

/**
 * cw_adx_reset:
 * @self: the ADX
 *
 * Back to the state after init.
 */
void
cw_adx_reset(CwAdx *self)
{
	g_return_if_fail(self != NULL);

	self->count = 0;
	self->prev_high = self->prev_low = self->prev_close = NAN;
	self->tr_s = 0.0;
	self->plus_dm_s = 0.0;
	self->minus_dm_s = 0.0;
	self->dx_sum = 0.0;
	self->dx_count = 0;
	self->plus_di = NAN;
	self->minus_di = NAN;
	self->adx = NAN;
}

/**
 * cw_adx_update:
 * @self: the ADX
 * @candle: the new candle
 *
 * Updates plus_di/minus_di (from index n) and adx (from index 2n-1).
 */
void
cw_adx_update(CwAdx *self, const CwCandle *candle)
{
	const double n = self->period;
	double diff_p, diff_m, tr, v, plus_dm = 0.0, minus_dm = 0.0;
	double di_sum, dx = 0.0;
	gboolean have_dx = FALSE;

	if (self->count == 0) {
		self->prev_high = candle->high;
		self->prev_low = candle->low;
		self->prev_close = candle->close;
		self->count = 1;
		return;
	}

	diff_p = candle->high - self->prev_high;
	diff_m = self->prev_low - candle->low;
	if (diff_m > 0 && diff_p < diff_m)
		minus_dm = diff_m;
	else if (diff_p > 0 && diff_p > diff_m)
		plus_dm = diff_p;
	tr = candle->high - candle->low;
	v = fabs(candle->high - self->prev_close);
	if (v > tr)
		tr = v;
	v = fabs(candle->low - self->prev_close);
	if (v > tr)
		tr = v;
	self->prev_high = candle->high;
	self->prev_low = candle->low;
	self->prev_close = candle->close;

	if (self->count < self->period) {
		self->minus_dm_s += minus_dm;
		self->plus_dm_s += plus_dm;
		self->tr_s += tr;
		self->count++;
		return;
	}

	self->minus_dm_s -= self->minus_dm_s / n;
	self->plus_dm_s -= self->plus_dm_s / n;
	self->minus_dm_s += minus_dm;
	self->plus_dm_s += plus_dm;
	self->tr_s = self->tr_s - self->tr_s / n + tr;

	if (!CW_TA_IS_ZERO(self->tr_s)) {
		self->minus_di = 100.0 * (self->minus_dm_s / self->tr_s);
		self->plus_di = 100.0 * (self->plus_dm_s / self->tr_s);
		di_sum = self->minus_di + self->plus_di;
		if (!CW_TA_IS_ZERO(di_sum)) {
			dx = 100.0 * (fabs(self->minus_di - self->plus_di) / di_sum);
			have_dx = TRUE;
		}
	} else {
		self->minus_di = 0.0;
		self->plus_di = 0.0;
	}

	if (self->count < 2 * self->period) {
		/* bars n .. 2n-1: accumulate the first n DX */
		if (have_dx)
			self->dx_sum += dx;
		self->dx_count++;
		self->count++;
		if (self->count == 2 * self->period)
			self->adx = self->dx_sum / n;
		return;
	}
	if (have_dx)
		self->adx = (self->adx * (n - 1.0) + dx) / n;
}
