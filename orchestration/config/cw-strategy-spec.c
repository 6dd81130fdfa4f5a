/* One strategy of a bot: "strategy" or "strategies[i]" after merging. */
#include "cw-config-private.h"

#include <math.h>

#define CW_MAX_ANALYZERS 16
#define CW_TP_EPSILON    1e-9

static const char *const cw_composite_keys[] = {
    "id", "type", "description", "analyzers", "aggregation", "filters", "exit", "sizing", NULL};
static const char *const cw_aggregation_keys[] = {"min_score", "min_confidence",
						  "conflict_threshold", NULL};
static const char *const cw_filters_keys[] = {"session", "volatility", "mtf", NULL};
static const char *const cw_session_keys[] = {"enabled", "timezone", "start", "end", "days", NULL};
static const char *const cw_volatility_keys[] = {"enabled", "atr_period", "min_pct", "max_pct",
						 NULL};
static const char *const cw_mtf_keys[] = {"enabled", "interval", "fast", "slow", NULL};
static const char *const cw_exit_keys[] = {
    "stop_loss", "take_profits",      "breakeven",
    "trailing",  "time_exit_candles", "exit_on_opposite_signal",
    NULL};
static const char *const cw_stop_keys[] = {"type", "value", "atr_period", NULL};
static const char *const cw_take_profit_keys[] = {"percent", "r", "close", NULL};
static const char *const cw_breakeven_keys[] = {"enabled", "offset_pct", NULL};
static const char *const cw_sizing_keys[] = {
    "mode",     "quote", "risk_percent", "reinvest_fraction", "protected_deposit", "max_quote",
    "leverage", NULL};
static const char *const cw_day_names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL};

const char *
cw_stop_kind_to_string(CwStopKind kind)
{
	switch (kind) {
	case CW_STOP_PERCENT:
		return "percent";
	case CW_STOP_ATR:
		return "atr";
	case CW_STOP_NONE:
	default:
		return "none";
	}
}

const char *
cw_sizing_kind_to_string(CwSizingKind kind)
{
	switch (kind) {
	case CW_SIZING_RISK_PERCENT:
		return "risk_percent";
	case CW_SIZING_COMPOUNDING:
		return "compounding";
	case CW_SIZING_FIXED_QUOTE:
	default:
		return "fixed_quote";
	}
}

void
cw_strategy_spec_free(CwStrategySpec *spec)
{
	if (spec == NULL)
		return;
	g_free(spec->id);
	g_free(spec->type);
	g_free(spec->json_path);
	g_free(spec->description);
	g_free(spec->analyzers);
	g_free(spec->session.timezone);
	g_clear_pointer(&spec->raw, json_object_unref);
	g_free(spec);
}

static gint
cw_strategy_spec_compare_names(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const char *const *) a, *(const char *const *) b);
}

/* "composite" plus every registered cw-strategy name, sorted. */
static char *
cw_strategy_spec_known_types(void)
{
	g_autoptr(GPtrArray) names = cw_extension_get_names(CW_EXTENSION_POINT_STRATEGY);
	g_autoptr(GPtrArray) sorted = g_ptr_array_new();
	GString *out = g_string_new(NULL);

	g_ptr_array_add(sorted, (gpointer) "composite");
	for (guint i = 0; i < names->len; i++) {
		if (g_strcmp0(g_ptr_array_index(names, i), "composite") != 0)
			g_ptr_array_add(sorted, g_ptr_array_index(names, i));
	}
	g_ptr_array_sort(sorted, cw_strategy_spec_compare_names);
	for (guint i = 0; i < sorted->len; i++)
		g_string_append_printf(out, "%s%s", i > 0 ? ", " : "",
				       (const char *) g_ptr_array_index(sorted, i));
	return g_string_free(out, FALSE);
}

