#include "cw-health.h"

#include <glib/gstdio.h>

static void
test_read(void)
{
	g_autoptr(GError) error = NULL;
	CwProcessSample s;
	double bt = 0;
	guint64 br = 0;
	g_autofree char *dir = g_dir_make_tmp("cw-sampler-XXXXXX", &error);
	g_autofree char *db = g_build_filename(dir, "x.db", NULL);

	g_assert_no_error(error);
	g_assert_true(g_file_set_contents(db, "0123456789", 10, NULL));
	g_assert_true(cw_process_sample_read(&s, db, &bt, &br, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(s.rss_bytes, >, 100000);
	g_assert_cmpuint(s.open_fds, >=, 3);
	g_assert_cmpuint(s.max_fds, >=, s.open_fds);
	g_assert_cmpuint(s.threads, >=, 1);
	g_assert_cmpuint(s.db_bytes, ==, 10);
	g_assert_cmpuint(s.disk_free_bytes, >, 0);
	g_assert_cmpfloat(s.start_time_s, >, 1.5e9);
	g_assert_cmpfloat(s.start_time_s, <=, (double) g_get_real_time() / 1e6 + 1);
	g_unlink(db);
	g_rmdir(dir);
}

static void
test_limits(void)
{
	CwProcessSample s = {.rss_bytes = 1000, .open_fds = 10, .disk_free_bytes = 50};
	CwProcessLimits l = {0};
	double v, lim;

	for (guint c = 0; c < CW_PROCESS_CHECK_LAST; c++)
		g_assert_false(cw_process_sample_exceeds(&s, &l, c, &v, &lim));
	l.rss_max_bytes = 999;
	l.fds_max = 10;
	l.disk_free_min_bytes = 51;
	g_assert_true(cw_process_sample_exceeds(&s, &l, CW_PROCESS_CHECK_RSS, &v, &lim));
	g_assert_cmpfloat(v, ==, 1000);
	g_assert_false(cw_process_sample_exceeds(&s, &l, CW_PROCESS_CHECK_FDS, &v, &lim));
	g_assert_true(cw_process_sample_exceeds(&s, &l, CW_PROCESS_CHECK_DISK_FREE, &v, &lim));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/health/process-sampler/read", test_read);
	g_test_add_func("/health/process-sampler/limits", test_limits);
	return g_test_run();
}
