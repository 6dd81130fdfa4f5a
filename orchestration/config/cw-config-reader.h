#pragma once

#if !defined(CW_CONFIG_INSIDE) && !defined(CW_CONFIG_COMPILATION)
#error "Only <cw-config.h> can be included directly."
#endif

#include "cw-config-types.h"

G_BEGIN_DECLS

/* Typed, path-reporting reads of a JSON object, for the config package and
 * for feature packages that validate their own sections. path is the
 * object's JSON path ("guardrails", "strategy.exit"); errors name
 * path.key and what was expected. A missing key yields the default. */
gboolean cw_config_read_double(JsonObject *obj, const char *path, const char *key, double def,
			       double min, double max, double *out, GError **error);
gboolean cw_config_read_uint(JsonObject *obj, const char *path, const char *key, guint def,
			     guint min, guint max, guint *out, GError **error);
gboolean cw_config_read_bool(JsonObject *obj, const char *path, const char *key, gboolean def,
			     gboolean *out, GError **error);
/* *out is owned by obj; def may be NULL. */
gboolean cw_config_read_string(JsonObject *obj, const char *path, const char *key, const char *def,
			       const char **out, GError **error);
/* One of choices (NULL-terminated); *out is its index. Unknown values list the choices. */
gboolean cw_config_read_choice(JsonObject *obj, const char *path, const char *key,
			       const char *const *choices, guint def, guint *out, GError **error);
/* "HH:MM" to minutes after midnight. */
gboolean cw_config_read_time_of_day(JsonObject *obj, const char *path, const char *key, guint def,
				    guint *out, GError **error);
/* The object at key, or NULL (no error) when absent; an error when not an object. */
gboolean cw_config_read_object(JsonObject *obj, const char *path, const char *key, JsonObject **out,
			       GError **error);
/* Fails on the first key not in known (NULL-terminated), listing the known keys. */
gboolean cw_config_check_keys(JsonObject *obj, const char *path, const char *const *known,
			      GError **error);
/* Bounds of cw_config_read_double_range(); inclusive unless flagged. An
 * infinite min or max means no bound on that side. */
typedef enum {
	CW_CONFIG_RANGE_INCLUSIVE = 0,
	CW_CONFIG_RANGE_MIN_EXCLUSIVE = 1 << 0, /* (min, ... */
	CW_CONFIG_RANGE_MAX_EXCLUSIVE = 1 << 1, /* ..., max) */
} CwConfigRangeFlags;

/* Like cw_config_read_double() with open bounds, e.g. "a number > 0" is
 * min 0, max INFINITY, CW_CONFIG_RANGE_MIN_EXCLUSIVE. */
gboolean cw_config_read_double_range(JsonObject *obj, const char *path, const char *key, double def,
				     double min, double max, CwConfigRangeFlags flags, double *out,
				     GError **error);
/* The array at key with min_len..max_len elements, or NULL (no error) when absent. */
gboolean cw_config_read_array(JsonObject *obj, const char *path, const char *key, guint min_len,
			      guint max_len, JsonArray **out, GError **error);
/* An interval string that cw_interval_parse() accepts ("5m", "1h"), in ms. */
gboolean cw_config_read_interval(JsonObject *obj, const char *path, const char *key, gint64 def,
				 gint64 *out, GError **error);

/* A "timezone" value (cw-config-time-zone.c): "UTC", "Z", a fixed offset
 * "+05:00", or an IANA name that is a regular file of the zone database
 * ($TZDIR or /usr/share/zoneinfo). Paths, "..", non-regular files and POSIX
 * TZ strings ("UTC+5") are refused before GLib sees them; the error is at
 * path.key (key may be NULL). */
GTimeZone *cw_config_time_zone_new(const char *name, const char *path, const char *key,
				   GError **error);

/* Sets error to "<path>.<key>: <message>" (key may be NULL, path may be
 * ""), the format every config error uses. Returns FALSE. */
gboolean cw_config_error_at(GError **error, CwConfigError code, const char *path, const char *key,
			    const char *format, ...) G_GNUC_PRINTF(5, 6);
/* "a string", "a number", "a boolean", "null", "an object", "an array". */
const char *cw_config_node_describe(JsonNode *node);

/* "a.b" + "c" -> "a.b.c"; "" + "c" -> "c"; "a" + index 2 -> "a[2]" */
char *cw_config_path_join(const char *path, const char *key);
char *cw_config_path_index(const char *path, guint index);

G_END_DECLS
