/* The Bybit and Binance kline decoders: real-shaped frames and pages, and
 * every error kind. */

#include "cw-kline-frame.h"

#include <stdlib.h>
#include <string.h>

#ifndef CW_SANITIZED
/* Counts the C library's allocations (GLib's included) while test_counting. */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);

static volatile gint test_counting;
static volatile gint test_allocations;

void *
malloc(size_t size)
{
	if (test_counting)
		g_atomic_int_inc(&test_allocations);
	return __libc_malloc(size);
}

void *
calloc(size_t n, size_t size)
{
	if (test_counting)
		g_atomic_int_inc(&test_allocations);
	return __libc_calloc(n, size);
}

void *
realloc(void *ptr, size_t size)
{
	if (test_counting)
		g_atomic_int_inc(&test_allocations);
	return __libc_realloc(ptr, size);
}
#endif

/* Frames as the exchanges document them (docs/exchange-formats.md). */
#define BYBIT_PARTIAL                                                                              \
	"{\"topic\":\"kline.5.BTCUSDT\",\"data\":[{\"start\":1672324800000,\"end\":1672325099999," \
	"\"interval\":\"5\",\"open\":\"16649.5\",\"close\":\"16677\",\"high\":\"16677\",\"low\":"  \
	"\"16608\",\"volume\":\"2.081\",\"turnover\":\"34666.4005\",\"confirm\":false,"            \
	"\"timestamp\":1672324988882}],\"ts\":1672324988882,\"type\":\"snapshot\"}"

#define BINANCE_EVENT(x)                                                                           \
	"{\"e\":\"kline\",\"E\":1672515782136,\"s\":\"BTCUSDT\",\"k\":{\"t\":1672515780000,\"T\":" \
	"1672515839999,\"s\":\"BTCUSDT\",\"i\":\"1m\",\"f\":100,\"L\":200,\"o\":\"0.0016\",\"c\":" \
	"\"0.0020\",\"h\":\"0.0025\",\"l\":\"0.0015\",\"v\":\"1000\",\"n\":100,\"x\":" x           \
	",\"q\":\"1.0000\",\"V\":\"500\",\"Q\":\"0.500\",\"B\":\"123456\"}}"

static CwKlineDecoder *decoder;

static CwKlineFrame
bybit(const char *text)
{
	CwKlineFrame frame;

	cw_bybit_kline_decode_frame(decoder, text, strlen(text), &frame);
	return frame;
}

static CwKlineFrame
binance(const char *text)
{
	CwKlineFrame frame;

	cw_binance_kline_decode_frame(decoder, text, strlen(text), &frame);
	return frame;
}

/* Replaces the first `from` in BYBIT_PARTIAL with `to`. */
static char *
bybit_with(const char *from, const char *to)
{
	const char *base = BYBIT_PARTIAL;
	const char *at = strstr(base, from);

	g_assert_nonnull(at);
	return g_strdup_printf("%.*s%s%s", (int) (at - base), base, to, at + strlen(from));
}

static char *
binance_with(const char *from, const char *to)
{
	const char *base = BINANCE_EVENT("false");
	const char *at = strstr(base, from);

	g_assert_nonnull(at);
	return g_strdup_printf("%.*s%s%s", (int) (at - base), base, to, at + strlen(from));
}

static void
assert_bad(CwKlineFrame frame, CwKlineError kind, const char *detail_part)
{
	if (frame.kind != CW_KLINE_FRAME_BAD || frame.error != kind)
		g_test_message("kind %d error %s detail %s", frame.kind,
			       cw_kline_error_to_string(frame.error), frame.detail);
	g_assert_cmpint(frame.kind, ==, CW_KLINE_FRAME_BAD);
	g_assert_cmpstr(cw_kline_error_to_string(frame.error), ==, cw_kline_error_to_string(kind));
	g_assert_cmpuint(frame.n_updates, ==, 0);
	if (detail_part != NULL && strstr(frame.detail, detail_part) == NULL)
		g_test_message("detail \"%s\" lacks \"%s\"", frame.detail, detail_part);
	g_assert_true(detail_part == NULL || strstr(frame.detail, detail_part) != NULL);
}

