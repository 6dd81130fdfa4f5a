#include "cw-streaming.h"

#include <glib/gstdio.h>
#include <math.h>

#define HEADER "time,open,high,low,close,volume\n"

static char *tmp_dir;

static gboolean
candle_equal(const CwCandle *a, const CwCandle *b)
{
	return a->open_time == b->open_time && a->interval_ms == b->interval_ms &&
	       a->open == b->open && a->high == b->high && a->low == b->low &&
	       a->close == b->close && a->volume == b->volume && a->symbol == b->symbol;
}

/* Field by field: the struct has padding. */
static void
assert_same_candles(GArray *a, GArray *b)
{
	g_assert_cmpuint(a->len, ==, b->len);
	for (guint i = 0; i < a->len; i++)
		g_assert_true(
		    candle_equal(&g_array_index(a, CwCandle, i), &g_array_index(b, CwCandle, i)));
}

static char *
write_file(const char *name, const char *contents)
{
	char *path = g_build_filename(tmp_dir, name, NULL);
	g_autoptr(GError) error = NULL;

	g_file_set_contents(path, contents, -1, &error);
	g_assert_no_error(error);
	return path;
}

static CwCandleFile *
open_file(const char *path, GError **error)
{
	CwCandleFile *file = cw_candle_file_new(path);

	if (!cw_candle_source_open(CW_CANDLE_SOURCE(file), error)) {
		g_object_unref(file);
		return NULL;
	}
	return file;
}

/* Reads every candle; fails the test on an error. */
static GArray *
read_all(CwCandleFile *file)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(CwCandle));
	CwCandle candle;
	CwCandleSourceResult result;
	g_autoptr(GError) error = NULL;

	while ((result = cw_candle_source_next(CW_CANDLE_SOURCE(file), &candle, &error)) ==
	       CW_CANDLE_SOURCE_OK)
		g_array_append_val(out, candle);
	g_assert_no_error(error);
	g_assert_cmpint(result, ==, CW_CANDLE_SOURCE_END);
	return out;
}

static void
test_csv_seconds(void)
{
	g_autofree char *path =
	    write_file("btc-5m.csv", HEADER "1672677900,16727.3,16728.8,16726.0,16726.1,691.508\n"
					    "1672678200,16726.0,16726.8,16705.0,16707.5,1301.173\n"
					    "1672678500,16707.5,16710,16700,16709,0\n");
	g_autoptr(GError) error = NULL;
	g_autoptr(CwCandleFile) file = open_file(path, &error);
	g_autoptr(GArray) candles = NULL;
	CwCandle *c;
	gint64 interval = 0;

	g_assert_no_error(error);
	g_assert_cmpstr(cw_candle_source_describe(CW_CANDLE_SOURCE(file)), ==,
			"btc-5m.csv (csv, 5m, seconds)");
	g_object_get(file, "interval", &interval, NULL);
	g_assert_cmpint(interval, ==, 300000);
	candles = read_all(file);
	g_assert_cmpuint(candles->len, ==, 3);
	c = &g_array_index(candles, CwCandle, 0);
	g_assert_cmpint(c->open_time, ==, G_GINT64_CONSTANT(1672677900000));
	g_assert_cmpint(c->interval_ms, ==, 300000);
	g_assert_cmpfloat(c->open, ==, 16727.3);
	g_assert_cmpfloat(c->high, ==, 16728.8);
	g_assert_cmpfloat(c->low, ==, 16726.0);
	g_assert_cmpfloat(c->close, ==, 16726.1);
	g_assert_cmpfloat(c->volume, ==, 691.508);
	g_assert_cmpuint(c->symbol, ==, g_quark_from_string("UNKNOWN"));
	c = &g_array_index(candles, CwCandle, 2);
	g_assert_cmpint(c->open_time, ==, G_GINT64_CONSTANT(1672678500000));
	g_assert_cmpfloat(c->volume, ==, 0);
	g_assert_cmpuint(cw_candle_source_get_n_skipped(CW_CANDLE_SOURCE(file)), ==, 0);
}

