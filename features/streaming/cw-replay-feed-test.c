#include "cw-streaming.h"

#include "cw-config.h"

#include <glib/gstdio.h>

#define MINUTE             60000
#define FIRST_OPEN_SECONDS 1700000000

static char *tmp_dir;
static GPtrArray *warnings; /* warnings logged by cw-streaming */

typedef struct {
	GArray *a;
	GArray *b;
	guint n_ended;
	char *reason;
	GMainLoop *loop;
	gboolean timed_out;
	CwMarketFeed *feed;
	guint sink_b;
	guint stop_after;
	guint max_between_yields;
	guint since_yield;
} Fixture;

static char *
write_candles(const char *name, guint n, guint bad_line)
{
	GString *csv = g_string_new("time,open,high,low,close,volume\n");
	char *path = g_build_filename(tmp_dir, name, NULL);
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < n; i++) {
		if (i + 2 == bad_line)
			g_string_append(csv, "bad,row\n");
		else
			g_string_append_printf(csv, "%u,%u.5,%u,%u,%u.25,%u\n",
					       FIRST_OPEN_SECONDS + 60 * i, 100 + i, 102 + i,
					       99 + i, 100 + i, i);
	}
	g_file_set_contents(path, csv->str, -1, &error);
	g_assert_no_error(error);
	g_string_free(csv, TRUE);
	return path;
}

static void
fixture_init(Fixture *f)
{
	memset(f, 0, sizeof *f);
	f->a = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	f->b = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	f->loop = g_main_loop_new(NULL, FALSE);
}

static void
fixture_clear(Fixture *f)
{
	g_array_unref(f->a);
	g_array_unref(f->b);
	g_free(f->reason);
	g_main_loop_unref(f->loop);
}

static void
sink_a(const CwCandle *candle, gpointer user_data)
{
	Fixture *f = user_data;

	g_array_append_val(f->a, *candle);
	f->since_yield++;
	if (f->stop_after > 0 && f->a->len == f->stop_after) {
		cw_market_feed_stop(f->feed);
		g_main_loop_quit(f->loop);
	}
}

static void
sink_b(const CwCandle *candle, gpointer user_data)
{
	Fixture *f = user_data;

	g_array_append_val(f->b, *candle);
}

/* Removes itself during a dispatch after 5 candles. */
static void
sink_b_removing(const CwCandle *candle, gpointer user_data)
{
	Fixture *f = user_data;

	g_array_append_val(f->b, *candle);
	if (f->b->len == 5)
		cw_market_feed_remove_sink(f->feed, f->sink_b);
}

static void
on_ended(CwMarketFeed *feed, const char *reason, gpointer user_data)
{
	Fixture *f = user_data;

	f->n_ended++;
	g_free(f->reason);
	f->reason = g_strdup(reason);
	g_main_loop_quit(f->loop);
}

static gboolean
on_timeout(gpointer user_data)
{
	Fixture *f = user_data;

	f->timed_out = TRUE;
	g_main_loop_quit(f->loop);
	return G_SOURCE_REMOVE;
}

/* An idle at the feed's priority: how many candles go out between two main loop
 * iterations. */
static gboolean
on_yield(gpointer user_data)
{
	Fixture *f = user_data;

	f->max_between_yields = MAX(f->max_between_yields, f->since_yield);
	f->since_yield = 0;
	return G_SOURCE_CONTINUE;
}

static void
run_loop(Fixture *f, guint seconds)
{
	guint timeout = g_timeout_add_seconds(seconds, on_timeout, f);

	g_main_loop_run(f->loop);
	if (!f->timed_out)
		g_source_remove(timeout);
	g_assert_false(f->timed_out);
}

static void
drain_context(void)
{
	for (int i = 0; i < 100 && g_main_context_iteration(NULL, FALSE); i++)
		;
}

static void
assert_sequence(GArray *candles, guint first, guint n)
{
	g_assert_cmpuint(candles->len, ==, n);
	for (guint i = 0; i < n; i++) {
		CwCandle *c = &g_array_index(candles, CwCandle, i);

		g_assert_cmpint(c->open_time, ==,
				(gint64) (FIRST_OPEN_SECONDS + 60 * (first + i)) * 1000);
		g_assert_cmpfloat(c->open, ==, 100 + first + i + 0.5);
		g_assert_cmpint(c->interval_ms, ==, MINUTE);
	}
}

