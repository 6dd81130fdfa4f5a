/* CwFeedHub: bots whose feed sections give the same key share one feed,
 * every candle reaches each bot of its feed and no other, a bot that must
 * replay its history gets a feed of its own once the shared one runs, the
 * last bot to leave takes the feed with it, and a feed that ends tells each
 * of its bots once. Real bot runtimes on a real SQLite file; the feed is
 * the test's own (cw-test-feed.c). */
#include "cw-runtime-test-utils.h"

#include "cw-execution-test-utils.h"

typedef struct {
	CwStoreFixture store;
	CwStoreWriter *writer;
	CwOrchestratorCache *cache;
	CwOrderJournal *journal;
	CwFeedHub *hub;
	GPtrArray *bots;  /* of CwBotRuntime*, owned */
	GPtrArray *ended; /* "name: reason" */
} HubFixture;

static void
hub_ended_cb(CwBotRuntime *bot, const char *reason, gpointer user_data)
{
	HubFixture *fx = user_data;

	g_ptr_array_add(fx->ended, g_strdup_printf("%s: %s", cw_bot_runtime_get_name(bot), reason));
}

static void
hub_setup(HubFixture *fx, gconstpointer user_data)
{
	cw_test_register_types();
	cw_test_feed_register();
	cw_store_fixture_setup(&fx->store, NULL);
	fx->writer = cw_store_writer_new(fx->store.store);
	fx->cache = cw_orchestrator_cache_new(0);
	fx->journal = cw_order_journal_new(fx->store.store);
	fx->hub = cw_feed_hub_new(fx->store.store, fx->journal, hub_ended_cb, fx);
	fx->bots = g_ptr_array_new_with_free_func((GDestroyNotify) cw_bot_runtime_free);
	fx->ended = g_ptr_array_new_with_free_func(g_free);
}

static void
hub_teardown(HubFixture *fx, gconstpointer user_data)
{
	for (guint i = 0; i < fx->bots->len; i++)
		cw_feed_hub_detach(fx->hub, g_ptr_array_index(fx->bots, i));
	cw_feed_hub_free(fx->hub);
	cw_rt_pump();
	g_ptr_array_unref(fx->bots);
	cw_order_journal_free(fx->journal);
	cw_orchestrator_cache_free(fx->cache);
	cw_store_writer_free(fx->writer);
	g_ptr_array_unref(fx->ended);
	cw_store_fixture_teardown(&fx->store, NULL);
	/* every feed went with its last bot */
	g_assert_cmpuint(cw_test_feed_get_instances()->len, ==, 0);
	cw_test_log_assert_none();
}

/* A bot row of the config text and its runtime, with its active
 * orchestrator loaded. */
static CwBotRuntime *
hub_bot_config(HubFixture *fx, const char *name, const char *text)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = NULL;
	CwBotRuntimeEnv env = {fx->store.store, fx->writer, fx->cache, fx->journal};
	gint64 id;
	CwBotRuntime *rt;

	config = cw_bot_config_new_from_data(text, -1, &error);
	g_assert_no_error(error);
	id = cw_store_bot_add(fx->store.store, name, text, TRUE, &error);
	g_assert_no_error(error);
	rt = cw_bot_runtime_new(&env, id, name, config, text, 0);
	g_assert_nonnull(cw_bot_runtime_get_active(rt, &error));
	g_assert_no_error(error);
	g_ptr_array_add(fx->bots, rt);
	return rt;
}

/* The same for a test-feed config of key; extra (NULL: none) is appended
 * to the config's members. */
static CwBotRuntime *
hub_bot_with(HubFixture *fx, const char *name, const char *key, const char *extra)
{
	g_autofree char *base = cw_rt_config_text(name, key, NULL, FALSE);
	g_autofree char *text = NULL;

	if (extra == NULL)
		return hub_bot_config(fx, name, base);
	base[strlen(base) - 1] = '\0';
	text = g_strconcat(base, ",", extra, "}", NULL);
	return hub_bot_config(fx, name, text);
}

