/* The simulator's Bybit v5 private API (see cw-sim-bybit-private.h). Formats:
 * docs/exchange-formats.md, "Bybit v5 private API". */

#include "cw-sim-bybit-private.h"

#include "cw-config.h"
#include "cw-execution.h"
#include "cw-net.h"
#include "cw-sim-faults.h"

#include <math.h>
#include <string.h>

#define CW_SIM_PRIV_RECV_WINDOW 5000
#define CW_SIM_PRIV_LEAD_MS     1000

enum {
	CW_SIM_TOPIC_ORDER = 1 << 0,
	CW_SIM_TOPIC_EXECUTION = 1 << 1,
	CW_SIM_TOPIC_POSITION = 1 << 2,
	CW_SIM_TOPIC_WALLET = 1 << 3,
};

typedef struct {
	char order_id[40];
	char link_id[CW_CLIENT_ORDER_ID_LEN];
	char paper_id[CW_CLIENT_ORDER_ID_LEN]; /* the paper book's client id */
	char symbol[32];
	CwSide side;
	gboolean limit;
	gboolean conditional; /* Market with a triggerPrice: a stop */
	double qty;
	double price;
	double trigger;
	int trigger_direction;
	gboolean reduce_only;
	gboolean close_on_trigger;
	const char *status;
	const char *cancel_type;
	double cum_qty;
	double cum_value;
	double cum_fee;
	double last_price_on_created;
	gint64 created;
	gint64 updated;
} CwSimOrder;

typedef struct {
	char exec_id[40];
	CwSimOrder order; /* the order as it was after this execution */
	double price;
	double qty;
	double fee;
	double fee_rate;
	double closed_size;
	gboolean maker;
	gint64 time;
	guint64 seq;
} CwSimExec;

typedef struct {
	CwSimBybitPrivate *priv;
	char *symbol;
	GQuark quark;
	CwPaperBroker *paper;
	double size; /* signed */
	double avg;
	double cum_realised;
	double last_price;
	double leverage;
	gint64 created;
	gint64 updated;
	CwCandle due; /* scheduled for matching */
	guint due_source;
} CwSimBook;

typedef struct {
	CwSimBybitPrivate *priv;
	SoupWebsocketConnection *ws;
	gboolean authed;
	guint topics;
	char id[32];
} CwSimPrivConn;

typedef struct {
	CwSimBybitPrivate *priv;
	char *text;
	guint topic;
	guint source;
} CwSimPending;

struct _CwSimBybitPrivate {
	char *api_key;
	char *api_secret;
	GHashTable *extra_keys; /* key -> secret: more keys of the same account */
	double initial_balance;
	double slippage_bps, maker_fee_bps, taker_fee_bps;
	double qty_step, min_qty;
	CwSimClockFunc now;
	gpointer now_data;
	gint64 clock_skew_ms; /* the venue's clock ahead of the local one */
	CwSimCreateFunc create_func;
	gpointer create_data;
	CwSimPrivateFaults faults;
	GHashTable *books;     /* symbol -> CwSimBook */
	GHashTable *orders;    /* order_id -> CwSimOrder */
	GHashTable *by_link;   /* link id -> CwSimOrder (borrowed) */
	GHashTable *by_paper;  /* paper id -> CwSimOrder (borrowed) */
	GPtrArray *order_list; /* CwSimOrder, borrowed, in creation order */
	GArray *execs;         /* CwSimExec */
	GHashTable *audit;     /* link id -> count of accepted creates */
	GPtrArray *conns;      /* CwSimPrivConn */
	GList *hung;           /* SoupServerMessage, never answered */
	GList *pending;        /* CwSimPending */
	guint64 n_orders;
	guint64 n_fills;
	guint64 n_pushed_execs;
	guint64 seq;
	guint64 n_manual;
	guint64 creates_received;
	guint64 duplicates_refused;
	gint64 rl_window_ms;
	guint rl_used;
	guint64 n_push;
	guint64 ws_connections;        /* private WebSockets accepted */
	guint64 ws_auths;              /* private WebSocket auths that succeeded */
	GHashTable *requests;          /* path -> guint64 *: private REST requests received */
	GHashTable *create_refusals;   /* retCode text -> guint64 *: creates answered with it */
	gboolean in_create;            /* answering a /v5/order/create */
	CwSimAccountFunc account_func; /* the venue's other accounts */
	gpointer account_data;
};

/* Numbers ------------------------------------------------------------------------ */

static const char *
cw_sim_priv_num(double v, char *buf)
{
	if (!isfinite(v))
		v = 0;
	g_ascii_formatd(buf, G_ASCII_DTOSTR_BUF_SIZE, "%.12g", v);
	return buf;
}

static void
cw_sim_priv_str(JsonBuilder *b, const char *name, const char *v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, v != NULL ? v : "");
}

static void
cw_sim_priv_dec(JsonBuilder *b, const char *name, double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	cw_sim_priv_str(b, name, cw_sim_priv_num(v, buf));
}

static void
cw_sim_priv_ms(JsonBuilder *b, const char *name, gint64 v)
{
	char buf[24];

	g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT, v);
	cw_sim_priv_str(b, name, buf);
}

/* Whether an "every N" fault hits event i (from 0): the Nth, 2Nth... */
static gboolean
cw_sim_priv_every(guint every, guint64 i)
{
	return every > 0 && i % every == every - 1;
}

/* The venue's clock: the local one moved by clock_skew_ms. */
static gint64
cw_sim_priv_wall_ms(CwSimBybitPrivate *self)
{
	return g_get_real_time() / 1000 + self->clock_skew_ms;
}

static gint64
cw_sim_priv_now(CwSimBybitPrivate *self)
{
	return self->now != NULL ? self->now(self->now_data) : cw_sim_priv_wall_ms(self);
}

/* Documents ------------------------------------------------------------------------ */

static gboolean
cw_sim_priv_is_open(const CwSimOrder *o)
{
	return strcmp(o->status, "New") == 0 || strcmp(o->status, "PartiallyFilled") == 0 ||
	       strcmp(o->status, "Untriggered") == 0;
}

/* One order as /v5/order/realtime and the order topic print it. */
static void
cw_sim_priv_order_json(JsonBuilder *b, const CwSimOrder *o, gboolean topic)
{
	double leaves = cw_sim_priv_is_open(o) ? MAX(0, o->qty - o->cum_qty) : 0;

	json_builder_begin_object(b);
	if (topic)
		cw_sim_priv_str(b, "category", "linear");
	cw_sim_priv_str(b, "orderId", o->order_id);
	cw_sim_priv_str(b, "orderLinkId", o->link_id);
	cw_sim_priv_str(b, "blockTradeId", "");
	cw_sim_priv_str(b, "symbol", o->symbol);
	cw_sim_priv_dec(b, "price", o->price);
	cw_sim_priv_dec(b, "qty", o->qty);
	cw_sim_priv_str(b, "side", o->side == CW_SIDE_BUY ? "Buy" : "Sell");
	cw_sim_priv_str(b, "isLeverage", "");
	json_builder_set_member_name(b, "positionIdx");
	json_builder_add_int_value(b, 0);
	cw_sim_priv_str(b, "orderStatus", o->status);
	cw_sim_priv_str(b, "createType", o->conditional ? "CreateByStopOrder" : "CreateByUser");
	cw_sim_priv_str(b, "cancelType", o->cancel_type != NULL ? o->cancel_type : "UNKNOWN");
	cw_sim_priv_str(b, "rejectReason", "EC_NoError");
	if (o->cum_qty > 0)
		cw_sim_priv_dec(b, "avgPrice", o->cum_value / o->cum_qty);
	else
		cw_sim_priv_str(b, "avgPrice", "");
	cw_sim_priv_dec(b, "leavesQty", leaves);
	cw_sim_priv_dec(b, "leavesValue", leaves * (o->limit ? o->price : o->trigger));
	cw_sim_priv_dec(b, "cumExecQty", o->cum_qty);
	cw_sim_priv_dec(b, "cumExecValue", o->cum_value);
	cw_sim_priv_dec(b, "cumExecFee", o->cum_fee);
	cw_sim_priv_str(b, "timeInForce", o->limit ? "GTC" : "IOC");
	cw_sim_priv_str(b, "orderType", o->limit ? "Limit" : "Market");
	cw_sim_priv_str(b, "stopOrderType", o->conditional ? "Stop" : "");
	cw_sim_priv_str(b, "orderIv", "");
	cw_sim_priv_dec(b, "triggerPrice", o->trigger);
	cw_sim_priv_str(b, "takeProfit", "0");
	cw_sim_priv_str(b, "stopLoss", "0");
	cw_sim_priv_str(b, "tpTriggerBy", "");
	cw_sim_priv_str(b, "slTriggerBy", "");
	json_builder_set_member_name(b, "triggerDirection");
	json_builder_add_int_value(b, o->trigger_direction);
	cw_sim_priv_str(b, "triggerBy", o->conditional ? "LastPrice" : "");
	cw_sim_priv_dec(b, "lastPriceOnCreated", o->last_price_on_created);
	json_builder_set_member_name(b, "reduceOnly");
	json_builder_add_boolean_value(b, o->reduce_only);
	json_builder_set_member_name(b, "closeOnTrigger");
	json_builder_add_boolean_value(b, o->close_on_trigger);
	cw_sim_priv_str(b, "smpType", "None");
	json_builder_set_member_name(b, "smpGroup");
	json_builder_add_int_value(b, 0);
	cw_sim_priv_str(b, "smpOrderId", "");
	cw_sim_priv_str(b, "tpslMode", "");
	cw_sim_priv_str(b, "tpLimitPrice", "");
	cw_sim_priv_str(b, "slLimitPrice", "");
	cw_sim_priv_str(b, "placeType", "");
	cw_sim_priv_ms(b, "createdTime", o->created);
	cw_sim_priv_ms(b, "updatedTime", o->updated);
	json_builder_end_object(b);
}

static void
cw_sim_priv_exec_json(JsonBuilder *b, const CwSimExec *e, gboolean topic)
{
	const CwSimOrder *o = &e->order;

	json_builder_begin_object(b);
	if (topic)
		cw_sim_priv_str(b, "category", "linear");
	cw_sim_priv_str(b, "symbol", o->symbol);
	cw_sim_priv_str(b, "isLeverage", "");
	cw_sim_priv_str(b, "orderId", o->order_id);
	cw_sim_priv_str(b, "orderLinkId", o->link_id);
	cw_sim_priv_str(b, "side", o->side == CW_SIDE_BUY ? "Buy" : "Sell");
	cw_sim_priv_dec(b, "orderPrice", o->price);
	cw_sim_priv_dec(b, "orderQty", o->qty);
	cw_sim_priv_dec(b, "leavesQty", MAX(0, o->qty - o->cum_qty));
	cw_sim_priv_str(b, "createType", o->conditional ? "CreateByStopOrder" : "CreateByUser");
	cw_sim_priv_str(b, "orderType", o->limit ? "Limit" : "Market");
	cw_sim_priv_str(b, "stopOrderType", o->conditional ? "Stop" : "");
	cw_sim_priv_dec(b, "execFee", e->fee);
	cw_sim_priv_str(b, "execId", e->exec_id);
	cw_sim_priv_dec(b, "execPrice", e->price);
	cw_sim_priv_dec(b, "execQty", e->qty);
	cw_sim_priv_str(b, "execType", "Trade");
	cw_sim_priv_dec(b, "execValue", e->price * e->qty);
	cw_sim_priv_ms(b, "execTime", e->time);
	cw_sim_priv_str(b, "feeCurrency", "USDT");
	json_builder_set_member_name(b, "isMaker");
	json_builder_add_boolean_value(b, e->maker);
	cw_sim_priv_dec(b, "feeRate", e->fee_rate);
	cw_sim_priv_str(b, "tradeIv", "");
	cw_sim_priv_str(b, "markIv", "");
	cw_sim_priv_dec(b, "markPrice", e->price);
	cw_sim_priv_dec(b, "indexPrice", e->price);
	cw_sim_priv_str(b, "underlyingPrice", "");
	cw_sim_priv_str(b, "blockTradeId", "");
	cw_sim_priv_dec(b, "closedSize", e->closed_size);
	json_builder_set_member_name(b, "seq");
	json_builder_add_int_value(b, (gint64) e->seq);
	json_builder_end_object(b);
}