static void
test_speed0_two_sinks(void)
{
	g_autofree char *path = write_candles("fast.csv", 1000, 0);
	g_autoptr(CwReplayFeed) feed = cw_replay_feed_new(path, 0);
	g_autoptr(GError) error = NULL;
	Fixture f;
	guint yield;

	fixture_init(&f);
	f.feed = CW_MARKET_FEED(feed);
	g_object_set(feed, "symbol", "BTCUSDT", NULL);
	cw_market_feed_add_sink(f.feed, sink_a, &f);
	cw_market_feed_add_sink(f.feed, sink_b, &f);
	g_signal_connect(feed, "ended", G_CALLBACK(on_ended), &f);
	yield = g_idle_add_full(G_PRIORITY_DEFAULT_IDLE, on_yield, &f, NULL);
	g_assert_true(cw_market_feed_start(f.feed, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(f.a->len, ==, 0); /* nothing before the loop runs */
	run_loop(&f, 10);
	g_source_remove(yield);
	drain_context();

	assert_sequence(f.a, 0, 1000);
	assert_sequence(f.b, 0, 1000);
	g_assert_cmpuint(g_array_index(f.a, CwCandle, 0).symbol, ==,
			 g_quark_from_string("BTCUSDT"));
	g_assert_cmpuint(f.n_ended, ==, 1);
	g_assert_cmpstr(f.reason, ==, "feed ended");
	/* batches of 256: the loop got control back in between */
	g_assert_cmpuint(f.max_between_yields, <=, 256);
	g_assert_cmpuint(f.max_between_yields, >, 0);

	/* a second start after the end does nothing */
	g_assert_true(cw_market_feed_start(f.feed, &error));
	drain_context();
	g_assert_cmpuint(f.n_ended, ==, 1);
	g_assert_cmpuint(f.a->len, ==, 1000);
	fixture_clear(&f);
}

/* A consumer that queues each candle and drains 4 a main loop iteration
 * (the store's flush slices): behind past 10 queued. */
typedef struct {
	guint queued;
	guint most;
	guint asked;
} Backlog;

static void
sink_queue(const CwCandle *candle, gpointer user_data)
{
	Backlog *b = user_data;

	b->queued++;
	b->most = MAX(b->most, b->queued);
}

static gboolean
backlog_drain(gpointer user_data)
{
	Backlog *b = user_data;

	b->queued -= MIN(b->queued, 4);
	return G_SOURCE_CONTINUE;
}

static gboolean
backlog_behind(gpointer user_data)
{
	Backlog *b = user_data;

	b->asked++;
	return b->queued >= 10;
}

/* Backpressure at speed 0: the replay waits while its consumers are
 * behind, instead of running a batch of 256 ahead of them, and still
 * delivers every candle in order. */
static void
test_speed0_backlog(void)
{
	g_autofree char *path = write_candles("backlog.csv", 1000, 0);
	g_autoptr(CwReplayFeed) feed = cw_replay_feed_new(path, 0);
	g_autoptr(GError) error = NULL;
	Backlog b = {0};
	Fixture f;
	guint drain;

	fixture_init(&f);
	f.feed = CW_MARKET_FEED(feed);
	cw_market_feed_add_sink(f.feed, sink_a, &f);
	cw_market_feed_add_sink(f.feed, sink_queue, &b);
	cw_market_feed_set_backlog_func(f.feed, backlog_behind, &b);
	g_signal_connect(feed, "ended", G_CALLBACK(on_ended), &f);
	drain = g_idle_add_full(G_PRIORITY_DEFAULT_IDLE, backlog_drain, &b, NULL);
	g_assert_true(cw_market_feed_start(f.feed, &error));
	g_assert_no_error(error);
	run_loop(&f, 20);
	g_source_remove(drain);
	drain_context();

	assert_sequence(f.a, 0, 1000);
	g_assert_cmpuint(f.n_ended, ==, 1);
	g_assert_cmpuint(b.asked, >=, 1000);
	g_assert_cmpuint(b.most, ==, 10);
	fixture_clear(&f);
}

static void
on_state_changed(CwMarketFeed *feed, int new_state, int old_state, gpointer user_data)
{
	g_string_append_printf(user_data, "%s>%s ", cw_feed_state_to_string(old_state),
			       cw_feed_state_to_string(new_state));
}

static void
on_started(GObject *source, GAsyncResult *result, gpointer user_data)
{
	gboolean *ok = user_data;

	*ok = cw_market_feed_start_finish(CW_MARKET_FEED(source), result, NULL);
}

/* A replay feed reports live while started and stopped once it ended;
 * the default asynchronous start runs its start. */
static void
test_states(void)
{
	g_autofree char *path = write_candles("states.csv", 10, 0);
	g_autoptr(CwReplayFeed) feed = cw_replay_feed_new(path, 0);
	g_autoptr(GString) log = g_string_new(NULL);
	gboolean started = FALSE;
	Fixture f;

	fixture_init(&f);
	f.feed = CW_MARKET_FEED(feed);
	cw_market_feed_add_sink(f.feed, sink_a, &f);
	g_signal_connect(feed, "ended", G_CALLBACK(on_ended), &f);
	g_signal_connect(feed, "state-changed", G_CALLBACK(on_state_changed), log);
	g_assert_cmpint(cw_market_feed_get_state(f.feed), ==, CW_FEED_STATE_STOPPED);
	cw_market_feed_start_async(f.feed, NULL, on_started, &started);
	g_assert_cmpint(cw_market_feed_get_state(f.feed), ==, CW_FEED_STATE_LIVE);
	run_loop(&f, 10);
	drain_context();
	g_assert_true(started);
	g_assert_cmpuint(f.a->len, ==, 10);
	g_assert_cmpint(cw_market_feed_get_state(f.feed), ==, CW_FEED_STATE_STOPPED);
	g_assert_cmpstr(log->str, ==, "stopped>live live>stopped ");
	g_assert_false(cw_market_feed_is_warming_up(f.feed));
	fixture_clear(&f);
}

static void
test_cursor(void)
{
	g_autofree char *path = write_candles("cursor.csv", 50, 0);
	g_autoptr(CwReplayFeed) feed = cw_replay_feed_new(path, 0);
	g_autoptr(GError) error = NULL;
	Fixture f;

	fixture_init(&f);
	f.feed = CW_MARKET_FEED(feed);
	cw_market_feed_add_sink(f.feed, sink_a, &f);
	g_signal_connect(feed, "ended", G_CALLBACK(on_ended), &f);
	/* skip open_time <= the 10th candle's */
	cw_market_feed_set_cursor(f.feed, (gint64) (FIRST_OPEN_SECONDS + 60 * 9) * 1000);
	g_assert_true(cw_market_feed_start(f.feed, &error));
	run_loop(&f, 10);
	assert_sequence(f.a, 10, 40);
	g_assert_cmpuint(f.n_ended, ==, 1);
	fixture_clear(&f);
}

static void
test_remove_sink_during_dispatch(void)
{
	g_autofree char *path = write_candles("remove.csv", 20, 0);
	g_autoptr(CwReplayFeed) feed = cw_replay_feed_new(path, 0);
	g_autoptr(GError) error = NULL;
	Fixture f;

	fixture_init(&f);
	f.feed = CW_MARKET_FEED(feed);
	f.sink_b = cw_market_feed_add_sink(f.feed, sink_b_removing, &f);
	cw_market_feed_add_sink(f.feed, sink_a, &f);
	g_signal_connect(feed, "ended", G_CALLBACK(on_ended), &f);
	g_assert_true(cw_market_feed_start(f.feed, &error));
	run_loop(&f, 10);
	assert_sequence(f.a, 0, 20);
	assert_sequence(f.b, 0, 5);
	fixture_clear(&f);
}

static void
test_stop_and_resume(void)
{
	g_autofree char *path = write_candles("resume.csv", 600, 0);
	g_autoptr(CwReplayFeed) feed = cw_replay_feed_new(path, 0);
	g_autoptr(GError) error = NULL;
	Fixture f;

	fixture_init(&f);
	f.feed = CW_MARKET_FEED(feed);
	f.stop_after = 300;
	cw_market_feed_add_sink(f.feed, sink_a, &f);
	g_signal_connect(feed, "ended", G_CALLBACK(on_ended), &f);
	g_assert_true(cw_market_feed_start(f.feed, &error));
	run_loop(&f, 10);
	drain_context();
	g_assert_cmpuint(f.a->len, ==, 300);
	g_assert_cmpuint(f.n_ended, ==, 0);

	/* start again: continues after the last candle delivered */
	f.stop_after = 0;
	g_assert_true(cw_market_feed_start(f.feed, &error));
	run_loop(&f, 10);
	assert_sequence(f.a, 0, 600);
	g_assert_cmpuint(f.n_ended, ==, 1);
	fixture_clear(&f);
}

static void
test_read_error_ends(void)
{
	g_autofree char *path = write_candles("broken.csv", 30, 12);
	g_autofree char *want = g_strdup_printf("%s:12: expected 6 columns, got 2", path);
	g_autoptr(CwReplayFeed) feed = cw_replay_feed_new(path, 0);
	g_autoptr(GError) error = NULL;
	Fixture f;

	fixture_init(&f);
	f.feed = CW_MARKET_FEED(feed);
	cw_market_feed_add_sink(f.feed, sink_a, &f);
	g_signal_connect(feed, "ended", G_CALLBACK(on_ended), &f);
	g_ptr_array_set_size(warnings, 0);
	g_assert_true(cw_market_feed_start(f.feed, &error));
	run_loop(&f, 10);
	drain_context();
	assert_sequence(f.a, 0, 10);
	g_assert_cmpuint(f.n_ended, ==, 1);
	g_assert_cmpstr(f.reason, ==, want);
	g_assert_cmpuint(warnings->len, ==, 1);
	g_assert_nonnull(strstr(g_ptr_array_index(warnings, 0), want));
	fixture_clear(&f);
}

static void
test_start_errors(void)
{
	g_autofree char *missing = g_build_filename(tmp_dir, "missing.csv", NULL);
	g_autofree char *nohead = g_build_filename(tmp_dir, "nohead.csv", NULL);
	g_autoptr(CwReplayFeed) feed = cw_replay_feed_new(missing, 0);
	g_autoptr(CwReplayFeed) bad = NULL;
	g_autoptr(CwReplayFeed) none = g_object_new(CW_TYPE_REPLAY_FEED, NULL);
	g_autoptr(GError) error = NULL;

	g_assert_false(cw_market_feed_start(CW_MARKET_FEED(feed), &error));
	g_assert_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_IO);
	g_assert_true(g_str_has_prefix(error->message, missing));
	g_clear_error(&error);

	g_assert_true(g_file_set_contents(nohead, "1,2,3,4,5,6\n", -1, NULL));
	bad = cw_replay_feed_new(nohead, 0);
	g_assert_false(cw_market_feed_start(CW_MARKET_FEED(bad), &error));
	g_assert_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_FORMAT);
	g_clear_error(&error);

	g_assert_false(cw_market_feed_start(CW_MARKET_FEED(none), &error));
	g_assert_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_FAILED);
}