static CwBotRuntime *
hub_bot(HubFixture *fx, const char *name, const char *key)
{
	return hub_bot_with(fx, name, key, NULL);
}

static CwBotRuntime *
hub_attach(HubFixture *fx, const char *name, const char *key, gboolean replay_history)
{
	CwBotRuntime *rt = hub_bot(fx, name, key);
	g_autoptr(GError) error = NULL;

	g_assert_true(cw_feed_hub_attach(fx->hub, rt, replay_history, &error));
	g_assert_no_error(error);
	return rt;
}

static void
hub_push(CwTestFeed *feed, guint i)
{
	CwCandle c = cw_rt_candle(i);

	cw_test_feed_push(feed, &c);
}

static gint64
hub_time(guint i)
{
	return CW_RT_T0 + (gint64) i * CW_RT_STEP_MS;
}

/* Two keys, three bots: one feed per key, each candle to the bots of its
 * own feed. */
static void
test_hub_routing(HubFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	CwBotRuntime *a = hub_attach(fx, "a", "k1", FALSE);
	CwBotRuntime *b = hub_attach(fx, "b", "k1", FALSE);
	CwBotRuntime *c = hub_attach(fx, "c", "k2", FALSE);
	CwTestFeed *k1 = cw_test_feed_find("k1"), *k2 = cw_test_feed_find("k2");

	g_assert_cmpuint(cw_feed_hub_get_n_feeds(fx->hub), ==, 2);
	/* the instances made only to read the key are gone */
	g_assert_cmpuint(cw_test_feed_get_instances()->len, ==, 2);
	g_assert_cmpuint(cw_test_feed_get_n_sinks(k1), ==, 1);
	g_assert_false(cw_test_feed_is_started(k1));

	g_assert_true(cw_feed_hub_start(fx->hub));
	g_assert_true(cw_feed_hub_start(fx->hub));
	g_assert_cmpuint(cw_test_feed_get_n_starts(k1), ==, 1);
	g_assert_cmpuint(cw_test_feed_get_n_starts(k2), ==, 1);

	for (guint i = 0; i < 3; i++)
		hub_push(k1, i);
	g_assert_cmpint(cw_bot_runtime_get_cursor(a), ==, hub_time(2));
	g_assert_cmpint(cw_bot_runtime_get_cursor(b), ==, hub_time(2));
	g_assert_cmpint(cw_bot_runtime_get_cursor(c), ==, G_MININT64);
	hub_push(k2, 7);
	g_assert_cmpint(cw_bot_runtime_get_cursor(c), ==, hub_time(7));
	g_assert_cmpint(cw_bot_runtime_get_cursor(a), ==, hub_time(2));
	/* both bots of k1 ran the same candles: the same account */
	g_assert_cmpfloat(
	    cw_trading_orchestrator_get_account(cw_bot_runtime_get_active(a, NULL))->equity, ==,
	    cw_trading_orchestrator_get_account(cw_bot_runtime_get_active(b, NULL))->equity);
}

/* A bot that must replay its history does not join a shared feed that
 * already runs: it gets a feed of its own. One without history joins. */
static void
test_hub_late_join(HubFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	CwBotRuntime *a = hub_attach(fx, "a", "k1", FALSE), *b, *c;
	CwTestFeed *shared = cw_test_feed_find("k1"), *own;

	/* before the start, history or not, the bot joins */
	b = hub_attach(fx, "b", "k1", TRUE);
	g_assert_cmpuint(cw_feed_hub_get_n_feeds(fx->hub), ==, 1);
	g_assert_true(cw_feed_hub_start(fx->hub));
	hub_push(shared, 0);

	c = hub_attach(fx, "c", "k1", TRUE);
	g_assert_cmpuint(cw_feed_hub_get_n_feeds(fx->hub), ==, 2);
	own = cw_test_feed_find("k1");
	g_assert_true(own != shared);
	g_assert_true(cw_feed_hub_start(fx->hub));
	g_assert_true(cw_test_feed_is_started(own));
	hub_push(own, 0);
	hub_push(own, 1);
	g_assert_cmpint(cw_bot_runtime_get_cursor(c), ==, hub_time(1));
	g_assert_cmpint(cw_bot_runtime_get_cursor(a), ==, hub_time(0));
	g_assert_cmpint(cw_bot_runtime_get_cursor(b), ==, hub_time(0));

	hub_attach(fx, "d", "k1", FALSE);
	g_assert_cmpuint(cw_feed_hub_get_n_feeds(fx->hub), ==, 2);
	g_assert_cmpuint(cw_test_feed_get_instances()->len, ==, 2);
}

