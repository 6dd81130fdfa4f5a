#define _GNU_SOURCE
/* The control API of the real `candlewick serve --api-tokens` through a
 * real libsoup client on 127.0.0.1: every route, every error status, the
 * roles, revoked tokens, the audit journal and the event stream, all on
 * the one HTTP server that also answers /metrics, /livez and /readyz. */
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>

#include "cw-test-utils.h"

typedef struct {
	char *dir;
	char *db;
	char *tokens;
	char *port_file;
	char *admin;
	char *reader;
	char *revoked;
	GSubprocess *proc;
	guint port;
	SoupSession *session;
} Fx;

static char *
fx_path(Fx *fx, const char *name)
{
	return g_build_filename(fx->dir, name, NULL);
}

static char *
fx_token(Fx *fx, const char *role, const char *name)
{
	g_autofree char *out = NULL, *err = NULL;
	int rc = cw_test_run(&out, &err, "tokens", "add", "--file", fx->tokens, "--role", role,
			     name, NULL);

	g_assert_cmpint(rc, ==, 0);
	g_assert_true(g_str_has_prefix(out, "cw_"));
	g_assert_cmpuint(strlen(g_strstrip(out)), >=, 3 + 32); /* >= 128 bits in hex */
	return g_strdup(out);
}

/* A bot config: example renamed, replayed from the shared data at speed. */
static char *
fx_config_speed(const char *example, const char *name, double speed)
{
	g_autofree char *path = cw_test_example(example);
	g_autofree char *data =
	    g_build_filename(g_getenv("CW_SHARED_DATA"), "btcusdt-5m.csv", NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *root = cw_test_load_json(parser, path), *feed = json_object_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();

	json_object_set_string_member(root, "name", name);
	json_object_set_string_member(feed, "type", "replay");
	json_object_set_string_member(feed, "path", data);
	json_object_set_double_member(feed, "speed", speed);
	json_object_set_object_member(root, "feed", feed);
	json_generator_set_root(gen, json_parser_get_root(parser));
	return json_generator_to_data(gen, NULL);
}

/* The same at speed 0 (as fast as it goes). */
static char *
fx_config(const char *example, const char *name)
{
	return fx_config_speed(example, name, 0);
}

static void
fx_add_bot(Fx *fx, const char *db, const char *example, const char *name)
{
	g_autofree char *text = fx_config(example, name);
	g_autofree char *file = g_strdup_printf("%s/%s.json", fx->dir, name);
	g_autofree char *out = NULL, *err = NULL;

	g_assert_true(g_file_set_contents(file, text, -1, NULL));
	g_assert_cmpint(cw_test_run(&out, &err, "bots", "add", "--db", db, "--config", file, NULL),
			==, 0);
}

static void
fx_start(Fx *fx, const char *burst)
{
	const char *args[] = {"serve",
			      "--db",
			      fx->db,
			      "--create",
			      "--poll-interval",
			      "0.2",
			      "--http",
			      "127.0.0.1:0",
			      "--api-tokens",
			      fx->tokens,
			      "--http-port-file",
			      fx->port_file,
			      "--api-stream-queue",
			      "2000",
			      "--api-auth-burst",
			      burst,
			      NULL};
	CwTestDeadline d = cw_test_deadline(20000);
	g_autofree char *text = NULL;

	fx->proc = cw_test_spawn_envv(
	    NULL, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, args);
	while (!g_file_get_contents(fx->port_file, &text, NULL, NULL) || strlen(text) < 2) {
		g_clear_pointer(&text, g_free);
		g_assert_true(cw_test_deadline_wait(&d, 20));
	}
	fx->port = (guint) g_ascii_strtoull(text, NULL, 10);
	g_assert_cmpuint(fx->port, >, 0);
}

static void
fx_setup(Fx *fx, gconstpointer data)
{
	g_autofree char *out = NULL, *err = NULL;

	fx->dir = cw_test_tmpdir("cw-e2e-api-XXXXXX");
	fx->db = fx_path(fx, "bots.db");
	fx->tokens = fx_path(fx, "tokens");
	fx->port_file = fx_path(fx, "port");
	fx->admin = fx_token(fx, "admin", "ops");
	fx->reader = fx_token(fx, "read", "viewer");
	fx->revoked = fx_token(fx, "admin", "old");
	g_assert_cmpint(
	    cw_test_run(&out, &err, "tokens", "revoke", "--file", fx->tokens, "old", NULL), ==, 0);
	fx->session = soup_session_new_with_options("timeout", 20, NULL);
	if (data != NULL) {
		fx_add_bot(fx, fx->db, "ema-trend.json", "a");
		fx_add_bot(fx, fx->db, "mean-reversion.json", "b");
		fx_start(fx, data);
	}
}

static void
fx_teardown(Fx *fx, gconstpointer data)
{
	if (fx->proc != NULL) {
		g_subprocess_send_signal(fx->proc, SIGTERM);
		g_assert_true(g_subprocess_wait(fx->proc, NULL, NULL));
		g_object_unref(fx->proc);
	}
	g_object_unref(fx->session);
	cw_test_rm_rf(fx->dir);
	g_free(fx->dir);
	g_free(fx->db);
	g_free(fx->tokens);
	g_free(fx->port_file);
	g_free(fx->admin);
	g_free(fx->reader);
	g_free(fx->revoked);
}

/* One request; returns the body, status receives the status. */
static char *
fx_req(Fx *fx, const char *method, const char *path, const char *token, const char *type,
       const char *body, gsize body_len, guint *status)
{
	g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u%s", fx->port, path);
	g_autoptr(SoupMessage) msg = soup_message_new(method, url);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) reply = NULL;

	g_assert_nonnull(msg);
	if (token != NULL) {
		g_autofree char *auth = g_strdup_printf("Bearer %s", token);

		soup_message_headers_replace(soup_message_get_request_headers(msg), "Authorization",
					     auth);
	}
	if (body != NULL) {
		g_autoptr(GBytes) bytes = g_bytes_new(body, body_len);

		soup_message_set_request_body_from_bytes(msg, type, bytes);
	}
	reply = soup_session_send_and_read(fx->session, msg, NULL, &error);
	g_assert_no_error(error);
	*status = soup_message_get_status(msg);
	return g_strndup(g_bytes_get_data(reply, NULL), g_bytes_get_size(reply));
}

static guint
fx_status(Fx *fx, const char *method, const char *path, const char *token, const char *body)
{
	guint status = 0;
	g_autofree char *text = fx_req(fx, method, path, token, "application/json", body,
				       body != NULL ? strlen(body) : 0, &status);

	return status;
}

/* The reply's JSON object member, as text; the reply must be JSON. */
static JsonNode *
fx_json(const char *text)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;

	json_parser_load_from_data(parser, text, -1, &error);
	g_assert_no_error(error);
	return json_node_copy(json_parser_get_root(parser));
}

static void
fx_wait_feeds(Fx *fx, gint64 n)
{
	CwTestDeadline d = cw_test_deadline(60000);

	while (
	    cw_test_db_int(fx->db,
			   "SELECT count(*) FROM bot_state WHERE key = 'stop_reason' AND value = "
			   "'feed ended'",
			   0) < n)
		g_assert_true(cw_test_deadline_wait(&d, 50));
}

/* Every route with a concrete path; body: a valid one where it takes one. */
typedef struct {
	const char *method;
	const char *path;
	gboolean admin;
} Route;

static const Route routes[] = {
    {"GET", "/api/v1/bots", FALSE},
    {"POST", "/api/v1/bots", TRUE},
    {"GET", "/api/v1/bots/a", FALSE},
    {"DELETE", "/api/v1/bots/a", TRUE},
    {"PUT", "/api/v1/bots/a/config", TRUE},
    {"GET", "/api/v1/bots/a/trades", FALSE},
    {"GET", "/api/v1/bots/a/orders", FALSE},
    {"GET", "/api/v1/bots/a/positions", FALSE},
    {"GET", "/api/v1/bots/a/performance", FALSE},
    {"GET", "/api/v1/bots/a/candles", FALSE},
    {"POST", "/api/v1/bots/a/enable", TRUE},
    {"POST", "/api/v1/bots/a/disable", TRUE},
    {"POST", "/api/v1/bots/a/halt", TRUE},
    {"POST", "/api/v1/bots/a/resume", TRUE},
    {"POST", "/api/v1/bots/a/switch", TRUE},
    {"POST", "/api/v1/bots/a/close", TRUE},
    {"POST", "/api/v1/halt-all", TRUE},
    {"POST", "/api/v1/resume-all", TRUE},
    {"GET", "/api/v1/events", FALSE},
    {"GET", "/api/v1/version", FALSE},
    {"GET", "/api/v1/openapi.json", FALSE},
    {"GET", "/api/v1/stream", FALSE},
};

/* Without a token, with a read token (changes) and a revoked one: refused
 * and, for changes, journalled; nothing changed. */
static void
test_refused(Fx *fx, gconstpointer data)
{
	guint n_changes = 0;
	g_autofree char *before = NULL, *after = NULL;

	before = cw_test_db_dump(fx->db, "SELECT name, enabled, config FROM trading_bots");
	for (guint i = 0; i < G_N_ELEMENTS(routes); i++) {
		const Route *r = &routes[i];

		/* the stream answers a plain GET 400 and a bad token 1008 (below) */
		if (strstr(r->path, "/stream") != NULL)
			continue;
		g_assert_cmpuint(fx_status(fx, r->method, r->path, NULL, "{}"), ==, 401);
		g_assert_cmpuint(fx_status(fx, r->method, r->path, fx->revoked, "{}"), ==, 401);
		g_assert_cmpuint(fx_status(fx, r->method, r->path, "cw_bogus", "{}"), ==, 401);
		if (r->admin) {
			g_assert_cmpuint(fx_status(fx, r->method, r->path, fx->reader, "{}"), ==,
					 403);
			n_changes++;
		}
	}
	after = cw_test_db_dump(fx->db, "SELECT name, enabled, config FROM trading_bots");
	g_assert_cmpstr(before, ==, after);
	g_assert_cmpint(
	    cw_test_db_int(fx->db, "SELECT count(*) FROM bot_state WHERE key = 'mode'", 0), ==, 0);
	/* 3 refusals with 401 and one with 403 for every change */
	g_assert_cmpint(cw_test_db_int(fx->db,
				       "SELECT count(*) FROM events WHERE type = 'AUDIT' AND "
				       "json_extract(payload, '$.status') = 401 AND "
				       "json_extract(payload, '$.outcome') = 'refused' AND "
				       "json_extract(payload, '$.token') IS NULL",
				       0),
			==, 3 * n_changes);
	g_assert_cmpint(cw_test_db_int(fx->db,
				       "SELECT count(*) FROM events WHERE type = 'AUDIT' AND "
				       "json_extract(payload, '$.status') = 403 AND "
				       "json_extract(payload, '$.token') = 'viewer'",
				       0),
			==, n_changes);
	/* no token appears in the journal */
	{
		g_autofree char *sql =
		    g_strdup_printf("SELECT count(*) FROM events WHERE instr(payload, '%s') > 0 OR "
				    "instr(payload, '%s') > 0 OR instr(payload, 'cw_bogus') > 0",
				    fx->reader, fx->revoked);

		g_assert_cmpint(cw_test_db_int(fx->db, sql, 0), ==, 0);
	}
}

/* Repeated failed logins from one address: 429 with Retry-After. */
static void
test_rate_limit(Fx *fx, gconstpointer data)
{
	guint status = 0;

	for (guint i = 0; i < 5; i++)
		g_assert_cmpuint(fx_status(fx, "GET", "/api/v1/bots", "cw_wrong", NULL), ==, 401);
	/* even a good token waits: the address is slowed down */
	g_assert_cmpuint(fx_status(fx, "GET", "/api/v1/bots", fx->reader, NULL), ==, 429);
	{
		g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u/api/v1/bots", fx->port);
		g_autoptr(SoupMessage) msg = soup_message_new("GET", url);
		g_autoptr(GBytes) reply = soup_session_send_and_read(fx->session, msg, NULL, NULL);
		const char *retry = soup_message_headers_get_one(
		    soup_message_get_response_headers(msg), "Retry-After");

		status = soup_message_get_status(msg);
		g_assert_cmpuint(status, ==, 429);
		g_assert_nonnull(retry);
		g_assert_cmpint(g_ascii_strtoll(retry, NULL, 10), >=, 1);
	}
	/* the dashboard's files need no token and are not limited */
	g_assert_cmpuint(fx_status(fx, "GET", "/", NULL, NULL), ==, 200);
}

static void
assert_problem(const char *text, guint status, const char *detail_part, const char *path)
{
	g_autoptr(JsonNode) node = fx_json(text);
	JsonObject *obj = json_node_get_object(node);

	g_assert_cmpint(json_object_get_int_member(obj, "status"), ==, status);
	g_assert_true(json_object_has_member(obj, "type"));
	g_assert_true(json_object_has_member(obj, "title"));
	if (detail_part != NULL)
		g_assert_nonnull(strstr(json_object_get_string_member(obj, "detail"), detail_part));
	if (path != NULL)
		g_assert_cmpstr(json_object_get_string_member_with_default(obj, "path", NULL), ==,
				path);
}

