/* The allocation-free local time helpers against GDateTime, hour by hour
 * through a year in zones with and without DST and odd offsets. */
#include "cw-guardrails-test-utils.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

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

static void
test_zone_names_accepted(void)
{
	static const char *const good[] = {
	    "UTC",       "Z",      "Europe/Berlin", "America/Argentina/Buenos_Aires",
	    "Etc/GMT+5", "+05:00", "-03:30",        "+00:00"};

	for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autoptr(GTimeZone) tz = NULL;
		g_autoptr(GError) error = NULL;

		g_assert_true(
		    cw_local_time_zone_configure(&tz, good[i], "guardrails.daily_loss", &error));
		g_assert_no_error(error);
		g_assert_nonnull(tz);
	}
	{
		/* the fixed offset keeps its sign: +05:00 is east of UTC */
		g_autoptr(GTimeZone) tz = cw_local_time_zone_new("+05:00");
		CwLocalTime lt;

		cw_local_time_from_utc(tz, 0, &lt);
		g_assert_cmpint(lt.offset_s, ==, 5 * 3600);
	}
}

static void
expect_refused(const char *name, const char *message)
{
	g_autoptr(GTimeZone) tz = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_false(cw_local_time_zone_configure(&tz, name, "guardrails.daily_loss", &error));
	g_assert_null(tz);
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_INVALID);
	g_assert_true(g_str_has_prefix(error->message, "guardrails.daily_loss.timezone: "));
	if (strstr(error->message, message) == NULL)
		g_test_message("%s: '%s' not in '%s'", name, message, error->message);
	g_assert_nonnull(strstr(error->message, message));
	g_assert_null(cw_local_time_zone_new(name));
}

static void
test_zone_paths_refused(void)
{
	expect_refused("/etc/localtime", "is a file path");
	expect_refused("/usr/share/zoneinfo/Europe/Berlin", "is a file path");
	expect_refused(":Europe/Berlin", "is a file path");
	expect_refused("../../../../etc/passwd", "'..' component");
	expect_refused("Europe/../../../etc/passwd", "'..' component");
	expect_refused("Europe//Berlin", "empty component");
	expect_refused("Europe/Berlin/", "empty component");
	expect_refused("Europe/.hidden", "starting with '.'");
	expect_refused("Europe/Ber lin", "character");
	expect_refused("Europe", "a directory");
	expect_refused("Mars/Olympus_Mons", "unknown time zone 'Mars/Olympus_Mons'");
	expect_refused("", "empty time zone");
	expect_refused("+5", "\"+HH:MM\"");
	expect_refused("+24:00", "\"+HH:MM\"");
	expect_refused("+05:60", "\"+HH:MM\"");
}

static void
test_zone_posix_refused(void)
{
	/* POSIX inverts the sign: "UTC+5" would be UTC-5 */
	expect_refused("UTC+5", "write the offset as \"+05:00\"");
	expect_refused("GMT-3", "POSIX TZ string");
	expect_refused("CET-1CEST,M3.5.0,M10.5.0/3", "POSIX TZ string");
	expect_refused("<+05>-5", "POSIX TZ string");
}

/* Zone entries that are not regular files are refused without being opened:
 * opening a FIFO would block until a writer comes, so a regression hangs
 * (and meson's timeout fails the test). */
static void
test_zone_fifo_refused(void)
{
	g_autofree char *dir = g_dir_make_tmp("cw-tzdir-XXXXXX", NULL);
	g_autofree char *sub = g_build_filename(dir, "Test", NULL);
	g_autofree char *fifo = g_build_filename(sub, "Fifo", NULL);
	g_autofree char *link = g_build_filename(sub, "Link", NULL);
	g_autofree char *zone = g_build_filename(sub, "Berlin", NULL);
	g_autofree char *contents = NULL;
	g_autofree char *old = g_strdup(g_getenv("TZDIR"));
	gsize len = 0;

	g_assert_nonnull(dir);
	g_assert_cmpint(g_mkdir(sub, 0700), ==, 0);
	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	g_assert_cmpint(symlink("Fifo", link), ==, 0);
	g_assert_true(
	    g_file_get_contents("/usr/share/zoneinfo/Europe/Berlin", &contents, &len, NULL));
	g_assert_true(g_file_set_contents(zone, contents, (gssize) len, NULL));
	g_setenv("TZDIR", dir, TRUE);

	expect_refused("Test/Fifo", "a FIFO");
	expect_refused("Test/Link", "a FIFO");
	expect_refused("Test", "a directory");
	{
		/* $TZDIR is the zone database GLib reads: a regular zone file there works */
		g_autoptr(GTimeZone) tz = cw_local_time_zone_new("Test/Berlin");
		CwLocalTime lt;

		g_assert_nonnull(tz);
		cw_local_time_from_utc(tz, G_GINT64_CONSTANT(1688169600000), &lt); /* July */
		g_assert_cmpint(lt.offset_s, ==, 2 * 3600);
	}

	if (old != NULL)
		g_setenv("TZDIR", old, TRUE);
	else
		g_unsetenv("TZDIR");
	g_unlink(link);
	g_unlink(fifo);
	g_unlink(zone);
	g_rmdir(sub);
	g_rmdir(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/guardrails/local-time/civil-days", test_civil_days);
	g_test_add_func("/guardrails/local-time/against-gdatetime", test_against_gdatetime);
	g_test_add_func("/guardrails/local-time/gap", test_gap_moves_forward);
	g_test_add_func("/guardrails/local-time/zone-names", test_zone_names_accepted);
	g_test_add_func("/guardrails/local-time/zone-paths-refused", test_zone_paths_refused);
	g_test_add_func("/guardrails/local-time/zone-posix-refused", test_zone_posix_refused);
	g_test_add_func("/guardrails/local-time/zone-fifo-refused", test_zone_fifo_refused);
	return g_test_run();
}
