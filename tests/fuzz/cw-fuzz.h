/* Shared by the libFuzzer targets of tests/fuzz (see docs/development.md). */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

/* The libFuzzer entry point every cw-fuzz-NAME.c defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Once per process: criticals abort (a g_return_if_fail on input is a bug),
 * and the built-in extension points are registered. */
void cw_fuzz_init(void);

/* TRUE when the first non-blank byte is '[' (the candle file's JSON form). */
gboolean cw_fuzz_looks_like_json(const uint8_t *data, size_t size);

/* Writes @data to a private temporary file (the same one on every call)
 * and returns its path; aborts when it cannot. */
const char *cw_fuzz_write_input(const uint8_t *data, size_t size);

/* Reads the candle file at @path to its end, strictly and then skipping
 * bad rows, and aborts when a candle it returns breaks what
 * cw-candle-file.h promises. */
void cw_fuzz_read_candles(const char *path);

G_END_DECLS
