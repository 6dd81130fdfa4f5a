/* candlewick serve: every enabled bot of the database in one process. */
#include "cw-services.h"

#include <stdio.h>

#include "cw-service.h"

int
cw_command_serve(int argc, char **argv)
{
	g_autofree char *db = NULL;
	g_autofree char *service_config = NULL;
	g_autofree char *log_format = NULL;
	double poll = -1, heartbeat = -1, shutdown_timeout = -1, metrics = -1;
	gboolean exit_when_idle = FALSE;
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
	    {"poll-interval", 0, 0, G_OPTION_ARG_DOUBLE, &poll,
	     "Seconds between checks of the table (default 2)", "S"},
	    {"heartbeat-interval", 0, 0, G_OPTION_ARG_DOUBLE, &heartbeat,
	     "Seconds between heartbeats (default 10)", "S"},
	    {"metrics-interval", 0, 0, G_OPTION_ARG_DOUBLE, &metrics,
	     "Seconds between performance metric rows (default 60)", "S"},
	    {"shutdown-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &shutdown_timeout,
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
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
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
	if (poll > 0)
		options.poll_interval_s = poll;
	if (heartbeat > 0)
		options.heartbeat_interval_s = heartbeat;
	if (metrics > 0)
		options.metrics_interval_s = metrics;
	if (shutdown_timeout >= 0)
		options.shutdown_timeout_s = shutdown_timeout;
	options.exit_when_idle = exit_when_idle;
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
