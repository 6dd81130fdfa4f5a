/* CwBotAdmin: validation and store calls behind the operator's commands. */
#include "cw-services-runtime.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "cw-bot-admin.h"
#include "cw-execution.h"
#include "cw-feed-hub.h"

static gint64
cw_bot_admin_now_ms(void)
{
	return g_get_real_time() / 1000;
}

/**
 * cw_bot_admin_validate:
 * @config_json: the bot configuration as JSON text
 *
 * Returns: (transfer full) (nullable): the parsed configuration, %NULL with
 *   @error set when the service could not run it
 */
CwBotConfig *
cw_bot_admin_validate(const char *config_json, GError **error)
{
	g_autoptr(CwBotConfig) config = NULL;

	g_return_val_if_fail(config_json != NULL, NULL);

	config = cw_bot_config_new_from_data(config_json, -1, error);
	if (config == NULL)
		return NULL;
	/* the service builds one orchestrator per strategy; whatever that
	 * refuses (strategy parameters, broker, guardrails) is refused here */
	for (guint i = 0; i < config->n_strategies; i++) {
		g_autoptr(CwTradingOrchestrator) orch =
		    cw_trading_orchestrator_new(config, config->strategies[i], NULL, error);
		if (orch == NULL)
			return NULL;
	}
	/* and the feed, through its own configure (not started) */
	{
		g_autoptr(CwMarketFeed) feed = cw_feed_hub_new_feed(config, error);
		if (feed == NULL)
			return NULL;
	}
	return g_steal_pointer(&config);
}

/**
 * cw_bot_admin_add:
 * @config_json: the bot configuration
 * @enabled: whether the service should run the bot
 * @name: (out) (optional): the bot's name
 *
 * Returns: the new bot's id, -1 on error (nothing written)
 */
gint64
cw_bot_admin_add(CwStore *store, const char *config_json, gboolean enabled, char **name,
		 GError **error)
{
	g_autoptr(CwBotConfig) config = NULL;
	gint64 id;

	g_return_val_if_fail(CW_IS_STORE(store), -1);

	config = cw_bot_admin_validate(config_json, error);
	if (config == NULL)
		return -1;
	id = cw_store_bot_add(store, config->name, config_json, enabled, error);
	if (id > 0 && name != NULL)
		*name = g_strdup(config->name);
	return id;
}

static gboolean
cw_bot_admin_parse_id(const char *text, gint64 *id)
{
	char *end = NULL;
	gint64 n;

	if (text[0] == '\0' || !g_ascii_isdigit(text[0]))
		return FALSE;
	n = g_ascii_strtoll(text, &end, 10);
	if (*end != '\0' || n <= 0)
		return FALSE;
	*id = n;
	return TRUE;
}

/**
 * cw_bot_admin_find:
 * @name: the bot's name, or its id
 * @out: (out caller-allocates): the row; ->corrupt is set for a corrupt row
 */
gboolean
cw_bot_admin_find(CwStore *store, const char *name, CwStoreBot *out, GError **error)
{
	g_autoptr(GPtrArray) bots = NULL;
	CwStoreBot *found = NULL;
	gint64 id = 0;

	g_return_val_if_fail(CW_IS_STORE(store), FALSE);
	g_return_val_if_fail(name != NULL, FALSE);
	g_return_val_if_fail(out != NULL, FALSE);

	/* the list, not cw_store_bot_get(): that one refuses corrupt rows */
	bots = cw_store_bot_list(store, error);
	if (bots == NULL)
		return FALSE;
	for (guint i = 0; i < bots->len && found == NULL; i++) {
		CwStoreBot *bot = g_ptr_array_index(bots, i);
		if (g_strcmp0(bot->name, name) == 0)
			found = bot;
	}
	if (found == NULL && cw_bot_admin_parse_id(name, &id)) {
		for (guint i = 0; i < bots->len && found == NULL; i++) {
			CwStoreBot *bot = g_ptr_array_index(bots, i);
			if (bot->id == id)
				found = bot;
		}
	}
	if (found == NULL) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND, "no bot named '%s'",
			    name);
		return FALSE;
	}
	*out = *found;
	memset(found, 0, sizeof(*found));
	return TRUE;
}

