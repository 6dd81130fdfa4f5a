#include "cw-execution.h"

#include <gio/gio.h>

/* clang-format off */
G_DEFINE_QUARK(cw-execution-error-quark, cw_execution_error)
/* clang-format on */

/**
 * cw_execution_register_types:
 *
 * Registers the "paper" broker on the cw-broker extension point. Safe to
 * call more than once.
 */
void
cw_execution_register_types(void)
{
	static gsize once = 0;

	if (g_once_init_enter(&once)) {
		cw_extension_points_register();
		g_io_extension_point_implement(CW_EXTENSION_POINT_BROKER, CW_TYPE_PAPER_BROKER,
					       "paper", 0);
		g_once_init_leave(&once, 1);
	}
}
