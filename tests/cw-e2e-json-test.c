/* End-to-end tests of the strict JSON entry: every document the executable
 * reads (--config, --data, --service-config, trading_bots rows at start and
 * on hot reload, bot_state, event payloads) is refused cleanly when it is
 * empty, too deep, duplicated, or holds NUL or a number that is not finite
 * RFC 8259. The big inputs are made here, never committed. Only the
 * processes started here are signalled; they also die with the test. */
#include "cw-test-utils.h"

#include <signal.h>
#include <string.h>

#define POLL_S  "0.2"
#define POLL_MS 200
/* 5-minute candles at this speed arrive every 15 ms: 10 days last 43 s */
#define SLOW_SPEED 20000

typedef struct {
	char *tmpdir;
	char *data; /* 10 days of synthetic 5m candles */
} E2eFixture;

static void
e2e_setup(E2eFixture *fx, gconstpointer user_data)
{
	fx->tmpdir = cw_test_tmpdir("cw-json-XXXXXX");
	fx->data = cw_test_synth_in(fx->tmpdir, "10", "5");
}

static void
e2e_teardown(E2eFixture *fx, gconstpointer user_data)
{
	cw_test_rm_rf(fx->tmpdir);
	g_free(fx->tmpdir);
	g_free(fx->data);
}

/* n arrays nested around 1 (or objects {"k": ...} when objects) */
static char *
nested(guint n, gboolean objects)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < n; i++)
		g_string_append(s, objects ? "{\"k\":" : "[");
	g_string_append(s, "1");
	for (guint i = 0; i < n; i++)
		g_string_append_c(s, objects ? '}' : ']');
	return g_string_free(s, FALSE);
}

static char *
write_file(E2eFixture *fx, const char *name, const char *text, gssize len)
{
	char *path = g_build_filename(fx->tmpdir, name, NULL);

	g_assert_true(g_file_set_contents(path, text, len, NULL));
	return path;
}

/* ema-trend named name, replayed from data at speed, as JSON text. */
static char *
cfg_text(E2eFixture *fx, const char *name, double speed)
{
	g_autofree char *path = cw_test_example("ema-trend.json");
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	JsonObject *root = cw_test_load_json(parser, path), *feed;

	json_object_set_string_member(root, "name", name);
	feed = json_object_new();
	json_object_set_string_member(feed, "type", "replay");
	json_object_set_string_member(feed, "path", fx->data);
	json_object_set_double_member(feed, "speed", speed);
	json_object_set_object_member(root, "feed", feed);
	json_generator_set_root(gen, json_parser_get_root(parser));
	return json_generator_to_data(gen, NULL);
}

/* The example with its "name" line replaced by replacement (raw JSON text
 * of one or more members). */
static char *
cfg_with_members(E2eFixture *fx, const char *members)
{
	g_autofree char *text = cfg_text(fx, "quirk", 0);

	g_assert_true(g_str_has_prefix(text, "{"));
	return g_strdup_printf("{%s,%s", members, text + 1);
}

/* Runs the command; it must fail with a status (not a signal) and an error
 * naming path once. Returns stderr. */
static char *run_refused(int want_status, const char *path, const char *first,
			 ...) G_GNUC_NULL_TERMINATED;

static char *
run_refused(int want_status, const char *path, const char *first, ...)
{
	g_autofree char *out = NULL;
	char *err = NULL;
	va_list ap;
	int status;

	va_start(ap, first);
	status = cw_test_run_env_valist(NULL, &out, &err, first, ap);
	va_end(ap);
	g_test_message("status %d: %s", status, err);
	g_assert_cmpint(status, ==, want_status);
	if (path != NULL) {
		const char *at = strstr(err, path);

		g_assert_nonnull(at);
		g_assert_null(strstr(at + strlen(path), path)); /* named once */
	}
	return err;
}

static void
assert_has(const char *text, const char *needle)
{
	if (strstr(text, needle) == NULL)
		g_printerr("no '%s' in:\n%s\n", needle, text);
	g_assert_nonnull(strstr(text, needle));
}

/* ---- backtest ----------------------------------------------------------- */

