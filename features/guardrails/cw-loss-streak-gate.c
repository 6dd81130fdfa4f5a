/* loss_streak {multipliers, stop_after}: after N losing trades in a row the
 * quantity of entry orders is multiplied by the multiplier of the largest
 * N <= streak (MODIFY); after stop_after losses in a row (0 = never) the gate
 * demands HALTED, and that latches until the saved state is cleared. A
 * winning trade (net PnL > 0) resets the streak; a trade at exactly zero
 * leaves it unchanged. Only orders with purpose ENTRY are resized. */
#include "cw-guardrails-private.h"

#include <math.h>

#define CW_LOSS_STREAK_NAME            "loss_streak"
#define CW_LOSS_STREAK_MAX_MULTIPLIERS 16

typedef struct {
	guint losses;
	double multiplier;
} CwLossStreakStep;

struct _CwLossStreakGate {
	GObject parent_instance;
	CwLossStreakStep steps[CW_LOSS_STREAK_MAX_MULTIPLIERS]; /* losses ascending */
	guint n_steps;
	guint stop_after;
	/* state */
	guint streak;
	gboolean halted;
	char cause[CW_REASON_LEN];
};

G_DECLARE_FINAL_TYPE(CwLossStreakGate, cw_loss_streak_gate, CW, LOSS_STREAK_GATE, GObject)

static void cw_loss_streak_gate_guard_init(CwGuardInterface *iface);

G_DEFINE_TYPE_WITH_CODE(CwLossStreakGate, cw_loss_streak_gate, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(CW_TYPE_GUARD, cw_loss_streak_gate_guard_init))

static const char *const cw_loss_streak_keys[] = {"multipliers", "stop_after", NULL};

static const char *
cw_loss_streak_gate_get_name(CwGuard *guard)
{
	return CW_LOSS_STREAK_NAME;
}

/* A JSON number at node, or an error at path. */
static gboolean
cw_loss_streak_node_number(JsonNode *node, const char *path, double *out, GError **error)
{
	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    (json_node_get_value_type(node) != G_TYPE_INT64 &&
	     json_node_get_value_type(node) != G_TYPE_DOUBLE))
		return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, path, NULL,
					  "expected a number, got %s",
					  node != NULL ? cw_config_node_describe(node) : "nothing");
	*out = json_node_get_double(node);
	if (!isfinite(*out))
		return cw_config_error_at(error, CW_CONFIG_ERROR_RANGE, path, NULL,
					  "expected a finite number");
	return TRUE;
}

static gboolean
cw_loss_streak_parse_step(JsonNode *node, const char *path, const CwLossStreakStep *prev,
			  CwLossStreakStep *out, GError **error)
{
	g_autofree char *losses_path = cw_config_path_index(path, 0);
	g_autofree char *mult_path = cw_config_path_index(path, 1);
	JsonArray *pair;
	double losses = 0, mult = 0; /* set by node_number; -O3 cannot tell */

	if (!JSON_NODE_HOLDS_ARRAY(node) || json_array_get_length(json_node_get_array(node)) != 2)
		return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, path, NULL,
					  "expected [losses, multiplier], got %s",
					  JSON_NODE_HOLDS_ARRAY(node)
					      ? "an array of another length"
					      : cw_config_node_describe(node));
	pair = json_node_get_array(node);
	if (!cw_loss_streak_node_number(json_array_get_element(pair, 0), losses_path, &losses,
					error))
		return FALSE;
	if (losses < 1 || losses > 1000000 || losses != floor(losses))
		return cw_config_error_at(error, CW_CONFIG_ERROR_RANGE, losses_path, NULL,
					  "expected an integer >= 1, got %g", losses);
	if (prev != NULL && losses <= prev->losses)
		return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, losses_path, NULL,
					  "expected more than %u (the previous entry's losses), "
					  "got %g",
					  prev->losses, losses);
	if (!cw_loss_streak_node_number(json_array_get_element(pair, 1), mult_path, &mult, error))
		return FALSE;
	if (!(mult > 0 && mult <= 1))
		return cw_config_error_at(error, CW_CONFIG_ERROR_RANGE, mult_path, NULL,
					  "expected a number in (0, 1], got %g", mult);
	out->losses = (guint) losses;
	out->multiplier = mult;
	return TRUE;
}

static gboolean
cw_loss_streak_gate_configure(CwGuard *guard, const CwBotConfig *config, gboolean *active,
			      GError **error)
{
	CwLossStreakGate *self = (CwLossStreakGate *) guard;
	const char *path = "guardrails.loss_streak";
	g_autofree char *mult_path = NULL;
	JsonObject *section, *obj = NULL;
	JsonArray *multipliers = NULL;

	if (!cw_guardrails_get_section(config, &section, error))
		return FALSE;
	*active = FALSE;
	if (section == NULL)
		return TRUE;
	if (!cw_config_read_object(section, "guardrails", "loss_streak", &obj, error))
		return FALSE;
	if (obj == NULL)
		return TRUE;
	if (!cw_config_check_keys(obj, path, cw_loss_streak_keys, error) ||
	    !cw_config_read_array(obj, path, "multipliers", 0, CW_LOSS_STREAK_MAX_MULTIPLIERS,
				  &multipliers, error) ||
	    !cw_config_read_uint(obj, path, "stop_after", 0, 0, 1000000, &self->stop_after, error))
		return FALSE;
	mult_path = cw_config_path_join(path, "multipliers");
	self->n_steps = 0;
	for (guint i = 0; multipliers != NULL && i < json_array_get_length(multipliers); i++) {
		g_autofree char *elem_path = cw_config_path_index(mult_path, i);

		if (!cw_loss_streak_parse_step(json_array_get_element(multipliers, i), elem_path,
					       i > 0 ? &self->steps[i - 1] : NULL, &self->steps[i],
					       error))
			return FALSE;
		self->n_steps++;
	}
	*active = TRUE;
	return TRUE;
}

