/* The exchange simulator against real libsoup clients on 127.0.0.1; what it
 * sends is read back with the project's own kline decoders. */

#include "cw-exchange-sim.h"

#include "cw-kline-frame.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#define TIMEOUT_MS 20000

static char *tmp_dir;
static SoupSession *session;
static CwKlineDecoder *decoder;

/* Candles 1m apart, varied and valid; the same for a given n. */
static char *
write_candles(const char *name, guint n)
{
	g_autoptr(GString) text = g_string_new("time,open,high,low,close,volume\n");
	char *path = g_build_filename(tmp_dir, name, NULL);
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < n; i++) {
		double open = 100 + (i % 17) * 0.5;
		double close = open + ((int) (i % 3) - 1) * 0.25;

		g_string_append_printf(text, "%u,%.2f,%.2f,%.2f,%.2f,%.3f\n", 1700000040 + i * 60,
				       open, MAX(open, close) + 0.5, MIN(open, close) - 0.5, close,
				       10 + i * 0.125);
	}
	g_file_set_contents(path, text->str, -1, &error);
	g_assert_no_error(error);
	return path;
}

static gboolean
timeout_cb(gpointer data)
{
	*(gboolean *) data = TRUE;
	return G_SOURCE_REMOVE;
}

/* Runs the loop until *flag or the timeout; every wait is bounded. */
static void
wait_flag(gboolean *flag, guint timeout_ms)
{
	gboolean expired = FALSE;
	guint id = g_timeout_add(timeout_ms, timeout_cb, &expired);

	while (!*flag && !expired)
		g_main_context_iteration(NULL, TRUE);
	if (!expired)
		g_source_remove(id);
}

static void
sleep_loop(guint ms)
{
	gboolean never = FALSE;

	wait_flag(&never, ms);
}

typedef struct {
	CwExchangeSim *sim;
	guint port;
} Sim;

static Sim
start_sim(const CwExchangeSimOptions *options)
{
	g_autoptr(GError) error = NULL;
	Sim s;

	s.sim = cw_exchange_sim_new(options, &error);
	g_assert_no_error(error);
	g_assert_true(cw_exchange_sim_start(s.sim, 0, &error));
	g_assert_no_error(error);
	s.port = cw_exchange_sim_get_port(s.sim);
	g_assert_cmpuint(s.port, >, 0);
	return s;
}

/* HTTP ----------------------------------------------------------------------- */

typedef struct {
	gboolean done;
	GBytes *body;
	guint status;
	SoupMessage *msg;
} Http;

static void
http_done(GObject *source, GAsyncResult *result, gpointer data)
{
	Http *h = data;

	h->body = soup_session_send_and_read_finish(SOUP_SESSION(source), result, NULL);
	h->done = TRUE;
}

/* GET or POST; returns the body, sets *status; *msg_out keeps the message. */
static char *
http(guint port, const char *method, const char *path_query, const char *body, guint *status,
     SoupMessage **msg_out)
{
	g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u%s", port, path_query);
	Http h = {0};
	char *text;

	h.msg = soup_message_new(method, url);
	g_assert_nonnull(h.msg);
	if (body != NULL) {
		g_autoptr(GBytes) bytes = g_bytes_new(body, strlen(body));

		soup_message_set_request_body_from_bytes(h.msg, "application/json", bytes);
	}
	soup_session_send_and_read_async(session, h.msg, G_PRIORITY_DEFAULT, NULL, http_done, &h);
	wait_flag(&h.done, TIMEOUT_MS);
	g_assert_true(h.done);
	g_assert_nonnull(h.body);
	*status = soup_message_get_status(h.msg);
	text = g_strndup(g_bytes_get_data(h.body, NULL), g_bytes_get_size(h.body));
	g_bytes_unref(h.body);
	if (msg_out != NULL)
		*msg_out = h.msg;
	else
		g_object_unref(h.msg);
	return text;
}

static char *
get_ok(guint port, const char *path_query)
{
	guint status = 0;
	char *text = http(port, "GET", path_query, NULL, &status, NULL);

	g_assert_cmpuint(status, ==, 200);
	return text;
}

static JsonNode *
parse(const char *text)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;

	json_parser_load_from_data(parser, text, -1, &error);
	g_assert_no_error(error);
	return json_node_copy(json_parser_get_root(parser));
}

static gint64
state_int(Sim *s, const char *member)
{
	g_autoptr(JsonNode) state = cw_exchange_sim_get_state(s->sim);

	return json_object_get_int_member(json_node_get_object(state), member);
}

/* WebSocket -------------------------------------------------------------------- */

typedef struct {
	SoupWebsocketConnection *ws;
	GPtrArray *frames; /* GBytes; binary frames are prefixed with one 0x01 byte */
	gboolean closed;
	gboolean done;
	GError *error;
} Client;

static void
client_message(SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer data)
{
	Client *c = data;
	gsize len = 0;
	const char *bytes = g_bytes_get_data(message, &len);

	if (type == SOUP_WEBSOCKET_DATA_BINARY) {
		g_autofree char *copy = g_malloc(len + 1);

		copy[0] = 1;
		memcpy(copy + 1, bytes, len);
		g_ptr_array_add(c->frames, g_bytes_new(copy, len + 1));
	} else {
		g_ptr_array_add(c->frames, g_bytes_ref(message));
	}
}

static void
client_error(SoupWebsocketConnection *ws, GError *error, gpointer data)
{
	Client *c = data;

	g_test_message("client error: %s %d %s", g_quark_to_string(error->domain), error->code,
		       error->message);
	if (c->error == NULL)
		c->error = g_error_copy(error);
}

static void
client_closed(SoupWebsocketConnection *ws, gpointer data)
{
	((Client *) data)->closed = TRUE;
}

static void
client_connected(GObject *source, GAsyncResult *result, gpointer data)
{
	Client *c = data;

	c->ws = soup_session_websocket_connect_finish(SOUP_SESSION(source), result, &c->error);
	c->done = TRUE;
}

