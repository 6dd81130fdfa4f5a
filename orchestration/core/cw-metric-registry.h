#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-core-types.h"

G_BEGIN_DECLS

typedef enum {
	CW_METRIC_COUNTER,
	CW_METRIC_GAUGE,
} CwMetricKind;

/* A metric value lives at a stable address, so hot code bumps it with a
 * plain increment and no lookup. Metrics are touched from the main thread only. */
typedef struct {
	CwMetricKind kind;
	char *name;   /* e.g. candlewick_candles_total */
	char *labels; /* e.g. bot="a",strategy="b", or NULL */
	char *help;
	gint64 value_i;
	double value_d; /* gauges */
} CwMetric;

#define CW_TYPE_METRIC_REGISTRY (cw_metric_registry_get_type())
G_DECLARE_FINAL_TYPE(CwMetricRegistry, cw_metric_registry, CW, METRIC_REGISTRY, GObject)

CwMetricRegistry *cw_metric_registry_new(void);
/* Returns the metric with this name and labels, creating it on first use. */
CwMetric *cw_metric_registry_counter(CwMetricRegistry *self, const char *name, const char *labels,
				     const char *help);
CwMetric *cw_metric_registry_gauge(CwMetricRegistry *self, const char *name, const char *labels,
				   const char *help);
void cw_metric_registry_remove_labels(CwMetricRegistry *self, const char *labels);
/* Prometheus text exposition format 0.0.4. */
char *cw_metric_registry_render(CwMetricRegistry *self);

static inline void
cw_metric_inc(CwMetric *metric)
{
	metric->value_i++;
}

static inline void
cw_metric_add(CwMetric *metric, gint64 delta)
{
	metric->value_i += delta;
}

static inline void
cw_metric_set(CwMetric *metric, double value)
{
	metric->value_d = value;
}

G_END_DECLS
