/* CwBotAdmin: the bot's state rows come from the store itself, on its own
 * connection, so an open transaction and an in-memory store are seen. */
#include "cw-store-test-utils.h"

#include "cw-services-runtime.h"

static void
test_bot_admin_state_list(CwStoreFixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) rows = NULL;
	const CwBotAdminState *s;
	gint64 bot;

	bot = cw_store_bot_add(fx->store, "alpha", "{}", TRUE, &error);
	g_assert_no_error(error);
	g_assert_true(cw_store_begin(fx->store, &error));
	g_assert_true(
	    cw_store_state_set(fx->store, bot, CW_BOT_ADMIN_STATE_MODE, "halted", &error));
	rows = cw_bot_admin_state_list(fx->store, bot, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(rows->len, ==, 1);
	s = g_ptr_array_index(rows, 0);
	g_assert_cmpstr(s->key, ==, CW_BOT_ADMIN_STATE_MODE);
	g_assert_cmpstr(s->value, ==, "halted");
	g_assert_true(cw_store_commit(fx->store, &error));
}

static void
test_bot_admin_state_list_memory(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwStore) store = cw_store_open(":memory:", &error);
	g_autoptr(GPtrArray) rows = NULL;
	gint64 bot;

	g_assert_no_error(error);
	bot = cw_store_bot_add(store, "alpha", "{}", TRUE, &error);
	g_assert_true(cw_store_state_set(store, bot, CW_BOT_ADMIN_STATE_CACHE, "{}", &error));
	g_assert_no_error(error);
	rows = cw_bot_admin_state_list(store, bot, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(rows->len, ==, 1);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/services/bot-admin/state-list", CwStoreFixture, NULL, cw_store_fixture_setup,
		   test_bot_admin_state_list, cw_store_fixture_teardown);
	g_test_add_func("/services/bot-admin/state-list/memory", test_bot_admin_state_list_memory);
	return g_test_run();
}
