#pragma once

#if !defined(CW_STRATEGIES_INSIDE) && !defined(CW_STRATEGIES_COMPILATION)
#error "Only <cw-strategies.h> can be included directly."
#endif

#include "cw-core.h"

#include <math.h>

G_BEGIN_DECLS

/* Incremental indicators, TA-Lib conventions. Every update is O(1) and
 * allocation free; memory (ring buffers) is taken once by *_init() and
 * given back by *_clear(). Windowed sums are recomputed exactly once per
 * lap of the window and when an outlier leaves it, so they do not drift
 * (O(1) amortised). Before warm-up *_ready() is FALSE and the value fields
 * hold NAN.
 *
 * Warm-up (first defined value, 0-based candle index), as TA-Lib:
 *   SMA/WMA/EMA(n): n-1        (EMA seeded with the SMA of the first n)
 *   RSI(n): n                  (Wilder)
 *   ATR(n): n                  (first TR needs a previous close; Wilder)
 *   MACD(f,s,g): s+g-2         (EMAs seeded with SMAs)
 *   BBANDS(n,k): n-1           (population standard deviation)
 *   STOCH(k,ks,d): k+ks+d-3    (SMA slowing for %K and %D)
 *   ADX(n): 2n-1, +DI/-DI: n   (Wilder)
 *   OBV: 0, VWAP: 0 (resets at each UTC day), DONCHIAN(n): n-1, VOLUME_SMA(n): n-1
 */

/* TA-Lib's TA_IS_ZERO band, used where TA-Lib guards a division (RSI,
 * +DI/-DI, DX). This is the value of current TA-Lib; TA-Lib 0.4 used 1e-8,
 * which reports RSI 0 and DX 0 for low-priced symbols (e.g. ALT/BTC). */
#define CW_TA_EPSILON    1e-14
#define CW_TA_IS_ZERO(v) ((-CW_TA_EPSILON) < (v) && (v) < CW_TA_EPSILON)

/* Ring of the last n doubles, with a running sum. */
typedef struct {
	double *values;
	guint capacity;
	guint count; /* <= capacity */
	guint head;  /* next write index */
	double sum;
} CwRing;

void cw_ring_init(CwRing *ring, guint capacity);
void cw_ring_clear(CwRing *ring);
void cw_ring_reset(CwRing *ring);
/* Recomputes sum exactly, oldest value first (cw_ring_push() calls it). */
void cw_ring_resum(CwRing *ring);

/*
 * cw_ring_get:
 * @ring: the ring
 * @i: age of the value, 0 is the newest; must be < count
 *
 * Returns: the value, NAN when @i is out of range.
 */
static inline double
cw_ring_get(const CwRing *ring, guint i)
{
	guint pos;

	if (i >= ring->count)
		return NAN;
	pos = ring->head + ring->capacity - 1 - i;
	if (pos >= ring->capacity)
		pos -= ring->capacity;
	return ring->values[pos];
}

/*
 * cw_ring_full:
 * @ring: the ring
 *
 * Returns: %TRUE once @ring holds capacity values.
 */
static inline gboolean
cw_ring_full(const CwRing *ring)
{
	return ring->count == ring->capacity;
}

/* A value leaving that is 2^12 times the remaining sum took that many bits
 * of its accuracy: re-sum at once. */
#define CW_RING_CANCEL_RATIO 4096.0

/*
 * cw_ring_push:
 * @ring: the ring
 * @x: the new value
 *
 * The running sum is re-summed exactly once per lap of the ring, so it cannot
 * drift over millions of pushes (O(1) amortised), and at once when an
 * outlier leaves the window. Inline: it runs per candle for every windowed
 * indicator.
 *
 * Returns: the value that fell out of the ring, NAN while it was not full.
 */
static inline double
cw_ring_push(CwRing *ring, double x)
{
	double out = NAN;

	if (ring->count == ring->capacity) {
		out = ring->values[ring->head];
		ring->sum -= out;
	} else {
		ring->count++;
	}
	ring->values[ring->head] = x;
	ring->sum += x;
	ring->head++;
	if (ring->head == ring->capacity)
		ring->head = 0;
	if (ring->count == ring->capacity &&
	    (ring->head == 0 || fabs(out) > CW_RING_CANCEL_RATIO * fabs(ring->sum)))
		cw_ring_resum(ring);
	return out;
}

