#pragma once

#if !defined(CW_SERVICES_DAEMON_INSIDE) && !defined(CW_SERVICES_DAEMON_COMPILATION)
#error "Only <cw-services-daemon.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
	CW_HTTP_ROUTE_NONE, /* status says 404 or 405 */
	CW_HTTP_ROUTE_METRICS,
	CW_HTTP_ROUTE_LIVEZ,
	CW_HTTP_ROUTE_READYZ, /* also /healthz */
} CwHttpRoute;

/* Maps a request line to a route, pure and total: any method and path
 * (NULL too) give a route or a 4xx status in *status (200 for a route). */
CwHttpRoute cw_http_route(const char *method, const char *path, guint *status);

G_END_DECLS
