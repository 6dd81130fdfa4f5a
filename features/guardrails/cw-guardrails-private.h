/* Internal to features/guardrails: gate types, priorities and the helpers
 * the gates share. */
#pragma once

#if !defined(CW_GUARDRAILS_COMPILATION)
#error "cw-guardrails-private.h is internal to features/guardrails."
#endif

#include "cw-guardrails.h"
#include "cw-config.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Priorities on CW_EXTENSION_POINT_GUARD; the pipeline runs higher first.
 * Mode-setting gates come first so their reason wins, the loss streak
 * resizes before the value and exposure gates see the order, the rate
 * limit counts only orders that passed the risk gates, and the instrument
 * rules quantize last. */
#define CW_GATE_PRIORITY_KILL_SWITCH     100
#define CW_GATE_PRIORITY_CIRCUIT_BREAKER 95
#define CW_GATE_PRIORITY_MAX_DRAWDOWN    90
#define CW_GATE_PRIORITY_DAILY_LOSS      85
#define CW_GATE_PRIORITY_LOSS_STREAK     80
#define CW_GATE_PRIORITY_SESSION         75
#define CW_GATE_PRIORITY_STALE_DATA      70
#define CW_GATE_PRIORITY_PRICE_BAND      65
#define CW_GATE_PRIORITY_MAX_ORDER_VALUE 60
#define CW_GATE_PRIORITY_POSITION_CAP    55
#define CW_GATE_PRIORITY_MAX_POSITIONS   50
#define CW_GATE_PRIORITY_MAX_LEVERAGE    45
#define CW_GATE_PRIORITY_MAX_EXPOSURE    40
#define CW_GATE_PRIORITY_RATE_LIMIT      20
#define CW_GATE_PRIORITY_DRY_RUN         (-90)
#define CW_GATE_PRIORITY_INSTRUMENT      (-100)

/* Service settings the gates read (CwServiceContext). */
#define CW_SETTING_MAX_EXPOSURE_PCT    "guardrails.max_exposure_pct"
#define CW_SETTING_MAX_POSITIONS_TOTAL "guardrails.max_positions_total"

/* The gates' CwGuardInterface functions cast their CwGuard * with a plain
 * C cast, not the checked CW_..._GATE() macro: they are only reached
 * through their own type's vtable, and the checked cast was a seventh of
 * the time of a pipeline check. */
GType cw_kill_switch_gate_get_type(void);
GType cw_circuit_breaker_gate_get_type(void);
GType cw_max_drawdown_gate_get_type(void);
GType cw_daily_loss_gate_get_type(void);
GType cw_loss_streak_gate_get_type(void);
GType cw_session_guard_get_type(void);
GType cw_stale_data_gate_get_type(void);
GType cw_price_band_gate_get_type(void);
GType cw_max_order_value_gate_get_type(void);
GType cw_position_cap_gate_get_type(void);
GType cw_max_positions_gate_get_type(void);
GType cw_max_leverage_gate_get_type(void);
GType cw_max_exposure_gate_get_type(void);
GType cw_rate_limit_gate_get_type(void);
GType cw_dry_run_gate_get_type(void);
GType cw_instrument_gate_get_type(void);

/* cw-guardrails-section.c: the "guardrails" section and its known keys. */

/* Every top-level key of "guardrails", NULL-terminated, sorted. */
extern const char *const cw_guardrails_known_keys[];

/* *out = the bot's "guardrails" object (owned by config), or NULL when the
 * section is absent. Fails when it is not an object or has an unknown key. */
gboolean cw_guardrails_get_section(const CwBotConfig *config, JsonObject **out, GError **error);

/* cw-gate.c: helpers every gate shares. They allocate nothing. */

/* TRUE when the order only reduces or closes the position (ctx->reduces). */
gboolean cw_gate_is_exit(const CwGuardContext *ctx, const CwOrder *order);
/* The price an order's notional is valued at: the limit price, the stop's
 * price or trigger, or the mark price for market orders. */
