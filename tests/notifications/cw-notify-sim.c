#include "cw-notify-sim.h"

#include <json-glib/json-glib.h>
#include <string.h>

struct _CwNotifySim {
	SoupServer *server;
	CwClock *clock;
	char *token;
	GBytes *secret;
	GPtrArray *requests;
	guint fail_count;
	guint fail_status;
	double retry_after_s;
	char *fail_description;
	gint64 down_until_ms;
	gboolean hang;
	guint delay_ms;
	gint64 migrate_from;
	gint64 migrate_to;
	GPtrArray *held;    /* paused messages */
	GPtrArray *updates; /* JSON text of queued updates */
	gint64 next_update_id;
};

static void
cw_sim_request_free(CwSimRequest *r)
{
	g_free(r->path);
	g_free(r->key);
	g_free(r->text);
	g_free(r);
}

static gboolean
cw_notify_sim_check_signature(CwNotifySim *self, SoupServerMessage *msg, const char *body)
{
	SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
	const char *id = soup_message_headers_get_one(h, "webhook-id");
	const char *ts = soup_message_headers_get_one(h, "webhook-timestamp");
	const char *sig = soup_message_headers_get_one(h, "webhook-signature");
	g_autoptr(GHmac) hmac = NULL;
	g_autofree char *expected = NULL;
	g_autofree char *b64 = NULL;
	guint8 digest[32];
	gsize len = sizeof digest;
	gsize key_len = 0;
	const guint8 *key;

	if (self->secret == NULL || id == NULL || ts == NULL || sig == NULL)
		return FALSE;
	key = g_bytes_get_data(self->secret, &key_len);
	hmac = g_hmac_new(G_CHECKSUM_SHA256, key, key_len);
	g_hmac_update(hmac, (const guchar *) id, -1);
	g_hmac_update(hmac, (const guchar *) ".", 1);
	g_hmac_update(hmac, (const guchar *) ts, -1);
	g_hmac_update(hmac, (const guchar *) ".", 1);
	g_hmac_update(hmac, (const guchar *) body, -1);
	g_hmac_get_digest(hmac, digest, &len);
	b64 = g_base64_encode(digest, len);
	expected = g_strdup_printf("v1,%s", b64);
	return g_str_equal(expected, sig);
}

static void
cw_notify_sim_answer_json(SoupServerMessage *msg, guint status, const char *json)
{
	soup_server_message_set_status(msg, status, NULL);
	soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, json,
					 strlen(json));
}

static void
cw_notify_sim_telegram(CwNotifySim *self, SoupServerMessage *msg, CwSimRequest *r,
		       const char *method, const char *body)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *obj = NULL;

	if (json_parser_load_from_data(parser, body, -1, NULL) &&
	    JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
		obj = json_node_get_object(json_parser_get_root(parser));
	if (g_str_equal(method, "getUpdates")) {
		g_autoptr(GString) out = g_string_new("{\"ok\":true,\"result\":[");
		for (guint i = 0; i < self->updates->len; i++)
			g_string_append_printf(out, "%s%s", i > 0 ? "," : "",
					       (char *) g_ptr_array_index(self->updates, i));
		g_string_append(out, "]}");
		g_ptr_array_set_size(self->updates, 0);
		r->status = 200;
		cw_notify_sim_answer_json(msg, 200, out->str);
		return;
	}
	if (g_str_equal(method, "answerCallbackQuery")) {
		r->status = 200;
		cw_notify_sim_answer_json(msg, 200, "{\"ok\":true,\"result\":true}");
		return;
	}
	if (!g_str_equal(method, "sendMessage") || obj == NULL ||
	    !json_object_has_member(obj, "chat_id") || !json_object_has_member(obj, "text")) {
		r->status = 400;
		cw_notify_sim_answer_json(msg, 400,
					  "{\"ok\":false,\"error_code\":400,\"description\":"
					  "\"Bad Request: message text is empty\"}");
		return;
	}
	r->chat_id = json_object_get_int_member(obj, "chat_id");
	g_free(r->text);
	r->text = g_strdup(json_object_get_string_member(obj, "text"));
	r->disable_notification =
	    json_object_get_boolean_member_with_default(obj, "disable_notification", FALSE);
	if (g_utf8_strlen(r->text, -1) > 4096) {
		r->status = 400;
		cw_notify_sim_answer_json(msg, 400,
					  "{\"ok\":false,\"error_code\":400,\"description\":"
					  "\"Bad Request: message is too long\"}");
		return;
	}
	if (self->migrate_to != 0 && r->chat_id == self->migrate_from) {
		g_autofree char *json = g_strdup_printf(
		    "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: group chat "
		    "was upgraded to a supergroup "
		    "chat\",\"parameters\":{\"migrate_to_chat_id\":%" G_GINT64_FORMAT "}}",
		    self->migrate_to);
		r->status = 400;
		cw_notify_sim_answer_json(msg, 400, json);
		return;
	}
	if (self->fail_count > 0) {
		g_autofree char *json = NULL;
		self->fail_count--;
		r->status = self->fail_status;
		json = g_strdup_printf("{\"ok\":false,\"error_code\":%u,\"description\":\"%s\","
				       "\"parameters\":{\"retry_after\":%g}}",
				       self->fail_status,
				       self->fail_description != NULL ? self->fail_description
								      : "error",
				       self->retry_after_s);
		cw_notify_sim_answer_json(msg, self->fail_status, json);
		return;
	}
	r->status = 200;
	cw_notify_sim_answer_json(msg, 200,
				  "{\"ok\":true,\"result\":{\"message_id\":1,\"chat\":{\"id\":1},"
				  "\"date\":0,\"text\":\"x\"}}");
}