/* The last bot to leave takes its feed with it (stopped and freed); the
 * others keep theirs. */
static void
test_hub_detach(HubFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	CwBotRuntime *a = hub_attach(fx, "a", "k1", FALSE);
	CwBotRuntime *b = hub_attach(fx, "b", "k1", FALSE);
	CwTestFeed *k1 = cw_test_feed_find("k1");

	hub_attach(fx, "c", "k2", FALSE);
	g_assert_true(cw_feed_hub_start(fx->hub));
	g_object_add_weak_pointer(G_OBJECT(k1), (gpointer *) &k1);

	cw_feed_hub_detach(fx->hub, a);
	g_assert_nonnull(k1);
	g_assert_cmpuint(cw_feed_hub_get_n_feeds(fx->hub), ==, 2);
	hub_push(k1, 0);
	g_assert_cmpint(cw_bot_runtime_get_cursor(a), ==, G_MININT64);
	g_assert_cmpint(cw_bot_runtime_get_cursor(b), ==, hub_time(0));
	cw_feed_hub_detach(fx->hub, a); /* twice is harmless */

	cw_feed_hub_detach(fx->hub, b);
	g_assert_null(k1);
	g_assert_cmpuint(cw_feed_hub_get_n_feeds(fx->hub), ==, 1);
	g_assert_nonnull(cw_test_feed_find("k2"));
}

/* A feed that ends tells each of its bots once, with the reason, and goes;
 * a bot attached later on the same key gets a new feed. */
static void
test_hub_ended(HubFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	CwTestFeed *k1, *again;

	hub_attach(fx, "a", "k1", FALSE);
	hub_attach(fx, "b", "k1", FALSE);
	hub_attach(fx, "c", "k2", FALSE);
	k1 = cw_test_feed_find("k1");
	g_assert_true(cw_feed_hub_start(fx->hub));
	hub_push(k1, 0);
	g_object_add_weak_pointer(G_OBJECT(k1), (gpointer *) &k1);

	cw_test_feed_end(k1, "feed ended");
	g_assert_cmpuint(fx->ended->len, ==, 2);
	g_assert_cmpstr(fx->ended->pdata[0], ==, "a: feed ended");
	g_assert_cmpstr(fx->ended->pdata[1], ==, "b: feed ended");
	g_assert_cmpuint(cw_feed_hub_get_n_feeds(fx->hub), ==, 1);
	/* freed once idle, not from inside its own emission */
	g_assert_nonnull(k1);
	cw_rt_pump();
	g_assert_null(k1);

	hub_attach(fx, "d", "k1", FALSE);
	g_assert_cmpuint(cw_feed_hub_get_n_feeds(fx->hub), ==, 2);
	again = cw_test_feed_find("k1");
	g_assert_nonnull(again);
	g_assert_true(cw_feed_hub_start(fx->hub));
	g_assert_cmpuint(cw_test_feed_get_n_starts(again), ==, 1);
	g_assert_cmpuint(fx->ended->len, ==, 2);
}

/* stop_all stops every feed; a later start starts them again. */
static void
test_hub_stop_all(HubFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	CwTestFeed *k1, *k2;

	hub_attach(fx, "a", "k1", FALSE);
	hub_attach(fx, "b", "k2", FALSE);
	k1 = cw_test_feed_find("k1");
	k2 = cw_test_feed_find("k2");
	g_assert_true(cw_feed_hub_start(fx->hub));
	cw_feed_hub_stop_all(fx->hub);
	g_assert_false(cw_test_feed_is_started(k1));
	g_assert_false(cw_test_feed_is_started(k2));
	g_assert_true(cw_feed_hub_start(fx->hub));
	g_assert_cmpuint(cw_test_feed_get_n_starts(k1), ==, 2);
	g_assert_cmpuint(cw_test_feed_get_n_starts(k2), ==, 2);
}

