/* candlewick bybit: the Bybit v5 broker ("bybit" on cw-broker), its
 * response parsers and its errors. See docs/architecture.md,
 * "features/bybit". */
#pragma once

#define CW_BYBIT_INSIDE
#include "cw-bybit-parse.h"
#include "cw-bybit-account-stream.h"
#include "cw-bybit-broker.h"
#undef CW_BYBIT_INSIDE

G_BEGIN_DECLS

/* Registers "bybit" on the cw-broker extension point. Safe to call more than once. */
void cw_bybit_register_types(void);

G_END_DECLS
