"""Training on several processes with torchrun, over gloo (CPU) or NCCL (CUDA).

The worker keeps its protocol: a `train` or `sft` request with `distributed: {"nproc": N, ...}` is
run by `torchrun` as N processes of `python -m halo_forge_worker.torchrun REQUEST.json`. Each process
loads the model (the worker's own copy is freed first, so it does not hold a device's memory),
tokenizes the same data into the same plan, and trains on its share of every micro-batch, with the
whole model (`ddp`) or a shard of every weight (`fsdp`; see parallel.py). Rank 0 sends progress and
saves the result; the worker then loads it.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import torch

from .common import free_memory, from_args, is_peft, log
from .parallel import STRATEGIES, save_pretrained
from .protocol import BadRequest

PROGRESS = "HALO_FORGE_PROGRESS "  # rank 0's progress lines on torchrun's stdout


@dataclass
class Distributed:
    nproc: int = 1  # processes on this node (one per GPU on CUDA)
    nnodes: int = 1
    node_rank: int = 0
    master_addr: str = "127.0.0.1"
    master_port: int = 0  # 0: a free port (one node only)
    strategy: str = "ddp"  # "ddp": a whole copy per process; "fsdp": every weight sharded across them

    def validate(self):
        if self.nproc < 1 or self.nnodes < 1 or not 0 <= self.node_rank < self.nnodes:
            raise BadRequest("distributed: nproc and nnodes must be at least 1, node_rank in 0..nnodes-1")
        if self.nnodes > 1 and not self.master_port:
            raise BadRequest("distributed: several nodes need a master_port every node knows")
        if self.strategy not in STRATEGIES:
            raise BadRequest(f"distributed: strategy is {' or '.join(STRATEGIES)}; got {self.strategy!r}")

    @property
    def needed(self):
        return self.nproc * self.nnodes > 1


def parse(distributed):
    """The `distributed` argument of a `train` or `sft` request."""
    d = from_args(Distributed, distributed or {})
    d.validate()
    return d


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(worker, op, args, dist):
    """Runs a `train` or `sft` request under torchrun and loads its result into `worker`.
    -> the result rank 0 wrote (as the single-process op returns it)."""
    tmp = tempfile.mkdtemp(prefix="halo-forge-ddp-")
    load = dict(worker.load_args)
    if is_peft(worker.model):  # train on from the adapter as it is now, saved or not
        worker.model.save_pretrained(os.path.join(tmp, "start-adapter"))
        load["adapter"] = os.path.join(tmp, "start-adapter")
    elif worker.weights_changed:  # a full fine-tune in memory: the ranks start from a copy of it
        worker.model.save_pretrained(os.path.join(tmp, "start-model"))
        worker.tok.save_pretrained(os.path.join(tmp, "start-model"))
        load["model"], load["adapter"] = os.path.join(tmp, "start-model"), None
    out = {"train": "save_to", "sft": "best_to"}[op]
    save_to = args.get(out) or os.path.join(tmp, "result-weights")
    request = {"op": op, "load": load, "args": dict(args, **{out: save_to}), "strategy": dist.strategy,
               "result": os.path.join(tmp, "result.json")}
    request["args"].pop("distributed", None)
    path = os.path.join(tmp, "request.json")
    with open(path, "w") as f:
        json.dump(request, f)

    worker.model = None  # the ranks need the device memory this copy holds
    free_memory(torch.device(worker.device))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in [os.path.dirname(os.path.dirname(__file__)), os.environ.get("PYTHONPATH")] if p))
    if "OMP_NUM_THREADS" not in env:  # share this machine's cores among the processes, not one each
        threads = load.get("threads") or torch.get_num_threads()
        env["OMP_NUM_THREADS"] = str(max(1, int(threads) // dist.nproc))
    cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={dist.nproc}", f"--nnodes={dist.nnodes}",
           f"--node_rank={dist.node_rank}", f"--master_addr={dist.master_addr}",
           f"--master_port={dist.master_port or free_port()}", "-m", "halo_forge_worker.torchrun", path]
    log("train: " + " ".join(cmd[2:]))
    t0, tail = time.time(), []
    # its own process group: stopping the request stops torchrun and every rank it started
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp,
                            start_new_session=True)
    try:
        for line in proc.stdout:
            if line.startswith(PROGRESS):
                worker.progress(json.loads(line[len(PROGRESS):]))
            else:
                log(line.rstrip("\n"))
                tail = (tail + [line.strip()])[-4:]
        rc = proc.wait()
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    finally:
        result = None
        if os.path.exists(request["result"]):
            with open(request["result"]) as f:
                result = json.load(f)
        # the worker holds a model again: the trained one when there is one, else the one it had
        weights = result and result.get("saved")
        if weights and result.get("kind") == "adapter":
            worker.op_load(dict(load, adapter=weights))
        elif weights:
            worker.op_load(dict(load, model=weights, adapter=None))
            worker.weights_changed = True
        else:
            worker.op_load(worker.load_args)
    if rc != 0 or result is None:
        if result and result.get("error"):
            raise RuntimeError(f"torchrun: {result['error']}")
        raise RuntimeError(f"torchrun exited with status {rc}: {' | '.join(tail)}")
    result["seconds_total"] = round(time.time() - t0, 3)  # process start and model loads included
    result["processes"] = dist.nproc * dist.nnodes
    if args.get(out):
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        result["saved"] = None  # the weights went to the scratch folder, which the loaded model came from
    return result


def main(path):
    """One torchrun process: load, train on this rank's share, rank 0 saves and reports."""
    import torch.distributed as td
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from .common import pick_device, pick_dtype
    from .sft import SFTConfig, sft
    from .training import TrainConfig, train

    with open(path) as f:
        req = json.load(f)
    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", 0))
    load = req["load"]
    device = pick_device(load.get("device") or "auto")
    if device == "cuda":
        torch.cuda.set_device(local)
        device = f"cuda:{local}"
    td.init_process_group("nccl" if device.startswith("cuda") else "gloo")
    try:
        local_files = os.path.isdir(load["model"]) or os.environ.get("HF_HUB_OFFLINE") == "1"
        tok = AutoTokenizer.from_pretrained(load["model"], local_files_only=local_files)
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
        dtype = pick_dtype(load.get("dtype") or "auto", device.split(":")[0])
        model = AutoModelForCausalLM.from_pretrained(load["model"], dtype=dtype, local_files_only=local_files).to(device)
        if load.get("adapter"):
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, load["adapter"], is_trainable=True)

        def progress(data):
            if rank == 0:
                print(PROGRESS + json.dumps(data), flush=True)

        args, strategy = req["args"], req.get("strategy")
        if req["op"] == "sft":
            model, result = sft(model, tok, from_args(SFTConfig, args), progress, strategy)
        else:
            model, result = train(model, tok, from_args(TrainConfig, args), progress, strategy)
            result["saved"] = save_pretrained(model, tok, args["save_to"])  # every rank: FSDP gathers the shards
        result["kind"] = "adapter" if is_peft(model) else "model"
        td.barrier()
    except Exception as e:
        if rank == 0:
            with open(req["result"], "w") as f:
                json.dump({"error": f"{type(e).__name__}: {' '.join(str(e).split())}"}, f)
        raise
    finally:
        td.destroy_process_group()
    if rank == 0:
        with open(req["result"], "w") as f:
            json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
