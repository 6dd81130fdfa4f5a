#include "cw-core.h"

G_DEFINE_INTERFACE(CwBroker, cw_broker, G_TYPE_OBJECT)

static void
cw_broker_default_init(CwBrokerInterface *iface)
{
}

gboolean
cw_broker_configure(CwBroker *self, const CwBotConfig *config, GError **error)
{
	CwBrokerInterface *iface;

	g_return_val_if_fail(CW_IS_BROKER(self), FALSE);
	iface = CW_BROKER_GET_IFACE(self);
	return iface->configure == NULL || iface->configure(self, config, error);
}

void
cw_broker_set_listener(CwBroker *self, CwBrokerListener listener, gpointer user_data)
{
	g_return_if_fail(CW_IS_BROKER(self));
	CW_BROKER_GET_IFACE(self)->set_listener(self, listener, user_data);
}

gboolean
cw_broker_submit(CwBroker *self, const CwOrder *order, GError **error)
{
	g_return_val_if_fail(CW_IS_BROKER(self), FALSE);
	g_return_val_if_fail(order != NULL, FALSE);
	return CW_BROKER_GET_IFACE(self)->submit(self, order, error);
}

gboolean
cw_broker_cancel(CwBroker *self, const char *client_order_id, GError **error)
{
	g_return_val_if_fail(CW_IS_BROKER(self), FALSE);
	g_return_val_if_fail(client_order_id != NULL, FALSE);
	return CW_BROKER_GET_IFACE(self)->cancel(self, client_order_id, error);
}

void
cw_broker_on_candle(CwBroker *self, const CwCandle *candle)
{
	CwBrokerInterface *iface = CW_BROKER_GET_IFACE(self);

	if (iface->on_candle != NULL)
		iface->on_candle(self, candle);
}

gboolean
cw_broker_lookup_order(CwBroker *self, const char *client_order_id, CwOrder *out, GError **error)
{
	CwBrokerInterface *iface;

	g_return_val_if_fail(CW_IS_BROKER(self), FALSE);
	iface = CW_BROKER_GET_IFACE(self);
	if (iface->lookup_order == NULL) {
		g_set_error(error, CW_CORE_ERROR, CW_CORE_ERROR_NOT_SUPPORTED,
			    "%s cannot look up orders", G_OBJECT_TYPE_NAME(self));
		return FALSE;
	}
	return iface->lookup_order(self, client_order_id, out, error);
}

double
cw_broker_get_balance(CwBroker *self)
{
	CwBrokerInterface *iface;

	g_return_val_if_fail(CW_IS_BROKER(self), 0);
	iface = CW_BROKER_GET_IFACE(self);
	return iface->get_balance != NULL ? iface->get_balance(self) : 0;
}
