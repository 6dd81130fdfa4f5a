/* Replays fuzz inputs without libFuzzer: calls LLVMFuzzerTestOneInput on
 * every file of each directory (or file) given, in name order, and prints
 * TAP. The committed corpora thus run as ordinary meson tests in any build. */
#include "cw-fuzz.h"

#include <stdio.h>

static int
cw_fuzz_replay_compare(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(char *const *) a, *(char *const *) b);
}

static void
cw_fuzz_replay_collect(const char *arg, GPtrArray *paths)
{
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	if (!g_file_test(arg, G_FILE_TEST_IS_DIR)) {
		g_ptr_array_add(paths, g_strdup(arg));
		return;
	}
	dir = g_dir_open(arg, 0, NULL);
	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, cw_fuzz_replay_compare);
	for (guint i = 0; i < names->len; i++)
		g_ptr_array_add(paths, g_build_filename(arg, g_ptr_array_index(names, i), NULL));
}

int
main(int argc, char **argv)
{
	g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
	guint failed = 0;

	for (int i = 1; i < argc; i++)
		cw_fuzz_replay_collect(argv[i], paths);
	printf("1..%u\n", paths->len);
	for (guint i = 0; i < paths->len; i++) {
		const char *path = g_ptr_array_index(paths, i);
		g_autofree char *data = NULL;
		gsize len = 0;

		if (!g_file_get_contents(path, &data, &len, NULL)) {
			printf("not ok %u - %s (unreadable)\n", i + 1, path);
			failed++;
			continue;
		}
		/* a crash aborts the whole run, and meson reports it */
		LLVMFuzzerTestOneInput((const uint8_t *) data, len);
		printf("ok %u - %s\n", i + 1, path);
		fflush(stdout);
	}
	return failed > 0 || paths->len == 0 ? 1 : 0;
}
