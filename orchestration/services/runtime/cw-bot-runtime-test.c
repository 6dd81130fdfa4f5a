/* CwBotRuntime: one bot of the service, fed candle by candle: it takes its
 * own symbol's candles once each, in order, from its origin on; it
 * journals what its orchestrator does through its own write queue; its
 * cursor is queued only when it moved; it journals nothing while it
 * replays history; it switches between the strategies of its config; and
 * a venue bot restarted after a downtime catches up on the candles held
 * while its reconcile ran, even when the feed went live before the answer.
 * On a real SQLite file; order rows go straight to the store (no candle
 * transaction: env.journal is NULL). */
#include "cw-runtime-test-utils.h"

#include "cw-execution-test-utils.h"
#include "cw-venue-core.h"

typedef struct {
	CwStoreFixture store;
	CwStoreWriter *writer;
	CwOrchestratorCache *cache;
	CwBotRuntime *rt;
	gint64 id;
} RtFixture;

static void
rt_setup(RtFixture *fx, gconstpointer user_data)
{
	gboolean two = GPOINTER_TO_INT(user_data);
	g_autofree char *text = cw_rt_config_text("bot", "k1", NULL, two);
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = NULL;
	CwBotRuntimeEnv env;

	cw_test_feed_register();
	cw_store_fixture_setup(&fx->store, NULL);
	fx->writer = cw_store_writer_new(fx->store.store);
	fx->cache = cw_orchestrator_cache_new(0);
	config = cw_bot_config_new_from_data(text, -1, &error);
	g_assert_no_error(error);
	fx->id = cw_store_bot_add(fx->store.store, "bot", text, TRUE, &error);
	g_assert_no_error(error);
	env = (CwBotRuntimeEnv){fx->store.store, fx->writer, fx->cache, NULL};
	fx->rt = cw_bot_runtime_new(&env, fx->id, "bot", config, text, 42);
}

static void
rt_teardown(RtFixture *fx, gconstpointer user_data)
{
	cw_bot_runtime_free(fx->rt);
	cw_orchestrator_cache_free(fx->cache);
	cw_store_writer_free(fx->writer);
	cw_store_fixture_teardown(&fx->store, NULL);
	cw_test_log_assert_none();
}

static void
rt_flush(RtFixture *fx)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(cw_store_writer_flush(cw_bot_runtime_get_writer(fx->rt), &error));
	g_assert_no_error(error);
}

static gint64
rt_count(RtFixture *fx, const char *sql)
{
	sqlite3 *db = cw_store_test_raw_open(fx->store.path);
	gint64 n = cw_store_test_raw_int(db, sql);

	sqlite3_close(db);
	return n;
}

static gint64
rt_state_int(RtFixture *fx, const char *key)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *text = cw_store_state_get(fx->store.store, fx->id, key, &error);

	g_assert_no_error(error);
	return text != NULL ? g_ascii_strtoll(text, NULL, 10) : G_MININT64;
}

static gint64
rt_time(guint i)
{
	return CW_RT_T0 + (gint64) i * CW_RT_STEP_MS;
}

/* "held-venue" on cw-broker: a venue (no SIMULATED_ON_CANDLES) whose
 * reconcile does not answer until the test says so. What the venue holds
 * outlives the bot: the orders and the position are rt_venue's, shared by
 * the broker of each life. Acks and cancels reach the bot from the main
 * loop (an idle); at a candle the venue first delivers what it still
 * owes, then fills the market orders at the open and the stops the candle
 * crosses, and delivers those fills at once, so that a stop is booked on
 * the candle that crossed it. */
typedef struct {
	GArray *orders; /* of CwOrder: held by the venue, none removed */
	double position;
	double entry_price;
	GTask *reconcile; /* the reconcile that waits for the test */
	GArray *seen;     /* of gint64: the open times given to on_candle */
} RtVenue;

static RtVenue rt_venue;

#define CW_TYPE_TEST_HELD_BROKER (cw_test_held_broker_get_type())
G_DECLARE_FINAL_TYPE(CwTestHeldBroker, cw_test_held_broker, CW, TEST_HELD_BROKER, GObject)

struct _CwTestHeldBroker {
	GObject parent_instance;
	CwVenueCore core; /* core.orders is rt_venue.orders */
	guint deliver_id;
};

static void cw_test_held_broker_iface_init(CwBrokerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwTestHeldBroker, cw_test_held_broker, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_BROKER, cw_test_held_broker_iface_init))

static void
cw_test_held_broker_finalize(GObject *object)
{
	CwTestHeldBroker *self = CW_TEST_HELD_BROKER(object);

	g_clear_handle_id(&self->deliver_id, g_source_remove);
	cw_venue_core_clear(&self->core);
	G_OBJECT_CLASS(cw_test_held_broker_parent_class)->finalize(object);
}

static void
cw_test_held_broker_class_init(CwTestHeldBrokerClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_test_held_broker_finalize;
}

static void
cw_test_held_broker_init(CwTestHeldBroker *self)
{
	cw_venue_core_init(&self->core);
	g_array_unref(self->core.orders);
	self->core.orders = g_array_ref(rt_venue.orders);
}

static gboolean
cw_test_held_broker_deliver_cb(gpointer user_data)
{
	CwTestHeldBroker *self = user_data;

	self->deliver_id = 0;
	cw_venue_core_deliver_queued(&self->core);
	return G_SOURCE_REMOVE;
}

static void
cw_test_held_broker_schedule(CwTestHeldBroker *self)
{
	if (self->deliver_id == 0 && self->core.queue->len > 0)
		self->deliver_id = g_idle_add(cw_test_held_broker_deliver_cb, self);
}

static CwBrokerCaps
cw_test_held_broker_get_capabilities(CwBroker *broker)
{
	return CW_VENUE_CORE_CAPS;
}

static gboolean
cw_test_held_broker_configure(CwBroker *broker, const CwBotConfig *config, JsonObject *section,
			      GError **error)
{
	return TRUE;
}

static void
cw_test_held_broker_set_report_sink(CwBroker *broker, CwExecutionSink sink, gpointer user_data)
{
	cw_venue_core_set_sink(&CW_TEST_HELD_BROKER(broker)->core, sink, user_data);
}

static gboolean
cw_test_held_broker_submit(CwBroker *broker, const CwOrder *order, GError **error)
{
	CwTestHeldBroker *self = CW_TEST_HELD_BROKER(broker);
	CwOrder copy = *order;

	copy.status = CW_ORDER_STATUS_NEW;
	copy.updated_at = self->core.now;
	g_array_append_val(self->core.orders, copy);
	cw_venue_core_queue(&self->core, &copy, NULL, NULL);
	cw_test_held_broker_schedule(self);
	return TRUE;
}

