/* A market feed for the unit tests of the serve runtime: the test pushes
 * each candle and ends the stream itself. Its config section is
 * {"type": "test", "key": "K"}; feeds with the same K share a key. */
#pragma once

#define CW_SERVICES_RUNTIME_COMPILATION
#include "cw-services-runtime.h"

G_BEGIN_DECLS

#define CW_TYPE_TEST_FEED (cw_test_feed_get_type())
G_DECLARE_FINAL_TYPE(CwTestFeed, cw_test_feed, CW, TEST_FEED, GObject)

/* Registers every built-in type, then "test" on the market feed
 * extension point. Idempotent. */
void cw_test_feed_register(void);
/* The live instances, oldest first (of CwTestFeed*, borrowed). */
GPtrArray *cw_test_feed_get_instances(void);
/* The newest live instance whose key is "test:KEY", or NULL. */
CwTestFeed *cw_test_feed_find(const char *key);
/* Hands the candle to every sink, as a started feed does; a candle at or
 * before the cursor is skipped. */
void cw_test_feed_push(CwTestFeed *self, const CwCandle *candle);
/* Emits "ended" with the reason. */
void cw_test_feed_end(CwTestFeed *self, const char *reason);
gboolean cw_test_feed_is_started(CwTestFeed *self);
guint cw_test_feed_get_n_starts(CwTestFeed *self);
guint cw_test_feed_get_n_sinks(CwTestFeed *self);
gint64 cw_test_feed_get_cursor(CwTestFeed *self);
gint64 cw_test_feed_get_fast_forward(CwTestFeed *self);

/* From then on a live feed (describe_stats gives counters) in @state;
 * emits "state-changed". Before, it has no counters and stays STOPPED. */
void cw_test_feed_set_state(CwTestFeed *self, CwFeedState state);

/* A 5m candle of BTCUSDT opening at @open_time with close @close. */
CwCandle cw_test_feed_candle(gint64 open_time, double close);

G_END_DECLS
