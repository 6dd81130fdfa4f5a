#include "cw-services-store.h"

#include <string.h>

#include "cw-config.h"

/* Notification kinds, their level, default mode and the journal event
 * types they come from. Types that a later candlewick adds (stalls,
 * health warnings, feed outages, reconciliation) are matched by name. */
typedef struct {
	const char *kind;
	CwNotificationLevel level;
	CwNotifyMode def;
	const char *events[3];
} CwOutboxKind;

static const CwOutboxKind cw_outbox_kinds[] = {
    {"entry_fill", CW_NOTIFICATION_INFO, CW_NOTIFY_MODE_ON, {"POSITION_OPENED"}},
    {"exit_fill", CW_NOTIFICATION_INFO, CW_NOTIFY_MODE_ON, {"TRADE_CLOSED"}},
    {"stop_moved", CW_NOTIFICATION_INFO, CW_NOTIFY_MODE_SILENT, {"STOP_MOVED"}},
    {"guard_tripped", CW_NOTIFICATION_WARNING, CW_NOTIFY_MODE_ON, {"GUARD_TRIPPED"}},
    {"mode_changed", CW_NOTIFICATION_WARNING, CW_NOTIFY_MODE_ON, {"MODE_CHANGED", "KILL_SWITCH"}},
    {"bot_stalled", CW_NOTIFICATION_CRITICAL, CW_NOTIFY_MODE_ON, {"STALLED", "BOT_STALLED"}},
    {"bot_restarted", CW_NOTIFICATION_WARNING, CW_NOTIFY_MODE_ON, {"BOT_RESTARTED"}},
    {"bot_error", CW_NOTIFICATION_CRITICAL, CW_NOTIFY_MODE_ON, {"BOT_ERROR"}},
    {"health_warning", CW_NOTIFICATION_WARNING, CW_NOTIFY_MODE_ON, {"HEALTH_WARNING"}},
    {"feed_disconnected",
     CW_NOTIFICATION_WARNING,
     CW_NOTIFY_MODE_ON,
     {"FEED_DISCONNECTED", "FEED_DOWN"}},
    {"feed_recovered", CW_NOTIFICATION_INFO, CW_NOTIFY_MODE_ON, {"FEED_UP"}},
    {"reconciliation",
     CW_NOTIFICATION_CRITICAL,
     CW_NOTIFY_MODE_ON,
     {"RECONCILE_DISCREPANCY", "RECONCILIATION_DISCREPANCY", "RECONCILIATION"}},
    /* an order of the bot's that the restored state did not track,
     * cancelled at the venue or claimed back: the bot keeps trading */
    {"order_reconciled",
     CW_NOTIFICATION_WARNING,
     CW_NOTIFY_MODE_ON,
     {"RECONCILE_CANCEL", "RECONCILE_ADOPT"}},
    {"daily_summary", CW_NOTIFICATION_INFO, CW_NOTIFY_MODE_ON, {NULL}},
};

#define CW_OUTBOX_N_KINDS G_N_ELEMENTS(cw_outbox_kinds)

struct _CwOutboxRouter {
	GObject parent_instance;
	GPtrArray *targets;      /* CwOutboxTarget */
	GHashTable *bot_names;   /* bot id -> name, cached */
	gint64 cursor_warned_us; /* monotonic time of the last cursor warning */
	guint64 n_cursor_errors; /* claims that found the cursor unreadable */
};

G_DEFINE_FINAL_TYPE(CwOutboxRouter, cw_outbox_router, G_TYPE_OBJECT)

static void
cw_outbox_target_free(CwOutboxTarget *t)
{
	g_free(t->name);
	g_free(t->type);
	g_free(t->section_json);
	g_free(t->modes);
	g_strfreev(t->bots);
	g_clear_pointer(&t->summary_tz, g_time_zone_unref);
	g_free(t);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwOutboxTarget, cw_outbox_target_free)

static void
cw_outbox_router_finalize(GObject *object)
{
	CwOutboxRouter *self = CW_OUTBOX_ROUTER(object);

	g_ptr_array_unref(self->targets);
	g_hash_table_unref(self->bot_names);
	G_OBJECT_CLASS(cw_outbox_router_parent_class)->finalize(object);
}

