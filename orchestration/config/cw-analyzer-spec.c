/* One analyzer entry of a composite strategy: "strategy.analyzers[i]". */
#include "cw-config-private.h"

#include <math.h>

#define CW_PERIOD_MAX 1000

typedef struct {
	const char *name;
	CwAnalyzerKind kind;
	const char *const *keys;
} CwAnalyzerInfo;

static const char *const cw_ema_cross_keys[] = {"type", "weight", "fast", "slow", NULL};
static const char *const cw_rsi_keys[] = {"type",  "weight", "period", "lower",
					  "upper", "mode",   NULL};
static const char *const cw_macd_keys[] = {"type", "weight", "fast", "slow", "signal", NULL};
static const char *const cw_bollinger_keys[] = {"type", "weight", "period", "stddev", "mode", NULL};
static const char *const cw_stochastic_keys[] = {"type",     "weight", "k_period", "k_slowing",
						 "d_period", "lower",  "upper",    NULL};
static const char *const cw_atr_regime_keys[] = {"type",    "weight",  "period",
						 "min_pct", "max_pct", NULL};
static const char *const cw_volume_spike_keys[] = {"type", "weight", "period", "multiplier", NULL};
static const char *const cw_donchian_keys[] = {"type", "weight", "period", NULL};
static const char *const cw_adx_keys[] = {"type", "weight", "period", "threshold", NULL};

/* Indexed by CwAnalyzerKind. */
static const CwAnalyzerInfo cw_analyzers[CW_ANALYZER_LAST] = {
    {"ema_cross", CW_ANALYZER_EMA_CROSS, cw_ema_cross_keys},
    {"rsi", CW_ANALYZER_RSI, cw_rsi_keys},
    {"macd", CW_ANALYZER_MACD, cw_macd_keys},
    {"bollinger", CW_ANALYZER_BOLLINGER, cw_bollinger_keys},
    {"stochastic", CW_ANALYZER_STOCHASTIC, cw_stochastic_keys},
    {"atr_regime", CW_ANALYZER_ATR_REGIME, cw_atr_regime_keys},
    {"volume_spike", CW_ANALYZER_VOLUME_SPIKE, cw_volume_spike_keys},
    {"donchian", CW_ANALYZER_DONCHIAN, cw_donchian_keys},
    {"adx", CW_ANALYZER_ADX, cw_adx_keys},
};

/* Listed in error messages, sorted. */
static const char *const cw_analyzer_names_sorted =
    "adx, atr_regime, bollinger, donchian, ema_cross, macd, rsi, stochastic, volume_spike";

const char *
cw_analyzer_kind_to_string(CwAnalyzerKind kind)
{
	if ((guint) kind >= CW_ANALYZER_LAST)
		return "unknown";
	return cw_analyzers[kind].name;
}

const char *
cw_analyzer_mode_to_string(CwAnalyzerMode mode)
{
	switch (mode) {
	case CW_ANALYZER_MODE_TREND:
		return "trend";
	case CW_ANALYZER_MODE_REVERSAL:
		return "reversal";
	case CW_ANALYZER_MODE_BREAKOUT:
		return "breakout";
	case CW_ANALYZER_MODE_MEAN_REVERSION:
		return "mean_reversion";
	case CW_ANALYZER_MODE_DEFAULT:
	default:
		return "default";
	}
}

static gboolean
cw_analyzer_check_uint_greater(const char *path, const char *key, guint value,
			       const char *other_key, guint other, GError **error)
{
	if (value > other)
		return TRUE;
	return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, path, key,
				  "expected an integer greater than %s (%u), got %u", other_key,
				  other, value);
}

static gboolean
cw_analyzer_check_double_greater(const char *path, const char *key, double value,
				 const char *other_key, double other, GError **error)
{
	char a[G_ASCII_DTOSTR_BUF_SIZE];
	char b[G_ASCII_DTOSTR_BUF_SIZE];

	if (value > other)
		return TRUE;
	cw_config_format_number(other, a, sizeof a);
	cw_config_format_number(value, b, sizeof b);
	return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, path, key,
				  "expected a number greater than %s (%s), got %s", other_key, a,
				  b);
}

static gboolean
cw_analyzer_read_period(JsonObject *obj, const char *path, const char *key, guint def, guint min,
			guint *out, GError **error)
{
	return cw_config_read_uint(obj, path, key, def, min, CW_PERIOD_MAX, out, error);
}

/* lower/upper zone bounds in [0, 100], lower < upper. */
static gboolean
cw_analyzer_read_zones(JsonObject *obj, const char *path, double def_lower, double def_upper,
		       CwAnalyzerSpec *out, GError **error)
{
	return cw_config_read_double(obj, path, "lower", def_lower, 0, 100, &out->lower, error) &&
	       cw_config_read_double(obj, path, "upper", def_upper, 0, 100, &out->upper, error) &&
	       cw_analyzer_check_double_greater(path, "upper", out->upper, "lower", out->lower,
						error);
}

