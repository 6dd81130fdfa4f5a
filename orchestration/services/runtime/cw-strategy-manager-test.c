/* CwStrategyManager: the running set follows the trading_bots table. At
 * start-up every enabled bot with a valid config runs and the others do
 * not; reconcile applies disabled, added, removed, re-enabled and edited
 * rows; a bot whose feed ends stops and waits for a change of its row;
 * flush writes every queue in one transaction; stop_all stops them all.
 * Real SQLite files in a temporary directory; the feed is the test's own
 * (cw-test-feed.c). */
#include "cw-runtime-test-utils.h"

/* A guard that says it reads other bots (as max_positions_total does),
 * active with guardrails.test_reads_others: true; it allows everything. */
#define SM_TYPE_OTHERS_GUARD (sm_others_guard_get_type())
G_DECLARE_FINAL_TYPE(SmOthersGuard, sm_others_guard, SM, OTHERS_GUARD, GObject)

struct _SmOthersGuard {
	GObject parent_instance;
};

static void sm_others_guard_iface_init(CwGuardInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(SmOthersGuard, sm_others_guard, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_GUARD, sm_others_guard_iface_init))

static void
sm_others_guard_class_init(SmOthersGuardClass *klass)
{
}

static void
sm_others_guard_init(SmOthersGuard *self)
{
}

static const char *
sm_others_guard_get_name(CwGuard *guard)
{
	return "test-reads-others";
}

static gboolean
sm_others_guard_configure(CwGuard *guard, const CwBotConfig *config, gboolean *active,
			  GError **error)
{
	JsonObject *section = cw_bot_config_get_section(config, "guardrails");

	*active = section != NULL && json_object_has_member(section, "test_reads_others");
	return TRUE;
}

static CwGuardVerdict
sm_others_guard_check(CwGuard *guard, const CwGuardContext *ctx, CwOrder *order, char *reason,
		      gsize reason_len)
{
	return CW_GUARD_ALLOW;
}

static gboolean
sm_others_guard_reads_other_bots(CwGuard *guard)
{
	return TRUE;
}

static void
sm_others_guard_iface_init(CwGuardInterface *iface)
{
	iface->get_name = sm_others_guard_get_name;
	iface->configure = sm_others_guard_configure;
	iface->check = sm_others_guard_check;
	iface->reads_other_bots = sm_others_guard_reads_other_bots;
}

typedef struct {
	CwStoreFixture store;
	CwStoreWriter *writer;
	CwOrchestratorCache *cache;
	CwStrategyManager *manager;
} SmFixture;

static void
sm_setup(SmFixture *fx, gconstpointer user_data)
{
	static gsize once = 0;

	cw_test_feed_register();
	if (g_once_init_enter(&once)) {
		g_io_extension_point_implement(CW_EXTENSION_POINT_GUARD, SM_TYPE_OTHERS_GUARD,
					       "test-reads-others", 0);
		g_once_init_leave(&once, 1);
	}
	cw_store_fixture_setup(&fx->store, NULL);
	fx->writer = cw_store_writer_new(fx->store.store);
	fx->cache = cw_orchestrator_cache_new(0);
	fx->manager = cw_strategy_manager_new(fx->store.store, fx->writer, fx->cache);
}

static void
sm_teardown(SmFixture *fx, gconstpointer user_data)
{
	g_clear_object(&fx->manager);
	cw_rt_pump();
	cw_orchestrator_cache_free(fx->cache);
	cw_store_writer_free(fx->writer);
	cw_store_fixture_teardown(&fx->store, NULL);
	g_assert_cmpuint(cw_test_feed_get_instances()->len, ==, 0);
	cw_test_log_assert_none();
}

static gint64
sm_add(SmFixture *fx, const char *name, const char *key, gboolean enabled)
{
	g_autofree char *text = cw_rt_config_text(name, key, NULL, FALSE);
	g_autoptr(GError) error = NULL;
	gint64 id = cw_store_bot_add(fx->store.store, name, text, enabled, &error);

	g_assert_no_error(error);
	return id;
}

static char *
sm_status(SmFixture *fx, gint64 id)
{
	g_auto(CwStoreBot) bot = {0};
	g_autoptr(GError) error = NULL;

	g_assert_true(cw_store_bot_get_by_id(fx->store.store, id, &bot, &error));
	return g_strdup_printf("%s%s%s", bot.status, bot.last_error != NULL ? ": " : "",
			       bot.last_error != NULL ? bot.last_error : "");
}

