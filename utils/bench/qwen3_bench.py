#!/usr/bin/env python3
"""Benchmarks a Qwen3 library compiled by mlc against the PyTorch reference
and ONNX Runtime on the same checkpoint: prefill and decode speed
(tokens/s), decode bandwidth, compile time and peak memory.

    /usr/bin/python3 utils/bench/qwen3_bench.py [--checkpoint DIR]
        [--prompt-tokens 128] [--long-prompt-tokens 1024]
        [--decode-tokens 32] [--torch-decode-tokens 8] [--threads 2]
        [--repeat 2] [--dtype auto|bf16|f32] [--build-dir build]
        [--cache-dir ~/.cache/mlc-bench]

Without --checkpoint, a checkpoint with Qwen3-0.6B's config (28 layers,
random bf16 weights; speed does not depend on the values) is generated with
utils/models/qwen3_checkpoint.py into a temporary folder (with the mlc
library and the two ONNX graphs, about 8 GB of disk).

Measured, each engine on --threads threads, greedy, same prompt ids:
  * prefill of a --prompt-tokens prompt and of a --long-prompt-tokens one,
    then decode steps after each: decode "at context 128" and "at context
    1024" (the cache grows by the decode steps). Times are the best of
    --repeat runs. PyTorch decodes --torch-decode-tokens steps (it is slow),
    mlc and ORT --decode-tokens.
  * mlc: `mlc-compile` (--max-context covers the long prompt and its decode
    steps), then `mlc-generate --prompt-ids` per prompt, whose stats line
    gives the prefill and decode times (MLC_NUM_THREADS=--threads).
  * PyTorch: the eager float32 model of utils/models/qwen3_reference.py (HF
    semantics, KV cache; Qwen3.logits, the prefill computing the last
    position's logits only, as mlc does) with torch.set_num_threads(1) and
    OPENBLAS_NUM_THREADS=--threads (fastest here), in a child whose
    environment drops OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (pinned on this
    machine for the tests; the benchmark lets the peer use its fastest
    kernels).
  * ONNX Runtime: the reference's prefill and decode-with-cache graphs
    exported by utils/bench/qwen3_export_onnx.py (float32 weights), run by
    utils/bench/qwen3_ort.js in onnxruntime-node (installed by run_bench.py's
    helper into ~/.cache/mlc-bench/ort if missing; skipped, with a message,
    when node or npm is unavailable). Its logits are checked against the
    reference's (relative error of the last prefill position and the first
    decode step) and the greedy tokens of all three are compared.
  * memory read bandwidth: utils/bench/qwen3_stream.c (sums a 1 GiB array on
    --threads threads), the best of a probe before mlc runs, one after it
    and one at the end (all three are printed: on a busy machine they
    differ, and so would the fraction).
    A decode step reads every weight but the embedding table (one row of
    it), so weight bytes/s = those bytes (from params.bin's header; float32
    for the peers) x decode tokens/s.
  * peak RSS of mlc-compile, of mlc-generate (the long prompt's run) and of
    the peers, by /usr/bin/time. The generation bound of the issue: the size
    of params.bin (mapped, not copied) + the KV cache at --max-context (bf16
    with bf16 matrices, else f32;
    2 x layers x kv_heads x max_context x head_dim) + 256 MiB.

The table at the end has the issue's targets: decode >= 1.5x PyTorch and
>= 60% of the measured bandwidth, compile <= 60 s and <= 4 GiB, generation
peak <= the bound. It is a measurement: the exit status is 0 whether or not
they are met (1 if a step failed). Run it on an otherwise idle machine.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "utils", "bench")
sys.path.insert(0, BENCH)
from run_bench import StepFailed, ensure_ort  # noqa: E402

MIB = 1 << 20
DTYPE_BYTES = {"bf16": 2, "f16": 2, "f32": 4}

TORCH_CHILD = r"""
import json, sys, time
import torch
sys.path.insert(0, sys.argv[1])
from qwen3_reference import Qwen3
folder, prompts, steps, repeat, out = (sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]),
                                       int(sys.argv[5]), sys.argv[6])
