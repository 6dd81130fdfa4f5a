#pragma once

/* features/notifications: the telegram and webhook notifiers, registered on
 * the cw-notifier extension point by cw_notifications_register_types(). */
#define CW_NOTIFICATIONS_INSIDE
#include "cw-notifications-error.h"
#include "cw-notify-text.h"
#include "cw-telegram-api.h"
#include "cw-telegram-notifier.h"
#include "cw-webhook-notifier.h"
#undef CW_NOTIFICATIONS_INSIDE

G_BEGIN_DECLS

void cw_notifications_register_types(void);

G_END_DECLS