static gboolean
cw_notify_sim_release(gpointer data)
{
	SoupServerMessage *msg = data;

	soup_server_message_unpause(msg);
	g_object_unref(msg);
	return G_SOURCE_REMOVE;
}

static void cw_notify_sim_answer(CwNotifySim *self, SoupServerMessage *msg, CwSimRequest *r,
				 const char *path, const char *body);

static void
cw_notify_sim_handler(SoupServer *server, SoupServerMessage *msg, const char *path,
		      GHashTable *query, gpointer user_data)
{
	CwNotifySim *self = user_data;
	CwSimRequest *r = g_new0(CwSimRequest, 1);
	SoupMessageBody *req = soup_server_message_get_request_body(msg);
	g_autoptr(GBytes) bytes = soup_message_body_flatten(req);
	g_autofree char *body = g_strndup(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));

	r->at_ms = cw_clock_now_ms(self->clock);
	r->path = g_strdup(path);
	r->key = g_strdup(soup_message_headers_get_one(soup_server_message_get_request_headers(msg),
						       "webhook-id"));
	r->text = g_strdup(body);
	g_ptr_array_add(self->requests, r);
	if (self->hang) {
		soup_server_message_pause(msg);
		g_ptr_array_add(self->held, g_object_ref(msg));
		return;
	}
	cw_notify_sim_answer(self, msg, r, path, body);
	if (self->delay_ms > 0) {
		soup_server_message_pause(msg);
		g_timeout_add(self->delay_ms, cw_notify_sim_release, g_object_ref(msg));
	}
}

static void
cw_notify_sim_answer(CwNotifySim *self, SoupServerMessage *msg, CwSimRequest *r, const char *path,
		     const char *body)
{
	g_autofree char *prefix = g_strdup_printf("/bot%s/", self->token);

	if (g_str_has_prefix(path, "/bot")) {
		if (!g_str_has_prefix(path, prefix)) {
			r->status = 401;
			cw_notify_sim_answer_json(
			    msg, 401,
			    "{\"ok\":false,\"error_code\":401,\"description\":\"Unauthorized\"}");
			return;
		}
		cw_notify_sim_telegram(self, msg, r, path + strlen(prefix), body);
		return;
	}
	r->signature_ok = cw_notify_sim_check_signature(self, msg, body);
	if (!r->signature_ok) {
		r->status = 401;
		soup_server_message_set_status(msg, 401, NULL);
		return;
	}
	if (r->at_ms < self->down_until_ms) {
		r->status = 503;
		soup_server_message_set_status(msg, 503, NULL);
		return;
	}
	if (self->fail_count > 0) {
		self->fail_count--;
		r->status = self->fail_status;
		soup_server_message_set_status(msg, self->fail_status, NULL);
		if (self->fail_status == 429) {
			g_autofree char *v = g_strdup_printf("%.0f", self->retry_after_s);
			soup_message_headers_replace(soup_server_message_get_response_headers(msg),
						     "Retry-After", v);
		}
		return;
	}
	r->status = 200;
	soup_server_message_set_status(msg, 200, NULL);
}

