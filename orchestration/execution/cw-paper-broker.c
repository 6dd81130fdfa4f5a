#include "cw-execution.h"

#include <math.h>

typedef enum {
	CW_PAPER_PHASE_IDLE,
	CW_PAPER_PHASE_MARKET,
	CW_PAPER_PHASE_STOP,
	CW_PAPER_PHASE_LIMIT,
} CwPaperPhase;

/* A working order's slot: what the matching passes test, copied from the
 * order (which sits in a parallel table), so that a candle that fills
 * nothing reads a few compact slots and no order. */
typedef struct {
	gboolean live;
	CwOrderType type;      /* the order's */
	CwSide side;           /* the order's */
	GQuark symbol;         /* the order's */
	double trigger;        /* the stop's stop_price, the limit's price */
	guint64 eligible_from; /* first candle index it may fill on */
	guint32 id_hash;       /* of the order's client_order_id */
} CwWorkingOrder;

#define CW_PAPER_N_TYPES (CW_ORDER_TYPE_STOP + 1)

/* The tables start small and double up to their fixed maximum: a bot that
 * places few orders keeps little memory, and once the maximum is reached
 * nothing is allocated any more. */
#define CW_PAPER_BROKER_INITIAL_SLOTS 8

struct _CwPaperBroker {
	GObject parent_instance;
	double slippage_bps;
	double maker_fee_bps;
	double taker_fee_bps;
	CwExecutionSink sink;
	gpointer sink_data;
	gboolean amend; /* broker.amend: declare CW_BROKER_CAP_AMEND */
	/* up to CW_PAPER_BROKER_MAX_WORKING, in submission order: the slots and
	 * their orders (working_orders[i] is working[i]'s) */
	CwWorkingOrder *working;
	CwOrder *working_orders;
	guint working_cap;              /* allocated slots */
	guint n_working;                /* used slots, live or not */
	guint n_live[CW_PAPER_N_TYPES]; /* live slots of each order type */
	/* Bounds of the live triggers, to skip a pass no order can fill in.
	 * Of each type, fall_reach is the highest trigger among the orders a
	 * falling price fills (sell stops, buy limits) and rise_reach the lowest
	 * among those a rising price fills (buy stops, sell limits). A retired
	 * slot only makes them loose: they are recomputed at the next candle
	 * when reach_stale. */
	double fall_reach[CW_PAPER_N_TYPES];
	double rise_reach[CW_PAPER_N_TYPES];
	gboolean reach_stale;
	/* Ring of the last CW_PAPER_BROKER_HISTORY orders that ended (filled or
	 * cancelled): the p-th record ever appended lives at
	 * p % CW_PAPER_BROKER_HISTORY. history_hash[i] is the hash of
	 * history[i].client_order_id. Working orders are not in it. */
	CwOrder *history;
	guint32 *history_hash;
	guint history_cap;     /* allocated records */
	guint64 history_total; /* records appended so far */
	guint history_len;
	guint64 candle_index; /* candles matched so far */
	CwPaperPhase phase;
	guint depth; /* > 0 while matching: slots must not move */
	gint64 now;
	/* cash view: balance + realized - fees, from the broker's own net position */
	double balance;
	double position; /* signed */
	double entry_price;
};

static void cw_paper_broker_iface_init(CwBrokerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwPaperBroker, cw_paper_broker, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_BROKER, cw_paper_broker_iface_init))

static void
cw_paper_broker_finalize(GObject *object)
{
	CwPaperBroker *self = CW_PAPER_BROKER(object);

	g_free(self->working);
	g_free(self->working_orders);
	g_free(self->history);
	g_free(self->history_hash);
	G_OBJECT_CLASS(cw_paper_broker_parent_class)->finalize(object);
}

static void
cw_paper_broker_class_init(CwPaperBrokerClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_paper_broker_finalize;
}

static void
cw_paper_broker_init(CwPaperBroker *self)
{
	self->slippage_bps = 2;
	self->maker_fee_bps = 2;
	self->taker_fee_bps = 5.5;
	self->reach_stale = TRUE; /* computed before the first candle */
}

/* A hash of a client order id: a cheap first test before strcmp(). Eight
 * bytes at a time (ids are some twenty characters), each word mixed by a
 * multiply and a shift; deterministic on every platform. */
static guint32
cw_paper_broker_hash_id(const char *id)
{
	gsize len = strlen(id);
	guint64 h = 0x9e3779b97f4a7c15u ^ len;
	guint64 w;

	for (; len >= 8; len -= 8, id += 8) {
		memcpy(&w, id, 8);
		w = GUINT64_FROM_LE(w);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
	}
	if (len > 0) {
		w = 0;
		for (gsize i = 0; i < len; i++)
			w |= (guint64) (guint8) id[i] << (8 * i);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
	}
	h *= 0xc4ceb9fe1a85ec53u;
	return (guint32) (h ^ (h >> 32));
}

/* "paper-<seq>" without going through printf. */
static void
cw_paper_broker_format_exchange_id(char *buf, gsize len, guint64 seq)
{
	static const char prefix[] = "paper-";
	char digits[24];
	guint n = 0;

	do {
		digits[n++] = (char) ('0' + seq % 10);
		seq /= 10;
	} while (seq > 0);
	G_STATIC_ASSERT(sizeof(prefix) - 1 + 20 < CW_CLIENT_ORDER_ID_LEN);
	g_assert(len >= sizeof(prefix) + n);
	memcpy(buf, prefix, sizeof(prefix) - 1);
	buf += sizeof(prefix) - 1;
	while (n > 0)
		*buf++ = digits[--n];
	*buf = '\0';
}

