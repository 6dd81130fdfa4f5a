/* CwReplayFeed: a candle file replayed on the main loop.
 *
 * Every replay feed started on one GMainContext joins that context's replay
 * clock, one GSource that merges them: it reads the next candle of each feed
 * and delivers the one that closes first (ties: the feed key, in strcmp
 * order), so several replayed files give the same interleaving in every run
 * and after a restart, whatever the timing. Its ready time paces it: "now"
 * at speed 0 (at idle priority, one batch per main loop iteration) or the
 * time the next candle closes on its feed's replayed clock at speed > 0.
 * Nothing is allocated per candle. */
#include "cw-streaming.h"

#include "cw-config.h"
#include "cw-strategies.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CW_REPLAY_BATCH 256
/* how long a speed-0 replay waits for its consumers' backlog to shrink
 * before it asks again (the main loop runs their flush meanwhile) */
#define CW_REPLAY_BACKLOG_WAIT_US 1000

typedef struct {
	guint id;
	CwCandleFunc func; /* NULL once removed during a dispatch */
	gpointer user_data;
} CwReplaySink;

/* One per GMainContext: the started feeds, merged in close-time order. */
typedef struct {
	GSource source;
	GMainContext *context;
	GPtrArray *feeds; /* of CwReplayFeed*, borrowed: a feed leaves when it stops */
} CwReplayClock;

static GSList *cw_replay_clocks; /* of CwReplayClock*, under the lock */
G_LOCK_DEFINE_STATIC(cw_replay_clocks);

struct _CwReplayFeed {
	GObject parent_instance;

	/* options */
	char *path;
	char *symbol;
	gint64 interval_ms;
	double speed;
	gboolean skip_bad_rows;
	gint64 bot_interval_ms; /* from the bot's config; 0 = the file's candles as they are */
	char *key;
	CwFeedState state; /* live while started, stopped otherwise */

	/* sinks */
	GArray *sinks;
	guint last_sink_id;
	guint dispatching;
	gboolean sinks_dirty;

	/* replay */
	CwCandleFile *file;
	CwReplayClock *clock; /* non-NULL while started */
	gint64 cursor;
	gint64 fast_forward; /* candles up to this open time are not paced */
	gboolean have_last;
	gint64 last_emitted;
	gboolean ended;
	gboolean have_base;
	gint64 base_mono_us;
	gint64 base_open_time;
	gboolean have_pending;
	CwCandle pending;
	CwFeedBacklogFunc backlog; /* speed 0: wait while it says TRUE */
	gpointer backlog_data;

	/* shorter candles than the bot's, resampled up to its interval */
	gboolean checked;
	gboolean resampling;
	CwCandleResampler resampler;
	CwCandle ready[CW_TIMEFRAME_AGGREGATOR_MAX_CLOSED];
	guint n_ready;
	guint next_ready;
};

enum { PROP_0, PROP_PATH, PROP_SYMBOL, PROP_INTERVAL, PROP_SPEED, PROP_SKIP_BAD_ROWS, N_PROPS };

static GParamSpec *cw_replay_feed_props[N_PROPS];

static void cw_replay_feed_iface_init(CwMarketFeedInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwReplayFeed, cw_replay_feed, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_MARKET_FEED, cw_replay_feed_iface_init))

/* Sinks -------------------------------------------------------------------- */

static void
cw_replay_feed_compact_sinks(CwReplayFeed *self)
{
	for (guint i = self->sinks->len; i > 0; i--) {
		if (g_array_index(self->sinks, CwReplaySink, i - 1).func == NULL)
			g_array_remove_index(self->sinks, i - 1);
	}
	self->sinks_dirty = FALSE;
}

static void
cw_replay_feed_deliver(CwReplayFeed *self, const CwCandle *candle)
{
	self->dispatching++;
	/* by index: a sink may add sinks (the array may move) or remove any */
	for (guint i = 0; i < self->sinks->len; i++) {
		CwReplaySink *sink = &g_array_index(self->sinks, CwReplaySink, i);
		CwCandleFunc func = sink->func;

		if (func != NULL)
			func(candle, sink->user_data);
	}
	self->dispatching--;
	if (self->dispatching == 0 && self->sinks_dirty)
		cw_replay_feed_compact_sinks(self);
}

