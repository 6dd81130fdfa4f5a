/* CwLiveFeed: see cw-live-feed.h. Delivery keeps one invariant: a candle
 * reaches the sinks only when its open time is after last_open (never
 * twice, never out of order). While a REST backfill runs, the stream's
 * closed candles wait in held (sorted) and go out after it. */
#include "cw-streaming.h"

#include "cw-config.h"
#include "cw-net.h"
#include "cw-strategies.h"

#include <string.h>

#define CW_LIVE_HELD_MAX 4096

typedef struct {
	guint id;
	CwCandleFunc func; /* NULL once removed during a dispatch */
	gpointer user_data;
} CwLiveSink;

typedef struct {
	/* options */
	guint market;
	char *symbol;
	GQuark symbol_quark;
	gint64 interval_ms;
	const char *interval_name; /* the exchange's, static */
	char *ws_url;
	char *rest_url;
	char *topic;
	char *key;
	char *exchange; /* "bybit", "bybit-spot": the candles table's name */
	guint warmup;
	double stall_s;

	/* sinks */
	GArray *sinks;
	guint last_sink_id;
	guint dispatching;
	gboolean sinks_dirty;

	/* connection */
	SoupSession *session;
	CwWsClient *client;
	CwKlineDecoder *decoder;
	CwKlineFrame frame;
	CwFeedState state;
	gboolean started;
	guint req;

	/* order */
	gint64 last_open;    /* open time of the last candle delivered */
	gint64 cursor;       /* unused by delivery: see set_cursor */
	gint64 history_from; /* the restarted bots' earliest origin */
	gint64 fast_forward;
	gboolean warming;
	gboolean backfilling;
	gboolean want_backfill; /* a gap or a reconnect came during a backfill */
	gboolean paging;        /* the backfill pages forward until a short page */
	gboolean probing;       /* asked for the newest candle: a warm-up over pages */
	gboolean gap_retry;     /* this backfill asks again for a gap REST had not closed */
	GCancellable *rest_cancel;
	GArray *held; /* of CwCandle, sorted, during a backfill */
	GArray *page; /* of CwCandle, a REST page */
	CwCandle latest;
	gboolean have_latest;

	CwLiveFeedStats stats;
	CwTokenBucket log_bucket;
	guint64 unlogged;
} CwLiveFeedPrivate;

static void cw_live_feed_iface_init(CwMarketFeedInterface *iface);

G_DEFINE_TYPE_WITH_CODE(CwLiveFeed, cw_live_feed, G_TYPE_OBJECT,
			G_ADD_PRIVATE(CwLiveFeed)
			    G_IMPLEMENT_INTERFACE(CW_TYPE_MARKET_FEED, cw_live_feed_iface_init))

#define PRIV(self) ((CwLiveFeedPrivate *) cw_live_feed_get_instance_private(CW_LIVE_FEED(self)))

static const CwLiveFeedDialect *
cw_live_feed_dialect(CwLiveFeed *self)
{
	return CW_LIVE_FEED_GET_CLASS(self)->dialect;
}

/* Logs with rate limiting: a burst of 5, then one a second; what was
 * left out is counted in the next line. */
static void
cw_live_feed_log(CwLiveFeed *self, GLogLevelFlags level, const char *what)
{
	CwLiveFeedPrivate *priv = PRIV(self);

	if (!cw_token_bucket_take(&priv->log_bucket, g_get_monotonic_time(), 1)) {
		priv->unlogged++;
		return;
	}
	if (priv->unlogged > 0)
		cw_log(level, NULL, NULL, "feed %s: %s (%" G_GUINT64_FORMAT " more not logged)",
		       priv->key, what, priv->unlogged);
	else
		cw_log(level, NULL, NULL, "feed %s: %s", priv->key, what);
	priv->unlogged = 0;
}

static void
cw_live_feed_report(CwLiveFeed *self, const char *message)
{
	g_autoptr(GError) error =
	    g_error_new_literal(CW_STREAMING_ERROR, CW_STREAMING_ERROR_FAILED, message);

	g_signal_emit_by_name(self, "error", error);
}

static void
cw_live_feed_set_state(CwLiveFeed *self, CwFeedState state)
{
	CwLiveFeedPrivate *priv = PRIV(self);

	if (priv->state == state)
		return;
	cw_log(G_LOG_LEVEL_INFO, NULL, NULL, "feed %s: %s", priv->key,
	       cw_feed_state_to_string(state));
	cw_market_feed_change_state(CW_MARKET_FEED(self), &priv->state, state);
}

