/* Typed reads of JSON objects that name the JSON path of every mistake.
 *
 * Every message has the form "<path>: expected <what>, got <what>": a wrong
 * JSON type says which type it got ("got a string"), a value out of range
 * shows the value ("got 1.5") and a bad string quotes it ("got '7x'"). */
#include "cw-config-private.h"

#include <math.h>

/* clang-format off */
G_DEFINE_QUARK(cw-config-error-quark, cw_config_error)
/* clang-format on */

gboolean
cw_config_is_valid_id(const char *s)
{
	gsize len = 0;

	if (s == NULL)
		return FALSE;
	for (; s[len] != '\0'; len++) {
		if (!g_ascii_isalnum(s[len]) && s[len] != '_' && s[len] != '.' && s[len] != '-')
			return FALSE;
	}
	return len >= 1 && len <= 64;
}

char *
cw_config_path_join(const char *path, const char *key)
{
	if (path == NULL || path[0] == '\0')
		return g_strdup(key != NULL ? key : "");
	if (key == NULL || key[0] == '\0')
		return g_strdup(path);
	return g_strconcat(path, ".", key, NULL);
}

char *
cw_config_path_index(const char *path, guint index)
{
	return g_strdup_printf("%s[%u]", path != NULL ? path : "", index);
}

gboolean
cw_config_error_at(GError **error, CwConfigError code, const char *path, const char *key,
		   const char *format, ...)
{
	g_autofree char *where = cw_config_path_join(path, key);
	g_autofree char *what = NULL;
	va_list args;

	va_start(args, format);
	what = g_strdup_vprintf(format, args);
	va_end(args);
	if (where[0] == '\0')
		g_set_error_literal(error, CW_CONFIG_ERROR, code, what);
	else
		g_set_error(error, CW_CONFIG_ERROR, code, "%s: %s", where, what);
	return FALSE;
}

const char *
cw_config_node_describe(JsonNode *node)
{
	if (node == NULL)
		return "nothing";
	switch (JSON_NODE_TYPE(node)) {
	case JSON_NODE_OBJECT:
		return "an object";
	case JSON_NODE_ARRAY:
		return "an array";
	case JSON_NODE_NULL:
		return "null";
	case JSON_NODE_VALUE:
	default:
		break;
	}
	switch (json_node_get_value_type(node)) {
	case G_TYPE_STRING:
		return "a string";
	case G_TYPE_BOOLEAN:
		return "a boolean";
	case G_TYPE_INT64:
	case G_TYPE_DOUBLE:
		return "a number";
	default:
		return "a value";
	}
}

void
cw_config_format_number(double value, char *buf, gsize buf_len)
{
	g_ascii_formatd(buf, (gint) MIN(buf_len, G_MAXINT), "%.15g", value);
}

static gboolean
cw_config_node_is_number(JsonNode *node)
{
	GType t;

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node))
		return FALSE;
	t = json_node_get_value_type(node);
	return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE;
}

/* "a number in [0, 1]", "a number > 0", "an integer in [1, 1000]", "a number". */
static char *
cw_config_describe_range(const char *noun, double min, double max, CwConfigRangeFlags flags)
{
	char lo[G_ASCII_DTOSTR_BUF_SIZE];
	char hi[G_ASCII_DTOSTR_BUF_SIZE];
	gboolean min_open = (flags & CW_CONFIG_RANGE_MIN_EXCLUSIVE) != 0;
	gboolean max_open = (flags & CW_CONFIG_RANGE_MAX_EXCLUSIVE) != 0;

	cw_config_format_number(min, lo, sizeof lo);
	cw_config_format_number(max, hi, sizeof hi);
	if (isfinite(min) && isfinite(max))
		return g_strdup_printf("%s in %c%s, %s%c", noun, min_open ? '(' : '[', lo, hi,
				       max_open ? ')' : ']');
	if (isfinite(min))
		return g_strdup_printf("%s %s %s", noun, min_open ? ">" : ">=", lo);
	if (isfinite(max))
		return g_strdup_printf("%s %s %s", noun, max_open ? "<" : "<=", hi);
	return g_strdup(noun);
}

/* Never infinity or NaN, whatever the bounds: an infinite max means no bound. */
static gboolean
cw_config_in_range(double v, double min, double max, CwConfigRangeFlags flags)
{
	if (!isfinite(v))
		return FALSE;
	if ((flags & CW_CONFIG_RANGE_MIN_EXCLUSIVE) ? v <= min : v < min)
		return FALSE;
	if ((flags & CW_CONFIG_RANGE_MAX_EXCLUSIVE) ? v >= max : v > max)
		return FALSE;
	return TRUE;
}

