#include "cw-core.h"

#include <math.h>

static char *
write_string(const char *text, gssize len)
{
	g_autoptr(GString) out = g_string_new(NULL);
	CwJsonWriter w;

	cw_json_writer_init(&w, out, CW_JSON_WRITER_COMPACT);
	cw_json_writer_string_len(&w, text, len);
	g_assert_true(cw_json_writer_is_complete(&w));
	return g_strdup(out->str);
}

/* Every control character is escaped, the short forms where JSON has them. */
static void
test_json_writer_escapes_control(void)
{
	static const char text[] = "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f";
	g_autofree char *s = write_string(text, sizeof(text) - 1);

	g_assert_cmpstr(s, ==, "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"");
}

/* A NUL inside a counted string is escaped, not an end. */
static void
test_json_writer_escapes_nul(void)
{
	g_autofree char *s = write_string("a\0b", 3);

	g_assert_cmpstr(s, ==, "\"a\\u0000b\"");
}

/* Valid UTF-8 is written as it is; every byte that is not becomes U+FFFD. */
static void
test_json_writer_unicode(void)
{
	g_autofree char *ok = write_string("\xc3\xa9\xe2\x82\xac\xf0\x9f\x95\xaf", -1);
	/* a lone continuation byte, a truncated sequence, an overlong '/', a
	 * UTF-8 encoded surrogate and a byte past U+10FFFF */
	g_autofree char *bad = write_string("a\x80"
					    "b\xe2\x82"
					    "c\xc0\xaf"
					    "d\xed\xa0\x80"
					    "e\xf5",
					    -1);

	g_assert_cmpstr(ok, ==, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x95\xaf\"");
	g_assert_cmpstr(bad, ==,
			"\"a\\ufffdb\\ufffd\\ufffdc\\ufffd\\ufffdd\\ufffd\\ufffd\\ufffde\\ufffd\"");
	g_assert_true(g_utf8_validate(bad, -1, NULL));
}

/* NaN and the infinities are written as null, by both double forms. */
static void
test_json_writer_non_finite_is_null(void)
{
	g_autoptr(GString) out = g_string_new(NULL);
	CwJsonWriter w;

	cw_json_writer_init(&w, out, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_array(&w);
	cw_json_writer_double(&w, NAN);
	cw_json_writer_double(&w, INFINITY);
	cw_json_writer_double(&w, -INFINITY);
	cw_json_writer_double_fixed(&w, NAN, 3);
	cw_json_writer_double_fixed(&w, INFINITY, 3);
	cw_json_writer_end_array(&w);
	g_assert_cmpstr(out->str, ==, "[null,null,null,null,null]");

	g_string_truncate(out, 0);
	cw_json_writer_init(&w, out, CW_JSON_WRITER_NON_FINITE_ZERO);
	cw_json_writer_begin_array(&w);
	cw_json_writer_double(&w, NAN);
	cw_json_writer_double_fixed(&w, -INFINITY, 2);
	cw_json_writer_end_array(&w);
	g_assert_cmpstr(out->str, ==, "[0.0,0.00]");
}

/* Every double reads back as the same double, in the fewest digits. */
static void
test_json_writer_double_round_trip(void)
{
	const double values[] = {0.1,           1.0 / 3.0, 2e-8, 5e-324, DBL_MAX,         -DBL_MIN,
				 123456789.125, 1e21,      -0.0, 100.0,  42000.123456789, 0.3};
	g_autoptr(GRand) rand = g_rand_new_with_seed(20261202);

	for (guint i = 0; i < G_N_ELEMENTS(values) + 2000; i++) {
		g_autoptr(GString) out = g_string_new(NULL);
		CwJsonWriter w;
		double v;
		double back;
		char *end = NULL;

		if (i < G_N_ELEMENTS(values)) {
			v = values[i];
		} else {
			guint64 bits = ((guint64) g_rand_int(rand) << 32) | g_rand_int(rand);
			memcpy(&v, &bits, sizeof(v));
			if (!isfinite(v))
				continue;
		}
		cw_json_writer_init(&w, out, CW_JSON_WRITER_COMPACT);
		cw_json_writer_double(&w, v);
		back = g_ascii_strtod(out->str, &end);
		g_assert_cmpint((guchar) *end, ==, 0);
		/* the same value, and the same sign for zeros */
		g_assert_true(back == v && signbit(back) == signbit(v));
		/* a double always reads as one */
		g_assert_nonnull(strpbrk(out->str, ".eE"));
	}
}

/* The reference: every digit count from 1 up, the first that reads back
 * (the writer tries only 15, 16 and 17, see cw_json_format_shortest()). */
static void
test_json_shortest_reference(char *buf, gsize len, double v)
{
	char format[8];
	const char *e;
	int prec = 1;

	for (; prec <= 17; prec++) {
		g_snprintf(format, sizeof(format), "%%.%dg", prec);
		g_ascii_formatd(buf, (gint) len, format, v);
		if (g_ascii_strtod(buf, NULL) == v)
			break;
	}
	e = strchr(buf, 'e');
	if (e != NULL && fabs(v) >= 1e-5 && fabs(v) < 1e17) {
		char plain[G_ASCII_DTOSTR_BUF_SIZE + 32];
		gint64 exponent = g_ascii_strtoll(e + 1, NULL, 10);
		int decimals = (int) MAX(0, MIN(prec, 17) - 1 - exponent);

		g_snprintf(format, sizeof(format), "%%.%df", decimals);
		g_ascii_formatd(plain, sizeof(plain), format, v);
		if (strlen(plain) < len && g_ascii_strtod(plain, NULL) == v)
			g_strlcpy(buf, plain, len);
	}
	if (strpbrk(buf, ".eE") == NULL)
		g_strlcat(buf, ".0", len);
}

/* The same text as the digit-by-digit search, for prices and quantities
 * on decimal grids, their sums, and any bit pattern. */
static void
test_json_writer_double_shortest(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(4242);

	for (guint i = 0; i < 60000; i++) {
		g_autoptr(GString) out = g_string_new(NULL);
		char want[G_ASCII_DTOSTR_BUF_SIZE + 8];
		CwJsonWriter w;
		double v;

		if (i % 3 == 0) {
			guint64 bits = ((guint64) g_rand_int(rand) << 32) | g_rand_int(rand);
			memcpy(&v, &bits, sizeof(v));
			if (!isfinite(v))
				continue;
		} else if (i % 3 == 1) {
			/* a price or quantity on a grid of 10^-k, k in 0..9 */
			v = (double) g_rand_int_range(rand, 1, 100000000) /
			    pow(10, g_rand_int_range(rand, 0, 10));
		} else {
			/* arithmetic on such values: PnL, fees, averages */
			v = g_rand_double_range(rand, -1e6, 1e6) * 1.0001 / 3.0;
		}
		cw_json_writer_init(&w, out, CW_JSON_WRITER_COMPACT);
		cw_json_writer_double(&w, v);
		test_json_shortest_reference(want, sizeof want, v);
		g_assert_cmpstr(out->str, ==, want);
	}
}

static void
test_json_writer_double_forms(void)
{
	g_autoptr(GString) out = g_string_new(NULL);
	CwJsonWriter w;

	cw_json_writer_init(&w, out, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_array(&w);
	cw_json_writer_double(&w, 0.1);
	/* plain notation while it is short, an exponent past that */
	cw_json_writer_double(&w, 100);
	cw_json_writer_double(&w, 2e-8);
	cw_json_writer_double(&w, 1.5e5);
	cw_json_writer_double(&w, -42000.5);
	cw_json_writer_double(&w, 1e21);
	cw_json_writer_double_fixed(&w, 1.23456, 3);
	cw_json_writer_double_fixed(&w, 2, 0);
	cw_json_writer_int(&w, G_MININT64);
	cw_json_writer_uint(&w, G_MAXUINT64);
	cw_json_writer_end_array(&w);
	g_assert_cmpstr(out->str, ==,
			"[0.1,100.0,2e-08,150000.0,-42000.5,1e+21,1.235,2,-9223372036854775808,"
			"18446744073709551615]");
}

static void
write_nested(CwJsonWriter *w)
{
	cw_json_writer_begin_object(w);
	cw_json_writer_member_string(w, "name", "a");
	cw_json_writer_key(w, "list");
	cw_json_writer_begin_array(w);
	cw_json_writer_int(w, 1);
	cw_json_writer_begin_object(w);
	cw_json_writer_member_boolean(w, "on", TRUE);
	cw_json_writer_key(w, "none");
	cw_json_writer_null(w);
	cw_json_writer_end_object(w);
	cw_json_writer_begin_array(w);
	cw_json_writer_end_array(w);
	cw_json_writer_end_array(w);
	cw_json_writer_key(w, "empty");
	cw_json_writer_begin_object(w);
	cw_json_writer_end_object(w);
	cw_json_writer_member_string(w, "nothing", NULL);
	cw_json_writer_end_object(w);
}

static void
test_json_writer_nesting(void)
{
	g_autoptr(GString) compact = g_string_new(NULL);
	g_autoptr(GString) pretty = g_string_new(NULL);
	CwJsonWriter w;

	cw_json_writer_init(&w, compact, CW_JSON_WRITER_COMPACT);
	write_nested(&w);
	g_assert_true(cw_json_writer_is_complete(&w));
	g_assert_cmpstr(compact->str, ==,
			"{\"name\":\"a\",\"list\":[1,{\"on\":true,\"none\":null},[]],"
			"\"empty\":{},\"nothing\":null}");

	cw_json_writer_init(&w, pretty, CW_JSON_WRITER_PRETTY);
	write_nested(&w);
	g_assert_cmpstr(pretty->str, ==,
			"{\n"
			"  \"name\": \"a\",\n"
			"  \"list\": [\n"
			"    1,\n"
			"    {\n"
			"      \"on\": true,\n"
			"      \"none\": null\n"
			"    },\n"
			"    []\n"
			"  ],\n"
			"  \"empty\": {},\n"
			"  \"nothing\": null\n"
			"}");
}

/* The writer appends: text already in the string stays. */
static void
test_json_writer_appends(void)
{
	g_autoptr(GString) out = g_string_new("state=");
	CwJsonWriter w;

	cw_json_writer_init(&w, out, CW_JSON_WRITER_COMPACT);
	cw_json_writer_begin_object(&w);
	cw_json_writer_key(&w, "inner");
	cw_json_writer_raw(&w, "{\"k\":1}");
	cw_json_writer_member_uint(&w, "n", 2);
	cw_json_writer_end_object(&w);
	g_assert_cmpstr(out->str, ==, "state={\"inner\":{\"k\":1},\"n\":2}");
}

/* Misuse is a programming error: a critical, and nothing written. */
static void
test_json_writer_misuse(void)
{
	if (g_test_subprocess()) {
		g_autoptr(GString) out = g_string_new(NULL);
		CwJsonWriter w;

		cw_json_writer_init(&w, out, CW_JSON_WRITER_COMPACT);
		cw_json_writer_begin_object(&w);
		cw_json_writer_int(&w, 1);
		return;
	}
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_failed();
	g_test_trap_assert_stderr("*needs a key*");
}

/* Nesting stops at CW_JSON_WRITER_MAX_DEPTH. */
static void
test_json_writer_depth(void)
{
	if (g_test_subprocess()) {
		g_autoptr(GString) out = g_string_new(NULL);
		CwJsonWriter w;

		cw_json_writer_init(&w, out, CW_JSON_WRITER_COMPACT);
		for (guint i = 0; i <= CW_JSON_WRITER_MAX_DEPTH; i++)
			cw_json_writer_begin_array(&w);
		return;
	}
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_failed();
	g_test_trap_assert_stderr("*nesting deeper than 64*");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/core/json-writer/escapes-control", test_json_writer_escapes_control);
	g_test_add_func("/core/json-writer/escapes-nul", test_json_writer_escapes_nul);
	g_test_add_func("/core/json-writer/unicode", test_json_writer_unicode);
	g_test_add_func("/core/json-writer/non-finite-is-null",
			test_json_writer_non_finite_is_null);
	g_test_add_func("/core/json-writer/double-round-trip", test_json_writer_double_round_trip);
	g_test_add_func("/core/json-writer/double-forms", test_json_writer_double_forms);
	g_test_add_func("/core/json-writer/double-shortest", test_json_writer_double_shortest);
	g_test_add_func("/core/json-writer/nesting", test_json_writer_nesting);
	g_test_add_func("/core/json-writer/appends", test_json_writer_appends);
	g_test_add_func("/core/json-writer/misuse", test_json_writer_misuse);
	g_test_add_func("/core/json-writer/depth", test_json_writer_depth);
	return g_test_run();
}
