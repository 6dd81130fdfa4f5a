/* CwStore: the connection, its statement cache, transactions and the checked
 * row reader. The tables' functions live in cw-store-runs.c,
 * cw-store-bots.c, cw-store-orders.c and cw-store-journal.c; the schema in
 * cw-store-migrations.c. */
#include "cw-store-private.h"

#include <stdarg.h>
#include <string.h>

#define CW_STORE_DEFAULT_BUSY_TIMEOUT 5000

struct _CwStore {
	GObject parent_instance;
	char *path;
	guint busy_timeout;
	guint schema_version;
	sqlite3 *db;
	sqlite3_stmt *stmts[CW_STORE_STMT_LAST];
	GRecMutex lock;
	/* between a successful cw_store_begin() and its commit or rollback,
	 * even when SQLite rolled the transaction back by itself */
	gboolean tx_open;
	GError *tx_error;      /* the failure that made SQLite roll it back */
	GError *write_error;   /* set while the database takes no write */
	gint malformed;        /* atomic: set once, read on the order path */
	char *malformed_error; /* the first SQLITE_CORRUPT/NOTADB, under lock */
};

G_DEFINE_TYPE(CwStore, cw_store, G_TYPE_OBJECT)
/* clang-format off */
G_DEFINE_QUARK(cw-store-error-quark, cw_store_error)
/* clang-format on */

enum {
	PROP_0,
	PROP_PATH,
	PROP_BUSY_TIMEOUT,
	PROP_SCHEMA_VERSION,
	N_PROPS,
};

static GParamSpec *cw_store_props[N_PROPS];

static void
cw_store_finalize(GObject *object)
{
	CwStore *self = CW_STORE(object);

	for (guint i = 0; i < CW_STORE_STMT_LAST; i++)
		sqlite3_finalize(self->stmts[i]);
	if (self->db != NULL)
		sqlite3_close_v2(self->db);
	g_free(self->path);
	g_clear_error(&self->tx_error);
	g_clear_error(&self->write_error);
	g_free(self->malformed_error);
	g_rec_mutex_clear(&self->lock);
	G_OBJECT_CLASS(cw_store_parent_class)->finalize(object);
}

static void
cw_store_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	CwStore *self = CW_STORE(object);

	switch (prop_id) {
	case PROP_PATH:
		g_value_set_string(value, self->path);
		break;
	case PROP_BUSY_TIMEOUT:
		g_value_set_uint(value, self->busy_timeout);
		break;
	case PROP_SCHEMA_VERSION:
		g_value_set_uint(value, self->schema_version);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
cw_store_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
	CwStore *self = CW_STORE(object);

	switch (prop_id) {
	case PROP_PATH:
		g_free(self->path);
		self->path = g_value_dup_string(value);
		break;
	case PROP_BUSY_TIMEOUT:
		cw_store_set_busy_timeout(self, g_value_get_uint(value));
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
cw_store_class_init(CwStoreClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->finalize = cw_store_finalize;
	object_class->get_property = cw_store_get_property;
	object_class->set_property = cw_store_set_property;

	cw_store_props[PROP_PATH] = g_param_spec_string("path", NULL, NULL, NULL,
							G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
							    G_PARAM_STATIC_STRINGS);
	cw_store_props[PROP_BUSY_TIMEOUT] = g_param_spec_uint(
	    "busy-timeout", NULL, NULL, 0, G_MAXINT, CW_STORE_DEFAULT_BUSY_TIMEOUT,
	    G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
	cw_store_props[PROP_SCHEMA_VERSION] =
	    g_param_spec_uint("schema-version", NULL, NULL, 0, G_MAXUINT, 0,
			      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
	g_object_class_install_properties(object_class, N_PROPS, cw_store_props);
}

static void
cw_store_init(CwStore *self)
{
	self->busy_timeout = CW_STORE_DEFAULT_BUSY_TIMEOUT;
	g_rec_mutex_init(&self->lock);
}

/* Runs a PRAGMA that returns one row and gives back its first column. */
static char *
cw_store_pragma(CwStore *self, const char *sql, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	int rc;

	rc = sqlite3_prepare_v2(self->db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_OPEN, "%s: %s: %s", self->path,
			    sql, sqlite3_errmsg(self->db));
		return NULL;
	}
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_OPEN, "%s: %s: %s", self->path,
			    sql, sqlite3_errmsg(self->db));
		return NULL;
	}
	if (rc == SQLITE_DONE)
		return g_strdup("");
	return g_strdup((const char *) sqlite3_column_text(stmt, 0));
}

static gboolean
cw_store_configure(CwStore *self, GError **error)
{
	g_autofree char *journal = NULL;
	g_autofree char *sync = NULL;
	g_autofree char *fk_on = NULL;
	g_autofree char *fk = NULL;

	/* WAL lets readers (the control API, other programs) run while the
	 * service writes; NORMAL is durable across process crashes in WAL mode. */
	journal = cw_store_pragma(self, "PRAGMA journal_mode=WAL", error);
	if (journal == NULL) {
		/* mostly a directory where the -wal and -shm files cannot be made */
		if (error != NULL && *error != NULL) {
			char *message = g_strdup_printf("%s (is the database or its directory "
							"read-only for this process?)",
							(*error)->message);
			g_free((*error)->message);
			(*error)->message = message;
		}
		return FALSE;
	}
	if (g_ascii_strcasecmp(journal, "wal") != 0 && g_strcmp0(self->path, ":memory:") != 0) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_OPEN,
			    "%s: cannot switch to WAL journal mode (still '%s')", self->path,
			    journal);
		return FALSE;
	}
	sync = cw_store_pragma(self, "PRAGMA synchronous=NORMAL", error);
	if (sync == NULL)
		return FALSE;
	fk_on = cw_store_pragma(self, "PRAGMA foreign_keys=ON", error);
	if (fk_on == NULL)
		return FALSE;
	fk = cw_store_pragma(self, "PRAGMA foreign_keys", error);
	if (fk == NULL)
		return FALSE;
	if (g_strcmp0(fk, "1") != 0) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_OPEN,
			    "%s: this SQLite cannot enforce foreign keys", self->path);
		return FALSE;
	}
	return TRUE;
}

