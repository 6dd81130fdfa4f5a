/* CwApi: the control API (/api/v1), its event stream and the dashboard,
 * attached to the service's one HTTP server (CwHttpServer, which owns the
 * listener and TLS).
 *
 * The handlers only translate requests into calls of the runtime's own
 * API (cw-bot-admin.h, the store's read functions): the CLI makes the same
 * calls. After a change they call the reload function so that the running
 * service applies it at once (the service's store connection wrote it, so
 * its poll of PRAGMA data_version would not notice).
 *
 * Every route but the dashboard's static files needs a bearer token of the
 * token file (cw-api-tokens.h): reads need the role read, changes admin.
 * Every change is journalled as an AUDIT event.
 */
#pragma once

#if !defined(CW_SERVICES_DAEMON_INSIDE) && !defined(CW_SERVICES_DAEMON_COMPILATION)
#error "Only <cw-services-daemon.h> can be included directly."
#endif

#include <libsoup/soup.h>

#include "cw-api-tokens.h"
#include "cw-services-store.h"

G_BEGIN_DECLS

#define CW_API_MAX_BODY_BYTES (256 * 1024)

typedef void (*CwApiReloadFunc)(gpointer user_data);

typedef struct {
	const char *method;
	const char *pattern; /* below /api/v1, "{name}" is a path segment */
} CwApiRouteInfo;

#define CW_TYPE_API (cw_api_get_type())
G_DECLARE_FINAL_TYPE(CwApi, cw_api, CW, API, GObject)

/* store: the service's; tokens: the token file (required: without one the
 * API is off). */
CwApi *cw_api_new(CwStore *store, CwApiTokens *tokens);
void cw_api_set_reload_func(CwApi *self, CwApiReloadFunc func, gpointer user_data);
/* The running service's bots, for POST /bots/{name}/close (without it a
 * close is left as a request in the store, cw_bot_admin_request_close()). */
void cw_api_set_manager(CwApi *self, CwStrategyManager *manager);
/* Origins (e.g. "https://ops.example") answered with CORS headers; none
 * (the default) sends no CORS header at all. */
void cw_api_set_cors_origins(CwApi *self, const char *const *origins);
/* Stream tuning: the most events a client may be behind while its socket
 * takes no more (default 10000), and the ping interval (default 15 s; a
 * peer silent for 3 intervals is closed). */
void cw_api_set_stream_limits(CwApi *self, guint max_queue, double ping_interval_s);
/* Failed logins one address may make in a burst (default 5); one more is
 * allowed every 2 s, past that the API answers 429 with Retry-After. */
void cw_api_set_auth_burst(CwApi *self, guint burst);
/* The largest request body taken (default CW_API_MAX_BODY_BYTES); a
 * larger one gets 413 before it is read. */
void cw_api_set_max_body_bytes(CwApi *self, guint max_bytes);
/* Registers /api/v1 (with /api/v1/stream) and the dashboard at / . */
void cw_api_attach(CwApi *self, SoupServer *server);

/* The parsers of what a client sends, for the handlers and the fuzz
 * target: a decimal integer in [min, max] (a query parameter), and the
 * body of POST /bots/{name}/switch, {"strategy": ID} (returns ID, or NULL
 * with *detail naming the JSON path). */
gboolean cw_api_parse_int(const char *text, gint64 min, gint64 max, gint64 *out);
char *cw_api_parse_switch(const char *data, gsize len, char **detail);

/* The routes, for the OpenAPI check; n receives their number. */
const CwApiRouteInfo *cw_api_get_routes(guint *n);

/* Streams closed because the client was too slow. */
guint64 cw_api_get_n_slow_closes(CwApi *self);

G_END_DECLS
