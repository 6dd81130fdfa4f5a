#include "cw-services-store.h"

#include "cw-event-json.h"
#include "cw-outbox-router.h"
#include "cw-store-writer.h"

/* A writer's queue is a log: records packed one after the other in one
 * buffer, which keeps its room from one flush to the next. Queueing on
 * the candle path is then a few sequential copies into memory the bot
 * used before: no list to walk, no allocation once the log has grown to
 * what a busy candle needs (a trading bot records ten events and rows
 * and more on one). Each record is a CwRecord, then its body (the fixed
 * struct of its kind), then the parts its flags name (CW_RECORD_PART_*,
 * in that order), then its NUL-terminated strings (CW_RECORD_S1..S4).
 * A record holds no pointer into itself, so a log moves to another
 * writer by memcpy; its pointers are set again when it is applied. */
typedef enum {
	CW_RECORD_EVENT,    /* a CwEvent; parts: its order, fill, position,
			  * trade; strings: source, reason */
	CW_RECORD_NAMED,    /* an event without CwEvent type; strings:
			  * strategy id, type, JSON payload */
	CW_RECORD_TRADE,    /* a CwTrade; strings: bot name, strategy id */
	CW_RECORD_ORDER,    /* a CwOrder */
	CW_RECORD_POSITION, /* a CwPosition; part: the exit plan; strings:
			     * strategy id, -, exit state JSON */
	CW_RECORD_STATE,    /* strings: key, value */
	CW_RECORD_METRICS,  /* a CwStoreMetrics; strings: bot name, strategy
			     * id, extra JSON, run id */
	CW_RECORD_CANDLE,   /* a CwCandle; strings: exchange */
	CW_RECORD_N_KINDS
} CwRecordKind;

#define CW_RECORD_N_PARTS   5 /* order, fill, position, trade, exit plan */
#define CW_RECORD_N_STRINGS 4

enum {
	CW_RECORD_PART_ORDER = 1 << 0,
	CW_RECORD_S1 = 1 << CW_RECORD_N_PARTS,
	CW_RECORD_DROPPED = 1 << 15, /* by cw_store_writer_drop_bot_rows() */
};

typedef struct {
	guint32 size;  /* with body, parts and strings: a multiple of 8 */
	guint16 kind;  /* CwRecordKind */
	guint16 flags; /* which parts and strings follow, DROPPED */
	gint64 bot_id;
	gint64 time; /* a named event's */
} CwRecord;

/* What follows a record: pointers into the log, NULL for what is not
 * there; valid until the log changes. */
typedef struct {
	void *body;
	const void *part[CW_RECORD_N_PARTS];
	const char *s[CW_RECORD_N_STRINGS];
} CwRecordView;

#define CW_RECORD_ALIGN(n) (((n) + 7u) & ~(gsize) 7u)

static const gsize cw_record_body_size[CW_RECORD_N_KINDS] = {
    [CW_RECORD_EVENT] = sizeof(CwEvent),          [CW_RECORD_NAMED] = 0,
    [CW_RECORD_TRADE] = sizeof(CwTrade),          [CW_RECORD_ORDER] = sizeof(CwOrder),
    [CW_RECORD_POSITION] = sizeof(CwPosition),    [CW_RECORD_STATE] = 0,
    [CW_RECORD_METRICS] = sizeof(CwStoreMetrics), [CW_RECORD_CANDLE] = sizeof(CwCandle),
};

static const gsize cw_record_part_size[CW_RECORD_N_PARTS] = {
    sizeof(CwOrder), sizeof(CwFill), sizeof(CwPosition), sizeof(CwTrade), sizeof(CwStoreExitPlan),
};

