/* candlewick-bench hot-path: figures for the hot path. Not a test: it prints. */
#include "cw-services.h"

#include <linux/perf_event.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cw-alloc-counter.h"
#include "cw-bench.h"
#include "cw-config.h"
#include "cw-execution.h"

/* One composite strategy with 6 indicators (EMA fast/slow, RSI, MACD,
 * Bollinger, ATR) and 5 analyzers. */
static const char cw_bench_config_fmt[] =
    "{\"name\":\"bench-%u\",\"symbol\":\"BTCUSDT\",\"interval\":\"5m\","
    "\"initial_balance\":10000,"
    "\"strategy\":{\"id\":\"s%u\",\"type\":\"composite\","
    "\"analyzers\":["
    "{\"type\":\"ema_cross\",\"weight\":0.3,\"fast\":%u,\"slow\":%u},"
    "{\"type\":\"rsi\",\"weight\":0.2,\"period\":14},"
    "{\"type\":\"macd\",\"weight\":0.2},"
    "{\"type\":\"bollinger\",\"weight\":0.15,\"period\":20},"
    "{\"type\":\"atr_regime\",\"weight\":0.15,\"period\":14}],"
    "\"aggregation\":{\"min_score\":%.17g,\"conflict_threshold\":0.1},"
    "\"exit\":{\"stop_loss\":{\"type\":\"atr\",\"value\":2.0,\"atr_period\":14},"
    "\"take_profits\":[{\"r\":1.0,\"close\":0.4},{\"r\":2.0,\"close\":0.3},{\"r\":3.0}],"
    "\"trailing\":{\"type\":\"atr\",\"value\":1.5}},"
    "\"sizing\":{\"mode\":\"fixed_quote\",\"quote\":1000}}}";

static GArray *
cw_bench_load_candles(const char *data, guint64 want, GError **error)
{
	g_autoptr(GArray) base = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	g_autoptr(GArray) out = NULL;
	g_autoptr(CwCandleSource) source = NULL;
	const CwCandle *first, *last;
	CwCandle c;
	CwCandleSourceResult r;
	gint64 span;
	double scale = 1.0;

	if (data != NULL)
		source =
		    cw_commands_open_source("file", error, "path", data, "symbol", "BTCUSDT", NULL);
	else
		source = cw_commands_open_source("synth", error, "symbol", "BTCUSDT", "days",
						 (double) want * 5.0 / 1440.0 + 1, "seed",
						 (guint64) 7, NULL);
	if (source == NULL)
		return NULL;
	while ((r = cw_candle_source_next(source, &c, error)) == CW_CANDLE_SOURCE_OK)
		g_array_append_val(base, c);
	if (r == CW_CANDLE_SOURCE_ERROR)
		return NULL;
	if (base->len < 2) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_DATA, "too few candles");
		return NULL;
	}
	/* Repeat the data with time shifted until there are enough candles;
	 * each copy is scaled so that the price path stays continuous. */
	first = &g_array_index(base, CwCandle, 0);
	last = &g_array_index(base, CwCandle, base->len - 1);
	span = last->open_time - first->open_time + last->interval_ms;
	out = g_array_sized_new(FALSE, FALSE, sizeof(CwCandle), (guint) want);
	for (guint64 copy = 0; out->len < want; copy++) {
		for (guint i = 0; i < base->len && out->len < want; i++) {
			c = g_array_index(base, CwCandle, i);
			c.open_time += (gint64) copy * span;
			c.open *= scale;
			c.high *= scale;
			c.low *= scale;
			c.close *= scale;
			g_array_append_val(out, c);
		}
		scale *= last->close / first->open;
	}
	return g_steal_pointer(&out);
}

static CwTradingOrchestrator *
cw_bench_orchestrator(CwEventBus *bus, guint index, double min_score, GError **error)
{
	g_autofree char *json = g_strdup_printf(cw_bench_config_fmt, index, index, 5 + index % 10,
						21 + index % 30, min_score);
	g_autoptr(CwBotConfig) config = cw_bot_config_new_from_data(json, -1, error);

	if (config == NULL)
		return NULL;
	return cw_trading_orchestrator_new(config, NULL, bus, error);
}