static Client *
client_new(guint port, const char *path)
{
	g_autofree char *url = g_strdup_printf("ws://127.0.0.1:%u%s", port, path);
	g_autoptr(SoupMessage) msg = soup_message_new("GET", url);
	Client *c = g_new0(Client, 1);

	c->frames = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
	soup_session_websocket_connect_async(session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
					     client_connected, c);
	wait_flag(&c->done, TIMEOUT_MS);
	g_assert_no_error(c->error);
	g_assert_nonnull(c->ws);
	g_signal_connect(c->ws, "message", G_CALLBACK(client_message), c);
	g_signal_connect(c->ws, "closed", G_CALLBACK(client_closed), c);
	g_signal_connect(c->ws, "error", G_CALLBACK(client_error), c);
	return c;
}

static void
client_free(Client *c)
{
	g_signal_handlers_disconnect_by_data(c->ws, c);
	if (soup_websocket_connection_get_state(c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
		soup_websocket_connection_close(c->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
	g_object_unref(c->ws);
	g_ptr_array_unref(c->frames);
	g_clear_error(&c->error);
	g_free(c);
}

static gboolean
is_binary(GBytes *frame)
{
	return g_bytes_get_size(frame) > 0 &&
	       ((const char *) g_bytes_get_data(frame, NULL))[0] == 1;
}

static CwKlineFrame
decode(gboolean bybit, GBytes *bytes)
{
	gsize len = 0;
	const char *text = g_bytes_get_data(bytes, &len);
	CwKlineFrame frame;

	if (bybit)
		cw_bybit_kline_decode_frame(decoder, text, len, &frame);
	else
		cw_binance_kline_decode_frame(decoder, text, len, &frame);
	return frame;
}

/* Waits for the frame at index i and decodes it. */
static CwKlineFrame
next_frame(Client *c, gboolean bybit, guint i)
{
	gboolean expired = FALSE;
	guint id = g_timeout_add(TIMEOUT_MS, timeout_cb, &expired);

	while (c->frames->len <= i && !expired)
		g_main_context_iteration(NULL, TRUE);
	if (!expired)
		g_source_remove(id);
	g_assert_cmpuint(c->frames->len, >, i);
	return decode(bybit, c->frames->pdata[i]);
}

/* Loops until the simulator's file has ended plus settle_ms. */
static void
wait_ended(Sim *s, guint settle_ms)
{
	for (guint i = 0; i < TIMEOUT_MS / 10 && !state_int(s, "ended"); i++)
		sleep_loop(10);
	g_assert_cmpint(state_int(s, "ended"), ==, 1);
	sleep_loop(settle_ms);
}

static gboolean
same_candle(const CwCandle *a, const CwCandle *b)
{
	return a->open_time == b->open_time && a->interval_ms == b->interval_ms &&
	       a->open == b->open && a->high == b->high && a->low == b->low &&
	       a->close == b->close && a->volume == b->volume && a->symbol == b->symbol;
}

/* The confirmed candles of every kline frame from index `from`, in order. */
static GArray *
closed_candles(Client *c, gboolean bybit, guint from, guint *n_partials)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(CwCandle));

	for (guint i = from; i < c->frames->len; i++) {
		CwKlineFrame f;

		if (is_binary(c->frames->pdata[i]))
			continue;
		f = decode(bybit, c->frames->pdata[i]);
		for (guint u = 0; f.kind == CW_KLINE_FRAME_KLINE && u < f.n_updates; u++) {
			if (f.updates[u].closed)
				g_array_append_val(out, f.updates[u].candle);
			else if (n_partials != NULL)
				(*n_partials)++;
		}
	}
	return out;
}

/* Tests -------------------------------------------------------------------------- */

static void
test_bybit_stream(void)
{
	g_autofree char *path = write_candles("bybit.csv", 30);
	CwExchangeSimOptions o;
	Sim s;
	Client *c;
	Client *wrong;
	CwKlineFrame f;
	guint partials = 0;
	g_autoptr(GArray) got = NULL;
	GArray *file;
	guint last_partial_open = 0;

	cw_exchange_sim_options_init(&o);
	o.path = path;
	o.speed = 150;
	o.partials = 2;
	o.history = 10;
	o.wait_subscribers = 1;
	s = start_sim(&o);
	file = cw_exchange_sim_get_candles(s.sim);

	c = client_new(s.port, "/v5/public/linear");
	soup_websocket_connection_send_text(
	    c->ws, "{\"op\":\"subscribe\",\"args\":[\"kline.1.BTCUSDT\"],\"req_id\":\"r1\"}");
	f = next_frame(c, TRUE, 0);
	g_assert_cmpint(f.kind, ==, CW_KLINE_FRAME_SUBSCRIBED);
	g_assert_cmpstr(f.req_id, ==, "r1");
	soup_websocket_connection_send_text(c->ws, "{\"op\":\"ping\",\"req_id\":\"p1\"}");
	wrong = client_new(s.port, "/v5/public/spot");
	soup_websocket_connection_send_text(
	    wrong->ws, "{\"op\":\"subscribe\",\"args\":[\"kline.5.BTCUSDT\"],\"req_id\":\"w\"}");
	f = next_frame(wrong, TRUE, 0);
	g_assert_cmpint(f.kind, ==, CW_KLINE_FRAME_REJECTED);
	g_assert_nonnull(strstr(f.detail, "kline.5.BTCUSDT"));

	wait_ended(&s, 100);
	/* The pong arrives among the stream frames. */
	gboolean pong = FALSE;
	for (guint i = 1; i < c->frames->len; i++) {
		f = decode(TRUE, c->frames->pdata[i]);
		if (f.kind == CW_KLINE_FRAME_PONG) {
			pong = TRUE;
			g_assert_cmpstr(f.req_id, ==, "p1");
			continue;
		}
		g_assert_cmpint(f.kind, ==, CW_KLINE_FRAME_KLINE);
		g_assert_cmpstr(f.topic, ==, "kline.1.BTCUSDT");
		/* Two partials of a candle, then its confirmed frame. */
		if (!f.updates[0].closed) {
			const CwCandle *fc =
			    &g_array_index(file, CwCandle,
					   10 + (f.updates[0].candle.open_time -
						 g_array_index(file, CwCandle, 10).open_time) /
						    60000);

			last_partial_open++;
			g_assert_cmpint(f.updates[0].candle.open_time, ==, fc->open_time);
			g_assert_cmpfloat(f.updates[0].candle.volume, <, fc->volume);
			g_assert_cmpfloat(f.updates[0].candle.high, <=, fc->high);
			g_assert_cmpfloat(f.updates[0].candle.low, >=, fc->low);
		} else {
			g_assert_cmpuint(last_partial_open, ==, 2);
			last_partial_open = 0;
		}
	}
	g_assert_true(pong);
	got = closed_candles(c, TRUE, 1, &partials);
	g_assert_cmpuint(partials, ==, 2 * 20);
	g_assert_cmpuint(got->len, ==, 20);
	for (guint i = 0; i < got->len; i++)
		g_assert_true(same_candle(&g_array_index(got, CwCandle, i),
					  &g_array_index(file, CwCandle, 10 + i)));
	client_free(c);
	client_free(wrong);
	cw_exchange_sim_free(s.sim);
}

static void
test_binance_streams(void)
{
	g_autofree char *path = write_candles("binance.csv", 25);
	CwExchangeSimOptions o;
	Sim s;
	Client *raw;
	Client *combined;
	Client *subscribed;
	Client *other;
	CwKlineFrame f;
	GArray *file;

	cw_exchange_sim_options_init(&o);
	o.path = path;
	o.speed = 150;
	o.partials = 1;
	o.history = 5;
	o.wait_subscribers = 3;
	s = start_sim(&o);
	file = cw_exchange_sim_get_candles(s.sim);
	raw = client_new(s.port, "/ws/btcusdt@kline_1m");
	combined = client_new(s.port, "/stream?streams=ethusdt@kline_1m/btcusdt@kline_1m");
	subscribed = client_new(s.port, "/ws");
	other = client_new(s.port, "/ws/ethusdt@kline_1m");
	soup_websocket_connection_send_text(
	    subscribed->ws,
	    "{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@kline_1m\"],\"id\":7}");
	f = next_frame(subscribed, FALSE, 0);
	g_assert_cmpint(f.kind, ==, CW_KLINE_FRAME_SUBSCRIBED);
	g_assert_cmpstr(f.req_id, ==, "7");
	soup_websocket_connection_send_text(subscribed->ws,
					    "{\"method\":\"NOPE\",\"params\":[],\"id\":8}");
	wait_ended(&s, 100);

	Client *clients[] = {raw, combined, subscribed};
	for (guint k = 0; k < G_N_ELEMENTS(clients); k++) {
		g_autoptr(GArray) got = NULL;
		guint partials = 0;
		guint first = k == 2 ? 1 : 0;

		got = closed_candles(clients[k], FALSE, first, &partials);
		g_assert_cmpuint(got->len, ==, 20);
		g_assert_cmpuint(partials, ==, 20);
		for (guint i = 0; i < got->len; i++)
			g_assert_true(same_candle(&g_array_index(got, CwCandle, i),
						  &g_array_index(file, CwCandle, 5 + i)));
	}
	f = next_frame(combined, FALSE, 0);
	g_assert_cmpstr(f.topic, ==, "btcusdt@kline_1m");
	/* The unknown method's error answer is among the subscribed client's frames. */
	gboolean rejected = FALSE;
	for (guint i = 1; i < subscribed->frames->len; i++)
		rejected |=
		    decode(FALSE, subscribed->frames->pdata[i]).kind == CW_KLINE_FRAME_REJECTED;
	g_assert_true(rejected);
	g_assert_cmpuint(other->frames->len, ==, 0);
	client_free(raw);
	client_free(combined);
	client_free(subscribed);
	client_free(other);
	cw_exchange_sim_free(s.sim);
}

static GArray *
bybit_page(guint port, const char *query)
{
	g_autofree char *url = g_strdup_printf("/v5/market/kline?%s", query);
	g_autofree char *body = get_ok(port, url);
	GArray *out = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	CwKlinePageError error;

	if (!cw_bybit_kline_decode_page(decoder, body, strlen(body),
					g_quark_from_static_string("BTCUSDT"), 60000, out, &error))
		g_test_message("%s: %s", url, error.detail);
	g_assert_cmpint(error.error, ==, CW_KLINE_ERROR_NONE);
	return out;
}

static GArray *
binance_page(guint port, const char *path_query)
{
	g_autofree char *body = get_ok(port, path_query);
	GArray *out = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	CwKlinePageError error;

	g_assert_true(cw_binance_kline_decode_page(decoder, body, strlen(body),
						   g_quark_from_static_string("BTCUSDT"), 60000,
						   out, &error));
	return out;
}

static void
assert_range(GArray *got, GArray *file, guint first)
{
	for (guint i = 0; i < got->len; i++)
		g_assert_true(same_candle(&g_array_index(got, CwCandle, i),
					  &g_array_index(file, CwCandle, first + i)));
}

/* The page's newest row is candle `index` still forming: its open, and
 * prices and volume inside the final candle's; it goes from the page. */
static void
take_forming(GArray *page, GArray *file, guint index)
{
	const CwCandle *f = &g_array_index(page, CwCandle, page->len - 1);
	const CwCandle *c = &g_array_index(file, CwCandle, index);

	g_assert_cmpint(f->open_time, ==, c->open_time);
	g_assert_false(same_candle(f, c));
	g_assert_cmpfloat(f->open, ==, c->open);
	g_assert_cmpfloat(f->high, <=, c->high);
	g_assert_cmpfloat(f->low, >=, c->low);
	g_assert_cmpfloat(f->volume, <, c->volume);
	g_array_set_size(page, page->len - 1);
}

static void
assert_bybit_error(guint port, const char *query, gint64 code)
{
	g_autofree char *url = g_strdup_printf("/v5/market/kline?%s", query);
	g_autofree char *body = get_ok(port, url);
	g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	CwKlinePageError error;

	g_assert_false(
	    cw_bybit_kline_decode_page(decoder, body, strlen(body), 0, 60000, out, &error));
	g_assert_cmpint(error.exchange_code, ==, code);
}

static void
assert_binance_error(guint port, const char *path_query, guint status, gint64 code)
{
	guint got_status = 0;
	g_autofree char *body = http(port, "GET", path_query, NULL, &got_status, NULL);
	g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	CwKlinePageError error;

	g_assert_cmpuint(got_status, ==, status);
	g_assert_false(
	    cw_binance_kline_decode_page(decoder, body, strlen(body), 0, 60000, out, &error));
	g_assert_cmpint(error.exchange_code, ==, code);
}

static void
test_rest(void)
{
	g_autofree char *path = write_candles("rest.csv", 1700);
	CwExchangeSimOptions o;
	Sim s;
	GArray *file;
	guint closed;
	gint64 t500;
	g_autofree char *query = NULL;
	g_autoptr(JsonNode) node = NULL;
	g_autofree char *body = NULL;

	cw_exchange_sim_options_init(&o);
	o.path = path;
	o.speed = 0.01;
	o.history = 1600;
	s = start_sim(&o);
	file = cw_exchange_sim_get_candles(s.sim);
	closed = cw_exchange_sim_get_n_closed(s.sim);
	g_assert_cmpuint(closed, ==, 1600);
	t500 = g_array_index(file, CwCandle, 500).open_time;

	/* Capped at 1000, newest first on the wire, the forming candle (1600,
	 * just opened on the sim's clock) the newest row as the exchanges
	 * serve it, counted in the limit. */
	g_autoptr(GArray) newest = bybit_page(s.port, "category=linear&symbol=BTCUSDT&interval=1&"
						      "limit=5000&foo=bar");
	g_assert_cmpuint(newest->len, ==, 1000);
	take_forming(newest, file, 1600);
	assert_range(newest, file, 601);
	query = g_strdup_printf(
	    "category=linear&symbol=BTCUSDT&interval=1&end=%" G_GINT64_FORMAT "&limit=100", t500);
	g_autoptr(GArray) by_end = bybit_page(s.port, query);
	g_assert_cmpuint(by_end->len, ==, 100);
	assert_range(by_end, file, 401);
	g_free(query);
	query =
	    g_strdup_printf("symbol=BTCUSDT&interval=1&start=%" G_GINT64_FORMAT "&limit=10", t500);
	g_autoptr(GArray) by_start = bybit_page(s.port, query);
	g_assert_cmpuint(by_start->len, ==, 10);
	assert_range(by_start, file, 500);
	g_autoptr(GArray) dflt = bybit_page(s.port, "category=spot&symbol=BTCUSDT&interval=1");
	g_assert_cmpuint(dflt->len, ==, 200);
	/* The row's seventh field is the turnover, volume x close; the Date
	 * header is on the sim's clock, inside the forming candle. */
	{
		SoupMessage *msg = NULL;
		guint status = 0;
		g_autofree char *text =
		    http(s.port, "GET",
			 "/v5/market/kline?category=linear&symbol=BTCUSDT&interval=1&limit=2", NULL,
			 &status, &msg);
		g_autoptr(JsonNode) page = parse(text);
		JsonArray *row = json_array_get_array_element(
		    json_object_get_array_member(
			json_object_get_object_member(json_node_get_object(page), "result"),
			"list"),
		    1);
		const CwCandle *c = &g_array_index(file, CwCandle, 1599);
		const CwCandle *forming = &g_array_index(file, CwCandle, 1600);
		g_autoptr(GDateTime) date = soup_date_time_new_from_http_string(
		    soup_message_headers_get_one(soup_message_get_response_headers(msg), "Date"));

		g_object_unref(msg);
		g_assert_cmpuint(status, ==, 200);
		g_assert_cmpfloat_with_epsilon(
		    g_ascii_strtod(json_array_get_string_element(row, 6), NULL),
		    c->volume * c->close, 1e-6);
		g_assert_nonnull(date);
		g_assert_cmpint(g_date_time_to_unix(date) * 1000, >=, forming->open_time - 1000);
		g_assert_cmpint(g_date_time_to_unix(date) * 1000, <, forming->open_time + 60000);
	}

	assert_bybit_error(s.port, "category=linear&symbol=NOPE&interval=1", 10001);
	assert_bybit_error(s.port, "category=linear&symbol=BTCUSDT&interval=7", 10001);
	assert_bybit_error(s.port, "category=linear&symbol=BTCUSDT&interval=5", 10001);
	assert_bybit_error(s.port, "category=linear&symbol=BTCUSDT&interval=1&limit=abc", 10001);
	assert_bybit_error(s.port, "category=option&symbol=BTCUSDT&interval=1", 10001);
	assert_bybit_error(s.port, "category=linear&interval=1", 10001);

	g_autoptr(GArray) fut = binance_page(s.port, "/fapi/v1/klines?symbol=BTCUSDT&interval=1m&"
						     "limit=2000&timeZone=0");
	g_assert_cmpuint(fut->len, ==, 1500);
	take_forming(fut, file, 1600);
	assert_range(fut, file, 101);
	g_autoptr(GArray) spot = binance_page(s.port, "/api/v3/klines?symbol=BTCUSDT&interval=1m&"
						      "limit=2000");
	g_assert_cmpuint(spot->len, ==, 1000);
	take_forming(spot, file, 1600);
	assert_range(spot, file, 601);
	g_free(query);
	query = g_strdup_printf(
	    "/fapi/v1/klines?symbol=BTCUSDT&interval=1m&startTime=%" G_GINT64_FORMAT "&limit=3",
	    t500);
	g_autoptr(GArray) from = binance_page(s.port, query);
	g_assert_cmpuint(from->len, ==, 3);
	assert_range(from, file, 500);
	assert_binance_error(s.port, "/fapi/v1/klines?symbol=NOPE&interval=1m", 400, -1121);
	assert_binance_error(s.port, "/api/v3/klines?symbol=BTCUSDT&interval=7m", 400, -1120);
	assert_binance_error(s.port, "/api/v3/klines?interval=1m", 400, -1102);
	assert_binance_error(s.port, "/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=x", 400,
			     -1100);

	/* The other endpoints, in their envelopes. */
	body = get_ok(s.port, "/v5/market/time");
	node = parse(body);
	g_assert_cmpint(json_object_get_int_member(json_node_get_object(node), "retCode"), ==, 0);
	g_assert_nonnull(json_object_get_string_member(
	    json_object_get_object_member(json_node_get_object(node), "result"), "timeNano"));
	g_clear_pointer(&node, json_node_unref);
	g_free(body);
	body = get_ok(s.port, "/v5/market/instruments-info?category=linear&symbol=BTCUSDT");
	node = parse(body);
	JsonObject *inst = json_array_get_object_element(
	    json_object_get_array_member(
		json_object_get_object_member(json_node_get_object(node), "result"), "list"),
	    0);
	g_assert_cmpstr(json_object_get_string_member(
			    json_object_get_object_member(inst, "priceFilter"), "tickSize"),
			==, "0.1");
	g_assert_cmpstr(json_object_get_string_member(inst, "baseCoin"), ==, "BTC");
	g_clear_pointer(&node, json_node_unref);
	g_free(body);
	body = get_ok(s.port, "/v5/market/tickers?category=linear&symbol=BTCUSDT");
	node = parse(body);
	g_assert_cmpstr(
	    json_object_get_string_member(
		json_array_get_object_element(
		    json_object_get_array_member(
			json_object_get_object_member(json_node_get_object(node), "result"),
			"list"),
		    0),
		"symbol"),
	    ==, "BTCUSDT");
	g_clear_pointer(&node, json_node_unref);
	g_free(body);
	body = get_ok(s.port, "/fapi/v1/exchangeInfo");
	node = parse(body);
	g_assert_cmpstr(
	    json_object_get_string_member(
		json_array_get_object_element(
		    json_object_get_array_member(json_node_get_object(node), "symbols"), 0),
		"contractType"),
	    ==, "PERPETUAL");
	g_clear_pointer(&node, json_node_unref);
	g_free(body);
	body = get_ok(s.port, "/api/v3/time");
	node = parse(body);
	g_assert_cmpint(json_object_get_int_member(json_node_get_object(node), "serverTime"), >=,
			g_array_index(file, CwCandle, 1600).open_time);
	assert_binance_error(s.port, "/api/v3/exchangeInfo?symbol=NOPE", 400, -1121);
	cw_exchange_sim_free(s.sim);
}

static gboolean
hit(const CwSimFaults *f, guint every, guint salt, guint i)
{
	return cw_sim_faults_hit(f, every, salt, i);
}

static void
check_stream_faults(Client *c, gboolean bybit, GArray *file, const CwSimFaults *f, guint n)
{
	g_autoptr(GArray) got = closed_candles(c, bybit, bybit ? 1 : 0, NULL);
	g_autoptr(GArray) expected = g_array_new(FALSE, FALSE, sizeof(guint));
	guint n_bad = 0;
	guint kinds_seen = 0;
	gint held = -1;

	/* The order the faults produce: drops missing, duplicates twice, a
	 * reordered candle after the next streamed one. */
	for (guint i = 0; i < n; i++) {
		if (hit(f, f->drop_every, 1, i))
			continue;
		if (held < 0 && hit(f, f->reorder_every, 2, i)) {
			held = (gint) i;
			continue;
		}
		g_array_append_val(expected, i);
		if (hit(f, f->duplicate_every, 3, i))
			g_array_append_val(expected, i);
		if (held >= 0 && (guint) held != i) {
			guint h = (guint) held;

			g_array_append_val(expected, h);
			held = -1;
		}
	}
	if (held >= 0) {
		guint h = (guint) held;

		g_array_append_val(expected, h);
	}
	g_assert_cmpuint(got->len, ==, expected->len);
	for (guint i = 0; i < got->len; i++)
		g_assert_true(
		    same_candle(&g_array_index(got, CwCandle, i),
				&g_array_index(file, CwCandle, g_array_index(expected, guint, i))));
	/* Every bad frame decodes to the error its kind promises. */
	for (guint i = bybit ? 1 : 0; i < c->frames->len; i++) {
		GBytes *bytes = c->frames->pdata[i];
		CwKlineFrame frame;
		CwSimBad kind = cw_sim_faults_bad_kind(f, n_bad);

		if (is_binary(bytes)) {
			g_assert_cmpint(kind, ==, CW_SIM_BAD_BINARY);
			n_bad++;
			kinds_seen |= 1u << kind;
			continue;
		}
		frame = decode(bybit, bytes);
		if (frame.kind != CW_KLINE_FRAME_BAD)
			continue;
		if (frame.error != (CwKlineError) cw_sim_bad_expected_error(kind))
			g_test_message("bad frame %u (%s): %s %s", n_bad,
				       cw_sim_bad_to_string(kind),
				       cw_kline_error_to_string(frame.error), frame.detail);
		g_assert_cmpint(frame.error, ==, cw_sim_bad_expected_error(kind));
		n_bad++;
		kinds_seen |= 1u << kind;
	}
	g_assert_cmpuint(kinds_seen, ==, (1u << CW_SIM_N_BAD) - 1);
}

static void
test_stream_faults(void)
{
	g_autofree char *path = write_candles("faults.csv", 70);
	CwExchangeSimOptions o;
	Sim s;
	Client *bybit;
	Client *binance;
	GArray *file;
	guint expected_bad = 0;
	g_autoptr(JsonNode) state = NULL;

	cw_exchange_sim_options_init(&o);
	o.path = path;
	o.speed = 200;
	o.faults.drop_every = 5;
	o.faults.duplicate_every = 7;
	o.faults.reorder_every = 11;
	o.faults.bad_every = 3;
	o.faults.seed = 42;
	o.wait_subscribers = 2;
	s = start_sim(&o);
	file = cw_exchange_sim_get_candles(s.sim);
	bybit = client_new(s.port, "/v5/public/linear");
	soup_websocket_connection_send_text(
	    bybit->ws, "{\"op\":\"subscribe\",\"args\":[\"kline.1.BTCUSDT\"]}");
	g_assert_cmpint(next_frame(bybit, TRUE, 0).kind, ==, CW_KLINE_FRAME_SUBSCRIBED);
	binance = client_new(s.port, "/stream?streams=btcusdt@kline_1m");
	wait_ended(&s, 200);
	check_stream_faults(bybit, TRUE, file, &o.faults, 70);
	check_stream_faults(binance, FALSE, file, &o.faults, 70);

	/* Dropped candles are still served over REST. */
	g_autoptr(GArray) page = bybit_page(s.port, "category=linear&symbol=BTCUSDT&interval=1");
	g_assert_cmpuint(page->len, ==, 70);
	assert_range(page, file, 0);
	state = cw_exchange_sim_get_state(s.sim);
	for (guint i = 0; i < 70; i++)
		expected_bad += !hit(&o.faults, 5, 1, i) && hit(&o.faults, 3, 4, i);
	g_assert_cmpint(json_object_get_int_member(json_node_get_object(state), "bad_frames_sent"),
			==, expected_bad);
	g_assert_cmpuint(json_array_get_length(
			     json_object_get_array_member(json_node_get_object(state), "dropped")),
			 ==, 14);
	client_free(bybit);
	client_free(binance);
	cw_exchange_sim_free(s.sim);
}

static guint
kline_frames(Client *c, gboolean bybit)
{
	guint n = 0;

	for (guint i = 0; i < c->frames->len; i++)
		n += decode(bybit, c->frames->pdata[i]).kind == CW_KLINE_FRAME_KLINE;
	return n;
}

static void
test_connection_faults(void)
{
	g_autofree char *path = write_candles("conn.csv", 400);
	CwExchangeSimOptions o;
	Sim s;
	Client *c;
	guint status = 0;
	g_autofree char *body = NULL;

	cw_exchange_sim_options_init(&o);
	o.path = path;
	o.speed = 100;
	o.faults.close_after_frames = 5;
	o.wait_subscribers = 1;
	s = start_sim(&o);

	/* A clean close after exactly 5 stream frames. */
	c = client_new(s.port, "/ws/btcusdt@kline_1m");
	wait_flag(&c->closed, TIMEOUT_MS);
	g_assert_true(c->closed);
	g_assert_cmpuint(kline_frames(c, FALSE), ==, 5);
	g_assert_cmpint(soup_websocket_connection_get_close_code(c->ws), ==,
			SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
	g_assert_no_error(c->error);
	client_free(c);

	/* Changed mid-run: a TCP reset after 3 frames; no close frame. */
	body = http(s.port, "POST", "/sim/faults",
		    "{\"close_after_frames\":0,\"reset_after_frames\":3}", &status, NULL);
	g_assert_cmpuint(status, ==, 200);
	g_free(body);
	c = client_new(s.port, "/ws/btcusdt@kline_1m");
	wait_flag(&c->closed, TIMEOUT_MS);
	g_assert_true(c->closed);
	g_assert_cmpuint(kline_frames(c, FALSE), ==, 3);
	g_assert_cmpint(soup_websocket_connection_get_close_code(c->ws), !=,
			SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
	/* A reset, not an orderly FIN: the client's read fails with ECONNRESET. */
	g_assert_error(c->error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
	client_free(c);
	/* The simulator forgets both dead connections. */
	for (guint i = 0; i < 100; i++) {
		g_autoptr(JsonNode) st = cw_exchange_sim_get_state(s.sim);

		if (json_array_get_length(
			json_object_get_array_member(json_node_get_object(st), "connections")) == 0)
			break;
		sleep_loop(10);
	}
	{
		g_autoptr(JsonNode) st = cw_exchange_sim_get_state(s.sim);

		g_assert_cmpuint(json_array_get_length(json_object_get_array_member(
				     json_node_get_object(st), "connections")),
				 ==, 0);
	}

	/* Silent after 2 frames: open, but nothing more, not even pongs. */
	body = http(s.port, "POST", "/sim/faults",
		    "{\"reset_after_frames\":0,\"silent_after_frames\":2}", &status, NULL);
	g_assert_cmpuint(status, ==, 200);
	g_free(body);
	c = client_new(s.port, "/v5/public/linear");
	soup_websocket_connection_send_text(
	    c->ws, "{\"op\":\"subscribe\",\"args\":[\"kline.1.BTCUSDT\"]}");
	for (guint i = 0; i < TIMEOUT_MS / 10 && kline_frames(c, TRUE) < 2; i++)
		sleep_loop(10);
	soup_websocket_connection_send_text(c->ws, "{\"op\":\"ping\"}");
	sleep_loop(300);
	g_assert_cmpuint(kline_frames(c, TRUE), ==, 2);
	g_assert_cmpuint(c->frames->len, ==, 3); /* the ack and two klines */
	g_assert_false(c->closed);
	g_assert_cmpint(soup_websocket_connection_get_state(c->ws), ==, SOUP_WEBSOCKET_STATE_OPEN);
	client_free(c);

	/* A bad fault body names the known keys. */
	body = http(s.port, "POST", "/sim/faults", "{\"drop_evry\":1}", &status, NULL);
	g_assert_cmpuint(status, ==, 400);
	g_assert_nonnull(strstr(body, "drop_evry: unknown fault (known: close_after_frames"));
	g_free(body);
	body =
	    http(s.port, "POST", "/sim/faults", "{\"bad_kinds\":[\"nan\",\"x\"]}", &status, NULL);
	g_assert_cmpuint(status, ==, 400);
	g_assert_nonnull(strstr(body, "unknown kind"));
	cw_exchange_sim_free(s.sim);
}

static void
test_rest_faults(void)
{
	g_autofree char *path = write_candles("restfaults.csv", 50);
	CwExchangeSimOptions o;
	Sim s;
	guint status = 0;
	SoupMessage *msg = NULL;
	g_autofree char *body = NULL;
	gint64 t0;
	g_autoptr(JsonNode) state = NULL;
	const char *kline = "/v5/market/kline?category=linear&symbol=BTCUSDT&interval=1";

	cw_exchange_sim_options_init(&o);
	o.path = path;
	o.speed = 1;
	o.history = 40;
	s = start_sim(&o);
	body = http(s.port, "POST", "/sim/faults",
		    "{\"rate_limit_next\":1,\"rest_error_next\":1,\"rest_delay_ms\":0}", &status,
		    NULL);
	g_assert_cmpuint(status, ==, 200);
	g_free(body);

	body = http(s.port, "GET", kline, NULL, &status, &msg);
	g_assert_cmpuint(status, ==, 200);
	g_assert_nonnull(strstr(body, "\"retCode\":10006"));
	g_assert_cmpstr(soup_message_headers_get_one(soup_message_get_response_headers(msg),
						     "X-Bapi-Limit-Status"),
			==, "0");
	g_clear_object(&msg);
	g_free(body);
	body = http(s.port, "GET", kline, NULL, &status, NULL);
	g_assert_cmpuint(status, ==, 503);
	g_free(body);
	body = http(s.port, "GET", kline, NULL, &status, &msg);
	g_assert_cmpuint(status, ==, 200);
	g_assert_nonnull(strstr(body, "\"retCode\":0"));
	g_assert_cmpstr(soup_message_headers_get_one(soup_message_get_response_headers(msg),
						     "X-Bapi-Limit-Status"),
			==, "119");
	g_clear_object(&msg);
	g_free(body);

	body = http(s.port, "POST", "/sim/faults",
		    "{\"rate_limit_next\":1,\"rest_error_next\":1,\"rest_error_status\":502}",
		    &status, NULL);
	g_free(body);
	body =
	    http(s.port, "GET", "/fapi/v1/klines?symbol=BTCUSDT&interval=1m", NULL, &status, &msg);
	g_assert_cmpuint(status, ==, 429);
	g_assert_nonnull(strstr(body, "-1003"));
	g_assert_cmpstr(
	    soup_message_headers_get_one(soup_message_get_response_headers(msg), "Retry-After"), ==,
	    "1");
	g_clear_object(&msg);
	g_free(body);
	body = http(s.port, "GET", "/api/v3/time", NULL, &status, NULL);
	g_assert_cmpuint(status, ==, 502);
	g_free(body);

	body = http(s.port, "POST", "/sim/faults", "{\"rest_delay_ms\":300}", &status, NULL);
	g_free(body);
	t0 = g_get_monotonic_time();
	g_free(get_ok(s.port, "/api/v3/time"));
	g_assert_cmpint(g_get_monotonic_time() - t0, >=, 300 * 1000);

	state = parse(body = get_ok(s.port, "/sim/state"));
	g_assert_cmpint(json_object_get_int_member(json_node_get_object(state), "rest_faulted"), ==,
			4);
	g_assert_cmpint(json_object_get_int_member(
			    json_object_get_object_member(json_node_get_object(state), "faults"),
			    "rest_delay_ms"),
			==, 300);
	cw_exchange_sim_free(s.sim);
}

/* Closed candles of one symbol among a client's frames. */
static GArray *
closed_of(Client *c, gboolean bybit, const char *symbol)
{
	g_autoptr(GArray) all = closed_candles(c, bybit, 0, NULL);
	GArray *out = g_array_new(FALSE, FALSE, sizeof(CwCandle));

	for (guint i = 0; i < all->len; i++) {
		if (g_array_index(all, CwCandle, i).symbol == g_quark_from_string(symbol))
			g_array_append_val(out, g_array_index(all, CwCandle, i));
	}
	return out;
}

/* Two symbols: one connection of each kind carries both. */
static void
test_markets(void)
{
	g_autofree char *btc = write_candles("m-btc.csv", 20);
	g_autofree char *eth = write_candles("m-eth.csv", 15);
	g_autofree char *hourly = g_build_filename(tmp_dir, "m-1h.csv", NULL);
	g_autofree char *eth_market = g_strdup_printf("ethusdt=%s", eth);
	g_autofree char *hourly_market = g_strdup_printf("BTCUSDT=%s", hourly);
	g_autofree char *bad_market = g_strdup_printf("BTCUSDT=%s", btc);
	const char *markets[] = {eth_market, NULL};
	const char *bad_markets[] = {bad_market, NULL};
	const char *hourly_markets[] = {hourly_market, NULL};
	CwExchangeSimOptions o;
	g_autoptr(GError) error = NULL;
	Sim s;
	Client *bybit;
	Client *binance;
	GArray *btc_file;
	GArray *eth_file;
	CwKlineFrame f;

	g_file_set_contents(hourly,
			    "time,open,high,low,close,volume\n1700000000,1,1,1,1,1\n"
			    "1700003600,1,1,1,1,1\n",
			    -1, &error);
	g_assert_no_error(error);
	cw_exchange_sim_options_init(&o);
	o.path = btc;
	o.markets = bad_markets;
	g_assert_null(cw_exchange_sim_new(&o, &error));
	g_assert_error(error, CW_SIM_ERROR, CW_SIM_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "served twice at one interval"));
	g_clear_error(&error);
	/* the same symbol at another interval is another market */
	o.markets = hourly_markets;
	{
		g_autoptr(CwExchangeSim) two = cw_exchange_sim_new(&o, &error);

		g_assert_no_error(error);
		g_assert_nonnull(two);
	}

	o.markets = markets;
	o.speed = 150;
	o.history = 5;
	o.wait_subscribers = 2;
	s = start_sim(&o);
	btc_file = cw_exchange_sim_get_candles(s.sim);
	bybit = client_new(s.port, "/v5/public/linear");
	soup_websocket_connection_send_text(
	    bybit->ws, "{\"op\":\"subscribe\",\"args\":[\"kline.1.BTCUSDT\",\"kline.1.ETHUSDT\"],"
		       "\"req_id\":\"both\"}");
	f = next_frame(bybit, TRUE, 0);
	g_assert_cmpint(f.kind, ==, CW_KLINE_FRAME_SUBSCRIBED);
	binance = client_new(s.port, "/stream?streams=btcusdt@kline_1m/ethusdt@kline_1m");
	wait_ended(&s, 100);

	/* The ETH file as the simulator read it: REST serves it whole now. */
	eth_file = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	{
		g_autofree char *body =
		    get_ok(s.port,
			   "/v5/market/kline?category=linear&symbol=ETHUSDT&interval=1&limit=1000");
		CwKlinePageError page_error;

		g_assert_true(cw_bybit_kline_decode_page(decoder, body, strlen(body),
							 g_quark_from_string("ETHUSDT"), 60000,
							 eth_file, &page_error));
	}
	g_assert_cmpuint(eth_file->len, ==, 15);
	for (guint k = 0; k < 2; k++) {
		Client *c = k == 0 ? bybit : binance;
		g_autoptr(GArray) got_btc = closed_of(c, k == 0, "BTCUSDT");
		g_autoptr(GArray) got_eth = closed_of(c, k == 0, "ETHUSDT");

		g_assert_cmpuint(got_btc->len, ==, 15);
		g_assert_cmpuint(got_eth->len, ==, 10);
		assert_range(got_btc, btc_file, 5);
		assert_range(got_eth, eth_file, 5);
	}
	{
		g_autofree char *body = get_ok(s.port, "/fapi/v1/exchangeInfo");
		g_autoptr(JsonNode) node = parse(body);

		g_assert_cmpuint(json_array_get_length(json_object_get_array_member(
				     json_node_get_object(node), "symbols")),
				 ==, 2);
	}
	assert_binance_error(s.port, "/api/v3/klines?symbol=XRPUSDT&interval=1m", 400, -1121);
	g_array_unref(eth_file);
	client_free(bybit);
	client_free(binance);
	cw_exchange_sim_free(s.sim);
}

static gint64
bybit_time(guint port)
{
	g_autofree char *body = get_ok(port, "/v5/market/time");
	g_autoptr(JsonNode) node = parse(body);

	return json_object_get_int_member(json_node_get_object(node), "time");
}

/* The clock runs in the file's timeline: at the real pace, or at --speed
 * candles per second; it starts at candle --history, or when the awaited
 * subscribers are there. */
static void
test_clock(void)
{
	g_autofree char *path = write_candles("clock.csv", 100);
	CwExchangeSimOptions o;
	Sim s;
	GArray *file;
	gint64 t0, t1, wall0, wall;
	Client *c;

	cw_exchange_sim_options_init(&o);
	o.path = path;
	o.speed = 0; /* real time */
	o.history = 50;
	s = start_sim(&o);
	file = cw_exchange_sim_get_candles(s.sim);
	wall0 = g_get_monotonic_time();
	t0 = bybit_time(s.port);
	sleep_loop(300);
	t1 = bybit_time(s.port);
	wall = (g_get_monotonic_time() - wall0) / 1000;
	g_assert_cmpint(t0, >=, g_array_index(file, CwCandle, 50).open_time);
	g_assert_cmpint(t1 - t0, >=, 250);
	g_assert_cmpint(t1 - t0, <=, wall + 50);
	g_assert_cmpuint(cw_exchange_sim_get_n_closed(s.sim), ==, 50);
	cw_exchange_sim_free(s.sim);

	/* 2 candles a second of 1m candles: 120 ms of file time per ms. */
	o.speed = 2;
	o.wait_subscribers = 1;
	s = start_sim(&o);
	t0 = bybit_time(s.port);
	sleep_loop(200);
	g_assert_cmpint(bybit_time(s.port), ==, t0); /* waiting for a subscriber */
	c = client_new(s.port, "/ws/btcusdt@kline_1m");
	wall0 = g_get_monotonic_time();
	sleep_loop(300);
	t1 = bybit_time(s.port);
	wall = (g_get_monotonic_time() - wall0) / 1000;
	g_assert_cmpint(t1 - t0, >=, 250 * 120);
	g_assert_cmpint(t1 - t0, <=, (wall + 50) * 120);
	client_free(c);
	cw_exchange_sim_free(s.sim);
}

/* The real program: the listening line, the port file, REST, and both ways
 * of stopping. */
static void
test_process(void)
{
	const char *exe = g_getenv("CW_EXCHANGE_SIM");
	g_autofree char *path = write_candles("proc.csv", 20);
	g_autofree char *port_file = g_build_filename(tmp_dir, "port", NULL);
	g_autofree char *market = g_strdup_printf("ETHUSDT=%s", path);
	g_autoptr(GError) error = NULL;

	if (exe == NULL) {
		g_test_skip("CW_EXCHANGE_SIM is not set");
		return;
	}
	for (guint round = 0; round < 2; round++) {
		const char *argv[] = {exe,
				      "--candles",
				      path,
				      "--speed",
				      "100",
				      "--linger",
				      round == 0 ? "0.2" : "60",
				      "--port-file",
				      port_file,
				      "--fault",
				      "drop_every=3",
				      "--market",
				      market,
				      NULL};
		g_autoptr(GSubprocess) proc =
		    g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
		g_autoptr(GDataInputStream) out = NULL;
		g_autofree char *line = NULL;
		g_autofree char *rest = NULL;
		g_autofree char *file_port = NULL;
		guint port = 0;

		g_assert_no_error(error);
		out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(proc));
		line = g_data_input_stream_read_line(out, NULL, NULL, &error);
		g_assert_no_error(error);
		g_assert_true(g_str_has_prefix(line, "listening http://127.0.0.1:"));
		port = (guint) g_ascii_strtoull(line + strlen("listening http://127.0.0.1:"), NULL,
						10);
		g_assert_cmpuint(port, >, 0);
		g_file_get_contents(port_file, &file_port, NULL, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(g_ascii_strtoull(file_port, NULL, 10), ==, port);
		g_free(get_ok(port, "/v5/market/time"));
		{
			g_autofree char *body =
			    get_ok(port, "/v5/market/instruments-info?category=linear");

			g_assert_nonnull(strstr(body, "\"symbol\":\"BTCUSDT\""));
			g_assert_nonnull(strstr(body, "\"symbol\":\"ETHUSDT\""));
		}
		if (round == 1)
			g_subprocess_send_signal(proc, SIGTERM);
		/* Round 0 stops by itself: 20 candles at 100/s plus 0.2 s. */
		rest = g_data_input_stream_read_line(out, NULL, NULL, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(rest, ==, "stopped");
		g_subprocess_wait_check(proc, NULL, &error);
		g_assert_no_error(error);
	}
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	tmp_dir = g_dir_make_tmp("cw-exchange-sim-XXXXXX", NULL);
	session = soup_session_new();
	decoder = cw_kline_decoder_new();
	g_test_add_func("/exchange-sim/bybit/stream", test_bybit_stream);
	g_test_add_func("/exchange-sim/binance/streams", test_binance_streams);
	g_test_add_func("/exchange-sim/rest", test_rest);
	g_test_add_func("/exchange-sim/faults/stream", test_stream_faults);
	g_test_add_func("/exchange-sim/faults/connection", test_connection_faults);
	g_test_add_func("/exchange-sim/faults/rest", test_rest_faults);
	g_test_add_func("/exchange-sim/clock", test_clock);
	g_test_add_func("/exchange-sim/markets", test_markets);
	g_test_add_func("/exchange-sim/process", test_process);
	rc = g_test_run();
	cw_kline_decoder_free(decoder);
	g_object_unref(session);
	{
		g_autoptr(GDir) dir = g_dir_open(tmp_dir, 0, NULL);
		const char *name;

		while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
			g_autofree char *p = g_build_filename(tmp_dir, name, NULL);

			g_unlink(p);
		}
	}
	g_rmdir(tmp_dir);
	g_free(tmp_dir);
	return rc;
}
