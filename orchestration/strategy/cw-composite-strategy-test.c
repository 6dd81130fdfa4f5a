#include "cw-strategies.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define MINUTE_MS (60 * G_GINT64_CONSTANT(1000))

/* Counting allocator: the test interposes malloc and friends (glibc) to
 * prove that on_candle allocates nothing. */
#if defined(__GLIBC__) && !defined(CW_SANITIZED)
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
static volatile gboolean counting;
static volatile guint n_allocations;

void *
malloc(size_t size)
{
	if (counting)
		n_allocations++;
	return __libc_malloc(size);
}

void *
calloc(size_t n, size_t size)
{
	if (counting)
		n_allocations++;
	return __libc_calloc(n, size);
}

void *
realloc(void *p, size_t size)
{
	if (counting)
		n_allocations++;
	return __libc_realloc(p, size);
}
#else
static gboolean counting;
static guint n_allocations;
#endif

/* Whether the counter sees GLib's allocations: not without glibc, nor when a
 * tool (valgrind, ASan) replaces malloc itself. */
static gboolean
allocations_are_counted(void)
{
	n_allocations = 0;
	counting = TRUE;
	g_free(g_malloc(16));
	counting = FALSE;
	if (n_allocations == 1)
		return TRUE;
	g_test_message("malloc is not interposed here; allocations not checked");
	return FALSE;
}

/* ---- candles ---------------------------------------------------------- */

/* time,open,high,low,close,volume with time in Unix seconds. */
static GArray *
load_csv(const char *path, gint64 interval_ms, GError **error)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GArray) candles = g_array_new(FALSE, TRUE, sizeof(CwCandle));

	if (!g_file_get_contents(path, &text, NULL, error))
		return NULL;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 1; lines[i] != NULL; i++) {
		CwCandle c = {.interval_ms = interval_ms};
		double *values[] = {&c.open, &c.high, &c.low, &c.close, &c.volume};
		g_auto(GStrv) fields = NULL;
		gint64 t = 0;
		gboolean ok;

		if (*g_strstrip(lines[i]) == '\0')
			continue;
		fields = g_strsplit(lines[i], ",", -1);
		ok = g_strv_length(fields) == 6 &&
		     g_ascii_string_to_signed(fields[0], 10, 0, G_MAXINT64 / 1000, &t, NULL);
		for (guint k = 0; ok && k < G_N_ELEMENTS(values); k++) {
			char *end = NULL;

			*values[k] = g_ascii_strtod(fields[k + 1], &end);
			ok = end != fields[k + 1] && *end == '\0';
		}
		if (!ok) {
			g_set_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_FAILED,
				    "%s:%u: bad candle row", path, i + 1);
			return NULL;
		}
		c.open_time = t * 1000;
		g_array_append_val(candles, c);
	}
	return g_steal_pointer(&candles);
}

static GArray *
load_btcusdt(void)
{
	const char *dir = g_getenv("CW_SHARED_DATA");
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;
	GArray *candles;

	if (dir == NULL) {
		g_test_skip("CW_SHARED_DATA is not set");
		return NULL;
	}
	path = g_build_filename(dir, "btcusdt-5m.csv", NULL);
	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_autofree char *msg = g_strdup_printf("%s is absent", path);

		g_test_skip(msg);
		return NULL;
	}
	candles = load_csv(path, 5 * MINUTE_MS, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(candles->len, >, 10000);
	return candles;
}

static CwCandle
make_candle(guint i, double open, double high, double low, double close)
{
	CwCandle c = {
	    .open_time = 1672531200000 + (gint64) i * 5 * MINUTE_MS, /* 2023-01-01 00:00 UTC */
	    .interval_ms = 5 * MINUTE_MS,
	    .open = open,
	    .high = high,
	    .low = low,
	    .close = close,
	    .volume = 1,
	};
	return c;
}

/* ---- specs -------------------------------------------------------------- */

