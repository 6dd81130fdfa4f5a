/* candlewick-bench recovery: how long a restarted bot takes to come back,
 * warm-up replay of its history up to the cursor plus the restore of its
 * trading state snapshot, for one bot with a long history and for many
 * bots with a shorter one. */
#include "cw-services.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <time.h>

#include "cw-bench.h"

static const char cw_bench_recovery_config_fmt[] =
    "{\"name\":\"bot-%u\",\"symbol\":\"BTCUSDT\",\"interval\":\"5m\","
    "\"feed\":{\"type\":\"replay\",\"path\":\"unused.csv\",\"speed\":0},"
    "\"strategy\":{\"type\":\"composite\","
    "\"analyzers\":[{\"type\":\"ema_cross\",\"weight\":0.4,\"fast\":%u,\"slow\":%u},"
    "{\"type\":\"rsi\",\"weight\":0.3},{\"type\":\"macd\",\"weight\":0.3}],"
    "\"aggregation\":{\"min_score\":0.3},"
    "\"exit\":{\"stop_loss\":{\"type\":\"percent\",\"value\":1.5},"
    "\"take_profits\":[{\"percent\":1.0,\"close\":0.5},{\"percent\":2.0}]}}}";

static gint64
cw_bench_recovery_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static GArray *
cw_bench_recovery_candles(guint n, GError **error)
{
	g_autoptr(CwCandleSource) source = NULL;
	g_autoptr(GArray) candles = g_array_sized_new(FALSE, FALSE, sizeof(CwCandle), n);
	CwCandle c;

	source = cw_commands_open_source("synth", error, "symbol", "BTCUSDT", "days",
					 (double) n / 288.0 * 1.01 + 2, "seed", (guint64) 7, NULL);
	if (source == NULL)
		return NULL;
	while (candles->len < n && cw_candle_source_next(source, &c, error) == CW_CANDLE_SOURCE_OK)
		g_array_append_val(candles, c);
	if (candles->len < n) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_FAILED,
			    "the synth source gave %u candles, %u wanted", candles->len, n);
		return NULL;
	}
	return g_steal_pointer(&candles);
}

typedef struct {
	CwBotRuntime *rt;
	CwBotConfig *config;
	char *text;
	GBytes *snapshot;
	guint trades; /* of the first life: the restored bot must have them */
} CwBenchBot;

/* Live over the history: what the first life wrote, the snapshot with it. */
static gboolean
cw_bench_recovery_live(CwStore *store, CwBotRuntimeEnv *env, CwBenchBot *bot, guint i,
		       const GArray *candles, guint n, GError **error)
{
	g_autofree char *name = g_strdup_printf("bot-%u", i);
	g_autofree char *state = NULL;
	g_autofree guint8 *data = NULL;
	gint64 id;
	gsize len = 0;
	CwBotRuntime *rt;

	bot->text = g_strdup_printf(cw_bench_recovery_config_fmt, i, 5 + i % 7, 20 + i % 13);
	bot->config = cw_bot_config_new_from_data(bot->text, -1, error);
	if (bot->config == NULL)
		return FALSE;
	id = cw_store_bot_add(store, name, bot->text, TRUE, error);
	if (id < 0)
		return FALSE;
	rt = cw_bot_runtime_new(env, id, name, bot->config, bot->text, 0);
	if (cw_bot_runtime_get_active(rt, error) == NULL) {
		cw_bot_runtime_free(rt);
		return FALSE;
	}
	for (guint k = 0; k < n; k++)
		cw_bot_runtime_on_candle(rt, &g_array_index(candles, CwCandle, k));
	cw_bot_runtime_queue_cursor(rt);
	bot->trades = cw_trading_orchestrator_get_trades(cw_bot_runtime_get_active(rt, NULL))->len;
	if (!cw_store_writer_flush(cw_bot_runtime_get_writer(rt), error)) {
		cw_bot_runtime_free(rt);
		return FALSE;
	}
	cw_bot_runtime_free(rt);
	if (!cw_store_writer_flush(env->writer, error))
		return FALSE;
	state = cw_store_state_get(store, id, "trading_state", error);
	if (state == NULL) {
		if (error != NULL && *error == NULL)
			g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_FAILED,
				    "no trading_state written for %s", name);
		return FALSE;
	}
	data = g_base64_decode(state, &len);
	bot->snapshot = g_bytes_new_take(g_steal_pointer(&data), len);
	bot->rt = cw_bot_runtime_new(env, id, name, bot->config, bot->text, 0);
	return cw_bot_runtime_get_active(bot->rt, error) != NULL;
}

/* The restart: warm-up up to the cursor, then the restore at the next candle. */
static gint64
cw_bench_recovery_restart(CwBenchBot *bots, guint n_bots, const GArray *candles, guint n)
{
	gint64 t0 = cw_bench_recovery_ns();

	for (guint b = 0; b < n_bots; b++) {
		cw_bot_runtime_set_recovery(bots[b].rt,
					    g_array_index(candles, CwCandle, n - 1).open_time);
		cw_bot_runtime_set_snapshot(bots[b].rt, bots[b].snapshot, FALSE);
		for (guint k = 0; k <= n; k++)
			cw_bot_runtime_on_candle(bots[b].rt, &g_array_index(candles, CwCandle, k));
	}
	return cw_bench_recovery_ns() - t0;
}