static void
sm_assert_status(SmFixture *fx, gint64 id, const char *want)
{
	g_autofree char *got = sm_status(fx, id);

	if (!g_str_has_prefix(got, want))
		g_printerr("bot %" G_GINT64_FORMAT ": '%s', expected '%s...'\n", id, got, want);
	g_assert_true(g_str_has_prefix(got, want));
}

static void
sm_flush(SmFixture *fx)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(cw_strategy_manager_flush(fx->manager, &error));
	g_assert_no_error(error);
}

static void
sm_startup(SmFixture *fx)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(cw_strategy_manager_startup(fx->manager, &error));
	g_assert_no_error(error);
}

static void
sm_push(const char *key, guint first, guint n)
{
	CwTestFeed *feed = cw_test_feed_find(key);

	g_assert_nonnull(feed);
	for (guint i = first; i < first + n; i++) {
		CwCandle c = cw_rt_candle(i);
		cw_test_feed_push(feed, &c);
	}
}

static gint64
sm_state_int(SmFixture *fx, gint64 id, const char *key)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *text = cw_store_state_get(fx->store.store, id, key, &error);

	g_assert_no_error(error);
	return text != NULL ? g_ascii_strtoll(text, NULL, 10) : G_MININT64;
}

/* Start-up runs the enabled bots with a valid config, on one feed per key;
 * a disabled bot stays stopped, a bot with a bad config goes to error
 * alone. */
static void
test_sm_startup(SmFixture *fx, gconstpointer user_data)
{
	gint64 a = sm_add(fx, "a", "k1", TRUE), b = sm_add(fx, "b", "k1", TRUE);
	gint64 c = sm_add(fx, "c", "k1", FALSE), e = sm_add(fx, "e", "k2", TRUE);
	g_autoptr(GError) error = NULL;
	gint64 d = cw_store_bot_add(fx->store.store, "d", "{\"name\": 1}", TRUE, &error);

	g_assert_no_error(error);
	sm_startup(fx);
	g_assert_cmpuint(cw_strategy_manager_get_n_running(fx->manager), ==, 3);
	sm_assert_status(fx, a, "running");
	sm_assert_status(fx, b, "running");
	sm_assert_status(fx, c, "stopped");
	sm_assert_status(fx, d, "error: ");
	cw_test_log_take("candlewick: error: *");
	sm_assert_status(fx, e, "running");
	g_assert_null(cw_strategy_manager_lookup(fx->manager, c));
	g_assert_null(cw_strategy_manager_lookup(fx->manager, d));
	g_assert_nonnull(cw_strategy_manager_lookup(fx->manager, e));
	g_assert_cmpuint(cw_feed_hub_get_n_feeds(cw_strategy_manager_get_feed_hub(fx->manager)), ==,
			 2);
	g_assert_true(cw_test_feed_is_started(cw_test_feed_find("k1")));
	g_assert_true(cw_test_feed_is_started(cw_test_feed_find("k2")));
	g_assert_false(cw_strategy_manager_get_halt_all(fx->manager));

	/* candles reach the running bots of their feed */
	sm_push("k1", 0, 3);
	g_assert_cmpint(cw_bot_runtime_get_cursor(cw_strategy_manager_lookup(fx->manager, a)), ==,
			CW_RT_T0 + 2 * CW_RT_STEP_MS);
	g_assert_cmpint(cw_bot_runtime_get_cursor(cw_strategy_manager_lookup(fx->manager, e)), ==,
			G_MININT64);
}

/* Reconcile follows the table: disabled, added, removed, re-enabled and
 * edited rows. */
