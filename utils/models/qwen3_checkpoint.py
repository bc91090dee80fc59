#!/usr/bin/env python3
"""Writes a Hugging Face Qwen3 checkpoint folder with seeded random weights.

    utils/models/qwen3_checkpoint.py --out DIR [--preset tiny|0.6b]
        [--config CONFIG.json] [--layers N] [--untied] [--seed S]
        [--dtype bf16|f16|f32] [--shards N] [--tokenizer-dir DIR] [--quiet]

The folder looks like one downloaded from the Hugging Face hub:

    config.json                    Qwen3ForCausalLM config (HF keys and values)
    generation_config.json         Qwen3's (bos/eos/pad ids, sampling defaults)
    model.safetensors              all tensors, or with --shards N:
    model-0000i-of-0000N.safetensors + model.safetensors.index.json
    tokenizer.json, tokenizer_config.json   only with --tokenizer-dir

Tensor names, shapes and the safetensors layout are exactly HF's, so the
folder can be read by anything that reads real Qwen3 checkpoints. The
weights are random: nothing is downloaded. Everything is a deterministic
function of the seed and the tensor's name (each tensor has its own random
stream), so a sharded and a single-file checkpoint with the same seed hold the
same values, and so do two runs on different machines.

Only numpy is needed (no torch): the tensors are generated one at a time in
float32 chunks and streamed to the file, so the full 0.6b preset (600M
parameters) needs about as much memory as its largest tensor.

Weights (see `tensor_values`):
  * embed_tokens / lm_head: normal, std 0.02 (HF's initializer_range);
  * linear projections [out, in]: normal, std 1.5/sqrt(in): every
    projection keeps (a little more than) the scale of its input, so each
    layer's contribution to the residual stream is of the order of the
    normalized activations and depends strongly on the current token. With
    std 1/sqrt(in), 28 layers make greedy decoding settle into runs of one
    token; with std 0.02 (or a larger embedding) the tied lm_head makes the
    model predict its input token forever;
  * RMSNorm weights (input/post_attention/final norms, q_norm, k_norm):
    1 + 0.1 * normal, so that the norm weights are actually exercised.
Values are drawn in float32 and rounded once to the storage dtype (bf16 with
round-to-nearest-even, like torch's `.to(torch.bfloat16)`).
"""

import argparse
import json
import os
import re
import shutil
import struct
import sys
import time
import zlib

import numpy as np

# ---------------------------------------------------------------------------
# Configurations

