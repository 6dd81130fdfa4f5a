/* CwLiveConn: see cw-live-conn-private.h. The feeds of one topic are a
 * list of members; a member that leaves while a frame is being dispatched
 * is only marked gone, and freed after the dispatch. */
#include "cw-live-conn-private.h"

#include <stdlib.h>
#include <string.h>

/* the part of the URL the topics may take (the rest subscribe by message) */
#define CW_LIVE_CONN_URL_TOPIC_CHARS 2000

typedef struct _CwLiveConnMember CwLiveConnMember;

struct _CwLiveConnMember {
	CwLiveFeed *feed; /* borrowed: a feed leaves before it goes */
	char *topic;
	guint req;       /* the subscribe request in flight, 0 = none */
	gboolean queued; /* waits for a subscribe request */
	gboolean acked;  /* subscribed on the open connection */
	gboolean alone;  /* in a request of its own (its batch was refused) */
	gboolean gone;
	CwLiveConnMember *next; /* the next member of the same topic */
};

struct _CwLiveConn {
	const CwLiveFeedDialect *dialect;
	char *key; /* "bybit:linear@ws://..." (registry), NULL when detached */
	char *ws_url;
	guint market;
	SoupSession *session;
	CwWsClient *client;
	CwKlineDecoder *decoder;
	CwKlineFrame frame;
	GPtrArray *members; /* of CwLiveConnMember*, owned */
	GHashTable *topics; /* topic -> first CwLiveConnMember (of members) */
	gsize topic_chars;  /* of the args array as JSON (cw_live_conn_arg_chars()) */
	guint n_topics;
	guint req;
	guint send_source; /* the next batch of subscribe requests */
	gint64 last_send_us;
	guint dispatching;
	gboolean dirty; /* gone members to free after the dispatch */
	gboolean dead;  /* no member left: free after the dispatch */
	gboolean started;
};

/* key -> GPtrArray of CwLiveConn* (borrowed): the open shared connections */
static GHashTable *cw_live_conn_registry;

static void cw_live_conn_flush(CwLiveConn *self);

static void
cw_live_conn_member_free(CwLiveConnMember *m)
{
	g_free(m->topic);
	g_free(m);
}

static void
cw_live_conn_free(CwLiveConn *self)
{
	g_clear_handle_id(&self->send_source, g_source_remove);
	if (self->client != NULL)
		cw_ws_client_stop(self->client);
	g_clear_object(&self->client);
	g_clear_object(&self->session);
	g_hash_table_unref(self->topics);
	g_ptr_array_unref(self->members);
	cw_kline_decoder_free(self->decoder);
	g_free(self->key);
	g_free(self->ws_url);
	g_free(self);
}

static CwLiveConn *
cw_live_conn_new(const CwLiveFeedDialect *dialect, guint market, const char *ws_url)
{
	CwLiveConn *self = g_new0(CwLiveConn, 1);

	self->dialect = dialect;
	self->market = market;
	self->ws_url = g_strdup(ws_url);
	self->decoder = cw_kline_decoder_new();
	self->members = g_ptr_array_new_with_free_func((GDestroyNotify) cw_live_conn_member_free);
	self->topics = g_hash_table_new(g_str_hash, g_str_equal);
	return self;
}

static void
cw_live_conn_unregister(CwLiveConn *self)
{
	GPtrArray *list;

	if (self->key == NULL || cw_live_conn_registry == NULL)
		return;
	list = g_hash_table_lookup(cw_live_conn_registry, self->key);
	if (list == NULL)
		return;
	g_ptr_array_remove(list, self);
	if (list->len == 0)
		g_hash_table_remove(cw_live_conn_registry, self->key);
}

/* Dispatch guard ------------------------------------------------------------ */

static void
cw_live_conn_enter(CwLiveConn *self)
{
	self->dispatching++;
}

static gboolean
cw_live_conn_free_cb(gpointer user_data)
{
	cw_live_conn_free(user_data);
	return G_SOURCE_REMOVE;
}

/* Frees what left during the dispatch; FALSE when the connection went
 * (freed once idle: the dispatch may be inside its client's callback). */
static gboolean
cw_live_conn_exit(CwLiveConn *self)
{
	if (--self->dispatching > 0)
		return TRUE;
	if (self->dead) {
		g_idle_add(cw_live_conn_free_cb, self);
		return FALSE;
	}
	if (self->dirty) {
		for (guint i = self->members->len; i > 0; i--) {
			if (((CwLiveConnMember *) self->members->pdata[i - 1])->gone)
				g_ptr_array_remove_index(self->members, i - 1);
		}
		self->dirty = FALSE;
	}
	return TRUE;
}