static CwStore *
cw_store_open_internal(const char *path, guint version, GError **error)
{
	g_autoptr(CwStore) self = NULL;
	g_autoptr(GError) error_local = NULL;
	int rc;

	g_return_val_if_fail(path != NULL, NULL);

	if (version < 1 || version > CW_STORE_SCHEMA_VERSION) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_MIGRATE,
			    "%s: schema version %u is not between 1 and %u", path, version,
			    (guint) CW_STORE_SCHEMA_VERSION);
		return NULL;
	}

	self = g_object_new(CW_TYPE_STORE, "path", path, NULL);
	rc = sqlite3_open_v2(path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_OPEN, "%s: cannot open: %s", path,
			    self->db != NULL ? sqlite3_errmsg(self->db) : sqlite3_errstr(rc));
		return NULL;
	}
	sqlite3_extended_result_codes(self->db, 1);
	sqlite3_busy_timeout(self->db, (int) self->busy_timeout);

	if (!cw_store_configure(self, error))
		return NULL;
	if (!cw_store_migrations_run(self->db, version, &self->schema_version, &error_local)) {
		g_propagate_prefixed_error(error, g_steal_pointer(&error_local), "%s: ", path);
		return NULL;
	}
	return g_steal_pointer(&self);
}

/**
 * cw_store_open:
 * @path: database file, created when missing
 * @error: return location for a #CW_STORE_ERROR
 *
 * Opens the database and migrates it to #CW_STORE_SCHEMA_VERSION.
 *
 * Returns: (transfer full): the store, or %NULL
 */
CwStore *
cw_store_open(const char *path, GError **error)
{
	return cw_store_open_internal(path, CW_STORE_SCHEMA_VERSION, error);
}

/**
 * cw_store_open_read_only:
 * @path: an existing database file
 * @error: return location for a #CW_STORE_ERROR
 *
 * Opens the database with SQLITE_OPEN_READONLY for the commands that only
 * read it (bots list, bots show, events): nothing is created, configured
 * or migrated. A schema older or newer than #CW_STORE_SCHEMA_VERSION is
 * refused with its version; serve or bots add migrate an older one.
 *
 * Returns: (transfer full): the store, or %NULL
 */
CwStore *
cw_store_open_read_only(const char *path, GError **error)
{
	g_autoptr(CwStore) self = NULL;
	g_autoptr(GError) error_local = NULL;
	int rc;

	g_return_val_if_fail(path != NULL, NULL);

	self = g_object_new(CW_TYPE_STORE, "path", path, NULL);
	rc = sqlite3_open_v2(path, &self->db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_OPEN, "%s: cannot open: %s", path,
			    self->db != NULL ? sqlite3_errmsg(self->db) : sqlite3_errstr(rc));
		return NULL;
	}
	sqlite3_extended_result_codes(self->db, 1);
	sqlite3_busy_timeout(self->db, (int) self->busy_timeout);
	if (!cw_store_migrations_check_current(self->db, &self->schema_version, &error_local)) {
		g_propagate_prefixed_error(error, g_steal_pointer(&error_local), "%s: ", path);
		return NULL;
	}
	return g_steal_pointer(&self);
}

