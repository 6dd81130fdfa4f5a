/* The exchange simulator: a candle file replayed as Bybit v5 and Binance
 * serve market data, public WebSocket streams and REST, with faults. */

#include "cw-exchange-sim.h"

#include "cw-config.h"
#include "cw-kline-frame.h"
#include "cw-net.h"
#include "cw-streaming.h"

#include <math.h>
#include <string.h>
#include <sys/socket.h>

#define CW_SIM_TICK_MS         5
#define CW_SIM_EVENTS_PER_TICK 20000
#define CW_SIM_OVERSIZED_PAD   (80 * 1024)
#define CW_SIM_MAX_MARKETS     32

typedef enum {
	CW_SIM_WIRE_BYBIT,
	CW_SIM_WIRE_BINANCE_RAW,
	CW_SIM_WIRE_BINANCE_COMBINED,
	CW_SIM_N_WIRES
} CwSimWire;

typedef struct {
	CwExchangeSim *sim;
	SoupWebsocketConnection *ws;
	GSocket *socket;
	CwSimWire wire;
	gboolean spot;
	guint32 subscribed; /* bit mask of CwSimMarket.index */
	gboolean silent;
	gboolean gone;
	guint64 frames;
	char id[32];
} CwSimConn;

/* A frame's deviations from the true candle, for bad frames. */
typedef struct {
	const char *open;   /* raw JSON replacing the open value */
	const char *high;   /* raw JSON replacing the high value */
	const char *volume; /* raw JSON replacing the volume value */
	gboolean unknown_topic;
	gsize pad; /* bytes of padding member */
} CwSimOverride;

typedef struct {
	CwExchangeSim *sim;
	SoupServerMessage *msg;
	guint source;
} CwSimDelayed;

/* One symbol's candle file and where its replay stands. */
typedef struct {
	guint index; /* its bit in CwSimConn.subscribed */
	char *path;
	char *symbol;
	char *symbol_lower;
	gint64 interval_ms; /* its file's; a symbol may be served at several */
	const char *bybit_interval;
	const char *binance_interval;
	GArray *candles;
	char bybit_topic[CW_KLINE_TOPIC_LEN];
	char binance_stream[CW_KLINE_TOPIC_LEN];
	guint cursor_i;
	guint cursor_j;
	guint n_closed;
	gint64 held;
	GArray *dropped;
	double last_price;
} CwSimMarket;

struct _CwExchangeSim {
	CwExchangeSimOptions options;
	GPtrArray *markets; /* CwSimMarket; the first is --candles/--symbol */
	gint64 interval_ms;
	SoupServer *server;
	guint port;
	GPtrArray *conns;
	GList *delayed;
	gint64 start_us;
	gint64 request_ms; /* the sim's clock when the REST request being answered came */
	guint tick_id;
	guint64 n_bad_sent;
	guint64 n_frames_sent;
	guint64 n_rest;
	guint64 n_rest_faulted;
	guint64 n_conns;
	gboolean ended;
	gint64 ended_us;
	gboolean finished;
	GSourceFunc finished_func;
	gpointer finished_data;
	CwExchangeSimSentFunc sent_func;
	gpointer sent_data;

	CwSimBybitPrivate *priv;
	GPtrArray *accounts; /* CwSimBybitPrivate: priv (borrowed) first, then added ones */
};

void
cw_exchange_sim_options_init(CwExchangeSimOptions *options)
{
	memset(options, 0, sizeof *options);
	options->symbol = "BTCUSDT";
	options->speed = 10;
	options->linger = 2;
	options->tick_size = 0.1;
	options->qty_step = 0.001;
	options->min_qty = 0.001;
	options->min_notional = 5;
	options->balance = 10000;
	cw_sim_faults_init(&options->faults);
}

/* Numbers as the exchanges print them: shortest text that reads back. */
static const char *
cw_sim_num(double v, char *buf)
{
	g_ascii_formatd(buf, G_ASCII_DTOSTR_BUF_SIZE, "%.15g", v);
	if (g_ascii_strtod(buf, NULL) != v)
		g_ascii_formatd(buf, G_ASCII_DTOSTR_BUF_SIZE, "%.17g", v);
	return buf;
}

#define CW_SIM_MARKET(self, i) ((CwSimMarket *) (self)->markets->pdata[i])

/* Where the clock starts: the earliest open of a market's first streamed
 * candle (or the end of a market that --history covers whole). */
static gint64
cw_sim_base_ms(CwExchangeSim *self)
{
	gint64 base = G_MAXINT64;

	for (guint k = 0; k < self->markets->len; k++) {
		CwSimMarket *m = CW_SIM_MARKET(self, k);
		const CwCandle *c = (const CwCandle *) m->candles->data;
		guint n = m->candles->len;
		gint64 b = self->options.history < n ? c[self->options.history].open_time
						     : c[n - 1].open_time + m->interval_ms;

		base = MIN(base, b);
	}
	return base;
}

static gint64 cw_sim_now_ms(CwExchangeSim *self);

static gint64
cw_sim_clock(gpointer data)
{
	return cw_sim_now_ms(data);
}

static gint64
cw_sim_now_ms(CwExchangeSim *self)
{
	double rate =
	    self->options.speed > 0 ? self->options.speed * self->interval_ms / 1000.0 : 1.0;
	double elapsed_ms = (g_get_monotonic_time() - self->start_us) / 1000.0;
	gint64 base = cw_sim_base_ms(self);

	if (self->start_us == 0)
		return base;
	return base + (gint64) (elapsed_ms * rate);
}

/* Frames ------------------------------------------------------------------- */

static void
cw_sim_split_symbol(const char *symbol, char *base, char *quote, gsize len)
{
	static const char *const quotes[] = {"USDT", "USDC", "BUSD", "FDUSD", "BTC", "ETH", "USD"};

	for (guint i = 0; i < G_N_ELEMENTS(quotes); i++) {
		if (g_str_has_suffix(symbol, quotes[i]) && strlen(symbol) > strlen(quotes[i])) {
			g_strlcpy(base, symbol, MIN(len, strlen(symbol) - strlen(quotes[i]) + 1));
			g_strlcpy(quote, quotes[i], len);
			return;
		}
	}
	g_strlcpy(base, symbol, len);
	g_strlcpy(quote, "USDT", len);
}

/* A venue number: a JSON string, or the raw JSON a fault put there. */
static void
cw_sim_member_num(CwJsonWriter *w, const char *key, const char *raw, double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	cw_json_writer_key(w, key);
	if (raw != NULL)
		cw_json_writer_raw(w, raw);
	else
		cw_json_writer_string(w, cw_sim_num(v, buf));
}

static void
cw_sim_pad(CwJsonWriter *w, gsize pad)
{
	g_autofree char *x = NULL;

	if (pad == 0)
		return;
	x = g_strnfill(pad, 'x');
	cw_json_writer_member_string(w, "pad", x);
}