static const CwAnalyzerSpec full_analyzers[] = {
    {.kind = CW_ANALYZER_EMA_CROSS, .weight = 0.35, .fast = 9, .slow = 21},
    {.kind = CW_ANALYZER_MACD, .weight = 0.25, .fast = 12, .slow = 26, .signal = 9},
    {.kind = CW_ANALYZER_RSI,
     .mode = CW_ANALYZER_MODE_REVERSAL,
     .weight = 0.2,
     .period = 14,
     .lower = 30,
     .upper = 70},
    {.kind = CW_ANALYZER_BOLLINGER, .weight = 0.2, .period = 20, .stddev = 2},
    {.kind = CW_ANALYZER_STOCHASTIC,
     .weight = 0.15,
     .k_period = 14,
     .k_slowing = 3,
     .d_period = 3,
     .lower = 20,
     .upper = 80},
    {.kind = CW_ANALYZER_ATR_REGIME, .weight = 0.1, .period = 14, .min_pct = 0.05, .max_pct = 2},
    {.kind = CW_ANALYZER_VOLUME_SPIKE, .weight = 0.15, .period = 20, .multiplier = 1.5},
    {.kind = CW_ANALYZER_DONCHIAN, .weight = 0.25, .period = 20},
    {.kind = CW_ANALYZER_ADX, .weight = 0.25, .period = 14, .threshold = 20},
};

static CwStrategySpec
make_full_spec(void)
{
	CwStrategySpec spec = {
	    .id = (char *) "full",
	    .type = (char *) "composite",
	    .json_path = (char *) "strategies[0]",
	    .analyzers = (CwAnalyzerSpec *) full_analyzers,
	    .n_analyzers = G_N_ELEMENTS(full_analyzers),
	    .aggregation = {.min_score = 0.4, .min_confidence = 0.7, .conflict_threshold = 0.15},
	    .exit = {.stop_loss = {.kind = CW_STOP_ATR, .value = 2, .atr_period = 14},
		     .exit_on_opposite_signal = TRUE},
	};
	return spec;
}

static CwStrategy *
new_strategy(void)
{
	g_autoptr(GError) error = NULL;
	GObject *obj;

	cw_strategies_register_types();
	obj = cw_extension_new(CW_EXTENSION_POINT_STRATEGY, "composite", &error);
	g_assert_no_error(error);
	g_assert_true(CW_IS_STRATEGY(obj));
	g_assert_true(CW_IS_COMPOSITE_STRATEGY(obj));
	return CW_STRATEGY(obj);
}

/* ---- tests ---------------------------------------------------------------- */

static void
test_registry(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GObject) unknown = NULL;
	g_autoptr(CwStrategy) strategy = NULL;

	cw_strategies_register_types();
	cw_strategies_register_types(); /* idempotent */
	g_assert_true(cw_extension_exists(CW_EXTENSION_POINT_STRATEGY, "composite"));
	strategy = new_strategy();

	unknown = cw_extension_new(CW_EXTENSION_POINT_STRATEGY, "grid-of-dreams", &error);
	g_assert_null(unknown);
	g_assert_error(error, CW_CORE_ERROR, CW_CORE_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "grid-of-dreams"));
	g_assert_nonnull(strstr(error->message, "composite"));
}

static void
test_configure_errors(void)
{
	g_autoptr(CwStrategy) strategy = new_strategy();
	CwAnalyzerSpec bad[] = {
	    {.kind = CW_ANALYZER_DONCHIAN, .weight = 0.5, .period = 20},
	    {.kind = CW_ANALYZER_EMA_CROSS, .weight = 0.5, .fast = 30, .slow = 20},
	};
	CwStrategySpec spec = make_full_spec();
	CwCandle c = make_candle(0, 1, 1, 1, 1);
	CwStrategyOutput out;

	spec.analyzers = bad;
	spec.n_analyzers = G_N_ELEMENTS(bad);
	{
		g_autoptr(GError) error = NULL;

		g_assert_false(cw_strategy_configure(strategy, &spec, &error));
		g_assert_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER);
		g_assert_true(
		    g_str_has_prefix(error->message, "strategies[0].analyzers[1].ema_cross:"));
	}
	spec.n_analyzers = 0;
	{
		g_autoptr(GError) error = NULL;

		g_assert_false(cw_strategy_configure(strategy, &spec, &error));
		g_assert_nonnull(strstr(error->message, "at least one analyzer"));
	}
	spec.n_analyzers = 1;
	spec.session = (CwSessionFilterSpec){
	    .enabled = TRUE, .timezone = (char *) "Nowhere/Land", .days_mask = 0x7f};
	{
		g_autoptr(GError) error = NULL;

		g_assert_false(cw_strategy_configure(strategy, &spec, &error));
		g_assert_nonnull(strstr(error->message, "Nowhere/Land"));
	}
	spec.session.enabled = FALSE;
	spec.aggregation.min_score = 2;
	{
		g_autoptr(GError) error = NULL;

		g_assert_false(cw_strategy_configure(strategy, &spec, &error));
		g_assert_true(
		    g_str_has_prefix(error->message, "strategies[0].aggregation.min_score"));
	}
	/* an unconfigured strategy says nothing */
	cw_strategy_on_candle(strategy, &c, &out);
	g_assert_false(out.ready);
	g_assert_cmpint(out.signal.direction, ==, CW_DIRECTION_NONE);
}