static void
assert_bybit_bad(const char *from, const char *to, CwKlineError kind, const char *detail_part)
{
	g_autofree char *text = bybit_with(from, to);

	assert_bad(bybit(text), kind, detail_part);
}

static void
assert_binance_bad(const char *from, const char *to, CwKlineError kind, const char *detail_part)
{
	g_autofree char *text = binance_with(from, to);

	assert_bad(binance(text), kind, detail_part);
}

static void
test_bybit_kline(void)
{
	CwKlineFrame frame = bybit(BYBIT_PARTIAL);
	const CwCandle *c = &frame.updates[0].candle;
	g_autofree char *confirmed = bybit_with("\"confirm\":false", "\"confirm\":true");

	g_assert_cmpint(frame.kind, ==, CW_KLINE_FRAME_KLINE);
	g_assert_cmpstr(frame.topic, ==, "kline.5.BTCUSDT");
	g_assert_cmpuint(frame.n_updates, ==, 1);
	g_assert_false(frame.updates[0].closed);
	g_assert_cmpint(frame.updates[0].event_time, ==, 1672324988882);
	g_assert_cmpint(c->open_time, ==, 1672324800000);
	g_assert_cmpint(c->interval_ms, ==, 300000);
	g_assert_cmpfloat(c->open, ==, 16649.5);
	g_assert_cmpfloat(c->high, ==, 16677);
	g_assert_cmpfloat(c->low, ==, 16608);
	g_assert_cmpfloat(c->close, ==, 16677);
	g_assert_cmpfloat(c->volume, ==, 2.081);
	g_assert_cmpstr(g_quark_to_string(c->symbol), ==, "BTCUSDT");

	frame = bybit(confirmed);
	g_assert_cmpint(frame.kind, ==, CW_KLINE_FRAME_KLINE);
	g_assert_true(frame.updates[0].closed);

	/* Frames are bytes with a length, not C strings: nothing may read past
	 * the end (the ASan build checks this one, found by fuzzing). */
	{
		const char *text = "{\"op\":\"subscribe\",\"success\":true,\"req_id\":\"abc\"}";
		gsize len = strlen(text);
		g_autofree char *exact = g_memdup2(text, len);

		cw_bybit_kline_decode_frame(decoder, exact, len, &frame);
		g_assert_cmpint(frame.kind, ==, CW_KLINE_FRAME_SUBSCRIBED);
		g_assert_cmpstr(frame.req_id, ==, "abc");
	}
}

static void
test_bybit_many_and_monthly(void)
{
	const char *one = "{\"start\":1,\"end\":300000,\"interval\":\"5\",\"open\":\"1\",\"close\":"
			  "\"1\",\"high\":\"1\",\"low\":\"1\",\"volume\":\"0\",\"confirm\":true,"
			  "\"timestamp\":2}";
	g_autoptr(GString) text = g_string_new("{\"topic\":\"kline.5.ETHUSDT\",\"data\":[");
	CwKlineFrame frame;

	for (guint i = 0; i < CW_KLINE_FRAME_MAX_CANDLES; i++)
		g_string_append_printf(text, "%s%s", i > 0 ? "," : "", one);
	g_string_append(text, "]}");
	frame = bybit(text->str);
	g_assert_cmpint(frame.kind, ==, CW_KLINE_FRAME_KLINE);
	g_assert_cmpuint(frame.n_updates, ==, CW_KLINE_FRAME_MAX_CANDLES);

	g_string_truncate(text, text->len - 2);
	g_string_append_printf(text, ",%s]}", one);
	assert_bad(bybit(text->str), CW_KLINE_ERROR_TOO_MANY, "more than");

	frame = bybit("{\"topic\":\"kline.M.BTCUSDT\",\"data\":[{\"start\":1000,\"end\":1999,"
		      "\"interval\":\"M\",\"open\":\"1\",\"close\":\"1\",\"high\":\"1\",\"low\":"
		      "\"1\",\"volume\":\"0\",\"confirm\":true,\"timestamp\":2}]}");
	g_assert_cmpint(frame.kind, ==, CW_KLINE_FRAME_KLINE);
	g_assert_cmpint(frame.updates[0].candle.interval_ms, ==, 1000);
}

