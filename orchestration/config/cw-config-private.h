/* Internal helpers of the config package; not part of the public API. */
#pragma once

#if !defined(CW_CONFIG_COMPILATION)
#error "cw-config-private.h is internal to orchestration/config."
#endif

#include "cw-config.h"

G_BEGIN_DECLS

/* A copy that shares nothing with node (json_node_copy() shares objects). */
JsonNode *cw_config_node_copy_deep(JsonNode *node);

/* Writes a number the way error messages show it: 1.5, 1000, 0.1. */
void cw_config_format_number(double value, char *buf, gsize buf_len);

/* A number or integral number at a node; error names path. */
gboolean cw_config_node_get_uint(JsonNode *node, const char *path, guint min, guint max, guint *out,
				 GError **error);

/* 1..64 characters of [A-Za-z0-9_.-]: bot names and strategy ids. */
gboolean cw_config_is_valid_id(const char *s);

gboolean cw_analyzer_spec_parse(JsonObject *obj, const char *path, CwAnalyzerSpec *out,
				GError **error);

/* Parses one merged strategy object. base_interval_ms is the bot's interval
 * (for the mtf filter). */
CwStrategySpec *cw_strategy_spec_parse(JsonObject *obj, const char *path, const char *bot_name,
				       const char *default_id, gint64 base_interval_ms,
				       GError **error);
void cw_strategy_spec_free(CwStrategySpec *spec);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwStrategySpec, cw_strategy_spec_free)

G_END_DECLS
