#include "cw-core.h"

struct _CwWallClock {
	GObject parent_instance;
};

static void cw_wall_clock_iface_init(CwClockInterface *iface);

G_DEFINE_TYPE_WITH_CODE(CwWallClock, cw_wall_clock, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(CW_TYPE_CLOCK, cw_wall_clock_iface_init))

static gint64
cw_wall_clock_now_ms(CwClock *clock)
{
	return g_get_real_time() / 1000;
}

static void
cw_wall_clock_iface_init(CwClockInterface *iface)
{
	iface->now_ms = cw_wall_clock_now_ms;
}

static void
cw_wall_clock_class_init(CwWallClockClass *klass)
{
}

static void
cw_wall_clock_init(CwWallClock *self)
{
}

/**
 * cw_wall_clock_new:
 *
 * Returns: (transfer full): a clock that reads the system's real time.
 */
CwClock *
cw_wall_clock_new(void)
{
	return g_object_new(CW_TYPE_WALL_CLOCK, NULL);
}