static void
test_speed_paced(void)
{
	/* 20 one-minute candles at speed 1000: one every 60 ms, 1.2 s in all */
	g_autofree char *path = write_candles("paced.csv", 20, 0);
	g_autoptr(CwReplayFeed) feed = cw_replay_feed_new(path, 1000);
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) arrivals = g_array_new(FALSE, FALSE, sizeof(gint64));
	gint64 start;
	gint64 elapsed;
	Fixture f;

	fixture_init(&f);
	f.feed = CW_MARKET_FEED(feed);
	cw_market_feed_add_sink(f.feed, sink_a, &f);
	g_signal_connect(feed, "ended", G_CALLBACK(on_ended), &f);
	start = g_get_monotonic_time();
	g_assert_true(cw_market_feed_start(f.feed, &error));
	run_loop(&f, 10);
	elapsed = g_get_monotonic_time() - start;
	g_test_message("20 candles at speed 1000 took %" G_GINT64_FORMAT " ms", elapsed / 1000);
	assert_sequence(f.a, 0, 20);
	g_assert_cmpuint(f.n_ended, ==, 1);
	/* the last candle closes 20 * 60 ms after the start: never earlier */
	g_assert_cmpint(elapsed, >=, 20 * 60 * 1000);
	g_assert_cmpint(elapsed, <, 20 * 60 * 1000 + 3 * G_USEC_PER_SEC);
	fixture_clear(&f);
}

