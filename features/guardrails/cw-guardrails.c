/* Registration of every gate on CW_EXTENSION_POINT_GUARD. */
#include "cw-guardrails-private.h"

#include <gio/gio.h>

static const struct {
	GType (*get_type)(void);
	const char *name; /* the gate's key in "guardrails" */
	gint priority;
} cw_guardrails_gates[] = {
    {cw_kill_switch_gate_get_type, "kill_switch", CW_GATE_PRIORITY_KILL_SWITCH},
    {cw_circuit_breaker_gate_get_type, "circuit_breaker", CW_GATE_PRIORITY_CIRCUIT_BREAKER},
    {cw_max_drawdown_gate_get_type, "max_drawdown", CW_GATE_PRIORITY_MAX_DRAWDOWN},
    {cw_daily_loss_gate_get_type, "daily_loss", CW_GATE_PRIORITY_DAILY_LOSS},
    {cw_loss_streak_gate_get_type, "loss_streak", CW_GATE_PRIORITY_LOSS_STREAK},
    {cw_session_guard_get_type, "session", CW_GATE_PRIORITY_SESSION},
    {cw_stale_data_gate_get_type, "stale_data_intervals", CW_GATE_PRIORITY_STALE_DATA},
    {cw_price_band_gate_get_type, "price_band_pct", CW_GATE_PRIORITY_PRICE_BAND},
    {cw_max_order_value_gate_get_type, "max_order_value", CW_GATE_PRIORITY_MAX_ORDER_VALUE},
    {cw_position_cap_gate_get_type, "position_cap", CW_GATE_PRIORITY_POSITION_CAP},
    {cw_max_positions_gate_get_type, "max_positions", CW_GATE_PRIORITY_MAX_POSITIONS},
    {cw_max_leverage_gate_get_type, "max_leverage", CW_GATE_PRIORITY_MAX_LEVERAGE},
    {cw_max_exposure_gate_get_type, "max_exposure_pct", CW_GATE_PRIORITY_MAX_EXPOSURE},
    {cw_rate_limit_gate_get_type, "rate_limit", CW_GATE_PRIORITY_RATE_LIMIT},
    {cw_dry_run_gate_get_type, "dry_run", CW_GATE_PRIORITY_DRY_RUN},
    {cw_instrument_gate_get_type, "instrument", CW_GATE_PRIORITY_INSTRUMENT},
};

/**
 * cw_guardrails_register_types:
 *
 * Registers every gate of the package on CW_EXTENSION_POINT_GUARD under its
 * configuration key, with the priority that orders the pipeline. Safe to
 * call more than once and from several threads.
 */
void
cw_guardrails_register_types(void)
{
	static gsize once = 0;

	cw_extension_points_register();
	if (g_once_init_enter(&once)) {
		for (gsize i = 0; i < G_N_ELEMENTS(cw_guardrails_gates); i++)
			g_io_extension_point_implement(
			    CW_EXTENSION_POINT_GUARD, cw_guardrails_gates[i].get_type(),
			    cw_guardrails_gates[i].name, cw_guardrails_gates[i].priority);
		g_once_init_leave(&once, 1);
	}
}
