/* libFuzzer target: the HTTP server's request routing (cw_http_route).
 * Input: "METHOD PATH", split at the first space; any bytes. It links the
 * services package (tests/fuzz/meson.build).
 * Property: total, and every answer is a route with 200 or none with a
 * 4xx status. */
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cw-services.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *text = g_strndup((const char *) data, size);
	char *space = strchr(text, ' ');
	const char *method = text;
	const char *path = NULL;
	guint status = 0;
	CwHttpRoute route;

	if (space != NULL) {
		*space = '\0';
		path = space + 1;
	}
	route = cw_http_route(method, path, &status);
	if (route == CW_HTTP_ROUTE_NONE ? (status != 404 && status != 405) : status != 200)
		abort();
	return 0;
}
