"""What every part of the worker shares: request args, devices, atomic saves, prompt encoding."""
import ctypes
import gc
import os
import platform
import shutil
import sys
import tempfile
from dataclasses import fields

import torch

from .protocol import BadRequest


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# -----------------------------------------------------------------------------
# request args


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


def is_main():
    """Whether this process writes files: always, unless it is a torchrun process other than rank 0."""
    import torch.distributed as dist

    return not (dist.is_available() and dist.is_initialized()) or dist.get_rank() == 0