static void
test_csv_ms(void)
{
	g_autofree char *path = write_file("ms.csv", "TIME,Open,HIGH,low,Close,VOLUME\n"
						     "1672677900000,1,2,0.5,1.5,10\n"
						     "1672677960000,1.5,2,1,1.2,11\n");
	g_autoptr(GError) error = NULL;
	g_autoptr(CwCandleFile) file = NULL;
	g_autoptr(GArray) candles = NULL;

	file = open_file(path, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(cw_candle_source_describe(CW_CANDLE_SOURCE(file)), ==,
			"ms.csv (csv, 1m, ms)");
	candles = read_all(file);
	g_assert_cmpuint(candles->len, ==, 2);
	g_assert_cmpint(g_array_index(candles, CwCandle, 0).open_time, ==,
			G_GINT64_CONSTANT(1672677900000));
	g_assert_cmpint(g_array_index(candles, CwCandle, 1).open_time, ==,
			G_GINT64_CONSTANT(1672677960000));
	g_assert_cmpint(g_array_index(candles, CwCandle, 1).interval_ms, ==, 60000);
}

static void
test_crlf_blank_lines(void)
{
	g_autofree char *path =
	    write_file("crlf.csv", "\r\n" HEADER "\r\n"
				   "1000,1,2,0.5,1.5,10\r\n"
				   "\r\n"
				   "  \r\n"
				   "1060, 1.5 ,2,1,1.2,11\r\n"
				   "1120,1.2,1.3,1.1,1.25,12"); /* no final newline */
	g_autoptr(GError) error = NULL;
	g_autoptr(CwCandleFile) file = open_file(path, &error);
	g_autoptr(GArray) candles = NULL;

	g_assert_no_error(error);
	candles = read_all(file);
	g_assert_cmpuint(candles->len, ==, 3);
	g_assert_cmpint(g_array_index(candles, CwCandle, 1).open_time, ==, 1060000);
	g_assert_cmpfloat(g_array_index(candles, CwCandle, 1).open, ==, 1.5);
	g_assert_cmpfloat(g_array_index(candles, CwCandle, 2).volume, ==, 12);
	g_assert_cmpint(g_array_index(candles, CwCandle, 2).interval_ms, ==, 60000);
}

static void
test_numbers_exact(void)
{
	/* every form must give the same double as g_ascii_strtod */
	static const char *const prices[] = {"16727.3",
					     "0.00162008",
					     "1e3",
					     "1.5E+2",
					     "5.",
					     ".5",
					     "+7.25",
					     "0.1",
					     "123456789.123456789",
					     "3.0000000000000000000000000001"};
	GString *csv = g_string_new(HEADER);
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CwCandleFile) file = NULL;
	g_autoptr(GArray) candles = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(prices); i++)
		g_string_append_printf(csv, "%u,%s,%s,%s,%s,%s\n", 1000 + 60 * i, prices[i],
				       prices[i], prices[i], prices[i], prices[i]);
	path = write_file("numbers.csv", csv->str);
	g_string_free(csv, TRUE);
	file = open_file(path, &error);
	g_assert_no_error(error);
	candles = read_all(file);
	g_assert_cmpuint(candles->len, ==, G_N_ELEMENTS(prices));
	for (guint i = 0; i < G_N_ELEMENTS(prices); i++) {
		double want = g_ascii_strtod(prices[i], NULL);
		CwCandle *c = &g_array_index(candles, CwCandle, i);

		g_assert_true(c->open == want);
		g_assert_true(c->close == want);
		g_assert_true(c->volume == want);
	}
}

static void
test_json_numbers(void)
{
	g_autofree char *path = write_file("k.json", "  [[1672677900000, 1, 2, 0.5, 1.5, 10],\n"
						     "   [1672678200000, 1.5, 2.5, 1.25, 2, 0],\n"
						     "   [1672678500000, 2, 2, 2, 2, 3.5]]\n");
	g_autoptr(GError) error = NULL;
	g_autoptr(CwCandleFile) file = open_file(path, &error);
	g_autoptr(GArray) candles = NULL;

	g_assert_no_error(error);
	g_assert_cmpstr(cw_candle_source_describe(CW_CANDLE_SOURCE(file)), ==,
			"k.json (json, 5m, ms)");
	candles = read_all(file);
	g_assert_cmpuint(candles->len, ==, 3);
	g_assert_cmpint(g_array_index(candles, CwCandle, 1).open_time, ==,
			G_GINT64_CONSTANT(1672678200000));
	g_assert_cmpfloat(g_array_index(candles, CwCandle, 1).low, ==, 1.25);
	g_assert_cmpfloat(g_array_index(candles, CwCandle, 2).volume, ==, 3.5);
}

static void
test_json_binance_strings(void)
{
	/* Binance klines: 12 fields, prices and volumes as strings */
	g_autofree char *path = write_file(
	    "binance.json",
	    "[[1499040000000,\"0.01634790\",\"0.80000000\",\"0.01575800\",\"0.01577100\","
	    "\"148976.11427815\",1499644799999,\"2434.19055334\",308,\"1756.87402397\","
	    "\"28.46694368\",\"0\"],"
	    "[1499040060000,\"0.01577100\",\"0.01600000\",\"0.01570000\",\"0.01590000\","
	    "\"100.5\",1499644859999,\"1.0\",3,\"1.0\",\"1.0\",\"0\"]]");
	g_autoptr(GError) error = NULL;
	g_autoptr(CwCandleFile) file = open_file(path, &error);
	g_autoptr(GArray) candles = NULL;

	g_assert_no_error(error);
	candles = read_all(file);
	g_assert_cmpuint(candles->len, ==, 2);
	g_assert_cmpint(g_array_index(candles, CwCandle, 0).open_time, ==,
			G_GINT64_CONSTANT(1499040000000));
	g_assert_cmpfloat(g_array_index(candles, CwCandle, 0).open, ==, 0.0163479);
	g_assert_cmpfloat(g_array_index(candles, CwCandle, 0).high, ==, 0.8);
	g_assert_cmpfloat(g_array_index(candles, CwCandle, 0).volume, ==, 148976.11427815);
	g_assert_cmpint(g_array_index(candles, CwCandle, 1).interval_ms, ==, 60000);
}

/* Reads the file (interval given, so no look-ahead) until the first error
 * and checks its message: "<path><where>". */
