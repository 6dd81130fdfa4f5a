/* One private stream per API key, shared by its brokers (see
 * cw-bybit-account-stream.h). Formats: docs/exchange-formats.md, "Bybit v5
 * private API". */
#include "cw-bybit.h"

#include "cw-net.h"

#include <string.h>

#define CW_BYBIT_STREAM_WARN_US (G_USEC_PER_SEC) /* at most one warning a second */

typedef struct {
	guint id;
	CwBybitAccountStream *stream;
	char *symbol;
	CwBybitAccountStreamCallbacks callbacks;
	gpointer user_data;
	GPtrArray *claims; /* link ids (owned) this member claimed */
	guint up_idle;     /* joined an up stream: tell it from the main loop */
} CwBybitStreamMember;

struct _CwBybitAccountStream {
	GObject parent_instance;
	char *registry_key; /* SHA-256 of url, key and secret: never printed */
	char tag[9];        /* its first 8 hex digits, for the logs */
	char *url;
	char *api_key;
	char *api_secret;
	gint64 clock_offset_ms;
	SoupSession *session;
	CwWsClient *ws;
	gboolean up;
	guint next_id;
	GHashTable *members;   /* id -> CwBybitStreamMember (owned) */
	GHashTable *by_link;   /* link id -> CwBybitStreamMember (borrowed) */
	GHashTable *by_symbol; /* symbol -> GPtrArray of CwBybitStreamMember (borrowed) */
	gint64 last_warn_us;
	guint warn_skipped;
	CwBybitAccountLimit limit;
	CwBybitAccountStreamStats stats;
};

G_DEFINE_FINAL_TYPE(CwBybitAccountStream, cw_bybit_account_stream, G_TYPE_OBJECT)

/* The registry: registry_key -> GWeakRef of the stream (a stream that is
 * going away is not handed out again; it leaves as it is finalized). */
static GMutex cw_bybit_stream_lock;
static GHashTable *cw_bybit_stream_registry;

static void
cw_bybit_stream_ref_free(gpointer data)
{
	g_weak_ref_clear(data);
	g_free(data);
}

static gboolean
cw_bybit_stream_unref_cb(gpointer data)
{
	g_object_unref(data);
	return G_SOURCE_REMOVE;
}

/* Drops the reference a callback took: the last one is dropped from the
 * main loop, never inside the WebSocket's own callback. */
static void
cw_bybit_account_stream_release(CwBybitAccountStream *self)
{
	if (g_atomic_int_get(&G_OBJECT(self)->ref_count) > 1)
		g_object_unref(self);
	else
		g_idle_add(cw_bybit_stream_unref_cb, self);
}

/* Members -------------------------------------------------------------------------- */

static void
cw_bybit_stream_member_free(gpointer data)
{
	CwBybitStreamMember *m = data;

	g_clear_handle_id(&m->up_idle, g_source_remove);
	g_ptr_array_unref(m->claims);
	g_free(m->symbol);
	g_free(m);
}

static gboolean
cw_bybit_stream_member_up_cb(gpointer data)
{
	CwBybitStreamMember *m = data;

	m->up_idle = 0;
	if (m->stream->up && m->callbacks.up != NULL)
		m->callbacks.up(m->user_data);
	return G_SOURCE_REMOVE;
}

/* Every member, in a snapshot: a callback may make a member leave. */
static GPtrArray *
cw_bybit_account_stream_member_ids(CwBybitAccountStream *self)
{
	GPtrArray *ids = g_ptr_array_sized_new(g_hash_table_size(self->members));
	GHashTableIter it;
	gpointer key;

	g_hash_table_iter_init(&it, self->members);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_ptr_array_add(ids, key);
	return ids;
}

static CwBybitStreamMember *
cw_bybit_account_stream_member(CwBybitAccountStream *self, gpointer id)
{
	return g_hash_table_lookup(self->members, id);
}

/* Logs at most once a second, with the count of those it held back. */
static void
cw_bybit_account_stream_warn(CwBybitAccountStream *self, const char *what, const char *text)
{
	gint64 now = g_get_monotonic_time();

	if (self->last_warn_us != 0 && now - self->last_warn_us < CW_BYBIT_STREAM_WARN_US) {
		self->warn_skipped++;
		return;
	}
	self->last_warn_us = now;
	g_warning("bybit private stream %s (key #%s): %s: %s (%u more not logged)", self->url,
		  self->tag, what, text, self->warn_skipped);
	self->warn_skipped = 0;
}

/* The connection ------------------------------------------------------------------- */

