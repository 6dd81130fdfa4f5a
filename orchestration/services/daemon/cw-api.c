#include "cw-services-daemon.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "cw-api-resources.h"

/* failed logins: a bucket of CW_API_AUTH_BURST per address, one back per
 * CW_API_AUTH_REFILL_S; an empty bucket answers 429 */
#define CW_API_AUTH_BURST               5.0
#define CW_API_AUTH_REFILL_S            2.0
#define CW_API_MAX_BUCKETS              4096
#define CW_API_PREFIX                   "/api/v1"
#define CW_API_RESOURCE                 "/org/candlewick/api"
#define CW_API_STATUS_TOO_MANY_REQUESTS 429 /* not in libsoup 3.2 */

typedef struct {
	double tokens;
	gint64 last_us;
} CwApiBucket;

typedef struct {
	gint64 updated_at;
	char *text; /* the config text it was parsed from */
	CwBotConfig *config;
	char *error;
} CwApiConfig;

static void
cw_api_config_free(gpointer data)
{
	CwApiConfig *c = data;

	g_free(c->text);
	g_clear_pointer(&c->config, cw_bot_config_unref);
	g_free(c->error);
	g_free(c);
}

struct _CwApi {
	GObject parent_instance;
	CwStore *store;
	CwApiTokens *tokens;
	CwApiStream *stream;
	CwStrategyManager *manager; /* nullable: closes go through the store then */
	CwApiReloadFunc reload;
	gpointer reload_data;
	GStrv cors;
	GHashTable *buckets; /* address -> CwApiBucket */
	GHashTable *configs; /* bot id -> CwApiConfig: parsed once per change */
	double auth_burst;
	guint max_body; /* bytes */
};

G_DEFINE_FINAL_TYPE(CwApi, cw_api, G_TYPE_OBJECT)

typedef struct {
	CwApi *api;
	SoupServerMessage *msg;
	const char *path;
	GHashTable *query; /* nullable */
	char *name;        /* the {name} segment, decoded */
	const char *token_name;
	CwApiRole role;
	gint64 bot_id; /* for the audit, 0 when none */
	char *detail;  /* the problem's detail, for the audit */
	guint status;
	gconstpointer data; /* the route's: what differs between its handler's routes */
} CwApiRequest;

typedef guint (*CwApiHandler)(CwApiRequest *req);

typedef struct {
	CwApiRouteInfo info;
	CwApiRole role;
	gboolean body; /* takes a JSON body */
	CwApiHandler handler;
	gconstpointer data; /* nullable: passed to the handler as req->data */
} CwApiRoute;

static void
cw_api_dispose(GObject *object)
{
	CwApi *self = CW_API(object);

	g_clear_object(&self->stream);
	g_clear_object(&self->manager);
	g_clear_object(&self->tokens);
	g_clear_object(&self->store);
	g_clear_pointer(&self->cors, g_strfreev);
	g_clear_pointer(&self->buckets, g_hash_table_unref);
	g_clear_pointer(&self->configs, g_hash_table_unref);
	G_OBJECT_CLASS(cw_api_parent_class)->dispose(object);
}

static void
cw_api_class_init(CwApiClass *klass)
{
	G_OBJECT_CLASS(klass)->dispose = cw_api_dispose;
}

static void
cw_api_init(CwApi *self)
{
	self->buckets = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	self->configs =
	    g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, cw_api_config_free);
	self->auth_burst = CW_API_AUTH_BURST;
	self->max_body = CW_API_MAX_BODY_BYTES;
}

void
cw_api_set_auth_burst(CwApi *self, guint burst)
{
	self->auth_burst = MAX(burst, 1);
}

void
cw_api_set_max_body_bytes(CwApi *self, guint max_bytes)
{
	self->max_body = MAX(max_bytes, 1);
}

CwApi *
cw_api_new(CwStore *store, CwApiTokens *tokens)
{
	CwApi *self = g_object_new(CW_TYPE_API, NULL);

	self->store = g_object_ref(store);
	self->tokens = g_object_ref(tokens);
	self->stream = cw_api_stream_new(store, tokens);
	return self;
}

void
cw_api_set_manager(CwApi *self, CwStrategyManager *manager)
{
	g_set_object(&self->manager, manager);
}

void
cw_api_set_reload_func(CwApi *self, CwApiReloadFunc func, gpointer user_data)
{
	self->reload = func;
	self->reload_data = user_data;
}

void
cw_api_set_cors_origins(CwApi *self, const char *const *origins)
{
	g_clear_pointer(&self->cors, g_strfreev);
	if (origins != NULL && origins[0] != NULL)
		self->cors = g_strdupv((char **) origins);
}

void
cw_api_set_stream_limits(CwApi *self, guint max_queue, double ping_interval_s)
{
	cw_api_stream_set_limits(self->stream, max_queue, ping_interval_s);
}

guint64
cw_api_get_n_slow_closes(CwApi *self)
{
	return cw_api_stream_get_n_slow_closes(self->stream);
}

/* ---- responses ---- */

static void
cw_api_security_headers(SoupServerMessage *msg)
{
	SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);

	soup_message_headers_replace(h, "Cache-Control", "no-store");
	soup_message_headers_replace(h, "X-Content-Type-Options", "nosniff");
}

static guint
cw_api_reply(CwApiRequest *req, guint status, JsonNode *root /* taken */)
{
	g_autoptr(JsonNode) owned = root;
	char *text = cw_json_to_string(root, FALSE);

	soup_server_message_set_status(req->msg, status, NULL);
	soup_server_message_set_response(req->msg, "application/json", SOUP_MEMORY_TAKE, text,
					 strlen(text));
	cw_api_security_headers(req->msg);
	req->status = status;
	return status;
}

/* The JSON path an error message starts with ("strategies[0].type: ..."). */
static char *
cw_api_error_path(const char *message)
{
	const char *colon = strstr(message, ": ");

	if (colon == NULL || colon == message)
		return NULL;
	for (const char *p = message; p < colon; p++)
		if (!g_ascii_isalnum(*p) && strchr("._[]-", *p) == NULL)
			return NULL;
	return g_strndup(message, (gsize) (colon - message));
}

/* An RFC 9457 problem document. */
static guint
cw_api_problem(CwApiRequest *req, guint status, const char *detail)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autofree char *path = detail != NULL ? cw_api_error_path(detail) : NULL;
	g_autofree char *type = g_strdup_printf("https://candlewick.invalid/problems/%u", status);
	g_autoptr(JsonNode) root = NULL;
	char *text;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, type);
	json_builder_set_member_name(b, "title");
	json_builder_add_string_value(b, status == CW_API_STATUS_TOO_MANY_REQUESTS
					     ? "Too Many Requests"
					     : soup_status_get_phrase(status));
	json_builder_set_member_name(b, "status");
	json_builder_add_int_value(b, status);
	if (detail != NULL) {
		json_builder_set_member_name(b, "detail");
		json_builder_add_string_value(b, detail);
	}
	if (path != NULL) {
		json_builder_set_member_name(b, "path");
		json_builder_add_string_value(b, path);
	}
	json_builder_set_member_name(b, "instance");
	json_builder_add_string_value(b, req->path);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	text = cw_json_to_string(root, FALSE);
	soup_server_message_set_status(req->msg, status, NULL);
	soup_server_message_set_response(req->msg, "application/problem+json", SOUP_MEMORY_TAKE,
					 text, strlen(text));
	cw_api_security_headers(req->msg);
	g_free(req->detail);
	req->detail = g_strdup(detail);
	req->status = status;
	return status;
}

static guint
cw_api_problem_from_error(CwApiRequest *req, const GError *error)
{
	guint status = SOUP_STATUS_INTERNAL_SERVER_ERROR;

	if (g_error_matches(error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND))
		status = SOUP_STATUS_NOT_FOUND;
	else if (g_error_matches(error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT))
		status = SOUP_STATUS_CONFLICT;
	else if (g_error_matches(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_PARSE) ||
		 g_error_matches(error, CW_CONFIG_ERROR, CW_CONFIG_ERROR_TYPE))
		status = SOUP_STATUS_BAD_REQUEST;
	else if (error->domain == CW_CONFIG_ERROR || error->domain == CW_SERVICES_ERROR)
		status = SOUP_STATUS_UNPROCESSABLE_ENTITY;
	return cw_api_problem(req, status, error->message);
}

/* ---- query parameters ---- */

gboolean
cw_api_parse_int(const char *text, gint64 min, gint64 max, gint64 *out)
{
	char *end = NULL;
	gint64 n;

	if (text == NULL || text[0] == '\0' || !(g_ascii_isdigit(text[0]) || text[0] == '-'))
		return FALSE;
	errno = 0;
	n = g_ascii_strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return FALSE;
	*out = n;
	return TRUE;
}

/* An integer query parameter in [min, max]; fallback when absent. FALSE
 * (with a 400 sent) when it is not one. */
static gboolean
cw_api_query_int(CwApiRequest *req, const char *key, gint64 min, gint64 max, gint64 fallback,
		 gint64 *out)
{
	const char *text = req->query != NULL ? g_hash_table_lookup(req->query, key) : NULL;
	g_autofree char *detail = NULL;

	*out = fallback;
	if (text == NULL || cw_api_parse_int(text, min, max, out))
		return TRUE;
	detail = g_strdup_printf("query parameter '%s': expected an integer in [%" G_GINT64_FORMAT
				 ", %" G_GINT64_FORMAT "]",
				 key, min, max);
	cw_api_problem(req, SOUP_STATUS_BAD_REQUEST, detail);
	return FALSE;
}

/* ---- JSON of the store's rows ---- */

