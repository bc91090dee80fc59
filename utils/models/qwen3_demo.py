#!/usr/bin/env python3
"""Makes the default checkpoint of utils/demo.sh: a small Qwen3 trained on the
King James Bible, as a Hugging Face checkpoint folder.

    utils/models/qwen3_demo.py [--out DIR] [--force] [--seed S]

Prints the folder on stdout (progress goes to stderr). It holds what a
downloaded Qwen3 folder holds -- config.json (model_type qwen3),
model.safetensors (bf16), tokenizer.json, tokenizer_config.json,
generation_config.json -- so mlc-compile and mlc-generate read it as they
read a real one. Everything is a deterministic function of the seed:

  1. the text: `bible -f` (Debian's bible-kjv, public domain) prints the 31102
     verses as "Ge1:1 In the beginning ..."; the references are dropped, each
     verse is a line and a blank line ends a chapter;
  2. the tokenizer: a byte-level BPE of VOCAB_SIZE tokens trained on that
     text, written in the structure of Qwen3's tokenizer.json (its
     pre-tokenizer regex and byte alphabet, its special tokens), without a
     chat template (the model has never seen a chat: it continues text);
  3. the model: Qwen3's architecture at a small size (MODEL), trained from
     scratch with AdamW on random windows of the text (TRAINING);
  4. a check that utils/models/qwen3_reference.py, reading the folder,
     computes the logits of the training code.

The default folder is ${XDG_CACHE_HOME:-~/.cache}/mlc-demo/qwen3-kjv-HASH,
HASH a hash of this script and the seed. A complete folder is reused
(--force rebuilds it); a new one is written under a temporary name and
renamed when complete, so an interrupted run leaves nothing that looks done.
"""

import argparse
import hashlib
import heapq
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qwen3_checkpoint  # noqa: E402  (the HF config, safetensors writer, progress)
import qwen3_reference  # noqa: E402  (the independent model, for the check)

VOCAB_SIZE = 2048  # bytes + merges + SPECIAL_TOKENS
# Qwen3's added tokens that its chat template uses: (content, special).
SPECIAL_TOKENS = [("<|endoftext|>", True), ("<|im_start|>", True),
                  ("<|im_end|>", True), ("<think>", False), ("</think>", False)]
MODEL = {
    "hidden_size": 128,
    "intermediate_size": 384,
    "num_hidden_layers": 4,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 32,
    "rope_theta": 10000.0,  # Qwen3's 1e6 is for long contexts
}
# About 1.8 passes over the text's 1.12M tokens: 3-5 minutes on 2 cores.
TRAINING = {
    "context": 128,  # tokens per window; also max_position_embeddings
    "batch": 16,
    "steps": 1000,
    "lr": 3e-3,
    "warmup": 30,  # steps of linear warm-up, then cosine decay to lr / 10
    "weight_decay": 0.1,
}
# generation_config.json's sampling (utils/demo.sh passes
# the same): greedy decoding of so small a model soon repeats itself.
SAMPLING = {"temperature": 0.7, "top_k": 40, "top_p": 0.95}
CHECKPOINT_FILES = ("config.json", "generation_config.json", "model.safetensors",
                    "tokenizer.json", "tokenizer_config.json")

# Qwen2/Qwen3's pre-tokenizer regex, as tokenizer.json spells it. Python's re
# has no \p{L} / \p{N}: for splitting the training text, letters are written
# [^\W\d_] (word characters but digits and '_') and numbers \d, which is exact
# on the Bible's ASCII text.
QWEN2_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
               r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
PRETOKENIZER = re.compile(
    QWEN2_REGEX.replace(r"[^\r\n\p{L}\p{N}]", r"(?:[^\r\n\w]|_)")
    .replace(r"[^\s\p{L}\p{N}]", r"(?:[^\s\w]|_)")
    .replace(r"\p{L}", r"[^\W\d_]").replace(r"\p{N}", r"\d"))


class DemoError(Exception):
    pass


# ---------------------------------------------------------------------------
# The text

