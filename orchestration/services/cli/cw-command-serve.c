/* candlewick serve: every enabled bot of the database in one process. */
#include "cw-services-cli.h"

#include <stdio.h>

/* A command-line interval, checked as the service config checks its key. */
static gboolean
cw_command_serve_interval(CwServiceOptions *options, const char *option, const char *key,
			  const char *text)
{
	g_autoptr(GError) error = NULL;
	char *end = NULL;
	double value;

	if (text == NULL)
		return TRUE;
	value = g_ascii_strtod(text, &end);
	if (text[0] == '\0' || end == NULL || *end != '\0') {
		fprintf(stderr, "candlewick serve: %s: expected a number of seconds, got '%s'\n",
			option, text);
		return FALSE;
	}
	if (!cw_service_options_set_double(options, key, value, &error)) {
		fprintf(stderr, "candlewick serve: %s: %s\n", option, error->message);
		return FALSE;
	}
	return TRUE;
}

/* The HTTP server's and the API's options; each overrides its service
 * config key and goes through the same validation. */
typedef struct {
	char *tokens;
	char *tls_cert;
	char *tls_key;
	char **cors;
	gboolean metrics_auth;
	int max_body;
	int max_header;
	int request_timeout;
	int stream_queue;
	int auth_burst;
	/* deprecated aliases from when the API had a server of its own */
	char *old_listen;
	char *old_port_file;
	char *old_tls_cert;
	char *old_tls_key;
	char **old_cors;
} CwCommandServeHttp;

static void
cw_command_serve_http_clear(CwCommandServeHttp *h)
{
	g_free(h->tokens);
	g_free(h->tls_cert);
	g_free(h->tls_key);
	g_strfreev(h->cors);
	g_free(h->old_listen);
	g_free(h->old_port_file);
	g_free(h->old_tls_cert);
	g_free(h->old_tls_key);
	g_strfreev(h->old_cors);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CwCommandServeHttp, cw_command_serve_http_clear)

static gboolean
cw_command_serve_set(CwServiceOptions *options, const char *option, const char *key,
		     JsonNode *value)
{
	g_autoptr(GError) error = NULL;

	if (!cw_service_options_set_member(options, key, value, &error)) {
		fprintf(stderr, "candlewick serve: %s: %s\n", option, error->message);
		return FALSE;
	}
	return TRUE;
}

static gboolean
cw_command_serve_set_string(CwServiceOptions *options, const char *option, const char *key,
			    const char *value)
{
	JsonNode *node;

	if (value == NULL)
		return TRUE;
	node = json_node_new(JSON_NODE_VALUE);
	json_node_set_string(node, value);
	return cw_command_serve_set(options, option, key, node);
}

static gboolean
cw_command_serve_set_int(CwServiceOptions *options, const char *option, const char *key, int value)
{
	JsonNode *node;

	/* GOption leaves an option that is not given at 0 */
	if (value == 0)
		return TRUE;
	node = json_node_new(JSON_NODE_VALUE);
	json_node_set_int(node, value);
	return cw_command_serve_set(options, option, key, node);
}

static gboolean
cw_command_serve_set_origins(CwServiceOptions *options, const char *option, char **origins)
{
	JsonArray *list;
	JsonNode *node;

	if (origins == NULL)
		return TRUE;
	list = json_array_new();
	for (guint i = 0; origins[i] != NULL; i++)
		json_array_add_string_element(list, origins[i]);
	node = json_node_new(JSON_NODE_ARRAY);
	json_node_take_array(node, list);
	return cw_command_serve_set(options, option, "http.cors_origins", node);
}

/* A deprecated alias: said once, then used as its new option. */
static const char *
cw_command_serve_alias(const char *old_value, const char *old_name, const char *new_name,
		       const char *new_value)
{
	if (old_value == NULL)
		return new_value;
	fprintf(stderr,
		"candlewick serve: %s is deprecated, use %s (the API and /metrics share "
		"one HTTP server)\n",
		old_name, new_name);
	return new_value != NULL ? new_value : old_value;
}

