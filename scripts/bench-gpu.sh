#!/usr/bin/env bash
# Speed of the worker and of vLLM on random-weight Qwen2.5 shapes (0.5B, 1.5B, 7B): generate
# tokens/s, LoRA training tokens/s, peak memory. A few minutes on one GPU; nothing in CI needs it.
# On a CPU: scripts/bench-gpu.sh --shapes tiny --rows 32 --n 4 --new 32 --batch-tokens 2048
set -euo pipefail
cd "$(dirname "$0")/.."
home="${HALO_FORGE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/halo-forge}"
python="${HALO_FORGE_PYTHON:-$home/venv/bin/python}"
vllm=()
if [ -x "${HALO_FORGE_VLLM_PYTHON:-$home/vllm-venv/bin/python}" ]; then vllm=(--vllm-python "${HALO_FORGE_VLLM_PYTHON:-$home/vllm-venv/bin/python}"); fi
PYTHONPATH=python exec "$python" -m halo_forge_worker.bench_gpu "${vllm[@]}" "$@"
