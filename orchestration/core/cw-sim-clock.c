#include "cw-core.h"

struct _CwSimClock {
	GObject parent_instance;
	gint64 now_ms;
};

static void cw_sim_clock_iface_init(CwClockInterface *iface);

G_DEFINE_TYPE_WITH_CODE(CwSimClock, cw_sim_clock, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(CW_TYPE_CLOCK, cw_sim_clock_iface_init))

static gint64
cw_sim_clock_now_ms(CwClock *clock)
{
	return CW_SIM_CLOCK(clock)->now_ms;
}

static void
cw_sim_clock_iface_init(CwClockInterface *iface)
{
	iface->now_ms = cw_sim_clock_now_ms;
}

static void
cw_sim_clock_class_init(CwSimClockClass *klass)
{
}

static void
cw_sim_clock_init(CwSimClock *self)
{
}

/**
 * cw_sim_clock_new:
 * @start_ms: the initial time
 *
 * Returns: (transfer full): a clock that moves only when told to, for
 * backtests and replays.
 */
CwClock *
cw_sim_clock_new(gint64 start_ms)
{
	CwSimClock *self = g_object_new(CW_TYPE_SIM_CLOCK, NULL);
	self->now_ms = start_ms;
	return CW_CLOCK(self);
}

void
cw_sim_clock_set(CwSimClock *self, gint64 now_ms)
{
	g_return_if_fail(CW_IS_SIM_CLOCK(self));
	if (now_ms > self->now_ms)
		self->now_ms = now_ms;
}

void
cw_sim_clock_advance(CwSimClock *self, gint64 delta_ms)
{
	g_return_if_fail(CW_IS_SIM_CLOCK(self));
	if (delta_ms > 0)
		self->now_ms += delta_ms;
}
