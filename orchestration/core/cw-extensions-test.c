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
test_notifier_notify(CwNotifier *notifier, const CwEvent *event)
{
	TEST_NOTIFIER(notifier)->n_notified++;
}

static void
test_notifier_iface_init(CwNotifierInterface *iface)
{
	iface->notify = test_notifier_notify;
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
	CwEvent ev = {.type = CW_EVENT_BOT_STATUS};

	cw_extension_points_register();
	cw_extension_points_register();
	g_io_extension_point_implement(CW_EXTENSION_POINT_NOTIFIER, TEST_TYPE_NOTIFIER, "test", 0);
	g_assert_true(cw_extension_exists(CW_EXTENSION_POINT_NOTIFIER, "test"));
	g_assert_false(cw_extension_exists(CW_EXTENSION_POINT_NOTIFIER, "telegram"));

	obj = cw_extension_new(CW_EXTENSION_POINT_NOTIFIER, "test", &error);
	g_assert_no_error(error);
	g_assert_true(CW_IS_NOTIFIER(obj));
	g_assert_true(cw_notifier_configure(CW_NOTIFIER(obj), NULL, &error));
	cw_notifier_notify(CW_NOTIFIER(obj), &ev);
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
