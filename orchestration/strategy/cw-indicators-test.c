/* Tests of the incremental indicators.
 *
 * 1. Published values: TA-Lib's own regression tables (ta_regtest) on its
 *    252-bar reference series (cw-indicators-refdata.h). TA-Lib checks them
 *    with TA_REAL_EQ(expected, value, 0.01), an absolute band of 0.01, and
 *    so do we. Donchian goldens (pandas, copied into TA-Lib's
 *    test_donchian.c) are compared bit for bit, as TA-Lib does.
 * 2. Strict agreement: each indicator against a batch reference written
 *    here, array based and non-incremental, following the loop structure of
 *    TA-Lib's ta_XXX.c (recursive indicators) or recomputing each window
 *    from scratch (windowed ones). Tolerance |a - b| <= 1e-9 * max(1, |b|)
 *    at every index after warm-up; NAN required before it. Series: the TA-Lib
 *    series, real candles from $CW_SHARED_DATA (skipped when absent) and
 *    generated candles with flat stretches, zero volume and price/time gaps.
 * 3. Warm-up indices, reset(), flat input, long runs, the spec parser.
 */
#include "cw-strategies.h"
#include "cw-indicators-refdata.h"

#include <math.h>
#include <string.h>

#define REL_TOL   1e-9
#define TALIB_TOL 0.01 /* ta_regtest's CHECK_EXPECTED_VALUE band */
#define DAY_MS    G_GINT64_CONSTANT(86400000)
#define MINUTE_MS G_GINT64_CONSTANT(60000)

/* Marks the test failed with a message and leaves the (void) function. */
#define FAIL(...)                                                                                  \
	G_STMT_START                                                                               \
	{                                                                                          \
		g_test_fail_printf(__VA_ARGS__);                                                   \
		return;                                                                            \
	}                                                                                          \
	G_STMT_END

/* ------------------------------------------------------------------ */
/* Candle series                                                        */

typedef struct {
	guint n;
	CwCandle *c;
	double *open, *high, *low, *close, *volume; /* columns, for the references */
	char *label;
} Series;

static Series *
series_new(guint n, const char *label)
{
	Series *s = g_new0(Series, 1);

	s->n = n;
	s->c = g_new0(CwCandle, n);
	s->open = g_new0(double, n);
	s->high = g_new0(double, n);
	s->low = g_new0(double, n);
	s->close = g_new0(double, n);
	s->volume = g_new0(double, n);
	s->label = g_strdup(label);
	return s;
}

static void
series_free(Series *s)
{
	if (s == NULL)
		return;
	g_free(s->c);
	g_free(s->open);
	g_free(s->high);
	g_free(s->low);
	g_free(s->close);
	g_free(s->volume);
	g_free(s->label);
	g_free(s);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Series, series_free)

static void
series_set(Series *s, guint i, gint64 t, double o, double h, double l, double c, double v)
{
	s->c[i] = (CwCandle){.open_time = t,
			     .interval_ms = 0,
			     .open = o,
			     .high = h,
			     .low = l,
			     .close = c,
			     .volume = v};
	s->open[i] = o;
	s->high[i] = h;
	s->low[i] = l;
	s->close[i] = c;
	s->volume[i] = v;
}

static Series *
series_talib(void)
{
	Series *s = series_new(CW_REF_N_BARS, "ta-lib regtest series");

	for (guint i = 0; i < CW_REF_N_BARS; i++)
		series_set(s, i, (gint64) i * DAY_MS, cw_ref_open[i], cw_ref_high[i], cw_ref_low[i],
			   cw_ref_close[i], cw_ref_volume[i]);
	return s;
}

/* Deterministic synthetic candles: random walk with flat stretches (o = h =
 * l = c for longer than any period used), zero-volume bars, price gaps of
 * +-20%, time gaps of hours and days across UTC midnight. */
static Series *
series_synthetic(guint n, double start_price, guint32 seed, const char *label)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
	Series *s = series_new(n, label);
	double price = start_price;
	gint64 t = G_GINT64_CONSTANT(1672617600000); /* 2023-01-02T00:00Z */
	guint flat_left = 0;

	for (guint i = 0; i < n; i++) {
		double o = price, c, h, l, v;
		guint r = g_rand_int_range(rand, 0, 1000);

		if (flat_left == 0 && r < 8)
			flat_left = g_rand_int_range(rand, 30, 80);
		if (flat_left > 0) {
			flat_left--;
			v = g_rand_boolean(rand) ? 0.0 : g_rand_double_range(rand, 0, 5);
			series_set(s, i, t, price, price, price, price, v);
			t += 5 * MINUTE_MS;
			continue;
		}
		if (r < 12)
			o = price * (g_rand_boolean(rand) ? 1.2 : 0.8); /* gap */
		c = o * (1.0 + g_rand_double_range(rand, -0.01, 0.01));
		h = MAX(o, c) * (1.0 + g_rand_double_range(rand, 0, 0.005));
		l = MIN(o, c) * (1.0 - g_rand_double_range(rand, 0, 0.005));
		if (r >= 12 && r < 20)
			c = o; /* unchanged close */
		v = r < 60 ? 0.0 : g_rand_double_range(rand, 0.0, 1000.0);
		series_set(s, i, t, o, h, l, c, v);
		price = c;
		if (r >= 990)
			t += g_rand_int_range(rand, 1, 72) * 60 * MINUTE_MS; /* time gap */
		else
			t += 5 * MINUTE_MS;
	}
	return s;
}

/* time,open,high,low,close,volume with time in seconds. Returns NULL (and
 * the reason) when the file cannot be used. */
static Series *
series_load_csv(const char *name, char **why)
{
	const char *dir = g_getenv("CW_SHARED_DATA");
	g_autofree char *path = NULL;
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GError) error = NULL;
	Series *s;
	guint n = 0;

	if (dir == NULL) {
		*why = g_strdup("CW_SHARED_DATA is not set");
		return NULL;
	}
	path = g_build_filename(dir, name, NULL);
	if (!g_file_get_contents(path, &text, NULL, &error)) {
		*why = g_strdup_printf("%s: %s", path, error->message);
		return NULL;
	}
	lines = g_strsplit(text, "\n", -1);
	s = series_new(g_strv_length(lines), path);
	for (guint i = 1; lines[i] != NULL; i++) {
		g_auto(GStrv) f = NULL;

		if (lines[i][0] == '\0')
			continue;
		f = g_strsplit(lines[i], ",", -1);
		if (g_strv_length(f) != 6) {
			*why = g_strdup_printf("%s:%u: expected 6 fields", path, i + 1);
			series_free(s);
			return NULL;
		}
		series_set(s, n++, g_ascii_strtoll(f[0], NULL, 10) * 1000,
			   g_ascii_strtod(f[1], NULL), g_ascii_strtod(f[2], NULL),
			   g_ascii_strtod(f[3], NULL), g_ascii_strtod(f[4], NULL),
			   g_ascii_strtod(f[5], NULL));
	}
	s->n = n;
	return s;
}

/* ------------------------------------------------------------------ */
/* Batch references (out[i] = NAN before the lookback)                  */

static double *
nan_array(guint n)
{
	double *a = g_new(double, n);

	for (guint i = 0; i < n; i++)
		a[i] = NAN;
	return a;
}

/* window mean recomputed from scratch */
static double *
ref_sma(const double *x, guint n, guint p)
{
	double *out = nan_array(n);

	for (guint i = p - 1; i < n; i++) {
		double sum = 0.0;

		for (guint j = i + 1 - p; j <= i; j++)
			sum += x[j];
		out[i] = sum / p;
	}
	return out;
}

static double *
ref_wma(const double *x, guint n, guint p)
{
	double *out = nan_array(n);
	double divider = (double) p * (p + 1) / 2.0;

	for (guint i = p - 1; i < n; i++) {
		double sum = 0.0;

		for (guint w = 1; w <= p; w++)
			sum += w * x[i + w - p];
		out[i] = sum / divider;
	}
	return out;
}

/* ta_EMA.c (TA_INT_EMA, default compatibility) */
static double *
ref_ema(const double *x, guint n, guint p)
{
	double *out = nan_array(n);
	double k = 2.0 / ((double) (p + 1));
	double prev = 0.0;
	guint today = 0;

	if (n < p)
		return out;
	for (guint i = p; i > 0; i--)
		prev += x[today++];
	prev = prev / p;
	out[p - 1] = prev;
	while (today < n) {
		prev = ((x[today] - prev) * k) + prev;
		out[today++] = prev;
	}
	return out;
}

/* ta_RSI.c, default compatibility, no unstable period */
static double *
ref_rsi(const double *x, guint n, guint p)
{
	double *out = nan_array(n);
	double prev_gain = 0.0, prev_loss = 0.0, prev_value, t1, t2;
	guint today = 0;

	if (n <= p)
		return out;
	prev_value = x[today];
	today++;
	for (guint i = p; i > 0; i--) {
		t1 = x[today++];
		t2 = t1 - prev_value;
		prev_value = t1;
		if (t2 < 0.0)
			prev_loss -= t2;
		else
			prev_gain += t2;
	}
	prev_loss /= (double) p;
	prev_gain /= (double) p;
	t1 = prev_gain + prev_loss;
	out[p] = CW_TA_IS_ZERO(t1) ? 0.0 : 100.0 * (prev_gain / t1);
	while (today < n) {
		t1 = x[today];
		t2 = t1 - prev_value;
		prev_value = t1;
		prev_loss *= (double) (p - 1);
		prev_gain *= (double) (p - 1);
		if (t2 < 0.0)
			prev_loss -= t2;
		else
			prev_gain += t2;
		prev_loss /= (double) p;
		prev_gain /= (double) p;
		t1 = prev_gain + prev_loss;
		out[today++] = CW_TA_IS_ZERO(t1) ? 0.0 : 100.0 * (prev_gain / t1);
	}
	return out;
}