# The config.json of Qwen/Qwen3-0.6B on the Hugging Face hub.
QWEN3_0_6B_CONFIG = {
    "architectures": ["Qwen3ForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "bos_token_id": 151643,
    "eos_token_id": 151645,
    "head_dim": 128,
    "hidden_act": "silu",
    "hidden_size": 1024,
    "initializer_range": 0.02,
    "intermediate_size": 3072,
    "max_position_embeddings": 40960,
    "max_window_layers": 28,
    "model_type": "qwen3",
    "num_attention_heads": 16,
    "num_hidden_layers": 28,
    "num_key_value_heads": 8,
    "rms_norm_eps": 1e-06,
    "rope_scaling": None,
    "rope_theta": 1000000,
    "sliding_window": None,
    "tie_word_embeddings": True,
    "torch_dtype": "bfloat16",
    "transformers_version": "4.51.0",
    "use_cache": True,
    "use_sliding_window": False,
    "vocab_size": 151936,
}

# A small model with the real vocabulary (so the real Qwen3 tokenizer's ids are
# valid) and head_dim != hidden_size / num_attention_heads (32 * 4 = 128 != 64),
# which Qwen3 allows: q_proj is [128, 64], o_proj [64, 128].
TINY_OVERRIDES = {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "max_window_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 32,
    "max_position_embeddings": 4096,
}

PRESETS = {
    "0.6b": QWEN3_0_6B_CONFIG,
    "tiny": dict(QWEN3_0_6B_CONFIG, **TINY_OVERRIDES),
}

# The generation_config.json of Qwen/Qwen3-0.6B.
GENERATION_CONFIG = {
    "bos_token_id": 151643,
    "do_sample": True,
    "eos_token_id": [151645, 151643],
    "pad_token_id": 151643,
    "temperature": 0.6,
    "top_k": 20,
    "top_p": 0.95,
    "transformers_version": "4.51.0",
}

# Keys without which the tensor shapes are not defined.
REQUIRED_KEYS = ("hidden_size", "intermediate_size", "num_hidden_layers",
                 "num_attention_heads", "num_key_value_heads", "vocab_size")

# --dtype: numpy storage type, safetensors dtype name, config torch_dtype.
DTYPES = {
    "bf16": ("BF16", 2, "bfloat16"),
    "f16": ("F16", 2, "float16"),
    "f32": ("F32", 4, "float32"),
}

EMBED_STD = 0.02        # embed_tokens and lm_head
LINEAR_GAIN = 1.5       # projections [out, in] have std LINEAR_GAIN / sqrt(in)
NORM_NOISE_STD = 0.1    # RMSNorm weights are 1 + NORM_NOISE_STD * normal
CHUNK_ELEMENTS = 1 << 22  # values drawn and converted per step (16 MiB of f32)


class CheckpointError(Exception):
    """A bad config or option; the message says which and where."""


def load_config(path):
    """Reads an HF-style config.json and checks the keys the shapes need."""
    try:
        with open(path) as f:
            config = json.load(f)
    except OSError as e:
        raise CheckpointError(f"cannot read config {path}: {e.strerror}")
    except json.JSONDecodeError as e:
        raise CheckpointError(f"config {path} is not valid JSON: {e}")
    if not isinstance(config, dict):
        raise CheckpointError(f"config {path} is not a JSON object")
    check_config(config, path)
    return config


def check_config(config, where):
    for key in REQUIRED_KEYS:
        if key not in config:
            raise CheckpointError(f"config {where} has no '{key}' (required "
                                  f"keys: {', '.join(REQUIRED_KEYS)})")
        if not isinstance(config[key], int) or config[key] <= 0:
            raise CheckpointError(f"config {where}: '{key}' must be a positive "
                                  f"integer, not {config[key]!r}")
    heads, kv = config["num_attention_heads"], config["num_key_value_heads"]
    if heads % kv:
        raise CheckpointError(f"config {where}: num_attention_heads ({heads}) is "
                              f"not a multiple of num_key_value_heads ({kv})")
    if "head_dim" not in config and config["hidden_size"] % heads:
        raise CheckpointError(f"config {where} has no 'head_dim' and hidden_size "
                              f"is not a multiple of num_attention_heads")
    if config.get("head_dim") is not None and (
            not isinstance(config["head_dim"], int) or config["head_dim"] <= 0
            or config["head_dim"] % 2):
        raise CheckpointError(f"config {where}: 'head_dim' must be a positive "
                              f"even integer, not {config['head_dim']!r}")


def head_dim(config):
    # HF Qwen3Config: head_dim defaults to hidden_size // num_attention_heads.
    hd = config.get("head_dim")
    return hd if hd is not None else config["hidden_size"] // config["num_attention_heads"]


def tied(config):
    # Qwen3Config's default is tie_word_embeddings=False.
    return bool(config.get("tie_word_embeddings", False))


# ---------------------------------------------------------------------------
# Tensors

def tensor_specs(config):
    """The checkpoint's tensors in HF order: [(name, shape, kind)], where kind
    is 'embed', 'linear' or 'norm' and picks the initialization."""
    h, inter = config["hidden_size"], config["intermediate_size"]
    heads, kv, hd = config["num_attention_heads"], config["num_key_value_heads"], head_dim(config)
    vocab = config["vocab_size"]
    specs = [("model.embed_tokens.weight", (vocab, h), "embed")]
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}."
        specs += [
            (p + "input_layernorm.weight", (h,), "norm"),
            (p + "self_attn.q_proj.weight", (heads * hd, h), "linear"),
            (p + "self_attn.k_proj.weight", (kv * hd, h), "linear"),
            (p + "self_attn.v_proj.weight", (kv * hd, h), "linear"),
            (p + "self_attn.o_proj.weight", (h, heads * hd), "linear"),
            (p + "self_attn.q_norm.weight", (hd,), "norm"),
            (p + "self_attn.k_norm.weight", (hd,), "norm"),
            (p + "post_attention_layernorm.weight", (h,), "norm"),
            (p + "mlp.gate_proj.weight", (inter, h), "linear"),
            (p + "mlp.up_proj.weight", (inter, h), "linear"),
            (p + "mlp.down_proj.weight", (h, inter), "linear"),
        ]
    specs.append(("model.norm.weight", (h,), "norm"))
    if not tied(config):
        specs.append(("lm_head.weight", (vocab, h), "embed"))
    return specs


