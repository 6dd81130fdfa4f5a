#include "cw-core.h"

G_DEFINE_INTERFACE(CwNotifier, cw_notifier, G_TYPE_OBJECT)

static void
cw_notifier_default_init(CwNotifierInterface *iface)
{
}

gboolean
cw_notifier_configure(CwNotifier *self, const CwBotConfig *config, GError **error)
{
	CwNotifierInterface *iface;

	g_return_val_if_fail(CW_IS_NOTIFIER(self), FALSE);
	iface = CW_NOTIFIER_GET_IFACE(self);
	return iface->configure == NULL || iface->configure(self, config, error);
}

void
cw_notifier_notify(CwNotifier *self, const CwEvent *event)
{
	g_return_if_fail(CW_IS_NOTIFIER(self));
	CW_NOTIFIER_GET_IFACE(self)->notify(self, event);
}
