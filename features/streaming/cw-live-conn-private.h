#pragma once

/* CwLiveConn: one exchange WebSocket shared by many live feeds (private to
 * features/streaming; cw-live-conn.c).
 *
 * Every CwLiveFeed of one exchange, market and ws_url joins the same
 * connection, up to the exchange's documented limits per connection (the
 * dialect's max_topics and max_topic_chars); past them a second one
 * opens. Subscriptions go in batches of at most the dialect's max_args
 * topics per request, max_send_per_s requests a second at most. At every
 * (re)connection the connection subscribes every topic again, and each
 * feed fills its own gap when its subscription is acknowledged.
 *
 * Frames are decoded once and go to the feeds of their topic; a frame that
 * names no topic of the connection (an ack, a pong, a bad frame) is
 * counted on every feed of the connection. */

#include "cw-streaming.h"

#include "cw-net.h"

G_BEGIN_DECLS

typedef struct _CwLiveConn CwLiveConn;

/* The shared connection of dialect/market/ws_url with room for topic,
 * opened when none has. Returns: (transfer none) the connection. */
CwLiveConn *cw_live_conn_join(const CwLiveFeedDialect *dialect, guint market, const char *ws_url,
			      const CwWsClientSettings *settings, const char *topic);
/* A connection with no socket: frames come from cw_live_conn_ingest()
 * only (tests, benchmarks). Freed with its last feed. */
CwLiveConn *cw_live_conn_new_detached(const CwLiveFeedDialect *dialect);
/* The feed joins with its topic: subscribed at once when the connection is
 * open (the feed may backfill before this returns), else when it opens. */
void cw_live_conn_add(CwLiveConn *self, CwLiveFeed *feed, const char *topic);
/* The feed leaves: its topic is unsubscribed; the last feed closes the
 * connection and frees it. */
void cw_live_conn_leave(CwLiveConn *self, CwLiveFeed *feed);
void cw_live_conn_ingest(CwLiveConn *self, const char *data, gsize len, gboolean binary);
/* NULL for a detached connection. */
SoupSession *cw_live_conn_get_session(CwLiveConn *self);
gboolean cw_live_conn_is_open(CwLiveConn *self);
const CwWsClientStats *cw_live_conn_get_ws_stats(CwLiveConn *self);
/* How many connections are open now (tests). */
guint cw_live_conn_count(void);

/* What the connection calls on its feeds (cw-live-feed.c). */
void cw_live_feed_conn_subscribed(CwLiveFeed *self);
void cw_live_feed_conn_rejected(CwLiveFeed *self, const char *message);
void cw_live_feed_conn_closed(CwLiveFeed *self, gboolean stalled);
void cw_live_feed_conn_kline(CwLiveFeed *self, const CwKlineFrame *frame);
void cw_live_feed_conn_frame(CwLiveFeed *self);
void cw_live_feed_conn_bad(CwLiveFeed *self, CwKlineError kind, const char *detail);

G_END_DECLS
