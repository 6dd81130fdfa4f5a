#pragma once

#if !defined(CW_NET_INSIDE) && !defined(CW_NET_COMPILATION)
#error "Only <cw-net.h> can be included directly."
#endif

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* The accept backlog cw_net_listen_tcp() asks for; the kernel caps it at
 * net.core.somaxconn. soup_server_listen() keeps GSocket's default of 10,
 * and a burst of more connections than that is refused or reset. */
#define CW_NET_LISTEN_BACKLOG 1024

/* Listens on addr with a backlog of CW_NET_LISTEN_BACKLOG and hands the
 * socket to server (soup_server_listen_socket(), so options such as
 * SOUP_SERVER_LISTEN_HTTPS apply). A port of 0 picks a free one. Errors are
 * CW_NET_ERROR_FAILED and name the address. */
gboolean cw_net_listen_tcp(SoupServer *server, GSocketAddress *addr,
			   SoupServerListenOptions options, GError **error);

/* Sets the backlog of CW_NET_LISTEN_BACKLOG on sock, then binds it to addr
 * and listens: for a socket the caller made (a unix socket). */
gboolean cw_net_listen_socket(GSocket *sock, GSocketAddress *addr, GError **error);

G_END_DECLS
