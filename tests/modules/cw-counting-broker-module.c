/* An out-of-tree broker module for the recovery tests: "counting", a venue
 * that is NOT simulated on candles (the engine may not replay against it),
 * that keeps its book in its own file (broker.book) so the book outlives a
 * SIGKILL of the service, and that appends to broker.log, one a line, the
 * client order id of every order it takes and of every submit of an id it
 * already has: a second line with the same id is an order sent twice. Market orders fill
 * at the next candle's open, stops when the candle reaches them, limits at
 * their price; reports come at once, like a fast exchange. */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cw-core.h"

#define CW_TYPE_COUNTING_BROKER (cw_counting_broker_get_type())
G_DECLARE_FINAL_TYPE(CwCountingBroker, cw_counting_broker, CW, COUNTING_BROKER, GObject)

struct _CwCountingBroker {
	GObject parent_instance;
	CwExecutionSink sink;
	gpointer sink_data;
	char *book_path;
	char *log_path;
	GArray *orders;  /* of CwOrder, every order ever, in submission order */
	double position; /* signed */
	double entry_price;
	gint64 now;
};

static void cw_counting_broker_iface_init(CwBrokerInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED(CwCountingBroker, cw_counting_broker, G_TYPE_OBJECT,
			       G_TYPE_FLAG_FINAL,
			       G_IMPLEMENT_INTERFACE_DYNAMIC(CW_TYPE_BROKER,
							     cw_counting_broker_iface_init))

/* The book as text: "position <qty> <entry>", then one order a line:
 * id strategy symbol type side purpose status reduce_only qty price
 * stop_price filled_qty avg_fill_price seq created_at updated_at (status
 * as a word, the way a test edits it). */
static void
cw_counting_broker_save(CwCountingBroker *self)
{
	g_autoptr(GString) out = g_string_new(NULL);

	g_string_append_printf(out, "position %.17g %.17g\n", self->position, self->entry_price);
	for (guint i = 0; i < self->orders->len; i++) {
		const CwOrder *o = &g_array_index(self->orders, CwOrder, i);
		g_string_append_printf(
		    out,
		    "%s %s %s %d %d %d %s %d %.17g %.17g %.17g %.17g %.17g %" G_GUINT64_FORMAT
		    " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n",
		    o->client_order_id, g_quark_to_string(o->strategy_id),
		    g_quark_to_string(o->symbol), o->type, o->side, o->purpose,
		    cw_order_status_to_string(o->status), o->reduce_only, o->qty, o->price,
		    o->stop_price, o->filled_qty, o->avg_fill_price, o->seq, o->created_at,
		    o->updated_at);
	}
	if (!g_file_set_contents(self->book_path, out->str, (gssize) out->len, NULL))
		g_printerr("counting broker: cannot write %s\n", self->book_path);
}

static gboolean
cw_counting_broker_load(CwCountingBroker *self, GError **error)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (!g_file_test(self->book_path, G_FILE_TEST_EXISTS))
		return TRUE;
	if (!g_file_get_contents(self->book_path, &text, NULL, error))
		return FALSE;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		CwOrder o = {0};
		char id[64], strategy[256], symbol[64], status[32];
		int type, side, purpose, reduce;

		if (lines[i][0] == '\0')
			continue;
		/* the test venue's own book: the field count checks each line, and
		 * a line that does not parse fails the whole load */
		if (i == 0 &&
		    /* NOLINTNEXTLINE(cert-err34-c) */
		    sscanf(lines[i], "position %lf %lf", &self->position, &self->entry_price) == 2)
			continue;
		/* NOLINTNEXTLINE(cert-err34-c) */
		if (sscanf(lines[i],
			   "%63s %255s %63s %d %d %d %31s %d %lf %lf %lf %lf %lf %" G_GUINT64_FORMAT
			   " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
			   id, strategy, symbol, &type, &side, &purpose, status, &reduce, &o.qty,
			   &o.price, &o.stop_price, &o.filled_qty, &o.avg_fill_price, &o.seq,
			   &o.created_at, &o.updated_at) != 16) {
			g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
				    "%s:%u: not a book line", self->book_path, i + 1);
			return FALSE;
		}
		g_strlcpy(o.client_order_id, id, sizeof o.client_order_id);
		o.strategy_id = g_quark_from_string(strategy);
		o.symbol = g_quark_from_string(symbol);
		o.type = type;
		o.side = side;
		o.purpose = purpose;
		o.status = CW_ORDER_STATUS_REJECTED;
		for (int st = 0; st <= CW_ORDER_STATUS_PENDING_REPLACE; st++) {
			if (strcmp(cw_order_status_to_string(st), status) == 0)
				o.status = st;
		}
		o.reduce_only = reduce;
		/* the venue's clock goes on from its last change */
		self->now = MAX(self->now, o.updated_at);
		g_array_append_val(self->orders, o);
	}
	return TRUE;
}

