/* candlewick-bench serve: many bots in one process on one shared feed. */
#include "cw-services.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <time.h>

#include "cw-alloc-counter.h"
#include "cw-bench.h"

static const char cw_bench_serve_config_fmt[] =
    "{\"name\":\"bot-%u\",\"symbol\":\"BTCUSDT\",\"interval\":\"5m\","
    "\"feed\":{\"type\":\"replay\",\"path\":\"%s\",\"speed\":%g},"
    "\"strategy\":{\"type\":\"composite\","
    "\"analyzers\":[{\"type\":\"ema_cross\",\"weight\":0.4,\"fast\":%u,\"slow\":%u},"
    "{\"type\":\"rsi\",\"weight\":0.3},{\"type\":\"macd\",\"weight\":0.3}],"
    "\"aggregation\":{\"min_score\":0.3},"
    "\"exit\":{\"stop_loss\":{\"type\":\"percent\",\"value\":1.5},"
    "\"take_profits\":[{\"percent\":1.0,\"close\":0.5},{\"percent\":2.0}]}},"
    "\"strategies\":[{\"id\":\"a\"},{\"id\":\"b\",\"aggregation\":{\"min_score\":0.5}}],"
    "\"active_strategy\":\"a\"%s}";

static gint64
cw_bench_serve_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static guint64
cw_bench_serve_rss_kb(void)
{
	g_autofree char *status = NULL;
	const char *p;

	if (!g_file_get_contents("/proc/self/status", &status, NULL, NULL))
		return 0;
	p = strstr(status, "VmRSS:");
	return p != NULL ? g_ascii_strtoull(p + 6, NULL, 10) : 0;
}

/* The median's index of n sorted values. */
static guint
cw_bench_serve_mid(guint n)
{
	return n / 2;
}

static gint
cw_bench_serve_cmp(gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
	return x < y ? -1 : x > y;
}

static gboolean
cw_bench_serve_prepare(const char *dir, guint n_bots, double days, double speed, const char *broker,
		       char **db_out, GError **error)
{
	g_autofree char *data = g_build_filename(dir, "data.csv", NULL);
	g_autofree char *db = g_build_filename(dir, "bots.db", NULL);
	g_autoptr(CwCandleSource) source = NULL;
	g_autoptr(CwStore) store = NULL;
	g_autoptr(GString) csv = g_string_new("time,open,high,low,close,volume\n");
	CwCandle c;

	source = cw_commands_open_source("synth", error, "symbol", "BTCUSDT", "days", days, "seed",
					 (guint64) 3, NULL);
	if (source == NULL)
		return FALSE;
	while (cw_candle_source_next(source, &c, error) == CW_CANDLE_SOURCE_OK)
		g_string_append_printf(csv, "%" G_GINT64_FORMAT ",%.10g,%.10g,%.10g,%.10g,%.8g\n",
				       c.open_time / 1000, c.open, c.high, c.low, c.close,
				       c.volume);
	if (!g_file_set_contents(data, csv->str, -1, error))
		return FALSE;
	store = cw_store_open(db, error);
	if (store == NULL || !cw_store_begin(store, error))
		return FALSE;
	for (guint i = 0; i < n_bots; i++) {
		g_autofree char *name = g_strdup_printf("bot-%u", i);
		g_autofree char *json = g_strdup_printf(cw_bench_serve_config_fmt, i, data, speed,
							5 + i % 7, 20 + i % 13, broker);
		if (cw_store_bot_add(store, name, json, TRUE, error) < 0)
			return FALSE;
	}
	if (!cw_store_commit(store, error))
		return FALSE;
	*db_out = g_steal_pointer(&db);
	return TRUE;
}

/* Removes the bench's directory: the candles, the database and its WAL
 * (a run at 1,000 bots leaves hundreds of MB in the WAL otherwise). */
static void
cw_bench_serve_cleanup(const char *dir)
{
	static const char *const files[] = {"bots.db", "bots.db-wal", "bots.db-shm",
					    "bots.db-journal", "data.csv"};

	for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *path = g_build_filename(dir, files[i], NULL);
		g_unlink(path);
	}
	g_rmdir(dir);
}

