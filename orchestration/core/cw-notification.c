/* CwNotification: one message for the notifiers, owning its strings. */
#include "cw-core.h"

G_DEFINE_BOXED_TYPE(CwNotification, cw_notification, cw_notification_copy, cw_notification_free)

const char *
cw_notification_level_to_string(CwNotificationLevel level)
{
	switch (level) {
	case CW_NOTIFICATION_INFO:
		return "info";
	case CW_NOTIFICATION_WARNING:
		return "warning";
	case CW_NOTIFICATION_CRITICAL:
		return "critical";
	default:
		return "unknown";
	}
}

/**
 * cw_notification_new:
 *
 * Returns: (transfer full): a message owning copies of every string.
 */
CwNotification *
cw_notification_new(const char *key, const char *event_type, CwNotificationLevel level,
		    const char *bot, const char *strategy_id, const char *title, const char *body,
		    gint64 created_at)
{
	CwNotification *self = g_new0(CwNotification, 1);

	self->key = g_strdup(key);
	self->event_type = g_strdup(event_type);
	self->level = level;
	self->bot = g_strdup(bot);
	self->strategy_id = g_strdup(strategy_id);
	self->title = g_strdup(title != NULL ? title : "");
	self->body = g_strdup(body != NULL ? body : "");
	self->created_at = created_at;
	return self;
}

/** cw_notification_copy: Returns: (transfer full): a deep copy. */
CwNotification *
cw_notification_copy(const CwNotification *self)
{
	CwNotification *copy;

	g_return_val_if_fail(self != NULL, NULL);
	copy = cw_notification_new(self->key, self->event_type, self->level, self->bot,
				   self->strategy_id, self->title, self->body, self->created_at);
	copy->silent = self->silent;
	return copy;
}

/** cw_notification_free: frees a message and its strings; NULL is fine. */
void
cw_notification_free(CwNotification *self)
{
	if (self == NULL)
		return;
	g_free(self->key);
	g_free(self->event_type);
	g_free(self->bot);
	g_free(self->strategy_id);
	g_free(self->title);
	g_free(self->body);
	g_free(self);
}