static CwBrokerCaps
cw_counting_broker_get_capabilities(CwBroker *broker)
{
	return CW_BROKER_CAP_NATIVE_STOP | CW_BROKER_CAP_REDUCE_ONLY;
}

static gboolean
cw_counting_broker_configure(CwBroker *broker, const CwBotConfig *config, JsonObject *section,
			     GError **error)
{
	CwCountingBroker *self = CW_COUNTING_BROKER(broker);
	const char *book = section != NULL
			       ? json_object_get_string_member_with_default(section, "book", NULL)
			       : NULL;
	const char *log = section != NULL
			      ? json_object_get_string_member_with_default(section, "log", NULL)
			      : NULL;

	if (book == NULL || log == NULL) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_ARGUMENT,
			    "broker: the counting broker needs \"book\" and \"log\" paths");
		return FALSE;
	}
	self->book_path = g_strdup(book);
	self->log_path = g_strdup(log);
	return cw_counting_broker_load(self, error);
}

static void
cw_counting_broker_set_report_sink(CwBroker *broker, CwExecutionSink sink, gpointer user_data)
{
	CwCountingBroker *self = CW_COUNTING_BROKER(broker);

	self->sink = sink;
	self->sink_data = user_data;
}

static CwOrder *
cw_counting_broker_find(CwCountingBroker *self, const char *id)
{
	for (guint i = 0; i < self->orders->len; i++) {
		CwOrder *o = &g_array_index(self->orders, CwOrder, i);
		if (strcmp(o->client_order_id, id) == 0)
			return o;
	}
	return NULL;
}

static void
cw_counting_broker_report(CwCountingBroker *self, const CwOrder *order, const CwFill *fill)
{
	CwOrder copy = *order;
	CwExecutionReport report = {.order = &copy, .fill = fill};

	if (self->sink != NULL)
		self->sink(&report, self->sink_data);
}

/* One line of the submit log: every order the venue took, and every
 * second attempt with an id it already has. */
static void
cw_counting_broker_log(CwCountingBroker *self, const char *client_order_id)
{
	FILE *log = fopen(self->log_path, "a");

	if (log == NULL)
		return;
	fprintf(log, "%s\n", client_order_id);
	fclose(log);
}

static gboolean
cw_counting_broker_submit(CwBroker *broker, const CwOrder *order, GError **error)
{
	CwCountingBroker *self = CW_COUNTING_BROKER(broker);
	CwOrder o = *order;

	if (cw_counting_broker_find(self, order->client_order_id) != NULL) {
		/* an order sent twice: always in the log */
		cw_counting_broker_log(self, order->client_order_id);
		cw_broker_set_error(error, CW_BROKER_ERROR_REJECTED, 0, 10001,
				    "counting broker: duplicate client order id %s",
				    order->client_order_id);
		return FALSE;
	}
	o.status = CW_ORDER_STATUS_NEW;
	o.filled_qty = 0;
	o.avg_fill_price = 0;
	o.updated_at = self->now;
	g_array_append_val(self->orders, o);
	/* taken (in the book), then counted: a kill in between loses a line,
	 * never makes one up */
	cw_counting_broker_save(self);
	cw_counting_broker_log(self, order->client_order_id);
	cw_counting_broker_report(self, &o, NULL);
	return TRUE;
}

