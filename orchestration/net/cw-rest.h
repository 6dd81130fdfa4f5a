#pragma once

#if !defined(CW_NET_INSIDE) && !defined(CW_NET_COMPILATION)
#error "Only <cw-net.h> can be included directly."
#endif

#include "cw-core.h"

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* A REST GET with retries: a transport error, a 5xx or a 429 (or what the
 * retry func says, e.g. Bybit's retCode 10006 in an HTTP 200) is tried
 * again after the wait the answer asks for (Retry-After, or Bybit's
 * X-Bapi-Limit-Reset-Timestamp), else after a backoff with full jitter. */
typedef struct {
	guint max_attempts;    /* 5 */
	double backoff_base_s; /* 0.5 */
	double backoff_cap_s;  /* 30 */
	double max_wait_s;     /* 30: the longest wait an answer may ask for */
} CwRestPolicy;

/* TRUE: try again. Called for 2xx answers only. */
typedef gboolean (*CwRestRetryFunc)(GBytes *body, gpointer user_data);

void cw_rest_policy_init(CwRestPolicy *policy);
/* The wait an answer asks for, in seconds (Retry-After in seconds, or
 * X-Bapi-Limit-Reset-Timestamp in ms since the epoch against now_ms); -1
 * when it asks for none. */
double cw_rest_retry_after(SoupMessageHeaders *headers, gint64 now_ms);
void cw_rest_get_async(SoupSession *session, const char *url, const CwRestPolicy *policy,
		       CwRestRetryFunc retry, gpointer retry_data, GCancellable *cancellable,
		       GAsyncReadyCallback callback, gpointer user_data);
/* Returns: (transfer full): the body of the 2xx answer; *attempts = tries */
GBytes *cw_rest_get_finish(GAsyncResult *result, guint *attempts, GError **error);

/* Called before each attempt of cw_rest_request_async() with the payload
 * to sign: the query string as sent (GET) or the body (POST). */
typedef void (*CwRestPrepareFunc)(SoupMessageHeaders *headers, const char *payload,
				  gsize payload_len, gpointer user_data);

/* The last answer of a request. */
typedef struct {
	guint status;          /* HTTP status; 0 = no answer */
	double retry_after_s;  /* cw_rest_retry_after(), -1 = none */
	gint64 limit_status;   /* X-Bapi-Limit-Status: requests left, -1 = absent */
	gint64 limit_reset_ms; /* X-Bapi-Limit-Reset-Timestamp, -1 = absent */
	gint64 date_ms; /* the Date header (the server's clock, whole seconds), -1 = absent */
} CwRestAnswer;

void cw_rest_request_async(SoupSession *session, const char *method, const char *url,
			   const char *body, CwRestPrepareFunc prepare, gpointer prepare_data,
			   const CwRestPolicy *policy, CwRestRetryFunc retry, gpointer retry_data,
			   GCancellable *cancellable, GAsyncReadyCallback callback,
			   gpointer user_data);
/* Also finishes cw_rest_get_async() (for the answer of a GET). */
GBytes *cw_rest_request_finish(GAsyncResult *result, CwRestAnswer *answer, guint *attempts,
			       GError **error);

G_END_DECLS
