#include "cw-services-daemon.h"

CwHttpRoute
cw_http_route(const char *method, const char *path, guint *status)
{
	static const struct {
		const char *path;
		CwHttpRoute route;
	} routes[] = {
	    {"/metrics", CW_HTTP_ROUTE_METRICS},
	    {"/livez", CW_HTTP_ROUTE_LIVEZ},
	    {"/readyz", CW_HTTP_ROUTE_READYZ},
	    {"/healthz", CW_HTTP_ROUTE_READYZ},
	};
	CwHttpRoute route = CW_HTTP_ROUTE_NONE;

	for (guint i = 0; path != NULL && i < G_N_ELEMENTS(routes); i++) {
		if (g_strcmp0(path, routes[i].path) == 0)
			route = routes[i].route;
	}
	if (route == CW_HTTP_ROUTE_NONE) {
		*status = 404;
		return route;
	}
	if (g_strcmp0(method, "GET") != 0 && g_strcmp0(method, "HEAD") != 0) {
		*status = 405;
		return CW_HTTP_ROUTE_NONE;
	}
	*status = 200;
	return route;
}
