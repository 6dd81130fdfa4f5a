#include "cw-notifications.h"

#include <libsoup/soup.h>
#include <string.h>

struct _CwTelegramNotifier {
	GObject parent_instance;
	SoupSession *session;
	char *token;
	char *base_url;
	gint64 chat_id;
	gboolean html;
	CwNotifierLimits limits;
	/* commands (opt-in): getUpdates long-poll, answering allowed chats only */
	gboolean commands;
	GArray *allowed; /* gint64 chat ids */
	double poll_timeout_s;
	SoupSession *poll_session;
	gint64 offset;
	guint64 n_ignored;
};

static void cw_telegram_notifier_iface_init(CwNotifierInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwTelegramNotifier, cw_telegram_notifier, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_NOTIFIER,
						    cw_telegram_notifier_iface_init))

typedef struct {
	char **parts;
	guint index;
	gboolean silent;
	guint migrations;
} CwTelegramSend;

static void
cw_telegram_send_free(CwTelegramSend *send)
{
	g_strfreev(send->parts);
	g_free(send);
}

static void
cw_telegram_notifier_finalize(GObject *object)
{
	CwTelegramNotifier *self = CW_TELEGRAM_NOTIFIER(object);

	g_clear_object(&self->session);
	g_clear_object(&self->poll_session);
	g_array_unref(self->allowed);
	if (self->token != NULL)
		memset(self->token, 0, strlen(self->token));
	g_free(self->token);
	g_free(self->base_url);
	G_OBJECT_CLASS(cw_telegram_notifier_parent_class)->finalize(object);
}

static void
cw_telegram_notifier_class_init(CwTelegramNotifierClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_telegram_notifier_finalize;
}

static void
cw_telegram_notifier_init(CwTelegramNotifier *self)
{
	self->base_url = g_strdup("https://api.telegram.org");
	self->allowed = g_array_new(FALSE, FALSE, sizeof(gint64));
	self->poll_timeout_s = 25;
	self->limits = (CwNotifierLimits){.min_interval_ms = 1000, .coalesce_max = 10};
}

gint64
cw_telegram_notifier_get_chat_id(CwTelegramNotifier *self)
{
	return self->chat_id;
}

/** cw_telegram_notifier_redacted_url: Returns: (transfer full): a URL safe to log. */
char *
cw_telegram_notifier_redacted_url(CwTelegramNotifier *self, const char *method)
{
	return g_strdup_printf("%s/bot<redacted>/%s", self->base_url, method);
}

/* Replaces the token wherever it occurs in text (a libsoup message may
 * quote the URL). */
static char *
cw_telegram_notifier_redact(CwTelegramNotifier *self, const char *text)
{
	g_auto(GStrv) pieces = NULL;

	if (self->token == NULL || self->token[0] == '\0' || strstr(text, self->token) == NULL)
		return g_strdup(text);
	pieces = g_strsplit(text, self->token, -1);
	return g_strjoinv("<redacted>", pieces);
}

static gboolean
cw_telegram_notifier_read_chat_id(CwTelegramNotifier *self, JsonObject *obj, GError **error)
{
	JsonNode *node = json_object_get_member(obj, "chat_id");
	const char *text;
	char *end = NULL;

	if (node == NULL)
		return cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, "", "chat_id",
					  "required (the chat's numeric id)");
	if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_INT64) {
		self->chat_id = json_node_get_int(node);
		return TRUE;
	}
	text = JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING
		   ? json_node_get_string(node)
		   : NULL;
	if (text != NULL && text[0] != '\0') {
		self->chat_id = g_ascii_strtoll(text, &end, 10);
		if (end != NULL && *end == '\0' && self->chat_id != 0)
			return TRUE;
	}
	return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, "", "chat_id",
				  "expected an integer chat id, got %s",
				  cw_config_node_describe(node));
}

