#include "cw-core.h"

G_DEFINE_INTERFACE(CwNotifier, cw_notifier, G_TYPE_OBJECT)

static void
cw_notifier_default_init(CwNotifierInterface *iface)
{
}

const char *
cw_notify_outcome_to_string(CwNotifyOutcome outcome)
{
	switch (outcome) {
	case CW_NOTIFY_OK:
		return "ok";
	case CW_NOTIFY_TRANSIENT:
		return "transient";
	case CW_NOTIFY_RATE_LIMITED:
		return "rate-limited";
	case CW_NOTIFY_PERMANENT:
		return "permanent";
	default:
		return "unknown";
	}
}

/** cw_notifier_configure: applies the notifier's section of the service config. */
gboolean
cw_notifier_configure(CwNotifier *self, const char *section_json, GError **error)
{
	CwNotifierInterface *iface;

	g_return_val_if_fail(CW_IS_NOTIFIER(self), FALSE);
	iface = CW_NOTIFIER_GET_IFACE(self);
	return iface->configure == NULL || iface->configure(self, section_json, error);
}

/** cw_notifier_get_limits: the pacing the notifier asks for (defaults: none). */
void
cw_notifier_get_limits(CwNotifier *self, CwNotifierLimits *limits)
{
	CwNotifierInterface *iface;

	g_return_if_fail(CW_IS_NOTIFIER(self));
	*limits = (CwNotifierLimits){.min_interval_ms = 0, .max_per_minute = 0, .coalesce_max = 1};
	iface = CW_NOTIFIER_GET_IFACE(self);
	if (iface->get_limits != NULL)
		iface->get_limits(self, limits);
	if (limits->coalesce_max == 0)
		limits->coalesce_max = 1;
}

/** cw_notifier_send_async: starts sending message (copied as needed). */
void
cw_notifier_send_async(CwNotifier *self, const CwNotification *message, GCancellable *cancellable,
		       GAsyncReadyCallback callback, gpointer user_data)
{
	g_return_if_fail(CW_IS_NOTIFIER(self));
	g_return_if_fail(message != NULL);
	CW_NOTIFIER_GET_IFACE(self)->send_async(self, message, cancellable, callback, user_data);
}

/**
 * cw_notifier_send_finish:
 * @result: (out): how the send ended, filled on failure too
 *
 * Returns: TRUE when delivered; FALSE with error otherwise.
 */
gboolean
cw_notifier_send_finish(CwNotifier *self, GAsyncResult *res, CwNotifyResult *result, GError **error)
{
	CwNotifyResult local = {CW_NOTIFY_TRANSIENT, 0};

	g_return_val_if_fail(CW_IS_NOTIFIER(self), FALSE);
	if (result == NULL)
		result = &local;
	*result = local;
	return CW_NOTIFIER_GET_IFACE(self)->send_finish(self, res, result, error);
}

/** cw_notifier_command_free: frees a command; NULL is fine. */
void
cw_notifier_command_free(CwNotifierCommand *self)
{
	if (self == NULL)
		return;
	g_free(self->text);
	g_free(self->callback_id);
	g_free(self);
}

/** cw_notifier_takes_commands: TRUE when the notifier is configured to take commands. */
gboolean
cw_notifier_takes_commands(CwNotifier *self)
{
	CwNotifierInterface *iface;

	g_return_val_if_fail(CW_IS_NOTIFIER(self), FALSE);
	iface = CW_NOTIFIER_GET_IFACE(self);
	return iface->takes_commands != NULL && iface->poll_commands_async != NULL &&
	       iface->takes_commands(self);
}

/** cw_notifier_poll_commands_async: waits for the next commands. */
void
cw_notifier_poll_commands_async(CwNotifier *self, GCancellable *cancellable,
				GAsyncReadyCallback callback, gpointer user_data)
{
	g_return_if_fail(cw_notifier_takes_commands(self));
	CW_NOTIFIER_GET_IFACE(self)->poll_commands_async(self, cancellable, callback, user_data);
}

/**
 * cw_notifier_poll_commands_finish:
 *
 * Returns: (transfer full) (element-type CwNotifierCommand): the commands, or NULL.
 */
GPtrArray *
cw_notifier_poll_commands_finish(CwNotifier *self, GAsyncResult *res, GError **error)
{
	return CW_NOTIFIER_GET_IFACE(self)->poll_commands_finish(self, res, error);
}

/** cw_notifier_reply: answers a command (best effort). */
void
cw_notifier_reply(CwNotifier *self, const CwNotifierCommand *command, const char *text,
		  const char *button_label, const char *button_data)
{
	CwNotifierInterface *iface;

	g_return_if_fail(CW_IS_NOTIFIER(self));
	iface = CW_NOTIFIER_GET_IFACE(self);
	if (iface->reply != NULL)
		iface->reply(self, command, text, button_label, button_data);
}

/** cw_notifier_get_n_ignored: commands dropped from chats not allowed. */
guint64
cw_notifier_get_n_ignored(CwNotifier *self)
{
	CwNotifierInterface *iface;

	g_return_val_if_fail(CW_IS_NOTIFIER(self), 0);
	iface = CW_NOTIFIER_GET_IFACE(self);
	return iface->get_n_ignored != NULL ? iface->get_n_ignored(self) : 0;
}
