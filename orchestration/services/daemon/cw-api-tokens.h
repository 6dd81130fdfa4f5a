/* CwApiTokens: the bearer tokens of the control API.
 *
 * The token file holds one token a line: "NAME ROLE SHA256-HEX", '#' starts
 * a comment. Only the hash of a token is stored. The file must be readable
 * by its owner only: a group- or world-readable file is refused. The
 * running service re-reads the file when it changes, so that `candlewick
 * tokens revoke` takes effect at once.
 */
#pragma once

#if !defined(CW_SERVICES_DAEMON_INSIDE) && !defined(CW_SERVICES_DAEMON_COMPILATION)
#error "Only <cw-services-daemon.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
	CW_API_ROLE_NONE = 0,
	CW_API_ROLE_READ = 1,
	CW_API_ROLE_ADMIN = 2,
} CwApiRole;

const char *cw_api_role_to_string(CwApiRole role);
gboolean cw_api_role_from_string(const char *text, CwApiRole *role);

#define CW_TYPE_API_TOKENS (cw_api_tokens_get_type())
G_DECLARE_FINAL_TYPE(CwApiTokens, cw_api_tokens, CW, API_TOKENS, GObject)

/* Loads the token file; fails when it is missing, unreadable, readable by
 * group or others, or holds a malformed line (named as FILE:LINE). */
CwApiTokens *cw_api_tokens_new(const char *path, GError **error);
/* The role of token (NONE when unknown) and, for a known token, its name
 * (borrowed until the next call). Re-reads the file when its size or
 * modification time changed; when the new file is unusable every token is
 * refused (fail closed) and the reason logged. Every stored hash is
 * compared, in constant time. */
CwApiRole cw_api_tokens_check(CwApiTokens *self, const char *token, const char **name);
guint cw_api_tokens_get_n(CwApiTokens *self);

/* TRUE when the n bytes of a and b are equal; the time taken does not
 * depend on where they differ. */
gboolean cw_api_tokens_equal(const guint8 *a, const guint8 *b, gsize n);
/* SHA-256 of the token in lower-case hex. */
char *cw_api_tokens_hash(const char *token);

/* Adds NAME with role to the file (created 0600 when missing); returns the
 * new token (printed once, never stored). A taken name is an error. */
char *cw_api_tokens_add(const char *path, const char *name, CwApiRole role, GError **error);
/* Removes NAME; NOT_FOUND-like error when there is none. */
gboolean cw_api_tokens_revoke(const char *path, const char *name, GError **error);
/* "NAME ROLE" lines of the file (the hashes are not shown). */
char *cw_api_tokens_list(const char *path, GError **error);

G_END_DECLS
