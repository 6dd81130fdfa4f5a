/* cw_net_listen_tcp(): the listener's accept backlog is CW_NET_LISTEN_BACKLOG,
 * so a burst of connections completes its handshakes before the server
 * accepts any (soup_server_listen() keeps GSocket's 10). */
#include "cw-net.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#define N_CONNS 100

static GSocketAddress *
loopback(guint port)
{
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);

	return g_inet_socket_address_new(lo, (guint16) port);
}

static guint
listener_port(SoupServer *server, GSocket **sock)
{
	GSList *listeners = soup_server_get_listeners(server);
	g_autoptr(GSocketAddress) local = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_cmpuint(g_slist_length(listeners), ==, 1);
	*sock = listeners->data;
	g_slist_free(listeners);
	local = g_socket_get_local_address(*sock, &error);
	g_assert_no_error(error);
	return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
}

/* Opens N_CONNS non-blocking connections at once, the main loop not run,
 * so nothing is accepted: the kernel completes as many handshakes as the
 * accept queue holds and drops the other SYNs (retried a second later). */
static guint
connect_burst(guint port)
{
	g_autoptr(GSocketAddress) addr = loopback(port);
	struct sockaddr_storage native;
	gsize len = g_socket_address_get_native_size(addr);
	struct pollfd fds[N_CONNS];
	gint64 end = g_get_monotonic_time() + 300 * G_TIME_SPAN_MILLISECOND;
	guint connected = 0;

	g_assert_true(g_socket_address_to_native(addr, &native, sizeof native, NULL));
	for (guint i = 0; i < N_CONNS; i++) {
		fds[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		g_assert_cmpint(fds[i].fd, >=, 0);
		fds[i].events = POLLOUT;
		g_assert_true(connect(fds[i].fd, (struct sockaddr *) &native, (socklen_t) len) ==
				  0 ||
			      errno == EINPROGRESS);
	}
	/* well under the 1 s of the first SYN retry */
	while (g_get_monotonic_time() < end)
		(void) poll(fds, N_CONNS, 20);
	(void) poll(fds, N_CONNS, 0);
	for (guint i = 0; i < N_CONNS; i++) {
		int err = -1;
		socklen_t err_len = sizeof err;

		if ((fds[i].revents & POLLOUT) != 0 &&
		    getsockopt(fds[i].fd, SOL_SOCKET, SO_ERROR, &err, &err_len) == 0 && err == 0)
			connected++;
		close(fds[i].fd);
	}
	return connected;
}

static void
test_backlog(void)
{
	g_autoptr(SoupServer) server = soup_server_new(NULL, NULL);
	g_autoptr(GSocketAddress) addr = loopback(0);
	g_autoptr(GError) error = NULL;
	GSocket *sock = NULL;
	guint port;

	g_assert_true(cw_net_listen_tcp(server, addr, 0, &error));
	g_assert_no_error(error);
	port = listener_port(server, &sock);
	g_assert_cmpuint(port, >, 0);
	g_assert_cmpint(g_socket_get_listen_backlog(sock), ==, CW_NET_LISTEN_BACKLOG);
	/* the kernel's queue, not just GSocket's property */
	g_assert_cmpuint(connect_burst(port), ==, N_CONNS);
}

/* An address in use: a clear error in the net domain that names it. */
static void
test_address_in_use(void)
{
	g_autoptr(SoupServer) first = soup_server_new(NULL, NULL);
	g_autoptr(SoupServer) second = soup_server_new(NULL, NULL);
	g_autoptr(GSocketAddress) any = loopback(0);
	g_autoptr(GSocketAddress) taken = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *where = NULL;
	GSocket *sock = NULL;

	g_assert_true(cw_net_listen_tcp(first, any, 0, &error));
	taken = loopback(listener_port(first, &sock));
	where = g_strdup_printf("listen on 127.0.0.1:%u: ",
				g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(taken)));
	g_assert_false(cw_net_listen_tcp(second, taken, 0, &error));
	g_assert_error(error, CW_NET_ERROR, CW_NET_ERROR_FAILED);
	g_assert_true(g_str_has_prefix(error->message, where));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/net/listen/backlog", test_backlog);
	g_test_add_func("/net/listen/address-in-use", test_address_in_use);
	return g_test_run();
}