static guint
fx_call(Fx *fx, const char *method, const char *path, const char *body, char **text)
{
	guint status = 0;

	*text = fx_req(fx, method, path, fx->admin, "application/json", body,
		       body != NULL ? strlen(body) : 0, &status);
	return status;
}

/* GET path with the admin token; *chunked: the reply came with
 * Transfer-Encoding: chunked. */
static JsonNode *
fx_get_chunked(Fx *fx, const char *path, guint *status, gboolean *chunked)
{
	g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u%s", fx->port, path);
	g_autoptr(SoupMessage) msg = soup_message_new("GET", url);
	g_autofree char *auth = g_strdup_printf("Bearer %s", fx->admin);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) reply = NULL;
	g_autofree char *text = NULL;

	soup_message_headers_replace(soup_message_get_request_headers(msg), "Authorization", auth);
	reply = soup_session_send_and_read(fx->session, msg, NULL, &error);
	g_assert_no_error(error);
	*status = soup_message_get_status(msg);
	*chunked = soup_message_headers_get_encoding(soup_message_get_response_headers(msg)) ==
		   SOUP_ENCODING_CHUNKED;
	text = g_strndup(g_bytes_get_data(reply, NULL), g_bytes_get_size(reply));
	return fx_json(text);
}

/* GET /bots pages by name (after=NAME, next), 100 by default, at most
 * 1,000, as summaries (the heavy state is in GET /bots/{name}), the body
 * built in slices and sent chunked. 150 bots: "a" and p000..p148. */
static void
test_bots_pages(Fx *fx, gconstpointer data)
{
	g_autofree char *cols = NULL, *sql = NULL;
	g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *after = NULL;
	guint status = 0, pages = 0;
	gboolean chunked = FALSE;

	fx_add_bot(fx, fx->db, "ema-trend.json", "a");
	cols =
	    cw_test_db_text(fx->db, "SELECT group_concat(name) FROM pragma_table_info("
				    "'trading_bots') WHERE name NOT IN ('id', 'name', 'config')");
	sql = g_strdup_printf(
	    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 148) "
	    "INSERT INTO trading_bots (name, config, %s) SELECT printf('p%%03d', i), "
	    "json_set(config, '$.name', printf('p%%03d', i)), %s FROM n, trading_bots "
	    "WHERE trading_bots.name = 'a'; UPDATE trading_bots SET enabled = 0",
	    cols, cols);
	cw_test_db_exec(fx->db, sql);
	fx_start(fx, "100");

	/* the default page: 100, by name, summaries */
	{
		g_autoptr(JsonNode) node = fx_get_chunked(fx, "/api/v1/bots", &status, &chunked);
		JsonObject *obj = json_node_get_object(node);
		JsonArray *bots = json_object_get_array_member(obj, "bots");
		JsonObject *first = json_array_get_object_element(bots, 0);

		g_assert_cmpuint(status, ==, 200);
		g_assert_true(chunked);
		g_assert_cmpuint(json_array_get_length(bots), ==, 100);
		g_assert_cmpstr(json_object_get_string_member(first, "name"), ==, "a");
		g_assert_cmpstr(json_object_get_string_member(obj, "next"), ==, "p098");
		g_assert_true(json_object_has_member(first, "mode"));
		g_assert_true(json_object_has_member(first, "performance"));
		g_assert_true(json_object_has_member(first, "positions"));
		g_assert_cmpstr(json_object_get_string_member(first, "active_strategy"), !=, NULL);
		g_assert_false(json_object_has_member(first, "guards"));
		g_assert_false(json_object_has_member(first, "cache"));
	}
	/* the detail keeps what the summary leaves out */
	{
		g_autoptr(JsonNode) node =
		    fx_get_chunked(fx, "/api/v1/bots/p007", &status, &chunked);

		g_assert_cmpuint(status, ==, 200);
		g_assert_true(json_object_has_member(json_node_get_object(node), "guards"));
		g_assert_true(json_object_has_member(json_node_get_object(node), "strategies"));
	}
	/* pages of 40 by cursor: every bot once, in name order */
	do {
		g_autofree char *path =
		    g_strdup_printf("/api/v1/bots?limit=40%s%s", after != NULL ? "&after=" : "",
				    after != NULL ? after : "");
		g_autoptr(JsonNode) node = fx_get_chunked(fx, path, &status, &chunked);
		JsonObject *obj = json_node_get_object(node);
		JsonArray *bots = json_object_get_array_member(obj, "bots");

		g_assert_cmpuint(status, ==, 200);
		g_assert_cmpuint(json_array_get_length(bots), <=, 40);
		for (guint i = 0; i < json_array_get_length(bots); i++)
			g_ptr_array_add(seen, g_strdup(json_object_get_string_member(
						  json_array_get_object_element(bots, i), "name")));
		g_clear_pointer(&after, g_free);
		if (!json_object_get_null_member(obj, "next"))
			after = g_strdup(json_object_get_string_member(obj, "next"));
		pages++;
	} while (after != NULL && pages < 10);
	g_assert_cmpuint(pages, ==, 4);
	g_assert_cmpuint(seen->len, ==, 150);
	g_assert_cmpstr(g_ptr_array_index(seen, 0), ==, "a");
	for (guint i = 1; i < seen->len; i++) {
		g_autofree char *want = g_strdup_printf("p%03u", i - 1);
		g_assert_cmpstr(g_ptr_array_index(seen, i), ==, want);
	}
	/* past the last name: empty, no next */
	{
		g_autoptr(JsonNode) node =
		    fx_get_chunked(fx, "/api/v1/bots?after=q", &status, &chunked);
		JsonObject *obj = json_node_get_object(node);

		g_assert_cmpuint(status, ==, 200);
		g_assert_cmpuint(json_array_get_length(json_object_get_array_member(obj, "bots")),
				 ==, 0);
		g_assert_true(json_object_get_null_member(obj, "next"));
	}
	/* the bounds */
	g_assert_cmpuint(fx_status(fx, "GET", "/api/v1/bots?limit=0", fx->admin, NULL), ==, 400);
	g_assert_cmpuint(fx_status(fx, "GET", "/api/v1/bots?limit=1001", fx->admin, NULL), ==, 400);
	{
		g_autofree char *pad = g_strnfill(300, 'x');
		g_autofree char *path = g_strdup_printf("/api/v1/bots?after=%s", pad);
		g_assert_cmpuint(fx_status(fx, "GET", path, fx->admin, NULL), ==, 400);
	}
	/* a client that goes away while its list is built: the slices stop,
	 * the service goes on */
	for (guint k = 0; k < 5; k++) {
		g_autoptr(GSocketClient) client = g_socket_client_new();
		g_autoptr(GError) error = NULL;
		g_autoptr(GSocketConnection) conn =
		    g_socket_client_connect_to_host(client, "127.0.0.1", fx->port, NULL, &error);
		g_autofree char *req =
		    g_strdup_printf("GET /api/v1/bots?limit=1000 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				    "Authorization: Bearer %s\r\n\r\n",
				    fx->admin);
		char buf[64];

		g_assert_no_error(error);
		g_assert_true(
		    g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)), req,
					      strlen(req), NULL, NULL, &error));
		g_assert_cmpint(g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(conn)),
						    buf, sizeof buf, NULL, NULL),
				>, 0);
		g_assert_true(g_io_stream_close(G_IO_STREAM(conn), NULL, NULL));
	}
	{
		g_autoptr(JsonNode) node =
		    fx_get_chunked(fx, "/api/v1/bots?limit=1000", &status, &chunked);
		g_assert_cmpuint(json_array_get_length(json_object_get_array_member(
				     json_node_get_object(node), "bots")),
				 ==, 150);
	}
}

/* Every handler whose work grows with the bot's rows takes a capped
 * limit (docs/api.md, "Caps"): one past the cap, or 0, is a 400. */
static void
test_caps(Fx *fx, gconstpointer data)
{
	static const struct {
		const char *path;
		guint cap;
	} caps[] = {
	    {"/api/v1/bots", 1000},           {"/api/v1/bots/a/orders", 1000},
	    {"/api/v1/bots/a/trades", 1000},  {"/api/v1/bots/a/performance", 5000},
	    {"/api/v1/bots/a/candles", 5000}, {"/api/v1/events", 1000},
	};
	g_autofree char *text = NULL;
	g_autoptr(JsonNode) all = NULL, one = NULL;
	guint n;

	fx_wait_feeds(fx, 2);
	for (guint i = 0; i < G_N_ELEMENTS(caps); i++) {
		g_autofree char *at = g_strdup_printf("%s?limit=%u", caps[i].path, caps[i].cap);
		g_autofree char *past =
		    g_strdup_printf("%s?limit=%u", caps[i].path, caps[i].cap + 1);
		g_autofree char *zero = g_strdup_printf("%s?limit=0", caps[i].path);

		g_test_message("%s", caps[i].path);
		g_assert_cmpuint(fx_status(fx, "GET", at, fx->reader, NULL), ==, 200);
		g_assert_cmpuint(fx_status(fx, "GET", past, fx->reader, NULL), ==, 400);
		g_assert_cmpuint(fx_status(fx, "GET", zero, fx->reader, NULL), ==, 400);
	}
	/* the open orders' page has a next one only when it is full */
	g_assert_cmpuint(fx_call(fx, "GET", "/api/v1/bots/a/orders?limit=1000", NULL, &text), ==,
			 200);
	all = fx_json(text);
	g_clear_pointer(&text, g_free);
	n = json_array_get_length(
	    json_object_get_array_member(json_node_get_object(all), "orders"));
	g_assert_cmpuint(n, <, 1000);
	g_assert_true(json_object_get_null_member(json_node_get_object(all), "next_after"));
	g_assert_cmpuint(fx_call(fx, "GET", "/api/v1/bots/a/orders?limit=1", NULL, &text), ==, 200);
	one = fx_json(text);
	g_assert_cmpuint(json_array_get_length(
			     json_object_get_array_member(json_node_get_object(one), "orders")),
			 ==, MIN(n, 1));
	g_assert_true(json_object_get_null_member(json_node_get_object(one), "next_after") ==
		      (n == 0));
}

static void
test_reads(Fx *fx, gconstpointer data)
{
	g_autofree char *text = NULL;
	g_autoptr(JsonNode) node = NULL;
	JsonObject *obj;
	guint status;
	gint64 n_trades, next;

	fx_wait_feeds(fx, 2);
	status = fx_call(fx, "GET", "/api/v1/bots?limit=1", NULL, &text);
	g_assert_cmpuint(status, ==, 200);
	node = fx_json(text);
	obj = json_node_get_object(node);
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(obj, "bots")), ==, 1);
	g_assert_cmpstr(json_object_get_string_member(obj, "next"), ==, "a");
	g_clear_pointer(&text, g_free);
	g_clear_pointer(&node, json_node_unref);
	g_assert_cmpuint(fx_call(fx, "GET", "/api/v1/bots?after=a", NULL, &text), ==, 200);
	node = fx_json(text);
	obj = json_node_get_object(json_array_get_element(
	    json_object_get_array_member(json_node_get_object(node), "bots"), 0));
	g_assert_cmpstr(json_object_get_string_member(obj, "name"), ==, "b");
	g_assert_true(json_object_has_member(obj, "mode"));
	g_assert_true(json_object_has_member(obj, "positions"));
	g_clear_pointer(&text, g_free);
	g_clear_pointer(&node, json_node_unref);

	/* trades, by cursor: two pages give what the store holds, no overlap */
	n_trades =
	    cw_test_db_int(fx->db, "SELECT count(*) FROM trading_trades WHERE bot_name = 'a'", 0);
	g_assert_cmpint(n_trades, >, 2);
	g_assert_cmpuint(fx_call(fx, "GET", "/api/v1/bots/a/trades?limit=2", NULL, &text), ==, 200);
	node = fx_json(text);
	obj = json_node_get_object(node);
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(obj, "trades")), ==, 2);
	next = json_object_get_int_member(obj, "next_before");
	g_clear_pointer(&text, g_free);
	g_clear_pointer(&node, json_node_unref);
	{
		g_autofree char *path = g_strdup_printf(
		    "/api/v1/bots/a/trades?limit=1000&before=%" G_GINT64_FORMAT, next);

		g_assert_cmpuint(fx_call(fx, "GET", path, NULL, &text), ==, 200);
		node = fx_json(text);
		g_assert_cmpint(json_array_get_length(json_object_get_array_member(
				    json_node_get_object(node), "trades")),
				==, n_trades - 2);
		g_clear_pointer(&text, g_free);
		g_clear_pointer(&node, json_node_unref);
	}
	g_assert_cmpuint(fx_call(fx, "GET", "/api/v1/bots/a/candles", NULL, &text), ==, 200);
	node = fx_json(text);
	g_assert_cmpint(json_array_get_length(
			    json_object_get_array_member(json_node_get_object(node), "trades")),
			==, n_trades);
	g_clear_pointer(&text, g_free);
	g_clear_pointer(&node, json_node_unref);
	for (guint i = 0; i < G_N_ELEMENTS(routes); i++) {
		if (routes[i].admin || strstr(routes[i].path, "stream") != NULL)
			continue;
		g_assert_cmpuint(fx_call(fx, "GET", routes[i].path, NULL, &text), ==, 200);
		g_clear_pointer(&text, g_free);
	}
	/* the events route pages by seq with filters */
	g_assert_cmpuint(fx_call(fx, "GET", "/api/v1/events?bot=a&limit=5&after=0", NULL, &text),
			 ==, 200);
	node = fx_json(text);
	g_assert_cmpint(json_array_get_length(
			    json_object_get_array_member(json_node_get_object(node), "events")),
			==, 5);
	g_clear_pointer(&text, g_free);
	g_clear_pointer(&node, json_node_unref);
	/* bad queries */
	g_assert_cmpuint(fx_call(fx, "GET", "/api/v1/events?type=nope", NULL, &text), ==, 400);
	assert_problem(text, 400, "unknown event type", NULL);
	g_clear_pointer(&text, g_free);
	/* the recovery's journal type is a known one (none of it here) */
	g_assert_cmpuint(
	    fx_call(fx, "GET", "/api/v1/events?type=reconcile-discrepancy", NULL, &text), ==, 200);
	g_assert_nonnull(strstr(text, "\"events\":[]"));
	g_clear_pointer(&text, g_free);
	g_assert_cmpuint(fx_call(fx, "GET", "/api/v1/bots/a/trades?limit=0", NULL, &text), ==, 400);
	g_clear_pointer(&text, g_free);
	g_assert_cmpuint(fx_call(fx, "GET", "/api/v1/bots/nope", NULL, &text), ==, 404);
	assert_problem(text, 404, "no bot named 'nope'", NULL);
	g_clear_pointer(&text, g_free);
	g_assert_cmpuint(fx_call(fx, "GET", "/api/v1/nope", NULL, &text), ==, 404);
	g_clear_pointer(&text, g_free);
	g_assert_cmpuint(fx_call(fx, "DELETE", "/api/v1/events", NULL, &text), ==, 405);
	g_clear_pointer(&text, g_free);
}

