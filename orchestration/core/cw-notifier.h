#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-event.h"

G_BEGIN_DECLS

#define CW_EXTENSION_POINT_NOTIFIER "cw-notifier"

/* Sends events somewhere humans look (chat, webhooks). notify() is called
 * off the hot path, from a queue, and may block briefly or go async. */
#define CW_TYPE_NOTIFIER (cw_notifier_get_type())
G_DECLARE_INTERFACE(CwNotifier, cw_notifier, CW, NOTIFIER, GObject)

struct _CwNotifierInterface {
	GTypeInterface g_iface;
	gboolean (*configure)(CwNotifier *self, const CwBotConfig *config, GError **error);
	void (*notify)(CwNotifier *self, const CwEvent *event);
};

gboolean cw_notifier_configure(CwNotifier *self, const CwBotConfig *config, GError **error);
void cw_notifier_notify(CwNotifier *self, const CwEvent *event);

G_END_DECLS