static void
cw_api_add_string(JsonBuilder *b, const char *member, const char *value)
{
	json_builder_set_member_name(b, member);
	if (value != NULL)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

static void
cw_api_add_double(JsonBuilder *b, const char *member, double value)
{
	json_builder_set_member_name(b, member);
	if (isfinite(value))
		json_builder_add_double_value(b, value);
	else
		json_builder_add_null_value(b);
}

static void
cw_api_add_int(JsonBuilder *b, const char *member, gint64 value)
{
	json_builder_set_member_name(b, member);
	json_builder_add_int_value(b, value);
}

/* Appends an object's members: the bot as `bots list --json` has it is
 * built by cw_bot_admin_bot_to_json(); this adds equity and positions. */
static void
cw_api_bot_extra(CwApi *self, JsonBuilder *b, const CwStoreBot *bot)
{
	g_autoptr(GPtrArray) metrics = NULL;
	g_autoptr(GPtrArray) positions = NULL;

	if (bot->name != NULL)
		metrics = cw_store_metrics_page(self->store, bot->name, 0, 1, NULL);
	json_builder_set_member_name(b, "performance");
	if (metrics != NULL && metrics->len > 0) {
		CwStoreMetricsRow *m = g_ptr_array_index(metrics, 0);

		json_builder_begin_object(b);
		cw_api_add_int(b, "time", m->time);
		cw_api_add_double(b, "equity", m->equity);
		cw_api_add_double(b, "realized_pnl", m->realized_pnl);
		cw_api_add_double(b, "unrealized_pnl", m->unrealized_pnl);
		cw_api_add_int(b, "trades", m->trades);
		cw_api_add_double(b, "max_drawdown_pct", m->max_drawdown_pct);
		json_builder_end_object(b);
	} else {
		json_builder_add_null_value(b);
	}
	positions = cw_store_positions_list(self->store, bot->id, NULL);
	json_builder_set_member_name(b, "positions");
	json_builder_begin_array(b);
	for (guint i = 0; positions != NULL && i < positions->len; i++) {
		CwStorePosition *p = g_ptr_array_index(positions, i);

		json_builder_begin_object(b);
		cw_api_add_string(b, "strategy_id", p->strategy_id);
		cw_api_add_string(b, "symbol", g_quark_to_string(p->position.symbol));
		cw_api_add_string(b, "direction", cw_direction_to_string(p->position.direction));
		cw_api_add_double(b, "qty", p->position.qty);
		cw_api_add_double(b, "entry_price", p->position.entry_price);
		cw_api_add_double(b, "stop_price", p->position.stop_price);
		cw_api_add_int(b, "opened_at", p->position.opened_at);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

/* The bot's parsed config from the cache: a page of 1,000 bots would
 * otherwise parse 1,000 configurations on the main loop. NULL when the
 * row has none. */
static CwApiConfig *
cw_api_config_for(CwApi *self, const CwStoreBot *bot)
{
	CwApiConfig *c = g_hash_table_lookup(self->configs, &bot->id);
	g_autoptr(GError) error = NULL;

	if (bot->config == NULL)
		return NULL;
	if (c == NULL || c->updated_at != bot->updated_at || g_strcmp0(c->text, bot->config) != 0) {
		if (g_hash_table_size(self->configs) >= 100000)
			g_hash_table_remove_all(self->configs);
		c = g_new0(CwApiConfig, 1);
		c->updated_at = bot->updated_at;
		c->text = g_strdup(bot->config);
		c->config = cw_bot_config_new_from_data(bot->config, -1, &error);
		c->error = error != NULL ? g_strdup(error->message) : NULL;
		g_hash_table_replace(self->configs, g_memdup2(&bot->id, sizeof(bot->id)), c);
	}
	return c;
}

/* The shared row, with the parsed config from the cache. */
static void
cw_api_bot_row(CwApi *self, JsonBuilder *b, const CwStoreBot *bot, gint64 now)
{
	CwApiConfig *c = cw_api_config_for(self, bot);

	cw_bot_admin_bot_to_json_full(b, self->store, bot, c != NULL ? c->config : NULL,
				      c != NULL ? c->error : NULL, now);
}

/* The list's summary of a bot: what the overview shows, three store reads
 * (mode, the newest metrics row, positions) and no JSON parsed. The cache,
 * guard and feed state are in GET /bots/{name} only. */
static void
cw_api_bot_summary(CwApi *self, JsonBuilder *b, const CwStoreBot *bot, gint64 now)
{
	CwApiConfig *c = cw_api_config_for(self, bot);
	const CwBotConfig *config = c != NULL ? c->config : NULL;
	g_autoptr(GError) mode_error = NULL;
	CwBotMode mode = cw_bot_admin_get_mode(self->store, bot->id, &mode_error);

	json_builder_begin_object(b);
	cw_api_add_int(b, "id", bot->id);
	cw_api_add_string(b, "name", bot->name);
	json_builder_set_member_name(b, "enabled");
	json_builder_add_boolean_value(b, bot->enabled);
	cw_api_add_string(b, "status", bot->corrupt != NULL ? "corrupt" : bot->status);
	cw_api_add_string(b, "mode", cw_bot_mode_to_string(mode));
	cw_api_add_string(b, "active_strategy",
			  config != NULL ? cw_bot_config_get_active_strategy(config)->id : NULL);
	json_builder_set_member_name(b, "heartbeat_age_ms");
	if (bot->last_heartbeat == 0)
		json_builder_add_null_value(b);
	else
		json_builder_add_int_value(b, MAX(now - bot->last_heartbeat, 0));
	cw_api_add_int(b, "error_count", bot->error_count);
	cw_api_add_string(b, "last_error", bot->last_error);
	if (bot->corrupt != NULL)
		cw_api_add_string(b, "error", bot->corrupt->message);
	if (c != NULL && c->error != NULL)
		cw_api_add_string(b, "config_error", c->error);
	cw_api_bot_extra(self, b, bot);
	json_builder_end_object(b);
}

/* The bot's object: the shared row, with this API's members merged in. */
static JsonNode *
cw_api_bot_node(CwApi *self, const CwStoreBot *bot, gint64 now)
{
	g_autoptr(JsonBuilder) row = json_builder_new();
	g_autoptr(JsonBuilder) extra = json_builder_new();
	g_autoptr(JsonNode) extra_root = NULL;
	JsonNode *root;
	JsonObject *obj, *more;
	g_autoptr(GList) members = NULL;

	cw_api_bot_row(self, row, bot, now);
	root = json_builder_get_root(row);
	json_builder_begin_object(extra);
	cw_api_bot_extra(self, extra, bot);
	json_builder_end_object(extra);
	extra_root = json_builder_get_root(extra);
	obj = json_node_get_object(root);
	more = json_node_get_object(extra_root);
	members = json_object_get_members(more);
	for (GList *l = members; l != NULL; l = l->next)
		json_object_set_member(obj, l->data,
				       json_node_copy(json_object_get_member(more, l->data)));
	return root;
}

/* ---- read routes ---- */

/* GET /bots is answered in slices (CwApiSlicer): at most
 * CW_API_BOTS_PER_SLICE bots, or CW_API_SLICE_US of work, per main-loop
 * iteration, each slice a chunk of a chunked body, so that candles are
 * routed between them. */
#define CW_API_BOTS_DEFAULT_LIMIT 100
#define CW_API_BOTS_MAX_LIMIT     1000
#define CW_API_BOTS_PER_SLICE     25
#define CW_API_BOTS_MAX_CURSOR    256

typedef struct {
	CwApi *api;
	GPtrArray *bots; /* the page's CwStoreBot, by name */
	GPtrArray *rows; /* owns them */
	guint next;      /* index of the next bot to write */
	char *cursor;    /* the next page's `after`, NULL on the last */
	gint64 now;
} CwApiBotsReply;

static void
cw_api_bots_reply_free(gpointer data)
{
	CwApiBotsReply *r = data;

	g_clear_pointer(&r->bots, g_ptr_array_unref);
	g_clear_pointer(&r->rows, g_ptr_array_unref);
	g_free(r->cursor);
	g_object_unref(r->api);
	g_free(r);
}

/* Appends a builder's root to out, after a comma unless first. */
static void
cw_api_append_node(GString *out, JsonBuilder *b, gboolean first)
{
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	g_autofree char *text = cw_json_to_string(root, FALSE);

	if (!first)
		g_string_append_c(out, ',');
	g_string_append(out, text);
}

static CwApiSliceResult
cw_api_bots_slice(gpointer data, GString *out, GError **error)
{
	CwApiBotsReply *r = data;

	if (r->next < r->bots->len) {
		g_autoptr(JsonBuilder) b = json_builder_new();

		cw_api_bot_summary(r->api, b, g_ptr_array_index(r->bots, r->next), r->now);
		cw_api_append_node(out, b, r->next == 0);
		r->next++;
		return CW_API_SLICE_MORE;
	}
	/* the tail: "],\"next\":NAME|null}" */
	g_string_append(out, "],\"next\":");
	if (r->cursor != NULL)
		cw_json_append_string(out, r->cursor, -1);
	else
		g_string_append(out, "null");
	g_string_append_c(out, '}');
	return CW_API_SLICE_DONE;
}

/* Starts a sliced 200 application/json reply. */
static guint
cw_api_reply_sliced(CwApiRequest *req, const char *head, guint max_units, CwApiSliceFunc func,
		    gpointer data, GDestroyNotify destroy)
{
	soup_server_message_set_status(req->msg, SOUP_STATUS_OK, NULL);
	soup_message_headers_set_content_type(soup_server_message_get_response_headers(req->msg),
					      "application/json", NULL);
	cw_api_security_headers(req->msg);
	cw_api_slicer_start(req->msg, head, max_units, func, data, destroy);
	req->status = SOUP_STATUS_OK;
	return req->status;
}

static gint
cw_api_bot_name_cmp(gconstpointer a, gconstpointer b)
{
	const CwStoreBot *x = *(const CwStoreBot *const *) a;
	const CwStoreBot *y = *(const CwStoreBot *const *) b;

	return g_strcmp0(x->name != NULL ? x->name : "", y->name != NULL ? y->name : "");
}

/* GET /bots?after=NAME&limit=N: the bots whose name sorts after NAME
 * (byte order), N of them (default 100, at most 1000), as summaries;
 * `next` is the cursor of the next page, null on the last one. The
 * page's rows are read at once, its summaries built in slices. */
static guint
cw_api_get_bots(CwApiRequest *req)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) rows = NULL;
	const char *after = req->query != NULL ? g_hash_table_lookup(req->query, "after") : NULL;
	CwApiBotsReply *r;
	gint64 limit;
	guint first = 0;

	if (!cw_api_query_int(req, "limit", 1, CW_API_BOTS_MAX_LIMIT, CW_API_BOTS_DEFAULT_LIMIT,
			      &limit))
		return req->status;
	if (after != NULL && strlen(after) > CW_API_BOTS_MAX_CURSOR)
		return cw_api_problem(req, SOUP_STATUS_BAD_REQUEST,
				      "query parameter 'after': a bot name, at most 256 bytes");
	rows = cw_store_bot_list(req->api->store, &error);
	if (rows == NULL)
		return cw_api_problem_from_error(req, error);
	g_ptr_array_sort(rows, cw_api_bot_name_cmp);
	r = g_new0(CwApiBotsReply, 1);
	r->api = g_object_ref(req->api);
	r->now = g_get_real_time() / 1000;
	r->bots = g_ptr_array_new();
	while (after != NULL && first < rows->len) {
		const CwStoreBot *bot = g_ptr_array_index(rows, first);
		if (g_strcmp0(bot->name != NULL ? bot->name : "", after) > 0)
			break;
		first++;
	}
	for (guint i = first; i < rows->len && r->bots->len < (guint) limit; i++)
		g_ptr_array_add(r->bots, g_ptr_array_index(rows, i));
	if (first + r->bots->len < rows->len && r->bots->len > 0) {
		const CwStoreBot *last = g_ptr_array_index(r->bots, r->bots->len - 1);
		r->cursor = g_strdup(last->name != NULL ? last->name : "");
	}
	r->rows = g_steal_pointer(&rows);
	return cw_api_reply_sliced(req, "{\"bots\":[", CW_API_BOTS_PER_SLICE, cw_api_bots_slice, r,
				   cw_api_bots_reply_free);
}

/* Finds {name}; FALSE with a 404 (or 500) sent. */
static gboolean
cw_api_find_bot(CwApiRequest *req, CwStoreBot *bot)
{
	g_autoptr(GError) error = NULL;

	if (!cw_bot_admin_find(req->api->store, req->name, bot, &error)) {
		cw_api_problem_from_error(req, error);
		return FALSE;
	}
	req->bot_id = bot->id;
	return TRUE;
}

static guint
cw_api_get_bot(CwApiRequest *req)
{
	g_auto(CwStoreBot) bot = {0};

	if (!cw_api_find_bot(req, &bot))
		return req->status;
	return cw_api_reply(req, SOUP_STATUS_OK,
			    cw_api_bot_node(req->api, &bot, g_get_real_time() / 1000));
}

/* A page read from the store in chunks by cursor, one row per slice unit:
 * events (seq ascending, after), trades and equity rows (id descending,
 * before). The first chunk is read by the handler, so that a store error
 * is still a problem document; a later one shuts the connection down.
 * Equity rows are read 1,000 at a time: their index is by time, so each
 * read sorts the bot's rows by id, and few reads cost less than many. */
#define CW_API_ROWS_PER_READ    100
#define CW_API_METRICS_PER_READ 1000
#define CW_API_ROWS_PER_SLICE   200

typedef struct _CwApiRows CwApiRows;

/* The next at most n rows past r->cursor. */
typedef GPtrArray *(*CwApiRowsRead)(CwApiRows *r, guint n, GError **error);
typedef void (*CwApiRowsWrite)(JsonBuilder *b, gconstpointer row);

struct _CwApiRows {
	CwApi *api;
	CwApiRowsRead read;
	CwApiRowsWrite write;
	gsize cursor_offset;     /* of the row's gint64 cursor: its id or seq */
	const char *next_member; /* the tail's cursor member */
	gboolean next_if_full;   /* it is null unless the page is full */
	gint64 cursor;           /* the last row's, or the request's */
	guint limit;
	guint per_read; /* 0: CW_API_ROWS_PER_READ */
	guint written;
	GPtrArray *batch;
	guint i;
	gboolean end; /* the store has no rows past the batch */
	char *bot_name;
	gint64 bot_id;
	char *type;
};

static void
cw_api_rows_free(gpointer data)
{
	CwApiRows *r = data;

	g_clear_pointer(&r->batch, g_ptr_array_unref);
	g_free(r->bot_name);
	g_free(r->type);
	g_object_unref(r->api);
	g_free(r);
}

/* Reads the next chunk; FALSE on a store error. */
static gboolean
cw_api_rows_fill(CwApiRows *r, GError **error)
{
	guint n = MIN(r->limit - r->written, r->per_read > 0 ? r->per_read : CW_API_ROWS_PER_READ);

	g_clear_pointer(&r->batch, g_ptr_array_unref);
	r->i = 0;
	r->batch = r->read(r, n, error);
	if (r->batch == NULL)
		return FALSE;
	r->end = r->batch->len < n;
	return TRUE;
}

static CwApiSliceResult
cw_api_rows_slice(gpointer data, GString *out, GError **error)
{
	CwApiRows *r = data;

	if (r->i < r->batch->len) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		gconstpointer row = g_ptr_array_index(r->batch, r->i);

		r->write(b, row);
		cw_api_append_node(out, b, r->written == 0);
		r->cursor = G_STRUCT_MEMBER(gint64, row, r->cursor_offset);
		r->written++;
		r->i++;
		return CW_API_SLICE_MORE;
	}
	if (!r->end && r->written < r->limit)
		return cw_api_rows_fill(r, error) ? CW_API_SLICE_MORE : CW_API_SLICE_FAILED;
	g_string_append(out, "],");
	cw_json_append_string(out, r->next_member, -1);
	g_string_append_c(out, ':');
	if (r->next_if_full && r->written < r->limit)
		g_string_append(out, "null");
	else
		g_string_append_printf(out, "%" G_GINT64_FORMAT, r->cursor);
	g_string_append_c(out, '}');
	return CW_API_SLICE_DONE;
}