static guint
cw_replay_feed_add_sink(CwMarketFeed *feed, CwCandleFunc func, gpointer user_data)
{
	CwReplayFeed *self = CW_REPLAY_FEED(feed);
	CwReplaySink sink = {++self->last_sink_id, func, user_data};

	g_return_val_if_fail(func != NULL, 0);
	g_array_append_val(self->sinks, sink);
	return sink.id;
}

static void
cw_replay_feed_remove_sink(CwMarketFeed *feed, guint sink_id)
{
	CwReplayFeed *self = CW_REPLAY_FEED(feed);

	for (guint i = 0; i < self->sinks->len; i++) {
		CwReplaySink *sink = &g_array_index(self->sinks, CwReplaySink, i);

		if (sink->id != sink_id)
			continue;
		if (self->dispatching > 0) {
			sink->func = NULL;
			self->sinks_dirty = TRUE;
		} else {
			g_array_remove_index(self->sinks, i);
		}
		return;
	}
}

/* Replay ------------------------------------------------------------------- */

static void cw_replay_clock_leave(CwReplayClock *clock, CwReplayFeed *feed);

static void
cw_replay_feed_cancel(CwReplayFeed *self)
{
	if (self->clock != NULL) {
		cw_replay_clock_leave(self->clock, self);
		self->clock = NULL;
	}
	g_clear_object(&self->file);
	self->have_pending = FALSE;
	cw_market_feed_change_state(CW_MARKET_FEED(self), &self->state, CW_FEED_STATE_STOPPED);
}

static void
cw_replay_feed_finish(CwReplayFeed *self, const char *reason)
{
	if (self->ended)
		return;
	self->ended = TRUE;
	cw_replay_feed_cancel(self);
	g_signal_emit_by_name(self, "ended", reason);
}

/* At the first candle: the file's interval against the bot's. Shorter
 * candles that divide it are resampled up to it (CwCandleResampler, as the
 * backtest does); others are refused. */
static gboolean
cw_replay_feed_check_interval(CwReplayFeed *self, const CwCandle *first, GError **error)
{
	g_autoptr(GError) local = NULL;
	char want[16], got[16];

	self->checked = TRUE;
	self->resampling = FALSE;
	if (self->bot_interval_ms <= 0 || first->interval_ms == self->bot_interval_ms)
		return TRUE;
	cw_interval_format(self->bot_interval_ms, want, sizeof want);
	cw_interval_format(first->interval_ms, got, sizeof got);
	if (!cw_candle_resampler_init(&self->resampler, first->interval_ms, self->bot_interval_ms,
				      &local)) {
		g_set_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_FAILED,
			    "%s: the bot trades %s candles but the file has %s candles: %s",
			    self->path, want, got, local->message);
		return FALSE;
	}
	g_message("replay feed %s: %s candles resampled to %s for the bot (incomplete buckets "
		  "at the edges dropped)",
		  self->path, got, want);
	self->resampling = TRUE;
	return TRUE;
}

/* The next candle at the bot's interval: the file's own, or resampled up
 * from shorter ones. */
static CwCandleSourceResult
cw_replay_feed_next(CwReplayFeed *self, CwCandle *out, GError **error)
{
	for (;;) {
		CwCandleSourceResult result;
		CwCandle base;

		if (self->next_ready < self->n_ready) {
			*out = self->ready[self->next_ready++];
			return CW_CANDLE_SOURCE_OK;
		}
		result = cw_candle_source_next(CW_CANDLE_SOURCE(self->file), &base, error);
		if (result == CW_CANDLE_SOURCE_END && self->resampling) {
			g_autofree char *summary = NULL;

			cw_candle_resampler_finish(&self->resampler);
			summary = cw_candle_resampler_describe(&self->resampler);
			g_message("replay feed %s: %s", self->path, summary);
		}
		if (result != CW_CANDLE_SOURCE_OK)
			return result;
		if (G_UNLIKELY(!self->checked) &&
		    !cw_replay_feed_check_interval(self, &base, error))
			return CW_CANDLE_SOURCE_ERROR;
		if (!self->resampling) {
			*out = base;
			return CW_CANDLE_SOURCE_OK;
		}
		self->n_ready = cw_candle_resampler_push(&self->resampler, &base, self->ready);
		self->next_ready = 0;
	}
}

/* Reads the feed's next candle after its cursor into pending. FALSE when
 * the feed ended (or failed): it has been finished then. */
