#!/usr/bin/env bash
# Runs every test: the Swift package (sandbox, verifiers, attacks) and the Python harness.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build
if ! python3 -m pytest --version >/dev/null 2>&1; then
    python3 -m pip install --quiet pytest
fi
python3 -m pytest python-harness-tests -q -p no:cacheprovider
