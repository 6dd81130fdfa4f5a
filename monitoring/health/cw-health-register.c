#include "cw-health.h"

#include <gio/gio.h>

/**
 * cw_health_register_types:
 *
 * Registers "health" (CwHealthMonitor) on the cw-health-probe extension
 * point. Safe to call more than once.
 */
void
cw_health_register_types(void)
{
	static gsize once = 0;

	cw_extension_points_register();
	if (g_once_init_enter(&once)) {
		g_io_extension_point_implement(CW_EXTENSION_POINT_HEALTH_PROBE,
					       CW_TYPE_HEALTH_MONITOR, "health", 0);
		g_once_init_leave(&once, 1);
	}
}