/**
 * cw_bot_admin_set_enabled:
 * @name: the bot's name, or its id
 * @changed: (out) (optional): %FALSE when the bot was in that state already
 */
gboolean
cw_bot_admin_set_enabled(CwStore *store, const char *name, gboolean enabled, gboolean *changed,
			 GError **error)
{
	g_auto(CwStoreBot) bot = {0};
	g_autofree char *restarts = NULL;

	if (changed != NULL)
		*changed = FALSE;
	if (!cw_bot_admin_find(store, name, &bot, error))
		return FALSE;
	/* enabling clears the restart cap of monitoring/health; a bot it put
	 * in error is written again, so the service starts it */
	if (enabled) {
		restarts = cw_store_state_get(store, bot.id, CW_HEALTH_STATE_RESTARTS, NULL);
		if (restarts != NULL &&
		    !cw_store_state_set(store, bot.id, CW_HEALTH_STATE_RESTARTS, NULL, error))
			return FALSE;
	}
	/* an unchanged row is not written: the service would reload the bot.
	 * A corrupt row is always written, which repairs "enabled". */
	if (bot.corrupt == NULL && bot.enabled == enabled && restarts == NULL)
		return TRUE;
	if (!cw_store_bot_set_enabled(store, bot.id, enabled, error))
		return FALSE;
	if (changed != NULL)
		*changed = TRUE;
	return TRUE;
}

/**
 * cw_bot_admin_remove:
 * @name: the bot's name, or its id
 * @out: (out caller-allocates) (optional): the removed row
 */
gboolean
cw_bot_admin_remove(CwStore *store, const char *name, CwStoreBot *out, GError **error)
{
	g_auto(CwStoreBot) bot = {0};

	if (!cw_bot_admin_find(store, name, &bot, error))
		return FALSE;
	if (!cw_store_bot_remove(store, bot.id, error))
		return FALSE;
	if (out != NULL) {
		*out = bot;
		memset(&bot, 0, sizeof(bot));
	}
	return TRUE;
}

/**
 * cw_bot_admin_set_config:
 * @name: the bot's name, or its id
 * @config_json: the new configuration; its "name" must be the bot's
 */
gboolean
cw_bot_admin_set_config(CwStore *store, const char *name, const char *config_json, GError **error)
{
	g_auto(CwStoreBot) bot = {0};
	g_autoptr(CwBotConfig) config = NULL;

	if (!cw_bot_admin_find(store, name, &bot, error))
		return FALSE;
	config = cw_bot_admin_validate(config_json, error);
	if (config == NULL)
		return FALSE;
	if (g_strcmp0(config->name, bot.name) != 0) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_FAILED,
			    "name: the configuration is named '%s' but the bot is '%s'; the name "
			    "inside the file must match (to rename a bot, remove it and add it "
			    "again)",
			    config->name, bot.name != NULL ? bot.name : "(unreadable)");
		return FALSE;
	}
	return cw_store_bot_set_config(store, bot.id, config_json, error);
}

/**
 * cw_bot_admin_json_to_text:
 * @node: a JSON document
 * @pretty: indent by two spaces, one member per line
 *
 * Returns: (transfer full): the text, with every number written as the
 *   shortest text that reads back as the same value
 */
char *
cw_bot_admin_json_to_text(JsonNode *node, gboolean pretty)
{
	return cw_json_to_string(node, pretty);
}