/* Sinks -------------------------------------------------------------------- */

static void
cw_live_feed_deliver(CwLiveFeed *self, const CwCandle *candle)
{
	CwLiveFeedPrivate *priv = PRIV(self);

	priv->last_open = candle->open_time;
	priv->stats.candles++;
	priv->dispatching++;
	for (guint i = 0; i < priv->sinks->len; i++) {
		CwLiveSink *sink = &g_array_index(priv->sinks, CwLiveSink, i);
		CwCandleFunc func = sink->func;

		if (func != NULL)
			func(candle, sink->user_data);
	}
	priv->dispatching--;
	if (priv->dispatching > 0 || !priv->sinks_dirty)
		return;
	for (guint i = priv->sinks->len; i > 0; i--) {
		if (g_array_index(priv->sinks, CwLiveSink, i - 1).func == NULL)
			g_array_remove_index(priv->sinks, i - 1);
	}
	priv->sinks_dirty = FALSE;
}

static guint
cw_live_feed_add_sink(CwMarketFeed *feed, CwCandleFunc func, gpointer user_data)
{
	CwLiveFeedPrivate *priv = PRIV(feed);
	CwLiveSink sink = {++priv->last_sink_id, func, user_data};

	g_array_append_val(priv->sinks, sink);
	return sink.id;
}

static void
cw_live_feed_remove_sink(CwMarketFeed *feed, guint sink_id)
{
	CwLiveFeedPrivate *priv = PRIV(feed);

	for (guint i = 0; i < priv->sinks->len; i++) {
		CwLiveSink *sink = &g_array_index(priv->sinks, CwLiveSink, i);

		if (sink->id != sink_id)
			continue;
		if (priv->dispatching > 0) {
			sink->func = NULL;
			priv->sinks_dirty = TRUE;
		} else {
			g_array_remove_index(priv->sinks, i);
		}
		return;
	}
}

/* Order -------------------------------------------------------------------- */

/* A gap between the last candle and the next one REST could not fill. */
static void
cw_live_feed_gap_unfilled(CwLiveFeed *self, gint64 next_open)
{
	CwLiveFeedPrivate *priv = PRIV(self);
	gint64 missing = (next_open - priv->last_open) / priv->interval_ms - 1;
	g_autofree char *what = NULL;

	if (priv->last_open == G_MININT64 || missing <= 0)
		return;
	priv->stats.gaps_unfilled++;
	priv->stats.missing += (guint64) missing;
	what = g_strdup_printf("gap of %" G_GINT64_FORMAT " candles after %" G_GINT64_FORMAT
			       " that the exchange could not fill",
			       missing, priv->last_open);
	cw_log(G_LOG_LEVEL_WARNING, NULL, NULL, "feed %s: %s", priv->key, what);
	cw_live_feed_report(self, what);
}

/* Delivers a candle that is after the last one (else drops it). */
static void
cw_live_feed_push(CwLiveFeed *self, const CwCandle *candle, gboolean from_rest)
{
	CwLiveFeedPrivate *priv = PRIV(self);

	if (candle->open_time <= priv->last_open) {
		if (!from_rest)
			priv->stats.duplicates++;
		return;
	}
	if (from_rest)
		priv->stats.backfilled++;
	cw_live_feed_deliver(self, candle);
}

/* Keeps a stream candle for after the backfill, in order, once. */
static void
cw_live_feed_hold(CwLiveFeed *self, const CwCandle *candle)
{
	CwLiveFeedPrivate *priv = PRIV(self);
	guint i = priv->held->len;

	if (candle->open_time <= priv->last_open) {
		priv->stats.duplicates++;
		return;
	}
	while (i > 0 && g_array_index(priv->held, CwCandle, i - 1).open_time > candle->open_time)
		i--;
	if (i > 0 && g_array_index(priv->held, CwCandle, i - 1).open_time == candle->open_time) {
		priv->stats.duplicates++;
		return;
	}
	if (priv->held->len >= CW_LIVE_HELD_MAX)
		g_array_remove_index(priv->held, 0);
	g_array_insert_val(priv->held, MIN(i, priv->held->len), *candle);
}

static void cw_live_feed_backfill(CwLiveFeed *self);

/* After a backfill: the held candles, in order; a gap still before the
 * first is one REST could not fill. */
