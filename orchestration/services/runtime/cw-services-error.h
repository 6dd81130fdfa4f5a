#pragma once

#if !defined(CW_SERVICES_RUNTIME_INSIDE) && !defined(CW_SERVICES_RUNTIME_COMPILATION)
#error "Only <cw-services-runtime.h> can be included directly."
#endif

#include "cw-core.h"

G_BEGIN_DECLS

#define CW_SERVICES_ERROR (cw_services_error_quark())
GQuark cw_services_error_quark(void);

typedef enum {
	CW_SERVICES_ERROR_FAILED,
	CW_SERVICES_ERROR_USAGE, /* bad command line */
	CW_SERVICES_ERROR_DATA,  /* bad market data */
	CW_SERVICES_ERROR_IO,
} CwServicesError;

G_END_DECLS
