#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-core-types.h"

G_BEGIN_DECLS

#define CW_CORE_ERROR (cw_core_error_quark())
GQuark cw_core_error_quark(void);

typedef enum {
	CW_CORE_ERROR_FAILED,
	CW_CORE_ERROR_INVALID_ARGUMENT,
	CW_CORE_ERROR_NOT_FOUND, /* unknown implementation name */
	CW_CORE_ERROR_NOT_SUPPORTED,
	CW_CORE_ERROR_INVALID_DATA, /* bad input from a file or the network */
	CW_CORE_ERROR_REJECTED,     /* a broker or guard refused an order */
} CwCoreError;

G_END_DECLS