static void
test_bybit_control(void)
{
	CwKlineFrame frame;

	frame = bybit("{\"success\":true,\"ret_msg\":\"\",\"conn_id\":\"c1\",\"req_id\":\"7\","
		      "\"op\":\"subscribe\"}");
	g_assert_cmpint(frame.kind, ==, CW_KLINE_FRAME_SUBSCRIBED);
	g_assert_cmpstr(frame.req_id, ==, "7");
	frame = bybit("{\"success\":false,\"ret_msg\":\"error:handler not found,topic:kline.5.X\","
		      "\"conn_id\":\"c1\",\"req_id\":\"8\",\"op\":\"subscribe\"}");
	g_assert_cmpint(frame.kind, ==, CW_KLINE_FRAME_REJECTED);
	g_assert_cmpstr(frame.detail, ==, "error:handler not found,topic:kline.5.X");
	frame = bybit("{\"success\":true,\"ret_msg\":\"pong\",\"conn_id\":\"c1\",\"req_id\":\"9\","
		      "\"op\":\"ping\"}");
	g_assert_cmpint(frame.kind, ==, CW_KLINE_FRAME_PONG);
	frame = bybit("{\"req_id\":\"10\",\"op\":\"pong\",\"args\":[\"1675418560633\"],"
		      "\"conn_id\":\"c1\"}");
	g_assert_cmpint(frame.kind, ==, CW_KLINE_FRAME_PONG);
	g_assert_cmpstr(frame.req_id, ==, "10");
	frame = bybit("{\"success\":true,\"ret_msg\":\"\",\"op\":\"unsubscribe\"}");
	g_assert_cmpint(frame.kind, ==, CW_KLINE_FRAME_OTHER);
	assert_bad(bybit("{\"op\":\"subscribe\"}"), CW_KLINE_ERROR_WRONG_TYPE, "success");
}

