/* One private stream per API key (CwBybitAccountStream), against the
 * exchange simulator in this process on 127.0.0.1: N brokers on one key
 * open one private WebSocket and authenticate once (the simulator counts
 * them); each push reaches only the broker whose order it is; a cut stream
 * reconnects once and every broker catches up and is told (resynced); two
 * keys get two connections, and a stream goes away with its last broker. */
#include "cw-bybit.h"
#include "cw-config.h"
#include "cw-exchange-sim.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define KEY     "test-key-7f3a"
#define SECRET  "test-secret-9d41c0ffee"
#define KEY2    "test-key-2b8e"
#define SECRET2 "test-secret-2-5a17beef"

#define MAX_BROKERS 16

typedef struct _Fixture Fixture;

typedef struct {
	Fixture *f;
	guint index;
	CwBybitBroker *broker;
	GPtrArray *ids; /* client order ids of its reports (owned) */
	double filled;
	guint fills;
	guint resynced;
} Member;

struct _Fixture {
	CwExchangeSim *sim;
	CwSimBybitPrivate *priv;
	char *dir;
	Member members[MAX_BROKERS];
	guint n;
	gint64 t;
};

static void
sink(const CwExecutionReport *report, gpointer user_data)
{
	Member *m = user_data;

	g_ptr_array_add(m->ids, g_strdup(report->order->client_order_id));
	if (report->fill != NULL) {
		m->filled += report->fill->qty;
		m->fills++;
	}
}

static void
count_resynced(CwBroker *broker, gpointer user_data)
{
	((Member *) user_data)->resynced++;
}

static gboolean
wait_for(gboolean (*cond)(Fixture *f), Fixture *f, double seconds)
{
	gint64 end = g_get_monotonic_time() + (gint64) (seconds * G_USEC_PER_SEC);

	while (!cond(f) && g_get_monotonic_time() < end) {
		if (!g_main_context_iteration(NULL, FALSE))
			g_usleep(1000);
	}
	return cond(f);
}

static gboolean
never(Fixture *f)
{
	return FALSE;
}

static void
pump(double seconds)
{
	wait_for(never, NULL, seconds);
}

static gboolean
all_up(Fixture *f)
{
	for (guint i = 0; i < f->n; i++) {
		CwBybitBroker *b = f->members[i].broker;

		if (b != NULL && !(cw_bybit_broker_is_ready(b) && cw_bybit_broker_stream_is_up(b)))
			return FALSE;
	}
	return TRUE;
}

static void
fixture_init(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *csv = NULL;
	GString *rows = g_string_new("time,open,high,low,close,volume\n");
	CwExchangeSimOptions options;

	memset(f, 0, sizeof *f);
	g_setenv("CW_TEST_BYBIT_KEY", KEY, TRUE);
	g_setenv("CW_TEST_BYBIT_SECRET", SECRET, TRUE);
	g_setenv("CW_TEST_BYBIT_KEY2", KEY2, TRUE);
	g_setenv("CW_TEST_BYBIT_SECRET2", SECRET2, TRUE);
	f->dir = g_dir_make_tmp("cw-bybit-stream-XXXXXX", &error);
	g_assert_no_error(error);
	for (guint i = 0; i < 10; i++)
		g_string_append_printf(rows, "%" G_GINT64_FORMAT ",100,101,99,100,1\n",
				       1700000000000 + (gint64) i * 60000);
	csv = g_build_filename(f->dir, "c.csv", NULL);
	g_assert_true(g_file_set_contents(csv, rows->str, -1, NULL));
	g_string_free(rows, TRUE);
	cw_exchange_sim_options_init(&options);
	options.path = csv;
	options.speed = 1e-6; /* the test feeds the matching engine its candles */
	options.api_key = KEY;
	options.api_secret = SECRET;
	f->sim = cw_exchange_sim_new(&options, &error);
	g_assert_no_error(error);
	g_assert_true(cw_exchange_sim_start(f->sim, 0, &error));
	f->priv = cw_exchange_sim_get_private(f->sim);
	cw_sim_bybit_private_add_key(f->priv, KEY2, SECRET2);
	g_assert_true(cw_sim_bybit_private_set_fault(f->priv, "rate_limit_per_s", "1000", &error));
	f->t = 1700000600000;
}

