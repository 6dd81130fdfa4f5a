#include "cw-services-daemon.h"

#include "cw-net.h"

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

struct _CwHttpServer {
	GObject parent_instance;
	CwHttpServerEnv env;
	SoupServer *server;
	guint port;
	gboolean tls;
	CwApi *api;                  /* nullable: the control API on this server */
	CwApiTokens *metrics_tokens; /* nullable: /metrics needs a read token */
	/* the server's own counters; the bots' series come from snapshots */
	CwMetricRegistry *registry;
	CwMetric *requests[6];   /* by status class: 1xx..5xx, index 0 unused */
	guint max_header_bytes;  /* request line and headers, 431 past it */
	guint request_timeout_s; /* to read a whole request; closed past it */
	guint idle_timeout_s;    /* a kept-alive connection's wait for its next request */
	CwMetric *timeouts;
	CwMetric *idle_closes;
};

G_DEFINE_FINAL_TYPE(CwHttpServer, cw_http_server, G_TYPE_OBJECT)

#define CW_HTTP_STATUS_HEADERS_TOO_LARGE 431 /* not in libsoup 3.2 */

#ifndef CW_VERSION
#define CW_VERSION "0.1.0"
#endif

/* The per-bot families, in the order they are written (the index of
 * cw_http_server_bot_families[]). */
typedef enum {
	CW_BOT_FAMILY_INFO,
	CW_BOT_FAMILY_CANDLES,
	CW_BOT_FAMILY_ORDERS,
	CW_BOT_FAMILY_FILLS,
	CW_BOT_FAMILY_GUARDS,
	CW_BOT_FAMILY_EQUITY,
	CW_BOT_FAMILY_REALIZED,
	CW_BOT_FAMILY_UNREALIZED,
	CW_BOT_FAMILY_POSITION,
	CW_BOT_FAMILY_MODE,
	CW_BOT_FAMILY_FEED_LIVE,
	CW_BOT_FAMILY_STALLED,
	CW_BOT_FAMILY_RESTARTS,
	CW_BOT_FAMILY_CANDLE_AGE,
	CW_BOT_FAMILY_MEMORY,
	CW_BOT_FAMILY_DECISION,
	CW_BOT_FAMILY_ACK,
	CW_BOT_FAMILY_N
} CwBotFamily;

/* Every bot's health view and labels (bot="...",strategy="..."), taken
 * once per scrape: the families are written bot by bot from them, and
 * the render runs on the main loop, so no candle moves them meanwhile. */
typedef struct {
	GArray *bots;    /* CwBotHealth */
	GString *text;   /* the labels back to back, NUL-separated */
	GArray *offsets; /* gsize: each bot's labels in text */
} CwMetricsBots;

typedef struct {
	GString *out;
	CwHttpServer *self;
	const char *family; /* which series this pass writes */
	CwBotFamily id;
	GString *scratch; /* reused: the labels with one more */
	gint64 now_ms;    /* wall clock of the scrape */
} CwMetricsPass;

/* The labels of every per-bot series: the bot and its active strategy
 * (issue 12), escaped. The broker is on candlewick_bot_info only. */
static void
cw_http_server_labels(GString *l, const CwBotHealth *bot)
{
	g_string_append(l, "bot=\"");
	cw_prom_escape_label(l, bot->name);
	g_string_append(l, "\",strategy=\"");
	cw_prom_escape_label(l, bot->strategy);
	g_string_append_c(l, '"');
}

static void
cw_http_server_collect_bot(const CwBotHealth *bot, gpointer user_data)
{
	CwMetricsBots *mb = user_data;
	gsize at = mb->text->len;

	g_array_append_val(mb->bots, *bot);
	cw_http_server_labels(mb->text, bot);
	g_string_append_c(mb->text, '\0');
	g_array_append_val(mb->offsets, at);
}

static void
cw_http_server_bot_info(CwMetricsPass *p, const CwBotHealth *bot, const char *labels)
{
	g_string_assign(p->scratch, labels);
	g_string_append(p->scratch, ",broker=\"");
	cw_prom_escape_label(p->scratch, bot->broker_type != NULL ? bot->broker_type : "");
	g_string_append_c(p->scratch, '"');
	cw_prom_sample(p->out, p->family, p->scratch->str, 1);
}

/* The bot's broker round trips are worth a series: a venue that is not
 * simulated on candles, and at least one order acknowledged. */
static gboolean
cw_http_server_has_round_trips(const CwBotHealth *bot)
{
	return bot->broker != NULL && !bot->broker_simulated && bot->broker->ack.count > 0;
}

/* One sample of p's family with the bot's labels plus name="value", once
 * it is non-zero: a labelled counter's child exists once touched, as in
 * the Prometheus client libraries (docs/operations.md, "Metrics"). */
static void
cw_http_server_sample_with(CwMetricsPass *p, const char *labels, const char *name,
			   const char *value, guint64 n)
{
	if (n == 0)
		return;
	g_string_assign(p->scratch, labels);
	g_string_append_c(p->scratch, ',');
	g_string_append(p->scratch, name);
	g_string_append(p->scratch, "=\"");
	cw_prom_escape_label(p->scratch, value);
	g_string_append_c(p->scratch, '"');
	cw_prom_sample_u64(p->out, p->family, p->scratch->str, n);
}

static void
cw_http_server_bot_counters(CwMetricsPass *p, const char *l, const CwBotCounters *c)
{
	switch (p->id) {
	case CW_BOT_FAMILY_ORDERS:
		cw_http_server_sample_with(p, l, "result", "submitted", c->orders_submitted);
		cw_http_server_sample_with(p, l, "result", "rejected", c->orders_rejected);
		cw_http_server_sample_with(p, l, "result", "cancelled", c->orders_cancelled);
		break;
	case CW_BOT_FAMILY_FILLS:
		cw_http_server_sample_with(p, l, "side", "buy", c->fills_buy);
		cw_http_server_sample_with(p, l, "side", "sell", c->fills_sell);
		break;
	case CW_BOT_FAMILY_GUARDS:
		for (guint i = 0; i < c->n_guards; i++)
			cw_http_server_sample_with(p, l, "guard", c->guard_names[i],
						   c->guard_trips[i]);
		cw_http_server_sample_with(p, l, "guard", "other", c->guard_other);
		break;
	default:
		break;
	}
}

