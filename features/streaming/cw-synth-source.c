/* CwSynthSource: a seeded synthetic market (see cw-synth-source.h for the
 * model). Everything is computed from the properties and the seed, with a
 * private generator, so two runs give bit-identical candles. */
#include "cw-streaming.h"

#include <math.h>

#define CW_SYNTH_SUB_STEPS          12
#define CW_SYNTH_YEAR_MS            (365.25 * 86400000.0)
#define CW_SYNTH_DAY_MS             86400000.0
#define CW_SYNTH_HOUR_MS            3600000.0
#define CW_SYNTH_GARCH_PERSIST_1H   0.98
#define CW_SYNTH_GARCH_ALPHA_1H     0.08
#define CW_SYNTH_SHOCK_CAP          4.0
#define CW_SYNTH_SV_SD              0.4 /* stationary sd of the log volatility factor */
#define CW_SYNTH_SV_HOURS           8.0 /* its mean reversion time */
#define CW_SYNTH_RANGE_PULL_PER_DAY 0.4
#define CW_SYNTH_LONG_PULL_PER_YEAR 0.5
#define CW_SYNTH_JUMP_MEAN_DAYS     10.0
#define CW_SYNTH_JUMP_MIN           0.02
#define CW_SYNTH_JUMP_MAX           0.06
#define CW_SYNTH_JUMP_WITH_TREND    0.6
#define CW_SYNTH_GAP_PROBABILITY    (1.0 / 2000.0)
#define CW_SYNTH_GAP_MAX_CANDLES    6
#define CW_SYNTH_WICK               0.3
#define CW_SYNTH_BASE_VOLUME_5M     500.0
#define CW_SYNTH_WEEKEND_VOLUME     0.75
#define CW_SYNTH_VOLUME_NOISE       0.35

typedef enum {
	CW_SYNTH_REGIME_UP,
	CW_SYNTH_REGIME_DOWN,
	CW_SYNTH_REGIME_RANGE,
	CW_SYNTH_N_REGIMES
} CwSynthRegime;

static const struct {
	const char *name;
	double drift;     /* annual log drift */
	double vol;       /* volatility factor */
	double mean_days; /* expected length */
} cw_synth_regimes[CW_SYNTH_N_REGIMES] = {
    {"trend up", 1.5, 1.0, 4.0},
    {"trend down", -1.5, 1.2, 3.0},
    {"range", 0.0, 0.7, 5.0},
};

struct _CwSynthSource {
	GObject parent_instance;

	/* properties */
	char *symbol;
	GQuark symbol_quark;
	gint64 interval_ms;
	double days;
	double start_price;
	guint64 seed;
	gint64 start_time;
	double volatility;

	/* derived at open() */
	gboolean is_open;
	char *description;
	gint64 n_candles;
	double dt;       /* candle length in years */
	double dt_days;  /* candle length in days */
	double base_var; /* volatility^2 * dt */
	double persist;  /* alpha + beta */
	double alpha;
	double beta;
	double profile_norm; /* makes the intraday profile average 1 */
	int tick_exp;
	double tick;

	/* state */
	guint64 rng[4];
	gboolean have_spare;
	double spare;
	gint64 k; /* next candle index */
	double log_price;
	double log_start;
	double q;  /* GARCH variance relative to the target */
	double sv; /* log volatility factor, an Ornstein-Uhlenbeck process */
	double sv_phi;
	CwSynthRegime regime;
	double range_anchor;
	gint64 gap_left;
	gboolean have_prev;
	double prev_close;
};

enum {
	PROP_0,
	PROP_SYMBOL,
	PROP_INTERVAL,
	PROP_DAYS,
	PROP_START_PRICE,
	PROP_SEED,
	PROP_START_TIME,
	PROP_VOLATILITY,
	N_PROPS
};

static GParamSpec *cw_synth_source_props[N_PROPS];

static void cw_synth_source_iface_init(CwCandleSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwSynthSource, cw_synth_source, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_CANDLE_SOURCE,
						    cw_synth_source_iface_init))

/* Random numbers: xoshiro256** seeded through splitmix64 ------------------ */

