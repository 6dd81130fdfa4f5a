/* cw-sd-notify: the systemd service notification protocol, without
 * libsystemd.
 *
 * Under a unit of Type=notify, systemd passes the path of an AF_UNIX
 * datagram socket in $NOTIFY_SOCKET; the service sends newline-separated
 * KEY=VALUE assignments to it ("READY=1", "STATUS=...", "WATCHDOG=1",
 * "STOPPING=1"). A path that starts with '@' names a socket in the abstract
 * namespace. Outside systemd the variable is unset and every call is a
 * successful no-op, so callers need no special case.
 */
#pragma once

#if !defined(CW_SERVICES_DAEMON_INSIDE) && !defined(CW_SERVICES_DAEMON_COMPILATION)
#error "Only <cw-services-daemon.h> can be included directly."
#endif

#include "cw-core.h"

G_BEGIN_DECLS

/**
 * cw_sd_notify:
 * @state: the message, e.g. "READY=1\nSTATUS=3 bots running"
 *
 * Sends @state as one datagram to $NOTIFY_SOCKET. Returns TRUE without
 * sending anything when the variable is unset or empty. On failure sets
 * CW_SERVICES_ERROR_IO with a message that names the socket path.
 */
gboolean cw_sd_notify(const char *state, GError **error);

/* Convenience wrappers: they never fail hard. The first failure of any of
 * them is logged with g_warning(), later ones only at debug level, so a
 * missing socket does not flood the log every watchdog tick. They return
 * FALSE when the message was not delivered. */

/* "READY=1", plus "STATUS=@status" when @status is not NULL. */
gboolean cw_sd_notify_ready(const char *status);
/* "STOPPING=1". */
gboolean cw_sd_notify_stopping(void);
/* "WATCHDOG=1". */
gboolean cw_sd_notify_watchdog(void);
/* "STATUS=@status" (a newline in @status is replaced by a space). */
gboolean cw_sd_notify_status(const char *status);

/**
 * cw_sd_watchdog_interval_usec:
 *
 * Returns the watchdog interval systemd asks for ($WATCHDOG_USEC, in
 * microseconds), or 0 when the watchdog is off: the variable is unset, is
 * not a positive decimal integer, or $WATCHDOG_PID is set and is not the
 * pid of this process. Send WATCHDOG=1 at half this interval.
 */
guint64 cw_sd_watchdog_interval_usec(void);

G_END_DECLS
