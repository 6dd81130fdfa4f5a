/* CwWsClient: a reconnecting WebSocket (see cw-ws-client.h). One timer, the
 * tick, watches the open connection: stall, ping, healthy period, age. */
#include "cw-net.h"

#define CW_WS_TICK_MS 100

struct _CwWsClient {
	GObject parent_instance;

	SoupSession *session;
	char *url;
	CwWsClientSettings settings;
	CwWsClientCallbacks callbacks;
	gpointer user_data;

	gboolean running;
	SoupWebsocketConnection *conn;
	GCancellable *connecting; /* non-NULL while an attempt is under way */
	guint connect_timeout;
	guint retry_source;
	guint tick_source;
	gint64 opened_us;
	gint64 last_ping_us;
	gboolean healthy;
	CwJitterBackoff backoff;
	GRand *rand;
	double last_delay;
	CwWsClientStats stats;
};

G_DEFINE_FINAL_TYPE(CwWsClient, cw_ws_client, G_TYPE_OBJECT)

/**
 * cw_ws_client_settings_init:
 *
 * Fills @settings with the defaults (see CwWsClientSettings).
 */
void
cw_ws_client_settings_init(CwWsClientSettings *settings)
{
	settings->backoff_base_s = 0.5;
	settings->backoff_cap_s = 30;
	settings->healthy_s = 60;
	settings->ping_s = 20;
	settings->stall_s = 0;
	settings->max_age_s = 0;
	settings->connect_timeout_s = 10;
}

static double
cw_ws_client_stall_limit(CwWsClient *self)
{
	if (self->settings.stall_s > 0)
		return self->settings.stall_s;
	return self->settings.ping_s > 0 ? 2 * self->settings.ping_s : 60;
}

/* A quarter of the shortest period watched, at most CW_WS_TICK_MS. */
static guint
cw_ws_client_tick_ms(CwWsClient *self)
{
	double period = cw_ws_client_stall_limit(self);

	if (self->settings.ping_s > 0)
		period = MIN(period, self->settings.ping_s);
	if (self->settings.max_age_s > 0)
		period = MIN(period, self->settings.max_age_s);
	return (guint) CLAMP(period * 1000 / 4, 5, CW_WS_TICK_MS);
}

static void cw_ws_client_connect(CwWsClient *self);