static void
cw_sim_priv_position_json(JsonBuilder *b, const CwSimBook *book, gboolean topic)
{
	double size = fabs(book->size);
	double mark = book->last_price > 0 ? book->last_price : book->avg;

	json_builder_begin_object(b);
	if (topic)
		cw_sim_priv_str(b, "category", "linear");
	json_builder_set_member_name(b, "positionIdx");
	json_builder_add_int_value(b, 0);
	json_builder_set_member_name(b, "riskId");
	json_builder_add_int_value(b, 1);
	cw_sim_priv_str(b, "riskLimitValue", "2000000");
	cw_sim_priv_str(b, "symbol", book->symbol);
	cw_sim_priv_str(b, "side", book->size > 0 ? "Buy" : book->size < 0 ? "Sell" : "");
	cw_sim_priv_dec(b, "size", size);
	cw_sim_priv_dec(b, topic ? "entryPrice" : "avgPrice", size > 0 ? book->avg : 0);
	cw_sim_priv_dec(b, "positionValue", size * book->avg);
	json_builder_set_member_name(b, "tradeMode");
	json_builder_add_int_value(b, 0);
	cw_sim_priv_str(b, "positionStatus", "Normal");
	json_builder_set_member_name(b, "autoAddMargin");
	json_builder_add_int_value(b, 0);
	json_builder_set_member_name(b, "adlRankIndicator");
	json_builder_add_int_value(b, size > 0 ? 2 : 0);
	cw_sim_priv_dec(b, "leverage", book->leverage);
	cw_sim_priv_dec(b, "positionBalance", size * book->avg / book->leverage);
	cw_sim_priv_dec(b, "markPrice", mark);
	cw_sim_priv_str(b, "liqPrice", "");
	cw_sim_priv_str(b, "bustPrice", "");
	cw_sim_priv_dec(b, "positionMM", 0);
	cw_sim_priv_dec(b, "positionIM", size * book->avg / book->leverage);
	cw_sim_priv_str(b, "tpslMode", "Full");
	cw_sim_priv_str(b, "takeProfit", "0");
	cw_sim_priv_str(b, "stopLoss", "0");
	cw_sim_priv_str(b, "trailingStop", "0");
	cw_sim_priv_dec(b, "unrealisedPnl", book->size * (mark - book->avg));
	cw_sim_priv_dec(b, "curRealisedPnl", book->cum_realised);
	cw_sim_priv_dec(b, "cumRealisedPnl", book->cum_realised);
	json_builder_set_member_name(b, "seq");
	json_builder_add_int_value(b, (gint64) book->priv->seq);
	json_builder_set_member_name(b, "isReduceOnly");
	json_builder_add_boolean_value(b, FALSE);
	cw_sim_priv_str(b, "mmrSysUpdatedTime", "");
	cw_sim_priv_str(b, "leverageSysUpdatedTime", "");
	cw_sim_priv_ms(b, "createdTime", book->created);
	cw_sim_priv_ms(b, "updatedTime", book->updated);
	json_builder_end_object(b);
}

static double
cw_sim_priv_wallet(CwSimBybitPrivate *self, double *upl)
{
	GHashTableIter it;
	gpointer value;
	double balance = self->initial_balance;

	*upl = 0;
	g_hash_table_iter_init(&it, self->books);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		CwSimBook *book = value;
		double mark = book->last_price > 0 ? book->last_price : book->avg;

		balance =
		    cw_paper_broker_get_balance(book->paper) + balance - self->initial_balance;
		*upl += book->size * (mark - book->avg);
	}
	return balance;
}

static void
cw_sim_priv_wallet_json(CwSimBybitPrivate *self, JsonBuilder *b)
{
	double upl;
	double wallet = cw_sim_priv_wallet(self, &upl);

	json_builder_begin_object(b);
	cw_sim_priv_str(b, "accountType", "UNIFIED");
	cw_sim_priv_dec(b, "accountIMRate", 0);
	cw_sim_priv_dec(b, "accountMMRate", 0);
	cw_sim_priv_dec(b, "totalEquity", wallet + upl);
	cw_sim_priv_dec(b, "totalWalletBalance", wallet);
	cw_sim_priv_dec(b, "totalMarginBalance", wallet + upl);
	cw_sim_priv_dec(b, "totalAvailableBalance", wallet + upl);
	cw_sim_priv_dec(b, "totalPerpUPL", upl);
	cw_sim_priv_dec(b, "totalInitialMargin", 0);
	cw_sim_priv_dec(b, "totalMaintenanceMargin", 0);
	cw_sim_priv_str(b, "accountLTV", "0");
	json_builder_set_member_name(b, "coin");
	json_builder_begin_array(b);
	json_builder_begin_object(b);
	cw_sim_priv_str(b, "coin", "USDT");
	cw_sim_priv_dec(b, "equity", wallet + upl);
	cw_sim_priv_dec(b, "usdValue", wallet + upl);
	cw_sim_priv_dec(b, "walletBalance", wallet);
	cw_sim_priv_str(b, "free", "");
	cw_sim_priv_str(b, "locked", "0");
	cw_sim_priv_str(b, "spotHedgingQty", "0");
	cw_sim_priv_str(b, "borrowAmount", "0");
	cw_sim_priv_str(b, "availableToWithdraw", "");
	cw_sim_priv_str(b, "accruedInterest", "0");
	cw_sim_priv_str(b, "totalOrderIM", "0");
	cw_sim_priv_str(b, "totalPositionIM", "0");
	cw_sim_priv_str(b, "totalPositionMM", "0");
	cw_sim_priv_dec(b, "unrealisedPnl", upl);
	cw_sim_priv_dec(b, "cumRealisedPnl", wallet - self->initial_balance);
	cw_sim_priv_str(b, "bonus", "0");
	json_builder_set_member_name(b, "marginCollateral");
	json_builder_add_boolean_value(b, TRUE);
	json_builder_set_member_name(b, "collateralSwitch");
	json_builder_add_boolean_value(b, TRUE);
	json_builder_end_object(b);
	json_builder_end_array(b);
	json_builder_end_object(b);
}

/* The private stream ----------------------------------------------------------------- */

static gboolean
cw_sim_priv_conn_open(CwSimPrivConn *conn)
{
	return soup_websocket_connection_get_state(conn->ws) == SOUP_WEBSOCKET_STATE_OPEN;
}

static void
cw_sim_priv_send_now(CwSimBybitPrivate *self, guint topic, const char *text)
{
	for (guint i = 0; i < self->conns->len; i++) {
		CwSimPrivConn *conn = self->conns->pdata[i];

		if (conn->authed && (conn->topics & topic) != 0 && cw_sim_priv_conn_open(conn))
			soup_websocket_connection_send_text(conn->ws, text);
	}
}

static gboolean
cw_sim_priv_pending_cb(gpointer data)
{
	CwSimPending *p = data;

	p->priv->pending = g_list_remove(p->priv->pending, p);
	cw_sim_priv_send_now(p->priv, p->topic, p->text);
	g_free(p->text);
	g_free(p);
	return G_SOURCE_REMOVE;
}

/* Builds {"id","topic","creationTime","data":[...]} around what fill adds. */
static char *
cw_sim_priv_push_text(CwSimBybitPrivate *self, const char *topic, JsonBuilder *data)
{
	g_autoptr(JsonNode) items = json_builder_get_root(data);
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	char id[48];

	g_snprintf(id, sizeof id, "sim-%" G_GUINT64_FORMAT, ++self->n_push);
	json_builder_begin_object(b);
	cw_sim_priv_str(b, "id", id);
	cw_sim_priv_str(b, "topic", topic);
	json_builder_set_member_name(b, "creationTime");
	json_builder_add_int_value(b, cw_sim_priv_wall_ms(self));
	json_builder_set_member_name(b, "data");
	json_builder_add_value(b, g_steal_pointer(&items));
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	return json_to_string(root, FALSE);
}

static void
cw_sim_priv_push(CwSimBybitPrivate *self, guint topic, const char *name, JsonBuilder *data,
		 guint delay_ms)
{
	g_autofree char *text = cw_sim_priv_push_text(self, name, data);
	CwSimPending *p;

	if (delay_ms == 0) {
		cw_sim_priv_send_now(self, topic, text);
		return;
	}
	p = g_new0(CwSimPending, 1);
	p->priv = self;
	p->text = g_steal_pointer(&text);
	p->topic = topic;
	p->source = g_timeout_add(delay_ms, cw_sim_priv_pending_cb, p);
	self->pending = g_list_prepend(self->pending, p);
}

static void
cw_sim_priv_push_order(CwSimBybitPrivate *self, const CwSimOrder *o)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_array(b);
	cw_sim_priv_order_json(b, o, TRUE);
	json_builder_end_array(b);
	cw_sim_priv_push(self, CW_SIM_TOPIC_ORDER, "order", b, 0);
}

static void
cw_sim_priv_push_account(CwSimBybitPrivate *self, CwSimBook *book)
{
	g_autoptr(JsonBuilder) p = json_builder_new();
	g_autoptr(JsonBuilder) w = json_builder_new();

	json_builder_begin_array(p);
	cw_sim_priv_position_json(p, book, TRUE);
	json_builder_end_array(p);
	cw_sim_priv_push(self, CW_SIM_TOPIC_POSITION, "position", p, 0);
	json_builder_begin_array(w);
	cw_sim_priv_wallet_json(self, w);
	json_builder_end_array(w);
	cw_sim_priv_push(self, CW_SIM_TOPIC_WALLET, "wallet", w, 0);
}

static void
cw_sim_priv_close_streams(CwSimBybitPrivate *self)
{
	for (guint i = 0; i < self->conns->len; i++) {
		CwSimPrivConn *conn = self->conns->pdata[i];

		if (cw_sim_priv_conn_open(conn))
			soup_websocket_connection_close(conn->ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
							"simulated cut during fills");
	}
}

/* Matching: the paper book's reports --------------------------------------------------- */

static void
cw_sim_priv_book_fill(CwSimBook *book, CwSide side, double qty, double price, double *closed)
{
	double signed_qty = side == CW_SIDE_BUY ? qty : -qty;

	*closed = 0;
	if (book->size == 0 || (book->size > 0) == (signed_qty > 0)) {
		double total = book->size + signed_qty;

		book->avg = (book->avg * fabs(book->size) + price * qty) / fabs(total);
		book->size = total;
		return;
	}
	*closed = MIN(qty, fabs(book->size));
	book->cum_realised += *closed * (price - book->avg) * (book->size > 0 ? 1.0 : -1.0);
	book->size += signed_qty;
	if (fabs(book->size) < 1e-12) {
		book->size = 0;
		book->avg = 0;
	}
	if (qty > *closed)
		book->avg = price;
}

