#include "cw-services-runtime.h"

#include <math.h>

#include "cw-backtest.h"
#include "cw-execution.h"

typedef struct {
	CwBotConfig *config;
	CwTradingOrchestrator *orchestrator;
	char *strategy_label; /* "<bot>:<strategy>" */
	CwEquityStats equity;
	guint64 signals;
	guint signal_sub;
} CwBacktestBot;

struct _CwBacktest {
	GObject parent_instance;
	CwEventBus *bus;
	GPtrArray *bots; /* of CwBacktestBot* */
	CwEquityStats combined;
	gint64 from_ms;
	gint64 to_ms;
	guint64 n_candles;
	double elapsed_s;
	double max_equity_error;
	char *interval_text;
	gboolean resampling; /* the data's candles are combined up to the bots' interval */
	CwCandleResampler resampler;
	char *resampled_text;
	guint block_candles; /* candles each bot runs before the next, 1 = lockstep */
	gboolean ran_in_blocks;
	CwCandle *block;        /* block_candles candles read ahead */
	double *combined_block; /* the bots' summed equity after each of them */
};

G_DEFINE_TYPE(CwBacktest, cw_backtest, G_TYPE_OBJECT)

static void
cw_backtest_bot_free(CwBacktestBot *bot)
{
	g_clear_object(&bot->orchestrator);
	g_clear_pointer(&bot->config, cw_bot_config_unref);
	cw_equity_stats_clear(&bot->equity);
	g_free(bot->strategy_label);
	g_free(bot);
}

static void
cw_backtest_finalize(GObject *object)
{
	CwBacktest *self = CW_BACKTEST(object);

	g_ptr_array_unref(self->bots);
	g_object_unref(self->bus);
	cw_equity_stats_clear(&self->combined);
	g_free(self->interval_text);
	g_free(self->resampled_text);
	g_free(self->block);
	g_free(self->combined_block);
	G_OBJECT_CLASS(cw_backtest_parent_class)->finalize(object);
}

static void
cw_backtest_class_init(CwBacktestClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_backtest_finalize;
}

static void
cw_backtest_init(CwBacktest *self)
{
	self->bus = cw_event_bus_new();
	self->bots = g_ptr_array_new_with_free_func((GDestroyNotify) cw_backtest_bot_free);
	self->block_candles = CW_BACKTEST_DEFAULT_BLOCK_CANDLES;
}

CwBacktest *
cw_backtest_new(void)
{
	return g_object_new(CW_TYPE_BACKTEST, NULL);
}

static void
cw_backtest_count_signal(const CwEvent *event, gpointer user_data)
{
	CwBacktestBot *bot = user_data;
	bot->signals++;
}

gboolean
cw_backtest_add_bot(CwBacktest *self, CwBotConfig *config, GError **error)
{
	CwBacktestBot *bot;
	const CwStrategySpec *spec = cw_bot_config_get_active_strategy(config);

	g_return_val_if_fail(CW_IS_BACKTEST(self), FALSE);
	for (guint i = 0; i < self->bots->len; i++) {
		CwBacktestBot *other = g_ptr_array_index(self->bots, i);
		if (g_strcmp0(other->config->name, config->name) == 0) {
			g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_USAGE,
				    "two configurations name the bot '%s'; names must be unique",
				    config->name);
			return FALSE;
		}
	}
	bot = g_new0(CwBacktestBot, 1);
	bot->config = cw_bot_config_ref(config);
	bot->orchestrator = cw_trading_orchestrator_new(config, spec, self->bus, error);
	if (bot->orchestrator == NULL) {
		cw_backtest_bot_free(bot);
		return FALSE;
	}
	bot->strategy_label = g_strdup(g_quark_to_string(spec->quark));
	cw_equity_stats_init(&bot->equity, config->interval_ms);
	bot->signal_sub = cw_event_bus_subscribe(self->bus, CW_EVENT_MASK(CW_EVENT_SIGNAL_NEW),
						 spec->quark, cw_backtest_count_signal, bot, NULL);
	g_ptr_array_add(self->bots, bot);
	return TRUE;
}

