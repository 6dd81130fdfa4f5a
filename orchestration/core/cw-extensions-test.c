#include "cw-core.h"

#include <gio/gio.h>

/* A minimal clock-less notifier to exercise the extension registry. */
#define TEST_TYPE_NOTIFIER (test_notifier_get_type())
G_DECLARE_FINAL_TYPE(TestNotifier, test_notifier, TEST, NOTIFIER, GObject)

struct _TestNotifier {
	GObject parent_instance;
	guint n_notified;
};

static void test_notifier_iface_init(CwNotifierInterface *iface);

G_DEFINE_TYPE_WITH_CODE(TestNotifier, test_notifier, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(CW_TYPE_NOTIFIER, test_notifier_iface_init))

static void
test_notifier_send_async(CwNotifier *notifier, const CwNotification *message,
			 GCancellable *cancellable, GAsyncReadyCallback callback,
			 gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(notifier, cancellable, callback, user_data);

	TEST_NOTIFIER(notifier)->n_notified++;
	g_task_return_boolean(task, TRUE);
}

static gboolean
test_notifier_send_finish(CwNotifier *notifier, GAsyncResult *res, CwNotifyResult *result,
			  GError **error)
{
	result->outcome = CW_NOTIFY_OK;
	return g_task_propagate_boolean(G_TASK(res), error);
}

static void
test_notifier_iface_init(CwNotifierInterface *iface)
{
	iface->send_async = test_notifier_send_async;
	iface->send_finish = test_notifier_send_finish;
}

static void
test_notifier_class_init(TestNotifierClass *klass)
{
}

static void
test_notifier_init(TestNotifier *self)
{
}

static void
test_extensions_create(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GObject) obj = NULL;
	g_autofree char *names = NULL;
	g_autoptr(CwNotification) msg =
	    cw_notification_new("k1", "bot_error", CW_NOTIFICATION_CRITICAL, "b", NULL, "t", "", 0);

	cw_extension_points_register();
	cw_extension_points_register();
	g_io_extension_point_implement(CW_EXTENSION_POINT_NOTIFIER, TEST_TYPE_NOTIFIER, "test", 0);
	g_assert_true(cw_extension_exists(CW_EXTENSION_POINT_NOTIFIER, "test"));
	g_assert_false(cw_extension_exists(CW_EXTENSION_POINT_NOTIFIER, "telegram"));

	obj = cw_extension_new(CW_EXTENSION_POINT_NOTIFIER, "test", &error);
	g_assert_no_error(error);
	g_assert_true(CW_IS_NOTIFIER(obj));
	g_assert_true(cw_notifier_configure(CW_NOTIFIER(obj), NULL, &error));
	cw_notifier_send_async(CW_NOTIFIER(obj), msg, NULL, NULL, NULL);
	g_assert_cmpuint(TEST_NOTIFIER(obj)->n_notified, ==, 1);

	names = cw_extension_list_names(CW_EXTENSION_POINT_NOTIFIER);
	g_assert_cmpstr(names, ==, "test");
}

static void
test_extensions_unknown(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GObject) obj = NULL;
	g_autofree char *none = NULL;

	obj = cw_extension_new(CW_EXTENSION_POINT_NOTIFIER, "telegram", &error);
	g_assert_null(obj);
	g_assert_error(error, CW_CORE_ERROR, CW_CORE_ERROR_NOT_FOUND);
	g_assert_cmpstr(error->message, ==, "unknown notifier type 'telegram' (known: test)");
	g_clear_error(&error);

	obj = cw_extension_new(CW_EXTENSION_POINT_BROKER, "bybit", &error);
	g_assert_error(error, CW_CORE_ERROR, CW_CORE_ERROR_NOT_FOUND);
	g_assert_cmpstr(error->message, ==, "unknown broker type 'bybit' (known: none registered)");
	g_clear_error(&error);

	obj = cw_extension_new("cw-nothing", "x", &error);
	g_assert_error(error, CW_CORE_ERROR, CW_CORE_ERROR_NOT_FOUND);
	none = cw_extension_list_names(CW_EXTENSION_POINT_GUARD);
	g_assert_cmpstr(none, ==, "none registered");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/core/extensions/create", test_extensions_create);
	g_test_add_func("/core/extensions/unknown", test_extensions_unknown);
	return g_test_run();
}
