/* The delivery worker against local receivers (cw-notify-sim.c) on a
 * simulated clock: retries, rate limits, dead letters, coalescing. */
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "cw-notifications.h"
#include "cw-notify-sim.h"
#include "cw-services.h"
/* the runtime API the CLI uses, to check what a command did; the writer */
#define CW_SERVICES_INSIDE
#include "cw-bot-admin.h"
#include "cw-store-writer.h"
#undef CW_SERVICES_INSIDE

#define TEST_TOKEN  "123456:TEST-token_abc"
#define TEST_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define T0          G_GINT64_CONSTANT(1700000000000)

typedef struct {
	char *dir;
	CwStore *store;
	CwClock *clock;
	CwNotifySim *sim;
	char *url;
	CwOutboxRouter *router;
	CwNotificationWorker *worker;
} Fixture;

static void
fixture_setup(Fixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	g_autoptr(GBytes) secret = NULL;
	const guint8 *key;
	gsize len = 0;

	fx->dir = g_dir_make_tmp("cw-delivery-XXXXXX", &error);
	g_assert_no_error(error);
	path = g_build_filename(fx->dir, "cw.db", NULL);
	fx->store = cw_store_open(path, &error);
	g_assert_no_error(error);
	fx->clock = cw_sim_clock_new(T0);
	secret = cw_webhook_secret_decode(TEST_SECRET, &error);
	key = g_bytes_get_data(secret, &len);
	fx->sim = cw_notify_sim_new(fx->clock, TEST_TOKEN, key, len);
	fx->url = cw_notify_sim_url(fx->sim);
}

static void
fixture_teardown(Fixture *fx, gconstpointer data)
{
	g_autofree char *path = g_build_filename(fx->dir, "cw.db", NULL);
	g_autofree char *wal = g_strconcat(path, "-wal", NULL);
	g_autofree char *shm = g_strconcat(path, "-shm", NULL);

	g_clear_object(&fx->worker);
	g_clear_object(&fx->router);
	g_clear_pointer(&fx->sim, cw_notify_sim_free);
	g_clear_object(&fx->clock);
	g_clear_object(&fx->store);
	/* let libsoup finish what the cancelled sends left */
	for (guint i = 0; i < 100 && g_main_context_iteration(NULL, FALSE); i++)
		;
	g_unlink(path);
	g_unlink(wal);
	g_unlink(shm);
	g_rmdir(fx->dir);
	g_free(fx->dir);
	g_free(fx->url);
}

/* Builds router and worker from a "notifications" array; %s is the sim's URL. */
static void
fixture_configure(Fixture *fx, const char *json_format)
{
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) pieces = g_strsplit(json_format, "%s", -1);
	g_autofree char *json = g_strjoinv(fx->url, pieces);
	g_autoptr(JsonParser) parser = json_parser_new();

	g_assert_true(json_parser_load_from_data(parser, json, -1, &error));
	fx->router = cw_outbox_router_new_from_json(
	    json_node_get_array(json_parser_get_root(parser)), &error);
	g_assert_no_error(error);
	fx->worker = cw_notification_worker_new(fx->store, fx->clock, fx->router, &error);
	g_assert_no_error(error);
	cw_notification_worker_set_seed(fx->worker, 42);
}

static void
fixture_enqueue(Fixture *fx, const char *kind, const char *title, const char *body, guint n)
{
	g_autoptr(GError) error = NULL;
	static guint serial;

	for (guint i = 0; i < n; i++) {
		g_autofree char *key = g_strdup_printf("test%u", ++serial);
		g_autofree char *t = n > 1 ? g_strdup_printf("%s %u", title, i) : g_strdup(title);
		g_assert_true(cw_outbox_router_enqueue(fx->router, fx->store, 0, "bot-a", "s1",
						       kind, t, body, key,
						       cw_clock_now_ms(fx->clock), &error));
		g_assert_no_error(error);
	}
}

static gboolean
wake(gpointer data)
{
	return G_SOURCE_CONTINUE;
}

/* Lets the sends in flight finish (bounded in real time). */
static void
fixture_settle(Fixture *fx)
{
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	guint id = g_timeout_add(20, wake, NULL);

	while (cw_notification_worker_get_n_in_flight(fx->worker) > 0 &&
	       g_get_monotonic_time() < deadline)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(id);
}

static guint
fixture_count(Fixture *fx, const char *state)
{
	g_autoptr(GPtrArray) rows = cw_store_outbox_list(fx->store, state, NULL);

	return rows->len;
}

/* Ticks and advances the simulated clock by step_ms until nothing is
 * pending or max_steps ran. */
static void
fixture_run(Fixture *fx, gint64 step_ms, guint max_steps)
{
	for (guint i = 0; i < max_steps; i++) {
		cw_notification_worker_tick(fx->worker);
		fixture_settle(fx);
		if (fixture_count(fx, "pending") == 0)
			return;
		cw_sim_clock_advance(CW_SIM_CLOCK(fx->clock), step_ms);
	}
}

static const char webhook_config[] =
    "[{\"name\":\"hook\",\"type\":\"webhook\",\"url\":\"%s/hook\","
    "\"secret_env\":\"CW_TEST_WH_SECRET\",\"max_attempts\":8,\"backoff_initial_s\":1,"
    "\"backoff_max_s\":60}]";

static void
test_webhook_fails_then_delivered_once(Fixture *fx, gconstpointer data)
{
	GPtrArray *reqs;
	g_autoptr(GPtrArray) sent = NULL;
	CwStoreOutboxRow *row;
	gint64 last_at = 0;

	fixture_configure(fx, webhook_config);
	fixture_enqueue(fx, "exit_fill", "bot-a: exit", "PnL +5", 1);
	cw_notify_sim_fail(fx->sim, 5, 503, 0, NULL);
	fixture_run(fx, 500, 2000);

	reqs = cw_notify_sim_get_requests(fx->sim);
	g_assert_cmpuint(reqs->len, ==, 6);
	sent = cw_store_outbox_list(fx->store, "sent", NULL);
	g_assert_cmpuint(sent->len, ==, 1);
	row = g_ptr_array_index(sent, 0);
	g_assert_cmpuint(row->attempts, ==, 6);
	g_assert_cmpuint(cw_notify_sim_count_delivered(fx->sim, row->key), ==, 1);
	for (guint i = 0; i < reqs->len; i++) {
		CwSimRequest *r = g_ptr_array_index(reqs, i);
		/* every attempt signed, with the same idempotency key */
		g_assert_true(r->signature_ok);
		g_assert_cmpstr(r->key, ==, row->key);
		/* backoff grows: each wait at least half of 1 s * 2^(n-1) */
		if (i > 0)
			g_assert_cmpint(r->at_ms - last_at, >=, 500 * (1 << (i - 1)));
		last_at = r->at_ms;
	}
}

