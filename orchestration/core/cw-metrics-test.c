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

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/core/metrics/render", test_metrics_render);
	g_test_add_func("/core/metrics/remove", test_metrics_remove);
	return g_test_run();
}