static gint64
fx_audits(Fx *fx, const char *route, guint status)
{
	g_autofree char *sql = g_strdup_printf(
	    "SELECT count(*) FROM events WHERE type = 'AUDIT' AND json_extract(payload, "
	    "'$.route') = '%s' AND json_extract(payload, '$.status') = %u AND "
	    "json_extract(payload, '$.token') = 'ops'",
	    route, status);

	return cw_test_db_int(fx->db, sql, 0);
}

static void
test_changes(Fx *fx, gconstpointer data)
{
	g_autofree char *config = fx_config("breakout.json", "c");
	g_autofree char *wrong = fx_config("breakout.json", "d");
	g_autofree char *text = NULL;
	g_autofree char *big = g_malloc(300 * 1024 + 1);
	guint status;

	memset(big, ' ', 300 * 1024);
	big[300 * 1024] = '\0';
	big[0] = '{';
	/* add, then the same name again */
	g_assert_cmpuint(fx_call(fx, "POST", "/api/v1/bots", config, &text), ==, 201);
	g_clear_pointer(&text, g_free);
	g_assert_cmpint(
	    cw_test_db_int(fx->db, "SELECT count(*) FROM trading_bots WHERE name = 'c'", 0), ==, 1);
	g_assert_cmpuint(fx_call(fx, "POST", "/api/v1/bots", config, &text), ==, 409);
	assert_problem(text, 409, NULL, NULL);
	g_clear_pointer(&text, g_free);
	/* invalid: the JSON path of the bad value */
	g_assert_cmpuint(fx_call(fx, "POST", "/api/v1/bots", "{\"name\": \"e\"}", &text), ==, 422);
	assert_problem(text, 422, NULL, "symbol");
	g_clear_pointer(&text, g_free);
	g_assert_cmpuint(fx_call(fx, "POST", "/api/v1/bots", "{\"name\": ", &text), ==, 400);
	assert_problem(text, 400, NULL, NULL);
	g_clear_pointer(&text, g_free);
	text = fx_req(fx, "POST", "/api/v1/bots", fx->admin, "text/plain", config, strlen(config),
		      &status);
	g_assert_cmpuint(status, ==, 415);
	g_clear_pointer(&text, g_free);
	text = fx_req(fx, "POST", "/api/v1/bots", fx->admin, "application/json", big, strlen(big),
		      &status);
	g_assert_cmpuint(status, ==, 413);
	g_clear_pointer(&text, g_free);
	/* the config: its name must stay */
	g_assert_cmpuint(fx_call(fx, "PUT", "/api/v1/bots/c/config", wrong, &text), ==, 422);
	assert_problem(text, 422, "must match", "name");
	g_clear_pointer(&text, g_free);
	g_assert_cmpuint(fx_call(fx, "PUT", "/api/v1/bots/c/config", config, &text), ==, 200);
	g_clear_pointer(&text, g_free);
	/* enable, disable */
	g_assert_cmpuint(fx_call(fx, "POST", "/api/v1/bots/c/disable", NULL, &text), ==, 200);
	g_clear_pointer(&text, g_free);
	g_assert_cmpint(
	    cw_test_db_int(fx->db, "SELECT enabled FROM trading_bots WHERE name = 'c'", -1), ==, 0);
	/* close: a disabled bot is not running */
	g_assert_cmpuint(fx_call(fx, "POST", "/api/v1/bots/c/close", NULL, &text), ==, 409);
	assert_problem(text, 409, "not running", NULL);
	g_clear_pointer(&text, g_free);
	g_assert_cmpuint(fx_call(fx, "POST", "/api/v1/bots/c/enable", NULL, &text), ==, 200);
	g_clear_pointer(&text, g_free);
	g_assert_cmpint(
	    cw_test_db_int(fx->db, "SELECT enabled FROM trading_bots WHERE name = 'c'", -1), ==, 1);
	/* halt and resume: the mode the runtime reads */
	g_assert_cmpuint(fx_call(fx, "POST", "/api/v1/bots/a/halt", NULL, &text), ==, 200);
	g_assert_nonnull(strstr(text, "\"mode\":\"halted\""));
	g_clear_pointer(&text, g_free);
	text = cw_test_db_text(fx->db, "SELECT value FROM bot_state WHERE key = 'mode' AND "
				       "bot_id = (SELECT id FROM trading_bots WHERE name = 'a')");
	g_assert_cmpstr(text, ==, "halted");
	g_clear_pointer(&text, g_free);
	g_assert_cmpuint(fx_call(fx, "POST", "/api/v1/bots/a/resume", NULL, &text), ==, 200);
	g_clear_pointer(&text, g_free);
	/* switch */
	g_assert_cmpuint(
	    fx_call(fx, "POST", "/api/v1/bots/a/switch", "{\"strategy\": \"nope\"}", &text), ==,
	    422);
	g_clear_pointer(&text, g_free);
	g_assert_cmpuint(fx_call(fx, "POST", "/api/v1/bots/a/switch", "{\"strategy\": 5}", &text),
			 ==, 400);
	assert_problem(text, 400, NULL, "strategy");
	g_clear_pointer(&text, g_free);
	g_assert_cmpuint(fx_call(fx, "POST", "/api/v1/bots/a/switch", "[1]", &text), ==, 400);
	g_clear_pointer(&text, g_free);
	/* the kill switch */
	g_assert_cmpuint(fx_call(fx, "POST", "/api/v1/halt-all", NULL, &text), ==, 200);
	g_clear_pointer(&text, g_free);
	g_assert_cmpint(cw_test_db_int(fx->db,
				       "SELECT json_extract(payload, '$.halted') FROM events WHERE "
				       "type = 'KILL_SWITCH' ORDER BY seq DESC LIMIT 1",
				       -1),
			==, 1);
	g_assert_cmpuint(fx_call(fx, "POST", "/api/v1/resume-all", NULL, &text), ==, 200);
	g_clear_pointer(&text, g_free);
	/* remove */
	g_assert_cmpuint(fx_call(fx, "DELETE", "/api/v1/bots/c", NULL, &text), ==, 200);
	g_clear_pointer(&text, g_free);
	g_assert_cmpuint(fx_call(fx, "DELETE", "/api/v1/bots/c", NULL, &text), ==, 404);
	g_clear_pointer(&text, g_free);
	/* every change journalled with the token's name, route and outcome */
	g_assert_cmpint(fx_audits(fx, "/bots", 201), ==, 1);
	g_assert_cmpint(fx_audits(fx, "/bots", 409), ==, 1);
	g_assert_cmpint(fx_audits(fx, "/bots", 413), ==, 1);
	g_assert_cmpint(fx_audits(fx, "/bots/{name}/halt", 200), ==, 1);
	g_assert_cmpint(fx_audits(fx, "/bots/{name}/close", 409), ==, 1);
	g_assert_cmpint(fx_audits(fx, "/halt-all", 200), ==, 1);
	g_assert_cmpint(fx_audits(fx, "/bots/{name}", 404), ==, 1);
}

/* ---- the stream ---- */

typedef struct {
	SoupWebsocketConnection *conn;
	GError *error;
	GArray *seqs; /* of the events received */
	gboolean subscribed;
	gboolean closed;
	gushort close_code;
} Ws;

static void
ws_message_cb(SoupWebsocketConnection *conn, gint type, GBytes *message, gpointer user_data)
{
	Ws *ws = user_data;
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *obj;

	g_assert_true(json_parser_load_from_data(parser, g_bytes_get_data(message, NULL),
						 (gssize) g_bytes_get_size(message), NULL));
	obj = json_node_get_object(json_parser_get_root(parser));
	if (json_object_has_member(obj, "subscribed")) {
		ws->subscribed = TRUE;
		return;
	}
	{
		gint64 seq = json_object_get_int_member(obj, "seq");

		g_array_append_val(ws->seqs, seq);
	}
}

static void
ws_closed_cb(SoupWebsocketConnection *conn, gpointer user_data)
{
	Ws *ws = user_data;

	ws->closed = TRUE;
	ws->close_code = soup_websocket_connection_get_close_code(conn);
}

static void
ws_connected_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Ws *ws = user_data;

	ws->conn = soup_session_websocket_connect_finish(SOUP_SESSION(source), result, &ws->error);
	if (ws->conn == NULL)
		return;
	g_signal_connect(ws->conn, "message", G_CALLBACK(ws_message_cb), ws);
	g_signal_connect(ws->conn, "closed", G_CALLBACK(ws_closed_cb), ws);
}

/* Connects with the token as a subprotocol ("bearer.TOKEN"), as a browser
 * would. */
static void
ws_open(Fx *fx, Ws *ws, const char *token)
{
	g_autofree char *url = g_strdup_printf("ws://127.0.0.1:%u/api/v1/stream", fx->port);
	g_autoptr(SoupMessage) msg = soup_message_new("GET", url);
	g_autofree char *bearer = g_strdup_printf("bearer.%s", token);
	const char *protocols[] = {"cw.v1", bearer, NULL};
	CwTestDeadline d = cw_test_deadline(10000);

	memset(ws, 0, sizeof(*ws));
	ws->seqs = g_array_new(FALSE, FALSE, sizeof(gint64));
	soup_session_websocket_connect_async(fx->session, msg, NULL, (char **) protocols, 0, NULL,
					     ws_connected_cb, ws);
	while (ws->conn == NULL && ws->error == NULL) {
		g_main_context_iteration(NULL, FALSE);
		g_assert_true(cw_test_deadline_wait(&d, 1));
	}
	g_assert_no_error(ws->error);
}

static void
ws_subscribe(Ws *ws, gint64 after)
{
	g_autofree char *text =
	    g_strdup_printf("{\"subscribe\": {\"after\": %" G_GINT64_FORMAT "}}", after);
	CwTestDeadline d = cw_test_deadline(10000);

	soup_websocket_connection_send_text(ws->conn, text);
	while (!ws->subscribed && !ws->closed) {
		g_main_context_iteration(NULL, FALSE);
		g_assert_true(cw_test_deadline_wait(&d, 1));
	}
}