/* Forgets the connection without waiting for its close handshake. */
static void
cw_ws_client_drop(CwWsClient *self)
{
	g_autoptr(SoupWebsocketConnection) conn = g_steal_pointer(&self->conn);

	if (conn == NULL)
		return;
	g_signal_handlers_disconnect_by_data(conn, self);
	if (soup_websocket_connection_get_state(conn) == SOUP_WEBSOCKET_STATE_OPEN)
		soup_websocket_connection_close(conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
}

static gboolean
cw_ws_client_retry_cb(gpointer user_data)
{
	CwWsClient *self = user_data;

	self->retry_source = 0;
	self->stats.reconnect_attempts++;
	cw_ws_client_connect(self);
	return G_SOURCE_REMOVE;
}

/* The next attempt after a backoff (immediate = a rotation). */
static void
cw_ws_client_schedule(CwWsClient *self, gboolean immediate)
{
	if (!self->running || self->retry_source != 0)
		return;
	self->last_delay = immediate ? 0 : cw_jitter_backoff_next(&self->backoff, self->rand);
	self->retry_source =
	    g_timeout_add_full(G_PRIORITY_DEFAULT, (guint) (self->last_delay * 1000),
			       cw_ws_client_retry_cb, self, NULL);
}

static void
cw_ws_client_lost(CwWsClient *self, const char *reason, gboolean stalled, gboolean immediate)
{
	gboolean was_open = self->conn != NULL;

	cw_ws_client_drop(self);
	if (was_open)
		self->stats.disconnects++;
	if (self->callbacks.closed != NULL)
		self->callbacks.closed(self, reason, stalled, self->user_data);
	cw_ws_client_schedule(self, immediate);
}

static void
cw_ws_client_on_message(SoupWebsocketConnection *conn, gint type, GBytes *message,
			gpointer user_data)
{
	CwWsClient *self = user_data;
	gsize len = 0;
	const char *data = g_bytes_get_data(message, &len);

	self->stats.frames++;
	self->stats.last_frame_us = g_get_monotonic_time();
	if (self->callbacks.message != NULL)
		self->callbacks.message(self, data != NULL ? data : "", len,
					type == SOUP_WEBSOCKET_DATA_BINARY, self->user_data);
}

static void
cw_ws_client_on_closed(SoupWebsocketConnection *conn, gpointer user_data)
{
	CwWsClient *self = user_data;
	g_autofree char *reason = g_strdup_printf(
	    "closed by the server (code %u%s%s)", soup_websocket_connection_get_close_code(conn),
	    soup_websocket_connection_get_close_data(conn) != NULL ? ": " : "",
	    soup_websocket_connection_get_close_data(conn) != NULL
		? soup_websocket_connection_get_close_data(conn)
		: "");

	cw_ws_client_lost(self, reason, FALSE, FALSE);
}

static void
cw_ws_client_on_error(SoupWebsocketConnection *conn, GError *error, gpointer user_data)
{
	g_debug("websocket %s: %s", CW_WS_CLIENT(user_data)->url, error->message);
}

static gboolean
cw_ws_client_tick(gpointer user_data)
{
	CwWsClient *self = user_data;
	gint64 now = g_get_monotonic_time();
	gint64 heard;

	if (self->conn == NULL)
		return G_SOURCE_CONTINUE;
	heard = MAX(self->stats.last_frame_us, self->opened_us);
	if ((double) (now - heard) > cw_ws_client_stall_limit(self) * G_USEC_PER_SEC) {
		g_autofree char *reason = g_strdup_printf("stalled: nothing received for %.1f s",
							  (double) (now - heard) / G_USEC_PER_SEC);
		self->stats.stalls++;
		cw_ws_client_lost(self, reason, TRUE, FALSE);
		return G_SOURCE_CONTINUE;
	}
	if (self->settings.max_age_s > 0 &&
	    (double) (now - self->opened_us) >= self->settings.max_age_s * G_USEC_PER_SEC) {
		self->stats.rotations++;
		cw_ws_client_lost(self, "rotated before the connection age limit", FALSE, TRUE);
		return G_SOURCE_CONTINUE;
	}
	if (!self->healthy &&
	    (double) (now - self->opened_us) >= self->settings.healthy_s * G_USEC_PER_SEC) {
		self->healthy = TRUE;
		cw_jitter_backoff_reset(&self->backoff);
	}
	if (self->settings.ping_s > 0 && self->callbacks.ping != NULL &&
	    (double) (now - self->last_ping_us) >= self->settings.ping_s * G_USEC_PER_SEC) {
		self->last_ping_us = now;
		self->callbacks.ping(self, self->user_data);
	}
	return G_SOURCE_CONTINUE;
}

static void
cw_ws_client_connected(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CwWsClient) self = user_data;
	g_autoptr(GError) error = NULL;
	SoupWebsocketConnection *conn =
	    soup_session_websocket_connect_finish(SOUP_SESSION(source), result, &error);

	g_clear_object(&self->connecting);
	g_clear_handle_id(&self->connect_timeout, g_source_remove);
	if (!self->running) {
		g_clear_object(&conn);
		return;
	}
	if (conn == NULL) {
		g_autofree char *reason = g_strdup_printf("cannot connect: %s", error->message);
		self->stats.failed_attempts++;
		cw_ws_client_lost(self, reason, FALSE, FALSE);
		return;
	}
	self->conn = conn;
	/* the size limit is the caller's: libsoup would close the connection */
	soup_websocket_connection_set_max_incoming_payload_size(conn, 0);
	g_signal_connect(conn, "message", G_CALLBACK(cw_ws_client_on_message), self);
	g_signal_connect(conn, "closed", G_CALLBACK(cw_ws_client_on_closed), self);
	g_signal_connect(conn, "error", G_CALLBACK(cw_ws_client_on_error), self);
	self->opened_us = self->last_ping_us = g_get_monotonic_time();
	self->healthy = FALSE;
	self->stats.connects++;
	if (self->callbacks.opened != NULL)
		self->callbacks.opened(self, self->stats.connects, self->user_data);
}

static gboolean
cw_ws_client_connect_timeout_cb(gpointer user_data)
{
	CwWsClient *self = user_data;

	self->connect_timeout = 0;
	if (self->connecting != NULL)
		g_cancellable_cancel(self->connecting);
	return G_SOURCE_REMOVE;
}

static void
cw_ws_client_connect(CwWsClient *self)
{
	g_autoptr(SoupMessage) msg = NULL;

	if (!self->running || self->conn != NULL || self->connecting != NULL)
		return;
	msg = soup_message_new(SOUP_METHOD_GET, self->url);
	if (msg == NULL) {
		self->stats.failed_attempts++;
		cw_ws_client_lost(self, "cannot connect: not a valid URL", FALSE, FALSE);
		return;
	}
	self->connecting = g_cancellable_new();
	if (self->settings.connect_timeout_s > 0)
		self->connect_timeout =
		    g_timeout_add((guint) (self->settings.connect_timeout_s * 1000),
				  cw_ws_client_connect_timeout_cb, self);
	soup_session_websocket_connect_async(self->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
					     self->connecting, cw_ws_client_connected,
					     g_object_ref(self));
}

