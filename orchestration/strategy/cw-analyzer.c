#include "cw-strategies.h"

#include <math.h>

static const char *const cw_analyzer_names[] = {
    [CW_ANALYZER_EMA_CROSS] = "ema_cross",
    [CW_ANALYZER_RSI] = "rsi",
    [CW_ANALYZER_MACD] = "macd",
    [CW_ANALYZER_BOLLINGER] = "bollinger",
    [CW_ANALYZER_STOCHASTIC] = "stochastic",
    [CW_ANALYZER_ATR_REGIME] = "atr_regime",
    [CW_ANALYZER_VOLUME_SPIKE] = "volume_spike",
    [CW_ANALYZER_DONCHIAN] = "donchian",
    [CW_ANALYZER_ADX] = "adx",
};

G_STATIC_ASSERT(G_N_ELEMENTS(cw_analyzer_names) == CW_ANALYZER_LAST);

static gboolean
cw_analyzer_fail(GError **error, CwAnalyzerKind kind, const char *what)
{
	g_set_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER, "%s: %s",
		    cw_analyzer_names[kind], what);
	return FALSE;
}

static gboolean
cw_analyzer_zones_valid(const CwAnalyzerSpec *spec)
{
	/* lower 0 or upper 100 are valid: that zone is then never entered */
	return spec->lower >= 0 && spec->lower < spec->upper && spec->upper <= 100;
}

/* Checks the parameters the kind reads and resolves the default mode. */
static gboolean
cw_analyzer_validate(CwAnalyzerSpec *spec, GError **error)
{
	CwAnalyzerKind kind = spec->kind;
	CwAnalyzerMode mode = spec->mode;

	if (!isfinite(spec->weight) || spec->weight < 0 || spec->weight > 1)
		return cw_analyzer_fail(error, kind, "weight must be in [0, 1]");

	switch (kind) {
	case CW_ANALYZER_EMA_CROSS:
		if (spec->fast == 0 || spec->slow <= spec->fast)
			return cw_analyzer_fail(error, kind, "need 0 < fast < slow");
		if (mode != CW_ANALYZER_MODE_DEFAULT && mode != CW_ANALYZER_MODE_TREND)
			return cw_analyzer_fail(error, kind, "mode must be default or trend");
		return TRUE;
	case CW_ANALYZER_RSI:
		if (spec->period == 0)
			return cw_analyzer_fail(error, kind, "period must be > 0");
		if (!cw_analyzer_zones_valid(spec))
			return cw_analyzer_fail(error, kind, "need 0 <= lower < upper <= 100");
		if (mode == CW_ANALYZER_MODE_DEFAULT)
			spec->mode = CW_ANALYZER_MODE_REVERSAL;
		else if (mode != CW_ANALYZER_MODE_REVERSAL && mode != CW_ANALYZER_MODE_TREND)
			return cw_analyzer_fail(error, kind, "mode must be reversal or trend");
		/* trend mode scales from 50 to each bound */
		if (spec->mode == CW_ANALYZER_MODE_TREND &&
		    (spec->lower >= 50 || spec->upper <= 50))
			return cw_analyzer_fail(error, kind, "trend mode needs lower < 50 < upper");
		return TRUE;
	case CW_ANALYZER_MACD:
		if (spec->fast == 0 || spec->slow <= spec->fast || spec->signal == 0)
			return cw_analyzer_fail(error, kind, "need 0 < fast < slow and signal > 0");
		if (mode != CW_ANALYZER_MODE_DEFAULT && mode != CW_ANALYZER_MODE_TREND)
			return cw_analyzer_fail(error, kind, "mode must be default or trend");
		return TRUE;
	case CW_ANALYZER_BOLLINGER:
		if (spec->period < 2)
			return cw_analyzer_fail(error, kind, "period must be >= 2");
		if (!isfinite(spec->stddev) || spec->stddev <= 0)
			return cw_analyzer_fail(error, kind, "stddev must be > 0");
		if (mode == CW_ANALYZER_MODE_DEFAULT)
			spec->mode = CW_ANALYZER_MODE_MEAN_REVERSION;
		else if (mode != CW_ANALYZER_MODE_MEAN_REVERSION &&
			 mode != CW_ANALYZER_MODE_BREAKOUT)
			return cw_analyzer_fail(error, kind,
						"mode must be mean_reversion or breakout");
		return TRUE;
	case CW_ANALYZER_STOCHASTIC:
		if (spec->k_period == 0 || spec->k_slowing == 0 || spec->d_period == 0)
			return cw_analyzer_fail(error, kind,
						"k_period, k_slowing and d_period must be > 0");
		if (!cw_analyzer_zones_valid(spec))
			return cw_analyzer_fail(error, kind, "need 0 <= lower < upper <= 100");
		if (mode == CW_ANALYZER_MODE_DEFAULT)
			spec->mode = CW_ANALYZER_MODE_REVERSAL;
		else if (mode != CW_ANALYZER_MODE_REVERSAL)
			return cw_analyzer_fail(error, kind, "mode must be reversal");
		return TRUE;
	case CW_ANALYZER_ATR_REGIME:
		if (spec->period == 0)
			return cw_analyzer_fail(error, kind, "period must be > 0");
		if (!isfinite(spec->min_pct) || spec->min_pct < 0 || !isfinite(spec->max_pct) ||
		    (spec->max_pct != 0 && spec->max_pct <= spec->min_pct))
			return cw_analyzer_fail(
			    error, kind, "need 0 <= min_pct < max_pct (max_pct 0: no bound)");
		break;
	case CW_ANALYZER_VOLUME_SPIKE:
		if (spec->period == 0)
			return cw_analyzer_fail(error, kind, "period must be > 0");
		if (!isfinite(spec->multiplier) || spec->multiplier <= 0)
			return cw_analyzer_fail(error, kind, "multiplier must be > 0");
		break;
	case CW_ANALYZER_DONCHIAN:
		if (spec->period == 0)
			return cw_analyzer_fail(error, kind, "period must be > 0");
		break;
	case CW_ANALYZER_ADX:
		if (spec->period == 0)
			return cw_analyzer_fail(error, kind, "period must be > 0");
		if (!isfinite(spec->threshold) || spec->threshold < 0 || spec->threshold > 100)
			return cw_analyzer_fail(error, kind, "threshold must be in [0, 100]");
		break;
	case CW_ANALYZER_LAST:
	default:
		g_set_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER,
			    "unknown analyzer kind %d", (int) kind);
		return FALSE;
	}
	if (mode != CW_ANALYZER_MODE_DEFAULT)
		return cw_analyzer_fail(error, kind, "takes no mode");
	return TRUE;
}

