#pragma once

#if !defined(CW_STRATEGIES_INSIDE) && !defined(CW_STRATEGIES_COMPILATION)
#error "Only <cw-strategies.h> can be included directly."
#endif

#include "cw-config.h"
#include "cw-core.h"
#include "cw-indicators.h"

G_BEGIN_DECLS

/* An analyzer turns the indicators of one CwAnalyzerSpec into a vote: a
 * direction and a confidence in [0, 1]. It is a plain struct (it runs per
 * candle): the composite strategy keeps its analyzers in one array taken at
 * configure time. Each analyzer creates only the indicators its kind needs.
 *
 * Per closed candle call cw_analyzer_update() and then cw_analyzer_evaluate()
 * with the same candle, or cw_analyzer_step() which does both. Until the analyzer is warmed up it votes NONE with
 * confidence 0. Every parameter comes from the spec; the only numbers in the
 * code are the shape constants below. "prev" means the value after the
 * previous candle. Close, open and volume are the current candle's.
 *
 * ema_cross (fast, slow; mode default or trend)
 *   diff = EMA(fast) - EMA(slow) of closes; avg = EMA(slow) of |diff|.
 *   default: prev diff <= 0 < diff -> LONG, confidence 1 (the cross);
 *            prev diff >= 0 > diff -> SHORT, confidence 1;
 *            otherwise the sign of diff, confidence
 *            CW_ANALYZER_TREND_CONFIDENCE * min(1, |diff| / avg);
 *   trend:   the sign of diff, confidence min(1, |diff| / avg), no cross bonus.
 *   diff == 0 -> NONE. Warm-up: about 2 * slow candles.
 * rsi (period, lower, upper; mode reversal (default) or trend)
 *   reversal: RSI < lower -> LONG, confidence 0.5 + 0.5 * (lower - RSI) / lower;
 *             RSI > upper -> SHORT, confidence 0.5 + 0.5 * (RSI - upper) / (100 - upper).
 *   trend:    RSI > 50 -> LONG, confidence min(1, (RSI - 50) / (upper - 50));
 *             RSI < 50 -> SHORT, confidence min(1, (50 - RSI) / (50 - lower));
 *             needs lower < 50 < upper.
 * macd (fast, slow, signal)
 *   hist = MACD - signal line. prev hist <= 0 < hist -> LONG, confidence 1;
 *   prev hist >= 0 > hist -> SHORT, confidence 1; hist > 0 and growing
 *   (hist > prev hist) -> LONG, CW_ANALYZER_MACD_GROWING_CONFIDENCE; hist > 0 and
 *   not growing -> LONG, CW_ANALYZER_MACD_FADING_CONFIDENCE; SHORT mirrors it.
 * bollinger (period, stddev; mode mean_reversion (default) or breakout)
 *   depth = distance of the close beyond the band / (middle - lower).
 *   mean_reversion: close < lower -> LONG, close > upper -> SHORT;
 *   breakout:       close > upper -> LONG, close < lower -> SHORT;
 *   confidence min(1, 0.5 + 0.5 * depth). Inside the bands (or zero width) -> NONE.
 * stochastic (k_period, k_slowing, d_period, lower, upper; mode reversal)
 *   %K crosses above %D (prev K <= prev D, K > D) while %D < lower -> LONG,
 *   confidence 0.5 + 0.5 * (lower - D) / lower; %K crosses below %D
 *   (prev K >= prev D, K < D) while %D > upper -> SHORT,
 *   confidence 0.5 + 0.5 * (D - upper) / (100 - upper).
 * atr_regime (period, min_pct, max_pct)
 *   ATR% = 100 * ATR(period) / close. Inside [min_pct, max_pct] (max_pct 0: no
 *   upper bound) the analyzer confirms the trend: the sign of the slope of
 *   EMA(period) of closes (EMA - prev EMA), confidence
 *   min(1, period * |slope| / ATR). Outside the band, flat slope or ATR 0 -> NONE.
 * volume_spike (period, multiplier)
 *   avg = SMA(period) of the volumes of the PREVIOUS candles (the current one
 *   is not in it). volume > multiplier * avg -> the direction of the candle
 *   body (close > open LONG, close < open SHORT, doji NONE), confidence
 *   min(1, (volume / avg) / (CW_ANALYZER_VOLUME_FULL_RATIO * multiplier)). avg 0 -> NONE.
 * donchian (period)
 *   The channel of the PREVIOUS period candles (before the current one is
 *   added): close > its upper -> LONG, close < its lower -> SHORT, confidence
 *   min(1, 0.5 + breakout / width) where breakout is the distance beyond the
 *   channel and width = upper - lower (1 when width is 0).
 * adx (period, threshold)
 *   ADX(period) >= threshold -> LONG when +DI > -DI, SHORT when -DI > +DI,
 *   confidence min(1, ADX / CW_ANALYZER_ADX_FULL).
 */

#define CW_ANALYZER_TREND_CONFIDENCE        0.5
#define CW_ANALYZER_MACD_GROWING_CONFIDENCE 0.6
#define CW_ANALYZER_MACD_FADING_CONFIDENCE  0.3
#define CW_ANALYZER_VOLUME_FULL_RATIO       2.0
#define CW_ANALYZER_ADX_FULL                50.0

typedef struct {
	CwAnalyzerSpec spec; /* copy; modes resolved (no CW_ANALYZER_MODE_DEFAULT) */
	gboolean initialized;
	union {
		struct {
			CwEma fast;
			CwEma slow;
			CwEma avg_spread;
			double diff;
			double prev_diff;
		} ema_cross;
		CwRsi rsi;
		struct {
			CwMacd macd;
			double hist;
			double prev_hist;
		} macd;
		CwBbands bollinger;
		struct {
			CwStoch stoch;
			double prev_k;
			double prev_d;
		} stoch;
		struct {
			CwAtr atr;
			CwEma ema;
			double prev_ema;
		} atr_regime;
		struct {
			CwSma sma;
			double prev_avg;
		} volume;
		struct {
			CwDonchian channel;
			double prev_upper;
			double prev_lower;
		} donchian;
		CwAdx adx;
	} u;
} CwAnalyzer;

/* A vote, as the aggregator reads it. */
typedef struct {
	CwDirection direction;
	double confidence; /* [0, 1], 0 for NONE */
	double weight;
} CwAnalyzerVote;

gboolean cw_analyzer_init(CwAnalyzer *self, const CwAnalyzerSpec *spec, GError **error);
void cw_analyzer_clear(CwAnalyzer *self);
void cw_analyzer_reset(CwAnalyzer *self);
void cw_analyzer_update(CwAnalyzer *self, const CwCandle *candle);
gboolean cw_analyzer_is_ready(const CwAnalyzer *self);
void cw_analyzer_evaluate(const CwAnalyzer *self, const CwCandle *candle, CwDirection *direction,
			  double *confidence);
/* Update + evaluate in one dispatch; returns cw_analyzer_is_ready(). */
gboolean cw_analyzer_step(CwAnalyzer *self, const CwCandle *candle, CwDirection *direction,
			  double *confidence);
/* cw_analyzer_step() over an array in one call, adding weight * confidence
 * of the LONG / SHORT votes in order; returns TRUE when all are ready. */
gboolean cw_analyzer_step_votes(CwAnalyzer *analyzers, CwAnalyzerVote *votes, guint n,
				const CwCandle *candle, double *sum_long, double *sum_short);
/* Heap bytes owned by the analyzer's indicators. */
gsize cw_analyzer_get_memory_size(const CwAnalyzer *self);
const char *cw_analyzer_get_name(const CwAnalyzer *self);

G_END_DECLS