static void
test_bybit_errors(void)
{
	char nul[] = "{\"topic\":\"kline.5.BTCUSDT\"\0}";
	g_autofree char *big = g_strnfill(CW_KLINE_FRAME_MAX_BYTES + 1, ' ');
	CwKlineFrame frame;

	assert_bad(bybit("{\"topic\":\"kline.5.BTCUSDT\",\"data\":[{"), CW_KLINE_ERROR_NOT_JSON,
		   "not JSON");
	assert_bad(bybit(""), CW_KLINE_ERROR_NOT_JSON, "empty");
	assert_bad(bybit("\xff\xfe"), CW_KLINE_ERROR_NOT_JSON, "UTF-8");
	cw_bybit_kline_decode_frame(decoder, nul, sizeof nul - 1, &frame);
	assert_bad(frame, CW_KLINE_ERROR_NOT_JSON, "NUL byte at offset 26");
	cw_bybit_kline_decode_frame(decoder, big, strlen(big), &frame);
	assert_bad(frame, CW_KLINE_ERROR_OVERSIZED, "65537 bytes");

	assert_bad(bybit("[1,2]"), CW_KLINE_ERROR_WRONG_TYPE, "expected an object");
	assert_bad(bybit("{\"x\":1}"), CW_KLINE_ERROR_WRONG_TYPE, "topic");
	assert_bybit_bad("\"open\":\"16649.5\"", "\"open\":{}", CW_KLINE_ERROR_WRONG_TYPE,
			 "data[0].open: expected a number, got an object");
	assert_bybit_bad("\"open\":\"16649.5\",", "", CW_KLINE_ERROR_WRONG_TYPE,
			 "data[0].open: missing");
	assert_bybit_bad("\"confirm\":false", "\"confirm\":\"false\"", CW_KLINE_ERROR_WRONG_TYPE,
			 "data[0].confirm: expected a boolean");
	assert_bybit_bad("\"start\":1672324800000", "\"start\":1.5", CW_KLINE_ERROR_WRONG_TYPE,
			 "data[0].start");
	assert_bybit_bad("\"data\":[", "\"data\":\"x\",\"d\":[", CW_KLINE_ERROR_WRONG_TYPE,
			 "data: expected an array");
	assert_bybit_bad("\"end\":1672325099999", "\"end\":1", CW_KLINE_ERROR_WRONG_TYPE,
			 "before start");

	assert_bybit_bad("\"16649.5\"", "\"NaN\"", CW_KLINE_ERROR_BAD_NUMBER,
			 "data[0].open: expected a number, got \"NaN\"");
	assert_bybit_bad("\"16649.5\"", "\"abc\"", CW_KLINE_ERROR_BAD_NUMBER, "\"abc\"");
	assert_bybit_bad("\"16649.5\"", "\"inf\"", CW_KLINE_ERROR_BAD_NUMBER, NULL);
	assert_bybit_bad("\"16649.5\"", "\"1e999\"", CW_KLINE_ERROR_BAD_NUMBER, NULL);
	assert_bybit_bad("\"16649.5\"", "\"0x10\"", CW_KLINE_ERROR_BAD_NUMBER, NULL);
	assert_bybit_bad("\"16649.5\"", "\"16649.5 \"", CW_KLINE_ERROR_BAD_NUMBER, NULL);
	assert_bybit_bad("\"start\":1672324800000", "\"start\":\"12a\"", CW_KLINE_ERROR_BAD_NUMBER,
			 "data[0].start");

	assert_bybit_bad("\"16649.5\"", "\"0\"", CW_KLINE_ERROR_BAD_PRICE, "> 0");
	assert_bybit_bad("\"low\":\"16608\"", "\"low\":\"16700\"", CW_KLINE_ERROR_HIGH_BELOW_LOW,
			 "high 16677 is below low 16700");
	assert_bybit_bad("\"16649.5\"", "\"16680\"", CW_KLINE_ERROR_HIGH_BELOW_LOW, "outside");
	assert_bybit_bad("\"2.081\"", "\"-2\"", CW_KLINE_ERROR_NEGATIVE_VOLUME, "volume -2");

	assert_bybit_bad("kline.5.BTCUSDT", "tickers.BTCUSDT", CW_KLINE_ERROR_UNKNOWN_TOPIC,
			 "not a kline topic");
	assert_bybit_bad("kline.5.BTCUSDT", "kline.7.BTCUSDT", CW_KLINE_ERROR_UNKNOWN_TOPIC,
			 "unknown interval");
	assert_bybit_bad("kline.5.BTCUSDT", "kline.5.", CW_KLINE_ERROR_UNKNOWN_TOPIC, "no symbol");
	assert_bybit_bad("kline.5.BTCUSDT", "kline.5.NEVERSEEN2", CW_KLINE_ERROR_UNKNOWN_TOPIC,
			 "unknown symbol");
	g_assert_cmpuint(g_quark_try_string("NEVERSEEN2"), ==, 0);
	assert_bybit_bad("kline.5.BTCUSDT", "kline.5.btc\\u0000", CW_KLINE_ERROR_UNKNOWN_TOPIC,
			 NULL);
	assert_bybit_bad("\"interval\":\"5\"", "\"interval\":\"15\"", CW_KLINE_ERROR_UNKNOWN_TOPIC,
			 "not the topic's");
}

static void
test_binance_kline(void)
{
	g_autofree char *combined = NULL;
	CwKlineFrame frame = binance(BINANCE_EVENT("false"));
	const CwCandle *c = &frame.updates[0].candle;

	g_assert_cmpint(frame.kind, ==, CW_KLINE_FRAME_KLINE);
	g_assert_cmpstr(frame.topic, ==, "btcusdt@kline_1m");
	g_assert_cmpuint(frame.n_updates, ==, 1);
	g_assert_false(frame.updates[0].closed);
	g_assert_cmpint(frame.updates[0].event_time, ==, 1672515782136);
	g_assert_cmpint(c->open_time, ==, 1672515780000);
	g_assert_cmpint(c->interval_ms, ==, 60000);
	g_assert_cmpfloat(c->open, ==, 0.0016);
	g_assert_cmpfloat(c->high, ==, 0.0025);
	g_assert_cmpfloat(c->low, ==, 0.0015);
	g_assert_cmpfloat(c->close, ==, 0.002);
	g_assert_cmpfloat(c->volume, ==, 1000);
	g_assert_cmpstr(g_quark_to_string(c->symbol), ==, "BTCUSDT");
	/* The documented sample has o (0.0010) below l (0.0015): refused. */
	g_free(combined);
	combined = binance_with("\"o\":\"0.0016\"", "\"o\":\"0.0010\"");
	assert_bad(binance(combined), CW_KLINE_ERROR_HIGH_BELOW_LOW, "outside");
}

