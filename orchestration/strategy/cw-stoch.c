/* Slow stochastic as TA-Lib STOCH with SMA smoothing: fastK = (C - LL) /
 * ((HH - LL) / 100) over k_period (0 when HH == LL), slowK = SMA(fastK,
 * k_slowing), slowD = SMA(slowK, d_period). Both outputs start, as in
 * TA-Lib, at index k + ks + d - 3. */
#include "cw-strategies.h"

#include <math.h>

/**
 * cw_stoch_init:
 * @self: the stochastic
 * @k_period: fast %K window, >= 1
 * @k_slowing: SMA period giving slow %K, >= 1
 * @d_period: SMA period giving slow %D, >= 1
 */
void
cw_stoch_init(CwStoch *self, guint k_period, guint k_slowing, guint d_period)
{
	g_return_if_fail(self != NULL);
	g_return_if_fail(k_period >= 1 && k_slowing >= 1 && d_period >= 1);

	self->k_period = k_period;
	self->k_slowing = k_slowing;
	self->d_period = d_period;
	cw_mono_deque_init(&self->highs, k_period, TRUE);
	cw_mono_deque_init(&self->lows, k_period, FALSE);
	cw_sma_init(&self->fast_k_sma, k_slowing);
	cw_sma_init(&self->slow_d_sma, d_period);
	cw_stoch_reset(self);
}

/**
 * cw_stoch_clear:
 * @self: the stochastic
 *
 * Frees the windows.
 */
void
cw_stoch_clear(CwStoch *self)
{
	g_return_if_fail(self != NULL);

	cw_mono_deque_clear(&self->highs);
	cw_mono_deque_clear(&self->lows);
	cw_sma_clear(&self->fast_k_sma);
	cw_sma_clear(&self->slow_d_sma);
	self->k = self->d = NAN;
}

/**
 * cw_stoch_reset:
 * @self: the stochastic
 *
 * Back to the state after init.
 */
void
cw_stoch_reset(CwStoch *self)
{
	g_return_if_fail(self != NULL);

	self->n = 0;
	cw_mono_deque_reset(&self->highs);
	cw_mono_deque_reset(&self->lows);
	cw_sma_reset(&self->fast_k_sma);
	cw_sma_reset(&self->slow_d_sma);
	self->k = NAN;
	self->d = NAN;
}

/**
 * cw_stoch_update:
 * @self: the stochastic
 * @candle: the new candle
 *
 * Updates k (slow %K) and d (slow %D), NAN before warm-up.
 */
void
cw_stoch_update(CwStoch *self, const CwCandle *candle)
{
	gint64 i = self->n++;
	double hh, ll, diff, fast_k, slow_k;

	hh = cw_mono_deque_push(&self->highs, i, candle->high, self->k_period);
	ll = cw_mono_deque_push(&self->lows, i, candle->low, self->k_period);
	if (i + 1 < (gint64) self->k_period)
		return;

	diff = (hh - ll) / 100.0;
	fast_k = diff != 0.0 ? (candle->close - ll) / diff : 0.0;
	slow_k = cw_sma_update(&self->fast_k_sma, fast_k);
	if (!cw_sma_ready(&self->fast_k_sma))
		return;
	cw_sma_update(&self->slow_d_sma, slow_k);
	if (!cw_sma_ready(&self->slow_d_sma))
		return;
	self->k = slow_k;
	self->d = self->slow_d_sma.value;
}
