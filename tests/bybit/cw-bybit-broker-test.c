/* The bybit broker against the exchange simulator in this process, on
 * 127.0.0.1: the contract's reports, unknown outcomes (a dropped answer, a
 * timeout, a 5xx before and after acceptance), rate limits, duplicated and
 * split executions, a cut private stream; the simulator's audit proves that
 * no orderLinkId was accepted twice. Also the secrets' rules and
 * --allow-live. */
#include "cw-bybit.h"
#include "cw-config.h"
#include "cw-exchange-sim.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define KEY    "test-key-7f3a"
#define SECRET "test-secret-9d41c0ffee"
/* the simulator's first candle: reconcile reads from there (Bybit keeps 730
 * days of executions, so a reach back to 0 fails closed) */
#define T0 1700000000000

typedef struct {
	CwExchangeSim *sim;
	CwSimBybitPrivate *priv;
	char *dir;
	CwBybitBroker *broker;
	GArray *reports; /* Seen */
	gint64 t;
} Fixture;

/* The simulator's clock ahead of the local one (ms) for the next fixture. */
static gint64 fixture_skew_ms;

/* What the sink was told, in order. */
typedef CwBrokerHeldReport Seen;

static void
sink(const CwExecutionReport *report, gpointer user_data)
{
	Fixture *f = user_data;
	Seen s;

	cw_broker_held_report_set(&s, report->order, report->fill, report->error);
	g_array_append_val(f->reports, s);
}

/* instrument: the config's rules (a JSON member and its comma, or ""); the
 * key and secret from the environment variables env_prefix_KEY, _SECRET */
static char *
broker_json_with(Fixture *f, const char *instrument, const char *env_prefix, const char *extra)
{
	guint port = cw_exchange_sim_get_port(f->sim);

	return g_strdup_printf(
	    "{\"name\":\"t\",\"symbol\":\"BTCUSDT\",\"interval\":\"1m\",%s"
	    "\"broker\":{\"type\":\"bybit\",\"rest_url\":\"http://127.0.0.1:%u\","
	    "\"ws_url\":\"ws://127.0.0.1:%u/v5/private\",\"api_key_env\":\"%s_KEY\","
	    "\"api_secret_env\":\"%s_SECRET\",\"timeout_s\":1%s},"
	    "\"strategy\":{\"id\":\"s\",\"analyzers\":[{\"type\":\"ema_cross\",\"weight\":1,"
	    "\"fast\":3,\"slow\":5}]}}",
	    instrument, port, port, env_prefix, env_prefix, extra != NULL ? extra : "");
}

static char *
broker_json(Fixture *f, const char *extra)
{
	return broker_json_with(
	    f, "\"instrument\":{\"tick_size\":0.5,\"lot_step\":0.001,\"min_qty\":0.001},",
	    "CW_TEST_BYBIT", extra);
}

/* A broker on json, its reports to f's sink, started (not waited for). */
static CwBybitBroker *
broker_new(Fixture *f, const char *json)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = cw_bot_config_new_from_data(json, -1, &error);
	CwBybitBroker *broker = cw_bybit_broker_new();

	g_assert_no_error(error);
	g_assert_true(cw_broker_configure(CW_BROKER(broker), config,
					  cw_bot_config_get_section(config, "broker"), &error));
	g_assert_no_error(error);
	cw_broker_set_report_sink(CW_BROKER(broker), sink, f);
	cw_broker_on_candle(CW_BROKER(broker), NULL);
	return broker;
}

/* A broker whose config gives no instrument rules, its key and secret from
 * env_prefix_KEY and _SECRET. */
static CwBybitBroker *
broker_without_rules(Fixture *f, const char *env_prefix)
{
	g_autofree char *json = broker_json_with(f, "", env_prefix, NULL);

	return broker_new(f, json);
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
is_ready(Fixture *f)
{
	return cw_bybit_broker_is_ready(f->broker) && cw_bybit_broker_stream_is_up(f->broker);
}

/* A new broker on the fixture's simulator, started: a new life's. */
static void
fixture_broker(Fixture *f, const char *extra)
{
	g_autofree char *json = broker_json(f, extra);

	g_clear_object(&f->broker);
	f->broker = broker_new(f, json);
	g_assert_true(wait_for(is_ready, f, 5));
}

static void
fixture_init(Fixture *f, const char *extra)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *csv = NULL;
	GString *rows = g_string_new("time,open,high,low,close,volume\n");
	CwExchangeSimOptions options;

	memset(f, 0, sizeof *f);
	g_setenv("CW_TEST_BYBIT_KEY", KEY, TRUE);
	g_setenv("CW_TEST_BYBIT_SECRET", SECRET, TRUE);
	f->dir = g_dir_make_tmp("cw-bybit-XXXXXX", &error);
	g_assert_no_error(error);
	for (guint i = 0; i < 10; i++)
		g_string_append_printf(rows, "%" G_GINT64_FORMAT ",100,101,99,100,1\n",
				       T0 + (gint64) i * 60000);
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
	if (fixture_skew_ms != 0) {
		g_autofree char *skew = g_strdup_printf("%" G_GINT64_FORMAT, fixture_skew_ms);

		g_assert_true(
		    cw_sim_bybit_private_set_fault(f->priv, "clock_skew_ms", skew, &error));
		g_assert_no_error(error);
	}
	f->reports = g_array_new(FALSE, TRUE, sizeof(Seen));
	f->t = 1700000600000;
	fixture_broker(f, extra);
}

static void
fixture_clear(Fixture *f)
{
	g_autofree char *csv = g_build_filename(f->dir, "c.csv", NULL);

	g_clear_object(&f->broker);
	/* let the cancelled requests finish */
	for (guint i = 0; i < 50; i++)
		g_main_context_iteration(NULL, FALSE);
	cw_exchange_sim_free(f->sim);
	g_array_unref(f->reports);
	g_unlink(csv);
	g_rmdir(f->dir);
	g_free(f->dir);
}

static void
candle(Fixture *f, double open, double high, double low, double close)
{
	CwCandle c = {0};

	f->t += 60000;
	c.open_time = f->t;
	c.interval_ms = 60000;
	c.open = open;
	c.high = high;
	c.low = low;
	c.close = close;
	c.volume = 1;
	/* every account of the venue matches it */
	for (guint i = 0; i < cw_exchange_sim_get_n_accounts(f->sim); i++)
		cw_sim_bybit_private_on_candle(cw_exchange_sim_get_account(f->sim, i), "BTCUSDT",
					       &c);
}

static CwOrder
market(const char *id, CwSide side, double qty, CwOrderPurpose purpose)
{
	CwOrder o = {0};

	g_strlcpy(o.client_order_id, id, sizeof o.client_order_id);
	o.side = side;
	o.type = CW_ORDER_TYPE_MARKET;
	o.qty = qty;
	o.purpose = purpose;
	o.reduce_only = purpose != CW_ORDER_PURPOSE_ENTRY;
	return o;
}

/* Submits a market entry through broker; the broker must take it. */
static void
submit_entry(CwBybitBroker *broker, const char *id, CwSide side, double qty)
{
	CwOrder o = market(id, side, qty, CW_ORDER_PURPOSE_ENTRY);
	g_autoptr(GError) error = NULL;

	g_assert_true(cw_broker_submit(CW_BROKER(broker), &o, &error));
	g_assert_no_error(error);
}

static double
filled(Fixture *f, const char *id)
{
	double qty = 0;

	for (guint i = 0; i < f->reports->len; i++) {
		const Seen *s = &g_array_index(f->reports, Seen, i);

		if (s->has_fill && strcmp(s->fill.client_order_id, id) == 0)
			qty += s->fill.qty;
	}
	return qty;
}

