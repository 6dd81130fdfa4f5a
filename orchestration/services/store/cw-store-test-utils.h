/* Helpers shared by the store tests: a temporary directory that is removed
 * afterwards, and a second, raw SQLite connection for plain SQL. */
#pragma once

#include <glib/gstdio.h>
#include <string.h>
#include <sqlite3.h>

#define CW_SERVICES_STORE_COMPILATION
#include "cw-store.h"

typedef struct {
	char *dir;
	char *path;
	CwStore *store;
} CwStoreFixture;

static inline void
cw_store_fixture_remove_dir(const char *dir)
{
	g_autoptr(GDir) handle = g_dir_open(dir, 0, NULL);
	const char *name;

	if (handle == NULL)
		return;
	while ((name = g_dir_read_name(handle)) != NULL) {
		g_autofree char *file = g_build_filename(dir, name, NULL);
		g_assert_cmpint(g_remove(file), ==, 0);
	}
	g_assert_cmpint(g_rmdir(dir), ==, 0);
}

/* Creates the temporary directory; opens the store unless user_data is
 * GINT_TO_POINTER(1). */
static inline void
cw_store_fixture_setup(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	fx->dir = g_dir_make_tmp("cw-store-test-XXXXXX", &error);
	g_assert_no_error(error);
	fx->path = g_build_filename(fx->dir, "candlewick.db", NULL);
	if (GPOINTER_TO_INT(user_data) != 1) {
		fx->store = cw_store_open(fx->path, &error);
		g_assert_no_error(error);
		g_assert_nonnull(fx->store);
	}
}

static inline void
cw_store_fixture_teardown(CwStoreFixture *fx, gconstpointer user_data)
{
	g_clear_object(&fx->store);
	cw_store_fixture_remove_dir(fx->dir);
	g_free(fx->dir);
	g_free(fx->path);
}

/* A second connection to the same file, like another program would open. */
static inline sqlite3 *
cw_store_test_raw_open(const char *path)
{
	sqlite3 *db = NULL;

	g_assert_cmpint(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static inline void
cw_store_test_raw_exec(sqlite3 *db, const char *sql)
{
	char *errmsg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &errmsg);

	if (rc != SQLITE_OK) {
		g_test_message("failed SQL: %s", sql);
		g_assert_cmpstr(errmsg, ==, NULL);
	}
}

/* The first column of the first row of sql, as text (NULL for SQL NULL). */
static inline char *
cw_store_test_raw_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	char *result = NULL;

	g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		result = g_strdup((const char *) sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	return result;
}

static inline gint64
cw_store_test_raw_int(sqlite3 *db, const char *sql)
{
	g_autofree char *text = cw_store_test_raw_text(db, sql);

	g_assert_nonnull(text);
	return g_ascii_strtoll(text, NULL, 10);
}
