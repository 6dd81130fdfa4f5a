#pragma once

#if !defined(CW_SERVICES_RUNTIME_INSIDE) && !defined(CW_SERVICES_RUNTIME_COMPILATION)
#error "Only <cw-services-runtime.h> can be included directly."
#endif

#include "cw-services-store.h"

G_BEGIN_DECLS

/* The order journal (outbox) of `serve`: the one owner of the durability
 * of a venue's orders (a paper bot's rows go with its writer's flush).
 *
 * While a candle is routed (cw_order_journal_begin_candle()), the order
 * hook only queues each order's row here, in memory: no SQL on the fan-out.
 * After the fan-out, one transaction writes every row of the candle, in the
 * order decided, and the cursor, trading state and events of each bot that
 * holds orders for a venue (cw_order_journal_add_writer()); only once it is
 * committed do those orders go to their brokers. Outside a candle (a report
 * from the main loop places a stop) a row is written and committed at once.
 *
 * Each order change is written once: the ORDER_SUBMITTED event of a queued
 * order replaces its queued row (cw_order_journal_update()). */
typedef struct _CwOrderJournal CwOrderJournal;

CwOrderJournal *cw_order_journal_new(CwStore *store);
void cw_order_journal_free(CwOrderJournal *self);

/* The fan-out of a candle begins: rows are queued until the commit. */
void cw_order_journal_begin_candle(CwOrderJournal *self);
/* The fan-out ended (after its commit). */
void cw_order_journal_end_candle(CwOrderJournal *self);
gboolean cw_order_journal_in_candle(CwOrderJournal *self);

/* Queues the row of order (in a candle), else writes and commits it. */
gboolean cw_order_journal_record(CwOrderJournal *self, gint64 bot_id, const CwOrder *order,
				 GError **error);
/* The intent to cancel a working order: its row becomes pending_cancel,
 * queued in a candle, else committed at once; before the cancel is sent. */
gboolean cw_order_journal_cancel(CwOrderJournal *self, gint64 bot_id, const char *client_order_id,
				 gint64 at, GError **error);
/* A later state of an order whose row is still queued replaces it: TRUE
 * if it did (the caller writes it no more). */
gboolean cw_order_journal_update(CwOrderJournal *self, gint64 bot_id, const CwOrder *order);
/* The rows queued for the next commit. */
guint cw_order_journal_get_n_queued(CwOrderJournal *self);

/* The group commit. begin: BEGIN and every queued row; add_writer: the
 * pending writes of a bot's writer in the same transaction; finish:
 * COMMIT. A failure at any step rolls back (finish returns FALSE), drops
 * the queued rows, and leaves the writers' queues as they were. */
gboolean cw_order_journal_begin_commit(CwOrderJournal *self, GError **error);
gboolean cw_order_journal_add_writer(CwOrderJournal *self, CwStoreWriter *writer, GError **error);
gboolean cw_order_journal_finish_commit(CwOrderJournal *self, gboolean ok, GError **error);

/* Counters: transactions committed, rows written. */
guint64 cw_order_journal_get_n_commits(CwOrderJournal *self);
guint64 cw_order_journal_get_n_rows(CwOrderJournal *self);

G_END_DECLS
