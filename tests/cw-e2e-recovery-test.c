/* Recovery never sends an order twice: a bot on the "counting" venue (a
 * test module that is not simulated on candles, keeps its book in its own
 * file and logs every client order id it is asked to submit) is SIGKILLed
 * 30 times while it trades, each time at a seeded random moment, and
 * restarted: no client order id reaches the venue twice. And a stop that
 * fills while the service is down is applied by the start-up reconcile. */
#include "cw-test-utils.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>

#define N_KILLS 30

typedef struct {
	char *dir;
	char *data;
	char *db;
	char *book;
	char *log;
} RecFixture;

static void
rec_setup(RecFixture *fx, gconstpointer user_data)
{
	fx->dir = cw_test_tmpdir("cw-recovery-XXXXXX");
	fx->data = g_build_filename(fx->dir, "data.csv", NULL);
	fx->db = g_build_filename(fx->dir, "bots.db", NULL);
	fx->book = g_build_filename(fx->dir, "venue.book", NULL);
	fx->log = g_build_filename(fx->dir, "venue.log", NULL);
	cw_test_synth(fx->data, "60", "11");
}

static void
rec_teardown(RecFixture *fx, gconstpointer user_data)
{
	cw_test_rm_rf(fx->dir);
	g_free(fx->dir);
	g_free(fx->data);
	g_free(fx->db);
	g_free(fx->book);
	g_free(fx->log);
}

static GSubprocess *
rec_serve(RecFixture *fx, const char *modules)
{
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(
	    G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
	g_autoptr(GError) error = NULL;
	GSubprocess *proc;

	g_subprocess_launcher_setenv(l, "CW_MODULE_DIR", modules, TRUE);
	proc = g_subprocess_launcher_spawn(l, &error, cw_test_exe(), "serve", "--db", fx->db,
					   "--poll-interval", "0.05", "--heartbeat-interval", "0.5",
					   "--exit-when-idle", "--http", "off", NULL);
	g_assert_no_error(error);
	return proc;
}

/* The signed position the venue holds, from its book's first line. */
static double
rec_venue_position(RecFixture *fx, GHashTable *ids)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	double position = 0, entry = 0;

	g_assert_true(g_file_get_contents(fx->book, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	/* the count of fields read checks the line */
	/* NOLINTNEXTLINE(cert-err34-c) */
	g_assert_cmpint(sscanf(lines[0], "position %lf %lf", &position, &entry), ==, 2);
	for (guint i = 1; lines[i] != NULL; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i], " ", 9);
		if (g_strv_length(f) < 8)
			continue;
		/* id -> status */
		g_hash_table_insert(ids, g_strdup(f[0]), g_strdup(f[6]));
	}
	return position;
}

/* The counted bot on the fixture's data, paced at speed. */
static void
rec_add_bot(RecFixture *fx, const char *const *env, guint speed)
{
	g_autofree char *config = g_build_filename(fx->dir, "bot.json", NULL);
	g_autofree char *json = g_strdup_printf(
	    "{\"name\":\"counted\",\"symbol\":\"BTCUSDT\",\"interval\":\"5m\","
	    "\"feed\":{\"type\":\"replay\",\"path\":\"%s\",\"speed\":%u},"
	    "\"broker\":{\"type\":\"counting\",\"book\":\"%s\",\"log\":\"%s\"},"
	    "\"strategy\":{\"analyzers\":[{\"type\":\"ema_cross\",\"weight\":0.6},"
	    "{\"type\":\"rsi\",\"weight\":0.4}],\"aggregation\":{\"min_score\":0.3},"
	    "\"exit\":{\"stop_loss\":{\"type\":\"percent\",\"value\":1.5},"
	    "\"take_profits\":[{\"percent\":1.5,\"close\":0.5},{\"percent\":3}]}}}",
	    fx->data, speed, fx->book, fx->log);

	g_assert_true(g_file_set_contents(config, json, -1, NULL));
	g_assert_cmpint(cw_test_run_env(env, NULL, NULL, "bots", "add", "--db", fx->db, "--config",
					config, NULL),
			==, 0);
}