static void
cw_outbox_router_class_init(CwOutboxRouterClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_outbox_router_finalize;
}

static void
cw_outbox_router_init(CwOutboxRouter *self)
{
	self->targets = g_ptr_array_new_with_free_func((GDestroyNotify) cw_outbox_target_free);
	self->bot_names = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
}

static int
cw_outbox_kind_index(const char *kind)
{
	for (guint i = 0; i < CW_OUTBOX_N_KINDS; i++)
		if (g_str_equal(cw_outbox_kinds[i].kind, kind))
			return (int) i;
	return -1;
}

/** cw_outbox_router_kind_for_event: Returns: (nullable): the kind. */
const char *
cw_outbox_router_kind_for_event(const char *event_type)
{
	for (guint i = 0; i < CW_OUTBOX_N_KINDS; i++)
		for (guint j = 0; j < G_N_ELEMENTS(cw_outbox_kinds[i].events); j++)
			if (g_strcmp0(cw_outbox_kinds[i].events[j], event_type) == 0)
				return cw_outbox_kinds[i].kind;
	return NULL;
}

static gboolean
cw_outbox_router_read_events(CwOutboxTarget *t, JsonObject *obj, const char *path, GError **error)
{
	static const char *const modes[] = {"off", "on", "silent", NULL};
	JsonObject *events = NULL;
	g_autofree char *events_path = g_strdup_printf("%s.events", path);
	g_autoptr(GList) names = NULL;

	t->modes = g_new0(guint8, CW_OUTBOX_N_KINDS);
	for (guint i = 0; i < CW_OUTBOX_N_KINDS; i++)
		t->modes[i] = (guint8) cw_outbox_kinds[i].def;
	if (!cw_config_read_object(obj, path, "events", &events, error))
		return FALSE;
	if (events == NULL)
		return TRUE;
	names = json_object_get_members(events);
	for (GList *l = names; l != NULL; l = l->next) {
		int k = cw_outbox_kind_index(l->data);
		guint mode = 0;
		if (k < 0) {
			g_autoptr(GString) known = g_string_new(NULL);
			for (guint i = 0; i < CW_OUTBOX_N_KINDS; i++)
				g_string_append_printf(known, "%s%s", i > 0 ? ", " : "",
						       cw_outbox_kinds[i].kind);
			return cw_config_error_at(error, CW_CONFIG_ERROR_UNKNOWN_KEY, events_path,
						  l->data, "unknown event (known: %s)", known->str);
		}
		if (!cw_config_read_choice(events, events_path, l->data, modes, 1, &mode, error))
			return FALSE;
		t->modes[k] = (guint8) mode;
	}
	return TRUE;
}

static gboolean
cw_outbox_router_read_bots(CwOutboxTarget *t, JsonObject *obj, const char *path, GError **error)
{
	JsonArray *bots = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);

	if (!cw_config_read_array(obj, path, "bots", 0, 100000, &bots, error))
		return FALSE;
	if (bots == NULL)
		return TRUE;
	for (guint i = 0; i < json_array_get_length(bots); i++) {
		JsonNode *node = json_array_get_element(bots, i);
		if (!JSON_NODE_HOLDS_VALUE(node) ||
		    json_node_get_value_type(node) != G_TYPE_STRING) {
			g_autofree char *key = g_strdup_printf("bots[%u]", i);
			return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, path, key,
						  "expected a bot name (a string), got %s",
						  cw_config_node_describe(node));
		}
		g_ptr_array_add(names, g_strdup(json_node_get_string(node)));
	}
	g_ptr_array_add(names, NULL);
	t->bots = (GStrv) g_ptr_array_free(g_steal_pointer(&names), FALSE);
	return TRUE;
}

