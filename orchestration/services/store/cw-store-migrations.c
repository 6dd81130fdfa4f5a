/* The store's schema: one function per version step, each run in its own
 * transaction together with the PRAGMA user_version bump, so that a crash
 * leaves the file at the old version or at the new one, never in between.
 *
 * Never edit a released step: add a new one and raise CW_STORE_SCHEMA_VERSION. */
#include "cw-store-private.h"

/* Time "now" in ms, as SQL (for defaults and triggers). */
#define CW_STORE_SQL_NOW_MS "CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)"

static gboolean
cw_store_migrations_exec(sqlite3 *db, const char *sql, const char *purpose, GError **error)
{
	g_autofree char *message = NULL;
	char *errmsg = NULL;
	int rc;

	rc = sqlite3_exec(db, sql, NULL, NULL, &errmsg);
	if (rc == SQLITE_OK)
		return TRUE;
	message = g_strdup(errmsg != NULL ? errmsg : sqlite3_errstr(rc));
	sqlite3_free(errmsg);
	g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_MIGRATE, "%s: %s", purpose, message);
	return FALSE;
}

/* v1: what a backtest writes. */
static gboolean
cw_store_migrations_v1(sqlite3 *db, GError **error)
{
	static const char sql[] =
	    "CREATE TABLE backtest_runs ("
	    "  run_id TEXT PRIMARY KEY NOT NULL,"
	    "  started_at INTEGER NOT NULL,"
	    "  finished_at INTEGER,"
	    "  data_source TEXT,"
	    "  candles INTEGER,"
	    "  config_json TEXT,"
	    "  report_json TEXT);"
	    "CREATE TABLE trading_trades ("
	    "  id INTEGER PRIMARY KEY,"
	    "  run_id TEXT,"
	    "  bot_name TEXT NOT NULL,"
	    "  strategy_id TEXT NOT NULL,"
	    "  symbol TEXT,"
	    "  direction TEXT NOT NULL,"
	    "  entry_time INTEGER NOT NULL,"
	    "  exit_time INTEGER NOT NULL,"
	    "  entry_price REAL NOT NULL,"
	    "  exit_price REAL NOT NULL,"
	    "  qty REAL NOT NULL,"
	    "  fees REAL NOT NULL DEFAULT 0,"
	    "  gross_pnl REAL NOT NULL,"
	    "  net_pnl REAL NOT NULL,"
	    "  exit_reason TEXT,"
	    "  seq INTEGER,"
	    "  created_at INTEGER NOT NULL);"
	    "CREATE INDEX trading_trades_run ON trading_trades (run_id, bot_name);"
	    "CREATE TABLE trading_performance_metrics ("
	    "  id INTEGER PRIMARY KEY,"
	    "  run_id TEXT,"
	    "  bot_name TEXT NOT NULL,"
	    "  strategy_id TEXT,"
	    "  time INTEGER NOT NULL,"
	    "  equity REAL,"
	    "  balance REAL,"
	    "  realized_pnl REAL,"
	    "  unrealized_pnl REAL,"
	    "  trades INTEGER,"
	    "  wins INTEGER,"
	    "  win_rate REAL,"
	    "  max_drawdown REAL,"
	    "  max_drawdown_pct REAL,"
	    "  extra_json TEXT);"
	    "CREATE INDEX trading_performance_metrics_run"
	    "  ON trading_performance_metrics (run_id, bot_name, time);";

	return cw_store_migrations_exec(db, sql, "creating the backtest tables", error);
}

/* v2: the service: bots, orders, positions, the event journal and per-bot
 * state; trades and metrics gain the bot's id. */
