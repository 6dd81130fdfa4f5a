#include "cw-execution.h"

/* Ring slots allocated at first; the ring doubles up to capacity when it
 * fills, so a quiet bot keeps a few hundred bytes per slot less. */
#define CW_ACTION_QUEUE_INITIAL_SLOTS 4

struct _CwActionQueue {
	CwAction *ring;  /* allocated slots: a power of two, >= MIN(length, capacity) */
	guint allocated; /* grows while length < capacity */
	guint capacity;
	guint head;
	guint length;
	guint max_retries;
	CwBackoff backoff;
	guint64 next_id;
	guint64 n_failed;
	guint64 n_dropped_full;
	gboolean running;
};

/**
 * cw_action_queue_new:
 * @capacity: the most actions it holds (0 = default)
 * @max_retries: retries before an action fails
 *
 * Returns: (transfer full): an empty queue.
 */
CwActionQueue *
cw_action_queue_new(guint capacity, guint max_retries)
{
	CwActionQueue *self = g_new0(CwActionQueue, 1);

	self->capacity = capacity > 0 ? capacity : CW_ACTION_QUEUE_DEFAULT_CAPACITY;
	self->allocated = CW_ACTION_QUEUE_INITIAL_SLOTS;
	self->ring = g_new0(CwAction, self->allocated);
	self->max_retries = max_retries;
	self->backoff = (CwBackoff) CW_BACKOFF_DEFAULT;
	self->next_id = 1;
	return self;
}

/* The retry delays from now on. */
void
cw_action_queue_set_backoff(CwActionQueue *self, const CwBackoff *policy)
{
	g_return_if_fail(self != NULL && policy != NULL);
	self->backoff = *policy;
}

void
cw_action_queue_free(CwActionQueue *self)
{
	if (self == NULL)
		return;
	g_free(self->ring);
	g_free(self);
}

static CwAction *
cw_action_queue_slot(const CwActionQueue *self, guint i)
{
	return &self->ring[(self->head + i) & (self->allocated - 1)];
}

/* Copies what is defined of src: the request and the bookkeeping always,
 * the order only once built, the error only when there is one. A fresh
 * action is a tenth of the struct. */
static void
cw_action_copy(CwAction *dst, const CwAction *src)
{
	memcpy(dst, src, G_STRUCT_OFFSET(CwAction, order));
	if (src->has_order)
		dst->order = src->order;
	if (src->last_error[0] != '\0')
		memcpy(dst->last_error, src->last_error, sizeof(dst->last_error));
	else
		dst->last_error[0] = '\0';
}

/* Makes room for one more action; FALSE when the queue is at capacity. */
static gboolean
cw_action_queue_reserve(CwActionQueue *self)
{
	guint allocated;
	CwAction *ring;

	if (self->length >= self->capacity)
		return FALSE;
	if (self->length < self->allocated)
		return TRUE;
	/* rare: unroll the ring into one twice the size, head first */
	allocated = self->allocated * 2;
	ring = g_new0(CwAction, allocated);
	for (guint i = 0; i < self->length; i++)
		cw_action_copy(&ring[i], cw_action_queue_slot(self, i));
	g_free(self->ring);
	self->ring = ring;
	self->allocated = allocated;
	self->head = 0;
	return TRUE;
}

gboolean
cw_action_queue_push(CwActionQueue *self, const CwAction *action, gint64 now)
{
	CwAction *slot;

	g_return_val_if_fail(self != NULL && action != NULL, FALSE);
	if (!cw_action_queue_reserve(self)) {
		self->n_dropped_full++;
		return FALSE;
	}
	slot = cw_action_queue_slot(self, self->length);
	/* the request only: the rest is the queue's */
	memcpy(slot, action, G_STRUCT_OFFSET(CwAction, id));
	slot->id = self->next_id++;
	slot->enqueued_at = now;
	slot->due = now;
	slot->attempts = 0;
	slot->retry_after_s = 0;
	slot->has_order = FALSE;
	slot->last_error[0] = '\0';
	self->length++;
	return TRUE;
}

static gboolean
cw_action_queue_push_front(CwActionQueue *self, const CwAction *action)
{
	if (!cw_action_queue_reserve(self))
		return FALSE;
	self->head = (self->head + self->allocated - 1) & (self->allocated - 1);
	cw_action_copy(&self->ring[self->head], action);
	self->length++;
	return TRUE;
}

gboolean
cw_action_queue_requeue(CwActionQueue *self, const CwAction *action, gint64 now)
{
	g_return_val_if_fail(self != NULL && action != NULL, FALSE);
	if (!cw_action_queue_push_front(self, action))
		return FALSE;
	self->ring[self->head].due = now;
	return TRUE;
}

gint64
cw_action_queue_get_next_due(const CwActionQueue *self)
{
	return self->length > 0 ? cw_action_queue_slot(self, 0)->due : G_MAXINT64;
}

guint
cw_action_queue_get_length(const CwActionQueue *self)
{
	return self->length;
}

guint
cw_action_queue_get_capacity(const CwActionQueue *self)
{
	return self->capacity;
}

const CwAction *
cw_action_queue_peek(const CwActionQueue *self)
{
	return self->length > 0 ? cw_action_queue_slot(self, 0) : NULL;
}

