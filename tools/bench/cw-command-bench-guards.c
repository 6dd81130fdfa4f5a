/* candlewick-bench guards: the cost of the guard pipeline per order intent.
 * Not a test: it prints. */
#include "cw-services.h"

#include <math.h>
#include <stdio.h>

#include "cw-alloc-counter.h"
#include "cw-bench.h"
#include "cw-config.h"
#include "cw-execution.h"

/* Every gate with limits that let most intents through, so that each
 * intent runs the whole pipeline. dry_run stays off: it refuses and logs
 * every order. */
static const char cw_bench_guards_config[] =
    "{\"name\":\"bench-guards\",\"symbol\":\"BTCUSDT\",\"interval\":\"5m\","
    "\"initial_balance\":10000,"
    "\"instrument\":{\"tick_size\":0.1,\"lot_step\":0.001,\"min_qty\":0.001,"
    "\"min_notional\":5},"
    "\"strategy\":{\"id\":\"s\",\"analyzers\":[{\"type\":\"ema_cross\",\"weight\":1}]},"
    "\"guardrails\":{"
    "\"dry_run\":false,"
    "\"max_order_value\":100000,"
    "\"position_cap\":{\"max_qty\":10,\"max_notional\":1000000},"
    "\"max_positions\":1,"
    "\"max_positions_total\":100,"
    "\"max_exposure_pct\":1000,"
    "\"max_leverage\":10,"
    "\"daily_loss\":{\"percent\":50,\"timezone\":\"Europe/Berlin\"},"
    "\"max_drawdown\":{\"percent\":50},"
    "\"loss_streak\":{\"multipliers\":[[2,0.75],[3,0.5]],\"stop_after\":0},"
    "\"rate_limit\":{\"orders_per_minute\":10000},"
    "\"circuit_breaker\":{\"max_errors\":5,\"cooldown_seconds\":300},"
    "\"price_band_pct\":5,"
    "\"stale_data_intervals\":3,"
    "\"session\":{\"timezone\":\"Europe/Berlin\",\"start\":\"00:00\",\"end\":\"00:00\","
    "\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\",\"sun\"],"
    "\"blackout_dates\":[\"2023-12-24\"]}}}";

typedef struct {
	guint64 allowed;
	guint64 modified;
	guint64 rejected;
} CwBenchGuardsTally;

static guint64
cw_bench_guards_allocs(void)
{
	return cw_alloc_counter_read != NULL ? cw_alloc_counter_read() : 0;
}

/* Intent i: even ones are entries (market, flat), odd ones exits of the
 * position the entry would have opened (a stop below or a take profit above
 * the mark). Quantities and prices are on the instrument's grid, as the
 * orchestrator sends them. The mark walks around 30000 (xorshift), 1 s of
 * strategy time per intent, a 5m candle closed before each. */
static void
cw_bench_guards_intent(guint64 i, guint64 *rng, double *mark, CwGuardContext *ctx, CwOrder *order)
{
	double step;

	*rng ^= *rng << 13;
	*rng ^= *rng >> 7;
	*rng ^= *rng << 17;
	step = ((double) (*rng % 2001) - 1000.0) / 1000.0; /* [-1, 1] */
	*mark = CLAMP(*mark * (1.0 + step * 0.0005), 20000.0, 40000.0);

	ctx->now = 1693526400000 + (gint64) i * 1000; /* from 2023-09-01, past a DST change */
	ctx->last_candle_time = ctx->now - ctx->now % 300000 - 300000;
	ctx->mark_price = *mark;
	memset(order, 0, sizeof(*order));
	order->strategy_id = ctx->strategy_id;
	order->symbol = ctx->instrument->symbol;
	order->status = CW_ORDER_STATUS_PENDING_NEW;
	if (i % 2 == 0) {
		ctx->position_qty = 0;
		ctx->position_entry_price = 0;
		ctx->open_positions = 0;
		ctx->reduces = FALSE;
		order->side = (i / 2) % 2 == 0 ? CW_SIDE_BUY : CW_SIDE_SELL;
		order->type = CW_ORDER_TYPE_MARKET;
		order->purpose = CW_ORDER_PURPOSE_ENTRY;
		/* on the lot grid, as the orchestrator sizes it; one in 64 off
		 * the grid, for the instrument gate to quantize (MODIFY) */
		order->qty = (double) (30 + *rng % 10) / 1000.0;
		if (i % 128 == 0)
			order->qty += 0.0004;
	} else {
		ctx->position_qty = 0.05;
		ctx->position_entry_price = *mark;
		ctx->open_positions = 1;
		ctx->reduces = TRUE;
		order->side = CW_SIDE_SELL;
		order->reduce_only = TRUE;
		order->qty = 0.05;
		if ((i / 2) % 2 == 0) {
			order->type = CW_ORDER_TYPE_STOP;
			order->purpose = CW_ORDER_PURPOSE_STOP_LOSS;
			order->stop_price = floor(*mark * 9.85) / 10.0; /* 1.5%, on the tick */
		} else {
			order->type = CW_ORDER_TYPE_LIMIT;
			order->purpose = CW_ORDER_PURPOSE_TAKE_PROFIT;
			order->price = floor(*mark * 10.1) / 10.0;
		}
	}
}

