#pragma once

#if !defined(CW_SERVICES_DAEMON_INSIDE) && !defined(CW_SERVICES_DAEMON_COMPILATION)
#error "Only <cw-services-daemon.h> can be included directly."
#endif

#include "cw-services-runtime.h"

G_BEGIN_DECLS

typedef struct {
	double poll_interval_s;         /* hot reload, default 2 */
	double heartbeat_interval_s;    /* default 10 */
	double metrics_interval_s;      /* default 60 */
	double flush_interval_s;        /* store writer, default 0.25 */
	double shutdown_timeout_s;      /* default 10 */
	guint max_cached_orchestrators; /* 0: no cap */
	guint store_max_page_count;     /* "store": {"max_page_count"}, 0: no cap */
	gboolean exit_when_idle;
	char http_listen[256];     /* "127.0.0.1:8080" (default), "unix:PATH" or "off" */
	char http_port_file[1024]; /* "" or a file the bound port is written to */
	/* the one HTTP server's TLS and CORS ("http.tls_cert", "http.tls_key",
	 * "http.cors_origins", '\n'-separated here; "" for none) */
	char http_tls_cert[1024];
	char http_tls_key[1024];
	char http_cors_origins[4096];
	guint http_max_header_bytes;  /* "http.max_header_bytes", default 16384 */
	guint http_request_timeout_s; /* "http.request_timeout_s", default 10 */
	guint http_idle_timeout_s;    /* "http.idle_timeout_s", default 5 */
	gboolean http_metrics_auth;   /* "http.metrics_auth": /metrics needs a read token */
	/* the control API on that server: off without a token file */
	char api_token_file[1024]; /* "api.token_file" */
	guint api_max_body_bytes;  /* "api.max_body_bytes", default 262144 */
	guint api_stream_queue;    /* "api.stream_queue", default 10000 */
	guint api_auth_burst;      /* "api.auth_burst", default 5 */
} CwServiceOptions;

void cw_service_options_init(CwServiceOptions *options);
/* Reads a service config file (see docs/configuration.md, "Service
 * config"); its "guardrails" object goes to the service context as
 * service-wide limits. Errors name the JSON path. */
gboolean cw_service_options_load(CwServiceOptions *options, const char *path, GError **error);
/* Sets one key of the service config (e.g. "poll_interval_s") from a
 * command-line value, through the same validation as the file. */
gboolean cw_service_options_set_double(CwServiceOptions *options, const char *key, double value,
				       GError **error);
/* Sets "SECTION.KEY" (e.g. "http.tls_cert") from a command-line value,
 * through the same validation as the file; value is taken. */
gboolean cw_service_options_set_member(CwServiceOptions *options, const char *key, JsonNode *value,
				       GError **error);

/* `candlewick serve`: every enabled bot of the database in one process,
 * with hot reload, crash recovery, heartbeats and graceful shutdown. */
#define CW_TYPE_SERVICE (cw_service_get_type())
G_DECLARE_FINAL_TYPE(CwService, cw_service, CW, SERVICE, GObject)

CwService *cw_service_new(const char *db_path, const CwServiceOptions *options, GError **error);
/* Runs the main loop until a signal or, with exit_when_idle, until no bot
 * runs. Returns the exit status. */
int cw_service_run(CwService *self);
/* Asks the loop to shut down gracefully (what SIGTERM does). */
void cw_service_shutdown(CwService *self);
/* Re-reads the table now (what SIGHUP does). */
void cw_service_reload(CwService *self);
CwStrategyManager *cw_service_get_manager(CwService *self);
/* The service's store connection (the control API reads and writes it). */
CwStore *cw_service_get_store(CwService *self);
/* Loads the bots and starts their feeds without running the loop (the
 * benchmarks time this); cw_service_run() does it itself otherwise. */
gboolean cw_service_start(CwService *self, GError **error);

/* The GET /metrics body as the HTTP server would answer now. */
char *cw_service_render_metrics(CwService *self, gsize *len);

G_END_DECLS
