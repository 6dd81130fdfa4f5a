#include "cw-core.h"

G_DEFINE_INTERFACE(CwClock, cw_clock, G_TYPE_OBJECT)

static void
cw_clock_default_init(CwClockInterface *iface)
{
}

/**
 * cw_clock_now_ms:
 * @self: a clock
 *
 * Returns: the clock's time in milliseconds since the Unix epoch (UTC).
 */
gint64
cw_clock_now_ms(CwClock *self)
{
	g_return_val_if_fail(CW_IS_CLOCK(self), 0);
	return CW_CLOCK_GET_IFACE(self)->now_ms(self);
}
