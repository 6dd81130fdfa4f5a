/* End-to-end tests of what the command line refuses: options given twice,
 * stray arguments, time zones that are paths, FIFOs or POSIX strings,
 * output files that are not regular files, feed sections that serve could
 * not run; and what it writes: through symlinks, to stdout. The real
 * executable through GSubprocess, every run bounded in time. */
#include "cw-test-utils.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

/* A run that takes longer than this hangs (a FIFO opened for reading). */
#define E2E_CLI_TIMEOUT_MS 60000

typedef struct {
	char *tmpdir;
	char *data; /* 3 days of synthetic 5m candles */
	char *db;
} E2eFixture;

static void
e2e_setup(E2eFixture *fx, gconstpointer user_data)
{
	fx->tmpdir = cw_test_tmpdir("cw-e2e-cli-XXXXXX");
	fx->db = g_build_filename(fx->tmpdir, "bots.db", NULL);
	fx->data = cw_test_synth_in(fx->tmpdir, "3", "5");
}

static void
e2e_teardown(E2eFixture *fx, gconstpointer user_data)
{
	cw_test_rm_rf(fx->tmpdir);
	g_free(fx->tmpdir);
	g_free(fx->data);
	g_free(fx->db);
}

/* tmpdir/name */
static char *
e2e_path(E2eFixture *fx, const char *name)
{
	return g_build_filename(fx->tmpdir, name, NULL);
}

/* Writes a small bot config to tmpdir/file: one EMA analyzer on BTCUSDT 5m,
 * then extra (members of the top-level object, may be ""). */
static char *
e2e_write_bot(E2eFixture *fx, const char *file, const char *name, const char *extra)
{
	g_autofree char *json = g_strdup_printf(
	    "{\"name\": \"%s\", \"symbol\": \"BTCUSDT\", \"interval\": \"5m\","
	    " \"strategy\": {\"analyzers\": [{\"type\": \"ema_cross\", \"weight\": 1}],"
	    " \"sizing\": {\"quote\": 1000}}%s%s}",
	    name, extra[0] != '\0' ? ", " : "", extra);
	char *path = e2e_path(fx, file);

	g_assert_true(g_file_set_contents(path, json, -1, NULL));
	return path;
}

/* A feed section that replays the fixture's data. */
static char *
e2e_feed(E2eFixture *fx)
{
	return g_strdup_printf("\"feed\": {\"type\": \"replay\", \"path\": \"%s\"}", fx->data);
}

/* Runs candlewick (bounded); fails the test when it hangs. */
#define e2e_run(out, err, ...)                                                                     \
	({                                                                                         \
		int s_ = cw_test_run_bounded(E2E_CLI_TIMEOUT_MS, out, err, __VA_ARGS__);           \
		if (s_ == -2)                                                                      \
			cw_test_fail_now("candlewick did not end within %d ms",                    \
					 E2E_CLI_TIMEOUT_MS);                                      \
		s_;                                                                                \
	})

static void
e2e_assert_contains(const char *text, const char *needle)
{
	if (strstr(text, needle) == NULL)
		cw_test_fail_now("'%s' not in:\n%s", needle, text);
}

/* ---- options given twice, stray arguments ---- */

