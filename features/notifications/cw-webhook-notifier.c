#include "cw-notifications.h"

#include <libsoup/soup.h>
#include <string.h>

struct _CwWebhookNotifier {
	GObject parent_instance;
	SoupSession *session;
	char *url;
	char *safe_url;     /* for logs: a webhook URL's path is often its secret */
	GBytes *secret;     /* nullable: unsigned */
	GPtrArray *headers; /* name, value, name, value... */
	char *template_text;
	CwNotifierLimits limits;
};

static void cw_webhook_notifier_iface_init(CwNotifierInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwWebhookNotifier, cw_webhook_notifier, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_NOTIFIER,
						    cw_webhook_notifier_iface_init))

static void
cw_webhook_notifier_finalize(GObject *object)
{
	CwWebhookNotifier *self = CW_WEBHOOK_NOTIFIER(object);

	g_clear_object(&self->session);
	g_free(self->url);
	g_free(self->safe_url);
	g_clear_pointer(&self->secret, g_bytes_unref);
	g_ptr_array_unref(self->headers);
	g_free(self->template_text);
	G_OBJECT_CLASS(cw_webhook_notifier_parent_class)->finalize(object);
}

static void
cw_webhook_notifier_class_init(CwWebhookNotifierClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_webhook_notifier_finalize;
}

static void
cw_webhook_notifier_init(CwWebhookNotifier *self)
{
	self->headers = g_ptr_array_new_with_free_func(g_free);
	self->limits = (CwNotifierLimits){.coalesce_max = 1};
}

/** cw_webhook_secret_decode: Returns: (transfer full): the secret's bytes. */
GBytes *
cw_webhook_secret_decode(const char *text, GError **error)
{
	guchar *raw;
	gsize len = 0;

	if (!g_str_has_prefix(text, "whsec_"))
		return g_bytes_new(text, strlen(text));
	text += strlen("whsec_");
	for (const char *p = text; *p != '\0'; p++)
		if (!g_ascii_isalnum(*p) && *p != '+' && *p != '/' && *p != '=') {
			g_set_error_literal(error, CW_NOTIFICATIONS_ERROR,
					    CW_NOTIFICATIONS_ERROR_SECRET,
					    "the whsec_ secret is not base64");
			return NULL;
		}
	raw = g_base64_decode(text, &len);
	if (len < 1) {
		g_free(raw);
		g_set_error_literal(error, CW_NOTIFICATIONS_ERROR, CW_NOTIFICATIONS_ERROR_SECRET,
				    "the whsec_ secret is empty");
		return NULL;
	}
	return g_bytes_new_take(raw, len);
}

/** cw_webhook_sign: Returns: (transfer full): the webhook-signature value. */
char *
cw_webhook_sign(const guint8 *secret, gsize secret_len, const char *id, gint64 timestamp,
		const char *body)
{
	g_autoptr(GHmac) hmac = g_hmac_new(G_CHECKSUM_SHA256, secret, secret_len);
	g_autofree char *ts = g_strdup_printf("%" G_GINT64_FORMAT, timestamp);
	g_autofree char *b64 = NULL;
	guint8 digest[32];
	gsize len = sizeof digest;

	g_hmac_update(hmac, (const guchar *) id, -1);
	g_hmac_update(hmac, (const guchar *) ".", 1);
	g_hmac_update(hmac, (const guchar *) ts, -1);
	g_hmac_update(hmac, (const guchar *) ".", 1);
	g_hmac_update(hmac, (const guchar *) body, -1);
	g_hmac_get_digest(hmac, digest, &len);
	b64 = g_base64_encode(digest, len);
	return g_strdup_printf("v1,%s", b64);
}

static gboolean
cw_webhook_notifier_read_headers(CwWebhookNotifier *self, JsonObject *obj, GError **error)
{
	JsonObject *headers = NULL;
	g_autoptr(GList) names = NULL;

	if (!cw_config_read_object(obj, "", "headers", &headers, error))
		return FALSE;
	if (headers == NULL)
		return TRUE;
	names = json_object_get_members(headers);
	for (GList *l = names; l != NULL; l = l->next) {
		const char *value = NULL;
		if (!cw_config_read_string(headers, "headers", l->data, NULL, &value, error))
			return FALSE;
		if (strpbrk(l->data, ":\r\n ") != NULL || strpbrk(value, "\r\n") != NULL)
			return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, "headers",
						  l->data, "not a valid HTTP header");
		g_ptr_array_add(self->headers, g_strdup(l->data));
		g_ptr_array_add(self->headers, g_strdup(value));
	}
	return TRUE;
}

