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

int
cw_command_serve(int argc, char **argv)
{
	g_autofree char *db = NULL;
	g_autofree char *service_config = NULL;
	g_autofree char *log_format = NULL;
	g_autofree char *poll = NULL, *heartbeat = NULL, *shutdown_timeout = NULL, *metrics = NULL;
	gboolean exit_when_idle = FALSE;
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
	    {"http", 0, 0, G_OPTION_ARG_STRING, &http,
	     "HTTP server: ADDR:PORT (default 127.0.0.1:8080), unix:PATH or off", "ADDR:PORT"},
	    {"http-port-file", 0, 0, G_OPTION_ARG_FILENAME, &http_port_file,
	     "Write the bound HTTP port to FILE", "FILE"},
	    {"log-format", 0, 0, G_OPTION_ARG_STRING, &log_format, "text (default) or json", "F"},
	    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Debug messages", NULL},
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
	return cw_service_run(service);
}
