/* CwBotRuntime: one bot of the service, fed candle by candle: it takes its
 * own symbol's candles once each, in order, from its origin on; it
 * journals what its orchestrator does through its own write queue; its
 * cursor is queued only when it moved; it journals nothing while it
 * replays history; and it switches between the strategies of its config.
 * On a real SQLite file; order rows go straight to the store (no candle
 * transaction: env.order_tx_open is NULL). */
#include "cw-runtime-test-utils.h"

#include "cw-execution-test-utils.h"

typedef struct {
	CwStoreFixture store;
	CwStoreWriter *writer;
	CwOrchestratorCache *cache;
	CwBotRuntime *rt;
	gint64 id;
} RtFixture;

static void
rt_setup(RtFixture *fx, gconstpointer user_data)
{
	gboolean two = GPOINTER_TO_INT(user_data);
	g_autofree char *text = cw_rt_config_text("bot", "k1", NULL, two);
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = NULL;
	CwBotRuntimeEnv env;

	cw_test_feed_register();
	cw_store_fixture_setup(&fx->store, NULL);
	fx->writer = cw_store_writer_new(fx->store.store);
	fx->cache = cw_orchestrator_cache_new(0);
	config = cw_bot_config_new_from_data(text, -1, &error);
	g_assert_no_error(error);
	fx->id = cw_store_bot_add(fx->store.store, "bot", text, TRUE, &error);
	g_assert_no_error(error);
	env = (CwBotRuntimeEnv){fx->store.store, fx->writer, fx->cache, NULL};
	fx->rt = cw_bot_runtime_new(&env, fx->id, "bot", config, text, 42);
}

static void
rt_teardown(RtFixture *fx, gconstpointer user_data)
{
	cw_bot_runtime_free(fx->rt);
	cw_orchestrator_cache_free(fx->cache);
	cw_store_writer_free(fx->writer);
	cw_store_fixture_teardown(&fx->store, NULL);
	cw_test_log_assert_none();
}

static void
rt_flush(RtFixture *fx)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(cw_store_writer_flush(cw_bot_runtime_get_writer(fx->rt), &error));
	g_assert_no_error(error);
}

static gint64
rt_count(RtFixture *fx, const char *sql)
{
	sqlite3 *db = cw_store_test_raw_open(fx->store.path);
	gint64 n = cw_store_test_raw_int(db, sql);

	sqlite3_close(db);
	return n;
}

static gint64
rt_state_int(RtFixture *fx, const char *key)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *text = cw_store_state_get(fx->store.store, fx->id, key, &error);

	g_assert_no_error(error);
	return text != NULL ? g_ascii_strtoll(text, NULL, 10) : G_MININT64;
}

static gint64
rt_time(guint i)
{
	return CW_RT_T0 + (gint64) i * CW_RT_STEP_MS;
}

/* Identity, and no candle is taken before the orchestrator is loaded. */
/* Wakes the main loop every 20 ms, so that a wait for something that never
 * comes still ends at its deadline. */
static gboolean
rt_tick_cb(gpointer user_data)
{
	return G_SOURCE_CONTINUE;
}

static void
test_rt_basics(RtFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	CwCandle c = cw_rt_candle(0);
	CwTradingOrchestrator *orch;

	g_assert_cmpint(cw_bot_runtime_get_id(fx->rt), ==, fx->id);
	g_assert_cmpstr(cw_bot_runtime_get_name(fx->rt), ==, "bot");
	g_assert_cmpint(cw_bot_runtime_get_updated_at(fx->rt), ==, 42);
	g_assert_nonnull(strstr(cw_bot_runtime_get_config_text(fx->rt), "\"key\":\"k1\""));
	g_assert_cmpstr(cw_bot_runtime_get_config(fx->rt)->symbol, ==, "BTCUSDT");
	g_assert_cmpint(cw_bot_runtime_get_mode(fx->rt), ==, CW_BOT_MODE_ACTIVE);

	cw_bot_runtime_on_candle(fx->rt, &c);
	g_assert_cmpint(cw_bot_runtime_get_cursor(fx->rt), ==, G_MININT64);
	orch = cw_bot_runtime_get_active(fx->rt, &error);
	g_assert_no_error(error);
	g_assert_nonnull(orch);
	g_assert_true(cw_bot_runtime_get_active(fx->rt, NULL) == orch);
	g_assert_cmpuint(cw_bot_runtime_get_cache_stats(fx->rt)->misses, ==, 1);
	cw_bot_runtime_on_candle(fx->rt, &c);
	g_assert_cmpint(cw_bot_runtime_get_cursor(fx->rt), ==, rt_time(0));
}