static gboolean
cw_store_migrations_v2(sqlite3 *db, GError **error)
{
	/* AUTOINCREMENT: a removed bot's id is never given to a new bot, so
	 * events and trades that carry the old id stay unambiguous. */
	static const char sql[] =
	    "CREATE TABLE trading_bots ("
	    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	    "  name TEXT UNIQUE NOT NULL CHECK (length(name) > 0),"
	    "  config TEXT NOT NULL,"
	    "  enabled INTEGER NOT NULL DEFAULT 1,"
	    "  status TEXT NOT NULL DEFAULT 'stopped'"
	    "    CHECK (status IN ('stopped', 'starting', 'running', 'error')),"
	    "  started_at INTEGER,"
	    "  stopped_at INTEGER,"
	    "  last_heartbeat INTEGER,"
	    "  error_count INTEGER NOT NULL DEFAULT 0,"
	    "  last_error TEXT,"
	    "  updated_at INTEGER NOT NULL DEFAULT (" CW_STORE_SQL_NOW_MS "));"
	    /* Other programs edit bots with plain SQL and rarely set updated_at;
	     * hot reload depends on it, so bump it whenever a writer did not.
	     * max() keeps it moving when two edits fall in the same ms. */
	    "CREATE TRIGGER trading_bots_touch"
	    "  AFTER UPDATE OF name, config, enabled ON trading_bots"
	    "  FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at "
	    "BEGIN"
	    "  UPDATE trading_bots"
	    "    SET updated_at = max(" CW_STORE_SQL_NOW_MS ", coalesce(OLD.updated_at, 0) + 1)"
	    "    WHERE id = NEW.id;"
	    "END;"
	    "CREATE TABLE orders ("
	    "  id INTEGER PRIMARY KEY,"
	    "  client_order_id TEXT UNIQUE NOT NULL CHECK (length(client_order_id) > 0),"
	    "  bot_id INTEGER REFERENCES trading_bots (id) ON DELETE CASCADE,"
	    "  strategy_id TEXT,"
	    "  exchange_order_id TEXT,"
	    "  symbol TEXT,"
	    "  side TEXT NOT NULL,"
	    "  type TEXT NOT NULL,"
	    "  purpose TEXT NOT NULL,"
	    "  reduce_only INTEGER NOT NULL DEFAULT 0,"
	    "  qty REAL NOT NULL,"
	    "  price REAL,"
	    "  stop_price REAL,"
	    "  status TEXT NOT NULL,"
	    "  filled_qty REAL NOT NULL DEFAULT 0,"
	    "  avg_fill_price REAL,"
	    "  created_at INTEGER,"
	    "  updated_at INTEGER,"
	    "  seq INTEGER);"
	    "CREATE INDEX orders_bot_status ON orders (bot_id, status);"
	    "CREATE TABLE trading_positions ("
	    "  bot_id INTEGER NOT NULL REFERENCES trading_bots (id) ON DELETE CASCADE,"
	    "  strategy_id TEXT NOT NULL,"
	    "  symbol TEXT,"
	    "  direction TEXT NOT NULL,"
	    "  qty REAL NOT NULL,"
	    "  entry_price REAL NOT NULL,"
	    "  stop_price REAL,"
	    "  initial_qty REAL,"
	    "  realized_pnl REAL,"
	    "  fees REAL,"
	    "  opened_at INTEGER,"
	    "  updated_at INTEGER,"
	    "  state_json TEXT,"
	    "  PRIMARY KEY (bot_id, strategy_id));"
	    "CREATE TABLE events ("
	    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	    "  time INTEGER NOT NULL,"
	    "  bot_id INTEGER,"
	    "  strategy_id TEXT,"
	    "  type TEXT NOT NULL,"
	    "  payload TEXT CHECK (payload IS NULL OR json_valid(payload)));"
	    "CREATE INDEX events_bot_seq ON events (bot_id, seq);"
	    "CREATE INDEX events_type ON events (type);"
	    "CREATE TABLE bot_state ("
	    "  bot_id INTEGER NOT NULL REFERENCES trading_bots (id) ON DELETE CASCADE,"
	    "  key TEXT NOT NULL,"
	    "  value TEXT NOT NULL,"
	    "  updated_at INTEGER NOT NULL,"
	    "  PRIMARY KEY (bot_id, key));"
	    "ALTER TABLE trading_trades ADD COLUMN bot_id INTEGER;"
	    "CREATE INDEX trading_trades_bot ON trading_trades (bot_id, exit_time);"
	    "ALTER TABLE trading_performance_metrics ADD COLUMN bot_id INTEGER;"
	    "CREATE INDEX trading_performance_metrics_bot"
	    "  ON trading_performance_metrics (bot_id, time);";

	return cw_store_migrations_exec(db, sql, "creating the service tables", error);
}

/* v3: a live trade is recorded once. What identifies it: the bot (its id;
 * a removed bot's id is never reused), the strategy, the entry time and the
 * strategy's trade sequence number. Backtest rows (run_id set) and rows
 * without a bot or a sequence number are not constrained. Duplicates that an
 * older candlewick wrote (a replay that recorded its trades again) are
 * removed first, keeping the first row (lowest id) of each trade; the count
 * removed is logged. */
