/* An out-of-tree module loaded from $CW_MODULE_DIR adds a broker named
 * "failing" without any change to the engine; a bot on it fails every
 * order while the bot beside it trades exactly as it does alone. */
#include "cw-test-utils.h"

typedef struct {
	char *dir;
	char *data;
} ModFixture;

/* candlewick with CW_MODULE_DIR set to module_dir (unset when NULL) */
static int G_GNUC_NULL_TERMINATED
mod_run(const char *module_dir, char **err, const char *first, ...)
{
	g_autofree char *var = module_dir != NULL ? g_strconcat("CW_MODULE_DIR=", module_dir, NULL)
						  : g_strdup("CW_MODULE_DIR");
	const char *env[] = {var, NULL};
	va_list ap;
	int status;

	va_start(ap, first);
	status = cw_test_run_env_valist(env, NULL, err, first, ap);
	va_end(ap);
	return status;
}

/* Every row, each column followed by '|', one row a line. */
static char *
mod_query(const char *db, const char *sql)
{
	g_autoptr(GPtrArray) rows = cw_test_db_rows(db, sql);
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < rows->len; i++)
		g_string_append_printf(out, "%s|\n", (const char *) g_ptr_array_index(rows, i));
	return g_string_free(out, FALSE);
}

static char *
mod_config(ModFixture *fx, const char *name, const char *broker)
{
	g_autofree char *path = g_strdup_printf("%s/%s.json", fx->dir, name);
	g_autofree char *json = g_strdup_printf(
	    "{\"name\":\"%s\",\"symbol\":\"BTCUSDT\",\"interval\":\"5m\","
	    "\"feed\":{\"type\":\"replay\",\"path\":\"%s\",\"speed\":0},"
	    "\"broker\":{\"type\":\"%s\"},"
	    "\"strategy\":{\"analyzers\":[{\"type\":\"ema_cross\",\"weight\":0.6},"
	    "{\"type\":\"rsi\",\"weight\":0.4}],\"aggregation\":{\"min_score\":0.3}}}",
	    name, fx->data, broker);

	g_assert_true(g_file_set_contents(path, json, -1, NULL));
	return g_steal_pointer(&path);
}

static void
mod_setup(ModFixture *fx, gconstpointer user_data)
{
	fx->dir = cw_test_tmpdir("cw-module-XXXXXX");
	fx->data = g_build_filename(fx->dir, "data.csv", NULL);
	g_assert_cmpint(
	    mod_run(NULL, NULL, "synth", "--days", "20", "--seed", "9", "--output", fx->data, NULL),
	    ==, 0);
}

static void
mod_teardown(ModFixture *fx, gconstpointer user_data)
{
	cw_test_rm_rf(fx->dir);
	g_free(fx->dir);
	g_free(fx->data);
}

static void
test_module_failing_broker(ModFixture *fx, gconstpointer user_data)
{
	const char *modules = g_getenv("CW_TEST_MODULE_DIR");
	g_autofree char *good = mod_config(fx, "good", "paper");
	g_autofree char *bad = mod_config(fx, "bad", "failing");
	g_autofree char *alone = g_build_filename(fx->dir, "alone.db", NULL);
	g_autofree char *both = g_build_filename(fx->dir, "both.db", NULL);
	g_autofree char *err = NULL;
	g_autofree char *trades_alone = NULL, *trades_both = NULL, *bad_trades = NULL;
	g_autofree char *failures = NULL, *status = NULL;
	const char *q = "SELECT direction, entry_time, exit_time, entry_price, exit_price, qty, "
			"net_pnl FROM trading_trades WHERE bot_name = 'good' ORDER BY id";

	g_assert_nonnull(modules);
	/* without the module the name is unknown, and the error says which exist */
	g_assert_cmpint(mod_run(NULL, &err, "bots", "add", "--db", both, "--config", bad, NULL), ==,
			1);
	g_assert_nonnull(strstr(err, "unknown broker type 'failing' (known: "));
	/* the built-in brokers, whichever features are built */
	g_assert_nonnull(strstr(err, "paper"));

	g_assert_cmpint(mod_run(NULL, NULL, "bots", "add", "--db", alone, "--config", good, NULL),
			==, 0);
	g_assert_cmpint(mod_run(NULL, NULL, "serve", "--db", alone, "--exit-when-idle", NULL), ==,
			0);
	g_assert_cmpint(mod_run(modules, NULL, "bots", "add", "--db", both, "--config", good, NULL),
			==, 0);
	g_assert_cmpint(mod_run(modules, NULL, "bots", "add", "--db", both, "--config", bad, NULL),
			==, 0);
	g_assert_cmpint(mod_run(modules, NULL, "serve", "--db", both, "--exit-when-idle", NULL), ==,
			0);

	trades_alone = mod_query(alone, q);
	trades_both = mod_query(both, q);
	g_assert_cmpuint(strlen(trades_alone), >, 0);
	g_assert_cmpstr(trades_both, ==, trades_alone);
	bad_trades = mod_query(both, "SELECT count(*) FROM trading_trades WHERE bot_name = 'bad'");
	g_assert_cmpstr(bad_trades, ==, "0|\n");
	failures = mod_query(both, "SELECT count(*) > 0 FROM events e JOIN trading_bots b ON "
				   "b.id = e.bot_id WHERE b.name = 'bad' AND e.type = "
				   "'ACTION_FAILED'");
	g_assert_cmpstr(failures, ==, "1|\n");
	status = mod_query(both, "SELECT name, status FROM trading_bots ORDER BY name");
	g_assert_cmpstr(status, ==, "bad|stopped|\ngood|stopped|\n");
}