/* The stored configuration with "active_strategy" set, as JSON text. */
static char *
cw_bot_admin_with_active(const char *config_json, const char *strategy_id, GError **error)
{
	g_autoptr(JsonNode) root =
	    cw_json_parse(config_json, -1, NULL, CW_JSON_PARSE_DEFAULT, error);
	g_autofree char *text = NULL;

	if (root == NULL)
		return NULL;
	if (!JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error_literal(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_TYPE,
				    "expected a JSON object");
		return NULL;
	}
	json_object_set_string_member(json_node_get_object(root), "active_strategy", strategy_id);
	text = cw_bot_admin_json_to_text(root, TRUE);
	return g_strconcat(text, "\n", NULL);
}

/**
 * cw_bot_admin_switch_strategy:
 * @name: the bot's name, or its id
 * @strategy_id: the id of one of the bot's strategies
 * @changed: (out) (optional): %FALSE when it was active already
 */
gboolean
cw_bot_admin_switch_strategy(CwStore *store, const char *name, const char *strategy_id,
			     gboolean *changed, GError **error)
{
	g_auto(CwStoreBot) bot = {0};
	g_autoptr(CwBotConfig) config = NULL;
	g_autoptr(CwBotConfig) updated = NULL;
	g_autoptr(GError) local = NULL;
	g_autofree char *json = NULL;

	if (changed != NULL)
		*changed = FALSE;
	if (!cw_bot_admin_find(store, name, &bot, error))
		return FALSE;
	if (bot.corrupt != NULL || bot.config == NULL) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT, "%s",
			    bot.corrupt != NULL ? bot.corrupt->message : "the row has no config");
		return FALSE;
	}
	config = cw_bot_config_new_from_data(bot.config, -1, &local);
	if (config == NULL) {
		g_set_error(error, CW_CONFIG_ERROR, local->code,
			    "the stored configuration of bot '%s' is invalid (fix it with bots "
			    "set-config): %s",
			    bot.name, local->message);
		return FALSE;
	}
	if (cw_bot_config_get_strategy(config, strategy_id) == NULL) {
		g_autoptr(GString) known = g_string_new(NULL);
		for (guint i = 0; i < config->n_strategies; i++)
			g_string_append_printf(known, "%s%s", i > 0 ? ", " : "",
					       config->strategies[i]->id);
		g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_UNKNOWN_NAME,
			    "bot '%s' has no strategy '%s' (known: %s)", bot.name, strategy_id,
			    known->str);
		return FALSE;
	}
	if (g_strcmp0(cw_bot_config_get_active_strategy(config)->id, strategy_id) == 0)
		return TRUE;
	json = cw_bot_admin_with_active(bot.config, strategy_id, error);
	if (json == NULL)
		return FALSE;
	updated = cw_bot_admin_validate(json, error);
	if (updated == NULL)
		return FALSE;
	if (!cw_store_bot_set_config(store, bot.id, json, error))
		return FALSE;
	if (changed != NULL)
		*changed = TRUE;
	return TRUE;
}

/**
 * cw_bot_admin_mode_from_string:
 * @text: "active", "reduce_only", "reduce-only" or "halted"
 * @mode: (out): the mode
 *
 * Returns: %FALSE when @text is none of them
 */
gboolean
cw_bot_admin_mode_from_string(const char *text, CwBotMode *mode)
{
	static const CwBotMode modes[] = {CW_BOT_MODE_ACTIVE, CW_BOT_MODE_REDUCE_ONLY,
					  CW_BOT_MODE_HALTED};
	g_autofree char *norm = NULL;

	if (text == NULL)
		return FALSE;
	norm = g_strdelimit(g_ascii_strdown(text, -1), "-", '_');
	for (guint i = 0; i < G_N_ELEMENTS(modes); i++) {
		if (strcmp(norm, cw_bot_mode_to_string(modes[i])) == 0) {
			*mode = modes[i];
			return TRUE;
		}
	}
	return FALSE;
}

