#include "cw-strategies.h"

#include "cw-aggregator.h"
#include "cw-mtf-filter.h"
#include "cw-session-filter.h"
#include "cw-volatility-filter.h"

struct _CwCompositeStrategy {
	GObject parent_instance;
	const CwStrategySpec *spec; /* borrowed: outlives the strategy */
	gboolean configured;
	CwAnalyzer *analyzers;
	CwAnalyzerVote *votes;
	guint n_analyzers;
	CwAggregator aggregator;
	CwSessionFilter session;
	CwVolatilityFilter volatility;
	CwMtfFilter mtf;
	gboolean has_volatility; /* the filters are enabled: checked once per candle */
	gboolean has_mtf;
	double total_weight;   /* sum of the analyzers' weights, in analyzer order */
	CwAtr atr;             /* the stop ATR, unless an identical one is shared */
	const CwAtr *stop_atr; /* &atr, or an ATR of the same period fed the same candles */
	guint atr_period;
	gboolean exit_on_opposite;
};

static void cw_composite_strategy_iface_init(CwStrategyInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwCompositeStrategy, cw_composite_strategy, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_STRATEGY,
						    cw_composite_strategy_iface_init))

static void
cw_composite_strategy_release(CwCompositeStrategy *self)
{
	for (guint i = 0; i < self->n_analyzers; i++)
		cw_analyzer_clear(&self->analyzers[i]);
	g_clear_pointer(&self->analyzers, g_free);
	g_clear_pointer(&self->votes, g_free);
	self->n_analyzers = 0;
	cw_session_filter_clear(&self->session);
	memset(&self->volatility, 0, sizeof(self->volatility));
	memset(&self->mtf, 0, sizeof(self->mtf));
	self->has_volatility = FALSE;
	self->has_mtf = FALSE;
	self->total_weight = 0;
	self->stop_atr = NULL;
	self->configured = FALSE;
	self->spec = NULL;
}

static guint
cw_composite_strategy_pick_atr_period(const CwExitSpec *exit)
{
	if (exit->stop_loss.kind == CW_STOP_ATR && exit->stop_loss.atr_period > 0)
		return exit->stop_loss.atr_period;
	if (exit->trailing.kind == CW_STOP_ATR && exit->trailing.atr_period > 0)
		return exit->trailing.atr_period;
	return CW_COMPOSITE_DEFAULT_ATR_PERIOD;
}

/* An ATR of the stop period that is fed every candle anyway (an atr_regime
 * analyzer's, or the volatility filter's) holds exactly the numbers the stop
 * ATR would: read it instead of computing the same values twice. Both are
 * reset by cw_composite_strategy_reset(). */
static const CwAtr *
cw_composite_strategy_find_shared_atr(CwCompositeStrategy *self)
{
	for (guint i = 0; i < self->n_analyzers; i++) {
		const CwAnalyzer *a = &self->analyzers[i];

		if (a->spec.kind == CW_ANALYZER_ATR_REGIME &&
		    a->u.atr_regime.atr.period == self->atr_period)
			return &a->u.atr_regime.atr;
	}
	if (self->volatility.enabled && self->volatility.atr.period == self->atr_period)
		return &self->volatility.atr;
	return &self->atr;
}