static void
test_cli_repeated_options(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *a = e2e_write_bot(fx, "a.json", "a", "");
	g_autofree char *b = e2e_write_bot(fx, "b.json", "b", "");
	g_autofree char *err = NULL;

	g_assert_cmpint(
	    e2e_run(NULL, &err, "bots", "add", "--db", fx->db, "--config", a, "--config", b, NULL),
	    ==, 2);
	e2e_assert_contains(err, "candlewick bots add: --config given twice; give it once");
	g_assert_false(g_file_test(fx->db, G_FILE_TEST_EXISTS));
	g_clear_pointer(&err, g_free);
	/* -c and --config=, the forms GLib accepts, count alike */
	g_assert_cmpint(
	    e2e_run(NULL, &err, "bots", "add", "--db", fx->db, "-c", a, "--config=b.json", NULL),
	    ==, 2);
	e2e_assert_contains(err, "--config given twice");
	g_clear_pointer(&err, g_free);

	g_assert_cmpint(e2e_run(NULL, &err, "backtest", "--config", a, "--data", fx->data, "--data",
				fx->data, NULL),
			==, 2);
	e2e_assert_contains(err, "candlewick backtest: --data given twice; give it once");
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(e2e_run(NULL, &err, "indicators", "--data", fx->data, "--spec", "sma:5",
				"--spec", "ema:5", NULL),
			==, 2);
	e2e_assert_contains(err, "--spec given twice");
	g_clear_pointer(&err, g_free);
	/* the value of an option is not an option: "--symbol --symbol" is one */
	g_assert_cmpint(e2e_run(NULL, &err, "synth", "--days", "0.01", "--symbol", "--symbol",
				"--output", "-", NULL),
			==, 0);
	g_clear_pointer(&err, g_free);
	/* --config of backtest is repeatable: one bot each */
	g_assert_cmpint(e2e_run(NULL, &err, "backtest", "--quiet", "--config", a, "--config", b,
				"--data", fx->data, NULL),
			==, 0);
}

static void
test_cli_stray_arguments(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *a = e2e_write_bot(fx, "a.json", "a", "");
	g_autofree char *err = NULL;
	const char *const *argvs[] = {
	    (const char *const[]){"backtest", "--config", a, "--data", fx->data, "stray", NULL},
	    (const char *const[]){"indicators", "--data", fx->data, "--spec", "sma:5", "stray",
				  NULL},
	    (const char *const[]){"synth", "--days", "0.01", "stray", NULL},
	    (const char *const[]){"events", "--db", fx->db, "stray", NULL},
	    (const char *const[]){"serve", "--db", fx->db, "stray", NULL},
	    (const char *const[]){"demo", "--out", fx->tmpdir, "stray", NULL},
	    (const char *const[]){"bots", "list", "--db", fx->db, "stray", NULL},
	    (const char *const[]){"bots", "add", "--config", a, "stray", NULL},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(argvs); i++) {
		g_autofree char *out = NULL;
		int status;

		g_clear_pointer(&err, g_free);
		status = cw_test_runv(&out, &err, argvs[i]);
		if (status != 2 || strstr(err, "stray") == NULL)
			cw_test_fail_now("%s: status %d, stderr: %s", argvs[i][0], status, err);
	}
	g_assert_false(g_file_test(fx->db, G_FILE_TEST_EXISTS));
}

/* ---- time zones ---- */

/* The run must fail with status 1, within the bound, with message in
 * stderr, whatever command and timezone key. */
static void
e2e_expect_tz_refused(E2eFixture *fx, const char *tz, const char *message)
{
	g_autofree char *session = g_strdup_printf(
	    "\"guardrails\": {\"session\": {\"timezone\": \"%s\", \"start\": \"08:00\", "
	    "\"end\": \"20:00\"}}",
	    tz);
	g_autofree char *filter = g_strdup_printf(
	    "\"strategies\": [{\"id\": \"s\", \"filters\": {\"session\": {\"timezone\": \"%s\"}}}]",
	    tz);
	g_autofree char *feed = e2e_feed(fx);
	g_autofree char *with_feed = g_strdup_printf("%s, %s", session, feed);
	g_autofree char *guard_cfg = e2e_write_bot(fx, "tz-guard.json", "tz-guard", with_feed);
	g_autofree char *filter_cfg = e2e_write_bot(fx, "tz-filter.json", "tz-filter", filter);
	g_autofree char *err = NULL;
	gint64 start = g_get_monotonic_time();

	g_assert_cmpint(
	    e2e_run(NULL, &err, "backtest", "--config", guard_cfg, "--data", fx->data, NULL), ==,
	    1);
	e2e_assert_contains(err, "guardrails.session.timezone: ");
	e2e_assert_contains(err, message);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(
	    e2e_run(NULL, &err, "backtest", "--config", filter_cfg, "--data", fx->data, NULL), ==,
	    1);
	e2e_assert_contains(err, "strategies[0].filters.session.timezone: ");
	e2e_assert_contains(err, message);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(
	    e2e_run(NULL, &err, "bots", "add", "--db", fx->db, "--config", guard_cfg, NULL), ==, 1);
	e2e_assert_contains(err, "guardrails.session.timezone: ");
	e2e_assert_contains(err, message);
	g_assert_false(g_file_test(fx->db, G_FILE_TEST_EXISTS));
	/* refused at once, not after a wait */
	g_assert_cmpint(g_get_monotonic_time() - start, <, 30 * G_USEC_PER_SEC);
}