static guint64
cw_synth_splitmix64(guint64 *state)
{
	guint64 z = (*state += G_GUINT64_CONSTANT(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static inline guint64
cw_synth_rotl(guint64 x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static guint64
cw_synth_next_u64(CwSynthSource *self)
{
	guint64 *s = self->rng;
	guint64 result = cw_synth_rotl(s[1] * 5, 7) * 9;
	guint64 t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = cw_synth_rotl(s[3], 45);
	return result;
}

/* Uniform in [0, 1). */
static double
cw_synth_uniform(CwSynthSource *self)
{
	return (double) (cw_synth_next_u64(self) >> 11) * 0x1.0p-53;
}

static double
cw_synth_normal(CwSynthSource *self)
{
	double u1;
	double u2;
	double r;

	if (self->have_spare) {
		self->have_spare = FALSE;
		return self->spare;
	}
	u1 = 1.0 - cw_synth_uniform(self); /* (0, 1] */
	u2 = cw_synth_uniform(self);
	r = sqrt(-2.0 * log(u1));
	self->spare = r * sin(2.0 * G_PI * u2);
	self->have_spare = TRUE;
	return r * cos(2.0 * G_PI * u2);
}

/* Model pieces -------------------------------------------------------------- */

static double
cw_synth_bump(double hour, double centre, double width)
{
	double d = fabs(hour - centre);

	if (d > 12.0)
		d = 24.0 - d;
	return exp(-0.5 * (d / width) * (d / width));
}

/* Activity over the UTC day, before normalisation. */
static double
cw_synth_profile_raw(double hour)
{
	return 0.55 + 0.8 * cw_synth_bump(hour, 15.0, 2.0) + 0.35 * cw_synth_bump(hour, 0.5, 1.2) +
	       0.25 * cw_synth_bump(hour, 8.5, 1.2);
}

static double
cw_synth_profile(CwSynthSource *self, gint64 open_time)
{
	double mid = (double) open_time + (double) self->interval_ms / 2.0;
	double hour = fmod(mid, CW_SYNTH_DAY_MS) / CW_SYNTH_HOUR_MS;

	if (hour < 0)
		hour += 24.0;
	return cw_synth_profile_raw(hour) * self->profile_norm;
}

static gboolean
cw_synth_is_weekend(gint64 open_time)
{
	gint64 days = open_time / 86400000;
	gint64 dow;

	if (open_time < 0 && open_time % 86400000 != 0)
		days--;
	dow = ((days + 4) % 7 + 7) % 7; /* 1970-01-01 was a Thursday; 0 = Sunday */
	return dow == 0 || dow == 6;
}

static double
cw_synth_round(CwSynthSource *self, double price)
{
	double r;

	if (self->tick_exp < 0) {
		double scale = pow(10.0, -self->tick_exp);

		r = round(price * scale) / scale;
	} else {
		r = round(price / self->tick) * self->tick;
	}
	return MAX(r, self->tick);
}

static void
cw_synth_maybe_switch_regime(CwSynthSource *self)
{
	double leave = self->dt_days / cw_synth_regimes[self->regime].mean_days;

	if (cw_synth_uniform(self) >= leave)
		return;
	self->regime =
	    (self->regime + 1 + (cw_synth_uniform(self) < 0.5 ? 0 : 1)) % CW_SYNTH_N_REGIMES;
	if (self->regime == CW_SYNTH_REGIME_RANGE)
		self->range_anchor = self->log_price;
}

/* Simulates candle k. Fills out and returns TRUE unless the candle falls in
 * an outage (the price moves on either way). */
static gboolean
cw_synth_step(CwSynthSource *self, CwCandle *out)
{
	gint64 open_time = self->start_time + self->k * self->interval_ms;
	double profile = cw_synth_profile(self, open_time);
	double rv = cw_synth_regimes[self->regime].vol;
	double target = self->base_var * rv * rv * profile *
			exp(2.0 * self->sv - 2.0 * CW_SYNTH_SV_SD * CW_SYNTH_SV_SD);
	double var = target * self->q;
	double sd_sub = sqrt(var / CW_SYNTH_SUB_STEPS);
	double drift = cw_synth_regimes[self->regime].drift * self->dt - 0.5 * var -
		       CW_SYNTH_LONG_PULL_PER_YEAR * (self->log_price - self->log_start) * self->dt;
	double open_log;
	double x;
	double hi;
	double lo;
	double jump = 0.0;
	int jump_at = -1;
	double shock;
	double z;
	gboolean emit;
	gboolean gapped = FALSE;

	if (self->regime == CW_SYNTH_REGIME_RANGE)
		drift -= CW_SYNTH_RANGE_PULL_PER_DAY * (self->log_price - self->range_anchor) *
			 self->dt_days;

	if (cw_synth_uniform(self) < self->dt_days / CW_SYNTH_JUMP_MEAN_DAYS) {
		double size = CW_SYNTH_JUMP_MIN +
			      (CW_SYNTH_JUMP_MAX - CW_SYNTH_JUMP_MIN) * cw_synth_uniform(self);
		double up = self->regime == CW_SYNTH_REGIME_UP     ? CW_SYNTH_JUMP_WITH_TREND
			    : self->regime == CW_SYNTH_REGIME_DOWN ? 1.0 - CW_SYNTH_JUMP_WITH_TREND
								   : 0.5;

		jump = cw_synth_uniform(self) < up ? size : -size;
		jump_at = (int) (cw_synth_uniform(self) * CW_SYNTH_SUB_STEPS);
	}

	if (self->gap_left > 0) {
		self->gap_left--;
		emit = FALSE;
	} else if (cw_synth_uniform(self) < CW_SYNTH_GAP_PROBABILITY) {
		self->gap_left = (gint64) (cw_synth_uniform(self) * CW_SYNTH_GAP_MAX_CANDLES);
		emit = FALSE;
	} else {
		emit = TRUE;
	}

	x = self->log_price;
	if (jump_at == 0) {
		x += jump;
		gapped = TRUE;
	}
	open_log = x;
	hi = lo = x;
	for (int i = 0; i < CW_SYNTH_SUB_STEPS; i++) {
		if (i == jump_at && i > 0)
			x += jump;
		x += drift / CW_SYNTH_SUB_STEPS + sd_sub * cw_synth_normal(self);
		hi = MAX(hi, x);
		lo = MIN(lo, x);
	}
	hi += CW_SYNTH_WICK * sd_sub * fabs(cw_synth_normal(self));
	lo -= CW_SYNTH_WICK * sd_sub * fabs(cw_synth_normal(self));

	/* GARCH(1,1) on the standardised shock, jumps included */
	shock = (x - self->log_price - drift) / sqrt(target);
	shock = CLAMP(shock, -CW_SYNTH_SHOCK_CAP, CW_SYNTH_SHOCK_CAP);
	self->q = (1.0 - self->persist) + self->alpha * shock * shock + self->beta * self->q;

	if (emit) {
		double open = (self->have_prev && !gapped) ? self->prev_close
							   : cw_synth_round(self, exp(open_log));
		double close = cw_synth_round(self, exp(x));
		double high = MAX(cw_synth_round(self, exp(hi)), MAX(open, close));
		double low = MIN(cw_synth_round(self, exp(lo)), MIN(open, close));
		double vol_factor = sqrt(self->q);
		double noise = exp(CW_SYNTH_VOLUME_NOISE * cw_synth_normal(self) -
				   0.5 * CW_SYNTH_VOLUME_NOISE * CW_SYNTH_VOLUME_NOISE);
		double base = CW_SYNTH_BASE_VOLUME_5M * (double) self->interval_ms / 300000.0;
		double volume;

		z = fabs(x - open_log) / sqrt(target);
		volume = base * profile *
			 (cw_synth_is_weekend(open_time) ? CW_SYNTH_WEEKEND_VOLUME : 1.0) *
			 (1.0 + 3.0 * z) / 3.4 * vol_factor * noise;

		out->open_time = open_time;
		out->interval_ms = self->interval_ms;
		out->open = open;
		out->high = high;
		out->low = low;
		out->close = close;
		out->volume = round(volume * 1000.0) / 1000.0;
		out->symbol = self->symbol_quark;
		self->prev_close = close;
		self->have_prev = TRUE;
	} else {
		/* after an outage the next candle opens where the price is */
		self->have_prev = FALSE;
	}

	self->sv = self->sv_phi * self->sv +
		   sqrt(1.0 - self->sv_phi * self->sv_phi) * CW_SYNTH_SV_SD * cw_synth_normal(self);
	self->log_price = x;
	self->k++;
	cw_synth_maybe_switch_regime(self);
	return emit;
}

/* CwCandleSource ----------------------------------------------------------- */

static gboolean
cw_synth_source_open(CwCandleSource *source, GError **error)
{
	CwSynthSource *self = CW_SYNTH_SOURCE(source);
	double ref;
	double sum = 0;
	guint64 sm = self->seed;
	char interval[32];

	if (self->interval_ms <= 0) {
		g_set_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_FAILED,
			    "synth: interval must be > 0 ms, got %" G_GINT64_FORMAT,
			    self->interval_ms);
		return FALSE;
	}
	if (!(self->start_price > 0) || !isfinite(self->start_price)) {
		g_set_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_FAILED,
			    "synth: start-price must be > 0");
		return FALSE;
	}

	self->n_candles = (gint64) floor(self->days * CW_SYNTH_DAY_MS / (double) self->interval_ms);
	self->dt = (double) self->interval_ms / CW_SYNTH_YEAR_MS;
	self->dt_days = (double) self->interval_ms / CW_SYNTH_DAY_MS;
	self->base_var = self->volatility * self->volatility * self->dt;
	ref = (double) self->interval_ms / CW_SYNTH_HOUR_MS;
	self->persist = CLAMP(pow(CW_SYNTH_GARCH_PERSIST_1H, ref), 0.5, 0.9995);
	self->alpha = CW_SYNTH_GARCH_ALPHA_1H * CLAMP(sqrt(ref), 0.5, 1.0);
	if (self->alpha > 0.5 * self->persist)
		self->alpha = 0.5 * self->persist;
	self->beta = self->persist - self->alpha;
	for (int m = 0; m < 24 * 60; m++)
		sum += cw_synth_profile_raw((m + 0.5) / 60.0);
	self->profile_norm = (24.0 * 60.0) / sum;
	self->tick_exp = (int) floor(log10(self->start_price)) - 5;
	self->tick = pow(10.0, self->tick_exp);

	for (int i = 0; i < 4; i++)
		self->rng[i] = cw_synth_splitmix64(&sm);
	self->have_spare = FALSE;
	self->k = 0;
	self->log_start = log(self->start_price);
	self->log_price = self->log_start;
	self->q = 1.0;
	self->sv = 0.0;
	self->sv_phi = exp(-ref / CW_SYNTH_SV_HOURS);
	self->regime = (CwSynthRegime) (cw_synth_next_u64(self) % CW_SYNTH_N_REGIMES);
	self->range_anchor = self->log_price;
	self->gap_left = 0;
	self->have_prev = FALSE;
	self->prev_close = 0;

	cw_interval_format(self->interval_ms, interval, sizeof interval);
	g_free(self->description);
	self->description = g_strdup_printf("synth %s (%s, %g days, seed %" G_GUINT64_FORMAT ")",
					    self->symbol, interval, self->days, self->seed);
	self->is_open = TRUE;
	return TRUE;
}

static CwCandleSourceResult
cw_synth_source_next(CwCandleSource *source, CwCandle *out, GError **error)
{
	CwSynthSource *self = (CwSynthSource *) source;

	if (!self->is_open) {
		g_set_error_literal(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_NOT_OPEN,
				    "synth: the source is not open");
		return CW_CANDLE_SOURCE_ERROR;
	}
	while (self->k < self->n_candles) {
		if (cw_synth_step(self, out))
			return CW_CANDLE_SOURCE_OK;
	}
	return CW_CANDLE_SOURCE_END;
}

static const char *
cw_synth_source_describe(CwCandleSource *source)
{
	CwSynthSource *self = CW_SYNTH_SOURCE(source);

	return self->description != NULL ? self->description : "synth (not open)";
}

static void
cw_synth_source_iface_init(CwCandleSourceInterface *iface)
{
	iface->open = cw_synth_source_open;
	iface->next = cw_synth_source_next;
	iface->describe = cw_synth_source_describe;
}

/* GObject ------------------------------------------------------------------ */

static void
cw_synth_source_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	CwSynthSource *self = CW_SYNTH_SOURCE(object);

	switch (prop_id) {
	case PROP_SYMBOL:
		g_value_set_string(value, self->symbol);
		break;
	case PROP_INTERVAL:
		g_value_set_int64(value, self->interval_ms);
		break;
	case PROP_DAYS:
		g_value_set_double(value, self->days);
		break;
	case PROP_START_PRICE:
		g_value_set_double(value, self->start_price);
		break;
	case PROP_SEED:
		g_value_set_uint64(value, self->seed);
		break;
	case PROP_START_TIME:
		g_value_set_int64(value, self->start_time);
		break;
	case PROP_VOLATILITY:
		g_value_set_double(value, self->volatility);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
	}
}

static void
cw_synth_source_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
	CwSynthSource *self = CW_SYNTH_SOURCE(object);

	switch (prop_id) {
	case PROP_SYMBOL:
		g_free(self->symbol);
		self->symbol = g_value_dup_string(value);
		if (self->symbol == NULL)
			self->symbol = g_strdup("SYNTH");
		self->symbol_quark = g_quark_from_string(self->symbol);
		break;
	case PROP_INTERVAL:
		self->interval_ms = g_value_get_int64(value);
		break;
	case PROP_DAYS:
		self->days = g_value_get_double(value);
		break;
	case PROP_START_PRICE:
		self->start_price = g_value_get_double(value);
		break;
	case PROP_SEED:
		self->seed = g_value_get_uint64(value);
		break;
	case PROP_START_TIME:
		self->start_time = g_value_get_int64(value);
		break;
	case PROP_VOLATILITY:
		self->volatility = g_value_get_double(value);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
	}
}

