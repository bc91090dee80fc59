#!/usr/bin/env python3
"""An independent PyTorch reference of Qwen3 (Hugging Face's Qwen3ForCausalLM)
that reads a Hugging Face checkpoint folder and decodes greedily.

    utils/models/qwen3_reference.py --checkpoint DIR (--tokens 1,2,3 | --prompt-ids-file F)
        [--decode-steps 16] [--out DIR] [--dtype f32|f64] [--check]

Written from the semantics of transformers' modeling_qwen3.py, without
transformers or safetensors (neither is needed): the safetensors files are
parsed with numpy (BF16, F16, F32, F64; single file or sharded with
model.safetensors.index.json) and the weights converted to the compute dtype.

The model, for a sequence of token ids at positions p0, p0+1, ...:
  x = embed_tokens[ids]
  each layer:
    h = input_layernorm(x)
    q, k, v = q_proj(h), k_proj(h), v_proj(h)   (no bias), split in heads
    q, k = q_norm(q), k_norm(k)                 RMSNorm over head_dim, per head,
                                                BEFORE the rotary embedding
    q, k = rope(q), rope(k)                     rotate-half: x*cos + rotate_half(x)*sin,
                                                inv_freq = 1/theta^(arange(0, d, 2)/d),
                                                cos/sin of position*inv_freq repeated
                                                twice (cat(freqs, freqs))
    k, v appended to the layer's KV cache (k after norm and rope)
    k, v repeated for grouped-query attention (kv head j serves query heads
      j*g .. j*g+g-1, g = heads / kv_heads; HF's repeat_kv)
    a = softmax(q k^T * head_dim^-0.5 + causal mask) v, o_proj(a)
    x = x + o_proj(a)
    x = x + down_proj(silu(gate_proj(h2)) * up_proj(h2)),  h2 = post_attention_layernorm(x)
  logits = norm(x) @ lm_head^T   (lm_head = embed_tokens when tie_word_embeddings)
RMSNorm(x) = weight * (x * rsqrt(mean(x^2) + rms_norm_eps)), computed in
float32 (float64 with --dtype f64); softmax likewise.

Output files (--out DIR), for a prompt t_0 .. t_{N-1} and S = --decode-steps:
  prompt_ids.npy      int64 [N]          the prompt
  prefill_logits.npy  float32 [N, vocab] row j: logits at position j, i.e. the
                                         prediction for position j+1 given t_0..t_j
  tokens.npy          int64 [S+1]        the greedy tokens g_0 .. g_S:
                                         g_0 = argmax(prefill_logits[N-1]),
                                         g_{i+1} = argmax(decode_logits[i])
  decode_logits.npy   float32 [S, vocab] decode step i (0-based) feeds g_i at
                                         position N+i (the KV cache holds
                                         positions 0..N+i-1) and its logits are
                                         row i
So the whole sequence is t_0..t_{N-1}, g_0..g_{S-1}, and prefill_logits
followed by decode_logits are the logits of its N+S positions; g_S is the
prediction after it. argmax ties go to the lowest id (torch.argmax/np.argmax).
Logits are float32 even with --dtype f64 (computed in f64, then rounded).

--check validates the reference against itself and exits 1 on failure:
  * cached decoding vs one forward pass over the whole sequence without the
    cache (same dtype): relative error <= 1e-5 in float32;
  * float32 (cached) vs float64 (whole sequence): relative error <= 1e-4;
  * float64 cached vs uncached: <= 1e-10.
A relative error is max|a - b| / max|b| over all logits (as
compare_outputs.py). The float64 runs are teacher-forced with the float32
greedy tokens; whether float64 alone would pick the same tokens is printed
(informational: near-ties can differ). The errors are printed and, with
--out, written to check.json.
"""

import argparse
import json
import os
import struct
import sys
import time

import numpy as np
import torch

# ---------------------------------------------------------------------------
# Reading the checkpoint

SAFETENSORS_DTYPES = {"BF16": (2, None), "F16": (2, "<f2"), "F32": (4, "<f4"),
                      "F64": (8, "<f8")}


class Qwen3ReferenceError(Exception):
    """A bad checkpoint or option; the message names the file, key or tensor."""


