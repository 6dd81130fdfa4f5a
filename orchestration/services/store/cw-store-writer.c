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

/* Inline room for an event's strings: the sources are component names,
 * the reasons short phrases; a longer one is copied to the heap. */
#define CW_STORE_WRITER_INLINE_SOURCE 32
#define CW_STORE_WRITER_INLINE_REASON 96
#define CW_STORE_WRITER_INLINE_NAME   64

typedef struct {
	CwWriteKind kind;
	gint64 bot_id;
	gint64 time;
	char *s1; /* strategy id / bot name / key */
	char *s2; /* type / strategy id / value */
	char *s3; /* payload / state json */
	char *s4;
	union {
		struct {
			CwTrade trade;
			const char *bot_name; /* in bot or s1 */
			const char *strategy; /* interned */
			char bot[CW_STORE_WRITER_INLINE_NAME];
		} tr;
		CwOrder order;
		struct {
			CwPosition position;
			CwStoreExitPlan plan;
			gboolean has_plan;
			const char *strategy; /* interned (plan writes), else s1 */
		} pos;
		CwStoreMetrics metrics;
		CwCandle candle;
		struct {
			CwEvent event;
			CwOrder order;
			CwFill fill;
			CwPosition position;
			CwTrade trade;
			/* the event's source and reason, when short enough
			 * (else in s1 and s2): no allocation per event */
			char source[CW_STORE_WRITER_INLINE_SOURCE];
			char reason[CW_STORE_WRITER_INLINE_REASON];
		} ev;
	} u;
	GList link; /* in the queue or the spares; data is the write */
} CwWrite;

/* Writes kept for reuse per writer: a busy candle queues a few writes per
 * bot, and reusing them keeps malloc and fresh pages off the candle path. */
#define CW_STORE_WRITER_MAX_SPARE 64

struct _CwStoreWriter {
	CwStore *store;
	GQueue queue;
	guint64 n_written;
	guint64 n_failed;
	guint64 n_applied_ok; /* of the queue, in the open transaction */
	guint64 n_applied_fail;
	CwWrite *last_order; /* the newest queued order row (cw_store_writer_update_order()) */
	GQueue spare;        /* links of applied writes, for reuse */
};

static void
cw_write_clear(CwWrite *w)
{
	g_free(w->s1);
	g_free(w->s2);
	g_free(w->s3);
	g_free(w->s4);
}

/* A write that was applied (or dropped): kept for reuse, or freed. */
static void
cw_store_writer_recycle(CwStoreWriter *self, CwWrite *w)
{
	cw_write_clear(w);
	if (self->spare.length >= CW_STORE_WRITER_MAX_SPARE) {
		g_free(w);
		return;
	}
	w->link.prev = w->link.next = NULL;
	g_queue_push_head_link(&self->spare, &w->link);
}

CwStoreWriter *
cw_store_writer_new(CwStore *store)
{
	CwStoreWriter *self = g_new0(CwStoreWriter, 1);

	self->store = g_object_ref(store);
	g_queue_init(&self->queue);
	g_queue_init(&self->spare);
	return self;
}

void
cw_store_writer_free(CwStoreWriter *self)
{
	if (self == NULL)
		return;
	GList *l;

	while ((l = g_queue_pop_head_link(&self->queue)) != NULL) {
		cw_write_clear(l->data);
		g_free(l->data);
	}
	while ((l = g_queue_pop_head_link(&self->spare)) != NULL)
		g_free(l->data);
	g_object_unref(self->store);
	g_free(self);
}