static void
cw_live_feed_end_backfill(CwLiveFeed *self, gboolean filled_any)
{
	CwLiveFeedPrivate *priv = PRIV(self);
	gboolean was_warming = priv->warming;

	/* a held candle after a gap: REST may have answered before the
	 * missing candle closed on the exchange (the stream had it first),
	 * so ask once more before calling the gap unfilled */
	if (!priv->gap_retry && priv->session != NULL && priv->held->len > 0 &&
	    priv->last_open != G_MININT64 &&
	    g_array_index(priv->held, CwCandle, 0).open_time >
		priv->last_open + priv->interval_ms) {
		priv->gap_retry = TRUE;
		priv->backfilling = FALSE;
		cw_live_feed_backfill(self);
		return;
	}
	priv->gap_retry = FALSE;
	priv->backfilling = FALSE;
	priv->warming = FALSE;
	if (was_warming)
		cw_log(G_LOG_LEVEL_MESSAGE, NULL, NULL,
		       "feed %s: warm-up history delivered (%" G_GUINT64_FORMAT " candles)",
		       priv->key, priv->stats.backfilled);
	for (guint i = 0; i < priv->held->len; i++) {
		const CwCandle *c = &g_array_index(priv->held, CwCandle, i);

		if (c->open_time <= priv->last_open)
			continue;
		if (priv->last_open != G_MININT64 &&
		    c->open_time > priv->last_open + priv->interval_ms)
			cw_live_feed_gap_unfilled(self, c->open_time);
		cw_live_feed_deliver(self, c);
	}
	g_array_set_size(priv->held, 0);
	if (filled_any && !was_warming)
		priv->stats.gaps_filled++;
	if (priv->want_backfill) {
		priv->want_backfill = FALSE;
		cw_live_feed_backfill(self);
		return;
	}
	cw_live_feed_set_state(self, priv->client != NULL && cw_ws_client_is_open(priv->client)
					 ? CW_FEED_STATE_LIVE
					 : CW_FEED_STATE_CONNECTING);
}

static gboolean
cw_live_feed_rest_retry(GBytes *body, gpointer user_data)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(body, &len);

	/* Bybit says "rate limited" in an HTTP 200 */
	return data != NULL &&
	       g_strstr_len(data, MIN(len, (gsize) 64), "\"retCode\":10006") != NULL;
}

static void cw_live_feed_request(CwLiveFeed *self, gint64 start, guint limit);

/* One page back: deliver it, then the next page or the end. */
static void
cw_live_feed_page_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CwLiveFeed) self = user_data;
	CwLiveFeedPrivate *priv = PRIV(self);
	const CwLiveFeedDialect *d = cw_live_feed_dialect(self);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) body = cw_rest_get_finish(result, NULL, &error);
	CwKlinePageError page_error = {0};
	guint limit = d->max_rows[priv->market];
	guint64 before = priv->stats.backfilled;
	gsize len = 0;
	const char *data;

	if (g_error_matches(error, CW_NET_ERROR, CW_NET_ERROR_CANCELLED) || !priv->backfilling)
		return;
	g_clear_object(&priv->rest_cancel);
	if (body == NULL) {
		g_autofree char *what = g_strdup_printf("backfill failed: %s", error->message);
		priv->stats.rest_failures++;
		cw_live_feed_log(self, G_LOG_LEVEL_WARNING, what);
		cw_live_feed_report(self, what);
		cw_live_feed_end_backfill(self, FALSE);
		return;
	}
	data = g_bytes_get_data(body, &len);
	g_array_set_size(priv->page, 0);
	if (!d->decode_page(priv->decoder, data != NULL ? data : "", len, priv->symbol_quark,
			    priv->interval_ms, priv->page, &page_error)) {
		g_autofree char *what =
		    g_strdup_printf("backfill page refused (%s): %s",
				    cw_kline_error_to_string(page_error.error), page_error.detail);
		priv->stats.rest_failures++;
		cw_live_feed_log(self, G_LOG_LEVEL_WARNING, what);
		cw_live_feed_report(self, what);
		cw_live_feed_end_backfill(self, FALSE);
		return;
	}
	if (priv->probing) {
		/* a warm-up longer than a page: forward from warmup candles
		 * before the newest one */
		priv->probing = FALSE;
		priv->paging = TRUE;
		if (priv->page->len > 0) {
			gint64 newest =
			    g_array_index(priv->page, CwCandle, priv->page->len - 1).open_time;
			cw_live_feed_request(
			    self, MAX(0, newest - (gint64) (priv->warmup - 1) * priv->interval_ms),
			    limit);
			return;
		}
	}
	for (guint i = 0; i < priv->page->len; i++)
		cw_live_feed_push(self, &g_array_index(priv->page, CwCandle, i), TRUE);
	/* a full page: there may be more after it */
	if (priv->paging && priv->page->len >= limit && priv->stats.backfilled > before) {
		cw_live_feed_request(self, priv->last_open + priv->interval_ms, limit);
		return;
	}
	cw_live_feed_end_backfill(self, priv->stats.backfilled > before);
}