static void
test_cli_timezone_refused(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *fifo = e2e_path(fx, "fifo");
	g_autofree char *dots = g_strdup_printf("../../../../../../..%s", fifo);

	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	e2e_expect_tz_refused(fx, fifo, "is a file path, not a zone name");
	e2e_expect_tz_refused(fx, dots, "has a '..' component");
	e2e_expect_tz_refused(fx, "../../../../etc/passwd", "has a '..' component");
	e2e_expect_tz_refused(fx, "/etc/localtime", "is a file path");
	e2e_expect_tz_refused(fx, "UTC+5", "write the offset as \"+05:00\"");
}

/* serve loads a row whose time zone is a FIFO: that bot goes to error at
 * once, the main loop is not blocked and the service ends. */
static void
test_cli_timezone_refused_at_serve(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *feed = e2e_feed(fx);
	g_autofree char *fifo = e2e_path(fx, "tz-fifo");
	g_autofree char *good = e2e_write_bot(fx, "good.json", "good", feed);
	g_autofree char *extra = NULL;
	g_autofree char *bad = NULL;
	g_autofree char *text = NULL;
	g_autofree char *status = NULL, *last_error = NULL;
	char *sql;

	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	g_assert_cmpint(e2e_run(NULL, NULL, "bots", "add", "--db", fx->db, "--config", good, NULL),
			==, 0);
	extra = g_strdup_printf("%s, \"guardrails\": {\"daily_loss\": {\"percent\": 5, "
				"\"timezone\": \"%s\"}}",
				feed, fifo);
	bad = e2e_write_bot(fx, "bad.json", "good", extra);
	g_assert_true(g_file_get_contents(bad, &text, NULL, NULL));
	sql = sqlite3_mprintf("UPDATE trading_bots SET config = %Q", text);
	cw_test_db_exec(fx->db, sql);
	sqlite3_free(sql);
	e2e_run(NULL, NULL, "serve", "--db", fx->db, "--exit-when-idle", NULL);
	status = cw_test_db_text(fx->db, "SELECT status FROM trading_bots");
	last_error = cw_test_db_text(fx->db, "SELECT last_error FROM trading_bots");
	g_assert_cmpstr(status, ==, "error");
	g_assert_nonnull(last_error);
	e2e_assert_contains(last_error, "guardrails.daily_loss.timezone: ");
	e2e_assert_contains(last_error, "is a file path");
}

static void
test_cli_timezone_accepted(E2eFixture *fx, gconstpointer user_data)
{
	const char *zones[] = {"Europe/Berlin", "America/Argentina/Buenos_Aires",
			       "UTC",           "Etc/GMT+5",
			       "+05:00",        "-03:30"};

	for (gsize i = 0; i < G_N_ELEMENTS(zones); i++) {
		g_autofree char *extra = g_strdup_printf(
		    "\"guardrails\": {\"daily_loss\": {\"percent\": 5, \"timezone\": \"%s\"}}",
		    zones[i]);
		g_autofree char *cfg = e2e_write_bot(fx, "tz.json", "tz", extra);
		g_autofree char *out = NULL, *err = NULL;
		int status = e2e_run(&out, &err, "backtest", "--quiet", "--config", cfg, "--data",
				     fx->data, NULL);

		if (status != 0)
			cw_test_fail_now("%s: %s", zones[i], err);
	}
}

