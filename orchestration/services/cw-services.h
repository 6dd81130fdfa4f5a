/* candlewick services: the SQLite store, the runners (backtest, serve) and
 * the commands of the candlewick executable. */
#pragma once

#define CW_SERVICES_INSIDE
#include "cw-services-error.h"
#include "cw-commands.h"
#include "cw-store.h"
#include "cw-sd-notify.h"
#include "cw-store-outbox.h"
#include "cw-outbox-router.h"
#include "cw-notification-worker.h"
#include "cw-notification-commands.h"
#undef CW_SERVICES_INSIDE