/* ta_MACD.c, default compatibility: the fast seed window is the tail of
 * the slow one */
static void
ref_macd(const double *x, guint n, guint fast, guint slow, guint sig, double **o_macd,
	 double **o_signal, double **o_hist)
{
	double *m = nan_array(n), *s = nan_array(n), *h = nan_array(n);
	double fk = 2.0 / (double) (fast + 1), sk = 2.0 / (double) (slow + 1);
	double gk = 2.0 / (double) (sig + 1);
	double prev_fast = 0.0, prev_slow, prev_sig = 0.0, macd, t = 0.0;
	guint lookback_sig = sig - 1, lookback = (slow - 1) + lookback_sig;
	guint today = 0, i;

	*o_macd = m;
	*o_signal = s;
	*o_hist = h;
	if (n <= lookback)
		return;
	for (i = slow - fast; i > 0; i--)
		t += x[today++];
	for (i = fast; i > 0; i--) {
		prev_fast += x[today];
		t += x[today++];
	}
	prev_slow = t / slow;
	prev_fast = prev_fast / fast;
	while (today <= lookback - lookback_sig) {
		t = x[today++];
		prev_fast = (t - prev_fast) * fk + prev_fast;
		prev_slow = (t - prev_slow) * sk + prev_slow;
	}
	macd = prev_fast - prev_slow;
	prev_sig += macd;
	for (i = sig - 1; i > 0; i--) {
		t = x[today++];
		prev_fast = (t - prev_fast) * fk + prev_fast;
		prev_slow = (t - prev_slow) * sk + prev_slow;
		macd = prev_fast - prev_slow;
		prev_sig += macd;
	}
	prev_sig = prev_sig / sig;
	m[lookback] = macd;
	s[lookback] = prev_sig;
	h[lookback] = macd - prev_sig;
	while (today < n) {
		t = x[today];
		prev_fast = (t - prev_fast) * fk + prev_fast;
		prev_slow = (t - prev_slow) * sk + prev_slow;
		macd = prev_fast - prev_slow;
		prev_sig = (macd - prev_sig) * gk + prev_sig;
		m[today] = macd;
		s[today] = prev_sig;
		h[today] = macd - prev_sig;
		today++;
	}
}

/* two-pass population standard deviation per window */
static void
ref_bbands(const double *x, guint n, guint p, double k, double **up, double **mid, double **lo)
{
	double *u = nan_array(n), *m = nan_array(n), *l = nan_array(n);

	for (guint i = p - 1; i < n; i++) {
		double sum = 0.0, ss = 0.0, mean, sd;

		for (guint j = i + 1 - p; j <= i; j++)
			sum += x[j];
		mean = sum / p;
		for (guint j = i + 1 - p; j <= i; j++)
			ss += (x[j] - mean) * (x[j] - mean);
		sd = sqrt(ss / p);
		m[i] = mean;
		u[i] = mean + k * sd;
		l[i] = mean - k * sd;
	}
	*up = u;
	*mid = m;
	*lo = l;
}

static double
ref_true_range(const Series *s, guint i)
{
	double greatest = s->high[i] - s->low[i];
	double v2 = fabs(s->close[i - 1] - s->high[i]);
	double v3 = fabs(s->close[i - 1] - s->low[i]);

	if (v2 > greatest)
		greatest = v2;
	if (v3 > greatest)
		greatest = v3;
	return greatest;
}

/* ta_ATR.c */
static double *
ref_atr(const Series *s, guint p)
{
	double *out = nan_array(s->n);
	double total = 0.0, prev;
	guint today = 1;

	if (s->n <= p)
		return out;
	for (guint i = p; i > 0; i--)
		total += ref_true_range(s, today++);
	prev = total / p;
	out[p] = prev;
	while (today < s->n) {
		prev *= p - 1;
		prev += ref_true_range(s, today);
		prev /= p;
		out[today++] = prev;
	}
	return out;
}

/* TA_STOCH with SMA slowing; HH/LL and both SMAs recomputed per window */
static void
ref_stoch(const Series *s, guint kp, guint ks, guint dp, double **ok, double **od)
{
	guint n = s->n;
	double *fast = nan_array(n), *slow_k, *slow_d;
	double *k = nan_array(n), *d = nan_array(n);
	guint first = kp + ks + dp - 3;

	for (guint i = kp - 1; i < n; i++) {
		double hh = s->high[i + 1 - kp], ll = s->low[i + 1 - kp], diff;

		for (guint j = i + 2 - kp; j <= i; j++) {
			hh = MAX(hh, s->high[j]);
			ll = MIN(ll, s->low[j]);
		}
		diff = (hh - ll) / 100.0;
		fast[i] = diff != 0.0 ? (s->close[i] - ll) / diff : 0.0;
	}
	if (n >= first + 1) {
		slow_k = ref_sma(fast + kp - 1, n - (kp - 1), ks);
		slow_d = ref_sma(slow_k + ks - 1, n - (kp - 1) - (ks - 1), dp);
		for (guint i = first; i < n; i++) {
			k[i] = slow_k[i - (kp - 1)];
			d[i] = slow_d[i - (kp - 1) - (ks - 1)];
		}
		g_free(slow_k);
		g_free(slow_d);
	}
	g_free(fast);
	*ok = k;
	*od = d;
}

/* One bar of +DM/-DM/TR, as the ta_ADX.c and ta_XX_DI.c loops do. */
typedef struct {
	double prev_high, prev_low, prev_close;
} RefDm;

static void
ref_dm_step(RefDm *st, const Series *s, guint i, double *diff_p, double *diff_m, double *tr)
{
	double r, t;

	*diff_p = s->high[i] - st->prev_high;
	st->prev_high = s->high[i];
	*diff_m = st->prev_low - s->low[i];
	st->prev_low = s->low[i];
	r = st->prev_high - st->prev_low;
	t = fabs(st->prev_high - st->prev_close);
	if (t > r)
		r = t;
	t = fabs(st->prev_low - st->prev_close);
	if (t > r)
		r = t;
	*tr = r;
	st->prev_close = s->close[i];
}

/* ta_PLUS_DI.c (plus = TRUE) and ta_MINUS_DI.c */
static double *
ref_di(const Series *s, guint p, gboolean plus)
{
	double *out = nan_array(s->n);
	RefDm st = {s->high[0], s->low[0], s->close[0]};
	double dm = 0.0, tr_s = 0.0, dp, dmn, tr;
	guint today = 0;

	if (s->n <= p)
		return out;
	for (guint i = p - 1; i > 0; i--) {
		ref_dm_step(&st, s, ++today, &dp, &dmn, &tr);
		if (plus && dp > 0 && dp > dmn)
			dm += dp;
		else if (!plus && dmn > 0 && dp < dmn)
			dm += dmn;
		tr_s += tr;
	}
	while (today + 1 < s->n) {
		ref_dm_step(&st, s, ++today, &dp, &dmn, &tr);
		if (plus && dp > 0 && dp > dmn)
			dm = dm - dm / p + dp;
		else if (!plus && dmn > 0 && dp < dmn)
			dm = dm - dm / p + dmn;
		else
			dm = dm - dm / p;
		tr_s = tr_s - tr_s / p + tr;
		out[today] = CW_TA_IS_ZERO(tr_s) ? 0.0 : 100.0 * (dm / tr_s);
	}
	return out;
}

/* ta_ADX.c */
static double *
ref_adx(const Series *s, guint p)
{
	double *out = nan_array(s->n);
	RefDm st = {s->high[0], s->low[0], s->close[0]};
	double pdm = 0.0, mdm = 0.0, tr_s = 0.0, sum_dx = 0.0, adx = 0.0, dp, dmn, tr;
	guint today = 0;

	if (s->n < 2 * p)
		return out;
	for (guint i = p - 1; i > 0; i--) {
		ref_dm_step(&st, s, ++today, &dp, &dmn, &tr);
		if (dmn > 0 && dp < dmn)
			mdm += dmn;
		else if (dp > 0 && dp > dmn)
			pdm += dp;
		tr_s += tr;
	}
	for (guint phase = 0; today + 1 < s->n; phase++) {
		ref_dm_step(&st, s, ++today, &dp, &dmn, &tr);
		mdm -= mdm / p;
		pdm -= pdm / p;
		if (dmn > 0 && dp < dmn)
			mdm += dmn;
		else if (dp > 0 && dp > dmn)
			pdm += dp;
		tr_s = tr_s - tr_s / p + tr;
		if (!CW_TA_IS_ZERO(tr_s)) {
			double minus_di = 100.0 * (mdm / tr_s);
			double plus_di = 100.0 * (pdm / tr_s);
			double t = minus_di + plus_di;

			if (!CW_TA_IS_ZERO(t)) {
				double dx = 100.0 * (fabs(minus_di - plus_di) / t);

				if (phase < p)
					sum_dx += dx;
				else
					adx = (adx * (p - 1) + dx) / p;
			}
		}
		if (phase + 1 == p)
			adx = sum_dx / p;
		if (phase + 1 >= p)
			out[today] = adx;
	}
	return out;
}

/* ta_OBV.c */
static double *
ref_obv(const Series *s)
{
	double *out = nan_array(s->n);
	double prev_obv = s->volume[0], prev_real = s->close[0];

	for (guint i = 0; i < s->n; i++) {
		if (s->close[i] > prev_real)
			prev_obv += s->volume[i];
		else if (s->close[i] < prev_real)
			prev_obv -= s->volume[i];
		out[i] = prev_obv;
		prev_real = s->close[i];
	}
	return out;
}

static gint64
utc_day(gint64 ms)
{
	gint64 d = ms / DAY_MS;

	return ms % DAY_MS < 0 ? d - 1 : d;
}