/* One donchian(3) analyzer: a close above the previous 3 highs is LONG. */
static CwAnalyzerSpec donchian_only[] = {
    {.kind = CW_ANALYZER_DONCHIAN, .weight = 1, .period = 3},
};

static CwStrategySpec
make_donchian_spec(void)
{
	CwStrategySpec spec = {
	    .id = (char *) "breakout",
	    .type = (char *) "composite",
	    .json_path = (char *) "strategies[1]",
	    .analyzers = donchian_only,
	    .n_analyzers = 1,
	    .aggregation = {.min_score = 0.5, .min_confidence = 0.5, .conflict_threshold = 0},
	    .exit = {.trailing = {.kind = CW_STOP_ATR, .value = 1, .atr_period = 3},
		     .exit_on_opposite_signal = TRUE},
	};
	return spec;
}

/* 4 flat candles (range 2 around 100), then a breakout up and one down. */
/* on_candle() writes every field of its output: run_breakout() fills the
 * outputs with @garbage first and the outputs are compared field by field. */
static void
assert_outputs_equal(const CwStrategyOutput *a, const CwStrategyOutput *b)
{
	const CwSignal *sa[] = {&a->signal, &a->raw_signal};
	const CwSignal *sb[] = {&b->signal, &b->raw_signal};

	g_assert_cmpint(a->ready, ==, b->ready);
	for (guint i = 0; i < G_N_ELEMENTS(sa); i++) {
		g_assert_cmpint(sa[i]->direction, ==, sb[i]->direction);
		g_assert_cmpmem(&sa[i]->confidence, sizeof(double), &sb[i]->confidence,
				sizeof(double));
		g_assert_cmpmem(&sa[i]->score_long, sizeof(double), &sb[i]->score_long,
				sizeof(double));
		g_assert_cmpmem(&sa[i]->score_short, sizeof(double), &sb[i]->score_short,
				sizeof(double));
		g_assert_cmpint(sa[i]->time, ==, sb[i]->time);
	}
	g_assert_true(a->filtered_by == b->filtered_by);
	g_assert_cmpint(a->exit_signal, ==, b->exit_signal);
	g_assert_cmpmem(&a->atr, sizeof(double), &b->atr, sizeof(double));
}

static void
run_breakout_filled(CwStrategy *strategy, CwStrategyOutput *outs, guint8 garbage)
{
	memset(outs, garbage, 6 * sizeof(*outs));
	for (guint i = 0; i < 4; i++) {
		CwCandle c = make_candle(i, 100, 101, 99, 100);

		cw_strategy_on_candle(strategy, &c, &outs[i]);
	}
	{
		CwCandle up = make_candle(4, 100, 103, 99.5, 102.5);
		CwCandle down = make_candle(5, 102.5, 102.5, 96, 97);

		cw_strategy_on_candle(strategy, &up, &outs[4]);
		cw_strategy_on_candle(strategy, &down, &outs[5]);
	}
}

static void
run_breakout(CwStrategy *strategy, CwStrategyOutput *outs)
{
	run_breakout_filled(strategy, outs, 0);
}

