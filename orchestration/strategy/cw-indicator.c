/* CwIndicator: one indicator picked by name ("macd:12:26:9"), for tools
 * that choose indicators at run time. Everything that allocates (the
 * windows, the output column names) happens at construction;
 * cw_indicator_update() allocates nothing. */
#include "cw-strategies.h"

#include <math.h>
#include <string.h>

#define CW_INDICATOR_MAX_PERIOD 100000

typedef struct {
	const char *name;
	guint n_params;
	double defaults[CW_INDICATOR_MAX_PARAMS];
	guint min_period; /* lower bound of the integer parameters */
	guint n_outputs;
} CwIndicatorInfo;

/* Defaults are TA-Lib's except the moving averages, 20 here (TA-Lib: 30),
 * the customary chart setting, matching bbands and donchian. */
static const CwIndicatorInfo cw_indicator_infos[CW_INDICATOR_LAST] = {
    [CW_INDICATOR_SMA] = {"sma", 1, {20}, 1, 1},
    [CW_INDICATOR_EMA] = {"ema", 1, {20}, 1, 1},
    [CW_INDICATOR_WMA] = {"wma", 1, {20}, 1, 1},
    [CW_INDICATOR_RSI] = {"rsi", 1, {14}, 2, 1},
    [CW_INDICATOR_MACD] = {"macd", 3, {12, 26, 9}, 1, 3},
    [CW_INDICATOR_BBANDS] = {"bbands", 2, {20, 2}, 1, 3},
    [CW_INDICATOR_ATR] = {"atr", 1, {14}, 1, 1},
    [CW_INDICATOR_STOCH] = {"stoch", 3, {14, 3, 3}, 1, 2},
    [CW_INDICATOR_ADX] = {"adx", 1, {14}, 2, 3},
    [CW_INDICATOR_OBV] = {"obv", 0, {0}, 1, 1},
    [CW_INDICATOR_VWAP] = {"vwap", 0, {0}, 1, 1},
    [CW_INDICATOR_DONCHIAN] = {"donchian", 1, {20}, 1, 3},
    [CW_INDICATOR_VOLUME_SMA] = {"vsma", 1, {20}, 1, 1},
};

static const char cw_indicator_known[] =
    "sma, ema, wma, rsi, macd, bbands, atr, stoch, adx, obv, vwap, donchian, vsma";

struct _CwIndicator {
	CwIndicatorKind kind;
	guint n_outputs;
	char *names[CW_INDICATOR_MAX_OUTPUTS];
	union {
		CwSma sma; /* also VOLUME_SMA */
		CwEma ema;
		CwWma wma;
		CwRsi rsi;
		CwMacd macd;
		CwBbands bbands;
		CwAtr atr;
		CwStoch stoch;
		CwAdx adx;
		CwObv obv;
		CwVwap vwap;
		CwDonchian donchian;
	} u;
};

/**
 * cw_indicator_kind_to_string:
 * @kind: a kind
 *
 * Returns: the spec name ("sma", "vsma", ...), or "unknown".
 */
const char *
cw_indicator_kind_to_string(CwIndicatorKind kind)
{
	if ((guint) kind >= CW_INDICATOR_LAST)
		return "unknown";
	return cw_indicator_infos[kind].name;
}

/**
 * cw_indicator_known_names:
 *
 * Returns: the spec names, comma separated.
 */
const char *
cw_indicator_known_names(void)
{
	return cw_indicator_known;
}

/* Checks the parameter values; @label prefixes messages (the spec, or
 * the kind name). */