static void
cw_bybit_account_stream_opened(CwWsClient *client, guint n, gpointer user_data)
{
	CwBybitAccountStream *self = user_data;
	gint64 expires = g_get_real_time() / 1000 + self->clock_offset_ms + 10000;
	char sign[CW_BYBIT_SIGN_LEN];
	g_autofree char *auth = NULL;
	GString *out;
	CwJsonWriter w;

	self->stats.connects++;
	cw_bybit_sign_ws(self->api_secret, expires, sign);
	out = g_string_new(NULL);
	cw_json_writer_init(&w, out, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_string(&w, "req_id", "auth");
	cw_json_writer_member_string(&w, "op", "auth");
	cw_json_writer_key(&w, "args");
	cw_json_writer_begin_array(&w);
	cw_json_writer_string(&w, self->api_key);
	cw_json_writer_int(&w, expires);
	cw_json_writer_string(&w, sign);
	cw_json_writer_end_array(&w);
	cw_json_writer_end_object(&w);
	auth = g_string_free(g_steal_pointer(&out), FALSE);
	cw_ws_client_send_text(client, auth);
	memset(auth, 0, strlen(auth));
	memset(sign, 0, sizeof sign);
}

/* The member an item of the order or execution topic belongs to. */
static CwBybitStreamMember *
cw_bybit_account_stream_route(CwBybitAccountStream *self, const char *link_id)
{
	CwBybitStreamMember *m =
	    link_id[0] != '\0' ? g_hash_table_lookup(self->by_link, link_id) : NULL;

	if (m == NULL)
		self->stats.unrouted++;
	else
		self->stats.routed++;
	return m;
}

static void
cw_bybit_account_stream_item(CwBybitAccountStream *self, const char *topic, JsonObject *obj,
			     const char *path)
{
	g_autoptr(GError) error = NULL;
	CwBybitStreamMember *m;

	if (strcmp(topic, "execution") == 0) {
		CwBybitExec e;

		if (cw_bybit_parse_exec(obj, path, &e, &error) &&
		    (m = cw_bybit_account_stream_route(self, e.link_id)) != NULL &&
		    m->callbacks.exec != NULL)
			m->callbacks.exec(&e, m->user_data);
	} else if (strcmp(topic, "order") == 0) {
		CwBybitOrderInfo info;

		if (cw_bybit_parse_order(obj, path, &info, &error) &&
		    (m = cw_bybit_account_stream_route(self, info.link_id)) != NULL &&
		    m->callbacks.order != NULL)
			m->callbacks.order(&info, m->user_data);
	} else if (strcmp(topic, "position") == 0) {
		CwBybitPosition pos;
		GPtrArray *list;

		if (cw_bybit_parse_position(obj, path, &pos, &error)) {
			list = g_hash_table_lookup(self->by_symbol, pos.symbol);
			if (list == NULL || list->len == 0) {
				self->stats.unrouted++;
				return;
			}
			/* a snapshot: a callback may make a member leave */
			g_autoptr(GPtrArray) ids = g_ptr_array_sized_new(list->len);
			for (guint i = 0; i < list->len; i++)
				g_ptr_array_add(
				    ids,
				    GUINT_TO_POINTER(((CwBybitStreamMember *) list->pdata[i])->id));
			for (guint i = 0; i < ids->len; i++) {
				m = cw_bybit_account_stream_member(self, ids->pdata[i]);
				if (m != NULL && m->callbacks.position != NULL) {
					self->stats.routed++;
					m->callbacks.position(&pos, m->user_data);
				}
			}
		}
	}
	if (error != NULL) {
		g_autofree char *what = g_strdup_printf("%s push", topic);

		self->stats.bad_items++;
		cw_bybit_account_stream_warn(self, what, error->message);
	}
}

static void
cw_bybit_account_stream_topic(CwBybitAccountStream *self, CwBybitFrame *frame)
{
	char path[24];

	self->stats.pushes++;
	/* the wallet is read over REST when it is wanted */
	if (strcmp(frame->topic, "wallet") == 0)
		return;
	for (guint i = 0; i < json_array_get_length(frame->data); i++) {
		JsonNode *node = json_array_get_element(frame->data, i);

		if (!JSON_NODE_HOLDS_OBJECT(node))
			continue;
		g_snprintf(path, sizeof path, "data[%u]", i);
		cw_bybit_account_stream_item(self, frame->topic, json_node_get_object(node), path);
	}
}

typedef enum {
	CW_BYBIT_STREAM_AUTHED,
	CW_BYBIT_STREAM_UP,
	CW_BYBIT_STREAM_DOWN,
} CwBybitStreamNews;

/* Every member hears it (a gap is everyone's to catch up on). */
static void
cw_bybit_account_stream_tell(CwBybitAccountStream *self, CwBybitStreamNews news, const char *reason)
{
	g_autoptr(GPtrArray) ids = cw_bybit_account_stream_member_ids(self);

	for (guint i = 0; i < ids->len; i++) {
		CwBybitStreamMember *m = cw_bybit_account_stream_member(self, ids->pdata[i]);

		if (m == NULL)
			continue;
		if (news == CW_BYBIT_STREAM_UP) {
			/* told now: no need for the idle one */
			g_clear_handle_id(&m->up_idle, g_source_remove);
			if (m->callbacks.up != NULL)
				m->callbacks.up(m->user_data);
		} else if (news == CW_BYBIT_STREAM_AUTHED && m->callbacks.authed != NULL) {
			m->callbacks.authed(m->user_data);
		} else if (news == CW_BYBIT_STREAM_DOWN && m->callbacks.down != NULL) {
			m->callbacks.down(reason, m->user_data);
		}
	}
}

static void
cw_bybit_account_stream_message(CwWsClient *client, const char *data, gsize len, gboolean binary,
				gpointer user_data)
{
	CwBybitAccountStream *self = user_data;
	g_autoptr(GError) error = NULL;
	CwBybitFrame frame;

	if (!cw_bybit_parse_frame(data, len, &frame, &error)) {
		cw_bybit_account_stream_warn(self, "frame", error->message);
		cw_bybit_frame_clear(&frame);
		return;
	}
	g_object_ref(self); /* a member may leave, and drop the last reference */
	if (frame.kind == CW_BYBIT_FRAME_TOPIC) {
		cw_bybit_account_stream_topic(self, &frame);
	} else if (strcmp(frame.op, "auth") == 0) {
		if (frame.success) {
			self->stats.auths++;
			cw_ws_client_send_text(client, "{\"req_id\":\"sub\",\"op\":\"subscribe\","
						       "\"args\":[\"order\",\"execution\","
						       "\"position\",\"wallet\"]}");
			cw_bybit_account_stream_tell(self, CW_BYBIT_STREAM_AUTHED, NULL);
		} else {
			GString *text = g_string_new(frame.ret_msg);

			/* the venue's text may quote what it was sent */
			g_string_replace(text, self->api_key, "***", 0);
			g_string_replace(text, self->api_secret, "***", 0);
			self->stats.auth_failures++;
			g_warning("bybit private stream %s (key #%s): auth refused: %s", self->url,
				  self->tag, text->str);
			g_string_free(text, TRUE);
			cw_ws_client_reconnect(client, "auth refused");
		}
	} else if (strcmp(frame.op, "subscribe") == 0) {
		if (frame.success) {
			self->up = TRUE;
			cw_bybit_account_stream_tell(self, CW_BYBIT_STREAM_UP, NULL);
		} else {
			g_warning("bybit private stream %s (key #%s): subscribe refused: %s",
				  self->url, self->tag, frame.ret_msg);
		}
	}
	cw_bybit_frame_clear(&frame);
	cw_bybit_account_stream_release(self);
}

static void
cw_bybit_account_stream_closed(CwWsClient *client, const char *reason, gboolean stalled,
			       gpointer user_data)
{
	CwBybitAccountStream *self = g_object_ref(user_data);

	self->up = FALSE;
	cw_bybit_account_stream_tell(self, CW_BYBIT_STREAM_DOWN,
				     reason != NULL ? reason : "closed");
	cw_bybit_account_stream_release(self);
}

static void
cw_bybit_account_stream_ping(CwWsClient *client, gpointer user_data)
{
	cw_ws_client_send_text(client, "{\"req_id\":\"ping\",\"op\":\"ping\"}");
}

static void
cw_bybit_account_stream_start(CwBybitAccountStream *self)
{
	CwWsClientSettings settings;
	CwWsClientCallbacks callbacks = {
	    .opened = cw_bybit_account_stream_opened,
	    .message = cw_bybit_account_stream_message,
	    .closed = cw_bybit_account_stream_closed,
	    .ping = cw_bybit_account_stream_ping,
	};

	cw_ws_client_settings_init(&settings);
	settings.ping_s = 20;
	settings.backoff_base_s = 0.2;
	settings.backoff_cap_s = 5;
	self->ws = cw_ws_client_new(self->session, self->url, &settings, &callbacks, self);
	cw_ws_client_start(self->ws);
}

/* Life cycle ------------------------------------------------------------------------ */

static void
cw_bybit_account_stream_dispose(GObject *object)
{
	CwBybitAccountStream *self = CW_BYBIT_ACCOUNT_STREAM(object);

	if (self->ws != NULL)
		cw_ws_client_stop(self->ws);
	g_clear_object(&self->ws);
	G_OBJECT_CLASS(cw_bybit_account_stream_parent_class)->dispose(object);
}

static void
cw_bybit_account_stream_finalize(GObject *object)
{
	CwBybitAccountStream *self = CW_BYBIT_ACCOUNT_STREAM(object);

	g_mutex_lock(&cw_bybit_stream_lock);
	if (cw_bybit_stream_registry != NULL && self->registry_key != NULL) {
		GWeakRef *ref = g_hash_table_lookup(cw_bybit_stream_registry, self->registry_key);
		CwBybitAccountStream *alive = ref != NULL ? g_weak_ref_get(ref) : NULL;

		/* unless a new stream of the key took the slot */
		if (ref != NULL && alive == NULL)
			g_hash_table_remove(cw_bybit_stream_registry, self->registry_key);
		g_clear_object(&alive);
	}
	g_mutex_unlock(&cw_bybit_stream_lock);
	g_hash_table_unref(self->by_symbol);
	g_hash_table_unref(self->by_link);
	g_hash_table_unref(self->members);
	g_clear_object(&self->session);
	if (self->api_secret != NULL)
		memset(self->api_secret, 0, strlen(self->api_secret));
	g_free(self->api_secret);
	g_free(self->api_key);
	g_free(self->url);
	g_free(self->registry_key);
	G_OBJECT_CLASS(cw_bybit_account_stream_parent_class)->finalize(object);
}

static void
cw_bybit_account_stream_class_init(CwBybitAccountStreamClass *klass)
{
	G_OBJECT_CLASS(klass)->dispose = cw_bybit_account_stream_dispose;
	G_OBJECT_CLASS(klass)->finalize = cw_bybit_account_stream_finalize;
}

static void
cw_bybit_account_stream_init(CwBybitAccountStream *self)
{
	self->session =
	    soup_session_new_with_options("timeout", 10, "user-agent", "candlewick-bybit", NULL);
	self->members =
	    g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, cw_bybit_stream_member_free);
	self->by_link = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	self->limit.limit_left = -1;
	self->limit.window_status = -1;
	self->by_symbol = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
						(GDestroyNotify) g_ptr_array_unref);
}