static void
cw_sim_priv_add_exec(CwSimBybitPrivate *self, CwSimBook *book, CwSimOrder *o, const CwFill *fill,
		     double qty, double fee)
{
	CwSimExec e;
	guint64 n = self->n_pushed_execs++;
	g_autoptr(JsonBuilder) b = json_builder_new();
	CwSimPrivateFaults *f = &self->faults;

	memset(&e, 0, sizeof e);
	g_snprintf(e.exec_id, sizeof e.exec_id, "e%08" G_GINT64_MODIFIER "x-%04" G_GUINT64_FORMAT,
		   (guint64) g_str_hash(o->order_id), (guint64) self->execs->len + 1);
	o->cum_qty += qty;
	o->cum_value += qty * fill->price;
	o->cum_fee += fee;
	o->updated = fill->time;
	o->status = o->cum_qty + 1e-12 >= o->qty ? "Filled" : "PartiallyFilled";
	e.price = fill->price;
	e.qty = qty;
	e.fee = fee;
	e.fee_rate = (fill->maker ? self->maker_fee_bps : self->taker_fee_bps) / 10000.0;
	e.maker = fill->maker;
	e.time = fill->time;
	e.seq = ++self->seq;
	cw_sim_priv_book_fill(book, o->side, qty, fill->price, &e.closed_size);
	book->updated = cw_sim_priv_now(self);
	if (book->created == 0)
		book->created = book->updated;
	e.order = *o;
	g_array_append_val(self->execs, e);
	json_builder_begin_array(b);
	cw_sim_priv_exec_json(b, &e, TRUE);
	json_builder_end_array(b);
	cw_sim_priv_push(self, CW_SIM_TOPIC_EXECUTION, "execution", b, f->delay_exec_ms);
	if (cw_sim_priv_every(f->duplicate_exec_every, n)) {
		g_autoptr(JsonBuilder) again = json_builder_new();

		json_builder_begin_array(again);
		cw_sim_priv_exec_json(again, &e, TRUE);
		json_builder_end_array(again);
		cw_sim_priv_push(self, CW_SIM_TOPIC_EXECUTION, "execution", again,
				 f->delay_exec_ms + 5);
	}
	cw_sim_priv_push_order(self, o);
	cw_sim_priv_push_account(self, book);
}

static void
cw_sim_priv_sink(const CwExecutionReport *report, gpointer user_data)
{
	CwSimBook *book = user_data;
	CwSimBybitPrivate *self = book->priv;
	CwSimOrder *o = g_hash_table_lookup(self->by_paper, report->order->client_order_id);
	const CwFill *fill = report->fill;

	if (o == NULL)
		return;
	if (fill != NULL) {
		CwSimPrivateFaults *f = &self->faults;
		guint64 n = self->n_fills++;
		gboolean split = cw_sim_priv_every(f->partial_fill_every, n) && fill->qty > 0;

		if (cw_sim_priv_every(f->cut_stream_every, n))
			cw_sim_priv_close_streams(self);
		if (split) {
			double half = fill->qty / 2;

			cw_sim_priv_add_exec(self, book, o, fill, half, fill->fee / 2);
			cw_sim_priv_add_exec(self, book, o, fill, fill->qty - half,
					     fill->fee - fill->fee / 2);
		} else {
			cw_sim_priv_add_exec(self, book, o, fill, fill->qty, fill->fee);
		}
		return;
	}
	o->updated = cw_sim_priv_now(self);
	switch (report->order->status) {
	case CW_ORDER_STATUS_CANCELLED:
		o->status = o->conditional ? "Deactivated" : "Cancelled";
		if (o->cancel_type == NULL)
			o->cancel_type = "CancelByReduceOnly";
		break;
	case CW_ORDER_STATUS_NEW:
		o->status = o->conditional ? "Untriggered" : "New";
		o->qty = report->order->qty;
		if (o->limit)
			o->price = report->order->price;
		if (o->conditional)
			o->trigger = report->order->stop_price;
		break;
	default:
		break;
	}
	cw_sim_priv_push_order(self, o);
}

static void
cw_sim_priv_book_free(gpointer data)
{
	CwSimBook *book = data;

	g_clear_handle_id(&book->due_source, g_source_remove);
	g_object_unref(book->paper);
	g_free(book->symbol);
	g_free(book);
}

static CwSimBook *
cw_sim_priv_book(CwSimBybitPrivate *self, const char *symbol)
{
	CwSimBook *book = g_hash_table_lookup(self->books, symbol);

	if (book != NULL)
		return book;
	book = g_new0(CwSimBook, 1);
	book->priv = self;
	book->symbol = g_strdup(symbol);
	book->quark = g_quark_from_string(symbol);
	book->leverage = 10;
	book->paper = cw_paper_broker_new();
	cw_paper_broker_set_fees(book->paper, self->slippage_bps, self->maker_fee_bps,
				 self->taker_fee_bps);
	cw_paper_broker_set_balance(book->paper, self->initial_balance);
	cw_broker_set_report_sink(CW_BROKER(book->paper), cw_sim_priv_sink, book);
	g_hash_table_insert(self->books, book->symbol, book);
	return book;
}

/* REST --------------------------------------------------------------------------------- */

static void
cw_sim_priv_limit_headers(CwSimBybitPrivate *self, SoupServerMessage *msg)
{
	SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
	guint limit = self->faults.rate_limit_per_s;
	char buf[24];

	g_snprintf(buf, sizeof buf, "%u", limit);
	soup_message_headers_replace(h, "X-Bapi-Limit", buf);
	g_snprintf(buf, sizeof buf, "%u", limit > self->rl_used ? limit - self->rl_used : 0);
	soup_message_headers_replace(h, "X-Bapi-Limit-Status", buf);
	g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT, self->rl_window_ms + 1000);
	soup_message_headers_replace(h, "X-Bapi-Limit-Reset-Timestamp", buf);
}

/* The envelope {retCode, retMsg, result, retExtInfo, time}; result from b
 * (NULL = {}). */
/* Member name: an object of the counts (key -> guint64 *). */
static void
cw_sim_priv_counts_json(JsonBuilder *b, const char *name, GHashTable *counts)
{
	GHashTableIter it;
	gpointer key, value;

	json_builder_set_member_name(b, name);
	json_builder_begin_object(b);
	g_hash_table_iter_init(&it, counts);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		json_builder_set_member_name(b, key);
		json_builder_add_int_value(b, (gint64) * (guint64 *) value);
	}
	json_builder_end_object(b);
}

/* counts[key]++ (guint64 * values) */
static void
cw_sim_priv_count(GHashTable *counts, const char *key)
{
	guint64 *n = g_hash_table_lookup(counts, key);

	if (n == NULL) {
		n = g_new0(guint64, 1);
		g_hash_table_insert(counts, g_strdup(key), n);
	}
	(*n)++;
}

static void
cw_sim_priv_answer(CwSimBybitPrivate *self, SoupServerMessage *msg, gint64 code, const char *text,
		   JsonBuilder *result)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *body = NULL;

	if (self->in_create && code != 0) {
		char key[24];

		g_snprintf(key, sizeof key, "%" G_GINT64_FORMAT, code);
		cw_sim_priv_count(self->create_refusals, key);
	}
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "retCode");
	json_builder_add_int_value(b, code);
	cw_sim_priv_str(b, "retMsg", text);
	json_builder_set_member_name(b, "result");
	if (result != NULL) {
		json_builder_add_value(b, json_builder_get_root(result));
	} else {
		json_builder_begin_object(b);
		json_builder_end_object(b);
	}
	json_builder_set_member_name(b, "retExtInfo");
	json_builder_begin_object(b);
	json_builder_end_object(b);
	/* the venue's time of the answer: the clock its orders and executions
	 * carry (the market's); the recv window is checked against the wall
	 * clock, which /v5/market/time reports */
	json_builder_set_member_name(b, "time");
	json_builder_add_int_value(b, cw_sim_priv_now(self));
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	body = json_to_string(root, FALSE);
	cw_sim_priv_limit_headers(self, msg);
	soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
	soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, body,
					 strlen(body));
}

/* The secret of key; NULL when the account has no such key. */
static const char *
cw_sim_priv_secret(CwSimBybitPrivate *self, const char *key)
{
	if (strcmp(key, self->api_key) == 0)
		return self->api_secret;
	return g_hash_table_lookup(self->extra_keys, key);
}

/* Checks key, time, signature and the rate limit; FALSE when answered. */
static gboolean
cw_sim_priv_authorize(CwSimBybitPrivate *self, SoupServerMessage *msg, const char *payload,
		      gsize payload_len)
{
	SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
	const char *key = soup_message_headers_get_one(h, "X-BAPI-API-KEY");
	const char *ts_text = soup_message_headers_get_one(h, "X-BAPI-TIMESTAMP");
	const char *sign = soup_message_headers_get_one(h, "X-BAPI-SIGN");
	const char *rw_text = soup_message_headers_get_one(h, "X-BAPI-RECV-WINDOW");
	gint64 ts = 0;
	gint64 rw = CW_SIM_PRIV_RECV_WINDOW;
	gint64 now = cw_sim_priv_wall_ms(self);
	const char *secret;
	char want[CW_BYBIT_SIGN_LEN];

	if (now - self->rl_window_ms >= 1000) {
		self->rl_window_ms = now - now % 1000;
		self->rl_used = 0;
	}
	if (key == NULL || (secret = cw_sim_priv_secret(self, key)) == NULL) {
		cw_sim_priv_answer(self, msg, 10003, "API key is invalid.", NULL);
		return FALSE;
	}
	if (ts_text == NULL || !g_ascii_string_to_signed(ts_text, 10, 0, G_MAXINT64, &ts, NULL) ||
	    (rw_text != NULL && !g_ascii_string_to_signed(rw_text, 10, 1, 120000, &rw, NULL)) ||
	    ts < now - rw || ts >= now + CW_SIM_PRIV_LEAD_MS) {
		g_autofree char *text = g_strdup_printf(
		    "invalid request, please check your server timestamp or recv_window param. "
		    "req_timestamp[%s],server_timestamp[%" G_GINT64_FORMAT
		    "],recv_window[%" G_GINT64_FORMAT "]",
		    ts_text != NULL ? ts_text : "", now, rw);
		cw_sim_priv_answer(self, msg, 10002, text, NULL);
		return FALSE;
	}
	cw_bybit_sign_rest(secret, ts, key, rw, payload, payload_len, want);
	if (sign == NULL || !cw_bybit_sign_equal(sign, want)) {
		cw_sim_priv_answer(self, msg, 10004, "error sign! please check your signature",
				   NULL);
		return FALSE;
	}
	if (self->faults.rate_limit_next > 0 || self->rl_used >= self->faults.rate_limit_per_s) {
		if (self->faults.rate_limit_next > 0)
			self->faults.rate_limit_next--;
		self->rl_used = self->faults.rate_limit_per_s;
		cw_sim_priv_answer(self, msg, 10006, "Too many visits!", NULL);
		return FALSE;
	}
	self->rl_used++;
	return TRUE;
}

/* A string or number member as text; NULL when absent or of another type. */
static const char *
cw_sim_priv_member(JsonObject *obj, const char *name, char *buf)
{
	JsonNode *node = json_object_get_member(obj, name);

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node))
		return NULL;
	switch (json_node_get_value_type(node)) {
	case G_TYPE_STRING:
		return json_node_get_string(node);
	case G_TYPE_INT64:
		g_snprintf(buf, G_ASCII_DTOSTR_BUF_SIZE, "%" G_GINT64_FORMAT,
			   json_node_get_int(node));
		return buf;
	case G_TYPE_DOUBLE:
		return cw_sim_priv_num(json_node_get_double(node), buf);
	default:
		return NULL;
	}
}

