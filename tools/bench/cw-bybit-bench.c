/* cw-bybit-bench: figures of the bybit broker (docs/benchmarks.md, "Bybit
 * broker"): the cost of signing a request; submit() to the order's
 * acknowledgement over loopback against the exchange simulator in this
 * process, for 1 and for 100 brokers submitting at once; and the orders per
 * second one broker sustains under the simulator's rate limit. Figures, not
 * assertions. */
#include "cw-bybit.h"
#include "cw-config.h"
#include "cw-exchange-sim.h"
#include "cw-net.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY    "bench-key"
#define SECRET "bench-secret-0123456789abcdef"

typedef struct {
	CwBybitBroker *broker;
	gint64 submitted_us;
	gint64 acked_us;
	guint acks;
	char want[CW_CLIENT_ORDER_ID_LEN];
} Bot;

static void
bench_sink(const CwExecutionReport *report, gpointer user_data)
{
	Bot *bot = user_data;

	if (report->error == NULL && report->fill == NULL &&
	    report->order->status == CW_ORDER_STATUS_NEW) {
		bot->acks++;
		if (strcmp(report->order->client_order_id, bot->want) == 0)
			bot->acked_us = g_get_monotonic_time();
		/* the simulator keeps at most 64 working orders per symbol and account */
		cw_broker_cancel(CW_BROKER(bot->broker), report->order->client_order_id, NULL);
	}
}

/* The venue keeps at most 64 working orders per symbol and account (the
 * paper broker's table), Bybit 500: the 100 brokers that submit at once
 * are spread over this many keys, each its own account at the simulator. */
#define BENCH_KEYS_OF_100 2

/* key 0: KEY from CW_BENCH_KEY; key k > 0: bench-key-k from CW_BENCH_KEY_k */
static CwBybitBroker *
bench_broker(guint port, Bot *bot, guint key)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *suffix = key == 0 ? g_strdup("") : g_strdup_printf("_%u", key);
	g_autofree char *json = g_strdup_printf(
	    "{\"name\":\"b\",\"symbol\":\"BTCUSDT\",\"broker\":{\"type\":\"bybit\","
	    "\"rest_url\":\"http://127.0.0.1:%u\",\"ws_url\":\"ws://127.0.0.1:%u/v5/private\","
	    "\"api_key_env\":\"CW_BENCH_KEY%s\",\"api_secret_env\":\"CW_BENCH_SECRET%s\"},"
	    "\"strategy\":{\"id\":\"s\",\"analyzers\":[{\"type\":\"ema_cross\",\"weight\":1,"
	    "\"fast\":3,\"slow\":5}]}}",
	    port, port, suffix, suffix);
	g_autoptr(CwBotConfig) config = cw_bot_config_new_from_data(json, -1, &error);
	CwBybitBroker *broker = cw_bybit_broker_new();

	if (config == NULL ||
	    !cw_broker_configure(CW_BROKER(broker), config,
				 cw_bot_config_get_section(config, "broker"), &error)) {
		g_printerr("cw-bybit-bench: %s\n", error->message);
		exit(1);
	}
	cw_broker_set_report_sink(CW_BROKER(broker), bench_sink, bot);
	cw_broker_on_candle(CW_BROKER(broker), NULL);
	return broker;
}

static void
bench_pump_until(gboolean (*done)(gpointer), gpointer data, double seconds)
{
	gint64 end = g_get_monotonic_time() + (gint64) (seconds * G_USEC_PER_SEC);

	while (!done(data) && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, TRUE);
}

typedef struct {
	Bot *bots;
	guint n;
} Bots;

static gboolean
bench_all_ready(gpointer data)
{
	Bots *b = data;

	for (guint i = 0; i < b->n; i++) {
		if (!cw_bybit_broker_is_ready(b->bots[i].broker) ||
		    !cw_bybit_broker_stream_is_up(b->bots[i].broker))
			return FALSE;
	}
	return TRUE;
}

static gboolean
bench_all_acked(gpointer data)
{
	Bots *b = data;

	for (guint i = 0; i < b->n; i++) {
		if (b->bots[i].acked_us == 0)
			return FALSE;
	}
	return TRUE;
}

static int
bench_cmp(const void *a, const void *b)
{
	gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

	return x < y ? -1 : x > y;
}

