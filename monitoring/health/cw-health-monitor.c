#include "cw-health.h"

#include <glib-unix.h>
#include <signal.h>

typedef struct {
	gint64 bot_id;
	gint64 loaded_at_ms;
	guint64 candles;
	gint64 progress_us; /* monotonic: last candle seen (or load) */
	gboolean stalled;
	guint restarts;
	guint restart_source;
	char *reason;
	CwHealthMonitor *monitor;
} CwBotWatch;

struct _CwHealthMonitor {
	GObject parent_instance;
	CwHealthHost *host;
	GHashTable *bots; /* bot id -> CwBotWatch* */
	CwRestartPolicy policy;
	guint stall_intervals;
	double stall_timeout_s;
	double heartbeat_limit_s;
	CwProcessLimits limits;
	CwLoopWatchdog *watchdog;
	CwProcessSample sample;
	gboolean sampled;
	gboolean warning[CW_PROCESS_CHECK_LAST];
	double baseline_t;
	guint64 baseline_rss;
	guint check_source;
	guint sample_source;
	guint usr1_source;
	guint64 n_stalls;
	guint64 n_restarts;
	guint64 n_warnings;
	guint settings_serial;
	guint64 blocks_seen; /* watchdog blocks at the last stall check */
};

static void cw_health_monitor_probe_init(CwHealthProbeInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwHealthMonitor, cw_health_monitor, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_HEALTH_PROBE,
						    cw_health_monitor_probe_init))

static void cw_health_monitor_read_settings(CwHealthMonitor *self);

/* Settings changed since they were read (a reload): read them again. */
static void
cw_health_monitor_refresh(CwHealthMonitor *self)
{
	if (self->settings_serial !=
	    cw_service_context_get_settings_serial(cw_service_context_get_default()))
		cw_health_monitor_read_settings(self);
}

static void
cw_bot_watch_free(CwBotWatch *w)
{
	if (w->restart_source != 0)
		g_source_remove(w->restart_source);
	g_free(w->reason);
	g_free(w);
}

static void
cw_health_monitor_emit(CwHealthMonitor *self, gint64 bot_id, CwEventType type, const char *json)
{
	if (self->host != NULL)
		cw_health_host_emit_event(self->host, bot_id, type, json);
}

static gboolean
cw_health_monitor_restart_cb(gpointer user_data)
{
	CwBotWatch *w = user_data;
	CwHealthMonitor *self = w->monitor;
	g_autoptr(GError) error = NULL;
	g_autofree char *reason = g_strdup(w->reason);
	g_autoptr(GString) json = g_string_new(NULL);
	gint64 id = w->bot_id;
	guint restarts = w->restarts;
	CwJsonWriter jw;

	w->restart_source = 0;
	self->n_restarts++;
	/* the restart frees w (the bot's load time changes) */
	if (!cw_health_host_restart_bot(self->host, id, reason, &error)) {
		cw_log(G_LOG_LEVEL_WARNING, NULL, NULL,
		       "bot %" G_GINT64_FORMAT " not restarted: %s", id, error->message);
		return G_SOURCE_REMOVE;
	}
	cw_json_writer_init(&jw, json, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&jw);
	cw_json_writer_member_string(&jw, "reason", reason);
	cw_json_writer_member_uint(&jw, "restarts", restarts);
	cw_json_writer_end_object(&jw);
	cw_health_monitor_emit(self, id, CW_EVENT_BOT_RESTARTED, json->str);
	return G_SOURCE_REMOVE;
}

/* Reads the bot's restart times strictly: unreadable fails closed. */
static GArray *
cw_health_monitor_read_restarts(CwHealthMonitor *self, CwBotWatch *w, char **failure)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *text =
	    cw_health_host_get_bot_state(self->host, w->bot_id, CW_RESTART_STATE_KEY, &error);
	GArray *times = NULL;

	if (error == NULL)
		times = cw_restart_policy_parse(text, &error);
	if (times == NULL)
		*failure = g_strdup_printf("restart limit reached: restart count unreadable (%s)",
					   error->message);
	return times;
}

