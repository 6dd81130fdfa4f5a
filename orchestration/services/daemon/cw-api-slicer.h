/* CwApiSlicer: a reply body built in slices on the main loop.
 *
 * A handler that has to write many rows does not write them in one
 * dispatch: it hands a CwApiSliceFunc to a slicer, which calls it from an
 * idle source, at most max_units times or CW_API_SLICE_US of work per
 * main-loop iteration, and sends what each slice wrote as a chunk of a
 * chunked body. Candles, timers and other requests run between slices.
 * When the client hangs up, the source is removed and the slice state
 * freed: no more work is done for it. */
#pragma once

#if !defined(CW_SERVICES_DAEMON_INSIDE) && !defined(CW_SERVICES_DAEMON_COMPILATION)
#error "Only <cw-services-daemon.h> can be included directly."
#endif

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* the work one main-loop iteration does at most for one reply */
#define CW_API_SLICE_US 3000

typedef enum {
	CW_API_SLICE_MORE,   /* call again */
	CW_API_SLICE_DONE,   /* the body is complete (its tail written) */
	CW_API_SLICE_FAILED, /* error set: the body cannot be completed */
} CwApiSliceResult;

/* Appends one unit of the body (a row, or a read of rows from the store)
 * to out. */
typedef CwApiSliceResult (*CwApiSliceFunc)(gpointer data, GString *out, GError **error);

typedef struct _CwApiSlicer CwApiSlicer;

/* Answers msg in slices: the status and headers set by the caller, then
 * head, then what func writes. data is freed with destroy when the body
 * is complete, fails, or the client goes away. A failed body is logged and
 * its connection shut down, so the client sees a truncated chunked body,
 * never a short document that parses. */
void cw_api_slicer_start(SoupServerMessage *msg, const char *head, guint max_units,
			 CwApiSliceFunc func, gpointer data, GDestroyNotify destroy);

G_END_DECLS