/**
 * cw_paper_broker_new:
 *
 * Returns: (transfer full): a paper broker with the default fees.
 */
CwPaperBroker *
cw_paper_broker_new(void)
{
	return g_object_new(CW_TYPE_PAPER_BROKER, NULL);
}

void
cw_paper_broker_set_fees(CwPaperBroker *self, double slippage_bps, double maker_fee_bps,
			 double taker_fee_bps)
{
	g_return_if_fail(CW_IS_PAPER_BROKER(self));
	self->slippage_bps = slippage_bps;
	self->maker_fee_bps = maker_fee_bps;
	self->taker_fee_bps = taker_fee_bps;
}

void
cw_paper_broker_set_balance(CwPaperBroker *self, double balance)
{
	g_return_if_fail(CW_IS_PAPER_BROKER(self));
	self->balance = balance;
}

double
cw_paper_broker_get_slippage_bps(CwPaperBroker *self)
{
	return self->slippage_bps;
}

double
cw_paper_broker_get_maker_fee_bps(CwPaperBroker *self)
{
	return self->maker_fee_bps;
}

double
cw_paper_broker_get_taker_fee_bps(CwPaperBroker *self)
{
	return self->taker_fee_bps;
}

double
cw_paper_broker_get_position(CwPaperBroker *self)
{
	return self->position;
}

guint
cw_paper_broker_get_n_working(CwPaperBroker *self)
{
	guint n = 0;

	for (guint i = 0; i < self->n_working; i++)
		n += self->working[i].live ? 1 : 0;
	return n;
}

double
cw_paper_broker_get_balance(CwPaperBroker *self)
{
	return self->balance;
}

static CwBrokerCaps
cw_paper_broker_get_capabilities(CwBroker *broker)
{
	CwPaperBroker *self = CW_PAPER_BROKER(broker);

	return CW_BROKER_CAP_NATIVE_STOP | CW_BROKER_CAP_REDUCE_ONLY |
	       CW_BROKER_CAP_SIMULATED_ON_CANDLES | (self->amend ? CW_BROKER_CAP_AMEND : 0);
}

static gboolean
cw_paper_broker_configure(CwBroker *broker, const CwBotConfig *config, JsonObject *section,
			  GError **error)
{
	static const char *const known[] = {"type",          "slippage_bps", "maker_fee_bps",
					    "taker_fee_bps", "amend",        NULL};
	CwPaperBroker *self = CW_PAPER_BROKER(broker);

	if (config != NULL)
		self->balance = config->initial_balance;
	if (section == NULL)
		return TRUE;
	return cw_config_check_keys(section, "broker", known, error) &&
	       cw_config_read_bool(section, "broker", "amend", FALSE, &self->amend, error) &&
	       cw_config_read_double(section, "broker", "slippage_bps", 2, 0, 10000,
				     &self->slippage_bps, error) &&
	       cw_config_read_double(section, "broker", "maker_fee_bps", 2, 0, 10000,
				     &self->maker_fee_bps, error) &&
	       cw_config_read_double(section, "broker", "taker_fee_bps", 5.5, 0, 10000,
				     &self->taker_fee_bps, error);
}

static void
cw_paper_broker_set_report_sink(CwBroker *broker, CwExecutionSink sink, gpointer user_data)
{
	CwPaperBroker *self = CW_PAPER_BROKER(broker);

	self->sink = sink;
	self->sink_data = user_data;
}

/* One execution report, on the stack. order must not live in the working
 * table: the sink may submit and cancel, which moves and reuses slots.
 * Callers pass their own copy. */
static void
cw_paper_broker_notify(CwPaperBroker *self, const CwOrder *order, const CwFill *fill)
{
	CwExecutionReport report;

	if (self->sink == NULL)
		return;
	report.order = order;
	report.fill = fill;
	report.error = NULL;
	self->sink(&report, self->sink_data);
}

/* Appends the record of an order that ended (filled, cancelled): working
 * orders are looked up in the working table, ended ones here, newest
 * first. hash is the hash of its client id. */
static void
cw_paper_broker_remember(CwPaperBroker *self, const CwOrder *order, guint32 hash)
{
	guint i = (guint) (self->history_total % CW_PAPER_BROKER_HISTORY);

	if (i >= self->history_cap) {
		/* only while the ring fills for the first time */
		self->history_cap = MIN(MAX(self->history_cap * 2, CW_PAPER_BROKER_INITIAL_SLOTS),
					CW_PAPER_BROKER_HISTORY);
		self->history = g_renew(CwOrder, self->history, self->history_cap);
		self->history_hash = g_renew(guint32, self->history_hash, self->history_cap);
	}
	self->history[i] = *order;
	self->history_hash[i] = hash;
	self->history_total++;
	if (self->history_len < CW_PAPER_BROKER_HISTORY)
		self->history_len++;
}