static const char *wanted_id;
static double wanted_qty;
static CwBybitBroker *second_broker; /* test_accounts: the broker on the second account */

static gboolean
has_filled(Fixture *f)
{
	return fabs(filled(f, wanted_id) - wanted_qty) < 1e-9;
}

static gboolean
acked(Fixture *f)
{
	for (guint i = 0; i < f->reports->len; i++) {
		const Seen *s = &g_array_index(f->reports, Seen, i);

		if (strcmp(s->order.client_order_id, wanted_id) == 0 &&
		    s->order.status == CW_ORDER_STATUS_NEW && !s->has_fault)
			return TRUE;
	}
	return FALSE;
}

static gboolean
idle(Fixture *f)
{
	return cw_bybit_broker_get_n_pending(f->broker) == 0;
}

static gint64
audit_int(Fixture *f, const char *member)
{
	g_autoptr(JsonNode) audit = cw_sim_bybit_private_get_audit(f->priv);

	return json_object_get_int_member(json_node_get_object(audit), member);
}

static gint64
accepted(Fixture *f, const char *id)
{
	g_autoptr(JsonNode) audit = cw_sim_bybit_private_get_audit(f->priv);
	JsonObject *acc = json_object_get_object_member(json_node_get_object(audit), "accepted");

	return json_object_has_member(acc, id) ? json_object_get_int_member(acc, id) : 0;
}

/* Submit, acknowledge, fill at the next open (paper rules), then a stop that
 * moves by amend and fills, and a cancelled limit: each as its report. */
static void
test_trade(void)
{
	Fixture f;
	CwOrder entry = market("cw-aa-1", CW_SIDE_BUY, 0.01, CW_ORDER_PURPOSE_ENTRY);
	CwOrder stop = market("cw-aa-2", CW_SIDE_SELL, 0.01, CW_ORDER_PURPOSE_STOP_LOSS);
	CwOrder limit = {0};
	g_autoptr(GError) error = NULL;
	gboolean cancelled = FALSE;

	fixture_init(&f, NULL);
	candle(&f, 100, 101, 99, 100);
	g_assert_true(cw_broker_submit(CW_BROKER(f.broker), &entry, &error));
	/* never synchronous */
	g_assert_cmpuint(f.reports->len, ==, 0);
	wanted_id = "cw-aa-1";
	g_assert_true(wait_for(acked, &f, 5));
	candle(&f, 200, 201, 199, 200);
	wanted_qty = 0.01;
	g_assert_true(wait_for(has_filled, &f, 5));
	{
		const Seen *last = &g_array_index(f.reports, Seen, f.reports->len - 1);
		g_assert_true(last->has_fill);
		g_assert_cmpfloat_with_epsilon(last->fill.price, 200 * 1.0002, 1e-9);
		g_assert_cmpfloat_with_epsilon(last->fill.fee, 0.01 * 200.04 * 5.5e-4, 1e-12);
		g_assert_cmpint(last->order.status, ==, CW_ORDER_STATUS_FILLED);
	}
	stop.type = CW_ORDER_TYPE_STOP;
	stop.stop_price = 180;
	g_assert_true(cw_broker_submit(CW_BROKER(f.broker), &stop, &error));
	wanted_id = "cw-aa-2";
	g_assert_true(wait_for(acked, &f, 5));
	g_assert_true(cw_broker_amend(CW_BROKER(f.broker), "cw-aa-2", 0, 0, 190.2, &error));
	g_assert_true(wait_for(idle, &f, 5));
	{
		const Seen *last = &g_array_index(f.reports, Seen, f.reports->len - 1);
		/* rounded to the exchange's tick (the simulator's 0.1) */
		g_assert_cmpfloat_with_epsilon(last->order.stop_price, 190.2, 1e-9);
	}
	candle(&f, 195, 196, 185, 186);
	wanted_qty = 0.01;
	g_assert_true(wait_for(has_filled, &f, 5));
	g_assert_cmpfloat_with_epsilon(cw_bybit_broker_get_exchange_position(f.broker), 0, 1e-12);
	g_strlcpy(limit.client_order_id, "cw-aa-3", sizeof limit.client_order_id);
	limit.side = CW_SIDE_BUY;
	limit.type = CW_ORDER_TYPE_LIMIT;
	limit.price = 150;
	limit.qty = 0.002;
	g_assert_true(cw_broker_submit(CW_BROKER(f.broker), &limit, &error));
	wanted_id = "cw-aa-3";
	g_assert_true(wait_for(acked, &f, 5));
	g_assert_true(cw_broker_cancel(CW_BROKER(f.broker), "cw-aa-3", &error));
	g_assert_true(wait_for(idle, &f, 5));
	for (guint i = 0; i < f.reports->len; i++) {
		const Seen *s = &g_array_index(f.reports, Seen, i);
		if (strcmp(s->order.client_order_id, "cw-aa-3") == 0 &&
		    s->order.status == CW_ORDER_STATUS_CANCELLED)
			cancelled = TRUE;
	}
	g_assert_true(cancelled);
	g_assert_cmpint(audit_int(&f, "max_per_link_id"), ==, 1);
	fixture_clear(&f);
}

static const Seen *
report_with_error(Fixture *f, const char *id)
{
	for (guint i = 0; i < f->reports->len; i++) {
		const Seen *s = &g_array_index(f->reports, Seen, i);

		if (s->has_fault && strcmp(s->order.client_order_id, id) == 0)
			return s;
	}
	return NULL;
}

static gboolean
rejected(Fixture *f)
{
	return report_with_error(f, wanted_id) != NULL;
}

/* Orders submitted before instruments-info answered (the bot decides on the
 * first candle after its warm-up, while its broker starts; the config gives
 * no rules) go out rounded to the venue's lot step (the simulator's 0.001),
 * not as given (refused with 10001), and one below the venue's minimum is
 * refused here, never sent. */
static void
test_rules_before_start(void)
{
	Fixture f;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) slow = json_from_string("{\"rest_delay_ms\":300}", NULL);
	gint64 creates;
	const Seen *refused;

	fixture_init(&f, NULL);
	creates = audit_int(&f, "creates_received");
	/* instruments-info answers 300 ms late, the venue's clock at once */
	g_assert_true(cw_exchange_sim_apply_faults(f.sim, slow, &error));
	g_assert_no_error(error);
	g_clear_object(&f.broker);
	f.broker = broker_without_rules(&f, "CW_TEST_BYBIT");
	g_assert_false(cw_bybit_broker_is_ready(f.broker));
	/* the rules are not known yet: both are taken */
	submit_entry(f.broker, "cw-rr-1", CW_SIDE_BUY, 0.0345678);
	submit_entry(f.broker, "cw-rr-2", CW_SIDE_BUY, 0.0004);
	wanted_id = "cw-rr-1";
	g_assert_true(wait_for(acked, &f, 5));
	g_assert_null(report_with_error(&f, "cw-rr-1"));
	wanted_id = "cw-rr-2";
	g_assert_true(wait_for(rejected, &f, 5));
	refused = report_with_error(&f, "cw-rr-2");
	g_assert_cmpint(refused->fault.kind, ==, CW_BROKER_ERROR_REJECTED);
	g_assert_cmpint(refused->order.status, ==, CW_ORDER_STATUS_REJECTED);
	g_assert_nonnull(strstr(refused->fault.text, "below the minimum 0.001"));
	g_assert_cmpint(accepted(&f, "cw-rr-2"), ==, 0);
	g_assert_cmpint(audit_int(&f, "creates_received"), ==, creates + 1);
	/* the venue fills what it took */
	candle(&f, 100, 101, 99, 100);
	wanted_id = "cw-rr-1";
	wanted_qty = 0.034;
	g_assert_true(wait_for(has_filled, &f, 5));
	fixture_clear(&f);
}