static gboolean
cw_counting_broker_cancel(CwBroker *broker, const char *id, GError **error)
{
	CwCountingBroker *self = CW_COUNTING_BROKER(broker);
	CwOrder *o = cw_counting_broker_find(self, id);

	if (o == NULL ||
	    (o->status != CW_ORDER_STATUS_NEW && o->status != CW_ORDER_STATUS_PARTIALLY_FILLED)) {
		cw_broker_set_error(error, CW_BROKER_ERROR_NOT_FOUND, 0, 0,
				    "counting broker: no working order %s", id);
		return FALSE;
	}
	o->status = CW_ORDER_STATUS_CANCELLED;
	o->updated_at = self->now;
	cw_counting_broker_save(self);
	cw_counting_broker_report(self, o, NULL);
	return TRUE;
}

/* The fill price of a working order on candle c, or 0. */
static double
cw_counting_broker_match(const CwOrder *o, const CwCandle *c)
{
	gboolean buy = o->side == CW_SIDE_BUY;

	switch (o->type) {
	case CW_ORDER_TYPE_MARKET:
		return c->open;
	case CW_ORDER_TYPE_STOP:
		if (buy && c->high >= o->stop_price)
			return MAX(c->open, o->stop_price);
		if (!buy && c->low <= o->stop_price)
			return MIN(c->open, o->stop_price);
		return 0;
	case CW_ORDER_TYPE_LIMIT:
		if (buy && c->low <= o->price)
			return MIN(c->open, o->price);
		if (!buy && c->high >= o->price)
			return MAX(c->open, o->price);
		return 0;
	default:
		return 0;
	}
}

static void
cw_counting_broker_book_fill(CwCountingBroker *self, CwOrder *o, double qty, double price)
{
	double signed_qty = o->side == CW_SIDE_BUY ? qty : -qty;
	double next = self->position + signed_qty;

	if (self->position == 0 || (self->position > 0) == (signed_qty > 0))
		self->entry_price =
		    (self->entry_price * fabs(self->position) + price * qty) / fabs(next);
	else if (fabs(signed_qty) > fabs(self->position))
		self->entry_price = price;
	self->position = fabs(next) < 1e-12 ? 0 : next;
	if (self->position == 0)
		self->entry_price = 0;
}

static void
cw_counting_broker_on_candle(CwBroker *broker, const CwCandle *candle)
{
	CwCountingBroker *self = CW_COUNTING_BROKER(broker);
	guint n = self->orders->len; /* orders placed meanwhile wait for the next candle */

	/* the venue's clock never goes back: a restarted bot replays candles
	 * the venue has already matched against */
	if (candle->open_time <= self->now)
		return;
	self->now = candle->open_time;
	for (guint i = 0; i < n; i++) {
		CwOrder *o = &g_array_index(self->orders, CwOrder, i);
		CwFill fill;
		double price, qty;

		if (o->status != CW_ORDER_STATUS_NEW)
			continue;
		price = cw_counting_broker_match(o, candle);
		if (price <= 0)
			continue;
		qty = o->qty;
		/* reduce-only never flips the position */
		if (o->reduce_only)
			qty = MIN(qty, fabs(self->position));
		if (qty <= 0) {
			o->status = CW_ORDER_STATUS_CANCELLED;
			o->updated_at = self->now;
			cw_counting_broker_save(self);
			cw_counting_broker_report(self, o, NULL);
			continue;
		}
		cw_counting_broker_book_fill(self, o, qty, price);
		o->status = CW_ORDER_STATUS_FILLED;
		o->filled_qty = qty;
		o->avg_fill_price = price;
		o->updated_at = self->now;
		cw_fill_init_from_order(&fill, o, qty, price, self->now);
		fill.fee = qty * price * 0.0005;
		/* durable before the engine hears of it */
		cw_counting_broker_save(self);
		/* the sink may submit: o is not used after this */
		cw_counting_broker_report(self, o, &fill);
	}
}

static void
cw_counting_broker_lookup_order_async(CwBroker *broker, const char *id, GCancellable *cancellable,
				      GAsyncReadyCallback callback, gpointer user_data)
{
	CwCountingBroker *self = CW_COUNTING_BROKER(broker);
	g_autoptr(GTask) task = g_task_new(broker, cancellable, callback, user_data);
	CwOrder *o = cw_counting_broker_find(self, id);

	if (o == NULL) {
		g_task_return_new_error(task, CW_BROKER_ERROR, CW_BROKER_ERROR_NOT_FOUND,
					"counting broker: no order %s", id);
		return;
	}
	g_task_return_pointer(task, g_memdup2(o, sizeof *o), g_free);
}

