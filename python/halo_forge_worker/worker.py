"""The worker: one model, its tokenizer, maybe a LoRA adapter, and the protocol's ops on them."""
import gc
import os
import platform
import time

import torch

from . import PROTOCOL_VERSION
from .common import atomic_save, count_params, from_args, is_peft, need, pick_device, pick_dtype, rss_mb
from .generation import GenerateConfig, generate, lora_merged
from .parallel import save_pretrained
from .protocol import BadRequest
from .training import TrainConfig, train


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
        from . import torchrun

        self.need_model()
        cfg = from_args(TrainConfig, args)
        dist = torchrun.parse(cfg.distributed)
        if dist.needed:
            return torchrun.launch(self, "train", args, dist)
        self.model, result = train(self.model, self.tok, cfg, self.progress)
        if not is_peft(self.model):
            self.adapter_path = None  # a full fine-tune folded any adapter in
            self.weights_changed = True
        result["saved"] = self._save(cfg.save_to)["path"] if cfg.save_to else None
        return result

    def op_sft(self, args):
        from . import torchrun
        from .sft import SFTConfig, sft

        self.need_model()
        cfg = from_args(SFTConfig, args)
        dist = torchrun.parse(cfg.distributed)
        if dist.needed:
            return torchrun.launch(self, "sft", args, dist)
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
        path = save_pretrained(self.model, self.tok, path)
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