/**
 * cw_analyzer_init:
 * @self: storage for the analyzer (zeroed or cleared)
 * @spec: its configuration
 * @error: return location for a #GError (CW_STRATEGIES_ERROR_INVALID_PARAMETER)
 *
 * Validates @spec and creates the indicators of its kind. On failure
 * @self needs no cw_analyzer_clear().
 */
gboolean
cw_analyzer_init(CwAnalyzer *self, const CwAnalyzerSpec *spec, GError **error)
{
	CwAnalyzerSpec s = *spec;

	memset(self, 0, sizeof(*self));
	if (!cw_analyzer_validate(&s, error))
		return FALSE;
	self->spec = s;

	switch (s.kind) {
	case CW_ANALYZER_EMA_CROSS:
		cw_ema_init(&self->u.ema_cross.fast, s.fast);
		cw_ema_init(&self->u.ema_cross.slow, s.slow);
		cw_ema_init(&self->u.ema_cross.avg_spread, s.slow);
		break;
	case CW_ANALYZER_RSI:
		cw_rsi_init(&self->u.rsi, s.period);
		break;
	case CW_ANALYZER_MACD:
		cw_macd_init(&self->u.macd.macd, s.fast, s.slow, s.signal);
		break;
	case CW_ANALYZER_BOLLINGER:
		cw_bbands_init(&self->u.bollinger, s.period, s.stddev);
		break;
	case CW_ANALYZER_STOCHASTIC:
		cw_stoch_init(&self->u.stoch.stoch, s.k_period, s.k_slowing, s.d_period);
		break;
	case CW_ANALYZER_ATR_REGIME:
		cw_atr_init(&self->u.atr_regime.atr, s.period);
		cw_ema_init(&self->u.atr_regime.ema, s.period);
		break;
	case CW_ANALYZER_VOLUME_SPIKE:
		cw_sma_init(&self->u.volume.sma, s.period);
		break;
	case CW_ANALYZER_DONCHIAN:
		cw_donchian_init(&self->u.donchian.channel, s.period);
		break;
	case CW_ANALYZER_ADX:
		cw_adx_init(&self->u.adx, s.period);
		break;
	case CW_ANALYZER_LAST:
	default:
		g_assert_not_reached();
	}
	self->initialized = TRUE;
	cw_analyzer_reset(self);
	return TRUE;
}