static gboolean
cw_counting_broker_lookup_order_finish(CwBroker *broker, GAsyncResult *result, CwOrder *out,
				       GError **error)
{
	g_autofree CwOrder *o = g_task_propagate_pointer(G_TASK(result), error);

	if (o == NULL)
		return FALSE;
	*out = *o;
	return TRUE;
}

static void
cw_counting_broker_reconcile_async(CwBroker *broker, gint64 since_ms, GCancellable *cancellable,
				   GAsyncReadyCallback callback, gpointer user_data)
{
	CwCountingBroker *self = CW_COUNTING_BROKER(broker);
	g_autoptr(GTask) task = g_task_new(broker, cancellable, callback, user_data);
	CwBrokerState *state = g_new0(CwBrokerState, 1);

	state->open_orders = g_array_new(FALSE, TRUE, sizeof(CwOrder));
	state->ended = g_array_new(FALSE, TRUE, sizeof(CwOrder));
	for (guint i = 0; i < self->orders->len; i++) {
		const CwOrder *o = &g_array_index(self->orders, CwOrder, i);
		if (o->status == CW_ORDER_STATUS_NEW ||
		    o->status == CW_ORDER_STATUS_PARTIALLY_FILLED)
			g_array_append_val(state->open_orders, *o);
		else if (o->updated_at >= since_ms)
			g_array_append_val(state->ended, *o);
	}
	state->position = self->position;
	state->entry_price = self->entry_price;
	g_task_return_pointer(task, state, (GDestroyNotify) cw_broker_state_free);
}

static CwBrokerState *
cw_counting_broker_reconcile_finish(CwBroker *broker, GAsyncResult *result, GError **error)
{
	return g_task_propagate_pointer(G_TASK(result), error);
}

static void
cw_counting_broker_iface_init(CwBrokerInterface *iface)
{
	iface->get_capabilities = cw_counting_broker_get_capabilities;
	iface->configure = cw_counting_broker_configure;
	iface->set_report_sink = cw_counting_broker_set_report_sink;
	iface->submit = cw_counting_broker_submit;
	iface->cancel = cw_counting_broker_cancel;
	iface->on_candle = cw_counting_broker_on_candle;
	iface->lookup_order_async = cw_counting_broker_lookup_order_async;
	iface->lookup_order_finish = cw_counting_broker_lookup_order_finish;
	iface->reconcile_async = cw_counting_broker_reconcile_async;
	iface->reconcile_finish = cw_counting_broker_reconcile_finish;
}

static void
cw_counting_broker_finalize(GObject *object)
{
	CwCountingBroker *self = CW_COUNTING_BROKER(object);

	g_array_unref(self->orders);
	g_free(self->book_path);
	g_free(self->log_path);
	G_OBJECT_CLASS(cw_counting_broker_parent_class)->finalize(object);
}

static void
cw_counting_broker_class_init(CwCountingBrokerClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_counting_broker_finalize;
}

static void
cw_counting_broker_class_finalize(CwCountingBrokerClass *klass)
{
}

static void
cw_counting_broker_init(CwCountingBroker *self)
{
	self->orders = g_array_new(FALSE, TRUE, sizeof(CwOrder));
}

/* GIO module entry points */
void g_io_module_load(GIOModule *module);
void g_io_module_unload(GIOModule *module);
char **g_io_module_query(void);

void
g_io_module_load(GIOModule *module)
{
	cw_counting_broker_register_type(G_TYPE_MODULE(module));
	cw_extension_points_register();
	g_io_extension_point_implement(CW_EXTENSION_POINT_BROKER, CW_TYPE_COUNTING_BROKER,
				       "counting", 0);
}

void
g_io_module_unload(GIOModule *module)
{
}

char **
g_io_module_query(void)
{
	return g_strsplit(CW_EXTENSION_POINT_BROKER, "!", -1);
}
