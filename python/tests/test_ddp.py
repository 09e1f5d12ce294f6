"""Training under torchrun: 2 CPU processes (gloo), DDP and FSDP, against one process on the same
global batch; an out-of-memory on one process backs both off together."""
import pytest
import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM

from halo_forge_worker.worker import Worker

EXAMPLES = [{"prompt": f"int f{i}(int x) {{", "completion": f" return x * {i} + {i % 3};" + " x++;" * (i % 5) + " }"}
            for i in range(24)]
# dropout off: the processes draw different dropout masks than one process would
ARGS = {"examples": EXAMPLES, "steps": 3, "learning_rate": 1e-2, "chat": False, "lora": {"dropout": 0.0},
        "batch_tokens": 512, "grad_accum": 2}
# 16 short rows: batch_tokens 4096 puts them in one micro-batch, 8 rows on each of 2 processes
ROWS = {"examples": [{"prompt": f"int f{i}(int x) {{", "completion": f" return x * {i} + {i % 3}; }}"} for i in range(16)],
        "steps": 3, "learning_rate": 1e-2, "chat": False, "lora": {"dropout": 0.0}}


def single(tiny_dir, args, save_to=None, op="train"):
    w = Worker(lambda m: None)
    w.handle(0, "load", {"model": tiny_dir})
    return w.handle(1, op, dict(args, save_to=save_to) if save_to else args)


@pytest.fixture(scope="module")
def reference(tiny_dir, tmp_path_factory):
    """One process's run of ARGS and its saved adapter."""
    path = str(tmp_path_factory.mktemp("reference") / "one")
    return single(tiny_dir, ARGS, path), path


def adapter(tiny_dir, path):
    """A saved adapter's LoRA weights, loaded in this single process."""
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_dir), path)
    return {k: v for k, v in model.state_dict().items() if "lora_" in k}


@pytest.mark.parametrize("strategy", ["ddp", "fsdp"])
def test_two_processes_reach_the_single_process_loss(worker, tiny_dir, tmp_path, reference, strategy):
    one, one_path = reference
    two = worker.handle(3, "train", dict(ARGS, save_to=str(tmp_path / "two"), distributed={"nproc": 2, "strategy": strategy}))
    assert two["processes"] == 2 and two["saved"] == str(tmp_path / "two")
    assert [s["step"] for s in two["steps"]] == [1, 2, 3]
    # stated tolerance: 1e-4 relative on each step's loss (float32 sums in another order)
    for a, b in zip(one["steps"], two["steps"]):
        assert b["loss"] == pytest.approx(a["loss"], rel=1e-4), (a, b)
        assert b["grad_norm"] == pytest.approx(a["grad_norm"], rel=1e-3)
        assert b["tokens"] == a["tokens"]  # every row trained once, on one of the two processes
    assert [m["data"]["step"] for m in worker.sent if m.get("event") == "progress"] == [1, 2, 3]  # rank 0 reports

    # the worker holds the trained adapter afterwards, and it is the one saved
    assert worker.handle(4, "health", {})["adapter"] == str(tmp_path / "two")
    a, b = adapter(tiny_dir, one_path), adapter(tiny_dir, str(tmp_path / "two"))
    assert sorted(a) == sorted(b) and all(b[k].shape == a[k].shape for k in a)  # whole weights, not one rank's shard
    # Adam moves a weight by about lr (1e-2) per step whatever the gradient's size: the float32
    # noise of the first steps shows at 1e-4..1e-3 in the adapter, 10 % of one step at most
    assert max((a[k] - b[k]).abs().max().item() for k in a) < 1e-3


def test_a_failing_process_fails_the_request_and_the_worker_keeps_its_model(worker):
    with pytest.raises(RuntimeError, match="torchrun"):
        worker.handle(1, "train", dict(ARGS, steps=2, learning_rate=1e30, warmup_steps=0, schedule="constant",
                                       mode="full", distributed={"nproc": 2}))
    r = worker.handle(2, "generate", {"prompts": [{"id": 0, "prompt": "int"}], "n": 1, "max_new_tokens": 4})
    assert len(r["samples"]) == 1


