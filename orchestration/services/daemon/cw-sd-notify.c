/* cw-sd-notify: see cw-sd-notify.h. Plain socket()/sendto(): the message
 * is one datagram, and the exact address length matters for abstract
 * names (it must not count a trailing NUL). */
#include "cw-services-daemon.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

gboolean
cw_sd_notify(const char *state, GError **error)
{
	const char *path = g_getenv("NOTIFY_SOCKET");
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	socklen_t addr_len;
	size_t path_len;
	ssize_t sent;
	int saved_errno;
	int fd;

	g_return_val_if_fail(state != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (path == NULL || path[0] == '\0')
		return TRUE;

	path_len = strlen(path);
	if (path[0] != '@' && path[0] != '/') {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO,
			    "NOTIFY_SOCKET=%s: expected an absolute path or an abstract name "
			    "starting with '@'",
			    path);
		return FALSE;
	}
	/* a path needs room for its NUL, an abstract name does not */
	if (path_len > sizeof(addr.sun_path) ||
	    (path[0] == '/' && path_len == sizeof(addr.sun_path))) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO,
			    "NOTIFY_SOCKET=%s: longer than a socket address allows (%zu bytes)",
			    path, sizeof(addr.sun_path) - 1);
		return FALSE;
	}
	memcpy(addr.sun_path, path, path_len);
	if (path[0] == '@') {
		addr.sun_path[0] = '\0';
		addr_len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + path_len);
	} else {
		addr_len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + path_len + 1);
	}

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		saved_errno = errno;
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO,
			    "cannot notify systemd at %s: socket: %s", path,
			    g_strerror(saved_errno));
		return FALSE;
	}
	do {
		sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *) &addr,
			      addr_len);
	} while (sent < 0 && errno == EINTR);
	saved_errno = errno;
	close(fd);
	if (sent < 0) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO,
			    "cannot notify systemd at %s: %s", path, g_strerror(saved_errno));
		return FALSE;
	}
	if ((size_t) sent != strlen(state)) {
		g_set_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO,
			    "cannot notify systemd at %s: short write (%zd of %zu bytes)", path,
			    sent, strlen(state));
		return FALSE;
	}
	return TRUE;
}

/* Sends @state; logs the first failure of the process as a warning. */
static gboolean
cw_sd_notify_logged(const char *state)
{
	static gint warned = 0;
	g_autoptr(GError) error = NULL;

	if (cw_sd_notify(state, &error))
		return TRUE;
	if (g_atomic_int_compare_and_exchange(&warned, 0, 1))
		g_warning("%s (further notification failures are logged at debug level)",
			  error->message);
	else
		g_debug("%s", error->message);
	return FALSE;
}

/* STATUS= ends at the first newline: keep the text on one line. */
static char *
cw_sd_notify_one_line(const char *text)
{
	char *copy = g_strdup(text);

	g_strdelimit(copy, "\r\n", ' ');
	return copy;
}

gboolean
cw_sd_notify_ready(const char *status)
{
	g_autofree char *line = NULL;
	g_autofree char *state = NULL;

	if (status == NULL)
		return cw_sd_notify_logged("READY=1");
	line = cw_sd_notify_one_line(status);
	state = g_strconcat("READY=1\nSTATUS=", line, NULL);
	return cw_sd_notify_logged(state);
}

gboolean
cw_sd_notify_stopping(void)
{
	return cw_sd_notify_logged("STOPPING=1");
}

gboolean
cw_sd_notify_watchdog(void)
{
	return cw_sd_notify_logged("WATCHDOG=1");
}

gboolean
cw_sd_notify_status(const char *status)
{
	g_autofree char *line = NULL;
	g_autofree char *state = NULL;

	g_return_val_if_fail(status != NULL, FALSE);

	line = cw_sd_notify_one_line(status);
	state = g_strconcat("STATUS=", line, NULL);
	return cw_sd_notify_logged(state);
}

guint64
cw_sd_watchdog_interval_usec(void)
{
	const char *usec_text = g_getenv("WATCHDOG_USEC");
	const char *pid_text = g_getenv("WATCHDOG_PID");
	guint64 usec = 0;
	guint64 pid = 0;

	if (usec_text == NULL ||
	    !g_ascii_string_to_unsigned(usec_text, 10, 1, G_MAXUINT64, &usec, NULL))
		return 0;
	if (pid_text != NULL) {
		/* the watchdog is meant for another process (e.g. our parent) */
		if (!g_ascii_string_to_unsigned(pid_text, 10, 1, G_MAXINT, &pid, NULL) ||
		    (pid_t) pid != getpid())
			return 0;
	}
	return usec;
}
