#!/usr/bin/env python3
"""Fixture tests for tools/check-source/check-source; prints TAP.

Runs the checker as a subprocess on each tree under fixtures/ and checks the
exit status and the exact messages. Standard library only.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import traceback
import unittest

HERE = os.path.dirname(os.path.realpath(__file__))
CHECKER = os.path.join(HERE, "check-source")
FIXTURES = os.path.join(HERE, "fixtures")

CHECK = unittest.TestCase()
CHECK.maxDiff = None


class Result:
    def __init__(self, proc):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def __repr__(self):
        return "exit %d\n--- stdout\n%s--- stderr\n%s" % (self.code, self.out, self.err)


def run(*args):
    proc = subprocess.run([sys.executable, CHECKER] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)
    return Result(proc)


def fixture(name, *extra):
    return run(os.path.join(FIXTURES, name), *extra)


def expect(result, code, *lines):
    """Exit status CODE and exactly LINES as the violation lines (before the summary)."""
    CHECK.assertEqual(result.code, code, repr(result))
    got = [l for l in result.out.splitlines() if not l.startswith("check-source: ")]
    CHECK.assertEqual(got, list(lines), repr(result))


def summary(result):
    return [l for l in result.out.splitlines() if l.startswith("check-source: ")]


# ---------------------------------------------------------------------------
# Tests, run in order of definition
# ---------------------------------------------------------------------------

def test_clean_tree():
    """Nesting at the limit, initializers, compound literals, strings and
    comments naming g_error, converted errors, type-named functions."""
    result = fixture("clean")
    expect(result, 0)
    CHECK.assertEqual(summary(result), [
        "check-source: 4 files, 14 functions, 1 project error domains; "
        "private headers: see tools/depcheck",
        "check-source: 0 violations, 0 allowed by no allowlist",
    ])


def test_function_length():
    expect(fixture("long"), 1,
           "cw-long.c:208: too_long: function-length: 201 lines, at most 200")


def test_nesting_depth():
    expect(fixture("nesting"), 1,
           "cw-nesting.c:19: cw_nesting_braces: nesting-depth: "
           "control statements nested 6 deep, at most 5",
           "cw-nesting.c:45: cw_nesting_bare: nesting-depth: "
           "control statements nested 6 deep, at most 5")


def test_g_error():
    msg = "g-error: g_error() aborts the process: return a GError or use g_critical()"
    expect(fixture("g-error"), 1,
           "cw-fatal.c:10: cw_fatal_check: " + msg,
           "cw-fatal.c:17: test_case: " + msg)


def test_error_domain():
    tail = ": use a candlewick domain (CW_*_ERROR); convert foreign errors"
    expect(fixture("error-domain"), 1,
           "cw-domains.c:15: cw_domains_io: error-domain: "
           "g_set_error() with domain G_IO_ERROR" + tail,
           "cw-domains.c:22: cw_domains_file: error-domain: "
           "g_set_error_literal() with domain G_FILE_ERROR" + tail,
           "cw-domains.c:29: cw_domains_new: error-domain: "
           "g_error_new() with domain G_IO_ERROR" + tail,
           "cw-domains.c:35: cw_domains_task: error-domain: "
           "g_task_return_new_error() with domain G_IO_ERROR" + tail,
           "cw-domains.c:41: cw_domains_variable: error-domain: "
           "g_set_error() with domain domain" + tail,
           "cw-domains.c:48: cw_domains_undefined: error-domain: "
           "g_set_error() with domain CW_NO_SUCH_ERROR" + tail)


def test_function_prefix():
    tail = (": function-prefix: name it cw_order_book_* (or a shorter cw_order_*), "
            "after a type declared in a header of ., or make it static (one object per file)")
    expect(fixture("prefix"), 1,
           "cw-order-book.c:23: cw_trade_count" + tail,
           "cw-order-book.c:29: helper" + tail)


def test_one_type_per_file():
    expect(fixture("one-type"), 1,
           "cw-pair.c:17: one-type: defines CwPair, CwPairHelper: one GObject type per file")


def test_printf_json():
    """JSON from printf arguments fails in what candlewick writes; labels,
    messages that show JSON, constants, tests and benchmarks pass."""
    tail = "writes JSON: use CwJsonWriter (cw-json-writer.h), which escapes and formats numbers"
    expect(fixture("printf-json"), 1,
           "cw-report.c:8: cw_report_state: printf-json: g_strdup_printf() " + tail,
           "cw-report.c:14: cw_report_append: printf-json: g_string_append_printf() " + tail,
           "cw-report.c:15: cw_report_append: printf-json: g_string_append_printf() " + tail,
           "cw-report.c:16: cw_report_append: printf-json: g_string_append_printf() " + tail,
           "cw-report.c:22: cw_report_print: printf-json: fprintf() " + tail,
           "cw-report.c:23: cw_report_print: printf-json: g_snprintf() " + tail)


def test_unbalanced_braces():
    expect(fixture("parse"), 1, "cw-broken.c:6: parse: unclosed '{'")


def test_allowlist():
    result = fixture("allow")
    expect(result, 0)
    CHECK.assertIn("check-source: 0 violations, 2 allowed by tools/check-source.allow",
                   result.out)


def test_allowlist_stale_entry():
    path = os.path.join(FIXTURES, "allow-stale", "tools", "check-source.allow")
    expect(fixture("allow-stale"), 1,
           path + ":3: stale allowlist entry: cw-legacy.c legacy_helper function-length "
           "no longer fails; remove it")


def test_allowlist_option_and_no_allowlist():
    """--allow names the file; the allow fixture fails without its list."""
    empty = write_temp("# nothing allowed\n")
    try:
        result = fixture("allow", "--allow", empty)
    finally:
        os.unlink(empty)
    CHECK.assertEqual(result.code, 1, repr(result))
    CHECK.assertIn("cw-legacy.c:10: legacy_helper: g-error: ", result.out)
    CHECK.assertIn("cw-legacy.c:7: legacy_helper: function-prefix: ", result.out)


def write_temp(text):
    handle = tempfile.NamedTemporaryFile("w", suffix=".allow", delete=False)
    with handle:
        handle.write(text)
    return handle.name


def expect_allowlist_error(text, fragment):
    path = write_temp(text)
    try:
        result = fixture("allow", "--allow", path)
    finally:
        os.unlink(path)
    CHECK.assertEqual(result.code, 2, repr(result))
    CHECK.assertIn(path + ":", result.err, repr(result))
    CHECK.assertIn(fragment, result.err, repr(result))


def test_allowlist_errors():
    expect_allowlist_error("cw-legacy.c legacy_helper g-error\n",
                           ":1: expected 'PATH FUNCTION RULE REASON'")
    expect_allowlist_error("# c\ncw-legacy.c legacy_helper no-such-rule why\n",
                           ":2: unknown rule 'no-such-rule'")
    expect_allowlist_error("a.c f g-error one\na.c f g-error two\n", ":2: duplicate entry")


def test_bad_root_and_option():
    result = run(os.path.join(FIXTURES, "no-such-tree"))
    CHECK.assertEqual(result.code, 2, repr(result))
    CHECK.assertIn("not a directory", result.err)
    CHECK.assertEqual(run("--no-such-option").code, 2)


def test_fixtures_and_build_dirs_skipped():
    """tools/*/fixtures, build dirs, subprojects and hidden dirs are not scanned."""
    with tempfile.TemporaryDirectory() as root:
        for tool in ("check-source", "depcheck"):
            target = os.path.join(root, "tools", tool, "fixtures", "g-error")
            shutil.copytree(os.path.join(FIXTURES, "g-error"), target)
        for junk in ("build-x/meson-private", "out/meson-private", "subprojects/x", ".git/x"):
            os.makedirs(os.path.join(root, junk))
            with open(os.path.join(root, junk, "..", "cw-junk.c"), "w") as handle:
                handle.write("void\nf(void)\n{\n\tg_error(\"x\");\n}\n")
        result = run(root)
    expect(result, 0)
    CHECK.assertIn("check-source: 0 files, 0 functions", result.out)


def test_stats():
    result = fixture("long", "--stats")
    CHECK.assertIn("stats:  201 lines  cw-long.c:208 too_long", result.out)
    CHECK.assertIn("stats: depth 0  cw-long.c:", result.out)


# ---------------------------------------------------------------------------
# TAP runner
# ---------------------------------------------------------------------------

def collect_tests():
    return [(name, func) for name, func in globals().items()
            if name.startswith("test_") and callable(func)]


def main():
    tests = collect_tests()
    print("1..%d" % len(tests))
    failures = 0
    for number, (name, func) in enumerate(tests, start=1):
        label = name[len("test_"):].replace("_", " ")
        try:
            func()
        except Exception:  # pylint: disable=broad-except
            failures += 1
            print("not ok %d - %s" % (number, label))
            for line in traceback.format_exc().splitlines():
                print("# " + line)
        else:
            print("ok %d - %s" % (number, label))
    sys.stdout.flush()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
