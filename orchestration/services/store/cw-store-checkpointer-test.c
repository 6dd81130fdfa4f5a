/* CwStoreCheckpointer: with the store's own automatic checkpoints off,
 * the WAL is copied into the database by the checkpointer's thread only,
 * while the store goes on committing; freeing it stops the thread. Real
 * SQLite files in a temporary directory. */
#include "cw-store-test-utils.h"

#include "cw-store-checkpointer.h"

static gint64
ckpt_file_size(const char *path)
{
	GStatBuf st;

	g_assert_cmpint(g_stat(path, &st), ==, 0);
	return (gint64) st.st_size;
}

/* count commits of one 3 KB bot_state value each, keys from first on */
static void
ckpt_write(CwStoreFixture *fx, gint64 bot, guint first, guint count)
{
	g_autofree char *value = g_strnfill(3000, 'x');

	for (guint i = first; i < first + count; i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *key = g_strdup_printf("k%u", i);

		g_assert_true(cw_store_state_set(fx->store, bot, key, value, &error));
		g_assert_no_error(error);
	}
}

static void
test_checkpointer(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwStoreCheckpointer) ckpt = NULL;
	gint64 bot = cw_store_bot_add(fx->store, "b", "{}", TRUE, &error);
	gint64 before, after;
	gint64 deadline;

	g_assert_no_error(error);
	cw_store_set_wal_autocheckpoint(fx->store, 0);
	before = ckpt_file_size(fx->path);
	/* about 1,600 pages: past SQLite's default of 1,000, which would
	 * have checkpointed inside a commit */
	ckpt_write(fx, bot, 0, 800);
	g_assert_cmpint(ckpt_file_size(fx->path), ==, before);

	ckpt = cw_store_checkpointer_new(fx->path, 10, &error);
	g_assert_no_error(error);
	g_assert_nonnull(ckpt);
	/* the store commits while the thread checkpoints */
	ckpt_write(fx, bot, 800, 200);
	deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	while (cw_store_checkpointer_get_n_frames(ckpt) < 1000 && g_get_monotonic_time() < deadline)
		g_usleep(5000);
	g_assert_cmpuint(cw_store_checkpointer_get_n_frames(ckpt), >=, 1000);
	g_assert_cmpuint(cw_store_checkpointer_get_n_runs(ckpt), >, 0);
	after = ckpt_file_size(fx->path);
	g_assert_cmpint(after, >, before + 800 * 3000);
	/* every value is there, read by another connection */
	{
		sqlite3 *raw = cw_store_test_raw_open(fx->path);
		sqlite3_stmt *stmt = NULL;

		g_assert_cmpint(
		    sqlite3_prepare_v2(raw, "SELECT count(*) FROM bot_state", -1, &stmt, NULL), ==,
		    SQLITE_OK);
		g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
		g_assert_cmpint(sqlite3_column_int(stmt, 0), ==, 1000);
		sqlite3_finalize(stmt);
		sqlite3_close(raw);
	}
	/* freeing stops the thread at once, not after its interval */
	g_clear_pointer(&ckpt, cw_store_checkpointer_free);
	ckpt = cw_store_checkpointer_new(fx->path, 60 * 1000, &error);
	g_assert_no_error(error);
	{
		gint64 t0 = g_get_monotonic_time();
		g_clear_pointer(&ckpt, cw_store_checkpointer_free);
		g_assert_cmpint(g_get_monotonic_time() - t0, <, 30 * G_USEC_PER_SEC);
	}
}

/* A file that cannot be opened is an error that names it. */
static void
test_checkpointer_open_error(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *missing = g_build_filename(fx->dir, "no", "such.db", NULL);
	CwStoreCheckpointer *ckpt = cw_store_checkpointer_new(missing, 10, &error);

	g_assert_null(ckpt);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_OPEN);
	g_assert_nonnull(strstr(error->message, missing));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/services/store-checkpointer/checkpoints", CwStoreFixture, NULL,
		   cw_store_fixture_setup, test_checkpointer, cw_store_fixture_teardown);
	g_test_add("/services/store-checkpointer/open-error", CwStoreFixture, NULL,
		   cw_store_fixture_setup, test_checkpointer_open_error, cw_store_fixture_teardown);
	return g_test_run();
}
