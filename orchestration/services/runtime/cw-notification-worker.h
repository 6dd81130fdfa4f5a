#pragma once

#if !defined(CW_SERVICES_RUNTIME_INSIDE) && !defined(CW_SERVICES_RUNTIME_COMPILATION)
#error "Only <cw-services-runtime.h> can be included directly."
#endif

#include "cw-services-store.h"
#include "cw-services-store.h"

G_BEGIN_DECLS

/* Delivers the outbox on the main loop: reads the due rows of each
 * notifier, sends them asynchronously (one send in flight per notifier,
 * paced as the notifier asks, due bursts coalesced into one digest),
 * and marks each row sent, due again later (exponential backoff with
 * jitter, or the receiver's retry-after) or dead. A row stays pending
 * until its receiver took it, so a crash loses nothing; the idempotency
 * key lets the receiver drop a repeat. */
#define CW_TYPE_NOTIFICATION_WORKER (cw_notification_worker_get_type())
G_DECLARE_FINAL_TYPE(CwNotificationWorker, cw_notification_worker, CW, NOTIFICATION_WORKER, GObject)

/* Creates and configures one notifier per target of router (by type on
 * the cw-notifier extension point); errors name notifications[i]. The
 * clock decides what is due (inject a CwSimClock in tests). */
CwNotificationWorker *cw_notification_worker_new(CwStore *store, CwClock *clock,
						 CwOutboxRouter *router, GError **error);
/* Validates the service config's "notifications" array (errors name
 * notifications[i].key) and keeps it as the service context's setting
 * "notifications" for cw_notification_worker_new_from_settings(). */
gboolean cw_notification_worker_read_config(JsonObject *service_config, GError **error);
/* The worker of the "notifications" setting, on the wall clock, with its
 * router attached to store; *out is NULL when none is configured, and an
 * empty router is attached then (it routes nothing but claims every event
 * on the routing cursor, cw_outbox_router_claim()). */
gboolean cw_notification_worker_new_from_settings(CwStore *store, CwNotificationWorker **out,
						  GError **error);
/* Adds a tick every interval_ms to the thread-default main context. */
void cw_notification_worker_start(CwNotificationWorker *self, guint interval_ms);
/* Cancels the sends in flight (their rows stay pending) and stops ticking. */
void cw_notification_worker_stop(CwNotificationWorker *self);
/* One round: starts a send for each idle notifier with something due. */
void cw_notification_worker_tick(CwNotificationWorker *self);
/* Sends in flight now. */
guint cw_notification_worker_get_n_in_flight(CwNotificationWorker *self);
guint64 cw_notification_worker_get_n_sent(CwNotificationWorker *self);
guint64 cw_notification_worker_get_n_failed(CwNotificationWorker *self);
guint64 cw_notification_worker_get_n_dead(CwNotificationWorker *self);
/* Commands dropped because their chat is not allowed, over every notifier. */
guint64 cw_notification_worker_get_n_ignored(CwNotificationWorker *self);
/* Fixes the jitter's random seed (tests). */
/* The running service's bots: /close acts through them at once, and mode
 * changes the commands make are applied at once (nullable). */
void cw_notification_worker_set_manager(CwNotificationWorker *self, CwStrategyManager *manager);
void cw_notification_worker_set_seed(CwNotificationWorker *self, guint32 seed);

G_END_DECLS
