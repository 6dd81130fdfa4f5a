#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-core-types.h"

G_BEGIN_DECLS

#define CW_TYPE_CLOCK (cw_clock_get_type())
G_DECLARE_INTERFACE(CwClock, cw_clock, CW, CLOCK, GObject)

struct _CwClockInterface {
	GTypeInterface g_iface;
	/* Milliseconds since the Unix epoch, UTC. */
	gint64 (*now_ms)(CwClock *self);
};

gint64 cw_clock_now_ms(CwClock *self);

#define CW_TYPE_WALL_CLOCK (cw_wall_clock_get_type())
G_DECLARE_FINAL_TYPE(CwWallClock, cw_wall_clock, CW, WALL_CLOCK, GObject)
CwClock *cw_wall_clock_new(void);

#define CW_TYPE_SIM_CLOCK (cw_sim_clock_get_type())
G_DECLARE_FINAL_TYPE(CwSimClock, cw_sim_clock, CW, SIM_CLOCK, GObject)
CwClock *cw_sim_clock_new(gint64 start_ms);
/* Moves the clock to now_ms; a simulated clock never goes backwards. */
void cw_sim_clock_set(CwSimClock *self, gint64 now_ms);
void cw_sim_clock_advance(CwSimClock *self, gint64 delta_ms);

G_END_DECLS
