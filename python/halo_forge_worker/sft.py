"""Supervised fine-tuning with a held-out loss: evaluation, early stopping, checkpoints, resume.

The plan and the step are `train`'s (training.plan_steps, training.Trainer); this module adds what
a long run needs around them.
"""
import json
import os
import random
import time
from dataclasses import dataclass

import torch

from .common import is_peft, uses_chat
from .parallel import save_pretrained
from .protocol import BadRequest
from .training import TrainConfig, Trainer, collate, completion_loss, make_batches, plan_steps, prepare_for_training, tokenize_examples

STATE = "trainer_state.json"


@dataclass
class SFTConfig(TrainConfig):
    eval_examples: list = None  # [{"prompt","completion"}]; none = no evaluation, no early stopping
    eval_every: int = 50  # optimizer steps between evaluations (and after the last step)
    patience: int = 3  # evaluations without improvement before stopping; 0 = never stop early
    min_delta: float = 0.0  # an improvement is a loss lower than the best by more than this
    checkpoint_dir: str = None  # weights + optimizer + step, replaced atomically every checkpoint_every steps
    checkpoint_every: int = 50
    resume: bool = False  # continue from checkpoint_dir when it holds a checkpoint
    best_to: str = None  # the weights with the lowest evaluation loss (the last ones without evaluation)


def evaluate_loss(model, seqs, batch_tokens, pad_id, loss=None):
    """Mean cross-entropy per completion token over `seqs`, without dropout or gradients.
    `loss(x, m, y)`: the summed loss of a batch (a Trainer's, when FSDP holds the weights)."""
    loss = loss or (lambda x, m, y: completion_loss(model, x, m, y))
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    try:
        with torch.no_grad():
            lengths = [len(s[0]) for s in seqs]
            for batch in make_batches(lengths, batch_tokens, None, random.Random(0)):
                x, m, y = collate(seqs, batch, pad_id, None, model.device)
                total += loss(x, m, y).item()
                count += int((y[:, 1:] != -100).sum())
    finally:
        model.train(was_training)
    return total / max(count, 1), count


def pad_id_of(tok):
    return tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id


def evaluate(model, tok, args):
    """The `evaluate` op: held-out loss of the loaded model on prompt/completion pairs."""
    examples = args.get("examples")
    if not examples:
        raise BadRequest("missing arg: examples")
    unknown = set(args) - {"examples", "batch_tokens", "max_length", "chat"}
    if unknown:
        raise BadRequest(f"unknown args for evaluate: {', '.join(sorted(unknown))}")
    t0 = time.time()
    seqs = tokenize_examples(tok, examples, uses_chat(tok, args.get("chat", "auto")), int(args.get("max_length", 1024)))
    loss, tokens = evaluate_loss(model, seqs, int(args.get("batch_tokens", 4096)), pad_id_of(tok))
    return {"loss": loss, "tokens": tokens, "examples": len(seqs), "seconds": round(time.time() - t0, 4)}


def fingerprint(cfg, seqs, eval_seqs, total_steps):
    """What must match for a checkpoint to belong to this run."""
    return {"examples": len(seqs), "tokens": sum(len(s[0]) for s in seqs), "eval_examples": len(eval_seqs),
            "steps": total_steps, "seed": cfg.seed, "mode": cfg.mode, "batch_tokens": cfg.batch_tokens,
            "grad_accum": cfg.grad_accum}