static void
cw_paper_broker_compact(CwPaperBroker *self)
{
	guint j = 0;

	/* nothing to do while every used slot is live */
	if (self->depth > 0 || self->n_working == self->n_live[CW_ORDER_TYPE_MARKET] +
						      self->n_live[CW_ORDER_TYPE_LIMIT] +
						      self->n_live[CW_ORDER_TYPE_STOP])
		return;
	for (guint i = 0; i < self->n_working; i++) {
		if (!self->working[i].live)
			continue;
		if (i != j) {
			self->working[j] = self->working[i];
			self->working_orders[j] = self->working_orders[i];
		}
		j++;
	}
	self->n_working = j;
}

static CwOrder *
cw_paper_broker_slot_order(CwPaperBroker *self, const CwWorkingOrder *slot)
{
	return &self->working_orders[slot - self->working];
}

/* The slot is no longer working (filled or cancelled). */
static void
cw_paper_broker_retire(CwPaperBroker *self, CwWorkingOrder *slot)
{
	slot->live = FALSE;
	if ((guint) slot->type < CW_PAPER_N_TYPES)
		self->n_live[slot->type]--;
	self->reach_stale = TRUE;
}

/* Takes a new live slot's trigger into the bounds of its type. */
static inline void
cw_paper_broker_widen(CwPaperBroker *self, const CwWorkingOrder *slot)
{
	guint t = (guint) slot->type;

	if (slot->type != CW_ORDER_TYPE_STOP && slot->type != CW_ORDER_TYPE_LIMIT)
		return;
	/* a sell stop or a buy limit waits for the price to fall to it */
	if ((slot->type == CW_ORDER_TYPE_STOP) == (slot->side == CW_SIDE_SELL))
		self->fall_reach[t] = MAX(self->fall_reach[t], slot->trigger);
	else
		self->rise_reach[t] = MIN(self->rise_reach[t], slot->trigger);
}

static void
cw_paper_broker_recompute_reach(CwPaperBroker *self)
{
	for (guint t = 0; t < CW_PAPER_N_TYPES; t++) {
		self->fall_reach[t] = -INFINITY; /* no price falls that far */
		self->rise_reach[t] = INFINITY;
	}
	for (guint i = 0; i < self->n_working; i++) {
		if (self->working[i].live)
			cw_paper_broker_widen(self, &self->working[i]);
	}
	self->reach_stale = FALSE;
}

/* FALSE when no live order of type can fill within the candle's range. */
static inline gboolean
cw_paper_broker_reachable(const CwPaperBroker *self, CwOrderType type, const CwCandle *c)
{
	if (self->n_live[type] == 0)
		return FALSE;
	if (type == CW_ORDER_TYPE_MARKET)
		return TRUE;
	return c->low <= self->fall_reach[type] || c->high >= self->rise_reach[type];
}

static CwWorkingOrder *
cw_paper_broker_find_live(CwPaperBroker *self, const char *client_order_id, guint32 hash)
{
	for (guint i = 0; i < self->n_working; i++) {
		if (self->working[i].live && self->working[i].id_hash == hash &&
		    strcmp(self->working_orders[i].client_order_id, client_order_id) == 0)
			return &self->working[i];
	}
	return NULL;
}

/* On success *hash is the hash of the order's client id. */
static gboolean
cw_paper_broker_validate(CwPaperBroker *self, const CwOrder *order, guint32 *hash, GError **error)
{
	const char *id = order->client_order_id;

	if (id[0] == '\0' || memchr(id, '\0', CW_CLIENT_ORDER_ID_LEN) == NULL) {
		cw_broker_set_error(error, CW_BROKER_ERROR_REJECTED, 0, 0,
				    "order without a client order id");
		return FALSE;
	}
	if (!isfinite(order->qty) || order->qty <= 0) {
		cw_broker_set_error(error, CW_BROKER_ERROR_REJECTED, 0, 0,
				    "order %s: quantity must be > 0", id);
		return FALSE;
	}
	if (order->type == CW_ORDER_TYPE_LIMIT && !(isfinite(order->price) && order->price > 0)) {
		cw_broker_set_error(error, CW_BROKER_ERROR_REJECTED, 0, 0,
				    "limit order %s: price must be > 0", id);
		return FALSE;
	}
	if (order->type == CW_ORDER_TYPE_STOP &&
	    !(isfinite(order->stop_price) && order->stop_price > 0)) {
		cw_broker_set_error(error, CW_BROKER_ERROR_REJECTED, 0, 0,
				    "stop order %s: stop price must be > 0", id);
		return FALSE;
	}
	*hash = cw_paper_broker_hash_id(id);
	if (cw_paper_broker_find_live(self, id, *hash) != NULL) {
		cw_broker_set_error(error, CW_BROKER_ERROR_REJECTED, 0, 0,
				    "order %s is already working", id);
		return FALSE;
	}
	return TRUE;
}

