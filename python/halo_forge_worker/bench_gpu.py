"""python -m halo_forge_worker.bench_gpu [--shapes 0.5b,1.5b,7b] [--vllm-python PATH]: speed on random weights.

For each Qwen2.5-shaped model (random weights: no download, speed only): the worker's generate
(rows x new tokens, sampling), vLLM's generate on the same shape and rows (when a vLLM Python is
given), LoRA training tokens/s at a micro-batch token budget, and the peak memory of each. One
JSON line per shape on stdout, a table on stderr. On a CPU use `--shapes tiny` (seconds).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import torch

SHAPES = {  # Qwen2.5 configs; `tiny` is for CPUs and tests
    "tiny": dict(hidden_size=128, intermediate_size=352, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2, vocab_size=2048),
    "0.5b": dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14, num_key_value_heads=2, vocab_size=151936),
    "1.5b": dict(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12, num_key_value_heads=2, vocab_size=151936),
    "7b": dict(hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28, num_key_value_heads=4, vocab_size=152064),
}

VLLM_SCRIPT = r"""
import json, sys, time
from vllm import LLM, SamplingParams
path, rows, new, dtype = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
llm = LLM(model=path, dtype=dtype, max_model_len=1024, enforce_eager=False)
prompts = [{"prompt_token_ids": [10 + (i * 7 + j) % 1000 for j in range(32)]} for i in range(rows)]
sp = SamplingParams(max_tokens=new, temperature=0.7, top_p=0.95, ignore_eos=True)
llm.generate(prompts[:2], SamplingParams(max_tokens=4))
t0 = time.time()
out = llm.generate(prompts, sp)
dt = time.time() - t0
tokens = sum(len(o.outputs[0].token_ids) for o in out)
print("RESULT " + json.dumps({"tokens": tokens, "seconds": round(dt, 3), "tokens_per_second": round(tokens / dt, 1)}))
"""


def build(shape, device, dtype, folder):
    from transformers import Qwen2Config, Qwen2ForCausalLM

    from .tiny import build_tokenizer, save_tokenizer

    cfg = Qwen2Config(**SHAPES[shape], max_position_embeddings=4096, tie_word_embeddings=shape in ("tiny", "0.5b"),
                      bos_token_id=0, eos_token_id=0, pad_token_id=1)
    torch.manual_seed(0)
    with torch.device(device):
        model = Qwen2ForCausalLM(cfg).to(dtype)
    tok = build_tokenizer(2048)  # ids past its vocabulary decode to nothing: fine for speed
    model.save_pretrained(folder)
    save_tokenizer(tok, folder)
    return model, tok


def peak(device):
    from .common import rss_mb

    if device == "cuda":
        return round(torch.cuda.max_memory_allocated() / 2**30, 2)
    return round(rss_mb() / 1024, 2)


def bench_shape(shape, args):
    from .common import pick_device, pick_dtype
    from .generation import GenerateConfig, generate
    from .training import TrainConfig, train

    device = pick_device()
    dtype = pick_dtype(args.dtype, device)
    folder = tempfile.mkdtemp(prefix=f"halo-forge-bench-{shape}-")
    model, tok = build(shape, device, dtype, folder)
    params = sum(p.numel() for p in model.parameters())
    out = {"shape": shape, "parameters": params, "device": device, "dtype": str(dtype).removeprefix("torch.")}
    # generate: `rows` sequences of `new` tokens; 32-token prompts of varied text
    prompts = [{"id": i, "prompt": " ".join(f"w{(i * 13 + j) % 97}" for j in range(16))} for i in range(args.rows // args.n)]
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    generate(model, tok, GenerateConfig(prompts=prompts[:1], n=2, max_new_tokens=4, chat=False))  # warm-up
    g = generate(model, tok, GenerateConfig(prompts=prompts, n=args.n, max_new_tokens=args.new, chat=False))
    out["worker_generate"] = {"rows": len(prompts) * args.n, "new_tokens": args.new, "tokens_per_second": g["tokens_per_second"],
                              "peak_gib": peak(device)}
    # LoRA training at a token budget per micro-batch
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    examples = [{"prompt": " ".join(f"p{j}" for j in range(i % 50 + 20)), "completion": " ".join(f"c{j}" for j in range(i % 200 + 50))}
                for i in range(args.train_rows)]
    trained, r = train(model, tok, TrainConfig(examples=examples, steps=args.train_steps, batch_tokens=args.batch_tokens, chat=False,
                                               max_length=1024, gradient_checkpointing=args.checkpointing))
    steady = r["steps"][1:] or r["steps"]  # the first step pays for allocation and kernels' warm-up
    out["lora_train"] = {"batch_tokens": args.batch_tokens, "tokens_per_second": round(sum(s["tokens"] for s in steady) / sum(
        s["tokens"] / max(s["tokens_per_second"], 1e-9) for s in steady), 1), "micro_batch_split": r["steps"][-1]["micro_batch_split"],
        "peak_gib": peak(device)}
    del model, trained
    torch.cuda.empty_cache() if device == "cuda" else None
    if args.vllm_python:
        env = dict(os.environ, VLLM_CPU_KVCACHE_SPACE=os.environ.get("VLLM_CPU_KVCACHE_SPACE", "2"))
        p = subprocess.run([args.vllm_python, "-c", VLLM_SCRIPT, folder, str(len(prompts) * args.n), str(args.new),
                            out["dtype"]], capture_output=True, text=True, env=env, timeout=args.vllm_timeout)
        line = next((l for l in p.stdout.splitlines() if l.startswith("RESULT ")), None)
        out["vllm_generate"] = json.loads(line[7:]) if line else {"error": " | ".join(p.stderr.strip().splitlines()[-3:])}
        if line:
            out["vllm_vs_worker"] = round(out["vllm_generate"]["tokens_per_second"] / max(g["tokens_per_second"], 1e-9), 2)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shapes", default="0.5b,1.5b,7b")
    ap.add_argument("--rows", type=int, default=512, help="sequences sampled at once")
    ap.add_argument("--n", type=int, default=8, help="samples per prompt")
    ap.add_argument("--new", type=int, default=256, help="new tokens per sequence")
    ap.add_argument("--batch-tokens", type=int, default=8192, help="LoRA micro-batch budget, rows x longest row")
    ap.add_argument("--train-rows", type=int, default=256)
    ap.add_argument("--train-steps", type=int, default=4)
    ap.add_argument("--checkpointing", action="store_true", help="gradient checkpointing in training")
    ap.add_argument("--dtype", default="auto")
    ap.add_argument("--vllm-python", default=None, help="a Python with vLLM (e.g. ~/.cache/halo-forge/vllm-venv/bin/python)")
    ap.add_argument("--vllm-timeout", type=float, default=900)
    args = ap.parse_args(argv)
    rows = []
    for shape in args.shapes.split(","):
        if shape not in SHAPES:
            ap.error(f"--shapes: unknown shape {shape!r}; known: {', '.join(SHAPES)}")
        t0 = time.time()
        r = bench_shape(shape, args)
        r["seconds"] = round(time.time() - t0, 1)
        print(json.dumps(r), flush=True)
        rows.append(r)
    print("| shape | parameters | worker generate | vLLM generate | vLLM/worker | LoRA train | peak (gen / train) |", file=sys.stderr)
    print("|---|---|---|---|---|---|---|", file=sys.stderr)
    for r in rows:
        v = r.get("vllm_generate", {})
        print(f"| {r['shape']} | {r['parameters'] / 1e6:.0f}M | {r['worker_generate']['tokens_per_second']:.0f} tok/s "
              f"({r['worker_generate']['rows']} rows × {r['worker_generate']['new_tokens']}) | "
              f"{v.get('tokens_per_second', v.get('error', '-'))} | {r.get('vllm_vs_worker', '-')} | "
              f"{r['lora_train']['tokens_per_second']:.0f} tok/s ({r['lora_train']['batch_tokens']}-token micro-batches) | "
              f"{r['worker_generate']['peak_gib']} / {r['lora_train']['peak_gib']} GiB |", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
