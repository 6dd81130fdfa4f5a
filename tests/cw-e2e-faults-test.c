/* End-to-end tests of `candlewick serve` under faults: a bot whose feed
 * cannot start, signals during start-up, a full database, a read-only
 * database, bad command-line intervals, a missing database and bad bot
 * ids. The real executable runs against real SQLite files; every wait is
 * bounded. */
#include "cw-test-utils.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

typedef struct {
	char *tmpdir;
	char *data;           /* 10 days of synthetic 5m candles */
	GPtrArray *immutable; /* paths given chattr +i, undone in teardown */
	char *mount;          /* a tmpfs mounted here, unmounted in teardown */
} Fx;

/* ---- fixture ------------------------------------------------------------ */

static void
fx_setup(Fx *fx, gconstpointer user_data)
{
	fx->tmpdir = cw_test_tmpdir("cw-faults-XXXXXX");
	fx->immutable = g_ptr_array_new_with_free_func(g_free);
	fx->data = cw_test_synth_in(fx->tmpdir, "10", "5");
}

static gboolean
fx_run_tool(const char *const *argv)
{
	int status = -1;

	if (!g_spawn_sync(NULL, (char **) argv, NULL,
			  G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
			      G_SPAWN_STDERR_TO_DEV_NULL,
			  NULL, NULL, NULL, NULL, &status, NULL))
		return FALSE;
	return g_spawn_check_wait_status(status, NULL);
}

static void
fx_undo_immutable(Fx *fx)
{
	for (guint i = 0; i < fx->immutable->len; i++)
		fx_run_tool((const char *const[]){"chattr", "-i", fx->immutable->pdata[i], NULL});
	g_ptr_array_set_size(fx->immutable, 0);
}

static void
fx_teardown(Fx *fx, gconstpointer user_data)
{
	fx_undo_immutable(fx);
	if (fx->mount != NULL)
		fx_run_tool((const char *const[]){"umount", fx->mount, NULL});
	g_ptr_array_unref(fx->immutable);
	cw_test_rm_rf(fx->tmpdir);
	g_free(fx->mount);
	g_free(fx->tmpdir);
	g_free(fx->data);
}

/* Copies the database file and its WAL, if any, to dst (dst-wal). */
static gboolean
fx_copy_db(const char *src, const char *dst)
{
	const char *suffixes[] = {"", "-wal"};

	for (guint i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		g_autofree char *from = g_strconcat(src, suffixes[i], NULL);
		g_autofree char *to = g_strconcat(dst, suffixes[i], NULL);
		g_autofree char *bytes = NULL;
		gsize len = 0;

		if (!g_file_test(from, G_FILE_TEST_EXISTS))
			continue;
		if (!g_file_get_contents(from, &bytes, &len, NULL) ||
		    !g_file_set_contents(to, bytes, (gssize) len, NULL))
			return FALSE;
	}
	return TRUE;
}

static char *
fx_path(Fx *fx, const char *name)
{
	return g_build_filename(fx->tmpdir, name, NULL);
}

/* ---- bots --------------------------------------------------------------- */

/* The ema-trend example as NAME, replaying PATH at SPEED. */
static char *
bot_config(const char *name, const char *path, double speed)
{
	g_autofree char *example = cw_test_example("ema-trend.json");
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	JsonObject *root = cw_test_load_json(parser, example);
	JsonObject *feed = json_object_new();

	json_object_set_string_member(root, "name", name);
	json_object_set_string_member(feed, "type", "replay");
	json_object_set_string_member(feed, "path", path);
	json_object_set_double_member(feed, "speed", speed);
	json_object_set_object_member(root, "feed", feed);
	json_generator_set_root(gen, json_parser_get_root(parser));
	return json_generator_to_data(gen, NULL);
}

/* `candlewick bots add`, which creates the database. */
static void
bot_add(Fx *fx, const char *db, const char *name, const char *path, double speed)
{
	g_autofree char *text = bot_config(name, path, speed);
	g_autofree char *file = g_strdup_printf("%s/%s.json", fx->tmpdir, name);
	g_autofree char *err = NULL;
	int status;

	g_assert_true(g_file_set_contents(file, text, -1, NULL));
	status = cw_test_run(NULL, &err, "bots", "add", "--db", db, "--config", file, NULL);
	if (status != 0)
		g_printerr("bots add: %s\n", err);
	g_assert_cmpint(status, ==, 0);
}

