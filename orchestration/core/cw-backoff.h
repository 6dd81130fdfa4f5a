#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-core-types.h"

G_BEGIN_DECLS

/* A retry policy in seconds: the n-th retry (n from 1) waits
 * initial_s * multiplier^(n-1), capped at max_s, shortened by up to
 * jitter (a fraction in [0, 1)) of itself, and never less than a
 * retry-after the other side asked for. The jitter is a hash of a key (a
 * client order id, a feed name) and the attempt: two orders do not retry
 * in lockstep, yet the same inputs always give the same delay, so that
 * backtests and replays stay deterministic. Pure: no clock, no state. */
typedef struct {
	double initial_s;
	double multiplier;
	double max_s;
	double jitter;
} CwBackoff;

/* 1 s, doubling, at most 60 s, up to 20 % shorter. */
#define CW_BACKOFF_DEFAULT                                                                         \
	{                                                                                          \
		1.0, 2.0, 60.0, 0.2                                                                \
	}

double cw_backoff_delay_s(const CwBackoff *policy, guint attempt, const char *key,
			  double retry_after_s);
gint64 cw_backoff_delay_ms(const CwBackoff *policy, guint attempt, const char *key,
			   double retry_after_s);

G_END_DECLS
