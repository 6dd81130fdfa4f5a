#pragma once

#if !defined(CW_SERVICES_RUNTIME_INSIDE) && !defined(CW_SERVICES_RUNTIME_COMPILATION)
#error "Only <cw-services-runtime.h> can be included directly."
#endif

#include "cw-core.h"

G_BEGIN_DECLS

#define CW_EQUITY_CURVE_POINTS 4096

typedef struct {
	gint64 time;
	double equity;
	double drawdown_pct; /* <= 0 */
} CwEquityPoint;

/* Per-candle equity statistics and a bounded equity curve. Updating never
 * allocates: the curve keeps at most CW_EQUITY_CURVE_POINTS points and
 * halves its resolution when it fills up. */
typedef struct {
	gint64 interval_ms;
	guint64 n;
	double first_equity;
	double last_equity;
	double peak;
	double max_drawdown;
	double max_drawdown_pct;
	/* per-candle simple returns */
	guint64 n_returns;
	double sum_r;
	double sum_r2;
	double sum_down2;
	/* curve */
	CwEquityPoint *points;
	guint n_points;
	guint stride;      /* candles per point */
	guint64 skip_left; /* candles until the next point is kept */
} CwEquityStats;

void cw_equity_stats_init(CwEquityStats *self, gint64 interval_ms);
void cw_equity_stats_clear(CwEquityStats *self);
void cw_equity_stats_add(CwEquityStats *self, gint64 time, double equity);
/* Annualised from the candle interval; 0 when undefined. */
double cw_equity_stats_get_sharpe(const CwEquityStats *self);
double cw_equity_stats_get_sortino(const CwEquityStats *self);

G_END_DECLS
