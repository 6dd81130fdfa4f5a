/* The candlewick executable: a table of commands over the services library. */
#include <locale.h>
#include <stdio.h>

#include "cw-builtin-features.h"
#include "cw-services-cli.h"

static void
cw_main_usage(FILE *out)
{
	fprintf(out, "Usage: candlewick COMMAND [OPTIONS...]\n\nCommands:\n");
	for (const CwCommand *c = cw_commands_get_all(); c->name != NULL; c++)
		fprintf(out, "  %-12s %s\n", c->name, c->summary);
	fprintf(out, "\nRun 'candlewick COMMAND --help' for the options of a command.\n");
}

int
main(int argc, char **argv)
{
	const CwCommand *command;

	setlocale(LC_ALL, "");
	/* numbers in files and reports always use '.' */
	setlocale(LC_NUMERIC, "C");
	cw_log_set_format(CW_LOG_FORMAT_TEXT);

	if (argc < 2) {
		cw_main_usage(stderr);
		return 2;
	}
	if (g_strcmp0(argv[1], "--help") == 0 || g_strcmp0(argv[1], "-h") == 0 ||
	    g_strcmp0(argv[1], "help") == 0) {
		cw_main_usage(stdout);
		return 0;
	}
	if (g_strcmp0(argv[1], "--version") == 0) {
		printf("candlewick %s\n", CW_VERSION);
		return 0;
	}
	command = cw_commands_lookup(argv[1]);
	if (command == NULL) {
		fprintf(stderr, "candlewick: unknown command '%s'\n\n", argv[1]);
		cw_main_usage(stderr);
		return 2;
	}
	cw_commands_init_types(cw_builtin_features_register);
	return command->func(argc - 1, argv + 1);
}
