#include "cw-services-runtime.h"

#include <math.h>

#include "cw-backtest-report.h"

CwBacktestReport *
cw_backtest_report_new(void)
{
	CwBacktestReport *self = g_new0(CwBacktestReport, 1);

	self->guards = g_array_new(FALSE, TRUE, sizeof(CwGuardCount));
	return self;
}

void
cw_backtest_report_free(CwBacktestReport *self)
{
	if (self == NULL)
		return;
	for (guint i = 0; i < self->guards->len; i++)
		g_free(g_array_index(self->guards, CwGuardCount, i).name);
	g_array_unref(self->guards);
	g_free(self->bot_name);
	g_free(self->strategy_id);
	g_free(self->symbol);
	g_free(self->interval);
	g_free(self);
}

void
cw_backtest_report_add_trades(CwBacktestReport *self, const GArray *trades)
{
	double duration_sum = self->avg_duration_s * self->n_trades;

	for (guint i = 0; i < trades->len; i++) {
		const CwTrade *t = &g_array_index(trades, CwTrade, i);

		if (self->n_trades == 0 || t->net_pnl > self->best_trade)
			self->best_trade = t->net_pnl;
		if (self->n_trades == 0 || t->net_pnl < self->worst_trade)
			self->worst_trade = t->net_pnl;
		self->n_trades++;
		if (t->net_pnl > 0) {
			self->wins++;
			self->gross_profit += t->net_pnl;
		} else {
			self->losses++;
			self->gross_loss -= t->net_pnl;
		}
		self->fees += t->fees;
		duration_sum += (double) (t->exit_time - t->entry_time) / 1000.0;
	}
	self->win_rate_pct = self->n_trades > 0 ? 100.0 * self->wins / self->n_trades : 0;
	self->profit_factor = self->gross_loss > 0 ? self->gross_profit / self->gross_loss : 0;
	self->avg_duration_s = self->n_trades > 0 ? duration_sum / self->n_trades : 0;
}

void
cw_backtest_report_set_equity(CwBacktestReport *self, const CwEquityStats *stats,
			      double initial_balance)
{
	self->initial_balance = initial_balance;
	self->final_equity = stats->n > 0 ? stats->last_equity : initial_balance;
	self->net_pnl = self->final_equity - initial_balance;
	self->net_pnl_pct = initial_balance > 0 ? 100.0 * self->net_pnl / initial_balance : 0;
	self->max_drawdown = stats->max_drawdown;
	self->max_drawdown_pct = stats->max_drawdown_pct;
	self->sharpe = cw_equity_stats_get_sharpe(stats);
	self->sortino = cw_equity_stats_get_sortino(stats);
}

void
cw_backtest_report_set_final_equity(CwBacktestReport *self, double equity)
{
	self->final_equity = equity;
	self->net_pnl = equity - self->initial_balance;
	self->net_pnl_pct =
	    self->initial_balance > 0 ? 100.0 * self->net_pnl / self->initial_balance : 0;
}

void
cw_backtest_report_add_guard(CwBacktestReport *self, const char *name, guint64 checks,
			     guint64 rejections, guint64 modifications)
{
	for (guint i = 0; i < self->guards->len; i++) {
		CwGuardCount *g = &g_array_index(self->guards, CwGuardCount, i);
		if (g_strcmp0(g->name, name) == 0) {
			g->checks += checks;
			g->rejections += rejections;
			g->modifications += modifications;
			return;
		}
	}
	g_array_append_val(self->guards,
			   ((CwGuardCount){g_strdup(name), checks, rejections, modifications}));
}

static void
cw_backtest_report_format_duration(double seconds, char *buf, gsize len)
{
	if (seconds >= 86400)
		g_snprintf(buf, len, "%.1f d", seconds / 86400);
	else if (seconds >= 3600)
		g_snprintf(buf, len, "%.1f h", seconds / 3600);
	else
		g_snprintf(buf, len, "%.0f min", seconds / 60);
}

void
cw_backtest_report_append_text(const CwBacktestReport *self, GString *out)
{
	char dur[32];

	cw_backtest_report_format_duration(self->avg_duration_s, dur, sizeof dur);
	g_string_append_printf(out, "== %s (%s) %s %s ==\n", self->bot_name, self->strategy_id,
			       self->symbol != NULL ? self->symbol : "",
			       self->interval != NULL ? self->interval : "");
	g_string_append_printf(out, "  candles          %" G_GUINT64_FORMAT "\n", self->candles);
	g_string_append_printf(out, "  signals          %" G_GUINT64_FORMAT "\n", self->signals);
	g_string_append_printf(out, "  trades           %u (%u wins, %u losses, win rate %.1f%%)\n",
			       self->n_trades, self->wins, self->losses, self->win_rate_pct);
	g_string_append_printf(out, "  net PnL          %+.2f (%+.2f%%), final equity %.2f\n",
			       self->net_pnl, self->net_pnl_pct, self->final_equity);
	g_string_append_printf(out, "  fees             %.2f\n", self->fees);
	g_string_append_printf(out, "  profit factor    %.2f\n", self->profit_factor);
	g_string_append_printf(out, "  max drawdown     %.2f (%.2f%%)\n", self->max_drawdown,
			       self->max_drawdown_pct);
	g_string_append_printf(out, "  Sharpe / Sortino %.2f / %.2f (annualised)\n", self->sharpe,
			       self->sortino);
	g_string_append_printf(out, "  exposure         %.1f%%, average trade %s\n",
			       self->exposure_pct, dur);
	g_string_append_printf(out, "  best / worst     %+.2f / %+.2f\n", self->best_trade,
			       self->worst_trade);
	for (guint i = 0; i < self->guards->len; i++) {
		const CwGuardCount *g = &g_array_index(self->guards, CwGuardCount, i);
		if (i == 0)
			g_string_append(out,
					"  guards           name: checks / rejected / modified\n");
		g_string_append_printf(out,
				       "    %-18s %" G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT
				       " / %" G_GUINT64_FORMAT "\n",
				       g->name, g->checks, g->rejections, g->modifications);
	}
	g_string_append_printf(out, "  elapsed          %.3f s (%.0f candles/s)\n", self->elapsed_s,
			       self->candles_per_s);
}

