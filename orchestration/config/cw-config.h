/* candlewick config: bot and strategy configuration, JSON to typed structs,
 * validation with JSON paths, merging and profiles. */
#pragma once

#define CW_CONFIG_INSIDE
#include "cw-config-types.h"
#include "cw-config-reader.h"
#include "cw-json.h"
#include "cw-bot-config.h"
#undef CW_CONFIG_INSIDE
