#pragma once

#if !defined(CW_NOTIFICATIONS_INSIDE) && !defined(CW_NOTIFICATIONS_COMPILATION)
#error "Only <cw-notifications.h> can be included directly."
#endif

#include "cw-core.h"

G_BEGIN_DECLS

/* The "telegram" notifier: Bot API sendMessage to one chat, MarkdownV2 or
 * HTML, split at 4096 characters, 429 retry_after and migrate_to_chat_id
 * honoured. */
#define CW_TYPE_TELEGRAM_NOTIFIER (cw_telegram_notifier_get_type())
G_DECLARE_FINAL_TYPE(CwTelegramNotifier, cw_telegram_notifier, CW, TELEGRAM_NOTIFIER, GObject)

/* The chat messages go to now (after a migration, the new one). */
gint64 cw_telegram_notifier_get_chat_id(CwTelegramNotifier *self);
/* The Bot API URL of method with the token replaced by <redacted>. */
char *cw_telegram_notifier_redacted_url(CwTelegramNotifier *self, const char *method);
/* Formats a message as the text sent (title in bold, escaped). */
char *cw_telegram_notifier_format(CwTelegramNotifier *self, const CwNotification *message);

G_END_DECLS