/* An optional positive decimal member; FALSE when present but not one. */
static gboolean
cw_sim_priv_decimal(JsonObject *obj, const char *name, double *out)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	const char *text = cw_sim_priv_member(obj, name, buf);
	char *end = NULL;

	*out = 0;
	if (text == NULL || *text == '\0')
		return TRUE;
	*out = g_ascii_strtod(text, &end);
	return end != text && *end == '\0' && isfinite(*out) && *out >= 0;
}

static gboolean
cw_sim_priv_bool(JsonObject *obj, const char *name)
{
	JsonNode *node = json_object_get_member(obj, name);

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node))
		return FALSE;
	if (json_node_get_value_type(node) == G_TYPE_BOOLEAN)
		return json_node_get_boolean(node);
	if (json_node_get_value_type(node) == G_TYPE_STRING)
		return g_ascii_strcasecmp(json_node_get_string(node), "true") == 0;
	return FALSE;
}

static CwSimOrder *
cw_sim_priv_find(CwSimBybitPrivate *self, JsonObject *obj, GHashTable *query)
{
	const char *id = NULL;
	const char *link = NULL;
	char b1[G_ASCII_DTOSTR_BUF_SIZE], b2[G_ASCII_DTOSTR_BUF_SIZE];

	if (obj != NULL) {
		id = cw_sim_priv_member(obj, "orderId", b1);
		link = cw_sim_priv_member(obj, "orderLinkId", b2);
	} else if (query != NULL) {
		id = g_hash_table_lookup(query, "orderId");
		link = g_hash_table_lookup(query, "orderLinkId");
	}
	if (id != NULL && *id != '\0')
		return g_hash_table_lookup(self->orders, id);
	if (link != NULL && *link != '\0')
		return g_hash_table_lookup(self->by_link, link);
	return NULL;
}

static void
cw_sim_priv_id_result(JsonBuilder *b, const CwSimOrder *o)
{
	json_builder_begin_object(b);
	cw_sim_priv_str(b, "orderId", o->order_id);
	cw_sim_priv_str(b, "orderLinkId", o->link_id);
	json_builder_end_object(b);
}

/* The steps of a create that was accepted, as the faults shape its answer. */
static void
cw_sim_priv_created(CwSimBybitPrivate *self, SoupServerMessage *msg, const CwSimOrder *o)
{
	CwSimPrivateFaults *f = &self->faults;
	g_autoptr(JsonBuilder) b = json_builder_new();

	if (f->drop_create_next > 0) {
		f->drop_create_next--;
		g_autoptr(GIOStream) stream = soup_server_message_steal_connection(msg);
		if (stream != NULL)
			g_io_stream_close(stream, NULL, NULL);
		return;
	}
	if (f->timeout_create_next > 0) {
		f->timeout_create_next--;
		soup_server_message_pause(msg);
		self->hung = g_list_prepend(self->hung, g_object_ref(msg));
		return;
	}
	if (f->error_accepted_next > 0) {
		f->error_accepted_next--;
		soup_server_message_set_status(msg, 502, NULL);
		soup_server_message_set_response(msg, "text/plain", SOUP_MEMORY_STATIC,
						 "simulated bad gateway", 21);
		return;
	}
	cw_sim_priv_id_result(b, o);
	cw_sim_priv_answer(self, msg, 0, "OK", b);
}

static double
cw_sim_priv_round_step(double v, double step)
{
	return step > 0 ? floor(v / step + 1e-9) * step : v;
}

static void
cw_sim_priv_create(CwSimBybitPrivate *self, SoupServerMessage *msg, JsonObject *req)
{
	char b1[G_ASCII_DTOSTR_BUF_SIZE], b2[G_ASCII_DTOSTR_BUF_SIZE], b3[G_ASCII_DTOSTR_BUF_SIZE],
	    b4[G_ASCII_DTOSTR_BUF_SIZE], b5[G_ASCII_DTOSTR_BUF_SIZE], b6[G_ASCII_DTOSTR_BUF_SIZE];
	const char *category = cw_sim_priv_member(req, "category", b1);
	const char *symbol = cw_sim_priv_member(req, "symbol", b2);
	const char *side = cw_sim_priv_member(req, "side", b3);
	const char *type = cw_sim_priv_member(req, "orderType", b4);
	const char *link = cw_sim_priv_member(req, "orderLinkId", b5);
	const char *dir_text = cw_sim_priv_member(req, "triggerDirection", b6);
	g_autoptr(GError) error = NULL;
	CwSimOrder *o;
	CwSimBook *book;
	CwOrder order;
	double qty, price, trigger;
	guint *count;

	self->creates_received++;
	if (self->create_func != NULL) {
		JsonNode *ro = json_object_get_member(req, "reduceOnly");

		self->create_func(link != NULL ? link : "",
				  ro != NULL && JSON_NODE_HOLDS_VALUE(ro) &&
				      json_node_get_value_type(ro) == G_TYPE_BOOLEAN &&
				      json_node_get_boolean(ro),
				  self->create_data);
	}
	if (self->faults.error_create_next > 0) {
		self->faults.error_create_next--;
		soup_server_message_set_status(msg, 503, NULL);
		soup_server_message_set_response(msg, "text/plain", SOUP_MEMORY_STATIC,
						 "simulated service unavailable", 29);
		return;
	}
	if (category == NULL || strcmp(category, "linear") != 0 || symbol == NULL ||
	    *symbol == '\0' || side == NULL || type == NULL) {
		cw_sim_priv_answer(self, msg, 10001,
				   "params error: category=linear, symbol, side and orderType are "
				   "required",
				   NULL);
		return;
	}
	if ((strcmp(side, "Buy") != 0 && strcmp(side, "Sell") != 0) ||
	    (strcmp(type, "Market") != 0 && strcmp(type, "Limit") != 0) ||
	    !cw_sim_priv_decimal(req, "qty", &qty) || !cw_sim_priv_decimal(req, "price", &price) ||
	    !cw_sim_priv_decimal(req, "triggerPrice", &trigger) || qty <= 0) {
		cw_sim_priv_answer(self, msg, 10001, "params error: side, orderType, qty or price",
				   NULL);
		return;
	}
	if (link != NULL && strlen(link) >= 37) {
		cw_sim_priv_answer(self, msg, 10001,
				   "params error: orderLinkId is longer than 36 characters", NULL);
		return;
	}
	if (link != NULL && *link != '\0' && g_hash_table_contains(self->by_link, link)) {
		self->duplicates_refused++;
		cw_sim_priv_answer(self, msg, 110072, "OrderLinkedID is duplicate", NULL);
		return;
	}
	if (qty < self->min_qty - 1e-12 ||
	    fabs(cw_sim_priv_round_step(qty, self->qty_step) - qty) > 1e-9) {
		cw_sim_priv_answer(self, msg, 10001,
				   "params error: qty is not a multiple of the lot "
				   "step or below the minimum",
				   NULL);
		return;
	}
	if (strcmp(type, "Limit") == 0 && (price <= 0 || trigger > 0)) {
		cw_sim_priv_answer(self, msg, 10001,
				   "params error: a limit order needs a price and no triggerPrice "
				   "(conditional limit orders are not simulated)",
				   NULL);
		return;
	}
	book = cw_sim_priv_book(self, symbol);
	memset(&order, 0, sizeof order);
	order.side = strcmp(side, "Buy") == 0 ? CW_SIDE_BUY : CW_SIDE_SELL;
	order.reduce_only =
	    cw_sim_priv_bool(req, "reduceOnly") || cw_sim_priv_bool(req, "closeOnTrigger");
	if (trigger > 0) {
		gint64 dir = 0;
		int want = order.side == CW_SIDE_BUY ? 1 : 2;

		if (dir_text == NULL || !g_ascii_string_to_signed(dir_text, 10, 1, 2, &dir, NULL) ||
		    dir != want) {
			cw_sim_priv_answer(
			    self, msg, 10001,
			    "params error: triggerDirection must be 1 for a buy stop "
			    "and 2 for a sell stop (stop orders only)",
			    NULL);
			return;
		}
	}
	if (order.reduce_only) {
		double reducible =
		    order.side == CW_SIDE_BUY ? MAX(0, -book->size) : MAX(0, book->size);
		if (reducible <= 1e-12) {
			cw_sim_priv_answer(
			    self, msg, 110017,
			    "current position is zero, cannot fix reduce-only order qty", NULL);
			return;
		}
	}
	o = g_new0(CwSimOrder, 1);
	self->n_orders++;
	g_snprintf(o->order_id, sizeof o->order_id,
		   "%08" G_GINT64_MODIFIER "x-%04x-4%03x-8000-%012" G_GINT64_MODIFIER "x",
		   (guint64) g_str_hash(symbol), (guint) (self->n_orders >> 16) & 0xffff,
		   (guint) self->n_orders & 0xfff, (guint64) self->n_orders);
	g_strlcpy(o->link_id, link != NULL ? link : "", sizeof o->link_id);
	g_strlcpy(o->paper_id, o->link_id[0] != '\0' ? o->link_id : o->order_id,
		  sizeof o->paper_id);
	g_strlcpy(o->symbol, symbol, sizeof o->symbol);
	o->side = order.side;
	o->limit = strcmp(type, "Limit") == 0;
	o->conditional = trigger > 0;
	o->qty = qty;
	o->price = o->limit ? price : 0;
	o->trigger = trigger;
	o->trigger_direction = trigger > 0 ? (order.side == CW_SIDE_BUY ? 1 : 2) : 0;
	o->reduce_only = order.reduce_only;
	o->close_on_trigger = cw_sim_priv_bool(req, "closeOnTrigger");
	o->status = "Created";
	o->last_price_on_created = book->last_price;
	o->created = o->updated = cw_sim_priv_now(self);
	g_hash_table_insert(self->orders, o->order_id, o);
	g_hash_table_insert(self->by_paper, o->paper_id, o);
	if (o->link_id[0] != '\0')
		g_hash_table_insert(self->by_link, o->link_id, o);
	g_ptr_array_add(self->order_list, o);
	count = g_hash_table_lookup(self->audit, o->link_id);
	if (count == NULL) {
		count = g_new0(guint, 1);
		g_hash_table_insert(self->audit, g_strdup(o->link_id), count);
	}
	(*count)++;

	g_strlcpy(order.client_order_id, o->paper_id, sizeof order.client_order_id);
	order.symbol = book->quark;
	order.type = o->conditional ? CW_ORDER_TYPE_STOP
		     : o->limit     ? CW_ORDER_TYPE_LIMIT
				    : CW_ORDER_TYPE_MARKET;
	order.qty = qty;
	order.price = o->price;
	order.stop_price = trigger;
	order.seq = self->n_orders;
	if (!cw_broker_submit(CW_BROKER(book->paper), &order, &error)) {
		o->status = "Rejected";
		cw_sim_priv_push_order(self, o);
		cw_sim_priv_answer(self, msg, 10001, error->message, NULL);
		return;
	}
	cw_sim_priv_created(self, msg, o);
}

/* The open order that req names; NULL after answering 110001 "order not
 * exists or too late to <what>", as Bybit does. */