/* The parts keep the record's alignment of 8 */
G_STATIC_ASSERT(sizeof(CwRecord) % 8 == 0);
G_STATIC_ASSERT(sizeof(CwEvent) % 8 == 0 && sizeof(CwOrder) % 8 == 0);
G_STATIC_ASSERT(sizeof(CwFill) % 8 == 0 && sizeof(CwPosition) % 8 == 0);
G_STATIC_ASSERT(sizeof(CwTrade) % 8 == 0 && sizeof(CwStoreExitPlan) % 8 == 0);
G_STATIC_ASSERT(sizeof(CwStoreMetrics) % 8 == 0 && sizeof(CwCandle) % 8 == 0);

/* The first room of a log, and the most it keeps after a flush */
#define CW_STORE_WRITER_MIN_ROOM  16384
#define CW_STORE_WRITER_KEEP_ROOM (1024 * 1024)

struct _CwStoreWriter {
	CwStore *store;
	guint8 *log; /* CwRecord after CwRecord */
	gsize len;
	gsize room;
	guint n_pending; /* records not dropped */
	guint64 n_written;
	guint64 n_failed;
	guint64 n_applied_ok; /* of the log, in the open transaction */
	guint64 n_applied_fail;
	gssize last_order; /* the offset of the newest order record, or -1
			    * (cw_store_writer_update_order()) */
};

CwStoreWriter *
cw_store_writer_new(CwStore *store)
{
	CwStoreWriter *self = g_new0(CwStoreWriter, 1);

	self->store = g_object_ref(store);
	self->last_order = -1;
	return self;
}

void
cw_store_writer_free(CwStoreWriter *self)
{
	if (self == NULL)
		return;
	g_free(self->log);
	g_object_unref(self->store);
	g_free(self);
}

/* Room for size bytes at the end of the log, which grows by doubling
 * (the only allocation, and rare after the first busy candle). */
static guint8 *
cw_store_writer_reserve(CwStoreWriter *self, gsize size)
{
	guint8 *p;

	if (G_UNLIKELY(self->len + size > self->room)) {
		gsize room = MAX(self->room * 2, CW_STORE_WRITER_MIN_ROOM);

		while (room < self->len + size)
			room *= 2;
		self->log = g_realloc(self->log, room);
		self->room = room;
	}
	p = self->log + self->len;
	self->len += size;
	return p;
}

/* Appends a record of kind: a copy of body (its kind's size), of each
 * part that is not NULL and of each string that is not NULL. Returns the
 * body's copy in the log, for the caller to clear its pointers. */
static void *
cw_store_writer_add(CwStoreWriter *self, CwRecordKind kind, gint64 bot_id, const void *body,
		    const void *const parts[CW_RECORD_N_PARTS],
		    const char *const strings[CW_RECORD_N_STRINGS])
{
	gsize n_string[CW_RECORD_N_STRINGS] = {0};
	gsize size = sizeof(CwRecord) + cw_record_body_size[kind];
	guint flags = 0;
	CwRecord *r;
	guint8 *p;

	for (guint i = 0; parts != NULL && i < CW_RECORD_N_PARTS; i++) {
		if (parts[i] != NULL) {
			flags |= CW_RECORD_PART_ORDER << i;
			size += cw_record_part_size[i];
		}
	}
	for (guint i = 0; strings != NULL && i < CW_RECORD_N_STRINGS; i++) {
		if (strings[i] != NULL) {
			flags |= CW_RECORD_S1 << i;
			n_string[i] = strlen(strings[i]) + 1;
			size += n_string[i];
		}
	}
	size = CW_RECORD_ALIGN(size);
	r = (CwRecord *) cw_store_writer_reserve(self, size);
	r->size = (guint32) size;
	r->kind = (guint16) kind;
	r->flags = (guint16) flags;
	r->bot_id = bot_id;
	r->time = 0;
	p = (guint8 *) (r + 1);
	if (body != NULL)
		memcpy(p, body, cw_record_body_size[kind]);
	p += cw_record_body_size[kind];
	for (guint i = 0; i < CW_RECORD_N_PARTS; i++) {
		if (flags & (CW_RECORD_PART_ORDER << i)) {
			memcpy(p, parts[i], cw_record_part_size[i]);
			p += cw_record_part_size[i];
		}
	}
	for (guint i = 0; i < CW_RECORD_N_STRINGS; i++) {
		if (n_string[i] > 0) {
			memcpy(p, strings[i], n_string[i]);
			p += n_string[i];
		}
	}
	self->n_pending++;
	return r + 1;
}