static gboolean
cw_replay_feed_fill(CwReplayFeed *self)
{
	while (!self->have_pending) {
		g_autoptr(GError) error = NULL;
		CwCandleSourceResult result = cw_replay_feed_next(self, &self->pending, &error);

		if (result == CW_CANDLE_SOURCE_END) {
			cw_replay_feed_finish(self, "feed ended");
			return FALSE;
		}
		if (result == CW_CANDLE_SOURCE_ERROR) {
			g_warning("replay feed %s stopped: %s", self->path, error->message);
			cw_replay_feed_finish(self, error->message);
			return FALSE;
		}
		if (self->pending.open_time > self->cursor)
			self->have_pending = TRUE;
	}
	return TRUE;
}

/* When the pending candle may go out (monotonic us; 0 = now). */
static gint64
cw_replay_feed_due(CwReplayFeed *self, gint64 now)
{
	if (self->speed <= 0 || self->pending.open_time <= self->fast_forward)
		return 0;
	if (!self->have_base) {
		self->have_base = TRUE;
		self->base_mono_us = now;
		self->base_open_time = self->pending.open_time;
	}
	return self->base_mono_us +
	       (gint64) ((double) (self->pending.open_time - self->base_open_time +
				   self->pending.interval_ms) *
			 1000.0 / self->speed);
}

/* Whether a's pending candle goes before b's: the earlier close, then the
 * smaller key. */
static gboolean
cw_replay_feed_before(CwReplayFeed *a, CwReplayFeed *b)
{
	gint64 ca = a->pending.open_time + a->pending.interval_ms;
	gint64 cb = b->pending.open_time + b->pending.interval_ms;

	if (ca != cb)
		return ca < cb;
	return strcmp(cw_market_feed_get_key(CW_MARKET_FEED(a)),
		      cw_market_feed_get_key(CW_MARKET_FEED(b))) < 0;
}

/* Delivers up to one batch of candles that are due, in close-time order
 * across every feed of the clock. */
static void
cw_replay_clock_pump(CwReplayClock *clock)
{
	GSource *source = &clock->source;
	gint64 now = g_get_monotonic_time();

	for (guint n = 0; n < CW_REPLAY_BATCH; n++) {
		CwReplayFeed *best = NULL;
		gint64 due;

		/* every feed needs its next candle before one can be chosen; a
		 * feed that ends leaves the clock (and may stop others): rescan */
		for (guint i = 0; i < clock->feeds->len;) {
			CwReplayFeed *feed = g_ptr_array_index(clock->feeds, i);
			if (!cw_replay_feed_fill(feed)) {
				if (g_source_is_destroyed(source))
					return;
				i = 0;
				best = NULL;
				continue;
			}
			if (best == NULL || cw_replay_feed_before(feed, best))
				best = feed;
			i++;
		}
		if (best == NULL)
			return;
		due = cw_replay_feed_due(best, now);
		if (due > now) {
			g_source_set_ready_time(source, due);
			return;
		}
		/* backpressure: an unpaced replay does not run ahead of the
		 * writes its candles queue (memory stays bounded) */
		if (best->speed <= 0 && best->backlog != NULL &&
		    best->backlog(best->backlog_data)) {
			g_source_set_ready_time(source, now + CW_REPLAY_BACKLOG_WAIT_US);
			return;
		}
		g_object_ref(best);
		best->have_pending = FALSE;
		best->have_last = TRUE;
		best->last_emitted = best->pending.open_time;
		cw_replay_feed_deliver(best, &best->pending);
		g_object_unref(best);
		if (g_source_is_destroyed(source))
			return; /* a sink stopped the last feed */
	}
	g_source_set_ready_time(source, 0);
}

static gboolean
cw_replay_clock_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
	cw_replay_clock_pump((CwReplayClock *) source);
	return G_SOURCE_CONTINUE;
}

static void
cw_replay_clock_finalize(GSource *source)
{
	CwReplayClock *clock = (CwReplayClock *) source;

	g_ptr_array_unref(clock->feeds);
	g_main_context_unref(clock->context);
}

static GSourceFuncs cw_replay_clock_funcs = {
    .dispatch = cw_replay_clock_dispatch,
    .finalize = cw_replay_clock_finalize,
};

