#pragma once

#if !defined(CW_STRATEGIES_INSIDE) && !defined(CW_STRATEGIES_COMPILATION)
#error "Only <cw-strategies.h> can be included directly."
#endif

#include "cw-core.h"

G_BEGIN_DECLS

#define CW_STRATEGIES_ERROR (cw_strategies_error_quark())
GQuark cw_strategies_error_quark(void);

typedef enum {
	CW_STRATEGIES_ERROR_FAILED,
	CW_STRATEGIES_ERROR_UNKNOWN_INDICATOR,
	CW_STRATEGIES_ERROR_INVALID_PARAMETER,
} CwStrategiesError;

/* Registers the strategy types of this package (composite) on the
 * cw-strategy extension point. Idempotent. */
void cw_strategies_register_types(void);

G_END_DECLS