static gboolean
cw_outbox_router_read_summary(CwOutboxTarget *t, JsonObject *obj, const char *path, GError **error)
{
	static const char *const known[] = {"time", "timezone", NULL};
	g_autofree char *sub = g_strdup_printf("%s.daily_summary", path);
	JsonObject *summary = NULL;
	const char *zone = NULL;

	if (!cw_config_read_object(obj, path, "daily_summary", &summary, error))
		return FALSE;
	if (summary == NULL)
		return TRUE;
	if (!cw_config_check_keys(summary, sub, known, error) ||
	    !cw_config_read_time_of_day(summary, sub, "time", 20 * 60, &t->summary_minute, error) ||
	    !cw_config_read_string(summary, sub, "timezone", "UTC", &zone, error))
		return FALSE;
	t->summary_tz = cw_config_time_zone_new(zone, sub, "timezone", error);
	return t->summary_tz != NULL;
}

/* The notifier's own keys: everything but what the router and the worker
 * read. */
static char *
cw_outbox_router_section(JsonObject *obj, const char *const *common)
{
	g_autoptr(JsonObject) copy = json_object_new();
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	g_autoptr(GList) names = json_object_get_members(obj);

	for (GList *l = names; l != NULL; l = l->next)
		if (!g_strv_contains(common, l->data))
			json_object_set_member(
			    copy, l->data, json_node_copy(json_object_get_member(obj, l->data)));
	json_node_set_object(node, copy);
	return cw_json_to_string(node, FALSE);
}

static CwOutboxTarget *
cw_outbox_router_read_target(CwOutboxRouter *self, JsonObject *obj, const char *path,
			     GError **error)
{
	static const char *const common[] = {"name",
					     "type",
					     "events",
					     "bots",
					     "max_attempts",
					     "backoff_initial_s",
					     "backoff_max_s",
					     "daily_summary",
					     "feed_disconnected_after_s",
					     NULL};
	g_autoptr(CwOutboxTarget) t = g_new0(CwOutboxTarget, 1);
	const char *type = NULL;
	const char *name = NULL;

	if (!cw_config_read_string(obj, path, "type", NULL, &type, error))
		return NULL;
	if (type == NULL) {
		cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, path, "type",
				   "required (telegram, webhook, ...)");
		return NULL;
	}
	if (!cw_config_read_string(obj, path, "name", type, &name, error) ||
	    !cw_config_read_uint(obj, path, "max_attempts", 10, 1, 1000, &t->max_attempts, error) ||
	    !cw_config_read_double(obj, path, "backoff_initial_s", 2, 0.01, 3600,
				   &t->backoff_initial_s, error) ||
	    !cw_config_read_double(obj, path, "backoff_max_s", 600, 0.01, 86400, &t->backoff_max_s,
				   error) ||
	    !cw_outbox_router_read_events(t, obj, path, error) ||
	    !cw_outbox_router_read_bots(t, obj, path, error) ||
	    !cw_outbox_router_read_summary(t, obj, path, error) ||
	    !cw_config_read_double(obj, path, "feed_disconnected_after_s", 60, 0, 86400,
				   &t->feed_disconnected_after_s, error))
		return NULL;
	if (name[0] == '\0' || strpbrk(name, " \t\r\n") != NULL) {
		cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, path, "name",
				   "expected a name without spaces");
		return NULL;
	}
	for (guint i = 0; i < self->targets->len; i++)
		if (g_str_equal(((CwOutboxTarget *) g_ptr_array_index(self->targets, i))->name,
				name)) {
			cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, path, "name",
					   "'%s' is the name of an earlier notifier; give each "
					   "its own \"name\"",
					   name);
			return NULL;
		}
	t->name = g_strdup(name);
	t->type = g_strdup(type);
	t->section_json = cw_outbox_router_section(obj, common);
	return g_steal_pointer(&t);
}

/** cw_outbox_router_new_from_json: Returns: (transfer full): the router, or NULL. */
CwOutboxRouter *
cw_outbox_router_new_from_json(JsonArray *array, GError **error)
{
	g_autoptr(CwOutboxRouter) self = g_object_new(CW_TYPE_OUTBOX_ROUTER, NULL);

	for (guint i = 0; array != NULL && i < json_array_get_length(array); i++) {
		JsonNode *node = json_array_get_element(array, i);
		g_autofree char *path = g_strdup_printf("notifications[%u]", i);
		CwOutboxTarget *t;
		if (!JSON_NODE_HOLDS_OBJECT(node)) {
			cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, path, NULL,
					   "expected an object, got %s",
					   cw_config_node_describe(node));
			return NULL;
		}
		t = cw_outbox_router_read_target(self, json_node_get_object(node), path, error);
		if (t == NULL)
			return NULL;
		g_ptr_array_add(self->targets, t);
	}
	return g_steal_pointer(&self);
}