static void
check_bad(const char *contents, guint n_good, const char *where)
{
	g_autofree char *path = write_file("bad.csv", contents);
	g_autofree char *want = g_strconcat(path, where, NULL);
	g_autoptr(CwCandleFile) file = cw_candle_file_new(path);
	g_autoptr(GError) error = NULL;
	CwCandle candle;
	guint n = 0;
	CwCandleSourceResult result;

	g_object_set(file, "interval", (gint64) 60000, NULL);
	g_assert_true(cw_candle_source_open(CW_CANDLE_SOURCE(file), &error));
	g_assert_no_error(error);
	while ((result = cw_candle_source_next(CW_CANDLE_SOURCE(file), &candle, &error)) ==
	       CW_CANDLE_SOURCE_OK)
		n++;
	g_assert_cmpint(result, ==, CW_CANDLE_SOURCE_ERROR);
	g_assert_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_BAD_ROW);
	g_assert_cmpstr(error->message, ==, want);
	g_assert_cmpuint(n, ==, n_good);
}

static void
test_bad_rows(void)
{
	check_bad(HEADER "1000,1,2,0.5,1.5,10\n1060,abc,2,0.5,1.5,10\n", 1,
		  ":3: open: expected a number, got \"abc\"");
	check_bad(HEADER "1000,1,2,0.5,1.5,10\n1060,1,2,,1.5,10\n", 1,
		  ":3: low: expected a number, got \"\"");
	check_bad(HEADER "1000,nan,2,0.5,1.5,10\n", 0, ":2: open: expected a number, got \"nan\"");
	check_bad(HEADER "1000,1,inf,0.5,1.5,10\n", 0, ":2: high: expected a number, got \"inf\"");
	check_bad(HEADER "1000,1,2,0.5,1.5,1e999\n", 0,
		  ":2: volume: expected a number, got \"1e999\"");
	check_bad(HEADER "1000,1,2,0.5,1.5,10x\n", 0, ":2: volume: expected a number, got \"10x\"");
	check_bad(HEADER "1000,1,10,12,11,10\n", 0, ":2: high 10 is below low 12");
	check_bad(HEADER "1000,1,2,0.5,2.5,10\n", 0, ":2: high 2 is below close 2.5");
	check_bad(HEADER "1000,3,2,0.5,1.5,10\n", 0, ":2: high 2 is below open 3");
	check_bad(HEADER "1000,1,2,1.2,1.5,10\n", 0, ":2: low 1.2 is above open 1");
	check_bad(HEADER "1000,1.5,2,1.2,1,10\n", 0, ":2: low 1.2 is above close 1");
	check_bad(HEADER "1000,1,2,0.5,1.5,-1\n", 0, ":2: volume: expected a volume >= 0, got -1");
	check_bad(HEADER "1000,0,2,0,1.5,1\n", 0, ":2: open: expected a price > 0, got 0");
	check_bad(HEADER "1000,1,2,-0.5,1.5,1\n", 0, ":2: low: expected a price > 0, got -0.5");
	check_bad(HEADER "1000,1,2,0.5,1.5,10\n1120,1,2,0.5,1.5,10\n1060,1,2,0.5,1.5,10\n", 2,
		  ":4: time 1060 is before the previous row's time 1120");
	check_bad(HEADER "1000,1,2,0.5,1.5,10\n\n1000,1,2,0.5,1.5,10\n", 1,
		  ":4: duplicate time 1000, the same as the previous row");
	check_bad(HEADER "1000,1,2,0.5,1.5,10\n1030,1,2,0.5,1.5,10\n", 1,
		  ":3: time 1030 is 30s after the previous row, less than the 1m interval");
	check_bad(HEADER "1000,1,2,0.5,1.5,10\n1060,1,2,0.5,1.5\n", 1,
		  ":3: expected 6 columns, got 5");
	check_bad(HEADER "1000,1,2,0.5,1.5,10,7\n", 0, ":2: expected 6 columns, got 7");
	check_bad(HEADER "1000.5,1,2,0.5,1.5,10\n", 0,
		  ":2: time: expected a whole number >= 0, got 1000.5");
	check_bad(HEADER "1000,1,2,0.5,1.5,10\n1672677900000,1,2,0.5,1.5,10\n", 1,
		  ":3: time 1672677900000 is in milliseconds but the file uses seconds");
}

static void
test_missing_header(void)
{
	g_autofree char *path = write_file("nohead.csv", "1000,1,2,0.5,1.5,10\n");
	g_autofree char *empty = write_file("empty.csv", "\n  \n");
	g_autofree char *cols = write_file("cols.csv", "time,open,high,low,close\n");
	g_autofree char *want = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CwCandleFile) file = open_file(path, &error);

	g_assert_null(file);
	g_assert_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_FORMAT);
	want = g_strdup_printf("%s:1: expected the header \"time,open,high,low,close,volume\", "
			       "got \"1000,1,2,0.5,1.5,10\"",
			       path);
	g_assert_cmpstr(error->message, ==, want);
	g_clear_error(&error);

	file = open_file(empty, &error);
	g_assert_null(file);
	g_assert_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_FORMAT);
	g_assert_true(g_str_has_prefix(error->message, empty));
	g_assert_nonnull(strstr(error->message, "empty file"));
	g_clear_error(&error);

	file = open_file(cols, &error);
	g_assert_null(file);
	g_clear_pointer(&want, g_free);
	want = g_strdup_printf("%s:1: expected the header \"time,open,high,low,close,volume\", "
			       "got \"time,open,high,low,close\"",
			       cols);
	g_assert_cmpstr(error->message, ==, want);
}

