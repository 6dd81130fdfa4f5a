/* cw-sd-notify: the exact datagrams received on a real AF_UNIX socket bound
 * to a file path and to an abstract name, the no-op without NOTIFY_SOCKET,
 * the errors for a missing or malformed socket, and the parsing of the
 * watchdog variables. */
#include "cw-services-daemon.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define RECEIVE_TIMEOUT_USEC (5 * G_USEC_PER_SEC)
#define QUIET_TIMEOUT_USEC   (100 * 1000)

typedef struct {
	char *dir;         /* temporary directory, or NULL */
	char *notify_path; /* the value given to NOTIFY_SOCKET */
	GSocket *socket;   /* the receiving end */
} Listener;

static void
listener_free(Listener *l)
{
	g_clear_object(&l->socket);
	if (l->dir != NULL) {
		g_autofree char *sock = g_build_filename(l->dir, "notify.sock", NULL);
		g_unlink(sock);
		g_rmdir(l->dir);
	}
	g_free(l->dir);
	g_free(l->notify_path);
	g_free(l);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Listener, listener_free)

/* Binds a datagram socket to a file in a fresh temporary directory, or to
 * the abstract name "@cw-test-<pid>" when @abstract. */
static Listener *
listener_new(gboolean abstract)
{
	g_autoptr(GError) error = NULL;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	Listener *l = g_new0(Listener, 1);
	socklen_t len;
	int fd;

	if (abstract) {
		l->notify_path = g_strdup_printf("@cw-test-%d", (int) getpid());
		g_assert_cmpuint(strlen(l->notify_path), <, sizeof(addr.sun_path));
		memcpy(addr.sun_path, l->notify_path, strlen(l->notify_path));
		addr.sun_path[0] = '\0';
		len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(l->notify_path));
	} else {
		l->dir = g_dir_make_tmp("cw-sd-notify-XXXXXX", &error);
		g_assert_no_error(error);
		l->notify_path = g_build_filename(l->dir, "notify.sock", NULL);
		g_assert_cmpuint(strlen(l->notify_path), <, sizeof(addr.sun_path));
		g_strlcpy(addr.sun_path, l->notify_path, sizeof(addr.sun_path));
		len = (socklen_t) sizeof(addr);
	}

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(bind(fd, (struct sockaddr *) &addr, len), ==, 0);
	l->socket = g_socket_new_from_fd(fd, &error);
	g_assert_no_error(error);
	g_socket_set_blocking(l->socket, FALSE);
	return l;
}