static gboolean
cw_telegram_notifier_read_allowed(CwTelegramNotifier *self, JsonObject *obj, GError **error)
{
	JsonArray *ids = NULL;

	g_array_set_size(self->allowed, 0);
	if (!cw_config_read_array(obj, "", "allowed_chat_ids", 0, 1000, &ids, error))
		return FALSE;
	if (ids == NULL) {
		g_array_append_val(self->allowed, self->chat_id);
		return TRUE;
	}
	for (guint i = 0; i < json_array_get_length(ids); i++) {
		JsonNode *node = json_array_get_element(ids, i);
		gint64 id;
		if (!JSON_NODE_HOLDS_VALUE(node) ||
		    json_node_get_value_type(node) != G_TYPE_INT64) {
			g_autofree char *key = g_strdup_printf("allowed_chat_ids[%u]", i);
			return cw_config_error_at(error, CW_CONFIG_ERROR_TYPE, "", key,
						  "expected an integer chat id, got %s",
						  cw_config_node_describe(node));
		}
		id = json_node_get_int(node);
		g_array_append_val(self->allowed, id);
	}
	return TRUE;
}

static gboolean
cw_telegram_notifier_configure(CwNotifier *notifier, const char *section_json, GError **error)
{
	static const char *const known[] = {"chat_id",
					    "token_env",
					    "token_file",
					    "parse_mode",
					    "base_url",
					    "timeout_s",
					    "min_interval_s",
					    "max_per_minute",
					    "coalesce_max",
					    "commands",
					    "allowed_chat_ids",
					    "poll_timeout_s",
					    NULL};
	static const char *const modes[] = {"MarkdownV2", "HTML", NULL};
	CwTelegramNotifier *self = CW_TELEGRAM_NOTIFIER(notifier);
	g_autoptr(JsonObject) obj = cw_notifications_parse_section(section_json, error);
	const char *base_url = NULL;
	double timeout_s = 30;
	double interval_s;
	guint mode = 0;

	if (obj == NULL || !cw_config_check_keys(obj, "", known, error) ||
	    !cw_telegram_notifier_read_chat_id(self, obj, error))
		return FALSE;
	/* Telegram: about 1 message a second per chat, 20 a minute in a group */
	self->limits.max_per_minute = self->chat_id < 0 ? 20 : 0;
	interval_s = self->limits.min_interval_ms / 1000.0;
	if (!cw_config_read_choice(obj, "", "parse_mode", modes, 0, &mode, error) ||
	    !cw_config_read_string(obj, "", "base_url", "https://api.telegram.org", &base_url,
				   error) ||
	    !cw_config_read_double(obj, "", "timeout_s", timeout_s, 0.1, 600, &timeout_s, error) ||
	    !cw_config_read_double(obj, "", "min_interval_s", interval_s, 0, 3600, &interval_s,
				   error) ||
	    !cw_config_read_uint(obj, "", "max_per_minute", self->limits.max_per_minute, 0, 10000,
				 &self->limits.max_per_minute, error) ||
	    !cw_config_read_uint(obj, "", "coalesce_max", self->limits.coalesce_max, 1, 100,
				 &self->limits.coalesce_max, error))
		return FALSE;
	if (!cw_config_read_bool(obj, "", "commands", FALSE, &self->commands, error) ||
	    !cw_config_read_double(obj, "", "poll_timeout_s", self->poll_timeout_s, 0, 50,
				   &self->poll_timeout_s, error) ||
	    !cw_telegram_notifier_read_allowed(self, obj, error))
		return FALSE;
	if (!g_str_has_prefix(base_url, "https://") && !g_str_has_prefix(base_url, "http://"))
		return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, "", "base_url",
					  "expected an http:// or https:// URL");
	self->html = mode == 1;
	self->limits.min_interval_ms = (guint) (interval_s * 1000);
	g_free(self->base_url);
	self->base_url = g_strdup(base_url);
	while (g_str_has_suffix(self->base_url, "/"))
		self->base_url[strlen(self->base_url) - 1] = '\0';
	g_free(self->token);
	self->token = cw_notifications_read_secret(obj, "token_env", "token_file", error);
	if (self->token == NULL)
		return FALSE;
	if (strpbrk(self->token, "/?# \t\r\n") != NULL) {
		g_clear_pointer(&self->token, g_free);
		return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, "", "token_env",
					  "the token contains characters a token has not");
	}
	g_clear_object(&self->session);
	self->session = soup_session_new_with_options("timeout", (guint) (timeout_s + 0.999),
						      "idle-timeout", 60, NULL);
	g_clear_object(&self->poll_session);
	/* a long poll holds its request open for poll_timeout_s */
	self->poll_session = soup_session_new_with_options(
	    "timeout", (guint) (self->poll_timeout_s + timeout_s + 0.999), NULL);
	return TRUE;
}

