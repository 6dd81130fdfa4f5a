/* End-to-end tests of the guardrails, driving the real executable:
 *  - every gate that a backtest can trip is tripped by its example in
 *    docs/examples/guardrails, over synthetic candles and over the shared
 *    real candles; the report counts it (JSON and text) and the trades show
 *    what it did;
 *  - inside `candlewick serve`: the guards' tallies survive a SIGKILL (the
 *    restarted bot replays its feed), the refusals reach the journal with
 *    the guard's name and reason, and the operator's halt, resume, halt-all
 *    and resume-all take effect within a few poll intervals.
 *
 * Gates that no backtest can trip, and where they are tested instead:
 *  - circuit_breaker needs broker errors; the paper broker never fails
 *    (features/guardrails/cw-gates-test.c /guardrails/circuit-breaker);
 *  - stale_data_intervals needs a late candle; the orchestrator's clock is
 *    the last candle, so backtest and replay data are never stale
 *    (/guardrails/stale-data);
 *  - kill_switch reads the service-wide switch, which a backtest has no
 *    command for, and which `serve` also applies as the operator's HALTED
 *    mode; its refusals are tested in /guardrails/kill-switch, and the
 *    switch itself (halt-all) below. */
#include "cw-test-utils.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define E2E_INTERVAL_S 300 /* every example trades 5m candles */

/* Fails the test with a message (the project does not use g_error()). */
#define E2E_FAIL(...)                                                                              \
	G_STMT_START                                                                               \
	{                                                                                          \
		g_printerr(__VA_ARGS__);                                                           \
		g_printerr("\n");                                                                  \
		g_assert_not_reached();                                                            \
	}                                                                                          \
	G_STMT_END

typedef struct {
	char *tmpdir;
	char *data;
} E2eFixture;

static char *
e2e_guard_example(const char *name)
{
	g_autofree char *file = g_build_filename("guardrails", name, NULL);

	return cw_test_example(file);
}

static void
e2e_setup(E2eFixture *fx, gconstpointer user_data)
{
	fx->tmpdir = cw_test_tmpdir("cw-e2e-guard-XXXXXX");
	fx->data = cw_test_synth_in(fx->tmpdir, "30", "11");
}

static void
e2e_teardown(E2eFixture *fx, gconstpointer user_data)
{
	cw_test_rm_rf(fx->tmpdir);
	g_free(fx->tmpdir);
	g_free(fx->data);
}

/* The shared real candles, or NULL (the test is then skipped). */
static char *
e2e_shared_data(void)
{
	char *data = g_build_filename(g_getenv("CW_SHARED_DATA"), "btcusdt-5m.csv", NULL);

	if (g_file_test(data, G_FILE_TEST_EXISTS))
		return data;
	g_test_skip("../shared/data/btcusdt-5m.csv is absent (a fresh clone has no shared data)");
	g_free(data);
	return NULL;
}

/* The member at a dotted path ("guardrails.position_cap.max_qty"). */
static JsonNode *
e2e_json_path(JsonObject *obj, const char *path)
{
	g_auto(GStrv) parts = g_strsplit(path, ".", -1);
	JsonNode *node = NULL;

	for (guint i = 0; parts[i] != NULL; i++) {
		g_assert_nonnull(obj);
		node = json_object_get_member(obj, parts[i]);
		if (node == NULL)
			E2E_FAIL("the example has no %s", path);
		obj = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
	}
	return node;
}

static double
e2e_json_double(JsonObject *obj, const char *path)
{
	return json_node_get_double(e2e_json_path(obj, path));
}

/* ---- trades CSV ---- */

typedef struct {
	char bot[64];
	gint64 entry; /* s since the epoch */
	gint64 exit;
	double entry_price;
	double qty;
	double net_pnl;
} E2eTrade;

/* One position: the trade rows of one entry (partial closes) summed. */
typedef struct {
	char bot[64];
	gint64 entry;
	gint64 exit; /* the last close */
	double entry_price;
	double qty;
	double net_pnl;
} E2ePosition;

static gint64
e2e_parse_time(const char *iso)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(iso, NULL);

	g_assert_nonnull(dt);
	return g_date_time_to_unix(dt);
}

static GArray *
e2e_read_trades(const char *path)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	GArray *trades = g_array_new(FALSE, TRUE, sizeof(E2eTrade));

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	g_assert_cmpstr(lines[0], ==,
			"bot,strategy,symbol,direction,entry_time,exit_time,entry_price,"
			"exit_price,qty,fees,gross_pnl,net_pnl,exit_reason");
	for (guint i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i], ",", -1);
		E2eTrade t = {0};

		g_assert_cmpuint(g_strv_length(f), ==, 13);
		g_strlcpy(t.bot, f[0], sizeof t.bot);
		t.entry = e2e_parse_time(f[4]);
		t.exit = e2e_parse_time(f[5]);
		t.entry_price = g_ascii_strtod(f[6], NULL);
		t.qty = g_ascii_strtod(f[8], NULL);
		t.net_pnl = g_ascii_strtod(f[11], NULL);
		g_array_append_val(trades, t);
	}
	return trades;
}

