/* candlewick: forward declarations shared by every package.
 *
 * Like soup-types.h, this header lets the interfaces in core name structs
 * that other packages define (config specs, for example) without an include
 * edge, which keeps the package graph free of cycles.
 */
#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

/* Defined by orchestration/config (cw-config.h). */
typedef struct _CwBotConfig CwBotConfig;
typedef struct _CwStrategySpec CwStrategySpec;
/* Defined by json-glib; core only passes it through (a broker's config section). */
typedef struct _JsonObject JsonObject;

/* A strategy id is an interned string; 0 means "no strategy". Interning at
 * configuration time keeps event tagging free of allocation on the hot path. */
typedef GQuark CwStrategyId;

#define CW_CLIENT_ORDER_ID_LEN 48
#define CW_REASON_LEN          160

G_END_DECLS