/* A broker on symbol with the first key (second = FALSE) or the second. */
static Member *
fixture_add(Fixture *f, const char *symbol, gboolean second)
{
	guint port = cw_exchange_sim_get_port(f->sim);
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = NULL;
	g_autofree char *json = NULL;
	Member *m;

	g_assert_cmpuint(f->n, <, MAX_BROKERS);
	m = &f->members[f->n];
	m->f = f;
	m->index = f->n++;
	m->ids = g_ptr_array_new_with_free_func(g_free);
	json = g_strdup_printf(
	    "{\"name\":\"t%u\",\"symbol\":\"%s\",\"interval\":\"1m\","
	    "\"instrument\":{\"tick_size\":0.5,\"lot_step\":0.001,\"min_qty\":0.001},"
	    "\"broker\":{\"type\":\"bybit\",\"rest_url\":\"http://127.0.0.1:%u\","
	    "\"ws_url\":\"ws://127.0.0.1:%u/v5/private\",\"api_key_env\":\"CW_TEST_BYBIT_KEY%s\","
	    "\"api_secret_env\":\"CW_TEST_BYBIT_SECRET%s\",\"timeout_s\":1},"
	    "\"strategy\":{\"id\":\"s\",\"analyzers\":[{\"type\":\"ema_cross\",\"weight\":1,"
	    "\"fast\":3,\"slow\":5}]}}",
	    m->index, symbol, port, port, second ? "2" : "", second ? "2" : "");
	config = cw_bot_config_new_from_data(json, -1, &error);
	g_assert_no_error(error);
	m->broker = cw_bybit_broker_new();
	g_assert_true(cw_broker_configure(CW_BROKER(m->broker), config,
					  cw_bot_config_get_section(config, "broker"), &error));
	g_assert_no_error(error);
	cw_broker_set_report_sink(CW_BROKER(m->broker), sink, m);
	g_signal_connect(m->broker, "resynced", G_CALLBACK(count_resynced), m);
	cw_broker_on_candle(CW_BROKER(m->broker), NULL);
	return m;
}

static void
fixture_drop(Member *m)
{
	g_clear_object(&m->broker);
}

static void
fixture_clear(Fixture *f)
{
	g_autofree char *csv = g_build_filename(f->dir, "c.csv", NULL);

	for (guint i = 0; i < f->n; i++) {
		fixture_drop(&f->members[i]);
		g_ptr_array_unref(f->members[i].ids);
	}
	/* let the cancelled requests finish, and the streams go */
	for (guint i = 0; i < 50; i++)
		g_main_context_iteration(NULL, FALSE);
	g_assert_cmpuint(cw_bybit_account_stream_count(), ==, 0);
	cw_exchange_sim_free(f->sim);
	g_unlink(csv);
	g_rmdir(f->dir);
	g_free(f->dir);
}

static void
candle(Fixture *f, double price)
{
	CwCandle c = {0};

	f->t += 60000;
	c.open_time = f->t;
	c.interval_ms = 60000;
	c.open = price;
	c.high = price + 1;
	c.low = price - 1;
	c.close = price;
	c.volume = 1;
	cw_sim_bybit_private_on_candle(f->priv, "BTCUSDT", &c);
}

static gint64
audit_int(Fixture *f, const char *member)
{
	g_autoptr(JsonNode) audit = cw_sim_bybit_private_get_audit(f->priv);

	return json_object_get_int_member(json_node_get_object(audit), member);
}

static void
submit(Member *m, const char *id, double qty)
{
	g_autoptr(GError) error = NULL;
	CwOrder o = {0};

	g_strlcpy(o.client_order_id, id, sizeof o.client_order_id);
	o.side = CW_SIDE_BUY;
	o.type = CW_ORDER_TYPE_MARKET;
	o.qty = qty;
	o.purpose = CW_ORDER_PURPOSE_ENTRY;
	g_assert_true(cw_broker_submit(CW_BROKER(m->broker), &o, &error));
	g_assert_no_error(error);
}

static double want_qty;

static gboolean
all_filled(Fixture *f)
{
	for (guint i = 0; i < f->n; i++)
		if (f->members[i].broker != NULL && fabs(f->members[i].filled - want_qty) > 1e-9)
			return FALSE;
	return TRUE;
}

static gboolean
all_idle(Fixture *f)
{
	for (guint i = 0; i < f->n; i++)
		if (f->members[i].broker != NULL &&
		    cw_bybit_broker_get_n_pending(f->members[i].broker) > 0)
			return FALSE;
	return TRUE;
}

