/* candlewick net: libsoup glue shared by the exchange features (market data
 * feeds, exchange brokers): a reconnecting WebSocket client, a REST GET
 * with retries and a listening socket with a real accept backlog (for the
 * exchange simulator and the HTTP server). See docs/architecture.md, "The net package". */
#pragma once

#define CW_NET_INSIDE
#include "cw-net-error.h"
#include "cw-net-listen.h"
#include "cw-ws-client.h"
#include "cw-rest.h"
#include "cw-bybit-sign.h"
#undef CW_NET_INSIDE
