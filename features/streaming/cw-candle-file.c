/* CwCandleFile: candles from a CSV or JSON file.
 *
 * CSV is streamed through one read buffer that grows only for very long
 * lines; a row is split in place and parsed without allocation. JSON is
 * loaded once through cw_json_parse_file() and walked by index. Bad rows allocate (their
 * error message), good rows never do.
 */
#include "cw-streaming.h"

#include "cw-config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#define CW_CANDLE_FILE_LOOKAHEAD    100
#define CW_CANDLE_FILE_MAX_MESSAGES 20
#define CW_CANDLE_FILE_BUF_SIZE     (256 * 1024)
#define CW_CANDLE_FILE_MAX_LINE     (4 * 1024 * 1024)
#define CW_CANDLE_FILE_MS_THRESHOLD 1e11
#define CW_CANDLE_FILE_N_COLUMNS    6

typedef enum {
	CW_CANDLE_FILE_FORMAT_NONE,
	CW_CANDLE_FILE_FORMAT_CSV,
	CW_CANDLE_FILE_FORMAT_JSON,
} CwCandleFileFormat;

typedef enum {
	CW_TIME_UNIT_UNKNOWN,
	CW_TIME_UNIT_SECONDS,
	CW_TIME_UNIT_MS,
} CwTimeUnit;

static const char *const cw_candle_file_columns[CW_CANDLE_FILE_N_COLUMNS] = {
    "time", "open", "high", "low", "close", "volume",
};

/* Distinct reasons counted for skipped rows; more are counted as "other". */
#define CW_CANDLE_FILE_MAX_REASONS 16

typedef struct {
	const char *format; /* cw_candle_file_bad_row()'s format */
	int column;         /* -1: the row */
	guint64 n;
} CwCandleFileReason;

struct _CwCandleFile {
	GObject parent_instance;

	/* properties */
	char *path;
	char *symbol;
	GQuark symbol_quark;
	gint64 interval_ms; /* as set; 0 = detect */
	gboolean skip_bad_rows;
	gint64 from;
	gint64 to;

	/* open state */
	gboolean is_open;
	gboolean done;
	CwCandleFileFormat format;
	CwTimeUnit time_unit;
	gint64 effective_interval;
	char *description;
	GError *fatal_error;

	/* CSV reader */
	int fd;
	char *buf;
	gsize buf_size;
	gsize buf_start;
	gsize buf_end;
	gboolean eof;
	guint64 line_no;

	/* JSON rows */
	JsonNode *root;
	JsonArray *rows;
	guint row_index; /* index of the row being read */
	guint n_rows;

	/* ordering */
	gboolean have_prev;
	gint64 prev_time;

	/* interval detection: the first rows, served before reading on */
	CwCandle *lookahead;
	guint n_lookahead;
	guint lookahead_pos;
	GError *pending_error; /* a bad row met while looking ahead */
	guint pending_pos;     /* served after this many lookahead candles */
	GError *retry_error;   /* a second one, served after the lookahead */

	/* skipped rows */
	guint64 n_skipped;
	GPtrArray *skipped_messages;
	/* why rows were skipped: the message format and column of the last
	 * bad row, and counts per (format, column) */
	const char *bad_format;
	int bad_column;
	CwCandleFileReason reasons[CW_CANDLE_FILE_MAX_REASONS];
	guint n_reasons;
	guint64 n_other_reasons;
};

enum {
	PROP_0,
	PROP_PATH,
	PROP_SYMBOL,
	PROP_INTERVAL,
	PROP_SKIP_BAD_ROWS,
	PROP_FROM,
	PROP_TO,
	PROP_SKIPPED_SUMMARY,
	PROP_SKIPPED_REASONS,
	N_PROPS
};

static GParamSpec *cw_candle_file_props[N_PROPS];

static void cw_candle_file_source_iface_init(CwCandleSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CwCandleFile, cw_candle_file, G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(CW_TYPE_CANDLE_SOURCE,
						    cw_candle_file_source_iface_init))

/* Numbers ------------------------------------------------------------------ */

static const double cw_pow10[] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* Strict decimal parse of a whole NUL-terminated field. Plain decimals whose
 * digits fit in 53 bits take the exact fast path (one correctly rounded
 * division, the same double strtod gives); anything else made of number
 * characters goes through g_ascii_strtod. Names (nan, inf) and hex are
 * refused, and so is anything that is not finite. */
static gboolean
cw_candle_file_parse_number(const char *s, double *out)
{
	const char *p = s;
	gboolean neg = FALSE;
	guint64 mant = 0;
	guint n_digits = 0;
	guint n_frac = 0;
	gboolean exact = TRUE;
	char *end = NULL;
	double v;

	if (*p == '-' || *p == '+') {
		neg = *p == '-';
		p++;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		if (mant >= (G_GUINT64_CONSTANT(1) << 53) / 10)
			exact = FALSE;
		mant = mant * 10 + (guint64) (*p - '0');
		n_digits++;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (mant >= (G_GUINT64_CONSTANT(1) << 53) / 10)
				exact = FALSE;
			mant = mant * 10 + (guint64) (*p - '0');
			n_digits++;
			n_frac++;
		}
	}
	if (*p == '\0' && exact && n_digits > 0 && n_frac < G_N_ELEMENTS(cw_pow10)) {
		v = (double) mant;
		if (n_frac > 0)
			v /= cw_pow10[n_frac];
		*out = neg ? -v : v;
		return TRUE;
	}
	if (n_digits == 0 && *p != '.')
		return FALSE;
	for (p = s; *p != '\0'; p++) {
		if (strchr("0123456789+-.eE", *p) == NULL)
			return FALSE;
	}
	v = g_ascii_strtod(s, &end);
	if (end == s || *end != '\0' || !isfinite(v))
		return FALSE;
	*out = v;
	return TRUE;
}

