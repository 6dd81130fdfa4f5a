#pragma once

#if !defined(CW_NET_INSIDE) && !defined(CW_NET_COMPILATION)
#error "Only <cw-net.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

#define CW_NET_ERROR (cw_net_error_quark())

typedef enum {
	CW_NET_ERROR_FAILED,
	CW_NET_ERROR_HTTP,      /* an HTTP status that is not a success */
	CW_NET_ERROR_GAVE_UP,   /* retries exhausted */
	CW_NET_ERROR_CANCELLED, /* stopped by the caller */
	CW_NET_ERROR_NO_ANSWER, /* a POST got no answer: it may have reached the server */
} CwNetError;

GQuark cw_net_error_quark(void);

G_END_DECLS
