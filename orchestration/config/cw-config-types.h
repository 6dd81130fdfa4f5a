#pragma once

#if !defined(CW_CONFIG_INSIDE) && !defined(CW_CONFIG_COMPILATION)
#error "Only <cw-config.h> can be included directly."
#endif

#include <json-glib/json-glib.h>

#include "cw-core.h"

G_BEGIN_DECLS

#define CW_CONFIG_ERROR (cw_config_error_quark())
GQuark cw_config_error_quark(void);

typedef enum {
	CW_CONFIG_ERROR_PARSE,        /* not JSON; message has line:column */
	CW_CONFIG_ERROR_TYPE,         /* wrong JSON type at a path */
	CW_CONFIG_ERROR_RANGE,        /* value out of range at a path */
	CW_CONFIG_ERROR_UNKNOWN_KEY,  /* key not in the schema; message lists the known keys */
	CW_CONFIG_ERROR_UNKNOWN_NAME, /* unknown analyzer/indicator/strategy type; lists known */
	CW_CONFIG_ERROR_MISSING,      /* required key missing */
	CW_CONFIG_ERROR_INVALID,      /* any other inconsistency */
	CW_CONFIG_ERROR_IO,           /* file could not be read */
} CwConfigError;

/* Analyzers of the composite strategy. Each turns indicators into a
 * direction and a confidence in [0, 1]. */
typedef enum {
	CW_ANALYZER_EMA_CROSS,    /* fast/slow EMA cross and trend */
	CW_ANALYZER_RSI,          /* zones: oversold -> long, overbought -> short */
	CW_ANALYZER_MACD,         /* histogram momentum */
	CW_ANALYZER_BOLLINGER,    /* breakout or mean reversion */
	CW_ANALYZER_STOCHASTIC,   /* %K/%D cross in zones */
	CW_ANALYZER_ATR_REGIME,   /* volatility regime: confirms the trend direction */
	CW_ANALYZER_VOLUME_SPIKE, /* volume above its SMA, in the candle's direction */
	CW_ANALYZER_DONCHIAN,     /* channel breakout */
	CW_ANALYZER_ADX,          /* trend strength with +DI/-DI direction */
	CW_ANALYZER_LAST          /*< skip >*/
} CwAnalyzerKind;

typedef enum {
	CW_ANALYZER_MODE_DEFAULT,
	CW_ANALYZER_MODE_TREND,          /* rsi: above 50 long; ema: slope */
	CW_ANALYZER_MODE_REVERSAL,       /* rsi/stoch: zones */
	CW_ANALYZER_MODE_BREAKOUT,       /* bollinger: close outside a band follows it */
	CW_ANALYZER_MODE_MEAN_REVERSION, /* bollinger: close outside a band fades it */
} CwAnalyzerMode;

/* One analyzer entry. Unused fields stay at their defaults; see
 * docs/configuration.md for which keys each type reads. */
typedef struct {
	CwAnalyzerKind kind;
	CwAnalyzerMode mode;
	double weight;                       /* [0, 1] */
	guint period;                        /* rsi, bollinger, atr, volume, donchian, adx */
	guint fast;                          /* ema_cross, macd */
	guint slow;                          /* ema_cross, macd */
	guint signal;                        /* macd */
	guint k_period, k_slowing, d_period; /* stochastic */
	double upper;                        /* rsi/stoch overbought */
	double lower;                        /* rsi/stoch oversold */
	double stddev;                       /* bollinger */
	double multiplier;                   /* volume_spike: volume > multiplier * SMA */
	double min_pct;                      /* atr_regime: ATR% band */
	double max_pct;
	double threshold; /* adx: minimum ADX */
} CwAnalyzerSpec;

typedef struct {
	double min_score;          /* weighted score needed for a side, [0, 1] */
	double min_confidence;     /* confidence needed, [0, 1] */
	double conflict_threshold; /* no signal when |long - short| < this */
} CwAggregationSpec;

typedef struct {
	gboolean enabled;
	char *timezone;     /* IANA name, "UTC" by default */
	guint start_minute; /* minutes after local midnight */
	guint end_minute;   /* exclusive, < 1440 ("24:00" is 0); end < start means an overnight
			     * window, end == start a 24 h window (the default) */
	guint8 days_mask;   /* bit 0 = Monday ... bit 6 = Sunday (the day the window starts) */
} CwSessionFilterSpec;

