#pragma once

#if !defined(CW_SERVICES_STORE_INSIDE) && !defined(CW_SERVICES_STORE_COMPILATION)
#error "Only <cw-services-store.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/* WAL checkpoints off the main loop: a thread with its own connection to
 * the database runs PRAGMA wal_checkpoint(PASSIVE) every interval, so the
 * main connection (whose automatic checkpoints are turned off with
 * cw_store_set_wal_autocheckpoint()) never copies the WAL into the
 * database nor syncs it inside a commit. A passive checkpoint takes no
 * writer lock: commits on the main loop go on while it runs. */
typedef struct _CwStoreCheckpointer CwStoreCheckpointer;

/* Opens the thread's connection to path and starts the thread; NULL with
 * error when the database cannot be opened. */
CwStoreCheckpointer *cw_store_checkpointer_new(const char *path, guint interval_ms, GError **error);
/* Stops the thread (after the checkpoint it may be running) and frees. */
void cw_store_checkpointer_free(CwStoreCheckpointer *self);
/* Checkpoints run so far, and the WAL frames they copied into the
 * database. */
guint64 cw_store_checkpointer_get_n_runs(CwStoreCheckpointer *self);
guint64 cw_store_checkpointer_get_n_frames(CwStoreCheckpointer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwStoreCheckpointer, cw_store_checkpointer_free)

G_END_DECLS
