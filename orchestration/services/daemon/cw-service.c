#include "cw-services-daemon.h"

#include <glib-unix.h>
#include <signal.h>

struct _CwService {
	GObject parent_instance;
	CwServiceOptions options;
	CwStore *store;
	CwStoreWriter *writer;
	CwOrchestratorCache *cache;
	CwStrategyManager *manager;
	CwNotificationWorker *notifications; /* nullable: none configured */
	GMainLoop *loop;
	GPtrArray *sources; /* source ids */
	gint64 data_version;
	gboolean stopping;
	gboolean started;
	int status;
	/* the shutdown's timeout and work, once armed; each removes itself */
	guint timeout_id;
	guint finish_id;
	/* the rest of a flush round, in slices between candles (0: none) */
	guint slice_id;
	/* failed flushes: the first is logged, the repeats every 10 s */
	guint flush_failures;
	gint64 flush_failing_since_us;
	gint64 flush_logged_us;
	guint flush_failures_logged;
	/* backpressure of a speed-0 replay (cw_service_backlog()) */
	gboolean backlog_held;
	guint backlog_asked;
	CwRuntimeHealth *health_host;
	CwHealthProbe *probe;
	CwHttpServer *http;
	CwPromHistogram flush_hist;
	CwStoreCheckpointer *checkpointer; /* nullable: checkpoints in commits */
	/* the control API on the HTTP server: read at start-up, so that a bad
	 * token file or certificate stops the service before a bot runs */
	CwApiTokens *api_tokens;   /* nullable: no api.token_file */
	GTlsCertificate *tls_cert; /* nullable: plain HTTP */
};

static gboolean cw_service_backlog(gpointer user_data);

/* Writes kept in memory while the database takes none; past this the
 * service stops (exit 1) instead of growing without bound. */
#define CW_SERVICE_MAX_PENDING_WRITES 200000
#define CW_SERVICE_FLUSH_LOG_US       (10 * G_USEC_PER_SEC)
/* How long one slice of the periodic flush applies bots' queues before it
 * commits and lets the main loop take a candle. */
#define CW_SERVICE_FLUSH_SLICE_US 1000
/* A replay at speed 0 waits while the bots' queued writes pass this many
 * per running bot (a writer reuses 64 applied writes: past them every
 * write is a fresh allocation on the candle path), and asks again only
 * every CW_SERVICE_BACKLOG_EVERY candles while it runs. */
#define CW_SERVICE_BACKLOG_PER_BOT 32
#define CW_SERVICE_BACKLOG_EVERY   16
/* WAL checkpoints on their own thread, this often. */
#define CW_SERVICE_CHECKPOINT_MS 1000

G_DEFINE_FINAL_TYPE(CwService, cw_service, G_TYPE_OBJECT)

void
cw_service_options_init(CwServiceOptions *options)
{
	*options = (CwServiceOptions){
	    .poll_interval_s = 2,
	    .heartbeat_interval_s = 10,
	    .metrics_interval_s = 60,
	    .flush_interval_s = 0.25,
	    .shutdown_timeout_s = 10,
	    .http_listen = "127.0.0.1:8080",
	    .http_max_header_bytes = CW_HTTP_MAX_HEADER_BYTES,
	    .http_request_timeout_s = CW_HTTP_REQUEST_TIMEOUT_S,
	    .http_idle_timeout_s = CW_HTTP_IDLE_TIMEOUT_S,
	    .api_max_body_bytes = 256 * 1024,
	    .api_stream_queue = 10000,
	    .api_auth_burst = 5,
	};
}

/* "health": numbers copied to the service context as "health.<key>". */
static gboolean
cw_service_options_parse_health(JsonObject *obj, GError **error)
{
	static const char *const known[] = {"check_interval_s",
					    "stall_intervals",
					    "stall_timeout_s",
					    "heartbeat_limit_s",
					    "restart_burst",
					    "restart_interval_s",
					    "restart_backoff_initial_s",
					    "restart_backoff_max_s",
					    "restart_backoff_factor",
					    "watchdog_block_s",
					    "watchdog_recovery_s",
					    "sample_interval_s",
					    "rss_max_bytes",
					    "rss_growth_max_bytes_per_hour",
					    "fds_max",
					    "disk_free_min_bytes",
					    NULL};
	CwServiceContext *ctx = cw_service_context_get_default();
	JsonObject *health = NULL;

	if (!cw_config_read_object(obj, "", "health", &health, error))
		return FALSE;
	if (health == NULL)
		return TRUE;
	if (!cw_config_check_keys(health, "health", known, error))
		return FALSE;
	for (guint i = 0; known[i] != NULL; i++) {
		g_autofree char *key = g_strconcat("health.", known[i], NULL);
		double v;
		if (!json_object_has_member(health, known[i]))
			continue;
		if (!cw_config_read_double(health, "health", known[i], 0, 0, 1e15, &v, error))
			return FALSE;
		cw_service_context_set_setting(ctx, key, g_variant_new_double(v));
	}
	return TRUE;
}

/* A string of at most size - 1 bytes into dst; "" is refused when
 * !allow_empty. Absent keys leave dst as it is. */
