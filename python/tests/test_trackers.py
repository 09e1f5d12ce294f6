"""--report-to: the trackers' files read back with each tracker's own reader.

TensorBoard through its EventAccumulator, MLflow through MlflowClient, W&B's offline run file
through W&B's own protobuf records (wandb 0.31 ships no Python reader of the .wandb log: the
LevelDB-style block framing is read here, each record parsed by wandb.proto).
"""
import glob
import json
import math
import os
import signal
import sqlite3
import struct
import subprocess
import sys
import time

PY_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(PY_DIR)
os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")


# --- readers -----------------------------------------------------------------------------

def read_tensorboard(folder):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(os.path.join(folder, "tensorboard"))
    acc.Reload()
    scalars = {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}
    try:
        hparams = acc.PluginTagToContent("hparams")
    except KeyError:  # a run that sent no settings
        hparams = {}
    return scalars, hparams


def read_mlflow(folder):
    from mlflow.tracking import MlflowClient

    state = json.load(open(os.path.join(folder, "state.json")))
    client = MlflowClient(tracking_uri="file:" + os.path.join(os.path.abspath(folder), "mlruns"))
    run = client.get_run(state["mlflow_run_id"])
    metrics = {key: sorted((m.step, m.value) for m in client.get_metric_history(run.info.run_id, key))
               for key in run.data.metrics}
    return metrics, run.data.params, run.info.status


def wandb_records(path):
    """The records of a .wandb file: a 7-byte W&B header, then 32 KiB blocks of LevelDB log records."""
    from wandb.proto import wandb_internal_pb2

    data = open(path, "rb").read()
    assert data[:4] == b":W&B"
    block, header = 32 * 1024, 7
    pos, parts = header, b""
    while pos + header <= len(data):
        left = block - pos % block
        if left < header:
            pos += left
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos:pos + header])
        if kind == 0 and length == 0:
            pos += left
            continue
        payload = data[pos + header:pos + header + length]
        pos += header + length
        if kind == 1:
            raw = payload
        elif kind == 2:
            parts = payload
            continue
        elif kind == 3:
            parts += payload
            continue
        else:
            raw = parts + payload
        record = wandb_internal_pb2.Record()
        record.ParseFromString(raw)
        yield record


def read_wandb(folder):
    """-> ({key: [(axis step, value)]}, config, run ids, W&B _step of every row in file order)."""
    axis = {"train": "train/step", "eval": "train/step", "cycle": "cycle/index", "heldout": "heldout/stage"}
    series, config, ids, steps = {}, {}, set(), []
    files = glob.glob(os.path.join(folder, "wandb", "offline-run-*", "run-*.wandb"))
    for path in sorted(files, key=lambda p: os.path.basename(os.path.dirname(p))):
        for record in wandb_records(path):
            kind = record.WhichOneof("record_type")
            if kind == "run":
                ids.add(record.run.run_id)
            elif kind == "config":
                config.update({item.key: json.loads(item.value_json) for item in record.config.update})
            elif kind == "history":
                row = {item.key or "/".join(item.nested_key): json.loads(item.value_json) for item in record.history.item}
                steps.append(row["_step"])
                for key, value in row.items():
                    group = key.split("/")[0]
                    if group in axis and key != axis[group]:
                        series.setdefault(key, []).append((row[axis[group]], value))
    return {k: sorted(v) for k, v in series.items()}, config, ids, steps


def same(a, b, rel=1e-6):
    assert [s for s, _ in a] == [s for s, _ in b], (a, b)
    for (_, x), (_, y) in zip(a, b):
        assert math.isclose(x, y, rel_tol=rel, abs_tol=1e-12), (a, b)


# --- the reporter alone ------------------------------------------------------------------

def reporter(folder, lines, trackers=("tensorboard", "wandb", "mlflow"), env=None):
    args = [sys.executable, "-m", "halo_forge_worker.trackers", "--dir", folder, "--name", "t"]
    for t in trackers:
        args += ["--tracker", t]
    environment = dict(os.environ, PYTHONPATH=PY_DIR)
    environment.update(env or {})
    p = subprocess.run(args, input="".join(json.dumps(l) + "\n" for l in lines), capture_output=True, text=True,
                       env=environment, timeout=300)
    return p.returncode, [json.loads(l) for l in p.stdout.splitlines()], p.stderr