/* Waits (bounded) for one datagram and checks its exact bytes. */
static void
listener_expect(Listener *l, const char *expected)
{
	g_autoptr(GError) error = NULL;
	char buf[4096];
	gssize n;

	g_assert_true(
	    g_socket_condition_timed_wait(l->socket, G_IO_IN, RECEIVE_TIMEOUT_USEC, NULL, &error));
	g_assert_no_error(error);
	n = g_socket_receive(l->socket, buf, sizeof(buf), NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(n, ==, (gssize) strlen(expected));
	buf[n] = '\0';
	g_assert_cmpstr(buf, ==, expected);
}

/* Checks that no datagram arrives within a short time. */
static void
listener_expect_nothing(Listener *l)
{
	g_autoptr(GError) error = NULL;

	g_assert_false(
	    g_socket_condition_timed_wait(l->socket, G_IO_IN, QUIET_TIMEOUT_USEC, NULL, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
}

static void
check_protocol(gboolean abstract)
{
	g_autoptr(Listener) l = listener_new(abstract);
	g_autoptr(GError) error = NULL;

	g_assert_true(g_setenv("NOTIFY_SOCKET", l->notify_path, TRUE));

	g_assert_true(cw_sd_notify("READY=1\nSTATUS=3 bots running", &error));
	g_assert_no_error(error);
	listener_expect(l, "READY=1\nSTATUS=3 bots running");

	g_assert_true(cw_sd_notify_ready("2 bots running"));
	listener_expect(l, "READY=1\nSTATUS=2 bots running");
	g_assert_true(cw_sd_notify_ready(NULL));
	listener_expect(l, "READY=1");
	g_assert_true(cw_sd_notify_watchdog());
	listener_expect(l, "WATCHDOG=1");
	g_assert_true(cw_sd_notify_status("reloading bots"));
	listener_expect(l, "STATUS=reloading bots");
	/* a newline would end STATUS= early and start a bogus assignment */
	g_assert_true(cw_sd_notify_status("alpha: error\nREADY=1"));
	listener_expect(l, "STATUS=alpha: error READY=1");
	g_assert_true(cw_sd_notify_stopping());
	listener_expect(l, "STOPPING=1");
	listener_expect_nothing(l);

	g_unsetenv("NOTIFY_SOCKET");
}

static void
test_path_socket(void)
{
	check_protocol(FALSE);
}

static void
test_abstract_socket(void)
{
	check_protocol(TRUE);
}

static void
test_unset(void)
{
	g_autoptr(Listener) l = listener_new(FALSE);
	g_autoptr(GError) error = NULL;

	g_unsetenv("NOTIFY_SOCKET");
	g_assert_true(cw_sd_notify("READY=1", &error));
	g_assert_no_error(error);
	g_assert_true(cw_sd_notify_ready("1 bot running"));
	g_assert_true(cw_sd_notify_watchdog());
	g_assert_true(cw_sd_notify_status("idle"));
	g_assert_true(cw_sd_notify_stopping());

	/* an empty value counts as unset */
	g_assert_true(g_setenv("NOTIFY_SOCKET", "", TRUE));
	g_assert_true(cw_sd_notify("READY=1", &error));
	g_assert_no_error(error);
	g_unsetenv("NOTIFY_SOCKET");

	listener_expect_nothing(l);
}

static void
test_missing_socket(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) error2 = NULL;
	g_autofree char *dir = g_dir_make_tmp("cw-sd-notify-XXXXXX", &error);
	g_autofree char *path = NULL;
	g_autofree char *abstract = g_strdup_printf("@cw-test-missing-%d", (int) getpid());

	g_assert_no_error(error);
	path = g_build_filename(dir, "no-such.sock", NULL);
	g_assert_true(g_setenv("NOTIFY_SOCKET", path, TRUE));

	g_assert_false(cw_sd_notify("READY=1", &error));
	g_assert_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO);
	g_assert_nonnull(strstr(error->message, path));

	/* the wrappers warn once, then stay quiet; g_test_expect_message()
	 * does not see structured logging, so look at a child's stderr */
	if (g_test_subprocess()) {
		g_log_set_always_fatal(G_LOG_FATAL_MASK);
		g_unsetenv("G_MESSAGES_DEBUG");
		g_assert_false(cw_sd_notify_watchdog());
		g_assert_false(cw_sd_notify_watchdog());
		g_assert_false(cw_sd_notify_ready("x"));
		g_assert_false(cw_sd_notify_status("x"));
		g_assert_false(cw_sd_notify_stopping());
		g_rmdir(dir);
		return;
	}
	g_test_trap_subprocess(NULL, 10 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_passed();
	g_test_trap_assert_stderr("*WARNING*cannot notify systemd at *no-such.sock: *");
	g_test_trap_assert_stderr_unmatched("*no-such.sock*no-such.sock*");

	/* an abstract name nobody listens on */
	g_assert_true(g_setenv("NOTIFY_SOCKET", abstract, TRUE));
	g_assert_false(cw_sd_notify("READY=1", &error2));
	g_assert_error(error2, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO);
	g_assert_nonnull(strstr(error2->message, abstract));

	g_unsetenv("NOTIFY_SOCKET");
	g_rmdir(dir);
}

static void
test_bad_socket_value(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) error2 = NULL;
	g_autofree char *long_path = g_strnfill(200, 'x');

	g_assert_true(g_setenv("NOTIFY_SOCKET", "relative/notify.sock", TRUE));
	g_assert_false(cw_sd_notify("READY=1", &error));
	g_assert_error(error, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO);
	g_assert_nonnull(strstr(error->message, "relative/notify.sock"));

	long_path[0] = '/';
	g_assert_true(g_setenv("NOTIFY_SOCKET", long_path, TRUE));
	g_assert_false(cw_sd_notify("READY=1", &error2));
	g_assert_error(error2, CW_SERVICES_ERROR, CW_SERVICES_ERROR_IO);
	g_assert_nonnull(strstr(error2->message, "longer than"));

	g_unsetenv("NOTIFY_SOCKET");
}

static void
test_watchdog_interval(void)
{
	g_autofree char *self = g_strdup_printf("%d", (int) getpid());
	g_autofree char *other = g_strdup_printf("%d", (int) getpid() + 1);
	const char *invalid[] = {"",    "abc", "0",   "-30000000",
				 "30s", " 30", "1e6", "99999999999999999999999"};

	g_unsetenv("WATCHDOG_USEC");
	g_unsetenv("WATCHDOG_PID");
	g_assert_cmpuint(cw_sd_watchdog_interval_usec(), ==, 0);

	g_assert_true(g_setenv("WATCHDOG_USEC", "30000000", TRUE));
	g_assert_cmpuint(cw_sd_watchdog_interval_usec(), ==, 30000000);

	for (guint i = 0; i < G_N_ELEMENTS(invalid); i++) {
		g_assert_true(g_setenv("WATCHDOG_USEC", invalid[i], TRUE));
		g_assert_cmpuint(cw_sd_watchdog_interval_usec(), ==, 0);
	}

	g_assert_true(g_setenv("WATCHDOG_USEC", "18446744073709551615", TRUE));
	g_assert_cmpuint(cw_sd_watchdog_interval_usec(), ==, G_MAXUINT64);

	g_assert_true(g_setenv("WATCHDOG_USEC", "30000000", TRUE));
	g_assert_true(g_setenv("WATCHDOG_PID", self, TRUE));
	g_assert_cmpuint(cw_sd_watchdog_interval_usec(), ==, 30000000);
	g_assert_true(g_setenv("WATCHDOG_PID", other, TRUE));
	g_assert_cmpuint(cw_sd_watchdog_interval_usec(), ==, 0);
	g_assert_true(g_setenv("WATCHDOG_PID", "not-a-pid", TRUE));
	g_assert_cmpuint(cw_sd_watchdog_interval_usec(), ==, 0);

	g_unsetenv("WATCHDOG_USEC");
	g_unsetenv("WATCHDOG_PID");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/services/sd-notify/path-socket", test_path_socket);
	g_test_add_func("/services/sd-notify/abstract-socket", test_abstract_socket);
	g_test_add_func("/services/sd-notify/unset", test_unset);
	g_test_add_func("/services/sd-notify/missing-socket", test_missing_socket);
	g_test_add_func("/services/sd-notify/bad-socket-value", test_bad_socket_value);
	g_test_add_func("/services/sd-notify/watchdog-interval", test_watchdog_interval);
	return g_test_run();
}