static void
cw_sim_bybit_frame(CwExchangeSim *self, const CwSimMarket *m, GString *out, const CwCandle *c,
		   gboolean closed, gint64 ts, const CwSimOverride *ov)
{
	g_autofree char *topic =
	    ov->unknown_topic ? g_strconcat("tickers.", m->symbol, NULL) : NULL;
	CwJsonWriter w;

	cw_json_writer_init(&w, out, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_string(&w, "topic", topic != NULL ? topic : m->bybit_topic);
	cw_json_writer_key(&w, "data");
	cw_json_writer_begin_array(&w);
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_int(&w, "start", c->open_time);
	cw_json_writer_member_int(&w, "end", c->open_time + m->interval_ms - 1);
	cw_json_writer_member_string(&w, "interval", m->bybit_interval);
	cw_sim_member_num(&w, "open", ov->open, c->open);
	cw_sim_member_num(&w, "close", NULL, c->close);
	cw_sim_member_num(&w, "high", ov->high, c->high);
	cw_sim_member_num(&w, "low", NULL, c->low);
	cw_sim_member_num(&w, "volume", ov->volume, c->volume);
	cw_sim_member_num(&w, "turnover", NULL, c->volume * c->close);
	cw_json_writer_member_boolean(&w, "confirm", closed);
	cw_json_writer_member_int(&w, "timestamp", ts);
	cw_json_writer_end_object(&w);
	cw_json_writer_end_array(&w);
	cw_json_writer_member_int(&w, "ts", ts);
	cw_json_writer_member_string(&w, "type", "snapshot");
	cw_sim_pad(&w, ov->pad);
	cw_json_writer_end_object(&w);
}

static void
cw_sim_binance_frame(CwExchangeSim *self, const CwSimMarket *m, GString *out, const CwCandle *c,
		     gboolean closed, gint64 ts, gboolean combined, const CwSimOverride *ov,
		     guint index)
{
	guint64 first_trade = (guint64) index * 100;
	CwJsonWriter w;

	cw_json_writer_init(&w, out, CW_JSON_WRITER_COMPACT);
	if (combined) {
		g_autofree char *stream =
		    ov->unknown_topic ? g_strconcat(m->symbol_lower, "@ticker", NULL) : NULL;
		cw_json_writer_begin_object(&w);
		cw_json_writer_member_string(&w, "stream",
					     stream != NULL ? stream : m->binance_stream);
		cw_json_writer_key(&w, "data");
	}
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_string(&w, "e", ov->unknown_topic ? "24hrTicker" : "kline");
	cw_json_writer_member_int(&w, "E", ts);
	cw_json_writer_member_string(&w, "s", m->symbol);
	cw_json_writer_key(&w, "k");
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_int(&w, "t", c->open_time);
	cw_json_writer_member_int(&w, "T", c->open_time + m->interval_ms - 1);
	cw_json_writer_member_string(&w, "s", m->symbol);
	cw_json_writer_member_string(&w, "i", m->binance_interval);
	cw_json_writer_member_uint(&w, "f", first_trade);
	cw_json_writer_member_uint(&w, "L", first_trade + 99);
	cw_sim_member_num(&w, "o", ov->open, c->open);
	cw_sim_member_num(&w, "c", NULL, c->close);
	cw_sim_member_num(&w, "h", ov->high, c->high);
	cw_sim_member_num(&w, "l", NULL, c->low);
	cw_sim_member_num(&w, "v", ov->volume, c->volume);
	cw_json_writer_member_int(&w, "n", 100);
	cw_json_writer_member_boolean(&w, "x", closed);
	cw_sim_member_num(&w, "q", NULL, c->volume * c->close);
	cw_sim_member_num(&w, "V", NULL, c->volume / 2);
	cw_sim_member_num(&w, "Q", NULL, c->volume * c->close / 2);
	cw_json_writer_member_string(&w, "B", "0");
	cw_json_writer_end_object(&w);
	cw_sim_pad(&w, ov->pad);
	cw_json_writer_end_object(&w);
	if (combined)
		cw_json_writer_end_object(&w);
}

static void
cw_sim_build(CwExchangeSim *self, const CwSimMarket *m, CwSimWire wire, GString *out,
	     const CwCandle *c, gboolean closed, gint64 ts, const CwSimOverride *ov, guint index)
{
	if (wire == CW_SIM_WIRE_BYBIT)
		cw_sim_bybit_frame(self, m, out, c, closed, ts, ov);
	else
		cw_sim_binance_frame(self, m, out, c, closed, ts,
				     wire == CW_SIM_WIRE_BINANCE_COMBINED, ov, index);
}

/* Connections ---------------------------------------------------------------- */

static void
cw_sim_conn_free(gpointer data)
{
	CwSimConn *conn = data;

	if (conn->ws != NULL) {
		g_signal_handlers_disconnect_by_data(conn->ws, conn);
		if (soup_websocket_connection_get_state(conn->ws) == SOUP_WEBSOCKET_STATE_OPEN)
			soup_websocket_connection_close(conn->ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
							"simulator stopped");
		g_object_unref(conn->ws);
	}
	g_clear_object(&conn->socket);
	g_free(conn);
}

/* SO_LINGER 0 then close: the peer sees a TCP reset, not a close frame. */
static void
cw_sim_conn_reset(CwSimConn *conn)
{
	struct linger lin = {.l_onoff = 1, .l_linger = 0};

	conn->gone = TRUE;
	if (conn->socket != NULL) {
		setsockopt(g_socket_get_fd(conn->socket), SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
		g_socket_close(conn->socket, NULL);
	}
	g_io_stream_close(soup_websocket_connection_get_io_stream(conn->ws), NULL, NULL);
}

static void
cw_sim_conn_close(CwSimConn *conn)
{
	conn->gone = TRUE;
	soup_websocket_connection_close(conn->ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
					"simulated close");
}

/* A stream frame went out: the per-connection faults count it. */
static void
cw_sim_conn_sent(CwSimConn *conn)
{
	const CwSimFaults *f = &conn->sim->options.faults;

	conn->frames++;
	conn->sim->n_frames_sent++;
	if (f->close_after_frames > 0 && conn->frames >= f->close_after_frames)
		cw_sim_conn_close(conn);
	else if (f->reset_after_frames > 0 && conn->frames >= f->reset_after_frames)
		cw_sim_conn_reset(conn);
	else if (f->silent_after_frames > 0 && conn->frames >= f->silent_after_frames) {
		conn->silent = TRUE;
		soup_websocket_connection_set_keepalive_interval(conn->ws, 0);
	}
}

static gboolean
cw_sim_conn_live(CwSimConn *conn)
{
	return !conn->gone && !conn->silent &&
	       soup_websocket_connection_get_state(conn->ws) == SOUP_WEBSOCKET_STATE_OPEN;
}

static void
cw_sim_conn_send(CwSimConn *conn, const char *text)
{
	if (cw_sim_conn_live(conn))
		soup_websocket_connection_send_text(conn->ws, text);
}

/* Sends one candle update (or a bad frame) to every subscribed connection. */
static void
cw_sim_broadcast(CwExchangeSim *self, CwSimMarket *m, const CwCandle *c, gboolean closed, gint64 ts,
		 const CwSimOverride *ov, guint index, gboolean binary, gssize truncate)
{
	GString *text[CW_SIM_N_WIRES] = {NULL};
	g_autoptr(GPtrArray) conns = g_ptr_array_new();

	/* A send can close a connection: walk a copy. */
	for (guint i = 0; i < self->conns->len; i++)
		g_ptr_array_add(conns, self->conns->pdata[i]);
	for (guint i = 0; i < conns->len; i++) {
		CwSimConn *conn = conns->pdata[i];
		GString *frame;

		if ((conn->subscribed & (1u << m->index)) == 0 || !cw_sim_conn_live(conn))
			continue;
		if (text[conn->wire] == NULL) {
			text[conn->wire] = g_string_new(NULL);
			cw_sim_build(self, m, conn->wire, text[conn->wire], c, closed, ts, ov,
				     index);
			if (truncate >= 0)
				g_string_truncate(text[conn->wire], (gsize) truncate);
		}
		frame = text[conn->wire];
		if (binary)
			soup_websocket_connection_send_binary(conn->ws, frame->str, frame->len);
		else
			soup_websocket_connection_send_text(conn->ws, frame->str);
		cw_sim_conn_sent(conn);
	}
	if (self->sent_func != NULL && closed && !binary && truncate < 0)
		self->sent_func(c->open_time, self->sent_data);
	for (guint w = 0; w < CW_SIM_N_WIRES; w++) {
		if (text[w] != NULL)
			g_string_free(text[w], TRUE);
	}
}

static void
cw_sim_broadcast_bad(CwExchangeSim *self, CwSimMarket *m, const CwCandle *c, gint64 ts, guint index,
		     CwSimBad kind)
{
	CwSimOverride ov = {0};
	char buf[G_ASCII_DTOSTR_BUF_SIZE + 2];
	gssize truncate = -1;

	switch (kind) {
	case CW_SIM_BAD_NOT_JSON:
		truncate = 40; /* every wire's frame is longer; the cut leaves JSON open */
		break;
	case CW_SIM_BAD_WRONG_TYPE:
		ov.open = "{\"v\":1}";
		break;
	case CW_SIM_BAD_NAN:
		ov.open = "\"NaN\"";
		break;
	case CW_SIM_BAD_TEXT:
		ov.open = "\"abc\"";
		break;
	case CW_SIM_BAD_PRICE:
		ov.open = "\"0\"";
		break;
	case CW_SIM_BAD_HIGH_BELOW_LOW:
		buf[0] = '"';
		cw_sim_num(c->low * 0.5, buf + 1);
		g_strlcat(buf, "\"", sizeof buf);
		ov.high = buf;
		break;
	case CW_SIM_BAD_NEGATIVE_VOLUME:
		ov.volume = "\"-1\"";
		break;
	case CW_SIM_BAD_UNKNOWN_TOPIC:
		ov.unknown_topic = TRUE;
		break;
	case CW_SIM_BAD_OVERSIZED:
		ov.pad = CW_SIM_OVERSIZED_PAD;
		break;
	case CW_SIM_BAD_BINARY:
	case CW_SIM_N_BAD:
		break;
	}
	self->n_bad_sent++;
	cw_sim_broadcast(self, m, c, TRUE, ts, &ov, index, kind == CW_SIM_BAD_BINARY, truncate);
}

/* The clock ------------------------------------------------------------------- */

/* Partial j of K: the candle as it stood at fraction (j+1)/(K+1) of its time;
 * always a valid candle inside the final one. */
static CwCandle cw_sim_partial_at(const CwCandle *c, double f);

static CwCandle
cw_sim_partial(CwExchangeSim *self, const CwCandle *c, guint j)
{
	return cw_sim_partial_at(c, (j + 1.0) / (self->options.partials + 1.0));
}

/* The candle as it stood at fraction f (0..1) of its time. */
static CwCandle
cw_sim_partial_at(const CwCandle *c, double f)
{
	CwCandle p = *c;
	double top;
	double bottom;

	p.close = c->open + (c->close - c->open) * f;
	top = MAX(c->open, p.close);
	bottom = MIN(c->open, p.close);
	p.high = MIN(c->high, top + (c->high - MAX(c->open, c->close)) * f);
	p.low = MAX(c->low, bottom - (MIN(c->open, c->close) - c->low) * f);
	p.high = MAX(p.high, top);
	p.low = MIN(p.low, bottom);
	p.volume = c->volume * f;
	return p;
}

static void
cw_sim_emit(CwExchangeSim *self, CwSimMarket *m, guint i, guint j, gint64 ts)
{
	const CwSimFaults *f = &self->options.faults;
	const CwCandle *c = &g_array_index(m->candles, CwCandle, i);
	gboolean closed = j == self->options.partials;
	CwSimOverride none = {0};
	CwCandle candle;

	/* the next candle matches part of the way into it */
	for (guint a = 0; closed && i + 1 < m->candles->len && a < self->accounts->len; a++)
		cw_sim_bybit_private_schedule_candle(self->accounts->pdata[a], m->symbol,
						     &g_array_index(m->candles, CwCandle, i + 1),
						     (guint) (self->options.speed > 0
								  ? 500.0 / self->options.speed
								  : self->interval_ms * 0.5));
	if (cw_sim_faults_hit(f, f->drop_every, 1, i)) {
		if (closed)
			g_array_append_val(m->dropped, c->open_time);
		return;
	}
	candle = closed ? *c : cw_sim_partial(self, c, j);
	m->last_price = candle.close;
	if (closed && m->held < 0 && cw_sim_faults_hit(f, f->reorder_every, 2, i)) {
		m->held = i;
	} else {
		cw_sim_broadcast(self, m, &candle, closed, ts, &none, i, FALSE, -1);
		if (!closed)
			return;
		if (cw_sim_faults_hit(f, f->duplicate_every, 3, i))
			cw_sim_broadcast(self, m, &candle, TRUE, ts, &none, i, FALSE, -1);
		if (m->held >= 0) {
			const CwCandle *h = &g_array_index(m->candles, CwCandle, m->held);

			cw_sim_broadcast(self, m, h, TRUE, ts, &none, (guint) m->held, FALSE, -1);
			m->held = -1;
		}
	}
	if (cw_sim_faults_hit(f, f->bad_every, 4, i))
		cw_sim_broadcast_bad(self, m, c, ts, i,
				     cw_sim_faults_bad_kind(f, self->n_bad_sent));
}

/* One market's due events; TRUE when its file has been streamed whole. */
static gboolean
cw_sim_tick_market(CwExchangeSim *self, CwSimMarket *m, gint64 now)
{
	const CwCandle *c = (const CwCandle *) m->candles->data;
	guint n = m->candles->len;
	guint k = self->options.partials;
	guint budget = CW_SIM_EVENTS_PER_TICK;

	while (m->n_closed < n && c[m->n_closed].open_time + m->interval_ms <= now)
		m->n_closed++;
	while (m->cursor_i < n && budget-- > 0) {
		gint64 due =
		    c[m->cursor_i].open_time + m->interval_ms * (m->cursor_j + 1) / (k + 1);

		if (due > now)
			break;
		cw_sim_emit(self, m, m->cursor_i, m->cursor_j, due);
		if (++m->cursor_j > k) {
			m->cursor_j = 0;
			m->cursor_i++;
		}
	}
	if (m->cursor_i < n)
		return FALSE;
	if (m->held >= 0) {
		CwSimOverride none = {0};

		cw_sim_broadcast(self, m, &c[m->held], TRUE, now, &none, (guint) m->held, FALSE,
				 -1);
		m->held = -1;
	}
	return TRUE;
}

static gboolean
cw_sim_tick(gpointer data)
{
	CwExchangeSim *self = data;
	gint64 now = cw_sim_now_ms(self);
	gboolean all_done = TRUE;

	if (self->start_us == 0)
		return G_SOURCE_CONTINUE;
	for (guint k = 0; k < self->markets->len; k++)
		all_done &= cw_sim_tick_market(self, CW_SIM_MARKET(self, k), now);
	if (all_done && !self->ended) {
		self->ended = TRUE;
		self->ended_us = g_get_monotonic_time();
	}
	if (self->ended && !self->finished &&
	    g_get_monotonic_time() - self->ended_us >= (gint64) (self->options.linger * 1e6)) {
		self->finished = TRUE;
		if (self->finished_func != NULL)
			self->finished_func(self->finished_data);
	}
	return G_SOURCE_CONTINUE;
}

/* WebSocket ------------------------------------------------------------------ */

/* The market of a Bybit topic / Binance stream / symbol, or NULL. */
static CwSimMarket *
cw_sim_market_by(CwExchangeSim *self, const char *name, int field)
{
	for (guint k = 0; name != NULL && k < self->markets->len; k++) {
		CwSimMarket *m = CW_SIM_MARKET(self, k);
		const char *value = field == 0   ? m->symbol
				    : field == 1 ? m->bybit_topic
						 : m->binance_stream;

		if (strcmp(name, value) == 0)
			return m;
	}
	return NULL;
}

#define CW_SIM_BY_SYMBOL(self, name) cw_sim_market_by(self, name, 0)

/* The market of a symbol at an interval (Bybit's or Binance's name), or
 * the first of the symbol (*other) when none has that interval. */
static CwSimMarket *
cw_sim_market_at(CwExchangeSim *self, const char *symbol, const char *interval, gboolean binance,
		 CwSimMarket **other)
{
	*other = NULL;
	for (guint k = 0; k < self->markets->len; k++) {
		CwSimMarket *m = CW_SIM_MARKET(self, k);

		if (strcmp(m->symbol, symbol) != 0)
			continue;
		if (strcmp(binance ? m->binance_interval : m->bybit_interval, interval) == 0)
			return m;
		if (*other == NULL)
			*other = m;
	}
	return NULL;
}
#define CW_SIM_BY_TOPIC(self, name)  cw_sim_market_by(self, name, 1)
#define CW_SIM_BY_STREAM(self, name) cw_sim_market_by(self, name, 2)

/* The clock waits for options.wait_subscribers subscribed connections. */
static void
cw_sim_maybe_start(CwExchangeSim *self)
{
	guint n = 0;

	if (self->start_us != 0)
		return;
	for (guint i = 0; i < self->conns->len; i++)
		n += ((CwSimConn *) self->conns->pdata[i])->subscribed != 0;
	if (n >= self->options.wait_subscribers)
		self->start_us = g_get_monotonic_time();
}

static void
cw_sim_bybit_reply(CwSimConn *conn, gboolean success, const char *ret_msg, const char *req_id,
		   const char *op)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "success");
	json_builder_add_boolean_value(b, success);
	json_builder_set_member_name(b, "ret_msg");
	json_builder_add_string_value(b, ret_msg);
	json_builder_set_member_name(b, "conn_id");
	json_builder_add_string_value(b, conn->id);
	if (req_id != NULL) {
		json_builder_set_member_name(b, "req_id");
		json_builder_add_string_value(b, req_id);
	}
	json_builder_set_member_name(b, "op");
	json_builder_add_string_value(b, op);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	text = cw_json_to_string(root, FALSE);
	cw_sim_conn_send(conn, text);
}

