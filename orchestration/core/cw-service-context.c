#include "cw-core.h"

struct _CwServiceContext {
	GObject parent_instance;
	GMutex lock;
	GHashTable *settings;  /* char* -> GVariant* */
	GHashTable *halted;    /* quark set */
	GHashTable *exposures; /* quark -> CwBotExposure* */
	gint halt_all;         /* atomic */
};

G_DEFINE_TYPE(CwServiceContext, cw_service_context, G_TYPE_OBJECT)

enum {
	PROP_0,
	PROP_HALT_ALL,
	N_PROPS,
};

static GParamSpec *cw_service_context_props[N_PROPS];

static void
cw_service_context_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	CwServiceContext *self = CW_SERVICE_CONTEXT(object);

	switch (prop_id) {
	case PROP_HALT_ALL:
		g_value_set_boolean(value, cw_service_context_get_halt_all(self));
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
	}
}

static void
cw_service_context_set_property(GObject *object, guint prop_id, const GValue *value,
				GParamSpec *pspec)
{
	CwServiceContext *self = CW_SERVICE_CONTEXT(object);

	switch (prop_id) {
	case PROP_HALT_ALL:
		cw_service_context_set_halt_all(self, g_value_get_boolean(value));
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
	}
}

static void
cw_service_context_finalize(GObject *object)
{
	CwServiceContext *self = CW_SERVICE_CONTEXT(object);

	g_hash_table_unref(self->settings);
	g_hash_table_unref(self->halted);
	g_hash_table_unref(self->exposures);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(cw_service_context_parent_class)->finalize(object);
}

static void
cw_service_context_class_init(CwServiceContextClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->get_property = cw_service_context_get_property;
	object_class->set_property = cw_service_context_set_property;
	object_class->finalize = cw_service_context_finalize;

	/**
	 * CwServiceContext:halt-all:
	 *
	 * The service-wide kill switch: no bot opens or grows a position while
	 * it is set. Orders that only reduce a position still pass.
	 */
	cw_service_context_props[PROP_HALT_ALL] = g_param_spec_boolean(
	    "halt-all", NULL, NULL, FALSE,
	    G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
	g_object_class_install_properties(object_class, N_PROPS, cw_service_context_props);
}

static void
cw_service_context_init(CwServiceContext *self)
{
	g_mutex_init(&self->lock);
	self->settings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					       (GDestroyNotify) g_variant_unref);
	self->halted = g_hash_table_new(g_direct_hash, g_direct_equal);
	self->exposures = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
}

/**
 * cw_service_context_new:
 *
 * Returns: (transfer full): an empty context. Most code wants
 * cw_service_context_get_default().
 */
CwServiceContext *
cw_service_context_new(void)
{
	return g_object_new(CW_TYPE_SERVICE_CONTEXT, NULL);
}

/**
 * cw_service_context_get_default:
 *
 * Returns: (transfer none): the context that every bot of the process
 * shares. It lives until the process exits.
 */
CwServiceContext *
cw_service_context_get_default(void)
{
	static CwServiceContext *instance = NULL;

	if (g_once_init_enter(&instance)) {
		CwServiceContext *ctx = cw_service_context_new();
		g_once_init_leave(&instance, ctx);
	}
	return instance;
}

/**
 * cw_service_context_reset:
 * @self: a context
 *
 * Forgets every setting, kill switch and exposure row (a service restart,
 * or isolation between tests).
 */
void
cw_service_context_reset(CwServiceContext *self)
{
	g_return_if_fail(CW_IS_SERVICE_CONTEXT(self));
	g_mutex_lock(&self->lock);
	g_hash_table_remove_all(self->settings);
	g_hash_table_remove_all(self->halted);
	g_hash_table_remove_all(self->exposures);
	g_mutex_unlock(&self->lock);
	cw_service_context_set_halt_all(self, FALSE);
}

/**
 * cw_service_context_set_setting:
 * @self: a context
 * @key: a dotted name such as "guardrails.max_exposure_pct"
 * @value: (nullable): the value (a floating reference is sunk); %NULL
 *   removes the setting
 */
void
cw_service_context_set_setting(CwServiceContext *self, const char *key, GVariant *value)
{
	g_return_if_fail(CW_IS_SERVICE_CONTEXT(self));
	g_return_if_fail(key != NULL);
	g_mutex_lock(&self->lock);
	if (value == NULL)
		g_hash_table_remove(self->settings, key);
	else
		g_hash_table_replace(self->settings, g_strdup(key), g_variant_ref_sink(value));
	g_mutex_unlock(&self->lock);
}