typedef struct {
	CwRing ring;
	guint period;
	double value;
} CwSma;

void cw_sma_init(CwSma *self, guint period);
void cw_sma_clear(CwSma *self);
void cw_sma_reset(CwSma *self);
double cw_sma_update(CwSma *self, double x);

/*
 * cw_sma_ready:
 * @self: the average
 *
 * Returns: %TRUE once the value is defined.
 */
static inline gboolean
cw_sma_ready(const CwSma *self)
{
	return cw_ring_full(&self->ring);
}

typedef struct {
	guint period;
	guint count;
	double alpha; /* 2 / (n + 1) */
	double seed_sum;
	double value;
} CwEma;

void cw_ema_init(CwEma *self, guint period);
void cw_ema_reset(CwEma *self);

/*
 * cw_ema_update:
 * @self: the average
 * @x: the new value
 *
 * Returns: the average, NAN before warm-up.
 */
static inline double
cw_ema_update(CwEma *self, double x)
{
	if (self->count >= self->period) {
		self->value = (x - self->value) * self->alpha + self->value;
		return self->value;
	}
	self->seed_sum += x;
	self->count++;
	if (self->count == self->period)
		self->value = self->seed_sum / self->period;
	return self->value;
}

/*
 * cw_ema_ready:
 * @self: the average
 *
 * Returns: %TRUE once the value is defined.
 */
static inline gboolean
cw_ema_ready(const CwEma *self)
{
	return self->count >= self->period;
}

typedef struct {
	CwRing ring;
	guint period;
	double weighted_sum; /* sum of i * x_i */
	double value;
} CwWma;

void cw_wma_init(CwWma *self, guint period);
void cw_wma_clear(CwWma *self);
void cw_wma_reset(CwWma *self);
double cw_wma_update(CwWma *self, double x);

/*
 * cw_wma_ready:
 * @self: the average
 *
 * Returns: %TRUE once the value is defined.
 */
static inline gboolean
cw_wma_ready(const CwWma *self)
{
	return cw_ring_full(&self->ring);
}

typedef struct {
	guint period;
	guint count;
	double prev;
	double avg_gain;
	double avg_loss;
	double value;
} CwRsi;

void cw_rsi_init(CwRsi *self, guint period);
void cw_rsi_reset(CwRsi *self);

static inline double
cw_rsi_compute(const CwRsi *self)
{
	double total = self->avg_gain + self->avg_loss;

	if (CW_TA_IS_ZERO(total))
		return 0.0;
	return 100.0 * (self->avg_gain / total);
}

/*
 * cw_rsi_update:
 * @self: the RSI
 * @close: the new close
 *
 * Wilder's RSI exactly as TA-Lib (see cw-rsi.c). Inline: it runs per candle.
 *
 * Returns: the RSI, NAN before warm-up.
 */
static inline double
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

/*
 * cw_rsi_ready:
 * @self: the RSI
 *
 * Returns: %TRUE once the value is defined.
 */
static inline gboolean
cw_rsi_ready(const CwRsi *self)
{
	return self->count > self->period;
}

typedef struct {
	CwEma fast;
	CwEma slow;
	CwEma signal_ema;
	guint fast_period, slow_period, signal_period;
	guint count;
	double macd;
	double signal;
	double hist;
} CwMacd;

void cw_macd_init(CwMacd *self, guint fast, guint slow, guint signal);
void cw_macd_reset(CwMacd *self);

/*
 * cw_macd_update:
 * @self: the MACD
 * @close: the new close
 *
 * Updates macd, signal and hist (NAN before warm-up), as TA-Lib (see
 * cw-macd.c). Inline: it runs per candle.
 */
static inline void
cw_macd_update(CwMacd *self, double close)
{
	double line;

	if (self->count < self->slow_period - self->fast_period)
		self->count++;
	else
		cw_ema_update(&self->fast, close);
	cw_ema_update(&self->slow, close);
	if (!cw_ema_ready(&self->slow))
		return;

	line = self->fast.value - self->slow.value;
	cw_ema_update(&self->signal_ema, line);
	if (!cw_ema_ready(&self->signal_ema))
		return;
	self->macd = line;
	self->signal = self->signal_ema.value;
	self->hist = line - self->signal;
}

