#include "cw-core.h"

#include <math.h>

void
cw_prom_family(GString *out, const char *name, const char *type, const char *help)
{
	g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void
cw_prom_escape_label(GString *out, const char *value)
{
	for (const char *p = value; p != NULL && *p != '\0'; p++) {
		if (*p == '\\')
			g_string_append(out, "\\\\");
		else if (*p == '"')
			g_string_append(out, "\\\"");
		else if (*p == '\n')
			g_string_append(out, "\\n");
		else
			g_string_append_c(out, *p);
	}
}

/* Decimal digits of value, without printf (a scrape writes tens of
 * thousands of them). */
static void
cw_prom_u64(GString *out, guint64 value)
{
	char buf[24];
	guint i = sizeof buf;

	do {
		buf[--i] = (char) ('0' + value % 10);
		value /= 10;
	} while (value > 0);
	g_string_append_len(out, buf + i, (gssize) (sizeof buf - i));
}

static void
cw_prom_value(GString *out, double value)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	if (isnan(value))
		g_string_append(out, "NaN");
	else if (isinf(value))
		g_string_append(out, value > 0 ? "+Inf" : "-Inf");
	else if (value == floor(value) && fabs(value) < 1e15) {
		if (value < 0)
			g_string_append_c(out, '-');
		cw_prom_u64(out, (guint64) fabs(value));
	} else {
		/* the shortest of 15, 16 and 17 significant digits that reads
		 * back as the same double: exact, and without the noise digits
		 * of %.17g (0.1 is 0.1, not 0.10000000000000001); %g drops
		 * trailing zeros */
		static const char *const formats[] = {"%.15g", "%.16g"};
		for (guint i = 0; i < G_N_ELEMENTS(formats); i++) {
			g_ascii_formatd(buf, sizeof buf, formats[i], value);
			if (g_ascii_strtod(buf, NULL) == value) {
				g_string_append(out, buf);
				return;
			}
		}
		g_string_append(out, g_ascii_formatd(buf, sizeof buf, "%.17g", value));
	}
}

/* name suffix{labels} : suffix nullable ("_sum" of a histogram) */
static void
cw_prom_name_with(GString *out, const char *name, const char *suffix, const char *labels)
{
	g_string_append(out, name);
	if (suffix != NULL)
		g_string_append(out, suffix);
	if (labels != NULL && labels[0] != '\0') {
		g_string_append_c(out, '{');
		g_string_append(out, labels);
		g_string_append_c(out, '}');
	}
	g_string_append_c(out, ' ');
}

static void
cw_prom_name(GString *out, const char *name, const char *labels)
{
	cw_prom_name_with(out, name, NULL, labels);
}

void
cw_prom_sample(GString *out, const char *name, const char *labels, double value)
{
	cw_prom_name(out, name, labels);
	cw_prom_value(out, value);
	g_string_append_c(out, '\n');
}

void
cw_prom_sample_u64(GString *out, const char *name, const char *labels, guint64 value)
{
	cw_prom_name(out, name, labels);
	cw_prom_u64(out, value);
	g_string_append_c(out, '\n');
}

void
cw_prom_histogram_init(CwPromHistogram *self, const double *bounds, guint n_bounds)
{
	*self = (CwPromHistogram){0};
	self->n_bounds = MIN(n_bounds, CW_PROM_HISTOGRAM_MAX_BUCKETS);
	for (guint i = 0; i < self->n_bounds; i++)
		self->bounds[i] = bounds[i];
}

/* The bucket of value, and the count. */
static void
cw_prom_histogram_bucket(CwPromHistogram *self, double value)
{
	for (guint i = 0; i < self->n_bounds; i++) {
		if (value <= self->bounds[i]) {
			self->counts[i]++;
			break;
		}
	}
	self->count++;
}

void
cw_prom_histogram_observe(CwPromHistogram *self, double value)
{
	cw_prom_histogram_bucket(self, value);
	self->sum += value;
}

void
cw_prom_histogram_observe_us(CwPromHistogram *self, gint64 us)
{
	guint64 v = us > 0 ? (guint64) us : 0;

	cw_prom_histogram_bucket(self, (double) v / G_USEC_PER_SEC);
	self->sum_us += v;
	self->sum = (double) self->sum_us / G_USEC_PER_SEC;
}

/* name_bucket{labels,le="le"} n */
static void
cw_prom_bucket(GString *out, const char *name, const char *labels, const char *le, guint64 n)
{
	g_string_append(out, name);
	g_string_append(out, "_bucket{");
	if (labels != NULL && labels[0] != '\0') {
		g_string_append(out, labels);
		g_string_append_c(out, ',');
	}
	g_string_append(out, "le=\"");
	g_string_append(out, le);
	g_string_append(out, "\"} ");
	cw_prom_u64(out, n);
	g_string_append_c(out, '\n');
}

void
cw_prom_histogram_write(const CwPromHistogram *self, GString *out, const char *name,
			const char *labels)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	guint64 cumulative = 0;

	for (guint i = 0; i < self->n_bounds; i++) {
		cumulative += self->counts[i];
		cw_prom_bucket(out, name, labels,
			       g_ascii_formatd(buf, sizeof buf, "%g", self->bounds[i]), cumulative);
	}
	cw_prom_bucket(out, name, labels, "+Inf", self->count);
	/* _sum and _count written in place: no name allocated per histogram */
	cw_prom_name_with(out, name, "_sum", labels);
	cw_prom_value(out, self->sum);
	g_string_append_c(out, '\n');
	cw_prom_name_with(out, name, "_count", labels);
	cw_prom_u64(out, self->count);
	g_string_append_c(out, '\n');
}