/* The health probe's families: stalled and restarts. */
static void
cw_http_server_bot_probe(CwMetricsPass *p, const char *l, const CwBotHealth *bot)
{
	CwBotProbeState ps = {0};

	if (p->self->env.probe != NULL)
		cw_health_probe_get_bot_state(p->self->env.probe, bot->bot_id, &ps);
	cw_prom_sample(p->out, p->family, l,
		       p->id == CW_BOT_FAMILY_STALLED ? (double) ps.stalled : (double) ps.restarts);
}

/* One family per pass keeps every family's samples together, as the
 * format requires. */
static void
cw_http_server_bot_series(CwMetricsPass *p, const CwBotHealth *bot, const char *l)
{
	const CwBotCounters *c = bot->counters;
	const char *f = p->family;

	switch (p->id) {
	case CW_BOT_FAMILY_INFO:
		cw_http_server_bot_info(p, bot, l);
		break;
	case CW_BOT_FAMILY_CANDLES:
		cw_prom_sample_u64(p->out, f, l, c->candles);
		break;
	case CW_BOT_FAMILY_EQUITY:
		cw_prom_sample(p->out, f, l, bot->equity);
		break;
	case CW_BOT_FAMILY_REALIZED:
		cw_prom_sample(p->out, f, l, bot->realized_pnl);
		break;
	case CW_BOT_FAMILY_UNREALIZED:
		cw_prom_sample(p->out, f, l, bot->unrealized_pnl);
		break;
	case CW_BOT_FAMILY_POSITION:
		cw_prom_sample(p->out, f, l, bot->position_qty);
		break;
	case CW_BOT_FAMILY_MODE:
		cw_prom_sample(p->out, f, l, (double) bot->mode);
		break;
	case CW_BOT_FAMILY_FEED_LIVE:
		cw_prom_sample(p->out, f, l, bot->feed_state == CW_HEALTH_FEED_LIVE);
		break;
	case CW_BOT_FAMILY_STALLED:
	case CW_BOT_FAMILY_RESTARTS:
		cw_http_server_bot_probe(p, l, bot);
		break;
	case CW_BOT_FAMILY_CANDLE_AGE:
		/* in milliseconds, the resolution of candle times: short, and
		 * exact to the millisecond */
		cw_prom_sample(p->out, f, l,
			       c->last_candle_open > 0
				   ? (double) (p->now_ms - c->last_candle_open - bot->interval_ms) /
					 1000
				   : 0);
		break;
	case CW_BOT_FAMILY_MEMORY:
		cw_prom_sample_u64(p->out, f, l, bot->memory_bytes);
		break;
	case CW_BOT_FAMILY_DECISION:
		if (bot->decision_latency != NULL)
			cw_prom_histogram_write(bot->decision_latency, p->out, f, l);
		break;
	/* only for bots that sent an order to a venue: 6 series each, and most
	 * bots of a large process may never trade. A broker simulated on
	 * candles (paper) answers within the candle's own dispatch: its wall
	 * clock round trips say nothing of a venue and are left out. */
	case CW_BOT_FAMILY_ACK:
		if (cw_http_server_has_round_trips(bot))
			cw_prom_histogram_write(&bot->broker->ack, p->out, f, l);
		break;
	default:
		cw_http_server_bot_counters(p, l, c);
		break;
	}
}

static const struct {
	const char *name;
	const char *type;
	const char *help;
} cw_http_server_bot_families[] = {
    [CW_BOT_FAMILY_INFO] = {"candlewick_bot_info", "gauge",
			    "1 for each loaded bot: its active strategy and broker type."},
    [CW_BOT_FAMILY_CANDLES] = {"candlewick_bot_candles_total", "counter",
			       "Closed candles processed by the bot."},
    [CW_BOT_FAMILY_ORDERS] = {"candlewick_bot_orders_total", "counter",
			      "Orders by result (submitted, rejected, cancelled)."},
    [CW_BOT_FAMILY_FILLS] = {"candlewick_bot_fills_total", "counter", "Fills by side."},
    [CW_BOT_FAMILY_GUARDS] = {"candlewick_bot_guard_rejections_total", "counter",
			      "Guard rejections by guard."},
    [CW_BOT_FAMILY_EQUITY] = {"candlewick_bot_equity", "gauge", "Equity in quote currency."},
    [CW_BOT_FAMILY_REALIZED] = {"candlewick_bot_realized_pnl", "gauge",
				"Realized PnL after fees, quote currency."},
    [CW_BOT_FAMILY_UNREALIZED] = {"candlewick_bot_unrealized_pnl", "gauge",
				  "Unrealized PnL, quote currency."},
    [CW_BOT_FAMILY_POSITION] = {"candlewick_bot_position_size", "gauge",
				"Open position quantity, signed (short < 0)."},
    [CW_BOT_FAMILY_MODE] = {"candlewick_bot_mode", "gauge",
			    "Mode: 0 active, 1 reduce-only, 2 halted."},
    [CW_BOT_FAMILY_FEED_LIVE] = {"candlewick_bot_feed_live", "gauge",
				 "1 while the bot's feed is live (not replaying)."},
    [CW_BOT_FAMILY_STALLED] = {"candlewick_bot_stalled", "gauge", "1 while the bot is stalled."},
    [CW_BOT_FAMILY_RESTARTS] = {"candlewick_bot_restarts", "gauge",
				"Restarts of the bot in the restart window."},
    [CW_BOT_FAMILY_CANDLE_AGE] = {"candlewick_bot_last_candle_age_seconds", "gauge",
				  "Seconds since the last processed candle closed."},
    [CW_BOT_FAMILY_MEMORY] = {"candlewick_bot_memory_bytes", "gauge",
			      "Bytes attributable to the bot: orchestrators and runtime buffers."},
    [CW_BOT_FAMILY_DECISION] = {"candlewick_bot_decision_seconds", "histogram",
				"Decision latency: candle dispatch time, every 64th candle."},
    [CW_BOT_FAMILY_ACK] =
	{"candlewick_bot_ack_seconds", "histogram",
	 "Broker round trip: order submitted to acknowledged (venues not simulated on candles)."},
};
G_STATIC_ASSERT(G_N_ELEMENTS(cw_http_server_bot_families) == CW_BOT_FAMILY_N);