/* Bots of body that have sent an order (a non-zero submitted counter). */
static guint
cw_bench_serve_count_trading(const char *body)
{
	static const char key[] = "\ncandlewick_bot_orders_total{";
	static const char submitted[] = ",result=\"submitted\"} ";
	guint n = 0;

	for (const char *p = body; (p = strstr(p, key)) != NULL; p++) {
		const char *eol = strchr(p + 1, '\n');
		const char *r = strstr(p, submitted);
		if (r != NULL && (eol == NULL || r < eol) && r[strlen(submitted)] != '0')
			n++;
	}
	return n;
}

/* Bots of body with a broker round-trip histogram. */
static guint
cw_bench_serve_count_round_trips(const char *body)
{
	guint n = 0;

	for (const char *p = body; (p = strstr(p, "\ncandlewick_bot_ack_seconds_count{")) != NULL;
	     p++)
		n++;
	return n;
}

/* The body as a gzip scrape gets it: its size, and *ns the time taken. */
static gsize
cw_bench_serve_gzip_size(const char *body, gsize len, gint64 *ns)
{
	gint64 a = cw_bench_serve_ns();
	g_autoptr(GBytes) gz = cw_http_server_gzip(body, len, NULL);

	*ns = cw_bench_serve_ns() - a;
	return gz != NULL ? g_bytes_get_size(gz) : 0;
}

/* The largest /metrics body seen while the replay runs, rendered from a
 * timer on the main loop: bots that have traded carry their fills then
 * (the service unloads them when it ends). */
typedef struct {
	CwService *service;
	gsize max_size;
	guint trading;     /* bots with an order in the largest body */
	guint round_trips; /* bots with round-trip histograms in it */
	gsize gzip_size;
	gint64 gzip_ns;
	gint64 render_ns;
	guint renders;
	gint64 total_ns;
} CwBenchServeScrape;

static gboolean
cw_bench_serve_scrape_cb(gpointer user_data)
{
	CwBenchServeScrape *s = user_data;
	gsize size = 0;
	gint64 a = cw_bench_serve_ns();
	g_autofree char *body = cw_service_render_metrics(s->service, &size);
	gint64 ns = cw_bench_serve_ns() - a;

	s->renders++;
	s->total_ns += ns;
	if (size > s->max_size) {
		s->max_size = size;
		s->render_ns = ns;
		s->trading = cw_bench_serve_count_trading(body);
		s->round_trips = cw_bench_serve_count_round_trips(body);
		s->gzip_size = cw_bench_serve_gzip_size(body, size, &s->gzip_ns);
	}
	return G_SOURCE_CONTINUE;
}

/* Renders the /metrics body 20 times and prints its size and times;
 * when: the moment, for the line printed. */
static void
cw_bench_serve_metrics(CwService *service, gint n_bots, const char *when)
{
	gsize size = 0, gz = 0;
	guint round_trips = 0;
	gint64 best = G_MAXINT64, sum = 0, gz_ns = 0;

	for (guint r = 0; r < 20; r++) {
		gint64 a = cw_bench_serve_ns();
		g_autofree char *body = cw_service_render_metrics(service, &size);
		gint64 ns = cw_bench_serve_ns() - a;
		best = MIN(best, ns);
		sum += ns;
		if (r == 0) {
			round_trips = cw_bench_serve_count_round_trips(body);
			gz = cw_bench_serve_gzip_size(body, size, &gz_ns);
		}
	}
	printf("GET /metrics body with %d bots, %s (%u with round-trip histograms): %.2f MB, "
	       "rendered in %.1f ms (best of 20, mean %.1f ms); gzip %.3f MB in %.1f ms\n",
	       n_bots, when, round_trips, size / 1e6, best / 1e6, (double) sum / 20 / 1e6, gz / 1e6,
	       gz_ns / 1e6);
}

/* Heap allocations per routed candle: the mean, the most, and how many
 * candles allocated at all. */
static void
cw_bench_serve_print_allocs(CwFeedHub *hub)
{
	guint n = 0, with = 0;
	const guint64 *allocs = cw_feed_hub_get_timing_allocs(hub, &n);
	guint64 sum = 0, most = 0;

	if (cw_alloc_counter_read == NULL) {
		printf("allocations per candle: not counted in this build\n");
		return;
	}
	for (guint i = 0; i < n; i++) {
		sum += allocs[i];
		most = MAX(most, allocs[i]);
		with += allocs[i] > 0;
	}
	printf("allocations per candle (the fan-out): mean %.1f, max %" G_GUINT64_FORMAT
	       ", %u of %u candles allocated\n",
	       n > 0 ? (double) sum / n : 0, most, with, n);
}