/* Reads the first chunk and starts the sliced reply {"MEMBER":[...],...};
 * a store error is answered at once. r is taken. */
static guint
cw_api_rows_reply(CwApiRequest *req, CwApiRows *r, const char *member)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) head = g_string_new("{");

	cw_json_append_string(head, member, -1);
	g_string_append(head, ":[");
	r->api = g_object_ref(req->api);
	if (!cw_api_rows_fill(r, &error)) {
		cw_api_rows_free(r);
		return cw_api_problem_from_error(req, error);
	}
	return cw_api_reply_sliced(req, head->str, CW_API_ROWS_PER_SLICE, cw_api_rows_slice, r,
				   cw_api_rows_free);
}

static void
cw_api_add_trade(JsonBuilder *b, const CwStoreTrade *t)
{
	json_builder_begin_object(b);
	cw_api_add_int(b, "id", t->id);
	cw_api_add_string(b, "strategy_id", g_quark_to_string(t->trade.strategy_id));
	cw_api_add_string(b, "symbol", g_quark_to_string(t->trade.symbol));
	cw_api_add_string(b, "direction", cw_direction_to_string(t->trade.direction));
	cw_api_add_int(b, "entry_time", t->trade.entry_time);
	cw_api_add_int(b, "exit_time", t->trade.exit_time);
	cw_api_add_double(b, "entry_price", t->trade.entry_price);
	cw_api_add_double(b, "exit_price", t->trade.exit_price);
	cw_api_add_double(b, "qty", t->trade.qty);
	cw_api_add_double(b, "fees", t->trade.fees);
	cw_api_add_double(b, "net_pnl", t->trade.net_pnl);
	cw_api_add_string(b, "exit_reason", cw_order_purpose_to_string(t->trade.exit_reason));
	json_builder_end_object(b);
}

static void
cw_api_trade_write(JsonBuilder *b, gconstpointer row)
{
	cw_api_add_trade(b, row);
}

static GPtrArray *
cw_api_trades_read(CwApiRows *r, guint n, GError **error)
{
	return cw_store_trades_page(r->api->store, r->bot_name, r->cursor, n, error);
}

/* A list of one bot's rows paged by cursor: GET /bots/{name}/trades and
 * /performance (newest first by before=ID, next_before pages on),
 * /orders (oldest first by after=ID, next_after). The tail's cursor is
 * null when the page is not full. */
typedef struct {
	const char *member;      /* the rows' array */
	const char *cursor;      /* the query parameter: "before" or "after" */
	const char *next_member; /* the tail's cursor: "next_before", "next_after" */
	guint default_limit;
	guint max_limit;
	guint per_read; /* 0: CW_API_ROWS_PER_READ */
	CwApiRowsRead read;
	CwApiRowsWrite write;
	gsize cursor_offset; /* of the row's id */
} CwApiBotRows;

/* GET /bots/{name}/ROWS?CURSOR&limit; req->data is the CwApiBotRows. */
static guint
cw_api_get_rows(CwApiRequest *req)
{
	const CwApiBotRows *kind = req->data;
	g_auto(CwStoreBot) bot = {0};
	CwApiRows *r;
	gint64 cursor, limit;

	if (!cw_api_query_int(req, kind->cursor, 0, G_MAXINT64, 0, &cursor) ||
	    !cw_api_query_int(req, "limit", 1, kind->max_limit, kind->default_limit, &limit) ||
	    !cw_api_find_bot(req, &bot))
		return req->status;
	r = g_new0(CwApiRows, 1);
	r->read = kind->read;
	r->per_read = kind->per_read;
	r->write = kind->write;
	r->cursor_offset = kind->cursor_offset;
	r->next_member = kind->next_member;
	r->next_if_full = TRUE;
	r->cursor = cursor;
	r->limit = (guint) limit;
	r->bot_name = g_strdup(bot.name);
	r->bot_id = bot.id;
	return cw_api_rows_reply(req, r, kind->member);
}