/**
 * cw_ws_client_new:
 * @session: the session to connect with
 * @url: ws:// or wss:// URL
 * @settings: (nullable): NULL = the defaults
 * @callbacks: what to call; copied
 *
 * Returns: (transfer full): a client, not started
 */
CwWsClient *
cw_ws_client_new(SoupSession *session, const char *url, const CwWsClientSettings *settings,
		 const CwWsClientCallbacks *callbacks, gpointer user_data)
{
	CwWsClient *self = g_object_new(CW_TYPE_WS_CLIENT, NULL);

	self->session = g_object_ref(session);
	self->url = g_strdup(url);
	if (settings != NULL)
		self->settings = *settings;
	self->callbacks = *callbacks;
	self->user_data = user_data;
	cw_jitter_backoff_init(&self->backoff, self->settings.backoff_base_s,
			       self->settings.backoff_cap_s);
	return self;
}

/** cw_ws_client_get_url: Returns: the URL of the next connection */
const char *
cw_ws_client_get_url(CwWsClient *self)
{
	return self->url;
}

/** cw_ws_client_set_url: Sets the URL of the next connection. */
void
cw_ws_client_set_url(CwWsClient *self, const char *url)
{
	g_free(self->url);
	self->url = g_strdup(url);
}

/** cw_ws_client_start: Connects, and keeps connecting until stopped. */
void
cw_ws_client_start(CwWsClient *self)
{
	if (self->running)
		return;
	self->running = TRUE;
	cw_jitter_backoff_reset(&self->backoff);
	self->tick_source = g_timeout_add(cw_ws_client_tick_ms(self), cw_ws_client_tick, self);
	cw_ws_client_connect(self);
}

/** cw_ws_client_stop: Closes the connection; no more attempts. */
void
cw_ws_client_stop(CwWsClient *self)
{
	self->running = FALSE;
	g_clear_handle_id(&self->retry_source, g_source_remove);
	g_clear_handle_id(&self->tick_source, g_source_remove);
	g_clear_handle_id(&self->connect_timeout, g_source_remove);
	if (self->connecting != NULL)
		g_cancellable_cancel(self->connecting);
	g_clear_object(&self->connecting);
	if (self->conn != NULL)
		self->stats.disconnects++;
	cw_ws_client_drop(self);
}

/** cw_ws_client_is_open: Returns: TRUE while a connection is open */
gboolean
cw_ws_client_is_open(CwWsClient *self)
{
	return self->conn != NULL;
}

/**
 * cw_ws_client_reconnect:
 * @reason: why, for the closed callback
 *
 * Closes the open connection; the client connects again after a backoff.
 */
void
cw_ws_client_reconnect(CwWsClient *self, const char *reason)
{
	if (self->conn != NULL)
		cw_ws_client_lost(self, reason, FALSE, FALSE);
}

/** cw_ws_client_send_text: Returns: FALSE when no connection is open */
gboolean
cw_ws_client_send_text(CwWsClient *self, const char *text)
{
	if (self->conn == NULL ||
	    soup_websocket_connection_get_state(self->conn) != SOUP_WEBSOCKET_STATE_OPEN)
		return FALSE;
	soup_websocket_connection_send_text(self->conn, text);
	return TRUE;
}

/** cw_ws_client_get_stats: Returns: (transfer none): the counters */
const CwWsClientStats *
cw_ws_client_get_stats(CwWsClient *self)
{
	return &self->stats;
}

/** cw_ws_client_set_seed: Seeds the jitter's random source. */
void
cw_ws_client_set_seed(CwWsClient *self, guint32 seed)
{
	g_rand_set_seed(self->rand, seed);
}

/** cw_ws_client_get_last_delay: Returns: the last backoff delay chosen, s */
double
cw_ws_client_get_last_delay(CwWsClient *self)
{
	return self->last_delay;
}

static void
cw_ws_client_dispose(GObject *object)
{
	CwWsClient *self = CW_WS_CLIENT(object);

	cw_ws_client_stop(self);
	g_clear_object(&self->session);
	G_OBJECT_CLASS(cw_ws_client_parent_class)->dispose(object);
}

static void
cw_ws_client_finalize(GObject *object)
{
	CwWsClient *self = CW_WS_CLIENT(object);

	g_rand_free(self->rand);
	g_free(self->url);
	G_OBJECT_CLASS(cw_ws_client_parent_class)->finalize(object);
}

static void
cw_ws_client_class_init(CwWsClientClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = cw_ws_client_dispose;
	object_class->finalize = cw_ws_client_finalize;
}

static void
cw_ws_client_init(CwWsClient *self)
{
	cw_ws_client_settings_init(&self->settings);
	self->rand = g_rand_new();
}
