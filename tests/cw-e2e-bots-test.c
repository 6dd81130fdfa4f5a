/* End-to-end tests of the operator commands (bots, halt-all, resume-all,
 * events): the real executable through GSubprocess on a real SQLite file,
 * with rows also written by plain SQL as other programs would. */
#include "cw-test-utils.h"

#include <signal.h>
#include <string.h>

typedef struct {
	char *tmpdir;
	char *db;
	char *feed; /* a candle file for the bots' "feed" sections */
} E2eFixture;

/* "CW_DB=cw_db", or "CW_DB" (unset) when NULL */
static char *
e2e_db_env(const char *cw_db)
{
	return cw_db != NULL ? g_strconcat("CW_DB=", cw_db, NULL) : g_strdup("CW_DB");
}

static GSubprocess *
e2e_spawn(const char *cw_db, GPtrArray *args)
{
	g_autofree char *var = e2e_db_env(cw_db);
	const char *env[] = {var, NULL};

	g_ptr_array_add(args, NULL);
	return cw_test_spawn_envv(env,
				  G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
				  (const char *const *) args->pdata);
}

/* Runs candlewick with CW_DB set to cw_db (unset when NULL); returns the
 * exit status and the output streams. */
static int
e2e_run_env(const char *cw_db, char **out, char **err, const char *first, va_list ap)
{
	g_autofree char *var = e2e_db_env(cw_db);
	const char *env[] = {var, NULL};

	return cw_test_run_env_valist(env, out, err, first, ap);
}

/* candlewick with CW_DB = the fixture's database */
static int G_GNUC_NULL_TERMINATED
e2e_cw(E2eFixture *fx, char **out, char **err, const char *first, ...)
{
	va_list ap;
	int status;

	va_start(ap, first);
	status = e2e_run_env(fx->db, out, err, first, ap);
	va_end(ap);
	return status;
}

/* candlewick without CW_DB */
static int G_GNUC_NULL_TERMINATED
e2e_cw_nodb(char **out, char **err, const char *first, ...)
{
	va_list ap;
	int status;

	va_start(ap, first);
	status = e2e_run_env(NULL, out, err, first, ap);
	va_end(ap);
	return status;
}

static void
e2e_setup(E2eFixture *fx, gconstpointer user_data)
{
	fx->tmpdir = cw_test_tmpdir("cw-e2e-bots-XXXXXX");
	fx->db = g_build_filename(fx->tmpdir, "bots.db", NULL);
	fx->feed = g_build_filename(fx->tmpdir, "feed.csv", NULL);
	g_assert_true(g_file_set_contents(fx->feed,
					  "time,open,high,low,close,volume\n"
					  "1704067200,100,101,99,100.5,10\n"
					  "1704067500,100.5,102,100,101,12\n",
					  -1, NULL));
}

static void
e2e_teardown(E2eFixture *fx, gconstpointer user_data)
{
	cw_test_rm_rf(fx->tmpdir);
	g_free(fx->tmpdir);
	g_free(fx->db);
	g_free(fx->feed);
}

/* ---- SQL from the outside ---- */

static void
e2e_sql(E2eFixture *fx, const char *sql)
{
	cw_test_db_exec(fx->db, sql);
}

/* The first column of the first row as text, NULL when there is none. */
static char *
e2e_sql_text(E2eFixture *fx, const char *sql)
{
	return cw_test_db_text(fx->db, sql);
}

static gint64
e2e_sql_int(E2eFixture *fx, const char *sql)
{
	g_autofree char *text = e2e_sql_text(fx, sql);

	g_assert_nonnull(text);
	return g_ascii_strtoll(text, NULL, 10);
}

/* ---- helpers ---- */

/* The example docs/examples/FILE with a replay feed of fx->feed, as
 * tmpdir/FILE: bots add refuses a bot that serve could not feed. */
static char *
e2e_example_with_feed(E2eFixture *fx, const char *file)
{
	g_autofree char *example = cw_test_example(file);
	g_autofree char *text = NULL;
	g_autofree char *feed =
	    g_strdup_printf("{\n  \"feed\": {\"type\": \"replay\", \"path\": \"%s\"},", fx->feed);
	g_autoptr(GString) s = NULL;
	char *path = g_build_filename(fx->tmpdir, file, NULL);

	g_assert_true(g_file_get_contents(example, &text, NULL, NULL));
	s = g_string_new(text);
	g_assert_cmpuint(g_string_replace(s, "{", feed, 1), ==, 1);
	g_assert_true(g_file_set_contents(path, s->str, -1, NULL));
	return path;
}

static void
e2e_add_example(E2eFixture *fx, const char *file, const char *expect_name)
{
	g_autofree char *cfg = e2e_example_with_feed(fx, file);
	g_autofree char *out = NULL, *err = NULL;
	g_autofree char *expect = g_strdup_printf("added bot '%s' (id ", expect_name);
	int status = e2e_cw(fx, &out, &err, "bots", "add", "--config", cfg, NULL);

	if (status != 0 || !g_str_has_prefix(out, expect))
		g_printerr("%s%s", out, err);
	g_assert_cmpint(status, ==, 0);
	g_assert_true(g_str_has_prefix(out, expect));
	g_assert_nonnull(strstr(out, ", enabled)"));
}

/* bots list --json, parsed; the array is owned by parser. */
static JsonArray *
e2e_list_json(E2eFixture *fx, JsonParser *parser)
{
	g_autofree char *out = NULL, *err = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(e2e_cw(fx, &out, &err, "bots", "list", "--json", NULL), ==, 0);
	json_parser_load_from_data(parser, out, -1, &error);
	g_assert_no_error(error);
	g_assert_true(JSON_NODE_HOLDS_ARRAY(json_parser_get_root(parser)));
	return json_node_get_array(json_parser_get_root(parser));
}

static JsonObject *
e2e_find_bot(JsonArray *bots, const char *name)
{
	for (guint i = 0; i < json_array_get_length(bots); i++) {
		JsonObject *bot = json_array_get_object_element(bots, i);
		if (g_strcmp0(json_object_get_string_member_with_default(bot, "name", ""), name) ==
		    0)
			return bot;
	}
	return NULL;
}

