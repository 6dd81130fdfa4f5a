/* Local stand-ins for the receivers of notifications, on libsoup and
 * 127.0.0.1: a Telegram Bot API server (sendMessage, getUpdates,
 * answerCallbackQuery, with the real answer shapes) and a Standard Webhooks
 * receiver that checks each signature. Times are read from a CwClock so
 * that tests can reason in simulated time. */
#pragma once

#include <libsoup/soup.h>

#include "cw-core.h"

G_BEGIN_DECLS

typedef struct {
	gint64 at_ms; /* clock time of the request */
	char *path;
	char *key;  /* webhook-id, or NULL */
	char *text; /* Telegram text, or the webhook body */
	gint64 chat_id;
	gboolean disable_notification;
	guint status; /* what was answered */
	gboolean signature_ok;
} CwSimRequest;

typedef struct _CwNotifySim CwNotifySim;

/* Mode of the next answers: fail_next answers err_status that many times,
 * then 200 (429 carries retry_after / Retry-After); down_until_ms answers
 * 503 while the clock is before it; hang holds each request unanswered. */
CwNotifySim *cw_notify_sim_new(CwClock *clock, const char *token, const guint8 *secret,
			       gsize secret_len);
void cw_notify_sim_free(CwNotifySim *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwNotifySim, cw_notify_sim_free)
char *cw_notify_sim_url(CwNotifySim *self);
void cw_notify_sim_fail(CwNotifySim *self, guint count, guint status, double retry_after_s,
			const char *description);
void cw_notify_sim_set_down_until(CwNotifySim *self, gint64 until_ms);
/* Answers sendMessage to chat from with migrate_to_chat_id to. */
void cw_notify_sim_set_migration(CwNotifySim *self, gint64 from, gint64 to);
/* Answers each request delay_ms later (a slow receiver). */
void cw_notify_sim_set_delay(CwNotifySim *self, guint delay_ms);
void cw_notify_sim_set_hang(CwNotifySim *self, gboolean hang);
/* The requests seen so far (CwSimRequest), in order. */
GPtrArray *cw_notify_sim_get_requests(CwNotifySim *self);
/* How many 2xx answers went to requests carrying key. */
guint cw_notify_sim_count_delivered(CwNotifySim *self, const char *key);
/* Queues an update for getUpdates (a text message from chat_id). */
void cw_notify_sim_push_message(CwNotifySim *self, gint64 chat_id, const char *text);

G_END_DECLS
