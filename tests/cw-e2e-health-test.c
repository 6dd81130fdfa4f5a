/* End to end: the real `candlewick serve` with its HTTP server on
 * 127.0.0.1, scraped with a libsoup client. */
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cw-test-utils.h"

typedef struct {
	char *dir;
	char *db;
	char *port_file;
	GSubprocess *proc;
	guint port;
	SoupSession *session;
} Fixture;

static void
fixture_add_bot_feed(Fixture *fx, const char *name, double speed, const char *feed_type)
{
	g_autofree char *example = cw_test_example("ema-trend.json");
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *cfg = cw_test_load_json(parser, example);
	g_autoptr(JsonObject) feed = json_object_new();
	g_autofree char *csv = g_build_filename(g_getenv("CW_SHARED_DATA"), "btcusdt-5m.csv", NULL);
	g_autoptr(JsonGenerator) gen = json_generator_new();
	JsonNode *root = json_node_new(JSON_NODE_OBJECT);
	g_autofree char *path = g_strdup_printf("%s/%s.json", fx->dir, name);
	g_autofree char *mod = g_strconcat("CW_MODULE_DIR=", g_getenv("CW_TEST_MODULE_DIR"), NULL);
	const char *env[] = {mod, NULL};

	json_object_set_string_member(cfg, "name", name);
	json_object_set_string_member(feed, "type", feed_type);
	if (g_str_equal(feed_type, "replay")) {
		json_object_set_string_member(feed, "path", csv);
		json_object_set_double_member(feed, "speed", speed);
	}
	json_object_set_object_member(cfg, "feed", json_object_ref(feed));
	json_node_set_object(root, cfg);
	json_generator_set_root(gen, root);
	g_assert_true(json_generator_to_file(gen, path, NULL));
	json_node_unref(root);
	/* bots add checks the feed through its own configure: a feed of a test
	 * module needs the module loaded there too */
	g_assert_cmpint(
	    cw_test_run_env(env, NULL, NULL, "bots", "add", "--db", fx->db, "--config", path, NULL),
	    ==, 0);
}

static void
fixture_add_bot(Fixture *fx, const char *name, double speed)
{
	fixture_add_bot_feed(fx, name, speed, "replay");
}

/* A bot on the "counting" venue of tests/modules (a broker that is not
 * simulated on candles), replaying the shared data at speed. */
static void
fixture_add_counting_bot(Fixture *fx, const char *name, double speed)
{
	g_autofree char *csv = g_build_filename(g_getenv("CW_SHARED_DATA"), "btcusdt-5m.csv", NULL);
	g_autofree char *book = g_strdup_printf("%s/%s.book", fx->dir, name);
	g_autofree char *log = g_strdup_printf("%s/%s.log", fx->dir, name);
	g_autofree char *path = g_strdup_printf("%s/%s.json", fx->dir, name);
	g_autofree char *mod = g_strconcat("CW_MODULE_DIR=", g_getenv("CW_TEST_MODULE_DIR"), NULL);
	const char *env[] = {mod, NULL};
	g_autofree char *json = g_strdup_printf(
	    "{\"name\":\"%s\",\"symbol\":\"BTCUSDT\",\"interval\":\"5m\","
	    "\"feed\":{\"type\":\"replay\",\"path\":\"%s\",\"speed\":%g},"
	    "\"broker\":{\"type\":\"counting\",\"book\":\"%s\",\"log\":\"%s\"},"
	    "\"strategy\":{\"analyzers\":[{\"type\":\"ema_cross\",\"weight\":0.6},"
	    "{\"type\":\"rsi\",\"weight\":0.4}],\"aggregation\":{\"min_score\":0.3},"
	    "\"exit\":{\"stop_loss\":{\"type\":\"percent\",\"value\":1.5},"
	    "\"take_profits\":[{\"percent\":1.5,\"close\":0.5},{\"percent\":3}]}}}",
	    name, csv, speed, book, log);

	g_assert_true(g_file_set_contents(path, json, -1, NULL));
	g_assert_cmpint(
	    cw_test_run_env(env, NULL, NULL, "bots", "add", "--db", fx->db, "--config", path, NULL),
	    ==, 0);
}

static void
fixture_start(Fixture *fx, const char *service_json, const char *const *env)
{
	g_autofree char *cfg = g_build_filename(fx->dir, "service.json", NULL);
	const char *args[] = {"serve",       "--db",
			      fx->db,        "--http",
			      "127.0.0.1:0", "--http-port-file",
			      fx->port_file, "--service-config",
			      cfg,           NULL};
	CwTestDeadline d = cw_test_deadline(10000);

	g_assert_true(g_file_set_contents(cfg, service_json, -1, NULL));
	fx->proc = cw_test_spawn_envv(env, G_SUBPROCESS_FLAGS_STDERR_SILENCE, args);
	do {
		g_autofree char *text = NULL;
		if (g_file_get_contents(fx->port_file, &text, NULL, NULL) && text[0] != '\0') {
			fx->port = (guint) g_ascii_strtoull(text, NULL, 10);
			break;
		}
	} while (cw_test_deadline_wait(&d, 50));
	g_assert_cmpuint(fx->port, >, 0);
	fx->session = soup_session_new_with_options("timeout", 10, NULL);
}

static void
fixture_setup(Fixture *fx, gconstpointer data)
{
	fx->dir = cw_test_tmpdir("cw-e2e-health-XXXXXX");
	fx->db = g_build_filename(fx->dir, "bots.db", NULL);
	fx->port_file = g_build_filename(fx->dir, "port", NULL);
	fixture_add_bot(fx, "alpha", 2000);
	fixture_add_bot(fx, "beta", 2000);
}

static void
fixture_teardown(Fixture *fx, gconstpointer data)
{
	if (fx->proc != NULL) {
		gboolean ended;
		g_subprocess_send_signal(fx->proc, SIGTERM);
		ended = cw_test_subprocess_wait(fx->proc, 15000);
		if (!ended)
			g_subprocess_force_exit(fx->proc);
		/* a clean graceful stop (and, under ASan, no leak report) */
		g_assert_true(ended);
		g_assert_true(g_subprocess_get_if_exited(fx->proc));
		g_assert_cmpint(g_subprocess_get_exit_status(fx->proc), ==, 0);
		g_clear_object(&fx->proc);
	}
	g_clear_object(&fx->session);
	cw_test_rm_rf(fx->dir);
	g_free(fx->dir);
	g_free(fx->db);
	g_free(fx->port_file);
}

