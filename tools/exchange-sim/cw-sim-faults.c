/* The exchange simulator's fault settings, from flags and from JSON. */

#include "cw-sim-faults.h"

#include "cw-kline-frame.h"

#include <string.h>

G_DEFINE_QUARK(cw - sim - error - quark, cw_sim_error)

static const char *const cw_sim_bad_names[CW_SIM_N_BAD] = {
    [CW_SIM_BAD_NOT_JSON] = "not_json",
    [CW_SIM_BAD_WRONG_TYPE] = "wrong_type",
    [CW_SIM_BAD_NAN] = "nan",
    [CW_SIM_BAD_TEXT] = "text",
    [CW_SIM_BAD_PRICE] = "bad_price",
    [CW_SIM_BAD_HIGH_BELOW_LOW] = "high_below_low",
    [CW_SIM_BAD_NEGATIVE_VOLUME] = "negative_volume",
    [CW_SIM_BAD_UNKNOWN_TOPIC] = "unknown_topic",
    [CW_SIM_BAD_OVERSIZED] = "oversized",
    [CW_SIM_BAD_BINARY] = "binary",
};

static const int cw_sim_bad_errors[CW_SIM_N_BAD] = {
    [CW_SIM_BAD_NOT_JSON] = CW_KLINE_ERROR_NOT_JSON,
    [CW_SIM_BAD_WRONG_TYPE] = CW_KLINE_ERROR_WRONG_TYPE,
    [CW_SIM_BAD_NAN] = CW_KLINE_ERROR_BAD_NUMBER,
    [CW_SIM_BAD_TEXT] = CW_KLINE_ERROR_BAD_NUMBER,
    [CW_SIM_BAD_PRICE] = CW_KLINE_ERROR_BAD_PRICE,
    [CW_SIM_BAD_HIGH_BELOW_LOW] = CW_KLINE_ERROR_HIGH_BELOW_LOW,
    [CW_SIM_BAD_NEGATIVE_VOLUME] = CW_KLINE_ERROR_NEGATIVE_VOLUME,
    [CW_SIM_BAD_UNKNOWN_TOPIC] = CW_KLINE_ERROR_UNKNOWN_TOPIC,
    [CW_SIM_BAD_OVERSIZED] = CW_KLINE_ERROR_OVERSIZED,
    [CW_SIM_BAD_BINARY] = CW_KLINE_ERROR_BINARY,
};

const char *
cw_sim_bad_to_string(CwSimBad kind)
{
	return (guint) kind < CW_SIM_N_BAD ? cw_sim_bad_names[kind] : "unknown";
}

int
cw_sim_bad_expected_error(CwSimBad kind)
{
	return (guint) kind < CW_SIM_N_BAD ? cw_sim_bad_errors[kind] : CW_KLINE_ERROR_NONE;
}

/* The numeric faults, by name; bad_kinds and seed are handled apart. */
#define CW_SIM_FAULT(name)                                                                         \
	{                                                                                          \
#name, G_STRUCT_OFFSET(CwSimFaults, name)                                          \
	}
static const struct {
	const char *name;
	gsize offset;
} cw_sim_fault_fields[] = {
    CW_SIM_FAULT(close_after_frames),  CW_SIM_FAULT(reset_after_frames),
    CW_SIM_FAULT(silent_after_frames), CW_SIM_FAULT(bad_every),
    CW_SIM_FAULT(duplicate_every),     CW_SIM_FAULT(reorder_every),
    CW_SIM_FAULT(drop_every),          CW_SIM_FAULT(rest_error_next),
    CW_SIM_FAULT(rest_error_every),    CW_SIM_FAULT(rest_error_status),
    CW_SIM_FAULT(rate_limit_next),     CW_SIM_FAULT(rate_limit_every),
    CW_SIM_FAULT(rest_delay_ms),       CW_SIM_FAULT(rest_lag_ms),
};
#undef CW_SIM_FAULT

void
cw_sim_faults_init(CwSimFaults *faults)
{
	memset(faults, 0, sizeof *faults);
	faults->rest_error_status = 503;
}

