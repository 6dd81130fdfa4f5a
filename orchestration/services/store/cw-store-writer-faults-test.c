/* CwStoreWriter and the store's transactions when the database takes no
 * write: a full database (PRAGMA max_page_count, which fails like a full
 * disk), the transaction SQLite rolls back by itself, true counters, and
 * recovery once there is room again. Real SQLite files. */
#include "cw-store-test-utils.h"

#include "cw-store-writer.h"

#define N_EVENTS 2000

static gint64
count_rows(const char *path, const char *sql)
{
	sqlite3 *db = cw_store_test_raw_open(path);
	sqlite3_stmt *stmt = NULL;
	gint64 n;

	g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
	n = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return n;
}

static gint64
page_count(const char *path)
{
	return count_rows(path, "PRAGMA page_count");
}

/* Queues events that need many more pages than the file has. */
static void
queue_events(CwStoreWriter *writer, guint n)
{
	g_autofree char *filler = g_strnfill(300, 'x');

	for (guint i = 0; i < n; i++)
		cw_store_writer_event(
		    writer, 0, "s", "TEST", 1700000000000 + i,
		    g_strdup_printf("{\"i\": %u, \"filler\": \"%s\"}", i, filler));
}

static void
test_writer_full_then_room(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwStoreWriter) writer = cw_store_writer_new(fx->store);

	/* no page may be added */
	g_assert_true(cw_store_set_max_page_count(fx->store, page_count(fx->path), &error));
	g_assert_no_error(error);
	queue_events(writer, N_EVENTS);

	for (guint attempt = 0; attempt < 3; attempt++) {
		g_clear_error(&error);
		g_assert_false(cw_store_writer_flush(writer, &error));
		g_test_message("flush %u: %s", attempt, error->message);
		g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_UNWRITABLE);
		/* the cause, not what it led to */
		g_assert_true(g_str_has_prefix(error->message, "database or disk is full: "));
		g_assert_null(strstr(error->message, "no transaction is active"));
		/* nothing written, nothing dropped, everything kept */
		g_assert_cmpuint(cw_store_writer_get_pending(writer), ==, N_EVENTS);
		g_assert_cmpuint(cw_store_writer_get_n_written(writer), ==, 0);
		g_assert_cmpuint(cw_store_writer_get_n_failed(writer), ==, 0);
		g_assert_false(cw_store_in_transaction(fx->store));
		g_assert_cmpint(count_rows(fx->path, "SELECT count(*) FROM events"), ==, 0);
	}
	g_clear_error(&error);
	g_assert_false(cw_store_check_writable(fx->store, &error));
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_UNWRITABLE);
	g_clear_error(&error);

	/* room again: every kept write lands once, the store is healthy */
	g_assert_true(cw_store_set_max_page_count(fx->store, 1000000, &error));
	g_assert_true(cw_store_writer_flush(writer, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cw_store_writer_get_pending(writer), ==, 0);
	g_assert_cmpuint(cw_store_writer_get_n_written(writer), ==, N_EVENTS);
	g_assert_cmpuint(cw_store_writer_get_n_failed(writer), ==, 0);
	g_assert_cmpint(count_rows(fx->path, "SELECT count(*) FROM events"), ==, N_EVENTS);
	g_assert_cmpint(count_rows(fx->path, "SELECT count(DISTINCT time) FROM events"), ==,
			N_EVENTS);
	g_assert_true(cw_store_check_writable(fx->store, &error));
	g_assert_no_error(error);
}

/* A caller that commits after a failed statement gets the cause. */
static void
test_commit_after_lost_transaction(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *filler = g_strnfill(3000, 'y');
	g_autofree char *payload = g_strdup_printf("{\"filler\": \"%s\"}", filler);
	gboolean failed = FALSE;

	g_assert_true(cw_store_set_max_page_count(fx->store, page_count(fx->path), &error));
	g_assert_true(cw_store_begin(fx->store, &error));
	for (guint i = 0; i < 100 && !failed; i++) {
		g_autoptr(GError) local = NULL;
		failed = cw_store_event_append(fx->store, 0, NULL, "TEST", i, payload, &local) < 0;
		if (failed)
			g_assert_error(local, CW_STORE_ERROR, CW_STORE_ERROR_UNWRITABLE);
	}
	g_assert_true(failed);
	g_assert_false(cw_store_commit(fx->store, &error));
	g_test_message("%s", error->message);
	g_assert_error(error, CW_STORE_ERROR, CW_STORE_ERROR_UNWRITABLE);
	g_assert_true(g_str_has_prefix(error->message, "database or disk is full"));
	g_assert_null(strstr(error->message, "no transaction is active"));
	/* a rollback after it is harmless, and a new transaction starts */
	g_assert_true(cw_store_rollback(fx->store, NULL));
	g_clear_error(&error);
	g_assert_true(cw_store_begin(fx->store, &error));
	g_assert_true(cw_store_rollback(fx->store, &error));
	g_assert_no_error(error);
}

/* A row that SQLite refuses is counted as dropped, the others written
 * (in a subprocess: the warning is expected). */
static void
test_writer_refused_row(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwStoreWriter) writer = NULL;

	if (!g_test_subprocess()) {
		g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
		g_test_trap_assert_passed();
		g_test_trap_assert_stderr("*store: write dropped:*json_valid*");
		return;
	}
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	writer = cw_store_writer_new(fx->store);
	queue_events(writer, 3);
	cw_store_writer_event(writer, 0, NULL, "TEST", 1, g_strdup("{not json"));
	queue_events(writer, 2);
	g_assert_true(cw_store_writer_flush(writer, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cw_store_writer_get_n_written(writer), ==, 5);
	g_assert_cmpuint(cw_store_writer_get_n_failed(writer), ==, 1);
	g_assert_cmpint(count_rows(fx->path, "SELECT count(*) FROM events"), ==, 5);
}

/* The start-up probe passes on a writable file and changes nothing (the
 * read-only cases run the executable: tests/cw-e2e-faults-test.c). */
static void
test_probe_write(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(cw_store_probe_write(fx->store, &error));
	g_assert_no_error(error);
	g_assert_cmpint(count_rows(fx->path, "PRAGMA user_version"), ==, CW_STORE_SCHEMA_VERSION);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

#define ADD(name, func)                                                                            \
	g_test_add("/services/store-writer-faults/" name, CwStoreFixture, NULL,                    \
		   cw_store_fixture_setup, func, cw_store_fixture_teardown)
	ADD("full-then-room", test_writer_full_then_room);
	ADD("commit-after-lost-transaction", test_commit_after_lost_transaction);
	ADD("refused-row", test_writer_refused_row);
	ADD("probe-write", test_probe_write);
#undef ADD
	return g_test_run();
}