static void
cw_candle_file_format_number(double v, char *buf, gsize len)
{
	g_ascii_formatd(buf, (gint) MIN(len, G_MAXINT), "%.15g", v);
}

/* Errors ------------------------------------------------------------------- */

/* "path:LINE: " (CSV), "path: [i]: " or "path: [i][column]: " (JSON); the
 * CSV form names the column in the message instead. */
static char *
cw_candle_file_where(CwCandleFile *self, int column)
{
	if (self->format == CW_CANDLE_FILE_FORMAT_JSON) {
		if (column >= 0)
			return g_strdup_printf("%s: [%u][%d]: ", self->path, self->row_index,
					       column);
		return g_strdup_printf("%s: [%u]: ", self->path, self->row_index);
	}
	if (column >= 0)
		return g_strdup_printf("%s:%" G_GUINT64_FORMAT ": %s: ", self->path, self->line_no,
				       cw_candle_file_columns[column]);
	return g_strdup_printf("%s:%" G_GUINT64_FORMAT ": ", self->path, self->line_no);
}

static void cw_candle_file_bad_row(CwCandleFile *self, GError **error, int column,
				   const char *format, ...) G_GNUC_PRINTF(4, 5);

static void
cw_candle_file_bad_row(CwCandleFile *self, GError **error, int column, const char *format, ...)
{
	g_autofree char *where = cw_candle_file_where(self, column);
	g_autofree char *what = NULL;
	va_list args;

	self->bad_format = format;
	self->bad_column = column;

	va_start(args, format);
	what = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_BAD_ROW, "%s%s", where, what);
}

/* Quotes at most 60 bytes of a field or line for a message. */
static char *
cw_candle_file_quote(const char *text)
{
	g_autofree char *cut = g_utf8_make_valid(text, MIN(strlen(text), 60));
	g_autofree char *escaped = g_strescape(cut, NULL);

	return g_strdup_printf("\"%s%s\"", escaped, strlen(text) > 60 ? "..." : "");
}

/* Validation shared by both formats --------------------------------------- */

static const char *
cw_candle_file_unit_name(CwTimeUnit unit)
{
	return unit == CW_TIME_UNIT_MS ? "milliseconds" : "seconds";
}

static gint64
cw_candle_file_raw_time(CwCandleFile *self, gint64 ms)
{
	return self->time_unit == CW_TIME_UNIT_SECONDS ? ms / 1000 : ms;
}

/* t is the time as written in the file, v[0..4] open, high, low, close,
 * volume. Fills out and updates the ordering state on success. */
static gboolean
cw_candle_file_check_row(CwCandleFile *self, double t, const double *v, CwCandle *out,
			 GError **error)
{
	char a[G_ASCII_DTOSTR_BUF_SIZE];
	char b[G_ASCII_DTOSTR_BUF_SIZE];
	CwTimeUnit unit;
	gint64 time_ms;

	if (t < 0 || floor(t) != t || t > 1e16) {
		cw_candle_file_format_number(t, a, sizeof a);
		cw_candle_file_bad_row(self, error, 0, "expected a whole number >= 0, got %s", a);
		return FALSE;
	}
	unit = t >= CW_CANDLE_FILE_MS_THRESHOLD ? CW_TIME_UNIT_MS : CW_TIME_UNIT_SECONDS;
	if (self->time_unit == CW_TIME_UNIT_UNKNOWN)
		self->time_unit = unit;
	if (unit != self->time_unit) {
		cw_candle_file_bad_row(self, error, -1,
				       "time %" G_GINT64_FORMAT " is in %s but the file uses %s",
				       (gint64) t, cw_candle_file_unit_name(unit),
				       cw_candle_file_unit_name(self->time_unit));
		return FALSE;
	}
	time_ms = unit == CW_TIME_UNIT_SECONDS ? (gint64) t * 1000 : (gint64) t;

	for (int i = 0; i < 4; i++) {
		if (!(v[i] > 0)) {
			cw_candle_file_format_number(v[i], a, sizeof a);
			cw_candle_file_bad_row(self, error, i + 1, "expected a price > 0, got %s",
					       a);
			return FALSE;
		}
	}
	if (v[4] < 0) {
		cw_candle_file_format_number(v[4], a, sizeof a);
		cw_candle_file_bad_row(self, error, 5, "expected a volume >= 0, got %s", a);
		return FALSE;
	}
	if (v[2] > v[1]) {
		cw_candle_file_format_number(v[1], a, sizeof a);
		cw_candle_file_format_number(v[2], b, sizeof b);
		cw_candle_file_bad_row(self, error, -1, "high %s is below low %s", a, b);
		return FALSE;
	}
	for (int i = 0; i < 4; i += 3) {
		if (v[1] < v[i]) {
			cw_candle_file_format_number(v[1], a, sizeof a);
			cw_candle_file_format_number(v[i], b, sizeof b);
			cw_candle_file_bad_row(self, error, -1, "high %s is below %s %s", a,
					       cw_candle_file_columns[i + 1], b);
			return FALSE;
		}
		if (v[2] > v[i]) {
			cw_candle_file_format_number(v[2], a, sizeof a);
			cw_candle_file_format_number(v[i], b, sizeof b);
			cw_candle_file_bad_row(self, error, -1, "low %s is above %s %s", a,
					       cw_candle_file_columns[i + 1], b);
			return FALSE;
		}
	}
	if (self->have_prev) {
		gint64 prev_raw = cw_candle_file_raw_time(self, self->prev_time);

		if (time_ms == self->prev_time) {
			cw_candle_file_bad_row(self, error, -1,
					       "duplicate time %" G_GINT64_FORMAT
					       ", the same as the previous row",
					       (gint64) t);
			return FALSE;
		}
		if (time_ms < self->prev_time) {
			cw_candle_file_bad_row(
			    self, error, -1,
			    "time %" G_GINT64_FORMAT
			    " is before the previous row's time %" G_GINT64_FORMAT,
			    (gint64) t, prev_raw);
			return FALSE;
		}
		if (self->effective_interval > 0 &&
		    time_ms - self->prev_time < self->effective_interval) {
			char step[32];
			char interval[32];

			cw_interval_format(time_ms - self->prev_time, step, sizeof step);
			cw_interval_format(self->effective_interval, interval, sizeof interval);
			cw_candle_file_bad_row(
			    self, error, -1,
			    "time %" G_GINT64_FORMAT
			    " is %s after the previous row, less than the %s interval",
			    (gint64) t, step, interval);
			return FALSE;
		}
	}
	self->have_prev = TRUE;
	self->prev_time = time_ms;
	out->open_time = time_ms;
	out->interval_ms = self->effective_interval;
	out->open = v[0];
	out->high = v[1];
	out->low = v[2];
	out->close = v[3];
	out->volume = v[4];
	out->symbol = self->symbol_quark;
	return TRUE;
}

