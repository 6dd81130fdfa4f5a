/* Bot configuration: good documents, every error class with its exact path
 * and message, profiles, strategies merged over a base, the examples. */
#include "cw-config.h"

#include <glib/gstdio.h>
#include <math.h>

/* A strategy type other than "composite", registered like a feature would. */
#define TEST_TYPE_GRID (test_grid_get_type())
G_DECLARE_FINAL_TYPE(TestGrid, test_grid, TEST, GRID, GObject)
struct _TestGrid {
	GObject parent_instance;
};
static void
test_grid_strategy_init(CwStrategyInterface *iface)
{
}
G_DEFINE_TYPE_WITH_CODE(TestGrid, test_grid, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(CW_TYPE_STRATEGY, test_grid_strategy_init))
static void
test_grid_class_init(TestGridClass *klass)
{
}
static void
test_grid_init(TestGrid *self)
{
}

#define MINIMAL                                                                                    \
	"{'name': 'bot-1', 'symbol': 'btcusdt', 'strategy': {'analyzers': [{'type': 'rsi'}]}}"

static char *
quotes(const char *json_with_single_quotes)
{
	char *json = g_strdup(json_with_single_quotes);

	return g_strdelimit(json, "'", '"');
}

static CwBotConfig *
load(const char *json_with_single_quotes, GError **error)
{
	g_autofree char *json = quotes(json_with_single_quotes);

	return cw_bot_config_new_from_data(json, -1, error);
}

static CwBotConfig *
load_ok(const char *json_with_single_quotes)
{
	g_autoptr(GError) error = NULL;
	CwBotConfig *cfg = load(json_with_single_quotes, &error);

	g_assert_no_error(error);
	g_assert_nonnull(cfg);
	return cfg;
}

/* MINIMAL with override merged over it (arrays replace). */
static char *
with(const char *override_single_quotes)
{
	g_autofree char *base_json = quotes(MINIMAL);
	g_autofree char *over_json = quotes(override_single_quotes);
	g_autoptr(JsonNode) base = json_from_string(base_json, NULL);
	g_autoptr(JsonNode) over = json_from_string(over_json, NULL);
	g_autoptr(JsonNode) merged = NULL;

	g_assert_nonnull(base);
	g_assert_nonnull(over);
	merged = cw_config_merge(base, over);
	return json_to_string(merged, FALSE);
}

static void
expect_error_json(const char *json, CwConfigError code, const char *message)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) cfg = cw_bot_config_new_from_data(json, -1, &error);

	if (cfg != NULL || error == NULL ||
	    (message != NULL && g_strcmp0(error->message, message) != 0))
		g_test_message("input: %s", json);
	g_assert_null(cfg);
	g_assert_error(error, CW_CONFIG_ERROR, (gint) code);
	if (message != NULL)
		g_assert_cmpstr(error->message, ==, message);
	else
		g_assert_nonnull(strstr(error->message, "execution"));
}

/* override is merged over MINIMAL */
static void
expect_error(const char *override, CwConfigError code, const char *message)
{
	g_autofree char *json = with(override);

	expect_error_json(json, code, message);
}

static void
test_minimal_defaults(void)
{
	g_autoptr(CwBotConfig) cfg = load_ok(MINIMAL);
	const CwStrategySpec *s;
	const CwAnalyzerSpec *a;

	g_assert_cmpstr(cfg->name, ==, "bot-1");
	g_assert_cmpstr(cfg->description, ==, "");
	g_assert_cmpstr(cfg->symbol, ==, "BTCUSDT");
	g_assert_cmpuint(cfg->symbol_quark, ==, g_quark_from_string("BTCUSDT"));
	g_assert_cmpint(cfg->interval_ms, ==, 5 * 60 * 1000);
	g_assert_cmpint(cfg->profile, ==, CW_PROFILE_PAPER);
	g_assert_cmpfloat(cfg->initial_balance, ==, 10000);
	g_assert_cmpfloat(cfg->canary_fraction, ==, 0.1);
	g_assert_cmpuint(cfg->instrument.symbol, ==, cfg->symbol_quark);
	g_assert_cmpfloat(cfg->instrument.tick_size, ==, 0);
	g_assert_cmpfloat(cfg->instrument.min_notional, ==, 0);
	g_assert_cmpuint(cfg->n_strategies, ==, 1);
	g_assert_cmpuint(cfg->active_strategy, ==, 0);

	s = cw_bot_config_get_active_strategy(cfg);
	g_assert_true(s == cw_bot_config_get_strategy(cfg, "main"));
	g_assert_null(cw_bot_config_get_strategy(cfg, "other"));
	g_assert_cmpstr(s->id, ==, "main");
	g_assert_cmpuint(s->quark, ==, g_quark_from_string("bot-1:main"));
	g_assert_cmpstr(s->type, ==, "composite");
	g_assert_cmpstr(s->json_path, ==, "strategy");
	g_assert_cmpstr(s->description, ==, "");
	g_assert_nonnull(s->raw);
	g_assert_true(json_object_has_member(s->raw, "analyzers"));

	g_assert_cmpuint(s->n_analyzers, ==, 1);
	a = &s->analyzers[0];
	g_assert_cmpint(a->kind, ==, CW_ANALYZER_RSI);
	g_assert_cmpint(a->mode, ==, CW_ANALYZER_MODE_REVERSAL);
	g_assert_cmpfloat(a->weight, ==, 0.5);
	g_assert_cmpuint(a->period, ==, 14);
	g_assert_cmpfloat(a->lower, ==, 30);
	g_assert_cmpfloat(a->upper, ==, 70);
	g_assert_cmpuint(a->fast, ==, 0);
	g_assert_cmpfloat(a->stddev, ==, 0);

	g_assert_cmpfloat(s->aggregation.min_score, ==, 0.5);
	g_assert_cmpfloat(s->aggregation.min_confidence, ==, 0.0);
	g_assert_cmpfloat(s->aggregation.conflict_threshold, ==, 0.1);

	g_assert_false(s->session.enabled);
	g_assert_cmpstr(s->session.timezone, ==, "UTC");
	g_assert_cmpuint(s->session.start_minute, ==, 0);
	g_assert_cmpuint(s->session.end_minute, ==, 0);
	g_assert_cmpuint(s->session.days_mask, ==, 0x7f);
	g_assert_false(s->volatility.enabled);
	g_assert_cmpuint(s->volatility.atr_period, ==, 14);
	g_assert_cmpfloat(s->volatility.max_pct, ==, 100);
	g_assert_false(s->mtf.enabled);
	g_assert_cmpint(s->mtf.interval_ms, ==, 0);
	g_assert_cmpuint(s->mtf.slow, ==, 50);

	g_assert_cmpint(s->exit.stop_loss.kind, ==, CW_STOP_PERCENT);
	g_assert_cmpfloat(s->exit.stop_loss.value, ==, 2.0);
	g_assert_cmpuint(s->exit.stop_loss.atr_period, ==, 14);
	g_assert_cmpuint(s->exit.n_take_profits, ==, 0);
	g_assert_true(s->exit.breakeven_at_tp1);
	g_assert_cmpfloat(s->exit.breakeven_offset_pct, ==, 0.05);
	g_assert_cmpint(s->exit.trailing.kind, ==, CW_STOP_NONE);
	g_assert_cmpuint(s->exit.time_exit_candles, ==, 0);
	g_assert_false(s->exit.exit_on_opposite_signal);

	g_assert_cmpint(s->sizing.kind, ==, CW_SIZING_FIXED_QUOTE);
	g_assert_cmpfloat(s->sizing.quote, ==, 1000);
	g_assert_cmpfloat(s->sizing.risk_percent, ==, 1);
	g_assert_cmpfloat(s->sizing.reinvest_fraction, ==, 0.5);
	g_assert_cmpfloat(s->sizing.protected_deposit, ==, 0);
	g_assert_cmpfloat(s->sizing.max_quote, ==, 0);
	g_assert_cmpfloat(s->sizing.leverage, ==, 1);

	/* Paper profile: the broker defaults to paper; absent sections stay absent. */
	g_assert_cmpstr(cw_bot_config_get_section_type(cfg, "broker", NULL), ==, "paper");
	g_assert_null(cw_bot_config_get_section(cfg, "feed"));
	g_assert_cmpstr(cw_bot_config_get_section_type(cfg, "feed", "replay"), ==, "replay");
}