static void
cw_api_order_write(JsonBuilder *b, gconstpointer row)
{
	const CwStoreOrderRow *r = row;
	const CwOrder *o = &r->order;

	json_builder_begin_object(b);
	cw_api_add_int(b, "id", r->id);
	cw_api_add_string(b, "client_order_id", o->client_order_id);
	cw_api_add_string(b, "strategy_id", g_quark_to_string(o->strategy_id));
	cw_api_add_string(b, "symbol", g_quark_to_string(o->symbol));
	cw_api_add_string(b, "side", cw_side_to_string(o->side));
	cw_api_add_string(b, "type", cw_order_type_to_string(o->type));
	cw_api_add_string(b, "status", cw_order_status_to_string(o->status));
	cw_api_add_string(b, "purpose", cw_order_purpose_to_string(o->purpose));
	cw_api_add_double(b, "qty", o->qty);
	cw_api_add_double(b, "price", o->price);
	cw_api_add_double(b, "stop_price", o->stop_price);
	cw_api_add_double(b, "filled_qty", o->filled_qty);
	cw_api_add_int(b, "created_at", o->created_at);
	json_builder_end_object(b);
}

static GPtrArray *
cw_api_orders_read(CwApiRows *r, guint n, GError **error)
{
	return cw_store_orders_open_page(r->api->store, r->bot_id, r->cursor, n, error);
}

static guint
cw_api_get_positions(CwApiRequest *req)
{
	g_auto(CwStoreBot) bot = {0};
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) node = NULL;
	JsonObject *obj;

	if (!cw_api_find_bot(req, &bot))
		return req->status;
	json_builder_begin_object(b);
	cw_api_bot_extra(req->api, b, &bot);
	json_builder_end_object(b);
	node = json_builder_get_root(b);
	obj = json_node_get_object(node);
	json_object_remove_member(obj, "performance");
	return cw_api_reply(req, SOUP_STATUS_OK, g_steal_pointer(&node));
}

static void
cw_api_metrics_write(JsonBuilder *b, gconstpointer row)
{
	const CwStoreMetricsRow *m = row;

	json_builder_begin_object(b);
	cw_api_add_int(b, "id", m->id);
	cw_api_add_string(b, "strategy_id", m->strategy_id);
	cw_api_add_int(b, "time", m->time);
	cw_api_add_double(b, "equity", m->equity);
	cw_api_add_double(b, "balance", m->balance);
	cw_api_add_double(b, "realized_pnl", m->realized_pnl);
	cw_api_add_double(b, "unrealized_pnl", m->unrealized_pnl);
	cw_api_add_double(b, "max_drawdown_pct", m->max_drawdown_pct);
	json_builder_end_object(b);
}

static GPtrArray *
cw_api_metrics_read(CwApiRows *r, guint n, GError **error)
{
	return cw_store_metrics_page(r->api->store, r->bot_name, r->cursor, n, error);
}

/* The exchange whose candles a bot's live feed records: the feed type
 * ("bybit"), or "TYPE-MARKET" when a string of the feed section names a
 * market with candles of its own ("bybit-spot"). NULL: a replay or test
 * feed, or no candles recorded. */
static char *
cw_api_chart_exchange(CwApi *self, const CwBotConfig *config, GError **error)
{
	JsonObject *feed = cw_bot_config_get_section(config, "feed");
	g_auto(GStrv) known = NULL;
	g_autoptr(GList) members = NULL;
	const char *type;

	if (feed == NULL ||
	    (type = json_object_get_string_member_with_default(feed, "type", NULL)) == NULL)
		return NULL;
	known = cw_store_candles_exchanges(self->store, config->symbol, config->interval_ms, error);
	if (known == NULL)
		return NULL;
	members = json_object_get_members(feed);
	for (GList *l = members; l != NULL; l = l->next) {
		JsonNode *n = json_object_get_member(feed, l->data);
		g_autofree char *name = NULL;

		if (g_str_equal(l->data, "type") || !JSON_NODE_HOLDS_VALUE(n) ||
		    json_node_get_value_type(n) != G_TYPE_STRING)
			continue;
		name = g_strdup_printf("%s-%s", type, json_node_get_string(n));
		if (g_strv_contains((const char *const *) known, name))
			return g_steal_pointer(&name);
	}
	return g_strv_contains((const char *const *) known, type) ? g_strdup(type) : NULL;
}

/* GET /bots/{name}/candles, built in slices: the candles by open-time
 * ranges of CW_API_CANDLES_PER_READ intervals, then the newest 1,000
 * trades (read newest first by id, written oldest first), then the newest
 * 1,000 SIGNAL_NEW events (read oldest first by seq from the 1,000th
 * newest), each read a slice unit and each row one. */
#define CW_API_CHART_TRADES        1000
#define CW_API_CHART_SIGNALS       1000
#define CW_API_CANDLES_PER_READ    250
#define CW_API_CANDLES_PER_SLICE   250
#define CW_API_CHART_ROWS_PER_READ 100

typedef enum {
	CW_API_CHART_CANDLES,
	CW_API_CHART_TRADES_READ,
	CW_API_CHART_TRADES_WRITE,
	CW_API_CHART_SIGNALS_WRITE,
} CwApiChartPhase;

typedef struct {
	CwApi *api;
	CwApiChartPhase phase;
	char *bot_name;
	gint64 bot_id;
	gint64 from, to;
	char *middle; /* what follows the candles, up to "\"trades\":[" */
	/* candles */
	char *exchange; /* NULL: none recorded */
	char *symbol;
	gint64 interval_ms;
	gint64 end;        /* the window's last open time */
	gint64 next_open;  /* the next read's first open time */
	gboolean read_all; /* no more candles to read */
	GArray *candles;
	guint ci;
	guint limit;
	guint n_candles;
	/* trades, newest first as read */
	GPtrArray *trades;
	gint64 trade_cursor;
	guint ti; /* how many of trades (from the oldest) are written */
	gboolean wrote_trade;
	/* signals */
	GPtrArray *signals;
	guint si;
	gint64 signal_cursor;
	gint64 signal_last; /* the journal's end when the reply started */
	guint n_signals;
	gboolean wrote_signal;
} CwApiChart;

static void
cw_api_chart_free(gpointer data)
{
	CwApiChart *c = data;

	g_free(c->bot_name);
	g_free(c->middle);
	g_free(c->exchange);
	g_free(c->symbol);
	g_clear_pointer(&c->candles, g_array_unref);
	g_clear_pointer(&c->trades, g_ptr_array_unref);
	g_clear_pointer(&c->signals, g_ptr_array_unref);
	g_object_unref(c->api);
	g_free(c);
}

/* Reads the next range of candles; FALSE on a store error. */
static gboolean
cw_api_chart_read_candles(CwApiChart *c, GError **error)
{
	gint64 span = c->interval_ms * CW_API_CANDLES_PER_READ;
	gint64 last = c->next_open > c->end - span + 1 ? c->end : c->next_open + span - 1;

	g_clear_pointer(&c->candles, g_array_unref);
	c->ci = 0;
	c->candles = cw_store_candles_query(c->api->store, c->exchange, c->symbol, c->interval_ms,
					    c->next_open, last, error);
	if (c->candles == NULL)
		return FALSE;
	c->read_all = last >= c->end;
	if (!c->read_all)
		c->next_open = last + 1;
	return TRUE;
}

static void
cw_api_chart_write_candle(GString *out, const CwCandle *candle, gboolean first)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	cw_api_add_int(b, "open_time", candle->open_time);
	cw_api_add_double(b, "open", candle->open);
	cw_api_add_double(b, "high", candle->high);
	cw_api_add_double(b, "low", candle->low);
	cw_api_add_double(b, "close", candle->close);
	cw_api_add_double(b, "volume", candle->volume);
	json_builder_end_object(b);
	cw_api_append_node(out, b, first);
}

/* The candles' unit: one candle, or the next read. */
static CwApiSliceResult
cw_api_chart_candles(CwApiChart *c, GString *out, GError **error)
{
	if (c->candles != NULL && c->ci < c->candles->len && c->n_candles < c->limit) {
		cw_api_chart_write_candle(out, &g_array_index(c->candles, CwCandle, c->ci),
					  c->n_candles == 0);
		c->ci++;
		c->n_candles++;
		return CW_API_SLICE_MORE;
	}
	if (c->exchange != NULL && !c->read_all && c->n_candles < c->limit)
		return cw_api_chart_read_candles(c, error) ? CW_API_SLICE_MORE
							   : CW_API_SLICE_FAILED;
	g_string_append(out, c->middle);
	c->phase = CW_API_CHART_TRADES_READ;
	return CW_API_SLICE_MORE;
}

/* The trades' unit: a read (newest first), then one trade (oldest first)
 * in [from, to]. */
static CwApiSliceResult
cw_api_chart_trades(CwApiChart *c, GString *out, GError **error)
{
	if (c->phase == CW_API_CHART_TRADES_READ) {
		guint n = MIN(CW_API_CHART_TRADES - c->trades->len, CW_API_CHART_ROWS_PER_READ);
		g_autoptr(GPtrArray) page =
		    cw_store_trades_page(c->api->store, c->bot_name, c->trade_cursor, n, error);

		if (page == NULL)
			return CW_API_SLICE_FAILED;
		g_ptr_array_set_free_func(page, NULL); /* moved to c->trades */
		for (guint i = 0; i < page->len; i++)
			g_ptr_array_add(c->trades, g_ptr_array_index(page, i));
		if (page->len > 0)
			c->trade_cursor =
			    ((CwStoreTrade *) g_ptr_array_index(page, page->len - 1))->id;
		if (page->len < n || c->trades->len >= CW_API_CHART_TRADES)
			c->phase = CW_API_CHART_TRADES_WRITE;
		return CW_API_SLICE_MORE;
	}
	while (c->ti < c->trades->len) {
		const CwStoreTrade *t = g_ptr_array_index(c->trades, c->trades->len - 1 - c->ti);

		c->ti++;
		if (t->trade.exit_time >= c->from && t->trade.entry_time <= c->to) {
			g_autoptr(JsonBuilder) b = json_builder_new();

			cw_api_add_trade(b, t);
			cw_api_append_node(out, b, !c->wrote_trade);
			c->wrote_trade = TRUE;
			return CW_API_SLICE_MORE;
		}
	}
	g_string_append(out, "],\"signals\":[");
	c->phase = CW_API_CHART_SIGNALS_WRITE;
	return CW_API_SLICE_MORE;
}

