/* Helpers of the libFuzzer targets: temporary input file, candle reading
 * with invariant checks. */
#include "cw-fuzz.h"

#include "cw-config.h"
#include "cw-core.h"
#include "cw-strategies.h"
#ifdef CW_FUZZ_HAVE_STREAMING
#include "cw-streaming.h"
#endif

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* bounded work per input: rows read per pass */
#define CW_FUZZ_MAX_ROWS 100000

static char *cw_fuzz_dir;
static char *cw_fuzz_path;

static void
cw_fuzz_cleanup(void)
{
	if (cw_fuzz_path != NULL)
		g_unlink(cw_fuzz_path);
	if (cw_fuzz_dir != NULL)
		g_rmdir(cw_fuzz_dir);
	g_clear_pointer(&cw_fuzz_path, g_free);
	g_clear_pointer(&cw_fuzz_dir, g_free);
}

void
cw_fuzz_init(void)
{
	static gsize done = 0;

	if (!g_once_init_enter(&done))
		return;
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_FATAL_MASK);
	cw_extension_points_register();
	cw_strategies_register_types();
	g_once_init_leave(&done, 1);
}

gboolean
cw_fuzz_looks_like_json(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		if (!g_ascii_isspace(data[i]))
			return data[i] == '[';
	}
	return FALSE;
}

const char *
cw_fuzz_write_input(const uint8_t *data, size_t size)
{
	FILE *f;

	if (cw_fuzz_path == NULL) {
		g_autoptr(GError) error = NULL;

		cw_fuzz_dir = g_dir_make_tmp("cw-fuzz-XXXXXX", &error);
		if (cw_fuzz_dir == NULL) {
			fprintf(stderr, "cw-fuzz: %s\n", error->message);
			abort();
		}
		cw_fuzz_path = g_build_filename(cw_fuzz_dir, "input", NULL);
		atexit(cw_fuzz_cleanup);
	}
	f = fopen(cw_fuzz_path, "wb");
	if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
		perror(cw_fuzz_path);
		abort();
	}
	return cw_fuzz_path;
}

#ifdef CW_FUZZ_HAVE_STREAMING
/* What cw-candle-file.h promises about every candle next() returns. */
static void
cw_fuzz_check_candle(const CwCandle *c, const CwCandle *prev)
{
	const double v[] = {c->open, c->high, c->low, c->close, c->volume};

	for (guint i = 0; i < G_N_ELEMENTS(v); i++)
		g_assert_true(isfinite(v[i]));
	g_assert_cmpfloat(c->low, >, 0.0);
	g_assert_cmpfloat(c->volume, >=, 0.0);
	g_assert_cmpfloat(c->low, <=, c->high);
	g_assert_cmpfloat(c->low, <=, MIN(c->open, c->close));
	g_assert_cmpfloat(c->high, >=, MAX(c->open, c->close));
	g_assert_cmpint(c->interval_ms, >, 0);
	if (prev != NULL)
		g_assert_cmpint(c->open_time, >=, prev->open_time + c->interval_ms);
}

static void
cw_fuzz_read_pass(const char *path, gboolean skip_bad_rows)
{
	g_autoptr(CwCandleFile) file = cw_candle_file_new(path);
	CwCandleSource *source = CW_CANDLE_SOURCE(file);
	g_autoptr(GError) error = NULL;
	g_autofree char *summary = NULL;
	CwCandle prev = {0};
	gboolean have_prev = FALSE;

	g_object_set(file, "skip-bad-rows", skip_bad_rows, NULL);
	if (!cw_candle_source_open(source, &error)) {
		g_assert_nonnull(error);
		g_assert_true(error->message[0] != '\0');
		return;
	}
	g_assert_nonnull(cw_candle_source_describe(source));
	for (guint n = 0; n < CW_FUZZ_MAX_ROWS; n++) {
		CwCandle c;
		CwCandleSourceResult r = cw_candle_source_next(source, &c, &error);

		if (r == CW_CANDLE_SOURCE_END)
			break;
		if (r == CW_CANDLE_SOURCE_ERROR) {
			/* strict mode: the error names the row; next() goes on after it */
			g_assert_false(skip_bad_rows);
			g_assert_nonnull(error);
			g_assert_true(g_str_has_prefix(error->message, path));
			g_clear_error(&error);
			continue;
		}
		cw_fuzz_check_candle(&c, have_prev ? &prev : NULL);
		prev = c;
		have_prev = TRUE;
	}
	g_object_get(file, "skipped-summary", &summary, NULL);
	g_assert_true(skip_bad_rows || summary == NULL);
	g_assert_true((summary != NULL) == (cw_candle_source_get_n_skipped(source) > 0));
}

void
cw_fuzz_read_candles(const char *path)
{
	cw_fuzz_read_pass(path, FALSE);
	cw_fuzz_read_pass(path, TRUE);
}
#endif
