"""The worker's state (one model, its tokenizer, maybe a LoRA adapter) and the ops on it."""
import contextlib
import ctypes
import gc
import math
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field, fields

import torch
import torch.nn.functional as F
from transformers import GenerationConfig, StoppingCriteria

from . import PROTOCOL_VERSION
from .protocol import BadRequest


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# -----------------------------------------------------------------------------
# configs: plain dataclasses, filled from a request's args


@dataclass
class GenerateConfig:
    prompts: list
    n: int = 8
    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 0  # 0 = off; the model's own generation_config must not sneak in a top-k of 50
    max_new_tokens: int = 256
    stop: list = field(default_factory=list)
    seed: int = 0
    chat: object = "auto"  # "auto" | True | False
    batch_size: int = None  # prompts per batch (each with its n samples); None = from the token budget
    token_budget: int = None  # rows x (prompt + new tokens) per batch; None = from free memory
    token_ids: bool = False  # also return each completion's token ids (an adapter probe compares them)


@dataclass
class TrainConfig:
    examples: list
    mode: str = "lora"  # "lora" | "full"
    lora: dict = field(default_factory=dict)
    learning_rate: float = 2e-4
    steps: int = None  # None = run `epochs` passes over the examples
    epochs: int = 1
    batch_tokens: int = 4096  # rows x longest row per micro-batch
    grad_accum: int = 1
    warmup_steps: object = "auto"
    schedule: str = "cosine"  # "cosine" | "linear" | "constant"
    min_lr_ratio: float = 0.1
    max_grad_norm: float = 1.0
    weight_decay: float = 0.0
    seed: int = 0
    max_length: int = 1024
    chat: object = "auto"  # format prompts as generate does, so training sees what sampling saw
    save_to: str = None
    pad_to: int = None  # bench_train's baseline: pad every row to this length
    gradient_checkpointing: bool = False  # recompute activations in backward: less memory, ~30% slower
    distributed: dict = None  # {"nproc", "nnodes", "node_rank", "master_addr", "master_port"}: run under torchrun


@dataclass
class LoraArgs:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: object = "auto"  # "auto" = every linear layer but the head


def from_args(cls, args):
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(args) - names)
    if unknown:
        raise BadRequest(f"unknown args for {cls.__name__}: {', '.join(unknown)}")
    try:
        return cls(**args)
    except TypeError as e:  # a required field is missing
        raise BadRequest(str(e)) from None


def need(args, name):
    if name not in args:
        raise BadRequest(f"missing arg: {name}")
    return args[name]


# -----------------------------------------------------------------------------
# devices


def pick_device(name="auto"):
    if name != "auto":
        return name
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def pick_dtype(name, device):
    if name in ("float32", "bfloat16", "float16"):
        return getattr(torch, name)
    if name != "auto":
        raise BadRequest(f"unknown dtype: {name}")
    if device == "cuda" and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    if device == "mps":
        try:
            torch.zeros(1, dtype=torch.bfloat16, device="mps")
            return torch.bfloat16
        except Exception:
            return torch.float32
    return torch.float32  # CPU bf16 matmuls are slow on most CPUs


def rss_mb():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # macOS: peak RSS, in bytes there
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


class lora_merged:
    """Folds LoRA weights into the base layers for the length of a block of sampling.

    An unmerged adapter costs two extra small matmuls per adapted layer per token (about a
    third of CPU sampling speed for a 135M model). Only fp32 weights are merged: unmerging
    subtracts the same product again, which is exact enough in fp32 but drifts in bf16/fp16.
    """

    def __init__(self, model):
        self.model = model
        self.merged = False

    def __enter__(self):
        m = self.model
        if is_peft(m) and next(m.parameters()).dtype == torch.float32:
            try:
                m.merge_adapter()
                self.merged = True
            except (AttributeError, ValueError, NotImplementedError) as e:
                log(f"generate: LoRA not merged for sampling ({e})")
        return m

    def __exit__(self, *exc):
        if self.merged:
            self.model.unmerge_adapter()
        return False


def is_peft(model):
    from peft import PeftModel

    return isinstance(model, PeftModel)


def count_params(model):
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return total, trainable


# -----------------------------------------------------------------------------
# saving: write to a temporary folder beside the target, then swap it in