/* CSV ---------------------------------------------------------------------- */

/* Makes room after buf_end, moving the unread bytes to the front. */
static gboolean
cw_candle_file_fill(CwCandleFile *self, GError **error)
{
	gssize n;

	if (self->buf_start > 0) {
		memmove(self->buf, self->buf + self->buf_start, self->buf_end - self->buf_start);
		self->buf_end -= self->buf_start;
		self->buf_start = 0;
	}
	if (self->buf_end + 1 >= self->buf_size) {
		if (self->buf_size >= CW_CANDLE_FILE_MAX_LINE) {
			g_set_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_FORMAT,
				    "%s:%" G_GUINT64_FORMAT ": line longer than %d bytes",
				    self->path, self->line_no + 1, CW_CANDLE_FILE_MAX_LINE);
			return FALSE;
		}
		self->buf_size *= 2;
		self->buf = g_realloc(self->buf, self->buf_size);
	}
	do {
		n = read(self->fd, self->buf + self->buf_end, self->buf_size - 1 - self->buf_end);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		int saved = errno;

		g_set_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_IO, "%s: %s", self->path,
			    g_strerror(saved));
		return FALSE;
	}
	if (n == 0)
		self->eof = TRUE;
	self->buf_end += (gsize) n;
	return TRUE;
}

/* The next line, NUL-terminated in place without its "\r\n", or NULL at the
 * end of the file (error unset) or on a read error (error set). *len is its
 * length, which a NUL byte inside the line makes differ from strlen(). */
static char *
cw_candle_file_read_line(CwCandleFile *self, gsize *len, GError **error)
{
	for (;;) {
		char *start = self->buf + self->buf_start;
		gsize avail = self->buf_end - self->buf_start;
		char *nl = memchr(start, '\n', avail);
		char *end;

		if (nl == NULL && self->eof) {
			if (avail == 0)
				return NULL;
			nl = start +
			     avail; /* the last line has no newline; buf keeps a spare byte */
		}
		if (nl != NULL) {
			end = nl;
			self->buf_start =
			    (gsize) (nl - self->buf) + (nl < self->buf + self->buf_end);
			*end = '\0';
			if (end > start && end[-1] == '\r')
				*--end = '\0';
			self->line_no++;
			*len = (gsize) (end - start);
			return start;
		}
		if (!cw_candle_file_fill(self, error))
			return NULL;
	}
}

static gboolean
cw_candle_file_is_blank(const char *line)
{
	for (; *line != '\0'; line++) {
		if (*line != ' ' && *line != '\t' && *line != '\r')
			return FALSE;
	}
	return TRUE;
}

/* The next line that is not blank; a line with a NUL byte is not blank. */
static char *
cw_candle_file_read_content_line(CwCandleFile *self, gsize *len, GError **error)
{
	char *line;

	do {
		line = cw_candle_file_read_line(self, len, error);
	} while (line != NULL && cw_candle_file_is_blank(line) && strlen(line) == *len);
	return line;
}

/* 1-based field of line that holds its first NUL byte, 0 when none. */
static guint
cw_candle_file_nul_field(const char *line, gsize len)
{
	const char *nul = memchr(line, '\0', len);
	guint field = 1;

	if (nul == NULL)
		return 0;
	for (const char *p = line; p < nul; p++)
		field += *p == ',';
	return field;
}

/* Splits line at commas in place, trimming blanks. Returns the number of
 * fields found (counting past max without storing them). */
static guint
cw_candle_file_split(char *line, char **fields, guint max)
{
	guint n = 0;
	char *p = line;

	for (;;) {
		char *start;
		char *end;
		char *comma;

		while (*p == ' ' || *p == '\t')
			p++;
		start = p;
		comma = strchr(p, ',');
		end = comma != NULL ? comma : p + strlen(p);
		p = comma != NULL ? comma + 1 : end;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		*end = '\0';
		if (n < max)
			fields[n] = start;
		n++;
		if (comma == NULL)
			return n;
	}
}