static CwWrite *
cw_store_writer_push(CwStoreWriter *self, CwWriteKind kind, gint64 bot_id)
{
	GList *spare = g_queue_pop_head_link(&self->spare);
	CwWrite *w = spare != NULL ? spare->data : g_new(CwWrite, 1);

	/* only the header: each kind sets every field of the union that its
	 * apply reads (a write is about 800 bytes, most events use a tenth) */
	w->kind = kind;
	w->bot_id = bot_id;
	w->time = 0;
	w->s1 = w->s2 = w->s3 = w->s4 = NULL;
	w->link.data = w;
	w->link.prev = w->link.next = NULL;
	g_queue_push_tail_link(&self->queue, &w->link);
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

/* A copy of s: in buf when it fits, else on the heap (*heap, freed with
 * the write). */
static const char *
cw_store_writer_keep(char *buf, gsize size, const char *s, char **heap)
{
	gsize len;

	if (s == NULL)
		return NULL;
	len = strlen(s);
	if (len < size) {
		memcpy(buf, s, len + 1);
		return buf;
	}
	*heap = g_strdup(s);
	return *heap;
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
	e->source =
	    cw_store_writer_keep(w->u.ev.source, sizeof(w->u.ev.source), event->source, &w->s1);
	e->reason =
	    cw_store_writer_keep(w->u.ev.reason, sizeof(w->u.ev.reason), event->reason, &w->s2);
}

void
cw_store_writer_trade(CwStoreWriter *self, const char *bot_name, const char *strategy_id,
		      const CwTrade *trade)
{
	CwWrite *w = cw_store_writer_push(self, CW_WRITE_TRADE, 0);

	/* a strategy id is one of a few quark names (interned once), a bot
	 * name usually fits inline: no allocation per closed trade */
	w->u.tr.bot_name = cw_store_writer_keep(w->u.tr.bot, sizeof(w->u.tr.bot), bot_name, &w->s1);
	w->u.tr.strategy = g_intern_string(strategy_id);
	w->u.tr.trade = *trade;
}

void
cw_store_writer_order(CwStoreWriter *self, gint64 bot_id, const CwOrder *order)
{
	CwWrite *w = cw_store_writer_push(self, CW_WRITE_ORDER, bot_id);

	w->u.order = *order;
	self->last_order = w;
}

/**
 * cw_store_writer_update_order:
 * @order: a later state of an order
 *
 * When the newest order row still queued is @order's (same bot, same
 * client order id), it takes @order's state, so the change is written
 * once.
 *
 * Returns: TRUE if it did (the caller queues nothing more)
 */
gboolean
cw_store_writer_update_order(CwStoreWriter *self, gint64 bot_id, const CwOrder *order)
{
	CwWrite *w = self->last_order;

	if (w == NULL || w->bot_id != bot_id ||
	    strncmp(w->u.order.client_order_id, order->client_order_id,
		    sizeof(order->client_order_id)) != 0)
		return FALSE;
	w->u.order = *order;
	return TRUE;
}

void
cw_store_writer_position(CwStoreWriter *self, gint64 bot_id, const char *strategy_id,
			 const CwPosition *position, char *state_json)
{
	CwWrite *w = cw_store_writer_push(self, CW_WRITE_POSITION, bot_id);

	w->s1 = g_strdup(strategy_id);
	w->s3 = state_json;
	w->u.pos.position = *position;
	w->u.pos.has_plan = FALSE;
	w->u.pos.strategy = NULL; /* s1 */
}

/**
 * cw_store_writer_position_plan:
 * @plan: (nullable): the position's exit plan, copied
 *
 * Queues the position's row; the JSON of @plan is built at apply time.
 */
void
cw_store_writer_position_plan(CwStoreWriter *self, gint64 bot_id, const char *strategy_id,
			      const CwPosition *position, const CwStoreExitPlan *plan)
{
	CwWrite *w = cw_store_writer_push(self, CW_WRITE_POSITION, bot_id);

	/* a strategy id is one of a few quark names: interned once, not
	 * copied for every write */
	w->u.pos.strategy = g_intern_string(strategy_id);
	w->u.pos.position = *position;
	w->u.pos.has_plan = plan != NULL;
	if (plan != NULL)
		w->u.pos.plan = *plan;
}

/**
 * cw_store_exit_plan_to_json:
 * @plan: an exit plan
 *
 * Returns: (transfer full): its compact JSON, e.g. {"state":"open",
 *   "stop_price":..., "trailing":false, "best_close":...,
 *   "candles_in_position":3, "take_profits":[{"price":..,"qty":..,"filled":false}]}
 */
char *
cw_store_exit_plan_to_json(const CwStoreExitPlan *plan)
{
	GString *out = g_string_new(NULL);
	CwJsonWriter w;

	cw_json_writer_init(&w, out, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_string(&w, "state", plan->state);
	cw_json_writer_member_double(&w, "stop_price", plan->stop_price);
	cw_json_writer_member_boolean(&w, "trailing", plan->trailing);
	cw_json_writer_member_double(&w, "best_close", plan->best_close);
	cw_json_writer_member_uint(&w, "candles_in_position", plan->candles_in_position);
	cw_json_writer_key(&w, "take_profits");
	cw_json_writer_begin_array(&w);
	for (guint i = 0; i < plan->n_take_profits && i < CW_STORE_MAX_TAKE_PROFITS; i++) {
		cw_json_writer_begin_object(&w);
		cw_json_writer_member_double(&w, "price", plan->tp_price[i]);
		cw_json_writer_member_double(&w, "qty", plan->tp_qty[i]);
		cw_json_writer_member_boolean(&w, "filled", plan->tp_filled[i]);
		cw_json_writer_end_object(&w);
	}
	cw_json_writer_end_array(&w);
	cw_json_writer_end_object(&w);
	return g_string_free(out, FALSE);
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
		return cw_store_insert_trade(self->store, NULL, w->u.tr.bot_name, w->u.tr.strategy,
					     &w->u.tr.trade, error) > 0;
	case CW_WRITE_ORDER:
		return cw_store_order_upsert(self->store, w->bot_id, &w->u.order, error);
	case CW_WRITE_POSITION: {
		g_autofree char *plan =
		    w->u.pos.has_plan ? cw_store_exit_plan_to_json(&w->u.pos.plan) : NULL;

		return cw_store_position_save(
		    self->store, w->bot_id, w->u.pos.strategy != NULL ? w->u.pos.strategy : w->s1,
		    &w->u.pos.position, plan != NULL ? plan : w->s3, error);
	}
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

static gboolean cw_store_writer_bot_deleted(CwStoreWriter *self, const CwWrite *w);

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
		if (cw_store_writer_bot_deleted(self, l->data))
			continue; /* its rows went with its row: nothing is lost */
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
	self->last_order = NULL;
	for (GList *l; (l = g_queue_pop_head_link(&self->queue)) != NULL;)
		cw_store_writer_recycle(self, l->data);
}

/* A refused order, position or bot_state write of a bot whose row was
 * deleted meanwhile (ON DELETE CASCADE took its rows). */
static gboolean
cw_store_writer_bot_deleted(CwStoreWriter *self, const CwWrite *w)
{
	g_autoptr(GError) error = NULL;
	CwStoreBot bot = {0};

	if (w->bot_id <= 0 || (w->kind != CW_WRITE_ORDER && w->kind != CW_WRITE_POSITION &&
			       w->kind != CW_WRITE_STATE))
		return FALSE;
	if (cw_store_bot_get_by_id(self->store, w->bot_id, &bot, &error)) {
		cw_store_bot_clear(&bot);
		return FALSE;
	}
	return g_error_matches(error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
}

/**
 * cw_store_writer_drop_bot_rows:
 * @bot_id: a bot whose trading_bots row was deleted
 *
 * Drops the queued writes of rows that went with the bot's row (ON DELETE
 * CASCADE): its orders, positions and bot_state. Its events stay.
 *
 * Returns: how many were dropped
 */
guint
cw_store_writer_drop_bot_rows(CwStoreWriter *self, gint64 bot_id)
{
	guint n = 0;

	for (GList *l = self->queue.head, *next; l != NULL; l = next) {
		CwWrite *w = l->data;

		next = l->next;
		if (w->bot_id != bot_id ||
		    (w->kind != CW_WRITE_ORDER && w->kind != CW_WRITE_POSITION &&
		     w->kind != CW_WRITE_STATE))
			continue;
		if (self->last_order == w)
			self->last_order = NULL;
		g_queue_unlink(&self->queue, l);
		cw_store_writer_recycle(self, w);
		n++;
	}
	return n;
}

/* Hands every queued write to dst, in order (a bot going away). */
void
cw_store_writer_move_to(CwStoreWriter *self, CwStoreWriter *dst)
{
	GList *l;

	self->last_order = NULL;
	dst->last_order = NULL;
	while ((l = g_queue_pop_head_link(&self->queue)) != NULL)
		g_queue_push_tail_link(&dst->queue, l);
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