def save_checkpoint(model, tok, trainer, state, path):
    opt_state = trainer.group.optimizer_state(trainer.opt)  # every process: FSDP gathers the shards

    def extra(d):
        torch.save(opt_state, os.path.join(d, "optimizer.pt"))
        torch.save({"torch": torch.get_rng_state(),
                    "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None},
                   os.path.join(d, "rng.pt"))
        with open(os.path.join(d, STATE), "w") as f:
            json.dump(state, f)

    return save_pretrained(model, tok, path, extra)


def load_checkpoint_weights(model, path, mode):
    """-> the model with the checkpoint's weights: the adapter for LoRA, every weight for full."""
    from safetensors.torch import load_file

    if mode == "lora":
        if is_peft(model):
            from peft import set_peft_model_state_dict

            set_peft_model_state_dict(model, load_file(os.path.join(path, "adapter_model.safetensors")))
            return model
        from peft import PeftModel

        return PeftModel.from_pretrained(model, path, is_trainable=True)
    files = sorted(f for f in os.listdir(path) if f.endswith(".safetensors"))
    if not files:
        raise FileNotFoundError(f"no weights in checkpoint {path}")
    for f in files:
        model.load_state_dict(load_file(os.path.join(path, f), device=str(model.device)), strict=False)
    for p in model.parameters():
        p.requires_grad_(True)
    return model


def sft(model, tok, cfg: SFTConfig, progress=lambda d: None, strategy=None):
    """-> (model, result). The model is the last step's; `best_to` holds the best-evaluated weights."""
    if not cfg.examples:
        raise BadRequest("examples is empty")
    if cfg.mode not in ("lora", "full") or cfg.schedule not in ("cosine", "linear", "constant"):
        raise BadRequest(f"mode is lora or full, schedule is cosine, linear or constant; got {cfg.mode}, {cfg.schedule}")
    if cfg.eval_every < 1 or cfg.checkpoint_every < 1 or cfg.patience < 0:
        raise BadRequest("eval_every and checkpoint_every must be at least 1, patience at least 0")
    if cfg.resume and not cfg.checkpoint_dir:
        raise BadRequest("resume needs checkpoint_dir")
    if cfg.pad_to:
        raise BadRequest("sft pads each micro-batch to its own longest row: pad_to is for bench_train")
    chat = uses_chat(tok, cfg.chat)
    seqs = tokenize_examples(tok, cfg.examples, chat, cfg.max_length)
    eval_seqs = tokenize_examples(tok, cfg.eval_examples, chat, cfg.max_length) if cfg.eval_examples else []
    pad_id = pad_id_of(tok)
    steps = plan_steps(cfg, [len(s[0]) for s in seqs])
    plan = fingerprint(cfg, seqs, eval_seqs, len(steps))

    state = {"step": 0, "plan": plan, "best": None, "best_step": None, "bad_evals": 0, "evals": [], "log": [],
             "tokens": 0, "stopped_early": False}
    resuming = bool(cfg.resume and os.path.exists(os.path.join(cfg.checkpoint_dir, STATE)))
    if resuming:
        with open(os.path.join(cfg.checkpoint_dir, STATE)) as f:
            state = json.load(f)
        if state["plan"] != plan:
            raise BadRequest(f"checkpoint {cfg.checkpoint_dir} belongs to another run: it has {state['plan']}, this run {plan}")
        model = load_checkpoint_weights(model, cfg.checkpoint_dir, cfg.mode)
    else:
        random.seed(cfg.seed)
        torch.manual_seed(cfg.seed)
        model = prepare_for_training(model, cfg)
    trainer = Trainer(model, cfg, seqs, pad_id, progress, strategy)
    if resuming:
        opt_state = torch.load(os.path.join(cfg.checkpoint_dir, "optimizer.pt"), map_location=trainer.device)
        trainer.group.load_optimizer_state(trainer.opt, opt_state)
        rng = torch.load(os.path.join(cfg.checkpoint_dir, "rng.pt"), weights_only=False)
        torch.set_rng_state(rng["torch"])
        if rng.get("cuda") is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(rng["cuda"])
    resumed_from = state["step"]

    def record_eval(step):
        loss, _ = evaluate_loss(model, eval_seqs, cfg.batch_tokens, pad_id, trainer.loss)
        improved = state["best"] is None or loss < state["best"] - cfg.min_delta
        if improved:
            state["best"], state["best_step"], state["bad_evals"] = loss, step, 0
            if cfg.best_to:
                save_pretrained(model, tok, cfg.best_to)
        else:
            state["bad_evals"] += 1
        state["evals"].append({"step": step, "loss": loss, "improved": improved})
        progress({"eval_loss": loss, "step": step, "best_eval_loss": state["best"], "steps": len(steps)})

    if eval_seqs and state["step"] == 0 and not state["evals"]:
        record_eval(0)  # the loss before training: the baseline every later evaluation is held against
    model.train()
    t0, session_tokens, last_saved_step = time.time(), 0, None
    try:
        first = len(steps) + 1 if state["stopped_early"] else state["step"] + 1  # a stopped run stays stopped
        for n in range(first, len(steps) + 1):
            rec = trainer.step(n, len(steps), steps[n - 1])
            session_tokens += rec["tokens"]
            state["log"].append(rec)
            state["step"], state["tokens"] = n, state["tokens"] + rec["tokens"]
            if eval_seqs and (n % cfg.eval_every == 0 or n == len(steps)):
                record_eval(n)
                if cfg.patience and state["bad_evals"] >= cfg.patience:
                    state["stopped_early"] = True
            if cfg.checkpoint_dir and (n % cfg.checkpoint_every == 0 or n == len(steps) or state["stopped_early"]):
                save_checkpoint(model, tok, trainer, state, cfg.checkpoint_dir)
                last_saved_step = n
            if state["stopped_early"]:
                break
    finally:
        trainer.close()
    if cfg.best_to and not eval_seqs and state["step"] > resumed_from:
        save_pretrained(model, tok, cfg.best_to)
    seconds = time.time() - t0
    return model, {
        "steps": state["log"], "evals": state["evals"], "best_eval_loss": state["best"], "best_step": state["best_step"],
        "stopped_early": state["stopped_early"], "resumed_from_step": resumed_from, "total_steps": len(steps),
        "tokens": session_tokens, "seconds": round(seconds, 4),
        "tokens_per_second": round(session_tokens / max(seconds, 1e-9), 1),
        "saved": os.path.abspath(cfg.best_to) if cfg.best_to and os.path.isdir(cfg.best_to) else None,
        "checkpoint": os.path.abspath(cfg.checkpoint_dir) if last_saved_step or resuming else None,
    }
