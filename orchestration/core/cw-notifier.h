#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include <gio/gio.h>

#include "cw-event.h"

G_BEGIN_DECLS

#define CW_EXTENSION_POINT_NOTIFIER "cw-notifier"

typedef enum {
	CW_NOTIFICATION_INFO,
	CW_NOTIFICATION_WARNING,
	CW_NOTIFICATION_CRITICAL,
} CwNotificationLevel;

const char *cw_notification_level_to_string(CwNotificationLevel level);

/* One message to send, owned (every string is a copy). The idempotency key
 * is the same on every attempt, so a receiver can drop repeats. */
typedef struct {
	char *key;        /* idempotency key */
	char *event_type; /* "entry_fill", "guard_tripped", ... */
	CwNotificationLevel level;
	char *bot;         /* nullable: service-wide */
	char *strategy_id; /* nullable */
	char *title;
	char *body;
	gint64 created_at; /* ms since the epoch */
	gboolean silent;   /* deliver without a sound (Telegram disable_notification) */
} CwNotification;

#define CW_TYPE_NOTIFICATION (cw_notification_get_type())
GType cw_notification_get_type(void) G_GNUC_CONST;
CwNotification *cw_notification_new(const char *key, const char *event_type,
				    CwNotificationLevel level, const char *bot,
				    const char *strategy_id, const char *title, const char *body,
				    gint64 created_at);
CwNotification *cw_notification_copy(const CwNotification *self);
void cw_notification_free(CwNotification *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwNotification, cw_notification_free)

/* How a send ended, for the delivery worker to decide what comes next. */
typedef enum {
	CW_NOTIFY_OK,
	CW_NOTIFY_TRANSIENT,    /* timeout, connection error, 5xx: retry with backoff */
	CW_NOTIFY_RATE_LIMITED, /* 429: retry after retry_after_s */
	CW_NOTIFY_PERMANENT,    /* refused for good (403, chat not found): dead-letter */
} CwNotifyOutcome;

typedef struct {
	CwNotifyOutcome outcome;
	double retry_after_s; /* RATE_LIMITED: what the receiver asked for; else 0 */
} CwNotifyResult;

const char *cw_notify_outcome_to_string(CwNotifyOutcome outcome);

/* Pacing a notifier asks of the worker: at most one message each
 * min_interval_ms and max_per_minute a minute (0: no cap); up to
 * coalesce_max due messages are joined into one digest (1: never). */
typedef struct {
	guint min_interval_ms;
	guint max_per_minute;
	guint coalesce_max;
} CwNotifierLimits;

/* A command an operator sent through a notifier that takes commands
 * (Telegram), from a chat the notifier's config allows. */
typedef struct {
	gint64 chat_id;
	char *text;
	char *callback_id; /* set when it came from an inline button */
} CwNotifierCommand;

void cw_notifier_command_free(CwNotifierCommand *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwNotifierCommand, cw_notifier_command_free)

/* Sends notifications somewhere humans look (chat, webhooks). Sending is
 * asynchronous and never blocks the caller; the delivery worker calls it
 * from the main loop, never from the candle path. */
#define CW_TYPE_NOTIFIER (cw_notifier_get_type())
G_DECLARE_INTERFACE(CwNotifier, cw_notifier, CW, NOTIFIER, GObject)

struct _CwNotifierInterface {
	GTypeInterface g_iface;
	/* section_json: the notifier's own object of the service config, as
	 * JSON text, without the keys the worker reads itself. Errors name
	 * the key. */
	gboolean (*configure)(CwNotifier *self, const char *section_json, GError **error);
	void (*get_limits)(CwNotifier *self, CwNotifierLimits *limits);
	void (*send_async)(CwNotifier *self, const CwNotification *message,
			   GCancellable *cancellable, GAsyncReadyCallback callback,
			   gpointer user_data);
	/* FALSE with error unless result->outcome is CW_NOTIFY_OK; result is
	 * always filled. */
	gboolean (*send_finish)(CwNotifier *self, GAsyncResult *res, CwNotifyResult *result,
				GError **error);
	/* Optional, for notifiers that take commands: TRUE when enabled. */
	gboolean (*takes_commands)(CwNotifier *self);
	/* Waits (long-poll) for the next commands of allowed chats; the
	 * others are dropped and counted. finish: a GPtrArray of
	 * CwNotifierCommand (maybe empty), or NULL with error. */
	void (*poll_commands_async)(CwNotifier *self, GCancellable *cancellable,
				    GAsyncReadyCallback callback, gpointer user_data);
	GPtrArray *(*poll_commands_finish)(CwNotifier *self, GAsyncResult *res, GError **error);
	/* Answers a command: text to chat_id, with an optional button that
	 * sends button_data back as a command; best effort, no result. */
	void (*reply)(CwNotifier *self, const CwNotifierCommand *command, const char *text,
		      const char *button_label, const char *button_data);
	/* Commands dropped because their chat is not allowed. */
	guint64 (*get_n_ignored)(CwNotifier *self);
};

gboolean cw_notifier_configure(CwNotifier *self, const char *section_json, GError **error);
void cw_notifier_get_limits(CwNotifier *self, CwNotifierLimits *limits);
void cw_notifier_send_async(CwNotifier *self, const CwNotification *message,
			    GCancellable *cancellable, GAsyncReadyCallback callback,
			    gpointer user_data);
gboolean cw_notifier_send_finish(CwNotifier *self, GAsyncResult *res, CwNotifyResult *result,
				 GError **error);

gboolean cw_notifier_takes_commands(CwNotifier *self);
void cw_notifier_poll_commands_async(CwNotifier *self, GCancellable *cancellable,
				     GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *cw_notifier_poll_commands_finish(CwNotifier *self, GAsyncResult *res, GError **error);
void cw_notifier_reply(CwNotifier *self, const CwNotifierCommand *command, const char *text,
		       const char *button_label, const char *button_data);
guint64 cw_notifier_get_n_ignored(CwNotifier *self);

G_END_DECLS
