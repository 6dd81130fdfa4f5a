#include "cw-execution-test-utils.h"

#include <gio/gio.h>
#include <math.h>

/* scripted strategy */

struct _CwTestScriptedStrategy {
	GObject parent_instance;
	GArray *signals; /* of CwDirection, by candle index */
	GArray *exits;   /* of CwDirection */
	GArray *atrs;    /* of double, NAN = default */
	double atr;
	guint index;
};

static void cw_test_scripted_strategy_iface_init(CwStrategyInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwTestScriptedStrategy, cw_test_scripted_strategy, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_STRATEGY,
						    cw_test_scripted_strategy_iface_init))

static void
cw_test_scripted_strategy_finalize(GObject *object)
{
	CwTestScriptedStrategy *self = CW_TEST_SCRIPTED_STRATEGY(object);

	g_array_unref(self->signals);
	g_array_unref(self->exits);
	g_array_unref(self->atrs);
	G_OBJECT_CLASS(cw_test_scripted_strategy_parent_class)->finalize(object);
}

static void
cw_test_scripted_strategy_class_init(CwTestScriptedStrategyClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_test_scripted_strategy_finalize;
}

static void
cw_test_scripted_strategy_init(CwTestScriptedStrategy *self)
{
	self->signals = g_array_new(FALSE, TRUE, sizeof(CwDirection));
	self->exits = g_array_new(FALSE, TRUE, sizeof(CwDirection));
	self->atrs = g_array_new(FALSE, TRUE, sizeof(double));
}

static gboolean
cw_test_scripted_parse_dirs(JsonObject *params, const char *key, GArray *out, GError **error)
{
	JsonObject *map;
	g_autoptr(GList) members = NULL;

	if (params == NULL || !json_object_has_member(params, key))
		return TRUE;
	map = json_object_get_object_member(params, key);
	members = json_object_get_members(map);
	for (GList *l = members; l != NULL; l = l->next) {
		guint index = (guint) g_ascii_strtoull(l->data, NULL, 10);
		const char *value = json_object_get_string_member(map, l->data);
		CwDirection d;

		if (g_strcmp0(value, "long") == 0)
			d = CW_DIRECTION_LONG;
		else if (g_strcmp0(value, "short") == 0)
			d = CW_DIRECTION_SHORT;
		else {
			g_set_error(error, CW_EXECUTION_ERROR, CW_EXECUTION_ERROR_CONFIG,
				    "params.%s.%s: expected long or short", key,
				    (const char *) l->data);
			return FALSE;
		}
		if (index >= out->len)
			g_array_set_size(out, index + 1);
		g_array_index(out, CwDirection, index) = d;
	}
	return TRUE;
}

static gboolean
cw_test_scripted_strategy_configure(CwStrategy *strategy, const CwStrategySpec *spec,
				    GError **error)
{
	CwTestScriptedStrategy *self = CW_TEST_SCRIPTED_STRATEGY(strategy);
	JsonObject *params = NULL;

	if (spec->raw != NULL && json_object_has_member(spec->raw, "params"))
		params = json_object_get_object_member(spec->raw, "params");
	if (!cw_test_scripted_parse_dirs(params, "signals", self->signals, error) ||
	    !cw_test_scripted_parse_dirs(params, "exits", self->exits, error))
		return FALSE;
	if (params != NULL && json_object_has_member(params, "atr"))
		self->atr = json_object_get_double_member(params, "atr");
	if (params != NULL && json_object_has_member(params, "atrs")) {
		JsonObject *map = json_object_get_object_member(params, "atrs");
		g_autoptr(GList) members = json_object_get_members(map);

		for (GList *l = members; l != NULL; l = l->next) {
			guint index = (guint) g_ascii_strtoull(l->data, NULL, 10);
			guint old = self->atrs->len;

			if (index >= old) {
				g_array_set_size(self->atrs, index + 1);
				for (guint i = old; i < self->atrs->len; i++)
					g_array_index(self->atrs, double, i) = NAN;
			}
			g_array_index(self->atrs, double, index) =
			    json_object_get_double_member(map, l->data);
		}
	}
	return TRUE;
}

