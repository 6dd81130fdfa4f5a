#include "cw-core.h"

G_DEFINE_INTERFACE(CwHealthProbe, cw_health_probe, G_TYPE_OBJECT)

static void
cw_health_probe_default_init(CwHealthProbeInterface *iface)
{
}

const char *
cw_health_probe_get_name(CwHealthProbe *self)
{
	g_return_val_if_fail(CW_IS_HEALTH_PROBE(self), NULL);
	return CW_HEALTH_PROBE_GET_IFACE(self)->get_name(self);
}

CwHealthStatus
cw_health_probe_check(CwHealthProbe *self, char *detail, gsize detail_len)
{
	g_return_val_if_fail(CW_IS_HEALTH_PROBE(self), CW_HEALTH_FAILING);
	return CW_HEALTH_PROBE_GET_IFACE(self)->check(self, detail, detail_len);
}
