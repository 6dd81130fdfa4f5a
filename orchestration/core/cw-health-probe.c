#include "cw-core.h"

G_DEFINE_INTERFACE(CwHealthProbe, cw_health_probe, G_TYPE_OBJECT)

static void
cw_health_probe_default_init(CwHealthProbeInterface *iface)
{
}

/* Returns the probe's name, e.g. "health". */
const char *
cw_health_probe_get_name(CwHealthProbe *self)
{
	g_return_val_if_fail(CW_IS_HEALTH_PROBE(self), NULL);
	return CW_HEALTH_PROBE_GET_IFACE(self)->get_name(self);
}

/* Starts watching host; the probe keeps a reference until stop(). */
gboolean
cw_health_probe_start(CwHealthProbe *self, CwHealthHost *host, GError **error)
{
	CwHealthProbeInterface *iface;

	g_return_val_if_fail(CW_IS_HEALTH_PROBE(self), FALSE);
	iface = CW_HEALTH_PROBE_GET_IFACE(self);
	return iface->start == NULL || iface->start(self, host, error);
}

/* Stops the probe's timers and threads and drops the host. */
void
cw_health_probe_stop(CwHealthProbe *self)
{
	CwHealthProbeInterface *iface;

	g_return_if_fail(CW_IS_HEALTH_PROBE(self));
	iface = CW_HEALTH_PROBE_GET_IFACE(self);
	if (iface->stop != NULL)
		iface->stop(self);
}

/* Liveness verdict with a one-line detail written into detail. */
CwHealthStatus
cw_health_probe_check(CwHealthProbe *self, char *detail, gsize detail_len)
{
	g_return_val_if_fail(CW_IS_HEALTH_PROBE(self), CW_HEALTH_FAILING);
	return CW_HEALTH_PROBE_GET_IFACE(self)->check(self, detail, detail_len);
}

/* The probe's view of one bot; FALSE (out zeroed) when unknown. */
gboolean
cw_health_probe_get_bot_state(CwHealthProbe *self, gint64 bot_id, CwBotProbeState *out)
{
	CwHealthProbeInterface *iface;

	g_return_val_if_fail(CW_IS_HEALTH_PROBE(self), FALSE);
	*out = (CwBotProbeState){0};
	iface = CW_HEALTH_PROBE_GET_IFACE(self);
	return iface->get_bot_state != NULL && iface->get_bot_state(self, bot_id, out);
}

/* Appends the probe's own metric families to out. */
void
cw_health_probe_write_metrics(CwHealthProbe *self, GString *out)
{
	CwHealthProbeInterface *iface;

	g_return_if_fail(CW_IS_HEALTH_PROBE(self));
	iface = CW_HEALTH_PROBE_GET_IFACE(self);
	if (iface->write_metrics != NULL)
		iface->write_metrics(self, out);
}

/* Forgets the bot's restart history (an operator resumed or enabled it). */
void
cw_health_probe_reset_bot(CwHealthProbe *self, gint64 bot_id)
{
	CwHealthProbeInterface *iface;

	g_return_if_fail(CW_IS_HEALTH_PROBE(self));
	iface = CW_HEALTH_PROBE_GET_IFACE(self);
	if (iface->reset_bot != NULL)
		iface->reset_bot(self, bot_id);
}