/* Each candle once, in order, of the bot's own symbol only. */
static void
test_rt_cursor(RtFixture *fx, gconstpointer user_data)
{
	CwCandle c;

	g_assert_nonnull(cw_bot_runtime_get_active(fx->rt, NULL));
	for (guint i = 0; i < 5; i++) {
		c = cw_rt_candle(i);
		cw_bot_runtime_on_candle(fx->rt, &c);
	}
	g_assert_cmpint(cw_bot_runtime_get_cursor(fx->rt), ==, rt_time(4));
	/* a repeat and an older candle change nothing */
	c = cw_rt_candle(4);
	cw_bot_runtime_on_candle(fx->rt, &c);
	c = cw_rt_candle(2);
	cw_bot_runtime_on_candle(fx->rt, &c);
	g_assert_cmpint(cw_bot_runtime_get_cursor(fx->rt), ==, rt_time(4));
	/* another symbol on the same feed is not this bot's */
	c = cw_rt_candle(5);
	c.symbol = g_quark_from_string("ETHUSDT");
	cw_bot_runtime_on_candle(fx->rt, &c);
	g_assert_cmpint(cw_bot_runtime_get_cursor(fx->rt), ==, rt_time(4));

	/* the cursor and the origin (first candle) are queued once */
	cw_bot_runtime_queue_cursor(fx->rt);
	rt_flush(fx);
	g_assert_cmpint(rt_state_int(fx, "cursor"), ==, rt_time(4));
	g_assert_cmpint(rt_state_int(fx, "origin"), ==, rt_time(0));
	cw_bot_runtime_queue_cursor(fx->rt);
	g_assert_cmpuint(cw_store_writer_get_pending(cw_bot_runtime_get_writer(fx->rt)), ==, 0);
	c = cw_rt_candle(6);
	cw_bot_runtime_on_candle(fx->rt, &c);
	cw_bot_runtime_queue_cursor(fx->rt);
	rt_flush(fx);
	g_assert_cmpint(rt_state_int(fx, "cursor"), ==, rt_time(6));
	g_assert_cmpint(rt_state_int(fx, "origin"), ==, rt_time(0));
}

/* A bot that joined a running feed takes no candle before its origin. */
static void
test_rt_origin(RtFixture *fx, gconstpointer user_data)
{
	g_assert_nonnull(cw_bot_runtime_get_active(fx->rt, NULL));
	cw_bot_runtime_set_origin(fx->rt, rt_time(3));
	for (guint i = 0; i < 6; i++) {
		CwCandle c = cw_rt_candle(i);
		cw_bot_runtime_on_candle(fx->rt, &c);
		g_assert_cmpint(cw_bot_runtime_get_cursor(fx->rt), ==,
				i < 3 ? G_MININT64 : rt_time(i));
	}
}

/* What the orchestrator does is journaled through the bot's queue: every
 * closed trade as a TRADE_CLOSED event and a trading_trades row, and
 * nothing before the flush. */
static void
test_rt_journal(RtFixture *fx, gconstpointer user_data)
{
	CwTradingOrchestrator *orch = cw_bot_runtime_get_active(fx->rt, NULL);
	const guint n = 600;
	guint trades;

	for (guint i = 0; i < n; i++) {
		CwCandle c = cw_rt_candle(i);
		cw_bot_runtime_on_candle(fx->rt, &c);
	}
	trades = cw_trading_orchestrator_get_trades(orch)->len;
	g_test_message("%u trades over %u candles", trades, n);
	g_assert_cmpuint(trades, >, 0);
	g_assert_cmpuint(cw_store_writer_get_pending(cw_bot_runtime_get_writer(fx->rt)), >, 0);
	g_assert_cmpint(rt_count(fx, "SELECT count(*) FROM events"), ==, 0);
	rt_flush(fx);
	g_assert_cmpint(rt_count(fx, "SELECT count(*) FROM trading_trades WHERE bot_name = 'bot'"),
			==, trades);
	g_assert_cmpint(rt_count(fx, "SELECT count(*) FROM events WHERE type = 'TRADE_CLOSED'"), ==,
			trades);
	g_assert_cmpint(rt_count(fx, "SELECT count(DISTINCT bot_id) FROM events"), ==, 1);
	g_assert_cmpint(rt_count(fx, "SELECT min(bot_id) FROM events"), ==, fx->id);
	g_assert_cmpint(rt_count(fx, "SELECT count(*) FROM orders"), >, 0);
}

