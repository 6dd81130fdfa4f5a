#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-domain.h"

G_BEGIN_DECLS

#define CW_EXTENSION_POINT_GUARD "cw-guard"

typedef enum {
	CW_BOT_MODE_ACTIVE,
	CW_BOT_MODE_REDUCE_ONLY,
	CW_BOT_MODE_HALTED,
} CwBotMode;

typedef enum {
	CW_GUARD_ALLOW,
	CW_GUARD_MODIFY, /* allowed after changing the order (quantized, resized) */
	CW_GUARD_REJECT,
} CwGuardVerdict;

/* The account state an order intent is judged against. Filled by the
 * execution layer before the pipeline runs; read only for guards. */
typedef struct {
	CwStrategyId strategy_id;
	const CwInstrument *instrument;
	gint64 now;              /* ms, from the strategy's clock */
	gint64 last_candle_time; /* open time of the last closed candle */
	gint64 interval_ms;
	double mark_price; /* last close */
	double equity;
	double balance;
	double peak_equity;
	double position_qty; /* signed: > 0 long, < 0 short */
	double position_entry_price;
	guint open_positions; /* of this bot */
	gboolean reduces;     /* the order only reduces or closes the position */
} CwGuardContext;

#define CW_TYPE_GUARD (cw_guard_get_type())
G_DECLARE_INTERFACE(CwGuard, cw_guard, CW, GUARD, GObject)

struct _CwGuardInterface {
	GTypeInterface g_iface;
	const char *(*get_name)(CwGuard *self);
	/* Reads the bot's "guardrails" section. Sets *active to FALSE when the
	 * config does not use this guard, so the pipeline can drop it. */
	gboolean (*configure)(CwGuard *self, const CwBotConfig *config, gboolean *active,
			      GError **error);
	/* Hot path: must not allocate. On REJECT writes a reason for humans. */
	CwGuardVerdict (*check)(CwGuard *self, const CwGuardContext *ctx, CwOrder *order,
				char *reason, gsize reason_len);
	/* Optional notifications that let a guard keep its own tallies. */
	void (*on_fill)(CwGuard *self, const CwGuardContext *ctx, const CwFill *fill);
	void (*on_trade)(CwGuard *self, const CwGuardContext *ctx, const CwTrade *trade);
	void (*on_candle)(CwGuard *self, const CwGuardContext *ctx, const CwCandle *candle);
	/* Optional: the mode this guard demands (ACTIVE when it demands nothing). */
	CwBotMode (*get_mode)(CwGuard *self);
	/* Optional persistence of the guard's tallies and mode (daily loss, loss
	 * streak, circuit breaker...). save_state returns NULL when there is
	 * nothing to keep; load_state gets what save_state returned earlier. */
	char *(*save_state)(CwGuard *self);
	gboolean (*load_state)(CwGuard *self, const char *json, GError **error);
	/* Optional: TRUE while the guard asks the orchestrator to close every
	 * position of the bot (daily loss emergency close, session end). */
	gboolean (*wants_flatten)(CwGuard *self);
	/* Optional: the broker refused or failed an order the pipeline allowed. */
	void (*on_order_error)(CwGuard *self, const CwGuardContext *ctx, const CwOrder *order,
			       const GError *error);
	/* Optional: TRUE when the guard's decisions read what other bots write
	 * to the CwServiceContext (exposure rows) under the limits in force now.
	 * Bots whose guards all say FALSE do not see each other, so a backtest
	 * may run each of them over a block of candles in turn instead of all
	 * of them candle by candle. Missing means FALSE. */
	gboolean (*reads_other_bots)(CwGuard *self);
	/* Optional: the bot's trading state was restored from a snapshot
	 * (recovery, before its warm-up): a guard that publishes what it
	 * derives from the position (the exposure rows other bots read)
	 * publishes it now, as a fill would have. */
	void (*on_restore)(CwGuard *self, const CwGuardContext *ctx);
};

const char *cw_guard_get_name(CwGuard *self);
gboolean cw_guard_configure(CwGuard *self, const CwBotConfig *config, gboolean *active,
			    GError **error);
CwGuardVerdict cw_guard_check(CwGuard *self, const CwGuardContext *ctx, CwOrder *order,
			      char *reason, gsize reason_len);
void cw_guard_on_fill(CwGuard *self, const CwGuardContext *ctx, const CwFill *fill);
void cw_guard_on_trade(CwGuard *self, const CwGuardContext *ctx, const CwTrade *trade);
void cw_guard_on_candle(CwGuard *self, const CwGuardContext *ctx, const CwCandle *candle);
CwBotMode cw_guard_get_mode(CwGuard *self);
char *cw_guard_save_state(CwGuard *self);
gboolean cw_guard_load_state(CwGuard *self, const char *json, GError **error);
gboolean cw_guard_wants_flatten(CwGuard *self);
gboolean cw_guard_reads_other_bots(CwGuard *self);
void cw_guard_on_restore(CwGuard *self, const CwGuardContext *ctx);
void cw_guard_on_order_error(CwGuard *self, const CwGuardContext *ctx, const CwOrder *order,
			     const GError *error);
const char *cw_bot_mode_to_string(CwBotMode mode);

G_END_DECLS