def bible_text():
    """The King James Bible: one verse per line, a blank line after each
    chapter."""
    try:
        out = subprocess.run(["bible", "-f", "gen1:1-rev22:21"], check=True,
                             capture_output=True, text=True).stdout
    except FileNotFoundError:
        raise DemoError("the `bible` command is missing (Debian package bible-kjv): "
                        "run utils/install-deps.sh")
    except subprocess.CalledProcessError as e:
        raise DemoError(f"`bible` failed: {e.stderr.strip()}")
    text, chapter, verses = [], None, 0
    for line in out.splitlines():
        # "1Sm1:2 And he had two wives; ...": book and chapter, verse, text.
        m = re.fullmatch(r"(\d?[A-Za-z]+\d+):\d+ (.*)", line)
        if not m:
            continue
        if chapter is not None and m[1] != chapter:
            text.append("")
        chapter = m[1]
        text.append(m[2])
        verses += 1
    if verses != 31102:
        raise DemoError(f"`bible -f` printed {verses} verses, expected 31102")
    return "\n".join(text) + "\n"


# ---------------------------------------------------------------------------
# The tokenizer

def byte_alphabet():
    """GPT-2's map of the 256 bytes to printable characters (a space is 'Ġ'),
    which byte-level tokenizer.json files spell tokens in."""
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    extra = iter(range(256, 512))
    return {b: chr(b if b in printable else next(extra)) for b in range(256)}


def merge_pair(word, pair):
    """`word` (a list of tokens) with each occurrence of `pair`, left to right,
    replaced by the joined token."""
    out, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and (word[i], word[i + 1]) == pair:
            out.append(word[i] + word[i + 1])
            i += 2
        else:
            out.append(word[i])
            i += 1
    return out


def train_bpe(piece_counts, num_merges):
    """BPE merges learnt from {piece: count} (pieces spelled in the byte
    alphabet): repeatedly merge the most frequent adjacent pair (ties: the
    smallest pair). Pair counts are updated only for the pieces a merge
    touches, and a heap with stale entries finds the most frequent."""
    words = [list(p) for p in piece_counts]
    counts = list(piece_counts.values())
    pairs, where = Counter(), defaultdict(set)
    for i, word in enumerate(words):
        for pair in zip(word, word[1:]):
            pairs[pair] += counts[i]
            where[pair].add(i)
    heap = [(-n, pair) for pair, n in pairs.items()]
    heapq.heapify(heap)
    merges = []
    while len(merges) < num_merges and heap:
        n, pair = heapq.heappop(heap)
        if -n != pairs[pair] or n == 0:
            continue  # stale: the count changed since this entry was pushed
        merges.append(pair)
        for i in where.pop(pair):
            old, new = words[i], merge_pair(words[i], pair)
            for p in zip(old, old[1:]):
                pairs[p] -= counts[i]
            for p in zip(new, new[1:]):
                pairs[p] += counts[i]
                where[p].add(i)
            for p in set(zip(old, old[1:])) | set(zip(new, new[1:])):
                if pairs[p] > 0:
                    heapq.heappush(heap, (-pairs[p], p))
            words[i] = new
    if len(merges) < num_merges:
        raise DemoError(f"the text allows only {len(merges)} merges, not {num_merges}")
    return merges