/* GET (or another method) path; returns the body, *status the code. */
static char *
fixture_request(Fixture *fx, const char *method, const char *path, guint *status,
		char **content_type)
{
	g_autofree char *uri = g_strdup_printf("http://127.0.0.1:%u%s", fx->port, path);
	g_autoptr(SoupMessage) msg = soup_message_new(method, uri);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) body = soup_session_send_and_read(fx->session, msg, NULL, &error);

	g_assert_no_error(error);
	*status = soup_message_get_status(msg);
	if (content_type != NULL)
		*content_type = g_strdup(soup_message_headers_get_content_type(
		    soup_message_get_response_headers(msg), NULL));
	return g_strndup(g_bytes_get_data(body, NULL), g_bytes_get_size(body));
}

/* A strict reader of the text exposition format 0.0.4: every sample
 * belongs to the family announced by the last TYPE line (histograms by
 * their _bucket/_sum/_count), names and labels are well formed, values
 * parse, a family is announced once and HELP precedes TYPE. */
static guint
check_exposition(const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GHashTable) families =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autofree char *family = NULL;
	g_autofree char *type = NULL;
	g_autoptr(GRegex) sample = g_regex_new(
	    "^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\.)*\""
	    "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\.)*\")*)\\})? "
	    "(-?[0-9.eE+-]+|NaN|\\+Inf|-Inf)$",
	    0, 0, NULL);
	guint n = 0;

	g_assert_true(g_str_has_suffix(text, "\n"));
	for (guint i = 0; lines[i] != NULL && lines[i + 1] != NULL; i++) {
		const char *l = lines[i];
		g_autoptr(GMatchInfo) m = NULL;
		g_autofree char *name = NULL;
		if (g_str_has_prefix(l, "# HELP ")) {
			g_auto(GStrv) f = g_strsplit(l + 7, " ", 2);
			g_assert_nonnull(f[1]);
			g_assert_true(g_str_has_prefix(lines[i + 1], "# TYPE "));
			continue;
		}
		if (g_str_has_prefix(l, "# TYPE ")) {
			g_auto(GStrv) f = g_strsplit(l + 7, " ", -1);
			g_assert_cmpuint(g_strv_length(f), ==, 2);
			g_assert_true(g_strv_contains(
			    (const char *const[]){"counter", "gauge", "histogram", NULL}, f[1]));
			g_assert_false(g_hash_table_contains(families, f[0]));
			g_hash_table_add(families, g_strdup(f[0]));
			g_free(family);
			g_free(type);
			family = g_strdup(f[0]);
			type = g_strdup(f[1]);
			if (g_str_equal(type, "counter"))
				g_assert_true(g_str_has_suffix(family, "_total"));
			continue;
		}
		g_assert_false(l[0] == '#');
		g_assert_true(g_regex_match(sample, l, 0, &m));
		name = g_match_info_fetch(m, 1);
		g_assert_nonnull(family);
		if (g_str_equal(type, "histogram"))
			g_assert_true(g_str_equal(name, family) == FALSE &&
				      g_str_has_prefix(name, family));
		else
			g_assert_cmpstr(name, ==, family);
		n++;
	}
	return n;
}

static double sample_value(const char *body, const char *prefix);
static char *wait_sample(Fixture *fx, const char *prefix, double min, CwTestDeadline *d);

/* `promtool check metrics` finds nothing in body; FALSE when promtool is
 * not installed. */
static gboolean
promtool_check(const char *body)
{
	g_autofree char *promtool = g_find_program_in_path("promtool");
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL;

	if (promtool == NULL)
		return FALSE;
	p = g_subprocess_new(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
				 G_SUBPROCESS_FLAGS_STDERR_MERGE,
			     &error, promtool, "check", "metrics", NULL);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_communicate_utf8(p, body, NULL, &out, NULL, &error));
	g_assert_no_error(error);
	g_test_message("promtool: %s", out);
	g_assert_cmpstr(out, ==, "");
	g_assert_true(g_subprocess_get_successful(p));
	return TRUE;
}

static double sample_value(const char *body, const char *prefix);

/* GET /metrics without libsoup's content decoder: accept is the
 * Accept-Encoding sent (NULL: none); *encoding the Content-Encoding
 * answered (NULL: none). The body as it came over the wire. */
static GBytes *
fixture_scrape_raw(Fixture *fx, const char *accept, char **encoding)
{
	g_autoptr(SoupSession) session = soup_session_new_with_options("timeout", 10, NULL);
	g_autofree char *uri = g_strdup_printf("http://127.0.0.1:%u/metrics", fx->port);
	g_autoptr(SoupMessage) msg = soup_message_new("GET", uri);
	g_autoptr(GError) error = NULL;
	GBytes *body;
	SoupMessageHeaders *in;

	soup_session_remove_feature_by_type(session, SOUP_TYPE_CONTENT_DECODER);
	if (accept != NULL)
		soup_message_headers_replace(soup_message_get_request_headers(msg),
					     "Accept-Encoding", accept);
	else
		soup_message_headers_remove(soup_message_get_request_headers(msg),
					    "Accept-Encoding");
	body = soup_session_send_and_read(session, msg, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(soup_message_get_status(msg), ==, 200);
	in = soup_message_get_response_headers(msg);
	*encoding = g_strdup(soup_message_headers_get_one(in, "Content-Encoding"));
	g_assert_cmpstr(soup_message_headers_get_one(in, "Vary"), ==, "Accept-Encoding");
	return body;
}

/* gz inflated (gzip format), NUL-terminated. */
static char *
gunzip(GBytes *gz)
{
	g_autoptr(GZlibDecompressor) z = g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP);
	g_autoptr(GInputStream) mem = g_memory_input_stream_new_from_bytes(gz);
	g_autoptr(GInputStream) in = g_converter_input_stream_new(mem, G_CONVERTER(z));
	g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable();
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) plain = NULL;

	g_assert_cmpint(g_output_stream_splice(out, in,
					       G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
						   G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
					       NULL, &error),
			>=, 0);
	g_assert_no_error(error);
	plain = g_memory_output_stream_steal_as_bytes(G_MEMORY_OUTPUT_STREAM(out));
	return g_strndup(g_bytes_get_data(plain, NULL), g_bytes_get_size(plain));
}

/* The body with each sample's value cut off: its comments and series
 * (name and labels), in order. Two scrapes a moment apart agree on it. */
