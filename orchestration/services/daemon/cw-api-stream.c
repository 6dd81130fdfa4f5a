#include "cw-services-daemon.h"

#include <linux/sockios.h>
#include <sys/ioctl.h>

#define CW_API_STREAM_TICK_MS     50
#define CW_API_STREAM_BATCH       256
#define CW_API_STREAM_TICK_EVENTS 2048 /* per client and tick */
/* the stream's share of the main loop: at most this much work per tick,
 * so that candles and the other timers never wait long behind clients */
#define CW_API_STREAM_TICK_BUDGET_US 5000
#define CW_API_STREAM_SOCKET_BYTES   (256 * 1024)
#define CW_API_STREAM_MAX_MESSAGE    (64 * 1024)
#define CW_API_STREAM_MAX_FILTER     1000
/* a client is slow when its socket stayed full this many ticks in a row
 * while it was more than max_queue events behind: a client catching up
 * drains its socket between two ticks */
#define CW_API_STREAM_SLOW_TICKS 20

typedef struct {
	CwApiStream *stream;
	SoupWebsocketConnection *conn;
	GSocket *socket;
	char *token_name;
	gboolean subscribed;
	gboolean closing;
	gboolean dead;
	gint64 cursor;       /* the last seq looked at */
	GHashTable *bot_ids; /* nullable: every bot */
	GHashTable *types;   /* nullable: every type */
	gint64 last_heard_us;
	guint blocked_ticks; /* ticks in a row that found the socket full */
} CwApiStreamClient;

struct _CwApiStream {
	GObject parent_instance;
	CwStore *store;
	CwApiTokens *tokens;
	GPtrArray *clients; /* CwApiStreamClient* */
	GHashTable *names;  /* bot id -> name, for the events */
	guint tick_id;
	guint max_queue;
	double ping_s;
	guint64 n_slow_closes;
	guint next_client; /* where the next tick starts: every client gets a turn */
};

G_DEFINE_FINAL_TYPE(CwApiStream, cw_api_stream, G_TYPE_OBJECT)

static void
cw_api_stream_client_free(CwApiStreamClient *c)
{
	g_signal_handlers_disconnect_by_data(c->conn, c);
	if (soup_websocket_connection_get_state(c->conn) == SOUP_WEBSOCKET_STATE_OPEN)
		soup_websocket_connection_close(c->conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
	g_object_unref(c->conn);
	g_clear_object(&c->socket);
	g_free(c->token_name);
	g_clear_pointer(&c->bot_ids, g_hash_table_unref);
	g_clear_pointer(&c->types, g_hash_table_unref);
	g_free(c);
}

static void
cw_api_stream_dispose(GObject *object)
{
	CwApiStream *self = CW_API_STREAM(object);

	g_clear_handle_id(&self->tick_id, g_source_remove);
	g_clear_pointer(&self->clients, g_ptr_array_unref);
	g_clear_pointer(&self->names, g_hash_table_unref);
	g_clear_object(&self->tokens);
	g_clear_object(&self->store);
	G_OBJECT_CLASS(cw_api_stream_parent_class)->dispose(object);
}

static void
cw_api_stream_class_init(CwApiStreamClass *klass)
{
	G_OBJECT_CLASS(klass)->dispose = cw_api_stream_dispose;
}

static void
cw_api_stream_init(CwApiStream *self)
{
	self->clients = g_ptr_array_new_with_free_func((GDestroyNotify) cw_api_stream_client_free);
	self->names = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	self->max_queue = 10000;
	self->ping_s = 15;
}

CwApiStream *
cw_api_stream_new(CwStore *store, CwApiTokens *tokens)
{
	CwApiStream *self = g_object_new(CW_TYPE_API_STREAM, NULL);

	self->store = g_object_ref(store);
	self->tokens = g_object_ref(tokens);
	return self;
}

void
cw_api_stream_set_limits(CwApiStream *self, guint max_queue, double ping_interval_s)
{
	self->max_queue = MAX(max_queue, 1);
	self->ping_s = MAX(ping_interval_s, 1);
}

guint
cw_api_stream_get_n_clients(CwApiStream *self)
{
	return self->clients->len;
}

guint64
cw_api_stream_get_n_slow_closes(CwApiStream *self)
{
	return self->n_slow_closes;
}

void
cw_api_stream_event_to_json(JsonBuilder *b, const CwStoreEvent *e, const char *bot_name)
{
	g_autoptr(JsonParser) parser = json_parser_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "seq");
	json_builder_add_int_value(b, e->seq);
	json_builder_set_member_name(b, "time");
	json_builder_add_int_value(b, e->time);
	json_builder_set_member_name(b, "bot_id");
	if (e->bot_id > 0)
		json_builder_add_int_value(b, e->bot_id);
	else
		json_builder_add_null_value(b);
	if (bot_name != NULL) {
		json_builder_set_member_name(b, "bot");
		json_builder_add_string_value(b, bot_name);
	}
	json_builder_set_member_name(b, "strategy_id");
	if (e->strategy_id != NULL)
		json_builder_add_string_value(b, e->strategy_id);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, e->type != NULL ? e->type : "");
	json_builder_set_member_name(b, "payload");
	if (e->payload != NULL && json_parser_load_from_data(parser, e->payload, -1, NULL) &&
	    json_parser_get_root(parser) != NULL)
		json_builder_add_value(b, json_node_copy(json_parser_get_root(parser)));
	else
		json_builder_add_null_value(b);
	json_builder_end_object(b);
}

