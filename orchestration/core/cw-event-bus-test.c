#include "cw-core.h"

typedef struct {
	CwEventBus *bus;
	guint n_calls;
	guint other_id;
	CwEventType last_type;
	CwStrategyId last_strategy;
} BusFixture;

static void
count_cb(const CwEvent *event, gpointer user_data)
{
	BusFixture *fx = user_data;
	fx->n_calls++;
	fx->last_type = event->type;
	fx->last_strategy = event->strategy_id;
}

static void
test_event_bus_filter_types(void)
{
	g_autoptr(CwEventBus) bus = cw_event_bus_new();
	BusFixture fx = {0};
	CwEvent ev = {.type = CW_EVENT_ORDER_FILLED};

	cw_event_bus_subscribe(
	    bus, CW_EVENT_MASK(CW_EVENT_ORDER_FILLED) | CW_EVENT_MASK(CW_EVENT_POSITION_OPENED), 0,
	    count_cb, &fx, NULL);
	cw_event_bus_publish(bus, &ev);
	ev.type = CW_EVENT_SIGNAL_NEW;
	cw_event_bus_publish(bus, &ev);
	ev.type = CW_EVENT_POSITION_OPENED;
	cw_event_bus_publish(bus, &ev);
	g_assert_cmpuint(fx.n_calls, ==, 2);
	g_assert_cmpint(fx.last_type, ==, CW_EVENT_POSITION_OPENED);
	g_assert_cmpuint(cw_event_bus_get_n_published(bus), ==, 3);
}

static void
test_event_bus_filter_strategy(void)
{
	g_autoptr(CwEventBus) bus = cw_event_bus_new();
	BusFixture fx_a = {0}, fx_all = {0};
	CwStrategyId a = g_quark_from_static_string("bot-a:main");
	CwStrategyId b = g_quark_from_static_string("bot-b:main");
	CwEvent ev = {.type = CW_EVENT_SIGNAL_NEW, .strategy_id = a};

	cw_event_bus_subscribe(bus, CW_EVENT_MASK_ALL, a, count_cb, &fx_a, NULL);
	cw_event_bus_subscribe(bus, CW_EVENT_MASK_ALL, 0, count_cb, &fx_all, NULL);
	cw_event_bus_publish(bus, &ev);
	ev.strategy_id = b;
	cw_event_bus_publish(bus, &ev);
	/* an event without a strategy id still works: only unfiltered subscribers see it */
	ev.strategy_id = 0;
	cw_event_bus_publish(bus, &ev);
	g_assert_cmpuint(fx_a.n_calls, ==, 1);
	g_assert_cmpuint(fx_a.last_strategy, ==, a);
	g_assert_cmpuint(fx_all.n_calls, ==, 3);
	g_assert_cmpuint(fx_all.last_strategy, ==, 0);
}

static void
unsubscribe_self_cb(const CwEvent *event, gpointer user_data)
{
	BusFixture *fx = user_data;
	fx->n_calls++;
	/* removes itself and its neighbour while the bus iterates */
	cw_event_bus_unsubscribe(fx->bus, 1);
	cw_event_bus_unsubscribe(fx->bus, fx->other_id);
}

static void
test_event_bus_unsubscribe_during_dispatch(void)
{
	g_autoptr(CwEventBus) bus = cw_event_bus_new();
	BusFixture fx = {.bus = bus}, other = {0};
	CwEvent ev = {.type = CW_EVENT_TRADE_CLOSED};
	guint id;

	id = cw_event_bus_subscribe(bus, CW_EVENT_MASK_ALL, 0, unsubscribe_self_cb, &fx, NULL);
	g_assert_cmpuint(id, ==, 1);
	fx.other_id = cw_event_bus_subscribe(bus, CW_EVENT_MASK_ALL, 0, count_cb, &other, NULL);
	cw_event_bus_publish(bus, &ev);
	cw_event_bus_publish(bus, &ev);
	g_assert_cmpuint(fx.n_calls, ==, 1);
	g_assert_cmpuint(other.n_calls, ==, 0);
	g_assert_cmpuint(cw_event_bus_get_n_subscribers(bus), ==, 0);
}

static void
destroy_cb(gpointer data)
{
	(*(guint *) data)++;
}