static int
cw_bench_recovery_run(const char *dir, guint n_bots, guint n_candles, const char *label)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *db = g_build_filename(dir, label, NULL);
	g_autoptr(CwStore) store = cw_store_open(db, &error);
	g_autoptr(GArray) candles = NULL;
	CwStoreWriter *writer;
	CwOrchestratorCache *cache, *cache2;
	CwBotRuntimeEnv env, env2;
	CwBenchBot *bots;
	gint64 ns;
	int status = 0;

	if (store == NULL || (candles = cw_bench_recovery_candles(n_candles + 1, &error)) == NULL) {
		cw_bench_print_error("recovery", error);
		return 1;
	}
	writer = cw_store_writer_new(store);
	cache = cw_orchestrator_cache_new(0);
	cache2 = cw_orchestrator_cache_new(0);
	env = (CwBotRuntimeEnv){store, writer, cache, NULL};
	env2 = (CwBotRuntimeEnv){store, writer, cache2, NULL};
	bots = g_new0(CwBenchBot, n_bots);
	for (guint b = 0; b < n_bots && status == 0; b++) {
		/* the first life in one cache, the restarted one in another */
		if (!cw_bench_recovery_live(store, &env, &bots[b], b, candles, n_candles, &error))
			status = 1;
		if (status == 0) {
			cw_orchestrator_cache_remove_owner(cache, bots[b].rt);
			cw_bot_runtime_free(bots[b].rt);
			bots[b].rt = cw_bot_runtime_new(&env2, b + 1, "restarted", bots[b].config,
							bots[b].text, 0);
			if (cw_bot_runtime_get_active(bots[b].rt, &error) == NULL)
				status = 1;
		}
	}
	if (status != 0) {
		cw_bench_print_error("recovery", error);
	} else {
		ns = cw_bench_recovery_restart(bots, n_bots, candles, n_candles);
		for (guint b = 0; b < n_bots && status == 0; b++) {
			CwTradingOrchestrator *o = cw_bot_runtime_get_active(bots[b].rt, NULL);
			if (cw_trading_orchestrator_is_warm_up(o) ||
			    cw_trading_orchestrator_get_trades(o)->len != bots[b].trades) {
				fprintf(
				    stderr,
				    "candlewick-bench recovery: bot %u came back with %u trades, "
				    "not %u\n",
				    b, cw_trading_orchestrator_get_trades(o)->len, bots[b].trades);
				status = 1;
			}
		}
	}
	if (status == 0) {
		printf("recovery of %u bot%s with %u candles of history each: %.3f s "
		       "(%.3f s per million candles of history; %u trades restored)\n",
		       n_bots, n_bots == 1 ? "" : "s", n_candles, ns / 1e9,
		       ns / 1e9 / ((double) n_bots * n_candles / 1e6), bots[0].trades);
	}
	for (guint b = 0; b < n_bots; b++) {
		cw_bot_runtime_free(bots[b].rt);
		if (bots[b].config != NULL)
			cw_bot_config_unref(bots[b].config);
		g_free(bots[b].text);
		if (bots[b].snapshot != NULL)
			g_bytes_unref(bots[b].snapshot);
	}
	g_free(bots);
	cw_store_writer_flush(writer, NULL);
	cw_store_writer_free(writer);
	cw_orchestrator_cache_free(cache);
	cw_orchestrator_cache_free(cache2);
	g_unlink(db);
	return status;
}

int
cw_command_bench_recovery(int argc, char **argv)
{
	gint long_candles = 1000000, n_bots = 1000, bot_candles = 2016;
	g_autoptr(GError) error = NULL;
	g_autoptr(GOptionContext) ctx =
	    g_option_context_new("- warm-up and restore after a restart");
	g_autofree char *dir = NULL;
	int status;
	GOptionEntry entries[] = {
	    {"candles", 0, 0, G_OPTION_ARG_INT, &long_candles,
	     "History of the single bot (default 1000000)", "N"},
	    {"bots", 0, 0, G_OPTION_ARG_INT, &n_bots, "Bots of the second run (default 1000)", "N"},
	    {"bot-candles", 0, 0, G_OPTION_ARG_INT, &bot_candles,
	     "History of each of them (default 2016, 7 days of 5m)", "N"},
	    {NULL},
	};

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		cw_bench_print_error("recovery", error);
		return 2;
	}
	if (long_candles < 1 || n_bots < 1 || bot_candles < 1) {
		fprintf(stderr, "candlewick-bench recovery: counts must be positive\n");
		return 2;
	}
	cw_log_set_quiet(TRUE);
	dir = g_dir_make_tmp("cw-bench-recovery-XXXXXX", &error);
	if (dir == NULL) {
		cw_bench_print_error("recovery", error);
		return 1;
	}
	status = cw_bench_recovery_run(dir, 1, (guint) long_candles, "one.db");
	if (status == 0)
		status = cw_bench_recovery_run(dir, (guint) n_bots, (guint) bot_candles, "many.db");
	g_rmdir(dir);
	return status;
}
