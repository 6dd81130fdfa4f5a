/* The control API's pieces: tokens (hashing, constant-time comparison,
 * the owner-only file, revocation) and the OpenAPI description, which
 * must list every route the API registers. */
#define CW_SERVICES_COMPILATION
#include "cw-services-daemon.h"
#include "cw-test-log.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

static void
test_equal(void)
{
	guint8 a[32], b[32];

	for (guint i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (guint8) (i * 7 + 1);
	g_assert_true(cw_api_tokens_equal(a, b, sizeof(a)));
	/* a difference anywhere counts, also in the last byte */
	for (guint i = 0; i < sizeof(a); i++) {
		b[i] ^= 0x80;
		g_assert_false(cw_api_tokens_equal(a, b, sizeof(a)));
		b[i] ^= 0x80;
	}
	g_assert_true(cw_api_tokens_equal(a, b, 0));
}

static void
test_tokens(void)
{
	g_autofree char *dir = g_dir_make_tmp("cw-api-test-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "tokens", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(CwApiTokens) tokens = NULL;
	g_autofree char *admin = NULL, *reader = NULL, *text = NULL, *list = NULL;
	const char *name = NULL;

	admin = cw_api_tokens_add(path, "ops", CW_API_ROLE_ADMIN, &error);
	g_assert_no_error(error);
	reader = cw_api_tokens_add(path, "viewer", CW_API_ROLE_READ, &error);
	g_assert_no_error(error);
	/* at least 128 random bits */
	g_assert_cmpuint(strlen(admin), >=, 3 + 32);
	g_assert_cmpstr(admin, !=, reader);
	g_assert_null(cw_api_tokens_add(path, "ops", CW_API_ROLE_READ, &error));
	g_assert_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_USAGE);
	g_clear_error(&error);
	g_assert_null(cw_api_tokens_add(path, "bad name", CW_API_ROLE_READ, &error));
	g_clear_error(&error);
	/* only the hash is stored */
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_assert_null(strstr(text, admin));
	g_assert_nonnull(strstr(text, "ops admin"));
	list = cw_api_tokens_list(path, &error);
	g_assert_cmpstr(list, ==, "ops admin\nviewer read\n");

	tokens = cw_api_tokens_new(path, &error);
	g_assert_no_error(error);
	g_assert_cmpint(cw_api_tokens_check(tokens, admin, &name), ==, CW_API_ROLE_ADMIN);
	g_assert_cmpstr(name, ==, "ops");
	g_assert_cmpint(cw_api_tokens_check(tokens, reader, &name), ==, CW_API_ROLE_READ);
	g_assert_cmpint(cw_api_tokens_check(tokens, "cw_nope", NULL), ==, CW_API_ROLE_NONE);
	g_assert_cmpint(cw_api_tokens_check(tokens, "", NULL), ==, CW_API_ROLE_NONE);
	g_assert_cmpint(cw_api_tokens_check(tokens, NULL, NULL), ==, CW_API_ROLE_NONE);
	/* a revocation takes effect without a restart */
	g_assert_true(cw_api_tokens_revoke(path, "ops", &error));
	g_assert_cmpint(cw_api_tokens_check(tokens, admin, NULL), ==, CW_API_ROLE_NONE);
	g_assert_cmpint(cw_api_tokens_check(tokens, reader, NULL), ==, CW_API_ROLE_READ);
	g_assert_false(cw_api_tokens_revoke(path, "ops", &error));
	g_clear_error(&error);
	/* a file that turns group-readable refuses every token (fail closed) */
	g_assert_cmpint(g_chmod(path, 0640), ==, 0);
	g_assert_cmpint(cw_api_tokens_check(tokens, reader, NULL), ==, CW_API_ROLE_NONE);
	cw_test_log_take("*every API token is refused*group or others*");
	g_assert_cmpint(g_chmod(path, 0600), ==, 0);
	g_assert_cmpint(cw_api_tokens_check(tokens, reader, NULL), ==, CW_API_ROLE_READ);
	g_unlink(path);
	g_rmdir(dir);
}

static void
test_file_checks(void)
{
	g_autofree char *dir = g_dir_make_tmp("cw-api-test-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "tokens", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(CwApiTokens) tokens = NULL;
	const char *good = "# comment\nops admin "
			   "0000000000000000000000000000000000000000000000000000000000000000\n";

	g_assert_null(cw_api_tokens_new(path, &error));
	g_assert_nonnull(error);
	g_clear_error(&error);
	g_assert_true(
	    g_file_set_contents_full(path, good, -1, G_FILE_SET_CONTENTS_NONE, 0644, NULL));
	g_assert_cmpint(g_chmod(path, 0644), ==, 0);
	g_assert_null(cw_api_tokens_new(path, &error));
	g_assert_nonnull(strstr(error->message, "group or others"));
	g_clear_error(&error);
	g_assert_cmpint(g_chmod(path, 0600), ==, 0);
	tokens = cw_api_tokens_new(path, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(cw_api_tokens_get_n(tokens), ==, 1);
	g_clear_object(&tokens);
	g_assert_true(g_file_set_contents_full(path, "# x\nops root 00\n", -1,
					       G_FILE_SET_CONTENTS_NONE, 0600, NULL));
	g_assert_null(cw_api_tokens_new(path, &error));
	g_assert_nonnull(strstr(error->message, ":2:"));
	g_unlink(path);
	g_rmdir(dir);
}

/* Every route of the API is in openapi.json, and nothing else is. */
static void
test_openapi(void)
{
	g_autofree char *src =
	    g_build_filename(g_getenv("G_TEST_SRCDIR"), "orchestration", "services", "daemon",
			     "api-data", "openapi.json", NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonObject *paths;
	guint n = 0, n_ops = 0;
	const CwApiRouteInfo *routes = cw_api_get_routes(&n);
	g_autoptr(GList) names = NULL;

	json_parser_load_from_file(parser, src, &error);
	g_assert_no_error(error);
	paths = json_object_get_object_member(json_node_get_object(json_parser_get_root(parser)),
					      "paths");
	g_assert_nonnull(paths);
	for (guint i = 0; i < n; i++) {
		g_autofree char *method = g_ascii_strdown(routes[i].method, -1);
		JsonObject *item = json_object_get_object_member(paths, routes[i].pattern);

		if (item == NULL || !json_object_has_member(item, method))
			g_test_fail_printf("%s %s is not in openapi.json", routes[i].method,
					   routes[i].pattern);
	}
	names = json_object_get_members(paths);
	for (GList *l = names; l != NULL; l = l->next)
		n_ops += json_object_get_size(json_object_get_object_member(paths, l->data));
	g_assert_cmpuint(n_ops, ==, n);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	cw_test_log_capture();
	g_test_add_func("/services/api/tokens/equal", test_equal);
	g_test_add_func("/services/api/tokens/file", test_tokens);
	g_test_add_func("/services/api/tokens/file-checks", test_file_checks);
	g_test_add_func("/services/api/openapi", test_openapi);
	return g_test_run();
}
