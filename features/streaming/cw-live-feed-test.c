/* CwLiveFeed's order and bad-frame handling, fed frames directly with
 * cw_live_feed_ingest() (the network paths are in tests/cw-e2e-live-test.c). */
#include "cw-streaming.h"

#include "cw-live-conn-private.h"

#include "cw-config.h"

#include <string.h>

#define T0 1672324800000

static CwMarketFeed *
new_feed(const char *type, const char *feed_json)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *json =
	    g_strdup_printf("{\"name\": \"b\", \"symbol\": \"BTCUSDT\", \"interval\": \"5m\", "
			    "\"strategy\": {\"analyzers\": [{\"type\": \"rsi\"}]}, \"feed\": %s}",
			    feed_json);
	g_autoptr(CwBotConfig) config = cw_bot_config_new_from_data(json, -1, &error);
	g_autoptr(GObject) feed = NULL;

	g_assert_no_error(error);
	cw_streaming_register_types();
	feed = cw_extension_new(CW_EXTENSION_POINT_MARKET_FEED, type, &error);
	g_assert_no_error(error);
	if (!cw_market_feed_configure(CW_MARKET_FEED(feed), config, &error))
		return NULL;
	return CW_MARKET_FEED(g_steal_pointer(&feed));
}

static char *
bybit_frame(gint64 i, gboolean confirm, double close)
{
	return g_strdup_printf(
	    "{\"topic\":\"kline.5.BTCUSDT\",\"data\":[{\"start\":%" G_GINT64_FORMAT
	    ",\"end\":%" G_GINT64_FORMAT ",\"interval\":\"5\",\"open\":\"100\",\"close\":\"%g\","
	    "\"high\":\"200\",\"low\":\"50\",\"volume\":\"2\",\"turnover\":\"1\",\"confirm\":%s,"
	    "\"timestamp\":1}],\"ts\":1,\"type\":\"snapshot\"}",
	    T0 + i * 300000, T0 + i * 300000 + 299999, close, confirm ? "true" : "false");
}

static void
sink(const CwCandle *candle, gpointer user_data)
{
	g_array_append_val((GArray *) user_data, *candle);
}

static void
ingest(CwMarketFeed *feed, const char *frame)
{
	cw_live_feed_ingest(CW_LIVE_FEED(feed), frame, strlen(frame), FALSE);
}

/* Closed candles once, in order; partials are the latest price, not
 * candles; duplicates and late frames dropped and counted. */
static void
test_order(void)
{
	g_autoptr(CwMarketFeed) feed = new_feed("bybit", "{\"type\": \"bybit\"}");
	g_autoptr(GArray) got = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	gint64 order[] = {0, 1, 1, 2, 1, 3, 3, 4};
	const CwLiveFeedStats *stats = cw_live_feed_get_stats(CW_LIVE_FEED(feed));
	CwCandle latest;

	cw_market_feed_add_sink(feed, sink, got);
	g_assert_false(cw_live_feed_get_latest(CW_LIVE_FEED(feed), &latest));
	for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
		g_autofree char *partial = bybit_frame(order[i], FALSE, 120 + i);
		g_autofree char *closed = bybit_frame(order[i], TRUE, 150 + order[i]);
		ingest(feed, partial);
		g_assert_true(cw_live_feed_get_latest(CW_LIVE_FEED(feed), &latest));
		g_assert_cmpfloat(latest.close, ==, 120 + i);
		ingest(feed, closed);
	}
	g_assert_cmpuint(got->len, ==, 5);
	for (guint i = 0; i < got->len; i++) {
		CwCandle *c = &g_array_index(got, CwCandle, i);
		g_assert_cmpint(c->open_time, ==, T0 + (gint64) i * 300000);
		g_assert_cmpfloat(c->close, ==, 150 + i);
		g_assert_cmpint(c->interval_ms, ==, 300000);
	}
	g_assert_cmpuint(stats->duplicates, ==, 3);
	g_assert_cmpuint(stats->partials, ==, G_N_ELEMENTS(order));
	g_assert_cmpuint(stats->candles, ==, 5);
}

/* Every kind of bad frame is counted under its kind and is never a
 * candle; the good frames around them still are. */
