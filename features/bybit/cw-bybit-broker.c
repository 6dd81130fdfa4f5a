/* The Bybit v5 broker (see cw-bybit-broker.h). Formats:
 * docs/exchange-formats.md, "Bybit v5 private API". */
#include "cw-bybit.h"

#include "cw-net.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CW_BYBIT_MAX_IN_FLIGHT   4
#define CW_BYBIT_MAX_CREATES     5 /* sends of one orderLinkId (resends included) */
#define CW_BYBIT_SEEN_EXECS      4096
#define CW_BYBIT_CATCH_UP_MARGIN 2000 /* ms before the last execution seen */
/* A catch-up that found nothing new holds the next one back: from
 * CW_BYBIT_CATCH_UP_MIN_DELAY_MS, doubling to CW_BYBIT_CATCH_UP_MAX_DELAY_MS
 * (a burst of them, whatever asks, never spins); one that comes
 * CW_BYBIT_CATCH_UP_QUIET_MS after the last runs at once. */
#define CW_BYBIT_CATCH_UP_MIN_DELAY_MS 500
#define CW_BYBIT_CATCH_UP_MAX_DELAY_MS 30000
#define CW_BYBIT_CATCH_UP_QUIET_MS     60000
/* ms two answers' reset times may differ by and still name one window */
#define CW_BYBIT_WINDOW_SLACK_MS 200
/* ms between looks at the key's requests in flight while its limit is unknown */
#define CW_BYBIT_UNKNOWN_LIMIT_POLL_MS 10
/* Pages of one list that reconcile, and the catch-up after a gap, read
 * before they fail closed (the default of broker.reconcile_max_pages):
 * 10,000 executions, 5,000 orders. */
#define CW_BYBIT_RECONCILE_MAX_PAGES 100
/* Bybit v5 /v5/execution/list and /v5/order/history: one query covers at
 * most 7 days (endTime - startTime <= 7 days; a startTime alone means
 * [startTime, startTime + 7 days]). Longer reaches walk disjoint windows. */
#define CW_BYBIT_WINDOW_MS ((gint64) 7 * 24 * 3600 * 1000)
/* How far back the venue keeps executions (the default of
 * broker.history_days): "the past 730 days" for a unified account. */
#define CW_BYBIT_HISTORY_DAYS 730

typedef enum {
	CW_BYBIT_REQ_CREATE,
	CW_BYBIT_REQ_CANCEL,
	CW_BYBIT_REQ_AMEND,
	CW_BYBIT_REQ_LOOKUP, /* /v5/order/realtime by orderLinkId */
} CwBybitReqKind;

/* One order this broker was given. */
typedef struct {
	CwOrder order;
	char order_id[CW_BYBIT_ID_LEN];
	guint creates; /* create requests sent */
	gboolean busy; /* a request about it is in flight */
	gboolean acked;
	gboolean ended;
	gboolean create_queued; /* not sent yet: a cancel just drops it */
	/* followed from an earlier life (CwBroker.follow): its executions
	 * before this venue time are booked from the venue's cumExecQty */
	gint64 followed_at;
} CwBybitTrack;

typedef struct {
	GWeakRef self; /* requests never keep the broker alive */
	CwBybitReqKind kind;
	char link_id[CW_CLIENT_ORDER_ID_LEN];
	double qty, price, stop;
	gboolean resend_if_missing; /* LOOKUP after a create: send again when not there */
	char *body;
} CwBybitReq;

struct _CwBybitBroker {
	GObject parent_instance;
	/* config */
	char *rest_url;
	char *ws_url;
	char *api_key;
	char *api_secret;
	char *symbol;
	GQuark symbol_quark;
	gint64 recv_window_ms;
	double timeout_s;
	guint reconcile_max_pages; /* per list window, before reconcile fails closed */
	guint history_days;        /* how far back the venue keeps executions */
	CwBybitUnknownPosition unknown_position;
	CwInstrument config_instrument;
	/* state */
	CwExecutionSink sink;
	gpointer sink_data;
	SoupSession *session;
	GCancellable *cancellable;
	CwBybitAccountStream *stream; /* the key's private stream, shared */
	guint stream_member;
	gboolean starting;
	gboolean time_done;
	gboolean instruments_done;
	GList *start_tasks; /* GTask waiting for start */
	gint64 clock_offset_ms;
	CwInstrument instrument;
	GHashTable *tracks; /* link id -> CwBybitTrack */
	GQueue high;        /* CwBybitReq: protective */
	GQueue low;         /* CwBybitReq: entries */
	guint in_flight;    /* this broker's requests on their way */
	/* the rate limit: the key's, shared with every broker on it once the
	 * broker joined its stream (Bybit counts per UID), own_limit before */
	CwBybitAccountLimit *limit;
	CwBybitAccountLimit own_limit;
	guint timer;
	GHashTable *seen; /* exec ids */
	GQueue seen_order;
	gint64 last_exec_ms;
	gboolean stream_up;
	gboolean stream_gap;
	/* the stream went down after it had been up: once the catch-up is
	 * done, the owner is told (CwBroker::resynced) */
	gboolean resync_due;
	gboolean catching_up;
	guint catch_up_timer;    /* a catch-up held back (catch_up_delay_ms) */
	guint catch_up_delay_ms; /* between the last catch-up's end and the next */
	gint64 catch_up_end_us;  /* monotonic: when the last catch-up ended */
	gint64 venue_ms;         /* the venue's clock in its last answer (envelope time) */
	/* a catch-up that went past broker.reconcile_max_pages: every reconcile
	 * fails with it from then on (fail closed: the bot halts) */
	char *catch_up_fault;
	/* link id -> CwOrder: orders the last reconcile found working that
	 * this broker does not track; a cancel of one adopts it first */
	GHashTable *venue_open;
	double exchange_position;
	double balance;
	CwBybitBrokerStats stats;
};

static void cw_bybit_broker_iface_init(CwBrokerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwBybitBroker, cw_bybit_broker, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_BROKER, cw_bybit_broker_iface_init))

static void cw_bybit_broker_dispatch(CwBybitBroker *self);
static void cw_bybit_broker_start(CwBybitBroker *self);
static void cw_bybit_broker_catch_up(CwBybitBroker *self);

/* Helpers ---------------------------------------------------------------------------- */

static void
cw_bybit_req_free(CwBybitReq *req)
{
	g_weak_ref_clear(&req->self);
	g_free(req->body);
	g_free(req);
}

/* A weak reference for a callback: the broker may be gone when it runs. */
static GWeakRef *
cw_bybit_weak_new(CwBybitBroker *self)
{
	GWeakRef *w = g_new(GWeakRef, 1);

	g_weak_ref_init(w, self);
	return w;
}

/* Returns: (transfer full) (nullable): the broker, NULL when gone or stopped */
static CwBybitBroker *
cw_bybit_weak_take(GWeakRef *w)
{
	CwBybitBroker *self = g_weak_ref_get(w);

	g_weak_ref_clear(w);
	g_free(w);
	if (self != NULL && g_cancellable_is_cancelled(self->cancellable))
		g_clear_object(&self);
	return self;
}

static CwBybitReq *
cw_bybit_req_new(CwBybitBroker *self, CwBybitReqKind kind, const char *link_id)
{
	CwBybitReq *req = g_new0(CwBybitReq, 1);

	g_weak_ref_init(&req->self, self);
	req->kind = kind;
	g_strlcpy(req->link_id, link_id, sizeof req->link_id);
	return req;
}

static gint64
cw_bybit_broker_now_ms(CwBybitBroker *self)
{
	return g_get_real_time() / 1000 + self->clock_offset_ms;
}

/**
 * cw_bybit_broker_redact:
 *
 * Returns: (transfer full): @text with the key and the secret as "***"
 */
char *
cw_bybit_broker_redact(CwBybitBroker *self, const char *text)
{
	GString *out = g_string_new(text != NULL ? text : "");

	if (self->api_secret != NULL && *self->api_secret != '\0')
		g_string_replace(out, self->api_secret, "***", 0);
	if (self->api_key != NULL && *self->api_key != '\0')
		g_string_replace(out, self->api_key, "***", 0);
	return g_string_free(out, FALSE);
}

static void
cw_bybit_broker_report(CwBybitBroker *self, const CwOrder *order, const CwFill *fill,
		       const CwBrokerFault *fault)
{
	CwExecutionReport report;
	CwOrder copy = *order; /* the sink may submit or cancel: tracks may move */

	if (self->sink == NULL)
		return;
	report.order = &copy;
	report.fill = fill;
	report.error = fault;
	self->sink(&report, self->sink_data);
}

static void
cw_bybit_broker_fault(CwBybitBroker *self, CwBybitTrack *track, CwBrokerErrorClass kind,
		      int venue_code, const char *text)
{
	CwBrokerFault fault = {0};
	g_autofree char *clean = cw_bybit_broker_redact(self, text);

	fault.kind = kind;
	fault.venue_code = venue_code;
	g_strlcpy(fault.text, clean, sizeof fault.text);
	if (kind == CW_BROKER_ERROR_REJECTED && !track->acked) {
		track->order.status = CW_ORDER_STATUS_REJECTED;
		track->ended = TRUE;
	}
	g_warning("bybit %s: order %s: %s", self->symbol, track->order.client_order_id, fault.text);
	cw_bybit_broker_report(self, &track->order, NULL, &fault);
}

/* Numbers with the decimals of step (the instrument's), never exponents. */
static void
cw_bybit_broker_member_num(CwJsonWriter *w, const char *key, double v, double step)
{
	int decimals = 8;
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	char fmt[8];

	if (step > 0) {
		decimals = 0;
		while (decimals < 12 &&
		       fabs(step * pow(10, decimals) - round(step * pow(10, decimals))) > 1e-9)
			decimals++;
	}
	g_snprintf(fmt, sizeof fmt, "%%.%df", decimals);
	g_ascii_formatd(buf, sizeof buf, fmt, v);
	/* Bybit takes quantities and prices as decimal strings */
	cw_json_writer_member_string(w, key, buf);
}

static double
cw_bybit_broker_round(double v, double step, gboolean down)
{
	if (step <= 0)
		return v;
	return (down ? floor(v / step + 1e-9) : round(v / step)) * step;
}

/* The order's qty down to the lot step, its prices to the tick size, with
 * the rules in force: FALSE (and why) when the qty is then below the
 * minimum, which is never sent. Rounding twice changes nothing. */
static gboolean
cw_bybit_broker_apply_rules(const CwInstrument *in, CwOrder *o, char *why, gsize why_len)
{
	double qty = cw_bybit_broker_round(o->qty, in->lot_step, TRUE);

	if (!isfinite(o->qty) || qty <= 0 || (in->min_qty > 0 && qty < in->min_qty - 1e-12)) {
		g_snprintf(why, why_len,
			   "quantity %.10g is below the minimum %.10g (lot step %.10g)", o->qty,
			   in->min_qty, in->lot_step);
		return FALSE;
	}
	o->qty = qty;
	o->price = cw_bybit_broker_round(o->price, in->tick_size, FALSE);
	o->stop_price = cw_bybit_broker_round(o->stop_price, in->tick_size, FALSE);
	return TRUE;
}

/* Signing: every attempt gets a fresh timestamp ---------------------------------------- */

static void
cw_bybit_broker_prepare(SoupMessageHeaders *headers, const char *payload, gsize len,
			gpointer user_data)
{
	CwBybitBroker *self = user_data;
	gint64 ts = cw_bybit_broker_now_ms(self);
	char sign[CW_BYBIT_SIGN_LEN];
	char num[24];

	cw_bybit_sign_rest(self->api_secret, ts, self->api_key, self->recv_window_ms, payload, len,
			   sign);
	soup_message_headers_replace(headers, "X-BAPI-API-KEY", self->api_key);
	g_snprintf(num, sizeof num, "%" G_GINT64_FORMAT, ts);
	soup_message_headers_replace(headers, "X-BAPI-TIMESTAMP", num);
	g_snprintf(num, sizeof num, "%" G_GINT64_FORMAT, self->recv_window_ms);
	soup_message_headers_replace(headers, "X-BAPI-RECV-WINDOW", num);
	soup_message_headers_replace(headers, "X-BAPI-SIGN", sign);
}

/* A GET answered 200 with retCode 10006 is tried again by net after the wait. */
static gboolean
cw_bybit_broker_retry_limited(GBytes *body, gpointer user_data)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(body, &len);

	return data != NULL && g_strstr_len(data, (gssize) len, "\"retCode\":10006") != NULL;
}

static void
cw_bybit_broker_get(CwBybitBroker *self, const char *path, const char *query, gboolean signed_,
		    GAsyncReadyCallback callback, gpointer user_data)
{
	g_autofree char *url = g_strdup_printf("%s%s?%s", self->rest_url, path, query);
	CwRestPolicy policy;

	cw_rest_policy_init(&policy);
	policy.max_attempts = 4;
	policy.max_wait_s = 5;
	cw_rest_request_async(
	    self->session, "GET", url, NULL, signed_ ? cw_bybit_broker_prepare : NULL, self,
	    &policy, cw_bybit_broker_retry_limited, NULL, self->cancellable, callback, user_data);
}

/* Reads an answer into env; FALSE with error (redacted) when there is none. */
static gboolean
cw_bybit_broker_read(CwBybitBroker *self, GAsyncResult *result, CwBybitEnvelope *env,
		     CwRestAnswer *answer, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(GBytes) body = cw_rest_request_finish(result, answer, NULL, &local);
	gsize len = 0;
	const char *data;

	memset(env, 0, sizeof *env);
	if (body == NULL) {
		g_autofree char *text = cw_bybit_broker_redact(self, local->message);
		/* net's errors keep their code: callers tell a cancel from a failure */
		if (local->domain == CW_NET_ERROR)
			g_set_error_literal(error, CW_NET_ERROR, local->code, text);
		else
			g_set_error_literal(error, CW_BROKER_ERROR, CW_BROKER_ERROR_TRANSIENT,
					    text);
		return FALSE;
	}
	data = g_bytes_get_data(body, &len);
	if (!cw_bybit_parse_envelope(data != NULL ? data : "", len, env, &local)) {
		g_autofree char *text = cw_bybit_broker_redact(self, local->message);
		cw_bybit_envelope_clear(env);
		g_set_error_literal(error, CW_BROKER_ERROR, CW_BROKER_ERROR_UNKNOWN_OUTCOME, text);
		return FALSE;
	}
	if (env->time > 0)
		self->venue_ms = env->time;
	return TRUE;
}