static void
test_signals_and_filters(void)
{
	g_autoptr(CwStrategy) strategy = new_strategy();
	CwStrategySpec spec = make_donchian_spec();
	CwCompositeStrategy *composite = CW_COMPOSITE_STRATEGY(strategy);
	CwStrategyOutput out[6];
	g_autoptr(GError) error = NULL;

	g_assert_true(cw_strategy_configure(strategy, &spec, &error));
	g_assert_no_error(error);
	/* the trailing stop is the only ATR user */
	g_assert_cmpuint(cw_composite_strategy_get_atr_period(composite), ==, 3);
	g_assert_cmpuint(cw_composite_strategy_get_n_analyzers(composite), ==, 1);
	run_breakout(strategy, out);
	for (guint i = 0; i < 3; i++) {
		g_assert_false(out[i].ready);
		g_assert_cmpfloat(out[i].atr, ==, 0);
	}
	g_assert_true(out[3].ready);
	g_assert_cmpfloat_with_epsilon(out[3].atr, 2, 1e-9);
	g_assert_cmpint(out[3].signal.direction, ==, CW_DIRECTION_NONE);
	g_assert_null(out[3].filtered_by);
	g_assert_cmpint(out[3].exit_signal, ==, CW_DIRECTION_NONE);

	/* breakout 1.5 above a channel of width 2: confidence min(1, 0.5 + 0.75) */
	g_assert_cmpint(out[4].raw_signal.direction, ==, CW_DIRECTION_LONG);
	g_assert_cmpint(out[4].signal.direction, ==, CW_DIRECTION_LONG);
	g_assert_cmpfloat(out[4].signal.score_long, ==, 1.0);
	g_assert_cmpfloat(out[4].signal.confidence, ==, 1.0);
	g_assert_cmpint(out[4].signal.time, ==, make_candle(5, 0, 0, 0, 0).open_time);
	g_assert_null(out[4].filtered_by);
	g_assert_cmpint(out[4].exit_signal, ==, CW_DIRECTION_SHORT);
	g_assert_cmpint(cw_composite_strategy_get_vote(composite, 0)->direction, ==,
			CW_DIRECTION_SHORT);
	g_assert_cmpint(out[5].signal.direction, ==, CW_DIRECTION_SHORT);
	g_assert_cmpint(out[5].exit_signal, ==, CW_DIRECTION_LONG);

	/* reset: the same run again gives the same outputs, every field written */
	{
		CwStrategyOutput again[6];

		cw_strategy_reset(strategy);
		run_breakout_filled(strategy, again, 0xa5);
		for (guint i = 0; i < G_N_ELEMENTS(again); i++)
			assert_outputs_equal(&again[i], &out[i]);
	}

	/* without exit_on_opposite_signal, no exit signal */
	spec.exit.exit_on_opposite_signal = FALSE;
	g_assert_true(cw_strategy_configure(strategy, &spec, NULL));
	run_breakout(strategy, out);
	g_assert_cmpint(out[4].signal.direction, ==, CW_DIRECTION_LONG);
	g_assert_cmpint(out[4].exit_signal, ==, CW_DIRECTION_NONE);

	/* warm-up: a slow stop ATR keeps the strategy unready; raw passes, signal not */
	spec.exit.trailing.atr_period = 10;
	g_assert_true(cw_strategy_configure(strategy, &spec, NULL));
	run_breakout(strategy, out);
	g_assert_false(out[4].ready);
	g_assert_cmpint(out[4].raw_signal.direction, ==, CW_DIRECTION_LONG);
	g_assert_cmpint(out[4].signal.direction, ==, CW_DIRECTION_NONE);
	g_assert_cmpfloat(out[4].signal.confidence, ==, 0);
	g_assert_cmpfloat(out[4].signal.score_long, ==, 1.0);
	g_assert_cmpstr(out[4].filtered_by, ==, "warmup");
	spec.exit.trailing.atr_period = 3;

	/* session: 2023-01-01 00:25 is outside 08:00-16:00 */
	spec.session = (CwSessionFilterSpec){.enabled = TRUE,
					     .timezone = (char *) "UTC",
					     .start_minute = 8 * 60,
					     .end_minute = 16 * 60,
					     .days_mask = 0x7f};
	g_assert_true(cw_strategy_configure(strategy, &spec, NULL));
	run_breakout(strategy, out);
	g_assert_true(out[4].ready);
	g_assert_cmpint(out[4].raw_signal.direction, ==, CW_DIRECTION_LONG);
	g_assert_cmpint(out[4].signal.direction, ==, CW_DIRECTION_NONE);
	g_assert_cmpstr(out[4].filtered_by, ==, "session");
	spec.session.start_minute = 0;
	spec.session.end_minute = 60;
	g_assert_true(cw_strategy_configure(strategy, &spec, NULL));
	run_breakout(strategy, out);
	g_assert_cmpint(out[4].signal.direction, ==, CW_DIRECTION_LONG);

	/* volatility: ATR% of about 2 is outside [0.1, 1] */
	spec.volatility = (CwVolatilityFilterSpec){
	    .enabled = TRUE, .atr_period = 3, .min_pct = 0.1, .max_pct = 1};
	g_assert_true(cw_strategy_configure(strategy, &spec, NULL));
	run_breakout(strategy, out);
	g_assert_cmpstr(out[4].filtered_by, ==, "volatility");
	g_assert_cmpint(out[4].signal.direction, ==, CW_DIRECTION_NONE);
	spec.volatility.max_pct = 5;

	/* MTF 5 min over 5 min, close vs EMA(2): the breakout candle closes its
	 * own HTF candle, 102.5 > EMA(2) 101.67, so the long passes; the drop to 97
	 * makes the bias SHORT and the short passes too */
	spec.mtf = (CwMtfFilterSpec){.enabled = TRUE, .interval_ms = 5 * MINUTE_MS, .slow = 2};
	g_assert_true(cw_strategy_configure(strategy, &spec, NULL));
	run_breakout(strategy, out);
	g_assert_null(out[4].filtered_by);
	g_assert_cmpint(out[4].signal.direction, ==, CW_DIRECTION_LONG);
	g_assert_cmpint(cw_composite_strategy_get_mtf_bias(composite), ==, CW_DIRECTION_SHORT);
	g_assert_cmpint(out[5].signal.direction, ==, CW_DIRECTION_SHORT);

	/* MTF 1 h: the HTF never closes in 6 candles: entries blocked, not ready */
	spec.mtf.interval_ms = 60 * MINUTE_MS;
	g_assert_true(cw_strategy_configure(strategy, &spec, NULL));
	run_breakout(strategy, out);
	g_assert_false(out[4].ready);
	g_assert_cmpint(out[4].signal.direction, ==, CW_DIRECTION_NONE);
	g_assert_cmpstr(out[4].filtered_by, ==, "warmup");
	g_assert_cmpint(out[4].exit_signal, ==, CW_DIRECTION_NONE);
}

