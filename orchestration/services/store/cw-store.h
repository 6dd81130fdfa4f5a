/* CwStore: the SQLite store of candlewick.
 *
 * One CwStore is one connection to one database file, in WAL mode with
 * foreign keys on. The schema version lives in PRAGMA user_version (it sits
 * in the file header, changes atomically with the migration transaction and
 * cannot be lost or duplicated the way a row in a version table can). Every
 * schema change is a numbered migration step; opening a file migrates it to
 * CW_STORE_SCHEMA_VERSION and refuses a file that is newer.
 *
 * Every statement is prepared once per CwStore and reused. Calls are
 * serialised by a mutex, so a CwStore may be shared between threads, but a
 * transaction (cw_store_begin()) belongs to the connection, not the thread:
 * use one CwStore per thread that needs its own transactions.
 *
 * Ids: a bot id is > 0. Where a bot id is stored, 0 (or less) means "no bot"
 * (backtest rows). Where a bot id filters a query, -1 means any bot and 0
 * means rows without a bot. Times are milliseconds since the Unix epoch;
 * 0 stands for a NULL time.
 */
#pragma once

#if !defined(CW_SERVICES_STORE_INSIDE) && !defined(CW_SERVICES_STORE_COMPILATION)
#error "Only <cw-services-store.h> can be included directly."
#endif

#include "cw-core.h"

G_BEGIN_DECLS

#define CW_STORE_SCHEMA_VERSION 7

#define CW_STORE_ERROR (cw_store_error_quark())
GQuark cw_store_error_quark(void);

typedef enum {
	CW_STORE_ERROR_OPEN,       /* the file cannot be opened or configured */
	CW_STORE_ERROR_MIGRATE,    /* a migration step failed, or the schema is too new */
	CW_STORE_ERROR_QUERY,      /* a statement failed */
	CW_STORE_ERROR_CONSTRAINT, /* a value was refused: duplicate, bad status, NOT NULL... */
	CW_STORE_ERROR_NOT_FOUND,  /* no such bot, order, run, position */
	CW_STORE_ERROR_CORRUPT,    /* a row holds a value it may not; names table, rowid, column */
	/* the database takes no write now: disk full (SQLITE_FULL), read-only
	 * file or directory, I/O error. The same write may succeed later. */
	CW_STORE_ERROR_UNWRITABLE,
} CwStoreError;

#define CW_TYPE_STORE (cw_store_get_type())
G_DECLARE_FINAL_TYPE(CwStore, cw_store, CW, STORE, GObject)

/* Opens or creates the database at path (":memory:" works, without WAL) and
 * migrates it to CW_STORE_SCHEMA_VERSION. */