/* The rate limit the answer announces: nothing goes out before it resets
 * once no request is left. */
static void
cw_bybit_broker_note_limit(CwBybitBroker *self, const CwRestAnswer *answer, gboolean limited)
{
	gint64 now = g_get_real_time() / 1000;
	gint64 until = 0;
	/* the reset is the venue's time: on the local clock with the offset
	 * read from /v5/market/time, as the requests' timestamps are */
	gint64 reset =
	    answer->limit_reset_ms > 0 ? answer->limit_reset_ms - self->clock_offset_ms : 0;
	CwBybitAccountLimit *limit = self->limit;

	if (limited || answer->limit_status == 0) {
		until = reset > 0 ? reset : now + 1000;
		until = CLAMP(until, now + 50, now + 30000);
	}
	if (until > limit->blocked_until_ms)
		limit->blocked_until_ms = until;
	/* what is left, less what is on its way (from every broker of the key)
	 * and not counted there yet. Answers come back out of order: within a
	 * window the lowest status is the latest count (the brokers' clock
	 * offsets differ by a few ms, hence the slack); an older window's
	 * answer says nothing. */
	if (answer->limit_status >= 0 && reset > now) {
		reset = MIN(reset, now + 30000);
		if (reset > limit->limit_reset_ms + CW_BYBIT_WINDOW_SLACK_MS ||
		    limit->window_status < 0)
			limit->window_status = answer->limit_status;
		else if (reset >= limit->limit_reset_ms - CW_BYBIT_WINDOW_SLACK_MS)
			limit->window_status = MIN(limit->window_status, answer->limit_status);
		else
			return;
		limit->limit_left = MAX(0, limit->window_status - (gint64) limit->in_flight);
		limit->limit_reset_ms = MAX(limit->limit_reset_ms, reset);
	}
}

/* FALSE when the venue's window has no request left for one more. */
static gboolean
cw_bybit_broker_may_send(CwBybitBroker *self, gint64 now)
{
	CwBybitAccountLimit *limit = self->limit;

	if (limit->limit_left < 0 || now >= limit->limit_reset_ms) {
		limit->limit_left = -1;
		limit->window_status = -1;
		return TRUE;
	}
	if (limit->limit_left > 0)
		return TRUE;
	limit->blocked_until_ms = MAX(limit->blocked_until_ms, limit->limit_reset_ms);
	return FALSE;
}

/* Orders ------------------------------------------------------------------------------- */

static CwBybitTrack *
cw_bybit_broker_track(CwBybitBroker *self, const char *link_id)
{
	return link_id != NULL && *link_id != '\0' ? g_hash_table_lookup(self->tracks, link_id)
						   : NULL;
}

/* The order as the exchange says (realtime or the order topic). */
static void
cw_bybit_broker_apply_order(CwBybitBroker *self, const CwBybitOrderInfo *info)
{
	CwBybitTrack *track = cw_bybit_broker_track(self, info->link_id);

	if (track == NULL || track->ended)
		return;
	if (info->order_id[0] != '\0')
		g_strlcpy(track->order_id, info->order_id, sizeof track->order_id);
	g_strlcpy(track->order.exchange_order_id, info->order_id,
		  sizeof track->order.exchange_order_id);
	if (info->updated > 0)
		track->order.updated_at = info->updated;
	switch (info->status) {
	case CW_ORDER_STATUS_CANCELLED:
	case CW_ORDER_STATUS_REJECTED:
	case CW_ORDER_STATUS_EXPIRED:
		/* fills come as executions; an order that ended with some left
		 * says so once its executions are in */
		track->ended = TRUE;
		track->acked = TRUE;
		track->order.status = info->status;
		cw_bybit_broker_report(self, &track->order, NULL, NULL);
		return;
	case CW_ORDER_STATUS_NEW:
	case CW_ORDER_STATUS_PARTIALLY_FILLED:
		if (track->acked)
			return;
		track->acked = TRUE;
		if (track->order.filled_qty <= 0)
			track->order.status = CW_ORDER_STATUS_NEW;
		track->order.qty = info->qty > 0 ? info->qty : track->order.qty;
		cw_bybit_broker_report(self, &track->order, NULL, NULL);
		return;
	case CW_ORDER_STATUS_FILLED:
		/* acknowledged; its fills are executions */
		track->acked = TRUE;
		return;
	default:
		return;
	}
}

static gboolean
cw_bybit_broker_seen(CwBybitBroker *self, const char *exec_id)
{
	char *copy;

	if (g_hash_table_contains(self->seen, exec_id))
		return TRUE;
	copy = g_strdup(exec_id);
	g_hash_table_add(self->seen, copy);
	g_queue_push_tail(&self->seen_order, copy);
	if (self->seen_order.length > CW_BYBIT_SEEN_EXECS)
		g_hash_table_remove(self->seen, g_queue_pop_head(&self->seen_order));
	return FALSE;
}

/* One execution: a fill of one of our orders, applied once. */
static void
cw_bybit_broker_apply_exec(CwBybitBroker *self, const CwBybitExec *e)
{
	CwBybitTrack *track = cw_bybit_broker_track(self, e->link_id);
	CwFill fill;
	CwOrder *o;
	double before;

	if (!e->trade || e->qty <= 0 || track == NULL)
		return;
	if (track->followed_at > 0 && e->time < track->followed_at) {
		self->stats.execs_before_follow++;
		return;
	}
	if (cw_bybit_broker_seen(self, e->exec_id)) {
		self->stats.execs_duplicate++;
		return;
	}
	self->stats.execs_applied++;
	self->last_exec_ms = MAX(self->last_exec_ms, e->time);
	o = &track->order;
	before = o->filled_qty;
	o->filled_qty += e->qty;
	o->avg_fill_price = (o->avg_fill_price * before + e->price * e->qty) / o->filled_qty;
	o->status = cw_order_fill_status(o);
	o->updated_at = e->time;
	g_strlcpy(o->exchange_order_id, e->order_id, sizeof o->exchange_order_id);
	track->acked = TRUE;
	if (o->status == CW_ORDER_STATUS_FILLED)
		track->ended = TRUE;
	cw_fill_init_from_order(&fill, o, e->qty, e->price, e->time);
	fill.maker = e->maker;
	fill.fee = e->fee;
	cw_bybit_broker_report(self, o, &fill, NULL);
}

/* Requests ----------------------------------------------------------------------------- */

static gboolean
cw_bybit_broker_is_protective(const CwOrder *order)
{
	return order->reduce_only || order->purpose != CW_ORDER_PURPOSE_ENTRY;
}

static void
cw_bybit_broker_enqueue(CwBybitBroker *self, CwBybitReq *req, gboolean high, gboolean front)
{
	GQueue *q = high ? &self->high : &self->low;

	if (front)
		g_queue_push_head(q, req);
	else
		g_queue_push_tail(q, req);
	cw_bybit_broker_dispatch(self);
}

