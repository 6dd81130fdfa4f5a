/* CwStoreWriter: the queue of writes off the hot path, on real SQLite files
 * in a temporary directory: one transaction per flush, order kept, a refused
 * write dropped and counted without holding back the others, a busy
 * database keeping the queue for the next flush, queues handed over and
 * applied together. */
#include "cw-store-test-utils.h"

#include "cw-event-json.h"
#include "cw-store-writer.h"
#include "cw-test-log.h"

/* Counting allocator (glibc): a write queued on the candle path goes into
 * the room the log kept from the last flush instead of allocating. */
#if defined(__GLIBC__) && !defined(CW_SANITIZED)
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
static volatile gboolean counting;
static volatile guint n_allocations;

void *
malloc(size_t size)
{
	if (counting)
		n_allocations++;
	return __libc_malloc(size);
}

void *
calloc(size_t n, size_t size)
{
	if (counting)
		n_allocations++;
	return __libc_calloc(n, size);
}

void *
realloc(void *p, size_t size)
{
	if (counting)
		n_allocations++;
	return __libc_realloc(p, size);
}
#else
static gboolean counting;
static guint n_allocations;
#endif

static CwTrade
writer_trade(guint64 seq)
{
	CwTrade trade = {
	    .strategy_id = g_quark_from_string("trend"),
	    .symbol = g_quark_from_string("BTCUSDT"),
	    .direction = CW_DIRECTION_LONG,
	    .entry_time = 1700000000000,
	    .exit_time = 1700000300000,
	    .entry_price = 35000.5,
	    .exit_price = 35100.25,
	    .qty = 0.01,
	    .fees = 0.7,
	    .net_pnl = 0.2975,
	    .exit_reason = CW_ORDER_PURPOSE_TAKE_PROFIT,
	    .seq = seq,
	};
	return trade;
}

static CwOrder
writer_order(const char *client_id, CwOrderStatus status)
{
	CwOrder order = {
	    .strategy_id = g_quark_from_string("trend"),
	    .symbol = g_quark_from_string("BTCUSDT"),
	    .side = CW_SIDE_BUY,
	    .type = CW_ORDER_TYPE_MARKET,
	    .status = status,
	    .purpose = CW_ORDER_PURPOSE_ENTRY,
	    .qty = 0.01,
	    .created_at = 1700000000000,
	    .updated_at = 1700000000000,
	    .seq = 1,
	};
	g_strlcpy(order.client_order_id, client_id, sizeof(order.client_order_id));
	return order;
}

static gint64
writer_add_bot(CwStoreFixture *fx, const char *name)
{
	g_autoptr(GError) error = NULL;
	gint64 id = cw_store_bot_add(fx->store, name, "{}", TRUE, &error);

	g_assert_no_error(error);
	return id;
}