static gboolean
cw_candle_file_read_header(CwCandleFile *self, GError **error)
{
	g_autoptr(GError) local = NULL;
	char *fields[CW_CANDLE_FILE_N_COLUMNS];
	g_autofree char *copy = NULL;
	char *line;
	gsize len;
	guint n;

	line = cw_candle_file_read_content_line(self, &len, &local);
	if (local != NULL) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	if (line == NULL) {
		g_set_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_FORMAT,
			    "%s: empty file, expected the header "
			    "\"time,open,high,low,close,volume\"",
			    self->path);
		return FALSE;
	}
	if (cw_candle_file_nul_field(line, len) > 0) {
		g_set_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_FORMAT,
			    "%s:%" G_GUINT64_FORMAT ": NUL byte in the header, field %u",
			    self->path, self->line_no, cw_candle_file_nul_field(line, len));
		return FALSE;
	}
	copy = g_strdup(line);
	n = cw_candle_file_split(line, fields, CW_CANDLE_FILE_N_COLUMNS);
	for (guint i = 0; i < n; i++) {
		if (n != CW_CANDLE_FILE_N_COLUMNS ||
		    g_ascii_strcasecmp(fields[i], cw_candle_file_columns[i]) != 0) {
			g_autofree char *quoted = cw_candle_file_quote(copy);

			g_set_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_FORMAT,
				    "%s:%" G_GUINT64_FORMAT ": expected the header "
				    "\"time,open,high,low,close,volume\", got %s",
				    self->path, self->line_no, quoted);
			return FALSE;
		}
	}
	return TRUE;
}

static CwCandleSourceResult
cw_candle_file_read_csv_row(CwCandleFile *self, CwCandle *out, GError **error)
{
	g_autoptr(GError) local = NULL;
	char *fields[CW_CANDLE_FILE_N_COLUMNS];
	double v[CW_CANDLE_FILE_N_COLUMNS];
	char *line;
	gsize len;
	guint n;

	line = cw_candle_file_read_content_line(self, &len, &local);
	if (line == NULL) {
		if (local == NULL)
			return CW_CANDLE_SOURCE_END;
		g_propagate_error(error, g_steal_pointer(&local));
		return CW_CANDLE_SOURCE_ERROR;
	}
	/* strlen() would stop there and count too few columns */
	n = cw_candle_file_nul_field(line, len);
	if (n > 0) {
		cw_candle_file_bad_row(self, error, -1, "NUL byte in field %u%s%s%s", n,
				       n <= CW_CANDLE_FILE_N_COLUMNS ? " (" : "",
				       n <= CW_CANDLE_FILE_N_COLUMNS ? cw_candle_file_columns[n - 1]
								     : "",
				       n <= CW_CANDLE_FILE_N_COLUMNS ? ")" : "");
		return CW_CANDLE_SOURCE_ERROR;
	}
	n = cw_candle_file_split(line, fields, CW_CANDLE_FILE_N_COLUMNS);
	if (n != CW_CANDLE_FILE_N_COLUMNS) {
		cw_candle_file_bad_row(self, error, -1, "expected %d columns, got %u",
				       CW_CANDLE_FILE_N_COLUMNS, n);
		return CW_CANDLE_SOURCE_ERROR;
	}
	for (guint i = 0; i < CW_CANDLE_FILE_N_COLUMNS; i++) {
		if (!cw_candle_file_parse_number(fields[i], &v[i])) {
			g_autofree char *quoted = cw_candle_file_quote(fields[i]);

			cw_candle_file_bad_row(self, error, (int) i, "expected a number, got %s",
					       quoted);
			return CW_CANDLE_SOURCE_ERROR;
		}
	}
	if (!cw_candle_file_check_row(self, v[0], v + 1, out, error))
		return CW_CANDLE_SOURCE_ERROR;
	return CW_CANDLE_SOURCE_OK;
}

/* JSON --------------------------------------------------------------------- */

static gboolean
cw_candle_file_json_number(CwCandleFile *self, JsonNode *node, int column, double *out,
			   GError **error)
{
	if (JSON_NODE_HOLDS_VALUE(node)) {
		GType type = json_node_get_value_type(node);

		if (type == G_TYPE_INT64) {
			*out = (double) json_node_get_int(node);
			return TRUE;
		}
		if (type == G_TYPE_DOUBLE) {
			*out = json_node_get_double(node);
			return TRUE;
		}
		if (type == G_TYPE_STRING) {
			const char *text = json_node_get_string(node);

			if (cw_candle_file_parse_number(text, out))
				return TRUE;
			{
				g_autofree char *quoted = cw_candle_file_quote(text);

				cw_candle_file_bad_row(self, error, column,
						       "expected a number, got %s", quoted);
			}
			return FALSE;
		}
		cw_candle_file_bad_row(self, error, column, "expected a number, got a boolean");
		return FALSE;
	}
	cw_candle_file_bad_row(self, error, column, "expected a number, got %s",
			       JSON_NODE_HOLDS_NULL(node)    ? "null"
			       : JSON_NODE_HOLDS_ARRAY(node) ? "an array"
							     : "an object");
	return FALSE;
}