static CwSimOrder *
cw_sim_priv_find_open(CwSimBybitPrivate *self, SoupServerMessage *msg, JsonObject *req,
		      const char *what)
{
	CwSimOrder *o = cw_sim_priv_find(self, req, NULL);
	g_autofree char *text = NULL;

	if (o != NULL && cw_sim_priv_is_open(o))
		return o;
	text = g_strdup_printf("order not exists or too late to %s", what);
	cw_sim_priv_answer(self, msg, 110001, text, NULL);
	return NULL;
}

static void
cw_sim_priv_amend(CwSimBybitPrivate *self, SoupServerMessage *msg, JsonObject *req)
{
	CwSimOrder *o = cw_sim_priv_find_open(self, msg, req, "replace");
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(GError) error = NULL;
	double qty, price, trigger;

	if (o == NULL)
		return;
	if (!cw_sim_priv_decimal(req, "qty", &qty) || !cw_sim_priv_decimal(req, "price", &price) ||
	    !cw_sim_priv_decimal(req, "triggerPrice", &trigger)) {
		cw_sim_priv_answer(self, msg, 10001, "params error: qty, price or triggerPrice",
				   NULL);
		return;
	}
	if (!cw_broker_amend(CW_BROKER(cw_sim_priv_book(self, o->symbol)->paper), o->paper_id, qty,
			     price, trigger, &error)) {
		cw_sim_priv_answer(self, msg, 10001, error->message, NULL);
		return;
	}
	cw_sim_priv_id_result(b, o);
	cw_sim_priv_answer(self, msg, 0, "OK", b);
}

static void
cw_sim_priv_cancel(CwSimBybitPrivate *self, SoupServerMessage *msg, JsonObject *req)
{
	CwSimOrder *o = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();

	if (self->faults.error_cancel_next > 0) {
		self->faults.error_cancel_next--;
		soup_server_message_set_status(msg, 503, NULL);
		soup_server_message_set_response(msg, "text/plain", SOUP_MEMORY_STATIC,
						 "simulated service unavailable", 29);
		return;
	}
	o = cw_sim_priv_find_open(self, msg, req, "cancel");
	if (o == NULL)
		return;
	o->cancel_type = "CancelByUser";
	cw_broker_cancel(CW_BROKER(cw_sim_priv_book(self, o->symbol)->paper), o->paper_id, NULL);
	cw_sim_priv_id_result(b, o);
	cw_sim_priv_answer(self, msg, 0, "OK", b);
}

static const char *
cw_sim_priv_q(GHashTable *query, const char *name)
{
	const char *v = query != NULL ? g_hash_table_lookup(query, name) : NULL;

	return v != NULL && *v != '\0' ? v : NULL;
}

static gint64
cw_sim_priv_q_int(GHashTable *query, const char *name, gint64 def)
{
	const char *v = cw_sim_priv_q(query, name);
	gint64 out = def;

	if (v != NULL && !g_ascii_string_to_signed(v, 10, 0, G_MAXINT64, &out, NULL))
		return -1;
	return out;
}

/* Paging as Bybit's: the cursor is an opaque token that the client gives
 * back as nextPageCursor had it. Bybit's come percent-encoded (e.g.
 * "132766%3A2%2C132766%3A2"), so these do too: "N%3AN" for the offset N,
 * which arrives decoded as "N:N". -1 for a cursor this simulator did not
 * make (or one encoded twice). */
static gint64
cw_sim_priv_q_cursor(GHashTable *query)
{
	const char *v = cw_sim_priv_q(query, "cursor");
	g_auto(GStrv) parts = NULL;
	guint64 a = 0, b = 0;

	if (v == NULL)
		return 0;
	parts = g_strsplit(v, ":", 3);
	if (g_strv_length(parts) != 2 ||
	    !g_ascii_string_to_unsigned(parts[0], 10, 0, G_MAXINT32, &a, NULL) ||
	    !g_ascii_string_to_unsigned(parts[1], 10, 0, G_MAXINT32, &b, NULL) || a != b)
		return -1;
	return (gint64) a;
}

static void
cw_sim_priv_cursor_text(char *buf, gsize size, gint64 offset)
{
	g_snprintf(buf, size, "%" G_GINT64_FORMAT "%%3A%" G_GINT64_FORMAT, offset, offset);
}

static void
cw_sim_priv_list_begin(JsonBuilder *b)
{
	json_builder_begin_object(b);
	cw_sim_priv_str(b, "category", "linear");
	json_builder_set_member_name(b, "list");
	json_builder_begin_array(b);
}

static void
cw_sim_priv_list_end(JsonBuilder *b, const char *cursor)
{
	json_builder_end_array(b);
	cw_sim_priv_str(b, "nextPageCursor", cursor);
	json_builder_end_object(b);
}

static void
cw_sim_priv_realtime(CwSimBybitPrivate *self, SoupServerMessage *msg, GHashTable *query)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	const char *symbol = cw_sim_priv_q(query, "symbol");
	gboolean by_id =
	    cw_sim_priv_q(query, "orderId") != NULL || cw_sim_priv_q(query, "orderLinkId") != NULL;
	gint64 limit = cw_sim_priv_q_int(query, "limit", 20);
	gint64 skip = cw_sim_priv_q_cursor(query);
	gint64 seen = 0, listed = 0;
	char cursor[48] = "";

	if (limit < 1 || limit > 50 || skip < 0) {
		cw_sim_priv_answer(self, msg, 10001, "params error: limit or cursor", NULL);
		return;
	}
	cw_sim_priv_list_begin(b);
	if (by_id) {
		CwSimOrder *o = cw_sim_priv_find(self, NULL, query);

		if (o != NULL)
			cw_sim_priv_order_json(b, o, FALSE);
	} else {
		for (guint i = self->order_list->len; i > 0; i--) {
			CwSimOrder *o = self->order_list->pdata[i - 1];

			if (!cw_sim_priv_is_open(o) ||
			    (symbol != NULL && strcmp(symbol, o->symbol) != 0))
				continue;
			if (seen++ < skip)
				continue;
			if (listed == limit) {
				cw_sim_priv_cursor_text(cursor, sizeof cursor, skip + listed);
				break;
			}
			cw_sim_priv_order_json(b, o, FALSE);
			listed++;
		}
	}
	cw_sim_priv_list_end(b, cursor);
	cw_sim_priv_answer(self, msg, 0, "OK", b);
}

#define CW_SIM_PRIV_WINDOW_MS  ((gint64) 7 * 24 * 3600 * 1000)
#define CW_SIM_PRIV_HISTORY_MS ((gint64) 730 * 24 * 3600 * 1000)

/* The time window of a history list, as Bybit v5 reads startTime and
 * endTime: at most 7 days (endTime - startTime <= 7 days, else retCode
 * 10001); one alone means 7 days from it (or up to it); none, the last 7
 * days. The venue keeps 730 days (a unified account): a start before that
 * is refused. FALSE when answered with the refusal. */
static gboolean
cw_sim_priv_window(CwSimBybitPrivate *self, SoupServerMessage *msg, GHashTable *query,
		   gint64 *start, gint64 *end)
{
	gint64 now = cw_sim_priv_now(self);
	gint64 s = cw_sim_priv_q_int(query, "startTime", 0);
	gint64 e = cw_sim_priv_q_int(query, "endTime", 0);

	if (s < 0 || e < 0) {
		cw_sim_priv_answer(self, msg, 10001, "params error: startTime or endTime", NULL);
		return FALSE;
	}
	if (s > 0 && e > 0 && e - s > CW_SIM_PRIV_WINDOW_MS) {
		cw_sim_priv_answer(self, msg, 10001,
				   "The time range between startTime and endTime cannot exceed 7 "
				   "days",
				   NULL);
		return FALSE;
	}
	if (s > 0 && e > 0 && e < s) {
		cw_sim_priv_answer(self, msg, 10001,
				   "params error: endTime must not be earlier than startTime",
				   NULL);
		return FALSE;
	}
	if (s == 0 && e == 0)
		e = now;
	if (s == 0)
		s = e - CW_SIM_PRIV_WINDOW_MS;
	if (e == 0)
		e = s + CW_SIM_PRIV_WINDOW_MS;
	if (s < now - CW_SIM_PRIV_HISTORY_MS) {
		cw_sim_priv_answer(self, msg, 10001, "Can't query order earlier than 2 years",
				   NULL);
		return FALSE;
	}
	*start = s;
	*end = e;
	return TRUE;
}

static void
cw_sim_priv_executions(CwSimBybitPrivate *self, SoupServerMessage *msg, GHashTable *query)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	const char *symbol = cw_sim_priv_q(query, "symbol");
	const char *link = cw_sim_priv_q(query, "orderLinkId");
	gint64 start = 0, end = 0;
	gint64 limit = cw_sim_priv_q_int(query, "limit", 50);
	gint64 skip = cw_sim_priv_q_cursor(query);
	gint64 seen = 0, listed = 0;
	char cursor[48] = "";

	/* by orderLinkId, Bybit ignores the other filters */
	if (link == NULL && !cw_sim_priv_window(self, msg, query, &start, &end))
		return;
	if (link != NULL)
		end = G_MAXINT64;
	if (limit < 1 || limit > 100 || skip < 0) {
		cw_sim_priv_answer(self, msg, 10001, "params error: startTime, limit or cursor",
				   NULL);
		return;
	}
	cw_sim_priv_list_begin(b);
	/* newest first, as Bybit lists them */
	for (guint i = self->execs->len; i > 0; i--) {
		const CwSimExec *e = &g_array_index(self->execs, CwSimExec, i - 1);

		if ((symbol != NULL && strcmp(symbol, e->order.symbol) != 0) ||
		    (link != NULL && strcmp(link, e->order.link_id) != 0) || e->time < start ||
		    e->time > end)
			continue;
		if (seen++ < skip)
			continue;
		if (listed == limit) {
			cw_sim_priv_cursor_text(cursor, sizeof cursor, skip + listed);
			break;
		}
		cw_sim_priv_exec_json(b, e, FALSE);
		listed++;
	}
	cw_sim_priv_list_end(b, cursor);
	cw_sim_priv_answer(self, msg, 0, "OK", b);
}

/* GET /v5/order/history: orders that ended (filled, cancelled, rejected,
 * deactivated) and were last updated at or after startTime, newest first. */
static void
cw_sim_priv_history(CwSimBybitPrivate *self, SoupServerMessage *msg, GHashTable *query)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	const char *symbol = cw_sim_priv_q(query, "symbol");
	gint64 start = 0, end = 0;
	gint64 limit = cw_sim_priv_q_int(query, "limit", 20);
	gint64 skip = cw_sim_priv_q_cursor(query);
	gint64 seen = 0, listed = 0;
	char cursor[48] = "";

	if (!cw_sim_priv_window(self, msg, query, &start, &end))
		return;
	if (limit < 1 || limit > 50 || skip < 0) {
		cw_sim_priv_answer(self, msg, 10001, "params error: startTime, limit or cursor",
				   NULL);
		return;
	}
	cw_sim_priv_list_begin(b);
	for (guint i = self->order_list->len; i > 0; i--) {
		const CwSimOrder *o = self->order_list->pdata[i - 1];

		if (cw_sim_priv_is_open(o) || (symbol != NULL && strcmp(symbol, o->symbol) != 0) ||
		    o->updated < start || o->updated > end)
			continue;
		if (seen++ < skip)
			continue;
		if (listed == limit) {
			cw_sim_priv_cursor_text(cursor, sizeof cursor, skip + listed);
			break;
		}
		cw_sim_priv_order_json(b, o, FALSE);
		listed++;
	}
	cw_sim_priv_list_end(b, cursor);
	cw_sim_priv_answer(self, msg, 0, "OK", b);
}

