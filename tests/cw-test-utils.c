/* Helpers shared by the end-to-end tests (see cw-test-utils.h). */
#include "cw-test-utils.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>

/* ---- the executable ---- */

const char *
cw_test_exe(void)
{
	const char *exe = g_getenv("CW_CANDLEWICK");
	g_assert_nonnull(exe);
	return exe;
}

char *
cw_test_example(const char *name)
{
	return g_build_filename(g_getenv("CW_SOURCE_ROOT"), "docs", "examples", name, NULL);
}

/* serve listens on 127.0.0.1:8080 by default: tests run side by side (and
 * beside a developer's own serve), so a serve that names no listener of its
 * own gets a free port instead of racing for that one. */
static gboolean
cw_test_serve_needs_port(const char *const *args)
{
	if (args[0] == NULL || g_strcmp0(args[0], "serve") != 0)
		return FALSE;
	for (guint i = 1; args[i] != NULL; i++) {
		if (g_strcmp0(args[i], "--http") == 0 || g_str_has_prefix(args[i], "--http=") ||
		    g_strcmp0(args[i], "--api") == 0 || g_str_has_prefix(args[i], "--api=") ||
		    g_strcmp0(args[i], "--service-config") == 0 ||
		    g_str_has_prefix(args[i], "--service-config="))
			return FALSE;
	}
	return TRUE;
}

GSubprocess *
cw_test_spawn_envv(const char *const *env, GSubprocessFlags flags, const char *const *args)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(flags);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	GSubprocess *proc;

	for (guint i = 0; env != NULL && env[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit(env[i], "=", 2);
		if (kv[1] != NULL)
			g_subprocess_launcher_setenv(launcher, kv[0], kv[1], TRUE);
		else
			g_subprocess_launcher_unsetenv(launcher, kv[0]);
	}
	g_ptr_array_add(argv, (gpointer) cw_test_exe());
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer) args[i]);
	if (cw_test_serve_needs_port(args)) {
		g_ptr_array_add(argv, (gpointer) "--http");
		g_ptr_array_add(argv, (gpointer) "127.0.0.1:0");
	}
	g_ptr_array_add(argv, NULL);
	proc = g_subprocess_launcher_spawnv(launcher, (const char *const *) argv->pdata, &error);
	g_assert_no_error(error);
	return proc;
}

int
cw_test_run_envv(const char *const *env, char **out, char **err, const char *const *args)
{
	g_autoptr(GSubprocess) proc = cw_test_spawn_envv(
	    env, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, args);
	g_autoptr(GError) error = NULL;
	g_autofree char *o = NULL, *e = NULL;

	g_subprocess_communicate_utf8(proc, NULL, NULL, &o, &e, &error);
	g_assert_no_error(error);
	if (out != NULL)
		*out = g_steal_pointer(&o);
	if (err != NULL)
		*err = g_steal_pointer(&e);
	return g_subprocess_get_if_exited(proc) ? g_subprocess_get_exit_status(proc) : -1;
}

int
cw_test_run_env_valist(const char *const *env, char **out, char **err, const char *first,
		       va_list ap)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();

	for (const char *a = first; a != NULL; a = va_arg(ap, const char *))
		g_ptr_array_add(args, (gpointer) a);
	g_ptr_array_add(args, NULL);
	return cw_test_run_envv(env, out, err, (const char *const *) args->pdata);
}

int
cw_test_run_env(const char *const *env, char **out, char **err, const char *first, ...)
{
	va_list ap;
	int status;

	va_start(ap, first);
	status = cw_test_run_env_valist(env, out, err, first, ap);
	va_end(ap);
	return status;
}

int
cw_test_runv(char **out, char **err, const char *const *args)
{
	return cw_test_run_envv(NULL, out, err, args);
}

int
cw_test_run(char **out, char **err, const char *first, ...)
{
	va_list ap;
	int status;

	va_start(ap, first);
	status = cw_test_run_env_valist(NULL, out, err, first, ap);
	va_end(ap);
	return status;
}