static void
test_bad_frames(void)
{
	g_autoptr(CwMarketFeed) feed = new_feed("bybit", "{\"type\": \"bybit\"}");
	g_autoptr(GArray) got = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	const CwLiveFeedStats *stats = cw_live_feed_get_stats(CW_LIVE_FEED(feed));
	g_autofree char *good0 = bybit_frame(0, TRUE, 150);
	g_autofree char *good1 = bybit_frame(1, TRUE, 151);
	g_autofree char *nan = g_strdup(good1);
	g_autofree char *big = g_malloc0(CW_KLINE_FRAME_MAX_BYTES + 10);
	const char *other_topic =
	    "{\"topic\":\"kline.5.ETHUSDT\",\"data\":[{\"start\":1,\"end\":300000,\"interval\":"
	    "\"5\",\"open\":\"1\",\"close\":\"1\",\"high\":\"1\",\"low\":\"1\",\"volume\":\"1\","
	    "\"turnover\":\"1\",\"confirm\":true,\"timestamp\":1}]}";

	{
		char *close = strstr(nan, "\"close\":\"") + 9;

		close[0] = 'N';
		close[1] = 'a';
		close[2] = 'N';
	}
	memset(big, ' ', CW_KLINE_FRAME_MAX_BYTES + 5);
	g_quark_from_string("ETHUSDT");
	cw_market_feed_add_sink(feed, sink, got);
	ingest(feed, good0);
	ingest(feed, "{\"topic\":");
	ingest(feed, nan);
	ingest(feed, other_topic);
	cw_live_feed_ingest(CW_LIVE_FEED(feed), good1, strlen(good1), TRUE);
	cw_live_feed_ingest(CW_LIVE_FEED(feed), big, CW_KLINE_FRAME_MAX_BYTES + 5, FALSE);
	g_assert_cmpuint(got->len, ==, 1);
	ingest(feed, good1);
	g_assert_cmpuint(got->len, ==, 2);
	g_assert_cmpuint(stats->bad_frames, ==, 5);
	g_assert_cmpuint(stats->bad_by_kind[CW_KLINE_ERROR_NOT_JSON], ==, 1);
	g_assert_cmpuint(stats->bad_by_kind[CW_KLINE_ERROR_UNKNOWN_TOPIC], ==, 1);
	g_assert_cmpuint(stats->bad_by_kind[CW_KLINE_ERROR_BINARY], ==, 1);
	g_assert_cmpuint(stats->bad_by_kind[CW_KLINE_ERROR_OVERSIZED], ==, 1);
	g_assert_cmpuint(stats->bad_by_kind[CW_KLINE_ERROR_BAD_NUMBER] +
			     stats->bad_by_kind[CW_KLINE_ERROR_WRONG_TYPE],
			 ==, 1);
}

/* Without a connection a skipped interval cannot be filled: it is counted
 * with its length, and the candle after it still goes out. */
static void
test_unfilled_gap(void)
{
	g_autoptr(CwMarketFeed) feed = new_feed("bybit", "{\"type\": \"bybit\"}");
	g_autoptr(GArray) got = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	const CwLiveFeedStats *stats = cw_live_feed_get_stats(CW_LIVE_FEED(feed));
	g_autofree char *c0 = bybit_frame(0, TRUE, 150);
	g_autofree char *c4 = bybit_frame(4, TRUE, 154);

	cw_market_feed_add_sink(feed, sink, got);
	ingest(feed, c0);
	ingest(feed, c4);
	g_assert_cmpuint(got->len, ==, 2);
	g_assert_cmpuint(stats->gaps_unfilled, ==, 1);
	g_assert_cmpuint(stats->missing, ==, 3);
}