static void
cw_http_server_write_service(CwHttpServer *self, GString *out)
{
	guint64 written = 0, dropped = 0;

	cw_prom_family(out, "candlewick_build_info", "gauge", "Build information.");
	cw_prom_sample(out, "candlewick_build_info", "version=\"" CW_VERSION "\"", 1);
	cw_prom_family(out, "candlewick_bots_running", "gauge", "Bots loaded and running.");
	cw_prom_sample(out, "candlewick_bots_running", NULL,
		       cw_strategy_manager_get_n_running(self->env.manager));
	cw_strategy_manager_get_write_counts(self->env.manager, &written, &dropped);
	cw_prom_family(out, "candlewick_store_writes_total", "counter",
		       "Rows written by the store writers.");
	cw_prom_sample_u64(out, "candlewick_store_writes_total", NULL, written);
	cw_prom_family(out, "candlewick_store_dropped_writes_total", "counter",
		       "Writes the store refused and dropped.");
	cw_prom_sample_u64(out, "candlewick_store_dropped_writes_total", NULL, dropped);
	cw_prom_family(out, "candlewick_store_queue_depth", "gauge",
		       "Writes queued in the service writer.");
	cw_prom_sample(out, "candlewick_store_queue_depth", NULL,
		       cw_store_writer_get_pending(self->env.writer));
	if (self->env.flush_hist != NULL) {
		cw_prom_family(out, "candlewick_store_flush_duration_seconds", "histogram",
			       "Duration of store flushes.");
		cw_prom_histogram_write(self->env.flush_hist, out,
					"candlewick_store_flush_duration_seconds", NULL);
	}
	{
		g_autofree char *own = cw_metric_registry_render(self->registry);
		g_string_append(out, own);
	}
}

/* ---- per-feed series: from each live feed's counters (describe_stats),
 * labels feed, exchange, symbol and interval only ---- */

typedef struct {
	char *labels;
	JsonObject *stats; /* nullable: the feed gave none or bad JSON */
	CwFeedState state;
	guint n_bots;
} CwHttpFeed;

static void
cw_http_feed_free(gpointer data)
{
	CwHttpFeed *f = data;

	g_free(f->labels);
	g_clear_pointer(&f->stats, json_object_unref);
	g_free(f);
}