/**
 * cw_analyzer_clear:
 * @self: an analyzer
 *
 * Frees the indicators' buffers. Safe on a zeroed or already cleared analyzer.
 */
void
cw_analyzer_clear(CwAnalyzer *self)
{
	if (!self->initialized)
		return;
	switch (self->spec.kind) {
	case CW_ANALYZER_BOLLINGER:
		cw_bbands_clear(&self->u.bollinger);
		break;
	case CW_ANALYZER_STOCHASTIC:
		cw_stoch_clear(&self->u.stoch.stoch);
		break;
	case CW_ANALYZER_VOLUME_SPIKE:
		cw_sma_clear(&self->u.volume.sma);
		break;
	case CW_ANALYZER_DONCHIAN:
		cw_donchian_clear(&self->u.donchian.channel);
		break;
	default:
		break;
	}
	self->initialized = FALSE;
}

/**
 * cw_analyzer_reset:
 * @self: an analyzer
 *
 * Forgets every value; the analyzer warms up again.
 */
void
cw_analyzer_reset(CwAnalyzer *self)
{
	switch (self->spec.kind) {
	case CW_ANALYZER_EMA_CROSS:
		cw_ema_reset(&self->u.ema_cross.fast);
		cw_ema_reset(&self->u.ema_cross.slow);
		cw_ema_reset(&self->u.ema_cross.avg_spread);
		self->u.ema_cross.diff = NAN;
		self->u.ema_cross.prev_diff = NAN;
		break;
	case CW_ANALYZER_RSI:
		cw_rsi_reset(&self->u.rsi);
		break;
	case CW_ANALYZER_MACD:
		cw_macd_reset(&self->u.macd.macd);
		self->u.macd.hist = NAN;
		self->u.macd.prev_hist = NAN;
		break;
	case CW_ANALYZER_BOLLINGER:
		cw_bbands_reset(&self->u.bollinger);
		break;
	case CW_ANALYZER_STOCHASTIC:
		cw_stoch_reset(&self->u.stoch.stoch);
		self->u.stoch.prev_k = NAN;
		self->u.stoch.prev_d = NAN;
		break;
	case CW_ANALYZER_ATR_REGIME:
		cw_atr_reset(&self->u.atr_regime.atr);
		cw_ema_reset(&self->u.atr_regime.ema);
		self->u.atr_regime.prev_ema = NAN;
		break;
	case CW_ANALYZER_VOLUME_SPIKE:
		cw_sma_reset(&self->u.volume.sma);
		self->u.volume.prev_avg = NAN;
		break;
	case CW_ANALYZER_DONCHIAN:
		cw_donchian_reset(&self->u.donchian.channel);
		self->u.donchian.prev_upper = NAN;
		self->u.donchian.prev_lower = NAN;
		break;
	case CW_ANALYZER_ADX:
		cw_adx_reset(&self->u.adx);
		break;
	case CW_ANALYZER_LAST:
	default:
		break;
	}
}

/* Per-kind update, readiness and rule. cw_analyzer_update(),
 * cw_analyzer_is_ready(), cw_analyzer_evaluate() and cw_analyzer_step() are
 * built from the same helpers, so they compute the same numbers. */

static inline void
cw_analyzer_update_ema_cross(CwAnalyzer *self, double close)
{
	CwEma *fast = &self->u.ema_cross.fast;
	CwEma *slow = &self->u.ema_cross.slow;

	cw_ema_update(fast, close);
	cw_ema_update(slow, close);
	if (cw_ema_ready(fast) && cw_ema_ready(slow)) {
		self->u.ema_cross.prev_diff = self->u.ema_cross.diff;
		self->u.ema_cross.diff = fast->value - slow->value;
		cw_ema_update(&self->u.ema_cross.avg_spread, fabs(self->u.ema_cross.diff));
	}
}

static inline void
cw_analyzer_update_macd(CwAnalyzer *self, double close)
{
	cw_macd_update(&self->u.macd.macd, close);
	if (cw_macd_ready(&self->u.macd.macd)) {
		self->u.macd.prev_hist = self->u.macd.hist;
		self->u.macd.hist = self->u.macd.macd.hist;
	}
}

static inline void
cw_analyzer_update_stoch(CwAnalyzer *self, const CwCandle *candle)
{
	CwStoch *stoch = &self->u.stoch.stoch;

	if (cw_stoch_ready(stoch)) {
		self->u.stoch.prev_k = stoch->k;
		self->u.stoch.prev_d = stoch->d;
	}
	cw_stoch_update(stoch, candle);
}