static void
ws_close(Ws *ws)
{
	CwTestDeadline d = cw_test_deadline(10000);

	if (!ws->closed)
		soup_websocket_connection_close(ws->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
	while (!ws->closed) {
		g_main_context_iteration(NULL, FALSE);
		g_assert_true(cw_test_deadline_wait(&d, 1));
	}
	g_clear_object(&ws->conn);
	g_array_unref(ws->seqs);
}

/* Appends n events to the journal, as another writer would. */
static void
fx_append_events(Fx *fx, guint n, guint payload_bytes)
{
	sqlite3 *db = cw_test_db_open(fx->db);
	sqlite3_stmt *stmt = NULL;
	g_autofree char *pad = g_strnfill(payload_bytes, 'x');
	g_autofree char *payload = g_strdup_printf("{\"pad\": \"%s\"}", pad);

	g_assert_cmpint(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_prepare_v2(db,
					   "INSERT INTO events (time, bot_id, strategy_id, type, "
					   "payload) VALUES (?1, NULL, NULL, 'TEST', ?2)",
					   -1, &stmt, NULL),
			==, SQLITE_OK);
	for (guint i = 0; i < n; i++) {
		sqlite3_bind_int64(stmt, 1, (sqlite3_int64) i);
		sqlite3_bind_text(stmt, 2, payload, -1, SQLITE_STATIC);
		g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_DONE);
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
	g_assert_cmpint(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
	sqlite3_close(db);
}

/* 10,000 events: a client that disconnects halfway and resumes from its
 * last seq has every event of the journal once, in order. */
static void
test_stream_resume(Fx *fx, gconstpointer data)
{
	Ws ws;
	g_autoptr(GArray) got = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autoptr(GPtrArray) rows = NULL;
	CwTestDeadline d = cw_test_deadline(60000);
	gint64 last, max_seq;

	fx_append_events(fx, 5000, 16);
	ws_open(fx, &ws, fx->reader);
	ws_subscribe(&ws, 0);
	/* live events arrive while the replay runs */
	fx_append_events(fx, 5000, 16);
	while (ws.seqs->len < 6000) {
		g_main_context_iteration(NULL, FALSE);
		g_assert_true(cw_test_deadline_wait(&d, 0));
	}
	g_array_append_vals(got, ws.seqs->data, ws.seqs->len);
	ws_close(&ws);
	last = g_array_index(got, gint64, got->len - 1);
	ws_open(fx, &ws, fx->reader);
	ws_subscribe(&ws, last);
	max_seq = cw_test_db_int(fx->db, "SELECT max(seq) FROM events", 0);
	while (ws.seqs->len == 0 || g_array_index(ws.seqs, gint64, ws.seqs->len - 1) < max_seq) {
		g_main_context_iteration(NULL, FALSE);
		g_assert_true(cw_test_deadline_wait(&d, 0));
	}
	g_array_append_vals(got, ws.seqs->data, ws.seqs->len);
	ws_close(&ws);
	rows = cw_test_db_rows(fx->db, "SELECT seq FROM events ORDER BY seq");
	/* the journal can have grown by the service's own events since */
	g_assert_cmpuint(got->len, <=, rows->len);
	g_assert_cmpuint(got->len, >=, 10000);
	for (guint i = 0; i < got->len; i++)
		g_assert_cmpint(g_array_index(got, gint64, i), ==,
				g_ascii_strtoll(g_ptr_array_index(rows, i), NULL, 10));
}

static void
test_stream_auth(Fx *fx, gconstpointer data)
{
	Ws ws;
	CwTestDeadline d = cw_test_deadline(10000);

	ws_open(fx, &ws, "cw_wrong");
	while (!ws.closed) {
		g_main_context_iteration(NULL, FALSE);
		g_assert_true(cw_test_deadline_wait(&d, 1));
	}
	g_assert_cmpuint(ws.close_code, ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
	ws_close(&ws);
	ws_open(fx, &ws, fx->revoked);
	while (!ws.closed) {
		g_main_context_iteration(NULL, FALSE);
		g_assert_true(cw_test_deadline_wait(&d, 1));
	}
	g_assert_cmpuint(ws.close_code, ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
	ws_close(&ws);
}

/* A client that subscribes and then never reads: a raw socket. */
static GSocketConnection *
slow_open(Fx *fx)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GError) error = NULL;
	GSocketConnection *conn =
	    g_socket_client_connect_to_host(client, "127.0.0.1", fx->port, NULL, &error);
	GOutputStream *out;
	g_autofree char *req = NULL;
	const char *sub = "{\"subscribe\": {\"after\": 0}}";
	guint8 frame[2 + 4];
	gsize len = strlen(sub);

	g_assert_no_error(error);
	out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
	req = g_strdup_printf("GET /api/v1/stream?token=%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
			      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			      "Sec-WebSocket-Version: 13\r\n\r\n",
			      fx->reader);
	g_assert_true(g_output_stream_write_all(out, req, strlen(req), NULL, NULL, &error));
	/* a masked text frame with a zero mask: the header, then the payload as is */
	g_assert_cmpuint(len, <, 64);
	frame[0] = 0x81;
	frame[1] = 0x80 | (guint8) len;
	memset(frame + 2, 0, 4);
	g_assert_true(g_output_stream_write_all(out, frame, sizeof frame, NULL, NULL, &error));
	g_assert_true(g_output_stream_write_all(out, sub, len, NULL, NULL, &error));
	g_assert_no_error(error);
	return conn;
}

/* Reads to the server's close frame; returns its code. */
static guint
slow_read_close(GSocketConnection *conn)
{
	GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
	g_autoptr(GByteArray) buf = g_byte_array_new();
	guint8 chunk[65536];
	gsize pos;
	const guint8 *end;

	/* the handshake's reply */
	for (;;) {
		gssize n = g_input_stream_read(in, chunk, sizeof(chunk), NULL, NULL);

		g_assert_cmpint(n, >, 0);
		g_byte_array_append(buf, chunk, (guint) n);
		end = memmem(buf->data, buf->len, "\r\n\r\n", 4);
		if (end != NULL)
			break;
	}
	pos = (gsize) (end + 4 - buf->data);
	for (guint rounds = 0; rounds < 1000000; rounds++) {
		guint64 plen;
		gsize hdr = 2;

		if (buf->len - pos >= 2) {
			plen = buf->data[pos + 1] & 0x7f;
			if (plen == 126 && buf->len - pos >= 4) {
				plen = (guint64) buf->data[pos + 2] << 8 | buf->data[pos + 3];
				hdr = 4;
			} else if (plen == 127 && buf->len - pos >= 10) {
				plen = 0;
				for (guint i = 0; i < 8; i++)
					plen = plen << 8 | buf->data[pos + 2 + i];
				hdr = 10;
			}
			if ((plen < 126 || hdr > 2) && buf->len - pos >= hdr + plen) {
				if ((buf->data[pos] & 0x0f) == 0x8)
					return (guint) buf->data[pos + hdr] << 8 |
					       buf->data[pos + hdr + 1];
				pos += hdr + plen;
				continue;
			}
		}
		{
			gssize n = g_input_stream_read(in, chunk, sizeof(chunk), NULL, NULL);

			if (n <= 0)
				return 0;
			g_byte_array_append(buf, chunk, (guint) n);
		}
	}
	return 0;
}

static gint64
fx_slow_closes(Fx *fx)
{
	guint status = 0;
	g_autofree char *text =
	    fx_req(fx, "GET", "/api/v1/version", fx->reader, NULL, NULL, 0, &status);
	g_autoptr(JsonNode) node = fx_json(text);

	return json_object_get_int_member(
	    json_object_get_object_member(json_node_get_object(node), "stream"), "slow_closes");
}

/* The trades of bot a, as the bots' decisions made them. */
static char *
fx_trades(const char *db)
{
	return cw_test_db_dump(db, "SELECT strategy_id, symbol, direction, entry_time, exit_time, "
				   "entry_price, exit_price, qty, net_pnl, exit_reason FROM "
				   "trading_trades WHERE bot_name = 'a' ORDER BY id");
}

/* A slow client is closed with 4008 while the bot it watches trades
 * exactly as it does with no client at all. */
static void
test_stream_slow(Fx *fx, gconstpointer data)
{
	g_autofree char *alone = fx_path(fx, "alone.db");
	g_autofree char *config = fx_config("ema-trend.json", "a");
	g_autofree char *out = NULL, *err = NULL, *text = NULL, *reference = NULL, *with = NULL;
	g_autoptr(GSocketConnection) slow = NULL;
	CwTestDeadline d = cw_test_deadline(90000);

	/* the reference: the bot alone */
	fx_add_bot(fx, alone, "ema-trend.json", "a");
	g_assert_cmpint(cw_test_run(&out, &err, "serve", "--db", alone, "--exit-when-idle", NULL),
			==, 0);
	reference = fx_trades(alone);
	g_assert_cmpuint(strlen(reference), >, 0);

	fx_start(fx, "5");
	slow = slow_open(fx);
	/* more than the kernel buffers hold: the client's socket fills up */
	fx_append_events(fx, 20000, 1024);
	g_assert_cmpuint(fx_call(fx, "POST", "/api/v1/bots", config, &text), ==, 201);
	fx_wait_feeds(fx, 1);
	while (fx_slow_closes(fx) < 1)
		g_assert_true(cw_test_deadline_wait(&d, 50));
	g_assert_cmpuint(slow_read_close(slow), ==, 4008);
	with = fx_trades(fx->db);
	g_assert_cmpstr(with, ==, reference);
}

/* A raw request line: the client libraries would normalise the path. */
static char *
fx_raw_get(Fx *fx, const char *path)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketConnection) conn =
	    g_socket_client_connect_to_host(client, "127.0.0.1", fx->port, NULL, &error);
	g_autofree char *req = g_strdup_printf(
	    "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
	g_autoptr(GByteArray) buf = g_byte_array_new();
	guint8 chunk[4096];
	gssize n;

	g_assert_no_error(error);
	g_assert_true(g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)),
						req, strlen(req), NULL, NULL, &error));
	while ((n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(conn)), chunk,
					sizeof(chunk), NULL, NULL)) > 0 &&
	       buf->len < 1024 * 1024)
		g_byte_array_append(buf, chunk, (guint) n);
	g_byte_array_append(buf, (const guint8 *) "", 1);
	return g_strdup((const char *) buf->data);
}

/* One raw request (request line, headers, body) on a new connection; the
 * whole reply, read until the server closes or 1 MiB. */
static char *
fx_raw(Fx *fx, const char *request, gsize len)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketConnection) conn = NULL;
	g_autoptr(GByteArray) buf = g_byte_array_new();
	guint8 chunk[4096];
	gssize n;

	g_socket_client_set_timeout(client, 20);
	conn = g_socket_client_connect_to_host(client, "127.0.0.1", fx->port, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)),
						request, len, NULL, NULL, &error));
	g_assert_no_error(error);
	while ((n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(conn)), chunk,
					sizeof(chunk), NULL, NULL)) > 0 &&
	       buf->len < 1024 * 1024)
		g_byte_array_append(buf, chunk, (guint) n);
	g_byte_array_append(buf, (const guint8 *) "", 1);
	return g_strdup((const char *) buf->data);
}

/* A request whose headers pass http.max_header_bytes (16 KiB by default)
 * gets 431 before its body is read: a problem document below /api/v1. */
static void
test_header_bound(Fx *fx, gconstpointer data)
{
	g_autofree char *filler = g_strnfill(32 * 1024, 'x');
	g_autofree char *big = g_strdup_printf(
	    "POST /api/v1/halt-all HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
	    "X-Filler: %s\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
	    "Connection: close\r\n\r\n{}",
	    fx->admin, filler);
	g_autofree char *small = g_strdup_printf(
	    "GET /api/v1/version HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
	    "X-Filler: %.8000s\r\nConnection: close\r\n\r\n",
	    fx->reader, filler);
	g_autofree char *health = g_strdup_printf(
	    "GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: %s\r\nConnection: close\r\n\r\n",
	    filler);
	g_autofree char *reply = fx_raw(fx, big, strlen(big));
	g_autofree char *reply_small = fx_raw(fx, small, strlen(small));
	g_autofree char *reply_health = fx_raw(fx, health, strlen(health));
	const char *body = strstr(reply, "\r\n\r\n");

	g_assert_true(g_str_has_prefix(reply, "HTTP/1.1 431 "));
	g_assert_nonnull(strstr(reply, "application/problem+json"));
	g_assert_nonnull(body);
	assert_problem(body + 4, 431, "larger than 16384 bytes", NULL);
	/* the request was not run: no bot was halted by it */
	g_assert_cmpint(fx_audits(fx, "/halt-all", 200), ==, 0);
	g_assert_true(g_str_has_prefix(reply_small, "HTTP/1.1 200 "));
	g_assert_true(g_str_has_prefix(reply_health, "HTTP/1.1 431 "));
}

/* The stream's failed token checks spend the same per-address burst as
 * the routes': once it is spent, the upgrade is refused with 429. */
static void
test_stream_rate_limit(Fx *fx, gconstpointer data)
{
	g_autofree char *upgrade = g_strdup_printf(
	    "GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, close\r\n"
	    "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Protocol: cw.v1, bearer.%s\r\n\r\n",
	    fx->reader);
	g_autofree char *reply = NULL;
	CwTestDeadline d = cw_test_deadline(10000);

	for (guint i = 0; i < 3; i++) {
		Ws ws;

		ws_open(fx, &ws, "cw_wrong");
		while (!ws.closed) {
			g_main_context_iteration(NULL, FALSE);
			g_assert_true(cw_test_deadline_wait(&d, 1));
		}
		g_assert_cmpuint(ws.close_code, ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
		ws_close(&ws);
	}
	for (guint i = 0; i < 2; i++)
		g_assert_cmpuint(fx_status(fx, "GET", "/api/v1/bots", "cw_wrong", NULL), ==, 401);
	/* five failures in all: even a good token is refused before the upgrade */
	reply = fx_raw(fx, upgrade, strlen(upgrade));
	g_assert_true(g_str_has_prefix(reply, "HTTP/1.1 429 "));
	g_assert_nonnull(strstr(reply, "\r\nRetry-After: "));
	g_assert_cmpuint(fx_status(fx, "GET", "/api/v1/bots", fx->reader, NULL), ==, 429);
}

/* The dashboard's files need no token; nothing outside them is served. */
static void
test_static(Fx *fx, gconstpointer data)
{
	static const char *const bad[] = {
	    "/../../../../etc/passwd",
	    "/%2e%2e/%2e%2e/etc/passwd",
	    "/..%2f..%2fetc%2fpasswd",
	    "//etc/passwd",
	    "/.hidden",
	    "/app.js/../../openapi.json",
	    "/openapi.json",
	    "/dashboard/index.html",
	    "/index.html%00.js",
	};
	g_autofree char *index = fx_raw_get(fx, "/");
	guint status = 0;

	g_assert_true(g_str_has_prefix(index, "HTTP/1.1 200"));
	g_assert_nonnull(strstr(index, "text/html"));
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *reply = fx_raw_get(fx, bad[i]);

		if (g_str_has_prefix(reply, "HTTP/1.1 200") || strstr(reply, "root:") != NULL)
			g_test_fail_printf("%s was served: %.60s", bad[i], reply);
	}
	/* CORS is off unless origins are listed */
	{
		g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u/api/v1/bots", fx->port);
		g_autoptr(SoupMessage) msg = soup_message_new("GET", url);
		g_autofree char *auth = g_strdup_printf("Bearer %s", fx->reader);
		g_autoptr(GBytes) reply = NULL;

		soup_message_headers_replace(soup_message_get_request_headers(msg), "Authorization",
					     auth);
		soup_message_headers_replace(soup_message_get_request_headers(msg), "Origin",
					     "https://evil.example");
		reply = soup_session_send_and_read(fx->session, msg, NULL, NULL);
		status = soup_message_get_status(msg);
		g_assert_cmpuint(status, ==, 200);
		g_assert_null(soup_message_headers_get_one(soup_message_get_response_headers(msg),
							   "Access-Control-Allow-Origin"));
	}
	g_assert_cmpuint(fx_status(fx, "OPTIONS", "/api/v1/bots", NULL, NULL), ==, 403);
}

