/* Internals shared by the cw-store*.c files: the statement cache, error
 * conversion and the checked row reader. */
#pragma once

#if !defined(CW_SERVICES_STORE_COMPILATION)
#error "cw-store-private.h is internal to orchestration/services/store."
#endif

#include <sqlite3.h>

#include "cw-store.h"

G_BEGIN_DECLS

/* One-off statements are finalized on scope exit. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)

/* Cached statements are only reset on scope exit, so that no statement keeps
 * a read snapshot open and the next use starts clean. */
typedef sqlite3_stmt CwStoreStmt;
void cw_store_stmt_release(CwStoreStmt *stmt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwStoreStmt, cw_store_stmt_release)

typedef enum {
	CW_STORE_STMT_BEGIN,
	CW_STORE_STMT_COMMIT,
	CW_STORE_STMT_ROLLBACK,
	CW_STORE_STMT_DATA_VERSION,
	CW_STORE_STMT_RUN_BEGIN,
	CW_STORE_STMT_RUN_FINISH,
	CW_STORE_STMT_TRADE_INSERT_V1,
	CW_STORE_STMT_TRADE_INSERT,
	CW_STORE_STMT_TRADE_COUNT,
	CW_STORE_STMT_TRADE_LIST_V1,
	CW_STORE_STMT_TRADE_LIST,
	CW_STORE_STMT_METRICS_INSERT_V1,
	CW_STORE_STMT_METRICS_INSERT,
	CW_STORE_STMT_BOT_ADD,
	CW_STORE_STMT_BOT_GET,
	CW_STORE_STMT_BOT_GET_BY_ID,
	CW_STORE_STMT_BOT_LIST,
	CW_STORE_STMT_BOT_SET_ENABLED,
	CW_STORE_STMT_BOT_SET_CONFIG,
	CW_STORE_STMT_BOT_SET_STATUS,
	CW_STORE_STMT_BOT_HEARTBEAT,
	CW_STORE_STMT_BOT_REMOVE,
	CW_STORE_STMT_ORDER_UPSERT,
	CW_STORE_STMT_ORDER_CANCEL_REQUEST,
	CW_STORE_STMT_ORDER_GET,
	CW_STORE_STMT_ORDERS_OPEN,
	CW_STORE_STMT_POSITION_SAVE,
	CW_STORE_STMT_POSITION_DELETE,
	CW_STORE_STMT_POSITION_LOAD,
	CW_STORE_STMT_POSITIONS_LIST,
	CW_STORE_STMT_EVENT_APPEND,
	CW_STORE_STMT_EVENTS_QUERY,
	CW_STORE_STMT_STATE_SET,
	CW_STORE_STMT_STATE_DELETE,
	CW_STORE_STMT_STATE_LIST,
	CW_STORE_STMT_STATE_GET,
	CW_STORE_STMT_OUTBOX_INSERT,
	CW_STORE_STMT_TRADE_PAGE,
	CW_STORE_STMT_METRICS_PAGE,
	CW_STORE_STMT_EVENTS_LAST_SEQ,
	CW_STORE_STMT_CANDLE_INSERT,
	CW_STORE_STMT_OUTBOX_CURSOR_GET,
	CW_STORE_STMT_OUTBOX_CURSOR_SET,
	CW_STORE_STMT_EVENTS_NTH_NEWEST,
	CW_STORE_STMT_ORDERS_OPEN_PAGE,
	CW_STORE_STMT_LAST
} CwStoreStmtId;

/* Takes the store's lock for the scope of a public call. */
GRecMutexLocker *cw_store_lock(CwStore *self);
sqlite3 *cw_store_get_db(CwStore *self);

/* The cached statement id, prepared from sql on first use. NULL with error
 * set when it cannot be prepared (purpose names what it is for). */
CwStoreStmt *cw_store_stmt(CwStore *self, CwStoreStmtId id, const char *sql, const char *purpose,
			   GError **error);

/* Converts the connection's current SQLite error into CW_STORE_ERROR.
 * purpose says what the statement was doing ("adding bot 'x'"). */
void cw_store_set_error(CwStore *self, GError **error, int rc, const char *purpose_format, ...)
    G_GNUC_PRINTF(4, 5);