/* A bot's fast-forward reaches its own feed only. */
static void
test_hub_fast_forward(HubFixture *fx, gconstpointer user_data)
{
	CwBotRuntime *a = hub_attach(fx, "a", "k1", FALSE);

	hub_attach(fx, "b", "k2", FALSE);
	cw_feed_hub_fast_forward(fx->hub, a, hub_time(9));
	g_assert_cmpint(cw_test_feed_get_fast_forward(cw_test_feed_find("k1")), ==, hub_time(9));
	g_assert_cmpint(cw_test_feed_get_fast_forward(cw_test_feed_find("k2")), ==, G_MININT64);
}

/* The order rows queued while a candle is routed are written in one
 * transaction right after the candle; a quiet candle touches no SQL. */
static void
test_hub_commits_after_candle(HubFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	CwBotRuntime *a = hub_attach(fx, "a", "k1", FALSE);
	CwOrder order = {0}, row;
	gint64 owner = 0;
	CwTestFeed *k1;

	k1 = cw_test_feed_find("k1");
	g_assert_true(cw_feed_hub_start(fx->hub));

	g_strlcpy(order.client_order_id, "cw-test-1", sizeof(order.client_order_id));
	order.side = CW_SIDE_BUY;
	order.type = CW_ORDER_TYPE_MARKET;
	order.qty = 1;
	order.status = CW_ORDER_STATUS_PENDING_NEW;
	cw_order_journal_begin_candle(fx->journal);
	g_assert_true(
	    cw_order_journal_record(fx->journal, cw_bot_runtime_get_id(a), &order, &error));
	g_assert_no_error(error);
	/* queued, not written */
	g_assert_false(cw_store_order_get(fx->store.store, "cw-test-1", &row, &owner, NULL));
	hub_push(k1, 0);
	g_assert_cmpuint(cw_order_journal_get_n_queued(fx->journal), ==, 0);
	g_assert_false(cw_order_journal_in_candle(fx->journal));
	g_assert_false(cw_store_in_transaction(fx->store.store));
	g_assert_cmpuint(cw_order_journal_get_n_commits(fx->journal), ==, 1);
	g_assert_true(cw_store_order_get(fx->store.store, "cw-test-1", &row, &owner, &error));
	g_assert_no_error(error);
	g_assert_cmpint(owner, ==, cw_bot_runtime_get_id(a));

	hub_push(k1, 1);
	g_assert_cmpuint(cw_order_journal_get_n_commits(fx->journal), ==, 1);
	g_assert_false(cw_store_in_transaction(fx->store.store));
}

/* A venue's orders go out within the candle that decided them: once the
 * fan-out's group commit holds their rows, and before the next candle is
 * routed. An order decided later by one of the venue's reports (the stop
 * after the entry's fill, on the main loop between candles) is committed
 * and sent at once, not held until a later candle that trades. */
