#!/usr/bin/env bash
# Fails when a C file of the project is not formatted per .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.c' '*.h' | grep -v '^tools/depcheck/fixtures/')
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