/* session sums recomputed from the session's first bar */
static double *
ref_vwap(const Series *s)
{
	double *out = nan_array(s->n);
	guint start = 0;

	for (guint i = 0; i < s->n; i++) {
		double pv = 0.0, v = 0.0, tp = 0.0;

		if (utc_day(s->c[i].open_time) != utc_day(s->c[start].open_time))
			start = i;
		for (guint j = start; j <= i; j++) {
			tp = (s->high[j] + s->low[j] + s->close[j]) / 3.0;
			pv += tp * s->volume[j];
			v += s->volume[j];
		}
		out[i] = v > 0.0 ? pv / v : tp;
	}
	return out;
}

static void
ref_donchian(const Series *s, guint p, double **up, double **mid, double **lo)
{
	double *u = nan_array(s->n), *m = nan_array(s->n), *l = nan_array(s->n);

	for (guint i = p - 1; i < s->n; i++) {
		double hh = s->high[i], ll = s->low[i];

		for (guint j = i + 1 - p; j < i; j++) {
			hh = MAX(hh, s->high[j]);
			ll = MIN(ll, s->low[j]);
		}
		u[i] = hh;
		l[i] = ll;
		m[i] = (hh + ll) / 2.0;
	}
	*up = u;
	*mid = m;
	*lo = l;
}

/* ------------------------------------------------------------------ */
/* Comparison                                                           */

/* NAN strictly before @first, within REL_TOL of @want from @first on. */
static void
assert_series(const char *what, const Series *s, const double *got, const double *want, guint first)
{
	double worst = 0.0;
	guint checked = 0;

	for (guint i = 0; i < s->n; i++) {
		if (i < first) {
			if (!isnan(got[i]))
				FAIL("%s on %s: index %u is %.17g, expected NAN before %u", what,
				     s->label, i, got[i], first);
			continue;
		}
		if (isnan(want[i]) || isnan(got[i]) ||
		    fabs(got[i] - want[i]) > REL_TOL * MAX(1.0, fabs(want[i])))
			FAIL("%s on %s: index %u is %.17g, reference %.17g", what, s->label, i,
			     got[i], want[i]);
		worst = MAX(worst, fabs(got[i] - want[i]) / MAX(1.0, fabs(want[i])));
		checked++;
	}
	g_assert_cmpuint(checked + first, ==, s->n);
	g_test_message("%s on %s: %u values, worst relative error %.3g", what, s->label, checked,
		       worst);
}

/* One series of an indicator of period p, labelled "NAME(pSUFFIX)". */
typedef struct {
	const char *name;
	const char *suffix;
	const double *got;
	const double *want;
	guint first;
} RefCheck;

static void
assert_series_table(const Series *s, guint p, const RefCheck *checks, guint n_checks)
{
	for (guint c = 0; c < n_checks; c++) {
		g_autofree char *label =
		    g_strdup_printf("%s(%u%s)", checks[c].name, p, checks[c].suffix);

		assert_series(label, s, checks[c].got, checks[c].want, checks[c].first);
	}
}

/* Runs each incremental indicator over @s and checks it against its
 * reference. Returns the number of series compared. */
static guint
check_all_against_reference(const Series *s)
{
	guint n = s->n, compared = 0;
	static const guint periods[] = {1, 2, 14, 20, 30};

	for (guint pi = 0; pi < G_N_ELEMENTS(periods); pi++) {
		guint p = periods[pi];
		CwSma sma, vsma;
		CwEma ema;
		CwWma wma;
		CwAtr atr;
		CwDonchian dc;
		g_autofree double *g_sma = g_new(double, n), *g_ema = g_new(double, n);
		g_autofree double *g_wma = g_new(double, n), *g_vsma = g_new(double, n);
		g_autofree double *g_atr = g_new(double, n), *g_du = g_new(double, n);
		g_autofree double *g_dm = g_new(double, n), *g_dl = g_new(double, n);
		g_autofree double *r_sma = ref_sma(s->close, n, p);
		g_autofree double *r_vsma = ref_sma(s->volume, n, p);
		g_autofree double *r_ema = ref_ema(s->close, n, p);
		g_autofree double *r_wma = ref_wma(s->close, n, p);
		g_autofree double *r_atr = ref_atr(s, p);
		g_autofree double *r_du = NULL, *r_dm = NULL, *r_dl = NULL;

		ref_donchian(s, p, &r_du, &r_dm, &r_dl);
		cw_sma_init(&sma, p);
		cw_sma_init(&vsma, p);
		cw_ema_init(&ema, p);
		cw_wma_init(&wma, p);
		cw_atr_init(&atr, p);
		cw_donchian_init(&dc, p);
		for (guint i = 0; i < n; i++) {
			g_sma[i] = cw_sma_update(&sma, s->close[i]);
			g_vsma[i] = cw_sma_update(&vsma, s->volume[i]);
			g_ema[i] = cw_ema_update(&ema, s->close[i]);
			g_wma[i] = cw_wma_update(&wma, s->close[i]);
			g_atr[i] = cw_atr_update(&atr, &s->c[i]);
			cw_donchian_update(&dc, &s->c[i]);
			g_du[i] = dc.upper;
			g_dm[i] = dc.middle;
			g_dl[i] = dc.lower;
		}
		const RefCheck checks[] = {
		    {"sma", "", g_sma, r_sma, p - 1},    {"vsma", "", g_vsma, r_vsma, p - 1},
		    {"ema", "", g_ema, r_ema, p - 1},    {"wma", "", g_wma, r_wma, p - 1},
		    {"atr", "", g_atr, r_atr, p},        {"donchian", "", g_du, r_du, p - 1},
		    {"donchian", "", g_dm, r_dm, p - 1}, {"donchian", "", g_dl, r_dl, p - 1},
		};

		assert_series_table(s, p, checks, G_N_ELEMENTS(checks));
		compared += G_N_ELEMENTS(checks);
		cw_sma_clear(&sma);
		cw_sma_clear(&vsma);
		cw_wma_clear(&wma);
		cw_donchian_clear(&dc);
	}

	for (guint p = 2; p <= 20; p += 6) { /* 2, 8, 14, 20 */
		CwRsi rsi;
		CwAdx adx;
		CwBbands bb;
		g_autofree double *g_rsi = g_new(double, n), *g_adx = g_new(double, n);
		g_autofree double *g_pdi = g_new(double, n), *g_mdi = g_new(double, n);
		g_autofree double *g_bu = g_new(double, n), *g_bm = g_new(double, n);
		g_autofree double *g_bl = g_new(double, n);
		g_autofree double *r_rsi = ref_rsi(s->close, n, p);
		g_autofree double *r_adx = ref_adx(s, p);
		g_autofree double *r_pdi = ref_di(s, p, TRUE), *r_mdi = ref_di(s, p, FALSE);
		g_autofree double *r_bu = NULL, *r_bm = NULL, *r_bl = NULL;

		ref_bbands(s->close, n, p, 2.5, &r_bu, &r_bm, &r_bl);
		cw_rsi_init(&rsi, p);
		cw_adx_init(&adx, p);
		cw_bbands_init(&bb, p, 2.5);
		for (guint i = 0; i < n; i++) {
			g_rsi[i] = cw_rsi_update(&rsi, s->close[i]);
			cw_adx_update(&adx, &s->c[i]);
			g_adx[i] = adx.adx;
			g_pdi[i] = adx.plus_di;
			g_mdi[i] = adx.minus_di;
			cw_bbands_update(&bb, s->close[i]);
			g_bu[i] = bb.upper;
			g_bm[i] = bb.middle;
			g_bl[i] = bb.lower;
		}
		const RefCheck checks[] = {
		    {"rsi", "", g_rsi, r_rsi, p},           {"adx", "", g_adx, r_adx, 2 * p - 1},
		    {"plus_di", "", g_pdi, r_pdi, p},       {"minus_di", "", g_mdi, r_mdi, p},
		    {"bbands", ", 2.5", g_bu, r_bu, p - 1}, {"bbands", ", 2.5", g_bm, r_bm, p - 1},
		    {"bbands", ", 2.5", g_bl, r_bl, p - 1},
		};

		assert_series_table(s, p, checks, G_N_ELEMENTS(checks));
		compared += G_N_ELEMENTS(checks);
		cw_bbands_clear(&bb);
	}

	{
		static const guint macd_p[][3] = {{12, 26, 9}, {5, 35, 5}, {3, 4, 1}, {2, 2, 2}};
		static const guint stoch_p[][3] = {{14, 3, 3}, {5, 3, 4}, {1, 1, 1}, {21, 1, 5}};

		for (guint c = 0; c < G_N_ELEMENTS(macd_p); c++) {
			guint f = macd_p[c][0], sl = macd_p[c][1], sg = macd_p[c][2];
			guint first = sl + sg - 2;
			CwMacd macd;
			g_autofree double *gm = g_new(double, n), *gs = g_new(double, n);
			g_autofree double *gh = g_new(double, n);
			g_autofree double *rm = NULL, *rs = NULL, *rh = NULL;
			g_autofree char *label = g_strdup_printf("macd(%u,%u,%u)", f, sl, sg);

			ref_macd(s->close, n, f, sl, sg, &rm, &rs, &rh);
			cw_macd_init(&macd, f, sl, sg);
			for (guint i = 0; i < n; i++) {
				cw_macd_update(&macd, s->close[i]);
				gm[i] = macd.macd;
				gs[i] = macd.signal;
				gh[i] = macd.hist;
			}
			assert_series(label, s, gm, rm, first);
			assert_series(label, s, gs, rs, first);
			assert_series(label, s, gh, rh, first);
			compared += 3;
		}
		for (guint c = 0; c < G_N_ELEMENTS(stoch_p); c++) {
			guint kp = stoch_p[c][0], ks = stoch_p[c][1], dp = stoch_p[c][2];
			CwStoch st;
			g_autofree double *gk = g_new(double, n), *gd = g_new(double, n);
			g_autofree double *rk = NULL, *rd = NULL;
			g_autofree char *label = g_strdup_printf("stoch(%u,%u,%u)", kp, ks, dp);

			ref_stoch(s, kp, ks, dp, &rk, &rd);
			cw_stoch_init(&st, kp, ks, dp);
			for (guint i = 0; i < n; i++) {
				cw_stoch_update(&st, &s->c[i]);
				gk[i] = st.k;
				gd[i] = st.d;
			}
			assert_series(label, s, gk, rk, kp + ks + dp - 3);
			assert_series(label, s, gd, rd, kp + ks + dp - 3);
			compared += 2;
			cw_stoch_clear(&st);
		}
	}

	{
		CwObv obv;
		CwVwap vwap;
		g_autofree double *go = g_new(double, n), *gv = g_new(double, n);
		g_autofree double *ro = ref_obv(s), *rv = ref_vwap(s);

		cw_obv_reset(&obv);
		cw_vwap_reset(&vwap);
		for (guint i = 0; i < n; i++) {
			go[i] = cw_obv_update(&obv, &s->c[i]);
			gv[i] = cw_vwap_update(&vwap, &s->c[i]);
		}
		assert_series("obv", s, go, ro, 0);
		assert_series("vwap", s, gv, rv, 0);
		compared += 2;
	}
	return compared;
}

