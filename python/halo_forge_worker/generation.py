"""Sampling: prompts batched under a token budget, prefilled once, rows dropped as they end."""
import gc
import time
from dataclasses import dataclass, field

import torch
from transformers import GenerationConfig, StoppingCriteria

from .common import encode_prompt, eos_ids, is_peft, log, uses_chat
from .protocol import BadRequest


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
    if cfg.top_k < 0 or cfg.top_p < 0:
        raise BadRequest(f"top_k must be at least 0 and top_p at least 0; got {cfg.top_k}, {cfg.top_p}")
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
    """Samples like generate(do_sample=True), with its warpers (sampling_warpers), but drops each
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
    warpers = sampling_warpers(gen_cfg)
    produced, last_report = 0, time.time()
    with torch.no_grad():
        for t in range(n_new):
            o = model(input_ids=feed, attention_mask=mask, position_ids=position, cache=cache,
                      use_cache=True, logits_to_keep=1)
            cache = o.cache if hasattr(o, "cache") else o.past_key_values
            tokens = sample_next(o.logits[:, -1, :].float(), warpers)
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


def sampling_warpers(gen_cfg):
    """transformers' own logits warpers, in generate()'s order (temperature, top-k, top-p), for the
    settings a request gives: the rows sample what generate(do_sample=True) would sample."""
    from transformers import LogitsProcessorList, TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper

    warpers = LogitsProcessorList()
    if gen_cfg.temperature is not None and gen_cfg.temperature != 1.0:
        warpers.append(TemperatureLogitsWarper(gen_cfg.temperature))
    if gen_cfg.top_k:
        warpers.append(TopKLogitsWarper(gen_cfg.top_k))
    if gen_cfg.top_p is not None and gen_cfg.top_p < 1.0:
        warpers.append(TopPLogitsWarper(gen_cfg.top_p))
    return warpers


def sample_next(logits, warpers):
    """One token per row from fp32 logits (rows x vocab)."""
    return torch.multinomial(warpers(None, logits).softmax(-1), 1).squeeze(1)


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