static void
test_sm_reconcile(SmFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	gint64 a = sm_add(fx, "a", "k1", TRUE), b = sm_add(fx, "b", "k1", TRUE), f;
	g_autofree char *edited = NULL;
	CwBotRuntime *before;

	sm_startup(fx);
	g_assert_cmpuint(cw_strategy_manager_get_n_running(fx->manager), ==, 2);

	g_assert_true(cw_store_bot_set_enabled(fx->store.store, a, FALSE, &error));
	cw_strategy_manager_reconcile(fx->manager);
	g_assert_cmpuint(cw_strategy_manager_get_n_running(fx->manager), ==, 1);
	g_assert_null(cw_strategy_manager_lookup(fx->manager, a));
	sm_assert_status(fx, a, "stopped");

	f = sm_add(fx, "f", "k2", TRUE);
	cw_strategy_manager_reconcile(fx->manager);
	g_assert_nonnull(cw_strategy_manager_lookup(fx->manager, f));
	sm_assert_status(fx, f, "running");
	g_assert_true(cw_test_feed_is_started(cw_test_feed_find("k2")));

	g_assert_true(cw_store_bot_remove(fx->store.store, b, &error));
	cw_strategy_manager_reconcile(fx->manager);
	g_assert_null(cw_strategy_manager_lookup(fx->manager, b));
	g_assert_cmpuint(cw_strategy_manager_get_n_running(fx->manager), ==, 1);
	/* k1 has no bot left: its feed went */
	g_assert_null(cw_test_feed_find("k1"));

	g_assert_true(cw_store_bot_set_enabled(fx->store.store, a, TRUE, &error));
	cw_strategy_manager_reconcile(fx->manager);
	g_assert_nonnull(cw_strategy_manager_lookup(fx->manager, a));
	sm_assert_status(fx, a, "running");
	g_assert_cmpuint(cw_strategy_manager_get_n_running(fx->manager), ==, 2);

	/* an edited config is taken by the running bot */
	before = cw_strategy_manager_lookup(fx->manager, f);
	edited = cw_rt_config_text("f", "k2", NULL, TRUE);
	g_assert_true(cw_store_bot_set_config(fx->store.store, f, edited, &error));
	cw_strategy_manager_reconcile(fx->manager);
	g_assert_true(cw_strategy_manager_lookup(fx->manager, f) == before);
	g_assert_cmpstr(cw_bot_runtime_get_config_text(before), ==, edited);
	sm_assert_status(fx, f, "running");

	/* an edit that does not validate puts that bot alone in error */
	g_assert_true(cw_store_bot_set_config(fx->store.store, f, "{\"name\": 1}", &error));
	cw_strategy_manager_reconcile(fx->manager);
	g_assert_null(cw_strategy_manager_lookup(fx->manager, f));
	sm_assert_status(fx, f, "error: ");
	cw_test_log_take("candlewick: error: *");
	g_assert_nonnull(cw_strategy_manager_lookup(fx->manager, a));
}

/* A bot whose feed ends is stopped with the reason, and is not started
 * again until its row changes. */
static void
test_sm_feed_ended(SmFixture *fx, gconstpointer user_data)
{
	gint64 a = sm_add(fx, "a", "k1", TRUE), b = sm_add(fx, "b", "k1", TRUE);
	gint64 e = sm_add(fx, "e", "k2", TRUE);
	g_autoptr(GError) error = NULL;
	g_autofree char *reason = NULL;

	sm_startup(fx);
	sm_push("k1", 0, 50);
	cw_test_feed_end(cw_test_feed_find("k1"), "feed ended");
	g_assert_cmpuint(cw_strategy_manager_get_n_running(fx->manager), ==, 1);
	g_assert_nonnull(cw_strategy_manager_lookup(fx->manager, e));
	sm_assert_status(fx, a, "stopped");
	sm_assert_status(fx, b, "stopped");
	sm_flush(fx);
	reason = cw_store_state_get(fx->store.store, a, "stop_reason", &error);
	g_assert_cmpstr(reason, ==, "feed ended");
	g_assert_cmpint(sm_state_int(fx, a, "cursor"), ==, CW_RT_T0 + 49 * CW_RT_STEP_MS);
	g_assert_cmpint(sm_state_int(fx, b, "cursor"), ==, CW_RT_T0 + 49 * CW_RT_STEP_MS);
	cw_rt_pump();

	cw_strategy_manager_reconcile(fx->manager);
	g_assert_null(cw_strategy_manager_lookup(fx->manager, a));
	g_assert_cmpuint(cw_strategy_manager_get_n_running(fx->manager), ==, 1);
}

/* One flush writes the service's and every bot's queue: each bot's cursor
 * with the events it covers. */