/* The order's fields, in the order Bybit's "Place Order" lists them. */
static void
cw_bybit_broker_begin_body(CwBybitBroker *self, CwJsonWriter *w, GString *out, const char *link_id)
{
	cw_json_writer_init(w, out, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(w);
	cw_json_writer_member_string(w, "category", "linear");
	cw_json_writer_member_string(w, "symbol", self->symbol);
	if (link_id != NULL)
		cw_json_writer_member_string(w, "orderLinkId", link_id);
}

static char *
cw_bybit_broker_create_body(CwBybitBroker *self, const CwOrder *o)
{
	GString *b = g_string_new(NULL);
	CwJsonWriter w;

	cw_bybit_broker_begin_body(self, &w, b, NULL);
	cw_json_writer_member_string(&w, "side", o->side == CW_SIDE_BUY ? "Buy" : "Sell");
	cw_json_writer_member_string(&w, "orderType",
				     o->type == CW_ORDER_TYPE_LIMIT ? "Limit" : "Market");
	cw_bybit_broker_member_num(&w, "qty", o->qty, self->instrument.lot_step);
	if (o->type == CW_ORDER_TYPE_LIMIT) {
		cw_bybit_broker_member_num(&w, "price", o->price, self->instrument.tick_size);
		cw_json_writer_member_string(&w, "timeInForce", "GTC");
	}
	if (o->type == CW_ORDER_TYPE_STOP) {
		/* a conditional market order: a sell stop waits for the price to fall */
		cw_bybit_broker_member_num(&w, "triggerPrice", o->stop_price,
					   self->instrument.tick_size);
		cw_json_writer_member_int(&w, "triggerDirection", o->side == CW_SIDE_SELL ? 2 : 1);
		cw_json_writer_member_string(&w, "triggerBy", "LastPrice");
	}
	cw_json_writer_member_boolean(&w, "reduceOnly", o->reduce_only);
	cw_json_writer_member_int(&w, "positionIdx", 0);
	cw_json_writer_member_string(&w, "orderLinkId", o->client_order_id);
	cw_json_writer_end_object(&w);
	return g_string_free(b, FALSE);
}

static void cw_bybit_broker_sent(GObject *source, GAsyncResult *result, gpointer user_data);

static void
cw_bybit_broker_send(CwBybitBroker *self, CwBybitReq *req, CwBybitTrack *track)
{
	g_autofree char *url = NULL;
	g_autofree char *query = NULL;
	CwJsonWriter w;
	GString *b;

	track->busy = TRUE;
	self->in_flight++;
	self->limit->in_flight++;
	switch (req->kind) {
	case CW_BYBIT_REQ_CREATE:
		track->create_queued = FALSE;
		track->creates++;
		self->stats.creates_sent++;
		g_free(req->body);
		req->body = cw_bybit_broker_create_body(self, &track->order);
		url = g_strconcat(self->rest_url, "/v5/order/create", NULL);
		break;
	case CW_BYBIT_REQ_CANCEL:
		b = g_string_new(NULL);
		cw_bybit_broker_begin_body(self, &w, b, req->link_id);
		cw_json_writer_end_object(&w);
		g_free(req->body);
		req->body = g_string_free(b, FALSE);
		url = g_strconcat(self->rest_url, "/v5/order/cancel", NULL);
		break;
	case CW_BYBIT_REQ_AMEND:
		b = g_string_new(NULL);
		cw_bybit_broker_begin_body(self, &w, b, req->link_id);
		if (req->qty > 0)
			cw_bybit_broker_member_num(&w, "qty", req->qty, self->instrument.lot_step);
		if (req->price > 0)
			cw_bybit_broker_member_num(&w, "price", req->price,
						   self->instrument.tick_size);
		if (req->stop > 0)
			cw_bybit_broker_member_num(&w, "triggerPrice", req->stop,
						   self->instrument.tick_size);
		cw_json_writer_end_object(&w);
		g_free(req->body);
		req->body = g_string_free(b, FALSE);
		url = g_strconcat(self->rest_url, "/v5/order/amend", NULL);
		break;
	case CW_BYBIT_REQ_LOOKUP:
	default:
		self->stats.lookups++;
		query = g_strdup_printf("category=linear&symbol=%s&orderLinkId=%s", self->symbol,
					req->link_id);
		cw_bybit_broker_get(self, "/v5/order/realtime", query, TRUE, cw_bybit_broker_sent,
				    req);
		return;
	}
	cw_rest_request_async(self->session, "POST", url, req->body, cw_bybit_broker_prepare, self,
			      NULL, NULL, NULL, self->cancellable, cw_bybit_broker_sent, req);
}

static gboolean
cw_bybit_broker_timer_cb(gpointer data)
{
	CwBybitBroker *self = data;

	self->timer = 0;
	cw_bybit_broker_dispatch(self);
	return G_SOURCE_REMOVE;
}

/* The first request of q whose order has none in flight, taken out. */
static CwBybitReq *
cw_bybit_broker_take(CwBybitBroker *self, GQueue *q, CwBybitTrack **track)
{
	for (GList *l = q->head; l != NULL; l = l->next) {
		CwBybitReq *req = l->data;
		CwBybitTrack *t = cw_bybit_broker_track(self, req->link_id);

		if (t != NULL && t->busy)
			continue;
		g_queue_delete_link(q, l);
		*track = t;
		return req;
	}
	return NULL;
}

static void
cw_bybit_broker_dispatch(CwBybitBroker *self)
{
	gint64 now = g_get_real_time() / 1000;
	char why[CW_REASON_LEN];

	if (self->cancellable == NULL || g_cancellable_is_cancelled(self->cancellable))
		return;
	/* nothing is sent before the venue's clock and its lot step are known */
	if (!self->time_done || !self->instruments_done) {
		cw_bybit_broker_start(self);
		return;
	}
	while (self->in_flight < CW_BYBIT_MAX_IN_FLIGHT &&
	       (self->high.length > 0 || self->low.length > 0)) {
		CwBybitTrack *track = NULL;
		CwBybitReq *req;

		if (now < self->limit->blocked_until_ms || !cw_bybit_broker_may_send(self, now)) {
			if (self->timer == 0)
				self->timer =
				    g_timeout_add((guint) (self->limit->blocked_until_ms - now),
						  cw_bybit_broker_timer_cb, self);
			return;
		}
		/* the limit not known yet: the key's brokers together send no
		 * more than one broker may, until an answer says what is left */
		if (self->limit->limit_left < 0 &&
		    self->limit->in_flight >= CW_BYBIT_MAX_IN_FLIGHT) {
			if (self->timer == 0)
				self->timer = g_timeout_add(CW_BYBIT_UNKNOWN_LIMIT_POLL_MS,
							    cw_bybit_broker_timer_cb, self);
			return;
		}
		req = cw_bybit_broker_take(self, &self->high, &track);
		if (req == NULL)
			req = cw_bybit_broker_take(self, &self->low, &track);
		if (req == NULL)
			return;
		if (track == NULL || (track->ended && req->kind != CW_BYBIT_REQ_LOOKUP)) {
			cw_bybit_req_free(req);
			continue;
		}
		/* submitted before the instruments answered: the venue's rules now */
		if (req->kind == CW_BYBIT_REQ_CREATE && !track->acked &&
		    !cw_bybit_broker_apply_rules(&self->instrument, &track->order, why,
						 sizeof why)) {
			track->create_queued = FALSE;
			cw_bybit_req_free(req);
			cw_bybit_broker_fault(self, track, CW_BROKER_ERROR_REJECTED, 0, why);
			continue;
		}
		if (self->limit->limit_left > 0)
			self->limit->limit_left--;
		cw_bybit_broker_send(self, req, track);
	}
}

/* A create's outcome is unknown: look it up before anything else. */
static void
cw_bybit_broker_unknown(CwBybitBroker *self, CwBybitReq *req, CwBybitTrack *track)
{
	CwBybitReq *lookup = cw_bybit_req_new(self, CW_BYBIT_REQ_LOOKUP, req->link_id);

	lookup->resend_if_missing = req->kind == CW_BYBIT_REQ_CREATE;
	cw_bybit_broker_enqueue(self, lookup, TRUE, TRUE);
}

/* retCode 110017 on a reduce-only create: the venue's position is already
 * zero, closed by another of the bot's orders (a stop or take profit that
 * filled while this one was on its way) or by hand. Not an error of the
 * venue: the refusal is reported as CW_BROKER_ERROR_NO_POSITION, and a
 * catch-up reads the executions since the last one seen, so the fill that
 * closed the position is booked (once: executions are deduplicated by id)
 * even when the stream has not pushed it yet; the owner is told
 * (CwBroker::resynced) and compares the positions. */
static void
cw_bybit_broker_no_position(CwBybitBroker *self, CwBybitTrack *track, const CwBybitEnvelope *env)
{
	CwBrokerFault fault = {0};
	g_autofree char *text = g_strdup_printf("retCode %" G_GINT64_FORMAT
						": %s: the venue position is already closed",
						env->ret_code, env->ret_msg);
	g_autofree char *clean = cw_bybit_broker_redact(self, text);

	self->stats.no_position++;
	fault.kind = CW_BROKER_ERROR_NO_POSITION;
	fault.venue_code = (int) env->ret_code;
	g_strlcpy(fault.text, clean, sizeof fault.text);
	track->order.status = CW_ORDER_STATUS_REJECTED;
	track->ended = TRUE;
	g_message("bybit %s: order %s: %s", self->symbol, track->order.client_order_id, fault.text);
	cw_bybit_broker_report(self, &track->order, NULL, &fault);
	self->resync_due = TRUE;
	cw_bybit_broker_catch_up(self);
}

static void
cw_bybit_broker_on_create(CwBybitBroker *self, CwBybitReq *req, CwBybitTrack *track,
			  CwBybitEnvelope *env, const CwRestAnswer *answer)
{
	switch (env->ret_code) {
	case 0: {
		CwBybitOrderInfo info = {0};
		const char *id =
		    env->result != NULL
			? json_object_get_string_member_with_default(env->result, "orderId", "")
			: "";

		g_strlcpy(info.order_id, id != NULL ? id : "", sizeof info.order_id);
		g_strlcpy(info.link_id, req->link_id, sizeof info.link_id);
		info.status = CW_ORDER_STATUS_NEW;
		info.qty = track->order.qty;
		cw_bybit_broker_apply_order(self, &info);
		return;
	}
	case 110072:
		/* it is there already: adopt what the exchange says */
		self->stats.adopted++;
		cw_bybit_broker_unknown(self, req, track);
		return;
	case 10006:
		self->stats.rate_limited++;
		cw_bybit_broker_note_limit(self, answer, TRUE);
		cw_bybit_broker_enqueue(self, cw_bybit_req_new(self, req->kind, req->link_id), TRUE,
					TRUE);
		return;
	case 10002:
		/* refused before it was accepted: the clock again, then once more */
		self->time_done = FALSE;
		self->starting = FALSE;
		cw_bybit_broker_enqueue(self, cw_bybit_req_new(self, req->kind, req->link_id),
					cw_bybit_broker_is_protective(&track->order), TRUE);
		return;
	case 110017:
		if (cw_bybit_broker_is_protective(&track->order)) {
			cw_bybit_broker_no_position(self, track, env);
			return;
		}
		G_GNUC_FALLTHROUGH;
	default: {
		g_autofree char *text = g_strdup_printf("retCode %" G_GINT64_FORMAT ": %s",
							env->ret_code, env->ret_msg);
		cw_bybit_broker_fault(self, track, CW_BROKER_ERROR_REJECTED, (int) env->ret_code,
				      text);
		return;
	}
	}
}

static void cw_bybit_broker_book_unseen(CwBybitBroker *self, CwBybitTrack *track, double cum_qty,
					double avg_price, gint64 updated);

static void
cw_bybit_broker_on_lookup(CwBybitBroker *self, CwBybitReq *req, CwBybitTrack *track,
			  CwBybitEnvelope *env, const CwRestAnswer *answer)
{
	g_autoptr(GError) error = NULL;
	JsonArray *list = env->ret_code == 0 ? cw_bybit_envelope_list(env, &error) : NULL;
	CwBybitOrderInfo info;

	if (env->ret_code == 10006 || env->ret_code == 10002) {
		/* refused before it was read: the lookup again (10002: after the clock) */
		CwBybitReq *again = cw_bybit_req_new(self, CW_BYBIT_REQ_LOOKUP, req->link_id);

		again->resend_if_missing = req->resend_if_missing;
		if (env->ret_code == 10006) {
			self->stats.rate_limited++;
			cw_bybit_broker_note_limit(self, answer, TRUE);
		} else {
			self->time_done = FALSE;
			self->starting = FALSE;
		}
		cw_bybit_broker_enqueue(self, again, TRUE, TRUE);
		return;
	}
	if (list == NULL) {
		g_autofree char *text =
		    g_strdup_printf("order lookup: retCode %" G_GINT64_FORMAT ": %s", env->ret_code,
				    error != NULL ? error->message : env->ret_msg);
		/* the engine resolves it now (lookup_order_async) */
		track->ended = TRUE;
		cw_bybit_broker_fault(self, track, CW_BROKER_ERROR_UNKNOWN_OUTCOME,
				      (int) env->ret_code, text);
		return;
	}
	for (guint i = 0; i < json_array_get_length(list); i++) {
		JsonNode *node = json_array_get_element(list, i);

		if (!JSON_NODE_HOLDS_OBJECT(node) ||
		    !cw_bybit_parse_order(json_node_get_object(node), "result.list[]", &info,
					  &error) ||
		    strcmp(info.link_id, req->link_id) != 0) {
			g_clear_error(&error);
			continue;
		}
		if (req->resend_if_missing)
			self->stats.adopted++;
		if (track->followed_at > 0 && !track->ended)
			cw_bybit_broker_book_unseen(self, track, info.cum_qty, info.avg_price,
						    info.updated);
		cw_bybit_broker_apply_order(self, &info);
		/* its fills, if the stream missed them */
		cw_bybit_broker_catch_up(self);
		return;
	}
	if (!req->resend_if_missing)
		return;
	if (track->creates >= CW_BYBIT_MAX_CREATES) {
		/* given up here: the engine looks it up and decides */
		track->ended = TRUE;
		cw_bybit_broker_fault(self, track, CW_BROKER_ERROR_UNKNOWN_OUTCOME, 0,
				      "create: no answer and not at the exchange after 5 sends");
		return;
	}
	/* not there: the same orderLinkId again, the exchange refuses a duplicate */
	self->stats.resends++;
	cw_bybit_broker_enqueue(self, cw_bybit_req_new(self, CW_BYBIT_REQ_CREATE, req->link_id),
				TRUE, TRUE);
}

static void
cw_bybit_broker_on_change(CwBybitBroker *self, CwBybitReq *req, CwBybitTrack *track,
			  CwBybitEnvelope *env, const CwRestAnswer *answer)
{
	if (env->ret_code == 0) {
		if (req->kind == CW_BYBIT_REQ_CANCEL) {
			/* what filled before it is in the executions */
			track->ended = TRUE;
			track->order.status = CW_ORDER_STATUS_CANCELLED;
			cw_bybit_broker_report(self, &track->order, NULL, NULL);
			return;
		}
		if (req->qty > 0)
			track->order.qty = req->qty;
		if (req->price > 0)
			track->order.price = req->price;
		if (req->stop > 0)
			track->order.stop_price = req->stop;
		if (track->order.status == CW_ORDER_STATUS_PENDING_REPLACE)
			track->order.status = track->order.filled_qty > 0
						  ? CW_ORDER_STATUS_PARTIALLY_FILLED
						  : CW_ORDER_STATUS_NEW;
		cw_bybit_broker_report(self, &track->order, NULL, NULL);
		return;
	}
	if (env->ret_code == 10006) {
		CwBybitReq *again = cw_bybit_req_new(self, req->kind, req->link_id);

		self->stats.rate_limited++;
		cw_bybit_broker_note_limit(self, answer, TRUE);
		again->qty = req->qty;
		again->price = req->price;
		again->stop = req->stop;
		cw_bybit_broker_enqueue(self, again, TRUE, TRUE);
		return;
	}
	if (env->ret_code == 110001) {
		/* gone already (filled or cancelled): learn how */
		cw_bybit_broker_enqueue(
		    self, cw_bybit_req_new(self, CW_BYBIT_REQ_LOOKUP, req->link_id), TRUE, TRUE);
		/* a cancel is idempotent: an order no longer working is what it
		 * asked for (a restart sends a lost cancel again); the lookup
		 * reports how it ended, and no error is counted */
		if (req->kind == CW_BYBIT_REQ_CANCEL)
			return;
	}
	{
		g_autofree char *text =
		    g_strdup_printf("%s refused: retCode %" G_GINT64_FORMAT ": %s",
				    req->kind == CW_BYBIT_REQ_CANCEL ? "cancel" : "amend",
				    env->ret_code, env->ret_msg);
		cw_bybit_broker_fault(self, track,
				      env->ret_code == 110001 ? CW_BROKER_ERROR_NOT_FOUND
							      : CW_BROKER_ERROR_REJECTED,
				      (int) env->ret_code, text);
	}
}

static void
cw_bybit_broker_sent(GObject *source, GAsyncResult *result, gpointer user_data)
{
	CwBybitReq *req = user_data;
	g_autoptr(CwBybitBroker) self = g_weak_ref_get(&req->self);
	CwBybitTrack *track;
	g_autoptr(GError) error = NULL;
	CwBybitEnvelope env;
	CwRestAnswer answer = {0};
	gboolean ok;

	if (self == NULL) {
		cw_bybit_req_free(req);
		return;
	}
	track = cw_bybit_broker_track(self, req->link_id);
	ok = cw_bybit_broker_read(self, result, &env, &answer, &error);
	self->in_flight--;
	self->limit->in_flight--;
	if (track != NULL)
		track->busy = FALSE;
	if (g_error_matches(error, CW_NET_ERROR, CW_NET_ERROR_CANCELLED) || track == NULL ||
	    self->cancellable == NULL || g_cancellable_is_cancelled(self->cancellable)) {
		cw_bybit_envelope_clear(&env);
		cw_bybit_req_free(req);
		return;
	}
	if (ok)
		cw_bybit_broker_note_limit(self, &answer, FALSE);
	if (!ok) {
		if (answer.status == 429) {
			self->stats.rate_limited++;
			cw_bybit_broker_note_limit(self, &answer, TRUE);
			cw_bybit_broker_enqueue(
			    self, cw_bybit_req_new(self, req->kind, req->link_id), TRUE, TRUE);
		} else if (req->kind == CW_BYBIT_REQ_LOOKUP) {
			/* the lookup itself failed (net retried it): once more later */
			CwBybitReq *again =
			    cw_bybit_req_new(self, CW_BYBIT_REQ_LOOKUP, req->link_id);

			again->resend_if_missing = req->resend_if_missing;
			self->limit->blocked_until_ms =
			    MAX(self->limit->blocked_until_ms, g_get_real_time() / 1000 + 500);
			cw_bybit_broker_enqueue(self, again, TRUE, FALSE);
		} else if (answer.status >= 400 && answer.status < 500) {
			cw_bybit_broker_fault(self, track, CW_BROKER_ERROR_REJECTED,
					      (int) answer.status, error->message);
		} else if (req->kind == CW_BYBIT_REQ_CREATE) {
			/* no answer, a 5xx or garbage: it may be at the exchange */
			g_message("bybit %s: order %s: outcome unknown (%s): looking it up",
				  self->symbol, req->link_id, error->message);
			cw_bybit_broker_unknown(self, req, track);
		} else {
			/* cancel and amend are idempotent: again */
			CwBybitReq *again = cw_bybit_req_new(self, req->kind, req->link_id);

			again->qty = req->qty;
			again->price = req->price;
			again->stop = req->stop;
			cw_bybit_broker_enqueue(self, again, TRUE, FALSE);
		}
		cw_bybit_req_free(req);
		cw_bybit_broker_dispatch(self);
		return;
	}
	switch (req->kind) {
	case CW_BYBIT_REQ_CREATE:
		cw_bybit_broker_on_create(self, req, track, &env, &answer);
		break;
	case CW_BYBIT_REQ_LOOKUP:
		cw_bybit_broker_on_lookup(self, req, track, &env, &answer);
		break;
	default:
		cw_bybit_broker_on_change(self, req, track, &env, &answer);
		break;
	}
	cw_bybit_envelope_clear(&env);
	cw_bybit_req_free(req);
	cw_bybit_broker_dispatch(self);
}

/* Windows of the venue's lists ----------------------------------------------------------- */

/* "&startTime=S&endTime=E" for the window that starts at start: 7 days
 * less a millisecond, so consecutive windows never list a row twice. */
static char *
cw_bybit_window_param(gint64 start)
{
	return g_strdup_printf("&startTime=%" G_GINT64_FORMAT "&endTime=%" G_GINT64_FORMAT, start,
			       start + CW_BYBIT_WINDOW_MS - 1);
}

/* The venue's time of an answer (its envelope's), else the local clock
 * moved by the offset. */
static gint64
cw_bybit_broker_venue_now(CwBybitBroker *self, const CwBybitEnvelope *env)
{
	return env->time > 0 ? env->time : cw_bybit_broker_now_ms(self);
}

/* The text that fails a reach back to since closed when the venue no
 * longer keeps what it would read (NULL when it does): the gap it names
 * would otherwise be missed without a word. */
static char *
cw_bybit_broker_history_gap(CwBybitBroker *self, const char *what, gint64 since, gint64 now)
{
	gint64 kept = now - (gint64) self->history_days * 24 * 3600 * 1000LL;
	g_autoptr(GDateTime) a = g_date_time_new_from_unix_utc(since / 1000);
	g_autoptr(GDateTime) b = g_date_time_new_from_unix_utc(kept / 1000);
	g_autofree char *from = NULL, *to = NULL;

	if (since >= kept)
		return NULL;
	from = a != NULL ? g_date_time_format_iso8601(a) : g_strdup("?");
	to = b != NULL ? g_date_time_format_iso8601(b) : g_strdup("?");
	return g_strdup_printf(
	    "%s: /v5/execution/list since %" G_GINT64_FORMAT " (%s) reaches back past what the "
	    "venue keeps (%u days, broker.history_days): the executions from %s to %s cannot "
	    "be read",
	    what, since, from, self->history_days, from, to);
}

/* Catch-up after a gap: executions since the last one seen, open orders ---------------- */

typedef struct {
	GWeakRef self;
	GArray *execs; /* CwBybitExec */
	gint64 since;
	gint64 win;         /* the start of the 7-day window being read */
	guint pages;        /* of that window */
	gboolean after_gap; /* emits CwBroker::resynced when done */
} CwBybitCatchUp;

static void
cw_bybit_catch_up_free(CwBybitCatchUp *c)
{
	g_weak_ref_clear(&c->self);
	g_array_unref(c->execs);
	g_free(c);
}

static gint
cw_bybit_exec_cmp(gconstpointer a, gconstpointer b)
{
	const CwBybitExec *x = a, *y = b;

	return x->time < y->time ? -1 : x->time > y->time;
}

static void cw_bybit_broker_execs_page(CwBybitBroker *self, CwBybitCatchUp *c, const char *cursor);

/* A catch-up is over; found_new: it applied executions the stream had
 * missed. One that found nothing holds the next back, longer each time
 * within a burst: whatever asks for catch-ups (lookups of orders the venue
 * says are filled, reconnects), and whatever the clocks, they never spin. */
static void
cw_bybit_broker_catch_up_ended(CwBybitBroker *self, gboolean found_new)
{
	gint64 now = g_get_monotonic_time();
	gboolean quiet = self->catch_up_end_us == 0 ||
			 now - self->catch_up_end_us >= CW_BYBIT_CATCH_UP_QUIET_MS * 1000LL;

	self->catching_up = FALSE;
	if (found_new)
		self->catch_up_delay_ms = 0;
	else if (quiet || self->catch_up_delay_ms == 0)
		self->catch_up_delay_ms = CW_BYBIT_CATCH_UP_MIN_DELAY_MS;
	else
		self->catch_up_delay_ms =
		    MIN(self->catch_up_delay_ms * 2, CW_BYBIT_CATCH_UP_MAX_DELAY_MS);
	self->catch_up_end_us = now;
}

/* The catch-up cannot read the gap whole: nothing is booked, every later
 * reconcile fails with fault (the owner halts the bot), and the owner is
 * told at once (CwBroker::resynced). */
static void
cw_bybit_broker_catch_up_failed(CwBybitBroker *self, CwBybitCatchUp *c, CwBybitEnvelope *env,
				const char *fault)
{
	g_free(self->catch_up_fault);
	self->catch_up_fault = g_strdup(fault);
	g_warning("bybit %s: %s", self->symbol, self->catch_up_fault);
	cw_bybit_envelope_clear(env);
	cw_bybit_broker_catch_up_ended(self, FALSE);
	self->stats.resyncs++;
	cw_broker_emit_resynced(CW_BROKER(self));
	cw_bybit_catch_up_free(c);
}

static void
cw_bybit_broker_execs_got(GObject *source, GAsyncResult *result, gpointer user_data)
{
	CwBybitCatchUp *c = user_data;
	g_autoptr(CwBybitBroker) self = g_weak_ref_get(&c->self);
	g_autoptr(GError) error = NULL;
	CwBybitEnvelope env;
	JsonArray *list = NULL;
	const char *cursor = NULL;
	gboolean read;
	guint applied;

	if (self == NULL || g_cancellable_is_cancelled(self->cancellable)) {
		cw_bybit_catch_up_free(c);
		return;
	}
	read = cw_bybit_broker_read(self, result, &env, NULL, &error);
	if (read && env.ret_code == 10001) {
		/* a query the venue refuses for good (a window past what it keeps):
		 * trying again at the next open would refuse the same */
		g_autofree char *fault = g_strdup_printf(
		    "catch-up: /v5/execution/list since %" G_GINT64_FORMAT
		    " refused: retCode 10001: %s: the executions missed in the gap cannot be read",
		    c->since, env.ret_msg);

		cw_bybit_broker_catch_up_failed(self, c, &env, fault);
		return;
	}
	if (!read || env.ret_code != 0 || (list = cw_bybit_envelope_list(&env, &error)) == NULL) {
		if (!g_error_matches(error, CW_NET_ERROR, CW_NET_ERROR_CANCELLED)) {
			g_warning("bybit %s: catching up on executions: %s", self->symbol,
				  error != NULL ? error->message : env.ret_msg);
			self->stream_gap = TRUE; /* tried again at the next open */
			self->resync_due = self->resync_due || c->after_gap;
		}
		cw_bybit_broker_catch_up_ended(self, FALSE);
		cw_bybit_envelope_clear(&env);
		cw_bybit_catch_up_free(c);
		return;
	}
	for (guint i = 0; i < json_array_get_length(list); i++) {
		JsonNode *node = json_array_get_element(list, i);
		CwBybitExec e;
		g_autofree char *path = g_strdup_printf("result.list[%u]", i);

		if (!JSON_NODE_HOLDS_OBJECT(node) ||
		    !cw_bybit_parse_exec(json_node_get_object(node), path, &e, &error)) {
			g_warning("bybit %s: /v5/execution/list: %s", self->symbol,
				  error != NULL ? error->message : "not an object");
			g_clear_error(&error);
			continue;
		}
		g_array_append_val(c->execs, e);
	}
	if (c->win == c->since && c->pages == 0) {
		g_autofree char *gap = cw_bybit_broker_history_gap(
		    self, "catch-up", c->since, cw_bybit_broker_venue_now(self, &env));

		if (gap != NULL) {
			/* what is left out would be guessed: the owner's reconcile
			 * fails with this, halting the bot */
			cw_bybit_broker_catch_up_failed(self, c, &env, gap);
			return;
		}
	}
	cursor = json_object_get_string_member_with_default(env.result, "nextPageCursor", "");
	c->pages++;
	if (cursor != NULL && *cursor != '\0' && c->pages >= self->reconcile_max_pages) {
		/* what is left out would be guessed: nothing is booked, the
		 * owner reconciles and that fails, halting the bot */
		g_autofree char *fault = g_strdup_printf(
		    "catch-up: /v5/execution/list since %" G_GINT64_FORMAT
		    " goes on past %u pages (broker.reconcile_max_pages): the executions "
		    "missed in the gap cannot be read whole",
		    c->since, self->reconcile_max_pages);

		cw_bybit_broker_catch_up_failed(self, c, &env, fault);
		return;
	}
	if (cursor != NULL && *cursor != '\0') {
		g_autofree char *next = g_strdup(cursor);
		cw_bybit_envelope_clear(&env);
		cw_bybit_broker_execs_page(self, c, next);
		return;
	}
	if (c->win + CW_BYBIT_WINDOW_MS <= cw_bybit_broker_venue_now(self, &env)) {
		/* the next 7 days */
		c->win += CW_BYBIT_WINDOW_MS;
		c->pages = 0;
		cw_bybit_envelope_clear(&env);
		cw_bybit_broker_execs_page(self, c, NULL);
		return;
	}
	cw_bybit_envelope_clear(&env);
	g_array_sort(c->execs, cw_bybit_exec_cmp);
	applied = self->stats.execs_applied;
	for (guint i = 0; i < c->execs->len; i++)
		cw_bybit_broker_apply_exec(self, &g_array_index(c->execs, CwBybitExec, i));
	cw_bybit_broker_catch_up_ended(self, self->stats.execs_applied > applied);
	if (c->after_gap) {
		self->stats.resyncs++;
		cw_broker_emit_resynced(CW_BROKER(self));
	}
	cw_bybit_catch_up_free(c);
}

/* "&cursor=..." for the next page of a list, or "": the cursor goes back as
 * Bybit gave it (already percent-encoded); what a query cannot hold is
 * encoded. */
static char *
cw_bybit_cursor_param(const char *cursor)
{
	g_autofree char *escaped = NULL;

	if (cursor == NULL)
		return g_strdup("");
	escaped = g_uri_escape_string(cursor, "%", FALSE);
	return g_strconcat("&cursor=", escaped, NULL);
}

static void
cw_bybit_broker_execs_page(CwBybitBroker *self, CwBybitCatchUp *c, const char *cursor)
{
	g_autofree char *query = NULL;
	g_autofree char *param = cw_bybit_cursor_param(cursor);
	g_autofree char *window = cw_bybit_window_param(c->win);

	query =
	    g_strdup_printf("category=linear&symbol=%s%s&limit=100%s", self->symbol, window, param);
	cw_bybit_broker_get(self, "/v5/execution/list", query, TRUE, cw_bybit_broker_execs_got, c);
}

static void
cw_bybit_broker_open_got(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CwBybitBroker) self = cw_bybit_weak_take(user_data);
	g_autoptr(GError) error = NULL;
	g_autoptr(GHashTable) open = g_hash_table_new(g_str_hash, g_str_equal);
	CwBybitEnvelope env;
	JsonArray *list = NULL;
	GHashTableIter it;
	gpointer value;

	if (self == NULL)
		return;

	if (!cw_bybit_broker_read(self, result, &env, NULL, &error) || env.ret_code != 0 ||
	    (list = cw_bybit_envelope_list(&env, &error)) == NULL) {
		if (!g_error_matches(error, CW_NET_ERROR, CW_NET_ERROR_CANCELLED))
			g_warning("bybit %s: catching up on open orders: %s", self->symbol,
				  error != NULL ? error->message : env.ret_msg);
		cw_bybit_envelope_clear(&env);
		return;
	}
	for (guint i = 0; i < json_array_get_length(list); i++) {
		JsonNode *node = json_array_get_element(list, i);
		CwBybitOrderInfo info;
		CwBybitTrack *track;

		if (!JSON_NODE_HOLDS_OBJECT(node) ||
		    !cw_bybit_parse_order(json_node_get_object(node), "result.list[]", &info, NULL))
			continue;
		cw_bybit_broker_apply_order(self, &info);
		if ((track = cw_bybit_broker_track(self, info.link_id)) != NULL)
			g_hash_table_add(open, track->order.client_order_id);
	}
	cw_bybit_envelope_clear(&env);
	/* ours, acknowledged and not ended here, but not open there: how did they end? */
	g_hash_table_iter_init(&it, self->tracks);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		CwBybitTrack *track = value;

		if (track->acked && !track->ended && !track->busy &&
		    !g_hash_table_contains(open, track->order.client_order_id))
			cw_bybit_broker_enqueue(self,
						cw_bybit_req_new(self, CW_BYBIT_REQ_LOOKUP,
								 track->order.client_order_id),
						TRUE, FALSE);
	}
}