/* A config with two strategies, "fast" active; name as given. */
static char *
e2e_write_two_strategies(E2eFixture *fx, const char *name, const char *file)
{
	g_autofree char *json = g_strdup_printf(
	    "{\"name\": \"%s\", \"symbol\": \"BTCUSDT\", \"interval\": \"5m\","
	    " \"feed\": {\"type\": \"replay\", \"path\": \"%s\"},"
	    " \"strategy\": {\"analyzers\": [{\"type\": \"ema_cross\", \"weight\": 0.6},"
	    " {\"type\": \"rsi\", \"weight\": 0.4}], \"sizing\": {\"quote\": 1000}},"
	    " \"strategies\": [{\"id\": \"fast\"}, {\"id\": \"slow\", \"sizing\": {\"quote\": "
	    "0.1e4}}],"
	    " \"active_strategy\": \"fast\"}",
	    name, fx->feed);
	char *path = g_build_filename(fx->tmpdir, file, NULL);

	g_assert_true(g_file_set_contents(path, json, -1, NULL));
	return path;
}

/* ---- tests ---- */

static void
test_bots_add_list(E2eFixture *fx, gconstpointer user_data)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree char *out = NULL, *err = NULL;
	g_auto(GStrv) lines = NULL;
	JsonArray *bots;
	JsonObject *bot, *cache, *guards;

	e2e_add_example(fx, "ema-trend.json", "btc-ema-trend");
	e2e_add_example(fx, "mean-reversion.json", "btc-mean-reversion");
	e2e_add_example(fx, "breakout.json", "eth-breakout");
	g_assert_cmpint(e2e_sql_int(fx, "SELECT count(*) FROM trading_bots"), ==, 3);

	/* the table: a header and one line per bot */
	g_assert_cmpint(e2e_cw(fx, &out, &err, "bots", "list", NULL), ==, 0);
	g_assert_cmpstr(err, ==, "");
	lines = g_strsplit(out, "\n", -1);
	g_assert_true(g_str_has_prefix(lines[0], "ID"));
	for (const char *const *h =
		 (const char *const[]){"NAME", "ENABLED", "STATUS", "MODE", "STRATEGY", "HEARTBEAT",
				       "ERRORS", "LAST ERROR", NULL};
	     *h != NULL; h++)
		g_assert_nonnull(strstr(lines[0], *h));
	g_assert_true(g_str_has_prefix(lines[1], "1 "));
	g_assert_nonnull(strstr(lines[1], "btc-ema-trend"));
	g_assert_nonnull(strstr(lines[1], " yes "));
	g_assert_nonnull(strstr(lines[1], " stopped "));
	g_assert_nonnull(strstr(lines[1], " active "));
	g_assert_nonnull(strstr(lines[1], " ema-trend "));
	g_assert_nonnull(strstr(lines[3], "eth-breakout"));
	g_assert_cmpstr(lines[4], ==, "");

	/* statistics the service publishes in bot_state */
	e2e_sql(fx, "INSERT INTO bot_state (bot_id, key, value, updated_at) VALUES"
		    " (1, 'cache', '{\"hits\": 7, \"misses\": 2, \"evictions\": 1, \"loaded\": 3}',"
		    " 1),"
		    " (1, 'guard_stats', '{\"daily_loss\": {\"rejected\": 4}}', 1);"
		    "UPDATE trading_bots SET status = 'running', last_heartbeat ="
		    " CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 5000, error_count = 2,"
		    " last_error = 'feed: timeout' WHERE id = 1");
	bots = e2e_list_json(fx, parser);
	g_assert_cmpuint(json_array_get_length(bots), ==, 3);
	bot = json_array_get_object_element(bots, 0);
	g_assert_cmpint(json_object_get_int_member(bot, "id"), ==, 1);
	g_assert_cmpstr(json_object_get_string_member(bot, "name"), ==, "btc-ema-trend");
	g_assert_true(json_object_get_boolean_member(bot, "enabled"));
	g_assert_cmpstr(json_object_get_string_member(bot, "status"), ==, "running");
	g_assert_cmpstr(json_object_get_string_member(bot, "active_strategy"), ==, "ema-trend");
	g_assert_cmpstr(json_object_get_string_member(bot, "mode"), ==, "active");
	g_assert_cmpint(json_object_get_int_member(bot, "error_count"), ==, 2);
	g_assert_cmpstr(json_object_get_string_member(bot, "last_error"), ==, "feed: timeout");
	g_assert_cmpint(json_object_get_int_member(bot, "heartbeat_age_ms"), >=, 4000);
	g_assert_cmpint(json_object_get_int_member(bot, "heartbeat_age_ms"), <, 120000);
	g_assert_true(json_object_has_member(bot, "last_heartbeat"));
	g_assert_true(json_object_has_member(bot, "updated_at"));
	cache = json_object_get_object_member(bot, "cache");
	g_assert_nonnull(cache);
	g_assert_cmpint(json_object_get_int_member(cache, "hits"), ==, 7);
	g_assert_cmpint(json_object_get_int_member(cache, "loaded"), ==, 3);
	guards = json_object_get_object_member(bot, "guards");
	g_assert_nonnull(guards);
	g_assert_true(json_object_has_member(guards, "daily_loss"));
	bot = json_array_get_object_element(bots, 1);
	g_assert_true(json_object_get_null_member(bot, "cache"));
	g_assert_true(json_object_get_null_member(bot, "last_heartbeat"));
	g_assert_cmpstr(json_object_get_string_member(bot, "status"), ==, "stopped");

	/* the table shows the heartbeat's age */
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "bots", "list", NULL), ==, 0);
	g_assert_nonnull(strstr(out, "s ago"));
	g_assert_nonnull(strstr(out, "feed: timeout"));
}