static gboolean
both_ready(Fixture *f)
{
	return is_ready(f) && cw_bybit_broker_is_ready(second_broker) &&
	       cw_bybit_broker_stream_is_up(second_broker);
}

static gboolean
both_filled(Fixture *f)
{
	return fabs(filled(f, "cw-ac-1") - 0.01) < 1e-9 && fabs(filled(f, "cw-ac-2") - 0.02) < 1e-9;
}

static gint64
audit_of(CwSimBybitPrivate *account, const char *member)
{
	g_autoptr(JsonNode) audit = cw_sim_bybit_private_get_audit(account);

	return json_object_get_int_member(json_node_get_object(audit), member);
}

static gboolean
audit_accepted(CwSimBybitPrivate *account, const char *id)
{
	g_autoptr(JsonNode) audit = cw_sim_bybit_private_get_audit(account);

	return json_object_has_member(
	    json_object_get_object_member(json_node_get_object(audit), "accepted"), id);
}

/* Two accounts at the simulator, one broker on each: orders, positions and
 * private streams stay each account's own (one account would net the two
 * positions to -0.01). */
static void
test_accounts(void)
{
	Fixture f;
	g_autoptr(GError) error = NULL;
	CwSimBybitPrivate *b;

	fixture_init(&f, NULL);
	g_assert_null(cw_exchange_sim_add_account(f.sim, KEY, "x", &error));
	g_assert_error(error, CW_SIM_ERROR, CW_SIM_ERROR_INVALID);
	g_clear_error(&error);
	b = cw_exchange_sim_add_account(f.sim, "test-key-b", "test-secret-b", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(cw_exchange_sim_get_n_accounts(f.sim), ==, 2);
	g_assert_true(cw_exchange_sim_get_account(f.sim, 0) == f.priv);
	g_assert_true(cw_exchange_sim_get_account(f.sim, 1) == b);
	g_setenv("CW_TEST_BYBIT_B_KEY", "test-key-b", TRUE);
	g_setenv("CW_TEST_BYBIT_B_SECRET", "test-secret-b", TRUE);
	second_broker = broker_without_rules(&f, "CW_TEST_BYBIT_B");
	g_assert_true(wait_for(both_ready, &f, 5));
	submit_entry(f.broker, "cw-ac-1", CW_SIDE_BUY, 0.01);
	submit_entry(second_broker, "cw-ac-2", CW_SIDE_SELL, 0.02);
	wanted_id = "cw-ac-1";
	g_assert_true(wait_for(acked, &f, 5));
	wanted_id = "cw-ac-2";
	g_assert_true(wait_for(acked, &f, 5));
	candle(&f, 100, 101, 99, 100);
	g_assert_true(wait_for(both_filled, &f, 5));
	g_assert_true(audit_accepted(f.priv, "cw-ac-1"));
	g_assert_false(audit_accepted(f.priv, "cw-ac-2"));
	g_assert_true(audit_accepted(b, "cw-ac-2"));
	g_assert_false(audit_accepted(b, "cw-ac-1"));
	/* each broker's stream authenticated at its own account */
	g_assert_cmpint(audit_of(f.priv, "private_connections_open"), ==, 1);
	g_assert_cmpint(audit_of(b, "private_connections_open"), ==, 1);
	g_assert_cmpint(audit_of(b, "private_auths"), ==, 1);
	wanted_id = NULL;
	g_assert_true(wait_for(idle, &f, 5));
	g_assert_cmpfloat_with_epsilon(cw_bybit_broker_get_exchange_position(f.broker), 0.01,
				       1e-12);
	g_assert_cmpfloat_with_epsilon(cw_bybit_broker_get_exchange_position(second_broker), -0.02,
				       1e-12);
	g_clear_object(&second_broker);
	g_unsetenv("CW_TEST_BYBIT_B_KEY");
	g_unsetenv("CW_TEST_BYBIT_B_SECRET");
	fixture_clear(&f);
}

/* One create under a fault: answered or not, the order is accepted once,
 * its fill reported once. */
static void
run_fault(const char *fault, guint n, const char *extra, guint min_lookups)
{
	Fixture f;
	CwOrder entry = market("cw-bb-1", CW_SIDE_BUY, 0.01, CW_ORDER_PURPOSE_ENTRY);
	g_autoptr(GError) error = NULL;
	g_autofree char *value = g_strdup_printf("%u", n);
	const CwBybitBrokerStats *stats;

	fixture_init(&f, extra);
	candle(&f, 100, 101, 99, 100);
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, fault, value, &error));
	g_assert_true(cw_broker_submit(CW_BROKER(f.broker), &entry, &error));
	wanted_id = "cw-bb-1";
	g_assert_true(wait_for(acked, &f, 10));
	candle(&f, 200, 201, 199, 200);
	wanted_qty = 0.01;
	g_assert_true(wait_for(has_filled, &f, 10));
	g_assert_true(wait_for(idle, &f, 5));
	g_assert_cmpint(accepted(&f, "cw-bb-1"), ==, 1);
	g_assert_cmpint(audit_int(&f, "max_per_link_id"), ==, 1);
	stats = cw_bybit_broker_get_stats(f.broker);
	g_assert_cmpuint(stats->lookups, >=, min_lookups);
	g_assert_cmpfloat_with_epsilon(filled(&f, "cw-bb-1"), 0.01, 1e-12);
	fixture_clear(&f);
}

static void
test_dropped_answer(void)
{
	/* accepted, then the connection reset without an answer: looked up, adopted */
	run_fault("drop_create_next", 1, NULL, 1);
}

static void
test_timeout(void)
{
	/* accepted, never answered: the 1 s timeout, then the lookup */
	run_fault("timeout_create_next", 1, NULL, 1);
}

static void
test_5xx_not_accepted(void)
{
	/* a 503 before acceptance: not there, sent again with the same orderLinkId */
	run_fault("error_create_next", 2, NULL, 2);
}

static void
test_5xx_accepted(void)
{
	run_fault("error_accepted_next", 1, NULL, 1);
}

static void
test_rate_limit_storm(void)
{
	run_fault("rate_limit_next", 6, NULL, 0);
}

static gboolean
lookup_done(Fixture *f)
{
	return cw_bybit_broker_get_stats(f->broker)->lookups >= 1 &&
	       cw_bybit_broker_get_n_pending(f->broker) == 0;
}

static gboolean
create_received(Fixture *f)
{
	return audit_int(f, "creates_received") >= 1;
}

/* The lookup after an unknown outcome is itself rate limited: it is tried
 * again after the reset, never given up on. */
static void
test_lookup_rate_limited(void)
{
	Fixture f;
	CwOrder entry = market("cw-dd-1", CW_SIDE_BUY, 0.01, CW_ORDER_PURPOSE_ENTRY);
	g_autoptr(GError) error = NULL;

	fixture_init(&f, NULL);
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "timeout_create_next", "1", &error));
	g_assert_true(cw_broker_submit(CW_BROKER(f.broker), &entry, &error));
	g_assert_true(wait_for(create_received, &f, 5));
	/* accepted and hanging: the lookup that follows the timeout is refused twice */
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "rate_limit_next", "2", &error));
	wanted_id = "cw-dd-1";
	g_assert_true(wait_for(acked, &f, 10));
	/* the stream acknowledged it; the create's timeout and lookup follow */
	g_assert_true(wait_for(lookup_done, &f, 10));
	for (guint i = 0; i < f.reports->len; i++)
		g_assert_false(g_array_index(f.reports, Seen, i).has_fault);
	g_assert_cmpint(accepted(&f, "cw-dd-1"), ==, 1);
	g_assert_cmpuint(cw_bybit_broker_get_stats(f.broker)->lookups, >=, 1);
	g_assert_cmpint(audit_int(&f, "creates_received"), ==, 1);
	fixture_clear(&f);
}

