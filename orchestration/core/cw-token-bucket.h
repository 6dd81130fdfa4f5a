#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/* A token bucket: rate tokens per second, at most burst kept. Pure (the
 * caller passes the time), no allocation: rate limits for logs and calls. */
typedef struct {
	double rate;
	double burst;
	double tokens;
	gint64 last_us;
} CwTokenBucket;

void cw_token_bucket_init(CwTokenBucket *self, double rate, double burst);
/* Takes n tokens at now_us (monotonic µs) if there are that many. */
gboolean cw_token_bucket_take(CwTokenBucket *self, gint64 now_us, double n);

G_END_DECLS