void
cw_backtest_set_range(CwBacktest *self, gint64 from_ms, gint64 to_ms)
{
	g_return_if_fail(CW_IS_BACKTEST(self));
	self->from_ms = from_ms;
	self->to_ms = to_ms;
}

/* Checks the first candle's interval against the bots': every bot trades one
 * interval, and data of a shorter interval that divides it is resampled up
 * to it. */
static gboolean
cw_backtest_check_interval(CwBacktest *self, const CwCandle *candle, GError **error)
{
	const CwBotConfig *first = ((CwBacktestBot *) g_ptr_array_index(self->bots, 0))->config;
	g_autoptr(GError) local = NULL;
	char want[16], got[16];

	cw_interval_format(first->interval_ms, want, sizeof want);
	cw_interval_format(candle->interval_ms, got, sizeof got);
	for (guint i = 1; i < self->bots->len; i++) {
		CwBacktestBot *bot = g_ptr_array_index(self->bots, i);
		char other[16];

		if (bot->config->interval_ms == first->interval_ms)
			continue;
		cw_interval_format(bot->config->interval_ms, other, sizeof other);
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_USAGE,
			    "bot '%s' trades %s candles but bot '%s' trades %s candles: one "
			    "backtest runs one interval, backtest them separately",
			    first->name, want, bot->config->name, other);
		return FALSE;
	}
	self->resampling = FALSE;
	if (first->interval_ms == candle->interval_ms)
		return TRUE;
	if (!cw_candle_resampler_init(&self->resampler, candle->interval_ms, first->interval_ms,
				      &local)) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_DATA,
			    "bot '%s' trades %s candles but the data has %s candles: %s",
			    first->name, want, got, local->message);
		return FALSE;
	}
	self->resampling = TRUE;
	return TRUE;
}

/**
 * cw_backtest_set_block_candles:
 * @self: a backtest
 * @n: candles per block, >= 1
 *
 * When no bot reads what the others do (cw_trading_orchestrator_reads_other_bots()),
 * each bot runs over a block of @n candles before the next bot does: its
 * state stays in the CPU caches, with results identical to running every bot
 * candle by candle. @n = 1 runs them in lockstep, as the service does.
 */
void
cw_backtest_set_block_candles(CwBacktest *self, guint n)
{
	g_return_if_fail(CW_IS_BACKTEST(self));
	self->block_candles = MAX(n, 1);
}

/* TRUE when the last run went in blocks of more than one candle. */
gboolean
cw_backtest_get_ran_in_blocks(CwBacktest *self)
{
	g_return_val_if_fail(CW_IS_BACKTEST(self), FALSE);
	return self->ran_in_blocks;
}

/* One bot, one candle of the shared stream. */
static inline double
cw_backtest_bot_step(CwBacktest *self, CwBacktestBot *bot, const CwCandle *candle)
{
	const CwAccount *acc;
	CwCandle c = *candle;
	double err;

	/* one data stream, each bot sees it as its own symbol */
	c.symbol = bot->config->symbol_quark;
	cw_trading_orchestrator_on_candle(bot->orchestrator, &c);
	acc = cw_trading_orchestrator_get_account(bot->orchestrator);
	cw_equity_stats_add(&bot->equity, candle->open_time + candle->interval_ms, acc->equity);
	err = fabs(acc->equity - (acc->cash + acc->unrealized_pnl));
	if (err > self->max_equity_error)
		self->max_equity_error = err;
	return acc->equity;
}

/* The per-candle loop: no allocation, no JSON, no SQL. n candles: every bot
 * runs all of them in turn (blocks), or all bots run each one (lockstep). */
