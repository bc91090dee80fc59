#!/usr/bin/env python3
"""The GPU benchmark of Qwen3-0.6B's shape: mlc's CUDA library against
PyTorch eager and torch.compile on the same weights, and mlc's GEMV kernels
against a device-to-device copy, in one run on a GPU machine.

    /usr/bin/python3 utils/bench/qwen3_gpu_bench.py bundle OUT_DIR
        [--build-dir build] [--gpu-arch sm_80,sm_90] [--max-context 2304]
    python3 OUT_DIR/qwen3_gpu_bench.py run OUT_DIR [--json FILE]
        [--checkpoint DIR] [--skip-torch] [--skip-compile] [--decode-tokens 32]

`bundle` (on the build machine: mlc built with the CUDA toolkit) writes a
folder of a few MiB that needs no MLIR/LLVM: bin/mlc-generate and
lib/libmlcrt.so; qwen3/ a Qwen3 library compiled for CUDA from Qwen3-0.6B's
config.json alone (28 layers, `mlc-compile --no-weights --target cuda
--dtype bf16`, --max-context tokens of KV cache); gemv/ the cubins (and PTX) of GEMV
kernels at the 0.6B projections' shapes, each with its launch (grid, block,
argument sizes) read from mlc-cuda-pipeline's host code; and the scripts:
this one, utils/models/qwen3_checkpoint.py, qwen3_reference.py and
utils/bench/qwen3_torch_peer.py.

`run` (on the GPU machine: Python 3 with numpy, PyTorch 2.x with CUDA, an
NVIDIA driver) measures, printing each number as it comes:
  * copy bandwidth: cuMemcpyDtoDAsync of 512 MiB, counted as bytes read +
    bytes written per second (the traffic a GEMV's bytes are compared with);
  * each GEMV kernel (1 row, f32 activations, bf16 weights, f32 sums) alone:
    the weights, the row and the result's bytes per second, and that as a
    fraction of the copy's. Weights [out, in] (a GEMV along k: what the
    Qwen3 library for CUDA uses) and [in, out] (a GEMV along n). Launched through
    the driver API (ctypes on libcuda.so.1), 20 launches captured in a CUDA
    graph, the graph replayed for about 50 ms after warm-up replays (the
    time per launch includes the gaps between the graph's kernels);
  * the Qwen3 library, with the weights of a checkpoint written there by
    qwen3_checkpoint.py (0.6b preset, seed 0; --checkpoint reuses one) and
    bound at load (`mlc-generate --weights-dir`): prefill of 512 tokens,
    and decode tokens/s at context 128 and 2048 (prefill that many tokens,
    then --decode-tokens greedy steps), with CUDA graphs and without
    (MLC_CUDA_GRAPHS=0), from mlc-generate's stats line (times end when the
    GPU is done). The decode steps' bytes (every weight, the tied table
    once as lm_head, and the KV cache rows read, bf16) at the copy's
    bandwidth (reads and writes share it) give the bound each rate is a
    fraction of;
  * PyTorch (utils/bench/qwen3_torch_peer.py: the same model with a static
    KV cache, bf16 weights and activations, on the GPU) eager and
    torch.compile(mode="reduce-overhead"), the same prompts and contexts.
The issue's targets: decode >= 1,000 tokens/s on an H100 and >= 2x PyTorch
eager; GEMV >= 80% of the copy's bandwidth. mlc stores the weights and the
KV cache in bf16 and computes in f32 (activations between kernels are f32),
PyTorch computes in bf16: the table says so. It is a measurement: the exit status is 0 whether
or not the targets are met (1 if a step failed).
"""
import argparse
import ctypes
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
COPY_BYTES = 512 << 20
GRAPH_LAUNCHES = 20  # GEMV launches per CUDA graph
PREFILL_TOKENS = 512
CONTEXTS = (128, 2048)
# The 0.6B projections (in, out) and the tied lm_head.
GEMVS = {"qkv": (1024, 4096), "o": (2048, 1024), "gate_up": (1024, 6144),
         "down": (3072, 1024), "lm_head": (1024, 151936)}


def log(message):
    print(f"qwen3_gpu_bench: {message}", file=sys.stderr, flush=True)


def prompt_ids(n, vocab=151936):
    return ",".join(str(i * 7919 % vocab) for i in range(n))


# ----------------------------------------------------------------------------
# bundle (build machine)
# ----------------------------------------------------------------------------

