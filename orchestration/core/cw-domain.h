#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-core-types.h"

G_BEGIN_DECLS

typedef enum {
	CW_DIRECTION_SHORT = -1,
	CW_DIRECTION_NONE = 0,
	CW_DIRECTION_LONG = 1,
} CwDirection;

typedef enum {
	CW_SIDE_BUY,
	CW_SIDE_SELL,
} CwSide;

typedef enum {
	CW_ORDER_TYPE_MARKET,
	CW_ORDER_TYPE_LIMIT,
	CW_ORDER_TYPE_STOP,
} CwOrderType;

typedef enum {
	CW_ORDER_STATUS_PENDING_NEW, /* recorded and sent, not yet acknowledged */
	CW_ORDER_STATUS_NEW,         /* acknowledged: working at the broker */
	CW_ORDER_STATUS_PARTIALLY_FILLED,
	CW_ORDER_STATUS_FILLED,
	CW_ORDER_STATUS_CANCELLED,
	CW_ORDER_STATUS_REJECTED,
	CW_ORDER_STATUS_EXPIRED,         /* ended by the venue (time in force) */
	CW_ORDER_STATUS_PENDING_CANCEL,  /* a cancel request is in flight */
	CW_ORDER_STATUS_PENDING_REPLACE, /* an amend request is in flight */
} CwOrderStatus;

/* Why an order exists; drives position bookkeeping and the trade's exit reason. */
typedef enum {
	CW_ORDER_PURPOSE_ENTRY,
	CW_ORDER_PURPOSE_STOP_LOSS,
	CW_ORDER_PURPOSE_TAKE_PROFIT,
	CW_ORDER_PURPOSE_TRAILING_STOP,
	CW_ORDER_PURPOSE_SIGNAL_EXIT,
	CW_ORDER_PURPOSE_TIME_EXIT,
	CW_ORDER_PURPOSE_MANUAL_EXIT,
	CW_ORDER_PURPOSE_END_OF_DATA,
	CW_ORDER_PURPOSE_GUARD_EXIT,
} CwOrderPurpose;

/* A closed candle. open_time is the candle's open in ms since the Unix epoch
 * (UTC); interval_ms is its length. */
typedef struct {
	gint64 open_time;
	gint64 interval_ms;
	double open;
	double high;
	double low;
	double close;
	double volume;
	GQuark symbol;
} CwCandle;

/* Exchange trading rules for a symbol. Zero means "no rule". */
typedef struct {
	GQuark symbol;
	double tick_size;
	double lot_step;
	double min_qty;
	double min_notional;
} CwInstrument;

typedef struct {
	char client_order_id[CW_CLIENT_ORDER_ID_LEN];
	char exchange_order_id[CW_CLIENT_ORDER_ID_LEN];
	CwStrategyId strategy_id;
	GQuark symbol;
	CwSide side;
	CwOrderType type;
	CwOrderStatus status;
	CwOrderPurpose purpose;
	gboolean reduce_only;
	double qty;
	double price;      /* limit price, 0 for market */
	double stop_price; /* trigger for stop orders */
	double filled_qty;
	double avg_fill_price;
	gint64 created_at; /* ms */
	gint64 updated_at; /* ms */
	guint64 seq;       /* per-strategy sequence number the client id derives from */
} CwOrder;

typedef struct {
	char client_order_id[CW_CLIENT_ORDER_ID_LEN];
	CwStrategyId strategy_id;
	GQuark symbol;
	CwSide side;
	CwOrderPurpose purpose;
	gboolean maker;
	double qty;
	double price;
	double fee;
	gint64 time; /* ms */
} CwFill;

typedef struct {
	CwStrategyId strategy_id;
	GQuark symbol;
	CwDirection direction; /* NONE when flat */
	double qty;
	double entry_price; /* average */
	double initial_qty;
	double stop_price;
	double realized_pnl; /* of partial closes so far, before fees */
	double fees;
	gint64 opened_at;
	gint64 updated_at;
} CwPosition;

/* A round trip, closed completely. */
typedef struct {
	CwStrategyId strategy_id;
	GQuark symbol;
	CwDirection direction;
	gint64 entry_time;
	gint64 exit_time;
	double entry_price;
	double exit_price; /* qty-weighted average of every exit fill */
	double qty;
	double fees;
	double gross_pnl;
	double net_pnl;
	CwOrderPurpose exit_reason; /* purpose of the final exit fill */
	guint64 seq;
} CwTrade;

typedef struct {
	CwDirection direction;
	double confidence;  /* [0, 1] */
	double score_long;  /* weighted, [0, 1] */
	double score_short; /* weighted, [0, 1] */
	gint64 time;
} CwSignal;

const char *cw_direction_to_string(CwDirection direction);
const char *cw_side_to_string(CwSide side);
const char *cw_order_type_to_string(CwOrderType type);
const char *cw_order_status_to_string(CwOrderStatus status);
const char *cw_order_purpose_to_string(CwOrderPurpose purpose);
gboolean cw_order_status_is_final(CwOrderStatus status);
/* What order is after a fill counted in its filled_qty: FILLED once
 * filled_qty reaches qty (to 1e-12), else PARTIALLY_FILLED. */
CwOrderStatus cw_order_fill_status(const CwOrder *order);
/* Sets every field of fill to a fill of qty of order at price at time
 * (ms): the order's client id, strategy, symbol, side and purpose; not a
 * maker's and without a fee (the caller sets maker and fee where it knows
 * them). order is not changed. */
void cw_fill_init_from_order(CwFill *fill, const CwOrder *order, double qty, double price,
			     gint64 time);

double cw_instrument_round_price(const CwInstrument *instrument, double price);
double cw_instrument_floor_qty(const CwInstrument *instrument, double qty);

/* Interval strings ("1m", "5m", "1h", "1d", "1w") to milliseconds; 0 when invalid. */
gint64 cw_interval_parse(const char *text);
/* Writes e.g. "5m" into buf. */
void cw_interval_format(gint64 interval_ms, char *buf, gsize buf_len);

G_END_DECLS