/* configure: defaults, keys, choices, URLs, intervals; the key. */
static void
test_configure(void)
{
	g_autoptr(CwMarketFeed) bybit = new_feed("bybit", "{\"type\": \"bybit\"}");
	g_autoptr(CwMarketFeed) binance =
	    new_feed("binance", "{\"type\": \"binance\", \"market\": \"spot\"}");
	g_autoptr(GError) error = NULL;
	g_autofree char *json = NULL;
	g_autoptr(CwBotConfig) config = NULL;
	g_autoptr(GObject) feed = NULL;

	g_assert_cmpstr(cw_market_feed_get_key(bybit), ==,
			"bybit:linear:BTCUSDT:5m@wss://stream.bybit.com/v5/public/linear");
	g_assert_cmpstr(cw_market_feed_get_exchange(bybit), ==, "bybit");
	g_assert_cmpstr(cw_market_feed_get_key(binance), ==,
			"binance:spot:BTCUSDT:5m@wss://stream.binance.com:9443");
	g_assert_cmpstr(cw_market_feed_get_exchange(binance), ==, "binance-spot");
	g_assert_cmpint(cw_market_feed_get_state(bybit), ==, CW_FEED_STATE_STOPPED);

	json = g_strdup("{\"name\": \"b\", \"symbol\": \"BTCUSDT\", \"interval\": \"5m\", "
			"\"strategy\": {\"analyzers\": [{\"type\": \"rsi\"}]}, \"feed\": "
			"{\"type\": \"bybit\", \"categroy\": \"spot\"}}");
	config = cw_bot_config_new_from_data(json, -1, &error);
	g_assert_no_error(error);
	feed = cw_extension_new(CW_EXTENSION_POINT_MARKET_FEED, "bybit", &error);
	g_assert_false(cw_market_feed_configure(CW_MARKET_FEED(feed), config, &error));
	g_assert_nonnull(strstr(error->message, "feed.categroy"));
	g_clear_error(&error);
	g_clear_pointer(&config, cw_bot_config_unref);
	g_free(json);
	json = g_strdup("{\"name\": \"b\", \"symbol\": \"BTCUSDT\", \"interval\": \"5m\", "
			"\"strategy\": {\"analyzers\": [{\"type\": \"rsi\"}]}, \"feed\": "
			"{\"type\": \"binance\", \"ws_url\": \"http://x\"}}");
	config = cw_bot_config_new_from_data(json, -1, &error);
	g_clear_object(&feed);
	feed = cw_extension_new(CW_EXTENSION_POINT_MARKET_FEED, "binance", &error);
	g_assert_false(cw_market_feed_configure(CW_MARKET_FEED(feed), config, &error));
	g_assert_nonnull(strstr(error->message, "feed.ws_url"));
	g_clear_error(&error);
	g_clear_pointer(&config, cw_bot_config_unref);
	g_free(json);
	json = g_strdup("{\"name\": \"b\", \"symbol\": \"BTCUSDT\", \"interval\": \"7m\", "
			"\"strategy\": {\"analyzers\": [{\"type\": \"rsi\"}]}, \"feed\": "
			"{\"type\": \"bybit\"}}");
	config = cw_bot_config_new_from_data(json, -1, &error);
	if (config != NULL) {
		g_clear_object(&feed);
		feed = cw_extension_new(CW_EXTENSION_POINT_MARKET_FEED, "bybit", &error);
		g_assert_false(cw_market_feed_configure(CW_MARKET_FEED(feed), config, &error));
		g_assert_nonnull(strstr(error->message, "no 7m candles"));
	}
}

/* A started feed of symbol on a port nothing listens on (its connection
 * only retries). */
static CwMarketFeed *
start_feed_with(const char *type, const char *symbol, const char *interval, const char *extra)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *json = g_strdup_printf(
	    "{\"name\": \"b\", \"symbol\": \"%s\", \"interval\": \"%s\", "
	    "\"strategy\": {\"analyzers\": [{\"type\": \"rsi\"}]}, \"feed\": {\"type\": \"%s\", "
	    "\"ws_url\": \"ws://127.0.0.1:9/x\", \"rest_url\": \"http://127.0.0.1:9\"%s}}",
	    symbol, interval, type, extra);
	g_autoptr(CwBotConfig) config = cw_bot_config_new_from_data(json, -1, &error);
	g_autoptr(GObject) feed = NULL;

	g_assert_no_error(error);
	cw_streaming_register_types();
	feed = cw_extension_new(CW_EXTENSION_POINT_MARKET_FEED, type, &error);
	g_assert_no_error(error);
	g_assert_true(cw_market_feed_configure(CW_MARKET_FEED(feed), config, &error));
	g_assert_true(cw_market_feed_start(CW_MARKET_FEED(feed), &error));
	return CW_MARKET_FEED(g_steal_pointer(&feed));
}

/* A started BTCUSDT 5m feed whose feed section ends with extra (its
 * rest_url among it). */