static void
cw_test_scripted_strategy_on_candle(CwStrategy *strategy, const CwCandle *candle,
				    CwStrategyOutput *out)
{
	CwTestScriptedStrategy *self = CW_TEST_SCRIPTED_STRATEGY(strategy);
	guint i = self->index++;

	out->ready = TRUE;
	out->signal.time = candle->open_time;
	out->signal.direction =
	    i < self->signals->len ? g_array_index(self->signals, CwDirection, i) : 0;
	out->signal.confidence = out->signal.direction != CW_DIRECTION_NONE ? 1.0 : 0.0;
	out->raw_signal = out->signal;
	out->exit_signal = i < self->exits->len ? g_array_index(self->exits, CwDirection, i) : 0;
	out->atr = self->atr;
	if (i < self->atrs->len && !isnan(g_array_index(self->atrs, double, i)))
		out->atr = g_array_index(self->atrs, double, i);
}

static void
cw_test_scripted_strategy_reset(CwStrategy *strategy)
{
	CW_TEST_SCRIPTED_STRATEGY(strategy)->index = 0;
}

static void
cw_test_scripted_strategy_iface_init(CwStrategyInterface *iface)
{
	iface->configure = cw_test_scripted_strategy_configure;
	iface->on_candle = cw_test_scripted_strategy_on_candle;
	iface->reset = cw_test_scripted_strategy_reset;
}

/* failing broker */

struct _CwTestFailingBroker {
	GObject parent_instance;
	CwPaperBroker *inner;
	gint64 fail_times;
	guint n_attempts;
};

static void cw_test_failing_broker_iface_init(CwBrokerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwTestFailingBroker, cw_test_failing_broker, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_BROKER,
						    cw_test_failing_broker_iface_init))

static void
cw_test_failing_broker_finalize(GObject *object)
{
	g_object_unref(CW_TEST_FAILING_BROKER(object)->inner);
	G_OBJECT_CLASS(cw_test_failing_broker_parent_class)->finalize(object);
}

static void
cw_test_failing_broker_class_init(CwTestFailingBrokerClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_test_failing_broker_finalize;
}

static void
cw_test_failing_broker_init(CwTestFailingBroker *self)
{
	self->inner = cw_paper_broker_new();
}

guint
cw_test_failing_broker_get_n_attempts(CwTestFailingBroker *self)
{
	return self->n_attempts;
}

static CwBrokerCaps
cw_test_failing_broker_get_capabilities(CwBroker *broker)
{
	return cw_broker_get_capabilities(CW_BROKER(CW_TEST_FAILING_BROKER(broker)->inner));
}

static gboolean
cw_test_failing_broker_configure(CwBroker *broker, const CwBotConfig *config, JsonObject *section,
				 GError **error)
{
	CwTestFailingBroker *self = CW_TEST_FAILING_BROKER(broker);

	cw_paper_broker_set_balance(self->inner, config->initial_balance);
	if (section != NULL && json_object_has_member(section, "fail_times"))
		self->fail_times = json_object_get_int_member(section, "fail_times");
	return TRUE;
}

static void
cw_test_failing_broker_set_report_sink(CwBroker *broker, CwExecutionSink sink, gpointer user_data)
{
	cw_broker_set_report_sink(CW_BROKER(CW_TEST_FAILING_BROKER(broker)->inner), sink,
				  user_data);
}

static gboolean
cw_test_failing_broker_submit(CwBroker *broker, const CwOrder *order, GError **error)
{
	CwTestFailingBroker *self = CW_TEST_FAILING_BROKER(broker);

	self->n_attempts++;
	if (self->fail_times < 0 || self->n_attempts <= (guint64) self->fail_times) {
		g_set_error(error, CW_EXECUTION_ERROR, CW_EXECUTION_ERROR_FAILED,
			    "exchange unavailable (attempt %u)", self->n_attempts);
		return FALSE;
	}
	return cw_broker_submit(CW_BROKER(self->inner), order, error);
}

static gboolean
cw_test_failing_broker_cancel(CwBroker *broker, const char *id, GError **error)
{
	return cw_broker_cancel(CW_BROKER(CW_TEST_FAILING_BROKER(broker)->inner), id, error);
}

static void
cw_test_failing_broker_on_candle(CwBroker *broker, const CwCandle *candle)
{
	cw_broker_on_candle(CW_BROKER(CW_TEST_FAILING_BROKER(broker)->inner), candle);
}