/**
 * cw_bot_admin_get_mode:
 * @bot_id: the bot
 *
 * An unreadable value counts as "halted": an operator asked for something,
 * and stopping is the safe reading of a request that cannot be read. So
 * does a value the store cannot give (a read error).
 *
 * Returns: the mode, CW_BOT_MODE_ACTIVE when unset, CW_BOT_MODE_HALTED with
 *   @error set when it cannot be read
 */
CwBotMode
cw_bot_admin_get_mode(CwStore *store, gint64 bot_id, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *value = NULL;
	CwBotMode mode = CW_BOT_MODE_ACTIVE;

	value = cw_store_state_get(store, bot_id, CW_BOT_ADMIN_STATE_MODE, &local);
	if (local != NULL) {
		g_propagate_error(error, g_steal_pointer(&local));
		return CW_BOT_MODE_HALTED;
	}
	if (value == NULL)
		return CW_BOT_MODE_ACTIVE;
	if (!cw_bot_admin_mode_from_string(value, &mode)) {
		cw_store_state_unreadable(error, bot_id, CW_BOT_ADMIN_STATE_MODE, value, "a mode",
					  "expected active, reduce_only or halted; read as halted");
		return CW_BOT_MODE_HALTED;
	}
	return mode;
}

static char *
cw_bot_admin_build_json(JsonBuilder *b)
{
	g_autoptr(JsonNode) root = json_builder_get_root(b);

	return cw_json_to_string(root, FALSE);
}

/* Runs the writes of one request in one transaction (unless the caller has
 * one open already). */
typedef gboolean (*CwBotAdminWrite)(CwStore *store, gpointer data, GError **error);

static gboolean
cw_bot_admin_in_transaction(CwStore *store, CwBotAdminWrite func, gpointer data, GError **error)
{
	if (cw_store_in_transaction(store))
		return func(store, data, error);
	if (!cw_store_begin(store, error))
		return FALSE;
	if (!func(store, data, error)) {
		cw_store_rollback(store, NULL);
		return FALSE;
	}
	return cw_store_commit(store, error);
}

/* Appends an event the operator caused and, when notifiers are attached
 * to the store (cw_outbox_router_attach(): serve, or a CLI command given
 * the service config), writes its outbox rows in the same transaction,
 * as the store writer does for the service's own events. Without them
 * the event stays past the routing cursor until serve routes it
 * (cw_outbox_router_catch_up()). Returns the event's sequence number,
 * -1 on error. */
static gint64
cw_bot_admin_journal(CwStore *store, gint64 bot_id, const char *type, const char *payload,
		     GError **error)
{
	CwOutboxRouter *router = cw_outbox_router_get_for_store(store);
	gint64 now = cw_bot_admin_now_ms();
	gint64 seq = cw_store_event_append(store, bot_id, NULL, type, now, payload, error);

	if (seq <= 0)
		return -1;
	if (router != NULL && !cw_outbox_router_route_named(router, store, bot_id, NULL, type, now,
							    payload, seq, error))
		return -1;
	return seq;
}

typedef struct {
	gint64 bot_id;
	const char *mode;
	const char *payload;
} CwBotAdminModeWrite;

static gboolean
cw_bot_admin_write_mode(CwStore *store, gpointer data, GError **error)
{
	CwBotAdminModeWrite *w = data;

	/* resuming clears the restart cap of monitoring/health */
	if (g_strcmp0(w->mode, "active") == 0 &&
	    !cw_store_state_set(store, w->bot_id, CW_HEALTH_STATE_RESTARTS, NULL, error))
		return FALSE;
	return cw_store_state_set(store, w->bot_id, CW_BOT_ADMIN_STATE_MODE, w->mode, error) &&
	       cw_bot_admin_journal(store, w->bot_id, CW_BOT_ADMIN_EVENT_MODE, w->payload, error) >
		   0;
}

/**
 * cw_bot_admin_set_mode:
 * @name: the bot's name, or its id
 * @mode: the new mode
 * @source: (nullable): who asked, e.g. "cli"
 */