guint
cw_outbox_router_get_n_targets(CwOutboxRouter *self)
{
	return self->targets->len;
}

const CwOutboxTarget *
cw_outbox_router_get_target(CwOutboxRouter *self, guint index)
{
	g_return_val_if_fail(index < self->targets->len, NULL);
	return g_ptr_array_index(self->targets, index);
}

/** cw_outbox_router_attach: routes store's writers through self (NULL: none). */
void
cw_outbox_router_attach(CwOutboxRouter *self, CwStore *store)
{
	g_object_set_data_full(G_OBJECT(store), "cw-outbox-router",
			       self != NULL ? g_object_ref(self) : NULL,
			       self != NULL ? g_object_unref : NULL);
}

/** cw_outbox_router_get_for_store: Returns: (transfer none) (nullable): the router. */
CwOutboxRouter *
cw_outbox_router_get_for_store(CwStore *store)
{
	return g_object_get_data(G_OBJECT(store), "cw-outbox-router");
}

static const char *
cw_outbox_router_bot_name(CwOutboxRouter *self, CwStore *store, gint64 bot_id)
{
	g_auto(CwStoreBot) bot = {0};
	const char *name;

	if (bot_id <= 0)
		return NULL;
	name = g_hash_table_lookup(self->bot_names, &bot_id);
	if (name != NULL)
		return name;
	if (!cw_store_bot_get_by_id(store, bot_id, &bot, NULL) || bot.name == NULL)
		return NULL;
	g_hash_table_insert(self->bot_names, g_memdup2(&bot_id, sizeof bot_id), g_strdup(bot.name));
	return g_hash_table_lookup(self->bot_names, &bot_id);
}

static gboolean
cw_outbox_target_takes(const CwOutboxTarget *t, int kind, const char *bot_name)
{
	if (t->modes[kind] == CW_NOTIFY_MODE_OFF)
		return FALSE;
	return t->bots == NULL ||
	       (bot_name != NULL && g_strv_contains((const char *const *) t->bots, bot_name));
}

static gboolean
cw_outbox_router_write(CwOutboxRouter *self, CwStore *store, const CwOutboxTarget *t, int k,
		       gint64 bot_id, const char *bot_name, const char *strategy_id,
		       const char *title, const char *body, const char *key_base, gint64 created_at,
		       GError **error)
{
	g_autofree char *key = g_strdup_printf("%s-%s", key_base, t->name);
	CwStoreOutboxRow row = {0};

	row.key = key;
	row.notifier = t->name;
	row.bot_id = bot_id;
	row.bot_name = (char *) bot_name;
	row.strategy_id = (char *) strategy_id;
	row.event_type = (char *) cw_outbox_kinds[k].kind;
	row.level = (char *) cw_notification_level_to_string(cw_outbox_kinds[k].level);
	row.silent = t->modes[k] == CW_NOTIFY_MODE_SILENT;
	row.title = (char *) title;
	row.body = (char *) body;
	row.created_at = created_at;
	row.next_attempt_at = 0;
	return cw_store_outbox_insert(store, &row, error) >= 0;
}

/** cw_outbox_router_enqueue_outage: cw_outbox_router_enqueue() with an outage's length. */
gboolean
cw_outbox_router_enqueue_outage(CwOutboxRouter *self, CwStore *store, gint64 bot_id,
				const char *bot_name, const char *strategy_id, const char *kind,
				const char *title, const char *body, const char *key_base,
				gint64 created_at, double outage_s, GError **error)
{
	int k = cw_outbox_kind_index(kind);
	gboolean outage = g_str_equal(kind, "feed_disconnected");

	g_return_val_if_fail(k >= 0, FALSE);
	for (guint i = 0; i < self->targets->len; i++) {
		const CwOutboxTarget *t = g_ptr_array_index(self->targets, i);
		if (!cw_outbox_target_takes(t, k, bot_name) ||
		    (outage && outage_s >= 0 && outage_s < t->feed_disconnected_after_s))
			continue;
		if (!cw_outbox_router_write(self, store, t, k, bot_id, bot_name, strategy_id, title,
					    body, key_base, created_at, error))
			return FALSE;
	}
	return TRUE;
}

