/* CwBrokerHeldReport: a report held by value and viewed again. */
#include "cw-core.h"

#include <string.h>

static void
test_held_report(void)
{
	CwOrder o = {0};
	CwFill fill = {0};
	CwBrokerFault fault = {0};
	CwBrokerHeldReport held;
	CwExecutionReport report;

	g_strlcpy(o.client_order_id, "cw-s-1", sizeof o.client_order_id);
	o.status = CW_ORDER_STATUS_PARTIALLY_FILLED;
	o.filled_qty = 0.5;
	fill.qty = 0.5;
	fill.price = 100;
	fault.kind = CW_BROKER_ERROR_REJECTED;
	fault.venue_code = 110017;
	g_strlcpy(fault.text, "refused", sizeof fault.text);

	/* an order alone: whatever held had before is gone */
	memset(&held, 0xa5, sizeof held);
	cw_broker_held_report_set(&held, &o, NULL, NULL);
	report = cw_broker_held_report_view(&held);
	g_assert_true(report.order == &held.order);
	g_assert_cmpstr(report.order->client_order_id, ==, "cw-s-1");
	g_assert_null(report.fill);
	g_assert_null(report.error);
	g_assert_false(held.has_fill);
	g_assert_false(held.has_fault);
	g_assert_cmpfloat(held.fill.qty, ==, 0);
	g_assert_cmpint(held.fault.venue_code, ==, 0);

	/* copies, not the caller's structs */
	cw_broker_held_report_set(&held, &o, &fill, &fault);
	o.filled_qty = 1;
	fill.price = 0;
	g_strlcpy(fault.text, "changed", sizeof fault.text);
	report = cw_broker_held_report_view(&held);
	g_assert_true(report.fill == &held.fill);
	g_assert_true(report.error == &held.fault);
	g_assert_cmpfloat(report.order->filled_qty, ==, 0.5);
	g_assert_cmpint(report.order->status, ==, CW_ORDER_STATUS_PARTIALLY_FILLED);
	g_assert_cmpfloat(report.fill->qty, ==, 0.5);
	g_assert_cmpfloat(report.fill->price, ==, 100);
	g_assert_cmpint(report.error->kind, ==, CW_BROKER_ERROR_REJECTED);
	g_assert_cmpint(report.error->venue_code, ==, 110017);
	g_assert_cmpstr(report.error->text, ==, "refused");

	/* a fault without a fill */
	cw_broker_held_report_set(&held, &o, NULL, &fault);
	report = cw_broker_held_report_view(&held);
	g_assert_null(report.fill);
	g_assert_nonnull(report.error);
	g_assert_cmpstr(report.error->text, ==, "changed");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/core/broker/held-report", test_held_report);
	return g_test_run();
}