/* A row written by plain SQL, as another program would. */
static void
bot_insert(const char *db, gint64 id, const char *name, const char *path, double speed)
{
	g_autofree char *text = bot_config(name, path, speed);
	char *sql = sqlite3_mprintf("INSERT INTO trading_bots (id, name, config, enabled) VALUES "
				    "(%lld, %Q, %Q, 1)",
				    (long long) id, name, text);

	cw_test_db_exec(db, sql);
	sqlite3_free(sql);
}

static gint64
db_count(const char *db, const char *where)
{
	g_autofree char *sql = g_strdup_printf("SELECT count(*) FROM trading_bots WHERE %s", where);

	return cw_test_db_int(db, sql, -1);
}

static char *
db_bot_text(const char *db, const char *name, const char *column)
{
	char *sql = sqlite3_mprintf("SELECT %s FROM trading_bots WHERE name = %Q", column, name);
	char *text = cw_test_db_text(db, sql);

	sqlite3_free(sql);
	return text;
}

/* ---- the service -------------------------------------------------------- */

typedef struct {
	GSubprocess *proc;
	char *log;
} Serve;

static void
serve_child_setup(gpointer user_data)
{
	uid_t uid = (uid_t) GPOINTER_TO_UINT(user_data);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* the user's case for a test that runs as root: a plain user */
	if (uid != 0 && (setgid((gid_t) uid) != 0 || setuid(uid) != 0))
		_exit(99);
}

/* `candlewick serve ARGS...` with stderr in TMPDIR/LOG, as user uid (0:
 * the test's own). */
static Serve *
serve_spawn(Fx *fx, const char *log, guint uid, const char *const *args)
{
	g_autoptr(GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	Serve *s = g_new0(Serve, 1);

	s->log = fx_path(fx, log);
	g_subprocess_launcher_set_stderr_file_path(launcher, s->log);
	g_subprocess_launcher_set_child_setup(launcher, serve_child_setup, GUINT_TO_POINTER(uid),
					      NULL);
	g_subprocess_launcher_unsetenv(launcher, "NOTIFY_SOCKET");
	g_subprocess_launcher_unsetenv(launcher, "WATCHDOG_USEC");
	g_subprocess_launcher_unsetenv(launcher, "CW_DB");
	g_ptr_array_add(argv, (gpointer) cw_test_exe());
	g_ptr_array_add(argv, (gpointer) "serve");
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer) args[i]);
	g_ptr_array_add(argv, NULL);
	s->proc = g_subprocess_launcher_spawnv(launcher, (const char *const *) argv->pdata, &error);
	/* another user may not be able to reach the executable */
	if (s->proc == NULL && uid != 0) {
		g_test_message("cannot run serve as uid %u: %s", uid, error->message);
		g_free(s->log);
		g_free(s);
		return NULL;
	}
	g_assert_no_error(error);
	return s;
}

static char *
serve_log(Serve *s)
{
	char *text = NULL;

	if (!g_file_get_contents(s->log, &text, NULL, NULL))
		return g_strdup("");
	return text;
}

/* Waits for the end; the exit status, 128 + N when signal N ended it. */
static int
serve_wait(Serve *s, guint timeout_ms)
{
	if (!cw_test_subprocess_wait(s->proc, timeout_ms)) {
		g_autofree char *log = serve_log(s);
		g_printerr("serve did not exit within %u ms; log:\n%s\n", timeout_ms, log);
		g_subprocess_force_exit(s->proc);
		cw_test_subprocess_wait(s->proc, 5000);
		g_assert_not_reached();
	}
	if (g_subprocess_get_if_signaled(s->proc))
		return 128 + g_subprocess_get_term_sig(s->proc);
	return g_subprocess_get_exit_status(s->proc);
}