def tensor_rng(seed, name):
    """Each tensor's own random stream: a function of the seed and the name
    only (crc32 is stable across runs and machines, unlike hash())."""
    return np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(entropy=seed, spawn_key=(zlib.crc32(name.encode()),))))


def tensor_values(seed, name, shape, kind):
    """Yields the float32 values of one tensor, flattened in row-major order,
    in chunks of at most CHUNK_ELEMENTS (the chunking is fixed, so the values
    do not depend on anything but seed, name, shape and kind)."""
    rng = tensor_rng(seed, name)
    count = int(np.prod(shape))
    if kind == "embed":
        scale, offset = EMBED_STD, 0.0
    elif kind == "linear":
        scale, offset = LINEAR_GAIN / np.sqrt(shape[1]), 0.0
    elif kind == "norm":
        scale, offset = NORM_NOISE_STD, 1.0
    else:
        raise ValueError(kind)
    scale, offset = np.float32(scale), np.float32(offset)
    for start in range(0, count, CHUNK_ELEMENTS):
        n = min(CHUNK_ELEMENTS, count - start)
        x = rng.standard_normal(n, dtype=np.float32)
        x *= scale
        x += offset
        yield x


def tensor_float32(seed, name, shape, kind):
    """The whole tensor in float32, before rounding to the storage dtype."""
    return np.concatenate(list(tensor_values(seed, name, shape, kind))).reshape(shape)


def float32_to_bf16_bits(x):
    """float32 -> bfloat16 bit patterns (uint16), round to nearest, ties to
    even, like torch's `.to(torch.bfloat16)`: add 0x7FFF plus the lowest kept
    bit, then drop the low 16 bits. Values that round past the largest finite
    bf16 become +-inf (the carry runs into the exponent); NaNs become the
    quiet NaN 0x7FC0 (torch's choice)."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    u = x.view(np.uint32)
    rounded = ((u + np.uint32(0x7FFF) + ((u >> np.uint32(16)) & np.uint32(1)))
               >> np.uint32(16)).astype(np.uint16)
    nan = np.isnan(x)
    if nan.any():
        rounded[nan] = 0x7FC0
    return rounded


def bf16_bits_to_float32(bits):
    """bfloat16 bit patterns (uint16) -> float32 (exact)."""
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << np.uint32(16)).view(np.float32)


def encode(x, dtype):
    """float32 values -> little-endian bytes of the storage dtype."""
    if dtype == "bf16":
        return float32_to_bf16_bits(x).astype("<u2").tobytes()
    if dtype == "f16":
        return x.astype("<f2").tobytes()  # numpy rounds to nearest even
    return x.astype("<f4").tobytes()


# ---------------------------------------------------------------------------
# safetensors

def safetensors_header(tensors, dtype):
    """The header of a safetensors file holding `tensors` [(name, shape)].

    As the safetensors library writes them: tensors sorted by name, stored
    back to back in that order, data_offsets [begin, end) relative to the
    start of the data section, `__metadata__` {"format": "pt"} first, compact
    JSON, padded with spaces so that 8 + header length is a multiple of 8.
    Returns (header bytes including the 8-byte length, [(name, nbytes)]
    in storage order)."""
    st_dtype, itemsize, _ = DTYPES[dtype]
    header = {"__metadata__": {"format": "pt"}}
    layout = []
    offset = 0
    for name, shape in sorted(tensors):
        nbytes = int(np.prod(shape)) * itemsize
        header[name] = {"dtype": st_dtype, "shape": list(shape),
                        "data_offsets": [offset, offset + nbytes]}
        layout.append((name, nbytes))
        offset += nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text, layout


def split_into_shards(specs, shards, itemsize):
    """Splits the tensors (in HF order) into `shards` contiguous groups of
    about equal size, like HF's max_shard_size splitting."""
    if shards > len(specs):
        raise CheckpointError(f"--shards {shards}: the checkpoint has only "
                              f"{len(specs)} tensors")
    sizes = [int(np.prod(shape)) * itemsize for _, shape, _ in specs]
    total = sum(sizes)
    groups, current, done = [], [], 0
    for i, (spec, size) in enumerate(zip(specs, sizes)):
        current.append(spec)
        done += size
        left_tensors, left_groups = len(specs) - i - 1, shards - len(groups) - 1
        # Close the group once it reaches its share of the bytes, or when the
        # remaining tensors are just enough for one per remaining group.
        if left_groups > 0 and (done >= total * (len(groups) + 1) / shards
                                or left_tensors == left_groups):
            groups.append(current)
            current = []
    groups.append(current)
    assert len(groups) == shards and all(groups)
    return groups


