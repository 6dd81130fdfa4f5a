/* Draws equity curves and their drawdowns as a standalone SVG document. */
#include "cw-services-runtime.h"

#include <math.h>

#include "cw-backtest-report.h"

#define SVG_W     1000.0
#define SVG_H     620.0
#define SVG_LEFT  80.0
#define SVG_RIGHT 20.0
#define SVG_TOP   40.0
#define SVG_EQ_H  360.0
#define SVG_GAP   40.0
#define SVG_DD_H  140.0

static const char *const cw_svg_colors[] = {"#1f77b4", "#d62728", "#2ca02c",
					    "#9467bd", "#ff7f0e", "#8c564b"};

static void
cw_svg_escape(GString *out, const char *text)
{
	g_autofree char *esc = g_markup_escape_text(text != NULL ? text : "", -1);
	g_string_append(out, esc);
}

static void
cw_svg_time_label(GString *out, gint64 ms)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(ms / 1000);
	g_autofree char *text = dt != NULL ? g_date_time_format(dt, "%Y-%m-%d") : g_strdup("");

	g_string_append(out, text);
}

char *
cw_backtest_equity_svg(const char *title, const CwEquityStats *const *curves,
		       const char *const *labels, guint n_curves)
{
	GString *out = g_string_new(NULL);
	gint64 t0 = G_MAXINT64, t1 = G_MININT64;
	double e0 = G_MAXDOUBLE, e1 = -G_MAXDOUBLE, dd_min = 0;
	double plot_w = SVG_W - SVG_LEFT - SVG_RIGHT;
	double dd_top = SVG_TOP + SVG_EQ_H + SVG_GAP;

	for (guint c = 0; c < n_curves; c++) {
		for (guint i = 0; i < curves[c]->n_points; i++) {
			const CwEquityPoint *p = &curves[c]->points[i];
			t0 = MIN(t0, p->time);
			t1 = MAX(t1, p->time);
			e0 = MIN(e0, p->equity);
			e1 = MAX(e1, p->equity);
			dd_min = MIN(dd_min, p->drawdown_pct);
		}
	}
	if (t1 <= t0)
		t1 = t0 + 1;
	if (e1 - e0 < 1e-9) {
		e0 -= 1;
		e1 += 1;
	}
	if (dd_min > -1e-9)
		dd_min = -1;

	g_string_append_printf(out,
			       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			       "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
			       "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
			       "font-family=\"sans-serif\" font-size=\"12\">\n",
			       SVG_W, SVG_H, SVG_W, SVG_H);
	g_string_append(out, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
	g_string_append(out, "<text x=\"80\" y=\"24\" font-size=\"16\" font-weight=\"bold\">");
	cw_svg_escape(out, title);
	g_string_append(out, "</text>\n");

	/* frames and axis labels */
	g_string_append_printf(out,
			       "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			       "fill=\"none\" stroke=\"#999\"/>\n",
			       SVG_LEFT, SVG_TOP, plot_w, SVG_EQ_H);
	g_string_append_printf(out,
			       "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			       "fill=\"none\" stroke=\"#999\"/>\n",
			       SVG_LEFT, dd_top, plot_w, SVG_DD_H);
	g_string_append_printf(out,
			       "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n"
			       "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n"
			       "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">0%%</text>\n"
			       "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.1f%%</text>\n"
			       "<text x=\"%.1f\" y=\"%.1f\">equity</text>\n"
			       "<text x=\"%.1f\" y=\"%.1f\">drawdown</text>\n",
			       SVG_LEFT - 6, SVG_TOP + 12, e1, SVG_LEFT - 6, SVG_TOP + SVG_EQ_H, e0,
			       SVG_LEFT - 6, dd_top + 12, SVG_LEFT - 6, dd_top + SVG_DD_H, dd_min,
			       SVG_LEFT + 6, SVG_TOP + 16, SVG_LEFT + 6, dd_top + 16);
	g_string_append_printf(out, "<text x=\"%.1f\" y=\"%.1f\">", SVG_LEFT,
			       dd_top + SVG_DD_H + 20);
	cw_svg_time_label(out, t0);
	g_string_append_printf(out, "</text>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">",
			       SVG_W - SVG_RIGHT, dd_top + SVG_DD_H + 20);
	cw_svg_time_label(out, t1);
	g_string_append(out, "</text>\n");

	for (guint c = 0; c < n_curves; c++) {
		const char *color = cw_svg_colors[c % G_N_ELEMENTS(cw_svg_colors)];
		const CwEquityStats *s = curves[c];

		g_string_append_printf(out,
				       "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.2\" "
				       "points=\"",
				       color);
		for (guint i = 0; i < s->n_points; i++) {
			const CwEquityPoint *p = &s->points[i];
			double x = SVG_LEFT + plot_w * (double) (p->time - t0) / (double) (t1 - t0);
			double y = SVG_TOP + SVG_EQ_H * (1.0 - (p->equity - e0) / (e1 - e0));
			g_string_append_printf(out, "%.1f,%.1f ", x, y);
		}
		g_string_append(out, "\"/>\n");
		g_string_append_printf(out,
				       "<polyline fill=\"%s\" fill-opacity=\"0.25\" stroke=\"%s\" "
				       "stroke-width=\"0.8\" points=\"%.1f,%.1f ",
				       color, color, SVG_LEFT, dd_top);
		for (guint i = 0; i < s->n_points; i++) {
			const CwEquityPoint *p = &s->points[i];
			double x = SVG_LEFT + plot_w * (double) (p->time - t0) / (double) (t1 - t0);
			double y = dd_top + SVG_DD_H * (p->drawdown_pct / dd_min);
			g_string_append_printf(out, "%.1f,%.1f ", x, y);
		}
		g_string_append_printf(out, "%.1f,%.1f\"/>\n", SVG_W - SVG_RIGHT, dd_top);
		g_string_append_printf(out,
				       "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" "
				       "fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\">",
				       SVG_W - 300, SVG_TOP + 10 + 16.0 * c, color, SVG_W - 285,
				       SVG_TOP + 19 + 16.0 * c);
		cw_svg_escape(out, labels[c]);
		g_string_append(out, "</text>\n");
	}
	g_string_append(out, "</svg>\n");
	return g_string_free(out, FALSE);
}