static char *
cw_sim_faults_known(void)
{
	GString *known = g_string_new(NULL);

	for (guint i = 0; i < G_N_ELEMENTS(cw_sim_fault_fields); i++)
		g_string_append_printf(known, "%s, ", cw_sim_fault_fields[i].name);
	g_string_append(known, "bad_kinds, seed");
	return g_string_free(known, FALSE);
}

static gboolean
cw_sim_faults_parse_kinds(const char *const *names, guint *mask, GError **error)
{
	*mask = 0;
	for (guint i = 0; names[i] != NULL; i++) {
		const char *name = names[i];
		guint k;

		while (*name == ' ')
			name++;
		if (strcmp(name, "all") == 0) {
			*mask = (1u << CW_SIM_N_BAD) - 1;
			continue;
		}
		for (k = 0; k < CW_SIM_N_BAD && strcmp(name, cw_sim_bad_names[k]) != 0; k++)
			;
		if (k == CW_SIM_N_BAD) {
			g_autoptr(GString) known = g_string_new(NULL);

			for (guint j = 0; j < CW_SIM_N_BAD; j++)
				g_string_append_printf(known, "%s, ", cw_sim_bad_names[j]);
			g_set_error(error, CW_SIM_ERROR, CW_SIM_ERROR_INVALID,
				    "bad_kinds: unknown kind \"%s\" (known: %sall)", name,
				    known->str);
			return FALSE;
		}
		*mask |= 1u << k;
	}
	return TRUE;
}

static gboolean
cw_sim_faults_parse_uint(const char *key, const char *value, guint64 max, guint64 *out,
			 GError **error)
{
	if (!g_ascii_string_to_unsigned(value, 10, 0, max, out, NULL)) {
		g_set_error(error, CW_SIM_ERROR, CW_SIM_ERROR_INVALID,
			    "%s: expected an integer 0..%" G_GUINT64_FORMAT ", got \"%s\"", key,
			    max, value);
		return FALSE;
	}
	return TRUE;
}

gboolean
cw_sim_faults_set(CwSimFaults *faults, const char *key, const char *value, GError **error)
{
	guint64 v;

	if (strcmp(key, "bad_kinds") == 0) {
		g_auto(GStrv) names = g_strsplit(value, ",", -1);

		return cw_sim_faults_parse_kinds((const char *const *) names, &faults->bad_kinds,
						 error);
	}
	if (strcmp(key, "seed") == 0) {
		if (!cw_sim_faults_parse_uint(key, value, G_MAXUINT64, &v, error))
			return FALSE;
		faults->seed = v;
		return TRUE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(cw_sim_fault_fields); i++) {
		if (strcmp(key, cw_sim_fault_fields[i].name) != 0)
			continue;
		if (!cw_sim_faults_parse_uint(key, value, G_MAXINT32, &v, error))
			return FALSE;
		if (strcmp(key, "rest_error_status") == 0 && (v < 500 || v > 599)) {
			g_set_error(error, CW_SIM_ERROR, CW_SIM_ERROR_INVALID,
				    "rest_error_status: expected 500..599, got %s", value);
			return FALSE;
		}
		G_STRUCT_MEMBER(guint, faults, cw_sim_fault_fields[i].offset) = (guint) v;
		return TRUE;
	}
	g_autofree char *known = cw_sim_faults_known();
	g_set_error(error, CW_SIM_ERROR, CW_SIM_ERROR_INVALID, "%s: unknown fault (known: %s)", key,
		    known);
	return FALSE;
}