static gint
e2e_position_cmp(gconstpointer a, gconstpointer b)
{
	const E2ePosition *x = a, *y = b;

	return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* The positions of bot (or of every other bot when others), by entry. */
static GArray *
e2e_positions(GArray *trades, const char *bot, gboolean others)
{
	GArray *out = g_array_new(FALSE, TRUE, sizeof(E2ePosition));

	for (guint i = 0; i < trades->len; i++) {
		const E2eTrade *t = &g_array_index(trades, E2eTrade, i);
		E2ePosition *p = NULL;

		if ((strcmp(t->bot, bot) == 0) == others)
			continue;
		for (guint k = 0; k < out->len && p == NULL; k++) {
			E2ePosition *q = &g_array_index(out, E2ePosition, k);
			if (q->entry == t->entry && strcmp(q->bot, t->bot) == 0)
				p = q;
		}
		if (p == NULL) {
			E2ePosition fresh = {0};
			g_strlcpy(fresh.bot, t->bot, sizeof fresh.bot);
			fresh.entry = t->entry;
			fresh.entry_price = t->entry_price;
			g_array_append_val(out, fresh);
			p = &g_array_index(out, E2ePosition, out->len - 1);
		}
		p->exit = MAX(p->exit, t->exit);
		p->qty += t->qty;
		p->net_pnl += t->net_pnl;
	}
	g_array_sort(out, e2e_position_cmp);
	return out;
}

/* The account equity when flat just before time t: the balance plus the net
 * PnL of every trade closed before t. */
static double
e2e_equity_before(const E2eTrade *trades, guint n, const char *bot, double initial, gint64 t)
{
	double equity = initial;

	for (guint i = 0; i < n; i++)
		if (strcmp(trades[i].bot, bot) == 0 && trades[i].exit < t)
			equity += trades[i].net_pnl;
	return equity;
}

/* ---- one backtest of a guardrails example ---- */

typedef struct {
	const char *gate;
	JsonParser *config_parser;
	JsonObject *config; /* the example */
	const char *bot;    /* its name */
	JsonParser *report_parser;
	JsonObject *report; /* the guard bot's report */
	char *out;          /* the text report */
	GArray *trades;     /* every bot's rows */
	GArray *positions;  /* the guard bot's */
	GArray *others;     /* the other bots' */
} E2eRun;

static void
e2e_run_free(E2eRun *run)
{
	g_clear_object(&run->config_parser);
	g_clear_object(&run->report_parser);
	g_free(run->out);
	g_clear_pointer(&run->trades, g_array_unref);
	g_clear_pointer(&run->positions, g_array_unref);
	g_clear_pointer(&run->others, g_array_unref);
}

/* The report line "    <gate>  checks / rejected / modified" must show
 * the JSON's counts. */
static void
e2e_assert_text_line(const char *out, const char *gate, JsonObject *counts)
{
	g_autofree char *line = g_strdup_printf(
	    "\n    %-18s %" G_GINT64_FORMAT " / %" G_GINT64_FORMAT " / %" G_GINT64_FORMAT "\n",
	    gate, json_object_get_int_member(counts, "checks"),
	    json_object_get_int_member(counts, "rejections"),
	    json_object_get_int_member(counts, "modifications"));

	if (strstr(out, line) == NULL)
		g_printerr("no line '%s' in the report:\n%s", line + 1, out);
	g_assert_nonnull(strstr(out, line));
}

static void
e2e_backtest_example(E2eFixture *fx, E2eRun *run, const char *file, const char *data,
		     const char *other_config)
{
	g_autofree char *cfg = e2e_guard_example(file);
	g_autofree char *json = g_build_filename(fx->tmpdir, "report.json", NULL);
	g_autofree char *csv = g_build_filename(fx->tmpdir, "trades.csv", NULL);
	g_autofree char *err = NULL;
	const char *args[16] = {"backtest", "--config",     cfg, "--data", data, "--report-json",
				json,       "--trades-csv", csv};
	guint n = 9;
	gint64 rows = 0;
	JsonArray *bots;
	int status;

	if (other_config != NULL) {
		args[n++] = "--config";
		args[n++] = other_config;
	}
	run->config_parser = json_parser_new();
	run->config = cw_test_load_json(run->config_parser, cfg);
	run->bot = json_object_get_string_member(run->config, "name");
	status = cw_test_runv(&run->out, &err, args);
	if (status != 0)
		g_printerr("%s\n%s\n", run->out, err);
	g_assert_cmpint(status, ==, 0);
	run->report_parser = json_parser_new();
	bots = json_object_get_array_member(cw_test_load_json(run->report_parser, json), "bots");
	for (guint i = 0; i < json_array_get_length(bots); i++) {
		JsonObject *bot = json_array_get_object_element(bots, i);
		if (g_strcmp0(json_object_get_string_member(bot, "bot"), run->bot) == 0)
			run->report = bot;
	}
	g_assert_nonnull(run->report);
	run->trades = e2e_read_trades(csv);
	run->positions = e2e_positions(run->trades, run->bot, FALSE);
	run->others = e2e_positions(run->trades, run->bot, TRUE);
	for (guint i = 0; i < run->trades->len; i++)
		rows += strcmp(g_array_index(run->trades, E2eTrade, i).bot, run->bot) == 0;
	g_assert_cmpint(json_object_get_int_member(run->report, "trades"), ==, rows);
	g_assert_nonnull(
	    strstr(run->out, "  guards           name: checks / rejected / modified\n"));
}

/* ---- what each gate visibly did ---- */

static JsonObject *
e2e_gate_counts(E2eRun *run, const char *gate)
{
	JsonObject *guards = json_object_get_object_member(run->report, "guards");

	g_assert_nonnull(guards);
	if (!json_object_has_member(guards, gate))
		E2E_FAIL("the report of %s has no guard %s", run->bot, gate);
	return json_object_get_object_member(guards, gate);
}

static gint64
e2e_rows_of(E2eRun *run)
{
	gint64 rows = 0;

	for (guint i = 0; i < run->trades->len; i++)
		rows += strcmp(g_array_index(run->trades, E2eTrade, i).bot, run->bot) == 0;
	return rows;
}

static double
e2e_initial_balance(E2eRun *run)
{
	return e2e_json_double(run->config, "initial_balance");
}

/* dry_run: every order refused, no trade at all. */
static void
e2e_check_dry_run(E2eRun *run)
{
	JsonObject *g = e2e_gate_counts(run, "dry_run");

	g_assert_cmpuint(run->trades->len, ==, 0);
	g_assert_cmpint(json_object_get_int_member(g, "rejections"), ==,
			json_object_get_int_member(g, "checks"));
	g_assert_cmpint(json_object_get_int_member(run->report, "signals"), >, 0);
}

/* max_order_value: no entry worth more (valued at the mark; the fill is the
 * next open with slippage, hence 1%). */
static void
e2e_check_max_order_value(E2eRun *run)
{
	double limit = e2e_json_double(run->config, "guardrails.max_order_value");

	g_assert_cmpuint(run->positions->len, >, 0);
	for (guint i = 0; i < run->positions->len; i++) {
		const E2ePosition *p = &g_array_index(run->positions, E2ePosition, i);
		g_assert_cmpfloat(p->qty * p->entry_price, <=, limit * 1.01);
	}
}

/* position_cap: no position above the cap. */
static void
e2e_check_position_cap(E2eRun *run)
{
	double cap = e2e_json_double(run->config, "guardrails.position_cap.max_qty");

	g_assert_cmpuint(run->positions->len, >, 0);
	for (guint i = 0; i < run->positions->len; i++)
		g_assert_cmpfloat(g_array_index(run->positions, E2ePosition, i).qty, <=,
				  cap + 1e-9);
}

/* max_positions_total 1 with another bot in the process: no entry while the
 * other bot held a position. The other bot's exposure row is the one of its
 * previous candle, and its entries fill at the next open, hence the two
 * intervals. */
static void
e2e_check_max_positions(E2eRun *run)
{
	g_assert_cmpfloat(e2e_json_double(run->config, "guardrails.max_positions_total"), ==, 1);
	g_assert_cmpuint(run->positions->len, >, 0);
	g_assert_cmpuint(run->others->len, >, 0);
	for (guint i = 0; i < run->positions->len; i++) {
		gint64 e = g_array_index(run->positions, E2ePosition, i).entry;
		for (guint k = 0; k < run->others->len; k++) {
			const E2ePosition *o = &g_array_index(run->others, E2ePosition, k);
			if (o->entry <= e - 2 * E2E_INTERVAL_S && o->exit >= e)
				E2E_FAIL("%s entered at %" G_GINT64_FORMAT " while %s held a "
					 "position (%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT ")",
					 run->bot, e, o->bot, o->entry, o->exit);
		}
	}
}