static void
test_webhook_down_ten_minutes(Fixture *fx, gconstpointer data)
{
	GPtrArray *reqs;
	g_autoptr(GPtrArray) sent = NULL;

	fixture_configure(fx, "[{\"name\":\"hook\",\"type\":\"webhook\",\"url\":\"%s/hook\","
			      "\"secret_env\":\"CW_TEST_WH_SECRET\",\"max_attempts\":30,"
			      "\"backoff_initial_s\":1,\"backoff_max_s\":60}]");
	cw_notify_sim_set_down_until(fx->sim, T0 + 10 * 60 * 1000);
	/* messages keep coming while the receiver is down */
	for (guint minute = 0; minute < 10; minute++) {
		fixture_enqueue(fx, "entry_fill", "entry", "qty 1", 2);
		for (guint s = 0; s < 60; s++) {
			cw_notification_worker_tick(fx->worker);
			fixture_settle(fx);
			cw_sim_clock_advance(CW_SIM_CLOCK(fx->clock), 1000);
		}
	}
	g_assert_cmpuint(fixture_count(fx, "dead"), ==, 0);
	fixture_run(fx, 1000, 600);
	g_assert_cmpuint(fixture_count(fx, "pending"), ==, 0);
	g_assert_cmpuint(fixture_count(fx, "dead"), ==, 0);
	sent = cw_store_outbox_list(fx->store, "sent", NULL);
	g_assert_cmpuint(sent->len, ==, 20);
	for (guint i = 0; i < sent->len; i++) {
		CwStoreOutboxRow *row = g_ptr_array_index(sent, i);
		g_assert_cmpuint(cw_notify_sim_count_delivered(fx->sim, row->key), ==, 1);
	}
	reqs = cw_notify_sim_get_requests(fx->sim);
	g_assert_cmpuint(reqs->len, >, 20);
}

static void
test_webhook_dead_letter_and_retry(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) dead = NULL;
	CwStoreOutboxRow *row;

	fixture_configure(fx, "[{\"name\":\"hook\",\"type\":\"webhook\",\"url\":\"%s/hook\","
			      "\"secret_env\":\"CW_TEST_WH_SECRET\",\"max_attempts\":3,"
			      "\"backoff_initial_s\":1}]");
	fixture_enqueue(fx, "guard_tripped", "guard", "daily loss", 1);
	cw_notify_sim_fail(fx->sim, 100, 500, 0, NULL);
	fixture_run(fx, 1000, 100);
	dead = cw_store_outbox_list(fx->store, "dead", NULL);
	g_assert_cmpuint(dead->len, ==, 1);
	row = g_ptr_array_index(dead, 0);
	g_assert_cmpuint(row->attempts, ==, 3);
	g_assert_nonnull(strstr(row->last_error, "HTTP 500"));
	/* a webhook URL's path may be its secret (Slack, Discord): never logged */
	g_assert_nonnull(strstr(row->last_error, "/<redacted>"));
	g_assert_null(strstr(row->last_error, "/hook"));
	g_assert_cmpuint(cw_notify_sim_get_requests(fx->sim)->len, ==, 3);

	/* the operator retries it once the receiver is back */
	cw_notify_sim_fail(fx->sim, 0, 0, 0, NULL);
	g_assert_cmpint(cw_store_outbox_retry(fx->store, 0, cw_clock_now_ms(fx->clock), NULL), ==,
			1);
	fixture_run(fx, 1000, 10);
	g_assert_cmpuint(fixture_count(fx, "sent"), ==, 1);
	g_assert_cmpuint(cw_notify_sim_count_delivered(fx->sim, row->key), ==, 1);
}

static void
test_webhook_retry_after(Fixture *fx, gconstpointer data)
{
	GPtrArray *reqs;
	CwSimRequest *a, *b;

	fixture_configure(fx, webhook_config);
	fixture_enqueue(fx, "entry_fill", "entry", "", 1);
	cw_notify_sim_fail(fx->sim, 1, 429, 7, NULL);
	fixture_run(fx, 250, 200);
	reqs = cw_notify_sim_get_requests(fx->sim);
	g_assert_cmpuint(reqs->len, ==, 2);
	a = g_ptr_array_index(reqs, 0);
	b = g_ptr_array_index(reqs, 1);
	g_assert_cmpuint(a->status, ==, 429);
	g_assert_cmpuint(b->status, ==, 200);
	g_assert_cmpint(b->at_ms - a->at_ms, >=, 7000);
}

static const char telegram_config[] =
    "[{\"name\":\"tg\",\"type\":\"telegram\",\"base_url\":\"%s\",\"chat_id\":-1001,"
    "\"token_env\":\"CW_TEST_TG_TOKEN\",\"max_attempts\":5,\"backoff_initial_s\":1}]";

static void
test_telegram_retry_after(Fixture *fx, gconstpointer data)
{
	GPtrArray *reqs;
	CwSimRequest *a, *b;

	fixture_configure(fx, telegram_config);
	fixture_enqueue(fx, "exit_fill", "bot-a: exit BTCUSDT, PnL +1.50", "entry 1.0", 1);
	cw_notify_sim_fail(fx->sim, 1, 429, 3, "Too Many Requests: retry after 3");
	fixture_run(fx, 250, 200);
	reqs = cw_notify_sim_get_requests(fx->sim);
	g_assert_cmpuint(reqs->len, ==, 2);
	a = g_ptr_array_index(reqs, 0);
	b = g_ptr_array_index(reqs, 1);
	g_assert_cmpuint(a->status, ==, 429);
	g_assert_cmpuint(b->status, ==, 200);
	g_assert_cmpint(b->at_ms - a->at_ms, >=, 3000);
	g_assert_cmpint(b->chat_id, ==, -1001);
	/* MarkdownV2: the title in bold, its specials escaped */
	g_assert_cmpstr(b->text, ==, "*bot\\-a: exit BTCUSDT, PnL \\+1\\.50*\nentry 1\\.0");
	g_assert_cmpuint(fixture_count(fx, "sent"), ==, 1);
}

static void
test_telegram_silent(Fixture *fx, gconstpointer data)
{
	GPtrArray *reqs;

	fixture_configure(fx,
			  "[{\"name\":\"tg\",\"type\":\"telegram\",\"base_url\":\"%s\","
			  "\"chat_id\":42,\"token_env\":\"CW_TEST_TG_TOKEN\",\"coalesce_max\":1,"
			  "\"events\":{\"entry_fill\":\"silent\",\"guard_tripped\":\"off\"}}]");
	fixture_enqueue(fx, "entry_fill", "entry", "", 1);
	fixture_enqueue(fx, "guard_tripped", "guard", "", 1);
	fixture_enqueue(fx, "exit_fill", "exit", "", 1);
	fixture_run(fx, 1000, 20);
	reqs = cw_notify_sim_get_requests(fx->sim);
	/* off: never written; silent: disable_notification */
	g_assert_cmpuint(reqs->len, ==, 2);
	g_assert_true(((CwSimRequest *) g_ptr_array_index(reqs, 0))->disable_notification);
	g_assert_false(((CwSimRequest *) g_ptr_array_index(reqs, 1))->disable_notification);
}