static void
test_speed_paced_gap(void)
{
	/* a 10 minute gap at speed 6000 is 100 ms of waiting */
	g_autofree char *path = g_build_filename(tmp_dir, "gap.csv", NULL);
	g_autoptr(CwReplayFeed) feed = NULL;
	g_autoptr(GError) error = NULL;
	gint64 start;
	gint64 elapsed;
	Fixture f;

	g_assert_true(g_file_set_contents(path,
					  "time,open,high,low,close,volume\n"
					  "60,1,1,1,1,1\n120,1,1,1,1,1\n720,1,1,1,1,1\n",
					  -1, NULL));
	feed = cw_replay_feed_new(path, 6000);
	fixture_init(&f);
	f.feed = CW_MARKET_FEED(feed);
	cw_market_feed_add_sink(f.feed, sink_a, &f);
	g_signal_connect(feed, "ended", G_CALLBACK(on_ended), &f);
	start = g_get_monotonic_time();
	g_assert_true(cw_market_feed_start(f.feed, &error));
	run_loop(&f, 10);
	elapsed = g_get_monotonic_time() - start;
	g_assert_cmpuint(f.a->len, ==, 3);
	/* (720 - 60 + 60) s / 6000 = 120 ms */
	g_assert_cmpint(elapsed, >=, 120 * 1000);
	g_assert_cmpint(elapsed, <, 120 * 1000 + 3 * G_USEC_PER_SEC);
	fixture_clear(&f);
}

static CwBotConfig *
make_config_for(const char *symbol, const char *feed_json, GError **error)
{
	g_autofree char *json =
	    g_strdup_printf("{\"name\": \"bot-1\", \"symbol\": \"%s\", \"interval\": \"1m\", "
			    "\"strategy\": {\"analyzers\": [{\"type\": \"rsi\"}]}, \"feed\": %s}",
			    symbol, feed_json);

	return cw_bot_config_new_from_data(json, -1, error);
}

static CwBotConfig *
make_config(const char *feed_json, GError **error)
{
	return make_config_for("btcusdt", feed_json, error);
}

static void
check_configure_error(const char *feed_json, GQuark domain, gint code, const char *message)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = make_config(feed_json, &error);
	g_autoptr(CwReplayFeed) feed = g_object_new(CW_TYPE_REPLAY_FEED, NULL);

	g_assert_no_error(error);
	g_assert_false(cw_market_feed_configure(CW_MARKET_FEED(feed), config, &error));
	g_assert_error(error, domain, code);
	g_test_message("configure error: %s", error->message);
	g_assert_true(g_pattern_match_simple(message, error->message));
}