class Tokenizer:
    """Byte-level BPE: ids 0-255 are the bytes, then one id per merge, then
    SPECIAL_TOKENS."""

    def __init__(self, text):
        self.alphabet = byte_alphabet()
        pieces = Counter(self.spell(p) for p in PRETOKENIZER.findall(text))
        self.merges = train_bpe(pieces, VOCAB_SIZE - 256 - len(SPECIAL_TOKENS))
        self.vocab = {self.alphabet[b]: b for b in range(256)}
        for a, b in self.merges:
            self.vocab[a + b] = len(self.vocab)
        self.special = {token: len(self.vocab) + i
                        for i, (token, _) in enumerate(SPECIAL_TOKENS)}
        self.ranks = {pair: rank for rank, pair in enumerate(self.merges)}
        self.cache = {}

    def spell(self, piece):
        return "".join(self.alphabet[b] for b in piece.encode())

    def encode_piece(self, piece):
        if piece not in self.cache:
            word = list(self.spell(piece))
            # Apply the merge of lowest rank present until none is, as HF does.
            while len(word) > 1:
                pair = min(zip(word, word[1:]), key=lambda p: self.ranks.get(p, math.inf))
                if pair not in self.ranks:
                    break
                word = merge_pair(word, pair)
            self.cache[piece] = [self.vocab[t] for t in word]
        return self.cache[piece]

    def encode(self, text):
        """Ids of text without special tokens."""
        return [i for piece in PRETOKENIZER.findall(text) for i in self.encode_piece(piece)]

    def tokenizer_json(self):
        byte_level = {"type": "ByteLevel", "add_prefix_space": False,
                      "trim_offsets": False, "use_regex": False}
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [{"id": self.special[t], "content": t, "single_word": False,
                              "lstrip": False, "rstrip": False, "normalized": False,
                              "special": special} for t, special in SPECIAL_TOKENS],
            "normalizer": {"type": "NFC"},
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": QWEN2_REGEX},
                 "behavior": "Isolated", "invert": False},
                byte_level]},
            "post_processor": byte_level,
            "decoder": byte_level,
            "model": {"type": "BPE", "dropout": None, "unk_token": None,
                      "continuing_subword_prefix": "", "end_of_word_suffix": "",
                      "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                      "vocab": self.vocab, "merges": [list(m) for m in self.merges]},
        }

    def tokenizer_config_json(self):
        return {
            "add_bos_token": False,
            "add_prefix_space": False,
            "added_tokens_decoder": {
                str(self.special[t]): {"content": t, "lstrip": False, "normalized": False,
                                       "rstrip": False, "single_word": False,
                                       "special": special}
                for t, special in SPECIAL_TOKENS},
            "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
            "bos_token": None,
            "clean_up_tokenization_spaces": False,
            "eos_token": "<|im_end|>",
            "errors": "replace",
            "model_max_length": TRAINING["context"],
            "pad_token": "<|endoftext|>",
            "split_special_tokens": False,
            "tokenizer_class": "Qwen2Tokenizer",
            "unk_token": None,
        }


# ---------------------------------------------------------------------------
# The model: HF's Qwen3ForCausalLM for training (batched, no KV cache), with
# its parameter names, so that the state dict is the checkpoint.

class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, self.heads, self.kv_heads = (c["hidden_size"], c["num_attention_heads"],
                                        c["num_key_value_heads"])
        self.head_dim = hd = c["head_dim"]
        self.q_proj = nn.Linear(h, self.heads * hd, bias=False)
        self.k_proj = nn.Linear(h, self.kv_heads * hd, bias=False)
        self.v_proj = nn.Linear(h, self.kv_heads * hd, bias=False)
        self.o_proj = nn.Linear(self.heads * hd, h, bias=False)
        self.q_norm = RMSNorm(hd, c["rms_norm_eps"])
        self.k_norm = RMSNorm(hd, c["rms_norm_eps"])

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        q = self.q_norm(self.q_proj(x).view(b, t, self.heads, -1)).transpose(1, 2)
        k = self.k_norm(self.k_proj(x).view(b, t, self.kv_heads, -1)).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.kv_heads, -1).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        # Grouped-query attention: KV head j serves query heads j*g .. j*g+g-1.
        g = self.heads // self.kv_heads
        k, v = k.repeat_interleave(g, dim=1), v.repeat_interleave(g, dim=1)
        scores = (q @ k.transpose(-1, -2)) * self.head_dim ** -0.5 + mask
        out = torch.softmax(scores, dim=-1) @ v
        return self.o_proj(out.transpose(1, 2).reshape(b, t, -1))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, i = c["hidden_size"], c["intermediate_size"]
        self.gate_proj = nn.Linear(h, i, bias=False)
        self.up_proj = nn.Linear(h, i, bias=False)
        self.down_proj = nn.Linear(i, h, bias=False)

    def forward(self, x):
        return self.down_proj(nn.functional.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class Qwen3Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList(DecoderLayer(c) for _ in range(c["num_hidden_layers"]))
        self.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        d = c["head_dim"]
        inv_freq = 1.0 / c["rope_theta"] ** (torch.arange(0, d, 2).float() / d)
        self.register_buffer("inv_freq", inv_freq, persistent=False)


class Qwen3ForCausalLM(nn.Module):
    """Tied embeddings: the lm_head is model.embed_tokens."""

    def __init__(self, config):
        super().__init__()
        self.model = Qwen3Model(config)
        # HF's initialization: normal(0, initializer_range), norms 1.
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, std=config["initializer_range"])

    def forward(self, ids):
        """Logits [B, T, vocab] of token ids [B, T] at positions 0 .. T-1."""
        m = self.model
        t = ids.shape[1]
        freqs = torch.arange(t).float()[:, None] * m.inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos(), emb.sin()
        mask = torch.full((t, t), float("-inf")).triu(1)
        x = m.embed_tokens(ids)
        for layer in m.layers:
            x = layer(x, cos, sin, mask)
        return m.norm(x) @ m.embed_tokens.weight.T

    def loss(self, batch):
        """Mean next-token cross entropy over windows [B, T+1]."""
        logits = self(batch[:, :-1])
        return nn.functional.cross_entropy(logits.flatten(0, 1), batch[:, 1:].flatten())