static void
test_telegram_migrated_chat(Fixture *fx, gconstpointer data)
{
	GPtrArray *reqs;

	fixture_configure(fx, telegram_config);
	cw_notify_sim_set_migration(fx->sim, -1001, G_GINT64_CONSTANT(-1009876543210));
	fixture_enqueue(fx, "entry_fill", "first", "", 1);
	fixture_run(fx, 1000, 10);
	fixture_enqueue(fx, "entry_fill", "second", "", 1);
	fixture_run(fx, 1000, 10);
	reqs = cw_notify_sim_get_requests(fx->sim);
	/* the old chat once, then the new chat for this and every later message */
	g_assert_cmpuint(reqs->len, ==, 3);
	g_assert_cmpint(((CwSimRequest *) g_ptr_array_index(reqs, 0))->chat_id, ==, -1001);
	g_assert_cmpint(((CwSimRequest *) g_ptr_array_index(reqs, 1))->chat_id, ==,
			G_GINT64_CONSTANT(-1009876543210));
	g_assert_cmpint(((CwSimRequest *) g_ptr_array_index(reqs, 2))->chat_id, ==,
			G_GINT64_CONSTANT(-1009876543210));
	g_assert_cmpuint(fixture_count(fx, "sent"), ==, 2);
}

static void
test_telegram_burst_coalesced(Fixture *fx, gconstpointer data)
{
	GPtrArray *reqs;
	g_autoptr(GString) all = g_string_new(NULL);

	fixture_configure(fx, telegram_config);
	/* 45 messages while the first is in flight */
	fixture_enqueue(fx, "entry_fill", "burst", "x", 1);
	cw_notification_worker_tick(fx->worker);
	fixture_enqueue(fx, "entry_fill", "burst", "x", 44);
	fixture_settle(fx);
	fixture_run(fx, 100, 3000);
	g_assert_cmpuint(fixture_count(fx, "sent"), ==, 45);
	reqs = cw_notify_sim_get_requests(fx->sim);
	/* coalesced: far fewer messages than events */
	g_assert_cmpuint(reqs->len, <, 10);
	for (guint i = 0; i < reqs->len; i++) {
		CwSimRequest *r = g_ptr_array_index(reqs, i);
		guint in_minute = 0;
		g_string_append(all, r->text);
		/* about one a second, at most 20 a minute in a group */
		if (i > 0)
			g_assert_cmpint(
			    r->at_ms - ((CwSimRequest *) g_ptr_array_index(reqs, i - 1))->at_ms, >=,
			    1000);
		for (guint j = 0; j <= i; j++)
			in_minute +=
			    r->at_ms - ((CwSimRequest *) g_ptr_array_index(reqs, j))->at_ms < 60000;
		g_assert_cmpuint(in_minute, <=, 20);
	}
	for (guint i = 0; i < 44; i++) {
		g_autofree char *needle = g_strdup_printf("burst %u\n", i);
		g_assert_nonnull(strstr(all->str, needle));
	}
}

static void
test_telegram_group_rate(Fixture *fx, gconstpointer data)
{
	GPtrArray *reqs;

	/* no coalescing: 30 messages to a group take more than a minute */
	fixture_configure(fx, "[{\"name\":\"tg\",\"type\":\"telegram\",\"base_url\":\"%s\","
			      "\"chat_id\":-1001,\"token_env\":\"CW_TEST_TG_TOKEN\","
			      "\"coalesce_max\":1}]");
	fixture_enqueue(fx, "entry_fill", "m", "x", 30);
	fixture_run(fx, 100, 5000);
	reqs = cw_notify_sim_get_requests(fx->sim);
	g_assert_cmpuint(reqs->len, ==, 30);
	for (guint i = 0; i < reqs->len; i++) {
		CwSimRequest *r = g_ptr_array_index(reqs, i);
		guint in_minute = 0;
		for (guint j = 0; j <= i; j++)
			in_minute +=
			    r->at_ms - ((CwSimRequest *) g_ptr_array_index(reqs, j))->at_ms < 60000;
		g_assert_cmpuint(in_minute, <=, 20);
	}
}

static void
test_telegram_forbidden_dead(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) events = NULL;
	g_autoptr(GPtrArray) dead = NULL;
	CwStoreOutboxRow *row;

	fixture_configure(fx, telegram_config);
	fixture_enqueue(fx, "bot_error", "bot-a: error", "broker down", 1);
	cw_notify_sim_fail(fx->sim, 100, 403, 0, "Forbidden: bot was blocked by the user");
	fixture_run(fx, 1000, 20);
	g_assert_cmpuint(cw_notify_sim_get_requests(fx->sim)->len, ==, 1);
	dead = cw_store_outbox_list(fx->store, "dead", NULL);
	g_assert_cmpuint(dead->len, ==, 1);
	row = g_ptr_array_index(dead, 0);
	g_assert_nonnull(strstr(row->last_error, "bot was blocked"));
	/* the token never shows */
	g_assert_null(strstr(row->last_error, TEST_TOKEN));
	g_assert_nonnull(strstr(row->last_error, "/bot<redacted>/sendMessage"));
	events = cw_store_events_query(fx->store, -1, "HEALTH_WARNING", 0, 0, NULL);
	g_assert_cmpuint(events->len, ==, 1);
}

static void
test_telegram_chat_not_found_dead(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) events = NULL;

	fixture_configure(fx, telegram_config);
	fixture_enqueue(fx, "guard_tripped", "bot-a: guard", "", 1);
	cw_notify_sim_fail(fx->sim, 100, 400, 0, "Bad Request: chat not found");
	fixture_run(fx, 1000, 20);
	g_assert_cmpuint(cw_notify_sim_get_requests(fx->sim)->len, ==, 1);
	g_assert_cmpuint(fixture_count(fx, "dead"), ==, 1);
	g_assert_cmpuint(cw_notification_worker_get_n_dead(fx->worker), ==, 1);
	events = cw_store_events_query(fx->store, -1, "HEALTH_WARNING", 0, 0, NULL);
	g_assert_cmpuint(events->len, ==, 1);
	g_assert_nonnull(
	    strstr(((CwStoreEvent *) g_ptr_array_index(events, 0))->payload, "chat not found"));
}

