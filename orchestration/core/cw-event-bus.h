#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-event.h"

G_BEGIN_DECLS

#define CW_TYPE_EVENT_BUS (cw_event_bus_get_type())
G_DECLARE_FINAL_TYPE(CwEventBus, cw_event_bus, CW, EVENT_BUS, GObject)

typedef void (*CwEventFunc)(const CwEvent *event, gpointer user_data);

CwEventBus *cw_event_bus_new(void);
/* Subscribes to the event types in type_mask (CW_EVENT_MASK() bits). When
 * strategy_id is not 0 only events of that strategy are delivered. Returns a
 * subscription id > 0. */
guint cw_event_bus_subscribe(CwEventBus *self, guint64 type_mask, CwStrategyId strategy_id,
			     CwEventFunc func, gpointer user_data, GDestroyNotify destroy);
/* Safe to call from inside a dispatch, including for the running subscriber. */
void cw_event_bus_unsubscribe(CwEventBus *self, guint id);
/* Delivers the event synchronously, in subscription order. Never allocates. */
void cw_event_bus_publish(CwEventBus *self, const CwEvent *event);
guint cw_event_bus_get_n_subscribers(CwEventBus *self);
/* TRUE when a subscriber listens to type (a bit test; no type check). */
gboolean cw_event_bus_has_subscribers(CwEventBus *self, CwEventType type);
/* Same, for a publisher about to build an event of this type: FALSE means
 * skip it, and counts it in get_n_published() as if it had been published. */
gboolean cw_event_bus_wants(CwEventBus *self, CwEventType type);
guint64 cw_event_bus_get_n_published(CwEventBus *self);

G_END_DECLS