static gboolean
cw_paper_broker_submit(CwBroker *broker, const CwOrder *order, GError **error)
{
	CwPaperBroker *self = (CwPaperBroker *) broker; /* our vtable: no checked cast */
	CwWorkingOrder *slot;
	CwOrder copy;
	guint32 hash;

	if (!cw_paper_broker_validate(self, order, &hash, error))
		return FALSE;
	if (self->n_working == CW_PAPER_BROKER_MAX_WORKING)
		cw_paper_broker_compact(self);
	if (self->n_working == CW_PAPER_BROKER_MAX_WORKING) {
		cw_broker_set_error(error, CW_BROKER_ERROR_TRANSIENT, 0, 0,
				    "order %s: %d orders are already working",
				    order->client_order_id, CW_PAPER_BROKER_MAX_WORKING);
		return FALSE;
	}
	if (self->n_working == self->working_cap) {
		/* nothing points into the table while a sink runs */
		self->working_cap = MIN(MAX(self->working_cap * 2, CW_PAPER_BROKER_INITIAL_SLOTS),
					CW_PAPER_BROKER_MAX_WORKING);
		self->working = g_renew(CwWorkingOrder, self->working, self->working_cap);
		self->working_orders = g_renew(CwOrder, self->working_orders, self->working_cap);
	}
	slot = &self->working[self->n_working];
	self->n_working++;
	copy = *order;
	copy.status = CW_ORDER_STATUS_NEW; /* acknowledged at once */
	copy.filled_qty = 0;
	copy.avg_fill_price = 0;
	copy.updated_at = self->now;
	cw_paper_broker_format_exchange_id(copy.exchange_order_id, sizeof(copy.exchange_order_id),
					   order->seq);
	self->working_orders[slot - self->working] = copy;
	slot->id_hash = hash;
	slot->type = order->type;
	slot->side = order->side;
	slot->symbol = order->symbol;
	slot->trigger = order->type == CW_ORDER_TYPE_STOP ? order->stop_price : order->price;
	slot->live = TRUE;
	if ((guint) slot->type < CW_PAPER_N_TYPES)
		self->n_live[slot->type]++;
	cw_paper_broker_widen(self, slot);
	/* protective orders placed while market orders fill at the open see the
	 * rest of that candle; everything else starts with the next candle */
	if (self->phase == CW_PAPER_PHASE_MARKET && order->type != CW_ORDER_TYPE_MARKET)
		slot->eligible_from = self->candle_index;
	else
		slot->eligible_from = self->candle_index + 1;
	cw_paper_broker_notify(self, &copy, NULL);
	return TRUE;
}

static void
cw_paper_broker_finish_cancel(CwPaperBroker *self, CwWorkingOrder *slot)
{
	CwOrder *working = cw_paper_broker_slot_order(self, slot);
	CwOrder order;

	cw_paper_broker_retire(self, slot);
	working->status = CW_ORDER_STATUS_CANCELLED;
	working->updated_at = self->now;
	order = *working;
	cw_paper_broker_remember(self, &order, slot->id_hash);
	cw_paper_broker_notify(self, &order, NULL);
}

static gboolean
cw_paper_broker_cancel(CwBroker *broker, const char *client_order_id, GError **error)
{
	CwPaperBroker *self = (CwPaperBroker *) broker; /* our vtable: no checked cast */
	CwWorkingOrder *slot = cw_paper_broker_find_live(self, client_order_id,
							 cw_paper_broker_hash_id(client_order_id));

	if (slot == NULL) {
		cw_broker_set_error(error, CW_BROKER_ERROR_NOT_FOUND, 0, 0, "no working order %s",
				    client_order_id);
		return FALSE;
	}
	cw_paper_broker_finish_cancel(self, slot);
	cw_paper_broker_compact(self);
	return TRUE;
}

/* Amends in place: the order keeps its slot, its place in the matching
 * order and the candle it may fill from; the report carries the new values. */
static gboolean
cw_paper_broker_amend(CwBroker *broker, const char *client_order_id, double qty, double price,
		      double stop_price, GError **error)
{
	CwPaperBroker *self = (CwPaperBroker *) broker; /* our vtable: no checked cast */
	CwWorkingOrder *slot = cw_paper_broker_find_live(self, client_order_id,
							 cw_paper_broker_hash_id(client_order_id));
	CwOrder *working, order;

	if (slot == NULL) {
		cw_broker_set_error(error, CW_BROKER_ERROR_NOT_FOUND, 0, 0, "no working order %s",
				    client_order_id);
		return FALSE;
	}
	working = cw_paper_broker_slot_order(self, slot);
	if (!isfinite(qty) || qty < 0 || !isfinite(price) || price < 0 || !isfinite(stop_price) ||
	    stop_price < 0 || (qty > 0 && qty <= working->filled_qty)) {
		cw_broker_set_error(error, CW_BROKER_ERROR_REJECTED, 0, 0,
				    "order %s: invalid amendment", client_order_id);
		return FALSE;
	}
	if (qty > 0)
		working->qty = qty;
	if (price > 0 && working->type == CW_ORDER_TYPE_LIMIT)
		working->price = price;
	if (stop_price > 0 && working->type == CW_ORDER_TYPE_STOP)
		working->stop_price = stop_price;
	working->updated_at = self->now;
	slot->trigger = working->type == CW_ORDER_TYPE_STOP ? working->stop_price : working->price;
	/* the old trigger may have been a bound: recompute them, then take the new one */
	self->reach_stale = TRUE;
	cw_paper_broker_widen(self, slot);
	order = *working;
	cw_paper_broker_notify(self, &order, NULL);
	return TRUE;
}

void
cw_paper_broker_cancel_all(CwPaperBroker *self)
{
	g_return_if_fail(CW_IS_PAPER_BROKER(self));
	self->depth++;
	for (guint i = 0; i < self->n_working; i++) {
		if (self->working[i].live)
			cw_paper_broker_finish_cancel(self, &self->working[i]);
	}
	self->depth--;
	cw_paper_broker_compact(self);
}