static gboolean
cw_webhook_notifier_read_secret(CwWebhookNotifier *self, JsonObject *obj, GError **error)
{
	g_autofree char *text = NULL;

	if (!json_object_has_member(obj, "secret_env") &&
	    !json_object_has_member(obj, "secret_file"))
		return TRUE;
	text = cw_notifications_read_secret(obj, "secret_env", "secret_file", error);
	if (text == NULL)
		return FALSE;
	self->secret = cw_webhook_secret_decode(text, error);
	memset(text, 0, strlen(text));
	return self->secret != NULL;
}

static gboolean
cw_webhook_notifier_configure(CwNotifier *notifier, const char *section_json, GError **error)
{
	static const char *const known[] = {
	    "url",      "secret_env",     "secret_file",    "headers", "timeout_s",
	    "template", "min_interval_s", "max_per_minute", NULL};
	CwWebhookNotifier *self = CW_WEBHOOK_NOTIFIER(notifier);
	g_autoptr(JsonObject) obj = cw_notifications_parse_section(section_json, error);
	g_autoptr(GUri) uri = NULL;
	const char *url = NULL;
	const char *template_text = NULL;
	double timeout_s = 10;
	double interval_s = 0;

	if (obj == NULL || !cw_config_check_keys(obj, "", known, error) ||
	    !cw_config_read_string(obj, "", "url", NULL, &url, error) ||
	    !cw_config_read_string(obj, "", "template", NULL, &template_text, error) ||
	    !cw_config_read_double(obj, "", "timeout_s", timeout_s, 0.1, 600, &timeout_s, error) ||
	    !cw_config_read_double(obj, "", "min_interval_s", interval_s, 0, 3600, &interval_s,
				   error) ||
	    !cw_config_read_uint(obj, "", "max_per_minute", 0, 0, 100000,
				 &self->limits.max_per_minute, error) ||
	    !cw_webhook_notifier_read_headers(self, obj, error) ||
	    !cw_webhook_notifier_read_secret(self, obj, error))
		return FALSE;
	if (url == NULL)
		return cw_config_error_at(error, CW_CONFIG_ERROR_MISSING, "", "url", "required");
	uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
	if (uri == NULL || (g_strcmp0(g_uri_get_scheme(uri), "http") != 0 &&
			    g_strcmp0(g_uri_get_scheme(uri), "https") != 0))
		return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, "", "url",
					  "expected an http:// or https:// URL");
	self->url = g_strdup(url);
	self->safe_url =
	    g_uri_get_port(uri) > 0
		? g_strdup_printf("%s://%s:%d/<redacted>", g_uri_get_scheme(uri),
				  g_uri_get_host(uri), g_uri_get_port(uri))
		: g_strdup_printf("%s://%s/<redacted>", g_uri_get_scheme(uri), g_uri_get_host(uri));
	self->template_text = g_strdup(template_text);
	self->limits.min_interval_ms = (guint) (interval_s * 1000);
	if (self->template_text != NULL) {
		g_autoptr(CwNotification) probe = cw_notification_new(
		    "k", "entry_fill", CW_NOTIFICATION_INFO, "b", "s", "t \"x\"", "b\n", 0);
		g_autofree char *body = cw_webhook_notifier_build_body(self, probe);
		g_autoptr(JsonParser) parser = json_parser_new();
		if (!json_parser_load_from_data(parser, body, -1, NULL))
			return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, "", "template",
						  "does not give JSON once filled in");
	}
	self->session = soup_session_new_with_options("timeout", (guint) (timeout_s + 0.999),
						      "idle-timeout", 60, NULL);
	return TRUE;
}

static void
cw_webhook_notifier_get_limits(CwNotifier *notifier, CwNotifierLimits *limits)
{
	*limits = CW_WEBHOOK_NOTIFIER(notifier)->limits;
}

/* A JSON string's contents (no quotes) for a template placeholder. */
static void
cw_webhook_notifier_append_escaped(GString *out, const char *value)
{
	gsize at = out->len;

	cw_json_append_string(out, value != NULL ? value : "", -1);
	/* drop the quotes: the template has them */
	g_string_erase(out, (gssize) at, 1);
	g_string_truncate(out, out->len - 1);
}

