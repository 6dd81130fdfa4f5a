#include "cw-health.h"

#include <string.h>

/* A host with fixed bots that records what the probe does. */
#define CW_TYPE_FAKE_HOST (cw_fake_host_get_type())
G_DECLARE_FINAL_TYPE(CwFakeHost, cw_fake_host, CW, FAKE_HOST, GObject)

struct _CwFakeHost {
	GObject parent_instance;
	CwBotHealth bot;
	CwBotCounters counters;
	GPtrArray *events; /* "TYPE payload" */
	char *restarts;
	guint n_restarts;
	char *failed;
};

static void cw_fake_host_iface_init(CwHealthHostInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwFakeHost, cw_fake_host, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_HEALTH_HOST, cw_fake_host_iface_init))

static void
cw_fake_host_foreach_bot(CwHealthHost *host, CwBotHealthFunc func, gpointer user_data)
{
	CwFakeHost *self = CW_FAKE_HOST(host);

	if (self->failed == NULL)
		func(&self->bot, user_data);
}

static gboolean
cw_fake_host_restart_bot(CwHealthHost *host, gint64 id, const char *reason, GError **error)
{
	CwFakeHost *self = CW_FAKE_HOST(host);

	self->n_restarts++;
	self->bot.loaded_at_ms++;
	return TRUE;
}

static void
cw_fake_host_fail_bot(CwHealthHost *host, gint64 id, const char *message)
{
	CwFakeHost *self = CW_FAKE_HOST(host);

	g_free(self->failed);
	self->failed = g_strdup(message);
}

static char *
cw_fake_host_get_bot_state(CwHealthHost *host, gint64 id, const char *key, GError **error)
{
	return g_strdup(CW_FAKE_HOST(host)->restarts);
}

static void
cw_fake_host_set_bot_state(CwHealthHost *host, gint64 id, const char *key, const char *value)
{
	CwFakeHost *self = CW_FAKE_HOST(host);

	g_free(self->restarts);
	self->restarts = g_strdup(value);
}

static void
cw_fake_host_emit_event(CwHealthHost *host, gint64 id, CwEventType type, const char *json)
{
	g_ptr_array_add(CW_FAKE_HOST(host)->events,
			g_strdup_printf("%s %s", cw_event_type_to_string(type), json));
}

static const char *
cw_fake_host_get_db_path(CwHealthHost *host)
{
	return NULL;
}

static void
cw_fake_host_iface_init(CwHealthHostInterface *iface)
{
	iface->foreach_bot = cw_fake_host_foreach_bot;
	iface->restart_bot = cw_fake_host_restart_bot;
	iface->fail_bot = cw_fake_host_fail_bot;
	iface->get_bot_state = cw_fake_host_get_bot_state;
	iface->set_bot_state = cw_fake_host_set_bot_state;
	iface->emit_event = cw_fake_host_emit_event;
	iface->get_db_path = cw_fake_host_get_db_path;
}

static void
cw_fake_host_finalize(GObject *object)
{
	CwFakeHost *self = CW_FAKE_HOST(object);

	g_ptr_array_unref(self->events);
	g_free(self->restarts);
	g_free(self->failed);
	G_OBJECT_CLASS(cw_fake_host_parent_class)->finalize(object);
}

static void
cw_fake_host_class_init(CwFakeHostClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_fake_host_finalize;
}

static void
cw_fake_host_init(CwFakeHost *self)
{
	self->events = g_ptr_array_new_with_free_func(g_free);
	self->bot = (CwBotHealth){.bot_id = 7,
				  .name = "b",
				  .strategy = "s",
				  .feed_state = CW_HEALTH_FEED_LIVE,
				  .interval_ms = 100,
				  .loaded_at_ms = 1,
				  .counters = &self->counters};
}

static guint
count_events(CwFakeHost *host, const char *prefix)
{
	guint n = 0;

	for (guint i = 0; i < host->events->len; i++)
		n += g_str_has_prefix(g_ptr_array_index(host->events, i), prefix);
	return n;
}

static CwHealthMonitor *
monitor_start(CwFakeHost *host)
{
	g_autoptr(GError) error = NULL;
	CwHealthMonitor *m = g_object_new(CW_TYPE_HEALTH_MONITOR, NULL);

	g_assert_true(cw_health_probe_start(CW_HEALTH_PROBE(m), CW_HEALTH_HOST(host), &error));
	g_assert_no_error(error);
	return m;
}

