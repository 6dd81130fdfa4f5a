#pragma once

/* The exchange simulator's faults: what it does wrong, and when. Every fault
 * is a counter ("every N", "next N", "after N frames"), so a run is exactly
 * repeatable; the seed only shifts the phase of the "every N" faults. */

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CW_SIM_ERROR (cw_sim_error_quark())
GQuark cw_sim_error_quark(void);

typedef enum {
	CW_SIM_ERROR_FAILED,
	CW_SIM_ERROR_INVALID, /* a bad option, fault or request; the message names it */
} CwSimError;

/* The bad frames the simulator can send, in the order it cycles through them. */
typedef enum {
	CW_SIM_BAD_NOT_JSON,
	CW_SIM_BAD_WRONG_TYPE,
	CW_SIM_BAD_NAN,
	CW_SIM_BAD_TEXT,
	CW_SIM_BAD_PRICE,
	CW_SIM_BAD_HIGH_BELOW_LOW,
	CW_SIM_BAD_NEGATIVE_VOLUME,
	CW_SIM_BAD_UNKNOWN_TOPIC,
	CW_SIM_BAD_OVERSIZED,
	CW_SIM_BAD_BINARY,
	CW_SIM_N_BAD
} CwSimBad;

typedef struct {
	/* per connection, counted in frames sent on it; 0 = off */
	guint close_after_frames;  /* clean close (1001 going away) after N frames */
	guint reset_after_frames;  /* TCP reset after N frames */
	guint silent_after_frames; /* stop sending and answering, stay open */
	/* on the candle stream, by candle index; 0 = off */
	guint bad_every;       /* after every Nth confirmed candle, one bad frame */
	guint bad_kinds;       /* bit mask of CwSimBad; 0 = all */
	guint duplicate_every; /* the confirmed frame twice */
	guint reorder_every;   /* the confirmed frame after the next one */
	guint drop_every;      /* the candle never streamed (REST still has it) */
	/* REST, counted in market requests */
	guint rest_error_next; /* the next N requests fail with rest_error_status */
	guint rest_error_every;
	guint rest_error_status; /* default 503 */
	guint rate_limit_next;   /* the next N: Binance 429 / -1003, Bybit retCode 10006 */
	guint rate_limit_every;
	guint rest_delay_ms; /* every answer this late */
	guint rest_lag_ms;   /* REST serves a candle only this long after it closed */
	guint64 seed;
} CwSimFaults;

void cw_sim_faults_init(CwSimFaults *faults);
/* Sets one fault from text ("drop_every", "7"); bad_kinds takes a comma list
 * of names (cw_sim_bad_to_string) or "all". */
gboolean cw_sim_faults_set(CwSimFaults *faults, const char *key, const char *value, GError **error);
/* Applies a JSON object {"drop_every":7,"bad_kinds":["nan","binary"],...};
 * on an error nothing is changed. Unknown keys are errors naming the known. */
gboolean cw_sim_faults_apply_json(CwSimFaults *faults, JsonNode *node, GError **error);
void cw_sim_faults_to_json(const CwSimFaults *faults, JsonBuilder *builder);
/* Whether an "every N" fault hits event index i; salt separates the faults. */
gboolean cw_sim_faults_hit(const CwSimFaults *faults, guint every, guint salt, guint64 i);
/* The bad kind for the nth bad frame, cycling through the enabled kinds. */
CwSimBad cw_sim_faults_bad_kind(const CwSimFaults *faults, guint64 n);

const char *cw_sim_bad_to_string(CwSimBad kind);
/* The decoder error a bad frame of this kind must produce (CwKlineError). */
int cw_sim_bad_expected_error(CwSimBad kind);

G_END_DECLS
