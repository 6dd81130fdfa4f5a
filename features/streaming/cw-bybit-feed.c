/* CwBybitFeed: the Bybit v5 dialect of CwLiveFeed. */
#include "cw-streaming.h"

struct _CwBybitFeed {
	CwLiveFeed parent_instance;
};

G_DEFINE_FINAL_TYPE(CwBybitFeed, cw_bybit_feed, CW_TYPE_LIVE_FEED)

static const char *const cw_bybit_feed_markets[] = {"linear", "spot", NULL};
static const char *const cw_bybit_feed_ws_urls[] = {"wss://stream.bybit.com/v5/public/linear",
						    "wss://stream.bybit.com/v5/public/spot"};
static const char *const cw_bybit_feed_rest_urls[] = {"https://api.bybit.com",
						      "https://api.bybit.com"};
static const char *const cw_bybit_feed_paths[] = {"/v5/market/kline", "/v5/market/kline"};
static const guint cw_bybit_feed_max_rows[] = {1000, 1000};

static char *
cw_bybit_feed_topic(const char *symbol, const char *interval)
{
	return g_strdup_printf("kline.%s.%s", interval, symbol);
}

static char *
cw_bybit_feed_stream_url(const char *ws_url, const char *const *topics, guint n)
{
	return g_strdup(ws_url);
}

/* {"op":"subscribe","args":["kline.5.BTCUSDT",...],"req_id":"cw-1"} */
static char *
cw_bybit_feed_request(const char *op, const char *const *topics, guint n, guint req)
{
	GString *out = g_string_new(NULL);
	g_autofree char *req_id = g_strdup_printf("cw-%u", req);
	CwJsonWriter w;

	cw_json_writer_init(&w, out, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_string(&w, "op", op);
	cw_json_writer_key(&w, "args");
	cw_json_writer_begin_array(&w);
	for (guint i = 0; i < n; i++)
		cw_json_writer_string(&w, topics[i]);
	cw_json_writer_end_array(&w);
	cw_json_writer_member_string(&w, "req_id", req_id);
	cw_json_writer_end_object(&w);
	return g_string_free(out, FALSE);
}

static char *
cw_bybit_feed_subscribe(const char *const *topics, guint n, guint req)
{
	return cw_bybit_feed_request("subscribe", topics, n, req);
}

static char *
cw_bybit_feed_unsubscribe(const char *const *topics, guint n, guint req)
{
	return cw_bybit_feed_request("unsubscribe", topics, n, req);
}

static char *
cw_bybit_feed_page_url(const char *rest_url, const char *path, const char *market,
		       const char *symbol, const char *interval, gint64 start, guint limit)
{
	if (start < 0)
		return g_strdup_printf("%s%s?category=%s&symbol=%s&interval=%s&limit=%u", rest_url,
				       path, market, symbol, interval, limit);
	return g_strdup_printf("%s%s?category=%s&symbol=%s&interval=%s&start=%" G_GINT64_FORMAT
			       "&limit=%u",
			       rest_url, path, market, symbol, interval, start, limit);
}

static const CwLiveFeedDialect cw_bybit_feed_dialect = {
    .exchange = "bybit",
    .market_key = "category",
    .markets = cw_bybit_feed_markets,
    .ws_urls = cw_bybit_feed_ws_urls,
    .rest_urls = cw_bybit_feed_rest_urls,
    .kline_paths = cw_bybit_feed_paths,
    .max_rows = cw_bybit_feed_max_rows,
    .ping_s = 20,
    .max_age_s = 0,
    .interval_name = cw_kline_bybit_interval_name,
    .topic = cw_bybit_feed_topic,
    .stream_url = cw_bybit_feed_stream_url,
    .subscribe = cw_bybit_feed_subscribe,
    .unsubscribe = cw_bybit_feed_unsubscribe,
    /* Bybit v5 "Connect" (docs/v5/ws/connect, "Public channel - Args
     * limits"): for one public connection the "args" array may not be
     * over 21,000 characters long (counted as JSON, cw-live-conn.c); spot
     * takes at most 10 args per subscribe request, linear has no args
     * limit "for now": 10 a request for both */
    .max_args = 10,
    .max_topics = 0,
    .max_topic_chars = 21000,
    .max_send_per_s = 0,
    .ping = "{\"op\":\"ping\"}",
    .page_url = cw_bybit_feed_page_url,
    .decode_frame = cw_bybit_kline_decode_frame,
    .decode_page = cw_bybit_kline_decode_page,
};

static void
cw_bybit_feed_class_init(CwBybitFeedClass *klass)
{
	CW_LIVE_FEED_CLASS(klass)->dialect = &cw_bybit_feed_dialect;
}

static void
cw_bybit_feed_init(CwBybitFeed *self)
{
}
