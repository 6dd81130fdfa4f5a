#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-core-types.h"

G_BEGIN_DECLS

/* Exponential backoff: the delay before retry number attempt (0 = the
 * first retry) is initial_s * factor^attempt, capped at max_s. Pure. */
double cw_backoff_delay(double initial_s, double max_s, double factor, guint attempt);

G_END_DECLS