static gboolean
cw_indicator_check_params(CwIndicatorKind kind, const double *p, const char *label, GError **error)
{
	const CwIndicatorInfo *info = &cw_indicator_infos[kind];

	for (guint i = 0; i < MIN(info->n_params, CW_INDICATOR_MAX_PARAMS); i++) {
		if (kind == CW_INDICATOR_BBANDS && i == 1) {
			if (!isfinite(p[i]) || p[i] <= 0.0) {
				g_set_error(error, CW_STRATEGIES_ERROR,
					    CW_STRATEGIES_ERROR_INVALID_PARAMETER,
					    "%s: parameter %u is not a positive number", label,
					    i + 1);
				return FALSE;
			}
			continue;
		}
		if (!isfinite(p[i]) || p[i] < 1.0 || p[i] != floor(p[i])) {
			g_set_error(error, CW_STRATEGIES_ERROR,
				    CW_STRATEGIES_ERROR_INVALID_PARAMETER,
				    "%s: parameter %u is not a positive integer", label, i + 1);
			return FALSE;
		}
		if (p[i] > CW_INDICATOR_MAX_PERIOD) {
			g_set_error(error, CW_STRATEGIES_ERROR,
				    CW_STRATEGIES_ERROR_INVALID_PARAMETER,
				    "%s: parameter %u is too large (at most %d)", label, i + 1,
				    CW_INDICATOR_MAX_PERIOD);
			return FALSE;
		}
		if (p[i] < info->min_period) {
			g_set_error(
			    error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER,
			    "%s: parameter %u must be at least %u", label, i + 1, info->min_period);
			return FALSE;
		}
	}
	if (kind == CW_INDICATOR_MACD && p[1] <= p[0]) {
		g_set_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER,
			    "%s: the slow period (%u) must be greater than the fast period (%u)",
			    label, (guint) p[1], (guint) p[0]);
		return FALSE;
	}
	return TRUE;
}

static void
cw_indicator_name_outputs(CwIndicator *self, const guint *n, double k)
{
	char kbuf[G_ASCII_DTOSTR_BUF_SIZE];

	switch (self->kind) {
	case CW_INDICATOR_SMA:
		self->names[0] = g_strdup_printf("sma_%u", n[0]);
		break;
	case CW_INDICATOR_EMA:
		self->names[0] = g_strdup_printf("ema_%u", n[0]);
		break;
	case CW_INDICATOR_WMA:
		self->names[0] = g_strdup_printf("wma_%u", n[0]);
		break;
	case CW_INDICATOR_RSI:
		self->names[0] = g_strdup_printf("rsi_%u", n[0]);
		break;
	case CW_INDICATOR_MACD:
		self->names[0] = g_strdup_printf("macd_%u_%u_%u", n[0], n[1], n[2]);
		self->names[1] = g_strdup_printf("macd_signal_%u_%u_%u", n[0], n[1], n[2]);
		self->names[2] = g_strdup_printf("macd_hist_%u_%u_%u", n[0], n[1], n[2]);
		break;
	case CW_INDICATOR_BBANDS:
		/* %g, locale independent: 2 -> "2", 2.5 -> "2.5" */
		g_ascii_formatd(kbuf, sizeof kbuf, "%g", k);
		self->names[0] = g_strdup_printf("bb_upper_%u_%s", n[0], kbuf);
		self->names[1] = g_strdup_printf("bb_middle_%u_%s", n[0], kbuf);
		self->names[2] = g_strdup_printf("bb_lower_%u_%s", n[0], kbuf);
		break;
	case CW_INDICATOR_ATR:
		self->names[0] = g_strdup_printf("atr_%u", n[0]);
		break;
	case CW_INDICATOR_STOCH:
		self->names[0] = g_strdup_printf("stoch_k_%u_%u_%u", n[0], n[1], n[2]);
		self->names[1] = g_strdup_printf("stoch_d_%u_%u_%u", n[0], n[1], n[2]);
		break;
	case CW_INDICATOR_ADX:
		self->names[0] = g_strdup_printf("adx_%u", n[0]);
		self->names[1] = g_strdup_printf("plus_di_%u", n[0]);
		self->names[2] = g_strdup_printf("minus_di_%u", n[0]);
		break;
	case CW_INDICATOR_OBV:
		self->names[0] = g_strdup("obv");
		break;
	case CW_INDICATOR_VWAP:
		self->names[0] = g_strdup("vwap");
		break;
	case CW_INDICATOR_DONCHIAN:
		self->names[0] = g_strdup_printf("donchian_upper_%u", n[0]);
		self->names[1] = g_strdup_printf("donchian_middle_%u", n[0]);
		self->names[2] = g_strdup_printf("donchian_lower_%u", n[0]);
		break;
	case CW_INDICATOR_VOLUME_SMA:
		self->names[0] = g_strdup_printf("vsma_%u", n[0]);
		break;
	case CW_INDICATOR_LAST:
	default:
		g_assert_not_reached();
	}
}

