#include "cw-notifications.h"

#include <string.h>

static const char cw_notify_text_md_special[] = "_*[]()~`>#+-=|{}.!\\";

/** cw_notify_text_escape_markdown_v2: Returns: (transfer full): the escaped text. */
char *
cw_notify_text_escape_markdown_v2(const char *text)
{
	GString *out = g_string_sized_new(strlen(text) + 16);

	for (const char *p = text; *p != '\0'; p++) {
		if (strchr(cw_notify_text_md_special, *p) != NULL)
			g_string_append_c(out, '\\');
		g_string_append_c(out, *p);
	}
	return g_string_free(out, FALSE);
}

/** cw_notify_text_unescape_markdown_v2: Returns: (transfer full): the plain text. */
char *
cw_notify_text_unescape_markdown_v2(const char *text)
{
	GString *out = g_string_sized_new(strlen(text));

	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		g_string_append_c(out, *p);
	}
	return g_string_free(out, FALSE);
}

/** cw_notify_text_escape_html: Returns: (transfer full): the escaped text. */
char *
cw_notify_text_escape_html(const char *text)
{
	GString *out = g_string_sized_new(strlen(text) + 16);

	for (const char *p = text; *p != '\0'; p++) {
		switch (*p) {
		case '<':
			g_string_append(out, "&lt;");
			break;
		case '>':
			g_string_append(out, "&gt;");
			break;
		case '&':
			g_string_append(out, "&amp;");
			break;
		default:
			g_string_append_c(out, *p);
		}
	}
	return g_string_free(out, FALSE);
}

/* Where to cut [start, ...) so that the part has at most max_chars
 * characters: after the last newline inside the window, else at the
 * window's end moved back off an escaping backslash. */
static const char *
cw_notify_text_cut(const char *start, gsize max_chars)
{
	const char *p = start;
	const char *last_nl = NULL;
	gsize n = 0;

	while (*p != '\0' && n < max_chars) {
		if (*p == '\n')
			last_nl = p;
		p = g_utf8_next_char(p);
		n++;
	}
	if (*p == '\0')
		return p;
	if (last_nl != NULL)
		return last_nl + 1;
	/* a backslash escapes the character after it: keep the pair together */
	{
		gsize backslashes = 0;
		for (const char *q = p - 1; q >= start && *q == '\\'; q--)
			backslashes++;
		if (backslashes % 2 == 1 && p - 1 > start)
			p--;
	}
	return p;
}

/** cw_notify_text_split: Returns: (transfer full): the parts, NULL-terminated. */
char **
cw_notify_text_split(const char *text, gsize max_chars)
{
	GPtrArray *parts = g_ptr_array_new();
	const char *p = text;

	g_return_val_if_fail(max_chars >= 2, NULL);
	if (!g_utf8_validate(text, -1, NULL))
		text = p = "";
	do {
		const char *end = cw_notify_text_cut(p, max_chars);
		gsize len = (gsize) (end - p);
		/* a part that is only the line break drops it */
		if (len > 0 && end[0] != '\0' && p[len - 1] == '\n')
			len--;
		if (len > 0 || parts->len == 0)
			g_ptr_array_add(parts, g_strndup(p, len));
		p = end;
	} while (*p != '\0');
	g_ptr_array_add(parts, NULL);
	return (char **) g_ptr_array_free(parts, FALSE);
}