static void
cw_http_server_collect_feed(const CwFeedView *view, gpointer user_data)
{
	GPtrArray *feeds = user_data;
	CwHttpFeed *f = g_new0(CwHttpFeed, 1);
	g_autofree char *text = cw_market_feed_describe_stats(view->feed);
	g_autoptr(JsonParser) parser = json_parser_new();
	const char *exchange = cw_market_feed_get_exchange(view->feed);
	GString *l = g_string_new("feed=\"");
	char interval[32];

	cw_interval_format(view->config->interval_ms, interval, sizeof interval);
	cw_prom_escape_label(l, view->key);
	g_string_append(l, "\",exchange=\"");
	cw_prom_escape_label(l, exchange != NULL ? exchange : "");
	g_string_append(l, "\",symbol=\"");
	cw_prom_escape_label(l, view->config->symbol);
	g_string_append(l, "\",interval=\"");
	cw_prom_escape_label(l, interval);
	g_string_append_c(l, '"');
	f->labels = g_string_free(l, FALSE);
	f->state = cw_market_feed_get_state(view->feed);
	f->n_bots = view->n_bots;
	if (text != NULL && json_parser_load_from_data(parser, text, -1, NULL) &&
	    JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
		f->stats = json_object_ref(json_node_get_object(json_parser_get_root(parser)));
	g_ptr_array_add(feeds, f);
}

static const struct {
	const char *name;
	const char *type;
	const char *member; /* of describe_stats; NULL: written by hand */
	const char *help;
} cw_http_server_feed_families[] = {
    {"candlewick_feed_state", "gauge", NULL,
     "1 for the feed's current state (connecting, backfilling, live, stalled, stopped)."},
    {"candlewick_feed_bots", "gauge", NULL, "Bots fed by the feed."},
    {"candlewick_feed_connects_total", "counter", "connects", "Connections opened."},
    {"candlewick_feed_disconnects_total", "counter", "disconnects", "Connections lost."},
    {"candlewick_feed_reconnects_total", "counter", "reconnect_attempts", "Reconnection attempts."},
    {"candlewick_feed_stalls_total", "counter", "stalls",
     "Times the feed was silent past its limit."},
    {"candlewick_feed_frames_total", "counter", "frames", "Frames received."},
    {"candlewick_feed_bad_frames_total", "counter", NULL, "Frames refused, by kind."},
    {"candlewick_feed_gaps_total", "counter", NULL,
     "Gaps in the candle sequence, by result (filled over REST or not)."},
    {"candlewick_feed_missing_candles_total", "counter", "missing_candles",
     "Candles lost in gaps REST could not fill."},
    {"candlewick_feed_backfilled_candles_total", "counter", "backfilled",
     "Candles delivered from REST (warm-up and gaps)."},
    {"candlewick_feed_forming_dropped_total", "counter", "forming_dropped",
     "REST rows of a candle still forming, left for the stream to confirm."},
    {"candlewick_feed_last_frame_age_seconds", "gauge", NULL,
     "Seconds since the last frame (absent before the first)."},
};

static guint64
cw_http_feed_u64(const CwHttpFeed *f, const char *member)
{
	gint64 v =
	    f->stats != NULL ? json_object_get_int_member_with_default(f->stats, member, 0) : 0;

	return v > 0 ? (guint64) v : 0;
}

static void
cw_http_server_feed_sample(GString *out, const char *family, const char *member,
			   const CwHttpFeed *f)
{
	static const CwFeedState states[] = {CW_FEED_STATE_CONNECTING, CW_FEED_STATE_BACKFILLING,
					     CW_FEED_STATE_LIVE, CW_FEED_STATE_STALLED,
					     CW_FEED_STATE_STOPPED};

	if (member != NULL) {
		cw_prom_sample_u64(out, family, f->labels, cw_http_feed_u64(f, member));
	} else if (g_str_equal(family, "candlewick_feed_state")) {
		for (guint i = 0; i < G_N_ELEMENTS(states); i++) {
			g_autofree char *l = g_strdup_printf("%s,state=\"%s\"", f->labels,
							     cw_feed_state_to_string(states[i]));
			cw_prom_sample(out, family, l, f->state == states[i]);
		}
	} else if (g_str_equal(family, "candlewick_feed_bots")) {
		cw_prom_sample(out, family, f->labels, f->n_bots);
	} else if (g_str_equal(family, "candlewick_feed_gaps_total")) {
		g_autofree char *a = g_strdup_printf("%s,result=\"filled\"", f->labels);
		g_autofree char *b = g_strdup_printf("%s,result=\"unfilled\"", f->labels);
		cw_prom_sample_u64(out, family, a, cw_http_feed_u64(f, "gaps_filled"));
		cw_prom_sample_u64(out, family, b, cw_http_feed_u64(f, "gaps_unfilled"));
	} else if (g_str_equal(family, "candlewick_feed_bad_frames_total")) {
		JsonObject *kinds =
		    f->stats != NULL && json_object_has_member(f->stats, "bad_by_kind")
			? json_object_get_object_member(f->stats, "bad_by_kind")
			: NULL;
		g_autoptr(GList) names = kinds != NULL ? json_object_get_members(kinds) : NULL;
		guint n = 0;

		/* the kinds are the kline parser's fixed error list: bounded */
		for (GList *k = names; k != NULL && n < 32; k = k->next, n++) {
			g_autoptr(GString) l = g_string_new(f->labels);
			g_string_append(l, ",kind=\"");
			cw_prom_escape_label(l, k->data);
			g_string_append_c(l, '"');
			cw_prom_sample_u64(
			    out, family, l->str,
			    (guint64) MAX(
				json_object_get_int_member_with_default(kinds, k->data, 0), 0));
		}
	} else if (g_str_equal(family, "candlewick_feed_last_frame_age_seconds")) {
		gint64 age_ms =
		    f->stats != NULL
			? json_object_get_int_member_with_default(f->stats, "last_frame_age_ms", -1)
			: -1;
		if (age_ms >= 0)
			cw_prom_sample(out, family, f->labels, (double) age_ms / 1000);
	}
}

static void
cw_http_server_write_feeds(CwHttpServer *self, GString *out)
{
	g_autoptr(GPtrArray) feeds = g_ptr_array_new_with_free_func(cw_http_feed_free);

	cw_feed_hub_foreach_feed(cw_strategy_manager_get_feed_hub(self->env.manager),
				 cw_http_server_collect_feed, feeds);
	for (guint i = 0; i < G_N_ELEMENTS(cw_http_server_feed_families); i++) {
		cw_prom_family(out, cw_http_server_feed_families[i].name,
			       cw_http_server_feed_families[i].type,
			       cw_http_server_feed_families[i].help);
		for (guint k = 0; k < feeds->len; k++)
			cw_http_server_feed_sample(out, cw_http_server_feed_families[i].name,
						   cw_http_server_feed_families[i].member,
						   g_ptr_array_index(feeds, k));
	}
}

char *
cw_http_server_render_metrics(CwHttpServer *self, gsize *len)
{
	GString *out = g_string_sized_new(4096);
	g_autoptr(GString) scratch = g_string_sized_new(128);
	g_autoptr(GString) text = g_string_sized_new(4096);
	g_autoptr(GArray) offsets = g_array_new(FALSE, FALSE, sizeof(gsize));
	g_autoptr(GArray) bots = g_array_new(FALSE, FALSE, sizeof(CwBotHealth));
	CwMetricsBots mb = {bots, text, offsets};
	gint64 now_ms = g_get_real_time() / 1000;

	cw_http_server_write_service(self, out);
	cw_http_server_write_feeds(self, out);
	if (self->env.probe != NULL)
		cw_health_probe_write_metrics(self->env.probe, out);

	/* each bot's view once, not once per family */
	cw_strategy_manager_foreach_health(self->env.manager, cw_http_server_collect_bot, &mb);
	for (guint i = 0; i < G_N_ELEMENTS(cw_http_server_bot_families); i++) {
		CwMetricsPass p = {
		    out,     self,  cw_http_server_bot_families[i].name, (CwBotFamily) i,
		    scratch, now_ms};
		cw_prom_family(out, p.family, cw_http_server_bot_families[i].type,
			       cw_http_server_bot_families[i].help);
		for (guint k = 0; k < bots->len; k++)
			cw_http_server_bot_series(&p, &g_array_index(bots, CwBotHealth, k),
						  text->str + g_array_index(offsets, gsize, k));
	}
	*len = out->len;
	return g_string_free(out, FALSE);
}

typedef struct {
	JsonBuilder *b;
	gboolean verbose;
	gboolean ok;
} CwReadyPass;

static void
cw_http_server_check(CwReadyPass *p, const char *name, gboolean ok, const char *detail)
{
	if (!ok)
		p->ok = FALSE;
	if (ok && !p->verbose)
		return;
	json_builder_begin_object(p->b);
	json_builder_set_member_name(p->b, "name");
	json_builder_add_string_value(p->b, name);
	json_builder_set_member_name(p->b, "ok");
	json_builder_add_boolean_value(p->b, ok);
	json_builder_set_member_name(p->b, "detail");
	json_builder_add_string_value(p->b, detail);
	json_builder_end_object(p->b);
}

static void
cw_http_server_feed_check(const CwBotHealth *bot, gpointer user_data)
{
	CwReadyPass *p = user_data;
	g_autofree char *name = g_strdup_printf("feed:%s", bot->name);

	cw_http_server_check(p, name, bot->feed_state == CW_HEALTH_FEED_LIVE,
			     cw_health_feed_state_to_string(bot->feed_state));
}

/* {"error":"what"} */
static char *
cw_http_server_error_json(const char *what)
{
	GString *out = g_string_new(NULL);
	CwJsonWriter w;

	cw_json_writer_init(&w, out, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&w);
	cw_json_writer_member_string(&w, "error", what);
	cw_json_writer_end_object(&w);
	return g_string_free(out, FALSE);
}

/* Every enabled bot of the table must be loaded: running, or running
 * halted on purpose (mode halted keeps it loaded). An enabled bot in
 * error, starting, or stopped (its feed ended, it failed to load) is named
 * with its status and last error. One SELECT of the bots table per
 * request: /readyz is a probe, not a scrape. */
static void
cw_http_server_bot_checks(CwHttpServer *self, CwReadyPass *p)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) rows = cw_store_bot_list(self->env.store, &error);

	if (rows == NULL) {
		cw_http_server_check(p, "bots_table", FALSE, error->message);
		return;
	}
	for (guint i = 0; i < rows->len; i++) {
		const CwStoreBot *bot = g_ptr_array_index(rows, i);
		g_autofree char *name =
		    g_strdup_printf("bot:%s", bot->name != NULL ? bot->name : "?");
		g_autofree char *detail = NULL;
		CwBotRuntime *rt;

		if (bot->corrupt != NULL) {
			cw_http_server_check(p, name, FALSE, bot->corrupt->message);
			continue;
		}
		if (!bot->enabled)
			continue;
		rt = cw_strategy_manager_lookup(self->env.manager, bot->id);
		if (rt != NULL) {
			cw_http_server_check(p, name, TRUE, "running");
			continue;
		}
		detail = g_strdup_printf("enabled but not loaded: status %s%s%s",
					 bot->status != NULL ? bot->status : "?",
					 bot->last_error != NULL ? ": " : "",
					 bot->last_error != NULL ? bot->last_error : "");
		cw_http_server_check(p, name, FALSE, detail);
	}
}