/* ---- output files ---- */

static void
test_cli_output_symlink(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *cfg = e2e_write_bot(fx, "a.json", "a", "");
	g_autofree char *sub = e2e_path(fx, "reports");
	g_autofree char *target = g_build_filename(sub, "report.json", NULL);
	g_autofree char *link = e2e_path(fx, "latest.json");
	g_autofree char *csv_link = e2e_path(fx, "trades.csv");
	g_autofree char *csv_target = e2e_path(fx, "dangling-target.csv");
	g_autofree char *contents = NULL;
	g_autofree char *err = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	GStatBuf st;

	g_assert_cmpint(g_mkdir(sub, 0755), ==, 0);
	g_assert_true(g_file_set_contents(target, "old", -1, NULL));
	g_assert_cmpint(g_chmod(target, 0640), ==, 0);
	g_assert_cmpint(symlink("reports/report.json", link), ==, 0);
	/* a link to a file that does not exist yet creates its target */
	g_assert_cmpint(symlink("dangling-target.csv", csv_link), ==, 0);

	g_assert_cmpint(e2e_run(NULL, &err, "backtest", "--quiet", "--config", cfg, "--data",
				fx->data, "--report-json", link, "--trades-csv", csv_link, NULL),
			==, 0);
	g_assert_true(g_file_test(link, G_FILE_TEST_IS_SYMLINK));
	g_assert_true(g_file_test(csv_link, G_FILE_TEST_IS_SYMLINK));
	cw_test_load_json(parser, target);
	g_assert_true(g_file_get_contents(csv_target, &contents, NULL, NULL));
	g_assert_true(g_str_has_prefix(contents, "bot,"));
	/* the replaced file keeps its permissions; no temporary file is left */
	g_assert_cmpint(g_stat(target, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0640);
	{
		g_autoptr(GDir) dir = g_dir_open(sub, 0, NULL);
		g_assert_cmpstr(g_dir_read_name(dir), ==, "report.json");
		g_assert_null(g_dir_read_name(dir));
	}
}

static void
test_cli_output_refused(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *cfg = e2e_write_bot(fx, "a.json", "a", "");
	g_autofree char *fifo = e2e_path(fx, "out.fifo");
	g_autofree char *devnull = e2e_path(fx, "null-link");
	g_autofree char *dir = e2e_path(fx, "a-dir");
	const char *options[] = {"--report-json", "--trades-csv", "--equity-svg"};
	struct {
		const char *path;
		const char *kind;
	} refused[] = {
	    {fifo, "is a FIFO"}, {devnull, "is a character device"}, {dir, "is a directory"}};

	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	/* through a link, so that a build without the fix cannot replace /dev/null */
	g_assert_cmpint(symlink("/dev/null", devnull), ==, 0);
	g_assert_cmpint(g_mkdir(dir, 0755), ==, 0);
	for (gsize i = 0; i < G_N_ELEMENTS(refused); i++) {
		for (gsize o = 0; o < G_N_ELEMENTS(options); o++) {
			g_autofree char *err = NULL;

			g_assert_cmpint(e2e_run(NULL, &err, "backtest", "--quiet", "--config", cfg,
						"--data", fx->data, options[o], refused[i].path,
						NULL),
					==, 1);
			e2e_assert_contains(err, refused[i].path);
			e2e_assert_contains(err, refused[i].kind);
		}
		{
			g_autofree char *err = NULL;

			g_assert_cmpint(e2e_run(NULL, &err, "synth", "--days", "0.1", "--output",
						refused[i].path, NULL),
					==, 1);
			e2e_assert_contains(err, refused[i].kind);
			g_clear_pointer(&err, g_free);
			g_assert_cmpint(e2e_run(NULL, &err, "indicators", "--data", fx->data,
						"--spec", "sma:5", "--output", refused[i].path,
						NULL),
					==, 1);
			e2e_assert_contains(err, refused[i].kind);
		}
	}
	{
		/* refused before the run: the missing data file is not even read */
		g_autofree char *err = NULL;
		g_autofree char *missing = e2e_path(fx, "missing.csv");

		g_assert_cmpint(e2e_run(NULL, &err, "backtest", "--config", cfg, "--data", missing,
					"--equity-svg", fifo, NULL),
				==, 1);
		e2e_assert_contains(err, "is a FIFO");
		g_assert_null(strstr(err, "missing.csv"));
		g_clear_pointer(&err, g_free);
		g_assert_cmpint(e2e_run(NULL, &err, "backtest", "--config", cfg, "--data", fx->data,
					"--report-json", "", NULL),
				==, 1);
		e2e_assert_contains(err, "empty output path");
	}
	/* still what they were */
	g_assert_true(g_file_test(devnull, G_FILE_TEST_IS_SYMLINK));
	g_assert_true(g_file_test(dir, G_FILE_TEST_IS_DIR));
	{
		GStatBuf st;
		g_assert_cmpint(g_lstat(fifo, &st), ==, 0);
		g_assert_true(S_ISFIFO(st.st_mode));
	}
}

static void
test_cli_output_stdout(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *cfg = e2e_write_bot(fx, "a.json", "a", "");
	g_autofree char *out = NULL, *err = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	/* the child runs in our working directory: "-" must not become a file there */
	gboolean dash_existed = g_file_test("-", G_FILE_TEST_EXISTS);

	g_assert_cmpint(e2e_run(&out, &err, "backtest", "--quiet", "--config", cfg, "--data",
				fx->data, "--report-json", "-", NULL),
			==, 0);
	json_parser_load_from_data(parser, out, -1, &error);
	g_assert_no_error(error);
	g_assert_true(
	    json_object_has_member(json_node_get_object(json_parser_get_root(parser)), "bots"));
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_run(&out, NULL, "synth", "--days", "0.01", "--output", "-", NULL), ==,
			0);
	g_assert_true(g_str_has_prefix(out, "time,open,high,low,close,volume\n"));
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_run(&out, NULL, "indicators", "--data", fx->data, "--spec", "sma:5",
				"-o", "-", NULL),
			==, 0);
	g_assert_true(g_str_has_prefix(out, "time,sma_5\n"));
	g_assert_true(dash_existed || !g_file_test("-", G_FILE_TEST_EXISTS));
}

