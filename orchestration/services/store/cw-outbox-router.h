#pragma once

#if !defined(CW_SERVICES_STORE_INSIDE) && !defined(CW_SERVICES_STORE_COMPILATION)
#error "Only <cw-services-store.h> can be included directly."
#endif

#include <json-glib/json-glib.h>

#include "cw-store.h"

G_BEGIN_DECLS

typedef enum {
	CW_NOTIFY_MODE_OFF,
	CW_NOTIFY_MODE_ON,
	CW_NOTIFY_MODE_SILENT,
} CwNotifyMode;

/* One entry of the service config's "notifications" array. */
typedef struct {
	char *name;
	char *type;
	char *section_json; /* the notifier's own keys, for cw_notifier_configure() */
	guint8 *modes;      /* per kind, CwNotifyMode */
	GStrv bots;         /* NULL: every bot */
	guint max_attempts;
	double backoff_initial_s;
	double backoff_max_s;
	GTimeZone *summary_tz;            /* NULL: no daily summary */
	guint summary_minute;             /* local minutes after midnight */
	double feed_disconnected_after_s; /* shorter outages are not sent */
} CwOutboxTarget;

/* Decides, at store-flush time, which journal events become outbox rows
 * for which notifier, and writes their text. Attached to the store, so
 * every store writer routes through it in its own transaction. */
#define CW_TYPE_OUTBOX_ROUTER (cw_outbox_router_get_type())
G_DECLARE_FINAL_TYPE(CwOutboxRouter, cw_outbox_router, CW, OUTBOX_ROUTER, GObject)

/* Parses the "notifications" array; errors name notifications[i].key. */
CwOutboxRouter *cw_outbox_router_new_from_json(JsonArray *array, GError **error);
guint cw_outbox_router_get_n_targets(CwOutboxRouter *self);
const CwOutboxTarget *cw_outbox_router_get_target(CwOutboxRouter *self, guint index);

/* Makes store's writers route through self (NULL detaches). */
void cw_outbox_router_attach(CwOutboxRouter *self, CwStore *store);
CwOutboxRouter *cw_outbox_router_get_for_store(CwStore *store);

/* The routing cursor (docs/operations.md, "Changes made without the
 * service config"). Every event appended to a store with a router
 * attached is claimed by it (cw_store_event_append() calls this in the
 * event's transaction): the journal rows past the cursor and before seq,
 * which a process without the notifier config appended, are routed now,
 * then the cursor moves to seq, whose own rows the caller writes (or
 * deliberately does not). Inside the caller's transaction. A cursor, or
 * a journal row past it, that cannot be read (CW_STORE_ERROR_CORRUPT)
 * leaves the cursor, is logged (at most every 10 s) and returns TRUE: the
 * event is journalled all the same. */
gboolean cw_outbox_router_claim(CwOutboxRouter *self, CwStore *store, gint64 seq, GError **error);
/* Routes every journal row past the cursor and moves the cursor to the
 * last, in one transaction (its own unless the caller has one open);
 * *n_routed (nullable) is how many rows it looked at. serve calls it at
 * start and when another process changed the database. */
gboolean cw_outbox_router_catch_up(CwOutboxRouter *self, CwStore *store, guint *n_routed,
				   GError **error);

/* The notification kind of a journal event type name ("TRADE_CLOSED" is
 * "exit_fill"), NULL when it sends nothing. */
const char *cw_outbox_router_kind_for_event(const char *event_type);

/* Writes the outbox rows of one journal event (seq from the journal),
 * inside the caller's transaction. */
gboolean cw_outbox_router_route_event(CwOutboxRouter *self, CwStore *store, gint64 bot_id,
				      const CwEvent *event, gint64 event_seq, GError **error);
/* The same for an event the journal got as type name and JSON payload
 * (events that have no CwEvent type). */
gboolean cw_outbox_router_route_named(CwOutboxRouter *self, CwStore *store, gint64 bot_id,
				      const char *strategy_id, const char *type, gint64 time,
				      const char *payload_json, gint64 event_seq, GError **error);
/* Writes a message of kind to every notifier that takes it (key_base
 * makes the idempotency keys). */
gboolean cw_outbox_router_enqueue(CwOutboxRouter *self, CwStore *store, gint64 bot_id,
				  const char *bot_name, const char *strategy_id, const char *kind,
				  const char *title, const char *body, const char *key_base,
				  gint64 created_at, GError **error);
/* The same with the duration of the outage a feed_disconnected message
 * reports (seconds, < 0 when unknown): notifiers whose
 * feed_disconnected_after_s is longer skip it. */
gboolean cw_outbox_router_enqueue_outage(CwOutboxRouter *self, CwStore *store, gint64 bot_id,
					 const char *bot_name, const char *strategy_id,
					 const char *kind, const char *title, const char *body,
					 const char *key_base, gint64 created_at, double outage_s,
					 GError **error);

/* The same for one target only (the daily summary of that notifier). */
gboolean cw_outbox_router_enqueue_for(CwOutboxRouter *self, CwStore *store,
				      const CwOutboxTarget *target, const char *kind,
				      const char *title, const char *body, const char *key_base,
				      gint64 created_at, GError **error);

G_END_DECLS