static CwOrder
bench_order(guint bot, guint round)
{
	CwOrder o = {0};

	g_snprintf(o.client_order_id, sizeof o.client_order_id, "cw-%08x-%u", bot, round);
	o.side = CW_SIDE_BUY;
	o.type = CW_ORDER_TYPE_LIMIT;
	o.price = 50;
	o.qty = 0.001;
	return o;
}

/* The simulator's account of key k > 0 (added the first time). */
static void
bench_account(CwExchangeSim *sim, guint key)
{
	g_autofree char *name = g_strdup_printf("bench-key-%u", key);
	g_autofree char *key_env = g_strdup_printf("CW_BENCH_KEY_%u", key);
	g_autofree char *secret_env = g_strdup_printf("CW_BENCH_SECRET_%u", key);
	g_autoptr(GError) error = NULL;
	CwSimBybitPrivate *account;

	if (key < cw_exchange_sim_get_n_accounts(sim))
		return;
	account = cw_exchange_sim_add_account(sim, name, SECRET, &error);
	if (account == NULL) {
		g_printerr("cw-bybit-bench: %s\n", error->message);
		exit(1);
	}
	cw_sim_bybit_private_set_fault(account, "rate_limit_per_s", "1000000", NULL);
	g_setenv(key_env, name, TRUE);
	g_setenv(secret_env, SECRET, TRUE);
}

/* rounds of: every bot submits one order at once; submit -> acknowledged.
 * The bots share n_keys keys (one private stream each), bot i on i % n_keys. */
static void
bench_latency(CwExchangeSim *sim, guint n_bots, guint n_keys, guint rounds)
{
	Bots b = {g_new0(Bot, n_bots), n_bots};
	g_autoptr(GArray) lat = g_array_new(FALSE, FALSE, sizeof(gint64));
	guint port = cw_exchange_sim_get_port(sim);

	for (guint k = 1; k < n_keys; k++)
		bench_account(sim, k);
	for (guint i = 0; i < n_bots; i++)
		b.bots[i].broker = bench_broker(port, &b.bots[i], i % n_keys);
	bench_pump_until(bench_all_ready, &b, 30);
	/* round 0 opens the connections and is not counted */
	for (guint r = 0; r <= rounds; r++) {
		for (guint i = 0; i < n_bots; i++) {
			CwOrder o = bench_order(i, r + 1000 * n_bots);

			memcpy(b.bots[i].want, o.client_order_id, sizeof o.client_order_id);
			b.bots[i].acked_us = 0;
			b.bots[i].submitted_us = g_get_monotonic_time();
			cw_broker_submit(CW_BROKER(b.bots[i].broker), &o, NULL);
		}
		bench_pump_until(bench_all_acked, &b, 30);
		for (guint i = 0; r > 0 && i < n_bots; i++) {
			gint64 d = b.bots[i].acked_us > 0
				       ? b.bots[i].acked_us - b.bots[i].submitted_us
				       : G_MAXINT64;
			g_array_append_val(lat, d);
		}
	}
	qsort(lat->data, lat->len, sizeof(gint64), bench_cmp);
	{
		guint i50 = lat->len / 2, i99 = lat->len * 99 / 100;

		printf("submit->ack, %u bot(s) on %u key(s), %u orders: p50 %.3f ms, p99 %.3f ms, "
		       "max %.3f ms\n",
		       n_bots, n_keys, lat->len, (double) g_array_index(lat, gint64, i50) / 1000.0,
		       (double) g_array_index(lat, gint64, i99) / 1000.0,
		       (double) g_array_index(lat, gint64, lat->len - 1) / 1000.0);
	}
	for (guint i = 0; i < n_bots; i++)
		g_object_unref(b.bots[i].broker);
	g_free(b.bots);
}

static gboolean
bench_never(gpointer data)
{
	return FALSE;
}

