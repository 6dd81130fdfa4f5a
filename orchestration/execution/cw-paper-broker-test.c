/* Paper broker: fill prices, fees, slippage, ordering inside a candle, no
 * look-ahead, reduce-only clipping, re-entrant listeners, lookup, config. */
#include "cw-execution-test-utils.h"

#include <math.h>

typedef struct {
	CwPaperBroker *broker;
	GArray *log; /* of CwTestEvent: order + fill */
	/* re-entrancy script */
	gboolean submit_stop_on_entry;
	double stop_price;
	guint seq;
} Fixture;

static void
listener(const CwExecutionReport *report, gpointer user_data)
{
	Fixture *f = user_data;
	const CwOrder *order = report->order;
	const CwFill *fill = report->fill;
	CwTestEvent rec = {0};

	rec.order = *order;
	rec.has_order = TRUE;
	if (fill != NULL) {
		rec.fill = *fill;
		rec.has_fill = TRUE;
	}
	g_array_append_val(f->log, rec);

	if (f->submit_stop_on_entry && fill != NULL && order->purpose == CW_ORDER_PURPOSE_ENTRY) {
		CwOrder stop = {0};
		g_autoptr(GError) error = NULL;

		g_snprintf(stop.client_order_id, sizeof(stop.client_order_id), "re-%u", ++f->seq);
		stop.side = CW_SIDE_SELL;
		stop.type = CW_ORDER_TYPE_STOP;
		stop.purpose = CW_ORDER_PURPOSE_STOP_LOSS;
		stop.reduce_only = TRUE;
		stop.qty = fill->qty;
		stop.stop_price = f->stop_price;
		g_assert_true(cw_broker_submit(CW_BROKER(f->broker), &stop, &error));
		g_assert_no_error(error);
	}
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	f->broker = cw_paper_broker_new();
	/* 10 bps slippage, 2 bps maker, 5 bps taker */
	cw_paper_broker_set_fees(f->broker, 10, 2, 5);
	cw_paper_broker_set_balance(f->broker, 1000);
	f->log = g_array_new(FALSE, TRUE, sizeof(CwTestEvent));
	cw_broker_set_report_sink(CW_BROKER(f->broker), listener, f);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_object_unref(f->broker);
	g_array_unref(f->log);
}

static CwOrder
make_order(const char *id, CwSide side, CwOrderType type, CwOrderPurpose purpose, double qty,
	   double price)
{
	CwOrder o = {0};

	g_strlcpy(o.client_order_id, id, sizeof(o.client_order_id));
	o.side = side;
	o.type = type;
	o.purpose = purpose;
	o.qty = qty;
	o.reduce_only = purpose != CW_ORDER_PURPOSE_ENTRY;
	if (type == CW_ORDER_TYPE_LIMIT)
		o.price = price;
	else if (type == CW_ORDER_TYPE_STOP)
		o.stop_price = price;
	return o;
}

static void
submit(Fixture *f, CwOrder o)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(cw_broker_submit(CW_BROKER(f->broker), &o, &error));
	g_assert_no_error(error);
}

static void
candle(Fixture *f, guint i, double o, double h, double l, double c)
{
	CwCandle k = cw_test_candle(i, o, h, l, c);

	cw_broker_on_candle(CW_BROKER(f->broker), &k);
}

static guint
n_fills(Fixture *f)
{
	guint n = 0;

	for (guint i = 0; i < f->log->len; i++)
		n += g_array_index(f->log, CwTestEvent, i).has_fill ? 1 : 0;
	return n;
}

static const CwTestEvent *
nth_fill(Fixture *f, guint n)
{
	for (guint i = 0; i < f->log->len; i++) {
		const CwTestEvent *e = &g_array_index(f->log, CwTestEvent, i);
		if (e->has_fill && n-- == 0)
			return e;
	}
	return NULL;
}

/* Buys 2 at candle 1's open 100: 100.1 with slippage. */
static void
open_long(Fixture *f)
{
	candle(f, 0, 99, 100, 98, 100);
	submit(f, make_order("entry", CW_SIDE_BUY, CW_ORDER_TYPE_MARKET, CW_ORDER_PURPOSE_ENTRY, 2,
			     0));
	candle(f, 1, 100, 100.5, 99.5, 100);
	g_assert_cmpuint(n_fills(f), ==, 1);
}

