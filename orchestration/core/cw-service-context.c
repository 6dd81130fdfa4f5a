#include "cw-core.h"

/* One bot's exposure row. The table holds a reference while the row is in
 * it (in_table), and so does every writer that claimed it. Writers take
 * the row with a compare-and-swap of seq to an odd value and publish with
 * a release store of the next even value; readers copy the data and retry
 * while seq is odd or moved (a sequence lock), so a reader never sees a
 * half-written row and a writer never waits for a reader. */
struct _CwExposureSlot {
	CwBotExposure data;
	CwStrategyId bot;
	gint refs;     /* atomic */
	gint in_table; /* atomic */
	guint seq;     /* atomic */
};

struct _CwServiceContext {
	GObject parent_instance;
	GMutex lock;
	GHashTable *settings;  /* char* -> GVariant* */
	GHashTable *halted;    /* quark set */
	GHashTable *exposures; /* quark -> CwExposureSlot* (one reference) */
	gint halt_all;         /* atomic */
	gint halt_serial;      /* atomic, moves with every change of halted */
	gint settings_serial;  /* atomic, moves with every change of settings */
	gint exposure_readers; /* atomic: holders of a limit across bots */
};

static CwExposureSlot *
cw_exposure_slot_new(CwStrategyId bot)
{
	CwExposureSlot *slot = g_new0(CwExposureSlot, 1);

	slot->bot = bot;
	slot->refs = 1;
	slot->in_table = 1;
	return slot;
}

static void
cw_exposure_slot_unref(CwExposureSlot *slot)
{
	if (g_atomic_int_dec_and_test(&slot->refs))
		g_free(slot);
}

/* The table's destroy function: the row leaves the table. */
static void
cw_exposure_slot_detach(gpointer data)
{
	CwExposureSlot *slot = data;

	__atomic_store_n(&slot->in_table, 0, __ATOMIC_RELEASE);
	cw_exposure_slot_unref(slot);
}

static void
cw_exposure_slot_write(CwExposureSlot *slot, const CwBotExposure *exposure)
{
	guint seq;

	for (;;) {
		seq = __atomic_load_n(&slot->seq, __ATOMIC_RELAXED);
		if ((seq & 1) == 0 &&
		    __atomic_compare_exchange_n(&slot->seq, &seq, seq + 1, FALSE, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			break;
	}
	slot->data = *exposure;
	__atomic_store_n(&slot->seq, seq + 2, __ATOMIC_RELEASE);
}

static void
cw_exposure_slot_read(const CwExposureSlot *slot, CwBotExposure *out)
{
	guint before, after;

	do {
		before = __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE);
		*out = slot->data;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		after = __atomic_load_n(&slot->seq, __ATOMIC_RELAXED);
	} while ((before & 1) != 0 || before != after);
}

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
	self->exposures =
	    g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, cw_exposure_slot_detach);
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
	g_atomic_int_inc(&self->settings_serial);
	g_hash_table_remove_all(self->halted);
	g_atomic_int_inc(&self->halt_serial);
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
	g_atomic_int_inc(&self->settings_serial);
	g_mutex_unlock(&self->lock);
}

/**
 * cw_service_context_get_settings_serial:
 * @self: a context
 *
 * Lock-free. The serial changes with every cw_service_context_set_setting()
 * and cw_service_context_reset(): code that reads a setting often keeps
 * the value together with the serial it read before reading it, and reads
 * again only when the serial moved.
 *
 * Returns: the current serial.
 */
guint
cw_service_context_get_settings_serial(CwServiceContext *self)
{
	return (guint) g_atomic_int_get(&self->settings_serial);
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
	if (g_atomic_int_exchange(&self->halt_all, halt) != halt) {
		g_atomic_int_inc(&self->halt_serial);
		g_object_notify_by_pspec(G_OBJECT(self), cw_service_context_props[PROP_HALT_ALL]);
	}
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
	g_atomic_int_inc(&self->halt_serial);
	g_mutex_unlock(&self->lock);
}

/**
 * cw_service_context_get_halt_serial:
 * @self: a context
 *
 * Lock-free. The serial changes with every change of a kill switch:
 * cw_service_context_set_halt_all() when the value changes,
 * cw_service_context_set_bot_halted() and cw_service_context_reset(). A
 * guard that asks every candle whether its bot is halted keeps the answers
 * of get_halt_all() and get_bot_halted() together with the serial it read
 * before asking, and asks again only when the serial moved.
 *
 * Returns: the current serial.
 */