static void
cw_backtest_run_block(CwBacktest *self, const CwCandle *candles, guint n, gboolean lockstep)
{
	double *combined = self->combined_block;

	for (guint j = 0; j < n; j++)
		combined[j] = 0;
	if (lockstep) {
		for (guint j = 0; j < n; j++) {
			for (guint i = 0; i < self->bots->len; i++) {
				if (i + 1 < self->bots->len)
					cw_trading_orchestrator_prefetch(
					    ((CwBacktestBot *) g_ptr_array_index(self->bots, i + 1))
						->orchestrator);
				combined[j] += cw_backtest_bot_step(
				    self, g_ptr_array_index(self->bots, i), &candles[j]);
			}
		}
	} else {
		for (guint i = 0; i < self->bots->len; i++) {
			CwBacktestBot *bot = g_ptr_array_index(self->bots, i);
			for (guint j = 0; j < n; j++)
				combined[j] += cw_backtest_bot_step(self, bot, &candles[j]);
		}
	}
	for (guint j = 0; j < n; j++)
		cw_equity_stats_add(&self->combined, candles[j].open_time + candles[j].interval_ms,
				    combined[j]);
	self->n_candles += n;
}

static gboolean
cw_backtest_bots_are_independent(CwBacktest *self)
{
	for (guint i = 0; i < self->bots->len; i++) {
		CwBacktestBot *bot = g_ptr_array_index(self->bots, i);
		if (cw_trading_orchestrator_reads_other_bots(bot->orchestrator))
			return FALSE;
	}
	return TRUE;
}

/* Adds one candle to the block, and runs the block when it is full. */
static inline void
cw_backtest_queue(CwBacktest *self, const CwCandle *candle, gboolean lockstep, guint *n)
{
	self->block[(*n)++] = *candle;
	if (*n == self->block_candles) {
		cw_backtest_run_block(self, self->block, *n, lockstep);
		*n = 0;
	}
}

/* A string property of the source when it has one ("skipped-reasons"). */
static char *
cw_backtest_source_string(CwCandleSource *source, const char *property)
{
	char *value = NULL;

	if (g_object_class_find_property(G_OBJECT_GET_CLASS(source), property) != NULL)
		g_object_get(source, property, &value, NULL);
	return value;
}

/* label, then ms as an ISO 8601 UTC time */
static void
cw_backtest_append_time(GString *out, const char *label, gint64 ms)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(ms / 1000);
	g_autofree char *text = dt != NULL ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : NULL;

	if (text != NULL)
		g_string_append_printf(out, "%s%s", label, text);
	else
		g_string_append_printf(out, "%s%" G_GINT64_FORMAT " ms", label, ms);
}

/* Why the run saw no candle: the range, or rows that were all skipped (and
 * why), or a file without rows. */
static void
cw_backtest_set_no_candle_error(CwBacktest *self, CwCandleSource *source, GError **error)
{
	guint64 skipped = cw_candle_source_get_n_skipped(source);
	g_autofree char *reasons = cw_backtest_source_string(source, "skipped-reasons");
	g_autoptr(GString) why = g_string_new(NULL);

	if (skipped > 0)
		g_string_append_printf(why, "%" G_GUINT64_FORMAT " bad %s skipped%s%s", skipped,
				       skipped == 1 ? "row was" : "rows were",
				       reasons != NULL ? ":\n" : "",
				       reasons != NULL ? reasons : "");
	if (self->from_ms > 0 || self->to_ms > 0) {
		g_autoptr(GString) range = g_string_new(NULL);

		if (self->from_ms > 0)
			cw_backtest_append_time(range, "--from ", self->from_ms);
		if (self->to_ms > 0)
			cw_backtest_append_time(range, range->len > 0 ? ", --to " : "--to ",
						self->to_ms);
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_DATA,
			    "%s: no candle in the requested range (%s)%s%s",
			    cw_candle_source_describe(source), range->str, why->len > 0 ? "; " : "",
			    why->str);
	} else if (self->resampled_text != NULL) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_DATA,
			    "%s: no complete candle after it was %s%s%s",
			    cw_candle_source_describe(source), self->resampled_text,
			    why->len > 0 ? "; " : "", why->str);
	} else if (skipped > 0) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_DATA,
			    "%s: no candle: every row was skipped; %s",
			    cw_candle_source_describe(source), why->str);
	} else {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_DATA,
			    "%s: no candle: the file holds no rows",
			    cw_candle_source_describe(source));
	}
}