def gemv_function(name, k, n, along_k):
    """A GEMV y[1, n] = x[1, k] . W in linalg on tensors, W bf16 [k, n] or
    (along_k) [n, k]."""
    w_type = f"tensor<{n}x{k}xbf16>" if along_k else f"tensor<{k}x{n}xbf16>"
    w_map = "(m, n, k) -> (n, k)" if along_k else "(m, n, k) -> (k, n)"
    return f"""
func.func @{name}(%x: tensor<1x{k}xf32>, %w: {w_type}) -> tensor<1x{n}xf32> {{
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x{n}xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x{n}xf32>) -> tensor<1x{n}xf32>
  %y = linalg.generic {{indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<{w_map}>,
                        affine_map<(m, n, k) -> (m, n)>],
                        iterator_types = ["parallel", "parallel", "reduction"]}}
      ins(%x, %w : tensor<1x{k}xf32>, {w_type}) outs(%init : tensor<1x{n}xf32>) {{
  ^bb0(%a: f32, %b: bf16, %acc: f32):
    %bf = arith.extf %b : bf16 to f32
    %p = arith.mulf %a, %bf : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }} -> tensor<1x{n}xf32>
  return %y : tensor<1x{n}xf32>
}}
"""


def memref_bytes(type_text):
    m = re.fullmatch(r"memref<([0-9x]+)x(f32|bf16|f16|i64|i32)>", type_text)
    if not m:
        raise SystemExit(f"qwen3_gpu_bench: a GEMV argument of type {type_text} "
                         "(expected a static memref)")
    count = 1
    for d in m.group(1).split("x"):
        count *= int(d)
    return count * {"f32": 4, "bf16": 2, "f16": 2, "i64": 8, "i32": 4}[m.group(2)]


def read_launches(host_ir):
    """{function: {kernel, grid, block, args: [bytes of each buffer]}} from
    the gpu.launch_func ops of mlc-cuda-pipeline's host code."""
    launches, function, constants = {}, None, {}
    for line in host_ir.splitlines():
        if m := re.match(r"\s*func\.func @(\w+)", line):
            function, constants = m.group(1), {}
        if m := re.match(r"\s*(%\w+) = arith\.constant (\d+) : index", line):
            constants[m.group(1)] = int(m.group(2))
        if "gpu.launch_func" not in line:
            continue
        m = re.search(r"@\w+::@(\w+) blocks in \(([^)]*)\) threads in \(([^)]*)\).*"
                      r"args\((.*)\)", line)
        if not m or function in launches:
            raise SystemExit(f"qwen3_gpu_bench: not one launch in @{function}: {line.strip()}")
        dims = lambda text: [constants[v.strip()] for v in text.split(",")]
        args = [memref_bytes(t.strip()) for t in re.findall(r":\s*(memref<[^>]*>)", m.group(4))]
        launches[function] = {"kernel": m.group(1), "grid": dims(m.group(2)),
                              "block": dims(m.group(3)), "args": args}
    return launches