/*
 * cw_macd_ready:
 * @self: the MACD
 *
 * Returns: %TRUE once macd, signal and hist are defined.
 */
static inline gboolean
cw_macd_ready(const CwMacd *self)
{
	return cw_ema_ready(&self->signal_ema);
}

typedef struct {
	CwRing ring;
	guint period;
	double k;
	double sum_sq;
	double upper;
	double middle;
	double lower;
	/* sum_sq holds the sum of (x - shift)^2; shift is re-centred on the
	 * mean at each exact recompute, which keeps the variance free of
	 * cancellation. equal_run counts pushes equal to the previous one so a
	 * flat window yields exactly sd = 0. */
	double shift;
	guint equal_run;
} CwBbands;

void cw_bbands_init(CwBbands *self, guint period, double k);
void cw_bbands_clear(CwBbands *self);
void cw_bbands_reset(CwBbands *self);
void cw_bbands_update(CwBbands *self, double close);

/*
 * cw_bbands_ready:
 * @self: the bands
 *
 * Returns: %TRUE once the bands are defined.
 */
static inline gboolean
cw_bbands_ready(const CwBbands *self)
{
	return cw_ring_full(&self->ring);
}

typedef struct {
	guint period;
	guint count;
	double prev_close;
	double tr_sum;
	double value;
} CwAtr;

void cw_atr_init(CwAtr *self, guint period);
void cw_atr_reset(CwAtr *self);

/*
 * cw_atr_update:
 * @self: the ATR
 * @candle: the new candle
 *
 * As TA-Lib (see cw-atr.c). Inline: it runs per candle.
 *
 * Returns: the ATR, NAN before warm-up.
 */
static inline double
cw_atr_update(CwAtr *self, const CwCandle *candle)
{
	double tr, v;

	if (self->count == 0) {
		self->prev_close = candle->close;
		self->count = 1;
		return self->value;
	}
	tr = candle->high - candle->low;
	v = fabs(self->prev_close - candle->high);
	if (v > tr)
		tr = v;
	v = fabs(self->prev_close - candle->low);
	if (v > tr)
		tr = v;
	self->prev_close = candle->close;

	if (self->count <= self->period) {
		self->tr_sum += tr;
		if (self->count == self->period)
			self->value = self->tr_sum / self->period;
		self->count++;
		return self->value;
	}
	self->value *= (double) (self->period - 1);
	self->value += tr;
	self->value /= (double) self->period;
	return self->value;
}

/*
 * cw_atr_ready:
 * @self: the ATR
 *
 * Returns: %TRUE once the value is defined.
 */
static inline gboolean
cw_atr_ready(const CwAtr *self)
{
	return self->count > self->period;
}

/* Monotonic deques over a window, for rolling max/min in O(1) amortised. */
typedef struct {
	double *values;
	gint64 *index;
	guint capacity;
	guint head;
	guint len;
	gboolean is_max;
} CwMonoDeque;

void cw_mono_deque_init(CwMonoDeque *self, guint window, gboolean is_max);
void cw_mono_deque_clear(CwMonoDeque *self);
void cw_mono_deque_reset(CwMonoDeque *self);
/* Pushes x at position i (strictly increasing) and drops entries older
 * than i - window + 1. Returns the window's max (or min). */
double cw_mono_deque_push(CwMonoDeque *self, gint64 i, double x, guint window);

typedef struct {
	guint k_period, k_slowing, d_period;
	gint64 n;
	CwMonoDeque highs;
	CwMonoDeque lows;
	CwSma fast_k_sma; /* slowing */
	CwSma slow_d_sma;
	double k; /* slow %K */
	double d; /* slow %D */
} CwStoch;

void cw_stoch_init(CwStoch *self, guint k_period, guint k_slowing, guint d_period);
void cw_stoch_clear(CwStoch *self);
void cw_stoch_reset(CwStoch *self);
void cw_stoch_update(CwStoch *self, const CwCandle *candle);

/*
 * cw_stoch_ready:
 * @self: the stochastic
 *
 * Returns: %TRUE once k and d are defined.
 */
static inline gboolean
cw_stoch_ready(const CwStoch *self)
{
	return cw_sma_ready(&self->slow_d_sma);
}

