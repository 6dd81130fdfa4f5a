#include "cw-services-runtime.h"

#include <math.h>

#include "cw-equity-stats.h"

void
cw_equity_stats_init(CwEquityStats *self, gint64 interval_ms)
{
	memset(self, 0, sizeof *self);
	self->interval_ms = interval_ms;
	self->points = g_new0(CwEquityPoint, CW_EQUITY_CURVE_POINTS);
	self->stride = 1;
}

void
cw_equity_stats_clear(CwEquityStats *self)
{
	g_clear_pointer(&self->points, g_free);
}

static void
cw_equity_stats_keep_point(CwEquityStats *self, gint64 time, double equity, double dd_pct)
{
	if (self->skip_left > 0) {
		self->skip_left--;
		return;
	}
	if (self->n_points == CW_EQUITY_CURVE_POINTS) {
		/* halve the resolution in place: keep every other point */
		for (guint i = 0; i < CW_EQUITY_CURVE_POINTS / 2; i++)
			self->points[i] = self->points[i * 2];
		self->n_points = CW_EQUITY_CURVE_POINTS / 2;
		self->stride *= 2;
	}
	self->points[self->n_points++] = (CwEquityPoint){time, equity, dd_pct};
	self->skip_left = self->stride - 1;
}

void
cw_equity_stats_add(CwEquityStats *self, gint64 time, double equity)
{
	double dd, dd_pct;

	if (self->n == 0) {
		self->first_equity = equity;
		self->peak = equity;
	} else if (self->last_equity > 0) {
		double r = equity / self->last_equity - 1.0;
		self->n_returns++;
		self->sum_r += r;
		self->sum_r2 += r * r;
		if (r < 0)
			self->sum_down2 += r * r;
	}
	self->n++;
	self->last_equity = equity;
	if (equity > self->peak)
		self->peak = equity;
	dd = self->peak - equity;
	dd_pct = self->peak > 0 ? dd / self->peak * 100.0 : 0;
	if (dd > self->max_drawdown)
		self->max_drawdown = dd;
	if (dd_pct > self->max_drawdown_pct)
		self->max_drawdown_pct = dd_pct;
	cw_equity_stats_keep_point(self, time, equity, -dd_pct);
}

static double
cw_equity_stats_periods_per_year(const CwEquityStats *self)
{
	if (self->interval_ms <= 0)
		return 0;
	return 365.0 * 86400000.0 / (double) self->interval_ms;
}

double
cw_equity_stats_get_sharpe(const CwEquityStats *self)
{
	double mean, var;

	if (self->n_returns < 2)
		return 0;
	mean = self->sum_r / (double) self->n_returns;
	/* sample variance */
	var = (self->sum_r2 - self->n_returns * mean * mean) / (double) (self->n_returns - 1);
	if (var <= 1e-30)
		return 0;
	return mean / sqrt(var) * sqrt(cw_equity_stats_periods_per_year(self));
}

double
cw_equity_stats_get_sortino(const CwEquityStats *self)
{
	double mean, down;

	if (self->n_returns < 2)
		return 0;
	mean = self->sum_r / (double) self->n_returns;
	down = sqrt(self->sum_down2 / (double) self->n_returns);
	if (down <= 1e-15)
		return 0;
	return mean / down * sqrt(cw_equity_stats_periods_per_year(self));
}