/**
 * cw_backtest_report_write_json:
 * @self: the report
 * @w: a writer where a value may come; best made with
 *   CW_JSON_WRITER_NON_FINITE_ZERO, as a figure without a value (the
 *   profit factor without losses) is written as 0 in reports
 *
 * Writes the report as one JSON object.
 */
void
cw_backtest_report_write_json(const CwBacktestReport *self, CwJsonWriter *w)
{
	cw_json_writer_begin_object(w);
	cw_json_writer_member_string(w, "bot", self->bot_name != NULL ? self->bot_name : "");
	cw_json_writer_member_string(w, "strategy_id",
				     self->strategy_id != NULL ? self->strategy_id : "");
	cw_json_writer_member_string(w, "symbol", self->symbol != NULL ? self->symbol : "");
	cw_json_writer_member_string(w, "interval", self->interval != NULL ? self->interval : "");
	cw_json_writer_member_uint(w, "candles", self->candles);
	cw_json_writer_member_uint(w, "signals", self->signals);
	cw_json_writer_member_int(w, "trades", self->n_trades);
	cw_json_writer_member_int(w, "wins", self->wins);
	cw_json_writer_member_int(w, "losses", self->losses);
	cw_json_writer_member_double(w, "win_rate_pct", self->win_rate_pct);
	cw_json_writer_member_double(w, "initial_balance", self->initial_balance);
	cw_json_writer_member_double(w, "final_equity", self->final_equity);
	cw_json_writer_member_double(w, "net_pnl", self->net_pnl);
	cw_json_writer_member_double(w, "net_pnl_pct", self->net_pnl_pct);
	cw_json_writer_member_double(w, "gross_profit", self->gross_profit);
	cw_json_writer_member_double(w, "gross_loss", self->gross_loss);
	cw_json_writer_member_double(w, "fees", self->fees);
	cw_json_writer_member_double(w, "profit_factor", self->profit_factor);
	cw_json_writer_member_double(w, "max_drawdown", self->max_drawdown);
	cw_json_writer_member_double(w, "max_drawdown_pct", self->max_drawdown_pct);
	cw_json_writer_member_double(w, "sharpe", self->sharpe);
	cw_json_writer_member_double(w, "sortino", self->sortino);
	cw_json_writer_member_double(w, "exposure_pct", self->exposure_pct);
	cw_json_writer_member_double(w, "avg_trade_duration_s", self->avg_duration_s);
	cw_json_writer_member_double(w, "best_trade", self->best_trade);
	cw_json_writer_member_double(w, "worst_trade", self->worst_trade);
	cw_json_writer_member_double(w, "elapsed_s", self->elapsed_s);
	cw_json_writer_member_double(w, "candles_per_s", self->candles_per_s);
	cw_json_writer_key(w, "guards");
	cw_json_writer_begin_object(w);
	for (guint i = 0; i < self->guards->len; i++) {
		const CwGuardCount *g = &g_array_index(self->guards, CwGuardCount, i);
		cw_json_writer_key(w, g->name);
		cw_json_writer_begin_object(w);
		cw_json_writer_member_uint(w, "checks", g->checks);
		cw_json_writer_member_uint(w, "rejections", g->rejections);
		cw_json_writer_member_uint(w, "modifications", g->modifications);
		cw_json_writer_end_object(w);
	}
	cw_json_writer_end_object(w);
	cw_json_writer_end_object(w);
}

void
cw_backtest_trades_append_csv_header(GString *out)
{
	g_string_append(out, "bot,strategy,symbol,direction,entry_time,exit_time,entry_price,"
			     "exit_price,qty,fees,gross_pnl,net_pnl,exit_reason\n");
}

static void
cw_backtest_append_time(GString *out, gint64 ms)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(ms / 1000);
	g_autofree char *text = dt != NULL ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : NULL;

	g_string_append(out, text != NULL ? text : "");
}

void
cw_backtest_trades_append_csv(const char *bot_name, const char *strategy_id, const GArray *trades,
			      GString *out)
{
	for (guint i = 0; i < trades->len; i++) {
		const CwTrade *t = &g_array_index(trades, CwTrade, i);

		g_string_append_printf(out, "%s,%s,%s,%s,", bot_name, strategy_id,
				       g_quark_to_string(t->symbol),
				       cw_direction_to_string(t->direction));
		cw_backtest_append_time(out, t->entry_time);
		g_string_append_c(out, ',');
		cw_backtest_append_time(out, t->exit_time);
		g_string_append_printf(out, ",%.10g,%.10g,%.10g,%.6f,%.6f,%.6f,%s\n",
				       t->entry_price, t->exit_price, t->qty, t->fees, t->gross_pnl,
				       t->net_pnl, cw_order_purpose_to_string(t->exit_reason));
	}
}
