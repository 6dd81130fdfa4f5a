#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-core-types.h"

G_BEGIN_DECLS

/* Registers every candlewick extension point (idempotent, thread safe).
 * Each point requires its interface: cw-strategy, cw-broker, cw-guard,
 * cw-market-feed, cw-candle-source, cw-notifier, cw-health-probe. */
void cw_extension_points_register(void);

/* Creates the implementation registered as name on the point. On an unknown
 * name the error (CW_CORE_ERROR_NOT_FOUND) lists the known names. */
GObject *cw_extension_new(const char *point, const char *name, GError **error);
GType cw_extension_lookup_type(const char *point, const char *name, GError **error);
gboolean cw_extension_exists(const char *point, const char *name);
/* Sorted, comma separated names, e.g. "composite, grid". */
char *cw_extension_list_names(const char *point);
/* Every implementation on the point, in priority order. Free the array with
 * g_ptr_array_unref(); the names are owned by GIO. */
GPtrArray *cw_extension_get_names(const char *point);

G_END_DECLS
