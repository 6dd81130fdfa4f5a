/* candlewick services, the cli room: the commands of the candlewick
 * executable, a front end of the rooms below it. */
#pragma once

#include "cw-services-daemon.h"

#define CW_SERVICES_CLI_INSIDE
#include "cw-commands.h"
#include "cw-output-file.h"
#undef CW_SERVICES_CLI_INSIDE