/* Helper for binding: returns FALSE and sets error when rc is not SQLITE_OK. */
gboolean cw_store_check_bind(CwStore *self, int rc, const char *purpose, GError **error);
/* Steps a statement that returns no row; FALSE with error unless SQLITE_DONE. */
gboolean cw_store_step_done(CwStore *self, sqlite3_stmt *stmt, const char *purpose, GError **error);
/* Steps a query for one integer: column 0 of its first row, none when it
 * returns no row, -1 with error when the step fails. none = -1 makes no row
 * an error like a failed step. */
gint64 cw_store_step_int64(CwStore *self, sqlite3_stmt *stmt, gint64 none, const char *purpose,
			   GError **error);

/* Makes one object of the statement's current row; NULL with error when
 * the row holds what it may not. flag is the caller's (e.g. "the schema
 * has bot_id"). */
typedef gpointer (*CwStoreRowReader)(sqlite3_stmt *stmt, gboolean flag, GError **error);
/* Steps a query to its end: what read makes of each row, in order, in an
 * array that frees them with free_func. NULL with error on a bad row or a
 * failed step (purpose names the query). */
GPtrArray *cw_store_collect(CwStore *self, sqlite3_stmt *stmt, CwStoreRowReader read, gboolean flag,
			    GDestroyNotify free_func, const char *purpose, GError **error);

int cw_store_bind_text(sqlite3_stmt *stmt, int index, const char *text);
/* Binds NULL for ids <= 0 (no bot). */
int cw_store_bind_bot_id(sqlite3_stmt *stmt, int index, gint64 bot_id);
/* Binds NULL for 0 (a NULL time). */
int cw_store_bind_time(sqlite3_stmt *stmt, int index, gint64 time);

/* Reads one result row whose column 0 is the rowid, checking each column's
 * type. The first bad column is remembered as a CW_STORE_ERROR_CORRUPT error
 * naming table, rowid and column; later reads return defaults. */
typedef struct {
	sqlite3_stmt *stmt;
	const char *table;
	gint64 rowid;
	GError *error;
} CwStoreRow;

void cw_store_row_init(CwStoreRow *row, sqlite3_stmt *stmt, const char *table);
void cw_store_row_clear(CwStoreRow *row);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CwStoreRow, cw_store_row_clear)
/* TRUE when the row was read cleanly; otherwise moves the error to error. */
gboolean cw_store_row_finish(CwStoreRow *row, GError **error);

/* Text of a column; NULL for SQL NULL (corrupt when required). */
const char *cw_store_row_text(CwStoreRow *row, int col, gboolean required);
/* Text of a column, also from a BLOB that holds UTF-8 without NUL bytes. */
const char *cw_store_row_utf8(CwStoreRow *row, int col, gboolean required);
/* Copies text into buf (corrupt when it does not fit). */
void cw_store_row_text_buf(CwStoreRow *row, int col, gboolean required, char *buf, gsize len);
/* Integer column; NULL reads 0 (corrupt when required). */
gint64 cw_store_row_int(CwStoreRow *row, int col, gboolean required);
/* 0/1 column. */
gboolean cw_store_row_bool(CwStoreRow *row, int col);
/* Numeric column; NULL reads 0 (corrupt when required). */
double cw_store_row_double(CwStoreRow *row, int col, gboolean required);
/* Interned text; 0 for NULL. */
GQuark cw_store_row_quark(CwStoreRow *row, int col, gboolean required);
CwDirection cw_store_row_direction(CwStoreRow *row, int col);
CwSide cw_store_row_side(CwStoreRow *row, int col);
CwOrderType cw_store_row_order_type(CwStoreRow *row, int col);
CwOrderStatus cw_store_row_order_status(CwStoreRow *row, int col);
CwOrderPurpose cw_store_row_order_purpose(CwStoreRow *row, int col);

/* cw-store-migrations.c */

/* Reads PRAGMA user_version. */
gboolean cw_store_migrations_get_version(sqlite3 *db, guint *version, GError **error);
/* Migrates db step by step up to target, each step in its own transaction. */
gboolean cw_store_migrations_run(sqlite3 *db, guint target, guint *version, GError **error);
/* For read-only connections: *version when it is the current schema; an
 * error that names the version otherwise (older: serve or bots add
 * migrates it; newer: upgrade candlewick). Migrates nothing. */
gboolean cw_store_migrations_check_current(sqlite3 *db, guint *version, GError **error);

G_END_DECLS