/* one broker, as many orders as it will send, for seconds */
static void
bench_sustained(CwExchangeSim *sim, guint limit, double seconds)
{
	Bot bot = {0};
	CwSimPrivateFaults *f = cw_sim_bybit_private_get_faults(cw_exchange_sim_get_private(sim));
	Bots b = {&bot, 1};
	const CwBybitBrokerStats *stats;
	g_autofree char *text = g_strdup_printf("%u", limit);
	guint sent_before;
	gint64 start;

	cw_sim_bybit_private_set_fault(cw_exchange_sim_get_private(sim), "rate_limit_per_s", text,
				       NULL);
	bot.broker = bench_broker(cw_exchange_sim_get_port(sim), &bot, 0);
	bench_pump_until(bench_all_ready, &b, 30);
	stats = cw_bybit_broker_get_stats(bot.broker);
	sent_before = stats->creates_sent;
	bot.acks = 0;
	start = g_get_monotonic_time();
	for (guint i = 0; i < 100000; i++) {
		CwOrder o = bench_order(9999, i);

		cw_broker_submit(CW_BROKER(bot.broker), &o, NULL);
		if (cw_bybit_broker_get_n_pending(bot.broker) > 64)
			break;
	}
	while (g_get_monotonic_time() - start < (gint64) (seconds * G_USEC_PER_SEC)) {
		static guint next = 200000;

		while (cw_bybit_broker_get_n_pending(bot.broker) < 64) {
			CwOrder o = bench_order(9999, next++);
			cw_broker_submit(CW_BROKER(bot.broker), &o, NULL);
		}
		bench_pump_until(bench_never, NULL, 0.01);
	}
	printf("sustained, limit %u/s (creates and cancels): %.1f orders acknowledged per second "
	       "over %.1f s, %u creates sent, %u answered 10006\n",
	       limit, bot.acks / seconds, seconds, stats->creates_sent - sent_before,
	       stats->rate_limited);
	(void) f;
	g_object_unref(bot.broker);
}

static void
bench_sign(guint n)
{
	const char *body = "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\","
			   "\"orderType\":\"Market\",\"qty\":\"0.010\",\"reduceOnly\":false,"
			   "\"positionIdx\":0,\"orderLinkId\":\"cw-1a2b3c4d-7\"}";
	char sign[CW_BYBIT_SIGN_LEN];
	gint64 start = g_get_monotonic_time();
	guint acc = 0;

	for (guint i = 0; i < n; i++) {
		cw_bybit_sign_rest(SECRET, 1700000000000 + i, KEY, 5000, body, strlen(body), sign);
		acc += (guint8) sign[0];
	}
	printf("signing: %.0f ns per request (%u requests, %zu-byte body) [%u]\n",
	       (g_get_monotonic_time() - start) * 1000.0 / n, n, strlen(body), acc & 1);
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("cw-bybit-bench-XXXXXX", &error);
	g_autofree char *csv = g_build_filename(dir, "c.csv", NULL);
	GString *rows = g_string_new("time,open,high,low,close,volume\n");
	CwExchangeSimOptions options;
	CwExchangeSim *sim;
	gboolean quick = argc > 1 && strcmp(argv[1], "--quick") == 0;

	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
	g_setenv("CW_BENCH_KEY", KEY, TRUE);
	g_setenv("CW_BENCH_SECRET", SECRET, TRUE);
	cw_bybit_register_types();
	bench_sign(quick ? 1000 : 200000);
	for (guint i = 0; i < 10; i++)
		g_string_append_printf(rows, "%" G_GINT64_FORMAT ",100,101,99,100,1\n",
				       1700000000000 + (gint64) i * 60000);
	g_file_set_contents(csv, rows->str, -1, NULL);
	g_string_free(rows, TRUE);
	cw_exchange_sim_options_init(&options);
	options.path = csv;
	options.speed = 1e-6;
	options.api_key = KEY;
	options.api_secret = SECRET;
	sim = cw_exchange_sim_new(&options, &error);
	if (sim == NULL || !cw_exchange_sim_start(sim, 0, &error)) {
		g_printerr("cw-bybit-bench: %s\n", error->message);
		return 1;
	}
	cw_sim_bybit_private_set_fault(cw_exchange_sim_get_private(sim), "rate_limit_per_s",
				       "1000000", NULL);
	bench_latency(sim, 1, 1, quick ? 5 : 500);
	bench_latency(sim, quick ? 10 : 100, BENCH_KEYS_OF_100, quick ? 1 : 20);
	bench_sustained(sim, 20, quick ? 1 : 5);
	bench_sustained(sim, 100, quick ? 1 : 5);
	cw_exchange_sim_free(sim);
	g_unlink(csv);
	g_rmdir(dir);
	return 0;
}