static double
cw_loss_streak_gate_multiplier(CwLossStreakGate *self)
{
	double mult = 1.0;

	for (guint i = 0; i < self->n_steps && self->steps[i].losses <= self->streak; i++)
		mult = self->steps[i].multiplier;
	return mult;
}

static CwGuardVerdict
cw_loss_streak_gate_check(CwGuard *guard, const CwGuardContext *ctx, CwOrder *order, char *reason,
			  gsize reason_len)
{
	CwLossStreakGate *self = (CwLossStreakGate *) guard;
	double mult, qty;

	if (self->halted)
		return cw_gate_check_mode(CW_BOT_MODE_HALTED, ctx, order, self->cause, reason,
					  reason_len);
	if (order->purpose != CW_ORDER_PURPOSE_ENTRY)
		return CW_GUARD_ALLOW;
	mult = cw_loss_streak_gate_multiplier(self);
	if (mult >= 1.0)
		return CW_GUARD_ALLOW;
	qty = order->qty;
	order->qty = qty * mult;
	cw_gate_note(reason, reason_len, "loss streak %u: qty x %.10g (%.10g -> %.10g)",
		     self->streak, mult, qty, order->qty);
	return CW_GUARD_MODIFY;
}

static void
cw_loss_streak_gate_on_trade(CwGuard *guard, const CwGuardContext *ctx, const CwTrade *trade)
{
	CwLossStreakGate *self = (CwLossStreakGate *) guard;

	if (trade->net_pnl > 0)
		self->streak = 0;
	else if (trade->net_pnl < 0)
		self->streak++;
	if (!self->halted && self->stop_after > 0 && self->streak >= self->stop_after) {
		self->halted = TRUE;
		g_snprintf(self->cause, sizeof self->cause,
			   "loss streak: %u losing trades in a row (stop_after %u)", self->streak,
			   self->stop_after);
	}
}

static CwBotMode
cw_loss_streak_gate_get_mode(CwGuard *guard)
{
	return ((CwLossStreakGate *) guard)->halted ? CW_BOT_MODE_HALTED : CW_BOT_MODE_ACTIVE;
}

static char *
cw_loss_streak_gate_save_state(CwGuard *guard)
{
	CwLossStreakGate *self = (CwLossStreakGate *) guard;
	JsonBuilder *b =
	    cw_guard_state_begin(CW_LOSS_STREAK_NAME, cw_loss_streak_gate_get_mode(guard));

	json_builder_set_member_name(b, "streak");
	json_builder_add_int_value(b, self->streak);
	json_builder_set_member_name(b, "cause");
	json_builder_add_string_value(b, self->cause);
	return cw_guard_state_end(b);
}

static gboolean
cw_loss_streak_gate_load_state(CwGuard *guard, const char *json, GError **error)
{
	CwLossStreakGate *self = (CwLossStreakGate *) guard;
	g_autoptr(JsonObject) state = NULL;
	CwBotMode mode;
	gint64 streak;
	const char *cause;

	state = cw_guard_state_parse(json, CW_LOSS_STREAK_NAME, &mode, error);
	if (state == NULL ||
	    !cw_guard_state_get_int(state, CW_LOSS_STREAK_NAME, "streak", 0, G_MAXUINT, &streak,
				    error) ||
	    !cw_guard_state_get_string(state, CW_LOSS_STREAK_NAME, "cause", &cause, error))
		return FALSE;
	self->streak = (guint) streak;
	self->halted = mode == CW_BOT_MODE_HALTED;
	g_strlcpy(self->cause, cause, sizeof self->cause);
	return TRUE;
}

static void
cw_loss_streak_gate_guard_init(CwGuardInterface *iface)
{
	iface->get_name = cw_loss_streak_gate_get_name;
	iface->configure = cw_loss_streak_gate_configure;
	iface->check = cw_loss_streak_gate_check;
	iface->on_trade = cw_loss_streak_gate_on_trade;
	iface->get_mode = cw_loss_streak_gate_get_mode;
	iface->save_state = cw_loss_streak_gate_save_state;
	iface->load_state = cw_loss_streak_gate_load_state;
}

static void
cw_loss_streak_gate_class_init(CwLossStreakGateClass *klass)
{
}

static void
cw_loss_streak_gate_init(CwLossStreakGate *self)
{
}