def bundle(args):
    build = os.path.abspath(args.build_dir)
    tools = {t: os.path.join(build, "bin", t) for t in ("mlc-compile", "mlc-generate", "mlc-opt")}
    for path in tools.values():
        if not os.access(path, os.X_OK):
            sys.exit(f"qwen3_gpu_bench: {path} not found; build mlc first")
    out = os.path.abspath(args.out_dir)
    if os.path.exists(out):
        shutil.rmtree(out)
    for d in ("bin", "lib", "gemv"):
        os.makedirs(os.path.join(out, d))
    shutil.copy(tools["mlc-generate"], os.path.join(out, "bin"))
    shutil.copy(os.path.join(build, "lib", "libmlcrt.so"), os.path.join(out, "lib"))
    for script in (os.path.abspath(__file__), os.path.join(HERE, "qwen3_torch_peer.py"),
                   os.path.join(ROOT, "utils", "gpu_check.py"),
                   os.path.join(ROOT, "utils", "tensor_compare.py"),
                   os.path.join(ROOT, "utils", "models", "qwen3_checkpoint.py"),
                   os.path.join(ROOT, "utils", "models", "qwen3_reference.py")):
        shutil.copy(script, out)

    # The library, from Qwen3-0.6B's config.json alone.
    sys.path.insert(0, os.path.join(ROOT, "utils", "models"))
    import qwen3_checkpoint
    work = tempfile.mkdtemp(prefix="mlc-gpu-bench-")
    try:
        config = dict(qwen3_checkpoint.PRESETS["0.6b"], torch_dtype="bfloat16")
        config_path = os.path.join(work, "config.json")
        with open(config_path, "w") as f:
            json.dump(config, f, indent=2)
        with open(os.path.join(work, "generation_config.json"), "w") as f:
            json.dump(qwen3_checkpoint.GENERATION_CONFIG, f, indent=2)
        log(f"compiling Qwen3-0.6B's shape for CUDA (--no-weights, context {args.max_context})")
        cmd = [tools["mlc-compile"], config_path, "-o", os.path.join(out, "qwen3"),
               "--target", "cuda", "--no-weights", "--dtype", "bf16",
               "--max-context", str(args.max_context),
               "--quiet"]
        if args.gpu_arch:
            cmd += ["--gpu-arch", args.gpu_arch]
        subprocess.run(cmd, check=True)

        log("compiling the GEMV kernels")
        source = os.path.join(work, "gemv.mlir")
        with open(source, "w") as f:
            for name, (k, n) in GEMVS.items():
                f.write(gemv_function(f"{name}_along_n", k, n, along_k=False))
                f.write(gemv_function(f"{name}_along_k", k, n, along_k=True))
        pipeline = "mlc-linalg-to-cuda-pipeline" + (
            f"{{gpu-arch={args.gpu_arch}}}" if args.gpu_arch else "")
        host = subprocess.run([tools["mlc-opt"], source, f"-{pipeline}",
                               f"-mlc-cuda-write-binaries=prefix={out}/gemv/"],
                              check=True, capture_output=True, text=True).stdout
    finally:
        shutil.rmtree(work, ignore_errors=True)
    launches = read_launches(host)
    manifest = {"gemv": {name: dict(launch, shape=GEMVS[name.rsplit("_along_", 1)[0]])
                         for name, launch in launches.items()},
                "max_context": args.max_context,
                "revision": subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                           capture_output=True, text=True).stdout.strip()}
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs)
    log(f"{out}: {size / 2**20:.1f} MiB")


# ----------------------------------------------------------------------------
# run (GPU machine)
# ----------------------------------------------------------------------------

class Driver:
    """The few driver API calls the GEMV and copy timings need (ctypes)."""

    def __init__(self):
        path = os.environ.get("MLC_CUDA_DRIVER", "libcuda.so.1")
        self.lib = ctypes.CDLL(path)
        self.check("cuInit", 0)
        self.device = ctypes.c_int()
        self.check("cuDeviceGet", ctypes.byref(self.device), 0)
        self.context = ctypes.c_void_p()
        self.check("cuDevicePrimaryCtxRetain", ctypes.byref(self.context), self.device)
        self.check("cuCtxPushCurrent_v2", self.context)
        self.stream = ctypes.c_void_p()
        self.check("cuStreamCreate", ctypes.byref(self.stream), 0)

    def check(self, name, *args):
        result = getattr(self.lib, name)(*args)
        if result:
            text = ctypes.c_char_p()
            self.lib.cuGetErrorName(result, ctypes.byref(text))
            raise RuntimeError(f"{name} failed: {text.value.decode() if text.value else result}")

    def name(self):
        buffer = ctypes.create_string_buffer(256)
        self.check("cuDeviceGetName", buffer, 256, self.device)
        major, minor = ctypes.c_int(), ctypes.c_int()
        self.check("cuDeviceGetAttribute", ctypes.byref(major), 75, self.device)
        self.check("cuDeviceGetAttribute", ctypes.byref(minor), 76, self.device)
        return buffer.value.decode(), major.value * 10 + minor.value

    def alloc(self, size):
        pointer = ctypes.c_uint64()
        self.check("cuMemAlloc_v2", ctypes.byref(pointer), ctypes.c_size_t(size))
        self.check("cuMemsetD8Async", pointer, ctypes.c_ubyte(0), ctypes.c_size_t(size),
                   self.stream)
        return pointer

    def free(self, pointer):
        self.check("cuMemFree_v2", pointer)

    def sync(self):
        self.check("cuStreamSynchronize", self.stream)

    def timed(self, enqueue, in_graph=1):
        """Seconds per `enqueue()` (work put on the stream): warm-up calls,
        then enough for about 50 ms. With `in_graph` > 1, that many calls are
        captured into a CUDA graph that is launched instead (a launch from
        Python takes longer than a small kernel runs); the time per call
        then includes the gaps between the graph's kernels."""
        graph, executable = ctypes.c_void_p(), ctypes.c_void_p()
        call = enqueue
        if in_graph > 1:
            self.check("cuStreamBeginCapture_v2", self.stream, 1)  # thread-local
            for _ in range(in_graph):
                enqueue()
            self.check("cuStreamEndCapture", self.stream, ctypes.byref(graph))
            self.check("cuGraphInstantiateWithFlags", ctypes.byref(executable), graph,
                       ctypes.c_ulonglong(0))
            call = lambda: self.check("cuGraphLaunch", executable, self.stream)
        try:
            for _ in range(3):
                call()
            self.sync()
            start = time.perf_counter()
            call()
            self.sync()
            n = max(10, min(5000, int(0.05 / max(time.perf_counter() - start, 1e-7))))
            start = time.perf_counter()
            for _ in range(n):
                call()
            self.sync()
            return (time.perf_counter() - start) / (n * in_graph)
        finally:
            if in_graph > 1:
                self.check("cuGraphExecDestroy", executable)
                self.check("cuGraphDestroy", graph)