/* Topics -------------------------------------------------------------------- */

/* What a topic adds to the connection's "args" array as JSON, which is
 * what Bybit's 21,000 characters count: the topic, its two quotes and a
 * comma (the last topic's missing comma pays for one of the brackets;
 * cw_live_conn_has_room() adds the other). */
static gsize
cw_live_conn_arg_chars(const char *topic)
{
	return strlen(topic) + 3;
}

static gboolean
cw_live_conn_has_room(CwLiveConn *self, const char *topic)
{
	const CwLiveFeedDialect *d = self->dialect;

	if (g_hash_table_contains(self->topics, topic))
		return TRUE;
	if (d->max_topics > 0 && self->n_topics >= d->max_topics)
		return FALSE;
	return d->max_topic_chars == 0 ||
	       1 + self->topic_chars + cw_live_conn_arg_chars(topic) <= d->max_topic_chars;
}

/* The URL of the next connection: the topics that fit in it. */
static void
cw_live_conn_update_url(CwLiveConn *self)
{
	g_autoptr(GPtrArray) list = g_ptr_array_new();
	GHashTableIter iter;
	const char *topic;
	gsize chars = 0;
	g_autofree char *url = NULL;

	if (self->client == NULL)
		return;
	g_hash_table_iter_init(&iter, self->topics);
	while (g_hash_table_iter_next(&iter, (gpointer *) &topic, NULL)) {
		if (list->len > 0 && chars + strlen(topic) + 1 > CW_LIVE_CONN_URL_TOPIC_CHARS)
			break;
		chars += strlen(topic) + 1;
		g_ptr_array_add(list, (gpointer) topic);
	}
	url = self->dialect->stream_url(self->ws_url, (const char *const *) list->pdata, list->len);
	cw_ws_client_set_url(self->client, url);
}

/**
 * cw_live_conn_add:
 * @feed: the feed, which stays until cw_live_conn_leave()
 * @topic: its topic, as frames carry it
 *
 * The feed joins; see cw-live-conn-private.h.
 */
void
cw_live_conn_add(CwLiveConn *self, CwLiveFeed *feed, const char *topic)
{
	CwLiveConnMember *m = g_new0(CwLiveConnMember, 1);
	CwLiveConnMember *first = g_hash_table_lookup(self->topics, topic);

	m->feed = feed;
	m->topic = g_strdup(topic);
	g_ptr_array_add(self->members, m);
	if (first != NULL) {
		m->next = first->next;
		first->next = m;
	} else {
		g_hash_table_insert(self->topics, m->topic, m);
		self->n_topics++;
		self->topic_chars += cw_live_conn_arg_chars(topic);
	}
	if (self->client == NULL || !cw_ws_client_is_open(self->client)) {
		if (first == NULL)
			cw_live_conn_update_url(self);
		if (self->client != NULL && !self->started) {
			self->started = TRUE;
			cw_ws_client_start(self->client);
		}
		return;
	}
	/* open already: the stream carries the topic if another feed has it
	 * acknowledged, else it needs its own subscription */
	for (CwLiveConnMember *o = first; o != NULL; o = o->next) {
		if (!o->gone && o->acked) {
			m->acked = TRUE;
			cw_live_feed_conn_subscribed(feed);
			return;
		}
	}
	m->queued = TRUE;
	cw_live_conn_flush(self);
}

/* Sends batches of the queued topics: at most max_args a request and
 * max_send_per_s requests a second. */
static gboolean
cw_live_conn_send_cb(gpointer user_data)
{
	CwLiveConn *self = user_data;

	self->send_source = 0;
	cw_live_conn_flush(self);
	return G_SOURCE_REMOVE;
}