/* The registry's key: nothing of the key or the secret can be read back
 * from it, and streams of other main contexts are others. */
static char *
cw_bybit_account_stream_key(const char *url, const char *api_key, const char *api_secret)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	GMainContext *context = g_main_context_ref_thread_default();
	char ctx[2 * sizeof(gpointer) + 4];

	g_checksum_update(sum, (const guchar *) url, (gssize) strlen(url) + 1);
	g_checksum_update(sum, (const guchar *) api_key, (gssize) strlen(api_key) + 1);
	g_checksum_update(sum, (const guchar *) api_secret, (gssize) strlen(api_secret) + 1);
	g_snprintf(ctx, sizeof ctx, "%p", (void *) context);
	g_main_context_unref(context);
	return g_strconcat(g_checksum_get_string(sum), "@", ctx, NULL);
}

/**
 * cw_bybit_account_stream_get:
 *
 * Returns: (transfer full): the process's stream of (url, api_key,
 * api_secret) on the thread-default main context, made and started the
 * first time
 */
CwBybitAccountStream *
cw_bybit_account_stream_get(const char *url, const char *api_key, const char *api_secret)
{
	g_autofree char *key = cw_bybit_account_stream_key(url, api_key, api_secret);
	CwBybitAccountStream *self = NULL;

	GWeakRef *ref;

	g_mutex_lock(&cw_bybit_stream_lock);
	if (cw_bybit_stream_registry == NULL)
		cw_bybit_stream_registry = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
								 cw_bybit_stream_ref_free);
	ref = g_hash_table_lookup(cw_bybit_stream_registry, key);
	if (ref != NULL)
		self = g_weak_ref_get(ref);
	if (self == NULL) {
		self = g_object_new(CW_TYPE_BYBIT_ACCOUNT_STREAM, NULL);
		self->registry_key = g_strdup(key);
		g_strlcpy(self->tag, key, sizeof self->tag);
		self->url = g_strdup(url);
		self->api_key = g_strdup(api_key);
		self->api_secret = g_strdup(api_secret);
		ref = g_new(GWeakRef, 1);
		g_weak_ref_init(ref, self);
		g_hash_table_replace(cw_bybit_stream_registry, g_strdup(key), ref);
		g_mutex_unlock(&cw_bybit_stream_lock);
		cw_bybit_account_stream_start(self);
		return self;
	}
	g_mutex_unlock(&cw_bybit_stream_lock);
	return self;
}

