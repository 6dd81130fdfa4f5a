/* Helpers shared by the end-to-end tests: the candlewick executable run
 * through GSubprocess, temporary directories, the SQLite file read from the
 * outside, JSON files, and bounded waits. Every helper fails the test (with
 * g_assert) on an unexpected error; none of them waits without a deadline. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* Fails the running test with a message (g_error() is banned: see
 * tools/check-source). */
#define cw_test_fail_now(...)                                                                      \
	G_STMT_START                                                                               \
	{                                                                                          \
		g_test_message(__VA_ARGS__);                                                       \
		g_assert_not_reached();                                                            \
	}                                                                                          \
	G_STMT_END

/* ---- the executable ---- */

/* $CW_CANDLEWICK, the executable under test. */
const char *cw_test_exe(void);

/* $CW_SOURCE_ROOT/docs/examples/NAME (NAME may hold a sub-directory). */
char *cw_test_example(const char *name);

/* Starts candlewick with @args (NULL-terminated) and @flags.
 * @env: NULL, or NULL-terminated "NAME=VALUE" strings to set and "NAME"
 * strings to unset in the child's environment. */
GSubprocess *cw_test_spawn_envv(const char *const *env, GSubprocessFlags flags,
				const char *const *args);

/* Runs candlewick with @args (NULL-terminated) to its end and returns its
 * exit status (-1 when a signal ended it); @out and @err, when not NULL,
 * receive stdout and stderr. @env as for cw_test_spawn_envv(). */
int cw_test_run_envv(const char *const *env, char **out, char **err, const char *const *args);
int cw_test_run_env_valist(const char *const *env, char **out, char **err, const char *first,
			   va_list ap);
int cw_test_run_env(const char *const *env, char **out, char **err, const char *first,
		    ...) G_GNUC_NULL_TERMINATED;
int cw_test_runv(char **out, char **err, const char *const *args);
int cw_test_run(char **out, char **err, const char *first, ...) G_GNUC_NULL_TERMINATED;

/* Like cw_test_run(), but the run may take at most @timeout_ms: past it
 * the child is killed (SIGKILL, by its pid) and -2 is returned. For
 * commands that must not hang (a FIFO where a file was expected). */
int cw_test_run_bounded(guint timeout_ms, char **out, char **err, const char *first,
			...) G_GNUC_NULL_TERMINATED;

/* `candlewick bots add --db DB --config CONFIG`; prints its stderr and
 * fails the test when it does not exit 0. */
void cw_test_bots_add(const char *db, const char *config);

/* `candlewick synth --days DAYS --seed SEED --output PATH`; prints the
 * output and fails when it does not exit 0. */
void cw_test_synth(const char *path, const char *days, const char *seed);
/* cw_test_synth() into DIR/synth.csv; returns that path. */
char *cw_test_synth_in(const char *dir, const char *days, const char *seed);

/* ---- processes with a log file ---- */

/* A GSubprocessLauncher child setup: the child dies with the test
 * (PR_SET_PDEATHSIG), so a failed assertion leaves no process behind. */
void cw_test_child_setup(gpointer user_data);

/* Starts @argv (the program first, run as is) with stdout and stderr in
 * @log, cw_test_child_setup(), and CW_DB and NOTIFY_SOCKET unset. @env:
 * NULL, or NULL-terminated "NAME=VALUE" strings to set. */
GSubprocess *cw_test_spawn_logged(const char *log, const char *const *env, const char *const *argv);
/* The same with stdout dropped, only stderr in @log, and WATCHDOG_USEC
 * unset too unless @env sets it (what `candlewick serve` under test
 * wants). */
GSubprocess *cw_test_spawn_stderr_logged(const char *log, const char *const *env,
					 const char *const *argv);

/* Waits at most @timeout_ms for @path to hold a port number (what
 * `--port-file` of the simulators writes); fails the test past it. */
int cw_test_wait_port_file(const char *path, guint timeout_ms);

/* Prints "WHAT:\n" and the file's text (empty when unreadable) to stderr. */
void cw_test_print_file(const char *what, const char *path);

/* ---- files ---- */

/* A new directory from the g_dir_make_tmp() template. */
char *cw_test_tmpdir(const char *tmpl);

/* Removes the directory and everything below it. */
void cw_test_rm_rf(const char *path);

/* Parses the file, which must hold a JSON object; it is owned by @parser. */
JsonObject *cw_test_load_json(JsonParser *parser, const char *path);

/* ---- SQLite, as another program reads and writes it ---- */

/* Opens an existing database read-write, with a 5 s busy timeout. */
sqlite3 *cw_test_db_open(const char *path);

/* Every row, its columns joined by '|' (NULL as "NULL"). */
GPtrArray *cw_test_db_rows(const char *db, const char *sql);

/* Every row as cw_test_db_rows() gives it, each followed by '\n'. */
char *cw_test_db_dump(const char *db, const char *sql);

/* The first column of the first row; NULL when there is no row or it is
 * NULL. */
char *cw_test_db_text(const char *db, const char *sql);

/* The first column of the first row as an integer; @fallback when there is
 * no row or it is NULL. */
gint64 cw_test_db_int(const char *db, const char *sql, gint64 fallback);
/* Decisions journalled inside a DOWNTIME span of their bot (a signal, an
 * entry or a signal exit on a candle that closed while serve was down):
 * 0 when the restarts caught up without deciding. */
gint64 cw_test_db_decided_in_downtime(const char *db);

/* Runs the statements; fails (printing SQLite's message) on an error. */
void cw_test_db_exec(const char *db, const char *sql);

/* ---- bounded waits ---- */

typedef struct {
	gint64 start;    /* monotonic, us */
	gint64 deadline; /* monotonic, us */
} CwTestDeadline;

/* A deadline @timeout_ms from now. */
CwTestDeadline cw_test_deadline(guint timeout_ms);

/* FALSE once the deadline has passed; else sleeps @interval_ms and returns
 * TRUE. Polls as `do { if (ready) ... } while (cw_test_deadline_wait(&d, 50));` */
gboolean cw_test_deadline_wait(const CwTestDeadline *d, guint interval_ms);

/* Milliseconds since the deadline was set. */
gint64 cw_test_deadline_elapsed_ms(const CwTestDeadline *d);

/* Dispatches what is pending on the default main context. */
void cw_test_pump(void);

/* Waits at most @timeout_ms for the process to end; TRUE when it did. The
 * process is left running otherwise. */
gboolean cw_test_subprocess_wait(GSubprocess *proc, guint timeout_ms);

G_END_DECLS
