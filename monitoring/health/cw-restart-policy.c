#include "cw-health.h"

#include <math.h>

#include "cw-health-error.h"

void
cw_restart_policy_init(CwRestartPolicy *self)
{
	*self = (CwRestartPolicy){
	    .burst = 5, .interval_s = 600, .initial_s = 1, .max_s = 60, .factor = 2};
}

GArray *
cw_restart_policy_parse(const char *text, GError **error)
{
	g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_auto(GStrv) parts = NULL;

	if (text == NULL || text[0] == '\0')
		return g_steal_pointer(&times);
	parts = g_strsplit(text, ",", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		gint64 t = 0;
		if (!g_ascii_string_to_signed(parts[i], 10, 1, G_MAXINT64, &t, NULL)) {
			g_set_error(error, CW_HEALTH_ERROR, CW_HEALTH_ERROR_STATE,
				    "bot_state %s: item %u \"%s\" is not a time in ms",
				    CW_RESTART_STATE_KEY, i, parts[i]);
			return NULL;
		}
		g_array_append_val(times, t);
	}
	return g_steal_pointer(&times);
}

char *
cw_restart_policy_format(GArray *times)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < times->len; i++)
		g_string_append_printf(out, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "",
				       g_array_index(times, gint64, i));
	return g_string_free(out, FALSE);
}

void
cw_restart_policy_prune(const CwRestartPolicy *self, GArray *times, gint64 now_ms)
{
	gint64 since = now_ms - (gint64) (self->interval_s * 1000);

	for (guint i = times->len; i > 0; i--) {
		if (g_array_index(times, gint64, i - 1) <= since)
			g_array_remove_index(times, i - 1);
	}
}

gboolean
cw_restart_policy_allows(const CwRestartPolicy *self, GArray *times, double *delay_s)
{
	CwBackoff backoff = {self->initial_s, self->factor, self->max_s, 0 /* no jitter */};

	if (times->len >= self->burst)
		return FALSE;
	*delay_s = cw_backoff_delay_s(&backoff, times->len + 1, NULL, 0);
	return TRUE;
}

char *
cw_restart_policy_limit_message(const CwRestartPolicy *self, guint n, const char *last)
{
	g_autofree char *window = NULL;

	if (self->interval_s >= 60 && fmod(self->interval_s, 60) == 0)
		window = g_strdup_printf("%g min", self->interval_s / 60);
	else
		window = g_strdup_printf("%g s", self->interval_s);
	return g_strdup_printf("restart limit reached: %u restarts in %s (last: %s)", n, window,
			       last != NULL ? last : "unknown");
}