static void
test_bots_add_invalid(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *bad = g_build_filename(fx->tmpdir, "bad.json", NULL);
	g_autofree char *guard = g_build_filename(fx->tmpdir, "guard.json", NULL);
	g_autofree char *syntax = g_build_filename(fx->tmpdir, "syntax.json", NULL);
	g_autofree char *ema = cw_test_example("ema-trend.json");
	g_autofree char *ema_text = NULL;
	g_autofree char *out = NULL, *err = NULL;
	g_autoptr(GString) guard_json = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();

	g_assert_true(g_file_set_contents(
	    bad,
	    "{\"name\":\"x\",\"symbol\":\"BTCUSDT\",\"strategy\":{\"analyzers\":["
	    "{\"type\":\"rsi\"},{\"type\":\"macd\"},{\"type\":\"ema_cross\",\"weight\":1.5}]}}",
	    -1, NULL));
	g_assert_true(g_file_set_contents(syntax, "{\"name\": \"x\",\n  oops}", -1, NULL));
	/* valid for the config package; the guardrails gate refuses it */
	g_assert_true(g_file_get_contents(ema, &ema_text, NULL, NULL));
	guard_json = g_string_new(ema_text);
	g_string_replace(
	    guard_json, "\"name\": \"btc-ema-trend\"",
	    "\"name\": \"guarded\", \"guardrails\": {\"daily_loss\": {\"percent\": -5}}", 1);
	g_assert_true(g_file_set_contents(guard, guard_json->str, -1, NULL));

	/* refused before the database is created */
	g_assert_cmpint(e2e_cw(fx, &out, &err, "bots", "add", "--config", bad, NULL), ==, 1);
	g_assert_nonnull(strstr(err, "candlewick bots add: "));
	g_assert_nonnull(strstr(err, "bad.json: strategy.analyzers[2].weight: expected a number "
				     "in [0, 1]"));
	g_assert_false(g_file_test(fx->db, G_FILE_TEST_EXISTS));

	e2e_add_example(fx, "breakout.json", "eth-breakout");
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(e2e_cw(fx, NULL, &err, "bots", "add", "--config", guard, NULL), ==, 1);
	g_assert_nonnull(strstr(err, "guardrails.daily_loss.percent: expected a number"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(e2e_cw(fx, NULL, &err, "bots", "add", "--config", syntax, NULL), ==, 1);
	g_assert_nonnull(strstr(err, "syntax.json:2:3: expected a string key, got 'oops'"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(
	    e2e_cw(fx, NULL, &err, "bots", "add", "--config", "/nonexistent/bot.json", NULL), ==,
	    1);
	g_assert_nonnull(strstr(err, "/nonexistent/bot.json"));
	g_assert_cmpuint(json_array_get_length(e2e_list_json(fx, parser)), ==, 1);
	g_assert_cmpint(e2e_sql_int(fx, "SELECT count(*) FROM trading_bots"), ==, 1);

	/* a duplicate name */
	g_clear_pointer(&err, g_free);
	{
		g_autofree char *cfg = e2e_example_with_feed(fx, "breakout.json");
		g_assert_cmpint(e2e_cw(fx, NULL, &err, "bots", "add", "--config", cfg, NULL), ==,
				1);
	}
	g_assert_nonnull(strstr(err, "a bot named 'eth-breakout' already exists"));
	g_assert_cmpint(e2e_sql_int(fx, "SELECT count(*) FROM trading_bots"), ==, 1);

	/* usage errors */
	g_assert_cmpint(e2e_cw(fx, NULL, NULL, "bots", "add", NULL), ==, 2);
	g_assert_cmpint(e2e_cw(fx, NULL, NULL, "bots", "frobnicate", NULL), ==, 2);
	g_assert_cmpint(e2e_cw(fx, NULL, NULL, "bots", NULL), ==, 2);
	g_assert_cmpint(e2e_cw(fx, NULL, NULL, "bots", "enable", NULL), ==, 2);
	g_assert_cmpint(e2e_cw(fx, NULL, NULL, "bots", "list", "--nope", NULL), ==, 2);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(e2e_cw_nodb(NULL, &err, "bots", "list", NULL), ==, 2);
	g_assert_nonnull(strstr(err, "--db FILE is required (or set CW_DB)"));
	/* --db works without CW_DB; a missing database is not created */
	g_assert_cmpint(e2e_cw_nodb(NULL, NULL, "bots", "list", "--db", fx->db, NULL), ==, 0);
	g_clear_pointer(&err, g_free);
	{
		g_autofree char *missing = g_build_filename(fx->tmpdir, "missing.db", NULL);
		g_assert_cmpint(e2e_cw_nodb(NULL, &err, "bots", "list", "--db", missing, NULL), ==,
				1);
		g_assert_false(g_file_test(missing, G_FILE_TEST_EXISTS));
	}
	g_assert_nonnull(strstr(err, "no such database"));
}

static void
test_bots_enable_disable(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *out = NULL, *err = NULL;
	g_autofree char *cfg = e2e_example_with_feed(fx, "breakout.json");

	g_assert_cmpint(e2e_cw(fx, &out, NULL, "bots", "add", "--config", cfg, "--disabled", NULL),
			==, 0);
	g_assert_nonnull(strstr(out, "(id 1, disabled)"));
	g_assert_cmpint(e2e_sql_int(fx, "SELECT enabled FROM trading_bots"), ==, 0);

	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "bots", "enable", "eth-breakout", NULL), ==, 0);
	g_assert_cmpstr(out, ==, "enabled bot 'eth-breakout'\n");
	g_assert_cmpint(e2e_sql_int(fx, "SELECT enabled FROM trading_bots"), ==, 1);
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "bots", "list", NULL), ==, 0);
	g_assert_nonnull(strstr(out, " yes "));

	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "bots", "enable", "eth-breakout", NULL), ==, 0);
	g_assert_cmpstr(out, ==, "bot 'eth-breakout' is already enabled\n");

	/* by id */
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "bots", "disable", "1", NULL), ==, 0);
	g_assert_cmpint(e2e_sql_int(fx, "SELECT enabled FROM trading_bots"), ==, 0);
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "bots", "list", NULL), ==, 0);
	g_assert_nonnull(strstr(out, " no "));

	g_assert_cmpint(e2e_cw(fx, NULL, &err, "bots", "enable", "ghost", NULL), ==, 1);
	g_assert_cmpstr(err, ==, "candlewick bots enable: no bot named 'ghost'\n");
}

