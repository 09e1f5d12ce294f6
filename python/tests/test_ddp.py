"""Training under torchrun: 2 CPU processes (gloo) against one process on the same global batch."""
import pytest
from peft import PeftModel
from transformers import AutoModelForCausalLM

EXAMPLES = [{"prompt": f"int f{i}(int x) {{", "completion": f" return x * {i} + {i % 3};" + " x++;" * (i % 5) + " }"}
            for i in range(24)]
# dropout off: the processes draw different dropout masks than one process would
ARGS = {"examples": EXAMPLES, "steps": 3, "learning_rate": 1e-2, "chat": False, "lora": {"dropout": 0.0},
        "batch_tokens": 512, "grad_accum": 2}


def test_two_processes_reach_the_single_process_loss(worker, tiny_dir, tmp_path):
    one = worker.handle(1, "train", dict(ARGS, save_to=str(tmp_path / "one")))
    worker.handle(2, "load", {"model": tiny_dir})
    worker.sent.clear()
    two = worker.handle(3, "train", dict(ARGS, save_to=str(tmp_path / "two"), distributed={"nproc": 2}))
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
    base = AutoModelForCausalLM.from_pretrained(tiny_dir)
    a = PeftModel.from_pretrained(base, str(tmp_path / "one")).state_dict()
    b = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_dir), str(tmp_path / "two")).state_dict()
    # Adam moves a weight by about lr (1e-2) per step whatever the gradient's size: the float32
    # noise of the first steps shows at 1e-4..1e-3 in the adapter, 10 % of one step at most
    assert max((a[k] - b[k]).abs().max().item() for k in a if "lora_" in k) < 1e-3


def test_a_failing_process_fails_the_request_and_the_worker_keeps_its_model(worker):
    with pytest.raises(RuntimeError, match="torchrun"):
        worker.handle(1, "train", dict(ARGS, steps=2, learning_rate=1e30, warmup_steps=0, schedule="constant",
                                       mode="full", distributed={"nproc": 2}))
    r = worker.handle(2, "generate", {"prompts": [{"id": 0, "prompt": "int"}], "n": 1, "max_new_tokens": 4})
    assert len(r["samples"]) == 1
