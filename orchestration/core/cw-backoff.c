#include "cw-core.h"

#include <math.h>

/* FNV-1a of key, then the attempt, then a final mix: a value in [0, 1). */
static double
cw_backoff_unit(const char *key, guint attempt)
{
	guint32 h = 2166136261u;

	for (const char *c = key != NULL ? key : ""; *c != '\0'; c++)
		h = (h ^ (guint8) *c) * 16777619u;
	for (guint i = 0; i < 4; i++)
		h = (h ^ ((attempt >> (8 * i)) & 0xffu)) * 16777619u;
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	return (double) h / 4294967296.0;
}

/**
 * cw_backoff_delay_s:
 * @policy: the policy
 * @attempt: the retry, from 1 (0 counts as 1)
 * @key: (nullable): what retries (a client order id): seeds the jitter
 * @retry_after_s: the least delay the other side asked for, or <= 0
 *
 * Returns: seconds to wait before @attempt, deterministic in its inputs.
 */
double
cw_backoff_delay_s(const CwBackoff *policy, guint attempt, const char *key, double retry_after_s)
{
	double delay, jitter;

	g_return_val_if_fail(policy != NULL, 0);
	attempt = MAX(attempt, 1u);
	delay = policy->initial_s * pow(MAX(policy->multiplier, 1.0), (double) (attempt - 1));
	if (!isfinite(delay) || delay > policy->max_s)
		delay = policy->max_s;
	jitter = CLAMP(policy->jitter, 0.0, 0.999);
	delay *= 1.0 - jitter * cw_backoff_unit(key, attempt);
	if (isfinite(retry_after_s) && retry_after_s > delay)
		delay = retry_after_s;
	return MAX(delay, 0.0);
}

/**
 * cw_backoff_delay_ms:
 *
 * cw_backoff_delay_s() in whole milliseconds, rounded up.
 */
gint64
cw_backoff_delay_ms(const CwBackoff *policy, guint attempt, const char *key, double retry_after_s)
{
	return (gint64) ceil(cw_backoff_delay_s(policy, attempt, key, retry_after_s) * 1000.0);
}