static void
cw_live_conn_flush(CwLiveConn *self)
{
	const CwLiveFeedDialect *d = self->dialect;
	g_autoptr(GPtrArray) topics = NULL;
	g_autofree char *msg = NULL;
	gint64 gap_us = d->max_send_per_s > 0 ? G_USEC_PER_SEC / d->max_send_per_s : 0;
	gint64 now = g_get_monotonic_time();
	guint req;

	if (self->send_source != 0 || self->client == NULL || !cw_ws_client_is_open(self->client))
		return;
	if (self->last_send_us != 0 && now - self->last_send_us < gap_us) {
		self->send_source =
		    g_timeout_add((guint) ((gap_us - (now - self->last_send_us)) / 1000) + 1,
				  cw_live_conn_send_cb, self);
		return;
	}
	topics = g_ptr_array_new();
	req = ++self->req;
	for (guint i = 0; i < self->members->len && topics->len < d->max_args; i++) {
		CwLiveConnMember *m = self->members->pdata[i];
		gboolean seen = FALSE;

		if (m->gone || !m->queued || (m->alone && topics->len > 0))
			continue;
		if (m->alone) {
			/* alone: this request is its topic's only */
			m->queued = FALSE;
			m->req = req;
			g_ptr_array_add(topics, m->topic);
			break;
		}
		m->queued = FALSE;
		m->req = req;
		/* one topic once per request, whatever its feeds */
		for (guint k = 0; k < topics->len && !seen; k++)
			seen = strcmp(topics->pdata[k], m->topic) == 0;
		if (!seen)
			g_ptr_array_add(topics, m->topic);
	}
	if (topics->len == 0)
		return;
	msg = d->subscribe((const char *const *) topics->pdata, topics->len, req);
	cw_ws_client_send_text(self->client, msg);
	self->last_send_us = now;
	for (guint i = 0; i < self->members->len; i++) {
		if (((CwLiveConnMember *) self->members->pdata[i])->queued) {
			self->send_source =
			    g_timeout_add((guint) (gap_us / 1000) + 1, cw_live_conn_send_cb, self);
			break;
		}
	}
}

/* The answer to request req: every member of it is subscribed, or the
 * request was refused. A refused batch of several topics is split, one
 * topic a request, so that one bad symbol does not cost the others. */
static void
cw_live_conn_answer(CwLiveConn *self, const char *req_id, gboolean ok, const char *message)
{
	const char *digits = req_id;
	guint64 req = 0;
	guint n = 0, n_topics = 0;
	const char *first_topic = NULL;

	while (*digits != '\0' && !g_ascii_isdigit(*digits))
		digits++;
	if (!g_ascii_string_to_unsigned(digits, 10, 1, G_MAXUINT, &req, NULL))
		return;
	for (guint i = 0; i < self->members->len; i++) {
		CwLiveConnMember *m = self->members->pdata[i];

		if (m->gone || m->req != req)
			continue;
		n++;
		if (first_topic == NULL || strcmp(first_topic, m->topic) != 0)
			n_topics++;
		first_topic = m->topic;
	}
	/* a topic subscribed twice: the exchange says so, and it streams */
	if (!ok && n_topics == 1 && message != NULL && strstr(message, "already") != NULL)
		ok = TRUE;
	for (guint i = 0; i < self->members->len && n > 0; i++) {
		CwLiveConnMember *m = self->members->pdata[i];

		if (m->gone || m->req != req)
			continue;
		m->req = 0;
		if (ok) {
			m->acked = TRUE;
			cw_live_feed_conn_subscribed(m->feed);
		} else if (n_topics > 1) {
			m->queued = TRUE;
			m->alone = TRUE;
		} else {
			cw_live_feed_conn_rejected(m->feed, message);
		}
	}
	if (!ok && n_topics > 1)
		cw_live_conn_flush(self);
}

/* Frames -------------------------------------------------------------------- */

/* Every feed of the connection (a frame of no topic of its own). */
static void
cw_live_conn_each(CwLiveConn *self, const CwKlineFrame *frame, gboolean bad)
{
	for (guint i = 0; i < self->members->len; i++) {
		CwLiveConnMember *m = self->members->pdata[i];

		if (m->gone)
			continue;
		cw_live_feed_conn_frame(m->feed);
		if (bad)
			cw_live_feed_conn_bad(m->feed, frame->error, frame->detail);
	}
}

static void
cw_live_conn_on_kline(CwLiveConn *self, const CwKlineFrame *frame)
{
	CwLiveConnMember *m = g_hash_table_lookup(self->topics, frame->topic);

	if (G_UNLIKELY(m == NULL)) {
		for (guint i = 0; i < self->members->len; i++) {
			CwLiveConnMember *o = self->members->pdata[i];

			if (o->gone)
				continue;
			cw_live_feed_conn_frame(o->feed);
			cw_live_feed_conn_bad(o->feed, CW_KLINE_ERROR_UNKNOWN_TOPIC, frame->topic);
		}
		return;
	}
	for (; m != NULL; m = m->next) {
		CwLiveFeed *feed = m->feed;

		if (m->gone)
			continue;
		g_object_ref(feed);
		cw_live_feed_conn_frame(feed);
		cw_live_feed_conn_kline(feed, frame);
		g_object_unref(feed);
	}
}

/**
 * cw_live_conn_ingest:
 * @data: the frame's bytes
 * @binary: it came as a binary frame
 *
 * Decodes one frame once and hands it to the feeds of its topic.
 */