static void
test_backtest_config(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *deep_text = nested(100000, FALSE);
	g_autofree char *objects_text = nested(70000, TRUE);
	g_autofree char *good = cfg_text(fx, "good", 0);
	g_autofree char *two_text = g_strconcat(good, "\n", good, NULL);
	g_autofree char *dup_text = cfg_with_members(fx, "\"symbol\": \"ETHUSDT\"");
	g_autofree char *nul_text = cfg_with_members(fx, "\"description\": \"bot\\u0000evil\"");
	g_autofree char *inf_text = cfg_with_members(fx, "\"initial_balance\": 1e999");
	g_autofree char *hex_text = cfg_with_members(fx, "\"initial_balance\": 0x10");
	static const struct {
		const char *name;
		const char *want;
	} cases[] = {
	    {"deep.json", ":1:65: [0][0][0]"},
	    {"objects.json", ":1:321: k.k.k"},
	    {"two.json", "'{' after the end of the value: a document holds exactly one JSON value"},
	    {"dup.json", ": symbol: duplicate key, first on line 1"},
	    {"nul.json", ": description: \\u0000 (NUL) is not allowed in a string"},
	    {"inf.json", ": initial_balance: invalid number '1e999': not a finite number"},
	    {"hex.json", ": initial_balance: invalid number '0x10': hexadecimal is not allowed"},
	    {"empty.json", ": empty document"},
	    {"blank.json", ": empty document"},
	};
	const char *texts[] = {deep_text, objects_text, two_text, dup_text, nul_text,
			       inf_text,  hex_text,     "",       " \n\t\n"};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *path = write_file(fx, cases[i].name, texts[i], -1);
		g_autofree char *err = run_refused(1, path, "backtest", "--config", path, "--data",
						   fx->data, "--quiet", NULL);
		g_autofree char *start = g_strdup_printf("candlewick backtest: %s", path);

		g_assert_true(g_str_has_prefix(err, start));
		assert_has(err, cases[i].want);
		if (i < 2)
			assert_has(err, "nested deeper than 64 arrays and objects");
	}
}

static void
test_backtest_data(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *good = cfg_text(fx, "good", 0);
	g_autofree char *config = write_file(fx, "good.json", good, -1);
	g_autofree char *deep_text = nested(100000, FALSE);
	g_autofree char *deep = write_file(fx, "deep-candles.json", deep_text, -1);
	g_autofree char *inf =
	    write_file(fx, "inf-candles.json",
		       "[[1700000000000,1,2,0.5,1.5,10],\n[1700000300000,1,2,0.5,1e999,10]]", -1);
	g_autofree char *err =
	    run_refused(1, deep, "backtest", "--config", config, "--data", deep, "--quiet", NULL);
	g_autofree char *err2 = NULL;

	assert_has(err, ":1:65: [0][0]");
	assert_has(err, "nested deeper than 64 arrays and objects");
	err2 = run_refused(1, inf, "backtest", "--config", config, "--data", inf, "--quiet", NULL);
	assert_has(err2, ":2:24: [1][4]: invalid number '1e999': not a finite number");
}

/* ---- the other files ---------------------------------------------------- */

static void
test_service_config_and_bots_add(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *db = g_build_filename(fx->tmpdir, "x.db", NULL);
	g_autofree char *deep_text = nested(100000, FALSE);
	g_autofree char *deep = write_file(fx, "deep.json", deep_text, -1);
	g_autofree char *dup = write_file(fx, "svc.json",
					  "{\"poll_interval_s\": 1,\n"
					  " \"poll_interval_s\": 2}",
					  -1);
	g_autofree char *err1 = run_refused(2, deep, "serve", "--db", db, "--service-config", deep,
					    "--exit-when-idle", NULL);
	g_autofree char *err2 = run_refused(2, dup, "serve", "--db", db, "--service-config", dup,
					    "--exit-when-idle", NULL);
	g_autofree char *err3 = NULL;

	assert_has(err1, "nested deeper than 64 arrays and objects");
	assert_has(err2, ":2:2: poll_interval_s: duplicate key, first on line 1");
	err3 = run_refused(1, deep, "bots", "add", "--db", db, "--config", deep, NULL);
	assert_has(err3, "nested deeper than 64 arrays and objects");
}

/* ---- serve -------------------------------------------------------------- */