static gboolean
cw_composite_strategy_build(CwCompositeStrategy *self, const CwStrategySpec *spec, GError **error)
{
	if (spec->n_analyzers == 0 || spec->analyzers == NULL) {
		g_set_error(error, CW_STRATEGIES_ERROR, CW_STRATEGIES_ERROR_INVALID_PARAMETER,
			    "analyzers: a composite strategy needs at least one analyzer");
		return FALSE;
	}
	self->analyzers = g_new0(CwAnalyzer, spec->n_analyzers);
	self->votes = g_new0(CwAnalyzerVote, spec->n_analyzers);
	for (guint i = 0; i < spec->n_analyzers; i++) {
		if (!cw_analyzer_init(&self->analyzers[i], &spec->analyzers[i], error)) {
			g_prefix_error(error, "analyzers[%u].", i);
			return FALSE;
		}
		self->n_analyzers = i + 1;
		self->votes[i].weight = spec->analyzers[i].weight;
	}
	if (!cw_aggregator_init(&self->aggregator, &spec->aggregation, error))
		return FALSE;
	if (!cw_session_filter_init(&self->session, &spec->session, error))
		return FALSE;
	if (!cw_volatility_filter_init(&self->volatility, &spec->volatility, error))
		return FALSE;
	if (!cw_mtf_filter_init(&self->mtf, &spec->mtf, error))
		return FALSE;
	self->has_volatility = self->volatility.enabled;
	self->has_mtf = self->mtf.enabled;
	/* the same additions, in the same order, as cw_aggregator_aggregate() */
	self->total_weight = 0;
	for (guint i = 0; i < self->n_analyzers; i++)
		self->total_weight += self->votes[i].weight;
	self->atr_period = cw_composite_strategy_pick_atr_period(&spec->exit);
	cw_atr_init(&self->atr, self->atr_period);
	self->stop_atr = cw_composite_strategy_find_shared_atr(self);
	self->exit_on_opposite = spec->exit.exit_on_opposite_signal;
	return TRUE;
}

static gboolean
cw_composite_strategy_configure(CwStrategy *strategy, const CwStrategySpec *spec, GError **error)
{
	CwCompositeStrategy *self = CW_COMPOSITE_STRATEGY(strategy);

	cw_composite_strategy_release(self);
	if (!cw_composite_strategy_build(self, spec, error)) {
		g_prefix_error(error, "%s.",
			       spec->json_path != NULL ? spec->json_path : "strategy");
		cw_composite_strategy_release(self);
		return FALSE;
	}
	self->spec = spec;
	self->configured = TRUE;
	return TRUE;
}

/* Writes every field of @out (no memset: the per-candle path stays short). */
static void
cw_composite_strategy_on_candle(CwStrategy *strategy, const CwCandle *candle, CwStrategyOutput *out)
{
	CwCompositeStrategy *self = (CwCompositeStrategy *) strategy;
	gint64 close_time = candle->open_time + candle->interval_ms;
	double sum_long = 0, sum_short = 0;
	const CwAtr *stop_atr;
	CwDirection dir;
	gboolean ready;

	if (G_UNLIKELY(!self->configured)) {
		memset(out, 0, sizeof(*out));
		return;
	}

	/* the votes are summed in analyzer order, exactly as
	 * cw_aggregator_aggregate() would sum them */
	ready = cw_analyzer_step_votes(self->analyzers, self->votes, self->n_analyzers, candle,
				       &sum_long, &sum_short);
	if (self->has_volatility) {
		cw_volatility_filter_update(&self->volatility, candle);
		ready = ready && cw_volatility_filter_is_ready(&self->volatility);
	}
	if (self->has_mtf) {
		cw_mtf_filter_update(&self->mtf, candle);
		ready = ready && cw_mtf_filter_is_ready(&self->mtf);
	}
	stop_atr = self->stop_atr;
	if (stop_atr == &self->atr)
		cw_atr_update(&self->atr, candle);
	ready = ready && cw_atr_ready(stop_atr);

	cw_aggregator_decide(&self->aggregator, self->total_weight, sum_long, sum_short, close_time,
			     &out->raw_signal);
	out->signal = out->raw_signal;
	out->ready = ready;
	out->filtered_by = NULL;
	out->exit_signal = CW_DIRECTION_NONE;
	out->atr = cw_atr_ready(stop_atr) ? stop_atr->value : 0;

	dir = out->raw_signal.direction;
	if (dir == CW_DIRECTION_NONE)
		return;
	if (!ready)
		out->filtered_by = "warmup";
	else if (!cw_session_filter_allows(&self->session, candle))
		out->filtered_by = "session";
	else if (!cw_volatility_filter_allows(&self->volatility))
		out->filtered_by = "volatility";
	else if (!cw_mtf_filter_allows(&self->mtf, dir))
		out->filtered_by = "mtf";
	if (out->filtered_by != NULL) {
		out->signal.direction = CW_DIRECTION_NONE;
		out->signal.confidence = 0;
	}
	if (ready && self->exit_on_opposite)
		out->exit_signal =
		    dir == CW_DIRECTION_LONG ? CW_DIRECTION_SHORT : CW_DIRECTION_LONG;
}