static const char *
cw_webhook_notifier_field(const CwNotification *m, const char *name, char *buf, gsize len)
{
	if (g_str_equal(name, "event"))
		return m->event_type;
	if (g_str_equal(name, "level"))
		return cw_notification_level_to_string(m->level);
	if (g_str_equal(name, "bot"))
		return m->bot;
	if (g_str_equal(name, "strategy"))
		return m->strategy_id;
	if (g_str_equal(name, "idempotency_key"))
		return m->key;
	if (g_str_equal(name, "title"))
		return m->title;
	if (g_str_equal(name, "text"))
		return m->body;
	if (g_str_equal(name, "created_at")) {
		g_snprintf(buf, len, "%" G_GINT64_FORMAT, m->created_at);
		return buf;
	}
	return NULL;
}

static char *
cw_webhook_notifier_fill_template(CwWebhookNotifier *self, const CwNotification *m)
{
	GString *out = g_string_new(NULL);
	const char *p = self->template_text;

	while (*p != '\0') {
		const char *open = strstr(p, "{{");
		const char *close = open != NULL ? strstr(open + 2, "}}") : NULL;
		g_autofree char *name = NULL;
		char buf[32];
		const char *value;
		if (close == NULL) {
			g_string_append(out, p);
			break;
		}
		g_string_append_len(out, p, open - p);
		name = g_strstrip(g_strndup(open + 2, close - open - 2));
		value = cw_webhook_notifier_field(m, name, buf, sizeof buf);
		if (value != NULL)
			cw_webhook_notifier_append_escaped(out, value);
		else
			g_string_append_len(out, open, close + 2 - open);
		p = close + 2;
	}
	return g_string_free(out, FALSE);
}

static void
cw_webhook_notifier_add(JsonBuilder *b, const char *key, const char *value)
{
	json_builder_set_member_name(b, key);
	if (value != NULL)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

/** cw_webhook_notifier_build_body: Returns: (transfer full): the JSON body. */
char *
cw_webhook_notifier_build_body(CwWebhookNotifier *self, const CwNotification *m)
{
	g_autoptr(JsonBuilder) b = NULL;
	g_autoptr(JsonNode) root = NULL;

	if (self->template_text != NULL)
		return cw_webhook_notifier_fill_template(self, m);
	b = json_builder_new();
	json_builder_begin_object(b);
	cw_webhook_notifier_add(b, "event", m->event_type);
	cw_webhook_notifier_add(b, "level", cw_notification_level_to_string(m->level));
	cw_webhook_notifier_add(b, "bot", m->bot);
	cw_webhook_notifier_add(b, "strategy", m->strategy_id);
	cw_webhook_notifier_add(b, "idempotency_key", m->key);
	cw_webhook_notifier_add(b, "title", m->title);
	cw_webhook_notifier_add(b, "text", m->body);
	json_builder_set_member_name(b, "created_at");
	json_builder_add_int_value(b, m->created_at);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	return cw_json_to_string(root, FALSE);
}

static void
cw_webhook_notifier_fail(GTask *task, CwNotifyOutcome outcome, double retry_after_s,
			 const char *message)
{
	CwNotifyResult *result = g_new0(CwNotifyResult, 1);

	result->outcome = outcome;
	result->retry_after_s = retry_after_s;
	g_object_set_data_full(G_OBJECT(task), "cw-result", result, g_free);
	g_task_return_new_error(task, CW_NOTIFICATIONS_ERROR, CW_NOTIFICATIONS_ERROR_HTTP, "%s",
				message);
}

/* Retry-After: seconds, or an HTTP date. */
static double
cw_webhook_notifier_retry_after(SoupMessage *msg)
{
	const char *v =
	    soup_message_headers_get_one(soup_message_get_response_headers(msg), "Retry-After");
	g_autoptr(GDateTime) when = NULL;
	g_autoptr(GDateTime) now = NULL;
	char *end = NULL;
	double s;

	if (v == NULL)
		return 0;
	s = g_ascii_strtod(v, &end);
	if (end != v && *end == '\0' && s >= 0)
		return MIN(s, 86400.0);
	when = soup_date_time_new_from_http_string(v);
	if (when == NULL)
		return 0;
	now = g_date_time_new_now_utc();
	s = g_date_time_difference(when, now) / (double) G_USEC_PER_SEC;
	return CLAMP(s, 0, 86400.0);
}

static void
cw_webhook_notifier_sent(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	CwWebhookNotifier *self = g_task_get_source_object(task);
	SoupMessage *msg = g_object_get_data(G_OBJECT(task), "cw-msg");
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) body =
	    soup_session_send_and_read_finish(SOUP_SESSION(source), res, &error);
	g_autofree char *text = NULL;
	guint status;

	if (body == NULL) {
		g_autofree char *raw =
		    g_strdup_printf("POST %s: %s", self->safe_url, error->message);
		g_auto(GStrv) pieces = g_strsplit(raw, self->url, -1);
		text = g_strjoinv(self->safe_url, pieces);
		cw_webhook_notifier_fail(task, CW_NOTIFY_TRANSIENT, 0, text);
		return;
	}
	status = soup_message_get_status(msg);
	if (status >= 200 && status < 300) {
		g_task_return_boolean(task, TRUE);
		return;
	}
	text = g_strdup_printf(
	    "POST %s: HTTP %u %s", self->safe_url, status,
	    soup_message_get_reason_phrase(msg) != NULL ? soup_message_get_reason_phrase(msg) : "");
	if (status == 429)
		cw_webhook_notifier_fail(task, CW_NOTIFY_RATE_LIMITED,
					 cw_webhook_notifier_retry_after(msg), text);
	else if (status >= 500 || status == 408)
		cw_webhook_notifier_fail(task, CW_NOTIFY_TRANSIENT,
					 cw_webhook_notifier_retry_after(msg), text);
	else
		cw_webhook_notifier_fail(task, CW_NOTIFY_PERMANENT, 0, text);
}

