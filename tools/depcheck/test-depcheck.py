#!/usr/bin/env python3
"""Fixture tests for tools/depcheck/depcheck; prints TAP.

Runs the checker as a subprocess on each tree under fixtures/ and checks
the exit status and the exact messages. Standard library only.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import traceback
import unittest

HERE = os.path.dirname(os.path.realpath(__file__))
DEPCHECK = os.path.join(HERE, "depcheck")
LAYERS = os.path.join(HERE, "layers.json")
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


def depcheck(*args):
    proc = subprocess.run([sys.executable, DEPCHECK] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)
    return Result(proc)


def fixture(name, *extra):
    """Run on fixtures/NAME with the default layer table."""
    return depcheck(os.path.join(FIXTURES, name), "--layers", LAYERS, *extra)


def expect(result, code, *lines):
    """Exit status CODE and each of LINES present as a whole stdout line."""
    CHECK.assertEqual(result.code, code, repr(result))
    out_lines = result.out.splitlines()
    for line in lines:
        CHECK.assertIn(line, out_lines, repr(result))


def write_layers(text):
    handle = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    with handle:
        handle.write(text)
    return handle.name


def expect_config_error(text, *fragments):
    path = write_layers(text)
    try:
        result = depcheck(os.path.join(FIXTURES, "clean"), "--layers", path)
        CHECK.assertEqual(result.code, 2, repr(result))
        CHECK.assertIn(path, result.err, repr(result))
        for fragment in fragments:
            CHECK.assertIn(fragment, result.err, repr(result))
    finally:
        os.unlink(path)


# ---------------------------------------------------------------------------
# Tests, run in order of definition
# ---------------------------------------------------------------------------

CLEAN_CHAIN = ("orchestration/services -> orchestration/execution -> "
               "orchestration/strategy -> orchestration/config -> orchestration/core")


def test_clean_passes_with_summary():
    result = fixture("clean")
    CHECK.assertEqual(result.out.splitlines(), [
        "depcheck: 6 packages, 13 files, 7 package edges, longest chain 5: " + CLEAN_CHAIN,
        "depcheck: OK",
    ], repr(result))
    expect(result, 0)


def test_clean_quiet_prints_nothing():
    result = fixture("clean", "--quiet")
    expect(result, 0)
    CHECK.assertEqual(result.out + result.err, "", repr(result))


def test_clean_dot_graph():
    result = fixture("clean", "--dot")
    expect(result, 0, "digraph depcheck {",
           '  "orchestration/services" -> "orchestration/execution";',
           '  "features/a" -> "orchestration/strategy";', "}")
    CHECK.assertIn("depcheck: OK", result.err, repr(result))
    CHECK.assertNotIn("depcheck:", result.out, repr(result))


def test_cycle_reports_breach_and_cycle():
    result = fixture("cycle")
    expect(result, 1,
           'orchestration/core/cw-core.c:3: orchestration/core may not use '
           'orchestration/config (includes "cw-config.h")',
           "cycle: orchestration/config -> orchestration/core -> orchestration/config",
           '  orchestration/config/cw-config.c:2: orchestration/config -> '
           'orchestration/core (includes "cw-core.h")',
           '  orchestration/core/cw-core.c:3: orchestration/core -> '
           'orchestration/config (includes "cw-config.h")',
           "depcheck: 2 packages, 4 files, 2 package edges",
           "depcheck: 2 violations")
    CHECK.assertNotIn("longest chain", result.out)


def test_cycle3_lists_every_elementary_cycle():
    result = fixture("cycle3")
    expect(result, 1,
           "cycle: orchestration/config -> orchestration/core -> orchestration/config",
           "cycle: orchestration/config -> orchestration/core -> "
           "orchestration/strategy -> orchestration/config",
           '  orchestration/strategy/cw-strategy.h:2: orchestration/strategy -> '
           'orchestration/config (includes "cw-config.h")',
           "depcheck: 4 violations")
    CHECK.assertNotIn("tests", result.out.split("depcheck:")[0], "tests/ must stay out of cycles")


def test_layer_breach():
    result = fixture("layer-breach")
    expect(result, 1,
           'features/a/cw-a.c:2: features/a may not use orchestration/services '
           '(includes "cw-services.h")',
           'features/a/cw-a-peer.c:4: features/a may not use features/b (includes "cw-b.h")',
           'features/a/cw-a-net.c:1: features/a may not use libsoup (includes <libsoup/soup.h>)',
           "depcheck: 3 violations")
    CHECK.assertNotIn("features/streaming may not", result.out)
    CHECK.assertNotIn("monitoring/health may not", result.out)


ROOMS_CHAIN = ("orchestration/services -> orchestration/services/cli -> "
               "orchestration/services/daemon -> orchestration/services/runtime -> "
               "orchestration/services/store -> orchestration/core")


def test_rooms_of_services_pass():
    """Each room uses the rooms below it; the store alone speaks SQL."""
    result = fixture("rooms")
    CHECK.assertEqual(result.out.splitlines(), [
        "depcheck: 6 packages, 11 files, 10 package edges, longest chain 6: " + ROOMS_CHAIN,
        "depcheck: OK",
    ], repr(result))
    expect(result, 0)


def test_room_breach():
    """No room reaches up: store never runtime, runtime never daemon, daemon
    never cli; no SQL outside the store; no feature uses a room."""
    result = fixture("room-breach")
    expect(result, 1,
           'orchestration/services/store/cw-store.c:2: orchestration/services/store may not use '
           'orchestration/services/runtime (includes "cw-services-runtime.h")',
           'orchestration/services/runtime/cw-runtime.c:3: orchestration/services/runtime may not '
           'use orchestration/services/daemon (includes "cw-services-daemon.h")',
           'orchestration/services/daemon/cw-daemon.c:2: orchestration/services/daemon may not use '
           'orchestration/services/cli (includes "cw-services-cli.h")',
           'orchestration/services/runtime/cw-runtime.c:2: orchestration/services/runtime may not '
           'use sqlite3 (includes <sqlite3.h>)',
           'orchestration/services/cli/cw-main.c:2: orchestration/services/cli may not use sqlite3 '
           '(includes <sqlite3.h>)',
           'features/a/cw-a.c:2: features/a may not use orchestration/services/runtime '
           '(includes "cw-services-runtime.h")',
           "depcheck: 6 violations")
    CHECK.assertNotIn("libsoup", result.out)


def test_private_header():
    result = fixture("private-header")
    expect(result, 1,
           'orchestration/strategy/cw-strategy.c:2: orchestration/strategy includes '
           'private header "cw-core-private.h" of orchestration/core',
           "depcheck: 1 violation")
    CHECK.assertNotIn("may not use", result.out)


def test_bad_external():
    result = fixture("bad-external")
    expect(result, 1,
           "orchestration/core/cw-core.c:3: orchestration/core may not use json-glib "
           "(includes <json-glib/json-glib.h>)",
           "depcheck: 1 violation")


def test_unresolved_with_fixture_layers():
    # No --layers: the fixture's own tools/depcheck/layers.json is used.
    result = depcheck(os.path.join(FIXTURES, "unresolved"))
    expect(result, 1,
           'orchestration/core/cw-core.c:3: unresolved include "cw-missing.h"',
           "depcheck: 1 violation")


def test_unresolved_with_default_layers():
    result = fixture("unresolved")
    expect(result, 1,
           'orchestration/core/cw-core.c:2: unresolved include "cw-fixture-gen.h"',
           'orchestration/core/cw-core.c:3: unresolved include "cw-missing.h"',
           "depcheck: 2 violations")
    CHECK.assertNotIn("cw-version.h", result.out)


def test_duplicate_basename():
    result = fixture("duplicate")
    expect(result, 1,
           'orchestration/config/cw-util.h: duplicate header basename "cw-util.h" '
           '(also orchestration/core/cw-util.h)')


def test_invalid_json_layers():
    expect_config_error('{"packages": {,}}', "invalid JSON", ":1:")


def test_layers_unknown_package():
    expect_config_error('{"packages": {"orchestration/core": {"may_use": ["orchestration/kore"]}}}',
                        "unknown package 'orchestration/kore'")


def test_layers_unknown_library_and_key():
    expect_config_error('{"external": {}, "packages": {"tests": '
                        '{"external": ["glib"], "may_uses": []}}}',
                        "unknown library 'glib'", "unknown key 'may_uses'")


def test_missing_layers_file():
    missing = os.path.join(tempfile.gettempdir(), "depcheck-no-such-layers.json")
    result = depcheck(os.path.join(FIXTURES, "clean"), "--layers", missing)
    CHECK.assertEqual(result.code, 2, repr(result))
    CHECK.assertIn(missing, result.err)


def test_bad_root_and_option():
    result = depcheck(os.path.join(FIXTURES, "no-such-tree"), "--layers", LAYERS)
    CHECK.assertEqual(result.code, 2, repr(result))
    CHECK.assertIn("not a directory", result.err)
    CHECK.assertEqual(depcheck("--no-such-option").code, 2)


def test_fixtures_and_build_dirs_skipped():
    """tools/depcheck/fixtures and meson build dirs are not scanned."""
    with tempfile.TemporaryDirectory() as root:
        target = os.path.join(root, "tools", "depcheck")
        os.makedirs(target)
        shutil.copytree(os.path.join(FIXTURES, "cycle"), os.path.join(target, "fixtures", "cycle"))
        build = os.path.join(root, "tests", "build", "meson-private")
        os.makedirs(build)
        with open(os.path.join(root, "tests", "build", "junk.c"), "w") as handle:
            handle.write('#include "cw-missing.h"\n')
        result = depcheck(root, "--layers", LAYERS)
    expect(result, 0, "depcheck: OK")
    CHECK.assertIn("0 files", result.out)


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