static void
test_binance_combined_and_control(void)
{
	g_autofree char *event = binance_with("\"o\":\"0.0016\"", "\"o\":\"0.0020\"");
	g_autofree char *closed = NULL;
	g_autofree char *combined = NULL;
	g_autofree char *mismatch = NULL;
	CwKlineFrame frame;
	char *x = strstr(event, "\"x\":false");

	g_assert_nonnull(x);
	closed = g_strdup_printf("%.*s\"x\":true%s", (int) (x - event), event,
				 x + strlen("\"x\":false"));
	combined = g_strdup_printf("{\"stream\":\"btcusdt@kline_1m\",\"data\":%s}", closed);
	mismatch = g_strdup_printf("{\"stream\":\"ethusdt@kline_1m\",\"data\":%s}", closed);
	frame = binance(combined);
	g_assert_cmpint(frame.kind, ==, CW_KLINE_FRAME_KLINE);
	g_assert_true(frame.updates[0].closed);
	g_assert_cmpstr(frame.topic, ==, "btcusdt@kline_1m");
	assert_bad(binance(mismatch), CW_KLINE_ERROR_UNKNOWN_TOPIC, "does not match");

	frame = binance("{\"result\":null,\"id\":3}");
	g_assert_cmpint(frame.kind, ==, CW_KLINE_FRAME_SUBSCRIBED);
	g_assert_cmpstr(frame.req_id, ==, "3");
	frame = binance("{\"result\":[\"btcusdt@kline_1m\"],\"id\":4}");
	g_assert_cmpint(frame.kind, ==, CW_KLINE_FRAME_OTHER);
	frame = binance("{\"code\":2,\"msg\":\"Invalid request: unknown method\",\"id\":5}");
	g_assert_cmpint(frame.kind, ==, CW_KLINE_FRAME_REJECTED);
	g_assert_cmpstr(frame.detail, ==, "Invalid request: unknown method");
	frame = binance("{\"error\":{\"code\":2,\"msg\":\"bad\"},\"id\":6}");
	g_assert_cmpint(frame.kind, ==, CW_KLINE_FRAME_REJECTED);
	g_assert_cmpstr(frame.req_id, ==, "6");
}

static void
test_binance_errors(void)
{
	g_autofree char *big = g_strnfill(CW_KLINE_FRAME_MAX_BYTES + 10, '[');

	assert_bad(binance("{\"e\":\"kline\","), CW_KLINE_ERROR_NOT_JSON, NULL);
	assert_bad(binance(big), CW_KLINE_ERROR_OVERSIZED, NULL);
	assert_bad(binance("{}"), CW_KLINE_ERROR_WRONG_TYPE, NULL);
	assert_bad(binance("{\"stream\":\"a\",\"data\":[]}"), CW_KLINE_ERROR_WRONG_TYPE,
		   "data: expected an object");
	assert_binance_bad("\"o\":\"0.0016\"", "\"o\":[]", CW_KLINE_ERROR_WRONG_TYPE,
			   "k.o: expected a number, got an array");
	assert_binance_bad("\"x\":false", "\"x\":0", CW_KLINE_ERROR_WRONG_TYPE, "k.x");
	assert_binance_bad("\"k\":{", "\"k\":3,\"kk\":{", CW_KLINE_ERROR_WRONG_TYPE,
			   "k: expected an object");
	assert_binance_bad("\"t\":1672515780000,", "", CW_KLINE_ERROR_WRONG_TYPE, "k.t: missing");
	assert_binance_bad("\"o\":\"0.0016\"", "\"o\":\"NaN\"", CW_KLINE_ERROR_BAD_NUMBER,
			   "k.o: expected a number, got \"NaN\"");
	assert_binance_bad("\"o\":\"0.0016\"", "\"o\":\"ten\"", CW_KLINE_ERROR_BAD_NUMBER, NULL);
	assert_binance_bad("\"o\":\"0.0016\"", "\"o\":\"-0.002\"", CW_KLINE_ERROR_BAD_PRICE, NULL);
	assert_binance_bad("\"l\":\"0.0015\"", "\"l\":\"0.003\"", CW_KLINE_ERROR_HIGH_BELOW_LOW,
			   "below low");
	assert_binance_bad("\"v\":\"1000\"", "\"v\":\"-1\"", CW_KLINE_ERROR_NEGATIVE_VOLUME, NULL);
	assert_binance_bad("\"e\":\"kline\"", "\"e\":\"24hrTicker\"", CW_KLINE_ERROR_UNKNOWN_TOPIC,
			   "not a kline event");
	assert_binance_bad("\"i\":\"1m\"", "\"i\":\"7m\"", CW_KLINE_ERROR_UNKNOWN_TOPIC,
			   "unknown interval");
	assert_binance_bad("\"s\":\"BTCUSDT\",\"i\"", "\"s\":\"BTC/USDT\",\"i\"",
			   CW_KLINE_ERROR_UNKNOWN_TOPIC, "bad symbol");
	assert_binance_bad("\"s\":\"BTCUSDT\",\"i\"", "\"s\":\"NEVERSEEN1\",\"i\"",
			   CW_KLINE_ERROR_UNKNOWN_TOPIC, "unknown symbol");
	g_assert_cmpuint(g_quark_try_string("NEVERSEEN1"), ==, 0);
}