static gboolean
cw_service_options_read_text(JsonObject *obj, const char *path, const char *key, char *dst,
			     gsize size, gboolean allow_empty, const char *what, GError **error)
{
	const char *value = NULL;

	if (!json_object_has_member(obj, key))
		return TRUE;
	if (!cw_config_read_string(obj, path, key, NULL, &value, error))
		return FALSE;
	if (strlen(value) >= size || (!allow_empty && value[0] == '\0') ||
	    strchr(value, '\n') != NULL)
		return cw_config_error_at(error, CW_CONFIG_ERROR_RANGE, path, key,
					  "expected %s (at most %zu bytes)", what, size - 1);
	g_strlcpy(dst, value, size);
	return TRUE;
}

/* "http.cors_origins": ["https://ops.example", ...], kept '\n'-separated. */
static gboolean
cw_service_options_read_origins(CwServiceOptions *options, JsonObject *http, GError **error)
{
	JsonArray *list = NULL;
	g_autoptr(GString) joined = g_string_new(NULL);

	if (!cw_config_read_array(http, "http", "cors_origins", 0, 64, &list, error))
		return FALSE;
	if (list == NULL)
		return TRUE;
	for (guint i = 0; i < json_array_get_length(list); i++) {
		JsonNode *node = json_array_get_element(list, i);
		g_autofree char *at = g_strdup_printf("http.cors_origins[%u]", i);
		const char *o;

		if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
			return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, at, NULL,
						  "expected a string, got %s",
						  cw_config_node_describe(node));
		o = json_node_get_string(node);
		if ((!g_str_has_prefix(o, "https://") && !g_str_has_prefix(o, "http://")) ||
		    strpbrk(o + 8, "/ \t\r\n") != NULL || strlen(o) > 255)
			return cw_config_error_at(
			    error, CW_CONFIG_ERROR_RANGE, at, NULL,
			    "expected an origin like \"https://ops.example:8443\" (scheme, host, "
			    "optional port, no path)");
		if (joined->len > 0)
			g_string_append_c(joined, '\n');
		g_string_append(joined, o);
	}
	if (joined->len >= sizeof options->http_cors_origins)
		return cw_config_error_at(error, CW_CONFIG_ERROR_RANGE, "http", "cors_origins",
					  "the origins are longer than %zu bytes in all",
					  sizeof options->http_cors_origins - 1);
	g_strlcpy(options->http_cors_origins, joined->str, sizeof options->http_cors_origins);
	return TRUE;
}

static gboolean
cw_service_options_parse_http(CwServiceOptions *options, JsonObject *obj, GError **error)
{
	static const char *const known[] = {"listen",           "port_file",
					    "tls_cert",         "tls_key",
					    "cors_origins",     "metrics_auth",
					    "max_header_bytes", "request_timeout_s",
					    "idle_timeout_s",   NULL};
	JsonObject *http = NULL;

	if (!cw_config_read_object(obj, "", "http", &http, error))
		return FALSE;
	if (http == NULL)
		return TRUE;
	return cw_config_check_keys(http, "http", known, error) &&
	       cw_service_options_read_text(http, "http", "listen", options->http_listen,
					    sizeof options->http_listen, FALSE,
					    "\"ADDR:PORT\", \"unix:PATH\" or \"off\"", error) &&
	       cw_service_options_read_text(http, "http", "port_file", options->http_port_file,
					    sizeof options->http_port_file, TRUE, "a file name",
					    error) &&
	       cw_service_options_read_text(http, "http", "tls_cert", options->http_tls_cert,
					    sizeof options->http_tls_cert, TRUE,
					    "a PEM certificate file", error) &&
	       cw_service_options_read_text(http, "http", "tls_key", options->http_tls_key,
					    sizeof options->http_tls_key, TRUE,
					    "a PEM private key file", error) &&
	       cw_service_options_read_origins(options, http, error) &&
	       cw_config_read_bool(http, "http", "metrics_auth", options->http_metrics_auth,
				   &options->http_metrics_auth, error) &&
	       cw_config_read_uint(http, "http", "max_header_bytes", options->http_max_header_bytes,
				   1024, 1024 * 1024, &options->http_max_header_bytes, error) &&
	       cw_config_read_uint(http, "http", "request_timeout_s",
				   options->http_request_timeout_s, 1, 3600,
				   &options->http_request_timeout_s, error) &&
	       cw_config_read_uint(http, "http", "idle_timeout_s", options->http_idle_timeout_s, 1,
				   3600, &options->http_idle_timeout_s, error);
}

/* "api": the control API on the HTTP server. */
static gboolean
cw_service_options_parse_api(CwServiceOptions *options, JsonObject *obj, GError **error)
{
	static const char *const known[] = {"token_file", "max_body_bytes", "stream_queue",
					    "auth_burst", NULL};
	JsonObject *api = NULL;

	if (!cw_config_read_object(obj, "", "api", &api, error))
		return FALSE;
	if (api == NULL)
		return TRUE;
	return cw_config_check_keys(api, "api", known, error) &&
	       cw_service_options_read_text(api, "api", "token_file", options->api_token_file,
					    sizeof options->api_token_file, TRUE, "a file name",
					    error) &&
	       cw_config_read_uint(api, "api", "max_body_bytes", options->api_max_body_bytes, 1024,
				   64 * 1024 * 1024, &options->api_max_body_bytes, error) &&
	       cw_config_read_uint(api, "api", "stream_queue", options->api_stream_queue, 1,
				   10000000, &options->api_stream_queue, error) &&
	       cw_config_read_uint(api, "api", "auth_burst", options->api_auth_burst, 1, 1000000,
				   &options->api_auth_burst, error);
}