static const char full_config[] =
    "{"
    " 'name': 'trend.eth-01', 'description': 'full example', 'symbol': 'ETHUSDT',"
    " 'interval': '15m', 'profile': 'paper', 'initial_balance': 2500.5,"
    " 'instrument': {'tick_size': 0.01, 'lot_step': 0.001, 'min_qty': 0.001, 'min_notional': 5},"
    " 'canary_fraction': 0.25,"
    " 'feed': {'type': 'bybit', 'testnet': true, 'anything': [1, 2]},"
    " 'broker': {'type': 'paper', 'slippage_bps': 1},"
    " 'guardrails': {'max_daily_loss_pct': 3}, 'notifications': {'type': 'telegram'},"
    " 'strategy': {"
    "  'id': 'trend', 'type': 'composite', 'description': 'd',"
    "  'analyzers': ["
    "   {'type': 'ema_cross', 'weight': 0.3, 'fast': 12, 'slow': 26},"
    "   {'type': 'rsi', 'weight': 0.2, 'period': 10, 'lower': 25, 'upper': 75, 'mode': 'trend'},"
    "   {'type': 'macd', 'fast': 8, 'slow': 17, 'signal': 5},"
    "   {'type': 'bollinger', 'period': 30, 'stddev': 2.5, 'mode': 'breakout'},"
    "   {'type': 'stochastic', 'k_period': 10, 'k_slowing': 2, 'd_period': 4, 'lower': 15,"
    "    'upper': 85},"
    "   {'type': 'atr_regime', 'period': 21, 'min_pct': 0.2, 'max_pct': 3},"
    "   {'type': 'volume_spike', 'period': 30, 'multiplier': 1.5},"
    "   {'type': 'donchian', 'period': 55},"
    "   {'type': 'adx', 'weight': 1, 'period': 20, 'threshold': 25.5}"
    "  ],"
    "  'aggregation': {'min_score': 0.6, 'min_confidence': 0.3, 'conflict_threshold': 0.2},"
    "  'filters': {"
    "   'session': {'timezone': 'Europe/Berlin', 'start': '08:30', 'end': '17:00',"
    "    'days': ['mon', 'wed', 'fri']},"
    "   'volatility': {'atr_period': 10, 'min_pct': 0.1, 'max_pct': 4},"
    "   'mtf': {'interval': '4h', 'fast': 20, 'slow': 50}"
    "  },"
    "  'exit': {"
    "   'stop_loss': {'type': 'atr', 'value': 1.5, 'atr_period': 10},"
    "   'take_profits': [{'r': 1, 'close': 0.5}, {'r': 2}, {'r': 3}],"
    "   'breakeven': {'enabled': false, 'offset_pct': 0.1},"
    "   'trailing': {'type': 'percent', 'value': 0.8},"
    "   'time_exit_candles': 96, 'exit_on_opposite_signal': true"
    "  },"
    "  'sizing': {'mode': 'compounding', 'quote': 250, 'risk_percent': 0.5,"
    "   'reinvest_fraction': 0.25, 'protected_deposit': 2000, 'max_quote': 1000, 'leverage': 3}"
    " }"
    "}";