def read_safetensors(path, names=None):
    """Reads the tensors of one safetensors file as numpy arrays (float32 for
    BF16/F16/F32, float64 for F64). `names`: only these (default all)."""
    try:
        data = np.memmap(path, dtype=np.uint8, mode="r")
    except (OSError, ValueError) as e:
        raise Qwen3ReferenceError(f"cannot read {path}: {e}")
    if data.size < 8:
        raise Qwen3ReferenceError(f"{path} is not a safetensors file (shorter than 8 bytes)")
    (header_len,) = struct.unpack("<Q", data[:8].tobytes())
    if header_len > data.size - 8:
        raise Qwen3ReferenceError(f"{path}: header length {header_len} runs past the end "
                             f"of the file ({data.size} bytes)")
    try:
        header = json.loads(data[8:8 + header_len].tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise Qwen3ReferenceError(f"{path}: the header is not valid JSON: {e}")
    base = 8 + header_len
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or (names is not None and name not in names):
            continue
        try:
            dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise Qwen3ReferenceError(f"{path}: tensor {name} has a malformed header entry {info}")
        if dtype not in SAFETENSORS_DTYPES:
            raise Qwen3ReferenceError(f"{path}: tensor {name} has dtype {dtype} (supported: "
                                 f"{', '.join(SAFETENSORS_DTYPES)})")
        itemsize, np_dtype = SAFETENSORS_DTYPES[dtype]
        count = int(np.prod(shape, dtype=np.int64))
        if end - begin != count * itemsize or begin < 0 or base + end > data.size:
            raise Qwen3ReferenceError(f"{path}: tensor {name} {dtype} {shape} has data_offsets "
                                 f"[{begin}, {end}], which do not fit its size or the file")
        raw = data[base + begin:base + end]
        if dtype == "BF16":
            # bfloat16 is the upper half of a float32: shift into bits 16..31.
            bits = raw.view("<u2").astype(np.uint32) << np.uint32(16)
            array = bits.view(np.float32)
        else:
            array = raw.view(np_dtype).astype(np.float64 if dtype == "F64" else np.float32)
        tensors[name] = array.reshape(shape)
    return tensors


def read_checkpoint_tensors(folder):
    """All tensors of a checkpoint folder: model.safetensors, or the shards
    listed by model.safetensors.index.json."""
    index_path = os.path.join(folder, "model.safetensors.index.json")
    single_path = os.path.join(folder, "model.safetensors")
    if os.path.isfile(index_path):
        try:
            with open(index_path) as f:
                weight_map = json.load(f)["weight_map"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise Qwen3ReferenceError(f"cannot read the weight_map of {index_path}: {e!r}")
        files = {}
        for name, file in weight_map.items():
            files.setdefault(file, set()).add(name)
        tensors = {}
        for file, names in sorted(files.items()):
            got = read_safetensors(os.path.join(folder, file), names)
            missing = names - got.keys()
            if missing:
                raise Qwen3ReferenceError(f"{index_path} puts {sorted(missing)[0]} in {file}, "
                                     f"which does not hold it")
            tensors.update(got)
        return tensors
    if os.path.isfile(single_path):
        return read_safetensors(single_path)
    raise Qwen3ReferenceError(f"{folder} has neither model.safetensors nor "
                         f"model.safetensors.index.json")


CONFIG_REQUIRED = ("hidden_size", "intermediate_size", "num_hidden_layers",
                   "num_attention_heads", "num_key_value_heads", "vocab_size",
                   "rms_norm_eps", "rope_theta")


def read_config(folder):
    path = os.path.join(folder, "config.json")
    try:
        with open(path) as f:
            config = json.load(f)
    except OSError as e:
        raise Qwen3ReferenceError(f"cannot read {path}: {e.strerror}")
    except json.JSONDecodeError as e:
        raise Qwen3ReferenceError(f"{path} is not valid JSON: {e}")
    for key in CONFIG_REQUIRED:
        if key not in config:
            raise Qwen3ReferenceError(f"{path} has no '{key}' (required: {', '.join(CONFIG_REQUIRED)})")
    # What this reference does not implement (HF Qwen3 supports them).
    if config.get("hidden_act", "silu") != "silu":
        raise Qwen3ReferenceError(f"{path}: hidden_act {config['hidden_act']!r} is not supported (silu)")
    if config.get("attention_bias", False):
        raise Qwen3ReferenceError(f"{path}: attention_bias true is not supported")
    scaling = config.get("rope_scaling")
    if scaling and scaling.get("rope_type", scaling.get("type")) != "default":
        raise Qwen3ReferenceError(f"{path}: rope_scaling {scaling} is not supported")
    if config.get("use_sliding_window", False):
        raise Qwen3ReferenceError(f"{path}: use_sliding_window true is not supported")
    if config["num_attention_heads"] % config["num_key_value_heads"]:
        raise Qwen3ReferenceError(f"{path}: num_attention_heads is not a multiple of "
                             f"num_key_value_heads")
    return config


# ---------------------------------------------------------------------------
# The model

class Qwen3:
    """Qwen3ForCausalLM for one sequence (no batch) in float32 or float64,
    with an explicit KV cache: a list with one (k, v) per layer, each
    [num_key_value_heads, cached positions, head_dim]."""

    def __init__(self, folder, dtype=torch.float32, tensors=None, cache_dtype=None):
        self.config = c = read_config(folder)
        self.dtype = dtype
        # A KV cache of a narrower dtype (bf16): keys and values rounded to
        # it as they are computed, before attention reads them (the step's
        # own rows too), as mlc's bf16 cache does.
        self.cache_dtype = cache_dtype
        self.hidden, self.inter = c["hidden_size"], c["intermediate_size"]
        self.layers, self.vocab = c["num_hidden_layers"], c["vocab_size"]
        self.heads, self.kv_heads = c["num_attention_heads"], c["num_key_value_heads"]
        self.head_dim = c.get("head_dim") or self.hidden // self.heads
        self.eps, self.theta = float(c["rms_norm_eps"]), float(c["rope_theta"])
        self.tied = bool(c.get("tie_word_embeddings", False))  # Qwen3Config's default
        self.max_positions = c.get("max_position_embeddings")

        if tensors is None:
            tensors = read_checkpoint_tensors(folder)
        expected = self.expected_shapes()
        for name, shape in expected.items():
            if name not in tensors:
                hint = (" (tie_word_embeddings is false)" if name == "lm_head.weight" else "")
                raise Qwen3ReferenceError(f"checkpoint {folder} has no tensor {name}{hint}")
            if tuple(tensors[name].shape) != shape:
                raise Qwen3ReferenceError(f"checkpoint {folder}: {name} is {list(tensors[name].shape)}, "
                                     f"config.json implies {list(shape)}")
        unused = sorted(set(tensors) - set(expected))
        if unused:
            print(f"qwen3_reference: ignoring {len(unused)} unexpected tensors "
                  f"({', '.join(unused[:3])}...)", file=sys.stderr)
        self.w = {name: torch.from_numpy(np.asarray(tensors[name])).to(dtype)
                  for name in expected}
        self.lm_head = self.w["model.embed_tokens.weight"] if self.tied else self.w["lm_head.weight"]

        # Rotary inverse frequencies, as HF's default rope init: in float32
        # (float64 for the float64 model).
        exponent = torch.arange(0, self.head_dim, 2, dtype=torch.int64).to(dtype) / self.head_dim
        self.inv_freq = 1.0 / (self.theta ** exponent)

    def expected_shapes(self):
        h, i, hd, v = self.hidden, self.inter, self.head_dim, self.vocab
        shapes = {"model.embed_tokens.weight": (v, h), "model.norm.weight": (h,)}
        for l in range(self.layers):
            p = f"model.layers.{l}."
            shapes.update({
                p + "input_layernorm.weight": (h,),
                p + "self_attn.q_proj.weight": (self.heads * hd, h),
                p + "self_attn.k_proj.weight": (self.kv_heads * hd, h),
                p + "self_attn.v_proj.weight": (self.kv_heads * hd, h),
                p + "self_attn.o_proj.weight": (h, self.heads * hd),
                p + "self_attn.q_norm.weight": (hd,),
                p + "self_attn.k_norm.weight": (hd,),
                p + "post_attention_layernorm.weight": (h,),
                p + "mlp.gate_proj.weight": (i, h),
                p + "mlp.up_proj.weight": (i, h),
                p + "mlp.down_proj.weight": (h, i),
            })
        if not self.tied:
            shapes["lm_head.weight"] = (v, h)
        return shapes

    def rms_norm(self, x, weight):
        # Qwen3RMSNorm: the statistics in (at least) float32, then weight * x.
        compute = torch.float64 if x.dtype == torch.float64 else torch.float32
        xf = x.to(compute)
        xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return weight * xf.to(x.dtype)

    @staticmethod
    def rotate_half(x):
        half = x.shape[-1] // 2
        return torch.cat((-x[..., half:], x[..., :half]), dim=-1)

    def rope(self, positions):
        """cos, sin [T, head_dim] for integer positions [T]."""
        freqs = positions.to(self.dtype)[:, None] * self.inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos(), emb.sin()

    def attention(self, l, x, positions, cache):
        p = f"model.layers.{l}.self_attn."
        w = self.w
        T, hd = x.shape[0], self.head_dim
        # [T, heads*hd] -> [T, heads, hd]; q_norm/k_norm over hd, per head.
        q = (x @ w[p + "q_proj.weight"].T).view(T, self.heads, hd)
        k = (x @ w[p + "k_proj.weight"].T).view(T, self.kv_heads, hd)
        v = (x @ w[p + "v_proj.weight"].T).view(T, self.kv_heads, hd)
        q = self.rms_norm(q, w[p + "q_norm.weight"]).transpose(0, 1)  # [heads, T, hd]
        k = self.rms_norm(k, w[p + "k_norm.weight"]).transpose(0, 1)  # [kv, T, hd]
        v = v.transpose(0, 1)
        cos, sin = self.rope(positions)
        q = q * cos + self.rotate_half(q) * sin
        k = k * cos + self.rotate_half(k) * sin
        if self.cache_dtype is not None:
            k = k.to(self.cache_dtype).to(self.dtype)
            v = v.to(self.cache_dtype).to(self.dtype)

        if cache is not None:
            if cache[l] is not None:
                k = torch.cat((cache[l][0], k), dim=1)
                v = torch.cat((cache[l][1], v), dim=1)
            cache[l] = (k, v)
        S = k.shape[1]  # keys: positions 0 .. S-1

        # repeat_kv: [kv, S, hd] -> [kv, groups, S, hd] -> [heads, S, hd]
        groups = self.heads // self.kv_heads
        k = k[:, None].expand(self.kv_heads, groups, S, hd).reshape(self.heads, S, hd)
        v = v[:, None].expand(self.kv_heads, groups, S, hd).reshape(self.heads, S, hd)

        scores = (q @ k.transpose(1, 2)) * hd ** -0.5          # [heads, T, S]
        causal = torch.arange(S)[None, :] > positions[:, None]  # key after query
        scores = scores.masked_fill(causal, float("-inf"))
        compute = torch.float64 if self.dtype == torch.float64 else torch.float32
        probs = torch.softmax(scores, dim=-1, dtype=compute).to(self.dtype)
        out = (probs @ v).transpose(0, 1).reshape(T, self.heads * hd)
        return out @ w[p + "o_proj.weight"].T

    def mlp(self, l, x):
        p = f"model.layers.{l}.mlp."
        gate = x @ self.w[p + "gate_proj.weight"].T
        up = x @ self.w[p + "up_proj.weight"].T
        return (torch.nn.functional.silu(gate) * up) @ self.w[p + "down_proj.weight"].T

    def new_cache(self):
        return [None] * self.layers

    @staticmethod
    def cache_length(cache):
        return 0 if cache is None or cache[0] is None else cache[0][0].shape[1]

    @torch.no_grad()
    def forward(self, ids, cache=None):
        """Logits [T, vocab] of the tokens `ids` [T], which continue the
        sequence held by `cache` (updated in place); cache None: a sequence
        starting at position 0, no cache kept."""
        ids = torch.as_tensor(np.asarray(ids, dtype=np.int64))
        if ids.numel() and (ids.min() < 0 or ids.max() >= self.vocab):
            bad = ids[(ids < 0) | (ids >= self.vocab)][0].item()
            raise Qwen3ReferenceError(f"token id {bad} is outside the vocabulary [0, {self.vocab})")
        start = self.cache_length(cache)
        return self.logits(ids, torch.arange(start, start + ids.shape[0]), cache)

    def logits(self, ids, positions, cache=None, last_only=False):
        """forward on tensors, unchecked: ids and positions int64 [T]; with
        a cache, positions must continue it. last_only: the logits [1, vocab]
        of the last position only (all a generation needs). Traceable
        (utils/bench/qwen3_export_onnx.py exports it to ONNX)."""
        x = self.w["model.embed_tokens.weight"][ids]
        for l in range(self.layers):
            p = f"model.layers.{l}."
            x = x + self.attention(l, self.rms_norm(x, self.w[p + "input_layernorm.weight"]),
                                   positions, cache)
            x = x + self.mlp(l, self.rms_norm(x, self.w[p + "post_attention_layernorm.weight"]))
        if last_only:
            x = x[-1:]
        x = self.rms_norm(x, self.w["model.norm.weight"])
        return x @ self.lm_head.T


def greedy(model, prompt, steps, forced=None):
    """Prefill `prompt`, then `steps` cached decode steps (see the module
    docstring). forced: feed these tokens instead of the model's own greedy
    choices (teacher forcing); the returned tokens are still the argmaxes.
    Returns (prefill_logits [N, V], decode_logits [steps, V], tokens [steps+1])
    as torch tensors of the model's dtype."""
    cache = model.new_cache()
    prefill = model.forward(prompt, cache)
    tokens = [int(torch.argmax(prefill[-1]))]
    decode = []
    for i in range(steps):
        feed = tokens[i] if forced is None else int(forced[i])
        logits = model.forward([feed], cache)[0]
        decode.append(logits)
        tokens.append(int(torch.argmax(logits)))
    decode = torch.stack(decode) if decode else prefill.new_zeros((0, model.vocab))
    return prefill, decode, torch.tensor(tokens, dtype=torch.int64)


def relative_error(got, want):
    """max|got - want| / max|want| (computed in float64)."""
    got, want = got.to(torch.float64), want.to(torch.float64)
    scale = want.abs().max().item()
    diff = (got - want).abs().max().item()
    return diff / scale if scale else diff


# ---------------------------------------------------------------------------
# Command line

def read_prompt(args):
    if args.tokens is not None:
        text, where = args.tokens, "--tokens"
    else:
        where = args.prompt_ids_file
        if where.endswith(".npy"):
            try:
                array = np.load(where)
            except (OSError, ValueError) as e:
                raise Qwen3ReferenceError(f"cannot read {where}: {e}")
            if array.ndim != 1 or array.dtype.kind not in "iu":
                raise Qwen3ReferenceError(f"{where} must hold a 1-D integer array, not "
                                     f"{array.dtype} {list(array.shape)}")
            ids = [int(t) for t in array]
            text = None
        else:
            try:
                with open(where) as f:
                    text = f.read()
            except OSError as e:
                raise Qwen3ReferenceError(f"cannot read {where}: {e.strerror}")
    if text is not None:
        try:
            ids = [int(t) for t in text.replace(",", " ").split()]
        except ValueError as e:
            raise Qwen3ReferenceError(f"{where}: token ids must be integers separated by "
                                 f"commas or spaces ({e})")
    if not ids:
        raise Qwen3ReferenceError(f"{where}: the prompt is empty")
    return ids


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example: qwen3_reference.py --checkpoint /tmp/qwen3-tiny --tokens 9707,11,1879 "
               "--decode-steps 16 --out /tmp/ref --check")
    parser.add_argument("--checkpoint", required=True, metavar="DIR",
                        help="an HF checkpoint folder (config.json, model.safetensors or "
                             "model.safetensors.index.json and its shards)")
    parser.add_argument("--tokens", metavar="IDS", help="prompt token ids, e.g. 1,2,3")
    parser.add_argument("--prompt-ids-file", metavar="FILE",
                        help="prompt token ids: a 1-D integer .npy, or a text file of ids "
                             "separated by commas or whitespace")
    parser.add_argument("--decode-steps", type=int, default=16, metavar="S",
                        help="greedy decode steps after the prefill (default 16)")
    parser.add_argument("--out", metavar="DIR",
                        help="write prompt_ids.npy, prefill_logits.npy, decode_logits.npy, "
                             "tokens.npy (and check.json with --check) here")
    parser.add_argument("--dtype", choices=("f32", "f64"), default="f32",
                        help="compute dtype (default f32); outputs are float32 either way")
    parser.add_argument("--kv-cache", choices=("f32", "bf16"), default="f32",
                        help="dtype the keys and values are kept in (default f32; bf16: "
                             "rounded when computed, as a library compiled with "
                             "mlc-compile --dtype bf16 keeps them)")
    parser.add_argument("--check", action="store_true",
                        help="also validate the reference against itself (cache vs no "
                             "cache, f32 vs f64); exit 1 if it fails")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    args = parser.parse_args()
    if args.decode_steps < 0:
        parser.error("--decode-steps must be >= 0")
    if (args.tokens is None) == (args.prompt_ids_file is None):
        parser.error("give exactly one of --tokens and --prompt-ids-file")
    if args.check and args.kv_cache != "f32":
        parser.error("--check validates the reference with an f32 KV cache")
    if args.threads:
        torch.set_num_threads(args.threads)

    start = time.time()

    def log(message):
        print(f"[{time.time() - start:6.1f}s] {message}", file=sys.stderr, flush=True)

    try:
        prompt = read_prompt(args)
        read_config(args.checkpoint)  # config errors first, before reading weights
        tensors = read_checkpoint_tensors(args.checkpoint)
        dtype = torch.float64 if args.dtype == "f64" else torch.float32
        model = Qwen3(args.checkpoint, dtype, tensors,
                      torch.bfloat16 if args.kv_cache == "bf16" else None)
        log(f"loaded {args.checkpoint}: {model.layers} layers, hidden {model.hidden}, "
            f"heads {model.heads}/{model.kv_heads}x{model.head_dim}, vocab {model.vocab}, "
            f"{'tied' if model.tied else 'untied'} lm_head, {args.dtype}, "
            f"{args.kv_cache} KV cache")
        total = len(prompt) + args.decode_steps
        if model.max_positions and total > model.max_positions:
            print(f"qwen3_reference: warning: {total} positions exceed "
                  f"max_position_embeddings {model.max_positions}", file=sys.stderr)
        prefill, decode, tokens = greedy(model, prompt, args.decode_steps)
        log(f"prefill of {len(prompt)} tokens and {args.decode_steps} decode steps done")
        print("prompt:", ",".join(map(str, prompt)))
        print("greedy tokens:", ",".join(map(str, tokens.tolist())))

        if args.out:
            os.makedirs(args.out, exist_ok=True)
            np.save(os.path.join(args.out, "prompt_ids.npy"), np.asarray(prompt, dtype=np.int64))
            np.save(os.path.join(args.out, "prefill_logits.npy"), prefill.to(torch.float32).numpy())
            np.save(os.path.join(args.out, "decode_logits.npy"), decode.to(torch.float32).numpy())
            np.save(os.path.join(args.out, "tokens.npy"), tokens.numpy())

        ok = True
        if args.check:
            ok = check(args, tensors, model, prompt, prefill, decode, tokens, log)
    except Qwen3ReferenceError as e:
        sys.exit(f"qwen3_reference: {e}")
    sys.exit(0 if ok else 1)


def check(args, tensors, model, prompt, prefill, decode, tokens, log):
    """The --check consistency checks; prints them, returns True if all pass."""
    steps = args.decode_steps
    sequence = prompt + tokens[:steps].tolist()  # the N+S positions
    models = {args.dtype: model}
    other = "f64" if args.dtype == "f32" else "f32"
    models[other] = Qwen3(args.checkpoint, torch.float64 if other == "f64" else torch.float32,
                          tensors)
    cached = {args.dtype: torch.cat((prefill, decode))}
    greedy_tokens = {args.dtype: tokens}
    p, d, t = greedy(models[other], prompt, steps, forced=tokens[:steps])
    cached[other] = torch.cat((p, d))
    greedy_tokens[other] = t
    uncached = {name: m.forward(sequence) for name, m in models.items()}
    log("check: uncached forward passes done")

    results = [
        ("f32 cached decode vs f32 whole sequence", 1e-5,
         relative_error(cached["f32"], uncached["f32"])),
        ("f64 cached decode vs f64 whole sequence", 1e-10,
         relative_error(cached["f64"], uncached["f64"])),
        ("f32 cached decode vs f64 whole sequence", 1e-4,
         relative_error(cached["f32"], uncached["f64"])),
    ]
    ok = True
    for what, limit, error in results:
        verdict = "ok" if error <= limit else "FAILED"
        ok &= verdict == "ok"
        print(f"check: {what}: relative error {error:.3g} (limit {limit:g}): {verdict}")
    same = bool(torch.equal(greedy_tokens["f32"], greedy_tokens["f64"]))
    print(f"check: f64 greedy tokens {'equal' if same else 'DIFFER FROM'} the f32 ones "
          f"(informational)")
    finite = bool(torch.isfinite(cached["f32"]).all())
    if not finite:
        print("check: f32 logits are not all finite: FAILED")
        ok = False
    if args.out:
        with open(os.path.join(args.out, "check.json"), "w") as f:
            json.dump({"ok": ok, "finite": finite, "greedy_tokens_f32_f64_equal": same,
                       "checks": [{"what": w, "limit": lim, "relative_error": e}
                                  for w, lim, e in results]}, f, indent=2)
            f.write("\n")
    print("check:", "ok" if ok else "FAILED")
    return ok


if __name__ == "__main__":
    main()