/* @p holds all parameters of @kind, already checked. */
static CwIndicator *
cw_indicator_build(CwIndicatorKind kind, const double *p)
{
	CwIndicator *self = g_new0(CwIndicator, 1);
	guint n[CW_INDICATOR_MAX_PARAMS] = {0};

	/* the table never lists more than CW_INDICATOR_MAX_PARAMS; the bound keeps
	 * n[] and p[] safe should an entry ever do */
	for (guint i = 0; i < MIN(cw_indicator_infos[kind].n_params, CW_INDICATOR_MAX_PARAMS); i++)
		n[i] = (guint) p[i];
	self->kind = kind;
	self->n_outputs = cw_indicator_infos[kind].n_outputs;

	switch (kind) {
	case CW_INDICATOR_SMA:
	case CW_INDICATOR_VOLUME_SMA:
		cw_sma_init(&self->u.sma, n[0]);
		break;
	case CW_INDICATOR_EMA:
		cw_ema_init(&self->u.ema, n[0]);
		break;
	case CW_INDICATOR_WMA:
		cw_wma_init(&self->u.wma, n[0]);
		break;
	case CW_INDICATOR_RSI:
		cw_rsi_init(&self->u.rsi, n[0]);
		break;
	case CW_INDICATOR_MACD:
		cw_macd_init(&self->u.macd, n[0], n[1], n[2]);
		break;
	case CW_INDICATOR_BBANDS:
		cw_bbands_init(&self->u.bbands, n[0], p[1]);
		break;
	case CW_INDICATOR_ATR:
		cw_atr_init(&self->u.atr, n[0]);
		break;
	case CW_INDICATOR_STOCH:
		cw_stoch_init(&self->u.stoch, n[0], n[1], n[2]);
		break;
	case CW_INDICATOR_ADX:
		cw_adx_init(&self->u.adx, n[0]);
		break;
	case CW_INDICATOR_OBV:
		cw_obv_reset(&self->u.obv);
		break;
	case CW_INDICATOR_VWAP:
		cw_vwap_reset(&self->u.vwap);
		break;
	case CW_INDICATOR_DONCHIAN:
		cw_donchian_init(&self->u.donchian, n[0]);
		break;
	case CW_INDICATOR_LAST:
	default:
		g_assert_not_reached();
	}
	cw_indicator_name_outputs(self, n, p[1]);
	return self;
}

/**
 * cw_indicator_new:
 * @kind: the indicator
 * @params: (array length=n_params) (nullable): parameters in spec order;
 *   missing trailing ones take the defaults
 * @n_params: number of @params
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the indicator, or %NULL with @error set
 *   (CW_STRATEGIES_ERROR_UNKNOWN_INDICATOR or _INVALID_PARAMETER).
 */
CwIndicator *
cw_indicator_new(CwIndicatorKind kind, const double *params, guint n_params, GError **error)
{
	const CwIndicatorInfo *info;
	double p[CW_INDICATOR_MAX_PARAMS];

	g_return_val_if_fail(error == NULL || *error == NULL, NULL);
	g_return_val_if_fail(params != NULL || n_params == 0, NULL);

	if ((guint) kind >= CW_INDICATOR_LAST) {
		g_set_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_UNKNOWN_INDICATOR,
			    "unknown indicator kind %d (known: %s)", (int) kind,
			    cw_indicator_known);
		return NULL;
	}
	info = &cw_indicator_infos[kind];
	if (n_params > info->n_params) {
		g_set_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER,
			    "%s: takes at most %u parameters, %u given", info->name, info->n_params,
			    n_params);
		return NULL;
	}
	for (guint i = 0; i < CW_INDICATOR_MAX_PARAMS; i++)
		p[i] = i < n_params ? params[i] : info->defaults[i];
	if (!cw_indicator_check_params(kind, p, info->name, error))
		return NULL;
	return cw_indicator_build(kind, p);
}

/**
 * cw_indicator_new_from_spec:
 * @spec: "name[:p1[:p2[:p3]]]", e.g. "macd:12:26:9" or "bbands:20:2.5"
 * @error: return location for a #GError
 *
 * Missing parameters take the defaults (sma/ema/wma/vsma/donchian 20,
 * rsi/atr/adx 14, macd 12:26:9, bbands 20:2, stoch 14:3:3).
 *
 * Returns: (transfer full): the indicator, or %NULL with @error set.
 */
