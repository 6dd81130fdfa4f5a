#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CW_HEALTH_ERROR (cw_health_error_quark())

typedef enum {
	CW_HEALTH_ERROR_STATE, /* a persisted value cannot be read */
	CW_HEALTH_ERROR_IO,    /* /proc or the file system */
} CwHealthError;

GQuark cw_health_error_quark(void);

G_END_DECLS