gboolean
cw_config_read_double_range(JsonObject *obj, const char *path, const char *key, double def,
			    double min, double max, CwConfigRangeFlags flags, double *out,
			    GError **error)
{
	JsonNode *node = json_object_get_member(obj, key);
	char got[G_ASCII_DTOSTR_BUF_SIZE];
	double v;

	if (node == NULL) {
		*out = def;
		return TRUE;
	}
	if (!cw_config_node_is_number(node))
		return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, path, key,
					  "expected a number, got %s",
					  cw_config_node_describe(node));
	v = json_node_get_double(node);
	if (!cw_config_in_range(v, min, max, flags)) {
		g_autofree char *want = cw_config_describe_range("a number", min, max, flags);

		cw_config_format_number(v, got, sizeof got);
		return cw_config_error_at(error, CW_CONFIG_ERROR_RANGE, path, key,
					  "expected %s, got %s", want, got);
	}
	*out = v;
	return TRUE;
}

gboolean
cw_config_read_double(JsonObject *obj, const char *path, const char *key, double def, double min,
		      double max, double *out, GError **error)
{
	return cw_config_read_double_range(obj, path, key, def, min, max, CW_CONFIG_RANGE_INCLUSIVE,
					   out, error);
}

gboolean
cw_config_node_get_uint(JsonNode *node, const char *path, guint min, guint max, guint *out,
			GError **error)
{
	char got[G_ASCII_DTOSTR_BUF_SIZE];
	double v;

	if (!cw_config_node_is_number(node))
		return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, path, NULL,
					  "expected an integer, got %s",
					  cw_config_node_describe(node));
	if (json_node_get_value_type(node) == G_TYPE_INT64) {
		gint64 i = json_node_get_int(node);

		if (i >= (gint64) min && i <= (gint64) max) {
			*out = (guint) i;
			return TRUE;
		}
		g_snprintf(got, sizeof got, "%" G_GINT64_FORMAT, i);
	} else {
		v = json_node_get_double(node);
		cw_config_format_number(v, got, sizeof got);
		if (!isfinite(v) || floor(v) != v)
			return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, path, NULL,
						  "expected an integer, got %s", got);
		if (v >= (double) min && v <= (double) max) {
			*out = (guint) v;
			return TRUE;
		}
	}
	{
		g_autofree char *want = cw_config_describe_range(
		    "an integer", (double) min, max == G_MAXUINT ? INFINITY : (double) max,
		    CW_CONFIG_RANGE_INCLUSIVE);

		return cw_config_error_at(error, CW_CONFIG_ERROR_RANGE, path, NULL,
					  "expected %s, got %s", want, got);
	}
}

gboolean
cw_config_read_uint(JsonObject *obj, const char *path, const char *key, guint def, guint min,
		    guint max, guint *out, GError **error)
{
	JsonNode *node = json_object_get_member(obj, key);
	g_autofree char *where = NULL;

	if (node == NULL) {
		*out = def;
		return TRUE;
	}
	where = cw_config_path_join(path, key);
	return cw_config_node_get_uint(node, where, min, max, out, error);
}

gboolean
cw_config_read_bool(JsonObject *obj, const char *path, const char *key, gboolean def, gboolean *out,
		    GError **error)
{
	JsonNode *node = json_object_get_member(obj, key);

	if (node == NULL) {
		*out = def;
		return TRUE;
	}
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN)
		return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, path, key,
					  "expected a boolean, got %s",
					  cw_config_node_describe(node));
	*out = json_node_get_boolean(node);
	return TRUE;
}

gboolean
cw_config_read_string(JsonObject *obj, const char *path, const char *key, const char *def,
		      const char **out, GError **error)
{
	JsonNode *node = json_object_get_member(obj, key);

	if (node == NULL) {
		*out = def;
		return TRUE;
	}
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
		return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, path, key,
					  "expected a string, got %s",
					  cw_config_node_describe(node));
	*out = json_node_get_string(node);
	return TRUE;
}

