#pragma once

#if !defined(CW_EXECUTION_INSIDE) && !defined(CW_EXECUTION_COMPILATION)
#error "Only <cw-execution.h> can be included directly."
#endif

#include "cw-core.h"

G_BEGIN_DECLS

typedef enum {
	CW_ACTION_OPEN,                   /* market entry: direction, qty */
	CW_ACTION_CLOSE,                  /* market close of the whole position: purpose */
	CW_ACTION_CLOSE_PERCENT,          /* market close of fraction of the position */
	CW_ACTION_UPDATE_STOP,            /* place or replace the stop at price */
	CW_ACTION_MOVE_STOP_TO_BREAKEVEN, /* same, after TP1 */
	CW_ACTION_ACTIVATE_TRAILING,      /* same, when trailing starts or ratchets */
	CW_ACTION_PLACE_TAKE_PROFIT,      /* reduce-only limit for take profit level */
} CwActionType;

/* One unit of work for the broker. The caller fills the request fields
 * (type to level), which is all cw_action_queue_push() reads; the queue
 * owns the bookkeeping ones. order is defined only while has_order, and
 * last_error is "" until an attempt fails. */
typedef struct {
	CwActionType type;
	CwOrderPurpose purpose;
	CwDirection direction; /* OPEN */
	double qty;            /* OPEN */
	double price;          /* stop price or take profit price */
	double fraction;       /* CLOSE_PERCENT, (0, 1] */
	guint level;           /* PLACE_TAKE_PROFIT, 0-based */
	/* bookkeeping */
	guint64 id;           /* per queue, from 1 */
	gint64 enqueued_at;   /* ms, the caller's clock */
	gint64 due;           /* ms: time of the next attempt */
	guint attempts;       /* failed attempts so far */
	double retry_after_s; /* set by exec with RETRY: the least wait the broker asked for */
	gboolean has_order;   /* order was built once; retries keep its client id */
	CwOrder order;
	char last_error[CW_REASON_LEN];
} CwAction;

typedef enum {
	CW_ACTION_RESULT_DONE,  /* executed */
	CW_ACTION_RESULT_RETRY, /* transient failure (broker error): try again later */
	CW_ACTION_RESULT_DROP,  /* nothing to do any more, or refused for good */
} CwActionResult;

typedef CwActionResult (*CwActionExecFunc)(CwAction *action, gpointer user_data);
/* Called once when an action ran out of retries, before it is dropped. */
typedef void (*CwActionFailedFunc)(CwAction *action, gpointer user_data);

#define CW_ACTION_QUEUE_DEFAULT_CAPACITY    64
#define CW_ACTION_QUEUE_DEFAULT_MAX_RETRIES 5

/* A FIFO ring with a fixed capacity taken at creation. It starts with a few
 * slots and doubles up to the capacity when it fills; once a bot has held
 * that many actions, pushing, running and retrying never allocate. A
 * failed action stays at the head and blocks the ones behind it (order
 * matters: a close must not overtake an entry). Time is in milliseconds of
 * the caller's clock (CwClock: candle time in a backtest, wall time in
 * serve). Its n-th retry waits cw_backoff_delay_ms() of the queue's policy
 * (CW_BACKOFF_DEFAULT unless set: 1 s, doubling, at most 60 s, jitter
 * from the client order id), or the action's retry_after_s when longer;
 * after max_retries retries it is reported failed and dropped. */
typedef struct _CwActionQueue CwActionQueue;

CwActionQueue *cw_action_queue_new(guint capacity, guint max_retries);
void cw_action_queue_free(CwActionQueue *self);
void cw_action_queue_set_backoff(CwActionQueue *self, const CwBackoff *policy);
/* Appends a copy of action, due at now (ms). FALSE when full. */
gboolean cw_action_queue_push(CwActionQueue *self, const CwAction *action, gint64 now);
/* Puts a copy of action back at the head, bookkeeping and all (an action
 * whose outcome was unknown and turned out not to have reached the
 * broker), due at now. FALSE when full. */
gboolean cw_action_queue_requeue(CwActionQueue *self, const CwAction *action, gint64 now);
/* ms of the head's next attempt, or G_MAXINT64 when empty. */
gint64 cw_action_queue_get_next_due(const CwActionQueue *self);
guint cw_action_queue_get_length(const CwActionQueue *self);
guint cw_action_queue_get_capacity(const CwActionQueue *self);
/* The head, or NULL when empty. */
const CwAction *cw_action_queue_peek(const CwActionQueue *self);
/* The i-th queued action (0 = head), or NULL. */
const CwAction *cw_action_queue_get(const CwActionQueue *self, guint i);
void cw_action_queue_clear(CwActionQueue *self);
/* Runs every action due at now (ms), head first, including actions that
 * exec pushes meanwhile. Re-entrant calls (from inside exec) return 0 at
 * once: the outer run picks the new actions up. Returns how many were
 * executed (DONE). */
guint cw_action_queue_run(CwActionQueue *self, gint64 now, CwActionExecFunc exec,
			  CwActionFailedFunc failed, gpointer user_data);
guint64 cw_action_queue_get_n_failed(const CwActionQueue *self);
guint64 cw_action_queue_get_n_dropped_full(const CwActionQueue *self);
const char *cw_action_type_to_string(CwActionType type);
/* The queue in a trading state snapshot (cw_trading_orchestrator_snapshot()). */
void cw_action_queue_save(const CwActionQueue *self, GByteArray *out);
gboolean cw_action_queue_load(CwActionQueue *self, CwStateReader *reader, GError **error);
/* Bytes the queue holds: the object and its allocated ring. */
gsize cw_action_queue_get_memory_size(const CwActionQueue *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwActionQueue, cw_action_queue_free)

G_END_DECLS
