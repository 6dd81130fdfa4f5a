#include "cw-core.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *
cw_direction_to_string(CwDirection direction)
{
	switch (direction) {
	case CW_DIRECTION_LONG:
		return "long";
	case CW_DIRECTION_SHORT:
		return "short";
	case CW_DIRECTION_NONE:
	default:
		return "none";
	}
}

const char *
cw_side_to_string(CwSide side)
{
	return side == CW_SIDE_BUY ? "buy" : "sell";
}

const char *
cw_order_type_to_string(CwOrderType type)
{
	switch (type) {
	case CW_ORDER_TYPE_LIMIT:
		return "limit";
	case CW_ORDER_TYPE_STOP:
		return "stop";
	case CW_ORDER_TYPE_MARKET:
	default:
		return "market";
	}
}

const char *
cw_order_status_to_string(CwOrderStatus status)
{
	switch (status) {
	case CW_ORDER_STATUS_PENDING_NEW:
		return "pending_new";
	case CW_ORDER_STATUS_NEW:
		return "new";
	case CW_ORDER_STATUS_PARTIALLY_FILLED:
		return "partially_filled";
	case CW_ORDER_STATUS_FILLED:
		return "filled";
	case CW_ORDER_STATUS_CANCELLED:
		return "cancelled";
	case CW_ORDER_STATUS_REJECTED:
		return "rejected";
	case CW_ORDER_STATUS_EXPIRED:
		return "expired";
	case CW_ORDER_STATUS_PENDING_CANCEL:
		return "pending_cancel";
	case CW_ORDER_STATUS_PENDING_REPLACE:
		return "pending_replace";
	default:
		return "unknown";
	}
}

gboolean
cw_order_status_is_final(CwOrderStatus status)
{
	return status == CW_ORDER_STATUS_FILLED || status == CW_ORDER_STATUS_CANCELLED ||
	       status == CW_ORDER_STATUS_REJECTED || status == CW_ORDER_STATUS_EXPIRED;
}

const char *
cw_order_purpose_to_string(CwOrderPurpose purpose)
{
	switch (purpose) {
	case CW_ORDER_PURPOSE_ENTRY:
		return "entry";
	case CW_ORDER_PURPOSE_STOP_LOSS:
		return "stop_loss";
	case CW_ORDER_PURPOSE_TAKE_PROFIT:
		return "take_profit";
	case CW_ORDER_PURPOSE_TRAILING_STOP:
		return "trailing_stop";
	case CW_ORDER_PURPOSE_SIGNAL_EXIT:
		return "signal_exit";
	case CW_ORDER_PURPOSE_TIME_EXIT:
		return "time_exit";
	case CW_ORDER_PURPOSE_MANUAL_EXIT:
		return "manual_exit";
	case CW_ORDER_PURPOSE_END_OF_DATA:
		return "end_of_data";
	case CW_ORDER_PURPOSE_GUARD_EXIT:
		return "guard_exit";
	default:
		return "unknown";
	}
}

CwOrderStatus
cw_order_fill_status(const CwOrder *order)
{
	return order->filled_qty + 1e-12 >= order->qty ? CW_ORDER_STATUS_FILLED
						       : CW_ORDER_STATUS_PARTIALLY_FILLED;
}

void
cw_fill_init_from_order(CwFill *fill, const CwOrder *order, double qty, double price, gint64 time)
{
	*fill = (CwFill){
	    .strategy_id = order->strategy_id,
	    .symbol = order->symbol,
	    .side = order->side,
	    .purpose = order->purpose,
	    .qty = qty,
	    .price = price,
	    .time = time,
	};
	memcpy(fill->client_order_id, order->client_order_id, CW_CLIENT_ORDER_ID_LEN);
}

double
cw_instrument_round_price(const CwInstrument *instrument, double price)
{
	if (instrument == NULL || instrument->tick_size <= 0)
		return price;
	return round(price / instrument->tick_size) * instrument->tick_size;
}

double
cw_instrument_floor_qty(const CwInstrument *instrument, double qty)
{
	if (instrument == NULL || instrument->lot_step <= 0)
		return qty;
	/* the epsilon keeps 0.3 / 0.1 from flooring to 2 */
	return floor(qty / instrument->lot_step + 1e-9) * instrument->lot_step;
}
