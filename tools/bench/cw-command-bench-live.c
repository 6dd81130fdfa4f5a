/* candlewick-bench live: the latency of a live candle, from the exchange
 * simulator sending its closed-candle frame to every bot of the stream
 * having taken its decision, over loopback. The simulator and the service
 * run in this one process on one main loop, so both ends read the same
 * CLOCK_MONOTONIC: the simulator's sent hook stamps each frame, the feed
 * hub stamps the end of each candle's routing (every bot's decision). */
#include "cw-services.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cw-bench.h"
#include "cw-exchange-sim.h"

static const char cw_bench_live_config_fmt[] =
    "{\"name\":\"bot-%u\",\"symbol\":\"BTCUSDT\",\"interval\":\"5m\","
    "\"feed\":{\"type\":\"bybit\",\"category\":\"linear\","
    "\"ws_url\":\"ws://127.0.0.1:%u/v5/public/linear\",\"rest_url\":\"http://127.0.0.1:%u\","
    "\"warmup\":200},"
    "\"strategy\":{\"type\":\"composite\","
    "\"analyzers\":[{\"type\":\"ema_cross\",\"weight\":0.4,\"fast\":%u,\"slow\":%u},"
    "{\"type\":\"rsi\",\"weight\":0.3},{\"type\":\"macd\",\"weight\":0.3}],"
    "\"aggregation\":{\"min_score\":0.3},"
    "\"exit\":{\"stop_loss\":{\"type\":\"percent\",\"value\":1.5},"
    "\"take_profits\":[{\"percent\":1.0,\"close\":0.5},{\"percent\":2.0}]}}%s}";

/* --broker bybit: the bots trade on the simulator's private API, each on
 * its own account (key bench-live-key-N, from CW_BENCH_LIVE_KEY_N) */
#define CW_BENCH_LIVE_KEY    "bench-live-key-%u"
#define CW_BENCH_LIVE_SECRET "bench-live-secret-5e1f-%u"
static const char cw_bench_live_bybit_fmt[] =
    ",\"profile\":\"paper\",\"broker\":{\"type\":\"bybit\",\"rest_url\":\"http://127.0.0.1:%u\","
    "\"ws_url\":\"ws://127.0.0.1:%u/v5/private\",\"api_key_env\":\"CW_BENCH_LIVE_KEY_%u\","
    "\"api_secret_env\":\"CW_BENCH_LIVE_SECRET_%u\"}";

typedef struct {
	GArray *opens;  /* open time of each closed candle sent */
	GArray *stamps; /* CLOCK_MONOTONIC ns when its frame was sent */
	CwService *service;
	/* --broker bybit: CLOCK_MONOTONIC ns of each create the simulator
	 * received, minus the last closed-candle frame sent before it */
	GArray *entries; /* creates that are not reduce-only (entries) */
	GArray *creates; /* every create (stops and exits after fills too) */
	/* CLOCK_MONOTONIC ns of each order handed to its broker (the
	 * ORDER_SUBMITTED event), minus the last closed-candle frame sent */
	GArray *handed;
} CwBenchLive;

static gint64
cw_bench_live_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
cw_bench_live_sent(gint64 open_time, gpointer data)
{
	CwBenchLive *self = data;
	gint64 now = cw_bench_live_ns();

	g_array_append_val(self->opens, open_time);
	g_array_append_val(self->stamps, now);
}

/* The private REST requests the simulator received, by path, over every
 * account: a catch-up or lookup that spins shows as thousands here. */
/* The sum over the simulator's accounts of the audit's object member
 * (name -> count), printed after title. */
static void
cw_bench_live_print_audit_sums(CwExchangeSim *sim, const char *member, const char *title)
{
	g_autoptr(GHashTable) sums = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GList) names = NULL;

	for (guint i = 0; i < cw_exchange_sim_get_n_accounts(sim); i++) {
		g_autoptr(JsonNode) audit =
		    cw_sim_bybit_private_get_audit(cw_exchange_sim_get_account(sim, i));
		JsonObject *counts =
		    json_object_get_object_member(json_node_get_object(audit), member);
		g_autoptr(GList) members = json_object_get_members(counts);

		for (GList *l = members; l != NULL; l = l->next) {
			gint64 n = GPOINTER_TO_SIZE(g_hash_table_lookup(sums, l->data));

			n += json_object_get_int_member(counts, l->data);
			g_hash_table_insert(sums, g_strdup(l->data), GSIZE_TO_POINTER((gsize) n));
		}
	}
	names = g_list_sort(g_hash_table_get_keys(sums), (GCompareFunc) strcmp);
	printf("candlewick-bench live: %s:", title);
	if (names == NULL)
		printf(" none");
	for (GList *l = names; l != NULL; l = l->next)
		printf(" %s %" G_GSIZE_FORMAT, (const char *) l->data,
		       GPOINTER_TO_SIZE(g_hash_table_lookup(sums, l->data)));
	printf("\n");
}

