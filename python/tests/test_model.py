"""The worker's ops in-process, on the tiny model: tokenizer, generation, training, saving."""
import math
import os

import pytest
import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

from halo_forge_worker.common import atomic_save, eos_ids
from halo_forge_worker.training import TrainConfig, collate, lr_at, make_batches, tokenize_examples
from halo_forge_worker.tiny import build_tokenizer

CODE = 'int add(int a, int b) {\n    return a + b;  // sum\n}\n\ndef f(x):\n\treturn "é" * x\r\n'
PROMPTS = [{"id": i, "prompt": p} for i, p in enumerate(["int max(int a, int b) {", "def add(a, b):", "x", "// sort"])]


def greedy(model, tok, prompt, n=24):
    ids = tok(prompt, return_tensors="pt")
    out = model.generate(**ids, do_sample=False, max_new_tokens=n, pad_token_id=tok.pad_token_id)
    return tok.decode(out[0, ids["input_ids"].shape[1]:])


def test_tokenizer_ids_round_trip_through_autotokenizer(tiny_dir):
    built = build_tokenizer(2048)  # deterministic: the same tokenizer init_tiny saved
    loaded = AutoTokenizer.from_pretrained(tiny_dir)
    for text in [CODE, "<|im_start|>user\nhi<|im_end|>\n", "  x  \n\n\n  y", "a<|endoftext|>b"]:
        assert loaded(text)["input_ids"] == built(text)["input_ids"], text
    assert loaded.decode(loaded(CODE)["input_ids"]) == CODE
    assert len(loaded("<|im_start|><|im_end|>")["input_ids"]) == 2  # chat markers are single tokens
    assert loaded.eos_token == "<|endoftext|>" and loaded.pad_token == "<|pad|>"
    chat = loaded.apply_chat_template([{"role": "user", "content": "hi"}], add_generation_prompt=True, tokenize=False)
    assert chat == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"


def test_generate_32_samples_with_counts_and_determinism(worker):
    args = {"prompts": PROMPTS, "n": 8, "max_new_tokens": 16, "seed": 3, "chat": False}
    a = worker.handle(1, "generate", args)
    assert len(a["samples"]) == 32
    assert a["tokens"] == sum(s["completion_tokens"] for s in a["samples"])
    assert len({s["completion"] for s in a["samples"]}) > 8  # sampling: the 8 samples of a prompt differ
    assert worker.handle(2, "generate", args)["samples"] == a["samples"]
    assert worker.handle(3, "generate", dict(args, seed=4))["samples"] != a["samples"]
    one_by_one = worker.handle(4, "generate", dict(args, batch_size=1))["samples"]  # another batching, same shape
    assert [(s["id"], s["sample"]) for s in one_by_one] == [(s["id"], s["sample"]) for s in a["samples"]]
    assert any(m.get("event") == "progress" for m in worker.sent)


def test_temperature_zero_is_greedy(worker):
    r = worker.handle(1, "generate", {"prompts": PROMPTS, "n": 3, "temperature": 0, "max_new_tokens": 12, "chat": False})
    for i, p in enumerate(PROMPTS):
        mine = r["samples"][3 * i:3 * i + 3]
        assert len({s["completion"] for s in mine}) == 1
        assert greedy(worker.model, worker.tok, p["prompt"], 12).startswith(mine[0]["completion"])


@pytest.mark.parametrize("temperature,top_p,top_k", [(0.7, 0.95, 0), (1.0, 1.0, 0), (1.3, 0.8, 0), (0.9, 1.0, 20), (0.8, 0.9, 5)])
def test_sampling_draws_what_transformers_generate_draws(worker, temperature, top_p, top_k):
    """The worker's own decode loop (rows leave the batch as they end) with transformers' warpers:
    seeded alike, one row samples token for token what model.generate(do_sample=True) samples."""
    tok, model = worker.tok, worker.model
    for seed, prompt in enumerate([p["prompt"] for p in PROMPTS[:2]]):
        r = worker.handle(1, "generate", {"prompts": [{"id": 0, "prompt": prompt}], "n": 1, "temperature": temperature,
                                          "top_p": top_p, "top_k": top_k, "max_new_tokens": 24, "seed": seed,
                                          "chat": False, "token_ids": True})
        mine = r["samples"][0]["token_ids"]
        ids = torch.tensor([tok(prompt)["input_ids"]])
        torch.manual_seed(seed)
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=True, temperature=temperature,
                             top_p=top_p, top_k=top_k, max_new_tokens=24, eos_token_id=eos_ids(model, tok),
                             pad_token_id=tok.pad_token_id)
        assert mine == out[0, ids.shape[1]:].tolist()[:len(mine)], (seed, prompt)