static CwMarketFeed *
start_feed_rest(const char *type, const char *extra)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *json = g_strdup_printf(
	    "{\"name\": \"b\", \"symbol\": \"BTCUSDT\", \"interval\": \"5m\", "
	    "\"strategy\": {\"analyzers\": [{\"type\": \"rsi\"}]}, \"feed\": {\"type\": \"%s\", "
	    "\"ws_url\": \"ws://127.0.0.1:9/x\"%s}}",
	    type, extra);
	g_autoptr(CwBotConfig) config = cw_bot_config_new_from_data(json, -1, &error);
	g_autoptr(GObject) feed = NULL;

	g_assert_no_error(error);
	cw_streaming_register_types();
	feed = cw_extension_new(CW_EXTENSION_POINT_MARKET_FEED, type, &error);
	g_assert_no_error(error);
	g_assert_true(cw_market_feed_configure(CW_MARKET_FEED(feed), config, &error));
	g_assert_true(cw_market_feed_start(CW_MARKET_FEED(feed), &error));
	return CW_MARKET_FEED(g_steal_pointer(&feed));
}

static CwMarketFeed *
start_feed(const char *type, const char *symbol, const char *interval)
{
	return start_feed_with(type, symbol, interval, "");
}

/* Feeds of one exchange and URL share connections up to the exchange's
 * limit per connection (Binance 1024 streams), whatever their symbols and
 * intervals; the last feed to stop closes the last connection. */
static void
test_shared_connections(void)
{
	g_autoptr(GPtrArray) feeds = g_ptr_array_new_with_free_func(g_object_unref);

	g_assert_cmpuint(cw_live_conn_count(), ==, 0);
	for (guint i = 0; i < 520; i++) {
		g_autofree char *symbol = g_strdup_printf("S%uUSDT", i);

		g_ptr_array_add(feeds, start_feed("binance", symbol, "5m"));
		g_ptr_array_add(feeds, start_feed("binance", symbol, "1h"));
	}
	/* 1,040 streams: 1,024 on the first connection, 16 on a second */
	g_assert_cmpuint(cw_live_conn_count(), ==, 2);
	/* another exchange: a connection of its own */
	g_ptr_array_add(feeds, start_feed("bybit", "BTCUSDT", "5m"));
	g_ptr_array_add(feeds, start_feed("bybit", "ETHUSDT", "15m"));
	g_assert_cmpuint(cw_live_conn_count(), ==, 3);
	for (guint i = 0; i < feeds->len; i++)
		cw_market_feed_stop(g_ptr_array_index(feeds, i));
	g_assert_cmpuint(cw_live_conn_count(), ==, 0);
	g_ptr_array_set_size(feeds, 0);
	/* Bybit counts the args array as JSON: 1,100 topics of 17 characters
	 * are 18,700 characters bare but 22,001 as ["...","..."], over the
	 * 21,000 of one connection */
	for (guint i = 1000; i < 2100; i++) {
		g_autofree char *symbol = g_strdup_printf("S%uUSDT", i);

		g_ptr_array_add(feeds, start_feed("bybit", symbol, "5m"));
	}
	g_assert_cmpuint(cw_live_conn_count(), ==, 2);
	for (guint i = 0; i < feeds->len; i++)
		cw_market_feed_stop(g_ptr_array_index(feeds, i));
	g_assert_cmpuint(cw_live_conn_count(), ==, 0);
	g_ptr_array_set_size(feeds, 0);
	/* a started feed that goes without stop leaves no connection */
	g_object_unref(start_feed("bybit", "BTCUSDT", "5m"));
	g_assert_cmpuint(cw_live_conn_count(), ==, 0);
}

/* A combined stream carries a topic from the URL before its
 * subscription is answered: a closed candle then waits for the warm-up
 * instead of going out before its history. */
static void
test_hold_before_subscribed(void)
{
	g_autoptr(CwMarketFeed) feed = start_feed("binance", "BTCUSDT", "1m");
	g_autoptr(GArray) got = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	const char *frame =
	    "{\"stream\":\"btcusdt@kline_1m\",\"data\":{\"e\":\"kline\",\"E\":1672515782136,"
	    "\"s\":\"BTCUSDT\",\"k\":{\"t\":1672515780000,\"T\":1672515839999,\"s\":\"BTCUSDT\","
	    "\"i\":\"1m\",\"f\":100,\"L\":200,\"o\":\"0.0016\",\"c\":\"0.0020\",\"h\":\"0.0025\","
	    "\"l\":\"0.0015\",\"v\":\"1000\",\"n\":100,\"x\":true,\"q\":\"1.0000\",\"V\":\"500\","
	    "\"Q\":\"0.500\",\"B\":\"123456\"}}}";

	cw_market_feed_add_sink(feed, sink, got);
	ingest(feed, frame);
	g_assert_cmpuint(cw_live_feed_get_stats(CW_LIVE_FEED(feed))->frames, ==, 1);
	g_assert_cmpuint(cw_live_feed_get_stats(CW_LIVE_FEED(feed))->bad_frames, ==, 0);
	g_assert_cmpuint(got->len, ==, 0);
	cw_market_feed_stop(feed);
}