static void
cw_health_monitor_plan_restart(CwHealthMonitor *self, CwBotWatch *w)
{
	g_autofree char *failure = NULL;
	g_autoptr(GArray) times = cw_health_monitor_read_restarts(self, w, &failure);
	gint64 now = g_get_real_time() / 1000;
	g_autofree char *text = NULL;
	double delay = 0;

	if (times == NULL) {
		cw_health_host_fail_bot(self->host, w->bot_id, failure);
		return;
	}
	cw_restart_policy_prune(&self->policy, times, now);
	if (!cw_restart_policy_allows(&self->policy, times, &delay)) {
		g_autofree char *msg =
		    cw_restart_policy_limit_message(&self->policy, times->len, w->reason);
		cw_health_host_fail_bot(self->host, w->bot_id, msg);
		return;
	}
	g_array_append_val(times, now);
	text = cw_restart_policy_format(times);
	cw_health_host_set_bot_state(self->host, w->bot_id, CW_RESTART_STATE_KEY, text);
	w->restarts = times->len;
	w->restart_source =
	    g_timeout_add((guint) (delay * 1000) + 1, cw_health_monitor_restart_cb, w);
}

static void
cw_health_monitor_stalled(CwHealthMonitor *self, CwBotWatch *w, const CwBotHealth *bot,
			  const char *reason)
{
	g_autoptr(GString) json = g_string_new(NULL);
	CwJsonWriter jw;

	w->stalled = TRUE;
	g_free(w->reason);
	w->reason = g_strdup(reason);
	self->n_stalls++;
	cw_json_writer_init(&jw, json, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&jw);
	cw_json_writer_member_string(&jw, "reason", reason);
	cw_json_writer_end_object(&jw);
	cw_log(G_LOG_LEVEL_WARNING, bot->name, bot->strategy, "stalled: %s", reason);
	cw_health_monitor_emit(self, bot->bot_id, CW_EVENT_STALLED, json->str);
	cw_health_monitor_plan_restart(self, w);
}

static CwBotWatch *
cw_health_monitor_watch(CwHealthMonitor *self, const CwBotHealth *bot, gint64 now_us)
{
	CwBotWatch *w = g_hash_table_lookup(self->bots, &bot->bot_id);
	guint restarts = w != NULL ? w->restarts : 0;

	if (w != NULL && w->loaded_at_ms == bot->loaded_at_ms)
		return w;
	/* a reloaded bot: its restarts in the window carry over */
	w = g_new0(CwBotWatch, 1);
	w->restarts = restarts;
	w->bot_id = bot->bot_id;
	w->loaded_at_ms = bot->loaded_at_ms;
	w->candles = bot->counters->candles;
	w->progress_us = now_us;
	w->monitor = self;
	g_hash_table_replace(self->bots, g_memdup2(&bot->bot_id, sizeof(gint64)), w);
	return w;
}

static void
cw_health_monitor_check_bot(const CwBotHealth *bot, gpointer user_data)
{
	CwHealthMonitor *self = user_data;
	gint64 now_us = g_get_monotonic_time();
	CwBotWatch *w = cw_health_monitor_watch(self, bot, now_us);
	gboolean live =
	    bot->feed_state == CW_HEALTH_FEED_LIVE || bot->feed_state == CW_HEALTH_FEED_RECOVERING;
	double limit_s = self->stall_timeout_s > 0
			     ? self->stall_timeout_s
			     : (double) self->stall_intervals * (double) bot->interval_ms / 1000;
	double silent_s = (double) (now_us - w->progress_us) / G_USEC_PER_SEC;
	gint64 now_ms = g_get_real_time() / 1000;
	double hb_age_s = (double) (now_ms - bot->last_heartbeat_ms) / 1000;
	g_autofree char *reason = NULL;

	if (bot->counters->candles != w->candles || !live) {
		w->candles = bot->counters->candles;
		w->progress_us = now_us;
		w->stalled = FALSE;
		return;
	}
	if (w->stalled)
		return;
	if (silent_s > limit_s)
		reason = g_strdup_printf("no candle for %.1f s (limit %.1f s) while the feed is %s",
					 silent_s, limit_s,
					 cw_health_feed_state_to_string(bot->feed_state));
	else if (bot->last_heartbeat_ms > 0 && self->heartbeat_limit_s > 0 &&
		 hb_age_s > self->heartbeat_limit_s)
		reason = g_strdup_printf("heartbeat %.1f s old (limit %.1f s)", hb_age_s,
					 self->heartbeat_limit_s);
	if (reason != NULL)
		cw_health_monitor_stalled(self, w, bot, reason);
}