static void
test_reference_talib_series(void)
{
	g_autoptr(Series) s = series_talib();

	g_assert_cmpuint(check_all_against_reference(s), ==, 5 * 8 + 4 * 7 + 4 * 3 + 4 * 2 + 2);
}

static void
test_reference_synthetic(void)
{
	g_autoptr(Series) s = series_synthetic(20000, 100.0, 42, "synthetic (price 100)");
	g_autoptr(Series) tiny = series_synthetic(20000, 0.0016, 7, "synthetic (price 0.0016)");
	guint flat = 0, zero_vol = 0, days = 1;

	/* the generator must really produce the edge cases */
	for (guint i = 1; i < s->n; i++) {
		flat += s->high[i] == s->low[i];
		zero_vol += s->volume[i] == 0.0;
		days += utc_day(s->c[i].open_time) != utc_day(s->c[i - 1].open_time);
	}
	g_assert_cmpuint(flat, >, 500);
	g_assert_cmpuint(zero_vol, >, 500);
	g_assert_cmpuint(days, >, 50);

	check_all_against_reference(s);
	check_all_against_reference(tiny);
}

static void
test_reference_csv(gconstpointer data)
{
	const char *name = data;
	g_autofree char *why = NULL;
	g_autoptr(Series) s = series_load_csv(name, &why);

	if (s == NULL) {
		g_autofree char *msg = g_strdup_printf("%s not available (%s)", name, why);

		g_test_skip(msg);
		return;
	}
	g_assert_cmpuint(s->n, >, 1000);
	check_all_against_reference(s);
}

/* ------------------------------------------------------------------ */
/* TA-Lib published values (ta_regtest tables, 0.01 absolute)           */

typedef struct {
	guint index; /* bar index in the 252-bar series */
	double value;
} Expected;

static void
assert_talib(const char *what, const double *got, const Expected *exp, guint n_exp)
{
	for (guint i = 0; i < n_exp; i++) {
		double v = got[exp[i].index];

		if (!(fabs(v - exp[i].value) < TALIB_TOL))
			FAIL("%s at bar %u: %.6f, TA-Lib regtest expects %.6f (+-%g)", what,
			     exp[i].index, v, exp[i].value, TALIB_TOL);
	}
}

typedef enum {
	TALIB_SMA,
	TALIB_WMA,
	TALIB_EMA,
	TALIB_RSI,
} TalibKind;

/* One TA-Lib regtest table for an indicator of the close. */
typedef struct {
	const char *what;
	TalibKind kind;
	guint period;
	const Expected *exp;
	guint n_exp;
	int nan_bar; /* a bar that must still be NAN, or -1 */
} TalibCloseCase;

#define TALIB_EXP(a) (a), G_N_ELEMENTS(a)

typedef union {
	CwSma sma;
	CwWma wma;
	CwEma ema;
	CwRsi rsi;
} TalibIndicator;

static double
talib_update(TalibKind kind, TalibIndicator *ind, double x)
{
	switch (kind) {
	case TALIB_SMA:
		return cw_sma_update(&ind->sma, x);
	case TALIB_WMA:
		return cw_wma_update(&ind->wma, x);
	case TALIB_EMA:
		return cw_ema_update(&ind->ema, x);
	case TALIB_RSI:
		return cw_rsi_update(&ind->rsi, x);
	default:
		g_assert_not_reached();
	}
}

static double *
run_talib_close(TalibKind kind, guint period)
{
	double *out = g_new(double, CW_REF_N_BARS);
	TalibIndicator ind;

	if (kind == TALIB_SMA)
		cw_sma_init(&ind.sma, period);
	else if (kind == TALIB_WMA)
		cw_wma_init(&ind.wma, period);
	else if (kind == TALIB_EMA)
		cw_ema_init(&ind.ema, period);
	else
		cw_rsi_init(&ind.rsi, period);
	for (guint i = 0; i < CW_REF_N_BARS; i++)
		out[i] = talib_update(kind, &ind, cw_ref_close[i]);
	if (kind == TALIB_SMA)
		cw_sma_clear(&ind.sma);
	else if (kind == TALIB_WMA)
		cw_wma_clear(&ind.wma);
	return out;
}

static void
check_talib_close(const TalibCloseCase *cases, guint n_cases)
{
	for (guint c = 0; c < n_cases; c++) {
		g_autofree double *v = run_talib_close(cases[c].kind, cases[c].period);

		assert_talib(cases[c].what, v, cases[c].exp, cases[c].n_exp);
		if (cases[c].nan_bar >= 0)
			g_assert_true(isnan(v[cases[c].nan_bar]));
	}
}

static void
test_talib_moving_averages(void)
{
	/* test_ma.c: output index + lookback = bar index */
	static const Expected sma2[] = {{1, 93.15}, {2, 94.59}, {3, 94.73}, {251, 108.31}};
	static const Expected sma30[] = {{29, 90.42}, {30, 90.21},   {31, 89.96},
					 {58, 87.12}, {250, 107.95}, {251, 108.42}};
	static const Expected wma2[] = {{1, 93.71}, {2, 94.52}, {3, 94.85}, {251, 108.16}};
	static const Expected wma30[] = {{29, 88.567}, {30, 88.233},    {31, 88.034},
					 {58, 87.191}, {250, 109.3413}, {251, 109.3466}};
	static const Expected ema2[] = {{1, 93.15}, {2, 93.96}, {251, 108.21}};
	static const Expected ema10[] = {{9, 93.22}, {10, 93.75}, {29, 86.46}, {251, 108.97}};
	static const Expected ma1[] = {{0, 91.50}, {1, 94.81}, {250, 108.75}, {251, 107.87}};
	static const TalibCloseCase cases[] = {
	    {"sma(1)", TALIB_SMA, 1, TALIB_EXP(ma1), -1},
	    {"sma(2)", TALIB_SMA, 2, TALIB_EXP(sma2), -1},
	    {"sma(30)", TALIB_SMA, 30, TALIB_EXP(sma30), 28},
	    {"wma(1)", TALIB_WMA, 1, TALIB_EXP(ma1), -1},
	    {"wma(2)", TALIB_WMA, 2, TALIB_EXP(wma2), -1},
	    {"wma(30)", TALIB_WMA, 30, TALIB_EXP(wma30), -1},
	    {"ema(1)", TALIB_EMA, 1, TALIB_EXP(ma1), -1},
	    {"ema(2)", TALIB_EMA, 2, TALIB_EXP(ema2), -1},
	    {"ema(10)", TALIB_EMA, 10, TALIB_EXP(ema10), 8},
	};

	check_talib_close(cases, G_N_ELEMENTS(cases));
}

static void
test_talib_rsi(void)
{
	/* test_rsi.c, TA_COMPATIBILITY_DEFAULT */
	static const Expected rsi14[] = {{14, 49.14}, {15, 52.32}, {16, 46.07}, {251, 49.63}};
	static const TalibCloseCase cases[] = {
	    {"rsi(14)", TALIB_RSI, 14, TALIB_EXP(rsi14), 13},
	};

	check_talib_close(cases, G_N_ELEMENTS(cases));
}

static void
test_talib_macd(void)
{
	/* test_macd.c, classic 12/26/9: first output at bar 33 */
	static const Expected m[] = {{33, -1.9738}};
	static const Expected s[] = {{33, -2.7071}};
	static const Expected h[] = {{33, (-1.9738) - (-2.7071)}};
	double gm[CW_REF_N_BARS], gs[CW_REF_N_BARS], gh[CW_REF_N_BARS];
	CwMacd macd, swapped;

	cw_macd_init(&macd, 12, 26, 9);
	cw_macd_init(&swapped, 26, 12, 9); /* TA-Lib swaps the periods */
	for (guint i = 0; i < CW_REF_N_BARS; i++) {
		cw_macd_update(&macd, cw_ref_close[i]);
		cw_macd_update(&swapped, cw_ref_close[i]);
		gm[i] = macd.macd;
		gs[i] = macd.signal;
		gh[i] = macd.hist;
		g_assert_true(isnan(gm[i]) ? isnan(swapped.macd) : gm[i] == swapped.macd);
		g_assert_cmpint(cw_macd_ready(&macd), ==, i >= 33);
	}
	assert_talib("macd", gm, m, 1);
	assert_talib("macd signal", gs, s, 1);
	assert_talib("macd hist", gh, h, 1);
	g_assert_true(isnan(gm[32]) && isnan(gs[32]) && isnan(gh[32]));
}

