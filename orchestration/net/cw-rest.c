/* REST requests: GET with retries, signed GET and POST (see cw-rest.h). */
#include "cw-net.h"

#include <stdlib.h>

typedef struct {
	SoupSession *session;
	char *url;
	const char *method; /* SOUP_METHOD_GET or SOUP_METHOD_POST */
	char *body;         /* POST: the JSON body */
	char *payload;      /* what prepare signs: the query (GET) or the body */
	CwRestPrepareFunc prepare;
	gpointer prepare_data;
	CwRestAnswer answer;
	CwRestPolicy policy;
	CwRestRetryFunc retry;
	gpointer retry_data;
	CwJitterBackoff backoff;
	GRand *rand;
	guint attempts;
	guint timer;
	char *last_error;
} CwRestCall;

static void
cw_rest_call_free(CwRestCall *call)
{
	g_clear_handle_id(&call->timer, g_source_remove);
	g_object_unref(call->session);
	g_rand_free(call->rand);
	g_free(call->url);
	g_free(call->body);
	g_free(call->payload);
	g_free(call->last_error);
	g_free(call);
}

/**
 * cw_rest_policy_init:
 *
 * Fills @policy with the defaults (see CwRestPolicy).
 */
void
cw_rest_policy_init(CwRestPolicy *policy)
{
	policy->max_attempts = 5;
	policy->backoff_base_s = 0.5;
	policy->backoff_cap_s = 30;
	policy->max_wait_s = 30;
}

/**
 * cw_rest_retry_after:
 * @headers: the answer's headers
 * @now_ms: the time, ms since the epoch
 *
 * Returns: the wait the answer asks for in seconds, -1 for none
 */
double
cw_rest_retry_after(SoupMessageHeaders *headers, gint64 now_ms)
{
	const char *after = soup_message_headers_get_one(headers, "Retry-After");
	const char *reset = soup_message_headers_get_one(headers, "X-Bapi-Limit-Reset-Timestamp");
	const char *status = soup_message_headers_get_one(headers, "X-Bapi-Limit-Status");
	char *end = NULL;

	if (after != NULL) {
		double s = g_ascii_strtod(after, &end);
		if (end != after && *end == '\0' && s >= 0)
			return s;
	}
	/* Bybit: the reset time matters once no request remains */
	if (reset != NULL && (status == NULL || strtol(status, NULL, 10) <= 0)) {
		gint64 at = g_ascii_strtoll(reset, &end, 10);
		if (end != reset && *end == '\0')
			return MAX(0.0, (double) (at - now_ms) / 1000.0);
	}
	return -1;
}

/* The path of the URL, never its query (a signed call carries its
 * signature there). */
static char *
cw_rest_path(const char *url)
{
	g_autoptr(GUri) uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);

	return g_strdup(uri != NULL ? g_uri_get_path(uri) : "?");
}

static void cw_rest_send(GTask *task);

static gint64
cw_rest_header_int(SoupMessageHeaders *headers, const char *name)
{
	const char *text = soup_message_headers_get_one(headers, name);
	gint64 v = -1;

	if (text == NULL || !g_ascii_string_to_signed(text, 10, 0, G_MAXINT64, &v, NULL))
		return -1;
	return v;
}

/* The Date header in ms since the epoch, -1 when absent or unreadable. */
static gint64
cw_rest_header_date(SoupMessageHeaders *headers)
{
	const char *text = soup_message_headers_get_one(headers, "Date");
	g_autoptr(GDateTime) date = text != NULL ? soup_date_time_new_from_http_string(text) : NULL;

	return date != NULL ? g_date_time_to_unix(date) * 1000 : -1;
}

static void
cw_rest_read_answer(CwRestCall *call, SoupMessage *msg)
{
	SoupMessageHeaders *headers = soup_message_get_response_headers(msg);

	call->answer.status = soup_message_get_status(msg);
	call->answer.retry_after_s = cw_rest_retry_after(headers, g_get_real_time() / 1000);
	call->answer.limit_status = cw_rest_header_int(headers, "X-Bapi-Limit-Status");
	call->answer.limit_reset_ms = cw_rest_header_int(headers, "X-Bapi-Limit-Reset-Timestamp");
	call->answer.date_ms = cw_rest_header_date(headers);
}

static gboolean
cw_rest_retry_cb(gpointer user_data)
{
	GTask *task = user_data;
	CwRestCall *call = g_task_get_task_data(task);

	call->timer = 0;
	cw_rest_send(task);
	return G_SOURCE_REMOVE;
}

