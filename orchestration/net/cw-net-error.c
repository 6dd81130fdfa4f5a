#include "cw-net.h"

G_DEFINE_QUARK(cw - net - error - quark, cw_net_error)