static void
cw_sim_bybit_message(CwSimConn *conn, JsonObject *request)
{
	const char *op = json_object_get_string_member_with_default(request, "op", "");
	JsonNode *req_node = json_object_get_member(request, "req_id");
	g_autofree char *req_id = NULL;
	JsonArray *args = NULL;
	guint32 mask = 0;

	if (req_node != NULL && JSON_NODE_HOLDS_VALUE(req_node))
		req_id = json_node_get_value_type(req_node) == G_TYPE_STRING
			     ? g_strdup(json_node_get_string(req_node))
			     : g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(req_node));
	if (strcmp(op, "ping") == 0) {
		cw_sim_bybit_reply(conn, TRUE, "pong", req_id, "ping");
		return;
	}
	if (strcmp(op, "subscribe") != 0 && strcmp(op, "unsubscribe") != 0) {
		cw_sim_bybit_reply(conn, FALSE, "error:unknown op", req_id, op);
		return;
	}
	if (json_object_has_member(request, "args") &&
	    JSON_NODE_HOLDS_ARRAY(json_object_get_member(request, "args")))
		args = json_object_get_array_member(request, "args");
	if (args == NULL || json_array_get_length(args) == 0) {
		cw_sim_bybit_reply(conn, FALSE, "error:args is empty", req_id, op);
		return;
	}
	for (guint i = 0; i < json_array_get_length(args); i++) {
		JsonNode *arg = json_array_get_element(args, i);
		CwSimMarket *m;
		const char *topic =
		    JSON_NODE_HOLDS_VALUE(arg) && json_node_get_value_type(arg) == G_TYPE_STRING
			? json_node_get_string(arg)
			: "";

		if ((m = CW_SIM_BY_TOPIC(conn->sim, topic)) == NULL) {
			g_autofree char *msg =
			    g_strdup_printf("error:handler not found,topic:%s", topic);

			cw_sim_bybit_reply(conn, FALSE, msg, req_id, op);
			return;
		}
		mask |= 1u << m->index;
	}
	if (strcmp(op, "subscribe") == 0)
		conn->subscribed |= mask;
	else
		conn->subscribed &= ~mask;
	cw_sim_bybit_reply(conn, TRUE,
			   conn->spot && mask != 0 && (conn->subscribed & mask) ? "subscribe" : "",
			   req_id, op);
	cw_sim_maybe_start(conn->sim);
}

static void
cw_sim_binance_reply(CwSimConn *conn, JsonNode *id, JsonNode *result, int code, const char *msg)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;

	json_builder_begin_object(b);
	if (msg != NULL) {
		json_builder_set_member_name(b, "code");
		json_builder_add_int_value(b, code);
		json_builder_set_member_name(b, "msg");
		json_builder_add_string_value(b, msg);
	} else {
		json_builder_set_member_name(b, "result");
		json_builder_add_value(b, result != NULL ? result : json_node_new(JSON_NODE_NULL));
	}
	json_builder_set_member_name(b, "id");
	json_builder_add_value(b, id != NULL ? json_node_copy(id) : json_node_new(JSON_NODE_NULL));
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	text = cw_json_to_string(root, FALSE);
	cw_sim_conn_send(conn, text);
}

static void
cw_sim_binance_message(CwSimConn *conn, JsonObject *request)
{
	const char *method = json_object_get_string_member_with_default(request, "method", "");
	JsonNode *id = json_object_get_member(request, "id");
	JsonNode *params = json_object_get_member(request, "params");
	guint32 mask = 0;

	if (strcmp(method, "LIST_SUBSCRIPTIONS") == 0) {
		JsonArray *list = json_array_new();
		JsonNode *node = json_node_new(JSON_NODE_ARRAY);

		for (guint k = 0; k < conn->sim->markets->len; k++) {
			if ((conn->subscribed & (1u << k)) != 0)
				json_array_add_string_element(
				    list, CW_SIM_MARKET(conn->sim, k)->binance_stream);
		}
		json_node_take_array(node, list);
		cw_sim_binance_reply(conn, id, node, 0, NULL);
		return;
	}
	if (strcmp(method, "SUBSCRIBE") != 0 && strcmp(method, "UNSUBSCRIBE") != 0) {
		cw_sim_binance_reply(conn, id, NULL, 2, "Invalid request: unknown method");
		return;
	}
	if (params == NULL || !JSON_NODE_HOLDS_ARRAY(params)) {
		cw_sim_binance_reply(conn, id, NULL, 2, "Invalid request: params must be an array");
		return;
	}
	for (guint i = 0; i < json_array_get_length(json_node_get_array(params)); i++) {
		JsonNode *p = json_array_get_element(json_node_get_array(params), i);

		if (!JSON_NODE_HOLDS_VALUE(p) || json_node_get_value_type(p) != G_TYPE_STRING) {
			cw_sim_binance_reply(conn, id, NULL, 2,
					     "Invalid request: stream names must be strings");
			return;
		}
		CwSimMarket *m = CW_SIM_BY_STREAM(conn->sim, json_node_get_string(p));

		/* Binance accepts any stream name; the unknown ones stay silent. */
		if (m != NULL)
			mask |= 1u << m->index;
	}
	if (strcmp(method, "SUBSCRIBE") == 0)
		conn->subscribed |= mask;
	else
		conn->subscribed &= ~mask;
	cw_sim_binance_reply(conn, id, NULL, 0, NULL);
	cw_sim_maybe_start(conn->sim);
}