static gboolean
cw_bybit_broker_catch_up_due(gpointer data)
{
	CwBybitBroker *self = data;

	self->catch_up_timer = 0;
	cw_bybit_broker_catch_up(self);
	return G_SOURCE_REMOVE;
}

/* TRUE when the catch-up asked for now is held back (and will run when its
 * delay is over). */
static gboolean
cw_bybit_broker_catch_up_held(CwBybitBroker *self)
{
	gint64 left_us = self->catch_up_end_us + (gint64) self->catch_up_delay_ms * 1000 -
			 g_get_monotonic_time();

	if (self->catch_up_delay_ms == 0 || left_us <= 0)
		return FALSE;
	self->catch_up_timer =
	    g_timeout_add((guint) (left_us / 1000) + 1, cw_bybit_broker_catch_up_due, self);
	return TRUE;
}

static void
cw_bybit_broker_catch_up(CwBybitBroker *self)
{
	CwBybitCatchUp *c;
	g_autofree char *query = NULL;

	if (!self->time_done) {
		self->stream_gap = TRUE; /* once the clock is known */
		return;
	}
	if (self->catching_up || self->catch_up_timer != 0)
		return;
	if (cw_bybit_broker_catch_up_held(self))
		return;
	self->catching_up = TRUE;
	self->stream_gap = FALSE;
	self->stats.catch_ups++;
	c = g_new0(CwBybitCatchUp, 1);
	g_weak_ref_init(&c->self, self);
	c->execs = g_array_new(FALSE, FALSE, sizeof(CwBybitExec));
	c->after_gap = self->resync_due;
	self->resync_due = FALSE;
	/* on the clock the venue's executions carry: its answers' (on Bybit,
	 * the wall clock; on the simulator, its market's) */
	c->since = self->last_exec_ms > 0 ? self->last_exec_ms - CW_BYBIT_CATCH_UP_MARGIN
		   : self->venue_ms > 0   ? self->venue_ms - CW_BYBIT_WINDOW_MS + 1
					  : cw_bybit_broker_now_ms(self) - CW_BYBIT_WINDOW_MS;
	c->win = c->since;
	/* the executions first: a fill is never taken for a cancel */
	cw_bybit_broker_execs_page(self, c, NULL);
	query = g_strdup_printf("category=linear&symbol=%s", self->symbol);
	cw_bybit_broker_get(self, "/v5/order/realtime", query, TRUE, cw_bybit_broker_open_got,
			    cw_bybit_weak_new(self));
}