/* Tries again after wait_s (< 0: a backoff), or gives up. Takes the task. */
static void
cw_rest_again(GTask *task, double wait_s, char *why)
{
	CwRestCall *call = g_task_get_task_data(task);

	g_free(call->last_error);
	call->last_error = why;
	if (call->attempts >= call->policy.max_attempts ||
	    g_cancellable_is_cancelled(g_task_get_cancellable(task))) {
		g_autofree char *path = cw_rest_path(call->url);
		g_task_return_new_error(task, CW_NET_ERROR, CW_NET_ERROR_GAVE_UP,
					"%s %s: gave up after %u attempts: %s", call->method, path,
					call->attempts, call->last_error);
		g_object_unref(task);
		return;
	}
	if (wait_s < 0)
		wait_s = cw_jitter_backoff_next(&call->backoff, call->rand);
	wait_s = MIN(wait_s, call->policy.max_wait_s);
	call->timer = g_timeout_add_full(G_PRIORITY_DEFAULT, (guint) (wait_s * 1000),
					 cw_rest_retry_cb, task, NULL);
}

static void
cw_rest_sent(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GTask *task = user_data;
	CwRestCall *call = g_task_get_task_data(task);
	SoupMessage *msg = soup_session_get_async_result_message(SOUP_SESSION(source), result);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) body =
	    soup_session_send_and_read_finish(SOUP_SESSION(source), result, &error);
	guint status;

	if (body == NULL) {
		if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
			g_task_return_new_error(task, CW_NET_ERROR, CW_NET_ERROR_CANCELLED,
						"cancelled");
			g_object_unref(task);
			return;
		}
		if (call->method == SOUP_METHOD_POST) {
			g_autofree char *path = cw_rest_path(call->url);
			/* it may have reached the server: never sent again from here */
			g_task_return_new_error(task, CW_NET_ERROR, CW_NET_ERROR_NO_ANSWER,
						"POST %s: no answer: %s", path, error->message);
			g_object_unref(task);
			return;
		}
		cw_rest_again(task, -1, g_strdup(error->message));
		return;
	}
	status = soup_message_get_status(msg);
	cw_rest_read_answer(call, msg);
	if (call->method == SOUP_METHOD_POST && (status < 200 || status >= 300)) {
		g_autofree char *path = cw_rest_path(call->url);
		gsize len = 0;
		const char *data = g_bytes_get_data(body, &len);
		g_task_return_new_error(task, CW_NET_ERROR, CW_NET_ERROR_HTTP,
					"POST %s: HTTP %u: %.*s", path, status,
					(int) MIN(len, (gsize) 200), data != NULL ? data : "");
		g_object_unref(task);
		return;
	}
	if (status == 429 || status >= 500) {
		double wait = cw_rest_retry_after(soup_message_get_response_headers(msg),
						  g_get_real_time() / 1000);
		cw_rest_again(task, wait, g_strdup_printf("HTTP %u", status));
		return;
	}
	if (status < 200 || status >= 300) {
		g_autofree char *path = cw_rest_path(call->url);
		gsize len = 0;
		const char *data = g_bytes_get_data(body, &len);
		g_task_return_new_error(task, CW_NET_ERROR, CW_NET_ERROR_HTTP,
					"%s %s: HTTP %u: %.*s", call->method, path, status,
					(int) MIN(len, (gsize) 200), data != NULL ? data : "");
		g_object_unref(task);
		return;
	}
	if (call->retry != NULL && call->method != SOUP_METHOD_POST &&
	    call->retry(body, call->retry_data)) {
		double wait = cw_rest_retry_after(soup_message_get_response_headers(msg),
						  g_get_real_time() / 1000);
		cw_rest_again(task, wait, g_strdup("rate limited"));
		return;
	}
	g_task_return_pointer(task, g_steal_pointer(&body), (GDestroyNotify) g_bytes_unref);
	g_object_unref(task);
}

static void
cw_rest_send(GTask *task)
{
	CwRestCall *call = g_task_get_task_data(task);
	g_autoptr(SoupMessage) msg = soup_message_new(call->method, call->url);

	/* stopped while waiting to try again: prepare_data may be gone */
	if (g_cancellable_is_cancelled(g_task_get_cancellable(task))) {
		g_task_return_new_error(task, CW_NET_ERROR, CW_NET_ERROR_CANCELLED, "cancelled");
		g_object_unref(task);
		return;
	}
	if (msg == NULL) {
		g_autofree char *path = cw_rest_path(call->url);
		g_task_return_new_error(task, CW_NET_ERROR, CW_NET_ERROR_FAILED,
					"not a valid URL: %s", path);
		g_object_unref(task);
		return;
	}
	if (call->body != NULL) {
		g_autoptr(GBytes) bytes = g_bytes_new(call->body, strlen(call->body));
		soup_message_set_request_body_from_bytes(msg, "application/json", bytes);
	}
	/* a fresh signature and timestamp for every attempt */
	if (call->prepare != NULL)
		call->prepare(soup_message_get_request_headers(msg), call->payload,
			      strlen(call->payload), call->prepare_data);
	call->attempts++;
	soup_session_send_and_read_async(call->session, msg, G_PRIORITY_DEFAULT,
					 g_task_get_cancellable(task), cw_rest_sent, task);
}