gboolean
cw_backtest_run(CwBacktest *self, CwCandleSource *source, GError **error)
{
	CwCandle candle;
	CwCandleSourceResult r;
	gint64 start = g_get_monotonic_time();
	char interval[16];
	gboolean lockstep;
	gboolean checked = FALSE;
	gint64 queued_interval_ms = 0; /* of the candles the bots ran on */
	guint n = 0;

	g_return_val_if_fail(CW_IS_BACKTEST(self), FALSE);
	if (self->bots->len == 0) {
		g_set_error_literal(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_USAGE,
				    "no bot to backtest");
		return FALSE;
	}
	cw_equity_stats_init(
	    &self->combined,
	    ((CwBacktestBot *) g_ptr_array_index(self->bots, 0))->config->interval_ms);
	/* bots limited across bots see each candle together */
	lockstep = self->block_candles <= 1 || self->bots->len == 1 ||
		   !cw_backtest_bots_are_independent(self);
	self->ran_in_blocks = !lockstep;
	g_free(self->block);
	g_free(self->combined_block);
	g_clear_pointer(&self->resampled_text, g_free);
	self->block = g_new(CwCandle, self->block_candles);
	self->combined_block = g_new(double, self->block_candles);
	while ((r = cw_candle_source_next(source, &candle, error)) == CW_CANDLE_SOURCE_OK) {
		if (self->from_ms > 0 && candle.open_time < self->from_ms)
			continue;
		if (self->to_ms > 0 && candle.open_time >= self->to_ms)
			break;
		if (G_UNLIKELY(!checked)) {
			if (!cw_backtest_check_interval(self, &candle, error))
				return FALSE;
			checked = TRUE;
		}
		if (self->resampling) {
			CwCandle out[CW_TIMEFRAME_AGGREGATOR_MAX_CLOSED];
			guint k = cw_candle_resampler_push(&self->resampler, &candle, out);

			for (guint i = 0; i < k; i++) {
				cw_backtest_queue(self, &out[i], lockstep, &n);
				queued_interval_ms = out[i].interval_ms;
			}
		} else {
			cw_backtest_queue(self, &candle, lockstep, &n);
			queued_interval_ms = candle.interval_ms;
		}
	}
	if (r == CW_CANDLE_SOURCE_ERROR)
		return FALSE;
	if (n > 0)
		cw_backtest_run_block(self, self->block, n, lockstep);
	if (self->resampling) {
		cw_candle_resampler_finish(&self->resampler);
		self->resampled_text = cw_candle_resampler_describe(&self->resampler);
	}
	if (self->n_candles == 0) {
		cw_backtest_set_no_candle_error(self, source, error);
		return FALSE;
	}
	for (guint i = 0; i < self->bots->len; i++) {
		CwBacktestBot *bot = g_ptr_array_index(self->bots, i);
		cw_trading_orchestrator_finish(bot->orchestrator);
	}
	self->elapsed_s = (double) (g_get_monotonic_time() - start) / G_USEC_PER_SEC;
	cw_interval_format(queued_interval_ms, interval, sizeof interval);
	g_free(self->interval_text);
	self->interval_text = g_strdup(interval);
	return TRUE;
}

/**
 * cw_backtest_get_resampled:
 * @self: a backtest that ran
 *
 * Returns: (nullable): NULL when the data had the bots' interval, else a
 * line that says how it was resampled ("resampled 1m -> 5m, ...").
 */
const char *
cw_backtest_get_resampled(CwBacktest *self)
{
	g_return_val_if_fail(CW_IS_BACKTEST(self), NULL);
	return self->resampled_text;
}

/**
 * cw_backtest_get_resampler:
 * @self: a backtest that ran
 *
 * Returns: (nullable): the resampler's counts, NULL when nothing was
 * resampled.
 */
const CwCandleResampler *
cw_backtest_get_resampler(CwBacktest *self)
{
	g_return_val_if_fail(CW_IS_BACKTEST(self), NULL);
	return self->resampling ? &self->resampler : NULL;
}