typedef struct {
	gboolean enabled;
	guint atr_period;
	double min_pct; /* ATR as % of close */
	double max_pct;
} CwVolatilityFilterSpec;

typedef struct {
	gboolean enabled;
	gint64 interval_ms; /* higher timeframe, a multiple of the base interval */
	guint fast;         /* 0: bias = close vs EMA(slow) */
	guint slow;
} CwMtfFilterSpec;

typedef enum {
	CW_STOP_NONE,
	CW_STOP_PERCENT, /* value = % of the entry (or reference) price */
	CW_STOP_ATR,     /* value = multiple of the strategy's ATR */
} CwStopKind;

typedef struct {
	CwStopKind kind;
	double value;
	guint atr_period; /* for CW_STOP_ATR, default 14 */
} CwStopSpec;

typedef struct {
	double percent;        /* distance from entry in %, or 0 when r is used */
	double r;              /* distance as a multiple of the initial stop distance */
	double close_fraction; /* of the initial quantity, (0, 1] */
} CwTakeProfitSpec;

#define CW_MAX_TAKE_PROFITS 3

typedef struct {
	CwStopSpec stop_loss;
	CwTakeProfitSpec take_profits[CW_MAX_TAKE_PROFITS];
	guint n_take_profits;
	gboolean breakeven_at_tp1;   /* default TRUE */
	double breakeven_offset_pct; /* stop goes to entry +/- this % after TP1 */
	CwStopSpec trailing;         /* starts after TP2 (after TP1 when only one TP) */
	guint time_exit_candles;     /* 0 = off */
	gboolean exit_on_opposite_signal;
} CwExitSpec;

typedef enum {
	CW_SIZING_FIXED_QUOTE,  /* quote amount per trade */
	CW_SIZING_RISK_PERCENT, /* % of equity lost if the stop is hit */
	CW_SIZING_COMPOUNDING,  /* quote grows with profit, base deposit protected */
} CwSizingKind;

typedef struct {
	CwSizingKind kind;
	double quote;             /* fixed_quote and compounding: base amount */
	double risk_percent;      /* risk_percent */
	double reinvest_fraction; /* compounding: share of profit added to the base amount */
	double protected_deposit; /* compounding: equity below this is never put at risk */
	double max_quote;         /* cap per trade, 0 = none */
	double leverage;          /* notional multiplier, default 1 */
} CwSizingSpec;

struct _CwStrategySpec {
	char *id;           /* bare id, e.g. "main" */
	CwStrategyId quark; /* g_quark_from_string("<bot name>:<id>"), unique across bots */
	char *type;         /* "composite" or another registered cw-strategy name */
	char *json_path;    /* where it came from, e.g. "strategies[1]" */
	CwAnalyzerSpec *analyzers;
	guint n_analyzers;
	CwAggregationSpec aggregation;
	CwSessionFilterSpec session;
	CwVolatilityFilterSpec volatility;
	CwMtfFilterSpec mtf;
	CwExitSpec exit;
	CwSizingSpec sizing;
	JsonObject *raw;   /* merged JSON of this strategy; params of non-composite types */
	char *description; /* "" when absent */
};

typedef enum {
	CW_PROFILE_PAPER,
	CW_PROFILE_LIVE,
	CW_PROFILE_CANARY,
} CwProfile;

/* The "execution" section: time limits of order handling, in seconds. */
typedef struct {
	double entry_timeout_s; /* rest of a partly filled entry is cancelled after it */
	double retry_initial_s; /* first retry delay of a failed order request */
	double retry_max_s;     /* longest retry delay */
} CwExecutionSpec;

struct _CwBotConfig {
	gint ref_count;
	char *name;
	char *symbol;
	GQuark symbol_quark;
	gint64 interval_ms;
	CwProfile profile;
	double initial_balance;
	CwInstrument instrument;
	CwStrategySpec **strategies;
	guint n_strategies;
	guint active_strategy;  /* index into strategies */
	JsonNode *root;         /* the validated, merged document (profile applied) */
	char *description;      /* "" when absent */
	double canary_fraction; /* (0, 1], default 0.1; applied to sizing in the canary profile */
	CwExecutionSpec execution;
};

G_END_DECLS
