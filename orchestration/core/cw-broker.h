#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-domain.h"

G_BEGIN_DECLS

#define CW_EXTENSION_POINT_BROKER "cw-broker"

/* Called by the broker when an order changes state or fills. fill is NULL
 * for a state change without a fill (accepted, cancelled, rejected). The
 * order carries the client_order_id and the seq it was submitted with (or
 * seq 0 when the broker does not know it). The listener may submit or
 * cancel orders from inside the callback. */
typedef void (*CwBrokerListener)(const CwOrder *order, const CwFill *fill, gpointer user_data);

#define CW_TYPE_BROKER (cw_broker_get_type())
G_DECLARE_INTERFACE(CwBroker, cw_broker, CW, BROKER, GObject)

struct _CwBrokerInterface {
	GTypeInterface g_iface;
	/* Reads the bot's "broker" section (fees, slippage, keys...). */
	gboolean (*configure)(CwBroker *self, const CwBotConfig *config, GError **error);
	void (*set_listener)(CwBroker *self, CwBrokerListener listener, gpointer user_data);
	/* Accepts a working order. On FALSE the order was rejected and error says why. */
	gboolean (*submit)(CwBroker *self, const CwOrder *order, GError **error);
	gboolean (*cancel)(CwBroker *self, const char *client_order_id, GError **error);
	/* Simulated brokers match working orders against the candle; live ones ignore it. */
	void (*on_candle)(CwBroker *self, const CwCandle *candle);
	/* Reconciliation after a restart: the broker's view of an order. */
	gboolean (*lookup_order)(CwBroker *self, const char *client_order_id, CwOrder *out,
				 GError **error);
	double (*get_balance)(CwBroker *self);
};

gboolean cw_broker_configure(CwBroker *self, const CwBotConfig *config, GError **error);
void cw_broker_set_listener(CwBroker *self, CwBrokerListener listener, gpointer user_data);
gboolean cw_broker_submit(CwBroker *self, const CwOrder *order, GError **error);
gboolean cw_broker_cancel(CwBroker *self, const char *client_order_id, GError **error);
void cw_broker_on_candle(CwBroker *self, const CwCandle *candle);
gboolean cw_broker_lookup_order(CwBroker *self, const char *client_order_id, CwOrder *out,
				GError **error);
double cw_broker_get_balance(CwBroker *self);

G_END_DECLS
