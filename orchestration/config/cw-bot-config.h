#pragma once

#if !defined(CW_CONFIG_INSIDE) && !defined(CW_CONFIG_COMPILATION)
#error "Only <cw-config.h> can be included directly."
#endif

#include "cw-config-types.h"

G_BEGIN_DECLS

/* Parsing validates everything the config package owns and reports the
 * JSON path of the first mistake, e.g.
 *   strategy.analyzers[2].weight: expected a number in [0, 1], got 1.5
 * Sections owned by feature packages ("feed", "broker", "guardrails",
 * "notifications") are kept as JSON; their owners validate them with the
 * helpers in cw-config-reader.h when they are configured. */
CwBotConfig *cw_bot_config_new_from_data(const char *data, gssize len, GError **error);
CwBotConfig *cw_bot_config_new_from_file(const char *path, GError **error);
CwBotConfig *cw_bot_config_new_from_node(JsonNode *node, GError **error);
CwBotConfig *cw_bot_config_ref(CwBotConfig *self);
void cw_bot_config_unref(CwBotConfig *self);

const CwStrategySpec *cw_bot_config_get_active_strategy(const CwBotConfig *self);
/* NULL when no strategy has this id. */
const CwStrategySpec *cw_bot_config_get_strategy(const CwBotConfig *self, const char *id);
/* A feature-owned section such as "feed", or NULL when absent. */
JsonObject *cw_bot_config_get_section(const CwBotConfig *self, const char *name);
/* The "type" of a section, or default_type when absent. */
const char *cw_bot_config_get_section_type(const CwBotConfig *self, const char *name,
					   const char *default_type);
/* Pretty JSON of the merged document. */
char *cw_bot_config_to_json(const CwBotConfig *self);

/* Deep merge: objects merge key by key, any other value in override
 * replaces the base. Returns a new node. */
JsonNode *cw_config_merge(JsonNode *base, JsonNode *override);

const char *cw_analyzer_kind_to_string(CwAnalyzerKind kind);
const char *cw_profile_to_string(CwProfile profile);
const char *cw_analyzer_mode_to_string(CwAnalyzerMode mode);
const char *cw_stop_kind_to_string(CwStopKind kind);
const char *cw_sizing_kind_to_string(CwSizingKind kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwBotConfig, cw_bot_config_unref)

G_END_DECLS
