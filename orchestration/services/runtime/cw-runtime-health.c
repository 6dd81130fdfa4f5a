#include "cw-services-runtime.h"

struct _CwRuntimeHealth {
	GObject parent_instance;
	CwStore *store;
	CwStoreWriter *writer;
	CwStrategyManager *manager;
	char *db_path;
};

static void cw_runtime_health_host_init(CwHealthHostInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwRuntimeHealth, cw_runtime_health, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_HEALTH_HOST,
						    cw_runtime_health_host_init))

/* The bots with their feeds' states (cw_strategy_manager_foreach_health). */
static void
cw_runtime_health_foreach_bot(CwHealthHost *host, CwBotHealthFunc func, gpointer user_data)
{
	cw_strategy_manager_foreach_health(CW_RUNTIME_HEALTH(host)->manager, func, user_data);
}

static gboolean
cw_runtime_health_restart_bot(CwHealthHost *host, gint64 bot_id, const char *reason, GError **error)
{
	return cw_strategy_manager_restart_bot(CW_RUNTIME_HEALTH(host)->manager, bot_id, reason,
					       error);
}

static void
cw_runtime_health_fail_bot(CwHealthHost *host, gint64 bot_id, const char *message)
{
	cw_strategy_manager_fail_bot(CW_RUNTIME_HEALTH(host)->manager, bot_id, message);
}

static char *
cw_runtime_health_get_bot_state(CwHealthHost *host, gint64 bot_id, const char *key, GError **error)
{
	return cw_store_state_get(CW_RUNTIME_HEALTH(host)->store, bot_id, key, error);
}

/* Written at once, not queued: a restart count must survive a crash. */
static void
cw_runtime_health_set_bot_state(CwHealthHost *host, gint64 bot_id, const char *key,
				const char *value)
{
	g_autoptr(GError) error = NULL;

	if (!cw_store_state_set(CW_RUNTIME_HEALTH(host)->store, bot_id, key, value, &error))
		cw_log(G_LOG_LEVEL_WARNING, NULL, NULL,
		       "bot %" G_GINT64_FORMAT ": bot_state %s not written: %s", bot_id, key,
		       error->message);
}

static void
cw_runtime_health_emit_event(CwHealthHost *host, gint64 bot_id, CwEventType type, const char *json)
{
	cw_store_writer_event(CW_RUNTIME_HEALTH(host)->writer, bot_id, NULL,
			      cw_event_type_to_string(type), g_get_real_time() / 1000,
			      g_strdup(json));
}

static const char *
cw_runtime_health_get_db_path(CwHealthHost *host)
{
	return CW_RUNTIME_HEALTH(host)->db_path;
}

static void
cw_runtime_health_host_init(CwHealthHostInterface *iface)
{
	iface->foreach_bot = cw_runtime_health_foreach_bot;
	iface->restart_bot = cw_runtime_health_restart_bot;
	iface->fail_bot = cw_runtime_health_fail_bot;
	iface->get_bot_state = cw_runtime_health_get_bot_state;
	iface->set_bot_state = cw_runtime_health_set_bot_state;
	iface->emit_event = cw_runtime_health_emit_event;
	iface->get_db_path = cw_runtime_health_get_db_path;
}

static void
cw_runtime_health_finalize(GObject *object)
{
	CwRuntimeHealth *self = CW_RUNTIME_HEALTH(object);

	g_clear_object(&self->store);
	g_free(self->db_path);
	G_OBJECT_CLASS(cw_runtime_health_parent_class)->finalize(object);
}

static void
cw_runtime_health_class_init(CwRuntimeHealthClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_runtime_health_finalize;
}

static void
cw_runtime_health_init(CwRuntimeHealth *self)
{
}

CwRuntimeHealth *
cw_runtime_health_new(CwStore *store, CwStoreWriter *writer, CwStrategyManager *manager,
		      const char *db_path)
{
	CwRuntimeHealth *self = g_object_new(CW_TYPE_RUNTIME_HEALTH, NULL);

	self->store = g_object_ref(store);
	self->writer = writer;
	self->manager = manager;
	self->db_path = g_strdup(db_path);
	return self;
}