static gboolean
cw_store_migrations_v3(sqlite3 *db, GError **error)
{
	static const char dedupe[] =
	    "DELETE FROM trading_trades WHERE run_id IS NULL AND bot_id IS NOT NULL"
	    "  AND seq IS NOT NULL AND id NOT IN ("
	    "    SELECT min(id) FROM trading_trades"
	    "    WHERE run_id IS NULL AND bot_id IS NOT NULL AND seq IS NOT NULL"
	    "    GROUP BY bot_id, strategy_id, entry_time, seq);";
	static const char sql[] = "CREATE UNIQUE INDEX trading_trades_unique_live"
				  "  ON trading_trades (bot_id, strategy_id, entry_time, seq)"
				  "  WHERE run_id IS NULL AND bot_id IS NOT NULL;";
	int removed;

	if (!cw_store_migrations_exec(db, dedupe, "removing duplicate trades", error))
		return FALSE;
	removed = sqlite3_changes(db);
	if (removed > 0)
		g_message("store schema v3: removed %d duplicate rows of trading_trades "
			  "(kept the first of each trade)",
			  removed);
	return cw_store_migrations_exec(db, sql, "making live trades unique", error);
}

/* v4: the notification outbox (cw-store-outbox.c). One row per message
 * and notifier, written in the transaction of the event that caused it;
 * the delivery worker moves it from 'pending' to 'sent' or 'dead'. */
static gboolean
cw_store_migrations_v4(sqlite3 *db, GError **error)
{
	static const char sql[] =
	    "CREATE TABLE IF NOT EXISTS outbox ("
	    "  id INTEGER PRIMARY KEY,"
	    "  idempotency_key TEXT NOT NULL UNIQUE,"
	    "  notifier TEXT NOT NULL,"
	    "  event_seq INTEGER,"
	    "  bot_id INTEGER,"
	    "  bot_name TEXT,"
	    "  strategy_id TEXT,"
	    "  event_type TEXT NOT NULL,"
	    "  level TEXT NOT NULL,"
	    "  silent INTEGER NOT NULL DEFAULT 0,"
	    "  title TEXT NOT NULL,"
	    "  body TEXT NOT NULL,"
	    "  created_at INTEGER NOT NULL,"
	    "  state TEXT NOT NULL DEFAULT 'pending'"
	    "    CHECK (state IN ('pending', 'sent', 'dead')),"
	    "  attempts INTEGER NOT NULL DEFAULT 0,"
	    "  next_attempt_at INTEGER NOT NULL,"
	    "  last_error TEXT,"
	    "  sent_at INTEGER);"
	    "CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, notifier, next_attempt_at);";

	return cw_store_migrations_exec(db, sql, "creating the outbox", error);
}

/* v5: the closed candles live feeds received, one row per exchange, symbol,
 * interval and open time (docs/operations.md, "Live market data"). */
static gboolean
cw_store_migrations_v5(sqlite3 *db, GError **error)
{
	static const char sql[] = "CREATE TABLE candles ("
				  "  exchange TEXT NOT NULL,"
				  "  symbol TEXT NOT NULL,"
				  "  interval TEXT NOT NULL,"
				  "  open_time INTEGER NOT NULL,"
				  "  open REAL NOT NULL,"
				  "  high REAL NOT NULL,"
				  "  low REAL NOT NULL,"
				  "  close REAL NOT NULL,"
				  "  volume REAL NOT NULL,"
				  "  PRIMARY KEY (exchange, symbol, interval, open_time)"
				  ") WITHOUT ROWID;";

	return cw_store_migrations_exec(db, sql, "creating the candles table", error);
}

/* v6: the outbox's routing cursor, the greatest journal seq whose outbox
 * rows are written (cw_outbox_router_claim()). A process that journals
 * with no notifier config (a CLI command without the service config)
 * leaves it; serve routes what lies past it. The events already in the
 * journal count as routed: an upgrade sends no old news. */
static gboolean
cw_store_migrations_v6(sqlite3 *db, GError **error)
{
	static const char sql[] = "CREATE TABLE outbox_cursor ("
				  "  id INTEGER PRIMARY KEY CHECK (id = 1),"
				  "  routed_seq INTEGER NOT NULL);"
				  "INSERT INTO outbox_cursor (id, routed_seq) SELECT 1, "
				  "coalesce(max(seq), 0) FROM events;";

	return cw_store_migrations_exec(db, sql, "creating the outbox's routing cursor", error);
}

/* v7: the live equity series by bot in id order. GET
 * /bots/{name}/performance pages it newest first by id < cursor; the v1
 * index (run_id, bot_name, time) is by time, so each page read sorted all
 * of the bot's rows by id. This one has the rowid after bot_name, and only
 * live rows (a backtest's stay out of it). */
static gboolean
cw_store_migrations_v7(sqlite3 *db, GError **error)
{
	static const char sql[] =
	    "CREATE INDEX trading_performance_metrics_live"
	    "  ON trading_performance_metrics (bot_name) WHERE run_id IS NULL;";

	return cw_store_migrations_exec(db, sql, "indexing the live equity series", error);
}

