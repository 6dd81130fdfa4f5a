#pragma once

#if !defined(CW_SERVICES_RUNTIME_INSIDE) && !defined(CW_SERVICES_RUNTIME_COMPILATION)
#error "Only <cw-services-runtime.h> can be included directly."
#endif

#include "cw-strategy-manager.h"

G_BEGIN_DECLS

/* The runtime as monitoring sees it: CwHealthHost over the strategy
 * manager and the store. */
#define CW_TYPE_RUNTIME_HEALTH (cw_runtime_health_get_type())
G_DECLARE_FINAL_TYPE(CwRuntimeHealth, cw_runtime_health, CW, RUNTIME_HEALTH, GObject)

/* manager and writer are borrowed: they outlive the host. */
CwRuntimeHealth *cw_runtime_health_new(CwStore *store, CwStoreWriter *writer,
				       CwStrategyManager *manager, const char *db_path);

G_END_DECLS