def test_reporter_writes_every_tracker_and_a_restart_repeats_nothing(tmp_path):
    folder = str(tmp_path / "trackers")
    params = {"learning_rate": 5e-05, "lora_target_modules": ["q_proj", "v_proj"], "dedupe": True, "keep_top_k": None}
    step = lambda n: {"kind": "step", "step": n, "values": {"train/loss": 3.0 - n / 10, "train/lr": 1e-3 * n}}
    first = [{"kind": "params", "params": params}] + [step(n) for n in (1, 2, 3)] + [
        {"kind": "cycle", "step": 1, "values": {"cycle/compile_rate": 0.25, "cycle/kept": 4}},
        {"kind": "heldout", "step": 0, "values": {"heldout/pass_at_1": 0.0}}]
    code, out, err = reporter(folder, first)
    assert code == 0, err
    assert out[0]["ready"] is True and sorted(out[0]["trackers"]) == ["mlflow", "tensorboard", "wandb"]
    assert all(o == {"ok": True} for o in out[1:]) and len(out) == 1 + len(first)
    # The restart replays everything, as halo-forge does after a resume, with values that must not win.
    replay = [{"kind": "params", "params": params}] + [
        {"kind": "step", "step": n, "values": {"train/loss": 99.0, "train/lr": 99.0}} for n in (1, 2, 3)] + [
        step(4), step(5),
        {"kind": "cycle", "step": 1, "values": {"cycle/compile_rate": 99.0, "cycle/kept": 99}},
        {"kind": "cycle", "step": 2, "values": {"cycle/compile_rate": 0.5, "cycle/kept": 6}},
        {"kind": "heldout", "step": 0, "values": {"heldout/pass_at_1": 99.0}},
        {"kind": "heldout", "step": 2, "values": {"heldout/pass_at_1": 0.125}}]
    code, out, err = reporter(folder, replay)
    assert code == 0, err

    want = {
        "train/loss": [(n, 3.0 - n / 10) for n in range(1, 6)], "train/lr": [(n, 1e-3 * n) for n in range(1, 6)],
        "cycle/compile_rate": [(1, 0.25), (2, 0.5)], "cycle/kept": [(1, 4.0), (2, 6.0)],
        "heldout/pass_at_1": [(0, 0.0), (2, 0.125)],
    }
    tb, hparams = read_tensorboard(folder)
    ml, ml_params, status = read_mlflow(folder)
    wb, wb_config, wb_ids, wb_steps = read_wandb(folder)
    for got in (tb, ml, wb):
        assert sorted(got) == sorted(want)
        for key in want:
            same(got[key], want[key])
    assert set(hparams) == {"_hparams_/experiment", "_hparams_/session_start_info", "_hparams_/session_end_info"}
    assert ml_params == {"learning_rate": "5e-05", "lora_target_modules": "q_proj,v_proj", "dedupe": "true", "keep_top_k": "null"}
    assert status == "FINISHED"
    assert wb_config["learning_rate"] == 5e-05 and wb_config["lora_target_modules"] == "q_proj,v_proj"
    # Two offline folders of one W&B run (wandb sync merges them), rows numbered on across both.
    assert len(glob.glob(os.path.join(folder, "wandb", "offline-run-*"))) == 2 and len(wb_ids) == 1
    assert wb_steps == list(range(len(wb_steps)))


def test_a_missing_library_stops_at_start_and_says_what_to_install(tmp_path):
    blocker = tmp_path / "blocked"
    (blocker / "wandb").mkdir(parents=True)
    (blocker / "wandb" / "__init__.py").write_text("raise ImportError('No module named wandb')\n")
    code, out, _ = reporter(str(tmp_path / "t"), [], trackers=("wandb",), env={"PYTHONPATH": f"{blocker}:{PY_DIR}"})
    assert code == 2
    assert len(out) == 1 and "halo-forge model setup --trackers" in out[0]["error"] and "wandb" in out[0]["error"]


def test_bad_lines_are_answered_with_an_error_and_the_rest_is_written(tmp_path):
    code, out, err = reporter(str(tmp_path / "t"), [{"kind": "step", "step": "one", "values": {}}, {"kind": "nope"},
                                                    {"kind": "step", "step": 1, "values": {"train/loss": 1.5}}],
                              trackers=("tensorboard",))
    assert code == 0, err
    assert "whole number" in out[1]["error"] and "unknown kind" in out[2]["error"] and out[3] == {"ok": True}
    assert read_tensorboard(str(tmp_path / "t"))[0] == {"train/loss": [(1, 1.5)]}