/* The Access-Control-Allow-Origin a request from origin gets. */
static char *
fx_cors(Fx *fx, const char *method, const char *origin, guint *status)
{
	g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u/api/v1/bots", fx->port);
	g_autoptr(SoupMessage) msg = soup_message_new(method, url);
	g_autofree char *auth = g_strdup_printf("Bearer %s", fx->reader);
	SoupMessageHeaders *h = soup_message_get_request_headers(msg);
	g_autoptr(GBytes) reply = NULL;

	soup_message_headers_replace(h, "Authorization", auth);
	soup_message_headers_replace(h, "Origin", origin);
	soup_message_headers_replace(h, "Access-Control-Request-Method", "POST");
	reply = soup_session_send_and_read(fx->session, msg, NULL, NULL);
	*status = soup_message_get_status(msg);
	return g_strdup(soup_message_headers_get_one(soup_message_get_response_headers(msg),
						     "Access-Control-Allow-Origin"));
}

/* A listed origin gets CORS headers and its preflight; no other one does. */
static void
test_cors(Fx *fx, gconstpointer data)
{
	const char *args[] = {"serve",
			      "--db",
			      fx->db,
			      "--create",
			      "--http",
			      "127.0.0.1:0",
			      "--api-tokens",
			      fx->tokens,
			      "--http-port-file",
			      fx->port_file,
			      "--http-cors-origin",
			      "https://ops.example",
			      NULL};
	CwTestDeadline d = cw_test_deadline(20000);
	g_autofree char *text = NULL, *allowed = NULL, *other = NULL, *preflight = NULL;
	guint status = 0;

	fx->proc = cw_test_spawn_envv(
	    NULL, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, args);
	while (!g_file_get_contents(fx->port_file, &text, NULL, NULL) || strlen(text) < 2) {
		g_clear_pointer(&text, g_free);
		g_assert_true(cw_test_deadline_wait(&d, 20));
	}
	fx->port = (guint) g_ascii_strtoull(text, NULL, 10);
	allowed = fx_cors(fx, "GET", "https://ops.example", &status);
	g_assert_cmpuint(status, ==, 200);
	g_assert_cmpstr(allowed, ==, "https://ops.example");
	other = fx_cors(fx, "GET", "https://evil.example", &status);
	g_assert_cmpuint(status, ==, 200);
	g_assert_null(other);
	preflight = fx_cors(fx, "OPTIONS", "https://ops.example", &status);
	g_assert_cmpuint(status, ==, 204);
	g_assert_cmpstr(preflight, ==, "https://ops.example");
	g_clear_pointer(&preflight, g_free);
	preflight = fx_cors(fx, "OPTIONS", "https://evil.example", &status);
	g_assert_cmpuint(status, ==, 403);
	g_assert_null(preflight);
}

static gboolean
tls_accept_cb(SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors,
	      gpointer user_data)
{
	return TRUE; /* the test's own self-signed certificate */
}

/* TLS with a certificate and key file, made here by openssl. */
static void
test_tls(Fx *fx, gconstpointer data)
{
	g_autofree char *openssl = g_find_program_in_path("openssl");
	g_autofree char *cert = fx_path(fx, "cert.pem"), *key = fx_path(fx, "key.pem");
	g_autofree char *url = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(SoupMessage) msg = NULL;
	g_autoptr(GBytes) reply = NULL;
	g_autofree char *auth = NULL;
	int wait_status = 0;

	if (openssl == NULL) {
		g_test_skip("openssl is not installed: cannot make a test certificate");
		return;
	}
	{
		const char *argv[] = {openssl,  "req",     "-x509", "-newkey",       "rsa:2048",
				      "-nodes", "-keyout", key,     "-out",          cert,
				      "-days",  "1",       "-subj", "/CN=127.0.0.1", NULL};

		g_assert_true(g_spawn_sync(NULL, (char **) argv, NULL,
					   G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
					   NULL, NULL, NULL, NULL, &wait_status, &error));
		g_assert_no_error(error);
		g_assert_cmpint(wait_status, ==, 0);
	}
	{
		const char *args[] = {"serve",
				      "--db",
				      fx->db,
				      "--create",
				      "--http",
				      "127.0.0.1:0",
				      "--api-tokens",
				      fx->tokens,
				      "--http-port-file",
				      fx->port_file,
				      "--http-tls-cert",
				      cert,
				      "--http-tls-key",
				      key,
				      NULL};
		CwTestDeadline d = cw_test_deadline(20000);
		g_autofree char *text = NULL;

		fx->proc = cw_test_spawn_envv(
		    NULL, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
		    args);
		while (!g_file_get_contents(fx->port_file, &text, NULL, NULL) || strlen(text) < 2) {
			g_clear_pointer(&text, g_free);
			g_assert_true(cw_test_deadline_wait(&d, 20));
		}
		fx->port = (guint) g_ascii_strtoull(text, NULL, 10);
	}
	url = g_strdup_printf("https://127.0.0.1:%u/api/v1/version", fx->port);
	msg = soup_message_new("GET", url);
	auth = g_strdup_printf("Bearer %s", fx->reader);
	soup_message_headers_replace(soup_message_get_request_headers(msg), "Authorization", auth);
	g_signal_connect(msg, "accept-certificate", G_CALLBACK(tls_accept_cb), NULL);
	reply = soup_session_send_and_read(fx->session, msg, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(soup_message_get_status(msg), ==, 200);
	g_assert_nonnull(soup_message_get_tls_peer_certificate(msg));
	/* the health endpoints are on the same TLS listener, without a token */
	for (guint i = 0; i < 2; i++) {
		const char *path = i == 0 ? "/metrics" : "/livez";
		g_autofree char *u = g_strdup_printf("https://127.0.0.1:%u%s", fx->port, path);
		g_autoptr(SoupMessage) m = soup_message_new("GET", u);
		g_autoptr(GBytes) r = NULL;

		g_signal_connect(m, "accept-certificate", G_CALLBACK(tls_accept_cb), NULL);
		r = soup_session_send_and_read(fx->session, m, NULL, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(soup_message_get_status(m), ==, 200);
		g_assert_nonnull(soup_message_get_tls_peer_certificate(m));
	}
}

/* Waits for the port file of a serve just started; returns the port. */
static guint
fx_wait_port(Fx *fx)
{
	CwTestDeadline d = cw_test_deadline(20000);
	g_autofree char *text = NULL;

	while (!g_file_get_contents(fx->port_file, &text, NULL, NULL) || strlen(text) < 2) {
		g_clear_pointer(&text, g_free);
		g_assert_true(cw_test_deadline_wait(&d, 20));
	}
	return (guint) g_ascii_strtoull(text, NULL, 10);
}

static char *
fx_service_config(Fx *fx, const char *json)
{
	g_autofree char *file = fx_path(fx, "service.json");

	g_assert_true(g_file_set_contents(file, json, -1, NULL));
	return g_steal_pointer(&file);
}

/* The API and the health endpoints on one port, configured by the service
 * config's http and api keys: health without a token, /metrics behind a
 * read token with http.metrics_auth, api.max_body_bytes applied, and the
 * request counter counting the API's answers too. */
static void
test_one_server(Fx *fx, gconstpointer data)
{
	g_autofree char *json =
	    g_strdup_printf("{\"http\": {\"listen\": \"127.0.0.1:0\", \"port_file\": \"%s\", "
			    "\"metrics_auth\": true, \"cors_origins\": [\"https://ops.example\"]}, "
			    "\"api\": {\"token_file\": \"%s\", \"max_body_bytes\": 2048}}",
			    fx->port_file, fx->tokens);
	g_autofree char *config = fx_service_config(fx, json);
	const char *args[] = {"serve", "--db", fx->db, "--create", "--service-config",
			      config,  NULL};
	g_autofree char *big = g_strnfill(3000, ' ');
	g_autofree char *metrics = NULL;
	guint status = 0;

	fx->proc = cw_test_spawn_envv(
	    NULL, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, args);
	fx->port = fx_wait_port(fx);
	g_assert_cmpuint(fx_status(fx, "GET", "/livez", NULL, NULL), ==, 200);
	g_assert_cmpuint(fx_status(fx, "GET", "/readyz", NULL, NULL), ==, 200);
	g_assert_cmpuint(fx_status(fx, "GET", "/healthz", NULL, NULL), ==, 200);
	g_assert_cmpuint(fx_status(fx, "GET", "/metrics", NULL, NULL), ==, 401);
	g_assert_cmpuint(fx_status(fx, "GET", "/metrics", fx->revoked, NULL), ==, 401);
	g_assert_cmpuint(fx_status(fx, "GET", "/api/v1/version", NULL, NULL), ==, 401);
	g_assert_cmpuint(fx_status(fx, "GET", "/api/v1/version", fx->reader, NULL), ==, 200);
	g_assert_cmpuint(fx_status(fx, "GET", "/", NULL, NULL), ==, 200);
	/* api.max_body_bytes 2048, not the default 256 KiB */
	g_assert_cmpuint(fx_status(fx, "POST", "/api/v1/bots", fx->admin, big), ==, 413);
	metrics = fx_req(fx, "GET", "/metrics", fx->reader, NULL, NULL, 0, &status);
	g_assert_cmpuint(status, ==, 200);
	g_assert_nonnull(strstr(metrics, "# TYPE candlewick_bots_running gauge"));
	/* three 401s and the 413 so far, answered by both parts of the server */
	g_assert_nonnull(strstr(metrics, "candlewick_http_requests_total{code=\"4xx\"} 4\n"));
	g_assert_nonnull(strstr(metrics, "candlewick_http_requests_total{code=\"2xx\"} 5\n"));
}

/* A client that sends its headers and half its body, then stalls, is cut
 * off after http.request_timeout_s; meanwhile the API answers others and
 * the bots keep trading. */
static void
test_request_timeout(Fx *fx, gconstpointer data)
{
	g_autofree char *json =
	    g_strdup_printf("{\"http\": {\"listen\": \"127.0.0.1:0\", \"port_file\": \"%s\", "
			    "\"request_timeout_s\": 2}, \"api\": {\"token_file\": \"%s\"}}",
			    fx->port_file, fx->tokens);
	g_autofree char *config = fx_service_config(fx, json);
	const char *args[] = {
	    "serve", "--db", fx->db, "--create", "--poll-interval", "0.2", "--service-config",
	    config,  NULL};
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnection) conn = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *half = NULL;
	gint64 started;
	gssize n;
	char chunk[4096];
	guint status = 0;
	g_autofree char *metrics = NULL;

	fx_add_bot(fx, fx->db, "ema-trend.json", "a");
	fx_add_bot(fx, fx->db, "mean-reversion.json", "b");
	fx->proc = cw_test_spawn_envv(
	    NULL, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, args);
	fx->port = fx_wait_port(fx);
	half = g_strdup_printf("POST /api/v1/halt-all HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			       "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
			       "Content-Length: 100\r\n\r\n{\"a\": ",
			       fx->admin);
	g_socket_client_set_timeout(client, 30);
	conn = g_socket_client_connect_to_host(client, "127.0.0.1", fx->port, NULL, &error);
	g_assert_no_error(error);
	started = g_get_monotonic_time();
	g_assert_true(g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)),
						half, strlen(half), NULL, NULL, &error));
	g_assert_no_error(error);
	/* the server is not blocked by the stalled request */
	g_assert_cmpuint(fx_status(fx, "GET", "/livez", NULL, NULL), ==, 200);
	g_assert_cmpuint(fx_status(fx, "GET", "/api/v1/version", fx->reader, NULL), ==, 200);
	/* then the stalled connection is closed (or answered 408) */
	n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(conn)), chunk,
				sizeof(chunk) - 1, NULL, NULL);
	g_assert_cmpint(g_get_monotonic_time() - started, >=, G_USEC_PER_SEC * 3 / 2);
	g_assert_cmpint(g_get_monotonic_time() - started, <, G_USEC_PER_SEC * 15);
	if (n > 0) {
		chunk[n] = '\0';
		g_assert_true(g_str_has_prefix(chunk, "HTTP/1.1 408 "));
	}
	/* nothing was halted, and the bots trade on to the end of their feed */
	g_assert_cmpint(fx_audits(fx, "/halt-all", 200), ==, 0);
	fx_wait_feeds(fx, 2);
	g_assert_cmpint(cw_test_db_int(fx->db, "SELECT count(*) FROM trading_trades", 0), >, 0);
	metrics = fx_req(fx, "GET", "/metrics", NULL, NULL, NULL, 0, &status);
	g_assert_cmpuint(status, ==, 200);
	g_assert_nonnull(strstr(metrics, "candlewick_http_request_timeouts_total 1\n"));
}

