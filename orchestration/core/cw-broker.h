#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include <gio/gio.h>

#include "cw-domain.h"
#include "cw-state-blob.h"

G_BEGIN_DECLS

#define CW_EXTENSION_POINT_BROKER "cw-broker"

/* The broker contract (docs/architecture.md, "The broker contract").
 *
 * Every change to an order reaches its owner as one CwExecutionReport
 * through the sink the owner registers. A simulated broker delivers the
 * reports at once, from inside submit()/cancel()/amend()/on_candle(); an
 * exchange delivers them later, from the main loop. Only reports change
 * the owner's view of an order: submit() returning TRUE means "accepted
 * for sending", not "working".
 *
 * submit(), cancel() and amend() never wait on the network. Everything
 * that must ask the venue (lookup, balance, start, reconcile) is an
 * _async()/_finish() pair with a GCancellable, like libsoup's
 * soup_session_send_async(). */

/* What a broker can do; the engine asks, it never checks types. */
typedef enum {
	CW_BROKER_CAP_NONE = 0,
	/* amend() changes a working order's quantity and prices in place */
	CW_BROKER_CAP_AMEND = 1 << 0,
	/* stop orders rest at the venue (no stop emulation needed) */
	CW_BROKER_CAP_NATIVE_STOP = 1 << 1,
	/* the venue enforces reduce_only */
	CW_BROKER_CAP_REDUCE_ONLY = 1 << 2,
	/* orders match against the candles given to on_candle(), and every
	 * report is delivered synchronously; settle() is available */
	CW_BROKER_CAP_SIMULATED_ON_CANDLES = 1 << 3,
} CwBrokerCaps;

/* The class of a broker error: what the caller may do about it. Used as the
 * code of CW_BROKER_ERROR and in CwBrokerFault. */
typedef enum {
	CW_BROKER_ERROR_TRANSIENT,    /* try again after a backoff */
	CW_BROKER_ERROR_RATE_LIMITED, /* try again, not before retry_after_s */
	CW_BROKER_ERROR_REJECTED,     /* permanent: the venue refused it (code, text) */
	/* the request may or may not have reached the venue (a timeout after
	 * sending): resolve it by looking the order up by its client order
	 * id, never by sending a new order */
	CW_BROKER_ERROR_UNKNOWN_OUTCOME,
	CW_BROKER_ERROR_NOT_FOUND, /* lookup/cancel/amend: no such order */
	/* permanent: a reduce-only order refused because the venue's position
	 * is already zero (a stop or take profit closed it first). The fill
	 * that closed it is reported by the broker (its stream, or a catch-up
	 * the refusal starts), never guessed by the caller. */
	CW_BROKER_ERROR_NO_POSITION,
} CwBrokerErrorClass;

/* GError domain of broker errors; the code is a CwBrokerErrorClass. It is
 * an extended error: cw_broker_error_get_retry_after() and
 * cw_broker_error_get_venue_code() read its extra fields. */
#define CW_BROKER_ERROR (cw_broker_error_quark())
GQuark cw_broker_error_quark(void);

/* Sets a CW_BROKER_ERROR of class kind with the extra fields. */
void cw_broker_set_error(GError **error, CwBrokerErrorClass kind, double retry_after_s,
			 int venue_code, const char *format, ...) G_GNUC_PRINTF(5, 6);
double cw_broker_error_get_retry_after(const GError *error);
int cw_broker_error_get_venue_code(const GError *error);

/* An error inside a report: fixed size, no allocation. */
typedef struct {
	CwBrokerErrorClass kind;
	double retry_after_s; /* RATE_LIMITED, else 0 */
	int venue_code;       /* the venue's code, 0 when none */
	char text[CW_REASON_LEN];
} CwBrokerFault;

/* The class of any GError: CW_BROKER_ERROR keeps its own; any other
 * domain is TRANSIENT (it says nothing about the venue's answer). */
void cw_broker_fault_from_error(const GError *error, CwBrokerFault *out);

/* One change to one order. Stack-allocated by the broker; the pointers
 * are valid for the sink call only. order is the order as it is after the
 * change (its status is the new state); fill is set when the change is a
 * fill (of fill->qty, order->filled_qty counting it); error is set when a
 * request about the order failed after it was accepted for sending
 * (order->status then says what the order is now: REJECTED for a refused
 * new order, or its unchanged state for a refused cancel or amend). */
typedef struct {
	const CwOrder *order;
	const CwFill *fill;
	const CwBrokerFault *error;
} CwExecutionReport;