static void
test_market_next_open(Fixture *f, gconstpointer data)
{
	const CwTestEvent *e;

	candle(f, 0, 99, 101, 98, 100);
	submit(f,
	       make_order("m1", CW_SIDE_BUY, CW_ORDER_TYPE_MARKET, CW_ORDER_PURPOSE_ENTRY, 2, 0));
	/* accepted at once, not filled on the decision candle */
	g_assert_cmpuint(f->log->len, ==, 1);
	e = &g_array_index(f->log, CwTestEvent, 0);
	g_assert_cmpint(e->order.status, ==, CW_ORDER_STATUS_NEW);
	g_assert_false(e->has_fill);
	g_assert_cmpuint(n_fills(f), ==, 0);

	candle(f, 1, 110, 115, 105, 112);
	g_assert_cmpuint(n_fills(f), ==, 1);
	e = nth_fill(f, 0);
	g_assert_cmpint(e->order.status, ==, CW_ORDER_STATUS_FILLED);
	cw_assert_close(e->fill.price, 110.11); /* 110 * 1.001 */
	cw_assert_close(e->fill.qty, 2);
	cw_assert_close(e->fill.fee, 2 * 110.11 * 0.0005);
	g_assert_false(e->fill.maker);
	g_assert_cmpint(e->fill.time, ==, 60000);
	cw_assert_close(e->order.avg_fill_price, 110.11);
	cw_assert_close(e->order.filled_qty, 2);

	/* a sell receives less */
	submit(f, make_order("m2", CW_SIDE_SELL, CW_ORDER_TYPE_MARKET, CW_ORDER_PURPOSE_SIGNAL_EXIT,
			     2, 0));
	candle(f, 2, 120, 121, 119, 120);
	e = nth_fill(f, 1);
	cw_assert_close(e->fill.price, 119.88); /* 120 * 0.999 */
	cw_assert_close(e->fill.fee, 2 * 119.88 * 0.0005);
	/* cash view: 1000 + 2 * (119.88 - 110.11) - fees */
	cw_assert_close(cw_test_broker_get_balance(CW_BROKER(f->broker)),
			1000 + 2 * (119.88 - 110.11) - 2 * 110.11 * 0.0005 - 2 * 119.88 * 0.0005);
	cw_assert_close(cw_paper_broker_get_position(f->broker), 0);
}

static void
test_stop_before_take_profit(Fixture *f, gconstpointer data)
{
	const CwTestEvent *e;

	open_long(f);
	submit(f, make_order("tp", CW_SIDE_SELL, CW_ORDER_TYPE_LIMIT, CW_ORDER_PURPOSE_TAKE_PROFIT,
			     2, 105));
	submit(f, make_order("sl", CW_SIDE_SELL, CW_ORDER_TYPE_STOP, CW_ORDER_PURPOSE_STOP_LOSS, 2,
			     95));
	/* both levels inside the range: the stop fills, the take profit has
	 * nothing left to reduce and is cancelled */
	candle(f, 2, 100, 106, 94, 100);
	g_assert_cmpuint(n_fills(f), ==, 2);
	e = nth_fill(f, 1);
	g_assert_cmpstr(e->order.client_order_id, ==, "sl");
	cw_assert_close(e->fill.price, 95 * 0.999);
	cw_assert_close(e->fill.fee, 2 * 95 * 0.999 * 0.0005);
	e = &g_array_index(f->log, CwTestEvent, f->log->len - 1);
	g_assert_cmpstr(e->order.client_order_id, ==, "tp");
	g_assert_cmpint(e->order.status, ==, CW_ORDER_STATUS_CANCELLED);
	g_assert_false(e->has_fill);
	g_assert_cmpuint(cw_paper_broker_get_n_working(f->broker), ==, 0);
}