/* Every id of the venue's submit log once; returns how many. */
static guint
rec_check_log(RecFixture *fx)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autofree char *log = NULL;
	g_auto(GStrv) lines = NULL;
	guint submits = 0;

	g_assert_true(g_file_get_contents(fx->log, &log, NULL, NULL));
	lines = g_strsplit(log, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (lines[i][0] == '\0')
			continue;
		submits++;
		if (g_hash_table_contains(seen, lines[i]))
			g_test_message("submitted twice: %s", lines[i]);
		g_assert_false(g_hash_table_contains(seen, lines[i]));
		g_hash_table_add(seen, g_strdup(lines[i]));
	}
	return submits;
}

/* The signed position of the store's open positions. */
static double
rec_store_position(RecFixture *fx)
{
	return (double) cw_test_db_int(fx->db,
				       "SELECT coalesce(sum(CASE direction WHEN 'long' THEN qty * "
				       "1e8 WHEN 'short' THEN -qty * 1e8 ELSE 0 END), 0) FROM "
				       "trading_positions",
				       0) /
	       1e8;
}

/* Order states: every order the venue has is in the store with the same
 * status; an order the store has and the venue never got (its row was
 * committed, the kill came before it was sent) ended without working or
 * filling. Returns the number of disagreements (each is logged). */
static guint
rec_check_orders(RecFixture *fx, GHashTable *venue)
{
	g_autoptr(GPtrArray) rows =
	    cw_test_db_rows(fx->db, "SELECT client_order_id, status, filled_qty FROM orders");
	GHashTableIter iter;
	gpointer id, status;
	guint bad = 0, stored_only = 0;

	for (guint i = 0; i < rows->len; i++) {
		g_auto(GStrv) f = g_strsplit(g_ptr_array_index(rows, i), "|", 3);
		const char *at_venue = g_hash_table_lookup(venue, f[0]);

		if (at_venue == NULL) {
			stored_only++;
			if ((g_strcmp0(f[1], "rejected") != 0 &&
			     g_strcmp0(f[1], "cancelled") != 0) ||
			    g_ascii_strtod(f[2], NULL) != 0) {
				g_test_message(
				    "order %s: store %s (filled %s), unknown to the venue", f[0],
				    f[1], f[2]);
				bad++;
			}
		} else if (g_strcmp0(at_venue, f[1]) != 0) {
			g_test_message("order %s: store %s, venue %s", f[0], f[1], at_venue);
			bad++;
		}
	}
	g_hash_table_iter_init(&iter, venue);
	while (g_hash_table_iter_next(&iter, &id, &status)) {
		g_autofree char *sql = g_strdup_printf(
		    "SELECT count(*) FROM orders WHERE client_order_id = '%s'", (const char *) id);
		if (cw_test_db_int(fx->db, sql, 0) != 1) {
			g_test_message("order %s: venue %s, not in the store", (const char *) id,
				       (const char *) status);
			bad++;
		}
	}
	g_test_message("orders only in the store (sent never): %u", stored_only);
	return bad;
}

