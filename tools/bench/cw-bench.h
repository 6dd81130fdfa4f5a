/* candlewick-bench: the benchmarks of candlewick, a program of its own that
 * is not installed. Each sub-command parses its own arguments (argv[0] is
 * its name) and returns the exit status: 0 success, 1 failure, 2 usage. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* `candlewick-bench hot-path`: the orchestrator loop (cw-command-bench.c) */
int cw_command_bench(int argc, char **argv);
/* `candlewick-bench serve`: many bots on one shared feed */
int cw_command_bench_serve(int argc, char **argv);
/* `candlewick-bench guards`: the guard pipeline per order intent */
int cw_command_bench_guards(int argc, char **argv);

/* `candlewick-bench notify`: a notification's cost, hot path and flush */
int cw_command_bench_notify(int argc, char **argv);

/* `candlewick-bench live`: frame sent to decision taken, over loopback */
int cw_command_bench_live(int argc, char **argv);

/* `candlewick-bench recovery`: warm-up and snapshot restore after a restart */
int cw_command_bench_recovery(int argc, char **argv);

/* Registers "bench-venue" on cw-broker (cw-bench-venue-broker.c): a
 * venue-like broker for `serve --broker venue`, in the bench only. */
void cw_bench_venue_broker_register(void);

/* Prints error to stderr as "candlewick-bench SUBCOMMAND: message". */
void cw_bench_print_error(const char *subcommand, const GError *error);

G_END_DECLS
