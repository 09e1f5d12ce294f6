"""import_gguf on a GGUF file written here from the tiny model: same tokenizer ids, same logits."""
import json

import gguf
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from halo_forge_worker.worker import Worker


def write_gguf(hf_dir, path):
    """A float32 qwen2 GGUF of an HF folder, laid out as llama.cpp's converter lays it out."""
    model = AutoModelForCausalLM.from_pretrained(hf_dir)
    tok = AutoTokenizer.from_pretrained(hf_dir)
    c = model.config
    w = gguf.GGUFWriter(path, "qwen2")
    w.add_block_count(c.num_hidden_layers)
    w.add_context_length(c.max_position_embeddings)
    w.add_embedding_length(c.hidden_size)
    w.add_feed_forward_length(c.intermediate_size)
    w.add_head_count(c.num_attention_heads)
    w.add_head_count_kv(c.num_key_value_heads)
    w.add_rope_freq_base(c.rope_parameters["rope_theta"])
    w.add_layer_norm_rms_eps(c.rms_norm_eps)
    tj = json.load(open(f"{hf_dir}/tokenizer.json"))
    tokens = sorted(tj["model"]["vocab"], key=tj["model"]["vocab"].get)
    special = {a["content"] for a in tj["added_tokens"]}
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types([gguf.TokenType.CONTROL if t in special else gguf.TokenType.NORMAL for t in tokens])
    w.add_token_merges([m if isinstance(m, str) else " ".join(m) for m in tj["model"]["merges"]])
    w.add_eos_token_id(tok.eos_token_id)
    w.add_pad_token_id(tok.pad_token_id)
    w.add_chat_template(tok.chat_template)
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.QWEN2, c.num_hidden_layers)
    for k, v in model.state_dict().items():
        if k != "lm_head.weight":  # tied to the embedding
            w.add_tensor(names.get_name(k, try_suffixes=(".weight", ".bias")), v.float().numpy())
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return model, tok


def test_import_gguf_round_trip(tiny_dir, tmp_path):
    model, tok = write_gguf(tiny_dir, str(tmp_path / "tiny.gguf"))
    r = Worker(lambda m: None).handle(1, "import_gguf", {"gguf": str(tmp_path / "tiny.gguf"), "output": str(tmp_path / "hf")})
    assert r["architecture"] == "Qwen2ForCausalLM" and r["parameters"] == sum(p.numel() for p in model.parameters())
    back = AutoModelForCausalLM.from_pretrained(r["output"])
    back_tok = AutoTokenizer.from_pretrained(r["output"])
    code = "int main(void) {\n    return 0;\n}\n"
    assert back_tok(code)["input_ids"] == tok(code)["input_ids"]
    x = torch.tensor([tok(code)["input_ids"]])
    assert torch.allclose(back(x).logits, model(x).logits, atol=1e-5)