static gboolean
cw_service_options_parse(CwServiceOptions *options, JsonObject *obj, GError **error)
{
	static const char *const known[] = {"poll_interval_s",
					    "heartbeat_interval_s",
					    "metrics_interval_s",
					    "flush_interval_s",
					    "shutdown_timeout_s",
					    "max_cached_orchestrators",
					    "guardrails",
					    "store",
					    "health",
					    "http",
					    "api",
					    "notifications",
					    NULL};
	static const char *const known_guards[] = {"max_positions_total", "max_exposure_pct", NULL};
	static const char *const known_store[] = {"max_page_count", NULL};
	CwServiceContext *ctx = cw_service_context_get_default();
	JsonObject *guards = NULL;
	JsonObject *store = NULL;
	double v;
	guint u;

	if (!cw_config_check_keys(obj, "", known, error) ||
	    !cw_config_read_double(obj, "", "poll_interval_s", options->poll_interval_s, 0.05, 3600,
				   &options->poll_interval_s, error) ||
	    !cw_config_read_double(obj, "", "heartbeat_interval_s", options->heartbeat_interval_s,
				   0.1, 3600, &options->heartbeat_interval_s, error) ||
	    !cw_config_read_double(obj, "", "metrics_interval_s", options->metrics_interval_s, 0.1,
				   86400, &options->metrics_interval_s, error) ||
	    !cw_config_read_double(obj, "", "flush_interval_s", options->flush_interval_s, 0.01, 60,
				   &options->flush_interval_s, error) ||
	    !cw_config_read_double(obj, "", "shutdown_timeout_s", options->shutdown_timeout_s, 0,
				   3600, &options->shutdown_timeout_s, error) ||
	    !cw_config_read_uint(obj, "", "max_cached_orchestrators",
				 options->max_cached_orchestrators, 0, 10000000,
				 &options->max_cached_orchestrators, error) ||
	    !cw_config_read_object(obj, "", "guardrails", &guards, error) ||
	    !cw_config_read_object(obj, "", "store", &store, error) ||
	    !cw_service_options_parse_health(obj, error) ||
	    !cw_service_options_parse_http(options, obj, error) ||
	    !cw_service_options_parse_api(options, obj, error) ||
	    !cw_notification_worker_read_config(obj, error))
		return FALSE;
	if (store != NULL &&
	    (!cw_config_check_keys(store, "store", known_store, error) ||
	     !cw_config_read_uint(store, "store", "max_page_count", options->store_max_page_count,
				  0, G_MAXINT32, &options->store_max_page_count, error)))
		return FALSE;
	if (guards == NULL)
		return TRUE;
	if (!cw_config_check_keys(guards, "guardrails", known_guards, error))
		return FALSE;
	if (json_object_has_member(guards, "max_positions_total")) {
		if (!cw_config_read_uint(guards, "guardrails", "max_positions_total", 0, 1, 1000000,
					 &u, error))
			return FALSE;
		cw_service_context_set_setting(ctx, "guardrails.max_positions_total",
					       g_variant_new_uint32(u));
	}
	if (json_object_has_member(guards, "max_exposure_pct")) {
		if (!cw_config_read_double(guards, "guardrails", "max_exposure_pct", 0, 0.001,
					   100000, &v, error))
			return FALSE;
		cw_service_context_set_setting(ctx, "guardrails.max_exposure_pct",
					       g_variant_new_double(v));
	}
	return TRUE;
}

gboolean
cw_service_options_load(CwServiceOptions *options, const char *path, GError **error)
{
	/* messages start with path */
	g_autoptr(JsonNode) root =
	    cw_json_parse_file(path, CW_JSON_MAX_CONFIG_FILE, CW_JSON_PARSE_DEFAULT, error);

	if (root == NULL)
		return FALSE;
	if (!JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_TYPE,
			    "%s: expected a JSON object", path);
		return FALSE;
	}
	if (!cw_service_options_parse(options, json_node_get_object(root), error)) {
		g_prefix_error(error, "%s: ", path);
		return FALSE;
	}
	return TRUE;
}

/**
 * cw_service_options_set_double:
 * @key: a number key of the service config, e.g. "poll_interval_s"
 *
 * Command-line values go through cw_service_options_parse(), like the
 * file's, so both accept and refuse the same values.
 */
gboolean
cw_service_options_set_double(CwServiceOptions *options, const char *key, double value,
			      GError **error)
{
	g_autoptr(JsonObject) obj = json_object_new();

	json_object_set_double_member(obj, key, value);
	return cw_service_options_parse(options, obj, error);
}

gboolean
cw_service_options_set_member(CwServiceOptions *options, const char *key, JsonNode *value,
			      GError **error)
{
	g_autoptr(JsonObject) obj = json_object_new();
	g_autoptr(JsonObject) section = json_object_new();
	const char *dot = strchr(key, '.');
	g_autofree char *name = dot != NULL ? g_strndup(key, (gsize) (dot - key)) : NULL;

	if (dot == NULL) {
		json_object_set_member(obj, key, value);
		return cw_service_options_parse(options, obj, error);
	}
	json_object_set_member(section, dot + 1, value);
	json_object_set_object_member(obj, name, json_object_ref(section));
	return cw_service_options_parse(options, obj, error);
}