CwStore *cw_store_open(const char *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Opens an existing database read-only (SQLITE_OPEN_READONLY) and migrates
 * nothing: an older or newer schema is an error that names its version. */
CwStore *cw_store_open_read_only(const char *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Like cw_store_open() but migrates only up to version (1..latest); for
 * tests that need an old schema. A file already past version is refused. */
CwStore *cw_store_open_at_version(const char *path, guint version,
				  GError **error) G_GNUC_WARN_UNUSED_RESULT;
guint cw_store_get_schema_version(CwStore *self);
const char *cw_store_get_path(CwStore *self);
/* Automatic WAL checkpoints of this connection: 0 = off. */
void cw_store_set_wal_autocheckpoint(CwStore *self, guint pages);
/* How long a statement waits for another connection's lock; default 5000 ms. */
guint cw_store_get_busy_timeout(CwStore *self);
void cw_store_set_busy_timeout(CwStore *self, guint timeout_ms);
/* PRAGMA data_version: changes when another connection commits a write.
 * Poll it to notice edits made by other programs (hot reload). */
gint64 cw_store_get_data_version(CwStore *self, GError **error);

/* Transactions (BEGIN IMMEDIATE). Batching writes in one transaction is much
 * faster than one implicit transaction per statement. */
gboolean cw_store_begin(CwStore *self, GError **error);
gboolean cw_store_commit(CwStore *self, GError **error);
gboolean cw_store_rollback(CwStore *self, GError **error);
gboolean cw_store_in_transaction(CwStore *self);

/* Write health. A statement or commit that fails with
 * CW_STORE_ERROR_UNWRITABLE marks the store unwritable until a later
 * commit succeeds. FALSE, with that error, while it is unwritable: callers
 * that must not act before their row is durable (the order hook) refuse. */
gboolean cw_store_check_writable(CwStore *self, GError **error);
/* Opening checks: FALSE with CW_STORE_ERROR_UNWRITABLE when the connection
 * is read-only (sqlite3_db_readonly()) or a committed test write fails. */
gboolean cw_store_probe_write(CwStore *self, GError **error);
/* PRAGMA max_page_count: caps the main database file at pages pages (0
 * leaves SQLite's default). Past the cap writes fail as a full disk does. */
gboolean cw_store_set_max_page_count(CwStore *self, guint64 pages, GError **error);

/* ---- backtest runs, trades and metrics (schema v1) ---- */

/* Records the start of a run; a run_id that exists already is a CONSTRAINT error. */
gboolean cw_store_begin_run(CwStore *self, const char *run_id, const char *data_source,
			    const char *config_json, GError **error);
/* Records the end of a run: finished_at (now), candle count and report JSON. */
gboolean cw_store_finish_run(CwStore *self, const char *run_id, gint64 candles,
			     const char *report_json, GError **error);

/* Stores a closed trade. run_id may be NULL (live trades). strategy_id may be
 * NULL to use trade->strategy_id. From schema v2 the row also gets the id of
 * the bot named bot_name, if there is one. From schema v3 a live trade that
 * is recorded already (same bot, strategy, entry time and seq) is refused
 * with CW_STORE_ERROR_CONSTRAINT "trade already recorded: ..." and no row
 * is added. Returns the row id, -1 on error. */
gint64 cw_store_insert_trade(CwStore *self, const char *run_id, const char *bot_name,
			     const char *strategy_id, const CwTrade *trade, GError **error);
/* Number of trades of a run and/or bot; either filter may be NULL (= any).
 * Returns -1 on error. */
gint64 cw_store_count_trades(CwStore *self, const char *run_id, const char *bot_name,
			     GError **error);

typedef struct {
	gint64 id; /* row id */
	char *run_id;
	char *bot_name;
	gint64 bot_id; /* 0 when the row has none */
	gint64 created_at;
	CwTrade trade;
} CwStoreTrade;

void cw_store_trade_free(CwStoreTrade *trade);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwStoreTrade, cw_store_trade_free)

/* Trades in id order; filters as cw_store_count_trades(). A corrupt row fails
 * the whole query with CW_STORE_ERROR_CORRUPT. Returns a GPtrArray of
 * CwStoreTrade* that frees its elements. */
GPtrArray *cw_store_trades_list(CwStore *self, const char *run_id, const char *bot_name,
				GError **error);

/* One row of trading_performance_metrics. The strings are borrowed. */
typedef struct {
	const char *run_id;      /* nullable */
	const char *bot_name;    /* required */
	const char *strategy_id; /* nullable: the whole bot */
	gint64 time;
	double equity;
	double balance;
	double realized_pnl;
	double unrealized_pnl;
	gint64 trades;
	gint64 wins;
	double win_rate;
	double max_drawdown;
	double max_drawdown_pct;
	const char *extra_json; /* nullable */
} CwStoreMetrics;

/* Returns the row id, -1 on error. */
gint64 cw_store_insert_metrics(CwStore *self, const CwStoreMetrics *metrics, GError **error);

/* The candles table (cw-store-candles.c): closed candles a live feed
 * received. Insert-or-ignore: a candle already there stays as it is. */
gboolean cw_store_candle_insert(CwStore *self, const char *exchange, const char *symbol,
				gint64 interval_ms, const CwCandle *candle, GError **error);
/* The candles with from <= open_time <= to, oldest first (GArray of
 * CwCandle stamped with symbol and interval). */
GArray *cw_store_candles_query(CwStore *self, const char *exchange, const char *symbol,
			       gint64 interval_ms, gint64 from, gint64 to, GError **error);
/* The exchanges ("bybit", "bybit-spot", ...) with candles of symbol and
 * interval, sorted, at most 64 (a NULL-terminated GStrv). */
GStrv cw_store_candles_exchanges(CwStore *self, const char *symbol, gint64 interval_ms,
				 GError **error);

/* At most limit candles, oldest first: the oldest from open time from on,
 * or the newest (from = G_MININT64). A value that is not a number is a
 * CW_STORE_ERROR_CORRUPT naming the row. */
GArray *cw_store_candles_read(CwStore *self, const char *exchange, const char *symbol,
			      gint64 interval_ms, gint64 from, guint limit, GError **error);

/* ---- bots (schema v2) ---- */

typedef struct {
	gint64 id;
	char *name;
	char *config; /* JSON text, as stored */
	gboolean enabled;
	char *status; /* "stopped", "starting", "running" or "error" */
	gint64 started_at;
	gint64 stopped_at;
	gint64 last_heartbeat;
	gint64 error_count;
	char *last_error;
	gint64 updated_at; /* bumped on every change of name, config or enabled */
	/* Only in cw_store_bot_list(): set when the row is corrupt. The other
	 * fields then hold what could be read (id always, the rest maybe NULL). */
	GError *corrupt;
} CwStoreBot;

void cw_store_bot_clear(CwStoreBot *bot);
void cw_store_bot_free(CwStoreBot *bot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwStoreBot, cw_store_bot_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CwStoreBot, cw_store_bot_clear)

/* Adds a bot; returns its id (> 0), -1 on error. A taken name is
 * CW_STORE_ERROR_CONSTRAINT "a bot named 'x' already exists". */
gint64 cw_store_bot_add(CwStore *self, const char *name, const char *config_json, gboolean enabled,
			GError **error);
/* Fills out (clear it with cw_store_bot_clear()); NOT_FOUND or CORRUPT on error. */
gboolean cw_store_bot_get(CwStore *self, const char *name, CwStoreBot *out, GError **error);
gboolean cw_store_bot_get_by_id(CwStore *self, gint64 id, CwStoreBot *out, GError **error);
/* Every bot in id order, GPtrArray of CwStoreBot* that frees its elements.
 * A corrupt row does not fail the list: it comes back with ->corrupt set so
 * that one bad row takes down only its own bot. */
GPtrArray *cw_store_bot_list(CwStore *self, GError **error);
gboolean cw_store_bot_set_enabled(CwStore *self, gint64 id, gboolean enabled, GError **error);
gboolean cw_store_bot_set_config(CwStore *self, gint64 id, const char *config_json, GError **error);
/* status: "stopped" (sets stopped_at), "starting", "running" (sets
 * started_at and last_heartbeat) or "error" (increments error_count, sets
 * last_error to error_text). Does not touch updated_at. */
gboolean cw_store_bot_set_status(CwStore *self, gint64 id, const char *status,
				 const char *error_text, gint64 now_ms, GError **error);
gboolean cw_store_bot_heartbeat(CwStore *self, gint64 id, gint64 now_ms, GError **error);
/* Removes the bot with its orders, positions and state (events and trades stay). */
gboolean cw_store_bot_remove(CwStore *self, gint64 id, GError **error);
/* TRUE for the four statuses a bot row may hold. */
gboolean cw_store_bot_status_is_valid(const char *status);

/* ---- orders (schema v2) ---- */

/* Inserts the order, or updates the row with the same client_order_id
 * (exchange id, qty, prices, status, fills, updated_at). A client_order_id
 * that belongs to another bot is a CONSTRAINT error. */
gboolean cw_store_order_upsert(CwStore *self, gint64 bot_id, const CwOrder *order, GError **error);
/* A working order's row becomes pending_cancel (the cancel's intent,
 * durable before it is sent); an ended order is left alone. */
gboolean cw_store_order_request_cancel(CwStore *self, gint64 bot_id, const char *client_order_id,
				       gint64 updated_at, GError **error);
/* bot_id (nullable) receives the owner, 0 for none. */
gboolean cw_store_order_get(CwStore *self, const char *client_order_id, CwOrder *out,
			    gint64 *bot_id, GError **error);
/* Orders of bot_id (-1: any bot) whose status is not final, in id order;
 * a GArray of CwOrder. */
GArray *cw_store_orders_open(CwStore *self, gint64 bot_id, GError **error);

typedef struct {
	gint64 id; /* row id, the page's cursor */
	CwOrder order;
} CwStoreOrderRow;

/* Open orders of bot_id (> 0) with id > after (0: from the first), at most
 * limit (1..1000), in id order; a GPtrArray of CwStoreOrderRow* (g_free). */
GPtrArray *cw_store_orders_open_page(CwStore *self, gint64 bot_id, gint64 after, guint limit,
				     GError **error);

/* ---- positions (schema v2) ---- */

/* Saves the position of (bot_id, strategy_id); a flat position
 * (direction NONE or qty 0) deletes the row. state_json is the strategy's
 * exit state, nullable. position->strategy_id is ignored: the key is the
 * strategy_id argument. */
gboolean cw_store_position_save(CwStore *self, gint64 bot_id, const char *strategy_id,
				const CwPosition *position, const char *state_json, GError **error);
/* NOT_FOUND when the strategy is flat (no row). state_json (nullable)
 * receives a copy of the stored state or NULL. */
gboolean cw_store_position_load(CwStore *self, gint64 bot_id, const char *strategy_id,
				CwPosition *out, char **state_json, GError **error);

typedef struct {
	gint64 bot_id;
	char *strategy_id;
	CwPosition position;
	char *state_json;
} CwStorePosition;

void cw_store_position_free(CwStorePosition *position);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwStorePosition, cw_store_position_free)

