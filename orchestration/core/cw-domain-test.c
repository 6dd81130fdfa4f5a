#include "cw-core.h"

#include <string.h>

static void
test_domain_interval(void)
{
	char buf[16];

	g_assert_cmpint(cw_interval_parse("1m"), ==, 60000);
	g_assert_cmpint(cw_interval_parse("5m"), ==, 300000);
	g_assert_cmpint(cw_interval_parse("4h"), ==, 4 * 3600000);
	g_assert_cmpint(cw_interval_parse("1d"), ==, 86400000);
	g_assert_cmpint(cw_interval_parse("1w"), ==, 7 * (gint64) 86400000);
	g_assert_cmpint(cw_interval_parse("5"), ==, 0);
	g_assert_cmpint(cw_interval_parse("m5"), ==, 0);
	g_assert_cmpint(cw_interval_parse("0m"), ==, 0);
	g_assert_cmpint(cw_interval_parse("5mm"), ==, 0);
	g_assert_cmpint(cw_interval_parse(""), ==, 0);
	g_assert_cmpint(cw_interval_parse(NULL), ==, 0);
	cw_interval_format(300000, buf, sizeof buf);
	g_assert_cmpstr(buf, ==, "5m");
	cw_interval_format(3600000, buf, sizeof buf);
	g_assert_cmpstr(buf, ==, "1h");
	cw_interval_format(90000, buf, sizeof buf);
	g_assert_cmpstr(buf, ==, "90s");
}

static void
test_domain_instrument(void)
{
	CwInstrument ins = {.tick_size = 0.5, .lot_step = 0.001};

	g_assert_cmpfloat_with_epsilon(cw_instrument_round_price(&ins, 100.26), 100.5, 1e-12);
	g_assert_cmpfloat_with_epsilon(cw_instrument_round_price(&ins, 100.24), 100.0, 1e-12);
	g_assert_cmpfloat_with_epsilon(cw_instrument_floor_qty(&ins, 0.0129), 0.012, 1e-12);
	/* 0.3 / 0.1 is 2.9999999999999996 in binary: must not floor to 0.2 */
	ins.lot_step = 0.1;
	g_assert_cmpfloat_with_epsilon(cw_instrument_floor_qty(&ins, 0.3), 0.3, 1e-12);
	g_assert_cmpfloat(cw_instrument_floor_qty(NULL, 1.2345), ==, 1.2345);
}

static void
test_domain_names(void)
{
	g_assert_cmpstr(cw_direction_to_string(CW_DIRECTION_LONG), ==, "long");
	g_assert_cmpstr(cw_direction_to_string(CW_DIRECTION_SHORT), ==, "short");
	g_assert_cmpstr(cw_side_to_string(CW_SIDE_SELL), ==, "sell");
	g_assert_cmpstr(cw_order_purpose_to_string(CW_ORDER_PURPOSE_STOP_LOSS), ==, "stop_loss");
	g_assert_cmpstr(cw_order_status_to_string(CW_ORDER_STATUS_FILLED), ==, "filled");
	g_assert_true(cw_order_status_is_final(CW_ORDER_STATUS_CANCELLED));
	g_assert_false(cw_order_status_is_final(CW_ORDER_STATUS_NEW));
	g_assert_cmpstr(cw_bot_mode_to_string(CW_BOT_MODE_REDUCE_ONLY), ==, "reduce_only");
}

static void
test_domain_fill_from_order(void)
{
	CwOrder o = {0};
	CwFill fill;

	g_strlcpy(o.client_order_id, "cw-s-7", sizeof o.client_order_id);
	o.strategy_id = g_quark_from_static_string("s");
	o.symbol = g_quark_from_static_string("BTCUSDT");
	o.side = CW_SIDE_SELL;
	o.purpose = CW_ORDER_PURPOSE_STOP_LOSS;
	o.qty = 2;
	o.price = 99;
	/* whatever fill held before is overwritten */
	memset(&fill, 0xa5, sizeof fill);
	cw_fill_init_from_order(&fill, &o, 0.5, 101.5, 60000);
	g_assert_cmpstr(fill.client_order_id, ==, "cw-s-7");
	g_assert_cmpuint(fill.strategy_id, ==, o.strategy_id);
	g_assert_cmpuint(fill.symbol, ==, o.symbol);
	g_assert_cmpint(fill.side, ==, CW_SIDE_SELL);
	g_assert_cmpint(fill.purpose, ==, CW_ORDER_PURPOSE_STOP_LOSS);
	g_assert_false(fill.maker);
	g_assert_cmpfloat(fill.qty, ==, 0.5);
	g_assert_cmpfloat(fill.price, ==, 101.5);
	g_assert_cmpfloat(fill.fee, ==, 0);
	g_assert_cmpint(fill.time, ==, 60000);
	/* the order is only read */
	g_assert_cmpfloat(o.filled_qty, ==, 0);
	g_assert_cmpfloat(o.price, ==, 99);

	o.filled_qty = 0.5;
	g_assert_cmpint(cw_order_fill_status(&o), ==, CW_ORDER_STATUS_PARTIALLY_FILLED);
	o.filled_qty = 2 - 1e-13;
	g_assert_cmpint(cw_order_fill_status(&o), ==, CW_ORDER_STATUS_FILLED);
	o.filled_qty = 2;
	g_assert_cmpint(cw_order_fill_status(&o), ==, CW_ORDER_STATUS_FILLED);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/core/domain/interval", test_domain_interval);
	g_test_add_func("/core/domain/instrument", test_domain_instrument);
	g_test_add_func("/core/domain/names", test_domain_names);
	g_test_add_func("/core/domain/fill-from-order", test_domain_fill_from_order);
	return g_test_run();
}