static gboolean
cw_test_held_broker_cancel(CwBroker *broker, const char *id, GError **error)
{
	CwTestHeldBroker *self = CW_TEST_HELD_BROKER(broker);
	CwOrder *o = cw_venue_core_find(&self->core, id, NULL);

	if (o == NULL || cw_order_status_is_final(o->status)) {
		cw_broker_set_error(error, CW_BROKER_ERROR_NOT_FOUND, 0, 110001, "no order %s", id);
		return FALSE;
	}
	o->status = CW_ORDER_STATUS_CANCELLED;
	o->updated_at = self->core.now;
	cw_venue_core_queue(&self->core, o, NULL, NULL);
	cw_test_held_broker_schedule(self);
	return TRUE;
}

/* Fills what is left of o at price, and moves the venue's position. */
static void
cw_test_held_broker_fill(CwTestHeldBroker *self, CwOrder *o, double price)
{
	double qty = o->qty - o->filled_qty;
	double signed_qty = o->side == CW_SIDE_BUY ? qty : -qty;
	double after = rt_venue.position + signed_qty;

	if (fabs(after) < 1e-12)
		rt_venue.entry_price = 0;
	else if (rt_venue.position == 0 || (rt_venue.position > 0) == (signed_qty > 0))
		rt_venue.entry_price =
		    (rt_venue.entry_price * fabs(rt_venue.position) + price * qty) / fabs(after);
	rt_venue.position = fabs(after) < 1e-12 ? 0 : after;
	o->updated_at = self->core.now;
	cw_venue_core_fill(&self->core, o, qty, price);
}

static void
cw_test_held_broker_on_candle(CwBroker *broker, const CwCandle *candle)
{
	CwTestHeldBroker *self = CW_TEST_HELD_BROKER(broker);

	g_array_append_val(rt_venue.seen, candle->open_time);
	g_clear_handle_id(&self->deliver_id, g_source_remove);
	cw_venue_core_deliver_queued(&self->core);
	self->core.now = candle->open_time;
	for (guint i = 0; i < self->core.orders->len; i++) {
		CwOrder *o = &g_array_index(self->core.orders, CwOrder, i);

		if (cw_order_status_is_final(o->status))
			continue;
		if (o->type == CW_ORDER_TYPE_MARKET)
			cw_test_held_broker_fill(self, o, candle->open);
		else if (o->type == CW_ORDER_TYPE_STOP && cw_venue_core_stop_crossed(o, candle))
			cw_test_held_broker_fill(self, o, o->stop_price);
	}
	/* the fills now; what the bot sends from them is answered later */
	cw_venue_core_deliver_queued(&self->core);
	cw_test_held_broker_schedule(self);
}

static void
cw_test_held_broker_lookup_order_async(CwBroker *broker, const char *id, GCancellable *cancellable,
				       GAsyncReadyCallback callback, gpointer user_data)
{
	CwTestHeldBroker *self = CW_TEST_HELD_BROKER(broker);
	g_autoptr(GTask) task = g_task_new(broker, cancellable, callback, user_data);

	cw_venue_core_lookup(&self->core, task, id);
}

static gboolean
cw_test_held_broker_lookup_order_finish(CwBroker *broker, GAsyncResult *result, CwOrder *out,
					GError **error)
{
	return cw_venue_core_lookup_finish(result, out, error);
}

/* Kept until rt_venue_answer_reconcile(). */
static void
cw_test_held_broker_reconcile_async(CwBroker *broker, gint64 since_ms, GCancellable *cancellable,
				    GAsyncReadyCallback callback, gpointer user_data)
{
	g_assert_null(rt_venue.reconcile);
	rt_venue.reconcile = g_task_new(broker, cancellable, callback, user_data);
	g_task_set_task_data(rt_venue.reconcile, g_memdup2(&since_ms, sizeof since_ms), g_free);
}

static CwBrokerState *
cw_test_held_broker_reconcile_finish(CwBroker *broker, GAsyncResult *result, GError **error)
{
	return g_task_propagate_pointer(G_TASK(result), error);
}

static void
cw_test_held_broker_follow(CwBroker *broker, const CwOrder *order)
{
	/* the venue's orders are this broker's already (rt_venue) */
	g_assert_nonnull(
	    cw_venue_core_find(&CW_TEST_HELD_BROKER(broker)->core, order->client_order_id, NULL));
}

static void
cw_test_held_broker_iface_init(CwBrokerInterface *iface)
{
	iface->get_capabilities = cw_test_held_broker_get_capabilities;
	iface->configure = cw_test_held_broker_configure;
	iface->set_report_sink = cw_test_held_broker_set_report_sink;
	iface->submit = cw_test_held_broker_submit;
	iface->cancel = cw_test_held_broker_cancel;
	iface->on_candle = cw_test_held_broker_on_candle;
	iface->lookup_order_async = cw_test_held_broker_lookup_order_async;
	iface->lookup_order_finish = cw_test_held_broker_lookup_order_finish;
	iface->reconcile_async = cw_test_held_broker_reconcile_async;
	iface->reconcile_finish = cw_test_held_broker_reconcile_finish;
	iface->follow = cw_test_held_broker_follow;
}

/* The venue answers the reconcile it kept: what it holds now. */
static void
rt_venue_answer_reconcile(void)
{
	g_autoptr(GTask) task = g_steal_pointer(&rt_venue.reconcile);
	gint64 since = *(const gint64 *) g_task_get_task_data(task);
	CwBrokerState *state = g_new0(CwBrokerState, 1);

	state->open_orders = g_array_new(FALSE, TRUE, sizeof(CwOrder));
	state->ended = g_array_new(FALSE, TRUE, sizeof(CwOrder));
	for (guint i = 0; i < rt_venue.orders->len; i++) {
		const CwOrder *o = &g_array_index(rt_venue.orders, CwOrder, i);

		if (!cw_order_status_is_final(o->status))
			g_array_append_val(state->open_orders, *o);
		else if (o->updated_at >= since)
			g_array_append_val(state->ended, *o);
	}
	state->position = rt_venue.position;
	state->entry_price = rt_venue.entry_price;
	state->balance = 10000;
	g_task_return_pointer(task, state, (GDestroyNotify) cw_broker_state_free);
}

/* The venue's own clock while the bot is down: the stops a candle crosses
 * fill, and nobody hears of it (the bot's stream is not there yet); the
 * reconcile reports them as ended. */
static void
rt_venue_tick(const CwCandle *candle)
{
	for (guint i = 0; i < rt_venue.orders->len; i++) {
		CwOrder *o = &g_array_index(rt_venue.orders, CwOrder, i);
		double qty = o->qty - o->filled_qty;

		if (o->type != CW_ORDER_TYPE_STOP || cw_order_status_is_final(o->status) ||
		    !cw_venue_core_stop_crossed(o, candle))
			continue;
		rt_venue.position += o->side == CW_SIDE_BUY ? qty : -qty;
		if (fabs(rt_venue.position) < 1e-12)
			rt_venue.position = rt_venue.entry_price = 0;
		o->filled_qty = o->qty;
		o->avg_fill_price = o->stop_price;
		o->status = CW_ORDER_STATUS_FILLED;
		o->updated_at = candle->open_time;
	}
}

