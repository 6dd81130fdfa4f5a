/* End to end: `candlewick serve` (the real executable, a real SQLite file)
 * with a webhook notifier pointing at a local Standard Webhooks receiver
 * in this process (tests/notifications/cw-notify-sim.c). */
#include <signal.h>
#include <string.h>

#include "cw-notify-sim.h"
#include "cw-test-utils.h"

#define TEST_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

typedef struct {
	char *tmpdir;
	char *data;
	CwClock *clock;
	CwNotifySim *sim;
	char *url;
} Fixture;

static void
fixture_setup(Fixture *fx, gconstpointer user_data)
{
	g_autofree guchar *secret = NULL;
	gsize len = 0;

	fx->tmpdir = cw_test_tmpdir("cw-e2e-notify-XXXXXX");
	fx->data = cw_test_synth_in(fx->tmpdir, "20", "7");
	fx->clock = cw_wall_clock_new();
	secret = g_base64_decode(TEST_SECRET + strlen("whsec_"), &len);
	fx->sim = cw_notify_sim_new(fx->clock, "unused", secret, len);
	fx->url = cw_notify_sim_url(fx->sim);
}

static void
fixture_teardown(Fixture *fx, gconstpointer user_data)
{
	g_clear_pointer(&fx->sim, cw_notify_sim_free);
	g_clear_object(&fx->clock);
	cw_test_rm_rf(fx->tmpdir);
	g_free(fx->tmpdir);
	g_free(fx->data);
	g_free(fx->url);
}

/* ema-trend on a replay of the synthetic file at speed. */
static void
fixture_add_bot_speed(Fixture *fx, const char *db, double speed)
{
	g_autofree char *example = cw_test_example("ema-trend.json");
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *root = cw_test_load_json(parser, example);
	JsonObject *feed = json_object_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree char *path = g_build_filename(fx->tmpdir, "bot.json", NULL);
	g_autofree char *text = NULL;

	json_object_set_string_member(root, "name", "btc-ema");
	json_object_set_string_member(feed, "type", "replay");
	json_object_set_string_member(feed, "path", fx->data);
	json_object_set_double_member(feed, "speed", speed);
	json_object_set_object_member(root, "feed", feed);
	json_generator_set_root(gen, json_parser_get_root(parser));
	text = json_generator_to_data(gen, NULL);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	g_assert_cmpint(cw_test_run(NULL, NULL, "bots", "add", "--db", db, "--config", path, NULL),
			==, 0);
}

/* The same, fast. */
static void
fixture_add_bot(Fixture *fx, const char *db)
{
	fixture_add_bot_speed(fx, db, 200000);
}

static char *
fixture_service_config(Fixture *fx, const char *name, const char *notifications)
{
	g_autofree char *path = g_build_filename(fx->tmpdir, name, NULL);
	g_autofree char *text =
	    g_strdup_printf("{\"poll_interval_s\":0.2,\"flush_interval_s\":0.05,"
			    "\"notifications\":%s}",
			    notifications);

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	return g_steal_pointer(&path);
}

static void
serve_exited_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	gboolean *exited = user_data;

	g_subprocess_wait_finish(G_SUBPROCESS(source), result, NULL);
	*exited = TRUE;
}

static gboolean serve_exited[16];

