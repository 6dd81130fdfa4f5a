#pragma once

#if !defined(CW_SERVICES_RUNTIME_INSIDE) && !defined(CW_SERVICES_RUNTIME_COMPILATION)
#error "Only <cw-services-runtime.h> can be included directly."
#endif

#include <json-glib/json-glib.h>

#include "cw-equity-stats.h"

G_BEGIN_DECLS

typedef struct {
	char *name;
	guint64 checks;
	guint64 rejections;
	guint64 modifications;
} CwGuardCount;

/* The figures of one strategy's backtest (or of the combined run). */
typedef struct {
	char *bot_name;
	char *strategy_id; /* "<bot>:<strategy>" or "combined" */
	char *symbol;
	char *interval;
	guint64 candles;
	guint64 signals;
	guint n_trades;
	guint wins;
	guint losses;
	double win_rate_pct;
	double initial_balance;
	double final_equity;
	double net_pnl;
	double net_pnl_pct;
	double gross_profit; /* sum of winning trades' net PnL */
	double gross_loss;   /* sum of losing trades' net PnL, as a positive number */
	double fees;
	double profit_factor; /* gross_profit / gross_loss; 0 without losses */
	double max_drawdown;
	double max_drawdown_pct;
	double sharpe;
	double sortino;
	double exposure_pct;
	double avg_duration_s;
	double best_trade;
	double worst_trade;
	double elapsed_s;
	double candles_per_s;
	GArray *guards; /* of CwGuardCount */
} CwBacktestReport;

CwBacktestReport *cw_backtest_report_new(void);
void cw_backtest_report_free(CwBacktestReport *self);
/* Trade figures from closed trades (CwTrade array). */
void cw_backtest_report_add_trades(CwBacktestReport *self, const GArray *trades);
/* Equity figures from the per-candle statistics. */
void cw_backtest_report_set_equity(CwBacktestReport *self, const CwEquityStats *stats,
				   double initial_balance);
/* Final equity after positions were closed at the end of the data. */
void cw_backtest_report_set_final_equity(CwBacktestReport *self, double equity);
void cw_backtest_report_add_guard(CwBacktestReport *self, const char *name, guint64 checks,
				  guint64 rejections, guint64 modifications);

/* Human-readable block for the terminal. */
void cw_backtest_report_append_text(const CwBacktestReport *self, GString *out);
void cw_backtest_report_write_json(const CwBacktestReport *self, CwJsonWriter *w);

/* CSV of trades, one row per trade, deterministic formatting. */
void cw_backtest_trades_append_csv_header(GString *out);
void cw_backtest_trades_append_csv(const char *bot_name, const char *strategy_id,
				   const GArray *trades, GString *out);

/* An SVG with the equity curve above and the drawdown below. */
char *cw_backtest_equity_svg(const char *title, const CwEquityStats *const *curves,
			     const char *const *labels, guint n_curves);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwBacktestReport, cw_backtest_report_free)

G_END_DECLS
