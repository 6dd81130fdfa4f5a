#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-domain.h"

G_BEGIN_DECLS

typedef enum {
	CW_EVENT_SIGNAL_NEW,
	CW_EVENT_EXIT_SIGNAL,
	CW_EVENT_ORDER_SUBMITTED,
	CW_EVENT_ORDER_FILLED,
	CW_EVENT_ORDER_REJECTED,
	CW_EVENT_ORDER_CANCELLED,
	CW_EVENT_POSITION_OPENED,
	CW_EVENT_POSITION_UPDATED,
	CW_EVENT_POSITION_CLOSED,
	CW_EVENT_TRADE_CLOSED,
	CW_EVENT_ACTION_EXECUTED,
	CW_EVENT_ACTION_FAILED,
	CW_EVENT_STOP_MOVED,
	CW_EVENT_TAKE_PROFIT_HIT,
	CW_EVENT_GUARD_TRIPPED,
	CW_EVENT_MODE_CHANGED,
	CW_EVENT_BOT_STATUS,
	CW_EVENT_STRATEGY_SWITCHED,
	/* a broker acknowledged an order after the request returned (a
	 * synchronous broker's acks are part of ORDER_SUBMITTED) */
	CW_EVENT_ORDER_ACKNOWLEDGED,
	/* monitoring/health */
	CW_EVENT_STALLED,
	CW_EVENT_HEALTH_WARNING,
	CW_EVENT_HEALTH_OK,
	CW_EVENT_MAIN_LOOP_BLOCKED,
	/* services/runtime put a bot in status `error`: payload {"error",
	 * "strategy"}; notifiers send it as bot_error, level critical */
	CW_EVENT_BOT_ERROR,
	/* monitoring/health reloaded a stalled bot: payload {"reason",
	 * "restarts"}; notifiers send it as bot_restarted, level warning */
	CW_EVENT_BOT_RESTARTED,
	CW_EVENT_LAST /*< skip >*/
} CwEventType;

#define CW_EVENT_MASK(type) (G_GUINT64_CONSTANT(1) << (type))
#define CW_EVENT_MASK_ALL   ((G_GUINT64_CONSTANT(1) << CW_EVENT_LAST) - 1)

/* An event. Pointers in the payload are borrowed: they are valid for the
 * duration of the dispatch only, so a subscriber that queues work copies
 * what it keeps. Publishing never allocates. */
typedef struct {
	CwEventType type;
	CwStrategyId strategy_id;   /* 0 when no strategy caused it */
	gint64 time;                /* ms, from the strategy's clock */
	const CwOrder *order;       /* ORDER_*, ACTION_* */
	const CwFill *fill;         /* ORDER_FILLED */
	const CwPosition *position; /* POSITION_* , STOP_MOVED */
	const CwTrade *trade;       /* TRADE_CLOSED, POSITION_CLOSED */
	CwSignal signal;            /* SIGNAL_NEW, EXIT_SIGNAL */
	const char *source;         /* guard or component name, or NULL */
	const char *reason;         /* human readable, or NULL */
	double value;               /* event specific: new stop, tp level, mode... */
} CwEvent;

const char *cw_event_type_to_string(CwEventType type);
/* Returns CW_EVENT_LAST when unknown. */
CwEventType cw_event_type_from_string(const char *name);

G_END_DECLS
