/* candlewick-bench notify: what a notification costs the hot path (the
 * enqueue of the event that causes it) and what it costs at flush time
 * (the outbox row, off the hot path). Not a test: it prints. */
#include "cw-services.h"

#include <glib/gstdio.h>
#include <stdio.h>

#include "cw-alloc-counter.h"
#include "cw-bench.h"
#include "cw-store-writer.h"

static guint64
cw_bench_notify_allocs(void)
{
	return cw_alloc_counter_read != NULL ? cw_alloc_counter_read() : 0;
}

static CwOutboxRouter *
cw_bench_notify_router(GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();

	/* a receiver that is never contacted: the bench sends nothing */
	if (!json_parser_load_from_data(parser,
					"[{\"name\":\"hook\",\"type\":\"webhook\","
					"\"url\":\"http://127.0.0.1:9/hook\"}]",
					-1, error))
		return NULL;
	return cw_outbox_router_new_from_json(json_node_get_array(json_parser_get_root(parser)),
					      error);
}

/**
 * cw_command_bench_notify:
 *
 * `candlewick-bench notify [--events N] [--batch N]`.
 */
int
cw_command_bench_notify(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GOptionContext) ctx = g_option_context_new("- the cost of a notification");
	gint64 n_events = 200000;
	int batch = 10000;
	gboolean no_outbox = FALSE;
	GOptionEntry entries[] = {
	    {"events", 0, 0, G_OPTION_ARG_INT64, &n_events, "Events (default 200000)", "N"},
	    {"batch", 0, 0, G_OPTION_ARG_INT, &batch, "Events per flush (default 10000)", "N"},
	    {"no-outbox", 0, 0, G_OPTION_ARG_NONE, &no_outbox,
	     "No notifier: the journal alone, for comparison", NULL},
	    {NULL},
	};
	g_autofree char *dir = NULL;
	g_autofree char *path = NULL;
	g_autoptr(CwStore) store = NULL;
	g_autoptr(CwOutboxRouter) router = NULL;
	g_autoptr(CwStoreWriter) writer = NULL;
	CwTrade trade = {.symbol = g_quark_from_static_string("BTCUSDT"),
			 .direction = CW_DIRECTION_LONG,
			 .entry_price = 30000,
			 .exit_price = 30100,
			 .qty = 0.01,
			 .net_pnl = 1.0};
	CwEvent event = {.type = CW_EVENT_TRADE_CLOSED,
			 .strategy_id = g_quark_from_static_string("s"),
			 .trade = &trade};
	gint64 enqueue_us = 0, flush_us = 0, done = 0;
	guint64 allocs = 0;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || n_events < 1 || batch < 1) {
		cw_bench_print_error("notify", error);
		return 2;
	}
	dir = g_dir_make_tmp("cw-bench-notify-XXXXXX", &error);
	if (dir == NULL) {
		cw_bench_print_error("notify", error);
		return 1;
	}
	path = g_build_filename(dir, "bench.db", NULL);
	store = cw_store_open(path, &error);
	router = store != NULL ? cw_bench_notify_router(&error) : NULL;
	if (router == NULL) {
		cw_bench_print_error("notify", error);
		return 1;
	}
	if (!no_outbox)
		cw_outbox_router_attach(router, store);
	writer = cw_store_writer_new(store);
	while (done < n_events) {
		gint64 n = MIN(batch, n_events - done);
		gint64 t0 = g_get_monotonic_time();
		guint64 a0 = cw_bench_notify_allocs();
		for (gint64 i = 0; i < n; i++) {
			trade.seq = (guint64) (done + i);
			event.time = done + i;
			cw_store_writer_event_copy(writer, 0, &event);
		}
		allocs += cw_bench_notify_allocs() - a0;
		enqueue_us += g_get_monotonic_time() - t0;
		t0 = g_get_monotonic_time();
		if (!cw_store_writer_flush(writer, &error)) {
			cw_bench_print_error("notify", error);
			return 1;
		}
		flush_us += g_get_monotonic_time() - t0;
		done += n;
	}
	printf("notify: %" G_GINT64_FORMAT " notifying events (TRADE_CLOSED, %s)\n", n_events,
	       no_outbox ? "no notifier" : "one webhook");
	printf("  hot path, enqueue:        %.3f us/event, %.2f allocations/event%s\n",
	       (double) enqueue_us / (double) n_events, (double) allocs / (double) n_events,
	       cw_alloc_counter_read != NULL ? "" : " (not counted in this build)");
	printf("  flush, journal + outbox:  %.3f us/event\n",
	       (double) flush_us / (double) n_events);
	printf("  outbox rows:              %u\n",
	       cw_store_outbox_list(store, "pending", NULL)->len);
	cw_outbox_router_attach(NULL, store);
	g_clear_pointer(&writer, cw_store_writer_free);
	g_clear_object(&store);
	{
		g_autofree char *wal = g_strconcat(path, "-wal", NULL);
		g_autofree char *shm = g_strconcat(path, "-shm", NULL);
		g_unlink(path);
		g_unlink(wal);
		g_unlink(shm);
		g_rmdir(dir);
	}
	return 0;
}
