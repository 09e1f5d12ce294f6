"""How a training process takes part in a step: alone, or as one of several torchrun processes.

`ddp`: every process holds the whole model; the step's gradients are summed across processes once,
after every process said the step fit in memory. `fsdp`: FSDP2 (`fully_shard`) splits every weight
across the processes, decoder layer by decoder layer, for a model that does not fit one device.
"""
import contextlib

import torch
import torch.distributed as dist

from .common import is_main, is_peft
from .protocol import BadRequest

STRATEGIES = ("ddp", "fsdp")
BUCKET = 1 << 24  # elements per gradient all-reduce: few collectives, bounded extra memory


class LossModule(torch.nn.Module):
    """completion_loss as a module's forward: FSDP gathers a module's weights around its forward."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x, m, y):
        from .training import completion_loss

        return completion_loss(self.model, x, m, y)


def join(model, strategy=None):
    """The process group's part in a step: Alone unless torchrun started this process."""
    if not (dist.is_available() and dist.is_initialized()):
        return Alone(model)
    if strategy in (None, "ddp"):
        return Replicated(model)
    if strategy == "fsdp":
        return Sharded(model)
    raise BadRequest(f"distributed strategy is {' or '.join(STRATEGIES)}; got {strategy}")


class Alone:
    rank, world = 0, 1
    loss_scale = 1.0  # each piece's loss is multiplied by it before backward
    collective_forward = False  # whether a forward pass talks to the other processes

    def __init__(self, model):
        self.module = LossModule(model)

    def forward(self, x, m, y):
        return self.module(x, m, y)

    def piece(self, last):
        """Around one piece's forward and backward; `last`: the step's last piece."""
        return contextlib.nullcontext()

    def any(self, flag):
        """Whether any process raised `flag` (every process must ask, the same number of times)."""
        return flag

    def sync_gradients(self, params):
        pass

    def sum(self, loss, tokens):
        """The step's loss and token counts over every process."""
        return loss, tokens

    def clip(self, params, max_norm):
        return float(torch.nn.utils.clip_grad_norm_(params, max_norm))

    def optimizer_state(self, opt):
        """The optimizer's state as one process's optimizer holds it (every process must call this)."""
        return opt.state_dict()

    def load_optimizer_state(self, opt, state):
        opt.load_state_dict(state)


class Replicated(Alone):
    """DistributedDataParallel's arithmetic without its backward hooks: DDP all-reduces inside
    backward, where a process that ran out of memory would leave the others waiting in a
    collective. Here backward stays local and the gradients are summed once per step, after the
    processes agreed that every piece fit."""

    def __init__(self, model):
        super().__init__(model)
        self.rank, self.world, self.device = dist.get_rank(), dist.get_world_size(), model.device
        with torch.no_grad():  # every process starts from rank 0's weights, as DDP makes sure
            for bucket in buckets([p for p in model.parameters() if p.requires_grad]):
                flat = torch._utils._flatten_dense_tensors(bucket)
                dist.broadcast(flat, 0)
                for p, v in zip(bucket, torch._utils._unflatten_dense_tensors(flat, bucket)):
                    p.copy_(v)

    def any(self, flag):
        t = torch.tensor([1.0 if flag else 0.0], device=self.device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t.item())

    def sync_gradients(self, params):
        for p in params:
            if p.grad is None:  # unused on this process: it still takes part in the sum
                p.grad = torch.zeros_like(p)
        for bucket in buckets(params):
            grads = [p.grad for p in bucket]
            flat = torch._utils._flatten_dense_tensors(grads)
            dist.all_reduce(flat)
            for g, v in zip(grads, torch._utils._unflatten_dense_tensors(flat, grads)):
                g.copy_(v)

    def sum(self, loss, tokens):
        t = torch.tensor([loss, tokens], dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return float(t[0]), int(t[1])


class Sharded(Replicated):
    """FSDP2: each decoder layer is its own unit (its weights gathered for its forward and backward,
    then freed), the rest (embeddings, final norm, head) belongs to the loss module around the model.
    Only weights that need gradients get them (LoRA); gradients are reduce-scattered in the step's
    last backward, so each process ends the step with its shard of the mean gradient."""

    collective_forward = True

    def __init__(self, model):  # no broadcast: each process keeps its slice of the same seeded weights
        from torch.distributed.fsdp import fully_shard

        self.rank, self.world, self.device = dist.get_rank(), dist.get_world_size(), model.device
        self.loss_scale = float(self.world)  # FSDP averages the processes' gradients; the step wants their sum
        lm = model.get_base_model() if is_peft(model) else model
        layers = set(getattr(lm, "_no_split_modules", None) or [])
        for module in list(lm.modules()):
            if type(module).__name__ in layers:
                fully_shard(module)
        self.module = LossModule(model)
        fully_shard(self.module)

    @contextlib.contextmanager
    def piece(self, last):
        self.module.set_requires_gradient_sync(last)  # earlier pieces accumulate locally
        yield

    def sync_gradients(self, params):
        pass

    def clip(self, params, max_norm):
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm)  # over the shards of every process
        return float(norm.full_tensor() if hasattr(norm, "full_tensor") else norm)

    def optimizer_state(self, opt):
        """Each moment gathered whole, in the layout of a single process's AdamW: a checkpoint
        resumes under any number of processes, or none."""
        from torch.distributed.tensor import DTensor

        state = opt.state_dict()
        whole = {}
        for i, entry in state["state"].items():  # the same order on every process: the gathers pair up
            whole[i] = {k: v.full_tensor().cpu() if isinstance(v, DTensor) else v for k, v in entry.items()}
        return dict(state, state=whole)

    def load_optimizer_state(self, opt, state):
        """A whole optimizer state (every process read the same file) cut to this process's shards."""
        from torch.distributed.tensor import DTensor, distribute_tensor

        params = [p for g in opt.param_groups for p in g["params"]]
        for i, entry in state["state"].items():
            p = params[int(i)]
            for k, v in entry.items():
                if isinstance(p, DTensor) and torch.is_tensor(v) and v.shape == p.shape:
                    entry[k] = distribute_tensor(v.to(p.device), p.device_mesh, p.placements, src_data_rank=None)
        opt.load_state_dict(state)


def buckets(params, size=BUCKET):
    out, cur, n = [], [], 0
    for p in params:
        if cur and n + p.numel() > size:
            out.append(cur)
            cur, n = [], 0
        cur.append(p)
        n += p.numel()
    return out + [cur] if cur else out


def whole_state_dict(model):
    """The model's weights whole, on rank 0, when FSDP holds them in shards (every process must
    call this: the shards are gathered one weight at a time); else None, the model's own is whole."""
    from torch.distributed.tensor import DTensor

    if not any(isinstance(p, DTensor) for p in model.parameters()):
        return None
    out = {}
    for k, v in model.state_dict().items():
        if isinstance(v, DTensor):
            v = v.full_tensor()
        if is_main():
            out[k] = v.detach().cpu()
    return out


def save_pretrained(model, tok, path, extra=None):
    """Saves the adapter (PEFT) or the model, with the tokenizer, to `path` atomically: a PEFT
    folder loads in a single process whatever wrote it. Every process calls it; rank 0 writes.
    `extra(folder)` adds files (a checkpoint's optimizer state)."""
    from .common import atomic_save

    whole = whole_state_dict(model)
    if not is_main():
        return path

    def write(d):
        if whole is None:
            model.save_pretrained(d)
        else:
            model.save_pretrained(d, state_dict=whole)
        tok.save_pretrained(d)
        if extra:
            extra(d)

    return atomic_save(path, write)