static void
test_configure(void)
{
	g_autofree char *path = write_candles("config.csv", 30, 0);
	g_autofree char *json = g_strdup_printf(
	    "{\"type\": \"replay\", \"path\": \"%s\", \"speed\": 2.5, \"interval\": \"1m\"}", path);
	g_autofree char *json2 = NULL;
	g_autofree char *want_key = NULL;
	g_autofree char *cwd = g_get_current_dir();
	g_autofree char *rel = NULL;
	g_autofree char *real_dir = realpath(tmp_dir, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = make_config(json, &error);
	g_autoptr(CwBotConfig) config2 = NULL;
	g_autoptr(CwReplayFeed) feed = g_object_new(CW_TYPE_REPLAY_FEED, NULL);
	g_autoptr(CwReplayFeed) feed2 = g_object_new(CW_TYPE_REPLAY_FEED, NULL);
	g_autofree char *symbol = NULL;
	g_autofree char *got_path = NULL;
	double speed = 0;
	gint64 interval = 0;

	g_assert_no_error(error);
	g_assert_true(cw_market_feed_configure(CW_MARKET_FEED(feed), config, &error));
	g_assert_no_error(error);
	g_object_get(feed, "symbol", &symbol, "speed", &speed, "interval", &interval, "path",
		     &got_path, NULL);
	g_assert_cmpstr(symbol, ==, "BTCUSDT"); /* the bot's symbol */
	g_assert_cmpfloat(speed, ==, 2.5);
	g_assert_cmpint(interval, ==, MINUTE);
	/* the bot's interval is part of the key: bots of other intervals get
	 * their own resampled candles */
	want_key = g_strdup_printf("replay:%s/config.csv:BTCUSDT:1m", real_dir);
	g_assert_true(g_str_has_prefix(want_key + strlen("replay:"), got_path));
	g_assert_cmpstr(want_key + strlen("replay:") + strlen(got_path), ==, ":BTCUSDT:1m");
	g_assert_cmpstr(cw_market_feed_get_key(CW_MARKET_FEED(feed)), ==, want_key);

	/* the same file by a relative path with ".." shares the key */
	g_assert_cmpint(g_chdir(tmp_dir), ==, 0);
	rel = g_strdup_printf("../%s/config.csv", strrchr(tmp_dir, '/') + 1);
	json2 = g_strdup_printf("{\"type\": \"replay\", \"path\": \"%s\"}", rel);
	config2 = make_config(json2, &error);
	g_assert_no_error(error);
	g_assert_true(cw_market_feed_configure(CW_MARKET_FEED(feed2), config2, &error));
	g_assert_no_error(error);
	g_assert_cmpint(g_chdir(cwd), ==, 0);
	g_assert_cmpstr(cw_market_feed_get_key(CW_MARKET_FEED(feed2)), ==, want_key);

	/* a symbol override changes the key */
	g_object_set(feed2, "symbol", "ETHUSDT", NULL);
	g_assert_true(
	    g_str_has_suffix(cw_market_feed_get_key(CW_MARKET_FEED(feed2)), ":ETHUSDT:1m"));

	check_configure_error("{\"type\": \"replay\"}", CW_CONFIG_ERROR, CW_CONFIG_ERROR_MISSING,
			      "feed.path: *");
	check_configure_error("{\"type\": \"replay\", \"path\": \"/nonexistent/x.csv\"}",
			      CW_CONFIG_ERROR, CW_CONFIG_ERROR_IO,
			      "feed.path: /nonexistent/x.csv: No such file or directory");
	{
		g_autofree char *bad_speed = g_strdup_printf(
		    "{\"type\": \"replay\", \"path\": \"%s\", \"speed\": -1}", path);
		g_autofree char *bad_type = g_strdup_printf(
		    "{\"type\": \"replay\", \"path\": \"%s\", \"speed\": \"fast\"}", path);
		g_autofree char *unknown =
		    g_strdup_printf("{\"type\": \"replay\", \"path\": \"%s\", \"sped\": 1}", path);
		g_autofree char *bad_interval = g_strdup_printf(
		    "{\"type\": \"replay\", \"path\": \"%s\", \"interval\": \"7q\"}", path);

		check_configure_error(bad_speed, CW_CONFIG_ERROR, CW_CONFIG_ERROR_RANGE,
				      "feed.speed: *");
		check_configure_error(bad_type, CW_CONFIG_ERROR, CW_CONFIG_ERROR_TYPE,
				      "feed.speed: *");
		check_configure_error(unknown, CW_CONFIG_ERROR, CW_CONFIG_ERROR_UNKNOWN_KEY,
				      "feed.sped: *path*speed*symbol*interval*");
		check_configure_error(bad_interval, CW_CONFIG_ERROR, CW_CONFIG_ERROR_INVALID,
				      "feed.interval: *");
	}
	{
		/* the bot (BTCUSDT) would get none of another symbol's candles */
		g_autofree char *other = g_strdup_printf(
		    "{\"type\": \"replay\", \"path\": \"%s\", \"symbol\": \"ETHUSDT\"}", path);
		g_autofree char *same = g_strdup_printf(
		    "{\"type\": \"replay\", \"path\": \"%s\", \"symbol\": \"BTCUSDT\"}", path);
		g_autoptr(GError) same_error = NULL;
		g_autoptr(CwBotConfig) same_config = make_config(same, &same_error);
		g_autoptr(CwReplayFeed) same_feed = g_object_new(CW_TYPE_REPLAY_FEED, NULL);

		check_configure_error(other, CW_CONFIG_ERROR, CW_CONFIG_ERROR_INVALID,
				      "feed.symbol: 'ETHUSDT' is not the bot's symbol 'BTCUSDT'*");
		g_assert_no_error(same_error);
		g_assert_true(
		    cw_market_feed_configure(CW_MARKET_FEED(same_feed), same_config, &same_error));
		g_assert_no_error(same_error);
	}
}

static void
test_configured_run(void)
{
	g_autofree char *path = write_candles("run.csv", 10, 0);
	g_autofree char *json = g_strdup_printf(
	    "{\"type\": \"replay\", \"path\": \"%s\", \"symbol\": \"ALTBTC\"}", path);
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = make_config_for("ALTBTC", json, &error);
	g_autoptr(GObject) object = NULL;
	Fixture f;

	g_assert_no_error(error);
	cw_streaming_register_types();
	object = cw_extension_new(CW_EXTENSION_POINT_MARKET_FEED, "replay", &error);
	g_assert_no_error(error);
	fixture_init(&f);
	f.feed = CW_MARKET_FEED(object);
	g_assert_true(cw_market_feed_configure(f.feed, config, &error));
	g_assert_no_error(error);
	g_assert_true(g_str_has_suffix(cw_market_feed_get_key(f.feed), "/run.csv:ALTBTC:1m"));
	cw_market_feed_add_sink(f.feed, sink_a, &f);
	g_signal_connect(object, "ended", G_CALLBACK(on_ended), &f);
	g_assert_true(cw_market_feed_start(f.feed, &error));
	run_loop(&f, 10);
	assert_sequence(f.a, 0, 10);
	g_assert_cmpuint(g_array_index(f.a, CwCandle, 0).symbol, ==, g_quark_from_string("ALTBTC"));
	fixture_clear(&f);
}

/* A configured feed of @path for a bot of @interval, started, its candles
 * collected in f->a until it ends. */
static void
run_configured(Fixture *f, const char *path, const char *interval)
{
	g_autofree char *feed_json =
	    g_strdup_printf("{\"type\": \"replay\", \"path\": \"%s\"}", path);
	g_autofree char *json =
	    g_strdup_printf("{\"name\": \"bot-1\", \"symbol\": \"btcusdt\", \"interval\": \"%s\", "
			    "\"strategy\": {\"analyzers\": [{\"type\": \"rsi\"}]}, \"feed\": %s}",
			    interval, feed_json);
	g_autoptr(GError) error = NULL;
	g_autoptr(CwBotConfig) config = cw_bot_config_new_from_data(json, -1, &error);

	g_assert_no_error(error);
	cw_streaming_register_types();
	f->feed =
	    CW_MARKET_FEED(cw_extension_new(CW_EXTENSION_POINT_MARKET_FEED, "replay", &error));
	g_assert_no_error(error);
	g_assert_true(cw_market_feed_configure(f->feed, config, &error));
	g_assert_no_error(error);
	cw_market_feed_add_sink(f->feed, sink_a, f);
	g_signal_connect(f->feed, "ended", G_CALLBACK(on_ended), f);
	g_assert_true(cw_market_feed_start(f->feed, &error));
	g_assert_no_error(error);
	run_loop(f, 10);
}

/* 1m candles for a 5m bot: the feed hands it 5m candles, each when its
 * bucket closes; the incomplete first bucket (the file starts inside it)
 * is dropped, and so is the incomplete last one. */
static void
test_resampled_run(void)
{
	/* a multiple of 5 minutes, plus 3 minutes */
	const gint64 t0 = G_GINT64_CONSTANT(1700000100) + 180;
	g_autofree char *path = g_build_filename(tmp_dir, "resample.csv", NULL);
	g_autoptr(GString) csv = g_string_new("time,open,high,low,close,volume\n");
	Fixture f;

	/* minutes 3, 4 of a bucket, four full buckets, then 2 minutes */
	for (guint i = 0; i < 24; i++)
		g_string_append_printf(csv, "%" G_GINT64_FORMAT ",%u,%u,%u,%u.5,1\n", t0 + 60 * i,
				       100 + i, 110 + i, 90 + i, 100 + i);
	g_assert_true(g_file_set_contents(path, csv->str, -1, NULL));
	fixture_init(&f);
	run_configured(&f, path, "5m");
	g_assert_cmpstr(f.reason, ==, "feed ended");
	g_assert_true(g_str_has_suffix(cw_market_feed_get_key(f.feed), "/resample.csv:BTCUSDT:5m"));
	g_assert_cmpuint(f.a->len, ==, 4);
	for (guint k = 0; k < 4; k++) {
		const CwCandle *c = &g_array_index(f.a, CwCandle, k);
		guint first = 2 + 5 * k; /* index of its first 1m candle */

		g_assert_cmpint(c->open_time, ==, (t0 + 60 * first) * 1000);
		g_assert_cmpint(c->open_time % (5 * MINUTE), ==, 0);
		g_assert_cmpint(c->interval_ms, ==, 5 * MINUTE);
		g_assert_cmpfloat(c->open, ==, 100 + first);
		g_assert_cmpfloat(c->high, ==, 110 + first + 4);
		g_assert_cmpfloat(c->low, ==, 90 + first);
		g_assert_cmpfloat(c->close, ==, 100 + first + 4 + 0.5);
		g_assert_cmpfloat(c->volume, ==, 5);
	}
	g_object_unref(f.feed);
	fixture_clear(&f);
}

/* 5m candles for a 1m bot cannot be made: the feed ends at once with a
 * message that says why, and hands the bot no candle. */
static void
test_resample_refused(void)
{
	g_autofree char *path = g_build_filename(tmp_dir, "five.csv", NULL);
	g_autoptr(GString) csv = g_string_new("time,open,high,low,close,volume\n");
	Fixture f;

	for (guint i = 0; i < 10; i++)
		g_string_append_printf(csv, "%u,1,2,0.5,1.5,1\n", 1700000100 + 300 * i);
	g_assert_true(g_file_set_contents(path, csv->str, -1, NULL));
	g_ptr_array_set_size(warnings, 0);
	fixture_init(&f);
	run_configured(&f, path, "1m");
	g_assert_cmpuint(f.a->len, ==, 0);
	g_assert_cmpuint(f.n_ended, ==, 1);
	g_test_message("%s", f.reason);
	g_assert_nonnull(strstr(f.reason, "five.csv: the bot trades 1m candles but the file has "
					  "5m candles: cannot resample 5m candles to 1m"));
	g_assert_cmpuint(warnings->len, ==, 1);
	g_object_unref(f.feed);
	fixture_clear(&f);
}

static void
test_thread_default_context(void)
{
	/* start() attaches to the thread-default context, not the global one */
	g_autofree char *path = write_candles("ctx.csv", 10, 0);
	g_autoptr(CwReplayFeed) feed = cw_replay_feed_new(path, 0);
	g_autoptr(GMainContext) context = g_main_context_new();
	g_autoptr(GError) error = NULL;
	Fixture f;

	fixture_init(&f);
	f.feed = CW_MARKET_FEED(feed);
	cw_market_feed_add_sink(f.feed, sink_a, &f);
	g_main_context_push_thread_default(context);
	g_assert_true(cw_market_feed_start(f.feed, &error));
	g_main_context_pop_thread_default(context);
	drain_context(); /* the global default context: nothing happens */
	g_assert_cmpuint(f.a->len, ==, 0);
	for (int i = 0; i < 100 && f.a->len < 10; i++)
		g_main_context_iteration(context, FALSE);
	assert_sequence(f.a, 0, 10);
	cw_market_feed_stop(f.feed);
	fixture_clear(&f);
}

static GLogWriterOutput
log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
	const char *domain = NULL;
	const char *message = NULL;

	for (gsize i = 0; i < n_fields; i++) {
		if (g_strcmp0(fields[i].key, "GLIB_DOMAIN") == 0)
			domain = fields[i].value;
		else if (g_strcmp0(fields[i].key, "MESSAGE") == 0)
			message = fields[i].value;
	}
	if ((level & G_LOG_LEVEL_WARNING) && g_strcmp0(domain, "cw-streaming") == 0) {
		g_ptr_array_add(warnings, g_strdup(message));
		return G_LOG_WRITER_HANDLED;
	}
	return g_log_writer_default(level, fields, n_fields, user_data);
}

