#pragma once

#if !defined(CW_NOTIFICATIONS_INSIDE) && !defined(CW_NOTIFICATIONS_COMPILATION)
#error "Only <cw-notifications.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/* Telegram's limit on the text of one message, in characters. */
#define CW_TELEGRAM_MAX_TEXT 4096

/* Escapes text for Telegram's MarkdownV2 outside entities: each of
 * _*[]()~`>#+-=|{}.! and \ gets a backslash. */
char *cw_notify_text_escape_markdown_v2(const char *text);
/* Undoes cw_notify_text_escape_markdown_v2() (for tests and the simulator). */
char *cw_notify_text_unescape_markdown_v2(const char *text);
/* Escapes <, > and & for parse_mode HTML. */
char *cw_notify_text_escape_html(const char *text);
/* Splits text into parts of at most max_chars characters (not bytes), at
 * line boundaries where it can, never inside a UTF-8 character or after a
 * lone escaping backslash. Returns a NULL-terminated array. */
char **cw_notify_text_split(const char *text, gsize max_chars);

G_END_DECLS
