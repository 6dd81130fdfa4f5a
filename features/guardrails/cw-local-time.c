/* UTC <-> local wall time without GDateTime: a GTimeZone interval lookup
 * gives the offset in effect, and civil dates come from day numbers
 * (H. Hinnant's days_from_civil / civil_from_days). Nothing allocates, so
 * gates may call these per candle. */
#include "cw-guardrails-private.h"

#define CW_SECONDS_PER_DAY G_GINT64_CONSTANT(86400)

static gint64
cw_floor_div(gint64 a, gint64 b)
{
	gint64 q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

gint64
cw_local_day_from_civil(gint year, guint month, guint mday)
{
	gint64 y = (gint64) year - (month <= 2 ? 1 : 0);
	gint64 era = cw_floor_div(y, 400);
	gint64 yoe = y - era * 400;
	gint64 mp = ((gint64) month + 9) % 12; /* March = 0 */
	gint64 doy = (153 * mp + 2) / 5 + (gint64) mday - 1;
	gint64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void
cw_local_day_to_civil(gint64 day, gint *year, guint *month, guint *mday)
{
	gint64 z = day + 719468;
	gint64 era = cw_floor_div(z, 146097);
	gint64 doe = z - era * 146097;
	gint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	gint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	gint64 mp = (5 * doy + 2) / 153;
	gint64 d = doy - (153 * mp + 2) / 5 + 1;
	gint64 m = mp < 10 ? mp + 3 : mp - 9;

	*year = (gint) (yoe + era * 400 + (m <= 2 ? 1 : 0));
	*month = (guint) m;
	*mday = (guint) d;
}

void
cw_local_time_from_utc(GTimeZone *tz, gint64 utc_ms, CwLocalTime *out)
{
	gint64 utc_s = cw_floor_div(utc_ms, 1000);
	gint interval = g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, utc_s);
	gint32 offset = interval >= 0 ? g_time_zone_get_offset(tz, interval) : 0;
	gint64 local_s = utc_s + offset;
	gint64 day = cw_floor_div(local_s, CW_SECONDS_PER_DAY);

	out->day = day;
	out->minute = (guint) ((local_s - day * CW_SECONDS_PER_DAY) / 60);
	out->weekday = (guint) ((day % 7 + 7 + 3) % 7); /* 1970-01-01 was a Thursday */
	out->offset_s = offset;
}

gint64
cw_local_time_to_utc(GTimeZone *tz, gint64 day, guint minute)
{
	gint64 local_s = day * CW_SECONDS_PER_DAY + (gint64) minute * 60;
	gint interval = g_time_zone_adjust_time(tz, G_TIME_TYPE_DAYLIGHT, &local_s);
	gint32 offset = interval >= 0 ? g_time_zone_get_offset(tz, interval) : 0;

	return (local_s - offset) * 1000;
}

gint64
cw_local_time_next_midnight(GTimeZone *tz, gint64 utc_ms)
{
	CwLocalTime now;

	cw_local_time_from_utc(tz, utc_ms, &now);
	return cw_local_time_to_utc(tz, now.day + 1, 0);
}

GTimeZone *
cw_local_time_zone_new(const char *identifier)
{
	return cw_config_time_zone_new(identifier, "", NULL, NULL);
}

gboolean
cw_local_time_zone_configure(GTimeZone **tz, const char *name, const char *path, GError **error)
{
	g_clear_pointer(tz, g_time_zone_unref);
	*tz = cw_config_time_zone_new(name, path, "timezone", error);
	return *tz != NULL;
}
