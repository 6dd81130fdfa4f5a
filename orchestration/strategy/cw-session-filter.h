#pragma once

#if !defined(CW_STRATEGIES_INSIDE) && !defined(CW_STRATEGIES_COMPILATION)
#error "Only <cw-strategies.h> can be included directly."
#endif

#include "cw-config.h"
#include "cw-core.h"

G_BEGIN_DECLS

/* Trading-session window in a time zone.
 *
 * The instant tested is the candle's CLOSE time, open_time + interval_ms:
 * that is when the decision is taken and an order would go out. It is
 * converted to local time with the zone's UTC offset at that instant (so DST
 * changes are followed) by arithmetic only: g_time_zone_find_interval() and
 * g_time_zone_get_offset() do not allocate, GDateTime would.
 *
 * With m the local minute of the day, S = start_minute and E = end_minute:
 *   S < E  (day window):       inside when S <= m < E; the day is today.
 *   E < S  (overnight window): inside when m >= S (the day is today) or
 *                              m < E (the day is yesterday: a window belongs
 *                              to the day it starts).
 *   S == E:                    a 24 h window starting at S, same day rule.
 * The window's day must be in days_mask (bit 0 = Monday ... bit 6 = Sunday).
 * A disabled filter allows everything. */

typedef struct {
	gboolean enabled;
	GTimeZone *tz;
	guint start_minute;
	guint end_minute;
	guint8 days_mask;
} CwSessionFilter;

gboolean cw_session_filter_init(CwSessionFilter *self, const CwSessionFilterSpec *spec,
				GError **error);
void cw_session_filter_clear(CwSessionFilter *self);
gboolean cw_session_filter_allows(const CwSessionFilter *self, const CwCandle *candle);
/* The same test for an instant in ms since the epoch (UTC). */
gboolean cw_session_filter_allows_time(const CwSessionFilter *self, gint64 utc_ms);
/* Local minute of the day [0, 1440) and ISO weekday (1 = Monday ... 7 = Sunday)
 * of an instant in the filter's zone. Allocation free. */
void cw_session_filter_local_time(const CwSessionFilter *self, gint64 utc_ms, guint *minute_of_day,
				  guint *weekday);

G_END_DECLS
