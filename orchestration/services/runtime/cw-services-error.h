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
	CW_SERVICES_ERROR_NOT_RUNNING, /* the bot is not loaded by this service */
	CW_SERVICES_ERROR_NO_POSITION, /* a close asked of a flat bot */
	CW_SERVICES_ERROR_REFUSED,     /* a guard or the bot's mode refused it */
} CwServicesError;

G_END_DECLS