/* The venue's working stop (NULL when none). */
static const CwOrder *
rt_venue_working_stop(void)
{
	for (guint i = 0; i < rt_venue.orders->len; i++) {
		const CwOrder *o = &g_array_index(rt_venue.orders, CwOrder, i);

		if (o->type == CW_ORDER_TYPE_STOP && !cw_order_status_is_final(o->status))
			return o;
	}
	return NULL;
}

/* Identity, and no candle is taken before the orchestrator is loaded. */
/* Wakes the main loop every 20 ms, so that a wait for something that never
 * comes still ends at its deadline. */
static gboolean
rt_tick_cb(gpointer user_data)
{
	return G_SOURCE_CONTINUE;
}

static void
test_rt_basics(RtFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	CwCandle c = cw_rt_candle(0);
	CwTradingOrchestrator *orch;

	g_assert_cmpint(cw_bot_runtime_get_id(fx->rt), ==, fx->id);
	g_assert_cmpstr(cw_bot_runtime_get_name(fx->rt), ==, "bot");
	g_assert_cmpint(cw_bot_runtime_get_updated_at(fx->rt), ==, 42);
	g_assert_nonnull(strstr(cw_bot_runtime_get_config_text(fx->rt), "\"key\":\"k1\""));
	g_assert_cmpstr(cw_bot_runtime_get_config(fx->rt)->symbol, ==, "BTCUSDT");
	g_assert_cmpint(cw_bot_runtime_get_mode(fx->rt), ==, CW_BOT_MODE_ACTIVE);

	cw_bot_runtime_on_candle(fx->rt, &c);
	g_assert_cmpint(cw_bot_runtime_get_cursor(fx->rt), ==, G_MININT64);
	orch = cw_bot_runtime_get_active(fx->rt, &error);
	g_assert_no_error(error);
	g_assert_nonnull(orch);
	g_assert_true(cw_bot_runtime_get_active(fx->rt, NULL) == orch);
	g_assert_cmpuint(cw_bot_runtime_get_cache_stats(fx->rt)->misses, ==, 1);
	cw_bot_runtime_on_candle(fx->rt, &c);
	g_assert_cmpint(cw_bot_runtime_get_cursor(fx->rt), ==, rt_time(0));
}

/* Each candle once, in order, of the bot's own symbol only. */
static void
test_rt_cursor(RtFixture *fx, gconstpointer user_data)
{
	CwCandle c;

	g_assert_nonnull(cw_bot_runtime_get_active(fx->rt, NULL));
	for (guint i = 0; i < 5; i++) {
		c = cw_rt_candle(i);
		cw_bot_runtime_on_candle(fx->rt, &c);
	}
	g_assert_cmpint(cw_bot_runtime_get_cursor(fx->rt), ==, rt_time(4));
	/* a repeat and an older candle change nothing */
	c = cw_rt_candle(4);
	cw_bot_runtime_on_candle(fx->rt, &c);
	c = cw_rt_candle(2);
	cw_bot_runtime_on_candle(fx->rt, &c);
	g_assert_cmpint(cw_bot_runtime_get_cursor(fx->rt), ==, rt_time(4));
	/* another symbol on the same feed is not this bot's */
	c = cw_rt_candle(5);
	c.symbol = g_quark_from_string("ETHUSDT");
	cw_bot_runtime_on_candle(fx->rt, &c);
	g_assert_cmpint(cw_bot_runtime_get_cursor(fx->rt), ==, rt_time(4));

	/* the cursor and the origin (first candle) are queued once */
	cw_bot_runtime_queue_cursor(fx->rt);
	rt_flush(fx);
	g_assert_cmpint(rt_state_int(fx, "cursor"), ==, rt_time(4));
	g_assert_cmpint(rt_state_int(fx, "origin"), ==, rt_time(0));
	cw_bot_runtime_queue_cursor(fx->rt);
	g_assert_cmpuint(cw_store_writer_get_pending(cw_bot_runtime_get_writer(fx->rt)), ==, 0);
	c = cw_rt_candle(6);
	cw_bot_runtime_on_candle(fx->rt, &c);
	cw_bot_runtime_queue_cursor(fx->rt);
	rt_flush(fx);
	g_assert_cmpint(rt_state_int(fx, "cursor"), ==, rt_time(6));
	g_assert_cmpint(rt_state_int(fx, "origin"), ==, rt_time(0));
}

/* A bot that joined a running feed takes no candle before its origin. */
static void
test_rt_origin(RtFixture *fx, gconstpointer user_data)
{
	g_assert_nonnull(cw_bot_runtime_get_active(fx->rt, NULL));
	cw_bot_runtime_set_origin(fx->rt, rt_time(3));
	for (guint i = 0; i < 6; i++) {
		CwCandle c = cw_rt_candle(i);
		cw_bot_runtime_on_candle(fx->rt, &c);
		g_assert_cmpint(cw_bot_runtime_get_cursor(fx->rt), ==,
				i < 3 ? G_MININT64 : rt_time(i));
	}
}

/* What the orchestrator does is journaled through the bot's queue: every
 * closed trade as a TRADE_CLOSED event and a trading_trades row, and
 * nothing before the flush. */
static void
test_rt_journal(RtFixture *fx, gconstpointer user_data)
{
	CwTradingOrchestrator *orch = cw_bot_runtime_get_active(fx->rt, NULL);
	const guint n = 600;
	guint trades;

	for (guint i = 0; i < n; i++) {
		CwCandle c = cw_rt_candle(i);
		cw_bot_runtime_on_candle(fx->rt, &c);
	}
	trades = cw_trading_orchestrator_get_trades(orch)->len;
	g_test_message("%u trades over %u candles", trades, n);
	g_assert_cmpuint(trades, >, 0);
	g_assert_cmpuint(cw_store_writer_get_pending(cw_bot_runtime_get_writer(fx->rt)), >, 0);
	g_assert_cmpint(rt_count(fx, "SELECT count(*) FROM events"), ==, 0);
	rt_flush(fx);
	g_assert_cmpint(rt_count(fx, "SELECT count(*) FROM trading_trades WHERE bot_name = 'bot'"),
			==, trades);
	g_assert_cmpint(rt_count(fx, "SELECT count(*) FROM events WHERE type = 'TRADE_CLOSED'"), ==,
			trades);
	g_assert_cmpint(rt_count(fx, "SELECT count(DISTINCT bot_id) FROM events"), ==, 1);
	g_assert_cmpint(rt_count(fx, "SELECT min(bot_id) FROM events"), ==, fx->id);
	g_assert_cmpint(rt_count(fx, "SELECT count(*) FROM orders"), >, 0);
}