/* The venue's clock 30 s ahead of the local one: the reset timestamp of a
 * 10006 is read with the offset from /v5/market/time, so the wait is the
 * venue's window (at most a second), not 30 s more. */
static void
test_rate_limit_skewed_clock(void)
{
	Fixture f;
	CwOrder entry = market("cw-sk-1", CW_SIDE_BUY, 0.01, CW_ORDER_PURPOSE_ENTRY);
	g_autoptr(GError) error = NULL;
	gint64 sent;

	fixture_skew_ms = 30000;
	fixture_init(&f, NULL);
	fixture_skew_ms = 0;
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "rate_limit_next", "1", &error));
	sent = g_get_real_time() / 1000;
	g_assert_true(cw_broker_submit(CW_BROKER(f.broker), &entry, &error));
	wanted_id = "cw-sk-1";
	/* acknowledged within the venue's window plus slack; 30 s off without the offset */
	g_assert_true(wait_for(acked, &f, 10));
	g_assert_cmpuint(cw_bybit_broker_get_stats(f.broker)->rate_limited, ==, 1);
	g_assert_cmpint(cw_bybit_broker_get_blocked_until_ms(f.broker), >, sent);
	g_assert_cmpint(cw_bybit_broker_get_blocked_until_ms(f.broker), <=, sent + 5000);
	g_assert_cmpint(accepted(&f, "cw-sk-1"), ==, 1);
	fixture_clear(&f);
}

static guint n_acked_wanted;

static gboolean
all_acked(Fixture *f)
{
	guint n = 0;

	for (guint i = 0; i < f->reports->len; i++) {
		const Seen *s = &g_array_index(f->reports, Seen, i);
		n += s->order.status == CW_ORDER_STATUS_NEW && !s->has_fault;
	}
	return n >= n_acked_wanted;
}

/* A burst of orders under a tight limit: paced by X-Bapi-Limit-Status and
 * the reset time, never refused with 10006. */
static gboolean
never(Fixture *f)
{
	return FALSE;
}

/* Runs the main loop for seconds. */
static void
pump(double seconds)
{
	wait_for(never, NULL, seconds);
}

static void
test_paced(void)
{
	Fixture f;
	g_autoptr(GError) error = NULL;

	fixture_init(&f, NULL);
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "rate_limit_per_s", "5", &error));
	/* a second for the start's requests to leave the window: with the main
	 * loop running, so that the catch-up the subscription starts (two GETs,
	 * which the create queue does not pace) is done in it too; a sleep held
	 * them back into the burst's window, where the simulator's one window
	 * per key refused a create about one run in two */
	pump(1.1);
	for (guint i = 0; i < 12; i++) {
		CwOrder o = {0};

		g_snprintf(o.client_order_id, sizeof o.client_order_id, "cw-ee-%u", i);
		o.side = CW_SIDE_BUY;
		o.type = CW_ORDER_TYPE_LIMIT;
		o.price = 50;
		o.qty = 0.001;
		g_assert_true(cw_broker_submit(CW_BROKER(f.broker), &o, &error));
	}
	n_acked_wanted = 12;
	g_assert_true(wait_for(all_acked, &f, 10));
	/* without pacing 6 of the 12 are refused; with it none */
	g_assert_cmpuint(cw_bybit_broker_get_stats(f.broker)->rate_limited, ==, 0);
	g_assert_cmpint(audit_int(&f, "max_per_link_id"), ==, 1);
	fixture_clear(&f);
}

/* Executions pushed twice, split in two, and a stream cut before the fill's
 * push: every execId once, the fill whole. */
static void
count_resynced(CwBroker *broker, gpointer user_data)
{
	(*(guint *) user_data)++;
}

static void
test_executions(void)
{
	Fixture f;
	CwOrder entry = market("cw-cc-1", CW_SIDE_BUY, 0.02, CW_ORDER_PURPOSE_ENTRY);
	CwOrder exit = market("cw-cc-2", CW_SIDE_SELL, 0.02, CW_ORDER_PURPOSE_SIGNAL_EXIT);
	g_autoptr(GError) error = NULL;
	const CwBybitBrokerStats *stats;
	guint fills = 0;
	guint catch_ups;
	guint resynced = 0;

	fixture_init(&f, NULL);
	g_signal_connect(f.broker, "resynced", G_CALLBACK(count_resynced), &resynced);
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "duplicate_exec_every", "1", &error));
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "partial_fill_every", "1", &error));
	candle(&f, 100, 101, 99, 100);
	g_assert_true(cw_broker_submit(CW_BROKER(f.broker), &entry, &error));
	wanted_id = "cw-cc-1";
	g_assert_true(wait_for(acked, &f, 5));
	candle(&f, 100, 101, 99, 100);
	wanted_qty = 0.02;
	g_assert_true(wait_for(has_filled, &f, 5));
	for (guint i = 0; i < 100; i++)
		g_main_context_iteration(NULL, FALSE);
	catch_ups = cw_bybit_broker_get_stats(f.broker)->catch_ups;
	/* the catch-up at start is no gap: the owner reconciles by itself */
	g_assert_cmpuint(resynced, ==, 0);
	/* the stream is cut before the next fill is pushed */
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "cut_stream_every", "1", &error));
	g_assert_true(cw_broker_submit(CW_BROKER(f.broker), &exit, &error));
	wanted_id = "cw-cc-2";
	g_assert_true(wait_for(acked, &f, 5));
	candle(&f, 100, 101, 99, 100);
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "cut_stream_every", "0", &error));
	wanted_qty = 0.02;
	g_assert_true(wait_for(has_filled, &f, 10));
	g_assert_true(wait_for(is_ready, &f, 10));
	for (guint i = 0; i < 200; i++)
		g_main_context_iteration(NULL, FALSE);
	for (guint i = 0; i < f.reports->len; i++)
		fills += g_array_index(f.reports, Seen, i).has_fill;
	/* two orders, each in two executions, each execution once */
	g_assert_cmpuint(fills, ==, 4);
	stats = cw_bybit_broker_get_stats(f.broker);
	g_assert_cmpuint(stats->execs_applied, ==, 4);
	g_assert_cmpuint(stats->execs_duplicate, >=, 2);
	/* the exit's fill came from the catch-up after the reconnect */
	g_assert_cmpuint(stats->catch_ups, >, catch_ups);
	/* and the owner was told, once per reconnect */
	g_assert_cmpuint(resynced, >=, 1);
	g_assert_cmpuint(resynced, ==, stats->resyncs);
	g_assert_cmpfloat_with_epsilon(filled(&f, "cw-cc-2"), 0.02, 1e-12);
	fixture_clear(&f);
}

/* The simulator's audit counter key (creates_received, executions...). */
static gint64
audit_count(Fixture *f, const char *key)
{
	g_autoptr(JsonNode) audit = cw_sim_bybit_private_get_audit(f->priv);

	return json_object_get_int_member(json_node_get_object(audit), key);
}

#define PAGED_ORDERS 60

static gboolean
all_created(Fixture *f)
{
	return audit_count(f, "creates_received") >= PAGED_ORDERS;
}

static gboolean
all_executed(Fixture *f)
{
	return audit_count(f, "executions") >= 2 * PAGED_ORDERS;
}

static void
reconciled(GObject *source, GAsyncResult *result, gpointer user_data)
{
	*(GAsyncResult **) user_data = g_object_ref(result);
}