static void
cw_api_chart_write_signal(GString *out, const CwStoreEvent *e, gboolean first)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonParser) parser = json_parser_new();

	json_builder_begin_object(b);
	cw_api_add_int(b, "seq", e->seq);
	cw_api_add_int(b, "time", e->time);
	cw_api_add_string(b, "strategy_id", e->strategy_id);
	if (e->payload != NULL && json_parser_load_from_data(parser, e->payload, -1, NULL) &&
	    json_parser_get_root(parser) != NULL) {
		json_builder_set_member_name(b, "payload");
		json_builder_add_value(b, json_node_copy(json_parser_get_root(parser)));
	}
	json_builder_end_object(b);
	cw_api_append_node(out, b, first);
}

/* The signals' unit: one signal in [from, to], or the next read. */
static CwApiSliceResult
cw_api_chart_signals(CwApiChart *c, GString *out, GError **error)
{
	while (c->signals != NULL && c->si < c->signals->len) {
		const CwStoreEvent *e = g_ptr_array_index(c->signals, c->si);

		if (e->seq > c->signal_last || c->n_signals >= CW_API_CHART_SIGNALS) {
			c->si = c->signals->len;
			c->signal_cursor = G_MAXINT64; /* the tail is read */
			break;
		}
		c->si++;
		c->n_signals++;
		c->signal_cursor = e->seq;
		if (e->time >= c->from && e->time <= c->to) {
			cw_api_chart_write_signal(out, e, !c->wrote_signal);
			c->wrote_signal = TRUE;
			return CW_API_SLICE_MORE;
		}
	}
	if (c->signal_cursor < c->signal_last && c->n_signals < CW_API_CHART_SIGNALS &&
	    (c->signals == NULL || c->signals->len == CW_API_CHART_ROWS_PER_READ)) {
		g_clear_pointer(&c->signals, g_ptr_array_unref);
		c->si = 0;
		c->signals = cw_store_events_query(
		    c->api->store, c->bot_id, cw_event_type_to_string(CW_EVENT_SIGNAL_NEW),
		    c->signal_cursor, CW_API_CHART_ROWS_PER_READ, error);
		return c->signals != NULL ? CW_API_SLICE_MORE : CW_API_SLICE_FAILED;
	}
	g_string_append(out, "]}");
	return CW_API_SLICE_DONE;
}

static CwApiSliceResult
cw_api_chart_slice(gpointer data, GString *out, GError **error)
{
	CwApiChart *c = data;

	switch (c->phase) {
	case CW_API_CHART_CANDLES:
		return cw_api_chart_candles(c, out, error);
	case CW_API_CHART_TRADES_READ:
	case CW_API_CHART_TRADES_WRITE:
		return cw_api_chart_trades(c, out, error);
	case CW_API_CHART_SIGNALS_WRITE:
	default:
		return cw_api_chart_signals(c, out, error);
	}
}

/* Chart data in [from, to]: the candles a live feed recorded for the bot's
 * exchange, symbol and interval (those of the first limit intervals from
 * from, oldest first; next_from pages on), the bot's trades and its
 * SIGNAL_NEW events (of the newest 1,000 of each). A replay bot gets no
 * candles ("candles_source" says why). The first reads are done here, so
 * that a store error is a problem document. */
static guint
cw_api_get_candles(CwApiRequest *req)
{
	g_auto(CwStoreBot) bot = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = NULL;
	g_autoptr(GString) middle = g_string_new("],\"next_from\":");
	g_autofree char *source = NULL;
	CwApiChart *c;
	gint64 from, to, limit, first_signal;

	if (!cw_api_query_int(req, "from", 0, G_MAXINT64, 0, &from) ||
	    !cw_api_query_int(req, "to", 0, G_MAXINT64, G_MAXINT64, &to) ||
	    !cw_api_query_int(req, "limit", 1, 5000, 1000, &limit) || !cw_api_find_bot(req, &bot))
		return req->status;
	c = g_new0(CwApiChart, 1);
	c->api = g_object_ref(req->api);
	c->bot_name = g_strdup(bot.name);
	c->bot_id = bot.id;
	c->from = from;
	c->to = to;
	c->limit = (guint) limit;
	c->trades = g_ptr_array_new_with_free_func((GDestroyNotify) cw_store_trade_free);
	if (bot.config != NULL)
		config = cw_bot_config_new_from_data(bot.config, -1, NULL);
	if (config != NULL && config->interval_ms > 0)
		c->exchange = cw_api_chart_exchange(req->api, config, &error);
	if (c->exchange != NULL) {
		/* open times are unique: limit intervals hold at most limit candles */
		gint64 span = config->interval_ms * limit;

		c->symbol = g_strdup(config->symbol);
		c->interval_ms = config->interval_ms;
		c->end = from > G_MAXINT64 - span ? G_MAXINT64 : MIN(to, from + span - 1);
		c->next_open = from;
		if (cw_api_chart_read_candles(c, &error))
			source = g_strdup_printf("candles table: %s %s", c->exchange, c->symbol);
	} else if (error == NULL) {
		source =
		    g_strdup("none: the candles table holds what live feeds received, and this "
			     "bot's feed recorded none (a replay feed has its candles in its "
			     "file)");
	}
	c->signal_last = error == NULL ? cw_store_events_last_seq(req->api->store, &error) : -1;
	first_signal =
	    error == NULL
		? cw_store_events_nth_newest_seq(req->api->store, bot.id,
						 cw_event_type_to_string(CW_EVENT_SIGNAL_NEW),
						 CW_API_CHART_SIGNALS, &error)
		: -1;
	if (error != NULL) {
		cw_api_chart_free(c);
		return cw_api_problem_from_error(req, error);
	}
	c->signal_cursor = first_signal > 0 ? first_signal - 1 : 0;
	/* the window was cut at limit intervals: the next page starts after it */
	if (c->exchange != NULL && c->end < to)
		g_string_append_printf(middle, "%" G_GINT64_FORMAT, c->end + 1);
	else
		g_string_append(middle, "null");
	g_string_append(middle, ",\"candles_source\":");
	cw_json_append_string(middle, source, -1);
	g_string_append(middle, ",\"trades\":[");
	c->middle = g_string_free(g_steal_pointer(&middle), FALSE);
	return cw_api_reply_sliced(req, "{\"candles\":[", CW_API_CANDLES_PER_SLICE,
				   cw_api_chart_slice, c, cw_api_chart_free);
}

static void
cw_api_event_write(JsonBuilder *b, gconstpointer row)
{
	cw_api_stream_event_to_json(b, row, NULL);
}

static GPtrArray *
cw_api_events_read(CwApiRows *r, guint n, GError **error)
{
	return cw_store_events_query(r->api->store, r->bot_id, r->type, r->cursor, n, error);
}

/* GET /events?after&bot&type&limit: seq order; next_after is the cursor to
 * ask from next, also when the page is empty. */
static guint
cw_api_get_events(CwApiRequest *req)
{
	const char *bot_name = req->query != NULL ? g_hash_table_lookup(req->query, "bot") : NULL;
	const char *type_arg = req->query != NULL ? g_hash_table_lookup(req->query, "type") : NULL;
	const char *type = NULL;
	CwApiRows *r;
	gint64 after, limit, bot_id = -1;

	if (!cw_api_query_int(req, "after", 0, G_MAXINT64, 0, &after) ||
	    !cw_api_query_int(req, "limit", 1, 1000, 100, &limit))
		return req->status;
	if (type_arg != NULL) {
		type = cw_bot_admin_event_type_canonical(type_arg);
		if (type == NULL) {
			g_autofree char *known = cw_bot_admin_event_type_list();
			g_autofree char *detail = g_strdup_printf(
			    "query parameter 'type': unknown event type; known: %s", known);
			return cw_api_problem(req, SOUP_STATUS_BAD_REQUEST, detail);
		}
	}
	if (bot_name != NULL) {
		g_auto(CwStoreBot) bot = {0};

		req->name = g_strdup(bot_name);
		if (!cw_api_find_bot(req, &bot))
			return req->status;
		bot_id = bot.id;
	}
	r = g_new0(CwApiRows, 1);
	r->read = cw_api_events_read;
	r->write = cw_api_event_write;
	r->cursor_offset = G_STRUCT_OFFSET(CwStoreEvent, seq);
	r->next_member = "next_after";
	r->cursor = after;
	r->limit = (guint) limit;
	r->bot_id = bot_id;
	r->type = g_strdup(type);
	return cw_api_rows_reply(req, r, "events");
}

static guint
cw_api_get_version(CwApiRequest *req)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	cw_api_add_string(b, "version", CW_PACKAGE_VERSION);
	cw_api_add_string(b, "api", "v1");
	cw_api_add_int(b, "schema_version", cw_store_get_schema_version(req->api->store));
	cw_api_add_string(b, "role", cw_api_role_to_string(req->role));
	cw_api_add_string(b, "token", req->token_name);
	json_builder_set_member_name(b, "stream");
	json_builder_begin_object(b);
	cw_api_add_int(b, "clients", cw_api_stream_get_n_clients(req->api->stream));
	cw_api_add_int(b, "slow_closes",
		       (gint64) cw_api_stream_get_n_slow_closes(req->api->stream));
	json_builder_end_object(b);
	json_builder_end_object(b);
	return cw_api_reply(req, SOUP_STATUS_OK, json_builder_get_root(b));
}

