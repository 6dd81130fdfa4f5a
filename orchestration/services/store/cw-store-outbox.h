#pragma once

#if !defined(CW_SERVICES_STORE_INSIDE) && !defined(CW_SERVICES_STORE_COMPILATION)
#error "Only <cw-services-store.h> can be included directly."
#endif

#include "cw-store.h"

G_BEGIN_DECLS

/* One message of the notification outbox for one notifier. */
typedef struct {
	gint64 id;
	char *key;      /* idempotency key, the same on every attempt */
	char *notifier; /* the notifier's name in the service config */
	gint64 event_seq;
	gint64 bot_id;
	char *bot_name;
	char *strategy_id;
	char *event_type; /* "entry_fill", ... */
	char *level;      /* "info", "warning", "critical" */
	gboolean silent;
	char *title;
	char *body;
	gint64 created_at;
	char *state; /* "pending", "sent", "dead" */
	guint attempts;
	gint64 next_attempt_at;
	char *last_error;
	gint64 sent_at;
} CwStoreOutboxRow;

void cw_store_outbox_row_free(CwStoreOutboxRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwStoreOutboxRow, cw_store_outbox_row_free)

/* Adds a pending row (id, state, attempts and sent_at are ignored). A key
 * that is there already is kept as it is: returns 0 then, the new id
 * otherwise, -1 on error. */
gint64 cw_store_outbox_insert(CwStore *self, const CwStoreOutboxRow *row, GError **error);
/* Pending rows of notifier due at now, oldest first, at most limit. */
GPtrArray *cw_store_outbox_due(CwStore *self, const char *notifier, gint64 now, guint limit,
			       GError **error);
gboolean cw_store_outbox_mark_sent(CwStore *self, gint64 id, gint64 at, GError **error);
/* Still pending: the next attempt at next_at. */
gboolean cw_store_outbox_mark_retry(CwStore *self, gint64 id, guint attempts, gint64 next_at,
				    const char *last_error, GError **error);
/* The dead letters: no more attempts. */
gboolean cw_store_outbox_mark_dead(CwStore *self, gint64 id, guint attempts, const char *last_error,
				   GError **error);
/* Every row (state NULL) or those of one state, in id order. */
GPtrArray *cw_store_outbox_list(CwStore *self, const char *state, GError **error);
/* Makes dead letter id (0: every dead letter) pending again, due at now,
 * with no attempt counted. Returns how many, -1 on error. */
gint64 cw_store_outbox_retry(CwStore *self, gint64 id, gint64 now, GError **error);
/* Deletes the sent rows, and with dead the dead letters too. Returns how
 * many, -1 on error. */
gint64 cw_store_outbox_purge(CwStore *self, gboolean dead, GError **error);

/* The routing cursor (schema v6): the greatest journal seq whose outbox
 * rows are written. A missing or unreadable row is CW_STORE_ERROR_CORRUPT
 * naming outbox_cursor, the row and the value. */
gboolean cw_store_outbox_get_cursor(CwStore *self, gint64 *routed_seq, GError **error);
/* Moves the cursor to routed_seq; it never goes back. */
gboolean cw_store_outbox_set_cursor(CwStore *self, gint64 routed_seq, GError **error);

G_END_DECLS

G_BEGIN_DECLS

/* One bot's figures for a daily summary. */
typedef struct {
	char *bot_name;
	gint64 trades;  /* live trades closed in the window */
	double net_pnl; /* their net PnL */
	gboolean has_equity;
	double equity;           /* the latest metrics row of the bot */
	double max_drawdown_pct; /* idem */
} CwStoreDailyFigures;

void cw_store_daily_figures_free(CwStoreDailyFigures *figures);
/* Every bot's figures for trades that closed in [from_ms, to_ms). */
GPtrArray *cw_store_daily_figures(CwStore *self, gint64 from_ms, gint64 to_ms, GError **error);

G_END_DECLS