static void
test_hub_sends_in_same_candle(HubFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	CwBotRuntime *a = hub_bot_with(fx, "venue-bot", "kv", "\"broker\":{\"type\":\"venue\"}");
	CwTradingOrchestrator *orch = cw_bot_runtime_get_active(a, &error);
	CwTestVenueBroker *venue = CW_TEST_VENUE_BROKER(cw_trading_orchestrator_get_broker(orch));
	CwTestFeed *kv;
	guint64 rows;
	guint i;

	g_assert_true(cw_feed_hub_attach(fx->hub, a, FALSE, &error));
	g_assert_no_error(error);
	kv = cw_test_feed_find("kv");
	g_assert_true(cw_feed_hub_start(fx->hub));
	/* candles until one decides the entry: it reached the venue by the
	 * end of that same candle's routing, its row committed first */
	for (i = 0; i < 400 && cw_order_journal_get_n_commits(fx->journal) == 0; i++) {
		g_assert_cmpuint(cw_test_venue_broker_get_n_submitted_ids(venue), ==, 0);
		hub_push(kv, i);
	}
	g_assert_cmpuint(cw_order_journal_get_n_commits(fx->journal), ==, 1);
	g_assert_cmpuint(cw_test_venue_broker_get_n_submitted_ids(venue), ==, 1);
	g_assert_cmpuint(cw_trading_orchestrator_get_n_held_sends(orch), ==, 0);
	g_assert_false(cw_store_in_transaction(fx->store.store));
	/* the venue acknowledges; the next candle fills the market entry */
	cw_test_venue_broker_deliver(venue);
	hub_push(kv, i++);
	g_assert_cmpuint(cw_test_venue_broker_get_n_submitted_ids(venue), ==, 1);
	/* the fill report, between candles: the protective stop decided on
	 * it is written (its own commit) and reaches the venue right away */
	rows = cw_order_journal_get_n_rows(fx->journal);
	g_assert_cmpuint(cw_test_venue_broker_deliver(venue), >, 0);
	g_assert_cmpuint(cw_trading_orchestrator_get_n_held_sends(orch), ==, 0);
	g_assert_cmpuint(cw_test_venue_broker_count_working_stops(venue), ==, 1);
	g_assert_cmpuint(cw_order_journal_get_n_rows(fx->journal), >, rows);
	g_assert_cmpuint(cw_test_venue_broker_get_n_submitted_ids(venue), ==,
			 1 + cw_order_journal_get_n_rows(fx->journal) - rows);
	g_assert_false(cw_store_in_transaction(fx->store.store));
}

/* The trading state a venue's report changed between candles (the
 * entry's fill) goes with the next flush, in the transaction of that
 * report's rows and events: a restart does not restore the state from
 * before the fill against a store and a venue that hold the position. */
static void
test_hub_report_state_on_flush(HubFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *before = NULL, *after = NULL;
	CwBotRuntime *a = hub_bot_with(fx, "venue-bot", "kv", "\"broker\":{\"type\":\"venue\"}");
	CwTradingOrchestrator *orch = cw_bot_runtime_get_active(a, &error);
	CwTestVenueBroker *venue = CW_TEST_VENUE_BROKER(cw_trading_orchestrator_get_broker(orch));
	CwStoreWriter *writer = cw_bot_runtime_get_writer(a);
	gint64 id = cw_bot_runtime_get_id(a);
	CwTestFeed *kv;
	guint i;

	g_assert_true(cw_feed_hub_attach(fx->hub, a, FALSE, &error));
	kv = cw_test_feed_find("kv");
	g_assert_true(cw_feed_hub_start(fx->hub));
	for (i = 0; i < 400 && cw_order_journal_get_n_commits(fx->journal) == 0; i++)
		hub_push(kv, i);
	g_assert_cmpuint(cw_test_venue_broker_get_n_submitted_ids(venue), ==, 1);
	cw_test_venue_broker_deliver(venue);
	/* the candle that fills the entry at the venue; the fill's report
	 * is not delivered yet */
	hub_push(kv, i++);
	cw_bot_runtime_queue_cursor(a);
	g_assert_true(cw_store_writer_flush(writer, &error));
	g_assert_no_error(error);
	before = cw_store_state_get(fx->store.store, id, "trading_state", &error);
	g_assert_nonnull(before);
	/* the fill, between candles, then the service's flush */
	g_assert_cmpuint(cw_test_venue_broker_deliver(venue), >, 0);
	g_assert_cmpfloat(cw_trading_orchestrator_get_account(orch)->position.qty, >, 0);
	cw_bot_runtime_queue_cursor(a);
	g_assert_true(cw_store_writer_flush(writer, &error));
	g_assert_no_error(error);
	after = cw_store_state_get(fx->store.store, id, "trading_state", &error);
	g_assert_nonnull(after);
	g_assert_false(g_strcmp0(after, before) == 0);
}

/* A paper bot's orders touch no SQL on the fan-out: no group commit, no
 * row until the bot's flush, which writes the rows with its cursor in one
 * transaction (the paper venue is rebuilt by replay after a restart). */