static inline void
cw_analyzer_update_atr_regime(CwAnalyzer *self, const CwCandle *candle)
{
	CwEma *ema = &self->u.atr_regime.ema;

	self->u.atr_regime.prev_ema = cw_ema_ready(ema) ? ema->value : NAN;
	cw_ema_update(ema, candle->close);
	cw_atr_update(&self->u.atr_regime.atr, candle);
}

static inline void
cw_analyzer_update_volume(CwAnalyzer *self, const CwCandle *candle)
{
	CwSma *sma = &self->u.volume.sma;

	self->u.volume.prev_avg = cw_sma_ready(sma) ? sma->value : NAN;
	cw_sma_update(sma, candle->volume);
}

static inline void
cw_analyzer_update_donchian(CwAnalyzer *self, const CwCandle *candle)
{
	CwDonchian *channel = &self->u.donchian.channel;

	self->u.donchian.prev_upper = cw_donchian_ready(channel) ? channel->upper : NAN;
	self->u.donchian.prev_lower = cw_donchian_ready(channel) ? channel->lower : NAN;
	cw_donchian_update(channel, candle);
}

static inline gboolean
cw_analyzer_ready_ema_cross(const CwAnalyzer *self)
{
	return !isnan(self->u.ema_cross.prev_diff) && cw_ema_ready(&self->u.ema_cross.avg_spread);
}

static inline gboolean
cw_analyzer_ready_macd(const CwAnalyzer *self)
{
	return !isnan(self->u.macd.prev_hist);
}

static inline gboolean
cw_analyzer_ready_stoch(const CwAnalyzer *self)
{
	return cw_stoch_ready(&self->u.stoch.stoch) && !isnan(self->u.stoch.prev_k);
}

static inline gboolean
cw_analyzer_ready_atr_regime(const CwAnalyzer *self)
{
	return cw_atr_ready(&self->u.atr_regime.atr) && !isnan(self->u.atr_regime.prev_ema);
}

static inline gboolean
cw_analyzer_ready_volume(const CwAnalyzer *self)
{
	return !isnan(self->u.volume.prev_avg);
}

static inline gboolean
cw_analyzer_ready_donchian(const CwAnalyzer *self)
{
	return !isnan(self->u.donchian.prev_upper);
}

/**
 * cw_analyzer_update:
 * @self: an analyzer
 * @candle: the next closed candle
 *
 * Feeds the candle to the analyzer's indicators. Allocation free.
 */
void
cw_analyzer_update(CwAnalyzer *self, const CwCandle *candle)
{
	switch (self->spec.kind) {
	case CW_ANALYZER_EMA_CROSS:
		cw_analyzer_update_ema_cross(self, candle->close);
		break;
	case CW_ANALYZER_RSI:
		cw_rsi_update(&self->u.rsi, candle->close);
		break;
	case CW_ANALYZER_MACD:
		cw_analyzer_update_macd(self, candle->close);
		break;
	case CW_ANALYZER_BOLLINGER:
		cw_bbands_update(&self->u.bollinger, candle->close);
		break;
	case CW_ANALYZER_STOCHASTIC:
		cw_analyzer_update_stoch(self, candle);
		break;
	case CW_ANALYZER_ATR_REGIME:
		cw_analyzer_update_atr_regime(self, candle);
		break;
	case CW_ANALYZER_VOLUME_SPIKE:
		cw_analyzer_update_volume(self, candle);
		break;
	case CW_ANALYZER_DONCHIAN:
		cw_analyzer_update_donchian(self, candle);
		break;
	case CW_ANALYZER_ADX:
		cw_adx_update(&self->u.adx, candle);
		break;
	case CW_ANALYZER_LAST:
	default:
		break;
	}
}

/**
 * cw_analyzer_is_ready:
 * @self: an analyzer
 *
 * Returns: %TRUE when every value the analyzer's rule reads is defined.
 */
gboolean
cw_analyzer_is_ready(const CwAnalyzer *self)
{
	switch (self->spec.kind) {
	case CW_ANALYZER_EMA_CROSS:
		return cw_analyzer_ready_ema_cross(self);
	case CW_ANALYZER_RSI:
		return cw_rsi_ready(&self->u.rsi);
	case CW_ANALYZER_MACD:
		return cw_analyzer_ready_macd(self);
	case CW_ANALYZER_BOLLINGER:
		return cw_bbands_ready(&self->u.bollinger);
	case CW_ANALYZER_STOCHASTIC:
		return cw_analyzer_ready_stoch(self);
	case CW_ANALYZER_ATR_REGIME:
		return cw_analyzer_ready_atr_regime(self);
	case CW_ANALYZER_VOLUME_SPIKE:
		return cw_analyzer_ready_volume(self);
	case CW_ANALYZER_DONCHIAN:
		return cw_analyzer_ready_donchian(self);
	case CW_ANALYZER_ADX:
		return cw_adx_ready(&self->u.adx);
	case CW_ANALYZER_LAST:
	default:
		return FALSE;
	}
}