static void
db_insert_bot(const char *db, const char *name, const char *config)
{
	char *sql = sqlite3_mprintf("INSERT INTO trading_bots (name, config, enabled) "
				    "VALUES (%Q, %Q, 1)",
				    name, config);

	cw_test_db_exec(db, sql);
	sqlite3_free(sql);
}

static char *
db_bot_text(const char *db, const char *column, const char *name)
{
	char *sql = sqlite3_mprintf("SELECT %s FROM trading_bots WHERE name = %Q", column, name);
	char *text = cw_test_db_text(db, sql);

	sqlite3_free(sql);
	return text;
}

static void
add_good_bot(E2eFixture *fx, const char *db, const char *name, double speed)
{
	g_autofree char *file = g_strdup_printf("%s.json", name);
	g_autofree char *text = cfg_text(fx, name, speed);
	g_autofree char *path = write_file(fx, file, text, -1);
	g_autofree char *err = NULL;
	int status = cw_test_run(NULL, &err, "bots", "add", "--db", db, "--config", path, NULL);

	if (status != 0)
		g_printerr("%s", err);
	g_assert_cmpint(status, ==, 0);
}

/* One good bot, a row with config '', one of blanks and one of 100k nested
 * arrays: the bad ones go to error with their message, the good one trades,
 * and `bots list` shows all of them. */
static void
test_serve_bad_rows(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *db = g_build_filename(fx->tmpdir, "rows.db", NULL);
	g_autofree char *deep = nested(100000, FALSE);
	g_autofree char *out = NULL, *err = NULL, *json = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonArray *rows;
	int status;

	add_good_bot(fx, db, "good", 0);
	db_insert_bot(db, "h2", "");
	db_insert_bot(db, "blank", "  \n\t ");
	db_insert_bot(db, "deep", deep);
	status = cw_test_run(NULL, &err, "serve", "--db", db, "--exit-when-idle", NULL);
	g_test_message("%s", err);
	g_assert_cmpint(status, ==, 0);
	g_assert_null(strstr(err, "critical"));
	g_assert_cmpint(
	    cw_test_db_int(db, "SELECT count(*) FROM trading_trades WHERE bot_name = 'good'", -1),
	    >, 0);
	g_assert_cmpint(
	    cw_test_db_int(db, "SELECT count(*) FROM trading_bots WHERE status = 'error'", -1), ==,
	    3);
	{
		g_autofree char *e1 = db_bot_text(db, "last_error", "h2");
		g_autofree char *e2 = db_bot_text(db, "last_error", "blank");
		g_autofree char *e3 = db_bot_text(db, "last_error", "deep");
		g_autofree char *s1 = db_bot_text(db, "status", "good");

		g_assert_cmpstr(e1, ==, "trading_bots.config row 2 (name 'h2'): empty document");
		g_assert_cmpstr(e2, ==, "trading_bots.config row 3 (name 'blank'): empty document");
		g_assert_true(
		    g_str_has_prefix(e3, "trading_bots.config row 4 (name 'deep'):1:65: "));
		assert_has(e3, "nested deeper than 64 arrays and objects");
		g_assert_cmpstr(s1, ==, "stopped");
	}

	/* bots list shows every row, the bad ones with their error */
	g_clear_pointer(&err, g_free);
	status = cw_test_run(&out, &err, "bots", "list", "--db", db, NULL);
	g_test_message("%s%s", out, err);
	g_assert_cmpint(status, ==, 0);
	assert_has(out, "good");
	assert_has(out, "h2");
	assert_has(out, "blank");
	assert_has(out, "deep");
	assert_has(err, "bot 2 ('h2'): invalid configuration: empty document");
	assert_has(err, "bot 4 ('deep'): invalid configuration: 1:65: ");
	g_clear_pointer(&err, g_free);
	status = cw_test_run(&json, &err, "bots", "list", "--db", db, "--json", NULL);
	g_assert_cmpint(status, ==, 0);
	json_parser_load_from_data(parser, json, -1, &error);
	g_assert_no_error(error);
	rows = json_node_get_array(json_parser_get_root(parser));
	g_assert_cmpuint(json_array_get_length(rows), ==, 4);
}

/* bot_state config_history is read when a bot with a cursor starts: 100k
 * nested arrays there fail that bot closed (status error), not a crash. */