static gint
cw_bench_live_cmp(gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
	return x < y ? -1 : x > y;
}

/* A create at the simulator: the order is on the wire and read. */
static void
cw_bench_live_create(const char *link_id, gboolean reduce_only, gpointer data)
{
	CwBenchLive *self = data;
	gint64 d;

	if (self->stamps->len == 0)
		return;
	d = cw_bench_live_ns() - g_array_index(self->stamps, gint64, self->stamps->len - 1);
	g_array_append_val(self->creates, d);
	if (!reduce_only)
		g_array_append_val(self->entries, d);
}

/* ORDER_SUBMITTED of a bot: its broker took the order. */
static void
cw_bench_live_handed(const CwEvent *event, gpointer data)
{
	CwBenchLive *self = data;
	gint64 d;

	if (self->stamps->len == 0)
		return;
	d = cw_bench_live_ns() - g_array_index(self->stamps, gint64, self->stamps->len - 1);
	g_array_append_val(self->handed, d);
}

static void
cw_bench_live_watch_bot(CwBotRuntime *bot, gpointer data)
{
	cw_event_bus_subscribe(cw_bot_runtime_get_bus(bot), CW_EVENT_MASK(CW_EVENT_ORDER_SUBMITTED),
			       0, cw_bench_live_handed, data, NULL);
}

/* One account per bot: the first is the simulator's own, the others are
 * added; each gets the bench's rate limit and create hook. */
static gboolean
cw_bench_live_accounts(CwExchangeSim *sim, guint n_bots, CwBenchLive *bench, GError **error)
{
	for (guint i = 0; i < n_bots; i++) {
		g_autofree char *key = g_strdup_printf(CW_BENCH_LIVE_KEY, i);
		g_autofree char *secret = g_strdup_printf(CW_BENCH_LIVE_SECRET, i);
		g_autofree char *key_env = g_strdup_printf("CW_BENCH_LIVE_KEY_%u", i);
		g_autofree char *secret_env = g_strdup_printf("CW_BENCH_LIVE_SECRET_%u", i);
		CwSimBybitPrivate *account =
		    i == 0 ? cw_exchange_sim_get_private(sim)
			   : cw_exchange_sim_add_account(sim, key, secret, error);

		if (account == NULL)
			return FALSE;
		g_setenv(key_env, key, TRUE);
		g_setenv(secret_env, secret, TRUE);
		/* the figure is latency, not the limit */
		cw_sim_bybit_private_set_fault(account, "rate_limit_per_s", "1000000", NULL);
		cw_sim_bybit_private_set_create_func(account, cw_bench_live_create, bench);
	}
	return TRUE;
}

static void
cw_bench_live_print(const char *what, GArray *lat)
{
	guint mid = lat->len / 2;

	if (lat->len == 0) {
		printf("  %s: none\n", what);
		return;
	}
	g_array_sort(lat, cw_bench_live_cmp);
	printf("  %s: %u orders: p50 %.1f us, p99 %.1f us, max %.1f us\n", what, lat->len,
	       g_array_index(lat, gint64, mid) / 1e3,
	       g_array_index(lat, gint64, (guint) (lat->len * 0.99)) / 1e3,
	       g_array_index(lat, gint64, lat->len - 1) / 1e3);
}

static gboolean
cw_bench_live_finished(gpointer data)
{
	cw_service_shutdown(((CwBenchLive *) data)->service);
	return G_SOURCE_REMOVE;
}

