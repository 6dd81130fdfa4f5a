#pragma once

#if !defined(CW_EXECUTION_INSIDE) && !defined(CW_EXECUTION_COMPILATION)
#error "Only <cw-execution.h> can be included directly."
#endif

#include "cw-core.h"
#include "cw-config.h"

G_BEGIN_DECLS

#define CW_EXECUTION_ERROR (cw_execution_error_quark())
GQuark cw_execution_error_quark(void);

typedef enum {
	CW_EXECUTION_ERROR_FAILED,
	CW_EXECUTION_ERROR_INVALID_ORDER, /* a broker refused a malformed order */
	CW_EXECUTION_ERROR_CAPACITY,      /* a fixed-size table is full */
	CW_EXECUTION_ERROR_NOT_FOUND,     /* unknown client order id */
	CW_EXECUTION_ERROR_CONFIG,        /* inconsistent configuration */
	CW_EXECUTION_ERROR_NO_POSITION,   /* a close asked of a flat bot */
	CW_EXECUTION_ERROR_REFUSED,       /* a guard or the bot's mode refused the order */
} CwExecutionError;

/* Registers the implementations of this package on the core extension
 * points: the "paper" broker. Idempotent and thread safe. */
void cw_execution_register_types(void);

G_END_DECLS
