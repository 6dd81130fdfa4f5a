#include "cw-services-store.h"

#include "cw-event-json.h"

static void
cw_ej_order(CwJsonWriter *w, const CwOrder *o)
{
	cw_json_writer_key(w, "order");
	cw_json_writer_begin_object(w);
	cw_json_writer_member_string(w, "client_order_id", o->client_order_id);
	cw_json_writer_member_string(w, "side", cw_side_to_string(o->side));
	cw_json_writer_member_string(w, "type", cw_order_type_to_string(o->type));
	cw_json_writer_member_string(w, "status", cw_order_status_to_string(o->status));
	cw_json_writer_member_string(w, "purpose", cw_order_purpose_to_string(o->purpose));
	cw_json_writer_member_double(w, "qty", o->qty);
	if (o->price > 0)
		cw_json_writer_member_double(w, "price", o->price);
	if (o->stop_price > 0)
		cw_json_writer_member_double(w, "stop_price", o->stop_price);
	if (o->filled_qty > 0) {
		cw_json_writer_member_double(w, "filled_qty", o->filled_qty);
		cw_json_writer_member_double(w, "avg_fill_price", o->avg_fill_price);
	}
	cw_json_writer_member_boolean(w, "reduce_only", o->reduce_only);
	cw_json_writer_end_object(w);
}

static void
cw_ej_fill(CwJsonWriter *w, const CwFill *f)
{
	cw_json_writer_key(w, "fill");
	cw_json_writer_begin_object(w);
	cw_json_writer_member_string(w, "side", cw_side_to_string(f->side));
	cw_json_writer_member_double(w, "qty", f->qty);
	cw_json_writer_member_double(w, "price", f->price);
	cw_json_writer_member_double(w, "fee", f->fee);
	cw_json_writer_member_boolean(w, "maker", f->maker);
	cw_json_writer_end_object(w);
}

static void
cw_ej_position(CwJsonWriter *w, const CwPosition *p)
{
	cw_json_writer_key(w, "position");
	cw_json_writer_begin_object(w);
	cw_json_writer_member_string(w, "direction", cw_direction_to_string(p->direction));
	cw_json_writer_member_double(w, "qty", p->qty);
	cw_json_writer_member_double(w, "entry_price", p->entry_price);
	cw_json_writer_member_double(w, "stop_price", p->stop_price);
	cw_json_writer_end_object(w);
}

static void
cw_ej_trade(CwJsonWriter *w, const CwTrade *t)
{
	cw_json_writer_key(w, "trade");
	cw_json_writer_begin_object(w);
	cw_json_writer_member_string(w, "direction", cw_direction_to_string(t->direction));
	cw_json_writer_member_int(w, "entry_time", t->entry_time);
	cw_json_writer_member_int(w, "exit_time", t->exit_time);
	cw_json_writer_member_double(w, "entry_price", t->entry_price);
	cw_json_writer_member_double(w, "exit_price", t->exit_price);
	cw_json_writer_member_double(w, "qty", t->qty);
	cw_json_writer_member_double(w, "fees", t->fees);
	cw_json_writer_member_double(w, "net_pnl", t->net_pnl);
	cw_json_writer_member_string(w, "exit_reason", cw_order_purpose_to_string(t->exit_reason));
	cw_json_writer_end_object(w);
}

/**
 * cw_event_to_json:
 *
 * Returns: (transfer full): the payload of @event as one compact JSON
 * object (order, fill, position, trade, signal, source, reason, value);
 * a figure that is NaN or infinite is written as 0.
 */
char *
cw_event_to_json(const CwEvent *event)
{
	GString *out = g_string_new(NULL);
	CwJsonWriter w;

	cw_json_writer_init(&w, out, CW_JSON_WRITER_NON_FINITE_ZERO);
	cw_json_writer_begin_object(&w);
	if (event->order != NULL)
		cw_ej_order(&w, event->order);
	if (event->fill != NULL)
		cw_ej_fill(&w, event->fill);
	if (event->position != NULL)
		cw_ej_position(&w, event->position);
	if (event->trade != NULL)
		cw_ej_trade(&w, event->trade);
	if (event->type == CW_EVENT_SIGNAL_NEW || event->type == CW_EVENT_EXIT_SIGNAL) {
		cw_json_writer_key(&w, "signal");
		cw_json_writer_begin_object(&w);
		cw_json_writer_member_string(&w, "direction",
					     cw_direction_to_string(event->signal.direction));
		cw_json_writer_member_double(&w, "confidence", event->signal.confidence);
		cw_json_writer_member_double(&w, "score_long", event->signal.score_long);
		cw_json_writer_member_double(&w, "score_short", event->signal.score_short);
		cw_json_writer_end_object(&w);
	}
	if (event->source != NULL)
		cw_json_writer_member_string(&w, "source", event->source);
	if (event->reason != NULL)
		cw_json_writer_member_string(&w, "reason", event->reason);
	if (event->value != 0)
		cw_json_writer_member_double(&w, "value", event->value);
	cw_json_writer_end_object(&w);
	return g_string_free(out, FALSE);
}