guint
cw_backtest_get_n_bots(CwBacktest *self)
{
	return self->bots->len;
}

guint64
cw_backtest_get_n_candles(CwBacktest *self)
{
	return self->n_candles;
}

const CwBotConfig *
cw_backtest_get_config(CwBacktest *self, guint bot)
{
	return ((CwBacktestBot *) g_ptr_array_index(self->bots, bot))->config;
}

const GArray *
cw_backtest_get_trades(CwBacktest *self, guint bot)
{
	CwBacktestBot *b = g_ptr_array_index(self->bots, bot);
	return cw_trading_orchestrator_get_trades(b->orchestrator);
}

const CwEquityStats *
cw_backtest_get_equity(CwBacktest *self, guint bot)
{
	if (bot == G_MAXUINT)
		return &self->combined;
	return &((CwBacktestBot *) g_ptr_array_index(self->bots, bot))->equity;
}

double
cw_backtest_get_max_equity_error(CwBacktest *self)
{
	return self->max_equity_error;
}

/* Equity after the end-of-data close, which the per-candle curve does not
 * include. */
static double
cw_backtest_final_equity(CwBacktest *self, guint bot)
{
	double sum = 0;

	for (guint i = 0; i < self->bots->len; i++) {
		CwBacktestBot *b = g_ptr_array_index(self->bots, i);
		if (bot == G_MAXUINT || bot == i)
			sum += cw_trading_orchestrator_get_account(b->orchestrator)->equity;
	}
	return sum;
}

static void
cw_backtest_fill_bot_report(CwBacktest *self, CwBacktestBot *bot, CwBacktestReport *report)
{
	const CwAccount *acc = cw_trading_orchestrator_get_account(bot->orchestrator);
	const GArray *stats = cw_trading_orchestrator_get_guard_stats(bot->orchestrator);

	cw_backtest_report_add_trades(report,
				      cw_trading_orchestrator_get_trades(bot->orchestrator));
	report->exposure_pct += 100.0 * cw_account_get_exposure(acc);
	report->signals += bot->signals;
	for (guint i = 0; i < stats->len; i++) {
		const CwGuardStats *g = &g_array_index(stats, CwGuardStats, i);
		cw_backtest_report_add_guard(report, g->name, g->checks, g->rejections,
					     g->modifications);
	}
}

CwBacktestReport *
cw_backtest_build_report(CwBacktest *self, guint bot)
{
	CwBacktestReport *report = cw_backtest_report_new();

	report->candles = self->n_candles;
	report->elapsed_s = self->elapsed_s;
	report->candles_per_s = self->elapsed_s > 0 ? self->n_candles / self->elapsed_s : 0;
	report->interval = g_strdup(self->interval_text);
	if (bot == G_MAXUINT) {
		double initial = 0;
		report->bot_name = g_strdup("combined");
		report->strategy_id = g_strdup_printf("%u bots", self->bots->len);
		for (guint i = 0; i < self->bots->len; i++) {
			CwBacktestBot *b = g_ptr_array_index(self->bots, i);
			initial += b->config->initial_balance;
			cw_backtest_fill_bot_report(self, b, report);
		}
		report->exposure_pct /= MAX(1, self->bots->len);
		cw_backtest_report_set_equity(report, &self->combined, initial);
		cw_backtest_report_set_final_equity(report,
						    cw_backtest_final_equity(self, G_MAXUINT));
	} else {
		CwBacktestBot *b = g_ptr_array_index(self->bots, bot);
		report->bot_name = g_strdup(b->config->name);
		report->strategy_id = g_strdup(b->strategy_label);
		report->symbol = g_strdup(b->config->symbol);
		cw_backtest_fill_bot_report(self, b, report);
		cw_backtest_report_set_equity(report, &b->equity, b->config->initial_balance);
		cw_backtest_report_set_final_equity(report, cw_backtest_final_equity(self, bot));
	}
	return report;
}