/* Joins the clock of the thread-default context, creating it. */
static CwReplayClock *
cw_replay_clock_join(CwReplayFeed *feed)
{
	g_autoptr(GMainContext) context = g_main_context_ref_thread_default();
	CwReplayClock *clock = NULL;
	gboolean paced = feed->speed > 0;

	/* one context belongs to one thread at a time; the list is shared */
	G_LOCK(cw_replay_clocks);
	for (GSList *l = cw_replay_clocks; l != NULL && clock == NULL; l = l->next) {
		if (((CwReplayClock *) l->data)->context == context)
			clock = l->data;
	}
	if (clock == NULL) {
		clock =
		    (CwReplayClock *) g_source_new(&cw_replay_clock_funcs, sizeof(CwReplayClock));
		clock->context = g_main_context_ref(context);
		clock->feeds = g_ptr_array_new();
		g_source_set_name(&clock->source, "cw-replay-clock");
		g_source_set_priority(&clock->source, G_PRIORITY_DEFAULT_IDLE);
		g_source_attach(&clock->source, context);
		cw_replay_clocks = g_slist_prepend(cw_replay_clocks, clock);
	}
	G_UNLOCK(cw_replay_clocks);
	for (guint i = 0; i < clock->feeds->len && !paced; i++)
		paced = ((CwReplayFeed *) g_ptr_array_index(clock->feeds, i))->speed > 0;
	/* a paced feed keeps its times: the clock then runs at default priority */
	g_source_set_priority(&clock->source, paced ? G_PRIORITY_DEFAULT : G_PRIORITY_DEFAULT_IDLE);
	g_ptr_array_add(clock->feeds, feed);
	g_source_set_ready_time(&clock->source, 0);
	return clock;
}

static void
cw_replay_clock_leave(CwReplayClock *clock, CwReplayFeed *feed)
{
	g_ptr_array_remove(clock->feeds, feed);
	if (clock->feeds->len > 0) {
		g_source_set_ready_time(&clock->source, 0);
		return;
	}
	G_LOCK(cw_replay_clocks);
	cw_replay_clocks = g_slist_remove(cw_replay_clocks, clock);
	G_UNLOCK(cw_replay_clocks);
	g_source_destroy(&clock->source);
	g_source_unref(&clock->source);
}

static gboolean
cw_replay_feed_start(CwMarketFeed *feed, GError **error)
{
	CwReplayFeed *self = CW_REPLAY_FEED(feed);
	g_autoptr(CwCandleFile) file = NULL;

	if (self->clock != NULL || self->ended)
		return TRUE;
	if (self->path == NULL) {
		g_set_error_literal(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_FAILED,
				    "replay feed: no file to replay (set \"path\")");
		return FALSE;
	}
	file =
	    g_object_new(CW_TYPE_CANDLE_FILE, "path", self->path, "symbol", self->symbol,
			 "interval", self->interval_ms, "skip-bad-rows", self->skip_bad_rows, NULL);
	if (!cw_candle_source_open(CW_CANDLE_SOURCE(file), error))
		return FALSE;
	g_debug("replaying %s at speed %g", cw_candle_source_describe(CW_CANDLE_SOURCE(file)),
		self->speed);

	if (self->have_last)
		self->cursor = MAX(self->cursor, self->last_emitted);
	self->file = g_steal_pointer(&file);
	self->have_base = FALSE;
	self->have_pending = FALSE;
	self->checked = FALSE;
	self->resampling = FALSE;
	self->n_ready = self->next_ready = 0;
	self->clock = cw_replay_clock_join(self);
	cw_market_feed_change_state(feed, &self->state, CW_FEED_STATE_LIVE);
	return TRUE;
}

static void
cw_replay_feed_stop(CwMarketFeed *feed)
{
	cw_replay_feed_cancel(CW_REPLAY_FEED(feed));
}

static void
cw_replay_feed_set_fast_forward(CwMarketFeed *feed, gint64 until)
{
	CwReplayFeed *self = CW_REPLAY_FEED(feed);

	self->fast_forward = MAX(self->fast_forward, until);
}

static void
cw_replay_feed_set_backlog_func(CwMarketFeed *feed, CwFeedBacklogFunc func, gpointer user_data)
{
	CwReplayFeed *self = CW_REPLAY_FEED(feed);

	self->backlog = func;
	self->backlog_data = user_data;
}

static CwFeedState
cw_replay_feed_get_state(CwMarketFeed *feed)
{
	return CW_REPLAY_FEED(feed)->state;
}