static void
test_full(void)
{
	g_autoptr(CwBotConfig) cfg = load_ok(full_config);
	const CwStrategySpec *s = cw_bot_config_get_active_strategy(cfg);
	const CwAnalyzerSpec *a = s->analyzers;

	g_assert_cmpstr(cfg->name, ==, "trend.eth-01");
	g_assert_cmpstr(cfg->description, ==, "full example");
	g_assert_cmpint(cfg->interval_ms, ==, 15 * 60 * 1000);
	g_assert_cmpfloat(cfg->initial_balance, ==, 2500.5);
	g_assert_cmpfloat(cfg->canary_fraction, ==, 0.25);
	g_assert_cmpfloat(cfg->instrument.tick_size, ==, 0.01);
	g_assert_cmpfloat(cfg->instrument.lot_step, ==, 0.001);
	g_assert_cmpfloat(cfg->instrument.min_qty, ==, 0.001);
	g_assert_cmpfloat(cfg->instrument.min_notional, ==, 5);

	/* Feature sections are kept as written, unknown keys and all. */
	g_assert_cmpstr(cw_bot_config_get_section_type(cfg, "feed", NULL), ==, "bybit");
	g_assert_true(
	    json_object_get_boolean_member(cw_bot_config_get_section(cfg, "feed"), "testnet"));
	g_assert_cmpint(json_object_get_int_member(cw_bot_config_get_section(cfg, "guardrails"),
						   "max_daily_loss_pct"),
			==, 3);
	g_assert_null(cw_bot_config_get_section_type(cfg, "guardrails", NULL));
	g_assert_cmpstr(cw_bot_config_get_section_type(cfg, "notifications", NULL), ==, "telegram");

	g_assert_cmpstr(s->id, ==, "trend");
	g_assert_cmpuint(s->quark, ==, g_quark_from_string("trend.eth-01:trend"));
	g_assert_cmpstr(s->description, ==, "d");
	g_assert_cmpuint(s->n_analyzers, ==, 9);

	g_assert_cmpint(a[0].kind, ==, CW_ANALYZER_EMA_CROSS);
	g_assert_cmpint(a[0].mode, ==, CW_ANALYZER_MODE_DEFAULT);
	g_assert_cmpfloat(a[0].weight, ==, 0.3);
	g_assert_cmpuint(a[0].fast, ==, 12);
	g_assert_cmpuint(a[0].slow, ==, 26);
	g_assert_cmpint(a[1].kind, ==, CW_ANALYZER_RSI);
	g_assert_cmpint(a[1].mode, ==, CW_ANALYZER_MODE_TREND);
	g_assert_cmpuint(a[1].period, ==, 10);
	g_assert_cmpfloat(a[1].lower, ==, 25);
	g_assert_cmpfloat(a[1].upper, ==, 75);
	g_assert_cmpint(a[2].kind, ==, CW_ANALYZER_MACD);
	g_assert_cmpfloat(a[2].weight, ==, 0.5);
	g_assert_cmpuint(a[2].fast, ==, 8);
	g_assert_cmpuint(a[2].slow, ==, 17);
	g_assert_cmpuint(a[2].signal, ==, 5);
	g_assert_cmpint(a[3].kind, ==, CW_ANALYZER_BOLLINGER);
	g_assert_cmpint(a[3].mode, ==, CW_ANALYZER_MODE_BREAKOUT);
	g_assert_cmpuint(a[3].period, ==, 30);
	g_assert_cmpfloat(a[3].stddev, ==, 2.5);
	g_assert_cmpint(a[4].kind, ==, CW_ANALYZER_STOCHASTIC);
	g_assert_cmpuint(a[4].k_period, ==, 10);
	g_assert_cmpuint(a[4].k_slowing, ==, 2);
	g_assert_cmpuint(a[4].d_period, ==, 4);
	g_assert_cmpfloat(a[4].lower, ==, 15);
	g_assert_cmpfloat(a[4].upper, ==, 85);
	g_assert_cmpint(a[5].kind, ==, CW_ANALYZER_ATR_REGIME);
	g_assert_cmpuint(a[5].period, ==, 21);
	g_assert_cmpfloat(a[5].min_pct, ==, 0.2);
	g_assert_cmpfloat(a[5].max_pct, ==, 3);
	g_assert_cmpint(a[6].kind, ==, CW_ANALYZER_VOLUME_SPIKE);
	g_assert_cmpuint(a[6].period, ==, 30);
	g_assert_cmpfloat(a[6].multiplier, ==, 1.5);
	g_assert_cmpint(a[7].kind, ==, CW_ANALYZER_DONCHIAN);
	g_assert_cmpuint(a[7].period, ==, 55);
	g_assert_cmpint(a[8].kind, ==, CW_ANALYZER_ADX);
	g_assert_cmpfloat(a[8].weight, ==, 1);
	g_assert_cmpuint(a[8].period, ==, 20);
	g_assert_cmpfloat(a[8].threshold, ==, 25.5);

	g_assert_cmpfloat(s->aggregation.min_score, ==, 0.6);
	g_assert_cmpfloat(s->aggregation.min_confidence, ==, 0.3);
	g_assert_cmpfloat(s->aggregation.conflict_threshold, ==, 0.2);

	g_assert_true(s->session.enabled);
	g_assert_cmpstr(s->session.timezone, ==, "Europe/Berlin");
	g_assert_cmpuint(s->session.start_minute, ==, 8 * 60 + 30);
	g_assert_cmpuint(s->session.end_minute, ==, 17 * 60);
	g_assert_cmpuint(s->session.days_mask, ==, (1 << 0) | (1 << 2) | (1 << 4));
	g_assert_true(s->volatility.enabled);
	g_assert_cmpuint(s->volatility.atr_period, ==, 10);
	g_assert_cmpfloat(s->volatility.min_pct, ==, 0.1);
	g_assert_cmpfloat(s->volatility.max_pct, ==, 4);
	g_assert_true(s->mtf.enabled);
	g_assert_cmpint(s->mtf.interval_ms, ==, 4 * 3600 * 1000);
	g_assert_cmpuint(s->mtf.fast, ==, 20);
	g_assert_cmpuint(s->mtf.slow, ==, 50);

	g_assert_cmpint(s->exit.stop_loss.kind, ==, CW_STOP_ATR);
	g_assert_cmpfloat(s->exit.stop_loss.value, ==, 1.5);
	g_assert_cmpuint(s->exit.stop_loss.atr_period, ==, 10);
	g_assert_cmpuint(s->exit.n_take_profits, ==, 3);
	g_assert_cmpfloat(s->exit.take_profits[0].r, ==, 1);
	g_assert_cmpfloat(s->exit.take_profits[0].percent, ==, 0);
	g_assert_cmpfloat(s->exit.take_profits[0].close_fraction, ==, 0.5);
	g_assert_cmpfloat(s->exit.take_profits[1].r, ==, 2);
	g_assert_cmpfloat_with_epsilon(s->exit.take_profits[1].close_fraction, 0.25, 1e-12);
	g_assert_cmpfloat(s->exit.take_profits[2].r, ==, 3);
	g_assert_cmpfloat_with_epsilon(s->exit.take_profits[2].close_fraction, 0.25, 1e-12);
	g_assert_false(s->exit.breakeven_at_tp1);
	g_assert_cmpfloat(s->exit.breakeven_offset_pct, ==, 0.1);
	g_assert_cmpint(s->exit.trailing.kind, ==, CW_STOP_PERCENT);
	g_assert_cmpfloat(s->exit.trailing.value, ==, 0.8);
	g_assert_cmpuint(s->exit.time_exit_candles, ==, 96);
	g_assert_true(s->exit.exit_on_opposite_signal);

	g_assert_cmpint(s->sizing.kind, ==, CW_SIZING_COMPOUNDING);
	g_assert_cmpfloat(s->sizing.quote, ==, 250);
	g_assert_cmpfloat(s->sizing.risk_percent, ==, 0.5);
	g_assert_cmpfloat(s->sizing.reinvest_fraction, ==, 0.25);
	g_assert_cmpfloat(s->sizing.protected_deposit, ==, 2000);
	g_assert_cmpfloat(s->sizing.max_quote, ==, 1000);
	g_assert_cmpfloat(s->sizing.leverage, ==, 3);
}

static void
test_to_json_round_trip(void)
{
	g_autoptr(CwBotConfig) cfg = load_ok(full_config);
	g_autofree char *json = cw_bot_config_to_json(cfg);
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) again = cw_bot_config_new_from_data(json, -1, &error);
	g_autofree char *json2 = NULL;

	g_assert_no_error(error);
	g_assert_nonnull(strstr(json, "\n  \"name\": \"trend.eth-01\""));
	json2 = cw_bot_config_to_json(again);
	g_assert_cmpstr(json, ==, json2);
	g_assert_cmpfloat(again->strategies[0]->exit.take_profits[2].close_fraction, ==,
			  cfg->strategies[0]->exit.take_profits[2].close_fraction);
}

static void
test_from_node_leaves_input(void)
{
	g_autofree char *json = quotes(MINIMAL);
	g_autoptr(JsonNode) node = json_from_string(json, NULL);
	g_autofree char *before = json_to_string(node, FALSE);
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) cfg = cw_bot_config_new_from_node(node, &error);
	g_autofree char *after = json_to_string(node, FALSE);

	g_assert_no_error(error);
	/* The document gets the normalized symbol and the default broker... */
	g_assert_cmpstr(json_object_get_string_member(json_node_get_object(cfg->root), "symbol"),
			==, "BTCUSDT");
	/* ...but the caller's node is not changed. */
	g_assert_cmpstr(before, ==, after);
	g_assert_true(cw_bot_config_ref(cfg) == cfg);
	cw_bot_config_unref(cfg);
}

static void
test_integers(void)
{
	g_autofree char *json = with("{'strategy': {'analyzers': [{'type': 'rsi', 'period': 14.0}, "
				     "{'type': 'ema_cross', 'fast': 1e1, 'slow': 20}]}}");
	g_autoptr(CwBotConfig) cfg = load_ok(json);

	g_assert_cmpuint(cfg->strategies[0]->analyzers[0].period, ==, 14);
	g_assert_cmpuint(cfg->strategies[0]->analyzers[1].fast, ==, 10);
}

static void
test_take_profit_defaults(void)
{
	g_autofree char *json =
	    with("{'strategy': {'exit': {'take_profits': [{'percent': 1}, {'percent': 2}, "
		 "{'percent': 3.5}]}}}");
	g_autoptr(CwBotConfig) cfg = load_ok(json);
	const CwExitSpec *e = &cfg->strategies[0]->exit;
	double sum = 0;

	g_assert_cmpuint(e->n_take_profits, ==, 3);
	for (guint i = 0; i < 3; i++) {
		g_assert_cmpfloat_with_epsilon(e->take_profits[i].close_fraction, 1.0 / 3, 1e-12);
		sum += e->take_profits[i].close_fraction;
	}
	/* The last one takes the exact remainder. */
	g_assert_cmpfloat(sum, ==, 1.0);
	g_assert_cmpfloat(e->take_profits[2].percent, ==, 3.5);
}

static void
test_take_profit_partial(void)
{
	g_autofree char *json =
	    with("{'strategy': {'exit': {'take_profits': [{'percent': 1, 'close': 0.3}, "
		 "{'percent': 2, 'close': 0.3}]}}}");
	g_autoptr(CwBotConfig) cfg = load_ok(json);
	const CwExitSpec *e = &cfg->strategies[0]->exit;

	/* Explicit closes are kept: 0.4 of the position is left to the trailing stop. */
	g_assert_cmpfloat(e->take_profits[0].close_fraction, ==, 0.3);
	g_assert_cmpfloat(e->take_profits[1].close_fraction, ==, 0.3);
}