static char *
series_of(const char *body)
{
	g_auto(GStrv) lines = g_strsplit(body, "\n", -1);
	GString *out = g_string_new(NULL);

	for (guint i = 0; lines[i] != NULL; i++) {
		const char *sp = lines[i][0] == '#' ? NULL : strrchr(lines[i], ' ');
		if (lines[i][0] == '\0')
			continue;
		g_string_append_len(out, lines[i],
				    sp != NULL ? (gssize) (sp - lines[i]) : (gssize) -1);
		g_string_append_c(out, '\n');
	}
	return g_string_free(out, FALSE);
}

/* Counts lines of body that start with prefix. */
static guint
count_lines(const char *body, const char *prefix)
{
	g_autofree char *needle = g_strconcat("\n", prefix, NULL);
	guint n = 0;

	for (const char *p = body; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* The series of one bot in a body, by kind. */
typedef struct {
	guint all;    /* sample lines labelled bot=NAME */
	guint guards; /* candlewick_bot_guard_rejections_total */
	guint orders; /* candlewick_bot_orders_total */
	guint fills;  /* candlewick_bot_fills_total */
	guint zeros;  /* of the three labelled counters above, samples of 0 */
} BotSeries;

/* The series of body labelled bot=NAME, each of which must carry the
 * bot's strategy right after it (issue 12: labels bot and strategy). */
static BotSeries
bot_series(const char *body, const char *bot, const char *strategy)
{
	g_autofree char *label = g_strdup_printf("{bot=\"%s\"", bot);
	g_autofree char *both = g_strdup_printf("{bot=\"%s\",strategy=\"%s\"", bot, strategy);
	g_auto(GStrv) lines = g_strsplit(body, "\n", -1);
	BotSeries s = {0};

	for (guint i = 0; lines[i] != NULL; i++) {
		const char *l = strstr(lines[i], label);
		gboolean labelled;
		if (lines[i][0] == '#' || l == NULL ||
		    (l[strlen(label)] != '}' && l[strlen(label)] != ','))
			continue;
		g_assert_true(g_str_has_prefix(l, both));
		s.all++;
		labelled = TRUE;
		if (g_str_has_prefix(lines[i], "candlewick_bot_guard_rejections_total{"))
			s.guards++;
		else if (g_str_has_prefix(lines[i], "candlewick_bot_orders_total{"))
			s.orders++;
		else if (g_str_has_prefix(lines[i], "candlewick_bot_fills_total{"))
			s.fills++;
		else
			labelled = FALSE;
		if (labelled && g_str_has_suffix(lines[i], "} 0"))
			s.zeros++;
	}
	return s;
}

/* The bot's fills, both sides, in a /metrics body. */
static double
fills_of(const char *body, const char *bot)
{
	g_autofree char *needle = g_strdup_printf("\ncandlewick_bot_fills_total{bot=\"%s\"", bot);
	double sum = 0;

	for (const char *p = body; (p = strstr(p, needle)) != NULL; p++) {
		const char *eol = strchr(p + 1, '\n');
		g_autofree char *line =
		    g_strndup(p + 1, eol != NULL ? (gsize) (eol - p - 1) : strlen(p + 1));
		sum += g_ascii_strtod(strrchr(line, ' ') + 1, NULL);
	}
	return sum;
}

/* /metrics in gzip when the scraper asks for it (as Prometheus does):
 * the body inflates to the plain scrape's series, promtool takes it, and
 * a scraper that refuses gzip (q=0) or names no coding gets plain text. */
static void
test_metrics_gzip(Fixture *fx, gconstpointer data)
{
	g_autofree char *enc_plain = NULL, *enc_gz = NULL, *enc_q0 = NULL;
	g_autoptr(GBytes) plain = NULL, gz = NULL, q0 = NULL;
	g_autofree char *text = NULL, *inflated = NULL, *a = NULL, *b = NULL;

	fixture_start(fx, "{}", NULL);
	g_usleep(1500000);
	plain = fixture_scrape_raw(fx, NULL, &enc_plain);
	gz = fixture_scrape_raw(fx, "gzip, deflate", &enc_gz);
	q0 = fixture_scrape_raw(fx, "gzip;q=0, identity", &enc_q0);
	g_assert_null(enc_plain);
	g_assert_cmpstr(enc_gz, ==, "gzip");
	g_assert_null(enc_q0);
	text = g_strndup(g_bytes_get_data(plain, NULL), g_bytes_get_size(plain));
	inflated = gunzip(gz);
	/* compressed at least threefold (tenfold at 1,000 bots) */
	g_assert_cmpuint(g_bytes_get_size(gz) * 3, <, strlen(inflated));
	g_assert_cmpuint(check_exposition(inflated), >, 40);
	a = series_of(text);
	b = series_of(inflated);
	g_assert_cmpstr(a, ==, b);
	g_assert_cmpuint(g_bytes_get_size(q0), >, strlen(inflated) / 2);
	if (!promtool_check(inflated))
		g_test_skip("promtool not installed (Debian package prometheus): "
			    "promtool check metrics not run");
}

static void
test_metrics(Fixture *fx, gconstpointer data)
{
	g_autofree char *ctype = NULL;
	guint status = 0;
	g_autofree char *body = NULL;
	g_autofree char *file = g_build_filename(fx->dir, "metrics.txt", NULL);
	g_autofree char *mod = g_strconcat("CW_MODULE_DIR=", g_getenv("CW_TEST_MODULE_DIR"), NULL);
	const char *env[] = {mod, NULL};

	fixture_add_counting_bot(fx, "gamma", 2000);
	fixture_start(fx, "{}", env);
	g_usleep(1500000);
	body = fixture_request(fx, "GET", "/metrics", &status, &ctype);
	g_assert_cmpuint(status, ==, 200);
	g_assert_cmpstr(ctype, ==, "text/plain");
	g_assert_cmpuint(check_exposition(body), >, 40);
	g_assert_nonnull(strstr(body, "candlewick_build_info{version=\""));
	/* the per-bot series carry the bot and its active strategy; the
	 * broker is on the info series only */
	g_assert_nonnull(
	    strstr(body, "\ncandlewick_bot_candles_total{bot=\"alpha\",strategy=\"ema-trend\"} "));
	g_assert_nonnull(
	    strstr(body, "\ncandlewick_bot_candles_total{bot=\"beta\",strategy=\"ema-trend\"} "));
	g_assert_nonnull(
	    strstr(body, "\ncandlewick_bot_candles_total{bot=\"gamma\",strategy=\"main\"} "));
	g_assert_nonnull(strstr(
	    body,
	    "\ncandlewick_bot_info{bot=\"alpha\",strategy=\"ema-trend\",broker=\"paper\"} 1\n"));
	g_assert_nonnull(strstr(
	    body,
	    "\ncandlewick_bot_info{bot=\"gamma\",strategy=\"main\",broker=\"counting\"} 1\n"));
	g_assert_null(
	    strstr(body, "candlewick_bot_equity{bot=\"alpha\",strategy=\"ema-trend\",broker="));
	g_assert_nonnull(strstr(body, "\nprocess_resident_memory_bytes "));
	g_assert_nonnull(strstr(body, "# TYPE candlewick_bot_ack_seconds histogram\n"));
	g_assert_null(strstr(body, "candlewick_bot_broker_fill_seconds"));
	/* the histograms' names since the strategy label (shorter: the body
	 * of 1,000 bots stays under 2 MB); the old names are gone */
	g_assert_nonnull(strstr(body, "# TYPE candlewick_bot_decision_seconds histogram\n"));
	g_assert_null(strstr(body, "candlewick_bot_decision_latency_seconds"));
	g_assert_null(strstr(body, "candlewick_bot_broker_ack_seconds"));
	/* each bot's own memory: at least its orchestrator and runtime */
	g_assert_nonnull(strstr(body, "# TYPE candlewick_bot_memory_bytes gauge\n"));
	g_assert_cmpfloat(sample_value(body, "candlewick_bot_memory_bytes{bot=\"alpha\""), >, 4096);
	g_assert_cmpfloat(sample_value(body, "candlewick_bot_memory_bytes{bot=\"beta\""), >, 4096);
	/* a venue's round trips, from the bot's execution reports, once its
	 * first entry filled; the paper bots (simulated on candles) trade but
	 * report none: their wall-clock round trips measure no venue */
	{
		CwTestDeadline d = cw_test_deadline(60000);

		g_free(body);
		body = wait_sample(fx, "candlewick_bot_ack_seconds_count{bot=\"gamma\"", 1, &d);
		do {
			guint st = 0;
			g_free(body);
			body = fixture_request(fx, "GET", "/metrics", &st, NULL);
			if (fills_of(body, "alpha") >= 2)
				break;
		} while (cw_test_deadline_wait(&d, 100));
		g_assert_cmpfloat(fills_of(body, "alpha"), >=, 2);
		g_assert_cmpuint(check_exposition(body), >, 40);
		g_assert_cmpuint(
		    count_lines(body, "candlewick_bot_ack_seconds_bucket{bot=\"gamma\""), ==, 4);
		g_assert_cmpuint(
		    count_lines(body, "candlewick_bot_ack_seconds_bucket{bot=\"alpha\""), ==, 0);
		g_assert_cmpuint(count_lines(body, "candlewick_bot_ack_seconds_count{bot=\"beta\""),
				 ==, 0);
		g_assert_null(strstr(body, "candlewick_bot_broker_fill_seconds"));
		/* the documented bounds (docs/operations.md, "Metrics"): a venue
		 * bot that traded has 25 series besides its labelled counters, a
		 * paper bot 19; orders by result (3 at most), fills by side (2)
		 * and guard rejections (17) only once non-zero. Both traded: a
		 * submitted order and a fill each. */
		{
			BotSeries g = bot_series(body, "gamma", "main");
			BotSeries a = bot_series(body, "alpha", "ema-trend");

			g_assert_cmpuint(g.all - g.guards - g.orders - g.fills, ==, 25);
			g_assert_cmpuint(a.all - a.guards - a.orders - a.fills, ==, 19);
			for (guint i = 0; i < 2; i++) {
				const BotSeries *b = i == 0 ? &g : &a;
				g_assert_cmpuint(b->zeros, ==, 0);
				g_assert_cmpuint(b->orders, >=, 1);
				g_assert_cmpuint(b->orders, <=, 3);
				g_assert_cmpuint(b->fills, >=, 1);
				g_assert_cmpuint(b->fills, <=, 2);
				g_assert_cmpuint(b->guards, <=, 17);
			}
			g_assert_nonnull(strstr(body,
						"\ncandlewick_bot_orders_total{bot=\"alpha\","
						"strategy=\"ema-trend\",result=\"submitted\"} "));
		}
	}
	if (!promtool_check(body))
		g_test_skip("promtool not installed (Debian package prometheus): "
			    "promtool check metrics not run");
}

static void
test_bad_requests(Fixture *fx, gconstpointer data)
{
	guint status = 0;
	g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL;

	fixture_start(fx, "{}", NULL);
	a = fixture_request(fx, "GET", "/nope", &status, NULL);
	g_assert_cmpuint(status, ==, 404);
	b = fixture_request(fx, "POST", "/metrics", &status, NULL);
	g_assert_cmpuint(status, ==, 405);
	c = fixture_request(fx, "DELETE", "/readyz", &status, NULL);
	g_assert_cmpuint(status, ==, 405);
	d = fixture_request(fx, "GET", "/readyz?verbose", &status, NULL);
	g_assert_cmpuint(status, ==, 200);
	g_assert_nonnull(strstr(d, "\"name\":\"database\""));
	g_assert_nonnull(strstr(d, "\"name\":\"feed:alpha\""));
	/* the CLI's verdict agrees: both bots run with fresh heartbeats */
	{
		g_autofree char *out = NULL;
		g_assert_cmpint(cw_test_run(&out, NULL, "health", "--db", fx->db, NULL), ==, 0);
		g_assert_nonnull(strstr(out, "\"status\" : \"ok\""));
	}
}

static void
test_watchdog(Fixture *fx, gconstpointer data)
{
	const char *env[] = {"CW_TEST_BLOCK_MAIN_LOOP_MS=2000", NULL};
	guint status = 0;
	g_autofree char *before = NULL, *after = NULL, *metrics = NULL;
	CwTestDeadline d = cw_test_deadline(20000);

	fixture_start(fx, "{\"health\": {\"watchdog_block_s\": 1, \"watchdog_recovery_s\": 5}}",
		      env);
	before = fixture_request(fx, "GET", "/livez", &status, NULL);
	g_assert_cmpuint(status, ==, 200);
	g_subprocess_send_signal(fx->proc, SIGUSR1);
	g_usleep(2500000);
	after = fixture_request(fx, "GET", "/livez", &status, NULL);
	g_assert_cmpuint(status, ==, 503);
	g_assert_nonnull(strstr(after, "blocked for 2."));
	metrics = fixture_request(fx, "GET", "/metrics", &status, NULL);
	g_assert_nonnull(strstr(metrics, "\ncandlewick_main_loop_blocks_total 1\n"));
	do {
		if (cw_test_db_int(fx->db,
				   "SELECT count(*) FROM events WHERE type = 'MAIN_LOOP_BLOCKED'",
				   0) == 1)
			break;
	} while (cw_test_deadline_wait(&d, 100));
	g_assert_cmpint(
	    cw_test_db_int(fx->db, "SELECT count(*) FROM events WHERE type = 'MAIN_LOOP_BLOCKED'",
			   0),
	    ==, 1);
}

/* WATCHDOG=1 stops while the loop is unhealthy: during a block and for
 * health.watchdog_recovery_s after it, then resumes. */
static void
test_watchdog_gates_sd_notify(Fixture *fx, gconstpointer data)
{
	g_autofree char *path = g_build_filename(fx->dir, "notify.sock", NULL);
	g_autofree char *env_socket = g_strdup_printf("NOTIFY_SOCKET=%s", path);
	const char *env[] = {env_socket, "WATCHDOG_USEC=200000", "WATCHDOG_PID",
			     "CW_TEST_BLOCK_MAIN_LOOP_MS=1500", NULL};
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	gint64 last = 0, gap = 0, blocked_at = 0;
	guint before = 0, after = 0;
	CwTestDeadline d;
	int fd;

	g_assert_cmpuint(strlen(path), <, sizeof addr.sun_path);
	g_strlcpy(addr.sun_path, path, sizeof addr.sun_path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(bind(fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
	fixture_start(fx, "{\"health\": {\"watchdog_block_s\": 0.5, \"watchdog_recovery_s\": 2}}",
		      env);
	d = cw_test_deadline(9000);
	do {
		char buf[256];
		ssize_t n;
		while ((n = recv(fd, buf, sizeof buf - 1, 0)) > 0) {
			gint64 now = g_get_monotonic_time();
			buf[n] = '\0';
			if (strcmp(buf, "WATCHDOG=1") != 0)
				continue;
			if (blocked_at == 0)
				before++;
			else if (last > 0 && now - last > gap)
				gap = now - last;
			if (blocked_at != 0 && now - blocked_at > 5 * G_USEC_PER_SEC)
				after++;
			last = now;
		}
		if (blocked_at == 0 && before >= 5) {
			g_subprocess_send_signal(fx->proc, SIGUSR1);
			blocked_at = g_get_monotonic_time();
		}
	} while (cw_test_deadline_wait(&d, 20));
	close(fd);
	g_assert_cmpuint(before, >=, 5);
	/* 1.5 s blocked + 2 s unhealthy; without the gate the gap is 1.5 s */
	g_assert_cmpint(gap, >, 3 * G_USEC_PER_SEC);
	g_assert_cmpuint(after, >, 3);
}

static void
test_rss_warning(Fixture *fx, gconstpointer data)
{
	CwTestDeadline d = cw_test_deadline(20000);
	g_autofree char *check = NULL;

	fixture_start(fx, "{\"health\": {\"rss_max_bytes\": 1000, \"sample_interval_s\": 0.2}}",
		      NULL);
	do {
		if (cw_test_db_int(
			fx->db, "SELECT count(*) FROM events WHERE type = 'HEALTH_WARNING'", 0) > 0)
			break;
	} while (cw_test_deadline_wait(&d, 100));
	g_usleep(1000000);
	/* once, not at every sample */
	g_assert_cmpint(
	    cw_test_db_int(fx->db, "SELECT count(*) FROM events WHERE type = 'HEALTH_WARNING'", 0),
	    ==, 1);
	check = cw_test_db_text(fx->db, "SELECT json_extract(payload, '$.check') FROM events "
					"WHERE type = 'HEALTH_WARNING'");
	g_assert_cmpstr(check, ==, "rss");
}

/* Sends raw bytes on a new connection; returns what came back (maybe ""). */
static char *
raw_request(Fixture *fx, const char *data, gsize len, GSocketConnection **keep)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnection) conn = NULL;
	g_autoptr(GError) error = NULL;
	char buf[256] = {0};
	gssize n;

	g_socket_client_set_timeout(client, 5);
	conn =
	    g_socket_client_connect_to_host(client, "127.0.0.1", (guint16) fx->port, NULL, &error);
	g_assert_no_error(error);
	/* the server may close early on an oversized request: not an error here */
	g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)), data, len, NULL,
				  NULL, NULL);
	if (keep != NULL) {
		*keep = g_steal_pointer(&conn);
		return NULL;
	}
	n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(conn)), buf,
				sizeof buf - 1, NULL, NULL);
	return g_strndup(buf, n > 0 ? (gsize) n : 0);
}