CwIndicator *
cw_indicator_new_from_spec(const char *spec, GError **error)
{
	g_auto(GStrv) parts = NULL;
	const CwIndicatorInfo *info = NULL;
	CwIndicatorKind kind = CW_INDICATOR_LAST;
	double p[CW_INDICATOR_MAX_PARAMS];
	guint n_given;

	g_return_val_if_fail(spec != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	parts = g_strsplit(spec, ":", -1);
	for (guint i = 0; i < CW_INDICATOR_LAST; i++) {
		if (parts[0] != NULL &&
		    g_ascii_strcasecmp(parts[0], cw_indicator_infos[i].name) == 0) {
			kind = (CwIndicatorKind) i;
			info = &cw_indicator_infos[i];
			break;
		}
	}
	if (info == NULL) {
		g_set_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_UNKNOWN_INDICATOR,
			    "%s: unknown indicator '%s' (known: %s)", spec,
			    parts[0] != NULL ? parts[0] : "", cw_indicator_known);
		return NULL;
	}

	n_given = g_strv_length(parts) - 1;
	if (n_given > info->n_params) {
		if (info->n_params == 0)
			g_set_error(error, CW_STRATEGIES_ERROR,
				    CW_STRATEGIES_ERROR_INVALID_PARAMETER,
				    "%s: %s takes no parameters", spec, info->name);
		else
			g_set_error(error, CW_STRATEGIES_ERROR,
				    CW_STRATEGIES_ERROR_INVALID_PARAMETER,
				    "%s: %s takes at most %u parameters, %u given", spec,
				    info->name, info->n_params, n_given);
		return NULL;
	}
	for (guint i = 0; i < CW_INDICATOR_MAX_PARAMS; i++) {
		const char *s = i < n_given ? parts[i + 1] : NULL;
		char *end = NULL;

		if (s == NULL) {
			p[i] = info->defaults[i];
			continue;
		}
		p[i] = g_ascii_strtod(s, &end);
		if (*s == '\0' || end == NULL || *end != '\0' || g_ascii_isspace(*s)) {
			gboolean is_real = kind == CW_INDICATOR_BBANDS && i == 1;

			g_set_error(error, CW_STRATEGIES_ERROR,
				    CW_STRATEGIES_ERROR_INVALID_PARAMETER,
				    "%s: parameter %u is not a positive %s", spec, i + 1,
				    is_real ? "number" : "integer");
			return NULL;
		}
	}
	if (!cw_indicator_check_params(kind, p, spec, error))
		return NULL;
	return cw_indicator_build(kind, p);
}

/**
 * cw_indicator_free:
 * @self: (nullable): the indicator
 */
void
cw_indicator_free(CwIndicator *self)
{
	if (self == NULL)
		return;

	switch (self->kind) {
	case CW_INDICATOR_SMA:
	case CW_INDICATOR_VOLUME_SMA:
		cw_sma_clear(&self->u.sma);
		break;
	case CW_INDICATOR_WMA:
		cw_wma_clear(&self->u.wma);
		break;
	case CW_INDICATOR_BBANDS:
		cw_bbands_clear(&self->u.bbands);
		break;
	case CW_INDICATOR_STOCH:
		cw_stoch_clear(&self->u.stoch);
		break;
	case CW_INDICATOR_DONCHIAN:
		cw_donchian_clear(&self->u.donchian);
		break;
	default:
		break; /* no storage */
	}
	for (guint i = 0; i < CW_INDICATOR_MAX_OUTPUTS; i++)
		g_free(self->names[i]);
	g_free(self);
}

/**
 * cw_indicator_update:
 * @self: the indicator
 * @candle: the next closed candle
 *
 * Feeds one candle (close, or volume for vsma, or the full bar). O(1),
 * allocation free.
 */
