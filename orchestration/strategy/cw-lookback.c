/* Warm-up look-back of a strategy (see cw-lookback.h). */
#include "cw-strategies.h"

/* Base candles one analyzer needs. */
static guint
cw_lookback_analyzer(const CwAnalyzerSpec *a)
{
	switch (a->kind) {
	case CW_ANALYZER_EMA_CROSS:
		return 3 * MAX(a->fast, a->slow);
	case CW_ANALYZER_MACD:
		return 3 * (MAX(a->fast, a->slow) + a->signal);
	case CW_ANALYZER_RSI:
	case CW_ANALYZER_ATR_REGIME:
		return 3 * a->period + 1;
	case CW_ANALYZER_ADX:
		return 3 * 2 * a->period + 1;
	case CW_ANALYZER_STOCHASTIC:
		return a->k_period + a->k_slowing + a->d_period;
	case CW_ANALYZER_BOLLINGER:
	case CW_ANALYZER_VOLUME_SPIKE:
	case CW_ANALYZER_DONCHIAN:
		return a->period + 1;
	case CW_ANALYZER_LAST:
		break;
	}
	return a->period;
}

/**
 * cw_lookback_strategy:
 * @spec: the strategy
 * @interval_ms: the bot's candle length
 *
 * Returns: the base candles of history the strategy needs
 */
guint
cw_lookback_strategy(const CwStrategySpec *spec, gint64 interval_ms)
{
	guint need = 0;

	for (guint i = 0; i < spec->n_analyzers; i++)
		need = MAX(need, cw_lookback_analyzer(&spec->analyzers[i]));
	if (spec->volatility.enabled)
		need = MAX(need, 3 * spec->volatility.atr_period + 1);
	if (spec->exit.stop_loss.kind == CW_STOP_ATR)
		need = MAX(need, 3 * spec->exit.stop_loss.atr_period + 1);
	if (spec->exit.trailing.kind == CW_STOP_ATR)
		need = MAX(need, 3 * spec->exit.trailing.atr_period + 1);
	if (spec->mtf.enabled && interval_ms > 0 && spec->mtf.interval_ms >= interval_ms) {
		gint64 ratio = spec->mtf.interval_ms / interval_ms;
		gint64 htf = 3 * (gint64) MAX(spec->mtf.slow, spec->mtf.fast) + 1;

		need = (guint) MIN((gint64) G_MAXUINT, MAX((gint64) need, htf * ratio + ratio));
	}
	return need;
}

/**
 * cw_lookback_bot_config:
 *
 * Returns: the longest look-back of the bot's strategies, in base candles
 */
guint
cw_lookback_bot_config(const CwBotConfig *config)
{
	guint need = 0;

	for (guint i = 0; i < config->n_strategies; i++)
		need = MAX(need, cw_lookback_strategy(config->strategies[i], config->interval_ms));
	return need;
}