static void
cw_live_feed_request(CwLiveFeed *self, gint64 start, guint limit)
{
	CwLiveFeedPrivate *priv = PRIV(self);
	const CwLiveFeedDialect *d = cw_live_feed_dialect(self);
	g_autofree char *url =
	    d->page_url(priv->rest_url, d->kline_paths[priv->market], d->markets[priv->market],
			priv->symbol, priv->interval_name, start, limit);

	priv->rest_cancel = g_cancellable_new();
	cw_rest_get_async(priv->session, url, NULL, cw_live_feed_rest_retry, NULL,
			  priv->rest_cancel, cw_live_feed_page_cb, g_object_ref(self));
}

/* Fetches what the stream cannot give: the warm-up history before the
 * first candle, or everything after the last one delivered. */
static void
cw_live_feed_backfill(CwLiveFeed *self)
{
	CwLiveFeedPrivate *priv = PRIV(self);
	guint max_rows = cw_live_feed_dialect(self)->max_rows[priv->market];

	if (priv->backfilling) {
		priv->want_backfill = TRUE;
		return;
	}
	priv->backfilling = TRUE;
	if (priv->session == NULL) {
		/* never started (frames fed by cw_live_feed_ingest()): no REST */
		cw_live_feed_end_backfill(self, FALSE);
		return;
	}
	priv->paging = TRUE;
	cw_live_feed_set_state(self, CW_FEED_STATE_BACKFILLING);
	if (priv->last_open != G_MININT64) {
		cw_live_feed_request(self, priv->last_open + priv->interval_ms, max_rows);
		return;
	}
	/* before the first live candle, all of it is warm-up (replayed
	 * through the bots' recovery: nothing sent) */
	priv->warming = TRUE;
	if (priv->fast_forward != G_MININT64) {
		/* a restarted bot: the look-back before its origin, its history
		 * up to its cursor, then what closed while it was down */
		gint64 from =
		    priv->history_from != G_MININT64 ? priv->history_from : priv->fast_forward;
		cw_live_feed_request(self, MAX(0, from - (gint64) priv->warmup * priv->interval_ms),
				     max_rows);
		return;
	}
	priv->paging = FALSE;
	priv->warming = priv->warmup > 0;
	if (priv->warmup == 0) {
		cw_live_feed_end_backfill(self, FALSE);
		return;
	}
	priv->probing = priv->warmup > max_rows;
	cw_live_feed_request(self, -1, priv->probing ? 1 : priv->warmup);
}

/* A closed candle from the stream. */
static void
cw_live_feed_on_closed(CwLiveFeed *self, const CwCandle *candle)
{
	CwLiveFeedPrivate *priv = PRIV(self);

	if (priv->backfilling) {
		cw_live_feed_hold(self, candle);
		return;
	}
	if (candle->open_time <= priv->last_open) {
		priv->stats.duplicates++;
		return;
	}
	if (priv->last_open != G_MININT64 &&
	    candle->open_time > priv->last_open + priv->interval_ms) {
		/* a skipped interval: REST first, this one after */
		cw_live_feed_hold(self, candle);
		cw_live_feed_backfill(self);
		return;
	}
	cw_live_feed_deliver(self, candle);
}

/* Frames ------------------------------------------------------------------- */

static void
cw_live_feed_bad(CwLiveFeed *self, CwKlineError kind, const char *detail)
{
	CwLiveFeedPrivate *priv = PRIV(self);
	char what[CW_KLINE_DETAIL_LEN + 64];

	priv->stats.bad_frames++;
	priv->stats.bad_by_kind[kind < CW_KLINE_N_ERRORS ? kind : CW_KLINE_ERROR_NONE]++;
	g_snprintf(what, sizeof what, "bad frame (%s): %s", cw_kline_error_to_string(kind), detail);
	cw_live_feed_log(self, G_LOG_LEVEL_WARNING, what);
}

