/* The allocation-free local time helpers against GDateTime, hour by hour
 * through a year in zones with and without DST and odd offsets. */
#include "cw-guardrails-test-utils.h"

static void
test_civil_days(void)
{
	gint year;
	guint month, mday;

	g_assert_cmpint(cw_local_day_from_civil(1970, 1, 1), ==, 0);
	g_assert_cmpint(cw_local_day_from_civil(2000, 3, 1), ==, 11017);
	g_assert_cmpint(cw_local_day_from_civil(1969, 12, 31), ==, -1);
	for (gint64 day = -800000; day < 800000; day += 997) {
		cw_local_day_to_civil(day, &year, &month, &mday);
		g_assert_cmpint(cw_local_day_from_civil(year, month, mday), ==, day);
		g_assert_true(
		    g_date_valid_dmy((GDateDay) mday, (GDateMonth) month, (GDateYear) year) ||
		    year < 1);
	}
	cw_local_day_to_civil(cw_local_day_from_civil(2024, 2, 29), &year, &month, &mday);
	g_assert_cmpint(year, ==, 2024);
	g_assert_cmpuint(month, ==, 2);
	g_assert_cmpuint(mday, ==, 29);
}

static void
test_against_gdatetime(void)
{
	static const char *const zones[] = {"UTC", "Europe/Berlin", "America/New_York",
					    "Australia/Sydney", "Asia/Kathmandu"};
	gint64 start = G_GINT64_CONSTANT(1672531200000); /* 2023-01-01T00:00Z */

	for (gsize z = 0; z < G_N_ELEMENTS(zones); z++) {
		g_autoptr(GTimeZone) tz = cw_local_time_zone_new(zones[z]);

		g_assert_nonnull(tz);
		for (gint64 t = start; t < start + G_GINT64_CONSTANT(366) * 86400000;
		     t += 3600000 + 60000) {
			g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(t / 1000);
			g_autoptr(GDateTime) local = g_date_time_to_timezone(utc, tz);
			CwLocalTime lt;
			gint year;
			guint month, mday;

			cw_local_time_from_utc(tz, t, &lt);
			cw_local_day_to_civil(lt.day, &year, &month, &mday);
			g_assert_cmpint(year, ==, g_date_time_get_year(local));
			g_assert_cmpuint(month, ==, (guint) g_date_time_get_month(local));
			g_assert_cmpuint(mday, ==, (guint) g_date_time_get_day_of_month(local));
			g_assert_cmpuint(lt.minute, ==,
					 (guint) (g_date_time_get_hour(local) * 60 +
						  g_date_time_get_minute(local)));
			g_assert_cmpuint(lt.weekday + 1, ==,
					 (guint) g_date_time_get_day_of_week(local));
			g_assert_cmpint(lt.offset_s * G_GINT64_CONSTANT(1000000), ==,
					g_date_time_get_utc_offset(local));
			/* and back: an existing wall time maps to this instant, or
			 * in the repeated fall-back hour to its other instance */
			{
				gint64 back = cw_local_time_to_utc(tz, lt.day, lt.minute);
				CwLocalTime again;

				cw_local_time_from_utc(tz, back, &again);
				g_assert_cmpint(again.day, ==, lt.day);
				g_assert_cmpuint(again.minute, ==, lt.minute);
				if (back != t - t % 60000)
					g_assert_cmpint(ABS(back - (t - t % 60000)), ==, 3600000);
			}
		}
	}
}

static void
test_gap_moves_forward(void)
{
	g_autoptr(GTimeZone) tz = cw_local_time_zone_new("Europe/Berlin");
	gint64 day = cw_local_day_from_civil(2023, 3, 26);

	/* 02:30 does not exist on 2023-03-26 in Berlin: the end of the gap,
	 * 03:00 CEST = 01:00Z */
	g_assert_cmpint(cw_local_time_to_utc(tz, day, 150), ==, G_GINT64_CONSTANT(1679792400000));
	g_assert_cmpint(cw_local_time_next_midnight(tz, G_GINT64_CONSTANT(1679794200000)), ==,
			G_GINT64_CONSTANT(1679868000000));
	g_assert_null(cw_local_time_zone_new("Mars/Olympus_Mons"));
	g_assert_null(cw_local_time_zone_new(""));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/guardrails/local-time/civil-days", test_civil_days);
	g_test_add_func("/guardrails/local-time/against-gdatetime", test_against_gdatetime);
	g_test_add_func("/guardrails/local-time/gap", test_gap_moves_forward);
	return g_test_run();
}
