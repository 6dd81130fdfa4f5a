/* CwTestFeed: a market feed driven by the test (see cw-test-feed.h). */
#include "cw-test-feed.h"

#include "cw-config.h"
#include "cw-execution.h"
#include "cw-strategies.h"

typedef struct {
	guint id;
	CwCandleFunc func;
	gpointer user_data;
} CwTestSink;

struct _CwTestFeed {
	GObject parent_instance;
	char *key;
	GArray *sinks; /* of CwTestSink */
	guint last_sink;
	gboolean started;
	guint n_starts;
	gint64 cursor;
	gint64 fast_forward;
	CwFeedState state;
	gboolean live; /* cw_test_feed_set_state() made it a live feed with counters */
};

static void cw_test_feed_iface_init(CwMarketFeedInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwTestFeed, cw_test_feed, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_MARKET_FEED, cw_test_feed_iface_init))

static GPtrArray *cw_test_feed_instances;

static gboolean
cw_test_feed_configure(CwMarketFeed *feed, const CwBotConfig *config, GError **error)
{
	CwTestFeed *self = CW_TEST_FEED(feed);
	JsonObject *section = cw_bot_config_get_section(config, "feed");
	const char *key = NULL;

	if (section != NULL && json_object_has_member(section, "key"))
		key = json_object_get_string_member(section, "key");
	if (key == NULL) {
		g_set_error_literal(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_MISSING,
				    "feed.key: required by the test feed");
		return FALSE;
	}
	g_free(self->key);
	self->key = g_strdup_printf("test:%s", key);
	return TRUE;
}

static const char *
cw_test_feed_get_key(CwMarketFeed *feed)
{
	return CW_TEST_FEED(feed)->key;
}

static guint
cw_test_feed_add_sink(CwMarketFeed *feed, CwCandleFunc func, gpointer user_data)
{
	CwTestFeed *self = CW_TEST_FEED(feed);
	CwTestSink sink = {++self->last_sink, func, user_data};

	g_array_append_val(self->sinks, sink);
	return sink.id;
}

static void
cw_test_feed_remove_sink(CwMarketFeed *feed, guint sink_id)
{
	CwTestFeed *self = CW_TEST_FEED(feed);

	for (guint i = 0; i < self->sinks->len; i++) {
		if (g_array_index(self->sinks, CwTestSink, i).id == sink_id) {
			g_array_remove_index(self->sinks, i);
			return;
		}
	}
}

static gboolean
cw_test_feed_start(CwMarketFeed *feed, GError **error)
{
	CwTestFeed *self = CW_TEST_FEED(feed);

	self->started = TRUE;
	self->n_starts++;
	return TRUE;
}

static void
cw_test_feed_stop(CwMarketFeed *feed)
{
	CW_TEST_FEED(feed)->started = FALSE;
}

static void
cw_test_feed_set_cursor(CwMarketFeed *feed, gint64 open_time)
{
	CW_TEST_FEED(feed)->cursor = open_time;
}

static void
cw_test_feed_set_fast_forward(CwMarketFeed *feed, gint64 until)
{
	CwTestFeed *self = CW_TEST_FEED(feed);

	self->fast_forward = MAX(self->fast_forward, until);
}

static CwFeedState
cw_test_feed_get_state(CwMarketFeed *feed)
{
	return CW_TEST_FEED(feed)->state;
}