static void
cw_composite_strategy_reset(CwStrategy *strategy)
{
	CwCompositeStrategy *self = CW_COMPOSITE_STRATEGY(strategy);

	if (!self->configured)
		return;
	for (guint i = 0; i < self->n_analyzers; i++) {
		cw_analyzer_reset(&self->analyzers[i]);
		self->votes[i].direction = CW_DIRECTION_NONE;
		self->votes[i].confidence = 0;
	}
	cw_volatility_filter_reset(&self->volatility);
	cw_mtf_filter_reset(&self->mtf);
	cw_atr_reset(&self->atr);
}

static gsize
cw_composite_strategy_get_memory_size(CwStrategy *strategy)
{
	CwCompositeStrategy *self = CW_COMPOSITE_STRATEGY(strategy);
	gsize size = sizeof(*self);

	size += self->n_analyzers * (sizeof(CwAnalyzer) + sizeof(CwAnalyzerVote));
	for (guint i = 0; i < self->n_analyzers; i++)
		size += cw_analyzer_get_memory_size(&self->analyzers[i]);
	return size;
}

static void
cw_composite_strategy_iface_init(CwStrategyInterface *iface)
{
	iface->configure = cw_composite_strategy_configure;
	iface->on_candle = cw_composite_strategy_on_candle;
	iface->reset = cw_composite_strategy_reset;
	iface->get_memory_size = cw_composite_strategy_get_memory_size;
}

static void
cw_composite_strategy_finalize(GObject *object)
{
	cw_composite_strategy_release(CW_COMPOSITE_STRATEGY(object));
	G_OBJECT_CLASS(cw_composite_strategy_parent_class)->finalize(object);
}

static void
cw_composite_strategy_class_init(CwCompositeStrategyClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_composite_strategy_finalize;
}

static void
cw_composite_strategy_init(CwCompositeStrategy *self)
{
}

/**
 * cw_composite_strategy_new:
 *
 * Returns: (transfer full): an unconfigured composite strategy; call
 * cw_strategy_configure() before feeding candles.
 */
CwCompositeStrategy *
cw_composite_strategy_new(void)
{
	return g_object_new(CW_TYPE_COMPOSITE_STRATEGY, NULL);
}

guint
cw_composite_strategy_get_n_analyzers(CwCompositeStrategy *self)
{
	g_return_val_if_fail(CW_IS_COMPOSITE_STRATEGY(self), 0);
	return self->n_analyzers;
}

const CwAnalyzer *
cw_composite_strategy_get_analyzer(CwCompositeStrategy *self, guint i)
{
	g_return_val_if_fail(CW_IS_COMPOSITE_STRATEGY(self), NULL);
	g_return_val_if_fail(i < self->n_analyzers, NULL);
	return &self->analyzers[i];
}

const CwAnalyzerVote *
cw_composite_strategy_get_vote(CwCompositeStrategy *self, guint i)
{
	g_return_val_if_fail(CW_IS_COMPOSITE_STRATEGY(self), NULL);
	g_return_val_if_fail(i < self->n_analyzers, NULL);
	return &self->votes[i];
}

guint
cw_composite_strategy_get_atr_period(CwCompositeStrategy *self)
{
	g_return_val_if_fail(CW_IS_COMPOSITE_STRATEGY(self), 0);
	return self->atr_period;
}

CwDirection
cw_composite_strategy_get_mtf_bias(CwCompositeStrategy *self)
{
	g_return_val_if_fail(CW_IS_COMPOSITE_STRATEGY(self), CW_DIRECTION_NONE);
	return cw_mtf_filter_get_bias(&self->mtf);
}