static void
test_telegram_long_split(Fixture *fx, gconstpointer data)
{
	g_autoptr(GString) body = g_string_new(NULL);
	GPtrArray *reqs;

	fixture_configure(fx, telegram_config);
	for (guint i = 0; i < 400; i++)
		g_string_append_printf(body, "trade %03u: BTCUSDT +1.25 (tp)\n", i);
	fixture_enqueue(fx, "daily_summary", "daily", body->str, 1);
	fixture_run(fx, 1000, 50);
	reqs = cw_notify_sim_get_requests(fx->sim);
	g_assert_cmpuint(reqs->len, >=, 3);
	for (guint i = 0; i < reqs->len; i++) {
		CwSimRequest *r = g_ptr_array_index(reqs, i);
		g_assert_cmpuint(r->status, ==, 200);
		g_assert_cmpuint(g_utf8_strlen(r->text, -1), <=, 4096);
	}
	g_assert_cmpuint(fixture_count(fx, "sent"), ==, 1);
}

static void
test_hanging_receiver_isolated(Fixture *fx, gconstpointer data)
{
	g_autoptr(CwNotifySim) good = NULL;
	g_autofree char *json = NULL;
	g_autofree char *good_url = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	gint64 start = g_get_monotonic_time();

	good = cw_notify_sim_new(fx->clock, TEST_TOKEN, NULL, 0);
	good_url = cw_notify_sim_url(good);
	json = g_strdup_printf(
	    "[{\"name\":\"hang\",\"type\":\"webhook\",\"url\":\"%s/h\","
	    "\"timeout_s\":1},{\"name\":\"tg\",\"type\":\"telegram\","
	    "\"base_url\":\"%s\",\"chat_id\":5,\"token_env\":\"CW_TEST_TG_TOKEN\"}]",
	    fx->url, good_url);
	g_assert_true(json_parser_load_from_data(parser, json, -1, &error));
	fx->router = cw_outbox_router_new_from_json(
	    json_node_get_array(json_parser_get_root(parser)), &error);
	g_assert_no_error(error);
	fx->worker = cw_notification_worker_new(fx->store, fx->clock, fx->router, &error);
	g_assert_no_error(error);
	cw_notify_sim_set_hang(fx->sim, TRUE);
	fixture_enqueue(fx, "entry_fill", "entry", "", 3);
	/* the tick returns at once although one receiver never answers */
	cw_notification_worker_tick(fx->worker);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 2 * G_USEC_PER_SEC);
	for (guint i = 0; i < 50 && fixture_count(fx, "sent") < 3; i++) {
		gint64 until = g_get_monotonic_time() + 100000;
		while (g_get_monotonic_time() < until)
			g_main_context_iteration(NULL, FALSE);
		cw_sim_clock_advance(CW_SIM_CLOCK(fx->clock), 1000);
		cw_notification_worker_tick(fx->worker);
	}
	/* the other notifier delivered everything meanwhile */
	g_assert_cmpuint(cw_notify_sim_get_requests(good)->len, >=, 1);
	g_assert_cmpuint(fixture_count(fx, "sent"), ==, 3);
	g_assert_cmpuint(fixture_count(fx, "pending"), ==, 3);
	cw_notification_worker_stop(fx->worker);
}

/* sendMessage requests to chat_id so far. */
static GPtrArray *
fixture_replies(Fixture *fx, gint64 chat_id)
{
	GPtrArray *reqs = cw_notify_sim_get_requests(fx->sim);
	GPtrArray *out = g_ptr_array_new();

	for (guint i = 0; i < reqs->len; i++) {
		CwSimRequest *r = g_ptr_array_index(reqs, i);
		if (g_str_has_suffix(r->path, "/sendMessage") && r->chat_id == chat_id)
			g_ptr_array_add(out, r);
	}
	return out;
}

/* Ticks (polls) and pumps until chat_id has n replies, bounded. */
static void
fixture_wait_replies(Fixture *fx, gint64 chat_id, guint n)
{
	gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

	while (g_get_monotonic_time() < deadline) {
		g_autoptr(GPtrArray) replies = fixture_replies(fx, chat_id);
		if (replies->len >= n)
			return;
		cw_notification_worker_tick(fx->worker);
		for (guint i = 0; i < 20; i++)
			g_main_context_iteration(NULL, FALSE);
		g_usleep(2000);
	}
}

static void
test_telegram_commands(Fixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) replies = NULL;
	g_autoptr(GPtrArray) commands = NULL;
	g_autoptr(GPtrArray) modes = NULL;
	CwStoreBot bot = {0};
	CwSimRequest *last;

	fixture_configure(fx, "[{\"name\":\"tg\",\"type\":\"telegram\",\"base_url\":\"%s\","
			      "\"chat_id\":42,\"token_env\":\"CW_TEST_TG_TOKEN\",\"commands\":true,"
			      "\"poll_timeout_s\":0}]");
	g_assert_cmpint(cw_store_bot_add(fx->store, "bot-a", "{}", TRUE, &error), >, 0);
	g_assert_true(cw_store_bot_get(fx->store, "bot-a", &bot, &error));

	/* from a chat that is not allowed: ignored and counted */
	cw_notify_sim_push_message(fx->sim, 99, "/halt bot-a confirm");
	cw_notify_sim_push_message(fx->sim, 42, "/status");
	fixture_wait_replies(fx, 42, 1);
	replies = fixture_replies(fx, 42);
	g_assert_cmpuint(replies->len, ==, 1);
	last = g_ptr_array_index(replies, 0);
	g_assert_nonnull(strstr(last->text, "bot-a: "));
	g_clear_pointer(&replies, g_ptr_array_unref);
	replies = fixture_replies(fx, 99);
	g_assert_cmpuint(replies->len, ==, 0);
	g_assert_cmpuint(cw_notification_worker_get_n_ignored(fx->worker), ==, 1);
	g_clear_pointer(&replies, g_ptr_array_unref);
	g_assert_cmpint(cw_bot_admin_get_mode(fx->store, bot.id, NULL), ==, CW_BOT_MODE_ACTIVE);

	/* a mutating command asks first */
	cw_notify_sim_push_message(fx->sim, 42, "/halt bot-a");
	fixture_wait_replies(fx, 42, 2);
	replies = fixture_replies(fx, 42);
	g_assert_cmpuint(replies->len, ==, 2);
	last = g_ptr_array_index(replies, 1);
	g_assert_nonnull(strstr(last->text, "confirm"));
	g_clear_pointer(&replies, g_ptr_array_unref);
	g_assert_cmpint(cw_bot_admin_get_mode(fx->store, bot.id, NULL), ==, CW_BOT_MODE_ACTIVE);

	cw_notify_sim_push_message(fx->sim, 42, "/halt bot-a confirm");
	fixture_wait_replies(fx, 42, 3);
	replies = fixture_replies(fx, 42);
	g_assert_cmpuint(replies->len, ==, 3);
	g_assert_cmpint(cw_bot_admin_get_mode(fx->store, bot.id, NULL), ==, CW_BOT_MODE_HALTED);
	/* journalled, with the chat id */
	modes = cw_store_events_query(fx->store, -1, "MODE_CHANGED", 0, 0, NULL);
	g_assert_cmpuint(modes->len, ==, 1);
	g_assert_nonnull(strstr(((CwStoreEvent *) g_ptr_array_index(modes, 0))->payload, "tg:42"));
	commands = cw_store_events_query(fx->store, -1, "NOTIFIER_COMMAND", 0, 0, NULL);
	g_assert_cmpuint(commands->len, ==, 3);
	cw_store_bot_clear(&bot);
}

