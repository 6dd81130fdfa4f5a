#include "cw-services-daemon.h"

struct _CwApiSlicer {
	SoupServerMessage *msg;
	CwApiSliceFunc func;
	gpointer data;
	GDestroyNotify destroy;
	guint max_units;
	guint source_id;
	gulong finished_id;
};

static void
cw_api_slicer_free(gpointer user_data)
{
	CwApiSlicer *self = user_data;

	if (self->finished_id != 0)
		g_signal_handler_disconnect(self->msg, self->finished_id);
	if (self->destroy != NULL)
		self->destroy(self->data);
	g_object_unref(self->msg);
	g_free(self);
}

/* The client went away (or the reply was sent): no more slices. */
static void
cw_api_slicer_finished(SoupServerMessage *msg, gpointer user_data)
{
	CwApiSlicer *self = user_data;

	if (self->source_id != 0) {
		guint id = self->source_id;

		self->source_id = 0;
		g_source_remove(id); /* frees self */
	}
}

static gboolean
cw_api_slicer_slice(gpointer user_data)
{
	CwApiSlicer *self = user_data;
	SoupMessageBody *body = soup_server_message_get_response_body(self->msg);
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	gint64 t0 = g_get_monotonic_time();
	CwApiSliceResult result = CW_API_SLICE_MORE;

	for (guint n = 0; result == CW_API_SLICE_MORE && n < self->max_units &&
			  (n == 0 || g_get_monotonic_time() - t0 < CW_API_SLICE_US);
	     n++)
		result = self->func(self->data, out, &error);
	if (result == CW_API_SLICE_FAILED) {
		GSocket *sock = soup_server_message_get_socket(self->msg);

		cw_log(G_LOG_LEVEL_WARNING, NULL, NULL, "%s %s: the reply stops mid-body: %s",
		       soup_server_message_get_method(self->msg),
		       g_uri_get_path(soup_server_message_get_uri(self->msg)),
		       error != NULL ? error->message : "?");
		if (sock != NULL)
			(void) g_socket_shutdown(sock, TRUE, TRUE, NULL);
		self->source_id = 0;
		soup_server_message_unpause(self->msg);
		return G_SOURCE_REMOVE;
	}
	if (out->len > 0) {
		gsize len = out->len;

		soup_message_body_append(body, SOUP_MEMORY_TAKE,
					 g_string_free(g_steal_pointer(&out), FALSE), len);
	}
	if (result == CW_API_SLICE_DONE) {
		soup_message_body_complete(body);
		self->source_id = 0;
	}
	soup_server_message_unpause(self->msg);
	return result == CW_API_SLICE_DONE ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

/**
 * cw_api_slicer_start:
 * @msg: the request, answered 200 (or what the caller set) with a chunked body
 * @head: the body's first bytes, written at once
 * @max_units: calls of @func per main-loop iteration at most
 *
 * Builds the rest of the body by calling @func from an idle source.
 */
void
cw_api_slicer_start(SoupServerMessage *msg, const char *head, guint max_units, CwApiSliceFunc func,
		    gpointer data, GDestroyNotify destroy)
{
	CwApiSlicer *self = g_new0(CwApiSlicer, 1);
	SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);

	self->msg = g_object_ref(msg);
	self->func = func;
	self->data = data;
	self->destroy = destroy;
	self->max_units = MAX(max_units, 1);
	soup_message_headers_set_encoding(h, SOUP_ENCODING_CHUNKED);
	soup_message_body_append(soup_server_message_get_response_body(msg), SOUP_MEMORY_COPY, head,
				 strlen(head));
	self->finished_id =
	    g_signal_connect(msg, "finished", G_CALLBACK(cw_api_slicer_finished), self);
	soup_server_message_pause(msg);
	self->source_id =
	    g_idle_add_full(G_PRIORITY_DEFAULT_IDLE, cw_api_slicer_slice, self, cw_api_slicer_free);
}