static void
test_no_resubmission(RecFixture *fx, gconstpointer user_data)
{
	const char *modules = g_getenv("CW_TEST_MODULE_DIR");
	g_autoptr(GRand) rand = g_rand_new_with_seed(20261202);
	g_autoptr(GHashTable) venue =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autofree char *var = NULL;
	const char *env[] = {NULL, NULL};
	guint kills = 0, submits;
	double position, stored;

	g_assert_nonnull(modules);
	var = g_strconcat("CW_MODULE_DIR=", modules, NULL);
	env[0] = var;
	rec_add_bot(fx, env, 600000);
	for (guint k = 0; k < N_KILLS; k++) {
		g_autoptr(GSubprocess) proc = rec_serve(fx, modules);
		guint ms = (guint) g_rand_int_range(rand, 60, 400);

		if (cw_test_subprocess_wait(proc, ms)) {
			/* the replay ended before this kill */
			g_assert_cmpint(g_subprocess_get_exit_status(proc), ==, 0);
			break;
		}
		g_subprocess_force_exit(proc);
		g_assert_true(cw_test_subprocess_wait(proc, 10000));
		kills++;
	}
	{
		g_autoptr(GSubprocess) proc = rec_serve(fx, modules);
		g_assert_true(cw_test_subprocess_wait(proc, 120000));
		g_assert_true(g_subprocess_get_if_exited(proc));
		g_assert_cmpint(g_subprocess_get_exit_status(proc), ==, 0);
	}
	g_test_message("%u SIGKILLs", kills);
	g_assert_cmpuint(kills, ==, N_KILLS);

	/* no client order id was submitted twice */
	submits = rec_check_log(fx);
	g_test_message("%u orders submitted", submits);
	g_assert_cmpuint(submits, >=, 10);

	/* store and venue agree: the orders of a candle are sent only after
	 * one transaction holds their rows, the cursor and the trading state
	 * that decided them, so a restarted bot never re-decides what the
	 * venue already has */
	position = rec_venue_position(fx, venue);
	stored = rec_store_position(fx);
	g_test_message(
	    "position: venue %.8g, store %.8g; orders: venue %u, store %" G_GINT64_FORMAT, position,
	    stored, g_hash_table_size(venue),
	    cw_test_db_int(fx->db, "SELECT count(*) FROM orders", -1));
	g_assert_cmpfloat(fabs(position - stored), <, 1e-6);
	g_assert_cmpuint(rec_check_orders(fx, venue), ==, 0);
}

/* A stop that fills while the service is down: the restarted bot is told
 * by reconcile, applies the fill (the position closes in the store as at
 * the venue) and journals a RECONCILE_DISCREPANCY that names the order. */
/* Freezes serve (SIGSTOP) and reads the venue's book: TRUE, still frozen,
 * when the venue holds a position and the stop is working there; FALSE,
 * running again, when the venue has moved past the store. */
static gboolean
rec_venue_agrees(RecFixture *fx, GSubprocess *proc, const char *stop)
{
	g_autoptr(GHashTable) ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	const char *pid_text = g_subprocess_get_identifier(proc);
	pid_t pid = pid_text != NULL ? (pid_t) g_ascii_strtoll(pid_text, NULL, 10) : 0;
	const char *status;

	if (pid <= 0 || kill(pid, SIGSTOP) != 0)
		return FALSE;
	/* a book write in progress is atomic (g_file_set_contents) */
	status = NULL;
	if (rec_venue_position(fx, ids) != 0)
		status = g_hash_table_lookup(ids, stop);
	if (status != NULL && strcmp(status, "new") == 0)
		return TRUE;
	kill(pid, SIGCONT);
	return FALSE;
}