/* 60 market orders filled in two executions each: 120 executions, more
 * than one page of /v5/execution/list (100). */
static gboolean
ended_cb(Fixture *f)
{
	for (guint i = 0; i < f->reports->len; i++) {
		const Seen *s = &g_array_index(f->reports, Seen, i);

		if (strcmp(s->order.client_order_id, wanted_id) == 0 &&
		    cw_order_status_is_final(s->order.status))
			return TRUE;
	}
	return FALSE;
}

/* A cancel of an order that is no longer working (110001: it filled while
 * the stream was down) is what the cancel asked for: no error is reported
 * (none reaches the circuit breaker), and the lookup says how it ended. */
static void
test_cancel_gone(void)
{
	Fixture f;
	g_autoptr(GError) error = NULL;
	CwOrder first = market("cw-gone-0", CW_SIDE_BUY, 0.001, CW_ORDER_PURPOSE_ENTRY);
	CwOrder o = market("cw-gone-1", CW_SIDE_BUY, 0.001, CW_ORDER_PURPOSE_ENTRY);

	fixture_init(&f, NULL);
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "rate_limit_per_s", "1000", &error));
	candle(&f, 100, 101, 99, 100);
	/* one fill through the stream: a catch-up starts from its time */
	g_assert_true(cw_broker_submit(CW_BROKER(f.broker), &first, &error));
	wanted_id = "cw-gone-0";
	g_assert_true(wait_for(acked, &f, 5));
	candle(&f, 100, 101, 99, 100);
	wanted_qty = 0.001;
	g_assert_true(wait_for(has_filled, &f, 5));
	o.type = CW_ORDER_TYPE_LIMIT;
	o.price = 50;
	g_assert_true(cw_broker_submit(CW_BROKER(f.broker), &o, &error));
	wanted_id = "cw-gone-1";
	g_assert_true(wait_for(acked, &f, 5));
	/* it fills while the stream is down: the broker still holds it working */
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "cut_stream_every", "1", &error));
	candle(&f, 60, 61, 40, 45);
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "cut_stream_every", "0", &error));
	g_assert_true(cw_broker_cancel(CW_BROKER(f.broker), "cw-gone-1", &error));
	g_assert_no_error(error);
	g_assert_true(wait_for(ended_cb, &f, 10));
	for (guint i = 0; i < f.reports->len; i++) {
		const Seen *s = &g_array_index(f.reports, Seen, i);

		if (strcmp(s->order.client_order_id, "cw-gone-1") == 0)
			g_assert_false(s->has_fault);
	}
	fixture_clear(&f);
}

static CwBrokerState *
reconcile_since(Fixture *f, gint64 since, GError **error)
{
	g_autoptr(GAsyncResult) result = NULL;
	gint64 end;

	cw_broker_reconcile_async(CW_BROKER(f->broker), since, NULL, reconciled, &result);
	end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	while (result == NULL && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, TRUE);
	g_assert_nonnull(result);
	return cw_broker_reconcile_finish(CW_BROKER(f->broker), result, error);
}

static CwBrokerState *
reconcile_after_many(Fixture *f, GError **error)
{
	g_autoptr(GError) local = NULL;

	g_assert_true(cw_sim_bybit_private_set_fault(f->priv, "rate_limit_per_s", "1000", &local));
	g_assert_true(cw_sim_bybit_private_set_fault(f->priv, "partial_fill_every", "1", &local));
	candle(f, 100, 101, 99, 100);
	for (guint i = 0; i < PAGED_ORDERS; i++) {
		char id[32];
		CwOrder o;

		g_snprintf(id, sizeof id, "cw-pg-%u", i + 1);
		o = market(id, i % 2 == 0 ? CW_SIDE_BUY : CW_SIDE_SELL, 0.001,
			   CW_ORDER_PURPOSE_ENTRY);
		g_assert_true(cw_broker_submit(CW_BROKER(f->broker), &o, &local));
	}
	g_assert_true(wait_for(all_created, f, 20));
	for (guint i = 0; i < 100; i++)
		g_main_context_iteration(NULL, FALSE);
	candle(f, 100, 101, 99, 100);
	g_assert_true(wait_for(all_executed, f, 10));
	return reconcile_since(f, T0, error);
}

/* Reconcile reads every page: all 60 orders end filled whole, the oldest
 * (on the second page, newest first) included. */
static void
test_reconcile_pages(void)
{
	Fixture f;
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBrokerState) state = NULL;

	fixture_init(&f, NULL);
	state = reconcile_after_many(&f, &error);
	g_assert_no_error(error);
	g_assert_nonnull(state);
	g_assert_cmpuint(state->ended->len, ==, PAGED_ORDERS);
	for (guint i = 0; i < state->ended->len; i++) {
		const CwOrder *o = &g_array_index(state->ended, CwOrder, i);

		g_assert_true(g_str_has_prefix(o->client_order_id, "cw-pg-"));
		g_assert_cmpfloat_with_epsilon(o->filled_qty, 0.001, 1e-12);
	}
	g_clear_pointer(&state, cw_broker_state_free);
	fixture_clear(&f);
}

/* More pages than broker.reconcile_max_pages: reconcile fails (the bot
 * halts) rather than answer with part of the list. */
static void
test_reconcile_page_bound(void)
{
	Fixture f;
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBrokerState) state = NULL;

	fixture_init(&f, ",\"reconcile_max_pages\":1");
	state = reconcile_after_many(&f, &error);
	g_assert_null(state);
	g_assert_error(error, CW_BROKER_ERROR, CW_BROKER_ERROR_REJECTED);
	g_test_message("%s", error->message);
	g_assert_nonnull(
	    strstr(error->message, "/v5/execution/list since 1700000000000 goes on past 1 pages"));
	g_assert_nonnull(strstr(error->message, "broker.reconcile_max_pages"));
	fixture_clear(&f);
}

static gboolean
all_created_cb(Fixture *f)
{
	return audit_count(f, "creates_received") >= PAGED_ORDERS + 1;
}

static gboolean
all_executed_cb(Fixture *f)
{
	return audit_count(f, "executions") >= 2 * PAGED_ORDERS + 1;
}

/* A catch-up past broker.reconcile_max_pages books nothing of what it read:
 * the owner is told (resynced) and its reconcile fails naming the list and
 * the bound, so the bot halts. */