def test_prompt_is_prefilled_once_per_batch(worker):
    """8 samples of 4 prompts: the prompts go through the model once, not once per sample."""
    seen = []
    hook = worker.model.model.register_forward_pre_hook(lambda m, a, kw: seen.append(kw["input_ids"].shape), with_kwargs=True)
    try:
        worker.handle(1, "generate", {"prompts": PROMPTS, "n": 8, "max_new_tokens": 5, "chat": False})
    finally:
        hook.remove()
    prompt_len = max(len(worker.tok(p["prompt"])["input_ids"]) for p in PROMPTS)
    assert seen[0] == (4, prompt_len - 1)  # every prompt token but the last, once per prompt
    assert all(s[0] == 32 and s[1] == 1 for s in seen[1:])  # then one token per sample per step


def test_lr_schedule_never_zero_when_it_matters():
    cfg = TrainConfig(examples=[], learning_rate=1.0, min_lr_ratio=0.1)
    assert lr_at(1, 1, cfg) == 1.0  # a single step runs at the full LR
    assert lr_at(1, 2, cfg) == 1.0 and lr_at(2, 2, cfg) == pytest.approx(0.1)
    lrs = [lr_at(s, 20, cfg) for s in range(1, 21)]
    assert lrs[:3] == [pytest.approx(1 / 3), pytest.approx(2 / 3), 1.0]  # 2 warmup steps, then the peak
    assert min(lrs) >= 0.1 - 1e-9 and lrs[-1] == pytest.approx(0.1)
    assert all(a >= b for a, b in zip(lrs[2:], lrs[3:]))
    for schedule in ("linear", "constant"):
        assert min(lr_at(s, 5, TrainConfig(examples=[], schedule=schedule)) for s in range(1, 6)) > 0


def test_dynamic_padding_and_completion_only_labels(worker):
    tok = worker.tok
    examples = [{"prompt": "p" * (i % 7 + 1), "completion": "c" * (i % 5 + 1)} for i in range(40)]
    seqs = tokenize_examples(tok, examples, False, 1024)
    lengths = [len(s[0]) for s in seqs]
    import random

    batches = make_batches(lengths, 64, None, random.Random(0))
    assert sorted(i for b in batches for i in b) == list(range(len(seqs)))
    for b in batches:
        assert len(b) == 1 or len(b) * max(lengths[i] for i in b) <= 64
        x, m, y = collate(seqs, b, tok.pad_token_id, None, "cpu")
        assert x.shape[1] == max(lengths[i] for i in b)  # padded to the batch's longest, never further
        for r, i in enumerate(b):
            ids, n_prompt = seqs[i]
            assert (y[r, :n_prompt] == -100).all() and (y[r, len(ids):] == -100).all()
            assert y[r, n_prompt:len(ids)].tolist() == ids[n_prompt:]
            assert ids[-1] == tok.eos_token_id


def test_lora_train_save_and_reload_changes_output(worker, tiny_dir, tmp_path):
    tok = worker.tok
    prompt = "int max(int a, int b) {"
    base_out = greedy(worker.model, tok, prompt)
    examples = [{"prompt": prompt, "completion": " zebra zebra zebra zebra"}] * 4
    r = worker.handle(1, "train", {"examples": examples, "steps": 20, "learning_rate": 1e-2, "chat": False,
                                   "save_to": str(tmp_path / "adapter")})
    losses = [s["loss"] for s in r["steps"]]
    assert len(losses) == 20 and all(math.isfinite(x) for x in losses) and losses[-1] < losses[0]
    assert all(s["lr"] > 0 and s["grad_norm"] >= 0 and s["tokens"] > 0 for s in r["steps"])
    assert [m["data"]["step"] for m in worker.sent if m.get("event") == "progress"] == list(range(1, 21))
    assert r["saved"] == str(tmp_path / "adapter")

    base = AutoModelForCausalLM.from_pretrained(tiny_dir)
    assert greedy(base, tok, prompt) == base_out
    tuned = PeftModel.from_pretrained(base, str(tmp_path / "adapter"))
    tuned_out = greedy(tuned, tok, prompt)
    assert tuned_out != base_out and "zebra" in tuned_out
    # the worker's own model is the trained one
    g = worker.handle(2, "generate", {"prompts": [{"id": 0, "prompt": prompt}], "n": 1, "temperature": 0,
                                      "max_new_tokens": 24, "chat": False})
    assert tuned_out.startswith(g["samples"][0]["completion"])

    # merging gives the same outputs from a plain model
    worker.handle(3, "merge_export", {"path": str(tmp_path / "merged")})
    merged = AutoModelForCausalLM.from_pretrained(str(tmp_path / "merged"))
    assert greedy(merged, AutoTokenizer.from_pretrained(str(tmp_path / "merged")), prompt) == tuned_out
    assert worker.handle(4, "health", {})["adapter"] is None


