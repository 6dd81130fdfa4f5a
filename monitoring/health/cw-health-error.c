#include "cw-health-error.h"

G_DEFINE_QUARK(cw - health - error - quark, cw_health_error)
