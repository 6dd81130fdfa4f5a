#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-core-types.h"

G_BEGIN_DECLS

#define CW_EXTENSION_POINT_HEALTH_PROBE "cw-health-probe"

typedef enum {
	CW_HEALTH_OK,
	CW_HEALTH_DEGRADED,
	CW_HEALTH_FAILING,
} CwHealthStatus;

/* A check the health endpoint and the watchdog run periodically. */
#define CW_TYPE_HEALTH_PROBE (cw_health_probe_get_type())
G_DECLARE_INTERFACE(CwHealthProbe, cw_health_probe, CW, HEALTH_PROBE, GObject)

struct _CwHealthProbeInterface {
	GTypeInterface g_iface;
	const char *(*get_name)(CwHealthProbe *self);
	CwHealthStatus (*check)(CwHealthProbe *self, char *detail, gsize detail_len);
};

const char *cw_health_probe_get_name(CwHealthProbe *self);
CwHealthStatus cw_health_probe_check(CwHealthProbe *self, char *detail, gsize detail_len);

G_END_DECLS