def _swap(a, b):
    """Atomically exchange two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if platform.system() != "Linux":
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        AT_FDCWD, RENAME_EXCHANGE = -100, 2
        return libc.renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0
    except (AttributeError, OSError):
        return False


def atomic_save(path, write):
    """write(folder) into path.tmp-XXXX, then swap it in: a kill at any point leaves the old folder whole."""
    path = os.path.abspath(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=os.path.basename(path) + ".tmp-", dir=os.path.dirname(path))
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; the saved folder should read like any other
    try:
        write(tmp)
        if not os.path.exists(path):
            os.rename(tmp, path)
        elif _swap(tmp, path):
            shutil.rmtree(tmp)  # now holds the old folder
        else:  # two renames: the old folder stays on disk until the new one is in place
            old = tempfile.mkdtemp(prefix=os.path.basename(path) + ".old-", dir=os.path.dirname(path))
            os.rmdir(old)
            os.rename(path, old)
            os.rename(tmp, path)
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


# -----------------------------------------------------------------------------
# prompts


def uses_chat(tok, chat):
    if chat == "auto":
        return bool(getattr(tok, "chat_template", None))
    return bool(chat)


def encode_prompt(tok, prompt, chat):
    if chat:
        text = tok.apply_chat_template([{"role": "user", "content": prompt}], add_generation_prompt=True, tokenize=False)
        return tok(text, add_special_tokens=False)["input_ids"]  # the template already has any BOS
    return tok(prompt)["input_ids"]


def eos_ids(model, tok):
    ids = model.generation_config.eos_token_id
    ids = set(ids if isinstance(ids, (list, tuple)) else [ids] if ids is not None else [])
    if tok.eos_token_id is not None:
        ids.add(tok.eos_token_id)
    return sorted(ids)


# -----------------------------------------------------------------------------
# generation


class StopOnStrings(StoppingCriteria):
    """Stop a row once its completion contains a stop string; looks only at the generated tail."""

    def __init__(self, tok, stops, prompt_len):
        self.tok, self.stops, self.prompt_len = tok, stops, prompt_len
        self.window = max(len(s) for s in stops) + 4  # a token is at least one character, mostly

    def __call__(self, input_ids, scores, **kwargs):
        tail = input_ids[:, self.prompt_len:][:, -self.window:]
        texts = self.tok.batch_decode(tail, skip_special_tokens=True)
        done = [any(s in t for s in self.stops) for t in texts]
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)


class Progress(StoppingCriteria):
    """Never stops anything: reports generation progress about twice a second."""

    def __init__(self, report, prompt_len, every=0.5):
        self.report, self.prompt_len, self.every, self.last = report, prompt_len, every, time.time()

    def __call__(self, input_ids, scores, **kwargs):
        if time.time() - self.last >= self.every:
            self.last = time.time()
            self.report(input_ids.shape[0] * (input_ids.shape[1] - self.prompt_len))  # rows x new tokens so far
        return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)


MAX_ROWS = 512  # sequences per generation batch, whatever the budget: sampling works on rows x vocab logits


def default_token_budget(model, device):
    """How many cached tokens (rows x length) a generation batch may hold."""
    if device != "cuda":
        return 32768
    c = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    try:
        head_dim = getattr(c, "head_dim", None) or c.hidden_size // c.num_attention_heads
        kv_heads = getattr(c, "num_key_value_heads", None) or c.num_attention_heads
        per_token = 2 * c.num_hidden_layers * kv_heads * head_dim * model.dtype.itemsize
    except AttributeError:
        return 32768
    free, _ = torch.cuda.mem_get_info()
    return max(1024, int(0.5 * free / per_token))  # the other half: activations, logits, sampling


def generate(model, tok, cfg: GenerateConfig, progress=lambda d: None):
    if not cfg.prompts or cfg.n < 1 or cfg.max_new_tokens < 1:
        raise BadRequest("generate needs prompts, n >= 1 and max_new_tokens >= 1")
    for p in cfg.prompts:
        if not isinstance(p, dict) or not isinstance(p.get("prompt"), str):
            raise BadRequest('each prompt is {"id": ..., "prompt": "..."}')
    device = model.device
    cfg.stop = [s for s in cfg.stop or [] if s]  # an empty stop string would cut every completion to ""
    chat = uses_chat(tok, cfg.chat)
    ids = [encode_prompt(tok, p["prompt"], chat) for p in cfg.prompts]
    greedy = cfg.temperature <= 0
    rows = 1 if greedy else cfg.n  # greedy samples are all the same: compute one, copy it n times
    budget = cfg.token_budget or default_token_budget(model, device.type)
    eos = eos_ids(model, tok)
    ends = set(eos) | {tok.pad_token_id}
    gen_cfg = GenerationConfig(
        max_new_tokens=cfg.max_new_tokens,
        do_sample=not greedy,
        temperature=cfg.temperature if not greedy else None,
        top_p=cfg.top_p if not greedy else None,
        top_k=cfg.top_k if not greedy else None,
        eos_token_id=eos,
        pad_token_id=tok.pad_token_id,
    )
    torch.manual_seed(cfg.seed)
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))  # similar lengths share a batch: less padding
    results = [None] * len(ids)
    t0, tokens, done, cap = time.time(), 0, 0, cfg.batch_size or 1 << 30
    model.eval()
    pos = 0
    while pos < len(order):
        def fits(k):  # k prompts from pos on; sorted by length, so the k-th is the longest
            if k > min(cap, len(order) - pos) or k * rows > max(rows, MAX_ROWS):
                return False
            return k * rows * (len(ids[order[pos + k - 1]]) + cfg.max_new_tokens) <= budget

        take = 1
        while fits(take + 1):
            take += 1
        batch = order[pos:pos + take]

        def report(live, base=tokens, done=done):
            progress({"prompts_done": done, "prompts": len(ids), "tokens": base + live,
                      "seconds": round(time.time() - t0, 3),
                      "tokens_per_second": round((base + live) / max(time.time() - t0, 1e-9), 1)})

        try:
            seqs, L = _generate_batch(model, tok, [ids[i] for i in batch], rows, gen_cfg, cfg.stop, report)
        except torch.OutOfMemoryError:
            if take == 1:
                raise
            cap = max(1, take // 2)  # back off and retry this part with smaller batches
            log(f"generate: out of memory with {take} prompts x {rows} rows, retrying with {cap}")
            gc.collect()
            if device.type == "cuda":
                torch.cuda.empty_cache()
            continue
        for j, i in enumerate(batch):
            samples = []
            for k in range(rows):
                s = _finish(tok, seqs[j * rows + k, L:].tolist(), ends, eos, cfg.stop, cfg.token_ids)
                tokens += s["completion_tokens"]
                s.update(id=cfg.prompts[i].get("id"), sample=k, prompt_tokens=len(ids[i]))
                samples.append(s)
            if greedy:
                samples = [dict(samples[0], sample=k) for k in range(cfg.n)]
            results[i] = samples
        pos += take
        done += take
        report(0, tokens, done)
    seconds = time.time() - t0
    samples = [s for r in results for s in r]
    return {"samples": samples, "tokens": tokens, "seconds": round(seconds, 4), "tokens_per_second": round(tokens / max(seconds, 1e-9), 1)}


def _generate_batch(model, tok, batch_ids, rows, gen_cfg, stop, report):
    """Left-pad a batch of prompts, prefill each once, sample `rows` continuations of each."""
    device = model.device
    L = max(len(x) for x in batch_ids)
    pad = tok.pad_token_id
    input_ids = torch.tensor([[pad] * (L - len(x)) + x for x in batch_ids], device=device)
    mask = torch.tensor([[0] * (L - len(x)) + [1] * len(x) for x in batch_ids], device=device)
    kwargs = {}
    if rows > 1 and L > 1:
        # HF's num_return_sequences copies every prompt n times *before* the first forward, so each
        # copy is prefilled again. Instead run all but the last prompt token once, copy the KV cache
        # n times, and let generate() continue from it (it then only runs the last prompt token).
        pos = (mask.cumsum(-1) - 1).clamp(min=0)  # the positions generate() itself would use
        with torch.no_grad():
            out = model(input_ids=input_ids[:, :-1], attention_mask=mask[:, :-1], position_ids=pos[:, :-1],
                        use_cache=True, logits_to_keep=1)
        cache = out.cache if hasattr(out, "cache") else out.past_key_values
        cache.batch_repeat_interleave(rows)
        kwargs["cache"] = cache
    if rows > 1:
        input_ids = input_ids.repeat_interleave(rows, dim=0)
        mask = mask.repeat_interleave(rows, dim=0)
    if gen_cfg.do_sample:
        return _sample_compacting(model, tok, input_ids, mask, kwargs.get("cache"), gen_cfg, stop, report), L
    criteria = [Progress(report, L)] + ([StopOnStrings(tok, stop, L)] if stop else [])
    seqs = model.generate(input_ids=input_ids, attention_mask=mask, generation_config=gen_cfg,
                          stopping_criteria=criteria, **kwargs)
    return seqs.cpu(), L


def _sample_compacting(model, tok, input_ids, mask, cache, gen_cfg, stop, report):
    """Samples like generate(do_sample=True) (temperature, then top-k, then top-p), but drops each
    row from the batch, KV cache included, as soon as it ends. Completions vary a lot in length
    (code: a 30-token function beside a 150-token one), and generate() keeps computing every
    finished row until the longest is done: on a CPU that is half the work thrown away.
    Returns prompt + new tokens per row, each row's tail after its end filled with the pad token."""
    B, L = input_ids.shape
    device = input_ids.device
    n_new = gen_cfg.max_new_tokens
    out = torch.full((B, n_new), tok.pad_token_id, dtype=torch.long)
    ends = torch.tensor(sorted(set(gen_cfg.eos_token_id or [])), dtype=torch.long, device=device)
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    if cache is not None:  # all but the last prompt token are cached
        feed, position = input_ids[:, -1:], pos[:, -1:]
    else:
        feed, position = input_ids, pos
    next_pos = pos[:, -1:] + 1
    alive = torch.arange(B)  # which original row each batch row is
    stopper = StopOnStrings(tok, stop, 0) if stop else None
    produced, last_report = 0, time.time()
    with torch.no_grad():
        for t in range(n_new):
            o = model(input_ids=feed, attention_mask=mask, position_ids=position, cache=cache,
                      use_cache=True, logits_to_keep=1)
            cache = o.cache if hasattr(o, "cache") else o.past_key_values
            tokens = _sample_next(o.logits[:, -1, :].float(), gen_cfg)
            out[alive, t] = tokens.cpu()
            produced += len(alive)
            done = torch.isin(tokens, ends)
            if stopper is not None:
                done |= stopper(out[alive, :t + 1], None).to(device)
            if time.time() - last_report >= 0.5:
                last_report = time.time()
                report(produced)
            if t == n_new - 1 or bool(done.all()):
                break
            if bool(done.any()):
                keep = (~done).nonzero().squeeze(1)
                cache.batch_select_indices(keep)
                alive, mask, next_pos, tokens = alive[keep.cpu()], mask[keep], next_pos[keep], tokens[keep]
            feed, position = tokens[:, None], next_pos
            mask = torch.cat([mask, mask.new_ones((mask.shape[0], 1))], dim=1)
            next_pos = next_pos + 1
    return torch.cat([input_ids.cpu(), out], dim=1)