/* --api ADDR:PORT and --api-port-file still work, as deprecated aliases of
 * --http and --http-port-file: the API and /metrics share the port. */
static void
test_deprecated_alias(Fx *fx, gconstpointer data)
{
	const char *args[] = {"serve",        "--db",     fx->db,
			      "--create",     "--api",    "127.0.0.1:0",
			      "--api-tokens", fx->tokens, "--api-port-file",
			      fx->port_file,  NULL};
	g_autofree char *out = NULL, *err = NULL;

	fx->proc = cw_test_spawn_envv(
	    NULL, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, args);
	fx->port = fx_wait_port(fx);
	g_assert_cmpuint(fx_status(fx, "GET", "/api/v1/version", fx->reader, NULL), ==, 200);
	g_assert_cmpuint(fx_status(fx, "GET", "/metrics", NULL, NULL), ==, 200);
	/* --api without a token file, and --api against another --http */
	g_assert_cmpint(cw_test_run(&out, &err, "serve", "--db", fx->db, "--api", "127.0.0.1:0",
				    "--http", "off", NULL),
			==, 2);
	g_assert_nonnull(strstr(err, "--api"));
}

/* Bad http/api keys are refused at start with their JSON path (exit 2). */
static void
test_config_errors(Fx *fx, gconstpointer data)
{
	static const struct {
		const char *json;
		const char *path;
	} cases[] = {
	    {"{\"http\": {\"cors_origins\": [\"https://a.example\", \"ftp://b\"]}}",
	     "http.cors_origins[1]"},
	    {"{\"http\": {\"cors_origins\": \"https://a.example\"}}", "http.cors_origins"},
	    {"{\"http\": {\"metrics_auth\": \"yes\"}}", "http.metrics_auth"},
	    {"{\"http\": {\"tls_cert\": 3}}", "http.tls_cert"},
	    {"{\"http\": {\"listen\": \"\"}}", "http.listen"},
	    {"{\"http\": {\"tls\": true}}", "http"},
	    {"{\"api\": {\"max_body_bytes\": 5}}", "api.max_body_bytes"},
	    {"{\"http\": {\"max_header_bytes\": 100}}", "http.max_header_bytes"},
	    {"{\"http\": {\"max_header_bytes\": \"big\"}}", "http.max_header_bytes"},
	    {"{\"api\": {\"stream_queue\": 0}}", "api.stream_queue"},
	    {"{\"api\": {\"token\": \"x\"}}", "api"},
	    /* fail closed: a guarded /metrics without tokens, half a TLS pair */
	    {"{\"http\": {\"metrics_auth\": true}}", "api.token_file"},
	    {"{\"http\": {\"tls_cert\": \"/nonexistent.pem\"}}", "http.tls_key"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *config = fx_service_config(fx, cases[i].json);
		g_autofree char *out = NULL, *err = NULL;

		g_test_message("%s", cases[i].json);
		g_assert_cmpint(cw_test_run(&out, &err, "serve", "--db", fx->db, "--create",
					    "--http", "off", "--service-config", config, NULL),
				==, 2);
		g_assert_nonnull(strstr(err, cases[i].path));
	}
}

/* POST /bots/{name}/close flattens a running bot's position through its
 * guards: the trade is journalled with exit reason manual_exit, the
 * outcome as MANUAL_CLOSE, the call as AUDIT; an unknown bot is 404. */
static void
test_close(Fx *fx, gconstpointer data)
{
	/* 5-minute candles at 100 ms each: positions last a few seconds */
	g_autofree char *config = fx_config_speed("ema-trend.json", "live", 3000);
	g_autofree char *text = NULL;
	CwTestDeadline d = cw_test_deadline(90000);
	const char *open_sql = "SELECT count(*) FROM trading_positions WHERE qty > 0 AND bot_id = "
			       "(SELECT id FROM trading_bots WHERE name = 'live')";
	const char *trade_sql = "SELECT count(*) FROM trading_trades WHERE bot_name = 'live' AND "
				"exit_reason = 'manual_exit'";
	guint status = 0;

	fx_start(fx, "5");
	g_assert_cmpuint(fx_call(fx, "POST", "/api/v1/bots", config, &text), ==, 201);
	g_clear_pointer(&text, g_free);
	g_assert_cmpuint(fx_call(fx, "POST", "/api/v1/bots/nobody/close", NULL, &text), ==, 404);
	assert_problem(text, 404, NULL, NULL);
	g_clear_pointer(&text, g_free);
	/* a position may close by itself between the look and the call: then
	 * the answer is 409 "no open position", and the next one is taken */
	while (status != 200) {
		while (cw_test_db_int(fx->db, open_sql, 0) == 0)
			g_assert_true(cw_test_deadline_wait(&d, 20));
		status = fx_call(fx, "POST", "/api/v1/bots/live/close", NULL, &text);
		if (status != 200) {
			g_assert_cmpuint(status, ==, 409);
			assert_problem(text, 409, "no open position", NULL);
		}
		g_clear_pointer(&text, g_free);
	}
	while (cw_test_db_int(fx->db, trade_sql, 0) < 1)
		g_assert_true(cw_test_deadline_wait(&d, 20));
	g_assert_cmpint(cw_test_db_int(fx->db, trade_sql, 0), ==, 1);
	g_assert_cmpint(
	    cw_test_db_int(fx->db,
			   "SELECT count(*) FROM events WHERE type = 'MANUAL_CLOSE' AND "
			   "json_extract(payload, '$.outcome') = 'sent' AND "
			   "json_extract(payload, '$.source') = 'api:ops'",
			   0),
	    ==, 1);
	g_assert_cmpint(
	    cw_test_db_int(fx->db,
			   "SELECT count(*) FROM events WHERE type = 'TRADE_CLOSED' AND "
			   "json_extract(payload, '$.reason') = 'manual close'",
			   0),
	    ==, 1);
	g_assert_cmpint(fx_audits(fx, "/bots/{name}/close", 200), ==, 1);
	g_assert_cmpuint(fx_call(fx, "GET", "/api/v1/events?type=manual-close", NULL, &text), ==,
			 200);
	g_assert_nonnull(strstr(text, "\"MANUAL_CLOSE\""));
	g_clear_pointer(&text, g_free);

	/* the CLI's way: a request the running service carries out once,
	 * whatever the bot holds by then */
	{
		g_autofree char *out = NULL, *err = NULL, *sql = NULL;
		gint64 request;

		g_assert_cmpint(
		    cw_test_run(&out, &err, "bots", "close", "--db", fx->db, "nobody", NULL), ==,
		    1);
		g_assert_nonnull(strstr(err, "no bot named 'nobody'"));
		g_clear_pointer(&out, g_free);
		g_clear_pointer(&err, g_free);
		g_assert_cmpint(
		    cw_test_run(&out, &err, "bots", "close", "--db", fx->db, "live", NULL), ==, 0);
		g_assert_nonnull(strstr(out, "close requested (event "));
		request = cw_test_db_int(
		    fx->db, "SELECT value FROM bot_state WHERE key = 'close_request'", 0);
		g_assert_cmpint(request, >, 0);
		sql = g_strdup_printf("SELECT count(*) FROM events WHERE type = 'MANUAL_CLOSE' AND "
				      "json_extract(payload, '$.request') = %" G_GINT64_FORMAT,
				      request);
		while (cw_test_db_int(fx->db, sql, 0) < 1)
			g_assert_true(cw_test_deadline_wait(&d, 20));
		g_assert_cmpint(
		    cw_test_db_int(fx->db, "SELECT value FROM bot_state WHERE key = 'close_done'",
				   0),
		    ==, request);
		/* once: later polls do not carry it out again */
		g_usleep(600 * 1000);
		g_assert_cmpint(cw_test_db_int(fx->db, sql, 0), ==, 1);
	}
}

/* GET /bots/{name}/candles: the candles table's rows of the bot's
 * exchange (here Bybit spot), symbol and interval, paged by limit
 * intervals, with the bot's trades and signals in the range; a replay
 * bot gets no candles and says why. */
static void
test_candles(Fx *fx, gconstpointer data)
{
	const gint64 t0 = G_GINT64_CONSTANT(1700000100000), step = 300000;
	g_autofree char *config = fx_config("ema-trend.json", "chart");
	g_autofree char *file = fx_path(fx, "chart.json");
	g_autofree char *out = NULL, *err = NULL, *text = NULL, *path = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(GString) sql = g_string_new("BEGIN;");
	JsonObject *root, *feed;
	JsonArray *candles;

	/* a Bybit spot bot, disabled: nothing connects anywhere */
	g_assert_true(json_parser_load_from_data(parser, config, -1, NULL));
	root = json_node_get_object(json_parser_get_root(parser));
	feed = json_object_new();
	json_object_set_string_member(feed, "type", "bybit");
	json_object_set_string_member(feed, "category", "spot");
	json_object_set_object_member(root, "feed", feed);
	g_clear_pointer(&config, g_free);
	config = json_to_string(json_parser_get_root(parser), FALSE);
	g_assert_true(g_file_set_contents(file, config, -1, NULL));
	g_assert_cmpint(cw_test_run(&out, &err, "bots", "add", "--db", fx->db, "--config", file,
				    "--disabled", NULL),
			==, 0);
	fx_add_bot(fx, fx->db, "breakout.json", "replayed");
	/* ten candles of each market; the linear ones must not show */
	for (guint i = 0; i < 10; i++) {
		g_string_append_printf(sql,
				       "INSERT INTO candles VALUES ('bybit-spot', 'BTCUSDT', '5m', "
				       "%" G_GINT64_FORMAT ", 1, 2, 0.5, %u, 7);"
				       "INSERT INTO candles VALUES ('bybit', 'BTCUSDT', '5m', "
				       "%" G_GINT64_FORMAT ", 1, 2, 0.5, 999, 7);",
				       t0 + i * step, 100 + i, t0 + i * step);
	}
	g_string_append_printf(
	    sql,
	    "INSERT INTO trading_trades (bot_name, strategy_id, symbol, direction, entry_time, "
	    "exit_time, entry_price, exit_price, qty, gross_pnl, net_pnl, exit_reason, created_at) "
	    "VALUES ('chart', 'main', 'BTCUSDT', 'long', %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
	    ", 101, 104, 1, 3, 3, 'signal_exit', 1), ('chart', 'main', 'BTCUSDT', 'long', 1000, "
	    "2000, 1, 1, 1, 0, 0, 'signal_exit', 1);"
	    "INSERT INTO events (time, bot_id, strategy_id, type, payload) VALUES "
	    "(%" G_GINT64_FORMAT
	    ", (SELECT id FROM trading_bots WHERE name = 'chart'), 'main', 'SIGNAL_NEW', "
	    "'{\"direction\":\"long\"}');COMMIT;",
	    t0 + step, t0 + 4 * step, t0 + step);
	cw_test_db_exec(fx->db, sql->str);
	fx_start(fx, "5");

	path = g_strdup_printf("/api/v1/bots/chart/candles?from=%" G_GINT64_FORMAT
			       "&to=%" G_GINT64_FORMAT "&limit=4",
			       t0, t0 + 9 * step);
	g_assert_cmpuint(fx_call(fx, "GET", path, NULL, &text), ==, 200);
	node = fx_json(text);
	root = json_node_get_object(node);
	candles = json_object_get_array_member(root, "candles");
	g_assert_cmpuint(json_array_get_length(candles), ==, 4);
	for (guint i = 0; i < 4; i++) {
		JsonObject *c = json_array_get_object_element(candles, i);
		g_assert_cmpint(json_object_get_int_member(c, "open_time"), ==, t0 + i * step);
		g_assert_cmpfloat(json_object_get_double_member(c, "close"), ==, 100 + i);
	}
	g_assert_cmpint(json_object_get_int_member(root, "next_from"), ==, t0 + 4 * step);
	g_assert_nonnull(
	    strstr(json_object_get_string_member(root, "candles_source"), "bybit-spot"));
	/* the trade in the range, not the old one; the signal */
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(root, "trades")), ==,
			 1);
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(root, "signals")), ==,
			 1);
	g_clear_pointer(&text, g_free);
	g_clear_pointer(&node, json_node_unref);
	g_clear_pointer(&path, g_free);
	/* the last page */
	path = g_strdup_printf("/api/v1/bots/chart/candles?from=%" G_GINT64_FORMAT
			       "&to=%" G_GINT64_FORMAT "&limit=100",
			       t0 + 8 * step, t0 + 9 * step);
	g_assert_cmpuint(fx_call(fx, "GET", path, NULL, &text), ==, 200);
	node = fx_json(text);
	root = json_node_get_object(node);
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(root, "candles")), ==,
			 2);
	g_assert_true(json_object_get_null_member(root, "next_from"));
	g_clear_pointer(&text, g_free);
	g_clear_pointer(&node, json_node_unref);
	/* a replay bot: no candles, and why */
	g_assert_cmpuint(fx_call(fx, "GET", "/api/v1/bots/replayed/candles", NULL, &text), ==, 200);
	node = fx_json(text);
	root = json_node_get_object(node);
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(root, "candles")), ==,
			 0);
	g_assert_true(
	    g_str_has_prefix(json_object_get_string_member(root, "candles_source"), "none:"));
	g_clear_pointer(&text, g_free);
	g_assert_cmpuint(fx_call(fx, "GET", "/api/v1/bots/chart/candles?limit=0", NULL, &text), ==,
			 400);
}

