#include "cw-core.h"

#include <math.h>

static void
test_samples(void)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GString) l = g_string_new("bot=\"");

	cw_prom_escape_label(l, "a\"b\\c\nd");
	g_string_append_c(l, '"');
	g_assert_cmpstr(l->str, ==, "bot=\"a\\\"b\\\\c\\nd\"");
	cw_prom_family(out, "x_total", "counter", "Things.");
	cw_prom_sample(out, "x_total", l->str, 3);
	cw_prom_sample(out, "x_total", NULL, 0.25);
	cw_prom_sample(out, "x_total", "", NAN);
	cw_prom_sample(out, "x_total", NULL, INFINITY);
	cw_prom_sample(out, "x_total", NULL, -INFINITY);
	cw_prom_sample_u64(out, "x_total", NULL, G_MAXUINT64);
	/* the shortest exact form: 15, 16 or 17 digits as the value needs */
	cw_prom_sample(out, "x_total", NULL, 0.1);
	cw_prom_sample(out, "x_total", NULL, 0.1 + 0.2);
	cw_prom_sample(out, "x_total", NULL, -2.5e-7);
	cw_prom_sample(out, "x_total", NULL, 1e20);
	g_assert_cmpstr(
	    out->str, ==,
	    "# HELP x_total Things.\n# TYPE x_total counter\n"
	    "x_total{bot=\"a\\\"b\\\\c\\nd\"} 3\n"
	    "x_total 0.25\nx_total NaN\nx_total +Inf\nx_total -Inf\n"
	    "x_total 18446744073709551615\n"
	    "x_total 0.1\nx_total 0.30000000000000004\nx_total -2.5e-07\nx_total 1e+20\n");
}

static void
test_histogram(void)
{
	g_autoptr(GString) out = g_string_new(NULL);
	CwPromHistogram h;
	const double bounds[] = {0.1, 1};

	cw_prom_histogram_init(&h, bounds, 2);
	cw_prom_histogram_observe(&h, 0.05);
	cw_prom_histogram_observe(&h, 0.5);
	cw_prom_histogram_observe(&h, 0.5);
	cw_prom_histogram_observe(&h, 7);
	cw_prom_histogram_write(&h, out, "d_seconds", "bot=\"a\"");
	g_assert_cmpstr(out->str, ==,
			"d_seconds_bucket{bot=\"a\",le=\"0.1\"} 1\n"
			"d_seconds_bucket{bot=\"a\",le=\"1\"} 3\n"
			"d_seconds_bucket{bot=\"a\",le=\"+Inf\"} 4\n"
			"d_seconds_sum{bot=\"a\"} 8.05\n"
			"d_seconds_count{bot=\"a\"} 4\n");
	g_string_truncate(out, 0);
	cw_prom_histogram_write(&h, out, "d_seconds", NULL);
	g_assert_true(g_str_has_prefix(out->str, "d_seconds_bucket{le=\"0.1\"} 1\n"));
}

/* Durations in whole microseconds: the sum is their exact total, where
 * adding the doubles 0.000001 and so on would print noise digits. */
static void
test_histogram_us(void)
{
	g_autoptr(GString) out = g_string_new(NULL);
	CwPromHistogram h;
	const double bounds[] = {2e-6, 1e-5};

	cw_prom_histogram_init(&h, bounds, 2);
	for (guint i = 0; i < 7; i++)
		cw_prom_histogram_observe_us(&h, 1);
	cw_prom_histogram_observe_us(&h, 3);
	cw_prom_histogram_observe_us(&h, -5);
	cw_prom_histogram_write(&h, out, "d_seconds", NULL);
	g_assert_cmpstr(out->str, ==,
			"d_seconds_bucket{le=\"2e-06\"} 8\n"
			"d_seconds_bucket{le=\"1e-05\"} 9\n"
			"d_seconds_bucket{le=\"+Inf\"} 9\n"
			"d_seconds_sum 1e-05\n"
			"d_seconds_count 9\n");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/core/prom/samples", test_samples);
	g_test_add_func("/core/prom/histogram", test_histogram);
	g_test_add_func("/core/prom/histogram-us", test_histogram_us);
	return g_test_run();
}
