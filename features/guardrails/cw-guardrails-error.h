#pragma once

#if !defined(CW_GUARDRAILS_INSIDE) && !defined(CW_GUARDRAILS_COMPILATION)
#error "Only <cw-guardrails.h> can be included directly."
#endif

#include "cw-core.h"

G_BEGIN_DECLS

/* Configuration mistakes are reported in CW_CONFIG_ERROR with the JSON path;
 * this domain covers the rest. */
#define CW_GUARDRAILS_ERROR (cw_guardrails_error_quark())
GQuark cw_guardrails_error_quark(void);

typedef enum {
	CW_GUARDRAILS_ERROR_FAILED,
	CW_GUARDRAILS_ERROR_STATE, /* a saved state document is malformed */
} CwGuardrailsError;

G_END_DECLS
