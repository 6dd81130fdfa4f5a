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

	f->hits++;
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

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/net/rest/retries-5xx", test_retries_5xx);
	g_test_add_func("/net/rest/retry-after", test_retry_after);
	g_test_add_func("/net/rest/bybit-reset-timestamp", test_bybit_reset_timestamp);
	g_test_add_func("/net/rest/no-retry-on-4xx", test_no_retry_on_4xx);
	g_test_add_func("/net/rest/gives-up", test_gives_up);
	return g_test_run();
}
