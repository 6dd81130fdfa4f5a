#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-health-host.h"

G_BEGIN_DECLS

#define CW_EXTENSION_POINT_HEALTH_PROBE "cw-health-probe"

typedef enum {
	CW_HEALTH_OK,
	CW_HEALTH_DEGRADED,
	CW_HEALTH_FAILING,
} CwHealthStatus;

/* What a probe knows of one bot beyond the host's snapshot. */
typedef struct {
	gboolean stalled;
	guint restarts; /* in the current window */
} CwBotProbeState;

/* A watcher of the service: it reads the runtime through a CwHealthHost,
 * acts on it (restarts a stalled bot, fails it past the restart cap), and
 * answers the HTTP endpoints' questions from its own state.
 *
 * Settings come from the service context ("health.*" keys, see
 * docs/configuration.md), read in start(). Everything runs on the main
 * thread except what the implementation documents. */
#define CW_TYPE_HEALTH_PROBE (cw_health_probe_get_type())
G_DECLARE_INTERFACE(CwHealthProbe, cw_health_probe, CW, HEALTH_PROBE, GObject)

struct _CwHealthProbeInterface {
	GTypeInterface g_iface;
	const char *(*get_name)(CwHealthProbe *self);
	/* Starts watching host (kept until stop()). */
	gboolean (*start)(CwHealthProbe *self, CwHealthHost *host, GError **error);
	void (*stop)(CwHealthProbe *self);
	/* Liveness of the process (main loop): a verdict and one line. */
	CwHealthStatus (*check)(CwHealthProbe *self, char *detail, gsize detail_len);
	/* Fills out for bot_id; FALSE when the probe does not know the bot. */
	gboolean (*get_bot_state)(CwHealthProbe *self, gint64 bot_id, CwBotProbeState *out);
	/* Appends the probe's series in Prometheus text format 0.0.4. */
	void (*write_metrics)(CwHealthProbe *self, GString *out);
	/* A bot was resumed or enabled by an operator: forget its restarts. */
	void (*reset_bot)(CwHealthProbe *self, gint64 bot_id);
};

const char *cw_health_probe_get_name(CwHealthProbe *self);
gboolean cw_health_probe_start(CwHealthProbe *self, CwHealthHost *host, GError **error);
void cw_health_probe_stop(CwHealthProbe *self);
CwHealthStatus cw_health_probe_check(CwHealthProbe *self, char *detail, gsize detail_len);
gboolean cw_health_probe_get_bot_state(CwHealthProbe *self, gint64 bot_id, CwBotProbeState *out);
void cw_health_probe_write_metrics(CwHealthProbe *self, GString *out);
void cw_health_probe_reset_bot(CwHealthProbe *self, gint64 bot_id);

G_END_DECLS