static gboolean
cw_test_failing_broker_settle(CwBroker *broker, const CwOrder *order, double price, gint64 time,
			      GError **error)
{
	return cw_broker_settle(CW_BROKER(CW_TEST_FAILING_BROKER(broker)->inner), order, price,
				time, error);
}

static void
cw_test_failing_broker_iface_init(CwBrokerInterface *iface)
{
	iface->get_capabilities = cw_test_failing_broker_get_capabilities;
	iface->configure = cw_test_failing_broker_configure;
	iface->set_report_sink = cw_test_failing_broker_set_report_sink;
	iface->submit = cw_test_failing_broker_submit;
	iface->cancel = cw_test_failing_broker_cancel;
	iface->on_candle = cw_test_failing_broker_on_candle;
	iface->settle = cw_test_failing_broker_settle;
}

/* guards */

static gboolean
cw_test_guard_active(const CwBotConfig *config, const char *key)
{
	JsonObject *section = cw_bot_config_get_section(config, "guardrails");

	return section != NULL && json_object_has_member(section, key) &&
	       json_object_get_boolean_member(section, key);
}

struct _CwTestRejectGuard {
	GObject parent_instance;
	/* guardrails.test_reject_all_after = N: every order, reducing ones
	 * too, from the N-th candle on (-1: off) */
	gint64 all_after;
	gint64 n_candles;
};

static void cw_test_reject_guard_iface_init(CwGuardInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwTestRejectGuard, cw_test_reject_guard, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_GUARD, cw_test_reject_guard_iface_init))

static void
cw_test_reject_guard_class_init(CwTestRejectGuardClass *klass)
{
}

static void
cw_test_reject_guard_init(CwTestRejectGuard *self)
{
}

static const char *
cw_test_reject_guard_get_name(CwGuard *guard)
{
	return "test-reject";
}

static gboolean
cw_test_reject_guard_configure(CwGuard *guard, const CwBotConfig *config, gboolean *active,
			       GError **error)
{
	CwTestRejectGuard *self = CW_TEST_REJECT_GUARD(guard);

	JsonObject *section = cw_bot_config_get_section(config, "guardrails");

	self->all_after =
	    section != NULL && json_object_has_member(section, "test_reject_all_after")
		? json_object_get_int_member(section, "test_reject_all_after")
		: -1;
	*active = self->all_after >= 0 || cw_test_guard_active(config, "test_reject");
	return TRUE;
}

static CwGuardVerdict
cw_test_reject_guard_check(CwGuard *guard, const CwGuardContext *ctx, CwOrder *order, char *reason,
			   gsize reason_len)
{
	CwTestRejectGuard *self = CW_TEST_REJECT_GUARD(guard);

	if (self->all_after >= 0) {
		if (self->n_candles < self->all_after)
			return CW_GUARD_ALLOW;
		g_strlcpy(reason, "test guard: every order refused", reason_len);
		return CW_GUARD_REJECT;
	}
	if (ctx->reduces)
		return CW_GUARD_ALLOW;
	g_strlcpy(reason, "test guard: no new positions", reason_len);
	return CW_GUARD_REJECT;
}

static void
cw_test_reject_guard_on_candle(CwGuard *guard, const CwGuardContext *ctx, const CwCandle *candle)
{
	CW_TEST_REJECT_GUARD(guard)->n_candles++;
}

static void
cw_test_reject_guard_iface_init(CwGuardInterface *iface)
{
	iface->get_name = cw_test_reject_guard_get_name;
	iface->configure = cw_test_reject_guard_configure;
	iface->check = cw_test_reject_guard_check;
	iface->on_candle = cw_test_reject_guard_on_candle;
}

struct _CwTestHalveGuard {
	GObject parent_instance;
};

static void cw_test_halve_guard_iface_init(CwGuardInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwTestHalveGuard, cw_test_halve_guard, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_GUARD, cw_test_halve_guard_iface_init))

static void
cw_test_halve_guard_class_init(CwTestHalveGuardClass *klass)
{
}

static void
cw_test_halve_guard_init(CwTestHalveGuard *self)
{
}

static const char *
cw_test_halve_guard_get_name(CwGuard *guard)
{
	return "test-halve";
}

