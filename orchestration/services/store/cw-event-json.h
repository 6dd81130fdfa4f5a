#pragma once

#if !defined(CW_SERVICES_STORE_INSIDE) && !defined(CW_SERVICES_STORE_COMPILATION)
#error "Only <cw-services-store.h> can be included directly."
#endif

#include "cw-core.h"

G_BEGIN_DECLS

/* The journal payload of an event as compact JSON: the order, fill,
 * position, trade or signal it carries, plus source, reason and value. */
char *cw_event_to_json(const CwEvent *event);

G_END_DECLS
