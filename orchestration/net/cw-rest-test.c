/* cw_rest_get_async against an in-process SoupServer on 127.0.0.1: retries
 * on 5xx and 429, Retry-After and Bybit's reset timestamp, no retry on 4xx. */
#include "cw-net.h"

typedef struct {
	SoupServer *server;
	char *base;
	guint hits;
	guint fail_first; /* answer this many with the failure below */
	guint fail_status;
	const char *retry_after;
	gboolean bybit_limited; /* 200 + retCode 10006 + reset timestamp */
	gboolean hang;          /* never answer */
	const char *date;       /* the Date header of the answers (NULL: the server's) */
	char *last_body;
	char *last_sign;
	char *last_method;
	guint prepared;
	CwRestAnswer answer;
	/* client */
	GBytes *body;
	GError *error;
	guint attempts;
	gboolean done;
} Fixture;

static void
handler(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
	gpointer user_data)
{
	Fixture *f = user_data;
	SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
	gboolean fail = f->hits < f->fail_first;
	SoupMessageBody *req = soup_server_message_get_request_body(msg);
	g_autoptr(GBytes) bytes = soup_message_body_flatten(req);
	const char *sign = soup_message_headers_get_one(
	    soup_server_message_get_request_headers(msg), "X-BAPI-SIGN");

	f->hits++;
	g_free(f->last_body);
	f->last_body = g_strndup(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
	g_free(f->last_sign);
	f->last_sign = g_strdup(sign);
	g_free(f->last_method);
	f->last_method = g_strdup(soup_server_message_get_method(msg));
	if (f->hang) {
		soup_server_message_pause(msg);
		return;
	}
	if (f->date != NULL)
		soup_message_headers_replace(h, "Date", f->date);
	if (fail && f->bybit_limited) {
		g_autofree char *reset =
		    g_strdup_printf("%" G_GINT64_FORMAT, g_get_real_time() / 1000 + 300);
		const char *body = "{\"retCode\":10006,\"retMsg\":\"Too many visits!\"}";
		soup_message_headers_replace(h, "X-Bapi-Limit-Status", "0");
		soup_message_headers_replace(h, "X-Bapi-Limit-Reset-Timestamp", reset);
		soup_server_message_set_status(msg, 200, NULL);
		soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, body,
						 strlen(body));
		return;
	}
	if (fail) {
		if (f->retry_after != NULL)
			soup_message_headers_replace(h, "Retry-After", f->retry_after);
		soup_server_message_set_status(msg, f->fail_status, NULL);
		soup_server_message_set_response(msg, "text/plain", SOUP_MEMORY_STATIC, "no", 2);
		return;
	}
	soup_server_message_set_status(msg, 200, NULL);
	soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_STATIC,
					 "{\"retCode\":0}", 13);
}

