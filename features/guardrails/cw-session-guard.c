/* session {timezone, start, end, days, blackout_dates, flatten_at_end}: new
 * entries only inside a local trading window. start and end are "HH:MM" in
 * timezone; end <= start is an overnight window (22:00-06:00) that belongs
 * to the day it starts on, which is the day days and blackout_dates are
 * matched against. Outside the window exits still pass. With
 * flatten_at_end the guard asks the orchestrator to close the position
 * (cw_guard_wants_flatten()) when it sees the window end with a position
 * open; the request clears once the bot is flat or the window opens again.
 *
 * The last inside/outside observation and a pending flatten request are
 * saved (save_state), so a restart after the window ended still flattens.
 *
 * Local time comes from the zone's interval table (DST-correct: on a
 * 23-hour or 25-hour day the window still opens at the local wall time),
 * without allocating. */
#include "cw-guardrails-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CW_SESSION_MAX_BLACKOUTS 1000

struct _CwSessionGuard {
	GObject parent_instance;
	GTimeZone *tz;
	char *tz_name;
	guint start; /* minutes after local midnight */
	guint end;
	guint8 days_mask; /* bit 0 = Monday ... bit 6 = Sunday */
	char days_text[32];
	gint64 *blackouts; /* local day numbers, ascending */
	guint n_blackouts;
	gboolean flatten_at_end;
	/* state */
	int was_inside; /* -1 before the first observation */
	gboolean flatten;
};

G_DECLARE_FINAL_TYPE(CwSessionGuard, cw_session_guard, CW, SESSION_GUARD, GObject)

static void cw_session_guard_guard_init(CwGuardInterface *iface);

G_DEFINE_TYPE_WITH_CODE(CwSessionGuard, cw_session_guard, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(CW_TYPE_GUARD, cw_session_guard_guard_init))

static const char *const cw_session_keys[] = {"timezone",       "start",          "end", "days",
					      "blackout_dates", "flatten_at_end", NULL};
static const char *const cw_session_day_names[] = {"mon", "tue", "wed", "thu",
						   "fri", "sat", "sun", NULL};

static const char *
cw_session_guard_get_name(CwGuard *guard)
{
	return "session";
}

static gboolean
cw_session_guard_parse_days(CwSessionGuard *self, JsonObject *obj, const char *path, GError **error)
{
	g_autofree char *days_path = cw_config_path_join(path, "days");
	JsonArray *days = NULL;

	self->days_mask = 0x7f;
	g_strlcpy(self->days_text, "every day", sizeof self->days_text);
	if (!cw_config_read_array(obj, path, "days", 1, 7, &days, error))
		return FALSE;
	if (days == NULL)
		return TRUE;
	self->days_mask = 0;
	for (guint i = 0; i < json_array_get_length(days); i++) {
		JsonNode *node = json_array_get_element(days, i);
		const char *name =
		    JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING
			? json_node_get_string(node)
			: NULL;
		guint d = 0;

		while (name != NULL && cw_session_day_names[d] != NULL &&
		       g_ascii_strcasecmp(name, cw_session_day_names[d]) != 0)
			d++;
		if (name == NULL || cw_session_day_names[d] == NULL) {
			g_autofree char *elem_path = cw_config_path_index(days_path, i);
			g_autofree char *known = g_strjoinv(", ", (char **) cw_session_day_names);

			if (name == NULL)
				return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, elem_path,
							  NULL, "expected a day name (%s), got %s",
							  known, cw_config_node_describe(node));
			return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, elem_path, NULL,
						  "unknown day '%s' (expected one of %s)", name,
						  known);
		}
		self->days_mask |= 1u << d;
	}
	self->days_text[0] = '\0';
	for (guint d = 0; d < 7; d++) {
		if (!(self->days_mask & (1u << d)))
			continue;
		if (self->days_text[0] != '\0')
			g_strlcat(self->days_text, ",", sizeof self->days_text);
		g_strlcat(self->days_text, cw_session_day_names[d], sizeof self->days_text);
	}
	return TRUE;
}

static gint
cw_session_compare_days(gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* "YYYY-MM-DD", exactly ten characters, digits where digits belong (sscanf's
 * %u would also take a sign or a space). */
static gboolean
cw_session_parse_date(const char *text, guint *year, guint *month, guint *mday)
{
	static const guint digits[] = {0, 1, 2, 3, 5, 6, 8, 9};

	if (strlen(text) != 10 || text[4] != '-' || text[7] != '-')
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(digits); i++) {
		if (!g_ascii_isdigit(text[digits[i]]))
			return FALSE;
	}
	*year = (guint) g_ascii_digit_value(text[0]) * 1000 +
		(guint) g_ascii_digit_value(text[1]) * 100 +
		(guint) g_ascii_digit_value(text[2]) * 10 + (guint) g_ascii_digit_value(text[3]);
	*month = (guint) g_ascii_digit_value(text[5]) * 10 + (guint) g_ascii_digit_value(text[6]);
	*mday = (guint) g_ascii_digit_value(text[8]) * 10 + (guint) g_ascii_digit_value(text[9]);
	return TRUE;
}