/**
 * cw_store_open_at_version:
 * @path: database file
 * @version: the schema version to migrate to, 1..#CW_STORE_SCHEMA_VERSION
 * @error: return location for a #CW_STORE_ERROR
 *
 * For tests: opens the database and migrates it only up to @version.
 *
 * Returns: (transfer full): the store, or %NULL
 */
CwStore *
cw_store_open_at_version(const char *path, guint version, GError **error)
{
	return cw_store_open_internal(path, version, error);
}

/**
 * cw_store_get_schema_version:
 *
 * Returns: the schema version of the open database
 */
guint
cw_store_get_schema_version(CwStore *self)
{
	g_return_val_if_fail(CW_IS_STORE(self), 0);
	return self->schema_version;
}

/**
 * cw_store_get_path:
 *
 * Returns: the path the store was opened with
 */
const char *
cw_store_get_path(CwStore *self)
{
	g_return_val_if_fail(CW_IS_STORE(self), NULL);
	return self->path;
}

/**
 * cw_store_set_wal_autocheckpoint:
 * @pages: the WAL size in pages past which a commit checkpoints; 0 turns
 *   the automatic checkpoints of this connection off (SQLite's default is
 *   1000), for a CwStoreCheckpointer to run them elsewhere
 */
void
cw_store_set_wal_autocheckpoint(CwStore *self, guint pages)
{
	g_autoptr(GRecMutexLocker) locker = NULL;

	g_return_if_fail(CW_IS_STORE(self));
	locker = cw_store_lock(self);
	sqlite3_wal_autocheckpoint(self->db, (int) MIN(pages, (guint) G_MAXINT));
}

/**
 * cw_store_get_busy_timeout:
 *
 * Returns: the busy timeout in ms
 */
guint
cw_store_get_busy_timeout(CwStore *self)
{
	g_return_val_if_fail(CW_IS_STORE(self), 0);
	return self->busy_timeout;
}

/**
 * cw_store_set_busy_timeout:
 * @timeout_ms: how long to wait for a lock held by another connection
 */
void
cw_store_set_busy_timeout(CwStore *self, guint timeout_ms)
{
	g_autoptr(GRecMutexLocker) locker = NULL;

	g_return_if_fail(CW_IS_STORE(self));
	timeout_ms = MIN(timeout_ms, (guint) G_MAXINT);
	locker = cw_store_lock(self);
	if (self->busy_timeout == timeout_ms)
		return;
	self->busy_timeout = timeout_ms;
	if (self->db != NULL)
		sqlite3_busy_timeout(self->db, (int) timeout_ms);
	g_object_notify_by_pspec(G_OBJECT(self), cw_store_props[PROP_BUSY_TIMEOUT]);
}

GRecMutexLocker *
cw_store_lock(CwStore *self)
{
	return g_rec_mutex_locker_new(&self->lock);
}

sqlite3 *
cw_store_get_db(CwStore *self)
{
	return self->db;
}