# --- a real run --------------------------------------------------------------------------

def binary():
    path = os.environ.get("HALO_FORGE_BIN") or os.path.join(REPO, ".build", "debug", "halo-forge")
    assert os.path.exists(path), f"{path} not built: run swift build first (or set HALO_FORGE_BIN)"
    return path


def store_series(run):
    """What run.sqlite holds, named as the trackers get it."""
    db = sqlite3.connect(os.path.join(run, "run.sqlite"))
    rows = db.execute("SELECT loss, grad_norm, lr, tokens_per_second FROM train_step ORDER BY cycle, step").fetchall()
    want = {}
    for name, column in (("loss", 0), ("grad_norm", 1), ("lr", 2), ("tokens_per_second", 3)):
        if rows:  # a run that kept nothing trained nothing
            want["train/" + name] = [(i + 1, r[column]) for i, r in enumerate(rows)]
    for cycle, phase, metrics in db.execute("SELECT cycle, phase, metrics FROM cycle ORDER BY cycle"):
        assert phase == "done"
        for key, value in json.loads(metrics).items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                want.setdefault("cycle/" + key, []).append((cycle + 1, float(value)))
    return want, len(rows)


def test_raft_train_killed_and_resumed_reports_the_store_once_to_each_tracker(tmp_path):
    run = str(tmp_path / "run")
    cmd = [binary(), "raft", "train", "--output", run, "--model", "tiny", "--dataset", "humaneval", "--limit", "3",
           "--cycles", "2", "--samples-per-prompt", "4", "--max-new-tokens", "24", "--reward-threshold", "0",
           "--steps-per-cycle", "3", "--seed", "7", "--timeout", "5",
           "--report-to", "tensorboard", "--report-to", "wandb", "--report-to", "mlflow"]
    env = dict(os.environ, HALO_FORGE_WORKER_DIR=PY_DIR)
    log = open(tmp_path / "first.log", "w")
    first = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(tmp_path))
    # Killed (SIGKILL) once the first cycle is stored and the second has begun.
    deadline = time.time() + 400
    killed = False
    while time.time() < deadline and first.poll() is None:
        try:
            db = sqlite3.connect(os.path.join(run, "run.sqlite"), timeout=1)
            phases = dict(db.execute("SELECT cycle, phase FROM cycle").fetchall())
            db.close()
        except sqlite3.Error:
            phases = {}
        if phases.get(0) == "done" and 1 in phases:
            first.send_signal(signal.SIGKILL)
            killed = True
            break
        time.sleep(0.2)
    first.wait()
    assert killed, open(tmp_path / "first.log").read()[-2000:]

    second = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=500)
    assert second.returncode == 0, second.stderr[-2000:]

    want, steps = store_series(run)
    assert steps == 6 and len(want["cycle/compile_rate"]) == 2
    folder = os.path.join(run, "trackers")
    tb, _ = read_tensorboard(folder)
    ml, params, status = read_mlflow(folder)
    wb, config, ids, wb_steps = read_wandb(folder)
    for name, got, rel in (("tensorboard", tb, 1e-6), ("mlflow", ml, 1e-9), ("wandb", wb, 1e-9)):
        assert sorted(got) == sorted(want), name
        for key in want:
            same(got[key], want[key], rel)  # each point once, equal to the store's
    assert params["samples_per_prompt"] == "4" and params["report_to"] == "tensorboard,wandb,mlflow"
    assert status == "FINISHED"
    assert config["max_new_tokens"] == 24 and len(ids) == 1
    assert wb_steps == list(range(len(wb_steps)))


