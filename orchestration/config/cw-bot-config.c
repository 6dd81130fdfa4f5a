/* A bot's configuration: the top-level document, profiles and strategies. */
#include "cw-config-private.h"

#include <math.h>

#define CW_MAX_STRATEGIES 32

static const char *const cw_bot_keys[] = {
    "name",       "description",     "symbol",          "interval",
    "profile",    "initial_balance", "instrument",      "strategy",
    "strategies", "active_strategy", "canary_fraction", "feed",
    "broker",     "guardrails",      "notifications",   "execution",
    NULL};
static const char *const cw_execution_keys[] = {"entry_timeout_s", "retry_initial_s", "retry_max_s",
						NULL};
static const char *const cw_instrument_keys[] = {"tick_size", "lot_step", "min_qty", "min_notional",
						 NULL};
static const char *const cw_base_intervals[] = {"1m", "3m", "5m", "15m", "30m", "1h",
						"2h", "4h", "6h", "12h", "1d",  NULL};
static const char *const cw_profiles[] = {"paper", "live", "canary", NULL};
/* Owned by feature packages: only their shape is checked here. */
static const char *const cw_sections[] = {"feed", "broker", "guardrails", "notifications", NULL};

const char *
cw_profile_to_string(CwProfile profile)
{
	switch (profile) {
	case CW_PROFILE_LIVE:
		return "live";
	case CW_PROFILE_CANARY:
		return "canary";
	case CW_PROFILE_PAPER:
	default:
		return "paper";
	}
}

CwBotConfig *
cw_bot_config_ref(CwBotConfig *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	g_atomic_int_inc(&self->ref_count);
	return self;
}

void
cw_bot_config_unref(CwBotConfig *self)
{
	if (self == NULL || !g_atomic_int_dec_and_test(&self->ref_count))
		return;
	for (guint i = 0; i < self->n_strategies; i++)
		cw_strategy_spec_free(self->strategies[i]);
	g_free(self->strategies);
	g_free(self->name);
	g_free(self->symbol);
	g_free(self->description);
	g_clear_pointer(&self->root, json_node_unref);
	g_free(self);
}

static gboolean
cw_bot_config_is_valid_symbol(const char *s)
{
	gsize len = strlen(s);

	if (len < 2 || len > 32)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isupper(s[i]) && !g_ascii_isdigit(s[i]))
			return FALSE;
	}
	return TRUE;
}

static gboolean
cw_bot_config_parse_identity(CwBotConfig *self, JsonObject *root, GError **error)
{
	const char *name = NULL;
	const char *description = NULL;
	const char *symbol = NULL;
	g_autofree char *upper = NULL;

	if (!json_object_has_member(root, "name"))
		return cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, "", "name",
					  "missing required key (1-64 characters of "
					  "[A-Za-z0-9_.-])");
	if (!cw_config_read_string(root, "", "name", NULL, &name, error))
		return FALSE;
	if (!cw_config_is_valid_id(name))
		return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, "", "name",
					  "expected 1-64 characters of [A-Za-z0-9_.-], got '%s'",
					  name);
	self->name = g_strdup(name);
	if (!cw_config_read_string(root, "", "description", "", &description, error))
		return FALSE;
	self->description = g_strdup(description);

	if (!json_object_has_member(root, "symbol"))
		return cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, "", "symbol",
					  "missing required key (such as \"BTCUSDT\")");
	if (!cw_config_read_string(root, "", "symbol", NULL, &symbol, error))
		return FALSE;
	upper = g_ascii_strup(symbol, -1);
	if (!cw_bot_config_is_valid_symbol(upper))
		return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, "", "symbol",
					  "expected 2-32 characters of [A-Z0-9], got '%s'", symbol);
	self->symbol = g_strdup(upper);
	self->symbol_quark = g_quark_from_string(upper);
	/* The document shows the symbol as it is traded. */
	json_object_set_string_member(root, "symbol", upper);
	return TRUE;
}

static gboolean
cw_bot_config_parse_instrument(CwBotConfig *self, JsonObject *root, GError **error)
{
	JsonObject *o = NULL;

	memset(&self->instrument, 0, sizeof self->instrument);
	self->instrument.symbol = self->symbol_quark;
	if (!cw_config_read_object(root, "", "instrument", &o, error))
		return FALSE;
	if (o == NULL)
		return TRUE;
	return cw_config_check_keys(o, "instrument", cw_instrument_keys, error) &&
	       cw_config_read_double(o, "instrument", "tick_size", 0, 0, INFINITY,
				     &self->instrument.tick_size, error) &&
	       cw_config_read_double(o, "instrument", "lot_step", 0, 0, INFINITY,
				     &self->instrument.lot_step, error) &&
	       cw_config_read_double(o, "instrument", "min_qty", 0, 0, INFINITY,
				     &self->instrument.min_qty, error) &&
	       cw_config_read_double(o, "instrument", "min_notional", 0, 0, INFINITY,
				     &self->instrument.min_notional, error);
}

