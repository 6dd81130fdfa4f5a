/* Error domain of the strategy package. */
#include "cw-strategies.h"

G_DEFINE_QUARK(cw - strategies - error - quark, cw_strategies_error)
