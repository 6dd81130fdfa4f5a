#include "cw-strategies.h"

#include <gio/gio.h>

/**
 * cw_strategies_register_types:
 *
 * Registers the strategy types of this package ("composite") on the
 * cw-strategy extension point. Idempotent and thread safe.
 */
void
cw_strategies_register_types(void)
{
	static gsize once = 0;

	if (g_once_init_enter(&once)) {
		cw_extension_points_register();
		g_io_extension_point_implement(CW_EXTENSION_POINT_STRATEGY,
					       CW_TYPE_COMPOSITE_STRATEGY, "composite", 0);
		g_once_init_leave(&once, 1);
	}
}
