#include "cw-notifications.h"

#include <glib/gstdio.h>
#include <string.h>

static void
test_webhook_signature_vector(void)
{
	/* the example of the Standard Webhooks specification */
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) secret =
	    cw_webhook_secret_decode("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &error);
	gsize len = 0;
	const guint8 *key;
	g_autofree char *sig = NULL;

	g_assert_no_error(error);
	key = g_bytes_get_data(secret, &len);
	sig = cw_webhook_sign(key, len, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
			      "{\"test\": 2432232314}");
	g_assert_cmpstr(sig, ==, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	g_assert_null(cw_webhook_secret_decode("whsec_not base64!", &error));
	g_assert_error(error, CW_NOTIFICATIONS_ERROR, CW_NOTIFICATIONS_ERROR_SECRET);
}

static CwNotifier *
test_new_notifier(const char *type, const char *json, GError **error)
{
	g_autoptr(GObject) obj = cw_extension_new(CW_EXTENSION_POINT_NOTIFIER, type, error);

	if (obj == NULL || !cw_notifier_configure(CW_NOTIFIER(obj), json, error))
		return NULL;
	return CW_NOTIFIER(g_steal_pointer(&obj));
}

static void
test_webhook_template(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwNotifier) n = test_new_notifier(
	    "webhook",
	    "{\"url\":\"http://127.0.0.1:9/x\",\"template\":\"{\\\"text\\\":\\\"{{title}}: "
	    "{{text}} ({{bot}})\\\"}\"}",
	    &error);
	g_autoptr(CwNotification) m = cw_notification_new(
	    "evt1-w", "exit_fill", CW_NOTIFICATION_INFO, "bot \"a\"", "s1", "Exit", "pnl\n+5", 0);
	g_autofree char *body = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *obj;

	g_assert_no_error(error);
	body = cw_webhook_notifier_build_body(CW_WEBHOOK_NOTIFIER(n), m);
	g_assert_true(json_parser_load_from_data(parser, body, -1, NULL));
	obj = json_node_get_object(json_parser_get_root(parser));
	g_assert_cmpstr(json_object_get_string_member(obj, "text"), ==,
			"Exit: pnl\n+5 (bot \"a\")");
}

static void
test_webhook_default_body(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwNotifier) n =
	    test_new_notifier("webhook", "{\"url\":\"http://127.0.0.1:9/x\"}", &error);
	g_autoptr(CwNotification) m = cw_notification_new(
	    "evt7-w", "guard_tripped", CW_NOTIFICATION_WARNING, "b1", "s1", "T", "B", 5);
	g_autofree char *body = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *obj;

	g_assert_no_error(error);
	body = cw_webhook_notifier_build_body(CW_WEBHOOK_NOTIFIER(n), m);
	g_assert_true(json_parser_load_from_data(parser, body, -1, NULL));
	obj = json_node_get_object(json_parser_get_root(parser));
	g_assert_cmpstr(json_object_get_string_member(obj, "event"), ==, "guard_tripped");
	g_assert_cmpstr(json_object_get_string_member(obj, "bot"), ==, "b1");
	g_assert_cmpstr(json_object_get_string_member(obj, "strategy"), ==, "s1");
	g_assert_cmpstr(json_object_get_string_member(obj, "idempotency_key"), ==, "evt7-w");
	g_assert_cmpstr(json_object_get_string_member(obj, "level"), ==, "warning");
}

static void
test_config_errors(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("cw-notify-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "token", NULL);
	g_autofree char *json = NULL;
	CwNotifier *n;

	n = test_new_notifier("webhook", "{\"url\":\"ftp://x\"}", &error);
	g_assert_null(n);
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "url"));
	g_clear_error(&error);

	n = test_new_notifier("telegram", "{\"chat_id\":5,\"token_env\":\"CW_TEST_NO_SUCH\"}",
			      &error);
	g_assert_null(n);
	g_assert_error(error, CW_NOTIFICATIONS_ERROR, CW_NOTIFICATIONS_ERROR_SECRET);
	g_clear_error(&error);

	/* a group- or world-readable token file is refused */
	g_assert_true(g_file_set_contents(path, "123:SECRETTOKEN\n", -1, NULL));
	g_assert_cmpint(g_chmod(path, 0644), ==, 0);
	json = g_strdup_printf("{\"chat_id\":5,\"token_file\":\"%s\"}", path);
	n = test_new_notifier("telegram", json, &error);
	g_assert_null(n);
	g_assert_error(error, CW_NOTIFICATIONS_ERROR, CW_NOTIFICATIONS_ERROR_SECRET);
	g_assert_null(strstr(error->message, "SECRETTOKEN"));
	g_clear_error(&error);
	g_assert_cmpint(g_chmod(path, 0600), ==, 0);
	n = test_new_notifier("telegram", json, &error);
	g_assert_no_error(error);
	{
		g_autofree char *url =
		    cw_telegram_notifier_redacted_url(CW_TELEGRAM_NOTIFIER(n), "sendMessage");
		g_assert_cmpstr(url, ==, "https://api.telegram.org/bot<redacted>/sendMessage");
	}
	g_object_unref(n);
	g_unlink(path);
	g_rmdir(dir);
}

