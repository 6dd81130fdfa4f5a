#include "cw-notifications.h"

/**
 * cw_notifications_register_types:
 *
 * Registers the "telegram" and "webhook" notifiers on
 * CW_EXTENSION_POINT_NOTIFIER. Safe to call more than once.
 */
void
cw_notifications_register_types(void)
{
	static gsize once = 0;

	cw_extension_points_register();
	if (g_once_init_enter(&once)) {
		g_io_extension_point_implement(CW_EXTENSION_POINT_NOTIFIER,
					       CW_TYPE_TELEGRAM_NOTIFIER, "telegram", 0);
		g_io_extension_point_implement(CW_EXTENSION_POINT_NOTIFIER,
					       CW_TYPE_WEBHOOK_NOTIFIER, "webhook", 0);
		g_once_init_leave(&once, 1);
	}
}