typedef struct {
	gboolean called;
	char *out;
	char *err;
} CwTestCommunicate;

static void
cw_test_communicate_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	CwTestCommunicate *c = user_data;

	/* fails only when the child was killed mid-way; the status says so */
	g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source), result, &c->out, &c->err, NULL);
	c->called = TRUE;
}

int
cw_test_run_bounded(guint timeout_ms, char **out, char **err, const char *first, ...)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	g_autoptr(GSubprocess) proc = NULL;
	CwTestDeadline d = cw_test_deadline(timeout_ms);
	CwTestCommunicate c = {FALSE, NULL, NULL};
	gboolean timed_out = FALSE;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a != NULL; a = va_arg(ap, const char *))
		g_ptr_array_add(args, (gpointer) a);
	va_end(ap);
	g_ptr_array_add(args, NULL);
	proc = cw_test_spawn_envv(NULL,
				  G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
				  (const char *const *) args->pdata);
	g_subprocess_communicate_utf8_async(proc, NULL, NULL, cw_test_communicate_cb, &c);
	while (!c.called) {
		if (!timed_out && g_get_monotonic_time() > d.deadline) {
			timed_out = TRUE;
			g_subprocess_force_exit(proc);
		}
		g_main_context_iteration(NULL, FALSE);
		if (!c.called)
			g_usleep(10 * 1000);
	}
	/* the pipes close with the killed child: the loop above ends */
	g_assert_true(cw_test_subprocess_wait(proc, 10000));
	if (out != NULL)
		*out = g_steal_pointer(&c.out);
	if (err != NULL)
		*err = g_steal_pointer(&c.err);
	g_free(c.out);
	g_free(c.err);
	if (timed_out)
		return -2;
	return g_subprocess_get_if_exited(proc) ? g_subprocess_get_exit_status(proc) : -1;
}

void
cw_test_bots_add(const char *db, const char *config)
{
	g_autofree char *err = NULL;
	int status = cw_test_run(NULL, &err, "bots", "add", "--db", db, "--config", config, NULL);

	if (status != 0)
		g_printerr("bots add: %s\n", err);
	g_assert_cmpint(status, ==, 0);
}

void
cw_test_synth(const char *path, const char *days, const char *seed)
{
	g_autofree char *out = NULL, *err = NULL;
	int status = cw_test_run(&out, &err, "synth", "--days", days, "--seed", seed, "--output",
				 path, NULL);

	if (status != 0)
		g_printerr("%s%s", out, err);
	g_assert_cmpint(status, ==, 0);
}

char *
cw_test_synth_in(const char *dir, const char *days, const char *seed)
{
	char *path = g_build_filename(dir, "synth.csv", NULL);

	cw_test_synth(path, days, seed);
	return path;
}

/* ---- files ---- */

char *
cw_test_tmpdir(const char *tmpl)
{
	g_autoptr(GError) error = NULL;
	char *dir = g_dir_make_tmp(tmpl, &error);

	g_assert_no_error(error);
	return dir;
}

void
cw_test_rm_rf(const char *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const char *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *child = g_build_filename(path, name, NULL);
		if (g_file_test(child, G_FILE_TEST_IS_DIR))
			cw_test_rm_rf(child);
		else
			g_unlink(child);
	}
	g_rmdir(path);
}

JsonObject *
cw_test_load_json(JsonParser *parser, const char *path)
{
	g_autoptr(GError) error = NULL;

	json_parser_load_from_file(parser, path, &error);
	g_assert_no_error(error);
	g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)));
	return json_node_get_object(json_parser_get_root(parser));
}

/* ---- SQLite ---- */

