/* The simulator's Bybit v5 private API on an in-process SoupServer on
 * 127.0.0.1: signatures, recv window, rate limits, the retCodes, matching
 * with the paper broker's rules, the audit and the private stream. */
#include "cw-sim-bybit-private.h"

#include "cw-config.h"
#include "cw-net.h"

#include <string.h>

#define KEY    "sim-key"
#define SECRET "sim-secret-value"

typedef struct {
	CwSimBybitPrivate *priv;
	SoupServer *server;
	SoupSession *session;
	char *base;
	gint64 now;
} Fixture;

static gint64
fixture_clock(gpointer data)
{
	return ((Fixture *) data)->now;
}

static void
on_http(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
	gpointer data)
{
	Fixture *f = data;

	if (!cw_sim_bybit_private_handle(f->priv, msg, path, query))
		soup_server_message_set_status(msg, 404, NULL);
}

static void
on_ws(SoupServer *server, SoupServerMessage *msg, const char *path, SoupWebsocketConnection *ws,
      gpointer data)
{
	cw_sim_bybit_private_on_websocket(((Fixture *) data)->priv, msg, ws);
}

static void
fixture_init(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	GSList *uris;

	memset(f, 0, sizeof *f);
	f->now = 1700000000000;
	f->priv = cw_sim_bybit_private_new(KEY, SECRET, 10000, fixture_clock, f);
	f->server = soup_server_new(NULL, NULL);
	soup_server_add_websocket_handler(f->server, "/v5/private", NULL, NULL, on_ws, f, NULL);
	soup_server_add_handler(f->server, NULL, on_http, f, NULL);
	g_assert_true(soup_server_listen_local(f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
	uris = soup_server_get_uris(f->server);
	f->base = g_strdup_printf("http://127.0.0.1:%d", g_uri_get_port(uris->data));
	g_slist_free_full(uris, (GDestroyNotify) g_uri_unref);
	f->session = soup_session_new();
}

static void
fixture_clear(Fixture *f)
{
	g_object_unref(f->session);
	soup_server_disconnect(f->server);
	g_object_unref(f->server);
	cw_sim_bybit_private_free(f->priv);
	g_free(f->base);
}

typedef struct {
	GBytes *body;
	SoupMessage *msg;
	gboolean done;
} Reply;

static void
sent(GObject *source, GAsyncResult *result, gpointer data)
{
	Reply *r = data;

	r->body = soup_session_send_and_read_finish(SOUP_SESSION(source), result, NULL);
	r->done = TRUE;
}

/* One signed request (ts_skew_ms shifts its timestamp); returns the parsed
 * answer, and its headers in *headers when asked. */
static JsonNode *
call_full(Fixture *f, const char *method, const char *path_query, const char *body, const char *key,
	  const char *secret, gint64 ts_skew_ms, char **limit_status)
{
	g_autofree char *url = g_strconcat(f->base, path_query, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new(method, url);
	const char *q = strchr(path_query, '?');
	const char *payload = body != NULL ? body : q != NULL ? q + 1 : "";
	gint64 ts = g_get_real_time() / 1000 + ts_skew_ms;
	char sign[CW_BYBIT_SIGN_LEN], tsbuf[24];
	SoupMessageHeaders *h = soup_message_get_request_headers(msg);
	Reply r = {0};
	gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	JsonNode *node;

	cw_bybit_sign_rest(secret, ts, key, 5000, payload, strlen(payload), sign);
	g_snprintf(tsbuf, sizeof tsbuf, "%" G_GINT64_FORMAT, ts);
	soup_message_headers_replace(h, "X-BAPI-API-KEY", key);
	soup_message_headers_replace(h, "X-BAPI-TIMESTAMP", tsbuf);
	soup_message_headers_replace(h, "X-BAPI-RECV-WINDOW", "5000");
	soup_message_headers_replace(h, "X-BAPI-SIGN", sign);
	if (body != NULL) {
		g_autoptr(GBytes) bytes = g_bytes_new(body, strlen(body));
		soup_message_set_request_body_from_bytes(msg, "application/json", bytes);
	}
	soup_session_send_and_read_async(f->session, msg, G_PRIORITY_DEFAULT, NULL, sent, &r);
	while (!r.done && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, TRUE);
	g_assert_true(r.done);
	g_assert_nonnull(r.body);
	if (limit_status != NULL)
		*limit_status = g_strdup(soup_message_headers_get_one(
		    soup_message_get_response_headers(msg), "X-Bapi-Limit-Status"));
	node = cw_json_parse(g_bytes_get_data(r.body, NULL), (gssize) g_bytes_get_size(r.body),
			     "answer", CW_JSON_PARSE_DEFAULT, NULL);
	g_bytes_unref(r.body);
	g_assert_nonnull(node);
	return node;
}

static JsonNode *
call(Fixture *f, const char *method, const char *path_query, const char *body)
{
	return call_full(f, method, path_query, body, KEY, SECRET, 0, NULL);
}

static gint64
ret_code(JsonNode *node)
{
	JsonObject *o = json_node_get_object(node);

	/* the real envelope, every member */
	g_assert_true(json_object_has_member(o, "retMsg"));
	g_assert_true(json_object_has_member(o, "result"));
	g_assert_true(json_object_has_member(o, "retExtInfo"));
	g_assert_true(json_object_has_member(o, "time"));
	return json_object_get_int_member(o, "retCode");
}

static JsonArray *
result_list(JsonNode *node)
{
	return json_object_get_array_member(
	    json_object_get_object_member(json_node_get_object(node), "result"), "list");
}

static void
candle(Fixture *f, double open, double high, double low, double close)
{
	CwCandle c = {0};

	f->now += 60000;
	c.open_time = f->now;
	c.interval_ms = 60000;
	c.open = open;
	c.high = high;
	c.low = low;
	c.close = close;
	c.volume = 1;
	cw_sim_bybit_private_on_candle(f->priv, "BTCUSDT", &c);
}

static void
test_auth(void)
{
	Fixture f;
	g_autoptr(JsonNode) bad_key = NULL, bad_sign = NULL, stale = NULL, ok = NULL;

	fixture_init(&f);
	bad_key = call_full(&f, "GET", "/v5/position/list?category=linear&symbol=BTCUSDT", NULL,
			    "other", SECRET, 0, NULL);
	g_assert_cmpint(ret_code(bad_key), ==, 10003);
	bad_sign = call_full(&f, "GET", "/v5/position/list?category=linear&symbol=BTCUSDT", NULL,
			     KEY, "wrong", 0, NULL);
	g_assert_cmpint(ret_code(bad_sign), ==, 10004);
	stale = call_full(&f, "GET", "/v5/position/list?category=linear&symbol=BTCUSDT", NULL, KEY,
			  SECRET, -6000, NULL);
	g_assert_cmpint(ret_code(stale), ==, 10002);
	ok = call(&f, "GET", "/v5/position/list?category=linear&symbol=BTCUSDT", NULL);
	g_assert_cmpint(ret_code(ok), ==, 0);
	g_assert_cmpstr(json_object_get_string_member(
			    json_array_get_object_element(result_list(ok), 0), "size"),
			==, "0");
	fixture_clear(&f);
}

static JsonObject *
first(JsonNode *node)
{
	return json_array_get_object_element(result_list(node), 0);
}

/* A market order fills at the next candle's open with the paper broker's
 * slippage and taker fee; the executions, the position and the wallet say so;
 * the audit counts the orderLinkId once and a second create is 110072. */
static void
test_market_fill(void)
{
	Fixture f;
	const char *create = "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\","
			     "\"orderType\":\"Market\",\"qty\":\"0.01\",\"orderLinkId\":\"cw-7-1\","
			     "\"positionIdx\":0,\"unknownKey\":true}";
	g_autoptr(JsonNode) created = NULL, dup = NULL, order = NULL, execs = NULL, pos = NULL;
	g_autoptr(JsonNode) wallet = NULL, audit = NULL;
	JsonObject *o;

	fixture_init(&f);
	candle(&f, 100, 101, 99, 100);
	created = call(&f, "POST", "/v5/order/create", create);
	g_assert_cmpint(ret_code(created), ==, 0);
	g_assert_cmpstr(json_object_get_string_member(
			    json_object_get_object_member(json_node_get_object(created), "result"),
			    "orderLinkId"),
			==, "cw-7-1");
	dup = call(&f, "POST", "/v5/order/create", create);
	g_assert_cmpint(ret_code(dup), ==, 110072);
	order = call(&f, "GET", "/v5/order/realtime?category=linear&orderLinkId=cw-7-1", NULL);
	g_assert_cmpstr(json_object_get_string_member(first(order), "orderStatus"), ==, "New");
	candle(&f, 200, 210, 190, 205);
	g_clear_pointer(&order, json_node_unref);
	order = call(&f, "GET", "/v5/order/realtime?category=linear&orderLinkId=cw-7-1", NULL);
	o = first(order);
	g_assert_cmpstr(json_object_get_string_member(o, "orderStatus"), ==, "Filled");
	g_assert_cmpstr(json_object_get_string_member(o, "cumExecQty"), ==, "0.01");
	/* 200 * (1 + 2 bps) */
	g_assert_cmpstr(json_object_get_string_member(o, "avgPrice"), ==, "200.04");
	execs = call(&f, "GET", "/v5/execution/list?category=linear&symbol=BTCUSDT", NULL);
	g_assert_cmpuint(json_array_get_length(result_list(execs)), ==, 1);
	o = first(execs);
	g_assert_cmpstr(json_object_get_string_member(o, "execPrice"), ==, "200.04");
	g_assert_cmpstr(json_object_get_string_member(o, "orderLinkId"), ==, "cw-7-1");
	g_assert_false(json_object_get_boolean_member(o, "isMaker"));
	g_assert_nonnull(json_object_get_string_member(o, "execId"));
	pos = call(&f, "GET", "/v5/position/list?category=linear&symbol=BTCUSDT", NULL);
	g_assert_cmpstr(json_object_get_string_member(first(pos), "side"), ==, "Buy");
	g_assert_cmpstr(json_object_get_string_member(first(pos), "size"), ==, "0.01");
	wallet = call(&f, "GET", "/v5/account/wallet-balance?accountType=UNIFIED", NULL);
	/* 10000 - 0.01 * 200.04 * 5.5 bps */
	g_assert_cmpfloat_with_epsilon(
	    g_ascii_strtod(json_object_get_string_member(first(wallet), "totalWalletBalance"),
			   NULL),
	    10000 - 0.01 * 200.04 * 5.5e-4, 1e-9);
	audit = cw_sim_bybit_private_get_audit(f.priv);
	o = json_node_get_object(audit);
	g_assert_cmpint(
	    json_object_get_int_member(json_object_get_object_member(o, "accepted"), "cw-7-1"), ==,
	    1);
	g_assert_cmpint(json_object_get_int_member(o, "duplicates_refused"), ==, 1);
	g_assert_cmpint(json_object_get_int_member(o, "max_per_link_id"), ==, 1);
	fixture_clear(&f);
}

/* 110017 reduce-only against no position; 110001 for unknown orders; a
 * sell stop rests Untriggered, moves by amend, fills at its trigger. */
static void
test_stop_and_codes(void)
{
	Fixture f;
	g_autoptr(JsonNode) ro = NULL, cancel = NULL, amend_missing = NULL, entry = NULL;
	g_autoptr(JsonNode) stop = NULL, amended = NULL, order = NULL, lev = NULL, lev2 = NULL;
	const char *stop_body =
	    "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Sell\","
	    "\"orderType\":\"Market\",\"qty\":\"0.01\",\"triggerPrice\":\"90\","
	    "\"triggerDirection\":2,\"reduceOnly\":true,\"orderLinkId\":\"cw-7-s\"}";

	fixture_init(&f);
	candle(&f, 100, 101, 99, 100);
	ro = call(&f, "POST", "/v5/order/create", stop_body);
	g_assert_cmpint(ret_code(ro), ==, 110017);
	cancel = call(&f, "POST", "/v5/order/cancel",
		      "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"orderLinkId\":\"nope\"}");
	g_assert_cmpint(ret_code(cancel), ==, 110001);
	g_assert_cmpstr(json_object_get_string_member(json_node_get_object(cancel), "retMsg"), ==,
			"order not exists or too late to cancel");
	amend_missing =
	    call(&f, "POST", "/v5/order/amend",
		 "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"orderLinkId\":\"nope\","
		 "\"triggerPrice\":\"95\"}");
	g_assert_cmpint(ret_code(amend_missing), ==, 110001);
	g_assert_cmpstr(
	    json_object_get_string_member(json_node_get_object(amend_missing), "retMsg"), ==,
	    "order not exists or too late to replace");
	entry = call(&f, "POST", "/v5/order/create",
		     "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\","
		     "\"orderType\":\"Market\",\"qty\":\"0.01\",\"orderLinkId\":\"cw-7-e\"}");
	g_assert_cmpint(ret_code(entry), ==, 0);
	candle(&f, 100, 101, 99, 100);
	stop = call(&f, "POST", "/v5/order/create", stop_body);
	g_assert_cmpint(ret_code(stop), ==, 0);
	amended = call(&f, "POST", "/v5/order/amend",
		       "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"orderLinkId\":\"cw-7-s\","
		       "\"triggerPrice\":\"95\"}");
	g_assert_cmpint(ret_code(amended), ==, 0);
	order = call(&f, "GET", "/v5/order/realtime?category=linear&symbol=BTCUSDT", NULL);
	g_assert_cmpuint(json_array_get_length(result_list(order)), ==, 1);
	g_assert_cmpstr(json_object_get_string_member(first(order), "orderStatus"), ==,
			"Untriggered");
	g_assert_cmpstr(json_object_get_string_member(first(order), "triggerPrice"), ==, "95");
	g_assert_cmpstr(json_object_get_string_member(first(order), "stopOrderType"), ==, "Stop");
	candle(&f, 99, 100, 94, 96);
	g_clear_pointer(&order, json_node_unref);
	order = call(&f, "GET", "/v5/order/realtime?category=linear&orderLinkId=cw-7-s", NULL);
	g_assert_cmpstr(json_object_get_string_member(first(order), "orderStatus"), ==, "Filled");
	/* 95 * (1 - 2 bps) */
	g_assert_cmpstr(json_object_get_string_member(first(order), "avgPrice"), ==, "94.981");
	lev = call(&f, "POST", "/v5/position/set-leverage",
		   "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"buyLeverage\":\"3\","
		   "\"sellLeverage\":\"3\"}");
	g_assert_cmpint(ret_code(lev), ==, 0);
	lev2 = call(&f, "POST", "/v5/position/set-leverage",
		    "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"buyLeverage\":\"3\","
		    "\"sellLeverage\":\"3\"}");
	g_assert_cmpint(ret_code(lev2), ==, 110043);
	fixture_clear(&f);
}

/* The per-key limit answers 10006 with the real headers. */
static void
test_rate_limit(void)
{
	Fixture f;
	g_autoptr(JsonNode) limited = NULL;
	g_autofree char *status = NULL;

	fixture_init(&f);
	cw_sim_bybit_private_get_faults(f.priv)->rate_limit_next = 1;
	limited = call_full(&f, "GET", "/v5/position/list?category=linear&symbol=BTCUSDT", NULL,
			    KEY, SECRET, 0, &status);
	g_assert_cmpint(ret_code(limited), ==, 10006);
	g_assert_cmpstr(status, ==, "0");
	g_clear_pointer(&status, g_free);
	for (guint i = 0; i < 25; i++) {
		g_autoptr(JsonNode) n =
		    call_full(&f, "GET", "/v5/position/list?category=linear&symbol=BTCUSDT", NULL,
			      KEY, SECRET, 0, NULL);
		if (ret_code(n) == 10006)
			break;
		g_assert_cmpuint(i, <, 20);
	}
	fixture_clear(&f);
}

/* clock_skew_ms moves the venue's clock: /v5/market/time, the recv window
 * and the rate-limit reset follow it; a timestamp on the local clock is
 * refused. */
static void
test_clock_skew(void)
{
	Fixture f;
	g_autoptr(JsonNode) faults = NULL, time = NULL, local = NULL, venue = NULL, bad = NULL;
	g_autofree char *status = NULL;
	gint64 now = g_get_real_time() / 1000;
	gint64 sec = 0;
	g_autoptr(GError) error = NULL;

	fixture_init(&f);
	faults = call(&f, "POST", "/sim/private-faults", "{\"clock_skew_ms\":-60000}");
	g_assert_cmpint(json_object_get_int_member(json_node_get_object(faults), "clock_skew_ms"),
			==, -60000);
	time = call(&f, "GET", "/v5/market/time", NULL);
	g_assert_true(g_ascii_string_to_signed(
	    json_object_get_string_member(
		json_object_get_object_member(json_node_get_object(time), "result"), "timeSecond"),
	    10, 0, G_MAXINT64, &sec, NULL));
	g_assert_cmpint(sec, >=, (now - 60000) / 1000 - 2);
	g_assert_cmpint(sec, <=, (now - 60000) / 1000 + 2);
	local = call(&f, "GET", "/v5/position/list?category=linear&symbol=BTCUSDT", NULL);
	g_assert_cmpint(ret_code(local), ==, 10002);
	venue = call_full(&f, "GET", "/v5/position/list?category=linear&symbol=BTCUSDT", NULL, KEY,
			  SECRET, -60000, &status);
	g_assert_cmpint(ret_code(venue), ==, 0);
	g_assert_false(cw_sim_bybit_private_set_fault(f.priv, "clock_skew_ms", "soon", &error));
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, "clock_skew_ms"));
	fixture_clear(&f);
}

typedef struct {
	GPtrArray *frames;
	SoupWebsocketConnection *ws;
} WsClient;

static void
ws_message(SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer data)
{
	WsClient *c = data;

	g_ptr_array_add(c->frames,
			g_strndup(g_bytes_get_data(message, NULL), g_bytes_get_size(message)));
}

static void
ws_connected(GObject *source, GAsyncResult *result, gpointer data)
{
	WsClient *c = data;

	c->ws = soup_session_websocket_connect_finish(SOUP_SESSION(source), result, NULL);
	g_assert_nonnull(c->ws);
	g_signal_connect(c->ws, "message", G_CALLBACK(ws_message), c);
}

static gboolean
ws_wait(WsClient *c, const char *needle)
{
	gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

	while (g_get_monotonic_time() < end) {
		for (guint i = 0; i < c->frames->len; i++) {
			if (strstr(c->frames->pdata[i], needle) != NULL)
				return TRUE;
		}
		g_main_context_iteration(NULL, TRUE);
	}
	return FALSE;
}

/* auth with a signature over GET/realtime+expires, subscribe, then the
 * order, execution, position and wallet pushes of a fill; twice the
 * execution when the fault says so. */
static void
test_private_stream(void)
{
	Fixture f;
	WsClient c = {g_ptr_array_new_with_free_func(g_free), NULL};
	g_autofree char *url = NULL;
	g_autoptr(SoupMessage) msg = NULL;
	g_autofree char *auth = NULL;
	g_autoptr(JsonNode) created = NULL;
	gint64 expires = g_get_real_time() / 1000 + 10000;
	char sign[CW_BYBIT_SIGN_LEN];
	gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	guint execs = 0;

	fixture_init(&f);
	cw_sim_bybit_private_get_faults(f.priv)->duplicate_exec_every = 1;
	url = g_strdup_printf("ws%s/v5/private", f.base + 4);
	msg = soup_message_new("GET", url);
	soup_session_websocket_connect_async(f.session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
					     ws_connected, &c);
	while (c.ws == NULL && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, TRUE);
	g_assert_nonnull(c.ws);
	soup_websocket_connection_send_text(c.ws, "{\"op\":\"subscribe\",\"args\":[\"order\"]}");
	g_assert_true(ws_wait(&c, "Request not authorized"));
	cw_bybit_sign_ws(SECRET, expires, sign);
	auth = g_strdup_printf(
	    "{\"req_id\":\"a1\",\"op\":\"auth\",\"args\":[\"%s\",%" G_GINT64_FORMAT ",\"%s\"]}",
	    KEY, expires, sign);
	soup_websocket_connection_send_text(c.ws, auth);
	g_assert_true(ws_wait(&c, "\"success\":true,\"ret_msg\":\"\",\"op\":\"auth\""));
	soup_websocket_connection_send_text(
	    c.ws,
	    "{\"op\":\"subscribe\",\"args\":[\"order\",\"execution\",\"position\",\"wallet\"]}");
	g_assert_true(ws_wait(&c, "\"op\":\"subscribe\""));
	candle(&f, 100, 101, 99, 100);
	created = call(&f, "POST", "/v5/order/create",
		       "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Sell\","
		       "\"orderType\":\"Market\",\"qty\":\"0.02\",\"orderLinkId\":\"cw-9-1\"}");
	g_assert_cmpint(ret_code(created), ==, 0);
	candle(&f, 100, 101, 99, 100);
	g_assert_true(ws_wait(&c, "\"topic\":\"wallet\""));
	g_assert_true(ws_wait(&c, "\"topic\":\"position\""));
	g_assert_true(ws_wait(&c, "\"orderStatus\":\"Filled\""));
	end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
	while (execs < 2 && g_get_monotonic_time() < end) {
		execs = 0;
		g_main_context_iteration(NULL, FALSE);
		for (guint i = 0; i < c.frames->len; i++)
			execs += strstr(c.frames->pdata[i], "\"topic\":\"execution\"") != NULL;
	}
	/* the duplicated push: the same execId twice */
	g_assert_cmpuint(execs, ==, 2);
	soup_websocket_connection_close(c.ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
	g_object_unref(c.ws);
	g_ptr_array_unref(c.frames);
	fixture_clear(&f);
}

/* A trade "by hand" through the control endpoint changes the position at
 * the last close, with an execution of an order no bot made; private
 * faults are set the same way. */
static void
test_hand_trade(void)
{
	Fixture f;
	g_autoptr(JsonNode) pos = NULL, execs = NULL, hand = NULL, faults = NULL;
	g_autofree char *url = NULL;

	fixture_init(&f);
	candle(&f, 100, 101, 99, 100);
	hand = call(&f, "POST", "/sim/position",
		    "{\"symbol\":\"BTCUSDT\",\"side\":\"Sell\",\"qty\":0.03}");
	g_assert_cmpstr(json_object_get_string_member(json_node_get_object(hand), "orderId"), ==,
			"manual-1");
	pos = call(&f, "GET", "/v5/position/list?category=linear&symbol=BTCUSDT", NULL);
	g_assert_cmpstr(json_object_get_string_member(first(pos), "side"), ==, "Sell");
	g_assert_cmpstr(json_object_get_string_member(first(pos), "size"), ==, "0.03");
	g_assert_cmpstr(json_object_get_string_member(first(pos), "avgPrice"), ==, "100");
	execs = call(&f, "GET", "/v5/execution/list?category=linear&symbol=BTCUSDT", NULL);
	g_assert_cmpstr(json_object_get_string_member(first(execs), "orderLinkId"), ==, "");
	faults = call(&f, "POST", "/sim/private-faults", "{\"partial_fill_every\":3}");
	g_assert_cmpint(
	    json_object_get_int_member(json_node_get_object(faults), "partial_fill_every"), ==, 3);
	g_assert_cmpuint(cw_sim_bybit_private_get_faults(f.priv)->partial_fill_every, ==, 3);
	fixture_clear(&f);
}

/* Paging as Bybit's: limit caps each page, nextPageCursor is an opaque,
 * percent-encoded token given back as it came, "" on the last page; every
 * execution is listed once, newest first; a cursor encoded twice (or made
 * up) is a params error. */
static void
test_paging(void)
{
	Fixture f;
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autofree char *cursor = NULL;
	guint pages = 0;

	fixture_init(&f);
	g_assert_true(cw_sim_bybit_private_set_fault(f.priv, "rate_limit_per_s", "1000", NULL));
	candle(&f, 100, 101, 99, 100);
	for (guint i = 0; i < 130; i++) {
		g_autoptr(JsonNode) hand =
		    call(&f, "POST", "/sim/position",
			 i % 2 == 0 ? "{\"symbol\":\"BTCUSDT\",\"side\":\"Sell\",\"qty\":0.01}"
				    : "{\"symbol\":\"BTCUSDT\",\"side\":\"Buy\",\"qty\":0.01}");
	}
	do {
		g_autofree char *path = g_strdup_printf(
		    "/v5/execution/list?category=linear&symbol=BTCUSDT&limit=100%s%s",
		    cursor != NULL ? "&cursor=" : "", cursor != NULL ? cursor : "");
		g_autoptr(JsonNode) page = call(&f, "GET", path, NULL);
		JsonArray *list;
		const char *next;

		g_assert_cmpint(ret_code(page), ==, 0);
		list = result_list(page);
		g_assert_cmpuint(json_array_get_length(list), <=, 100);
		for (guint i = 0; i < json_array_get_length(list); i++) {
			JsonObject *e = json_array_get_object_element(list, i);

			g_assert_true(g_hash_table_add(
			    seen, g_strdup(json_object_get_string_member(e, "execId"))));
		}
		next = json_object_get_string_member(
		    json_object_get_object_member(json_node_get_object(page), "result"),
		    "nextPageCursor");
		g_free(cursor);
		cursor = *next != '\0' ? g_strdup(next) : NULL;
		if (cursor != NULL)
			g_assert_nonnull(strstr(cursor, "%3A"));
		pages++;
	} while (cursor != NULL && pages < 10);
	g_assert_cmpuint(pages, ==, 2);
	g_assert_cmpuint(g_hash_table_size(seen), ==, 130);
	/* the cursor of the first page, encoded once more: refused */
	{
		g_autoptr(JsonNode) twice = call(
		    &f, "GET",
		    "/v5/execution/list?category=linear&symbol=BTCUSDT&cursor=100%253A100", NULL);
		g_autoptr(JsonNode) over = call(
		    &f, "GET", "/v5/order/history?category=linear&symbol=BTCUSDT&limit=51", NULL);
		g_autoptr(JsonNode) history = call(
		    &f, "GET", "/v5/order/history?category=linear&symbol=BTCUSDT&limit=50", NULL);

		g_assert_cmpint(ret_code(twice), ==, 10001);
		g_assert_cmpint(ret_code(over), ==, 10001);
		g_assert_cmpint(ret_code(history), ==, 0);
		g_assert_cmpuint(json_array_get_length(result_list(history)), ==, 50);
	}
	fixture_clear(&f);
}

static JsonNode *
execs_between(Fixture *f, gint64 start, gint64 end)
{
	g_autofree char *q = NULL;
	GString *s = g_string_new("/v5/execution/list?category=linear&symbol=BTCUSDT");

	if (start > 0)
		g_string_append_printf(s, "&startTime=%" G_GINT64_FORMAT, start);
	if (end > 0)
		g_string_append_printf(s, "&endTime=%" G_GINT64_FORMAT, end);
	q = g_string_free(s, FALSE);
	return call(f, "GET", q, NULL);
}

/* The history lists as Bybit's: a window of at most 7 days (retCode 10001
 * past it), a startTime alone means 7 days from it, nothing older than the
 * 730 days the venue keeps; the envelope's time is the venue's (the
 * clock its executions carry). */
static void
test_history_windows(void)
{
	Fixture f;
	const char *create =
	    "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\","
	    "\"orderType\":\"Market\",\"qty\":\"0.01\",\"orderLinkId\":\"cw-8-1\"}";
	const gint64 day = 24 * 3600 * 1000LL;
	g_autoptr(JsonNode) created = NULL, wide = NULL, old = NULL, late = NULL, near = NULL;
	g_autoptr(JsonNode) hist = NULL;
	gint64 t;

	fixture_init(&f);
	candle(&f, 100, 101, 99, 100);
	created = call(&f, "POST", "/v5/order/create", create);
	g_assert_cmpint(ret_code(created), ==, 0);
	candle(&f, 200, 210, 190, 205);
	t = f.now;
	g_assert_cmpint(json_object_get_int_member(json_node_get_object(created), "time"), ==,
			t - 60000);

	wide = execs_between(&f, t - 8 * day, t);
	g_assert_cmpint(ret_code(wide), ==, 10001);
	g_assert_cmpstr(json_object_get_string_member(json_node_get_object(wide), "retMsg"), ==,
			"The time range between startTime and endTime cannot exceed 7 days");
	/* startTime alone: [t - 8 days, t - 1 day], without the fill */
	late = execs_between(&f, t - 8 * day, 0);
	g_assert_cmpint(ret_code(late), ==, 0);
	g_assert_cmpuint(json_array_get_length(result_list(late)), ==, 0);
	near = execs_between(&f, t - 7 * day, t);
	g_assert_cmpint(ret_code(near), ==, 0);
	g_assert_cmpuint(json_array_get_length(result_list(near)), ==, 1);
	old = execs_between(&f, t - 731 * day, t - 725 * day);
	g_assert_cmpint(ret_code(old), ==, 10001);
	g_assert_cmpstr(json_object_get_string_member(json_node_get_object(old), "retMsg"), ==,
			"Can't query order earlier than 2 years");
	hist = call(&f, "GET",
		    "/v5/order/history?category=linear&symbol=BTCUSDT&startTime=1&endTime="
		    "999999999999",
		    NULL);
	g_assert_cmpint(ret_code(hist), ==, 10001);
	fixture_clear(&f);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/exchange-sim/private/auth", test_auth);
	g_test_add_func("/exchange-sim/private/market-fill", test_market_fill);
	g_test_add_func("/exchange-sim/private/stop-and-codes", test_stop_and_codes);
	g_test_add_func("/exchange-sim/private/rate-limit", test_rate_limit);
	g_test_add_func("/exchange-sim/private/clock-skew", test_clock_skew);
	g_test_add_func("/exchange-sim/private/stream", test_private_stream);
	g_test_add_func("/exchange-sim/private/hand-trade", test_hand_trade);
	g_test_add_func("/exchange-sim/private/paging", test_paging);
	g_test_add_func("/exchange-sim/private/history-windows", test_history_windows);
	return g_test_run();
}