static guint64
cw_bench_allocs(void)
{
	return cw_alloc_counter_read != NULL ? cw_alloc_counter_read() : 0;
}

/* A "Key:   N kB" line of /proc/self/status, in KB (0 when absent). */
static guint64
cw_bench_status_kb(const char *key)
{
	g_autofree char *status = NULL;
	const char *p;

	if (!g_file_get_contents("/proc/self/status", &status, NULL, NULL))
		return 0;
	p = strstr(status, key);
	return p != NULL ? g_ascii_strtoull(p + strlen(key), NULL, 10) : 0;
}

static guint64
cw_bench_peak_rss_kb(void)
{
	return cw_bench_status_kb("VmHWM:");
}

static guint64
cw_bench_rss_kb(void)
{
	return cw_bench_status_kb("VmRSS:");
}

/* Instructions and cycles of this process in user space, counted by the
 * CPU: unlike the time, the instruction count hardly moves when other work
 * shares the machine. -1 when the kernel or a container refuses. */
static int cw_bench_fd_instructions = -1;
static int cw_bench_fd_cycles = -1;

static int
cw_bench_counter_open(guint64 config)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_HARDWARE;
	attr.size = sizeof(attr);
	attr.config = config;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	return (int) syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
}

static guint64
cw_bench_counter_read(int fd)
{
	guint64 value = 0;

	if (fd < 0 || read(fd, &value, sizeof(value)) != sizeof(value))
		return 0;
	return value;
}

/* of the last cw_bench_run() */
static guint64 cw_bench_last_instructions;
static guint64 cw_bench_last_cycles;
/* every strategy's windows without a working stop, merged */
static CwProtectionStats cw_bench_last_protection;

/* Runs n orchestrators over the candles; returns seconds, and the heap
 * allocations made after the first warmup candles. block = 1: every
 * orchestrator gets a candle before the next candle (lockstep, as the
 * service's feeds fan out); block > 1: each runs block candles in turn, as
 * a backtest runs independent bots (cw_backtest_set_block_candles()). */
static double
cw_bench_run(GPtrArray *orchs, GArray *candles, guint warmup, guint block, guint64 *allocs,
	     guint64 *trades)
{
	const CwCandle *c = (const CwCandle *) (gpointer) candles->data;
	gint64 start;
	guint64 a0;

	for (guint i = 0; i < warmup; i++) {
		for (guint k = 0; k < orchs->len; k++)
			cw_trading_orchestrator_on_candle(g_ptr_array_index(orchs, k), &c[i]);
	}
	a0 = cw_bench_allocs();
	cw_bench_last_instructions = cw_bench_counter_read(cw_bench_fd_instructions);
	cw_bench_last_cycles = cw_bench_counter_read(cw_bench_fd_cycles);
	start = g_get_monotonic_time();
	for (guint i = warmup; i < candles->len; i += block) {
		guint end = MIN(candles->len, i + block);

		for (guint k = 0; k < orchs->len; k++) {
			CwTradingOrchestrator *o = g_ptr_array_index(orchs, k);
			/* as the backtest and the feeds do in lockstep */
			if (block == 1 && k + 1 < orchs->len)
				cw_trading_orchestrator_prefetch(g_ptr_array_index(orchs, k + 1));
			for (guint j = i; j < end; j++)
				cw_trading_orchestrator_on_candle(o, &c[j]);
		}
	}
	cw_bench_last_instructions =
	    cw_bench_counter_read(cw_bench_fd_instructions) - cw_bench_last_instructions;
	cw_bench_last_cycles = cw_bench_counter_read(cw_bench_fd_cycles) - cw_bench_last_cycles;
	*allocs = cw_bench_allocs() - a0;
	*trades = 0;
	memset(&cw_bench_last_protection, 0, sizeof(cw_bench_last_protection));
	for (guint k = 0; k < orchs->len; k++) {
		CwProtectionStats p;

		*trades += cw_trading_orchestrator_get_trades(g_ptr_array_index(orchs, k))->len;
		cw_trading_orchestrator_get_protection_stats(g_ptr_array_index(orchs, k), &p);
		cw_bench_last_protection.n_windows += p.n_windows;
		cw_bench_last_protection.total_ms += p.total_ms;
		cw_bench_last_protection.max_ms = MAX(cw_bench_last_protection.max_ms, p.max_ms);
		cw_bench_last_protection.max_candles =
		    MAX(cw_bench_last_protection.max_candles, p.max_candles);
	}
	return (double) (g_get_monotonic_time() - start) / G_USEC_PER_SEC;
}