/* Entries are flat, so equity = balance + closed PnL: the position's
 * notional stays within limit × equity (1% for mark versus fill). */
static void
e2e_check_notional_per_equity(E2eRun *run, double limit)
{
	g_assert_cmpuint(run->positions->len, >, 0);
	for (guint i = 0; i < run->positions->len; i++) {
		const E2ePosition *p = &g_array_index(run->positions, E2ePosition, i);
		double equity =
		    e2e_equity_before((const E2eTrade *) run->trades->data, run->trades->len,
				      run->bot, e2e_initial_balance(run), p->entry);
		g_assert_cmpfloat(p->qty * p->entry_price, <=, limit * equity * 1.01);
	}
}

static void
e2e_check_max_exposure(E2eRun *run)
{
	e2e_check_notional_per_equity(
	    run, e2e_json_double(run->config, "guardrails.max_exposure_pct") / 100.0);
}

static void
e2e_check_max_leverage(E2eRun *run)
{
	e2e_check_notional_per_equity(run, e2e_json_double(run->config, "guardrails.max_leverage"));
}

/* daily_loss (UTC days): no entry once the trades closed that day lost the
 * limit. The day's start equity is exact when no position spans midnight
 * (flat at the first observation), so only those days are checked. */
static void
e2e_check_daily_loss(E2eRun *run)
{
	const E2eTrade *trades = (const E2eTrade *) run->trades->data;
	double pct = e2e_json_double(run->config, "guardrails.daily_loss.percent");
	guint checked = 0;

	g_assert_cmpstr(
	    json_node_get_string(e2e_json_path(run->config, "guardrails.daily_loss.timezone")), ==,
	    "UTC");
	for (guint i = 0; i < run->positions->len; i++) {
		gint64 e = g_array_index(run->positions, E2ePosition, i).entry;
		gint64 day = e - e % 86400;
		gboolean spans = FALSE;
		double start, lost = 0;

		for (guint k = 0; k < run->positions->len; k++) {
			const E2ePosition *q = &g_array_index(run->positions, E2ePosition, k);
			spans |= q->entry < day && q->exit >= day;
		}
		if (spans)
			continue;
		start = e2e_equity_before(trades, run->trades->len, run->bot,
					  e2e_initial_balance(run), day);
		for (guint k = 0; k < run->trades->len; k++)
			if (strcmp(trades[k].bot, run->bot) == 0 && trades[k].exit >= day &&
			    trades[k].exit < e)
				lost += trades[k].net_pnl;
		g_assert_cmpfloat(lost, >=, -pct / 100.0 * start - 1e-6);
		checked++;
	}
	g_assert_cmpuint(checked, >, 0);
}

/* max_drawdown with "halt": no entry once the closed trades alone put equity
 * more than the limit below its peak (the gate's peak, with open PnL, is
 * only higher), and the report's drawdown went past it. */
static void
e2e_check_max_drawdown(E2eRun *run)
{
	double pct = e2e_json_double(run->config, "guardrails.max_drawdown.percent");

	g_assert_cmpstr(
	    json_node_get_string(e2e_json_path(run->config, "guardrails.max_drawdown.action")), ==,
	    "halt");
	g_assert_cmpuint(run->positions->len, >, 0);
	for (guint i = 0; i < run->positions->len; i++) {
		gint64 e = g_array_index(run->positions, E2ePosition, i).entry;
		double initial = e2e_initial_balance(run), peak = initial, equity = initial;

		/* positions do not overlap: their closes come in entry order */
		for (guint k = 0; k < i; k++) {
			const E2ePosition *q = &g_array_index(run->positions, E2ePosition, k);
			g_assert_cmpint(q->exit, <, e);
			equity += q->net_pnl;
			peak = MAX(peak, equity);
		}
		g_assert_cmpfloat((peak - equity) / peak * 100.0, <=, pct + 1e-9);
	}
	g_assert_cmpfloat(json_object_get_double_member(run->report, "max_drawdown_pct"), >, pct);
}

/* loss_streak: each entry is the fixed quote times the multiplier of the
 * losses in a row before it, and no entry comes after stop_after losses in
 * a row. Without take profits, one trade row is one position. */