static void
test_hub_paper_rows_on_flush(HubFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) open = NULL;
	CwBotRuntime *a = hub_attach(fx, "a", "k1", FALSE);
	CwTestFeed *k1 = cw_test_feed_find("k1");
	CwBotHealth h;
	guint i;

	g_assert_true(cw_feed_hub_start(fx->hub));
	for (i = 0; i < 400; i++) {
		hub_push(k1, i);
		cw_bot_runtime_fill_health(a, &h);
		if (h.counters->orders_submitted > 0)
			break;
	}
	g_assert_cmpuint(h.counters->orders_submitted, >, 0);
	g_assert_cmpuint(cw_order_journal_get_n_commits(fx->journal), ==, 0);
	g_assert_cmpuint(cw_order_journal_get_n_queued(fx->journal), ==, 0);
	open = cw_store_orders_open(fx->store.store, cw_bot_runtime_get_id(a), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(open->len, ==, 0);
	g_clear_pointer(&open, g_array_unref);
	cw_bot_runtime_queue_cursor(a);
	g_assert_true(cw_store_writer_flush(cw_bot_runtime_get_writer(a), &error));
	g_assert_no_error(error);
	open = cw_store_orders_open(fx->store.store, cw_bot_runtime_get_id(a), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(open->len, >, 0);
	g_assert_cmpuint(cw_order_journal_get_n_commits(fx->journal), ==, 0);
}

/* A bot without a feed section, or with an unknown type, is refused with
 * a message naming the known types; nothing is attached. */
static void
test_hub_bad_feed(HubFixture *fx, gconstpointer user_data)
{
	const char *texts[] = {
	    "{\"name\":\"nofeed\",\"symbol\":\"BTCUSDT\",\"strategy\":{\"analyzers\":[{\"type\":"
	    "\"rsi\",\"weight\":1}]}}",
	    "{\"name\":\"badfeed\",\"symbol\":\"BTCUSDT\",\"strategy\":{\"analyzers\":[{\"type\":"
	    "\"rsi\",\"weight\":1}]},\"feed\":{\"type\":\"carrier-pigeon\"}}",
	};
	CwBotRuntimeEnv env = {fx->store.store, fx->writer, fx->cache, fx->journal};

	for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(CwBotConfig) config = cw_bot_config_new_from_data(texts[i], -1, &error);
		CwBotRuntime *rt;

		g_assert_no_error(error);
		rt = cw_bot_runtime_new(&env, i + 1, "x", config, texts[i], 0);
		g_assert_false(cw_feed_hub_attach(fx->hub, rt, FALSE, &error));
		g_assert_nonnull(error);
		g_test_message("%s", error->message);
		g_assert_nonnull(
		    strstr(error->message, i == 0 ? "feed: missing" : "carrier-pigeon"));
		g_assert_nonnull(strstr(error->message, "test"));
		cw_bot_runtime_free(rt);
	}
	g_assert_cmpuint(cw_feed_hub_get_n_feeds(fx->hub), ==, 0);
}

/* The bot's events of type, oldest first (after a flush of its writer). */
static GPtrArray *
hub_events(HubFixture *fx, CwBotRuntime *bot, const char *type)
{
	g_autoptr(GError) error = NULL;
	GPtrArray *events;

	g_assert_true(cw_store_writer_flush(cw_bot_runtime_get_writer(bot), &error));
	g_assert_no_error(error);
	events =
	    cw_store_events_query(fx->store.store, cw_bot_runtime_get_id(bot), type, 0, 0, &error);
	g_assert_no_error(error);
	return events;
}

static double
hub_event_duration(CwStoreEvent *event)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;

	g_assert_true(json_parser_load_from_data(parser, event->payload, -1, &error));
	return json_object_get_double_member(json_node_get_object(json_parser_get_root(parser)),
					     "duration_s");
}

/* Bots sharing a feed each get FEED_DOWN after their own
 * feed.down_alert_s (0: never), whichever bot created the share, and
 * FEED_UP when it is live again if they had the FEED_DOWN. */
