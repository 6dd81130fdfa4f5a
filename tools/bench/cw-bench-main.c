/* candlewick-bench: the benchmarks, kept out of the installed candlewick
 * executable together with the malloc interposer that counts their heap
 * allocations (cw-alloc-counter.c). */
#include <locale.h>
#include <stdio.h>

#include "cw-bench.h"
#include "cw-builtin-features.h"
#include "cw-services.h"

typedef struct {
	const char *name;
	const char *summary;
	int (*func)(int argc, char **argv);
} CwBenchCommand;

static const CwBenchCommand cw_bench_commands[] = {
    {"hot-path", "measure the hot path (candles per second, instructions, allocations)",
     cw_command_bench},
    {"serve", "measure many bots on one shared feed (fan-out, memory, start-up)",
     cw_command_bench_serve},
    {"guards", "measure the guard pipeline (ns per order intent, allocations)",
     cw_command_bench_guards},
    {"notify", "measure a notification (enqueue on the hot path, outbox row at flush)",
     cw_command_bench_notify},
#ifdef CW_BENCH_LIVE
    {"live", "measure live latency (simulator frame sent to every bot's decision)",
     cw_command_bench_live},
#endif

    {"recovery", "measure a restart (warm-up replay and snapshot restore, 1 and 1,000 bots)",
     cw_command_bench_recovery},
    {NULL, NULL, NULL},
};

void
cw_bench_print_error(const char *subcommand, const GError *error)
{
	fprintf(stderr, "candlewick-bench %s: %s\n", subcommand,
		error != NULL ? error->message : "failed");
}

static void
cw_bench_usage(FILE *out)
{
	fprintf(out, "Usage: candlewick-bench COMMAND [OPTIONS...]\n\nCommands:\n");
	for (const CwBenchCommand *c = cw_bench_commands; c->name != NULL; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out, "\nRun 'candlewick-bench COMMAND --help' for the options of a command.\n");
}

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	/* numbers in files and reports always use '.' */
	setlocale(LC_NUMERIC, "C");
	cw_log_set_format(CW_LOG_FORMAT_TEXT);

	if (argc < 2) {
		cw_bench_usage(stderr);
		return 2;
	}
	if (g_strcmp0(argv[1], "--help") == 0 || g_strcmp0(argv[1], "-h") == 0 ||
	    g_strcmp0(argv[1], "help") == 0) {
		cw_bench_usage(stdout);
		return 0;
	}
	for (const CwBenchCommand *c = cw_bench_commands; c->name != NULL; c++) {
		if (g_strcmp0(argv[1], c->name) != 0)
			continue;
		cw_commands_init_types(cw_builtin_features_register);
		return c->func(argc - 1, argv + 1);
	}
	fprintf(stderr, "candlewick-bench: unknown command '%s'\n\n", argv[1]);
	cw_bench_usage(stderr);
	return 2;
}