static double
cw_paper_broker_slip(CwPaperBroker *self, CwSide side, double price)
{
	double s = self->slippage_bps / 10000.0;

	return side == CW_SIDE_BUY ? price * (1.0 + s) : price * (1.0 - s);
}

/* Books a fill of order at price into the cash view; returns the fee. */
static double
cw_paper_broker_book(CwPaperBroker *self, CwSide side, double qty, double price, double fee_bps)
{
	double signed_qty = side == CW_SIDE_BUY ? qty : -qty;
	double fee = qty * price * fee_bps / 10000.0;

	self->balance -= fee;
	if (self->position == 0 || (self->position > 0) == (signed_qty > 0)) {
		double total = self->position + signed_qty;
		self->entry_price =
		    (self->entry_price * fabs(self->position) + price * qty) / fabs(total);
		self->position = total;
	} else {
		double closed = MIN(qty, fabs(self->position));
		double dir = self->position > 0 ? 1.0 : -1.0;

		self->balance += closed * (price - self->entry_price) * dir;
		self->position += signed_qty;
		if (fabs(self->position) < 1e-12)
			self->position = 0;
		if (qty > closed)
			self->entry_price = price; /* reversed */
	}
	return fee;
}

/* Fills the order at price; the slot (if any) is released first. hash is
 * the hash of its client id. */
static void
cw_paper_broker_fill(CwPaperBroker *self, CwOrder *order, double price, gboolean maker,
		     guint32 hash)
{
	double qty = order->qty - order->filled_qty;
	CwFill fill;

	if (order->reduce_only) {
		double reducible =
		    order->side == CW_SIDE_BUY ? MAX(0, -self->position) : MAX(0, self->position);
		if (reducible <= 1e-12) {
			order->status = CW_ORDER_STATUS_CANCELLED;
			order->updated_at = self->now;
			cw_paper_broker_remember(self, order, hash);
			cw_paper_broker_notify(self, order, NULL);
			return;
		}
		qty = MIN(qty, reducible);
	}
	cw_fill_init_from_order(&fill, order, qty, price, self->now);
	fill.maker = maker;
	fill.fee = cw_paper_broker_book(self, order->side, qty, price,
					maker ? self->maker_fee_bps : self->taker_fee_bps);
	order->avg_fill_price = price;
	order->filled_qty += qty;
	order->status = CW_ORDER_STATUS_FILLED;
	order->updated_at = self->now;
	cw_paper_broker_remember(self, order, hash);
	cw_paper_broker_notify(self, order, &fill);
}

static gboolean
cw_paper_broker_match(CwPaperBroker *self, const CwOrder *o, const CwCandle *c, double *price,
		      gboolean *maker)
{
	*maker = FALSE;
	switch (o->type) {
	case CW_ORDER_TYPE_MARKET:
		*price = cw_paper_broker_slip(self, o->side, c->open);
		return TRUE;
	case CW_ORDER_TYPE_STOP:
		if (o->side == CW_SIDE_SELL) {
			if (c->low > o->stop_price)
				return FALSE;
			*price = c->open <= o->stop_price ? c->open : o->stop_price;
		} else {
			if (c->high < o->stop_price)
				return FALSE;
			*price = c->open >= o->stop_price ? c->open : o->stop_price;
		}
		*price = cw_paper_broker_slip(self, o->side, *price);
		return TRUE;
	case CW_ORDER_TYPE_LIMIT:
	default:
		*maker = TRUE;
		if (o->side == CW_SIDE_SELL) {
			if (c->high < o->price)
				return FALSE;
			*price = c->open >= o->price ? c->open : o->price;
		} else {
			if (c->low > o->price)
				return FALSE;
			*price = c->open <= o->price ? c->open : o->price;
		}
		return TRUE;
	}
}

/* FALSE when cw_paper_broker_match() would surely say no: the same
 * comparisons, on the slot's copy of the trigger. */
static gboolean
cw_paper_broker_may_match(const CwWorkingOrder *slot, const CwCandle *c)
{
	switch (slot->type) {
	case CW_ORDER_TYPE_STOP:
		return slot->side == CW_SIDE_SELL ? !(c->low > slot->trigger)
						  : !(c->high < slot->trigger);
	case CW_ORDER_TYPE_LIMIT:
		return slot->side == CW_SIDE_SELL ? !(c->high < slot->trigger)
						  : !(c->low > slot->trigger);
	case CW_ORDER_TYPE_MARKET:
	default:
		return TRUE;
	}
}

static void
cw_paper_broker_pass(CwPaperBroker *self, const CwCandle *candle, CwOrderType type)
{
	/* an order of this type submitted during this pass (by the sink) may
	 * only fill from the next candle on, so none in reach now: none to match */
	if (!cw_paper_broker_reachable(self, type, candle))
		return;
	/* n_working is re-read: orders submitted by the sink are appended
	 * and the table does not move while depth > 0 */
	for (guint i = 0; i < self->n_working; i++) {
		CwWorkingOrder *slot = &self->working[i];
		CwOrder order;
		double price;
		gboolean maker;

		if (!slot->live || slot->type != type || slot->eligible_from > self->candle_index)
			continue;
		if (candle->symbol != 0 && slot->symbol != 0 && candle->symbol != slot->symbol)
			continue;
		if (!cw_paper_broker_may_match(slot, candle) ||
		    !cw_paper_broker_match(self, &self->working_orders[i], candle, &price, &maker))
			continue;
		cw_paper_broker_retire(self, slot);
		order = self->working_orders[i];
		cw_paper_broker_fill(self, &order, price, maker, slot->id_hash);
	}
}