static void
test_hostile_requests(Fixture *fx, gconstpointer data)
{
	g_autoptr(GString) big = g_string_new("GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: ");
	g_autoptr(GSocketConnection) slow = NULL;
	g_autofree char *a = NULL, *b = NULL, *c = NULL;
	guint status = 0;
	gint64 t0;

	fixture_start(fx, "{}", NULL);
	for (guint i = 0; i < 200000; i++)
		g_string_append_c(big, 'a');
	g_string_append(big, "\r\n\r\n");
	/* oversized headers: libsoup drops the connection, answers nothing */
	a = raw_request(fx, big->str, big->len, NULL);
	g_assert_false(g_str_has_prefix(a, "HTTP/1.1 2"));
	g_assert_false(g_str_has_prefix(a, "HTTP/1.1 5"));
	b = raw_request(fx, "GARBAGE\r\n\r\n", 11, NULL);
	g_assert_true(g_str_has_prefix(b, "HTTP/1.0 400") || g_str_has_prefix(b, "HTTP/1.1 400"));
	/* a client that sends half a request holds nothing up */
	raw_request(fx, "GET /livez HTTP/1.1\r\n", 21, &slow);
	t0 = g_get_monotonic_time();
	c = fixture_request(fx, "GET", "/livez", &status, NULL);
	g_assert_cmpuint(status, ==, 200);
	g_assert_cmpint(g_get_monotonic_time() - t0, <, 2 * G_USEC_PER_SEC);
}

