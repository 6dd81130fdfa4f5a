/* candlewick core: domain types, events, clocks, logging, metrics and the
 * GObject interfaces that the other packages plug into. */
#pragma once

#define CW_CORE_INSIDE
#include "cw-core-types.h"
#include "cw-core-error.h"
#include "cw-domain.h"
#include "cw-event.h"
#include "cw-event-bus.h"
#include "cw-clock.h"
#include "cw-backoff.h"
#include "cw-log.h"
#include "cw-json-writer.h"
#include "cw-metric-registry.h"
#include "cw-extensions.h"
#include "cw-strategy.h"
#include "cw-broker.h"
#include "cw-guard.h"
#include "cw-candle-history.h"
#include "cw-candle-source.h"
#include "cw-jitter-backoff.h"
#include "cw-token-bucket.h"
#include "cw-market-feed.h"
#include "cw-notifier.h"
#include "cw-prom.h"
#include "cw-health-host.h"
#include "cw-health-probe.h"
#include "cw-service-context.h"
#include "cw-state-blob.h"
#undef CW_CORE_INSIDE