/**
 * cw_bybit_account_stream_join:
 *
 * Adds a member for symbol. Returns: its id (> 0)
 */
guint
cw_bybit_account_stream_join(CwBybitAccountStream *self, const char *symbol,
			     const CwBybitAccountStreamCallbacks *callbacks, gpointer user_data)
{
	CwBybitStreamMember *m = g_new0(CwBybitStreamMember, 1);
	GPtrArray *list;

	m->id = ++self->next_id;
	m->stream = self;
	m->symbol = g_strdup(symbol);
	m->callbacks = *callbacks;
	m->user_data = user_data;
	m->claims = g_ptr_array_new_with_free_func(g_free);
	g_hash_table_insert(self->members, GUINT_TO_POINTER(m->id), m);
	list = g_hash_table_lookup(self->by_symbol, symbol);
	if (list == NULL) {
		list = g_ptr_array_new();
		g_hash_table_insert(self->by_symbol, g_strdup(symbol), list);
	}
	g_ptr_array_add(list, m);
	if (self->up)
		m->up_idle = g_idle_add(cw_bybit_stream_member_up_cb, m);
	return m->id;
}

/**
 * cw_bybit_account_stream_leave:
 *
 * Removes the member and the orderLinkIds it claimed.
 */
void
cw_bybit_account_stream_leave(CwBybitAccountStream *self, guint member)
{
	CwBybitStreamMember *m = cw_bybit_account_stream_member(self, GUINT_TO_POINTER(member));
	GPtrArray *list;

	if (m == NULL)
		return;
	for (guint i = 0; i < m->claims->len; i++)
		if (g_hash_table_lookup(self->by_link, m->claims->pdata[i]) == m)
			g_hash_table_remove(self->by_link, m->claims->pdata[i]);
	list = g_hash_table_lookup(self->by_symbol, m->symbol);
	if (list != NULL) {
		g_ptr_array_remove_fast(list, m);
		if (list->len == 0)
			g_hash_table_remove(self->by_symbol, m->symbol);
	}
	g_hash_table_remove(self->members, GUINT_TO_POINTER(member));
}

