/* candlewick services, the store room: the SQLite store (CwStore) with its
 * numbered migrations, and the store writer that takes events off the
 * decision path into the journal. The only code that speaks SQL. */
#pragma once

#define CW_SERVICES_STORE_INSIDE
#include "cw-store.h"
#include "cw-store-writer.h"
#include "cw-store-checkpointer.h"
#include "cw-event-json.h"
#include "cw-store-outbox.h"
#include "cw-outbox-router.h"
#undef CW_SERVICES_STORE_INSIDE