/* Every report a member got is about one of its own orders ("cw-mI-..."). */
static void
assert_own_reports(Member *m)
{
	g_autofree char *prefix = g_strdup_printf("cw-m%u-", m->index);

	g_assert_cmpuint(m->ids->len, >, 0);
	for (guint i = 0; i < m->ids->len; i++)
		g_assert_true(g_str_has_prefix(m->ids->pdata[i], prefix));
}

/* Ten brokers on one key: one connection, one auth, each broker up. */
static void
test_one_per_key(void)
{
	Fixture f;

	fixture_init(&f);
	for (guint i = 0; i < 10; i++)
		fixture_add(&f, "BTCUSDT", FALSE);
	g_assert_true(wait_for(all_up, &f, 10));
	pump(0.3); /* a second connection would have opened by now */
	g_assert_cmpint(audit_int(&f, "private_connections"), ==, 1);
	g_assert_cmpint(audit_int(&f, "private_connections_open"), ==, 1);
	g_assert_cmpint(audit_int(&f, "private_auths"), ==, 1);
	g_assert_cmpuint(cw_bybit_account_stream_count(), ==, 1);
	/* a broker that joins a stream that is up hears it too */
	fixture_add(&f, "BTCUSDT", FALSE);
	g_assert_true(wait_for(all_up, &f, 5));
	g_assert_cmpint(audit_int(&f, "private_connections"), ==, 1);
	g_assert_cmpint(audit_int(&f, "private_auths"), ==, 1);
	fixture_clear(&f);
}

/* Each broker's order, its acknowledgement and fills reach it and no other
 * broker; a position push reaches the brokers of its symbol only. */
static void
test_routing(void)
{
	Fixture f;
	Member *eth;

	fixture_init(&f);
	for (guint i = 0; i < 4; i++)
		fixture_add(&f, "BTCUSDT", FALSE);
	eth = fixture_add(&f, "ETHUSDT", FALSE);
	g_assert_true(wait_for(all_up, &f, 10));
	candle(&f, 100);
	for (guint i = 0; i < 4; i++) {
		g_autofree char *id = g_strdup_printf("cw-m%u-1", i);

		submit(&f.members[i], id, 0.001 * (i + 1));
	}
	g_assert_true(wait_for(all_idle, &f, 10));
	candle(&f, 100);
	for (guint i = 0; i < 4; i++) {
		Member *m = &f.members[i];
		gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

		while (fabs(m->filled - 0.001 * (i + 1)) > 1e-9 && g_get_monotonic_time() < end)
			g_main_context_iteration(NULL, FALSE);
		g_assert_cmpfloat_with_epsilon(m->filled, 0.001 * (i + 1), 1e-9);
	}
	pump(0.3);
	for (guint i = 0; i < 4; i++) {
		Member *m = &f.members[i];

		assert_own_reports(m);
		g_assert_cmpuint(m->fills, ==, 1);
		g_assert_cmpuint(cw_bybit_broker_get_stats(m->broker)->execs_applied, ==, 1);
		/* the account's position of the symbol: all four buys */
		g_assert_cmpfloat_with_epsilon(cw_bybit_broker_get_exchange_position(m->broker),
					       0.010, 1e-9);
	}
	g_assert_cmpuint(eth->ids->len, ==, 0);
	{
		g_autofree char *url = g_strdup_printf("ws://127.0.0.1:%u/v5/private",
						       cw_exchange_sim_get_port(f.sim));
		g_autoptr(CwBybitAccountStream) stream =
		    cw_bybit_account_stream_get(url, KEY, SECRET);
		const CwBybitAccountStreamStats *stats = cw_bybit_account_stream_get_stats(stream);

		/* the brokers' own stream: nothing fell through */
		g_assert_cmpuint(cw_bybit_account_stream_get_n_members(stream), ==, 5);
		g_assert_cmpuint(stats->routed, >, 0);
		g_assert_cmpuint(stats->unrouted, ==, 0);
		g_assert_cmpuint(stats->bad_items, ==, 0);
	}
	g_assert_cmpfloat(cw_bybit_broker_get_exchange_position(eth->broker), ==, 0);
	g_assert_cmpint(audit_int(&f, "private_connections"), ==, 1);
	fixture_clear(&f);
}

/* The stream is cut while the fills are pushed: it reconnects once, and
 * every broker catches up on its own fill and is told it resynced. */