typedef struct {
	gint n_strategies;
	guint block_candles;
	guint warmup;
	guint repeat;
	CwEventBus *bus;
	GArray *candles; /* for the single strategy */
	GArray *multi;   /* for the many */
} CwBenchSetup;

/* One measured run of n fresh strategies (ids from first); returns FALSE on a
 * config error. */
static gboolean
cw_bench_once(CwBenchSetup *b, double min_score, guint first, guint n, GArray *candles, guint block,
	      double *secs, guint64 *allocs, guint64 *trades, double *kb_per_strategy,
	      GError **error)
{
	g_autoptr(GPtrArray) orchs = g_ptr_array_new_with_free_func(g_object_unref);
	guint64 rss_before = cw_bench_rss_kb();

	for (guint i = 0; i < n; i++) {
		CwTradingOrchestrator *o =
		    cw_bench_orchestrator(b->bus, first + i, min_score, error);
		if (o == NULL)
			return FALSE;
		g_ptr_array_add(orchs, o);
		/* what lets a backtest run them in blocks */
		if (block > 1 && cw_trading_orchestrator_reads_other_bots(o)) {
			g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_USAGE,
				    "the strategies are not independent");
			return FALSE;
		}
	}
	*secs = cw_bench_run(orchs, candles, b->warmup, block, allocs, trades);
	*kb_per_strategy = (double) (cw_bench_rss_kb() - rss_before) / n;
	return TRUE;
}

