#pragma once

#if !defined(CW_SERVICES_RUNTIME_INSIDE) && !defined(CW_SERVICES_RUNTIME_COMPILATION)
#error "Only <cw-services-runtime.h> can be included directly."
#endif

#include "cw-execution.h"

G_BEGIN_DECLS

/* Runs an orchestrator's time-based work (retries, the entry timeout,
 * lookups of unknown outcomes) on the wall clock in serve. A bot whose
 * broker matches on candles (the paper broker) keeps the candles' time, as
 * in a backtest, so that its replay stays deterministic; a bot on a venue
 * broker is given the wall clock, and one main-loop timeout, armed for the
 * orchestrator's next wakeup only while it has one, calls
 * cw_trading_orchestrator_poll() when it falls due. Nothing runs for a bot
 * with nothing pending. */
typedef struct _CwRetryPoller CwRetryPoller;

CwRetryPoller *cw_retry_poller_new(void);
void cw_retry_poller_free(CwRetryPoller *self);
/* Gives orch the wall clock when its broker is not simulated on candles,
 * and follows it from then on (instead of the one followed before).
 * Returns TRUE when it did; FALSE leaves orch as it was and the poller
 * idle. */
gboolean cw_retry_poller_adopt(CwRetryPoller *self, CwTradingOrchestrator *orch);
/* Lets go of the orchestrator it follows, if any, and of its timeout. */
void cw_retry_poller_release(CwRetryPoller *self);
/* Arms (or moves, or removes) the timeout for the followed orchestrator's
 * next wakeup; call it after anything that may have scheduled work: a
 * candle, a report. Cheap when nothing changed. */
void cw_retry_poller_arm(CwRetryPoller *self);
/* ms of the wakeup the timeout is armed for; G_MAXINT64 when none. */
gint64 cw_retry_poller_get_armed(CwRetryPoller *self);
/* How many times the timeout polled. */
guint64 cw_retry_poller_get_n_polls(CwRetryPoller *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwRetryPoller, cw_retry_poller_free)

G_END_DECLS