/* ---- --interval ---- */

static void
test_cli_interval(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *one = e2e_path(fx, "one.csv");
	g_autofree char *cfg = e2e_write_bot(fx, "a.json", "a", "");
	g_autofree char *out = NULL, *err = NULL;

	g_assert_true(g_file_set_contents(
	    one, "time,open,high,low,close,volume\n1704067200,100,101,99,100.5,10\n", -1, NULL));
	/* one candle cannot tell its interval; the message names the option */
	g_assert_cmpint(e2e_run(NULL, &err, "backtest", "--config", cfg, "--data", one, NULL), ==,
			1);
	e2e_assert_contains(err, "one candle is not enough to detect the interval");
	e2e_assert_contains(err, "--interval");
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(e2e_run(&out, &err, "backtest", "--config", cfg, "--data", one,
				"--interval", "5m", NULL),
			==, 0);
	e2e_assert_contains(out, "1 candles");
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(e2e_run(&out, &err, "indicators", "--data", one, "--spec", "sma:2",
				"--interval", "5m", NULL),
			==, 0);
	g_assert_cmpstr(out, ==, "time,sma_2\n1704067200,\n");
	g_clear_pointer(&err, g_free);
	/* a wrong interval is the bot's interval check, a bad one a usage error */
	g_assert_cmpint(e2e_run(NULL, &err, "backtest", "--config", cfg, "--data", one,
				"--interval", "1h", NULL),
			==, 1);
	e2e_assert_contains(err, "1h");
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(e2e_run(NULL, &err, "indicators", "--data", one, "--spec", "sma:2",
				"--interval", "soon", NULL),
			==, 2);
	e2e_assert_contains(err, "--interval: invalid interval 'soon'");
}