static CwCandleSourceResult
cw_candle_file_read_json_row(CwCandleFile *self, CwCandle *out, GError **error)
{
	double v[CW_CANDLE_FILE_N_COLUMNS];
	JsonNode *node;
	JsonArray *row;
	CwCandleSourceResult result = CW_CANDLE_SOURCE_ERROR;

	if (self->row_index >= self->n_rows)
		return CW_CANDLE_SOURCE_END;
	node = json_array_get_element(self->rows, self->row_index);
	if (!JSON_NODE_HOLDS_ARRAY(node) ||
	    json_array_get_length(json_node_get_array(node)) < CW_CANDLE_FILE_N_COLUMNS) {
		cw_candle_file_bad_row(self, error, -1,
				       "expected an array of %d or more values "
				       "[time, open, high, low, close, volume]",
				       CW_CANDLE_FILE_N_COLUMNS);
		goto next_row;
	}
	row = json_node_get_array(node);
	for (guint i = 0; i < CW_CANDLE_FILE_N_COLUMNS; i++) {
		if (!cw_candle_file_json_number(self, json_array_get_element(row, i), (int) i,
						&v[i], error))
			goto next_row;
	}
	if (cw_candle_file_check_row(self, v[0], v + 1, out, error))
		result = CW_CANDLE_SOURCE_OK;
next_row:
	self->row_index++;
	return result;
}

/* Reading ------------------------------------------------------------------ */

static CwCandleSourceResult
cw_candle_file_read_row(CwCandleFile *self, CwCandle *out, GError **error)
{
	if (self->format == CW_CANDLE_FILE_FORMAT_JSON)
		return cw_candle_file_read_json_row(self, out, error);
	return cw_candle_file_read_csv_row(self, out, error);
}

static void
cw_candle_file_record_skip(CwCandleFile *self, const GError *error)
{
	guint i;

	self->n_skipped++;
	g_debug("skipped bad row: %s", error->message);
	if (self->skipped_messages->len < CW_CANDLE_FILE_MAX_MESSAGES)
		g_ptr_array_add(self->skipped_messages, g_strdup(error->message));
	for (i = 0; i < self->n_reasons; i++) {
		if (self->reasons[i].format == self->bad_format &&
		    self->reasons[i].column == self->bad_column)
			break;
	}
	if (i == self->n_reasons && i < CW_CANDLE_FILE_MAX_REASONS)
		self->reasons[self->n_reasons++] =
		    (CwCandleFileReason){self->bad_format, self->bad_column, 0};
	if (i < self->n_reasons)
		self->reasons[i].n++;
	else
		self->n_other_reasons++;
}

/* The next valid row, skipping bad ones when told to. A bad row that is not
 * skipped is an error; the next call reads on after it. */
static CwCandleSourceResult
cw_candle_file_read_valid(CwCandleFile *self, CwCandle *out, GError **error)
{
	for (;;) {
		g_autoptr(GError) local = NULL;
		CwCandleSourceResult result = cw_candle_file_read_row(self, out, &local);

		if (result != CW_CANDLE_SOURCE_ERROR)
			return result;
		if (g_error_matches(local, CW_STREAMING_ERROR, CW_STREAMING_ERROR_BAD_ROW)) {
			if (self->skip_bad_rows) {
				cw_candle_file_record_skip(self, local);
				continue;
			}
		} else {
			g_clear_error(&self->fatal_error);
			self->fatal_error = g_error_copy(local);
		}
		g_propagate_error(error, g_steal_pointer(&local));
		return CW_CANDLE_SOURCE_ERROR;
	}
}

/* Reads the first rows ahead to find the interval: the smallest step. The
 * first bad row met (when not skipping) is kept and returned from next() in
 * its place; a second one ends the look-ahead. */
static gboolean
cw_candle_file_detect_interval(CwCandleFile *self, GError **error)
{
	gint64 best = 0;

	self->lookahead = g_new0(CwCandle, CW_CANDLE_FILE_LOOKAHEAD);
	while (self->n_lookahead < CW_CANDLE_FILE_LOOKAHEAD) {
		g_autoptr(GError) local = NULL;
		CwCandleSourceResult result =
		    cw_candle_file_read_valid(self, &self->lookahead[self->n_lookahead], &local);

		if (result == CW_CANDLE_SOURCE_END)
			break;
		if (result == CW_CANDLE_SOURCE_ERROR) {
			if (self->fatal_error != NULL) {
				g_propagate_error(error, g_steal_pointer(&local));
				return FALSE;
			}
			if (self->pending_error != NULL) {
				/* read again after the lookahead is served */
				self->retry_error = g_steal_pointer(&local);
				break;
			}
			self->pending_error = g_steal_pointer(&local);
			self->pending_pos = self->n_lookahead;
			continue;
		}
		self->n_lookahead++;
	}
	for (guint i = 1; i < self->n_lookahead; i++) {
		gint64 step = self->lookahead[i].open_time - self->lookahead[i - 1].open_time;

		if (best == 0 || step < best)
			best = step;
	}
	/* fewer than two rows before the look-ahead ended: no interval to detect.
	 * A bad row among them is the reason; without one, a lone candle is. */
	if (self->n_lookahead == 1 || (self->n_lookahead == 0 && self->pending_error != NULL)) {
		if (self->pending_error != NULL) {
			g_propagate_error(error, g_steal_pointer(&self->pending_error));
			return FALSE;
		}
		g_set_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_FORMAT,
			    "%s: one candle is not enough to detect the interval; give it "
			    "(--interval 5m, or \"interval\" in the feed section)",
			    self->path);
		return FALSE;
	}
	self->effective_interval = best;
	for (guint i = 0; i < self->n_lookahead; i++)
		self->lookahead[i].interval_ms = best;
	return TRUE;
}

