#include "cw-services-runtime.h"

/* clang-format off */
G_DEFINE_QUARK(cw-services-error-quark, cw_services_error)
/* clang-format on */