def train(model, tokens, seed, log):
    """AdamW on random windows of `tokens`; returns the mean loss of the last
    50 steps."""
    steps, context, batch = TRAINING["steps"], TRAINING["context"], TRAINING["batch"]
    decay = [p for p in model.parameters() if p.dim() == 2]  # matrices, not norms
    rest = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": TRAINING["weight_decay"]},
                             {"params": rest, "weight_decay": 0.0}],
                            lr=TRAINING["lr"], betas=(0.9, 0.95))

    def lr_at(step):
        if step < TRAINING["warmup"]:
            return TRAINING["lr"] * (step + 1) / TRAINING["warmup"]
        done = (step - TRAINING["warmup"]) / (steps - TRAINING["warmup"])
        return TRAINING["lr"] * (0.1 + 0.45 * (1 + math.cos(math.pi * done)))

    generator = torch.Generator().manual_seed(seed)
    offsets = torch.arange(context + 1)
    losses, start = [], time.time()
    for step in range(steps):
        starts = torch.randint(0, len(tokens) - context - 1, (batch, 1), generator=generator)
        loss = model.loss(tokens[starts + offsets])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        for group in opt.param_groups:
            group["lr"] = lr_at(step)
        opt.step()
        losses.append(loss.item())
        if (step + 1) % 50 == 0 or step + 1 == steps:
            elapsed = time.time() - start
            log(f"step {step + 1}/{steps}  loss {np.mean(losses[-50:]):.3f}  "
                f"{(step + 1) * batch * context / elapsed:,.0f} tokens/s  "
                f"ETA {elapsed / (step + 1) * (steps - step - 1):.0f}s")
    return float(np.mean(losses[-50:]))


# ---------------------------------------------------------------------------
# The checkpoint

def model_config(tokenizer):
    special = tokenizer.special
    return dict(qwen3_checkpoint.QWEN3_0_6B_CONFIG, **MODEL,
                vocab_size=VOCAB_SIZE,
                max_position_embeddings=TRAINING["context"],
                max_window_layers=MODEL["num_hidden_layers"],
                bos_token_id=special["<|endoftext|>"],
                eos_token_id=special["<|im_end|>"])


def write_checkpoint(folder, model, config, tokenizer):
    def dump(name, value):
        with open(os.path.join(folder, name), "w") as f:
            json.dump(value, f, indent=2, ensure_ascii=False)
            f.write("\n")

    dump("config.json", config)
    end, eos = tokenizer.special["<|endoftext|>"], tokenizer.special["<|im_end|>"]
    dump("generation_config.json", dict(qwen3_checkpoint.GENERATION_CONFIG, **SAMPLING,
                                        bos_token_id=end, eos_token_id=[eos, end],
                                        pad_token_id=end))
    dump("tokenizer.json", tokenizer.tokenizer_json())
    dump("tokenizer_config.json", tokenizer.tokenizer_config_json())
    tensors = {name: p.detach().numpy() for name, p in model.state_dict().items()}
    header, layout = qwen3_checkpoint.safetensors_header(
        [(name, t.shape) for name, t in tensors.items()], "bf16")
    with open(os.path.join(folder, "model.safetensors"), "wb") as f:
        f.write(header)
        for name, _ in layout:
            f.write(qwen3_checkpoint.encode(tensors[name], "bf16"))


