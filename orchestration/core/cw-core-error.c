#include "cw-core.h"

/* clang-format off */
G_DEFINE_QUARK(cw-core-error-quark, cw_core_error)
/* clang-format on */