static char *
cw_http_server_checks(CwHttpServer *self, gboolean ready, gboolean verbose, gboolean *ok)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	CwReadyPass p = {b, verbose, TRUE};
	char detail[160] = "no health probe";
	gboolean live = TRUE;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "checks");
	json_builder_begin_array(b);
	if (self->env.probe != NULL)
		live = cw_health_probe_check(self->env.probe, detail, sizeof detail) !=
		       CW_HEALTH_FAILING;
	cw_http_server_check(&p, "main_loop", live, detail);
	if (ready) {
		gboolean db = cw_store_get_data_version(self->env.store, NULL) >= 0;
		cw_http_server_check(&p, "database", db, db ? "open" : "not readable");
		cw_http_server_check(&p, "bots_loaded", *self->env.started,
				     *self->env.started ? "loaded" : "starting");
		cw_strategy_manager_foreach_health(self->env.manager, cw_http_server_feed_check,
						   &p);
		if (*self->env.started)
			cw_http_server_bot_checks(self, &p);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "status");
	json_builder_add_string_value(b, p.ok ? "ok" : "failing");
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	*ok = p.ok;
	return cw_json_to_string(root, FALSE);
}

static void
cw_http_server_answer(CwHttpServer *self, SoupServerMessage *msg, guint status, const char *type,
		      char *body, gsize len)
{
	soup_server_message_set_status(msg, status, NULL);
	soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control",
				     "no-store");
	if (status == 405)
		soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow",
					     "GET, HEAD");
	soup_server_message_set_response(msg, type, SOUP_MEMORY_TAKE, body, len);
}

/* Every answer of the server, the API's too, by status class. */
static void cw_http_server_idle_arm(CwHttpServer *self, SoupServerMessage *msg);

static void
cw_http_server_request_finished(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
	CwHttpServer *self = user_data;
	guint status = soup_server_message_get_status(msg);

	if (status >= 100)
		cw_metric_inc(self->requests[CLAMP(status / 100, 1, 5)]);
	cw_http_server_idle_arm(self, msg);
}

/* With http.metrics_auth, /metrics needs a token of role read or admin
 * (the API's token file); FALSE when the answer is a 401. */
static gboolean
cw_http_server_metrics_allowed(CwHttpServer *self, SoupServerMessage *msg)
{
	SoupMessageHeaders *in = soup_server_message_get_request_headers(msg);
	const char *auth = soup_message_headers_get_one(in, "Authorization");
	g_autofree char *token = NULL;
	const char *name = NULL;

	if (self->metrics_tokens == NULL)
		return TRUE;
	if (auth != NULL && g_ascii_strncasecmp(auth, "Bearer ", 7) == 0)
		token = g_strstrip(g_strdup(auth + 7));
	if (token != NULL &&
	    cw_api_tokens_check(self->metrics_tokens, token, &name) >= CW_API_ROLE_READ)
		return TRUE;
	soup_message_headers_replace(soup_server_message_get_response_headers(msg),
				     "WWW-Authenticate", "Bearer realm=\"candlewick\"");
	cw_http_server_answer(self, msg, 401, "application/json",
			      g_strdup("{\"error\":\"a read token is required\"}"),
			      strlen("{\"error\":\"a read token is required\"}"));
	return FALSE;
}

/* The client takes a gzip body: "gzip" (or "x-gzip", or "*") among the
 * acceptable codings of Accept-Encoding, not refused with q=0. */
