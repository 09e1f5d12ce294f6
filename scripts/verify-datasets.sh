#!/usr/bin/env bash
# Verifies every reference solution of the shipped HumanEval, MBPP and HumanEval-X C++, the CodeForces
# responses (compile-only: they have no tests) and a negative control through the sandboxed
# verifier, with a summary table for each.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/halo-forge
[ -x "$bin" ] || swift build -c release
datasets=${HALO_FORGE_DATASETS:-datasets}
out=${HALO_FORGE_OUT:-runs/verify-datasets}
mkdir -p "$out"
for set in humaneval mbpp humaneval-x-cpp codeforces; do
    "$bin" data export --dataset "$set" --datasets "$datasets" -o "$out/$set.jsonl"
    echo "== $set: reference solutions"
    "$bin" verify "$out/$set.jsonl" -o "$out/$set.verified.jsonl"
done
"$bin" data export --dataset humaneval --candidates return-none --datasets "$datasets" -o "$out/humaneval-return-none.jsonl"
echo "== humaneval: every body replaced by 'return None' (none may pass)"
"$bin" verify "$out/humaneval-return-none.jsonl" -o "$out/humaneval-return-none.verified.jsonl"
echo "results: $out/*.verified.jsonl"
