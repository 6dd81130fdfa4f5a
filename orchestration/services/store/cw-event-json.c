#include "cw-services-store.h"

#include <json-glib/json-glib.h>
#include <math.h>

#include "cw-config.h"
#include "cw-event-json.h"

static void
cw_ej_double(JsonBuilder *b, const char *key, double v)
{
	json_builder_set_member_name(b, key);
	json_builder_add_double_value(b, isfinite(v) ? v : 0);
}

static void
cw_ej_int(JsonBuilder *b, const char *key, gint64 v)
{
	json_builder_set_member_name(b, key);
	json_builder_add_int_value(b, v);
}

static void
cw_ej_string(JsonBuilder *b, const char *key, const char *v)
{
	json_builder_set_member_name(b, key);
	json_builder_add_string_value(b, v != NULL ? v : "");
}

static void
cw_ej_order(JsonBuilder *b, const CwOrder *o)
{
	json_builder_set_member_name(b, "order");
	json_builder_begin_object(b);
	cw_ej_string(b, "client_order_id", o->client_order_id);
	cw_ej_string(b, "side", cw_side_to_string(o->side));
	cw_ej_string(b, "type", cw_order_type_to_string(o->type));
	cw_ej_string(b, "status", cw_order_status_to_string(o->status));
	cw_ej_string(b, "purpose", cw_order_purpose_to_string(o->purpose));
	cw_ej_double(b, "qty", o->qty);
	if (o->price > 0)
		cw_ej_double(b, "price", o->price);
	if (o->stop_price > 0)
		cw_ej_double(b, "stop_price", o->stop_price);
	if (o->filled_qty > 0) {
		cw_ej_double(b, "filled_qty", o->filled_qty);
		cw_ej_double(b, "avg_fill_price", o->avg_fill_price);
	}
	json_builder_set_member_name(b, "reduce_only");
	json_builder_add_boolean_value(b, o->reduce_only);
	json_builder_end_object(b);
}

static void
cw_ej_fill(JsonBuilder *b, const CwFill *f)
{
	json_builder_set_member_name(b, "fill");
	json_builder_begin_object(b);
	cw_ej_string(b, "side", cw_side_to_string(f->side));
	cw_ej_double(b, "qty", f->qty);
	cw_ej_double(b, "price", f->price);
	cw_ej_double(b, "fee", f->fee);
	json_builder_set_member_name(b, "maker");
	json_builder_add_boolean_value(b, f->maker);
	json_builder_end_object(b);
}

static void
cw_ej_position(JsonBuilder *b, const CwPosition *p)
{
	json_builder_set_member_name(b, "position");
	json_builder_begin_object(b);
	cw_ej_string(b, "direction", cw_direction_to_string(p->direction));
	cw_ej_double(b, "qty", p->qty);
	cw_ej_double(b, "entry_price", p->entry_price);
	cw_ej_double(b, "stop_price", p->stop_price);
	json_builder_end_object(b);
}

static void
cw_ej_trade(JsonBuilder *b, const CwTrade *t)
{
	json_builder_set_member_name(b, "trade");
	json_builder_begin_object(b);
	cw_ej_string(b, "direction", cw_direction_to_string(t->direction));
	cw_ej_int(b, "entry_time", t->entry_time);
	cw_ej_int(b, "exit_time", t->exit_time);
	cw_ej_double(b, "entry_price", t->entry_price);
	cw_ej_double(b, "exit_price", t->exit_price);
	cw_ej_double(b, "qty", t->qty);
	cw_ej_double(b, "fees", t->fees);
	cw_ej_double(b, "net_pnl", t->net_pnl);
	cw_ej_string(b, "exit_reason", cw_order_purpose_to_string(t->exit_reason));
	json_builder_end_object(b);
}

char *
cw_event_to_json(const CwEvent *event)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object(b);
	if (event->order != NULL)
		cw_ej_order(b, event->order);
	if (event->fill != NULL)
		cw_ej_fill(b, event->fill);
	if (event->position != NULL)
		cw_ej_position(b, event->position);
	if (event->trade != NULL)
		cw_ej_trade(b, event->trade);
	if (event->type == CW_EVENT_SIGNAL_NEW || event->type == CW_EVENT_EXIT_SIGNAL) {
		json_builder_set_member_name(b, "signal");
		json_builder_begin_object(b);
		cw_ej_string(b, "direction", cw_direction_to_string(event->signal.direction));
		cw_ej_double(b, "confidence", event->signal.confidence);
		cw_ej_double(b, "score_long", event->signal.score_long);
		cw_ej_double(b, "score_short", event->signal.score_short);
		json_builder_end_object(b);
	}
	if (event->source != NULL)
		cw_ej_string(b, "source", event->source);
	if (event->reason != NULL)
		cw_ej_string(b, "reason", event->reason);
	if (event->value != 0)
		cw_ej_double(b, "value", event->value);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	/* json_generator would write 2e-8 as "2e-08.0", which json_valid() refuses */
	return cw_json_to_string(root, FALSE);
}