static void
test_bybit_page(void)
{
	const char *page =
	    "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"symbol\":\"BTCUSD\",\"category\":"
	    "\"inverse\",\"list\":[[\"1670608800000\",\"17071\",\"17073\",\"17027\",\"17055.5\","
	    "\"268611\",\"15.74462667\"],[\"1670605200000\",\"17071.5\",\"17071.5\",\"17061\","
	    "\"17071\",\"4177\",\"0.24469757\"],[\"1670601600000\",\"17086.5\",\"17088\",\"16978\","
	    "\"17071.5\",\"6356\",\"0.37288112\"]]},\"retExtInfo\":{},\"time\":1672025956592}";
	g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	CwKlinePageError error;
	GQuark symbol = g_quark_from_static_string("BTCUSD");

	g_assert_true(
	    cw_bybit_kline_decode_page(decoder, page, strlen(page), symbol, 3600000, out, &error));
	g_assert_cmpuint(out->len, ==, 3);
	g_assert_cmpint(g_array_index(out, CwCandle, 0).open_time, ==, 1670601600000);
	g_assert_cmpint(g_array_index(out, CwCandle, 2).open_time, ==, 1670608800000);
	g_assert_cmpfloat(g_array_index(out, CwCandle, 2).close, ==, 17055.5);
	g_assert_cmpint(g_array_index(out, CwCandle, 0).interval_ms, ==, 3600000);
	g_assert_true(g_array_index(out, CwCandle, 1).symbol == symbol);

#define PAGE_FAILS(text, kind, code, part)                                                         \
	do {                                                                                       \
		g_assert_false(cw_bybit_kline_decode_page(decoder, text, strlen(text), symbol, 1,  \
							  out, &error));                           \
		g_assert_cmpstr(cw_kline_error_to_string(error.error), ==,                         \
				cw_kline_error_to_string(kind));                                   \
		g_assert_cmpint(error.exchange_code, ==, code);                                    \
		g_assert_nonnull(strstr(error.detail, part));                                      \
		g_assert_cmpuint(out->len, ==, 3);                                                 \
	} while (0)
	PAGE_FAILS("{\"retCode\":10001,\"retMsg\":\"params error\",\"result\":{},\"retExtInfo\":{},"
		   "\"time\":1}",
		   CW_KLINE_ERROR_EXCHANGE, 10001, "params error");
	PAGE_FAILS("{\"retCode\":10006,\"retMsg\":\"Too many visits!\",\"result\":{}}",
		   CW_KLINE_ERROR_RATE_LIMITED, 10006, "Too many visits!");
	PAGE_FAILS("{\"retCode\":0,\"result\":{\"list\":[[\"2\",\"1\",\"1\",\"1\",\"1\",\"1\"],"
		   "[\"2\",\"1\",\"1\",\"1\",\"1\",\"1\"]]}}",
		   CW_KLINE_ERROR_WRONG_TYPE, 0, "not older");
	PAGE_FAILS("{\"retCode\":0,\"result\":{\"list\":[[\"2\",\"1\",\"x\",\"1\",\"1\",\"1\"]]}}",
		   CW_KLINE_ERROR_BAD_NUMBER, 0, "result.list[0][2]");
	PAGE_FAILS("{\"retCode\":0,\"result\":{\"list\":[[\"2\",\"1\",\"1\"]]}}",
		   CW_KLINE_ERROR_WRONG_TYPE, 0, "result.list[0]");
	PAGE_FAILS("{\"retCode\":0,\"result\":{}}", CW_KLINE_ERROR_WRONG_TYPE, 0, "list: missing");
	PAGE_FAILS(
	    "{\"retCode\":0,\"result\":{\"list\":[[\"2\",\"1\",\"0.5\",\"1\",\"1\",\"1\"]]}}",
	    CW_KLINE_ERROR_HIGH_BELOW_LOW, 0, "below low");
	PAGE_FAILS("<html>", CW_KLINE_ERROR_NOT_JSON, 0, "not JSON");
#undef PAGE_FAILS
}