static void
test_bots_set_config(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *ema = NULL;
	g_autofree char *text = NULL, *stored = NULL, *before = NULL;
	g_autofree char *edited = g_build_filename(fx->tmpdir, "edited.json", NULL);
	g_autofree char *broken = g_build_filename(fx->tmpdir, "broken.json", NULL);
	g_autofree char *out = NULL, *err = NULL;
	g_autoptr(GString) s = NULL;
	gint64 updated;

	e2e_add_example(fx, "ema-trend.json", "btc-ema-trend");
	ema = g_build_filename(fx->tmpdir, "ema-trend.json", NULL);
	g_assert_true(g_file_get_contents(ema, &text, NULL, NULL));
	s = g_string_new(text);
	g_string_replace(s, "\"quote\": 1000", "\"quote\": 1234", 1);
	g_assert_true(g_file_set_contents(edited, s->str, -1, NULL));
	updated = e2e_sql_int(fx, "SELECT updated_at FROM trading_bots WHERE id = 1");

	g_assert_cmpint(e2e_cw(fx, &out, &err, "bots", "set-config", "btc-ema-trend", edited, NULL),
			==, 0);
	g_assert_nonnull(strstr(out, "updated the configuration of bot 'btc-ema-trend'"));
	stored = e2e_sql_text(fx, "SELECT config FROM trading_bots WHERE id = 1");
	g_assert_cmpstr(stored, ==, s->str);
	g_assert_cmpint(e2e_sql_int(fx, "SELECT updated_at FROM trading_bots WHERE id = 1"), >,
			updated);

	/* an invalid config and a name that does not match change nothing */
	g_string_replace(s, "\"quote\": 1234", "\"quote\": -1", 1);
	g_assert_true(g_file_set_contents(broken, s->str, -1, NULL));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(e2e_cw(fx, NULL, &err, "bots", "set-config", "btc-ema-trend", broken, NULL),
			==, 1);
	g_assert_nonnull(strstr(err, "broken.json: strategy.sizing.quote"));
	g_clear_pointer(&err, g_free);
	{
		g_autofree char *other = e2e_example_with_feed(fx, "breakout.json");
		g_assert_cmpint(
		    e2e_cw(fx, NULL, &err, "bots", "set-config", "btc-ema-trend", other, NULL), ==,
		    1);
	}
	g_assert_nonnull(strstr(err, "the configuration is named 'eth-breakout' but the bot is "
				     "'btc-ema-trend'"));
	before = g_steal_pointer(&stored);
	stored = e2e_sql_text(fx, "SELECT config FROM trading_bots WHERE id = 1");
	g_assert_cmpstr(stored, ==, before);
	g_assert_cmpint(e2e_cw(fx, NULL, NULL, "bots", "set-config", "btc-ema-trend", NULL), ==, 2);
}

static void
test_bots_switch(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *two = e2e_write_two_strategies(fx, "duo", "duo.json");
	g_autofree char *out = NULL, *err = NULL, *stored = NULL, *before = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(JsonParser) cfg = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonObject *bot, *root;

	g_assert_cmpint(e2e_cw(fx, &out, &err, "bots", "add", "--config", two, NULL), ==, 0);
	bot = e2e_find_bot(e2e_list_json(fx, parser), "duo");
	g_assert_cmpstr(json_object_get_string_member(bot, "active_strategy"), ==, "fast");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(bot, "strategies")), ==,
			 2);

	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "bots", "switch", "duo", "slow", NULL), ==, 0);
	g_assert_cmpstr(out, ==, "bot 'duo' now trades strategy 'slow'\n");
	bot = e2e_find_bot(e2e_list_json(fx, parser), "duo");
	g_assert_cmpstr(json_object_get_string_member(bot, "active_strategy"), ==, "slow");
	/* the stored document is the operator's, with only active_strategy changed */
	stored = e2e_sql_text(fx, "SELECT config FROM trading_bots WHERE name = 'duo'");
	json_parser_load_from_data(cfg, stored, -1, &error);
	g_assert_no_error(error);
	root = json_node_get_object(json_parser_get_root(cfg));
	g_assert_cmpstr(json_object_get_string_member(root, "active_strategy"), ==, "slow");
	g_assert_false(json_object_has_member(root, "profile"));
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(root, "strategies")),
			 ==, 2);
	g_assert_nonnull(strstr(stored, "\"weight\": 0.6"));

	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "bots", "switch", "duo", "slow", NULL), ==, 0);
	g_assert_cmpstr(out, ==, "bot 'duo' already trades strategy 'slow'\n");

	g_clear_pointer(&err, g_free);
	g_assert_cmpint(e2e_cw(fx, NULL, &err, "bots", "switch", "duo", "medium", NULL), ==, 1);
	g_assert_nonnull(strstr(err, "bot 'duo' has no strategy 'medium' (known: fast, slow)"));
	before = g_steal_pointer(&stored);
	stored = e2e_sql_text(fx, "SELECT config FROM trading_bots WHERE name = 'duo'");
	g_assert_cmpstr(stored, ==, before);

	g_assert_cmpint(e2e_cw(fx, NULL, NULL, "bots", "switch", "duo", "fast", NULL), ==, 0);
	bot = e2e_find_bot(e2e_list_json(fx, parser), "duo");
	g_assert_cmpstr(json_object_get_string_member(bot, "active_strategy"), ==, "fast");
}

