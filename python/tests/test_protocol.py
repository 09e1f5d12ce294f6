"""The worker as a child process: hello, bad requests, the main ops end to end, shutdown."""
import json
import math
import os

import peft
import torch
import transformers


def test_hello(proc):
    hello = proc.read()
    assert hello["event"] == "hello" and hello["protocol"] == 1
    assert hello["versions"]["torch"] == torch.__version__
    assert hello["versions"]["transformers"] == transformers.__version__
    assert hello["versions"]["peft"] == peft.__version__
    assert hello["device"] in ("cpu", "cuda", "mps") and hello["threads"] >= 1


def test_bad_requests_answer_errors_and_worker_keeps_serving(proc):
    proc.send_raw("this is not json")
    msg = proc.read()
    assert msg["ok"] is False and msg["error"]["type"] == "bad_request" and msg["id"] is None
    for rid, op, args in [(1, "no_such_op", {}), (2, "load", {}), (3, "generate", {"prompts": []}),
                          (4, "init_tiny", {"path": "/tmp/unused", "bogus": 1})]:
        r, _ = proc.call(rid, op, args)
        assert r["ok"] is False and r["error"]["type"] == "bad_request", r
        assert "\n" not in r["error"]["message"]
    r, _ = proc.call(5, "load", {"model": "/nonexistent/model"})
    assert r["ok"] is False and r["error"]["type"] != "bad_request"
    r, _ = proc.call(6, "health")
    assert r["ok"] and r["result"]["model"] is None and r["result"]["rss_mb"] > 0


def test_load_generate_train_save(proc, tiny_dir, tmp_path):
    r, _ = proc.call(10, "load", {"model": tiny_dir, "threads": 2})
    assert r["ok"], r
    res = r["result"]
    assert res["device"] == "cpu" and res["dtype"] == "float32" and res["has_chat_template"]
    assert res["parameters"] > 100_000 and res["vocab_size"] > 256

    prompts = [{"id": f"p{i}", "prompt": f"Write function {i} in C."} for i in range(4)]
    args = {"prompts": prompts, "n": 8, "max_new_tokens": 24, "seed": 1, "stop": ["e", "t"]}
    r, progress = proc.call(11, "generate", args)
    assert r["ok"], r
    samples = r["result"]["samples"]
    assert len(samples) == 32 and progress and progress[-1]["prompts_done"] == 4
    assert [s["id"] for s in samples] == [p["id"] for p in prompts for _ in range(8)]
    assert [s["sample"] for s in samples[:8]] == list(range(8))
    for s in samples:
        assert s["finish_reason"] in ("stop", "length", "eos")
        assert 0 <= s["completion_tokens"] <= 24 and s["prompt_tokens"] > 0
        assert "e" not in s["completion"] and "t" not in s["completion"]  # truncated at the stop string
        if s["finish_reason"] == "length":
            assert s["completion_tokens"] == 24
    assert any(s["finish_reason"] == "stop" for s in samples)
    assert r["result"]["tokens"] > 0 and r["result"]["tokens_per_second"] > 0

    again, _ = proc.call(12, "generate", args)
    assert again["result"]["samples"] == samples  # same seed, same samples

    examples = [{"prompt": f"Write function {i} in C.", "completion": "int zebra(void) { return 42; }"} for i in range(8)]
    r, progress = proc.call(13, "train", {"examples": examples, "steps": 4, "learning_rate": 1e-3,
                                          "save_to": str(tmp_path / "adapter")})
    assert r["ok"], r
    assert [p["step"] for p in progress] == [1, 2, 3, 4]
    assert all(math.isfinite(s["loss"]) and s["lr"] > 0 for s in r["result"]["steps"])
    assert r["result"]["saved"] == str(tmp_path / "adapter")
    assert os.path.exists(tmp_path / "adapter" / "adapter_config.json")

    r, _ = proc.call(14, "save", {"path": str(tmp_path / "again")})
    assert r["ok"] and r["result"]["kind"] == "adapter"
    r, _ = proc.call(15, "health")
    assert r["result"]["model"] == tiny_dir and r["result"]["adapter"] == str(tmp_path / "again")


def test_stdout_is_only_protocol_and_shutdown_exits_zero(proc):
    r, _ = proc.call(99, "shutdown")
    assert r == {"id": 99, "ok": True, "result": {}}
    assert proc.p.wait(timeout=30) == 0
    for line in proc.lines:  # nothing but JSON objects, one per line
        assert isinstance(json.loads(line), dict)


def test_stray_prints_go_to_stderr():
    import subprocess
    import sys

    from conftest import PY_DIR

    code = ("import os; from halo_forge_worker.protocol import Channel; c = Channel(); print('noise'); "
            "os.write(1, b'C noise\\n'); c.send({'a': float('nan')})")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PY_DIR, timeout=60)
    assert r.stdout == '{"a": null}\n' and "noise" in r.stderr and "C noise" in r.stderr


def test_worker_exits_when_its_orchestrator_is_killed():
    """kill -9 of the process that started the worker: the orphan stops within seconds, though
    its stdin stays open (a long op would never read EOF)."""
    import signal
    import subprocess
    import sys
    import time

    from conftest import PY_DIR

    env = dict(os.environ, PYTHONPATH=PY_DIR)
    shell = subprocess.Popen(["sh", "-c", f"exec 3<&0; {sys.executable} -u -m halo_forge_worker <&3 & echo $!; wait"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                             env=env, cwd="/")
    worker_pid = int(shell.stdout.readline())
    hello = json.loads(shell.stdout.readline())
    assert hello["event"] == "hello"

    def alive():
        try:
            with open(f"/proc/{worker_pid}/status") as f:
                return not any(line.startswith("State:") and "Z" in line for line in f)
        except FileNotFoundError:
            return False

    assert alive()
    os.kill(shell.pid, signal.SIGKILL)
    shell.wait()
    deadline = time.monotonic() + 10
    while alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        assert not alive(), "the orphaned worker is still running"
    finally:
        if alive():
            os.kill(worker_pid, signal.SIGKILL)
        shell.stdin.close()