typedef struct {
	guint n_long, n_short, n_raw, n_exit, n_ready;
	guint n_session, n_volatility, n_mtf, n_warmup;
} RunStats;

static void
run_over(CwStrategy *strategy, GArray *candles, CwSignal *signals, RunStats *stats)
{
	memset(stats, 0, sizeof(*stats));
	counting = TRUE;
	for (guint i = 0; i < candles->len; i++) {
		CwStrategyOutput out;

		/* zeroed as the orchestrator does, so the copied signal has no
		 * stray padding bytes */
		memset(&out, 0, sizeof(out));
		cw_strategy_on_candle(strategy, &g_array_index(candles, CwCandle, i), &out);
		signals[i] = out.signal;
		stats->n_ready += out.ready;
		stats->n_long += out.signal.direction == CW_DIRECTION_LONG;
		stats->n_short += out.signal.direction == CW_DIRECTION_SHORT;
		stats->n_raw += out.raw_signal.direction != CW_DIRECTION_NONE;
		stats->n_exit += out.exit_signal != CW_DIRECTION_NONE;
		if (out.filtered_by == NULL)
			continue;
		if (g_str_equal(out.filtered_by, "session"))
			stats->n_session++;
		else if (g_str_equal(out.filtered_by, "volatility"))
			stats->n_volatility++;
		else if (g_str_equal(out.filtered_by, "mtf"))
			stats->n_mtf++;
		else if (g_str_equal(out.filtered_by, "warmup"))
			stats->n_warmup++;
	}
	counting = FALSE;
}