/* A CwExecutionReport held by value: for a venue that answers later or
 * a sink that keeps what it was told (a report's pointers are valid for
 * the sink call only). */
typedef struct {
	CwOrder order;
	CwFill fill;
	CwBrokerFault fault;
	gboolean has_fill;
	gboolean has_fault;
} CwBrokerHeldReport;

/* Copies order and the fill and fault (both nullable) into self, which
 * holds nothing else after. */
void cw_broker_held_report_set(CwBrokerHeldReport *self, const CwOrder *order, const CwFill *fill,
			       const CwBrokerFault *fault);
/* The report that self holds; its pointers point into self. */
CwExecutionReport cw_broker_held_report_view(const CwBrokerHeldReport *self);

/* Registered by the owner of the broker's orders. The sink may submit,
 * cancel or amend from inside the call. */
typedef void (*CwExecutionSink)(const CwExecutionReport *report, gpointer user_data);

/* What a bot does with a position or a working order on its symbol at the
 * venue that it did not make (found by reconcile). */
typedef enum {
	CW_BROKER_UNKNOWN_HALT,  /* the bot goes to HALTED, saying why (the default) */
	CW_BROKER_UNKNOWN_ADOPT, /* journalled; the bot trades on beside it */
	CW_BROKER_UNKNOWN_FLATTEN,
} CwBrokerUnknownPolicy;

/* What reconcile_async() returns: the broker's view of the account. */
typedef struct {
	GArray *open_orders; /* of CwOrder: working at the broker now */
	GArray *ended;       /* of CwOrder: ended (filled, cancelled...) at or after since_ms */
	double position;     /* signed net quantity */
	double entry_price;  /* average, 0 when flat */
	double balance;
	CwBrokerUnknownPolicy unknown_position; /* the bot's config for what it did not make */
} CwBrokerState;

void cw_broker_state_free(CwBrokerState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CwBrokerState, cw_broker_state_free)

#define CW_TYPE_BROKER (cw_broker_get_type())
G_DECLARE_INTERFACE(CwBroker, cw_broker, CW, BROKER, GObject)

struct _CwBrokerInterface {
	GTypeInterface g_iface;
	CwBrokerCaps (*get_capabilities)(CwBroker *self);
	/* section is the bot's "broker" object (NULL when absent): the broker
	 * alone reads and validates it (fees, endpoints, key names...). */
	gboolean (*configure)(CwBroker *self, const CwBotConfig *config, JsonObject *section,
			      GError **error);
	void (*set_report_sink)(CwBroker *self, CwExecutionSink sink, gpointer user_data);
	/* TRUE: accepted for sending; its reports follow (PENDING_NEW is the
	 * owner's state until then). FALSE: not sent; error (CW_BROKER_ERROR)
	 * says whether to retry. Never blocks. */
	gboolean (*submit)(CwBroker *self, const CwOrder *order, GError **error);
	gboolean (*cancel)(CwBroker *self, const char *client_order_id, GError **error);
	/* Optional: cancels every working order of this broker (a report for each). */
	void (*cancel_all)(CwBroker *self);
	/* CW_BROKER_CAP_AMEND: new quantity and prices of a working order (0
	 * keeps a price). Its report carries the amended order. */
	gboolean (*amend)(CwBroker *self, const char *client_order_id, double qty, double price,
			  double stop_price, GError **error);
	/* Simulated brokers match working orders against the candle; live ones ignore it. */
	void (*on_candle)(CwBroker *self, const CwCandle *candle);
	/* CW_BROKER_CAP_SIMULATED_ON_CANDLES: fills a market order at once at
	 * price (no slippage, taker fee), e.g. at the end of a backtest. */
	gboolean (*settle)(CwBroker *self, const CwOrder *order, double price, gint64 time,
			   GError **error);
	/* Takes over the account of old (same type) after a config edit. */
	void (*adopt)(CwBroker *self, CwBroker *old);
	/* Optional, for a broker whose orders live at a venue: an order of an
	 * earlier life, working at the venue (the last reconcile's
	 * open_orders), that the owner's restored state tracks. Its reports
	 * reach the sink from now on, and so does what happened to it since
	 * the reconcile read it (a fill, an end). */
	void (*follow)(CwBroker *self, const CwOrder *order);