/** cw_outbox_router_enqueue: writes the message's rows; FALSE on a store error. */
gboolean
cw_outbox_router_enqueue(CwOutboxRouter *self, CwStore *store, gint64 bot_id, const char *bot_name,
			 const char *strategy_id, const char *kind, const char *title,
			 const char *body, const char *key_base, gint64 created_at, GError **error)
{
	return cw_outbox_router_enqueue_outage(self, store, bot_id, bot_name, strategy_id, kind,
					       title, body, key_base, created_at, -1, error);
}

/** cw_outbox_router_enqueue_for: writes the row of one target, if it takes kind. */
gboolean
cw_outbox_router_enqueue_for(CwOutboxRouter *self, CwStore *store, const CwOutboxTarget *target,
			     const char *kind, const char *title, const char *body,
			     const char *key_base, gint64 created_at, GError **error)
{
	int k = cw_outbox_kind_index(kind);

	g_return_val_if_fail(k >= 0, FALSE);
	if (target->modes[k] == CW_NOTIFY_MODE_OFF)
		return TRUE;
	return cw_outbox_router_write(self, store, target, k, 0, NULL, NULL, title, body, key_base,
				      created_at, error);
}

static void
cw_outbox_router_describe(const CwEvent *e, const char *kind, const char *bot, GString *title,
			  GString *body)
{
	const char *who = bot != NULL ? bot : "service";
	const char *strategy = e->strategy_id != 0 ? g_quark_to_string(e->strategy_id) : NULL;

	if (g_str_equal(kind, "entry_fill") && e->position != NULL) {
		g_string_printf(title, "%s: entry %s %s", who,
				cw_direction_to_string(e->position->direction),
				g_quark_to_string(e->position->symbol));
		g_string_printf(body, "qty %.8g at %.8g", e->position->qty,
				e->position->entry_price);
		if (e->position->stop_price > 0)
			g_string_append_printf(body, ", stop %.8g", e->position->stop_price);
	} else if (g_str_equal(kind, "exit_fill") && e->trade != NULL) {
		g_string_printf(title, "%s: exit %s %s, PnL %+.2f", who,
				cw_direction_to_string(e->trade->direction),
				g_quark_to_string(e->trade->symbol), e->trade->net_pnl);
		g_string_printf(body, "entry %.8g, exit %.8g, qty %.8g, fees %.4g (%s)",
				e->trade->entry_price, e->trade->exit_price, e->trade->qty,
				e->trade->fees, cw_order_purpose_to_string(e->trade->exit_reason));
	} else if (g_str_equal(kind, "stop_moved")) {
		g_string_printf(title, "%s: stop moved to %.8g", who, e->value);
		if (e->position != NULL)
			g_string_printf(body, "%s %s",
					cw_direction_to_string(e->position->direction),
					g_quark_to_string(e->position->symbol));
	} else {
		g_autofree char *label = g_strdup(kind);
		g_strdelimit(label, "_", ' ');
		g_string_printf(title, "%s: %s", who, label);
		if (e->source != NULL)
			g_string_append_printf(body, "%s", e->source);
		if (e->reason != NULL)
			g_string_append_printf(body, "%s%s", body->len > 0 ? ": " : "", e->reason);
	}
	if (strategy != NULL)
		g_string_append_printf(body, "%sstrategy %s", body->len > 0 ? "\n" : "", strategy);
}

/* A MODE_CHANGED that is no message: a bot applying its operator's mode
 * (source "manual": the operator's own event is the message) or a
 * restart re-applying the persisted one (source "restore"). */
static gboolean
cw_outbox_router_mode_echo(const char *source)
{
	return g_strcmp0(source, "manual") == 0 || g_strcmp0(source, "restore") == 0;
}

