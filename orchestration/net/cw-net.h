/* candlewick net: libsoup glue shared by the exchange features (market data
 * feeds, exchange brokers): a reconnecting WebSocket client and a REST GET
 * with retries. See docs/architecture.md, "The net package". */
#pragma once

#define CW_NET_INSIDE
#include "cw-net-error.h"
#include "cw-ws-client.h"
#include "cw-rest.h"
#include "cw-bybit-sign.h"
#undef CW_NET_INSIDE