/* Open positions of a bot (-1: every bot), GPtrArray of CwStorePosition*. */
GPtrArray *cw_store_positions_list(CwStore *self, gint64 bot_id, GError **error);

/* ---- event journal (schema v2) ---- */

typedef struct {
	gint64 seq;
	gint64 time;
	gint64 bot_id; /* 0 when none */
	char *strategy_id;
	char *type;
	char *payload; /* JSON text or NULL */
} CwStoreEvent;

void cw_store_event_free(CwStoreEvent *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwStoreEvent, cw_store_event_free)

/* Appends an event; payload_json must be valid JSON or NULL (else
 * CONSTRAINT). Returns the new sequence number (> 0), -1 on error. */
gint64 cw_store_event_append(CwStore *self, gint64 bot_id, const char *strategy_id,
			     const char *type_name, gint64 time, const char *payload_json,
			     GError **error);
/* Events with seq > after_seq in seq order, of bot_id (-1: any, 0: none) and
 * of type (NULL: any), at most limit (0: no limit). GPtrArray of CwStoreEvent*. */
GPtrArray *cw_store_events_query(CwStore *self, gint64 bot_id, const char *type, gint64 after_seq,
				 guint limit, GError **error);

/* The seq of the n-th newest event (n >= 1) of bot_id (-1: any, 0: none)
 * and of type (NULL: any), 0 when fewer match: with cw_store_events_query()
 * after it minus one, the newest n read oldest first in pages. -1 on error. */