static void
test_btcusdt(void)
{
	g_autoptr(GArray) candles = load_btcusdt();
	g_autoptr(CwStrategy) a = NULL;
	g_autoptr(CwStrategy) b = NULL;
	g_autofree CwSignal *sig_a = NULL;
	g_autofree CwSignal *sig_b = NULL;
	CwStrategySpec spec = make_full_spec();
	RunStats sa, sb;
	gboolean can_count;
	guint signals;

	if (candles == NULL)
		return;
	sig_a = g_new0(CwSignal, candles->len);
	sig_b = g_new0(CwSignal, candles->len);
	a = new_strategy();
	b = new_strategy();
	g_assert_true(cw_strategy_configure(a, &spec, NULL));
	g_assert_true(cw_strategy_configure(b, &spec, NULL));
	g_assert_cmpuint(cw_strategy_get_memory_size(a), >, sizeof(CwAnalyzer) * spec.n_analyzers);

	can_count = allocations_are_counted();
	n_allocations = 0;
	run_over(a, candles, sig_a, &sa);
	if (can_count)
		g_assert_cmpuint(n_allocations, ==, 0);
	run_over(b, candles, sig_b, &sb);
	g_assert_cmpmem(sig_a, candles->len * sizeof(CwSignal), sig_b,
			candles->len * sizeof(CwSignal));
	g_assert_cmpmem(&sa, sizeof(sa), &sb, sizeof(sb));

	signals = sa.n_long + sa.n_short;
	g_test_message("btcusdt-5m: %u candles, %u ready, %u raw, %u long, %u short, %u exits",
		       candles->len, sa.n_ready, sa.n_raw, sa.n_long, sa.n_short, sa.n_exit);
	/* ready from the slowest warm-up: EMA cross, 2 x 21 - 2 candles */
	g_assert_cmpuint(sa.n_ready, ==, candles->len - 40);
	g_assert_cmpuint(sa.n_long, >, 0);
	g_assert_cmpuint(sa.n_short, >, 0);
	/* a handful per day, not one per candle */
	g_assert_cmpuint(signals, >=, 20);
	g_assert_cmpuint(signals, <, candles->len / 10);
	g_assert_cmpuint(sa.n_exit, ==, signals);

	/* reset and run again on the same object */
	cw_strategy_reset(a);
	run_over(a, candles, sig_b, &sb);
	g_assert_cmpmem(sig_a, candles->len * sizeof(CwSignal), sig_b,
			candles->len * sizeof(CwSignal));

	/* with filters: fewer signals, each filter blocks some, determinism holds */
	spec.session = (CwSessionFilterSpec){.enabled = TRUE,
					     .timezone = (char *) "Europe/London",
					     .start_minute = 7 * 60,
					     .end_minute = 20 * 60,
					     .days_mask = 0x1f};
	spec.volatility = (CwVolatilityFilterSpec){
	    .enabled = TRUE, .atr_period = 14, .min_pct = 0.08, .max_pct = 0.6};
	spec.mtf = (CwMtfFilterSpec){
	    .enabled = TRUE, .interval_ms = 60 * MINUTE_MS, .fast = 9, .slow = 21};
	g_assert_true(cw_strategy_configure(a, &spec, NULL));
	g_assert_true(cw_strategy_configure(b, &spec, NULL));
	n_allocations = 0;
	run_over(a, candles, sig_a, &sa);
	if (can_count)
		g_assert_cmpuint(n_allocations, ==, 0);
	run_over(b, candles, sig_b, &sb);
	g_assert_cmpmem(sig_a, candles->len * sizeof(CwSignal), sig_b,
			candles->len * sizeof(CwSignal));
	g_test_message("filtered: %u long, %u short; blocked %u session, %u volatility, %u mtf, "
		       "%u warmup",
		       sa.n_long, sa.n_short, sa.n_session, sa.n_volatility, sa.n_mtf, sa.n_warmup);
	g_assert_cmpuint(sa.n_long + sa.n_short, >, 0);
	g_assert_cmpuint(sa.n_long + sa.n_short, <, signals);
	g_assert_cmpuint(sa.n_session, >, 0);
	g_assert_cmpuint(sa.n_volatility, >, 0);
	g_assert_cmpuint(sa.n_mtf, >, 0);
	g_assert_cmpuint(sa.n_warmup, >, 0);
	/* MTF EMA(21) of 1 h candles: no entry before the 21st hour */
	for (guint i = 0; i < 21 * 12 - 12; i++)
		g_assert_cmpint(sig_a[i].direction, ==, CW_DIRECTION_NONE);
}

/* out.atr is the stop ATR, bit for bit, whether it is computed by the
 * strategy or read from an identical ATR (an atr_regime analyzer's or the
 * volatility filter's, same period), before and after a reset. */
