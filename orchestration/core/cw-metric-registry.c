#include "cw-core.h"

struct _CwMetricRegistry {
	GObject parent_instance;
	GPtrArray *metrics; /* of CwMetric*, stable addresses */
	GHashTable *index;  /* "name{labels}" -> CwMetric* */
};

G_DEFINE_TYPE(CwMetricRegistry, cw_metric_registry, G_TYPE_OBJECT)

static void
cw_metric_free(CwMetric *metric)
{
	g_free(metric->name);
	g_free(metric->labels);
	g_free(metric->help);
	g_free(metric);
}

static void
cw_metric_registry_finalize(GObject *object)
{
	CwMetricRegistry *self = CW_METRIC_REGISTRY(object);

	g_hash_table_unref(self->index);
	g_ptr_array_unref(self->metrics);
	G_OBJECT_CLASS(cw_metric_registry_parent_class)->finalize(object);
}

static void
cw_metric_registry_class_init(CwMetricRegistryClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_metric_registry_finalize;
}

static void
cw_metric_registry_init(CwMetricRegistry *self)
{
	self->metrics = g_ptr_array_new_with_free_func((GDestroyNotify) cw_metric_free);
	self->index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

CwMetricRegistry *
cw_metric_registry_new(void)
{
	return g_object_new(CW_TYPE_METRIC_REGISTRY, NULL);
}

static CwMetric *
cw_metric_registry_get(CwMetricRegistry *self, CwMetricKind kind, const char *name,
		       const char *labels, const char *help)
{
	g_autofree char *key = g_strdup_printf("%s{%s}", name, labels != NULL ? labels : "");
	CwMetric *metric = g_hash_table_lookup(self->index, key);

	if (metric != NULL)
		return metric;
	metric = g_new0(CwMetric, 1);
	metric->kind = kind;
	metric->name = g_strdup(name);
	metric->labels = labels != NULL && labels[0] != '\0' ? g_strdup(labels) : NULL;
	metric->help = g_strdup(help);
	g_ptr_array_add(self->metrics, metric);
	g_hash_table_insert(self->index, g_steal_pointer(&key), metric);
	return metric;
}

/**
 * cw_metric_registry_counter:
 *
 * Returns: (transfer none): the counter, valid as long as the registry.
 */
CwMetric *
cw_metric_registry_counter(CwMetricRegistry *self, const char *name, const char *labels,
			   const char *help)
{
	g_return_val_if_fail(CW_IS_METRIC_REGISTRY(self), NULL);
	return cw_metric_registry_get(self, CW_METRIC_COUNTER, name, labels, help);
}

CwMetric *
cw_metric_registry_gauge(CwMetricRegistry *self, const char *name, const char *labels,
			 const char *help)
{
	g_return_val_if_fail(CW_IS_METRIC_REGISTRY(self), NULL);
	return cw_metric_registry_get(self, CW_METRIC_GAUGE, name, labels, help);
}

/* Drops every metric with exactly these labels, e.g. when a bot is removed. */
void
cw_metric_registry_remove_labels(CwMetricRegistry *self, const char *labels)
{
	g_return_if_fail(CW_IS_METRIC_REGISTRY(self));
	for (guint i = self->metrics->len; i > 0; i--) {
		CwMetric *metric = g_ptr_array_index(self->metrics, i - 1);
		g_autofree char *key = NULL;

		if (g_strcmp0(metric->labels, labels) != 0)
			continue;
		key = g_strdup_printf("%s{%s}", metric->name, labels != NULL ? labels : "");
		g_hash_table_remove(self->index, key);
		g_ptr_array_remove_index(self->metrics, i - 1);
	}
}

static gint
cw_metric_compare(gconstpointer a, gconstpointer b)
{
	const CwMetric *ma = *(CwMetric *const *) a;
	const CwMetric *mb = *(CwMetric *const *) b;
	int c = g_strcmp0(ma->name, mb->name);
	return c != 0 ? c : g_strcmp0(ma->labels, mb->labels);
}

char *
cw_metric_registry_render(CwMetricRegistry *self)
{
	g_autoptr(GPtrArray) sorted = g_ptr_array_new();
	GString *out = g_string_new(NULL);
	const char *last_name = NULL;

	g_return_val_if_fail(CW_IS_METRIC_REGISTRY(self), NULL);
	for (guint i = 0; i < self->metrics->len; i++)
		g_ptr_array_add(sorted, g_ptr_array_index(self->metrics, i));
	g_ptr_array_sort(sorted, cw_metric_compare);
	for (guint i = 0; i < sorted->len; i++) {
		const CwMetric *m = g_ptr_array_index(sorted, i);
		char num[G_ASCII_DTOSTR_BUF_SIZE];

		if (g_strcmp0(last_name, m->name) != 0) {
			if (m->help != NULL)
				g_string_append_printf(out, "# HELP %s %s\n", m->name, m->help);
			g_string_append_printf(out, "# TYPE %s %s\n", m->name,
					       m->kind == CW_METRIC_COUNTER ? "counter" : "gauge");
			last_name = m->name;
		}
		g_string_append(out, m->name);
		if (m->labels != NULL)
			g_string_append_printf(out, "{%s}", m->labels);
		if (m->kind == CW_METRIC_COUNTER)
			g_string_append_printf(out, " %" G_GINT64_FORMAT "\n", m->value_i);
		else
			g_string_append_printf(out, " %s\n",
					       g_ascii_dtostr(num, sizeof num, m->value_d));
	}
	return g_string_free(out, FALSE);
}