/* The record at offset off, and what follows it. */
static CwRecord *
cw_store_writer_view(CwStoreWriter *self, gsize off, CwRecordView *v)
{
	CwRecord *r = (CwRecord *) (self->log + off);
	const guint8 *p = (const guint8 *) (r + 1) + cw_record_body_size[r->kind];

	v->body = r + 1;
	for (guint i = 0; i < CW_RECORD_N_PARTS; i++) {
		v->part[i] = NULL;
		if (r->flags & (CW_RECORD_PART_ORDER << i)) {
			v->part[i] = p;
			p += cw_record_part_size[i];
		}
	}
	for (guint i = 0; i < CW_RECORD_N_STRINGS; i++) {
		v->s[i] = NULL;
		if (r->flags & (CW_RECORD_S1 << i)) {
			v->s[i] = (const char *) p;
			p += strlen(v->s[i]) + 1;
		}
	}
	return r;
}

void
cw_store_writer_event(CwStoreWriter *self, gint64 bot_id, const char *strategy_id, const char *type,
		      gint64 time, char *payload_json)
{
	g_autofree char *payload = payload_json;
	const char *const strings[CW_RECORD_N_STRINGS] = {strategy_id, type, payload, NULL};
	CwRecord *r =
	    (CwRecord *) cw_store_writer_add(self, CW_RECORD_NAMED, bot_id, NULL, NULL, strings) -
	    1;

	r->time = time;
}

void
cw_store_writer_event_copy(CwStoreWriter *self, gint64 bot_id, const CwEvent *event)
{
	const void *const parts[CW_RECORD_N_PARTS] = {event->order, event->fill, event->position,
						      event->trade, NULL};
	const char *const strings[CW_RECORD_N_STRINGS] = {event->source, event->reason, NULL, NULL};
	CwEvent *e = cw_store_writer_add(self, CW_RECORD_EVENT, bot_id, event, parts, strings);

	e->order = NULL;
	e->fill = NULL;
	e->position = NULL;
	e->trade = NULL;
	e->source = NULL;
	e->reason = NULL;
}

void
cw_store_writer_trade(CwStoreWriter *self, const char *bot_name, const char *strategy_id,
		      const CwTrade *trade)
{
	const char *const strings[CW_RECORD_N_STRINGS] = {bot_name, strategy_id, NULL, NULL};

	cw_store_writer_add(self, CW_RECORD_TRADE, 0, trade, NULL, strings);
}

void
cw_store_writer_order(CwStoreWriter *self, gint64 bot_id, const CwOrder *order)
{
	gsize off = self->len;

	cw_store_writer_add(self, CW_RECORD_ORDER, bot_id, order, NULL, NULL);
	self->last_order = (gssize) off;
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
	CwRecord *r;
	CwOrder *queued;

	if (self->last_order < 0)
		return FALSE;
	r = (CwRecord *) (self->log + self->last_order);
	queued = (CwOrder *) (r + 1);
	if (r->bot_id != bot_id || strncmp(queued->client_order_id, order->client_order_id,
					   sizeof(order->client_order_id)) != 0)
		return FALSE;
	*queued = *order;
	return TRUE;
}

