"""GGUF file -> a normal Hugging Face folder (safetensors + tokenizer), via transformers' GGUF loader.

transformers dequantizes the GGUF tensors to full precision, so the folder is as large as an fp32
(or the chosen dtype) checkpoint, and loads with AutoModelForCausalLM like any other.
"""
import os
import time


def import_gguf(gguf, output, dtype="float32"):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    from .common import atomic_save, count_params

    gguf = os.path.abspath(gguf)
    if not os.path.isfile(gguf):
        raise FileNotFoundError(gguf)
    folder, name = os.path.split(gguf)
    t0 = time.time()
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    # Unpack every weight to a dense tensor: a model left in GGUF blocks can be neither saved nor trained.
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=getattr(torch, dtype),
                                                 quantization_config=GgufConfig(gguf_file=name, dequantize=True))
    if getattr(model, "hf_quantizer", None) is not None:
        model.hf_quantizer.remove_quantization_config(model)  # now a plain model that save_pretrained accepts
    load_seconds = time.time() - t0

    def write(d):
        model.save_pretrained(d)
        tok.save_pretrained(d)

    path = atomic_save(output, write)
    return {"output": path, "architecture": type(model).__name__, "parameters": count_params(model)[0],
            "vocab_size": len(tok), "has_chat_template": bool(getattr(tok, "chat_template", None)),
            "load_seconds": round(load_seconds, 3), "seconds": round(time.time() - t0, 3)}


if __name__ == "__main__":  # python -m halo_forge_worker.gguf_import FILE.gguf OUT_FOLDER
    import json
    import sys

    print(json.dumps(import_gguf(sys.argv[1], sys.argv[2]), indent=2))
