"""The GPU benchmark's script runs on a CPU with the tiny shape, and reports every number."""
import json
import os
import subprocess
import sys

PY_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_bench_gpu_runs_the_tiny_shape_on_cpu():
    p = subprocess.run([sys.executable, "-m", "halo_forge_worker.bench_gpu", "--shapes", "tiny", "--rows", "8", "--n", "4",
                        "--new", "8", "--train-rows", "16", "--train-steps", "2", "--batch-tokens", "1024"],
                       capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=PY_DIR), timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    r = json.loads(p.stdout.strip().splitlines()[-1])
    assert r["shape"] == "tiny" and r["parameters"] > 100_000
    assert r["worker_generate"]["rows"] == 8 and r["worker_generate"]["tokens_per_second"] > 0
    assert r["lora_train"]["tokens_per_second"] > 0 and r["lora_train"]["peak_gib"] > 0
    assert "| tiny |" in p.stderr  # the table