gboolean
cw_bot_admin_set_mode(CwStore *store, const char *name, CwBotMode mode, const char *source,
		      GError **error)
{
	g_auto(CwStoreBot) bot = {0};
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autofree char *payload = NULL;
	CwBotAdminModeWrite w;

	if (!cw_bot_admin_find(store, name, &bot, error))
		return FALSE;
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "mode");
	json_builder_add_string_value(b, cw_bot_mode_to_string(mode));
	json_builder_set_member_name(b, "source");
	json_builder_add_string_value(b, source != NULL ? source : "unknown");
	json_builder_end_object(b);
	payload = cw_bot_admin_build_json(b);
	w = (CwBotAdminModeWrite){bot.id, cw_bot_mode_to_string(mode), payload};
	return cw_bot_admin_in_transaction(store, cw_bot_admin_write_mode, &w, error);
}

static gboolean
cw_bot_admin_write_kill_switch(CwStore *store, gpointer payload, GError **error)
{
	return cw_bot_admin_journal(store, 0, CW_BOT_ADMIN_EVENT_KILL_SWITCH, payload, error) > 0;
}

typedef struct {
	gint64 bot_id;
	const char *payload;
	gint64 seq;
} CwBotAdminCloseWrite;

static gboolean
cw_bot_admin_write_close(CwStore *store, gpointer data, GError **error)
{
	CwBotAdminCloseWrite *w = data;
	g_autofree char *seq = NULL;

	w->seq = cw_bot_admin_journal(store, w->bot_id, CW_BOT_ADMIN_EVENT_CLOSE_REQUESTED,
				      w->payload, error);
	if (w->seq <= 0)
		return FALSE;
	seq = g_strdup_printf("%" G_GINT64_FORMAT, w->seq);
	return cw_store_state_set(store, w->bot_id, CW_BOT_ADMIN_STATE_CLOSE_REQUEST, seq, error);
}

/**
 * cw_bot_admin_request_close:
 * @name: the bot's name, or its id
 * @source: (nullable): who asked, e.g. "cli"
 *
 * Returns: the request's sequence number (> 0), -1 on error
 */
gint64
cw_bot_admin_request_close(CwStore *store, const char *name, const char *source, GError **error)
{
	g_auto(CwStoreBot) bot = {0};
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autofree char *payload = NULL;
	CwBotAdminCloseWrite w = {0};

	if (!cw_bot_admin_find(store, name, &bot, error))
		return -1;
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "source");
	json_builder_add_string_value(b, source != NULL ? source : "unknown");
	json_builder_end_object(b);
	payload = cw_bot_admin_build_json(b);
	w.bot_id = bot.id;
	w.payload = payload;
	if (!cw_bot_admin_in_transaction(store, cw_bot_admin_write_close, &w, error))
		return -1;
	return w.seq;
}

/**
 * cw_bot_admin_set_kill_switch:
 * @halted: %TRUE stops every bot's entries, %FALSE lifts that
 * @source: (nullable): who asked, e.g. "cli"
 */
gboolean
cw_bot_admin_set_kill_switch(CwStore *store, gboolean halted, const char *source, GError **error)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autofree char *payload = NULL;

	g_return_val_if_fail(CW_IS_STORE(store), FALSE);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "halted");
	json_builder_add_boolean_value(b, halted);
	json_builder_set_member_name(b, "source");
	json_builder_add_string_value(b, source != NULL ? source : "unknown");
	json_builder_end_object(b);
	payload = cw_bot_admin_build_json(b);
	return cw_bot_admin_in_transaction(store, cw_bot_admin_write_kill_switch, payload, error);
}

/**
 * cw_bot_admin_get_kill_switch:
 * @halted: (out): whether the kill switch is on
 * @seq: (out) (optional): the event that set it, 0 when never set
 *
 * A KILL_SWITCH event whose payload cannot be read is an error, and so is
 * a journal that cannot be read: @halted is then %TRUE (fail closed; the
 * service halts every bot and logs it).
 */