def test_sft_train_reports_each_step_and_held_out_loss(tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"prompt": f"int add{i}(int a, int b) {{", "completion": f" return a + b + {i}; }}"}) + "\n"
                             for i in range(20)))
    out = str(tmp_path / "sft")
    p = subprocess.run(
        [binary(), "sft", "train", "--model", "tiny", "--data", str(pairs), "--output", out, "--steps", "6", "--eval-every", "3",
         "--checkpoint-every", "3", "--eval-fraction", "0.2", "--patience", "0", "--learning-rate", "3e-3", "--rank", "8",
         "--batch-tokens", "2048", "--report-to", "tensorboard", "--report-to", "mlflow"],
        capture_output=True, text=True, env=dict(os.environ, HALO_FORGE_WORKER_DIR=PY_DIR), cwd=str(tmp_path), timeout=500)
    assert p.returncode == 0, p.stderr[-2000:]
    record = json.load(open(os.path.join(out, "sft.json")))
    want = {
        "train/loss": [(s["step"], s["loss"]) for s in record["steps"]],
        "train/lr": [(s["step"], s["lr"]) for s in record["steps"]],
        "eval/loss": [(e["step"], e["loss"]) for e in record["evals"]],
    }
    assert [s for s, _ in want["train/loss"]] == [1, 2, 3, 4, 5, 6] and [s for s, _ in want["eval/loss"]] == [0, 3, 6]
    tb, hparams = read_tensorboard(os.path.join(out, "trackers"))
    ml, params, _ = read_mlflow(os.path.join(out, "trackers"))
    for got, rel in ((tb, 1e-6), (ml, 1e-9)):
        assert {"train/loss", "train/lr", "train/grad_norm", "train/tokens_per_second", "eval/loss"} == set(got)
        for key in want:
            same(got[key], want[key], rel)
    assert params["steps"] == "6" and params["rank"] == "8" and hparams


def test_benchmark_full_reports_held_out_stages(tmp_path):
    out = str(tmp_path / "bench")
    p = subprocess.run(
        [binary(), "benchmark", "full", "--model", "tiny", "--limit", "2", "--cycles", "1", "--samples-per-prompt", "2",
         "--eval-samples", "2", "--max-new-tokens", "24", "--steps-per-cycle", "2", "--output", out, "--report-to", "tensorboard"],
        capture_output=True, text=True, env=dict(os.environ, HALO_FORGE_WORKER_DIR=PY_DIR), cwd=str(tmp_path), timeout=500)
    assert p.returncode == 0, p.stderr[-2000:]
    stages = json.load(open(os.path.join(out, "summary.json")))["stages"]
    assert [s["stage"] for s in stages] == ["baseline", "cycle-1"]
    tb, _ = read_tensorboard(os.path.join(out, "trackers"))
    same(tb["heldout/pass_at_1"], [(i, s["held_out"]["pass_at_k"]["pass@1"]) for i, s in enumerate(stages)])
    same(tb["heldout/compile_rate"], [(i, s["held_out"]["compile_rate"]) for i, s in enumerate(stages)])
    same(tb["heldout/mean_reward"], [(i, s["held_out"]["mean_reward"]) for i, s in enumerate(stages)])
    want, _ = store_series(out)
    for key in want:
        same(tb[key], want[key])


def test_nothing_leaves_the_machine(tmp_path):
    """Every connect() of the reporter and its children (W&B's service) stays on this machine:
    no upload, no usage telemetry (MLflow 3 looks its collector up by default), no crash reports."""
    trace = str(tmp_path / "connect.trace")
    lines = [{"kind": "params", "params": {"seed": 1}}] + [
        {"kind": "step", "step": n, "values": {"train/loss": 1.0 / n}} for n in range(1, 21)]
    args = ["strace", "-f", "-e", "trace=connect", "-o", trace, sys.executable, "-m", "halo_forge_worker.trackers",
            "--dir", str(tmp_path / "t"), "--tracker", "tensorboard", "--tracker", "wandb", "--tracker", "mlflow"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "MLFLOW_")) and k != "DO_NOT_TRACK"}
    p = subprocess.run(args, input="".join(json.dumps(l) + "\n" for l in lines), capture_output=True, text=True,
                       env=dict(env, PYTHONPATH=PY_DIR), timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    assert len(p.stdout.splitlines()) == 1 + len(lines)
    connects = [l for l in open(trace) if "connect(" in l]
    outside = [l for l in connects if "AF_UNIX" not in l and "127.0.0.1" not in l and "::1" not in l]
    assert not outside, outside


def test_an_unreadable_state_file_is_named(tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "state.json").write_text("{not json")
    code, out, _ = reporter(str(folder), [], trackers=("tensorboard",))
    assert code == 2 and out[0]["error"].startswith(f"{folder}/state.json: ") and "fix or remove it" in out[0]["error"]