def bench_copy(driver):
    src, dst = driver.alloc(COPY_BYTES), driver.alloc(COPY_BYTES)
    try:
        seconds = driver.timed(lambda: driver.check(
            "cuMemcpyDtoDAsync_v2", dst, src, ctypes.c_size_t(COPY_BYTES), driver.stream))
    finally:
        driver.free(src)
        driver.free(dst)
    return 2 * COPY_BYTES / seconds


def bench_gemvs(driver, bundle_dir, manifest, arch, copy_bandwidth, results):
    images = {f: os.path.join(bundle_dir, "gemv", f) for f in os.listdir(os.path.join(bundle_dir, "gemv"))}
    image = images.get(f"mlc_kernels.sm_{arch}.cubin") or next(
        p for f, p in sorted(images.items()) if f.endswith(".ptx"))
    with open(image, "rb") as f:
        data = f.read() + (b"\0" if image.endswith(".ptx") else b"")
    module = ctypes.c_void_p()
    driver.check("cuModuleLoadData", ctypes.byref(module), ctypes.c_char_p(data))
    log(f"GEMV kernels from {os.path.basename(image)}")
    for name, launch in manifest["gemv"].items():
        function = ctypes.c_void_p()
        driver.check("cuModuleGetFunction", ctypes.byref(function), module,
                     launch["kernel"].encode())
        buffers = [driver.alloc(size) for size in launch["args"]]
        values = [ctypes.c_uint64(b.value) for b in buffers]
        params = (ctypes.c_void_p * len(values))(
            *[ctypes.cast(ctypes.byref(v), ctypes.c_void_p) for v in values])
        grid, block = launch["grid"], launch["block"]
        try:
            seconds = driver.timed(lambda: driver.check(
                "cuLaunchKernel", function, *map(ctypes.c_uint, grid), *map(ctypes.c_uint, block),
                ctypes.c_uint(0), driver.stream, params, None), in_graph=GRAPH_LAUNCHES)
        finally:
            for b in buffers:
                driver.free(b)
        bandwidth = sum(launch["args"]) / seconds
        k, n = launch["shape"]
        results["gemv"][name] = {"k": k, "n": n, "microseconds": seconds * 1e6,
                                 "bytes_per_s": bandwidth,
                                 "of_copy": bandwidth / copy_bandwidth}
        print(f"GEMV {name:18s} {k:5d} x {n:6d}: {seconds * 1e6:8.1f} us, "
              f"{bandwidth / 1e9:7.1f} GB/s, {100 * bandwidth / copy_bandwidth:5.1f}% of the copy",
              flush=True)


def decode_bytes(checkpoint, config, context):
    """Bytes a decode step at `context` reads: every weight once (the tied
    table as lm_head), the KV cache's valid rows (bf16, as the library
    compiled with --dtype bf16 keeps them)."""
    weights = 0
    for name in os.listdir(checkpoint):
        if name.endswith(".safetensors"):
            with open(os.path.join(checkpoint, name), "rb") as f:
                header = json.loads(f.read(int.from_bytes(f.read(8), "little")))
            weights += sum(t["data_offsets"][1] - t["data_offsets"][0]
                           for key, t in header.items() if key != "__metadata__")
    head_dim = config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"]
    cache = 2 * config["num_hidden_layers"] * config["num_key_value_heads"] * head_dim * 2
    return weights + cache * context