/* ---- big pages, built in slices ---- */

#define FX_T0   G_GINT64_CONSTANT(1700000100000)
#define FX_STEP 300000

/* A disabled Bybit bot "chart" with 2,000 recorded candles, 1,200 trades,
 * 2,500 equity rows and 2,400 events (1,200 of them SIGNAL_NEW), then the
 * service. */
static void
fx_start_chart(Fx *fx)
{
	g_autofree char *config = fx_config("ema-trend.json", "chart");
	g_autofree char *file = fx_path(fx, "chart.json");
	g_autofree char *out = NULL, *err = NULL, *sql = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *feed = json_object_new();

	g_assert_true(json_parser_load_from_data(parser, config, -1, NULL));
	json_object_set_string_member(feed, "type", "bybit");
	json_object_set_object_member(json_node_get_object(json_parser_get_root(parser)), "feed",
				      feed);
	g_clear_pointer(&config, g_free);
	config = json_to_string(json_parser_get_root(parser), FALSE);
	g_assert_true(g_file_set_contents(file, config, -1, NULL));
	g_assert_cmpint(cw_test_run(&out, &err, "bots", "add", "--db", fx->db, "--config", file,
				    "--disabled", NULL),
			==, 0);
	sql = g_strdup_printf(
	    "BEGIN;"
	    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1999) "
	    "INSERT INTO candles SELECT 'bybit', 'BTCUSDT', '5m', %" G_GINT64_FORMAT
	    " + i * %d, 100 + i * 0.25, 101.5 + i * 0.25, 99.125 + i, 100.1 + i / 3.0, "
	    "12.5 + i %% 7 FROM n;"
	    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1199) "
	    "INSERT INTO trading_trades (bot_name, strategy_id, symbol, direction, entry_time, "
	    "exit_time, entry_price, exit_price, qty, fees, gross_pnl, net_pnl, exit_reason, "
	    "created_at) SELECT 'chart', 'main', 'BTCUSDT', 'long', %" G_GINT64_FORMAT
	    " + i * %d, %" G_GINT64_FORMAT " + i * %d + 600000, 100.5 + i, 101.25 + i / 7.0, "
	    "0.125, 0.01, 0.09, 0.08 - i / 9.0, 'signal_exit', 1 FROM n;"
	    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2499) "
	    "INSERT INTO trading_performance_metrics (bot_name, strategy_id, time, equity, "
	    "balance, realized_pnl, unrealized_pnl, trades, max_drawdown_pct) SELECT 'chart', "
	    "NULL, %" G_GINT64_FORMAT " + i * %d, 10000 + i / 3.0, 10000 + i * 0.25, i * 0.5, "
	    "0.125, i / 5, 1.5 FROM n;"
	    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2399) "
	    "INSERT INTO events (time, bot_id, strategy_id, type, payload) SELECT "
	    "%" G_GINT64_FORMAT " + i * %d, (SELECT id FROM trading_bots WHERE name = 'chart'), "
	    "'main', CASE i %% 2 WHEN 0 THEN 'SIGNAL_NEW' ELSE 'ORDER_FILLED' END, "
	    "json_object('direction', 'long', 'price', 100.5 + i / 3.0, 'reason', "
	    "'cross \"up\" \u00e9', 'n', i) FROM n;"
	    /* 1,800 orders: every third ended, every seventh of no bot, the
	     * rest (1,028) the chart bot's open ones */
	    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1799) "
	    "INSERT INTO orders (client_order_id, bot_id, strategy_id, symbol, side, type, "
	    "purpose, qty, price, status, created_at) SELECT printf('cw-big-%%06d', i), "
	    "CASE i %% 7 WHEN 6 THEN NULL ELSE (SELECT id FROM trading_bots WHERE name = "
	    "'chart') END, 'main', 'BTCUSDT', 'buy', 'limit', 'entry', 0.125, 100 + i / 4.0, "
	    "CASE i %% 3 WHEN 2 THEN 'filled' ELSE 'new' END, %" G_GINT64_FORMAT " + i FROM n;"
	    "COMMIT;",
	    FX_T0, FX_STEP, FX_T0, 5 * FX_STEP, FX_T0, 5 * FX_STEP, FX_T0, FX_STEP, FX_T0, FX_STEP,
	    FX_T0);
	cw_test_db_exec(fx->db, sql);
	fx_start(fx, "100");
}

/* GET path with the admin token: the raw body; *chunked as in fx_get_chunked. */
static char *
fx_get_text(Fx *fx, const char *path, gboolean *chunked)
{
	g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u%s", fx->port, path);
	g_autoptr(SoupMessage) msg = soup_message_new("GET", url);
	g_autofree char *auth = g_strdup_printf("Bearer %s", fx->admin);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) reply = NULL;

	soup_message_headers_replace(soup_message_get_request_headers(msg), "Authorization", auth);
	reply = soup_session_send_and_read(fx->session, msg, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(soup_message_get_status(msg), ==, 200);
	if (chunked != NULL)
		*chunked = soup_message_headers_get_encoding(
			       soup_message_get_response_headers(msg)) == SOUP_ENCODING_CHUNKED;
	return g_strndup(g_bytes_get_data(reply, NULL), g_bytes_get_size(reply));
}

/* The big page's body is byte for byte the pages of one row each, glued:
 * head, their rows (by text) joined by commas, then the tail of the last
 * one (of the empty one past them when the big page is not full); each
 * small page is one slice, the big one many, and the cursor carries from
 * one small page to the next. */
static void
fx_assert_glued(Fx *fx, const char *big, const char *route, const char *member, const char *cursor,
		guint n, gboolean full)
{
	g_autofree char *head = g_strdup_printf("{\"%s\":[", member);
	g_autofree char *mark = g_strdup_printf("],\"%s\":", cursor);
	g_autoptr(GString) glued = g_string_new(head);
	g_autofree char *next = NULL;
	g_autofree char *tail = NULL;

	for (guint i = 0; i < n + (full ? 0 : 1); i++) {
		g_autofree char *path =
		    g_strdup_printf("%s%slimit=1%s%s%s", route,
				    strchr(route, '?') != NULL ? "&" : "?", next != NULL ? "&" : "",
				    next != NULL ? cursor + 5 : "", next != NULL ? next : "");
		g_autofree char *text = fx_get_text(fx, path, NULL);
		const char *end = g_strrstr(text, mark);
		g_autoptr(JsonNode) node = NULL;
		JsonNode *c;

		g_assert_true(g_str_has_prefix(text, head));
		g_assert_nonnull(end);
		if (i == n) {
			g_assert_true(end == text + strlen(head)); /* past the last row */
		} else {
			if (i > 0)
				g_string_append_c(glued, ',');
			g_string_append_len(glued, text + strlen(head),
					    end - text - (gssize) strlen(head));
		}
		g_clear_pointer(&tail, g_free);
		tail = g_strdup(end);
		node = fx_json(text);
		c = json_object_get_member(json_node_get_object(node), cursor);
		g_clear_pointer(&next, g_free);
		next = g_strdup_printf("=%" G_GINT64_FORMAT, json_node_get_int(c));
	}
	g_string_append(glued, tail);
	g_assert_cmpuint(glued->len, ==, strlen(big));
	g_assert_cmpstr(glued->str, ==, big);
}

/* Big pages arrive chunked, complete and correct: every row of the store
 * in its order, the cursors as before, and the bytes those of one-row
 * pages glued together. */
static void
test_big_pages(Fx *fx, gconstpointer data)
{
	gboolean chunked = FALSE;

	fx_start_chart(fx);
	/* events: the first 1,000 of the journal, in seq order */
	{
		g_autofree char *text = fx_get_text(fx, "/api/v1/events?limit=1000", &chunked);
		g_autoptr(JsonNode) node = fx_json(text);
		JsonObject *obj = json_node_get_object(node);
		JsonArray *events = json_object_get_array_member(obj, "events");
		g_autofree char *seqs = cw_test_db_text(
		    fx->db, "SELECT group_concat(seq) FROM (SELECT seq FROM events ORDER BY seq "
			    "LIMIT 1000)");
		g_autoptr(GString) got = g_string_new(NULL);

		g_assert_true(chunked);
		g_assert_cmpuint(json_array_get_length(events), ==, 1000);
		for (guint i = 0; i < 1000; i++)
			g_string_append_printf(
			    got, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "",
			    json_object_get_int_member(json_array_get_object_element(events, i),
						       "seq"));
		g_assert_cmpstr(got->str, ==, seqs);
		g_assert_cmpint(
		    json_object_get_int_member(obj, "next_after"), ==,
		    json_object_get_int_member(json_array_get_object_element(events, 999), "seq"));
		fx_assert_glued(fx, text, "/api/v1/events", "events", "next_after", 1000, TRUE);
	}
	/* trades: the newest 1,000 by id, newest first */
	{
		g_autofree char *text =
		    fx_get_text(fx, "/api/v1/bots/chart/trades?limit=1000", &chunked);
		g_autoptr(JsonNode) node = fx_json(text);
		JsonObject *obj = json_node_get_object(node);
		JsonArray *trades = json_object_get_array_member(obj, "trades");
		gint64 top = cw_test_db_int(fx->db, "SELECT max(id) FROM trading_trades", 0);

		g_assert_true(chunked);
		g_assert_cmpuint(json_array_get_length(trades), ==, 1000);
		for (guint i = 0; i < 1000; i++)
			g_assert_cmpint(json_object_get_int_member(
					    json_array_get_object_element(trades, i), "id"),
					==, top - i);
		g_assert_cmpint(json_object_get_int_member(obj, "next_before"), ==, top - 999);
		fx_assert_glued(fx, text, "/api/v1/bots/chart/trades", "trades", "next_before",
				1000, TRUE);
	}
	/* open orders: the chart bot's first 1,000 by id, oldest first; the
	 * ended ones and those of no bot are not in it */
	{
		g_autofree char *text =
		    fx_get_text(fx, "/api/v1/bots/chart/orders?limit=1000", &chunked);
		g_autoptr(JsonNode) node = fx_json(text);
		JsonObject *obj = json_node_get_object(node);
		JsonArray *orders = json_object_get_array_member(obj, "orders");
		g_autofree char *ids = cw_test_db_text(
		    fx->db, "SELECT group_concat(id) FROM (SELECT id FROM orders WHERE bot_id = "
			    "(SELECT id FROM trading_bots WHERE name = 'chart') AND status = 'new' "
			    "ORDER BY id LIMIT 1000)");
		g_autoptr(GString) got = g_string_new(NULL);

		g_assert_true(chunked);
		g_assert_cmpint(
		    cw_test_db_int(fx->db,
				   "SELECT count(*) FROM orders WHERE bot_id IS NOT NULL "
				   "AND status = 'new'",
				   0),
		    >, 1000);
		g_assert_cmpuint(json_array_get_length(orders), ==, 1000);
		for (guint i = 0; i < 1000; i++) {
			JsonObject *o = json_array_get_object_element(orders, i);

			g_string_append_printf(got, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "",
					       json_object_get_int_member(o, "id"));
			g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "new");
		}
		g_assert_cmpstr(got->str, ==, ids);
		g_assert_cmpint(
		    json_object_get_int_member(obj, "next_after"), ==,
		    json_object_get_int_member(json_array_get_object_element(orders, 999), "id"));
		fx_assert_glued(fx, text, "/api/v1/bots/chart/orders", "orders", "next_after", 1000,
				TRUE);
	}
	/* equity: all 2,500 in one page, newest first, no next page */
	{
		g_autofree char *text =
		    fx_get_text(fx, "/api/v1/bots/chart/performance?limit=5000", &chunked);
		g_autoptr(JsonNode) node = fx_json(text);
		JsonObject *obj = json_node_get_object(node);
		JsonArray *rows = json_object_get_array_member(obj, "equity");
		gint64 top =
		    cw_test_db_int(fx->db, "SELECT max(id) FROM trading_performance_metrics", 0);

		g_assert_true(chunked);
		g_assert_cmpuint(json_array_get_length(rows), ==, 2500);
		for (guint i = 0; i < 2500; i++) {
			JsonObject *m = json_array_get_object_element(rows, i);

			g_assert_cmpint(json_object_get_int_member(m, "id"), ==, top - i);
			g_assert_cmpfloat(json_object_get_double_member(m, "balance"), ==,
					  10000 + (2499 - i) * 0.25);
		}
		g_assert_true(json_object_get_null_member(obj, "next_before"));
		fx_assert_glued(fx, text, "/api/v1/bots/chart/performance", "equity", "next_before",
				2500, FALSE);
	}
	/* the chart: 2,000 candles oldest first, the trades of the newest
	 * 1,000 oldest first, the newest 1,000 signals in seq order */
	{
		g_autofree char *path = g_strdup_printf(
		    "/api/v1/bots/chart/candles?from=%" G_GINT64_FORMAT "&limit=5000", FX_T0);
		g_autofree char *text = fx_get_text(fx, path, &chunked);
		g_autoptr(JsonNode) node = fx_json(text);
		JsonObject *obj = json_node_get_object(node);
		JsonArray *candles = json_object_get_array_member(obj, "candles");
		JsonArray *trades = json_object_get_array_member(obj, "trades");
		JsonArray *signals = json_object_get_array_member(obj, "signals");
		gint64 top = cw_test_db_int(fx->db, "SELECT max(id) FROM trading_trades", 0);
		gint64 first_signal = cw_test_db_int(
		    fx->db,
		    "SELECT min(seq) FROM (SELECT seq FROM events WHERE type = 'SIGNAL_NEW' "
		    "ORDER BY seq DESC LIMIT 1000)",
		    0);

		g_assert_true(chunked);
		g_assert_cmpuint(json_array_get_length(candles), ==, 2000);
		for (guint i = 0; i < 2000; i++) {
			JsonObject *c = json_array_get_object_element(candles, i);

			g_assert_cmpint(json_object_get_int_member(c, "open_time"), ==,
					FX_T0 + (gint64) i * FX_STEP);
			g_assert_cmpfloat(json_object_get_double_member(c, "open"), ==,
					  100 + i * 0.25);
		}
		g_assert_cmpint(json_object_get_int_member(obj, "next_from"), ==,
				FX_T0 + 5000 * (gint64) FX_STEP);
		g_assert_cmpuint(json_array_get_length(trades), ==, 1000);
		for (guint i = 0; i < 1000; i++)
			g_assert_cmpint(json_object_get_int_member(
					    json_array_get_object_element(trades, i), "id"),
					==, top - 999 + i);
		g_assert_cmpuint(json_array_get_length(signals), ==, 1000);
		for (guint i = 0; i < 1000; i++) {
			JsonObject *sig = json_array_get_object_element(signals, i);

			g_assert_cmpint(json_object_get_int_member(sig, "seq"), ==,
					first_signal + 2 * i);
			g_assert_cmpstr(
			    json_object_get_string_member(
				json_object_get_object_member(sig, "payload"), "reason"),
			    ==, "cross \"up\" \u00e9");
		}
	}
}