/* "execution": how orders are followed, in seconds of the bot's clock. */
static gboolean
cw_bot_config_parse_execution(CwBotConfig *self, JsonObject *root, GError **error)
{
	CwExecutionSpec *e = &self->execution;
	JsonObject *o = NULL;

	e->entry_timeout_s = 60;
	e->retry_initial_s = 1;
	e->retry_max_s = 60;
	if (!cw_config_read_object(root, "", "execution", &o, error))
		return FALSE;
	if (o == NULL)
		return TRUE;
	if (!cw_config_check_keys(o, "execution", cw_execution_keys, error) ||
	    !cw_config_read_double_range(o, "execution", "entry_timeout_s", 60, 0, 86400,
					 CW_CONFIG_RANGE_MIN_EXCLUSIVE, &e->entry_timeout_s,
					 error) ||
	    !cw_config_read_double_range(o, "execution", "retry_initial_s", 1, 0, 3600,
					 CW_CONFIG_RANGE_MIN_EXCLUSIVE, &e->retry_initial_s,
					 error) ||
	    !cw_config_read_double_range(o, "execution", "retry_max_s", 60, 0, 86400,
					 CW_CONFIG_RANGE_MIN_EXCLUSIVE, &e->retry_max_s, error))
		return FALSE;
	if (e->retry_max_s < e->retry_initial_s)
		return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, "execution",
					  "retry_max_s", "must be >= retry_initial_s (%g), got %g",
					  e->retry_initial_s, e->retry_max_s);
	return TRUE;
}

static gboolean
cw_bot_config_check_sections(JsonObject *root, GError **error)
{
	for (guint i = 0; cw_sections[i] != NULL; i++) {
		JsonObject *o = NULL;
		const char *type = NULL;

		if (!cw_config_read_object(root, "", cw_sections[i], &o, error))
			return FALSE;
		if (o != NULL &&
		    !cw_config_read_string(o, cw_sections[i], "type", NULL, &type, error))
			return FALSE;
	}
	return TRUE;
}

/* paper: the broker defaults to {"type": "paper"}; live and canary need a
 * real broker named explicitly. */
static gboolean
cw_bot_config_apply_profile(CwBotConfig *self, JsonObject *root, GError **error)
{
	JsonObject *broker = NULL;
	const char *type = NULL;

	if (!cw_config_read_object(root, "", "broker", &broker, error))
		return FALSE;
	if (broker != NULL && !cw_config_read_string(broker, "broker", "type", NULL, &type, error))
		return FALSE;
	if (self->profile == CW_PROFILE_PAPER) {
		if (broker == NULL) {
			broker = json_object_new();
			json_object_set_object_member(root, "broker", broker);
		}
		if (type == NULL)
			json_object_set_string_member(broker, "type", "paper");
		return TRUE;
	}
	if (type == NULL)
		return cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, "broker", "type",
					  "missing required key (the %s profile needs a real "
					  "broker such as \"bybit\")",
					  cw_profile_to_string(self->profile));
	if (g_strcmp0(type, "paper") == 0)
		return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, "broker", "type",
					  "expected a real broker for the %s profile, got 'paper'",
					  cw_profile_to_string(self->profile));
	return TRUE;
}

static gboolean
cw_bot_config_add_strategy(CwBotConfig *self, GPtrArray *specs, JsonObject *obj, const char *path,
			   const char *default_id, GError **error)
{
	CwStrategySpec *spec =
	    cw_strategy_spec_parse(obj, path, self->name, default_id, self->interval_ms, error);

	if (spec == NULL)
		return FALSE;
	for (guint i = 0; i < specs->len; i++) {
		CwStrategySpec *other = g_ptr_array_index(specs, i);

		if (g_strcmp0(other->id, spec->id) == 0) {
			cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, path, "id",
					   "duplicate strategy id '%s' (also %s)", spec->id,
					   other->json_path);
			cw_strategy_spec_free(spec);
			return FALSE;
		}
	}
	g_ptr_array_add(specs, spec);
	return TRUE;
}

/* "strategy" alone, or each of "strategies" merged over "strategy". The
 * merged objects replace the entries of "strategies" in the document. */