static gboolean
cw_strategy_spec_parse_analyzers(JsonObject *obj, const char *path, CwStrategySpec *spec,
				 GError **error)
{
	g_autofree char *apath = cw_config_path_join(path, "analyzers");
	JsonArray *array = NULL;
	double total_weight = 0;

	if (!json_object_has_member(obj, "analyzers"))
		return cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, path, "analyzers",
					  "missing required key (an array of 1 to %u analyzers)",
					  CW_MAX_ANALYZERS);
	if (!cw_config_read_array(obj, path, "analyzers", 1, CW_MAX_ANALYZERS, &array, error))
		return FALSE;
	spec->n_analyzers = json_array_get_length(array);
	spec->analyzers = g_new0(CwAnalyzerSpec, spec->n_analyzers);
	for (guint i = 0; i < spec->n_analyzers; i++) {
		g_autofree char *ipath = cw_config_path_index(apath, i);
		JsonNode *node = json_array_get_element(array, i);

		if (!JSON_NODE_HOLDS_OBJECT(node))
			return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, ipath, NULL,
						  "expected an object, got %s",
						  cw_config_node_describe(node));
		if (!cw_analyzer_spec_parse(json_node_get_object(node), ipath, &spec->analyzers[i],
					    error))
			return FALSE;
		total_weight += spec->analyzers[i].weight;
	}
	if (total_weight <= 0)
		return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, apath, NULL,
					  "expected at least one analyzer with a weight > 0, got "
					  "only zero weights");
	return TRUE;
}

static gboolean
cw_strategy_spec_parse_aggregation(JsonObject *obj, const char *path, CwAggregationSpec *out,
				   GError **error)
{
	g_autofree char *p = cw_config_path_join(path, "aggregation");
	JsonObject *o = NULL;

	if (!cw_config_read_object(obj, path, "aggregation", &o, error))
		return FALSE;
	out->min_score = 0.5;
	out->min_confidence = 0.0;
	out->conflict_threshold = 0.1;
	if (o == NULL)
		return TRUE;
	return cw_config_check_keys(o, p, cw_aggregation_keys, error) &&
	       cw_config_read_double(o, p, "min_score", 0.5, 0, 1, &out->min_score, error) &&
	       cw_config_read_double(o, p, "min_confidence", 0.0, 0, 1, &out->min_confidence,
				     error) &&
	       cw_config_read_double(o, p, "conflict_threshold", 0.1, 0, 1,
				     &out->conflict_threshold, error);
}

static gboolean
cw_strategy_spec_parse_days(JsonObject *o, const char *path, guint8 *mask, GError **error)
{
	g_autofree char *dpath = cw_config_path_join(path, "days");
	JsonArray *days = NULL;

	*mask = 0x7f;
	if (!cw_config_read_array(o, path, "days", 1, 7, &days, error))
		return FALSE;
	if (days == NULL)
		return TRUE;
	*mask = 0;
	for (guint i = 0; i < json_array_get_length(days); i++) {
		g_autofree char *ipath = cw_config_path_index(dpath, i);
		g_autofree char *list = g_strjoinv(", ", (char **) cw_day_names);
		JsonNode *node = json_array_get_element(days, i);
		const char *day;
		guint d;

		if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
			return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, ipath, NULL,
						  "expected one of %s, got %s", list,
						  cw_config_node_describe(node));
		day = json_node_get_string(node);
		for (d = 0; cw_day_names[d] != NULL; d++) {
			if (g_strcmp0(cw_day_names[d], day) == 0)
				break;
		}
		if (cw_day_names[d] == NULL)
			return cw_config_error_at(error, CW_CONFIG_ERROR_RANGE, ipath, NULL,
						  "expected one of %s, got '%s'", list, day);
		*mask |= (guint8) (1u << d);
	}
	return TRUE;
}