/* ---- the feed section, checked by bots add ---- */

static void
test_cli_feed_refused(E2eFixture *fx, gconstpointer user_data)
{
	struct {
		const char *feed; /* @DATA@: the data file */
		const char *message;
	} cases[] = {
	    {"", "feed: missing: a bot needs a \"feed\" object"},
	    {", \"feed\": {\"type\": \"kraken\", \"path\": \"@DATA@\"}",
	     "feed.type: unknown feed type 'kraken' (known: binance, bybit, replay)"},
	    {", \"feed\": {\"path\": \"@DATA@\"}", "feed.type: required"},
	    {", \"feed\": {\"type\": \"replay\", \"path\": \"@DATA@\", \"sped\": 2}",
	     "feed.sped: unknown key (known: type, path, speed"},
	    {", \"feed\": {\"type\": \"replay\", \"path\": \"@DATA@\", \"speed\": -1}",
	     "feed.speed: expected a number >= 0, got -1"},
	    {", \"feed\": {\"type\": \"replay\"}", "feed.path: required"},
	    {", \"feed\": {\"type\": \"replay\", \"path\": \"@DATA@.missing\"}", "feed.path: "},
	    {", \"feed\": {\"type\": \"replay\", \"path\": \"@DATA@\", \"symbol\": \"ETHUSDT\"}",
	     "feed.symbol: 'ETHUSDT' is not the bot's symbol 'BTCUSDT'"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *json = g_strdup_printf(
		    "{\"name\": \"f\", \"symbol\": \"BTCUSDT\", \"interval\": \"5m\","
		    " \"strategy\": {\"analyzers\": [{\"type\": \"ema_cross\", \"weight\": 1}],"
		    " \"sizing\": {\"quote\": 1000}}%s}",
		    cases[i].feed);
		g_autoptr(GString) text = g_string_new(json);
		g_autofree char *cfg = e2e_path(fx, "feed.json");
		g_autofree char *err = NULL;

		g_string_replace(text, "@DATA@", fx->data, 0);
		g_assert_true(g_file_set_contents(cfg, text->str, -1, NULL));
		g_assert_cmpint(
		    e2e_run(NULL, &err, "bots", "add", "--db", fx->db, "--config", cfg, NULL), ==,
		    1);
		e2e_assert_contains(err, "candlewick bots add: ");
		e2e_assert_contains(err, "feed.json: ");
		e2e_assert_contains(err, cases[i].message);
		g_assert_false(g_file_test(fx->db, G_FILE_TEST_EXISTS));
	}
}

/* A row written by another program is checked the same way when serve
 * loads it: that bot goes to error with the path, the service goes on. */
static void
test_cli_feed_refused_at_serve(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *feed = e2e_feed(fx);
	g_autofree char *cfg = e2e_write_bot(fx, "good.json", "good", feed);
	g_autofree char *bad = g_strdup_printf(
	    "{\"name\": \"good\", \"symbol\": \"BTCUSDT\", \"interval\": \"5m\","
	    " \"strategy\": {\"analyzers\": [{\"type\": \"ema_cross\", \"weight\": 1}],"
	    " \"sizing\": {\"quote\": 1000}}, \"feed\": {\"type\": \"replay\", \"path\": \"%s\","
	    " \"symbol\": \"ETHUSDT\"}}",
	    fx->data);
	g_autofree char *sql = NULL;
	g_autofree char *status = NULL, *last_error = NULL;
	g_autofree char *err = NULL;
	int rc;

	g_assert_cmpint(e2e_run(NULL, &err, "bots", "add", "--db", fx->db, "--config", cfg, NULL),
			==, 0);
	sql = sqlite3_mprintf("UPDATE trading_bots SET config = %Q", bad);
	cw_test_db_exec(fx->db, sql);
	sqlite3_free(g_steal_pointer(&sql));
	g_clear_pointer(&err, g_free);
	rc = e2e_run(NULL, &err, "serve", "--db", fx->db, "--exit-when-idle", NULL);
	g_test_message("serve: %d\n%s", rc, err);
	status = cw_test_db_text(fx->db, "SELECT status FROM trading_bots");
	last_error = cw_test_db_text(fx->db, "SELECT last_error FROM trading_bots");
	g_assert_cmpstr(status, ==, "error");
	g_assert_nonnull(last_error);
	e2e_assert_contains(last_error, "feed.symbol: 'ETHUSDT' is not the bot's symbol");
}

/* ---- read-only commands never migrate ---- */

static void
test_cli_read_only_no_migration(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *feed = e2e_feed(fx);
	g_autofree char *cfg = e2e_write_bot(fx, "good.json", "good", feed);
	g_autofree char *older_sql = NULL;
	g_autofree char *older_text = NULL;
	g_autofree char *schema = NULL;
	gint64 current;
	const char *const *argvs[] = {
	    (const char *const[]){"bots", "list", "--db", fx->db, NULL},
	    (const char *const[]){"bots", "list", "--db", fx->db, "--json", NULL},
	    (const char *const[]){"bots", "show", "--db", fx->db, "good", NULL},
	    (const char *const[]){"events", "--db", fx->db, NULL},
	};

	g_assert_cmpint(e2e_run(NULL, NULL, "bots", "add", "--db", fx->db, "--config", cfg, NULL),
			==, 0);
	current = cw_test_db_int(fx->db, "PRAGMA user_version", -1);
	g_assert_cmpint(current, >=, 2);
	/* the file claims the schema before the current one */
	older_sql = g_strdup_printf("PRAGMA user_version = %" G_GINT64_FORMAT, current - 1);
	cw_test_db_exec(fx->db, older_sql);
	schema = cw_test_db_dump(fx->db, "SELECT sql FROM sqlite_master ORDER BY name");
	older_text = g_strdup_printf("schema version %" G_GINT64_FORMAT
				     ", older than this candlewick's %" G_GINT64_FORMAT,
				     current - 1, current);
	for (gsize i = 0; i < G_N_ELEMENTS(argvs); i++) {
		g_autofree char *err = NULL;
		g_autofree char *after = NULL;
		int status = cw_test_runv(NULL, &err, argvs[i]);

		g_assert_cmpint(status, ==, 1);
		e2e_assert_contains(err, fx->db);
		e2e_assert_contains(err, older_text);
		e2e_assert_contains(err, "does not migrate it: 'candlewick serve' or 'candlewick "
					 "bots add' migrates it");
		/* nothing changed: neither the version nor the schema */
		g_assert_cmpint(cw_test_db_int(fx->db, "PRAGMA user_version", -1), ==, current - 1);
		after = cw_test_db_dump(fx->db, "SELECT sql FROM sqlite_master ORDER BY name");
		g_assert_cmpstr(after, ==, schema);
	}
	/* at the current version they read as before */
	g_free(g_steal_pointer(&older_sql));
	older_sql = g_strdup_printf("PRAGMA user_version = %" G_GINT64_FORMAT, current);
	cw_test_db_exec(fx->db, older_sql);
	for (gsize i = 0; i < G_N_ELEMENTS(argvs); i++) {
		g_autofree char *out = NULL, *err = NULL;

		g_assert_cmpint(cw_test_runv(&out, &err, argvs[i]), ==, 0);
		g_assert_cmpstr(err, ==, "");
	}
}

/* ---- a backtest that sees no candle says why ---- */

static void
test_cli_no_candle(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *cfg = e2e_write_bot(fx, "a.json", "a", "");
	g_autofree char *bad = e2e_path(fx, "bad.csv");
	g_autofree char *empty = e2e_path(fx, "empty.csv");
	g_autofree char *err = NULL;

	g_assert_true(g_file_set_contents(bad,
					  "time,open,high,low,close,volume\n"
					  "1704067200,-1,2,0.5,1.5,10\n"
					  "1704067500,1,2,0.5,1.5,-3\n"
					  "1704067800,-2,2,0.5,1.5,1\n"
					  "1704068100,1,2\n",
					  -1, NULL));
	g_assert_true(g_file_set_contents(empty, "time,open,high,low,close,volume\n", -1, NULL));

	/* no range given: every row was skipped, counted per reason */
	g_assert_cmpint(e2e_run(NULL, &err, "backtest", "--config", cfg, "--data", bad,
				"--skip-bad-rows", NULL),
			==, 1);
	g_assert_null(strstr(err, "requested range"));
	e2e_assert_contains(err, "no candle: every row was skipped; 4 bad rows were skipped:\n"
				 "2 rows: open: expected a price > 0, got ...\n"
				 "1 row: volume: expected a volume >= 0, got ...\n"
				 "1 row: expected ... columns, got ...");
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(e2e_run(NULL, &err, "backtest", "--config", cfg, "--data", empty, NULL), ==,
			1);
	g_assert_null(strstr(err, "requested range"));
	e2e_assert_contains(err, "no candle: the file holds no rows");
	g_clear_pointer(&err, g_free);
	/* a range that holds none of the file's candles */
	g_assert_cmpint(e2e_run(NULL, &err, "backtest", "--config", cfg, "--data", fx->data,
				"--from", "2030-01-01", NULL),
			==, 1);
	e2e_assert_contains(err, "no candle in the requested range (--from 2030-01-01T00:00:00Z)");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/e2e/cli/repeated-options", E2eFixture, NULL, e2e_setup,
		   test_cli_repeated_options, e2e_teardown);
	g_test_add("/e2e/cli/stray-arguments", E2eFixture, NULL, e2e_setup,
		   test_cli_stray_arguments, e2e_teardown);
	g_test_add("/e2e/cli/timezone-refused", E2eFixture, NULL, e2e_setup,
		   test_cli_timezone_refused, e2e_teardown);
	g_test_add("/e2e/cli/timezone-refused-at-serve", E2eFixture, NULL, e2e_setup,
		   test_cli_timezone_refused_at_serve, e2e_teardown);
	g_test_add("/e2e/cli/timezone-accepted", E2eFixture, NULL, e2e_setup,
		   test_cli_timezone_accepted, e2e_teardown);
	g_test_add("/e2e/cli/output-symlink", E2eFixture, NULL, e2e_setup, test_cli_output_symlink,
		   e2e_teardown);
	g_test_add("/e2e/cli/output-refused", E2eFixture, NULL, e2e_setup, test_cli_output_refused,
		   e2e_teardown);
	g_test_add("/e2e/cli/output-stdout", E2eFixture, NULL, e2e_setup, test_cli_output_stdout,
		   e2e_teardown);
	g_test_add("/e2e/cli/interval", E2eFixture, NULL, e2e_setup, test_cli_interval,
		   e2e_teardown);
	g_test_add("/e2e/cli/feed-refused", E2eFixture, NULL, e2e_setup, test_cli_feed_refused,
		   e2e_teardown);
	g_test_add("/e2e/cli/feed-refused-at-serve", E2eFixture, NULL, e2e_setup,
		   test_cli_feed_refused_at_serve, e2e_teardown);
	g_test_add("/e2e/cli/read-only-no-migration", E2eFixture, NULL, e2e_setup,
		   test_cli_read_only_no_migration, e2e_teardown);
	g_test_add("/e2e/cli/no-candle", E2eFixture, NULL, e2e_setup, test_cli_no_candle,
		   e2e_teardown);
	return g_test_run();
}
