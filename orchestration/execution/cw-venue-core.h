/* The venue side shared by the venue-like brokers of the tests ("venue",
 * cw-test-venue-broker.c) and of the bench ("bench-venue",
 * tools/bench/cw-bench-venue-broker.c): the orders the venue holds, the
 * answers it has not delivered yet, fills and their delivery to the
 * broker's report sink. A static library of its own (cw-venue-core) that
 * the tests and candlewick-bench link; neither installed nor part of the
 * installed candlewick. */
#pragma once

#include "cw-execution.h"

G_BEGIN_DECLS

/* What both venues can do (the tests' may add CW_BROKER_CAP_AMEND). */
#define CW_VENUE_CORE_CAPS (CW_BROKER_CAP_NATIVE_STOP | CW_BROKER_CAP_REDUCE_ONLY)

typedef struct {
	CwExecutionSink sink;
	gpointer sink_data;
	GArray *orders; /* of CwOrder: what the venue holds */
	GArray *queue;  /* of answers not yet delivered */
	gint64 now;     /* ms, the last candle's open: the time of fills */
} CwVenueCore;

void cw_venue_core_init(CwVenueCore *self);
void cw_venue_core_clear(CwVenueCore *self);
void cw_venue_core_set_sink(CwVenueCore *self, CwExecutionSink sink, gpointer user_data);
/* The held order with client id id (its index in orders into index,
 * nullable), or NULL. */
CwOrder *cw_venue_core_find(CwVenueCore *self, const char *id, guint *index);
/* Queues an answer: the order as it is now, with a fill and a fault
 * (both nullable). */
void cw_venue_core_queue(CwVenueCore *self, const CwOrder *order, const CwFill *fill,
			 const CwBrokerFault *fault);
/* Fills qty of o at price at the time now (o is updated: average price,
 * filled qty, FILLED or PARTIALLY_FILLED) and queues the answer. */
void cw_venue_core_fill(CwVenueCore *self, CwOrder *o, double qty, double price);
/* TRUE when the candle reaches o's stop price (a sell stop from above, a
 * buy stop from below). */
gboolean cw_venue_core_stop_crossed(const CwOrder *o, const CwCandle *candle);
/* Delivers the oldest queued answer; FALSE when none is queued. */
gboolean cw_venue_core_deliver_one(CwVenueCore *self);
/* Delivers the answers queued so far; those the sink makes the venue
 * queue stay queued. */
void cw_venue_core_deliver_queued(CwVenueCore *self);
/* CwBroker::lookup_order_async of a venue on this core: task returns a
 * copy of the held order, or CW_BROKER_ERROR_NOT_FOUND; _finish is the
 * broker's lookup_order_finish. */
void cw_venue_core_lookup(CwVenueCore *self, GTask *task, const char *id);
gboolean cw_venue_core_lookup_finish(GAsyncResult *result, CwOrder *out, GError **error);

G_END_DECLS
