#pragma once

#if !defined(CW_HEALTH_INSIDE) && !defined(CW_HEALTH_COMPILATION)
#error "Only <cw-health.h> can be included directly."
#endif

#include "cw-core.h"

G_BEGIN_DECLS

/* Watches the main loop: a timer on the loop stamps the time, a thread sees
 * the stamp go stale. A block longer than block_s is counted (with its
 * duration) when the loop runs again, and the loop counts as failing from
 * the moment the thread sees it until recovery_s after it ended. */
typedef struct _CwLoopWatchdog CwLoopWatchdog;

/* Called on the main thread after a block ended, with its duration. */
typedef void (*CwLoopBlockedFunc)(double seconds, gpointer user_data);

CwLoopWatchdog *cw_loop_watchdog_new(double block_s, double recovery_s, CwLoopBlockedFunc func,
				     gpointer user_data);
void cw_loop_watchdog_free(CwLoopWatchdog *self);
/* TRUE while blocked or within recovery_s of the last block; detail says why. */
gboolean cw_loop_watchdog_is_failing(CwLoopWatchdog *self, char *detail, gsize detail_len);
guint64 cw_loop_watchdog_get_n_blocks(CwLoopWatchdog *self);
double cw_loop_watchdog_get_blocked_seconds(CwLoopWatchdog *self);

G_END_DECLS