double cw_gate_order_price(const CwGuardContext *ctx, const CwOrder *order);
/* The signed position after the order fills completely. */
double cw_gate_position_after(const CwGuardContext *ctx, const CwOrder *order);
/* value > limit, with a relative tolerance for binary rounding. */
gboolean cw_gate_exceeds(double value, double limit);
/* Writes the reason and returns CW_GUARD_REJECT. */
CwGuardVerdict cw_gate_reject(char *reason, gsize reason_len, const char *format, ...)
    G_GNUC_PRINTF(3, 4);
/* Writes a human reason when a buffer is given (MODIFY, ALLOW notes). */
void cw_gate_note(char *reason, gsize reason_len, const char *format, ...) G_GNUC_PRINTF(3, 4);
/* Judges an order against a mode the gate demands (cause says why), with
 * the semantics of cw_guard_pipeline_mode_allows() in orchestration/execution:
 * ACTIVE allows everything; REDUCE_ONLY allows exits (ctx->reduces) only;
 * HALTED allows only exits that protect or flatten: stop-loss and
 * trailing-stop orders, manual and guard exits. */
CwGuardVerdict cw_gate_check_mode(CwBotMode mode, const CwGuardContext *ctx, const CwOrder *order,
				  const char *cause, char *reason, gsize reason_len);
/* "buy 0.012 BTCUSDT market", "sell 1 ETHUSDT limit @ 2500". */
void cw_gate_describe_order(const CwOrder *order, double qty, double price, char *buf,
			    gsize buf_len);

/* cw-guard-state.c: JSON documents of save_state()/load_state(). */

/* Starts {"gate": name, "version": 1, "mode": "..."}; add members, then end. */
JsonBuilder *cw_guard_state_begin(const char *gate, CwBotMode mode);
char *cw_guard_state_end(JsonBuilder *builder);
/* Parses a document of this gate (checks "gate"); *mode from "mode". */
JsonObject *cw_guard_state_parse(const char *json, const char *gate, CwBotMode *mode,
				 GError **error);
gboolean cw_guard_state_get_double(JsonObject *state, const char *gate, const char *key,
				   double *out, GError **error);
gboolean cw_guard_state_get_int(JsonObject *state, const char *gate, const char *key, gint64 min,
				gint64 max, gint64 *out, GError **error);
gboolean cw_guard_state_get_bool(JsonObject *state, const char *gate, const char *key,
				 gboolean *out, GError **error);
gboolean cw_guard_state_get_string(JsonObject *state, const char *gate, const char *key,
				   const char **out, GError **error);

/* cw-local-time.c: UTC <-> local wall time through a GTimeZone, without
 * allocating (interval lookups only), DST-correct. */
typedef struct {
	gint64 day;      /* local civil day, days since 1970-01-01 */
	guint minute;    /* minutes after local midnight, [0, 1440) */
	guint weekday;   /* 0 = Monday ... 6 = Sunday */
	gint32 offset_s; /* UTC offset in effect, seconds */
} CwLocalTime;

void cw_local_time_from_utc(GTimeZone *tz, gint64 utc_ms, CwLocalTime *out);
/* The UTC instant (ms) of wall time minute on local day. A wall time that
 * a DST gap skips gives the end of the gap (02:30 -> 03:00); one that the
 * fall-back hour repeats gives one of its two instants. */
gint64 cw_local_time_to_utc(GTimeZone *tz, gint64 day, guint minute);
/* The instant of the local midnight that starts the day after utc_ms's. */
gint64 cw_local_time_next_midnight(GTimeZone *tz, gint64 utc_ms);
gint64 cw_local_day_from_civil(gint year, guint month, guint mday);
void cw_local_day_to_civil(gint64 day, gint *year, guint *month, guint *mday);
/* A zone as cw_config_time_zone_new() accepts it (an IANA name of the zone
 * database, "UTC", "+05:00"); NULL when refused. */
GTimeZone *cw_local_time_zone_new(const char *identifier);
/* A gate's "timezone" setting: replaces *tz by the zone named name; FALSE
 * (and *tz NULL) with an error at path.timezone when it is refused. */
gboolean cw_local_time_zone_configure(GTimeZone **tz, const char *name, const char *path,
				      GError **error);

G_END_DECLS