#define STALL_CONFIG                                                                               \
	"{\"health\": {\"stall_timeout_s\": 0.5, \"check_interval_s\": 0.1, "                      \
	"\"restart_backoff_initial_s\": 0.1, \"restart_backoff_max_s\": 0.2}}"

static char *
bot_status(Fixture *fx, const char *name)
{
	g_autofree char *sql =
	    g_strdup_printf("SELECT status FROM trading_bots WHERE name = '%s'", name);

	return cw_test_db_text(fx->db, sql);
}

/* Waits for the bot's status `error`; returns its last_error. */
static char *
wait_for_error(Fixture *fx, const char *name, const CwTestDeadline *d)
{
	g_autofree char *sql =
	    g_strdup_printf("SELECT last_error FROM trading_bots WHERE name = '%s'", name);

	do {
		g_autofree char *st = bot_status(fx, name);
		if (g_strcmp0(st, "error") == 0)
			break;
	} while (cw_test_deadline_wait(d, 100));
	return cw_test_db_text(fx->db, sql);
}

static void
test_stall_restart_cap(Fixture *fx, gconstpointer data)
{
	g_autofree char *mod = g_strconcat("CW_MODULE_DIR=", g_getenv("CW_TEST_MODULE_DIR"), NULL);
	const char *env[] = {mod, NULL};
	CwTestDeadline d = cw_test_deadline(60000);
	g_autofree char *err = NULL, *state = NULL, *alpha = NULL, *beta = NULL;
	gint64 stalls, restarted, beta_status_events;
	g_auto(GStrv) parts = NULL;

	fixture_add_bot_feed(fx, "stuck", 0, "stall");
	fixture_start(fx, STALL_CONFIG, env);
	err = wait_for_error(fx, "stuck", &d);
	g_assert_nonnull(err);
	g_assert_true(g_str_has_prefix(err, "restart limit reached: 5 restarts in 10 min (last: "
					    "no candle for "));
	/* one STALLED per restart plus the one that hit the limit (the journal
	 * is flushed a moment after the status) */
	do {
		stalls =
		    cw_test_db_int(fx->db,
				   "SELECT count(*) FROM events e JOIN trading_bots b ON b.id = "
				   "e.bot_id WHERE b.name = 'stuck' AND e.type = 'STALLED'",
				   0);
	} while (stalls < 6 && cw_test_deadline_wait(&d, 100));
	g_assert_cmpint(stalls, ==, 6);
	/* each of the five restarts is journalled, for the notifiers */
	do {
		restarted = cw_test_db_int(fx->db,
					   "SELECT count(*) FROM events e JOIN trading_bots b ON "
					   "b.id = e.bot_id WHERE b.name = 'stuck' AND "
					   "e.type = 'BOT_RESTARTED'",
					   0);
	} while (restarted < 5 && cw_test_deadline_wait(&d, 100));
	g_assert_cmpint(restarted, ==, 5);
	state = cw_test_db_text(fx->db, "SELECT value FROM bot_state s JOIN trading_bots b ON "
					"b.id = s.bot_id WHERE b.name = 'stuck' AND "
					"s.key = 'health_restarts'");
	g_assert_nonnull(state);
	parts = g_strsplit(state, ",", -1);
	g_assert_cmpuint(g_strv_length(parts), ==, 5);
	/* the neighbours ran on: still running, never restarted */
	alpha = bot_status(fx, "alpha");
	beta = bot_status(fx, "beta");
	g_assert_cmpstr(alpha, ==, "running");
	g_assert_cmpstr(beta, ==, "running");
	beta_status_events = cw_test_db_int(
	    fx->db,
	    "SELECT count(*) FROM events e JOIN trading_bots b ON b.id = e.bot_id WHERE "
	    "b.name = 'beta' AND e.type IN ('STALLED', 'BOT_STATUS')",
	    0);
	g_assert_cmpint(beta_status_events, ==, 2); /* starting, running */
	{
		g_autofree char *out = NULL;
		g_assert_cmpint(cw_test_run(&out, NULL, "health", "--db", fx->db, NULL), ==, 1);
		g_assert_nonnull(strstr(out, "bot:stuck"));
		g_assert_nonnull(strstr(out, "restart limit reached"));
		g_assert_null(strstr(out, "bot:alpha"));
	}
	/* `bots enable` clears the count and starts the bot again */
	g_assert_cmpint(cw_test_run(NULL, NULL, "bots", "enable", "--db", fx->db, "stuck", NULL),
			==, 0);
	g_clear_pointer(&state, g_free);
	state = cw_test_db_text(fx->db, "SELECT value FROM bot_state s JOIN trading_bots b ON "
					"b.id = s.bot_id WHERE b.name = 'stuck' AND "
					"s.key = 'health_restarts'");
	g_assert_null(state);
	d = cw_test_deadline(20000);
	do {
		g_autofree char *st = bot_status(fx, "stuck");
		if (g_strcmp0(st, "running") == 0)
			break;
	} while (cw_test_deadline_wait(&d, 50));
	g_clear_pointer(&err, g_free);
	err = bot_status(fx, "stuck");
	g_assert_cmpstr(err, ==, "running");
}