static void
test_stop_gap(Fixture *f, gconstpointer data)
{
	const CwTestEvent *e;

	open_long(f);
	submit(f, make_order("sl", CW_SIDE_SELL, CW_ORDER_TYPE_STOP, CW_ORDER_PURPOSE_STOP_LOSS, 2,
			     95));
	candle(f, 2, 96, 97, 95.5, 96); /* range does not reach the stop */
	g_assert_cmpuint(n_fills(f), ==, 1);
	candle(f, 3, 90, 92, 88, 91); /* opens through it */
	g_assert_cmpuint(n_fills(f), ==, 2);
	e = nth_fill(f, 1);
	cw_assert_close(e->fill.price, 90 * 0.999);
	g_assert_false(e->fill.maker);

	/* a short's buy stop */
	submit(f, make_order("short", CW_SIDE_SELL, CW_ORDER_TYPE_MARKET, CW_ORDER_PURPOSE_ENTRY, 1,
			     0));
	candle(f, 4, 100, 100, 100, 100);
	submit(f, make_order("bs", CW_SIDE_BUY, CW_ORDER_TYPE_STOP, CW_ORDER_PURPOSE_STOP_LOSS, 1,
			     103));
	candle(f, 5, 101, 104, 100, 102);
	e = nth_fill(f, 3);
	g_assert_cmpstr(e->order.client_order_id, ==, "bs");
	cw_assert_close(e->fill.price, 103 * 1.001);
}

static void
test_no_fill_on_decision_candle(Fixture *f, gconstpointer data)
{
	open_long(f);
	/* submitted after candle 1: candle 1's range (99.5) does not count
	 * even though a stop at 99.6 lies inside it */
	submit(f, make_order("sl", CW_SIDE_SELL, CW_ORDER_TYPE_STOP, CW_ORDER_PURPOSE_STOP_LOSS, 2,
			     99.6));
	g_assert_cmpuint(n_fills(f), ==, 1);
	candle(f, 2, 100, 101, 99.7, 100);
	g_assert_cmpuint(n_fills(f), ==, 1);
	candle(f, 3, 100, 101, 99.5, 100);
	g_assert_cmpuint(n_fills(f), ==, 2);
	g_assert_cmpint(nth_fill(f, 1)->fill.time, ==, 3 * 60000);
}

static void
test_limit_and_fees(Fixture *f, gconstpointer data)
{
	const CwTestEvent *e;

	open_long(f);
	submit(f, make_order("tp1", CW_SIDE_SELL, CW_ORDER_TYPE_LIMIT, CW_ORDER_PURPOSE_TAKE_PROFIT,
			     1, 105));
	submit(f, make_order("tp2", CW_SIDE_SELL, CW_ORDER_TYPE_LIMIT, CW_ORDER_PURPOSE_TAKE_PROFIT,
			     1, 108));
	candle(f, 2, 100, 105, 99, 104); /* touches 105 exactly */
	g_assert_cmpuint(n_fills(f), ==, 2);
	e = nth_fill(f, 1);
	cw_assert_close(e->fill.price, 105); /* no slippage */
	g_assert_true(e->fill.maker);
	cw_assert_close(e->fill.fee, 105 * 0.0002); /* maker */
	/* gap up beyond the limit fills at the better open */
	candle(f, 3, 110, 111, 109, 110);
	e = nth_fill(f, 2);
	g_assert_cmpstr(e->order.client_order_id, ==, "tp2");
	cw_assert_close(e->fill.price, 110);
	cw_assert_close(e->fill.fee, 110 * 0.0002);
	/* taker fee of the entry vs maker fee of the exits */
	cw_assert_close(nth_fill(f, 0)->fill.fee, 2 * 100.1 * 0.0005);

	/* a buy limit below the market */
	submit(f,
	       make_order("bl", CW_SIDE_BUY, CW_ORDER_TYPE_LIMIT, CW_ORDER_PURPOSE_ENTRY, 1, 95));
	candle(f, 4, 100, 101, 96, 97);
	g_assert_cmpuint(n_fills(f), ==, 3);
	candle(f, 5, 97, 98, 94, 95);
	cw_assert_close(nth_fill(f, 3)->fill.price, 95);
}

static void
test_reentrant_protective_stop(Fixture *f, gconstpointer data)
{
	const CwTestEvent *e;

	/* the listener places a stop when the entry fills at the open: it
	 * takes part in the same candle's stop pass */
	f->submit_stop_on_entry = TRUE;
	f->stop_price = 97;
	candle(f, 0, 100, 100, 100, 100);
	submit(f, make_order("entry", CW_SIDE_BUY, CW_ORDER_TYPE_MARKET, CW_ORDER_PURPOSE_ENTRY, 1,
			     0));
	candle(f, 1, 100, 101, 96, 98);
	g_assert_cmpuint(n_fills(f), ==, 2);
	e = nth_fill(f, 1);
	g_assert_cmpstr(e->order.client_order_id, ==, "re-1");
	cw_assert_close(e->fill.price, 97 * 0.999);
	g_assert_cmpint(e->fill.time, ==, 60000);
}