char *
cw_api_stream_request_token(SoupServerMessage *msg, GHashTable *query)
{
	SoupMessageHeaders *in = soup_server_message_get_request_headers(msg);
	const char *auth = soup_message_headers_get_one(in, "Authorization");
	const char *protocols = soup_message_headers_get_list(in, "Sec-WebSocket-Protocol");

	if (auth != NULL && g_ascii_strncasecmp(auth, "Bearer ", 7) == 0)
		return g_strstrip(g_strdup(auth + 7));
	if (protocols != NULL) {
		g_auto(GStrv) list = g_strsplit(protocols, ",", -1);

		for (guint i = 0; list[i] != NULL; i++) {
			const char *p = g_strstrip(list[i]);

			if (g_str_has_prefix(p, "bearer."))
				return g_strdup(p + 7);
		}
	}
	if (query != NULL && g_hash_table_lookup(query, "token") != NULL)
		return g_strdup(g_hash_table_lookup(query, "token"));
	return NULL;
}

static void
cw_api_stream_close(CwApiStreamClient *c, gushort code, const char *reason)
{
	if (c->closing || c->dead)
		return;
	c->closing = TRUE;
	soup_websocket_connection_close(c->conn, code, reason);
}

static void
cw_api_stream_send_json(CwApiStreamClient *c, JsonBuilder *b)
{
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	g_autofree char *text = cw_json_to_string(root, FALSE);

	soup_websocket_connection_send_text(c->conn, text);
}

/* Bytes the kernel still holds for the peer: the socket's backlog. */
static gsize
cw_api_stream_unsent(CwApiStreamClient *c)
{
	int pending = 0;

	if (c->socket == NULL || ioctl(g_socket_get_fd(c->socket), SIOCOUTQ, &pending) != 0)
		return 0;
	return (gsize) MAX(pending, 0);
}

/* A JSON array of strings at member of obj into a set; FALSE with
 * *detail set when it is not one. mapper turns each into its key. */