/* Every kind of write lands in one flush, events in the order queued. */
static void
test_writer_flush(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(CwStoreWriter) w = cw_store_writer_new(fx->store);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events = NULL, trades = NULL;
	g_autofree char *cursor = NULL;
	CwTrade trade = writer_trade(1);
	CwOrder order = writer_order("cw-1-1", CW_ORDER_STATUS_FILLED), got = {0};
	CwPosition position = {.strategy_id = g_quark_from_string("trend"),
			       .symbol = g_quark_from_string("BTCUSDT"),
			       .direction = CW_DIRECTION_LONG,
			       .qty = 0.01,
			       .entry_price = 35000.5};
	CwStoreMetrics metrics = {.bot_name = "alpha", .time = 1700000300000, .equity = 10000.3};
	gint64 bot = writer_add_bot(fx, "alpha");
	gint64 bot_of_order = 0;
	sqlite3 *db = cw_store_test_raw_open(fx->path);

	cw_store_writer_event(w, bot, "trend", "FIRST", 1, g_strdup("{\"n\":1}"));
	cw_store_writer_state(w, bot, "cursor", "1700000000000");
	cw_store_writer_trade(w, "alpha", "trend", &trade);
	cw_store_writer_order(w, bot, &order);
	cw_store_writer_position(w, bot, "trend", &position, g_strdup("{\"state\":\"open\"}"));
	cw_store_writer_metrics(w, &metrics);
	cw_store_writer_event(w, bot, NULL, "SECOND", 2, NULL);
	g_assert_cmpuint(cw_store_writer_get_pending(w), ==, 7);
	/* nothing reaches the database before the flush */
	g_assert_cmpint(cw_store_test_raw_int(db, "SELECT count(*) FROM events"), ==, 0);

	g_assert_true(cw_store_writer_flush(w, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cw_store_writer_get_pending(w), ==, 0);
	g_assert_cmpuint(cw_store_writer_get_n_written(w), ==, 7);
	g_assert_cmpuint(cw_store_writer_get_n_failed(w), ==, 0);
	g_assert_false(cw_store_in_transaction(fx->store));

	events = cw_store_events_query(fx->store, bot, NULL, 0, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(events->len, ==, 2);
	g_assert_cmpstr(((CwStoreEvent *) events->pdata[0])->type, ==, "FIRST");
	g_assert_cmpstr(((CwStoreEvent *) events->pdata[0])->payload, ==, "{\"n\":1}");
	g_assert_cmpstr(((CwStoreEvent *) events->pdata[1])->type, ==, "SECOND");
	cursor = cw_store_state_get(fx->store, bot, "cursor", &error);
	g_assert_cmpstr(cursor, ==, "1700000000000");
	trades = cw_store_trades_list(fx->store, NULL, "alpha", &error);
	g_assert_cmpuint(trades->len, ==, 1);
	g_assert_cmpfloat(((CwStoreTrade *) trades->pdata[0])->trade.net_pnl, ==, 0.2975);
	g_assert_true(cw_store_order_get(fx->store, "cw-1-1", &got, &bot_of_order, &error));
	g_assert_cmpint(bot_of_order, ==, bot);
	g_assert_cmpint(got.status, ==, CW_ORDER_STATUS_FILLED);
	g_assert_cmpint(cw_store_test_raw_int(db, "SELECT count(*) FROM trading_positions"), ==, 1);
	g_assert_cmpint(
	    cw_store_test_raw_int(db, "SELECT count(*) FROM trading_performance_metrics"), ==, 1);

	/* an empty queue is no transaction at all */
	g_assert_true(cw_store_writer_flush(w, &error));
	g_assert_cmpuint(cw_store_writer_get_n_written(w), ==, 7);
	sqlite3_close(db);
}

/* A write SQLite refuses (an event payload that is not JSON, an order id
 * of another bot) is dropped and counted; the writes around it land. */
static void
test_writer_refused(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(CwStoreWriter) w = cw_store_writer_new(fx->store);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events = NULL;
	CwOrder order = writer_order("cw-shared", CW_ORDER_STATUS_NEW);
	gint64 a = writer_add_bot(fx, "a"), b = writer_add_bot(fx, "b");

	g_assert_true(cw_store_order_upsert(fx->store, a, &order, &error));
	cw_store_writer_event(w, b, NULL, "BEFORE", 1, NULL);
	cw_store_writer_event(w, b, NULL, "BROKEN", 2, g_strdup("{not json"));
	cw_store_writer_order(w, b, &order); /* belongs to bot a */
	cw_store_writer_event(w, b, NULL, "AFTER", 3, NULL);

	g_assert_true(cw_store_writer_flush(w, &error));
	cw_test_log_take("cw-services: store: write dropped: appending a 'BROKEN' event: *");
	cw_test_log_take("cw-services: store: write dropped: *cw-shared*");
	g_assert_no_error(error);
	g_assert_cmpuint(cw_store_writer_get_pending(w), ==, 0);
	g_assert_cmpuint(cw_store_writer_get_n_written(w), ==, 2);
	g_assert_cmpuint(cw_store_writer_get_n_failed(w), ==, 2);
	events = cw_store_events_query(fx->store, b, NULL, 0, 0, &error);
	g_assert_cmpuint(events->len, ==, 2);
	g_assert_cmpstr(((CwStoreEvent *) events->pdata[0])->type, ==, "BEFORE");
	g_assert_cmpstr(((CwStoreEvent *) events->pdata[1])->type, ==, "AFTER");
}

/* While another program holds the write lock, the flush fails and keeps
 * the whole queue; the next flush writes it, once. */
static void
test_writer_busy(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(CwStoreWriter) w = cw_store_writer_new(fx->store);
	g_autoptr(GError) error = NULL;
	gint64 bot = writer_add_bot(fx, "a");
	sqlite3 *db = cw_store_test_raw_open(fx->path);

	g_object_set(fx->store, "busy-timeout", 50, NULL);
	cw_store_writer_event(w, bot, NULL, "ONE", 1, NULL);
	cw_store_writer_state(w, bot, "cursor", "1");
	cw_store_test_raw_exec(db, "BEGIN IMMEDIATE");
	g_assert_false(cw_store_writer_flush(w, &error));
	g_assert_nonnull(error);
	g_assert_true(error->domain == CW_STORE_ERROR);
	g_test_message("busy: %s", error->message);
	g_clear_error(&error);
	g_assert_cmpuint(cw_store_writer_get_pending(w), ==, 2);
	g_assert_cmpuint(cw_store_writer_get_n_written(w), ==, 0);
	g_assert_false(cw_store_in_transaction(fx->store));
	cw_store_test_raw_exec(db, "COMMIT");

	cw_store_writer_event(w, bot, NULL, "TWO", 2, NULL);
	g_assert_true(cw_store_writer_flush(w, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cw_store_writer_get_n_written(w), ==, 3);
	g_assert_cmpint(cw_store_test_raw_int(db, "SELECT count(*) FROM events"), ==, 2);
	g_assert_cmpint(cw_store_test_raw_int(db, "SELECT count(*) FROM events WHERE type = 'ONE'"),
			==, 1);
	sqlite3_close(db);
}

/* A bot's queue handed to the service's keeps its order behind what the
 * service had queued; two queues applied in one transaction commit
 * together and count separately. */
static void
test_writer_move_and_apply(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(CwStoreWriter) service = cw_store_writer_new(fx->store);
	g_autoptr(CwStoreWriter) bot_queue = cw_store_writer_new(fx->store);
	g_autoptr(CwStoreWriter) other = cw_store_writer_new(fx->store);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events = NULL;
	gint64 bot = writer_add_bot(fx, "a");
	guint64 written = 0, failed = 0;
	const char *want[] = {"S1", "B1", "B2", "O1"};

	cw_store_writer_event(service, bot, NULL, "S1", 1, NULL);
	cw_store_writer_event(bot_queue, bot, NULL, "B1", 2, NULL);
	cw_store_writer_event(bot_queue, bot, NULL, "B2", 3, NULL);
	cw_store_writer_move_to(bot_queue, service);
	g_assert_cmpuint(cw_store_writer_get_pending(bot_queue), ==, 0);
	g_assert_cmpuint(cw_store_writer_get_pending(service), ==, 3);
	cw_store_writer_event(other, bot, NULL, "O1", 4, NULL);

	g_assert_true(cw_store_begin(fx->store, &error));
	g_assert_true(cw_store_writer_apply_pending(service, &error));
	g_assert_true(cw_store_writer_apply_pending(other, &error));
	/* applied, not yet committed: still queued */
	g_assert_cmpuint(cw_store_writer_get_pending(service), ==, 3);
	g_assert_true(cw_store_commit(fx->store, &error));
	cw_store_writer_commit_applied(service, &written, &failed);
	cw_store_writer_commit_applied(other, &written, &failed);
	g_assert_cmpuint(written, ==, 4);
	g_assert_cmpuint(failed, ==, 0);
	g_assert_cmpuint(cw_store_writer_get_n_written(service), ==, 3);
	g_assert_cmpuint(cw_store_writer_get_n_written(other), ==, 1);
	g_assert_cmpuint(cw_store_writer_get_pending(service) + cw_store_writer_get_pending(other),
			 ==, 0);
	events = cw_store_events_query(fx->store, bot, NULL, 0, 0, &error);
	g_assert_cmpuint(events->len, ==, G_N_ELEMENTS(want));
	for (guint i = 0; i < G_N_ELEMENTS(want); i++)
		g_assert_cmpstr(((CwStoreEvent *) events->pdata[i])->type, ==, want[i]);
}

/* After a rolled-back transaction the queue is applied again, not lost. */
static void
test_writer_rollback(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(CwStoreWriter) w = cw_store_writer_new(fx->store);
	g_autoptr(GError) error = NULL;
	gint64 bot = writer_add_bot(fx, "a");
	sqlite3 *db = cw_store_test_raw_open(fx->path);

	cw_store_writer_event(w, bot, NULL, "ONE", 1, NULL);
	g_assert_true(cw_store_begin(fx->store, &error));
	g_assert_true(cw_store_writer_apply_pending(w, &error));
	g_assert_true(cw_store_rollback(fx->store, &error));
	g_assert_cmpuint(cw_store_writer_get_pending(w), ==, 1);
	g_assert_true(cw_store_writer_flush(w, &error));
	g_assert_no_error(error);
	g_assert_cmpint(cw_store_test_raw_int(db, "SELECT count(*) FROM events"), ==, 1);
	g_assert_cmpuint(cw_store_writer_get_n_written(w), ==, 1);
	sqlite3_close(db);
}

static void
writer_teardown(CwStoreFixture *fx, gconstpointer user_data)
{
	cw_store_fixture_teardown(fx, user_data);
	cw_test_log_assert_none();
}

/* A position's exit plan is copied as values and rendered as JSON only
 * when the write is applied; the row holds the same text as before. */
static void
test_writer_exit_plan(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(CwStoreWriter) w = cw_store_writer_new(fx->store);
	g_autoptr(GError) error = NULL;
	g_autofree char *json = NULL, *row = NULL;
	CwPosition position = {.strategy_id = g_quark_from_string("trend"),
			       .symbol = g_quark_from_string("BTCUSDT"),
			       .direction = CW_DIRECTION_LONG,
			       .qty = 0.01,
			       .entry_price = 35000.5};
	CwStoreExitPlan plan = {.state = "tp1",
				.stop_price = 34500.1,
				.trailing = TRUE,
				.best_close = 35100.25,
				.candles_in_position = 4,
				.n_take_profits = 2,
				.tp_price = {35500, 36000.5},
				.tp_qty = {0.004, 0.006},
				.tp_filled = {TRUE, FALSE}};
	const char *expected =
	    "{\"state\":\"tp1\",\"stop_price\":34500.1,\"trailing\":true,\"best_close\":35100.25,"
	    "\"candles_in_position\":4,\"take_profits\":[{\"price\":35500.0,\"qty\":0.004,"
	    "\"filled\":true},{\"price\":36000.5,\"qty\":0.006,\"filled\":false}]}";
	gint64 bot = writer_add_bot(fx, "alpha");
	sqlite3 *db = cw_store_test_raw_open(fx->path);

	json = cw_store_exit_plan_to_json(&plan);
	g_assert_cmpstr(json, ==, expected);
	cw_store_writer_position_plan(w, bot, "trend", &position, &plan);
	/* a later change of the caller's plan is not the queued one's */
	plan.state = "closed";
	g_assert_true(cw_store_writer_flush(w, &error));
	g_assert_no_error(error);
	row = cw_store_test_raw_text(db, "SELECT state_json FROM trading_positions");
	g_assert_cmpstr(row, ==, expected);
	sqlite3_close(db);
}

/* A later state of the newest queued order row replaces it: the change
 * is written once; another order, or a flushed queue, is not replaced. */
static void
test_writer_update_order(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(CwStoreWriter) w = cw_store_writer_new(fx->store);
	g_autoptr(GError) error = NULL;
	CwOrder order = writer_order("cw-1-1", CW_ORDER_STATUS_PENDING_NEW), got = {0};
	CwOrder other = writer_order("cw-1-2", CW_ORDER_STATUS_PENDING_NEW);
	gint64 bot = writer_add_bot(fx, "alpha");
	gint64 owner = 0;

	cw_store_writer_order(w, bot, &order);
	order.status = CW_ORDER_STATUS_NEW;
	g_assert_false(cw_store_writer_update_order(w, bot + 1, &order));
	g_assert_false(cw_store_writer_update_order(w, bot, &other));
	g_assert_true(cw_store_writer_update_order(w, bot, &order));
	g_assert_cmpuint(cw_store_writer_get_pending(w), ==, 1);
	g_assert_true(cw_store_writer_flush(w, &error));
	g_assert_no_error(error);
	g_assert_true(cw_store_order_get(fx->store, "cw-1-1", &got, &owner, &error));
	g_assert_cmpint(got.status, ==, CW_ORDER_STATUS_NEW);
	/* flushed: nothing queued to update any more */
	g_assert_false(cw_store_writer_update_order(w, bot, &order));
}

/* Once a flush applied them, the room of a busy candle's writes is kept:
 * the next candle's order rows and position rows allocate nothing. */
static void
test_writer_reuses_writes(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(CwStoreWriter) w = cw_store_writer_new(fx->store);
	g_autoptr(GError) error = NULL;
	CwOrder order = writer_order("cw-1-1", CW_ORDER_STATUS_NEW);
	CwPosition position = {.strategy_id = g_quark_from_string("trend"),
			       .symbol = g_quark_from_string("BTCUSDT"),
			       .direction = CW_DIRECTION_LONG,
			       .qty = 0.01,
			       .entry_price = 35000.5};
	CwStoreExitPlan plan = {.state = "open", .stop_price = 34000};
	gint64 bot = writer_add_bot(fx, "alpha");
	guint n;

	n_allocations = 0;
	counting = TRUE;
	g_free(g_malloc(16));
	counting = FALSE;
	if (n_allocations != 1) {
		g_test_skip("malloc is not interposed here");
		return;
	}
	for (guint i = 0; i < 4; i++)
		cw_store_writer_order(w, bot, &order);
	cw_store_writer_position_plan(w, bot, "trend", &position, &plan);
	g_assert_true(cw_store_writer_flush(w, &error));
	g_assert_no_error(error);
	n_allocations = 0;
	counting = TRUE;
	for (guint i = 0; i < 4; i++)
		cw_store_writer_order(w, bot, &order);
	cw_store_writer_position_plan(w, bot, "trend", &position, &plan);
	counting = FALSE;
	n = n_allocations;
	g_assert_cmpuint(n, ==, 0);
	g_assert_cmpuint(cw_store_writer_get_pending(w), ==, 5);
	g_assert_true(cw_store_writer_flush(w, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cw_store_writer_get_n_written(w), ==, 10);
}

/* An event's source and reason and a trade's bot name, short or long, are
 * copied into the log (no allocation once its room is warm) and reach the
 * rows unchanged. */
static void
test_writer_event_strings(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(CwStoreWriter) w = cw_store_writer_new(fx->store);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events = NULL, trades = NULL;
	g_autofree char *long_reason = g_strnfill(300, 'r');
	g_autofree char *long_source = g_strnfill(40, 's');
	g_autofree char *long_name = g_strnfill(100, 'n');
	CwTrade trade = writer_trade(1);
	CwEvent event = {.type = CW_EVENT_GUARD_TRIPPED,
			 .strategy_id = g_quark_from_string("trend"),
			 .time = 1,
			 .source = "max_drawdown",
			 .reason = "drawdown over the limit"};
	gint64 bot = writer_add_bot(fx, "alpha");
	guint n;

	cw_store_writer_event_copy(w, bot, &event);
	cw_store_writer_trade(w, "alpha", "trend", &trade);
	g_assert_true(cw_store_writer_flush(w, &error));
	g_assert_no_error(error);
	n_allocations = 0;
	counting = TRUE;
	cw_store_writer_event_copy(w, bot, &event);
	trade.seq = 2;
	cw_store_writer_trade(w, "alpha", "trend", &trade);
	counting = FALSE;
	n = n_allocations;
	g_assert_cmpuint(n, ==, 0);
	event.source = long_source;
	event.reason = long_reason;
	cw_store_writer_event_copy(w, bot, &event);
	trade.seq = 3;
	cw_store_writer_trade(w, long_name, "trend", &trade);
	g_assert_true(cw_store_writer_flush(w, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cw_store_writer_get_n_failed(w), ==, 0);

	events = cw_store_events_query(fx->store, bot, NULL, 0, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(events->len, ==, 3);
	for (guint i = 0; i < 2; i++) {
		const char *payload = ((CwStoreEvent *) events->pdata[i])->payload;
		g_assert_nonnull(strstr(payload, "\"source\":\"max_drawdown\""));
		g_assert_nonnull(strstr(payload, "\"reason\":\"drawdown over the limit\""));
	}
	g_assert_nonnull(strstr(((CwStoreEvent *) events->pdata[2])->payload, long_reason));
	g_assert_nonnull(strstr(((CwStoreEvent *) events->pdata[2])->payload, long_source));
	trades = cw_store_trades_list(fx->store, NULL, "alpha", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(trades->len, ==, 2);
	g_clear_pointer(&trades, g_ptr_array_unref);
	trades = cw_store_trades_list(fx->store, NULL, long_name, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(trades->len, ==, 1);
}

/* The i-th event of test_writer_log_grows(): every part an event can
 * carry, and a reason of i % 200 bytes. */
static CwEvent
writer_full_event(guint i, CwOrder *order, CwFill *fill, CwPosition *position, CwTrade *trade,
		  char *reason)
{
	CwEvent event = {.type = CW_EVENT_ORDER_FILLED,
			 .strategy_id = g_quark_from_string("trend"),
			 .time = 1000 + i,
			 .source = i % 3 == 0 ? NULL : "paper",
			 .value = i * 0.5};

	*order = writer_order("", CW_ORDER_STATUS_FILLED);
	g_snprintf(order->client_order_id, sizeof(order->client_order_id), "cw-1-%u", i);
	order->qty = 0.01 * (i + 1);
	*fill = (CwFill){.strategy_id = order->strategy_id,
			 .symbol = order->symbol,
			 .side = CW_SIDE_BUY,
			 .qty = order->qty,
			 .price = 35000 + i,
			 .fee = 0.1,
			 .time = event.time};
	g_strlcpy(fill->client_order_id, order->client_order_id, sizeof(fill->client_order_id));
	*position = (CwPosition){.strategy_id = order->strategy_id,
				 .symbol = order->symbol,
				 .direction = CW_DIRECTION_LONG,
				 .qty = order->qty,
				 .entry_price = fill->price};
	*trade = writer_trade(i);
	memset(reason, 'a' + i % 26, i % 200);
	reason[i % 200] = '\0';
	event.order = i % 2 == 0 ? order : NULL;
	event.fill = i % 4 != 1 ? fill : NULL;
	event.position = i % 5 != 2 ? position : NULL;
	event.trade = i % 7 == 0 ? trade : NULL;
	event.reason = i % 11 == 10 ? NULL : reason;
	return event;
}

/* A log that grows through many reallocations and is handed to another
 * writer gives back every event exactly as it was queued, in order, with
 * the named events and rows queued between them. */
static void
test_writer_log_grows(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(CwStoreWriter) bot_queue = cw_store_writer_new(fx->store);
	g_autoptr(CwStoreWriter) service = cw_store_writer_new(fx->store);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events = NULL;
	g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func(g_free);
	gint64 bot = writer_add_bot(fx, "alpha");
	const guint n = 600;

	cw_store_writer_event(service, bot, NULL, "FIRST", 1, g_strdup("{\"n\":0}"));
	g_ptr_array_add(expected, g_strdup("{\"n\":0}"));
	for (guint i = 0; i < n; i++) {
		char reason[256];
		CwOrder order;
		CwFill fill;
		CwPosition position;
		CwTrade trade;
		CwEvent event = writer_full_event(i, &order, &fill, &position, &trade, reason);

		cw_store_writer_event_copy(bot_queue, bot, &event);
		g_ptr_array_add(expected, cw_event_to_json(&event));
		if (i % 50 == 0) {
			g_autofree char *payload = g_strdup_printf("{\"n\":%u}", i + 1);

			cw_store_writer_event(bot_queue, bot, "trend", "MARK", 1000 + i,
					      g_strdup(payload));
			g_ptr_array_add(expected, g_steal_pointer(&payload));
			cw_store_writer_order(bot_queue, bot, &order);
		}
	}
	/* 600 events, 12 named events, 12 order rows */
	g_assert_cmpuint(cw_store_writer_get_pending(bot_queue), ==, n + 24);
	cw_store_writer_move_to(bot_queue, service);
	g_assert_cmpuint(cw_store_writer_get_pending(bot_queue), ==, 0);
	g_assert_cmpuint(cw_store_writer_get_pending(service), ==, n + 25);
	g_assert_true(cw_store_writer_flush(service, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cw_store_writer_get_n_written(service), ==, n + 25);
	g_assert_cmpuint(cw_store_writer_get_n_failed(service), ==, 0);

	events = cw_store_events_query(fx->store, bot, NULL, 0, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(events->len, ==, expected->len);
	for (guint i = 0; i < events->len; i++)
		g_assert_cmpstr(((CwStoreEvent *) events->pdata[i])->payload, ==,
				expected->pdata[i]);
	g_assert_cmpstr(((CwStoreEvent *) events->pdata[0])->type, ==, "FIRST");
	g_assert_cmpstr(((CwStoreEvent *) events->pdata[2])->type, ==, "MARK");
	g_assert_cmpstr(((CwStoreEvent *) events->pdata[2])->strategy_id, ==, "trend");
	g_assert_cmpstr(((CwStoreEvent *) events->pdata[1])->type, ==, "ORDER_FILLED");
}

/* A deleted bot's queued order, position and state writes are dropped
 * (its rows went with its row, ON DELETE CASCADE): the flush refuses
 * nothing, and its events are still written. */
static void
test_writer_drop_bot_rows(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(CwStoreWriter) w = cw_store_writer_new(fx->store);
	g_autoptr(GError) error = NULL;
	CwOrder order = writer_order("cw-1-1", CW_ORDER_STATUS_NEW);
	CwPosition position = {.strategy_id = g_quark_from_string("trend"),
			       .symbol = g_quark_from_string("BTCUSDT"),
			       .direction = CW_DIRECTION_LONG,
			       .qty = 0.01,
			       .entry_price = 35000.5};
	gint64 gone = writer_add_bot(fx, "gone");
	gint64 stays = writer_add_bot(fx, "stays");
	sqlite3 *db = cw_store_test_raw_open(fx->path);

	cw_store_writer_order(w, gone, &order);
	cw_store_writer_position_plan(w, gone, "trend", &position, NULL);
	cw_store_writer_state(w, gone, "cursor", "1");
	cw_store_writer_event(w, gone, "trend", "LAST", 1, NULL);
	cw_store_writer_state(w, stays, "cursor", "2");
	g_assert_true(cw_store_bot_remove(fx->store, gone, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cw_store_writer_drop_bot_rows(w, gone), ==, 3);
	g_assert_cmpuint(cw_store_writer_get_pending(w), ==, 2);
	/* the newest order row went: nothing to update any more */
	g_assert_false(cw_store_writer_update_order(w, gone, &order));
	g_assert_true(cw_store_writer_flush(w, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cw_store_writer_get_n_failed(w), ==, 0);
	g_assert_cmpint(
	    cw_store_test_raw_int(db, "SELECT count(*) FROM events WHERE type = 'LAST'"), ==, 1);
	g_assert_cmpint(cw_store_test_raw_int(db, "SELECT count(*) FROM bot_state"), ==, 1);
	sqlite3_close(db);
}

/* A bot deleted between its order row's queueing and the flush (the
 * flush timer ran before the manager saw the deletion): the row went with
 * the bot's row, so the refused write is dropped without a warning. */
static void
test_writer_deleted_bot_quiet(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(CwStoreWriter) w = cw_store_writer_new(fx->store);
	g_autoptr(GError) error = NULL;
	CwOrder order = writer_order("cw-1-1", CW_ORDER_STATUS_NEW);
	gint64 gone = writer_add_bot(fx, "gone");

	cw_store_writer_order(w, gone, &order);
	cw_store_writer_state(w, gone, "cursor", "1");
	g_assert_true(cw_store_bot_remove(fx->store, gone, &error));
	g_assert_no_error(error);
	g_assert_true(cw_store_writer_flush(w, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cw_store_writer_get_n_failed(w), ==, 2);
	/* the teardown asserts that nothing was logged */
}

int
main(int argc, char **argv)
{
	cw_test_log_capture();
	g_test_init(&argc, &argv, NULL);
#define ADD(name, func)                                                                            \
	g_test_add("/services/store-writer/" name, CwStoreFixture, NULL, cw_store_fixture_setup,   \
		   func, writer_teardown)
	ADD("flush", test_writer_flush);
	ADD("refused", test_writer_refused);
	ADD("busy", test_writer_busy);
	ADD("move-and-apply", test_writer_move_and_apply);
	ADD("rollback", test_writer_rollback);
	ADD("exit-plan", test_writer_exit_plan);
	ADD("update-order", test_writer_update_order);
	ADD("reuses-writes", test_writer_reuses_writes);
	ADD("event-strings", test_writer_event_strings);
	ADD("log-grows", test_writer_log_grows);
	ADD("drop-bot-rows", test_writer_drop_bot_rows);
	ADD("deleted-bot-quiet", test_writer_deleted_bot_quiet);
#undef ADD
	return g_test_run();
}