static void
cw_sim_priv_positions(CwSimBybitPrivate *self, SoupServerMessage *msg, GHashTable *query)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	const char *symbol = cw_sim_priv_q(query, "symbol");

	if (symbol == NULL && cw_sim_priv_q(query, "settleCoin") == NULL) {
		cw_sim_priv_answer(self, msg, 10001,
				   "params error: symbol or settleCoin is required", NULL);
		return;
	}
	cw_sim_priv_list_begin(b);
	if (symbol != NULL) {
		cw_sim_priv_position_json(b, cw_sim_priv_book(self, symbol), FALSE);
	} else {
		GHashTableIter it;
		gpointer value;

		g_hash_table_iter_init(&it, self->books);
		while (g_hash_table_iter_next(&it, NULL, &value)) {
			if (((CwSimBook *) value)->size != 0)
				cw_sim_priv_position_json(b, value, FALSE);
		}
	}
	cw_sim_priv_list_end(b, "");
	cw_sim_priv_answer(self, msg, 0, "OK", b);
}

static void
cw_sim_priv_wallet_balance(CwSimBybitPrivate *self, SoupServerMessage *msg, GHashTable *query)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	const char *type = cw_sim_priv_q(query, "accountType");

	if (type == NULL || strcmp(type, "UNIFIED") != 0) {
		cw_sim_priv_answer(self, msg, 10001, "params error: accountType=UNIFIED", NULL);
		return;
	}
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "list");
	json_builder_begin_array(b);
	cw_sim_priv_wallet_json(self, b);
	json_builder_end_array(b);
	json_builder_end_object(b);
	cw_sim_priv_answer(self, msg, 0, "OK", b);
}

static void
cw_sim_priv_set_leverage(CwSimBybitPrivate *self, SoupServerMessage *msg, JsonObject *req)
{
	char b1[G_ASCII_DTOSTR_BUF_SIZE];
	const char *symbol = cw_sim_priv_member(req, "symbol", b1);
	double buy, sell;
	CwSimBook *book;

	if (symbol == NULL || !cw_sim_priv_decimal(req, "buyLeverage", &buy) ||
	    !cw_sim_priv_decimal(req, "sellLeverage", &sell) || buy < 1 || buy > 100 ||
	    buy != sell) {
		cw_sim_priv_answer(self, msg, 10001,
				   "params error: symbol, buyLeverage = sellLeverage in [1, 100]",
				   NULL);
		return;
	}
	book = cw_sim_priv_book(self, symbol);
	if (book->leverage == buy) {
		cw_sim_priv_answer(self, msg, 110043, "leverage not modified", NULL);
		return;
	}
	book->leverage = buy;
	cw_sim_priv_answer(self, msg, 0, "OK", NULL);
}

static void
cw_sim_priv_time(CwSimBybitPrivate *self, SoupServerMessage *msg)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	gint64 now = cw_sim_priv_wall_ms(self);
	char sec[24], nano[32];

	g_snprintf(sec, sizeof sec, "%" G_GINT64_FORMAT, now / 1000);
	g_snprintf(nano, sizeof nano, "%" G_GINT64_FORMAT "000000", now);
	json_builder_begin_object(b);
	cw_sim_priv_str(b, "timeSecond", sec);
	cw_sim_priv_str(b, "timeNano", nano);
	json_builder_end_object(b);
	cw_sim_priv_answer(self, msg, 0, "OK", b);
}

/* Control ------------------------------------------------------------------------------ */

static void
cw_sim_priv_json_reply(SoupServerMessage *msg, guint status, JsonNode *node)
{
	g_autofree char *text = json_to_string(node, FALSE);

	soup_server_message_set_status(msg, status, NULL);
	soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, text,
					 strlen(text));
}

static void
cw_sim_priv_error_reply(SoupServerMessage *msg, const char *text)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object(b);
	cw_sim_priv_str(b, "error", text);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	cw_sim_priv_json_reply(msg, SOUP_STATUS_BAD_REQUEST, root);
}

/* POST /sim/position {"symbol","side","qty"}: a trade made "by hand" at the
 * last price, outside any bot. */
static void
cw_sim_priv_hand_trade(CwSimBybitPrivate *self, SoupServerMessage *msg, JsonObject *req)
{
	char b1[G_ASCII_DTOSTR_BUF_SIZE], b2[G_ASCII_DTOSTR_BUF_SIZE];
	const char *symbol = cw_sim_priv_member(req, "symbol", b1);
	const char *side = cw_sim_priv_member(req, "side", b2);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	CwSimBook *book;
	CwSimOrder *o;
	CwOrder order;
	double qty;

	if (symbol == NULL || side == NULL ||
	    (strcmp(side, "Buy") != 0 && strcmp(side, "Sell") != 0) ||
	    !cw_sim_priv_decimal(req, "qty", &qty) || qty <= 0) {
		cw_sim_priv_error_reply(msg,
					"expected {\"symbol\", \"side\": Buy|Sell, \"qty\" > 0}");
		return;
	}
	book = cw_sim_priv_book(self, symbol);
	if (book->last_price <= 0) {
		cw_sim_priv_error_reply(msg, "no candle of that symbol has closed yet");
		return;
	}
	o = g_new0(CwSimOrder, 1);
	self->n_orders++;
	g_snprintf(o->order_id, sizeof o->order_id, "manual-%" G_GUINT64_FORMAT, ++self->n_manual);
	g_strlcpy(o->paper_id, o->order_id, sizeof o->paper_id);
	g_strlcpy(o->symbol, symbol, sizeof o->symbol);
	o->side = strcmp(side, "Buy") == 0 ? CW_SIDE_BUY : CW_SIDE_SELL;
	o->qty = qty;
	o->status = "New";
	o->created = o->updated = cw_sim_priv_now(self);
	g_hash_table_insert(self->orders, o->order_id, o);
	g_hash_table_insert(self->by_paper, o->paper_id, o);
	g_ptr_array_add(self->order_list, o);
	memset(&order, 0, sizeof order);
	g_strlcpy(order.client_order_id, o->paper_id, sizeof order.client_order_id);
	order.symbol = book->quark;
	order.side = o->side;
	order.type = CW_ORDER_TYPE_MARKET;
	order.qty = qty;
	order.seq = self->n_orders;
	if (!cw_paper_broker_fill_now(book->paper, &order, book->last_price, o->created, &error)) {
		cw_sim_priv_error_reply(msg, error->message);
		return;
	}
	json_builder_begin_object(b);
	cw_sim_priv_str(b, "orderId", o->order_id);
	cw_sim_priv_dec(b, "size", book->size);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	cw_sim_priv_json_reply(msg, SOUP_STATUS_OK, root);
}

static gboolean
cw_sim_priv_faults_json(CwSimBybitPrivate *self, JsonObject *obj, GError **error)
{
	CwSimPrivateFaults saved = self->faults;
	g_autoptr(GList) members = json_object_get_members(obj);

	for (GList *l = members; l != NULL; l = l->next) {
		JsonNode *node = json_object_get_member(obj, l->data);
		g_autofree char *text = NULL;

		if (!JSON_NODE_HOLDS_VALUE(node) ||
		    json_node_get_value_type(node) != G_TYPE_INT64) {
			self->faults = saved;
			g_set_error(error, CW_SIM_ERROR, CW_SIM_ERROR_INVALID,
				    "private fault %s: expected an integer", (char *) l->data);
			return FALSE;
		}
		text = g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
		if (!cw_sim_bybit_private_set_fault(self, l->data, text, error)) {
			self->faults = saved;
			return FALSE;
		}
	}
	return TRUE;
}

static void
cw_sim_priv_faults_doc(CwSimBybitPrivate *self, JsonBuilder *b)
{
	const CwSimPrivateFaults *f = &self->faults;

	json_builder_begin_object(b);
#define CW_SIM_PRIV_FIELD(name)                                                                    \
	json_builder_set_member_name(b, #name);                                                    \
	json_builder_add_int_value(b, f->name);
	CW_SIM_PRIV_FIELD(drop_create_next)
	CW_SIM_PRIV_FIELD(timeout_create_next)
	CW_SIM_PRIV_FIELD(error_create_next)
	CW_SIM_PRIV_FIELD(error_accepted_next)
	CW_SIM_PRIV_FIELD(rate_limit_next)
	CW_SIM_PRIV_FIELD(cut_stream_every)
	CW_SIM_PRIV_FIELD(duplicate_exec_every)
	CW_SIM_PRIV_FIELD(delay_exec_ms)
	CW_SIM_PRIV_FIELD(partial_fill_every)
	CW_SIM_PRIV_FIELD(rate_limit_per_s)
	CW_SIM_PRIV_FIELD(error_cancel_next)
#undef CW_SIM_PRIV_FIELD
	json_builder_set_member_name(b, "clock_skew_ms");
	json_builder_add_int_value(b, self->clock_skew_ms);
	json_builder_end_object(b);
}

static JsonObject *
cw_sim_priv_body_object(SoupServerMessage *msg, JsonNode **root, char **text, GError **error)
{
	SoupMessageBody *body = soup_server_message_get_request_body(msg);
	g_autoptr(GBytes) bytes = soup_message_body_flatten(body);
	gsize len = 0;
	const char *data = g_bytes_get_data(bytes, &len);

	*text = g_strndup(data != NULL ? data : "", len);
	*root = cw_json_parse(*text, (gssize) len, "request body", CW_JSON_PARSE_DEFAULT, error);
	if (*root == NULL)
		return NULL;
	if (!JSON_NODE_HOLDS_OBJECT(*root)) {
		g_set_error(error, CW_SIM_ERROR, CW_SIM_ERROR_INVALID,
			    "request body: expected a JSON object");
		return NULL;
	}
	return json_node_get_object(*root);
}

static gboolean
cw_sim_priv_control(CwSimBybitPrivate *self, SoupServerMessage *msg, const char *path)
{
	gboolean post = strcmp(soup_server_message_get_method(msg), "POST") == 0;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;
	JsonObject *obj;

	if (strcmp(path, "/sim/audit") == 0) {
		g_autoptr(JsonNode) audit = cw_sim_bybit_private_get_audit(self);

		cw_sim_priv_json_reply(msg, SOUP_STATUS_OK, audit);
		return TRUE;
	}
	if (strcmp(path, "/sim/private-faults") != 0 && strcmp(path, "/sim/position") != 0)
		return FALSE;
	if (!post && strcmp(path, "/sim/position") == 0) {
		cw_sim_priv_error_reply(msg, "POST /sim/position {\"symbol\", \"side\", \"qty\"}");
		return TRUE;
	}
	if (!post) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		g_autoptr(JsonNode) doc = NULL;

		cw_sim_priv_faults_doc(self, b);
		doc = json_builder_get_root(b);
		cw_sim_priv_json_reply(msg, SOUP_STATUS_OK, doc);
		return TRUE;
	}
	obj = cw_sim_priv_body_object(msg, &root, &text, &error);
	if (obj == NULL) {
		cw_sim_priv_error_reply(msg, error->message);
		return TRUE;
	}
	if (strcmp(path, "/sim/position") == 0) {
		cw_sim_priv_hand_trade(self, msg, obj);
		return TRUE;
	}
	if (!cw_sim_priv_faults_json(self, obj, &error)) {
		cw_sim_priv_error_reply(msg, error->message);
		return TRUE;
	}
	{
		g_autoptr(JsonBuilder) b = json_builder_new();
		g_autoptr(JsonNode) doc = NULL;

		cw_sim_priv_faults_doc(self, b);
		doc = json_builder_get_root(b);
		cw_sim_priv_json_reply(msg, SOUP_STATUS_OK, doc);
	}
	return TRUE;
}