static void
test_talib_bbands(void)
{
	/* test_bbands.c, BBANDS(20, 2, 2, SMA): first output at bar 19 */
	static const Expected u[] = {{19, 98.0734}};
	static const Expected m[] = {{19, 92.8910}};
	static const Expected l[] = {{19, 87.7086}};
	double gu[CW_REF_N_BARS], gm[CW_REF_N_BARS], gl[CW_REF_N_BARS];
	CwBbands bb;

	cw_bbands_init(&bb, 20, 2.0);
	for (guint i = 0; i < CW_REF_N_BARS; i++) {
		cw_bbands_update(&bb, cw_ref_close[i]);
		gu[i] = bb.upper;
		gm[i] = bb.middle;
		gl[i] = bb.lower;
	}
	assert_talib("bb upper", gu, u, 1);
	assert_talib("bb middle", gm, m, 1);
	assert_talib("bb lower", gl, l, 1);
	g_assert_true(isnan(gu[18]));
	cw_bbands_clear(&bb);
}

static void
test_talib_atr(void)
{
	/* test_trange.c: ATR(14) from bar 14, ATR(1) = TRANGE from bar 1 */
	static const Expected atr14[] = {{14, 3.578}, {15, 3.4876}, {16, 3.55}, {26, 3.245},
					 {27, 3.394}, {28, 3.413},  {251, 3.26}};
	static const Expected atr1[] = {{1, 3.535}, {13, 9.685}, {41, 5.125}, {251, 2.88}};
	double g14[CW_REF_N_BARS], g1[CW_REF_N_BARS];
	g_autoptr(Series) s = series_talib();
	CwAtr a14, a1;

	cw_atr_init(&a14, 14);
	cw_atr_init(&a1, 1);
	for (guint i = 0; i < CW_REF_N_BARS; i++) {
		g14[i] = cw_atr_update(&a14, &s->c[i]);
		g1[i] = cw_atr_update(&a1, &s->c[i]);
	}
	assert_talib("atr(14)", g14, atr14, G_N_ELEMENTS(atr14));
	assert_talib("atr(1)", g1, atr1, G_N_ELEMENTS(atr1));
	g_assert_true(isnan(g14[13]) && isnan(g1[0]));
}

static void
test_talib_stoch(void)
{
	/* test_stoch.c: STOCH(5,3,SMA,3,SMA) from bar 8, (5,3,4) from bar 9 */
	static const Expected k533[] = {{8, 24.0128}, {251, 30.194}};
	static const Expected d533[] = {{8, 36.254}, {251, 43.69}};
	static const Expected k534[] = {{9, 38.139}, {251, 30.194}};
	static const Expected d534[] = {{9, 36.725}, {251, 46.641}};
	double gk[2][CW_REF_N_BARS], gd[2][CW_REF_N_BARS];
	g_autoptr(Series) s = series_talib();
	CwStoch st[2];

	cw_stoch_init(&st[0], 5, 3, 3);
	cw_stoch_init(&st[1], 5, 3, 4);
	for (guint i = 0; i < CW_REF_N_BARS; i++) {
		for (guint j = 0; j < 2; j++) {
			cw_stoch_update(&st[j], &s->c[i]);
			gk[j][i] = st[j].k;
			gd[j][i] = st[j].d;
		}
	}
	assert_talib("stoch(5,3,3) k", gk[0], k533, G_N_ELEMENTS(k533));
	assert_talib("stoch(5,3,3) d", gd[0], d533, G_N_ELEMENTS(d533));
	assert_talib("stoch(5,3,4) k", gk[1], k534, G_N_ELEMENTS(k534));
	assert_talib("stoch(5,3,4) d", gd[1], d534, G_N_ELEMENTS(d534));
	g_assert_true(isnan(gk[0][7]) && isnan(gd[0][7]) && isnan(gk[1][8]));
	cw_stoch_clear(&st[0]);
	cw_stoch_clear(&st[1]);
}

static void
test_talib_adx(void)
{
	/* test_adx.c (values without Wilder's integer rounding) */
	static const Expected adx[] = {
	    {27, 23.0000}, {28, 22.0802}, {250, 16.6840}, {251, 15.5260}};
	static const Expected pdi[] = {{14, 20.3781}, {27, 22.1073}, {28, 20.3746}, {251, 21.0000}};
	static const Expected mdi[] = {{14, 30.1684}, {28, 24.969182}, {251, 21.1988}};
	double ga[CW_REF_N_BARS], gp[CW_REF_N_BARS], gm[CW_REF_N_BARS];
	g_autoptr(Series) s = series_talib();
	CwAdx a;

	cw_adx_init(&a, 14);
	for (guint i = 0; i < CW_REF_N_BARS; i++) {
		cw_adx_update(&a, &s->c[i]);
		ga[i] = a.adx;
		gp[i] = a.plus_di;
		gm[i] = a.minus_di;
	}
	assert_talib("adx(14)", ga, adx, G_N_ELEMENTS(adx));
	assert_talib("plus_di(14)", gp, pdi, G_N_ELEMENTS(pdi));
	assert_talib("minus_di(14)", gm, mdi, G_N_ELEMENTS(mdi));
	g_assert_true(isnan(ga[26]) && isnan(gp[13]) && isnan(gm[13]));
}

static void
test_talib_donchian(void)
{
	/* test_donchian.c goldens (pandas 2.3.3 and ta4j), compared bitwise */
	static const struct {
		guint period, bar;
		double upper, middle, lower;
	} gold[] = {
	    {20, 19, 99.625, 93.1875, 86.75},
	    {20, 100, 123.0, 112.36, 101.72},
	    {20, 251, 122.12, 113.31, 104.5},
	    {5, 4, 96.375, 93.5625, 90.75},
	    {5, 100, 118.315, 114.4075, 110.5},
	    {5, 251, 110.75, 108.685, 106.62},
	    {2, 1, 94.939999999999998, 92.844999999999999, 90.75},
	    {3, 4, 96.375, 94.594999999999999, 92.814999999999998},
	    {7, 8, 96.375, 92.907499999999999, 89.439999999999998},
	    {10, 175, 137.69, 130.28, 122.87},
	    {20, 21, 99.625, 93.077500000000001, 86.530000000000001},
	};
	g_autoptr(Series) s = series_talib();

	for (guint g = 0; g < G_N_ELEMENTS(gold); g++) {
		CwDonchian dc;

		cw_donchian_init(&dc, gold[g].period);
		for (guint i = 0; i <= gold[g].bar; i++) {
			cw_donchian_update(&dc, &s->c[i]);
			g_assert_cmpint(cw_donchian_ready(&dc), ==, i + 1 >= gold[g].period);
		}
		g_assert_cmpfloat(dc.upper, ==, gold[g].upper);
		g_assert_cmpfloat(dc.middle, ==, gold[g].middle);
		g_assert_cmpfloat(dc.lower, ==, gold[g].lower);
		cw_donchian_clear(&dc);
	}
}

/* ------------------------------------------------------------------ */
/* Warm-up, reset, edge cases                                           */

static void
test_warmup_indices(void)
{
	g_autoptr(Series) s = series_synthetic(200, 50.0, 3, "warm-up");
	g_autoptr(GError) error = NULL;
	static const struct {
		const char *spec;
		guint first; /* first defined index of every output */
	} cases[] = {
	    {"sma:7", 6},         {"ema:7", 6},         {"wma:7", 6},        {"rsi:7", 7},
	    {"atr:7", 7},         {"macd:12:26:9", 33}, {"macd:3:10:4", 12}, {"bbands:9:2", 8},
	    {"stoch:14:3:3", 17}, {"stoch:5:1:1", 4},   {"adx:7", 13},       {"obv", 0},
	    {"vwap", 0},          {"donchian:9", 8},    {"vsma:4", 3},
	};

	for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
		g_autoptr(CwIndicator) ind = cw_indicator_new_from_spec(cases[c].spec, &error);

		g_assert_no_error(error);
		for (guint i = 0; i < s->n; i++) {
			cw_indicator_update(ind, &s->c[i]);
			for (guint o = 0; o < cw_indicator_get_n_outputs(ind); o++) {
				double v = cw_indicator_get_value(ind, o);
				guint first = cases[c].first;

				/* +DI/-DI start at n, ADX at 2n-1 */
				if (g_str_equal(cases[c].spec, "adx:7") && o > 0)
					first = 7;
				if (i < first && !isnan(v))
					FAIL("%s output %u defined at %u, before %u", cases[c].spec,
					     o, i, first);
				if (i >= first && isnan(v))
					FAIL("%s output %u undefined at %u", cases[c].spec, o, i);
			}
		}
	}
}