/* The last reply to chat_id after sending it text. */
static char *
fixture_ask(Fixture *fx, gint64 chat_id, const char *text)
{
	g_autoptr(GPtrArray) before = fixture_replies(fx, chat_id);
	g_autoptr(GPtrArray) after = NULL;

	cw_notify_sim_push_message(fx->sim, chat_id, text);
	fixture_wait_replies(fx, chat_id, before->len + 1);
	after = fixture_replies(fx, chat_id);
	g_assert_cmpuint(after->len, ==, before->len + 1);
	return g_strdup(((CwSimRequest *) g_ptr_array_index(after, after->len - 1))->text);
}

/* /balance, /daily [n] from the store; /close asks first, then (without a
 * running service here) leaves a close request for it. */
static void
test_telegram_balance_daily_close(Fixture *fx, gconstpointer data)
{
	/* 2023-11-15 12:00 UTC */
	const gint64 noon = G_GINT64_CONSTANT(1700049600000);
	const gint64 day = 24 * 3600 * G_GINT64_CONSTANT(1000);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) requests = NULL;
	g_autofree char *answer = NULL;
	g_autofree char *request = NULL;
	CwTrade trade = {.symbol = g_quark_from_static_string("BTCUSDT"),
			 .direction = CW_DIRECTION_LONG,
			 .entry_price = 100,
			 .exit_price = 110,
			 .qty = 1,
			 .net_pnl = 10};
	CwPosition pos = {.symbol = g_quark_from_static_string("ETHUSDT"),
			  .direction = CW_DIRECTION_SHORT,
			  .qty = 2,
			  .entry_price = 2000};
	CwStoreMetrics m = {.bot_name = "bot-a", .time = noon, .equity = 10016.5};
	gint64 a, b;

	fixture_configure(fx, "[{\"name\":\"tg\",\"type\":\"telegram\",\"base_url\":\"%s\","
			      "\"chat_id\":42,\"token_env\":\"CW_TEST_TG_TOKEN\",\"commands\":true,"
			      "\"poll_timeout_s\":0}]");
	a = cw_store_bot_add(fx->store, "bot-a", "{}", TRUE, &error);
	b = cw_store_bot_add(fx->store, "bot-b", "{}", TRUE, &error);
	g_assert_no_error(error);
	/* bot-a: +10 today, -4 and +10 yesterday, +10 a week ago */
	for (guint i = 0; i < 4; i++) {
		static const gint64 days_ago[] = {0, 1, 1, 8};
		trade.exit_time = noon - days_ago[i] * day - 3600000 + i;
		trade.entry_time = trade.exit_time - 60000;
		trade.seq = i;
		trade.net_pnl = i == 2 ? -4 : 10;
		g_assert_cmpint(
		    cw_store_insert_trade(fx->store, NULL, "bot-a", "s", &trade, &error), >, 0);
	}
	g_assert_cmpint(cw_store_insert_metrics(fx->store, &m, &error), >, 0);
	g_assert_true(cw_store_position_save(fx->store, b, "s", &pos, NULL, &error));
	g_assert_no_error(error);
	cw_sim_clock_set(CW_SIM_CLOCK(fx->clock), noon);

	answer = fixture_ask(fx, 42, "/balance");
	g_assert_nonnull(strstr(answer, "bot-a: equity 10016.50, realised +26.00 (4 trades)\n"));
	g_assert_nonnull(strstr(answer, "bot-b: equity unknown yet, realised +0.00 (0 trades), "
					"open short 2 ETHUSDT @ 2000\n"));
	g_assert_nonnull(
	    strstr(answer, "total: equity 10016.50, realised +26.00, 1 open position"));
	g_clear_pointer(&answer, g_free);

	answer = fixture_ask(fx, 42, "/daily 3");
	g_assert_cmpstr(answer, ==,
			"2023-11-13: 0 trades, PnL +0.00\n"
			"2023-11-14: 2 trades, PnL +6.00\n"
			"2023-11-15: 1 trades, PnL +10.00\n");
	g_clear_pointer(&answer, g_free);
	/* the default is 7 days */
	answer = fixture_ask(fx, 42, "/daily");
	g_assert_true(g_str_has_prefix(answer, "2023-11-09: 0 trades"));
	g_assert_true(g_str_has_suffix(answer, "2023-11-15: 1 trades, PnL +10.00\n"));
	g_clear_pointer(&answer, g_free);
	answer = fixture_ask(fx, 42, "/daily 0");
	g_assert_nonnull(strstr(answer, "usage: /daily [N]"));
	g_clear_pointer(&answer, g_free);

	/* /close: a confirmation first, nothing asked of the service yet */
	answer = fixture_ask(fx, 42, "/close bot-a");
	g_assert_nonnull(strstr(answer, "confirm"));
	g_clear_pointer(&answer, g_free);
	request = cw_store_state_get(fx->store, a, "close_request", &error);
	g_assert_null(request);
	answer = fixture_ask(fx, 42, "/close bot-a confirm");
	g_assert_nonnull(strstr(answer, "/close bot-a: requested"));
	g_clear_pointer(&answer, g_free);
	request = cw_store_state_get(fx->store, a, "close_request", &error);
	g_assert_nonnull(request);
	requests = cw_store_events_query(fx->store, a, "CLOSE_REQUESTED", 0, 0, &error);
	g_assert_cmpuint(requests->len, ==, 1);
	g_assert_nonnull(
	    strstr(((CwStoreEvent *) g_ptr_array_index(requests, 0))->payload, "tg:42"));
	answer = fixture_ask(fx, 42, "/close nobody confirm");
	g_assert_nonnull(strstr(answer, "/close nobody failed: no bot named 'nobody'"));
}