static void
remove_tmp_dir(void)
{
	g_autoptr(GDir) dir = g_dir_open(tmp_dir, 0, NULL);
	const char *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *path = g_build_filename(tmp_dir, name, NULL);

		g_unlink(path);
	}
	g_rmdir(tmp_dir);
	g_free(tmp_dir);
}

/* Candles of interval_s seconds from FIRST_OPEN_SECONDS. */
static char *
write_interval_candles(const char *name, guint n, guint interval_s)
{
	GString *csv = g_string_new("time,open,high,low,close,volume\n");
	char *path = g_build_filename(tmp_dir, name, NULL);
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < n; i++)
		g_string_append_printf(csv, "%u,100,101,99,100,1\n",
				       FIRST_OPEN_SECONDS + interval_s * i);
	g_file_set_contents(path, csv->str, -1, &error);
	g_assert_no_error(error);
	g_string_free(csv, TRUE);
	return path;
}

typedef struct {
	GArray *seen; /* of gint64: close time * 2 + feed (0 or 1) */
	guint n_ended;
	GMainLoop *loop;
} MergeRun;

static void
merge_sink(const CwCandle *candle, gpointer user_data)
{
	MergeRun *m = *(MergeRun **) user_data;
	gint64 which = GPOINTER_TO_INT(((gpointer *) user_data)[1]);
	gint64 v = (candle->open_time + candle->interval_ms) * 2 + which;

	g_array_append_val(m->seen, v);
}