static void
cw_telegram_notifier_get_limits(CwNotifier *notifier, CwNotifierLimits *limits)
{
	*limits = CW_TELEGRAM_NOTIFIER(notifier)->limits;
}

/** cw_telegram_notifier_format: Returns: (transfer full): the message text. */
char *
cw_telegram_notifier_format(CwTelegramNotifier *self, const CwNotification *message)
{
	g_autofree char *title = NULL;
	g_autofree char *body = NULL;

	if (self->html) {
		title = cw_notify_text_escape_html(message->title);
		body = cw_notify_text_escape_html(message->body);
		return g_strdup_printf("<b>%s</b>%s%s", title, body[0] != '\0' ? "\n" : "", body);
	}
	title = cw_notify_text_escape_markdown_v2(message->title);
	body = cw_notify_text_escape_markdown_v2(message->body);
	return g_strdup_printf("*%s*%s%s", title, body[0] != '\0' ? "\n" : "", body);
}

static void cw_telegram_notifier_send_part(GTask *task);

static void
cw_telegram_notifier_fail(GTask *task, CwNotifyOutcome outcome, double retry_after_s,
			  const char *message)
{
	CwNotifyResult *result = g_new0(CwNotifyResult, 1);

	result->outcome = outcome;
	result->retry_after_s = retry_after_s;
	g_object_set_data_full(G_OBJECT(task), "cw-result", result, g_free);
	g_task_return_new_error(task, CW_NOTIFICATIONS_ERROR, CW_NOTIFICATIONS_ERROR_HTTP, "%s",
				message);
}

static CwNotifyOutcome
cw_telegram_notifier_classify(const CwTelegramResponse *r, guint status)
{
	int code = r->error_code != 0 ? r->error_code : (int) status;

	if (code == 429)
		return CW_NOTIFY_RATE_LIMITED;
	if (code >= 500 || code == 0)
		return CW_NOTIFY_TRANSIENT;
	/* 401 bad token, 403 blocked or kicked, 400 chat not found or a bad
	 * request: sending the same again cannot succeed */
	return CW_NOTIFY_PERMANENT;
}

static void
cw_telegram_notifier_answered(CwTelegramNotifier *self, GTask *task, GBytes *body, guint status)
{
	CwTelegramSend *send = g_task_get_task_data(task);
	CwTelegramResponse r;
	g_autoptr(GError) error = NULL;
	g_autofree char *url = cw_telegram_notifier_redacted_url(self, "sendMessage");
	g_autofree char *text = NULL;
	gsize len = 0;
	const char *data = body != NULL ? g_bytes_get_data(body, &len) : NULL;

	if (!cw_telegram_response_parse(data, (gssize) len, &r, &error)) {
		cw_telegram_response_clear(&r);
		text = g_strdup_printf("POST %s: HTTP %u: %s", url, status, error->message);
		cw_telegram_notifier_fail(task,
					  status == 429                   ? CW_NOTIFY_RATE_LIMITED
					  : status >= 400 && status < 500 ? CW_NOTIFY_PERMANENT
									  : CW_NOTIFY_TRANSIENT,
					  0, text);
		return;
	}
	if (r.ok) {
		cw_telegram_response_clear(&r);
		send->index++;
		if (send->parts[send->index] == NULL)
			g_task_return_boolean(task, TRUE);
		else
			cw_telegram_notifier_send_part(task);
		return;
	}
	if (r.has_migrate && send->migrations < 3) {
		g_message("telegram: chat %" G_GINT64_FORMAT " became %" G_GINT64_FORMAT
			  " (a supergroup); sending there from now on",
			  self->chat_id, r.migrate_to_chat_id);
		self->chat_id = r.migrate_to_chat_id;
		send->migrations++;
		cw_telegram_response_clear(&r);
		cw_telegram_notifier_send_part(task);
		return;
	}
	text = g_strdup_printf("POST %s: error %d: %s", url,
			       r.error_code != 0 ? r.error_code : (int) status,
			       r.description != NULL ? r.description : "(no description)");
	{
		g_autofree char *safe = cw_telegram_notifier_redact(self, text);
		cw_telegram_notifier_fail(task, cw_telegram_notifier_classify(&r, status),
					  r.retry_after_s, safe);
	}
	cw_telegram_response_clear(&r);
}

