#include "cw-core.h"

G_DEFINE_QUARK(cw - core - error - quark, cw_core_error)