sqlite3 *
cw_test_db_open(const char *path)
{
	sqlite3 *conn = NULL;

	g_assert_cmpint(sqlite3_open_v2(path, &conn, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
	sqlite3_busy_timeout(conn, 5000);
	return conn;
}

/* Prepares @sql; fails with SQLite's message when it does not compile. */
static sqlite3_stmt *
cw_test_db_prepare(sqlite3 *conn, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(conn, sql, -1, &stmt, NULL);

	if (rc != SQLITE_OK)
		g_printerr("%s: %s\n", sql, sqlite3_errmsg(conn));
	g_assert_cmpint(rc, ==, SQLITE_OK);
	return stmt;
}

GPtrArray *
cw_test_db_rows(const char *db, const char *sql)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func(g_free);
	sqlite3 *conn = cw_test_db_open(db);
	sqlite3_stmt *stmt = cw_test_db_prepare(conn, sql);
	int rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		GString *row = g_string_new(NULL);
		for (int i = 0; i < sqlite3_column_count(stmt); i++) {
			const char *t = (const char *) sqlite3_column_text(stmt, i);
			g_string_append_printf(row, "%s%s", i > 0 ? "|" : "", t ? t : "NULL");
		}
		g_ptr_array_add(rows, g_string_free(row, FALSE));
	}
	g_assert_cmpint(rc, ==, SQLITE_DONE);
	sqlite3_finalize(stmt);
	sqlite3_close(conn);
	return rows;
}

char *
cw_test_db_dump(const char *db, const char *sql)
{
	g_autoptr(GPtrArray) rows = cw_test_db_rows(db, sql);
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < rows->len; i++)
		g_string_append_printf(out, "%s\n", (const char *) g_ptr_array_index(rows, i));
	return g_string_free(out, FALSE);
}