static inline CwDirection
cw_analyzer_sign(double x)
{
	if (x > 0)
		return CW_DIRECTION_LONG;
	if (x < 0)
		return CW_DIRECTION_SHORT;
	return CW_DIRECTION_NONE;
}

static inline double
cw_analyzer_clamp01(double x)
{
	if (!(x > 0)) /* also NAN */
		return 0;
	return x < 1 ? x : 1;
}

G_ALWAYS_INLINE static inline CwDirection
cw_analyzer_eval_ema_cross(const CwAnalyzer *self, double *conf)
{
	double diff = self->u.ema_cross.diff;
	double prev = self->u.ema_cross.prev_diff;
	double avg = self->u.ema_cross.avg_spread.value;
	double scaled = avg > 0 ? cw_analyzer_clamp01(fabs(diff) / avg) : 0;
	CwDirection dir = cw_analyzer_sign(diff);

	if (self->spec.mode == CW_ANALYZER_MODE_TREND) {
		*conf = scaled;
		return dir;
	}
	if ((dir == CW_DIRECTION_LONG && prev <= 0) || (dir == CW_DIRECTION_SHORT && prev >= 0)) {
		*conf = 1;
		return dir;
	}
	*conf = CW_ANALYZER_TREND_CONFIDENCE * scaled;
	return dir;
}

G_ALWAYS_INLINE static inline CwDirection
cw_analyzer_eval_rsi(const CwAnalyzer *self, double *conf)
{
	const CwAnalyzerSpec *s = &self->spec;
	double rsi = self->u.rsi.value;

	if (s->mode == CW_ANALYZER_MODE_TREND) {
		if (rsi > 50) {
			*conf = cw_analyzer_clamp01((rsi - 50) / (s->upper - 50));
			return CW_DIRECTION_LONG;
		}
		if (rsi < 50) {
			*conf = cw_analyzer_clamp01((50 - rsi) / (50 - s->lower));
			return CW_DIRECTION_SHORT;
		}
		return CW_DIRECTION_NONE;
	}
	if (rsi < s->lower) {
		*conf = cw_analyzer_clamp01(0.5 + 0.5 * (s->lower - rsi) / s->lower);
		return CW_DIRECTION_LONG;
	}
	if (rsi > s->upper) {
		*conf = cw_analyzer_clamp01(0.5 + 0.5 * (rsi - s->upper) / (100 - s->upper));
		return CW_DIRECTION_SHORT;
	}
	return CW_DIRECTION_NONE;
}

G_ALWAYS_INLINE static inline CwDirection
cw_analyzer_eval_macd(const CwAnalyzer *self, double *conf)
{
	double hist = self->u.macd.hist;
	double prev = self->u.macd.prev_hist;
	CwDirection dir = cw_analyzer_sign(hist);

	if (dir == CW_DIRECTION_NONE)
		return dir;
	if ((dir == CW_DIRECTION_LONG && prev <= 0) || (dir == CW_DIRECTION_SHORT && prev >= 0))
		*conf = 1;
	else if (fabs(hist) > fabs(prev))
		*conf = CW_ANALYZER_MACD_GROWING_CONFIDENCE;
	else
		*conf = CW_ANALYZER_MACD_FADING_CONFIDENCE;
	return dir;
}

G_ALWAYS_INLINE static inline CwDirection
cw_analyzer_eval_bollinger(const CwAnalyzer *self, double close, double *conf)
{
	const CwBbands *bb = &self->u.bollinger;
	double half = bb->middle - bb->lower;
	CwDirection dir;
	double depth;

	if (!(half > 0))
		return CW_DIRECTION_NONE;
	if (close < bb->lower) {
		dir = CW_DIRECTION_LONG;
		depth = (bb->lower - close) / half;
	} else if (close > bb->upper) {
		dir = CW_DIRECTION_SHORT;
		depth = (close - bb->upper) / half;
	} else {
		return CW_DIRECTION_NONE;
	}
	if (self->spec.mode == CW_ANALYZER_MODE_BREAKOUT)
		dir = -dir;
	*conf = cw_analyzer_clamp01(0.5 + 0.5 * depth);
	return dir;
}