/* A CwCandleHistory over an array, for the warm-up tests. */
#define TEST_TYPE_HISTORY (test_history_get_type())
G_DECLARE_FINAL_TYPE(TestHistory, test_history, TEST, HISTORY, GObject)

struct _TestHistory {
	GObject parent_instance;
	GArray *candles; /* oldest first */
	gint64 from;     /* the last read's arguments */
	guint limit;
	guint reads;
	gboolean fail;
};

static GArray *
test_history_read(CwCandleHistory *history, const char *exchange, const char *symbol,
		  gint64 interval_ms, gint64 from, guint limit, GError **error)
{
	TestHistory *self = TEST_HISTORY(history);
	GArray *out;
	guint n = self->candles->len;
	guint first = n > limit ? n - limit : 0;

	self->reads++;
	if (self->fail) {
		g_set_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_FAILED,
			    "candles: row of BTCUSDT at open_time 1: high is not a number");
		return NULL;
	}
	out = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	g_assert_cmpstr(exchange, ==, "bybit");
	g_assert_cmpstr(symbol, ==, "BTCUSDT");
	g_assert_cmpint(interval_ms, ==, 300000);
	self->from = from;
	self->limit = limit;
	g_array_append_vals(out, (CwCandle *) self->candles->data + first, n - first);
	return out;
}

static void
test_history_iface_init(CwCandleHistoryInterface *iface)
{
	iface->read = test_history_read;
}

G_DEFINE_FINAL_TYPE_WITH_CODE(TestHistory, test_history, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_CANDLE_HISTORY,
						    test_history_iface_init))

static void
test_history_finalize(GObject *object)
{
	g_array_unref(TEST_HISTORY(object)->candles);
	G_OBJECT_CLASS(test_history_parent_class)->finalize(object);
}

static void
test_history_class_init(TestHistoryClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = test_history_finalize;
}

static void
test_history_init(TestHistory *self)
{
	self->candles = g_array_new(FALSE, FALSE, sizeof(CwCandle));
}

static void
history_add(TestHistory *h, gint64 i, double low)
{
	CwCandle c = {.symbol = g_quark_from_string("BTCUSDT"),
		      .interval_ms = 300000,
		      .open_time = T0 + i * 300000,
		      .open = 100,
		      .high = 110,
		      .low = low,
		      .close = 105,
		      .volume = 1};

	g_array_append_val(h->candles, c);
}

static void
warming_sink(const CwCandle *candle, gpointer user_data)
{
	CwMarketFeed *feed = g_object_get_data(G_OBJECT(user_data), "feed");

	g_assert_true(cw_market_feed_is_warming_up(feed));
	g_array_append_val(g_object_get_data(G_OBJECT(user_data), "got"), *candle);
}

static void
count_error(CwMarketFeed *feed, GError *error, gpointer user_data)
{
	if (strstr(error->message, "candles table not used") != NULL)
		(*(guint *) user_data)++;
}

/* A new bot's warm-up takes the newest warmup candles of the candles
 * table, as warm-up history, before it asks REST for anything; a table
 * that cannot be read is reported and the warm-up goes over REST. */