static gboolean
cw_session_guard_parse_blackouts(CwSessionGuard *self, JsonObject *obj, const char *path,
				 GError **error)
{
	g_autofree char *dates_path = cw_config_path_join(path, "blackout_dates");
	JsonArray *dates = NULL;

	g_clear_pointer(&self->blackouts, g_free);
	self->n_blackouts = 0;
	if (!cw_config_read_array(obj, path, "blackout_dates", 0, CW_SESSION_MAX_BLACKOUTS, &dates,
				  error))
		return FALSE;
	if (dates == NULL || json_array_get_length(dates) == 0)
		return TRUE;
	self->blackouts = g_new(gint64, json_array_get_length(dates));
	for (guint i = 0; i < json_array_get_length(dates); i++) {
		JsonNode *node = json_array_get_element(dates, i);
		const char *text =
		    JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING
			? json_node_get_string(node)
			: NULL;
		guint year = 0, month = 0, mday = 0;

		if (text == NULL || !cw_session_parse_date(text, &year, &month, &mday) ||
		    year < 1970 ||
		    !g_date_valid_dmy((GDateDay) mday, (GDateMonth) month, (GDateYear) year)) {
			g_autofree char *elem_path = cw_config_path_index(dates_path, i);

			if (text == NULL)
				return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, elem_path,
							  NULL,
							  "expected a date \"YYYY-MM-DD\", got %s",
							  cw_config_node_describe(node));
			return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, elem_path, NULL,
						  "expected a date \"YYYY-MM-DD\", got \"%s\"",
						  text);
		}
		self->blackouts[self->n_blackouts++] =
		    cw_local_day_from_civil((gint) year, month, mday);
	}
	qsort(self->blackouts, self->n_blackouts, sizeof(gint64), cw_session_compare_days);
	return TRUE;
}

static gboolean
cw_session_guard_configure(CwGuard *guard, const CwBotConfig *config, gboolean *active,
			   GError **error)
{
	CwSessionGuard *self = (CwSessionGuard *) guard;
	const char *path = "guardrails.session";
	JsonObject *section, *obj = NULL;
	const char *tz_name = NULL;

	if (!cw_guardrails_get_section(config, &section, error))
		return FALSE;
	*active = FALSE;
	if (section == NULL)
		return TRUE;
	if (!cw_config_read_object(section, "guardrails", "session", &obj, error))
		return FALSE;
	if (obj == NULL)
		return TRUE;
	if (!cw_config_check_keys(obj, path, cw_session_keys, error))
		return FALSE;
	for (guint i = 0; i < 2; i++) {
		const char *key = i == 0 ? "start" : "end";

		if (!json_object_has_member(obj, key))
			return cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, path, key,
						  "required (\"HH:MM\")");
	}
	if (!cw_config_read_time_of_day(obj, path, "start", 0, &self->start, error) ||
	    !cw_config_read_time_of_day(obj, path, "end", 0, &self->end, error) ||
	    !cw_config_read_string(obj, path, "timezone", "UTC", &tz_name, error) ||
	    !cw_config_read_bool(obj, path, "flatten_at_end", FALSE, &self->flatten_at_end,
				 error) ||
	    !cw_session_guard_parse_days(self, obj, path, error) ||
	    !cw_session_guard_parse_blackouts(self, obj, path, error))
		return FALSE;
	if (!cw_local_time_zone_configure(&self->tz, tz_name, path, error))
		return FALSE;
	g_free(self->tz_name);
	self->tz_name = g_strdup(tz_name);
	*active = TRUE;
	return TRUE;
}