static void
test_hub_down_alert_per_bot(HubFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	CwBotRuntime *bots[3];
	const double alert_s[] = {0.1, 0.5, 0};
	gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	CwTestFeed *feed;
	guint n = 0;

	for (guint i = 0; i < G_N_ELEMENTS(bots); i++) {
		g_autofree char *name = g_strdup_printf("down-%u", i);
		g_autofree char *text = cw_rt_config_text(name, "kd", NULL, FALSE);
		g_autofree char *extra = NULL;
		char num[G_ASCII_DTOSTR_BUF_SIZE];

		/* the feed section of cw_rt_config_text ends the config: "}}" */
		text[strlen(text) - 2] = '\0';
		extra = g_strdup_printf("%s,\"down_alert_s\":%s}}", text,
					g_ascii_dtostr(num, sizeof num, alert_s[i]));
		bots[i] = hub_bot_config(fx, name, extra);
		g_assert_true(cw_feed_hub_attach(fx->hub, bots[i], FALSE, &error));
		g_assert_no_error(error);
	}
	feed = cw_test_feed_find("kd");
	g_assert_true(cw_feed_hub_start(fx->hub));
	g_assert_cmpuint(cw_feed_hub_get_n_feeds(fx->hub), ==, 1);
	cw_test_feed_set_state(feed, CW_FEED_STATE_LIVE);
	cw_test_feed_set_state(feed, CW_FEED_STATE_CONNECTING);
	/* until the second bot's FEED_DOWN (bounded) */
	while (n < 1 && g_get_monotonic_time() < deadline) {
		g_autoptr(GPtrArray) got = NULL;

		g_main_context_iteration(NULL, TRUE);
		got = hub_events(fx, bots[1], "FEED_DOWN");
		n = got->len;
	}
	for (guint i = 0; i < G_N_ELEMENTS(bots); i++) {
		g_autoptr(GPtrArray) down = hub_events(fx, bots[i], "FEED_DOWN");

		if (alert_s[i] == 0) {
			g_assert_cmpuint(down->len, ==, 0);
			continue;
		}
		g_assert_cmpuint(down->len, ==, 1);
		/* each after its own limit, not the first bot's */
		g_assert_cmpfloat(hub_event_duration(down->pdata[0]), >=, alert_s[i]);
	}
	cw_test_feed_set_state(feed, CW_FEED_STATE_LIVE);
	for (guint i = 0; i < G_N_ELEMENTS(bots); i++) {
		g_autoptr(GPtrArray) up = hub_events(fx, bots[i], "FEED_UP");

		g_assert_cmpuint(up->len, ==, alert_s[i] > 0 ? 1 : 0);
	}
	cw_test_feed_set_state(feed, CW_FEED_STATE_STOPPED);
	/* the outage's warnings: one line per timer that fired, and FEED_UP */
	for (guint i = cw_test_log_warnings->len; i > 0; i--) {
		if (g_pattern_match_simple("*feed test:kd: FEED_*",
					   cw_test_log_warnings->pdata[i - 1]))
			g_ptr_array_remove_index(cw_test_log_warnings, i - 1);
	}
}

int
main(int argc, char **argv)
{
	cw_test_log_capture();
	g_test_init(&argc, &argv, NULL);
#define ADD(name, func)                                                                            \
	g_test_add("/services/feed-hub/" name, HubFixture, NULL, hub_setup, func, hub_teardown)
	ADD("routing", test_hub_routing);
	ADD("late-join", test_hub_late_join);
	ADD("sends-in-same-candle", test_hub_sends_in_same_candle);
	ADD("paper-rows-on-flush", test_hub_paper_rows_on_flush);
	ADD("report-state-on-flush", test_hub_report_state_on_flush);
	ADD("detach", test_hub_detach);
	ADD("ended", test_hub_ended);
	ADD("stop-all", test_hub_stop_all);
	ADD("fast-forward", test_hub_fast_forward);
	ADD("commits-after-candle", test_hub_commits_after_candle);
	ADD("bad-feed", test_hub_bad_feed);
	ADD("down-alert-per-bot", test_hub_down_alert_per_bot);
#undef ADD
	return g_test_run();
}