static GSubprocess *
serve_start(Fixture *fx, const char *db, const char *config, gboolean exit_when_idle, guint index)
{
	g_autoptr(GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
	g_autofree char *log = g_strdup_printf("%s/serve-%u.log", fx->tmpdir, index);
	g_autoptr(GError) error = NULL;
	GSubprocess *proc;
	const char *argv[] = {cw_test_exe(),
			      "serve",
			      "--db",
			      db,
			      "--service-config",
			      config,
			      exit_when_idle ? "--exit-when-idle" : NULL,
			      NULL};

	g_subprocess_launcher_set_stderr_file_path(launcher, log);
	g_subprocess_launcher_unsetenv(launcher, "NOTIFY_SOCKET");
	g_subprocess_launcher_unsetenv(launcher, "CW_DB");
	g_subprocess_launcher_setenv(launcher, "CW_TEST_WH_SECRET", TEST_SECRET, TRUE);
	/* the token the local Telegram server was made with */
	g_subprocess_launcher_setenv(launcher, "CW_TEST_TG_TOKEN", "unused", TRUE);
	proc = g_subprocess_launcher_spawnv(launcher, argv, &error);
	g_assert_no_error(error);
	serve_exited[index] = FALSE;
	g_object_set_data(G_OBJECT(proc), "cw-exited", &serve_exited[index]);
	g_subprocess_wait_async(proc, NULL, serve_exited_cb, &serve_exited[index]);
	return proc;
}

/* Pumps the main loop (the receiver lives on it) until proc exits. */
static int
serve_wait(GSubprocess *proc, guint timeout_ms)
{
	CwTestDeadline d = cw_test_deadline(timeout_ms);
	gboolean *exited = g_object_get_data(G_OBJECT(proc), "cw-exited");

	while (!*exited) {
		for (guint i = 0; i < 50 && g_main_context_iteration(NULL, FALSE); i++)
			;
		if (!cw_test_deadline_wait(&d, 5)) {
			g_subprocess_send_signal(proc, SIGKILL);
			return -2;
		}
	}
	if (g_subprocess_get_if_signaled(proc))
		return 128 + g_subprocess_get_term_sig(proc);
	return g_subprocess_get_exit_status(proc);
}

/* Pumps the loop until sql gives at least min (or the deadline passes). */
static gboolean
pump_until(const char *db, const char *sql, gint64 min, guint timeout_ms)
{
	CwTestDeadline d = cw_test_deadline(timeout_ms);

	do {
		for (guint i = 0; i < 50 && g_main_context_iteration(NULL, FALSE); i++)
			;
		if (cw_test_db_int(db, sql, -1) >= min)
			return TRUE;
	} while (cw_test_deadline_wait(&d, 10));
	return FALSE;
}

static void
test_sigkill_mid_delivery(Fixture *fx, gconstpointer user_data)
{
	g_autofree char *db = g_build_filename(fx->tmpdir, "cw.db", NULL);
	g_autofree char *notifications =
	    g_strdup_printf("[{\"name\":\"hook\",\"type\":\"webhook\",\"url\":\"%s/hook\","
			    "\"secret_env\":\"CW_TEST_WH_SECRET\",\"backoff_initial_s\":0.05,"
			    "\"backoff_max_s\":0.5,\"max_attempts\":100,"
			    "\"events\":{\"stop_moved\":\"off\"}}]",
			    fx->url);
	g_autofree char *config = fixture_service_config(fx, "service.json", notifications);
	GPtrArray *reqs;
	GSubprocess *proc;
	gint64 rows, expected;
	guint kills = 0;

	fixture_add_bot(fx, db);
	/* a slow receiver: delivery lags behind the trading */
	cw_notify_sim_set_delay(fx->sim, 400);
	proc = serve_start(fx, db, config, FALSE, 0);
	g_assert_true(pump_until(db, "SELECT count(*) FROM outbox WHERE state = 'sent'", 2, 60000));
	/* SIGKILL while a request is in flight: the receiver has it, the
	 * answer is not back yet, so its row is still pending */
	{
		CwTestDeadline d = cw_test_deadline(10000);
		gint64 sent;
		do {
			g_main_context_iteration(NULL, FALSE);
			sent = cw_test_db_int(
			    db, "SELECT count(*) FROM outbox WHERE state = 'sent'", 0);
		} while (cw_notify_sim_get_requests(fx->sim)->len <= (guint) sent &&
			 cw_test_deadline_wait(&d, 2));
		g_assert_cmpuint(cw_notify_sim_get_requests(fx->sim)->len, >, (guint) sent);
	}
	g_assert_cmpint(
	    cw_test_db_int(db, "SELECT count(*) FROM outbox WHERE state = 'pending'", 0), >, 0);
	g_subprocess_send_signal(proc, SIGKILL);
	g_assert_cmpint(serve_wait(proc, 10000), ==, 128 + SIGKILL);
	g_object_unref(proc);
	kills++;

	/* the replay to its end, then a run that only delivers what is left */
	cw_notify_sim_set_delay(fx->sim, 0);
	proc = serve_start(fx, db, config, TRUE, 1);
	g_assert_cmpint(serve_wait(proc, 120000), ==, 0);
	g_object_unref(proc);
	proc = serve_start(fx, db, config, FALSE, 2);
	g_assert_true(pump_until(db,
				 "SELECT CASE WHEN count(*) = 0 THEN 1 ELSE 0 END FROM outbox "
				 "WHERE state <> 'sent'",
				 1, 60000));
	g_subprocess_send_signal(proc, SIGTERM);
	g_assert_cmpint(serve_wait(proc, 20000), ==, 0);
	g_object_unref(proc);

	/* every journal event that notifies has its row, and each row arrived */
	expected = cw_test_db_int(db,
				  "SELECT count(*) FROM events WHERE type IN ('POSITION_OPENED', "
				  "'TRADE_CLOSED', 'GUARD_TRIPPED', 'MODE_CHANGED')",
				  -1);
	rows = cw_test_db_int(db, "SELECT count(*) FROM outbox", -1);
	g_assert_cmpint(expected, >, 4);
	g_assert_cmpint(rows, ==, expected);
	g_assert_cmpint(cw_test_db_int(db, "SELECT count(*) FROM outbox WHERE state = 'sent'", -1),
			==, rows);
	reqs = cw_notify_sim_get_requests(fx->sim);
	{
		g_autoptr(GHashTable) bodies = g_hash_table_new(g_str_hash, g_str_equal);
		guint repeats = 0;
		for (guint i = 0; i < reqs->len; i++) {
			CwSimRequest *r = g_ptr_array_index(reqs, i);
			const char *seen;
			g_assert_true(r->signature_ok);
			g_assert_nonnull(r->key);
			seen = g_hash_table_lookup(bodies, r->key);
			/* a repeat carries the same key and the same message */
			if (seen != NULL) {
				repeats++;
				g_assert_cmpstr(seen, ==, r->text);
			} else {
				g_hash_table_insert(bodies, r->key, r->text);
			}
		}
		g_assert_cmpuint(g_hash_table_size(bodies), ==, (guint) rows);
		g_test_message("%" G_GINT64_FORMAT " messages, %u requests, %u repeats, %u kills",
			       rows, reqs->len, repeats, kills);
		/* the one in flight at the kill came again */
		g_assert_cmpuint(repeats, >=, 1);
	}
}

#define TRADES_SQL                                                                                 \
	"SELECT group_concat(line, char(10)) FROM (SELECT strategy_id || ' ' || direction || ' ' " \
	"|| entry_time || ' ' || exit_time || ' ' || printf('%.17g', net_pnl) AS line FROM "       \
	"trading_trades ORDER BY entry_time, seq)"

static void
test_hanging_notifier_changes_no_trade(Fixture *fx, gconstpointer user_data)
{
	g_autofree char *db_a = g_build_filename(fx->tmpdir, "a.db", NULL);
	g_autofree char *db_b = g_build_filename(fx->tmpdir, "b.db", NULL);
	g_autofree char *plain = fixture_service_config(fx, "plain.json", "[]");
	g_autofree char *notifications = g_strdup_printf(
	    "[{\"name\":\"hang\",\"type\":\"webhook\",\"url\":\"%s/hook\",\"timeout_s\":30}]",
	    fx->url);
	g_autofree char *hanging = fixture_service_config(fx, "hang.json", notifications);
	g_autofree char *ta = NULL, *tb = NULL;
	GSubprocess *proc;

	fixture_add_bot(fx, db_a);
	fixture_add_bot(fx, db_b);
	proc = serve_start(fx, db_a, plain, TRUE, 10 - 6);
	g_assert_cmpint(serve_wait(proc, 120000), ==, 0);
	g_object_unref(proc);
	/* a receiver that accepts and never answers */
	cw_notify_sim_set_hang(fx->sim, TRUE);
	proc = serve_start(fx, db_b, hanging, TRUE, 5);
	g_assert_cmpint(serve_wait(proc, 120000), ==, 0);
	g_object_unref(proc);
	ta = cw_test_db_text(db_a, TRADES_SQL);
	tb = cw_test_db_text(db_b, TRADES_SQL);
	g_assert_nonnull(ta);
	g_assert_cmpuint(strlen(ta), >, 0);
	g_assert_cmpstr(ta, ==, tb);
	g_assert_cmpuint(cw_notify_sim_get_requests(fx->sim)->len, >=, 1);
	g_assert_cmpint(
	    cw_test_db_int(db_b, "SELECT count(*) FROM outbox WHERE state = 'pending'", 0), >, 0);
}

static void
test_cli(Fixture *fx, gconstpointer user_data)
{
	g_autofree char *db = g_build_filename(fx->tmpdir, "cli.db", NULL);
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;

	fixture_add_bot(fx, db);
	cw_test_db_exec(db,
			"INSERT INTO outbox (idempotency_key, notifier, event_type, level,"
			" title, body, created_at, state, attempts, next_attempt_at, last_error)"
			" VALUES ('k1', 'hook', 'exit_fill', 'info', 'exit', '', 1, 'dead', 10,"
			" 0, 'POST http://127.0.0.1:1/<redacted>: HTTP 500'),"
			" ('k2', 'hook', 'entry_fill', 'info', 'entry', '', 1, 'sent', 1, 0, NULL),"
			" ('k3', 'tg', 'guard_tripped', 'warning', 'guard', '', 1, 'dead', 1, 0,"
			" 'error 403: Forbidden')");
	g_assert_cmpint(cw_test_run(&out, NULL, "notifications", "list", "--db", db, NULL), ==, 0);
	{
		g_auto(GStrv) lines = g_strsplit(g_strstrip(out), "\n", -1);
		g_assert_cmpuint(g_strv_length(lines), ==, 3);
	}
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(
	    cw_test_run(&out, NULL, "notifications", "list", "--failed", "--db", db, NULL), ==, 0);
	g_assert_nonnull(strstr(out, "1 dead hook exit_fill info attempts=10"));
	g_assert_nonnull(strstr(out, "error=\"POST http://127.0.0.1:1/<redacted>: HTTP 500\""));
	g_assert_null(strstr(out, "k2"));
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(cw_test_run(&out, NULL, "notifications", "retry", "1", "--db", db, NULL),
			==, 0);
	g_assert_cmpint(cw_test_db_int(db, "SELECT attempts FROM outbox WHERE id = 1", -1), ==, 0);
	{
		g_autofree char *state =
		    cw_test_db_text(db, "SELECT state FROM outbox WHERE id = 1");
		g_assert_cmpstr(state, ==, "pending");
	}
	/* not a dead letter any more */
	g_assert_cmpint(cw_test_run(NULL, &err, "notifications", "retry", "1", "--db", db, NULL),
			==, 1);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(cw_test_run(NULL, &err, "notifications", "retry", "--db", db, NULL), ==, 2);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(cw_test_run(NULL, &err, "notifications", "frob", "--db", db, NULL), ==, 2);
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(
	    cw_test_run(&out, NULL, "notifications", "retry", "--all", "--db", db, NULL), ==, 0);
	g_assert_nonnull(strstr(out, "1 dead letter(s)"));
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(cw_test_run(&out, NULL, "notifications", "purge", "--db", db, NULL), ==, 0);
	g_assert_nonnull(strstr(out, "1 row(s) purged"));
	g_assert_cmpint(cw_test_db_int(db, "SELECT count(*) FROM outbox", -1), ==, 2);
}

/* How many requests reached the receiver with part in their body. */
static guint
sim_count(Fixture *fx, const char *part)
{
	GPtrArray *reqs = cw_notify_sim_get_requests(fx->sim);
	guint n = 0;

	for (guint i = 0; i < reqs->len; i++) {
		CwSimRequest *r = g_ptr_array_index(reqs, i);
		if (r->status / 100 == 2 && r->text != NULL && strstr(r->text, part) != NULL)
			n++;
	}
	return n;
}

/* `bots halt` and `halt-all` from the CLI while serve runs the bot: their
 * events get outbox rows in the CLI's own transaction (it is given the
 * service config) and the running service delivers each once; the bot's
 * echo of the halt it applies is not sent again. */
static void
test_cli_changes_delivered(Fixture *fx, gconstpointer user_data)
{
	g_autofree char *db = g_build_filename(fx->tmpdir, "halt.db", NULL);
	g_autofree char *notifications = g_strdup_printf(
	    "[{\"name\":\"hook\",\"type\":\"webhook\",\"url\":\"%s/hook\","
	    "\"secret_env\":\"CW_TEST_WH_SECRET\",\"backoff_initial_s\":0.05,"
	    "\"events\":{\"entry_fill\":\"off\",\"exit_fill\":\"off\",\"stop_moved\":\"off\","
	    "\"guard_tripped\":\"off\"}}]",
	    fx->url);
	g_autofree char *config = fixture_service_config(fx, "service.json", notifications);
	GSubprocess *proc;

	/* slow enough to be running all along */
	fixture_add_bot_speed(fx, db, 2000);
	proc = serve_start(fx, db, config, FALSE, 0);
	g_assert_true(pump_until(db,
				 "SELECT count(*) FROM events WHERE type = 'BOT_STATUS' AND "
				 "json_extract(payload, '$.status') = 'running'",
				 1, 30000));
	g_assert_cmpint(cw_test_db_int(db, "SELECT count(*) FROM outbox", -1), ==, 0);
	g_assert_cmpint(cw_test_run(NULL, NULL, "bots", "halt", "--db", db, "--service-config",
				    config, "btc-ema", NULL),
			==, 0);
	/* written by the CLI itself, before serve even looked */
	g_assert_cmpint(cw_test_db_int(db,
				       "SELECT count(*) FROM outbox WHERE event_type = "
				       "'mode_changed'",
				       -1),
			==, 1);
	/* the bot applies it (its own MODE_CHANGED, source manual) */
	g_assert_true(pump_until(db,
				 "SELECT count(*) FROM events WHERE type = 'MODE_CHANGED' AND "
				 "json_extract(payload, '$.source') = 'manual'",
				 1, 30000));
	g_assert_true(pump_until(db, "SELECT count(*) FROM outbox WHERE state = 'sent'", 1, 30000));
	g_assert_cmpuint(sim_count(fx, "\\\"source\\\":\\\"cli\\\""), ==, 1);
	g_assert_cmpuint(sim_count(fx, "\\\"mode\\\":\\\"halted\\\""), ==, 1);
	g_assert_cmpint(
	    cw_test_run(NULL, NULL, "halt-all", "--db", db, "--service-config", config, NULL), ==,
	    0);
	g_assert_true(pump_until(db, "SELECT count(*) FROM outbox WHERE state = 'sent'", 2, 30000));
	g_subprocess_send_signal(proc, SIGTERM);
	g_assert_cmpint(serve_wait(proc, 20000), ==, 0);
	g_object_unref(proc);
	/* each once, with its key */
	g_assert_cmpint(cw_test_db_int(db, "SELECT count(*) FROM outbox", -1), ==, 2);
	g_assert_cmpuint(sim_count(fx, "\\\"source\\\":\\\"cli\\\""), ==, 2);
	g_assert_cmpuint(sim_count(fx, "\\\"halted\\\":true"), ==, 1);
}

/* A bot that serve puts in `error` (its cursor is beyond the data) is
 * journalled as BOT_ERROR and its bot_error message delivered. */
static void
test_bot_error_delivered(Fixture *fx, gconstpointer user_data)
{
	g_autofree char *db = g_build_filename(fx->tmpdir, "error.db", NULL);
	g_autofree char *notifications =
	    g_strdup_printf("[{\"name\":\"hook\",\"type\":\"webhook\",\"url\":\"%s/hook\","
			    "\"secret_env\":\"CW_TEST_WH_SECRET\",\"backoff_initial_s\":0.05,"
			    "\"events\":{\"entry_fill\":\"off\",\"exit_fill\":\"off\","
			    "\"stop_moved\":\"off\",\"guard_tripped\":\"off\","
			    "\"mode_changed\":\"off\"}}]",
			    fx->url);
	g_autofree char *config = fixture_service_config(fx, "service.json", notifications);
	g_autofree char *level = NULL;
	GSubprocess *proc;

	fixture_add_bot(fx, db);
	/* as after a crash: running, with a cursor no candle of the data has */
	cw_test_db_exec(db, "INSERT INTO bot_state (bot_id, key, value, updated_at) VALUES (1, "
			    "'cursor', '99999999999999', 0); UPDATE trading_bots SET status = "
			    "'running'");
	proc = serve_start(fx, db, config, FALSE, 0);
	g_assert_true(pump_until(db, "SELECT count(*) FROM outbox WHERE state = 'sent'", 1, 60000));
	g_subprocess_send_signal(proc, SIGTERM);
	g_assert_cmpint(serve_wait(proc, 20000), ==, 0);
	g_object_unref(proc);
	{
		g_autofree char *status = cw_test_db_text(db, "SELECT status FROM trading_bots");
		g_assert_cmpstr(status, ==, "error");
	}
	g_assert_cmpint(
	    cw_test_db_int(db,
			   "SELECT count(*) FROM events WHERE type = 'BOT_ERROR' AND "
			   "strategy_id IS NOT NULL AND json_extract(payload, '$.error') "
			   "LIKE '%beyond the data%'",
			   -1),
	    ==, 1);
	level = cw_test_db_text(db, "SELECT level FROM outbox WHERE event_type = 'bot_error'");
	g_assert_cmpstr(level, ==, "critical");
	g_assert_cmpuint(sim_count(fx, "beyond the data"), ==, 1);
}

/* The newest reply of the service to chat_id, NULL when none. */
static const char *
sim_last_reply(Fixture *fx, gint64 chat_id, guint *n)
{
	GPtrArray *reqs = cw_notify_sim_get_requests(fx->sim);
	const char *last = NULL;

	*n = 0;
	for (guint i = 0; i < reqs->len; i++) {
		CwSimRequest *r = g_ptr_array_index(reqs, i);
		if (g_str_has_suffix(r->path, "/sendMessage") && r->chat_id == chat_id) {
			last = r->text;
			(*n)++;
		}
	}
	return last;
}

/* Telegram /close BOT confirm to a running serve: the bot's position is
 * flattened through its guards at once (the worker calls the service's
 * strategy manager), its trade closes as manual_exit. */
static void
test_telegram_close(Fixture *fx, gconstpointer user_data)
{
	g_autofree char *db = g_build_filename(fx->tmpdir, "tgclose.db", NULL);
	g_autofree char *notifications = g_strdup_printf(
	    "[{\"name\":\"tg\",\"type\":\"telegram\",\"base_url\":\"%s\",\"chat_id\":42,"
	    "\"token_env\":\"CW_TEST_TG_TOKEN\",\"commands\":true,\"poll_timeout_s\":0,"
	    "\"events\":{\"entry_fill\":\"off\",\"exit_fill\":\"off\",\"stop_moved\":\"off\","
	    "\"guard_tripped\":\"off\",\"mode_changed\":\"off\"}}]",
	    fx->url);
	g_autofree char *config = fixture_service_config(fx, "service.json", notifications);
	const char *open_sql = "SELECT count(*) FROM trading_positions WHERE qty > 0";
	const char *trade_sql =
	    "SELECT count(*) FROM trading_trades WHERE exit_reason = 'manual_exit'";
	gboolean sent = FALSE;
	GSubprocess *proc;

	/* 5-minute candles at half a second each: positions last seconds */
	fixture_add_bot_speed(fx, db, 600);
	proc = serve_start(fx, db, config, FALSE, 0);
	for (guint attempt = 0; attempt < 20 && !sent; attempt++) {
		guint before = 0, after = 0;
		const char *reply;

		g_assert_true(pump_until(db, open_sql, 1, 60000));
		sim_last_reply(fx, 42, &before);
		cw_notify_sim_push_message(fx->sim, 42, "/close btc-ema confirm");
		{
			CwTestDeadline d = cw_test_deadline(10000);
			do {
				for (guint i = 0; i < 50 && g_main_context_iteration(NULL, FALSE);
				     i++)
					;
				reply = sim_last_reply(fx, 42, &after);
			} while (after == before && cw_test_deadline_wait(&d, 10));
		}
		g_assert_cmpuint(after, ==, before + 1);
		/* it may have closed by itself meanwhile: then take the next one */
		sent = strstr(reply, "close sent through the guards") != NULL;
		if (!sent)
			g_assert_nonnull(strstr(reply, "no open position"));
	}
	g_assert_true(sent);
	g_assert_true(pump_until(db, trade_sql, 1, 30000));
	g_subprocess_send_signal(proc, SIGTERM);
	g_assert_cmpint(serve_wait(proc, 20000), ==, 0);
	g_object_unref(proc);
	g_assert_cmpint(cw_test_db_int(db, trade_sql, -1), ==, 1);
	g_assert_cmpint(
	    cw_test_db_int(db,
			   "SELECT count(*) FROM events WHERE type = 'MANUAL_CLOSE' AND "
			   "json_extract(payload, '$.source') = 'tg:42' AND "
			   "json_extract(payload, '$.outcome') = 'sent'",
			   -1),
	    ==, 1);
}

/* serve_start(), then waits until the bot runs. */
static GSubprocess *
serve_start_running(Fixture *fx, const char *db, const char *config)
{
	GSubprocess *proc = serve_start(fx, db, config, FALSE, 0);

	g_assert_true(pump_until(db,
				 "SELECT count(*) FROM events WHERE type = 'BOT_STATUS' AND "
				 "json_extract(payload, '$.status') = 'running'",
				 1, 30000));
	return proc;
}

/* SIGTERM, a clean exit, and the process released. */
static void
serve_stop(GSubprocess *proc)
{
	g_subprocess_send_signal(proc, SIGTERM);
	g_assert_cmpint(serve_wait(proc, 20000), ==, 0);
	g_object_unref(proc);
}

/* Telegram to the local Bot API server, chat 42: only mode changes. */
static char *
fixture_telegram_config(Fixture *fx)
{
	g_autofree char *notifications = g_strdup_printf(
	    "[{\"name\":\"tg\",\"type\":\"telegram\",\"base_url\":\"%s\",\"chat_id\":42,"
	    "\"token_env\":\"CW_TEST_TG_TOKEN\",\"events\":{\"entry_fill\":\"off\","
	    "\"exit_fill\":\"off\",\"stop_moved\":\"off\",\"guard_tripped\":\"off\","
	    "\"bot_stalled\":\"off\",\"bot_restarted\":\"off\",\"bot_error\":\"off\","
	    "\"health_warning\":\"off\",\"feed_disconnected\":\"off\","
	    "\"feed_recovered\":\"off\",\"reconciliation\":\"off\",\"order_reconciled\":\"off\","
	    "\"daily_summary\":\"off\"}}]",
	    fx->url);

	return fixture_service_config(fx, "service.json", notifications);
}

/* `bots halt NAME` with neither --service-config nor $CW_SERVICE_CONFIG. */
static void
cli_halt_without_config(const char *db)
{
	const char *env[] = {"CW_SERVICE_CONFIG", NULL};
	g_autofree char *err = NULL;
	int status = cw_test_run_env(env, NULL, &err, "bots", "halt", "--db", db, "btc-ema", NULL);

	if (status != 0)
		g_printerr("bots halt: %s\n", err);
	g_assert_cmpint(status, ==, 0);
}

/* Pumps the loop for ms (repeats would arrive meanwhile). */
static void
pump_for(guint ms)
{
	CwTestDeadline d = cw_test_deadline(ms);

	do {
		for (guint i = 0; i < 50 && g_main_context_iteration(NULL, FALSE); i++)
			;
	} while (cw_test_deadline_wait(&d, 10));
}

/* Exactly one Telegram message reached chat 42 for the halt, and its
 * outbox row carries the key of the CLI's event. (A bot that restores its
 * snapshot on a restart reports its restored mode too: that is another
 * message, "restore: ...".) */
static void
assert_one_halt_message(Fixture *fx, const char *db)
{
	GPtrArray *reqs = cw_notify_sim_get_requests(fx->sim);
	guint n = 0;

	for (guint i = 0; i < reqs->len; i++) {
		CwSimRequest *r = g_ptr_array_index(reqs, i);
		if (g_str_has_suffix(r->path, "/sendMessage") && r->chat_id == 42 &&
		    r->status / 100 == 2 && strstr(r->text, "mode changed") != NULL &&
		    strstr(r->text, "halted") != NULL)
			n++;
	}
	if (n != 1) {
		g_autofree char *rows = cw_test_db_dump(
		    db, "SELECT idempotency_key, event_type, state, title, body FROM outbox");
		g_printerr("%u halt messages; outbox:\n%s", n, rows);
	}
	g_assert_cmpuint(n, ==, 1);
	g_assert_cmpint(cw_test_db_int(db,
				       "SELECT count(*) FROM outbox WHERE state = 'sent' AND "
				       "event_type = 'mode_changed' AND idempotency_key = 'cw-evt' "
				       "|| (SELECT seq FROM events WHERE type = 'MODE_CHANGED' AND "
				       "json_extract(payload, '$.source') = 'cli') || '-tg'",
				       -1),
			==, 1);
	g_assert_cmpint(
	    cw_test_db_int(db, "SELECT count(*) FROM outbox WHERE body LIKE '%halted%'", -1), ==,
	    1);
}

/* A halt from the CLI without the service config while serve runs: the
 * CLI journals it and routes nothing; serve, which owns the notifier
 * config, routes it on its database poll, and Telegram gets it once. */
static void
test_cli_change_without_service_config_delivered(Fixture *fx, gconstpointer user_data)
{
	g_autofree char *db = g_build_filename(fx->tmpdir, "noconfig.db", NULL);
	g_autofree char *config = fixture_telegram_config(fx);
	GSubprocess *proc;

	fixture_add_bot_speed(fx, db, 2000);
	proc = serve_start_running(fx, db, config);
	g_assert_cmpint(cw_test_db_int(db, "SELECT count(*) FROM outbox", -1), ==, 0);
	cli_halt_without_config(db);
	g_assert_true(pump_until(db, "SELECT count(*) FROM outbox WHERE state = 'sent'", 1, 30000));
	/* the bot applies the halt meanwhile; nothing more may come */
	g_assert_true(pump_until(db,
				 "SELECT count(*) FROM events WHERE type = 'MODE_CHANGED' AND "
				 "json_extract(payload, '$.source') = 'manual'",
				 1, 30000));
	pump_for(1500);
	serve_stop(proc);
	assert_one_halt_message(fx, db);
}

/* The same halt while serve is stopped: it is delivered once, after
 * serve starts again, and a further restart sends nothing more. */
static void
test_cli_change_while_serve_stopped_delivered(Fixture *fx, gconstpointer user_data)
{
	g_autofree char *db = g_build_filename(fx->tmpdir, "stopped.db", NULL);
	g_autofree char *config = fixture_telegram_config(fx);
	GSubprocess *proc;

	fixture_add_bot_speed(fx, db, 2000);
	proc = serve_start_running(fx, db, config);
	serve_stop(proc);
	cli_halt_without_config(db);
	g_assert_cmpint(cw_test_db_int(db, "SELECT count(*) FROM outbox", -1), ==, 0);
	for (guint run = 1; run <= 2; run++) {
		proc = serve_start(fx, db, config, FALSE, run);
		g_assert_true(
		    pump_until(db, "SELECT count(*) FROM outbox WHERE state = 'sent'", 1, 30000));
		pump_for(1500);
		serve_stop(proc);
		assert_one_halt_message(fx, db);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/e2e/notifications/sigkill-mid-delivery", Fixture, NULL, fixture_setup,
		   test_sigkill_mid_delivery, fixture_teardown);
	g_test_add("/e2e/notifications/hanging-notifier-changes-no-trade", Fixture, NULL,
		   fixture_setup, test_hanging_notifier_changes_no_trade, fixture_teardown);
	g_test_add("/e2e/notifications/cli", Fixture, NULL, fixture_setup, test_cli,
		   fixture_teardown);
	g_test_add("/e2e/notifications/cli-changes-delivered", Fixture, NULL, fixture_setup,
		   test_cli_changes_delivered, fixture_teardown);
	g_test_add("/e2e/notifications/bot-error-delivered", Fixture, NULL, fixture_setup,
		   test_bot_error_delivered, fixture_teardown);
	g_test_add("/e2e/notifications/telegram-close", Fixture, NULL, fixture_setup,
		   test_telegram_close, fixture_teardown);
	g_test_add("/e2e/notifications/cli-change-without-service-config-delivered", Fixture, NULL,
		   fixture_setup, test_cli_change_without_service_config_delivered,
		   fixture_teardown);
	g_test_add("/e2e/notifications/cli-change-while-serve-stopped-delivered", Fixture, NULL,
		   fixture_setup, test_cli_change_while_serve_stopped_delivered, fixture_teardown);
	return g_test_run();
}