const CwAction *
cw_action_queue_get(const CwActionQueue *self, guint i)
{
	return i < self->length ? cw_action_queue_slot(self, i) : NULL;
}

void
cw_action_queue_clear(CwActionQueue *self)
{
	self->head = 0;
	self->length = 0;
}

guint
cw_action_queue_run(CwActionQueue *self, gint64 now, CwActionExecFunc exec,
		    CwActionFailedFunc failed, gpointer user_data)
{
	guint done = 0;

	g_return_val_if_fail(self != NULL && exec != NULL, 0);
	if (self->running)
		return 0;
	self->running = TRUE;
	while (self->length > 0 && cw_action_queue_slot(self, 0)->due <= now) {
		/* exec may push, so work on a copy taken off the ring */
		CwAction action;
		CwActionResult result;

		cw_action_copy(&action, cw_action_queue_slot(self, 0));
		self->head = (self->head + 1) & (self->allocated - 1);
		self->length--;
		action.retry_after_s = 0;
		result = exec(&action, user_data);
		if (result == CW_ACTION_RESULT_DONE) {
			done++;
			continue;
		}
		if (result == CW_ACTION_RESULT_DROP)
			continue;
		action.attempts++;
		if (action.attempts > self->max_retries ||
		    !cw_action_queue_push_front(self, &action)) {
			self->n_failed++;
			if (failed != NULL)
				failed(&action, user_data);
			continue;
		}
		/* the n-th retry waits the policy's n-th delay, jittered by the
		 * client order id */
		cw_action_queue_slot(self, 0)->due =
		    now + cw_backoff_delay_ms(&self->backoff, action.attempts,
					      action.has_order ? action.order.client_order_id : "",
					      action.retry_after_s);
	}
	self->running = FALSE;
	return done;
}

guint64
cw_action_queue_get_n_failed(const CwActionQueue *self)
{
	return self->n_failed;
}

guint64
cw_action_queue_get_n_dropped_full(const CwActionQueue *self)
{
	return self->n_dropped_full;
}

const char *
cw_action_type_to_string(CwActionType type)
{
	switch (type) {
	case CW_ACTION_OPEN:
		return "open";
	case CW_ACTION_CLOSE:
		return "close";
	case CW_ACTION_CLOSE_PERCENT:
		return "close_percent";
	case CW_ACTION_UPDATE_STOP:
		return "update_stop";
	case CW_ACTION_MOVE_STOP_TO_BREAKEVEN:
		return "move_stop_to_breakeven";
	case CW_ACTION_ACTIVATE_TRAILING:
		return "activate_trailing";
	case CW_ACTION_PLACE_TAKE_PROFIT:
		return "place_take_profit";
	default:
		return "unknown";
	}
}

/**
 * cw_action_queue_save:
 * @self: a queue
 * @out: a snapshot being written
 *
 * Appends the queued actions, head first, with the counters.
 */
void
cw_action_queue_save(const CwActionQueue *self, GByteArray *out)
{
	cw_state_blob_put_u64(out, self->next_id);
	cw_state_blob_put_u64(out, self->n_failed);
	cw_state_blob_put_u64(out, self->n_dropped_full);
	cw_state_blob_put_u64(out, self->length);
	for (guint i = 0; i < self->length; i++)
		cw_state_blob_put_struct(out, cw_action_queue_slot(self, i), sizeof(CwAction));
}

/**
 * cw_action_queue_load:
 * @self: an empty queue
 * @reader: a snapshot at the queue's section
 *
 * Reads back what cw_action_queue_save() wrote. Quarks are mapped to this
 * process's.
 */
gboolean
cw_action_queue_load(CwActionQueue *self, CwStateReader *reader, GError **error)
{
	guint64 n;

	cw_action_queue_clear(self);
	if (!cw_state_reader_get_u64(reader, &self->next_id, "queue next id", error) ||
	    !cw_state_reader_get_u64(reader, &self->n_failed, "queue failures", error) ||
	    !cw_state_reader_get_u64(reader, &self->n_dropped_full, "queue drops", error) ||
	    !cw_state_reader_get_u64(reader, &n, "queue length", error))
		return FALSE;
	if (n > self->capacity) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
			    "action queue: %" G_GUINT64_FORMAT " actions, capacity %u", n,
			    self->capacity);
		return FALSE;
	}
	for (guint64 i = 0; i < n; i++) {
		CwAction action;

		if (!cw_state_reader_get_struct(reader, &action, sizeof action, "queued action",
						error))
			return FALSE;
		if ((guint) action.type > CW_ACTION_PLACE_TAKE_PROFIT ||
		    action.level >= CW_MAX_TAKE_PROFITS) {
			g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
				    "action queue: action %" G_GUINT64_FORMAT " is not valid", i);
			return FALSE;
		}
		action.last_error[CW_REASON_LEN - 1] = '\0';
		action.order.strategy_id =
		    cw_state_reader_map_quark(reader, action.order.strategy_id);
		action.order.symbol = cw_state_reader_map_quark(reader, action.order.symbol);
		if (!cw_action_queue_reserve(self))
			return FALSE;
		cw_action_copy(cw_action_queue_slot(self, self->length), &action);
		self->length++;
	}
	return TRUE;
}

gsize
cw_action_queue_get_memory_size(const CwActionQueue *self)
{
	return sizeof(*self) + (gsize) self->allocated * sizeof(CwAction);
}