static void
test_json_errors(void)
{
	struct {
		const char *json;
		const char *where;
	} cases[] = {
	    {"[[60000,1,2,0.5,1.5,10],[120000,1,2,0.5,1.5,true]]",
	     ": [1][5]: expected a number, got a boolean"},
	    {"[[60000,1,2,0.5,1.5,10],[120000,1,2,\"x\",1.5,1]]",
	     ": [1][3]: expected a number, got \"x\""},
	    {"[[60000,1,2,0.5,1.5,10],[120000,1,null,0.5,1.5,1]]",
	     ": [1][2]: expected a number, got null"},
	    {"[[60000,1,2,0.5,1.5,10],[120000,1,2,0.5,1.5]]",
	     ": [1]: expected an array of 6 or more values [time, open, high, low, close, volume]"},
	    {"[[60000,1,2,0.5,1.5,10],{\"t\":1}]",
	     ": [1]: expected an array of 6 or more values [time, open, high, low, close, volume]"},
	    {"[[60000,1,2,0.5,1.5,10],[60000,1,2,0.5,1.5,10]]",
	     ": [1]: duplicate time 60000, the same as the previous row"},
	    {"[[60000,1,2,0.5,1.5,10],[120000,1,1,2,1.5,10]]", ": [1]: high 1 is below low 2"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *path = write_file("bad.json", cases[i].json);
		g_autofree char *want = g_strconcat(path, cases[i].where, NULL);
		g_autoptr(CwCandleFile) file = cw_candle_file_new(path);
		g_autoptr(GError) error = NULL;
		CwCandle candle;

		g_object_set(file, "interval", (gint64) 60000, NULL);
		g_assert_true(cw_candle_source_open(CW_CANDLE_SOURCE(file), &error));
		g_assert_cmpint(cw_candle_source_next(CW_CANDLE_SOURCE(file), &candle, &error), ==,
				CW_CANDLE_SOURCE_OK);
		g_assert_cmpint(cw_candle_source_next(CW_CANDLE_SOURCE(file), &candle, &error), ==,
				CW_CANDLE_SOURCE_ERROR);
		g_assert_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_BAD_ROW);
		g_assert_cmpstr(error->message, ==, want);
	}
}

static void
test_json_not_candles(void)
{
	g_autofree char *obj = write_file("obj.json", "[ {\"a\": 1} ");
	g_autofree char *syntax = write_file("syntax.json", "[[1,2,3,4,5,6],");
	g_autoptr(GError) error = NULL;
	g_autoptr(CwCandleFile) file = open_file(syntax, &error);

	g_assert_null(file);
	g_assert_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_FORMAT);
	g_assert_true(g_str_has_prefix(error->message, syntax));
	g_assert_nonnull(strstr(error->message, ":1:16: [1]: expected a value, got the end"));
	g_assert_null(strstr(error->message + strlen(syntax), syntax)); /* named once */
	g_clear_error(&error);
	file = open_file(obj, &error);
	g_assert_null(file);
	g_assert_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_FORMAT);
}

/* A NUL byte cut the line short for strlen(): a wrong column count, or,
 * in the last field, a row read without the rest of its value. */
static void
test_csv_nul_byte(void)
{
	static const char csv[] = HEADER "60,1,2,0.5,1.5,10\n"
					 "120,1,2\0,0.5,1.5,10\n"
					 "180,1,2,0.5,1.5,10\0"
					 "99\n"
					 "\0\n"
					 "240,1,2,0.5,1.5,10\n";
	g_autofree char *path = g_build_filename(tmp_dir, "nul.csv", NULL);
	g_autoptr(CwCandleFile) file = cw_candle_file_new(path);
	g_autoptr(GError) error = NULL;
	const char *const want[] = {": NUL byte in field 3 (high)",
				    ": NUL byte in field 6 (volume)",
				    ": NUL byte in field 1 (time)"};
	CwCandle candle;

	g_assert_true(g_file_set_contents(path, csv, sizeof csv - 1, NULL));
	g_object_set(file, "interval", (gint64) 60000, NULL);
	g_assert_true(cw_candle_source_open(CW_CANDLE_SOURCE(file), &error));
	g_assert_no_error(error);
	g_assert_cmpint(cw_candle_source_next(CW_CANDLE_SOURCE(file), &candle, &error), ==,
			CW_CANDLE_SOURCE_OK);
	for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
		g_autofree char *msg = g_strdup_printf("%s:%u%s", path, i + 3, want[i]);

		g_assert_cmpint(cw_candle_source_next(CW_CANDLE_SOURCE(file), &candle, &error), ==,
				CW_CANDLE_SOURCE_ERROR);
		g_assert_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_BAD_ROW);
		g_assert_cmpstr(error->message, ==, msg);
		g_clear_error(&error);
	}
	g_assert_cmpint(cw_candle_source_next(CW_CANDLE_SOURCE(file), &candle, &error), ==,
			CW_CANDLE_SOURCE_OK);
	g_assert_cmpint(candle.open_time, ==, 240000);
	g_assert_cmpint(cw_candle_source_next(CW_CANDLE_SOURCE(file), &candle, &error), ==,
			CW_CANDLE_SOURCE_END);
}

/* JSON candle files go through cw_json_parse_file(): json-glib 1.6 crashed
 * on 100k nested arrays, and read 1e999 as infinity. */