static void
cw_replay_feed_set_cursor(CwMarketFeed *feed, gint64 open_time)
{
	CW_REPLAY_FEED(feed)->cursor = open_time;
}

/* Configuration ------------------------------------------------------------ */

/* The absolute path with "." and ".." resolved, and symlinks too when the
 * file exists. */
static char *
cw_replay_feed_canonical_path(const char *path)
{
	g_autofree char *absolute = g_canonicalize_filename(path, NULL);
	char *real = realpath(absolute, NULL);

	if (real != NULL) {
		char *out = g_strdup(real);

		free(real);
		return out;
	}
	return g_steal_pointer(&absolute);
}

static const char *
cw_replay_feed_get_key(CwMarketFeed *feed)
{
	CwReplayFeed *self = CW_REPLAY_FEED(feed);

	if (self->key == NULL) {
		g_autofree char *canonical =
		    cw_replay_feed_canonical_path(self->path != NULL ? self->path : "");

		char interval[16];

		/* bots of different intervals get their own resampled candles */
		if (self->bot_interval_ms > 0) {
			cw_interval_format(self->bot_interval_ms, interval, sizeof interval);
			self->key =
			    g_strdup_printf("replay:%s:%s:%s", canonical, self->symbol, interval);
		} else {
			self->key = g_strdup_printf("replay:%s:%s", canonical, self->symbol);
		}
	}
	return self->key;
}

static gboolean
cw_replay_feed_configure(CwMarketFeed *feed, const CwBotConfig *config, GError **error)
{
	static const char *const known[] = {"type",     "path",          "speed", "symbol",
					    "interval", "skip_bad_rows", NULL};
	CwReplayFeed *self = CW_REPLAY_FEED(feed);
	JsonObject *section = cw_bot_config_get_section(config, "feed");
	const char *path = NULL;
	const char *symbol = NULL;
	g_autofree char *canonical = NULL;
	double speed = 0;
	gint64 interval = 0;
	gboolean skip = FALSE;

	if (section == NULL)
		return cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, "feed", NULL,
					  "missing: a replay feed needs at least \"path\"");
	if (!cw_config_check_keys(section, "feed", known, error) ||
	    !cw_config_read_string(section, "feed", "path", NULL, &path, error) ||
	    !cw_config_read_double(section, "feed", "speed", 0, 0, INFINITY, &speed, error) ||
	    !cw_config_read_string(section, "feed", "symbol", config->symbol, &symbol, error) ||
	    !cw_config_read_interval(section, "feed", "interval", 0, &interval, error) ||
	    !cw_config_read_bool(section, "feed", "skip_bad_rows", FALSE, &skip, error))
		return FALSE;
	if (path == NULL || path[0] == '\0')
		return cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, "feed", "path",
					  "required: the candle file to replay");
	/* the router hands a bot only its own symbol's candles: another
	 * symbol would run the bot on nothing, in silence */
	if (config->symbol != NULL && symbol != NULL && strcmp(symbol, config->symbol) != 0)
		return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, "feed", "symbol",
					  "'%s' is not the bot's symbol '%s'; the bot would get no "
					  "candle (leave it out to use the bot's)",
					  symbol, config->symbol);
	canonical = cw_replay_feed_canonical_path(path);
	if (!g_file_test(canonical, G_FILE_TEST_IS_REGULAR))
		return cw_config_error_at(
		    error, CW_CONFIG_ERROR_IO, "feed", "path", "%s: %s", canonical,
		    g_file_test(canonical, G_FILE_TEST_EXISTS) ? "not a regular file"
							       : g_strerror(ENOENT));
	self->bot_interval_ms = config->interval_ms;
	g_clear_pointer(&self->key, g_free);
	g_object_set(self, "path", canonical, "speed", speed, "symbol",
		     symbol != NULL ? symbol : "UNKNOWN", "interval", interval, "skip-bad-rows",
		     skip, NULL);
	return TRUE;
}

static void
cw_replay_feed_iface_init(CwMarketFeedInterface *iface)
{
	iface->configure = cw_replay_feed_configure;
	iface->get_key = cw_replay_feed_get_key;
	iface->add_sink = cw_replay_feed_add_sink;
	iface->remove_sink = cw_replay_feed_remove_sink;
	iface->start = cw_replay_feed_start;
	iface->stop = cw_replay_feed_stop;
	iface->set_cursor = cw_replay_feed_set_cursor;
	iface->set_fast_forward = cw_replay_feed_set_fast_forward;
	iface->get_state = cw_replay_feed_get_state;
	iface->set_backlog_func = cw_replay_feed_set_backlog_func;
}

