#include "cw-health.h"

#include "cw-health-error.h"

#include <string.h>

static void
test_parse_strict(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) ok = cw_restart_policy_parse("1000,2000", &error);
	g_autoptr(GArray) empty = cw_restart_policy_parse("", &error);
	g_autoptr(GArray) bad = NULL;
	g_autofree char *text = NULL;

	g_assert_no_error(error);
	g_assert_cmpuint(ok->len, ==, 2);
	g_assert_cmpint(g_array_index(ok, gint64, 1), ==, 2000);
	g_assert_cmpuint(empty->len, ==, 0);
	text = cw_restart_policy_format(ok);
	g_assert_cmpstr(text, ==, "1000,2000");
	for (guint i = 0; i < 4; i++) {
		static const char *const cases[] = {"x", "1000,", "-5", "12 "};
		g_clear_error(&error);
		bad = cw_restart_policy_parse(cases[i], &error);
		g_assert_null(bad);
		g_assert_error(error, CW_HEALTH_ERROR, CW_HEALTH_ERROR_STATE);
		g_assert_nonnull(strstr(error->message, CW_RESTART_STATE_KEY));
	}
}

static void
test_cap_and_backoff(void)
{
	CwRestartPolicy p;
	g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autofree char *msg = NULL;
	double delay = -1;
	gint64 now = 10000000;

	cw_restart_policy_init(&p);
	for (guint i = 0; i < 5; i++) {
		gint64 t = now - 1000 * (gint64) i;
		g_assert_true(cw_restart_policy_allows(&p, times, &delay));
		g_assert_cmpfloat_with_epsilon(delay, MIN(60, 1 << i), 1e-9);
		g_array_append_val(times, t);
	}
	g_assert_false(cw_restart_policy_allows(&p, times, &delay));
	/* a restart older than the window no longer counts */
	g_array_index(times, gint64, 4) = now - 601 * 1000;
	cw_restart_policy_prune(&p, times, now);
	g_assert_cmpuint(times->len, ==, 4);
	g_assert_true(cw_restart_policy_allows(&p, times, &delay));
	msg = cw_restart_policy_limit_message(&p, 5, "no candle");
	g_assert_cmpstr(msg, ==, "restart limit reached: 5 restarts in 10 min (last: no candle)");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/health/restart-policy/parse-strict", test_parse_strict);
	g_test_add_func("/health/restart-policy/cap-and-backoff", test_cap_and_backoff);
	return g_test_run();
}