static void
test_serve_bad_history(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *db = g_build_filename(fx->tmpdir, "history.db", NULL);
	g_autofree char *deep = nested(100000, FALSE);
	g_autofree char *err = NULL;
	char *sql;
	int status;

	add_good_bot(fx, db, "good", 0);
	status = cw_test_run(NULL, NULL, "serve", "--db", db, "--exit-when-idle", NULL);
	g_assert_cmpint(status, ==, 0);
	g_assert_cmpint(cw_test_db_int(db,
				       "SELECT count(*) FROM bot_state WHERE key = 'cursor' AND "
				       "bot_id = 1",
				       -1),
			==, 1);
	sql = sqlite3_mprintf("UPDATE bot_state SET value = %Q WHERE bot_id = 1 AND key = "
			      "'config_history'",
			      deep);
	cw_test_db_exec(db, sql);
	sqlite3_free(sql);
	cw_test_db_exec(db, "UPDATE trading_bots SET status = 'running' WHERE id = 1");
	status = cw_test_run(NULL, &err, "serve", "--db", db, "--exit-when-idle", NULL);
	g_test_message("%s", err);
	g_assert_cmpint(status, ==, 0);
	assert_has(err, "bot_state config_history:1:65: ");
	assert_has(err, "nested deeper than 64 arrays and objects");
	assert_has(err, "is not a config history");
	{
		g_autofree char *st =
		    cw_test_db_text(db, "SELECT status FROM trading_bots WHERE id = 1");
		g_assert_cmpstr(st, ==, "error");
	}
}

/* Polls until the bot's status is want, at most timeout_ms. */
static void
wait_status(const char *db, const char *name, const char *want, guint timeout_ms)
{
	CwTestDeadline d = cw_test_deadline(timeout_ms);
	g_autofree char *status = NULL;

	do {
		g_free(status);
		status = db_bot_text(db, "status", name);
		if (g_strcmp0(status, want) == 0)
			return;
	} while (cw_test_deadline_wait(&d, 50));
	g_printerr("bot %s is %s after %u ms, not %s\n", name, status, timeout_ms, want);
	g_assert_cmpstr(status, ==, want);
}

/* Polls until the bot's last_error holds needle. */
static void
wait_error(const char *db, const char *name, const char *needle, guint timeout_ms)
{
	CwTestDeadline d = cw_test_deadline(timeout_ms);
	g_autofree char *text = NULL;

	do {
		g_free(text);
		text = db_bot_text(db, "last_error", name);
		if (text != NULL && strstr(text, needle) != NULL)
			return;
	} while (cw_test_deadline_wait(&d, 50));
	g_printerr("bot %s: last_error %s after %u ms, no '%s'\n", name, text, timeout_ms, needle);
	g_assert_not_reached();
}

/* Rows edited live to '' and to 100k nested arrays: that bot goes to error
 * at the next poll, the other one runs on, and a good edit brings it back. */