/* GObject ------------------------------------------------------------------ */

static void
cw_replay_feed_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	CwReplayFeed *self = CW_REPLAY_FEED(object);

	switch (prop_id) {
	case PROP_PATH:
		g_value_set_string(value, self->path);
		break;
	case PROP_SYMBOL:
		g_value_set_string(value, self->symbol);
		break;
	case PROP_INTERVAL:
		g_value_set_int64(value, self->interval_ms);
		break;
	case PROP_SPEED:
		g_value_set_double(value, self->speed);
		break;
	case PROP_SKIP_BAD_ROWS:
		g_value_set_boolean(value, self->skip_bad_rows);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
	}
}

static void
cw_replay_feed_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
	CwReplayFeed *self = CW_REPLAY_FEED(object);

	switch (prop_id) {
	case PROP_PATH:
		g_free(self->path);
		self->path = g_value_dup_string(value);
		g_clear_pointer(&self->key, g_free);
		break;
	case PROP_SYMBOL:
		g_free(self->symbol);
		self->symbol = g_value_dup_string(value);
		if (self->symbol == NULL)
			self->symbol = g_strdup("UNKNOWN");
		g_clear_pointer(&self->key, g_free);
		break;
	case PROP_INTERVAL:
		self->interval_ms = g_value_get_int64(value);
		break;
	case PROP_SPEED:
		self->speed = g_value_get_double(value);
		break;
	case PROP_SKIP_BAD_ROWS:
		self->skip_bad_rows = g_value_get_boolean(value);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
	}
}

static void
cw_replay_feed_dispose(GObject *object)
{
	cw_replay_feed_cancel(CW_REPLAY_FEED(object));
	G_OBJECT_CLASS(cw_replay_feed_parent_class)->dispose(object);
}

static void
cw_replay_feed_finalize(GObject *object)
{
	CwReplayFeed *self = CW_REPLAY_FEED(object);

	g_array_unref(self->sinks);
	g_free(self->path);
	g_free(self->symbol);
	g_free(self->key);
	G_OBJECT_CLASS(cw_replay_feed_parent_class)->finalize(object);
}

static void
cw_replay_feed_class_init(CwReplayFeedClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GParamFlags rw = G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS;

	object_class->get_property = cw_replay_feed_get_property;
	object_class->set_property = cw_replay_feed_set_property;
	object_class->dispose = cw_replay_feed_dispose;
	object_class->finalize = cw_replay_feed_finalize;

	cw_replay_feed_props[PROP_PATH] =
	    g_param_spec_string("path", "Path", "Candle file to replay", NULL, rw);
	cw_replay_feed_props[PROP_SYMBOL] = g_param_spec_string(
	    "symbol", "Symbol", "Symbol of the replayed candles", "UNKNOWN", rw);
	cw_replay_feed_props[PROP_INTERVAL] = g_param_spec_int64(
	    "interval", "Interval", "Candle length in ms, 0 = detect", 0, G_MAXINT64, 0, rw);
	cw_replay_feed_props[PROP_SPEED] = g_param_spec_double(
	    "speed", "Speed", "0 = as fast as possible, 1 = real time", 0, G_MAXDOUBLE, 0, rw);
	cw_replay_feed_props[PROP_SKIP_BAD_ROWS] = g_param_spec_boolean(
	    "skip-bad-rows", "Skip bad rows", "Count and skip bad rows", FALSE, rw);
	g_object_class_install_properties(object_class, N_PROPS, cw_replay_feed_props);
}

static void
cw_replay_feed_init(CwReplayFeed *self)
{
	self->symbol = g_strdup("UNKNOWN");
	self->sinks = g_array_new(FALSE, FALSE, sizeof(CwReplaySink));
	self->cursor = G_MININT64;
	self->fast_forward = G_MININT64;
}

/**
 * cw_replay_feed_new:
 * @path: the candle file
 * @speed: 0 = as fast as possible, 1 = real time, N = N times real time
 *
 * Returns: (transfer full): a replay feed that is ready to start.
 */
CwReplayFeed *
cw_replay_feed_new(const char *path, double speed)
{
	return g_object_new(CW_TYPE_REPLAY_FEED, "path", path, "speed", speed, NULL);
}