static void
test_warmup_from_table(void)
{
	g_autoptr(CwMarketFeed) feed = start_feed_with("bybit", "BTCUSDT", "5m", ", \"warmup\": 5");
	g_autoptr(CwMarketFeed) other =
	    start_feed_with("bybit", "BTCUSDT", "5m", ", \"warmup\": 5");
	g_autoptr(TestHistory) h = g_object_new(TEST_TYPE_HISTORY, NULL);
	g_autoptr(TestHistory) bad = g_object_new(TEST_TYPE_HISTORY, NULL);
	g_autoptr(GArray) got = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	g_autoptr(GObject) box = g_object_new(G_TYPE_OBJECT, NULL);
	const CwLiveFeedStats *stats = cw_live_feed_get_stats(CW_LIVE_FEED(feed));
	guint errors = 0;

	/* 0..9, a hole, 12, a bad row (low above high) at 13, then 14..20:
	 * older holes and bad rows do not matter to the newest five */
	for (gint64 i = 0; i < 10; i++)
		history_add(h, i, 95);
	history_add(h, 12, 95);
	history_add(h, 13, 120);
	for (gint64 i = 14; i <= 20; i++)
		history_add(h, i, 95);
	g_object_set_data(box, "feed", feed);
	g_object_set_data(box, "got", got);
	cw_market_feed_set_history(feed, CW_CANDLE_HISTORY(h));
	cw_market_feed_add_sink(feed, warming_sink, box);
	cw_live_feed_conn_subscribed(CW_LIVE_FEED(feed));
	g_assert_cmpuint(h->reads, ==, 1);
	g_assert_cmpint(h->from, ==, G_MININT64);
	g_assert_cmpuint(h->limit, ==, 5);
	/* the newest five, 16..20, at once: no REST before them */
	g_assert_cmpuint(got->len, ==, 5);
	for (guint i = 0; i < got->len; i++)
		g_assert_cmpint(g_array_index(got, CwCandle, i).open_time, ==,
				T0 + (gint64) (16 + i) * 300000);
	g_assert_cmpuint(stats->stored, ==, 5);
	g_assert_cmpuint(stats->backfilled, ==, 0);
	/* then REST for what closed after 20 */
	g_assert_cmpint(cw_market_feed_get_state(feed), ==, CW_FEED_STATE_BACKFILLING);
	cw_market_feed_stop(feed);

	/* a table that cannot be read: reported, and all over REST */
	bad->fail = TRUE;
	g_signal_connect(other, "error", G_CALLBACK(count_error), &errors);
	cw_market_feed_set_history(other, CW_CANDLE_HISTORY(bad));
	cw_live_feed_conn_subscribed(CW_LIVE_FEED(other));
	g_assert_cmpuint(bad->reads, ==, 1);
	g_assert_cmpuint(errors, ==, 1);
	g_assert_cmpuint(cw_live_feed_get_stats(CW_LIVE_FEED(other))->stored, ==, 0);
	g_assert_cmpint(cw_market_feed_get_state(other), ==, CW_FEED_STATE_BACKFILLING);
	cw_market_feed_stop(other);
}

/* A REST server for the forming-row tests: a page of four 5m candles from
 * T0, the newest still forming at the answer's Date, as the exchanges
 * serve it (Bybit newest first, Binance oldest first). */
#define FORMING_NOW (T0 + 3 * 300000 + 120000)

static void
page_row(GString *out, gboolean bybit, gint64 i, gboolean forming)
{
	const char *close = forming ? "102" : "105";
	const char *volume = forming ? "0.4" : "1";
	gint64 open = T0 + i * 300000;

	if (out->len > 1)
		g_string_append_c(out, ',');
	if (bybit)
		g_string_append_printf(
		    out, "[\"%" G_GINT64_FORMAT "\",\"100\",\"110\",\"95\",\"%s\",\"%s\",\"105\"]",
		    open, close, volume);
	else
		g_string_append_printf(out,
				       "[%" G_GINT64_FORMAT
				       ",\"100\",\"110\",\"95\",\"%s\",\"%s\",%" G_GINT64_FORMAT
				       ",\"105\",10,\"0.5\",\"52\",\"0\"]",
				       open, close, volume, open + 299999);
}

static void
page_handler(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
	     gpointer user_data)
{
	gboolean bybit = g_str_has_prefix(path, "/v5/");
	g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc(FORMING_NOW / 1000);
	g_autofree char *text = soup_date_time_to_string(date, SOUP_DATE_HTTP);
	GString *body = g_string_new(NULL);
	const char *limit = query != NULL ? g_hash_table_lookup(query, "limit") : NULL;
	gsize len;

	g_free(g_object_get_data(G_OBJECT(server), "limit"));
	g_object_set_data(G_OBJECT(server), "limit", g_strdup(limit));
	g_string_append_c(body, '[');
	for (gint64 i = 0; i < 4; i++)
		page_row(body, bybit, bybit ? 3 - i : i, (bybit ? 3 - i : i) == 3);
	g_string_append_c(body, ']');
	if (bybit) {
		g_string_prepend(body, "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"symbol\":"
				       "\"BTCUSDT\",\"category\":\"linear\",\"list\":");
		g_string_append_printf(body, "},\"retExtInfo\":{},\"time\":%" G_GINT64_FORMAT "}",
				       (gint64) FORMING_NOW);
	}
	soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Date", text);
	soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
	len = body->len;
	soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_TAKE,
					 g_string_free(body, FALSE), len);
}

/* A feed of TYPE with WARMUP whose REST URL is SERVER, listening on
 * 127.0.0.1 with HANDLER. */