static gboolean
cw_command_serve_http(CwServiceOptions *options, CwCommandServeHttp *h, const char *http,
		      const char *port_file)
{
	const char *listen = cw_command_serve_alias(h->old_listen, "--api", "--http", http);
	const char *pf = cw_command_serve_alias(h->old_port_file, "--api-port-file",
						"--http-port-file", port_file);
	const char *cert = cw_command_serve_alias(h->old_tls_cert, "--api-tls-cert",
						  "--http-tls-cert", h->tls_cert);
	const char *key =
	    cw_command_serve_alias(h->old_tls_key, "--api-tls-key", "--http-tls-key", h->tls_key);
	char **cors = h->cors;

	if (h->old_cors != NULL) {
		fprintf(stderr, "candlewick serve: --api-cors-origin is deprecated, use "
				"--http-cors-origin\n");
		if (cors == NULL)
			cors = h->old_cors;
	}
	if (h->old_listen != NULL && http != NULL && g_strcmp0(http, h->old_listen) != 0) {
		fprintf(stderr,
			"candlewick serve: --api %s and --http %s: the API is served on "
			"the one HTTP server; give only --http\n",
			h->old_listen, http);
		return FALSE;
	}
	if (!cw_command_serve_set_string(options, "--http", "http.listen", listen) ||
	    !cw_command_serve_set_string(options, "--http-port-file", "http.port_file", pf) ||
	    !cw_command_serve_set_string(options, "--http-tls-cert", "http.tls_cert", cert) ||
	    !cw_command_serve_set_string(options, "--http-tls-key", "http.tls_key", key) ||
	    !cw_command_serve_set_origins(options, "--http-cors-origin", cors) ||
	    !cw_command_serve_set_string(options, "--api-tokens", "api.token_file", h->tokens) ||
	    !cw_command_serve_set_int(options, "--http-max-header-bytes", "http.max_header_bytes",
				      h->max_header) ||
	    !cw_command_serve_set_int(options, "--http-request-timeout", "http.request_timeout_s",
				      h->request_timeout) ||
	    !cw_command_serve_set_int(options, "--api-max-body-bytes", "api.max_body_bytes",
				      h->max_body) ||
	    !cw_command_serve_set_int(options, "--api-stream-queue", "api.stream_queue",
				      h->stream_queue) ||
	    !cw_command_serve_set_int(options, "--api-auth-burst", "api.auth_burst", h->auth_burst))
		return FALSE;
	if (h->metrics_auth)
		options->http_metrics_auth = TRUE;
	/* --api alone used to start the API: without a token file it would be
	 * silently off now */
	if (h->old_listen != NULL && options->api_token_file[0] == '\0') {
		fprintf(stderr, "candlewick serve: --api needs --api-tokens FILE (create one with "
				"`candlewick tokens add`)\n");
		return FALSE;
	}
	return TRUE;
}