def test_load_with_adapter_and_keep_training(worker, tiny_dir, tmp_path):
    examples = [{"prompt": "a", "completion": "b c d"}] * 4
    worker.handle(1, "train", {"examples": examples, "steps": 2, "save_to": str(tmp_path / "ad")})
    r = worker.handle(2, "load", {"model": tiny_dir, "adapter": str(tmp_path / "ad")})
    assert 0 < r["trainable_parameters"] < r["parameters"]
    r = worker.handle(3, "train", {"examples": examples, "steps": 2})
    assert len(r["steps"]) == 2 and worker.handle(4, "health", {})["adapter"] == str(tmp_path / "ad")


def test_full_fine_tune(worker, tmp_path):
    examples = [{"prompt": "int f(void) {", "completion": " return 7; }"}] * 6
    r = worker.handle(1, "train", {"examples": examples, "mode": "full", "steps": 6, "learning_rate": 1e-3,
                                   "grad_accum": 2, "schedule": "linear"})
    assert r["steps"][-1]["loss"] < r["steps"][0]["loss"]
    assert sum(p.requires_grad for p in worker.model.parameters()) == len(list(worker.model.parameters()))
    assert worker.handle(2, "save", {"path": str(tmp_path / "full")})["kind"] == "model"
    reloaded = AutoModelForCausalLM.from_pretrained(str(tmp_path / "full"))
    x = torch.tensor([[1, 2, 3]])
    assert torch.allclose(reloaded(x).logits, worker.model(x).logits, atol=1e-5)


def test_atomic_save_replaces_only_on_success(tmp_path):
    target = tmp_path / "adapter"
    target.mkdir()
    (target / "old.txt").write_text("previous adapter")

    def fail(d):
        open(os.path.join(d, "half.bin"), "w").write("partial")
        raise RuntimeError("killed mid-save")

    with pytest.raises(RuntimeError):
        atomic_save(str(target), fail)
    assert (target / "old.txt").read_text() == "previous adapter"
    assert os.listdir(tmp_path) == ["adapter"]  # no temporary folder left behind

    atomic_save(str(target), lambda d: open(os.path.join(d, "new.txt"), "w").write("new"))
    assert os.listdir(target) == ["new.txt"] and os.listdir(tmp_path) == ["adapter"]


def test_init_tiny_with_pretraining_learns(tmp_path):
    from halo_forge_worker.worker import Worker

    r = Worker(lambda m: None).handle(1, "init_tiny", {"path": str(tmp_path / "t"), "pretrain_steps": 15, "layers": 2})
    assert r["pretrain_loss"] is not None and r["pretrain_loss"] < 6.5  # log(vocab) ~ 7.1 at the start
    assert AutoModelForCausalLM.from_pretrained(str(tmp_path / "t")).config.num_hidden_layers == 2


def test_benches_report_ratios(worker):
    g = worker.handle(1, "bench_generate", {"prompts": ["int f(", "def g("], "n": 4, "max_new_tokens": 8})
    assert g["worker"]["tokens"] > 0 and g["naive"]["tokens"] > 0 and g["ratio"] > 0
    examples = [{"prompt": "p " * (i % 9), "completion": "c " * (i % 4 + 1)} for i in range(12)]
    t = worker.handle(2, "bench_train", {"examples": examples, "steps": 1, "pad_to": 256})
    assert t["dynamic"]["tokens"] > 0 and t["padded"]["tokens"] > 0 and t["ratio"] > 0
    assert not hasattr(worker.model, "peft_config")  # the bench put the model back as it was


def test_generate_backs_off_on_out_of_memory(worker, monkeypatch):
    import halo_forge_worker.generation as M

    real, sizes = M._generate_batch, []

    def small_memory(model, tok, batch_ids, *a):
        sizes.append(len(batch_ids))
        if len(batch_ids) > 1:
            raise torch.OutOfMemoryError("pretend")
        return real(model, tok, batch_ids, *a)

    monkeypatch.setattr(M, "_generate_batch", small_memory)
    r = worker.handle(1, "generate", {"prompts": PROMPTS, "n": 2, "max_new_tokens": 4})
    assert len(r["samples"]) == 8 and sizes[0] == 4 and sizes[1] == 2 and sizes[-1] == 1