static void
test_fill_while_down(RecFixture *fx, gconstpointer user_data)
{
	const char *modules = g_getenv("CW_TEST_MODULE_DIR");
	g_autofree char *var = g_strconcat("CW_MODULE_DIR=", modules, NULL);
	const char *env[] = {var, NULL};
	g_autofree char *stop = NULL, *book = NULL, *payload = NULL, *sql = NULL;
	g_autofree char *status = NULL;
	g_autoptr(GString) edited = g_string_new(NULL);
	g_autoptr(GHashTable) venue =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_auto(GStrv) lines = NULL;
	CwTestDeadline d;
	double position = 0, entry = 0;

	rec_add_bot(fx, env, 600000);
	{
		g_autoptr(GSubprocess) proc = rec_serve(fx, modules);
		/* in a position with a working stop, and the snapshot has it */
		d = cw_test_deadline(60000);
		do {
			g_clear_pointer(&stop, g_free);
			stop = cw_test_db_text(
			    fx->db,
			    "SELECT client_order_id FROM orders o WHERE type = 'stop' AND "
			    "status = 'new' AND created_at < (SELECT CAST(value AS INTEGER) "
			    "FROM bot_state WHERE key = 'cursor') AND EXISTS (SELECT 1 FROM "
			    "trading_positions) AND (SELECT count(*) FROM orders WHERE status "
			    "IN ('pending_new', 'new') AND type = 'stop') = 1");
			/* the venue may be a flush ahead of the store: freeze the
			 * service, and kill it only while the venue too holds the
			 * position and the stop working, else let it run on */
			if (stop != NULL && !rec_venue_agrees(fx, proc, stop))
				g_clear_pointer(&stop, g_free);
		} while (stop == NULL && cw_test_deadline_wait(&d, 10));
		g_subprocess_force_exit(proc);
		g_assert_true(cw_test_subprocess_wait(proc, 10000));
	}
	g_assert_nonnull(stop);
	g_test_message("stop %s fills while the service is down", stop);

	/* the venue fills it meanwhile: the stop closes the position */
	g_assert_true(g_file_get_contents(fx->book, &book, NULL, NULL));
	lines = g_strsplit(book, "\n", -1);
	/* the count of fields read checks the line */
	/* NOLINTNEXTLINE(cert-err34-c) */
	g_assert_cmpint(sscanf(lines[0], "position %lf %lf", &position, &entry), ==, 2);
	g_assert_cmpfloat(position, !=, 0);
	g_string_append_printf(edited, "position 0 0\n");
	for (guint i = 1; lines[i] != NULL; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i], " ", -1);
		if (g_strv_length(f) == 16 && strcmp(f[0], stop) == 0) {
			g_free(f[6]);
			f[6] = g_strdup("filled");
			g_free(f[11]);
			f[11] = g_strdup_printf("%.17g", fabs(position));
			g_free(f[12]);
			f[12] = g_strdup(f[10]); /* at its stop price */
		}
		if (lines[i][0] != '\0') {
			g_autofree char *line = g_strjoinv(" ", f);
			g_string_append_printf(edited, "%s\n", line);
		}
	}
	g_assert_true(g_file_set_contents(fx->book, edited->str, -1, NULL));

	{
		g_autoptr(GSubprocess) proc = rec_serve(fx, modules);
		g_assert_true(cw_test_subprocess_wait(proc, 120000));
		g_assert_cmpint(g_subprocess_get_exit_status(proc), ==, 0);
	}
	sql = g_strdup_printf("SELECT payload FROM events WHERE type = 'RECONCILE_DISCREPANCY' AND "
			      "json_extract(payload, '$.client_order_id') = '%s'",
			      stop);
	payload = cw_test_db_text(fx->db, sql);
	g_test_message("journal: %s", payload);
	g_assert_nonnull(payload);
	g_assert_nonnull(strstr(payload, "\"store\":\"new\""));
	/* `events --type` knows the type, in any spelling, and lists the row */
	{
		g_autofree char *out = NULL;
		g_assert_cmpint(cw_test_run(&out, NULL, "events", "--db", fx->db, "--type",
					    "reconcile-discrepancy", NULL),
				==, 0);
		g_assert_nonnull(strstr(out, "RECONCILE_DISCREPANCY"));
		g_assert_nonnull(strstr(out, stop));
	}
	g_free(sql);
	sql = g_strdup_printf("SELECT status FROM orders WHERE client_order_id = '%s'", stop);
	status = cw_test_db_text(fx->db, sql);
	g_assert_cmpstr(status, ==, "filled");
	/* the bot traded on from there, and still agrees with the venue */
	rec_check_log(fx);
	g_assert_cmpfloat(fabs(rec_venue_position(fx, venue) - rec_store_position(fx)), <, 1e-6);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/e2e/recovery/no-resubmission", RecFixture, NULL, rec_setup,
		   test_no_resubmission, rec_teardown);
	g_test_add("/e2e/recovery/fill-while-down", RecFixture, NULL, rec_setup,
		   test_fill_while_down, rec_teardown);
	return g_test_run();
}