void
cw_indicator_update(CwIndicator *self, const CwCandle *candle)
{
	switch (self->kind) {
	case CW_INDICATOR_SMA:
		cw_sma_update(&self->u.sma, candle->close);
		break;
	case CW_INDICATOR_VOLUME_SMA:
		cw_sma_update(&self->u.sma, candle->volume);
		break;
	case CW_INDICATOR_EMA:
		cw_ema_update(&self->u.ema, candle->close);
		break;
	case CW_INDICATOR_WMA:
		cw_wma_update(&self->u.wma, candle->close);
		break;
	case CW_INDICATOR_RSI:
		cw_rsi_update(&self->u.rsi, candle->close);
		break;
	case CW_INDICATOR_MACD:
		cw_macd_update(&self->u.macd, candle->close);
		break;
	case CW_INDICATOR_BBANDS:
		cw_bbands_update(&self->u.bbands, candle->close);
		break;
	case CW_INDICATOR_ATR:
		cw_atr_update(&self->u.atr, candle);
		break;
	case CW_INDICATOR_STOCH:
		cw_stoch_update(&self->u.stoch, candle);
		break;
	case CW_INDICATOR_ADX:
		cw_adx_update(&self->u.adx, candle);
		break;
	case CW_INDICATOR_OBV:
		cw_obv_update(&self->u.obv, candle);
		break;
	case CW_INDICATOR_VWAP:
		cw_vwap_update(&self->u.vwap, candle);
		break;
	case CW_INDICATOR_DONCHIAN:
		cw_donchian_update(&self->u.donchian, candle);
		break;
	case CW_INDICATOR_LAST:
	default:
		break;
	}
}

/**
 * cw_indicator_get_n_outputs:
 * @self: the indicator
 *
 * Returns: the number of output columns (1 to CW_INDICATOR_MAX_OUTPUTS).
 */
guint
cw_indicator_get_n_outputs(const CwIndicator *self)
{
	g_return_val_if_fail(self != NULL, 0);

	return self->n_outputs;
}

/**
 * cw_indicator_get_output_name:
 * @self: the indicator
 * @output: output index
 *
 * Returns: the column name, e.g. "macd_signal_12_26_9"; %NULL if @output
 *   is out of range.
 */
const char *
cw_indicator_get_output_name(const CwIndicator *self, guint output)
{
	g_return_val_if_fail(self != NULL, NULL);
	g_return_val_if_fail(output < self->n_outputs, NULL);

	return self->names[output];
}

/**
 * cw_indicator_get_value:
 * @self: the indicator
 * @output: output index, in the order of the names
 *
 * Returns: the current value, NAN until defined (or if @output is out of
 *   range).
 */
double
cw_indicator_get_value(const CwIndicator *self, guint output)
{
	g_return_val_if_fail(self != NULL, NAN);

	if (output >= self->n_outputs)
		return NAN;
	switch (self->kind) {
	case CW_INDICATOR_SMA:
	case CW_INDICATOR_VOLUME_SMA:
		return self->u.sma.value;
	case CW_INDICATOR_EMA:
		return self->u.ema.value;
	case CW_INDICATOR_WMA:
		return self->u.wma.value;
	case CW_INDICATOR_RSI:
		return self->u.rsi.value;
	case CW_INDICATOR_MACD:
		return output == 0   ? self->u.macd.macd
		       : output == 1 ? self->u.macd.signal
				     : self->u.macd.hist;
	case CW_INDICATOR_BBANDS:
		return output == 0   ? self->u.bbands.upper
		       : output == 1 ? self->u.bbands.middle
				     : self->u.bbands.lower;
	case CW_INDICATOR_ATR:
		return self->u.atr.value;
	case CW_INDICATOR_STOCH:
		return output == 0 ? self->u.stoch.k : self->u.stoch.d;
	case CW_INDICATOR_ADX:
		return output == 0   ? self->u.adx.adx
		       : output == 1 ? self->u.adx.plus_di
				     : self->u.adx.minus_di;
	case CW_INDICATOR_OBV:
		return self->u.obv.value;
	case CW_INDICATOR_VWAP:
		return self->u.vwap.value;
	case CW_INDICATOR_DONCHIAN:
		return output == 0   ? self->u.donchian.upper
		       : output == 1 ? self->u.donchian.middle
				     : self->u.donchian.lower;
	case CW_INDICATOR_LAST:
	default:
		return NAN;
	}
}