/* history + stream candles of the seeded synthetic market, as CSV. */
static gboolean
cw_bench_live_data(const char *path, guint n, GError **error)
{
	g_autoptr(CwCandleSource) source = NULL;
	g_autoptr(GString) csv = g_string_new("time,open,high,low,close,volume\n");
	CwCandle c;

	source = cw_commands_open_source("synth", error, "symbol", "BTCUSDT", "days",
					 (double) n / 288 + 1, "seed", (guint64) 3, NULL);
	if (source == NULL)
		return FALSE;
	for (guint i = 0; i < n && cw_candle_source_next(source, &c, error) == CW_CANDLE_SOURCE_OK;
	     i++)
		g_string_append_printf(csv, "%" G_GINT64_FORMAT ",%.10g,%.10g,%.10g,%.10g,%.8g\n",
				       c.open_time / 1000, c.open, c.high, c.low, c.close,
				       c.volume);
	return g_file_set_contents(path, csv->str, -1, error);
}

static gboolean
cw_bench_live_bots(const char *db, guint n_bots, guint port, gboolean bybit, GError **error)
{
	g_autoptr(CwStore) store = cw_store_open(db, error);

	if (store == NULL || !cw_store_begin(store, error))
		return FALSE;
	for (guint i = 0; i < n_bots; i++) {
		g_autofree char *name = g_strdup_printf("bot-%u", i);
		g_autofree char *broker =
		    bybit ? g_strdup_printf(cw_bench_live_bybit_fmt, port, port, i, i)
			  : g_strdup("");
		g_autofree char *json = g_strdup_printf(cw_bench_live_config_fmt, i, port, port,
							5 + i % 7, 20 + i % 13, broker);
		if (cw_store_bot_add(store, name, json, TRUE, error) < 0)
			return FALSE;
	}
	return cw_store_commit(store, error);
}