static void
test_ready_flags(void)
{
	g_autoptr(Series) s = series_synthetic(120, 50.0, 9, "ready");
	CwSma sma;
	CwEma ema;
	CwWma wma;
	CwRsi rsi;
	CwAtr atr;
	CwMacd macd;
	CwBbands bb;
	CwStoch st;
	CwAdx adx;
	CwDonchian dc;

	cw_sma_init(&sma, 5);
	cw_ema_init(&ema, 5);
	cw_wma_init(&wma, 5);
	cw_rsi_init(&rsi, 5);
	cw_atr_init(&atr, 5);
	cw_macd_init(&macd, 4, 8, 3);
	cw_bbands_init(&bb, 5, 2);
	cw_stoch_init(&st, 5, 3, 2);
	cw_adx_init(&adx, 5);
	cw_donchian_init(&dc, 5);
	for (guint i = 0; i < s->n; i++) {
		const CwCandle *c = &s->c[i];

		cw_sma_update(&sma, c->close);
		cw_ema_update(&ema, c->close);
		cw_wma_update(&wma, c->close);
		cw_rsi_update(&rsi, c->close);
		cw_atr_update(&atr, c);
		cw_macd_update(&macd, c->close);
		cw_bbands_update(&bb, c->close);
		cw_stoch_update(&st, c);
		cw_adx_update(&adx, c);
		cw_donchian_update(&dc, c);
		g_assert_cmpint(cw_sma_ready(&sma), ==, i >= 4);
		g_assert_cmpint(cw_ema_ready(&ema), ==, i >= 4);
		g_assert_cmpint(cw_wma_ready(&wma), ==, i >= 4);
		g_assert_cmpint(cw_rsi_ready(&rsi), ==, i >= 5);
		g_assert_cmpint(cw_atr_ready(&atr), ==, i >= 5);
		g_assert_cmpint(cw_macd_ready(&macd), ==, i >= 8 + 3 - 2);
		g_assert_cmpint(cw_bbands_ready(&bb), ==, i >= 4);
		g_assert_cmpint(cw_stoch_ready(&st), ==, i >= 5 + 3 + 2 - 3);
		g_assert_cmpint(cw_adx_di_ready(&adx), ==, i >= 5);
		g_assert_cmpint(cw_adx_ready(&adx), ==, i >= 9);
		g_assert_cmpint(cw_donchian_ready(&dc), ==, i >= 4);
		g_assert_cmpint(isnan(sma.value), ==, !cw_sma_ready(&sma));
		g_assert_cmpint(isnan(st.k), ==, !cw_stoch_ready(&st));
		g_assert_cmpint(isnan(adx.adx), ==, !cw_adx_ready(&adx));
	}
	cw_sma_clear(&sma);
	cw_wma_clear(&wma);
	cw_bbands_clear(&bb);
	cw_stoch_clear(&st);
	cw_donchian_clear(&dc);
}

/* Every indicator, through the generic wrapper: a reset (recreate) run
 * must repeat the first run bit for bit. */
static void
test_reset(void)
{
	g_autoptr(Series) s = series_synthetic(600, 80.0, 11, "reset");
	CwSma sma;
	CwEma ema;
	CwWma wma;
	CwRsi rsi;
	CwAtr atr;
	CwMacd macd;
	CwBbands bb;
	CwStoch st;
	CwAdx adx;
	CwObv obv;
	CwVwap vwap;
	CwDonchian dc;
	g_autofree double *first = g_new(double, s->n * 20);

	cw_sma_init(&sma, 9);
	cw_ema_init(&ema, 9);
	cw_wma_init(&wma, 9);
	cw_rsi_init(&rsi, 9);
	cw_atr_init(&atr, 9);
	cw_macd_init(&macd, 5, 13, 4);
	cw_bbands_init(&bb, 9, 1.5);
	cw_stoch_init(&st, 9, 3, 3);
	cw_adx_init(&adx, 9);
	cw_obv_reset(&obv);
	cw_vwap_reset(&vwap);
	cw_donchian_init(&dc, 9);
	for (guint run = 0; run < 2; run++) {
		for (guint i = 0; i < s->n; i++) {
			const CwCandle *c = &s->c[i];
			double v[20];

			v[0] = cw_sma_update(&sma, c->close);
			v[1] = cw_ema_update(&ema, c->close);
			v[2] = cw_wma_update(&wma, c->close);
			v[3] = cw_rsi_update(&rsi, c->close);
			v[4] = cw_atr_update(&atr, c);
			cw_macd_update(&macd, c->close);
			v[5] = macd.macd;
			v[6] = macd.signal;
			v[7] = macd.hist;
			cw_bbands_update(&bb, c->close);
			v[8] = bb.upper;
			v[9] = bb.lower;
			cw_stoch_update(&st, c);
			v[10] = st.k;
			v[11] = st.d;
			cw_adx_update(&adx, c);
			v[12] = adx.adx;
			v[13] = adx.plus_di;
			v[14] = adx.minus_di;
			v[15] = cw_obv_update(&obv, c);
			v[16] = cw_vwap_update(&vwap, c);
			cw_donchian_update(&dc, c);
			v[17] = dc.upper;
			v[18] = dc.middle;
			v[19] = dc.lower;
			for (guint k = 0; k < 20; k++) {
				double *slot = &first[i * 20 + k];

				if (run == 0)
					*slot = v[k];
				else if (!(isnan(*slot) ? isnan(v[k]) : *slot == v[k]))
					FAIL("value %u at %u differs after reset: %.17g != %.17g",
					     k, i, v[k], *slot);
			}
		}
		cw_sma_reset(&sma);
		cw_ema_reset(&ema);
		cw_wma_reset(&wma);
		cw_rsi_reset(&rsi);
		cw_atr_reset(&atr);
		cw_macd_reset(&macd);
		cw_bbands_reset(&bb);
		cw_stoch_reset(&st);
		cw_adx_reset(&adx);
		cw_obv_reset(&obv);
		cw_vwap_reset(&vwap);
		cw_donchian_reset(&dc);
		g_assert_false(cw_sma_ready(&sma) || cw_ema_ready(&ema) || cw_rsi_ready(&rsi));
		g_assert_true(isnan(sma.value) && isnan(macd.macd) && isnan(bb.upper) &&
			      isnan(st.k) && isnan(adx.plus_di) && isnan(obv.value) &&
			      isnan(vwap.value) && isnan(dc.upper));
	}
	cw_sma_clear(&sma);
	cw_wma_clear(&wma);
	cw_bbands_clear(&bb);
	cw_stoch_clear(&st);
	cw_donchian_clear(&dc);
}

static void
test_flat_input(void)
{
	CwCandle c = {
	    .open_time = 0, .open = 42.1, .high = 42.1, .low = 42.1, .close = 42.1, .volume = 3};
	CwRsi rsi;
	CwStoch st;
	CwBbands bb;
	CwAdx adx;
	CwAtr atr;

	cw_rsi_init(&rsi, 14);
	cw_stoch_init(&st, 14, 3, 3);
	cw_bbands_init(&bb, 20, 2);
	cw_adx_init(&adx, 14);
	cw_atr_init(&atr, 14);
	for (guint i = 0; i < 100; i++) {
		c.open_time = i * 300000;
		cw_rsi_update(&rsi, c.close);
		cw_stoch_update(&st, &c);
		cw_bbands_update(&bb, c.close);
		cw_adx_update(&adx, &c);
		cw_atr_update(&atr, &c);
	}
	/* TA-Lib: 0 when gains and losses are both zero, 0 when HH == LL */
	g_assert_cmpfloat(rsi.value, ==, 0.0);
	g_assert_cmpfloat(st.k, ==, 0.0);
	g_assert_cmpfloat(st.d, ==, 0.0);
	g_assert_cmpfloat(bb.upper, ==, bb.middle);
	g_assert_cmpfloat(bb.lower, ==, bb.middle);
	g_assert_cmpfloat_with_epsilon(bb.middle, 42.1, 1e-12);
	/* zero true range: DI are 0 and no DX is counted, so ADX = 0 / n */
	g_assert_cmpfloat(adx.plus_di, ==, 0.0);
	g_assert_cmpfloat(adx.minus_di, ==, 0.0);
	g_assert_cmpfloat(adx.adx, ==, 0.0);
	g_assert_cmpfloat(atr.value, ==, 0.0);
	cw_stoch_clear(&st);
	cw_bbands_clear(&bb);
}

/* After volatile prices, a window made only of one repeated price gives
 * sd = 0 exactly, whatever the rounding residue of the running sums. */
static void
test_bbands_flat_after_noise(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(5);
	CwBbands bb;

	cw_bbands_init(&bb, 20, 2);
	for (guint i = 0; i < 1000; i++)
		cw_bbands_update(&bb, 16000.0 + g_rand_double_range(rand, -500, 500));
	for (guint i = 0; i < 19; i++) {
		cw_bbands_update(&bb, 16123.45);
		g_assert_cmpfloat(bb.upper, >, bb.middle);
	}
	for (guint i = 0; i < 30; i++) {
		cw_bbands_update(&bb, 16123.45);
		g_assert_cmpfloat(bb.upper, ==, bb.middle);
		g_assert_cmpfloat(bb.lower, ==, bb.middle);
	}
	cw_bbands_update(&bb, 16123.46);
	g_assert_cmpfloat(bb.upper, >, bb.middle);
	cw_bbands_clear(&bb);
}

/* TA-Lib treats a variance below TA_EPSILON (1e-14) as 0, so at prices
 * around 1e-8 its bands collapse onto the middle band. candlewick keeps the
 * true value: the bands stay apart and equal the population standard
 * deviation computed directly (two-pass, from the window), to 1e-9 of it. */
static void
test_bbands_tiny_prices(void)
{
	const guint p = 20, n = 500;
	g_autofree double *x = g_new(double, n);
	CwBbands bb;
	double worst = 0.0, max_var = 0.0;

	cw_bbands_init(&bb, p, 2);
	for (guint i = 0; i < n; i++) {
		x[i] = 1e-8 * (1.0 + 1e-3 * sin(0.7 * i) + 2e-4 * cos(0.13 * i));
		cw_bbands_update(&bb, x[i]);
		if (i + 1 >= p) {
			double sum = 0.0, ss = 0.0, mean, sd;

			for (guint j = 0; j < p; j++)
				sum += x[i - j];
			mean = sum / p;
			for (guint j = 0; j < p; j++)
				ss += (x[i - j] - mean) * (x[i - j] - mean);
			sd = sqrt(ss / p);
			max_var = MAX(max_var, ss / p);
			/* what TA-Lib would flatten to sd = 0 */
			g_assert_cmpfloat(ss / p, <, 1e-14);
			g_assert_cmpfloat(sd, >, 0.0);
			g_assert_cmpfloat(bb.upper, >, bb.middle);
			g_assert_cmpfloat(bb.middle, >, bb.lower);
			g_assert_cmpfloat_with_epsilon(bb.middle, mean, 1e-9 * mean);
			worst = MAX(worst, fabs((bb.upper - bb.middle) / 2 - sd) / sd);
			worst = MAX(worst, fabs((bb.middle - bb.lower) / 2 - sd) / sd);
		}
	}
	g_test_message("largest variance %.3g, worst relative error of sd %.3g", max_var, worst);
	g_assert_cmpfloat(worst, <, 1e-9);
	cw_bbands_clear(&bb);
}