static gboolean
cw_bot_config_parse_strategies(CwBotConfig *self, JsonObject *root, GError **error)
{
	g_autoptr(GPtrArray) specs =
	    g_ptr_array_new_with_free_func((GDestroyNotify) cw_strategy_spec_free);
	g_autoptr(JsonArray) merged_list = NULL;
	JsonObject *base = NULL;
	JsonArray *list = NULL;

	if (!cw_config_read_object(root, "", "strategy", &base, error) ||
	    !cw_config_read_array(root, "", "strategies", 1, CW_MAX_STRATEGIES, &list, error))
		return FALSE;
	if (base == NULL && list == NULL)
		return cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, "", "strategy",
					  "missing required key (or give \"strategies\")");
	if (list == NULL) {
		if (!cw_bot_config_add_strategy(self, specs, base, "strategy", "main", error))
			return FALSE;
	} else {
		JsonNode *base_node = json_object_get_member(root, "strategy");

		merged_list = json_array_sized_new(json_array_get_length(list));
		for (guint i = 0; i < json_array_get_length(list); i++) {
			g_autofree char *path = cw_config_path_index("strategies", i);
			JsonNode *item = json_array_get_element(list, i);
			JsonNode *merged;

			if (!JSON_NODE_HOLDS_OBJECT(item))
				return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, path, NULL,
							  "expected an object, got %s",
							  cw_config_node_describe(item));
			if (!json_object_has_member(json_node_get_object(item), "id"))
				return cw_config_error_at(
				    error, CW_CONFIG_ERROR_MISSING, path, "id",
				    "missing required key (1-64 characters of [A-Za-z0-9_.-])");
			merged = cw_config_merge(base_node, item);
			json_array_add_element(merged_list, merged);
			if (!cw_bot_config_add_strategy(self, specs, json_node_get_object(merged),
							path, NULL, error))
				return FALSE;
		}
		json_object_set_array_member(root, "strategies", g_steal_pointer(&merged_list));
	}
	self->n_strategies = specs->len;
	g_ptr_array_set_free_func(specs, NULL);
	self->strategies = (CwStrategySpec **) g_ptr_array_free(g_steal_pointer(&specs), FALSE);
	return TRUE;
}

static gboolean
cw_bot_config_parse_active(CwBotConfig *self, JsonObject *root, GError **error)
{
	const char *active = NULL;
	g_autoptr(GString) known = NULL;

	if (!cw_config_read_string(root, "", "active_strategy", self->strategies[0]->id, &active,
				   error))
		return FALSE;
	for (guint i = 0; i < self->n_strategies; i++) {
		if (g_strcmp0(self->strategies[i]->id, active) == 0) {
			self->active_strategy = i;
			return TRUE;
		}
	}
	known = g_string_new(NULL);
	for (guint i = 0; i < self->n_strategies; i++)
		g_string_append_printf(known, "%s%s", i > 0 ? ", " : "", self->strategies[i]->id);
	return cw_config_error_at(error, CW_CONFIG_ERROR_UNKNOWN_NAME, "", "active_strategy",
				  "unknown strategy '%s' (known: %s)", active, known->str);
}

static gboolean
cw_bot_config_parse(CwBotConfig *self, JsonObject *root, GError **error)
{
	guint interval = 2; /* "5m" */
	guint profile = CW_PROFILE_PAPER;

	if (!cw_config_check_keys(root, "", cw_bot_keys, error) ||
	    !cw_bot_config_parse_identity(self, root, error) ||
	    !cw_config_read_choice(root, "", "interval", cw_base_intervals, interval, &interval,
				   error) ||
	    !cw_config_read_choice(root, "", "profile", cw_profiles, profile, &profile, error) ||
	    !cw_config_read_double_range(root, "", "initial_balance", 10000, 0, INFINITY,
					 CW_CONFIG_RANGE_MIN_EXCLUSIVE, &self->initial_balance,
					 error) ||
	    !cw_config_read_double_range(root, "", "canary_fraction", 0.1, 0, 1,
					 CW_CONFIG_RANGE_MIN_EXCLUSIVE, &self->canary_fraction,
					 error))
		return FALSE;
	self->interval_ms = cw_interval_parse(cw_base_intervals[interval]);
	self->profile = (CwProfile) profile;
	if (!cw_bot_config_parse_instrument(self, root, error) ||
	    !cw_bot_config_parse_execution(self, root, error) ||
	    !cw_bot_config_check_sections(root, error) ||
	    !cw_bot_config_apply_profile(self, root, error) ||
	    !cw_bot_config_parse_strategies(self, root, error) ||
	    !cw_bot_config_parse_active(self, root, error))
		return FALSE;

	/* A canary trades the live strategy at a fraction of its size. The
	 * document keeps the configured values; only the specs are scaled. */
	if (self->profile == CW_PROFILE_CANARY) {
		for (guint i = 0; i < self->n_strategies; i++) {
			CwSizingSpec *sizing = &self->strategies[i]->sizing;

			sizing->quote *= self->canary_fraction;
			sizing->max_quote *= self->canary_fraction;
			sizing->risk_percent *= self->canary_fraction;
		}
	}
	return TRUE;
}

