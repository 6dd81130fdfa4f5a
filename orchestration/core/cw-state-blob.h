#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-core-types.h"

G_BEGIN_DECLS

/* A bot's trading state as bytes: a versioned, checksummed frame around
 * fields appended by their owners (orchestrator, exit machine, broker,
 * guards). The frame is
 *   "CWTS" | version u32 | layout u32 | payload length u32 | FNV-1a 64 of
 *   the payload | payload
 * in the host's byte order: a snapshot is read back by the same build on
 * the same machine; layout is a fingerprint of the structs that are stored
 * whole, so another build's snapshot fails to verify instead of being
 * misread. Writing appends to a GByteArray that the caller keeps and
 * reuses: once it has grown to the state's size, nothing allocates. */

#define CW_STATE_BLOB_VERSION 1u

/* Starts a frame in out (emptied first, capacity kept). */
void cw_state_blob_begin(GByteArray *out, guint32 layout);
/* Fills the frame's length and checksum once every field is appended. */
void cw_state_blob_end(GByteArray *out);
void cw_state_blob_put(GByteArray *out, const void *data, gsize len);
void cw_state_blob_put_u64(GByteArray *out, guint64 value);
void cw_state_blob_put_i64(GByteArray *out, gint64 value);
void cw_state_blob_put_f64(GByteArray *out, double value);
/* A whole struct, preceded by its size (checked when read back). */
void cw_state_blob_put_struct(GByteArray *out, const void *data, gsize size);
/* A string (NULL allowed), length first. */
void cw_state_blob_put_string(GByteArray *out, const char *text);

/* A cursor over a verified frame's payload. */
typedef struct {
	const guint8 *data;
	gsize len;
	gsize pos;
	/* quarks are numbers of one process: the stored ones and what their
	 * strings are in this process (cw_state_reader_map_quark()) */
	guint32 quark_from[4];
	guint32 quark_to[4];
	guint n_quarks;
} CwStateReader;

/* Verifies the frame (magic, version, layout, length, checksum) and
 * points r at its payload. CW_CORE_ERROR_INVALID_DATA says what failed. */
gboolean cw_state_reader_init(CwStateReader *r, const guint8 *data, gsize len, guint32 layout,
			      GError **error);
/* Each read names its field in the error when the payload is short. */
gboolean cw_state_reader_get(CwStateReader *r, void *out, gsize len, const char *field,
			     GError **error);
gboolean cw_state_reader_get_u64(CwStateReader *r, guint64 *out, const char *field, GError **error);
gboolean cw_state_reader_get_i64(CwStateReader *r, gint64 *out, const char *field, GError **error);
gboolean cw_state_reader_get_f64(CwStateReader *r, double *out, const char *field, GError **error);
gboolean cw_state_reader_get_struct(CwStateReader *r, void *out, gsize size, const char *field,
				    GError **error);
/* out: (transfer full) (nullable): NULL when a NULL was stored. */
gboolean cw_state_reader_get_string(CwStateReader *r, char **out, const char *field,
				    GError **error);
/* Writes a quark as its number and its string; reading it back gives this
 * process's quark for the string and remembers the pair for
 * cw_state_reader_map_quark(). */
void cw_state_blob_put_quark(GByteArray *out, GQuark quark);
gboolean cw_state_reader_get_quark(CwStateReader *r, GQuark *out, const char *field,
				   GError **error);
/* This process's quark for a stored one read with get_quark (0 stays 0;
 * an unknown one becomes 0). */
GQuark cw_state_reader_map_quark(const CwStateReader *r, GQuark stored);
/* TRUE when every byte of the payload was read. */
gboolean cw_state_reader_at_end(const CwStateReader *r);

/* FNV-1a 64 of data (the frame's checksum). */
guint64 cw_state_blob_checksum(const guint8 *data, gsize len);

G_END_DECLS