static void
fixture_init(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	GSList *uris;

	memset(f, 0, sizeof *f);
	f->server = soup_server_new(NULL, NULL);
	soup_server_add_handler(f->server, NULL, handler, f, NULL);
	g_assert_true(soup_server_listen_local(f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
	uris = soup_server_get_uris(f->server);
	f->base = g_strdup_printf("http://127.0.0.1:%d", g_uri_get_port(uris->data));
	g_slist_free_full(uris, (GDestroyNotify) g_uri_unref);
}

static void
fixture_clear(Fixture *f)
{
	g_clear_pointer(&f->body, g_bytes_unref);
	g_clear_error(&f->error);
	g_free(f->last_body);
	g_free(f->last_sign);
	g_free(f->last_method);
	soup_server_disconnect(f->server);
	g_object_unref(f->server);
	g_free(f->base);
}

static void
got(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Fixture *f = user_data;

	f->body = cw_rest_get_finish(result, &f->attempts, &f->error);
	f->done = TRUE;
}

static gboolean
bybit_retry(GBytes *body, gpointer user_data)
{
	gsize len;
	const char *data = g_bytes_get_data(body, &len);

	return g_strstr_len(data, len, "\"retCode\":10006") != NULL;
}

/* Returns the seconds it took. */
static double
get(Fixture *f, CwRestRetryFunc retry)
{
	g_autoptr(SoupSession) session = soup_session_new();
	g_autofree char *url = g_strconcat(f->base, "/v5/market/kline?category=linear", NULL);
	CwRestPolicy policy;
	gint64 start = g_get_monotonic_time();
	gint64 end = start + 20 * G_USEC_PER_SEC;

	cw_rest_policy_init(&policy);
	policy.max_attempts = 4;
	policy.backoff_base_s = 0.01;
	policy.backoff_cap_s = 0.05;
	cw_rest_get_async(session, url, &policy, retry, NULL, NULL, got, f);
	while (!f->done && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, TRUE);
	g_assert_true(f->done);
	return (double) (g_get_monotonic_time() - start) / G_USEC_PER_SEC;
}

static void
test_retries_5xx(void)
{
	Fixture f;

	fixture_init(&f);
	f.fail_first = 2;
	f.fail_status = 503;
	get(&f, NULL);
	g_assert_no_error(f.error);
	g_assert_nonnull(f.body);
	g_assert_cmpuint(f.attempts, ==, 3);
	g_assert_cmpuint(f.hits, ==, 3);
	fixture_clear(&f);
}

static void
test_retry_after(void)
{
	Fixture f;
	double took;

	fixture_init(&f);
	f.fail_first = 1;
	f.fail_status = 429;
	f.retry_after = "1";
	took = get(&f, NULL);
	g_assert_no_error(f.error);
	g_assert_cmpuint(f.attempts, ==, 2);
	g_assert_cmpfloat(took, >=, 0.9);
	fixture_clear(&f);
}

static void
test_bybit_reset_timestamp(void)
{
	Fixture f;
	double took;

	fixture_init(&f);
	f.fail_first = 1;
	f.bybit_limited = TRUE;
	took = get(&f, bybit_retry);
	g_assert_no_error(f.error);
	g_assert_cmpuint(f.attempts, ==, 2);
	g_assert_cmpfloat(took, >=, 0.2);
	fixture_clear(&f);
}

static void
test_no_retry_on_4xx(void)
{
	Fixture f;

	fixture_init(&f);
	f.fail_first = 10;
	f.fail_status = 404;
	get(&f, NULL);
	g_assert_error(f.error, CW_NET_ERROR, CW_NET_ERROR_HTTP);
	g_assert_cmpuint(f.hits, ==, 1);
	/* the path, never the query */
	g_assert_nonnull(strstr(f.error->message, "/v5/market/kline"));
	g_assert_null(strstr(f.error->message, "category"));
	fixture_clear(&f);
}

static void
test_gives_up(void)
{
	Fixture f;

	fixture_init(&f);
	f.fail_first = 100;
	f.fail_status = 500;
	get(&f, NULL);
	g_assert_error(f.error, CW_NET_ERROR, CW_NET_ERROR_GAVE_UP);
	g_assert_cmpuint(f.hits, ==, 4);
	fixture_clear(&f);
}

static void
got_request(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Fixture *f = user_data;

	f->body = cw_rest_request_finish(result, &f->answer, &f->attempts, &f->error);
	f->done = TRUE;
}

/* Signs what it is given, as the bybit broker does. */
static void
prepare(SoupMessageHeaders *headers, const char *payload, gsize len, gpointer user_data)
{
	Fixture *f = user_data;
	char sign[CW_BYBIT_SIGN_LEN];

	f->prepared++;
	cw_bybit_sign_rest("secret", 1700000000000 + f->prepared, "key", 5000, payload, len, sign);
	soup_message_headers_replace(headers, "X-BAPI-SIGN", sign);
}

static void
request(Fixture *f, const char *method, const char *path, const char *body, double timeout_s)
{
	g_autoptr(SoupSession) session =
	    soup_session_new_with_options("timeout", (guint) timeout_s, NULL);
	g_autofree char *url = g_strconcat(f->base, path, NULL);
	CwRestPolicy policy;
	gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;

	cw_rest_policy_init(&policy);
	policy.max_attempts = 4;
	policy.backoff_base_s = 0.01;
	policy.backoff_cap_s = 0.05;
	cw_rest_request_async(session, method, url, body, prepare, f, &policy, NULL, NULL, NULL,
			      got_request, f);
	while (!f->done && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, TRUE);
	g_assert_true(f->done);
}

/* A signed GET is retried, and each attempt is signed afresh over the query. */
static void
test_signed_get_retries(void)
{
	Fixture f;
	char want[CW_BYBIT_SIGN_LEN];

	fixture_init(&f);
	f.fail_first = 2;
	f.fail_status = 502;
	request(&f, "GET", "/v5/order/realtime?category=linear&orderLinkId=cw-1", NULL, 5);
	g_assert_no_error(f.error);
	g_assert_cmpuint(f.hits, ==, 3);
	g_assert_cmpuint(f.prepared, ==, 3);
	g_assert_cmpuint(f.answer.status, ==, 200);
	cw_bybit_sign_rest("secret", 1700000000003, "key", 5000, "category=linear&orderLinkId=cw-1",
			   strlen("category=linear&orderLinkId=cw-1"), want);
	g_assert_cmpstr(f.last_sign, ==, want);
	fixture_clear(&f);
}

/* A POST goes once, even on a 5xx; its body is what was signed. */
static void
test_post_not_retried(void)
{
	Fixture f;
	const char *body = "{\"category\":\"linear\",\"orderLinkId\":\"cw-1\"}";
	char want[CW_BYBIT_SIGN_LEN];

	fixture_init(&f);
	f.fail_first = 5;
	f.fail_status = 503;
	request(&f, "POST", "/v5/order/create", body, 5);
	g_assert_error(f.error, CW_NET_ERROR, CW_NET_ERROR_HTTP);
	g_assert_cmpuint(f.hits, ==, 1);
	g_assert_cmpuint(f.answer.status, ==, 503);
	g_assert_cmpstr(f.last_method, ==, "POST");
	g_assert_cmpstr(f.last_body, ==, body);
	cw_bybit_sign_rest("secret", 1700000000001, "key", 5000, body, strlen(body), want);
	g_assert_cmpstr(f.last_sign, ==, want);
	fixture_clear(&f);
}

/* A POST without an answer is NO_ANSWER after one attempt: never resent. */
static void
test_post_no_answer(void)
{
	Fixture f;

	fixture_init(&f);
	f.hang = TRUE;
	request(&f, "POST", "/v5/order/create", "{}", 1);
	g_assert_error(f.error, CW_NET_ERROR, CW_NET_ERROR_NO_ANSWER);
	g_assert_cmpuint(f.hits, ==, 1);
	g_assert_cmpuint(f.attempts, ==, 1);
	g_assert_cmpuint(f.answer.status, ==, 0);
	fixture_clear(&f);
}

/* The rate-limit headers reach the caller. */
static void
test_limit_headers(void)
{
	Fixture f;

	fixture_init(&f);
	f.fail_first = 1;
	f.bybit_limited = TRUE;
	request(&f, "POST", "/v5/order/create", "{}", 5);
	g_assert_no_error(f.error);
	g_assert_cmpint(f.answer.limit_status, ==, 0);
	g_assert_cmpint(f.answer.limit_reset_ms, >, g_get_real_time() / 1000);
	g_assert_cmpfloat(f.answer.retry_after_s, >, 0);
	fixture_clear(&f);
}

static void
got_get_answer(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Fixture *f = user_data;

	f->body = cw_rest_request_finish(result, &f->answer, &f->attempts, &f->error);
	f->done = TRUE;
}

/* The answer's Date header (the server's clock) reaches the caller of a
 * GET, in ms; -1 when it cannot be read. */
static void
test_date_header(void)
{
	const char *dates[] = {"Sun, 06 Nov 1994 08:49:37 GMT", "not a date"};
	const gint64 want[] = {784111777000, -1};

	for (guint i = 0; i < G_N_ELEMENTS(dates); i++) {
		g_autoptr(SoupSession) session = soup_session_new();
		gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
		g_autofree char *url = NULL;
		Fixture f;

		fixture_init(&f);
		f.date = dates[i];
		url = g_strconcat(f.base, "/v5/market/kline", NULL);
		cw_rest_get_async(session, url, NULL, NULL, NULL, NULL, got_get_answer, &f);
		while (!f.done && g_get_monotonic_time() < end)
			g_main_context_iteration(NULL, TRUE);
		g_assert_true(f.done);
		g_assert_no_error(f.error);
		g_assert_cmpuint(f.answer.status, ==, 200);
		g_assert_cmpint(f.answer.date_ms, ==, want[i]);
		fixture_clear(&f);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/net/rest/retries-5xx", test_retries_5xx);
	g_test_add_func("/net/rest/retry-after", test_retry_after);
	g_test_add_func("/net/rest/bybit-reset-timestamp", test_bybit_reset_timestamp);
	g_test_add_func("/net/rest/no-retry-on-4xx", test_no_retry_on_4xx);
	g_test_add_func("/net/rest/gives-up", test_gives_up);
	g_test_add_func("/net/rest/signed-get-retries", test_signed_get_retries);
	g_test_add_func("/net/rest/post-not-retried", test_post_not_retried);
	g_test_add_func("/net/rest/post-no-answer", test_post_no_answer);
	g_test_add_func("/net/rest/limit-headers", test_limit_headers);
	g_test_add_func("/net/rest/date-header", test_date_header);
	return g_test_run();
}
