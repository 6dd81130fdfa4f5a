#include "cw-services-daemon.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/random.h>
#include <sys/stat.h>

typedef struct {
	char *name;
	CwApiRole role;
	guint8 hash[32];
} CwApiToken;

struct _CwApiTokens {
	GObject parent_instance;
	char *path;
	GArray *tokens; /* CwApiToken */
	gint64 mtime;
	goffset size;
	guint mode;
	gboolean broken; /* the file changed into something unusable */
};

G_DEFINE_FINAL_TYPE(CwApiTokens, cw_api_tokens, G_TYPE_OBJECT)

#define CW_API_TOKEN_BYTES 24 /* 192 bits */

const char *
cw_api_role_to_string(CwApiRole role)
{
	switch (role) {
	case CW_API_ROLE_READ:
		return "read";
	case CW_API_ROLE_ADMIN:
		return "admin";
	default:
		return "none";
	}
}

gboolean
cw_api_role_from_string(const char *text, CwApiRole *role)
{
	if (g_strcmp0(text, "read") == 0)
		*role = CW_API_ROLE_READ;
	else if (g_strcmp0(text, "admin") == 0)
		*role = CW_API_ROLE_ADMIN;
	else
		return FALSE;
	return TRUE;
}

static void
cw_api_token_clear(gpointer data)
{
	CwApiToken *t = data;

	g_free(t->name);
}

static void
cw_api_tokens_finalize(GObject *object)
{
	CwApiTokens *self = CW_API_TOKENS(object);

	g_free(self->path);
	g_clear_pointer(&self->tokens, g_array_unref);
	G_OBJECT_CLASS(cw_api_tokens_parent_class)->finalize(object);
}

static void
cw_api_tokens_class_init(CwApiTokensClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_api_tokens_finalize;
}

static void
cw_api_tokens_init(CwApiTokens *self)
{
}

gboolean
cw_api_tokens_equal(const guint8 *a, const guint8 *b, gsize n)
{
	volatile guint8 diff = 0;

	for (gsize i = 0; i < n; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

char *
cw_api_tokens_hash(const char *token)
{
	return g_compute_checksum_for_string(G_CHECKSUM_SHA256, token, -1);
}

static gboolean
cw_api_tokens_unhex(const char *hex, guint8 out[32])
{
	if (strlen(hex) != 64)
		return FALSE;
	for (guint i = 0; i < 32; i++) {
		int hi = g_ascii_xdigit_value(hex[2 * i]);
		int lo = g_ascii_xdigit_value(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return FALSE;
		out[i] = (guint8) (hi * 16 + lo);
	}
	return TRUE;
}

static gboolean
cw_api_tokens_name_valid(const char *name)
{
	if (name == NULL || name[0] == '\0' || strlen(name) > 64)
		return FALSE;
	for (const char *p = name; *p != '\0'; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
			return FALSE;
	return TRUE;
}

static gboolean
cw_api_tokens_parse_line(const char *path, guint lineno, const char *line, GArray *tokens,
			 GError **error)
{
	g_auto(GStrv) fields = g_strsplit_set(line, " \t", -1);
	g_autoptr(GPtrArray) words = g_ptr_array_new();
	CwApiToken t = {0};

	for (guint i = 0; fields[i] != NULL; i++)
		if (fields[i][0] != '\0')
			g_ptr_array_add(words, fields[i]);
	if (words->len != 3 || !cw_api_tokens_name_valid(words->pdata[0]) ||
	    !cw_api_role_from_string(words->pdata[1], &t.role) ||
	    !cw_api_tokens_unhex(words->pdata[2], t.hash)) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_DATA,
			    "%s:%u: expected 'NAME read|admin SHA256-HEX'", path, lineno);
		return FALSE;
	}
	for (guint i = 0; i < tokens->len; i++) {
		if (g_strcmp0(g_array_index(tokens, CwApiToken, i).name, words->pdata[0]) == 0) {
			g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_DATA,
				    "%s:%u: token name '%s' is used twice", path, lineno,
				    (char *) words->pdata[0]);
			return FALSE;
		}
	}
	t.name = g_strdup(words->pdata[0]);
	g_array_append_val(tokens, t);
	return TRUE;
}

/* The tokens of the file; a missing file is an error unless allow_missing. */
static GArray *
cw_api_tokens_read(const char *path, gboolean allow_missing, GStatBuf *st_out, GError **error)
{
	g_autoptr(GArray) tokens = g_array_new(FALSE, TRUE, sizeof(CwApiToken));
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	GStatBuf st;

	g_array_set_clear_func(tokens, cw_api_token_clear);
	if (g_stat(path, &st) != 0) {
		int saved = errno;

		if (saved == ENOENT && allow_missing)
			return g_steal_pointer(&tokens);
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO, "%s: %s", path,
			    g_strerror(saved));
		return NULL;
	}
	if ((st.st_mode & 077) != 0) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO,
			    "%s: the token file is readable or writable by group or others (mode "
			    "%03o); refusing it: chmod 600 %s",
			    path, (guint) (st.st_mode & 0777), path);
		return NULL;
	}
	if (!g_file_get_contents(path, &text, NULL, error))
		return NULL;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_strstrip(lines[i]);
		if (lines[i][0] == '\0' || lines[i][0] == '#')
			continue;
		if (!cw_api_tokens_parse_line(path, i + 1, lines[i], tokens, error))
			return NULL;
	}
	if (st_out != NULL)
		*st_out = st;
	return g_steal_pointer(&tokens);
}