static void
e2e_check_loss_streak(E2eRun *run)
{
	JsonArray *mult =
	    json_node_get_array(e2e_json_path(run->config, "guardrails.loss_streak.multipliers"));
	double stop_after = e2e_json_double(run->config, "guardrails.loss_streak.stop_after");
	double quote = e2e_json_double(run->config, "strategy.sizing.quote");
	double lot = e2e_json_double(run->config, "instrument.lot_step");
	guint streak = 0, resized = 0;

	g_assert_cmpint(e2e_rows_of(run), ==, run->positions->len);
	g_assert_cmpint(
	    json_object_get_int_member(e2e_gate_counts(run, "loss_streak"), "rejections"), >, 0);
	for (guint i = 0; i < run->positions->len; i++) {
		const E2ePosition *p = &g_array_index(run->positions, E2ePosition, i);
		double m = 1.0, notional = p->qty * p->entry_price;

		g_assert_cmpfloat(streak, <, stop_after);
		for (guint k = 0; k < json_array_get_length(mult); k++) {
			JsonArray *entry = json_array_get_array_element(mult, k);
			if (streak >= json_array_get_double_element(entry, 0))
				m = json_array_get_double_element(entry, 1);
		}
		g_assert_cmpfloat(notional, <=, quote * m * 1.01);
		g_assert_cmpfloat(notional, >=, quote * m * 0.99 - lot * p->entry_price);
		resized += m < 1.0;
		if (p->net_pnl < 0)
			streak++;
		else if (p->net_pnl > 0)
			streak = 0;
	}
	/* entries got smaller, and the run ends halted by the streak */
	g_assert_cmpuint(resized, >, 0);
	g_assert_cmpfloat(streak, >=, stop_after);
}

static guint
e2e_minutes(const char *hhmm)
{
	g_auto(GStrv) parts = g_strsplit(hhmm, ":", -1);
	guint64 h = 0, m = 0;

	g_assert_cmpuint(g_strv_length(parts), ==, 2);
	g_assert_true(g_ascii_string_to_unsigned(parts[0], 10, 0, 24, &h, NULL));
	g_assert_true(g_ascii_string_to_unsigned(parts[1], 10, 0, 59, &m, NULL));
	return (guint) (h * 60 + m);
}

/* session: every entry inside the window, on a listed day, not on a
 * blackout date (local time). */
static void
e2e_check_session(E2eRun *run)
{
	JsonObject *s = json_node_get_object(e2e_json_path(run->config, "guardrails.session"));
	g_autoptr(GTimeZone) tz =
	    g_time_zone_new_identifier(json_object_get_string_member(s, "timezone"));
	static const char *const day_names[] = {"",    "mon", "tue", "wed",
						"thu", "fri", "sat", "sun"};
	guint start = e2e_minutes(json_object_get_string_member(s, "start"));
	guint end = e2e_minutes(json_object_get_string_member(s, "end"));
	JsonArray *days = json_object_get_array_member(s, "days");
	JsonArray *blackout = json_object_get_array_member(s, "blackout_dates");

	g_assert_nonnull(tz);
	g_assert_cmpuint(start, <, end); /* a day window */
	g_assert_cmpuint(run->positions->len, >, 0);
	for (guint i = 0; i < run->positions->len; i++) {
		gint64 e = g_array_index(run->positions, E2ePosition, i).entry;
		g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(e);
		g_autoptr(GDateTime) local = g_date_time_to_timezone(utc, tz);
		g_autofree char *date = g_date_time_format(local, "%Y-%m-%d");
		const char *day = day_names[g_date_time_get_day_of_week(local)];
		guint minute = g_date_time_get_hour(local) * 60 + g_date_time_get_minute(local);
		gboolean listed = FALSE;

		if (minute < start || minute >= end)
			E2E_FAIL("entry at %s local %s %02u:%02u, outside the window", date, day,
				 minute / 60, minute % 60);
		for (guint k = 0; k < json_array_get_length(days); k++)
			listed |= strcmp(json_array_get_string_element(days, k), day) == 0;
		g_assert_true(listed);
		for (guint k = 0; k < json_array_get_length(blackout); k++)
			g_assert_cmpstr(json_array_get_string_element(blackout, k), !=, date);
	}
}

/* instrument: no position below min_notional (1% for mark versus fill). */
static void
e2e_check_instrument(E2eRun *run)
{
	double min_notional = e2e_json_double(run->config, "instrument.min_notional");

	g_assert_cmpuint(run->positions->len, >, 0);
	for (guint i = 0; i < run->positions->len; i++) {
		const E2ePosition *p = &g_array_index(run->positions, E2ePosition, i);
		g_assert_cmpfloat(p->qty * p->entry_price, >=, min_notional * 0.99);
	}
}

typedef struct {
	const char *gate;
	const char *file;
	gboolean modifies;     /* a resizing gate: modifications count */
	gboolean with_another; /* runs beside ../ema-trend.json */
	void (*check)(E2eRun *run);
} E2eGate;

static const E2eGate e2e_gates[] = {
    {"dry_run", "dry-run.json", FALSE, FALSE, e2e_check_dry_run},
    {"max_order_value", "max-order-value.json", FALSE, FALSE, e2e_check_max_order_value},
    {"position_cap", "position-cap.json", FALSE, FALSE, e2e_check_position_cap},
    {"max_positions", "max-positions.json", FALSE, TRUE, e2e_check_max_positions},
    {"max_exposure_pct", "max-exposure-pct.json", FALSE, FALSE, e2e_check_max_exposure},
    {"max_leverage", "max-leverage.json", FALSE, FALSE, e2e_check_max_leverage},
    {"daily_loss", "daily-loss.json", FALSE, FALSE, e2e_check_daily_loss},
    {"max_drawdown", "max-drawdown.json", FALSE, FALSE, e2e_check_max_drawdown},
    {"loss_streak", "loss-streak.json", TRUE, FALSE, e2e_check_loss_streak},
    /* what these two refuse (orders placed in one minute, limit orders far
     * from the mark) leaves no mark in the trades: counts only */
    {"rate_limit", "rate-limit.json", FALSE, FALSE, NULL},
    {"price_band_pct", "price-band-pct.json", FALSE, FALSE, NULL},
    {"session", "session.json", FALSE, FALSE, e2e_check_session},
    {"instrument", "instrument.json", FALSE, FALSE, e2e_check_instrument},
};