typedef struct {
	CwHealthMonitor *self;
	GHashTable *seen;
} CwSeen;

static void
cw_health_monitor_mark_seen(const CwBotHealth *bot, gpointer user_data)
{
	CwSeen *s = user_data;

	g_hash_table_add(s->seen, g_memdup2(&bot->bot_id, sizeof(gint64)));
}

void
cw_health_monitor_check_bots(CwHealthMonitor *self)
{
	g_autoptr(GHashTable) seen =
	    g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	CwSeen s = {self, seen};
	GHashTableIter iter;
	gpointer key;
	CwBotWatch *w;

	if (self->host == NULL)
		return;
	cw_health_monitor_refresh(self);
	/* a blocked loop delivered no candle to anyone: not the bots' stall */
	if (self->watchdog != NULL &&
	    cw_loop_watchdog_get_n_blocks(self->watchdog) != self->blocks_seen) {
		self->blocks_seen = cw_loop_watchdog_get_n_blocks(self->watchdog);
		g_hash_table_iter_init(&iter, self->bots);
		while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &w))
			w->progress_us = g_get_monotonic_time();
	}
	cw_health_host_foreach_bot(self->host, cw_health_monitor_check_bot, self);
	/* forget the bots that are gone, unless a restart of theirs is due */
	cw_health_host_foreach_bot(self->host, cw_health_monitor_mark_seen, &s);
	g_hash_table_iter_init(&iter, self->bots);
	while (g_hash_table_iter_next(&iter, &key, (gpointer *) &w)) {
		if (!g_hash_table_contains(seen, key) && w->restart_source == 0)
			g_hash_table_iter_remove(&iter);
	}
}

static gboolean
cw_health_monitor_check_cb(gpointer user_data)
{
	cw_health_monitor_check_bots(user_data);
	return G_SOURCE_CONTINUE;
}