static void
test_daily_summary(Fixture *fx, gconstpointer data)
{
	/* 2023-11-15 20:00 in Berlin (CET, UTC+1) */
	const gint64 fire = G_GINT64_CONSTANT(1700074800000);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) rows = NULL;
	g_autoptr(CwNotificationWorker) again = NULL;
	CwTrade trade = {.symbol = g_quark_from_static_string("BTCUSDT"),
			 .direction = CW_DIRECTION_LONG,
			 .entry_price = 100,
			 .exit_price = 110,
			 .qty = 1,
			 .net_pnl = 10};
	CwStoreOutboxRow *row;

	fixture_configure(
	    fx, "[{\"name\":\"tg\",\"type\":\"telegram\",\"base_url\":\"%s\","
		"\"chat_id\":42,\"token_env\":\"CW_TEST_TG_TOKEN\","
		"\"daily_summary\":{\"time\":\"20:00\",\"timezone\":\"Europe/Berlin\"}}]");
	g_assert_cmpint(cw_store_bot_add(fx->store, "bot-a", "{}", TRUE, &error), >, 0);
	/* two trades in the day before the summary, one older */
	for (guint i = 0; i < 3; i++) {
		trade.entry_time = fire - (i == 2 ? 30 : 2) * 3600 * 1000 + i;
		trade.exit_time = trade.entry_time + 60000;
		trade.seq = i;
		trade.net_pnl = i == 1 ? -4 : 10;
		g_assert_cmpint(
		    cw_store_insert_trade(fx->store, NULL, "bot-a", "s", &trade, &error), >, 0);
	}
	cw_sim_clock_set(CW_SIM_CLOCK(fx->clock), fire - 60000);
	cw_notification_worker_tick(fx->worker);
	fixture_settle(fx);
	g_assert_cmpuint(fixture_count(fx, NULL), ==, 0);
	cw_sim_clock_set(CW_SIM_CLOCK(fx->clock), fire + 1000);
	cw_notification_worker_tick(fx->worker);
	fixture_settle(fx);
	cw_notification_worker_tick(fx->worker);
	fixture_settle(fx);
	rows = cw_store_outbox_list(fx->store, NULL, NULL);
	g_assert_cmpuint(rows->len, ==, 1);
	row = g_ptr_array_index(rows, 0);
	g_assert_cmpstr(row->key, ==, "cw-daily-2023-11-15-tg");
	g_assert_cmpstr(row->event_type, ==, "daily_summary");
	g_assert_nonnull(strstr(row->body, "bot-a: 2 trades, PnL +6.00"));
	g_assert_nonnull(strstr(row->body, "total: 2 trades"));
	/* a restarted worker does not write it twice */
	again = cw_notification_worker_new(fx->store, fx->clock, fx->router, &error);
	g_assert_no_error(error);
	cw_notification_worker_tick(again);
	g_clear_pointer(&rows, g_ptr_array_unref);
	rows = cw_store_outbox_list(fx->store, NULL, NULL);
	g_assert_cmpuint(rows->len, ==, 1);
	cw_notification_worker_stop(again);
}

static void
test_config_errors_name_the_path(void)
{
	static const struct {
		const char *json;
		const char *message;
	} cases[] = {
	    {"[{\"type\":\"webhook\",\"events\":{\"entry_fil\":\"on\"}}]",
	     "notifications[0].events.entry_fil: unknown event"},
	    {"[{\"type\":\"webhook\",\"events\":{\"entry_fill\":\"loud\"}}]",
	     "notifications[0].events.entry_fill"},
	    {"[{\"name\":\"a\",\"type\":\"webhook\"},{\"name\":\"a\",\"type\":\"telegram\"}]",
	     "notifications[1].name"},
	    {"[{\"type\":\"webhook\",\"bots\":[1]}]", "notifications[0].bots[0]"},
	    {"[{\"type\":\"webhook\",\"daily_summary\":{\"timezone\":\"../etc/passwd\"}}]",
	     "notifications[0].daily_summary.timezone"},
	    {"[7]", "notifications[0]"},
	    {"[{\"name\":\"x\"}]", "notifications[0].type"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(JsonParser) parser = json_parser_new();
		g_autoptr(GError) error = NULL;
		g_autoptr(CwOutboxRouter) router = NULL;
		g_assert_true(json_parser_load_from_data(parser, cases[i].json, -1, NULL));
		router = cw_outbox_router_new_from_json(
		    json_node_get_array(json_parser_get_root(parser)), &error);
		g_assert_null(router);
		g_assert_nonnull(error);
		g_assert_true(error->domain == CW_CONFIG_ERROR);
		g_test_message("case %u: %s", i, error->message);
		g_assert_nonnull(strstr(error->message, cases[i].message));
	}
}

static void
test_feed_disconnected_threshold(Fixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) rows = NULL;

	fixture_configure(fx, "[{\"name\":\"hook\",\"type\":\"webhook\",\"url\":\"%s/hook\","
			      "\"feed_disconnected_after_s\":120}]");
	/* as another component would journal it, by name */
	g_assert_true(cw_outbox_router_route_named(fx->router, fx->store, 0, NULL,
						   "FEED_DISCONNECTED", 1,
						   "{\"disconnected_s\":30}", 101, &error));
	g_assert_true(cw_outbox_router_route_named(fx->router, fx->store, 0, NULL,
						   "FEED_DISCONNECTED", 2,
						   "{\"disconnected_s\":300}", 102, &error));
	g_assert_true(cw_outbox_router_route_named(fx->router, fx->store, 0, NULL, "NO_SUCH_EVENT",
						   3, "{}", 103, &error));
	g_assert_no_error(error);
	rows = cw_store_outbox_list(fx->store, NULL, NULL);
	g_assert_cmpuint(rows->len, ==, 1);
	g_assert_cmpstr(((CwStoreOutboxRow *) g_ptr_array_index(rows, 0))->key, ==,
			"cw-evt102-hook");
	g_assert_cmpstr(((CwStoreOutboxRow *) g_ptr_array_index(rows, 0))->event_type, ==,
			"feed_disconnected");
}

static void
test_writer_routes_in_flush(Fixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwStoreWriter) writer = NULL;
	g_autoptr(GPtrArray) rows = NULL;
	g_autoptr(GPtrArray) events = NULL;
	g_autofree char *key = NULL;
	CwTrade trade = {.symbol = g_quark_from_static_string("BTCUSDT"),
			 .direction = CW_DIRECTION_SHORT,
			 .entry_price = 100,
			 .exit_price = 90,
			 .qty = 2,
			 .net_pnl = 19.5};
	CwPosition pos = {.symbol = trade.symbol, .direction = CW_DIRECTION_SHORT, .qty = 2};
	CwEvent closed = {.type = CW_EVENT_TRADE_CLOSED,
			  .strategy_id = g_quark_from_static_string("s1"),
			  .time = 5,
			  .trade = &trade};
	CwEvent updated = {.type = CW_EVENT_POSITION_UPDATED, .time = 6, .position = &pos};
	CwStoreOutboxRow *row;
	gint64 bot_id;

	fixture_configure(fx, webhook_config);
	bot_id = cw_store_bot_add(fx->store, "bot-a", "{}", TRUE, &error);
	g_assert_no_error(error);
	cw_outbox_router_attach(fx->router, fx->store);
	writer = cw_store_writer_new(fx->store);
	cw_store_writer_event_copy(writer, bot_id, &closed);
	cw_store_writer_event_copy(writer, bot_id, &updated);
	/* the hot path only queued: nothing is in the outbox before the flush */
	g_assert_cmpuint(fixture_count(fx, NULL), ==, 0);
	g_assert_true(cw_store_writer_flush(writer, &error));
	g_assert_no_error(error);
	events = cw_store_events_query(fx->store, -1, "TRADE_CLOSED", 0, 0, NULL);
	g_assert_cmpuint(events->len, ==, 1);
	rows = cw_store_outbox_list(fx->store, NULL, NULL);
	g_assert_cmpuint(rows->len, ==, 1);
	row = g_ptr_array_index(rows, 0);
	key = g_strdup_printf("cw-evt%" G_GINT64_FORMAT "-hook",
			      ((CwStoreEvent *) g_ptr_array_index(events, 0))->seq);
	g_assert_cmpstr(row->key, ==, key);
	g_assert_cmpstr(row->event_type, ==, "exit_fill");
	g_assert_cmpstr(row->bot_name, ==, "bot-a");
	g_assert_cmpstr(row->strategy_id, ==, "s1");
	g_assert_cmpstr(row->title, ==, "bot-a: exit short BTCUSDT, PnL +19.50");
	cw_outbox_router_attach(NULL, fx->store);
}