/* The "source" of a journal row's payload, or NULL. */
static char *
cw_outbox_router_payload_source(const char *payload_json)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonNode *root;
	JsonObject *o;

	if (payload_json == NULL || !json_parser_load_from_data(parser, payload_json, -1, NULL))
		return NULL;
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		return NULL;
	o = json_node_get_object(root);
	if (!json_object_has_member(o, "source") ||
	    !JSON_NODE_HOLDS_VALUE(json_object_get_member(o, "source")) ||
	    json_node_get_value_type(json_object_get_member(o, "source")) != G_TYPE_STRING)
		return NULL;
	return g_strdup(json_object_get_string_member(o, "source"));
}

/** cw_outbox_router_route_event: writes the outbox rows of one journal event. */
gboolean
cw_outbox_router_route_event(CwOutboxRouter *self, CwStore *store, gint64 bot_id,
			     const CwEvent *event, gint64 event_seq, GError **error)
{
	const char *kind = cw_outbox_router_kind_for_event(cw_event_type_to_string(event->type));
	g_autoptr(GString) title = NULL;
	g_autoptr(GString) body = NULL;
	g_autofree char *key_base = NULL;
	const char *bot_name;

	if (kind == NULL || self->targets->len == 0)
		return TRUE;
	/* an echo of a mode (cw_outbox_router_mode_echo()); a mode a guard
	 * demands (source "guard") is sent */
	if (event->type == CW_EVENT_MODE_CHANGED && cw_outbox_router_mode_echo(event->source))
		return TRUE;
	bot_name = cw_outbox_router_bot_name(self, store, bot_id);
	title = g_string_new(NULL);
	body = g_string_new(NULL);
	cw_outbox_router_describe(event, kind, bot_name, title, body);
	/* the journal's sequence number: the same key on every attempt */
	key_base = g_strdup_printf("cw-evt%" G_GINT64_FORMAT, event_seq);
	/* a feed outage's length, in seconds, is the event's value */
	return cw_outbox_router_enqueue_outage(
	    self, store, bot_id, bot_name,
	    event->strategy_id != 0 ? g_quark_to_string(event->strategy_id) : NULL, kind,
	    title->str, body->str, key_base, event->time, event->value > 0 ? event->value : -1,
	    error);
}

/* A feed outage's length from a named event's payload: the number at
 * "disconnected_s" or "duration_s", -1 when there is none. */
static double
cw_outbox_router_payload_seconds(const char *payload_json)
{
	static const char *const keys[] = {"disconnected_s", "duration_s"};
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonNode *root;

	if (payload_json == NULL || !json_parser_load_from_data(parser, payload_json, -1, NULL))
		return -1;
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		return -1;
	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		JsonNode *n = json_object_get_member(json_node_get_object(root), keys[i]);
		if (n != NULL && JSON_NODE_HOLDS_VALUE(n) &&
		    (json_node_get_value_type(n) == G_TYPE_INT64 ||
		     json_node_get_value_type(n) == G_TYPE_DOUBLE))
			return json_node_get_double(n);
	}
	return -1;
}

/** cw_outbox_router_route_named: writes the outbox rows of a named journal event. */
gboolean
cw_outbox_router_route_named(CwOutboxRouter *self, CwStore *store, gint64 bot_id,
			     const char *strategy_id, const char *type, gint64 time,
			     const char *payload_json, gint64 event_seq, GError **error)
{
	const char *kind = cw_outbox_router_kind_for_event(type);
	g_autofree char *title = NULL;
	g_autofree char *label = NULL;
	g_autofree char *key_base = NULL;
	const char *bot_name;

	if (kind == NULL || self->targets->len == 0)
		return TRUE;
	if (g_strcmp0(type, "MODE_CHANGED") == 0) {
		g_autofree char *source = cw_outbox_router_payload_source(payload_json);

		if (cw_outbox_router_mode_echo(source))
			return TRUE;
	}
	bot_name = cw_outbox_router_bot_name(self, store, bot_id);
	label = g_strdelimit(g_strdup(kind), "_", ' ');
	title = g_strdup_printf("%s: %s", bot_name != NULL ? bot_name : "service", label);
	key_base = g_strdup_printf("cw-evt%" G_GINT64_FORMAT, event_seq);
	return cw_outbox_router_enqueue_outage(
	    self, store, bot_id, bot_name, strategy_id, kind, title,
	    payload_json != NULL ? payload_json : "", key_base, time,
	    cw_outbox_router_payload_seconds(payload_json), error);
}