static guint
cw_api_get_openapi(CwApiRequest *req)
{
	g_autoptr(GBytes) data = g_resources_lookup_data(CW_API_RESOURCE "/openapi.json",
							 G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);

	if (data == NULL)
		return cw_api_problem(req, SOUP_STATUS_INTERNAL_SERVER_ERROR,
				      "the OpenAPI description is missing from the binary");
	soup_server_message_set_status(req->msg, SOUP_STATUS_OK, NULL);
	soup_server_message_set_response(req->msg, "application/json", SOUP_MEMORY_COPY,
					 g_bytes_get_data(data, NULL), g_bytes_get_size(data));
	req->status = SOUP_STATUS_OK;
	return SOUP_STATUS_OK;
}

/* ---- write routes ---- */

static void
cw_api_changed(CwApi *self)
{
	if (self->reload != NULL)
		self->reload(self->reload_data);
}

/* The request body as text; NULL with a 400 sent when it is not UTF-8. */
static char *
cw_api_body_text(CwApiRequest *req)
{
	SoupMessageBody *body = soup_server_message_get_request_body(req->msg);
	g_autoptr(GBytes) bytes = soup_message_body_flatten(body);
	gsize len = 0;
	const char *data = g_bytes_get_data(bytes, &len);

	if (len == 0 || !g_utf8_validate_len(data, len, NULL) || memchr(data, '\0', len) != NULL) {
		cw_api_problem(req, SOUP_STATUS_BAD_REQUEST,
			       len == 0 ? "the request needs a JSON body"
					: "the body is not UTF-8 JSON text");
		return NULL;
	}
	return g_strndup(data, len);
}

static guint
cw_api_ok(CwApiRequest *req, guint status, const char *what, gboolean changed)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_auto(CwStoreBot) bot = {0};

	if (changed)
		cw_api_changed(req->api);
	json_builder_begin_object(b);
	cw_api_add_string(b, "result", what);
	json_builder_set_member_name(b, "changed");
	json_builder_add_boolean_value(b, changed);
	if (req->name != NULL && cw_bot_admin_find(req->api->store, req->name, &bot, NULL)) {
		json_builder_set_member_name(b, "bot");
		json_builder_add_value(b,
				       cw_api_bot_node(req->api, &bot, g_get_real_time() / 1000));
	}
	json_builder_end_object(b);
	return cw_api_reply(req, status, json_builder_get_root(b));
}

static guint
cw_api_post_bots(CwApiRequest *req)
{
	g_autofree char *text = cw_api_body_text(req);
	g_autoptr(GError) error = NULL;
	const char *enabled =
	    req->query != NULL ? g_hash_table_lookup(req->query, "enabled") : NULL;
	gint64 id;

	if (text == NULL)
		return req->status;
	if (enabled != NULL && g_strcmp0(enabled, "true") != 0 && g_strcmp0(enabled, "false") != 0)
		return cw_api_problem(req, SOUP_STATUS_BAD_REQUEST,
				      "query parameter 'enabled': expected true or false");
	id = cw_bot_admin_add(req->api->store, text, g_strcmp0(enabled, "false") != 0, &req->name,
			      &error);
	if (id < 0)
		return cw_api_problem_from_error(req, error);
	req->bot_id = id;
	return cw_api_ok(req, SOUP_STATUS_CREATED, "added", TRUE);
}

static guint
cw_api_put_config(CwApiRequest *req)
{
	g_autofree char *text = cw_api_body_text(req);
	g_autoptr(GError) error = NULL;
	g_auto(CwStoreBot) bot = {0};

	if (text == NULL || !cw_api_find_bot(req, &bot))
		return req->status;
	if (!cw_bot_admin_set_config(req->api->store, req->name, text, &error))
		return cw_api_problem_from_error(req, error);
	return cw_api_ok(req, SOUP_STATUS_OK, "config replaced", TRUE);
}

static guint
cw_api_delete_bot(CwApiRequest *req)
{
	g_autoptr(GError) error = NULL;
	g_auto(CwStoreBot) bot = {0};

	if (!cw_bot_admin_remove(req->api->store, req->name, &bot, &error))
		return cw_api_problem_from_error(req, error);
	req->bot_id = bot.id;
	g_clear_pointer(&req->name, g_free);
	return cw_api_ok(req, SOUP_STATUS_OK, "removed", TRUE);
}

/* What an admin toggle route sets. */
typedef enum {
	CW_API_TOGGLE_ENABLED,
	CW_API_TOGGLE_MODE,
	CW_API_TOGGLE_KILL_SWITCH,
} CwApiToggleKind;

typedef struct {
	CwApiToggleKind kind;
	gboolean on;        /* ENABLED: enabled; KILL_SWITCH: halted */
	CwBotMode mode;     /* MODE */
	const char *result; /* NULL: the mode's name */
} CwApiToggle;

/* POST /bots/{name}/enable, disable, halt, resume and /halt-all,
 * /resume-all; req->data is the CwApiToggle. */
static guint
cw_api_toggle(CwApiRequest *req)
{
	const CwApiToggle *t = req->data;
	g_autoptr(GError) error = NULL;
	g_auto(CwStoreBot) bot = {0};
	gboolean changed = TRUE;
	gboolean ok = FALSE;

	if (t->kind != CW_API_TOGGLE_KILL_SWITCH && !cw_api_find_bot(req, &bot))
		return req->status;
	switch (t->kind) {
	case CW_API_TOGGLE_ENABLED:
		changed = FALSE;
		ok = cw_bot_admin_set_enabled(req->api->store, req->name, t->on, &changed, &error);
		break;
	case CW_API_TOGGLE_MODE:
		ok = cw_bot_admin_set_mode(req->api->store, req->name, t->mode, "api", &error);
		break;
	case CW_API_TOGGLE_KILL_SWITCH:
		ok = cw_bot_admin_set_kill_switch(req->api->store, t->on, "api", &error);
		break;
	default:
		g_assert_not_reached();
	}
	if (!ok)
		return cw_api_problem_from_error(req, error);
	return cw_api_ok(req, SOUP_STATUS_OK,
			 t->result != NULL ? t->result : cw_bot_mode_to_string(t->mode), changed);
}

char *
cw_api_parse_switch(const char *data, gsize len, char **detail)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonNode *root, *node;
	JsonObject *obj;

	if (len == 0 || !g_utf8_validate_len(data, len, NULL) || memchr(data, '\0', len) != NULL) {
		*detail = g_strdup("body: expected UTF-8 JSON text");
		return NULL;
	}
	if (!json_parser_load_from_data(parser, data, (gssize) len, &error)) {
		*detail = g_strdup_printf("body: not JSON: %s", error->message);
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		*detail = g_strdup("$: expected a JSON object");
		return NULL;
	}
	obj = json_node_get_object(root);
	node = json_object_get_member(obj, "strategy");
	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_STRING) {
		*detail = g_strdup("strategy: expected the id of one of the bot's strategies");
		return NULL;
	}
	if (json_object_get_size(obj) != 1) {
		*detail = g_strdup("$: unknown member; the body is {\"strategy\": ID}");
		return NULL;
	}
	return g_strdup(json_node_get_string(node));
}

static guint
cw_api_post_switch(CwApiRequest *req)
{
	SoupMessageBody *body = soup_server_message_get_request_body(req->msg);
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(CwStoreBot) bot = {0};
	g_autofree char *detail = NULL;
	g_autofree char *strategy = NULL;
	gsize len = 0;
	const char *data;
	gboolean changed = FALSE;

	if (!cw_api_find_bot(req, &bot))
		return req->status;
	bytes = soup_message_body_flatten(body);
	data = g_bytes_get_data(bytes, &len);
	strategy = cw_api_parse_switch(data, len, &detail);
	if (strategy == NULL)
		return cw_api_problem(req, SOUP_STATUS_BAD_REQUEST, detail);
	if (!cw_bot_admin_switch_strategy(req->api->store, req->name, strategy, &changed, &error))
		return cw_api_problem_from_error(req, error);
	return cw_api_ok(req, SOUP_STATUS_OK, "switched", changed);
}

/* Flattens the bot's position through its guards: at once through the
 * running service's strategy manager (409 when the bot is not running,
 * holds no position or its guards refuse the close), else as a request
 * that the service carries out at its next poll (202). */
static guint
cw_api_post_close(CwApiRequest *req)
{
	g_autoptr(GError) error = NULL;
	g_auto(CwStoreBot) bot = {0};
	g_autofree char *source = NULL;

	if (!cw_api_find_bot(req, &bot))
		return req->status;
	source = g_strdup_printf("api:%s", req->token_name != NULL ? req->token_name : "?");
	if (req->api->manager == NULL) {
		if (cw_bot_admin_request_close(req->api->store, req->name, source, &error) <= 0)
			return cw_api_problem_from_error(req, error);
		return cw_api_ok(req, SOUP_STATUS_ACCEPTED, "close requested", TRUE);
	}
	if (!cw_strategy_manager_close_position(req->api->manager, req->name, source, &error)) {
		if (error->domain == CW_SERVICES_ERROR)
			return cw_api_problem(req, SOUP_STATUS_CONFLICT, error->message);
		return cw_api_problem_from_error(req, error);
	}
	return cw_api_ok(req, SOUP_STATUS_OK, "close sent", TRUE);
}

/* Registered as a WebSocket handler; listed here for the OpenAPI check
 * and answered 400 when asked without an upgrade. */
static guint
cw_api_get_stream(CwApiRequest *req)
{
	return cw_api_problem(req, SOUP_STATUS_BAD_REQUEST,
			      "the stream is a WebSocket: send an Upgrade request");
}

/* What differs between the routes of one handler. */

/* cw_api_get_rows: {member, cursor, next_member, default_limit, max_limit,
 * per_read, read, write, cursor_offset}. GET /bots/{name}/trades?before&limit
 * and /performance?before&limit (the equity series) page newest first,
 * /orders?after&limit the bot's open orders oldest first. */
