/* CwWsClient against an in-process SoupServer on 127.0.0.1: reconnect with
 * backoff, stall detection, the ping hook, rotation, healthy reset. */
#include "cw-net.h"

typedef enum { SERVE_CLOSE_AFTER, SERVE_SILENT, SERVE_ECHO } ServeMode;

typedef struct {
	SoupServer *server;
	char *url;
	ServeMode mode;
	guint frames_per_connection;
	GPtrArray *conns; /* kept open */
	guint accepted;

	/* client side */
	CwWsClient *client;
	guint opened;
	guint messages;
	guint closed;
	guint stalled;
	guint pings;
	GString *log;
} Fixture;

static void
serve_cb(SoupServer *server, SoupServerMessage *msg, const char *path,
	 SoupWebsocketConnection *conn, gpointer user_data)
{
	Fixture *f = user_data;

	f->accepted++;
	g_ptr_array_add(f->conns, g_object_ref(conn));
	if (f->mode == SERVE_CLOSE_AFTER) {
		for (guint i = 0; i < f->frames_per_connection; i++) {
			g_autofree char *text = g_strdup_printf("frame %u", i);
			soup_websocket_connection_send_text(conn, text);
		}
		soup_websocket_connection_close(conn, SOUP_WEBSOCKET_CLOSE_NORMAL, "bye");
	}
}

static void
server_on_message(SoupWebsocketConnection *conn, gint type, GBytes *message, gpointer user_data)
{
	soup_websocket_connection_send_text(conn, "pong");
}

static void
serve_echo_cb(SoupServer *server, SoupServerMessage *msg, const char *path,
	      SoupWebsocketConnection *conn, gpointer user_data)
{
	Fixture *f = user_data;

	f->accepted++;
	g_ptr_array_add(f->conns, g_object_ref(conn));
	g_signal_connect(conn, "message", G_CALLBACK(server_on_message), f);
}

static void
on_opened(CwWsClient *client, guint n, gpointer user_data)
{
	((Fixture *) user_data)->opened++;
}

static void
on_message(CwWsClient *client, const char *data, gsize len, gboolean binary, gpointer user_data)
{
	((Fixture *) user_data)->messages++;
}

static void
on_closed(CwWsClient *client, const char *reason, gboolean stalled, gpointer user_data)
{
	Fixture *f = user_data;

	f->closed++;
	f->stalled += stalled;
}

static void
on_ping(CwWsClient *client, gpointer user_data)
{
	Fixture *f = user_data;

	f->pings++;
	cw_ws_client_send_text(client, "{\"op\":\"ping\"}");
}

static const CwWsClientCallbacks callbacks = {on_opened, on_message, on_closed, on_ping};