/**
 * cw_bot_config_new_from_node:
 * @node: (nullable): a JSON document; not changed, and not referenced
 *   afterwards. %NULL is an error ("empty document").
 * @error: return location for a #GError in %CW_CONFIG_ERROR
 *
 * Validates a bot configuration and builds its typed specs. The error names
 * the JSON path of the first mistake.
 *
 * Returns: (transfer full) (nullable): the configuration
 */
CwBotConfig *
cw_bot_config_new_from_node(JsonNode *node, GError **error)
{
	g_autoptr(CwBotConfig) self = NULL;

	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (node == NULL) {
		/* what an empty row used to reach: an error, not a critical */
		g_set_error_literal(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_PARSE,
				    "empty document");
		return NULL;
	}
	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_TYPE,
			    "expected an object at the top level, got %s",
			    cw_config_node_describe(node));
		return NULL;
	}
	self = g_new0(CwBotConfig, 1);
	self->ref_count = 1;
	self->root = cw_config_node_copy_deep(node);
	if (!cw_bot_config_parse(self, json_node_get_object(self->root), error))
		return NULL;
	return g_steal_pointer(&self);
}

/* Parses root, or takes the error of cw_json_parse(); validation errors
 * start with "source: " when there is a source. */
static CwBotConfig *
cw_bot_config_new_from_root(JsonNode *root, const char *source, GError **error)
{
	g_autoptr(GError) local_error = NULL;
	CwBotConfig *self;

	if (root == NULL)
		return NULL;
	self = cw_bot_config_new_from_node(root, &local_error);
	if (self == NULL) {
		if (source != NULL)
			g_prefix_error(&local_error, "%s: ", source);
		g_propagate_error(error, g_steal_pointer(&local_error));
	}
	return self;
}

/**
 * cw_bot_config_new_from_data:
 * @data: JSON text
 * @len: length of @data, or -1 when it is NUL-terminated
 * @error: return location for a #GError in %CW_CONFIG_ERROR
 *
 * The text goes through cw_json_parse(); its errors read
 * "line:column: path: message".
 *
 * Returns: (transfer full) (nullable): the configuration
 */
CwBotConfig *
cw_bot_config_new_from_data(const char *data, gssize len, GError **error)
{
	g_autoptr(JsonNode) root = NULL;

	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	root = cw_json_parse(data, len, NULL, CW_JSON_PARSE_DEFAULT, error);
	return cw_bot_config_new_from_root(root, NULL, error);
}

/**
 * cw_bot_config_new_from_file:
 * @path: a JSON file
 * @error: return location for a #GError in %CW_CONFIG_ERROR
 *
 * Like cw_bot_config_new_from_data(); every message starts with @path once,
 * e.g. "bot.json:3:8: strategy: ..." or "bot.json: interval: ...".
 *
 * Returns: (transfer full) (nullable): the configuration
 */
CwBotConfig *
cw_bot_config_new_from_file(const char *path, GError **error)
{
	g_autoptr(JsonNode) root = NULL;

	g_return_val_if_fail(path != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	root = cw_json_parse_file(path, CW_JSON_MAX_CONFIG_FILE, CW_JSON_PARSE_DEFAULT, error);
	return cw_bot_config_new_from_root(root, path, error);
}

const CwStrategySpec *
cw_bot_config_get_active_strategy(const CwBotConfig *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->strategies[self->active_strategy];
}

const CwStrategySpec *
cw_bot_config_get_strategy(const CwBotConfig *self, const char *id)
{
	g_return_val_if_fail(self != NULL, NULL);
	for (guint i = 0; i < self->n_strategies; i++) {
		if (g_strcmp0(self->strategies[i]->id, id) == 0)
			return self->strategies[i];
	}
	return NULL;
}

JsonObject *
cw_bot_config_get_section(const CwBotConfig *self, const char *name)
{
	JsonNode *node;

	g_return_val_if_fail(self != NULL, NULL);
	node = json_object_get_member(json_node_get_object(self->root), name);
	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node))
		return NULL;
	return json_node_get_object(node);
}

const char *
cw_bot_config_get_section_type(const CwBotConfig *self, const char *name, const char *default_type)
{
	JsonObject *section = cw_bot_config_get_section(self, name);
	JsonNode *type;

	if (section == NULL)
		return default_type;
	type = json_object_get_member(section, "type");
	if (type == NULL || !JSON_NODE_HOLDS_VALUE(type) ||
	    json_node_get_value_type(type) != G_TYPE_STRING)
		return default_type;
	return json_node_get_string(type);
}

char *
cw_bot_config_to_json(const CwBotConfig *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return cw_json_to_string(self->root, TRUE);
}
