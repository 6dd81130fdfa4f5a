#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/* Exponential backoff with full jitter (the AWS "full jitter" scheme): the
 * n-th delay is uniform in [0, min(cap, base * 2^n)]. Pure: the caller
 * passes the random source, so tests are deterministic. */
typedef struct {
	double base_s;
	double cap_s;
	guint attempt;
} CwJitterBackoff;

void cw_jitter_backoff_init(CwJitterBackoff *self, double base_s, double cap_s);
/* The ceiling of the next delay (before the jitter), in seconds. */
double cw_jitter_backoff_ceiling(const CwJitterBackoff *self);
/* The next delay in seconds, then one more attempt. */
double cw_jitter_backoff_next(CwJitterBackoff *self, GRand *rand);
/* Back to the first attempt (after a connection that stayed healthy). */
void cw_jitter_backoff_reset(CwJitterBackoff *self);

G_END_DECLS