static void
fixture_init(Fixture *f, ServeMode mode)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSList) uris = NULL;

	memset(f, 0, sizeof *f);
	f->mode = mode;
	f->conns = g_ptr_array_new_with_free_func(g_object_unref);
	f->server = soup_server_new(NULL, NULL);
	soup_server_add_websocket_handler(f->server, "/ws", NULL, NULL,
					  mode == SERVE_ECHO ? serve_echo_cb : serve_cb, f, NULL);
	g_assert_true(soup_server_listen_local(f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
	g_assert_no_error(error);
	uris = soup_server_get_uris(f->server);
	f->url = g_strdup_printf("ws://127.0.0.1:%d/ws", g_uri_get_port(uris->data));
	g_slist_free_full(g_steal_pointer(&uris), (GDestroyNotify) g_uri_unref);
}

static void
fixture_clear(Fixture *f)
{
	g_clear_object(&f->client);
	g_ptr_array_unref(f->conns);
	soup_server_disconnect(f->server);
	g_object_unref(f->server);
	g_free(f->url);
}

/* Runs the main loop until cond holds or the time is up. */
static void
run_until(gboolean (*cond)(Fixture *f), Fixture *f, double seconds)
{
	gint64 end = g_get_monotonic_time() + (gint64) (seconds * G_USEC_PER_SEC);

	while (!cond(f) && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, FALSE) || (g_usleep(1000), TRUE);
}

static gboolean
three_opened(Fixture *f)
{
	return f->opened >= 3 && f->messages >= 3 * f->frames_per_connection;
}

static void
test_reconnects(void)
{
	g_autoptr(SoupSession) session = soup_session_new();
	CwWsClientSettings s;
	Fixture f;

	fixture_init(&f, SERVE_CLOSE_AFTER);
	f.frames_per_connection = 4;
	cw_ws_client_settings_init(&s);
	s.backoff_base_s = 0.02;
	s.backoff_cap_s = 0.1;
	f.client = cw_ws_client_new(session, f.url, &s, &callbacks, &f);
	cw_ws_client_start(f.client);
	run_until(three_opened, &f, 10);
	g_assert_cmpuint(f.opened, >=, 3);
	g_assert_cmpuint(f.messages, >=, 12);
	g_assert_cmpuint(cw_ws_client_get_stats(f.client)->connects, ==, f.opened);
	g_assert_cmpuint(cw_ws_client_get_stats(f.client)->disconnects, >=, 2);
	g_assert_cmpuint(cw_ws_client_get_stats(f.client)->reconnect_attempts, >=, 2);
	g_assert_cmpfloat(cw_ws_client_get_last_delay(f.client), <=, 0.1);
	cw_ws_client_stop(f.client);
	fixture_clear(&f);
}

static gboolean
stalled_twice(Fixture *f)
{
	return f->stalled >= 2 && f->opened >= 3;
}

static void
test_stall(void)
{
	g_autoptr(SoupSession) session = soup_session_new();
	CwWsClientSettings s;
	Fixture f;

	fixture_init(&f, SERVE_SILENT);
	cw_ws_client_settings_init(&s);
	s.backoff_base_s = 0.01;
	s.backoff_cap_s = 0.02;
	s.ping_s = 0; /* no ping: only the stall limit */
	s.stall_s = 0.3;
	f.client = cw_ws_client_new(session, f.url, &s, &callbacks, &f);
	cw_ws_client_start(f.client);
	run_until(stalled_twice, &f, 10);
	g_assert_cmpuint(f.stalled, >=, 2);
	g_assert_cmpuint(f.opened, >=, 3);
	g_assert_cmpuint(cw_ws_client_get_stats(f.client)->stalls, ==, f.stalled);
	g_assert_cmpuint(f.pings, ==, 0);
	cw_ws_client_stop(f.client);
	fixture_clear(&f);
}

static gboolean
five_pings(Fixture *f)
{
	return f->pings >= 5;
}

/* Pings keep an answering server's connection alive: no stall although
 * the stall limit (2 x 0.1 s) passes many times. */
static void
test_ping_keeps_alive(void)
{
	g_autoptr(SoupSession) session = soup_session_new();
	CwWsClientSettings s;
	Fixture f;

	fixture_init(&f, SERVE_ECHO);
	cw_ws_client_settings_init(&s);
	s.ping_s = 0.1;
	f.client = cw_ws_client_new(session, f.url, &s, &callbacks, &f);
	cw_ws_client_start(f.client);
	run_until(five_pings, &f, 10);
	g_assert_cmpuint(f.pings, >=, 5);
	g_assert_cmpuint(f.messages, >=, 3);
	g_assert_cmpuint(f.stalled, ==, 0);
	g_assert_cmpuint(f.opened, ==, 1);
	cw_ws_client_stop(f.client);
	fixture_clear(&f);
}

static gboolean
rotated_twice(Fixture *f)
{
	return f->client != NULL && cw_ws_client_get_stats(f->client)->rotations >= 2 &&
	       f->opened >= 3;
}

static void
test_rotation(void)
{
	g_autoptr(SoupSession) session = soup_session_new();
	CwWsClientSettings s;
	Fixture f;

	fixture_init(&f, SERVE_ECHO);
	cw_ws_client_settings_init(&s);
	s.ping_s = 0.05;
	s.stall_s = 1;
	s.max_age_s = 0.3;
	f.client = cw_ws_client_new(session, f.url, &s, &callbacks, &f);
	cw_ws_client_start(f.client);
	run_until(rotated_twice, &f, 10);
	g_test_message("opened %u stalled %u pings %u msgs %u", f.opened, f.stalled, f.pings,
		       f.messages);
	g_assert_cmpuint(cw_ws_client_get_stats(f.client)->rotations, >=, 2);
	g_assert_cmpuint(f.opened, >=, 3);
	g_assert_cmpuint(f.stalled, ==, 0);
	cw_ws_client_stop(f.client);
	fixture_clear(&f);
}

static gboolean
many_failures(Fixture *f)
{
	return cw_ws_client_get_stats(f->client)->failed_attempts >= 6;
}

/* Nothing listens: the attempts back off, each delay within its ceiling
 * (full jitter), and the ceiling stops at the cap. */
static void
test_backoff_on_refusal(void)
{
	g_autoptr(SoupSession) session = soup_session_new();
	CwWsClientSettings s;
	Fixture f;
	g_autofree char *dead = NULL;

	fixture_init(&f, SERVE_ECHO);
	soup_server_disconnect(f.server);
	dead = g_strdup(f.url);
	cw_ws_client_settings_init(&s);
	s.backoff_base_s = 0.01;
	s.backoff_cap_s = 0.04;
	f.client = cw_ws_client_new(session, dead, &s, &callbacks, &f);
	cw_ws_client_set_seed(f.client, 3);
	cw_ws_client_start(f.client);
	run_until(many_failures, &f, 10);
	g_assert_cmpuint(cw_ws_client_get_stats(f.client)->failed_attempts, >=, 6);
	g_assert_cmpuint(f.opened, ==, 0);
	g_assert_cmpfloat(cw_ws_client_get_last_delay(f.client), <=, 0.04);
	g_assert_false(cw_ws_client_send_text(f.client, "x"));
	cw_ws_client_stop(f.client);
	fixture_clear(&f);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/net/ws-client/reconnects", test_reconnects);
	g_test_add_func("/net/ws-client/stall", test_stall);
	g_test_add_func("/net/ws-client/ping-keeps-alive", test_ping_keeps_alive);
	g_test_add_func("/net/ws-client/rotation", test_rotation);
	g_test_add_func("/net/ws-client/backoff-on-refusal", test_backoff_on_refusal);
	return g_test_run();
}
