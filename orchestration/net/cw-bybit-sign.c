/* Bybit v5 signatures (see cw-bybit-sign.h). */
#include "cw-net.h"

#include <string.h>

static void
cw_bybit_sign_hex(GHmac *hmac, char out[CW_BYBIT_SIGN_LEN])
{
	static const char digits[] = "0123456789abcdef";
	guint8 digest[32];
	gsize len = sizeof digest;

	g_hmac_get_digest(hmac, digest, &len);
	for (gsize i = 0; i < 32; i++) {
		out[2 * i] = digits[digest[i] >> 4];
		out[2 * i + 1] = digits[digest[i] & 0xf];
	}
	out[64] = '\0';
}

/**
 * cw_bybit_sign_rest:
 * @secret: the API secret
 * @timestamp_ms: X-BAPI-TIMESTAMP
 * @api_key: X-BAPI-API-KEY
 * @recv_window_ms: X-BAPI-RECV-WINDOW
 * @payload: the query string (GET) or the JSON body (POST), as sent
 * @out: (out): the hex signature
 *
 * Signs one REST request as Bybit v5 expects.
 */
void
cw_bybit_sign_rest(const char *secret, gint64 timestamp_ms, const char *api_key,
		   gint64 recv_window_ms, const char *payload, gsize payload_len,
		   char out[CW_BYBIT_SIGN_LEN])
{
	g_autoptr(GHmac) hmac =
	    g_hmac_new(G_CHECKSUM_SHA256, (const guchar *) secret, strlen(secret));
	char num[24];
	int n;

	n = g_snprintf(num, sizeof num, "%" G_GINT64_FORMAT, timestamp_ms);
	g_hmac_update(hmac, (const guchar *) num, n);
	g_hmac_update(hmac, (const guchar *) api_key, (gssize) strlen(api_key));
	n = g_snprintf(num, sizeof num, "%" G_GINT64_FORMAT, recv_window_ms);
	g_hmac_update(hmac, (const guchar *) num, n);
	if (payload != NULL && payload_len > 0)
		g_hmac_update(hmac, (const guchar *) payload, (gssize) payload_len);
	cw_bybit_sign_hex(hmac, out);
}

/**
 * cw_bybit_sign_ws:
 * @secret: the API secret
 * @expires_ms: the auth request's expiry, ms since the epoch
 * @out: (out): the hex signature
 *
 * Signs "GET/realtime" + expires for {"op":"auth"}.
 */
void
cw_bybit_sign_ws(const char *secret, gint64 expires_ms, char out[CW_BYBIT_SIGN_LEN])
{
	g_autoptr(GHmac) hmac =
	    g_hmac_new(G_CHECKSUM_SHA256, (const guchar *) secret, strlen(secret));
	char num[40];
	int n = g_snprintf(num, sizeof num, "GET/realtime%" G_GINT64_FORMAT, expires_ms);

	g_hmac_update(hmac, (const guchar *) num, n);
	cw_bybit_sign_hex(hmac, out);
}

/**
 * cw_bybit_sign_equal:
 *
 * Returns: whether the two signatures are equal, without an early exit
 */
gboolean
cw_bybit_sign_equal(const char *a, const char *b)
{
	gsize la = strlen(a);
	gsize lb = strlen(b);
	guint8 diff = la != lb;

	for (gsize i = 0; i < MIN(la, lb); i++)
		diff |= (guint8) (a[i] ^ b[i]);
	return diff == 0;
}
