#pragma once

#if !defined(CW_BYBIT_INSIDE) && !defined(CW_BYBIT_COMPILATION)
#error "Only <cw-bybit.h> can be included directly."
#endif

#include "cw-bybit-parse.h"
#include "cw-core.h"

G_BEGIN_DECLS

/* One Bybit v5 private WebSocket (/v5/private) per (URL, API key, secret)
 * in this process, shared by every broker on that key (docs/architecture.md,
 * "One private stream per key"). It authenticates, subscribes to order,
 * execution, position and wallet, pings, and reconnects with backoff and
 * re-authenticates. Each push is parsed once and each of its items goes to
 * the one member that claimed its orderLinkId (a hash lookup, never a walk
 * over the members); a position goes to the members of its symbol. Every
 * member hears when the stream is up (subscribed) and when it went down,
 * so each runs its own catch-up after a gap. Runs on the thread-default
 * main context of its first cw_bybit_account_stream_get(). */
#define CW_TYPE_BYBIT_ACCOUNT_STREAM (cw_bybit_account_stream_get_type())
G_DECLARE_FINAL_TYPE(CwBybitAccountStream, cw_bybit_account_stream, CW, BYBIT_ACCOUNT_STREAM,
		     GObject)

typedef struct {
	/* the stream authenticated (again) */
	void (*authed)(gpointer user_data);
	/* subscribed: the stream is up. A member that joins an up stream
	 * hears it from an idle callback. */
	void (*up)(gpointer user_data);
	/* the connection closed or failed (reason says); it comes back by itself */
	void (*down)(const char *reason, gpointer user_data);
	/* an item of the order topic whose orderLinkId the member claimed */
	void (*order)(const CwBybitOrderInfo *info, gpointer user_data);
	/* an item of the execution topic whose orderLinkId the member claimed */
	void (*exec)(const CwBybitExec *exec, gpointer user_data);
	/* an item of the position topic of the member's symbol */
	void (*position)(const CwBybitPosition *position, gpointer user_data);
} CwBybitAccountStreamCallbacks;

/* The rate limit the venue announced for the key (Bybit counts per UID):
 * every broker on the key paces its requests with this one state. */
typedef struct {
	gint64 blocked_until_ms; /* nothing goes out before (local clock); 0 never set */
	gint64 limit_left;       /* requests left until limit_reset_ms; -1 unknown */
	gint64 limit_reset_ms;   /* local clock */
	gint64 window_status;    /* the lowest X-Bapi-Limit-Status of that window; -1 none */
	guint in_flight;         /* requests of the key's brokers on their way */
} CwBybitAccountLimit;

typedef struct {
	guint connects;      /* connections opened */
	guint auths;         /* authentications that succeeded */
	guint auth_failures; /* authentications refused */
	guint64 pushes;      /* topic frames parsed */
	guint64 routed;      /* items handed to a member */
	guint64 unrouted;    /* items no member claimed (another client's, or ended) */
	guint64 bad_items;   /* items that did not parse (logged, rate limited) */
} CwBybitAccountStreamStats;

/* The process's stream of (url, api_key, api_secret), made and started the
 * first time. Returns: (transfer full): it */
CwBybitAccountStream *cw_bybit_account_stream_get(const char *url, const char *api_key,
						  const char *api_secret);
/* Adds a member for symbol (the exchange's, "BTCUSDT"). Returns: its id (> 0). */
guint cw_bybit_account_stream_join(CwBybitAccountStream *self, const char *symbol,
				   const CwBybitAccountStreamCallbacks *callbacks,
				   gpointer user_data);
/* Removes the member and every orderLinkId it claimed; no callback after it. */
void cw_bybit_account_stream_leave(CwBybitAccountStream *self, guint member);
/* Pushes about link_id go to member from now on (the last claim wins). */
void cw_bybit_account_stream_claim(CwBybitAccountStream *self, guint member, const char *link_id);
/* The venue's clock less the local one (ms), for the auth's expiry. */
void cw_bybit_account_stream_set_clock_offset(CwBybitAccountStream *self, gint64 offset_ms);
/* The key's rate-limit state, shared by its brokers (owned by the stream). */
CwBybitAccountLimit *cw_bybit_account_stream_get_limit(CwBybitAccountStream *self);
/* TRUE while authenticated and subscribed. */
gboolean cw_bybit_account_stream_is_up(CwBybitAccountStream *self);
guint cw_bybit_account_stream_get_n_members(CwBybitAccountStream *self);
const CwBybitAccountStreamStats *cw_bybit_account_stream_get_stats(CwBybitAccountStream *self);
/* Closes the connection; it reconnects and re-authenticates (tests). */
void cw_bybit_account_stream_reconnect(CwBybitAccountStream *self, const char *reason);
/* Streams alive in this process (tests). */
guint cw_bybit_account_stream_count(void);

G_END_DECLS