static void
cw_webhook_notifier_send_async(CwNotifier *notifier, const CwNotification *message,
			       GCancellable *cancellable, GAsyncReadyCallback callback,
			       gpointer user_data)
{
	CwWebhookNotifier *self = CW_WEBHOOK_NOTIFIER(notifier);
	g_autoptr(GTask) task = g_task_new(self, cancellable, callback, user_data);
	g_autoptr(SoupMessage) msg = NULL;
	g_autofree char *body = NULL;
	SoupMessageHeaders *headers;
	gint64 ts = g_get_real_time() / G_USEC_PER_SEC;

	g_task_set_source_tag(task, cw_webhook_notifier_send_async);
	msg = self->session != NULL ? soup_message_new("POST", self->url) : NULL;
	if (msg == NULL) {
		cw_webhook_notifier_fail(task, CW_NOTIFY_PERMANENT, 0,
					 "webhook: the notifier is not configured");
		return;
	}
	body = cw_webhook_notifier_build_body(self, message);
	headers = soup_message_get_request_headers(msg);
	for (guint i = 0; i + 1 < self->headers->len; i += 2)
		soup_message_headers_replace(headers, g_ptr_array_index(self->headers, i),
					     g_ptr_array_index(self->headers, i + 1));
	soup_message_headers_replace(headers, "webhook-id", message->key);
	{
		g_autofree char *ts_text = g_strdup_printf("%" G_GINT64_FORMAT, ts);
		soup_message_headers_replace(headers, "webhook-timestamp", ts_text);
	}
	if (self->secret != NULL) {
		gsize len = 0;
		const guint8 *key = g_bytes_get_data(self->secret, &len);
		g_autofree char *sig = cw_webhook_sign(key, len, message->key, ts, body);
		soup_message_headers_replace(headers, "webhook-signature", sig);
	}
	{
		gsize n = strlen(body);
		g_autoptr(GBytes) bytes = g_bytes_new_take(g_steal_pointer(&body), n);
		soup_message_set_request_body_from_bytes(msg, "application/json", bytes);
	}
	g_object_set_data_full(G_OBJECT(task), "cw-msg", g_object_ref(msg), g_object_unref);
	soup_session_send_and_read_async(self->session, msg, G_PRIORITY_DEFAULT, cancellable,
					 cw_webhook_notifier_sent, g_object_ref(task));
}

static gboolean
cw_webhook_notifier_send_finish(CwNotifier *notifier, GAsyncResult *res, CwNotifyResult *result,
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

static void
cw_webhook_notifier_iface_init(CwNotifierInterface *iface)
{
	iface->configure = cw_webhook_notifier_configure;
	iface->get_limits = cw_webhook_notifier_get_limits;
	iface->send_async = cw_webhook_notifier_send_async;
	iface->send_finish = cw_webhook_notifier_send_finish;
}
