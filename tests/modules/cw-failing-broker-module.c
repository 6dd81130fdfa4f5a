/* An out-of-tree feature module for the tests: a broker named "failing"
 * that refuses every order, loaded by the executable from $CW_MODULE_DIR
 * like any third-party module. It shows that one bot's broker failing does
 * not change another bot's trades, and that modules plug in without any
 * change to the engine. */
#include <gio/gio.h>

#include "cw-core.h"

#define CW_TYPE_FAILING_BROKER (cw_failing_broker_get_type())
G_DECLARE_FINAL_TYPE(CwFailingBroker, cw_failing_broker, CW, FAILING_BROKER, GObject)

struct _CwFailingBroker {
	GObject parent_instance;
	CwExecutionSink sink;
	gpointer sink_data;
	guint64 refused;
};

static void cw_failing_broker_iface_init(CwBrokerInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED(CwFailingBroker, cw_failing_broker, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL,
			       G_IMPLEMENT_INTERFACE_DYNAMIC(CW_TYPE_BROKER,
							     cw_failing_broker_iface_init))

static void
cw_failing_broker_set_report_sink(CwBroker *broker, CwExecutionSink sink, gpointer user_data)
{
	CwFailingBroker *self = CW_FAILING_BROKER(broker);

	self->sink = sink;
	self->sink_data = user_data;
}

static gboolean
cw_failing_broker_submit(CwBroker *broker, const CwOrder *order, GError **error)
{
	CW_FAILING_BROKER(broker)->refused++;
	/* transient: the engine retries with backoff, then gives up */
	cw_broker_set_error(error, CW_BROKER_ERROR_TRANSIENT, 0, 0,
			    "failing broker: order %s refused (exchange unavailable)",
			    order->client_order_id);
	return FALSE;
}

static gboolean
cw_failing_broker_cancel(CwBroker *broker, const char *client_order_id, GError **error)
{
	return TRUE;
}

static void
cw_failing_broker_iface_init(CwBrokerInterface *iface)
{
	iface->set_report_sink = cw_failing_broker_set_report_sink;
	iface->submit = cw_failing_broker_submit;
	iface->cancel = cw_failing_broker_cancel;
}

static void
cw_failing_broker_class_init(CwFailingBrokerClass *klass)
{
}

static void
cw_failing_broker_class_finalize(CwFailingBrokerClass *klass)
{
}

static void
cw_failing_broker_init(CwFailingBroker *self)
{
}

/* GIO module entry points */
void g_io_module_load(GIOModule *module);
void g_io_module_unload(GIOModule *module);
char **g_io_module_query(void);

void
g_io_module_load(GIOModule *module)
{
	cw_failing_broker_register_type(G_TYPE_MODULE(module));
	cw_extension_points_register();
	g_io_extension_point_implement(CW_EXTENSION_POINT_BROKER, CW_TYPE_FAILING_BROKER, "failing",
				       0);
}

void
g_io_module_unload(GIOModule *module)
{
}

char **
g_io_module_query(void)
{
	return g_strsplit(CW_EXTENSION_POINT_BROKER, "!", -1);
}