typedef struct {
	guint period;
	guint count;
	double prev_high, prev_low, prev_close;
	double tr_s, plus_dm_s, minus_dm_s; /* Wilder sums */
	double dx_sum;
	guint dx_count;
	double plus_di;
	double minus_di;
	double adx;
} CwAdx;

void cw_adx_init(CwAdx *self, guint period);
void cw_adx_reset(CwAdx *self);
void cw_adx_update(CwAdx *self, const CwCandle *candle);

/*
 * cw_adx_ready:
 * @self: the ADX
 *
 * Returns: %TRUE once adx is defined (index 2n-1).
 */
static inline gboolean
cw_adx_ready(const CwAdx *self)
{
	return self->count >= 2 * self->period;
}

/*
 * cw_adx_di_ready:
 * @self: the ADX
 *
 * Returns: %TRUE once plus_di and minus_di are defined (index n).
 */
static inline gboolean
cw_adx_di_ready(const CwAdx *self)
{
	return self->count > self->period;
}

typedef struct {
	gboolean started;
	double prev_close;
	double value;
} CwObv;

void cw_obv_reset(CwObv *self);
double cw_obv_update(CwObv *self, const CwCandle *candle);

typedef struct {
	gint64 session_start; /* ms, UTC day of the current session */
	double pv_sum;
	double v_sum;
	double value;
} CwVwap;

void cw_vwap_reset(CwVwap *self);
double cw_vwap_update(CwVwap *self, const CwCandle *candle);

typedef struct {
	guint period;
	gint64 n;
	CwMonoDeque highs;
	CwMonoDeque lows;
	double upper;
	double middle;
	double lower;
} CwDonchian;

void cw_donchian_init(CwDonchian *self, guint period);
void cw_donchian_clear(CwDonchian *self);
void cw_donchian_reset(CwDonchian *self);
void cw_donchian_update(CwDonchian *self, const CwCandle *candle);

/*
 * cw_donchian_ready:
 * @self: the channel
 *
 * Returns: %TRUE once the channel is defined.
 */
static inline gboolean
cw_donchian_ready(const CwDonchian *self)
{
	return self->n >= (gint64) self->period;
}

/* Generic wrapper over the above for tools that pick indicators by name
 * ("candlewick indicators --spec ..."). */
typedef enum {
	CW_INDICATOR_SMA,
	CW_INDICATOR_EMA,
	CW_INDICATOR_WMA,
	CW_INDICATOR_RSI,
	CW_INDICATOR_MACD,
	CW_INDICATOR_BBANDS,
	CW_INDICATOR_ATR,
	CW_INDICATOR_STOCH,
	CW_INDICATOR_ADX,
	CW_INDICATOR_OBV,
	CW_INDICATOR_VWAP,
	CW_INDICATOR_DONCHIAN,
	CW_INDICATOR_VOLUME_SMA,
	CW_INDICATOR_LAST /*< skip >*/
} CwIndicatorKind;

#define CW_INDICATOR_MAX_OUTPUTS 3
#define CW_INDICATOR_MAX_PARAMS  3

typedef struct _CwIndicator CwIndicator;

/* Parses "name[:p1[:p2[:p3]]]" (e.g. "macd:12:26:9"); missing parameters
 * take the TA-Lib defaults. Unknown names are an error listing the known
 * ones (CW_STRATEGIES_ERROR_UNKNOWN_INDICATOR). */
CwIndicator *cw_indicator_new_from_spec(const char *spec, GError **error);
CwIndicator *cw_indicator_new(CwIndicatorKind kind, const double *params, guint n_params,
			      GError **error);
void cw_indicator_free(CwIndicator *self);
void cw_indicator_update(CwIndicator *self, const CwCandle *candle);
guint cw_indicator_get_n_outputs(const CwIndicator *self);
/* Column name, e.g. "macd_signal_12_26_9", "bb_upper_20_2", "sma_20". */
const char *cw_indicator_get_output_name(const CwIndicator *self, guint output);
/* NAN until defined. */
double cw_indicator_get_value(const CwIndicator *self, guint output);
const char *cw_indicator_kind_to_string(CwIndicatorKind kind);
/* "sma, ema, wma, ..." */
const char *cw_indicator_known_names(void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwIndicator, cw_indicator_free)

G_END_DECLS