torch.set_num_threads(1)
model = Qwen3(folder, torch.float32)
runs = []
with torch.no_grad():
    for i, prompt in enumerate(prompts):
        ids, positions = torch.tensor(prompt), torch.arange(len(prompt))
        prefill_s = decode_s = float("inf")
        for _ in range(repeat):
            cache = model.new_cache()
            t0 = time.perf_counter()
            logits = model.logits(ids, positions, cache, last_only=True)
            prefill_s = min(prefill_s, time.perf_counter() - t0)
        logits[0].numpy().tofile(f"{out}/torch_{i}_prefill.f32")
        for _ in range(repeat):
            step_cache, tokens, elapsed = list(cache), [int(torch.argmax(logits[0]))], 0.0
            for step in range(steps):
                t0 = time.perf_counter()
                step_logits = model.logits(torch.tensor(tokens[-1:]),
                                           torch.tensor([len(prompt) + step]), step_cache)
                elapsed += time.perf_counter() - t0
                if step == 0:
                    step_logits[0].numpy().tofile(f"{out}/torch_{i}_decode.f32")
                tokens.append(int(torch.argmax(step_logits[0])))
            decode_s = min(decode_s, elapsed)
        runs.append({"prefill_s": prefill_s, "decode_s": decode_s, "tokens": tokens})
print(json.dumps(runs))
"""


def log(message):
    print(f"qwen3_bench: {message}", file=sys.stderr, flush=True)


def run(cmd, env=None):
    """Runs cmd under /usr/bin/time; returns (stdout, stderr, peak RSS in
    MiB). Exits on failure."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        result = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd],
                                env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        if result.returncode != 0:
            sys.exit(f"qwen3_bench: {' '.join(cmd[:2])} failed:\n{result.stderr[-3000:]}")
        return result.stdout, result.stderr, int(rss.read().split()[-1]) / 1024


def decode_weight_bytes(params_bin):
    """Bytes a decode step reads from params.bin, and the same in float32:
    every tensor but the embedding table (of which it reads one row)."""
    with open(params_bin, "rb") as f:
        header = f.read(64 * MIB).split(b"\nend\n")[0].decode().splitlines()[1:]
    stored = f32 = 0
    for line in header:
        name, dtype, _, *dims = line.split()
        if name == "model.embed_tokens.weight":
            continue
        count = int(np.prod([int(d) for d in dims]))
        stored += count * DTYPE_BYTES[dtype]
        f32 += count * 4
    return stored, f32


def read_bandwidth(work, threads):
    """Read GB/s of qwen3_stream.c on `threads` threads."""
    log("measuring the memory read bandwidth (qwen3_stream.c)")
    exe = os.path.join(work, "qwen3_stream")
    if not os.path.exists(exe):
        run(["clang-22", "-O3", "-march=native", "-pthread",
             os.path.join(BENCH, "qwen3_stream.c"), "-o", exe])
    return float(run([exe, str(threads)])[0])


