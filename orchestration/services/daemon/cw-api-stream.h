/* CwApiStream: GET /api/v1/stream, the event journal over WebSocket.
 *
 * The journal (the store's events table) is the only source: a client is
 * a cursor (the last seq it was sent) into it, so the replay after "after"
 * and the live events are one sequence with no gap and no duplicate. A
 * timer on the main loop sends each client what it is owed while its
 * socket takes data; the candle path never waits for a client. A client
 * that is more than max_queue events behind while its socket takes no more
 * is closed with 4008 "slow consumer". See docs/api.md for the protocol.
 */
#pragma once

#if !defined(CW_SERVICES_DAEMON_INSIDE) && !defined(CW_SERVICES_DAEMON_COMPILATION)
#error "Only <cw-services-daemon.h> can be included directly."
#endif

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "cw-api-tokens.h"
#include "cw-services-store.h"

G_BEGIN_DECLS

#define CW_API_STREAM_CLOSE_SLOW    4008
#define CW_API_STREAM_CLOSE_SILENT  4009
#define CW_API_STREAM_CLOSE_BAD_MSG 4400

#define CW_TYPE_API_STREAM (cw_api_stream_get_type())
G_DECLARE_FINAL_TYPE(CwApiStream, cw_api_stream, CW, API_STREAM, GObject)

CwApiStream *cw_api_stream_new(CwStore *store, CwApiTokens *tokens);
void cw_api_stream_set_limits(CwApiStream *self, guint max_queue, double ping_interval_s);
void cw_api_stream_attach(CwApiStream *self, SoupServer *server, const char *path);
guint cw_api_stream_get_n_clients(CwApiStream *self);
guint64 cw_api_stream_get_n_slow_closes(CwApiStream *self);

/* Parses a subscribe message (see docs/api.md); bot names are looked up in
 * store. bot_ids (set of decimal ids) and types (set of canonical names)
 * are NULL for "every"; after is -1 for "from now on". FALSE with *detail
 * (the JSON path and what is wrong) otherwise. */
gboolean cw_api_stream_parse_subscribe(CwStore *store, const char *data, gsize len,
				       GHashTable **bot_ids, GHashTable **types, gint64 *after,
				       char **detail);

/* Appends the event as the API shows it: seq, time, bot_id, bot (when
 * bot_name is given), strategy_id, type and the payload as JSON. */
void cw_api_stream_event_to_json(JsonBuilder *b, const CwStoreEvent *event, const char *bot_name);

/* The bearer token of a request: "Authorization: Bearer T", else a
 * Sec-WebSocket-Protocol entry "bearer.T", else the query's token=T. */
char *cw_api_stream_request_token(SoupServerMessage *msg, GHashTable *query);

G_END_DECLS
