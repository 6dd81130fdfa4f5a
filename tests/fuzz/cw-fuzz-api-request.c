/* libFuzzer target: what a client sends the control API. The input is
 * read as a query string (every value through the integer parser), as the
 * body of POST /bots/{name}/switch and as a stream subscribe message. Each
 * must be accepted or refused with a message, never crash, leak or accept
 * a value it then misreads. Links the services library (cw_services_dep). */

#define CW_SERVICES_COMPILATION
#include "cw-services.h"

#include <stdint.h>
#include <stdlib.h>

#include "cw-api-stream.h"
#include "cw-api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
cw_fuzz_api_query(const char *text)
{
	g_autoptr(GHashTable) params = g_uri_parse_params(text, -1, "&", G_URI_PARAMS_NONE, NULL);
	GHashTableIter iter;
	gpointer key, value;

	if (params == NULL)
		return;
	g_hash_table_iter_init(&iter, params);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		gint64 n = 0, again = 0;
		char buf[32];

		if (!cw_api_parse_int(value, -1000, G_MAXINT64, &n))
			continue;
		/* an accepted value reads back as itself */
		g_snprintf(buf, sizeof(buf), "%" G_GINT64_FORMAT, n);
		if (n < -1000 || !cw_api_parse_int(buf, -1000, G_MAXINT64, &again) || again != n)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static CwStore *store;
	g_autofree char *text = g_strndup((const char *) data, size);
	g_autofree char *detail = NULL, *strategy = NULL;
	g_autoptr(GHashTable) bots = NULL;
	g_autoptr(GHashTable) types = NULL;
	gint64 after = 0;

	if (store == NULL) {
		store = cw_store_open(":memory:", NULL);
		if (store == NULL)
			abort();
		cw_store_bot_add(store, "btc", "{}", TRUE, NULL);
	}
	cw_fuzz_api_query(text);
	strategy = cw_api_parse_switch((const char *) data, size, &detail);
	if ((strategy == NULL) == (detail == NULL))
		abort();
	g_clear_pointer(&detail, g_free);
	if (cw_api_stream_parse_subscribe(store, (const char *) data, size, &bots, &types, &after,
					  &detail)) {
		if (detail != NULL || after < -1)
			abort();
	} else if (detail == NULL || bots != NULL || types != NULL) {
		abort();
	}
	return 0;
}
