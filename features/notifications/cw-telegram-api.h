#pragma once

#if !defined(CW_NOTIFICATIONS_INSIDE) && !defined(CW_NOTIFICATIONS_COMPILATION)
#error "Only <cw-notifications.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/* A Bot API answer: {"ok":true,"result":...} or {"ok":false,
 * "error_code":N,"description":"...","parameters":{"retry_after":S,
 * "migrate_to_chat_id":ID}}. */
typedef struct {
	gboolean ok;
	int error_code;
	char *description;
	double retry_after_s;
	gboolean has_migrate;
	gint64 migrate_to_chat_id;
} CwTelegramResponse;

/* Parses a Bot API answer body (outside input: any bytes). FALSE with
 * CW_NOTIFICATIONS_ERROR_RESPONSE when it is not such an answer. */
gboolean cw_telegram_response_parse(const char *data, gssize len, CwTelegramResponse *out,
				    GError **error);
void cw_telegram_response_clear(CwTelegramResponse *self);

/* One update of getUpdates: a text message or an inline button press. */
typedef struct {
	gint64 update_id;
	gint64 chat_id;
	char *text;              /* message text or callback data; nullable */
	char *callback_query_id; /* set for a callback_query */
} CwTelegramUpdate;

void cw_telegram_update_free(CwTelegramUpdate *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwTelegramUpdate, cw_telegram_update_free)

/* Parses a getUpdates answer into CwTelegramUpdate elements (updates of
 * other kinds are skipped, their ids still counted in *max_update_id).
 * FALSE with an error naming the element when the answer is malformed. */
GPtrArray *cw_telegram_updates_parse(const char *data, gssize len, gint64 *max_update_id,
				     GError **error);

G_END_DECLS