def _sample_next(logits, gen_cfg):
    """One token per row, with HF's sampling order: temperature, top-k, top-p."""
    logits = logits / gen_cfg.temperature
    if gen_cfg.top_k:
        kth = torch.topk(logits, min(gen_cfg.top_k, logits.shape[-1])).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if gen_cfg.top_p is not None and gen_cfg.top_p < 1.0:
        sorted_logits, order = torch.sort(logits, descending=False)
        cumulative = sorted_logits.softmax(-1).cumsum(-1)
        drop = cumulative <= 1 - gen_cfg.top_p
        drop[:, -1] = False  # the most likely token always stays
        logits = logits.masked_fill(drop.scatter(1, order, drop), float("-inf"))
    return torch.multinomial(logits.softmax(-1), 1).squeeze(1)


def _finish(tok, gen, ends, eos, stop, with_ids=False):
    """One row of new tokens -> completion text, tokens generated for it (EOS included), why it ended."""
    e = next((i for i, t in enumerate(gen) if t in ends), len(gen))
    text = tok.decode(gen[:e], skip_special_tokens=True)
    cut = min((text.find(s) for s in stop if s in text), default=-1)
    if cut >= 0:
        r = {"completion": text[:cut], "completion_tokens": e, "finish_reason": "stop"}
    elif e < len(gen) and gen[e] in eos:
        r = {"completion": text, "completion_tokens": e + 1, "finish_reason": "eos"}
    else:
        r = {"completion": text, "completion_tokens": e, "finish_reason": "length"}
    if with_ids:
        r["token_ids"] = gen[:r["completion_tokens"]]
    return r


