/* The bot's "guardrails" section: one table of every key the gates read, so
 * an unknown key is an error that lists them all. */
#include "cw-guardrails-private.h"

const char *const cw_guardrails_known_keys[] = {
    "circuit_breaker",
    "daily_loss",
    "dry_run",
    "loss_streak",
    "max_drawdown",
    "max_exposure_pct",
    "max_leverage",
    "max_order_value",
    "max_positions",
    "max_positions_total",
    "position_cap",
    "price_band_pct",
    "rate_limit",
    "session",
    "stale_data_intervals",
    NULL,
};

gboolean
cw_guardrails_get_section(const CwBotConfig *config, JsonObject **out, GError **error)
{
	JsonObject *section;

	*out = NULL;
	if (config == NULL)
		return TRUE;
	section = cw_bot_config_get_section(config, "guardrails");
	if (section == NULL) {
		/* absent, or present but not an object */
		JsonNode *node = NULL;

		if (config->root != NULL && JSON_NODE_HOLDS_OBJECT(config->root))
			node = json_object_get_member(json_node_get_object(config->root),
						      "guardrails");
		if (node == NULL || JSON_NODE_HOLDS_NULL(node))
			return TRUE;
		return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, "guardrails", NULL,
					  "expected an object, got %s",
					  cw_config_node_describe(node));
	}
	if (!cw_config_check_keys(section, "guardrails", cw_guardrails_known_keys, error))
		return FALSE;
	*out = section;
	return TRUE;
}