/* 2M updates at BTC prices with 2% swings, 50-bar and 1-bar spikes to 1e9
 * every 100000 bars: SMA, WMA and BBANDS still agree with windows recomputed from
 * scratch to 1e-9 relative (of the operands' magnitude). */
static void
test_long_run_drift(void)
{
	const guint n = 2000000, p = 20;
	g_autoptr(GRand) rand = g_rand_new_with_seed(77);
	g_autofree double *x = g_new(double, n);
	CwSma sma;
	CwWma wma;
	CwBbands bb;
	double price = 30000.0, worst = 0.0;

	cw_sma_init(&sma, p);
	cw_wma_init(&wma, p);
	cw_bbands_init(&bb, p, 2);
	for (guint i = 0; i < n; i++) {
		price *= 1.0 + g_rand_double_range(rand, -0.02, 0.02);
		if (price < 100.0 || price > 1e6)
			price = 30000.0;
		/* spikes stress the running sums: 50 bars, and single bars */
		x[i] = i % 100000 < 50 || i % 100000 == 50007 ? 1e9 : price;
		cw_sma_update(&sma, x[i]);
		cw_wma_update(&wma, x[i]);
		cw_bbands_update(&bb, x[i]);
		/* sampled, plus every index around the spikes */
		if (i >= p && (i % 997 == 0 || i % 100000 < 120 ||
			       (i % 100000 >= 50007 && i % 100000 < 50050))) {
			double sum = 0.0, wsum = 0.0, ss = 0.0, mean, sd;
			double want[4], got[4] = {sma.value, wma.value, bb.upper, bb.lower};

			for (guint j = 0; j < p; j++) {
				sum += x[i - j];
				wsum += (double) (p - j) * x[i - j];
			}
			mean = sum / p;
			for (guint j = 0; j < p; j++)
				ss += (x[i - j] - mean) * (x[i - j] - mean);
			sd = sqrt(ss / p);
			want[0] = mean;
			want[1] = wsum / (p * (p + 1) / 2.0);
			want[2] = mean + 2 * sd;
			want[3] = mean - 2 * sd;
			for (guint k = 0; k < 4; k++) {
				/* mean - 2 sd can cancel to near zero in a spike
				 * window: scale by the operands (|mean| + 2 sd) */
				double scale = MAX(MAX(1.0, fabs(want[k])), fabs(mean) + 2 * sd);
				double rel = fabs(got[k] - want[k]) / scale;

				worst = MAX(worst, rel);
				if (rel > REL_TOL)
					FAIL("output %u at %u: %.17g vs %.17g", k, i, got[k],
					     want[k]);
			}
		}
	}
	g_test_message("worst relative error over %u updates: %.3g", n, worst);
	cw_sma_clear(&sma);
	cw_wma_clear(&wma);
	cw_bbands_clear(&bb);
}

static void
test_ring(void)
{
	CwRing r;

	cw_ring_init(&r, 3);
	g_assert_true(isnan(cw_ring_push(&r, 1)));
	g_assert_true(isnan(cw_ring_push(&r, 2)));
	g_assert_false(cw_ring_full(&r));
	g_assert_true(isnan(cw_ring_push(&r, 3)));
	g_assert_true(cw_ring_full(&r));
	g_assert_cmpfloat(r.sum, ==, 6);
	g_assert_cmpfloat(cw_ring_push(&r, 4), ==, 1);
	g_assert_cmpfloat(cw_ring_get(&r, 0), ==, 4);
	g_assert_cmpfloat(cw_ring_get(&r, 2), ==, 2);
	g_assert_true(isnan(cw_ring_get(&r, 3)));
	g_assert_cmpfloat(r.sum, ==, 9);
	cw_ring_reset(&r);
	g_assert_cmpuint(r.count, ==, 0);
	g_assert_cmpfloat(r.sum, ==, 0);
	cw_ring_clear(&r);
	g_assert_null(r.values);
}

static void
test_mono_deque(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(1);
	const guint w = 7, n = 5000;
	g_autofree double *x = g_new(double, n);
	CwMonoDeque mx, mn;

	cw_mono_deque_init(&mx, w, TRUE);
	cw_mono_deque_init(&mn, w, FALSE);
	for (guint i = 0; i < n; i++) {
		double hi, lo, want_hi, want_lo;

		/* few distinct values: plenty of ties */
		x[i] = g_rand_int_range(rand, 0, 6);
		hi = cw_mono_deque_push(&mx, i, x[i], w);
		lo = cw_mono_deque_push(&mn, i, x[i], w);
		want_hi = want_lo = x[i];
		for (guint j = i >= w - 1 ? i - (w - 1) : 0; j < i; j++) {
			want_hi = MAX(want_hi, x[j]);
			want_lo = MIN(want_lo, x[j]);
		}
		g_assert_cmpfloat(hi, ==, want_hi);
		g_assert_cmpfloat(lo, ==, want_lo);
		g_assert_cmpuint(mx.len, <=, w);
	}
	/* positions may jump: entries older than the window are dropped */
	g_assert_cmpfloat(cw_mono_deque_push(&mx, n + 100, -1.0, w), ==, -1.0);
	cw_mono_deque_reset(&mx);
	g_assert_cmpuint(mx.len, ==, 0);
	cw_mono_deque_clear(&mx);
	cw_mono_deque_clear(&mn);
}

static void
test_obv_vwap_basics(void)
{
	CwObv obv;
	CwVwap vwap;
	CwCandle c = {
	    .open_time = DAY_MS - 2 * 300000, .high = 12, .low = 9, .close = 10, .volume = 5};

	cw_obv_reset(&obv);
	cw_vwap_reset(&vwap);
	g_assert_true(isnan(obv.value) && isnan(vwap.value));
	/* OBV starts at the first volume, as TA-Lib */
	g_assert_cmpfloat(cw_obv_update(&obv, &c), ==, 5);
	g_assert_cmpfloat(cw_vwap_update(&vwap, &c), ==, 31.0 / 3.0);

	c.open_time += 300000;
	c.close = 11;
	c.volume = 15;
	g_assert_cmpfloat(cw_obv_update(&obv, &c), ==, 20);
	g_assert_cmpfloat_with_epsilon(cw_vwap_update(&vwap, &c),
				       (31.0 / 3.0 * 5 + 32.0 / 3.0 * 15) / 20, 1e-12);
	c.volume = 7; /* unchanged close: OBV unchanged */
	g_assert_cmpfloat(cw_obv_update(&obv, &c), ==, 20);
	c.close = 9.5;
	g_assert_cmpfloat(cw_obv_update(&obv, &c), ==, 13);

	/* UTC midnight: new session; zero volume gives the typical price */
	c.open_time = DAY_MS;
	c.volume = 0;
	c.high = 30;
	c.low = 27;
	c.close = 30;
	g_assert_cmpfloat(cw_vwap_update(&vwap, &c), ==, 29);
	c.open_time += 300000;
	c.volume = 2;
	c.high = c.low = c.close = 33;
	g_assert_cmpfloat(cw_vwap_update(&vwap, &c), ==, 33);
	/* before 1970 the day still starts at midnight */
	c.open_time = -1;
	g_assert_cmpfloat(cw_vwap_update(&vwap, &c), ==, 33);
	g_assert_cmpint(vwap.session_start, ==, -DAY_MS);
}

/* ------------------------------------------------------------------ */
/* Generic wrapper and spec parser                                      */

static void
test_spec_names_and_defaults(void)
{
	static const struct {
		const char *spec;
		const char *names[3];
	} cases[] = {
	    {"sma", {"sma_20"}},
	    {"ema", {"ema_20"}},
	    {"wma:5", {"wma_5"}},
	    {"rsi", {"rsi_14"}},
	    {"MACD", {"macd_12_26_9", "macd_signal_12_26_9", "macd_hist_12_26_9"}},
	    {"macd:5", {"macd_5_26_9", "macd_signal_5_26_9", "macd_hist_5_26_9"}},
	    {"bbands", {"bb_upper_20_2", "bb_middle_20_2", "bb_lower_20_2"}},
	    {"bbands:10:2.5", {"bb_upper_10_2.5", "bb_middle_10_2.5", "bb_lower_10_2.5"}},
	    {"atr", {"atr_14"}},
	    {"stoch", {"stoch_k_14_3_3", "stoch_d_14_3_3"}},
	    {"adx", {"adx_14", "plus_di_14", "minus_di_14"}},
	    {"obv", {"obv"}},
	    {"vwap", {"vwap"}},
	    {"donchian", {"donchian_upper_20", "donchian_middle_20", "donchian_lower_20"}},
	    {"vsma", {"vsma_20"}},
	};

	for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(CwIndicator) ind = cw_indicator_new_from_spec(cases[c].spec, &error);
		guint n = 0;

		g_assert_no_error(error);
		while (n < 3 && cases[c].names[n] != NULL)
			n++;
		g_assert_cmpuint(cw_indicator_get_n_outputs(ind), ==, n);
		for (guint o = 0; o < n; o++)
			g_assert_cmpstr(cw_indicator_get_output_name(ind, o), ==,
					cases[c].names[o]);
		g_assert_true(isnan(cw_indicator_get_value(ind, 0)));
		g_assert_true(isnan(cw_indicator_get_value(ind, 7)));
	}

	for (guint k = 0; k < CW_INDICATOR_LAST; k++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(CwIndicator) ind = cw_indicator_new(k, NULL, 0, &error);
		g_autoptr(CwIndicator) by_name =
		    cw_indicator_new_from_spec(cw_indicator_kind_to_string(k), &error);

		g_assert_no_error(error);
		g_assert_cmpstr(cw_indicator_get_output_name(ind, 0), ==,
				cw_indicator_get_output_name(by_name, 0));
		g_assert_nonnull(
		    strstr(cw_indicator_known_names(), cw_indicator_kind_to_string(k)));
	}
	g_assert_cmpstr(cw_indicator_kind_to_string(CW_INDICATOR_VOLUME_SMA), ==, "vsma");
	g_assert_cmpstr(cw_indicator_known_names(), ==,
			"sma, ema, wma, rsi, macd, bbands, atr, stoch, adx, obv, vwap, donchian, "
			"vsma");
}

