#!/usr/bin/env python3
"""Benchmarks mlc on this machine and prints tables (progress goes to stderr):

  1. the fp32 FMA peak on 1 and 2 threads (fma_peak.c, clang-22 -O3
     -march=native);
  2. GEMM, C[M x N] = A[M x K] . B[K x N] in f32, A and B both inputs:
     mlc (an mlc.matmul module timed with `mlc-run --bench`) against the
     measured peak, with numpy (OpenBLAS) as a peer;
  3. models exported by utils/models/export_models.py (random weights):
     latency of mlc (`mlc-run --bench`) and ONNX Runtime (onnxruntime-node,
     utils/bench/ort_bench.js), and the peak RSS of each, measured in a
     dedicated child process per measurement.

mlc and ORT both run on 2 threads (MLC_NUM_THREADS=2; ORT with 2 intra-op
threads, sequential execution). Latencies are medians over --runs runs after
a warm-up run. This is a measurement, not a test: it asserts nothing about
speed, but it checks every result it times against numpy/PyTorch and shows
the relative error. It exits 1 if a step failed.

    /usr/bin/python3 utils/bench/run_bench.py [--models resnet18,...]
        [--runs N] [--skip-gemm] [--build-dir build] [--json FILE]

onnxruntime-node@1.30.0 is installed with npm into CACHE/ort (default
~/.cache/mlc-bench) unless already there.
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
ORT_VERSION = "1.30.0"
THREADS = 2
TIME = "/usr/bin/time"
# Shapes as (M, N, K): C[M x N] = A[M x K] . B[K x N].
GEMM_SHAPES = [(1024, 1024, 1024), (2048, 2048, 2048), (1000, 1000, 1000),
               (128, 3072, 1024), (1, 1024, 3072)]


def log(message):
    print(f"run_bench: {message}", file=sys.stderr, flush=True)


class StepFailed(Exception):
    pass


def run(cmd, env=None, what=None):
    """Runs `cmd`, returns its stdout; raises StepFailed with its stderr."""
    try:
        result = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    except OSError as e:
        raise StepFailed(f"cannot run {cmd[0]}: {e.strerror}") from e
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-5:])
        raise StepFailed(f"{what or os.path.basename(cmd[0])} failed "
                         f"(exit {result.returncode}): {tail}")
    return result.stdout


def peak_rss_mb(cmd, env):
    """Peak RSS of `cmd`, run in a child of its own under /usr/bin/time.
    (Not wait4 on a child of this process: a child forked from Python
    starts with Python's RSS, which ru_maxrss would count.)"""
    if not os.path.exists(TIME):
        raise StepFailed(f"{TIME} not found (Debian package 'time'): "
                         "no RSS measurement")
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as f:
        run([TIME, "-f", "%M", "-o", f.name, *cmd], env=env,
            what=f"{os.path.basename(cmd[0])} (RSS run)")
        return int(f.read().split()[-1]) / 1024.0  # KiB -> MiB


def mlc_env():
    env = dict(os.environ)
    env["MLC_NUM_THREADS"] = str(THREADS)
    return env


def relative_error(got, want):
    scale = float(np.abs(want.astype(np.float64)).max())
    diff = float(np.abs(got.astype(np.float64) - want).max())
    return diff / scale if scale else diff


def mlc_bench(tools, module, inputs, runs, out_dir):
    """Median (and min) ms of `mlc-run --bench`; writes outputs to out_dir."""
    out = run([tools["mlc-run"], module, *inputs, "--bench", str(runs),
               "--output-dir", out_dir], env=mlc_env(), what="mlc-run")
    m = re.search(r"min ([0-9.e+-]+) ms, median ([0-9.e+-]+) ms", out)
    if not m:
        raise StepFailed(f"mlc-run printed no timing:\n{out}")
    return float(m.group(2)), float(m.group(1))


def compile_module(tools, source, module):
    start = time.perf_counter()
    run([tools["mlc-compile"], source, "-o", module, "--quiet"],
        what=f"mlc-compile {os.path.basename(source)}")
    return time.perf_counter() - start


# ----------------------------------------------------------------------------
# Peak
# ----------------------------------------------------------------------------

def measure_peak(work, previous=None):
    """GFLOP/s on 1 and THREADS threads; the best of this measurement and
    `previous` (measuring before and after the GEMMs makes a moment of load
    from elsewhere less likely to lower the peak)."""
    log("measuring the fp32 FMA peak (fma_peak.c)")
    exe = os.path.join(work, "fma_peak")
    if not os.path.exists(exe):
        run(["clang-22", "-O3", "-march=native", "-pthread",
             os.path.join(BENCH, "fma_peak.c"), "-o", exe], what="clang-22")
    peak = {"gflops_per_core": float(run([exe, "1"]).strip()),
            "gflops_total": float(run([exe, str(THREADS)]).strip())}
    for key, value in (previous or {}).items():
        peak[key] = max(peak[key], value)
    return peak


# ----------------------------------------------------------------------------
# GEMM
# ----------------------------------------------------------------------------

NUMPY_PEER = r"""
import sys, time
import numpy as np
m, n, k, runs = map(int, sys.argv[1:])
rng = np.random.default_rng(0)
a = rng.standard_normal((m, k), dtype=np.float32)
b = rng.standard_normal((k, n), dtype=np.float32)
a @ b
times = []
for _ in range(runs):
    t = time.perf_counter()
    a @ b
    times.append(time.perf_counter() - t)
times.sort()
print(times[len(times) // 2] * 1e3)
"""


def numpy_peer_ms(m, n, k, runs):
    env = dict(os.environ)
    # These tune OpenBLAS for the lead's machine; the peer runs with
    # OpenBLAS's own choices (and only the peer: nothing else reads them).
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(THREADS)
    out = run([sys.executable, "-c", NUMPY_PEER, str(m), str(n), str(k),
               str(runs)], env=env, what="numpy peer")
    return float(out.strip())


def bench_gemm(tools, work, runs):
    rows = []
    rng = np.random.default_rng(0)
    for m, n, k in GEMM_SHAPES:
        name = f"{m}x{n}x{k}"
        log(f"GEMM {name} (M x N x K)")
        row = {"shape": name, "m": m, "n": n, "k": k}
        rows.append(row)
        flop = 2.0 * m * n * k
        d = os.path.join(work, f"gemm_{name}")
        os.makedirs(d, exist_ok=True)
        src = os.path.join(d, "gemm.mlir")
        with open(src, "w") as f:
            f.write(f"func.func @main(%a: tensor<{m}x{k}xf32>, %b: tensor<{k}x{n}xf32>)"
                    f" -> tensor<{m}x{n}xf32> {{\n"
                    f"  %c = mlc.matmul %a, %b : (tensor<{m}x{k}xf32>, "
                    f"tensor<{k}x{n}xf32>) -> tensor<{m}x{n}xf32>\n"
                    f"  return %c : tensor<{m}x{n}xf32>\n}}\n")
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        inputs = [os.path.join(d, "a.npy"), os.path.join(d, "b.npy")]
        np.save(inputs[0], a)
        np.save(inputs[1], b)
        try:
            module = os.path.join(d, "gemm.so")
            row["compile_s"] = compile_module(tools, src, module)
            ms, min_ms = mlc_bench(tools, module, inputs, runs,
                                   os.path.join(d, "out"))
            got = np.load(os.path.join(d, "out", "output_0.npy"))
            row.update(mlc_ms=ms, mlc_min_ms=min_ms,
                       mlc_gflops=flop / ms / 1e6,
                       rel_error=relative_error(got, a.astype(np.float64) @ b))
        except StepFailed as e:
            row["error"] = str(e)
            log(f"GEMM {name}: {e}")
        try:
            row["numpy_ms"] = numpy_peer_ms(m, n, k, runs)
            row["numpy_gflops"] = flop / row["numpy_ms"] / 1e6
        except StepFailed as e:
            row.setdefault("error", str(e))
    return rows


# ----------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------

def ensure_ort(cache):
    """NODE_PATH for onnxruntime-node@ORT_VERSION, installed if missing."""
    prefix = os.path.join(cache, "ort")
    modules = os.path.join(prefix, "node_modules")
    manifest = os.path.join(modules, "onnxruntime-node", "package.json")
    try:
        with open(manifest) as f:
            installed = json.load(f).get("version")
    except (OSError, ValueError):
        installed = None
    if installed != ORT_VERSION:
        log(f"installing onnxruntime-node@{ORT_VERSION} into {prefix}")
        os.makedirs(prefix, exist_ok=True)
        env = dict(os.environ, ONNXRUNTIME_NODE_INSTALL="skip")
        run(["npm", "install", "--no-audit", "--no-fund", "--prefix", prefix,
             f"onnxruntime-node@{ORT_VERSION}"], env=env, what="npm install")
    return modules


def bench_models(tools, work, names, runs, node_path):
    log(f"exporting {','.join(names)} (utils/models/export_models.py)")
    models = os.path.join(work, "models")
    run([sys.executable, os.path.join(ROOT, "utils", "models", "export_models.py"),
         models, "--models", ",".join(names)], what="export_models.py")
    ort_env = dict(os.environ, NODE_PATH=node_path) if node_path else None
    ort_js = os.path.join(BENCH, "ort_bench.js")
    rows = []
    for name in names:
        row = {"model": name}
        rows.append(row)
        onnx = os.path.join(models, f"{name}.onnx")
        inputs = sorted(p for p in os.listdir(models)
                        if p.startswith(f"{name}.input_"))
        inputs = [os.path.join(models, p) for p in inputs]
        reference = os.path.join(models, f"{name}.output_0.npy")
        try:
            log(f"{name}: compiling with mlc-compile")
            module = os.path.join(work, f"{name}.so")
            row["compile_s"] = compile_module(tools, onnx, module)
            log(f"{name}: timing mlc ({runs} runs)")
            out = os.path.join(work, f"{name}.out")
            row["mlc_ms"], row["mlc_min_ms"] = mlc_bench(tools, module, inputs,
                                                         runs, out)
            row["rel_error"] = relative_error(
                np.load(os.path.join(out, "output_0.npy")), np.load(reference))
            row["mlc_rss_mb"] = peak_rss_mb(
                [tools["mlc-run"], module, *inputs, "--bench", "1"], mlc_env())
        except StepFailed as e:
            row["error"] = str(e)
            log(f"{name}: {e}")
        if not ort_env:
            continue
        try:
            log(f"{name}: timing ONNX Runtime ({runs} runs)")
            result = json.loads(run(["node", ort_js, onnx, str(runs), *inputs,
                                     "--check", reference],
                                    env=ort_env, what="ort_bench.js"))
            row["ort_ms"], row["ort_min_ms"] = result["median_ms"], result["min_ms"]
            row["ort_rss_mb"] = peak_rss_mb(
                ["node", ort_js, onnx, "1", *inputs], ort_env)
        except (StepFailed, ValueError, KeyError) as e:
            row.setdefault("error", f"ORT: {e}")
            log(f"{name}: ORT: {e}")
    if ort_env:
        node_rss = peak_rss_mb(["node", "-e", "require('onnxruntime-node')"], ort_env)
        for row in rows:
            row["node_baseline_rss_mb"] = node_rss
    return rows


# ----------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------

def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def ratio(a, b):
    return a / b if a is not None and b else None


def print_table(title, header, rows):
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    print(f"\n{title}")
    print("  ".join(h.rjust(w) if i else h.ljust(w)
                    for i, (h, w) in enumerate(zip(header, widths))))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).rjust(w) if i else str(c).ljust(w)
                        for i, (c, w) in enumerate(zip(row, widths))))