/**
 * cw_bybit_account_stream_claim:
 *
 * Pushes about link_id go to member from now on.
 */
void
cw_bybit_account_stream_claim(CwBybitAccountStream *self, guint member, const char *link_id)
{
	CwBybitStreamMember *m = cw_bybit_account_stream_member(self, GUINT_TO_POINTER(member));
	char *copy;

	if (m == NULL || link_id == NULL || *link_id == '\0' ||
	    g_hash_table_lookup(self->by_link, link_id) == m)
		return;
	copy = g_strdup(link_id);
	g_ptr_array_add(m->claims, copy);
	g_hash_table_replace(self->by_link, g_strdup(link_id), m);
}

/**
 * cw_bybit_account_stream_set_clock_offset:
 *
 * The venue's clock less the local one (ms), for the auth's expiry.
 */
void
cw_bybit_account_stream_set_clock_offset(CwBybitAccountStream *self, gint64 offset_ms)
{
	self->clock_offset_ms = offset_ms;
}

/**
 * cw_bybit_account_stream_get_limit:
 *
 * Returns: (transfer none): the key's rate-limit state, shared by its brokers
 */
CwBybitAccountLimit *
cw_bybit_account_stream_get_limit(CwBybitAccountStream *self)
{
	return &self->limit;
}

gboolean
cw_bybit_account_stream_is_up(CwBybitAccountStream *self)
{
	return self->up;
}

guint
cw_bybit_account_stream_get_n_members(CwBybitAccountStream *self)
{
	return g_hash_table_size(self->members);
}

const CwBybitAccountStreamStats *
cw_bybit_account_stream_get_stats(CwBybitAccountStream *self)
{
	return &self->stats;
}

/**
 * cw_bybit_account_stream_reconnect:
 *
 * Closes the connection; it reconnects and re-authenticates.
 */
void
cw_bybit_account_stream_reconnect(CwBybitAccountStream *self, const char *reason)
{
	if (self->ws != NULL)
		cw_ws_client_reconnect(self->ws, reason);
}

/**
 * cw_bybit_account_stream_count:
 *
 * Returns: the streams alive in this process
 */
guint
cw_bybit_account_stream_count(void)
{
	guint n;

	g_mutex_lock(&cw_bybit_stream_lock);
	n = cw_bybit_stream_registry != NULL ? g_hash_table_size(cw_bybit_stream_registry) : 0;
	g_mutex_unlock(&cw_bybit_stream_lock);
	return n;
}