void
cw_live_conn_ingest(CwLiveConn *self, const char *data, gsize len, gboolean binary)
{
	CwKlineFrame *frame = &self->frame;

	cw_live_conn_enter(self);
	if (G_UNLIKELY(binary)) {
		frame->error = CW_KLINE_ERROR_BINARY;
		g_strlcpy(frame->detail, "a binary frame", sizeof frame->detail);
		cw_live_conn_each(self, frame, TRUE);
	} else if (G_UNLIKELY(len > CW_KLINE_FRAME_MAX_BYTES)) {
		frame->error = CW_KLINE_ERROR_OVERSIZED;
		g_strlcpy(frame->detail, "a frame over 64 KiB", sizeof frame->detail);
		cw_live_conn_each(self, frame, TRUE);
	} else {
		self->dialect->decode_frame(self->decoder, data, len, frame);
		switch (frame->kind) {
		case CW_KLINE_FRAME_KLINE:
			cw_live_conn_on_kline(self, frame);
			break;
		case CW_KLINE_FRAME_BAD:
			cw_live_conn_each(self, frame, TRUE);
			break;
		case CW_KLINE_FRAME_SUBSCRIBED:
		case CW_KLINE_FRAME_REJECTED:
			cw_live_conn_each(self, frame, FALSE);
			cw_live_conn_answer(self, frame->req_id,
					    frame->kind == CW_KLINE_FRAME_SUBSCRIBED,
					    frame->detail);
			break;
		default:
			cw_live_conn_each(self, frame, FALSE);
			break;
		}
	}
	cw_live_conn_exit(self);
}

/* Connection ---------------------------------------------------------------- */

static void
cw_live_conn_ws_opened(CwWsClient *client, guint n, gpointer user_data)
{
	CwLiveConn *self = user_data;

	/* every topic again, acknowledged one request at a time: a feed
	 * fills what it missed once the stream is sure to carry what closes
	 * next (else a candle closing between the REST answer and the
	 * subscription would be lost) */
	for (guint i = 0; i < self->members->len; i++) {
		CwLiveConnMember *m = self->members->pdata[i];

		m->acked = FALSE;
		m->req = 0;
		m->queued = !m->gone;
	}
	g_clear_handle_id(&self->send_source, g_source_remove);
	self->last_send_us = 0;
	cw_live_conn_flush(self);
}

static void
cw_live_conn_ws_message(CwWsClient *client, const char *data, gsize len, gboolean binary,
			gpointer user_data)
{
	cw_live_conn_ingest(user_data, data, len, binary);
}

static void
cw_live_conn_ws_closed(CwWsClient *client, const char *reason, gboolean stalled, gpointer user_data)
{
	CwLiveConn *self = user_data;

	cw_log(G_LOG_LEVEL_WARNING, NULL, NULL, "connection %s: lost: %s", self->key, reason);
	g_clear_handle_id(&self->send_source, g_source_remove);
	cw_live_conn_enter(self);
	for (guint i = 0; i < self->members->len; i++) {
		CwLiveConnMember *m = self->members->pdata[i];

		m->acked = FALSE;
		m->queued = FALSE;
		m->req = 0;
		if (!m->gone)
			cw_live_feed_conn_closed(m->feed, stalled);
	}
	cw_live_conn_exit(self);
}

static void
cw_live_conn_ws_ping(CwWsClient *client, gpointer user_data)
{
	CwLiveConn *self = user_data;

	if (self->dialect->ping != NULL)
		cw_ws_client_send_text(client, self->dialect->ping);
}

static const CwWsClientCallbacks cw_live_conn_ws_callbacks = {
    cw_live_conn_ws_opened, cw_live_conn_ws_message, cw_live_conn_ws_closed, cw_live_conn_ws_ping};

/**
 * cw_live_conn_join:
 * @settings: the WebSocket client's settings (of the first feed)
 * @topic: the topic that needs room
 *
 * Returns: (transfer none): the shared connection to add the feed to
 */