static void
cw_paper_broker_on_candle(CwBroker *broker, const CwCandle *candle)
{
	CwPaperBroker *self = (CwPaperBroker *) broker; /* our vtable: no checked cast */

	self->candle_index++;
	self->now = candle->open_time;
	if (self->n_working == 0)
		return;
	if (self->reach_stale)
		cw_paper_broker_recompute_reach(self);
	self->depth++;
	self->phase = CW_PAPER_PHASE_MARKET;
	cw_paper_broker_pass(self, candle, CW_ORDER_TYPE_MARKET);
	self->phase = CW_PAPER_PHASE_STOP;
	cw_paper_broker_pass(self, candle, CW_ORDER_TYPE_STOP);
	self->phase = CW_PAPER_PHASE_LIMIT;
	cw_paper_broker_pass(self, candle, CW_ORDER_TYPE_LIMIT);
	self->phase = CW_PAPER_PHASE_IDLE;
	self->depth--;
	cw_paper_broker_compact(self);
}

gboolean
cw_paper_broker_fill_now(CwPaperBroker *self, const CwOrder *order, double price, gint64 time,
			 GError **error)
{
	CwOrder copy;
	guint32 hash;

	g_return_val_if_fail(CW_IS_PAPER_BROKER(self), FALSE);
	if (!cw_paper_broker_validate(self, order, &hash, error))
		return FALSE;
	if (!(isfinite(price) && price > 0)) {
		cw_broker_set_error(error, CW_BROKER_ERROR_REJECTED, 0, 0,
				    "order %s: fill price must be > 0", order->client_order_id);
		return FALSE;
	}
	copy = *order;
	copy.type = CW_ORDER_TYPE_MARKET;
	copy.status = CW_ORDER_STATUS_NEW;
	copy.filled_qty = 0;
	if (time > self->now)
		self->now = time;
	cw_paper_broker_fill(self, &copy, price, FALSE, hash);
	return TRUE;
}

/* Synchronous core of lookup_order_async. */
static gboolean
cw_paper_broker_lookup_order(CwBroker *broker, const char *client_order_id, CwOrder *out,
			     GError **error)
{
	CwPaperBroker *self = CW_PAPER_BROKER(broker);
	guint32 hash = cw_paper_broker_hash_id(client_order_id);
	CwWorkingOrder *slot = cw_paper_broker_find_live(self, client_order_id, hash);

	if (slot != NULL) {
		*out = *cw_paper_broker_slot_order(self, slot);
		return TRUE;
	}
	for (guint k = 0; k < self->history_len; k++) {
		guint i = (guint) ((self->history_total - 1 - k) % CW_PAPER_BROKER_HISTORY);
		if (self->history_hash[i] == hash &&
		    strcmp(self->history[i].client_order_id, client_order_id) == 0) {
			*out = self->history[i];
			return TRUE;
		}
	}
	cw_broker_set_error(error, CW_BROKER_ERROR_NOT_FOUND, 0, 0,
			    "unknown order %s (the paper broker remembers the last %d)",
			    client_order_id, CW_PAPER_BROKER_HISTORY);
	return FALSE;
}

/* The asynchronous calls complete at once: the GTask is returned inside
 * the _async() call, and GTask runs the callback from the next iteration
 * of the caller's main context (never from inside the call). */

static void
cw_paper_broker_lookup_order_async(CwBroker *broker, const char *client_order_id,
				   GCancellable *cancellable, GAsyncReadyCallback callback,
				   gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(broker, cancellable, callback, user_data);
	g_autoptr(GError) error = NULL;
	CwOrder *order = g_new0(CwOrder, 1);

	g_task_set_source_tag(task, cw_paper_broker_lookup_order_async);
	g_task_set_task_data(task, order, g_free);
	if (!cw_paper_broker_lookup_order(broker, client_order_id, order, &error)) {
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	g_task_return_boolean(task, TRUE);
}

static gboolean
cw_paper_broker_lookup_order_finish(CwBroker *broker, GAsyncResult *result, CwOrder *out,
				    GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, broker), FALSE);
	if (!g_task_propagate_boolean(G_TASK(result), error))
		return FALSE;
	*out = *(const CwOrder *) g_task_get_task_data(G_TASK(result));
	return TRUE;
}

static void
cw_paper_broker_get_balance_async(CwBroker *broker, GCancellable *cancellable,
				  GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(broker, cancellable, callback, user_data);
	double *balance = g_new(double, 1);

	*balance = CW_PAPER_BROKER(broker)->balance;
	g_task_set_source_tag(task, cw_paper_broker_get_balance_async);
	g_task_set_task_data(task, balance, g_free);
	g_task_return_boolean(task, TRUE);
}

static gboolean
cw_paper_broker_get_balance_finish(CwBroker *broker, GAsyncResult *result, double *out,
				   GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, broker), FALSE);
	if (!g_task_propagate_boolean(G_TASK(result), error))
		return FALSE;
	*out = *(const double *) g_task_get_task_data(G_TASK(result));
	return TRUE;
}