static void
test_json_strict(void)
{
	GString *deep = g_string_new(NULL);
	g_autofree char *deep_path = NULL;
	g_autofree char *inf_path =
	    write_file("inf.json", "[[60000,1,2,0.5,1.5,10],\n [120000,1,2,0.5,1.5,1e999]]");
	g_autofree char *two_path =
	    write_file("two.json", "[[60000,1,2,0.5,1.5,10]]\n[[120000,1,2,0.5,1.5,10]]");
	g_autofree char *want = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CwCandleFile) file = NULL;

	for (guint i = 0; i < 100000; i++)
		g_string_append_c(deep, '[');
	for (guint i = 0; i < 100000; i++)
		g_string_append_c(deep, ']');
	deep_path = write_file("deep.json", deep->str);
	g_string_free(deep, TRUE);

	file = open_file(deep_path, &error);
	g_assert_null(file);
	g_assert_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_FORMAT);
	want = g_strdup_printf("%s:1:65: ", deep_path);
	g_assert_true(g_str_has_prefix(error->message, want));
	g_assert_true(
	    g_str_has_suffix(error->message, ": nested deeper than 64 arrays and objects"));
	g_clear_error(&error);
	g_clear_pointer(&want, g_free);

	file = open_file(inf_path, &error);
	g_assert_null(file);
	want = g_strdup_printf("%s:2:22: [1][5]: invalid number '1e999': not a finite number",
			       inf_path);
	g_assert_cmpstr(error->message, ==, want);
	g_clear_error(&error);
	g_clear_pointer(&want, g_free);

	file = open_file(two_path, &error);
	g_assert_null(file);
	want = g_strdup_printf("%s:2:1: '[' after the end of the value: a document holds exactly "
			       "one JSON value",
			       two_path);
	g_assert_cmpstr(error->message, ==, want);
}

static void
test_skip_bad_rows(void)
{
	GString *csv = g_string_new(HEADER);
	g_autofree char *path = NULL;
	g_autoptr(CwCandleFile) file = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) candles = NULL;
	g_autofree char *summary = NULL;
	g_autofree char *first = NULL;
	g_auto(GStrv) lines = NULL;

	/* rows 0..29 good, every third of them followed by a bad one */
	for (guint i = 0; i < 30; i++) {
		g_string_append_printf(csv, "%u,1,2,0.5,1.5,10\n", 6000 + 60 * i);
		if (i % 3 == 0)
			g_string_append_printf(csv, "%u,1,2,0.5,oops,10\n", 6001 + 60 * i);
	}
	path = write_file("skip.csv", csv->str);
	g_string_free(csv, TRUE);

	file = g_object_new(CW_TYPE_CANDLE_FILE, "path", path, "skip-bad-rows", TRUE, NULL);
	g_object_get(file, "skipped-summary", &summary, NULL);
	g_assert_null(summary);
	g_assert_true(cw_candle_source_open(CW_CANDLE_SOURCE(file), &error));
	g_assert_no_error(error);
	candles = read_all(file);
	g_assert_cmpuint(candles->len, ==, 30);
	g_assert_cmpint(g_array_index(candles, CwCandle, 0).interval_ms, ==, 60000);
	g_assert_cmpint(g_array_index(candles, CwCandle, 29).open_time, ==,
			(6000 + 60 * 29) * 1000);
	g_assert_cmpuint(cw_candle_source_get_n_skipped(CW_CANDLE_SOURCE(file)), ==, 10);
	g_object_get(file, "skipped-summary", &summary, NULL);
	g_assert_nonnull(summary);
	lines = g_strsplit(summary, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 10);
	first = g_strdup_printf("%s:3: close: expected a number, got \"oops\"", path);
	g_assert_cmpstr(lines[0], ==, first);
}

static void
test_skip_summary_truncated(void)
{
	GString *csv = g_string_new(HEADER);
	g_autofree char *path = NULL;
	g_autoptr(CwCandleFile) file = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) candles = NULL;
	g_autofree char *summary = NULL;
	g_auto(GStrv) lines = NULL;

	g_string_append(csv, "100,1,2,0.5,1.5,10\n160,1,2,0.5,1.5,10\n");
	for (guint i = 0; i < 25; i++)
		g_string_append(csv, "100,1,2,0.5,1.5,10\n"); /* out of order */
	g_string_append(csv, "220,1,2,0.5,1.5,10\n");
	path = write_file("many.csv", csv->str);
	g_string_free(csv, TRUE);

	file = g_object_new(CW_TYPE_CANDLE_FILE, "path", path, "skip-bad-rows", TRUE, NULL);
	g_assert_true(cw_candle_source_open(CW_CANDLE_SOURCE(file), &error));
	candles = read_all(file);
	g_assert_cmpuint(candles->len, ==, 3);
	g_assert_cmpuint(cw_candle_source_get_n_skipped(CW_CANDLE_SOURCE(file)), ==, 25);
	g_object_get(file, "skipped-summary", &summary, NULL);
	lines = g_strsplit(summary, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 21);
	g_assert_cmpstr(lines[20], ==, "... and 5 more");
	g_assert_true(
	    g_str_has_suffix(lines[0], ":4: time 100 is before the previous row's time 160"));
}