G_ALWAYS_INLINE static inline CwDirection
cw_analyzer_eval_stoch(const CwAnalyzer *self, double *conf)
{
	const CwAnalyzerSpec *s = &self->spec;
	double k = self->u.stoch.stoch.k;
	double d = self->u.stoch.stoch.d;
	double pk = self->u.stoch.prev_k;
	double pd = self->u.stoch.prev_d;

	if (pk <= pd && k > d && d < s->lower) {
		*conf = cw_analyzer_clamp01(0.5 + 0.5 * (s->lower - d) / s->lower);
		return CW_DIRECTION_LONG;
	}
	if (pk >= pd && k < d && d > s->upper) {
		*conf = cw_analyzer_clamp01(0.5 + 0.5 * (d - s->upper) / (100 - s->upper));
		return CW_DIRECTION_SHORT;
	}
	return CW_DIRECTION_NONE;
}

G_ALWAYS_INLINE static inline CwDirection
cw_analyzer_eval_atr_regime(const CwAnalyzer *self, double close, double *conf)
{
	const CwAnalyzerSpec *s = &self->spec;
	double atr = self->u.atr_regime.atr.value;
	double slope = self->u.atr_regime.ema.value - self->u.atr_regime.prev_ema;
	double pct;

	if (!(close > 0) || !(atr > 0))
		return CW_DIRECTION_NONE;
	pct = 100.0 * atr / close;
	if (pct < s->min_pct || (s->max_pct > 0 && pct > s->max_pct))
		return CW_DIRECTION_NONE;
	*conf = cw_analyzer_clamp01(s->period * fabs(slope) / atr);
	return *conf > 0 ? cw_analyzer_sign(slope) : CW_DIRECTION_NONE;
}

G_ALWAYS_INLINE static inline CwDirection
cw_analyzer_eval_volume(const CwAnalyzer *self, const CwCandle *candle, double *conf)
{
	const CwAnalyzerSpec *s = &self->spec;
	double avg = self->u.volume.prev_avg;
	double ratio;
	CwDirection dir;

	if (!(avg > 0))
		return CW_DIRECTION_NONE;
	ratio = candle->volume / avg;
	if (!(ratio > s->multiplier))
		return CW_DIRECTION_NONE;
	dir = cw_analyzer_sign(candle->close - candle->open);
	if (dir != CW_DIRECTION_NONE)
		*conf =
		    cw_analyzer_clamp01(ratio / (CW_ANALYZER_VOLUME_FULL_RATIO * s->multiplier));
	return dir;
}

G_ALWAYS_INLINE static inline CwDirection
cw_analyzer_eval_donchian(const CwAnalyzer *self, double close, double *conf)
{
	double upper = self->u.donchian.prev_upper;
	double lower = self->u.donchian.prev_lower;
	double width = upper - lower;
	double breakout;
	CwDirection dir;

	if (close > upper) {
		dir = CW_DIRECTION_LONG;
		breakout = close - upper;
	} else if (close < lower) {
		dir = CW_DIRECTION_SHORT;
		breakout = lower - close;
	} else {
		return CW_DIRECTION_NONE;
	}
	*conf = width > 0 ? cw_analyzer_clamp01(0.5 + breakout / width) : 1;
	return dir;
}

G_ALWAYS_INLINE static inline CwDirection
cw_analyzer_eval_adx(const CwAnalyzer *self, double *conf)
{
	const CwAdx *adx = &self->u.adx;
	CwDirection dir;

	if (!(adx->adx >= self->spec.threshold))
		return CW_DIRECTION_NONE;
	dir = cw_analyzer_sign(adx->plus_di - adx->minus_di);
	if (dir != CW_DIRECTION_NONE)
		*conf = cw_analyzer_clamp01(adx->adx / CW_ANALYZER_ADX_FULL);
	return dir;
}

/* A vote is NONE with confidence 0 unless the rule gave a direction and a
 * confidence > 0. */
G_ALWAYS_INLINE static inline void
cw_analyzer_vote(CwDirection dir, double conf, CwDirection *direction, double *confidence)
{
	if (dir == CW_DIRECTION_NONE || !(conf > 0)) {
		dir = CW_DIRECTION_NONE;
		conf = 0;
	}
	if (direction != NULL)
		*direction = dir;
	if (confidence != NULL)
		*confidence = conf;
}