static void
test_serve_live_edit(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *db = g_build_filename(fx->tmpdir, "live.db", NULL);
	g_autofree char *log_path = g_build_filename(fx->tmpdir, "serve.log", NULL);
	g_autofree char *deep = nested(100000, FALSE);
	g_autofree char *good_b = cfg_text(fx, "b", SLOW_SPEED);
	const char *argv[] = {
	    cw_test_exe(),          "serve", "--db", db, "--poll-interval", POLL_S,
	    "--heartbeat-interval", POLL_S,  NULL};
	g_autoptr(GSubprocess) proc = NULL;
	g_autofree char *log = NULL;
	const guint within = 2 * POLL_MS + 3000;
	gint64 beat;
	char *sql;

	add_good_bot(fx, db, "a", SLOW_SPEED);
	add_good_bot(fx, db, "b", SLOW_SPEED);
	proc = cw_test_spawn_stderr_logged(log_path, NULL, argv);
	wait_status(db, "a", "running", 10000);
	wait_status(db, "b", "running", 10000);

	cw_test_db_exec(db, "UPDATE trading_bots SET config = '' WHERE name = 'b'");
	wait_status(db, "b", "error", within);
	wait_error(db, "b", "trading_bots.config row 2 (name 'b'): empty document", within);

	sql = sqlite3_mprintf("UPDATE trading_bots SET config = %Q WHERE name = 'b'", deep);
	cw_test_db_exec(db, sql);
	sqlite3_free(sql);
	wait_error(db, "b", "nested deeper than 64 arrays and objects", within);

	/* a keeps running and beating */
	beat = cw_test_db_int(db, "SELECT last_heartbeat FROM trading_bots WHERE name = 'a'", -1);
	g_usleep(3 * POLL_MS * 1000);
	g_assert_cmpint(
	    cw_test_db_int(db, "SELECT last_heartbeat FROM trading_bots WHERE name = 'a'", -1), >,
	    beat);
	wait_status(db, "a", "running", 1000);

	/* a good config brings b back */
	sql = sqlite3_mprintf("UPDATE trading_bots SET config = %Q WHERE name = 'b'", good_b);
	cw_test_db_exec(db, sql);
	sqlite3_free(sql);
	wait_status(db, "b", "running", within);

	g_subprocess_send_signal(proc, SIGTERM);
	g_assert_true(cw_test_subprocess_wait(proc, 15000));
	g_assert_true(g_subprocess_get_if_exited(proc));
	g_assert_cmpint(g_subprocess_get_exit_status(proc), ==, 0);
	g_assert_true(g_file_get_contents(log_path, &log, NULL, NULL));
	g_assert_null(strstr(log, "critical"));
	assert_has(log, "[b] error: trading_bots.config row 2 (name 'b'): empty document");
}

/* ---- event payloads ----------------------------------------------------- */

/* Payloads that are valid for SQLite's json_valid() but not strict JSON
 * are shown as the text they are, not as a guess. */
static void
test_event_payloads(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *db = g_build_filename(fx->tmpdir, "events.db", NULL);
	g_autofree char *deep = nested(500, FALSE);
	g_autofree char *out = NULL, *err = NULL;
	g_auto(GStrv) lines = NULL;
	char *sql;
	int status;

	add_good_bot(fx, db, "good", 0);
	sql = sqlite3_mprintf("INSERT INTO events (time, bot_id, type, payload) VALUES "
			      "(1, 1, 'SIGNAL_NEW', %Q), (2, 1, 'SIGNAL_NEW', "
			      "'{\"side\": \"long\", \"side\": \"short\"}'), (3, 1, 'SIGNAL_NEW', "
			      "'{\"side\": \"long\", \"value\": 2e-8}')",
			      deep);
	cw_test_db_exec(db, sql);
	sqlite3_free(sql);
	status =
	    cw_test_run(&out, &err, "events", "--db", db, "--type", "SIGNAL_NEW", "--json", NULL);
	g_test_message("%s", err);
	g_assert_cmpint(status, ==, 0);
	lines = g_strsplit(g_strstrip(out), "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 3);
	for (guint i = 0; i < 3; i++) {
		g_autoptr(JsonParser) parser = json_parser_new();
		JsonNode *payload;

		g_assert_true(json_parser_load_from_data(parser, lines[i], -1, NULL));
		payload = json_object_get_member(json_node_get_object(json_parser_get_root(parser)),
						 "payload");
		if (i < 2) {
			g_assert_cmpint(json_node_get_value_type(payload), ==, G_TYPE_STRING);
		} else {
			/* written back as JSON: json_generator wrote "2e-08.0" */
			g_assert_true(JSON_NODE_HOLDS_OBJECT(payload));
			g_assert_cmpfloat(
			    json_object_get_double_member(json_node_get_object(payload), "value"),
			    ==, 2e-8);
		}
	}
	assert_has(lines[1], "\\\"side\\\": \\\"short\\\"");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, func) g_test_add(path, E2eFixture, NULL, e2e_setup, func, e2e_teardown)
	ADD("/e2e/json/backtest-config", test_backtest_config);
	ADD("/e2e/json/backtest-data", test_backtest_data);
	ADD("/e2e/json/service-config-and-bots-add", test_service_config_and_bots_add);
	ADD("/e2e/json/serve-bad-rows", test_serve_bad_rows);
	ADD("/e2e/json/serve-bad-history", test_serve_bad_history);
	ADD("/e2e/json/serve-live-edit", test_serve_live_edit);
	ADD("/e2e/json/event-payloads", test_event_payloads);
#undef ADD
	return g_test_run();
}