static gboolean
cw_api_stream_string_set(CwStore *store, JsonObject *obj, const char *member, GHashTable **out,
			 char **detail)
{
	JsonNode *node = json_object_get_member(obj, member);
	JsonArray *array;

	if (node == NULL || JSON_NODE_HOLDS_NULL(node))
		return TRUE;
	if (!JSON_NODE_HOLDS_ARRAY(node) ||
	    json_array_get_length(json_node_get_array(node)) > CW_API_STREAM_MAX_FILTER) {
		*detail = g_strdup_printf("subscribe.%s: expected an array of at most %d strings",
					  member, CW_API_STREAM_MAX_FILTER);
		return FALSE;
	}
	array = json_node_get_array(node);
	*out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonNode *e = json_array_get_element(array, i);
		g_auto(CwStoreBot) bot = {0};
		const char *key;

		if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_STRING) {
			*detail = g_strdup_printf("subscribe.%s[%u]: expected a string", member, i);
			return FALSE;
		}
		if (g_strcmp0(member, "types") == 0) {
			key = cw_bot_admin_event_type_canonical(json_node_get_string(e));
			if (key == NULL) {
				*detail = g_strdup_printf("subscribe.types[%u]: unknown event type "
							  "'%s'",
							  i, json_node_get_string(e));
				return FALSE;
			}
			g_hash_table_add(*out, g_strdup(key));
			continue;
		}
		if (!cw_bot_admin_find(store, json_node_get_string(e), &bot, NULL)) {
			*detail = g_strdup_printf("subscribe.bots[%u]: no bot named '%s'", i,
						  json_node_get_string(e));
			return FALSE;
		}
		g_hash_table_add(*out, g_strdup_printf("%" G_GINT64_FORMAT, bot.id));
	}
	return TRUE;
}

gboolean
cw_api_stream_parse_subscribe(CwStore *store, const char *data, gsize len, GHashTable **bot_ids,
			      GHashTable **types, gint64 *after, char **detail)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GHashTable) bots_set = NULL;
	g_autoptr(GHashTable) types_set = NULL;
	JsonNode *root, *node;
	JsonObject *sub;

	if (!g_utf8_validate_len(data, len, NULL) ||
	    !json_parser_load_from_data(parser, data, (gssize) len, NULL)) {
		*detail = g_strdup("expected a JSON text message");
		return FALSE;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root) ||
	    (node = json_object_get_member(json_node_get_object(root), "subscribe")) == NULL ||
	    !JSON_NODE_HOLDS_OBJECT(node)) {
		*detail = g_strdup("$: expected {\"subscribe\": {...}}");
		return FALSE;
	}
	sub = json_node_get_object(node);
	if (!cw_api_stream_string_set(store, sub, "bots", &bots_set, detail) ||
	    !cw_api_stream_string_set(store, sub, "types", &types_set, detail))
		return FALSE;
	node = json_object_get_member(sub, "after");
	if (node == NULL || JSON_NODE_HOLDS_NULL(node)) {
		*after = -1;
	} else if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_INT64 &&
		   json_node_get_int(node) >= 0) {
		*after = json_node_get_int(node);
	} else {
		*detail = g_strdup("subscribe.after: expected a sequence number >= 0");
		return FALSE;
	}
	*bot_ids = g_steal_pointer(&bots_set);
	*types = g_steal_pointer(&types_set);
	return TRUE;
}

/* {"subscribe": {"bots": [...], "types": [...], "after": SEQ}} */
static gboolean
cw_api_stream_subscribe(CwApiStreamClient *c, const char *data, gsize len, char **detail)
{
	gint64 head = cw_store_events_last_seq(c->stream->store, NULL);
	g_autoptr(JsonBuilder) b = json_builder_new();
	GHashTable *bot_ids = NULL, *types = NULL;
	gint64 after = -1;

	if (!cw_api_stream_parse_subscribe(c->stream->store, data, len, &bot_ids, &types, &after,
					   detail))
		return FALSE;
	g_clear_pointer(&c->bot_ids, g_hash_table_unref);
	g_clear_pointer(&c->types, g_hash_table_unref);
	c->bot_ids = bot_ids;
	c->types = types;
	c->cursor = after >= 0 ? after : MAX(head, 0);
	c->subscribed = TRUE;
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "subscribed");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "after");
	json_builder_add_int_value(b, c->cursor);
	json_builder_set_member_name(b, "head");
	json_builder_add_int_value(b, MAX(head, 0));
	json_builder_end_object(b);
	json_builder_end_object(b);
	cw_api_stream_send_json(c, b);
	return TRUE;
}