/* clang-format off */
static const CwApiBotRows cw_api_trades = {
    "trades", "before", "next_before", 100, 1000, 0,
    cw_api_trades_read, cw_api_trade_write, G_STRUCT_OFFSET(CwStoreTrade, id)};
static const CwApiBotRows cw_api_orders = {
    "orders", "after", "next_after", 100, 1000, 0,
    cw_api_orders_read, cw_api_order_write, G_STRUCT_OFFSET(CwStoreOrderRow, id)};
static const CwApiBotRows cw_api_equity = {
    "equity", "before", "next_before", 500, 5000, CW_API_METRICS_PER_READ,
    cw_api_metrics_read, cw_api_metrics_write, G_STRUCT_OFFSET(CwStoreMetricsRow, id)};
/* clang-format on */

/* cw_api_toggle: {kind, on, mode, result} */
static const CwApiToggle cw_api_enable = {CW_API_TOGGLE_ENABLED, TRUE, 0, "enabled"};
static const CwApiToggle cw_api_disable = {CW_API_TOGGLE_ENABLED, FALSE, 0, "disabled"};
static const CwApiToggle cw_api_halt = {CW_API_TOGGLE_MODE, FALSE, CW_BOT_MODE_HALTED, NULL};
static const CwApiToggle cw_api_resume = {CW_API_TOGGLE_MODE, FALSE, CW_BOT_MODE_ACTIVE, NULL};
static const CwApiToggle cw_api_halt_all = {CW_API_TOGGLE_KILL_SWITCH, TRUE, 0, "kill switch on"};
static const CwApiToggle cw_api_resume_all = {CW_API_TOGGLE_KILL_SWITCH, FALSE, 0,
					      "kill switch off"};

static const CwApiRoute cw_api_routes[] = {
    {{"GET", "/bots"}, CW_API_ROLE_READ, FALSE, cw_api_get_bots, NULL},
    {{"POST", "/bots"}, CW_API_ROLE_ADMIN, TRUE, cw_api_post_bots, NULL},
    {{"GET", "/bots/{name}"}, CW_API_ROLE_READ, FALSE, cw_api_get_bot, NULL},
    {{"DELETE", "/bots/{name}"}, CW_API_ROLE_ADMIN, FALSE, cw_api_delete_bot, NULL},
    {{"PUT", "/bots/{name}/config"}, CW_API_ROLE_ADMIN, TRUE, cw_api_put_config, NULL},
    {{"GET", "/bots/{name}/trades"}, CW_API_ROLE_READ, FALSE, cw_api_get_rows, &cw_api_trades},
    {{"GET", "/bots/{name}/orders"}, CW_API_ROLE_READ, FALSE, cw_api_get_rows, &cw_api_orders},
    {{"GET", "/bots/{name}/positions"}, CW_API_ROLE_READ, FALSE, cw_api_get_positions, NULL},
    {{"GET", "/bots/{name}/performance"}, CW_API_ROLE_READ, FALSE, cw_api_get_rows, &cw_api_equity},
    {{"GET", "/bots/{name}/candles"}, CW_API_ROLE_READ, FALSE, cw_api_get_candles, NULL},
    {{"POST", "/bots/{name}/enable"}, CW_API_ROLE_ADMIN, FALSE, cw_api_toggle, &cw_api_enable},
    {{"POST", "/bots/{name}/disable"}, CW_API_ROLE_ADMIN, FALSE, cw_api_toggle, &cw_api_disable},
    {{"POST", "/bots/{name}/halt"}, CW_API_ROLE_ADMIN, FALSE, cw_api_toggle, &cw_api_halt},
    {{"POST", "/bots/{name}/resume"}, CW_API_ROLE_ADMIN, FALSE, cw_api_toggle, &cw_api_resume},
    {{"POST", "/bots/{name}/switch"}, CW_API_ROLE_ADMIN, TRUE, cw_api_post_switch, NULL},
    {{"POST", "/bots/{name}/close"}, CW_API_ROLE_ADMIN, FALSE, cw_api_post_close, NULL},
    {{"POST", "/halt-all"}, CW_API_ROLE_ADMIN, FALSE, cw_api_toggle, &cw_api_halt_all},
    {{"POST", "/resume-all"}, CW_API_ROLE_ADMIN, FALSE, cw_api_toggle, &cw_api_resume_all},
    {{"GET", "/events"}, CW_API_ROLE_READ, FALSE, cw_api_get_events, NULL},
    {{"GET", "/version"}, CW_API_ROLE_READ, FALSE, cw_api_get_version, NULL},
    {{"GET", "/openapi.json"}, CW_API_ROLE_READ, FALSE, cw_api_get_openapi, NULL},
    {{"GET", "/stream"}, CW_API_ROLE_READ, FALSE, cw_api_get_stream, NULL},
};

const CwApiRouteInfo *
cw_api_get_routes(guint *n)
{
	static CwApiRouteInfo infos[G_N_ELEMENTS(cw_api_routes)];

	for (guint i = 0; i < G_N_ELEMENTS(cw_api_routes); i++)
		infos[i] = cw_api_routes[i].info;
	*n = G_N_ELEMENTS(cw_api_routes);
	return infos;
}

/* ---- dispatch ---- */

/* Matches path (below /api/v1) against pattern; name receives the
 * decoded {name} segment. */
static gboolean
cw_api_match(const char *pattern, const char *path, char **name)
{
	g_auto(GStrv) want = g_strsplit(pattern, "/", -1);
	g_auto(GStrv) have = g_strsplit(path, "/", -1);

	if (g_strv_length(want) != g_strv_length(have))
		return FALSE;
	for (guint i = 0; want[i] != NULL; i++) {
		if (g_strcmp0(want[i], "{name}") == 0) {
			g_autofree char *decoded = g_uri_unescape_string(have[i], "/");

			if (decoded == NULL || decoded[0] == '\0')
				return FALSE;
			g_free(*name);
			*name = g_steal_pointer(&decoded);
		} else if (g_strcmp0(want[i], have[i]) != 0) {
			return FALSE;
		}
	}
	return TRUE;
}

/* The route for method and path; allowed receives the methods the path
 * takes when none matched (for 405). */
static const CwApiRoute *
cw_api_route(const char *method, const char *path, char **name, GString *allowed)
{
	for (guint i = 0; i < G_N_ELEMENTS(cw_api_routes); i++) {
		const CwApiRoute *r = &cw_api_routes[i];

		if (!cw_api_match(r->info.pattern, path, name))
			continue;
		if (g_strcmp0(r->info.method, method) == 0)
			return r;
		g_string_append_printf(allowed, "%s%s", allowed->len > 0 ? ", " : "",
				       r->info.method);
	}
	return NULL;
}

static CwApiBucket *
cw_api_bucket(CwApi *self, const char *address)
{
	CwApiBucket *bucket = g_hash_table_lookup(self->buckets, address);
	gint64 now = g_get_monotonic_time();

	if (bucket == NULL) {
		/* bounded: a flood of addresses forgets the old ones */
		if (g_hash_table_size(self->buckets) >= CW_API_MAX_BUCKETS)
			g_hash_table_remove_all(self->buckets);
		bucket = g_new0(CwApiBucket, 1);
		bucket->tokens = self->auth_burst;
		bucket->last_us = now;
		g_hash_table_insert(self->buckets, g_strdup(address), bucket);
	}
	bucket->tokens =
	    MIN(self->auth_burst, bucket->tokens + (double) (now - bucket->last_us) /
						       G_USEC_PER_SEC / CW_API_AUTH_REFILL_S);
	bucket->last_us = now;
	return bucket;
}

/* TRUE with 429 and Retry-After sent when the address has spent its
 * burst of failed logins. */
static gboolean
cw_api_limited(CwApiRequest *req, CwApiBucket *bucket)
{
	g_autofree char *retry = NULL;

	if (bucket->tokens >= 1.0)
		return FALSE;
	retry = g_strdup_printf("%.0f", ceil((1.0 - bucket->tokens) * CW_API_AUTH_REFILL_S));
	soup_message_headers_replace(soup_server_message_get_response_headers(req->msg),
				     "Retry-After", retry);
	cw_api_problem(req, CW_API_STATUS_TOO_MANY_REQUESTS,
		       "too many failed logins from this address; retry later");
	return TRUE;
}

/* Authenticates the request; FALSE with 401, 403 or 429 sent. */
static gboolean
cw_api_authorize(CwApiRequest *req, CwApiRole need)
{
	const char *address = soup_server_message_get_remote_host(req->msg);
	CwApiBucket *bucket = cw_api_bucket(req->api, address != NULL ? address : "?");
	g_autofree char *token = cw_api_stream_request_token(req->msg, req->query);

	if (cw_api_limited(req, bucket))
		return FALSE;
	req->role = cw_api_tokens_check(req->api->tokens, token, &req->token_name);
	if (req->role == CW_API_ROLE_NONE) {
		bucket->tokens -= 1.0;
		soup_message_headers_replace(soup_server_message_get_response_headers(req->msg),
					     "WWW-Authenticate", "Bearer realm=\"candlewick\"");
		cw_api_problem(req, SOUP_STATUS_UNAUTHORIZED,
			       token == NULL ? "a bearer token is required"
					     : "the token is not valid (unknown or revoked)");
		return FALSE;
	}
	if (req->role < need) {
		cw_api_problem(
		    req, SOUP_STATUS_FORBIDDEN,
		    "this route changes the service: it needs a token with the role admin");
		return FALSE;
	}
	return TRUE;
}