static CwMarketFeed *
start_feed_served(SoupServer *server, const char *type, guint warmup, SoupServerCallback handler,
		  gpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSList) uris = NULL;
	g_autofree char *extra = NULL;

	soup_server_add_handler(server, NULL, handler, data, NULL);
	g_assert_true(soup_server_listen_local(server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
	g_assert_no_error(error);
	uris = soup_server_get_uris(server);
	extra = g_strdup_printf(", \"warmup\": %u, \"rest_url\": \"http://127.0.0.1:%d\"", warmup,
				g_uri_get_port(uris->data));
	g_slist_free_full(g_steal_pointer(&uris), (GDestroyNotify) g_uri_unref);
	return start_feed_rest(type, extra);
}

static char *
binance_frame(gint64 i, gboolean closed, double close)
{
	gint64 open = T0 + i * 300000;

	return g_strdup_printf(
	    "{\"stream\":\"btcusdt@kline_5m\",\"data\":{\"e\":\"kline\",\"E\":%" G_GINT64_FORMAT
	    ",\"s\":\"BTCUSDT\",\"k\":{\"t\":%" G_GINT64_FORMAT ",\"T\":%" G_GINT64_FORMAT
	    ",\"s\":\"BTCUSDT\",\"i\":\"5m\",\"f\":1,\"L\":2,\"o\":\"100\",\"c\":\"%g\","
	    "\"h\":\"110\",\"l\":\"95\",\"v\":\"2\",\"n\":10,\"x\":%s,\"q\":\"1\",\"V\":\"1\","
	    "\"Q\":\"1\",\"B\":\"0\"}}}",
	    open + 299999, open, open + 299999, close, closed ? "true" : "false");
}

/* A warm-up page that reaches the present ends with the candle still
 * forming: it is dropped and counted, and the stream's confirm delivers
 * it after the closed ones, once. */
static void
check_forming(const char *type)
{
	g_autoptr(SoupServer) server = soup_server_new(NULL, NULL);
	g_autoptr(GArray) got = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	g_autoptr(CwMarketFeed) feed = NULL;
	g_autofree char *partial = NULL;
	g_autofree char *confirm = NULL;
	gboolean bybit = strcmp(type, "bybit") == 0;
	const CwLiveFeedStats *stats;
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

	feed = start_feed_served(server, type, 3, page_handler, NULL);
	stats = cw_live_feed_get_stats(CW_LIVE_FEED(feed));
	cw_market_feed_add_sink(feed, sink, got);
	cw_live_feed_conn_subscribed(CW_LIVE_FEED(feed));
	for (guint n = 0; n < 100000 && g_get_monotonic_time() < deadline &&
			  cw_market_feed_get_state(feed) == CW_FEED_STATE_BACKFILLING;
	     n++)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpint(cw_market_feed_get_state(feed), !=, CW_FEED_STATE_BACKFILLING);
	/* the forming row counts in the exchange's limit: warmup + 1 */
	g_assert_cmpstr(g_object_get_data(G_OBJECT(server), "limit"), ==, "4");
	g_assert_cmpuint(stats->forming_dropped, ==, 1);
	g_assert_cmpuint(stats->backfilled, ==, 3);
	g_assert_cmpuint(got->len, ==, 3);
	for (guint i = 0; i < got->len; i++) {
		g_assert_cmpint(g_array_index(got, CwCandle, i).open_time, ==,
				T0 + (gint64) i * 300000);
		g_assert_cmpfloat(g_array_index(got, CwCandle, i).close, ==, 105);
	}
	/* the stream: a partial is no candle, the confirm is, after 2 */
	partial = bybit ? bybit_frame(3, FALSE, 103) : binance_frame(3, FALSE, 103);
	confirm = bybit ? bybit_frame(3, TRUE, 104) : binance_frame(3, TRUE, 104);
	ingest(feed, partial);
	g_assert_cmpuint(got->len, ==, 3);
	ingest(feed, confirm);
	g_assert_cmpuint(got->len, ==, 4);
	g_assert_cmpint(g_array_index(got, CwCandle, 3).open_time, ==, T0 + 3 * 300000);
	g_assert_cmpfloat(g_array_index(got, CwCandle, 3).close, ==, 104);
	g_assert_cmpuint(stats->duplicates, ==, 0);
	g_assert_cmpuint(stats->gaps_unfilled, ==, 0);
	cw_market_feed_stop(feed);
	g_free(g_object_steal_data(G_OBJECT(server), "limit"));
}

static void
test_forming_bybit(void)
{
	check_forming("bybit");
}

static void
test_forming_binance(void)
{
	check_forming("binance");
}

/* A Bybit REST server that lags the stream: its first answer is from
 * when candle 4 was still forming, every later one from when 5 was. */
static void
lagging_handler(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
		gpointer user_data)
{
	guint *requests = user_data;
	gint64 forming = *requests == 0 ? 4 : 5;
	const char *start = query != NULL ? g_hash_table_lookup(query, "start") : NULL;
	gint64 from = start != NULL ? (g_ascii_strtoll(start, NULL, 10) - T0) / 300000 : 0;
	g_autoptr(GDateTime) date =
	    g_date_time_new_from_unix_utc((T0 + forming * 300000 + 120000) / 1000);
	g_autofree char *text = soup_date_time_to_string(date, SOUP_DATE_HTTP);
	GString *body = g_string_new("[");
	gsize len;

	(*requests)++;
	/* newest first, as Bybit lists them */
	for (gint64 i = forming; i >= from; i--)
		page_row(body, TRUE, i, i == forming);
	g_string_prepend(body, "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"symbol\":"
			       "\"BTCUSDT\",\"category\":\"linear\",\"list\":");
	g_string_append(body, "]},\"retExtInfo\":{},\"time\":1}");
	soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Date", text);
	soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
	len = body->len;
	soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_TAKE,
					 g_string_free(body, FALSE), len);
}