/* The circuit breaker in a backtest: only a broker that fails can trip it,
 * and the failing module provides one. */
static void
check_circuit_breaker(ModFixture *fx, const char *data, const char *tag)
{
	const char *modules = g_getenv("CW_TEST_MODULE_DIR");
	g_autofree char *cfg = g_strdup_printf("%s/cb-%s.json", fx->dir, tag);
	g_autofree char *report = g_strdup_printf("%s/cb-%s-report.json", fx->dir, tag);
	g_autofree char *json = g_strdup_printf(
	    "{\"name\":\"cb\",\"symbol\":\"BTCUSDT\",\"interval\":\"5m\","
	    "\"broker\":{\"type\":\"failing\"},"
	    "\"guardrails\":{\"circuit_breaker\":{\"max_errors\":3,\"cooldown_seconds\":3600}},"
	    "\"strategy\":{\"analyzers\":[{\"type\":\"ema_cross\",\"weight\":0.6},"
	    "{\"type\":\"rsi\",\"weight\":0.4}],\"aggregation\":{\"min_score\":0.3}}}");
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL, *err = NULL;
	JsonObject *bot, *gate;

	g_assert_true(g_file_set_contents(cfg, json, -1, NULL));
	g_assert_cmpint(mod_run(modules, NULL, "backtest", "--config", cfg, "--data", data,
				"--report-json", report, "--quiet", NULL),
			==, 0);
	json_parser_load_from_file(parser, report, &error);
	g_assert_no_error(error);
	bot = json_array_get_object_element(
	    json_object_get_array_member(json_node_get_object(json_parser_get_root(parser)),
					 "bots"),
	    0);
	gate = json_object_get_object_member(json_object_get_object_member(bot, "guards"),
					     "circuit_breaker");
	g_assert_nonnull(gate);
	g_assert_cmpint(json_object_get_int_member(gate, "rejections"), >, 0);
	g_assert_cmpint(json_object_get_int_member(bot, "trades"), ==, 0);
	/* and the text report has its line */
	g_assert_cmpint(mod_run(modules, NULL, "backtest", "--config", cfg, "--data", data,
				"--report-json", report, NULL),
			==, 0);
}

static void
test_module_circuit_breaker(ModFixture *fx, gconstpointer user_data)
{
	g_autofree char *shared =
	    g_build_filename(g_getenv("CW_SHARED_DATA"), "btcusdt-5m.csv", NULL);

	check_circuit_breaker(fx, fx->data, "synth");
	if (!g_file_test(shared, G_FILE_TEST_EXISTS)) {
		g_test_message("../shared/data is absent: shared-data run skipped");
		return;
	}
	check_circuit_breaker(fx, shared, "shared");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/e2e/module/failing-broker", ModFixture, NULL, mod_setup,
		   test_module_failing_broker, mod_teardown);
	g_test_add("/e2e/module/circuit-breaker", ModFixture, NULL, mod_setup,
		   test_module_circuit_breaker, mod_teardown);
	return g_test_run();
}