static void
test_overnight_session(void)
{
	g_autofree char *json = with("{'strategy': {'filters': {'session': {'timezone': "
				     "'America/New_York', 'start': '22:00', 'end': '06:00', "
				     "'days': ['sun', 'mon']}}}}");
	g_autoptr(CwBotConfig) cfg = load_ok(json);
	const CwSessionFilterSpec *s = &cfg->strategies[0]->session;

	g_assert_true(s->enabled);
	g_assert_cmpuint(s->start_minute, ==, 22 * 60);
	g_assert_cmpuint(s->end_minute, ==, 6 * 60);
	g_assert_cmpuint(s->days_mask, ==, (1 << 6) | (1 << 0));
	g_assert_cmpstr(s->timezone, ==, "America/New_York");
}

static void
test_filter_disabled(void)
{
	g_autofree char *json =
	    with("{'strategy': {'filters': {'mtf': {'enabled': false}, "
		 "'volatility': {'enabled': false, 'max_pct': 3}, 'session': {'enabled': true}}}}");
	g_autoptr(CwBotConfig) cfg = load_ok(json);
	const CwStrategySpec *s = cfg->strategies[0];

	g_assert_false(s->mtf.enabled);
	g_assert_false(s->volatility.enabled);
	g_assert_cmpfloat(s->volatility.max_pct, ==, 3);
	g_assert_true(s->session.enabled);
	/* end defaults to start: a 24 h window. */
	g_assert_cmpuint(s->session.start_minute, ==, 0);
	g_assert_cmpuint(s->session.end_minute, ==, 0);
}

static void
test_session_end_of_day(void)
{
	g_autofree char *json = with("{'strategy': {'filters': {'session': {'start': '09:30', "
				     "'end': '24:00'}}}}");
	g_autofree char *json2 = with("{'strategy': {'filters': {'session': {'start': '09:30'}}}}");
	g_autoptr(CwBotConfig) cfg = load_ok(json);
	g_autoptr(CwBotConfig) cfg2 = load_ok(json2);

	/* "24:00" is midnight: an overnight-style window 09:30 -> 00:00. */
	g_assert_cmpuint(cfg->strategies[0]->session.start_minute, ==, 9 * 60 + 30);
	g_assert_cmpuint(cfg->strategies[0]->session.end_minute, ==, 0);
	g_assert_cmpuint(cfg2->strategies[0]->session.end_minute, ==, 9 * 60 + 30);
}

static const char multi_config[] =
    "{'name': 'multi', 'symbol': 'BTCUSDT', 'active_strategy': 'slow',"
    " 'strategy': {'analyzers': [{'type': 'ema_cross'}], 'exit': {'stop_loss': {'value': 1.5}},"
    "  'sizing': {'quote': 500}},"
    " 'strategies': ["
    "  {'id': 'fast', 'analyzers': [{'type': 'ema_cross', 'fast': 5, 'slow': 10}]},"
    "  {'id': 'slow', 'exit': {'take_profits': [{'percent': 3}]}, 'sizing': {'mode': "
    "'risk_percent'}}"
    " ]}";

static void
test_strategies_merge(void)
{
	g_autoptr(CwBotConfig) cfg = load_ok(multi_config);
	const CwStrategySpec *fast, *slow;
	g_autofree char *json = NULL;

	g_assert_cmpuint(cfg->n_strategies, ==, 2);
	fast = cw_bot_config_get_strategy(cfg, "fast");
	slow = cw_bot_config_get_strategy(cfg, "slow");
	g_assert_true(cw_bot_config_get_active_strategy(cfg) == slow);
	g_assert_cmpuint(cfg->active_strategy, ==, 1);
	g_assert_cmpstr(fast->json_path, ==, "strategies[0]");
	g_assert_cmpstr(slow->json_path, ==, "strategies[1]");
	g_assert_cmpuint(fast->quark, ==, g_quark_from_string("multi:fast"));
	g_assert_cmpuint(fast->quark, !=, slow->quark);

	/* Arrays replace, objects merge. */
	g_assert_cmpuint(fast->analyzers[0].fast, ==, 5);
	g_assert_cmpuint(slow->analyzers[0].fast, ==, 9);
	g_assert_cmpfloat(fast->exit.stop_loss.value, ==, 1.5);
	g_assert_cmpfloat(slow->exit.stop_loss.value, ==, 1.5);
	g_assert_cmpuint(fast->exit.n_take_profits, ==, 0);
	g_assert_cmpuint(slow->exit.n_take_profits, ==, 1);
	g_assert_cmpfloat(slow->exit.take_profits[0].close_fraction, ==, 1);
	g_assert_cmpint(fast->sizing.kind, ==, CW_SIZING_FIXED_QUOTE);
	g_assert_cmpint(slow->sizing.kind, ==, CW_SIZING_RISK_PERCENT);
	g_assert_cmpfloat(slow->sizing.quote, ==, 500);

	/* raw and the document hold the merged strategy. */
	g_assert_cmpstr(json_object_get_string_member(
			    json_object_get_object_member(slow->raw, "sizing"), "mode"),
			==, "risk_percent");
	g_assert_cmpint(
	    json_object_get_int_member(json_object_get_object_member(slow->raw, "sizing"), "quote"),
	    ==, 500);
	json = cw_bot_config_to_json(cfg);
	g_assert_nonnull(strstr(json, "\"quote\": 500"));
}

static void
test_strategies_first_is_active(void)
{
	g_autoptr(CwBotConfig) cfg = load_ok(
	    "{'name': 'x', 'symbol': 'BTCUSDT', 'strategies': ["
	    " {'id': 'a', 'analyzers': [{'type': 'adx'}]}, {'id': 'b', 'analyzers': [{'type': "
	    "'donchian'}]}]}");

	g_assert_cmpstr(cw_bot_config_get_active_strategy(cfg)->id, ==, "a");
	g_assert_cmpint(cfg->strategies[1]->analyzers[0].kind, ==, CW_ANALYZER_DONCHIAN);
}

static void
test_other_strategy_type(void)
{
	g_autofree char *json = NULL;
	g_autoptr(CwBotConfig) cfg = NULL;
	const CwStrategySpec *s;

	g_io_extension_point_implement(CW_EXTENSION_POINT_STRATEGY, TEST_TYPE_GRID, "grid", 0);

	/* Composite keys are not checked; params are kept for the implementation. */
	cfg = load_ok("{'name': 'g', 'symbol': 'BTCUSDT', 'strategy': {'type': 'grid',"
		      " 'params': {'levels': 10, 'anything': true}, 'analyzers': 'ignored',"
		      " 'sizing': {'quote': 50}}}");
	s = cfg->strategies[0];
	g_assert_cmpstr(s->type, ==, "grid");
	g_assert_cmpuint(s->n_analyzers, ==, 0);
	g_assert_cmpint(
	    json_object_get_int_member(json_object_get_object_member(s->raw, "params"), "levels"),
	    ==, 10);
	g_assert_cmpfloat(s->sizing.quote, ==, 50);
	g_assert_cmpint(s->exit.stop_loss.kind, ==, CW_STOP_PERCENT);

	expect_error("{'strategy': {'type': 'foo'}}", CW_CONFIG_ERROR_UNKNOWN_NAME,
		     "strategy.type: unknown strategy type 'foo' (known: composite, grid)");
	expect_error("{'strategy': {'type': 'grid', 'params': 3}}", CW_CONFIG_ERROR_TYPE,
		     "strategy.params: expected an object, got a number");
	expect_error("{'strategy': {'type': 'grid', 'sizing': {'leverage': 0.5}}}",
		     CW_CONFIG_ERROR_RANGE,
		     "strategy.sizing.leverage: expected a number in [1, 100], got 0.5");
}