static void
cw_telegram_notifier_sent(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	CwTelegramNotifier *self = g_task_get_source_object(task);
	SoupMessage *msg = g_object_get_data(G_OBJECT(task), "cw-msg");
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) body =
	    soup_session_send_and_read_finish(SOUP_SESSION(source), res, &error);

	if (body == NULL) {
		g_autofree char *url = cw_telegram_notifier_redacted_url(self, "sendMessage");
		g_autofree char *text = g_strdup_printf("POST %s: %s", url, error->message);
		g_autofree char *safe = cw_telegram_notifier_redact(self, text);
		cw_telegram_notifier_fail(task, CW_NOTIFY_TRANSIENT, 0, safe);
		return;
	}
	cw_telegram_notifier_answered(self, task, body, soup_message_get_status(msg));
}

static void
cw_telegram_notifier_send_part(GTask *task)
{
	CwTelegramNotifier *self = g_task_get_source_object(task);
	CwTelegramSend *send = g_task_get_task_data(task);
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(SoupMessage) msg = NULL;
	g_autoptr(GBytes) bytes = NULL;
	g_autofree char *url = g_strdup_printf("%s/bot%s/sendMessage", self->base_url, self->token);
	char *json;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "chat_id");
	json_builder_add_int_value(b, self->chat_id);
	json_builder_set_member_name(b, "text");
	json_builder_add_string_value(b, send->parts[send->index]);
	json_builder_set_member_name(b, "parse_mode");
	json_builder_add_string_value(b, self->html ? "HTML" : "MarkdownV2");
	json_builder_set_member_name(b, "disable_notification");
	json_builder_add_boolean_value(b, send->silent);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json = cw_json_to_string(root, FALSE);
	bytes = g_bytes_new_take(json, strlen(json));

	msg = soup_message_new("POST", url);
	if (msg == NULL) {
		g_autofree char *safe = cw_telegram_notifier_redacted_url(self, "sendMessage");
		g_autofree char *text = g_strdup_printf("POST %s: not a valid URL", safe);
		cw_telegram_notifier_fail(task, CW_NOTIFY_PERMANENT, 0, text);
		return;
	}
	soup_message_set_request_body_from_bytes(msg, "application/json", bytes);
	g_object_set_data_full(G_OBJECT(task), "cw-msg", g_object_ref(msg), g_object_unref);
	soup_session_send_and_read_async(self->session, msg, G_PRIORITY_DEFAULT,
					 g_task_get_cancellable(task), cw_telegram_notifier_sent,
					 g_object_ref(task));
}

static void
cw_telegram_notifier_send_async(CwNotifier *notifier, const CwNotification *message,
				GCancellable *cancellable, GAsyncReadyCallback callback,
				gpointer user_data)
{
	CwTelegramNotifier *self = CW_TELEGRAM_NOTIFIER(notifier);
	g_autoptr(GTask) task = g_task_new(self, cancellable, callback, user_data);
	CwTelegramSend *send = g_new0(CwTelegramSend, 1);
	g_autofree char *text = NULL;

	g_task_set_source_tag(task, cw_telegram_notifier_send_async);
	g_task_set_task_data(task, send, (GDestroyNotify) cw_telegram_send_free);
	if (self->session == NULL || self->token == NULL) {
		cw_telegram_notifier_fail(task, CW_NOTIFY_PERMANENT, 0,
					  "telegram: the notifier is not configured");
		return;
	}
	text = cw_telegram_notifier_format(self, message);
	send->parts = cw_notify_text_split(text, CW_TELEGRAM_MAX_TEXT);
	send->silent = message->silent;
	cw_telegram_notifier_send_part(task);
}