static void
test_bad_row_continue(void)
{
	/* without skipping, next() reports the bad row and then reads on */
	g_autofree char *path =
	    write_file("cont.csv", HEADER "60,1,2,0.5,1.5,10\n120,1,2,0.5,1.5,10\n"
					  "180,x,2,0.5,1.5,10\n240,1,2,0.5,1.5,10\n");
	g_autoptr(GError) error = NULL;
	g_autoptr(CwCandleFile) file = open_file(path, &error);
	CwCandle c;

	g_assert_no_error(error);
	g_assert_cmpint(cw_candle_source_next(CW_CANDLE_SOURCE(file), &c, &error), ==, 1);
	g_assert_cmpint(cw_candle_source_next(CW_CANDLE_SOURCE(file), &c, &error), ==, 1);
	g_assert_cmpint(cw_candle_source_next(CW_CANDLE_SOURCE(file), &c, &error), ==, -1);
	g_assert_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_BAD_ROW);
	g_clear_error(&error);
	g_assert_cmpint(cw_candle_source_next(CW_CANDLE_SOURCE(file), &c, &error), ==, 1);
	g_assert_cmpint(c.open_time, ==, 240000);
	g_assert_cmpint(c.interval_ms, ==, 60000);
	g_assert_cmpint(cw_candle_source_next(CW_CANDLE_SOURCE(file), &c, &error), ==, 0);
	g_assert_no_error(error);
}

static void
test_gaps_flat_zero_volume(void)
{
	g_autofree char *path = write_file("gaps.csv", HEADER "60,1,1,1,1,0\n"
							      "120,1,2,0.5,1.5,0\n"
							      "600,1.5,1.5,1.5,1.5,3\n" /* gap */
							      "660,1.5,1.6,1.4,1.5,0\n");
	g_autoptr(GError) error = NULL;
	g_autoptr(CwCandleFile) file = open_file(path, &error);
	g_autoptr(GArray) candles = NULL;

	g_assert_no_error(error);
	candles = read_all(file);
	g_assert_cmpuint(candles->len, ==, 4);
	g_assert_cmpint(g_array_index(candles, CwCandle, 2).open_time, ==, 600000);
	g_assert_cmpint(g_array_index(candles, CwCandle, 2).interval_ms, ==, 60000);
}

static void
test_interval_gap_at_start(void)
{
	/* the first step is 10m, the file is 5m */
	g_autofree char *path =
	    write_file("gapstart.csv", HEADER "600,1,2,0.5,1.5,1\n1200,1,2,0.5,1.5,1\n"
					      "1500,1,2,0.5,1.5,1\n1800,1,2,0.5,1.5,1\n");
	g_autoptr(GError) error = NULL;
	g_autoptr(CwCandleFile) file = open_file(path, &error);
	g_autoptr(GArray) candles = NULL;
	gint64 interval = 0;

	g_assert_no_error(error);
	g_object_get(file, "interval", &interval, NULL);
	g_assert_cmpint(interval, ==, 300000);
	candles = read_all(file);
	g_assert_cmpuint(candles->len, ==, 4);
	for (guint i = 0; i < candles->len; i++)
		g_assert_cmpint(g_array_index(candles, CwCandle, i).interval_ms, ==, 300000);
}

static void
test_interval_single_row(void)
{
	g_autofree char *path = write_file("one.csv", HEADER "600,1,2,0.5,1.5,1\n");
	g_autoptr(GError) error = NULL;
	g_autoptr(CwCandleFile) file = open_file(path, &error);
	g_autoptr(GArray) candles = NULL;

	g_assert_null(file);
	g_assert_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_FORMAT);
	g_clear_error(&error);

	/* with the interval given it reads fine */
	file = g_object_new(CW_TYPE_CANDLE_FILE, "path", path, "interval", (gint64) 60000, "symbol",
			    "ETHUSDT", NULL);
	g_assert_true(cw_candle_source_open(CW_CANDLE_SOURCE(file), &error));
	candles = read_all(file);
	g_assert_cmpuint(candles->len, ==, 1);
	g_assert_cmpint(g_array_index(candles, CwCandle, 0).interval_ms, ==, 60000);
	g_assert_cmpuint(g_array_index(candles, CwCandle, 0).symbol, ==,
			 g_quark_from_string("ETHUSDT"));
}

static void
test_empty_data(void)
{
	g_autofree char *path = write_file("header-only.csv", HEADER);
	g_autofree char *json = write_file("empty.json", "[]");
	g_autoptr(GError) error = NULL;
	g_autoptr(CwCandleFile) file = open_file(path, &error);
	g_autoptr(CwCandleFile) jfile = NULL;
	CwCandle c;

	g_assert_no_error(error);
	g_assert_cmpint(cw_candle_source_next(CW_CANDLE_SOURCE(file), &c, &error), ==, 0);
	jfile = open_file(json, &error);
	g_assert_no_error(error);
	g_assert_cmpint(cw_candle_source_next(CW_CANDLE_SOURCE(jfile), &c, &error), ==, 0);
}