gboolean
cw_bot_admin_get_kill_switch(CwStore *store, gboolean *halted, gint64 *seq, GError **error)
{
	g_autoptr(GPtrArray) events = NULL;
	g_autoptr(JsonNode) root = NULL;
	CwStoreEvent *ev;
	JsonNode *member;

	*halted = TRUE;
	if (seq != NULL)
		*seq = 0;
	events = cw_bot_admin_events_tail(store, 0, CW_BOT_ADMIN_EVENT_KILL_SWITCH, 1, error);
	if (events == NULL)
		return FALSE;
	*halted = FALSE;
	if (events->len == 0)
		return TRUE;
	ev = g_ptr_array_index(events, 0);
	if (seq != NULL)
		*seq = ev->seq;
	root = cw_json_parse(ev->payload, -1, NULL, CW_JSON_PARSE_DEFAULT, NULL);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root) ||
	    (member = json_object_get_member(json_node_get_object(root), "halted")) == NULL ||
	    json_node_get_value_type(member) != G_TYPE_BOOLEAN) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT,
			    "events row (seq %" G_GINT64_FORMAT
			    ", type %s): payload.halted: expected true or false",
			    ev->seq, CW_BOT_ADMIN_EVENT_KILL_SWITCH);
		*halted = TRUE;
		return FALSE;
	}
	*halted = json_node_get_boolean(member);
	return TRUE;
}

/* The event types the bot admin journals by name (no CwEventType). */
static const char *const cw_bot_admin_named_events[] = {
    CW_BOT_ADMIN_EVENT_KILL_SWITCH,
    CW_BOT_ADMIN_EVENT_AUDIT,
    CW_BOT_ADMIN_EVENT_CLOSE_REQUESTED,
    CW_BOT_ADMIN_EVENT_MANUAL_CLOSE,
    CW_BOT_ADMIN_EVENT_RECONCILE_DISCREPANCY,
    CW_BOT_ADMIN_EVENT_RECONCILE_CANCEL,
    CW_BOT_ADMIN_EVENT_RECONCILE_ADOPT,
    CW_BOT_ADMIN_EVENT_FEED_STATE,
    CW_BOT_ADMIN_EVENT_FEED_DOWN,
    CW_BOT_ADMIN_EVENT_FEED_UP,
    CW_BOT_ADMIN_EVENT_DOWNTIME,
};

/**
 * cw_bot_admin_event_type_canonical:
 * @name: an event type in any case, e.g. "order-filled"
 *
 * Returns: (nullable): the stored name, e.g. "ORDER_FILLED"
 */
const char *
cw_bot_admin_event_type_canonical(const char *name)
{
	g_autofree char *norm = NULL;
	CwEventType type;

	if (name == NULL)
		return NULL;
	norm = g_strdelimit(g_strdup(name), "-", '_');
	for (guint i = 0; i < G_N_ELEMENTS(cw_bot_admin_named_events); i++)
		if (g_ascii_strcasecmp(norm, cw_bot_admin_named_events[i]) == 0)
			return cw_bot_admin_named_events[i];
	type = cw_event_type_from_string(norm);
	if (type == CW_EVENT_LAST)
		return NULL;
	return cw_event_type_to_string(type);
}

/**
 * cw_bot_admin_event_type_list:
 *
 * Returns: (transfer full): every known event type, comma separated
 */
char *
cw_bot_admin_event_type_list(void)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < CW_EVENT_LAST; i++)
		g_string_append_printf(s, "%s, ", cw_event_type_to_string((CwEventType) i));
	for (guint i = 0; i < G_N_ELEMENTS(cw_bot_admin_named_events); i++)
		g_string_append_printf(s, "%s%s", i > 0 ? ", " : "", cw_bot_admin_named_events[i]);
	return g_string_free(s, FALSE);
}

