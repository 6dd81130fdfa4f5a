/* Output files written to what their path names (see cw-output-file.h). */
#include "cw-output-file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cw-services-cli.h"

/* Links followed before giving up (the kernel's own limit is 40). */
#define CW_OUTPUT_FILE_MAX_LINKS 40

struct _CwOutputFile {
	char *path;   /* as given, for messages */
	char *target; /* the file that is replaced; NULL for stdout */
	char *tmp;    /* the temporary file in target's directory */
	FILE *stream;
	gboolean committed;
};

static const char *
cw_output_file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/* The file path names after following symbolic links, without opening it;
 * *exists and *mode say what is there. */
static char *
cw_output_file_resolve(const char *path, gboolean *exists, mode_t *mode, GError **error)
{
	g_autofree char *current = g_strdup(path);

	for (guint n = 0; n <= CW_OUTPUT_FILE_MAX_LINKS; n++) {
		g_autofree char *link = NULL;
		g_autofree char *dir = NULL;
		g_autoptr(GError) local = NULL;
		GStatBuf st;

		if (g_lstat(current, &st) != 0) {
			int saved = errno;

			if (saved != ENOENT) {
				g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO,
					    "%s: %s", path, g_strerror(saved));
				return NULL;
			}
			*exists = FALSE;
			return g_steal_pointer(&current);
		}
		if (!S_ISLNK(st.st_mode)) {
			*exists = TRUE;
			*mode = st.st_mode;
			return g_steal_pointer(&current);
		}
		link = g_file_read_link(current, &local);
		if (link == NULL) {
			g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO, "%s: %s", path,
				    local->message);
			return NULL;
		}
		dir = g_path_get_dirname(current);
		g_free(current);
		current = g_path_is_absolute(link) ? g_steal_pointer(&link)
						   : g_build_filename(dir, link, NULL);
	}
	g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO,
		    "%s: too many levels of symbolic links", path);
	return NULL;
}

/**
 * cw_output_file_open:
 * @path: the output path, or "-" for stdout
 * @error: return location for a #CW_SERVICES_ERROR_IO error
 *
 * Returns: (transfer full) (nullable): the output file
 */
CwOutputFile *
cw_output_file_open(const char *path, GError **error)
{
	g_autoptr(CwOutputFile) self = g_new0(CwOutputFile, 1);
	g_autofree char *dir = NULL;
	g_autofree char *base = NULL;
	gboolean exists = FALSE;
	mode_t mode = 0;
	int fd;

	self->path = g_strdup(path);
	if (path[0] == '\0') {
		g_set_error_literal(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO,
				    "empty output path (give a file, or - for stdout)");
		return NULL;
	}
	if (strcmp(path, "-") == 0) {
		self->stream = stdout;
		return g_steal_pointer(&self);
	}
	self->target = cw_output_file_resolve(path, &exists, &mode, error);
	if (self->target == NULL)
		return NULL;
	if (exists && !S_ISREG(mode)) {
		g_autofree char *named = strcmp(self->target, path) != 0
					     ? g_strdup_printf(" (%s)", self->target)
					     : g_strdup("");

		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO,
			    "%s%s: is %s; an output goes to a regular file, a new path, or - "
			    "for stdout",
			    path, named, cw_output_file_kind(mode));
		return NULL;
	}
	dir = g_path_get_dirname(self->target);
	base = g_path_get_basename(self->target);
	self->tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
	fd = g_mkstemp_full(self->tmp, O_WRONLY | O_CLOEXEC, 0666);
	if (fd < 0) {
		int saved = errno;

		g_clear_pointer(&self->tmp, g_free);
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO, "%s: cannot create: %s",
			    path, g_strerror(saved));
		return NULL;
	}
	/* the replaced file keeps its permissions; a new one gets 0666 & ~umask */
	if (exists && fchmod(fd, mode & 07777) != 0)
		g_debug("%s: cannot keep the mode: %s", self->target, g_strerror(errno));
	self->stream = fdopen(fd, "w");
	if (self->stream == NULL) {
		int saved = errno;

		close(fd);
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO, "%s: %s", path,
			    g_strerror(saved));
		return NULL;
	}
	return g_steal_pointer(&self);
}

FILE *
cw_output_file_get_stream(CwOutputFile *self)
{
	return self->stream;
}

static gboolean
cw_output_file_fail(CwOutputFile *self, int saved, GError **error)
{
	g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO, "%s: write failed: %s",
		    self->path, g_strerror(saved));
	return FALSE;
}

/**
 * cw_output_file_commit:
 *
 * Returns: %TRUE when everything written is in place
 */
gboolean
cw_output_file_commit(CwOutputFile *self, GError **error)
{
	FILE *stream = self->stream;

	if (self->target == NULL) {
		if (fflush(stream) != 0 || ferror(stream))
			return cw_output_file_fail(self, errno != 0 ? errno : EIO, error);
		self->committed = TRUE;
		return TRUE;
	}
	self->stream = NULL;
	errno = 0;
	if (fflush(stream) != 0 || ferror(stream) || fsync(fileno(stream)) != 0) {
		int saved = errno != 0 ? errno : EIO;

		fclose(stream);
		return cw_output_file_fail(self, saved, error);
	}
	if (fclose(stream) != 0)
		return cw_output_file_fail(self, errno, error);
	if (g_rename(self->tmp, self->target) != 0) {
		int saved = errno;

		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO,
			    "%s: cannot replace: %s", self->path, g_strerror(saved));
		return FALSE;
	}
	g_clear_pointer(&self->tmp, g_free);
	self->committed = TRUE;
	return TRUE;
}

void
cw_output_file_free(CwOutputFile *self)
{
	if (self == NULL)
		return;
	if (self->target != NULL && self->stream != NULL)
		fclose(self->stream);
	if (self->tmp != NULL)
		g_unlink(self->tmp);
	g_free(self->tmp);
	g_free(self->target);
	g_free(self->path);
	g_free(self);
}

/**
 * cw_output_file_write:
 * @path: the output path, or "-" for stdout
 * @contents: what to write
 * @len: its length, or -1 when NUL-terminated
 *
 * Returns: %TRUE when the whole of @contents is in place
 */
gboolean
cw_output_file_write(const char *path, const char *contents, gssize len, GError **error)
{
	g_autoptr(CwOutputFile) out = cw_output_file_open(path, error);

	return out != NULL && cw_output_file_write_all(out, contents, len, error);
}

/**
 * cw_output_file_write_all:
 * @contents: what to write
 * @len: its length, or -1 when NUL-terminated
 *
 * Returns: %TRUE when the whole of @contents is in place
 */
gboolean
cw_output_file_write_all(CwOutputFile *self, const char *contents, gssize len, GError **error)
{
	gsize n = len < 0 ? strlen(contents) : (gsize) len;

	errno = 0;
	if (n > 0 && fwrite(contents, 1, n, self->stream) != n)
		return cw_output_file_fail(self, errno != 0 ? errno : EIO, error);
	return cw_output_file_commit(self, error);
}
