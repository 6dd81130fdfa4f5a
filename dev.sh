#!/usr/bin/env bash
# candlewick developer entry point.
#
#   ./dev.sh demo    install what is missing, build, run the demo
#   ./dev.sh check   install what is missing, build, run every test and check
#                    (unit and end-to-end tests, depcheck, format, then the
#                    whole suite again under ASan and UBSan)
#   ./dev.sh build   install what is missing and build only
#
# Works on a fresh Debian 12: missing apt packages are installed with apt-get
# (through sudo when not root).
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"
ROOT=$PWD
BUILD=${CW_BUILD_DIR:-$ROOT/build}
ASAN_BUILD=${CW_ASAN_BUILD_DIR:-$ROOT/build-asan}

APT_PACKAGES=(
	gcc libc6-dev pkg-config meson ninja-build python3
	libglib2.0-dev libjson-glib-dev libsoup-3.0-dev libsqlite3-dev sqlite3
	clang-format git
	chromium
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

install_deps() {
	local missing=()
	for p in "${APT_PACKAGES[@]}"; do
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

cmd_check() {
	build
	local status=0
	log "unit and end-to-end tests"
	meson test -C "$BUILD" --print-errorlogs --num-processes 2 || status=1
	log "dependency checker"
	tools/depcheck/depcheck "$ROOT" || status=1
	log "format check (clang-format)"
	tools/check-format.sh || status=1
	log "tests under AddressSanitizer and UndefinedBehaviorSanitizer"
	setup "$ASAN_BUILD" -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
	ninja -C "$ASAN_BUILD"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C "$ASAN_BUILD" --print-errorlogs --num-processes 2 \
		--timeout-multiplier 3 || status=1
	summarize "$BUILD/meson-logs/testlog.json" "$ASAN_BUILD/meson-logs/testlog.json"
	return $status
}

case "${1:-}" in
demo) cmd_demo ;;
check) cmd_check ;;
build) build ;;
*)
	echo "usage: $0 demo|check|build" >&2
	exit 2
	;;
esac