typedef gboolean (*CwStoreMigrationStep)(sqlite3 *db, GError **error);

/* cw_store_migration_steps[n] migrates version n to n + 1. */
static const CwStoreMigrationStep cw_store_migration_steps[] = {
    cw_store_migrations_v1, cw_store_migrations_v2, cw_store_migrations_v3, cw_store_migrations_v4,
    cw_store_migrations_v5, cw_store_migrations_v6, cw_store_migrations_v7,
};

G_STATIC_ASSERT(G_N_ELEMENTS(cw_store_migration_steps) == CW_STORE_SCHEMA_VERSION);

gboolean
cw_store_migrations_get_version(sqlite3 *db, guint *version, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	gint64 value;
	int rc;

	rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		g_set_error(error, CW_STORE_ERROR,
			    (rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT
				? CW_STORE_ERROR_CORRUPT
				: CW_STORE_ERROR_OPEN,
			    "reading the schema version: %s", sqlite3_errmsg(db));
		return FALSE;
	}
	value = sqlite3_column_int64(stmt, 0);
	if (value < 0) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_MIGRATE,
			    "the schema version %" G_GINT64_FORMAT " is negative", value);
		return FALSE;
	}
	*version = (guint) MIN(value, (gint64) G_MAXUINT);
	return TRUE;
}

static gboolean
cw_store_migrations_check_not_newer(guint version, GError **error)
{
	if (version <= CW_STORE_SCHEMA_VERSION)
		return TRUE;
	g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_MIGRATE,
		    "the database has schema version %u but this candlewick knows only up to "
		    "version %u; refusing to use it (upgrade candlewick)",
		    version, (guint) CW_STORE_SCHEMA_VERSION);
	return FALSE;
}

/* Runs step version -> version + 1 inside one transaction. Another process
 * may have migrated meanwhile, so the version is read again under the lock. */
static gboolean
cw_store_migrations_step(sqlite3 *db, guint target, guint *version, GError **error)
{
	g_autofree char *bump = NULL;
	g_autoptr(GError) error_local = NULL;
	guint current = 0;

	if (!cw_store_migrations_exec(db, "BEGIN IMMEDIATE", "starting the migration", error))
		return FALSE;
	if (!cw_store_migrations_get_version(db, &current, error) ||
	    !cw_store_migrations_check_not_newer(current, error)) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return FALSE;
	}
	if (current >= target) {
		*version = current;
		return cw_store_migrations_exec(db, "COMMIT", "ending the migration", error);
	}
	bump = g_strdup_printf("PRAGMA user_version = %u", current + 1);
	if (!cw_store_migration_steps[current](db, &error_local) ||
	    !cw_store_migrations_exec(db, bump, "setting the schema version", &error_local) ||
	    !cw_store_migrations_exec(db, "COMMIT", "committing the migration", &error_local)) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		g_propagate_prefixed_error(error, g_steal_pointer(&error_local),
					   "migrating the schema from version %u to %u: ", current,
					   current + 1);
		return FALSE;
	}
	*version = current + 1;
	return TRUE;
}

gboolean
cw_store_migrations_run(sqlite3 *db, guint target, guint *version, GError **error)
{
	guint current = 0;

	g_return_val_if_fail(target <= CW_STORE_SCHEMA_VERSION, FALSE);

	if (!cw_store_migrations_get_version(db, &current, error))
		return FALSE;
	if (!cw_store_migrations_check_not_newer(current, error))
		return FALSE;
	if (current > target) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_MIGRATE,
			    "the database has schema version %u, newer than the requested %u",
			    current, target);
		return FALSE;
	}
	while (current < target) {
		if (!cw_store_migrations_step(db, target, &current, error))
			return FALSE;
		g_debug("store schema now at version %u", current);
	}
	*version = current;
	return TRUE;
}

gboolean
cw_store_migrations_check_current(sqlite3 *db, guint *version, GError **error)
{
	guint current = 0;

	if (!cw_store_migrations_get_version(db, &current, error) ||
	    !cw_store_migrations_check_not_newer(current, error))
		return FALSE;
	if (current == 0) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_MIGRATE,
			    "not a candlewick database (schema version 0); 'candlewick bots add' "
			    "creates one");
		return FALSE;
	}
	if (current < CW_STORE_SCHEMA_VERSION) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_MIGRATE,
			    "the database has schema version %u, older than this candlewick's %u; "
			    "a read-only command does not migrate it: 'candlewick serve' or "
			    "'candlewick bots add' migrates it to version %u",
			    current, (guint) CW_STORE_SCHEMA_VERSION,
			    (guint) CW_STORE_SCHEMA_VERSION);
		return FALSE;
	}
	*version = current;
	return TRUE;
}
