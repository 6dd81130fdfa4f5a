#pragma once

#define CW_HEALTH_INSIDE
#include "cw-core.h"
#include "cw-health-monitor.h"
#include "cw-loop-watchdog.h"
#include "cw-process-sampler.h"
#include "cw-restart-policy.h"
#undef CW_HEALTH_INSIDE

G_BEGIN_DECLS

/* Registers "health" on the cw-health-probe extension point. */
void cw_health_register_types(void);

G_END_DECLS
