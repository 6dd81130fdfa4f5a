/* candlewick guardrails: the trading gates and the session guard. Each gate
 * implements CwGuard and is registered on CW_EXTENSION_POINT_GUARD under the
 * name of its key in a bot's "guardrails" section (see README.md). */
#pragma once

#define CW_GUARDRAILS_INSIDE
#include "cw-guardrails-error.h"
#undef CW_GUARDRAILS_INSIDE

G_BEGIN_DECLS

/* Registers every gate on CW_EXTENSION_POINT_GUARD (after
 * cw_extension_points_register()). Idempotent and thread safe. */
void cw_guardrails_register_types(void);

G_END_DECLS