class Progress:
    """Progress lines on stderr with the elapsed time."""

    def __init__(self, quiet):
        self.quiet, self.start = quiet, time.time()

    def __call__(self, message):
        if not self.quiet:
            print(f"[{time.time() - self.start:6.1f}s] {message}", file=sys.stderr, flush=True)


def write_safetensors(path, specs, seed, dtype, progress):
    header, layout = safetensors_header([(n, s) for n, s, _ in specs], dtype)
    by_name = {name: (shape, kind) for name, shape, kind in specs}

    def group(name):
        # "model.layers.7.mlp.up_proj.weight" -> "model.layers.7"
        parts = name.split(".")
        return ".".join(parts[:3]) if parts[1:2] == ["layers"] else name

    with open(path, "wb") as f:
        f.write(header)
        for i, (name, nbytes) in enumerate(layout):
            shape, kind = by_name[name]
            written = 0
            for chunk in tensor_values(seed, name, shape, kind):
                written += f.write(encode(chunk, dtype))
            assert written == nbytes, name
            # One line per layer (or top-level tensor), once it is written.
            if i + 1 == len(layout) or group(layout[i + 1][0]) != group(name):
                progress(f"{os.path.basename(path)}: {group(name)}")
    return sum(n for _, n in layout)


def write_checkpoint(out, config, seed=0, dtype="bf16", shards=1,
                     tokenizer_dir=None, quiet=False):
    """Writes the checkpoint folder `out` (created if needed); returns the
    list of files written."""
    check_config(config, "(given)")
    if dtype not in DTYPES:
        raise CheckpointError(f"unknown dtype {dtype!r} (bf16, f16 or f32)")
    if shards < 1:
        raise CheckpointError(f"--shards must be at least 1, not {shards}")
    tokenizer_files = ("tokenizer.json", "tokenizer_config.json")
    if tokenizer_dir is not None:
        for name in tokenizer_files:
            if not os.path.isfile(os.path.join(tokenizer_dir, name)):
                raise CheckpointError(f"--tokenizer-dir {tokenizer_dir} has no {name}")
    progress = Progress(quiet)
    os.makedirs(out, exist_ok=True)
    # Remove the weight files of an earlier checkpoint written here in the
    # other layout, which readers would otherwise pick up (an index is read
    # in preference to model.safetensors).
    for name in os.listdir(out):
        if name in ("model.safetensors", "model.safetensors.index.json") or \
                re.fullmatch(r"model-\d{5}-of-\d{5}\.safetensors", name):
            os.remove(os.path.join(out, name))
    config = dict(config, torch_dtype=DTYPES[dtype][2])
    specs = tensor_specs(config)
    params = sum(int(np.prod(s)) for _, s, _ in specs)
    progress(f"writing {out}: {config['num_hidden_layers']} layers, {params:,} "
             f"parameters, {dtype}, {shards} file(s)")
    written = []

    def dump_json(name, value):
        with open(os.path.join(out, name), "w") as f:
            json.dump(value, f, indent=2)
            f.write("\n")
        written.append(name)

    dump_json("config.json", config)
    dump_json("generation_config.json", GENERATION_CONFIG)

    if shards == 1:
        write_safetensors(os.path.join(out, "model.safetensors"), specs, seed, dtype, progress)
        written.append("model.safetensors")
    else:
        weight_map, total = {}, 0
        for i, group in enumerate(split_into_shards(specs, shards, DTYPES[dtype][1])):
            name = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
            total += write_safetensors(os.path.join(out, name), group, seed, dtype, progress)
            weight_map.update({tensor: name for tensor, _, _ in group})
            written.append(name)
        dump_json("model.safetensors.index.json",
                  {"metadata": {"total_size": total},
                   "weight_map": dict(sorted(weight_map.items()))})

    if tokenizer_dir is not None:
        for name in tokenizer_files:
            shutil.copyfile(os.path.join(tokenizer_dir, name), os.path.join(out, name))
            written.append(name)
    progress("done")
    return written


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example: qwen3_checkpoint.py --preset 0.6b --layers 2 --out /tmp/qwen3 "
               "--tokenizer-dir /path/to/tokenizer")
    parser.add_argument("--out", required=True, help="the checkpoint folder to write")
    parser.add_argument("--preset", choices=sorted(PRESETS),
                        help="tiny: hidden 64, 2 layers, head_dim 32, the real vocabulary; "
                             "0.6b: Qwen3-0.6B's config (28 layers, 600M parameters). "
                             "Default tiny, unless --config is given")
    parser.add_argument("--config", metavar="CONFIG.json",
                        help="an HF-style config.json to use instead of a preset")
    parser.add_argument("--layers", type=int, metavar="N",
                        help="override num_hidden_layers (and max_window_layers)")
    parser.add_argument("--untied", action="store_true",
                        help="tie_word_embeddings false: write a separate lm_head.weight")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="bf16",
                        help="storage dtype of the tensors (default bf16, as real checkpoints)")
    parser.add_argument("--shards", type=int, default=1, metavar="N",
                        help="write N files model-0000i-of-0000N.safetensors and "
                             "model.safetensors.index.json (default 1: model.safetensors)")
    parser.add_argument("--tokenizer-dir", metavar="DIR",
                        help="copy tokenizer.json and tokenizer_config.json from DIR")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args()
    if args.config and args.preset:
        parser.error("give --preset or --config, not both")

    try:
        if args.config:
            config = load_config(args.config)
        else:
            config = dict(PRESETS[args.preset or "tiny"])
        if args.layers is not None:
            if args.layers < 1:
                raise CheckpointError(f"--layers must be at least 1, not {args.layers}")
            config["num_hidden_layers"] = args.layers
            if "max_window_layers" in config:
                config["max_window_layers"] = args.layers
        if args.untied:
            config["tie_word_embeddings"] = False
        if args.seed < 0:
            raise CheckpointError(f"--seed must be non-negative, not {args.seed}")
        files = write_checkpoint(args.out, config, seed=args.seed, dtype=args.dtype,
                                 shards=args.shards, tokenizer_dir=args.tokenizer_dir,
                                 quiet=args.quiet)
    except CheckpointError as e:
        sys.exit(f"qwen3_checkpoint: {e}")
    except OSError as e:
        sys.exit(f"qwen3_checkpoint: {e}")
    print(f"wrote {args.out}: {', '.join(files)}")
    if args.tokenizer_dir is None:
        print("no tokenizer files written (pass --tokenizer-dir DIR to copy "
              "tokenizer.json and tokenizer_config.json)")


if __name__ == "__main__":
    main()