static void
cw_service_dispose(GObject *object)
{
	CwService *self = CW_SERVICE(object);

	if (self->sources != NULL) {
		for (guint i = 0; i < self->sources->len; i++)
			g_source_remove(GPOINTER_TO_UINT(g_ptr_array_index(self->sources, i)));
		g_clear_pointer(&self->sources, g_ptr_array_unref);
	}
	g_clear_handle_id(&self->timeout_id, g_source_remove);
	g_clear_handle_id(&self->finish_id, g_source_remove);
	g_clear_handle_id(&self->slice_id, g_source_remove);
	g_clear_object(&self->http);
	g_clear_object(&self->api_tokens);
	g_clear_object(&self->tls_cert);
	if (self->probe != NULL)
		cw_health_probe_stop(self->probe);
	g_clear_object(&self->probe);
	g_clear_object(&self->health_host);
	g_clear_object(&self->notifications);
	g_clear_object(&self->manager);
	g_clear_pointer(&self->cache, cw_orchestrator_cache_free);
	g_clear_pointer(&self->writer, cw_store_writer_free);
	g_clear_pointer(&self->checkpointer, cw_store_checkpointer_free);
	g_clear_object(&self->store);
	g_clear_pointer(&self->loop, g_main_loop_unref);
	G_OBJECT_CLASS(cw_service_parent_class)->dispose(object);
}

static void
cw_service_class_init(CwServiceClass *klass)
{
	G_OBJECT_CLASS(klass)->dispose = cw_service_dispose;
}

static void
cw_service_init(CwService *self)
{
	self->sources = g_ptr_array_new();
	self->loop = g_main_loop_new(NULL, FALSE);
}

static gboolean cw_service_sighup_cb(gpointer user_data);
static gboolean cw_service_sigterm_cb(gpointer user_data);

/* Installed before anything else, so that a signal during start-up is
 * queued for the loop and never takes the default action (death). */
static void
cw_service_add_signals(CwService *self)
{
	g_ptr_array_add(self->sources,
			GUINT_TO_POINTER(g_unix_signal_add(SIGHUP, cw_service_sighup_cb, self)));
	g_ptr_array_add(self->sources,
			GUINT_TO_POINTER(g_unix_signal_add(SIGINT, cw_service_sigterm_cb, self)));
	g_ptr_array_add(self->sources,
			GUINT_TO_POINTER(g_unix_signal_add(SIGTERM, cw_service_sigterm_cb, self)));
}

/* The token file, the certificate and the keys that need them, checked
 * together: a request for TLS or a guarded /metrics that cannot be met
 * stops the service (fail closed) instead of serving in the clear. */
static gboolean
cw_service_load_http(CwService *self, GError **error)
{
	const CwServiceOptions *o = &self->options;
	gboolean cert = o->http_tls_cert[0] != '\0', key = o->http_tls_key[0] != '\0';

	if (cert != key) {
		g_set_error_literal(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_USAGE,
				    "http.tls_cert and http.tls_key go together (--http-tls-cert "
				    "and --http-tls-key)");
		return FALSE;
	}
	if (cert) {
		self->tls_cert =
		    g_tls_certificate_new_from_files(o->http_tls_cert, o->http_tls_key, error);
		if (self->tls_cert == NULL) {
			g_prefix_error(error,
				       "http.tls_cert %s, http.tls_key %s: ", o->http_tls_cert,
				       o->http_tls_key);
			return FALSE;
		}
	}
	if (o->http_metrics_auth && o->api_token_file[0] == '\0') {
		g_set_error_literal(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_USAGE,
				    "http.metrics_auth needs api.token_file (--api-tokens): "
				    "there is no default token");
		return FALSE;
	}
	if (o->api_token_file[0] != '\0') {
		self->api_tokens = cw_api_tokens_new(o->api_token_file, error);
		if (self->api_tokens == NULL) {
			g_prefix_error(error, "api.token_file: ");
			return FALSE;
		}
	}
	if (self->api_tokens != NULL && g_strcmp0(o->http_listen, "off") == 0)
		cw_log(G_LOG_LEVEL_WARNING, NULL, NULL,
		       "api.token_file is set but http.listen is \"off\": the control API is off");
	return TRUE;
}

/* A commit on the main loop that crosses SQLite's automatic checkpoint
 * threshold copies the WAL into the database and syncs it: milliseconds
 * to tens of milliseconds while a candle waits. The checkpoints run on a
 * thread of their own instead; without it (it cannot open the file) the
 * commits checkpoint as before. */
static void
cw_service_start_checkpointer(CwService *self, const char *db_path)
{
	g_autoptr(GError) error = NULL;

	if (g_strcmp0(db_path, ":memory:") == 0)
		return;
	self->checkpointer = cw_store_checkpointer_new(db_path, CW_SERVICE_CHECKPOINT_MS, &error);
	if (self->checkpointer == NULL) {
		cw_log(G_LOG_LEVEL_WARNING, NULL, NULL,
		       "WAL checkpoints stay in the main loop's commits: %s", error->message);
		return;
	}
	cw_store_set_wal_autocheckpoint(self->store, 0);
}