/* The private stream: the key's shared one (cw-bybit-account-stream.c) ----------- */

static void
cw_bybit_broker_stream_authed(gpointer user_data)
{
	CwBybitBroker *self = user_data;

	self->stats.stream_auths++;
}

static void
cw_bybit_broker_stream_up(gpointer user_data)
{
	CwBybitBroker *self = user_data;

	self->stream_up = TRUE;
	/* whatever happened while it was down (or before it was up), at once:
	 * a gap is read without delay (reconnects are paced by the stream's
	 * own backoff); only the catch-ups that lookups ask for are held */
	self->catch_up_delay_ms = 0;
	g_clear_handle_id(&self->catch_up_timer, g_source_remove);
	cw_bybit_broker_catch_up(self);
}

static void
cw_bybit_broker_stream_down(const char *reason, gpointer user_data)
{
	CwBybitBroker *self = user_data;

	if (self->stream_up) {
		g_message("bybit %s: private stream closed (%s): catching up once it is back",
			  self->symbol, reason);
		self->resync_due = TRUE;
	}
	self->stream_up = FALSE;
	self->stream_gap = TRUE;
}

static void
cw_bybit_broker_stream_order(const CwBybitOrderInfo *info, gpointer user_data)
{
	cw_bybit_broker_apply_order(user_data, info);
}

static void
cw_bybit_broker_stream_exec(const CwBybitExec *exec, gpointer user_data)
{
	cw_bybit_broker_apply_exec(user_data, exec);
}

static void
cw_bybit_broker_stream_position(const CwBybitPosition *pos, gpointer user_data)
{
	CwBybitBroker *self = user_data;

	if (strcmp(pos->symbol, self->symbol) == 0)
		self->exchange_position = pos->size;
}

/* Pushes about this order id come to this broker. */
static void
cw_bybit_broker_claim(CwBybitBroker *self, const char *link_id)
{
	if (self->stream != NULL)
		cw_bybit_account_stream_claim(self->stream, self->stream_member, link_id);
}

static void
cw_bybit_broker_join_stream(CwBybitBroker *self)
{
	static const CwBybitAccountStreamCallbacks callbacks = {
	    .authed = cw_bybit_broker_stream_authed,
	    .up = cw_bybit_broker_stream_up,
	    .down = cw_bybit_broker_stream_down,
	    .order = cw_bybit_broker_stream_order,
	    .exec = cw_bybit_broker_stream_exec,
	    .position = cw_bybit_broker_stream_position,
	};
	GHashTableIter it;
	gpointer key;

	self->stream = cw_bybit_account_stream_get(self->ws_url, self->api_key, self->api_secret);
	self->stream_member =
	    cw_bybit_account_stream_join(self->stream, self->symbol, &callbacks, self);
	/* the key's rate limit from now on, with what is on its way */
	self->limit = cw_bybit_account_stream_get_limit(self->stream);
	self->limit->in_flight += self->own_limit.in_flight;
	self->limit->blocked_until_ms =
	    MAX(self->limit->blocked_until_ms, self->own_limit.blocked_until_ms);
	if (self->time_done)
		cw_bybit_account_stream_set_clock_offset(self->stream, self->clock_offset_ms);
	/* the orders given (or adopted) before the stream */
	g_hash_table_iter_init(&it, self->tracks);
	while (g_hash_table_iter_next(&it, &key, NULL))
		cw_bybit_broker_claim(self, key);
}

/* Start: the clock, the instruments, the stream --------------------------------------- */

static void
cw_bybit_broker_start_finished(CwBybitBroker *self)
{
	GList *tasks;

	if (!self->time_done || !self->instruments_done)
		return;
	tasks = g_steal_pointer(&self->start_tasks);
	for (GList *l = tasks; l != NULL; l = l->next) {
		g_task_return_boolean(l->data, TRUE);
		g_object_unref(l->data);
	}
	g_list_free(tasks);
}

static void
cw_bybit_broker_time_got(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CwBybitBroker) self = cw_bybit_weak_take(user_data);
	g_autoptr(GError) error = NULL;
	CwBybitEnvelope env;
	gint64 now = g_get_real_time() / 1000;

	if (self == NULL)
		return;

	if (cw_bybit_broker_read(self, result, &env, NULL, &error) && env.ret_code == 0) {
		const char *nano =
		    json_object_get_string_member_with_default(env.result, "timeNano", NULL);
		gint64 server = env.time;

		if (nano != NULL && strlen(nano) > 6)
			server = g_ascii_strtoll(nano, NULL, 10) / 1000000;
		if (server > 0)
			self->clock_offset_ms = server - now;
		if (server > 0 && self->stream != NULL)
			cw_bybit_account_stream_set_clock_offset(self->stream,
								 self->clock_offset_ms);
	} else if (!g_error_matches(error, CW_NET_ERROR, CW_NET_ERROR_CANCELLED)) {
		g_warning("bybit %s: /v5/market/time: %s: keeping the local clock", self->symbol,
			  error != NULL ? error->message : env.ret_msg);
	}
	cw_bybit_envelope_clear(&env);
	if (!g_error_matches(error, CW_NET_ERROR, CW_NET_ERROR_CANCELLED)) {
		self->time_done = TRUE;
		cw_bybit_broker_start_finished(self);
		if (self->stream_up && self->stream_gap)
			cw_bybit_broker_catch_up(self);
		cw_bybit_broker_dispatch(self);
	}
}

static double
cw_bybit_broker_filter(JsonObject *item, const char *filter, const char *key)
{
	JsonNode *node = json_object_get_member(item, filter);
	const char *text;

	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node))
		return 0;
	text = json_object_get_string_member_with_default(json_node_get_object(node), key, NULL);
	return text != NULL ? g_ascii_strtod(text, NULL) : 0;
}

static void
cw_bybit_broker_compare(CwBybitBroker *self, const char *what, double config, double exchange)
{
	if (config > 0 && exchange > 0 && fabs(config - exchange) > 1e-12 * MAX(1, exchange))
		g_message("bybit %s: the config says %s %.10g, the exchange %.10g: using the "
			  "exchange's",
			  self->symbol, what, config, exchange);
}

static void
cw_bybit_broker_instruments_got(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CwBybitBroker) self = cw_bybit_weak_take(user_data);
	g_autoptr(GError) error = NULL;
	CwBybitEnvelope env;
	JsonArray *list = NULL;

	if (self == NULL)
		return;

	if (cw_bybit_broker_read(self, result, &env, NULL, &error) && env.ret_code == 0 &&
	    (list = cw_bybit_envelope_list(&env, &error)) != NULL &&
	    json_array_get_length(list) > 0 &&
	    JSON_NODE_HOLDS_OBJECT(json_array_get_element(list, 0))) {
		JsonObject *item = json_array_get_object_element(list, 0);
		CwInstrument got = self->instrument;

		got.tick_size = cw_bybit_broker_filter(item, "priceFilter", "tickSize");
		got.lot_step = cw_bybit_broker_filter(item, "lotSizeFilter", "qtyStep");
		got.min_qty = cw_bybit_broker_filter(item, "lotSizeFilter", "minOrderQty");
		got.min_notional =
		    cw_bybit_broker_filter(item, "lotSizeFilter", "minNotionalValue");
		cw_bybit_broker_compare(self, "tick size", self->config_instrument.tick_size,
					got.tick_size);
		cw_bybit_broker_compare(self, "lot step", self->config_instrument.lot_step,
					got.lot_step);
		cw_bybit_broker_compare(self, "minimum quantity", self->config_instrument.min_qty,
					got.min_qty);
		cw_bybit_broker_compare(self, "minimum notional",
					self->config_instrument.min_notional, got.min_notional);
		self->instrument = got;
	} else if (!g_error_matches(error, CW_NET_ERROR, CW_NET_ERROR_CANCELLED)) {
		g_warning("bybit %s: /v5/market/instruments-info: %s: using the config's rules",
			  self->symbol, error != NULL ? error->message : env.ret_msg);
	}
	cw_bybit_envelope_clear(&env);
	if (!g_error_matches(error, CW_NET_ERROR, CW_NET_ERROR_CANCELLED)) {
		self->instruments_done = TRUE;
		cw_bybit_broker_start_finished(self);
		/* the creates that waited for the rules */
		cw_bybit_broker_dispatch(self);
	}
}

static void
cw_bybit_broker_start(CwBybitBroker *self)
{
	g_autofree char *query = NULL;

	if (self->starting || self->cancellable == NULL)
		return;
	self->starting = TRUE;
	cw_bybit_broker_get(self, "/v5/market/time", "", FALSE, cw_bybit_broker_time_got,
			    cw_bybit_weak_new(self));
	if (!self->instruments_done) {
		query = g_strdup_printf("category=linear&symbol=%s", self->symbol);
		cw_bybit_broker_get(self, "/v5/market/instruments-info", query, FALSE,
				    cw_bybit_broker_instruments_got, cw_bybit_weak_new(self));
	}
	/* a configure that failed half way may have left the key out */
	if (self->stream == NULL && self->ws_url != NULL && *self->ws_url != '\0' &&
	    self->api_key != NULL && self->api_secret != NULL)
		cw_bybit_broker_join_stream(self);
}

/* Configuration --------------------------------------------------------------------- */

/* A secret from $name or from a file only its owner may read. */
static gboolean
cw_bybit_broker_read_secret(JsonObject *section, const char *env_key, const char *file_key,
			    char **out, GError **error)
{
	const char *env_name = NULL, *file = NULL;
	g_autofree char *contents = NULL;
	g_autoptr(GError) local = NULL;
	struct stat st;
	gsize len = 0;

	if (!cw_config_read_string(section, "broker", env_key, NULL, &env_name, error) ||
	    !cw_config_read_string(section, "broker", file_key, NULL, &file, error))
		return FALSE;
	if ((env_name == NULL) == (file == NULL)) {
		g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_MISSING,
			    "broker: exactly one of %s and %s is required", env_key, file_key);
		return FALSE;
	}
	if (env_name != NULL) {
		const char *value = g_getenv(env_name);

		if (value == NULL || *value == '\0') {
			g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_MISSING,
				    "broker.%s: the environment variable %s is not set", env_key,
				    env_name);
			return FALSE;
		}
		*out = g_strstrip(g_strdup(value));
		return TRUE;
	}
	if (stat(file, &st) != 0) {
		g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_IO, "broker.%s: %s: %s",
			    file_key, file, g_strerror(errno));
		return FALSE;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_INVALID,
			    "broker.%s: %s is not a regular file readable by its owner only "
			    "(mode %03o; chmod 600 it)",
			    file_key, file, (guint) (st.st_mode & 0777));
		return FALSE;
	}
	if (!g_file_get_contents(file, &contents, &len, &local)) {
		g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_IO, "broker.%s: %s", file_key,
			    local->message);
		return FALSE;
	}
	*out = g_strstrip(g_strdup(contents));
	memset(contents, 0, len);
	if (**out == '\0') {
		g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_INVALID,
			    "broker.%s: %s is empty", file_key, file);
		return FALSE;
	}
	return TRUE;
}

static char *
cw_bybit_broker_exchange_symbol(const char *symbol)
{
	GString *out = g_string_new(NULL);

	for (const char *c = symbol; *c != '\0'; c++) {
		if (g_ascii_isalnum(*c))
			g_string_append_c(out, g_ascii_toupper(*c));
	}
	return g_string_free(out, FALSE);
}