CwLiveConn *
cw_live_conn_join(const CwLiveFeedDialect *dialect, guint market, const char *ws_url,
		  const CwWsClientSettings *settings, const char *topic)
{
	g_autofree char *key =
	    g_strdup_printf("%s:%s@%s", dialect->exchange, dialect->markets[market], ws_url);
	GPtrArray *list;
	CwLiveConn *self;
	g_autofree char *url = NULL;

	if (cw_live_conn_registry == NULL)
		cw_live_conn_registry = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
							      (GDestroyNotify) g_ptr_array_unref);
	list = g_hash_table_lookup(cw_live_conn_registry, key);
	for (guint i = 0; list != NULL && i < list->len; i++) {
		if (cw_live_conn_has_room(list->pdata[i], topic))
			return list->pdata[i];
	}
	if (list == NULL) {
		list = g_ptr_array_new();
		g_hash_table_insert(cw_live_conn_registry, g_strdup(key), list);
	}
	self = cw_live_conn_new(dialect, market, ws_url);
	self->key = g_steal_pointer(&key);
	g_ptr_array_add(list, self);
	url = dialect->stream_url(ws_url, &topic, 1);
	self->session = soup_session_new_with_options("timeout", 30, "idle-timeout", 60, NULL);
	self->client =
	    cw_ws_client_new(self->session, url, settings, &cw_live_conn_ws_callbacks, self);
	return self;
}

/** cw_live_conn_new_detached: Returns: (transfer none): a connection with no socket */
CwLiveConn *
cw_live_conn_new_detached(const CwLiveFeedDialect *dialect)
{
	return cw_live_conn_new(dialect, 0, "");
}

/* Unlinks m from its topic's list; the last member takes the topic. */
static void
cw_live_conn_unlink(CwLiveConn *self, CwLiveConnMember *m)
{
	CwLiveConnMember *first = g_hash_table_lookup(self->topics, m->topic);

	if (first == m) {
		g_hash_table_remove(self->topics, m->topic);
		if (m->next != NULL) {
			g_hash_table_insert(self->topics, m->next->topic, m->next);
		} else {
			self->n_topics--;
			self->topic_chars -= cw_live_conn_arg_chars(m->topic);
		}
		return;
	}
	for (CwLiveConnMember *o = first; o != NULL; o = o->next) {
		if (o->next == m) {
			o->next = m->next;
			return;
		}
	}
}

/**
 * cw_live_conn_leave:
 * @feed: a feed that joined
 *
 * The feed leaves; the connection unsubscribes a topic no feed has any
 * more, and closes with its last feed.
 */
void
cw_live_conn_leave(CwLiveConn *self, CwLiveFeed *feed)
{
	CwLiveConnMember *m = NULL;
	gboolean last_of_topic;

	for (guint i = 0; i < self->members->len && m == NULL; i++) {
		CwLiveConnMember *o = self->members->pdata[i];

		if (o->feed == feed && !o->gone)
			m = o;
	}
	if (m == NULL)
		return;
	cw_live_conn_unlink(self, m);
	last_of_topic = !g_hash_table_contains(self->topics, m->topic);
	if (last_of_topic && m->acked && self->dialect->unsubscribe != NULL &&
	    self->client != NULL && cw_ws_client_is_open(self->client)) {
		const char *topics[] = {m->topic};
		g_autofree char *msg = self->dialect->unsubscribe(topics, 1, ++self->req);

		cw_ws_client_send_text(self->client, msg);
	}
	m->gone = TRUE;
	m->feed = NULL;
	if (self->dispatching > 0)
		self->dirty = TRUE;
	else
		g_ptr_array_remove(self->members, m);
	if (g_hash_table_size(self->topics) > 0) {
		if (last_of_topic)
			cw_live_conn_update_url(self);
		return;
	}
	/* the last feed: the connection goes */
	cw_live_conn_unregister(self);
	g_clear_handle_id(&self->send_source, g_source_remove);
	if (self->client != NULL)
		cw_ws_client_stop(self->client);
	if (self->dispatching > 0)
		self->dead = TRUE;
	else
		cw_live_conn_free(self);
}

/** cw_live_conn_get_session: Returns: (transfer none) (nullable): its REST session */
SoupSession *
cw_live_conn_get_session(CwLiveConn *self)
{
	return self->session;
}

/** cw_live_conn_is_open: Returns: TRUE while its WebSocket is open */
gboolean
cw_live_conn_is_open(CwLiveConn *self)
{
	return self->client != NULL && cw_ws_client_is_open(self->client);
}

/** cw_live_conn_get_ws_stats: Returns: (transfer none) (nullable): the client's counters */
const CwWsClientStats *
cw_live_conn_get_ws_stats(CwLiveConn *self)
{
	return self->client != NULL ? cw_ws_client_get_stats(self->client) : NULL;
}

/** cw_live_conn_count: Returns: the shared connections that exist now */
guint
cw_live_conn_count(void)
{
	GHashTableIter iter;
	GPtrArray *list;
	guint n = 0;

	if (cw_live_conn_registry == NULL)
		return 0;
	g_hash_table_iter_init(&iter, cw_live_conn_registry);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &list))
		n += list->len;
	return n;
}