static void
cw_candle_file_close(CwCandleFile *self)
{
	if (self->fd >= 0) {
		g_close(self->fd, NULL);
		self->fd = -1;
	}
	g_clear_pointer(&self->buf, g_free);
	g_clear_pointer(&self->root, json_node_unref);
	self->rows = NULL;
	g_clear_pointer(&self->lookahead, g_free);
	g_clear_error(&self->pending_error);
	g_clear_error(&self->retry_error);
	g_clear_error(&self->fatal_error);
	g_clear_pointer(&self->description, g_free);
	self->is_open = FALSE;
}

static gboolean
cw_candle_file_open_json(CwCandleFile *self, GError **error)
{
	g_autoptr(GError) local = NULL;

	/* the strict entry: a deep or malformed file is an error, not a crash;
	 * its messages name the file once: "path:1:15: [3][2]: ..." */
	self->root = cw_json_parse_file(self->path, 0, CW_JSON_PARSE_IMMUTABLE, &local);
	if (self->root == NULL) {
		g_set_error_literal(error, CW_STREAMING_ERROR,
				    g_error_matches(local, CW_CONFIG_ERROR, CW_CONFIG_ERROR_IO)
					? CW_STREAMING_ERROR_IO
					: CW_STREAMING_ERROR_FORMAT,
				    local->message);
		return FALSE;
	}
	if (!JSON_NODE_HOLDS_ARRAY(self->root)) {
		g_set_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_FORMAT,
			    "%s: expected a JSON array of candles "
			    "[[time, open, high, low, close, volume], ...]",
			    self->path);
		return FALSE;
	}
	self->rows = json_node_get_array(self->root);
	self->n_rows = json_array_get_length(self->rows);
	return TRUE;
}

/* Reads the first bytes to tell JSON from CSV. */
static gboolean
cw_candle_file_sniff(CwCandleFile *self, GError **error)
{
	for (;;) {
		const char *p = self->buf + self->buf_start;
		const char *end = self->buf + self->buf_end;

		if (self->buf_start == 0 && end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
			self->buf_start += 3; /* UTF-8 byte order mark */
			continue;
		}
		while (p < end && g_ascii_isspace(*p))
			p++;
		if (p < end) {
			self->format =
			    *p == '[' ? CW_CANDLE_FILE_FORMAT_JSON : CW_CANDLE_FILE_FORMAT_CSV;
			return TRUE;
		}
		if (self->eof) {
			self->format = CW_CANDLE_FILE_FORMAT_CSV; /* reports an empty file */
			return TRUE;
		}
		if (self->buf_end - self->buf_start > 64 * 1024) {
			self->format = CW_CANDLE_FILE_FORMAT_CSV;
			return TRUE;
		}
		if (!cw_candle_file_fill(self, error))
			return FALSE;
	}
}

static gboolean
cw_candle_file_open_impl(CwCandleFile *self, GError **error)
{
	char interval[32];
	g_autofree char *base = NULL;

	if (self->path == NULL || self->path[0] == '\0') {
		g_set_error_literal(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_IO,
				    "no file given (the \"path\" property is not set)");
		return FALSE;
	}
	self->fd = g_open(self->path, O_RDONLY | O_CLOEXEC, 0);
	if (self->fd < 0) {
		int saved = errno;

		g_set_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_IO, "%s: %s", self->path,
			    g_strerror(saved));
		return FALSE;
	}
	self->buf_size = CW_CANDLE_FILE_BUF_SIZE;
	self->buf = g_malloc(self->buf_size);
	if (!cw_candle_file_sniff(self, error))
		return FALSE;
	if (self->format == CW_CANDLE_FILE_FORMAT_JSON) {
		g_close(self->fd, NULL);
		self->fd = -1;
		g_clear_pointer(&self->buf, g_free);
		if (!cw_candle_file_open_json(self, error))
			return FALSE;
	} else if (!cw_candle_file_read_header(self, error)) {
		return FALSE;
	}

	self->effective_interval = self->interval_ms;
	if (self->interval_ms == 0 && !cw_candle_file_detect_interval(self, error))
		return FALSE;

	base = g_path_get_basename(self->path);
	if (self->effective_interval > 0)
		cw_interval_format(self->effective_interval, interval, sizeof interval);
	else
		g_strlcpy(interval, "interval unknown", sizeof interval);
	self->description =
	    g_strdup_printf("%s (%s, %s, %s)", base,
			    self->format == CW_CANDLE_FILE_FORMAT_JSON ? "json" : "csv", interval,
			    self->time_unit == CW_TIME_UNIT_MS        ? "ms"
			    : self->time_unit == CW_TIME_UNIT_SECONDS ? "seconds"
								      : "no rows");
	self->is_open = TRUE;
	return TRUE;
}

static void
cw_candle_file_reset(CwCandleFile *self)
{
	cw_candle_file_close(self);
	self->done = FALSE;
	self->format = CW_CANDLE_FILE_FORMAT_NONE;
	self->time_unit = CW_TIME_UNIT_UNKNOWN;
	self->effective_interval = 0;
	self->buf_start = self->buf_end = 0;
	self->eof = FALSE;
	self->line_no = 0;
	self->row_index = 0;
	self->n_rows = 0;
	self->have_prev = FALSE;
	self->prev_time = 0;
	self->n_lookahead = 0;
	self->lookahead_pos = 0;
	self->pending_pos = 0;
	self->n_skipped = 0;
	g_ptr_array_set_size(self->skipped_messages, 0);
	self->n_reasons = 0;
	self->n_other_reasons = 0;
}