static void
test_catch_up_bound(void)
{
	Fixture f;
	g_autoptr(GError) error = NULL;
	g_autoptr(GAsyncResult) result = NULL;
	g_autoptr(CwBrokerState) state = NULL;
	guint resynced = 0;
	guint applied;
	gint64 end;
	CwOrder first = market("cw-cb-0", CW_SIDE_BUY, 0.001, CW_ORDER_PURPOSE_ENTRY);

	fixture_init(&f, ",\"reconcile_max_pages\":1");
	g_signal_connect(f.broker, "resynced", G_CALLBACK(count_resynced), &resynced);
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "rate_limit_per_s", "1000", &error));
	candle(&f, 100, 101, 99, 100);
	/* one fill through the stream: the catch-up starts from its time */
	g_assert_true(cw_broker_submit(CW_BROKER(f.broker), &first, &error));
	wanted_id = "cw-cb-0";
	g_assert_true(wait_for(acked, &f, 5));
	candle(&f, 100, 101, 99, 100);
	wanted_qty = 0.001;
	g_assert_true(wait_for(has_filled, &f, 5));
	applied = cw_bybit_broker_get_stats(f.broker)->execs_applied;
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "partial_fill_every", "1", &error));
	for (guint i = 0; i < PAGED_ORDERS; i++) {
		char id[32];
		CwOrder o;

		g_snprintf(id, sizeof id, "cw-cb-%u", i + 1);
		o = market(id, i % 2 == 0 ? CW_SIDE_BUY : CW_SIDE_SELL, 0.001,
			   CW_ORDER_PURPOSE_ENTRY);
		g_assert_true(cw_broker_submit(CW_BROKER(f.broker), &o, &error));
	}
	g_assert_true(wait_for(all_created_cb, &f, 20));
	for (guint i = 0; i < 100; i++)
		g_main_context_iteration(NULL, FALSE);
	/* the stream is cut before the fills are pushed: 120 executions to catch up on */
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "cut_stream_every", "1", &error));
	candle(&f, 100, 101, 99, 100);
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "cut_stream_every", "0", &error));
	g_assert_true(wait_for(all_executed_cb, &f, 10));
	end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	while (resynced == 0 && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpuint(resynced, >=, 1);
	/* the first page is not booked as if it were all */
	g_assert_cmpuint(cw_bybit_broker_get_stats(f.broker)->execs_applied, ==, applied);
	cw_broker_reconcile_async(CW_BROKER(f.broker), T0, NULL, reconciled, &result);
	end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	while (result == NULL && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, TRUE);
	g_assert_nonnull(result);
	state = cw_broker_reconcile_finish(CW_BROKER(f.broker), result, &error);
	g_assert_null(state);
	g_assert_error(error, CW_BROKER_ERROR, CW_BROKER_ERROR_REJECTED);
	g_test_message("%s", error->message);
	g_assert_nonnull(strstr(error->message, "catch-up: /v5/execution/list since "));
	g_assert_nonnull(strstr(error->message, "past 1 pages (broker.reconcile_max_pages)"));
	fixture_clear(&f);
}

/* The simulator's count of private REST requests to path. */
static gint64
requests(Fixture *f, const char *path)
{
	g_autoptr(JsonNode) audit = cw_sim_bybit_private_get_audit(f->priv);
	JsonObject *req = json_object_get_object_member(json_node_get_object(audit), "requests");

	return json_object_get_int_member_with_default(req, path, 0);
}

/* A fill the stream missed before the broker saw any execution: the
 * catch-up reads from the venue's clock (the simulator's market time here,
 * years before the local one) and finds it. */
static void
test_catch_up_first_fill(void)
{
	Fixture f;
	g_autoptr(GError) error = NULL;
	CwOrder entry = market("cw-cf-1", CW_SIDE_BUY, 0.01, CW_ORDER_PURPOSE_ENTRY);

	fixture_init(&f, NULL);
	/* fills before the venue's clock (its first candle), as a venue's are */
	f.t = T0 - 3600000;
	candle(&f, 100, 101, 99, 100);
	g_assert_true(cw_broker_submit(CW_BROKER(f.broker), &entry, &error));
	wanted_id = "cw-cf-1";
	g_assert_true(wait_for(acked, &f, 5));
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "cut_stream_every", "1", &error));
	candle(&f, 100, 101, 99, 100);
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "cut_stream_every", "0", &error));
	wanted_qty = 0.01;
	g_assert_true(wait_for(has_filled, &f, 10));
	g_assert_cmpfloat_with_epsilon(filled(&f, "cw-cf-1"), 0.01, 1e-12);
	fixture_clear(&f);
}

static gboolean
refused_flat(Fixture *f)
{
	const Seen *s = report_with_error(f, wanted_id);

	return s != NULL;
}

/* The race of issue 11, made deterministic: the stop fills at the venue on
 * a candle while its execution is still on its way to the bot (pushed 3 s
 * late), and the bot's reduce-only market exit, decided on that candle,
 * reaches a position that is already zero (retCode 110017). The refusal is
 * CW_BROKER_ERROR_NO_POSITION, not a venue fault, and the catch-up it
 * starts books the stop's fill from /v5/execution/list at once; the late
 * push of the same execution books nothing more. */
static void
test_exit_after_stop_fill(void)
{
	Fixture f;
	g_autoptr(GError) error = NULL;
	CwOrder entry = market("cw-xf-1", CW_SIDE_BUY, 0.01, CW_ORDER_PURPOSE_ENTRY);
	CwOrder stop = market("cw-xf-2", CW_SIDE_SELL, 0.01, CW_ORDER_PURPOSE_STOP_LOSS);
	CwOrder exit = market("cw-xf-3", CW_SIDE_SELL, 0.01, CW_ORDER_PURPOSE_TIME_EXIT);
	const Seen *refusal;
	gint64 end;

	fixture_init(&f, NULL);
	candle(&f, 100, 101, 99, 100);
	g_assert_true(cw_broker_submit(CW_BROKER(f.broker), &entry, &error));
	wanted_id = "cw-xf-1";
	g_assert_true(wait_for(acked, &f, 5));
	candle(&f, 100, 101, 99, 100);
	wanted_qty = 0.01;
	g_assert_true(wait_for(has_filled, &f, 5));
	stop.type = CW_ORDER_TYPE_STOP;
	stop.stop_price = 95;
	g_assert_true(cw_broker_submit(CW_BROKER(f.broker), &stop, &error));
	wanted_id = "cw-xf-2";
	g_assert_true(wait_for(acked, &f, 5));

	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "delay_exec_ms", "3000", &error));
	candle(&f, 100, 100, 90, 91); /* through the stop: it fills at the venue */
	g_assert_cmpfloat(filled(&f, "cw-xf-2"), ==, 0);
	g_assert_true(cw_broker_submit(CW_BROKER(f.broker), &exit, &error));
	wanted_id = "cw-xf-3";
	g_assert_true(wait_for(refused_flat, &f, 2));
	refusal = report_with_error(&f, "cw-xf-3");
	g_assert_cmpint(refusal->fault.kind, ==, CW_BROKER_ERROR_NO_POSITION);
	g_assert_cmpint(refusal->fault.venue_code, ==, 110017);
	g_assert_cmpint(refusal->order.status, ==, CW_ORDER_STATUS_REJECTED);
	g_assert_cmpuint(cw_bybit_broker_get_stats(f.broker)->no_position, ==, 1);
	/* the stop's fill, long before its push */
	wanted_id = "cw-xf-2";
	g_assert_true(wait_for(has_filled, &f, 2));
	g_assert_cmpfloat(filled(&f, "cw-xf-3"), ==, 0);
	/* the late push is a duplicate */
	end = g_get_monotonic_time() + 4 * G_USEC_PER_SEC;
	while (g_get_monotonic_time() < end) {
		if (!g_main_context_iteration(NULL, FALSE))
			g_usleep(1000);
	}
	g_assert_cmpfloat_with_epsilon(filled(&f, "cw-xf-2"), 0.01, 1e-12);
	g_assert_cmpuint(cw_bybit_broker_get_stats(f.broker)->execs_duplicate, >=, 1);
	g_assert_cmpfloat_with_epsilon(cw_bybit_broker_get_exchange_position(f.broker), 0, 1e-12);
	fixture_clear(&f);
}

/* An order the venue says is filled while no listing of executions the
 * broker reads holds its fill (the fill carries a time 30 days before the
 * venue's clock): the lookups and catch-ups it leads to are spaced out,
 * never a spin. Counted at the simulator over a bounded run. */