static gboolean
cw_test_halve_guard_configure(CwGuard *guard, const CwBotConfig *config, gboolean *active,
			      GError **error)
{
	*active = cw_test_guard_active(config, "test_halve");
	return TRUE;
}

static CwGuardVerdict
cw_test_halve_guard_check(CwGuard *guard, const CwGuardContext *ctx, CwOrder *order, char *reason,
			  gsize reason_len)
{
	if (ctx->reduces)
		return CW_GUARD_ALLOW;
	order->qty /= 2;
	return CW_GUARD_MODIFY;
}

static void
cw_test_halve_guard_iface_init(CwGuardInterface *iface)
{
	iface->get_name = cw_test_halve_guard_get_name;
	iface->configure = cw_test_halve_guard_configure;
	iface->check = cw_test_halve_guard_check;
}

struct _CwTestErrorsGuard {
	GObject parent_instance;
};

static guint cw_test_errors_count;

static void cw_test_errors_guard_iface_init(CwGuardInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwTestErrorsGuard, cw_test_errors_guard, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_GUARD, cw_test_errors_guard_iface_init))

static void
cw_test_errors_guard_class_init(CwTestErrorsGuardClass *klass)
{
}

static void
cw_test_errors_guard_init(CwTestErrorsGuard *self)
{
}

guint
cw_test_errors_guard_get_count(void)
{
	return cw_test_errors_count;
}

static const char *
cw_test_errors_guard_get_name(CwGuard *guard)
{
	return "test-errors";
}

static gboolean
cw_test_errors_guard_configure(CwGuard *guard, const CwBotConfig *config, gboolean *active,
			       GError **error)
{
	*active = cw_test_guard_active(config, "test_errors");
	return TRUE;
}

static CwGuardVerdict
cw_test_errors_guard_check(CwGuard *guard, const CwGuardContext *ctx, CwOrder *order, char *reason,
			   gsize reason_len)
{
	return CW_GUARD_ALLOW;
}

static void
cw_test_errors_guard_on_order_error(CwGuard *guard, const CwGuardContext *ctx, const CwOrder *order,
				    const GError *error)
{
	cw_test_errors_count++;
}

static void
cw_test_errors_guard_iface_init(CwGuardInterface *iface)
{
	iface->get_name = cw_test_errors_guard_get_name;
	iface->configure = cw_test_errors_guard_configure;
	iface->check = cw_test_errors_guard_check;
	iface->on_order_error = cw_test_errors_guard_on_order_error;
}

struct _CwTestFlattenGuard {
	GObject parent_instance;
	guint after;
	guint n_candles;
	double position_qty;
};

static void cw_test_flatten_guard_iface_init(CwGuardInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwTestFlattenGuard, cw_test_flatten_guard, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_GUARD,
						    cw_test_flatten_guard_iface_init))

static void
cw_test_flatten_guard_class_init(CwTestFlattenGuardClass *klass)
{
}

static void
cw_test_flatten_guard_init(CwTestFlattenGuard *self)
{
}

static const char *
cw_test_flatten_guard_get_name(CwGuard *guard)
{
	return "test-flatten";
}

static gboolean
cw_test_flatten_guard_configure(CwGuard *guard, const CwBotConfig *config, gboolean *active,
				GError **error)
{
	CwTestFlattenGuard *self = CW_TEST_FLATTEN_GUARD(guard);
	JsonObject *section = cw_bot_config_get_section(config, "guardrails");

	*active = section != NULL && json_object_has_member(section, "test_flatten_after");
	if (*active)
		self->after = (guint) json_object_get_int_member(section, "test_flatten_after");
	return TRUE;
}

static CwGuardVerdict
cw_test_flatten_guard_check(CwGuard *guard, const CwGuardContext *ctx, CwOrder *order, char *reason,
			    gsize reason_len)
{
	return CW_GUARD_ALLOW;
}

static void
cw_test_flatten_guard_on_candle(CwGuard *guard, const CwGuardContext *ctx, const CwCandle *candle)
{
	CwTestFlattenGuard *self = CW_TEST_FLATTEN_GUARD(guard);

	self->n_candles++;
	self->position_qty = ctx->position_qty;
}

static void
cw_test_flatten_guard_on_fill(CwGuard *guard, const CwGuardContext *ctx, const CwFill *fill)
{
	CW_TEST_FLATTEN_GUARD(guard)->position_qty = ctx->position_qty;
}