static gboolean
cw_bybit_broker_configure(CwBroker *broker, const CwBotConfig *config, JsonObject *section,
			  GError **error)
{
	static const char *const known[] = {
	    "type",
	    "network",
	    "rest_url",
	    "ws_url",
	    "api_key_env",
	    "api_secret_env",
	    "api_key_file",
	    "api_secret_file",
	    "recv_window_ms",
	    "timeout_s",
	    "unknown_position",
	    "reconcile_max_pages",
	    "history_days",
	    NULL,
	};
	static const char *const networks[] = {"mainnet", "testnet", "demo", NULL};
	static const char *const rest[] = {"https://api.bybit.com", "https://api-testnet.bybit.com",
					   "https://api-demo.bybit.com"};
	static const char *const ws[] = {"wss://stream.bybit.com/v5/private",
					 "wss://stream-testnet.bybit.com/v5/private",
					 "wss://stream-demo.bybit.com/v5/private"};
	static const char *const unknown[] = {"halt", "adopt", "flatten", NULL};
	CwBybitBroker *self = CW_BYBIT_BROKER(broker);
	const char *rest_url = NULL, *ws_url = NULL;
	guint network = 0, policy = 0;
	double recv_window = 5000;

	if (section == NULL) {
		g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_MISSING,
			    "broker: the bybit broker needs api_key_env/api_secret_env or "
			    "api_key_file/api_secret_file");
		return FALSE;
	}
	if (config == NULL || config->symbol == NULL || *config->symbol == '\0') {
		g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_MISSING,
			    "symbol: the bybit broker needs the bot's symbol");
		return FALSE;
	}
	if (config->profile == CW_PROFILE_LIVE &&
	    !cw_service_context_get_boolean(cw_service_context_get_default(), "service.allow_live",
					    FALSE)) {
		g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_INVALID,
			    "profile: a bot with the live profile trades real money: start the "
			    "service with serve --allow-live to let it");
		return FALSE;
	}
	if (!cw_config_check_keys(section, "broker", known, error) ||
	    !cw_config_read_choice(section, "broker", "network", networks, 0, &network, error) ||
	    !cw_config_read_string(section, "broker", "rest_url", rest[network], &rest_url,
				   error) ||
	    !cw_config_read_string(section, "broker", "ws_url", ws[network], &ws_url, error) ||
	    !cw_config_read_double(section, "broker", "recv_window_ms", 5000, 100, 60000,
				   &recv_window, error) ||
	    !cw_config_read_double(section, "broker", "timeout_s", 10, 0.5, 120, &self->timeout_s,
				   error) ||
	    !cw_config_read_choice(section, "broker", "unknown_position", unknown, 0, &policy,
				   error) ||
	    !cw_config_read_uint(section, "broker", "reconcile_max_pages",
				 CW_BYBIT_RECONCILE_MAX_PAGES, 1, 10000, &self->reconcile_max_pages,
				 error) ||
	    !cw_config_read_uint(section, "broker", "history_days", CW_BYBIT_HISTORY_DAYS, 1, 3650,
				 &self->history_days, error))
		return FALSE;
	if (!g_str_has_prefix(rest_url, "https://") && !g_str_has_prefix(rest_url, "http://")) {
		g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_INVALID,
			    "broker.rest_url: expected an http(s):// URL");
		return FALSE;
	}
	if (!g_str_has_prefix(ws_url, "wss://") && !g_str_has_prefix(ws_url, "ws://")) {
		g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_INVALID,
			    "broker.ws_url: expected a ws(s):// URL");
		return FALSE;
	}
	g_clear_pointer(&self->api_key, g_free);
	if (self->api_secret != NULL)
		memset(self->api_secret, 0, strlen(self->api_secret));
	g_clear_pointer(&self->api_secret, g_free);
	if (!cw_bybit_broker_read_secret(section, "api_key_env", "api_key_file", &self->api_key,
					 error) ||
	    !cw_bybit_broker_read_secret(section, "api_secret_env", "api_secret_file",
					 &self->api_secret, error))
		return FALSE;
	g_free(self->rest_url);
	self->rest_url = g_strdup(rest_url);
	while (g_str_has_suffix(self->rest_url, "/"))
		self->rest_url[strlen(self->rest_url) - 1] = '\0';
	g_free(self->ws_url);
	self->ws_url = g_strdup(ws_url);
	self->recv_window_ms = (gint64) recv_window;
	self->unknown_position = (CwBybitUnknownPosition) policy;
	g_free(self->symbol);
	self->symbol = cw_bybit_broker_exchange_symbol(config->symbol);
	self->symbol_quark = config->symbol_quark;
	self->config_instrument = config->instrument;
	self->instrument = config->instrument;
	g_object_set(self->session, "timeout", (guint) ceil(self->timeout_s), NULL);
	return TRUE;
}

/* The contract ----------------------------------------------------------------------- */

static CwBrokerCaps
cw_bybit_broker_get_capabilities(CwBroker *broker)
{
	return CW_BROKER_CAP_AMEND | CW_BROKER_CAP_NATIVE_STOP | CW_BROKER_CAP_REDUCE_ONLY;
}

static void
cw_bybit_broker_set_report_sink(CwBroker *broker, CwExecutionSink sink, gpointer user_data)
{
	CwBybitBroker *self = CW_BYBIT_BROKER(broker);

	self->sink = sink;
	self->sink_data = user_data;
}

static gboolean
cw_bybit_broker_submit(CwBroker *broker, const CwOrder *order, GError **error)
{
	CwBybitBroker *self = CW_BYBIT_BROKER(broker);
	const char *id = order->client_order_id;
	const CwInstrument *in = &self->instrument;
	CwBybitTrack *track;
	CwOrder given;
	char why[CW_REASON_LEN];

	if (self->api_key == NULL) {
		cw_broker_set_error(error, CW_BROKER_ERROR_REJECTED, 0, 0,
				    "the bybit broker is not configured");
		return FALSE;
	}
	if (id[0] == '\0' || memchr(id, '\0', CW_CLIENT_ORDER_ID_LEN) == NULL || strlen(id) > 36) {
		cw_broker_set_error(error, CW_BROKER_ERROR_REJECTED, 0, 0,
				    "order: a client order id of 1 to 36 characters is required");
		return FALSE;
	}
	given = *order;
	/* the venue's rules once instruments-info answered; before that only
	 * a positive qty, and the rules apply when the create is sent */
	if ((self->instruments_done || !(isfinite(order->qty) && order->qty > 0)) &&
	    !cw_bybit_broker_apply_rules(in, &given, why, sizeof why)) {
		cw_broker_set_error(error, CW_BROKER_ERROR_REJECTED, 0, 0, "order %s: %s", id, why);
		return FALSE;
	}
	if ((order->type == CW_ORDER_TYPE_LIMIT && !(isfinite(order->price) && order->price > 0)) ||
	    (order->type == CW_ORDER_TYPE_STOP &&
	     !(isfinite(order->stop_price) && order->stop_price > 0))) {
		cw_broker_set_error(error, CW_BROKER_ERROR_REJECTED, 0, 0,
				    "order %s: a limit needs a price, a stop a stop price", id);
		return FALSE;
	}
	track = cw_bybit_broker_track(self, id);
	if (track != NULL && !track->ended) {
		cw_broker_set_error(error, CW_BROKER_ERROR_REJECTED, 0, 0,
				    "order %s is already working", id);
		return FALSE;
	}
	track = g_new0(CwBybitTrack, 1);
	track->order = given;
	track->order.status = CW_ORDER_STATUS_PENDING_NEW;
	track->order.filled_qty = 0;
	track->order.avg_fill_price = 0;
	track->create_queued = TRUE;
	g_hash_table_replace(self->tracks, track->order.client_order_id, track);
	cw_bybit_broker_claim(self, track->order.client_order_id);
	cw_bybit_broker_enqueue(self, cw_bybit_req_new(self, CW_BYBIT_REQ_CREATE, id),
				cw_bybit_broker_is_protective(order), FALSE);
	return TRUE;
}

static gboolean
cw_bybit_broker_drop_queued(CwBybitBroker *self, GQueue *q, const char *id)
{
	for (GList *l = q->head; l != NULL; l = l->next) {
		CwBybitReq *req = l->data;

		if (req->kind == CW_BYBIT_REQ_CREATE && strcmp(req->link_id, id) == 0) {
			g_queue_delete_link(q, l);
			cw_bybit_req_free(req);
			return TRUE;
		}
	}
	return FALSE;
}

static gboolean
cw_bybit_broker_cancelled_idle(gpointer data)
{
	CwBybitReq *req = data;
	g_autoptr(CwBybitBroker) self = g_weak_ref_get(&req->self);
	CwBybitTrack *track = self != NULL ? cw_bybit_broker_track(self, req->link_id) : NULL;

	if (track != NULL)
		cw_bybit_broker_report(self, &track->order, NULL, NULL);
	cw_bybit_req_free(req);
	return G_SOURCE_REMOVE;
}

/* An order that the last reconcile found working and that this broker
 * does not track (a past life's): tracked from what the venue said, so a
 * cancel of it (reconcile) can be sent and reported. */
static CwBybitTrack *
cw_bybit_broker_adopt_venue_order(CwBybitBroker *self, const char *client_order_id)
{
	CwOrder *o = g_hash_table_lookup(self->venue_open, client_order_id);
	CwBybitTrack *track;

	if (o == NULL)
		return NULL;
	track = g_new0(CwBybitTrack, 1);
	track->order = *o;
	track->acked = TRUE;
	g_strlcpy(track->order_id, o->exchange_order_id, sizeof track->order_id);
	g_hash_table_remove(self->venue_open, client_order_id);
	g_hash_table_replace(self->tracks, track->order.client_order_id, track);
	return track;
}

/* A followed order (CwBroker.follow) as the venue says it stands: what it
 * filled beyond what was booked is reported as one fill at the average
 * price of the rest, and its executions up to then are accounted for
 * (followed_at), so a catch-up does not book them again. */
static void
cw_bybit_broker_book_unseen(CwBybitBroker *self, CwBybitTrack *track, double cum_qty,
			    double avg_price, gint64 updated)
{
	CwOrder *o = &track->order;
	double unseen = cum_qty - o->filled_qty;
	double price;
	CwFill fill;

	track->followed_at = MAX(track->followed_at, updated + 1);
	if (unseen <= 1e-12 * MAX(1.0, o->qty) || avg_price <= 0)
		return;
	price = (avg_price * cum_qty - o->avg_fill_price * o->filled_qty) / unseen;
	o->filled_qty = cum_qty;
	o->avg_fill_price = avg_price;
	o->status = cw_order_fill_status(o);
	if (o->status == CW_ORDER_STATUS_FILLED)
		track->ended = TRUE;
	if (updated > 0)
		o->updated_at = updated;
	cw_fill_init_from_order(&fill, o, unseen, price, o->updated_at);
	cw_bybit_broker_report(self, o, &fill, NULL);
}

/* CwBroker.follow: an order of an earlier life that the last reconcile
 * found working and the owner's restored state tracks (order: the owner's
 * view, with what it has booked). From here its pushes are this broker's;
 * what the venue had filled of it when the reconcile read it is booked
 * now; then it is looked up, since it may have filled or ended since.
 * Nothing is sent but the lookup. */
static void
cw_bybit_broker_follow(CwBroker *broker, const CwOrder *order)
{
	CwBybitBroker *self = CW_BYBIT_BROKER(broker);
	const CwOrder *venue = g_hash_table_lookup(self->venue_open, order->client_order_id);
	CwBybitTrack *track;

	if (cw_bybit_broker_track(self, order->client_order_id) != NULL)
		return; /* given, or followed, in this life */
	track = g_new0(CwBybitTrack, 1);
	track->order = *order;
	track->acked = TRUE;
	track->followed_at = 1;
	g_hash_table_replace(self->tracks, track->order.client_order_id, track);
	self->stats.followed++;
	cw_bybit_broker_claim(self, order->client_order_id);
	if (venue != NULL) {
		g_strlcpy(track->order_id, venue->exchange_order_id, sizeof track->order_id);
		g_strlcpy(track->order.exchange_order_id, venue->exchange_order_id,
			  sizeof track->order.exchange_order_id);
		cw_bybit_broker_book_unseen(self, track, venue->filled_qty, venue->avg_fill_price,
					    venue->updated_at);
		g_hash_table_remove(self->venue_open, order->client_order_id);
	}
	cw_bybit_broker_enqueue(
	    self, cw_bybit_req_new(self, CW_BYBIT_REQ_LOOKUP, order->client_order_id), TRUE, FALSE);
}

static gboolean
cw_bybit_broker_cancel(CwBroker *broker, const char *client_order_id, GError **error)
{
	CwBybitBroker *self = CW_BYBIT_BROKER(broker);
	CwBybitTrack *track = cw_bybit_broker_track(self, client_order_id);

	if (track == NULL)
		track = cw_bybit_broker_adopt_venue_order(self, client_order_id);

	if (track == NULL || track->ended) {
		cw_broker_set_error(error, CW_BROKER_ERROR_NOT_FOUND, 0, 0, "no working order %s",
				    client_order_id);
		return FALSE;
	}
	if (track->create_queued && !track->busy &&
	    (cw_bybit_broker_drop_queued(self, &self->high, client_order_id) ||
	     cw_bybit_broker_drop_queued(self, &self->low, client_order_id))) {
		/* never sent: cancelled here, reported from the main loop */
		track->ended = TRUE;
		track->create_queued = FALSE;
		track->order.status = CW_ORDER_STATUS_CANCELLED;
		g_idle_add(cw_bybit_broker_cancelled_idle,
			   cw_bybit_req_new(self, CW_BYBIT_REQ_CANCEL, client_order_id));
		return TRUE;
	}
	cw_bybit_broker_enqueue(self, cw_bybit_req_new(self, CW_BYBIT_REQ_CANCEL, client_order_id),
				TRUE, FALSE);
	return TRUE;
}

static void
cw_bybit_broker_cancel_all(CwBroker *broker)
{
	CwBybitBroker *self = CW_BYBIT_BROKER(broker);
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter it;
	gpointer value;

	g_hash_table_iter_init(&it, self->tracks);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		CwBybitTrack *track = value;

		if (!track->ended)
			g_ptr_array_add(ids, g_strdup(track->order.client_order_id));
	}
	for (guint i = 0; i < ids->len; i++)
		cw_bybit_broker_cancel(broker, ids->pdata[i], NULL);
}