CwApiTokens *
cw_api_tokens_new(const char *path, GError **error)
{
	g_autoptr(CwApiTokens) self = g_object_new(CW_TYPE_API_TOKENS, NULL);
	GStatBuf st;

	self->path = g_strdup(path);
	self->tokens = cw_api_tokens_read(path, FALSE, &st, error);
	if (self->tokens == NULL)
		return NULL;
	self->mtime =
	    (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) + st.st_mtim.tv_nsec;
	self->size = st.st_size;
	self->mode = st.st_mode;
	return g_steal_pointer(&self);
}

static void
cw_api_tokens_refresh(CwApiTokens *self)
{
	g_autoptr(GError) error = NULL;
	GArray *tokens;
	GStatBuf st;
	gint64 mtime;

	if (g_stat(self->path, &st) != 0) {
		if (!self->broken)
			cw_log(G_LOG_LEVEL_WARNING, NULL, NULL,
			       "%s: token file gone: every API token is refused", self->path);
		self->broken = TRUE;
		self->mtime = 0;
		return;
	}
	mtime = (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) + st.st_mtim.tv_nsec;
	if (mtime == self->mtime && st.st_size == self->size && st.st_mode == self->mode)
		return;
	self->mtime = mtime;
	self->size = st.st_size;
	self->mode = st.st_mode;
	tokens = cw_api_tokens_read(self->path, FALSE, NULL, &error);
	if (tokens == NULL) {
		cw_log(G_LOG_LEVEL_WARNING, NULL, NULL, "every API token is refused: %s",
		       error->message);
		self->broken = TRUE;
		return;
	}
	g_array_unref(self->tokens);
	self->tokens = tokens;
	self->broken = FALSE;
}

CwApiRole
cw_api_tokens_check(CwApiTokens *self, const char *token, const char **name)
{
	g_autofree char *hex = NULL;
	guint8 hash[32];
	CwApiRole role = CW_API_ROLE_NONE;

	cw_api_tokens_refresh(self);
	if (self->broken || token == NULL || token[0] == '\0')
		return CW_API_ROLE_NONE;
	hex = cw_api_tokens_hash(token);
	if (!cw_api_tokens_unhex(hex, hash))
		return CW_API_ROLE_NONE;
	/* every hash is compared: the time does not say which one matched */
	for (guint i = 0; i < self->tokens->len; i++) {
		CwApiToken *t = &g_array_index(self->tokens, CwApiToken, i);

		if (cw_api_tokens_equal(t->hash, hash, sizeof(hash))) {
			role = t->role;
			if (name != NULL)
				*name = t->name;
		}
	}
	return role;
}