char *
cw_test_db_text(const char *db, const char *sql)
{
	sqlite3 *conn = cw_test_db_open(db);
	sqlite3_stmt *stmt = cw_test_db_prepare(conn, sql);
	char *text = NULL;
	int rc = sqlite3_step(stmt);

	g_assert_true(rc == SQLITE_ROW || rc == SQLITE_DONE);
	if (rc == SQLITE_ROW && sqlite3_column_text(stmt, 0) != NULL)
		text = g_strdup((const char *) sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	sqlite3_close(conn);
	return text;
}

gint64
cw_test_db_int(const char *db, const char *sql, gint64 fallback)
{
	g_autofree char *text = cw_test_db_text(db, sql);

	return text != NULL ? g_ascii_strtoll(text, NULL, 10) : fallback;
}

void
cw_test_db_exec(const char *db, const char *sql)
{
	sqlite3 *conn = cw_test_db_open(db);
	char *msg = NULL;
	int rc = sqlite3_exec(conn, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK)
		g_printerr("%s: %s\n", sql, msg);
	g_assert_cmpint(rc, ==, SQLITE_OK);
	sqlite3_free(msg);
	sqlite3_close(conn);
}

/* ---- processes with a log file ---- */

void
cw_test_child_setup(gpointer user_data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* A launcher for a child that dies with the test, outside systemd (and
 * its watchdog when no_watchdog) and with no default database; then env
 * set ("NAME=VALUE" strings), which may put those back. */
static GSubprocessLauncher *
cw_test_launcher_new(GSubprocessFlags flags, gboolean no_watchdog, const char *const *env)
{
	GSubprocessLauncher *l = g_subprocess_launcher_new(flags);

	g_subprocess_launcher_set_child_setup(l, cw_test_child_setup, NULL, NULL);
	g_subprocess_launcher_unsetenv(l, "CW_DB");
	g_subprocess_launcher_unsetenv(l, "NOTIFY_SOCKET");
	if (no_watchdog)
		g_subprocess_launcher_unsetenv(l, "WATCHDOG_USEC");
	for (guint i = 0; env != NULL && env[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit(env[i], "=", 2);
		g_assert_nonnull(kv[1]);
		g_subprocess_launcher_setenv(l, kv[0], kv[1], TRUE);
	}
	return l;
}

static GSubprocess *
cw_test_launch(GSubprocessLauncher *l, const char *const *argv)
{
	g_autoptr(GError) error = NULL;
	GSubprocess *proc = g_subprocess_launcher_spawnv(l, argv, &error);

	g_assert_no_error(error);
	return proc;
}

GSubprocess *
cw_test_spawn_logged(const char *log, const char *const *env, const char *const *argv)
{
	g_autoptr(GSubprocessLauncher) l =
	    cw_test_launcher_new(G_SUBPROCESS_FLAGS_NONE, FALSE, env);

	g_subprocess_launcher_set_stdout_file_path(l, log);
	g_subprocess_launcher_set_stderr_file_path(l, log);
	return cw_test_launch(l, argv);
}

GSubprocess *
cw_test_spawn_stderr_logged(const char *log, const char *const *env, const char *const *argv)
{
	g_autoptr(GSubprocessLauncher) l =
	    cw_test_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE, TRUE, env);

	g_subprocess_launcher_set_stderr_file_path(l, log);
	return cw_test_launch(l, argv);
}

int
cw_test_wait_port_file(const char *path, guint timeout_ms)
{
	CwTestDeadline d = cw_test_deadline(timeout_ms);

	do {
		g_autofree char *text = NULL;
		guint64 port = 0;

		if (g_file_get_contents(path, &text, NULL, NULL) &&
		    g_ascii_string_to_unsigned(g_strstrip(text), 10, 1, 65535, &port, NULL))
			return (int) port;
	} while (cw_test_deadline_wait(&d, 20));
	cw_test_fail_now("no port in %s after %u ms", path, timeout_ms);
	return 0;
}

void
cw_test_print_file(const char *what, const char *path)
{
	g_autofree char *text = NULL;

	g_file_get_contents(path, &text, NULL, NULL);
	g_printerr("%s:\n%s\n", what, text != NULL ? text : "");
}

/* ---- bounded waits ---- */

CwTestDeadline
cw_test_deadline(guint timeout_ms)
{
	gint64 now = g_get_monotonic_time();

	return (CwTestDeadline){.start = now, .deadline = now + (gint64) timeout_ms * 1000};
}

gboolean
cw_test_deadline_wait(const CwTestDeadline *d, guint interval_ms)
{
	if (g_get_monotonic_time() > d->deadline)
		return FALSE;
	g_usleep((gulong) interval_ms * 1000);
	return TRUE;
}

gint64
cw_test_deadline_elapsed_ms(const CwTestDeadline *d)
{
	return (g_get_monotonic_time() - d->start) / 1000;
}

void
cw_test_pump(void)
{
	while (g_main_context_iteration(NULL, FALSE))
		;
}

typedef struct {
	gboolean called;
	gboolean exited;
} CwTestWait;

static void
cw_test_wait_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	CwTestWait *w = user_data;

	w->exited = g_subprocess_wait_finish(G_SUBPROCESS(source), result, NULL);
	w->called = TRUE;
}

gboolean
cw_test_subprocess_wait(GSubprocess *proc, guint timeout_ms)
{
	g_autoptr(GCancellable) cancel = g_cancellable_new();
	CwTestDeadline d = cw_test_deadline(timeout_ms);
	CwTestWait w = {FALSE, FALSE};

	g_subprocess_wait_async(proc, cancel, cw_test_wait_cb, &w);
	while (!w.called && g_get_monotonic_time() < d.deadline) {
		cw_test_pump();
		if (!w.called)
			g_usleep(20 * 1000);
	}
	/* the callback holds a pointer to w: it must have run before we return */
	g_cancellable_cancel(cancel);
	while (!w.called)
		g_main_context_iteration(NULL, TRUE);
	return w.exited;
}

gint64
cw_test_db_decided_in_downtime(const char *db)
{
	return cw_test_db_int(
	    db,
	    "SELECT count(*) FROM events e, events d WHERE d.type = 'DOWNTIME' AND "
	    "e.bot_id = d.bot_id AND e.time BETWEEN json_extract(d.payload, '$.from') AND "
	    "json_extract(d.payload, '$.to') AND (e.type IN ('SIGNAL_NEW', 'EXIT_SIGNAL') OR "
	    "(e.type = 'ORDER_SUBMITTED' AND json_extract(e.payload, '$.order.purpose') IN "
	    "('entry', 'signal_exit')))",
	    -1);
}
