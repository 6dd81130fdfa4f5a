#include "cw-services-store.h"

#include "cw-event-json.h"
#include "cw-outbox-router.h"
#include "cw-store-writer.h"

typedef enum {
	CW_WRITE_EVENT,
	CW_WRITE_EVENT_COPY,
	CW_WRITE_TRADE,
	CW_WRITE_ORDER,
	CW_WRITE_POSITION,
	CW_WRITE_STATE,
	CW_WRITE_METRICS,
	CW_WRITE_CANDLE,
} CwWriteKind;

typedef struct {
	CwWriteKind kind;
	gint64 bot_id;
	gint64 time;
	char *s1; /* strategy id / bot name / key */
	char *s2; /* type / strategy id / value */
	char *s3; /* payload / state json */
	char *s4;
	union {
		CwTrade trade;
		CwOrder order;
		CwPosition position;
		CwStoreMetrics metrics;
		CwCandle candle;
		struct {
			CwEvent event;
			CwOrder order;
			CwFill fill;
			CwPosition position;
			CwTrade trade;
		} ev;
	} u;
} CwWrite;

struct _CwStoreWriter {
	CwStore *store;
	GQueue queue;
	guint64 n_written;
	guint64 n_failed;
	guint64 n_applied_ok; /* of the queue, in the open transaction */
	guint64 n_applied_fail;
};

static void
cw_write_free(CwWrite *w)
{
	g_free(w->s1);
	g_free(w->s2);
	g_free(w->s3);
	g_free(w->s4);
	g_free(w);
}

CwStoreWriter *
cw_store_writer_new(CwStore *store)
{
	CwStoreWriter *self = g_new0(CwStoreWriter, 1);

	self->store = g_object_ref(store);
	g_queue_init(&self->queue);
	return self;
}

void
cw_store_writer_free(CwStoreWriter *self)
{
	if (self == NULL)
		return;
	g_queue_clear_full(&self->queue, (GDestroyNotify) cw_write_free);
	g_object_unref(self->store);
	g_free(self);
}

static CwWrite *
cw_store_writer_push(CwStoreWriter *self, CwWriteKind kind, gint64 bot_id)
{
	CwWrite *w = g_new0(CwWrite, 1);

	w->kind = kind;
	w->bot_id = bot_id;
	g_queue_push_tail(&self->queue, w);
	return w;
}

void
cw_store_writer_event(CwStoreWriter *self, gint64 bot_id, const char *strategy_id, const char *type,
		      gint64 time, char *payload_json)
{
	CwWrite *w = cw_store_writer_push(self, CW_WRITE_EVENT, bot_id);

	w->s1 = g_strdup(strategy_id);
	w->s2 = g_strdup(type);
	w->s3 = payload_json;
	w->time = time;
}

void
cw_store_writer_event_copy(CwStoreWriter *self, gint64 bot_id, const CwEvent *event)
{
	CwWrite *w = cw_store_writer_push(self, CW_WRITE_EVENT_COPY, bot_id);
	CwEvent *e = &w->u.ev.event;

	*e = *event;
	if (event->order != NULL) {
		w->u.ev.order = *event->order;
		e->order = &w->u.ev.order;
	}
	if (event->fill != NULL) {
		w->u.ev.fill = *event->fill;
		e->fill = &w->u.ev.fill;
	}
	if (event->position != NULL) {
		w->u.ev.position = *event->position;
		e->position = &w->u.ev.position;
	}
	if (event->trade != NULL) {
		w->u.ev.trade = *event->trade;
		e->trade = &w->u.ev.trade;
	}
	w->s1 = g_strdup(event->source);
	w->s2 = g_strdup(event->reason);
	e->source = w->s1;
	e->reason = w->s2;
}

void
cw_store_writer_trade(CwStoreWriter *self, const char *bot_name, const char *strategy_id,
		      const CwTrade *trade)
{
	CwWrite *w = cw_store_writer_push(self, CW_WRITE_TRADE, 0);

	w->s1 = g_strdup(bot_name);
	w->s2 = g_strdup(strategy_id);
	w->u.trade = *trade;
}

void
cw_store_writer_order(CwStoreWriter *self, gint64 bot_id, const CwOrder *order)
{
	CwWrite *w = cw_store_writer_push(self, CW_WRITE_ORDER, bot_id);

	w->u.order = *order;
}

void
cw_store_writer_position(CwStoreWriter *self, gint64 bot_id, const char *strategy_id,
			 const CwPosition *position, char *state_json)
{
	CwWrite *w = cw_store_writer_push(self, CW_WRITE_POSITION, bot_id);

	w->s1 = g_strdup(strategy_id);
	w->s3 = state_json;
	w->u.position = *position;
}

void
cw_store_writer_state(CwStoreWriter *self, gint64 bot_id, const char *key, const char *value)
{
	CwWrite *w = cw_store_writer_push(self, CW_WRITE_STATE, bot_id);

	w->s1 = g_strdup(key);
	w->s2 = g_strdup(value);
}

void
cw_store_writer_metrics(CwStoreWriter *self, const CwStoreMetrics *metrics)
{
	CwWrite *w = cw_store_writer_push(self, CW_WRITE_METRICS, 0);

	w->u.metrics = *metrics;
	w->s1 = g_strdup(metrics->bot_name);
	w->s2 = g_strdup(metrics->strategy_id);
	w->s3 = g_strdup(metrics->extra_json);
	w->s4 = g_strdup(metrics->run_id);
	w->u.metrics.bot_name = w->s1;
	w->u.metrics.strategy_id = w->s2;
	w->u.metrics.extra_json = w->s3;
	w->u.metrics.run_id = w->s4;
}