def bench_mlc(args, checkpoint, work, prompts, max_context):
    log("compiling with mlc-compile")
    bin_dir = os.path.join(args.build_dir, "bin")
    out = os.path.join(work, "mlc")
    t0 = time.perf_counter()
    _, _, compile_rss = run([os.path.join(bin_dir, "mlc-compile"), checkpoint, "-o", out,
                             "--max-context", str(max_context), "--dtype", args.dtype,
                             "--quiet"])
    result = {"compile_s": time.perf_counter() - t0, "compile_rss": compile_rss,
              "params_bytes": os.path.getsize(os.path.join(out, "params.bin")),
              "decode_bytes": decode_weight_bytes(os.path.join(out, "params.bin")),
              "runs": []}
    # One --dtype stores the matrices and the KV cache: bf16 matrices, a
    # bf16 cache.
    stored, f32 = result["decode_bytes"]
    result["kv_item_bytes"] = 2 if stored < f32 else 4
    env = dict(os.environ, MLC_NUM_THREADS=str(args.threads))
    for prompt in prompts:
        best = {"prefill_s": float("inf"), "decode_s": float("inf"), "rss": 0}
        for i in range(args.repeat):
            log(f"mlc-generate, prompt of {len(prompt)} tokens, run {i + 1} of {args.repeat}")
            stdout, stderr, rss = run(
                [os.path.join(bin_dir, "mlc-generate"), "--lib", out,
                 "--prompt-ids", ",".join(map(str, prompt)),
                 "--max-tokens", str(args.decode_tokens + 1)], env=env)
            m = re.search(r"prefill (\d+) tokens in ([\d.]+) ms .* decode (\d+) tokens "
                          r"in ([\d.]+) ms", stderr)
            if not m:
                sys.exit("qwen3_bench: no stats line from mlc-generate:\n" + stderr)
            best = {"prefill_s": min(best["prefill_s"], float(m.group(2)) / 1e3),
                    "decode_s": min(best["decode_s"], float(m.group(4)) / 1e3),
                    "decode_steps": int(m.group(3)), "rss": max(best["rss"], rss),
                    "tokens": [int(t) for t in stdout.split()]}
        result["runs"].append(best)
    return result


def bench_torch(args, checkpoint, work, prompts):
    log(f"PyTorch (utils/models/qwen3_reference.py), {args.torch_decode_tokens} decode steps")
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads))
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    stdout, _, rss = run([sys.executable, "-c", TORCH_CHILD,
                          os.path.join(ROOT, "utils", "models"), checkpoint,
                          json.dumps(prompts), str(args.torch_decode_tokens),
                          str(args.repeat), work], env=env)
    runs = json.loads(stdout.strip().splitlines()[-1])
    for r in runs:
        r["decode_steps"] = args.torch_decode_tokens
    return {"runs": runs, "rss": rss}


def bench_ort(args, checkpoint, work, prompts, layers):
    """None (with a message) if onnxruntime-node cannot be had."""
    if not shutil.which("node"):
        log("node not found: no ONNX Runtime peer")
        return None
    try:
        node_path = ensure_ort(args.cache_dir)
    except StepFailed as e:
        log(f"ONNX Runtime unavailable: {e}")
        return None
    log("exporting the reference to ONNX (utils/bench/qwen3_export_onnx.py)")
    onnx = os.path.join(work, "onnx")
    t0 = time.perf_counter()
    _, _, export_rss = run([sys.executable, os.path.join(BENCH, "qwen3_export_onnx.py"),
                            "--checkpoint", checkpoint, "--out", onnx])
    export_s = time.perf_counter() - t0
    log(f"ONNX Runtime (utils/bench/qwen3_ort.js), {args.decode_tokens} decode steps")
    spec = os.path.join(work, "ort_spec.json")
    with open(spec, "w") as f:
        json.dump({"prefill": os.path.join(onnx, "prefill", "model.onnx"),
                   "decode": os.path.join(onnx, "decode", "model.onnx"),
                   "layers": layers, "prompts": prompts,
                   "decode_steps": args.decode_tokens, "repeat": args.repeat,
                   "threads": args.threads, "out_dir": work}, f)
    stdout, _, rss = run(["node", os.path.join(BENCH, "qwen3_ort.js"), spec],
                         env=dict(os.environ, NODE_PATH=node_path))
    runs = json.loads(stdout.strip().splitlines()[-1])["runs"]
    errors = []
    for i, r in enumerate(runs):
        r.update(prefill_s=r["prefill_ms"] / 1e3, decode_s=r["decode_ms"] / 1e3,
                 decode_steps=args.decode_tokens)
        for phase in ("prefill", "decode"):
            got, want = (np.fromfile(os.path.join(work, f"{engine}_{i}_{phase}.f32"),
                                     np.float32).astype(np.float64)
                         for engine in ("ort", "torch"))
            errors.append((len(prompts[i]), phase, np.abs(got - want).max() / np.abs(want).max(),
                           int(got.argmax()) == int(want.argmax())))
    return {"runs": runs, "rss": rss, "export_s": export_s, "export_rss": export_rss,
            "errors": errors}