static void
cw_live_feed_on_kline(CwLiveFeed *self, const CwKlineFrame *frame)
{
	CwLiveFeedPrivate *priv = PRIV(self);

	if (strcmp(frame->topic, priv->topic) != 0) {
		cw_live_feed_bad(self, CW_KLINE_ERROR_UNKNOWN_TOPIC, frame->topic);
		return;
	}
	for (guint i = 0; i < frame->n_updates; i++) {
		const CwKlineUpdate *u = &frame->updates[i];

		if (u->candle.interval_ms != priv->interval_ms) {
			cw_live_feed_bad(self, CW_KLINE_ERROR_UNKNOWN_TOPIC, "interval");
			continue;
		}
		if (!u->closed) {
			priv->stats.partials++;
			priv->latest = u->candle;
			priv->have_latest = TRUE;
			continue;
		}
		priv->latest = u->candle;
		priv->have_latest = TRUE;
		cw_live_feed_on_closed(self, &u->candle);
	}
}

/**
 * cw_live_feed_ingest:
 * @data: the frame's bytes
 * @binary: it came as a binary frame
 *
 * Handles one frame as if the connection had received it.
 */
void
cw_live_feed_ingest(CwLiveFeed *self, const char *data, gsize len, gboolean binary)
{
	CwLiveFeedPrivate *priv = PRIV(self);
	const CwLiveFeedDialect *d = cw_live_feed_dialect(self);
	CwKlineFrame *frame = &priv->frame;

	priv->stats.frames++;
	if (G_UNLIKELY(binary)) {
		cw_live_feed_bad(self, CW_KLINE_ERROR_BINARY, "a binary frame");
		return;
	}
	if (G_UNLIKELY(len > CW_KLINE_FRAME_MAX_BYTES)) {
		cw_live_feed_bad(self, CW_KLINE_ERROR_OVERSIZED, "a frame over 64 KiB");
		return;
	}
	d->decode_frame(priv->decoder, data, len, frame);
	switch (frame->kind) {
	case CW_KLINE_FRAME_KLINE:
		cw_live_feed_on_kline(self, frame);
		break;
	case CW_KLINE_FRAME_BAD:
		cw_live_feed_bad(self, frame->error, frame->detail);
		break;
	case CW_KLINE_FRAME_SUBSCRIBED:
		cw_live_feed_backfill(self);
		break;
	case CW_KLINE_FRAME_REJECTED: {
		g_autofree char *what = g_strdup_printf(
		    "the exchange refused the subscription to %s: %s", priv->topic, frame->detail);
		priv->stats.rejected++;
		cw_log(G_LOG_LEVEL_WARNING, NULL, NULL, "feed %s: %s", priv->key, what);
		cw_live_feed_report(self, what);
		g_signal_emit_by_name(self, "ended", what);
		break;
	}
	default:
		break;
	}
}

/* Connection --------------------------------------------------------------- */

static void
cw_live_feed_ws_opened(CwWsClient *client, guint n, gpointer user_data)
{
	CwLiveFeed *self = user_data;
	CwLiveFeedPrivate *priv = PRIV(self);
	const CwLiveFeedDialect *d = cw_live_feed_dialect(self);

	/* the first connection warms up; every later one fills what it
	 * missed: once the stream is sure to carry what closes next (at the
	 * subscribe ack; a combined stream at once), else a candle closing
	 * between the REST answer and the subscription would be lost */
	if (d->subscribe != NULL) {
		g_autofree char *msg = d->subscribe(priv->topic, ++priv->req);
		cw_ws_client_send_text(client, msg);
		return;
	}
	cw_live_feed_backfill(self);
}

static void
cw_live_feed_ws_message(CwWsClient *client, const char *data, gsize len, gboolean binary,
			gpointer user_data)
{
	cw_live_feed_ingest(user_data, data, len, binary);
}

static void
cw_live_feed_ws_closed(CwWsClient *client, const char *reason, gboolean stalled, gpointer user_data)
{
	CwLiveFeed *self = user_data;
	CwLiveFeedPrivate *priv = PRIV(self);
	g_autofree char *what = g_strdup_printf("connection lost: %s", reason);

	cw_live_feed_log(self, G_LOG_LEVEL_WARNING, what);
	if (!priv->backfilling)
		cw_live_feed_set_state(self,
				       stalled ? CW_FEED_STATE_STALLED : CW_FEED_STATE_CONNECTING);
}

static void
cw_live_feed_ws_ping(CwWsClient *client, gpointer user_data)
{
	const CwLiveFeedDialect *d = cw_live_feed_dialect(user_data);

	if (d->ping != NULL)
		cw_ws_client_send_text(client, d->ping);
}

