#pragma once

/* CwSimBybitPrivate: the simulator's Bybit v5 private API (docs/operations.md,
 * "The simulator's private API"): signed REST orders, positions, executions
 * and wallet, the private WebSocket, matching against the replayed candles
 * with the paper broker's rules (one CwPaperBroker per symbol), an audit of
 * every accepted orderLinkId, and faults. One account: one API key, and
 * more with cw_sim_bybit_private_add_key(); the simulator holds more
 * accounts with cw_exchange_sim_add_account(). */

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "cw-core.h"

G_BEGIN_DECLS

/* Counters like the market faults: "next N" or "every N"; 0 = off. */
typedef struct {
	guint drop_create_next;     /* accept a create, then reset the connection unanswered */
	guint timeout_create_next;  /* accept a create, never answer */
	guint error_create_next;    /* answer a create 503 without accepting it */
	guint error_accepted_next;  /* accept a create, answer 502 */
	guint rate_limit_next;      /* the next N private requests: retCode 10006 */
	guint cut_stream_every;     /* close the private streams before every Nth fill's push */
	guint duplicate_exec_every; /* push every Nth execution twice */
	guint delay_exec_ms;        /* push executions this late */
	guint partial_fill_every;   /* every Nth fill in two executions (PartiallyFilled first) */
	guint rate_limit_per_s;     /* private requests per key per second (default 20) */
	guint error_cancel_next;    /* answer a cancel 503 without cancelling */
} CwSimPrivateFaults;

typedef struct _CwSimBybitPrivate CwSimBybitPrivate;

typedef gint64 (*CwSimClockFunc)(gpointer data);

/* balance: the USDT wallet; fees as the paper broker's (bps). now gives the
 * simulator's market time (orders' and fills' times). */
CwSimBybitPrivate *cw_sim_bybit_private_new(const char *api_key, const char *api_secret,
					    double balance, CwSimClockFunc now, gpointer now_data);
void cw_sim_bybit_private_free(CwSimBybitPrivate *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwSimBybitPrivate, cw_sim_bybit_private_free)

void cw_sim_bybit_private_set_fees(CwSimBybitPrivate *self, double slippage_bps,
				   double maker_fee_bps, double taker_fee_bps);
/* Instrument rules the create endpoint enforces. */
void cw_sim_bybit_private_set_rules(CwSimBybitPrivate *self, double qty_step, double min_qty);
CwSimPrivateFaults *cw_sim_bybit_private_get_faults(CwSimBybitPrivate *self);
/* Sets one fault from text ("drop_create_next", "1"). */
gboolean cw_sim_bybit_private_set_fault(CwSimBybitPrivate *self, const char *key, const char *value,
					GError **error);
/* Handles the private REST paths (/v5/order/, /v5/position/, /v5/execution/,
 * /v5/account/, /v5/market/time) and its control paths (/sim/audit,
 * /sim/private-faults, /sim/position); FALSE for any other path. */
gboolean cw_sim_bybit_private_handle(CwSimBybitPrivate *self, SoupServerMessage *msg,
				     const char *path, GHashTable *query);
/* A connection to /v5/private. */
void cw_sim_bybit_private_on_websocket(CwSimBybitPrivate *self, SoupServerMessage *msg,
				       SoupWebsocketConnection *ws);
/* A candle of symbol closed: the working orders match against it. */
void cw_sim_bybit_private_on_candle(CwSimBybitPrivate *self, const char *symbol,
				    const CwCandle *candle);
/* Candle of symbol opened: it is matched after delay_ms (part of the way
 * into it, as fills come before a candle closes on an exchange); a candle
 * still waiting is matched first. */
void cw_sim_bybit_private_schedule_candle(CwSimBybitPrivate *self, const char *symbol,
					  const CwCandle *candle, guint delay_ms);
/* Called with each create request as it arrives (signed and parsed, before
 * any fault or check), for latency figures: its orderLinkId ("" when none)
 * and whether it is a reduce-only order. */
typedef void (*CwSimCreateFunc)(const char *link_id, gboolean reduce_only, gpointer data);
void cw_sim_bybit_private_set_create_func(CwSimBybitPrivate *self, CwSimCreateFunc func,
					  gpointer data);
/* The GET /sim/audit document. */
JsonNode *cw_sim_bybit_private_get_audit(CwSimBybitPrivate *self);
/* Another key of the same account (REST and the private WebSocket). */
void cw_sim_bybit_private_add_key(CwSimBybitPrivate *self, const char *api_key,
				  const char *api_secret);
/* Whether api_key is a key of this account. */
gboolean cw_sim_bybit_private_has_key(CwSimBybitPrivate *self, const char *api_key);
/* The other accounts of the venue (cw_exchange_sim_add_account()): a private
 * WebSocket this account accepted that authenticates with a key of another
 * account moves to that one. func returns the account of a key, or NULL. */
typedef CwSimBybitPrivate *(*CwSimAccountFunc)(const char *api_key, gpointer data);
void cw_sim_bybit_private_set_account_func(CwSimBybitPrivate *self, CwSimAccountFunc func,
					   gpointer data);

G_END_DECLS