@pytest.mark.parametrize("strategy", ["ddp", "fsdp"])
def test_an_out_of_memory_on_one_process_backs_every_process_off(worker, tiny_dir, monkeypatch, strategy):
    plain = single(tiny_dir, ROWS)
    assert all(s["micro_batch_split"] == 1 for s in plain["steps"])
    monkeypatch.setenv("HALO_FORGE_INJECT_OOM", "1")
    monkeypatch.setenv("HALO_FORGE_INJECT_OOM_RANK", "1")  # only the second process runs out of memory
    r = worker.handle(1, "train", dict(ROWS, distributed={"nproc": 2, "strategy": strategy}))
    # rank 0 reports the steps: it halved its pieces too, on rank 1's word
    assert [s["micro_batch_split"] for s in r["steps"]] == [2, 2, 2]
    for a, b in zip(r["steps"], plain["steps"]):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-4), (a, b)
        assert a["grad_norm"] == pytest.approx(b["grad_norm"], rel=1e-3)
        assert a["tokens"] == b["tokens"]


def test_fsdp_sft_evaluates_and_saves_the_best_adapter(worker, tiny_dir, tmp_path):
    held_out = EXAMPLES[:6]
    args = dict(ARGS, eval_examples=held_out, eval_every=1, patience=0, best_to=str(tmp_path / "best"))
    one = Worker(lambda m: None)
    one.handle(0, "load", {"model": tiny_dir})
    ref = one.handle(1, "sft", dict(args, best_to=str(tmp_path / "best-one")))
    two = worker.handle(2, "sft", dict(args, distributed={"nproc": 2, "strategy": "fsdp"}))
    assert [e["step"] for e in two["evals"]] == [0, 1, 2, 3]
    for a, b in zip(ref["evals"], two["evals"]):
        assert b["loss"] == pytest.approx(a["loss"], rel=1e-4)
    # the best adapter rank 0 gathered loads in one process and gives the best loss
    assert worker.handle(3, "evaluate", {"examples": held_out, "chat": False})["loss"] == pytest.approx(two["best_eval_loss"], rel=1e-4)


class Crash(Exception):
    pass


def test_fsdp_resumes_a_checkpoint_and_writes_one_a_single_process_reads(tiny_dir, tmp_path):
    """FSDP cuts a whole checkpoint (adapter and AdamW moments) into its shards and gathers them
    back whole when it saves one: the same files a single process writes and resumes from."""
    args = dict(ARGS, steps=6, eval_examples=EXAMPLES[:6], eval_every=3, patience=0, checkpoint_every=3, batch_tokens=256,
                checkpoint_dir=str(tmp_path / "ckpt"))
    whole = single(tiny_dir, dict(args, checkpoint_dir=str(tmp_path / "whole")), op="sft")

    def crash_at_step_5(msg):
        if msg.get("event") == "progress" and msg["data"].get("step") == 5 and "loss" in msg["data"]:
            raise Crash()

    w = Worker(crash_at_step_5)
    w.handle(0, "load", {"model": tiny_dir})
    with pytest.raises(Crash):
        w.handle(1, "sft", args)  # one process, killed after its checkpoint at step 3
    w = Worker(lambda m: None)
    w.handle(0, "load", {"model": tiny_dir})
    resumed = w.handle(2, "sft", dict(args, resume=True, distributed={"nproc": 2, "strategy": "fsdp"}))
    assert resumed["resumed_from_step"] == 3 and [s["step"] for s in resumed["steps"]] == list(range(1, 7))
    for a, b in zip(resumed["steps"], whole["steps"]):
        assert b["loss"] == pytest.approx(a["loss"], rel=1e-4), (a, b)
    assert resumed["evals"][-1]["loss"] == pytest.approx(whole["evals"][-1]["loss"], rel=1e-4)

    # the step-6 checkpoint FSDP wrote matches the one process's, moment by moment
    mine = torch.load(str(tmp_path / "ckpt" / "optimizer.pt"))["state"]
    ref = torch.load(str(tmp_path / "whole" / "optimizer.pt"))["state"]
    assert sorted(mine) == sorted(ref)
    for i in ref:
        for k in ("exp_avg", "exp_avg_sq"):
            assert mine[i][k].shape == ref[i][k].shape
            assert torch.allclose(mine[i][k], ref[i][k], rtol=1e-2, atol=1e-6), (i, k)
    a, b = adapter(tiny_dir, str(tmp_path / "ckpt")), adapter(tiny_dir, str(tmp_path / "whole"))
    assert max((a[k] - b[k]).abs().max().item() for k in a) < 1e-3


def test_an_unknown_strategy_is_a_bad_request(worker):
    from halo_forge_worker.protocol import BadRequest

    with pytest.raises(BadRequest, match="strategy"):
        worker.handle(2, "train", dict(ARGS, distributed={"nproc": 2, "strategy": "zero3"}))
    assert torch.is_tensor(next(worker.model.parameters()))  # the worker kept its model