/**
 * cw_service_context_get_setting:
 *
 * Returns: (transfer full) (nullable): the value of key, or %NULL.
 */
GVariant *
cw_service_context_get_setting(CwServiceContext *self, const char *key)
{
	GVariant *value;

	g_return_val_if_fail(CW_IS_SERVICE_CONTEXT(self), NULL);
	g_mutex_lock(&self->lock);
	value = g_hash_table_lookup(self->settings, key);
	if (value != NULL)
		g_variant_ref(value);
	g_mutex_unlock(&self->lock);
	return value;
}

gboolean
cw_service_context_has_setting(CwServiceContext *self, const char *key)
{
	gboolean found;

	g_return_val_if_fail(CW_IS_SERVICE_CONTEXT(self), FALSE);
	g_mutex_lock(&self->lock);
	found = g_hash_table_contains(self->settings, key);
	g_mutex_unlock(&self->lock);
	return found;
}

/* Numeric variant to double; FALSE when not a number. */
static gboolean
cw_service_context_variant_number(GVariant *value, double *out)
{
	if (value == NULL)
		return FALSE;
	if (g_variant_is_of_type(value, G_VARIANT_TYPE_DOUBLE))
		*out = g_variant_get_double(value);
	else if (g_variant_is_of_type(value, G_VARIANT_TYPE_INT32))
		*out = g_variant_get_int32(value);
	else if (g_variant_is_of_type(value, G_VARIANT_TYPE_UINT32))
		*out = g_variant_get_uint32(value);
	else if (g_variant_is_of_type(value, G_VARIANT_TYPE_INT64))
		*out = (double) g_variant_get_int64(value);
	else if (g_variant_is_of_type(value, G_VARIANT_TYPE_UINT64))
		*out = (double) g_variant_get_uint64(value);
	else if (g_variant_is_of_type(value, G_VARIANT_TYPE_INT16))
		*out = g_variant_get_int16(value);
	else if (g_variant_is_of_type(value, G_VARIANT_TYPE_UINT16))
		*out = g_variant_get_uint16(value);
	else if (g_variant_is_of_type(value, G_VARIANT_TYPE_BYTE))
		*out = g_variant_get_byte(value);
	else
		return FALSE;
	return TRUE;
}

/**
 * cw_service_context_get_double:
 *
 * Returns: the setting as a double when it holds any numeric type, else @def.
 * Allocates nothing.
 */
double
cw_service_context_get_double(CwServiceContext *self, const char *key, double def)
{
	double result = def;
	double number;

	g_return_val_if_fail(CW_IS_SERVICE_CONTEXT(self), def);
	g_mutex_lock(&self->lock);
	if (cw_service_context_variant_number(g_hash_table_lookup(self->settings, key), &number))
		result = number;
	g_mutex_unlock(&self->lock);
	return result;
}

/**
 * cw_service_context_get_uint:
 *
 * Returns: the setting when it holds an integral number in [0, G_MAXUINT],
 * else @def. Allocates nothing.
 */
guint
cw_service_context_get_uint(CwServiceContext *self, const char *key, guint def)
{
	guint result = def;
	double number;

	g_return_val_if_fail(CW_IS_SERVICE_CONTEXT(self), def);
	g_mutex_lock(&self->lock);
	if (cw_service_context_variant_number(g_hash_table_lookup(self->settings, key), &number) &&
	    number >= 0 && number <= G_MAXUINT && number == (double) (guint) number)
		result = (guint) number;
	g_mutex_unlock(&self->lock);
	return result;
}

gboolean
cw_service_context_get_boolean(CwServiceContext *self, const char *key, gboolean def)
{
	gboolean result = def;
	GVariant *value;

	g_return_val_if_fail(CW_IS_SERVICE_CONTEXT(self), def);
	g_mutex_lock(&self->lock);
	value = g_hash_table_lookup(self->settings, key);
	if (value != NULL && g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN))
		result = g_variant_get_boolean(value);
	g_mutex_unlock(&self->lock);
	return result;
}

/**
 * cw_service_context_set_halt_all:
 * @self: a context
 * @halt: %TRUE to stop new entries of every bot
 */
void
cw_service_context_set_halt_all(CwServiceContext *self, gboolean halt)
{
	g_return_if_fail(CW_IS_SERVICE_CONTEXT(self));
	halt = halt ? 1 : 0;
	if (g_atomic_int_exchange(&self->halt_all, halt) != halt)
		g_object_notify_by_pspec(G_OBJECT(self), cw_service_context_props[PROP_HALT_ALL]);
}