static gboolean
cw_strategy_spec_parse_session(JsonObject *filters, const char *fpath, CwSessionFilterSpec *out,
			       GError **error)
{
	g_autofree char *p = cw_config_path_join(fpath, "session");
	g_autoptr(GTimeZone) tz = NULL;
	JsonObject *o = NULL;
	const char *tz_name = NULL;

	out->enabled = FALSE;
	out->timezone = g_strdup("UTC");
	out->start_minute = 0;
	out->end_minute = 0;
	out->days_mask = 0x7f;
	if (filters == NULL)
		return TRUE;
	if (!cw_config_read_object(filters, fpath, "session", &o, error))
		return FALSE;
	if (o == NULL)
		return TRUE;
	if (!cw_config_check_keys(o, p, cw_session_keys, error) ||
	    !cw_config_read_bool(o, p, "enabled", TRUE, &out->enabled, error) ||
	    !cw_config_read_string(o, p, "timezone", "UTC", &tz_name, error))
		return FALSE;
	tz = cw_config_time_zone_new(tz_name, p, "timezone", error);
	if (tz == NULL)
		return FALSE;
	g_free(out->timezone);
	out->timezone = g_strdup(tz_name);
	if (!cw_config_read_time_of_day(o, p, "start", 0, &out->start_minute, error))
		return FALSE;
	if (out->start_minute >= 24 * 60)
		return cw_config_error_at(error, CW_CONFIG_ERROR_RANGE, p, "start",
					  "expected a time \"HH:MM\" from 00:00 to 23:59, got "
					  "'24:00'");
	/* The end is exclusive; "24:00" is the midnight that ends the day, the
	 * same minute as 00:00. end == start is a 24 h window (the default). */
	if (!cw_config_read_time_of_day(o, p, "end", out->start_minute, &out->end_minute, error))
		return FALSE;
	out->end_minute %= 24 * 60;
	return cw_strategy_spec_parse_days(o, p, &out->days_mask, error);
}

static gboolean
cw_strategy_spec_parse_volatility(JsonObject *filters, const char *fpath,
				  CwVolatilityFilterSpec *out, GError **error)
{
	g_autofree char *p = cw_config_path_join(fpath, "volatility");
	JsonObject *o = NULL;
	char a[G_ASCII_DTOSTR_BUF_SIZE];
	char b[G_ASCII_DTOSTR_BUF_SIZE];

	out->enabled = FALSE;
	out->atr_period = 14;
	out->min_pct = 0;
	out->max_pct = 100;
	if (filters == NULL)
		return TRUE;
	if (!cw_config_read_object(filters, fpath, "volatility", &o, error))
		return FALSE;
	if (o == NULL)
		return TRUE;
	if (!cw_config_check_keys(o, p, cw_volatility_keys, error) ||
	    !cw_config_read_bool(o, p, "enabled", TRUE, &out->enabled, error) ||
	    !cw_config_read_uint(o, p, "atr_period", 14, 1, 1000, &out->atr_period, error) ||
	    !cw_config_read_double(o, p, "min_pct", 0, 0, 100, &out->min_pct, error) ||
	    !cw_config_read_double(o, p, "max_pct", 100, 0, 100, &out->max_pct, error))
		return FALSE;
	if (out->max_pct <= out->min_pct) {
		cw_config_format_number(out->min_pct, a, sizeof a);
		cw_config_format_number(out->max_pct, b, sizeof b);
		return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, p, "max_pct",
					  "expected a number greater than min_pct (%s), got %s", a,
					  b);
	}
	return TRUE;
}

static gboolean
cw_strategy_spec_parse_mtf(JsonObject *filters, const char *fpath, gint64 base_interval_ms,
			   CwMtfFilterSpec *out, GError **error)
{
	g_autofree char *p = cw_config_path_join(fpath, "mtf");
	JsonObject *o = NULL;
	char base[32];

	out->enabled = FALSE;
	out->interval_ms = 0;
	out->fast = 0;
	out->slow = 50;
	if (filters == NULL)
		return TRUE;
	if (!cw_config_read_object(filters, fpath, "mtf", &o, error))
		return FALSE;
	if (o == NULL)
		return TRUE;
	if (!cw_config_check_keys(o, p, cw_mtf_keys, error) ||
	    !cw_config_read_bool(o, p, "enabled", TRUE, &out->enabled, error))
		return FALSE;
	if (out->enabled && !json_object_has_member(o, "interval"))
		return cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, p, "interval",
					  "missing required key (a higher interval such as "
					  "\"1h\")");
	if (!cw_config_read_interval(o, p, "interval", 0, &out->interval_ms, error))
		return FALSE;
	cw_interval_format(base_interval_ms, base, sizeof base);
	if (out->interval_ms != 0) {
		const char *text = json_object_get_string_member(o, "interval");

		if (out->interval_ms <= base_interval_ms)
			return cw_config_error_at(
			    error, CW_CONFIG_ERROR_INVALID, p, "interval",
			    "must be longer than the base interval %s, got %s", base, text);
		if (out->interval_ms % base_interval_ms != 0)
			return cw_config_error_at(
			    error, CW_CONFIG_ERROR_INVALID, p, "interval",
			    "must be a multiple of the base interval %s, got %s", base, text);
	}
	if (!cw_config_read_uint(o, p, "fast", 0, 0, 1000, &out->fast, error) ||
	    !cw_config_read_uint(o, p, "slow", 50, 1, 1000, &out->slow, error))
		return FALSE;
	if (out->fast > 0 && out->slow <= out->fast)
		return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, p, "slow",
					  "expected an integer greater than fast (%u), got %u",
					  out->fast, out->slow);
	return TRUE;
}

