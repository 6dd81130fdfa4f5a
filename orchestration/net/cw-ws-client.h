#pragma once

#if !defined(CW_NET_INSIDE) && !defined(CW_NET_COMPILATION)
#error "Only <cw-net.h> can be included directly."
#endif

#include "cw-core.h"

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* A WebSocket that stays connected: it reconnects after every close or
 * failed attempt with exponential backoff and full jitter (base 0.5 s, cap
 * 30 s, reset once a connection stayed open for healthy_s), closes and
 * reopens a connection that is open but silent for longer than stall_s
 * (default twice ping_s), calls the ping hook every ping_s (an app-level
 * ping such as Bybit's {"op":"ping"}), and rotates a connection before
 * max_age_s (Binance closes them at 24 h). Frames go to the callbacks as
 * borrowed bytes: nothing is copied. Runs on the thread-default main
 * context of cw_ws_client_start(). */
#define CW_TYPE_WS_CLIENT (cw_ws_client_get_type())
G_DECLARE_FINAL_TYPE(CwWsClient, cw_ws_client, CW, WS_CLIENT, GObject)

typedef struct {
	double backoff_base_s;    /* 0.5 */
	double backoff_cap_s;     /* 30 */
	double healthy_s;         /* 60: an open connection this old resets the backoff */
	double ping_s;            /* 20; 0 = no app-level ping */
	double stall_s;           /* 0 = twice ping_s (or 60 without ping) */
	double max_age_s;         /* 0 = no rotation */
	double connect_timeout_s; /* 10 */
} CwWsClientSettings;

typedef struct {
	/* a connection opened (the n-th, from 1): subscribe here */
	void (*opened)(CwWsClient *client, guint n, gpointer user_data);
	/* one frame; binary = a binary frame */
	void (*message)(CwWsClient *client, const char *data, gsize len, gboolean binary,
			gpointer user_data);
	/* the connection closed, failed to open, or stalled (reason says) */
	void (*closed)(CwWsClient *client, const char *reason, gboolean stalled,
		       gpointer user_data);
	/* ping time: send the exchange's ping with cw_ws_client_send_text() */
	void (*ping)(CwWsClient *client, gpointer user_data);
} CwWsClientCallbacks;

typedef struct {
	guint connects;           /* connections opened */
	guint disconnects;        /* open connections that closed (stalls and rotations too) */
	guint reconnect_attempts; /* attempts after the first */
	guint failed_attempts;    /* attempts that did not open */
	guint stalls;
	guint rotations;
	guint64 frames;
	gint64 last_frame_us; /* monotonic; 0 = none yet */
} CwWsClientStats;

void cw_ws_client_settings_init(CwWsClientSettings *settings);
CwWsClient *cw_ws_client_new(SoupSession *session, const char *url,
			     const CwWsClientSettings *settings,
			     const CwWsClientCallbacks *callbacks, gpointer user_data);
const char *cw_ws_client_get_url(CwWsClient *self);
/* Changes the URL of the next connection (a combined stream's list grew). */
void cw_ws_client_set_url(CwWsClient *self, const char *url);
void cw_ws_client_start(CwWsClient *self);
void cw_ws_client_stop(CwWsClient *self);
gboolean cw_ws_client_is_open(CwWsClient *self);
/* Closes the open connection; the client reconnects (after a backoff). */
void cw_ws_client_reconnect(CwWsClient *self, const char *reason);
/* FALSE when no connection is open. */
gboolean cw_ws_client_send_text(CwWsClient *self, const char *text);
const CwWsClientStats *cw_ws_client_get_stats(CwWsClient *self);
/* Seeds the jitter (tests). */
void cw_ws_client_set_seed(CwWsClient *self, guint32 seed);
/* The delay before the next reconnect attempt that was last chosen (s). */
double cw_ws_client_get_last_delay(CwWsClient *self);

G_END_DECLS