static void
cw_sim_on_message(SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer data)
{
	CwSimConn *conn = data;
	gsize len = 0;
	const char *text = g_bytes_get_data(message, &len);
	g_autoptr(JsonNode) root = NULL;

	if (!cw_sim_conn_live(conn))
		return;
	if (type == SOUP_WEBSOCKET_DATA_TEXT)
		root = cw_json_parse(text, (gssize) len, "request", CW_JSON_PARSE_DEFAULT, NULL);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		if (conn->wire == CW_SIM_WIRE_BYBIT)
			cw_sim_bybit_reply(conn, FALSE, "error:request not json", NULL, "");
		else
			cw_sim_binance_reply(conn, NULL, NULL, 3, "Invalid JSON");
		return;
	}
	if (conn->wire == CW_SIM_WIRE_BYBIT)
		cw_sim_bybit_message(conn, json_node_get_object(root));
	else
		cw_sim_binance_message(conn, json_node_get_object(root));
}

static void
cw_sim_on_closed(SoupWebsocketConnection *ws, gpointer data)
{
	CwSimConn *conn = data;

	g_ptr_array_remove(conn->sim->conns, conn);
}

/* "/ws/<stream>" or "/stream?streams=a/b": the markets the path names. */
static guint32
cw_sim_binance_wants(CwExchangeSim *self, const char *streams)
{
	g_auto(GStrv) names = g_strsplit(streams != NULL ? streams : "", "/", 1024);
	guint32 mask = 0;

	for (guint i = 0; names[i] != NULL; i++) {
		CwSimMarket *m = CW_SIM_BY_STREAM(self, names[i]);

		if (m != NULL)
			mask |= 1u << m->index;
	}
	return mask;
}

static void
cw_sim_on_websocket(SoupServer *server, SoupServerMessage *msg, const char *path,
		    SoupWebsocketConnection *ws, gpointer data)
{
	CwExchangeSim *self = data;
	CwSimConn *conn = g_new0(CwSimConn, 1);
	GSocket *socket = soup_server_message_get_socket(msg);

	conn->sim = self;
	conn->ws = g_object_ref(ws);
	conn->socket = socket != NULL ? g_object_ref(socket) : NULL;
	g_snprintf(conn->id, sizeof conn->id, "sim-%" G_GUINT64_FORMAT, ++self->n_conns);
	if (g_str_has_prefix(path, "/v5/public/")) {
		conn->wire = CW_SIM_WIRE_BYBIT;
		conn->spot = strcmp(path, "/v5/public/spot") == 0;
	} else if (g_str_has_prefix(path, "/stream")) {
		GUri *uri = soup_server_message_get_uri(msg);
		const char *query = g_uri_get_query(uri);
		g_autoptr(GHashTable) params =
		    query != NULL ? g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, NULL)
				  : NULL;

		conn->wire = CW_SIM_WIRE_BINANCE_COMBINED;
		conn->subscribed =
		    params != NULL
			? cw_sim_binance_wants(self, g_hash_table_lookup(params, "streams"))
			: 0;
	} else {
		conn->wire = CW_SIM_WIRE_BINANCE_RAW;
		conn->subscribed = g_str_has_prefix(path, "/ws/")
				       ? cw_sim_binance_wants(self, path + strlen("/ws/"))
				       : 0;
	}
	/* Binance pings every 20 s and expects pongs; libsoup answers them. */
	if (conn->wire != CW_SIM_WIRE_BYBIT)
		soup_websocket_connection_set_keepalive_interval(ws, 20);
	g_signal_connect(ws, "message", G_CALLBACK(cw_sim_on_message), conn);
	g_signal_connect(ws, "closed", G_CALLBACK(cw_sim_on_closed), conn);
	g_ptr_array_add(self->conns, conn);
	cw_sim_maybe_start(self);
}

static void
cw_sim_on_private_websocket(SoupServer *server, SoupServerMessage *msg, const char *path,
			    SoupWebsocketConnection *ws, gpointer data)
{
	cw_sim_bybit_private_on_websocket(((CwExchangeSim *) data)->priv, msg, ws);
}

/* REST ------------------------------------------------------------------------ */

static void
cw_sim_respond(SoupServerMessage *msg, guint status, const char *type, const char *body)
{
	soup_server_message_set_status(msg, status, NULL);
	soup_server_message_set_response(msg, type, SOUP_MEMORY_COPY, body, strlen(body));
}

static void
cw_sim_respond_builder(SoupServerMessage *msg, guint status, JsonBuilder *b)
{
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	g_autofree char *text = cw_json_to_string(root, FALSE);

	cw_sim_respond(msg, status, "application/json", text);
}

static void
cw_sim_bybit_envelope_begin(JsonBuilder *b, gint64 ret_code, const char *ret_msg)
{
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "retCode");
	json_builder_add_int_value(b, ret_code);
	json_builder_set_member_name(b, "retMsg");
	json_builder_add_string_value(b, ret_msg);
	json_builder_set_member_name(b, "result");
}

static void
cw_sim_bybit_envelope_end(CwExchangeSim *self, JsonBuilder *b)
{
	json_builder_set_member_name(b, "retExtInfo");
	json_builder_begin_object(b);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "time");
	json_builder_add_int_value(b, cw_sim_now_ms(self));
	json_builder_end_object(b);
}

static void
cw_sim_bybit_error(CwExchangeSim *self, SoupServerMessage *msg, gint64 code, const char *text)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	cw_sim_bybit_envelope_begin(b, code, text);
	json_builder_begin_object(b);
	json_builder_end_object(b);
	cw_sim_bybit_envelope_end(self, b);
	cw_sim_respond_builder(msg, SOUP_STATUS_OK, b);
}

/* {"KEY":"text"} or {"code":N,"msg":"text"} as a response body. */
static void
cw_sim_respond_message(SoupServerMessage *msg, guint status, const char *key, int code,
		       const char *text)
{
	g_autoptr(GString) body = g_string_new(NULL);
	CwJsonWriter w;

	cw_json_writer_init(&w, body, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&w);
	if (key == NULL) {
		cw_json_writer_member_int(&w, "code", code);
		key = "msg";
	}
	cw_json_writer_member_string(&w, key, text);
	cw_json_writer_end_object(&w);
	cw_sim_respond(msg, status, "application/json", body->str);
}