static void
test_from_to(void)
{
	GString *csv = g_string_new(HEADER);
	g_autofree char *path = NULL;
	g_autoptr(CwCandleFile) file = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) candles = NULL;

	for (guint i = 0; i < 200; i++)
		g_string_append_printf(csv, "%u,1,2,0.5,1.5,10\n", 60 * (i + 1));
	path = write_file("range.csv", csv->str);
	g_string_free(csv, TRUE);

	/* from inclusive, to exclusive; rows before "from" still set the interval */
	file = g_object_new(CW_TYPE_CANDLE_FILE, "path", path, "from", (gint64) 150 * 60000, "to",
			    (gint64) 160 * 60000, NULL);
	g_assert_true(cw_candle_source_open(CW_CANDLE_SOURCE(file), &error));
	candles = read_all(file);
	g_assert_cmpuint(candles->len, ==, 10);
	g_assert_cmpint(g_array_index(candles, CwCandle, 0).open_time, ==, 150 * 60000);
	g_assert_cmpint(g_array_index(candles, CwCandle, 9).open_time, ==, 159 * 60000);
	g_assert_cmpint(g_array_index(candles, CwCandle, 9).interval_ms, ==, 60000);
	g_clear_pointer(&candles, g_array_unref);
	g_clear_object(&file);

	file = g_object_new(CW_TYPE_CANDLE_FILE, "path", path, "to", (gint64) 3 * 60000, NULL);
	g_assert_true(cw_candle_source_open(CW_CANDLE_SOURCE(file), &error));
	candles = read_all(file);
	g_assert_cmpuint(candles->len, ==, 2);
	g_clear_pointer(&candles, g_array_unref);
	g_clear_object(&file);

	file = g_object_new(CW_TYPE_CANDLE_FILE, "path", path, "from", (gint64) 199 * 60000, NULL);
	g_assert_true(cw_candle_source_open(CW_CANDLE_SOURCE(file), &error));
	candles = read_all(file);
	g_assert_cmpuint(candles->len, ==, 2);
}

static void
test_reopen(void)
{
	g_autofree char *path =
	    write_file("again.csv", HEADER "60,1,2,0.5,1.5,1\n120,1,2,0.5,1.5,1\n");
	g_autoptr(GError) error = NULL;
	g_autoptr(CwCandleFile) file = open_file(path, &error);
	g_autoptr(GArray) a = NULL;
	g_autoptr(GArray) b = NULL;

	a = read_all(file);
	g_assert_true(cw_candle_source_open(CW_CANDLE_SOURCE(file), &error));
	b = read_all(file);
	g_assert_cmpuint(a->len, ==, 2);
	assert_same_candles(a, b);
}

static void
test_missing_file(void)
{
	g_autofree char *path = g_build_filename(tmp_dir, "no-such-file.csv", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(CwCandleFile) file = cw_candle_file_new(path);
	CwCandle c;

	g_assert_cmpint(cw_candle_source_next(CW_CANDLE_SOURCE(file), &c, &error), ==,
			CW_CANDLE_SOURCE_ERROR);
	g_assert_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_NOT_OPEN);
	g_clear_error(&error);
	g_assert_false(cw_candle_source_open(CW_CANDLE_SOURCE(file), &error));
	g_assert_error(error, CW_STREAMING_ERROR, CW_STREAMING_ERROR_IO);
	g_assert_true(g_str_has_prefix(error->message, path));
	g_assert_nonnull(strstr(error->message, "No such file"));
}

static void
test_long_file_streams(void)
{
	/* more than one read buffer, rows crossing buffer boundaries */
	GString *csv = g_string_new(HEADER);
	g_autofree char *path = NULL;
	g_autoptr(CwCandleFile) file = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) candles = NULL;
	double sum = 0;

	for (guint i = 0; i < 40000; i++)
		g_string_append_printf(csv, "%u,100.%u,101.5,99.25,100.5,%u.125\r\n",
				       1600000000 + 300 * i, i % 10, i);
	path = write_file("long.csv", csv->str);
	g_string_free(csv, TRUE);
	file = open_file(path, &error);
	g_assert_no_error(error);
	candles = read_all(file);
	g_assert_cmpuint(candles->len, ==, 40000);
	for (guint i = 0; i < candles->len; i++) {
		CwCandle *c = &g_array_index(candles, CwCandle, i);

		g_assert_cmpint(c->open_time, ==, (1600000000 + 300 * (gint64) i) * 1000);
		sum += c->volume;
	}
	g_assert_cmpfloat(sum, ==, 40000.0 * 39999.0 / 2.0 + 40000 * 0.125);
}

static char *
shared_data(const char *name)
{
	const char *dir = g_getenv("CW_SHARED_DATA");
	char *path;

	if (dir == NULL)
		return NULL;
	path = g_build_filename(dir, name, NULL);
	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
		g_free(path);
		return NULL;
	}
	return path;
}

static void
check_real_btcusdt(CwCandleFile *file, GArray *candles)
{
	g_assert_cmpint(g_array_index(candles, CwCandle, 0).open_time, ==,
			G_GINT64_CONSTANT(1672677900000));
	g_assert_cmpfloat(g_array_index(candles, CwCandle, 0).open, ==, 16727.3);
	for (guint i = 1; i < candles->len; i++)
		g_assert_cmpint(g_array_index(candles, CwCandle, i).open_time -
				    g_array_index(candles, CwCandle, i - 1).open_time,
				==, 300000); /* no gaps */
}