static void
serve_free(Serve *s)
{
	if (!cw_test_subprocess_wait(s->proc, 0)) {
		g_subprocess_force_exit(s->proc);
		cw_test_subprocess_wait(s->proc, 5000);
	}
	g_object_unref(s->proc);
	g_free(s->log);
	g_free(s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Serve, serve_free)

#define SERVE(fx, log, ...) serve_spawn(fx, log, 0, (const char *const[]){__VA_ARGS__, NULL})

/* TRUE once the log holds needle; FALSE (and the log printed) after
 * timeout_ms. */
static gboolean
serve_log_wait(Serve *s, const char *needle, guint timeout_ms)
{
	CwTestDeadline d = cw_test_deadline(timeout_ms);

	do {
		g_autofree char *log = serve_log(s);
		if (strstr(log, needle) != NULL)
			return TRUE;
	} while (cw_test_deadline_wait(&d, 20));
	{
		g_autofree char *log = serve_log(s);
		g_printerr("no '%s' in the log after %u ms:\n%s\n", needle, timeout_ms, log);
	}
	return FALSE;
}

static void
serve_wait_log(Serve *s, const char *needle, guint timeout_ms)
{
	g_assert_true(serve_log_wait(s, needle, timeout_ms));
}

static guint
count_lines_with(const char *text, const char *needle)
{
	guint n = 0;

	for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* ---- 1. one bot's bad feed at start-up ---------------------------------- */

static void
test_bad_feed_at_start(Fx *fx, gconstpointer user_data)
{
	g_autofree char *db = fx_path(fx, "feeds.db");
	g_autofree char *broken = fx_path(fx, "broken.json");
	g_autofree char *gone = fx_path(fx, "gone.csv");
	g_autofree char *log = NULL, *e1 = NULL, *e2 = NULL, *e3 = NULL;
	g_autoptr(Serve) s = NULL;

	/* a JSON candle file cut short; a file that cannot be read */
	g_assert_true(g_file_set_contents(broken, "[{\"open_time\": 1, ", -1, NULL));
	g_assert_true(g_file_set_contents(gone, "x", -1, NULL));
	bot_add(fx, db, "good", fx->data, 0);
	bot_add(fx, db, "broken-json", broken, 0);
	bot_add(fx, db, "proc-mem", "/proc/self/mem", 0);
	bot_add(fx, db, "missing", gone, 0);
	g_assert_cmpint(g_unlink(gone), ==, 0);

	s = SERVE(fx, "feeds.log", "--db", db, "--exit-when-idle");
	g_assert_cmpint(serve_wait(s, 60000), ==, 0);
	log = serve_log(s);
	g_test_message("%s", log);
	g_assert_null(strstr(log, "cannot start"));
	g_assert_cmpint(db_count(db, "status IN ('running', 'starting')"), ==, 0);
	g_assert_cmpint(db_count(db, "status = 'error'"), ==, 3);
	g_assert_cmpint(db_count(db, "name = 'good' AND status = 'stopped' AND last_error IS NULL"),
			==, 1);
	g_assert_cmpint(cw_test_db_int(db,
				       "SELECT count(*) FROM trading_trades WHERE bot_name = "
				       "'good'",
				       0),
			>, 0);
	e1 = db_bot_text(db, "broken-json", "last_error");
	e2 = db_bot_text(db, "proc-mem", "last_error");
	e3 = db_bot_text(db, "missing", "last_error");
	g_assert_nonnull(strstr(e1, "broken.json"));
	g_assert_nonnull(strstr(e2, "mem"));
	g_assert_nonnull(strstr(e3, "gone.csv"));
	g_assert_nonnull(strstr(log, "[broken-json] error: "));
}

/* ---- 2. signals during start-up ----------------------------------------- */

#define N_MANY 200

/* N_MANY bots on one slow shared feed. */
static char *
many_db(Fx *fx, const char *name)
{
	char *db = fx_path(fx, name);
	g_autoptr(GString) sql = g_string_new("BEGIN;");

	bot_add(fx, db, "many-0", fx->data, 20000);
	for (guint i = 1; i < N_MANY; i++) {
		g_autofree char *bot = g_strdup_printf("many-%u", i);
		g_autofree char *text = bot_config(bot, fx->data, 20000);
		char *row = sqlite3_mprintf(
		    "INSERT INTO trading_bots (name, config, enabled) VALUES (%Q, %Q, 1);", bot,
		    text);
		g_string_append(sql, row);
		sqlite3_free(row);
	}
	g_string_append(sql, "COMMIT;");
	cw_test_db_exec(db, sql->str);
	return db;
}

/* TRUE once the process catches sig (SigCgt of /proc/PID/status). */
static gboolean
catches_signal(GSubprocess *proc, int sig)
{
	g_autofree char *path =
	    g_strdup_printf("/proc/%s/status", g_subprocess_get_identifier(proc));
	g_autofree char *text = NULL;
	const char *line;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return FALSE;
	line = strstr(text, "SigCgt:");
	if (line == NULL)
		return FALSE;
	return ((g_ascii_strtoull(line + 7, NULL, 16) >> (sig - 1)) & 1) != 0;
}

static void
wait_catches(GSubprocess *proc, int sig)
{
	CwTestDeadline d = cw_test_deadline(20000);

	while (!catches_signal(proc, sig)) {
		g_assert_false(cw_test_subprocess_wait(proc, 0));
		g_assert_true(cw_test_deadline_wait(&d, 1));
	}
}

static void
test_signals_at_start(Fx *fx, gconstpointer user_data)
{
	g_autofree char *db = many_db(fx, "many.db");
	g_autofree char *log = NULL;
	g_autoptr(Serve) s = NULL;
	gint64 running_when_caught;

	/* what an operator does: reload right after the start */
	s = SERVE(fx, "hup.log", "--db", db, "--poll-interval", "0.2");
	wait_catches(s->proc, SIGHUP);
	/* the handler comes before the bots start, not after */
	running_when_caught = db_count(db, "status = 'running'");
	g_test_message("%" G_GINT64_FORMAT " bots running when SIGHUP was caught",
		       running_when_caught);
	g_subprocess_send_signal(s->proc, SIGHUP);
	g_assert_cmpint(running_when_caught, <, N_MANY);
	serve_wait_log(s, "SIGHUP: reloading", 20000);
	serve_wait_log(s, "serving", 20000);
	g_subprocess_send_signal(s->proc, SIGTERM);
	g_assert_cmpint(serve_wait(s, 20000), ==, 0);
	g_assert_cmpint(db_count(db, "status IN ('running', 'starting')"), ==, 0);
	g_assert_cmpint(db_count(db, "status = 'stopped'"), ==, N_MANY);
	g_clear_pointer(&s, serve_free);

	/* SIGTERM in the middle of the start-up: a clean stop */
	s = SERVE(fx, "term.log", "--db", db, "--poll-interval", "0.2");
	wait_catches(s->proc, SIGTERM);
	g_subprocess_send_signal(s->proc, SIGTERM);
	g_assert_cmpint(serve_wait(s, 20000), ==, 0);
	log = serve_log(s);
	g_assert_nonnull(strstr(log, "signal: shutting down"));
	g_assert_null(strstr(log, "critical"));
	g_assert_cmpint(db_count(db, "status IN ('running', 'starting')"), ==, 0);
	g_assert_cmpint(db_count(db, "status = 'stopped'"), ==, N_MANY);
}

/* ---- 3. a full database ------------------------------------------------- */

/* Parses "PREFIX" N "SUFFIX" at text; returns N and sets *rest past SUFFIX. */
static guint64
parse_count(const char *text, const char *prefix, const char *suffix, const char **rest)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *digits = NULL;
	const char *end;
	guint64 v = 0;

	g_assert_true(g_str_has_prefix(text, prefix));
	text += strlen(prefix);
	for (end = text; g_ascii_isdigit(*end); end++)
		;
	g_assert_true(g_str_has_prefix(end, suffix));
	digits = g_strndup(text, (gsize) (end - text));
	g_ascii_string_to_unsigned(digits, 10, 0, G_MAXUINT64, &v, &error);
	g_assert_no_error(error);
	if (rest != NULL)
		*rest = end + strlen(suffix);
	return v;
}

/* Parses "stopped: W writes, D dropped". */
static void
parse_stopped(const char *log, guint64 *writes, guint64 *dropped)
{
	const char *line = strstr(log, "stopped: ");
	const char *rest = NULL;

	while (line != NULL && !g_ascii_isdigit(line[9]))
		line = strstr(line + 1, "stopped: ");
	g_assert_nonnull(line);
	*writes = parse_count(line, "stopped: ", " writes, ", &rest);
	*dropped = parse_count(rest, "", " dropped", NULL);
}

static void
test_disk_full(Fx *fx, gconstpointer user_data)
{
	g_autofree char *db = fx_path(fx, "full.db");
	g_autofree char *config = fx_path(fx, "service.json");
	g_autofree char *text = NULL, *log = NULL;
	g_autoptr(Serve) s = NULL;
	guint64 writes = 0, dropped = 0, unwritten = 0;
	const char *p;
	gint64 pages;

	bot_add(fx, db, "a", fx->data, 0);
	bot_add(fx, db, "b", fx->data, 0);
	/* room for a few orders, not for the journal */
	pages = cw_test_db_int(db, "PRAGMA page_count", -1);
	text =
	    g_strdup_printf("{\"store\": {\"max_page_count\": %" G_GINT64_FORMAT "}}", pages + 2);
	g_assert_true(g_file_set_contents(config, text, -1, NULL));

	s = SERVE(fx, "full.log", "--db", db, "--service-config", config, "--exit-when-idle");
	/* the writes that could not be made count: exit 1 with the reason */
	g_assert_cmpint(serve_wait(s, 60000), ==, 1);
	log = serve_log(s);
	g_test_message("%s", log);
	g_assert_nonnull(strstr(log, "database or disk is full: "));
	g_assert_null(strstr(log, "no transaction is active"));
	g_assert_null(strstr(log, "write dropped"));
	g_assert_null(strstr(log, "was not found"));
	/* said once, not per write or per tick */
	g_assert_cmpuint(count_lines_with(log, "store flush failed"), ==, 1);
	g_assert_cmpuint(count_lines_with(log, "\n"), <, 60);
	/* the counters say what happened */
	p = strstr(log, " writes could not be written before the exit");
	g_assert_nonnull(p);
	while (p > log && g_ascii_isdigit(p[-1]))
		p--;
	unwritten = g_ascii_strtoull(p, NULL, 10);
	parse_stopped(log, &writes, &dropped);
	g_assert_cmpuint(unwritten, >, 0);
	g_assert_cmpuint(dropped, ==, unwritten);
	g_assert_cmpint(db_count(db, "status IN ('running', 'starting')"), ==, 0);
}

/* A database that stays full: one line with the cause, then one every
 * 10 s with a count, whatever the number of flushes. */
static void
test_disk_full_repeats(Fx *fx, gconstpointer user_data)
{
	g_autofree char *db = fx_path(fx, "stays-full.db");
	g_autofree char *config = fx_path(fx, "service.json");
	g_autofree char *text = NULL, *log = NULL;
	g_autoptr(Serve) s = NULL;
	const char *repeat;
	guint64 n_more = 0;

	bot_add(fx, db, "stays", fx->data, 20000);
	text = g_strdup_printf("{\"store\": {\"max_page_count\": %" G_GINT64_FORMAT "}}",
			       cw_test_db_int(db, "PRAGMA page_count", -1));
	g_assert_true(g_file_set_contents(config, text, -1, NULL));
	s = SERVE(fx, "stays.log", "--db", db, "--service-config", config);
	serve_wait_log(s, "store flush failed: database or disk is full", 20000);
	serve_wait_log(s, "store flush still failing: ", 15000);
	g_subprocess_send_signal(s->proc, SIGTERM);
	/* what could not be written at exit makes the exit status 1 */
	g_assert_cmpint(serve_wait(s, 20000), ==, 1);
	log = serve_log(s);
	g_test_message("%s", log);
	g_assert_cmpuint(count_lines_with(log, "store flush failed"), ==, 1);
	g_assert_cmpuint(count_lines_with(log, "store flush still failing"), ==, 1);
	repeat = strstr(log, "store flush still failing: ");
	g_assert_nonnull(repeat);
	n_more = parse_count(repeat, "store flush still failing: ", " more failures", NULL);
	/* a flush every 0.25 s for 10 s, in one line */
	g_assert_cmpuint(n_more, >=, 30);
	g_assert_cmpuint(count_lines_with(log, "\n"), <, 30);
	g_assert_cmpint(db_count(db, "status IN ('running', 'starting')"), ==, 0);
}

/* A real full disk on a small tmpfs, then room again: the service goes on
 * without a restart and writes what it kept. */
static void
test_disk_full_recovers(Fx *fx, gconstpointer user_data)
{
	g_autofree char *mnt = fx_path(fx, "mnt");
	g_autofree char *db = NULL, *filler = NULL, *log = NULL;
	g_autofree char *after = fx_path(fx, "after.db");
	g_autoptr(Serve) s = NULL;
	guint64 writes = 0, dropped = 0;
	gint64 events_before = -1, events_after = -1;
	gboolean ok, finished, copied;

	g_assert_cmpint(g_mkdir(mnt, 0700), ==, 0);
	if (!fx_run_tool((const char *const[]){"mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs",
					       mnt, NULL})) {
		g_test_skip("cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN); the "
			    "full database is tested with max_page_count in disk-full");
		return;
	}
	fx->mount = g_strdup(mnt);
	db = g_build_filename(mnt, "bots.db", NULL);
	filler = g_build_filename(mnt, "filler", NULL);
	bot_add(fx, db, "slow", fx->data, 50000);

	/* nothing may abort while the tmpfs is mounted: the run first, then
	 * a copy of the database is checked once it is unmounted */
	s = SERVE(fx, "tmpfs.log", "--db", db, "--poll-interval", "0.2");
	ok = serve_log_wait(s, "serving 1 bots", 20000);
	if (ok) {
		/* fill the disk to the last byte */
		char block[65536] = {0};
		int fd = g_open(filler, O_WRONLY | O_CREAT, 0600);

		while (fd >= 0 && write(fd, block, sizeof block) > 0)
			;
		if (fd >= 0)
			close(fd);
		ok = fd >= 0;
	}
	ok = ok && serve_log_wait(s, "store flush failed: database or disk is full", 20000);
	if (ok) {
		events_before = cw_test_db_int(db, "SELECT count(*) FROM events", -1);
		g_usleep(G_USEC_PER_SEC);
	}
	g_unlink(filler);
	ok = ok && serve_log_wait(s, "store writable again", 20000);
	/* the kept writes landed */
	if (ok)
		events_after = cw_test_db_int(db, "SELECT count(*) FROM events", -1);
	g_subprocess_send_signal(s->proc, SIGTERM);
	finished = cw_test_subprocess_wait(s->proc, 20000);
	if (!finished) {
		g_subprocess_force_exit(s->proc);
		cw_test_subprocess_wait(s->proc, 5000);
	}
	copied = fx_copy_db(db, after);
	if (fx_run_tool((const char *const[]){"umount", mnt, NULL}))
		g_clear_pointer(&fx->mount, g_free);
	g_assert_true(ok);
	g_assert_true(finished);
	g_assert_true(copied);
	g_assert_cmpint(events_after, >, events_before);
	g_assert_true(g_subprocess_get_if_exited(s->proc));
	g_assert_cmpint(g_subprocess_get_exit_status(s->proc), ==, 0);
	g_free(db);
	db = g_steal_pointer(&after);
	log = serve_log(s);
	g_test_message("%s", log);
	g_assert_cmpuint(count_lines_with(log, "store flush failed"), ==, 1);
	g_assert_null(strstr(log, "no transaction is active"));
	parse_stopped(log, &writes, &dropped);
	g_assert_cmpuint(dropped, ==, 0);
	g_assert_cmpuint(writes, >, 0);
	/* the failed flushes counted nothing: what the bot wrote is in the
	 * tables, nothing was dropped */
	g_assert_cmpint(cw_test_db_int(db,
				       "SELECT json_extract(value, '$.dropped') FROM bot_state "
				       "WHERE key = 'writes'",
				       -1),
			==, 0);
	g_assert_cmpint(cw_test_db_int(db,
				       "SELECT json_extract(value, '$.written') FROM bot_state "
				       "WHERE key = 'writes'",
				       -1),
			>, 0);
	g_assert_cmpint(cw_test_db_int(db,
				       "SELECT json_extract(value, '$.written') FROM bot_state "
				       "WHERE key = 'writes'",
				       -1),
			<=, (gint64) writes);
	g_assert_cmpint(db_count(db, "status IN ('running', 'starting')"), ==, 0);
	/* when the disk filled between an order and its commit, the bot went
	 * to error (and its status was recorded once there was room);
	 * otherwise its orders were refused and it ran to the shutdown */
	{
		g_autofree char *how = db_bot_text(db, "slow",
						   "status || ': ' || "
						   "coalesce(last_error, '')");
		g_test_message("the bot ended %s", how);
		g_assert_true(g_str_has_prefix(how, "stopped: ") ||
			      g_str_has_prefix(how, "error: the order rows of a candle could "
						    "not be committed"));
	}
	/* every order in the journal has its row */
	g_assert_cmpint(cw_test_db_int(db,
				       "SELECT count(*) FROM events e WHERE e.type LIKE 'ORDER_%' "
				       "AND NOT EXISTS (SELECT 1 FROM orders o WHERE "
				       "o.client_order_id = json_extract(e.payload, "
				       "'$.order.client_order_id'))",
				       -1),
			==, 0);
}

/* ---- 4. a read-only database -------------------------------------------- */

/* Makes path unwritable for the service the way a user's chmod 444 does;
 * returns the uid to run the service as, or -1 when it is not possible. */
static gint64
make_unwritable(Fx *fx, const char *path)
{
	if (getuid() != 0) {
		g_assert_cmpint(g_chmod(path, 0444), ==, 0);
		return 0;
	}
	/* root ignores permission bits; an immutable file it cannot write */
	if (fx_run_tool((const char *const[]){"chattr", "+i", path, NULL})) {
		g_ptr_array_add(fx->immutable, g_strdup(path));
		return 0;
	}
	return -1;
}

static void
test_read_only(Fx *fx, gconstpointer user_data)
{
	g_autofree char *db = fx_path(fx, "ro.db");
	g_autofree char *dir = fx_path(fx, "rodir");
	g_autofree char *dirdb = g_build_filename(dir, "bots.db", NULL);
	g_autofree char *log = NULL, *log2 = NULL, *log3 = NULL, *updated = NULL, *now = NULL;
	g_autoptr(Serve) s = NULL;
	gint64 uid;
	int status;

	bot_add(fx, db, "ro", fx->data, 0);
	updated = db_bot_text(db, "ro", "coalesce(stopped_at, 0) || status");

	/* as a plain user, whatever user the test runs as */
	if (getuid() == 0) {
		/* the user's own directory, not the user's file */
		g_assert_cmpint(g_chmod(fx->tmpdir, 0777), ==, 0);
		g_assert_cmpint(g_chmod(fx->data, 0644), ==, 0);
		g_assert_cmpint(g_chmod(db, 0444), ==, 0);
		s = serve_spawn(fx, "nobody.log", 65534,
				(const char *const[]){"--db", db, "--exit-when-idle", NULL});
		if (s != NULL) {
			status = serve_wait(s, 20000);

			log = serve_log(s);
			g_test_message("as nobody (exit %d): %s", status, log);
			/* 99: the child could not become nobody (a user namespace) */
			if (status != 99) {
				g_assert_cmpint(status, ==, 1);
				g_assert_nonnull(strstr(log, "read-only"));
			}
			g_clear_pointer(&s, serve_free);
		}
		g_assert_cmpint(g_chmod(db, 0644), ==, 0);
	}

	/* the file: chmod 444 for a user, immutable for root */
	uid = make_unwritable(fx, db);
	if (uid < 0) {
		g_test_skip("running as root and chattr +i does not work on this file system: "
			    "only the run as nobody was tested");
		return;
	}
	s = SERVE(fx, "ro.log", "--db", db, "--exit-when-idle");
	status = serve_wait(s, 20000);
	/* undone before any assertion can abort the test */
	fx_undo_immutable(fx);
	g_assert_cmpint(status, ==, 1);
	log2 = serve_log(s);
	g_test_message("read-only file: %s", log2);
	g_assert_nonnull(strstr(log2, "refusing to serve"));
	g_assert_nonnull(strstr(log2, "read-only"));
	now = db_bot_text(db, "ro", "coalesce(stopped_at, 0) || status");
	g_assert_cmpstr(now, ==, updated);
	g_assert_cmpint(cw_test_db_int(db, "SELECT count(*) FROM trading_trades", -1), ==, 0);
	g_clear_pointer(&s, serve_free);

	/* a directory where the WAL cannot be created */
	g_assert_cmpint(g_mkdir(dir, 0755), ==, 0);
	bot_add(fx, dirdb, "ro-dir", fx->data, 0);
	if (getuid() == 0) {
		g_assert_true(fx_run_tool((const char *const[]){"chattr", "+i", dir, NULL}));
		g_ptr_array_add(fx->immutable, g_strdup(dir));
	} else {
		g_assert_cmpint(g_chmod(dir, 0555), ==, 0);
	}
	s = SERVE(fx, "rodir.log", "--db", dirdb, "--exit-when-idle");
	status = serve_wait(s, 20000);
	fx_undo_immutable(fx);
	g_assert_cmpint(status, ==, 1);
	log3 = serve_log(s);
	g_test_message("read-only directory: %s", log3);
	g_assert_nonnull(strstr(log3, "bots.db"));
	g_assert_nonnull(strstr(log3, "read-only"));
	if (getuid() != 0)
		g_assert_cmpint(g_chmod(dir, 0755), ==, 0);
}

/* ---- 5. the command line ------------------------------------------------ */

static void
test_cli_intervals(Fx *fx, gconstpointer user_data)
{
	g_autofree char *db = fx_path(fx, "cli.db");
	static const char *const bad[][2] = {
	    {"--poll-interval", "0"},      {"--poll-interval", "-1"},
	    {"--poll-interval", "nan"},    {"--shutdown-timeout", "-1"},
	    {"--heartbeat-interval", "0"}, {"--metrics-interval", "inf"},
	    {"--poll-interval", "2s"},
	};

	bot_add(fx, db, "cli", fx->data, 0);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *err = NULL;
		int status = cw_test_run(NULL, &err, "serve", "--db", db, bad[i][0], bad[i][1],
					 "--exit-when-idle", NULL);
		g_test_message("%s %s: %d %s", bad[i][0], bad[i][1], status, err);
		g_assert_cmpint(status, ==, 2);
		g_assert_nonnull(strstr(err, bad[i][0]));
	}
	{
		/* the same words as the service config */
		g_autofree char *err = NULL;
		g_assert_cmpint(
		    cw_test_run(NULL, &err, "serve", "--db", db, "--poll-interval", "0", NULL), ==,
		    2);
		g_assert_nonnull(strstr(err, "poll_interval_s"));
	}
	/* what the config accepts the command line accepts */
	g_assert_cmpint(cw_test_run(NULL, NULL, "serve", "--db", db, "--poll-interval", "0.05",
				    "--shutdown-timeout", "0", "--exit-when-idle", NULL),
			==, 0);
}