static void
cw_sim_binance_time(CwExchangeSim *self, SoupServerMessage *msg)
{
	g_autoptr(GString) body = g_string_new(NULL);
	CwJsonWriter w;

	cw_json_writer_init(&w, body, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_int(&w, "serverTime", cw_sim_now_ms(self));
	cw_json_writer_end_object(&w);
	cw_sim_respond(msg, SOUP_STATUS_OK, "application/json", body->str);
}

static void
cw_sim_binance_error(SoupServerMessage *msg, guint status, int code, const char *text)
{
	cw_sim_respond_message(msg, status, NULL, code, text);
}

/* An optional integer parameter; FALSE when present but not an integer. */
static gboolean
cw_sim_param_int(GHashTable *query, const char *name, gint64 *out, gboolean *present)
{
	const char *text = query != NULL ? g_hash_table_lookup(query, name) : NULL;

	*present = text != NULL && *text != '\0';
	if (!*present)
		return TRUE;
	return g_ascii_string_to_signed(text, 10, G_MININT64, G_MAXINT64, out, NULL);
}

/* The candle forming at the sim's now (the first not closed, once it has
 * opened), as it stands so far: its index, or -1 when none (the file has
 * ended, or REST lags: see cw_sim_select). */
static gint64
cw_sim_forming(CwExchangeSim *self, CwSimMarket *m, CwCandle *out)
{
	const CwCandle *c = (const CwCandle *) m->candles->data;
	gint64 now = self->request_ms;
	guint i = m->n_closed;

	while (i < m->candles->len && c[i].open_time + m->interval_ms <= now)
		i++;
	if (i >= m->candles->len || c[i].open_time > now)
		return -1;
	*out = cw_sim_partial_at(&c[i], (double) (now - c[i].open_time) / (double) m->interval_ms);
	return i;
}

/* The candles in [start, end], the forming one last as the exchanges
 * serve it: the newest `limit` of them, or with only a start the oldest
 * `limit` from it. Returns [*first, *last). */
static void
cw_sim_select(CwExchangeSim *self, CwSimMarket *m, gint64 forming, gboolean has_start, gint64 start,
	      gboolean has_end, gint64 end, gint64 limit, guint *first, guint *last)
{
	const CwCandle *c = (const CwCandle *) m->candles->data;
	guint lo = 0;
	guint hi = forming >= 0 ? (guint) forming + 1 : m->n_closed;

	/* an exchange's REST that lags its stream: the newest closed candles
	 * are not served until rest_lag_ms of real time after their close */
	if (self->options.faults.rest_lag_ms > 0) {
		double rate = self->options.speed > 0
				  ? self->options.speed * self->interval_ms / 1000.0
				  : 1.0;
		gint64 until =
		    cw_sim_now_ms(self) - (gint64) (self->options.faults.rest_lag_ms * rate);

		while (hi > 0 && c[hi - 1].open_time + m->interval_ms > until)
			hi--;
	}

	while (lo < hi && has_start && c[lo].open_time < start)
		lo++;
	while (hi > lo && has_end && c[hi - 1].open_time > end)
		hi--;
	if ((gint64) (hi - lo) > limit) {
		if (has_start && !has_end)
			hi = lo + (guint) limit;
		else
			lo = hi - (guint) limit;
	}
	*first = lo;
	*last = hi;
}

/* Bybit's categories: a missing one is an error here (instruments-info and
 * tickers require it). */
static gboolean
cw_sim_bybit_category_ok(const char *category)
{
	return category != NULL &&
	       (strcmp(category, "linear") == 0 || strcmp(category, "spot") == 0 ||
		strcmp(category, "inverse") == 0);
}

static void
cw_sim_bybit_kline(CwExchangeSim *self, SoupServerMessage *msg, GHashTable *query)
{
	const char *category = query != NULL ? g_hash_table_lookup(query, "category") : NULL;
	const char *symbol = query != NULL ? g_hash_table_lookup(query, "symbol") : NULL;
	const char *interval = query != NULL ? g_hash_table_lookup(query, "interval") : NULL;
	gint64 start = 0, end = 0, limit = 200;
	gboolean has_start, has_end, has_limit;
	guint first, last;
	CwJsonWriter w;
	g_autoptr(GString) body = g_string_new(NULL);
	char b[6][G_ASCII_DTOSTR_BUF_SIZE];
	CwSimMarket *m, *other;
	CwCandle partial;
	gint64 forming;

	if (category != NULL && !cw_sim_bybit_category_ok(category)) {
		cw_sim_bybit_error(self, msg, 10001, "params error: Illegal category");
		return;
	}
	if (symbol == NULL || *symbol == '\0' || interval == NULL || *interval == '\0') {
		cw_sim_bybit_error(self, msg, 10001,
				   "params error: symbol and interval are required");
		return;
	}
	if (!cw_sim_param_int(query, "start", &start, &has_start) ||
	    !cw_sim_param_int(query, "end", &end, &has_end) ||
	    !cw_sim_param_int(query, "limit", &limit, &has_limit) || (has_limit && limit < 1)) {
		cw_sim_bybit_error(self, msg, 10001, "params error: start, end, limit");
		return;
	}
	if ((m = cw_sim_market_at(self, symbol, interval, FALSE, &other)) == NULL &&
	    other == NULL) {
		cw_sim_bybit_error(self, msg, 10001, "params error: Symbol Invalid");
		return;
	}
	if (cw_kline_bybit_interval_ms(interval, NULL) == 0 && strcmp(interval, "M") != 0) {
		cw_sim_bybit_error(self, msg, 10001, "params error: Interval Invalid");
		return;
	}
	if (m == NULL) {
		g_autofree char *text = g_strdup_printf(
		    "params error: the simulator serves only interval %s", other->bybit_interval);

		cw_sim_bybit_error(self, msg, 10001, text);
		return;
	}
	limit = CLAMP(limit, 1, 1000);
	forming = cw_sim_forming(self, m, &partial);
	cw_sim_select(self, m, forming, has_start, start, has_end, end, limit, &first, &last);
	cw_json_writer_init(&w, body, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_int(&w, "retCode", 0);
	cw_json_writer_member_string(&w, "retMsg", "OK");
	cw_json_writer_key(&w, "result");
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_string(&w, "symbol", m->symbol);
	cw_json_writer_member_string(&w, "category", category != NULL ? category : "linear");
	cw_json_writer_key(&w, "list");
	cw_json_writer_begin_array(&w);
	for (guint i = last; i > first; i--) {
		const CwCandle *c = (gint64) i - 1 == forming
					? &partial
					: &g_array_index(m->candles, CwCandle, i - 1);
		char open_ms[24];

		g_snprintf(open_ms, sizeof open_ms, "%" G_GINT64_FORMAT, c->open_time);
		cw_json_writer_begin_array(&w);
		cw_json_writer_string(&w, open_ms);
		cw_json_writer_string(&w, cw_sim_num(c->open, b[0]));
		cw_json_writer_string(&w, cw_sim_num(c->high, b[1]));
		cw_json_writer_string(&w, cw_sim_num(c->low, b[2]));
		cw_json_writer_string(&w, cw_sim_num(c->close, b[3]));
		cw_json_writer_string(&w, cw_sim_num(c->volume, b[4]));
		cw_json_writer_string(&w, cw_sim_num(c->volume * c->close, b[5]));
		cw_json_writer_end_array(&w);
	}
	cw_json_writer_end_array(&w);
	cw_json_writer_end_object(&w);
	cw_json_writer_key(&w, "retExtInfo");
	cw_json_writer_begin_object(&w);
	cw_json_writer_end_object(&w);
	cw_json_writer_member_int(&w, "time", cw_sim_now_ms(self));
	cw_json_writer_end_object(&w);
	cw_sim_respond(msg, SOUP_STATUS_OK, "application/json", body->str);
}

static void
cw_sim_binance_klines(CwExchangeSim *self, SoupServerMessage *msg, GHashTable *query, gboolean spot)
{
	const char *symbol = query != NULL ? g_hash_table_lookup(query, "symbol") : NULL;
	const char *interval = query != NULL ? g_hash_table_lookup(query, "interval") : NULL;
	gint64 start = 0, end = 0, limit = 500;
	gboolean has_start, has_end, has_limit;
	guint first, last;
	g_autoptr(GString) body = g_string_new(NULL);
	char b[8][G_ASCII_DTOSTR_BUF_SIZE];
	CwJsonWriter w;
	CwSimMarket *m, *other;
	CwCandle partial;
	gint64 forming;

	if (symbol == NULL || *symbol == '\0') {
		cw_sim_binance_error(msg, 400, -1102,
				     "Mandatory parameter 'symbol' was not sent, was empty/null, "
				     "or malformed.");
		return;
	}
	if (interval == NULL || *interval == '\0') {
		cw_sim_binance_error(msg, 400, -1102,
				     "Mandatory parameter 'interval' was not sent, was "
				     "empty/null, or malformed.");
		return;
	}
	if (!cw_sim_param_int(query, "startTime", &start, &has_start) ||
	    !cw_sim_param_int(query, "endTime", &end, &has_end) ||
	    !cw_sim_param_int(query, "limit", &limit, &has_limit) || limit < 0) {
		cw_sim_binance_error(msg, 400, -1100,
				     "Illegal characters found in a parameter; legal range is "
				     "'^[0-9]{1,20}$'.");
		return;
	}
	if ((m = cw_sim_market_at(self, symbol, interval, TRUE, &other)) == NULL && other == NULL) {
		cw_sim_binance_error(msg, 400, -1121, "Invalid symbol.");
		return;
	}
	if (m == NULL) {
		cw_sim_binance_error(msg, 400, -1120, "Invalid interval.");
		return;
	}
	limit = CLAMP(limit, 1, spot ? 1000 : 1500);
	forming = cw_sim_forming(self, m, &partial);
	cw_sim_select(self, m, forming, has_start, start, has_end, end, limit, &first, &last);
	cw_json_writer_init(&w, body, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_array(&w);
	for (guint i = first; i < last; i++) {
		const CwCandle *c =
		    (gint64) i == forming ? &partial : &g_array_index(m->candles, CwCandle, i);

		cw_json_writer_begin_array(&w);
		cw_json_writer_int(&w, c->open_time);
		cw_json_writer_string(&w, cw_sim_num(c->open, b[0]));
		cw_json_writer_string(&w, cw_sim_num(c->high, b[1]));
		cw_json_writer_string(&w, cw_sim_num(c->low, b[2]));
		cw_json_writer_string(&w, cw_sim_num(c->close, b[3]));
		cw_json_writer_string(&w, cw_sim_num(c->volume, b[4]));
		cw_json_writer_int(&w, c->open_time + m->interval_ms - 1);
		cw_json_writer_string(&w, cw_sim_num(c->volume * c->close, b[5]));
		cw_json_writer_int(&w, 100);
		cw_json_writer_string(&w, cw_sim_num(c->volume / 2, b[6]));
		cw_json_writer_string(&w, cw_sim_num(c->volume * c->close / 2, b[7]));
		cw_json_writer_string(&w, "0");
		cw_json_writer_end_array(&w);
	}
	cw_json_writer_end_array(&w);
	cw_sim_respond(msg, SOUP_STATUS_OK, "application/json", body->str);
}

static void
cw_sim_add_num(JsonBuilder *b, const char *name, double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, cw_sim_num(v, buf));
}

static void
cw_sim_add_str(JsonBuilder *b, const char *name, const char *v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, v);
}

/* The OK envelope up to an open "list" array: {..,"result":{"category":..,"list":[ */
static void
cw_sim_bybit_list_begin(JsonBuilder *b, const char *category)
{
	cw_sim_bybit_envelope_begin(b, 0, "OK");
	json_builder_begin_object(b);
	cw_sim_add_str(b, "category", category);
	json_builder_set_member_name(b, "list");
	json_builder_begin_array(b);
}

static void
cw_sim_bybit_instruments(CwExchangeSim *self, SoupServerMessage *msg, GHashTable *query)
{
	const char *category = query != NULL ? g_hash_table_lookup(query, "category") : NULL;
	const char *symbol = query != NULL ? g_hash_table_lookup(query, "symbol") : NULL;
	gboolean spot = g_strcmp0(category, "spot") == 0;
	g_autoptr(JsonBuilder) b = json_builder_new();
	const CwExchangeSimOptions *o = &self->options;
	char base[32], quote[32];

	if (!cw_sim_bybit_category_ok(category)) {
		cw_sim_bybit_error(self, msg, 10001, "params error: Illegal category");
		return;
	}
	cw_sim_bybit_list_begin(b, category);
	for (guint k = 0; k < self->markets->len; k++) {
		CwSimMarket *m = CW_SIM_MARKET(self, k);

		if (symbol != NULL && strcmp(symbol, m->symbol) != 0)
			continue;
		cw_sim_split_symbol(m->symbol, base, quote, sizeof base);
		json_builder_begin_object(b);
		cw_sim_add_str(b, "symbol", m->symbol);
		if (!spot)
			cw_sim_add_str(b, "contractType", "LinearPerpetual");
		cw_sim_add_str(b, "status", "Trading");
		cw_sim_add_str(b, "baseCoin", base);
		cw_sim_add_str(b, "quoteCoin", quote);
		if (!spot) {
			cw_sim_add_str(b, "settleCoin", quote);
			cw_sim_add_str(b, "launchTime", "0");
			cw_sim_add_str(b, "deliveryTime", "0");
			cw_sim_add_str(b, "priceScale", "2");
		}
		json_builder_set_member_name(b, "priceFilter");
		json_builder_begin_object(b);
		if (!spot) {
			cw_sim_add_num(b, "minPrice", o->tick_size);
			cw_sim_add_str(b, "maxPrice", "1999999.80");
		}
		cw_sim_add_num(b, "tickSize", o->tick_size);
		json_builder_end_object(b);
		json_builder_set_member_name(b, "lotSizeFilter");
		json_builder_begin_object(b);
		if (spot) {
			cw_sim_add_num(b, "basePrecision", o->qty_step);
			cw_sim_add_str(b, "quotePrecision", "0.00000001");
			cw_sim_add_num(b, "minOrderQty", o->min_qty);
			cw_sim_add_str(b, "maxOrderQty", "10000");
			cw_sim_add_num(b, "minOrderAmt", o->min_notional);
			cw_sim_add_str(b, "maxOrderAmt", "2000000");
		} else {
			cw_sim_add_str(b, "maxOrderQty", "1000");
			cw_sim_add_num(b, "minOrderQty", o->min_qty);
			cw_sim_add_num(b, "qtyStep", o->qty_step);
			cw_sim_add_num(b, "minNotionalValue", o->min_notional);
		}
		json_builder_end_object(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	cw_sim_add_str(b, "nextPageCursor", "");
	json_builder_end_object(b);
	cw_sim_bybit_envelope_end(self, b);
	cw_sim_respond_builder(msg, SOUP_STATUS_OK, b);
}

/* One ticker, with 24 h figures over the market's closed candles. */
static void
cw_sim_bybit_ticker(CwSimMarket *m, JsonBuilder *b, gint64 now)
{
	const CwCandle *c = (const CwCandle *) m->candles->data;
	double high = 0, low = 0, volume = 0, turnover = 0, prev = 0;
	double last = m->last_price;

	for (guint i = m->n_closed; i > 0 && c[i - 1].open_time >= now - 86400000; i--) {
		high = high == 0 ? c[i - 1].high : MAX(high, c[i - 1].high);
		low = low == 0 ? c[i - 1].low : MIN(low, c[i - 1].low);
		volume += c[i - 1].volume;
		turnover += c[i - 1].volume * c[i - 1].close;
		prev = c[i - 1].open;
	}
	if (last == 0 && m->n_closed > 0)
		last = c[m->n_closed - 1].close;
	json_builder_begin_object(b);
	cw_sim_add_str(b, "symbol", m->symbol);
	cw_sim_add_num(b, "lastPrice", last);
	cw_sim_add_num(b, "indexPrice", last);
	cw_sim_add_num(b, "markPrice", last);
	cw_sim_add_num(b, "bid1Price", last);
	cw_sim_add_num(b, "ask1Price", last);
	cw_sim_add_num(b, "prevPrice24h", prev);
	cw_sim_add_num(b, "price24hPcnt", prev > 0 ? last / prev - 1 : 0);
	cw_sim_add_num(b, "highPrice24h", high);
	cw_sim_add_num(b, "lowPrice24h", low);
	cw_sim_add_num(b, "turnover24h", turnover);
	cw_sim_add_num(b, "volume24h", volume);
	json_builder_end_object(b);
}

static void
cw_sim_bybit_tickers(CwExchangeSim *self, SoupServerMessage *msg, GHashTable *query)
{
	const char *category = query != NULL ? g_hash_table_lookup(query, "category") : NULL;
	const char *symbol = query != NULL ? g_hash_table_lookup(query, "symbol") : NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();
	gint64 now = cw_sim_now_ms(self);

	if (!cw_sim_bybit_category_ok(category)) {
		cw_sim_bybit_error(self, msg, 10001, "params error: Illegal category");
		return;
	}
	if (symbol != NULL && CW_SIM_BY_SYMBOL(self, symbol) == NULL) {
		cw_sim_bybit_error(self, msg, 10001, "params error: Symbol Invalid");
		return;
	}
	cw_sim_bybit_list_begin(b, category);
	for (guint k = 0; k < self->markets->len; k++) {
		CwSimMarket *m = CW_SIM_MARKET(self, k);

		if (symbol == NULL || strcmp(symbol, m->symbol) == 0)
			cw_sim_bybit_ticker(m, b, now);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	cw_sim_bybit_envelope_end(self, b);
	cw_sim_respond_builder(msg, SOUP_STATUS_OK, b);
}

static void
cw_sim_bybit_time(CwExchangeSim *self, SoupServerMessage *msg)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	gint64 now = cw_sim_now_ms(self);
	g_autofree char *sec = g_strdup_printf("%" G_GINT64_FORMAT, now / 1000);
	g_autofree char *nano = g_strdup_printf("%" G_GINT64_FORMAT "000000", now);

	cw_sim_bybit_envelope_begin(b, 0, "OK");
	json_builder_begin_object(b);
	cw_sim_add_str(b, "timeSecond", sec);
	cw_sim_add_str(b, "timeNano", nano);
	json_builder_end_object(b);
	cw_sim_bybit_envelope_end(self, b);
	cw_sim_respond_builder(msg, SOUP_STATUS_OK, b);
}

static void
cw_sim_binance_filter(JsonBuilder *b, const char *type)
{
	json_builder_begin_object(b);
	cw_sim_add_str(b, "filterType", type);
}

static void
cw_sim_binance_exchange_info(CwExchangeSim *self, SoupServerMessage *msg, GHashTable *query,
			     gboolean spot)
{
	const char *symbol = query != NULL ? g_hash_table_lookup(query, "symbol") : NULL;
	const CwExchangeSimOptions *o = &self->options;
	g_autoptr(JsonBuilder) b = json_builder_new();
	char base[32], quote[32];

	if (spot && symbol != NULL && CW_SIM_BY_SYMBOL(self, symbol) == NULL) {
		cw_sim_binance_error(msg, 400, -1121, "Invalid symbol.");
		return;
	}
	json_builder_begin_object(b);
	cw_sim_add_str(b, "timezone", "UTC");
	json_builder_set_member_name(b, "serverTime");
	json_builder_add_int_value(b, cw_sim_now_ms(self));
	json_builder_set_member_name(b, "rateLimits");
	json_builder_begin_array(b);
	json_builder_begin_object(b);
	cw_sim_add_str(b, "rateLimitType", "REQUEST_WEIGHT");
	cw_sim_add_str(b, "interval", "MINUTE");
	json_builder_set_member_name(b, "intervalNum");
	json_builder_add_int_value(b, 1);
	json_builder_set_member_name(b, "limit");
	json_builder_add_int_value(b, spot ? 6000 : 2400);
	json_builder_end_object(b);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "exchangeFilters");
	json_builder_begin_array(b);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "symbols");
	json_builder_begin_array(b);
	for (guint k = 0; k < self->markets->len; k++) {
		CwSimMarket *m = CW_SIM_MARKET(self, k);

		/* Futures ignore the symbol parameter; spot narrows to it. */
		if (spot && symbol != NULL && strcmp(symbol, m->symbol) != 0)
			continue;
		cw_sim_split_symbol(m->symbol, base, quote, sizeof base);
		json_builder_begin_object(b);
		cw_sim_add_str(b, "symbol", m->symbol);
		if (!spot) {
			cw_sim_add_str(b, "pair", m->symbol);
			cw_sim_add_str(b, "contractType", "PERPETUAL");
			cw_sim_add_str(b, "marginAsset", quote);
		}
		cw_sim_add_str(b, "status", "TRADING");
		cw_sim_add_str(b, "baseAsset", base);
		cw_sim_add_str(b, "quoteAsset", quote);
		json_builder_set_member_name(b, "filters");
		json_builder_begin_array(b);
		cw_sim_binance_filter(b, "PRICE_FILTER");
		cw_sim_add_num(b, "minPrice", o->tick_size);
		cw_sim_add_str(b, "maxPrice", "4529764");
		cw_sim_add_num(b, "tickSize", o->tick_size);
		json_builder_end_object(b);
		cw_sim_binance_filter(b, "LOT_SIZE");
		cw_sim_add_num(b, "minQty", o->min_qty);
		cw_sim_add_str(b, "maxQty", "1000");
		cw_sim_add_num(b, "stepSize", o->qty_step);
		json_builder_end_object(b);
		if (spot) {
			cw_sim_binance_filter(b, "NOTIONAL");
			cw_sim_add_num(b, "minNotional", o->min_notional);
			cw_sim_add_str(b, "maxNotional", "9000000");
		} else {
			cw_sim_binance_filter(b, "MIN_NOTIONAL");
			cw_sim_add_num(b, "notional", o->min_notional);
		}
		json_builder_end_object(b);
		json_builder_end_array(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	cw_sim_respond_builder(msg, SOUP_STATUS_OK, b);
}

/* The REST faults, in order: rate limit, server error. TRUE when answered. */
static gboolean
cw_sim_rest_fault(CwExchangeSim *self, SoupServerMessage *msg, gboolean bybit)
{
	CwSimFaults *f = &self->options.faults;
	guint64 n = self->n_rest++;
	SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
	g_autofree char *reset = g_strdup_printf("%" G_GINT64_FORMAT, cw_sim_now_ms(self) + 1000);

	if (bybit) {
		soup_message_headers_replace(headers, "X-Bapi-Limit", "120");
		soup_message_headers_replace(headers, "X-Bapi-Limit-Reset-Timestamp", reset);
	}
	if (f->rate_limit_next > 0 || cw_sim_faults_hit(f, f->rate_limit_every, 5, n)) {
		if (f->rate_limit_next > 0)
			f->rate_limit_next--;
		self->n_rest_faulted++;
		if (bybit) {
			soup_message_headers_replace(headers, "X-Bapi-Limit-Status", "0");
			cw_sim_bybit_error(self, msg, 10006, "Too many visits!");
		} else {
			soup_message_headers_replace(headers, "Retry-After", "1");
			cw_sim_binance_error(msg, 429, -1003,
					     "Too many requests; current limit is 2400 requests "
					     "per minute.");
		}
		return TRUE;
	}
	if (bybit)
		soup_message_headers_replace(headers, "X-Bapi-Limit-Status", "119");
	if (f->rest_error_next > 0 || cw_sim_faults_hit(f, f->rest_error_every, 6, n)) {
		if (f->rest_error_next > 0)
			f->rest_error_next--;
		self->n_rest_faulted++;
		if (bybit)
			cw_sim_respond(msg, f->rest_error_status, "text/plain",
				       "simulated server error");
		else
			cw_sim_binance_error(msg, f->rest_error_status, -1001,
					     "Internal error; unable to process your request. "
					     "Please try again.");
		return TRUE;
	}
	return FALSE;
}

static gboolean
cw_sim_delayed_send(gpointer data)
{
	CwSimDelayed *d = data;

	d->sim->delayed = g_list_remove(d->sim->delayed, d);
	soup_server_message_unpause(d->msg);
	g_object_unref(d->msg);
	g_free(d);
	return G_SOURCE_REMOVE;
}

static void
cw_sim_control(CwExchangeSim *self, SoupServerMessage *msg, const char *path)
{
	const char *method = soup_server_message_get_method(msg);
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(GError) error = NULL;

	if (strcmp(path, "/sim/state") == 0 && strcmp(method, "GET") == 0) {
		g_autoptr(JsonNode) state = cw_exchange_sim_get_state(self);
		g_autofree char *text = cw_json_to_string(state, FALSE);

		cw_sim_respond(msg, SOUP_STATUS_OK, "application/json", text);
		return;
	}
	if (strcmp(path, "/sim/faults") == 0 && strcmp(method, "POST") == 0) {
		SoupMessageBody *body = soup_server_message_get_request_body(msg);
		g_autoptr(GBytes) bytes = soup_message_body_flatten(body);
		gsize len = 0;
		const char *data = g_bytes_get_data(bytes, &len);
		g_autoptr(JsonNode) root =
		    cw_json_parse(data != NULL ? data : "", (gssize) len, "/sim/faults body",
				  CW_JSON_PARSE_DEFAULT, &error);

		if (root == NULL || !cw_exchange_sim_apply_faults(self, root, &error)) {
			cw_sim_respond_message(msg, SOUP_STATUS_BAD_REQUEST, "error", 0,
					       error->message);
			return;
		}
		cw_sim_faults_to_json(&self->options.faults, b);
		cw_sim_respond_builder(msg, SOUP_STATUS_OK, b);
		return;
	}
	cw_sim_respond(msg, SOUP_STATUS_NOT_FOUND, "application/json",
		       "{\"error\":\"GET /sim/state or POST /sim/faults\"}");
}

/* The Date header on the sim's clock, as an exchange's is on its own:
 * the feeds tell a forming candle by it. The forming row served is the
 * one of that same instant (request_ms). */
static void
cw_sim_set_date(CwExchangeSim *self, SoupServerMessage *msg)
{
	g_autoptr(GDateTime) date = NULL;
	g_autofree char *text = NULL;

	self->request_ms = cw_sim_now_ms(self);
	date = g_date_time_new_from_unix_utc(self->request_ms / 1000);
	text = date != NULL ? soup_date_time_to_string(date, SOUP_DATE_HTTP) : NULL;
	if (text != NULL)
		soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Date",
					     text);
}

static CwSimBybitPrivate *
cw_sim_account_by_key(const char *api_key, gpointer data)
{
	CwExchangeSim *self = data;

	for (guint i = 0; i < self->accounts->len; i++) {
		if (cw_sim_bybit_private_has_key(self->accounts->pdata[i], api_key))
			return self->accounts->pdata[i];
	}
	return NULL;
}

/* The account a private request's key names; the first for the control
 * paths and for an unknown key (which it refuses). */
static CwSimBybitPrivate *
cw_sim_account_of(CwExchangeSim *self, SoupServerMessage *msg, const char *path)
{
	CwSimBybitPrivate *account = NULL;

	if (self->accounts->len > 1 && !g_str_has_prefix(path, "/sim/"))
		account = cw_sim_account_by_key(
		    soup_message_headers_get_one(soup_server_message_get_request_headers(msg),
						 "X-BAPI-API-KEY"),
		    self);
	return account != NULL ? account : self->priv;
}

static void
cw_sim_on_http(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
	       gpointer data)
{
	CwExchangeSim *self = data;
	gboolean bybit = g_str_has_prefix(path, "/v5/");
	gboolean spot = g_str_has_prefix(path, "/api/v3/");
	guint delay = self->options.faults.rest_delay_ms;

	if (self->priv != NULL &&
	    cw_sim_bybit_private_handle(cw_sim_account_of(self, msg, path), msg, path, query))
		return;
	if (g_str_has_prefix(path, "/sim/")) {
		cw_sim_control(self, msg, path);
		return;
	}
	if (strcmp(soup_server_message_get_method(msg), "GET") != 0) {
		cw_sim_respond(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "text/plain", "GET only");
		return;
	}
	if (!bybit && !spot && !g_str_has_prefix(path, "/fapi/v1/")) {
		cw_sim_respond(msg, SOUP_STATUS_NOT_FOUND, "text/plain", "not found");
		return;
	}
	cw_sim_set_date(self, msg);
	if (!cw_sim_rest_fault(self, msg, bybit)) {
		const char *leaf = strrchr(path, '/') + 1;

		if (strcmp(path, "/v5/market/kline") == 0)
			cw_sim_bybit_kline(self, msg, query);
		else if (strcmp(path, "/v5/market/instruments-info") == 0)
			cw_sim_bybit_instruments(self, msg, query);
		else if (strcmp(path, "/v5/market/tickers") == 0)
			cw_sim_bybit_tickers(self, msg, query);
		else if (strcmp(path, "/v5/market/time") == 0)
			cw_sim_bybit_time(self, msg);
		else if (strcmp(path, "/fapi/v1/klines") == 0 ||
			 strcmp(path, "/api/v3/klines") == 0)
			cw_sim_binance_klines(self, msg, query, spot);
		else if (!bybit && strcmp(leaf, "exchangeInfo") == 0)
			cw_sim_binance_exchange_info(self, msg, query, spot);
		else if (!bybit && strcmp(leaf, "time") == 0)
			cw_sim_binance_time(self, msg);
		else
			cw_sim_respond(msg, SOUP_STATUS_NOT_FOUND, "text/plain", "not found");
	}
	if (delay > 0) {
		CwSimDelayed *d = g_new0(CwSimDelayed, 1);

		d->sim = self;
		d->msg = g_object_ref(msg);
		soup_server_message_pause(msg);
		d->source = g_timeout_add(delay, cw_sim_delayed_send, d);
		self->delayed = g_list_prepend(self->delayed, d);
	}
}

/* Life cycle ---------------------------------------------------------------------- */

static void
cw_sim_market_free(gpointer data)
{
	CwSimMarket *m = data;

	g_clear_pointer(&m->candles, g_array_unref);
	g_clear_pointer(&m->dropped, g_array_unref);
	g_free(m->path);
	g_free(m->symbol);
	g_free(m->symbol_lower);
	g_free(m);
}

/* Loads one market's file: a symbol at an interval, served once. */
static gboolean
cw_sim_market_load(CwExchangeSim *self, const char *symbol, const char *path, GError **error)
{
	CwSimMarket *m = g_new0(CwSimMarket, 1);
	g_autoptr(CwCandleFile) file = NULL;
	CwCandleSourceResult result;
	CwCandle candle;
	gint64 interval_ms = 0;

	m->index = self->markets->len;
	m->path = g_strdup(path);
	m->symbol = g_ascii_strup(symbol, -1);
	m->symbol_lower = g_ascii_strdown(m->symbol, -1);
	m->candles = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	m->dropped = g_array_new(FALSE, FALSE, sizeof(gint64));
	m->held = -1;
	g_ptr_array_add(self->markets, m);
	if (m->index >= CW_SIM_MAX_MARKETS) {
		g_set_error(error, CW_SIM_ERROR, CW_SIM_ERROR_INVALID, "more than %d markets",
			    CW_SIM_MAX_MARKETS);
		return FALSE;
	}
	file = cw_candle_file_new(path);
	g_object_set(file, "symbol", m->symbol, NULL);
	if (!cw_candle_source_open(CW_CANDLE_SOURCE(file), error))
		return FALSE;
	while ((result = cw_candle_source_next(CW_CANDLE_SOURCE(file), &candle, error)) ==
	       CW_CANDLE_SOURCE_OK)
		g_array_append_val(m->candles, candle);
	if (result == CW_CANDLE_SOURCE_ERROR)
		return FALSE;
	if (m->candles->len == 0) {
		g_set_error(error, CW_SIM_ERROR, CW_SIM_ERROR_INVALID, "%s: no candles", path);
		return FALSE;
	}
	g_object_get(file, "interval", &interval_ms, NULL);
	/* the clock runs in candles of the first file */
	if (self->interval_ms == 0)
		self->interval_ms = interval_ms;
	m->interval_ms = interval_ms;
	m->bybit_interval = cw_kline_bybit_interval_name(interval_ms);
	m->binance_interval = cw_kline_binance_interval_name(interval_ms);
	if (m->bybit_interval == NULL || m->binance_interval == NULL) {
		g_set_error(error, CW_SIM_ERROR, CW_SIM_ERROR_INVALID,
			    "%s: interval of %" G_GINT64_FORMAT
			    " ms is not one both Bybit and Binance serve",
			    path, interval_ms);
		return FALSE;
	}
	for (guint k = 0; k < m->index; k++) {
		CwSimMarket *o = CW_SIM_MARKET(self, k);

		if (strcmp(o->symbol, m->symbol) == 0 && o->interval_ms == m->interval_ms) {
			g_set_error(error, CW_SIM_ERROR, CW_SIM_ERROR_INVALID,
				    "symbol %s is served twice at one interval", m->symbol);
			return FALSE;
		}
	}
	g_snprintf(m->bybit_topic, sizeof m->bybit_topic, "kline.%s.%s", m->bybit_interval,
		   m->symbol);
	g_snprintf(m->binance_stream, sizeof m->binance_stream, "%s@kline_%s", m->symbol_lower,
		   m->binance_interval);
	m->n_closed = MIN(self->options.history, m->candles->len);
	m->cursor_i = m->n_closed;
	return TRUE;
}

CwExchangeSim *
cw_exchange_sim_new(const CwExchangeSimOptions *options, GError **error)
{
	g_autoptr(CwExchangeSim) self = g_new0(CwExchangeSim, 1);

	self->options = *options;
	self->options.path = NULL;
	self->options.symbol = NULL;
	self->options.markets = NULL;
	self->options.api_key = NULL;
	self->options.api_secret = NULL;
	if (options->api_key != NULL) {
		self->priv = cw_sim_bybit_private_new(
		    options->api_key, options->api_secret != NULL ? options->api_secret : "",
		    options->balance, cw_sim_clock, self);
		cw_sim_bybit_private_set_rules(self->priv, options->qty_step, options->min_qty);
	}
	self->accounts = g_ptr_array_new();
	if (self->priv != NULL)
		g_ptr_array_add(self->accounts, self->priv);
	self->markets = g_ptr_array_new_with_free_func(cw_sim_market_free);
	self->conns = g_ptr_array_new_with_free_func(cw_sim_conn_free);
	if (options->path == NULL) {
		g_set_error(error, CW_SIM_ERROR, CW_SIM_ERROR_INVALID, "no candle file given");
		return NULL;
	}
	if (!cw_sim_market_load(self, options->symbol != NULL ? options->symbol : "BTCUSDT",
				options->path, error))
		return NULL;
	for (guint i = 0; options->markets != NULL && options->markets[i] != NULL; i++) {
		const char *eq = strchr(options->markets[i], '=');
		g_autofree char *symbol = NULL;

		if (eq == NULL || eq == options->markets[i] || eq[1] == '\0') {
			g_set_error(error, CW_SIM_ERROR, CW_SIM_ERROR_INVALID,
				    "market \"%s\": expected SYMBOL=FILE", options->markets[i]);
			return NULL;
		}
		symbol = g_strndup(options->markets[i], (gsize) (eq - options->markets[i]));
		if (!cw_sim_market_load(self, symbol, eq + 1, error))
			return NULL;
	}
	return g_steal_pointer(&self);
}

void
cw_exchange_sim_free(CwExchangeSim *self)
{
	if (self == NULL)
		return;
	if (self->tick_id != 0)
		g_source_remove(self->tick_id);
	for (GList *l = self->delayed; l != NULL; l = l->next) {
		CwSimDelayed *d = l->data;

		g_source_remove(d->source);
		soup_server_message_unpause(d->msg);
		g_object_unref(d->msg);
		g_free(d);
	}
	g_list_free(self->delayed);
	g_clear_pointer(&self->conns, g_ptr_array_unref);
	/* the added accounts (the first is priv) */
	for (guint i = 1; self->accounts != NULL && i < self->accounts->len; i++)
		cw_sim_bybit_private_free(self->accounts->pdata[i]);
	g_clear_pointer(&self->accounts, g_ptr_array_unref);
	g_clear_pointer(&self->priv, cw_sim_bybit_private_free);
	if (self->server != NULL)
		soup_server_disconnect(self->server);
	g_clear_object(&self->server);
	g_clear_pointer(&self->markets, g_ptr_array_unref);
	g_free(self);
}

gboolean
cw_exchange_sim_start(CwExchangeSim *self, guint port, GError **error)
{
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, port);
	GSList *uris;

	self->server = soup_server_new("server-header", "candlewick-exchange-sim", NULL);
	soup_server_add_handler(self->server, NULL, cw_sim_on_http, self, NULL);
	soup_server_add_websocket_handler(self->server, "/v5/public/linear", NULL, NULL,
					  cw_sim_on_websocket, self, NULL);
	soup_server_add_websocket_handler(self->server, "/v5/public/spot", NULL, NULL,
					  cw_sim_on_websocket, self, NULL);
	if (self->priv != NULL)
		soup_server_add_websocket_handler(self->server, "/v5/private", NULL, NULL,
						  cw_sim_on_private_websocket, self, NULL);
	soup_server_add_websocket_handler(self->server, "/ws", NULL, NULL, cw_sim_on_websocket,
					  self, NULL);
	soup_server_add_websocket_handler(self->server, "/stream", NULL, NULL, cw_sim_on_websocket,
					  self, NULL);
	/* not soup_server_listen(): its backlog of 10 resets bursts of connects */
	if (!cw_net_listen_tcp(self->server, address, 0, error))
		return FALSE;
	uris = soup_server_get_uris(self->server);
	self->port = uris != NULL ? (guint) g_uri_get_port(uris->data) : 0;
	g_slist_free_full(uris, (GDestroyNotify) g_uri_unref);
	cw_sim_maybe_start(self);
	self->tick_id = g_timeout_add(CW_SIM_TICK_MS, cw_sim_tick, self);
	return TRUE;
}

CwSimBybitPrivate *
cw_exchange_sim_get_private(CwExchangeSim *self)
{
	return self->priv;
}

CwSimBybitPrivate *
cw_exchange_sim_add_account(CwExchangeSim *self, const char *api_key, const char *api_secret,
			    GError **error)
{
	CwSimBybitPrivate *account;

	if (self->priv == NULL || api_key == NULL || *api_key == '\0' ||
	    cw_sim_account_by_key(api_key, self) != NULL) {
		g_set_error(error, CW_SIM_ERROR, CW_SIM_ERROR_INVALID,
			    self->priv == NULL ? "add account: the simulator has no private API"
					       : "add account: the key is empty or already known");
		return NULL;
	}
	account = cw_sim_bybit_private_new(api_key, api_secret != NULL ? api_secret : "",
					   self->options.balance, cw_sim_clock, self);
	cw_sim_bybit_private_set_rules(account, self->options.qty_step, self->options.min_qty);
	cw_sim_bybit_private_set_account_func(account, cw_sim_account_by_key, self);
	cw_sim_bybit_private_set_account_func(self->priv, cw_sim_account_by_key, self);
	g_ptr_array_add(self->accounts, account);
	return account;
}

guint
cw_exchange_sim_get_n_accounts(CwExchangeSim *self)
{
	return self->accounts->len;
}

CwSimBybitPrivate *
cw_exchange_sim_get_account(CwExchangeSim *self, guint i)
{
	g_return_val_if_fail(i < self->accounts->len, NULL);
	return self->accounts->pdata[i];
}

guint
cw_exchange_sim_get_port(CwExchangeSim *self)
{
	return self->port;
}

void
cw_exchange_sim_set_finished_func(CwExchangeSim *self, GSourceFunc func, gpointer data)
{
	self->finished_func = func;
	self->finished_data = data;
}

/** cw_exchange_sim_set_sent_func: calls func after each closed candle's frame */
void
cw_exchange_sim_set_sent_func(CwExchangeSim *self, CwExchangeSimSentFunc func, gpointer data)
{
	self->sent_func = func;
	self->sent_data = data;
}

gboolean
cw_exchange_sim_apply_faults(CwExchangeSim *self, JsonNode *faults, GError **error)
{
	return cw_sim_faults_apply_json(&self->options.faults, faults, error);
}

GArray *
cw_exchange_sim_get_candles(CwExchangeSim *self)
{
	return CW_SIM_MARKET(self, 0)->candles;
}

guint
cw_exchange_sim_get_n_closed(CwExchangeSim *self)
{
	return CW_SIM_MARKET(self, 0)->n_closed;
}

static void
cw_sim_state_market(CwSimMarket *m, JsonBuilder *b)
{
	cw_sim_add_str(b, "symbol", m->symbol);
	json_builder_set_member_name(b, "candles");
	json_builder_add_int_value(b, m->candles->len);
	json_builder_set_member_name(b, "closed");
	json_builder_add_int_value(b, m->n_closed);
	json_builder_set_member_name(b, "streamed");
	json_builder_add_int_value(b, m->cursor_i);
	json_builder_set_member_name(b, "dropped");
	json_builder_begin_array(b);
	for (guint i = 0; i < m->dropped->len; i++)
		json_builder_add_int_value(b, g_array_index(m->dropped, gint64, i));
	json_builder_end_array(b);
}

JsonNode *
cw_exchange_sim_get_state(CwExchangeSim *self)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	static const char *const wires[] = {"bybit", "binance", "binance-combined"};

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "port");
	json_builder_add_int_value(b, self->port);
	json_builder_set_member_name(b, "interval_ms");
	json_builder_add_int_value(b, self->interval_ms);
	json_builder_set_member_name(b, "sim_time");
	json_builder_add_int_value(b, cw_sim_now_ms(self));
	/* The first market's figures at the top, every market's in "markets". */
	cw_sim_state_market(CW_SIM_MARKET(self, 0), b);
	json_builder_set_member_name(b, "markets");
	json_builder_begin_array(b);
	for (guint k = 0; k < self->markets->len; k++) {
		json_builder_begin_object(b);
		cw_sim_state_market(CW_SIM_MARKET(self, k), b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "ended");
	json_builder_add_boolean_value(b, self->ended);
	json_builder_set_member_name(b, "frames_sent");
	json_builder_add_int_value(b, (gint64) self->n_frames_sent);
	json_builder_set_member_name(b, "bad_frames_sent");
	json_builder_add_int_value(b, (gint64) self->n_bad_sent);
	json_builder_set_member_name(b, "rest_requests");
	json_builder_add_int_value(b, (gint64) self->n_rest);
	json_builder_set_member_name(b, "rest_faulted");
	json_builder_add_int_value(b, (gint64) self->n_rest_faulted);
	json_builder_set_member_name(b, "connections_accepted");
	json_builder_add_int_value(b, (gint64) self->n_conns);
	json_builder_set_member_name(b, "connections");
	json_builder_begin_array(b);
	for (guint i = 0; i < self->conns->len; i++) {
		CwSimConn *conn = self->conns->pdata[i];

		json_builder_begin_object(b);
		cw_sim_add_str(b, "id", conn->id);
		cw_sim_add_str(b, "wire", wires[conn->wire]);
		json_builder_set_member_name(b, "subscribed");
		json_builder_begin_array(b);
		for (guint k = 0; k < self->markets->len; k++) {
			if ((conn->subscribed & (1u << k)) != 0)
				json_builder_add_string_value(b, CW_SIM_MARKET(self, k)->symbol);
		}
		json_builder_end_array(b);
		json_builder_set_member_name(b, "silent");
		json_builder_add_boolean_value(b, conn->silent);
		json_builder_set_member_name(b, "frames");
		json_builder_add_int_value(b, (gint64) conn->frames);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "faults");
	cw_sim_faults_to_json(&self->options.faults, b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}
