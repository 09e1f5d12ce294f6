#!/usr/bin/env bash
# The linters, in lint mode (nothing is rewritten): swift-format's rules (.swift-format) on the
# Swift sources, tests and manifest; ruff (ruff.toml) on the worker, the verifier's Python
# harness and their tests.
#
# swift-format's layout findings (indentation, line breaks, trailing commas) are counted, not
# failed: the code predates the formatter, and laying out every file at once would collide with
# every open branch. `swift format -i FILE` lays out a file when it is next edited.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0

layout='Indentation|AddLines|RemoveLine|TrailingComma|Spacing|TrailingWhitespace'
# Non-strict lint exits non-zero only for a file it cannot parse.
findings=$(swift format lint --recursive --parallel Sources Tests Package.swift 2>&1) || { echo "$findings"; exit 1; }
rules=$(grep -E '(warning|error): \[' <<<"$findings" | grep -vE "\[($layout)\]" || true)
if [ -n "$rules" ]; then
    echo "$rules"
    echo "swift-format: $(wc -l <<<"$rules") finding(s) (rules in .swift-format)"
    status=1
else
    echo "swift-format: every rule passes; $(grep -cE "\[($layout)\]" <<<"$findings" || true) layout findings left for \`swift format -i\`"
fi

# ruff: on PATH, or where scripts/install-test-deps.sh puts it.
ruff_home="${XDG_CACHE_HOME:-$HOME/.cache}/halo-forge/ruff"
if command -v ruff >/dev/null 2>&1; then ruff=ruff; elif [ -x "$ruff_home/bin/ruff" ]; then ruff="$ruff_home/bin/ruff"; else ruff=""; fi
if [ -z "$ruff" ]; then
    echo "ruff: not installed (scripts/install-test-deps.sh installs it into $ruff_home)"
    [ "${1:-}" = "--require-ruff" ] && status=1
elif "$ruff" check --no-cache python python-harness-tests Sources/HaloForgeVerify/Resources; then
    echo "ruff: every rule passes"
else
    status=1
fi
exit $status