CwService *
cw_service_new(const char *db_path, const CwServiceOptions *options, GError **error)
{
	g_autoptr(CwService) self = g_object_new(CW_TYPE_SERVICE, NULL);

	self->options = *options;
	cw_service_add_signals(self);
	if (!cw_service_load_http(self, error))
		return NULL;
	self->store = cw_store_open(db_path, error);
	if (self->store == NULL)
		return NULL;
	/* a database it cannot write would lose every order, trade and state */
	if (!cw_store_probe_write(self->store, error) ||
	    !cw_store_set_max_page_count(self->store, options->store_max_page_count, error)) {
		g_prefix_error(error, "refusing to serve: ");
		return NULL;
	}
	if (!cw_notification_worker_new_from_settings(self->store, &self->notifications, error))
		return NULL;
	cw_service_start_checkpointer(self, db_path);
	self->writer = cw_store_writer_new(self->store);
	self->cache = cw_orchestrator_cache_new(options->max_cached_orchestrators);
	self->manager = cw_strategy_manager_new(self->store, self->writer, self->cache);
	cw_feed_hub_set_backlog_func(cw_strategy_manager_get_feed_hub(self->manager),
				     cw_service_backlog, self);
	if (self->notifications != NULL)
		cw_notification_worker_set_manager(self->notifications, self->manager);
	self->health_host =
	    cw_runtime_health_new(self->store, self->writer, self->manager, db_path);
	cw_prom_histogram_init(&self->flush_hist,
			       (const double[]){1e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1, 0.5, 1},
			       9);
	return g_steal_pointer(&self);
}

static gint64
cw_service_now(void)
{
	return g_get_real_time() / 1000;
}

/* A failed flush: said once with its reason, then at most every 10 s
 * with a count, so that a full disk gives a few lines and not one per
 * write and tick. */
static void
cw_service_flush_failed(CwService *self, const GError *error)
{
	gint64 now = g_get_monotonic_time();
	guint64 pending = cw_strategy_manager_get_n_pending(self->manager);

	self->flush_failures++;
	if (self->flush_failures == 1) {
		self->flush_failing_since_us = now;
		self->flush_logged_us = now;
		self->flush_failures_logged = 1;
		/* the order hook refuses orders only while the database takes no
		 * write; a busy database is waited for */
		cw_log(G_LOG_LEVEL_WARNING, NULL, NULL,
		       "store flush failed: %s;%s %" G_GUINT64_FORMAT
		       " writes are kept in memory and retried",
		       error->message,
		       g_error_matches(error, CW_STORE_ERROR, CW_STORE_ERROR_UNWRITABLE)
			   ? " new orders are refused,"
			   : "",
		       pending);
	} else if (now - self->flush_logged_us >= CW_SERVICE_FLUSH_LOG_US) {
		cw_log(G_LOG_LEVEL_WARNING, NULL, NULL,
		       "store flush still failing: %u more failures in %.0f s, %" G_GUINT64_FORMAT
		       " writes pending: %s",
		       self->flush_failures - self->flush_failures_logged,
		       (double) (now - self->flush_logged_us) / G_USEC_PER_SEC, pending,
		       error->message);
		self->flush_logged_us = now;
		self->flush_failures_logged = self->flush_failures;
	}
	if (pending > CW_SERVICE_MAX_PENDING_WRITES && !self->stopping) {
		cw_log(G_LOG_LEVEL_CRITICAL, NULL, NULL,
		       "the store has taken no write for %.0f s and %" G_GUINT64_FORMAT
		       " writes are pending (at most %u are kept): shutting down: %s",
		       (double) (now - self->flush_failing_since_us) / G_USEC_PER_SEC, pending,
		       CW_SERVICE_MAX_PENDING_WRITES, error->message);
		self->status = 1;
		cw_service_shutdown(self);
	}
}

/* A flush (or a round of slices) committed: says so after failures. */
static void
cw_service_flush_succeeded(CwService *self)
{
	if (self->flush_failures == 0)
		return;
	cw_log(G_LOG_LEVEL_MESSAGE, NULL, NULL,
	       "store writable again after %u failed flushes in %.1f s: the kept writes "
	       "are written, new orders are allowed",
	       self->flush_failures,
	       (double) (g_get_monotonic_time() - self->flush_failing_since_us) / G_USEC_PER_SEC);
	self->flush_failures = 0;
}

/* Returns FALSE when the flush failed (the writes are kept). */
static gboolean
cw_service_flush(CwService *self)
{
	g_autoptr(GError) error = NULL;
	gint64 t0 = g_get_monotonic_time();

	/* the cursors go in the same transaction as the events they cover */
	cw_strategy_manager_queue_cursors(self->manager);
	if (!cw_strategy_manager_flush(self->manager, &error)) {
		cw_service_flush_failed(self, error);
		return FALSE;
	}
	cw_prom_histogram_observe_us(&self->flush_hist, g_get_monotonic_time() - t0);
	cw_service_flush_succeeded(self);
	return TRUE;
}

/* One slice of the periodic flush; TRUE when its round is over (done or
 * failed). Each slice holds the main loop for about
 * CW_SERVICE_FLUSH_SLICE_US, so a candle that comes during a flush of many
 * bots waits for one slice, not for the whole flush. */