static gboolean
cw_test_flatten_guard_wants_flatten(CwGuard *guard)
{
	CwTestFlattenGuard *self = CW_TEST_FLATTEN_GUARD(guard);

	return self->n_candles >= self->after && self->position_qty != 0;
}

static CwBotMode
cw_test_flatten_guard_get_mode(CwGuard *guard)
{
	CwTestFlattenGuard *self = CW_TEST_FLATTEN_GUARD(guard);

	return self->n_candles >= self->after ? CW_BOT_MODE_REDUCE_ONLY : CW_BOT_MODE_ACTIVE;
}

static char *
cw_test_flatten_guard_save_state(CwGuard *guard)
{
	return g_strdup_printf("{\"n\": %u}", CW_TEST_FLATTEN_GUARD(guard)->n_candles);
}

static gboolean
cw_test_flatten_guard_load_state(CwGuard *guard, const char *json, GError **error)
{
	g_autoptr(JsonNode) node = json_from_string(json, error);

	if (node == NULL)
		return FALSE;
	CW_TEST_FLATTEN_GUARD(guard)->n_candles =
	    (guint) json_object_get_int_member(json_node_get_object(node), "n");
	return TRUE;
}

static void
cw_test_flatten_guard_iface_init(CwGuardInterface *iface)
{
	iface->save_state = cw_test_flatten_guard_save_state;
	iface->load_state = cw_test_flatten_guard_load_state;
	iface->get_name = cw_test_flatten_guard_get_name;
	iface->configure = cw_test_flatten_guard_configure;
	iface->check = cw_test_flatten_guard_check;
	iface->on_candle = cw_test_flatten_guard_on_candle;
	iface->on_fill = cw_test_flatten_guard_on_fill;
	iface->wants_flatten = cw_test_flatten_guard_wants_flatten;
	iface->get_mode = cw_test_flatten_guard_get_mode;
}

/* helpers */

void
cw_test_register_types(void)
{
	static gsize once = 0;

	cw_execution_register_types();
	if (g_once_init_enter(&once)) {
		g_io_extension_point_implement(CW_EXTENSION_POINT_STRATEGY,
					       CW_TYPE_TEST_SCRIPTED_STRATEGY, "scripted", 0);
		g_io_extension_point_implement(CW_EXTENSION_POINT_BROKER,
					       CW_TYPE_TEST_FAILING_BROKER, "failing", 0);
		g_io_extension_point_implement(CW_EXTENSION_POINT_GUARD, CW_TYPE_TEST_REJECT_GUARD,
					       "test-reject", 10);
		g_io_extension_point_implement(CW_EXTENSION_POINT_GUARD, CW_TYPE_TEST_HALVE_GUARD,
					       "test-halve", 0);
		g_io_extension_point_implement(CW_EXTENSION_POINT_GUARD, CW_TYPE_TEST_FLATTEN_GUARD,
					       "test-flatten", 0);
		g_io_extension_point_implement(CW_EXTENSION_POINT_BROKER, CW_TYPE_TEST_VENUE_BROKER,
					       "venue", 0);
		g_io_extension_point_implement(CW_EXTENSION_POINT_GUARD, CW_TYPE_TEST_ERRORS_GUARD,
					       "test-errors", 0);
		g_once_init_leave(&once, 1);
	}
}

CwBotConfig *
cw_test_config_new(const char *json_single_quotes)
{
	g_autofree char *json = g_strdelimit(g_strdup(json_single_quotes), "'", '"');
	g_autoptr(GError) error = NULL;
	CwBotConfig *config;

	cw_test_register_types();
	config = cw_bot_config_new_from_data(json, -1, &error);
	g_assert_no_error(error);
	g_assert_nonnull(config);
	return config;
}

CwCandle
cw_test_candle(guint i, double open, double high, double low, double close)
{
	CwCandle c = {
	    .open_time = (gint64) i * 60000,
	    .interval_ms = 60000,
	    .open = open,
	    .high = high,
	    .low = low,
	    .close = close,
	    .volume = 1,
	};
	return c;
}