static gboolean
cw_http_server_accepts_gzip(SoupServerMessage *msg)
{
	const char *accept = soup_message_headers_get_list(
	    soup_server_message_get_request_headers(msg), "Accept-Encoding");
	GSList *refused = NULL;
	GSList *ok = accept != NULL ? soup_header_parse_quality_list(accept, &refused) : NULL;
	gboolean gzip = FALSE, star = FALSE, no_gzip = FALSE;

	for (GSList *l = ok; l != NULL; l = l->next) {
		if (g_ascii_strcasecmp(l->data, "gzip") == 0 ||
		    g_ascii_strcasecmp(l->data, "x-gzip") == 0)
			gzip = TRUE;
		else if (g_str_equal(l->data, "*"))
			star = TRUE;
	}
	for (GSList *l = refused; l != NULL; l = l->next)
		if (g_ascii_strcasecmp(l->data, "gzip") == 0 ||
		    g_ascii_strcasecmp(l->data, "x-gzip") == 0)
			no_gzip = TRUE;
	soup_header_free_list(ok);
	soup_header_free_list(refused);
	return gzip || (star && !no_gzip);
}

/**
 * cw_http_server_gzip:
 * @data: the body
 * @len: its length
 * @error: a CW_SERVICES_ERROR when zlib fails
 *
 * Compresses a body for `Content-Encoding: gzip` (zlib level 1: the
 * exposition format shrinks about tenfold at the lowest level already,
 * and the main loop waits for it).
 *
 * Returns: the gzip stream, NULL on error
 */
GBytes *
cw_http_server_gzip(const char *data, gsize len, GError **error)
{
	g_autoptr(GZlibCompressor) z = g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP, 1);
	g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable();
	g_autoptr(GOutputStream) out = g_converter_output_stream_new(mem, G_CONVERTER(z));
	g_autoptr(GError) local = NULL;

	if (!g_output_stream_write_all(out, data, len, NULL, NULL, &local) ||
	    !g_output_stream_close(out, NULL, &local)) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_FAILED,
			    "gzip of a %" G_GSIZE_FORMAT "-byte body: %s", len, local->message);
		return NULL;
	}
	return g_memory_output_stream_steal_as_bytes(G_MEMORY_OUTPUT_STREAM(mem));
}

/* /metrics, gzip-encoded when the scraper takes it (Prometheus does);
 * the plain body when zlib fails. Vary tells caches the body depends on
 * Accept-Encoding. */
static void
cw_http_server_answer_metrics(CwHttpServer *self, SoupServerMessage *msg)
{
	SoupMessageHeaders *out = soup_server_message_get_response_headers(msg);
	gsize len = 0;
	char *body = cw_http_server_render_metrics(self, &len);
	g_autoptr(GBytes) gz = NULL;
	g_autoptr(GError) error = NULL;

	soup_message_headers_replace(out, "Vary", "Accept-Encoding");
	if (cw_http_server_accepts_gzip(msg)) {
		gz = cw_http_server_gzip(body, len, &error);
		if (gz == NULL)
			cw_log(G_LOG_LEVEL_WARNING, NULL, NULL, "/metrics sent uncompressed: %s",
			       error != NULL ? error->message : "zlib failed");
	}
	if (gz == NULL) {
		cw_http_server_answer(self, msg, 200, CW_PROM_CONTENT_TYPE, body, len);
		return;
	}
	g_free(body);
	soup_message_headers_replace(out, "Content-Encoding", "gzip");
	soup_server_message_set_status(msg, 200, NULL);
	soup_message_headers_replace(out, "Cache-Control", "no-store");
	soup_message_headers_set_content_type(out, CW_PROM_CONTENT_TYPE, NULL);
	soup_message_body_append_bytes(soup_server_message_get_response_body(msg), gz);
}

/* "?verbose", "?verbose=1", "?a&verbose": libsoup parses no bare key. */
static gboolean
cw_http_server_wants_verbose(SoupServerMessage *msg)
{
	const char *query = g_uri_get_query(soup_server_message_get_uri(msg));
	g_auto(GStrv) parts = query != NULL ? g_strsplit(query, "&", 16) : NULL;

	for (guint i = 0; parts != NULL && parts[i] != NULL; i++) {
		if (g_str_equal(parts[i], "verbose") || g_str_has_prefix(parts[i], "verbose="))
			return TRUE;
	}
	return FALSE;
}

static const char *const cw_http_server_paths[] = {"/metrics", "/livez", "/readyz", "/healthz"};

static void
cw_http_server_handle(SoupServer *server, SoupServerMessage *msg, const char *path,
		      GHashTable *query, gpointer user_data)
{
	CwHttpServer *self = user_data;
	guint status = 404;
	CwHttpRoute route = cw_http_route(soup_server_message_get_method(msg), path, &status);
	gboolean ok = TRUE;
	gboolean verbose = cw_http_server_wants_verbose(msg);
	char *body;

	switch (route) {
	case CW_HTTP_ROUTE_METRICS:
		if (!cw_http_server_metrics_allowed(self, msg))
			return;
		cw_http_server_answer_metrics(self, msg);
		return;
	case CW_HTTP_ROUTE_LIVEZ:
	case CW_HTTP_ROUTE_READYZ:
		body = cw_http_server_checks(self, route == CW_HTTP_ROUTE_READYZ, verbose, &ok);
		cw_http_server_answer(self, msg, ok ? 200 : 503, "application/json", body,
				      strlen(body));
		return;
	default:
		body =
		    cw_http_server_error_json(status == 405 ? "method not allowed" : "not found");
		cw_http_server_answer(self, msg, status, "application/json", body, strlen(body));
		return;
	}
}

static void
cw_http_server_header_bytes(const char *name, const char *value, gpointer user_data)
{
	gsize *total = user_data;

	*total += strlen(name) + strlen(value) + 4; /* "NAME: VALUE\r\n" */
}

/* The request line and headers read; past max_header_bytes the request
 * gets 431 (a problem document below /api/v1) and its body is not read. */
