#pragma once

#if !defined(CW_SERVICES_RUNTIME_INSIDE) && !defined(CW_SERVICES_RUNTIME_COMPILATION)
#error "Only <cw-services-runtime.h> can be included directly."
#endif

#include "cw-backtest-report.h"
#include "cw-config.h"
#include "cw-strategies.h"

G_BEGIN_DECLS

/* Runs several bot configurations over one stream of historical candles in
 * one pass. Each bot gets its own trading orchestrator (the very engine
 * `serve` uses); only the clock and the feed differ from live trading. */
#define CW_TYPE_BACKTEST (cw_backtest_get_type())
G_DECLARE_FINAL_TYPE(CwBacktest, cw_backtest, CW, BACKTEST, GObject)

CwBacktest *cw_backtest_new(void);
/* Adds a bot running its active strategy. */
gboolean cw_backtest_add_bot(CwBacktest *self, CwBotConfig *config, GError **error);
/* from_ms/to_ms bound the candles' open times (0 = unbounded; to is exclusive). */
void cw_backtest_set_range(CwBacktest *self, gint64 from_ms, gint64 to_ms);
/* Candles each bot runs before the next one when the bots do not see each
 * other; 1 = every bot candle by candle (lockstep). */
#define CW_BACKTEST_DEFAULT_BLOCK_CANDLES 64
void cw_backtest_set_block_candles(CwBacktest *self, guint n);
gboolean cw_backtest_get_ran_in_blocks(CwBacktest *self);
/* Data of a shorter interval than the bots' that divides it is resampled up
 * to the bots' interval (CwCandleResampler); all bots trade one interval. */
gboolean cw_backtest_run(CwBacktest *self, CwCandleSource *source, GError **error);
const char *cw_backtest_get_resampled(CwBacktest *self);
const CwCandleResampler *cw_backtest_get_resampler(CwBacktest *self);

guint cw_backtest_get_n_bots(CwBacktest *self);
guint64 cw_backtest_get_n_candles(CwBacktest *self);
const CwBotConfig *cw_backtest_get_config(CwBacktest *self, guint bot);
const GArray *cw_backtest_get_trades(CwBacktest *self, guint bot);
/* bot = G_MAXUINT: the combined equity of every bot. */
const CwEquityStats *cw_backtest_get_equity(CwBacktest *self, guint bot);
/* bot = G_MAXUINT: the combined report. */
CwBacktestReport *cw_backtest_build_report(CwBacktest *self, guint bot);
/* Equity minus cash minus open PnL, worst case over every candle and bot:
 * the accounting invariant, 0 up to rounding. */
double cw_backtest_get_max_equity_error(CwBacktest *self);

G_END_DECLS