static const CwWsClientCallbacks cw_live_feed_ws_callbacks = {
    cw_live_feed_ws_opened, cw_live_feed_ws_message, cw_live_feed_ws_closed, cw_live_feed_ws_ping};

static void
cw_live_feed_halt(CwLiveFeed *self)
{
	CwLiveFeedPrivate *priv = PRIV(self);

	if (priv->rest_cancel != NULL)
		g_cancellable_cancel(priv->rest_cancel);
	g_clear_object(&priv->rest_cancel);
	priv->backfilling = FALSE;
	priv->want_backfill = FALSE;
	priv->gap_retry = FALSE;
	g_array_set_size(priv->held, 0);
	/* the client stays, with its counters, for a later start */
	if (priv->client != NULL)
		cw_ws_client_stop(priv->client);
	priv->started = FALSE;
	cw_live_feed_set_state(self, CW_FEED_STATE_STOPPED);
}

static gboolean
cw_live_feed_start(CwMarketFeed *feed, GError **error)
{
	CwLiveFeed *self = CW_LIVE_FEED(feed);
	CwLiveFeedPrivate *priv = PRIV(self);
	const CwLiveFeedDialect *d = cw_live_feed_dialect(self);
	g_autofree char *url = NULL;
	CwWsClientSettings settings;

	if (priv->started)
		return TRUE;
	if (priv->client != NULL) {
		priv->started = TRUE;
		cw_live_feed_set_state(self, CW_FEED_STATE_CONNECTING);
		cw_ws_client_start(priv->client);
		return TRUE;
	}
	if (priv->topic == NULL) {
		g_set_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_FAILED,
			    "%s feed: not configured", d->exchange);
		return FALSE;
	}
	url = d->stream_url(priv->ws_url, priv->topic);
	cw_ws_client_settings_init(&settings);
	settings.ping_s = d->ping_s;
	settings.stall_s = priv->stall_s;
	settings.max_age_s = d->max_age_s;
	priv->session = soup_session_new_with_options("timeout", 30, "idle-timeout", 60, NULL);
	priv->client =
	    cw_ws_client_new(priv->session, url, &settings, &cw_live_feed_ws_callbacks, self);
	priv->started = TRUE;
	cw_live_feed_set_state(self, CW_FEED_STATE_CONNECTING);
	cw_ws_client_start(priv->client);
	return TRUE;
}

static void
cw_live_feed_stop(CwMarketFeed *feed)
{
	cw_live_feed_halt(CW_LIVE_FEED(feed));
}

/* For a live feed, the cursor says where the history of a restarted bot
 * begins (its origin - 1): the warm-up fetches from there (the earliest
 * of its bots), and the bots skip what they have seen themselves. */
static void
cw_live_feed_set_cursor(CwMarketFeed *feed, gint64 open_time)
{
	CwLiveFeedPrivate *priv = PRIV(feed);

	priv->cursor = open_time;
	if (open_time < G_MAXINT64 &&
	    (priv->history_from == G_MININT64 || open_time + 1 < priv->history_from))
		priv->history_from = open_time + 1;
}

/* A restarted bot replays up to until: the feed's warm-up starts its
 * look-back before until and runs to the newest closed candle. */
static void
cw_live_feed_set_fast_forward(CwMarketFeed *feed, gint64 until)
{
	CwLiveFeedPrivate *priv = PRIV(feed);

	priv->fast_forward = MAX(priv->fast_forward, until);
}

static CwFeedState
cw_live_feed_get_state(CwMarketFeed *feed)
{
	return PRIV(feed)->state;
}

static gboolean
cw_live_feed_is_warming_up(CwMarketFeed *feed)
{
	return PRIV(feed)->warming;
}

static const char *
cw_live_feed_get_key(CwMarketFeed *feed)
{
	return PRIV(feed)->key != NULL ? PRIV(feed)->key : "live:unconfigured";
}

static const char *
cw_live_feed_get_exchange(CwMarketFeed *feed)
{
	return PRIV(feed)->exchange;
}