void
cw_store_stmt_release(CwStoreStmt *stmt)
{
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

CwStoreStmt *
cw_store_stmt(CwStore *self, CwStoreStmtId id, const char *sql, const char *purpose, GError **error)
{
	int rc;

	g_assert(id < CW_STORE_STMT_LAST);
	if (self->stmts[id] != NULL) {
		sqlite3_reset(self->stmts[id]);
		return self->stmts[id];
	}
	rc = sqlite3_prepare_v3(self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &self->stmts[id],
				NULL);
	if (rc != SQLITE_OK) {
		cw_store_set_error(self, error, rc, "preparing the statement for %s", purpose);
		self->stmts[id] = NULL;
		return NULL;
	}
	return self->stmts[id];
}

static void cw_store_mark_malformed(CwStore *self, const char *reason);

void
cw_store_set_error(CwStore *self, GError **error, int rc, const char *purpose_format, ...)
{
	g_autofree char *purpose = NULL;
	g_autoptr(GError) local = NULL;
	va_list args;
	int code;

	va_start(args, purpose_format);
	purpose = g_strdup_vprintf(purpose_format, args);
	va_end(args);

	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		code = CW_STORE_ERROR_CONSTRAINT;
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		code = CW_STORE_ERROR_CORRUPT;
		break;
	case SQLITE_FULL:
	case SQLITE_READONLY:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
		code = CW_STORE_ERROR_UNWRITABLE;
		break;
	default:
		code = CW_STORE_ERROR_QUERY;
		break;
	}
	if (code == CW_STORE_ERROR_CORRUPT) {
		g_autofree char *reason =
		    g_strdup_printf("%s: %s", purpose, sqlite3_errmsg(self->db));
		cw_store_mark_malformed(self, reason);
		g_set_error(error, CW_STORE_ERROR, code, "database is malformed: %s", reason);
		return;
	}
	if (code != CW_STORE_ERROR_UNWRITABLE) {
		g_set_error(error, CW_STORE_ERROR, code, "%s: %s", purpose,
			    sqlite3_errmsg(self->db));
		return;
	}
	/* what the operator must act on comes first: "database or disk is
	 * full: committing the transaction (x.db)" */
	g_set_error(&local, CW_STORE_ERROR, code, "%s: %s (%s)", sqlite3_errmsg(self->db), purpose,
		    self->path);
	g_clear_error(&self->write_error);
	self->write_error = g_error_copy(local);
	/* a full disk or an I/O error can make SQLite roll the whole
	 * transaction back: later statements would run outside of it */
	if (self->tx_open && sqlite3_get_autocommit(self->db) && self->tx_error == NULL)
		self->tx_error = g_error_copy(local);
	g_propagate_error(error, g_steal_pointer(&local));
}

/* Remembers the first sign of a damaged file; callers hold the lock. */
static void
cw_store_mark_malformed(CwStore *self, const char *reason)
{
	if (self->malformed_error == NULL)
		self->malformed_error = g_strdup(reason);
	g_atomic_int_set(&self->malformed, 1);
}

/**
 * cw_store_is_malformed:
 * @reason: (out) (optional) (transfer full): the first error that said so
 *
 * Cheap (an atomic read) when @reason is %NULL, so the order path may ask.
 *
 * Returns: %TRUE once a statement met SQLITE_CORRUPT or SQLITE_NOTADB
 */
gboolean
cw_store_is_malformed(CwStore *self, char **reason)
{
	g_autoptr(GRecMutexLocker) locker = NULL;

	g_return_val_if_fail(CW_IS_STORE(self), TRUE);
	if (reason == NULL)
		return g_atomic_int_get(&self->malformed) != 0;
	locker = cw_store_lock(self);
	*reason = g_strdup(self->malformed_error);
	return self->malformed != 0;
}

/**
 * cw_store_quick_check:
 *
 * Runs PRAGMA quick_check (the structure of every page, without comparing
 * indexes with their tables).
 *
 * Returns: %FALSE, with "database is malformed: ..." when the file is damaged
 */
gboolean
cw_store_quick_check(CwStore *self, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(GString) found = g_string_new(NULL);
	guint n = 0;
	int rc;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);
	locker = cw_store_lock(self);
	rc = sqlite3_prepare_v2(self->db, "PRAGMA quick_check(20)", -1, &stmt, NULL);
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		const char *line;

		rc = sqlite3_step(stmt);
		if (rc != SQLITE_ROW)
			break;
		line = (const char *) sqlite3_column_text(stmt, 0);
		if (line == NULL || g_strcmp0(line, "ok") == 0)
			continue;
		if (n++ < 3)
			g_string_append_printf(found, "%s%s", found->len > 0 ? "; " : "", line);
	}
	if (rc == SQLITE_DONE) {
		if (n == 0)
			return TRUE;
		if (n > 3)
			g_string_append_printf(found, " (and %u more)", n - 3);
		g_string_prepend(found, ": ");
		g_string_prepend(found, self->path);
		cw_store_mark_malformed(self, found->str);
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT,
			    "database is malformed: %s", found->str);
		return FALSE;
	}
	cw_store_set_error(self, error, rc, "%s: checking the file (PRAGMA quick_check)",
			   self->path);
	return FALSE;
}

gboolean
cw_store_check_bind(CwStore *self, int rc, const char *purpose, GError **error)
{
	/* rc may be several codes OR-ed together: only "not OK" is meaningful */
	if (rc == SQLITE_OK)
		return TRUE;
	g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_QUERY, "binding the values for %s: %s",
		    purpose, sqlite3_errmsg(self->db));
	return FALSE;
}