def test_diverged_training_stops_before_the_bad_update(worker):
    examples = [{"prompt": "a", "completion": "b c d e f"}] * 4
    with pytest.raises(FloatingPointError):
        worker.handle(1, "train", {"examples": examples, "steps": 6, "learning_rate": 1e30, "warmup_steps": 0,
                                   "schedule": "constant", "mode": "full"})
    assert all(torch.isfinite(p).all() for p in worker.model.parameters())


def test_sampling_with_an_adapter_leaves_the_base_weights_as_they_were(worker, tiny_dir, tmp_path):
    examples = [{"prompt": "int f(int x) {", "completion": " return x * 3; }"}] * 4
    worker.handle(1, "train", {"examples": examples, "steps": 3, "learning_rate": 1e-2, "chat": False})
    base = {n: p.detach().clone() for n, p in worker.model.named_parameters() if "base_layer" in n}
    assert base, "the model should carry LoRA layers"
    args = {"prompts": [{"id": 0, "prompt": "int f(int x) {"}], "n": 1, "temperature": 0, "max_new_tokens": 16, "chat": False}
    first = worker.handle(2, "generate", args)["samples"][0]["completion"]
    after = dict(worker.model.named_parameters())
    drift = max((after[n] - w).abs().max().item() for n, w in base.items())
    assert drift < 1e-5
    assert not any(getattr(m, "merged", False) for m in worker.model.modules())
    # the next training step still trains the adapter, and sampling sees it
    worker.handle(3, "train", {"examples": [{"prompt": "int f(int x) {", "completion": " zebra zebra"}] * 4,
                               "steps": 10, "learning_rate": 3e-2, "chat": False})
    assert worker.handle(4, "generate", args)["samples"][0]["completion"] != first


def _rows_examples():
    # 16 short rows: batch_tokens 4096 puts them in one micro-batch of many rows
    return [{"prompt": f"int f{i}(int x) {{", "completion": f" return x * {i} + {i % 3}; }}"} for i in range(16)]


def test_training_backs_off_on_out_of_memory_with_the_same_loss(worker, tiny_dir, monkeypatch):
    args = {"examples": _rows_examples(), "steps": 3, "learning_rate": 1e-2, "chat": False, "lora": {"dropout": 0.0}}
    ref = worker.handle(1, "train", args)
    assert all(s["micro_batch_split"] == 1 and s["peak_memory_mb"] > 0 for s in ref["steps"])

    worker.handle(2, "load", {"model": tiny_dir})  # the same starting weights
    monkeypatch.setenv("HALO_FORGE_INJECT_OOM", "1")  # the first multi-row micro-batch fails once
    r = worker.handle(3, "train", args)
    assert os.environ["HALO_FORGE_INJECT_OOM"] == "0"  # the injected failure happened
    assert [s["micro_batch_split"] for s in r["steps"]] == [2, 2, 2]  # halved, and kept for later steps
    for a, b in zip(r["steps"], ref["steps"]):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-5, abs=1e-6)
        assert a["grad_norm"] == pytest.approx(b["grad_norm"], rel=1e-4)
        assert a["tokens"] == b["tokens"]


def test_out_of_memory_at_one_row_per_micro_batch_is_reported(worker, monkeypatch):
    monkeypatch.setenv("HALO_FORGE_INJECT_OOM", "1000")  # every multi-row piece fails
    r = worker.handle(1, "train", {"examples": _rows_examples(), "steps": 1, "chat": False})
    assert r["steps"][0]["micro_batch_split"] >= 16  # halved until each piece was a single row
    assert r["steps"][0]["loss"] > 0


def test_gradient_checkpointing_gives_the_same_loss(worker, tiny_dir):
    args = {"examples": _rows_examples(), "steps": 2, "learning_rate": 1e-2, "chat": False, "lora": {"dropout": 0.0}}
    plain = worker.handle(1, "train", args)
    worker.handle(2, "load", {"model": tiny_dir})
    ckpt = worker.handle(3, "train", dict(args, gradient_checkpointing=True))
    for a, b in zip(plain["steps"], ckpt["steps"]):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-5)
    assert not worker.model.get_base_model().is_activation_checkpointing  # switched off again for sampling