int
cw_command_serve(int argc, char **argv)
{
	g_auto(CwCommandServeHttp) h = {0};
	g_autofree char *db = NULL;
	g_autofree char *service_config = NULL;
	g_autofree char *log_format = NULL;
	g_autofree char *poll = NULL, *heartbeat = NULL, *shutdown_timeout = NULL, *metrics = NULL;
	gboolean exit_when_idle = FALSE;
	gboolean allow_live = FALSE;
	gboolean create = FALSE;
	g_autofree char *http = NULL;
	g_autofree char *http_port_file = NULL;
	gboolean verbose = FALSE;
	CwServiceOptions options;
	CwLogFormat format = CW_LOG_FORMAT_TEXT;
	g_autoptr(GError) error = NULL;
	g_autoptr(CwService) service = NULL;
	g_autoptr(GOptionContext) ctx = g_option_context_new("- run every enabled bot");
	GOptionEntry entries[] = {
	    {"db", 0, 0, G_OPTION_ARG_FILENAME, &db, "The bots database (default $CW_DB)", "FILE"},
	    {"service-config", 0, 0, G_OPTION_ARG_FILENAME, &service_config,
	     "Service config JSON (intervals, cache cap, service-wide guardrails)", "FILE"},
	    {"create", 0, 0, G_OPTION_ARG_NONE, &create,
	     "Create the database when it does not exist (else a missing one is an error)", NULL},
	    {"poll-interval", 0, 0, G_OPTION_ARG_STRING, &poll,
	     "Seconds between checks of the table (default 2)", "S"},
	    {"heartbeat-interval", 0, 0, G_OPTION_ARG_STRING, &heartbeat,
	     "Seconds between heartbeats (default 10)", "S"},
	    {"metrics-interval", 0, 0, G_OPTION_ARG_STRING, &metrics,
	     "Seconds between performance metric rows (default 60)", "S"},
	    {"shutdown-timeout", 0, 0, G_OPTION_ARG_STRING, &shutdown_timeout,
	     "Seconds a graceful shutdown may take (default 10)", "S"},
	    {"exit-when-idle", 0, 0, G_OPTION_ARG_NONE, &exit_when_idle,
	     "Exit 0 once no bot is running", NULL},
	    {"allow-live", 0, 0, G_OPTION_ARG_NONE, &allow_live,
	     "Let bots with the live profile trade real money (else they go to error)", NULL},
	    {"http", 0, 0, G_OPTION_ARG_STRING, &http,
	     "HTTP server: ADDR:PORT (default 127.0.0.1:8080), unix:PATH or off", "ADDR:PORT"},
	    {"http-port-file", 0, 0, G_OPTION_ARG_FILENAME, &http_port_file,
	     "Write the bound HTTP port to FILE", "FILE"},
	    {"log-format", 0, 0, G_OPTION_ARG_STRING, &log_format, "text (default) or json", "F"},
	    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Debug messages", NULL},
	    {"http-tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &h.tls_cert,
	     "TLS certificate (PEM) of the HTTP server: HTTPS and WSS (http.tls_cert)", "FILE"},
	    {"http-tls-key", 0, 0, G_OPTION_ARG_FILENAME, &h.tls_key,
	     "TLS private key (PEM) of the HTTP server (http.tls_key)", "FILE"},
	    {"http-cors-origin", 0, 0, G_OPTION_ARG_STRING_ARRAY, &h.cors,
	     "An origin the API answers with CORS headers (repeatable; none by default)", "ORIGIN"},
	    {"http-metrics-auth", 0, 0, G_OPTION_ARG_NONE, &h.metrics_auth,
	     "/metrics needs a read token of the API's token file (http.metrics_auth)", NULL},
	    {"api-tokens", 0, 0, G_OPTION_ARG_FILENAME, &h.tokens,
	     "Serve the control API and dashboard on the HTTP server with this token file "
	     "(mode 0600; api.token_file; off without)",
	     "FILE"},
	    {"http-max-header-bytes", 0, 0, G_OPTION_ARG_INT, &h.max_header,
	     "Largest request line and headers (default 16384)", "N"},
	    {"http-request-timeout", 0, 0, G_OPTION_ARG_INT, &h.request_timeout,
	     "Seconds a client has to send a whole request (default 10)", "S"},
	    {"api-max-body-bytes", 0, 0, G_OPTION_ARG_INT, &h.max_body,
	     "Largest request body of the API (default 262144)", "N"},
	    {"api-stream-queue", 0, 0, G_OPTION_ARG_INT, &h.stream_queue,
	     "Events a stream client may fall behind (default 10000)", "N"},
	    {"api-auth-burst", 0, 0, G_OPTION_ARG_INT, &h.auth_burst,
	     "Failed logins an address may make before 429 (default 5)", "N"},
	    {"api", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &h.old_listen,
	     "Deprecated: --http", "ADDR:PORT"},
	    {"api-port-file", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &h.old_port_file,
	     "Deprecated: --http-port-file", "FILE"},
	    {"api-tls-cert", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &h.old_tls_cert,
	     "Deprecated: --http-tls-cert", "FILE"},
	    {"api-tls-key", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &h.old_tls_key,
	     "Deprecated: --http-tls-key", "FILE"},
	    {"api-cors-origin", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING_ARRAY, &h.old_cors,
	     "Deprecated: --http-cors-origin", "ORIGIN"},
	    {NULL},
	};

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_description(
	    ctx, "Signals: SIGHUP reloads the table now; SIGINT and SIGTERM shut down "
		 "gracefully.\nCommand-line intervals override the service config file.\n");
	if (!cw_commands_parse_options(ctx, entries, &argc, &argv, 0, &error)) {
		cw_commands_print_error("serve", error);
		return 2;
	}
	if (db == NULL && g_getenv("CW_DB") != NULL)
		db = g_strdup(g_getenv("CW_DB"));
	if (db == NULL) {
		fprintf(stderr, "candlewick serve: --db is required\n");
		return 2;
	}
	if (log_format != NULL && !cw_log_format_from_string(log_format, &format)) {
		fprintf(stderr, "candlewick serve: --log-format: expected text or json, got '%s'\n",
			log_format);
		return 2;
	}
	cw_log_set_format(format);
	cw_log_set_verbose(verbose);
	cw_service_options_init(&options);
	if (service_config != NULL && !cw_service_options_load(&options, service_config, &error)) {
		cw_commands_print_error("serve", error);
		return 2;
	}
	if (!cw_command_serve_interval(&options, "--poll-interval", "poll_interval_s", poll) ||
	    !cw_command_serve_interval(&options, "--heartbeat-interval", "heartbeat_interval_s",
				       heartbeat) ||
	    !cw_command_serve_interval(&options, "--metrics-interval", "metrics_interval_s",
				       metrics) ||
	    !cw_command_serve_interval(&options, "--shutdown-timeout", "shutdown_timeout_s",
				       shutdown_timeout))
		return 2;
	options.exit_when_idle = exit_when_idle;
	/* read by the brokers of live bots when they are configured */
	cw_service_context_set_setting(cw_service_context_get_default(), "service.allow_live",
				       g_variant_new_boolean(allow_live));
	if (!create && g_strcmp0(db, ":memory:") != 0 && !g_file_test(db, G_FILE_TEST_EXISTS)) {
		fprintf(stderr,
			"candlewick serve: %s: no such database; add a bot with `candlewick bots "
			"add --db %s`, or pass --create to start with an empty one\n",
			db, db);
		return 1;
	}
	if (!cw_command_serve_http(&options, &h, http, http_port_file))
		return 2;
	service = cw_service_new(db, &options, &error);
	if (service == NULL) {
		/* store errors name the file already */
		fprintf(stderr, "candlewick serve: %s\n", error->message);
		return g_error_matches(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_USAGE) ? 2 : 1;
	}
	return cw_service_run(service);
}
