/* CwLiveFeed: see cw-live-feed.h. Delivery keeps one invariant: a candle
 * reaches the sinks only when its open time is after last_open (never
 * twice, never out of order). While a REST backfill runs, the stream's
 * closed candles wait in held (sorted) and go out after it. */
#include "cw-live-conn-private.h"

#include "cw-config.h"
#include "cw-net.h"
#include "cw-strategies.h"

#include <math.h>
#include <string.h>

#define CW_LIVE_HELD_MAX 4096
/* a gap REST did not fill is asked for again this many times, after
 * these delays (ms), before the candles after it go out without it */
#define CW_LIVE_GAP_RETRIES 4
static const guint cw_live_gap_retry_ms[CW_LIVE_GAP_RETRIES] = {50, 250, 1000, 2000};
/* the most candles a recovery reads back from the candles table */
#define CW_LIVE_HISTORY_MAX 500000

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
	CwLiveConn *conn;        /* shared, or detached (frames from ingest()) */
	CwKlineDecoder *decoder; /* REST pages */
	SoupSession *session;    /* the connection's, for REST; NULL when detached */
	CwWsClientStats ws;      /* the last connection's counters, once it is left */
	gboolean have_ws;
	CwFeedState state;
	gboolean started;

	/* order */
	gint64 last_open;    /* open time of the last candle delivered */
	gint64 cursor;       /* unused by delivery: see set_cursor */
	gint64 history_from; /* the restarted bots' earliest origin */
	gint64 fast_forward;
	gboolean warming;
	gboolean subscribed; /* the first backfill began: live candles may go out */
	gboolean backfilling;
	gboolean want_backfill; /* a gap or a reconnect came during a backfill */
	gboolean paging;        /* the backfill pages forward until a short page */
	gboolean probing;       /* asked for the newest candle: a warm-up over pages */
	guint gap_retries;      /* times this gap was asked for again (REST had not closed it) */
	guint gap_retry_source; /* the timeout that asks again */
	GCancellable *rest_cancel;
	GArray *held; /* of CwCandle, sorted, during a backfill */
	GArray *page; /* of CwCandle, a REST page */
	/* the candles table (set by the service): warm-up reads it first */
	CwCandleHistory *history;
	GArray *stored;    /* of CwCandle: read back, delivered after the head */
	gint64 head_until; /* REST fetches the look-back up to this stored candle */
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
static void cw_live_feed_replay_stored(CwLiveFeed *self);

/* The delay after an unfilled gap is over: the backfill asks again. */
static gboolean
cw_live_feed_gap_retry(gpointer user_data)
{
	CwLiveFeed *self = user_data;
	CwLiveFeedPrivate *priv = PRIV(self);

	priv->gap_retry_source = 0;
	priv->backfilling = FALSE;
	cw_live_feed_backfill(self);
	return G_SOURCE_REMOVE;
}

/* Drops the held candles REST has delivered, and says whether a candle
 * is still missing before or between those left: anywhere a held
 * candle is not its predecessor's successor, not only before the first.
 * A slow page can deliver past the oldest held candles, so the first
 * one left can follow the last delivered while a later one skips. */
static gboolean
cw_live_feed_held_gap(CwLiveFeed *self)
{
	CwLiveFeedPrivate *priv = PRIV(self);
	gint64 prev = priv->last_open;
	guint done = 0;

	while (done < priv->held->len &&
	       g_array_index(priv->held, CwCandle, done).open_time <= priv->last_open)
		done++;
	g_array_remove_range(priv->held, 0, done);
	if (prev == G_MININT64)
		return FALSE;
	for (guint i = 0; i < priv->held->len; i++) {
		gint64 t = g_array_index(priv->held, CwCandle, i).open_time;

		if (t > prev + priv->interval_ms)
			return TRUE;
		prev = t;
	}
	return FALSE;
}

/* After a backfill: the held candles, in order; a gap still before or
 * between them is one REST could not fill. */
