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

/* The control API's options; the shared HTTP server takes them over. */
typedef struct {
	char *listen;
	char *tokens;
	char *port_file;
	char *tls_cert;
	char *tls_key;
	char **cors;
	int stream_queue;
	int auth_burst;
} CwCommandServeApi;

static void
cw_command_serve_api_clear(CwCommandServeApi *a)
{
	g_free(a->listen);
	g_free(a->tokens);
	g_free(a->port_file);
	g_free(a->tls_cert);
	g_free(a->tls_key);
	g_strfreev(a->cors);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CwCommandServeApi, cw_command_serve_api_clear)

/* Starts the control API on a server of its own; NULL when --api is not
 * given or (with an error) when it cannot start. */
static SoupServer *
cw_command_serve_api(CwService *service, const CwCommandServeApi *a, CwApi **api_out,
		     GError **error)
{
	g_autoptr(CwApiTokens) tokens = NULL;
	g_autoptr(CwApi) api = NULL;
	SoupServer *server;

	/* no token file, no API: there is no default token */
	if (a->tokens == NULL) {
		g_set_error_literal(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_USAGE,
				    "--api needs --api-tokens FILE (create one with `candlewick "
				    "tokens add`)");
		return NULL;
	}
	tokens = cw_api_tokens_new(a->tokens, error);
	if (tokens == NULL)
		return NULL;
	api = cw_api_new(cw_service_get_store(service), tokens);
	cw_api_set_reload_func(api, (CwApiReloadFunc) cw_service_reload, service);
	cw_api_set_manager(api, cw_service_get_manager(service));
	cw_api_set_cors_origins(api, (const char *const *) a->cors);
	if (a->auth_burst > 0)
		cw_api_set_auth_burst(api, (guint) a->auth_burst);
	if (a->stream_queue > 0)
		cw_api_set_stream_limits(api, (guint) a->stream_queue, 15);
	server = cw_api_listen(api, a->listen, a->tls_cert, a->tls_key, a->port_file, error);
	if (server == NULL)
		return NULL;
	*api_out = g_steal_pointer(&api);
	return server;
}

int
cw_command_serve(int argc, char **argv)
{
	g_auto(CwCommandServeApi) api_opts = {0};
	g_autoptr(CwApi) api = NULL;
	g_autoptr(SoupServer) api_server = NULL;
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
	    {"api", 0, 0, G_OPTION_ARG_STRING, &api_opts.listen,
	     "Serve the control API and dashboard on ADDR:PORT (off by default)", "ADDR:PORT"},
	    {"api-tokens", 0, 0, G_OPTION_ARG_FILENAME, &api_opts.tokens,
	     "The API's token file (required with --api; mode 0600)", "FILE"},
	    {"api-port-file", 0, 0, G_OPTION_ARG_FILENAME, &api_opts.port_file,
	     "Write the API's port to FILE (for PORT 0)", "FILE"},
	    {"api-tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &api_opts.tls_cert,
	     "TLS certificate (PEM) of the API", "FILE"},
	    {"api-tls-key", 0, 0, G_OPTION_ARG_FILENAME, &api_opts.tls_key,
	     "TLS private key (PEM) of the API", "FILE"},
	    {"api-cors-origin", 0, 0, G_OPTION_ARG_STRING_ARRAY, &api_opts.cors,
	     "An origin allowed by CORS (repeatable; none by default)", "ORIGIN"},
	    {"api-stream-queue", 0, 0, G_OPTION_ARG_INT, &api_opts.stream_queue,
	     "Events a stream client may fall behind (default 10000)", "N"},
	    {"api-auth-burst", 0, 0, G_OPTION_ARG_INT, &api_opts.auth_burst,
	     "Failed logins an address may make before 429 (default 5)", "N"},
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
	if (http != NULL)
		g_strlcpy(options.http_listen, http, sizeof options.http_listen);
	if (http_port_file != NULL)
		g_strlcpy(options.http_port_file, http_port_file, sizeof options.http_port_file);
	service = cw_service_new(db, &options, &error);
	if (service == NULL) {
		/* store errors name the file already */
		fprintf(stderr, "candlewick serve: %s\n", error->message);
		return 1;
	}
	if (api_opts.listen != NULL) {
		api_server = cw_command_serve_api(service, &api_opts, &api, &error);
		if (api_server == NULL) {
			fprintf(stderr, "candlewick serve: %s\n", error->message);
			return g_error_matches(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_USAGE)
				   ? 2
				   : 1;
		}
	}
	return cw_service_run(service);
}
