/* CwBinanceFeed: the Binance (USDⓈ-M futures, spot) dialect of CwLiveFeed. */
#include "cw-streaming.h"

struct _CwBinanceFeed {
	CwLiveFeed parent_instance;
};

G_DEFINE_FINAL_TYPE(CwBinanceFeed, cw_binance_feed, CW_TYPE_LIVE_FEED)

static const char *const cw_binance_feed_markets[] = {"usdm", "spot", NULL};
static const char *const cw_binance_feed_ws_urls[] = {"wss://fstream.binance.com",
						      "wss://stream.binance.com:9443"};
static const char *const cw_binance_feed_rest_urls[] = {"https://fapi.binance.com",
							"https://api.binance.com"};
static const char *const cw_binance_feed_paths[] = {"/fapi/v1/klines", "/api/v3/klines"};
static const guint cw_binance_feed_max_rows[] = {1500, 1000};

static char *
cw_binance_feed_topic(const char *symbol, const char *interval)
{
	g_autofree char *lower = g_ascii_strdown(symbol, -1);

	return g_strdup_printf("%s@kline_%s", lower, interval);
}

/* A combined stream: /stream?streams=a/b/c */
static char *
cw_binance_feed_stream_url(const char *ws_url, const char *const *topics, guint n)
{
	GString *out = g_string_new(ws_url);

	g_string_append(out, "/stream?streams=");
	for (guint i = 0; i < n; i++)
		g_string_append_printf(out, "%s%s", i > 0 ? "/" : "", topics[i]);
	return g_string_free(out, FALSE);
}

/* {"method":"SUBSCRIBE","params":["btcusdt@kline_5m",...],"id":1} */
static char *
cw_binance_feed_request(const char *method, const char *const *topics, guint n, guint req)
{
	GString *out = g_string_new(NULL);
	CwJsonWriter w;

	cw_json_writer_init(&w, out, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_string(&w, "method", method);
	cw_json_writer_key(&w, "params");
	cw_json_writer_begin_array(&w);
	for (guint i = 0; i < n; i++)
		cw_json_writer_string(&w, topics[i]);
	cw_json_writer_end_array(&w);
	cw_json_writer_member_uint(&w, "id", req);
	cw_json_writer_end_object(&w);
	return g_string_free(out, FALSE);
}

static char *
cw_binance_feed_subscribe(const char *const *topics, guint n, guint req)
{
	return cw_binance_feed_request("SUBSCRIBE", topics, n, req);
}

static char *
cw_binance_feed_unsubscribe(const char *const *topics, guint n, guint req)
{
	return cw_binance_feed_request("UNSUBSCRIBE", topics, n, req);
}

static char *
cw_binance_feed_page_url(const char *rest_url, const char *path, const char *market,
			 const char *symbol, const char *interval, gint64 start, guint limit)
{
	if (start < 0)
		return g_strdup_printf("%s%s?symbol=%s&interval=%s&limit=%u", rest_url, path,
				       symbol, interval, limit);
	return g_strdup_printf("%s%s?symbol=%s&interval=%s&startTime=%" G_GINT64_FORMAT "&limit=%u",
			       rest_url, path, symbol, interval, start, limit);
}

static const CwLiveFeedDialect cw_binance_feed_dialect = {
    .exchange = "binance",
    .market_key = "market",
    .markets = cw_binance_feed_markets,
    .ws_urls = cw_binance_feed_ws_urls,
    .rest_urls = cw_binance_feed_rest_urls,
    .kline_paths = cw_binance_feed_paths,
    .max_rows = cw_binance_feed_max_rows,
    .ping_s = 0,
    /* Binance closes a connection at 24 h: rotate half an hour before */
    .max_age_s = 23.5 * 3600,
    .interval_name = cw_kline_binance_interval_name,
    .topic = cw_binance_feed_topic,
    .stream_url = cw_binance_feed_stream_url,
    .subscribe = cw_binance_feed_subscribe,
    .unsubscribe = cw_binance_feed_unsubscribe,
    /* Binance "WebSocket Market Streams": at most 1024 streams a
     * connection, and 5 incoming messages a second (spot; 10 on USDⓈ-M);
     * 200 streams a request keeps each message small */
    .max_args = 200,
    .max_topics = 1024,
    .max_topic_chars = 0,
    .max_send_per_s = 4,
    .ping = NULL,
    .page_url = cw_binance_feed_page_url,
    .decode_frame = cw_binance_kline_decode_frame,
    .decode_page = cw_binance_kline_decode_page,
};

static void
cw_binance_feed_class_init(CwBinanceFeedClass *klass)
{
	CW_LIVE_FEED_CLASS(klass)->dialect = &cw_binance_feed_dialect;
}

static void
cw_binance_feed_init(CwBinanceFeed *self)
{
}