static gboolean
cw_strategy_spec_parse_filters(JsonObject *obj, const char *path, gint64 base_interval_ms,
			       CwStrategySpec *spec, GError **error)
{
	g_autofree char *p = cw_config_path_join(path, "filters");
	JsonObject *o = NULL;

	if (!cw_config_read_object(obj, path, "filters", &o, error))
		return FALSE;
	if (o != NULL && !cw_config_check_keys(o, p, cw_filters_keys, error))
		return FALSE;
	return cw_strategy_spec_parse_session(o, p, &spec->session, error) &&
	       cw_strategy_spec_parse_volatility(o, p, &spec->volatility, error) &&
	       cw_strategy_spec_parse_mtf(o, p, base_interval_ms, &spec->mtf, error);
}

/* stop_loss and trailing share a shape; def is the kind when absent. */
static gboolean
cw_strategy_spec_parse_stop(JsonObject *exit, const char *epath, const char *key, CwStopKind def,
			    CwStopSpec *out, GError **error)
{
	static const char *const kinds[] = {"percent", "atr", "none", NULL};
	static const CwStopKind kind_values[] = {CW_STOP_PERCENT, CW_STOP_ATR, CW_STOP_NONE};
	g_autofree char *p = cw_config_path_join(epath, key);
	JsonObject *o = NULL;
	guint kind = def == CW_STOP_PERCENT ? 0 : def == CW_STOP_ATR ? 1 : 2;

	out->kind = def;
	out->value = def == CW_STOP_NONE ? 0 : 2.0;
	out->atr_period = 14;
	if (exit != NULL && !cw_config_read_object(exit, epath, key, &o, error))
		return FALSE;
	if (o == NULL)
		return TRUE;
	if (!cw_config_check_keys(o, p, cw_stop_keys, error) ||
	    !cw_config_read_choice(o, p, "type", kinds, kind, &kind, error))
		return FALSE;
	out->kind = kind_values[kind];
	switch (out->kind) {
	case CW_STOP_PERCENT:
		/* A long's stop at 100% or more would be at or below zero. */
		if (!cw_config_read_double_range(o, p, "value", 2.0, 0, 100,
						 CW_CONFIG_RANGE_MIN_EXCLUSIVE |
						     CW_CONFIG_RANGE_MAX_EXCLUSIVE,
						 &out->value, error))
			return FALSE;
		break;
	case CW_STOP_ATR:
		if (!cw_config_read_double_range(o, p, "value", 2.0, 0, INFINITY,
						 CW_CONFIG_RANGE_MIN_EXCLUSIVE, &out->value, error))
			return FALSE;
		break;
	case CW_STOP_NONE:
	default:
		out->value = 0;
		break;
	}
	return cw_config_read_uint(o, p, "atr_period", 14, 1, 1000, &out->atr_period, error);
}