static gboolean
cw_service_flush_slice(CwService *self)
{
	g_autoptr(GError) error = NULL;
	gint64 t0 = g_get_monotonic_time();
	gboolean done = TRUE;

	if (!cw_strategy_manager_flush_slice(self->manager, CW_SERVICE_FLUSH_SLICE_US, &done,
					     &error)) {
		cw_service_flush_failed(self, error);
		return TRUE;
	}
	cw_prom_histogram_observe_us(&self->flush_hist, g_get_monotonic_time() - t0);
	if (done)
		cw_service_flush_succeeded(self);
	return done;
}

static gboolean
cw_service_slice_cb(gpointer user_data)
{
	CwService *self = user_data;

	if (!cw_service_flush_slice(self))
		return G_SOURCE_CONTINUE;
	self->slice_id = 0;
	return G_SOURCE_REMOVE;
}

/* The feeds' backlog func (cw_market_feed_set_backlog_func()): TRUE when
 * the bots' queues are past CW_SERVICE_BACKLOG_PER_BOT a bot, and then a
 * round of flush slices runs at once and the replay waits until it is
 * over, not for the next flush period. A store that fails its flushes
 * holds nothing back (its writes are kept, CW_SERVICE_MAX_PENDING_WRITES
 * bounds them). Counting the queues visits every bot: done every
 * CW_SERVICE_BACKLOG_EVERY candles while the replay runs. */
static gboolean
cw_service_backlog(gpointer user_data)
{
	CwService *self = user_data;
	guint64 limit;

	/* held until the round has visited every bot: resuming half-way would
	 * let the queues of the bots it has not reached yet grow on */
	if (self->backlog_held && self->slice_id != 0)
		return TRUE;
	if (!self->backlog_held && ++self->backlog_asked % CW_SERVICE_BACKLOG_EVERY != 0)
		return FALSE;
	limit = (guint64) MAX(cw_strategy_manager_get_n_running(self->manager), 1) *
		CW_SERVICE_BACKLOG_PER_BOT;
	self->backlog_held =
	    self->flush_failures == 0 && cw_strategy_manager_get_n_pending(self->manager) > limit;
	if (self->backlog_held && self->slice_id == 0)
		self->slice_id = g_idle_add(cw_service_slice_cb, self);
	return self->backlog_held;
}

static void
cw_service_update_status(CwService *self)
{
	g_autofree char *status = g_strdup_printf(
	    "%u bots running%s", cw_strategy_manager_get_n_running(self->manager),
	    cw_strategy_manager_get_halt_all(self->manager) ? ", kill switch ON" : "");
	cw_sd_notify_status(status);
}

static gboolean
cw_service_flush_cb(gpointer user_data)
{
	CwService *self = user_data;

	/* a slice of the round in progress, or the first of a new one; what
	 * it leaves runs in idle slices after the candles. The timer's slice
	 * moves a round on even when a busy loop starves the idle ones. */
	if (cw_service_flush_slice(self))
		g_clear_handle_id(&self->slice_id, g_source_remove);
	else if (self->slice_id == 0)
		self->slice_id = g_idle_add(cw_service_slice_cb, self);
	if (self->options.exit_when_idle && cw_strategy_manager_get_n_running(self->manager) == 0) {
		cw_log(G_LOG_LEVEL_MESSAGE, NULL, NULL,
		       "no bot is running: exiting (--exit-when-idle)");
		cw_service_shutdown(self);
	}
	return G_SOURCE_CONTINUE;
}

/* Routes the journal rows past the routing cursor: events another
 * process (a CLI command without the service config) journalled and
 * serve, which owns the notifier config, has not routed yet. Each gets
 * its outbox rows exactly once, in the transaction that moves the
 * cursor; on an error nothing moves and the next poll tries again. */
static void
cw_service_route_unrouted(CwService *self)
{
	CwOutboxRouter *router = cw_outbox_router_get_for_store(self->store);
	g_autoptr(GError) error = NULL;
	guint n = 0;

	if (router == NULL)
		return;
	if (!cw_outbox_router_catch_up(router, self->store, &n, &error)) {
		cw_log(G_LOG_LEVEL_WARNING, NULL, NULL,
		       "cannot route the journal's new events to the notifiers: %s",
		       error->message);
		return;
	}
	if (n > 0)
		g_debug("routed %u journal events that another process appended", n);
}

void
cw_service_reload(CwService *self)
{
	g_autoptr(GError) error = NULL;

	/* applying the table flushes first, so nothing queued refers to a bot
	 * that is about to go */
	cw_service_flush(self);
	self->data_version = cw_store_get_data_version(self->store, &error);
	cw_service_route_unrouted(self);
	cw_strategy_manager_reconcile(self->manager);
	cw_service_update_status(self);
}

static gboolean
cw_service_poll_cb(gpointer user_data)
{
	CwService *self = user_data;
	g_autoptr(GError) error = NULL;
	gint64 version = cw_store_get_data_version(self->store, &error);

	if (version < 0) {
		cw_log(G_LOG_LEVEL_WARNING, NULL, NULL, "cannot poll the database: %s",
		       error->message);
		return G_SOURCE_CONTINUE;
	}
	/* data_version moves only when another connection committed */
	if (version != self->data_version)
		cw_service_reload(self);
	return G_SOURCE_CONTINUE;
}

static gboolean
cw_service_heartbeat_cb(gpointer user_data)
{
	CwService *self = user_data;

	cw_strategy_manager_heartbeat(self->manager, cw_service_now());
	return G_SOURCE_CONTINUE;
}

