/* An out-of-tree feed module for the tests: a market feed named "stall"
 * that delivers a few candles and then goes silent without ending, like a
 * WebSocket that stays connected but stops sending. Loaded from
 * $CW_MODULE_DIR. Its "feed" section: {"type": "stall", "candles": N}
 * (default 5). */
#include <gio/gio.h>

#include "cw-config.h"
#include "cw-core.h"

#define CW_TYPE_STALL_FEED (cw_stall_feed_get_type())
G_DECLARE_FINAL_TYPE(CwStallFeed, cw_stall_feed, CW, STALL_FEED, GObject)

struct _CwStallFeed {
	GObject parent_instance;
	char *key;
	GQuark symbol;
	gint64 interval_ms;
	guint n_candles;
	guint sent;
	gint64 cursor;
	CwCandleFunc func;
	gpointer func_data;
	guint source;
};

static void cw_stall_feed_iface_init(CwMarketFeedInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED(CwStallFeed, cw_stall_feed, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL,
			       G_IMPLEMENT_INTERFACE_DYNAMIC(CW_TYPE_MARKET_FEED,
							     cw_stall_feed_iface_init))

static gboolean
cw_stall_feed_configure(CwMarketFeed *feed, const CwBotConfig *config, GError **error)
{
	CwStallFeed *self = CW_STALL_FEED(feed);
	JsonObject *section = cw_bot_config_get_section(config, "feed");

	self->symbol = config->symbol_quark;
	self->interval_ms = config->interval_ms;
	self->n_candles = 5;
	if (section != NULL && json_object_has_member(section, "candles"))
		self->n_candles = (guint) json_object_get_int_member(section, "candles");
	/* one instance per bot */
	self->key = g_strdup_printf("stall:%p", (void *) self);
	return TRUE;
}

static const char *
cw_stall_feed_get_key(CwMarketFeed *feed)
{
	return CW_STALL_FEED(feed)->key;
}

static guint
cw_stall_feed_add_sink(CwMarketFeed *feed, CwCandleFunc func, gpointer user_data)
{
	CwStallFeed *self = CW_STALL_FEED(feed);

	self->func = func;
	self->func_data = user_data;
	return 1;
}

static void
cw_stall_feed_remove_sink(CwMarketFeed *feed, guint sink_id)
{
	CW_STALL_FEED(feed)->func = NULL;
}

static gboolean
cw_stall_feed_tick(gpointer user_data)
{
	CwStallFeed *self = user_data;
	gint64 base = 1700000000000 / self->interval_ms * self->interval_ms;
	CwCandle c = {.interval_ms = self->interval_ms, .symbol = self->symbol};

	if (self->sent >= self->n_candles) {
		/* silent from now on, and never "ended" */
		self->source = 0;
		return G_SOURCE_REMOVE;
	}
	c.open_time = base + (gint64) self->sent++ * self->interval_ms;
	c.open = c.high = c.low = c.close = 100 + self->sent;
	c.volume = 1;
	if (c.open_time > self->cursor && self->func != NULL)
		self->func(&c, self->func_data);
	return G_SOURCE_CONTINUE;
}

static gboolean
cw_stall_feed_start(CwMarketFeed *feed, GError **error)
{
	CwStallFeed *self = CW_STALL_FEED(feed);

	if (self->source == 0)
		self->source = g_timeout_add(20, cw_stall_feed_tick, self);
	return TRUE;
}

static void
cw_stall_feed_stop(CwMarketFeed *feed)
{
	CwStallFeed *self = CW_STALL_FEED(feed);

	if (self->source != 0)
		g_source_remove(self->source);
	self->source = 0;
}

static void
cw_stall_feed_set_cursor(CwMarketFeed *feed, gint64 open_time)
{
	CW_STALL_FEED(feed)->cursor = open_time;
}

static void
cw_stall_feed_iface_init(CwMarketFeedInterface *iface)
{
	iface->configure = cw_stall_feed_configure;
	iface->get_key = cw_stall_feed_get_key;
	iface->add_sink = cw_stall_feed_add_sink;
	iface->remove_sink = cw_stall_feed_remove_sink;
	iface->start = cw_stall_feed_start;
	iface->stop = cw_stall_feed_stop;
	iface->set_cursor = cw_stall_feed_set_cursor;
}

static void
cw_stall_feed_finalize(GObject *object)
{
	CwStallFeed *self = CW_STALL_FEED(object);

	cw_stall_feed_stop(CW_MARKET_FEED(self));
	g_free(self->key);
	G_OBJECT_CLASS(cw_stall_feed_parent_class)->finalize(object);
}

static void
cw_stall_feed_class_init(CwStallFeedClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_stall_feed_finalize;
}

static void
cw_stall_feed_class_finalize(CwStallFeedClass *klass)
{
}

static void
cw_stall_feed_init(CwStallFeed *self)
{
	self->cursor = G_MININT64;
}

/* GIO module entry points */
void g_io_module_load(GIOModule *module);
void g_io_module_unload(GIOModule *module);
char **g_io_module_query(void);

void
g_io_module_load(GIOModule *module)
{
	cw_stall_feed_register_type(G_TYPE_MODULE(module));
	cw_extension_points_register();
	g_io_extension_point_implement(CW_EXTENSION_POINT_MARKET_FEED, CW_TYPE_STALL_FEED, "stall",
				       0);
}

void
g_io_module_unload(GIOModule *module)
{
}

char **
g_io_module_query(void)
{
	return g_strsplit(CW_EXTENSION_POINT_MARKET_FEED, "!", -1);
}