gboolean
cw_store_step_done(CwStore *self, sqlite3_stmt *stmt, const char *purpose, GError **error)
{
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_DONE)
		return TRUE;
	if (rc == SQLITE_ROW) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_QUERY,
			    "%s: the statement unexpectedly returned a row", purpose);
		return FALSE;
	}
	cw_store_set_error(self, error, rc, "%s", purpose);
	return FALSE;
}

gint64
cw_store_step_int64(CwStore *self, sqlite3_stmt *stmt, gint64 none, const char *purpose,
		    GError **error)
{
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_DONE && none >= 0)
		return none;
	if (rc != SQLITE_ROW) {
		cw_store_set_error(self, error, rc, "%s", purpose);
		return -1;
	}
	return sqlite3_column_int64(stmt, 0);
}

GPtrArray *
cw_store_collect(CwStore *self, sqlite3_stmt *stmt, CwStoreRowReader read, gboolean flag,
		 GDestroyNotify free_func, const char *purpose, GError **error)
{
	g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func(free_func);
	int rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		gpointer row = read(stmt, flag, error);
		if (row == NULL)
			return NULL;
		g_ptr_array_add(rows, row);
	}
	if (rc != SQLITE_DONE) {
		cw_store_set_error(self, error, rc, "%s", purpose);
		return NULL;
	}
	return g_steal_pointer(&rows);
}

int
cw_store_bind_text(sqlite3_stmt *stmt, int index, const char *text)
{
	if (text == NULL)
		return sqlite3_bind_null(stmt, index);
	return sqlite3_bind_text(stmt, index, text, -1, SQLITE_TRANSIENT);
}

int
cw_store_bind_bot_id(sqlite3_stmt *stmt, int index, gint64 bot_id)
{
	if (bot_id <= 0)
		return sqlite3_bind_null(stmt, index);
	return sqlite3_bind_int64(stmt, index, bot_id);
}

int
cw_store_bind_time(sqlite3_stmt *stmt, int index, gint64 time)
{
	if (time == 0)
		return sqlite3_bind_null(stmt, index);
	return sqlite3_bind_int64(stmt, index, time);
}

/* ---- transactions ---- */

static gboolean
cw_store_exec_cached(CwStore *self, CwStoreStmtId id, const char *sql, const char *purpose,
		     GError **error)
{
	g_autoptr(CwStoreStmt) stmt = cw_store_stmt(self, id, sql, purpose, error);

	if (stmt == NULL)
		return FALSE;
	return cw_store_step_done(self, stmt, purpose, error);
}

/**
 * cw_store_begin:
 *
 * Starts a write transaction (BEGIN IMMEDIATE, so that a conflicting writer
 * is noticed now, within the busy timeout, and not at the first write).
 */
gboolean
cw_store_begin(CwStore *self, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);
	locker = cw_store_lock(self);
	if (!sqlite3_get_autocommit(self->db)) {
		g_set_error_literal(error, CW_STORE_ERROR, CW_STORE_ERROR_QUERY,
				    "starting a transaction: a transaction is already open");
		return FALSE;
	}
	if (!cw_store_exec_cached(self, CW_STORE_STMT_BEGIN, "BEGIN IMMEDIATE",
				  "starting a transaction", error))
		return FALSE;
	self->tx_open = TRUE;
	g_clear_error(&self->tx_error);
	return TRUE;
}

/* SQLite rolled the open transaction back by itself (SQLITE_FULL,
 * SQLITE_IOERR, SQLITE_NOMEM...): the caller's COMMIT would only say "no
 * transaction is active", so report the failure that caused it. */
static gboolean
cw_store_tx_lost(CwStore *self, GError **error)
{
	self->tx_open = FALSE;
	if (self->tx_error != NULL) {
		g_set_error(error, CW_STORE_ERROR, self->tx_error->code,
			    "%s; SQLite rolled the transaction back", self->tx_error->message);
		g_clear_error(&self->tx_error);
	} else {
		g_set_error_literal(error, CW_STORE_ERROR, CW_STORE_ERROR_QUERY,
				    "committing the transaction: SQLite rolled it back after a "
				    "failed statement");
	}
	return FALSE;
}

/**
 * cw_store_commit:
 */