/* Routes the journal rows with *cursor < seq < below, in seq order, and
 * leaves *cursor at the last of them; *n (nullable) counts them. Reads
 * the journal in pages, so the catch-up of a long outage stays small. */
static gboolean
cw_outbox_router_route_past(CwOutboxRouter *self, CwStore *store, gint64 *cursor, gint64 below,
			    guint *n, GError **error)
{
	enum { PAGE = 256 };

	for (;;) {
		g_autoptr(GPtrArray) rows =
		    cw_store_events_query(store, -1, NULL, *cursor, PAGE, error);
		if (rows == NULL)
			return FALSE;
		for (guint i = 0; i < rows->len; i++) {
			const CwStoreEvent *e = g_ptr_array_index(rows, i);
			if (e->seq >= below)
				return TRUE;
			if (!cw_outbox_router_route_named(self, store, e->bot_id, e->strategy_id,
							  e->type, e->time, e->payload, e->seq,
							  error))
				return FALSE;
			*cursor = e->seq;
			if (n != NULL)
				(*n)++;
		}
		if (rows->len < PAGE)
			return TRUE;
	}
}

/** cw_outbox_router_claim: FALSE with error on a store error. */
gboolean
cw_outbox_router_claim(CwOutboxRouter *self, CwStore *store, gint64 seq, GError **error)
{
	g_autoptr(GError) local = NULL;
	gint64 cursor = 0;
	gint64 now;

	/* the common case: nothing was journalled unrouted since */
	if (cw_store_outbox_get_cursor(store, &cursor, &local) &&
	    (cursor >= seq - 1 ||
	     cw_outbox_router_route_past(self, store, &cursor, seq, NULL, &local)))
		return cw_store_outbox_set_cursor(store, seq, error);
	if (!g_error_matches(local, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT)) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	/* a cursor (or a journal row past it) that cannot be read: the event
	 * is kept and the cursor stays where it is, so nothing is guessed and
	 * nothing lost; the caller still routes its own event */
	self->n_cursor_errors++;
	now = g_get_monotonic_time();
	if (self->cursor_warned_us == 0 || now - self->cursor_warned_us >= 10 * G_USEC_PER_SEC) {
		self->cursor_warned_us = now;
		g_warning("notifications: the journal past the routing cursor is not routed: %s "
			  "(%" G_GUINT64_FORMAT " times)",
			  local->message, self->n_cursor_errors);
	}
	return TRUE;
}

static gboolean
cw_outbox_router_catch_up_in(CwOutboxRouter *self, CwStore *store, guint *n, GError **error)
{
	gint64 cursor = 0;

	return cw_store_outbox_get_cursor(store, &cursor, error) &&
	       cw_outbox_router_route_past(self, store, &cursor, G_MAXINT64, n, error) &&
	       cw_store_outbox_set_cursor(store, cursor, error);
}

/** cw_outbox_router_catch_up: FALSE with error (nothing routed) on a store error. */
gboolean
cw_outbox_router_catch_up(CwOutboxRouter *self, CwStore *store, guint *n_routed, GError **error)
{
	guint n = 0;

	if (n_routed != NULL)
		*n_routed = 0;
	if (cw_store_in_transaction(store)) {
		if (!cw_outbox_router_catch_up_in(self, store, &n, error))
			return FALSE;
	} else {
		if (!cw_store_begin(store, error))
			return FALSE;
		if (!cw_outbox_router_catch_up_in(self, store, &n, error) ||
		    !cw_store_commit(store, error)) {
			cw_store_rollback(store, NULL);
			return FALSE;
		}
	}
	if (n_routed != NULL)
		*n_routed = n;
	return TRUE;
}