def check_reference(folder, model, tokens):
    """The logits of qwen3_reference.py reading `folder` against the training
    code's on a window of the text (the weights are already bf16 values)."""
    window = tokens[:TRAINING["context"]]
    with torch.no_grad():
        ours = model(window[None])[0]
    theirs = qwen3_reference.Qwen3(folder).forward(window.numpy())
    error = qwen3_reference.relative_error(ours, theirs)
    if error > 1e-4:
        raise DemoError(f"qwen3_reference.py's logits differ from the training code's: "
                        f"relative error {error:.3g}")
    return error


def complete(folder):
    return all(os.path.isfile(os.path.join(folder, name)) for name in CHECKPOINT_FILES)


def build(out, seed, log):
    torch.manual_seed(seed)
    # torch's own threads: one. The matrix products run in OpenBLAS, which
    # has a thread per core of its own; on 2 cores, torch's 2 threads besides
    # them made training 3x slower. A fixed count also keeps the float sums,
    # so the result, reproducible.
    torch.set_num_threads(1)
    text = bible_text()
    log(f"text: the King James Bible, {len(text):,} characters")
    tokenizer = Tokenizer(text)
    tokens = torch.tensor(tokenizer.encode(text))
    log(f"tokenizer: byte-level BPE, {VOCAB_SIZE} tokens; the text is {len(tokens):,} tokens")

    config = model_config(tokenizer)
    model = Qwen3ForCausalLM(config)
    params = sum(p.numel() for p in model.parameters())
    log(f"model: Qwen3, {MODEL['num_hidden_layers']} layers, hidden {MODEL['hidden_size']}, "
        f"heads {MODEL['num_attention_heads']}/{MODEL['num_key_value_heads']}x"
        f"{MODEL['head_dim']}, {params:,} parameters; training {TRAINING['steps']} steps "
        f"of {TRAINING['batch']}x{TRAINING['context']} tokens")
    loss = train(model, tokens, seed, log)
    log(f"trained: loss {loss:.3f}")

    with torch.no_grad():  # the checkpoint is bf16, like Qwen3's
        for p in model.parameters():
            p.copy_(p.bfloat16().float())
    partial = f"{out}.partial-{os.getpid()}"
    os.makedirs(partial)
    try:
        write_checkpoint(partial, model, config, tokenizer)
        error = check_reference(partial, model, tokens)
        log(f"check: qwen3_reference.py's logits vs the training code's: "
            f"relative error {error:.2g}")
        if os.path.isdir(out):  # --force, or --out with an incomplete folder
            for name in CHECKPOINT_FILES:
                os.replace(os.path.join(partial, name), os.path.join(out, name))
        else:
            os.rename(partial, out)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", metavar="DIR",
                        help="the checkpoint folder (default: a folder in the cache named "
                             "after a hash of this script and the seed)")
    parser.add_argument("--force", action="store_true",
                        help="rebuild even if the folder holds a complete checkpoint")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args()

    out = args.out
    if out is None:
        with open(os.path.abspath(__file__), "rb") as f:
            digest = hashlib.sha256(f.read() + f"seed={args.seed}".encode()).hexdigest()
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
        out = os.path.join(cache, "mlc-demo", f"qwen3-kjv-{digest[:12]}")
    log = qwen3_checkpoint.Progress(quiet=False)
    if complete(out) and not args.force:
        log(f"reusing {out} (--force rebuilds it)")
    else:
        log(f"building {out}")
        try:
            build(out, args.seed, log)
        except (DemoError, qwen3_reference.Qwen3ReferenceError, OSError) as e:
            sys.exit(f"qwen3_demo: {e}")
        log("done")
    print(out)


if __name__ == "__main__":
    main()
