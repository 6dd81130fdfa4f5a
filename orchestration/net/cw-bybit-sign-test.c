/* Bybit v5 signatures against vectors computed with another implementation
 * (openssl dgst -sha256 -hmac). */
#include "cw-net.h"

#include <string.h>

/* A GET whose payload is its query string (the shape of the example in
 * Bybit's "Integration Guidance"; the expected value from openssl). */
static void
test_rest_doc_vector(void)
{
	const char *query = "category=option&symbol=BTC-29JUL22-25000-C";
	char sign[CW_BYBIT_SIGN_LEN];

	cw_bybit_sign_rest("YYYYYYYYYY", 1658384314791, "XXXXXXXXXX", 5000, query, strlen(query),
			   sign);
	g_assert_cmpstr(sign, ==,
			"37813c67fafb3017e92354eb88f218e7e52a98f9f5eb74cfcf0b21f17edb143b");
}

/* A POST body as the broker sends it. */
static void
test_rest_post_vector(void)
{
	const char *body = "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\","
			   "\"orderType\":\"Market\",\"qty\":\"0.01\",\"orderLinkId\":\"cw-1-1\"}";
	char sign[CW_BYBIT_SIGN_LEN];

	cw_bybit_sign_rest("topsecret", 1700000000000, "key", 5000, body, strlen(body), sign);
	g_assert_cmpstr(sign, ==,
			"65f17cfc62eba5f1214e025830d9c3668bcf719e9820ce3fb5514e959d2c496c");
	/* one byte of the body more changes it */
	cw_bybit_sign_rest("topsecret", 1700000000000, "key", 5000, body, strlen(body) - 1, sign);
	g_assert_cmpstr(sign, !=,
			"65f17cfc62eba5f1214e025830d9c3668bcf719e9820ce3fb5514e959d2c496c");
}

static void
test_ws_vector(void)
{
	char sign[CW_BYBIT_SIGN_LEN];

	cw_bybit_sign_ws("secret", 1662350400000, sign);
	g_assert_cmpstr(sign, ==,
			"d7ca36fea9ef1287007fd4b15af961e91d419a3d3f3ccbdf23585170ac116cd4");
}

static void
test_equal(void)
{
	g_assert_true(cw_bybit_sign_equal("abc", "abc"));
	g_assert_false(cw_bybit_sign_equal("abc", "abd"));
	g_assert_false(cw_bybit_sign_equal("abc", "ab"));
	g_assert_false(cw_bybit_sign_equal("", "a"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/net/bybit-sign/rest-doc-vector", test_rest_doc_vector);
	g_test_add_func("/net/bybit-sign/rest-post-vector", test_rest_post_vector);
	g_test_add_func("/net/bybit-sign/ws-vector", test_ws_vector);
	g_test_add_func("/net/bybit-sign/equal", test_equal);
	return g_test_run();
}