static void
merge_ended(CwMarketFeed *feed, const char *reason, gpointer user_data)
{
	MergeRun *m = user_data;

	if (++m->n_ended == 2)
		g_main_loop_quit(m->loop);
}

/* Two feeds on one context, 1m and 5m candles over the same hours, 1000
 * candles each (more than a batch): every candle goes out in close-time
 * order across both, and at equal close times the feed with the smaller key
 * goes first. Speed 0 and a paced run give the same sequence. */
static void
test_merge_close_time(void)
{
	g_autofree char *p1 = write_interval_candles("merge-1m.csv", 1000, 60);
	g_autofree char *p5 = write_interval_candles("merge-5m.csv", 1000, 300);
	g_autoptr(GArray) first = NULL;

	for (guint run = 0; run < 2; run++) {
		g_autoptr(CwReplayFeed) f1 = cw_replay_feed_new(p1, run == 0 ? 0 : 3e6);
		g_autoptr(CwReplayFeed) f5 = cw_replay_feed_new(p5, 0);
		g_autoptr(GError) error = NULL;
		MergeRun m = {g_array_new(FALSE, FALSE, sizeof(gint64)), 0,
			      g_main_loop_new(NULL, FALSE)};
		gpointer d1[2] = {&m, GINT_TO_POINTER(0)};
		gpointer d5[2] = {&m, GINT_TO_POINTER(1)};
		gboolean key1_first;
		guint ties = 0;
		guint timeout;
		Fixture f = {0};

		cw_market_feed_add_sink(CW_MARKET_FEED(f1), merge_sink, d1);
		cw_market_feed_add_sink(CW_MARKET_FEED(f5), merge_sink, d5);
		g_signal_connect(f1, "ended", G_CALLBACK(merge_ended), &m);
		g_signal_connect(f5, "ended", G_CALLBACK(merge_ended), &m);
		key1_first = strcmp(cw_market_feed_get_key(CW_MARKET_FEED(f1)),
				    cw_market_feed_get_key(CW_MARKET_FEED(f5))) < 0;
		/* the 5m feed starts first: start order must not matter */
		g_assert_true(cw_market_feed_start(CW_MARKET_FEED(f5), &error));
		g_assert_true(cw_market_feed_start(CW_MARKET_FEED(f1), &error));
		g_assert_no_error(error);
		f.loop = m.loop;
		timeout = g_timeout_add_seconds(20, on_timeout, &f);
		g_main_loop_run(m.loop);
		g_assert_false(f.timed_out);
		g_source_remove(timeout);
		g_assert_cmpuint(m.seen->len, ==, 2000);
		for (guint i = 1; i < m.seen->len; i++) {
			gint64 prev = g_array_index(m.seen, gint64, i - 1);
			gint64 cur = g_array_index(m.seen, gint64, i);

			g_assert_cmpint(prev / 2, <=, cur / 2);
			if (prev / 2 == cur / 2) {
				/* 1m (feed 0) and 5m (feed 1) close together */
				g_assert_cmpint(prev % 2, ==, key1_first ? 0 : 1);
				ties++;
			}
		}
		g_assert_cmpuint(ties, >, 100);
		if (first == NULL) {
			first = g_array_ref(m.seen);
		} else {
			g_assert_cmpuint(first->len, ==, m.seen->len);
			g_assert_cmpint(
			    memcmp(first->data, m.seen->data, m.seen->len * sizeof(gint64)), ==, 0);
		}
		g_array_unref(m.seen);
		g_main_loop_unref(m.loop);
	}
}

