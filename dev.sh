#!/usr/bin/env bash
# candlewick developer entry point.
#
#   ./dev.sh demo       install what is missing, build, run the demo
#   ./dev.sh check      install what is missing, build, run every test and check:
#                       unit and end-to-end tests, depcheck, format,
#                       check-source, clang-tidy, the fuzz targets (bounded),
#                       then the whole suite again under ASan and UBSan
#   ./dev.sh build      install what is missing and build only
#   ./dev.sh tidy       clang-tidy (.clang-tidy) over the build, zero findings
#   ./dev.sh fuzz [S]   build the libFuzzer targets (clang) and run each for S
#                       seconds (default 60; CW_FUZZ_SECONDS in check)
#   ./dev.sh coverage   line coverage per package (gcovr), own build dir
#
# docs/development.md describes each check.
# Works on a fresh Debian 12: missing apt packages are installed with apt-get
# (through sudo when not root).
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"
ROOT=$PWD
BUILD=${CW_BUILD_DIR:-$ROOT/build}
ASAN_BUILD=${CW_ASAN_BUILD_DIR:-$ROOT/build-asan}
FUZZ_BUILD=${CW_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
COVERAGE_BUILD=${CW_COVERAGE_BUILD_DIR:-$ROOT/build-coverage}

APT_PACKAGES=(
	gcc libc6-dev pkg-config meson ninja-build python3
	libglib2.0-dev libjson-glib-dev libsoup-3.0-dev libsqlite3-dev sqlite3
	clang-format git
	clang clang-tidy libclang-rt-14-dev
	prometheus
	chromium
	openssl
)
# only for ./dev.sh coverage (gcovr pulls in a few Python libraries)
COVERAGE_PACKAGES=(gcovr)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# install_deps [PACKAGE...]: the packages given, or APT_PACKAGES
install_deps() {
	local wanted=("$@")
	local missing=()
	if [ ${#wanted[@]} -eq 0 ]; then
		wanted=("${APT_PACKAGES[@]}")
	fi
	for p in "${wanted[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$p")
		fi
	done
	# the browser test's driver; nodejs from another source brings its own npm
	if ! command -v npm >/dev/null 2>&1; then
		missing+=(nodejs npm)
	fi
	if [ ${#missing[@]} -eq 0 ]; then
		install_browser_test
		return 0
	fi
	log "installing ${missing[*]}"
	local sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		sudo=(sudo)
	fi
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -qq
	"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
	install_browser_test
}

# playwright-core for tests/browser, pinned by its package-lock.json
install_browser_test() {
	if [ ! -d "$ROOT/tests/browser/node_modules/playwright-core" ]; then
		log "npm ci in tests/browser"
		(cd "$ROOT/tests/browser" && npm ci --no-audit --no-fund --silent)
	fi
}

setup() {
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}

build() {
	install_deps
	log "building in $BUILD"
	setup "$BUILD"
	ninja -C "$BUILD"
}

# meson prints its own summary; this adds the one-line total that CI reads.
summarize() {
	python3 - "$@" <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    with open(path) as f:
        for line in f:
            r = json.loads(line).get("result")
            if r in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif r == "SKIP":
                skipped += 1
            else:
                failed += 1
print(f"check: {passed} passed, {failed} failed, {skipped} skipped")
PY
}

cmd_demo() {
	build
	log "running the demo"
	"$BUILD/orchestration/services/candlewick" demo --out "$ROOT/demo-out"
}

# stage NAME COMMAND...: runs one stage of check, times it, remembers the result
STAGE_LINES=()
CHECK_STATUS=0
stage() {
	local name=$1
	shift
	local start=$SECONDS
	log "$name"
	if "$@"; then
		STAGE_LINES+=("$(printf '  %-22s %5d s  ok' "$name" $((SECONDS - start)))")
	else
		STAGE_LINES+=("$(printf '  %-22s %5d s  FAILED' "$name" $((SECONDS - start)))")
		CHECK_STATUS=1
	fi
}

run_tests() {
	meson test -C "$BUILD" --print-errorlogs --num-processes 2
}

cmd_tidy() {
	tools/run-tidy -j 2 "$BUILD"
}

# the fuzz targets: NAME for each tests/fuzz/cw-fuzz-NAME.c with corpus/NAME/
fuzz_targets() {
	python3 tests/fuzz/list-targets.py
}

build_fuzz() {
	log "building the fuzz targets in $FUZZ_BUILD (clang, libFuzzer, ASan, UBSan)"
	if [ ! -f "$FUZZ_BUILD/build.ninja" ]; then
		CC=clang meson setup "$FUZZ_BUILD" -Dfuzzing=true -Db_lto=false >/dev/null
	else
		meson setup --reconfigure "$FUZZ_BUILD" -Dfuzzing=true -Db_lto=false >/dev/null
	fi
	local targets=()
	for t in $(fuzz_targets); do
		targets+=("tests/fuzz/cw-fuzz-$t")
	done
	ninja -C "$FUZZ_BUILD" "${targets[@]}"
}

# run_fuzz SECONDS: each target for SECONDS on a work corpus seeded from
# tests/fuzz/corpus/NAME; prints execs and coverage; fails on a crash.
# -max_len=4096 bounds each input (and with it the JSON nesting json-glib
# recurses over; the targets skip inputs nested deeper than 64).
run_fuzz() {
	local seconds=$1 status=0
	for t in $(fuzz_targets); do
		local work="$FUZZ_BUILD/corpus/$t" artifacts="$FUZZ_BUILD/artifacts/$t"
		local out="$FUZZ_BUILD/fuzz-$t.log"
		mkdir -p "$work" "$artifacts"
		if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			"$FUZZ_BUILD/tests/fuzz/cw-fuzz-$t" -max_total_time="$seconds" -max_len=4096 \
			-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix="$artifacts/" "$work" "tests/fuzz/corpus/$t" >"$out" 2>&1; then
			python3 - "$t" "$out" <<'PY'
import re, sys
name, path = sys.argv[1], sys.argv[2]
text = open(path, errors="replace").read()
done = re.findall(r"#(\d+)\s+DONE\s+cov: (\d+) ft: (\d+) corp: (\d+)", text)
rate = re.search(r"stat::average_exec_per_sec:\s+(\d+)", text)
if done:
    execs, cov, ft, corp = done[-1]
    print(f"fuzz {name}: {execs} execs ({rate.group(1) if rate else '?'}/s), "
          f"coverage {cov} edges, {ft} features, corpus {corp} inputs, no crash")
else:
    print(f"fuzz {name}: finished, no statistics in {path}")
PY
		else
			status=1
			echo "fuzz $t: FAILED; the input is in $artifacts/ (add it to tests/fuzz/corpus/$t once fixed)" >&2
			grep -E 'ERROR|SUMMARY|assert|Test unit written' "$out" | head -20 >&2 || true
		fi
	done
	return $status
}

cmd_fuzz() {
	local seconds=${1:-60}
	install_deps
	build_fuzz
	run_fuzz "$seconds"
}

asan_tests() {
	setup "$ASAN_BUILD" -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
	ninja -C "$ASAN_BUILD"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C "$ASAN_BUILD" --print-errorlogs --num-processes 2 \
		--timeout-multiplier 3
}

cmd_check() {
	local start=$SECONDS
	stage "build" build
	stage "tests" run_tests
	stage "dependency checker" tools/depcheck/depcheck "$ROOT"
	stage "format (clang-format)" tools/check-format.sh
	stage "check-source" tools/check-source/check-source "$ROOT"
	stage "clang-tidy" cmd_tidy
	stage "fuzz build" build_fuzz
	stage "fuzz (${CW_FUZZ_SECONDS:-60} s each)" run_fuzz "${CW_FUZZ_SECONDS:-60}"
	stage "tests (ASan, UBSan)" asan_tests
	log "stages"
	printf '%s\n' "${STAGE_LINES[@]}" >&2
	printf '  %-22s %5d s\n' "total" $((SECONDS - start)) >&2
	summarize "$BUILD/meson-logs/testlog.json" "$ASAN_BUILD/meson-logs/testlog.json"
	return $CHECK_STATUS
}

cmd_coverage() {
	install_deps
	install_deps "${COVERAGE_PACKAGES[@]}"
	log "building with coverage in $COVERAGE_BUILD"
	setup "$COVERAGE_BUILD" -Db_coverage=true -Db_lto=false -Dbuildtype=debug
	ninja -C "$COVERAGE_BUILD"
	find "$COVERAGE_BUILD" -name '*.gcda' -delete
	log "running the suite"
	meson test -C "$COVERAGE_BUILD" --num-processes 2 --timeout-multiplier 2 ||
		log "some tests failed; coverage is still reported"
	log "line coverage per package"
	gcovr --root "$ROOT" --object-directory "$COVERAGE_BUILD" \
		--exclude '.*-test\.c$' --exclude '.*-test-utils\.c$' --exclude '.*-bench\.c$' \
		--exclude "$ROOT/tests/" --exclude "$ROOT/tools/" --exclude "$ROOT/subprojects/" \
		--exclude "$COVERAGE_BUILD/" \
		--json-summary "$COVERAGE_BUILD/coverage-summary.json" \
		--html-details "$COVERAGE_BUILD/coverage.html" >/dev/null
	tools/coverage-report "$COVERAGE_BUILD/coverage-summary.json"
	echo "details: $COVERAGE_BUILD/coverage.html"
}

case "${1:-}" in
demo) cmd_demo ;;
check) cmd_check ;;
build) build ;;
tidy)
	build
	cmd_tidy
	;;
fuzz) cmd_fuzz "${2:-60}" ;;
coverage) cmd_coverage ;;
*)
	echo "usage: $0 demo|check|build|tidy|fuzz [SECONDS]|coverage" >&2
	exit 2
	;;
esac