def report(results):
    print(f"{os.cpu_count()} CPUs, load average {results['load_average'][0]:.2f} "
          f"at the start ({results['date']}): numbers from a busy machine are "
          "noise")
    peak = results.get("peak")
    if peak:
        print(f"fp32 FMA peak: {peak['gflops_per_core']:.1f} GFLOP/s per core "
              f"(1 thread), {peak['gflops_total']:.1f} GFLOP/s on {THREADS} "
              f"threads")
    if results.get("gemm"):
        print_table(
            f"GEMM f32, C[MxN] = A[MxK] . B[KxN], {THREADS} threads, median "
            f"of {results['runs']} runs",
            ["M x N x K", "mlc ms", "mlc GFLOP/s", "% of peak", "numpy GFLOP/s",
             "mlc/numpy", "rel err"],
            [[r["shape"], fmt(r.get("mlc_ms"), ".3f"),
              fmt(r.get("mlc_gflops"), ".1f"), fmt(r.get("pct_of_peak"), ".1f"),
              fmt(r.get("numpy_gflops"), ".1f"),
              fmt(ratio(r.get("mlc_gflops"), r.get("numpy_gflops")), ".2f"),
              fmt(r.get("rel_error"), ".1e")] for r in results["gemm"]])
    if results.get("models"):
        print_table(
            f"Models, {THREADS} threads, median of {results['runs']} runs "
            "(ratios > 1: mlc slower / larger)",
            ["model", "mlc ms", "ORT ms", "mlc/ORT", "mlc RSS MB",
             "ORT RSS MB", "RSS ratio", "mlc rel err"],
            [[r["model"], fmt(r.get("mlc_ms"), ".2f"), fmt(r.get("ort_ms"), ".2f"),
              fmt(ratio(r.get("mlc_ms"), r.get("ort_ms")), ".2f"),
              fmt(r.get("mlc_rss_mb"), ".0f"), fmt(r.get("ort_rss_mb"), ".0f"),
              fmt(ratio(r.get("mlc_rss_mb"), r.get("ort_rss_mb")), ".2f"),
              fmt(r.get("rel_error"), ".1e")] for r in results["models"]])
        node = results["models"][0].get("node_baseline_rss_mb")
        if node:
            print(f"(ORT RSS includes node itself: node with onnxruntime-node "
                  f"loaded and no model takes {node:.0f} MB)")
    failed = [r for r in results.get("gemm", []) + results.get("models", [])
              if "error" in r]
    for r in failed:
        print(f"error: {r.get('shape') or r.get('model')}: {r['error']}")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="resnet18,mobilenet_v2,decoder_block",
                        help="comma-separated models of export_models.py "
                             "('' for none)")
    parser.add_argument("--runs", type=int, default=20,
                        help="timed runs per measurement (default 20)")
    parser.add_argument("--skip-gemm", action="store_true",
                        help="skip the peak and GEMM measurements")
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"),
                        help="mlc's build directory (default: build)")
    parser.add_argument("--json", metavar="FILE",
                        help="also write the results as JSON to FILE")
    parser.add_argument("--cache-dir",
                        default=os.path.join(os.path.expanduser("~"), ".cache",
                                             "mlc-bench"),
                        help="where onnxruntime-node is installed "
                             "(default ~/.cache/mlc-bench)")
    parser.add_argument("--work-dir",
                        help="keep models, modules and inputs here (default: a "
                             "temporary directory, removed at the end)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    names = [m for m in args.models.split(",") if m]

    bin_dir = os.path.join(os.path.abspath(args.build_dir), "bin")
    tools = {t: os.path.join(bin_dir, t) for t in ("mlc-compile", "mlc-run")}
    for path in tools.values():
        if not os.access(path, os.X_OK):
            sys.exit(f"run_bench: {path} not found; build mlc first "
                     "(cmake --build build) or pass --build-dir")

    work = args.work_dir or tempfile.mkdtemp(prefix="mlc-bench-")
    os.makedirs(work, exist_ok=True)
    results = {"runs": args.runs, "threads": THREADS,
               "date": time.strftime("%Y-%m-%d %H:%M:%S"),
               "load_average": os.getloadavg()}
    ok = True
    try:
        if not args.skip_gemm:
            peak = measure_peak(work)
            results["gemm"] = bench_gemm(tools, work, args.runs)
            results["peak"] = peak = measure_peak(work, peak)
            for row in results["gemm"]:
                if "mlc_gflops" in row:
                    row["pct_of_peak"] = 100 * row["mlc_gflops"] / peak["gflops_total"]
        if names:
            node_path = None
            try:
                node_path = ensure_ort(args.cache_dir)
            except StepFailed as e:
                log(f"ONNX Runtime unavailable, timing mlc only: {e}")
                ok = False
            results["models"] = bench_models(tools, work, names, args.runs,
                                             node_path)
    except StepFailed as e:
        log(str(e))
        ok = False
    finally:
        if not args.work_dir:
            shutil.rmtree(work, ignore_errors=True)
    report(results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
            f.write("\n")
    ok = ok and not any("error" in r for r in
                        results.get("gemm", []) + results.get("models", []))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
