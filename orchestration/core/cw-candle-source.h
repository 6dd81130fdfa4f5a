#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-domain.h"

G_BEGIN_DECLS

#define CW_EXTENSION_POINT_CANDLE_SOURCE "cw-candle-source"

/* A pull source of historical candles (files, generators). Options are set
 * as GObject properties before open(): implementations document theirs. */
#define CW_TYPE_CANDLE_SOURCE (cw_candle_source_get_type())
G_DECLARE_INTERFACE(CwCandleSource, cw_candle_source, CW, CANDLE_SOURCE, GObject)

typedef enum {
	CW_CANDLE_SOURCE_ERROR = -1,
	CW_CANDLE_SOURCE_END = 0,
	CW_CANDLE_SOURCE_OK = 1,
} CwCandleSourceResult;

struct _CwCandleSourceInterface {
	GTypeInterface g_iface;
	gboolean (*open)(CwCandleSource *self, GError **error);
	/* Next candle in time order. Must not allocate per candle. */
	CwCandleSourceResult (*next)(CwCandleSource *self, CwCandle *out, GError **error);
	/* Rows dropped as bad (only when the source was told to skip them). */
	guint64 (*get_n_skipped)(CwCandleSource *self);
	/* Human description for reports, e.g. "data/btc.csv (CSV, 5m)". */
	const char *(*describe)(CwCandleSource *self);
};

gboolean cw_candle_source_open(CwCandleSource *self, GError **error);
CwCandleSourceResult cw_candle_source_next(CwCandleSource *self, CwCandle *out, GError **error);
guint64 cw_candle_source_get_n_skipped(CwCandleSource *self);
const char *cw_candle_source_describe(CwCandleSource *self);

G_END_DECLS