static void
test_catch_up_never_spins(void)
{
	Fixture f;
	g_autoptr(GError) error = NULL;
	CwOrder entry = market("cw-cs-1", CW_SIDE_BUY, 0.01, CW_ORDER_PURPOSE_ENTRY);
	gint64 execs, lookups, end;

	fixture_init(&f, NULL);
	f.t = T0 - 3600000;
	candle(&f, 100, 101, 99, 100);
	g_assert_true(cw_broker_submit(CW_BROKER(f.broker), &entry, &error));
	wanted_id = "cw-cs-1";
	g_assert_true(wait_for(acked, &f, 5));
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "cut_stream_every", "1", &error));
	f.t -= (gint64) 30 * 24 * 3600 * 1000;
	candle(&f, 100, 101, 99, 100);
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "cut_stream_every", "0", &error));
	execs = requests(&f, "/v5/execution/list");
	lookups = requests(&f, "/v5/order/realtime");
	end = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
	while (g_get_monotonic_time() < end) {
		if (!g_main_context_iteration(NULL, FALSE))
			g_usleep(1000);
	}
	execs = requests(&f, "/v5/execution/list") - execs;
	lookups = requests(&f, "/v5/order/realtime") - lookups;
	g_test_message("in 3 s: %" G_GINT64_FORMAT " execution lists, %" G_GINT64_FORMAT
		       " order lookups",
		       execs, lookups);
	/* the reconnect's catch-up, then at most one more per doubling delay
	 * (0.5 s, 1 s, 2 s...): a spin makes hundreds */
	g_assert_cmpint(execs, >=, 1);
	g_assert_cmpint(execs, <=, 8);
	g_assert_cmpint(lookups, <=, 16);
	/* nothing was booked from a guess */
	g_assert_cmpfloat(filled(&f, "cw-cs-1"), ==, 0);
	fixture_clear(&f);
}

/* Bybit lists at most 7 days per query: a reconcile from 20 days back walks
 * three windows and finds the fill in the last one; from past the 730 days
 * the venue keeps, it fails closed naming the gap. */
/* An order of an earlier life, working at the venue, as the restored
 * state holds it (nothing booked). */
static CwOrder
follow_limit(Fixture *f, const char *id, double price)
{
	CwOrder o = market(id, CW_SIDE_BUY, 0.002, CW_ORDER_PURPOSE_ENTRY);
	g_autoptr(GError) error = NULL;

	o.type = CW_ORDER_TYPE_LIMIT;
	o.price = price;
	g_assert_true(cw_broker_submit(CW_BROKER(f->broker), &o, &error));
	wanted_id = id;
	g_assert_true(wait_for(acked, f, 5));
	return o;
}

static gboolean
venue_holds(const CwBrokerState *state, const char *id)
{
	for (guint i = 0; i < state->open_orders->len; i++)
		if (strcmp(g_array_index(state->open_orders, CwOrder, i).client_order_id, id) == 0)
			return TRUE;
	return FALSE;
}

/* A restart: the broker of the new life reconciles, finds the old life's
 * order working, and follows it for the restored state (CwBroker.follow).
 * Its fill reaches the sink once, whether it comes after the follow (a
 * push) or between the reconcile and the follow (the follow's lookup and
 * catch-up); nothing is sent twice. Without follow its pushes are nobody's. */
static void
test_follow(void)
{
	Fixture f;
	g_autoptr(GError) error = NULL;
	CwOrder a, b;

	fixture_init(&f, NULL);
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "rate_limit_per_s", "1000", &error));
	candle(&f, 100, 101, 99, 100);
	a = follow_limit(&f, "cw-fo-1", 50);
	b = follow_limit(&f, "cw-fo-2", 30);
	for (guint life = 0; life < 2; life++) {
		g_autoptr(CwBrokerState) state = NULL;
		const CwOrder *o = life == 0 ? &a : &b;

		fixture_broker(&f, NULL);
		g_array_set_size(f.reports, 0);
		state = reconcile_since(&f, T0, &error);
		g_assert_no_error(error);
		g_assert_true(venue_holds(state, o->client_order_id));
		if (life == 0) {
			/* the pushes of the fill come after the follow */
			g_assert_true(cw_broker_follow(CW_BROKER(f.broker), o));
			candle(&f, 60, 61, 40, 45);
		} else {
			/* it fills before the new life follows it */
			candle(&f, 45, 46, 25, 28);
			for (guint i = 0; i < 200; i++)
				g_main_context_iteration(NULL, FALSE);
			g_assert_cmpfloat(filled(&f, o->client_order_id), ==, 0);
			g_assert_true(cw_broker_follow(CW_BROKER(f.broker), o));
		}
		wanted_id = o->client_order_id;
		wanted_qty = 0.002;
		g_assert_true(wait_for(has_filled, &f, 10));
		g_assert_true(wait_for(idle, &f, 5));
		for (guint i = 0; i < 200; i++)
			g_main_context_iteration(NULL, FALSE);
		/* once, not again from the catch-up */
		g_assert_cmpfloat_with_epsilon(filled(&f, o->client_order_id), 0.002, 1e-12);
		g_assert_cmpint(accepted(&f, o->client_order_id), ==, 1);
	}
	g_assert_cmpuint(cw_bybit_broker_get_stats(f.broker)->followed, ==, 1);
	fixture_clear(&f);
}

static void
test_reconcile_windows(void)
{
	Fixture f;
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBrokerState) state = NULL;
	CwOrder o = market("cw-win-1", CW_SIDE_BUY, 0.001, CW_ORDER_PURPOSE_ENTRY);
	const gint64 day = 24 * 3600 * 1000LL;
	gboolean found = FALSE;

	fixture_init(&f, NULL);
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "rate_limit_per_s", "1000", &error));
	candle(&f, 100, 101, 99, 100);
	g_assert_true(cw_broker_submit(CW_BROKER(f.broker), &o, &error));
	wanted_id = "cw-win-1";
	g_assert_true(wait_for(acked, &f, 5));
	candle(&f, 100, 101, 99, 100);
	wanted_qty = 0.001;
	g_assert_true(wait_for(has_filled, &f, 5));
	/* the broker forgets it: only the venue's lists can say */
	state = reconcile_since(&f, T0 - 20 * day, &error);
	g_assert_no_error(error);
	g_assert_nonnull(state);
	for (guint i = 0; i < state->ended->len; i++) {
		const CwOrder *x = &g_array_index(state->ended, CwOrder, i);

		if (strcmp(x->client_order_id, "cw-win-1") == 0) {
			g_assert_cmpint(x->status, ==, CW_ORDER_STATUS_FILLED);
			g_assert_cmpfloat_with_epsilon(x->filled_qty, 0.001, 1e-12);
			found = TRUE;
		}
	}
	g_assert_true(found);
	g_clear_pointer(&state, cw_broker_state_free);

	state = reconcile_since(&f, T0 - 800 * day, &error);
	g_assert_null(state);
	g_assert_error(error, CW_BROKER_ERROR, CW_BROKER_ERROR_REJECTED);
	g_test_message("%s", error->message);
	g_assert_nonnull(strstr(error->message, "reaches back past what the venue keeps (730 "
						"days, broker.history_days)"));
	g_assert_nonnull(strstr(error->message, "cannot be read"));
	fixture_clear(&f);
}

#define SECRETS_BASE                                                                               \
	"{\"name\":\"t\",\"symbol\":\"BTCUSDT\",\"profile\":\"%s\",\"broker\":{\"type\":"          \
	"\"bybit\",%s},"                                                                           \
	"\"strategy\":{\"id\":\"s\",\"analyzers\":[{\"type\":\"ema_cross\",\"weight\":1,\"fast\":" \
	"3,"                                                                                       \
	"\"slow\":5}]}}"

/* The secret: from the environment or a file of its owner only; never in
 * an error; live needs --allow-live. */
