"""Training: the step planner, the LoRA setup and the one optimizer step `train` and `sft` share."""
import math
import os
import random
import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from .common import encode_prompt, free_memory, from_args, is_peft, log, peak_mb, uses_chat
from .protocol import BadRequest


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


# -----------------------------------------------------------------------------
# the plan: rows tokenized, grouped by length into micro-batches, micro-batches into steps


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


def plan_steps(cfg: TrainConfig, lengths):
    """The micro-batches of the whole run, epoch after epoch (a fresh shuffle each), grouped into
    optimizer steps. The same for the same data and seed: a resumed run skips exactly the steps it
    took, and every torchrun process plans the same steps without talking to the others."""
    rng = random.Random(cfg.seed)
    want = cfg.steps * cfg.grad_accum if cfg.steps else None
    micro, epochs = [], 0
    while (len(micro) < want) if want else (epochs < cfg.epochs):
        micro += make_batches(lengths, cfg.batch_tokens, cfg.pad_to, rng)
        epochs += 1
    micro = micro[:want] if want else micro
    return [micro[i:i + cfg.grad_accum] for i in range(0, len(micro), cfg.grad_accum)]


# -----------------------------------------------------------------------------
# the step


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


def set_checkpointing(model, on):
    lm = model.get_base_model() if is_peft(model) else model
    if on:
        # non-reentrant: works with frozen embeddings (LoRA) without forcing inputs to need grads
        lm.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
    elif lm.is_activation_checkpointing:
        lm.activation_checkpointing_disable()


def inject_oom():
    """Test hook: HALO_FORGE_INJECT_OOM=N makes the next N multi-row training pieces raise
    torch.OutOfMemoryError before their forward pass, as a full GPU would. Under torchrun,
    HALO_FORGE_INJECT_OOM_RANK=R limits it to the process of that rank."""
    only = os.environ.get("HALO_FORGE_INJECT_OOM_RANK")
    if only not in (None, "") and only != os.environ.get("RANK", "0"):
        return
    left = int(os.environ.get("HALO_FORGE_INJECT_OOM", "0") or 0)
    if left > 0:
        os.environ["HALO_FORGE_INJECT_OOM"] = str(left - 1)
        raise torch.OutOfMemoryError("injected by HALO_FORGE_INJECT_OOM")


def split_rows(batch, parts):
    """A micro-batch's rows in `parts` near-equal pieces (fewer when it has fewer rows)."""
    size = max(1, math.ceil(len(batch) / parts))
    return [batch[i:i + size] for i in range(0, len(batch), size)]


def target_count(seqs, rows, pad_to=None):
    """Positions with a label (completion + EOS, as collate makes them) in `rows`, without collating."""
    return sum(max(0, min(len(seqs[i][0]), pad_to or 1 << 60) - max(seqs[i][1], 1)) for i in rows)


def pieces_of(step, rank, world, split):
    """The rows process `rank` of `world` runs for one step, in pieces: a contiguous share of every
    micro-batch's rows, cut into `split` pieces."""
    mine = [c[rank] for b in step for c in [split_rows(b, world)] if rank < len(c)]
    return [p for share in mine for p in split_rows(share, split)]


class StepOutOfMemory(Exception):
    """Some process ran out of memory in this attempt at a step; every process saw it."""