static void
test_binance_page(void)
{
	const char *page =
	    "[[1499040000000,\"0.01634790\",\"0.80000000\",\"0.01575800\",\"0.01577100\","
	    "\"148976.11427815\",1499644799999,\"2434.19055334\",308,\"1756.87402397\","
	    "\"28.46694368\",\"0\"],[1499644800000,\"0.01577100\",\"0.02\",\"0.015\",\"0.0159\","
	    "\"10\",1500249599999,\"1\",3,\"1\",\"1\",\"0\"]]";
	g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	CwKlinePageError error;
	GQuark symbol = g_quark_from_static_string("LTCBTC");

	g_assert_true(cw_binance_kline_decode_page(decoder, page, strlen(page), symbol, 604800000,
						   out, &error));
	g_assert_cmpuint(out->len, ==, 2);
	g_assert_cmpint(g_array_index(out, CwCandle, 0).open_time, ==, 1499040000000);
	g_assert_cmpfloat(g_array_index(out, CwCandle, 0).volume, ==, 148976.11427815);
	g_assert_cmpint(g_array_index(out, CwCandle, 1).open_time, ==, 1499644800000);
	g_assert_true(cw_binance_kline_decode_page(decoder, "[]", 2, symbol, 1, out, &error));
	g_assert_cmpuint(out->len, ==, 2);

#define PAGE_FAILS(text, kind, code, part)                                                         \
	do {                                                                                       \
		g_assert_false(cw_binance_kline_decode_page(decoder, text, strlen(text), symbol,   \
							    1, out, &error));                      \
		g_assert_cmpstr(cw_kline_error_to_string(error.error), ==,                         \
				cw_kline_error_to_string(kind));                                   \
		g_assert_cmpint(error.exchange_code, ==, code);                                    \
		g_assert_nonnull(strstr(error.detail, part));                                      \
		g_assert_cmpuint(out->len, ==, 2);                                                 \
	} while (0)
	PAGE_FAILS("{\"code\":-1121,\"msg\":\"Invalid symbol.\"}", CW_KLINE_ERROR_EXCHANGE, -1121,
		   "Invalid symbol.");
	PAGE_FAILS("{\"code\":-1003,\"msg\":\"Too many requests\"}", CW_KLINE_ERROR_RATE_LIMITED,
		   -1003, "Too many");
	PAGE_FAILS("[[2,\"1\",\"1\",\"1\",\"1\",\"1\"],[2,\"1\",\"1\",\"1\",\"1\",\"1\"]]",
		   CW_KLINE_ERROR_WRONG_TYPE, 0, "not after");
	PAGE_FAILS("[[2,\"1\",\"1\",\"1\",\"1\",\"-1\"]]", CW_KLINE_ERROR_NEGATIVE_VOLUME, 0,
		   "[0]");
	PAGE_FAILS("[[2,\"1\",\"1\",\"1\",\"NaN\",\"1\"]]", CW_KLINE_ERROR_BAD_NUMBER, 0, "[0][4]");
	PAGE_FAILS("{\"x\":1}", CW_KLINE_ERROR_WRONG_TYPE, 0, "error object");
#undef PAGE_FAILS
}