static void
e2e_check_gate(E2eFixture *fx, const E2eGate *gate, const char *data)
{
	g_autofree char *other = gate->with_another ? cw_test_example("ema-trend.json") : NULL;
	E2eRun run = {.gate = gate->gate};
	JsonObject *counts;

	e2e_backtest_example(fx, &run, gate->file, data, other);
	counts = e2e_gate_counts(&run, gate->gate);
	g_assert_cmpint(json_object_get_int_member(counts, "checks"), >, 0);
	if (gate->modifies)
		g_assert_cmpint(json_object_get_int_member(counts, "modifications"), >, 0);
	else
		g_assert_cmpint(json_object_get_int_member(counts, "rejections"), >, 0);
	e2e_assert_text_line(run.out, gate->gate, counts);
	if (gate->check != NULL)
		gate->check(&run);
	e2e_run_free(&run);
}

static void
test_gate_synthetic(E2eFixture *fx, gconstpointer user_data)
{
	e2e_check_gate(fx, user_data, fx->data);
}

static void
test_gate_shared(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *data = e2e_shared_data();

	if (data != NULL)
		e2e_check_gate(fx, user_data, data);
}

/* Every gate of the README's example is built, in the documented order;
 * the two a backtest cannot trip are there and refuse nothing. */
static void
test_all_gates(E2eFixture *fx, gconstpointer user_data)
{
	static const char *const order[] = {
	    "kill_switch",      "circuit_breaker", "max_drawdown",         "daily_loss",
	    "loss_streak",      "session",         "stale_data_intervals", "price_band_pct",
	    "max_order_value",  "position_cap",    "max_positions",        "max_leverage",
	    "max_exposure_pct", "rate_limit",      "instrument",           NULL};
	E2eRun run = {.gate = "all"};
	JsonObject *guards;
	const char *prev = NULL;

	e2e_backtest_example(fx, &run, "all-gates.json", fx->data, NULL);
	guards = json_object_get_object_member(run.report, "guards");
	g_assert_cmpuint(json_object_get_size(guards), ==, g_strv_length((char **) order));
	for (guint i = 0; order[i] != NULL; i++) {
		JsonObject *g = e2e_gate_counts(&run, order[i]);
		g_autofree char *line = g_strdup_printf("\n    %-18s ", order[i]);
		const char *at = strstr(run.out, line);

		g_assert_nonnull(at);
		g_assert_true(prev == NULL || at > prev);
		prev = at;
		e2e_assert_text_line(run.out, order[i], g);
	}
	g_assert_cmpint(
	    json_object_get_int_member(e2e_gate_counts(&run, "circuit_breaker"), "rejections"), ==,
	    0);
	g_assert_cmpint(
	    json_object_get_int_member(e2e_gate_counts(&run, "stale_data_intervals"), "rejections"),
	    ==, 0);
	g_assert_cmpint(json_object_get_int_member(run.report, "trades"), >, 0);
	e2e_run_free(&run);
}

/* ---- candlewick serve ---- */

#define E2E_POLL_S      0.2
#define E2E_HEARTBEAT_S 0.2
#define E2E_FLUSH_S     0.25 /* the store writer's default */

static gint64 G_GNUC_PRINTF(2, 3) e2e_sql_int(const char *db, const char *format, ...)
{
	g_autofree char *sql = NULL;
	va_list ap;

	va_start(ap, format);
	sql = g_strdup_vprintf(format, ap);
	va_end(ap);
	return cw_test_db_int(db, sql, 0);
}

static char *
e2e_state(const char *db, gint64 bot, const char *key)
{
	g_autofree char *sql = g_strdup_printf(
	    "SELECT value FROM bot_state WHERE bot_id = %" G_GINT64_FORMAT " AND key = '%s'", bot,
	    key);

	return cw_test_db_text(db, sql);
}

static gint64
e2e_max_seq(const char *db)
{
	return e2e_sql_int(db, "SELECT coalesce(max(seq), 0) FROM events");
}

/* Entries (purpose entry, or anything that is not reduce-only) the bot
 * submitted after seq. */
static gint64
e2e_entries_after(const char *db, gint64 bot, gint64 seq)
{
	return e2e_sql_int(db,
			   "SELECT count(*) FROM events WHERE bot_id = %" G_GINT64_FORMAT
			   " AND seq > %" G_GINT64_FORMAT " AND type = 'ORDER_SUBMITTED' AND"
			   " (json_extract(payload, '$.order.purpose') = 'entry' OR"
			   "  json_extract(payload, '$.order.reduce_only') = 0)",
			   bot, seq);
}

static gint64
e2e_signals_after(const char *db, gint64 bot, gint64 seq)
{
	return e2e_sql_int(db,
			   "SELECT count(*) FROM events WHERE bot_id = %" G_GINT64_FORMAT
			   " AND seq > %" G_GINT64_FORMAT " AND type = 'SIGNAL_NEW'",
			   bot, seq);
}

/* Polls until bot's effective_mode is mode; returns the seconds it took,
 * fails after timeout_s. */
static double
e2e_wait_mode(const char *db, gint64 bot, const char *mode, double timeout_s)
{
	CwTestDeadline d = cw_test_deadline((guint) (timeout_s * 1000));

	for (;;) {
		g_autofree char *m = e2e_state(db, bot, "effective_mode");
		if (g_strcmp0(m, mode) == 0)
			return cw_test_deadline_elapsed_ms(&d) / 1000.0;
		if (!cw_test_deadline_wait(&d, 20))
			E2E_FAIL("bot %" G_GINT64_FORMAT
				 ": effective_mode is '%s', not '%s', after "
				 "%.1f s",
				 bot, m != NULL ? m : "(none)", mode, timeout_s);
	}
}