static gboolean
cw_strategy_spec_parse_take_profits(JsonObject *exit, const char *epath, CwExitSpec *out,
				    GError **error)
{
	g_autofree char *tpath = cw_config_path_join(epath, "take_profits");
	JsonArray *array = NULL;
	gboolean has_close[CW_MAX_TAKE_PROFITS] = {FALSE};
	double explicit_sum = 0;
	guint n_missing = 0;
	char a[G_ASCII_DTOSTR_BUF_SIZE];
	char b[G_ASCII_DTOSTR_BUF_SIZE];

	out->n_take_profits = 0;
	if (exit == NULL)
		return TRUE;
	if (!cw_config_read_array(exit, epath, "take_profits", 0, CW_MAX_TAKE_PROFITS, &array,
				  error))
		return FALSE;
	if (array == NULL)
		return TRUE;
	out->n_take_profits = json_array_get_length(array);
	for (guint i = 0; i < out->n_take_profits; i++) {
		g_autofree char *ipath = cw_config_path_index(tpath, i);
		CwTakeProfitSpec *tp = &out->take_profits[i];
		JsonNode *node = json_array_get_element(array, i);
		JsonObject *o;
		gboolean has_p, has_r;
		const char *unit;
		double level;

		if (!JSON_NODE_HOLDS_OBJECT(node))
			return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, ipath, NULL,
						  "expected an object, got %s",
						  cw_config_node_describe(node));
		o = json_node_get_object(node);
		if (!cw_config_check_keys(o, ipath, cw_take_profit_keys, error))
			return FALSE;
		has_p = json_object_has_member(o, "percent");
		has_r = json_object_has_member(o, "r");
		if (has_p && has_r)
			return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, ipath, NULL,
						  "expected exactly one of percent or r, got both");
		if (!has_p && !has_r)
			return cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, ipath, NULL,
						  "expected exactly one of percent or r, got "
						  "neither");
		unit = has_p ? "percent" : "r";
		if (!cw_config_read_double_range(o, ipath, unit, 0, 0, INFINITY,
						 CW_CONFIG_RANGE_MIN_EXCLUSIVE,
						 has_p ? &tp->percent : &tp->r, error))
			return FALSE;
		if (i > 0 && (out->take_profits[0].r > 0) != has_r)
			return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, ipath, unit,
						  "expected %s like take_profits[0], got %s",
						  has_r ? "percent" : "r", unit);
		if (has_r && out->stop_loss.kind == CW_STOP_NONE)
			return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, ipath, unit,
						  "expected percent when stop_loss.type is none "
						  "(r is a multiple of the stop distance), got r");
		level = has_p ? tp->percent : tp->r;
		if (i > 0) {
			double prev =
			    has_p ? out->take_profits[i - 1].percent : out->take_profits[i - 1].r;

			if (level <= prev) {
				cw_config_format_number(prev, a, sizeof a);
				cw_config_format_number(level, b, sizeof b);
				return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, ipath,
							  unit,
							  "expected a number greater than "
							  "take_profits[%u].%s (%s), got %s",
							  i - 1, unit, a, b);
			}
		}
		has_close[i] = json_object_has_member(o, "close");
		if (has_close[i]) {
			if (!cw_config_read_double_range(o, ipath, "close", 1, 0, 1,
							 CW_CONFIG_RANGE_MIN_EXCLUSIVE,
							 &tp->close_fraction, error))
				return FALSE;
			explicit_sum += tp->close_fraction;
			if (explicit_sum > 1 + CW_TP_EPSILON) {
				cw_config_format_number(explicit_sum, a, sizeof a);
				return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, ipath,
							  "close",
							  "expected the closes of the take profits "
							  "to sum to at most 1, got %s",
							  a);
			}
		} else {
			n_missing++;
		}
	}

	/* Take profits without "close" share evenly what the others leave; the
	 * last of them takes the exact remainder so the closes sum to 1. */
	if (n_missing > 0) {
		double left = 1.0 - explicit_sum;
		double share = left / (double) n_missing;
		guint seen = 0;

		for (guint i = 0; i < out->n_take_profits; i++) {
			if (has_close[i])
				continue;
			if (left <= CW_TP_EPSILON) {
				g_autofree char *ipath = cw_config_path_index(tpath, i);

				cw_config_format_number(explicit_sum, a, sizeof a);
				return cw_config_error_at(
				    error, CW_CONFIG_ERROR_INVALID, ipath, "close",
				    "expected a share of the position, but the other take "
				    "profits already close %s of it",
				    a);
			}
			seen++;
			out->take_profits[i].close_fraction = seen == n_missing ? left : share;
			left -= share;
		}
	}
	return TRUE;
}