gboolean
cw_store_commit(CwStore *self, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);
	locker = cw_store_lock(self);
	if (self->tx_open && sqlite3_get_autocommit(self->db))
		return cw_store_tx_lost(self, error);
	if (!cw_store_exec_cached(self, CW_STORE_STMT_COMMIT, "COMMIT",
				  "committing the transaction", error)) {
		/* a failed COMMIT may leave the transaction open (busy) or not */
		self->tx_open = !sqlite3_get_autocommit(self->db);
		return FALSE;
	}
	self->tx_open = FALSE;
	g_clear_error(&self->tx_error);
	/* something was made durable: the database takes writes again */
	g_clear_error(&self->write_error);
	return TRUE;
}

/**
 * cw_store_rollback:
 */
gboolean
cw_store_rollback(CwStore *self, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);
	locker = cw_store_lock(self);
	self->tx_open = FALSE;
	g_clear_error(&self->tx_error);
	/* already rolled back by SQLite itself: nothing is left to undo */
	if (sqlite3_get_autocommit(self->db))
		return TRUE;
	return cw_store_exec_cached(self, CW_STORE_STMT_ROLLBACK, "ROLLBACK",
				    "rolling back the transaction", error);
}

/**
 * cw_store_in_transaction:
 *
 * Returns: %TRUE between cw_store_begin() and its commit or rollback
 */
gboolean
cw_store_in_transaction(CwStore *self)
{
	g_autoptr(GRecMutexLocker) locker = NULL;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);
	locker = cw_store_lock(self);
	return !sqlite3_get_autocommit(self->db);
}

/**
 * cw_store_check_writable:
 *
 * Returns: %FALSE, with the last #CW_STORE_ERROR_UNWRITABLE error, from a
 *   failed write until a commit succeeds
 */
gboolean
cw_store_check_writable(CwStore *self, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);
	locker = cw_store_lock(self);
	if (self->write_error == NULL)
		return TRUE;
	g_propagate_error(error, g_error_copy(self->write_error));
	return FALSE;
}

/**
 * cw_store_probe_write:
 *
 * Proves that the database can be written: the connection is not
 * read-only, and a transaction that rewrites the schema version commits.
 */
gboolean
cw_store_probe_write(CwStore *self, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autofree char *sql = NULL;
	g_autofree char *done = NULL;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);
	locker = cw_store_lock(self);
	if (sqlite3_db_readonly(self->db, "main") == 1) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_UNWRITABLE,
			    "%s: the database is read-only for this process: check the "
			    "permissions of the file and of its directory",
			    self->path);
		return FALSE;
	}
	if (!cw_store_begin(self, error))
		return FALSE;
	/* the same value: a real write of the header page, no change */
	sql = g_strdup_printf("PRAGMA user_version = %u", self->schema_version);
	done = cw_store_pragma(self, sql, error);
	if (done == NULL || !cw_store_commit(self, error)) {
		cw_store_rollback(self, NULL);
		g_prefix_error(error, "%s: a test write failed: ", self->path);
		if (error != NULL && *error != NULL)
			(*error)->code = CW_STORE_ERROR_UNWRITABLE;
		return FALSE;
	}
	return TRUE;
}

/**
 * cw_store_set_max_page_count:
 * @pages: the cap, in pages of the database; 0 leaves the default
 */
gboolean
cw_store_set_max_page_count(CwStore *self, guint64 pages, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autofree char *sql = NULL;
	g_autofree char *got = NULL;

	g_return_val_if_fail(CW_IS_STORE(self), FALSE);
	if (pages == 0)
		return TRUE;
	locker = cw_store_lock(self);
	sql = g_strdup_printf("PRAGMA max_page_count = %" G_GUINT64_FORMAT, pages);
	got = cw_store_pragma(self, sql, error);
	return got != NULL;
}

/**
 * cw_store_get_data_version:
 *
 * Returns: PRAGMA data_version, which changes whenever another connection
 *   commits; -1 on error
 */
gint64
cw_store_get_data_version(CwStore *self, GError **error)
{
	g_autoptr(GRecMutexLocker) locker = NULL;
	g_autoptr(CwStoreStmt) stmt = NULL;
	const char *purpose = "reading the data version";

	g_return_val_if_fail(CW_IS_STORE(self), -1);
	locker = cw_store_lock(self);
	stmt =
	    cw_store_stmt(self, CW_STORE_STMT_DATA_VERSION, "PRAGMA data_version", purpose, error);
	if (stmt == NULL)
		return -1;
	return cw_store_step_int64(self, stmt, -1, purpose, error);
}

/* ---- checked row reader ---- */