static void
test_sm_flush(SmFixture *fx, gconstpointer user_data)
{
	gint64 a = sm_add(fx, "a", "k1", TRUE), e = sm_add(fx, "e", "k2", TRUE);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) status_events = NULL;
	guint64 written = 0, failed = 0;

	sm_startup(fx);
	sm_push("k1", 0, 300);
	sm_push("k2", 0, 10);
	cw_strategy_manager_queue_cursors(fx->manager);
	sm_flush(fx);
	g_assert_cmpint(sm_state_int(fx, a, "cursor"), ==, CW_RT_T0 + 299 * CW_RT_STEP_MS);
	g_assert_cmpint(sm_state_int(fx, e, "cursor"), ==, CW_RT_T0 + 9 * CW_RT_STEP_MS);
	status_events = cw_store_events_query(fx->store.store, a, "BOT_STATUS", 0, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(status_events->len, ==, 2); /* starting, running */
	cw_strategy_manager_get_write_counts(fx->manager, &written, &failed);
	g_assert_cmpuint(written, >, 4);
	g_assert_cmpuint(failed, ==, 0);
	g_assert_cmpuint(cw_store_writer_get_pending(fx->writer), ==, 0);
	/* nothing queued: nothing written */
	sm_flush(fx);
	{
		guint64 again = 0;
		cw_strategy_manager_get_write_counts(fx->manager, &again, &failed);
		g_assert_cmpuint(again, ==, written);
	}
}

/* The flush in slices: a slice with no time budget commits one bot's
 * queue, and the main loop may take candles before the next; a bot
 * visited later is written with the cursor of its latest candle, queued
 * last; the round ends after the last bot, and the next one starts over. */
static void
test_sm_flush_slices(SmFixture *fx, gconstpointer user_data)
{
	gint64 ids[3] = {sm_add(fx, "a", "k1", TRUE), sm_add(fx, "b", "k2", TRUE),
			 sm_add(fx, "c", "k3", TRUE)};
	const char *keys[3] = {"k1", "k2", "k3"};
	g_autoptr(GError) error = NULL;
	gboolean done = FALSE;
	guint slices = 0;
	guint64 written = 0, failed = 0;

	sm_startup(fx);
	for (guint i = 0; i < 3; i++)
		sm_push(keys[i], 0, 10);
	g_assert_true(cw_strategy_manager_flush_slice(fx->manager, 0, &done, &error));
	g_assert_no_error(error);
	g_assert_false(done);
	/* the service's queue and one bot's: that bot's cursor only */
	g_assert_cmpuint(cw_store_writer_get_pending(fx->writer), ==, 0);
	{
		guint n_written = 0;
		for (guint i = 0; i < 3; i++)
			n_written += sm_state_int(fx, ids[i], "cursor") != G_MININT64;
		g_assert_cmpuint(n_written, ==, 1);
	}
	/* candles between slices: the bots still to visit write the newest */
	for (guint i = 0; i < 3; i++)
		sm_push(keys[i], 10, 5);
	for (slices = 1; !done && slices < 10; slices++) {
		g_assert_true(cw_strategy_manager_flush_slice(fx->manager, 0, &done, &error));
		g_assert_no_error(error);
	}
	g_assert_true(done);
	g_assert_cmpuint(slices, ==, 3);
	{
		guint n_newest = 0;
		for (guint i = 0; i < 3; i++)
			n_newest +=
			    sm_state_int(fx, ids[i], "cursor") == CW_RT_T0 + 14 * CW_RT_STEP_MS;
		g_assert_cmpuint(n_newest, ==, 2);
	}
	/* the next round writes the first bot's newer cursor too */
	do {
		g_assert_true(cw_strategy_manager_flush_slice(fx->manager, 0, &done, &error));
		g_assert_no_error(error);
	} while (!done);
	for (guint i = 0; i < 3; i++)
		g_assert_cmpint(sm_state_int(fx, ids[i], "cursor"), ==,
				CW_RT_T0 + 14 * CW_RT_STEP_MS);
	g_assert_cmpuint(cw_strategy_manager_get_n_pending(fx->manager), ==, 0);
	cw_strategy_manager_get_write_counts(fx->manager, &written, &failed);
	g_assert_cmpuint(written, >, 6);
	g_assert_cmpuint(failed, ==, 0);
	/* a large budget: the whole round in one slice */
	sm_push("k1", 15, 1);
	sm_push("k3", 15, 1);
	g_assert_true(cw_strategy_manager_flush_slice(fx->manager, G_USEC_PER_SEC, &done, &error));
	g_assert_true(done);
	g_assert_cmpint(sm_state_int(fx, ids[0], "cursor"), ==, CW_RT_T0 + 15 * CW_RT_STEP_MS);
	g_assert_cmpint(sm_state_int(fx, ids[2], "cursor"), ==, CW_RT_T0 + 15 * CW_RT_STEP_MS);
}

/* A bot under a limit across bots decides on the others' positions: a
 * restart must find every bot at the same cursor, so the round commits
 * every bot in one slice whatever the budget. */