/* CwCandleSource ----------------------------------------------------------- */

static gboolean
cw_candle_file_open(CwCandleSource *source, GError **error)
{
	CwCandleFile *self = CW_CANDLE_FILE(source);

	cw_candle_file_reset(self);
	if (!cw_candle_file_open_impl(self, error)) {
		cw_candle_file_reset(self);
		return FALSE;
	}
	g_object_notify_by_pspec(G_OBJECT(self), cw_candle_file_props[PROP_INTERVAL]);
	return TRUE;
}

static CwCandleSourceResult
cw_candle_file_next(CwCandleSource *source, CwCandle *out, GError **error)
{
	CwCandleFile *self = (CwCandleFile *) source;

	if (!self->is_open) {
		g_set_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_NOT_OPEN,
			    "%s: the candle file is not open",
			    self->path ? self->path : "(no path)");
		return CW_CANDLE_SOURCE_ERROR;
	}
	for (;;) {
		CwCandleSourceResult result;

		if (self->done)
			return CW_CANDLE_SOURCE_END;
		if (self->pending_error != NULL && self->lookahead_pos == self->pending_pos) {
			g_propagate_error(error, g_steal_pointer(&self->pending_error));
			return CW_CANDLE_SOURCE_ERROR;
		} else if (self->lookahead_pos < self->n_lookahead) {
			*out = self->lookahead[self->lookahead_pos++];
			result = CW_CANDLE_SOURCE_OK;
		} else if (self->retry_error != NULL) {
			g_propagate_error(error, g_steal_pointer(&self->retry_error));
			return CW_CANDLE_SOURCE_ERROR;
		} else if (self->fatal_error != NULL) {
			g_propagate_error(error, g_error_copy(self->fatal_error));
			return CW_CANDLE_SOURCE_ERROR;
		} else {
			result = cw_candle_file_read_valid(self, out, error);
		}
		if (result != CW_CANDLE_SOURCE_OK) {
			if (result == CW_CANDLE_SOURCE_END)
				self->done = TRUE;
			return result;
		}
		if (self->to != 0 && out->open_time >= self->to) {
			self->done = TRUE;
			return CW_CANDLE_SOURCE_END;
		}
		if (self->from != 0 && out->open_time < self->from)
			continue;
		return CW_CANDLE_SOURCE_OK;
	}
}

static guint64
cw_candle_file_get_n_skipped(CwCandleSource *source)
{
	return CW_CANDLE_FILE(source)->n_skipped;
}

static const char *
cw_candle_file_describe(CwCandleSource *source)
{
	CwCandleFile *self = CW_CANDLE_FILE(source);

	if (self->description == NULL) {
		g_autofree char *base =
		    g_path_get_basename(self->path != NULL ? self->path : "(no path)");

		self->description = g_strdup_printf("%s (not open)", base);
	}
	return self->description;
}

static void
cw_candle_file_source_iface_init(CwCandleSourceInterface *iface)
{
	iface->open = cw_candle_file_open;
	iface->next = cw_candle_file_next;
	iface->get_n_skipped = cw_candle_file_get_n_skipped;
	iface->describe = cw_candle_file_describe;
}

/* GObject ------------------------------------------------------------------ */

static char *
cw_candle_file_skipped_summary(CwCandleFile *self)
{
	GString *out;

	if (self->n_skipped == 0)
		return NULL;
	out = g_string_new(NULL);
	for (guint i = 0; i < self->skipped_messages->len; i++) {
		if (i > 0)
			g_string_append_c(out, '\n');
		g_string_append(out, g_ptr_array_index(self->skipped_messages, i));
	}
	if (self->n_skipped > self->skipped_messages->len)
		g_string_append_printf(out, "\n... and %" G_GUINT64_FORMAT " more",
				       self->n_skipped - self->skipped_messages->len);
	return g_string_free(out, FALSE);
}

/* A bad-row message format with its conversions shown as "...". */
static void
cw_candle_file_append_reason(GString *out, const char *format)
{
	for (const char *p = format; p != NULL && *p != '\0'; p++) {
		if (*p != '%') {
			g_string_append_c(out, *p);
			continue;
		}
		if (p[1] == '%') {
			g_string_append_c(out, '%');
			p++;
			continue;
		}
		/* flags, width, precision, length, then the conversion */
		while (p[1] != '\0' && strchr("-+ #0123456789.hlLqjzt", p[1]) != NULL)
			p++;
		if (p[1] != '\0')
			p++;
		g_string_append(out, "...");
	}
}

/* "N rows: <column>: <reason>", one line per reason, most frequent first
 * (then in order met). */
