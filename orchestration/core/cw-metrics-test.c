#include "cw-core.h"

static void
test_metrics_render(void)
{
	g_autoptr(CwMetricRegistry) reg = cw_metric_registry_new();
	CwMetric *a = cw_metric_registry_counter(reg, "cw_candles_total", "bot=\"a\"", "Candles");
	CwMetric *b = cw_metric_registry_counter(reg, "cw_candles_total", "bot=\"b\"", "Candles");
	CwMetric *g = cw_metric_registry_gauge(reg, "cw_equity", "bot=\"a\"", "Equity");
	g_autofree char *text = NULL;

	g_assert_true(a == cw_metric_registry_counter(reg, "cw_candles_total", "bot=\"a\"", NULL));
	cw_metric_inc(a);
	cw_metric_inc(a);
	cw_metric_add(b, 5);
	cw_metric_set(g, 10250.5);
	text = cw_metric_registry_render(reg);
	g_assert_cmpstr(text, ==,
			"# HELP cw_candles_total Candles\n"
			"# TYPE cw_candles_total counter\n"
			"cw_candles_total{bot=\"a\"} 2\n"
			"cw_candles_total{bot=\"b\"} 5\n"
			"# HELP cw_equity Equity\n"
			"# TYPE cw_equity gauge\n"
			"cw_equity{bot=\"a\"} 10250.5\n");
}

static void
test_metrics_remove(void)
{
	g_autoptr(CwMetricRegistry) reg = cw_metric_registry_new();
	g_autofree char *text = NULL;

	cw_metric_registry_counter(reg, "x_total", "bot=\"a\"", NULL);
	cw_metric_registry_counter(reg, "x_total", "bot=\"b\"", NULL);
	cw_metric_registry_remove_labels(reg, "bot=\"a\"");
	text = cw_metric_registry_render(reg);
	g_assert_cmpstr(text, ==, "# TYPE x_total counter\nx_total{bot=\"b\"} 0\n");
}

static CwEvent
order_event(CwEventType type, const CwOrder *order)
{
	return (CwEvent){.type = type, .order = order};
}

/* submit -> ack in seconds of the monotonic clock given (a fill before
 * any ack ends the round trip too); a rejected order leaves nothing; a
 * full table evicts the oldest slot. */
static void
test_broker_round_trips(void)
{
	CwBrokerRoundTrips rt;
	CwOrder a = {0}, b = {0};
	CwFill fill = {0};
	CwEvent e;

	cw_broker_round_trips_init(&rt);
	g_strlcpy(a.client_order_id, "a-1", sizeof a.client_order_id);
	g_strlcpy(b.client_order_id, "b-1", sizeof b.client_order_id);
	g_strlcpy(fill.client_order_id, "a-1", sizeof fill.client_order_id);
	e = order_event(CW_EVENT_ORDER_SUBMITTED, &a);
	cw_broker_round_trips_observe(&rt, &e, 1000000);
	e = order_event(CW_EVENT_ORDER_SUBMITTED, &b);
	cw_broker_round_trips_observe(&rt, &e, 1000000);
	e = order_event(CW_EVENT_ORDER_ACKNOWLEDGED, &a);
	cw_broker_round_trips_observe(&rt, &e, 1050000);
	/* a second ack of the same order is not a second round trip */
	cw_broker_round_trips_observe(&rt, &e, 1060000);
	e = (CwEvent){.type = CW_EVENT_ORDER_FILLED, .fill = &fill};
	cw_broker_round_trips_observe(&rt, &e, 1300000);
	/* a later partial fill of a finished round trip is not counted */
	cw_broker_round_trips_observe(&rt, &e, 1400000);
	e = order_event(CW_EVENT_ORDER_REJECTED, &b);
	cw_broker_round_trips_observe(&rt, &e, 1500000);
	e = order_event(CW_EVENT_ORDER_FILLED, &b);
	cw_broker_round_trips_observe(&rt, &e, 1600000);
	g_assert_cmpuint(rt.ack.count, ==, 1);
	g_assert_cmpfloat_with_epsilon(rt.ack.sum, 0.05, 1e-9);
	/* a market order the venue reports filled at once: its fill is the
	 * first answer; a later ack of it is not a second round trip */
	{
		CwOrder c = {0};
		CwFill cf = {0};

		g_strlcpy(c.client_order_id, "c-1", sizeof c.client_order_id);
		g_strlcpy(cf.client_order_id, "c-1", sizeof cf.client_order_id);
		e = order_event(CW_EVENT_ORDER_SUBMITTED, &c);
		cw_broker_round_trips_observe(&rt, &e, 1700000);
		e = (CwEvent){.type = CW_EVENT_ORDER_FILLED, .fill = &cf};
		cw_broker_round_trips_observe(&rt, &e, 1720000);
		e = order_event(CW_EVENT_ORDER_ACKNOWLEDGED, &c);
		cw_broker_round_trips_observe(&rt, &e, 1730000);
	}
	g_assert_cmpuint(rt.ack.count, ==, 2);
	g_assert_cmpfloat_with_epsilon(rt.ack.sum, 0.07, 1e-9);
	for (guint i = 0; i < CW_BROKER_ROUND_TRIP_SLOTS + 3; i++) {
		CwOrder o = {0};

		g_snprintf(o.client_order_id, sizeof o.client_order_id, "x-%u", i);
		e = order_event(CW_EVENT_ORDER_SUBMITTED, &o);
		cw_broker_round_trips_observe(&rt, &e, 2000000);
	}
	g_assert_cmpuint(rt.evicted, ==, 3);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/core/metrics/render", test_metrics_render);
	g_test_add_func("/core/metrics/remove", test_metrics_remove);
	g_test_add_func("/core/metrics/broker-round-trips", test_broker_round_trips);
	return g_test_run();
}