void
cw_store_writer_position(CwStoreWriter *self, gint64 bot_id, const char *strategy_id,
			 const CwPosition *position, char *state_json)
{
	g_autofree char *state = state_json;
	const char *const strings[CW_RECORD_N_STRINGS] = {strategy_id, NULL, state, NULL};

	cw_store_writer_add(self, CW_RECORD_POSITION, bot_id, position, NULL, strings);
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
	const void *const parts[CW_RECORD_N_PARTS] = {NULL, NULL, NULL, NULL, plan};
	const char *const strings[CW_RECORD_N_STRINGS] = {strategy_id, NULL, NULL, NULL};

	cw_store_writer_add(self, CW_RECORD_POSITION, bot_id, position, parts, strings);
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
	const char *const strings[CW_RECORD_N_STRINGS] = {key, value, NULL, NULL};

	cw_store_writer_add(self, CW_RECORD_STATE, bot_id, NULL, NULL, strings);
}

void
cw_store_writer_metrics(CwStoreWriter *self, const CwStoreMetrics *metrics)
{
	const char *const strings[CW_RECORD_N_STRINGS] = {metrics->bot_name, metrics->strategy_id,
							  metrics->extra_json, metrics->run_id};
	CwStoreMetrics *m = cw_store_writer_add(self, CW_RECORD_METRICS, 0, metrics, NULL, strings);

	m->bot_name = m->strategy_id = m->extra_json = m->run_id = NULL;
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
	const char *const strings[CW_RECORD_N_STRINGS] = {exchange, NULL, NULL, NULL};

	cw_store_writer_add(self, CW_RECORD_CANDLE, 0, candle, NULL, strings);
}