static void
noop_cb(const CwEvent *event, gpointer user_data)
{
}

static void
test_event_bus_destroy_notify(void)
{
	CwEventBus *bus = cw_event_bus_new();
	guint destroyed = 0;
	guint id =
	    cw_event_bus_subscribe(bus, CW_EVENT_MASK_ALL, 0, noop_cb, &destroyed, destroy_cb);

	cw_event_bus_subscribe(bus, CW_EVENT_MASK_ALL, 0, noop_cb, &destroyed, destroy_cb);
	cw_event_bus_unsubscribe(bus, id);
	g_assert_cmpuint(destroyed, ==, 1);
	cw_event_bus_unsubscribe(bus, id); /* twice is harmless */
	g_assert_cmpuint(destroyed, ==, 1);
	g_object_unref(bus);
	g_assert_cmpuint(destroyed, ==, 2);
}

static void
test_event_type_names(void)
{
	for (guint i = 0; i < CW_EVENT_LAST; i++) {
		const char *name = cw_event_type_to_string(i);
		g_assert_nonnull(name);
		g_assert_cmpint(cw_event_type_from_string(name), ==, i);
	}
	g_assert_cmpstr(cw_event_type_to_string(CW_EVENT_ORDER_REJECTED), ==, "ORDER_REJECTED");
	g_assert_cmpint(cw_event_type_from_string("nope"), ==, CW_EVENT_LAST);
	g_assert_cmpstr(cw_event_type_to_string(CW_EVENT_LAST), ==, "UNKNOWN");
}

static void
test_event_bus_has_subscribers(void)
{
	g_autoptr(CwEventBus) bus = cw_event_bus_new();
	BusFixture fx = {0};
	CwStrategyId a = g_quark_from_static_string("bot-a:main");
	guint fills, all;

	g_assert_false(cw_event_bus_has_subscribers(bus, CW_EVENT_ORDER_FILLED));
	fills = cw_event_bus_subscribe(bus, CW_EVENT_MASK(CW_EVENT_ORDER_FILLED), a, count_cb, &fx,
				       NULL);
	g_assert_true(cw_event_bus_has_subscribers(bus, CW_EVENT_ORDER_FILLED));
	g_assert_false(cw_event_bus_has_subscribers(bus, CW_EVENT_SIGNAL_NEW));
	g_assert_false(cw_event_bus_has_subscribers(bus, CW_EVENT_LAST));
	all = cw_event_bus_subscribe(bus, CW_EVENT_MASK_ALL, 0, count_cb, &fx, NULL);
	g_assert_true(cw_event_bus_has_subscribers(bus, CW_EVENT_SIGNAL_NEW));
	cw_event_bus_unsubscribe(bus, all);
	g_assert_false(cw_event_bus_has_subscribers(bus, CW_EVENT_SIGNAL_NEW));
	g_assert_true(cw_event_bus_has_subscribers(bus, CW_EVENT_ORDER_FILLED));

	/* wants() says skip for an unheard type and counts it as published */
	g_assert_false(cw_event_bus_wants(bus, CW_EVENT_SIGNAL_NEW));
	g_assert_cmpuint(cw_event_bus_get_n_published(bus), ==, 1);
	g_assert_true(cw_event_bus_wants(bus, CW_EVENT_ORDER_FILLED));
	g_assert_cmpuint(cw_event_bus_get_n_published(bus), ==, 1);
	cw_event_bus_unsubscribe(bus, fills);
	g_assert_false(cw_event_bus_has_subscribers(bus, CW_EVENT_ORDER_FILLED));
	g_assert_cmpuint(cw_event_bus_get_n_subscribers(bus), ==, 0);
	g_assert_cmpuint(fx.n_calls, ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/core/event-bus/filter-types", test_event_bus_filter_types);
	g_test_add_func("/core/event-bus/filter-strategy", test_event_bus_filter_strategy);
	g_test_add_func("/core/event-bus/unsubscribe-during-dispatch",
			test_event_bus_unsubscribe_during_dispatch);
	g_test_add_func("/core/event-bus/destroy-notify", test_event_bus_destroy_notify);
	g_test_add_func("/core/event-bus/has-subscribers", test_event_bus_has_subscribers);
	g_test_add_func("/core/event/type-names", test_event_type_names);
	return g_test_run();
}