/* Good and bad frames of both exchanges, many times: once the token array
 * has grown, decoding allocates nothing. */
static void
test_no_allocation(void)
{
#ifdef CW_SANITIZED
	g_test_skip("sanitizers replace malloc: allocations are counted in the plain build");
#else
	g_autofree char *closed = bybit_with("\"confirm\":false", "\"confirm\":true");
	g_autofree char *nan = bybit_with("\"16649.5\"", "\"NaN\"");
	g_autofree char *low = binance_with("\"l\":\"0.0015\"", "\"l\":\"0.003\"");
	g_autofree char *combined =
	    g_strdup_printf("{\"stream\":\"btcusdt@kline_1m\",\"data\":%s}", BINANCE_EVENT("true"));
	const char *bybit_partial = BYBIT_PARTIAL;
	const char *frames[] = {bybit_partial, closed, nan, "{\"topic\":\"kline.5.BTCUSDT\",",
				"{\"success\":true,\"ret_msg\":\"pong\",\"op\":\"ping\"}"};
	const char *partial = BINANCE_EVENT("false");
	const char *binance_frames[] = {partial, low, combined, "{\"result\":null,\"id\":1}",
					"[1,2"};
	CwKlineFrame frame;
	guint decoded = 0;

	for (guint pass = 0; pass < 2; pass++) {
		test_allocations = 0;
		test_counting = pass == 1;
		for (guint round = 0; round < 100; round++) {
			for (guint i = 0; i < G_N_ELEMENTS(frames); i++) {
				decoded += cw_bybit_kline_decode_frame(decoder, frames[i],
								       strlen(frames[i]), &frame);
				decoded += cw_binance_kline_decode_frame(
				    decoder, binance_frames[i], strlen(binance_frames[i]), &frame);
			}
		}
		test_counting = 0;
	}
	g_assert_cmpuint(decoded, ==, 2 * 100 * 6);
	g_assert_cmpint(test_allocations, ==, 0);
#endif
}

static void
test_names_and_intervals(void)
{
	for (guint i = 0; i < CW_KLINE_N_ERRORS; i++)
		g_assert_cmpint(cw_kline_error_from_string(cw_kline_error_to_string(i)), ==, i);
	g_assert_cmpint(cw_kline_error_from_string("nope"), ==, CW_KLINE_ERROR_NONE);
	g_assert_cmpint(cw_kline_bybit_interval_ms("D", NULL), ==, 86400000);
	g_assert_cmpstr(cw_kline_bybit_interval_name(300000), ==, "5");
	g_assert_cmpint(cw_kline_binance_interval_ms("12h", NULL), ==, 43200000);
	g_assert_cmpstr(cw_kline_binance_interval_name(60000), ==, "1m");
	g_assert_null(cw_kline_binance_interval_name(7));
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	/* What a bot's config does: the decoders only know interned symbols. */
	g_quark_from_static_string("BTCUSDT");
	g_quark_from_static_string("ETHUSDT");
	decoder = cw_kline_decoder_new();
	g_test_add_func("/streaming/kline/bybit/kline", test_bybit_kline);
	g_test_add_func("/streaming/kline/bybit/many-and-monthly", test_bybit_many_and_monthly);
	g_test_add_func("/streaming/kline/bybit/control", test_bybit_control);
	g_test_add_func("/streaming/kline/bybit/errors", test_bybit_errors);
	g_test_add_func("/streaming/kline/binance/kline", test_binance_kline);
	g_test_add_func("/streaming/kline/binance/combined-and-control",
			test_binance_combined_and_control);
	g_test_add_func("/streaming/kline/binance/errors", test_binance_errors);
	g_test_add_func("/streaming/kline/bybit/page", test_bybit_page);
	g_test_add_func("/streaming/kline/binance/page", test_binance_page);
	g_test_add_func("/streaming/kline/names-and-intervals", test_names_and_intervals);
	g_test_add_func("/streaming/kline/no-allocation", test_no_allocation);
	rc = g_test_run();
	cw_kline_decoder_free(decoder);
	return rc;
}