/**
 * cw_analyzer_evaluate:
 * @self: an analyzer, updated with @candle
 * @candle: the candle just given to cw_analyzer_update()
 * @direction: (out): the vote
 * @confidence: (out): in [0, 1]; 0 when the vote is NONE
 *
 * Applies the kind's rule (see the header). Does not change @self.
 */
void
cw_analyzer_evaluate(const CwAnalyzer *self, const CwCandle *candle, CwDirection *direction,
		     double *confidence)
{
	CwDirection dir = CW_DIRECTION_NONE;
	double conf = 0;

	if (cw_analyzer_is_ready(self)) {
		switch (self->spec.kind) {
		case CW_ANALYZER_EMA_CROSS:
			dir = cw_analyzer_eval_ema_cross(self, &conf);
			break;
		case CW_ANALYZER_RSI:
			dir = cw_analyzer_eval_rsi(self, &conf);
			break;
		case CW_ANALYZER_MACD:
			dir = cw_analyzer_eval_macd(self, &conf);
			break;
		case CW_ANALYZER_BOLLINGER:
			dir = cw_analyzer_eval_bollinger(self, candle->close, &conf);
			break;
		case CW_ANALYZER_STOCHASTIC:
			dir = cw_analyzer_eval_stoch(self, &conf);
			break;
		case CW_ANALYZER_ATR_REGIME:
			dir = cw_analyzer_eval_atr_regime(self, candle->close, &conf);
			break;
		case CW_ANALYZER_VOLUME_SPIKE:
			dir = cw_analyzer_eval_volume(self, candle, &conf);
			break;
		case CW_ANALYZER_DONCHIAN:
			dir = cw_analyzer_eval_donchian(self, candle->close, &conf);
			break;
		case CW_ANALYZER_ADX:
			dir = cw_analyzer_eval_adx(self, &conf);
			break;
		case CW_ANALYZER_LAST:
		default:
			break;
		}
	}
	cw_analyzer_vote(dir, conf, direction, confidence);
}

/* cw_analyzer_step() for the one-call loop of cw_analyzer_step_votes(). */
G_ALWAYS_INLINE static inline gboolean
cw_analyzer_step_inline(CwAnalyzer *self, const CwCandle *candle, CwDirection *direction,
			double *confidence)
{
	CwDirection dir = CW_DIRECTION_NONE;
	double conf = 0;
	gboolean ready = FALSE;

	switch (self->spec.kind) {
	case CW_ANALYZER_EMA_CROSS:
		cw_analyzer_update_ema_cross(self, candle->close);
		ready = cw_analyzer_ready_ema_cross(self);
		if (ready)
			dir = cw_analyzer_eval_ema_cross(self, &conf);
		break;
	case CW_ANALYZER_RSI:
		cw_rsi_update(&self->u.rsi, candle->close);
		ready = cw_rsi_ready(&self->u.rsi);
		if (ready)
			dir = cw_analyzer_eval_rsi(self, &conf);
		break;
	case CW_ANALYZER_MACD:
		cw_analyzer_update_macd(self, candle->close);
		ready = cw_analyzer_ready_macd(self);
		if (ready)
			dir = cw_analyzer_eval_macd(self, &conf);
		break;
	case CW_ANALYZER_BOLLINGER:
		cw_bbands_update(&self->u.bollinger, candle->close);
		ready = cw_bbands_ready(&self->u.bollinger);
		if (ready)
			dir = cw_analyzer_eval_bollinger(self, candle->close, &conf);
		break;
	case CW_ANALYZER_STOCHASTIC:
		cw_analyzer_update_stoch(self, candle);
		ready = cw_analyzer_ready_stoch(self);
		if (ready)
			dir = cw_analyzer_eval_stoch(self, &conf);
		break;
	case CW_ANALYZER_ATR_REGIME:
		cw_analyzer_update_atr_regime(self, candle);
		ready = cw_analyzer_ready_atr_regime(self);
		if (ready)
			dir = cw_analyzer_eval_atr_regime(self, candle->close, &conf);
		break;
	case CW_ANALYZER_VOLUME_SPIKE:
		cw_analyzer_update_volume(self, candle);
		ready = cw_analyzer_ready_volume(self);
		if (ready)
			dir = cw_analyzer_eval_volume(self, candle, &conf);
		break;
	case CW_ANALYZER_DONCHIAN:
		cw_analyzer_update_donchian(self, candle);
		ready = cw_analyzer_ready_donchian(self);
		if (ready)
			dir = cw_analyzer_eval_donchian(self, candle->close, &conf);
		break;
	case CW_ANALYZER_ADX:
		cw_adx_update(&self->u.adx, candle);
		ready = cw_adx_ready(&self->u.adx);
		if (ready)
			dir = cw_analyzer_eval_adx(self, &conf);
		break;
	case CW_ANALYZER_LAST:
	default:
		break;
	}
	/* @direction and @confidence are never NULL here */
	if (dir == CW_DIRECTION_NONE || !(conf > 0)) {
		dir = CW_DIRECTION_NONE;
		conf = 0;
	}
	*direction = dir;
	*confidence = conf;
	return ready;
}