/**
 * cw_store_writer_candle:
 * @exchange: the candles table's exchange name
 * @candle: a closed candle (its symbol and interval_ms are the key)
 *
 * Queues the candle for the candles table (insert-or-ignore).
 */
void
cw_store_writer_candle(CwStoreWriter *self, const char *exchange, const CwCandle *candle)
{
	CwWrite *w = cw_store_writer_push(self, CW_WRITE_CANDLE, 0);

	w->u.candle = *candle;
	w->s1 = g_strdup(exchange);
}

guint
cw_store_writer_get_pending(CwStoreWriter *self)
{
	return self->queue.length;
}

guint64
cw_store_writer_get_n_written(CwStoreWriter *self)
{
	return self->n_written;
}

guint64
cw_store_writer_get_n_failed(CwStoreWriter *self)
{
	return self->n_failed;
}

static gboolean
cw_store_writer_apply(CwStoreWriter *self, CwWrite *w, GError **error)
{
	switch (w->kind) {
	case CW_WRITE_EVENT: {
		gint64 seq = cw_store_event_append(self->store, w->bot_id, w->s1, w->s2, w->time,
						   w->s3, error);
		CwOutboxRouter *router = cw_outbox_router_get_for_store(self->store);
		return seq > 0 && (router == NULL || cw_outbox_router_route_named(
							 router, self->store, w->bot_id, w->s1,
							 w->s2, w->time, w->s3, seq, error));
	}
	case CW_WRITE_EVENT_COPY: {
		const CwEvent *e = &w->u.ev.event;
		g_autofree char *payload = cw_event_to_json(e);
		CwOutboxRouter *router = cw_outbox_router_get_for_store(self->store);
		/* the event's outbox rows go in the event's own transaction */
		gint64 seq = cw_store_event_append(
		    self->store, w->bot_id,
		    e->strategy_id != 0 ? g_quark_to_string(e->strategy_id) : NULL,
		    cw_event_type_to_string(e->type), e->time, payload, error);
		return seq > 0 &&
		       (router == NULL || cw_outbox_router_route_event(router, self->store,
								       w->bot_id, e, seq, error));
	}
	case CW_WRITE_TRADE:
		return cw_store_insert_trade(self->store, NULL, w->s1, w->s2, &w->u.trade, error) >
		       0;
	case CW_WRITE_ORDER:
		return cw_store_order_upsert(self->store, w->bot_id, &w->u.order, error);
	case CW_WRITE_POSITION:
		return cw_store_position_save(self->store, w->bot_id, w->s1, &w->u.position, w->s3,
					      error);
	case CW_WRITE_STATE:
		return cw_store_state_set(self->store, w->bot_id, w->s1, w->s2, error);
	case CW_WRITE_METRICS:
		return cw_store_insert_metrics(self->store, &w->u.metrics, error) > 0;
	case CW_WRITE_CANDLE:
		return cw_store_candle_insert(self->store, w->s1,
					      g_quark_to_string(w->u.candle.symbol),
					      w->u.candle.interval_ms, &w->u.candle, error);
	default:
		g_assert_not_reached();
	}
}

/**
 * cw_store_writer_apply_pending:
 *
 * Executes every queued write inside the caller's transaction, keeping the
 * queue until cw_store_writer_commit_applied() (the caller commits first;
 * after a failed commit the queue is applied again next time). A write
 * that SQLite refuses (a constraint) is logged, counted and dropped at
 * commit. A database that takes no write (full disk, read-only, I/O
 * error) or a transaction that SQLite rolled back stops the apply: FALSE,
 * nothing is dropped and the caller rolls back.
 */
gboolean
cw_store_writer_apply_pending(CwStoreWriter *self, GError **error)
{
	self->n_applied_ok = 0;
	self->n_applied_fail = 0;
	for (GList *l = self->queue.head; l != NULL; l = l->next) {
		g_autoptr(GError) local = NULL;
		if (cw_store_writer_apply(self, l->data, &local)) {
			self->n_applied_ok++;
			continue;
		}
		if (g_error_matches(local, CW_STORE_ERROR, CW_STORE_ERROR_UNWRITABLE) ||
		    !cw_store_in_transaction(self->store)) {
			self->n_applied_ok = 0;
			self->n_applied_fail = 0;
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		/* refused by SQLite itself: dropping it keeps the rest flowing */
		self->n_applied_fail++;
		g_warning("store: write dropped: %s", local->message);
	}
	return TRUE;
}

void
cw_store_writer_commit_applied(CwStoreWriter *self, guint64 *written, guint64 *failed)
{
	if (written != NULL)
		*written += self->n_applied_ok;
	if (failed != NULL)
		*failed += self->n_applied_fail;
	self->n_written += self->n_applied_ok;
	self->n_failed += self->n_applied_fail;
	self->n_applied_ok = 0;
	self->n_applied_fail = 0;
	g_queue_clear_full(&self->queue, (GDestroyNotify) cw_write_free);
}

/* Hands every queued write to dst, in order (a bot going away). */
void
cw_store_writer_move_to(CwStoreWriter *self, CwStoreWriter *dst)
{
	CwWrite *w;

	while ((w = g_queue_pop_head(&self->queue)) != NULL)
		g_queue_push_tail(&dst->queue, w);
}

gboolean
cw_store_writer_flush(CwStoreWriter *self, GError **error)
{
	if (self->queue.length == 0)
		return TRUE;
	if (!cw_store_begin(self->store, error))
		return FALSE;
	if (!cw_store_writer_apply_pending(self, error) || !cw_store_commit(self->store, error)) {
		cw_store_rollback(self->store, NULL);
		return FALSE;
	}
	cw_store_writer_commit_applied(self, NULL, NULL);
	return TRUE;
}
