#pragma once

#if !defined(CW_SERVICES_STORE_INSIDE) && !defined(CW_SERVICES_STORE_COMPILATION)
#error "Only <cw-services-store.h> can be included directly."
#endif

#include "cw-store.h"

G_BEGIN_DECLS

/* A queue of writes to the store, off the hot path: producers append
 * cheaply, and flush() applies everything queued in one transaction. A
 * failed commit keeps the queue for the next flush, so nothing is lost to
 * a busy or full database; a write that SQLite refuses (a constraint) is
 * logged, counted and dropped without holding back the others. */
typedef struct _CwStoreWriter CwStoreWriter;

CwStoreWriter *cw_store_writer_new(CwStore *store);
void cw_store_writer_free(CwStoreWriter *self);

void cw_store_writer_event(CwStoreWriter *self, gint64 bot_id, const char *strategy_id,
			   const char *type, gint64 time, char *payload_json /* taken */);
/* Copies the event; its JSON payload is built at flush time, off the hot
 * path. */
void cw_store_writer_event_copy(CwStoreWriter *self, gint64 bot_id, const CwEvent *event);
void cw_store_writer_trade(CwStoreWriter *self, const char *bot_name, const char *strategy_id,
			   const CwTrade *trade);
void cw_store_writer_order(CwStoreWriter *self, gint64 bot_id, const CwOrder *order);
void cw_store_writer_position(CwStoreWriter *self, gint64 bot_id, const char *strategy_id,
			      const CwPosition *position, char *state_json /* taken */);
void cw_store_writer_state(CwStoreWriter *self, gint64 bot_id, const char *key, const char *value);
void cw_store_writer_metrics(CwStoreWriter *self, const CwStoreMetrics *metrics);
void cw_store_writer_candle(CwStoreWriter *self, const char *exchange, const CwCandle *candle);

guint cw_store_writer_get_pending(CwStoreWriter *self);
guint64 cw_store_writer_get_n_written(CwStoreWriter *self);
guint64 cw_store_writer_get_n_failed(CwStoreWriter *self);
/* For one transaction over several writers: apply each, commit, then
 * commit_applied() each (or, after a failed apply or commit, roll back and
 * nothing else: the queues are kept and applied again). FALSE when the
 * database takes no write now (CW_STORE_ERROR_UNWRITABLE) or SQLite
 * rolled the transaction back. */
gboolean cw_store_writer_apply_pending(CwStoreWriter *self, GError **error);
/* Adds what was written and dropped to *written and *failed (nullable). */
void cw_store_writer_commit_applied(CwStoreWriter *self, guint64 *written, guint64 *failed);
void cw_store_writer_move_to(CwStoreWriter *self, CwStoreWriter *dst);
/* Applies the queue in one transaction. FALSE when the transaction could
 * not be committed (the queue is kept). */
gboolean cw_store_writer_flush(CwStoreWriter *self, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwStoreWriter, cw_store_writer_free)

G_END_DECLS