static void
cw_paper_broker_reconcile_async(CwBroker *broker, gint64 since_ms, GCancellable *cancellable,
				GAsyncReadyCallback callback, gpointer user_data)
{
	CwPaperBroker *self = CW_PAPER_BROKER(broker);
	g_autoptr(GTask) task = g_task_new(broker, cancellable, callback, user_data);
	CwBrokerState *state = g_new0(CwBrokerState, 1);

	g_task_set_source_tag(task, cw_paper_broker_reconcile_async);
	state->open_orders = g_array_new(FALSE, TRUE, sizeof(CwOrder));
	state->ended = g_array_new(FALSE, TRUE, sizeof(CwOrder));
	for (guint i = 0; i < self->n_working; i++) {
		if (self->working[i].live)
			g_array_append_val(state->open_orders, self->working_orders[i]);
	}
	/* oldest first */
	for (guint k = self->history_len; k > 0; k--) {
		guint i = (guint) ((self->history_total - k) % CW_PAPER_BROKER_HISTORY);
		if (self->history[i].updated_at >= since_ms)
			g_array_append_val(state->ended, self->history[i]);
	}
	state->position = self->position;
	state->entry_price = self->position != 0 ? self->entry_price : 0;
	state->balance = self->balance;
	g_task_return_pointer(task, state, (GDestroyNotify) cw_broker_state_free);
}

static CwBrokerState *
cw_paper_broker_reconcile_finish(CwBroker *broker, GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, broker), NULL);
	return g_task_propagate_pointer(G_TASK(result), error);
}

static void
cw_paper_broker_cancel_all_iface(CwBroker *broker)
{
	cw_paper_broker_cancel_all(CW_PAPER_BROKER(broker));
}

static gboolean
cw_paper_broker_settle(CwBroker *broker, const CwOrder *order, double price, gint64 time,
		       GError **error)
{
	return cw_paper_broker_fill_now(CW_PAPER_BROKER(broker), order, price, time, error);
}

static void
cw_paper_broker_adopt(CwBroker *broker, CwBroker *old)
{
	cw_paper_broker_adopt_position(CW_PAPER_BROKER(broker), CW_PAPER_BROKER(old));
}

/* A stored order with this process's quarks. */
static void
cw_paper_broker_map_order(CwOrder *order, const CwStateReader *r)
{
	order->strategy_id = cw_state_reader_map_quark(r, order->strategy_id);
	order->symbol = cw_state_reader_map_quark(r, order->symbol);
}

/* The venue's book: what an exchange would hold for the bot. */
static void
cw_paper_broker_save_state(CwBroker *broker, GByteArray *out)
{
	CwPaperBroker *self = CW_PAPER_BROKER(broker);
	guint64 n_live = cw_paper_broker_get_n_working(self);

	cw_state_blob_put_u64(out, self->candle_index);
	cw_state_blob_put_i64(out, self->now);
	cw_state_blob_put_f64(out, self->balance);
	cw_state_blob_put_f64(out, self->position);
	cw_state_blob_put_f64(out, self->entry_price);
	cw_state_blob_put_u64(out, n_live);
	for (guint i = 0; i < self->n_working; i++) {
		if (!self->working[i].live)
			continue;
		cw_state_blob_put_u64(out, self->working[i].eligible_from);
		cw_state_blob_put_struct(out, &self->working_orders[i], sizeof(CwOrder));
	}
	cw_state_blob_put_u64(out, self->history_total);
	cw_state_blob_put_u64(out, self->history_len);
	for (guint k = self->history_len; k > 0; k--) {
		guint i = (guint) ((self->history_total - k) % CW_PAPER_BROKER_HISTORY);
		cw_state_blob_put_struct(out, &self->history[i], sizeof(CwOrder));
	}
}

static gboolean
cw_paper_broker_load_live(CwPaperBroker *self, CwStateReader *r, guint64 n_live, GError **error)
{
	if (n_live > CW_PAPER_BROKER_MAX_WORKING) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
			    "paper book: %" G_GUINT64_FORMAT " working orders, at most %d", n_live,
			    CW_PAPER_BROKER_MAX_WORKING);
		return FALSE;
	}
	self->working_cap = MAX((guint) n_live, CW_PAPER_BROKER_INITIAL_SLOTS);
	self->working = g_renew(CwWorkingOrder, self->working, self->working_cap);
	self->working_orders = g_renew(CwOrder, self->working_orders, self->working_cap);
	memset(self->n_live, 0, sizeof self->n_live);
	self->n_working = 0;
	for (guint i = 0; i < n_live; i++) {
		CwWorkingOrder *slot = &self->working[i];
		CwOrder *order = &self->working_orders[i];

		if (!cw_state_reader_get_u64(r, &slot->eligible_from, "paper book order", error) ||
		    !cw_state_reader_get_struct(r, order, sizeof *order, "paper book order", error))
			return FALSE;
		if ((guint) order->type >= CW_PAPER_N_TYPES ||
		    memchr(order->client_order_id, '\0', CW_CLIENT_ORDER_ID_LEN) == NULL) {
			g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
				    "paper book: working order %u is not a valid order", i);
			return FALSE;
		}
		cw_paper_broker_map_order(order, r);
		slot->live = TRUE;
		slot->type = order->type;
		slot->side = order->side;
		slot->symbol = order->symbol;
		slot->trigger =
		    order->type == CW_ORDER_TYPE_STOP ? order->stop_price : order->price;
		slot->id_hash = cw_paper_broker_hash_id(order->client_order_id);
		self->n_live[slot->type]++;
		self->n_working++;
	}
	self->reach_stale = TRUE;
	return TRUE;
}

