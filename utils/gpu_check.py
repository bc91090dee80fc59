#!/usr/bin/env python3
"""The GPU check: models compiled here for CUDA, run on a machine with an
NVIDIA GPU that has no MLIR/LLVM, compared with references made here.

    /usr/bin/python3 utils/gpu_check.py bundle OUT_DIR [--onnx-subset FILE]
        [--onnx-filter REGEX] [--models decoder_block,mobilenet_v2,resnet18]
        [--qwen3 tiny,0.6b] [--gpu-arch sm_80,sm_90] [--limit-mb 60]
        [--build-dir build]
    python3 OUT_DIR/gpu_check.py run OUT_DIR [--results FILE]
    /usr/bin/python3 utils/gpu_check.py selftest WORK_DIR [--build-dir build]

`bundle` (on the build machine: needs mlc built with the CUDA toolkit,
ONNX and PyTorch) writes a self-contained folder:

  bin/mlc-run, bin/mlc-generate, lib/libmlcrt.so
                                 the runtime-only runners (no MLIR/LLVM)
  gpu_check.py, tensor_compare.py, qwen3_checkpoint.py
  onnx/NAME/model.so ...         ONNX backend node tests, compiled with
                                 mlc-compile --target cuda; inputs (.pb) and
                                 ONNX's expected outputs (as .npy)
  models/NAME/model.so ...       models of utils/models/export_models.py:
                                 inputs, PyTorch's outputs and mlc's CPU
                                 outputs (the path every GPU result must
                                 agree with)
  qwen3/NAME-DTYPE/lib/libqwen3.so ...
                                 Qwen3 libraries compiled for CUDA from
                                 config.json alone (--no-weights) and the
                                 logits and greedy tokens of the CPU library
                                 compiled with the weights and the same
                                 --dtype: tiny (2 layers, hidden 64) and 0.6b
                                 (Qwen3-0.6B's widths, 2 layers), each with
                                 --dtype f32 and bf16 (--qwen3-dtypes). The
                                 weights (bf16) are not carried: `run`
                                 writes the same seeded checkpoint with
                                 qwen3_checkpoint.py (numpy only), checks it
                                 against the bundle's SHA-256 sums and binds
                                 it at load (mlc-generate --weights-dir)
  manifest.json                  the tests, their files and tolerances, and
                                 the tests that did not compile for CUDA

It refuses to write more than --limit-mb (what a GPU session can carry);
select fewer tests or models then.

`run` (on the GPU machine: Python 3 with numpy, an NVIDIA driver) runs every
test with bin/mlc-run, prints the device and image the runtime chose,
PASS / FAIL (why) per test and the totals, and writes them as JSON to
--results. Node tests use ONNX's tolerances (rtol 1e-3, atol 1e-7); models
rtol 1e-4 of the largest reference value against both references, as the
CPU tests do. Each test's detail lists the path every GEMM shape took
(cuBLASLt, or mlc's kernel and why: MLC_CUDA_GEMM_LOG); cuBLASLt is the
system's, or PyTorch's wheel's where the system has none. A test whose
GEMMs ran on cuBLASLt runs again with MLC_CUBLASLT=off, "NAME (mlc
kernels)", so that mlc's matmul kernels are checked on the GPU too. Qwen3: the logits of every prompt position and decode step
against the CPU library's, relative to the largest CPU logit: within 1e-4
and the greedy tokens equal for --dtype f32 (f32 matrices and KV cache);
within 1e-3 for --dtype bf16 (bf16 matrices and KV cache, f32 compute),
whose tokens are reported but need not be equal: a key or value that sits
on a bf16 rounding boundary rounds the other way after f32 sums in another
order (on the CPU, the f32 and f64 PyTorch references with a bf16 cache
differ by up to 6e-4 of the largest logit; test/models/qwen3.test). It
exits 0 only if every test passed. Without a GPU every
test fails with the runtime's message (no driver, no device), which is
reported once as SKIPPED with exit status 77.

`selftest` (the test command's GPU execution test) bundles the node tests
of utils/onnx-conformance-subset.txt and the tiny Qwen3 into WORK_DIR and
runs them here:
SKIPPED (exit status 77, which ctest reports as skipped) on a machine
without a GPU or without the CUDA toolkit to compile for one.
"""
import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from tensor_compare import compare  # noqa: E402

