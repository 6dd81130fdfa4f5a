/* CwStoreCheckpointer: passive WAL checkpoints on a thread of their own
 * (see cw-store-checkpointer.h). */
#include "cw-services-store.h"

#include <sqlite3.h>

#include "cw-store-checkpointer.h"

struct _CwStoreCheckpointer {
	sqlite3 *db; /* used by the thread only, after new() */
	GThread *thread;
	GMutex lock;
	GCond cond;
	gboolean stop;  /* under lock */
	guint64 n_runs; /* under lock */
	guint64 n_frames;
	gint64 interval_us;
	gboolean failing; /* the thread's: the last checkpoint failed (logged once) */
};

/* One passive checkpoint: copies what no reader still needs. */
static void
cw_store_checkpointer_run(CwStoreCheckpointer *self)
{
	int log_frames = 0, done_frames = 0;
	int rc = sqlite3_wal_checkpoint_v2(self->db, "main", SQLITE_CHECKPOINT_PASSIVE, &log_frames,
					   &done_frames);

	if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
		if (!self->failing)
			g_warning("store: WAL checkpoint failed (retried every %.1f s): %s",
				  (double) self->interval_us / G_USEC_PER_SEC,
				  sqlite3_errmsg(self->db));
		self->failing = TRUE;
		return;
	}
	self->failing = FALSE;
	g_mutex_lock(&self->lock);
	self->n_runs++;
	self->n_frames += (guint64) MAX(done_frames, 0);
	g_mutex_unlock(&self->lock);
}

static gpointer
cw_store_checkpointer_thread(gpointer data)
{
	CwStoreCheckpointer *self = data;

	g_mutex_lock(&self->lock);
	while (!self->stop) {
		gint64 until = g_get_monotonic_time() + self->interval_us;

		while (!self->stop && g_cond_wait_until(&self->cond, &self->lock, until))
			;
		if (self->stop)
			break;
		g_mutex_unlock(&self->lock);
		cw_store_checkpointer_run(self);
		g_mutex_lock(&self->lock);
	}
	g_mutex_unlock(&self->lock);
	return NULL;
}

static gboolean
cw_store_checkpointer_is_wal(sqlite3 *db)
{
	sqlite3_stmt *stmt = NULL;
	gboolean wal = FALSE;

	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != NULL)
		wal = g_ascii_strcasecmp((const char *) sqlite3_column_text(stmt, 0), "wal") == 0;
	sqlite3_finalize(stmt);
	return wal;
}

/**
 * cw_store_checkpointer_new:
 * @path: the database file (in WAL mode)
 * @interval_ms: time between two checkpoints
 *
 * Returns: (transfer full) (nullable): the running checkpointer
 */
CwStoreCheckpointer *
cw_store_checkpointer_new(const char *path, guint interval_ms, GError **error)
{
	CwStoreCheckpointer *self;
	sqlite3 *db = NULL;
	int rc;

	g_return_val_if_fail(path != NULL, NULL);
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_OPEN,
			    "%s: cannot open a connection for WAL checkpoints: %s", path,
			    db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	/* a first read opens the WAL (a connection that never read the file
	 * takes it for a rollback journal one); this one writes nothing, so it
	 * never checkpoints by itself */
	sqlite3_wal_autocheckpoint(db, 0);
	if (!cw_store_checkpointer_is_wal(db)) {
		g_set_error(error, CW_STORE_ERROR, CW_STORE_ERROR_OPEN,
			    "%s: not in WAL journal mode, or cannot be read: %s", path,
			    sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	self = g_new0(CwStoreCheckpointer, 1);
	self->db = db;
	self->interval_us = (gint64) MAX(interval_ms, 1u) * 1000;
	g_mutex_init(&self->lock);
	g_cond_init(&self->cond);
	self->thread = g_thread_new("cw-checkpoint", cw_store_checkpointer_thread, self);
	return self;
}

/** cw_store_checkpointer_free: stops the thread, closes its connection. */
void
cw_store_checkpointer_free(CwStoreCheckpointer *self)
{
	if (self == NULL)
		return;
	g_mutex_lock(&self->lock);
	self->stop = TRUE;
	g_cond_signal(&self->cond);
	g_mutex_unlock(&self->lock);
	g_thread_join(self->thread);
	sqlite3_close(self->db);
	g_mutex_clear(&self->lock);
	g_cond_clear(&self->cond);
	g_free(self);
}

/** cw_store_checkpointer_get_n_runs: checkpoints run so far. */
guint64
cw_store_checkpointer_get_n_runs(CwStoreCheckpointer *self)
{
	guint64 n;

	g_mutex_lock(&self->lock);
	n = self->n_runs;
	g_mutex_unlock(&self->lock);
	return n;
}

/** cw_store_checkpointer_get_n_frames: WAL frames copied so far. */
guint64
cw_store_checkpointer_get_n_frames(CwStoreCheckpointer *self)
{
	guint64 n;

	g_mutex_lock(&self->lock);
	n = self->n_frames;
	g_mutex_unlock(&self->lock);
	return n;
}