static char *
cw_candle_file_skipped_reasons(CwCandleFile *self)
{
	CwCandleFileReason sorted[CW_CANDLE_FILE_MAX_REASONS];
	GString *out;

	if (self->n_skipped == 0)
		return NULL;
	memcpy(sorted, self->reasons, self->n_reasons * sizeof(CwCandleFileReason));
	for (guint i = 1; i < self->n_reasons; i++) {
		CwCandleFileReason r = sorted[i];
		guint j = i;

		for (; j > 0 && sorted[j - 1].n < r.n; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = r;
	}
	out = g_string_new(NULL);
	for (guint i = 0; i < self->n_reasons; i++) {
		if (i > 0)
			g_string_append_c(out, '\n');
		g_string_append_printf(out, "%" G_GUINT64_FORMAT " %s: ", sorted[i].n,
				       sorted[i].n == 1 ? "row" : "rows");
		if (sorted[i].column >= 0)
			g_string_append_printf(out,
					       "%s: ", cw_candle_file_columns[sorted[i].column]);
		cw_candle_file_append_reason(out, sorted[i].format);
	}
	if (self->n_other_reasons > 0)
		g_string_append_printf(out, "%s%" G_GUINT64_FORMAT " rows: other reasons",
				       self->n_reasons > 0 ? "\n" : "", self->n_other_reasons);
	return g_string_free(out, FALSE);
}

static void
cw_candle_file_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	CwCandleFile *self = CW_CANDLE_FILE(object);

	switch (prop_id) {
	case PROP_PATH:
		g_value_set_string(value, self->path);
		break;
	case PROP_SYMBOL:
		g_value_set_string(value, self->symbol);
		break;
	case PROP_INTERVAL:
		g_value_set_int64(value,
				  self->is_open ? self->effective_interval : self->interval_ms);
		break;
	case PROP_SKIP_BAD_ROWS:
		g_value_set_boolean(value, self->skip_bad_rows);
		break;
	case PROP_FROM:
		g_value_set_int64(value, self->from);
		break;
	case PROP_TO:
		g_value_set_int64(value, self->to);
		break;
	case PROP_SKIPPED_SUMMARY:
		g_value_take_string(value, cw_candle_file_skipped_summary(self));
		break;
	case PROP_SKIPPED_REASONS:
		g_value_take_string(value, cw_candle_file_skipped_reasons(self));
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
	}
}

static void
cw_candle_file_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
	CwCandleFile *self = CW_CANDLE_FILE(object);

	switch (prop_id) {
	case PROP_PATH:
		g_free(self->path);
		self->path = g_value_dup_string(value);
		break;
	case PROP_SYMBOL:
		g_free(self->symbol);
		self->symbol = g_value_dup_string(value);
		if (self->symbol == NULL)
			self->symbol = g_strdup("UNKNOWN");
		self->symbol_quark = g_quark_from_string(self->symbol);
		break;
	case PROP_INTERVAL:
		self->interval_ms = g_value_get_int64(value);
		break;
	case PROP_SKIP_BAD_ROWS:
		self->skip_bad_rows = g_value_get_boolean(value);
		break;
	case PROP_FROM:
		self->from = g_value_get_int64(value);
		break;
	case PROP_TO:
		self->to = g_value_get_int64(value);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
	}
}

static void
cw_candle_file_finalize(GObject *object)
{
	CwCandleFile *self = CW_CANDLE_FILE(object);

	cw_candle_file_close(self);
	g_ptr_array_unref(self->skipped_messages);
	g_free(self->path);
	g_free(self->symbol);
	G_OBJECT_CLASS(cw_candle_file_parent_class)->finalize(object);
}

static void
cw_candle_file_class_init(CwCandleFileClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GParamFlags rw = G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS;

	object_class->get_property = cw_candle_file_get_property;
	object_class->set_property = cw_candle_file_set_property;
	object_class->finalize = cw_candle_file_finalize;

	cw_candle_file_props[PROP_PATH] =
	    g_param_spec_string("path", "Path", "Candle file to read", NULL, rw);
	cw_candle_file_props[PROP_SYMBOL] =
	    g_param_spec_string("symbol", "Symbol", "Symbol of the candles", "UNKNOWN", rw);
	cw_candle_file_props[PROP_INTERVAL] = g_param_spec_int64(
	    "interval", "Interval", "Candle length in ms, 0 = detect (reads back the one in use)",
	    0, G_MAXINT64, 0, rw | G_PARAM_EXPLICIT_NOTIFY);
	cw_candle_file_props[PROP_SKIP_BAD_ROWS] = g_param_spec_boolean(
	    "skip-bad-rows", "Skip bad rows", "Count and skip bad rows", FALSE, rw);
	cw_candle_file_props[PROP_FROM] =
	    g_param_spec_int64("from", "From", "First open time in ms (inclusive), 0 = unbounded",
			       0, G_MAXINT64, 0, rw);
	cw_candle_file_props[PROP_TO] =
	    g_param_spec_int64("to", "To", "Open time in ms to stop at (exclusive), 0 = unbounded",
			       0, G_MAXINT64, 0, rw);
	cw_candle_file_props[PROP_SKIPPED_SUMMARY] =
	    g_param_spec_string("skipped-summary", "Skipped summary",
				"The first 20 messages of skipped rows, one per line", NULL,
				G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
	cw_candle_file_props[PROP_SKIPPED_REASONS] = g_param_spec_string(
	    "skipped-reasons", "Skipped reasons",
	    "Why rows were skipped: \"N rows: column: reason\", one line per reason", NULL,
	    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
	g_object_class_install_properties(object_class, N_PROPS, cw_candle_file_props);
}

static void
cw_candle_file_init(CwCandleFile *self)
{
	self->fd = -1;
	self->symbol = g_strdup("UNKNOWN");
	self->symbol_quark = g_quark_from_string(self->symbol);
	self->skipped_messages = g_ptr_array_new_with_free_func(g_free);
}

/**
 * cw_candle_file_new:
 * @path: the file to read
 *
 * Returns: (transfer full): a candle source for @path; set more properties,
 * then open it with cw_candle_source_open().
 */
CwCandleFile *
cw_candle_file_new(const char *path)
{
	return g_object_new(CW_TYPE_CANDLE_FILE, "path", path, NULL);
}