/* A restarted bot: it warms up on its history up to the persisted cursor
 * (nothing decided, journalled or queued, no order), then takes the
 * trading state snapshot written with that cursor and trades on exactly as
 * the bot that was never stopped. */
static void
test_rt_recovery(RtFixture *fx, gconstpointer user_data)
{
	g_autofree char *text = cw_rt_config_text("bot", "k1", NULL, FALSE);
	g_autoptr(CwBotConfig) config = cw_bot_config_new_from_data(text, -1, NULL);
	/* the restarted process: its own cache */
	CwOrchestratorCache *cache = cw_orchestrator_cache_new(0);
	CwBotRuntimeEnv env = {fx->store.store, fx->writer, cache, NULL};
	g_autoptr(GError) error = NULL;
	g_autofree char *snapshot = NULL;
	g_autofree guint8 *data = NULL;
	g_autoptr(GBytes) bytes = NULL;
	CwBotRuntime *again;
	CwStoreWriter *w;
	const guint until = 400, end = 900;
	gsize len = 0;
	gint64 orders;

	g_assert_nonnull(cw_bot_runtime_get_active(fx->rt, NULL));
	for (guint i = 0; i <= until; i++) {
		CwCandle c = cw_rt_candle(i);
		cw_bot_runtime_on_candle(fx->rt, &c);
	}
	cw_bot_runtime_queue_cursor(fx->rt);
	rt_flush(fx);
	g_assert_cmpuint(
	    cw_trading_orchestrator_get_trades(cw_bot_runtime_get_active(fx->rt, NULL))->len, >, 0);
	snapshot = cw_store_state_get(fx->store.store, fx->id, "trading_state", &error);
	g_assert_no_error(error);
	g_assert_nonnull(snapshot);
	data = g_base64_decode(snapshot, &len);
	bytes = g_bytes_new(data, len);
	orders = rt_count(fx, "SELECT count(*) FROM orders");

	again = cw_bot_runtime_new(&env, fx->id, "bot", config, text, 42);
	w = cw_bot_runtime_get_writer(again);
	g_assert_nonnull(cw_bot_runtime_get_active(again, NULL));
	cw_bot_runtime_set_recovery(again, rt_time(until));
	cw_bot_runtime_set_snapshot(again, bytes, FALSE);
	for (guint i = 0; i <= until; i++) {
		CwCandle c = cw_rt_candle(i);
		cw_bot_runtime_on_candle(again, &c);
		g_assert_true(cw_bot_runtime_is_recovering(again));
	}
	g_assert_cmpint(cw_bot_runtime_get_cursor(again), ==, rt_time(until));
	cw_bot_runtime_queue_cursor(again);
	g_assert_cmpuint(cw_store_writer_get_pending(w), ==, 0);
	/* the state is the snapshot's (restored before the warm-up, which
	 * leaves it alone): nothing decided, no order, in the warm-up */
	g_assert_cmpuint(
	    cw_trading_orchestrator_get_trades(cw_bot_runtime_get_active(again, NULL))->len, ==,
	    cw_trading_orchestrator_get_trades(cw_bot_runtime_get_active(fx->rt, NULL))->len);
	g_assert_true(cw_trading_orchestrator_is_warm_up(cw_bot_runtime_get_active(again, NULL)));
	g_assert_cmpuint(
	    cw_trading_orchestrator_get_next_seq(cw_bot_runtime_get_active(again, NULL)), ==,
	    cw_trading_orchestrator_get_next_seq(cw_bot_runtime_get_active(fx->rt, NULL)));
	g_assert_cmpint(rt_count(fx, "SELECT count(*) FROM orders"), ==, orders);

	for (guint i = until + 1; i <= end; i++) {
		CwCandle c = cw_rt_candle(i);
		cw_bot_runtime_on_candle(fx->rt, &c);
		cw_bot_runtime_on_candle(again, &c);
		g_assert_false(cw_bot_runtime_is_recovering(again));
	}
	{
		const GArray *a =
		    cw_trading_orchestrator_get_trades(cw_bot_runtime_get_active(fx->rt, NULL));
		const GArray *b =
		    cw_trading_orchestrator_get_trades(cw_bot_runtime_get_active(again, NULL));
		g_assert_cmpuint(b->len, ==, a->len);
		for (guint i = 0; i < a->len; i++)
			g_assert_cmpfloat(g_array_index(b, CwTrade, i).net_pnl, ==,
					  g_array_index(a, CwTrade, i).net_pnl);
		g_assert_cmpuint(
		    cw_trading_orchestrator_get_next_seq(cw_bot_runtime_get_active(again, NULL)),
		    ==,
		    cw_trading_orchestrator_get_next_seq(cw_bot_runtime_get_active(fx->rt, NULL)));
	}
	cw_bot_runtime_queue_cursor(again);
	g_assert_cmpuint(cw_store_writer_get_pending(w), >, 0);
	g_assert_true(cw_store_writer_flush(w, &error));
	g_assert_no_error(error);
	g_assert_cmpint(rt_state_int(fx, "cursor"), ==, rt_time(end));
	cw_bot_runtime_free(again);
	cw_orchestrator_cache_free(cache);
}