/* Polls until fn(db, bot, seq) >= want; fails after timeout_s. */
static void
e2e_wait_count(const char *db, gint64 (*fn)(const char *, gint64, gint64), gint64 bot, gint64 seq,
	       gint64 want, double timeout_s, const char *what)
{
	CwTestDeadline d = cw_test_deadline((guint) (timeout_s * 1000));

	while (fn(db, bot, seq) < want) {
		if (!cw_test_deadline_wait(&d, 50))
			E2E_FAIL("bot %" G_GINT64_FORMAT ": fewer than %" G_GINT64_FORMAT
				 " %s after seq %" G_GINT64_FORMAT " within %.1f s",
				 bot, want, what, seq, timeout_s);
	}
}

static GSubprocess *
e2e_serve_start(const char *db, const char *log, gboolean exit_when_idle)
{
	g_autoptr(GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
	g_autofree char *poll = g_strdup_printf("%g", E2E_POLL_S);
	g_autofree char *heartbeat = g_strdup_printf("%g", E2E_HEARTBEAT_S);
	const char *argv[] = {cw_test_exe(),
			      "serve",
			      "--db",
			      db,
			      "--poll-interval",
			      poll,
			      "--heartbeat-interval",
			      heartbeat,
			      exit_when_idle ? "--exit-when-idle" : NULL,
			      NULL};
	g_autoptr(GError) error = NULL;
	GSubprocess *proc;

	g_subprocess_launcher_unsetenv(launcher, "CW_DB");
	g_subprocess_launcher_set_stderr_file_path(launcher, log);
	proc = g_subprocess_launcher_spawnv(launcher, argv, &error);
	g_assert_no_error(error);
	return proc;
}

/* Waits for the process at most timeout_s; kills it after that. TRUE when
 * it ended by itself. */
static gboolean
e2e_proc_wait(GSubprocess *proc, double timeout_s)
{
	if (cw_test_subprocess_wait(proc, (guint) (timeout_s * 1000)))
		return TRUE;
	g_subprocess_force_exit(proc);
	g_subprocess_wait(proc, NULL, NULL);
	return FALSE;
}

static void
e2e_proc_assert_exit0(GSubprocess *proc, double timeout_s, const char *log)
{
	gboolean ended = e2e_proc_wait(proc, timeout_s);
	g_autofree char *text = NULL;

	if (!ended || !g_subprocess_get_if_exited(proc) ||
	    g_subprocess_get_exit_status(proc) != 0) {
		g_file_get_contents(log, &text, NULL, NULL);
		g_printerr("serve (%s):\n%s\n", ended ? "failed" : "timed out",
			   text != NULL ? text : "");
	}
	g_assert_true(ended);
	g_assert_true(g_subprocess_get_if_exited(proc));
	g_assert_cmpint(g_subprocess_get_exit_status(proc), ==, 0);
}

/* A bot config for serve: the example, renamed, on a replay feed;
 * loss_streak added when asked. Returns the file's path. */
static char *
e2e_serve_config(E2eFixture *fx, const char *example, const char *name, const char *feed,
		 double speed, gboolean loss_streak)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *file = g_strdup_printf("%s.json", name);
	char *path = g_build_filename(fx->tmpdir, file, NULL);
	JsonObject *cfg = cw_test_load_json(parser, example);
	JsonObject *feed_obj = json_object_new();

	json_object_set_string_member(cfg, "name", name);
	json_object_set_string_member(feed_obj, "type", "replay");
	json_object_set_string_member(feed_obj, "path", feed);
	json_object_set_double_member(feed_obj, "speed", speed);
	json_object_set_object_member(cfg, "feed", feed_obj);
	if (loss_streak) {
		JsonNode *ls = json_from_string("{\"multipliers\": [[2, 0.5], [3, 0.25]]}", &error);
		g_assert_no_error(error);
		json_object_set_member(json_object_get_object_member(cfg, "guardrails"),
				       "loss_streak", ls);
	}
	json_generator_set_root(gen, json_parser_get_root(parser));
	json_generator_to_file(gen, path, &error);
	g_assert_no_error(error);
	return path;
}

static void
e2e_bots_add(const char *db, const char *config)
{
	g_autofree char *out = NULL, *err = NULL;
	int status = cw_test_run(&out, &err, "bots", "add", "--db", db, "--config", config, NULL);

	if (status != 0)
		g_printerr("%s%s", out, err);
	g_assert_cmpint(status, ==, 0);
}

static void
e2e_cw_ok(const char *first, ...)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	g_autofree char *out = NULL, *err = NULL;
	va_list ap;
	int status;

	va_start(ap, first);
	for (const char *a = first; a != NULL; a = va_arg(ap, const char *))
		g_ptr_array_add(args, (gpointer) a);
	va_end(ap);
	g_ptr_array_add(args, NULL);
	status = cw_test_runv(&out, &err, (const char *const *) args->pdata);
	if (status != 0)
		g_printerr("%s%s", out, err);
	g_assert_cmpint(status, ==, 0);
}

#define E2E_TRADES_SQL                                                                             \
	"SELECT bot_name, strategy_id, direction, entry_time, exit_time,"                          \
	" printf('%.17g', entry_price), printf('%.17g', exit_price), printf('%.17g', qty),"        \
	" printf('%.17g', net_pnl), exit_reason FROM trading_trades"                               \
	" ORDER BY bot_name, entry_time, exit_time, seq"
#define E2E_EVENTS_SQL                                                                             \
	"SELECT bot_id, strategy_id, type, time, payload FROM events"                              \
	" WHERE type != 'BOT_STATUS' ORDER BY bot_id, seq"
#define E2E_TRIPPED_SQL                                                                            \
	"SELECT time, json_extract(payload, '$.source'), json_extract(payload, '$.reason'),"       \
	" json_extract(payload, '$.order.client_order_id') FROM events"                            \
	" WHERE type = 'GUARD_TRIPPED' ORDER BY seq"

/* The two dumps must be equal; on a difference, says where. */
static void
e2e_assert_same_rows(const char *what, const char *through, const char *killed)
{
	g_auto(GStrv) a = g_strsplit(through, "\n", -1);
	g_auto(GStrv) b = g_strsplit(killed, "\n", -1);
	guint i = 0;

	while (a[i] != NULL && b[i] != NULL && strcmp(a[i], b[i]) == 0)
		i++;
	if (a[i] == NULL && b[i] == NULL)
		return;
	g_printerr("%s differ at row %u of %u (through) / %u (killed and restarted):\n"
		   "  through: %s\n  killed:  %s\n",
		   what, i + 1, g_strv_length(a) - 1, g_strv_length(b) - 1,
		   a[i] != NULL ? a[i] : "(end)", b[i] != NULL ? b[i] : "(end)");
	g_assert_not_reached();
}