void
cw_sim_bybit_private_set_create_func(CwSimBybitPrivate *self, CwSimCreateFunc func, gpointer data)
{
	self->create_func = func;
	self->create_data = data;
}

/* Every private REST request, refused or not, by path (the audit's
 * "requests"): a client that spins shows here. */
static void
cw_sim_priv_count_request(CwSimBybitPrivate *self, const char *path)
{
	cw_sim_priv_count(self->requests, path);
}

/**
 * cw_sim_bybit_private_handle:
 *
 * Returns: TRUE when @path is the private API's (and @msg is answered)
 */
gboolean
cw_sim_bybit_private_handle(CwSimBybitPrivate *self, SoupServerMessage *msg, const char *path,
			    GHashTable *query)
{
	gboolean post = strcmp(soup_server_message_get_method(msg), "POST") == 0;
	GUri *uri = soup_server_message_get_uri(msg);
	const char *raw_query = g_uri_get_query(uri);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *body = NULL;
	JsonObject *obj = NULL;

	if (g_str_has_prefix(path, "/sim/"))
		return cw_sim_priv_control(self, msg, path);
	if (strcmp(path, "/v5/market/time") == 0) {
		/* the clock the recv window is checked against */
		cw_sim_priv_time(self, msg);
		return TRUE;
	}
	if (!g_str_has_prefix(path, "/v5/order/") && !g_str_has_prefix(path, "/v5/position/") &&
	    !g_str_has_prefix(path, "/v5/execution/") && !g_str_has_prefix(path, "/v5/account/"))
		return FALSE;
	cw_sim_priv_count_request(self, path);
	if (post) {
		obj = cw_sim_priv_body_object(msg, &root, &body, &error);
		if (!cw_sim_priv_authorize(self, msg, body, strlen(body)))
			return TRUE;
		if (obj == NULL) {
			cw_sim_priv_answer(self, msg, 10001, error->message, NULL);
			return TRUE;
		}
		if (strcmp(path, "/v5/order/create") == 0) {
			self->in_create = TRUE;
			cw_sim_priv_create(self, msg, obj);
			self->in_create = FALSE;
		} else if (strcmp(path, "/v5/order/amend") == 0)
			cw_sim_priv_amend(self, msg, obj);
		else if (strcmp(path, "/v5/order/cancel") == 0)
			cw_sim_priv_cancel(self, msg, obj);
		else if (strcmp(path, "/v5/position/set-leverage") == 0)
			cw_sim_priv_set_leverage(self, msg, obj);
		else
			cw_sim_priv_answer(self, msg, 10001, "params error: unknown POST path",
					   NULL);
		return TRUE;
	}
	if (!cw_sim_priv_authorize(self, msg, raw_query != NULL ? raw_query : "",
				   raw_query != NULL ? strlen(raw_query) : 0))
		return TRUE;
	if (strcmp(path, "/v5/order/realtime") == 0)
		cw_sim_priv_realtime(self, msg, query);
	else if (strcmp(path, "/v5/execution/list") == 0)
		cw_sim_priv_executions(self, msg, query);
	else if (strcmp(path, "/v5/order/history") == 0)
		cw_sim_priv_history(self, msg, query);
	else if (strcmp(path, "/v5/position/list") == 0)
		cw_sim_priv_positions(self, msg, query);
	else if (strcmp(path, "/v5/account/wallet-balance") == 0)
		cw_sim_priv_wallet_balance(self, msg, query);
	else
		cw_sim_priv_answer(self, msg, 10001, "params error: unknown GET path", NULL);
	return TRUE;
}

/* The private WebSocket -------------------------------------------------------------- */

static void
cw_sim_priv_ws_reply(CwSimPrivConn *conn, gboolean success, const char *ret_msg, const char *req_id,
		     const char *op)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "success");
	json_builder_add_boolean_value(b, success);
	cw_sim_priv_str(b, "ret_msg", ret_msg);
	cw_sim_priv_str(b, "op", op);
	cw_sim_priv_str(b, "conn_id", conn->id);
	if (req_id != NULL)
		cw_sim_priv_str(b, "req_id", req_id);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	text = json_to_string(root, FALSE);
	soup_websocket_connection_send_text(conn->ws, text);
}

/* A connection another account accepted, authenticating with a key of this one. */
static void
cw_sim_priv_conn_move(CwSimPrivConn *conn, CwSimBybitPrivate *to)
{
	CwSimBybitPrivate *from = conn->priv;
	guint i;

	if (g_ptr_array_find(from->conns, conn, &i))
		(void) g_ptr_array_steal_index(from->conns, i);
	from->ws_connections--;
	conn->priv = to;
	g_ptr_array_add(to->conns, conn);
	to->ws_connections++;
}

static void
cw_sim_priv_ws_auth(CwSimPrivConn *conn, JsonArray *args, const char *req_id)
{
	CwSimBybitPrivate *self = conn->priv;
	CwSimBybitPrivate *other;
	const char *key = NULL, *sign = NULL, *secret;
	gint64 expires = 0;
	char want[CW_BYBIT_SIGN_LEN];

	if (args != NULL && json_array_get_length(args) == 3) {
		JsonNode *k = json_array_get_element(args, 0);
		JsonNode *e = json_array_get_element(args, 1);
		JsonNode *s = json_array_get_element(args, 2);

		if (JSON_NODE_HOLDS_VALUE(k) && json_node_get_value_type(k) == G_TYPE_STRING)
			key = json_node_get_string(k);
		if (JSON_NODE_HOLDS_VALUE(s) && json_node_get_value_type(s) == G_TYPE_STRING)
			sign = json_node_get_string(s);
		if (JSON_NODE_HOLDS_VALUE(e) && json_node_get_value_type(e) == G_TYPE_INT64)
			expires = json_node_get_int(e);
		else if (JSON_NODE_HOLDS_VALUE(e) && json_node_get_value_type(e) == G_TYPE_STRING)
			g_ascii_string_to_signed(json_node_get_string(e), 10, 0, G_MAXINT64,
						 &expires, NULL);
	}
	if (key == NULL || sign == NULL || expires == 0) {
		cw_sim_priv_ws_reply(conn, FALSE, "Params Error", req_id, "auth");
		return;
	}
	if (cw_sim_priv_secret(self, key) == NULL && self->account_func != NULL &&
	    (other = self->account_func(key, self->account_data)) != NULL && other != self) {
		cw_sim_priv_conn_move(conn, other);
		self = other;
	}
	if ((secret = cw_sim_priv_secret(self, key)) == NULL) {
		cw_sim_priv_ws_reply(conn, FALSE, "API key is invalid.", req_id, "auth");
		return;
	}
	if (expires <= cw_sim_priv_wall_ms(self)) {
		cw_sim_priv_ws_reply(conn, FALSE, "Params Error: auth expired", req_id, "auth");
		return;
	}
	cw_bybit_sign_ws(secret, expires, want);
	if (!cw_bybit_sign_equal(sign, want)) {
		cw_sim_priv_ws_reply(conn, FALSE, "Invalid sign", req_id, "auth");
		return;
	}
	conn->authed = TRUE;
	self->ws_auths++;
	cw_sim_priv_ws_reply(conn, TRUE, "", req_id, "auth");
}

static void
cw_sim_priv_ws_subscribe(CwSimPrivConn *conn, JsonArray *args, const char *req_id, gboolean on)
{
	static const char *const names[] = {"order", "execution", "position", "wallet"};
	guint mask = 0;

	if (!conn->authed) {
		cw_sim_priv_ws_reply(conn, FALSE, "Request not authorized", req_id,
				     on ? "subscribe" : "unsubscribe");
		return;
	}
	for (guint i = 0; args != NULL && i < json_array_get_length(args); i++) {
		JsonNode *arg = json_array_get_element(args, i);
		const char *topic =
		    JSON_NODE_HOLDS_VALUE(arg) && json_node_get_value_type(arg) == G_TYPE_STRING
			? json_node_get_string(arg)
			: "";
		guint k;

		for (k = 0; k < G_N_ELEMENTS(names); k++) {
			g_autofree char *linear = g_strconcat(names[k], ".linear", NULL);

			if (strcmp(topic, names[k]) == 0 || strcmp(topic, linear) == 0)
				break;
		}
		if (k == G_N_ELEMENTS(names)) {
			g_autofree char *text =
			    g_strdup_printf("error:handler not found,topic:%s", topic);
			cw_sim_priv_ws_reply(conn, FALSE, text, req_id,
					     on ? "subscribe" : "unsubscribe");
			return;
		}
		mask |= 1u << k;
	}
	if (mask == 0) {
		cw_sim_priv_ws_reply(conn, FALSE, "error:args is empty", req_id,
				     on ? "subscribe" : "unsubscribe");
		return;
	}
	conn->topics = on ? conn->topics | mask : conn->topics & ~mask;
	cw_sim_priv_ws_reply(conn, TRUE, "", req_id, on ? "subscribe" : "unsubscribe");
}

static void
cw_sim_priv_ws_message(SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer data)
{
	CwSimPrivConn *conn = data;
	gsize len = 0;
	const char *text = g_bytes_get_data(message, &len);
	g_autoptr(JsonNode) root = NULL;
	JsonObject *req;
	JsonNode *req_node, *args_node;
	g_autofree char *req_id = NULL;
	JsonArray *args = NULL;
	const char *op;

	if (type == SOUP_WEBSOCKET_DATA_TEXT)
		root = cw_json_parse(text, (gssize) len, "request", CW_JSON_PARSE_DEFAULT, NULL);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		cw_sim_priv_ws_reply(conn, FALSE, "error:request not json", NULL, "");
		return;
	}
	req = json_node_get_object(root);
	op = json_object_get_string_member_with_default(req, "op", "");
	req_node = json_object_get_member(req, "req_id");
	if (req_node != NULL && JSON_NODE_HOLDS_VALUE(req_node) &&
	    json_node_get_value_type(req_node) == G_TYPE_STRING)
		req_id = g_strdup(json_node_get_string(req_node));
	args_node = json_object_get_member(req, "args");
	if (args_node != NULL && JSON_NODE_HOLDS_ARRAY(args_node))
		args = json_node_get_array(args_node);
	if (strcmp(op, "auth") == 0) {
		cw_sim_priv_ws_auth(conn, args, req_id);
	} else if (strcmp(op, "subscribe") == 0 || strcmp(op, "unsubscribe") == 0) {
		cw_sim_priv_ws_subscribe(conn, args, req_id, strcmp(op, "subscribe") == 0);
	} else if (strcmp(op, "ping") == 0) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		g_autoptr(JsonNode) pong = NULL;
		g_autofree char *out = NULL;

		json_builder_begin_object(b);
		if (req_id != NULL)
			cw_sim_priv_str(b, "req_id", req_id);
		cw_sim_priv_str(b, "op", "pong");
		json_builder_set_member_name(b, "args");
		json_builder_begin_array(b);
		json_builder_add_string_value(b, "");
		json_builder_end_array(b);
		cw_sim_priv_str(b, "conn_id", conn->id);
		json_builder_end_object(b);
		pong = json_builder_get_root(b);
		out = json_to_string(pong, FALSE);
		soup_websocket_connection_send_text(conn->ws, out);
	} else {
		cw_sim_priv_ws_reply(conn, FALSE, "error:unknown op", req_id, op);
	}
}

