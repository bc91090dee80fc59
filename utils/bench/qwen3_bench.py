#!/usr/bin/env python3
"""Benchmarks a Qwen3 library compiled by mlc against PyTorch eager on the
same checkpoint: prefill and decode speed (tokens/s), and mlc-compile time.

    /usr/bin/python3 utils/bench/qwen3_bench.py [--checkpoint DIR]
        [--prompt-tokens 128] [--decode-tokens 32] [--threads 2]
        [--weights auto|bf16|f32] [--build-dir build]

Without --checkpoint, a checkpoint with Qwen3-0.6B's config (28 layers,
random bf16 weights; speed does not depend on the values) is generated with
utils/models/qwen3_checkpoint.py into a temporary folder.

mlc: `mlc-compile` (timed), then `mlc-generate --prompt-ids ...`, whose
stats line gives the prefill time of the prompt and the time of the decode
steps (MLC_NUM_THREADS=--threads). PyTorch: the eager model of
utils/models/qwen3_reference.py (HF semantics, float32, KV cache) with
torch.set_num_threads(--threads), run in a child process whose environment
drops OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (pinned on this machine for
the tests; the benchmark lets the peer use its fastest kernels). Both get
the same prompt ids and decode greedily; the best of --repeat runs each.
This is a measurement: it asserts nothing about speed.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TORCH_CHILD = r"""
import json, sys, time
import numpy as np
import torch
sys.path.insert(0, sys.argv[1])
from qwen3_reference import Qwen3
folder, threads, prompt, steps, repeat = sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
torch.set_num_threads(threads)
model = Qwen3(folder, torch.float32)
best = None
with torch.no_grad():
    for _ in range(repeat):
        cache = model.new_cache()
        t0 = time.perf_counter()
        logits = model.forward(prompt, cache)
        t1 = time.perf_counter()
        token = int(torch.argmax(logits[-1]))
        for _ in range(steps):
            logits = model.forward([token], cache)
            token = int(torch.argmax(logits[-1]))
        t2 = time.perf_counter()
        run = (t1 - t0, t2 - t1)
        best = run if best is None else (min(best[0], run[0]), min(best[1], run[1]))
print(json.dumps({"prefill_s": best[0], "decode_s": best[1]}))
"""


def log(message):
    print(f"qwen3_bench: {message}", file=sys.stderr, flush=True)


def run(cmd, env=None):
    result = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"qwen3_bench: {' '.join(cmd[:2])} failed:\n{result.stderr[-3000:]}")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint")
    parser.add_argument("--prompt-tokens", type=int, default=128)
    parser.add_argument("--decode-tokens", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--weights", default="auto", choices=["auto", "bf16", "f32"])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    args = parser.parse_args()
    bin_dir = os.path.join(args.build_dir, "bin")
    python = sys.executable

    with tempfile.TemporaryDirectory(prefix="mlc-qwen3-bench-") as work:
        checkpoint = args.checkpoint
        if not checkpoint:
            checkpoint = os.path.join(work, "qwen3-0.6b")
            log("generating a checkpoint with Qwen3-0.6B's config")
            run([python, os.path.join(ROOT, "utils", "models", "qwen3_checkpoint.py"),
                 "--preset", "0.6b", "--out", checkpoint, "--quiet"])
        with open(os.path.join(checkpoint, "config.json")) as f:
            config = json.load(f)
        context = args.prompt_tokens + args.decode_tokens + 1
        out = os.path.join(work, "out")
        log("compiling with mlc-compile")
        t0 = time.perf_counter()
        run([os.path.join(bin_dir, "mlc-compile"), checkpoint, "-o", out,
             "--max-context", str(context), "--weights", args.weights, "--quiet"])
        compile_s = time.perf_counter() - t0

        vocab = int(config["vocab_size"])
        prompt = [(i * 7919 + 13) % min(vocab, 151643) for i in range(args.prompt_tokens)]
        env = dict(os.environ, MLC_NUM_THREADS=str(args.threads))
        best = None
        for i in range(args.repeat):
            log(f"mlc-generate, run {i + 1} of {args.repeat}")
            result = run([os.path.join(bin_dir, "mlc-generate"), "--lib", out,
                          "--prompt-ids", ",".join(map(str, prompt)),
                          "--max-tokens", str(args.decode_tokens + 1)], env=env)
            m = re.search(r"prefill (\d+) tokens in ([\d.]+) ms .* decode (\d+) tokens "
                          r"in ([\d.]+) ms", result.stderr)
            if not m:
                sys.exit("qwen3_bench: no stats line from mlc-generate:\n" + result.stderr)
            runs = (float(m.group(2)) / 1e3, float(m.group(4)) / 1e3)
            best = runs if best is None else (min(best[0], runs[0]), min(best[1], runs[1]))
        mlc_prefill, mlc_decode = best

        log("PyTorch eager (utils/models/qwen3_reference.py)")
        peer_env = dict(os.environ)
        peer_env.pop("OPENBLAS_CORETYPE", None)
        peer_env.pop("OPENBLAS_L2_SIZE", None)
        result = run([python, "-c", TORCH_CHILD, os.path.join(ROOT, "utils", "models"),
                      checkpoint, str(args.threads), json.dumps(prompt),
                      str(args.decode_tokens), str(args.repeat)], env=peer_env)
        peer = json.loads(result.stdout.strip().splitlines()[-1])

    n, d = args.prompt_tokens, args.decode_tokens
    rows = [("prefill", n / mlc_prefill, n / peer["prefill_s"]),
            ("decode", d / mlc_decode, d / peer["decode_s"])]
    print(f"Qwen3 {config['num_hidden_layers']} layers, hidden {config['hidden_size']}, "
          f"{args.threads} threads, prompt {n} tokens, {d} decode steps, "
          f"mlc weights {args.weights}, best of {args.repeat}")
    print(f"mlc-compile: {compile_s:.1f} s")
    print(f"{'phase':8} {'mlc tok/s':>10} {'torch tok/s':>12} {'mlc/torch':>10}")
    for phase, mlc, torch_rate in rows:
        print(f"{phase:8} {mlc:10.1f} {torch_rate:12.1f} {mlc / torch_rate:10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
