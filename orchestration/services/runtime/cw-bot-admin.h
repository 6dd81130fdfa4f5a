/* CwBotAdmin: the operator's changes to the bots in the store, shared by the
 * `candlewick bots/halt-all/events` commands and the running service (its
 * control API), so that both validate and record a change the same way.
 *
 * Every function works on a CwStore and needs no running service: the
 * service notices the rows changed here when it polls the store.
 *
 * Bots are named by NAME; when no bot has that name and NAME is a number,
 * it is taken as the bot's id (so that a row whose name cannot be read can
 * still be fixed or removed). Rows that the store reports as corrupt are
 * found too: an operator must be able to repair or remove them.
 *
 * Where the operator's commands live in the store:
 *  - a bot's mode: bot_state key "mode" ("active", "reduce_only" or
 *    "halted"; absent means "active"), with a MODE_CHANGED event;
 *  - the service-wide kill switch: the newest event of type KILL_SWITCH
 *    without a bot, payload {"halted": true|false, "source": ...}
 *    (bot_state only holds rows of existing bots);
 *  - statistics the service publishes: bot_state keys "cache" and
 *    "guard_stats" (JSON).
 */
#pragma once

#if !defined(CW_SERVICES_RUNTIME_INSIDE) && !defined(CW_SERVICES_RUNTIME_COMPILATION)
#error "Only <cw-services-runtime.h> can be included directly."
#endif

#include "cw-config.h"
#include "cw-core.h"
#include "cw-services-store.h"

G_BEGIN_DECLS

#define CW_BOT_ADMIN_STATE_MODE        "mode"
#define CW_BOT_ADMIN_STATE_CACHE       "cache"
#define CW_BOT_ADMIN_STATE_GUARD_STATS "guard_stats"
#define CW_BOT_ADMIN_EVENT_KILL_SWITCH "KILL_SWITCH"
#define CW_BOT_ADMIN_EVENT_MODE        "MODE_CHANGED"
/* the operator asked a bot to flatten (payload {"source"}); bot_state
 * "close_request" holds the newest such event's seq, "close_done" the
 * one the service carried out last */
#define CW_BOT_ADMIN_EVENT_CLOSE_REQUESTED "CLOSE_REQUESTED"
#define CW_BOT_ADMIN_STATE_CLOSE_REQUEST   "close_request"
#define CW_BOT_ADMIN_STATE_CLOSE_DONE      "close_done"
/* what the service did with a close: {"request", "source", "outcome", "error"} */
#define CW_BOT_ADMIN_EVENT_MANUAL_CLOSE "MANUAL_CLOSE"
/* a mutation through the control API: token name, route, outcome */
#define CW_BOT_ADMIN_EVENT_AUDIT "AUDIT"
/* reconcile at start found the venue and the store disagreeing:
 * {"what", "client_order_id", "store", "venue", ...} */
#define CW_BOT_ADMIN_EVENT_RECONCILE_DISCREPANCY "RECONCILE_DISCREPANCY"
/* reconcile at start cancelled an own working order that the restored
 * state does not track (its cancel was requested, or nothing the bot
 * still waits for can claim it): {"what", "client_order_id", "store", "venue"} */
#define CW_BOT_ADMIN_EVENT_RECONCILE_CANCEL "RECONCILE_CANCEL"
/* reconcile at start left an own working order the restored state does
 * not track at the venue, for the restored state to claim back (it
 * predates the order): {"what", "client_order_id", "store", "venue"} */
#define CW_BOT_ADMIN_EVENT_RECONCILE_ADOPT "RECONCILE_ADOPT"
/* a live feed's state changed: {"feed", "state", ...the feed's counters} */
#define CW_BOT_ADMIN_EVENT_FEED_STATE "FEED_STATE"
/* a live feed down longer than feed.down_alert_s, then up again:
 * {"feed", "state", "duration_s"} */
#define CW_BOT_ADMIN_EVENT_FEED_DOWN "FEED_DOWN"
#define CW_BOT_ADMIN_EVENT_FEED_UP   "FEED_UP"
/* a restarted bot caught up on the candles that closed while it was down
 * (resting orders filled on them, nothing decided):
 * {"from", "to", "candles", "position_qty"} */
#define CW_BOT_ADMIN_EVENT_DOWNTIME "DOWNTIME"

/* Validates a bot configuration the way the service loads it: parses and
 * checks the document (errors carry the JSON path), then builds and drops
 * one trading orchestrator per strategy, which checks the strategy type,
 * the broker and the guardrails sections. The types must be registered
 * (cw_commands_init_types()). Returns the parsed configuration. */
