"""Speed checks of the worker against the naive way of doing the same work on the same model.

bench_generate: the worker's batched, prefill-once generate vs one model.generate per prompt per sample.
bench_train: the worker's length-grouped dynamic padding vs padding every row to 2048 tokens.
Both count only real tokens (generated ones; non-padding ones), so the ratio is a like-for-like speedup.
"""
import time

import torch

from .common import encode_prompt, eos_ids, from_args, is_peft, uses_chat
from .generation import GenerateConfig, generate
from .training import TrainConfig, train
from .protocol import BadRequest


def bench_generate(model, tok, args, progress=lambda d: None):
    prompts = args.get("prompts") or []
    if not prompts:
        raise BadRequest("missing arg: prompts")
    prompts = [p if isinstance(p, dict) else {"id": i, "prompt": p} for i, p in enumerate(prompts)]
    n, max_new = int(args.get("n", 8)), int(args.get("max_new_tokens", 64))
    temperature, top_p = float(args.get("temperature", 0.7)), float(args.get("top_p", 0.95))
    cfg = GenerateConfig(prompts=prompts, n=n, max_new_tokens=max_new, temperature=temperature, top_p=top_p,
                         seed=int(args.get("seed", 0)), chat=args.get("chat", "auto"))

    generate(model, tok, GenerateConfig(prompts=prompts[:1], n=2, max_new_tokens=4))  # warm-up, untimed
    ours = generate(model, tok, cfg)
    progress({"phase": "worker", "tokens_per_second": ours["tokens_per_second"]})

    chat = uses_chat(tok, cfg.chat)
    eos = set(eos_ids(model, tok))
    torch.manual_seed(cfg.seed)
    tokens, t0 = 0, time.time()
    with torch.no_grad():
        for p in prompts:
            ids = torch.tensor([encode_prompt(tok, p["prompt"], chat)], device=model.device)
            for _ in range(n):
                out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=True,
                                     temperature=temperature, top_p=top_p, top_k=0, max_new_tokens=max_new,
                                     num_return_sequences=1, eos_token_id=sorted(eos), pad_token_id=tok.pad_token_id)
                new = out[0, ids.shape[1]:].tolist()
                tokens += next((i + 1 for i, t in enumerate(new) if t in eos), len(new))  # up to and with EOS
    seconds = time.time() - t0
    naive = {"tokens": tokens, "seconds": round(seconds, 4), "tokens_per_second": round(tokens / seconds, 1)}
    return {"worker": {k: ours[k] for k in ("tokens", "seconds", "tokens_per_second")}, "naive": naive,
            "ratio": round(ours["tokens_per_second"] / max(naive["tokens_per_second"], 1e-9), 2),
            "prompts": len(prompts), "n": n, "max_new_tokens": max_new}


def bench_train(model, tok, args, progress=lambda d: None):
    """-> (model, result). Trains twice from the same starting weights and puts them back afterwards."""
    examples = args.get("examples") or []
    if not examples:
        raise BadRequest("missing arg: examples")
    steps, pad_to = int(args.get("steps", 5)), int(args.get("pad_to", 2048))
    base = dict(examples=examples, steps=steps, mode=args.get("mode", "lora"), seed=int(args.get("seed", 0)),
                batch_tokens=int(args.get("batch_tokens", 4096)), max_length=int(args.get("max_length", 1024)))
    if base["mode"] != "lora":
        raise BadRequest("bench_train measures LoRA training only")
    had_adapter = is_peft(model)
    saved = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad} if had_adapter else None

    def restore(m):
        if had_adapter:  # put the adapter's weights back
            params = dict(m.named_parameters())
            with torch.no_grad():
                for n, v in saved.items():
                    params[n].copy_(v)
            return m
        return m.unload()  # drop the LoRA layers the run added, without merging them

    results = {}
    for name, pad in (("dynamic", None), ("padded", pad_to)):
        cfg = from_args(TrainConfig, dict(base, pad_to=pad))
        model, res = train(model, tok, cfg)
        model = restore(model)
        results[name] = {"tokens": res["tokens"], "seconds": res["seconds"], "tokens_per_second": res["tokens_per_second"],
                         "final_loss": res["steps"][-1]["loss"]}
        progress({"phase": name, "tokens_per_second": res["tokens_per_second"]})
    ratio = results["dynamic"]["tokens_per_second"] / max(results["padded"]["tokens_per_second"], 1e-9)
    return model, dict(results, ratio=round(ratio, 2), steps=steps, pad_to=pad_to, examples=len(examples))