/* A restart count that cannot be read is the limit reached (fail closed). */
static void
test_stall_unreadable_count(Fixture *fx, gconstpointer data)
{
	g_autofree char *mod = g_strconcat("CW_MODULE_DIR=", g_getenv("CW_TEST_MODULE_DIR"), NULL);
	const char *env[] = {mod, NULL};
	CwTestDeadline d = cw_test_deadline(30000);
	g_autofree char *err = NULL;

	fixture_add_bot_feed(fx, "stuck", 0, "stall");
	cw_test_db_exec(fx->db, "INSERT INTO bot_state (bot_id, key, value, updated_at) SELECT id, "
				"'health_restarts', '12,banana', 0 FROM trading_bots WHERE "
				"name = 'stuck'");
	fixture_start(fx, STALL_CONFIG, env);
	err = wait_for_error(fx, "stuck", &d);
	g_assert_nonnull(err);
	g_assert_nonnull(strstr(err, "restart count unreadable"));
	g_assert_nonnull(strstr(err, "banana"));
	/* `bots resume` clears it */
	g_assert_cmpint(cw_test_run(NULL, NULL, "bots", "resume", "--db", fx->db, "stuck", NULL),
			==, 0);
	g_assert_cmpint(
	    cw_test_db_int(fx->db, "SELECT count(*) FROM bot_state WHERE key = 'health_restarts'",
			   -1),
	    ==, 0);
}

/* An enabled bot that cannot load (its replay file is gone) is in error:
 * /readyz answers 503 and names it with its status and error, and names
 * no healthy neighbour unless asked (?verbose). */