ROOT = os.path.dirname(HERE)
# Exit status of `run` when there is no GPU to run on (ctest's SKIP).
SKIPPED = 77
NO_DEVICE = re.compile(r"no CUDA driver|no CUDA device|stub library")


def log(message):
    print(f"gpu_check: {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------
# bundle (build machine)
# ----------------------------------------------------------------------------

def folder_bytes(path):
    return sum(os.path.getsize(os.path.join(d, f))
               for d, _, files in os.walk(path) for f in files)


def compile_cuda(tools, model, library, gpu_arch, shapes, timeout=600):
    """None if `model` compiled, else the first line of the error. `shapes`
    (of the inputs it will run on) fix the dimensions the model leaves
    dynamic: CUDA kernels have static shapes."""
    cmd = [tools["mlc-compile"], model, "-o", library, "--quiet", "--target", "cuda"]
    if gpu_arch:
        cmd += ["--gpu-arch", gpu_arch]
    if shapes:
        cmd += ["--input-shape",
                ",".join("x".join(map(str, shape)) if shape else "scalar" for shape in shapes)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode == 0:
        return None
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    return (lines[0] if lines else f"exit status {p.returncode}")[:300]


def bundle_onnx(args, tools, out, manifest):
    import onnx_conformance as conf  # ONNX is needed here only.

    for folder in conf.select_tests(args.onnx_data, args.onnx_subset, args.onnx_filter):
        name = os.path.basename(folder)
        model, ops, skipped = conf.load_test_model(folder)
        if skipped:
            manifest["not_compiled"].append({"name": name, "why": skipped.detail})
            continue
        dest = os.path.join(out, "onnx", name)
        os.makedirs(dest)
        inputs, outputs = conf.test_files(folder)
        why = compile_cuda(tools, os.path.join(folder, "model.onnx"),
                           os.path.join(dest, "model.so"), args.gpu_arch,
                           [conf.load_tensor(p).shape for p in inputs])
        if why:
            shutil.rmtree(dest)
            manifest["not_compiled"].append({"name": name, "why": why})
            continue
        test = {"name": name, "kind": "onnx", "module": f"onnx/{name}/model.so",
                "inputs": [], "references": [{"what": "ONNX", "rtol": 1e-3, "atol": 1e-7,
                                              "outputs": []}]}
        for path in inputs:
            shutil.copy(path, dest)
            test["inputs"].append(f"onnx/{name}/{os.path.basename(path)}")
        for i, path in enumerate(outputs):
            want = conf.load_tensor(path)
            if conf.output_is_bf16(model, i) and want.dtype == np.uint16:
                want = (want.astype(np.uint32) << 16).view(np.float32)
            np.save(os.path.join(dest, f"expected_{i}.npy"), want)
            test["references"][0]["outputs"].append(f"onnx/{name}/expected_{i}.npy")
        manifest["tests"].append(test)


def bundle_models(args, tools, out, manifest):
    names = [n for n in args.models.split(",") if n]
    if not names:
        return
    work = tempfile.mkdtemp(prefix="mlc-gpu-models-")
    try:
        log(f"exporting {', '.join(names)} (utils/models/export_models.py)")
        subprocess.run([sys.executable, os.path.join(ROOT, "utils", "models", "export_models.py"),
                        work, "--models", ",".join(names)], check=True)
        for name in names:
            dest = os.path.join(out, "models", name)
            os.makedirs(dest)
            onnx_path = os.path.join(work, f"{name}.onnx")
            inputs = sorted(f for f in os.listdir(work)
                            if f.startswith(f"{name}.input_") and f.endswith(".npy"))
            why = compile_cuda(tools, onnx_path, os.path.join(dest, "model.so"), args.gpu_arch,
                               [np.load(os.path.join(work, f)).shape for f in inputs])
            if why:
                shutil.rmtree(dest)
                manifest["not_compiled"].append({"name": name, "why": why})
                continue
            torch_outputs = sorted(f for f in os.listdir(work)
                                   if f.startswith(f"{name}.output_") and f.endswith(".npy"))
            for f in inputs + torch_outputs:
                shutil.copy(os.path.join(work, f), dest)
            # mlc's CPU outputs on the same inputs.
            cpu_library = os.path.join(work, f"{name}.cpu.so")
            cpu_out = os.path.join(work, f"{name}.cpu")
            subprocess.run([tools["mlc-compile"], onnx_path, "-o", cpu_library, "--quiet"],
                           check=True)
            subprocess.run([tools["mlc-run"], cpu_library,
                            *[os.path.join(work, f) for f in inputs], "--output-dir", cpu_out],
                           check=True, stdout=subprocess.DEVNULL)
            cpu_outputs = []
            for i in range(len(torch_outputs)):
                shutil.copy(os.path.join(cpu_out, f"output_{i}.npy"),
                            os.path.join(dest, f"cpu.output_{i}.npy"))
                cpu_outputs.append(f"models/{name}/cpu.output_{i}.npy")
            manifest["tests"].append({
                "name": name, "kind": "model", "module": f"models/{name}/model.so",
                "inputs": [f"models/{name}/{f}" for f in inputs],
                "references": [
                    {"what": "PyTorch", "relative_to_max": 1e-4,
                     "outputs": [f"models/{name}/{f}" for f in torch_outputs]},
                    {"what": "mlc CPU", "relative_to_max": 1e-4, "outputs": cpu_outputs}]})
    finally:
        shutil.rmtree(work, ignore_errors=True)


# Qwen3 checkpoints (utils/models/qwen3_checkpoint.py arguments), the prompt
# (token ids) and the tokens generated (greedy; the first from the prefill).
QWEN3 = {"tiny": ["--preset", "tiny", "--seed", "1"],
         "0.6b": ["--preset", "0.6b", "--layers", "2", "--seed", "3"]}
# 40 prompt tokens: from 32 rows a bf16 prefill's projections and lm_head
# go to cuBLASLt as split GEMMs, below to mlc's matmul kernel. The bundle
# keeps the prefill logits of QWEN3_PREFILL_ROWS only (151936 columns a row).
QWEN3_PROMPT = ",".join(str(t) for t in [9707, 11, 1879, 0, 358, 1079, 264, 1614] +
                        [(7919 * i + 101) % 151936 for i in range(32)])
QWEN3_PREFILL_ROWS = [0, 8, 16, 24, 32, 39]
QWEN3_TOKENS = 9
QWEN3_CONTEXT = 64
QWEN3_OUTPUTS = ("prefill_logits", "decode_logits", "tokens")
# mlc-compile --dtype: the tolerance relative to the largest CPU logit, and
# whether the greedy tokens must be equal (see the module docstring).
QWEN3_DTYPES = {"f32": (1e-4, True), "bf16": (1e-3, False)}
QWEN3_GENERATOR = os.path.join(ROOT, "utils", "models", "qwen3_checkpoint.py")


def sha256_files(folder):
    import hashlib
    sums = {}
    for name in sorted(os.listdir(folder)):
        digest = hashlib.sha256()
        with open(os.path.join(folder, name), "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        sums[name] = digest.hexdigest()
    return sums


def write_qwen3_checkpoint(generator, args, folder):
    subprocess.run([sys.executable, generator, "--out", folder, "--quiet", *args], check=True,
                   stdout=subprocess.DEVNULL)


def generate(mlc_generate, library, out, env=None, weights_dir=None):
    """mlc-generate's run of the check (its logits into `out`): the
    completed process."""
    cmd = [mlc_generate, "--lib", library, "--prompt-ids", QWEN3_PROMPT,
           "--max-tokens", str(QWEN3_TOKENS), "--dump-logits", out]
    if weights_dir:
        cmd += ["--weights-dir", weights_dir]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1200)


def bundle_qwen3(args, tools, out, manifest):
    names = [n for n in args.qwen3.split(",") if n]
    for name in names:
        if name not in QWEN3:
            sys.exit(f"gpu_check: unknown Qwen3 checkpoint '{name}' "
                     f"(available: {', '.join(QWEN3)})")
    dtypes = [d for d in args.qwen3_dtypes.split(",") if d]
    for dtype in dtypes:
        if dtype not in QWEN3_DTYPES:
            sys.exit(f"gpu_check: unknown --qwen3-dtypes entry '{dtype}' "
                     f"(available: {', '.join(QWEN3_DTYPES)})")
    if not names or not dtypes:
        return
    shutil.copy(QWEN3_GENERATOR, out)
    work = tempfile.mkdtemp(prefix="mlc-gpu-qwen3-")
    try:
        for name in names:
            checkpoint = os.path.join(work, name)
            write_qwen3_checkpoint(QWEN3_GENERATOR, QWEN3[name], checkpoint)
            for dtype in dtypes:
                test = f"{name}-{dtype}"
                log(f"Qwen3 {test}: CUDA library, CPU reference")
                dest = os.path.join(out, "qwen3", test)
                os.makedirs(dest)
                cmd = [tools["mlc-compile"], os.path.join(checkpoint, "config.json"), "-o",
                       os.path.join(dest, "lib"), "--target", "cuda", "--no-weights",
                       "--dtype", dtype, "--max-context", str(QWEN3_CONTEXT), "--quiet"]
                if args.gpu_arch:
                    cmd += ["--gpu-arch", args.gpu_arch]
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
                if p.returncode != 0:
                    shutil.rmtree(dest)
                    lines = [l for l in p.stderr.splitlines() if l.strip()]
                    manifest["not_compiled"].append(
                        {"name": f"qwen3-{test}", "why": (lines or ["?"])[0][:300]})
                    continue
                cpu_library = os.path.join(work, f"{test}.cpu")
                p = subprocess.run([tools["mlc-compile"], checkpoint, "-o", cpu_library,
                                    "--dtype", dtype, "--max-context", str(QWEN3_CONTEXT),
                                    "--quiet"], capture_output=True, text=True)
                if p.returncode != 0:
                    sys.exit(f"gpu_check: mlc-compile of Qwen3 {test} for the CPU failed: "
                             f"{p.stderr}")
                reference = os.path.join(work, f"{test}.ref")
                p = generate(tools["mlc-generate"], cpu_library, reference)
                if p.returncode != 0:
                    sys.exit(f"gpu_check: the CPU library of Qwen3 {test} failed: {p.stderr}")
                for what in QWEN3_OUTPUTS:
                    data = np.load(os.path.join(reference, f"{what}.npy"))
                    if what == "prefill_logits":
                        data = data[QWEN3_PREFILL_ROWS]
                    np.save(os.path.join(dest, f"cpu.{what}.npy"), data)
                limit, tokens_equal = QWEN3_DTYPES[dtype]
                manifest["tests"].append({
                    "name": f"qwen3-{test}", "kind": "qwen3", "library": f"qwen3/{test}/lib",
                    "checkpoint": {"generator_args": QWEN3[name],
                                   "sha256": sha256_files(checkpoint)},
                    "references": [{"what": "mlc CPU", "relative_to_max": limit,
                                    "tokens_must_be_equal": tokens_equal,
                                    "outputs": {w: f"qwen3/{test}/cpu.{w}.npy"
                                                for w in QWEN3_OUTPUTS}}]})
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bundle(args):
    build = os.path.abspath(args.build_dir)
    tools = {t: os.path.join(build, "bin", t)
             for t in ("mlc-compile", "mlc-run", "mlc-generate")}
    for path in tools.values():
        if not os.access(path, os.X_OK):
            sys.exit(f"gpu_check: {path} not found; build mlc first")
    out = os.path.abspath(args.out_dir)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(os.path.join(out, "bin"))
    os.makedirs(os.path.join(out, "lib"))
    shutil.copy(tools["mlc-run"], os.path.join(out, "bin"))
    shutil.copy(tools["mlc-generate"], os.path.join(out, "bin"))
    shutil.copy(os.path.join(build, "lib", "libmlcrt.so"), os.path.join(out, "lib"))
    for script in ("gpu_check.py", "tensor_compare.py"):
        shutil.copy(os.path.join(HERE, script), out)
    revision = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
    manifest = {"created": datetime.datetime.now().isoformat(timespec="seconds"),
                "revision": revision, "gpu_arch": args.gpu_arch or "sm_80,sm_90",
                "tests": [], "not_compiled": []}
    if args.onnx_subset or args.onnx_filter:
        bundle_onnx(args, tools, out, manifest)
    bundle_models(args, tools, out, manifest)
    bundle_qwen3(args, tools, out, manifest)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    size = folder_bytes(out) / 2**20
    log(f"{out}: {len(manifest['tests'])} tests, {size:.1f} MiB; "
        f"{len(manifest['not_compiled'])} did not compile for CUDA")
    for entry in manifest["not_compiled"]:
        log(f"  not compiled: {entry['name']}: {entry['why']}")
    if size > args.limit_mb:
        sys.exit(f"gpu_check: the bundle is {size:.1f} MiB, more than --limit-mb "
                 f"{args.limit_mb}: select fewer tests or models")


# ----------------------------------------------------------------------------
# run (GPU machine)
# ----------------------------------------------------------------------------

def model_output_error(got, want, limit):
    """(problem or None, the error): relative to the largest reference
    value, as utils/models/compare_outputs.py."""
    if got.shape != want.shape or got.dtype != want.dtype:
        return f"{got.dtype} {list(got.shape)}, expected {want.dtype} {list(want.shape)}", None
    if not np.isfinite(got).all():
        return f"{np.count_nonzero(~np.isfinite(got))} non-finite values", None
    scale = float(np.max(np.abs(want))) or 1.0
    error = float(np.max(np.abs(got.astype(np.float64) - want))) / scale
    return (None if error <= limit else f"relative error {error:.3g} > {limit:g}"), error


def check_model_output(got, want, limit):
    return model_output_error(got, want, limit)[0]


def run_qwen3(bundle_dir, test, env, work):
    """A Qwen3 test: (status, detail, device)."""
    checkpoint = os.path.join(work, "checkpoint")
    write_qwen3_checkpoint(os.path.join(bundle_dir, "qwen3_checkpoint.py"),
                           test["checkpoint"]["generator_args"], checkpoint)
    sums = sha256_files(checkpoint)
    if sums != test["checkpoint"]["sha256"]:
        differ = sorted(n for n in set(sums) | set(test["checkpoint"]["sha256"])
                        if sums.get(n) != test["checkpoint"]["sha256"].get(n))
        return "FAIL", (f"the checkpoint written here differs from the bundle's in "
                        f"{', '.join(differ)} (numpy {np.__version__})"), None
    p = generate(os.path.join(bundle_dir, "bin", "mlc-generate"),
                 os.path.join(bundle_dir, test["library"]), work, env, checkpoint)
    device = next((l.split("device:", 1)[1].strip() for l in p.stderr.splitlines()
                   if l.startswith("mlc-generate: device:")), None)
    if p.returncode != 0:
        lines = [l for l in p.stderr.splitlines() if "error" in l] or p.stderr.splitlines()
        return "FAIL", (lines[0] if lines else f"exit {p.returncode}")[:300], device
    problems, notes = [], []
    for reference in test["references"]:
        for what, path in reference["outputs"].items():
            got = np.load(os.path.join(work, f"{what}.npy"))
            want = np.load(os.path.join(bundle_dir, path))
            if what == "prefill_logits":
                got = got[QWEN3_PREFILL_ROWS]
            if what == "tokens":
                if np.array_equal(got, want):
                    notes.append("greedy tokens equal")
                    continue
                differ = f"greedy tokens {got.tolist()}, expected {want.tolist()}"
                if reference.get("tokens_must_be_equal", True):
                    problems.append(f"{what} vs {reference['what']}: {differ}")
                else:
                    notes.append(f"{differ} (allowed for this dtype)")
                continue
            problem, error = model_output_error(got, want, reference["relative_to_max"])
            if problem:
                problems.append(f"{what} vs {reference['what']}: {problem}")
            else:
                notes.append(f"{what} within {error:.2g}")
    speeds = next((l.split(":", 1)[1].strip() for l in p.stderr.splitlines()
                   if l.startswith("mlc-generate: prefill")), "")
    notes += [f"gemm {g}" for g in gemm_paths(p.stderr)]
    if problems:
        return "FAIL", "; ".join(problems + [n for n in notes
                                             if "tokens" in n or n.startswith("gemm")]), device
    return "PASS", "; ".join([speeds] + notes), device


def run_one(bundle_dir, test, env):
    work = tempfile.mkdtemp(prefix="mlc-gpu-run-")
    try:
        if test["kind"] == "qwen3":
            return run_qwen3(bundle_dir, test, env, work)
        cmd = [os.path.join(bundle_dir, "bin", "mlc-run"),
               os.path.join(bundle_dir, test["module"]),
               *[os.path.join(bundle_dir, p) for p in test["inputs"]], "--output-dir", work]
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
        device = next((l.split(":", 1)[1].strip() for l in p.stdout.splitlines()
                       if l.startswith("device:")), None)
        if p.returncode != 0:
            lines = [l for l in p.stderr.splitlines() if l.strip()]
            return "FAIL", (lines[0] if lines else f"exit {p.returncode}")[:300], device
        problems = []
        for reference in test["references"]:
            for i, path in enumerate(reference["outputs"]):
                got_path = os.path.join(work, f"output_{i}.npy")
                if not os.path.exists(got_path):
                    return "FAIL", f"output {i} missing", device
                got, want = np.load(got_path), np.load(os.path.join(bundle_dir, path))
                if "relative_to_max" in reference:
                    problem = check_model_output(got, want, reference["relative_to_max"])
                else:
                    problem = compare(got, want, reference["rtol"], reference["atol"])
                if problem:
                    problems.append(f"output {i} vs {reference['what']}: {problem}")
        gemms = "; ".join(f"gemm {g}" for g in gemm_paths(p.stderr))
        return (("FAIL", "; ".join(problems + ([gemms] if gemms else [])), device)
                if problems else ("PASS", gemms, device))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def with_cublaslt(env):
    """`env` with MLC_CUBLASLT set to PyTorch's cuBLASLt (the nvidia-cublas
    wheel's libcublasLt.so) where the runtime's own search (libcublasLt.so.13
    and .12 on the loader's path, /usr/local/cuda/lib64) would find none,
    and MLC_CUDA_GEMM_LOG set, so that the runtime says which path each GEMM
    shape took (gemm_paths)."""
    env = dict(env, MLC_CUDA_GEMM_LOG="1")
    if env.get("MLC_CUBLASLT"):
        return env
    import ctypes
    import glob
    for name in ("libcublasLt.so.13", "libcublasLt.so.12",
                 "/usr/local/cuda/lib64/libcublasLt.so.13",
                 "/usr/local/cuda/lib64/libcublasLt.so.12"):
        try:
            ctypes.CDLL(name)
            return env
        except OSError:
            pass
    for folder in sys.path:
        found = sorted(glob.glob(os.path.join(folder, "nvidia", "cublas*", "lib",
                                              "libcublasLt.so.*")))
        if found:
            print(f"cuBLASLt: {found[-1]} (MLC_CUBLASLT)")
            return dict(env, MLC_CUBLASLT=found[-1])
    print("cuBLASLt: none found; GEMMs run as mlc's kernels")
    return env


def gemm_paths(stderr):
    """The runtime's lines on which path each GEMM shape took."""
    return sorted({l.split("mlc: gemm", 1)[1].strip(" :")
                   for l in stderr.splitlines() if l.startswith("mlc: gemm")})


def run(args):
    bundle_dir = os.path.abspath(args.bundle_dir)
    with open(os.path.join(bundle_dir, "manifest.json")) as f:
        manifest = json.load(f)
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = os.path.join(bundle_dir, "lib") + (
        ":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    env = with_cublaslt(env)
    results, devices = [], set()
    for test in manifest["tests"]:
        status, detail, device = run_one(bundle_dir, test, env)
        if status == "FAIL" and NO_DEVICE.search(detail):
            print(f"SKIPPED: no GPU to run on ({detail})")
            return SKIPPED
        runs = [(test["name"], status, detail)]
        if "cuBLASLt " in detail:
            # Its GEMMs ran on cuBLASLt: mlc's matmul kernels too, once.
            status, detail, _ = run_one(bundle_dir, test, dict(env, MLC_CUBLASLT="off"))
            runs.append((test["name"] + " (mlc kernels)", status, detail))
        if device:
            devices.add(device)
        for name, status, detail in runs:
            results.append({"name": name, "kind": test["kind"], "status": status,
                            "detail": detail})
            print(f"{status} {name}" + (f" ({detail})" if detail else ""), flush=True)
    for entry in manifest["not_compiled"]:
        print(f"NOT COMPILED {entry['name']} ({entry['why']})")
    passed = sum(r["status"] == "PASS" for r in results)
    print(f"device: {'; '.join(sorted(devices)) or 'unknown'}")
    print(f"{passed} passed, {len(results) - passed} failed (of {len(results)} run); "
          f"{len(manifest['not_compiled'])} not compiled for CUDA; bundle of "
          f"{manifest['created']} (mlc {manifest['revision']}, {manifest['gpu_arch']})")
    if args.results:
        with open(args.results, "w") as f:
            json.dump({"manifest": {k: manifest[k] for k in ("created", "revision", "gpu_arch")},
                       "devices": sorted(devices), "results": results,
                       "not_compiled": manifest["not_compiled"]}, f, indent=1)
    return 0 if passed == len(results) else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("bundle", help="compile the tests for CUDA into a folder")
    b.add_argument("out_dir")
    b.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    b.add_argument("--onnx-data", default="/usr/share/libonnx-testdata/data/node")
    b.add_argument("--onnx-subset", help="file listing node tests, one per line")
    b.add_argument("--onnx-filter", help="regex over node test names")
    b.add_argument("--models", default="",
                   help="models of utils/models/export_models.py, comma-separated")
    b.add_argument("--qwen3", default="",
                   help=f"Qwen3 checkpoints, comma-separated: {', '.join(QWEN3)}")
    b.add_argument("--qwen3-dtypes", default="f32,bf16",
                   help="mlc-compile --dtype of each Qwen3 test, comma-separated "
                        "(default f32,bf16)")
    b.add_argument("--gpu-arch", default="", help="mlc-compile --gpu-arch")
    b.add_argument("--limit-mb", type=float, default=60)
    r = sub.add_parser("run", help="run a bundle on this machine's GPU")
    r.add_argument("bundle_dir")
    r.add_argument("--results", help="write the results here as JSON")
    t = sub.add_parser("selftest", help="bundle the ONNX subset and the tiny Qwen3, run them here")
    t.add_argument("work_dir")
    t.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    args = parser.parse_args()
    if args.command == "bundle":
        bundle(args)
        return 0
    if args.command == "selftest":
        ptxas = shutil.which("ptxas") or "/usr/local/cuda/bin/ptxas"
        if not os.access(ptxas, os.X_OK):
            print("SKIPPED: no CUDA toolkit (ptxas) to compile kernels with")
            return SKIPPED
        bundle_dir = os.path.join(args.work_dir, "bundle")
        bundle(parser.parse_args(
            ["bundle", bundle_dir, "--build-dir", args.build_dir, "--onnx-subset",
             os.path.join(ROOT, "utils", "onnx-conformance-subset.txt"), "--qwen3", "tiny"]))
        return run(parser.parse_args(["run", bundle_dir, "--results",
                                      os.path.join(args.work_dir, "results.json")]))
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
