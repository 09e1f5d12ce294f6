"""A tiny Qwen2-shaped model and a byte-level BPE tokenizer trained on the shipped corpus.

Used by the tests and for trying the RAFT loop end to end without downloading anything.
"""
import json
import os
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
SPECIALS = ["<|endoftext|>", "<|pad|>", "<|im_start|>", "<|im_end|>"]
# Qwen-style ChatML: the user's message, then an open assistant turn when add_generation_prompt.
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@dataclass
class TinyConfig:
    seed: int = 0
    vocab_size: int = 2048
    hidden_size: int = 128
    layers: int = 4
    heads: int = 4
    kv_heads: int = 2
    intermediate_size: int = 352
    max_position_embeddings: int = 1024
    pretrain_steps: int = 0


def corpus_texts():
    return [p.read_text() for p in sorted(CORPUS.iterdir()) if p.is_file()]


def corpus_blocks():
    """The corpus cut at blank lines: roughly one function per block."""
    blocks = []
    for text in corpus_texts():
        blocks += [b.strip("\n") + "\n" for b in text.split("\n\n") if b.strip()]
    return blocks


def build_tokenizer(vocab_size):
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast
    from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX

    # The folder's config.json says qwen2, and AutoTokenizer rebuilds any qwen2 tokenizer as
    # Qwen2Tokenizer with Qwen's normalizer and pre-tokenizer, whatever tokenizer_config.json says
    # (transformers 5 ignores tokenizer_class for qwen2). Train with exactly that pipeline so the
    # reloaded tokenizer gives the same ids; tests check the round trip.
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIALS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(corpus_texts(), trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|pad|>", chat_template=CHAT_TEMPLATE
    )


def build_model(cfg: TinyConfig, tok):
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(cfg.seed)
    config = Qwen2Config(
        vocab_size=len(tok),
        hidden_size=cfg.hidden_size,
        num_hidden_layers=cfg.layers,
        num_attention_heads=cfg.heads,
        num_key_value_heads=cfg.kv_heads,
        intermediate_size=cfg.intermediate_size,
        max_position_embeddings=cfg.max_position_embeddings,
        tie_word_embeddings=True,
        bos_token_id=tok.eos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
    )
    model = Qwen2ForCausalLM(config)
    # A chat turn ends with <|im_end|>, raw text with <|endoftext|>: stop on either.
    model.generation_config = GenerationConfig(
        eos_token_id=[tok.eos_token_id, tok.convert_tokens_to_ids("<|im_end|>")], pad_token_id=tok.pad_token_id
    )
    return model


def save_tokenizer(tok, path):
    tok.save_pretrained(path)
    # Name the class AutoTokenizer will pick anyway, so the folder says what it is.
    cfg_path = os.path.join(path, "tokenizer_config.json")
    with open(cfg_path) as f:
        cfg = json.load(f)
    cfg["tokenizer_class"] = "Qwen2Tokenizer"
    with open(cfg_path, "w") as f:
        json.dump(cfg, f, indent=2)