/* A store of a version before snapshots: the bot replays its decisions
 * against the paper venue, sending nothing and journalling nothing. */
static void
test_rt_recovery_legacy(RtFixture *fx, gconstpointer user_data)
{
	CwStoreWriter *w = cw_bot_runtime_get_writer(fx->rt);
	const guint until = 400;

	g_assert_nonnull(cw_bot_runtime_get_active(fx->rt, NULL));
	cw_bot_runtime_set_recovery(fx->rt, rt_time(until));
	cw_bot_runtime_set_snapshot(fx->rt, NULL, TRUE);
	for (guint i = 0; i <= until; i++) {
		CwCandle c = cw_rt_candle(i);
		cw_bot_runtime_on_candle(fx->rt, &c);
		g_assert_true(cw_bot_runtime_is_recovering(fx->rt));
	}
	cw_bot_runtime_queue_cursor(fx->rt);
	g_assert_cmpuint(cw_store_writer_get_pending(w), ==, 0);
	g_assert_cmpint(rt_count(fx, "SELECT count(*) FROM orders"), ==, 0);
	g_assert_cmpuint(
	    cw_trading_orchestrator_get_trades(cw_bot_runtime_get_active(fx->rt, NULL))->len, >, 0);
}

/* Switching makes another strategy of the config active and journals it;
 * the previous one stays cached; an unknown strategy is refused. */
static void
test_rt_switch(RtFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events = NULL;
	CwTradingOrchestrator *a = cw_bot_runtime_get_active(fx->rt, NULL), *b;
	CwCandle c = cw_rt_candle(0);

	cw_bot_runtime_on_candle(fx->rt, &c);
	g_assert_true(cw_bot_runtime_switch(fx->rt, "b", &error));
	g_assert_no_error(error);
	b = cw_bot_runtime_get_active(fx->rt, NULL);
	g_assert_true(b != a);
	g_assert_cmpuint(cw_bot_runtime_get_cache_stats(fx->rt)->misses, ==, 2);
	/* the dormant one comes back from the cache, with its state */
	g_assert_true(cw_bot_runtime_switch(fx->rt, "a", &error));
	g_assert_true(cw_bot_runtime_get_active(fx->rt, NULL) == a);
	g_assert_cmpuint(cw_bot_runtime_get_cache_stats(fx->rt)->hits, ==, 1);
	/* switching to the active one is no switch */
	g_assert_true(cw_bot_runtime_switch(fx->rt, "a", &error));

	g_assert_false(cw_bot_runtime_switch(fx->rt, "zzz", &error));
	g_assert_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_FAILED);
	g_assert_cmpstr(error->message, ==, "bot 'bot' has no strategy 'zzz'");
	g_clear_error(&error);
	g_assert_true(cw_bot_runtime_get_active(fx->rt, NULL) == a);

	rt_flush(fx);
	events = cw_store_events_query(fx->store.store, fx->id, "STRATEGY_SWITCHED", 0, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(events->len, ==, 2);
	g_assert_cmpint(((CwStoreEvent *) events->pdata[0])->time, ==, rt_time(0));
}

/* What is still queued when the bot goes is handed to the service's
 * writer, not lost. */
static void
test_rt_free_hands_over(RtFixture *fx, gconstpointer user_data)
{
	CwCandle c = cw_rt_candle(0);

	g_assert_nonnull(cw_bot_runtime_get_active(fx->rt, NULL));
	cw_bot_runtime_on_candle(fx->rt, &c);
	cw_bot_runtime_queue_cursor(fx->rt);
	g_assert_cmpuint(cw_store_writer_get_pending(fx->writer), ==, 0);
	g_clear_pointer(&fx->rt, cw_bot_runtime_free);
	g_assert_cmpuint(cw_store_writer_get_pending(fx->writer), >=, 2);
	g_assert_true(cw_store_writer_flush(fx->writer, NULL));
	g_assert_cmpint(rt_state_int(fx, "cursor"), ==, rt_time(0));
}

