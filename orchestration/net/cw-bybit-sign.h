#pragma once

#if !defined(CW_NET_INSIDE) && !defined(CW_NET_COMPILATION)
#error "Only <cw-net.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/* Bybit v5 request signing (docs/exchange-formats.md, "Bybit v5 private
 * API"): X-BAPI-SIGN is the lower-case hex HMAC-SHA256, keyed with the API
 * secret, of timestamp + api_key + recv_window + payload, where payload is
 * the query string exactly as sent (GET) or the exact JSON body (POST). The
 * private WebSocket's auth signs "GET/realtime" + expires. Shared by the
 * bybit broker (to sign) and the exchange simulator (to verify). */

/* 64 hex digits and the NUL */
#define CW_BYBIT_SIGN_LEN 65

/* Writes the REST signature into out; no allocation. */
void cw_bybit_sign_rest(const char *secret, gint64 timestamp_ms, const char *api_key,
			gint64 recv_window_ms, const char *payload, gsize payload_len,
			char out[CW_BYBIT_SIGN_LEN]);
/* Writes the private WebSocket auth signature for expires_ms into out. */
void cw_bybit_sign_ws(const char *secret, gint64 expires_ms, char out[CW_BYBIT_SIGN_LEN]);
/* Compares two signatures in time independent of where they differ. */
gboolean cw_bybit_sign_equal(const char *a, const char *b);

G_END_DECLS
