#pragma once

#if !defined(CW_SERVICES_DAEMON_INSIDE) && !defined(CW_SERVICES_DAEMON_COMPILATION)
#error "Only <cw-services-daemon.h> can be included directly."
#endif

#include "cw-services-runtime.h"

G_BEGIN_DECLS

/* Everything the endpoints read; owned by the service, borrowed here. */
typedef struct {
	CwStore *store;
	CwStoreWriter *writer;
	CwStrategyManager *manager;
	CwHealthProbe *probe;              /* nullable: monitoring not built */
	const CwPromHistogram *flush_hist; /* store flush durations */
	const gboolean *started;           /* bots loaded */
} CwHttpServerEnv;

/* The service's one HTTP server (libsoup): GET /metrics (Prometheus text
 * 0.0.4), /livez, /readyz and its alias /healthz, and, when attached, the
 * control API (/api/v1, its stream and the dashboard at /) on the same
 * listener, port and TLS configuration. Runs on the main loop and answers
 * from counters and snapshots only. The health paths need no token;
 * /metrics needs a read token only after cw_http_server_set_metrics_tokens(). */
#define CW_TYPE_HTTP_SERVER (cw_http_server_get_type())
G_DECLARE_FINAL_TYPE(CwHttpServer, cw_http_server, CW, HTTP_SERVER, GObject)

#define CW_HTTP_MAX_HEADER_BYTES  16384
#define CW_HTTP_REQUEST_TIMEOUT_S 10
/* a kept-alive connection idles at most this long, as Apache's and Node's */
#define CW_HTTP_IDLE_TIMEOUT_S 5

CwHttpServer *cw_http_server_new(const CwHttpServerEnv *env);
/* The largest request line and headers taken (default
 * CW_HTTP_MAX_HEADER_BYTES); a larger request gets 431 and its body is
 * not read. */
void cw_http_server_set_max_header_bytes(CwHttpServer *self, guint max_bytes);
/* The time a client has to send a whole request, headers and body
 * (default CW_HTTP_REQUEST_TIMEOUT_S); past it the connection is closed. */
void cw_http_server_set_request_timeout(CwHttpServer *self, guint seconds);
/* Seconds a kept-alive connection may wait, after an answer, for its next
 * request to start before it is closed (default CW_HTTP_IDLE_TIMEOUT_S). */
void cw_http_server_set_idle_timeout(CwHttpServer *self, guint seconds);
/* TLS for every listener (call before cw_http_server_listen()); NULL:
 * plain HTTP. */
void cw_http_server_set_tls(CwHttpServer *self, GTlsCertificate *cert);
/* Serves api's routes, stream and dashboard on this server. */
void cw_http_server_attach_api(CwHttpServer *self, CwApi *api);
/* /metrics answers 401 without a token of role read or admin of tokens
 * (NULL: open, the default). */
void cw_http_server_set_metrics_tokens(CwHttpServer *self, CwApiTokens *tokens);
/* listen: "ADDR:PORT" (IPv4 or [IPv6]), "unix:PATH". Port 0 picks one. */
gboolean cw_http_server_listen(CwHttpServer *self, const char *listen, GError **error);
/* The bound TCP port, 0 for a Unix socket. */
guint cw_http_server_get_port(CwHttpServer *self);
/* The /metrics body (also used by the benchmark). */
char *cw_http_server_render_metrics(CwHttpServer *self, gsize *len);
/* body as a gzip stream (Content-Encoding: gzip; also used by the
 * benchmark). */
GBytes *cw_http_server_gzip(const char *data, gsize len, GError **error);

G_END_DECLS
