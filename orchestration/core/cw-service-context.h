#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-core-types.h"

G_BEGIN_DECLS

/* CwServiceContext: state that every bot of one process shares.
 *
 * - Settings: a string -> GVariant table that the service fills from its
 *   own (service-wide) configuration, e.g.
 *     cw_service_context_set_setting(ctx, "guardrails.max_exposure_pct",
 *                                    g_variant_new_double(50));
 *   Guards read them with the typed getters, which take a default.
 *   Keys used today: "guardrails.max_exposure_pct" (double),
 *   "guardrails.max_positions_total" (uint).
 * - Kill switches: halt_all stops new entries of every bot (exits still
 *   pass); a bot can also be halted alone by its strategy id.
 * - Exposure table: one CwBotExposure per bot, keyed by the strategy id
 *   quark. Guards write their bot's row from on_fill/on_candle and read the
 *   sums, so two bots in one process see each other's positions.
 *
 * The getters, the kill switches and the exposure functions are thread
 * safe and allocate nothing once a bot's row exists. They take a lock, so
 * code that runs every candle uses the lock-free pair instead:
 * cw_service_context_get_halt_serial() (re-read a bot's switch only when
 * it moved) and cw_service_context_write_exposure() (a bot's row through a
 * slot claimed once). One instance per process is the default
 * (cw_service_context_get_default()); tests may create their own. */

/* One bot's row in the exposure table. */
typedef struct {
	double notional;      /* |position qty| x mark price, quote currency */
	double equity;        /* the bot's equity */
	guint open_positions; /* positions the bot holds */
	gint64 updated_at;    /* ms, ctx->now of the update */
} CwBotExposure;

#define CW_TYPE_SERVICE_CONTEXT (cw_service_context_get_type())
G_DECLARE_FINAL_TYPE(CwServiceContext, cw_service_context, CW, SERVICE_CONTEXT, GObject)

CwServiceContext *cw_service_context_new(void);
CwServiceContext *cw_service_context_get_default(void);
/* Forgets settings, kill switches and exposure rows. */
void cw_service_context_reset(CwServiceContext *self);

/* value is sunk when floating; NULL removes the setting. */
void cw_service_context_set_setting(CwServiceContext *self, const char *key, GVariant *value);
GVariant *cw_service_context_get_setting(CwServiceContext *self, const char *key);
gboolean cw_service_context_has_setting(CwServiceContext *self, const char *key);
/* Any numeric variant converts; def when absent or not numeric. */
double cw_service_context_get_double(CwServiceContext *self, const char *key, double def);
/* Integral, non-negative numeric variants convert; def otherwise. */
guint cw_service_context_get_uint(CwServiceContext *self, const char *key, guint def);
gboolean cw_service_context_get_boolean(CwServiceContext *self, const char *key, gboolean def);
/* Lock-free: a number that changes whenever a setting changes (set_setting,
 * reset). A caller may keep a setting's value until the serial moves. */
guint cw_service_context_get_settings_serial(CwServiceContext *self);

/* The "halt-all" property. */
void cw_service_context_set_halt_all(CwServiceContext *self, gboolean halt);
gboolean cw_service_context_get_halt_all(CwServiceContext *self);
void cw_service_context_set_bot_halted(CwServiceContext *self, CwStrategyId bot, gboolean halted);
gboolean cw_service_context_get_bot_halted(CwServiceContext *self, CwStrategyId bot);

/* Lock-free: a number that changes whenever a kill switch changes
 * (set_halt_all to a new value, set_bot_halted, reset). A caller may keep
 * what get_halt_all() and get_bot_halted() said until the serial moves. */
guint cw_service_context_get_halt_serial(CwServiceContext *self);

/* Writes (creates on first use) the row of bot. */
void cw_service_context_update_exposure(CwServiceContext *self, CwStrategyId bot,
					const CwBotExposure *exposure);
void cw_service_context_remove_exposure(CwServiceContext *self, CwStrategyId bot);
gboolean cw_service_context_get_exposure(CwServiceContext *self, CwStrategyId bot,
					 CwBotExposure *out);
/* Sums every row except exclude's (0 excludes nothing) into total
 * (updated_at = the newest). Returns the number of rows summed. */
guint cw_service_context_sum_exposure(CwServiceContext *self, CwStrategyId exclude,
				      CwBotExposure *total);

/* A claimed exposure row; the writer keeps a pointer to it. */
typedef struct _CwExposureSlot CwExposureSlot;

/* Same result as cw_service_context_update_exposure(self, bot, exposure),
 * for the per-candle path: *slot (NULL at first) caches bot's row, and
 * while that row is in the table the write takes no lock, does no lookup
 * and allocates nothing (readers see a row whole, never half written).
 * The first write, a new bot, or a row that was removed meanwhile
 * (remove_exposure, reset) take the locked path, which re-creates the row
 * as update_exposure would. Release the slot with
 * cw_service_context_release_exposure(). */
void cw_service_context_write_exposure(CwServiceContext *self, CwExposureSlot **slot,
				       CwStrategyId bot, const CwBotExposure *exposure);
/* Drops *slot (the row stays in the table) and sets it to NULL. */
void cw_service_context_release_exposure(CwServiceContext *self, CwExposureSlot **slot);
gboolean cw_service_context_exposure_slot_is_current(const CwExposureSlot *slot, CwStrategyId bot);
/* Readers of the exposure table that need it current at every candle (bots
 * under a limit across bots) hold one of these while they exist. */
void cw_service_context_hold_exposure_reader(CwServiceContext *self);
void cw_service_context_release_exposure_reader(CwServiceContext *self);
guint cw_service_context_get_n_exposure_readers(CwServiceContext *self);

G_END_DECLS
