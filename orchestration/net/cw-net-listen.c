/* A listening socket with a real accept backlog for a SoupServer. */
#include "cw-net.h"

#include <gio/gnetworking.h>

static void
cw_net_listen_set_error(GError **error, GSocketAddress *addr, GError *cause)
{
	g_autofree char *where = g_socket_connectable_to_string(G_SOCKET_CONNECTABLE(addr));

	g_set_error(error, CW_NET_ERROR, CW_NET_ERROR_FAILED, "listen on %s: %s", where,
		    cause->message);
}

gboolean
cw_net_listen_socket(GSocket *sock, GSocketAddress *addr, GError **error)
{
	g_autoptr(GError) local = NULL;

	g_socket_set_listen_backlog(sock, CW_NET_LISTEN_BACKLOG);
	if (!g_socket_bind(sock, addr, TRUE, &local) || !g_socket_listen(sock, &local)) {
		cw_net_listen_set_error(error, addr, local);
		return FALSE;
	}
	return TRUE;
}

gboolean
cw_net_listen_tcp(SoupServer *server, GSocketAddress *addr, SoupServerListenOptions options,
		  GError **error)
{
	GSocketFamily family = g_socket_address_get_family(addr);
	g_autoptr(GError) local = NULL;
	g_autoptr(GSocket) sock =
	    g_socket_new(family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &local);

	if (sock == NULL) {
		cw_net_listen_set_error(error, addr, local);
		return FALSE;
	}
	/* as soup_server_listen(): an IPv6 address takes IPv6 only */
	if (family == G_SOCKET_FAMILY_IPV6 &&
	    !g_socket_set_option(sock, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, &local)) {
		cw_net_listen_set_error(error, addr, local);
		return FALSE;
	}
	if (!cw_net_listen_socket(sock, addr, error))
		return FALSE;
	if (!soup_server_listen_socket(server, sock, options, &local)) {
		cw_net_listen_set_error(error, addr, local);
		return FALSE;
	}
	return TRUE;
}