guint
cw_api_tokens_get_n(CwApiTokens *self)
{
	return self->tokens->len;
}

static gboolean
cw_api_tokens_write(const char *path, GArray *tokens, GError **error)
{
	g_autoptr(GString) out = g_string_new("# candlewick API tokens: NAME ROLE SHA256\n");

	for (guint i = 0; i < tokens->len; i++) {
		CwApiToken *t = &g_array_index(tokens, CwApiToken, i);

		g_string_append_printf(out, "%s %s ", t->name, cw_api_role_to_string(t->role));
		for (guint j = 0; j < 32; j++)
			g_string_append_printf(out, "%02x", t->hash[j]);
		g_string_append_c(out, '\n');
	}
	return g_file_set_contents_full(path, out->str, (gssize) out->len,
					G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

char *
cw_api_tokens_add(const char *path, const char *name, CwApiRole role, GError **error)
{
	g_autoptr(GArray) tokens = NULL;
	g_autofree char *hex = NULL;
	guint8 raw[CW_API_TOKEN_BYTES];
	g_autoptr(GString) token = g_string_new("cw_");
	CwApiToken t = {0};

	if (!cw_api_tokens_name_valid(name)) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_USAGE,
			    "token name '%s': expected 1 to 64 letters, digits, '-', '_' or '.'",
			    name);
		return NULL;
	}
	tokens = cw_api_tokens_read(path, TRUE, NULL, error);
	if (tokens == NULL)
		return NULL;
	for (guint i = 0; i < tokens->len; i++) {
		if (g_strcmp0(g_array_index(tokens, CwApiToken, i).name, name) == 0) {
			g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_USAGE,
				    "%s: a token named '%s' exists already; revoke it first", path,
				    name);
			return NULL;
		}
	}
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t) sizeof(raw)) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO,
			    "cannot read random bytes: %s", g_strerror(errno));
		return NULL;
	}
	for (guint i = 0; i < sizeof(raw); i++)
		g_string_append_printf(token, "%02x", raw[i]);
	memset(raw, 0, sizeof(raw));
	hex = cw_api_tokens_hash(token->str);
	cw_api_tokens_unhex(hex, t.hash);
	t.name = g_strdup(name);
	t.role = role;
	g_array_append_val(tokens, t);
	if (!cw_api_tokens_write(path, tokens, error))
		return NULL;
	return g_string_free(g_steal_pointer(&token), FALSE);
}

gboolean
cw_api_tokens_revoke(const char *path, const char *name, GError **error)
{
	g_autoptr(GArray) tokens = cw_api_tokens_read(path, FALSE, NULL, error);

	if (tokens == NULL)
		return FALSE;
	for (guint i = 0; i < tokens->len; i++) {
		if (g_strcmp0(g_array_index(tokens, CwApiToken, i).name, name) == 0) {
			g_array_remove_index(tokens, i);
			return cw_api_tokens_write(path, tokens, error);
		}
	}
	g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_USAGE, "%s: no token named '%s'",
		    path, name);
	return FALSE;
}

char *
cw_api_tokens_list(const char *path, GError **error)
{
	g_autoptr(GArray) tokens = cw_api_tokens_read(path, FALSE, NULL, error);
	g_autoptr(GString) out = g_string_new(NULL);

	if (tokens == NULL)
		return NULL;
	for (guint i = 0; i < tokens->len; i++) {
		CwApiToken *t = &g_array_index(tokens, CwApiToken, i);

		g_string_append_printf(out, "%s %s\n", t->name, cw_api_role_to_string(t->role));
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}