static void
test_stop_atr(void)
{
	const CwAnalyzerSpec analyzers[] = {
	    {.kind = CW_ANALYZER_ATR_REGIME, .weight = 0.5, .period = 14},
	    {.kind = CW_ANALYZER_RSI, .weight = 0.5, .period = 14, .lower = 30, .upper = 70},
	};
	const struct {
		guint stop_period;
		guint regime_period;
		gboolean volatility;
	} cases[] = {
	    {14, 14, FALSE}, /* shares the analyzer's ATR */
	    {10, 14, FALSE}, /* its own */
	    {10, 14, TRUE},  /* shares the volatility filter's ATR(10) */
	    {14, 20, FALSE}, /* its own */
	};

	for (guint k = 0; k < G_N_ELEMENTS(cases); k++) {
		g_autoptr(CwStrategy) strategy = new_strategy();
		CwAnalyzerSpec specs[G_N_ELEMENTS(analyzers)];
		CwStrategySpec spec = make_full_spec();
		guint32 seed = 7 + k;
		double close = 100;
		CwAtr ref;

		memcpy(specs, analyzers, sizeof(specs));
		specs[0].period = cases[k].regime_period;
		spec.analyzers = specs;
		spec.n_analyzers = G_N_ELEMENTS(specs);
		spec.exit.stop_loss.atr_period = cases[k].stop_period;
		if (cases[k].volatility)
			spec.volatility = (CwVolatilityFilterSpec){
			    .enabled = TRUE, .atr_period = cases[k].stop_period, .max_pct = 0};
		g_assert_true(cw_strategy_configure(strategy, &spec, NULL));
		g_assert_cmpuint(
		    cw_composite_strategy_get_atr_period(CW_COMPOSITE_STRATEGY(strategy)), ==,
		    cases[k].stop_period);
		cw_atr_init(&ref, cases[k].stop_period);
		for (guint i = 0; i < 300; i++) {
			CwCandle c;
			CwStrategyOutput out;
			double r[2], want;

			if (i == 150) {
				cw_strategy_reset(strategy);
				cw_atr_reset(&ref);
			}
			for (guint j = 0; j < 2; j++) {
				seed = seed * 1664525u + 1013904223u;
				r[j] = (seed >> 8) / 16777216.0;
			}
			c = make_candle(i, close, 0, 0, close + (r[0] - 0.5) * 3);
			c.high = MAX(c.open, c.close) + r[1];
			c.low = MIN(c.open, c.close) - r[1];
			close = c.close;

			cw_strategy_on_candle(strategy, &c, &out);
			cw_atr_update(&ref, &c);
			want = cw_atr_ready(&ref) ? ref.value : 0;
			g_assert_cmpmem(&out.atr, sizeof(double), &want, sizeof(double));
			if (i % 150 < cases[k].stop_period)
				g_assert_cmpfloat(out.atr, ==, 0);
			else
				g_assert_cmpfloat(out.atr, >, 0);
		}
	}
}

/* The example configs of docs/examples, parsed by the config package. */
static void
test_examples(void)
{
	const char *root = g_getenv("CW_SOURCE_ROOT");
	const char *names[] = {"ema-trend.json", "mean-reversion.json", "breakout.json"};
	g_autoptr(GArray) candles = load_btcusdt();

	if (candles == NULL)
		return;
	if (root == NULL) {
		g_test_skip("CW_SOURCE_ROOT is not set");
		return;
	}
	for (guint n = 0; n < G_N_ELEMENTS(names); n++) {
		g_autofree char *path = g_build_filename(root, "docs", "examples", names[n], NULL);
		g_autoptr(GError) error = NULL;
		g_autoptr(CwBotConfig) config = NULL;
		g_autoptr(CwStrategy) strategy = NULL;
		g_autofree CwSignal *signals = NULL;
		const CwStrategySpec *spec;
		RunStats stats;

		if (!g_file_test(path, G_FILE_TEST_EXISTS))
			continue;
		config = cw_bot_config_new_from_file(path, &error);
		g_assert_no_error(error);
		spec = cw_bot_config_get_active_strategy(config);
		g_assert_cmpstr(spec->type, ==, "composite");
		strategy = new_strategy();
		g_assert_true(cw_strategy_configure(strategy, spec, &error));
		g_assert_no_error(error);
		signals = g_new0(CwSignal, candles->len);
		run_over(strategy, candles, signals, &stats);
		g_test_message("%s: %u long, %u short, %u raw", names[n], stats.n_long,
			       stats.n_short, stats.n_raw);
		g_assert_cmpuint(stats.n_raw, >, 0);
		g_assert_cmpuint(stats.n_raw, <, candles->len / 4);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/strategy/composite/registry", test_registry);
	g_test_add_func("/strategy/composite/configure-errors", test_configure_errors);
	g_test_add_func("/strategy/composite/signals-and-filters", test_signals_and_filters);
	g_test_add_func("/strategy/composite/stop-atr", test_stop_atr);
	g_test_add_func("/strategy/composite/btcusdt", test_btcusdt);
	g_test_add_func("/strategy/composite/examples", test_examples);
	return g_test_run();
}