/* daily_loss and loss_streak inside serve: the same trades and the same
 * refusals whether the service runs through or is SIGKILLed while the daily
 * loss limit holds and restarted (the bot replays its feed up to its cursor
 * and so rebuilds the tallies). */
static void
test_serve_restart(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *feed = g_build_filename(fx->tmpdir, "feed.csv", NULL);
	g_autofree char *example = e2e_guard_example("daily-loss.json");
	g_autofree char *cfg = NULL;
	g_autofree char *a = g_build_filename(fx->tmpdir, "a.db", NULL);
	g_autofree char *b = g_build_filename(fx->tmpdir, "b.db", NULL);
	g_autofree char *log_a = g_build_filename(fx->tmpdir, "a.log", NULL);
	g_autofree char *log_b1 = g_build_filename(fx->tmpdir, "b1.log", NULL);
	g_autofree char *log_b2 = g_build_filename(fx->tmpdir, "b2.log", NULL);
	g_autofree char *trades_a = NULL, *trades_b = NULL, *events_a = NULL, *events_b = NULL;
	g_autofree char *tripped_a = NULL, *tripped_b = NULL, *log_text = NULL;
	g_autofree char *stats = NULL, *state = NULL, *mode = NULL;
	g_autofree char *cursor_at_kill = NULL, *cursor_end = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) error = NULL;
	JsonObject *guards;

	/* 10 days of 5m candles at 60000x: about 14 s a run, a day in 1.4 s */
	cw_test_synth(feed, "10", "5");
	cfg = e2e_serve_config(fx, example, "guard-serve", feed, 60000, TRUE);
	e2e_bots_add(a, cfg);
	e2e_bots_add(b, cfg);

	/* A: through */
	proc = e2e_serve_start(a, log_a, TRUE);
	e2e_proc_assert_exit0(proc, 180, log_a);
	g_clear_object(&proc);

	/* the journal names the guard and says why */
	g_assert_cmpint(e2e_sql_int(a, "SELECT count(*) FROM events WHERE type = 'GUARD_TRIPPED'"),
			>, 0);
	g_assert_cmpint(e2e_sql_int(a,
				    "SELECT count(*) FROM events WHERE type = 'GUARD_TRIPPED'"
				    " AND (json_extract(payload, '$.source') != 'daily_loss' OR"
				    " json_extract(payload, '$.reason') NOT LIKE"
				    " 'reduce-only: order would increase the position (daily loss "
				    "limit exceeded: %%')"),
			==, 0);
	g_assert_cmpint(e2e_sql_int(a, "SELECT count(*) FROM events WHERE type = 'ORDER_REJECTED'"
				       " AND json_extract(payload, '$.source') = 'daily_loss'"),
			==,
			e2e_sql_int(a, "SELECT count(*) FROM events WHERE type = 'GUARD_TRIPPED'"));
	g_assert_cmpint(e2e_sql_int(a, "SELECT count(*) FROM events WHERE type = 'MODE_CHANGED'"
				       " AND json_extract(payload, '$.source') = 'guard'"
				       " AND json_extract(payload, '$.reason') = 'reduce_only'"),
			>, 0);
	/* the heartbeat's guard counters, guard state and mode */
	stats = e2e_state(a, 1, "guard_stats");
	g_assert_nonnull(stats);
	json_parser_load_from_data(parser, stats, -1, &error);
	g_assert_no_error(error);
	guards = json_node_get_object(json_parser_get_root(parser));
	g_assert_cmpint(json_object_get_int_member(
			    json_object_get_object_member(guards, "daily_loss"), "rejections"),
			>, 0);
	g_assert_cmpint(json_object_get_int_member(
			    json_object_get_object_member(guards, "loss_streak"), "modifications"),
			>, 0);
	state = e2e_state(a, 1, "guard_state");
	g_assert_nonnull(state);
	g_assert_nonnull(strstr(state, "\"daily_loss\""));
	g_assert_nonnull(strstr(state, "\"loss_streak\""));
	mode = e2e_state(a, 1, "effective_mode");
	g_assert_true(g_strcmp0(mode, "active") == 0 || g_strcmp0(mode, "reduce_only") == 0);

	/* B: SIGKILLed while the daily loss limit holds, then restarted */
	proc = e2e_serve_start(b, log_b1, TRUE);
	e2e_wait_mode(b, 1, "reduce_only", 120);
	g_assert_cmpint(e2e_sql_int(b, "SELECT count(*) FROM events WHERE type = 'GUARD_TRIPPED'"),
			>, 0);
	g_assert_false(e2e_proc_wait(proc, 0)); /* still running: killed now */
	g_clear_object(&proc);
	cursor_at_kill = e2e_state(b, 1, "cursor");
	g_assert_nonnull(cursor_at_kill);
	proc = e2e_serve_start(b, log_b2, TRUE);
	e2e_proc_assert_exit0(proc, 180, log_b2);
	g_clear_object(&proc);
	g_assert_true(g_file_get_contents(log_b2, &log_text, NULL, NULL));
	g_assert_nonnull(strstr(log_text, "crash recovery"));
	cursor_end = e2e_state(b, 1, "cursor");
	g_assert_cmpint(g_ascii_strtoll(cursor_at_kill, NULL, 10), <,
			g_ascii_strtoll(cursor_end, NULL, 10));

	trades_a = cw_test_db_dump(a, E2E_TRADES_SQL);
	trades_b = cw_test_db_dump(b, E2E_TRADES_SQL);
	g_assert_cmpstr(trades_a, !=, "");
	e2e_assert_same_rows("trades", trades_a, trades_b);
	tripped_a = cw_test_db_dump(a, E2E_TRIPPED_SQL);
	tripped_b = cw_test_db_dump(b, E2E_TRIPPED_SQL);
	g_assert_cmpstr(tripped_a, !=, "");
	e2e_assert_same_rows("GUARD_TRIPPED events", tripped_a, tripped_b);
	events_a = cw_test_db_dump(a, E2E_EVENTS_SQL);
	events_b = cw_test_db_dump(b, E2E_EVENTS_SQL);
	e2e_assert_same_rows("journals", events_a, events_b);
}

