"""sft and evaluate on the tiny model: held-out loss, early stopping, checkpoints and resume."""
import json
import os

import pytest

from halo_forge_worker.worker import Worker

# Pairs in a fixed pattern the tiny model can pick up within a few dozen steps.
PAIRS = [{"prompt": f"def add_{i}(x):", "completion": f"\n    return x + {i}\n"} for i in range(40)]
TRAIN, HELD_OUT = PAIRS[:32], PAIRS[32:]


def fresh(tiny_dir):
    w = Worker(lambda m: None)
    w.handle(0, "load", {"model": tiny_dir})
    return w


def run(w, **kw):
    args = dict(examples=TRAIN, eval_examples=HELD_OUT, learning_rate=3e-3, batch_tokens=256, chat=False,
                lora={"r": 8, "alpha": 16, "dropout": 0.0})
    args.update(kw)
    return w.handle(1, "sft", args)


def test_evaluate_reports_the_mean_completion_loss(worker):
    r = worker.handle(1, "evaluate", {"examples": HELD_OUT, "chat": False})
    assert r["examples"] == len(HELD_OUT) and r["tokens"] > 0
    assert 0 < r["loss"] < 20
    again = worker.handle(2, "evaluate", {"examples": HELD_OUT, "chat": False})
    assert again["loss"] == r["loss"]  # no dropout, no state change


def test_sft_lowers_held_out_loss_and_saves_the_best(tiny_dir, tmp_path):
    w = fresh(tiny_dir)
    best = str(tmp_path / "best")
    r = run(w, steps=30, eval_every=10, patience=0, best_to=best)
    losses = [e["loss"] for e in r["evals"]]
    assert [e["step"] for e in r["evals"]] == [0, 10, 20, 30]
    assert r["best_eval_loss"] == min(losses) and r["best_eval_loss"] < losses[0] * 0.8, losses
    assert os.path.exists(os.path.join(best, "adapter_config.json")) and r["saved"] == best
    # the saved best adapter, loaded on the base model, gives the best loss
    w2 = Worker(lambda m: None)
    w2.handle(0, "load", {"model": tiny_dir, "adapter": best})
    assert abs(w2.handle(1, "evaluate", {"examples": HELD_OUT, "chat": False})["loss"] - r["best_eval_loss"]) < 1e-4


def test_early_stopping_stops_after_patience_evaluations_without_improvement(tiny_dir):
    w = fresh(tiny_dir)
    # with min_delta this large no evaluation counts as an improvement on the one before training
    r = run(w, steps=40, eval_every=2, patience=2, min_delta=100.0)
    assert r["stopped_early"]
    assert r["best_step"] == 0 and len(r["steps"]) == 4, [(e["step"], e["loss"]) for e in r["evals"]]


class Crash(Exception):
    pass


@pytest.mark.parametrize("mode", ["lora", "full"])
def test_checkpoint_and_resume_continue_the_same_run(tiny_dir, tmp_path, mode):
    lr = 3e-3 if mode == "lora" else 1e-3
    whole = run(fresh(tiny_dir), steps=12, eval_every=6, patience=0, mode=mode, learning_rate=lr)
    ckpt = str(tmp_path / "ckpt")

    def crash_at_step_8(msg):
        if msg.get("event") == "progress" and msg["data"].get("step") == 8 and "loss" in msg["data"]:
            raise Crash()

    w = Worker(crash_at_step_8)
    w.handle(0, "load", {"model": tiny_dir})
    try:
        run(w, steps=12, eval_every=6, patience=0, checkpoint_dir=ckpt, checkpoint_every=3, mode=mode, learning_rate=lr)
        raise AssertionError("the run should have crashed at step 8")
    except Crash:
        pass
    with open(os.path.join(ckpt, "trainer_state.json")) as f:
        assert json.load(f)["step"] == 6  # the last checkpoint before the crash
    resumed = run(fresh(tiny_dir), steps=12, eval_every=6, patience=0, checkpoint_dir=ckpt, checkpoint_every=3, resume=True,
                  mode=mode, learning_rate=lr)
    assert resumed["resumed_from_step"] == 6 and [s["step"] for s in resumed["steps"]] == list(range(1, 13))
    for a, b in zip(resumed["steps"], whole["steps"]):
        assert abs(a["loss"] - b["loss"]) < 1e-4, (a, b)
    assert [e["step"] for e in resumed["evals"]] == [0, 6, 12]
    assert abs(resumed["evals"][-1]["loss"] - whole["evals"][-1]["loss"]) < 1e-4
    # a checkpoint of other data is refused, not silently continued
    try:
        run(fresh(tiny_dir), examples=TRAIN[:20], steps=12, checkpoint_dir=ckpt, resume=True, mode=mode)
        raise AssertionError("a foreign checkpoint was accepted")
    except Exception as e:
        assert "another run" in str(e)