static void
check_real_altbtc(CwCandleFile *file, GArray *candles)
{
	guint gaps = 0;
	guint flat = 0;

	for (guint i = 0; i < candles->len; i++) {
		CwCandle *c = &g_array_index(candles, CwCandle, i);

		g_assert_cmpint(c->interval_ms, ==, 60000);
		if (i > 0 && c->open_time - c[-1].open_time > 60000)
			gaps++;
		if (c->open == c->high && c->high == c->low && c->low == c->close)
			flat++;
	}
	g_assert_cmpuint(gaps, ==, 538);
	g_assert_cmpuint(flat, >, 100);
	g_assert_cmpfloat(g_array_index(candles, CwCandle, 0).open, ==, 0.00162008);
	g_assert_cmpuint(cw_candle_source_get_n_skipped(CW_CANDLE_SOURCE(file)), ==, 0);
}

/* A file of the shared data dir: what every one must give, then its own checks. */
typedef struct {
	const char *test_path;
	const char *name;
	const char *describe;
	guint n_candles;
	void (*check)(CwCandleFile *file, GArray *candles);
} RealFile;

static const RealFile real_files[] = {
    {"/streaming/candle-file/real-btcusdt-5m", "btcusdt-5m.csv",
     "btcusdt-5m.csv (csv, 5m, seconds)", 10999, check_real_btcusdt},
    {"/streaming/candle-file/real-altbtc-1m", "altbtc-1m.csv", "altbtc-1m.csv (csv, 1m, seconds)",
     13681, check_real_altbtc},
};

static void
test_real_file(gconstpointer data)
{
	const RealFile *real = data;
	g_autofree char *path = shared_data(real->name);
	g_autoptr(CwCandleFile) file = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) candles = NULL;

	if (path == NULL) {
		g_autofree char *msg = g_strdup_printf(
		    "%s not found (set CW_SHARED_DATA to the shared data dir)", real->name);

		g_test_skip(msg);
		return;
	}
	file = open_file(path, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(cw_candle_source_describe(CW_CANDLE_SOURCE(file)), ==, real->describe);
	candles = read_all(file);
	g_assert_cmpuint(candles->len, ==, real->n_candles);
	real->check(file, candles);
}

static void
test_registered(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GObject) file = NULL;
	g_autoptr(GObject) synth = NULL;
	g_autoptr(GObject) feed = NULL;

	cw_streaming_register_types();
	cw_streaming_register_types(); /* idempotent */
	file = cw_extension_new(CW_EXTENSION_POINT_CANDLE_SOURCE, "file", &error);
	g_assert_no_error(error);
	g_assert_true(CW_IS_CANDLE_FILE(file));
	synth = cw_extension_new(CW_EXTENSION_POINT_CANDLE_SOURCE, "synth", &error);
	g_assert_no_error(error);
	g_assert_true(CW_IS_SYNTH_SOURCE(synth));
	feed = cw_extension_new(CW_EXTENSION_POINT_MARKET_FEED, "replay", &error);
	g_assert_no_error(error);
	g_assert_true(CW_IS_REPLAY_FEED(feed));
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

int
main(int argc, char **argv)
{
	int ret;

	g_test_init(&argc, &argv, NULL);
	tmp_dir = g_dir_make_tmp("cw-candle-file-XXXXXX", NULL);
	g_assert_nonnull(tmp_dir);

	g_test_add_func("/streaming/candle-file/csv-seconds", test_csv_seconds);
	g_test_add_func("/streaming/candle-file/csv-ms", test_csv_ms);
	g_test_add_func("/streaming/candle-file/crlf-blank-lines", test_crlf_blank_lines);
	g_test_add_func("/streaming/candle-file/numbers-exact", test_numbers_exact);
	g_test_add_func("/streaming/candle-file/json-numbers", test_json_numbers);
	g_test_add_func("/streaming/candle-file/json-binance-strings", test_json_binance_strings);
	g_test_add_func("/streaming/candle-file/bad-rows", test_bad_rows);
	g_test_add_func("/streaming/candle-file/missing-header", test_missing_header);
	g_test_add_func("/streaming/candle-file/json-errors", test_json_errors);
	g_test_add_func("/streaming/candle-file/json-not-candles", test_json_not_candles);
	g_test_add_func("/streaming/candle-file/csv-nul-byte", test_csv_nul_byte);
	g_test_add_func("/streaming/candle-file/json-strict", test_json_strict);
	g_test_add_func("/streaming/candle-file/skip-bad-rows", test_skip_bad_rows);
	g_test_add_func("/streaming/candle-file/skip-summary-truncated",
			test_skip_summary_truncated);
	g_test_add_func("/streaming/candle-file/bad-row-continue", test_bad_row_continue);
	g_test_add_func("/streaming/candle-file/gaps-flat-zero-volume", test_gaps_flat_zero_volume);
	g_test_add_func("/streaming/candle-file/interval-gap-at-start", test_interval_gap_at_start);
	g_test_add_func("/streaming/candle-file/interval-single-row", test_interval_single_row);
	g_test_add_func("/streaming/candle-file/empty-data", test_empty_data);
	g_test_add_func("/streaming/candle-file/from-to", test_from_to);
	g_test_add_func("/streaming/candle-file/reopen", test_reopen);
	g_test_add_func("/streaming/candle-file/missing-file", test_missing_file);
	g_test_add_func("/streaming/candle-file/long-file", test_long_file_streams);
	for (guint i = 0; i < G_N_ELEMENTS(real_files); i++)
		g_test_add_data_func(real_files[i].test_path, &real_files[i], test_real_file);
	g_test_add_func("/streaming/registered", test_registered);
	ret = g_test_run();
	remove_tmp_dir();
	return ret;
}