static void
test_reduce_only_clip(Fixture *f, gconstpointer data)
{
	const CwTestEvent *e;

	open_long(f); /* long 2 */
	submit(f, make_order("close3", CW_SIDE_SELL, CW_ORDER_TYPE_MARKET,
			     CW_ORDER_PURPOSE_SIGNAL_EXIT, 3, 0));
	candle(f, 2, 100, 100, 100, 100);
	e = nth_fill(f, 1);
	cw_assert_close(e->fill.qty, 2);
	cw_assert_close(cw_paper_broker_get_position(f->broker), 0);
	submit(f, make_order("close-more", CW_SIDE_SELL, CW_ORDER_TYPE_MARKET,
			     CW_ORDER_PURPOSE_SIGNAL_EXIT, 1, 0));
	candle(f, 3, 100, 100, 100, 100);
	g_assert_cmpuint(n_fills(f), ==, 2);
	e = &g_array_index(f->log, CwTestEvent, f->log->len - 1);
	g_assert_cmpint(e->order.status, ==, CW_ORDER_STATUS_CANCELLED);
}

static void
test_lookup_and_cancel(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	CwOrder out;

	open_long(f);
	submit(f, make_order("sl", CW_SIDE_SELL, CW_ORDER_TYPE_STOP, CW_ORDER_PURPOSE_STOP_LOSS, 2,
			     90));
	g_assert_true(cw_test_broker_lookup(CW_BROKER(f->broker), "sl", &out, &error));
	g_assert_cmpint(out.status, ==, CW_ORDER_STATUS_NEW);
	g_assert_true(cw_test_broker_lookup(CW_BROKER(f->broker), "entry", &out, &error));
	g_assert_cmpint(out.status, ==, CW_ORDER_STATUS_FILLED);
	cw_assert_close(out.avg_fill_price, 100.1);

	g_assert_true(cw_broker_cancel(CW_BROKER(f->broker), "sl", &error));
	g_assert_no_error(error);
	g_assert_true(cw_test_broker_lookup(CW_BROKER(f->broker), "sl", &out, &error));
	g_assert_cmpint(out.status, ==, CW_ORDER_STATUS_CANCELLED);
	g_assert_cmpint(g_array_index(f->log, CwTestEvent, f->log->len - 1).order.status, ==,
			CW_ORDER_STATUS_CANCELLED);

	g_assert_false(cw_broker_cancel(CW_BROKER(f->broker), "sl", &error));
	g_assert_error(error, CW_BROKER_ERROR, CW_BROKER_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(cw_test_broker_lookup(CW_BROKER(f->broker), "nope", &out, &error));
	g_assert_error(error, CW_BROKER_ERROR, CW_BROKER_ERROR_NOT_FOUND);
}

static void
lookup_status(Fixture *f, const char *id, CwOrderStatus status)
{
	g_autoptr(GError) error = NULL;
	CwOrder out;

	g_assert_true(cw_test_broker_lookup(CW_BROKER(f->broker), id, &out, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(out.client_order_id, ==, id);
	g_assert_cmpint(out.status, ==, status);
}

static void
test_history_ring(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	CwOrder o, out;
	char id[32];

	/* a stop that stays working while many other orders come and go */
	o = make_order("keep", CW_SIDE_SELL, CW_ORDER_TYPE_STOP, CW_ORDER_PURPOSE_STOP_LOSS, 1, 50);
	o.seq = 12345;
	submit(f, o);
	g_assert_true(cw_test_broker_lookup(CW_BROKER(f->broker), "keep", &out, &error));
	g_assert_cmpstr(out.exchange_order_id, ==, "paper-12345");
	/* each order is recorded once, when it ends (here: its cancel) */
	for (guint i = 0; i < 300; i++) {
		g_snprintf(id, sizeof(id), "h%u", i);
		o = make_order(id, CW_SIDE_BUY, CW_ORDER_TYPE_LIMIT, CW_ORDER_PURPOSE_ENTRY, 1, 1);
		o.seq = i;
		submit(f, o);
		g_assert_true(cw_broker_cancel(CW_BROKER(f->broker), id, NULL));
	}
	/* the ring keeps the last CW_PAPER_BROKER_HISTORY records: h44 .. h299 */
	G_STATIC_ASSERT(CW_PAPER_BROKER_HISTORY == 256);
	g_assert_false(cw_test_broker_lookup(CW_BROKER(f->broker), "h43", &out, &error));
	g_assert_error(error, CW_BROKER_ERROR, CW_BROKER_ERROR_NOT_FOUND);
	g_clear_error(&error);
	lookup_status(f, "h44", CW_ORDER_STATUS_CANCELLED);
	lookup_status(f, "h299", CW_ORDER_STATUS_CANCELLED);
	g_assert_false(cw_test_broker_lookup(CW_BROKER(f->broker), "h0", &out, &error));
	g_clear_error(&error);
	/* the working order is found in the table even though its record is gone */
	lookup_status(f, "keep", CW_ORDER_STATUS_NEW);
	/* its cancel is recorded anew, as the newest record */
	g_assert_true(cw_broker_cancel(CW_BROKER(f->broker), "keep", NULL));
	lookup_status(f, "keep", CW_ORDER_STATUS_CANCELLED);
	g_assert_cmpuint(cw_paper_broker_get_n_working(f->broker), ==, 0);

	/* an id used again after it is done: the working order is found in the
	 * table, its end is recorded again, and lookups see the newest record */
	o = make_order("h299", CW_SIDE_BUY, CW_ORDER_TYPE_LIMIT, CW_ORDER_PURPOSE_ENTRY, 2, 1);
	o.seq = 7;
	submit(f, o);
	lookup_status(f, "h299", CW_ORDER_STATUS_NEW);
	g_assert_true(cw_test_broker_lookup(CW_BROKER(f->broker), "h299", &out, &error));
	g_assert_cmpstr(out.exchange_order_id, ==, "paper-7");
	cw_assert_close(out.qty, 2);
	g_assert_true(cw_broker_cancel(CW_BROKER(f->broker), "h299", NULL));
	lookup_status(f, "h299", CW_ORDER_STATUS_CANCELLED);
	/* two records appended since h44 left ("keep", "h299" again): h45 left too */
	g_assert_false(cw_test_broker_lookup(CW_BROKER(f->broker), "h45", &out, &error));
	g_clear_error(&error);
	lookup_status(f, "h46", CW_ORDER_STATUS_CANCELLED);

	/* a working order is found in the table, then by its record once filled */
	o = make_order("buy", CW_SIDE_BUY, CW_ORDER_TYPE_MARKET, CW_ORDER_PURPOSE_ENTRY, 1, 0);
	submit(f, o);
	lookup_status(f, "buy", CW_ORDER_STATUS_NEW);
	candle(f, 1, 100, 100, 100, 100);
	lookup_status(f, "buy", CW_ORDER_STATUS_FILLED);
}

static void
test_invalid_and_capacity(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	CwOrder o =
	    make_order("bad", CW_SIDE_BUY, CW_ORDER_TYPE_MARKET, CW_ORDER_PURPOSE_ENTRY, 0, 0);

	g_assert_false(cw_broker_submit(CW_BROKER(f->broker), &o, &error));
	g_assert_error(error, CW_BROKER_ERROR, CW_BROKER_ERROR_REJECTED);
	g_clear_error(&error);
	o = make_order("bad", CW_SIDE_BUY, CW_ORDER_TYPE_STOP, CW_ORDER_PURPOSE_ENTRY, 1, 0);
	g_assert_false(cw_broker_submit(CW_BROKER(f->broker), &o, &error));
	g_assert_error(error, CW_BROKER_ERROR, CW_BROKER_ERROR_REJECTED);
	g_clear_error(&error);

	for (guint i = 0; i < CW_PAPER_BROKER_MAX_WORKING; i++) {
		char id[32];
		g_snprintf(id, sizeof(id), "o%u", i);
		submit(f, make_order(id, CW_SIDE_BUY, CW_ORDER_TYPE_LIMIT, CW_ORDER_PURPOSE_ENTRY,
				     1, 1));
	}
	o = make_order("o0", CW_SIDE_BUY, CW_ORDER_TYPE_LIMIT, CW_ORDER_PURPOSE_ENTRY, 1, 1);
	g_assert_false(cw_broker_submit(CW_BROKER(f->broker), &o, &error));
	g_assert_error(error, CW_BROKER_ERROR, CW_BROKER_ERROR_REJECTED); /* dup */
	g_clear_error(&error);
	o = make_order("one-more", CW_SIDE_BUY, CW_ORDER_TYPE_LIMIT, CW_ORDER_PURPOSE_ENTRY, 1, 1);
	g_assert_false(cw_broker_submit(CW_BROKER(f->broker), &o, &error));
	g_assert_error(error, CW_BROKER_ERROR, CW_BROKER_ERROR_TRANSIENT);
	g_clear_error(&error);
	/* cancelling frees a slot */
	g_assert_true(cw_broker_cancel(CW_BROKER(f->broker), "o5", NULL));
	submit(f, o);
	g_assert_cmpuint(cw_paper_broker_get_n_working(f->broker), ==, CW_PAPER_BROKER_MAX_WORKING);
}

static void
test_configure(void)
{
	g_autoptr(CwBotConfig) config = NULL;
	g_autoptr(CwPaperBroker) broker = NULL;
	g_autoptr(GError) error = NULL;

	config = cw_test_config_new(
	    "{'name': 'b', 'symbol': 'XUSDT', 'initial_balance': 500, 'broker': {'type': 'paper', "
	    "'slippage_bps': 1, 'maker_fee_bps': 0.5, 'taker_fee_bps': 4}, 'strategy': {'type': "
	    "'scripted'}}");
	broker = cw_paper_broker_new();
	g_assert_true(cw_broker_configure(CW_BROKER(broker), config,
					  cw_bot_config_get_section(config, "broker"), &error));
	g_assert_no_error(error);
	cw_assert_close(cw_paper_broker_get_slippage_bps(broker), 1);
	cw_assert_close(cw_paper_broker_get_maker_fee_bps(broker), 0.5);
	cw_assert_close(cw_paper_broker_get_taker_fee_bps(broker), 4);
	cw_assert_close(cw_test_broker_get_balance(CW_BROKER(broker)), 500);
	g_clear_pointer(&config, cw_bot_config_unref);
	g_clear_object(&broker);

	/* defaults */
	config = cw_test_config_new("{'name': 'b', 'symbol': 'XUSDT', 'strategy': {'type': "
				    "'scripted'}}");
	broker = cw_paper_broker_new();
	g_assert_true(cw_broker_configure(CW_BROKER(broker), config,
					  cw_bot_config_get_section(config, "broker"), &error));
	cw_assert_close(cw_paper_broker_get_slippage_bps(broker), 2);
	cw_assert_close(cw_paper_broker_get_maker_fee_bps(broker), 2);
	cw_assert_close(cw_paper_broker_get_taker_fee_bps(broker), 5.5);
	g_clear_pointer(&config, cw_bot_config_unref);
	g_clear_object(&broker);

	config = cw_test_config_new("{'name': 'b', 'symbol': 'XUSDT', 'broker': {'slippage_bps': "
				    "-1}, 'strategy': {'type': 'scripted'}}");
	broker = cw_paper_broker_new();
	g_assert_false(cw_broker_configure(CW_BROKER(broker), config,
					   cw_bot_config_get_section(config, "broker"), &error));
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, "broker.slippage_bps"));
	g_clear_error(&error);
	g_clear_pointer(&config, cw_bot_config_unref);
	g_clear_object(&broker);

	config = cw_test_config_new("{'name': 'b', 'symbol': 'XUSDT', 'broker': {'fee': 1}, "
				    "'strategy': {'type': 'scripted'}}");
	broker = cw_paper_broker_new();
	g_assert_false(cw_broker_configure(CW_BROKER(broker), config,
					   cw_bot_config_get_section(config, "broker"), &error));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_UNKNOWN_KEY);
	g_assert_nonnull(strstr(error->message, "broker.fee"));
	g_assert_nonnull(strstr(error->message, "taker_fee_bps"));
}

