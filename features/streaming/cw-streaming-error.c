#include "cw-streaming.h"

G_DEFINE_QUARK(cw - streaming - error - quark, cw_streaming_error)