/* A gap found while the candles after an earlier gap are held: the slow
 * page fills the first gap and delivers past the oldest held candles,
 * while the stream also lost candle 4's confirm, which REST had as
 * forming. The feed asks again for 4 instead of calling it unfilled, and
 * every candle goes out once, in order. */
static void
test_gap_behind_held(void)
{
	g_autoptr(SoupServer) server = soup_server_new(NULL, NULL);
	g_autoptr(GArray) got = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	g_autoptr(CwMarketFeed) feed = NULL;
	const CwLiveFeedStats *stats;
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	const gint64 stream[] = {0, 2, 3, 5};
	guint requests = 0;

	feed = start_feed_served(server, "bybit", 0, lagging_handler, &requests);
	stats = cw_live_feed_get_stats(CW_LIVE_FEED(feed));
	cw_market_feed_add_sink(feed, sink, got);
	cw_live_feed_conn_subscribed(CW_LIVE_FEED(feed));
	/* 0 goes out; 2 skips 1 (a backfill from 1); 3 and 5 come meanwhile */
	for (guint i = 0; i < G_N_ELEMENTS(stream); i++) {
		g_autofree char *frame = bybit_frame(stream[i], TRUE, 150 + stream[i]);
		ingest(feed, frame);
	}
	g_assert_cmpuint(got->len, ==, 1);
	for (guint n = 0;
	     n < 100000 && g_get_monotonic_time() < deadline &&
	     (got->len < 6 || cw_market_feed_get_state(feed) == CW_FEED_STATE_BACKFILLING);
	     n++)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpuint(requests, ==, 2);
	g_assert_cmpuint(stats->gaps_unfilled, ==, 0);
	g_assert_cmpuint(got->len, ==, 6);
	for (guint i = 0; i < got->len; i++)
		g_assert_cmpint(g_array_index(got, CwCandle, i).open_time, ==,
				T0 + (gint64) i * 300000);
	cw_market_feed_stop(feed);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* bad frames are logged as warnings: expected here */
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	g_test_add_func("/streaming/live-feed/order", test_order);
	g_test_add_func("/streaming/live-feed/bad-frames", test_bad_frames);
	g_test_add_func("/streaming/live-feed/unfilled-gap", test_unfilled_gap);
	g_test_add_func("/streaming/live-feed/configure", test_configure);
	g_test_add_func("/streaming/live-feed/shared-connections", test_shared_connections);
	g_test_add_func("/streaming/live-feed/hold-before-subscribed", test_hold_before_subscribed);
	g_test_add_func("/streaming/live-feed/warmup-from-table", test_warmup_from_table);
	g_test_add_func("/streaming/live-feed/forming-bybit", test_forming_bybit);
	g_test_add_func("/streaming/live-feed/forming-binance", test_forming_binance);
	g_test_add_func("/streaming/live-feed/gap-behind-held", test_gap_behind_held);
	return g_test_run();
}
