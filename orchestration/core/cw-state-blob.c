#include "cw-core.h"

#include <string.h>

#define CW_STATE_BLOB_MAGIC  "CWTS"
#define CW_STATE_BLOB_HEADER (4 + 4 + 4 + 4 + 8)

guint64
cw_state_blob_checksum(const guint8 *data, gsize len)
{
	guint64 h = 0xcbf29ce484222325u;

	for (gsize i = 0; i < len; i++) {
		h ^= data[i];
		h *= 0x100000001b3u;
	}
	return h;
}

/**
 * cw_state_blob_begin:
 * @out: the caller's buffer, reused from one snapshot to the next
 * @layout: the fingerprint of the stored structs
 *
 * Empties @out and writes a frame header whose length and checksum
 * cw_state_blob_end() fills in.
 */
void
cw_state_blob_begin(GByteArray *out, guint32 layout)
{
	guint32 version = CW_STATE_BLOB_VERSION;
	guint8 zero[8] = {0};

	g_byte_array_set_size(out, 0);
	g_byte_array_append(out, (const guint8 *) CW_STATE_BLOB_MAGIC, 4);
	g_byte_array_append(out, (const guint8 *) &version, 4);
	g_byte_array_append(out, (const guint8 *) &layout, 4);
	g_byte_array_append(out, zero, 4);
	g_byte_array_append(out, zero, 8);
}

/**
 * cw_state_blob_end:
 * @out: a frame begun with cw_state_blob_begin()
 *
 * Seals the frame: payload length and checksum.
 */
void
cw_state_blob_end(GByteArray *out)
{
	guint32 len = (guint32) (out->len - CW_STATE_BLOB_HEADER);
	guint64 sum = cw_state_blob_checksum(out->data + CW_STATE_BLOB_HEADER, len);

	memcpy(out->data + 12, &len, 4);
	memcpy(out->data + 16, &sum, 8);
}

void
cw_state_blob_put(GByteArray *out, const void *data, gsize len)
{
	g_byte_array_append(out, data, (guint) len);
}

void
cw_state_blob_put_u64(GByteArray *out, guint64 value)
{
	g_byte_array_append(out, (const guint8 *) &value, sizeof value);
}

void
cw_state_blob_put_i64(GByteArray *out, gint64 value)
{
	g_byte_array_append(out, (const guint8 *) &value, sizeof value);
}

void
cw_state_blob_put_f64(GByteArray *out, double value)
{
	g_byte_array_append(out, (const guint8 *) &value, sizeof value);
}

void
cw_state_blob_put_struct(GByteArray *out, const void *data, gsize size)
{
	cw_state_blob_put_u64(out, size);
	g_byte_array_append(out, data, (guint) size);
}

void
cw_state_blob_put_string(GByteArray *out, const char *text)
{
	if (text == NULL) {
		cw_state_blob_put_u64(out, G_MAXUINT64);
		return;
	}
	cw_state_blob_put_u64(out, strlen(text));
	g_byte_array_append(out, (const guint8 *) text, (guint) strlen(text));
}

/**
 * cw_state_reader_init:
 * @r: (out): the reader
 * @data: a frame as cw_state_blob_end() left it
 * @layout: the fingerprint this build expects
 *
 * Returns: %FALSE with a CW_CORE_ERROR_INVALID_DATA that names what failed
 */
gboolean
cw_state_reader_init(CwStateReader *r, const guint8 *data, gsize len, guint32 layout,
		     GError **error)
{
	guint32 version, stored_layout, payload;
	guint64 sum, actual;

	*r = (CwStateReader){0};
	if (len < CW_STATE_BLOB_HEADER || memcmp(data, CW_STATE_BLOB_MAGIC, 4) != 0) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
			    "not a trading state snapshot (%" G_GSIZE_FORMAT
			    " bytes, no CWTS header)",
			    len);
		return FALSE;
	}
	memcpy(&version, data + 4, 4);
	memcpy(&stored_layout, data + 8, 4);
	memcpy(&payload, data + 12, 4);
	memcpy(&sum, data + 16, 8);
	if (version != CW_STATE_BLOB_VERSION) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
			    "snapshot version %u, this build reads version %u", version,
			    CW_STATE_BLOB_VERSION);
		return FALSE;
	}
	if (stored_layout != layout) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
			    "snapshot layout %08x, this build's is %08x (written by another build)",
			    stored_layout, layout);
		return FALSE;
	}
	if ((gsize) payload != len - CW_STATE_BLOB_HEADER) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
			    "snapshot length %u, but %" G_GSIZE_FORMAT " bytes follow the header",
			    payload, len - CW_STATE_BLOB_HEADER);
		return FALSE;
	}
	actual = cw_state_blob_checksum(data + CW_STATE_BLOB_HEADER, payload);
	if (actual != sum) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
			    "snapshot checksum mismatch (stored %016" G_GINT64_MODIFIER
			    "x, computed %016" G_GINT64_MODIFIER "x)",
			    sum, actual);
		return FALSE;
	}
	r->data = data + CW_STATE_BLOB_HEADER;
	r->len = payload;
	return TRUE;
}