static void
test_bots_remove(E2eFixture *fx, gconstpointer user_data)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree char *out = NULL, *err = NULL;

	e2e_add_example(fx, "ema-trend.json", "btc-ema-trend");
	e2e_add_example(fx, "breakout.json", "eth-breakout");
	e2e_sql(fx,
		"INSERT INTO orders (client_order_id, bot_id, strategy_id, side, type, purpose,"
		" qty, status) VALUES ('cw-1', 1, 'ema-trend', 'buy', 'limit', 'entry', 0.5,"
		" 'new');"
		"INSERT INTO trading_positions (bot_id, strategy_id, direction, qty, entry_price)"
		" VALUES (1, 'ema-trend', 'long', 0.5, 40000);"
		"INSERT INTO events (time, bot_id, type) VALUES (1, 1, 'ORDER_SUBMITTED')");

	g_assert_cmpint(e2e_cw(fx, &out, &err, "bots", "remove", "btc-ema-trend", NULL), ==, 0);
	g_assert_cmpstr(out, ==,
			"removed bot 'btc-ema-trend' (id 1) with 1 open orders and 1 positions; "
			"its events and trades are kept\n");
	g_assert_null(e2e_find_bot(e2e_list_json(fx, parser), "btc-ema-trend"));
	g_assert_nonnull(e2e_find_bot(e2e_list_json(fx, parser), "eth-breakout"));
	g_assert_cmpint(e2e_sql_int(fx, "SELECT count(*) FROM orders"), ==, 0);
	g_assert_cmpint(e2e_sql_int(fx, "SELECT count(*) FROM trading_positions"), ==, 0);
	g_assert_cmpint(e2e_sql_int(fx, "SELECT count(*) FROM events"), ==, 1);

	g_clear_pointer(&err, g_free);
	g_assert_cmpint(e2e_cw(fx, NULL, &err, "bots", "remove", "btc-ema-trend", NULL), ==, 1);
	g_assert_nonnull(strstr(err, "no bot named 'btc-ema-trend'"));
}

static void
test_bots_halt_resume(E2eFixture *fx, gconstpointer user_data)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree char *out = NULL, *mode = NULL, *payload = NULL;

	e2e_add_example(fx, "ema-trend.json", "btc-ema-trend");
	e2e_add_example(fx, "breakout.json", "eth-breakout");

	g_assert_cmpint(e2e_cw(fx, &out, NULL, "bots", "halt", "eth-breakout", NULL), ==, 0);
	g_assert_true(g_str_has_prefix(out, "bot 'eth-breakout': mode halted"));
	mode = e2e_sql_text(fx, "SELECT value FROM bot_state WHERE bot_id = 2 AND key = 'mode'");
	g_assert_cmpstr(mode, ==, "halted");
	payload = e2e_sql_text(fx, "SELECT payload FROM events WHERE bot_id = 2 AND type ="
				   " 'MODE_CHANGED' ORDER BY seq DESC LIMIT 1");
	g_assert_cmpstr(payload, ==, "{\"mode\":\"halted\",\"source\":\"cli\"}");
	g_assert_cmpstr(json_object_get_string_member(
			    e2e_find_bot(e2e_list_json(fx, parser), "eth-breakout"), "mode"),
			==, "halted");
	g_assert_cmpstr(json_object_get_string_member(
			    e2e_find_bot(e2e_list_json(fx, parser), "btc-ema-trend"), "mode"),
			==, "active");

	g_assert_cmpint(e2e_cw(fx, NULL, NULL, "bots", "resume", "eth-breakout", NULL), ==, 0);
	g_clear_pointer(&mode, g_free);
	mode = e2e_sql_text(fx, "SELECT value FROM bot_state WHERE bot_id = 2 AND key = 'mode'");
	g_assert_cmpstr(mode, ==, "active");
	g_assert_cmpint(e2e_sql_int(fx, "SELECT count(*) FROM events WHERE type = 'MODE_CHANGED'"),
			==, 2);
	g_assert_cmpint(e2e_cw(fx, NULL, NULL, "bots", "halt", "ghost", NULL), ==, 1);
}

static void
test_bots_halt_all(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *out = NULL, *err = NULL, *payload = NULL;

	e2e_add_example(fx, "ema-trend.json", "btc-ema-trend");
	g_assert_cmpint(e2e_cw(fx, NULL, NULL, "bots", "halt", "btc-ema-trend", NULL), ==, 0);

	g_assert_cmpint(e2e_cw(fx, &out, &err, "halt-all", NULL), ==, 0);
	g_assert_true(g_str_has_prefix(out, "kill switch ON (event "));
	payload = e2e_sql_text(fx, "SELECT payload FROM events WHERE type = 'KILL_SWITCH' AND"
				   " bot_id IS NULL ORDER BY seq DESC LIMIT 1");
	g_assert_cmpstr(payload, ==, "{\"halted\":true,\"source\":\"cli\"}");
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "bots", "list", NULL), ==, 0);
	g_assert_nonnull(strstr(out, "kill switch ON"));

	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "resume-all", NULL), ==, 0);
	g_assert_true(g_str_has_prefix(out, "kill switch OFF (event "));
	/* a bot halted on its own stays halted, and the operator is told */
	g_assert_nonnull(strstr(out, "still halted one by one"));
	g_assert_nonnull(strstr(out, "btc-ema-trend"));
	g_clear_pointer(&payload, g_free);
	payload = e2e_sql_text(fx, "SELECT payload FROM events WHERE type = 'KILL_SWITCH'"
				   " ORDER BY seq DESC LIMIT 1");
	g_assert_cmpstr(payload, ==, "{\"halted\":false,\"source\":\"cli\"}");
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "bots", "list", NULL), ==, 0);
	g_assert_null(strstr(out, "kill switch"));
	g_assert_cmpint(e2e_cw(fx, NULL, NULL, "halt-all", "extra", NULL), ==, 2);
}