/* A client that hangs up while its big page is built: the work stops, the
 * service goes on answering others with complete pages. */
static void
test_big_pages_hangup(Fx *fx, gconstpointer data)
{
	static const char *const paths[] = {
	    "/api/v1/events?limit=1000",
	    "/api/v1/bots/chart/candles?from=1700000100000&limit=5000",
	    "/api/v1/bots/chart/trades?limit=1000",
	    "/api/v1/bots/chart/performance?limit=5000",
	    "/api/v1/bots/chart/orders?limit=1000",
	};
	static const char *const members[] = {"events", "candles", "trades", "equity", "orders"};
	static const guint counts[] = {1000, 2000, 1000, 2500, 1000};

	G_STATIC_ASSERT(G_N_ELEMENTS(members) == G_N_ELEMENTS(paths));
	G_STATIC_ASSERT(G_N_ELEMENTS(counts) == G_N_ELEMENTS(paths));
	fx_start_chart(fx);
	for (guint k = 0; k < 3 * G_N_ELEMENTS(paths); k++) {
		g_autoptr(GSocketClient) client = g_socket_client_new();
		g_autoptr(GError) error = NULL;
		g_autoptr(GSocketConnection) conn = NULL;
		g_autofree char *req = g_strdup_printf("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
						       "Authorization: Bearer %s\r\n\r\n",
						       paths[k % G_N_ELEMENTS(paths)], fx->admin);
		char buf[64];

		g_socket_client_set_timeout(client, 20);
		conn = g_socket_client_connect_to_host(client, "127.0.0.1", fx->port, NULL, &error);
		g_assert_no_error(error);
		g_assert_true(
		    g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)), req,
					      strlen(req), NULL, NULL, &error));
		g_assert_cmpint(g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(conn)),
						    buf, sizeof buf, NULL, NULL),
				>, 0);
		g_assert_true(g_io_stream_close(G_IO_STREAM(conn), NULL, NULL));
		g_assert_cmpuint(fx_status(fx, "GET", "/livez", NULL, NULL), ==, 200);
	}
	for (guint k = 0; k < G_N_ELEMENTS(paths); k++) {
		g_autofree char *text = fx_get_text(fx, paths[k], NULL);
		g_autoptr(JsonNode) node = fx_json(text);
		JsonObject *obj = json_node_get_object(node);

		g_assert_cmpuint(
		    json_array_get_length(json_object_get_array_member(obj, members[k])), ==,
		    counts[k]);
	}
	g_assert_cmpuint(fx_status(fx, "GET", "/readyz", NULL, NULL), ==, 200);
}

typedef struct {
	guint port;
	gint busy; /* a big page is being fetched */
	gint stop;
	gint answered; /* /livez answers that came while busy */
	gint failed;
} FxProbe;

/* /livez back to back on its own session and connection. */
static gpointer
fx_probe_thread(gpointer data)
{
	FxProbe *p = data;
	g_autoptr(SoupSession) session = soup_session_new_with_options("timeout", 20, NULL);
	g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u/livez", p->port);

	for (guint i = 0; i < 100000 && !g_atomic_int_get(&p->stop); i++) {
		g_autoptr(SoupMessage) msg = soup_message_new("GET", url);
		g_autoptr(GBytes) reply = NULL;
		gboolean busy_before = g_atomic_int_get(&p->busy);

		reply = soup_session_send_and_read(session, msg, NULL, NULL);
		if (reply == NULL || soup_message_get_status(msg) != 200)
			g_atomic_int_inc(&p->failed);
		else if (busy_before && g_atomic_int_get(&p->busy))
			g_atomic_int_inc(&p->answered);
	}
	return NULL;
}

/* While big pages are built, /livez still answers: answers that were
 * both asked and received during one are counted. */
static void
test_big_pages_livez(Fx *fx, gconstpointer data)
{
	FxProbe probe = {0};
	GThread *thread;
	g_autofree char *path = g_strdup_printf(
	    "/api/v1/bots/chart/candles?from=%" G_GINT64_FORMAT "&limit=5000", FX_T0);

	fx_start_chart(fx);
	probe.port = fx->port;
	thread = g_thread_new("livez", fx_probe_thread, &probe);
	for (guint k = 0; k < 10; k++) {
		g_autofree char *text = NULL;
		g_autofree char *events = NULL;

		g_atomic_int_set(&probe.busy, 1);
		text = fx_get_text(fx, path, NULL);
		events = fx_get_text(fx, "/api/v1/events?limit=1000", NULL);
		g_atomic_int_set(&probe.busy, 0);
		g_assert_nonnull(strstr(text, "\"signals\":["));
		g_assert_true(g_str_has_suffix(events, "}"));
		g_usleep(20000);
	}
	g_atomic_int_set(&probe.stop, 1);
	g_thread_join(thread);
	g_test_message("/livez answered during big pages: %d", probe.answered);
	g_assert_cmpint(probe.failed, ==, 0);
	g_assert_cmpint(probe.answered, >=, 100);
}

/* A kept-alive connection with no next request is closed after
 * http.idle_timeout_s, well before http.request_timeout_s; one that asks
 * again in time is answered. */
static void
test_idle_timeout(Fx *fx, gconstpointer data)
{
	g_autofree char *json =
	    g_strdup_printf("{\"http\": {\"listen\": \"127.0.0.1:0\", \"port_file\": \"%s\", "
			    "\"request_timeout_s\": 60, \"idle_timeout_s\": 1}, \"api\": "
			    "{\"token_file\": \"%s\"}}",
			    fx->port_file, fx->tokens);
	g_autofree char *config = fx_service_config(fx, json);
	const char *args[] = {
	    "serve", "--db", fx->db, "--create", "--poll-interval", "0.2", "--service-config",
	    config,  NULL};
	const char *req = "GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnection) conn = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *metrics = NULL;
	GInputStream *in;
	GOutputStream *out;
	gint64 started;
	guint status = 0;
	char buf[4096];
	gssize n;

	fx->proc = cw_test_spawn_envv(
	    NULL, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, args);
	fx->port = fx_wait_port(fx);
	g_socket_client_set_timeout(client, 20);
	conn = g_socket_client_connect_to_host(client, "127.0.0.1", fx->port, NULL, &error);
	g_assert_no_error(error);
	in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
	out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
	/* three requests on the connection, each in time */
	for (guint k = 0; k < 3; k++) {
		g_autoptr(GString) got = g_string_new(NULL);
		const char *body = NULL;
		const char *length = NULL;

		g_assert_true(g_output_stream_write_all(out, req, strlen(req), NULL, NULL, &error));
		/* one whole answer: headers, then Content-Length bytes */
		for (guint r = 0; r < 100; r++) {
			body = strstr(got->str, "\r\n\r\n");
			length = strstr(got->str, "Content-Length: ");
			if (body != NULL && length != NULL &&
			    strlen(body + 4) >= g_ascii_strtoull(length + 16, NULL, 10))
				break;
			n = g_input_stream_read(in, buf, sizeof buf, NULL, &error);
			g_assert_no_error(error);
			g_assert_cmpint(n, >, 0);
			g_string_append_len(got, buf, n);
		}
		g_assert_true(g_str_has_prefix(got->str, "HTTP/1.1 200 "));
		g_assert_nonnull(body);
		g_usleep(300000);
	}
	/* then silence: closed after about a second, not sixty */
	started = g_get_monotonic_time();
	n = g_input_stream_read(in, buf, sizeof buf, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(n, ==, 0);
	g_assert_cmpint(g_get_monotonic_time() - started, <, 15 * G_USEC_PER_SEC);
	metrics = fx_req(fx, "GET", "/metrics", NULL, NULL, NULL, 0, &status);
	g_assert_cmpuint(status, ==, 200);
	g_assert_nonnull(strstr(metrics, "candlewick_http_idle_closes_total 1\n"));
	g_assert_nonnull(strstr(metrics, "candlewick_http_request_timeouts_total 0\n"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/e2e/api/refused", Fx, "100000", fx_setup, test_refused, fx_teardown);
	g_test_add("/e2e/api/rate-limit", Fx, "5", fx_setup, test_rate_limit, fx_teardown);
	g_test_add("/e2e/api/reads", Fx, "5", fx_setup, test_reads, fx_teardown);
	g_test_add("/e2e/api/bots-pages", Fx, NULL, fx_setup, test_bots_pages, fx_teardown);
	g_test_add("/e2e/api/caps", Fx, "100", fx_setup, test_caps, fx_teardown);
	g_test_add("/e2e/api/changes", Fx, "5", fx_setup, test_changes, fx_teardown);
	g_test_add("/e2e/api/stream-resume", Fx, "5", fx_setup, test_stream_resume, fx_teardown);
	g_test_add("/e2e/api/stream-auth", Fx, "100", fx_setup, test_stream_auth, fx_teardown);
	g_test_add("/e2e/api/header-bound", Fx, "5", fx_setup, test_header_bound, fx_teardown);
	g_test_add("/e2e/api/stream-rate-limit", Fx, "5", fx_setup, test_stream_rate_limit,
		   fx_teardown);
	g_test_add("/e2e/api/request-timeout", Fx, NULL, fx_setup, test_request_timeout,
		   fx_teardown);
	g_test_add("/e2e/api/static", Fx, "5", fx_setup, test_static, fx_teardown);
	g_test_add("/e2e/api/tls", Fx, NULL, fx_setup, test_tls, fx_teardown);
	g_test_add("/e2e/api/one-server", Fx, NULL, fx_setup, test_one_server, fx_teardown);
	g_test_add("/e2e/api/deprecated-alias", Fx, NULL, fx_setup, test_deprecated_alias,
		   fx_teardown);
	g_test_add("/e2e/api/config-errors", Fx, NULL, fx_setup, test_config_errors, fx_teardown);
	g_test_add("/e2e/api/cors", Fx, NULL, fx_setup, test_cors, fx_teardown);
	g_test_add("/e2e/api/stream-slow", Fx, NULL, fx_setup, test_stream_slow, fx_teardown);
	g_test_add("/e2e/api/close", Fx, NULL, fx_setup, test_close, fx_teardown);
	g_test_add("/e2e/api/candles", Fx, NULL, fx_setup, test_candles, fx_teardown);
	g_test_add("/e2e/api/big-pages", Fx, NULL, fx_setup, test_big_pages, fx_teardown);
	g_test_add("/e2e/api/big-pages-hangup", Fx, NULL, fx_setup, test_big_pages_hangup,
		   fx_teardown);
	g_test_add("/e2e/api/big-pages-livez", Fx, NULL, fx_setup, test_big_pages_livez,
		   fx_teardown);
	g_test_add("/e2e/api/idle-timeout", Fx, NULL, fx_setup, test_idle_timeout, fx_teardown);
	return g_test_run();
}