static gboolean
cw_telegram_notifier_send_finish(CwNotifier *notifier, GAsyncResult *res, CwNotifyResult *result,
				 GError **error)
{
	CwNotifyResult *r = g_object_get_data(G_OBJECT(res), "cw-result");

	result->outcome = CW_NOTIFY_OK;
	result->retry_after_s = 0;
	if (g_task_propagate_boolean(G_TASK(res), error))
		return TRUE;
	if (r != NULL)
		*result = *r;
	else
		result->outcome = CW_NOTIFY_TRANSIENT;
	return FALSE;
}

static gboolean
cw_telegram_notifier_takes_commands(CwNotifier *notifier)
{
	return CW_TELEGRAM_NOTIFIER(notifier)->commands;
}

static guint64
cw_telegram_notifier_get_n_ignored(CwNotifier *notifier)
{
	return CW_TELEGRAM_NOTIFIER(notifier)->n_ignored;
}

static char *
cw_telegram_notifier_to_json(JsonBuilder *b)
{
	g_autoptr(JsonNode) root = json_builder_get_root(b);

	return cw_json_to_string(root, FALSE);
}

static SoupMessage *
cw_telegram_notifier_post(CwTelegramNotifier *self, const char *method, char *json /* taken */)
{
	g_autofree char *url = g_strdup_printf("%s/bot%s/%s", self->base_url, self->token, method);
	SoupMessage *msg = soup_message_new("POST", url);
	gsize len = strlen(json);
	g_autoptr(GBytes) bytes = g_bytes_new_take(json, len);

	if (msg != NULL)
		soup_message_set_request_body_from_bytes(msg, "application/json", bytes);
	return msg;
}

static gboolean
cw_telegram_notifier_allowed(CwTelegramNotifier *self, gint64 chat_id)
{
	for (guint i = 0; i < self->allowed->len; i++)
		if (g_array_index(self->allowed, gint64, i) == chat_id)
			return TRUE;
	return FALSE;
}

static void
cw_telegram_notifier_polled(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	CwTelegramNotifier *self = g_task_get_source_object(task);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) body =
	    soup_session_send_and_read_finish(SOUP_SESSION(source), res, &error);
	g_autoptr(GPtrArray) updates = NULL;
	g_autoptr(GPtrArray) commands = NULL;
	gint64 max_id = self->offset - 1;
	gsize len = 0;
	const char *data;

	if (body == NULL) {
		g_autofree char *url = cw_telegram_notifier_redacted_url(self, "getUpdates");
		g_autofree char *text = g_strdup_printf("POST %s: %s", url, error->message);
		g_autofree char *safe = cw_telegram_notifier_redact(self, text);
		g_task_return_new_error(task, CW_NOTIFICATIONS_ERROR, CW_NOTIFICATIONS_ERROR_HTTP,
					"%s", safe);
		return;
	}
	data = g_bytes_get_data(body, &len);
	updates = cw_telegram_updates_parse(data, (gssize) len, &max_id, &error);
	if (updates == NULL) {
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	self->offset = max_id + 1;
	commands = g_ptr_array_new_with_free_func((GDestroyNotify) cw_notifier_command_free);
	for (guint i = 0; i < updates->len; i++) {
		CwTelegramUpdate *u = g_ptr_array_index(updates, i);
		CwNotifierCommand *c;
		if (!cw_telegram_notifier_allowed(self, u->chat_id)) {
			self->n_ignored++;
			continue;
		}
		if (u->text == NULL)
			continue;
		c = g_new0(CwNotifierCommand, 1);
		c->chat_id = u->chat_id;
		c->text = g_strdup(u->text);
		c->callback_id = g_strdup(u->callback_query_id);
		g_ptr_array_add(commands, c);
	}
	g_task_return_pointer(task, g_steal_pointer(&commands), (GDestroyNotify) g_ptr_array_unref);
}