static void
cw_live_feed_end_backfill(CwLiveFeed *self, gboolean filled_any)
{
	CwLiveFeedPrivate *priv = PRIV(self);
	gboolean was_warming = priv->warming;

	/* REST failed before the stored candles went out: they go now */
	if (priv->stored->len > 0) {
		cw_live_feed_replay_stored(self);
		return;
	}

	/* a held candle after a gap: REST may have answered before the
	 * missing candle closed on the exchange (the stream had it first),
	 * or lag behind the stream for a moment: ask again, later each time,
	 * before calling the gap unfilled; candles stay held meanwhile */
	if (cw_live_feed_held_gap(self) && priv->gap_retries < CW_LIVE_GAP_RETRIES &&
	    priv->session != NULL) {
		priv->gap_retry_source = g_timeout_add(cw_live_gap_retry_ms[priv->gap_retries],
						       cw_live_feed_gap_retry, self);
		priv->gap_retries++;
		return;
	}
	priv->gap_retries = 0;
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
	cw_live_feed_set_state(self, priv->conn != NULL && cw_live_conn_is_open(priv->conn)
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

/* A REST page that reaches the present ends with the candle still
 * forming (Bybit's first row, Binance's last one, its closeTime ahead):
 * partial prices, no decision. A row is forming when its close (open +
 * interval) is after the exchange's clock when it answered, which is the
 * answer's Date header: whole seconds rounded down, so never after the
 * exchange's time (a forming row is never taken for closed), and closes
 * fall on whole seconds (a closed row is never taken for forming). Not
 * the newest stream time: it is older than the answer (a closed row would
 * look forming) and there is none before the first frame. Without a Date
 * header, the local clock. The dropped candle comes from the stream's
 * confirm: its subscription was acknowledged before the page was asked
 * for, and a confirm that still went missing is a gap REST fills later.
 * Returns: the open time of the newest row dropped, G_MININT64 for none. */
static gint64
cw_live_feed_drop_forming(CwLiveFeed *self, gint64 answer_ms)
{
	CwLiveFeedPrivate *priv = PRIV(self);
	gint64 now = answer_ms >= 0 ? answer_ms : g_get_real_time() / 1000;
	gint64 forming = G_MININT64;

	for (guint i = priv->page->len; i > 0; i--) {
		const CwCandle *c = &g_array_index(priv->page, CwCandle, i - 1);

		if (c->open_time + priv->interval_ms <= now)
			continue;
		forming = MAX(forming, c->open_time);
		priv->stats.forming_dropped++;
		g_array_remove_index(priv->page, i - 1);
	}
	return forming;
}

/* One page back: deliver it, then the next page or the end. */
static void
cw_live_feed_page_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CwLiveFeed) self = user_data;
	CwLiveFeedPrivate *priv = PRIV(self);
	const CwLiveFeedDialect *d = cw_live_feed_dialect(self);
	g_autoptr(GError) error = NULL;
	CwRestAnswer answer = {0};
	g_autoptr(GBytes) body = cw_rest_request_finish(result, &answer, NULL, &error);
	CwKlinePageError page_error = {0};
	guint limit = d->max_rows[priv->market];
	guint64 before = priv->stats.backfilled;
	gint64 forming;
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
	/* a page with a forming row reached the present: short, it ends the paging */
	forming = cw_live_feed_drop_forming(self, answer.date_ms);
	if (priv->probing) {
		/* a warm-up longer than a page: forward from warmup candles
		 * before the newest closed one */
		priv->probing = FALSE;
		priv->paging = TRUE;
		if (priv->page->len > 0 || forming != G_MININT64) {
			gint64 newest =
			    priv->page->len > 0
				? g_array_index(priv->page, CwCandle, priv->page->len - 1).open_time
				: forming - priv->interval_ms;
			cw_live_feed_request(
			    self, MAX(0, newest - (gint64) (priv->warmup - 1) * priv->interval_ms),
			    limit);
			return;
		}
	}
	for (guint i = 0; i < priv->page->len; i++)
		cw_live_feed_push(self, &g_array_index(priv->page, CwCandle, i), TRUE);
	if (priv->head_until != G_MININT64) {
		/* the look-back before the stored candles, then them */
		if (priv->page->len >= limit && priv->stats.backfilled > before &&
		    priv->last_open + priv->interval_ms < priv->head_until) {
			cw_live_feed_request(self, priv->last_open + priv->interval_ms, limit);
			return;
		}
		cw_live_feed_replay_stored(self);
		return;
	}
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

/* A candle read back from the table is a candle the decoders would take. */
static gboolean
cw_live_feed_stored_ok(const CwCandle *c)
{
	return isfinite(c->open) && isfinite(c->high) && isfinite(c->low) && isfinite(c->close) &&
	       isfinite(c->volume) && c->high >= c->low && c->volume >= 0 && c->open > 0 &&
	       c->close > 0 && c->low > 0;
}

/* The stored candles, then REST for what closed after the last of them
 * (the downtime), paging forward. */
static void
cw_live_feed_replay_stored(CwLiveFeed *self)
{
	CwLiveFeedPrivate *priv = PRIV(self);
	guint max_rows = cw_live_feed_dialect(self)->max_rows[priv->market];

	priv->head_until = G_MININT64;
	for (guint i = 0; i < priv->stored->len; i++) {
		const CwCandle *c = &g_array_index(priv->stored, CwCandle, i);

		if (c->open_time <= priv->last_open)
			continue;
		priv->stats.stored++;
		cw_live_feed_deliver(self, c);
	}
	g_array_set_size(priv->stored, 0);
	priv->paging = TRUE;
	cw_live_feed_request(self, priv->last_open + priv->interval_ms, max_rows);
}

/* Warm-up from the candles table: the stored run from start (or the
 * newest warmup candles), REST only for the look-back it lacks before them
 * and for what closed after them. FALSE when the table has nothing (or
 * cannot be read): all over REST then. */
static gboolean
cw_live_feed_from_history(CwLiveFeed *self, gint64 start)
{
	CwLiveFeedPrivate *priv = PRIV(self);
	guint max_rows = cw_live_feed_dialect(self)->max_rows[priv->market];
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) rows = NULL;
	gint64 head_from, first;
	guint n = 0;

	if (priv->history == NULL || priv->exchange == NULL)
		return FALSE;
	rows = cw_candle_history_read(
	    priv->history, priv->exchange, priv->symbol, priv->interval_ms, start,
	    start == G_MININT64 ? priv->warmup : CW_LIVE_HISTORY_MAX, &error);
	if (rows == NULL) {
		g_autofree char *what = g_strdup_printf(
		    "candles table not used for the warm-up (all over REST): %s", error->message);
		cw_live_feed_log(self, G_LOG_LEVEL_WARNING, what);
		cw_live_feed_report(self, what);
		return FALSE;
	}
	/* the newest run with no hole and no bad row: from the end back for
	 * the newest, from the start on for a recovery */
	if (start == G_MININT64) {
		guint i = rows->len;

		while (i > 0 && cw_live_feed_stored_ok(&g_array_index(rows, CwCandle, i - 1)) &&
		       (i == rows->len ||
			g_array_index(rows, CwCandle, i - 1).open_time + priv->interval_ms ==
			    g_array_index(rows, CwCandle, i).open_time))
			i--;
		g_array_remove_range(rows, 0, i);
		n = rows->len;
	} else {
		while (
		    n < rows->len && cw_live_feed_stored_ok(&g_array_index(rows, CwCandle, n)) &&
		    (n == 0 || g_array_index(rows, CwCandle, n - 1).open_time + priv->interval_ms ==
				   g_array_index(rows, CwCandle, n).open_time))
			n++;
		g_array_set_size(rows, n);
	}
	if (n == 0)
		return FALSE;
	g_array_set_size(priv->stored, 0);
	g_array_append_vals(priv->stored, rows->data, n);
	first = g_array_index(rows, CwCandle, 0).open_time;
	head_from = start != G_MININT64 ? start
		    : n < priv->warmup  ? first - (gint64) (priv->warmup - n) * priv->interval_ms
					: first;
	cw_log(G_LOG_LEVEL_MESSAGE, NULL, NULL,
	       "feed %s: warm-up from the candles table (%u candles)", priv->key, n);
	if (head_from >= first) {
		cw_live_feed_replay_stored(self);
		return TRUE;
	}
	priv->head_until = first;
	priv->paging = TRUE;
	cw_live_feed_request(
	    self, MAX(0, head_from),
	    (guint) MIN((gint64) max_rows, (first - head_from) / priv->interval_ms));
	return TRUE;
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
	priv->subscribed = TRUE;
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
		gint64 start = MAX(0, from - (gint64) priv->warmup * priv->interval_ms);

		if (!cw_live_feed_from_history(self, start))
			cw_live_feed_request(self, start, max_rows);
		return;
	}
	priv->paging = FALSE;
	priv->warming = priv->warmup > 0;
	if (priv->warmup == 0) {
		cw_live_feed_end_backfill(self, FALSE);
		return;
	}
	if (cw_live_feed_from_history(self, G_MININT64))
		return;
	/* the newest page has the forming row too: one more than warmup */
	priv->probing = priv->warmup >= max_rows;
	cw_live_feed_request(self, -1, priv->probing ? 1 : priv->warmup + 1);
}