class Trainer:
    """The optimizer step `train` and `sft` share, on one process or as one of several.

    A step's micro-batches are cut into pieces; each piece's summed completion loss is divided by
    the step's target tokens (over every process), so the gradient is the mean over the step's
    completion tokens whatever the cut and the number of processes. On out-of-memory every process
    drops the attempt's gradients and runs the step again with each micro-batch cut into twice as
    many pieces; the cut is kept for the following steps."""

    def __init__(self, model, cfg: TrainConfig, seqs, pad_id, progress=lambda d: None, strategy=None):
        from .parallel import join

        self.model, self.cfg, self.seqs, self.pad_id, self.progress = model, cfg, seqs, pad_id, progress
        self.device = model.device
        free_memory(self.device)  # sampling's caches would otherwise sit beside training's activations
        set_checkpointing(model, cfg.gradient_checkpointing)
        self.group = join(model, strategy)  # shards the weights under FSDP: before the optimizer sees them
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.opt = torch.optim.AdamW(self.params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
        self.split = 1
        model.train()

    def loss(self, x, m, y):
        """Summed completion loss of a batch (through the process group's forward under FSDP)."""
        return self.group.forward(x, m, y)

    def step(self, n, total, step):
        """Runs optimizer step `n` of `total` on the micro-batches `step` -> its record."""
        ts = time.time()
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
        lr = lr_at(n, total, self.cfg)
        for g in self.opt.param_groups:
            g["lr"] = lr
        while True:
            try:
                loss_sum, tokens, targets = self._attempt(step)
                break
            except StepOutOfMemory:
                self.opt.zero_grad(set_to_none=True)  # drop the partial gradients of the failed attempt
                free_memory(self.device)
                g = self.group
                if all(len(p) == 1 for r in range(g.world) for p in pieces_of(step, r, g.world, self.split)):
                    raise torch.OutOfMemoryError(f"out of memory at step {n} with one row per micro-batch piece") from None
                self.split *= 2
                log(f"train: out of memory at step {n}, retrying with micro-batches of 1/{self.split} the rows")
        grad_norm = self.group.clip(self.params, self.cfg.max_grad_norm)
        if not math.isfinite(loss_sum) or not math.isfinite(grad_norm):
            # stop before the update: the weights stay those of the last good step
            raise FloatingPointError(f"loss {loss_sum / max(targets, 1)}, grad norm {grad_norm} at step {n}: lower the learning rate")
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        dt = time.time() - ts
        rec = {"step": n, "loss": loss_sum / max(targets, 1), "grad_norm": grad_norm, "lr": lr,
               "tokens": tokens, "tokens_per_second": round(tokens / max(dt, 1e-9), 1),
               "micro_batch_split": self.split, "peak_memory_mb": peak_mb(self.device)}
        self.progress(dict(rec, steps=total))
        return rec

    def _attempt(self, step):
        """Forward and backward over one step's pieces -> (summed loss, real tokens, target tokens).
        Raises StepOutOfMemory on every process when any of them ran out of memory."""
        g, pad_to = self.group, self.cfg.pad_to
        targets = target_count(self.seqs, [i for b in step for i in b], pad_to)
        pieces = [(rows, 1.0) for rows in pieces_of(step, g.rank, g.world, self.split)]
        # every process runs as many pieces (the same collectives); a zero-weight row fills in
        most = max(len(pieces_of(step, r, g.world, self.split)) for r in range(g.world))
        pieces += [(step[0][:1], 0.0)] * (most - len(pieces))
        loss_sum, tokens = 0.0, 0
        for k, (rows, weight) in enumerate(pieces):
            failed, loss = False, None
            try:
                x, m, y = collate(self.seqs, rows, self.pad_id, pad_to, self.device)
                if x.shape[0] > 1:
                    inject_oom()
                if not g.collective_forward:
                    loss = self._backward(x, m, y, weight, targets, k == len(pieces) - 1)
            except torch.OutOfMemoryError:
                failed = True
            if g.any(failed):
                raise StepOutOfMemory
            if g.collective_forward:  # FSDP gathers weights in the forward: only an agreed piece may start it
                loss = self._backward(x, m, y, weight, targets, k == len(pieces) - 1)
            loss_sum += loss.item() * (weight > 0)
            tokens += int(m.sum()) * (weight > 0)  # real tokens only, never padding
        g.sync_gradients(self.params)
        loss_sum, tokens = g.sum(loss_sum, tokens)
        return loss_sum, tokens, targets

    def _backward(self, x, m, y, weight, targets, last):
        with self.group.piece(last):
            loss = self.loss(x, m, y)
            (loss * weight * self.group.loss_scale / max(targets, 1)).backward()
        return loss

    def close(self):
        self.model.eval()
        self.opt.zero_grad(set_to_none=True)
        set_checkpointing(self.model, False)


def train(model, tok, cfg: TrainConfig, progress=lambda d: None, strategy=None):
    """-> (trained model, result). The returned model may be a new wrapper (LoRA) of the one given."""
    if not cfg.examples:
        raise BadRequest("examples is empty")
    if cfg.mode not in ("lora", "full") or cfg.schedule not in ("cosine", "linear", "constant"):
        raise BadRequest(f"mode is lora or full, schedule is cosine, linear or constant; got {cfg.mode}, {cfg.schedule}")
    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    seqs = tokenize_examples(tok, cfg.examples, uses_chat(tok, cfg.chat), cfg.max_length)
    steps = plan_steps(cfg, [len(s[0]) for s in seqs])
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    model = prepare_for_training(model, cfg)
    trainer = Trainer(model, cfg, seqs, pad_id, progress, strategy)
    log_steps, t0 = [], time.time()
    try:
        for n, step in enumerate(steps, 1):
            log_steps.append(trainer.step(n, len(steps), step))
    finally:
        trainer.close()
    seconds, total_tokens = time.time() - t0, sum(r["tokens"] for r in log_steps)
    return model, {"steps": log_steps, "tokens": total_tokens, "seconds": round(seconds, 4),
                   "tokens_per_second": round(total_tokens / max(seconds, 1e-9), 1)}