guint
cw_service_context_get_halt_serial(CwServiceContext *self)
{
	return (guint) g_atomic_int_get(&self->halt_serial);
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
	CwExposureSlot *row;

	g_return_if_fail(CW_IS_SERVICE_CONTEXT(self));
	g_return_if_fail(bot != 0 && exposure != NULL);
	g_mutex_lock(&self->lock);
	row = g_hash_table_lookup(self->exposures, GUINT_TO_POINTER(bot));
	if (row == NULL) {
		row = cw_exposure_slot_new(bot);
		g_hash_table_insert(self->exposures, GUINT_TO_POINTER(bot), row);
	}
	cw_exposure_slot_write(row, exposure);
	g_mutex_unlock(&self->lock);
}

/**
 * cw_service_context_exposure_slot_is_current:
 * @slot: (nullable): a row cached by cw_service_context_write_exposure()
 * @bot: the bot it is cached for
 *
 * Returns: %TRUE while @slot is @bot's row in the table: what the last write
 * through it put there is what other bots read.
 */
gboolean
cw_service_context_exposure_slot_is_current(const CwExposureSlot *slot, CwStrategyId bot)
{
	return slot != NULL && slot->bot == bot &&
	       __atomic_load_n(&slot->in_table, __ATOMIC_ACQUIRE) != 0;
}

/**
 * cw_service_context_write_exposure:
 * @self: a context
 * @slot: (inout): the caller's cached row of @bot, %NULL at first
 * @bot: the bot's strategy id (not 0)
 * @exposure: the bot's current row
 *
 * cw_service_context_update_exposure() for the hot path: while *@slot is
 * @bot's row in the table, no lock, no lookup, no allocation. Otherwise
 * (first call, another bot, the row was removed) the locked path finds or
 * creates @bot's row and caches it in *@slot.
 */
void
cw_service_context_write_exposure(CwServiceContext *self, CwExposureSlot **slot, CwStrategyId bot,
				  const CwBotExposure *exposure)
{
	CwExposureSlot *cached = *slot;
	CwExposureSlot *row;

	if (G_LIKELY(cw_service_context_exposure_slot_is_current(cached, bot))) {
		cw_exposure_slot_write(cached, exposure);
		return;
	}
	g_return_if_fail(CW_IS_SERVICE_CONTEXT(self));
	g_return_if_fail(bot != 0 && exposure != NULL);
	g_mutex_lock(&self->lock);
	row = g_hash_table_lookup(self->exposures, GUINT_TO_POINTER(bot));
	if (row == NULL) {
		row = cw_exposure_slot_new(bot);
		g_hash_table_insert(self->exposures, GUINT_TO_POINTER(bot), row);
	}
	if (row != cached) {
		if (cached != NULL)
			cw_exposure_slot_unref(cached);
		g_atomic_int_inc(&row->refs);
		*slot = row;
	}
	cw_exposure_slot_write(row, exposure);
	g_mutex_unlock(&self->lock);
}

/**
 * cw_service_context_hold_exposure_reader:
 * @self: a context
 *
 * Declares a reader of the exposure table that needs every row as of the
 * last candle: a bot under its own limit across bots. Writers may skip their
 * per-candle update while nobody holds one (and no service-wide limit is
 * set); rows are still written at every fill. Release with
 * cw_service_context_release_exposure_reader().
 */
void
cw_service_context_hold_exposure_reader(CwServiceContext *self)
{
	g_return_if_fail(CW_IS_SERVICE_CONTEXT(self));
	g_atomic_int_inc(&self->exposure_readers);
}

void
cw_service_context_release_exposure_reader(CwServiceContext *self)
{
	g_return_if_fail(CW_IS_SERVICE_CONTEXT(self));
	g_atomic_int_add(&self->exposure_readers, -1);
}

/* The number of holders; read on the per-candle path. */
guint
cw_service_context_get_n_exposure_readers(CwServiceContext *self)
{
	return (guint) g_atomic_int_get(&self->exposure_readers);
}

void
cw_service_context_release_exposure(CwServiceContext *self, CwExposureSlot **slot)
{
	g_return_if_fail(slot != NULL);
	if (*slot == NULL)
		return;
	cw_exposure_slot_unref(*slot);
	*slot = NULL;
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
	CwExposureSlot *row;

	g_return_val_if_fail(CW_IS_SERVICE_CONTEXT(self), FALSE);
	g_mutex_lock(&self->lock);
	row = g_hash_table_lookup(self->exposures, GUINT_TO_POINTER(bot));
	if (row != NULL && out != NULL)
		cw_exposure_slot_read(row, out);
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
		CwBotExposure row;

		if (GPOINTER_TO_UINT(key) == exclude)
			continue;
		cw_exposure_slot_read(value, &row);
		total->notional += row.notional;
		total->equity += row.equity;
		total->open_positions += row.open_positions;
		total->updated_at = MAX(total->updated_at, row.updated_at);
		n++;
	}
	g_mutex_unlock(&self->lock);
	return n;
}