static gboolean
cw_bybit_broker_amend(CwBroker *broker, const char *client_order_id, double qty, double price,
		      double stop_price, GError **error)
{
	CwBybitBroker *self = CW_BYBIT_BROKER(broker);
	CwBybitTrack *track = cw_bybit_broker_track(self, client_order_id);
	CwBybitReq *req;

	if (track == NULL || track->ended) {
		cw_broker_set_error(error, CW_BROKER_ERROR_NOT_FOUND, 0, 0, "no working order %s",
				    client_order_id);
		return FALSE;
	}
	if (!isfinite(qty) || qty < 0 || !isfinite(price) || price < 0 || !isfinite(stop_price) ||
	    stop_price < 0 || (qty > 0 && qty <= track->order.filled_qty)) {
		cw_broker_set_error(error, CW_BROKER_ERROR_REJECTED, 0, 0,
				    "order %s: invalid amendment", client_order_id);
		return FALSE;
	}
	req = cw_bybit_req_new(self, CW_BYBIT_REQ_AMEND, client_order_id);
	req->qty = cw_bybit_broker_round(qty, self->instrument.lot_step, TRUE);
	req->price = track->order.type == CW_ORDER_TYPE_LIMIT
			 ? cw_bybit_broker_round(price, self->instrument.tick_size, FALSE)
			 : 0;
	req->stop = track->order.type == CW_ORDER_TYPE_STOP
			? cw_bybit_broker_round(stop_price, self->instrument.tick_size, FALSE)
			: 0;
	cw_bybit_broker_enqueue(self, req, TRUE, FALSE);
	return TRUE;
}

static void
cw_bybit_broker_on_candle(CwBroker *broker, const CwCandle *candle)
{
	CwBybitBroker *self = (CwBybitBroker *) broker; /* our vtable */

	/* the venue matches; the first candle starts the broker if nobody did */
	if (G_UNLIKELY(!self->starting) && self->api_key != NULL)
		cw_bybit_broker_start(self);
}

static void
cw_bybit_broker_start_async(CwBroker *broker, GCancellable *cancellable,
			    GAsyncReadyCallback callback, gpointer user_data)
{
	CwBybitBroker *self = CW_BYBIT_BROKER(broker);
	GTask *task = g_task_new(broker, cancellable, callback, user_data);

	g_task_set_source_tag(task, cw_bybit_broker_start_async);
	if (self->api_key == NULL) {
		g_task_return_new_error(task, CW_BROKER_ERROR, CW_BROKER_ERROR_REJECTED,
					"the bybit broker is not configured");
		g_object_unref(task);
		return;
	}
	self->start_tasks = g_list_prepend(self->start_tasks, task);
	cw_bybit_broker_start(self);
	cw_bybit_broker_start_finished(self);
}

static gboolean
cw_bybit_broker_start_finish(CwBroker *broker, GAsyncResult *result, GError **error)
{
	return g_task_propagate_boolean(G_TASK(result), error);
}

/* lookup_order_async ------------------------------------------------------------------ */

static void
cw_bybit_broker_lookup_got(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GTask *task = user_data;
	CwBybitBroker *self = g_task_get_source_object(task);
	CwOrder *out = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	CwBybitEnvelope env;
	JsonArray *list = NULL;

	if (!cw_bybit_broker_read(self, result, &env, NULL, &error) ||
	    (env.ret_code == 0 && (list = cw_bybit_envelope_list(&env, &error)) == NULL)) {
		cw_bybit_envelope_clear(&env);
		g_task_return_new_error(task, CW_BROKER_ERROR, CW_BROKER_ERROR_TRANSIENT, "%s",
					error->message);
		g_object_unref(task);
		return;
	}
	if (env.ret_code != 0) {
		g_task_return_new_error(task, CW_BROKER_ERROR,
					env.ret_code == 10006 ? CW_BROKER_ERROR_RATE_LIMITED
							      : CW_BROKER_ERROR_TRANSIENT,
					"order lookup: retCode %" G_GINT64_FORMAT ": %s",
					env.ret_code, env.ret_msg);
		cw_bybit_envelope_clear(&env);
		g_object_unref(task);
		return;
	}
	for (guint i = 0; i < json_array_get_length(list); i++) {
		JsonNode *node = json_array_get_element(list, i);
		CwBybitOrderInfo info;
		CwBybitTrack *track;

		if (!JSON_NODE_HOLDS_OBJECT(node) ||
		    !cw_bybit_parse_order(json_node_get_object(node), "result.list[]", &info,
					  NULL) ||
		    strcmp(info.link_id, out->client_order_id) != 0)
			continue;
		track = cw_bybit_broker_track(self, info.link_id);
		if (track != NULL)
			*out = track->order;
		g_strlcpy(out->exchange_order_id, info.order_id, sizeof out->exchange_order_id);
		out->symbol = self->symbol_quark;
		out->side = info.side;
		out->type = info.type;
		out->status = info.status;
		out->reduce_only = info.reduce_only;
		out->qty = info.qty;
		out->price = info.price;
		out->stop_price = info.trigger;
		out->filled_qty = info.cum_qty;
		out->avg_fill_price = info.avg_price;
		out->updated_at = info.updated;
		cw_bybit_envelope_clear(&env);
		g_task_return_boolean(task, TRUE);
		g_object_unref(task);
		return;
	}
	cw_bybit_envelope_clear(&env);
	g_task_return_new_error(task, CW_BROKER_ERROR, CW_BROKER_ERROR_NOT_FOUND,
				"no order %s at the exchange", out->client_order_id);
	g_object_unref(task);
}

static void
cw_bybit_broker_lookup_order_async(CwBroker *broker, const char *client_order_id,
				   GCancellable *cancellable, GAsyncReadyCallback callback,
				   gpointer user_data)
{
	CwBybitBroker *self = CW_BYBIT_BROKER(broker);
	GTask *task = g_task_new(broker, cancellable, callback, user_data);
	CwOrder *out = g_new0(CwOrder, 1);
	g_autofree char *query = NULL;

	g_task_set_source_tag(task, cw_bybit_broker_lookup_order_async);
	g_strlcpy(out->client_order_id, client_order_id, sizeof out->client_order_id);
	g_task_set_task_data(task, out, g_free);
	query = g_strdup_printf("category=linear&symbol=%s&orderLinkId=%s", self->symbol,
				client_order_id);
	cw_bybit_broker_get(self, "/v5/order/realtime", query, TRUE, cw_bybit_broker_lookup_got,
			    task);
}

static gboolean
cw_bybit_broker_lookup_order_finish(CwBroker *broker, GAsyncResult *result, CwOrder *out,
				    GError **error)
{
	if (!g_task_propagate_boolean(G_TASK(result), error))
		return FALSE;
	*out = *(const CwOrder *) g_task_get_task_data(G_TASK(result));
	return TRUE;
}

/* get_balance_async ------------------------------------------------------------------ */

static void
cw_bybit_broker_balance_got(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GTask *task = user_data;
	CwBybitBroker *self = g_task_get_source_object(task);
	g_autoptr(GError) error = NULL;
	CwBybitEnvelope env;
	JsonArray *list = NULL;
	double *out = g_task_get_task_data(task);

	if (!cw_bybit_broker_read(self, result, &env, NULL, &error) || env.ret_code != 0 ||
	    (list = cw_bybit_envelope_list(&env, &error)) == NULL ||
	    json_array_get_length(list) == 0 ||
	    !JSON_NODE_HOLDS_OBJECT(json_array_get_element(list, 0))) {
		g_task_return_new_error(task, CW_BROKER_ERROR, CW_BROKER_ERROR_TRANSIENT,
					"wallet balance: %s",
					error != NULL ? error->message : env.ret_msg);
		cw_bybit_envelope_clear(&env);
		g_object_unref(task);
		return;
	}
	{
		JsonObject *account = json_array_get_object_element(list, 0);
		const char *total =
		    json_object_get_string_member_with_default(account, "totalWalletBalance", NULL);
		char *end = NULL;

		*out = total != NULL ? g_ascii_strtod(total, &end) : NAN;
		if (total == NULL || end == total || *end != '\0' || !isfinite(*out)) {
			g_task_return_new_error(
			    task, CW_BROKER_ERROR, CW_BROKER_ERROR_TRANSIENT,
			    "wallet balance: result.list[0].totalWalletBalance: "
			    "expected a decimal string");
			cw_bybit_envelope_clear(&env);
			g_object_unref(task);
			return;
		}
	}
	self->balance = *out;
	cw_bybit_envelope_clear(&env);
	g_task_return_boolean(task, TRUE);
	g_object_unref(task);
}

static void
cw_bybit_broker_get_balance_async(CwBroker *broker, GCancellable *cancellable,
				  GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new(broker, cancellable, callback, user_data);

	g_task_set_source_tag(task, cw_bybit_broker_get_balance_async);
	g_task_set_task_data(task, g_new0(double, 1), g_free);
	cw_bybit_broker_get(CW_BYBIT_BROKER(broker), "/v5/account/wallet-balance",
			    "accountType=UNIFIED", TRUE, cw_bybit_broker_balance_got, task);
}

static gboolean
cw_bybit_broker_get_balance_finish(CwBroker *broker, GAsyncResult *result, double *out,
				   GError **error)
{
	if (!g_task_propagate_boolean(G_TASK(result), error))
		return FALSE;
	*out = *(const double *) g_task_get_task_data(G_TASK(result));
	return TRUE;
}

/* reconcile_async: open orders, executions since, the position -------------------- */

typedef struct {
	CwBrokerState *state;
	gint64 since;
	gint64 win; /* the start of the 7-day window of this step's list */
	guint step;
	char *cursor; /* the list's nextPageCursor, NULL on its first page */
	guint pages;  /* of this window of this step's list, read so far */
} CwBybitReconcile;

static void
cw_bybit_reconcile_free(CwBybitReconcile *r)
{
	g_clear_pointer(&r->state, cw_broker_state_free);
	g_free(r->cursor);
	g_free(r);
}

static const char *const cw_bybit_reconcile_paths[] = {
    "/v5/order/realtime",
    "/v5/execution/list",
    "/v5/order/history",
    "/v5/position/list",
};

static void cw_bybit_broker_reconcile_step(GTask *task);

static void
cw_bybit_broker_order_from_info(CwBybitBroker *self, const CwBybitOrderInfo *info, CwOrder *o)
{
	CwBybitTrack *track = cw_bybit_broker_track(self, info->link_id);

	memset(o, 0, sizeof *o);
	if (track != NULL)
		*o = track->order;
	g_strlcpy(o->client_order_id, info->link_id, sizeof o->client_order_id);
	g_strlcpy(o->exchange_order_id, info->order_id, sizeof o->exchange_order_id);
	o->symbol = self->symbol_quark;
	o->side = info->side;
	o->type = info->type;
	o->status = info->status;
	o->reduce_only = info->reduce_only;
	o->qty = info->qty;
	o->price = info->price;
	o->stop_price = info->trigger;
	o->filled_qty = info->cum_qty;
	o->avg_fill_price = info->avg_price;
	o->created_at = info->created;
	o->updated_at = info->updated;
}

static gboolean
cw_bybit_broker_ended_has(CwBybitReconcile *r, const char *link_id, const CwOrder **out)
{
	for (guint k = 0; k < r->state->ended->len; k++) {
		const CwOrder *x = &g_array_index(r->state->ended, CwOrder, k);

		if (strcmp(x->client_order_id, link_id) == 0) {
			*out = x;
			return TRUE;
		}
	}
	return FALSE;
}