def gpu_check():
    """utils/gpu_check.py (next to this script in the bundle, in utils/ in
    the source tree): its cuBLASLt search and GEMM-path lines."""
    folder = HERE if os.path.exists(os.path.join(HERE, "gpu_check.py")) \
        else os.path.join(ROOT, "utils")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    import gpu_check as module
    return module


def run_mlc(bundle_dir, checkpoint, prompt, new_tokens, graphs, env):
    env = dict(env, MLC_CUDA_GRAPHS="1" if graphs else "0")
    p = subprocess.run([os.path.join(bundle_dir, "bin", "mlc-generate"), "--lib",
                        os.path.join(bundle_dir, "qwen3"), "--weights-dir", checkpoint,
                        "--prompt-ids", prompt_ids(prompt), "--max-tokens", str(new_tokens)],
                       capture_output=True, text=True, env=env, timeout=1800)
    if p.returncode != 0:
        raise RuntimeError(f"mlc-generate failed: {p.stderr.strip()[-500:]}")
    stats = re.search(r"prefill (\d+) tokens in [\d.]+ ms \(([\d.]+) tokens/s\)"
                      r"(?:, decode (\d+) tokens in [\d.]+ ms \(([\d.]+) tokens/s\))?", p.stderr)
    device = re.search(r"mlc-generate: device: (.*)", p.stderr)
    graph_line = re.search(r"CUDA graphs: (.*)", p.stderr)
    return {"prefill_tokens_per_s": float(stats.group(2)),
            "decode_tokens_per_s": float(stats.group(4)) if stats.group(4) else None,
            "device": device.group(1) if device else None,
            "graphs": graph_line.group(1) if graph_line else None,
            "gemm": gpu_check().gemm_paths(p.stderr)}


def run(args):
    bundle_dir = os.path.abspath(args.bundle_dir)
    with open(os.path.join(bundle_dir, "manifest.json")) as f:
        manifest = json.load(f)
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = os.path.join(bundle_dir, "lib") + (
        ":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    # cuBLASLt for the prefill's GEMMs, and the path each shape took.
    env = gpu_check().with_cublaslt(env)
    results = {"revision": manifest["revision"], "gemv": {}, "mlc": {}, "torch": None}

    def save():
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)

    driver = Driver()
    device, arch = driver.name()
    results["device"] = device
    print(f"device: {device} (compute capability {arch // 10}.{arch % 10})", flush=True)
    copy_bandwidth = bench_copy(driver)
    results["copy_bytes_per_s"] = copy_bandwidth
    print(f"copy: {copy_bandwidth / 1e9:.1f} GB/s (read + write, {COPY_BYTES >> 20} MiB)",
          flush=True)
    bench_gemvs(driver, bundle_dir, manifest, arch, copy_bandwidth, results)
    save()

    checkpoint = args.checkpoint
    if not checkpoint:
        checkpoint = os.path.join(tempfile.gettempdir(), "mlc-gpu-bench-qwen3-0.6b")
        if not os.path.exists(os.path.join(checkpoint, "model.safetensors")):
            log(f"writing Qwen3-0.6B's shape with seeded weights into {checkpoint}")
            subprocess.run([sys.executable, os.path.join(bundle_dir, "qwen3_checkpoint.py"),
                            "--preset", "0.6b", "--seed", "0", "--out", checkpoint, "--quiet"],
                           check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(checkpoint, "config.json")) as f:
        config = json.load(f)
    runs = [("prefill", PREFILL_TOKENS, 1, True)]
    for context in CONTEXTS:
        runs += [(f"decode@{context}", context, args.decode_tokens + 1, True),
                 (f"decode@{context} no graphs", context, args.decode_tokens + 1, False)]
    for name, prompt, new_tokens, graphs in runs:
        r = run_mlc(bundle_dir, checkpoint, prompt, new_tokens, graphs, env)
        if name.startswith("decode"):
            bound = copy_bandwidth / decode_bytes(checkpoint, config, prompt)
            r["of_bound"] = r["decode_tokens_per_s"] / bound
            r["bound_tokens_per_s"] = bound
        results["mlc"][name] = r
        rate = r["prefill_tokens_per_s"] if name == "prefill" else r["decode_tokens_per_s"]
        extra = f", {100 * r['of_bound']:.0f}% of the bound {r['bound_tokens_per_s']:.0f}" \
            if "of_bound" in r else ""
        print(f"mlc {name:24s} {rate:9.1f} tokens/s{extra} ({r['graphs']})", flush=True)
        save()

    if not args.skip_torch:
        peer_json = os.path.join(tempfile.gettempdir(), "mlc-gpu-bench-torch.json")
        cmd = [sys.executable, os.path.join(bundle_dir, "qwen3_torch_peer.py"),
               "--checkpoint", checkpoint, "--device", "cuda", "--dtype", "bf16",
               "--mode", "eager" if args.skip_compile else "both",
               "--prompt-tokens", str(PREFILL_TOKENS),
               "--contexts", ",".join(map(str, CONTEXTS)),
               "--decode-tokens", str(args.decode_tokens),
               "--max-context", str(manifest["max_context"]), "--check", "--json", peer_json]
        log("PyTorch: " + " ".join(cmd[1:]))
        p = subprocess.run(cmd, text=True, timeout=3600)
        if p.returncode == 0:
            with open(peer_json) as f:
                results["torch"] = json.load(f)
        else:
            results["torch"] = {"error": f"exit status {p.returncode}"}
        save()
    report(results)
    save()
    return 0


