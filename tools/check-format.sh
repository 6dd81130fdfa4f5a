#!/usr/bin/env bash
# Fails when a C file of the project is not formatted per .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
# the tracked files in a checkout; every source file otherwise (a tarball)
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files '*.c' '*.h' | grep -Ev '^tools/(depcheck|check-source)/fixtures/')
else
	mapfile -t files < <(find . \( -name 'build*' -o -name .git -o -path ./tools/depcheck/fixtures \
		-o -path ./tools/check-source/fixtures \) -prune \
		-o \( -name '*.c' -o -name '*.h' \) -type f -print | sed 's|^\./||' | sort)
fi
if [ ${#files[@]} -eq 0 ]; then
	exit 0
fi
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/cw-format.$$; then
	grep -E '^[^ ].*: (error|warning)' /tmp/cw-format.$$ | cut -d: -f1 | sort -u |
		sed 's/^/not formatted: /' >&2
	rm -f /tmp/cw-format.$$
	echo "run: clang-format -i <file>" >&2
	exit 1
fi
rm -f /tmp/cw-format.$$
echo "format: ${#files[@]} files OK"