/* A runtime of config text on fx's store and cache, its active strategy
 * loaded. */
static CwBotRuntime *
rt_new_loaded(RtFixture *fx, const char *name, const char *text)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = cw_bot_config_new_from_data(text, -1, &error);
	CwBotRuntimeEnv env = {fx->store.store, fx->writer, fx->cache, NULL};
	gint64 id;
	CwBotRuntime *rt;

	g_assert_no_error(error);
	id = cw_store_bot_add(fx->store.store, name, text, TRUE, &error);
	g_assert_no_error(error);
	rt = cw_bot_runtime_new(&env, id, name, config, text, 42);
	g_assert_nonnull(cw_bot_runtime_get_active(rt, &error));
	g_assert_no_error(error);
	return rt;
}

/* The memory the health view reports grows with the bot's indicators and
 * with the strategies it has loaded, shrinks when they are unloaded, and
 * is the same number scrape after scrape (no heap walk in between). */
static void
test_rt_memory(RtFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	/* the same strategy with more (and longer) indicators */
	g_autofree char *big_text = g_strdup_printf(
	    "{\"name\":\"big\",\"symbol\":\"ETHUSDT\",\"interval\":\"5m\",\"strategy\":"
	    "{\"analyzers\":[{\"type\":\"ema_cross\",\"weight\":1,\"fast\":3,\"slow\":8},"
	    "{\"type\":\"rsi\",\"weight\":1,\"period\":50},"
	    "{\"type\":\"bollinger\",\"weight\":1,\"period\":200},"
	    "{\"type\":\"donchian\",\"weight\":1,\"period\":300}],"
	    "\"aggregation\":{\"min_score\":0.3}},\"feed\":{\"type\":\"test\",\"key\":\"k2\"}}");
	g_autofree char *two_text = cw_rt_config_text("two", "k3", "SOLUSDT", TRUE);
	CwBotRuntime *big = rt_new_loaded(fx, "big", big_text);
	CwBotRuntime *two = rt_new_loaded(fx, "two", two_text);
	CwBotHealth h;
	CwCacheStats all;
	guint64 small_bytes, big_bytes, one, both;

	g_assert_nonnull(cw_bot_runtime_get_active(fx->rt, &error));
	cw_bot_runtime_fill_health(fx->rt, &h);
	small_bytes = h.memory_bytes;
	g_assert_cmpuint(small_bytes, >, sizeof(CwAnalyzer));
	cw_bot_runtime_fill_health(fx->rt, &h);
	g_assert_cmpuint(h.memory_bytes, ==, small_bytes);

	cw_bot_runtime_fill_health(big, &h);
	big_bytes = h.memory_bytes;
	/* three more analyzers, with rings of 50 + 200 + 300 doubles at least */
	g_assert_cmpuint(big_bytes, >, small_bytes + 550 * sizeof(double));

	cw_bot_runtime_fill_health(two, &h);
	one = h.memory_bytes;
	g_assert_true(cw_bot_runtime_switch(two, "b", &error));
	g_assert_no_error(error);
	cw_bot_runtime_fill_health(two, &h);
	both = h.memory_bytes;
	/* the dormant "a" stays loaded: its bytes stay counted */
	g_assert_cmpuint(both, >, one + sizeof(CwAnalyzer));
	cw_orchestrator_cache_get_stats(fx->cache, &all);
	g_assert_cmpuint(all.bytes, ==,
			 cw_bot_runtime_get_cache_stats(fx->rt)->bytes +
			     cw_bot_runtime_get_cache_stats(big)->bytes +
			     cw_bot_runtime_get_cache_stats(two)->bytes);

	/* neighbours are not counted in each other */
	cw_bot_runtime_fill_health(fx->rt, &h);
	g_assert_cmpuint(h.memory_bytes, ==, small_bytes);
	cw_bot_runtime_free(two);
	cw_bot_runtime_free(big);
	cw_bot_runtime_fill_health(fx->rt, &h);
	g_assert_cmpuint(h.memory_bytes, ==, small_bytes);
	/* unloading gave the cache's bytes back */
	cw_orchestrator_cache_get_stats(fx->cache, &all);
	g_assert_cmpuint(all.bytes, ==, cw_bot_runtime_get_cache_stats(fx->rt)->bytes);
	g_assert_true(cw_store_writer_flush(fx->writer, NULL));
}

