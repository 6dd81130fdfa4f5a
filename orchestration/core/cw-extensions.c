#include "cw-core.h"

#include <gio/gio.h>

static const struct {
	const char *name;
	GType (*get_type)(void);
} cw_extension_points[] = {
    {CW_EXTENSION_POINT_STRATEGY, cw_strategy_get_type},
    {CW_EXTENSION_POINT_BROKER, cw_broker_get_type},
    {CW_EXTENSION_POINT_GUARD, cw_guard_get_type},
    {CW_EXTENSION_POINT_MARKET_FEED, cw_market_feed_get_type},
    {CW_EXTENSION_POINT_CANDLE_SOURCE, cw_candle_source_get_type},
    {CW_EXTENSION_POINT_NOTIFIER, cw_notifier_get_type},
    {CW_EXTENSION_POINT_HEALTH_PROBE, cw_health_probe_get_type},
};

/**
 * cw_extension_points_register:
 *
 * Creates the extension points that feature packages implement. Safe to
 * call more than once and from several threads.
 */
void
cw_extension_points_register(void)
{
	static gsize once = 0;

	if (g_once_init_enter(&once)) {
		for (gsize i = 0; i < G_N_ELEMENTS(cw_extension_points); i++) {
			GIOExtensionPoint *ep =
			    g_io_extension_point_register(cw_extension_points[i].name);
			g_io_extension_point_set_required_type(ep,
							       cw_extension_points[i].get_type());
		}
		g_once_init_leave(&once, 1);
	}
}

static gint
cw_extension_compare_names(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
cw_extension_get_names(const char *point)
{
	GPtrArray *names = g_ptr_array_new();
	GIOExtensionPoint *ep;

	cw_extension_points_register();
	ep = g_io_extension_point_lookup(point);
	if (ep == NULL)
		return names;
	for (GList *l = g_io_extension_point_get_extensions(ep); l != NULL; l = l->next)
		g_ptr_array_add(names, (gpointer) g_io_extension_get_name(l->data));
	return names;
}

char *
cw_extension_list_names(const char *point)
{
	g_autoptr(GPtrArray) names = cw_extension_get_names(point);
	GString *out = g_string_new(NULL);

	g_ptr_array_sort(names, cw_extension_compare_names);
	for (guint i = 0; i < names->len; i++) {
		if (i > 0)
			g_string_append(out, ", ");
		g_string_append(out, g_ptr_array_index(names, i));
	}
	if (names->len == 0)
		g_string_append(out, "none registered");
	return g_string_free(out, FALSE);
}

gboolean
cw_extension_exists(const char *point, const char *name)
{
	GIOExtensionPoint *ep;

	cw_extension_points_register();
	ep = g_io_extension_point_lookup(point);
	return ep != NULL && name != NULL && g_io_extension_point_get_extension_by_name(ep, name);
}

GType
cw_extension_lookup_type(const char *point, const char *name, GError **error)
{
	GIOExtensionPoint *ep;
	GIOExtension *ext = NULL;

	cw_extension_points_register();
	ep = g_io_extension_point_lookup(point);
	if (ep == NULL) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_NOT_FOUND,
			    "no extension point named '%s'", point);
		return G_TYPE_INVALID;
	}
	if (name != NULL)
		ext = g_io_extension_point_get_extension_by_name(ep, name);
	if (ext == NULL) {
		g_autofree char *known = cw_extension_list_names(point);
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_NOT_FOUND,
			    "unknown %s type '%s' (known: %s)", point + strlen("cw-"),
			    name != NULL ? name : "(null)", known);
		return G_TYPE_INVALID;
	}
	return g_io_extension_get_type(ext);
}

/**
 * cw_extension_new:
 * @point: an extension point name such as "cw-broker"
 * @name: the implementation's registered name such as "paper"
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): a new instance of the implementation.
 */
GObject *
cw_extension_new(const char *point, const char *name, GError **error)
{
	GType type = cw_extension_lookup_type(point, name, error);

	if (type == G_TYPE_INVALID)
		return NULL;
	return g_object_new(type, NULL);
}