static void
cw_api_stream_message_cb(SoupWebsocketConnection *conn, gint type, GBytes *message,
			 gpointer user_data)
{
	CwApiStreamClient *c = user_data;
	g_autofree char *detail = NULL;
	gsize len = 0;
	const char *data = g_bytes_get_data(message, &len);

	c->last_heard_us = g_get_monotonic_time();
	if (type != SOUP_WEBSOCKET_DATA_TEXT) {
		cw_api_stream_close(c, CW_API_STREAM_CLOSE_BAD_MSG, "expected a JSON text message");
		return;
	}
	if (!cw_api_stream_subscribe(c, data, len, &detail)) {
		/* the reason of a close frame is at most 123 bytes */
		if (strlen(detail) > 120)
			detail[g_utf8_find_prev_char(detail, detail + 120) - detail] = '\0';
		cw_api_stream_close(c, CW_API_STREAM_CLOSE_BAD_MSG, detail);
	}
}

static void
cw_api_stream_heard_cb(SoupWebsocketConnection *conn, GBytes *message, gpointer user_data)
{
	((CwApiStreamClient *) user_data)->last_heard_us = g_get_monotonic_time();
}

static void
cw_api_stream_closed_cb(SoupWebsocketConnection *conn, gpointer user_data)
{
	((CwApiStreamClient *) user_data)->dead = TRUE;
}

static const char *
cw_api_stream_bot_name(CwApiStream *self, gint64 bot_id)
{
	g_auto(CwStoreBot) bot = {0};
	const char *name;

	if (bot_id <= 0)
		return NULL;
	name = g_hash_table_lookup(self->names, &bot_id);
	if (name != NULL)
		return name;
	if (!cw_store_bot_get_by_id(self->store, bot_id, &bot, NULL) || bot.name == NULL)
		return NULL;
	g_hash_table_insert(self->names, g_memdup2(&bot_id, sizeof(bot_id)), g_strdup(bot.name));
	return g_hash_table_lookup(self->names, &bot_id);
}

static gboolean
cw_api_stream_wants(CwApiStreamClient *c, const CwStoreEvent *e)
{
	char id[32];

	if (c->types != NULL && !g_hash_table_contains(c->types, e->type))
		return FALSE;
	if (c->bot_ids == NULL)
		return TRUE;
	g_snprintf(id, sizeof(id), "%" G_GINT64_FORMAT, e->bot_id);
	return g_hash_table_contains(c->bot_ids, id);
}

/* Sends what the client is owed while its socket takes it, until the
 * tick's deadline (monotonic us). */
static void
cw_api_stream_pump_client(CwApiStream *self, CwApiStreamClient *c, gint64 head, gint64 deadline)
{
	guint sent = 0;

	if (cw_api_stream_unsent(c) <= CW_API_STREAM_SOCKET_BYTES)
		c->blocked_ticks = 0;
	else if (head - c->cursor > (gint64) self->max_queue &&
		 ++c->blocked_ticks >= CW_API_STREAM_SLOW_TICKS) {
		self->n_slow_closes++;
		cw_log(G_LOG_LEVEL_MESSAGE, NULL, NULL,
		       "event stream of token '%s' closed: %" G_GINT64_FORMAT
		       " events behind (limit %u), slow consumer",
		       c->token_name, head - c->cursor, self->max_queue);
		cw_api_stream_close(c, CW_API_STREAM_CLOSE_SLOW, "slow consumer");
		return;
	}
	while (c->cursor < head && sent < CW_API_STREAM_TICK_EVENTS &&
	       g_get_monotonic_time() < deadline) {
		g_autoptr(GPtrArray) events = NULL;

		if (cw_api_stream_unsent(c) > CW_API_STREAM_SOCKET_BYTES)
			break;
		events = cw_store_events_query(self->store, -1, NULL, c->cursor,
					       CW_API_STREAM_BATCH, NULL);
		if (events == NULL || events->len == 0)
			break;
		for (guint i = 0; i < events->len; i++) {
			const CwStoreEvent *e = g_ptr_array_index(events, i);
			g_autoptr(JsonBuilder) b = NULL;

			c->cursor = e->seq;
			if (!cw_api_stream_wants(c, e))
				continue;
			b = json_builder_new();
			cw_api_stream_event_to_json(b, e, cw_api_stream_bot_name(self, e->bot_id));
			cw_api_stream_send_json(c, b);
			sent++;
		}
	}
}