static void
cw_http_server_got_headers(SoupServerMessage *msg, gpointer user_data)
{
	CwHttpServer *self = user_data;
	GUri *uri = soup_server_message_get_uri(msg);
	const char *path = uri != NULL ? g_uri_get_path(uri) : "";
	const char *query = uri != NULL ? g_uri_get_query(uri) : NULL;
	gsize total = strlen(soup_server_message_get_method(msg)) + strlen(path) + 12;
	g_autofree char *body = NULL;
	gsize len;

	if (query != NULL)
		total += strlen(query) + 1;
	soup_message_headers_foreach(soup_server_message_get_request_headers(msg),
				     cw_http_server_header_bytes, &total);
	if (total <= self->max_header_bytes)
		return;
	if (g_str_has_prefix(path, "/api/v1"))
		body = g_strdup_printf(
		    "{\"type\":\"https://candlewick.invalid/problems/431\",\"title\":\"Request "
		    "Header Fields Too Large\",\"status\":431,\"detail\":\"the request line and "
		    "headers are larger than %u bytes\"}",
		    self->max_header_bytes);
	else
		body = cw_http_server_error_json("request header fields too large");
	soup_server_message_set_status(msg, CW_HTTP_STATUS_HEADERS_TOO_LARGE,
				       "Request Header Fields Too Large");
	len = strlen(body);
	soup_server_message_set_response(
	    msg,
	    g_str_has_prefix(path, "/api/v1") ? "application/problem+json" : "application/json",
	    SOUP_MEMORY_TAKE, g_steal_pointer(&body), len);
}

#define CW_HTTP_DEADLINE_KEY "cw-http-deadline"
#define CW_HTTP_IDLE_KEY     "cw-http-idle" /* on the GSocket */

/* A timer that shuts a connection down: a request's deadline (msg set;
 * its socket is looked up when the timer fires, and the close is always
 * counted) or a kept-alive connection's wait for its next request (sock
 * set; libsoup 3.2 starts the next request, request-started, only when its
 * first bytes come, so the wait is bounded on the connection's GSocket, and
 * counted when the socket was still open). The owner (msg, or the socket)
 * holds it under a key; replacing or clearing that key ends the timer. */
typedef struct {
	CwMetric *counter;      /* counts the closes */
	SoupServerMessage *msg; /* not owned: the message owns this */
	GSocket *sock;          /* not owned: the socket owns this */
	guint source_id;
} CwHttpTimer;

static void
cw_http_timer_free(gpointer data)
{
	CwHttpTimer *t = data;

	if (t->source_id != 0)
		g_source_remove(t->source_id);
	g_free(t);
}

/* The request was not read in time (headers or body trickled or stalled),
 * or no next request came: the connection is shut down, which ends it. */
static gboolean
cw_http_timer_cb(gpointer user_data)
{
	CwHttpTimer *t = user_data;
	GSocket *sock = t->msg != NULL ? soup_server_message_get_socket(t->msg) : t->sock;

	t->source_id = 0;
	if (t->msg != NULL) {
		cw_metric_inc(t->counter);
		if (sock != NULL)
			(void) g_socket_shutdown(sock, TRUE, TRUE, NULL);
	} else if (!g_socket_is_closed(sock) && g_socket_shutdown(sock, TRUE, TRUE, NULL)) {
		cw_metric_inc(t->counter);
	}
	return G_SOURCE_REMOVE;
}

/* Arms a timer on owner (under key) that shuts msg's connection, or sock,
 * down after seconds. */
static void
cw_http_timer_arm(GObject *owner, const char *key, guint seconds, CwMetric *counter,
		  SoupServerMessage *msg, GSocket *sock)
{
	CwHttpTimer *t = g_new0(CwHttpTimer, 1);

	t->counter = counter;
	t->msg = msg;
	t->sock = sock;
	t->source_id = g_timeout_add_seconds(seconds, cw_http_timer_cb, t);
	g_object_set_data_full(owner, key, t, cw_http_timer_free);
}

/* Read in time: the deadline ends (the handler's own time is not bounded
 * here; handlers answer from memory and the store). */
static void
cw_http_server_got_body(SoupServerMessage *msg, gpointer user_data)
{
	g_object_set_data(G_OBJECT(msg), CW_HTTP_DEADLINE_KEY, NULL);
}

/* An answer was sent: until the next request starts, the connection has
 * idle_timeout_s (a closed one is left alone; a WebSocket's is the
 * stream's). */
static void
cw_http_server_idle_arm(CwHttpServer *self, SoupServerMessage *msg)
{
	GSocket *sock = soup_server_message_get_socket(msg);

	if (sock == NULL || g_socket_is_closed(sock) ||
	    soup_server_message_get_status(msg) == SOUP_STATUS_SWITCHING_PROTOCOLS)
		return;
	cw_http_timer_arm(G_OBJECT(sock), CW_HTTP_IDLE_KEY, self->idle_timeout_s, self->idle_closes,
			  NULL, sock);
}

static void
cw_http_server_request_started(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
	CwHttpServer *self = user_data;
	GSocket *sock = soup_server_message_get_socket(msg);

	if (sock != NULL) /* not idle any more */
		g_object_set_data(G_OBJECT(sock), CW_HTTP_IDLE_KEY, NULL);
	cw_http_timer_arm(G_OBJECT(msg), CW_HTTP_DEADLINE_KEY, self->request_timeout_s,
			  self->timeouts, msg, NULL);
	g_signal_connect_object(msg, "got-headers", G_CALLBACK(cw_http_server_got_headers),
				user_data, 0);
	g_signal_connect(msg, "got-body", G_CALLBACK(cw_http_server_got_body), NULL);
	g_signal_connect(msg, "finished", G_CALLBACK(cw_http_server_got_body), NULL);
}

static void
cw_http_server_dispose(GObject *object)
{
	CwHttpServer *self = CW_HTTP_SERVER(object);

	if (self->server != NULL)
		soup_server_disconnect(self->server);
	g_clear_object(&self->server);
	g_clear_object(&self->api);
	g_clear_object(&self->metrics_tokens);
	g_clear_object(&self->registry);
	G_OBJECT_CLASS(cw_http_server_parent_class)->dispose(object);
}

static void
cw_http_server_class_init(CwHttpServerClass *klass)
{
	G_OBJECT_CLASS(klass)->dispose = cw_http_server_dispose;
}