gboolean
cw_service_context_get_halt_all(CwServiceContext *self)
{
	g_return_val_if_fail(CW_IS_SERVICE_CONTEXT(self), FALSE);
	return g_atomic_int_get(&self->halt_all) != 0;
}

/**
 * cw_service_context_set_bot_halted:
 * @self: a context
 * @bot: the bot's strategy id
 * @halted: %TRUE to stop new entries of this bot only
 */
void
cw_service_context_set_bot_halted(CwServiceContext *self, CwStrategyId bot, gboolean halted)
{
	g_return_if_fail(CW_IS_SERVICE_CONTEXT(self));
	g_return_if_fail(bot != 0);
	g_mutex_lock(&self->lock);
	if (halted)
		g_hash_table_add(self->halted, GUINT_TO_POINTER(bot));
	else
		g_hash_table_remove(self->halted, GUINT_TO_POINTER(bot));
	g_mutex_unlock(&self->lock);
}

gboolean
cw_service_context_get_bot_halted(CwServiceContext *self, CwStrategyId bot)
{
	gboolean halted;

	g_return_val_if_fail(CW_IS_SERVICE_CONTEXT(self), FALSE);
	g_mutex_lock(&self->lock);
	halted = g_hash_table_contains(self->halted, GUINT_TO_POINTER(bot));
	g_mutex_unlock(&self->lock);
	return halted;
}

/**
 * cw_service_context_update_exposure:
 * @self: a context
 * @bot: the bot's strategy id (not 0)
 * @exposure: the bot's current row
 *
 * Allocates only the first time a bot writes its row.
 */
void
cw_service_context_update_exposure(CwServiceContext *self, CwStrategyId bot,
				   const CwBotExposure *exposure)
{
	CwBotExposure *row;

	g_return_if_fail(CW_IS_SERVICE_CONTEXT(self));
	g_return_if_fail(bot != 0 && exposure != NULL);
	g_mutex_lock(&self->lock);
	row = g_hash_table_lookup(self->exposures, GUINT_TO_POINTER(bot));
	if (row == NULL) {
		row = g_new0(CwBotExposure, 1);
		g_hash_table_insert(self->exposures, GUINT_TO_POINTER(bot), row);
	}
	*row = *exposure;
	g_mutex_unlock(&self->lock);
}

void
cw_service_context_remove_exposure(CwServiceContext *self, CwStrategyId bot)
{
	g_return_if_fail(CW_IS_SERVICE_CONTEXT(self));
	g_mutex_lock(&self->lock);
	g_hash_table_remove(self->exposures, GUINT_TO_POINTER(bot));
	g_mutex_unlock(&self->lock);
}

gboolean
cw_service_context_get_exposure(CwServiceContext *self, CwStrategyId bot, CwBotExposure *out)
{
	CwBotExposure *row;

	g_return_val_if_fail(CW_IS_SERVICE_CONTEXT(self), FALSE);
	g_mutex_lock(&self->lock);
	row = g_hash_table_lookup(self->exposures, GUINT_TO_POINTER(bot));
	if (row != NULL && out != NULL)
		*out = *row;
	g_mutex_unlock(&self->lock);
	return row != NULL;
}

/**
 * cw_service_context_sum_exposure:
 * @self: a context
 * @exclude: a bot to leave out (usually the caller's own, whose row may be
 *   older than what it knows), or 0
 * @total: (out): the sums; updated_at is the newest row's
 *
 * Returns: the number of rows summed. Allocates nothing.
 */
guint
cw_service_context_sum_exposure(CwServiceContext *self, CwStrategyId exclude, CwBotExposure *total)
{
	GHashTableIter iter;
	gpointer key, value;
	guint n = 0;

	g_return_val_if_fail(CW_IS_SERVICE_CONTEXT(self), 0);
	g_return_val_if_fail(total != NULL, 0);
	*total = (CwBotExposure){0};
	g_mutex_lock(&self->lock);
	g_hash_table_iter_init(&iter, self->exposures);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		const CwBotExposure *row = value;

		if (GPOINTER_TO_UINT(key) == exclude)
			continue;
		total->notional += row->notional;
		total->equity += row->equity;
		total->open_positions += row->open_positions;
		total->updated_at = MAX(total->updated_at, row->updated_at);
		n++;
	}
	g_mutex_unlock(&self->lock);
	return n;
}