CwNotifySim *
cw_notify_sim_new(CwClock *clock, const char *token, const guint8 *secret, gsize secret_len)
{
	CwNotifySim *self = g_new0(CwNotifySim, 1);
	g_autoptr(GError) error = NULL;

	self->clock = g_object_ref(clock);
	self->token = g_strdup(token);
	self->secret = secret != NULL ? g_bytes_new(secret, secret_len) : NULL;
	self->requests = g_ptr_array_new_with_free_func((GDestroyNotify) cw_sim_request_free);
	self->held = g_ptr_array_new_with_free_func(g_object_unref);
	self->updates = g_ptr_array_new_with_free_func(g_free);
	self->server = soup_server_new(NULL, NULL);
	soup_server_add_handler(self->server, NULL, cw_notify_sim_handler, self, NULL);
	soup_server_listen_local(self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
	g_assert_no_error(error);
	return self;
}

void
cw_notify_sim_free(CwNotifySim *self)
{
	if (self == NULL)
		return;
	soup_server_disconnect(self->server);
	g_ptr_array_unref(self->held);
	g_object_unref(self->server);
	g_object_unref(self->clock);
	g_ptr_array_unref(self->requests);
	g_ptr_array_unref(self->updates);
	g_clear_pointer(&self->secret, g_bytes_unref);
	g_free(self->fail_description);
	g_free(self->token);
	g_free(self);
}

char *
cw_notify_sim_url(CwNotifySim *self)
{
	GSList *uris = soup_server_get_uris(self->server);
	char *text = g_uri_to_string(uris->data);

	g_slist_free_full(uris, (GDestroyNotify) g_uri_unref);
	if (g_str_has_suffix(text, "/"))
		text[strlen(text) - 1] = '\0';
	return text;
}

void
cw_notify_sim_fail(CwNotifySim *self, guint count, guint status, double retry_after_s,
		   const char *description)
{
	self->fail_count = count;
	self->fail_status = status;
	self->retry_after_s = retry_after_s;
	g_free(self->fail_description);
	self->fail_description = g_strdup(description);
}

void
cw_notify_sim_set_down_until(CwNotifySim *self, gint64 until_ms)
{
	self->down_until_ms = until_ms;
}

void
cw_notify_sim_set_migration(CwNotifySim *self, gint64 from, gint64 to)
{
	self->migrate_from = from;
	self->migrate_to = to;
}

void
cw_notify_sim_set_delay(CwNotifySim *self, guint delay_ms)
{
	self->delay_ms = delay_ms;
}

void
cw_notify_sim_set_hang(CwNotifySim *self, gboolean hang)
{
	self->hang = hang;
}

GPtrArray *
cw_notify_sim_get_requests(CwNotifySim *self)
{
	return self->requests;
}

guint
cw_notify_sim_count_delivered(CwNotifySim *self, const char *key)
{
	guint n = 0;

	for (guint i = 0; i < self->requests->len; i++) {
		CwSimRequest *r = g_ptr_array_index(self->requests, i);
		n += r->status >= 200 && r->status < 300 && g_strcmp0(r->key, key) == 0;
	}
	return n;
}

void
cw_notify_sim_push_message(CwNotifySim *self, gint64 chat_id, const char *text)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_VALUE);
	g_autofree char *quoted = NULL;

	json_node_set_string(node, text);
	quoted = json_to_string(node, FALSE);
	g_ptr_array_add(
	    self->updates,
	    g_strdup_printf("{\"update_id\":%" G_GINT64_FORMAT
			    ",\"message\":{\"message_id\":1,\"chat\":{\"id\":%" G_GINT64_FORMAT
			    ",\"type\":\"private\"},\"date\":0,\"text\":%s}}",
			    ++self->next_update_id, chat_id, quoted));
}