/* A restarted bot: it warms up on its history up to the persisted cursor
 * (nothing decided, journalled or queued, no order), then takes the
 * trading state snapshot written with that cursor and trades on exactly as
 * the bot that was never stopped. */
static void
test_rt_recovery(RtFixture *fx, gconstpointer user_data)
{
	g_autofree char *text = cw_rt_config_text("bot", "k1", NULL, FALSE);
	g_autoptr(CwBotConfig) config = cw_bot_config_new_from_data(text, -1, NULL);
	/* the restarted process: its own cache */
	CwOrchestratorCache *cache = cw_orchestrator_cache_new(0);
	CwBotRuntimeEnv env = {fx->store.store, fx->writer, cache, NULL};
	g_autoptr(GError) error = NULL;
	g_autofree char *snapshot = NULL;
	g_autofree guint8 *data = NULL;
	g_autoptr(GBytes) bytes = NULL;
	CwBotRuntime *again;
	CwStoreWriter *w;
	const guint until = 400, end = 900;
	gsize len = 0;
	gint64 orders;

	g_assert_nonnull(cw_bot_runtime_get_active(fx->rt, NULL));
	for (guint i = 0; i <= until; i++) {
		CwCandle c = cw_rt_candle(i);
		cw_bot_runtime_on_candle(fx->rt, &c);
	}
	cw_bot_runtime_queue_cursor(fx->rt);
	rt_flush(fx);
	g_assert_cmpuint(
	    cw_trading_orchestrator_get_trades(cw_bot_runtime_get_active(fx->rt, NULL))->len, >, 0);
	snapshot = cw_store_state_get(fx->store.store, fx->id, "trading_state", &error);
	g_assert_no_error(error);
	g_assert_nonnull(snapshot);
	data = g_base64_decode(snapshot, &len);
	bytes = g_bytes_new(data, len);
	orders = rt_count(fx, "SELECT count(*) FROM orders");

	again = cw_bot_runtime_new(&env, fx->id, "bot", config, text, 42);
	w = cw_bot_runtime_get_writer(again);
	g_assert_nonnull(cw_bot_runtime_get_active(again, NULL));
	cw_bot_runtime_set_recovery(again, rt_time(until));
	cw_bot_runtime_set_snapshot(again, bytes, FALSE);
	for (guint i = 0; i <= until; i++) {
		CwCandle c = cw_rt_candle(i);
		cw_bot_runtime_on_candle(again, &c);
		g_assert_true(cw_bot_runtime_is_recovering(again));
	}
	g_assert_cmpint(cw_bot_runtime_get_cursor(again), ==, rt_time(until));
	cw_bot_runtime_queue_cursor(again);
	g_assert_cmpuint(cw_store_writer_get_pending(w), ==, 0);
	/* the state is the snapshot's (restored before the warm-up, which
	 * leaves it alone): nothing decided, no order, in the warm-up */
	g_assert_cmpuint(
	    cw_trading_orchestrator_get_trades(cw_bot_runtime_get_active(again, NULL))->len, ==,
	    cw_trading_orchestrator_get_trades(cw_bot_runtime_get_active(fx->rt, NULL))->len);
	g_assert_true(cw_trading_orchestrator_is_warm_up(cw_bot_runtime_get_active(again, NULL)));
	g_assert_cmpuint(
	    cw_trading_orchestrator_get_next_seq(cw_bot_runtime_get_active(again, NULL)), ==,
	    cw_trading_orchestrator_get_next_seq(cw_bot_runtime_get_active(fx->rt, NULL)));
	g_assert_cmpint(rt_count(fx, "SELECT count(*) FROM orders"), ==, orders);

	for (guint i = until + 1; i <= end; i++) {
		CwCandle c = cw_rt_candle(i);
		cw_bot_runtime_on_candle(fx->rt, &c);
		cw_bot_runtime_on_candle(again, &c);
		g_assert_false(cw_bot_runtime_is_recovering(again));
	}
	{
		const GArray *a =
		    cw_trading_orchestrator_get_trades(cw_bot_runtime_get_active(fx->rt, NULL));
		const GArray *b =
		    cw_trading_orchestrator_get_trades(cw_bot_runtime_get_active(again, NULL));
		g_assert_cmpuint(b->len, ==, a->len);
		for (guint i = 0; i < a->len; i++)
			g_assert_cmpfloat(g_array_index(b, CwTrade, i).net_pnl, ==,
					  g_array_index(a, CwTrade, i).net_pnl);
		g_assert_cmpuint(
		    cw_trading_orchestrator_get_next_seq(cw_bot_runtime_get_active(again, NULL)),
		    ==,
		    cw_trading_orchestrator_get_next_seq(cw_bot_runtime_get_active(fx->rt, NULL)));
	}
	cw_bot_runtime_queue_cursor(again);
	g_assert_cmpuint(cw_store_writer_get_pending(w), >, 0);
	g_assert_true(cw_store_writer_flush(w, &error));
	g_assert_no_error(error);
	g_assert_cmpint(rt_state_int(fx, "cursor"), ==, rt_time(end));
	cw_bot_runtime_free(again);
	cw_orchestrator_cache_free(cache);
}

/* A store of a version before snapshots: the bot replays its decisions
 * against the paper venue, sending nothing and journalling nothing. */
static void
test_rt_recovery_legacy(RtFixture *fx, gconstpointer user_data)
{
	CwStoreWriter *w = cw_bot_runtime_get_writer(fx->rt);
	const guint until = 400;

	g_assert_nonnull(cw_bot_runtime_get_active(fx->rt, NULL));
	cw_bot_runtime_set_recovery(fx->rt, rt_time(until));
	cw_bot_runtime_set_snapshot(fx->rt, NULL, TRUE);
	for (guint i = 0; i <= until; i++) {
		CwCandle c = cw_rt_candle(i);
		cw_bot_runtime_on_candle(fx->rt, &c);
		g_assert_true(cw_bot_runtime_is_recovering(fx->rt));
	}
	cw_bot_runtime_queue_cursor(fx->rt);
	g_assert_cmpuint(cw_store_writer_get_pending(w), ==, 0);
	g_assert_cmpint(rt_count(fx, "SELECT count(*) FROM orders"), ==, 0);
	g_assert_cmpuint(
	    cw_trading_orchestrator_get_trades(cw_bot_runtime_get_active(fx->rt, NULL))->len, >, 0);
}

/* Switching makes another strategy of the config active and journals it;
 * the previous one stays cached; an unknown strategy is refused. */