/* Waits for a halt to show in effective_mode; returns the journal's end
 * then. The mode is applied at the next poll and shown at the next
 * heartbeat, in the same flush as every event before it. */
static gint64
e2e_halted(const char *db, gint64 bot)
{
	double took = e2e_wait_mode(db, bot, "halted", 30);

	g_test_message("bot %" G_GINT64_FORMAT " halted in the journal after %.2f s", bot, took);
	/* 2 polls, a heartbeat, a flush, and slack for a loaded machine */
	g_assert_cmpfloat(took, <, 2 * E2E_POLL_S + E2E_HEARTBEAT_S + E2E_FLUSH_S + 3.0);
	return e2e_max_seq(db);
}

/* The operator's halt of one bot, and the service-wide kill switch: no new
 * entries while in force (the strategy keeps signalling), entries again
 * after, the other bot unaffected by a single halt. */
static void
test_serve_halt(E2eFixture *fx, gconstpointer user_data)
{
	g_autofree char *feed = g_build_filename(fx->tmpdir, "feed.csv", NULL);
	g_autofree char *example = cw_test_example("ema-trend.json");
	g_autofree char *db = g_build_filename(fx->tmpdir, "halt.db", NULL);
	g_autofree char *log = g_build_filename(fx->tmpdir, "halt.log", NULL);
	g_autofree char *cfg_a = NULL, *cfg_b = NULL, *list = NULL, *mode_b = NULL;
	g_autoptr(GSubprocess) proc = NULL;
	const gint64 bot_a = 1, bot_b = 2;
	gint64 seq;

	/* 60 days at 30000x: 10 ms a candle, about 170 s of feed; the test
	 * stops the service long before */
	cw_test_synth(feed, "60", "7");
	cfg_a = e2e_serve_config(fx, example, "halt-a", feed, 30000, FALSE);
	cfg_b = e2e_serve_config(fx, example, "halt-b", feed, 30000, FALSE);
	e2e_bots_add(db, cfg_a);
	e2e_bots_add(db, cfg_b);
	proc = e2e_serve_start(db, log, FALSE);
	e2e_wait_count(db, e2e_entries_after, bot_a, 0, 1, 60, "entries");
	e2e_wait_count(db, e2e_entries_after, bot_b, 0, 1, 60, "entries");

	/* bots halt: a stops entering, b goes on */
	e2e_cw_ok("bots", "halt", "--db", db, "halt-a", NULL);
	seq = e2e_halted(db, bot_a);
	mode_b = e2e_state(db, bot_b, "effective_mode");
	g_assert_cmpstr(mode_b, ==, "active");
	e2e_wait_count(db, e2e_signals_after, bot_a, seq, 3, 30, "signals");
	e2e_wait_count(db, e2e_entries_after, bot_b, seq, 1, 30, "entries");
	g_assert_cmpint(e2e_entries_after(db, bot_a, seq), ==, 0);

	/* bots resume: a enters again */
	e2e_cw_ok("bots", "resume", "--db", db, "halt-a", NULL);
	e2e_wait_mode(db, bot_a, "active", 30);
	seq = e2e_max_seq(db);
	e2e_wait_count(db, e2e_entries_after, bot_a, seq, 1, 30, "entries");

	/* halt-all: neither enters */
	e2e_cw_ok("halt-all", "--db", db, NULL);
	e2e_halted(db, bot_a);
	seq = e2e_halted(db, bot_b);
	e2e_wait_count(db, e2e_signals_after, bot_a, seq, 3, 30, "signals");
	e2e_wait_count(db, e2e_signals_after, bot_b, seq, 3, 30, "signals");
	g_assert_cmpint(e2e_entries_after(db, bot_a, seq), ==, 0);
	g_assert_cmpint(e2e_entries_after(db, bot_b, seq), ==, 0);
	g_assert_cmpint(cw_test_run(&list, NULL, "bots", "list", "--db", db, NULL), ==, 0);
	g_assert_nonnull(strstr(list, "kill switch ON"));

	/* resume-all: both enter again */
	e2e_cw_ok("resume-all", "--db", db, NULL);
	e2e_wait_mode(db, bot_a, "active", 30);
	e2e_wait_mode(db, bot_b, "active", 30);
	seq = e2e_max_seq(db);
	e2e_wait_count(db, e2e_entries_after, bot_a, seq, 1, 30, "entries");
	e2e_wait_count(db, e2e_entries_after, bot_b, seq, 1, 30, "entries");

	g_subprocess_send_signal(proc, SIGTERM);
	e2e_proc_assert_exit0(proc, 30, log);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(e2e_gates); i++) {
		g_autofree char *synth =
		    g_strdup_printf("/e2e/guardrails/backtest/%s/synthetic", e2e_gates[i].gate);
		g_autofree char *shared =
		    g_strdup_printf("/e2e/guardrails/backtest/%s/shared-data", e2e_gates[i].gate);
		g_test_add(synth, E2eFixture, &e2e_gates[i], e2e_setup, test_gate_synthetic,
			   e2e_teardown);
		g_test_add(shared, E2eFixture, &e2e_gates[i], e2e_setup, test_gate_shared,
			   e2e_teardown);
	}
	g_test_add("/e2e/guardrails/backtest/all-gates", E2eFixture, NULL, e2e_setup,
		   test_all_gates, e2e_teardown);
	g_test_add("/e2e/guardrails/serve/restart", E2eFixture, NULL, e2e_setup, test_serve_restart,
		   e2e_teardown);
	g_test_add("/e2e/guardrails/serve/halt", E2eFixture, NULL, e2e_setup, test_serve_halt,
		   e2e_teardown);
	return g_test_run();
}