static void
cw_sim_priv_conn_free(gpointer data)
{
	CwSimPrivConn *conn = data;

	g_signal_handlers_disconnect_by_data(conn->ws, conn);
	if (cw_sim_priv_conn_open(conn))
		soup_websocket_connection_close(conn->ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
						"simulator stopped");
	g_object_unref(conn->ws);
	g_free(conn);
}

static void
cw_sim_priv_ws_closed(SoupWebsocketConnection *ws, gpointer data)
{
	CwSimPrivConn *conn = data;

	g_ptr_array_remove(conn->priv->conns, conn);
}

void
cw_sim_bybit_private_on_websocket(CwSimBybitPrivate *self, SoupServerMessage *msg,
				  SoupWebsocketConnection *ws)
{
	CwSimPrivConn *conn = g_new0(CwSimPrivConn, 1);
	static guint64 n;

	conn->priv = self;
	conn->ws = g_object_ref(ws);
	g_snprintf(conn->id, sizeof conn->id, "sim-private-%" G_GUINT64_FORMAT, ++n);
	g_signal_connect(ws, "message", G_CALLBACK(cw_sim_priv_ws_message), conn);
	g_signal_connect(ws, "closed", G_CALLBACK(cw_sim_priv_ws_closed), conn);
	g_ptr_array_add(self->conns, conn);
	self->ws_connections++;
}

/* Life cycle ----------------------------------------------------------------------------- */

CwSimBybitPrivate *
cw_sim_bybit_private_new(const char *api_key, const char *api_secret, double balance,
			 CwSimClockFunc now, gpointer now_data)
{
	CwSimBybitPrivate *self = g_new0(CwSimBybitPrivate, 1);

	self->api_key = g_strdup(api_key);
	self->api_secret = g_strdup(api_secret);
	self->extra_keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	self->initial_balance = balance;
	self->slippage_bps = 2;
	self->maker_fee_bps = 2;
	self->taker_fee_bps = 5.5;
	self->qty_step = 0.001;
	self->min_qty = 0.001;
	self->now = now;
	self->now_data = now_data;
	self->faults.rate_limit_per_s = 20;
	self->books = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, cw_sim_priv_book_free);
	self->orders = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	self->by_link = g_hash_table_new(g_str_hash, g_str_equal);
	self->by_paper = g_hash_table_new(g_str_hash, g_str_equal);
	self->order_list = g_ptr_array_new();
	self->execs = g_array_new(FALSE, TRUE, sizeof(CwSimExec));
	self->audit = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	self->requests = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	self->create_refusals = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	self->conns = g_ptr_array_new_with_free_func(cw_sim_priv_conn_free);
	return self;
}

void
cw_sim_bybit_private_free(CwSimBybitPrivate *self)
{
	if (self == NULL)
		return;
	for (GList *l = self->hung; l != NULL; l = l->next) {
		soup_server_message_unpause(l->data);
		g_object_unref(l->data);
	}
	g_list_free(self->hung);
	for (GList *l = self->pending; l != NULL; l = l->next) {
		CwSimPending *p = l->data;

		g_source_remove(p->source);
		g_free(p->text);
		g_free(p);
	}
	g_list_free(self->pending);
	g_ptr_array_unref(self->conns);
	g_hash_table_unref(self->audit);
	g_hash_table_unref(self->requests);
	g_hash_table_unref(self->create_refusals);
	g_array_unref(self->execs);
	g_ptr_array_unref(self->order_list);
	g_hash_table_unref(self->by_paper);
	g_hash_table_unref(self->by_link);
	g_hash_table_unref(self->orders);
	g_hash_table_unref(self->books);
	/* the secret does not outlive the simulator in freed memory */
	memset(self->api_secret, 0, strlen(self->api_secret));
	g_free(self->api_secret);
	g_hash_table_unref(self->extra_keys);
	g_free(self->api_key);
	g_free(self);
}

void
cw_sim_bybit_private_set_fees(CwSimBybitPrivate *self, double slippage_bps, double maker_fee_bps,
			      double taker_fee_bps)
{
	self->slippage_bps = slippage_bps;
	self->maker_fee_bps = maker_fee_bps;
	self->taker_fee_bps = taker_fee_bps;
}

void
cw_sim_bybit_private_set_rules(CwSimBybitPrivate *self, double qty_step, double min_qty)
{
	self->qty_step = qty_step;
	self->min_qty = min_qty;
}

CwSimPrivateFaults *
cw_sim_bybit_private_get_faults(CwSimBybitPrivate *self)
{
	return &self->faults;
}

gboolean
cw_sim_bybit_private_set_fault(CwSimBybitPrivate *self, const char *key, const char *value,
			       GError **error)
{
	static const char *const names[] = {
	    "drop_create_next",     "timeout_create_next", "error_create_next",
	    "error_accepted_next",  "rate_limit_next",     "cut_stream_every",
	    "duplicate_exec_every", "delay_exec_ms",       "partial_fill_every",
	    "rate_limit_per_s",     "error_cancel_next",
	};
	guint *fields[] = {
	    &self->faults.drop_create_next,     &self->faults.timeout_create_next,
	    &self->faults.error_create_next,    &self->faults.error_accepted_next,
	    &self->faults.rate_limit_next,      &self->faults.cut_stream_every,
	    &self->faults.duplicate_exec_every, &self->faults.delay_exec_ms,
	    &self->faults.partial_fill_every,   &self->faults.rate_limit_per_s,
	    &self->faults.error_cancel_next,
	};
	guint64 v = 0;
	gint64 skew = 0;

	if (strcmp(key, "clock_skew_ms") == 0) {
		/* not a fault counter: the venue's clock, signed */
		if (!g_ascii_string_to_signed(value, 10, -86400000, 86400000, &skew, NULL)) {
			g_set_error(error, CW_SIM_ERROR, CW_SIM_ERROR_INVALID,
				    "private fault clock_skew_ms: expected an integer in "
				    "[-86400000, 86400000], not \"%s\"",
				    value);
			return FALSE;
		}
		self->clock_skew_ms = skew;
		return TRUE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		if (strcmp(key, names[i]) != 0)
			continue;
		if (!g_ascii_string_to_unsigned(value, 10, 0, 1000000, &v, NULL)) {
			g_set_error(error, CW_SIM_ERROR, CW_SIM_ERROR_INVALID,
				    "private fault %s: expected an integer in [0, 1000000], not "
				    "\"%s\"",
				    key, value);
			return FALSE;
		}
		if (fields[i] == &self->faults.rate_limit_per_s && v == 0)
			v = 1;
		*fields[i] = (guint) v;
		return TRUE;
	}
	{
		g_autofree char *known = g_strjoinv(", ", (char **) names);
		g_set_error(error, CW_SIM_ERROR, CW_SIM_ERROR_INVALID,
			    "unknown private fault \"%s\" (known: %s, clock_skew_ms)", key, known);
	}
	return FALSE;
}

void
cw_sim_bybit_private_on_candle(CwSimBybitPrivate *self, const char *symbol, const CwCandle *candle)
{
	CwSimBook *book = cw_sim_priv_book(self, symbol);
	CwCandle c = *candle;

	c.symbol = book->quark;
	book->last_price = c.close;
	cw_broker_on_candle(CW_BROKER(book->paper), &c);
}

static gboolean
cw_sim_priv_due_cb(gpointer data)
{
	CwSimBook *book = data;

	book->due_source = 0;
	cw_sim_bybit_private_on_candle(book->priv, book->symbol, &book->due);
	return G_SOURCE_REMOVE;
}

void
cw_sim_bybit_private_schedule_candle(CwSimBybitPrivate *self, const char *symbol,
				     const CwCandle *candle, guint delay_ms)
{
	CwSimBook *book = cw_sim_priv_book(self, symbol);

	if (book->due_source != 0) {
		g_clear_handle_id(&book->due_source, g_source_remove);
		cw_sim_bybit_private_on_candle(self, symbol, &book->due);
	}
	book->due = *candle;
	book->due_source = g_timeout_add(delay_ms, cw_sim_priv_due_cb, book);
}

/**
 * cw_sim_bybit_private_add_key:
 *
 * Lets the account be reached with one more key (REST and WebSocket).
 */
void
cw_sim_bybit_private_add_key(CwSimBybitPrivate *self, const char *api_key, const char *api_secret)
{
	g_hash_table_replace(self->extra_keys, g_strdup(api_key), g_strdup(api_secret));
}

JsonNode *
cw_sim_bybit_private_get_audit(CwSimBybitPrivate *self)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	GHashTableIter it;
	gpointer key, value;
	guint max = 0;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "accepted");
	json_builder_begin_object(b);
	g_hash_table_iter_init(&it, self->audit);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		json_builder_set_member_name(b, key);
		json_builder_add_int_value(b, *(guint *) value);
		if (*(const char *) key != '\0')
			max = MAX(max, *(guint *) value);
	}
	json_builder_end_object(b);
	json_builder_set_member_name(b, "max_per_link_id");
	json_builder_add_int_value(b, max);
	json_builder_set_member_name(b, "creates_received");
	json_builder_add_int_value(b, (gint64) self->creates_received);
	json_builder_set_member_name(b, "duplicates_refused");
	json_builder_add_int_value(b, (gint64) self->duplicates_refused);
	json_builder_set_member_name(b, "private_connections");
	json_builder_add_int_value(b, (gint64) self->ws_connections);
	json_builder_set_member_name(b, "private_connections_open");
	json_builder_add_int_value(b, self->conns->len);
	json_builder_set_member_name(b, "private_auths");
	json_builder_add_int_value(b, (gint64) self->ws_auths);
	json_builder_set_member_name(b, "executions");
	json_builder_add_int_value(b, self->execs->len);
	cw_sim_priv_counts_json(b, "requests", self->requests);
	cw_sim_priv_counts_json(b, "create_refusals", self->create_refusals);
	json_builder_set_member_name(b, "positions");
	json_builder_begin_object(b);
	g_hash_table_iter_init(&it, self->books);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		json_builder_set_member_name(b, key);
		json_builder_add_double_value(b, ((CwSimBook *) value)->size);
	}
	json_builder_end_object(b);
	json_builder_set_member_name(b, "orders");
	json_builder_begin_array(b);
	for (guint i = 0; i < self->order_list->len; i++) {
		const CwSimOrder *o = self->order_list->pdata[i];

		json_builder_begin_object(b);
		cw_sim_priv_str(b, "orderId", o->order_id);
		cw_sim_priv_str(b, "orderLinkId", o->link_id);
		cw_sim_priv_str(b, "orderStatus", o->status);
		cw_sim_priv_str(b, "side", o->side == CW_SIDE_BUY ? "Buy" : "Sell");
		json_builder_set_member_name(b, "reduceOnly");
		json_builder_add_boolean_value(b, o->reduce_only);
		json_builder_set_member_name(b, "cumExecQty");
		json_builder_add_double_value(b, o->cum_qty);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

gboolean
cw_sim_bybit_private_has_key(CwSimBybitPrivate *self, const char *api_key)
{
	return api_key != NULL && cw_sim_priv_secret(self, api_key) != NULL;
}

void
cw_sim_bybit_private_set_account_func(CwSimBybitPrivate *self, CwSimAccountFunc func, gpointer data)
{
	self->account_func = func;
	self->account_data = data;
}