static void
test_rt_switch(RtFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events = NULL;
	CwTradingOrchestrator *a = cw_bot_runtime_get_active(fx->rt, NULL), *b;
	CwCandle c = cw_rt_candle(0);

	cw_bot_runtime_on_candle(fx->rt, &c);
	g_assert_true(cw_bot_runtime_switch(fx->rt, "b", &error));
	g_assert_no_error(error);
	b = cw_bot_runtime_get_active(fx->rt, NULL);
	g_assert_true(b != a);
	g_assert_cmpuint(cw_bot_runtime_get_cache_stats(fx->rt)->misses, ==, 2);
	/* the dormant one comes back from the cache, with its state */
	g_assert_true(cw_bot_runtime_switch(fx->rt, "a", &error));
	g_assert_true(cw_bot_runtime_get_active(fx->rt, NULL) == a);
	g_assert_cmpuint(cw_bot_runtime_get_cache_stats(fx->rt)->hits, ==, 1);
	/* switching to the active one is no switch */
	g_assert_true(cw_bot_runtime_switch(fx->rt, "a", &error));

	g_assert_false(cw_bot_runtime_switch(fx->rt, "zzz", &error));
	g_assert_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_FAILED);
	g_assert_cmpstr(error->message, ==, "bot 'bot' has no strategy 'zzz'");
	g_clear_error(&error);
	g_assert_true(cw_bot_runtime_get_active(fx->rt, NULL) == a);

	rt_flush(fx);
	events = cw_store_events_query(fx->store.store, fx->id, "STRATEGY_SWITCHED", 0, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(events->len, ==, 2);
	g_assert_cmpint(((CwStoreEvent *) events->pdata[0])->time, ==, rt_time(0));
}

/* What is still queued when the bot goes is handed to the service's
 * writer, not lost. */
static void
test_rt_free_hands_over(RtFixture *fx, gconstpointer user_data)
{
	CwCandle c = cw_rt_candle(0);

	g_assert_nonnull(cw_bot_runtime_get_active(fx->rt, NULL));
	cw_bot_runtime_on_candle(fx->rt, &c);
	cw_bot_runtime_queue_cursor(fx->rt);
	g_assert_cmpuint(cw_store_writer_get_pending(fx->writer), ==, 0);
	g_clear_pointer(&fx->rt, cw_bot_runtime_free);
	g_assert_cmpuint(cw_store_writer_get_pending(fx->writer), >=, 2);
	g_assert_true(cw_store_writer_flush(fx->writer, NULL));
	g_assert_cmpint(rt_state_int(fx, "cursor"), ==, rt_time(0));
}

/* A runtime of config text on fx's store and cache, its active strategy
 * loaded. */
static CwBotRuntime *
rt_new_loaded(RtFixture *fx, const char *name, const char *text)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = cw_bot_config_new_from_data(text, -1, &error);
	CwBotRuntimeEnv env = {fx->store.store, fx->writer, fx->cache, NULL};
	gint64 id;
	CwBotRuntime *rt;

	g_assert_no_error(error);
	id = cw_store_bot_add(fx->store.store, name, text, TRUE, &error);
	g_assert_no_error(error);
	rt = cw_bot_runtime_new(&env, id, name, config, text, 42);
	g_assert_nonnull(cw_bot_runtime_get_active(rt, &error));
	g_assert_no_error(error);
	return rt;
}

/* The memory the health view reports grows with the bot's indicators and
 * with the strategies it has loaded, shrinks when they are unloaded, and
 * is the same number scrape after scrape (no heap walk in between). */
static void
test_rt_memory(RtFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	/* the same strategy with more (and longer) indicators */
	g_autofree char *big_text = g_strdup_printf(
	    "{\"name\":\"big\",\"symbol\":\"ETHUSDT\",\"interval\":\"5m\",\"strategy\":"
	    "{\"analyzers\":[{\"type\":\"ema_cross\",\"weight\":1,\"fast\":3,\"slow\":8},"
	    "{\"type\":\"rsi\",\"weight\":1,\"period\":50},"
	    "{\"type\":\"bollinger\",\"weight\":1,\"period\":200},"
	    "{\"type\":\"donchian\",\"weight\":1,\"period\":300}],"
	    "\"aggregation\":{\"min_score\":0.3}},\"feed\":{\"type\":\"test\",\"key\":\"k2\"}}");
	g_autofree char *two_text = cw_rt_config_text("two", "k3", "SOLUSDT", TRUE);
	CwBotRuntime *big = rt_new_loaded(fx, "big", big_text);
	CwBotRuntime *two = rt_new_loaded(fx, "two", two_text);
	CwBotHealth h;
	CwCacheStats all;
	guint64 small_bytes, big_bytes, one, both;

	g_assert_nonnull(cw_bot_runtime_get_active(fx->rt, &error));
	cw_bot_runtime_fill_health(fx->rt, &h);
	small_bytes = h.memory_bytes;
	g_assert_cmpuint(small_bytes, >, sizeof(CwAnalyzer));
	cw_bot_runtime_fill_health(fx->rt, &h);
	g_assert_cmpuint(h.memory_bytes, ==, small_bytes);

	cw_bot_runtime_fill_health(big, &h);
	big_bytes = h.memory_bytes;
	/* three more analyzers, with rings of 50 + 200 + 300 doubles at least */
	g_assert_cmpuint(big_bytes, >, small_bytes + 550 * sizeof(double));

	cw_bot_runtime_fill_health(two, &h);
	one = h.memory_bytes;
	g_assert_true(cw_bot_runtime_switch(two, "b", &error));
	g_assert_no_error(error);
	cw_bot_runtime_fill_health(two, &h);
	both = h.memory_bytes;
	/* the dormant "a" stays loaded: its bytes stay counted */
	g_assert_cmpuint(both, >, one + sizeof(CwAnalyzer));
	cw_orchestrator_cache_get_stats(fx->cache, &all);
	g_assert_cmpuint(all.bytes, ==,
			 cw_bot_runtime_get_cache_stats(fx->rt)->bytes +
			     cw_bot_runtime_get_cache_stats(big)->bytes +
			     cw_bot_runtime_get_cache_stats(two)->bytes);

	/* neighbours are not counted in each other */
	cw_bot_runtime_fill_health(fx->rt, &h);
	g_assert_cmpuint(h.memory_bytes, ==, small_bytes);
	cw_bot_runtime_free(two);
	cw_bot_runtime_free(big);
	cw_bot_runtime_fill_health(fx->rt, &h);
	g_assert_cmpuint(h.memory_bytes, ==, small_bytes);
	/* unloading gave the cache's bytes back */
	cw_orchestrator_cache_get_stats(fx->cache, &all);
	g_assert_cmpuint(all.bytes, ==, cw_bot_runtime_get_cache_stats(fx->rt)->bytes);
	g_assert_true(cw_store_writer_flush(fx->writer, NULL));
}

/* serve's retries run on the wall clock for a bot on a venue broker: a
 * rate-limited entry goes out again from the main loop when its retry
 * falls due, with no candle in between. */