	void (*start_async)(CwBroker *self, GCancellable *cancellable, GAsyncReadyCallback callback,
			    gpointer user_data);
	gboolean (*start_finish)(CwBroker *self, GAsyncResult *result, GError **error);
	void (*lookup_order_async)(CwBroker *self, const char *client_order_id,
				   GCancellable *cancellable, GAsyncReadyCallback callback,
				   gpointer user_data);
	gboolean (*lookup_order_finish)(CwBroker *self, GAsyncResult *result, CwOrder *out,
					GError **error);
	void (*get_balance_async)(CwBroker *self, GCancellable *cancellable,
				  GAsyncReadyCallback callback, gpointer user_data);
	gboolean (*get_balance_finish)(CwBroker *self, GAsyncResult *result, double *out,
				       GError **error);
	void (*reconcile_async)(CwBroker *self, gint64 since_ms, GCancellable *cancellable,
				GAsyncReadyCallback callback, gpointer user_data);
	CwBrokerState *(*reconcile_finish)(CwBroker *self, GAsyncResult *result, GError **error);
	/* Optional: the venue's own book, for a broker that plays the exchange
	 * (CW_BROKER_CAP_SIMULATED_ON_CANDLES), appended to a trading state
	 * snapshot and read back on restart. A broker whose orders live at a
	 * real venue keeps none (reconcile asks the venue instead). */
	void (*save_state)(CwBroker *self, GByteArray *out);
	gboolean (*load_state)(CwBroker *self, CwStateReader *reader, GError **error);
	/* Optional: bytes the broker holds for its bot (a simulated book), for
	 * the per-bot memory gauge; 0 when absent. */
	gsize (*get_memory_size)(CwBroker *self);
};

CwBrokerCaps cw_broker_get_capabilities(CwBroker *self);
gboolean cw_broker_has_capability(CwBroker *self, CwBrokerCaps caps);
gboolean cw_broker_configure(CwBroker *self, const CwBotConfig *config, JsonObject *section,
			     GError **error);
void cw_broker_set_report_sink(CwBroker *self, CwExecutionSink sink, gpointer user_data);
gboolean cw_broker_submit(CwBroker *self, const CwOrder *order, GError **error);
gboolean cw_broker_cancel(CwBroker *self, const char *client_order_id, GError **error);
/* FALSE when the broker has no cancel_all (cancel the orders one by one). */
gboolean cw_broker_cancel_all(CwBroker *self);
gboolean cw_broker_amend(CwBroker *self, const char *client_order_id, double qty, double price,
			 double stop_price, GError **error);
void cw_broker_on_candle(CwBroker *self, const CwCandle *candle);
gboolean cw_broker_settle(CwBroker *self, const CwOrder *order, double price, gint64 time,
			  GError **error);
gboolean cw_broker_adopt(CwBroker *self, CwBroker *old);
gboolean cw_broker_follow(CwBroker *self, const CwOrder *order);

void cw_broker_start_async(CwBroker *self, GCancellable *cancellable, GAsyncReadyCallback callback,
			   gpointer user_data);
gboolean cw_broker_start_finish(CwBroker *self, GAsyncResult *result, GError **error);
void cw_broker_lookup_order_async(CwBroker *self, const char *client_order_id,
				  GCancellable *cancellable, GAsyncReadyCallback callback,
				  gpointer user_data);
gboolean cw_broker_lookup_order_finish(CwBroker *self, GAsyncResult *result, CwOrder *out,
				       GError **error);
void cw_broker_get_balance_async(CwBroker *self, GCancellable *cancellable,
				 GAsyncReadyCallback callback, gpointer user_data);
gboolean cw_broker_get_balance_finish(CwBroker *self, GAsyncResult *result, double *out,
				      GError **error);
void cw_broker_reconcile_async(CwBroker *self, gint64 since_ms, GCancellable *cancellable,
			       GAsyncReadyCallback callback, gpointer user_data);
CwBrokerState *cw_broker_reconcile_finish(CwBroker *self, GAsyncResult *result, GError **error);
/* The broker's own state in a snapshot; brokers without save_state/load_state
 * write nothing and read nothing. */
void cw_broker_save_state(CwBroker *self, GByteArray *out);
gboolean cw_broker_load_state(CwBroker *self, CwStateReader *reader, GError **error);
/* Bytes the broker holds for its bot (get_memory_size), 0 when it does not say. */
gsize cw_broker_get_memory_size(CwBroker *self);
/* Emits the "resynced" signal: the broker had a gap in its view of the
 * venue (a private stream that went down) and has caught up on what it
 * missed; the owner reconciles the position again. */
void cw_broker_emit_resynced(CwBroker *self);

G_END_DECLS