static void
test_cut(void)
{
	Fixture f;
	g_autoptr(GError) error = NULL;
	guint catch_ups[4];

	fixture_init(&f);
	for (guint i = 0; i < 4; i++)
		fixture_add(&f, "BTCUSDT", FALSE);
	g_assert_true(wait_for(all_up, &f, 10));
	candle(&f, 100);
	/* a first fill each, through the stream: the catch-up starts from its time
	 * (the simulator's executions carry the replayed candles' times) */
	for (guint i = 0; i < 4; i++) {
		g_autofree char *id = g_strdup_printf("cw-m%u-1", i);

		submit(&f.members[i], id, 0.002);
	}
	g_assert_true(wait_for(all_idle, &f, 10));
	candle(&f, 100);
	want_qty = 0.002;
	g_assert_true(wait_for(all_filled, &f, 10));
	for (guint i = 0; i < 4; i++) {
		g_autofree char *id = g_strdup_printf("cw-m%u-2", i);

		submit(&f.members[i], id, 0.002);
	}
	g_assert_true(wait_for(all_idle, &f, 10));
	pump(0.2);
	for (guint i = 0; i < 4; i++) {
		catch_ups[i] = cw_bybit_broker_get_stats(f.members[i].broker)->catch_ups;
		g_assert_cmpuint(f.members[i].resynced, ==, 0);
	}
	/* the stream is cut before the fills are pushed */
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "cut_stream_every", "1", &error));
	candle(&f, 100);
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "cut_stream_every", "0", &error));
	want_qty = 0.004;
	g_assert_true(wait_for(all_filled, &f, 10));
	g_assert_true(wait_for(all_up, &f, 10));
	pump(0.5);
	for (guint i = 0; i < 4; i++) {
		Member *m = &f.members[i];
		const CwBybitBrokerStats *stats = cw_bybit_broker_get_stats(m->broker);

		assert_own_reports(m);
		g_assert_cmpuint(m->fills, ==, 2);
		g_assert_cmpuint(stats->execs_applied, ==, 2);
		g_assert_cmpuint(stats->catch_ups, >, catch_ups[i]);
		g_assert_cmpuint(m->resynced, ==, 1);
		g_assert_cmpuint(stats->stream_auths, ==, 2);
	}
	/* one reconnect for all of them */
	g_assert_cmpint(audit_int(&f, "private_connections"), ==, 2);
	g_assert_cmpint(audit_int(&f, "private_auths"), ==, 2);
	g_assert_cmpint(audit_int(&f, "max_per_link_id"), ==, 1);
	fixture_clear(&f);
}

static guint n_acked_wanted;

static gboolean
all_acked(Fixture *f)
{
	guint n = 0;

	for (guint i = 0; i < f->n; i++)
		for (guint j = 0; j < f->members[i].ids->len; j++)
			n++; /* limit orders: one report each, the acknowledgement */
	return n >= n_acked_wanted;
}

/* Three brokers on one key under a tight limit: they pace with the key's
 * one budget (X-Bapi-Limit-Status), never refused with 10006. */
static void
test_shared_limit(void)
{
	Fixture f;
	g_autoptr(GError) error = NULL;

	fixture_init(&f);
	for (guint i = 0; i < 3; i++)
		fixture_add(&f, "BTCUSDT", FALSE);
	g_assert_true(wait_for(all_up, &f, 10));
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "rate_limit_per_s", "5", &error));
	/* the start's catch-ups leave the window first */
	pump(1.1);
	for (guint n = 0; n < 5; n++) {
		for (guint i = 0; i < 3; i++) {
			CwOrder o = {0};

			g_snprintf(o.client_order_id, sizeof o.client_order_id, "cw-m%u-%u", i, n);
			o.side = CW_SIDE_BUY;
			o.type = CW_ORDER_TYPE_LIMIT;
			o.price = 50;
			o.qty = 0.001;
			g_assert_true(cw_broker_submit(CW_BROKER(f.members[i].broker), &o, &error));
		}
	}
	n_acked_wanted = 15;
	g_assert_true(wait_for(all_acked, &f, 15));
	for (guint i = 0; i < 3; i++) {
		Member *m = &f.members[i];

		g_test_message("broker %u: creates %u, rate limited %u, lookups %u", i,
			       cw_bybit_broker_get_stats(m->broker)->creates_sent,
			       cw_bybit_broker_get_stats(m->broker)->rate_limited,
			       cw_bybit_broker_get_stats(m->broker)->lookups);
		assert_own_reports(m);
		/* each broker alone would take the whole budget: 10006 for some */
		g_assert_cmpuint(cw_bybit_broker_get_stats(m->broker)->rate_limited, ==, 0);
	}
	g_assert_cmpint(audit_int(&f, "max_per_link_id"), ==, 1);
	fixture_clear(&f);
}