static gboolean
cw_strategy_spec_parse_breakeven(JsonObject *exit, const char *epath, CwExitSpec *out,
				 GError **error)
{
	g_autofree char *p = cw_config_path_join(epath, "breakeven");
	JsonObject *o = NULL;

	out->breakeven_at_tp1 = TRUE;
	out->breakeven_offset_pct = 0.05;
	if (exit != NULL && !cw_config_read_object(exit, epath, "breakeven", &o, error))
		return FALSE;
	if (o == NULL)
		return TRUE;
	return cw_config_check_keys(o, p, cw_breakeven_keys, error) &&
	       cw_config_read_bool(o, p, "enabled", TRUE, &out->breakeven_at_tp1, error) &&
	       cw_config_read_double_range(o, p, "offset_pct", 0.05, 0, 100,
					   CW_CONFIG_RANGE_MAX_EXCLUSIVE,
					   &out->breakeven_offset_pct, error);
}

static gboolean
cw_strategy_spec_parse_exit(JsonObject *obj, const char *path, CwExitSpec *out, GError **error)
{
	g_autofree char *p = cw_config_path_join(path, "exit");
	JsonObject *o = NULL;

	if (!cw_config_read_object(obj, path, "exit", &o, error))
		return FALSE;
	if (o != NULL && !cw_config_check_keys(o, p, cw_exit_keys, error))
		return FALSE;
	out->time_exit_candles = 0;
	out->exit_on_opposite_signal = FALSE;
	if (!cw_strategy_spec_parse_stop(o, p, "stop_loss", CW_STOP_PERCENT, &out->stop_loss,
					 error) ||
	    !cw_strategy_spec_parse_take_profits(o, p, out, error) ||
	    !cw_strategy_spec_parse_breakeven(o, p, out, error) ||
	    !cw_strategy_spec_parse_stop(o, p, "trailing", CW_STOP_NONE, &out->trailing, error))
		return FALSE;
	if (o == NULL)
		return TRUE;
	return cw_config_read_uint(o, p, "time_exit_candles", 0, 0, 1000000,
				   &out->time_exit_candles, error) &&
	       cw_config_read_bool(o, p, "exit_on_opposite_signal", FALSE,
				   &out->exit_on_opposite_signal, error);
}

static gboolean
cw_strategy_spec_parse_sizing(JsonObject *obj, const char *path, CwSizingSpec *out, GError **error)
{
	static const char *const modes[] = {"fixed_quote", "risk_percent", "compounding", NULL};
	static const CwSizingKind mode_values[] = {CW_SIZING_FIXED_QUOTE, CW_SIZING_RISK_PERCENT,
						   CW_SIZING_COMPOUNDING};
	g_autofree char *p = cw_config_path_join(path, "sizing");
	g_autoptr(JsonObject) empty = json_object_new();
	JsonObject *o = NULL;
	guint mode = 0;

	if (!cw_config_read_object(obj, path, "sizing", &o, error))
		return FALSE;
	if (o == NULL)
		o = empty; /* every default */
	if (!cw_config_check_keys(o, p, cw_sizing_keys, error) ||
	    !cw_config_read_choice(o, p, "mode", modes, 0, &mode, error) ||
	    !cw_config_read_double_range(o, p, "quote", 1000, 0, INFINITY,
					 CW_CONFIG_RANGE_MIN_EXCLUSIVE, &out->quote, error) ||
	    !cw_config_read_double_range(o, p, "risk_percent", 1, 0, 100,
					 CW_CONFIG_RANGE_MIN_EXCLUSIVE, &out->risk_percent,
					 error) ||
	    !cw_config_read_double(o, p, "reinvest_fraction", 0.5, 0, 1, &out->reinvest_fraction,
				   error) ||
	    !cw_config_read_double(o, p, "protected_deposit", 0, 0, INFINITY,
				   &out->protected_deposit, error) ||
	    !cw_config_read_double(o, p, "max_quote", 0, 0, INFINITY, &out->max_quote, error) ||
	    !cw_config_read_double(o, p, "leverage", 1, 1, 100, &out->leverage, error))
		return FALSE;
	out->kind = mode_values[mode];
	return TRUE;
}

