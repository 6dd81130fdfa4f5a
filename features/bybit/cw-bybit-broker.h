#pragma once

#if !defined(CW_BYBIT_INSIDE) && !defined(CW_BYBIT_COMPILATION)
#error "Only <cw-bybit.h> can be included directly."
#endif

#include "cw-config.h"
#include "cw-core.h"

G_BEGIN_DECLS

/* The Bybit v5 broker ("bybit" on cw-broker): USDT perpetuals (category
 * linear), one-way mode. Config: the bot's "broker" section (see
 * docs/configuration.md, "The bybit broker").
 *
 * submit(), cancel() and amend() queue a request and return; requests go
 * out from the main loop, protective ones (stops, exits, cancels, amends)
 * ahead of entries, within the rate limit the answers announce
 * (X-Bapi-Limit-Status, X-Bapi-Limit-Reset-Timestamp, retCode 10006).
 * Reports come from the REST answers and the private stream; fills only
 * from executions, each execId applied once. A create without an answer
 * (timeout, dropped connection, 5xx, a body that is not JSON) is looked up
 * by orderLinkId on /v5/order/realtime: adopted when there, sent again with
 * the same orderLinkId when not (110072 then means it is there: adopted).
 * After every gap in the private stream it fetches the open orders and the
 * executions since the last one seen. The private stream and the rate
 * limit are its key's, shared with every broker on that key
 * (CwBybitAccountStream). Capabilities: AMEND, NATIVE_STOP, REDUCE_ONLY. */

#define CW_TYPE_BYBIT_BROKER (cw_bybit_broker_get_type())
G_DECLARE_FINAL_TYPE(CwBybitBroker, cw_bybit_broker, CW, BYBIT_BROKER, GObject)

typedef enum {
	CW_BYBIT_UNKNOWN_HALT,
	CW_BYBIT_UNKNOWN_ADOPT,
	CW_BYBIT_UNKNOWN_FLATTEN,
} CwBybitUnknownPosition;

/* What the broker did, for tests and the benchmarks. */
typedef struct {
	guint creates_sent; /* create requests written (resends included) */
	guint resends;      /* creates sent again after a lookup found nothing */
	guint lookups;      /* /v5/order/realtime by orderLinkId after an unknown outcome */
	guint adopted;      /* unknown outcomes resolved as "it is there" */
	guint rate_limited; /* answers with retCode 10006 or HTTP 429 */
	guint execs_applied;
	guint execs_duplicate;     /* executions seen again (stream and REST, or twice) */
	guint stream_auths;        /* private stream authentications that succeeded */
	guint catch_ups;           /* REST catch-ups after a stream gap */
	guint resyncs;             /* catch-ups after a reconnect, told to the owner (resynced) */
	guint followed;            /* orders of an earlier life followed (CwBroker.follow) */
	guint execs_before_follow; /* executions of a followed order older than its follow */
	guint no_position; /* reduce-only creates refused, the venue's position zero (110017) */
} CwBybitBrokerStats;

CwBybitBroker *cw_bybit_broker_new(void);
const CwBybitBrokerStats *cw_bybit_broker_get_stats(CwBybitBroker *self);
/* TRUE once the clock is synchronised and instruments are read. */
gboolean cw_bybit_broker_is_ready(CwBybitBroker *self);
/* TRUE while the private stream is authenticated and subscribed. */
gboolean cw_bybit_broker_stream_is_up(CwBybitBroker *self);
/* Requests queued or in flight. */
guint cw_bybit_broker_get_n_pending(CwBybitBroker *self);
/* Local-clock ms before which no request goes out (the rate limit); 0 when
 * none was ever set. */
gint64 cw_bybit_broker_get_blocked_until_ms(CwBybitBroker *self);
/* The exchange's net position of the symbol, as last read (signed). */
double cw_bybit_broker_get_exchange_position(CwBybitBroker *self);
CwBybitUnknownPosition cw_bybit_broker_get_unknown_position(CwBybitBroker *self);
/* Replaces every occurrence of the key and the secret in text by "***". */
char *cw_bybit_broker_redact(CwBybitBroker *self, const char *text);

G_END_DECLS