/* serve's retries run on the wall clock for a bot on a venue broker: a
 * rate-limited entry goes out again from the main loop when its retry
 * falls due, with no candle in between. */
static void
test_rt_venue_retries_on_wall_clock(void)
{
	CwStoreFixture store;
	g_autofree char *base = cw_rt_config_text("venue-bot", "kv", NULL, FALSE);
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = NULL;
	CwStoreWriter *writer;
	CwOrchestratorCache *cache;
	CwBotRuntime *rt;
	CwBotRuntimeEnv env;
	CwTradingOrchestrator *orch;
	CwTestVenueBroker *venue;
	gint64 until;
	guint tick;
	guint i;

	cw_test_register_types();
	cw_test_feed_register();
	cw_store_fixture_setup(&store, NULL);
	writer = cw_store_writer_new(store.store);
	cache = cw_orchestrator_cache_new(0);
	/* the base config with a venue broker and short retries */
	base[strlen(base) - 1] = '\0';
	text =
	    g_strconcat(base,
			",\"broker\":{\"type\":\"venue\"},\"execution\":{\"retry_initial_s\":0.05,"
			"\"retry_max_s\":0.2}}",
			NULL);
	config = cw_bot_config_new_from_data(text, -1, &error);
	g_assert_no_error(error);
	env = (CwBotRuntimeEnv){store.store, writer, cache, NULL};
	rt = cw_bot_runtime_new(&env, cw_store_bot_add(store.store, "venue-bot", text, TRUE, NULL),
				"venue-bot", config, text, 1);
	orch = cw_bot_runtime_get_active(rt, &error);
	g_assert_no_error(error);
	venue = CW_TEST_VENUE_BROKER(cw_trading_orchestrator_get_broker(orch));
	cw_test_venue_broker_script(venue, CW_TEST_VENUE_RATE_LIMIT, 0.1);
	/* candles until the first entry is refused and waits for its retry */
	for (i = 0; i < 400 && cw_trading_orchestrator_get_n_pending_actions(orch) == 0; i++) {
		CwCandle c = cw_rt_candle(i);
		cw_bot_runtime_on_candle(rt, &c);
	}
	g_assert_cmpuint(cw_trading_orchestrator_get_n_pending_actions(orch), ==, 1);
	/* the refused attempt reached the venue once */
	g_assert_cmpuint(cw_test_venue_broker_get_n_submitted_ids(venue), ==, 1);
	until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	tick = g_timeout_add(20, rt_tick_cb, NULL);
	while (cw_trading_orchestrator_get_n_pending_actions(orch) > 0 &&
	       g_get_monotonic_time() < until)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(tick);
	/* sent again from the main loop, with the same client order id */
	g_assert_cmpuint(cw_trading_orchestrator_get_n_pending_actions(orch), ==, 0);
	g_assert_cmpuint(cw_test_venue_broker_get_n_submitted_ids(venue), ==, 1);
	cw_bot_runtime_free(rt);
	cw_orchestrator_cache_free(cache);
	cw_store_writer_free(writer);
	cw_store_fixture_teardown(&store, NULL);
	cw_test_log_assert_none();
}

int
main(int argc, char **argv)
{
	cw_test_log_capture();
	g_test_init(&argc, &argv, NULL);
#define ADD(name, two, func)                                                                       \
	g_test_add("/services/bot-runtime/" name, RtFixture, GINT_TO_POINTER(two), rt_setup, func, \
		   rt_teardown)
	ADD("basics", FALSE, test_rt_basics);
	ADD("cursor", FALSE, test_rt_cursor);
	ADD("origin", FALSE, test_rt_origin);
	ADD("journal", FALSE, test_rt_journal);
	ADD("recovery", FALSE, test_rt_recovery);
	ADD("recovery-legacy", FALSE, test_rt_recovery_legacy);
	ADD("switch", TRUE, test_rt_switch);
	ADD("free-hands-over", FALSE, test_rt_free_hands_over);
	ADD("memory", FALSE, test_rt_memory);
#undef ADD
	g_test_add_func("/services/bot-runtime/venue-retries-on-wall-clock",
			test_rt_venue_retries_on_wall_clock);
	return g_test_run();
}
