#include "cw-core.h"

static void
test_clock_sim(void)
{
	g_autoptr(CwClock) clock = cw_sim_clock_new(1000);

	g_assert_cmpint(cw_clock_now_ms(clock), ==, 1000);
	cw_sim_clock_advance(CW_SIM_CLOCK(clock), 500);
	g_assert_cmpint(cw_clock_now_ms(clock), ==, 1500);
	cw_sim_clock_set(CW_SIM_CLOCK(clock), 1200); /* never backwards */
	g_assert_cmpint(cw_clock_now_ms(clock), ==, 1500);
	cw_sim_clock_set(CW_SIM_CLOCK(clock), 9000);
	g_assert_cmpint(cw_clock_now_ms(clock), ==, 9000);
}

static void
test_clock_wall(void)
{
	g_autoptr(CwClock) clock = cw_wall_clock_new();
	gint64 before = g_get_real_time() / 1000;
	gint64 now = cw_clock_now_ms(clock);

	g_assert_true(CW_IS_CLOCK(clock));
	g_assert_cmpint(now, >=, before);
	g_assert_cmpint(now, <=, g_get_real_time() / 1000);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/core/clock/sim", test_clock_sim);
	g_test_add_func("/core/clock/wall", test_clock_wall);
	return g_test_run();
}