static void
test_bots_plain_sql_and_corrupt(E2eFixture *fx, gconstpointer user_data)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree char *cfg = cw_test_example("breakout.json");
	g_autofree char *text = NULL, *sql = NULL, *out = NULL, *err = NULL;
	g_autoptr(GString) s = NULL;
	JsonArray *bots;
	JsonObject *bot;

	e2e_add_example(fx, "ema-trend.json", "btc-ema-trend");
	/* another program adds a bot with plain SQL */
	g_assert_true(g_file_get_contents(cfg, &text, NULL, NULL));
	s = g_string_new(text);
	g_string_replace(s, "eth-breakout", "sql-bot", 1);
	g_string_replace(s, "'", "''", 0);
	sql = g_strdup_printf("INSERT INTO trading_bots(name, config, enabled) VALUES ('sql-bot',"
			      " '%s', 1)",
			      s->str);
	e2e_sql(fx, sql);
	e2e_add_example(fx, "mean-reversion.json", "btc-mean-reversion");
	bots = e2e_list_json(fx, parser);
	g_assert_cmpuint(json_array_get_length(bots), ==, 3);
	bot = e2e_find_bot(bots, "sql-bot");
	g_assert_nonnull(bot);
	g_assert_cmpstr(json_object_get_string_member(bot, "status"), ==, "stopped");
	g_assert_cmpstr(json_object_get_string_member(bot, "active_strategy"), ==, "breakout");

	/* a corrupt row is reported and hides no other bot */
	e2e_sql(fx, "UPDATE trading_bots SET enabled = 'yes' WHERE name = 'sql-bot'");
	g_assert_cmpint(e2e_cw(fx, &out, &err, "bots", "list", NULL), ==, 0);
	g_assert_nonnull(strstr(err, "warning: bot 2 ('sql-bot'): corrupt row in trading_bots"));
	g_assert_nonnull(strstr(out, "btc-ema-trend"));
	g_assert_nonnull(strstr(out, "btc-mean-reversion"));
	g_assert_nonnull(strstr(out, " corrupt "));
	bots = e2e_list_json(fx, parser);
	g_assert_cmpuint(json_array_get_length(bots), ==, 3);
	bot = e2e_find_bot(bots, "sql-bot");
	g_assert_cmpstr(json_object_get_string_member(bot, "status"), ==, "corrupt");
	g_assert_nonnull(strstr(json_object_get_string_member(bot, "error"), "column enabled"));
	g_assert_cmpstr(
	    json_object_get_string_member(e2e_find_bot(bots, "btc-mean-reversion"), "status"), ==,
	    "stopped");

	/* show fails on it, but says what it can */
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, &err, "bots", "show", "sql-bot", NULL), ==, 1);
	g_assert_nonnull(strstr(out, "CORRUPT ROW:"));

	/* the operator can repair it */
	g_assert_cmpint(e2e_cw(fx, NULL, NULL, "bots", "disable", "sql-bot", NULL), ==, 0);
	bot = e2e_find_bot(e2e_list_json(fx, parser), "sql-bot");
	g_assert_cmpstr(json_object_get_string_member(bot, "status"), ==, "stopped");
	g_assert_false(json_object_get_boolean_member(bot, "enabled"));

	/* a row whose config does not validate is listed with the error */
	e2e_sql(fx, "INSERT INTO trading_bots(name, config) VALUES ('junk', '{\"name\": 1}')");
	g_clear_pointer(&err, g_free);
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, &err, "bots", "list", NULL), ==, 0);
	g_assert_nonnull(strstr(err, "('junk'): invalid configuration: name:"));
	bot = e2e_find_bot(e2e_list_json(fx, parser), "junk");
	g_assert_nonnull(strstr(json_object_get_string_member(bot, "config_error"), "name:"));
}

static void
test_bots_show(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *two = e2e_write_two_strategies(fx, "duo", "duo.json");
	g_autofree char *out = NULL, *err = NULL;

	g_assert_cmpint(e2e_cw(fx, NULL, NULL, "bots", "add", "--config", two, NULL), ==, 0);
	g_assert_cmpint(e2e_cw(fx, NULL, NULL, "bots", "halt", "duo", NULL), ==, 0);
	e2e_sql(fx,
		"INSERT INTO orders (client_order_id, bot_id, strategy_id, side, type, purpose,"
		" qty, price, status) VALUES ('cw-abc-7', 1, 'duo:fast', 'sell', 'limit',"
		" 'take_profit', 0.25, 43000, 'new');"
		"INSERT INTO trading_positions (bot_id, strategy_id, direction, qty, entry_price,"
		" stop_price) VALUES (1, 'fast', 'long', 0.5, 42000, 41000);"
		"INSERT INTO bot_state (bot_id, key, value, updated_at) VALUES"
		" (1, 'guard_stats', '{\"rate_limit\": {\"rejected\": 3}}', 1);"
		"INSERT INTO events (time, bot_id, strategy_id, type, payload) VALUES"
		" (1700000000000, 1, 'fast', 'ORDER_FILLED', '{\"qty\": 0.5}')");

	g_assert_cmpint(e2e_cw(fx, &out, &err, "bots", "show", "duo", NULL), ==, 0);
	g_assert_true(g_str_has_prefix(out, "bot:            duo (id 1)\n"));
	g_assert_nonnull(strstr(out, "mode:           halted\n"));
	g_assert_nonnull(strstr(out, "strategy:       fast\n"));
	g_assert_nonnull(strstr(out, "  * fast  type composite  (active)\n"));
	g_assert_nonnull(strstr(out, "    slow  type composite\n"));
	g_assert_nonnull(strstr(out, "state (bot_state): 2 keys\n"));
	g_assert_nonnull(strstr(out, "  mode = halted"));
	g_assert_nonnull(strstr(out, "open orders: 1\n  cw-abc-7  duo:fast  sell limit "
				     "take_profit  qty 0.25  price 43000"));
	g_assert_nonnull(strstr(out, "positions: 1\n  fast  long 0.5 @ 42000  stop 41000"));
	g_assert_nonnull(strstr(out, "guards:\n  {\n    \"rate_limit\": {"));
	g_assert_nonnull(strstr(out, "configuration:\n  {\n    \"name\": \"duo\","));
	g_assert_nonnull(strstr(out, "last 2 events:\n"));
	g_assert_nonnull(
	    strstr(out, " duo - MODE_CHANGED {\"mode\":\"halted\",\"source\":\"cli\"}"));
	g_assert_nonnull(
	    strstr(out, "2023-11-14T22:13:20.000Z duo fast ORDER_FILLED {\"qty\": 0.5}"));

	g_assert_cmpint(e2e_cw(fx, NULL, NULL, "bots", "show", "ghost", NULL), ==, 1);
	g_assert_cmpint(e2e_cw(fx, NULL, NULL, "bots", "show", NULL), ==, 2);
}