static char *
cw_live_feed_describe_stats(CwMarketFeed *feed)
{
	CwLiveFeedPrivate *priv = PRIV(feed);
	const CwWsClientStats *ws =
	    priv->client != NULL ? cw_ws_client_get_stats(priv->client) : NULL;
	GString *out = g_string_new(NULL);
	CwJsonWriter w;
	gint64 age = ws != NULL && ws->last_frame_us > 0
			 ? (g_get_monotonic_time() - ws->last_frame_us) / 1000
			 : -1;

	cw_json_writer_init(&w, out, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_string(&w, "key", priv->key);
	cw_json_writer_member_string(&w, "state", cw_feed_state_to_string(priv->state));
	cw_json_writer_member_uint(&w, "connects", ws ? ws->connects : 0);
	cw_json_writer_member_uint(&w, "disconnects", ws ? ws->disconnects : 0);
	cw_json_writer_member_uint(&w, "reconnect_attempts", ws ? ws->reconnect_attempts : 0);
	cw_json_writer_member_uint(&w, "stalls", ws ? ws->stalls : 0);
	cw_json_writer_member_uint(&w, "frames", priv->stats.frames);
	cw_json_writer_member_uint(&w, "candles", priv->stats.candles);
	cw_json_writer_member_uint(&w, "partials", priv->stats.partials);
	cw_json_writer_member_uint(&w, "duplicates", priv->stats.duplicates);
	cw_json_writer_member_uint(&w, "backfilled", priv->stats.backfilled);
	cw_json_writer_member_uint(&w, "gaps_filled", priv->stats.gaps_filled);
	cw_json_writer_member_uint(&w, "gaps_unfilled", priv->stats.gaps_unfilled);
	cw_json_writer_member_uint(&w, "missing_candles", priv->stats.missing);
	cw_json_writer_member_uint(&w, "rest_failures", priv->stats.rest_failures);
	cw_json_writer_member_int(&w, "last_frame_age_ms", age);
	cw_json_writer_member_uint(&w, "bad_frames", priv->stats.bad_frames);
	cw_json_writer_key(&w, "bad_by_kind");
	cw_json_writer_begin_object(&w);
	for (guint k = 1; k < CW_KLINE_N_ERRORS; k++) {
		if (priv->stats.bad_by_kind[k] != 0)
			cw_json_writer_member_uint(&w, cw_kline_error_to_string(k),
						   priv->stats.bad_by_kind[k]);
	}
	cw_json_writer_end_object(&w);
	cw_json_writer_end_object(&w);
	return g_string_free(out, FALSE);
}

/* Configuration ------------------------------------------------------------ */

/* The strategies' longest look-back and a margin of half of it (at least
 * 20 candles). */
static guint
cw_live_feed_default_warmup(const CwBotConfig *config)
{
	guint need = cw_lookback_bot_config(config);

	return MIN(need + MAX(need / 2, 20u), 100000u);
}

static gboolean
cw_live_feed_configure(CwMarketFeed *feed, const CwBotConfig *config, GError **error)
{
	CwLiveFeed *self = CW_LIVE_FEED(feed);
	CwLiveFeedPrivate *priv = PRIV(self);
	const CwLiveFeedDialect *d = cw_live_feed_dialect(self);
	const char *known[] = {"type",   d->market_key, "ws_url", "rest_url",
			       "warmup", "stall_s",     NULL};
	JsonObject *section = cw_bot_config_get_section(config, "feed");
	const char *ws_url = NULL, *rest_url = NULL, *name;
	char interval[16];
	guint market = 0, warmup = 0;
	double stall = 0;

	if (section == NULL)
		return cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, "feed", NULL, "missing");
	if (!cw_config_check_keys(section, "feed", known, error) ||
	    !cw_config_read_choice(section, "feed", d->market_key, d->markets, 0, &market, error) ||
	    !cw_config_read_string(section, "feed", "ws_url", d->ws_urls[market], &ws_url, error) ||
	    !cw_config_read_string(section, "feed", "rest_url", d->rest_urls[market], &rest_url,
				   error) ||
	    !cw_config_read_uint(section, "feed", "warmup", cw_live_feed_default_warmup(config), 0,
				 100000, &warmup, error) ||
	    !cw_config_read_double(section, "feed", "stall_s", 0, 0, 3600, &stall, error))
		return FALSE;
	if (config->symbol == NULL || config->symbol[0] == '\0')
		return cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, "symbol", NULL,
					  "required: the %s feed streams the bot's symbol",
					  d->exchange);
	name = d->interval_name(config->interval_ms);
	if (name == NULL) {
		cw_interval_format(config->interval_ms, interval, sizeof interval);
		return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, "interval", NULL,
					  "%s has no %s candles", d->exchange, interval);
	}
	if (!g_str_has_prefix(ws_url, "ws://") && !g_str_has_prefix(ws_url, "wss://"))
		return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, "feed", "ws_url",
					  "'%s' is not a ws:// or wss:// URL", ws_url);
	if (!g_str_has_prefix(rest_url, "http://") && !g_str_has_prefix(rest_url, "https://"))
		return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, "feed", "rest_url",
					  "'%s' is not an http:// or https:// URL", rest_url);
	priv->market = market;
	g_free(priv->symbol);
	priv->symbol = g_strdup(config->symbol);
	priv->symbol_quark = g_quark_from_string(config->symbol);
	priv->interval_ms = config->interval_ms;
	priv->interval_name = name;
	g_free(priv->ws_url);
	priv->ws_url = g_strdup(ws_url);
	g_free(priv->rest_url);
	priv->rest_url = g_strdup(rest_url);
	priv->warmup = warmup;
	priv->stall_s = stall;
	g_free(priv->topic);
	priv->topic = d->topic(priv->symbol, name);
	cw_interval_format(config->interval_ms, interval, sizeof interval);
	g_free(priv->exchange);
	/* the first market is the exchange's own name: "bybit" (linear),
	 * "binance" (usdm); others get a suffix */
	priv->exchange = market == 0 ? g_strdup(d->exchange)
				     : g_strdup_printf("%s-%s", d->exchange, d->markets[market]);
	g_free(priv->key);
	priv->key = g_strdup_printf("%s:%s:%s:%s@%s", d->exchange, d->markets[market], priv->symbol,
				    interval, ws_url);
	return TRUE;
}