static void
cw_health_monitor_compare(CwHealthMonitor *self, CwProcessCheck check)
{
	double value = 0, limit = 0;
	gboolean over =
	    cw_process_sample_exceeds(&self->sample, &self->limits, check, &value, &limit);
	g_autoptr(GString) json = NULL;
	CwJsonWriter w;

	if (over == self->warning[check])
		return;
	self->warning[check] = over;
	json = g_string_new(NULL);
	cw_json_writer_init(&w, json, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_string(&w, "check", cw_process_check_to_string(check));
	cw_json_writer_member_double(&w, "value", value);
	cw_json_writer_member_double(&w, "limit", limit);
	cw_json_writer_end_object(&w);
	if (over)
		self->n_warnings++;
	cw_log(over ? G_LOG_LEVEL_WARNING : G_LOG_LEVEL_MESSAGE, NULL, NULL,
	       "health %s: %s %.0f, limit %.0f", over ? "warning" : "ok",
	       cw_process_check_to_string(check), value, limit);
	cw_health_monitor_emit(self, 0, over ? CW_EVENT_HEALTH_WARNING : CW_EVENT_HEALTH_OK,
			       json->str);
}

void
cw_health_monitor_sample(CwHealthMonitor *self)
{
	g_autoptr(GError) error = NULL;
	const char *db = self->host != NULL ? cw_health_host_get_db_path(self->host) : NULL;

	cw_health_monitor_refresh(self);
	if (!cw_process_sample_read(&self->sample, db, &self->baseline_t, &self->baseline_rss,
				    &error)) {
		cw_log(G_LOG_LEVEL_WARNING, NULL, NULL, "process sample failed: %s",
		       error->message);
		return;
	}
	self->sampled = TRUE;
	for (guint c = 0; c < CW_PROCESS_CHECK_LAST; c++)
		cw_health_monitor_compare(self, (CwProcessCheck) c);
}

static gboolean
cw_health_monitor_sample_cb(gpointer user_data)
{
	cw_health_monitor_sample(user_data);
	return G_SOURCE_CONTINUE;
}

static void
cw_health_monitor_blocked(double seconds, gpointer user_data)
{
	CwHealthMonitor *self = user_data;
	g_autoptr(GString) json = g_string_new(NULL);
	CwJsonWriter w;

	cw_json_writer_init(&w, json, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_double_fixed(&w, "seconds", seconds, 3);
	cw_json_writer_end_object(&w);
	cw_log(G_LOG_LEVEL_WARNING, NULL, NULL, "main loop blocked for %.3f s", seconds);
	cw_health_monitor_emit(self, 0, CW_EVENT_MAIN_LOOP_BLOCKED, json->str);
}

/* Tests only: with CW_TEST_BLOCK_MAIN_LOOP_MS set, SIGUSR1 blocks the loop. */
static gboolean
cw_health_monitor_usr1_cb(gpointer user_data)
{
	guint64 ms = g_ascii_strtoull(g_getenv("CW_TEST_BLOCK_MAIN_LOOP_MS"), NULL, 10);

	cw_log(G_LOG_LEVEL_MESSAGE, NULL, NULL,
	       "test hook: blocking the main loop %" G_GUINT64_FORMAT " ms", ms);
	g_usleep(MIN(ms, 60000) * 1000);
	return G_SOURCE_CONTINUE;
}

static void
cw_health_monitor_read_settings(CwHealthMonitor *self)
{
	CwServiceContext *ctx = cw_service_context_get_default();

	self->settings_serial = cw_service_context_get_settings_serial(ctx);
	cw_restart_policy_init(&self->policy);
	self->policy.burst = cw_service_context_get_uint(ctx, "health.restart_burst", 5);
	self->policy.interval_s =
	    cw_service_context_get_double(ctx, "health.restart_interval_s", 600);
	self->policy.initial_s =
	    cw_service_context_get_double(ctx, "health.restart_backoff_initial_s", 1);
	self->policy.max_s = cw_service_context_get_double(ctx, "health.restart_backoff_max_s", 60);
	self->policy.factor =
	    cw_service_context_get_double(ctx, "health.restart_backoff_factor", 2);
	self->stall_intervals = cw_service_context_get_uint(ctx, "health.stall_intervals", 3);
	self->stall_timeout_s = cw_service_context_get_double(ctx, "health.stall_timeout_s", 0);
	self->heartbeat_limit_s =
	    cw_service_context_get_double(ctx, "health.heartbeat_limit_s", 120);
	self->limits.rss_max_bytes =
	    (guint64) cw_service_context_get_double(ctx, "health.rss_max_bytes", 0);
	self->limits.rss_growth_max_per_hour =
	    cw_service_context_get_double(ctx, "health.rss_growth_max_bytes_per_hour", 0);
	self->limits.fds_max = cw_service_context_get_uint(ctx, "health.fds_max", 0);
	self->limits.disk_free_min_bytes =
	    (guint64) cw_service_context_get_double(ctx, "health.disk_free_min_bytes", 0);
}

static gboolean
cw_health_monitor_start(CwHealthProbe *probe, CwHealthHost *host, GError **error)
{
	CwHealthMonitor *self = CW_HEALTH_MONITOR(probe);
	CwServiceContext *ctx = cw_service_context_get_default();
	double check_s = cw_service_context_get_double(ctx, "health.check_interval_s", 1);
	double sample_s = cw_service_context_get_double(ctx, "health.sample_interval_s", 5);

	cw_health_monitor_read_settings(self);
	g_set_object(&self->host, host);
	self->watchdog = cw_loop_watchdog_new(
	    cw_service_context_get_double(ctx, "health.watchdog_block_s", 1),
	    cw_service_context_get_double(ctx, "health.watchdog_recovery_s", 5),
	    cw_health_monitor_blocked, self);
	self->check_source =
	    g_timeout_add((guint) MAX(10, check_s * 1000), cw_health_monitor_check_cb, self);
	self->sample_source =
	    g_timeout_add((guint) MAX(10, sample_s * 1000), cw_health_monitor_sample_cb, self);
	if (g_getenv("CW_TEST_BLOCK_MAIN_LOOP_MS") != NULL)
		self->usr1_source = g_unix_signal_add(SIGUSR1, cw_health_monitor_usr1_cb, self);
	cw_health_monitor_sample(self);
	return TRUE;
}

static void
cw_health_monitor_stop(CwHealthProbe *probe)
{
	CwHealthMonitor *self = CW_HEALTH_MONITOR(probe);

	g_clear_handle_id(&self->check_source, g_source_remove);
	g_clear_handle_id(&self->sample_source, g_source_remove);
	g_clear_handle_id(&self->usr1_source, g_source_remove);
	g_clear_pointer(&self->watchdog, cw_loop_watchdog_free);
	g_hash_table_remove_all(self->bots);
	g_clear_object(&self->host);
}

static const char *
cw_health_monitor_get_name(CwHealthProbe *probe)
{
	return "health";
}

static CwHealthStatus
cw_health_monitor_check(CwHealthProbe *probe, char *detail, gsize detail_len)
{
	CwHealthMonitor *self = CW_HEALTH_MONITOR(probe);

	if (self->watchdog == NULL) {
		g_snprintf(detail, detail_len, "not started");
		return CW_HEALTH_OK;
	}
	return cw_loop_watchdog_is_failing(self->watchdog, detail, detail_len) ? CW_HEALTH_FAILING
									       : CW_HEALTH_OK;
}

static gboolean
cw_health_monitor_get_bot_state(CwHealthProbe *probe, gint64 bot_id, CwBotProbeState *out)
{
	CwHealthMonitor *self = CW_HEALTH_MONITOR(probe);
	CwBotWatch *w = g_hash_table_lookup(self->bots, &bot_id);

	if (w == NULL)
		return FALSE;
	out->stalled = w->stalled;
	out->restarts = w->restarts;
	return TRUE;
}

static void
cw_health_monitor_reset_bot(CwHealthProbe *probe, gint64 bot_id)
{
	CwHealthMonitor *self = CW_HEALTH_MONITOR(probe);

	g_hash_table_remove(self->bots, &bot_id);
}

static void
cw_health_monitor_counter(GString *out, const char *name, const char *help, double value)
{
	cw_prom_family(out, name, "counter", help);
	cw_prom_sample(out, name, NULL, value);
}

static void
cw_health_monitor_gauge(GString *out, const char *name, const char *help, double value)
{
	cw_prom_family(out, name, "gauge", help);
	cw_prom_sample(out, name, NULL, value);
}

static void
cw_health_monitor_write_metrics(CwHealthProbe *probe, GString *out)
{
	CwHealthMonitor *self = CW_HEALTH_MONITOR(probe);
	const CwProcessSample *s = &self->sample;
	char detail[128];

	cw_health_monitor_counter(out, "process_cpu_seconds_total",
				  "Total user and system CPU time spent in seconds.",
				  s->cpu_user_s + s->cpu_system_s);
	cw_health_monitor_gauge(out, "process_resident_memory_bytes",
				"Resident memory size in bytes.", (double) s->rss_bytes);
	cw_health_monitor_gauge(out, "process_open_fds", "Number of open file descriptors.",
				(double) s->open_fds);
	cw_health_monitor_gauge(out, "process_max_fds", "Maximum number of open file descriptors.",
				(double) s->max_fds);
	cw_health_monitor_gauge(out, "process_start_time_seconds",
				"Start time of the process since unix epoch in seconds.",
				s->start_time_s);
	cw_health_monitor_gauge(out, "process_threads", "Number of OS threads in the process.",
				(double) s->threads);
	cw_health_monitor_gauge(out, "candlewick_db_size_bytes",
				"Size of the SQLite database file.", (double) s->db_bytes);
	cw_health_monitor_gauge(out, "candlewick_db_wal_size_bytes",
				"Size of the SQLite write-ahead log.", (double) s->wal_bytes);
	cw_health_monitor_gauge(out, "candlewick_disk_free_bytes",
				"Free space on the database's file system.",
				(double) s->disk_free_bytes);
	cw_health_monitor_counter(
	    out, "candlewick_main_loop_blocks_total", "Main loop blocks longer than the limit.",
	    self->watchdog != NULL ? (double) cw_loop_watchdog_get_n_blocks(self->watchdog) : 0);
	cw_health_monitor_counter(
	    out, "candlewick_main_loop_blocked_seconds_total",
	    "Time the main loop spent in blocks longer than the limit.",
	    self->watchdog != NULL ? cw_loop_watchdog_get_blocked_seconds(self->watchdog) : 0);
	cw_health_monitor_gauge(
	    out, "candlewick_main_loop_healthy", "1 while the main loop is responsive.",
	    cw_health_monitor_check(probe, detail, sizeof detail) == CW_HEALTH_OK);
	cw_health_monitor_counter(out, "candlewick_stalls_total", "Bots found stalled.",
				  (double) self->n_stalls);
	cw_health_monitor_counter(out, "candlewick_health_restarts_total",
				  "Restarts of stalled bots.", (double) self->n_restarts);
	cw_prom_family(out, "candlewick_health_warning", "gauge",
		       "1 while a process threshold is crossed, by check.");
	for (guint c = 0; c < CW_PROCESS_CHECK_LAST; c++) {
		g_autofree char *l =
		    g_strdup_printf("check=\"%s\"", cw_process_check_to_string((CwProcessCheck) c));
		cw_prom_sample(out, "candlewick_health_warning", l, self->warning[c]);
	}
}

static void
cw_health_monitor_probe_init(CwHealthProbeInterface *iface)
{
	iface->get_name = cw_health_monitor_get_name;
	iface->start = cw_health_monitor_start;
	iface->stop = cw_health_monitor_stop;
	iface->check = cw_health_monitor_check;
	iface->get_bot_state = cw_health_monitor_get_bot_state;
	iface->write_metrics = cw_health_monitor_write_metrics;
	iface->reset_bot = cw_health_monitor_reset_bot;
}

static void
cw_health_monitor_dispose(GObject *object)
{
	cw_health_monitor_stop(CW_HEALTH_PROBE(object));
	G_OBJECT_CLASS(cw_health_monitor_parent_class)->dispose(object);
}

static void
cw_health_monitor_finalize(GObject *object)
{
	g_hash_table_unref(CW_HEALTH_MONITOR(object)->bots);
	G_OBJECT_CLASS(cw_health_monitor_parent_class)->finalize(object);
}

static void
cw_health_monitor_class_init(CwHealthMonitorClass *klass)
{
	G_OBJECT_CLASS(klass)->dispose = cw_health_monitor_dispose;
	G_OBJECT_CLASS(klass)->finalize = cw_health_monitor_finalize;
}

static void
cw_health_monitor_init(CwHealthMonitor *self)
{
	self->bots = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
					   (GDestroyNotify) cw_bot_watch_free);
}