guint
cw_store_writer_get_pending(CwStoreWriter *self)
{
	return self->n_pending;
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
cw_store_writer_apply_event(CwStoreWriter *self, const CwRecord *r, const CwRecordView *v,
			    GError **error)
{
	CwOutboxRouter *router = cw_outbox_router_get_for_store(self->store);
	CwEvent e = *(const CwEvent *) v->body;
	g_autofree char *payload = NULL;
	gint64 seq;

	e.order = v->part[0];
	e.fill = v->part[1];
	e.position = v->part[2];
	e.trade = v->part[3];
	e.source = v->s[0];
	e.reason = v->s[1];
	payload = cw_event_to_json(&e);
	/* the event's outbox rows go in the event's own transaction */
	seq = cw_store_event_append(self->store, r->bot_id,
				    e.strategy_id != 0 ? g_quark_to_string(e.strategy_id) : NULL,
				    cw_event_type_to_string(e.type), e.time, payload, error);
	return seq > 0 && (router == NULL || cw_outbox_router_route_event(
						 router, self->store, r->bot_id, &e, seq, error));
}

static gboolean
cw_store_writer_apply_named(CwStoreWriter *self, const CwRecord *r, const CwRecordView *v,
			    GError **error)
{
	CwOutboxRouter *router = cw_outbox_router_get_for_store(self->store);
	gint64 seq = cw_store_event_append(self->store, r->bot_id, v->s[0], v->s[1], r->time,
					   v->s[2], error);

	return seq > 0 && (router == NULL ||
			   cw_outbox_router_route_named(router, self->store, r->bot_id, v->s[0],
							v->s[1], r->time, v->s[2], seq, error));
}

static gboolean
cw_store_writer_apply(CwStoreWriter *self, const CwRecord *r, const CwRecordView *v, GError **error)
{
	switch ((CwRecordKind) r->kind) {
	case CW_RECORD_EVENT:
		return cw_store_writer_apply_event(self, r, v, error);
	case CW_RECORD_NAMED:
		return cw_store_writer_apply_named(self, r, v, error);
	case CW_RECORD_TRADE:
		return cw_store_insert_trade(self->store, NULL, v->s[0], v->s[1], v->body, error) >
		       0;
	case CW_RECORD_ORDER:
		return cw_store_order_upsert(self->store, r->bot_id, v->body, error);
	case CW_RECORD_POSITION: {
		g_autofree char *plan =
		    v->part[4] != NULL ? cw_store_exit_plan_to_json(v->part[4]) : NULL;

		return cw_store_position_save(self->store, r->bot_id, v->s[0], v->body,
					      plan != NULL ? plan : v->s[2], error);
	}
	case CW_RECORD_STATE:
		return cw_store_state_set(self->store, r->bot_id, v->s[0], v->s[1], error);
	case CW_RECORD_METRICS: {
		CwStoreMetrics m = *(const CwStoreMetrics *) v->body;

		m.bot_name = v->s[0];
		m.strategy_id = v->s[1];
		m.extra_json = v->s[2];
		m.run_id = v->s[3];
		return cw_store_insert_metrics(self->store, &m, error) > 0;
	}
	case CW_RECORD_CANDLE: {
		const CwCandle *candle = v->body;

		return cw_store_candle_insert(self->store, v->s[0],
					      g_quark_to_string(candle->symbol),
					      candle->interval_ms, candle, error);
	}
	case CW_RECORD_N_KINDS:
	default:
		break;
	}
	g_assert_not_reached();
}

/* A row of a bot: ON DELETE CASCADE takes it with the bot's row */
static gboolean
cw_record_is_bot_row(const CwRecord *r)
{
	return r->bot_id > 0 && (r->kind == CW_RECORD_ORDER || r->kind == CW_RECORD_POSITION ||
				 r->kind == CW_RECORD_STATE);
}

/* A refused order, position or bot_state write of a bot whose row was
 * deleted meanwhile. */
static gboolean
cw_store_writer_bot_deleted(CwStoreWriter *self, const CwRecord *r)
{
	g_autoptr(GError) error = NULL;
	CwStoreBot bot = {0};

	if (!cw_record_is_bot_row(r))
		return FALSE;
	if (cw_store_bot_get_by_id(self->store, r->bot_id, &bot, &error)) {
		cw_store_bot_clear(&bot);
		return FALSE;
	}
	return g_error_matches(error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
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
	for (gsize off = 0; off < self->len;) {
		g_autoptr(GError) local = NULL;
		CwRecordView v;
		const CwRecord *r = cw_store_writer_view(self, off, &v);

		off += r->size;
		if (r->flags & CW_RECORD_DROPPED)
			continue;
		if (cw_store_writer_apply(self, r, &v, &local)) {
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
		if (cw_store_writer_bot_deleted(self, r))
			continue; /* its rows went with its row: nothing is lost */
		g_warning("store: write dropped: %s", local->message);
	}
	return TRUE;
}

/* The log emptied; its room kept for the next records, unless a backlog
 * made it large. */
static void
cw_store_writer_clear(CwStoreWriter *self)
{
	self->len = 0;
	self->n_pending = 0;
	self->last_order = -1;
	if (self->room > CW_STORE_WRITER_KEEP_ROOM) {
		g_clear_pointer(&self->log, g_free);
		self->room = 0;
	}
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
	cw_store_writer_clear(self);
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

	for (gsize off = 0; off < self->len;) {
		CwRecord *r = (CwRecord *) (self->log + off);

		if (r->bot_id == bot_id && cw_record_is_bot_row(r) &&
		    !(r->flags & CW_RECORD_DROPPED)) {
			r->flags |= CW_RECORD_DROPPED;
			if (self->last_order == (gssize) off)
				self->last_order = -1;
			self->n_pending--;
			n++;
		}
		off += r->size;
	}
	if (self->n_pending == 0)
		cw_store_writer_clear(self);
	return n;
}

/* Hands every queued write to dst, in order (a bot going away): the
 * records as they are, since they hold no pointer. */
void
cw_store_writer_move_to(CwStoreWriter *self, CwStoreWriter *dst)
{
	dst->last_order = -1;
	if (self->len > 0) {
		memcpy(cw_store_writer_reserve(dst, self->len), self->log, self->len);
		dst->n_pending += self->n_pending;
	}
	cw_store_writer_clear(self);
}

gboolean
cw_store_writer_flush(CwStoreWriter *self, GError **error)
{
	if (self->n_pending == 0)
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
