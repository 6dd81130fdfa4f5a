#pragma once

#if !defined(CW_NOTIFICATIONS_INSIDE) && !defined(CW_NOTIFICATIONS_COMPILATION)
#error "Only <cw-notifications.h> can be included directly."
#endif

#include "cw-core.h"

G_BEGIN_DECLS

/* The "webhook" notifier: POSTs a JSON body (or a configured template),
 * signed as Standard Webhooks 1.0 does it. */
#define CW_TYPE_WEBHOOK_NOTIFIER (cw_webhook_notifier_get_type())
G_DECLARE_FINAL_TYPE(CwWebhookNotifier, cw_webhook_notifier, CW, WEBHOOK_NOTIFIER, GObject)

/* The body sent for message (the default shape or the template). */
char *cw_webhook_notifier_build_body(CwWebhookNotifier *self, const CwNotification *message);
/* "v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>". */
char *cw_webhook_sign(const guint8 *secret, gsize secret_len, const char *id, gint64 timestamp,
		      const char *body);
/* Decodes a "whsec_<base64>" secret; other text is taken as raw bytes. */
GBytes *cw_webhook_secret_decode(const char *text, GError **error);

G_END_DECLS
