#include "cw-guardrails-private.h"

/* clang-format off */
G_DEFINE_QUARK(cw-guardrails-error-quark, cw_guardrails_error)
/* clang-format on */
