/* Recovery never sends an order twice: a bot on the "counting" venue (a
 * test module that is not simulated on candles, keeps its book in its own
 * file and logs every client order id it is asked to submit) is SIGKILLed
 * 30 times while it trades, each time at a seeded random moment, and
 * restarted. No client order id reaches the venue twice, and at the end
 * the store and the venue agree on the position and on the orders. */
#include "cw-test-utils.h"

#include <math.h>
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

static void
test_no_resubmission(RecFixture *fx, gconstpointer user_data)
{
	const char *modules = g_getenv("CW_TEST_MODULE_DIR");
	g_autofree char *config = g_build_filename(fx->dir, "bot.json", NULL);
	g_autofree char *json = NULL;
	g_autofree char *log = NULL;
	g_autoptr(GRand) rand = g_rand_new_with_seed(20261202);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) venue =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_auto(GStrv) lines = NULL;
	const char *env[] = {NULL, NULL};
	g_autofree char *var = NULL;
	guint kills = 0, submits = 0;
	double position, stored;
	gint64 n_store, n_missing;

	g_assert_nonnull(modules);
	var = g_strconcat("CW_MODULE_DIR=", modules, NULL);
	env[0] = var;
	json = g_strdup_printf(
	    "{\"name\":\"counted\",\"symbol\":\"BTCUSDT\",\"interval\":\"5m\","
	    "\"feed\":{\"type\":\"replay\",\"path\":\"%s\",\"speed\":600000},"
	    "\"broker\":{\"type\":\"counting\",\"book\":\"%s\",\"log\":\"%s\"},"
	    "\"strategy\":{\"analyzers\":[{\"type\":\"ema_cross\",\"weight\":0.6},"
	    "{\"type\":\"rsi\",\"weight\":0.4}],\"aggregation\":{\"min_score\":0.3},"
	    "\"exit\":{\"stop_loss\":{\"type\":\"percent\",\"value\":1.5},"
	    "\"take_profits\":[{\"percent\":1.5,\"close\":0.5},{\"percent\":3}]}}}",
	    fx->data, fx->book, fx->log);
	g_assert_true(g_file_set_contents(config, json, -1, NULL));
	g_assert_cmpint(cw_test_run_env(env, NULL, NULL, "bots", "add", "--db", fx->db, "--config",
					config, NULL),
			==, 0);

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
	g_test_message("%u orders submitted", submits);
	g_assert_cmpuint(submits, >=, 20);

	/* store and venue agree: the position, and every venue order is in the
	 * store with the venue's status */
	position = rec_venue_position(fx, venue);
	stored = (double) cw_test_db_int(
		     fx->db,
		     "SELECT coalesce(sum(CASE direction WHEN 'long' THEN qty * 1e8 WHEN 'short' "
		     "THEN -qty * 1e8 ELSE 0 END), 0) FROM trading_positions",
		     0) /
		 1e8;
	g_test_message("position: venue %.8g, store %.8g", position, stored);
	g_assert_cmpfloat(fabs(position - stored), <, 1e-6);
	n_store = cw_test_db_int(fx->db, "SELECT count(*) FROM orders", -1);
	g_assert_cmpint(n_store, ==, (gint64) g_hash_table_size(venue));
	n_missing = 0;
	{
		GHashTableIter iter;
		gpointer id, status;
		g_hash_table_iter_init(&iter, venue);
		while (g_hash_table_iter_next(&iter, &id, &status)) {
			g_autofree char *sql = g_strdup_printf(
			    "SELECT count(*) FROM orders WHERE client_order_id = '%s'",
			    (const char *) id);
			n_missing += cw_test_db_int(fx->db, sql, 0) == 1 ? 0 : 1;
		}
	}
	g_assert_cmpint(n_missing, ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/e2e/recovery/no-resubmission", RecFixture, NULL, rec_setup,
		   test_no_resubmission, rec_teardown);
	return g_test_run();
}
