#pragma once

#if !defined(CW_NOTIFICATIONS_INSIDE) && !defined(CW_NOTIFICATIONS_COMPILATION)
#error "Only <cw-notifications.h> can be included directly."
#endif

#include <json-glib/json-glib.h>

#include "cw-config.h"
#include "cw-core.h"

G_BEGIN_DECLS

/* Configuration mistakes are reported in CW_CONFIG_ERROR with the key;
 * this domain covers delivery. */
#define CW_NOTIFICATIONS_ERROR (cw_notifications_error_quark())
GQuark cw_notifications_error_quark(void);

typedef enum {
	CW_NOTIFICATIONS_ERROR_FAILED,
	CW_NOTIFICATIONS_ERROR_HTTP,     /* the receiver answered with an error */
	CW_NOTIFICATIONS_ERROR_RESPONSE, /* the receiver's answer cannot be read */
	CW_NOTIFICATIONS_ERROR_SECRET,   /* a token or secret cannot be read */
} CwNotificationsError;

/* Reads a secret named by the section's env_key (an environment variable)
 * or file_key (an owner-only file; a group- or world-readable one is
 * refused). The value is never part of an error message. */
char *cw_notifications_read_secret(JsonObject *obj, const char *env_key, const char *file_key,
				   GError **error);
/* Parses section_json into an object (errors say so without echoing it). */
JsonObject *cw_notifications_parse_section(const char *section_json, GError **error);

G_END_DECLS