static void
cw_bybit_broker_reconcile_got(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GTask *task = user_data;
	CwBybitBroker *self = g_task_get_source_object(task);
	CwBybitReconcile *r = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	CwBybitEnvelope env;
	JsonArray *list = NULL;

	if (!cw_bybit_broker_read(self, result, &env, NULL, &error) || env.ret_code != 0 ||
	    (list = cw_bybit_envelope_list(&env, &error)) == NULL) {
		g_task_return_new_error(task, CW_BROKER_ERROR,
					env.ret_code == 10006 ? CW_BROKER_ERROR_RATE_LIMITED
							      : CW_BROKER_ERROR_TRANSIENT,
					"reconcile: %s",
					error != NULL ? error->message : env.ret_msg);
		cw_bybit_envelope_clear(&env);
		g_object_unref(task);
		return;
	}
	for (guint i = 0; i < json_array_get_length(list); i++) {
		JsonNode *node = json_array_get_element(list, i);
		g_autofree char *path = g_strdup_printf("result.list[%u]", i);
		JsonObject *obj;

		if (!JSON_NODE_HOLDS_OBJECT(node))
			continue;
		obj = json_node_get_object(node);
		if (r->step == 0) {
			CwBybitOrderInfo info;
			CwOrder o;

			if (!cw_bybit_parse_order(obj, path, &info, &error))
				break;
			cw_bybit_broker_order_from_info(self, &info, &o);
			g_array_append_val(r->state->open_orders, o);
			if (info.link_id[0] != '\0' &&
			    cw_bybit_broker_track(self, info.link_id) == NULL) {
				CwOrder *copy = g_memdup2(&o, sizeof o);

				g_hash_table_replace(self->venue_open, copy->client_order_id, copy);
			}
		} else if (r->step == 1) {
			CwBybitExec e;
			CwOrder o = {0};
			CwBybitTrack *track;
			gboolean merged = FALSE;

			if (!cw_bybit_parse_exec(obj, path, &e, &error))
				break;
			if (!e.trade)
				continue;
			/* newest first: an ended order's last execution (nothing
			 * left) comes before its earlier ones, on this page or an
			 * earlier one, and they merge into it; an execution that
			 * leaves some with no later one is of an order still open
			 * (in open_orders) */
			for (guint k = 0; k < r->state->ended->len && !merged; k++) {
				CwOrder *x = &g_array_index(r->state->ended, CwOrder, k);

				if (strcmp(x->exchange_order_id, e.order_id) == 0) {
					x->avg_fill_price =
					    (x->avg_fill_price * x->filled_qty + e.price * e.qty) /
					    (x->filled_qty + e.qty);
					x->filled_qty += e.qty;
					merged = TRUE;
				}
			}
			if (merged || e.leaves_qty > 0)
				continue;
			if ((track = cw_bybit_broker_track(self, e.link_id)) != NULL)
				o = track->order;
			g_strlcpy(o.client_order_id, e.link_id, sizeof o.client_order_id);
			g_strlcpy(o.exchange_order_id, e.order_id, sizeof o.exchange_order_id);
			o.symbol = self->symbol_quark;
			o.side = e.side;
			o.status = CW_ORDER_STATUS_FILLED;
			o.qty = e.order_qty > 0 ? e.order_qty : e.qty;
			o.filled_qty = e.qty;
			o.avg_fill_price = e.price;
			o.updated_at = e.time;
			g_array_append_val(r->state->ended, o);
		} else if (r->step == 2) {
			/* orders that ended without a fill since (cancelled by
			 * hand, rejected, deactivated); the filled ones came with
			 * their executions */
			CwBybitOrderInfo info;
			CwOrder o;
			const CwOrder *known = NULL;

			if (!cw_bybit_parse_order(obj, path, &info, &error))
				break;
			if (info.link_id[0] == '\0' ||
			    cw_bybit_broker_ended_has(r, info.link_id, &known))
				continue;
			cw_bybit_broker_order_from_info(self, &info, &o);
			g_array_append_val(r->state->ended, o);
		} else {
			CwBybitPosition pos;

			if (!cw_bybit_parse_position(obj, path, &pos, &error))
				break;
			if (strcmp(pos.symbol, self->symbol) == 0) {
				r->state->position = pos.size;
				r->state->entry_price = pos.size != 0 ? pos.avg_price : 0;
				self->exchange_position = pos.size;
			}
		}
	}
	if (error != NULL) {
		cw_bybit_envelope_clear(&env);
		g_task_return_new_error(task, CW_BROKER_ERROR, CW_BROKER_ERROR_TRANSIENT,
					"reconcile: %s", error->message);
		g_object_unref(task);
		return;
	}
	/* every page of the lists: what is left out would be guessed */
	if (r->step < 3) {
		const char *next =
		    json_object_get_string_member_with_default(env.result, "nextPageCursor", "");

		r->pages++;
		g_clear_pointer(&r->cursor, g_free);
		if (next != NULL && *next != '\0') {
			if (r->pages >= self->reconcile_max_pages) {
				g_task_return_new_error(
				    task, CW_BROKER_ERROR, CW_BROKER_ERROR_REJECTED,
				    "reconcile: %s since %" G_GINT64_FORMAT
				    " goes on past %u pages (broker.reconcile_max_pages): the "
				    "venue's view cannot be read whole",
				    cw_bybit_reconcile_paths[r->step], r->since,
				    self->reconcile_max_pages);
				cw_bybit_envelope_clear(&env);
				g_object_unref(task);
				return;
			}
			r->cursor = g_strdup(next);
			cw_bybit_envelope_clear(&env);
			cw_bybit_broker_reconcile_step(task);
			return;
		}
		r->pages = 0;
		if (r->step > 0 &&
		    r->win + CW_BYBIT_WINDOW_MS <= cw_bybit_broker_venue_now(self, &env)) {
			/* the next 7 days of the same list */
			r->win += CW_BYBIT_WINDOW_MS;
			cw_bybit_envelope_clear(&env);
			cw_bybit_broker_reconcile_step(task);
			return;
		}
		r->win = r->since;
	}
	if (r->step == 0) {
		/* before the executions are asked for: does the venue still keep them? */
		g_autofree char *gap = cw_bybit_broker_history_gap(
		    self, "reconcile", r->since, cw_bybit_broker_venue_now(self, &env));

		if (gap != NULL) {
			g_task_return_new_error(task, CW_BROKER_ERROR, CW_BROKER_ERROR_REJECTED,
						"%s", gap);
			cw_bybit_envelope_clear(&env);
			g_object_unref(task);
			return;
		}
	}
	cw_bybit_envelope_clear(&env);
	r->step++;
	cw_bybit_broker_reconcile_step(task);
}

G_STATIC_ASSERT((int) CW_BYBIT_UNKNOWN_HALT == (int) CW_BROKER_UNKNOWN_HALT);
G_STATIC_ASSERT((int) CW_BYBIT_UNKNOWN_ADOPT == (int) CW_BROKER_UNKNOWN_ADOPT);
G_STATIC_ASSERT((int) CW_BYBIT_UNKNOWN_FLATTEN == (int) CW_BROKER_UNKNOWN_FLATTEN);

static void
cw_bybit_broker_reconcile_step(GTask *task)
{
	CwBybitBroker *self = g_task_get_source_object(task);
	CwBybitReconcile *r = g_task_get_task_data(task);
	g_autofree char *query = NULL;
	g_autofree char *cursor = cw_bybit_cursor_param(r->cursor);
	g_autofree char *window = cw_bybit_window_param(r->win);

	/* the largest page each list allows (Bybit v5: realtime and history
	 * [1, 50], execution/list [1, 100]) */
	switch (r->step) {
	case 0:
		query =
		    g_strdup_printf("category=linear&symbol=%s&limit=50%s", self->symbol, cursor);
		break;
	case 1:
		query = g_strdup_printf("category=linear&symbol=%s%s&limit=100%s", self->symbol,
					window, cursor);
		break;
	case 2:
		query = g_strdup_printf("category=linear&symbol=%s%s&limit=50%s", self->symbol,
					window, cursor);
		break;
	case 3:
		query = g_strdup_printf("category=linear&symbol=%s", self->symbol);
		break;
	default:
		break;
	}
	if (query != NULL) {
		cw_bybit_broker_get(self, cw_bybit_reconcile_paths[r->step], query, TRUE,
				    cw_bybit_broker_reconcile_got, task);
		return;
	}
	r->state->balance = self->balance;
	r->state->unknown_position = (CwBrokerUnknownPolicy) self->unknown_position;
	g_task_return_pointer(task, g_steal_pointer(&r->state),
			      (GDestroyNotify) cw_broker_state_free);
	g_object_unref(task);
}

static void
cw_bybit_broker_reconcile_async(CwBroker *broker, gint64 since_ms, GCancellable *cancellable,
				GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new(broker, cancellable, callback, user_data);
	CwBybitReconcile *r = g_new0(CwBybitReconcile, 1);

	g_task_set_source_tag(task, cw_bybit_broker_reconcile_async);
	if (CW_BYBIT_BROKER(broker)->catch_up_fault != NULL) {
		g_task_return_new_error(task, CW_BROKER_ERROR, CW_BROKER_ERROR_REJECTED, "%s",
					CW_BYBIT_BROKER(broker)->catch_up_fault);
		g_object_unref(task);
		g_free(r);
		return;
	}
	r->since = since_ms;
	r->win = since_ms;
	g_hash_table_remove_all(CW_BYBIT_BROKER(broker)->venue_open);
	r->state = g_new0(CwBrokerState, 1);
	r->state->open_orders = g_array_new(FALSE, TRUE, sizeof(CwOrder));
	r->state->ended = g_array_new(FALSE, TRUE, sizeof(CwOrder));
	g_task_set_task_data(task, r, (GDestroyNotify) cw_bybit_reconcile_free);
	cw_bybit_broker_reconcile_step(task);
}

static CwBrokerState *
cw_bybit_broker_reconcile_finish(CwBroker *broker, GAsyncResult *result, GError **error)
{
	return g_task_propagate_pointer(G_TASK(result), error);
}

/* Takes over the working orders and the executions seen of old (a config edit). */
static void
cw_bybit_broker_adopt(CwBroker *broker, CwBroker *old_broker)
{
	CwBybitBroker *self = CW_BYBIT_BROKER(broker);
	CwBybitBroker *old = CW_BYBIT_BROKER(old_broker);
	GHashTableIter it;
	gpointer value;

	g_hash_table_iter_init(&it, old->tracks);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		CwBybitTrack *track = value;

		if (!track->ended &&
		    !g_hash_table_contains(self->tracks, track->order.client_order_id)) {
			CwBybitTrack *copy = g_memdup2(track, sizeof *track);
			copy->busy = FALSE;
			g_hash_table_insert(self->tracks, copy->order.client_order_id, copy);
			cw_bybit_broker_claim(self, copy->order.client_order_id);
		}
	}
	for (GList *l = old->seen_order.head; l != NULL; l = l->next)
		cw_bybit_broker_seen(self, l->data);
	self->last_exec_ms = MAX(self->last_exec_ms, old->last_exec_ms);
}

/* Life cycle ------------------------------------------------------------------------ */

static void
cw_bybit_broker_dispose(GObject *object)
{
	CwBybitBroker *self = CW_BYBIT_BROKER(object);
	GList *tasks = g_steal_pointer(&self->start_tasks);

	if (self->cancellable != NULL)
		g_cancellable_cancel(self->cancellable);
	for (GList *l = tasks; l != NULL; l = l->next) {
		g_task_return_new_error(l->data, CW_BROKER_ERROR, CW_BROKER_ERROR_TRANSIENT,
					"the broker was disposed before it started");
		g_object_unref(l->data);
	}
	g_list_free(tasks);
	if (self->stream != NULL) {
		/* its requests in flight are never answered here now */
		self->limit->in_flight -= MIN(self->limit->in_flight, self->in_flight);
		self->own_limit = *self->limit;
		self->limit = &self->own_limit;
		cw_bybit_account_stream_leave(self->stream, self->stream_member);
	}
	g_clear_object(&self->stream);
	g_clear_handle_id(&self->timer, g_source_remove);
	g_clear_handle_id(&self->catch_up_timer, g_source_remove);
	g_queue_clear_full(&self->high, (GDestroyNotify) cw_bybit_req_free);
	g_queue_clear_full(&self->low, (GDestroyNotify) cw_bybit_req_free);
	G_OBJECT_CLASS(cw_bybit_broker_parent_class)->dispose(object);
}

static void
cw_bybit_broker_finalize(GObject *object)
{
	CwBybitBroker *self = CW_BYBIT_BROKER(object);

	g_clear_object(&self->cancellable);
	g_clear_object(&self->session);
	g_hash_table_unref(self->tracks);
	g_hash_table_unref(self->venue_open);
	g_queue_clear(&self->seen_order);
	g_hash_table_unref(self->seen);
	if (self->api_secret != NULL)
		memset(self->api_secret, 0, strlen(self->api_secret));
	g_free(self->api_secret);
	g_free(self->api_key);
	g_free(self->catch_up_fault);
	g_free(self->rest_url);
	g_free(self->ws_url);
	g_free(self->symbol);
	G_OBJECT_CLASS(cw_bybit_broker_parent_class)->finalize(object);
}

static void
cw_bybit_broker_class_init(CwBybitBrokerClass *klass)
{
	G_OBJECT_CLASS(klass)->dispose = cw_bybit_broker_dispose;
	G_OBJECT_CLASS(klass)->finalize = cw_bybit_broker_finalize;
}

static void
cw_bybit_broker_init(CwBybitBroker *self)
{
	self->session =
	    soup_session_new_with_options("timeout", 10, "user-agent", "candlewick-bybit", NULL);
	self->cancellable = g_cancellable_new();
	self->tracks = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	self->venue_open = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	self->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_queue_init(&self->high);
	g_queue_init(&self->low);
	g_queue_init(&self->seen_order);
	self->recv_window_ms = 5000;
	self->timeout_s = 10;
	self->history_days = CW_BYBIT_HISTORY_DAYS;
	self->own_limit.limit_left = -1;
	self->own_limit.window_status = -1;
	self->limit = &self->own_limit;
}

static void
cw_bybit_broker_iface_init(CwBrokerInterface *iface)
{
	iface->get_capabilities = cw_bybit_broker_get_capabilities;
	iface->configure = cw_bybit_broker_configure;
	iface->set_report_sink = cw_bybit_broker_set_report_sink;
	iface->submit = cw_bybit_broker_submit;
	iface->cancel = cw_bybit_broker_cancel;
	iface->cancel_all = cw_bybit_broker_cancel_all;
	iface->amend = cw_bybit_broker_amend;
	iface->on_candle = cw_bybit_broker_on_candle;
	iface->adopt = cw_bybit_broker_adopt;
	iface->follow = cw_bybit_broker_follow;
	iface->start_async = cw_bybit_broker_start_async;
	iface->start_finish = cw_bybit_broker_start_finish;
	iface->lookup_order_async = cw_bybit_broker_lookup_order_async;
	iface->lookup_order_finish = cw_bybit_broker_lookup_order_finish;
	iface->get_balance_async = cw_bybit_broker_get_balance_async;
	iface->get_balance_finish = cw_bybit_broker_get_balance_finish;
	iface->reconcile_async = cw_bybit_broker_reconcile_async;
	iface->reconcile_finish = cw_bybit_broker_reconcile_finish;
}

/**
 * cw_bybit_broker_new:
 *
 * Returns: (transfer full): an unconfigured broker
 */
CwBybitBroker *
cw_bybit_broker_new(void)
{
	return g_object_new(CW_TYPE_BYBIT_BROKER, NULL);
}

const CwBybitBrokerStats *
cw_bybit_broker_get_stats(CwBybitBroker *self)
{
	return &self->stats;
}

gboolean
cw_bybit_broker_is_ready(CwBybitBroker *self)
{
	return self->time_done && self->instruments_done;
}

gboolean
cw_bybit_broker_stream_is_up(CwBybitBroker *self)
{
	return self->stream_up;
}

guint
cw_bybit_broker_get_n_pending(CwBybitBroker *self)
{
	return self->high.length + self->low.length + self->in_flight;
}

/**
 * cw_bybit_broker_get_blocked_until_ms:
 *
 * Returns: the local-clock time (ms) before which the rate limit holds
 * requests back, 0 when it never did
 */
gint64
cw_bybit_broker_get_blocked_until_ms(CwBybitBroker *self)
{
	return self->limit->blocked_until_ms;
}

double
cw_bybit_broker_get_exchange_position(CwBybitBroker *self)
{
	return self->exchange_position;
}

CwBybitUnknownPosition
cw_bybit_broker_get_unknown_position(CwBybitBroker *self)
{
	return self->unknown_position;
}
