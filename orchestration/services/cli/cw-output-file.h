/* CwOutputFile: one output file of a command (reports, CSV, SVG, candles).
 *
 * The path is written as it names it: "-" is stdout; a symbolic link is
 * followed, so its target is updated and the link stays; an existing
 * regular file or a new path is written through a temporary file in the
 * target's directory that commit renames over it (a reader never sees half
 * a file, a failed run leaves the old file). Anything else (a device such
 * as /dev/full or /dev/null, a FIFO, a directory, a socket) is refused
 * before anything is written. */
#pragma once

#include <glib.h>
#include <stdio.h>

G_BEGIN_DECLS

typedef struct _CwOutputFile CwOutputFile;

/* Opens path for writing; NULL with a CW_SERVICES_ERROR_IO error that names
 * the path when it is refused or cannot be created. */
CwOutputFile *cw_output_file_open(const char *path, GError **error);
/* The stream to write to (stdout for "-"); owned by the output file. */
FILE *cw_output_file_get_stream(CwOutputFile *self);
/* Flushes and, for a file, syncs it and renames it into place. FALSE with
 * an error (a write error, disk full) leaves the old file untouched. */
gboolean cw_output_file_commit(CwOutputFile *self, GError **error);
/* Frees; an output that was not committed is discarded (the temporary
 * file is removed). */
void cw_output_file_free(CwOutputFile *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwOutputFile, cw_output_file_free)

/* Writes len bytes of contents (-1: up to the NUL), then commits. */
gboolean cw_output_file_write_all(CwOutputFile *self, const char *contents, gssize len,
				  GError **error);
/* open, then cw_output_file_write_all(). */
gboolean cw_output_file_write(const char *path, const char *contents, gssize len, GError **error);

G_END_DECLS