# -----------------------------------------------------------------------------
# training


def lr_at(step, total, cfg: TrainConfig):
    """LR for 1-based `step` of `total`: linear warmup, then decay to min_lr_ratio. Never 0."""
    warm = max(0, min(int(0.1 * total), 10)) if cfg.warmup_steps == "auto" else int(cfg.warmup_steps)
    warm = min(warm, total - 1)  # the last step is never a warmup step
    if step <= warm:
        return cfg.learning_rate * step / (warm + 1)
    if cfg.schedule == "constant" or total - warm <= 1:
        return cfg.learning_rate  # 1 step (or 1 after warmup): the full LR, not a decayed one
    p = (step - warm - 1) / (total - warm - 1)  # 0 on the first decay step, 1 on the last
    if cfg.schedule == "cosine":
        f = 0.5 * (1 + math.cos(math.pi * p))
    elif cfg.schedule == "linear":
        f = 1 - p
    else:
        raise BadRequest(f"unknown schedule: {cfg.schedule}")
    return cfg.learning_rate * (cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * f)


def tokenize_examples(tok, examples, chat, max_length):
    """-> list of (ids, n_prompt). Loss falls on the completion and the EOS after it."""
    out = []
    for ex in examples:
        if not isinstance(ex, dict) or not isinstance(ex.get("completion"), str):
            raise BadRequest('each example is {"prompt": "...", "completion": "..."}')
        p = encode_prompt(tok, ex.get("prompt", ""), chat) if ex.get("prompt") else []
        c = tok(ex["completion"], add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
        c = c[:max_length]
        p = p[len(p) - (max_length - len(c)):] if len(p) + len(c) > max_length else p  # drop the prompt's start
        if len(p) + len(c) >= 2:
            out.append((p + c, len(p)))
    if not out:
        raise BadRequest("no usable examples")
    return out


def make_batches(lengths, batch_tokens, pad_to, rng):
    """Group rows of similar length so that rows x longest row <= batch_tokens; shuffled order."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    batches, cur = [], []
    for i in order:
        width = pad_to or lengths[i]  # sorted, so row i is the longest in cur
        if cur and (len(cur) + 1) * width > batch_tokens:
            batches.append(cur)
            cur = []
        cur.append(i)
    batches.append(cur)
    rng.shuffle(batches)
    return batches


def collate(seqs, batch, pad_id, pad_to, device):
    """Right-padded input_ids, attention_mask and labels (-100 on the prompt and the padding)."""
    width = pad_to or max(len(seqs[i][0]) for i in batch)
    x = torch.full((len(batch), width), pad_id, dtype=torch.long)
    y = torch.full((len(batch), width), -100, dtype=torch.long)
    m = torch.zeros((len(batch), width), dtype=torch.long)
    for r, i in enumerate(batch):
        ids, n_prompt = seqs[i]
        ids = ids[:width]
        x[r, :len(ids)] = torch.tensor(ids)
        m[r, :len(ids)] = 1
        y[r, n_prompt:len(ids)] = torch.tensor(ids[n_prompt:])
    return x.to(device), m.to(device), y.to(device)


def completion_loss(model, x, m, y):
    """Summed cross-entropy over labelled positions. Runs the head only on those positions:
    full fp32 logits (rows x length x vocab) would dominate memory with a 50k vocabulary."""
    lm = model.get_base_model() if is_peft(model) else model  # LoRA layers are injected in place
    hidden = lm.base_model(input_ids=x, attention_mask=m).last_hidden_state
    target = y[:, 1:]
    keep = target != -100
    logits = lm.get_output_embeddings()(hidden[:, :-1][keep]).float()
    if cap := getattr(lm.config, "final_logit_softcapping", None):  # Gemma 2 squashes its logits
        logits = cap * torch.tanh(logits / cap)
    return F.cross_entropy(logits, target[keep], reduction="sum")


def prepare_for_training(model, cfg: TrainConfig):
    """-> the model to train: LoRA-wrapped (or the adapter already on it), or the whole model."""
    from peft import LoraConfig, get_peft_model

    if cfg.mode == "full":
        if is_peft(model):
            model = model.merge_and_unload()  # fold the adapter in, then train everything
        for p in model.parameters():
            p.requires_grad_(True)
        return model
    if cfg.mode != "lora":
        raise BadRequest(f"unknown mode: {cfg.mode}")
    if is_peft(model):
        return model  # keep training the attached adapter
    la = from_args(LoraArgs, cfg.lora or {})
    targets = "all-linear" if la.target_modules == "auto" else la.target_modules
    lc = LoraConfig(r=la.r, lora_alpha=la.alpha, lora_dropout=la.dropout, target_modules=targets, task_type="CAUSAL_LM")
    return get_peft_model(model, lc)


def inject_oom():
    """Test hook: HALO_FORGE_INJECT_OOM=N makes the next N multi-row training micro-batches raise
    torch.OutOfMemoryError before their forward pass, as a full GPU would."""
    left = int(os.environ.get("HALO_FORGE_INJECT_OOM", "0") or 0)
    if left > 0:
        os.environ["HALO_FORGE_INJECT_OOM"] = str(left - 1)
        raise torch.OutOfMemoryError("injected by HALO_FORGE_INJECT_OOM")


def free_memory(device):
    """Return cached blocks (sampling's KV caches, a failed step's activations) to the device."""
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


def peak_mb(device):
    """This step's peak: allocated device memory on CUDA (reset per step), RSS elsewhere."""
    if device.type == "cuda":
        return round(torch.cuda.max_memory_allocated(device) / 2**20, 1)
    return round(rss_mb(), 1)


def split_rows(batch, parts):
    """A micro-batch's rows in `parts` near-equal pieces (fewer when it has fewer rows)."""
    size = max(1, math.ceil(len(batch) / parts))
    return [batch[i:i + size] for i in range(0, len(batch), size)]


def target_count(seqs, rows, pad_to=None):
    """Positions with a label (completion + EOS, as collate makes them) in `rows`, without collating."""
    return sum(max(0, min(len(seqs[i][0]), pad_to or 1 << 60) - max(seqs[i][1], 1)) for i in rows)


class LossModule(torch.nn.Module):
    """completion_loss as a module's forward, so DistributedDataParallel can wrap it: DDP
    all-reduces the gradients of what runs through its forward."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x, m, y):
        return completion_loss(self.model, x, m, y)


def step_loss(model, seqs, step, pad_id, pad_to, device, split, ddp=None):
    """Forward and backward over one optimizer step's micro-batches, each cut into `split` pieces.
    -> (summed completion loss, real tokens, target tokens). The gradient is the mean over every
    target token of the step, whatever the split: pieces only change the padding.

    Under DDP each of the `world` processes takes a contiguous share of every micro-batch's rows;
    its loss is scaled by `world` because DDP averages the processes' gradients, so the result is
    the single-process gradient of the same global batch."""
    if ddp is None:
        pieces, weight = [p for b in step for p in split_rows(b, split)], 1.0
        targets = target_count(seqs, [i for b in step for i in b], pad_to)
    else:
        rank, world = torch.distributed.get_rank(), torch.distributed.get_world_size()
        pieces = [c[rank] for b in step for c in [split_rows(b, world)] if rank < len(c)]
        weight = float(world)
        targets = target_count(seqs, [i for b in step for i in b], pad_to)
        if not pieces:  # fewer rows than processes: join the all-reduce with a zero-weight row
            pieces, weight = [step[0][:1]], 0.0
    loss_sum, tokens = 0.0, 0
    for k, rows in enumerate(pieces):
        x, m, y = collate(seqs, rows, pad_id, pad_to, device)
        if x.shape[0] > 1:
            inject_oom()
        if ddp is None:
            loss = completion_loss(model, x, m, y)
            (loss / max(targets, 1)).backward()
        else:
            sync = k == len(pieces) - 1  # one all-reduce per step, after the last piece
            with contextlib.nullcontext() if sync else ddp.no_sync():
                loss = ddp(x, m, y)
                (loss * weight / max(targets, 1)).backward()
        loss_sum += loss.item() * (weight > 0)
        tokens += int(m.sum()) * (weight > 0)  # real tokens only, never padding
    if ddp is not None:
        total = torch.tensor([loss_sum, tokens], dtype=torch.float64, device=device)
        torch.distributed.all_reduce(total)
        loss_sum, tokens = float(total[0]), int(total[1])
    return loss_sum, tokens, targets


def backoff_step(model, opt, seqs, step, pad_id, pad_to, device, split, n, ddp=None):
    """step_loss, halving the micro-batch and retrying the step on out-of-memory.
    -> (loss_sum, tokens, targets, split): the split that fit is kept for the following steps.
    Not under DDP: one process retrying alone would leave the others waiting in the all-reduce."""
    while True:
        try:
            return (*step_loss(model, seqs, step, pad_id, pad_to, device, split, ddp), split)
        except torch.OutOfMemoryError:
            if ddp is not None:
                raise
            opt.zero_grad(set_to_none=True)  # drop the partial gradients of the failed attempt
            free_memory(device)
            if all(len(p) == 1 for b in step for p in split_rows(b, split)):
                raise  # one row per micro-batch already: nothing left to halve
            split *= 2
            log(f"train: out of memory at step {n}, retrying with micro-batches of 1/{split} the rows")


def wrap_ddp(model):
    """The DDP-wrapped loss when this process is one of several (torchrun), else None."""
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        return None
    from torch.nn.parallel import DistributedDataParallel

    ids = [model.device.index] if model.device.type == "cuda" else None
    return DistributedDataParallel(LossModule(model), device_ids=ids)


def set_checkpointing(model, on):
    lm = model.get_base_model() if is_peft(model) else model
    if on:
        # non-reentrant: works with frozen embeddings (LoRA) without forcing inputs to need grads
        lm.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
    elif lm.is_activation_checkpointing:
        lm.activation_checkpointing_disable()


def train(model, tok, cfg: TrainConfig, progress=lambda d: None):
    """-> (trained model, result). The returned model may be a new wrapper (LoRA) of the one given."""
    if not cfg.examples:
        raise BadRequest("examples is empty")
    if cfg.mode not in ("lora", "full") or cfg.schedule not in ("cosine", "linear", "constant"):
        raise BadRequest(f"mode is lora or full, schedule is cosine, linear or constant; got {cfg.mode}, {cfg.schedule}")
    device = model.device
    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    seqs = tokenize_examples(tok, cfg.examples, uses_chat(tok, cfg.chat), cfg.max_length)
    lengths = [len(s[0]) for s in seqs]
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id

    # the micro-batches of the whole run, epoch after epoch (a fresh shuffle each), grouped into steps
    want = cfg.steps * cfg.grad_accum if cfg.steps else None
    micro, epochs = [], 0
    while (len(micro) < want) if want else (epochs < cfg.epochs):
        micro += make_batches(lengths, cfg.batch_tokens, cfg.pad_to, rng)
        epochs += 1
    micro = micro[:want] if want else micro
    steps = [micro[i:i + cfg.grad_accum] for i in range(0, len(micro), cfg.grad_accum)]

    free_memory(device)  # sampling's caches would otherwise sit beside training's activations
    model = prepare_for_training(model, cfg)
    set_checkpointing(model, cfg.gradient_checkpointing)
    ddp = wrap_ddp(model)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    model.train()
    log_steps, total_tokens, t0, split = [], 0, time.time(), 1
    try:
        for n, step in enumerate(steps, 1):
            ts = time.time()
            if device.type == "cuda":
                torch.cuda.reset_peak_memory_stats(device)
            lr = lr_at(n, len(steps), cfg)
            for g in opt.param_groups:
                g["lr"] = lr
            loss_sum, tokens, targets, split = backoff_step(model, opt, seqs, step, pad_id, cfg.pad_to, device, split, n, ddp)
            grad_norm = torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm)
            if not math.isfinite(loss_sum) or not math.isfinite(float(grad_norm)):
                # stop before the update: the weights stay those of the last good step
                raise FloatingPointError(f"loss {loss_sum / max(targets, 1)}, grad norm {float(grad_norm)} at step {n}: lower the learning rate")
            opt.step()
            opt.zero_grad(set_to_none=True)
            dt = time.time() - ts
            total_tokens += tokens
            rec = {"step": n, "loss": loss_sum / max(targets, 1), "grad_norm": float(grad_norm), "lr": lr,
                   "tokens": tokens, "tokens_per_second": round(tokens / max(dt, 1e-9), 1),
                   "micro_batch_split": split, "peak_memory_mb": peak_mb(device)}
            log_steps.append(rec)
            progress(dict(rec, steps=len(steps)))
    finally:
        model.eval()
        opt.zero_grad(set_to_none=True)
        set_checkpointing(model, False)
    seconds = time.time() - t0
    return model, {"steps": log_steps, "tokens": total_tokens, "seconds": round(seconds, 4),
                   "tokens_per_second": round(total_tokens / max(seconds, 1e-9), 1)}


# -----------------------------------------------------------------------------
# the worker


class Worker:
    def __init__(self, send):
        self.send = send
        self.model = self.tok = None
        self.model_path = self.adapter_path = None
        self.load_args = None  # the last load request: torchrun's processes load the same
        self.weights_changed = False  # a full fine-tune changed the loaded weights in memory
        self.device = pick_device()
        self.progress = lambda data: None

    def hello(self):
        import peft
        import transformers

        return {"event": "hello", "protocol": PROTOCOL_VERSION,
                "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                             "peft": peft.__version__, "python": platform.python_version()},
                "device": pick_device(), "threads": torch.get_num_threads()}

    def handle(self, rid, op, args):
        fn = getattr(self, "op_" + op, None)
        if fn is None:
            raise BadRequest(f"unknown op: {op}")
        self.progress = lambda data: self.send({"id": rid, "event": "progress", "data": data})
        return fn(args)

    def need_model(self):
        if self.model is None:
            raise BadRequest("no model loaded: send load first")

    # --- ops

    def op_health(self, args):
        return {"device": self.device, "threads": torch.get_num_threads(), "model": self.model_path,
                "adapter": self.adapter_path, "rss_mb": round(rss_mb(), 1)}

    def op_set_threads(self, args):
        torch.set_num_threads(int(need(args, "threads")))
        return {"threads": torch.get_num_threads()}

    def op_shutdown(self, args):
        return {}

    def op_load(self, args):
        from peft import PeftModel
        from transformers import AutoModelForCausalLM, AutoTokenizer

        allowed = {"model", "adapter", "dtype", "device", "threads"}
        if set(args) - allowed:
            raise BadRequest(f"unknown args for load: {', '.join(sorted(set(args) - allowed))}")
        name = need(args, "model")
        if args.get("threads"):
            torch.set_num_threads(int(args["threads"]))
        device = pick_device(args.get("device", "auto"))
        dtype = pick_dtype(args.get("dtype", "auto"), device)
        local = os.path.isdir(name) or os.environ.get("HF_HUB_OFFLINE") == "1"
        self.model = self.tok = None  # free the old model before loading the new one
        self.model_path = self.adapter_path = None
        gc.collect()
        tok = AutoTokenizer.from_pretrained(name, local_files_only=local)
        model = AutoModelForCausalLM.from_pretrained(name, dtype=dtype, local_files_only=local).to(device)
        if args.get("adapter"):
            model = PeftModel.from_pretrained(model, args["adapter"], is_trainable=True)
        tok.padding_side = "left"
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
        model.eval()
        self.model, self.tok, self.device = model, tok, device
        self.model_path, self.adapter_path = name, args.get("adapter")
        self.load_args, self.weights_changed = dict(args), False
        total, trainable = count_params(model)
        return {"parameters": total, "trainable_parameters": trainable, "device": device,
                "dtype": str(dtype).removeprefix("torch."), "vocab_size": model.config.get_text_config().vocab_size,
                "has_chat_template": bool(getattr(tok, "chat_template", None))}

    def op_generate(self, args):
        self.need_model()
        with lora_merged(self.model):
            return generate(self.model, self.tok, from_args(GenerateConfig, args), self.progress)

    def op_train(self, args):
        from . import ddp

        self.need_model()
        cfg = from_args(TrainConfig, args)
        dist = ddp.parse(cfg.distributed)
        if dist.needed:
            return ddp.launch(self, "train", args, dist)
        self.model, result = train(self.model, self.tok, cfg, self.progress)
        if not is_peft(self.model):
            self.adapter_path = None  # a full fine-tune folded any adapter in
            self.weights_changed = True
        result["saved"] = self._save(cfg.save_to)["path"] if cfg.save_to else None
        return result

    def op_sft(self, args):
        from . import ddp
        from .sft import SFTConfig, sft

        self.need_model()
        cfg = from_args(SFTConfig, args)
        dist = ddp.parse(cfg.distributed)
        if dist.needed:
            return ddp.launch(self, "sft", args, dist)
        self.model, result = sft(self.model, self.tok, cfg, self.progress)
        if not is_peft(self.model):
            self.adapter_path = None
            self.weights_changed = True
        return result

    def op_evaluate(self, args):
        from .sft import evaluate

        self.need_model()
        return evaluate(self.model, self.tok, args)

    def op_save(self, args):
        self.need_model()
        return self._save(need(args, "path"))

    def _save(self, path):
        kind = "adapter" if is_peft(self.model) else "model"

        def write(d):
            self.model.save_pretrained(d)
            self.tok.save_pretrained(d)

        path = atomic_save(path, write)
        if kind == "adapter":
            self.adapter_path = path
        return {"path": path, "kind": kind}

    def op_merge_export(self, args):
        self.need_model()
        path = need(args, "path")
        if is_peft(self.model):
            self.model = self.model.merge_and_unload()  # the loaded model is now the merged one
            self.adapter_path = None
        merged = self.model

        def write(d):
            merged.save_pretrained(d)
            self.tok.save_pretrained(d)

        return {"path": atomic_save(path, write), "kind": "model"}

    def op_init_tiny(self, args):
        from .tiny import TinyConfig, build_model, build_tokenizer, corpus_blocks, save_tokenizer

        path = need(args, "path")
        cfg = from_args(TinyConfig, {k: v for k, v in args.items() if k != "path"})
        t0 = time.time()
        tok = build_tokenizer(cfg.vocab_size)
        model = build_model(cfg, tok)
        loss = None
        if cfg.pretrain_steps:
            # plain next-token training on the corpus so that samples look like code, not noise
            examples = [{"prompt": "", "completion": b} for b in corpus_blocks()]
            tcfg = TrainConfig(examples=examples, mode="full", steps=cfg.pretrain_steps, learning_rate=3e-3,
                               batch_tokens=2048, chat=False, seed=cfg.seed, max_length=512)
            model, res = train(model, tok, tcfg, self.progress)
            loss = res["steps"][-1]["loss"]

        def write(d):
            model.save_pretrained(d)
            save_tokenizer(tok, d)

        path = atomic_save(path, write)
        return {"path": path, "parameters": count_params(model)[0], "vocab_size": len(tok),
                "pretrain_loss": loss, "seconds": round(time.time() - t0, 3)}

    def op_import_gguf(self, args):
        from .gguf_import import import_gguf

        return import_gguf(need(args, "gguf"), need(args, "output"))

    def op_bench_generate(self, args):
        from .bench import bench_generate

        self.need_model()
        return bench_generate(self.model, self.tok, args, self.progress)

    def op_bench_train(self, args):
        from .bench import bench_train

        self.need_model()
        self.model, result = bench_train(self.model, self.tok, args, self.progress)
        return result

    def op_chat_prompt(self, args):
        self.need_model()
        messages = need(args, "messages")
        for m in messages if isinstance(messages, list) else [None]:
            if not isinstance(m, dict) or not isinstance(m.get("role"), str) or not isinstance(m.get("content"), str):
                raise BadRequest("chat_prompt: messages must be a list of {role, content} strings")
        if getattr(self.tok, "chat_template", None):
            return {"prompt": self.tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False), "templated": True}
        return {"prompt": "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant:", "templated": False}