static void
test_sm_flush_slices_across_bots(SmFixture *fx, gconstpointer user_data)
{
	const char *keys[3] = {"k1", "k2", "k3"};
	gint64 ids[3];
	g_autoptr(GError) error = NULL;
	gboolean done = FALSE;

	for (guint i = 0; i < 3; i++) {
		g_autofree char *name = g_strdup_printf("x%u", i);
		g_autofree char *text = cw_rt_config_text(name, keys[i], NULL, FALSE);
		/* the config's last '}' closes it: the guardrails go before */
		g_autofree char *limited =
		    g_strdup_printf("%.*s,\"guardrails\":{\"test_reads_others\":true}}",
				    (int) strlen(text) - 1, text);

		ids[i] =
		    cw_store_bot_add(fx->store.store, name, i == 1 ? limited : text, TRUE, &error);
		g_assert_no_error(error);
	}
	sm_startup(fx);
	for (guint i = 0; i < 3; i++)
		sm_push(keys[i], 0, 10);
	g_assert_true(
	    cw_bot_runtime_reads_other_bots(cw_strategy_manager_lookup(fx->manager, ids[1])));
	g_assert_false(
	    cw_bot_runtime_reads_other_bots(cw_strategy_manager_lookup(fx->manager, ids[0])));
	g_assert_true(cw_strategy_manager_flush_slice(fx->manager, 0, &done, &error));
	g_assert_no_error(error);
	g_assert_true(done);
	for (guint i = 0; i < 3; i++)
		g_assert_cmpint(sm_state_int(fx, ids[i], "cursor"), ==,
				CW_RT_T0 + 9 * CW_RT_STEP_MS);
}

/* The frames in the WAL of path: what the commits since the last full
 * checkpoint wrote. */
