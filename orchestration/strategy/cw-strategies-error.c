/* Error domain of the strategy package. */
#include "cw-strategies.h"

/* clang-format off */
G_DEFINE_QUARK(cw-strategies-error-quark, cw_strategies_error)
/* clang-format on */
