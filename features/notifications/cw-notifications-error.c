#include "cw-notifications.h"

#include <errno.h>
#include <glib/gstdio.h>

/* clang-format off */
G_DEFINE_QUARK(cw-notifications-error-quark, cw_notifications_error)
/* clang-format on */

/**
 * cw_notifications_parse_section:
 *
 * Returns: (transfer full): the notifier's section as an object, or NULL.
 */
JsonObject *
cw_notifications_parse_section(const char *section_json, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonNode *root;

	if (!json_parser_load_from_data(parser, section_json != NULL ? section_json : "{}", -1,
					error))
		return NULL;
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error_literal(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_TYPE,
				    "a notifier's section must be an object");
		return NULL;
	}
	return json_object_ref(json_node_get_object(root));
}

static char *
cw_notifications_read_secret_file(const char *path, const char *file_key, GError **error)
{
	g_autofree char *text = NULL;
	GStatBuf st;

	if (g_stat(path, &st) != 0) {
		g_set_error(error, CW_NOTIFICATIONS_ERROR, CW_NOTIFICATIONS_ERROR_SECRET,
			    "%s: cannot read '%s': %s", file_key, path, g_strerror(errno));
		return NULL;
	}
	if ((st.st_mode & 077) != 0) {
		g_set_error(error, CW_NOTIFICATIONS_ERROR, CW_NOTIFICATIONS_ERROR_SECRET,
			    "%s: '%s' is readable by group or others (mode %03o); "
			    "chmod 600 it",
			    file_key, path, (unsigned) (st.st_mode & 0777));
		return NULL;
	}
	if (!g_file_get_contents(path, &text, NULL, NULL)) {
		g_set_error(error, CW_NOTIFICATIONS_ERROR, CW_NOTIFICATIONS_ERROR_SECRET,
			    "%s: cannot read '%s'", file_key, path);
		return NULL;
	}
	return g_strdup(g_strstrip(text));
}

/**
 * cw_notifications_read_secret:
 *
 * Returns: (transfer full): the secret, or NULL with error naming the key.
 */
char *
cw_notifications_read_secret(JsonObject *obj, const char *env_key, const char *file_key,
			     GError **error)
{
	const char *env_name = NULL;
	const char *path = NULL;
	const char *value;

	if (!cw_config_read_string(obj, "", env_key, NULL, &env_name, error) ||
	    !cw_config_read_string(obj, "", file_key, NULL, &path, error))
		return NULL;
	if ((env_name == NULL) == (path == NULL)) {
		g_set_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_INVALID,
			    "exactly one of %s or %s is required", env_key, file_key);
		return NULL;
	}
	if (path != NULL)
		return cw_notifications_read_secret_file(path, file_key, error);
	value = g_getenv(env_name);
	if (value == NULL || value[0] == '\0') {
		g_set_error(error, CW_NOTIFICATIONS_ERROR, CW_NOTIFICATIONS_ERROR_SECRET,
			    "%s: the environment variable %s is not set", env_key, env_name);
		return NULL;
	}
	return g_strdup(value);
}