static gboolean
cw_service_metrics_cb(gpointer user_data)
{
	CwService *self = user_data;

	cw_strategy_manager_queue_metrics(self->manager, cw_service_now());
	return G_SOURCE_CONTINUE;
}

/* WATCHDOG=1 only while the health probe finds the main loop healthy. */
static gboolean
cw_service_watchdog_cb(gpointer user_data)
{
	CwService *self = user_data;
	char detail[160];

	if (self->probe == NULL ||
	    cw_health_probe_check(self->probe, detail, sizeof detail) == CW_HEALTH_OK)
		cw_sd_notify_watchdog();
	return G_SOURCE_CONTINUE;
}

static gboolean
cw_service_sighup_cb(gpointer user_data)
{
	cw_log(G_LOG_LEVEL_MESSAGE, NULL, NULL, "SIGHUP: reloading the bots table");
	cw_service_reload(user_data);
	return G_SOURCE_CONTINUE;
}

static gboolean
cw_service_sigterm_cb(gpointer user_data)
{
	cw_log(G_LOG_LEVEL_MESSAGE, NULL, NULL, "signal: shutting down");
	cw_service_shutdown(user_data);
	return G_SOURCE_CONTINUE;
}

static gboolean
cw_service_timeout_cb(gpointer user_data)
{
	CwService *self = user_data;

	self->timeout_id = 0;
	cw_log(G_LOG_LEVEL_WARNING, NULL, NULL, "shutdown timeout reached: exiting now");
	self->status = 1;
	g_main_loop_quit(self->loop);
	return G_SOURCE_REMOVE;
}

static gboolean
cw_service_finish_cb(gpointer user_data)
{
	CwService *self = user_data;

	self->finish_id = 0;
	if (self->notifications != NULL)
		cw_notification_worker_stop(self->notifications);
	cw_service_flush(self);
	cw_strategy_manager_stop_all(self->manager, "shutdown");
	if (!cw_service_flush(self))
		self->status = 1;
	g_main_loop_quit(self->loop);
	return G_SOURCE_REMOVE;
}

/* Stop taking candles, let the queued work finish, flush, mark the bots
 * stopped, exit. Actions are drained inside each candle, so once the feeds
 * stop nothing is left half done. */
void
cw_service_shutdown(CwService *self)
{
	if (self->stopping)
		return;
	self->stopping = TRUE;
	cw_sd_notify_stopping();
	cw_strategy_manager_stop_feeds(self->manager);
	self->timeout_id = g_timeout_add((guint) (self->options.shutdown_timeout_s * 1000) + 1,
					 cw_service_timeout_cb, self);
	/* at the timers' priority: a flush timer that is always due (slow
	 * flushes on a failing disk) must not starve the shutdown until its
	 * timeout */
	self->finish_id = g_idle_add_full(G_PRIORITY_DEFAULT, cw_service_finish_cb, self, NULL);
}

static void
cw_service_add_timer(CwService *self, double seconds, GSourceFunc func)
{
	guint ms = (guint) MAX(1, seconds * 1000);

	g_ptr_array_add(self->sources, GUINT_TO_POINTER(g_timeout_add(ms, func, self)));
}

CwStrategyManager *
cw_service_get_manager(CwService *self)
{
	return self->manager;
}

CwStore *
cw_service_get_store(CwService *self)
{
	return self->store;
}

gboolean
cw_service_start(CwService *self, GError **error)
{
	self->data_version = cw_store_get_data_version(self->store, NULL);
	/* what was journalled while serve was not running */
	cw_service_route_unrouted(self);
	if (!cw_strategy_manager_startup(self->manager, error))
		return FALSE;
	self->started = TRUE;
	return TRUE;
}

/* The control API on the HTTP server, with its service-config limits. */
static void
cw_service_attach_api(CwService *self)
{
	const CwServiceOptions *o = &self->options;
	g_autoptr(CwApi) api = cw_api_new(self->store, self->api_tokens);
	g_auto(GStrv) origins =
	    o->http_cors_origins[0] != '\0' ? g_strsplit(o->http_cors_origins, "\n", -1) : NULL;

	cw_api_set_reload_func(api, (CwApiReloadFunc) cw_service_reload, self);
	cw_api_set_manager(api, self->manager);
	cw_api_set_cors_origins(api, (const char *const *) origins);
	cw_api_set_auth_burst(api, o->api_auth_burst);
	cw_api_set_stream_limits(api, o->api_stream_queue, 15);
	cw_api_set_max_body_bytes(api, o->api_max_body_bytes);
	cw_http_server_attach_api(self->http, api);
}

/* FALSE when the control API was asked for and cannot listen; the health
 * endpoints alone are optional (the bots run without them). */
