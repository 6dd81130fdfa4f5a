#pragma once

/* CwExchangeSim: a local Bybit v5 and Binance market-data server that replays
 * a candle file on libsoup's SoupServer (docs/operations.md, "The exchange
 * simulator"). It runs on the thread-default main context of its caller. */

#include "cw-sim-bybit-private.h"
#include "cw-sim-faults.h"

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct {
	const char *path;   /* candle file: CSV or JSON (cw-candle-file.h) */
	const char *symbol; /* exchange symbol, upper case, default BTCUSDT */
	/* more markets, NULL-terminated "SYMBOL=FILE"; all share path's interval */
	const char *const *markets;
	double speed;           /* candles per second; 0 = real time */
	guint partials;         /* partial (unconfirmed) updates per candle */
	guint history;          /* candles already closed when the clock starts */
	double linger;          /* seconds to stay up after the last candle */
	guint wait_subscribers; /* the clock starts once this many connections subscribed */
	double tick_size;       /* instrument rules served by instruments-info/exchangeInfo */
	double qty_step;
	double min_qty;
	double min_notional;
	CwSimFaults faults;
	/* the private API (cw-sim-bybit-private.h) when api_key is set */
	const char *api_key;
	const char *api_secret;
	double balance; /* USDT, default 10000 */
} CwExchangeSimOptions;

typedef struct _CwExchangeSim CwExchangeSim;

void cw_exchange_sim_options_init(CwExchangeSimOptions *options);

/* Loads the candle file; fails on a missing file, a bad row or no candles. */
CwExchangeSim *cw_exchange_sim_new(const CwExchangeSimOptions *options, GError **error);
void cw_exchange_sim_free(CwExchangeSim *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwExchangeSim, cw_exchange_sim_free)

/* Listens on 127.0.0.1:port (0 = a free port) and starts the clock. */
gboolean cw_exchange_sim_start(CwExchangeSim *self, guint port, GError **error);
guint cw_exchange_sim_get_port(CwExchangeSim *self);
/* Called once, on the main context, when the file has ended and the linger
 * time has passed. */
void cw_exchange_sim_set_finished_func(CwExchangeSim *self, GSourceFunc func, gpointer data);
/* Called right after a closed candle's frame went to the subscribed
 * connections (latency benchmarks): open_time is the candle's. */
typedef void (*CwExchangeSimSentFunc)(gint64 open_time, gpointer data);
void cw_exchange_sim_set_sent_func(CwExchangeSim *self, CwExchangeSimSentFunc func, gpointer data);
/* Changes faults as POST /sim/faults does. */
gboolean cw_exchange_sim_apply_faults(CwExchangeSim *self, JsonNode *faults, GError **error);
/* The GET /sim/state document. */
JsonNode *cw_exchange_sim_get_state(CwExchangeSim *self);
/* Candles loaded from the first file (CwCandle), and how many have closed. */
GArray *cw_exchange_sim_get_candles(CwExchangeSim *self);
guint cw_exchange_sim_get_n_closed(CwExchangeSim *self);

/* The private API, or NULL when no key was given. */
CwSimBybitPrivate *cw_exchange_sim_get_private(CwExchangeSim *self);
/* Another account at the private API: its own orders, positions, wallet
 * and private streams, with the balance and instrument rules of the
 * options. REST requests go to the account of their X-BAPI-API-KEY, a
 * private WebSocket to the account of the key it authenticates with; the
 * /sim/ control paths stay the first account's. NULL and an error without
 * a private API or for a key already known. Owned by self. */
CwSimBybitPrivate *cw_exchange_sim_add_account(CwExchangeSim *self, const char *api_key,
					       const char *api_secret, GError **error);
/* The accounts: 0 is the private API's first, then those added, in order. */
guint cw_exchange_sim_get_n_accounts(CwExchangeSim *self);
CwSimBybitPrivate *cw_exchange_sim_get_account(CwExchangeSim *self, guint i);

G_END_DECLS