static void
test_readyz_bot_in_error(Fixture *fx, gconstpointer data)
{
	g_autofree char *src = g_build_filename(g_getenv("CW_SHARED_DATA"), "btcusdt-5m.csv", NULL);
	g_autofree char *csv = g_build_filename(fx->dir, "gone.csv", NULL);
	g_autofree char *example = cw_test_example("ema-trend.json");
	g_autofree char *path = g_build_filename(fx->dir, "gone.json", NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *cfg = cw_test_load_json(parser, example);
	JsonObject *feed = json_object_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree char *text = NULL, *ready = NULL, *verbose = NULL;
	g_auto(GStrv) lines = NULL;
	CwTestDeadline d = cw_test_deadline(20000);
	guint status = 0;

	g_assert_true(g_file_get_contents(src, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", 12);
	g_free(lines[11]);
	lines[11] = NULL;
	g_clear_pointer(&text, g_free);
	text = g_strjoinv("\n", lines);
	g_assert_true(g_file_set_contents(csv, text, -1, NULL));
	json_object_set_string_member(cfg, "name", "gone");
	json_object_set_string_member(feed, "type", "replay");
	json_object_set_string_member(feed, "path", csv);
	json_object_set_object_member(cfg, "feed", feed);
	json_generator_set_root(gen, json_parser_get_root(parser));
	g_assert_true(json_generator_to_file(gen, path, NULL));
	g_assert_cmpint(
	    cw_test_run(NULL, NULL, "bots", "add", "--db", fx->db, "--config", path, NULL), ==, 0);
	g_assert_cmpint(g_unlink(csv), ==, 0);
	fixture_start(fx, "{}", NULL);
	do {
		g_clear_pointer(&ready, g_free);
		ready = fixture_request(fx, "GET", "/readyz", &status, NULL);
		if (strstr(ready, "\"bot:gone\"") != NULL)
			break;
	} while (cw_test_deadline_wait(&d, 100));
	g_test_message("readyz: %s", ready);
	g_assert_cmpuint(status, ==, 503);
	g_assert_nonnull(strstr(ready,
				"\"name\":\"bot:gone\",\"ok\":false,\"detail\":\"enabled but not "
				"loaded: status error: "));
	g_assert_nonnull(strstr(ready, "gone.csv"));
	g_assert_null(strstr(ready, "bot:alpha"));
	verbose = fixture_request(fx, "GET", "/readyz?verbose", &status, NULL);
	g_assert_cmpuint(status, ==, 503);
	g_assert_nonnull(strstr(verbose, "\"name\":\"bot:alpha\",\"ok\":true"));
	g_assert_nonnull(strstr(verbose, "\"name\":\"bot:beta\",\"ok\":true"));
	/* disabling the broken bot makes the service ready again */
	g_assert_cmpint(cw_test_run(NULL, NULL, "bots", "disable", "--db", fx->db, "gone", NULL),
			==, 0);
	d = cw_test_deadline(20000);
	do {
		g_clear_pointer(&ready, g_free);
		ready = fixture_request(fx, "GET", "/readyz", &status, NULL);
	} while (status != 200 && cw_test_deadline_wait(&d, 100));
	g_assert_cmpuint(status, ==, 200);
}

/* ---- live feeds: the exchange simulator ---- */

/* Starts candlewick-exchange-sim on the first rows of the shared file with
 * extra arguments; returns its port, 0 when the sim is not built. */
static guint
sim_start(Fixture *fx, GSubprocess **proc, const char *const *extra)
{
	const char *exe = g_getenv("CW_EXCHANGE_SIM");
	g_autofree char *src = g_build_filename(g_getenv("CW_SHARED_DATA"), "btcusdt-5m.csv", NULL);
	g_autofree char *csv = g_build_filename(fx->dir, "sim.csv", NULL);
	g_autofree char *port_file = g_build_filename(fx->dir, "sim.port", NULL);
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	CwTestDeadline d = cw_test_deadline(10000);

	if (exe == NULL)
		return 0;
	g_assert_true(g_file_get_contents(src, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", 1202);
	g_free(lines[1201]);
	lines[1201] = NULL;
	g_clear_pointer(&text, g_free);
	text = g_strjoinv("\n", lines);
	g_assert_true(g_file_set_contents(csv, text, -1, NULL));
	g_clear_pointer(&text, g_free);
	for (const char *const *a = (const char *const[]){exe, "--candles", csv, "--port-file",
							  port_file, "--linger", "600", NULL};
	     *a != NULL; a++)
		g_ptr_array_add(argv, (gpointer) *a);
	for (guint i = 0; extra[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer) extra[i]);
	g_ptr_array_add(argv, NULL);
	*proc = g_subprocess_newv(
	    (const char *const *) argv->pdata,
	    G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
	g_assert_no_error(error);
	do {
		guint64 port = 0;

		if (g_file_get_contents(port_file, &text, NULL, NULL) &&
		    g_ascii_string_to_unsigned(g_strstrip(text), 10, 1, 65535, &port, NULL))
			return (guint) port;
		g_clear_pointer(&text, g_free);
	} while (cw_test_deadline_wait(&d, 20));
	g_assert_not_reached();
	return 0;
}

/* ema-trend on the sim's Bybit stream. */
static void
fixture_add_live_bot(Fixture *fx, const char *name, guint port)
{
	g_autofree char *example = cw_test_example("ema-trend.json");
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *cfg = cw_test_load_json(parser, example);
	JsonObject *feed = json_object_new();
	g_autofree char *ws = g_strdup_printf("ws://127.0.0.1:%u/v5/public/linear", port);
	g_autofree char *rest = g_strdup_printf("http://127.0.0.1:%u", port);
	g_autofree char *path = g_strdup_printf("%s/%s.json", fx->dir, name);
	g_autoptr(JsonGenerator) gen = json_generator_new();

	json_object_set_string_member(cfg, "name", name);
	json_object_set_string_member(feed, "type", "bybit");
	json_object_set_string_member(feed, "category", "linear");
	json_object_set_string_member(feed, "ws_url", ws);
	json_object_set_string_member(feed, "rest_url", rest);
	json_object_set_int_member(feed, "warmup", 0);
	json_object_set_object_member(cfg, "feed", feed);
	json_generator_set_root(gen, json_parser_get_root(parser));
	g_assert_true(json_generator_to_file(gen, path, NULL));
	g_assert_cmpint(
	    cw_test_run(NULL, NULL, "bots", "add", "--db", fx->db, "--config", path, NULL), ==, 0);
}

/* The value of the first sample whose line starts with prefix; -1 none. */
static double
sample_value(const char *body, const char *prefix)
{
	g_autofree char *needle = g_strconcat("\n", prefix, NULL);
	const char *at = strstr(body, needle);
	const char *end;
	g_autofree char *line = NULL;

	if (at == NULL)
		return -1;
	end = strchr(at + 1, '\n');
	line = g_strndup(at + 1, end != NULL ? (gsize) (end - at - 1) : strlen(at + 1));
	return g_ascii_strtod(strrchr(line, ' ') + 1, NULL);
}

#define FEED_LABELS "{feed=\"bybit:linear:BTCUSDT:5m@"

/* Polls /metrics until sample prefix reaches at least min. */
static char *
wait_sample(Fixture *fx, const char *prefix, double min, CwTestDeadline *d)
{
	do {
		guint status = 0;
		g_autofree char *body = fixture_request(fx, "GET", "/metrics", &status, NULL);

		if (status == 200 && sample_value(body, prefix) >= min)
			return g_steal_pointer(&body);
	} while (cw_test_deadline_wait(d, 100));
	cw_test_fail_now("%s never reached %g", prefix, min);
	return NULL;
}

/* The per-feed series follow a live feed: frames, bad frames by kind and
 * its state; a connection the simulator drops shows in the disconnect and
 * connect counters; once the exchange is gone the bot's feed is reported
 * (readyz names it) and the bot is not judged stalled: a dead feed is a
 * feed problem. */
static void
test_live_feed_series(Fixture *fx, gconstpointer data)
{
	const char *faults[] = {"--history", "30",          "--speed",
				"20",        "--fault",     "close_after_frames=40",
				"--fault",   "bad_every=9", NULL};
	GSubprocess *sim = NULL;
	guint port = sim_start(fx, &sim, faults);
	CwTestDeadline d = cw_test_deadline(60000);
	g_autofree char *first = NULL, *dropped = NULL, *ready = NULL;
	gint64 stalls;

	if (port == 0) {
		g_test_skip("CW_EXCHANGE_SIM is not set");
		return;
	}
	fixture_add_live_bot(fx, "live", port);
	fixture_start(fx, "{\"health\": {\"stall_timeout_s\": 1, \"check_interval_s\": 0.2}}",
		      NULL);
	first = wait_sample(fx, "candlewick_feed_frames_total" FEED_LABELS, 5, &d);
	g_assert_cmpuint(check_exposition(first), >, 40);
	g_assert_nonnull(strstr(first, "candlewick_feed_state" FEED_LABELS));
	g_assert_nonnull(strstr(first, ",exchange=\"bybit\",symbol=\"BTCUSDT\",interval=\"5m\""));
	g_assert_cmpfloat(sample_value(first, "candlewick_feed_bots" FEED_LABELS), ==, 1);
	/* the replay bots' feeds keep no counters: no feed series for them */
	g_assert_null(strstr(first, "candlewick_feed_frames_total{feed=\"replay:"));
	if (!promtool_check(first))
		g_test_message("promtool not installed: promtool check metrics not run");
	/* the sim closes every connection after 40 frames: counted, reconnected */
	dropped = wait_sample(fx, "candlewick_feed_connects_total" FEED_LABELS, 2, &d);
	g_assert_cmpfloat(sample_value(dropped, "candlewick_feed_disconnects_total" FEED_LABELS),
			  >=, 1);
	g_assert_cmpfloat(sample_value(dropped, "candlewick_feed_frames_total" FEED_LABELS), >,
			  sample_value(first, "candlewick_feed_frames_total" FEED_LABELS));
	g_clear_pointer(&dropped, g_free);
	dropped = wait_sample(fx, "candlewick_feed_bad_frames_total" FEED_LABELS, 1, &d);
	g_assert_nonnull(strstr(dropped, ",kind=\""));
	g_assert_true(promtool_check(dropped) || g_find_program_in_path("promtool") == NULL);
	/* the warm-up's page ended with the forming candle, left to the stream */
	g_clear_pointer(&dropped, g_free);
	dropped = wait_sample(fx, "candlewick_feed_forming_dropped_total" FEED_LABELS, 1, &d);
	g_assert_nonnull(strstr(dropped, "# TYPE candlewick_feed_forming_dropped_total counter"));
	/* the exchange goes away: the feed is not live, readyz says so by name */
	g_subprocess_force_exit(sim);
	g_assert_true(cw_test_subprocess_wait(sim, 5000));
	g_clear_object(&sim);
	do {
		guint status = 0;

		g_clear_pointer(&ready, g_free);
		ready = fixture_request(fx, "GET", "/readyz", &status, NULL);
		if (status == 503 && strstr(ready, "\"name\":\"feed:live\"") != NULL)
			break;
	} while (cw_test_deadline_wait(&d, 100));
	g_test_message("readyz: %s", ready);
	g_assert_nonnull(strstr(ready, "\"name\":\"feed:live\",\"ok\":false"));
	g_assert_null(strstr(ready, "\"detail\":\"live\""));
	/* three stall limits with a dead feed: still no STALLED verdict */
	g_usleep(3500000);
	stalls = cw_test_db_int(fx->db,
				"SELECT count(*) FROM events e JOIN trading_bots b ON b.id = "
				"e.bot_id WHERE b.name = 'live' AND e.type = 'STALLED'",
				-1);
	g_assert_cmpint(stalls, ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/e2e/health/metrics", Fixture, NULL, fixture_setup, test_metrics,
		   fixture_teardown);
	g_test_add("/e2e/health/metrics-gzip", Fixture, NULL, fixture_setup, test_metrics_gzip,
		   fixture_teardown);
	g_test_add("/e2e/health/bad-requests", Fixture, NULL, fixture_setup, test_bad_requests,
		   fixture_teardown);
	g_test_add("/e2e/health/hostile-requests", Fixture, NULL, fixture_setup,
		   test_hostile_requests, fixture_teardown);
	g_test_add("/e2e/health/watchdog", Fixture, NULL, fixture_setup, test_watchdog,
		   fixture_teardown);
	g_test_add("/e2e/health/watchdog-gates-sd-notify", Fixture, NULL, fixture_setup,
		   test_watchdog_gates_sd_notify, fixture_teardown);
	g_test_add("/e2e/health/rss-warning", Fixture, NULL, fixture_setup, test_rss_warning,
		   fixture_teardown);
	g_test_add("/e2e/health/stall-restart-cap", Fixture, NULL, fixture_setup,
		   test_stall_restart_cap, fixture_teardown);
	g_test_add("/e2e/health/stall-unreadable-count", Fixture, NULL, fixture_setup,
		   test_stall_unreadable_count, fixture_teardown);
	g_test_add("/e2e/health/readyz-bot-in-error", Fixture, NULL, fixture_setup,
		   test_readyz_bot_in_error, fixture_teardown);
	g_test_add("/e2e/health/live-feed-series", Fixture, NULL, fixture_setup,
		   test_live_feed_series, fixture_teardown);
	return g_test_run();
}