static void
test_profiles(void)
{
	g_autoptr(CwBotConfig) live = NULL;
	g_autoptr(CwBotConfig) canary = NULL;
	g_autoptr(CwBotConfig) paper = NULL;
	g_autofree char *live_json = with("{'profile': 'live', 'broker': {'type': 'bybit'}}");
	g_autofree char *canary_json =
	    with("{'profile': 'canary', 'canary_fraction': 0.25, 'broker': {'type': 'bybit'},"
		 " 'strategy': {'sizing': {'quote': 400, 'max_quote': 800, 'risk_percent': 2}}}");
	g_autofree char *paper_json = with("{'broker': {'slippage_bps': 3}}");
	g_autofree char *canary_doc = NULL;

	live = load_ok(live_json);
	g_assert_cmpint(live->profile, ==, CW_PROFILE_LIVE);
	g_assert_cmpstr(cw_bot_config_get_section_type(live, "broker", NULL), ==, "bybit");
	g_assert_cmpfloat(live->strategies[0]->sizing.quote, ==, 1000);

	canary = load_ok(canary_json);
	g_assert_cmpint(canary->profile, ==, CW_PROFILE_CANARY);
	g_assert_cmpfloat(canary->strategies[0]->sizing.quote, ==, 100);
	g_assert_cmpfloat(canary->strategies[0]->sizing.max_quote, ==, 200);
	g_assert_cmpfloat(canary->strategies[0]->sizing.risk_percent, ==, 0.5);
	/* The document keeps the configured sizes, so it parses the same again. */
	canary_doc = cw_bot_config_to_json(canary);
	g_assert_nonnull(strstr(canary_doc, "\"quote\": 400"));

	paper = load_ok(paper_json);
	g_assert_cmpstr(cw_bot_config_get_section_type(paper, "broker", NULL), ==, "paper");
	g_assert_cmpint(
	    json_object_get_int_member(cw_bot_config_get_section(paper, "broker"), "slippage_bps"),
	    ==, 3);

	expect_error("{'profile': 'live', 'broker': {'type': 'paper'}}", CW_CONFIG_ERROR_INVALID,
		     "broker.type: expected a real broker for the live profile, got 'paper'");
	expect_error("{'profile': 'canary'}", CW_CONFIG_ERROR_MISSING,
		     "broker.type: missing required key (the canary profile needs a real broker "
		     "such as \"bybit\")");
	expect_error("{'profile': 'demo'}", CW_CONFIG_ERROR_RANGE,
		     "profile: expected one of paper, live, canary, got 'demo'");
}

static void
test_errors_top_level(void)
{
	expect_error("{'nmae': 'x'}", CW_CONFIG_ERROR_UNKNOWN_KEY,
		     "nmae: unknown key (known: name, description, symbol, interval, profile, "
		     "initial_balance, instrument, strategy, strategies, active_strategy, "
		     "canary_fraction, feed, broker, guardrails, notifications, execution)");
	expect_error("{'initial_balance': '100'}", CW_CONFIG_ERROR_TYPE,
		     "initial_balance: expected a number, got a string");
	expect_error("{'initial_balance': 0}", CW_CONFIG_ERROR_RANGE,
		     "initial_balance: expected a number > 0, got 0");
	expect_error("{'interval': '7m'}", CW_CONFIG_ERROR_RANGE,
		     "interval: expected one of 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 12h, 1d, got "
		     "'7m'");
	expect_error("{'name': 'my bot'}", CW_CONFIG_ERROR_INVALID,
		     "name: expected 1-64 characters of [A-Za-z0-9_.-], got 'my bot'");
	expect_error("{'symbol': 'BTC-USDT'}", CW_CONFIG_ERROR_INVALID,
		     "symbol: expected 2-32 characters of [A-Z0-9], got 'BTC-USDT'");
	expect_error("{'canary_fraction': 0}", CW_CONFIG_ERROR_RANGE,
		     "canary_fraction: expected a number in (0, 1], got 0");
	expect_error("{'instrument': {'tick_size': -0.1}}", CW_CONFIG_ERROR_RANGE,
		     "instrument.tick_size: expected a number >= 0, got -0.1");
	expect_error("{'instrument': {'step': 1}}", CW_CONFIG_ERROR_UNKNOWN_KEY,
		     "instrument.step: unknown key (known: tick_size, lot_step, min_qty, "
		     "min_notional)");
	expect_error("{'feed': 'bybit'}", CW_CONFIG_ERROR_TYPE,
		     "feed: expected an object, got a string");
	expect_error("{'guardrails': {'type': 3}}", CW_CONFIG_ERROR_TYPE,
		     "guardrails.type: expected a string, got a number");
	expect_error("{'strategy': []}", CW_CONFIG_ERROR_TYPE,
		     "strategy: expected an object, got an array");

	expect_error_json("{\"symbol\": \"BTCUSDT\", \"strategy\": {}}", CW_CONFIG_ERROR_MISSING,
			  "name: missing required key (1-64 characters of [A-Za-z0-9_.-])");
	expect_error_json("{\"name\": \"a\", \"symbol\": \"BTCUSDT\"}", CW_CONFIG_ERROR_MISSING,
			  "strategy: missing required key (or give \"strategies\")");
	expect_error_json("[1, 2]", CW_CONFIG_ERROR_TYPE,
			  "expected an object at the top level, got an array");
	expect_error_json("", CW_CONFIG_ERROR_PARSE, "empty document");
	expect_error_json(" \n\t ", CW_CONFIG_ERROR_PARSE, "empty document");
	expect_error_json("null", CW_CONFIG_ERROR_TYPE,
			  "expected an object at the top level, got null");
}