/* A closed candle from the stream. */
static void
cw_live_feed_on_closed(CwLiveFeed *self, const CwCandle *candle)
{
	CwLiveFeedPrivate *priv = PRIV(self);

	/* a combined stream may carry the topic before its subscription is
	 * answered: candles wait for the warm-up then */
	if (priv->backfilling || (!priv->subscribed && priv->session != NULL)) {
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

/* What the connection calls ------------------------------------------------ */

/** cw_live_feed_conn_bad: a bad frame on the feed's connection */
void
cw_live_feed_conn_bad(CwLiveFeed *self, CwKlineError kind, const char *detail)
{
	CwLiveFeedPrivate *priv = PRIV(self);
	char what[CW_KLINE_DETAIL_LEN + 64];

	priv->stats.bad_frames++;
	priv->stats.bad_by_kind[kind < CW_KLINE_N_ERRORS ? kind : CW_KLINE_ERROR_NONE]++;
	g_snprintf(what, sizeof what, "bad frame (%s): %s", cw_kline_error_to_string(kind), detail);
	cw_live_feed_log(self, G_LOG_LEVEL_WARNING, what);
}

/** cw_live_feed_conn_frame: a frame for the feed (its topic's, or no topic's) */
void
cw_live_feed_conn_frame(CwLiveFeed *self)
{
	PRIV(self)->stats.frames++;
}

/** cw_live_feed_conn_kline: a kline frame of the feed's topic */
void
cw_live_feed_conn_kline(CwLiveFeed *self, const CwKlineFrame *frame)
{
	CwLiveFeedPrivate *priv = PRIV(self);

	for (guint i = 0; i < frame->n_updates; i++) {
		const CwKlineUpdate *u = &frame->updates[i];

		if (u->candle.interval_ms != priv->interval_ms) {
			cw_live_feed_conn_bad(self, CW_KLINE_ERROR_UNKNOWN_TOPIC, "interval");
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

/** cw_live_feed_conn_subscribed: the stream carries the feed's topic now */
void
cw_live_feed_conn_subscribed(CwLiveFeed *self)
{
	/* the first subscription warms up; every later one fills what the
	 * feed missed, now that the stream carries what closes next */
	cw_live_feed_backfill(self);
}

/** cw_live_feed_conn_rejected: the exchange refused the feed's topic */
void
cw_live_feed_conn_rejected(CwLiveFeed *self, const char *message)
{
	CwLiveFeedPrivate *priv = PRIV(self);
	g_autofree char *what = g_strdup_printf("the exchange refused the subscription to %s: %s",
						priv->topic, message);

	priv->stats.rejected++;
	cw_log(G_LOG_LEVEL_WARNING, NULL, NULL, "feed %s: %s", priv->key, what);
	cw_live_feed_report(self, what);
	g_signal_emit_by_name(self, "ended", what);
}

/** cw_live_feed_conn_closed: the feed's connection closed, failed or stalled */
void
cw_live_feed_conn_closed(CwLiveFeed *self, gboolean stalled)
{
	CwLiveFeedPrivate *priv = PRIV(self);

	if (!priv->backfilling)
		cw_live_feed_set_state(self,
				       stalled ? CW_FEED_STATE_STALLED : CW_FEED_STATE_CONNECTING);
}

/**
 * cw_live_feed_ingest:
 * @data: the frame's bytes
 * @binary: it came as a binary frame
 *
 * Handles one frame as if the connection had received it (a feed that
 * was never started gets a connection of its own, with no socket).
 */
void
cw_live_feed_ingest(CwLiveFeed *self, const char *data, gsize len, gboolean binary)
{
	CwLiveFeedPrivate *priv = PRIV(self);

	if (priv->conn == NULL) {
		if (priv->topic == NULL)
			return;
		priv->conn = cw_live_conn_new_detached(cw_live_feed_dialect(self));
		cw_live_conn_add(priv->conn, self, priv->topic);
	}
	cw_live_conn_ingest(priv->conn, data, len, binary);
}

/* Connection --------------------------------------------------------------- */

static void
cw_live_feed_halt(CwLiveFeed *self)
{
	CwLiveFeedPrivate *priv = PRIV(self);

	if (priv->rest_cancel != NULL)
		g_cancellable_cancel(priv->rest_cancel);
	g_clear_object(&priv->rest_cancel);
	priv->backfilling = FALSE;
	priv->want_backfill = FALSE;
	g_clear_handle_id(&priv->gap_retry_source, g_source_remove);
	priv->gap_retries = 0;
	g_array_set_size(priv->held, 0);
	/* the connection's counters stay, for bots show */
	if (priv->conn != NULL) {
		CwLiveConn *conn = g_steal_pointer(&priv->conn);

		if (cw_live_conn_get_ws_stats(conn) != NULL) {
			priv->ws = *cw_live_conn_get_ws_stats(conn);
			priv->have_ws = TRUE;
		}
		cw_live_conn_leave(conn, self);
	}
	g_clear_object(&priv->session);
	priv->subscribed = FALSE;
	priv->started = FALSE;
	cw_live_feed_set_state(self, CW_FEED_STATE_STOPPED);
}

static gboolean
cw_live_feed_start(CwMarketFeed *feed, GError **error)
{
	CwLiveFeed *self = CW_LIVE_FEED(feed);
	CwLiveFeedPrivate *priv = PRIV(self);
	const CwLiveFeedDialect *d = cw_live_feed_dialect(self);
	CwWsClientSettings settings;

	if (priv->started)
		return TRUE;
	if (priv->topic == NULL) {
		g_set_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_FAILED,
			    "%s feed: not configured", d->exchange);
		return FALSE;
	}
	if (priv->conn != NULL) {
		/* frames were ingested before: the detached connection goes */
		cw_live_conn_leave(g_steal_pointer(&priv->conn), self);
	}
	cw_ws_client_settings_init(&settings);
	settings.ping_s = d->ping_s;
	settings.stall_s = priv->stall_s;
	settings.max_age_s = d->max_age_s;
	priv->started = TRUE;
	cw_live_feed_set_state(self, CW_FEED_STATE_CONNECTING);
	priv->conn = cw_live_conn_join(d, priv->market, priv->ws_url, &settings, priv->topic);
	priv->session = g_object_ref(cw_live_conn_get_session(priv->conn));
	/* joining an open connection may subscribe (and backfill) at once */
	cw_live_conn_add(priv->conn, self, priv->topic);
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

static void
cw_live_feed_set_history(CwMarketFeed *feed, CwCandleHistory *history)
{
	CwLiveFeedPrivate *priv = PRIV(feed);

	if (history != NULL)
		g_object_ref(history);
	g_clear_object(&priv->history);
	priv->history = history;
}

static char *
cw_live_feed_describe_stats(CwMarketFeed *feed)
{
	CwLiveFeedPrivate *priv = PRIV(feed);
	const CwWsClientStats *ws = priv->conn != NULL ? cw_live_conn_get_ws_stats(priv->conn)
				    : priv->have_ws    ? &priv->ws
						       : NULL;
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
	cw_json_writer_member_uint(&w, "from_table", priv->stats.stored);
	cw_json_writer_member_uint(&w, "gaps_filled", priv->stats.gaps_filled);
	cw_json_writer_member_uint(&w, "gaps_unfilled", priv->stats.gaps_unfilled);
	cw_json_writer_member_uint(&w, "missing_candles", priv->stats.missing);
	cw_json_writer_member_uint(&w, "rest_failures", priv->stats.rest_failures);
	cw_json_writer_member_uint(&w, "forming_dropped", priv->stats.forming_dropped);
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
	const char *known[] = {"type",   d->market_key, "ws_url",       "rest_url",
			       "warmup", "stall_s",     "down_alert_s", NULL};
	JsonObject *section = cw_bot_config_get_section(config, "feed");
	const char *ws_url = NULL, *rest_url = NULL, *name;
	char interval[16];
	guint market = 0, warmup = 0;
	double stall = 0, down_alert = 0;

	if (section == NULL)
		return cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, "feed", NULL, "missing");
	if (!cw_config_check_keys(section, "feed", known, error) ||
	    !cw_config_read_choice(section, "feed", d->market_key, d->markets, 0, &market, error) ||
	    !cw_config_read_string(section, "feed", "ws_url", d->ws_urls[market], &ws_url, error) ||
	    !cw_config_read_string(section, "feed", "rest_url", d->rest_urls[market], &rest_url,
				   error) ||
	    !cw_config_read_uint(section, "feed", "warmup", cw_live_feed_default_warmup(config), 0,
				 100000, &warmup, error) ||
	    !cw_config_read_double(section, "feed", "stall_s", 0, 0, 3600, &stall, error) ||
	    !cw_config_read_double(section, "feed", "down_alert_s", 60, 0, 86400, &down_alert,
				   error))
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
	iface->set_history = cw_live_feed_set_history;
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
	g_array_unref(priv->stored);
	g_clear_object(&priv->history);
	cw_kline_decoder_free(priv->decoder);
	g_free(priv->symbol);
	g_free(priv->ws_url);
	g_free(priv->rest_url);
	g_free(priv->topic);
	g_free(priv->key);
	g_free(priv->exchange);
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
	priv->stored = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	priv->head_until = G_MININT64;
	priv->decoder = cw_kline_decoder_new();
	priv->last_open = G_MININT64;
	priv->cursor = G_MININT64;
	priv->fast_forward = G_MININT64;
	priv->history_from = G_MININT64;
	priv->warmup = 200;
	cw_token_bucket_init(&priv->log_bucket, 1, 5);
}