void
cw_store_row_init(CwStoreRow *row, sqlite3_stmt *stmt, const char *table)
{
	row->stmt = stmt;
	row->table = table;
	row->rowid = sqlite3_column_int64(stmt, 0);
	row->error = NULL;
}

void
cw_store_row_clear(CwStoreRow *row)
{
	g_clear_error(&row->error);
}

gboolean
cw_store_row_finish(CwStoreRow *row, GError **error)
{
	if (row->error == NULL)
		return TRUE;
	g_propagate_error(error, g_steal_pointer(&row->error));
	return FALSE;
}

static const char *
cw_store_row_type_name(int type)
{
	switch (type) {
	case SQLITE_INTEGER:
		return "an integer";
	case SQLITE_FLOAT:
		return "a real";
	case SQLITE_TEXT:
		return "text";
	case SQLITE_BLOB:
		return "a blob";
	case SQLITE_NULL:
	default:
		return "NULL";
	}
}

static void cw_store_row_corrupt(CwStoreRow *row, int col, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

static void
cw_store_row_corrupt(CwStoreRow *row, int col, const char *format, ...)
{
	g_autofree char *problem = NULL;
	va_list args;

	if (row->error != NULL)
		return;
	va_start(args, format);
	problem = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error(&row->error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT,
		    "corrupt row in %s (rowid %" G_GINT64_FORMAT "): column %s %s", row->table,
		    row->rowid, sqlite3_column_name(row->stmt, col), problem);
}

/* Describes the bad value: its type, and the start of it when it is text. */
static char *
cw_store_row_describe(CwStoreRow *row, int col)
{
	int type = sqlite3_column_type(row->stmt, col);

	if (type == SQLITE_TEXT) {
		const char *text = (const char *) sqlite3_column_text(row->stmt, col);
		g_autofree char *shown = g_strndup(text, 40);
		g_autofree char *escaped = g_strescape(shown, NULL);
		return g_strdup_printf("text '%s'", escaped);
	}
	return g_strdup(cw_store_row_type_name(type));
}

const char *
cw_store_row_text(CwStoreRow *row, int col, gboolean required)
{
	int type = sqlite3_column_type(row->stmt, col);

	if (type == SQLITE_NULL) {
		if (required)
			cw_store_row_corrupt(row, col, "is NULL, expected text");
		return NULL;
	}
	if (type == SQLITE_BLOB) {
		cw_store_row_corrupt(row, col, "holds a blob, expected text");
		return NULL;
	}
	return (const char *) sqlite3_column_text(row->stmt, col);
}

/* Text of a column that other programs may have written as a BLOB (the
 * sqlite3 shell's readfile() gives one): accepted when it is UTF-8 without
 * NUL bytes, corrupt otherwise. */
const char *
cw_store_row_utf8(CwStoreRow *row, int col, gboolean required)
{
	const char *text = NULL;
	const char *nul = NULL;
	const char *end = NULL;
	int len = 0;

	if (sqlite3_column_type(row->stmt, col) != SQLITE_BLOB)
		return cw_store_row_text(row, col, required);
	/* text first, then its length: SQLite's documented order */
	text = (const char *) sqlite3_column_text(row->stmt, col);
	len = sqlite3_column_bytes(row->stmt, col);
	if (text == NULL) {
		cw_store_row_corrupt(row, col, "holds an empty blob, expected text");
		return NULL;
	}
	nul = memchr(text, '\0', (gsize) len);
	if (nul != NULL) {
		cw_store_row_corrupt(row, col,
				     "holds a blob with a NUL byte at offset %d, expected text",
				     (int) (nul - text));
		return NULL;
	}
	if (!g_utf8_validate(text, len, &end)) {
		cw_store_row_corrupt(row, col,
				     "holds a blob that is not valid UTF-8 (at byte offset %d), "
				     "expected text",
				     (int) (end - text));
		return NULL;
	}
	return text;
}

void
cw_store_row_text_buf(CwStoreRow *row, int col, gboolean required, char *buf, gsize len)
{
	const char *text = cw_store_row_text(row, col, required);

	buf[0] = '\0';
	if (text == NULL)
		return;
	if (g_strlcpy(buf, text, len) >= len) {
		buf[0] = '\0';
		cw_store_row_corrupt(row, col, "is longer than %" G_GSIZE_FORMAT " bytes", len - 1);
	}
}

gint64
cw_store_row_int(CwStoreRow *row, int col, gboolean required)
{
	int type = sqlite3_column_type(row->stmt, col);

	if (type == SQLITE_INTEGER)
		return sqlite3_column_int64(row->stmt, col);
	if (type == SQLITE_NULL) {
		if (required)
			cw_store_row_corrupt(row, col, "is NULL, expected an integer");
		return 0;
	}
	if (type == SQLITE_FLOAT) {
		/* a whole number written as real by another program is fine */
		double value = sqlite3_column_double(row->stmt, col);
		if (value == (double) (gint64) value)
			return (gint64) value;
	}
	{
		g_autofree char *what = cw_store_row_describe(row, col);
		cw_store_row_corrupt(row, col, "holds %s, expected an integer", what);
	}
	return 0;
}

gboolean
cw_store_row_bool(CwStoreRow *row, int col)
{
	gint64 value = cw_store_row_int(row, col, TRUE);

	if (value != 0 && value != 1) {
		cw_store_row_corrupt(row, col, "holds %" G_GINT64_FORMAT ", expected 0 or 1",
				     value);
		return FALSE;
	}
	return value == 1;
}

double
cw_store_row_double(CwStoreRow *row, int col, gboolean required)
{
	int type = sqlite3_column_type(row->stmt, col);

	if (type == SQLITE_FLOAT || type == SQLITE_INTEGER)
		return sqlite3_column_double(row->stmt, col);
	if (type == SQLITE_NULL) {
		if (required)
			cw_store_row_corrupt(row, col, "is NULL, expected a number");
		return 0;
	}
	{
		g_autofree char *what = cw_store_row_describe(row, col);
		cw_store_row_corrupt(row, col, "holds %s, expected a number", what);
	}
	return 0;
}

GQuark
cw_store_row_quark(CwStoreRow *row, int col, gboolean required)
{
	const char *text = cw_store_row_text(row, col, required);

	return text != NULL ? g_quark_from_string(text) : 0;
}

/* Maps the column's text back to the enum value whose to_string() gives it. */
#define CW_STORE_ROW_ENUM(row, col, Type, to_string, first, last)                                  \
	G_STMT_START                                                                               \
	{                                                                                          \
		const char *text_ = cw_store_row_text(row, col, TRUE);                             \
		if (text_ == NULL)                                                                 \
			return first;                                                              \
		for (int v_ = (first); v_ <= (last); v_++) {                                       \
			if (strcmp(text_, to_string((Type) v_)) == 0)                              \
				return (Type) v_;                                                  \
		}                                                                                  \
		{                                                                                  \
			g_autofree char *shown_ = g_strndup(text_, 40);                            \
			g_autofree char *escaped_ = g_strescape(shown_, NULL);                     \
			cw_store_row_corrupt(row, col, "holds unknown value '%s'", escaped_);      \
		}                                                                                  \
		return first;                                                                      \
	}                                                                                          \
	G_STMT_END

CwDirection
cw_store_row_direction(CwStoreRow *row, int col)
{
	CW_STORE_ROW_ENUM(row, col, CwDirection, cw_direction_to_string, CW_DIRECTION_SHORT,
			  CW_DIRECTION_LONG);
}

CwSide
cw_store_row_side(CwStoreRow *row, int col)
{
	CW_STORE_ROW_ENUM(row, col, CwSide, cw_side_to_string, CW_SIDE_BUY, CW_SIDE_SELL);
}

CwOrderType
cw_store_row_order_type(CwStoreRow *row, int col)
{
	CW_STORE_ROW_ENUM(row, col, CwOrderType, cw_order_type_to_string, CW_ORDER_TYPE_MARKET,
			  CW_ORDER_TYPE_STOP);
}

CwOrderStatus
cw_store_row_order_status(CwStoreRow *row, int col)
{
	const char *text = cw_store_row_text(row, col, TRUE);

	/* rows written before the broker contract: "submitted" was the working state */
	if (text != NULL && strcmp(text, "submitted") == 0)
		return CW_ORDER_STATUS_NEW;
	CW_STORE_ROW_ENUM(row, col, CwOrderStatus, cw_order_status_to_string,
			  CW_ORDER_STATUS_PENDING_NEW, CW_ORDER_STATUS_PENDING_REPLACE);
}

CwOrderPurpose
cw_store_row_order_purpose(CwStoreRow *row, int col)
{
	CW_STORE_ROW_ENUM(row, col, CwOrderPurpose, cw_order_purpose_to_string,
			  CW_ORDER_PURPOSE_ENTRY, CW_ORDER_PURPOSE_GUARD_EXIT);
}
