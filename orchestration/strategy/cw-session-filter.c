#include "cw-strategies.h"

#define CW_MINUTES_PER_DAY 1440

/**
 * cw_session_filter_init:
 * @self: storage for the filter
 * @spec: the session spec; its timezone is resolved here, once
 * @error: return location for a #GError
 *
 * Returns: %FALSE on an unknown time zone, minutes outside a day or an
 * empty days mask (enabled filters only).
 */
gboolean
cw_session_filter_init(CwSessionFilter *self, const CwSessionFilterSpec *spec, GError **error)
{
	const char *tz_name = spec->timezone != NULL && *spec->timezone ? spec->timezone : "UTC";
	g_autoptr(GError) local = NULL;

	memset(self, 0, sizeof(*self));
	if (!spec->enabled)
		return TRUE;
	if (spec->start_minute >= CW_MINUTES_PER_DAY || spec->end_minute >= CW_MINUTES_PER_DAY) {
		g_set_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER,
			    "session: start and end must be minutes in [0, %d), got %u and %u",
			    CW_MINUTES_PER_DAY, spec->start_minute, spec->end_minute);
		return FALSE;
	}
	if ((spec->days_mask & 0x7f) == 0) {
		g_set_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER,
			    "session.days: no day selected");
		return FALSE;
	}
	self->tz = cw_config_time_zone_new(tz_name, "session", "timezone", &local);
	if (self->tz == NULL) {
		g_set_error_literal(error, CW_STRATEGIES_ERROR,
				    CW_STRATEGIES_ERROR_INVALID_PARAMETER, local->message);
		return FALSE;
	}
	self->enabled = TRUE;
	self->start_minute = spec->start_minute;
	self->end_minute = spec->end_minute;
	self->days_mask = spec->days_mask & 0x7f;
	return TRUE;
}

void
cw_session_filter_clear(CwSessionFilter *self)
{
	g_clear_pointer(&self->tz, g_time_zone_unref);
	self->enabled = FALSE;
}

static gint64
cw_floor_div(gint64 a, gint64 b)
{
	gint64 q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void
cw_session_filter_local_time(const CwSessionFilter *self, gint64 utc_ms, guint *minute_of_day,
			     guint *weekday)
{
	gint64 utc_s = cw_floor_div(utc_ms, 1000);
	gint64 local_s = utc_s;
	gint64 days;

	if (self->tz != NULL) {
		/* GLib takes a non-const zone but only reads it here. */
		GTimeZone *tz = (GTimeZone *) self->tz;
		gint interval = g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, utc_s);

		if (interval >= 0)
			local_s += g_time_zone_get_offset(tz, interval);
	}
	days = cw_floor_div(local_s, 86400);
	if (minute_of_day != NULL)
		*minute_of_day = (guint) ((local_s - days * 86400) / 60);
	/* 1970-01-01 was a Thursday (ISO 4). */
	if (weekday != NULL)
		*weekday = (guint) (((days + 3) % 7 + 7) % 7) + 1;
}

gboolean
cw_session_filter_allows_time(const CwSessionFilter *self, gint64 utc_ms)
{
	guint m, day, s, e;
	gboolean inside, yesterday = FALSE;

	if (!self->enabled)
		return TRUE;
	cw_session_filter_local_time(self, utc_ms, &m, &day);
	s = self->start_minute;
	e = self->end_minute;
	if (s < e) {
		inside = m >= s && m < e;
	} else {
		/* overnight, or 24 h when s == e */
		inside = m >= s || m < e;
		yesterday = m < s;
	}
	if (!inside)
		return FALSE;
	if (yesterday)
		day = day == 1 ? 7 : day - 1;
	return (self->days_mask & (1u << (day - 1))) != 0;
}

/**
 * cw_session_filter_allows:
 * @self: a filter
 * @candle: a closed candle
 *
 * Returns: %TRUE when the candle's close time is inside the session window.
 */
gboolean
cw_session_filter_allows(const CwSessionFilter *self, const CwCandle *candle)
{
	return cw_session_filter_allows_time(self, candle->open_time + candle->interval_ms);
}
