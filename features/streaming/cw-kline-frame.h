#pragma once

/* Kline frame and REST page decoders for Bybit v5 and Binance (USDⓈ-M futures
 * and spot). Pure functions over bytes: no GObject, no I/O, no logging. The
 * formats and their documentation sources are listed in
 * docs/exchange-formats.md.
 *
 * A frame decodes into a CwKlineFrame on the caller's stack: its kind (kline
 * update, subscribe ack, pong, ...), 0..CW_KLINE_FRAME_MAX_CANDLES candle
 * updates with their closed flag, the topic or stream, and for a bad frame a
 * classified CwKlineError plus a message naming the JSON path. Nothing in the
 * result is heap allocated; the decoder keeps one JsonParser for reuse. */

#include "cw-core.h"

G_BEGIN_DECLS

/* Why a frame or page was refused. The names (cw_kline_error_to_string) are
 * stable: counters, logs and the exchange simulator's "bad_kinds" use them. */
typedef enum {
	CW_KLINE_ERROR_NONE = 0,
	CW_KLINE_ERROR_NOT_JSON,       /* "not_json": not UTF-8 JSON, NUL byte, truncated */
	CW_KLINE_ERROR_WRONG_TYPE,     /* "wrong_type": missing member or wrong JSON type */
	CW_KLINE_ERROR_BAD_NUMBER,     /* "bad_number": NaN, inf, text in a number field */
	CW_KLINE_ERROR_BAD_PRICE,      /* "bad_price": a price <= 0 */
	CW_KLINE_ERROR_HIGH_BELOW_LOW, /* "high_below_low": or high < open/close, low > open/close */
	CW_KLINE_ERROR_NEGATIVE_VOLUME, /* "negative_volume" */
	CW_KLINE_ERROR_UNKNOWN_TOPIC,   /* "unknown_topic": not a kline topic/stream/event, or a
					 * symbol never interned as a GQuark */
	CW_KLINE_ERROR_OVERSIZED,       /* "oversized": more than CW_KLINE_FRAME_MAX_BYTES */
	CW_KLINE_ERROR_BINARY,          /* "binary": a binary frame (classified by the caller) */
	CW_KLINE_ERROR_TOO_MANY,        /* "too_many": more candles than a frame holds */
	CW_KLINE_ERROR_EXCHANGE,        /* "exchange": REST error answer (retCode != 0, code < 0) */
	CW_KLINE_ERROR_RATE_LIMITED,    /* "rate_limited": Bybit retCode 10006, Binance -1003 */
	CW_KLINE_N_ERRORS
} CwKlineError;

typedef enum {
	CW_KLINE_FRAME_BAD,        /* error says why; never a candle */
	CW_KLINE_FRAME_KLINE,      /* n_updates >= 1 candle updates */
	CW_KLINE_FRAME_SUBSCRIBED, /* Bybit subscribe success, Binance {"result":null,"id":N} */
	CW_KLINE_FRAME_REJECTED,   /* Bybit success:false, Binance {"code":..,"msg":..} */
	CW_KLINE_FRAME_PONG,       /* Bybit pong to {"op":"ping"} */
	CW_KLINE_FRAME_OTHER,      /* a well-formed control answer the feed does not act on */
} CwKlineFrameKind;

#define CW_KLINE_FRAME_MAX_BYTES   (64 * 1024)
#define CW_KLINE_FRAME_MAX_CANDLES 16
#define CW_KLINE_TOPIC_LEN         64
#define CW_KLINE_DETAIL_LEN        160

typedef struct {
	CwCandle candle;
	gboolean closed;   /* Bybit "confirm", Binance "k.x": only a closed candle is a decision */
	gint64 event_time; /* Bybit data[].timestamp, Binance "E" (ms) */
} CwKlineUpdate;

typedef struct {
	CwKlineFrameKind kind;
	CwKlineError error;
	/* Bybit "topic" ("kline.5.BTCUSDT"); Binance stream name ("btcusdt@kline_5m"),
	 * built from s and k.i for a raw-stream event. Empty for acks. */
	char topic[CW_KLINE_TOPIC_LEN];
	/* Bybit "req_id", Binance "id" (as decimal text); empty when absent. */
	char req_id[CW_KLINE_TOPIC_LEN];
	guint n_updates;
	CwKlineUpdate updates[CW_KLINE_FRAME_MAX_CANDLES];
	/* BAD: what and where, e.g. `data[0].high: expected a number, got "abc"`;
	 * REJECTED: the exchange's message. */
	char detail[CW_KLINE_DETAIL_LEN];
} CwKlineFrame;

/* A REST page's outcome when it carries no candles. */
typedef struct {
	CwKlineError error;
	gint64 exchange_code; /* Bybit retCode, Binance code; 0 when none */
	char detail[CW_KLINE_DETAIL_LEN];
} CwKlinePageError;

typedef struct _CwKlineDecoder CwKlineDecoder;

/* A decoder: reusable parse state for one thread. */
CwKlineDecoder *cw_kline_decoder_new(void);
void cw_kline_decoder_free(CwKlineDecoder *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwKlineDecoder, cw_kline_decoder_free)

/* The stable name of an error kind ("not_json", ...); "none" for NONE. */
const char *cw_kline_error_to_string(CwKlineError error);
/* The kind of a name from cw_kline_error_to_string(); NONE when unknown. */
CwKlineError cw_kline_error_from_string(const char *name);

/* Bybit interval names ("1".."720", "D", "W", "M") to ms; 0 when invalid.
 * "M" has no fixed length: returns 0 and sets *monthly. */
gint64 cw_kline_bybit_interval_ms(const char *name, gboolean *monthly);
/* The Bybit name of a fixed interval, or NULL. */
const char *cw_kline_bybit_interval_name(gint64 interval_ms);
/* Binance interval names ("1s", "1m".."12h", "1d", "3d", "1w", "1M") to ms; 0
 * when invalid; "1M" returns 0 and sets *monthly. */
gint64 cw_kline_binance_interval_ms(const char *name, gboolean *monthly);
/* The Binance name of a fixed interval, or NULL. */
const char *cw_kline_binance_interval_name(gint64 interval_ms);

/* Decodes one Bybit v5 public WebSocket text frame. Returns TRUE when the
 * frame is well formed (kind != BAD). */
gboolean cw_bybit_kline_decode_frame(CwKlineDecoder *self, const char *data, gsize len,
				     CwKlineFrame *out);
/* Decodes one Binance WebSocket text frame: a raw-stream event, a
 * combined-stream {"stream","data"} wrapper, or a SUBSCRIBE answer. */
gboolean cw_binance_kline_decode_frame(CwKlineDecoder *self, const char *data, gsize len,
				       CwKlineFrame *out);

/* Decodes a Bybit GET /v5/market/kline body. Appends the candles to out
 * (GArray of CwCandle) oldest first, stamped with symbol and interval_ms. On
 * failure appends nothing and fills *error. */
gboolean cw_bybit_kline_decode_page(CwKlineDecoder *self, const char *data, gsize len,
				    GQuark symbol, gint64 interval_ms, GArray *out,
				    CwKlinePageError *error);
/* Decodes a Binance GET /fapi/v1/klines or /api/v3/klines body, as above. */
gboolean cw_binance_kline_decode_page(CwKlineDecoder *self, const char *data, gsize len,
				      GQuark symbol, gint64 interval_ms, GArray *out,
				      CwKlinePageError *error);

G_END_DECLS
