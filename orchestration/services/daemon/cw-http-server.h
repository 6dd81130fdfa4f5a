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

/* The service's HTTP server (libsoup): GET /metrics (Prometheus text
 * 0.0.4), /livez, /readyz and its alias /healthz. Runs on the main loop
 * and answers from counters and snapshots only. */
#define CW_TYPE_HTTP_SERVER (cw_http_server_get_type())
G_DECLARE_FINAL_TYPE(CwHttpServer, cw_http_server, CW, HTTP_SERVER, GObject)

CwHttpServer *cw_http_server_new(const CwHttpServerEnv *env);
/* listen: "ADDR:PORT" (IPv4 or [IPv6]), "unix:PATH". Port 0 picks one. */
gboolean cw_http_server_listen(CwHttpServer *self, const char *listen, GError **error);
/* The bound TCP port, 0 for a Unix socket. */
guint cw_http_server_get_port(CwHttpServer *self);
/* The /metrics body (also used by the benchmark). */
char *cw_http_server_render_metrics(CwHttpServer *self, gsize *len);

G_END_DECLS
