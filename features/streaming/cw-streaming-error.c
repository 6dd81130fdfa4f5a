#include "cw-streaming.h"

/* clang-format off */
G_DEFINE_QUARK(cw-streaming-error-quark, cw_streaming_error)
/* clang-format on */