static void
cw_test_recorder_on_event(const CwEvent *event, gpointer user_data)
{
	CwTestRecorder *self = user_data;
	CwTestEvent rec = {0};

	rec.event = *event;
	if (event->order != NULL) {
		rec.order = *event->order;
		rec.has_order = TRUE;
	}
	if (event->fill != NULL) {
		rec.fill = *event->fill;
		rec.has_fill = TRUE;
	}
	if (event->trade != NULL) {
		rec.trade = *event->trade;
		rec.has_trade = TRUE;
	}
	if (event->position != NULL)
		rec.position = *event->position;
	if (event->source != NULL)
		g_strlcpy(rec.source, event->source, sizeof(rec.source));
	if (event->reason != NULL)
		g_strlcpy(rec.reason, event->reason, sizeof(rec.reason));
	/* the borrowed pointers are gone after dispatch */
	rec.event.order = NULL;
	rec.event.fill = NULL;
	rec.event.trade = NULL;
	rec.event.position = NULL;
	rec.event.source = NULL;
	rec.event.reason = NULL;
	g_array_append_val(self->events, rec);
}

CwTestRecorder *
cw_test_recorder_new(CwEventBus *bus, CwStrategyId strategy_id)
{
	CwTestRecorder *self = g_new0(CwTestRecorder, 1);

	self->events = g_array_new(FALSE, TRUE, sizeof(CwTestEvent));
	self->bus = g_object_ref(bus);
	self->id = cw_event_bus_subscribe(bus, CW_EVENT_MASK_ALL, strategy_id,
					  cw_test_recorder_on_event, self, NULL);
	return self;
}

void
cw_test_recorder_free(CwTestRecorder *self)
{
	cw_event_bus_unsubscribe(self->bus, self->id);
	g_object_unref(self->bus);
	g_array_unref(self->events);
	g_free(self);
}

guint
cw_test_recorder_count(CwTestRecorder *self, CwEventType type)
{
	guint n = 0;

	for (guint i = 0; i < self->events->len; i++)
		n += g_array_index(self->events, CwTestEvent, i).event.type == type ? 1 : 0;
	return n;
}

const CwTestEvent *
cw_test_recorder_nth(CwTestRecorder *self, CwEventType type, guint n)
{
	for (guint i = 0; i < self->events->len; i++) {
		const CwTestEvent *e = &g_array_index(self->events, CwTestEvent, i);
		if (e->event.type != type)
			continue;
		if (n-- == 0)
			return e;
	}
	return NULL;
}

/* asynchronous broker calls, waited for */

void
cw_test_wait(const gboolean *done)
{
	gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

	while (!*done && g_get_monotonic_time() < until)
		g_main_context_iteration(NULL, FALSE);
	g_assert_true(*done);
}

typedef struct {
	gboolean done;
	GAsyncResult *result;
} CwTestAsync;

static void
cw_test_async_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	CwTestAsync *a = user_data;

	a->result = g_object_ref(result);
	a->done = TRUE;
}

gboolean
cw_test_broker_lookup(CwBroker *broker, const char *client_order_id, CwOrder *out, GError **error)
{
	CwTestAsync a = {0};
	gboolean ok;

	cw_broker_lookup_order_async(broker, client_order_id, NULL, cw_test_async_done, &a);
	/* never from inside the call */
	g_assert_false(a.done);
	cw_test_wait(&a.done);
	ok = cw_broker_lookup_order_finish(broker, a.result, out, error);
	g_object_unref(a.result);
	return ok;
}

double
cw_test_broker_get_balance(CwBroker *broker)
{
	g_autoptr(GError) error = NULL;
	CwTestAsync a = {0};
	double balance = 0;

	cw_broker_get_balance_async(broker, NULL, cw_test_async_done, &a);
	cw_test_wait(&a.done);
	g_assert_true(cw_broker_get_balance_finish(broker, a.result, &balance, &error));
	g_assert_no_error(error);
	g_object_unref(a.result);
	return balance;
}

CwBrokerState *
cw_test_broker_reconcile(CwBroker *broker, gint64 since_ms, GError **error)
{
	CwTestAsync a = {0};
	CwBrokerState *state;

	cw_broker_reconcile_async(broker, since_ms, NULL, cw_test_async_done, &a);
	cw_test_wait(&a.done);
	state = cw_broker_reconcile_finish(broker, a.result, error);
	g_object_unref(a.result);
	return state;
}
