#pragma once

#if !defined(CW_HEALTH_INSIDE) && !defined(CW_HEALTH_COMPILATION)
#error "Only <cw-health.h> can be included directly."
#endif

#include "cw-core.h"

G_BEGIN_DECLS

/* The restart cap of a stalled bot, after systemd's StartLimitBurst and
 * StartLimitIntervalSec: at most burst restarts within interval_s, with an
 * exponential backoff between them. Pure: no clock, no I/O. */
typedef struct {
	guint burst;       /* default 5 */
	double interval_s; /* default 600 */
	double initial_s;  /* first backoff, default 1 */
	double max_s;      /* default 60 */
	double factor;     /* default 2 */
} CwRestartPolicy;

#define CW_RESTART_STATE_KEY CW_HEALTH_STATE_RESTARTS

void cw_restart_policy_init(CwRestartPolicy *self);

/* Parses the persisted restart times ("ms,ms,...", "" = none) strictly:
 * anything but positive decimal integers is an error naming the value. */
GArray *cw_restart_policy_parse(const char *text, GError **error);
char *cw_restart_policy_format(GArray *times);
/* Drops the times older than the window before now_ms. */
void cw_restart_policy_prune(const CwRestartPolicy *self, GArray *times, gint64 now_ms);
/* TRUE when one more restart is allowed; then *delay_s is the backoff. */
gboolean cw_restart_policy_allows(const CwRestartPolicy *self, GArray *times, double *delay_s);
/* "restart limit reached: 5 restarts in 10 min (last: reason)" */
char *cw_restart_policy_limit_message(const CwRestartPolicy *self, guint n, const char *last);

G_END_DECLS