gboolean
cw_state_reader_get(CwStateReader *r, void *out, gsize len, const char *field, GError **error)
{
	if (r->len - r->pos < len) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
			    "snapshot ends inside %s (offset %" G_GSIZE_FORMAT ")", field, r->pos);
		return FALSE;
	}
	memcpy(out, r->data + r->pos, len);
	r->pos += len;
	return TRUE;
}

gboolean
cw_state_reader_get_u64(CwStateReader *r, guint64 *out, const char *field, GError **error)
{
	return cw_state_reader_get(r, out, sizeof *out, field, error);
}

gboolean
cw_state_reader_get_i64(CwStateReader *r, gint64 *out, const char *field, GError **error)
{
	return cw_state_reader_get(r, out, sizeof *out, field, error);
}

gboolean
cw_state_reader_get_f64(CwStateReader *r, double *out, const char *field, GError **error)
{
	return cw_state_reader_get(r, out, sizeof *out, field, error);
}

gboolean
cw_state_reader_get_struct(CwStateReader *r, void *out, gsize size, const char *field,
			   GError **error)
{
	guint64 stored;

	if (!cw_state_reader_get_u64(r, &stored, field, error))
		return FALSE;
	if (stored != size) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
			    "snapshot field %s has %" G_GUINT64_FORMAT
			    " bytes, expected %" G_GSIZE_FORMAT,
			    field, stored, size);
		return FALSE;
	}
	return cw_state_reader_get(r, out, size, field, error);
}

gboolean
cw_state_reader_get_string(CwStateReader *r, char **out, const char *field, GError **error)
{
	guint64 len;

	*out = NULL;
	if (!cw_state_reader_get_u64(r, &len, field, error))
		return FALSE;
	if (len == G_MAXUINT64)
		return TRUE;
	if (len > r->len - r->pos) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_INVALID_DATA,
			    "snapshot field %s: length %" G_GUINT64_FORMAT " past the end", field,
			    len);
		return FALSE;
	}
	*out = g_strndup((const char *) r->data + r->pos, (gsize) len);
	r->pos += (gsize) len;
	return TRUE;
}

gboolean
cw_state_reader_at_end(const CwStateReader *r)
{
	return r->pos == r->len;
}

void
cw_state_blob_put_quark(GByteArray *out, GQuark quark)
{
	cw_state_blob_put_u64(out, quark);
	cw_state_blob_put_string(out, quark != 0 ? g_quark_to_string(quark) : NULL);
}

gboolean
cw_state_reader_get_quark(CwStateReader *r, GQuark *out, const char *field, GError **error)
{
	g_autofree char *text = NULL;
	guint64 stored;

	if (!cw_state_reader_get_u64(r, &stored, field, error) ||
	    !cw_state_reader_get_string(r, &text, field, error))
		return FALSE;
	*out = text != NULL ? g_quark_from_string(text) : 0;
	if (stored != 0 && r->n_quarks < G_N_ELEMENTS(r->quark_from)) {
		r->quark_from[r->n_quarks] = (guint32) stored;
		r->quark_to[r->n_quarks] = *out;
		r->n_quarks++;
	}
	return TRUE;
}

GQuark
cw_state_reader_map_quark(const CwStateReader *r, GQuark stored)
{
	for (guint i = 0; i < r->n_quarks; i++) {
		if (r->quark_from[i] == stored)
			return r->quark_to[i];
	}
	return 0;
}