static gboolean
cw_session_guard_is_blackout(CwSessionGuard *self, gint64 day)
{
	guint lo = 0, hi = self->n_blackouts;

	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;

		if (self->blackouts[mid] == day)
			return TRUE;
		if (self->blackouts[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return FALSE;
}

/* May a window start on this local day? */
static gboolean
cw_session_guard_day_open(CwSessionGuard *self, gint64 day, guint weekday)
{
	return (self->days_mask & (1u << weekday)) && !cw_session_guard_is_blackout(self, day);
}

static gboolean
cw_session_guard_inside(CwSessionGuard *self, const CwLocalTime *lt)
{
	if (self->start < self->end)
		return lt->minute >= self->start && lt->minute < self->end &&
		       cw_session_guard_day_open(self, lt->day, lt->weekday);
	/* overnight (or 24 h when start == end): belongs to the start day */
	if (lt->minute >= self->start)
		return cw_session_guard_day_open(self, lt->day, lt->weekday);
	return lt->minute < self->end &&
	       cw_session_guard_day_open(self, lt->day - 1, (lt->weekday + 6) % 7);
}

static gboolean
cw_session_guard_update(CwSessionGuard *self, const CwGuardContext *ctx, CwLocalTime *lt)
{
	gboolean inside;

	cw_local_time_from_utc(self->tz, ctx->now, lt);
	inside = cw_session_guard_inside(self, lt);
	if (inside)
		self->flatten = FALSE;
	else if (self->was_inside == 1 && self->flatten_at_end && ctx->position_qty != 0)
		self->flatten = TRUE;
	if (ctx->position_qty == 0)
		self->flatten = FALSE;
	self->was_inside = inside ? 1 : 0;
	return inside;
}

static CwGuardVerdict
cw_session_guard_check(CwGuard *guard, const CwGuardContext *ctx, CwOrder *order, char *reason,
		       gsize reason_len)
{
	CwSessionGuard *self = (CwSessionGuard *) guard;
	CwLocalTime lt;
	gint year;
	guint month, mday;

	if (cw_session_guard_update(self, ctx, &lt) || cw_gate_is_exit(ctx, order))
		return CW_GUARD_ALLOW;
	cw_local_day_to_civil(lt.day, &year, &month, &mday);
	return cw_gate_reject(reason, reason_len,
			      "session: outside the trading window %02u:%02u-%02u:%02u (%s) %s; "
			      "local time %04d-%02u-%02u %s %02u:%02u",
			      self->start / 60, self->start % 60, self->end / 60, self->end % 60,
			      self->days_text, self->tz_name, year, month, mday,
			      cw_session_day_names[lt.weekday], lt.minute / 60, lt.minute % 60);
}

static void
cw_session_guard_on_fill(CwGuard *guard, const CwGuardContext *ctx, const CwFill *fill)
{
	CwLocalTime lt;

	cw_session_guard_update(((CwSessionGuard *) guard), ctx, &lt);
}

static void
cw_session_guard_on_candle(CwGuard *guard, const CwGuardContext *ctx, const CwCandle *candle)
{
	CwLocalTime lt;

	cw_session_guard_update(((CwSessionGuard *) guard), ctx, &lt);
}

static gboolean
cw_session_guard_wants_flatten(CwGuard *guard)
{
	return ((CwSessionGuard *) guard)->flatten;
}

static char *
cw_session_guard_save_state(CwGuard *guard)
{
	CwSessionGuard *self = (CwSessionGuard *) guard;
	JsonBuilder *b = cw_guard_state_begin("session", CW_BOT_MODE_ACTIVE);

	json_builder_set_member_name(b, "was_inside");
	json_builder_add_int_value(b, self->was_inside);
	json_builder_set_member_name(b, "flatten");
	json_builder_add_boolean_value(b, self->flatten);
	return cw_guard_state_end(b);
}

static gboolean
cw_session_guard_load_state(CwGuard *guard, const char *json, GError **error)
{
	CwSessionGuard *self = (CwSessionGuard *) guard;
	g_autoptr(JsonObject) state = NULL;
	CwBotMode mode;
	gint64 was_inside;
	gboolean flatten;

	state = cw_guard_state_parse(json, "session", &mode, error);
	if (state == NULL ||
	    !cw_guard_state_get_int(state, "session", "was_inside", -1, 1, &was_inside, error) ||
	    !cw_guard_state_get_bool(state, "session", "flatten", &flatten, error))
		return FALSE;
	self->was_inside = (int) was_inside;
	self->flatten = flatten;
	return TRUE;
}

static void
cw_session_guard_guard_init(CwGuardInterface *iface)
{
	iface->get_name = cw_session_guard_get_name;
	iface->configure = cw_session_guard_configure;
	iface->check = cw_session_guard_check;
	iface->on_fill = cw_session_guard_on_fill;
	iface->on_candle = cw_session_guard_on_candle;
	iface->wants_flatten = cw_session_guard_wants_flatten;
	iface->save_state = cw_session_guard_save_state;
	iface->load_state = cw_session_guard_load_state;
}

static void
cw_session_guard_finalize(GObject *object)
{
	CwSessionGuard *self = CW_SESSION_GUARD(object);

	g_clear_pointer(&self->tz, g_time_zone_unref);
	g_free(self->tz_name);
	g_free(self->blackouts);
	G_OBJECT_CLASS(cw_session_guard_parent_class)->finalize(object);
}

static void
cw_session_guard_class_init(CwSessionGuardClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_session_guard_finalize;
}

static void
cw_session_guard_init(CwSessionGuard *self)
{
	self->was_inside = -1;
	self->days_mask = 0x7f;
}