static gboolean
cw_analyzer_parse_params(JsonObject *obj, const char *path, CwAnalyzerSpec *out, GError **error)
{
	static const char *const rsi_modes[] = {"reversal", "trend", NULL};
	static const CwAnalyzerMode rsi_mode_values[] = {CW_ANALYZER_MODE_REVERSAL,
							 CW_ANALYZER_MODE_TREND};
	static const char *const bb_modes[] = {"mean_reversion", "breakout", NULL};
	static const CwAnalyzerMode bb_mode_values[] = {CW_ANALYZER_MODE_MEAN_REVERSION,
							CW_ANALYZER_MODE_BREAKOUT};
	guint mode = 0;

	switch (out->kind) {
	case CW_ANALYZER_EMA_CROSS:
		return cw_analyzer_read_period(obj, path, "fast", 9, 1, &out->fast, error) &&
		       cw_analyzer_read_period(obj, path, "slow", 21, 1, &out->slow, error) &&
		       cw_analyzer_check_uint_greater(path, "slow", out->slow, "fast", out->fast,
						      error);
	case CW_ANALYZER_RSI:
		if (!cw_analyzer_read_period(obj, path, "period", 14, 1, &out->period, error) ||
		    !cw_analyzer_read_zones(obj, path, 30, 70, out, error) ||
		    !cw_config_read_choice(obj, path, "mode", rsi_modes, 0, &mode, error))
			return FALSE;
		out->mode = rsi_mode_values[mode];
		return TRUE;
	case CW_ANALYZER_MACD:
		return cw_analyzer_read_period(obj, path, "fast", 12, 1, &out->fast, error) &&
		       cw_analyzer_read_period(obj, path, "slow", 26, 1, &out->slow, error) &&
		       cw_analyzer_check_uint_greater(path, "slow", out->slow, "fast", out->fast,
						      error) &&
		       cw_analyzer_read_period(obj, path, "signal", 9, 1, &out->signal, error);
	case CW_ANALYZER_BOLLINGER:
		if (!cw_analyzer_read_period(obj, path, "period", 20, 2, &out->period, error) ||
		    !cw_config_read_double_range(obj, path, "stddev", 2.0, 0, 10,
						 CW_CONFIG_RANGE_MIN_EXCLUSIVE, &out->stddev,
						 error) ||
		    !cw_config_read_choice(obj, path, "mode", bb_modes, 0, &mode, error))
			return FALSE;
		out->mode = bb_mode_values[mode];
		return TRUE;
	case CW_ANALYZER_STOCHASTIC:
		return cw_analyzer_read_period(obj, path, "k_period", 14, 1, &out->k_period,
					       error) &&
		       cw_analyzer_read_period(obj, path, "k_slowing", 3, 1, &out->k_slowing,
					       error) &&
		       cw_analyzer_read_period(obj, path, "d_period", 3, 1, &out->d_period,
					       error) &&
		       cw_analyzer_read_zones(obj, path, 20, 80, out, error);
	case CW_ANALYZER_ATR_REGIME:
		return cw_analyzer_read_period(obj, path, "period", 14, 1, &out->period, error) &&
		       cw_config_read_double(obj, path, "min_pct", 0.1, 0, INFINITY, &out->min_pct,
					     error) &&
		       cw_config_read_double(obj, path, "max_pct", 5.0, 0, INFINITY, &out->max_pct,
					     error) &&
		       cw_analyzer_check_double_greater(path, "max_pct", out->max_pct, "min_pct",
							out->min_pct, error);
	case CW_ANALYZER_VOLUME_SPIKE:
		return cw_analyzer_read_period(obj, path, "period", 20, 1, &out->period, error) &&
		       cw_config_read_double_range(obj, path, "multiplier", 2.0, 0, INFINITY,
						   CW_CONFIG_RANGE_MIN_EXCLUSIVE, &out->multiplier,
						   error);
	case CW_ANALYZER_DONCHIAN:
		return cw_analyzer_read_period(obj, path, "period", 20, 2, &out->period, error);
	case CW_ANALYZER_ADX:
		return cw_analyzer_read_period(obj, path, "period", 14, 1, &out->period, error) &&
		       cw_config_read_double(obj, path, "threshold", 20, 0, 100, &out->threshold,
					     error);
	case CW_ANALYZER_LAST:
	default:
		g_assert_not_reached();
	}
	return FALSE;
}

/* Parses the analyzer object at path into out (zeroed first). */
gboolean
cw_analyzer_spec_parse(JsonObject *obj, const char *path, CwAnalyzerSpec *out, GError **error)
{
	const char *type = NULL;
	const CwAnalyzerInfo *info = NULL;

	memset(out, 0, sizeof *out);
	if (!json_object_has_member(obj, "type"))
		return cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, path, "type",
					  "missing required key (one of %s)",
					  cw_analyzer_names_sorted);
	if (!cw_config_read_string(obj, path, "type", NULL, &type, error))
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(cw_analyzers); i++) {
		if (g_strcmp0(cw_analyzers[i].name, type) == 0)
			info = &cw_analyzers[i];
	}
	if (info == NULL)
		return cw_config_error_at(error, CW_CONFIG_ERROR_UNKNOWN_NAME, path, "type",
					  "unknown analyzer '%s' (known: %s)", type,
					  cw_analyzer_names_sorted);
	out->kind = info->kind;
	out->mode = CW_ANALYZER_MODE_DEFAULT;
	return cw_config_check_keys(obj, path, info->keys, error) &&
	       cw_config_read_double(obj, path, "weight", 0.5, 0, 1, &out->weight, error) &&
	       cw_analyzer_parse_params(obj, path, out, error);
}