/* The contract's synchronous side: submit acknowledges (NEW) before it
 * returns; amend moves a working stop in place (same id, same slot) and
 * reports it; the capabilities say so. */
static void
test_ack_and_amend(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	const CwTestEvent *e;
	guint before;

	g_assert_true(cw_broker_has_capability(
	    CW_BROKER(f->broker), CW_BROKER_CAP_SIMULATED_ON_CANDLES | CW_BROKER_CAP_NATIVE_STOP |
				      CW_BROKER_CAP_REDUCE_ONLY));
	g_assert_false(cw_broker_has_capability(CW_BROKER(f->broker), CW_BROKER_CAP_AMEND));
	open_long(f);
	before = f->log->len;
	submit(f, make_order("sl", CW_SIDE_SELL, CW_ORDER_TYPE_STOP, CW_ORDER_PURPOSE_STOP_LOSS, 2,
			     90));
	g_assert_cmpuint(f->log->len, ==, before + 1);
	e = &g_array_index(f->log, CwTestEvent, before);
	g_assert_cmpint(e->order.status, ==, CW_ORDER_STATUS_NEW);

	g_assert_true(cw_broker_amend(CW_BROKER(f->broker), "sl", 1.5, 0, 99.8, &error));
	g_assert_no_error(error);
	e = &g_array_index(f->log, CwTestEvent, f->log->len - 1);
	g_assert_cmpstr(e->order.client_order_id, ==, "sl");
	cw_assert_close(e->order.stop_price, 99.8);
	cw_assert_close(e->order.qty, 1.5);
	g_assert_cmpuint(cw_paper_broker_get_n_working(f->broker), ==, 1);
	/* the amended trigger is in reach: it fills at 99.8 less slippage */
	candle(f, 2, 100, 100, 99.5, 99.6);
	g_assert_cmpuint(n_fills(f), ==, 2);
	cw_assert_close(nth_fill(f, 1)->fill.qty, 1.5);
	cw_assert_close(nth_fill(f, 1)->fill.price, 99.8 * (1 - 0.001));
	g_assert_false(cw_broker_amend(CW_BROKER(f->broker), "sl", 1, 0, 95, &error));
	g_assert_error(error, CW_BROKER_ERROR, CW_BROKER_ERROR_NOT_FOUND);
}