static void
cw_synth_source_finalize(GObject *object)
{
	CwSynthSource *self = CW_SYNTH_SOURCE(object);

	g_free(self->symbol);
	g_free(self->description);
	G_OBJECT_CLASS(cw_synth_source_parent_class)->finalize(object);
}

static void
cw_synth_source_class_init(CwSynthSourceClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GParamFlags rw = G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS;

	object_class->get_property = cw_synth_source_get_property;
	object_class->set_property = cw_synth_source_set_property;
	object_class->finalize = cw_synth_source_finalize;

	cw_synth_source_props[PROP_SYMBOL] =
	    g_param_spec_string("symbol", "Symbol", "Symbol of the candles", "SYNTH", rw);
	cw_synth_source_props[PROP_INTERVAL] = g_param_spec_int64(
	    "interval", "Interval", "Candle length in ms", 1, G_MAXINT64, 300000, rw);
	cw_synth_source_props[PROP_DAYS] =
	    g_param_spec_double("days", "Days", "Length of the series in days", 0, 36500, 60, rw);
	cw_synth_source_props[PROP_START_PRICE] = g_param_spec_double(
	    "start-price", "Start price", "Price of the first candle", 1e-12, 1e12, 30000, rw);
	cw_synth_source_props[PROP_SEED] =
	    g_param_spec_uint64("seed", "Seed", "Random seed", 0, G_MAXUINT64, 42, rw);
	cw_synth_source_props[PROP_START_TIME] =
	    g_param_spec_int64("start-time", "Start time", "Open time of the first candle in ms",
			       G_MININT64, G_MAXINT64, G_GINT64_CONSTANT(1704067200000), rw);
	cw_synth_source_props[PROP_VOLATILITY] = g_param_spec_double(
	    "volatility", "Volatility", "Base annual volatility", 0, 10, 0.6, rw);
	g_object_class_install_properties(object_class, N_PROPS, cw_synth_source_props);
}

static void
cw_synth_source_init(CwSynthSource *self)
{
	self->symbol = g_strdup("SYNTH");
	self->symbol_quark = g_quark_from_string(self->symbol);
}

/**
 * cw_synth_source_new:
 * @seed: the random seed
 *
 * Returns: (transfer full): a synthetic candle source with the default
 * properties and @seed; open it with cw_candle_source_open().
 */
CwSynthSource *
cw_synth_source_new(guint64 seed)
{
	return g_object_new(CW_TYPE_SYNTH_SOURCE, "seed", seed, NULL);
}