static void
test_rt_venue_retries_on_wall_clock(void)
{
	CwStoreFixture store;
	g_autofree char *base = cw_rt_config_text("venue-bot", "kv", NULL, FALSE);
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = NULL;
	CwStoreWriter *writer;
	CwOrchestratorCache *cache;
	CwBotRuntime *rt;
	CwBotRuntimeEnv env;
	CwTradingOrchestrator *orch;
	CwTestVenueBroker *venue;
	gint64 until;
	guint tick;
	guint i;

	cw_test_register_types();
	cw_test_feed_register();
	cw_store_fixture_setup(&store, NULL);
	writer = cw_store_writer_new(store.store);
	cache = cw_orchestrator_cache_new(0);
	/* the base config with a venue broker and short retries */
	base[strlen(base) - 1] = '\0';
	text =
	    g_strconcat(base,
			",\"broker\":{\"type\":\"venue\"},\"execution\":{\"retry_initial_s\":0.05,"
			"\"retry_max_s\":0.2}}",
			NULL);
	config = cw_bot_config_new_from_data(text, -1, &error);
	g_assert_no_error(error);
	env = (CwBotRuntimeEnv){store.store, writer, cache, NULL};
	rt = cw_bot_runtime_new(&env, cw_store_bot_add(store.store, "venue-bot", text, TRUE, NULL),
				"venue-bot", config, text, 1);
	orch = cw_bot_runtime_get_active(rt, &error);
	g_assert_no_error(error);
	venue = CW_TEST_VENUE_BROKER(cw_trading_orchestrator_get_broker(orch));
	cw_test_venue_broker_script(venue, CW_TEST_VENUE_RATE_LIMIT, 0.1);
	/* candles until the first entry is refused and waits for its retry */
	for (i = 0; i < 400 && cw_trading_orchestrator_get_n_pending_actions(orch) == 0; i++) {
		CwCandle c = cw_rt_candle(i);
		cw_bot_runtime_on_candle(rt, &c);
	}
	g_assert_cmpuint(cw_trading_orchestrator_get_n_pending_actions(orch), ==, 1);
	/* the refused attempt reached the venue once */
	g_assert_cmpuint(cw_test_venue_broker_get_n_submitted_ids(venue), ==, 1);
	until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	tick = g_timeout_add(20, rt_tick_cb, NULL);
	while (cw_trading_orchestrator_get_n_pending_actions(orch) > 0 &&
	       g_get_monotonic_time() < until)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(tick);
	/* sent again from the main loop, with the same client order id */
	g_assert_cmpuint(cw_trading_orchestrator_get_n_pending_actions(orch), ==, 0);
	g_assert_cmpuint(cw_test_venue_broker_get_n_submitted_ids(venue), ==, 1);
	cw_bot_runtime_free(rt);
	cw_orchestrator_cache_free(cache);
	cw_store_writer_free(writer);
	cw_store_fixture_teardown(&store, NULL);
	cw_test_log_assert_none();
}

static void
rt_held_register(void)
{
	static gsize once = 0;

	cw_test_register_types();
	cw_test_feed_register();
	if (g_once_init_enter(&once)) {
		g_io_extension_point_implement(CW_EXTENSION_POINT_BROKER, CW_TYPE_TEST_HELD_BROKER,
					       "held-venue", 0);
		g_once_init_leave(&once, 1);
	}
}

typedef struct {
	CwStoreFixture store;
	CwStoreWriter *writer; /* the service's */
	char *text;
	CwBotConfig *config;
	gint64 id;
} RtHeld;

static gint64
rt_held_count(RtHeld *h, const char *sql)
{
	sqlite3 *db = cw_store_test_raw_open(h->store.path);
	gint64 n = cw_store_test_raw_int(db, sql);

	sqlite3_close(db);
	return n;
}

static CwBotRuntime *
rt_held_runtime(RtHeld *h, CwOrchestratorCache *cache)
{
	CwBotRuntimeEnv env = {h->store.store, h->writer, cache, NULL};
	CwBotRuntime *rt = cw_bot_runtime_new(&env, h->id, "held", h->config, h->text, 1);
	g_autoptr(GError) error = NULL;

	g_assert_nonnull(cw_bot_runtime_get_active(rt, &error));
	g_assert_no_error(error);
	return rt;
}

/* The first life trades until it holds a position that a stop working at
 * the venue protects, and stops there, its cursor and trading state
 * saved. Returns the index of its last candle. */
static guint
rt_held_first_life(RtHeld *h)
{
	CwOrchestratorCache *cache = cw_orchestrator_cache_new(0);
	CwBotRuntime *rt = rt_held_runtime(h, cache);
	CwTradingOrchestrator *orch = cw_bot_runtime_get_active(rt, NULL);
	g_autoptr(GError) error = NULL;
	guint i;

	for (i = 0; i < 400; i++) {
		CwCandle c = cw_rt_candle(i);

		cw_bot_runtime_on_candle(rt, &c);
		cw_rt_pump();
		if (rt_venue.position != 0 && rt_venue_working_stop() != NULL &&
		    cw_trading_orchestrator_get_n_pending_actions(orch) == 0)
			break;
	}
	g_assert_cmpuint(i, <, 400);
	g_assert_cmpfloat(cw_account_get_signed_qty(cw_trading_orchestrator_get_account(orch)), ==,
			  rt_venue.position);
	cw_bot_runtime_queue_cursor(rt);
	g_assert_true(cw_store_writer_flush(cw_bot_runtime_get_writer(rt), &error));
	g_assert_no_error(error);
	cw_bot_runtime_free(rt);
	cw_orchestrator_cache_free(cache);
	return i;
}

/* Candle i of the wave; with stop, one that crosses it. */
static CwCandle
rt_held_candle(guint i, const CwOrder *stop)
{
	CwCandle c = cw_rt_candle(i);

	if (stop != NULL && stop->side == CW_SIDE_SELL)
		c.low = MIN(c.low, stop->stop_price * 0.995);
	else if (stop != NULL)
		c.high = MAX(c.high, stop->stop_price * 1.005);
	return c;
}

/* A case of the held downtime: how many live candles are held with the
 * downtime's, and whether the venue filled the stop while the bot was
 * down (else it fills at the catch-up, on the bot's broker). */
typedef struct {
	guint n_live;
	gboolean filled_while_down;
} RtHeldCase;

/* The second life, as the strategy manager and the feed hub drive it: its
 * snapshot, then its own history up to the cursor (warm-up), then n_down
 * candles that closed while it was down (the reconcile started at the
 * first of them and does not answer: they are held), the feed goes live,
 * n_live live candles (held too), and only then the venue answers. The
 * stop is crossed by the second downtime candle. Two candles come twice
 * (the feed's overlap of history and stream): each reaches the bot once. */