static void
test_errors_analyzers(void)
{
	expect_error("{'strategy': {'analyzers': [{'type': 'foo'}]}}", CW_CONFIG_ERROR_UNKNOWN_NAME,
		     "strategy.analyzers[0].type: unknown analyzer 'foo' (known: adx, atr_regime, "
		     "bollinger, donchian, ema_cross, macd, rsi, stochastic, volume_spike)");
	expect_error("{'strategy': {'analyzers': [{'type': 'rsi'}, {'type': 'macd'}, {'type': "
		     "'adx', 'weight': 1.5}]}}",
		     CW_CONFIG_ERROR_RANGE,
		     "strategy.analyzers[2].weight: expected a number in [0, 1], got 1.5");
	expect_error("{'strategy': {'analyzers': [{'type': 'ema_cross', 'period': 3}]}}",
		     CW_CONFIG_ERROR_UNKNOWN_KEY,
		     "strategy.analyzers[0].period: unknown key (known: type, weight, fast, slow)");
	expect_error("{'strategy': {'analyzers': [{'type': 'ema_cross', 'fast': 20, 'slow': "
		     "10}]}}",
		     CW_CONFIG_ERROR_INVALID,
		     "strategy.analyzers[0].slow: expected an integer greater than fast (20), got "
		     "10");
	expect_error("{'strategy': {'analyzers': [{'type': 'rsi', 'period': 14.5}]}}",
		     CW_CONFIG_ERROR_TYPE,
		     "strategy.analyzers[0].period: expected an integer, got 14.5");
	expect_error("{'strategy': {'analyzers': [{'type': 'rsi', 'period': 0}]}}",
		     CW_CONFIG_ERROR_RANGE,
		     "strategy.analyzers[0].period: expected an integer in [1, 1000], got 0");
	expect_error("{'strategy': {'analyzers': [{'type': 'rsi', 'lower': 70, 'upper': 30}]}}",
		     CW_CONFIG_ERROR_INVALID,
		     "strategy.analyzers[0].upper: expected a number greater than lower (70), got "
		     "30");
	expect_error("{'strategy': {'analyzers': [{'type': 'rsi', 'mode': 'revers'}]}}",
		     CW_CONFIG_ERROR_RANGE,
		     "strategy.analyzers[0].mode: expected one of reversal, trend, got 'revers'");
	expect_error("{'strategy': {'analyzers': [{'type': 'bollinger', 'period': 1}]}}",
		     CW_CONFIG_ERROR_RANGE,
		     "strategy.analyzers[0].period: expected an integer in [2, 1000], got 1");
	expect_error("{'strategy': {'analyzers': [{'type': 'bollinger', 'stddev': 0}]}}",
		     CW_CONFIG_ERROR_RANGE,
		     "strategy.analyzers[0].stddev: expected a number in (0, 10], got 0");
	expect_error("{'strategy': {'analyzers': [{'type': 'atr_regime', 'min_pct': 2, "
		     "'max_pct': 1}]}}",
		     CW_CONFIG_ERROR_INVALID,
		     "strategy.analyzers[0].max_pct: expected a number greater than min_pct (2), "
		     "got 1");
	expect_error("{'strategy': {'analyzers': [{'type': 'macd', 'fast': 26}]}}",
		     CW_CONFIG_ERROR_INVALID,
		     "strategy.analyzers[0].slow: expected an integer greater than fast (26), got "
		     "26");
	expect_error("{'strategy': {'analyzers': [{'weight': 1}]}}", CW_CONFIG_ERROR_MISSING,
		     "strategy.analyzers[0].type: missing required key (one of adx, atr_regime, "
		     "bollinger, donchian, ema_cross, macd, rsi, stochastic, volume_spike)");
	expect_error("{'strategy': {'analyzers': ['rsi']}}", CW_CONFIG_ERROR_TYPE,
		     "strategy.analyzers[0]: expected an object, got a string");
	expect_error("{'strategy': {'analyzers': []}}", CW_CONFIG_ERROR_RANGE,
		     "strategy.analyzers: expected 1 to 16 items, got 0");
	expect_error("{'strategy': {'analyzers': [{'type': 'rsi', 'weight': 0}]}}",
		     CW_CONFIG_ERROR_INVALID,
		     "strategy.analyzers: expected at least one analyzer with a weight > 0, got "
		     "only zero weights");
	expect_error("{'strategy': {'params': {}}}", CW_CONFIG_ERROR_UNKNOWN_KEY,
		     "strategy.params: unknown key (known: id, type, description, analyzers, "
		     "aggregation, filters, exit, sizing)");
	expect_error("{'strategy': {'aggregation': {'min_score': -0.1}}}", CW_CONFIG_ERROR_RANGE,
		     "strategy.aggregation.min_score: expected a number in [0, 1], got -0.1");
	expect_error("{'strategy': {'id': 'a b'}}", CW_CONFIG_ERROR_INVALID,
		     "strategy.id: expected 1-64 characters of [A-Za-z0-9_.-], got 'a b'");
}

static void
test_errors_filters(void)
{
	expect_error("{'strategy': {'filters': {'session': {'timezone': 'Mars/Olympus'}}}}",
		     CW_CONFIG_ERROR_INVALID,
		     "strategy.filters.session.timezone: unknown time zone 'Mars/Olympus' "
		     "(expected an IANA name such as Europe/Berlin, UTC, or a fixed offset such "
		     "as +05:00)");
	expect_error("{'strategy': {'filters': {'session': {'timezone': 'UTC+5'}}}}",
		     CW_CONFIG_ERROR_INVALID,
		     "strategy.filters.session.timezone: 'UTC+5' is a POSIX TZ string, whose sign "
		     "is inverted (UTC+5 means five hours west of UTC); write the offset as "
		     "\"+05:00\" (or \"-05:00\"), or use an IANA name such as Europe/Berlin");
	expect_error("{'strategy': {'filters': {'session': {'tz': 'UTC'}}}}",
		     CW_CONFIG_ERROR_UNKNOWN_KEY,
		     "strategy.filters.session.tz: unknown key (known: enabled, timezone, start, "
		     "end, days)");
	expect_error("{'strategy': {'filters': {'session': {'start': '9:00'}}}}",
		     CW_CONFIG_ERROR_INVALID,
		     "strategy.filters.session.start: expected a time \"HH:MM\" from 00:00 to "
		     "24:00, got '9:00'");
	expect_error("{'strategy': {'filters': {'session': {'start': '24:00'}}}}",
		     CW_CONFIG_ERROR_RANGE,
		     "strategy.filters.session.start: expected a time \"HH:MM\" from 00:00 to "
		     "23:59, got '24:00'");
	expect_error("{'strategy': {'filters': {'session': {'days': ['mon', 'funday']}}}}",
		     CW_CONFIG_ERROR_RANGE,
		     "strategy.filters.session.days[1]: expected one of mon, tue, wed, thu, fri, "
		     "sat, sun, got 'funday'");
	expect_error("{'strategy': {'filters': {'mtf': {'interval': '7m'}}}}",
		     CW_CONFIG_ERROR_INVALID,
		     "strategy.filters.mtf.interval: must be a multiple of the base interval 5m, "
		     "got 7m");
	expect_error("{'strategy': {'filters': {'mtf': {'interval': '5m'}}}}",
		     CW_CONFIG_ERROR_INVALID,
		     "strategy.filters.mtf.interval: must be longer than the base interval 5m, got "
		     "5m");
	expect_error("{'strategy': {'filters': {'mtf': {'slow': 50}}}}", CW_CONFIG_ERROR_MISSING,
		     "strategy.filters.mtf.interval: missing required key (a higher interval such "
		     "as \"1h\")");
	expect_error("{'strategy': {'filters': {'mtf': {'interval': '1h', 'fast': 60}}}}",
		     CW_CONFIG_ERROR_INVALID,
		     "strategy.filters.mtf.slow: expected an integer greater than fast (60), got "
		     "50");
	expect_error("{'strategy': {'filters': {'volatility': {'min_pct': 5, 'max_pct': 5}}}}",
		     CW_CONFIG_ERROR_INVALID,
		     "strategy.filters.volatility.max_pct: expected a number greater than min_pct "
		     "(5), got 5");
	expect_error("{'strategy': {'filters': {'news': {}}}}", CW_CONFIG_ERROR_UNKNOWN_KEY,
		     "strategy.filters.news: unknown key (known: session, volatility, mtf)");
}