/* TRUE when the journal holds an event with seq > after. */
static gboolean
cw_bot_admin_any_after(CwStore *store, gint64 after, gint64 *first, gboolean *any, GError **error)
{
	g_autoptr(GPtrArray) events = cw_store_events_query(store, -1, NULL, after, 1, error);

	if (events == NULL)
		return FALSE;
	*any = events->len > 0;
	if (*any)
		*first = ((CwStoreEvent *) g_ptr_array_index(events, 0))->seq;
	return TRUE;
}

/* The largest sequence number, 0 for an empty journal. The store reads
 * forwards only, so search for it: each probe is one primary key lookup. */
static gboolean
cw_bot_admin_max_seq(CwStore *store, gint64 *max_seq, GError **error)
{
	gint64 lo = 0, hi, first = 0;
	gboolean any = FALSE;

	if (!cw_bot_admin_any_after(store, 0, &first, &any, error))
		return FALSE;
	if (!any) {
		*max_seq = 0;
		return TRUE;
	}
	lo = first;
	hi = MAX(first, 1);
	for (;;) {
		if (!cw_bot_admin_any_after(store, hi, &first, &any, error))
			return FALSE;
		if (!any)
			break;
		lo = first;
		if (hi >= G_MAXINT64 / 2) {
			hi = G_MAXINT64;
			break;
		}
		hi = MAX(hi * 2, first);
	}
	/* an event with seq lo exists and none after hi: the max is in [lo, hi] */
	while (lo < hi) {
		gint64 mid = lo + (hi - lo) / 2;
		if (!cw_bot_admin_any_after(store, mid, &first, &any, error))
			return FALSE;
		if (any)
			lo = first; /* > mid >= lo */
		else
			hi = mid; /* < hi */
	}
	*max_seq = lo;
	return TRUE;
}

/**
 * cw_bot_admin_events_tail:
 * @bot_id: the bot, -1 for any, 0 for events without a bot
 * @type: (nullable): the stored event type
 * @n: how many (0: every event)
 *
 * Returns: (transfer full) (element-type CwStoreEvent): the newest @n
 *   matching events, oldest first
 */
GPtrArray *
cw_bot_admin_events_tail(CwStore *store, gint64 bot_id, const char *type, guint n, GError **error)
{
	gint64 max_seq = 0, window;

	g_return_val_if_fail(CW_IS_STORE(store), NULL);

	if (n == 0)
		return cw_store_events_query(store, bot_id, type, 0, 0, error);
	if (!cw_bot_admin_max_seq(store, &max_seq, error))
		return NULL;
	/* widen a window back from the end until it holds n matches */
	for (window = MAX((gint64) n * 2, 64);; window = MIN(window, G_MAXINT64 / 4) * 4) {
		gint64 after = max_seq > window ? max_seq - window : 0;
		g_autoptr(GPtrArray) events =
		    cw_store_events_query(store, bot_id, type, after, 0, error);

		if (events == NULL)
			return NULL;
		if (events->len >= n || after == 0) {
			if (events->len > n)
				g_ptr_array_remove_range(events, 0, events->len - n);
			return g_steal_pointer(&events);
		}
	}
}

/**
 * cw_bot_admin_state_list:
 * @bot_id: the bot
 *
 * Returns: (transfer full) (element-type CwBotAdminState): the bot's
 *   state, by key; %NULL on error
 */
GPtrArray *
cw_bot_admin_state_list(CwStore *store, gint64 bot_id, GError **error)
{
	return cw_store_state_list(store, bot_id, error);
}

static void
cw_bot_admin_json_time(JsonBuilder *b, const char *member, gint64 ms)
{
	json_builder_set_member_name(b, member);
	if (ms == 0)
		json_builder_add_null_value(b);
	else
		json_builder_add_int_value(b, ms);
}

