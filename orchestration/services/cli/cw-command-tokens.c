/* candlewick tokens: the bearer tokens of the control API. */
#include "cw-services-cli.h"

#include <stdio.h>

static const char *cw_command_tokens_usage =
    "usage: candlewick tokens add --role read|admin [--file F] NAME\n"
    "       candlewick tokens list [--file F]\n"
    "       candlewick tokens revoke [--file F] NAME\n"
    "The token file defaults to $CW_API_TOKENS.\n";

int
cw_command_tokens(int argc, char **argv)
{
	g_autofree char *file = NULL;
	g_autofree char *role_text = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GOptionContext) ctx = g_option_context_new("add|list|revoke [NAME]");
	CwApiRole role = CW_API_ROLE_NONE;
	const char *sub;
	GOptionEntry entries[] = {
	    {"file", 0, 0, G_OPTION_ARG_FILENAME, &file, "The token file (default $CW_API_TOKENS)",
	     "F"},
	    {"role", 0, 0, G_OPTION_ARG_STRING, &role_text, "read or admin (tokens add)", "ROLE"},
	    {NULL},
	};

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cw_commands_parse_options(ctx, entries, &argc, &argv, 2, &error)) {
		cw_commands_print_error("tokens", error);
		return 2;
	}
	if (file == NULL && g_getenv("CW_API_TOKENS") != NULL)
		file = g_strdup(g_getenv("CW_API_TOKENS"));
	sub = argc >= 2 ? argv[1] : NULL;
	if (file == NULL || sub == NULL) {
		fprintf(stderr, "%s", cw_command_tokens_usage);
		return 2;
	}
	if (g_strcmp0(sub, "list") == 0 && argc == 2) {
		g_autofree char *text = cw_api_tokens_list(file, &error);

		if (text == NULL) {
			cw_commands_print_error("tokens list", error);
			return 1;
		}
		fputs(text, stdout);
		return 0;
	}
	if (g_strcmp0(sub, "revoke") == 0 && argc == 3) {
		if (!cw_api_tokens_revoke(file, argv[2], &error)) {
			cw_commands_print_error("tokens revoke", error);
			return 1;
		}
		printf("revoked token '%s'\n", argv[2]);
		return 0;
	}
	if (g_strcmp0(sub, "add") == 0 && argc == 3) {
		g_autofree char *token = NULL;

		if (!cw_api_role_from_string(role_text, &role)) {
			fprintf(stderr, "candlewick tokens add: --role: expected read or admin\n");
			return 2;
		}
		token = cw_api_tokens_add(file, argv[2], role, &error);
		if (token == NULL) {
			cw_commands_print_error("tokens add", error);
			return 1;
		}
		/* the only time the token is shown: the file keeps its hash */
		printf("%s\n", token);
		return 0;
	}
	fprintf(stderr, "%s", cw_command_tokens_usage);
	return 2;
}
