/* candlewick services: the whole package, in four rooms with one concern
 * each (docs/architecture.md, "Rooms of services"). A room includes only
 * the public headers of the rooms below it:
 *   store    cw-services-store.h    the SQLite store and writer
 *   runtime  cw-services-runtime.h  the engine: serve runtime, backtest
 *   daemon   cw-services-daemon.h   the service lifecycle, sd-notify
 *   cli      cw-services-cli.h      the commands of the executable */
#pragma once

#include "cw-services-store.h"
#include "cw-services-runtime.h"
#include "cw-services-daemon.h"
#include "cw-services-cli.h"