def report(results):
    """The results as the markdown tables of the docs."""
    mlc = results["mlc"]
    columns = [("prefill", "prefill", PREFILL_TOKENS)] + \
        [(f"decode@{c}", "decode", c) for c in CONTEXTS]

    def cell(value, digits=1):
        return "-" if value is None else f"{value:.{digits}f}"

    def mlc_rate(name, phase):
        r = mlc.get(name)
        return r and r[f"{phase}_tokens_per_s"]

    rows = [("mlc, CUDA graphs", [mlc_rate(n, p) for n, p, _ in columns]),
            ("mlc, no graphs", [None] + [mlc_rate(f"{n} no graphs", p)
                                        for n, p, _ in columns[1:]])]
    modes = (results.get("torch") or {}).get("modes", {})
    for mode in ("eager", "compile"):
        values = modes.get(mode) or {}
        rows.append((f"PyTorch {mode} (bf16)",
                     [values.get("prefill_tokens_per_s")] +
                     [values.get(f"decode_{c}_tokens_per_s") for c in CONTEXTS]))
    eager = rows[2][1]
    print(f"\n{results['device']}, mlc {results['revision']}: tokens/s, batch 1\n")
    print(f"| | prefill {PREFILL_TOKENS} | " +
          " | ".join(f"decode at {c}" for c in CONTEXTS) + " |")
    print("| --- |" + " ---: |" * len(columns))
    for label, values in rows:
        print(f"| {label} | " + " | ".join(cell(v) for v in values) + " |")
    ratios = [a / b if a and b else None for a, b in zip(rows[0][1], eager)]
    print("| mlc / PyTorch eager | " + " | ".join(cell(r, 2) for r in ratios) + " |")
    print("| mlc, % of the bandwidth bound | - | " + " | ".join(
        cell(100 * mlc[n]["of_bound"], 0) if n in mlc else "-" for n, _, _ in columns[1:]) + " |")
    gemms = (mlc.get("prefill") or {}).get("gemm") or []
    if gemms:
        print("\nprefill GEMMs (the path each shape took):\n")
        for line in gemms:
            print(f"- {line}")
    print(f"\ncopy: {results['copy_bytes_per_s'] / 1e9:.0f} GB/s (read + write)\n")
    print("| GEMV (1 row, bf16 weights) | k x n | us | GB/s | % of the copy |")
    print("| --- | --- | ---: | ---: | ---: |")
    for name, g in results["gemv"].items():
        print(f"| {name} | {g['k']} x {g['n']} | {g['microseconds']:.1f} | "
              f"{g['bytes_per_s'] / 1e9:.0f} | {100 * g['of_copy']:.0f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("bundle", help="compile the library and kernels into a folder")
    b.add_argument("out_dir")
    b.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    b.add_argument("--gpu-arch", default="")
    b.add_argument("--max-context", type=int, default=2304)
    r = sub.add_parser("run", help="run the benchmark on this machine's GPU")
    r.add_argument("bundle_dir")
    r.add_argument("--json")
    r.add_argument("--checkpoint", help="a Qwen3-0.6B-shaped checkpoint to use")
    r.add_argument("--decode-tokens", type=int, default=32)
    r.add_argument("--skip-torch", action="store_true")
    r.add_argument("--skip-compile", action="store_true")
    args = parser.parse_args()
    try:
        return bundle(args) or 0 if args.command == "bundle" else run(args)
    except (RuntimeError, subprocess.CalledProcessError, OSError) as e:
        print(f"qwen3_gpu_bench: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