/* Stalled after K intervals of silence (K=3, 100 ms), not before. */
static void
test_stall_k_intervals(void)
{
	CwServiceContext *ctx = cw_service_context_get_default();
	g_autoptr(CwFakeHost) host = g_object_new(CW_TYPE_FAKE_HOST, NULL);
	g_autoptr(CwHealthMonitor) m = NULL;
	CwBotProbeState st;

	cw_service_context_reset(ctx);
	cw_service_context_set_setting(ctx, "health.check_interval_s", g_variant_new_double(100));
	cw_service_context_set_setting(ctx, "health.restart_backoff_initial_s",
				       g_variant_new_double(0.01));
	m = monitor_start(host);
	cw_health_monitor_check_bots(m);
	g_usleep(200000);
	host->counters.candles++; /* progress resets the clock */
	cw_health_monitor_check_bots(m);
	g_usleep(200000);
	cw_health_monitor_check_bots(m);
	g_assert_cmpuint(count_events(host, "STALLED"), ==, 0);
	g_usleep(150000);
	cw_health_monitor_check_bots(m);
	g_assert_cmpuint(count_events(host, "STALLED"), ==, 1);
	g_assert_true(cw_health_probe_get_bot_state(CW_HEALTH_PROBE(m), 7, &st));
	g_assert_true(st.stalled);
	g_assert_cmpuint(st.restarts, ==, 1);
	g_assert_nonnull(host->restarts);
	/* restarted (the fake reloads it): the count stays visible */
	for (guint i = 0; i < 200 && host->n_restarts == 0; i++) {
		g_usleep(5000);
		g_main_context_iteration(NULL, FALSE);
	}
	g_assert_cmpuint(host->n_restarts, ==, 1);
	cw_health_monitor_check_bots(m);
	g_assert_true(cw_health_probe_get_bot_state(CW_HEALTH_PROBE(m), 7, &st));
	g_assert_false(st.stalled);
	g_assert_cmpuint(st.restarts, ==, 1);
	/* a feed that is not live is not a stall */
	host->bot.feed_state = CW_HEALTH_FEED_DOWN;
	host->bot.loaded_at_ms++;
	cw_health_monitor_check_bots(m);
	g_usleep(400000);
	cw_health_monitor_check_bots(m);
	g_assert_cmpuint(count_events(host, "STALLED"), ==, 1);
}

/* A crossed threshold warns once and HEALTH_OK follows when it clears. */
static void
test_threshold_warns_and_clears(void)
{
	CwServiceContext *ctx = cw_service_context_get_default();
	g_autoptr(CwFakeHost) host = g_object_new(CW_TYPE_FAKE_HOST, NULL);
	g_autoptr(CwHealthMonitor) m = NULL;

	cw_service_context_reset(ctx);
	cw_service_context_set_setting(ctx, "health.rss_max_bytes", g_variant_new_double(1000));
	m = monitor_start(host);
	cw_health_monitor_sample(m);
	cw_health_monitor_sample(m);
	g_assert_cmpuint(count_events(host, "HEALTH_WARNING"), ==, 1);
	g_assert_nonnull(strstr(g_ptr_array_index(host->events, 0), "\"check\":\"rss\""));
	g_assert_cmpuint(count_events(host, "HEALTH_OK"), ==, 0);
	cw_service_context_set_setting(ctx, "health.rss_max_bytes", g_variant_new_double(1e13));
	cw_health_monitor_sample(m);
	cw_health_monitor_sample(m);
	g_assert_cmpuint(count_events(host, "HEALTH_WARNING"), ==, 1);
	g_assert_cmpuint(count_events(host, "HEALTH_OK"), ==, 1);
}

/* A blocked main loop starved every feed: that is not a stall of the bots. */
static void
test_block_is_not_a_stall(void)
{
	CwServiceContext *ctx = cw_service_context_get_default();
	g_autoptr(CwFakeHost) host = g_object_new(CW_TYPE_FAKE_HOST, NULL);
	g_autoptr(CwHealthMonitor) m = NULL;
	char detail[160];

	cw_service_context_reset(ctx);
	cw_service_context_set_setting(ctx, "health.check_interval_s", g_variant_new_double(100));
	cw_service_context_set_setting(ctx, "health.stall_timeout_s", g_variant_new_double(0.5));
	cw_service_context_set_setting(ctx, "health.watchdog_block_s", g_variant_new_double(0.3));
	m = monitor_start(host);
	cw_health_monitor_check_bots(m);
	g_usleep(900000); /* the "loop" is blocked: nothing is dispatched */
	g_assert_cmpint(cw_health_probe_check(CW_HEALTH_PROBE(m), detail, sizeof detail), ==,
			CW_HEALTH_FAILING);
	for (guint i = 0; i < 100 && count_events(host, "MAIN_LOOP_BLOCKED") == 0; i++) {
		g_main_context_iteration(NULL, FALSE);
		g_usleep(10000);
	}
	g_assert_cmpuint(count_events(host, "MAIN_LOOP_BLOCKED"), ==, 1);
	cw_health_monitor_check_bots(m);
	g_assert_cmpuint(count_events(host, "STALLED"), ==, 0);
	/* silence after the block is a stall again */
	g_usleep(600000);
	cw_health_monitor_check_bots(m);
	g_assert_cmpuint(count_events(host, "STALLED"), ==, 1);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* the monitor logs its findings as warnings: expected here */
	g_log_set_always_fatal(G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);
	g_test_add_func("/health/monitor/stall-k-intervals", test_stall_k_intervals);
	g_test_add_func("/health/monitor/threshold-warns-and-clears",
			test_threshold_warns_and_clears);
	g_test_add_func("/health/monitor/block-is-not-a-stall", test_block_is_not_a_stall);
	return g_test_run();
}