static int
cw_bench_compare_double(gconstpointer a, gconstpointer b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* b->repeat runs; prints them and returns the best rate in *best. The
 * machine may be shared: the best run is the one least disturbed. */
static gboolean
cw_bench_repeat(CwBenchSetup *b, double min_score, guint first, guint n, GArray *candles,
		guint block, double *best, GError **error)
{
	g_autofree double *rates = g_new0(double, b->repeat);
	g_autofree double *sorted = NULL;
	guint64 allocs = 0, trades = 0, instructions = 0, cycles = 0;
	double updates = (double) (candles->len - b->warmup) * n;
	double kb = 0, best_secs = 0;

	for (guint r = 0; r < b->repeat; r++) {
		double secs, run_kb;
		guint64 run_allocs, run_trades;

		if (!cw_bench_once(b, min_score, first, n, candles, block, &secs, &run_allocs,
				   &run_trades, &run_kb, error))
			return FALSE;
		rates[r] = updates / secs;
		if (r == 0 || secs < best_secs) {
			best_secs = secs;
			instructions = cw_bench_last_instructions;
			cycles = cw_bench_last_cycles;
		}
		if (r == 0) {
			/* later runs reuse the memory the first one freed */
			allocs = run_allocs;
			trades = run_trades;
			kb = run_kb;
		}
	}
	sorted = g_memdup2(rates, sizeof(double) * b->repeat);
	qsort(sorted, b->repeat, sizeof(double), cw_bench_compare_double);
	*best = sorted[b->repeat - 1];
	printf("    %.0f %s/s, best of %u (median %.0f; runs:", *best,
	       n == 1 ? "candles" : "candle-strategy updates", b->repeat, sorted[b->repeat / 2]);
	for (guint r = 0; r < b->repeat; r++)
		printf(" %.2f M", rates[r] / 1e6);
	printf(")\n");
	printf("    %u candles, %" G_GUINT64_FORMAT " trades: one per %.0f updates\n", candles->len,
	       trades, trades > 0 ? updates / trades : 0);
	printf("    heap allocations on the hot path: %" G_GUINT64_FORMAT " (%.4f per update)\n",
	       allocs, allocs / updates);
	/* from an entry fill to its stop's acknowledgement (last run) */
	printf("    without a working stop after entry fills: %" G_GUINT64_FORMAT
	       " windows, longest %" G_GUINT64_FORMAT " candles / %.3f s\n",
	       cw_bench_last_protection.n_windows, cw_bench_last_protection.max_candles,
	       (double) cw_bench_last_protection.max_ms / 1000.0);
	if (instructions > 0 && cycles > 0)
		printf("    per update (best run): %.0f instructions, %.0f cycles (%.2f per cycle, "
		       "%.2f GHz)\n",
		       instructions / updates, cycles / updates, (double) instructions / cycles,
		       cycles / best_secs / 1e9);
	else
		printf("    (CPU counters unavailable: no instructions per update)\n");
	if (n > 1 && block == 1)
		printf("    memory per strategy: %.1f KB (RSS growth / strategies)\n", kb);
	return TRUE;
}

/* One configuration of the strategies: the single run, then the many in
 * lockstep and in blocks. rates gets the three best figures. */
static gboolean
cw_bench_profile(CwBenchSetup *b, double min_score, const char *label, double rates[3],
		 GError **error)
{
	printf("\nstrategies with min_score %.2f (%s):\n", min_score, label);
	printf("  single strategy:\n");
	if (!cw_bench_repeat(b, min_score, 0, 1, b->candles, 1, &rates[0], error))
		return FALSE;
	printf("  %d strategies, lockstep (each candle to every strategy in turn, as serve fans "
	       "out):\n",
	       b->n_strategies);
	if (!cw_bench_repeat(b, min_score, 1, (guint) b->n_strategies, b->multi, 1, &rates[1],
			     error))
		return FALSE;
	printf("  %d strategies, in blocks of %u candles (as backtest runs independent bots):\n",
	       b->n_strategies, b->block_candles);
	return cw_bench_repeat(b, min_score, 1, (guint) b->n_strategies, b->multi, b->block_candles,
			       &rates[2], error);
}

int
cw_command_bench(int argc, char **argv)
{
	gint64 n_candles = 2000000;
	gint64 n_multi_candles = 200000;
	gint n_strategies = 100;
	double min_score = -1;
	g_autofree char *data = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GOptionContext) ctx = g_option_context_new("- measure the hot path");
	g_autoptr(GArray) candles = NULL;
	g_autoptr(GArray) multi = NULL;
	g_autoptr(CwEventBus) bus = cw_event_bus_new();
	gint block_candles = CW_BACKTEST_DEFAULT_BLOCK_CANDLES;
	gint repeat = 3;
	/* the strategies' entry threshold sets how often they trade */
	struct {
		double min_score;
		const char *label;
		double rates[3];
	} profiles[] = {
	    {0.6, "each trades about once a day on 5m candles", {0}},
	    {0.35, "each trades every ~20 candles: the order path under load", {0}},
	};
	guint n_profiles = G_N_ELEMENTS(profiles);
	CwBenchSetup b = {0};
	GOptionEntry entries[] = {
	    {"candles", 0, 0, G_OPTION_ARG_INT64, &n_candles,
	     "Candles for the single-strategy run (default 2000000)", "N"},
	    {"multi-candles", 0, 0, G_OPTION_ARG_INT64, &n_multi_candles,
	     "Candles for the many-strategies runs (default 200000)", "N"},
	    {"strategies", 0, 0, G_OPTION_ARG_INT, &n_strategies,
	     "Strategies on one stream (default 100)", "N"},
	    {"data", 0, 0, G_OPTION_ARG_FILENAME, &data,
	     "Repeat this candle file instead of synthetic data", "FILE"},
	    {"block-candles", 0, 0, G_OPTION_ARG_INT, &block_candles,
	     "Candles per block in the blocks runs (default 64)", "N"},
	    {"repeat", 0, 0, G_OPTION_ARG_INT, &repeat,
	     "Runs of each measurement; the best is reported (default 3)", "N"},
	    {"min-score", 0, 0, G_OPTION_ARG_DOUBLE, &min_score,
	     "Only this aggregation threshold (default: 0.6, then 0.35)", "X"},
	    {NULL},
	};

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		cw_bench_print_error("hot-path", error);
		return 2;
	}
	if (min_score != -1 && (min_score < 0 || min_score > 1)) {
		fprintf(stderr, "candlewick-bench hot-path: --min-score must be in [0, 1]\n");
		return 2;
	}
	if (repeat < 1 || repeat > 100) {
		fprintf(stderr, "candlewick-bench hot-path: --repeat must be in [1, 100]\n");
		return 2;
	}
	if (block_candles < 2 || block_candles > 65536) {
		fprintf(stderr,
			"candlewick-bench hot-path: --block-candles must be in [2, 65536]\n");
		return 2;
	}
	if (n_candles < 10000 || n_multi_candles < 10000 || n_strategies < 1) {
		fprintf(stderr,
			"candlewick-bench hot-path: at least 10000 candles and 1 strategy\n");
		return 2;
	}
	if (min_score != -1) {
		profiles[0].min_score = min_score;
		profiles[0].label = "set with --min-score";
		n_profiles = 1;
	}
	candles = cw_bench_load_candles(data, (guint64) n_candles, &error);
	if (candles == NULL) {
		cw_bench_print_error("hot-path", error);
		return 1;
	}
	printf("candlewick-bench hot-path: %u candles (%s), composite strategy with 6 indicators "
	       "and 5 "
	       "analyzers\n",
	       candles->len, data != NULL ? data : "synthetic");
	if (cw_alloc_counter_read == NULL)
		printf("  (allocation counting unavailable in this build: sanitizers)\n");
	multi = g_array_sized_new(FALSE, FALSE, sizeof(CwCandle), (guint) n_multi_candles);
	g_array_append_vals(multi, candles->data, MIN(candles->len, (guint) n_multi_candles));
	b.n_strategies = n_strategies;
	b.block_candles = (guint) block_candles;
	cw_bench_fd_instructions = cw_bench_counter_open(PERF_COUNT_HW_INSTRUCTIONS);
	cw_bench_fd_cycles = cw_bench_counter_open(PERF_COUNT_HW_CPU_CYCLES);
	b.warmup = 1000;
	b.repeat = (guint) repeat;
	b.bus = bus;
	b.candles = candles;
	b.multi = multi;
	for (guint p = 0; p < n_profiles; p++) {
		if (!cw_bench_profile(&b, profiles[p].min_score, profiles[p].label,
				      profiles[p].rates, &error)) {
			cw_bench_print_error("hot-path", error);
			return 1;
		}
	}
	printf("\nsummary (best of %d runs, candle-strategy updates/s; target: 5000000 for %d "
	       "strategies):\n",
	       repeat, n_strategies);
	for (guint p = 0; p < n_profiles; p++)
		printf("  min_score %.2f: single %.2f M, %d in lockstep %.2f M, in blocks %.2f M\n",
		       profiles[p].min_score, profiles[p].rates[0] / 1e6, n_strategies,
		       profiles[p].rates[1] / 1e6, profiles[p].rates[2] / 1e6);
	printf("peak RSS: %" G_GUINT64_FORMAT " KB\n", cw_bench_peak_rss_kb());
	return 0;
}