static void
cw_telegram_notifier_poll_commands_async(CwNotifier *notifier, GCancellable *cancellable,
					 GAsyncReadyCallback callback, gpointer user_data)
{
	CwTelegramNotifier *self = CW_TELEGRAM_NOTIFIER(notifier);
	g_autoptr(GTask) task = g_task_new(self, cancellable, callback, user_data);
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(SoupMessage) msg = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "offset");
	json_builder_add_int_value(b, self->offset);
	json_builder_set_member_name(b, "timeout");
	json_builder_add_int_value(b, (gint64) self->poll_timeout_s);
	json_builder_set_member_name(b, "allowed_updates");
	json_builder_begin_array(b);
	json_builder_add_string_value(b, "message");
	json_builder_add_string_value(b, "callback_query");
	json_builder_end_array(b);
	json_builder_end_object(b);
	msg = cw_telegram_notifier_post(self, "getUpdates", cw_telegram_notifier_to_json(b));
	if (msg == NULL) {
		g_task_return_new_error(task, CW_NOTIFICATIONS_ERROR, CW_NOTIFICATIONS_ERROR_HTTP,
					"getUpdates: not a valid URL");
		return;
	}
	soup_session_send_and_read_async(self->poll_session, msg, G_PRIORITY_DEFAULT, cancellable,
					 cw_telegram_notifier_polled, g_object_ref(task));
}

static GPtrArray *
cw_telegram_notifier_poll_commands_finish(CwNotifier *notifier, GAsyncResult *res, GError **error)
{
	return g_task_propagate_pointer(G_TASK(res), error);
}

static void
cw_telegram_notifier_replied(GObject *source, GAsyncResult *res, gpointer user_data)
{
	/* a reply is best effort: its answer is read and dropped */
	GBytes *body = soup_session_send_and_read_finish(SOUP_SESSION(source), res, NULL);

	g_clear_pointer(&body, g_bytes_unref);
}

static void
cw_telegram_notifier_reply(CwNotifier *notifier, const CwNotifierCommand *command, const char *text,
			   const char *button_label, const char *button_data)
{
	CwTelegramNotifier *self = CW_TELEGRAM_NOTIFIER(notifier);
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(SoupMessage) msg = NULL;

	if (command->callback_id != NULL) {
		g_autoptr(JsonBuilder) a = json_builder_new();
		g_autoptr(SoupMessage) ack = NULL;
		json_builder_begin_object(a);
		json_builder_set_member_name(a, "callback_query_id");
		json_builder_add_string_value(a, command->callback_id);
		json_builder_end_object(a);
		ack = cw_telegram_notifier_post(self, "answerCallbackQuery",
						cw_telegram_notifier_to_json(a));
		if (ack != NULL)
			soup_session_send_and_read_async(self->session, ack, G_PRIORITY_DEFAULT,
							 NULL, cw_telegram_notifier_replied, NULL);
	}
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "chat_id");
	json_builder_add_int_value(b, command->chat_id);
	json_builder_set_member_name(b, "text");
	json_builder_add_string_value(b, text);
	if (button_label != NULL && button_data != NULL) {
		json_builder_set_member_name(b, "reply_markup");
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "inline_keyboard");
		json_builder_begin_array(b);
		json_builder_begin_array(b);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "text");
		json_builder_add_string_value(b, button_label);
		json_builder_set_member_name(b, "callback_data");
		json_builder_add_string_value(b, button_data);
		json_builder_end_object(b);
		json_builder_end_array(b);
		json_builder_end_array(b);
		json_builder_end_object(b);
	}
	json_builder_end_object(b);
	msg = cw_telegram_notifier_post(self, "sendMessage", cw_telegram_notifier_to_json(b));
	if (msg != NULL)
		soup_session_send_and_read_async(self->session, msg, G_PRIORITY_DEFAULT, NULL,
						 cw_telegram_notifier_replied, NULL);
}

static void
cw_telegram_notifier_iface_init(CwNotifierInterface *iface)
{
	iface->takes_commands = cw_telegram_notifier_takes_commands;
	iface->poll_commands_async = cw_telegram_notifier_poll_commands_async;
	iface->poll_commands_finish = cw_telegram_notifier_poll_commands_finish;
	iface->reply = cw_telegram_notifier_reply;
	iface->get_n_ignored = cw_telegram_notifier_get_n_ignored;
	iface->configure = cw_telegram_notifier_configure;
	iface->get_limits = cw_telegram_notifier_get_limits;
	iface->send_async = cw_telegram_notifier_send_async;
	iface->send_finish = cw_telegram_notifier_send_finish;
}