static void
cw_live_feed_iface_init(CwMarketFeedInterface *iface)
{
	iface->configure = cw_live_feed_configure;
	iface->get_key = cw_live_feed_get_key;
	iface->add_sink = cw_live_feed_add_sink;
	iface->remove_sink = cw_live_feed_remove_sink;
	iface->start = cw_live_feed_start;
	iface->stop = cw_live_feed_stop;
	iface->set_cursor = cw_live_feed_set_cursor;
	iface->set_fast_forward = cw_live_feed_set_fast_forward;
	iface->get_state = cw_live_feed_get_state;
	iface->is_warming_up = cw_live_feed_is_warming_up;
	iface->describe_stats = cw_live_feed_describe_stats;
	iface->get_exchange = cw_live_feed_get_exchange;
}

/** cw_live_feed_get_stats: Returns: (transfer none): the counters */
const CwLiveFeedStats *
cw_live_feed_get_stats(CwLiveFeed *self)
{
	return &PRIV(self)->stats;
}

/** cw_live_feed_get_latest: Returns: FALSE before the first update */
gboolean
cw_live_feed_get_latest(CwLiveFeed *self, CwCandle *out)
{
	CwLiveFeedPrivate *priv = PRIV(self);

	if (priv->have_latest)
		*out = priv->latest;
	return priv->have_latest;
}

/* GObject ------------------------------------------------------------------ */

static void
cw_live_feed_dispose(GObject *object)
{
	cw_live_feed_halt(CW_LIVE_FEED(object));
	G_OBJECT_CLASS(cw_live_feed_parent_class)->dispose(object);
}

static void
cw_live_feed_finalize(GObject *object)
{
	CwLiveFeedPrivate *priv = PRIV(object);

	g_array_unref(priv->sinks);
	g_array_unref(priv->held);
	g_array_unref(priv->page);
	cw_kline_decoder_free(priv->decoder);
	g_free(priv->symbol);
	g_free(priv->ws_url);
	g_free(priv->rest_url);
	g_free(priv->topic);
	g_free(priv->key);
	g_free(priv->exchange);
	g_clear_object(&priv->client);
	g_clear_object(&priv->session);
	G_OBJECT_CLASS(cw_live_feed_parent_class)->finalize(object);
}

static void
cw_live_feed_class_init(CwLiveFeedClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = cw_live_feed_dispose;
	object_class->finalize = cw_live_feed_finalize;
}

static void
cw_live_feed_init(CwLiveFeed *self)
{
	CwLiveFeedPrivate *priv = PRIV(self);

	priv->sinks = g_array_new(FALSE, FALSE, sizeof(CwLiveSink));
	priv->held = g_array_sized_new(FALSE, FALSE, sizeof(CwCandle), 64);
	priv->page = g_array_sized_new(FALSE, FALSE, sizeof(CwCandle), 1000);
	priv->decoder = cw_kline_decoder_new();
	priv->last_open = G_MININT64;
	priv->cursor = G_MININT64;
	priv->fast_forward = G_MININT64;
	priv->history_from = G_MININT64;
	priv->warmup = 200;
	cw_token_bucket_init(&priv->log_bucket, 1, 5);
}