static gboolean
cw_service_start_http(CwService *self)
{
	g_autoptr(GError) error = NULL;
	CwHttpServerEnv env = {self->store, self->writer,      self->manager,
			       self->probe, &self->flush_hist, &self->started};
	g_autofree char *port = NULL;

	if (g_strcmp0(self->options.http_listen, "off") == 0)
		return TRUE;
	self->http = cw_http_server_new(&env);
	cw_http_server_set_max_header_bytes(self->http, self->options.http_max_header_bytes);
	cw_http_server_set_request_timeout(self->http, self->options.http_request_timeout_s);
	cw_http_server_set_idle_timeout(self->http, self->options.http_idle_timeout_s);
	cw_http_server_set_tls(self->http, self->tls_cert);
	if (self->api_tokens != NULL)
		cw_service_attach_api(self);
	if (self->options.http_metrics_auth)
		cw_http_server_set_metrics_tokens(self->http, self->api_tokens);
	if (!cw_http_server_listen(self->http, self->options.http_listen, &error)) {
		cw_log(self->api_tokens != NULL ? G_LOG_LEVEL_CRITICAL : G_LOG_LEVEL_WARNING, NULL,
		       NULL, "HTTP server not started on %s: %s%s", self->options.http_listen,
		       error->message,
		       self->api_tokens != NULL ? " (the control API is configured: stopping)"
						: " (the bots run without it)");
		g_clear_object(&self->http);
		return self->api_tokens == NULL;
	}
	cw_log(G_LOG_LEVEL_MESSAGE, NULL, NULL, "HTTP server listening on %s%s (port %u)%s",
	       self->tls_cert != NULL ? "https://" : "", self->options.http_listen,
	       cw_http_server_get_port(self->http),
	       self->api_tokens != NULL ? " with the control API" : "");
	port = g_strdup_printf("%u\n", cw_http_server_get_port(self->http));
	if (self->options.http_port_file[0] != '\0' &&
	    !g_file_set_contents(self->options.http_port_file, port, -1, &error))
		cw_log(G_LOG_LEVEL_WARNING, NULL, NULL, "cannot write %s: %s",
		       self->options.http_port_file, error->message);
	return TRUE;
}

char *
cw_service_render_metrics(CwService *self, gsize *len)
{
	CwHttpServerEnv env = {self->store, self->writer,      self->manager,
			       self->probe, &self->flush_hist, &self->started};
	g_autoptr(CwHttpServer) server = cw_http_server_new(&env);

	return cw_http_server_render_metrics(self->http != NULL ? self->http : server, len);
}

/* The health probe (monitoring/health, when built in) and the HTTP server;
 * FALSE when the HTTP server the API needs cannot start. */
static gboolean
cw_service_start_monitoring(CwService *self)
{
	g_autoptr(GError) error = NULL;

	if (cw_extension_exists(CW_EXTENSION_POINT_HEALTH_PROBE, "health"))
		self->probe = CW_HEALTH_PROBE(
		    cw_extension_new(CW_EXTENSION_POINT_HEALTH_PROBE, "health", &error));
	if (self->probe != NULL &&
	    !cw_health_probe_start(self->probe, CW_HEALTH_HOST(self->health_host), &error)) {
		cw_log(G_LOG_LEVEL_WARNING, NULL, NULL, "health probe not started: %s",
		       error->message);
		g_clear_object(&self->probe);
	}
	return cw_service_start_http(self);
}

int
cw_service_run(CwService *self)
{
	g_autoptr(GError) error = NULL;
	guint64 watchdog = cw_sd_watchdog_interval_usec();
	guint64 written = 0, dropped = 0, unwritten;

	if (!self->started && !cw_service_start(self, &error)) {
		cw_log(G_LOG_LEVEL_CRITICAL, NULL, NULL, "cannot start: %s", error->message);
		/* no row may stay `running` after the process */
		cw_strategy_manager_stop_all(self->manager, "start-up failed");
		cw_service_flush(self);
		return 1;
	}
	cw_service_flush(self);
	cw_service_add_timer(self, self->options.flush_interval_s, cw_service_flush_cb);
	if (self->notifications != NULL)
		cw_notification_worker_start(self->notifications, 200);
	cw_service_add_timer(self, self->options.poll_interval_s, cw_service_poll_cb);
	cw_service_add_timer(self, self->options.heartbeat_interval_s, cw_service_heartbeat_cb);
	cw_service_add_timer(self, self->options.metrics_interval_s, cw_service_metrics_cb);
	if (watchdog > 0)
		cw_service_add_timer(self, (double) watchdog / 2e6, cw_service_watchdog_cb);
	cw_strategy_manager_heartbeat(self->manager, cw_service_now());
	if (!cw_service_start_monitoring(self)) {
		cw_strategy_manager_stop_all(self->manager, "the HTTP server could not start");
		cw_service_flush(self);
		return 1;
	}
	cw_log(G_LOG_LEVEL_MESSAGE, NULL, NULL, "serving %u bots",
	       cw_strategy_manager_get_n_running(self->manager));
	cw_sd_notify_ready(NULL);
	cw_service_update_status(self);
	g_main_loop_run(self->loop);
	cw_strategy_manager_get_write_counts(self->manager, &written, &dropped);
	/* what is still queued now is lost: it counts as dropped */
	unwritten = cw_strategy_manager_get_n_pending(self->manager);
	if (unwritten > 0) {
		cw_log(G_LOG_LEVEL_CRITICAL, NULL, NULL,
		       "%" G_GUINT64_FORMAT " writes could not be written before the exit",
		       unwritten);
		self->status = 1;
	}
	cw_log(G_LOG_LEVEL_MESSAGE, NULL, NULL,
	       "stopped: %" G_GUINT64_FORMAT " writes, %" G_GUINT64_FORMAT " dropped", written,
	       dropped + unwritten);
	return self->status;
}