static void
test_secrets(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("cw-bybit-secret-XXXXXX", NULL);
	g_autofree char *key_file = g_build_filename(dir, "key", NULL);
	g_autofree char *secret_file = g_build_filename(dir, "secret", NULL);
	g_autofree char *json = NULL;
	g_autoptr(CwBotConfig) config = NULL;
	g_autoptr(CwBybitBroker) broker = cw_bybit_broker_new();
	g_autofree char *redacted = NULL;
	g_autofree char *files = NULL;

	g_assert_true(g_file_set_contents(key_file, KEY "\n", -1, NULL));
	g_assert_true(g_file_set_contents(secret_file, SECRET "\n", -1, NULL));
	g_chmod(key_file, 0600);
	g_chmod(secret_file, 0644);
	files = g_strdup_printf("\"api_key_file\":\"%s\",\"api_secret_file\":\"%s\"", key_file,
				secret_file);
	json = g_strdup_printf(SECRETS_BASE, "canary", files);
	config = cw_bot_config_new_from_data(json, -1, &error);
	g_assert_no_error(error);
	g_assert_false(cw_broker_configure(CW_BROKER(broker), config,
					   cw_bot_config_get_section(config, "broker"), &error));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "broker.api_secret_file"));
	g_assert_null(strstr(error->message, SECRET));
	g_clear_error(&error);
	g_chmod(secret_file, 0600);
	g_assert_true(cw_broker_configure(CW_BROKER(broker), config,
					  cw_bot_config_get_section(config, "broker"), &error));
	g_assert_no_error(error);
	redacted = cw_bybit_broker_redact(broker, "sign error for " KEY " with " SECRET "!");
	g_assert_cmpstr(redacted, ==, "sign error for *** with ***!");
	g_clear_pointer(&config, cw_bot_config_unref);
	g_free(json);

	/* an unset variable is named, its value never */
	g_unsetenv("CW_TEST_BYBIT_NOPE");
	json = g_strdup_printf(SECRETS_BASE, "canary",
			       "\"api_key_env\":\"CW_TEST_BYBIT_NOPE\",\"api_secret_env\":\"X\"");
	config = cw_bot_config_new_from_data(json, -1, &error);
	g_assert_no_error(error);
	g_assert_false(cw_broker_configure(CW_BROKER(broker), config,
					   cw_bot_config_get_section(config, "broker"), &error));
	g_assert_nonnull(strstr(error->message, "CW_TEST_BYBIT_NOPE"));
	g_clear_error(&error);
	g_clear_pointer(&config, cw_bot_config_unref);
	g_free(json);

	/* live without --allow-live */
	g_setenv("CW_TEST_BYBIT_KEY", KEY, TRUE);
	g_setenv("CW_TEST_BYBIT_SECRET", SECRET, TRUE);
	json = g_strdup_printf(SECRETS_BASE, "live",
			       "\"api_key_env\":\"CW_TEST_BYBIT_KEY\","
			       "\"api_secret_env\":\"CW_TEST_BYBIT_SECRET\"");
	config = cw_bot_config_new_from_data(json, -1, &error);
	g_assert_no_error(error);
	g_assert_false(cw_broker_configure(CW_BROKER(broker), config,
					   cw_bot_config_get_section(config, "broker"), &error));
	g_assert_nonnull(strstr(error->message, "--allow-live"));
	g_clear_error(&error);
	cw_service_context_set_setting(cw_service_context_get_default(), "service.allow_live",
				       g_variant_new_boolean(TRUE));
	g_assert_true(cw_broker_configure(CW_BROKER(broker), config,
					  cw_bot_config_get_section(config, "broker"), &error));
	cw_service_context_set_setting(cw_service_context_get_default(), "service.allow_live",
				       g_variant_new_boolean(FALSE));
	g_unlink(key_file);
	g_unlink(secret_file);
	g_rmdir(dir);
}

/* Config mistakes name their JSON path. */
static void
test_config_errors(void)
{
	static const struct {
		const char *broker;
		const char *path;
	} cases[] = {
	    {"\"api_key_env\":\"A\",\"api_secret_env\":\"B\",\"netwrk\":\"testnet\"", "broker"},
	    {"\"api_key_env\":\"A\",\"api_secret_env\":\"B\",\"network\":\"moon\"",
	     "broker.network"},
	    {"\"api_key_env\":\"A\",\"api_secret_env\":\"B\",\"recv_window_ms\":0",
	     "broker.recv_window_ms"},
	    {"\"api_key_env\":\"A\",\"api_secret_env\":\"B\",\"unknown_position\":\"ignore\"",
	     "broker.unknown_position"},
	    {"\"api_key_env\":\"A\",\"api_secret_env\":\"B\",\"rest_url\":\"ftp://x\"",
	     "broker.rest_url"},
	    {"\"api_key_env\":\"A\",\"api_key_file\":\"/x\",\"api_secret_env\":\"B\"",
	     "api_key_env and api_key_file"},
	    {"\"api_secret_env\":\"B\"", "api_key_env and api_key_file"},
	};

	g_setenv("A", KEY, TRUE);
	g_setenv("B", SECRET, TRUE);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *json = g_strdup_printf(SECRETS_BASE, "paper", cases[i].broker);
		g_autoptr(CwBotConfig) config = cw_bot_config_new_from_data(json, -1, &error);
		g_autoptr(CwBybitBroker) broker = cw_bybit_broker_new();

		g_assert_no_error(error);
		g_assert_false(cw_broker_configure(CW_BROKER(broker), config,
						   cw_bot_config_get_section(config, "broker"),
						   &error));
		g_test_message("%s", error->message);
		g_assert_error(error, CW_CONFIG_ERROR, error->code);
		g_assert_nonnull(strstr(error->message, cases[i].path));
		g_assert_null(strstr(error->message, SECRET));
	}
	g_unsetenv("A");
	g_unsetenv("B");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* the fault paths log warnings on purpose */
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
	cw_bybit_register_types();
	g_test_add_func("/bybit/broker/trade", test_trade);
	g_test_add_func("/bybit/broker/dropped-answer", test_dropped_answer);
	g_test_add_func("/bybit/broker/timeout", test_timeout);
	g_test_add_func("/bybit/broker/5xx-not-accepted", test_5xx_not_accepted);
	g_test_add_func("/bybit/broker/5xx-accepted", test_5xx_accepted);
	g_test_add_func("/bybit/broker/rate-limit-storm", test_rate_limit_storm);
	g_test_add_func("/bybit/broker/lookup-rate-limited", test_lookup_rate_limited);
	g_test_add_func("/bybit/broker/paced", test_paced);
	g_test_add_func("/bybit/broker/rate-limit-skewed-clock", test_rate_limit_skewed_clock);
	g_test_add_func("/bybit/broker/executions", test_executions);
	g_test_add_func("/bybit/broker/reconcile-pages", test_reconcile_pages);
	g_test_add_func("/bybit/broker/reconcile-page-bound", test_reconcile_page_bound);
	g_test_add_func("/bybit/broker/catch-up-bound", test_catch_up_bound);
	g_test_add_func("/bybit/broker/catch-up-first-fill", test_catch_up_first_fill);
	g_test_add_func("/bybit/broker/catch-up-never-spins", test_catch_up_never_spins);
	g_test_add_func("/bybit/broker/exit-after-stop-fill", test_exit_after_stop_fill);
	g_test_add_func("/bybit/broker/reconcile-windows", test_reconcile_windows);
	g_test_add_func("/bybit/broker/cancel-gone", test_cancel_gone);
	g_test_add_func("/bybit/broker/follow", test_follow);
	g_test_add_func("/bybit/broker/secrets", test_secrets);
	g_test_add_func("/bybit/broker/config-errors", test_config_errors);
	g_test_add_func("/bybit/broker/rules-before-start", test_rules_before_start);
	g_test_add_func("/bybit/broker/accounts", test_accounts);
	return g_test_run();
}