static gboolean
cw_api_stream_tick_cb(gpointer user_data)
{
	CwApiStream *self = user_data;
	gint64 head = -1;
	gint64 now = g_get_monotonic_time();

	for (guint i = self->clients->len; i > 0; i--) {
		CwApiStreamClient *c = g_ptr_array_index(self->clients, i - 1);

		if (c->dead)
			g_ptr_array_remove_index(self->clients, i - 1);
	}
	if (self->clients->len == 0) {
		self->tick_id = 0;
		return G_SOURCE_REMOVE;
	}
	/* round robin from where the last tick stopped */
	for (guint k = 0; k < self->clients->len; k++) {
		guint i = (self->next_client + k) % self->clients->len;
		CwApiStreamClient *c = g_ptr_array_index(self->clients, i);

		if (g_get_monotonic_time() >= now + CW_API_STREAM_TICK_BUDGET_US) {
			self->next_client = i;
			break;
		}
		if (c->closing)
			continue;
		if (now - c->last_heard_us > (gint64) (3 * self->ping_s * G_USEC_PER_SEC)) {
			cw_api_stream_close(c, CW_API_STREAM_CLOSE_SILENT, "silent peer");
			continue;
		}
		if (!c->subscribed)
			continue;
		if (head < 0)
			head = cw_store_events_last_seq(self->store, NULL);
		cw_api_stream_pump_client(self, c, head, now + CW_API_STREAM_TICK_BUDGET_US);
		self->next_client = (i + 1) % self->clients->len;
	}
	return G_SOURCE_CONTINUE;
}

static void
cw_api_stream_ws_cb(SoupServer *server, SoupServerMessage *msg, const char *path,
		    SoupWebsocketConnection *conn, gpointer user_data)
{
	CwApiStream *self = user_data;
	GUri *uri = soup_server_message_get_uri(msg);
	g_autoptr(GHashTable) query = NULL;
	g_autofree char *token = NULL;
	const char *name = NULL;
	CwApiStreamClient *c;

	if (g_uri_get_query(uri) != NULL)
		query = g_uri_parse_params(g_uri_get_query(uri), -1, "&", G_URI_PARAMS_NONE, NULL);
	token = cw_api_stream_request_token(msg, query);
	if (cw_api_tokens_check(self->tokens, token, &name) == CW_API_ROLE_NONE) {
		soup_websocket_connection_close(conn, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
						"a valid token is required");
		return;
	}
	c = g_new0(CwApiStreamClient, 1);
	c->stream = self;
	c->conn = g_object_ref(conn);
	if (soup_server_message_get_socket(msg) != NULL)
		c->socket = g_object_ref(soup_server_message_get_socket(msg));
	c->token_name = g_strdup(name);
	c->last_heard_us = g_get_monotonic_time();
	soup_websocket_connection_set_max_incoming_payload_size(conn, CW_API_STREAM_MAX_MESSAGE);
	soup_websocket_connection_set_keepalive_interval(conn, (guint) self->ping_s);
	g_signal_connect(conn, "message", G_CALLBACK(cw_api_stream_message_cb), c);
	g_signal_connect(conn, "pong", G_CALLBACK(cw_api_stream_heard_cb), c);
	g_signal_connect(conn, "closed", G_CALLBACK(cw_api_stream_closed_cb), c);
	g_ptr_array_add(self->clients, c);
	if (self->tick_id == 0)
		self->tick_id = g_timeout_add(CW_API_STREAM_TICK_MS, cw_api_stream_tick_cb, self);
}

void
cw_api_stream_attach(CwApiStream *self, SoupServer *server, const char *path)
{
	static const char *const protocols[] = {"cw.v1", NULL};

	soup_server_add_websocket_handler(server, path, NULL, (char **) protocols,
					  cw_api_stream_ws_cb, self, NULL);
}