static void
cw_bot_admin_json_string(JsonBuilder *b, const char *member, const char *value)
{
	json_builder_set_member_name(b, member);
	if (value == NULL)
		json_builder_add_null_value(b);
	else
		json_builder_add_string_value(b, value);
}

/* bot_state key as parsed JSON, null when absent or unreadable. */
static void
cw_bot_admin_json_state(JsonBuilder *b, CwStore *store, gint64 bot_id, const char *member,
			const char *key)
{
	g_autofree char *value = cw_store_state_get(store, bot_id, key, NULL);
	g_autoptr(JsonParser) parser = json_parser_new();

	json_builder_set_member_name(b, member);
	if (value != NULL && json_parser_load_from_data(parser, value, -1, NULL) &&
	    json_parser_get_root(parser) != NULL)
		json_builder_add_value(b, json_node_copy(json_parser_get_root(parser)));
	else
		json_builder_add_null_value(b);
}

void
cw_bot_admin_bot_to_json(JsonBuilder *b, CwStore *store, const CwStoreBot *bot, gint64 now)
{
	g_autoptr(CwBotConfig) config = NULL;
	g_autoptr(GError) config_error = NULL;

	if (bot->config != NULL)
		config = cw_bot_config_new_from_data(bot->config, -1, &config_error);
	cw_bot_admin_bot_to_json_full(b, store, bot, config,
				      config_error != NULL ? config_error->message : NULL, now);
}

void
cw_bot_admin_bot_to_json_full(JsonBuilder *b, CwStore *store, const CwStoreBot *bot,
			      CwBotConfig *config, const char *config_error, gint64 now)
{
	g_autoptr(GError) mode_error = NULL;
	CwBotMode mode = cw_bot_admin_get_mode(store, bot->id, &mode_error);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "id");
	json_builder_add_int_value(b, bot->id);
	cw_bot_admin_json_string(b, "name", bot->name);
	json_builder_set_member_name(b, "enabled");
	json_builder_add_boolean_value(b, bot->enabled);
	cw_bot_admin_json_string(b, "status", bot->corrupt != NULL ? "corrupt" : bot->status);
	cw_bot_admin_json_string(b, "active_strategy",
				 config != NULL ? cw_bot_config_get_active_strategy(config)->id
						: NULL);
	json_builder_set_member_name(b, "strategies");
	json_builder_begin_array(b);
	for (guint i = 0; config != NULL && i < config->n_strategies; i++)
		json_builder_add_string_value(b, config->strategies[i]->id);
	json_builder_end_array(b);
	cw_bot_admin_json_time(b, "started_at", bot->started_at);
	cw_bot_admin_json_time(b, "stopped_at", bot->stopped_at);
	cw_bot_admin_json_time(b, "last_heartbeat", bot->last_heartbeat);
	json_builder_set_member_name(b, "heartbeat_age_ms");
	if (bot->last_heartbeat == 0)
		json_builder_add_null_value(b);
	else
		json_builder_add_int_value(b, MAX(now - bot->last_heartbeat, 0));
	json_builder_set_member_name(b, "error_count");
	json_builder_add_int_value(b, bot->error_count);
	cw_bot_admin_json_string(b, "last_error", bot->last_error);
	cw_bot_admin_json_time(b, "updated_at", bot->updated_at);
	cw_bot_admin_json_string(b, "mode", cw_bot_mode_to_string(mode));
	cw_bot_admin_json_state(b, store, bot->id, "cache", CW_BOT_ADMIN_STATE_CACHE);
	cw_bot_admin_json_state(b, store, bot->id, "guards", CW_BOT_ADMIN_STATE_GUARD_STATS);
	cw_bot_admin_json_state(b, store, bot->id, "feed", "feed");
	if (bot->corrupt != NULL)
		cw_bot_admin_json_string(b, "error", bot->corrupt->message);
	if (config_error != NULL)
		cw_bot_admin_json_string(b, "config_error", config_error);
	json_builder_end_object(b);
}