static int
sm_wal_frames(const char *path, const char *mode)
{
	sqlite3 *raw = cw_store_test_raw_open(path);
	sqlite3_stmt *stmt = NULL;
	g_autofree char *sql = g_strdup_printf("PRAGMA wal_checkpoint(%s)", mode);
	int frames;

	g_assert_cmpint(sqlite3_prepare_v2(raw, sql, -1, &stmt, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
	g_assert_cmpint(sqlite3_column_int(stmt, 0), ==, 0); /* not busy */
	frames = sqlite3_column_int(stmt, 1);
	sqlite3_finalize(stmt);
	sqlite3_close(raw);
	return frames;
}

/* The heartbeats of every running bot go in one commit: one page of
 * trading_bots in the WAL, not one per bot. */
static void
test_sm_heartbeat_one_commit(SmFixture *fx, gconstpointer user_data)
{
	gint64 ids[6];

	for (guint i = 0; i < G_N_ELEMENTS(ids); i++) {
		g_autofree char *name = g_strdup_printf("h%u", i);
		ids[i] = sm_add(fx, name, "k1", TRUE);
	}
	sm_startup(fx);
	sm_flush(fx);
	cw_store_set_wal_autocheckpoint(fx->store.store, 0);
	sm_wal_frames(fx->store.path, "TRUNCATE");
	cw_strategy_manager_heartbeat(fx->manager, 1700000000123);
	g_assert_cmpint(sm_wal_frames(fx->store.path, "PASSIVE"), <=, 2);
	for (guint i = 0; i < G_N_ELEMENTS(ids); i++) {
		g_auto(CwStoreBot) bot = {0};
		g_autoptr(GError) error = NULL;

		g_assert_true(cw_store_bot_get_by_id(fx->store.store, ids[i], &bot, &error));
		g_assert_cmpint(bot.last_heartbeat, ==, 1700000000123);
	}
	sm_flush(fx);
}

/* stop_all stops and unloads every running bot with the reason. */
static void
test_sm_stop_all(SmFixture *fx, gconstpointer user_data)
{
	gint64 a = sm_add(fx, "a", "k1", TRUE), e = sm_add(fx, "e", "k2", TRUE);

	sm_startup(fx);
	sm_push("k1", 0, 5);
	cw_strategy_manager_stop_feeds(fx->manager);
	g_assert_false(cw_test_feed_is_started(cw_test_feed_find("k1")));
	cw_strategy_manager_stop_all(fx->manager, "shutdown");
	g_assert_cmpuint(cw_strategy_manager_get_n_running(fx->manager), ==, 0);
	sm_assert_status(fx, a, "stopped");
	sm_assert_status(fx, e, "stopped");
	sm_flush(fx);
	g_assert_cmpuint(cw_test_feed_get_instances()->len, ==, 0);
}

static guint
sm_count_events(SmFixture *fx, gint64 id, const char *type)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events =
	    cw_store_events_query(fx->store.store, id, type, 0, 0, &error);

	g_assert_no_error(error);
	return events->len;
}

/* Pushes candles until the bot holds a position; returns the next index. */
static guint
sm_push_until_position(SmFixture *fx, gint64 id, const char *key, guint first)
{
	CwTradingOrchestrator *orch =
	    cw_bot_runtime_get_active(cw_strategy_manager_lookup(fx->manager, id), NULL);
	guint i = first;

	for (; i < first + 400; i++) {
		if (cw_trading_orchestrator_get_position(orch)->direction != CW_DIRECTION_NONE)
			return i;
		sm_push(key, i, 1);
	}
	g_assert_not_reached();
}

/* An operator's close: from the API's call at once, from a CLI request
 * once at the next reconcile (never twice); a flat bot, an unknown one
 * and a stopped one are errors; every outcome is journalled. */
static void
test_sm_close(SmFixture *fx, gconstpointer user_data)
{
	gint64 a = sm_add(fx, "a", "k1", TRUE);
	g_autoptr(GError) error = NULL;
	CwTradingOrchestrator *orch;
	const GArray *trades;
	guint i;

	sm_add(fx, "s", "k1", FALSE);
	sm_startup(fx);
	orch = cw_bot_runtime_get_active(cw_strategy_manager_lookup(fx->manager, a), NULL);
	g_assert_false(cw_strategy_manager_close_position(fx->manager, "nobody", "test", &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(cw_strategy_manager_close_position(fx->manager, "s", "test", &error));
	g_assert_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_NOT_RUNNING);
	g_clear_error(&error);
	g_assert_false(cw_strategy_manager_close_position(fx->manager, "a", "test", &error));
	g_assert_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_NO_POSITION);
	g_assert_nonnull(strstr(error->message, "no open position"));
	g_clear_error(&error);
	cw_test_log_take("*manual close (test) not carried out*");

	/* the API's way: at once, filled at the next candle's open */
	i = sm_push_until_position(fx, a, "k1", 0);
	g_assert_true(cw_strategy_manager_close_position(fx->manager, "a", "test", &error));
	g_assert_no_error(error);
	sm_push("k1", i++, 1);
	g_assert_cmpint(cw_trading_orchestrator_get_position(orch)->direction, ==,
			CW_DIRECTION_NONE);
	trades = cw_trading_orchestrator_get_trades(orch);
	g_assert_cmpint(g_array_index(trades, CwTrade, trades->len - 1).exit_reason, ==,
			CW_ORDER_PURPOSE_MANUAL_EXIT);
	/* at that open, give or take the paper broker's slippage */
	g_assert_cmpfloat_with_epsilon(g_array_index(trades, CwTrade, trades->len - 1).exit_price,
				       cw_rt_candle(i - 1).open, cw_rt_candle(i - 1).open * 0.001);

	/* the CLI's way: a request row, carried out once */
	i = sm_push_until_position(fx, a, "k1", i);
	g_assert_cmpint(cw_bot_admin_request_close(fx->store.store, "a", "cli", &error), >, 0);
	g_assert_no_error(error);
	cw_strategy_manager_reconcile(fx->manager);
	sm_push("k1", i++, 1);
	g_assert_cmpint(cw_trading_orchestrator_get_position(orch)->direction, ==,
			CW_DIRECTION_NONE);
	trades = cw_trading_orchestrator_get_trades(orch);
	g_assert_cmpint(g_array_index(trades, CwTrade, trades->len - 1).exit_reason, ==,
			CW_ORDER_PURPOSE_MANUAL_EXIT);
	i = sm_push_until_position(fx, a, "k1", i);
	cw_strategy_manager_reconcile(fx->manager);
	sm_push("k1", i++, 1);
	g_assert_cmpint(cw_trading_orchestrator_get_position(orch)->direction, !=,
			CW_DIRECTION_NONE);
	sm_flush(fx);
	g_assert_cmpuint(sm_count_events(fx, a, "CLOSE_REQUESTED"), ==, 1);
	g_assert_cmpuint(sm_count_events(fx, a, "MANUAL_CLOSE"), ==, 3);
	g_assert_cmpint(sm_state_int(fx, a, "close_done"), ==,
			sm_state_int(fx, a, "close_request"));
}

/* A bot put in `error` journals BOT_ERROR with its strategy and the text. */
static void
test_sm_bot_error(SmFixture *fx, gconstpointer user_data)
{
	gint64 a = sm_add(fx, "a", "k1", TRUE);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events = NULL;
	CwStoreEvent *e;

	sm_startup(fx);
	cw_strategy_manager_fail_bot(fx->manager, a, "feed cursor unreadable");
	cw_test_log_take("*error: feed cursor unreadable*");
	sm_flush(fx);
	sm_assert_status(fx, a, "error: feed cursor unreadable");
	events = cw_store_events_query(fx->store.store, a, "BOT_ERROR", 0, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(events->len, ==, 1);
	e = g_ptr_array_index(events, 0);
	g_assert_cmpstr(e->strategy_id, ==, "main");
	g_assert_nonnull(strstr(e->payload, "\"error\":\"feed cursor unreadable\""));
	g_assert_nonnull(strstr(e->payload, "\"strategy\":\"main\""));
	/* a stop is no error */
	g_assert_cmpuint(sm_count_events(fx, a, "BOT_STATUS"), >, 0);
}

/* A mode that cannot be read halts the bot (fail closed) and journals one
 * HEALTH_WARNING naming it: the bot's own echo of that halt is not sent. */
static void
test_sm_mode_unreadable(SmFixture *fx, gconstpointer user_data)
{
	gint64 a = sm_add(fx, "a", "k1", TRUE);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events = NULL;

	sm_startup(fx);
	g_assert_true(cw_store_state_set(fx->store.store, a, "mode", "sideways", &error));
	cw_strategy_manager_reconcile(fx->manager);
	cw_strategy_manager_reconcile(fx->manager);
	cw_test_log_take("*mode unreadable, bot halted*");
	g_assert_cmpint(cw_bot_runtime_get_mode(cw_strategy_manager_lookup(fx->manager, a)), ==,
			CW_BOT_MODE_HALTED);
	sm_flush(fx);
	events = cw_store_events_query(fx->store.store, a, "HEALTH_WARNING", 0, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(events->len, ==, 1);
	g_assert_nonnull(strstr(((CwStoreEvent *) g_ptr_array_index(events, 0))->payload,
				"mode unreadable, bot halted"));
	g_assert_nonnull(
	    strstr(((CwStoreEvent *) g_ptr_array_index(events, 0))->payload, "sideways"));
}

/* The active strategy of bot id, as the runtime runs it. */
static const char *
sm_active(SmFixture *fx, gint64 id)
{
	CwTradingOrchestrator *orch =
	    cw_bot_runtime_get_active(cw_strategy_manager_lookup(fx->manager, id), NULL);

	return g_quark_to_string(cw_trading_orchestrator_get_strategy_id(orch));
}

/* What `bots switch NAME STRATEGY` does: the row's active strategy. */
static void
sm_switch_row(SmFixture *fx, const char *name, const char *strategy)
{
	g_autoptr(GError) error = NULL;
	gboolean changed = FALSE;

	g_assert_true(
	    cw_bot_admin_switch_strategy(fx->store.store, name, strategy, &changed, &error));
	g_assert_no_error(error);
	g_assert_true(changed);
}

/* A switch back to a dormant strategy that holds a position, made while the
 * service was down (user_data TRUE) or while the restarted bot still warms
 * up (FALSE), takes effect only once the trading state is restored: the
 * strategy switched to has its position, not a fresh state. Before, the
 * switch came first and the snapshots went to the wrong strategies. */
static void
test_sm_edit_waits_for_restore(SmFixture *fx, gconstpointer user_data)
{
	gboolean while_down = GPOINTER_TO_INT(user_data);
	g_autofree char *text = cw_rt_config_text("sw", "ksw", NULL, TRUE);
	g_autoptr(GError) error = NULL;
	gint64 id = cw_store_bot_add(fx->store.store, "sw", text, TRUE, &error);
	g_autofree char *dormant = NULL;
	CwTradingOrchestrator *orch;
	const CwAccount *acc;
	CwPosition held;
	guint i, half;

	g_assert_no_error(error);
	sm_startup(fx);
	i = sm_push_until_position(fx, id, "ksw", 0);
	orch = cw_bot_runtime_get_active(cw_strategy_manager_lookup(fx->manager, id), NULL);
	held = *cw_trading_orchestrator_get_position(orch);
	g_assert_cmpstr(sm_active(fx, id), ==, "sw:a");
	/* a goes dormant with its position, b trades on */
	sm_switch_row(fx, "sw", "b");
	cw_strategy_manager_reconcile(fx->manager);
	g_assert_cmpstr(sm_active(fx, id), ==, "sw:b");
	sm_push("ksw", i, 2);
	i += 2;
	/* the service's flush tick: cursors with the trading states */
	cw_strategy_manager_queue_cursors(fx->manager);
	sm_flush(fx);
	dormant = cw_store_state_get(fx->store.store, id, "trading_state:a", &error);
	g_assert_no_error(error);
	g_assert_nonnull(dormant);

	/* the process goes, without a stop; a new one starts on the store */
	g_clear_object(&fx->manager);
	cw_rt_pump();
	g_assert_true(cw_store_writer_flush(fx->writer, &error));
	g_assert_no_error(error);
	cw_orchestrator_cache_free(fx->cache);
	fx->cache = cw_orchestrator_cache_new(0);
	fx->manager = cw_strategy_manager_new(fx->store.store, fx->writer, fx->cache);
	if (while_down)
		sm_switch_row(fx, "sw", "a");
	sm_startup(fx);
	/* the warm-up: the feed's history from the origin to the cursor */
	half = i / 2;
	sm_push("ksw", 0, half);
	if (!while_down) {
		sm_switch_row(fx, "sw", "a");
		/* it waits for the trading state */
		cw_strategy_manager_reconcile(fx->manager);
		g_assert_true(
		    cw_bot_runtime_is_restoring(cw_strategy_manager_lookup(fx->manager, id)));
	}
	sm_push("ksw", half, i - half);
	/* the cursor: the history's own switch to b is replayed, not the edit */
	cw_strategy_manager_reconcile(fx->manager);
	g_assert_cmpstr(sm_active(fx, id), ==, "sw:b");
	/* the first live candle: the state is back, the edit may apply */
	sm_push("ksw", i, 1);
	cw_strategy_manager_reconcile(fx->manager);
	g_assert_cmpstr(sm_active(fx, id), ==, "sw:a");
	orch = cw_bot_runtime_get_active(cw_strategy_manager_lookup(fx->manager, id), NULL);
	acc = cw_trading_orchestrator_get_account(orch);
	/* a has the position it held when it went dormant, or has closed
	 * exactly that one since */
	if (cw_trading_orchestrator_get_position(orch)->direction != CW_DIRECTION_NONE) {
		g_assert_cmpint(cw_trading_orchestrator_get_position(orch)->direction, ==,
				held.direction);
		g_assert_cmpfloat(cw_trading_orchestrator_get_position(orch)->entry_price, ==,
				  held.entry_price);
	} else {
		g_assert_nonnull(acc->trades);
		g_assert_cmpuint(acc->trades->len, >, 0);
		g_assert_cmpfloat(
		    g_array_index(acc->trades, CwTrade, acc->trades->len - 1).entry_price, ==,
		    held.entry_price);
	}
}

int
main(int argc, char **argv)
{
	cw_test_log_capture();
	g_test_init(&argc, &argv, NULL);
#define ADD(name, func)                                                                            \
	g_test_add("/services/strategy-manager/" name, SmFixture, NULL, sm_setup, func, sm_teardown)
	ADD("startup", test_sm_startup);
	ADD("reconcile", test_sm_reconcile);
	ADD("feed-ended", test_sm_feed_ended);
	ADD("flush", test_sm_flush);
	ADD("flush-slices", test_sm_flush_slices);
	ADD("flush-slices-across-bots", test_sm_flush_slices_across_bots);
	ADD("heartbeat-one-commit", test_sm_heartbeat_one_commit);
	ADD("stop-all", test_sm_stop_all);
	ADD("close", test_sm_close);
	ADD("bot-error", test_sm_bot_error);
	ADD("mode-unreadable", test_sm_mode_unreadable);
#undef ADD
	g_test_add("/services/strategy-manager/edit-waits-for-restore/while-down", SmFixture,
		   GINT_TO_POINTER(TRUE), sm_setup, test_sm_edit_waits_for_restore, sm_teardown);
	g_test_add("/services/strategy-manager/edit-waits-for-restore/while-warming-up", SmFixture,
		   GINT_TO_POINTER(FALSE), sm_setup, test_sm_edit_waits_for_restore, sm_teardown);
	return g_test_run();
}
