/* candlewick services, the daemon room: the service lifecycle (CwService:
 * main loop, signals, hot reload, graceful shutdown) and systemd
 * notification. It drives the runtime room and turns what reaches the
 * process from outside into the runtime's calls. */
#pragma once

#include "cw-services-runtime.h"

#define CW_SERVICES_DAEMON_INSIDE
#include "cw-sd-notify.h"
#include "cw-service.h"
#include "cw-http-route.h"
#include "cw-api-tokens.h"
#include "cw-api-stream.h"
#include "cw-api-slicer.h"
#include "cw-api.h"
#include "cw-http-server.h"
#undef CW_SERVICES_DAEMON_INSIDE