static CwBotRuntime *
rt_held_second_life(RtHeld *h, CwOrchestratorCache *cache, guint until, guint n_down,
		    const RtHeldCase *hc)
{
	const guint n_live = hc->n_live;
	CwBotRuntime *rt = rt_held_runtime(h, cache);
	g_autoptr(GError) error = NULL;
	g_autofree char *snapshot =
	    cw_store_state_get(h->store.store, h->id, "trading_state", &error);
	g_autofree guint8 *data = NULL;
	g_autoptr(GBytes) bytes = NULL;
	CwOrder stop = *rt_venue_working_stop();
	gint64 last = rt_time(until + n_down + n_live);
	gint64 deadline;
	gsize len = 0;

	g_assert_no_error(error);
	g_assert_nonnull(snapshot);
	g_array_set_size(rt_venue.seen, 0);
	data = g_base64_decode(snapshot, &len);
	bytes = g_bytes_new(data, len);
	cw_bot_runtime_set_snapshot(rt, bytes, FALSE);
	cw_bot_runtime_set_origin(rt, rt_time(0));
	cw_bot_runtime_set_recovery(rt, rt_time(until));
	for (guint i = 0; i <= until; i++) {
		CwCandle c = cw_rt_candle(i);
		cw_bot_runtime_on_candle(rt, &c);
	}
	g_assert_cmpuint(rt_venue.seen->len, ==, 0);
	g_assert_null(rt_venue.reconcile);

	cw_bot_runtime_set_warming_up(rt, TRUE);
	for (guint k = 1; k <= n_down; k++) {
		CwCandle c = rt_held_candle(until + k, k == 2 ? &stop : NULL);

		if (hc->filled_while_down)
			rt_venue_tick(&c);
		cw_bot_runtime_on_candle(rt, &c);
		/* a feed's overlap (REST history, then the stream) repeats one */
		if (k == 3)
			cw_bot_runtime_on_candle(rt, &c);
		cw_rt_pump();
		/* held: nothing reached the orchestrator, the cursor stays */
		g_assert_nonnull(rt_venue.reconcile);
		g_assert_cmpint(cw_bot_runtime_get_cursor(rt), ==, rt_time(until));
	}
	cw_bot_runtime_feed_live(rt);
	cw_bot_runtime_set_warming_up(rt, FALSE);
	for (guint k = n_down + 1; k <= n_down + n_live; k++) {
		CwCandle c = cw_rt_candle(until + k);

		cw_bot_runtime_on_candle(rt, &c);
		/* and a downtime candle again, after the feed went live */
		if (k == n_down + 1) {
			c = rt_held_candle(until + 5, NULL);
			cw_bot_runtime_on_candle(rt, &c);
		}
		cw_rt_pump();
	}
	g_assert_cmpint(cw_bot_runtime_get_cursor(rt), ==, rt_time(until));
	g_assert_cmpuint(rt_venue.seen->len, ==, 0);
	g_assert_true((rt_venue_working_stop() == NULL) == hc->filled_while_down);

	rt_venue_answer_reconcile();
	deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	while (cw_bot_runtime_get_cursor(rt) != last && g_get_monotonic_time() < deadline)
		g_main_context_iteration(NULL, FALSE);
	cw_rt_pump();
	g_assert_cmpint(cw_bot_runtime_get_cursor(rt), ==, last);
	cw_bot_runtime_queue_cursor(rt);
	g_assert_true(cw_store_writer_flush(cw_bot_runtime_get_writer(rt), &error));
	g_assert_no_error(error);
	return rt;
}

/* A venue bot restarted after a downtime whose reconcile answers only
 * after its feed went live (cw_bot_runtime_release_held()): the downtime's
 * held candles are caught up on (nothing is decided), one DOWNTIME event
 * spans exactly them, the stop's fill is booked once and the live candles
 * after them are decided; each candle reaches the orchestrator once, in
 * order. user_data (RtHeldCase): 40 live candles held too, or none (the
 * venue answers between the feed going live and its first live candle:
 * the DOWNTIME event comes with the answer); the stop fills at the
 * catch-up, or at the venue while the bot was down (booked from the
 * lookup that the reconcile starts). 40 live candles follow the answer. */
