/* libFuzzer target: bot configurations from JSON text
 * (cw_bot_config_new_from_data, the parser of every bot row and --config). */
#include "cw-fuzz.h"

#include "cw-config.h"

static const char *const sections[] = {"feed", "broker", "guardrails", "notifications"};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = NULL;
	g_autoptr(CwBotConfig) again = NULL;
	g_autofree char *json = NULL;

	cw_fuzz_init();
	config = cw_bot_config_new_from_data((const char *) data, (gssize) size, &error);
	if (config == NULL) {
		g_assert_nonnull(error);
		g_assert_true(error->message[0] != '\0');
		return 0;
	}
	g_assert_no_error(error);
	g_assert_nonnull(cw_bot_config_get_active_strategy(config));
	for (guint i = 0; i < G_N_ELEMENTS(sections); i++)
		(void) cw_bot_config_get_section_type(config, sections[i], "none");
	/* what the store writes back must parse again */
	json = cw_bot_config_to_json(config);
	again = cw_bot_config_new_from_data(json, -1, &error);
	g_assert_no_error(error);
	g_assert_nonnull(again);
	return 0;
}