/* Events for two bots and none, written by plain SQL. */
static void
e2e_insert_events(E2eFixture *fx)
{
	e2e_add_example(fx, "ema-trend.json", "btc-ema-trend");
	e2e_add_example(fx, "breakout.json", "eth-breakout");
	e2e_sql(fx, "INSERT INTO events (time, bot_id, strategy_id, type, payload) VALUES"
		    " (1700000000000, 1, 'ema-trend', 'SIGNAL_NEW', '{\"direction\": \"long\"}'),"
		    " (1700000001000, 1, 'ema-trend', 'ORDER_FILLED', '{\"qty\": 1}'),"
		    " (1700000002000, 2, 'breakout', 'ORDER_FILLED', '{\"qty\": 2}'),"
		    " (1700000003000, NULL, NULL, 'KILL_SWITCH', '{\"halted\": true}'),"
		    " (1700000004000, 2, 'breakout', 'TRADE_CLOSED', NULL),"
		    " (1700000005000, 1, 'ema-trend', 'ORDER_FILLED', '{\"qty\": 3}')");
}

static guint
e2e_count_lines(const char *text)
{
	guint n = 0;

	for (const char *p = text; *p != '\0'; p++)
		n += *p == '\n';
	return n;
}

static void
test_events_filter(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *out = NULL, *err = NULL;
	g_auto(GStrv) lines = NULL;

	e2e_insert_events(fx);
	g_assert_cmpint(e2e_cw(fx, &out, &err, "events", NULL), ==, 0);
	lines = g_strsplit(out, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 7);
	g_assert_cmpstr(lines[0], ==,
			"1 2023-11-14T22:13:20.000Z btc-ema-trend ema-trend SIGNAL_NEW "
			"{\"direction\": \"long\"}");
	g_assert_cmpstr(lines[3], ==,
			"4 2023-11-14T22:13:23.000Z - - KILL_SWITCH {\"halted\": true}");
	g_assert_cmpstr(lines[4], ==,
			"5 2023-11-14T22:13:24.000Z eth-breakout breakout TRADE_CLOSED");

	/* by bot (name or id) */
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "events", "--bot", "btc-ema-trend", NULL), ==, 0);
	g_assert_cmpuint(e2e_count_lines(out), ==, 3);
	g_assert_null(strstr(out, "eth-breakout"));
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "events", "--bot", "2", NULL), ==, 0);
	g_assert_cmpuint(e2e_count_lines(out), ==, 2);
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "events", "--bot", "none", NULL), ==, 0);
	g_assert_cmpuint(e2e_count_lines(out), ==, 1);
	g_assert_nonnull(strstr(out, "KILL_SWITCH"));

	/* by type, in any case and spelling */
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "events", "--type", "order-filled", NULL), ==, 0);
	g_assert_cmpuint(e2e_count_lines(out), ==, 3);
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "events", "--type", "Order_Filled", "--bot",
			       "btc-ema-trend", NULL),
			==, 0);
	g_assert_cmpuint(e2e_count_lines(out), ==, 2);
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "events", "--type", "kill_switch", NULL), ==, 0);
	g_assert_cmpuint(e2e_count_lines(out), ==, 1);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(e2e_cw(fx, NULL, &err, "events", "--type", "ORDER_EATEN", NULL), ==, 2);
	g_assert_nonnull(strstr(err, "unknown event type 'ORDER_EATEN' (known: SIGNAL_NEW"));
	g_assert_nonnull(strstr(err, "MODE_CHANGED"));
	g_assert_nonnull(strstr(err, "KILL_SWITCH"));

	/* --limit alone: the newest; with --after: the first after */
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "events", "--limit", "2", NULL), ==, 0);
	g_assert_cmpuint(e2e_count_lines(out), ==, 2);
	g_assert_true(g_str_has_prefix(out, "5 "));
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "events", "--after", "2", "--limit", "2", NULL), ==,
			0);
	g_assert_cmpuint(e2e_count_lines(out), ==, 2);
	g_assert_true(g_str_has_prefix(out, "3 "));
	g_assert_nonnull(strstr(out, "\n4 "));
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "events", "--limit", "1", "--type", "ORDER_FILLED",
			       "--bot", "eth-breakout", NULL),
			==, 0);
	g_assert_true(g_str_has_prefix(out, "3 "));
	g_assert_cmpuint(e2e_count_lines(out), ==, 1);

	/* --json: one object per line */
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "events", "--json", "--after", "4", NULL), ==, 0);
	{
		g_auto(GStrv) json_lines = g_strsplit(out, "\n", -1);
		g_autoptr(JsonParser) parser = json_parser_new();
		g_autoptr(GError) error = NULL;
		JsonObject *ev;

		g_assert_cmpuint(g_strv_length(json_lines), ==, 3);
		json_parser_load_from_data(parser, json_lines[1], -1, &error);
		g_assert_no_error(error);
		ev = json_node_get_object(json_parser_get_root(parser));
		g_assert_cmpint(json_object_get_int_member(ev, "seq"), ==, 6);
		g_assert_cmpint(json_object_get_int_member(ev, "time"), ==, 1700000005000);
		g_assert_cmpstr(json_object_get_string_member(ev, "time_iso"), ==,
				"2023-11-14T22:13:25.000Z");
		g_assert_cmpint(json_object_get_int_member(ev, "bot_id"), ==, 1);
		g_assert_cmpstr(json_object_get_string_member(ev, "bot"), ==, "btc-ema-trend");
		g_assert_cmpstr(json_object_get_string_member(ev, "strategy"), ==, "ema-trend");
		g_assert_cmpstr(json_object_get_string_member(ev, "type"), ==, "ORDER_FILLED");
		g_assert_cmpint(
		    json_object_get_int_member(json_object_get_object_member(ev, "payload"), "qty"),
		    ==, 3);
	}

	/* a removed bot's events stay, shown by id */
	g_assert_cmpint(e2e_cw(fx, NULL, NULL, "bots", "remove", "eth-breakout", NULL), ==, 0);
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(e2e_cw(fx, &out, NULL, "events", "--bot", "2", NULL), ==, 0);
	g_assert_cmpuint(e2e_count_lines(out), ==, 2);
	g_assert_nonnull(strstr(out, " #2 breakout ORDER_FILLED"));

	g_assert_cmpint(e2e_cw(fx, NULL, NULL, "events", "--bot", "ghost", NULL), ==, 1);
	g_assert_cmpint(e2e_cw(fx, NULL, NULL, "events", "stray", NULL), ==, 2);
	g_assert_cmpint(e2e_cw_nodb(NULL, NULL, "events", NULL), ==, 2);
}

