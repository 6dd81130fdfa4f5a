#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-core-types.h"

G_BEGIN_DECLS

/* Writers of the Prometheus text exposition format 0.0.4: every family gets
 * its HELP and TYPE lines once, then its samples. Label values are escaped
 * (backslash, double quote, newline). */

#define CW_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* "# HELP name help\n# TYPE name type\n"; type is counter, gauge or histogram. */
void cw_prom_family(GString *out, const char *name, const char *type, const char *help);
/* Appends value escaped for a label value. */
void cw_prom_escape_label(GString *out, const char *value);
/* name{labels} value; labels is the inside of the braces or NULL. */
void cw_prom_sample(GString *out, const char *name, const char *labels, double value);
void cw_prom_sample_u64(GString *out, const char *name, const char *labels, guint64 value);

#define CW_PROM_HISTOGRAM_MAX_BUCKETS 16

/* A histogram with fixed upper bounds (seconds); observing allocates nothing. */
typedef struct {
	guint n_bounds;
	double bounds[CW_PROM_HISTOGRAM_MAX_BUCKETS];
	guint64 counts[CW_PROM_HISTOGRAM_MAX_BUCKETS]; /* not cumulative */
	guint64 count;
	double sum;
	guint64 sum_us; /* cw_prom_histogram_observe_us: the exact total */
} CwPromHistogram;

/* bounds ascending, at most CW_PROM_HISTOGRAM_MAX_BUCKETS. */
void cw_prom_histogram_init(CwPromHistogram *self, const double *bounds, guint n_bounds);
void cw_prom_histogram_observe(CwPromHistogram *self, double value);
/* One duration of us microseconds (< 0 counts as 0): the sum is kept in
 * whole microseconds, so that it is exact and short ("0.000123", not
 * the noise of adding 1e-6 steps in binary). Do not mix with
 * cw_prom_histogram_observe() on one histogram. */
void cw_prom_histogram_observe_us(CwPromHistogram *self, gint64 us);
/* name_bucket{labels,le=...}, name_sum, name_count (no HELP/TYPE). */
void cw_prom_histogram_write(const CwPromHistogram *self, GString *out, const char *name,
			     const char *labels);

G_END_DECLS
