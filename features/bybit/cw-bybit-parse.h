#pragma once

#if !defined(CW_BYBIT_INSIDE) && !defined(CW_BYBIT_COMPILATION)
#error "Only <cw-bybit.h> can be included directly."
#endif

#include "cw-core.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Parsers of what Bybit v5 sends the broker: the REST envelope and its
 * orders, executions and positions, and the private stream's frames
 * (docs/exchange-formats.md, "Bybit v5 private API"). Every error names
 * the JSON path of the bad value; nothing asserts on outside input. */

#define CW_BYBIT_ID_LEN 64

/* {"retCode","retMsg","result","retExtInfo","time"}; root owned. */
typedef struct {
	JsonNode *root;
	gint64 ret_code;
	char ret_msg[CW_REASON_LEN];
	JsonObject *result; /* borrowed from root; may be empty */
	gint64 time;
} CwBybitEnvelope;

typedef struct {
	char order_id[CW_BYBIT_ID_LEN];
	char link_id[CW_CLIENT_ORDER_ID_LEN];
	char symbol[32];
	CwSide side;
	CwOrderType type;
	CwOrderStatus status;
	gboolean reduce_only;
	double qty;
	double price;
	double trigger;
	double cum_qty;
	double avg_price;
	double cum_fee;
	gint64 created;
	gint64 updated;
} CwBybitOrderInfo;

typedef struct {
	char exec_id[CW_BYBIT_ID_LEN];
	char order_id[CW_BYBIT_ID_LEN];
	char link_id[CW_CLIENT_ORDER_ID_LEN];
	char symbol[32];
	CwSide side;
	gboolean trade; /* execType Trade (not Funding, ...) */
	gboolean maker;
	double price;
	double qty;
	double fee;
	double order_qty;
	double leaves_qty;
	gint64 time;
} CwBybitExec;

typedef struct {
	char symbol[32];
	double size; /* signed: > 0 long */
	double avg_price;
} CwBybitPosition;

typedef enum {
	CW_BYBIT_FRAME_OP,    /* an answer to auth, subscribe, ping */
	CW_BYBIT_FRAME_TOPIC, /* a push: order, execution, position, wallet */
} CwBybitFrameKind;

typedef struct {
	JsonNode *root;
	CwBybitFrameKind kind;
	char op[16];
	gboolean success;
	char ret_msg[CW_REASON_LEN];
	char topic[32];  /* "order", "execution"... without ".linear" */
	JsonArray *data; /* borrowed from root */
} CwBybitFrame;

gboolean cw_bybit_parse_envelope(const char *data, gsize len, CwBybitEnvelope *out, GError **error);
void cw_bybit_envelope_clear(CwBybitEnvelope *env);
/* result.list, or NULL with an error naming it. */
JsonArray *cw_bybit_envelope_list(CwBybitEnvelope *env, GError **error);
/* path names the object in errors, e.g. "result.list[0]" */
gboolean cw_bybit_parse_order(JsonObject *obj, const char *path, CwBybitOrderInfo *out,
			      GError **error);
gboolean cw_bybit_parse_exec(JsonObject *obj, const char *path, CwBybitExec *out, GError **error);
gboolean cw_bybit_parse_position(JsonObject *obj, const char *path, CwBybitPosition *out,
				 GError **error);
gboolean cw_bybit_parse_frame(const char *data, gsize len, CwBybitFrame *out, GError **error);
void cw_bybit_frame_clear(CwBybitFrame *frame);
/* A Bybit orderStatus as the engine's; FALSE for an unknown one. */
gboolean cw_bybit_status_from_string(const char *text, CwOrderStatus *out);

G_END_DECLS
