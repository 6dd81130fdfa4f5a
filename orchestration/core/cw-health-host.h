#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-event.h"
#include "cw-guard.h"
#include "cw-prom.h"

G_BEGIN_DECLS

/* A feed's state as the health view sees it. Replay feeds report only
 * RECOVERING (replaying the bot's history) and LIVE; live feeds report
 * what their CwMarketFeed "state-changed" said: CONNECTING, BACKFILLING,
 * LIVE, STALLED (silent, about to reconnect) and DOWN (stopped), with
 * RECOVERING while the bot itself replays its history. Only LIVE and
 * RECOVERING deliver candles: a bot is judged stalled only then. */
typedef enum {
	CW_HEALTH_FEED_UNKNOWN,
	CW_HEALTH_FEED_CONNECTING,
	CW_HEALTH_FEED_RECOVERING,
	CW_HEALTH_FEED_LIVE,
	CW_HEALTH_FEED_DOWN,
	CW_HEALTH_FEED_BACKFILLING,
	CW_HEALTH_FEED_STALLED,
} CwHealthFeedState;

#define CW_HEALTH_FEED_N_STATES (CW_HEALTH_FEED_STALLED + 1)

const char *cw_health_feed_state_to_string(CwHealthFeedState state);

/* bot_state key of a bot's restart times ("ms,ms,..."), written by the
 * health probe and cleared by `bots enable` and `bots resume`. */
#define CW_HEALTH_STATE_RESTARTS "health_restarts"

#define CW_BOT_COUNTERS_MAX_GUARDS 16

/* Plain counters a bot's runtime bumps on the main thread (events, not
 * candles, except `candles`). Guard rejections are kept per guard name for
 * at most CW_BOT_COUNTERS_MAX_GUARDS names, the rest in guard_other. */
typedef struct {
	guint64 candles;
	guint64 orders_submitted;
	guint64 orders_rejected; /* broker errors today: ORDER_REJECTED events */
	guint64 orders_cancelled;
	guint64 fills_buy;
	guint64 fills_sell;
	const char *guard_names[CW_BOT_COUNTERS_MAX_GUARDS]; /* interned */
	guint64 guard_trips[CW_BOT_COUNTERS_MAX_GUARDS];
	guint64 guard_other;
	guint n_guards;
	gint64 last_candle_open; /* ms, 0 before the first */
} CwBotCounters;

/* Counts a guard rejection under its (interned) name. */
void cw_bot_counters_count_guard(CwBotCounters *self, const char *guard);

/* Broker round trips of one bot, measured on the wall clock from its
 * execution reports (ORDER_* events): submit -> acknowledged, in seconds
 * (submit -> first fill is not kept: for a resting stop or limit it is the
 * market's wait, not the venue's). A fixed table of the last submits waiting
 * for an answer, so that observing allocates nothing; a submit pushed
 * out of it before its answer is counted in evicted. */
#define CW_BROKER_ROUND_TRIP_SLOTS 32

typedef struct {
	char client_order_id[CW_CLIENT_ORDER_ID_LEN];
	gint64 submitted_us; /* monotonic; 0: the slot is free */
	gboolean acknowledged;
} CwBrokerPendingOrder;

typedef struct {
	CwBrokerPendingOrder pending[CW_BROKER_ROUND_TRIP_SLOTS];
	guint next; /* the slot a full table reuses */
	CwPromHistogram ack;
	guint64 evicted;
} CwBrokerRoundTrips;

void cw_broker_round_trips_init(CwBrokerRoundTrips *self);
/* Takes one event of the bot (others are ignored); now_us: monotonic. */
void cw_broker_round_trips_observe(CwBrokerRoundTrips *self, const CwEvent *event, gint64 now_us);

/* A read-only snapshot of one loaded bot; pointers are valid for the call
 * that hands it out only. Fields a feed or broker cannot tell yet stay 0. */
typedef struct {
	gint64 bot_id;
	const char *name;
	const char *strategy; /* active strategy id */
	const char *status;   /* "running" for every loaded bot today */
	CwBotMode mode;
	CwHealthFeedState feed_state;
	gint64 interval_ms;
	gint64 loaded_at_ms;      /* wall clock, when the runtime loaded it */
	gint64 last_heartbeat_ms; /* wall clock, last heartbeat written, 0 none */
	const CwBotCounters *counters;
	/* every 64th candle's dispatch, in seconds (nullable) */
	const CwPromHistogram *decision_latency;
	double equity;
	double realized_pnl;
	double unrealized_pnl;
	double position_qty; /* signed */
	/* submit -> acknowledged (nullable) */
	const CwBrokerRoundTrips *broker;
	const char *broker_type; /* the bot's broker.type ("paper", "bybit", ...) */
	/* the bot's broker matches on candles (CW_BROKER_CAP_SIMULATED_ON_CANDLES,
	 * the paper broker): its wall-clock round trips measure nothing of a
	 * venue, and /metrics leaves them out */
	gboolean broker_simulated;
	/* bytes attributable to the bot: its orchestrators (sized when they
	 * were created) and its runtime's buffers, without a heap walk */
	guint64 memory_bytes;
} CwBotHealth;

typedef void (*CwBotHealthFunc)(const CwBotHealth *bot, gpointer user_data);

/* The runtime as a health probe sees it: a read-only view of the loaded
 * bots plus the few actions a probe may take. Implemented by the service,
 * called on the main thread. */
#define CW_TYPE_HEALTH_HOST (cw_health_host_get_type())
G_DECLARE_INTERFACE(CwHealthHost, cw_health_host, CW, HEALTH_HOST, GObject)

struct _CwHealthHostInterface {
	GTypeInterface g_iface;
	void (*foreach_bot)(CwHealthHost *self, CwBotHealthFunc func, gpointer user_data);
	/* Unloads the bot and loads it again from its row, with recovery. */
	gboolean (*restart_bot)(CwHealthHost *self, gint64 bot_id, const char *reason,
				GError **error);
	/* Unloads the bot and records status `error` with message. */
	void (*fail_bot)(CwHealthHost *self, gint64 bot_id, const char *message);
	/* bot_state value (NULL and no error when absent). */
	char *(*get_bot_state)(CwHealthHost *self, gint64 bot_id, const char *key, GError **error);
	/* value NULL deletes the key. */
	void (*set_bot_state)(CwHealthHost *self, gint64 bot_id, const char *key,
			      const char *value);
	/* Journals an event (bot_id 0: the service's own) with a JSON payload. */
	void (*emit_event)(CwHealthHost *self, gint64 bot_id, CwEventType type, const char *json);
	/* The SQLite file, for the DB/WAL size and free-disk samples. */
	const char *(*get_db_path)(CwHealthHost *self);
};

void cw_health_host_foreach_bot(CwHealthHost *self, CwBotHealthFunc func, gpointer user_data);
gboolean cw_health_host_restart_bot(CwHealthHost *self, gint64 bot_id, const char *reason,
				    GError **error);
void cw_health_host_fail_bot(CwHealthHost *self, gint64 bot_id, const char *message);
char *cw_health_host_get_bot_state(CwHealthHost *self, gint64 bot_id, const char *key,
				   GError **error);
void cw_health_host_set_bot_state(CwHealthHost *self, gint64 bot_id, const char *key,
				  const char *value);
void cw_health_host_emit_event(CwHealthHost *self, gint64 bot_id, CwEventType type,
			       const char *json);
const char *cw_health_host_get_db_path(CwHealthHost *self);

G_END_DECLS