static void
test_telegram_response_parse(void)
{
	CwTelegramResponse r;
	g_autoptr(GError) error = NULL;
	const char *limited = "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many "
			      "Requests: retry after 3\",\"parameters\":{\"retry_after\":3}}";
	const char *migrated = "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: "
			       "group chat was upgraded to a supergroup chat\","
			       "\"parameters\":{\"migrate_to_chat_id\":-1001234567890}}";

	g_assert_true(cw_telegram_response_parse("{\"ok\":true,\"result\":{}}", -1, &r, &error));
	g_assert_true(r.ok);
	cw_telegram_response_clear(&r);
	g_assert_true(cw_telegram_response_parse(limited, -1, &r, &error));
	g_assert_false(r.ok);
	g_assert_cmpint(r.error_code, ==, 429);
	g_assert_cmpfloat(r.retry_after_s, ==, 3);
	cw_telegram_response_clear(&r);
	g_assert_true(cw_telegram_response_parse(migrated, -1, &r, &error));
	g_assert_true(r.has_migrate);
	g_assert_cmpint(r.migrate_to_chat_id, ==, G_GINT64_CONSTANT(-1001234567890));
	cw_telegram_response_clear(&r);
	g_assert_false(cw_telegram_response_parse("<html>", -1, &r, &error));
	g_assert_error(error, CW_NOTIFICATIONS_ERROR, CW_NOTIFICATIONS_ERROR_RESPONSE);
	cw_telegram_response_clear(&r);
}

static void
test_telegram_updates_parse(void)
{
	const char *answer =
	    "{\"ok\":true,\"result\":[{\"update_id\":10,\"message\":{\"message_id\":1,"
	    "\"chat\":{\"id\":42,\"type\":\"private\"},\"text\":\"/status\"}},"
	    "{\"update_id\":11,\"callback_query\":{\"id\":\"cb1\",\"data\":\"halt ema\","
	    "\"message\":{\"message_id\":2,\"chat\":{\"id\":42}}}},{\"update_id\":12,"
	    "\"edited_message\":{}}]}";
	g_autoptr(GError) error = NULL;
	gint64 max_id = 0;
	g_autoptr(GPtrArray) updates = cw_telegram_updates_parse(answer, -1, &max_id, &error);
	CwTelegramUpdate *u;

	g_assert_no_error(error);
	g_assert_cmpuint(updates->len, ==, 2);
	g_assert_cmpint(max_id, ==, 12);
	u = g_ptr_array_index(updates, 1);
	g_assert_cmpstr(u->callback_query_id, ==, "cb1");
	g_assert_cmpstr(u->text, ==, "halt ema");
	g_assert_cmpint(u->chat_id, ==, 42);
	g_assert_null(
	    cw_telegram_updates_parse("{\"ok\":true,\"result\":[{}]}", -1, &max_id, &error));
	g_assert_error(error, CW_NOTIFICATIONS_ERROR, CW_NOTIFICATIONS_ERROR_RESPONSE);
}

static void
test_telegram_format(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwNotifier) md = NULL;
	g_autoptr(CwNotifier) html = NULL;
	g_autoptr(CwNotification) m = cw_notification_new(
	    "k", "exit_fill", CW_NOTIFICATION_INFO, "b", NULL, "a_b <x> (1.5)", "p&l: +2!", 0);
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;

	g_setenv("CW_TEST_TOKEN", "1:abc", TRUE);
	md = test_new_notifier("telegram", "{\"chat_id\":1,\"token_env\":\"CW_TEST_TOKEN\"}",
			       &error);
	g_assert_no_error(error);
	html = test_new_notifier("telegram",
				 "{\"chat_id\":1,\"token_env\":\"CW_TEST_TOKEN\","
				 "\"parse_mode\":\"HTML\"}",
				 &error);
	g_assert_no_error(error);
	a = cw_telegram_notifier_format(CW_TELEGRAM_NOTIFIER(md), m);
	b = cw_telegram_notifier_format(CW_TELEGRAM_NOTIFIER(html), m);
	g_assert_cmpstr(a, ==, "*a\\_b <x\\> \\(1\\.5\\)*\np&l: \\+2\\!");
	g_assert_cmpstr(b, ==, "<b>a_b &lt;x&gt; (1.5)</b>\np&amp;l: +2!");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	cw_notifications_register_types();
	g_test_add_func("/notifications/webhook/signature-vector", test_webhook_signature_vector);
	g_test_add_func("/notifications/webhook/template", test_webhook_template);
	g_test_add_func("/notifications/webhook/default-body", test_webhook_default_body);
	g_test_add_func("/notifications/config-errors", test_config_errors);
	g_test_add_func("/notifications/telegram/response-parse", test_telegram_response_parse);
	g_test_add_func("/notifications/telegram/updates-parse", test_telegram_updates_parse);
	g_test_add_func("/notifications/telegram/format", test_telegram_format);
	return g_test_run();
}