int
cw_command_bench_serve(int argc, char **argv)
{
	gint n_bots = 1000;
	double days = 7;
	g_autofree char *broker = NULL;
	const char *broker_section = "";
	double speed = 0;
	g_autoptr(GError) error = NULL;
	g_autoptr(GOptionContext) ctx = g_option_context_new("- many bots on one shared feed");
	g_autofree char *dir = NULL;
	g_autofree char *db = NULL;
	g_autoptr(CwService) service = NULL;
	CwServiceOptions options;
	CwStrategyManager *manager;
	const gint64 *timings;
	g_autofree gint64 *sorted = NULL;
	guint n_timings, median;
	guint64 rss0, rss1;
	gint64 t0, t1, cold = 0, warm = 0;
	guint switched = 0;
	CwBenchServeScrape scrape = {0};
	guint scrape_id;
	GOptionEntry entries[] = {
	    {"bots", 0, 0, G_OPTION_ARG_INT, &n_bots, "Bots (default 1000)", "N"},
	    {"days", 0, 0, G_OPTION_ARG_DOUBLE, &days, "Days of 5m candles (default 7)", "D"},
	    {"broker", 0, 0, G_OPTION_ARG_STRING, &broker,
	     "paper (default), or venue: a venue-like broker of the bench that answers "
	     "from the main loop a little later",
	     "paper|venue"},
	    {"speed", 0, 0, G_OPTION_ARG_DOUBLE, &speed,
	     "Replay speed (default 0: as fast as the loop goes; 15000: a candle every 20 ms)",
	     "X"},
	    {NULL},
	};

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		cw_bench_print_error("serve", error);
		return 2;
	}
	if (n_bots < 1 || days <= 0 || speed < 0) {
		fprintf(stderr, "candlewick-bench serve: --bots and --days must be positive, "
				"--speed not negative\n");
		return 2;
	}
	if (broker != NULL && g_str_equal(broker, "venue")) {
		cw_bench_venue_broker_register();
		broker_section = ",\"broker\":{\"type\":\"bench-venue\"}";
	} else if (broker != NULL && !g_str_equal(broker, "paper")) {
		fprintf(stderr, "candlewick-bench serve: --broker is paper or venue\n");
		return 2;
	}
	cw_log_set_quiet(TRUE);
	dir = g_dir_make_tmp("cw-bench-serve-XXXXXX", &error);
	if (dir == NULL || !cw_bench_serve_prepare(dir, (guint) n_bots, days, speed, broker_section,
						   &db, &error)) {
		cw_bench_print_error("serve", error);
		return 1;
	}
	cw_service_options_init(&options);
	options.exit_when_idle = TRUE;
	service = cw_service_new(db, &options, &error);
	if (service == NULL) {
		cw_bench_print_error("serve", error);
		return 1;
	}
	manager = cw_service_get_manager(service);
	cw_feed_hub_record_timings(cw_strategy_manager_get_feed_hub(manager),
				   (guint) (days * 288) + 16);
	cw_feed_hub_set_alloc_counter(cw_strategy_manager_get_feed_hub(manager),
				      cw_alloc_counter_read);
	rss0 = cw_bench_serve_rss_kb();
	t0 = cw_bench_serve_ns();
	if (!cw_service_start(service, &error)) {
		cw_bench_print_error("serve", error);
		return 1;
	}
	t1 = cw_bench_serve_ns();
	rss1 = cw_bench_serve_rss_kb();

	/* switch every bot to its dormant strategy (a cache miss: created)
	 * and back (a hit: the dormant one keeps its state) */
	for (gint i = 1; i <= n_bots; i++) {
		CwBotRuntime *rt = cw_strategy_manager_lookup(manager, i);
		gint64 a, b, c;
		if (rt == NULL)
			continue;
		a = cw_bench_serve_ns();
		cw_bot_runtime_switch(rt, "b", NULL);
		b = cw_bench_serve_ns();
		cw_bot_runtime_switch(rt, "a", NULL);
		c = cw_bench_serve_ns();
		cold += b - a;
		warm += c - b;
		switched++;
	}

	printf("candlewick-bench serve: %d bots on one shared replay feed, %.0f days of 5m "
	       "candles, %s broker, speed %g\n",
	       n_bots, days, broker_section[0] != '\0' ? "venue" : "paper", speed);
	printf("start-up (load %d bots from the DB, build orchestrators, attach feed): %.3f s\n",
	       n_bots, (t1 - t0) / 1e9);
	printf("RSS per bot after start-up: %.1f KB (%" G_GUINT64_FORMAT " KB for %d bots)\n",
	       (double) (rss1 - rss0) / n_bots, rss1 - rss0, n_bots);
	cw_bench_serve_metrics(service, n_bots, "right after start-up");
	printf("strategy switch: %.1f us first time (orchestrator created), %.2f us back to a "
	       "cached one\n",
	       switched > 0 ? cold / 1e3 / switched : 0, switched > 0 ? warm / 1e3 / switched : 0);
	fflush(stdout);

	scrape.service = service;
	scrape_id = g_timeout_add(100, cw_bench_serve_scrape_cb, &scrape);
	if (cw_service_run(service) != 0)
		return 1;
	g_source_remove(scrape_id);
	printf(
	    "GET /metrics body with %d bots, largest while the replay ran (of %u scrapes; "
	    "%u bots with an order, %u with round-trip histograms): %.2f MB, rendered in %.1f ms "
	    "(mean of the scrapes %.1f ms); gzip %.3f MB in %.1f ms\n",
	    n_bots, scrape.renders, scrape.trading, scrape.round_trips, scrape.max_size / 1e6,
	    scrape.render_ns / 1e6,
	    scrape.renders > 0 ? (double) scrape.total_ns / scrape.renders / 1e6 : 0,
	    scrape.gzip_size / 1e6, scrape.gzip_ns / 1e6);
	timings = cw_feed_hub_get_timings(cw_strategy_manager_get_feed_hub(manager), &n_timings);
	if (n_timings == 0) {
		fprintf(stderr, "candlewick-bench serve: no candle was routed\n");
		return 1;
	}
	sorted = g_memdup2(timings, n_timings * sizeof(gint64));
	qsort(sorted, n_timings, sizeof(gint64),
	      (int (*)(const void *, const void *)) cw_bench_serve_cmp);
	median = n_timings / 2;
	printf("fan-out of one candle to %d bots: median %.1f us, p99 %.1f us, max %.1f us "
	       "(%u candles; %.0f ns per bot at the median)\n",
	       n_bots, sorted[median] / 1e3, sorted[(guint) (n_timings * 0.99)] / 1e3,
	       sorted[n_timings - 1] / 1e3, n_timings, (double) sorted[median] / n_bots);
	{
		/* the same candles without their group commit (the decisions,
		 * orders queued), and the commits alone */
		const gint64 *commits = cw_feed_hub_get_commit_timings(
		    cw_strategy_manager_get_feed_hub(manager), &n_timings);
		g_autofree gint64 *decide = g_new(gint64, n_timings);
		g_autofree gint64 *commit = g_new(gint64, n_timings);
		guint n_commits = 0;

		for (guint i = 0; i < n_timings; i++) {
			decide[i] = timings[i] - commits[i];
			if (commits[i] > 0)
				commit[n_commits++] = commits[i];
		}
		qsort(decide, n_timings, sizeof(gint64),
		      (int (*)(const void *, const void *)) cw_bench_serve_cmp);
		printf("fan-out without the group commit: median %.1f us, p99 %.1f us, max %.1f "
		       "us\n",
		       decide[cw_bench_serve_mid(n_timings)] / 1e3,
		       decide[(guint) (n_timings * 0.99)] / 1e3, decide[n_timings - 1] / 1e3);
		if (n_commits > 0) {
			qsort(commit, n_commits, sizeof(gint64),
			      (int (*)(const void *, const void *)) cw_bench_serve_cmp);
			printf("group commit of a candle's orders (%u candles with orders): median "
			       "%.1f us, p99 %.1f us, max %.1f us\n",
			       n_commits, commit[cw_bench_serve_mid(n_commits)] / 1e3,
			       commit[(guint) (n_commits * 0.99)] / 1e3,
			       commit[n_commits - 1] / 1e3);
		}
	}
	cw_bench_serve_print_allocs(cw_strategy_manager_get_feed_hub(manager));
	g_clear_object(&service);
	cw_bench_serve_cleanup(dir);
	return 0;
}