static gint64
fixture_cursor(Fixture *fx)
{
	g_autoptr(GError) error = NULL;
	gint64 cursor = -1;

	g_assert_true(cw_store_outbox_get_cursor(fx->store, &cursor, &error));
	g_assert_no_error(error);
	return cursor;
}

static gint64
fixture_journal(Fixture *fx, gint64 bot_id, const char *type, const char *payload)
{
	g_autoptr(GError) error = NULL;
	gint64 seq = cw_store_event_append(fx->store, bot_id, NULL, type, T0, payload, &error);

	g_assert_no_error(error);
	g_assert_cmpint(seq, >, 0);
	return seq;
}

/* A restart re-applies each bot's persisted mode (MODE_CHANGED, source
 * "restore"): that is no change, and sends nothing; a guard's is sent. */
static void
test_restore_mode_silent(Fixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gint64 bot_id;
	guint n = 0;

	fixture_configure(fx, webhook_config);
	bot_id = cw_store_bot_add(fx->store, "bot-a", "{}", TRUE, &error);
	g_assert_no_error(error);
	/* journalled unrouted, then routed by the catch-up */
	fixture_journal(fx, bot_id, "MODE_CHANGED", "{\"mode\":\"active\",\"source\":\"restore\"}");
	fixture_journal(fx, bot_id, "MODE_CHANGED", "{\"mode\":\"halted\",\"source\":\"guard\"}");
	cw_outbox_router_attach(fx->router, fx->store);
	g_assert_true(cw_outbox_router_catch_up(fx->router, fx->store, &n, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(fixture_count(fx, NULL), ==, 1);
	{
		g_autoptr(GPtrArray) rows = cw_store_outbox_list(fx->store, NULL, NULL);
		CwStoreOutboxRow *row = g_ptr_array_index(rows, 0);

		g_assert_true(strstr(row->key, "cw-evt") != NULL);
		g_assert_cmpstr(row->event_type, ==, "mode_changed");
	}
}

/* The routing cursor: an event journalled with no router attached (a CLI
 * command without the service config) is routed, once, by the next
 * process that has one: when it journals an event of its own (in that
 * event's transaction) or catches up; a catch-up that rolls back (a
 * crash before the commit) moves neither the outbox nor the cursor. */
static void
test_routing_cursor(Fixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) rows = NULL;
	gint64 bot_id, cli, own, later;
	guint n = 99;

	fixture_configure(fx, webhook_config);
	bot_id = cw_store_bot_add(fx->store, "bot-a", "{}", TRUE, &error);
	g_assert_no_error(error);
	g_assert_cmpint(fixture_cursor(fx), ==, 0);
	/* no router: journalled only, the cursor stays */
	cli =
	    fixture_journal(fx, bot_id, "MODE_CHANGED", "{\"mode\":\"halted\",\"source\":\"cli\"}");
	g_assert_cmpint(fixture_cursor(fx), ==, 0);
	g_assert_cmpuint(fixture_count(fx, NULL), ==, 0);
	/* a process with the router journals an event of its own (which it
	 * routes itself, or deliberately not): the older one is routed first */
	cw_outbox_router_attach(fx->router, fx->store);
	own = fixture_journal(fx, 0, "HEALTH_WARNING", "{\"check\":\"x\"}");
	g_assert_cmpint(fixture_cursor(fx), ==, own);
	rows = cw_store_outbox_list(fx->store, NULL, NULL);
	g_assert_cmpuint(rows->len, ==, 1);
	{
		g_autofree char *key = g_strdup_printf("cw-evt%" G_GINT64_FORMAT "-hook", cli);
		CwStoreOutboxRow *row = g_ptr_array_index(rows, 0);
		g_assert_cmpstr(row->key, ==, key);
		g_assert_cmpstr(row->event_type, ==, "mode_changed");
	}
	g_assert_true(cw_outbox_router_catch_up(fx->router, fx->store, &n, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(n, ==, 0);
	g_assert_cmpuint(fixture_count(fx, NULL), ==, 1);
	/* another unrouted one; a catch-up whose transaction never commits */
	cw_outbox_router_attach(NULL, fx->store);
	later = fixture_journal(fx, bot_id, "KILL_SWITCH", "{\"halted\":true,\"source\":\"cli\"}");
	g_assert_true(cw_store_begin(fx->store, &error));
	g_assert_true(cw_outbox_router_catch_up(fx->router, fx->store, &n, &error));
	g_assert_cmpuint(n, ==, 1);
	g_assert_cmpuint(fixture_count(fx, NULL), ==, 2);
	g_assert_true(cw_store_rollback(fx->store, &error));
	g_assert_cmpuint(fixture_count(fx, NULL), ==, 1);
	g_assert_cmpint(fixture_cursor(fx), ==, own);
	/* done again: routed once, then nothing is left */
	for (guint i = 0; i < 2; i++) {
		g_assert_true(cw_outbox_router_catch_up(fx->router, fx->store, &n, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(n, ==, i == 0 ? 1 : 0);
		g_assert_cmpuint(fixture_count(fx, NULL), ==, 2);
		g_assert_cmpint(fixture_cursor(fx), ==, later);
	}
}

/* A cursor that cannot be read routes nothing and says which row; the
 * journal goes on. */
static void
test_routing_cursor_unreadable(Fixture *fx, gconstpointer data)
{
	g_autofree char *path = g_build_filename(fx->dir, "cw.db", NULL);
	static const char *const damage[] = {
	    "UPDATE outbox_cursor SET routed_seq = 'x'",
	    "DELETE FROM outbox_cursor",
	};
	static const char *const says[] = {
	    "outbox_cursor row 1, column routed_seq: 'x' is not a sequence number",
	    "outbox_cursor row 1 is missing",
	};

	fixture_configure(fx, webhook_config);
	for (guint i = 0; i < G_N_ELEMENTS(damage); i++) {
		g_autoptr(GError) error = NULL;
		sqlite3 *db = NULL;
		gint64 cursor = 0;
		guint n = 0;

		g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
		g_assert_cmpint(sqlite3_exec(db, damage[i], NULL, NULL, NULL), ==, SQLITE_OK);
		sqlite3_close(db);
		g_assert_false(cw_outbox_router_catch_up(fx->router, fx->store, &n, &error));
		g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT);
		g_assert_nonnull(strstr(error->message, says[i]));
		g_assert_cmpuint(n, ==, 0);
		g_clear_error(&error);
		/* an event is journalled all the same (logged, the cursor left) */
		cw_outbox_router_attach(fx->router, fx->store);
		g_assert_cmpint(
		    cw_store_event_append(fx->store, 0, NULL, "HEALTH_WARNING", T0, NULL, &error),
		    >, 0);
		g_assert_no_error(error);
		cw_outbox_router_attach(NULL, fx->store);
		g_assert_false(cw_store_outbox_get_cursor(fx->store, &cursor, &error));
		g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT);
	}
}

/* Delivery failures are logged as warnings, which the tests cause on
 * purpose: they are printed, never fatal, and never carry the token. */
static GLogWriterOutput
test_log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
	for (gsize i = 0; i < n_fields; i++) {
		const char *message = fields[i].value;
		if (g_strcmp0(fields[i].key, "MESSAGE") != 0)
			continue;
		g_assert_null(strstr(message, TEST_TOKEN));
		if ((level & G_LOG_LEVEL_WARNING) != 0 &&
		    g_str_has_prefix(message, "notifications: ")) {
			g_printerr("# %s\n", message);
			return G_LOG_WRITER_HANDLED;
		}
	}
	return g_log_writer_default(level, fields, n_fields, data);
}

/* The journal's reconcile discrepancies (RECONCILE_DISCREPANCY, written by
 * the recovery) reach the notifiers as `reconciliation`. */
static void
test_reconcile_discrepancy_kind(void)
{
	g_assert_cmpstr(cw_outbox_router_kind_for_event("RECONCILE_DISCREPANCY"), ==,
			"reconciliation");
	g_assert_cmpstr(cw_outbox_router_kind_for_event("RECONCILIATION_DISCREPANCY"), ==,
			"reconciliation");
	g_assert_null(cw_outbox_router_kind_for_event("RECONCILE"));
}

/* An own order cancelled or claimed back at reconcile (RECONCILE_CANCEL,
 * RECONCILE_ADOPT, written by the runtime) reaches the notifiers as
 * `order_reconciled`, a warning, with the event's payload. */
static void
test_reconcile_order_events(Fixture *fx, gconstpointer data)
{
	static const char *const payload =
	    "{\"what\":\"order\",\"client_order_id\":\"cw-7-1\",\"store\":\"none\","
	    "\"venue\":\"working\"}";
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) rows = NULL;

	g_assert_cmpstr(cw_outbox_router_kind_for_event("RECONCILE_CANCEL"), ==,
			"order_reconciled");
	g_assert_cmpstr(cw_outbox_router_kind_for_event("RECONCILE_ADOPT"), ==, "order_reconciled");
	fixture_configure(fx, "[{\"name\":\"hook\",\"type\":\"webhook\",\"url\":\"%s/hook\"}]");
	g_assert_true(cw_outbox_router_route_named(fx->router, fx->store, 0, NULL,
						   "RECONCILE_CANCEL", 1, payload, 201, &error));
	g_assert_true(cw_outbox_router_route_named(fx->router, fx->store, 0, NULL,
						   "RECONCILE_ADOPT", 2, payload, 202, &error));
	g_assert_no_error(error);
	rows = cw_store_outbox_list(fx->store, NULL, NULL);
	g_assert_cmpuint(rows->len, ==, 2);
	for (guint i = 0; i < rows->len; i++) {
		const CwStoreOutboxRow *row = g_ptr_array_index(rows, i);

		g_assert_cmpstr(row->event_type, ==, "order_reconciled");
		g_assert_cmpstr(row->level, ==, "warning");
		g_assert_nonnull(strstr(row->body, "cw-7-1"));
	}
}

int
main(int argc, char **argv)
{
	g_setenv("CW_TEST_TG_TOKEN", TEST_TOKEN, TRUE);
	g_setenv("CW_TEST_WH_SECRET", TEST_SECRET, TRUE);
	g_test_init(&argc, &argv, NULL);
	g_log_set_writer_func(test_log_writer, NULL, NULL);
	cw_notifications_register_types();
	g_test_add_func("/notifications/delivery/reconcile-discrepancy-kind",
			test_reconcile_discrepancy_kind);
#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)
	ADD("/notifications/delivery/reconcile-order-events", test_reconcile_order_events);
	ADD("/notifications/delivery/routing-cursor", test_routing_cursor);
	ADD("/notifications/delivery/restore-mode-silent", test_restore_mode_silent);
	ADD("/notifications/delivery/routing-cursor-unreadable", test_routing_cursor_unreadable);
	ADD("/notifications/delivery/telegram-balance-daily-close",
	    test_telegram_balance_daily_close);
	ADD("/notifications/delivery/webhook-fails-then-once",
	    test_webhook_fails_then_delivered_once);
	ADD("/notifications/delivery/webhook-down-ten-minutes", test_webhook_down_ten_minutes);
	ADD("/notifications/delivery/webhook-dead-letter-retry",
	    test_webhook_dead_letter_and_retry);
	ADD("/notifications/delivery/webhook-retry-after", test_webhook_retry_after);
	ADD("/notifications/delivery/telegram-retry-after", test_telegram_retry_after);
	ADD("/notifications/delivery/telegram-burst-coalesced", test_telegram_burst_coalesced);
	ADD("/notifications/delivery/telegram-silent", test_telegram_silent);
	ADD("/notifications/delivery/telegram-migrated-chat", test_telegram_migrated_chat);
	ADD("/notifications/delivery/telegram-group-rate", test_telegram_group_rate);
	ADD("/notifications/delivery/telegram-forbidden-dead", test_telegram_forbidden_dead);
	ADD("/notifications/delivery/telegram-long-split", test_telegram_long_split);
	ADD("/notifications/delivery/telegram-chat-not-found-dead",
	    test_telegram_chat_not_found_dead);
	ADD("/notifications/delivery/hanging-receiver-isolated", test_hanging_receiver_isolated);
	ADD("/notifications/commands/telegram", test_telegram_commands);
	ADD("/notifications/daily-summary", test_daily_summary);
	ADD("/notifications/writer-routes-in-flush", test_writer_routes_in_flush);
	ADD("/notifications/feed-disconnected-threshold", test_feed_disconnected_threshold);
	g_test_add_func("/notifications/config-errors-name-the-path",
			test_config_errors_name_the_path);
	return g_test_run();
}