/* reconcile_async: open orders, what ended since a time, position, balance. */
static void
test_reconcile(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBrokerState) state = NULL;
	g_autoptr(CwBrokerState) later = NULL;

	open_long(f);
	submit(f, make_order("sl", CW_SIDE_SELL, CW_ORDER_TYPE_STOP, CW_ORDER_PURPOSE_STOP_LOSS, 2,
			     90));
	state = cw_test_broker_reconcile(CW_BROKER(f->broker), 0, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(state->open_orders->len, ==, 1);
	g_assert_cmpstr(g_array_index(state->open_orders, CwOrder, 0).client_order_id, ==, "sl");
	g_assert_cmpuint(state->ended->len, ==, 1);
	g_assert_cmpstr(g_array_index(state->ended, CwOrder, 0).client_order_id, ==, "entry");
	cw_assert_close(state->position, 2);
	cw_assert_close(state->entry_price, 100.1);
	cw_assert_close(state->balance, cw_test_broker_get_balance(CW_BROKER(f->broker)));
	/* nothing ended after the entry's fill at candle 1 */
	later = cw_test_broker_reconcile(CW_BROKER(f->broker), 60001, &error);
	g_assert_cmpuint(later->ended->len, ==, 0);
}

static void
test_registered(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GObject) obj = NULL;

	cw_execution_register_types();
	cw_execution_register_types();
	obj = cw_extension_new(CW_EXTENSION_POINT_BROKER, "paper", &error);
	g_assert_no_error(error);
	g_assert_true(CW_IS_PAPER_BROKER(obj));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
	ADD("/execution/paper-broker/market-next-open", test_market_next_open);
	ADD("/execution/paper-broker/stop-before-take-profit", test_stop_before_take_profit);
	ADD("/execution/paper-broker/stop-gap", test_stop_gap);
	ADD("/execution/paper-broker/no-fill-on-decision-candle", test_no_fill_on_decision_candle);
	ADD("/execution/paper-broker/limit-and-fees", test_limit_and_fees);
	ADD("/execution/paper-broker/reentrant-protective-stop", test_reentrant_protective_stop);
	ADD("/execution/paper-broker/reduce-only-clip", test_reduce_only_clip);
	ADD("/execution/paper-broker/lookup-and-cancel", test_lookup_and_cancel);
	ADD("/execution/paper-broker/invalid-and-capacity", test_invalid_and_capacity);
	ADD("/execution/paper-broker/history-ring", test_history_ring);
	ADD("/execution/paper-broker/ack-and-amend", test_ack_and_amend);
	ADD("/execution/paper-broker/reconcile", test_reconcile);
#undef ADD
	g_test_add_func("/execution/paper-broker/configure", test_configure);
	g_test_add_func("/execution/paper-broker/registered", test_registered);
	return g_test_run();
}
