#pragma once

#if !defined(CW_HEALTH_INSIDE) && !defined(CW_HEALTH_COMPILATION)
#error "Only <cw-health.h> can be included directly."
#endif

#include "cw-core.h"

G_BEGIN_DECLS

/* The "health" probe: stalled-bot detection and restarts under a cap, the
 * main-loop watchdog and process sampling. Settings: the "health.*" keys
 * of the service context (docs/configuration.md, "Health"). */
#define CW_TYPE_HEALTH_MONITOR (cw_health_monitor_get_type())
G_DECLARE_FINAL_TYPE(CwHealthMonitor, cw_health_monitor, CW, HEALTH_MONITOR, GObject)

/* One round of stall checks now (the timer calls it). */
void cw_health_monitor_check_bots(CwHealthMonitor *self);
/* One process sample now. */
void cw_health_monitor_sample(CwHealthMonitor *self);

G_END_DECLS