/* One member's value as the text cw_sim_faults_set() takes. */
static char *
cw_sim_faults_member_text(const char *key, JsonNode *node, GError **error)
{
	if (strcmp(key, "bad_kinds") == 0 && JSON_NODE_HOLDS_ARRAY(node)) {
		JsonArray *array = json_node_get_array(node);
		g_autoptr(GPtrArray) names = g_ptr_array_new();

		for (guint i = 0; i < json_array_get_length(array); i++) {
			JsonNode *element = json_array_get_element(array, i);

			if (!JSON_NODE_HOLDS_VALUE(element) ||
			    json_node_get_value_type(element) != G_TYPE_STRING) {
				g_set_error(error, CW_SIM_ERROR, CW_SIM_ERROR_INVALID,
					    "bad_kinds[%u]: expected a string", i);
				return NULL;
			}
			g_ptr_array_add(names, (gpointer) json_node_get_string(element));
		}
		g_ptr_array_add(names, NULL);
		return g_strjoinv(",", (char **) names->pdata);
	}
	if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_INT64 &&
	    json_node_get_int(node) >= 0)
		return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
	g_set_error(error, CW_SIM_ERROR, CW_SIM_ERROR_INVALID, "%s: expected %s", key,
		    strcmp(key, "bad_kinds") == 0 ? "an array of kind names" : "an integer >= 0");
	return NULL;
}

gboolean
cw_sim_faults_apply_json(CwSimFaults *faults, JsonNode *node, GError **error)
{
	CwSimFaults next = *faults;
	JsonObjectIter iter;
	const char *key;
	JsonNode *member;

	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error(error, CW_SIM_ERROR, CW_SIM_ERROR_INVALID,
			    "expected a JSON object of faults");
		return FALSE;
	}
	json_object_iter_init(&iter, json_node_get_object(node));
	while (json_object_iter_next(&iter, &key, &member)) {
		g_autofree char *text = cw_sim_faults_member_text(key, member, error);

		if (text == NULL || !cw_sim_faults_set(&next, key, text, error))
			return FALSE;
	}
	*faults = next;
	return TRUE;
}

void
cw_sim_faults_to_json(const CwSimFaults *faults, JsonBuilder *builder)
{
	json_builder_begin_object(builder);
	for (guint i = 0; i < G_N_ELEMENTS(cw_sim_fault_fields); i++) {
		json_builder_set_member_name(builder, cw_sim_fault_fields[i].name);
		json_builder_add_int_value(
		    builder, G_STRUCT_MEMBER(guint, faults, cw_sim_fault_fields[i].offset));
	}
	json_builder_set_member_name(builder, "bad_kinds");
	json_builder_begin_array(builder);
	for (guint k = 0; k < CW_SIM_N_BAD; k++) {
		if (faults->bad_kinds == 0 || (faults->bad_kinds & (1u << k)) != 0)
			json_builder_add_string_value(builder, cw_sim_bad_names[k]);
	}
	json_builder_end_array(builder);
	json_builder_set_member_name(builder, "seed");
	json_builder_add_int_value(builder, (gint64) faults->seed);
	json_builder_end_object(builder);
}

/* splitmix64: the phase of each "every N" fault from the seed. */
static guint64
cw_sim_faults_mix(guint64 x)
{
	x += G_GUINT64_CONSTANT(0x9E3779B97F4A7C15);
	x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT(0xBF58476D1CE4E5B9);
	x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT(0x94D049BB133111EB);
	return x ^ (x >> 31);
}

gboolean
cw_sim_faults_hit(const CwSimFaults *faults, guint every, guint salt, guint64 i)
{
	guint64 phase;

	if (every == 0)
		return FALSE;
	phase = faults->seed == 0 ? 0 : cw_sim_faults_mix(faults->seed ^ salt) % every;
	return (i + phase) % every == every - 1;
}

CwSimBad
cw_sim_faults_bad_kind(const CwSimFaults *faults, guint64 n)
{
	guint mask = faults->bad_kinds != 0 ? faults->bad_kinds : (1u << CW_SIM_N_BAD) - 1;
	guint count = (guint) __builtin_popcount(mask);
	guint64 pick = n % count;

	for (guint k = 0; k < CW_SIM_N_BAD; k++) {
		if ((mask & (1u << k)) != 0 && pick-- == 0)
			return (CwSimBad) k;
	}
	return CW_SIM_BAD_NOT_JSON;
}
