#include "cw-core.h"

/**
 * cw_token_bucket_init:
 * @rate: tokens added per second
 * @burst: the most tokens kept (the bucket starts full)
 */
void
cw_token_bucket_init(CwTokenBucket *self, double rate, double burst)
{
	self->rate = MAX(rate, 0.0);
	self->burst = MAX(burst, 1.0);
	self->tokens = self->burst;
	self->last_us = G_MININT64;
}

/**
 * cw_token_bucket_take:
 * @now_us: the time, monotonic microseconds
 * @n: tokens wanted
 *
 * Returns: TRUE when the tokens were taken
 */
gboolean
cw_token_bucket_take(CwTokenBucket *self, gint64 now_us, double n)
{
	if (self->last_us != G_MININT64 && now_us > self->last_us)
		self->tokens = MIN(self->burst, self->tokens + (double) (now_us - self->last_us) *
								   self->rate / G_USEC_PER_SEC);
	if (self->last_us == G_MININT64 || now_us > self->last_us)
		self->last_us = now_us;
	if (self->tokens < n)
		return FALSE;
	self->tokens -= n;
	return TRUE;
}