static gboolean
one_open(Fixture *f)
{
	return audit_int(f, "private_connections_open") == 1 &&
	       cw_bybit_account_stream_count() == 1;
}

/* Two keys: two connections. The second key's stream goes with its last
 * broker; the first key's stays. */
static void
test_two_keys(void)
{
	Fixture f;

	fixture_init(&f);
	fixture_add(&f, "BTCUSDT", FALSE);
	fixture_add(&f, "BTCUSDT", TRUE);
	fixture_add(&f, "BTCUSDT", FALSE);
	fixture_add(&f, "BTCUSDT", TRUE);
	g_assert_true(wait_for(all_up, &f, 10));
	pump(0.3);
	g_assert_cmpint(audit_int(&f, "private_connections"), ==, 2);
	g_assert_cmpint(audit_int(&f, "private_auths"), ==, 2);
	g_assert_cmpuint(cw_bybit_account_stream_count(), ==, 2);
	fixture_drop(&f.members[1]);
	g_assert_cmpuint(cw_bybit_account_stream_count(), ==, 2);
	fixture_drop(&f.members[3]);
	g_assert_true(wait_for(one_open, &f, 5));
	g_assert_true(cw_bybit_broker_stream_is_up(f.members[0].broker));
	g_assert_true(cw_bybit_broker_stream_is_up(f.members[2].broker));
	fixture_clear(&f);
}

static CwBotConfig *
config_with_secret_env(Fixture *f, const char *secret_env)
{
	guint port = cw_exchange_sim_get_port(f->sim);
	g_autoptr(GError) error = NULL;
	g_autofree char *json = g_strdup_printf(
	    "{\"name\":\"t\",\"symbol\":\"BTCUSDT\",\"broker\":{\"type\":\"bybit\","
	    "\"rest_url\":\"http://127.0.0.1:%u\",\"ws_url\":\"ws://127.0.0.1:%u/v5/private\","
	    "\"api_key_env\":\"CW_TEST_BYBIT_KEY\",\"api_secret_env\":\"%s\"},"
	    "\"strategy\":{\"id\":\"s\",\"analyzers\":[{\"type\":\"ema_cross\","
	    "\"weight\":1,\"fast\":3,\"slow\":5}]}}",
	    port, port, secret_env);
	CwBotConfig *config = cw_bot_config_new_from_data(json, -1, &error);

	g_assert_no_error(error);
	return config;
}

/* A second configure that fails on the secret leaves the broker without a
 * key: it starts without a stream rather than join one with no key. */
static void
test_no_key(void)
{
	Fixture f;
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) good = NULL;
	g_autoptr(CwBotConfig) bad = NULL;
	g_autoptr(CwBybitBroker) broker = cw_bybit_broker_new();

	fixture_init(&f);
	good = config_with_secret_env(&f, "CW_TEST_BYBIT_SECRET");
	g_unsetenv("CW_TEST_BYBIT_NONE");
	bad = config_with_secret_env(&f, "CW_TEST_BYBIT_NONE");
	g_assert_true(cw_broker_configure(CW_BROKER(broker), good,
					  cw_bot_config_get_section(good, "broker"), &error));
	g_assert_no_error(error);
	g_assert_false(cw_broker_configure(CW_BROKER(broker), bad,
					   cw_bot_config_get_section(bad, "broker"), &error));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_MISSING);
	cw_broker_on_candle(CW_BROKER(broker), NULL);
	pump(0.3);
	g_assert_cmpuint(cw_bybit_account_stream_count(), ==, 0);
	g_assert_false(cw_bybit_broker_stream_is_up(broker));
	g_assert_cmpint(audit_int(&f, "private_connections"), ==, 0);
	g_clear_object(&broker);
	fixture_clear(&f);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* a cut stream and a symbol the simulator does not list log warnings */
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
	cw_bybit_register_types();
	g_test_add_func("/bybit/account-stream/one-per-key", test_one_per_key);
	g_test_add_func("/bybit/account-stream/routing", test_routing);
	g_test_add_func("/bybit/account-stream/cut", test_cut);
	g_test_add_func("/bybit/account-stream/two-keys", test_two_keys);
	g_test_add_func("/bybit/account-stream/shared-limit", test_shared_limit);
	g_test_add_func("/bybit/account-stream/no-key", test_no_key);
	return g_test_run();
}
