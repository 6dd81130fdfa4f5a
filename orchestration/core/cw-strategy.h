#pragma once

#if !defined(CW_CORE_INSIDE) && !defined(CW_CORE_COMPILATION)
#error "Only <cw-core.h> can be included directly."
#endif

#include "cw-domain.h"

G_BEGIN_DECLS

#define CW_EXTENSION_POINT_STRATEGY "cw-strategy"

/* What a strategy says about one closed candle. Filled in place by
 * on_candle(): no allocation. */
typedef struct {
	gboolean ready;          /* every indicator the strategy uses is warmed up */
	CwSignal signal;         /* entry signal after aggregation and filters */
	CwSignal raw_signal;     /* aggregated signal before filters */
	const char *filtered_by; /* static name of the filter that blocked raw_signal, or NULL */
	CwDirection exit_signal; /* close positions of this direction, or NONE */
	double atr;              /* volatility for ATR stops and trailing, 0 when unknown */
} CwStrategyOutput;

#define CW_TYPE_STRATEGY (cw_strategy_get_type())
G_DECLARE_INTERFACE(CwStrategy, cw_strategy, CW, STRATEGY, GObject)

struct _CwStrategyInterface {
	GTypeInterface g_iface;
	/* Builds the strategy from its validated spec. The spec outlives the strategy. */
	gboolean (*configure)(CwStrategy *self, const CwStrategySpec *spec, GError **error);
	/* Hot path: one closed base-interval candle. Must not allocate. */
	void (*on_candle)(CwStrategy *self, const CwCandle *candle, CwStrategyOutput *out);
	/* Forgets every indicator value. */
	void (*reset)(CwStrategy *self);
	/* Optional: bytes of heap the strategy owns, for the cache statistics. */
	gsize (*get_memory_size)(CwStrategy *self);
};

gboolean cw_strategy_configure(CwStrategy *self, const CwStrategySpec *spec, GError **error);
void cw_strategy_on_candle(CwStrategy *self, const CwCandle *candle, CwStrategyOutput *out);
void cw_strategy_reset(CwStrategy *self);
gsize cw_strategy_get_memory_size(CwStrategy *self);

G_END_DECLS
