/* Venue core (cw-venue-core.c): when a stop order's candle reaches its
 * stop, for both sides, and the stop fills the tests' venue broker makes
 * of it, a gap through the stop included. */
#include "cw-execution-test-utils.h"
#include "cw-venue-core.h"

#include <math.h>

typedef struct {
	CwTestVenueBroker *venue;
	GArray *fills;  /* of CwFill */
	GArray *orders; /* of CwOrder: the order of each report */
} Fixture;

static void
sink(const CwExecutionReport *report, gpointer user_data)
{
	Fixture *f = user_data;

	g_array_append_val(f->orders, *report->order);
	if (report->fill != NULL)
		g_array_append_val(f->fills, *report->fill);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	cw_test_register_types();
	f->venue = g_object_new(CW_TYPE_TEST_VENUE_BROKER, NULL);
	f->fills = g_array_new(FALSE, TRUE, sizeof(CwFill));
	f->orders = g_array_new(FALSE, TRUE, sizeof(CwOrder));
	cw_broker_set_report_sink(CW_BROKER(f->venue), sink, f);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_clear_object(&f->venue);
	g_array_unref(f->fills);
	g_array_unref(f->orders);
}

static CwOrder
stop_order(CwSide side, double stop_price)
{
	CwOrder o = {0};

	g_strlcpy(o.client_order_id, side == CW_SIDE_SELL ? "sell-stop" : "buy-stop",
		  sizeof o.client_order_id);
	o.symbol = g_quark_from_static_string("BTCUSDT");
	o.side = side;
	o.type = CW_ORDER_TYPE_STOP;
	o.purpose = CW_ORDER_PURPOSE_STOP_LOSS;
	o.reduce_only = TRUE;
	o.qty = 0.25;
	o.stop_price = stop_price;
	return o;
}

/* Whether a candle [open, high, low, close] reaches a stop of side at
 * stop_price. */
typedef struct {
	CwSide side;
	double stop_price;
	double candle[4];
	gboolean crossed;
} CrossCase;

static const CrossCase cross_cases[] = {
    /* a sell stop waits below the price: only the low counts */
    {CW_SIDE_SELL, 95, {100, 101, 95.5, 99}, FALSE},
    {CW_SIDE_SELL, 95, {100, 101, 95, 99}, TRUE},
    {CW_SIDE_SELL, 95, {100, 101, 94, 99}, TRUE},
    {CW_SIDE_SELL, 95, {90, 92, 89, 91}, TRUE},      /* a gap down through it */
    {CW_SIDE_SELL, 95, {120, 130, 110, 125}, FALSE}, /* above it all candle long */
    /* a buy stop waits above the price: only the high counts */
    {CW_SIDE_BUY, 105, {100, 104.5, 99, 101}, FALSE},
    {CW_SIDE_BUY, 105, {100, 105, 99, 101}, TRUE},
    {CW_SIDE_BUY, 105, {100, 106, 99, 101}, TRUE},
    {CW_SIDE_BUY, 105, {110, 112, 109, 111}, TRUE}, /* a gap up through it */
    {CW_SIDE_BUY, 105, {80, 90, 70, 85}, FALSE},    /* below it all candle long */
};

static void
test_stop_crossed(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(cross_cases); i++) {
		const CrossCase *tc = &cross_cases[i];
		CwOrder o = stop_order(tc->side, tc->stop_price);
		CwCandle c =
		    cw_test_candle(0, tc->candle[0], tc->candle[1], tc->candle[2], tc->candle[3]);

		g_test_message("case %u", i);
		g_assert_cmpint(cw_venue_core_stop_crossed(&o, &c), ==, tc->crossed);
	}
}

/* A stop of side at stop_price over candles of [open, high, low, close]
 * (one a minute, from minute 1): all of it fills at price with the
 * filled_at-th candle (1-based), once. */
typedef struct {
	const char *path;
	CwSide side;
	double stop_price;
	guint n_candles;
	double candles[4][4];
	guint filled_at;
	double price;
} StopCase;

static const StopCase stop_cases[] = {
    /* above the stop, then a low through it: filled at the stop */
    {"/execution/venue-core/sell-stop-fill",
     CW_SIDE_SELL,
     95,
     4,
     {{100, 102, 96, 101}, {101, 110, 95.5, 109}, {99, 100, 94, 96}, {96, 97, 90, 91}},
     3,
     95},
    /* below the stop, then a high through it: filled at the stop */
    {"/execution/venue-core/buy-stop-fill",
     CW_SIDE_BUY,
     105,
     4,
     {{100, 104, 98, 101}, {101, 104.5, 90, 92}, {101, 106, 100, 105.5}, {105, 112, 104, 110}},
     3,
     105},
    /* A candle that opens beyond the stop fills it. The venue brokers of
     * the tests and the bench fill a stop at its stop price even then
     * (cw-execution-test-utils.h: "stops at their price"), unlike the
     * paper broker, which fills a gap at the open. */
    {"/execution/venue-core/sell-stop-gap",
     CW_SIDE_SELL,
     95,
     2,
     {{100, 101, 97, 98}, {90, 92, 89, 91}},
     2,
     95},
    {"/execution/venue-core/buy-stop-gap",
     CW_SIDE_BUY,
     105,
     2,
     {{100, 103, 99, 102}, {110, 112, 109, 111}},
     2,
     105},
};

static void
test_stop_fill(Fixture *f, gconstpointer data)
{
	const StopCase *tc = data;
	CwOrder o = stop_order(tc->side, tc->stop_price);
	g_autoptr(GError) error = NULL;
	const CwFill *fill;
	const CwOrder *filled;

	g_assert_true(cw_broker_submit(CW_BROKER(f->venue), &o, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cw_test_venue_broker_deliver(f->venue), ==, 1);
	g_assert_cmpint(g_array_index(f->orders, CwOrder, 0).status, ==, CW_ORDER_STATUS_NEW);
	for (guint i = 0; i < tc->n_candles; i++) {
		const double *v = tc->candles[i];
		CwCandle c = cw_test_candle(i + 1, v[0], v[1], v[2], v[3]);

		cw_broker_on_candle(CW_BROKER(f->venue), &c);
		cw_test_venue_broker_deliver(f->venue);
		g_assert_cmpuint(f->fills->len, ==, i + 1 >= tc->filled_at ? 1 : 0);
	}
	g_assert_cmpuint(f->orders->len, ==, 2);
	fill = &g_array_index(f->fills, CwFill, 0);
	filled = &g_array_index(f->orders, CwOrder, 1);
	g_assert_cmpstr(fill->client_order_id, ==, o.client_order_id);
	g_assert_cmpint(fill->side, ==, tc->side);
	g_assert_cmpint(fill->purpose, ==, CW_ORDER_PURPOSE_STOP_LOSS);
	cw_assert_close(fill->qty, 0.25);
	cw_assert_close(fill->price, tc->price);
	g_assert_cmpint(fill->time, ==, (gint64) tc->filled_at * 60000);
	g_assert_cmpint(filled->status, ==, CW_ORDER_STATUS_FILLED);
	cw_assert_close(filled->filled_qty, 0.25);
	cw_assert_close(filled->avg_fill_price, tc->price);
	g_assert_cmpuint(cw_test_venue_broker_count_working_stops(f->venue), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/execution/venue-core/stop-crossed", test_stop_crossed);
	for (guint i = 0; i < G_N_ELEMENTS(stop_cases); i++)
		g_test_add(stop_cases[i].path, Fixture, &stop_cases[i], fixture_setup,
			   test_stop_fill, fixture_teardown);
	return g_test_run();
}