gboolean
cw_config_read_choice(JsonObject *obj, const char *path, const char *key,
		      const char *const *choices, guint def, guint *out, GError **error)
{
	JsonNode *node = json_object_get_member(obj, key);
	g_autofree char *list = NULL;
	const char *value;

	if (node == NULL) {
		*out = def;
		return TRUE;
	}
	list = g_strjoinv(", ", (char **) choices);
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
		return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, path, key,
					  "expected one of %s, got %s", list,
					  cw_config_node_describe(node));
	value = json_node_get_string(node);
	for (guint i = 0; choices[i] != NULL; i++) {
		if (g_strcmp0(choices[i], value) == 0) {
			*out = i;
			return TRUE;
		}
	}
	return cw_config_error_at(error, CW_CONFIG_ERROR_RANGE, path, key,
				  "expected one of %s, got '%s'", list, value);
}

static gboolean
cw_config_parse_time_of_day(const char *s, guint *out)
{
	guint h, m;

	if (strlen(s) != 5 || !g_ascii_isdigit(s[0]) || !g_ascii_isdigit(s[1]) || s[2] != ':' ||
	    !g_ascii_isdigit(s[3]) || !g_ascii_isdigit(s[4]))
		return FALSE;
	h = (guint) (s[0] - '0') * 10 + (guint) (s[1] - '0');
	m = (guint) (s[3] - '0') * 10 + (guint) (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return FALSE;
	*out = h * 60 + m;
	return TRUE;
}

gboolean
cw_config_read_time_of_day(JsonObject *obj, const char *path, const char *key, guint def,
			   guint *out, GError **error)
{
	JsonNode *node = json_object_get_member(obj, key);
	const char *value;

	if (node == NULL) {
		*out = def;
		return TRUE;
	}
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
		return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, path, key,
					  "expected a time \"HH:MM\", got %s",
					  cw_config_node_describe(node));
	value = json_node_get_string(node);
	if (!cw_config_parse_time_of_day(value, out))
		return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, path, key,
					  "expected a time \"HH:MM\" from 00:00 to 24:00, got '%s'",
					  value);
	return TRUE;
}

gboolean
cw_config_read_object(JsonObject *obj, const char *path, const char *key, JsonObject **out,
		      GError **error)
{
	JsonNode *node = json_object_get_member(obj, key);

	*out = NULL;
	if (node == NULL)
		return TRUE;
	if (!JSON_NODE_HOLDS_OBJECT(node))
		return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, path, key,
					  "expected an object, got %s",
					  cw_config_node_describe(node));
	*out = json_node_get_object(node);
	return TRUE;
}

gboolean
cw_config_read_array(JsonObject *obj, const char *path, const char *key, guint min_len,
		     guint max_len, JsonArray **out, GError **error)
{
	JsonNode *node = json_object_get_member(obj, key);
	JsonArray *array;
	guint len;

	*out = NULL;
	if (node == NULL)
		return TRUE;
	if (!JSON_NODE_HOLDS_ARRAY(node))
		return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, path, key,
					  "expected an array, got %s",
					  cw_config_node_describe(node));
	array = json_node_get_array(node);
	len = json_array_get_length(array);
	if (len < min_len || len > max_len) {
		if (min_len == 0)
			return cw_config_error_at(error, CW_CONFIG_ERROR_RANGE, path, key,
						  "expected at most %u items, got %u", max_len,
						  len);
		return cw_config_error_at(error, CW_CONFIG_ERROR_RANGE, path, key,
					  "expected %u to %u items, got %u", min_len, max_len, len);
	}
	*out = array;
	return TRUE;
}

gboolean
cw_config_read_interval(JsonObject *obj, const char *path, const char *key, gint64 def, gint64 *out,
			GError **error)
{
	JsonNode *node = json_object_get_member(obj, key);
	const char *value;
	gint64 ms;

	if (node == NULL) {
		*out = def;
		return TRUE;
	}
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
		return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, path, key,
					  "expected an interval such as \"5m\" or \"1h\", got %s",
					  cw_config_node_describe(node));
	value = json_node_get_string(node);
	ms = cw_interval_parse(value);
	if (ms <= 0)
		return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, path, key,
					  "expected an interval such as \"5m\" or \"1h\", got '%s'",
					  value);
	*out = ms;
	return TRUE;
}

gboolean
cw_config_check_keys(JsonObject *obj, const char *path, const char *const *known, GError **error)
{
	g_autoptr(GList) members = json_object_get_members(obj);

	for (GList *l = members; l != NULL; l = l->next) {
		const char *key = l->data;

		if (!g_strv_contains(known, key)) {
			g_autofree char *list = g_strjoinv(", ", (char **) known);

			return cw_config_error_at(error, CW_CONFIG_ERROR_UNKNOWN_KEY, path, key,
						  "unknown key (known: %s)", list);
		}
	}
	return TRUE;
}