/* NULL (a feed without counters, as a replay) until a state was set. */
static char *
cw_test_feed_describe_stats(CwMarketFeed *feed)
{
	CwTestFeed *self = CW_TEST_FEED(feed);
	GString *out;
	CwJsonWriter w;

	if (!self->live)
		return NULL;
	out = g_string_new(NULL);
	cw_json_writer_init(&w, out, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_string(&w, "key", self->key);
	cw_json_writer_member_string(&w, "state", cw_feed_state_to_string(self->state));
	cw_json_writer_end_object(&w);
	return g_string_free(out, FALSE);
}

static void
cw_test_feed_iface_init(CwMarketFeedInterface *iface)
{
	iface->get_state = cw_test_feed_get_state;
	iface->describe_stats = cw_test_feed_describe_stats;
	iface->configure = cw_test_feed_configure;
	iface->get_key = cw_test_feed_get_key;
	iface->add_sink = cw_test_feed_add_sink;
	iface->remove_sink = cw_test_feed_remove_sink;
	iface->start = cw_test_feed_start;
	iface->stop = cw_test_feed_stop;
	iface->set_cursor = cw_test_feed_set_cursor;
	iface->set_fast_forward = cw_test_feed_set_fast_forward;
}

static void
cw_test_feed_finalize(GObject *object)
{
	CwTestFeed *self = CW_TEST_FEED(object);

	g_ptr_array_remove(cw_test_feed_instances, self);
	g_array_unref(self->sinks);
	g_free(self->key);
	G_OBJECT_CLASS(cw_test_feed_parent_class)->finalize(object);
}

static void
cw_test_feed_class_init(CwTestFeedClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_test_feed_finalize;
}

static void
cw_test_feed_init(CwTestFeed *self)
{
	self->sinks = g_array_new(FALSE, FALSE, sizeof(CwTestSink));
	self->cursor = G_MININT64;
	self->fast_forward = G_MININT64;
	self->state = CW_FEED_STATE_STOPPED;
	g_ptr_array_add(cw_test_feed_instances, self);
}

void
cw_test_feed_register(void)
{
	static gsize once = 0;

	cw_strategies_register_types();
	cw_execution_register_types();
	if (!g_once_init_enter(&once))
		return;
	cw_test_feed_instances = g_ptr_array_new();
	g_io_extension_point_implement(CW_EXTENSION_POINT_MARKET_FEED, CW_TYPE_TEST_FEED, "test",
				       0);
	g_once_init_leave(&once, 1);
}

GPtrArray *
cw_test_feed_get_instances(void)
{
	return cw_test_feed_instances;
}

CwTestFeed *
cw_test_feed_find(const char *key)
{
	g_autofree char *full = g_strdup_printf("test:%s", key);

	for (guint i = cw_test_feed_instances->len; i > 0; i--) {
		CwTestFeed *feed = g_ptr_array_index(cw_test_feed_instances, i - 1);
		if (g_strcmp0(feed->key, full) == 0)
			return feed;
	}
	return NULL;
}

void
cw_test_feed_push(CwTestFeed *self, const CwCandle *candle)
{
	g_assert_true(self->started);
	if (candle->open_time <= self->cursor)
		return;
	/* by index: a sink may remove sinks */
	for (guint i = 0; i < self->sinks->len; i++) {
		CwTestSink *sink = &g_array_index(self->sinks, CwTestSink, i);
		sink->func(candle, sink->user_data);
	}
}

void
cw_test_feed_end(CwTestFeed *self, const char *reason)
{
	self->started = FALSE;
	g_signal_emit_by_name(self, "ended", reason);
}

gboolean
cw_test_feed_is_started(CwTestFeed *self)
{
	return self->started;
}

guint
cw_test_feed_get_n_starts(CwTestFeed *self)
{
	return self->n_starts;
}

guint
cw_test_feed_get_n_sinks(CwTestFeed *self)
{
	return self->sinks->len;
}

gint64
cw_test_feed_get_cursor(CwTestFeed *self)
{
	return self->cursor;
}

gint64
cw_test_feed_get_fast_forward(CwTestFeed *self)
{
	return self->fast_forward;
}

CwCandle
cw_test_feed_candle(gint64 open_time, double close)
{
	CwCandle c = {.open_time = open_time,
		      .interval_ms = 5 * 60 * 1000,
		      .open = close,
		      .high = close * 1.001,
		      .low = close * 0.999,
		      .close = close,
		      .volume = 10,
		      .symbol = g_quark_from_string("BTCUSDT")};
	return c;
}

/* Makes the feed a live one (with counters) in state, emitting
 * "state-changed". */
void
cw_test_feed_set_state(CwTestFeed *self, CwFeedState state)
{
	self->live = TRUE;
	cw_market_feed_change_state(CW_MARKET_FEED(self), &self->state, state);
}
