#include "cw-core.h"

#include <math.h>

/**
 * cw_jitter_backoff_init:
 * @base_s: the first ceiling, in seconds (> 0)
 * @cap_s: the largest ceiling, in seconds (>= base_s)
 *
 * Starts a backoff at its first attempt.
 */
void
cw_jitter_backoff_init(CwJitterBackoff *self, double base_s, double cap_s)
{
	self->base_s = base_s > 0 ? base_s : 0.5;
	self->cap_s = cap_s >= self->base_s ? cap_s : self->base_s;
	self->attempt = 0;
}

/**
 * cw_jitter_backoff_ceiling:
 *
 * Returns: min(cap, base * 2^attempt), in seconds
 */
double
cw_jitter_backoff_ceiling(const CwJitterBackoff *self)
{
	/* 2^64 overflows nothing in a double, but stop doubling past the cap */
	double ceiling = self->base_s * ldexp(1.0, (int) MIN(self->attempt, 60u));

	return MIN(ceiling, self->cap_s);
}

/**
 * cw_jitter_backoff_next:
 * @rand: the random source of the jitter
 *
 * Returns: a delay uniform in [0, ceiling], in seconds; counts the attempt
 */
double
cw_jitter_backoff_next(CwJitterBackoff *self, GRand *rand)
{
	double delay = g_rand_double(rand) * cw_jitter_backoff_ceiling(self);

	if (self->attempt < G_MAXUINT)
		self->attempt++;
	return delay;
}

/**
 * cw_jitter_backoff_reset:
 *
 * Back to the first attempt.
 */
void
cw_jitter_backoff_reset(CwJitterBackoff *self)
{
	self->attempt = 0;
}