def agreement(name, runs, reference, prompts):
    """A line: do `runs`' greedy tokens equal the reference's (as far as both go)?"""
    parts = []
    for prompt, got, want in zip(prompts, runs, reference):
        n = min(len(got["tokens"]), len(want["tokens"]))
        same = got["tokens"][:n] == want["tokens"][:n]
        parts.append(f"prompt {len(prompt)}: first {n} {'equal' if same else 'DIFFER'}")
    return f"greedy tokens, {name} vs PyTorch: " + ", ".join(parts)


def report(args, config, prompts, max_context, loads, probes, mlc, torch_peer, ort):
    bandwidth = max(probes)
    layers, kv_heads = config["num_hidden_layers"], config["num_key_value_heads"]
    head_dim = config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"]
    kv_item = mlc["kv_item_bytes"]
    kv_bytes = 2 * layers * kv_heads * max_context * head_dim * kv_item
    bound = mlc["params_bytes"] + kv_bytes + 256 * MIB
    stored, f32 = mlc["decode_bytes"]
    engines, weight_bytes = (mlc, torch_peer, ort), (stored, f32, f32)
    long_kv = 2 * layers * kv_heads * len(prompts[-1]) * head_dim * kv_item

    print(f"Qwen3 {layers} layers, hidden {config['hidden_size']}, vocab "
          f"{config['vocab_size']}; {args.threads} threads; best of {args.repeat} runs")
    print(f"load average {loads[0]:.2f} at the start, {loads[1]:.2f} at the end (this "
          "run's own load included)")
    print(f"mlc: --dtype {args.dtype} ({'bf16' if kv_item == 2 else 'f32'} matrices and KV "
          f"cache), f32 compute, --max-context {max_context}, "
          f"params.bin {mlc['params_bytes'] / 1e9:.2f} GB, {stored / 1e9:.2f} GB read per "
          f"decode step; PyTorch and ORT: f32 weights, {f32 / 1e9:.2f} GB per step")
    mlc_long = mlc["runs"][-1]
    with_kv = (stored + long_kv) * mlc_long["decode_steps"] / mlc_long["decode_s"] / 1e9
    print(f"decode steps: mlc {mlc['runs'][0]['decode_steps']}, PyTorch "
          f"{args.torch_decode_tokens} (it is slow), ORT {args.decode_tokens}")
    print(f"memory read bandwidth: {bandwidth:.1f} GB/s, the best of qwen3_stream.c on "
          f"{args.threads} threads before mlc, after it and at the end: "
          f"{', '.join(f'{p:.1f}' for p in probes)}"
          + (" (they differ: the machine was not idle)"
             if min(probes) < 0.8 * bandwidth else ""))
    print(f"a decode step at context {len(prompts[-1])} also reads {long_kv / 1e6:.0f} MB "
          f"of KV cache, not counted in weight GB/s (mlc, weights + KV: {with_kv:.1f} GB/s, "
          f"{100 * with_kv / bandwidth:.0f}%)")
    print(f"generation bound: params.bin {mlc['params_bytes'] / MIB:.0f} MiB + KV cache "
          f"{kv_bytes / MIB:.0f} MiB + 256 MiB = {bound / MIB:.0f} MiB (PyTorch, ORT: "
          f"the peak of their whole process)")
    if ort:
        print(f"ONNX export: {ort['export_s']:.1f} s, peak RSS {ort['export_rss']:.0f} MiB")
        for n, phase, error, same in ort["errors"]:
            where = "last prefill position" if phase == "prefill" else "first decode step"
            print(f"ORT vs PyTorch logits, prompt {n}, {where}: relative error "
                  f"{error:.1e}, argmax {'equal' if same else 'DIFFERS'}")
        print(agreement("ORT", ort["runs"], torch_peer["runs"], prompts))
    else:
        print("ORT: not run (see the messages above)")
    print(agreement("mlc", mlc["runs"], torch_peer["runs"], prompts))

    def rate(engine, i, phase):
        if engine is None:
            return None
        r = engine["runs"][i]
        n = len(prompts[i]) if phase == "prefill" else r["decode_steps"]
        return n / r[f"{phase}_s"]

    def fmt(value, digits=1):
        return "-" if value is None else f"{value:.{digits}f}"

    def ratios(values):
        return [f"{values[0] / v:.2f}" if v else "" for v in values[1:]]

    def met(ok):
        return "yes" if ok else "NO"

    rows = [["", "mlc", "PyTorch", "ORT", "mlc/PyTorch", "mlc/ORT", "target", "met"]]
    for i, prompt in enumerate(prompts):
        speeds = [rate(e, i, "prefill") for e in engines]
        rows.append([f"prefill {len(prompt)} tokens, tok/s", *map(fmt, speeds),
                     *ratios(speeds), "", ""])
    for i, prompt in enumerate(prompts):
        speeds = [rate(e, i, "decode") for e in engines]
        rows.append([f"decode at context {len(prompt)}, tok/s", *map(fmt, speeds),
                     *ratios(speeds), ">= 1.5x PyTorch", met(speeds[0] >= 1.5 * speeds[1])])
        gbs = [s and s * b / 1e9 for s, b in zip(speeds, weight_bytes)]
        rows.append(["  weight GB/s (% of bandwidth)",
                     *("-" if g is None else f"{g:.1f} ({100 * g / bandwidth:.0f}%)"
                       for g in gbs), "", "", ">= 60%", met(gbs[0] >= 0.6 * bandwidth)])
    rows.append(["mlc-compile, s", fmt(mlc["compile_s"]), "", "", "", "", "<= 60 s",
                 met(mlc["compile_s"] <= 60)])
    rows.append(["mlc-compile peak RSS, MiB", fmt(mlc["compile_rss"], 0), "", "", "", "",
                 "<= 4096 MiB", met(mlc["compile_rss"] <= 4096)])
    gen_rss = mlc["runs"][-1]["rss"]
    rows.append(["generation peak RSS, MiB", fmt(gen_rss, 0), fmt(torch_peer["rss"], 0),
                 fmt(ort and ort["rss"], 0), "", "", f"<= {bound / MIB:.0f} MiB",
                 met(gen_rss * MIB <= bound)])
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    print()
    for row in rows:
        print("  ".join(c.ljust(w) if k == 0 else c.rjust(w)
                        for k, (c, w) in enumerate(zip(row, widths))).rstrip())


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint")
    parser.add_argument("--prompt-tokens", type=int, default=128)
    parser.add_argument("--long-prompt-tokens", type=int, default=1024)
    parser.add_argument("--decode-tokens", type=int, default=32)
    parser.add_argument("--torch-decode-tokens", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dtype", default="auto", choices=["auto", "bf16", "f32"],
                        help="mlc-compile --dtype: the matrices and the KV cache")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--cache-dir",
                        default=os.path.join(os.path.expanduser("~"), ".cache", "mlc-bench"),
                        help="where onnxruntime-node is installed (as run_bench.py)")
    args = parser.parse_args()
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
        vocab = int(config["vocab_size"])
        prompts = [[(i * 7919 + 13) % min(vocab, 151643) for i in range(n)]
                   for n in (args.prompt_tokens, args.long_prompt_tokens)]
        max_context = args.long_prompt_tokens + args.decode_tokens + 1

        load = os.getloadavg()[0]
        probes = [read_bandwidth(work, args.threads)]
        mlc = bench_mlc(args, checkpoint, work, prompts, max_context)
        shutil.rmtree(os.path.join(work, "mlc"))
        probes.append(read_bandwidth(work, args.threads))
        torch_peer = bench_torch(args, checkpoint, work, prompts)
        ort = bench_ort(args, checkpoint, work, prompts, config["num_hidden_layers"])
        probes.append(read_bandwidth(work, args.threads))
    loads = (load, os.getloadavg()[0])
    report(args, config, prompts, max_context, loads, probes, mlc, torch_peer, ort)
    return 0


if __name__ == "__main__":
    sys.exit(main())