static void
cw_rest_start(SoupSession *session, const char *method, const char *url, const char *body,
	      CwRestPrepareFunc prepare, gpointer prepare_data, const CwRestPolicy *policy,
	      CwRestRetryFunc retry, gpointer retry_data, GCancellable *cancellable,
	      GAsyncReadyCallback callback, gpointer user_data, gpointer tag)
{
	GTask *task = g_task_new(NULL, cancellable, callback, user_data);
	CwRestCall *call = g_new0(CwRestCall, 1);
	g_autoptr(GUri) uri = g_uri_parse(url, G_URI_FLAGS_ENCODED_QUERY, NULL);
	const char *query = uri != NULL ? g_uri_get_query(uri) : NULL;

	call->session = g_object_ref(session);
	call->url = g_strdup(url);
	call->method = method;
	call->body = g_strdup(body);
	call->payload = g_strdup(body != NULL ? body : query != NULL ? query : "");
	call->prepare = prepare;
	call->prepare_data = prepare_data;
	call->answer.retry_after_s = -1;
	call->answer.limit_status = -1;
	call->answer.limit_reset_ms = -1;
	call->answer.date_ms = -1;
	if (policy != NULL)
		call->policy = *policy;
	else
		cw_rest_policy_init(&call->policy);
	call->policy.max_attempts = MAX(call->policy.max_attempts, 1u);
	if (method == SOUP_METHOD_POST)
		call->policy.max_attempts = 1;
	call->retry = retry;
	call->retry_data = retry_data;
	cw_jitter_backoff_init(&call->backoff, call->policy.backoff_base_s,
			       call->policy.backoff_cap_s);
	call->rand = g_rand_new();
	g_task_set_task_data(task, call, (GDestroyNotify) cw_rest_call_free);
	g_task_set_source_tag(task, tag);
	cw_rest_send(task);
}

/**
 * cw_rest_get_async:
 * @session: the session
 * @url: the full URL
 * @policy: (nullable): NULL = the defaults
 * @retry: (nullable): whether a 2xx answer asks to try again
 *
 * GETs @url, retrying as CwRestPolicy says.
 */
void
cw_rest_get_async(SoupSession *session, const char *url, const CwRestPolicy *policy,
		  CwRestRetryFunc retry, gpointer retry_data, GCancellable *cancellable,
		  GAsyncReadyCallback callback, gpointer user_data)
{
	cw_rest_start(session, SOUP_METHOD_GET, url, NULL, NULL, NULL, policy, retry, retry_data,
		      cancellable, callback, user_data, cw_rest_get_async);
}

/**
 * cw_rest_request_async:
 * @session: the session
 * @method: "GET" or "POST"
 * @url: the full URL; a GET's query is the payload prepare signs
 * @body: (nullable): POST: the JSON body, sent as is and signed as is
 * @prepare: (nullable): adds headers before each attempt (a signature)
 * @prepare_data: must outlive the call
 * @policy: (nullable): GET: the retries (NULL = the defaults); a POST is
 *   sent once, whatever it says
 * @retry: (nullable): GET: whether a 2xx answer asks to try again
 *
 * Sends one request. A GET is retried as cw_rest_get_async() does. A POST
 * is never sent twice: without an answer it fails with
 * CW_NET_ERROR_NO_ANSWER (it may have reached the server), and an answer
 * that is not 2xx fails with CW_NET_ERROR_HTTP; the caller decides.
 */
void
cw_rest_request_async(SoupSession *session, const char *method, const char *url, const char *body,
		      CwRestPrepareFunc prepare, gpointer prepare_data, const CwRestPolicy *policy,
		      CwRestRetryFunc retry, gpointer retry_data, GCancellable *cancellable,
		      GAsyncReadyCallback callback, gpointer user_data)
{
	const char *m =
	    g_ascii_strcasecmp(method, "POST") == 0 ? SOUP_METHOD_POST : SOUP_METHOD_GET;

	cw_rest_start(session, m, url, m == SOUP_METHOD_POST ? body : NULL, prepare, prepare_data,
		      policy, retry, retry_data, cancellable, callback, user_data,
		      cw_rest_request_async);
}

/**
 * cw_rest_request_finish:
 * @answer: (out) (optional): the last answer's status and rate-limit headers
 *
 * Returns: (transfer full) (nullable): the body of the 2xx answer
 */
GBytes *
cw_rest_request_finish(GAsyncResult *result, CwRestAnswer *answer, guint *attempts, GError **error)
{
	CwRestCall *call = g_task_get_task_data(G_TASK(result));

	if (answer != NULL)
		*answer = call->answer;
	if (attempts != NULL)
		*attempts = call->attempts;
	return g_task_propagate_pointer(G_TASK(result), error);
}

/**
 * cw_rest_get_finish:
 * @attempts: (out) (optional): how many tries it took
 *
 * Returns: (transfer full) (nullable): the body of the 2xx answer
 */
GBytes *
cw_rest_get_finish(GAsyncResult *result, guint *attempts, GError **error)
{
	CwRestCall *call = g_task_get_task_data(G_TASK(result));

	if (attempts != NULL)
		*attempts = call->attempts;
	return g_task_propagate_pointer(G_TASK(result), error);
}