/* Journals a change (or a refused one): token name, route, outcome. */
static void
cw_api_audit(CwApiRequest *req, const CwApiRoute *route)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	const char *address = soup_server_message_get_remote_host(req->msg);

	json_builder_begin_object(b);
	cw_api_add_string(b, "token", req->token_name);
	cw_api_add_string(b, "role", cw_api_role_to_string(req->role));
	cw_api_add_string(b, "method", route->info.method);
	cw_api_add_string(b, "route", route->info.pattern);
	cw_api_add_string(b, "bot", req->name);
	cw_api_add_string(b, "address", address);
	cw_api_add_int(b, "status", req->status);
	cw_api_add_string(b, "outcome", req->status < 300 ? "ok" : "refused");
	if (req->detail != NULL)
		cw_api_add_string(b, "detail", req->detail);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	text = cw_bot_admin_json_to_text(root, FALSE);
	if (cw_store_event_append(req->api->store, req->bot_id > 0 ? req->bot_id : 0, NULL,
				  CW_BOT_ADMIN_EVENT_AUDIT, g_get_real_time() / 1000, text,
				  &error) < 0)
		cw_log(G_LOG_LEVEL_WARNING, NULL, NULL, "cannot journal an API audit event: %s",
		       error->message);
}

/* CORS headers for a listed origin; FALSE for a preflight that is done. */
static gboolean
cw_api_cors(CwApi *self, SoupServerMessage *msg)
{
	SoupMessageHeaders *in = soup_server_message_get_request_headers(msg);
	SoupMessageHeaders *out = soup_server_message_get_response_headers(msg);
	const char *origin = soup_message_headers_get_one(in, "Origin");
	gboolean listed = origin != NULL && self->cors != NULL &&
			  g_strv_contains((const char *const *) self->cors, origin);

	if (listed) {
		soup_message_headers_replace(out, "Access-Control-Allow-Origin", origin);
		soup_message_headers_replace(out, "Vary", "Origin");
	}
	if (g_strcmp0(soup_server_message_get_method(msg), "OPTIONS") != 0)
		return TRUE;
	if (listed) {
		soup_message_headers_replace(out, "Access-Control-Allow-Methods",
					     "GET, POST, PUT, DELETE");
		soup_message_headers_replace(out, "Access-Control-Allow-Headers",
					     "Authorization, Content-Type");
		soup_message_headers_replace(out, "Access-Control-Max-Age", "600");
	}
	soup_server_message_set_status(msg, listed ? SOUP_STATUS_NO_CONTENT : SOUP_STATUS_FORBIDDEN,
				       NULL);
	return FALSE;
}

static gboolean
cw_api_check_body(CwApiRequest *req)
{
	SoupMessageHeaders *in = soup_server_message_get_request_headers(req->msg);
	const char *type = soup_message_headers_get_content_type(in, NULL);
	SoupMessageBody *body = soup_server_message_get_request_body(req->msg);

	if (body->length > (goffset) req->api->max_body) {
		g_autofree char *detail =
		    g_strdup_printf("the body is larger than %u bytes", req->api->max_body);

		cw_api_problem(req, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, detail);
		return FALSE;
	}
	if (g_strcmp0(type, "application/json") != 0) {
		cw_api_problem(req, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
			       "the body must be application/json");
		return FALSE;
	}
	return TRUE;
}

static void
cw_api_handle(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
	      gpointer user_data)
{
	CwApi *self = user_data;
	CwApiRequest req = {.api = self, .msg = msg, .path = path, .query = query};
	const char *method = soup_server_message_get_method(msg);
	g_autoptr(GString) allowed = g_string_new(NULL);
	const CwApiRoute *route;
	gboolean mutation;

	if (!cw_api_cors(self, msg))
		return;
	route = cw_api_route(method, path + strlen(CW_API_PREFIX), &req.name, allowed);
	if (route == NULL) {
		if (allowed->len > 0)
			soup_message_headers_replace(soup_server_message_get_response_headers(msg),
						     "Allow", allowed->str);
		cw_api_problem(
		    &req, allowed->len > 0 ? SOUP_STATUS_METHOD_NOT_ALLOWED : SOUP_STATUS_NOT_FOUND,
		    allowed->len > 0 ? "this route takes another method" : "no such route");
		g_free(req.name);
		g_free(req.detail);
		return;
	}
	mutation = g_strcmp0(route->info.method, "GET") != 0;
	req.data = route->data;
	if (cw_api_authorize(&req, route->role) && (!route->body || cw_api_check_body(&req)))
		route->handler(&req);
	if (mutation)
		cw_api_audit(&req, route);
	g_free(req.name);
	g_free(req.detail);
}

/* Refuses a too large body before it is read; journalled as the handler
 * would have (it does not run then). */
static void
cw_api_early(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
	     gpointer user_data)
{
	SoupMessageHeaders *in = soup_server_message_get_request_headers(msg);
	CwApiRequest req = {.api = user_data, .msg = msg, .path = path, .query = query};
	SoupEncoding encoding = soup_message_headers_get_encoding(in);
	g_autoptr(GString) allowed = g_string_new(NULL);
	g_autofree char *token = NULL;
	g_autofree char *too_large =
	    g_strdup_printf("the body is larger than %u bytes", req.api->max_body);
	const CwApiRoute *route;

	if (encoding == SOUP_ENCODING_CONTENT_LENGTH &&
	    soup_message_headers_get_content_length(in) > (goffset) req.api->max_body)
		cw_api_problem(&req, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, too_large);
	else if (encoding == SOUP_ENCODING_CHUNKED)
		cw_api_problem(&req, SOUP_STATUS_LENGTH_REQUIRED,
			       "send the body with a Content-Length");
	else
		return;
	route = cw_api_route(soup_server_message_get_method(msg), path + strlen(CW_API_PREFIX),
			     &req.name, allowed);
	if (route != NULL && g_strcmp0(route->info.method, "GET") != 0) {
		token = cw_api_stream_request_token(msg, query);
		req.role = cw_api_tokens_check(req.api->tokens, token, &req.token_name);
		cw_api_audit(&req, route);
	}
	g_free(req.name);
	g_free(req.detail);
}

/* Runs before the stream's WebSocket upgrade: its failed token checks
 * count against the same per-address limiter as the routes', and a spent
 * burst answers 429 instead of upgrading. A bad token is left to the
 * stream, which closes with 1008 after the upgrade. */
static void
cw_api_stream_gate(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
		   gpointer user_data)
{
	CwApiRequest req = {.api = user_data, .msg = msg, .path = path, .query = query};
	const char *address = soup_server_message_get_remote_host(msg);
	CwApiBucket *bucket = cw_api_bucket(req.api, address != NULL ? address : "?");
	g_autofree char *token = NULL;

	if (!cw_api_limited(&req, bucket)) {
		token = cw_api_stream_request_token(msg, query);
		if (cw_api_tokens_check(req.api->tokens, token, NULL) == CW_API_ROLE_NONE)
			bucket->tokens -= 1.0;
	}
	g_free(req.detail);
}

/* ---- the dashboard's static files ---- */

static const char *
cw_api_mime_type(const char *path)
{
	if (g_str_has_suffix(path, ".html"))
		return "text/html; charset=utf-8";
	if (g_str_has_suffix(path, ".js"))
		return "text/javascript; charset=utf-8";
	if (g_str_has_suffix(path, ".css"))
		return "text/css; charset=utf-8";
	if (g_str_has_suffix(path, ".svg"))
		return "image/svg+xml";
	return "application/octet-stream";
}

/* Only [A-Za-z0-9._-] segments, none starting with '.': no traversal, no
 * hidden names, whatever the resource lookup would do with them. */
static gboolean
cw_api_static_path_ok(const char *path)
{
	if (path[0] != '/' || strlen(path) > 128)
		return FALSE;
	for (const char *p = path; *p != '\0'; p++) {
		if (*p == '/' && (p[1] == '.' || p[1] == '/'))
			return FALSE;
		if (*p != '/' && !g_ascii_isalnum(*p) && strchr("._-", *p) == NULL)
			return FALSE;
	}
	return TRUE;
}

static void
cw_api_static(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
	      gpointer user_data)
{
	CwApiRequest req = {.api = user_data, .msg = msg, .path = path};
	const char *file = g_strcmp0(path, "/") == 0 ? "/index.html" : path;
	g_autofree char *resource = NULL;
	g_autoptr(GBytes) data = NULL;
	const char *method = soup_server_message_get_method(msg);

	if (g_strcmp0(method, "GET") != 0 && g_strcmp0(method, "HEAD") != 0) {
		cw_api_problem(&req, SOUP_STATUS_METHOD_NOT_ALLOWED, "the dashboard is read-only");
	} else if (!cw_api_static_path_ok(file)) {
		cw_api_problem(&req, SOUP_STATUS_NOT_FOUND, "no such file");
	} else {
		resource = g_strconcat(CW_API_RESOURCE "/dashboard", file, NULL);
		data = g_resources_lookup_data(resource, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
		if (data == NULL) {
			cw_api_problem(&req, SOUP_STATUS_NOT_FOUND, "no such file");
		} else {
			SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);

			soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
			soup_server_message_set_response(
			    msg, cw_api_mime_type(file), SOUP_MEMORY_COPY,
			    g_bytes_get_data(data, NULL), g_bytes_get_size(data));
			soup_message_headers_replace(h, "X-Content-Type-Options", "nosniff");
			soup_message_headers_replace(h, "Content-Security-Policy",
						     "default-src 'self'; connect-src 'self' ws: "
						     "wss:; img-src 'self' data:");
			soup_message_headers_replace(h, "X-Frame-Options", "DENY");
		}
	}
	g_free(req.detail);
}

void
cw_api_attach(CwApi *self, SoupServer *server)
{
	/* referencing the resource links it into the executable */
	g_resources_register(cw_api_resources_get_resource());
	cw_api_stream_attach(self->stream, server, CW_API_PREFIX "/stream");
	soup_server_add_handler(server, CW_API_PREFIX "/stream", cw_api_stream_gate, self, NULL);
	soup_server_add_early_handler(server, CW_API_PREFIX, cw_api_early, self, NULL);
	soup_server_add_handler(server, CW_API_PREFIX, cw_api_handle, self, NULL);
	soup_server_add_handler(server, "/", cw_api_static, self, NULL);
}
