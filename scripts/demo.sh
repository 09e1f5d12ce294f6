#!/usr/bin/env bash
# Sets everything up and runs the main job: halo-forge builds itself, checks the installation,
# verifies every reference solution of the shared benchmarks in the sandbox, creates the model
# worker's Python environment and runs the whole RAFT pipeline offline on the CPU (short SFT →
# baseline → RAFT cycles → final benchmark on held-out built-in C tasks → report).
# Arguments go to `halo-forge demo`; without any, the --tiny pipeline runs (about a minute):
# the SmolLM2 demo (`halo-forge demo`) does not yet fit its 15-minute budget on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release
bin=.build/release/halo-forge
"$bin" test --level smoke --timeout 2
scripts/verify-datasets.sh
"$bin" model setup
if [ $# -eq 0 ]; then set -- --tiny; fi
"$bin" demo "$@"