int
cw_command_bench_live(int argc, char **argv)
{
	gint n_bots = 1;
	gint n_candles = 400;
	double speed = 20;
	g_autofree char *broker = NULL;
	gboolean bybit;
	g_autoptr(GError) error = NULL;
	g_autoptr(GOptionContext) ctx =
	    g_option_context_new("- frame sent to decision taken, over loopback");
	g_autofree char *dir = NULL, *data = NULL, *db = NULL;
	g_autoptr(CwExchangeSim) sim = NULL;
	g_autoptr(CwService) service = NULL;
	g_autoptr(GArray) lat = g_array_new(FALSE, FALSE, sizeof(gint64));
	CwExchangeSimOptions sim_options;
	CwServiceOptions options;
	CwBenchLive bench = {0};
	CwFeedHub *hub;
	const gint64 *ends, *opens;
	guint n_timings = 0;
	guint i50;
	GOptionEntry entries[] = {
	    {"bots", 0, 0, G_OPTION_ARG_INT, &n_bots, "Bots on the one stream (default 1)", "N"},
	    {"candles", 0, 0, G_OPTION_ARG_INT, &n_candles, "Live candles (default 400)", "N"},
	    {"speed", 0, 0, G_OPTION_ARG_DOUBLE, &speed, "Candles per second (default 20)", "S"},
	    {"broker", 0, 0, G_OPTION_ARG_STRING, &broker,
	     "paper (default) or bybit: the simulator's private API, frame sent -> create "
	     "received",
	     "TYPE"},
	    {NULL},
	};

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		cw_bench_print_error("live", error);
		return 2;
	}
	bybit = g_strcmp0(broker, "bybit") == 0;
	if (n_bots < 1 || n_candles < 10 || speed <= 0 ||
	    (broker != NULL && !bybit && strcmp(broker, "paper") != 0)) {
		fprintf(stderr, "candlewick-bench live: --bots >= 1, --candles >= 10, --speed > 0, "
				"--broker paper|bybit\n");
		return 2;
	}
	cw_log_set_quiet(TRUE);
	dir = g_dir_make_tmp("cw-bench-live-XXXXXX", &error);
	data = g_build_filename(dir != NULL ? dir : "", "data.csv", NULL);
	db = g_build_filename(dir != NULL ? dir : "", "bots.db", NULL);
	if (dir == NULL || !cw_bench_live_data(data, 300 + (guint) n_candles, &error)) {
		cw_bench_print_error("live", error);
		return 1;
	}
	cw_exchange_sim_options_init(&sim_options);
	sim_options.path = data;
	sim_options.speed = speed;
	sim_options.history = 300;
	sim_options.linger = 1;
	sim_options.wait_subscribers = 1;
	if (bybit) {
		/* the first account's; cw_bench_live_accounts() adds the others */
		sim_options.api_key = "bench-live-key-0";
		sim_options.api_secret = "bench-live-secret-5e1f-0";
	}
	bench.entries = g_array_new(FALSE, FALSE, sizeof(gint64));
	bench.creates = g_array_new(FALSE, FALSE, sizeof(gint64));
	bench.handed = g_array_new(FALSE, FALSE, sizeof(gint64));
	sim = cw_exchange_sim_new(&sim_options, &error);
	if (sim == NULL || !cw_exchange_sim_start(sim, 0, &error) ||
	    (bybit && !cw_bench_live_accounts(sim, (guint) n_bots, &bench, &error)) ||
	    !cw_bench_live_bots(db, (guint) n_bots, cw_exchange_sim_get_port(sim), bybit, &error)) {
		cw_bench_print_error("live", error);
		return 1;
	}
	cw_service_options_init(&options);
	g_strlcpy(options.http_listen, "off", sizeof options.http_listen);
	service = cw_service_new(db, &options, &error);
	if (service == NULL) {
		cw_bench_print_error("live", error);
		return 1;
	}
	bench.service = service;
	bench.opens = g_array_new(FALSE, FALSE, sizeof(gint64));
	bench.stamps = g_array_new(FALSE, FALSE, sizeof(gint64));
	cw_exchange_sim_set_sent_func(sim, cw_bench_live_sent, &bench);
	cw_exchange_sim_set_finished_func(sim, cw_bench_live_finished, &bench);
	hub = cw_strategy_manager_get_feed_hub(cw_service_get_manager(service));
	cw_feed_hub_record_timings(hub, 300 + (guint) n_candles + 16);
	if (!cw_service_start(service, &error)) {
		cw_bench_print_error("live", error);
		return 1;
	}
	cw_strategy_manager_foreach(cw_service_get_manager(service), cw_bench_live_watch_bot,
				    &bench);
	cw_service_run(service);

	/* each streamed candle: its routing's end minus its frame's send */
	cw_feed_hub_get_timings(hub, &n_timings);
	ends = cw_feed_hub_get_timing_ends(hub, &opens);
	for (guint i = 0, j = 0; i < bench.opens->len; i++) {
		gint64 open = g_array_index(bench.opens, gint64, i);

		while (j < n_timings && opens[j] < open)
			j++;
		if (j < n_timings && opens[j] == open) {
			gint64 d = ends[j] - g_array_index(bench.stamps, gint64, i);
			g_array_append_val(lat, d);
		}
	}
	g_array_unref(bench.opens);
	g_array_unref(bench.stamps);
	g_unlink(db);
	g_unlink(data);
	if (lat->len < 10) {
		fprintf(stderr,
			"candlewick-bench live: only %u of %d live candles reached the bots\n",
			lat->len, n_candles);
		return 1;
	}
	g_array_sort(lat, cw_bench_live_cmp);
	i50 = lat->len / 2;
	printf("candlewick-bench live: %d bots on one Bybit stream over loopback, %u live candles "
	       "at %.0f/s: frame sent -> every bot decided: p50 %.1f us, p99 %.1f us, max %.1f "
	       "us\n",
	       n_bots, lat->len, speed, (double) g_array_index(lat, gint64, i50) / 1e3,
	       g_array_index(lat, gint64, (guint) (lat->len * 0.99)) / 1e3,
	       g_array_index(lat, gint64, lat->len - 1) / 1e3);
	printf(
	    "candlewick-bench live: frame sent -> order handed to the broker (ORDER_SUBMITTED):\n");
	cw_bench_live_print("every order", bench.handed);
	if (bybit) {
		printf("candlewick-bench live: bybit broker, one account per bot, frame sent -> "
		       "create received by the simulator:\n");
		cw_bench_live_print("entries (decided on the candle)", bench.entries);
		cw_bench_live_print("every create (stops and exits after fills too)",
				    bench.creates);
		cw_bench_live_print_audit_sums(sim, "requests",
					       "private REST requests at the simulator");
		cw_bench_live_print_audit_sums(sim, "create_refusals",
					       "creates refused by the simulator, by retCode");
	}
	g_array_unref(bench.entries);
	g_array_unref(bench.creates);
	g_array_unref(bench.handed);
	return 0;
}