gint64 cw_store_events_nth_newest_seq(CwStore *self, gint64 bot_id, const char *type, guint n,
				      GError **error);

/* The greatest seq of the journal, 0 when it is empty. */
gint64 cw_store_events_last_seq(CwStore *self, GError **error);

/* ---- pages for the control API: newest first, by cursor ---- */

/* Live trades (no run) of bot_name with id < before (0: the newest), at
 * most limit (1..1000), newest first. */
GPtrArray *cw_store_trades_page(CwStore *self, const char *bot_name, gint64 before, guint limit,
				GError **error);

typedef struct {
	gint64 id;
	char *strategy_id; /* NULL: the whole bot */
	gint64 time;
	double equity;
	double balance;
	double realized_pnl;
	double unrealized_pnl;
	gint64 trades;
	double max_drawdown_pct;
} CwStoreMetricsRow;

void cw_store_metrics_row_free(CwStoreMetricsRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwStoreMetricsRow, cw_store_metrics_row_free)

/* Live metrics rows (no run) of bot_name with id < before (0: the newest),
 * at most limit, newest first (GPtrArray of CwStoreMetricsRow*). */
GPtrArray *cw_store_metrics_page(CwStore *self, const char *bot_name, gint64 before, guint limit,
				 GError **error);

/* ---- per-bot state (schema v2) ---- */

/* One bot_state row. */
typedef struct {
	char *key;
	char *value;
	gint64 updated_at; /* Unix ms */
} CwStoreState;

void cw_store_state_free(CwStoreState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwStoreState, cw_store_state_free)

/* Every state row of the bot in key order (GPtrArray of CwStoreState*),
 * empty when it has none. A row that cannot be read is
 * CW_STORE_ERROR_CORRUPT naming its rowid and column. */
GPtrArray *cw_store_state_list(CwStore *self, gint64 bot_id, GError **error);
/* Sets key to value for the bot; a NULL value deletes the key. */
gboolean cw_store_state_set(CwStore *self, gint64 bot_id, const char *key, const char *value,
			    GError **error);
/* The value, or NULL with no error when the key is not set. */
char *cw_store_state_get(CwStore *self, gint64 bot_id, const char *key, GError **error);
/* Reads key as a base-10 integer in [min, max], strictly: no sign other
 * than '-', no spaces, no trailing text. *found (nullable) tells whether
 * the key is set; *out is left alone when it is not. A value that does not
 * parse or is out of range is CW_STORE_ERROR_CORRUPT, named as
 * cw_store_state_unreadable() does; what says what the value is ("a cursor"). */
gboolean cw_store_state_get_int(CwStore *self, gint64 bot_id, const char *key, const char *what,
				gint64 min, gint64 max, gint64 *out, gboolean *found,
				GError **error);
/* Sets error to CW_STORE_ERROR_CORRUPT "bot_state row (bot 3, key 'cursor'):
 * 'abc' is not a cursor" (plus ": detail" when detail is not NULL): the one
 * wording of a state value that cannot be read. value is escaped and cut. */
void cw_store_state_unreadable(GError **error, gint64 bot_id, const char *key, const char *value,
			       const char *what, const char *detail);

/* Whether a statement of this store met SQLITE_CORRUPT or SQLITE_NOTADB
 * (the file is damaged); reason (nullable) receives the first such error.
 * Once set it stays set: nothing read from the file can be trusted. */
gboolean cw_store_is_malformed(CwStore *self, char **reason);
/* PRAGMA quick_check. FALSE with CW_STORE_ERROR_CORRUPT "database is
 * malformed: ..." (SQLite's findings) when the file is damaged; marks the
 * store malformed then. */
gboolean cw_store_quick_check(CwStore *self, GError **error);

G_END_DECLS