static void
cw_http_server_init(CwHttpServer *self)
{
}

CwHttpServer *
cw_http_server_new(const CwHttpServerEnv *env)
{
	CwHttpServer *self = g_object_new(CW_TYPE_HTTP_SERVER, NULL);

	self->env = *env;
	self->max_header_bytes = CW_HTTP_MAX_HEADER_BYTES;
	self->request_timeout_s = CW_HTTP_REQUEST_TIMEOUT_S;
	self->idle_timeout_s = CW_HTTP_IDLE_TIMEOUT_S;
	self->registry = cw_metric_registry_new();
	for (guint i = 1; i < 6; i++) {
		g_autofree char *l = g_strdup_printf("code=\"%uxx\"", i);
		self->requests[i] =
		    cw_metric_registry_counter(self->registry, "candlewick_http_requests_total", l,
					       "HTTP requests answered, by status class.");
	}
	self->timeouts = cw_metric_registry_counter(
	    self->registry, "candlewick_http_request_timeouts_total", NULL,
	    "Requests whose connection was closed because they were not read in time.");
	self->idle_closes = cw_metric_registry_counter(
	    self->registry, "candlewick_http_idle_closes_total", NULL,
	    "Kept-alive connections closed because no next request came in time.");
	self->server = soup_server_new("server-header", "candlewick/" CW_VERSION " ", NULL);
	/* the health paths by name, so that the API's dashboard at "/" does
	 * not shadow them; the default handler answers 404/405 without it */
	for (guint i = 0; i < G_N_ELEMENTS(cw_http_server_paths); i++)
		soup_server_add_handler(self->server, cw_http_server_paths[i],
					cw_http_server_handle, self, NULL);
	soup_server_add_handler(self->server, NULL, cw_http_server_handle, self, NULL);
	g_signal_connect(self->server, "request-started",
			 G_CALLBACK(cw_http_server_request_started), self);
	g_signal_connect(self->server, "request-finished",
			 G_CALLBACK(cw_http_server_request_finished), self);
	return self;
}

void
cw_http_server_set_max_header_bytes(CwHttpServer *self, guint max_bytes)
{
	self->max_header_bytes = MAX(max_bytes, 1);
}

void
cw_http_server_set_request_timeout(CwHttpServer *self, guint seconds)
{
	self->request_timeout_s = MAX(seconds, 1);
}

void
cw_http_server_set_idle_timeout(CwHttpServer *self, guint seconds)
{
	self->idle_timeout_s = MAX(seconds, 1);
}

void
cw_http_server_set_tls(CwHttpServer *self, GTlsCertificate *cert)
{
	g_object_set(self->server, "tls-certificate", cert, NULL);
	self->tls = cert != NULL;
}

void
cw_http_server_attach_api(CwHttpServer *self, CwApi *api)
{
	g_return_if_fail(self->api == NULL);
	self->api = g_object_ref(api);
	cw_api_attach(api, self->server);
}

void
cw_http_server_set_metrics_tokens(CwHttpServer *self, CwApiTokens *tokens)
{
	g_set_object(&self->metrics_tokens, tokens);
}

static gboolean
cw_http_server_listen_unix(CwHttpServer *self, const char *path, GError **error)
{
	g_autoptr(GSocket) sock = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
					       G_SOCKET_PROTOCOL_DEFAULT, error);
	g_autoptr(GSocketAddress) addr = NULL;

	if (sock == NULL)
		return FALSE;
	(void) g_unlink(path);
	addr = g_unix_socket_address_new(path);
	return cw_net_listen_socket(sock, addr, error) &&
	       soup_server_listen_socket(self->server, sock,
					 self->tls ? SOUP_SERVER_LISTEN_HTTPS : 0, error);
}

/* "ADDR:PORT" or "[ADDR6]:PORT", IP literals only: no name lookup, which
 * would block the main loop. */
static GSocketAddress *
cw_http_server_parse_address(const char *listen, GError **error)
{
	g_autofree char *host = NULL;
	const char *colon = strrchr(listen, ':');
	g_autoptr(GInetAddress) addr = NULL;
	guint64 port = 0;

	if (colon != NULL && listen[0] == '[' && colon > listen && colon[-1] == ']')
		host = g_strndup(listen + 1, (gsize) (colon - listen - 2));
	else if (colon != NULL)
		host = g_strndup(listen, (gsize) (colon - listen));
	if (host != NULL)
		addr = g_inet_address_new_from_string(host);
	if (addr == NULL || !g_ascii_string_to_unsigned(colon + 1, 10, 0, 65535, &port, NULL)) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_USAGE,
			    "http listen \"%s\": expected IP:PORT, [IPv6]:PORT, unix:PATH or off",
			    listen);
		return NULL;
	}
	return g_inet_socket_address_new(addr, (guint16) port);
}

gboolean
cw_http_server_listen(CwHttpServer *self, const char *listen, GError **error)
{
	g_autoptr(GSocketAddress) addr = NULL;
	GSList *uris;

	if (g_str_has_prefix(listen, "unix:"))
		return cw_http_server_listen_unix(self, listen + 5, error);
	addr = cw_http_server_parse_address(listen, error);
	/* a real accept backlog: libsoup's is 10, and a burst of clients
	 * (a dashboard's requests and its stream, scrapers) would be reset */
	if (addr == NULL ||
	    !cw_net_listen_tcp(self->server, addr, self->tls ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
		return FALSE;
	if (!self->tls && self->api != NULL &&
	    !g_inet_address_get_is_loopback(
		g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(addr))))
		cw_log(G_LOG_LEVEL_WARNING, NULL, NULL,
		       "the control API listens on %s without TLS: tokens cross the network in "
		       "clear text; set http.tls_cert and http.tls_key",
		       listen);
	uris = soup_server_get_uris(self->server);
	if (uris != NULL)
		self->port = (guint) g_uri_get_port(uris->data);
	g_slist_free_full(uris, (GDestroyNotify) g_uri_unref);
	return TRUE;
}

guint
cw_http_server_get_port(CwHttpServer *self)
{
	return self->port;
}