/**
 * cw_analyzer_step:
 * @self: an analyzer
 * @candle: the next closed candle
 * @direction: (out): the vote
 * @confidence: (out): in [0, 1]; 0 when the vote is NONE
 *
 * cw_analyzer_update(), then cw_analyzer_evaluate() with the same candle, in
 * one dispatch on the kind (the per-candle path of the composite strategy).
 * Allocation free.
 *
 * Returns: cw_analyzer_is_ready() after the update.
 */
gboolean
cw_analyzer_step(CwAnalyzer *self, const CwCandle *candle, CwDirection *direction,
		 double *confidence)
{
	CwDirection dir;
	double conf;
	gboolean ready = cw_analyzer_step_inline(self, candle, &dir, &conf);

	if (direction != NULL)
		*direction = dir;
	if (confidence != NULL)
		*confidence = conf;
	return ready;
}

/**
 * cw_analyzer_step_votes:
 * @analyzers: (array length=n): analyzers
 * @votes: (array length=n): their votes; direction and confidence are written,
 *   weight is read
 * @n: number of analyzers
 * @candle: the next closed candle
 * @sum_long: (inout): weight * confidence of each LONG vote is added, in order
 * @sum_short: (inout): likewise for the SHORT votes
 *
 * cw_analyzer_step() on each analyzer in order, summing the votes as
 * cw_aggregator_aggregate() sums them (same additions, same order), in one
 * call. Allocation free.
 *
 * Returns: %TRUE when every analyzer is ready.
 */
gboolean
cw_analyzer_step_votes(CwAnalyzer *analyzers, CwAnalyzerVote *votes, guint n,
		       const CwCandle *candle, double *sum_long, double *sum_short)
{
	double sl = *sum_long, ss = *sum_short;
	gboolean ready = TRUE;

	for (guint i = 0; i < n; i++) {
		CwAnalyzerVote *v = &votes[i];

		if (!cw_analyzer_step_inline(&analyzers[i], candle, &v->direction, &v->confidence))
			ready = FALSE;
		if (v->direction == CW_DIRECTION_LONG)
			sl += v->weight * v->confidence;
		else if (v->direction == CW_DIRECTION_SHORT)
			ss += v->weight * v->confidence;
	}
	*sum_long = sl;
	*sum_short = ss;
	return ready;
}

static gsize
cw_analyzer_ring_bytes(const CwRing *ring)
{
	return ring->capacity * sizeof(double);
}

static gsize
cw_analyzer_deque_bytes(const CwMonoDeque *deque)
{
	return deque->capacity * (sizeof(double) + sizeof(gint64));
}

gsize
cw_analyzer_get_memory_size(const CwAnalyzer *self)
{
	switch (self->spec.kind) {
	case CW_ANALYZER_BOLLINGER:
		return cw_analyzer_ring_bytes(&self->u.bollinger.ring);
	case CW_ANALYZER_STOCHASTIC:
		return cw_analyzer_deque_bytes(&self->u.stoch.stoch.highs) +
		       cw_analyzer_deque_bytes(&self->u.stoch.stoch.lows) +
		       cw_analyzer_ring_bytes(&self->u.stoch.stoch.fast_k_sma.ring) +
		       cw_analyzer_ring_bytes(&self->u.stoch.stoch.slow_d_sma.ring);
	case CW_ANALYZER_VOLUME_SPIKE:
		return cw_analyzer_ring_bytes(&self->u.volume.sma.ring);
	case CW_ANALYZER_DONCHIAN:
		return cw_analyzer_deque_bytes(&self->u.donchian.channel.highs) +
		       cw_analyzer_deque_bytes(&self->u.donchian.channel.lows);
	default:
		return 0;
	}
}

/**
 * cw_analyzer_get_name:
 * @self: an analyzer
 *
 * Returns: the kind's config name, e.g. "ema_cross".
 */
const char *
cw_analyzer_get_name(const CwAnalyzer *self)
{
	if ((guint) self->spec.kind >= CW_ANALYZER_LAST)
		return "unknown";
	return cw_analyzer_names[self->spec.kind];
}
