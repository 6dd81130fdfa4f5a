#include "cw-core.h"

static const char *const cw_event_names[CW_EVENT_LAST] = {
    [CW_EVENT_SIGNAL_NEW] = "SIGNAL_NEW",
    [CW_EVENT_EXIT_SIGNAL] = "EXIT_SIGNAL",
    [CW_EVENT_ORDER_SUBMITTED] = "ORDER_SUBMITTED",
    [CW_EVENT_ORDER_FILLED] = "ORDER_FILLED",
    [CW_EVENT_ORDER_REJECTED] = "ORDER_REJECTED",
    [CW_EVENT_ORDER_CANCELLED] = "ORDER_CANCELLED",
    [CW_EVENT_POSITION_OPENED] = "POSITION_OPENED",
    [CW_EVENT_POSITION_UPDATED] = "POSITION_UPDATED",
    [CW_EVENT_POSITION_CLOSED] = "POSITION_CLOSED",
    [CW_EVENT_TRADE_CLOSED] = "TRADE_CLOSED",
    [CW_EVENT_ACTION_EXECUTED] = "ACTION_EXECUTED",
    [CW_EVENT_ACTION_FAILED] = "ACTION_FAILED",
    [CW_EVENT_STOP_MOVED] = "STOP_MOVED",
    [CW_EVENT_TAKE_PROFIT_HIT] = "TAKE_PROFIT_HIT",
    [CW_EVENT_GUARD_TRIPPED] = "GUARD_TRIPPED",
    [CW_EVENT_MODE_CHANGED] = "MODE_CHANGED",
    [CW_EVENT_BOT_STATUS] = "BOT_STATUS",
    [CW_EVENT_STRATEGY_SWITCHED] = "STRATEGY_SWITCHED",
    [CW_EVENT_ORDER_ACKNOWLEDGED] = "ORDER_ACKNOWLEDGED",
    [CW_EVENT_STALLED] = "STALLED",
    [CW_EVENT_HEALTH_WARNING] = "HEALTH_WARNING",
    [CW_EVENT_HEALTH_OK] = "HEALTH_OK",
    [CW_EVENT_MAIN_LOOP_BLOCKED] = "MAIN_LOOP_BLOCKED",
};

const char *
cw_event_type_to_string(CwEventType type)
{
	if ((guint) type >= CW_EVENT_LAST)
		return "UNKNOWN";
	return cw_event_names[type];
}

CwEventType
cw_event_type_from_string(const char *name)
{
	if (name == NULL)
		return CW_EVENT_LAST;
	for (guint i = 0; i < CW_EVENT_LAST; i++) {
		if (g_ascii_strcasecmp(cw_event_names[i], name) == 0)
			return (CwEventType) i;
	}
	return CW_EVENT_LAST;
}