static double
cw_bench_guards_run(CwGuardPipeline *pipeline, CwGuardContext *ctx, guint64 first, guint64 n,
		    CwBenchGuardsTally *tally)
{
	char reason[256];
	const char *guard;
	guint64 rng = 0x9e3779b97f4a7c15ull;
	double mark = 30000.0;
	gint64 start = g_get_monotonic_time();
	CwOrder order;

	for (guint64 i = first; i < first + n; i++) {
		cw_bench_guards_intent(i, &rng, &mark, ctx, &order);
		switch (
		    cw_guard_pipeline_check(pipeline, ctx, &order, reason, sizeof reason, &guard)) {
		case CW_GUARD_ALLOW:
			tally->allowed++;
			break;
		case CW_GUARD_MODIFY:
			tally->modified++;
			break;
		case CW_GUARD_REJECT:
		default:
			tally->rejected++;
			break;
		}
	}
	return (double) (g_get_monotonic_time() - start) / G_USEC_PER_SEC;
}

int
cw_command_bench_guards(int argc, char **argv)
{
	gint64 n_intents = 10000000;
	g_autoptr(GError) error = NULL;
	g_autoptr(GOptionContext) octx = g_option_context_new("- measure the guard pipeline");
	g_autoptr(CwBotConfig) config = NULL;
	g_autoptr(CwGuardPipeline) pipeline = NULL;
	CwBenchGuardsTally warm = {0}, tally = {0};
	CwGuardContext ctx = {0};
	const GArray *stats;
	guint64 warmup = 10000, allocs;
	double secs;
	GOptionEntry entries[] = {
	    {"intents", 0, 0, G_OPTION_ARG_INT64, &n_intents,
	     "Order intents to check (default 10000000)", "N"},
	    {NULL},
	};

	g_option_context_add_main_entries(octx, entries, NULL);
	if (!g_option_context_parse(octx, &argc, &argv, &error)) {
		cw_bench_print_error("guards", error);
		return 2;
	}
	if (n_intents < 1000) {
		fprintf(stderr, "candlewick-bench guards: at least 1000 intents\n");
		return 2;
	}
	config = cw_bot_config_new_from_data(cw_bench_guards_config, -1, &error);
	if (config != NULL)
		pipeline = cw_guard_pipeline_new_from_config(config, &error);
	if (pipeline == NULL) {
		cw_bench_print_error("guards", error);
		return 1;
	}
	ctx.strategy_id = cw_bot_config_get_active_strategy(config)->quark;
	ctx.instrument = &config->instrument;
	ctx.interval_ms = 300000;
	ctx.equity = ctx.balance = ctx.peak_equity = 10000;

	printf("candlewick-bench guards: %" G_GINT64_FORMAT " order intents (entries and exits "
	       "in turn) through %u gates\n",
	       n_intents, cw_guard_pipeline_get_n_guards(pipeline));
	if (cw_alloc_counter_read == NULL)
		printf("  (allocation counting unavailable in this build: sanitizers)\n");

	/* first calls settle lazily built state (the zones' next midnight...) */
	cw_bench_guards_run(pipeline, &ctx, 0, warmup, &warm);
	allocs = cw_bench_guards_allocs();
	secs = cw_bench_guards_run(pipeline, &ctx, warmup, (guint64) n_intents, &tally);
	allocs = cw_bench_guards_allocs() - allocs;

	printf("  %.1f ns per intent (%.3f s, %.1f M intents/s)\n", secs * 1e9 / n_intents, secs,
	       n_intents / secs / 1e6);
	printf("  verdicts: %" G_GUINT64_FORMAT " allowed, %" G_GUINT64_FORMAT
	       " modified, %" G_GUINT64_FORMAT " rejected\n",
	       tally.allowed, tally.modified, tally.rejected);
	printf("  heap allocations in the loop: %" G_GUINT64_FORMAT "\n", allocs);
	printf("  per gate (warm-up included): checks / rejected / modified\n");
	stats = cw_guard_pipeline_get_stats(pipeline);
	for (guint i = 0; i < stats->len; i++) {
		const CwGuardStats *g = &g_array_index(stats, CwGuardStats, i);
		printf("    %-22s %" G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT
		       " / %" G_GUINT64_FORMAT "\n",
		       g->name, g->checks, g->rejections, g->modifications);
	}
	return 0;
}