static void
test_spec_errors(void)
{
	static const struct {
		const char *spec;
		int code;
		const char *message; /* substring */
	} cases[] = {
	    {"foo:3", CW_STRATEGIES_ERROR_UNKNOWN_INDICATOR,
	     "foo:3: unknown indicator 'foo' (known: sma, ema, wma, rsi, macd, bbands, atr, "
	     "stoch, adx, obv, vwap, donchian, vsma)"},
	    {"", CW_STRATEGIES_ERROR_UNKNOWN_INDICATOR, "unknown indicator ''"},
	    {"macd:12:x:9", CW_STRATEGIES_ERROR_INVALID_PARAMETER,
	     "macd:12:x:9: parameter 2 is not a positive integer"},
	    {"macd:12:0:9", CW_STRATEGIES_ERROR_INVALID_PARAMETER,
	     "macd:12:0:9: parameter 2 is not a positive integer"},
	    {"sma:2.5", CW_STRATEGIES_ERROR_INVALID_PARAMETER,
	     "sma:2.5: parameter 1 is not a positive integer"},
	    {"sma:-3", CW_STRATEGIES_ERROR_INVALID_PARAMETER, "parameter 1 is not a positive"},
	    {"sma:", CW_STRATEGIES_ERROR_INVALID_PARAMETER,
	     "sma:: parameter 1 is not a positive integer"},
	    {"sma: 5", CW_STRATEGIES_ERROR_INVALID_PARAMETER, "parameter 1 is not a positive"},
	    {"ema:1000001", CW_STRATEGIES_ERROR_INVALID_PARAMETER,
	     "ema:1000001: parameter 1 is too large (at most 100000)"},
	    {"macd:26:12:9", CW_STRATEGIES_ERROR_INVALID_PARAMETER,
	     "macd:26:12:9: the slow period (12) must be greater than the fast period (26)"},
	    {"macd:12:12", CW_STRATEGIES_ERROR_INVALID_PARAMETER, "slow period (12)"},
	    {"bbands:20:0", CW_STRATEGIES_ERROR_INVALID_PARAMETER,
	     "bbands:20:0: parameter 2 is not a positive number"},
	    {"bbands:20:two", CW_STRATEGIES_ERROR_INVALID_PARAMETER,
	     "bbands:20:two: parameter 2 is not a positive number"},
	    {"bbands:20:inf", CW_STRATEGIES_ERROR_INVALID_PARAMETER,
	     "parameter 2 is not a positive number"},
	    {"rsi:1", CW_STRATEGIES_ERROR_INVALID_PARAMETER,
	     "rsi:1: parameter 1 must be at least 2"},
	    {"adx:1", CW_STRATEGIES_ERROR_INVALID_PARAMETER, "parameter 1 must be at least 2"},
	    {"obv:5", CW_STRATEGIES_ERROR_INVALID_PARAMETER, "obv:5: obv takes no parameters"},
	    {"sma:5:6", CW_STRATEGIES_ERROR_INVALID_PARAMETER,
	     "sma:5:6: sma takes at most 1 parameters, 2 given"},
	    {"stoch:14:3:3:1", CW_STRATEGIES_ERROR_INVALID_PARAMETER, "at most 3 parameters"},
	};

	for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(CwIndicator) ind = cw_indicator_new_from_spec(cases[c].spec, &error);

		g_assert_null(ind);
		g_assert_error(error, CW_STRATEGIES_ERROR, cases[c].code);
		if (strstr(error->message, cases[c].message) == NULL)
			FAIL("'%s': message '%s' lacks '%s'", cases[c].spec, error->message,
			     cases[c].message);
	}

	{
		g_autoptr(GError) error = NULL;
		const double bad[] = {12, 26, 9, 1};
		const double frac[] = {12, 26.5};

		g_assert_null(cw_indicator_new(CW_INDICATOR_LAST, NULL, 0, &error));
		g_assert_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_UNKNOWN_INDICATOR);
		g_clear_error(&error);
		g_assert_null(cw_indicator_new(CW_INDICATOR_MACD, bad, 4, &error));
		g_assert_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER);
		g_clear_error(&error);
		g_assert_null(cw_indicator_new(CW_INDICATOR_MACD, frac, 2, &error));
		g_assert_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER);
		g_assert_cmpstr(error->message, ==, "macd: parameter 2 is not a positive integer");
	}
}

/* The wrapper gives the same numbers as the structs it wraps. */
static void
test_spec_values(void)
{
	g_autoptr(Series) s = series_talib();
	g_autoptr(GError) error = NULL;
	g_autoptr(CwIndicator) bb = cw_indicator_new_from_spec("bbands:20:2", &error);
	g_autoptr(CwIndicator) adx = cw_indicator_new_from_spec("adx", &error);
	g_autoptr(CwIndicator) vsma = cw_indicator_new_from_spec("vsma:3", &error);
	const double macd_p[] = {12, 26, 9};
	g_autoptr(CwIndicator) macd = cw_indicator_new(CW_INDICATOR_MACD, macd_p, 3, &error);
	CwBbands rb;
	CwAdx ra;
	CwMacd rm;

	g_assert_no_error(error);
	cw_bbands_init(&rb, 20, 2);
	cw_adx_init(&ra, 14);
	cw_macd_init(&rm, 12, 26, 9);
	for (guint i = 0; i < s->n; i++) {
		cw_indicator_update(bb, &s->c[i]);
		cw_indicator_update(adx, &s->c[i]);
		cw_indicator_update(vsma, &s->c[i]);
		cw_indicator_update(macd, &s->c[i]);
		cw_bbands_update(&rb, s->close[i]);
		cw_adx_update(&ra, &s->c[i]);
		cw_macd_update(&rm, s->close[i]);
		if (i < 33)
			continue;
		g_assert_cmpfloat(cw_indicator_get_value(bb, 0), ==, rb.upper);
		g_assert_cmpfloat(cw_indicator_get_value(bb, 1), ==, rb.middle);
		g_assert_cmpfloat(cw_indicator_get_value(bb, 2), ==, rb.lower);
		g_assert_cmpfloat(cw_indicator_get_value(adx, 0), ==, ra.adx);
		g_assert_cmpfloat(cw_indicator_get_value(adx, 1), ==, ra.plus_di);
		g_assert_cmpfloat(cw_indicator_get_value(adx, 2), ==, ra.minus_di);
		g_assert_cmpfloat(cw_indicator_get_value(macd, 0), ==, rm.macd);
		g_assert_cmpfloat(cw_indicator_get_value(macd, 1), ==, rm.signal);
		g_assert_cmpfloat(cw_indicator_get_value(macd, 2), ==, rm.hist);
		g_assert_cmpfloat_with_epsilon(
		    cw_indicator_get_value(vsma, 0),
		    (s->volume[i] + s->volume[i - 1] + s->volume[i - 2]) / 3, 1e-6);
	}
	cw_bbands_clear(&rb);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/strategy/indicators/ring", test_ring);
	g_test_add_func("/strategy/indicators/mono-deque", test_mono_deque);
	g_test_add_func("/strategy/indicators/talib/moving-averages", test_talib_moving_averages);
	g_test_add_func("/strategy/indicators/talib/rsi", test_talib_rsi);
	g_test_add_func("/strategy/indicators/talib/macd", test_talib_macd);
	g_test_add_func("/strategy/indicators/talib/bbands", test_talib_bbands);
	g_test_add_func("/strategy/indicators/talib/atr", test_talib_atr);
	g_test_add_func("/strategy/indicators/talib/stoch", test_talib_stoch);
	g_test_add_func("/strategy/indicators/talib/adx", test_talib_adx);
	g_test_add_func("/strategy/indicators/talib/donchian", test_talib_donchian);
	g_test_add_func("/strategy/indicators/reference/talib-series", test_reference_talib_series);
	g_test_add_func("/strategy/indicators/reference/synthetic", test_reference_synthetic);
	g_test_add_data_func("/strategy/indicators/reference/btcusdt-5m", "btcusdt-5m.csv",
			     test_reference_csv);
	g_test_add_data_func("/strategy/indicators/reference/altbtc-1m", "altbtc-1m.csv",
			     test_reference_csv);
	g_test_add_func("/strategy/indicators/warm-up", test_warmup_indices);
	g_test_add_func("/strategy/indicators/ready", test_ready_flags);
	g_test_add_func("/strategy/indicators/reset", test_reset);
	g_test_add_func("/strategy/indicators/flat", test_flat_input);
	g_test_add_func("/strategy/indicators/bbands-flat-after-noise",
			test_bbands_flat_after_noise);
	g_test_add_func("/strategy/indicators/bbands-tiny-prices", test_bbands_tiny_prices);
	g_test_add_func("/strategy/indicators/long-run", test_long_run_drift);
	g_test_add_func("/strategy/indicators/obv-vwap", test_obv_vwap_basics);
	g_test_add_func("/strategy/indicators/spec/names", test_spec_names_and_defaults);
	g_test_add_func("/strategy/indicators/spec/errors", test_spec_errors);
	g_test_add_func("/strategy/indicators/spec/values", test_spec_values);

	return g_test_run();
}