static gboolean
cw_paper_broker_load_state(CwBroker *broker, CwStateReader *r, GError **error)
{
	CwPaperBroker *self = CW_PAPER_BROKER(broker);
	guint64 n_live, total, len;

	if (!cw_state_reader_get_u64(r, &self->candle_index, "paper candle index", error) ||
	    !cw_state_reader_get_i64(r, &self->now, "paper time", error) ||
	    !cw_state_reader_get_f64(r, &self->balance, "paper balance", error) ||
	    !cw_state_reader_get_f64(r, &self->position, "paper position", error) ||
	    !cw_state_reader_get_f64(r, &self->entry_price, "paper entry price", error) ||
	    !cw_state_reader_get_u64(r, &n_live, "paper working orders", error) ||
	    !cw_paper_broker_load_live(self, r, n_live, error) ||
	    !cw_state_reader_get_u64(r, &total, "paper history total", error) ||
	    !cw_state_reader_get_u64(r, &len, "paper history length", error))
		return FALSE;
	if (len > CW_PAPER_BROKER_HISTORY || len > total) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
			    "paper history: %" G_GUINT64_FORMAT " records of %" G_GUINT64_FORMAT
			    " (at most %d)",
			    len, total, CW_PAPER_BROKER_HISTORY);
		return FALSE;
	}
	self->history_total = total - len;
	self->history_len = 0;
	/* the ring's slots follow the total: a restored ring is full size */
	if (total > 0 && self->history_cap < CW_PAPER_BROKER_HISTORY) {
		self->history_cap = CW_PAPER_BROKER_HISTORY;
		self->history = g_renew(CwOrder, self->history, self->history_cap);
		self->history_hash = g_renew(guint32, self->history_hash, self->history_cap);
	}
	for (guint64 k = 0; k < len; k++) {
		CwOrder order;

		if (!cw_state_reader_get_struct(r, &order, sizeof order, "paper history order",
						error))
			return FALSE;
		if (memchr(order.client_order_id, '\0', CW_CLIENT_ORDER_ID_LEN) == NULL) {
			g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
				    "paper history: record %" G_GUINT64_FORMAT " has no valid id",
				    k);
			return FALSE;
		}
		cw_paper_broker_map_order(&order, r);
		cw_paper_broker_remember(self, &order,
					 cw_paper_broker_hash_id(order.client_order_id));
	}
	self->phase = CW_PAPER_PHASE_IDLE;
	return TRUE;
}

/* The book as allocated now: the object, its working slots and the ring
 * of ended orders. */
static gsize
cw_paper_broker_get_memory_size(CwBroker *broker)
{
	CwPaperBroker *self = CW_PAPER_BROKER(broker);

	return sizeof(*self) +
	       (gsize) self->working_cap * (sizeof(CwWorkingOrder) + sizeof(CwOrder)) +
	       (gsize) self->history_cap * (sizeof(CwOrder) + sizeof(guint32));
}

static void
cw_paper_broker_iface_init(CwBrokerInterface *iface)
{
	iface->get_capabilities = cw_paper_broker_get_capabilities;
	iface->configure = cw_paper_broker_configure;
	iface->set_report_sink = cw_paper_broker_set_report_sink;
	iface->submit = cw_paper_broker_submit;
	iface->cancel = cw_paper_broker_cancel;
	iface->amend = cw_paper_broker_amend;
	iface->cancel_all = cw_paper_broker_cancel_all_iface;
	iface->on_candle = cw_paper_broker_on_candle;
	iface->settle = cw_paper_broker_settle;
	iface->adopt = cw_paper_broker_adopt;
	iface->lookup_order_async = cw_paper_broker_lookup_order_async;
	iface->lookup_order_finish = cw_paper_broker_lookup_order_finish;
	iface->get_balance_async = cw_paper_broker_get_balance_async;
	iface->get_balance_finish = cw_paper_broker_get_balance_finish;
	iface->reconcile_async = cw_paper_broker_reconcile_async;
	iface->reconcile_finish = cw_paper_broker_reconcile_finish;
	iface->save_state = cw_paper_broker_save_state;
	iface->load_state = cw_paper_broker_load_state;
	iface->get_memory_size = cw_paper_broker_get_memory_size;
}

/**
 * cw_paper_broker_adopt_position:
 * @self: a broker with no fills yet
 * @old: the broker whose account @self takes over
 *
 * Copies the cash view and the net position, so reduce-only orders against
 * an adopted position fill as they would have on @old.
 */
void
cw_paper_broker_adopt_position(CwPaperBroker *self, CwPaperBroker *old)
{
	g_return_if_fail(CW_IS_PAPER_BROKER(self));
	g_return_if_fail(CW_IS_PAPER_BROKER(old));
	self->balance = old->balance;
	self->position = old->position;
	self->entry_price = old->entry_price;
}
