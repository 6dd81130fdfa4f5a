/* libFuzzer target: the bybit broker's parsers of what Bybit v5 answers
 * (the REST envelope and its orders, executions and positions) and of the
 * private stream's frames. Any input must parse or be refused with
 * CW_BROKER_ERROR, without a crash, a leak or a value the parsers promise
 * never to return (negative quantities, an unknown status). */

#include "cw-bybit.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
cw_fuzz_check_error(GError *error)
{
	if (error == NULL || error->domain != CW_BROKER_ERROR)
		abort();
}

static void
cw_fuzz_items(JsonArray *list)
{
	for (guint i = 0; list != NULL && i < json_array_get_length(list); i++) {
		JsonNode *node = json_array_get_element(list, i);
		g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;
		CwBybitOrderInfo o;
		CwBybitExec x;
		CwBybitPosition p;

		if (!JSON_NODE_HOLDS_OBJECT(node))
			continue;
		if (cw_bybit_parse_order(json_node_get_object(node), "list[]", &o, &e1)) {
			if (o.qty < 0 || o.cum_qty < 0 || o.price < 0 || !isfinite(o.avg_price) ||
			    o.status > CW_ORDER_STATUS_PENDING_REPLACE)
				abort();
		} else {
			cw_fuzz_check_error(e1);
		}
		if (cw_bybit_parse_exec(json_node_get_object(node), "list[]", &x, &e2)) {
			if (x.qty < 0 || x.price < 0 || x.exec_id[0] == '\0')
				abort();
		} else {
			cw_fuzz_check_error(e2);
		}
		if (cw_bybit_parse_position(json_node_get_object(node), "list[]", &p, &e3)) {
			if (!isfinite(p.size))
				abort();
		} else {
			cw_fuzz_check_error(e3);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	CwBybitEnvelope env;
	CwBybitFrame frame;

	if (cw_bybit_parse_envelope((const char *) data, size, &env, &error)) {
		g_autoptr(GError) list_error = NULL;
		JsonArray *list = cw_bybit_envelope_list(&env, &list_error);

		if (list == NULL)
			cw_fuzz_check_error(list_error);
		cw_fuzz_items(list);
	} else {
		cw_fuzz_check_error(error);
	}
	cw_bybit_envelope_clear(&env);
	g_clear_error(&error);
	if (cw_bybit_parse_frame((const char *) data, size, &frame, &error)) {
		if (frame.kind == CW_BYBIT_FRAME_TOPIC && frame.data == NULL)
			abort();
		cw_fuzz_items(frame.data);
	} else {
		cw_fuzz_check_error(error);
	}
	cw_bybit_frame_clear(&frame);
	return 0;
}
