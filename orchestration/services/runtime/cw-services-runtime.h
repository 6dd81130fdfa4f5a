/* candlewick services, the runtime room: the engine. The strategy manager,
 * bot runtimes, feed hub and orchestrator cache of `serve`, the backtest
 * runner and its report, and the bot admin calls shared by the commands
 * and the service. Stores through the store room; knows no front end. */
#pragma once

#include "cw-services-store.h"

#define CW_SERVICES_RUNTIME_INSIDE
#include "cw-services-error.h"
#include "cw-orchestrator-cache.h"
#include "cw-retry-poller.h"
#include "cw-order-journal.h"
#include "cw-bot-runtime.h"
#include "cw-feed-hub.h"
#include "cw-store-candle-history.h"
#include "cw-bot-admin.h"
#include "cw-strategy-manager.h"
#include "cw-runtime-health.h"
#include "cw-notification-worker.h"
#include "cw-notification-commands.h"
#include "cw-equity-stats.h"
#include "cw-backtest-report.h"
#include "cw-backtest.h"
#undef CW_SERVICES_RUNTIME_INSIDE