static void
test_rt_held_downtime(gconstpointer user_data)
{
	const RtHeldCase *hc = user_data;
	const guint n_down = 40, n_live = hc->n_live, n_total = n_live + 40;
	RtHeld h = {0};
	g_autofree char *base = cw_rt_config_text("held", "kh", NULL, FALSE);
	g_autofree char *sql = NULL;
	g_autoptr(GError) error = NULL;
	CwOrchestratorCache *cache;
	CwBotRuntime *rt;
	CwTradingOrchestrator *orch;
	CwOrder stop;
	gint64 from, to;
	/* at least, on the held live candles */
	gint64 held_signals = n_live > 0 ? 1 : 0;
	gint64 held_entries = n_live > 0 ? 1 : 0;
	guint until;

	rt_held_register();
	/* a new venue for each case */
	rt_venue = (RtVenue){.orders = g_array_new(FALSE, TRUE, sizeof(CwOrder)),
			     .seen = g_array_new(FALSE, FALSE, sizeof(gint64))};
	cw_store_fixture_setup(&h.store, NULL);
	h.writer = cw_store_writer_new(h.store.store);
	base[strlen(base) - 1] = '\0';
	h.text = g_strconcat(base, ",\"broker\":{\"type\":\"held-venue\"}}", NULL);
	h.config = cw_bot_config_new_from_data(h.text, -1, &error);
	g_assert_no_error(error);
	h.id = cw_store_bot_add(h.store.store, "held", h.text, TRUE, &error);
	g_assert_no_error(error);

	until = rt_held_first_life(&h);
	g_test_message("first life: %u candles, position %g", until + 1, rt_venue.position);
	stop = *rt_venue_working_stop();
	cache = cw_orchestrator_cache_new(0);
	rt = rt_held_second_life(&h, cache, until, n_down, hc);
	orch = cw_bot_runtime_get_active(rt, NULL);
	from = rt_time(until + 1);
	to = rt_time(until + n_down);
	/* the downtime is journalled with the answer when no live candle waited */
	if (n_live == 0)
		g_assert_cmpint(
		    rt_held_count(&h, "SELECT count(*) FROM events WHERE type = 'DOWNTIME'"), ==,
		    1);
	for (guint k = n_down + n_live + 1; k <= n_down + n_total; k++) {
		CwCandle c = cw_rt_candle(until + k);

		cw_bot_runtime_on_candle(rt, &c);
		cw_rt_pump();
	}
	cw_bot_runtime_queue_cursor(rt);
	g_assert_true(cw_store_writer_flush(cw_bot_runtime_get_writer(rt), &error));
	g_assert_no_error(error);

	/* each candle after the cursor reached the orchestrator once, in order */
	g_assert_cmpuint(rt_venue.seen->len, ==, n_down + n_total);
	for (guint k = 0; k < rt_venue.seen->len; k++)
		g_assert_cmpint(g_array_index(rt_venue.seen, gint64, k), ==,
				rt_time(until + 1 + k));

	/* one DOWNTIME event, for exactly the downtime's candles */
	g_assert_cmpint(rt_held_count(&h, "SELECT count(*) FROM events WHERE type = 'DOWNTIME'"),
			==, 1);
	g_assert_cmpint(rt_held_count(&h, "SELECT json_extract(payload, '$.from') FROM events "
					  "WHERE type = 'DOWNTIME'"),
			==, from);
	g_assert_cmpint(rt_held_count(&h, "SELECT json_extract(payload, '$.to') FROM events "
					  "WHERE type = 'DOWNTIME'"),
			==, to);
	g_assert_cmpint(rt_held_count(&h, "SELECT json_extract(payload, '$.candles') FROM events "
					  "WHERE type = 'DOWNTIME'"),
			==, n_down);
	/* journalled after the catch-up's events, before the live candles' */
	g_assert_cmpint(rt_held_count(&h, "SELECT count(*) FROM events e, events d WHERE d.type = "
					  "'DOWNTIME' AND e.type != 'DOWNTIME' AND ((e.time <= "
					  "d.time AND e.seq > d.seq) OR (e.time > d.time AND "
					  "e.seq < d.seq))"),
			==, 0);

	/* the stop's fill is booked once: at the catch-up's candle that
	 * crossed it, or from the reconcile's lookup of it; nothing was
	 * decided in the downtime */
	sql = g_strdup_printf("SELECT count(*) FROM events WHERE type = 'ORDER_FILLED' AND "
			      "json_extract(payload, '$.order.purpose') = 'stop_loss' AND time "
			      "BETWEEN %" G_GINT64_FORMAT " AND %" G_GINT64_FORMAT,
			      hc->filled_while_down ? rt_time(until) : rt_time(until + 2),
			      hc->filled_while_down ? to : rt_time(until + 2));
	g_assert_cmpint(rt_held_count(&h, sql), ==, 1);
	g_clear_pointer(&sql, g_free);
	sql = g_strdup_printf("SELECT count(*) FROM events WHERE type = 'ORDER_FILLED' AND "
			      "json_extract(payload, '$.order.client_order_id') = '%s'",
			      stop.client_order_id);
	g_assert_cmpint(rt_held_count(&h, sql), ==, 1);
	g_clear_pointer(&sql, g_free);
	sql = g_strdup_printf(
	    "SELECT count(*) FROM events WHERE time BETWEEN %" G_GINT64_FORMAT
	    " AND %" G_GINT64_FORMAT " AND (type IN ('SIGNAL_NEW', 'EXIT_SIGNAL', 'STOP_MOVED') OR "
	    "(type = 'ORDER_SUBMITTED' AND json_extract(payload, '$.order.purpose') IN ('entry', "
	    "'signal_exit')))",
	    from, to);
	g_assert_cmpint(rt_held_count(&h, sql), ==, 0);
	g_clear_pointer(&sql, g_free);

	/* the live candles were decided on, the held ones too: signals, and
	 * entries (a stop that filled while down is booked by the reconcile's
	 * lookup before the held candles are released, so they see the bot
	 * flat: docs/architecture.md, "Catch-up") */
	sql = g_strdup_printf("SELECT count(*) FROM events WHERE type = 'SIGNAL_NEW' AND time > "
			      "%" G_GINT64_FORMAT " AND time <= %" G_GINT64_FORMAT,
			      to, rt_time(until + n_down + n_live));
	g_assert_cmpint(rt_held_count(&h, sql), >=, held_signals);
	g_clear_pointer(&sql, g_free);
	sql = g_strdup_printf("SELECT count(*) FROM events WHERE type = 'ORDER_SUBMITTED' AND "
			      "json_extract(payload, '$.order.purpose') = 'entry' AND time > "
			      "%" G_GINT64_FORMAT " AND time <= %" G_GINT64_FORMAT,
			      to, rt_time(until + n_down + n_live));
	g_assert_cmpint(rt_held_count(&h, sql), >=, held_entries);
	g_clear_pointer(&sql, g_free);
	sql = g_strdup_printf("SELECT count(*) FROM events WHERE type = 'ORDER_SUBMITTED' AND "
			      "json_extract(payload, '$.order.purpose') = 'entry' AND time > "
			      "%" G_GINT64_FORMAT,
			      rt_time(until + n_down + n_live));
	g_assert_cmpint(rt_held_count(&h, sql), >, 0);

	/* the bot and the venue agree; the cursor saved is the last candle's */
	g_assert_cmpfloat(cw_account_get_signed_qty(cw_trading_orchestrator_get_account(orch)), ==,
			  rt_venue.position);
	g_assert_cmpint(cw_bot_runtime_get_mode(rt), ==, CW_BOT_MODE_ACTIVE);
	g_assert_cmpint(rt_held_count(&h, "SELECT value FROM bot_state WHERE key = 'cursor'"), ==,
			rt_time(until + n_down + n_total));

	cw_bot_runtime_free(rt);
	cw_orchestrator_cache_free(cache);
	g_assert_true(cw_store_writer_flush(h.writer, NULL));
	cw_store_writer_free(h.writer);
	cw_bot_config_unref(h.config);
	g_free(h.text);
	cw_store_fixture_teardown(&h.store, NULL);
	g_assert_null(rt_venue.reconcile);
	g_clear_pointer(&rt_venue.orders, g_array_unref);
	g_clear_pointer(&rt_venue.seen, g_array_unref);
	cw_test_log_assert_none();
}

static const RtHeldCase rt_held_live_held = {40, FALSE};
static const RtHeldCase rt_held_answer_at_live = {0, FALSE};
static const RtHeldCase rt_held_filled_while_down = {40, TRUE};

int
main(int argc, char **argv)
{
	cw_test_log_capture();
	g_test_init(&argc, &argv, NULL);
#define ADD(name, two, func)                                                                       \
	g_test_add("/services/bot-runtime/" name, RtFixture, GINT_TO_POINTER(two), rt_setup, func, \
		   rt_teardown)
	ADD("basics", FALSE, test_rt_basics);
	ADD("cursor", FALSE, test_rt_cursor);
	ADD("origin", FALSE, test_rt_origin);
	ADD("journal", FALSE, test_rt_journal);
	ADD("recovery", FALSE, test_rt_recovery);
	ADD("recovery-legacy", FALSE, test_rt_recovery_legacy);
	ADD("switch", TRUE, test_rt_switch);
	ADD("free-hands-over", FALSE, test_rt_free_hands_over);
	ADD("memory", FALSE, test_rt_memory);
#undef ADD
	g_test_add_func("/services/bot-runtime/venue-retries-on-wall-clock",
			test_rt_venue_retries_on_wall_clock);
	g_test_add_data_func("/services/bot-runtime/held-downtime/live-held", &rt_held_live_held,
			     test_rt_held_downtime);
	g_test_add_data_func("/services/bot-runtime/held-downtime/answer-at-live",
			     &rt_held_answer_at_live, test_rt_held_downtime);
	g_test_add_data_func("/services/bot-runtime/held-downtime/filled-while-down",
			     &rt_held_filled_while_down, test_rt_held_downtime);
	return g_test_run();
}