static void
test_missing_db(Fx *fx, gconstpointer user_data)
{
	g_autofree char *db = fx_path(fx, "typo.db");
	g_autofree char *err = NULL;

	g_assert_cmpint(cw_test_run(NULL, &err, "serve", "--db", db, "--exit-when-idle", NULL), ==,
			1);
	g_test_message("%s", err);
	g_assert_nonnull(strstr(err, "typo.db"));
	g_assert_nonnull(strstr(err, "--create"));
	g_assert_false(g_file_test(db, G_FILE_TEST_EXISTS));
	g_assert_cmpint(
	    cw_test_run(NULL, NULL, "serve", "--db", db, "--create", "--exit-when-idle", NULL), ==,
	    0);
	g_assert_true(g_file_test(db, G_FILE_TEST_EXISTS));
}

/* ---- 6. bad bot ids ----------------------------------------------------- */

static void
test_bad_ids(Fx *fx, gconstpointer user_data)
{
	g_autofree char *db = fx_path(fx, "ids.db");
	g_autofree char *e1 = NULL, *e2 = NULL;
	g_autoptr(Serve) s = NULL;

	bot_add(fx, db, "good", fx->data, 0);
	bot_insert(db, -3, "negative", fx->data, 0);
	bot_insert(db, 0, "zero", fx->data, 0);
	s = SERVE(fx, "ids.log", "--db", db, "--exit-when-idle");
	g_assert_cmpint(serve_wait(s, 60000), ==, 0);
	g_assert_cmpint(db_count(db, "status IN ('running', 'starting')"), ==, 0);
	e1 = db_bot_text(db, "negative", "status || ': ' || coalesce(last_error, '')");
	e2 = db_bot_text(db, "zero", "status || ': ' || coalesce(last_error, '')");
	g_test_message("%s / %s", e1, e2);
	g_assert_true(g_str_has_prefix(e1, "error: trading_bots row id -3 "));
	g_assert_true(g_str_has_prefix(e2, "error: trading_bots row id 0 "));
	g_assert_cmpint(cw_test_db_int(db, "SELECT count(*) FROM orders WHERE bot_id IS NULL", -1),
			==, 0);
	g_assert_cmpint(cw_test_db_int(db,
				       "SELECT count(*) FROM trading_trades WHERE bot_name != "
				       "'good'",
				       -1),
			==, 0);
	g_assert_cmpint(db_count(db, "name = 'good' AND status = 'stopped'"), ==, 1);
	/* the bot's write counters, as bots show prints them */
	g_assert_cmpint(cw_test_db_int(db,
				       "SELECT json_extract(value, '$.written') FROM bot_state s "
				       "JOIN trading_bots b ON b.id = s.bot_id WHERE b.name = "
				       "'good' AND s.key = 'writes'",
				       -1),
			>, 0);
	g_assert_cmpint(cw_test_db_int(db,
				       "SELECT json_extract(value, '$.dropped') FROM bot_state s "
				       "JOIN trading_bots b ON b.id = s.bot_id WHERE b.name = "
				       "'good' AND s.key = 'writes'",
				       -1),
			==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, func) g_test_add(path, Fx, NULL, fx_setup, func, fx_teardown)
	ADD("/e2e/faults/bad-feed-at-start", test_bad_feed_at_start);
	ADD("/e2e/faults/signals-at-start", test_signals_at_start);
	ADD("/e2e/faults/disk-full", test_disk_full);
	ADD("/e2e/faults/disk-full-repeats", test_disk_full_repeats);
	ADD("/e2e/faults/disk-full-recovers", test_disk_full_recovers);
	ADD("/e2e/faults/read-only", test_read_only);
	ADD("/e2e/faults/cli-intervals", test_cli_intervals);
	ADD("/e2e/faults/missing-db", test_missing_db);
	ADD("/e2e/faults/bad-ids", test_bad_ids);
#undef ADD
	return g_test_run();
}