static gboolean
cw_strategy_spec_parse_composite(JsonObject *obj, const char *path, gint64 base_interval_ms,
				 CwStrategySpec *spec, GError **error)
{
	return cw_strategy_spec_parse_analyzers(obj, path, spec, error) &&
	       cw_strategy_spec_parse_aggregation(obj, path, &spec->aggregation, error) &&
	       cw_strategy_spec_parse_filters(obj, path, base_interval_ms, spec, error);
}

/**
 * cw_strategy_spec_parse:
 * @obj: the merged strategy object
 * @path: its JSON path, "strategy" or "strategies[i]"
 * @bot_name: the bot's name, for the quark
 * @default_id: (nullable): id when the object has none; NULL makes it required
 * @base_interval_ms: the bot's interval
 *
 * Composite strategies are validated key by key. Other types keep their
 * "params" object for their implementation, which validates it in
 * configure(); exit and sizing belong to the orchestrator and are parsed for
 * every type.
 */
CwStrategySpec *
cw_strategy_spec_parse(JsonObject *obj, const char *path, const char *bot_name,
		       const char *default_id, gint64 base_interval_ms, GError **error)
{
	g_autoptr(CwStrategySpec) spec = g_new0(CwStrategySpec, 1);
	g_autofree char *quark_name = NULL;
	const char *type = NULL;
	const char *id = NULL;
	const char *description = NULL;
	gboolean composite;

	spec->json_path = g_strdup(path);
	spec->raw = json_object_ref(obj);
	if (!cw_config_read_string(obj, path, "type", "composite", &type, error))
		return NULL;
	composite = g_strcmp0(type, "composite") == 0;
	if (!composite && !cw_extension_exists(CW_EXTENSION_POINT_STRATEGY, type)) {
		g_autofree char *known = cw_strategy_spec_known_types();

		cw_config_error_at(error, CW_CONFIG_ERROR_UNKNOWN_NAME, path, "type",
				   "unknown strategy type '%s' (known: %s)", type, known);
		return NULL;
	}
	spec->type = g_strdup(type);
	if (composite && !cw_config_check_keys(obj, path, cw_composite_keys, error))
		return NULL;

	if (default_id == NULL && !json_object_has_member(obj, "id")) {
		cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, path, "id",
				   "missing required key (1-64 characters of [A-Za-z0-9_.-])");
		return NULL;
	}
	if (!cw_config_read_string(obj, path, "id", default_id, &id, error))
		return NULL;
	if (!cw_config_is_valid_id(id)) {
		cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, path, "id",
				   "expected 1-64 characters of [A-Za-z0-9_.-], got '%s'", id);
		return NULL;
	}
	spec->id = g_strdup(id);
	quark_name = g_strdup_printf("%s:%s", bot_name, id);
	spec->quark = g_quark_from_string(quark_name);
	if (!cw_config_read_string(obj, path, "description", "", &description, error))
		return NULL;
	spec->description = g_strdup(description);

	if (composite) {
		if (!cw_strategy_spec_parse_composite(obj, path, base_interval_ms, spec, error))
			return NULL;
	} else {
		JsonObject *params = NULL;

		if (!cw_config_read_object(obj, path, "params", &params, error))
			return NULL;
		/* Defaults, unused by other types. */
		spec->aggregation = (CwAggregationSpec){0.5, 0.0, 0.1};
		if (!cw_strategy_spec_parse_session(NULL, path, &spec->session, error) ||
		    !cw_strategy_spec_parse_volatility(NULL, path, &spec->volatility, error) ||
		    !cw_strategy_spec_parse_mtf(NULL, path, base_interval_ms, &spec->mtf, error))
			return NULL;
	}
	if (!cw_strategy_spec_parse_exit(obj, path, &spec->exit, error) ||
	    !cw_strategy_spec_parse_sizing(obj, path, &spec->sizing, error))
		return NULL;
	return g_steal_pointer(&spec);
}