CwBotConfig *cw_bot_admin_validate(const char *config_json,
				   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Validates config_json and adds it as a new bot named after its "name".
 * Nothing is written when the configuration is invalid or the name taken.
 * Returns the new id (> 0), -1 on error; name (nullable) receives the name. */
gint64 cw_bot_admin_add(CwStore *store, const char *config_json, gboolean enabled, char **name,
			GError **error);

/* Finds a bot by name (or id, see above). out is filled even for a corrupt
 * row (out->corrupt set then); clear it with cw_store_bot_clear(). */
gboolean cw_bot_admin_find(CwStore *store, const char *name, CwStoreBot *out, GError **error);

/* changed (nullable) is FALSE when nothing had to be written. */
gboolean cw_bot_admin_set_enabled(CwStore *store, const char *name, gboolean enabled,
				  gboolean *changed, GError **error);
/* Removes the bot with its orders, positions and state; out (nullable)
 * receives the removed row. */
gboolean cw_bot_admin_remove(CwStore *store, const char *name, CwStoreBot *out, GError **error);

/* Replaces the configuration after validating it; the "name" inside
 * config_json must be the bot's name (renaming is remove + add). */
gboolean cw_bot_admin_set_config(CwStore *store, const char *name, const char *config_json,
				 GError **error);

/* Sets "active_strategy" of the stored configuration to strategy_id. An
 * unknown id is an error that lists the bot's strategy ids. changed
 * (nullable) is FALSE when the strategy was active already: then nothing
 * is written. */
gboolean cw_bot_admin_switch_strategy(CwStore *store, const char *name, const char *strategy_id,
				      gboolean *changed, GError **error);

/* The bot's mode from bot_state ("active" when unset). */
CwBotMode cw_bot_admin_get_mode(CwStore *store, gint64 bot_id, GError **error);
/* Writes the mode and a MODE_CHANGED event {"mode", "source"} in one
 * transaction. source says who asked, e.g. "cli" or "api". */
gboolean cw_bot_admin_set_mode(CwStore *store, const char *name, CwBotMode mode, const char *source,
			       GError **error);
/* Asks the service to flatten the bot's position: a CLOSE_REQUESTED event
 * and bot_state "close_request" = its seq, in one transaction. A running
 * serve carries out each request once, when it next polls the store (as
 * it picks up a mode), and journals MANUAL_CLOSE with the outcome. Returns
 * the request's seq, -1 on error. The events this and the mode and kill
 * switch functions journal get their outbox rows in the same transaction
 * when notifiers are attached to store. */
gint64 cw_bot_admin_request_close(CwStore *store, const char *name, const char *source,
				  GError **error);
/* Parses "active", "reduce_only" (or "reduce-only") and "halted". */
gboolean cw_bot_admin_mode_from_string(const char *text, CwBotMode *mode);

/* Appends the bot as one JSON object (what `bots list --json` prints and
 * GET /api/v1/bots returns): id, name, enabled, status, mode,
 * active_strategy, strategies, times, errors, cache and guard statistics;
 * a corrupt row or an invalid config adds "error" or "config_error". */
void cw_bot_admin_bot_to_json(JsonBuilder *b, CwStore *store, const CwStoreBot *bot, gint64 now);
/* The same with the row's configuration parsed already (config NULL with
 * config_error set when it does not parse), for callers that cache it. */
void cw_bot_admin_bot_to_json_full(JsonBuilder *b, CwStore *store, const CwStoreBot *bot,
				   CwBotConfig *config, const char *config_error, gint64 now);

/* JSON text of node; numbers are written as the shortest text that reads
 * back as the same value (json-glib writes 0.1 as 0.10000000000000001).
 * pretty: two spaces per level, one member per line. */
char *cw_bot_admin_json_to_text(JsonNode *node, gboolean pretty);

/* The service-wide kill switch. seq (nullable) receives the sequence
 * number of the event that set it, 0 when it was never set. */
gboolean cw_bot_admin_set_kill_switch(CwStore *store, gboolean halted, const char *source,
				      GError **error);
gboolean cw_bot_admin_get_kill_switch(CwStore *store, gboolean *halted, gint64 *seq,
				      GError **error);

/* The canonical (stored) name of an event type given in any case, with '-'
 * or '_': the names of cw_event_type_from_string() plus KILL_SWITCH,
 * AUDIT, CLOSE_REQUESTED, MANUAL_CLOSE, RECONCILE_DISCREPANCY, RECONCILE_CANCEL,
 * RECONCILE_ADOPT, FEED_STATE, FEED_DOWN, FEED_UP and DOWNTIME.
 * NULL when unknown. */
const char *cw_bot_admin_event_type_canonical(const char *name);
/* "SIGNAL_NEW, EXIT_SIGNAL, ..., KILL_SWITCH", for error messages. */
char *cw_bot_admin_event_type_list(void);

/* The newest n events of bot_id (-1 any, 0 none) and type (NULL any), in
 * sequence order. Costs O(log seq) queries plus the rows it skips. */
GPtrArray *cw_bot_admin_events_tail(CwStore *store, gint64 bot_id, const char *type, guint n,
				    GError **error);

/* A bot_state row: key, value, updated_at (Unix ms). */
typedef CwStoreState CwBotAdminState;

/* Every bot_state row of the bot, in key order (GPtrArray of
 * CwBotAdminState*), read by the store (cw_store_state_list()). */
GPtrArray *cw_bot_admin_state_list(CwStore *store, gint64 bot_id, GError **error);

G_END_DECLS