static void
test_errors_exit_sizing(void)
{
	expect_error("{'strategy': {'exit': {'stop_los': {}}}}", CW_CONFIG_ERROR_UNKNOWN_KEY,
		     "strategy.exit.stop_los: unknown key (known: stop_loss, take_profits, "
		     "breakeven, trailing, time_exit_candles, exit_on_opposite_signal)");
	expect_error("{'strategy': {'exit': {'stop_loss': {'type': 'percent', 'value': 100}}}}",
		     CW_CONFIG_ERROR_RANGE,
		     "strategy.exit.stop_loss.value: expected a number in (0, 100), got 100");
	expect_error("{'strategy': {'exit': {'take_profits': [{'percent': 1, 'close': 0.7}, "
		     "{'percent': 2, 'close': 0.5}]}}}",
		     CW_CONFIG_ERROR_INVALID,
		     "strategy.exit.take_profits[1].close: expected the closes of the take profits "
		     "to sum to at most 1, got 1.2");
	expect_error("{'strategy': {'exit': {'take_profits': [{'percent': 1, 'r': 1}]}}}",
		     CW_CONFIG_ERROR_INVALID,
		     "strategy.exit.take_profits[0]: expected exactly one of percent or r, got "
		     "both");
	expect_error("{'strategy': {'exit': {'take_profits': [{'close': 1}]}}}",
		     CW_CONFIG_ERROR_MISSING,
		     "strategy.exit.take_profits[0]: expected exactly one of percent or r, got "
		     "neither");
	expect_error("{'strategy': {'exit': {'take_profits': [{'percent': 2}, {'percent': "
		     "1.5}]}}}",
		     CW_CONFIG_ERROR_INVALID,
		     "strategy.exit.take_profits[1].percent: expected a number greater than "
		     "take_profits[0].percent (2), got 1.5");
	expect_error("{'strategy': {'exit': {'take_profits': [{'percent': 1}, {'r': 2}]}}}",
		     CW_CONFIG_ERROR_INVALID,
		     "strategy.exit.take_profits[1].r: expected percent like take_profits[0], got "
		     "r");
	expect_error("{'strategy': {'exit': {'stop_loss': {'type': 'none'}, 'take_profits': "
		     "[{'r': 2}]}}}",
		     CW_CONFIG_ERROR_INVALID,
		     "strategy.exit.take_profits[0].r: expected percent when stop_loss.type is "
		     "none (r is a multiple of the stop distance), got r");
	expect_error("{'strategy': {'exit': {'take_profits': [{'percent': 1, 'close': 1}, "
		     "{'percent': 2}]}}}",
		     CW_CONFIG_ERROR_INVALID,
		     "strategy.exit.take_profits[1].close: expected a share of the position, but "
		     "the other take profits already close 1 of it");
	expect_error("{'strategy': {'exit': {'take_profits': [{'percent': 1}, {'percent': 2}, "
		     "{'percent': 3}, {'percent': 4}]}}}",
		     CW_CONFIG_ERROR_RANGE,
		     "strategy.exit.take_profits: expected at most 3 items, got 4");
	expect_error("{'strategy': {'exit': {'take_profits': [{'percent': 1, 'close': 0}]}}}",
		     CW_CONFIG_ERROR_RANGE,
		     "strategy.exit.take_profits[0].close: expected a number in (0, 1], got 0");
	expect_error("{'strategy': {'exit': {'breakeven': {'enabled': 'yes'}}}}",
		     CW_CONFIG_ERROR_TYPE,
		     "strategy.exit.breakeven.enabled: expected a boolean, got a string");
	expect_error("{'strategy': {'exit': {'trailing': {'type': 'chandelier'}}}}",
		     CW_CONFIG_ERROR_RANGE,
		     "strategy.exit.trailing.type: expected one of percent, atr, none, got "
		     "'chandelier'");
	expect_error("{'strategy': {'exit': []}}", CW_CONFIG_ERROR_TYPE,
		     "strategy.exit: expected an object, got an array");
	expect_error("{'strategy': {'sizing': {'mode': 'fixed'}}}", CW_CONFIG_ERROR_RANGE,
		     "strategy.sizing.mode: expected one of fixed_quote, risk_percent, "
		     "compounding, got 'fixed'");
	expect_error("{'strategy': {'sizing': {'risk_percent': 0}}}", CW_CONFIG_ERROR_RANGE,
		     "strategy.sizing.risk_percent: expected a number in (0, 100], got 0");
	expect_error("{'strategy': {'sizing': {'qoute': 10}}}", CW_CONFIG_ERROR_UNKNOWN_KEY,
		     "strategy.sizing.qoute: unknown key (known: mode, quote, risk_percent, "
		     "reinvest_fraction, protected_deposit, max_quote, leverage)");
}

static void
test_errors_strategies(void)
{
	expect_error("{'strategies': [{'id': 'a'}, {'id': 'b'}, {'id': 'a'}]}",
		     CW_CONFIG_ERROR_INVALID,
		     "strategies[2].id: duplicate strategy id 'a' (also strategies[0])");
	expect_error("{'strategies': [{'id': 'a'}, {'id': 'b'}], 'active_strategy': 'c'}",
		     CW_CONFIG_ERROR_UNKNOWN_NAME,
		     "active_strategy: unknown strategy 'c' (known: a, b)");
	expect_error("{'active_strategy': 'c'}", CW_CONFIG_ERROR_UNKNOWN_NAME,
		     "active_strategy: unknown strategy 'c' (known: main)");
	expect_error("{'strategies': [{'id': 'a'}, {'description': 'b'}]}", CW_CONFIG_ERROR_MISSING,
		     "strategies[1].id: missing required key (1-64 characters of [A-Za-z0-9_.-])");
	expect_error("{'strategies': []}", CW_CONFIG_ERROR_RANGE,
		     "strategies: expected 1 to 32 items, got 0");
	expect_error("{'strategies': [{'id': 'a'}, 7]}", CW_CONFIG_ERROR_TYPE,
		     "strategies[1]: expected an object, got a number");
	/* The error names the merged strategy, wherever the value came from. */
	expect_error("{'strategies': [{'id': 'a'}, {'id': 'b', 'exit': {'trailing': {'type': "
		     "'atr', 'value': -1}}}]}",
		     CW_CONFIG_ERROR_RANGE,
		     "strategies[1].exit.trailing.value: expected a number > 0, got -1");
}

static void
test_syntax_error(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) cfg =
	    cw_bot_config_new_from_data("{\n  \"name\": \"a\",\n  \"symbol\": }\n", -1, &error);

	g_assert_null(cfg);
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_PARSE);
	g_assert_cmpstr(error->message, ==, "3:13: symbol: expected a value, got '}'");
}

static void
test_file(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) cfg = NULL;
	g_autofree char *dir = g_dir_make_tmp("cw-config-XXXXXX", &error);
	g_autofree char *good = g_build_filename(dir, "good.json", NULL);
	g_autofree char *bad = g_build_filename(dir, "bad.json", NULL);
	g_autofree char *invalid = g_build_filename(dir, "invalid.json", NULL);
	g_autofree char *missing = g_build_filename(dir, "missing.json", NULL);
	g_autofree char *minimal = quotes(MINIMAL);
	g_autofree char *expected = NULL;

	g_assert_no_error(error);
	g_assert_true(g_file_set_contents(good, minimal, -1, NULL));
	g_assert_true(g_file_set_contents(bad, "{\n\"name\": 3,,\n}", -1, NULL));
	g_assert_true(g_file_set_contents(invalid, "{\"name\": 3}", -1, NULL));

	cfg = cw_bot_config_new_from_file(good, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(cfg->symbol, ==, "BTCUSDT");

	g_assert_null(cw_bot_config_new_from_file(missing, &error));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_IO);
	expected = g_strdup_printf("%s: No such file or directory", missing);
	g_assert_cmpstr(error->message, ==, expected);
	g_clear_error(&error);
	g_clear_pointer(&expected, g_free);

	g_assert_null(cw_bot_config_new_from_file(bad, &error));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_PARSE);
	expected = g_strdup_printf("%s:2:11: expected a string key, got ','", bad);
	g_assert_cmpstr(error->message, ==, expected);
	g_clear_error(&error);
	g_clear_pointer(&expected, g_free);

	g_assert_null(cw_bot_config_new_from_file(invalid, &error));
	g_assert_error(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_TYPE);
	expected = g_strdup_printf("%s: name: expected a string, got a number", invalid);
	g_assert_cmpstr(error->message, ==, expected);
	g_clear_error(&error);

	g_unlink(good);
	g_unlink(bad);
	g_unlink(invalid);
	g_rmdir(dir);
}