typedef struct {
	E2eFixture *fx;
	GMainLoop *loop;
	char *out;
	char *err;
	gboolean done;
	gboolean timed_out;
	guint inserted;
} E2eFollow;

static void
e2e_follow_done(GObject *source, GAsyncResult *res, gpointer data)
{
	E2eFollow *f = data;
	g_autoptr(GError) error = NULL;

	g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source), res, &f->out, &f->err, &error);
	g_assert_no_error(error);
	f->done = TRUE;
	g_main_loop_quit(f->loop);
}

static gboolean
e2e_follow_insert(gpointer data)
{
	E2eFollow *f = data;

	e2e_sql(f->fx, "INSERT INTO events (time, bot_id, strategy_id, type, payload) VALUES"
		       " (1700000009000, 1, 'ema-trend', 'TRADE_CLOSED', '{\"net_pnl\": 12.5}'),"
		       " (1700000009000, 2, 'breakout', 'TRADE_CLOSED', '{\"net_pnl\": -1}')");
	f->inserted++;
	return G_SOURCE_REMOVE;
}

static gboolean
e2e_follow_timeout(gpointer data)
{
	E2eFollow *f = data;

	f->timed_out = TRUE;
	g_main_loop_quit(f->loop);
	return G_SOURCE_REMOVE;
}

static void
test_events_follow(E2eFixture *fx, gconstpointer user_data)
{
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	g_autoptr(GSubprocess) proc = NULL;
	E2eFollow f = {.fx = fx, .loop = loop};
	guint guard_id;

	e2e_insert_events(fx);
	/* bot 1 only, the newest one first, then what arrives */
	for (const char *const *a =
		 (const char *const[]){"events", "--follow", "--follow-timeout", "2.5", "--bot",
				       "btc-ema-trend", "--limit", "1", NULL};
	     *a != NULL; a++)
		g_ptr_array_add(args, (gpointer) *a);
	proc = e2e_spawn(fx->db, args);
	g_subprocess_communicate_utf8_async(proc, NULL, NULL, e2e_follow_done, &f);
	g_timeout_add(300, e2e_follow_insert, &f);
	guard_id = g_timeout_add_seconds(30, e2e_follow_timeout, &f);
	g_main_loop_run(loop);
	if (!f.timed_out)
		g_source_remove(guard_id);
	g_assert_false(f.timed_out);
	g_assert_true(f.done);
	g_assert_cmpuint(f.inserted, ==, 1);
	g_assert_true(g_subprocess_get_if_exited(proc));
	g_assert_cmpint(g_subprocess_get_exit_status(proc), ==, 0);
	g_assert_cmpstr(f.err, ==, "");
	g_assert_cmpstr(f.out, ==,
			"6 2023-11-14T22:13:25.000Z btc-ema-trend ema-trend ORDER_FILLED {\"qty\": "
			"3}\n"
			"7 2023-11-14T22:13:29.000Z btc-ema-trend ema-trend TRADE_CLOSED "
			"{\"net_pnl\": 12.5}\n");
	g_free(f.out);
	g_free(f.err);
}

static void
test_events_follow_signal(E2eFixture *fx, gconstpointer user_data)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL, *err = NULL;

	e2e_insert_events(fx);
	for (const char *const *a =
		 (const char *const[]){"events", "--follow", "--type", "kill_switch", NULL};
	     *a != NULL; a++)
		g_ptr_array_add(args, (gpointer) *a);
	proc = e2e_spawn(fx->db, args);
	/* SIGTERM once it has printed the first page: then it is in its loop */
	{
		GInputStream *in = g_subprocess_get_stdout_pipe(proc);
		char buf[256];
		gssize n = g_input_stream_read(in, buf, sizeof(buf) - 1, NULL, &error);
		g_assert_no_error(error);
		g_assert_cmpint(n, >, 0);
		buf[n] = '\0';
		g_assert_nonnull(strstr(buf, "KILL_SWITCH"));
	}
	g_usleep(200 * 1000);
	g_subprocess_send_signal(proc, SIGTERM);
	g_subprocess_communicate_utf8(proc, NULL, NULL, &out, &err, &error);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_get_if_exited(proc));
	g_assert_cmpint(g_subprocess_get_exit_status(proc), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/e2e/bots/add-list", E2eFixture, NULL, e2e_setup, test_bots_add_list,
		   e2e_teardown);
	g_test_add("/e2e/bots/add-invalid", E2eFixture, NULL, e2e_setup, test_bots_add_invalid,
		   e2e_teardown);
	g_test_add("/e2e/bots/enable-disable", E2eFixture, NULL, e2e_setup,
		   test_bots_enable_disable, e2e_teardown);
	g_test_add("/e2e/bots/set-config", E2eFixture, NULL, e2e_setup, test_bots_set_config,
		   e2e_teardown);
	g_test_add("/e2e/bots/switch", E2eFixture, NULL, e2e_setup, test_bots_switch, e2e_teardown);
	g_test_add("/e2e/bots/remove", E2eFixture, NULL, e2e_setup, test_bots_remove, e2e_teardown);
	g_test_add("/e2e/bots/halt-resume", E2eFixture, NULL, e2e_setup, test_bots_halt_resume,
		   e2e_teardown);
	g_test_add("/e2e/bots/halt-all", E2eFixture, NULL, e2e_setup, test_bots_halt_all,
		   e2e_teardown);
	g_test_add("/e2e/bots/plain-sql-and-corrupt", E2eFixture, NULL, e2e_setup,
		   test_bots_plain_sql_and_corrupt, e2e_teardown);
	g_test_add("/e2e/bots/show", E2eFixture, NULL, e2e_setup, test_bots_show, e2e_teardown);
	g_test_add("/e2e/events/filter", E2eFixture, NULL, e2e_setup, test_events_filter,
		   e2e_teardown);
	g_test_add("/e2e/events/follow", E2eFixture, NULL, e2e_setup, test_events_follow,
		   e2e_teardown);
	g_test_add("/e2e/events/follow-sigterm", E2eFixture, NULL, e2e_setup,
		   test_events_follow_signal, e2e_teardown);
	return g_test_run();
}