int
main(int argc, char **argv)
{
	int ret;

	g_log_set_writer_func(log_writer, NULL, NULL);
	g_test_init(&argc, &argv, NULL);
	warnings = g_ptr_array_new_with_free_func(g_free);
	tmp_dir = g_dir_make_tmp("cw-replay-feed-XXXXXX", NULL);
	g_assert_nonnull(tmp_dir);

	g_test_add_func("/streaming/replay/speed0-two-sinks", test_speed0_two_sinks);
	g_test_add_func("/streaming/replay/speed0-backlog", test_speed0_backlog);
	g_test_add_func("/streaming/replay/cursor", test_cursor);
	g_test_add_func("/streaming/replay/states", test_states);
	g_test_add_func("/streaming/replay/remove-sink-during-dispatch",
			test_remove_sink_during_dispatch);
	g_test_add_func("/streaming/replay/stop-and-resume", test_stop_and_resume);
	g_test_add_func("/streaming/replay/read-error-ends", test_read_error_ends);
	g_test_add_func("/streaming/replay/start-errors", test_start_errors);
	g_test_add_func("/streaming/replay/speed-paced", test_speed_paced);
	g_test_add_func("/streaming/replay/speed-paced-gap", test_speed_paced_gap);
	g_test_add_func("/streaming/replay/configure", test_configure);
	g_test_add_func("/streaming/replay/configured-run", test_configured_run);
	g_test_add_func("/streaming/replay/resampled-run", test_resampled_run);
	g_test_add_func("/streaming/replay/resample-refused", test_resample_refused);
	g_test_add_func("/streaming/replay/thread-default-context", test_thread_default_context);
	g_test_add_func("/streaming/replay/merge-close-time", test_merge_close_time);
	ret = g_test_run();
	remove_tmp_dir();
	g_ptr_array_unref(warnings);
	return ret;
}