static void
test_examples(void)
{
	static const struct {
		const char *file;
		const char *symbol;
		guint n_analyzers;
	} examples[] = {
	    {"ema-trend.json", "BTCUSDT", 4},
	    {"mean-reversion.json", "BTCUSDT", 3},
	    {"breakout.json", "ETHUSDT", 4},
	};
	const char *root = g_getenv("CW_SOURCE_ROOT");

	if (root == NULL) {
		g_test_skip("CW_SOURCE_ROOT is not set (meson test sets it)");
		return;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(examples); i++) {
		g_autofree char *path =
		    g_build_filename(root, "docs", "examples", examples[i].file, NULL);
		g_autoptr(GError) error = NULL;
		g_autoptr(CwBotConfig) cfg = cw_bot_config_new_from_file(path, &error);
		const CwStrategySpec *s;

		g_assert_no_error(error);
		s = cw_bot_config_get_active_strategy(cfg);
		g_assert_cmpstr(cfg->symbol, ==, examples[i].symbol);
		g_assert_cmpint(cfg->interval_ms, ==, 5 * 60 * 1000);
		g_assert_cmpuint(s->n_analyzers, ==, examples[i].n_analyzers);
		if (i == 0) {
			g_assert_cmpint(s->exit.stop_loss.kind, ==, CW_STOP_PERCENT);
			g_assert_cmpuint(s->exit.n_take_profits, ==, 3);
			g_assert_cmpint(s->exit.trailing.kind, !=, CW_STOP_NONE);
		} else if (i == 1) {
			g_assert_cmpint(s->exit.stop_loss.kind, ==, CW_STOP_ATR);
			g_assert_true(s->session.enabled);
			g_assert_cmpint(s->analyzers[0].mode, ==, CW_ANALYZER_MODE_REVERSAL);
			g_assert_cmpint(s->analyzers[1].mode, ==, CW_ANALYZER_MODE_MEAN_REVERSION);
		} else {
			g_assert_true(s->mtf.enabled);
			g_assert_cmpint(s->mtf.interval_ms, ==, 3600 * 1000);
			g_assert_cmpint(s->sizing.kind, ==, CW_SIZING_RISK_PERCENT);
			g_assert_cmpint(s->analyzers[3].mode, ==, CW_ANALYZER_MODE_BREAKOUT);
		}
	}
}

/* The "Complete example" of docs/configuration.md must stay valid too. */
static void
test_reference_example(void)
{
	const char *root = g_getenv("CW_SOURCE_ROOT");
	g_autofree char *path = NULL;
	g_autofree char *doc = NULL;
	g_autofree char *json = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) cfg = NULL;
	const char *start, *end;

	if (root == NULL) {
		g_test_skip("CW_SOURCE_ROOT is not set (meson test sets it)");
		return;
	}
	path = g_build_filename(root, "docs", "configuration.md", NULL);
	g_assert_true(g_file_get_contents(path, &doc, NULL, &error));
	start = strstr(doc, "## Complete example");
	g_assert_nonnull(start);
	start = strstr(start, "```json\n");
	g_assert_nonnull(start);
	start += strlen("```json\n");
	end = strstr(start, "```");
	g_assert_nonnull(end);
	json = g_strndup(start, (gsize) (end - start));

	cfg = cw_bot_config_new_from_data(json, -1, &error);
	g_assert_no_error(error);
	g_assert_cmpint(cfg->profile, ==, CW_PROFILE_CANARY);
	g_assert_cmpuint(cfg->n_strategies, ==, 2);
	g_assert_cmpuint(cfg->strategies[0]->n_analyzers, ==, 9);
	g_assert_cmpfloat(cfg->strategies[0]->sizing.quote, ==, 100);
	g_assert_cmpfloat(cfg->strategies[1]->exit.stop_loss.value, ==, 1.0);
	g_assert_cmpfloat(cfg->strategies[1]->exit.take_profits[0].close_fraction, ==, 1.0);
}

static void
test_to_string(void)
{
	g_assert_cmpstr(cw_analyzer_kind_to_string(CW_ANALYZER_VOLUME_SPIKE), ==, "volume_spike");
	g_assert_cmpstr(cw_analyzer_kind_to_string(CW_ANALYZER_LAST), ==, "unknown");
	g_assert_cmpstr(cw_profile_to_string(CW_PROFILE_CANARY), ==, "canary");
	g_assert_cmpstr(cw_analyzer_mode_to_string(CW_ANALYZER_MODE_MEAN_REVERSION), ==,
			"mean_reversion");
	g_assert_cmpstr(cw_stop_kind_to_string(CW_STOP_ATR), ==, "atr");
	g_assert_cmpstr(cw_sizing_kind_to_string(CW_SIZING_RISK_PERCENT), ==, "risk_percent");
}

/* "execution": the time limits of order handling. */
static void
test_execution_section(void)
{
	g_autoptr(CwBotConfig) defaults = load_ok(MINIMAL);
	g_autofree char *json = with("{'execution': {'entry_timeout_s': 5.5, 'retry_initial_s': "
				     "0.5, 'retry_max_s': 30}}");
	g_autoptr(CwBotConfig) cfg = cw_bot_config_new_from_data(json, -1, NULL);

	g_assert_cmpfloat(defaults->execution.entry_timeout_s, ==, 60);
	g_assert_cmpfloat(defaults->execution.retry_initial_s, ==, 1);
	g_assert_cmpfloat(defaults->execution.retry_max_s, ==, 60);
	g_assert_nonnull(cfg);
	g_assert_cmpfloat(cfg->execution.entry_timeout_s, ==, 5.5);
	g_assert_cmpfloat(cfg->execution.retry_initial_s, ==, 0.5);
	g_assert_cmpfloat(cfg->execution.retry_max_s, ==, 30);
	expect_error("{'execution': {'entry_timeout': 5}}", CW_CONFIG_ERROR_UNKNOWN_KEY,
		     "execution.entry_timeout: unknown key (known: entry_timeout_s, "
		     "retry_initial_s, retry_max_s)");
	expect_error("{'execution': {'entry_timeout_s': 0}}", CW_CONFIG_ERROR_RANGE, NULL);
	expect_error("{'execution': {'entry_timeout_s': 'soon'}}", CW_CONFIG_ERROR_TYPE, NULL);
	expect_error("{'execution': {'retry_initial_s': 10, 'retry_max_s': 5}}",
		     CW_CONFIG_ERROR_INVALID,
		     "execution.retry_max_s: must be >= retry_initial_s (10), got 5");
	expect_error("{'execution': 3}", CW_CONFIG_ERROR_TYPE, NULL);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	cw_extension_points_register();
	g_test_add_func("/config/bot/minimal-defaults", test_minimal_defaults);
	g_test_add_func("/config/bot/execution-section", test_execution_section);
	g_test_add_func("/config/bot/full", test_full);
	g_test_add_func("/config/bot/to-json-round-trip", test_to_json_round_trip);
	g_test_add_func("/config/bot/from-node-leaves-input", test_from_node_leaves_input);
	g_test_add_func("/config/bot/integers", test_integers);
	g_test_add_func("/config/bot/take-profit-defaults", test_take_profit_defaults);
	g_test_add_func("/config/bot/take-profit-partial", test_take_profit_partial);
	g_test_add_func("/config/bot/overnight-session", test_overnight_session);
	g_test_add_func("/config/bot/filter-disabled", test_filter_disabled);
	g_test_add_func("/config/bot/session-end-of-day", test_session_end_of_day);
	g_test_add_func("/config/bot/strategies-merge", test_strategies_merge);
	g_test_add_func("/config/bot/strategies-first-is-active", test_strategies_first_is_active);
	g_test_add_func("/config/bot/other-strategy-type", test_other_strategy_type);
	g_test_add_func("/config/bot/profiles", test_profiles);
	g_test_add_func("/config/bot/errors/top-level", test_errors_top_level);
	g_test_add_func("/config/bot/errors/analyzers", test_errors_analyzers);
	g_test_add_func("/config/bot/errors/filters", test_errors_filters);
	g_test_add_func("/config/bot/errors/exit-sizing", test_errors_exit_sizing);
	g_test_add_func("/config/bot/errors/strategies", test_errors_strategies);
	g_test_add_func("/config/bot/syntax-error", test_syntax_error);
	g_test_add_func("/config/bot/file", test_file);
	g_test_add_func("/config/bot/examples", test_examples);
	g_test_add_func("/config/bot/reference-example", test_reference_example);
	g_test_add_func("/config/bot/to-string", test_to_string);
	return g_test_run();
}
