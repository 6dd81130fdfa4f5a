#include "cw-bybit.h"

#include <gio/gio.h>

/**
 * cw_bybit_register_types:
 *
 * Registers "bybit" on the cw-broker extension point. Safe to call more
 * than once.
 */
void
cw_bybit_register_types(void)
{
	static gsize once = 0;

	cw_extension_points_register();
	if (g_once_init_enter(&once)) {
		g_io_extension_point_implement(CW_EXTENSION_POINT_BROKER, CW_TYPE_BYBIT_BROKER,
					       "bybit", 0);
		g_once_init_leave(&once, 1);
	}
}
