#!/usr/bin/env python3
"""End-to-end test of the mlc-run tool on the fake compiled module.

usage: mlc_run_test.py MLC_RUN FAKE_MODULE WORKDIR

Runs mlc-run on .npy (and, with onnx, .pb) inputs and checks the written
output files against numpy, the stdout summary, --bench, and the exit codes
of usage errors (2), bad inputs (1) and, with a stand-in mlc-compile next to
a copy of mlc-run, the .onnx path (0, and 3 for unsupported ops).
Exits 77 (skipped) when numpy is not available.
"""
import os
import shutil
import stat
import sys

try:
    import numpy as np
except ImportError:
    print("numpy not available: skipped")
    sys.exit(77)

from mlc_run_checks import Checks

mlc_run, fake_module, work = sys.argv[1:4]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
checks = Checks(mlc_run, clear=("MLC_NUM_THREADS",))
check, expect = checks.check, checks.expect


def path(name):
    return os.path.join(work, name)


x = np.array([[1, 2, 3, 4], [-1, -2, -3, -5]], dtype=np.float32)
scale = np.array(0.5, dtype=np.float64)
np.save(path("x.npy"), x)
np.save(path("scale.npy"), scale)
w = np.array([1, 2, 3, 4], dtype=np.float32)
y = x * w * np.float32(scale)

# A successful run that writes its outputs.
out_dir = path("out")
out, _ = expect("run writes outputs",
                [fake_module, path("x.npy"), path("scale.npy"),
                 "--output-dir", out_dir], 0,
                stdout_has=["output 0 'y': f32 [2, 4]", "output 1 'total': f64 []",
                            "output 2 'y_alias': f32 [2, 4]", "min -10  max 8",
                            "values [0.5, 2, 4.5, 8, -0.5, -2, -4.5, -10]"])
check("no device line for a CPU module", "device:" not in out, out)
for i, expected in enumerate([y, np.array(y.sum(dtype=np.float64)), y]):
    file = os.path.join(out_dir, f"output_{i}.npy")
    got = np.load(file) if os.path.exists(file) else None
    check(f"output_{i}.npy", got is not None and got.dtype == expected.dtype
          and got.shape == expected.shape and np.array_equal(got, expected),
          f"  got {got!r}, expected {expected!r}")

# Without --output-dir nothing is written; --bench prints latencies;
# MLC_NUM_THREADS is accepted; the option may come first, and as --opt=value.
before = set(os.listdir(work))
expect("run without writing", [fake_module, path("x.npy"), path("scale.npy")], 0)
check("nothing written", set(os.listdir(work)) == before)
expect("bench", ["--bench=3", fake_module, path("x.npy"), path("scale.npy")], 0,
       stdout_has=["bench: 3 runs after a warm-up run: min", "median"],
       env={"MLC_NUM_THREADS": "2"})

# .pb inputs (written by onnx when it is available).
try:
    from onnx import numpy_helper
    with open(path("x.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x, "x").SerializeToString())
    expect("run on a .pb input",
           [fake_module, path("x.pb"), path("scale.npy"), "--output-dir",
            path("out_pb")], 0, stdout_has=["output 0 'y': f32 [2, 4]"])
    check("pb output", np.array_equal(np.load(path("out_pb/output_0.npy")), y))
except ImportError:
    print("onnx not available: .pb input not tested")

# Usage errors: exit code 2.
expect("no arguments", [], 2, stderr_has=["no model given", "usage: mlc-run"])
expect("unknown option", [fake_module, "--frobnicate"], 2,
       stderr_has=["unknown option '--frobnicate'"])
expect("bad --bench", [fake_module, "--bench", "0"], 2,
       stderr_has=["--bench needs a positive number of runs, got '0'"])
expect("missing --output-dir value", [fake_module, "--output-dir"], 2,
       stderr_has=["option '--output-dir' needs a value"])
expect("help", ["--help"], 0, stdout_has=["usage: mlc-run", "bf16", "float32"])

# Bad inputs: exit code 1, with messages naming the input or file.
expect("wrong input count", [fake_module, path("x.npy")], 1,
       stderr_has=["takes 2 inputs, got 1 file", "0: 'x' f32 [?, 4]",
                   "1: 'scale factor' f64 []"])
np.save(path("x_i64.npy"), x.astype(np.int64))
expect("wrong dtype", [fake_module, path("x_i64.npy"), path("scale.npy")], 1,
       stderr_has=["input 'x': expected dtype f32, got i64"])
np.save(path("x_wide.npy"), np.zeros((2, 5), np.float32))
expect("wrong dim", [fake_module, path("x_wide.npy"), path("scale.npy")], 1,
       stderr_has=["input 'x' dimension 1: expected 4, got 5"])
expect("missing file", [fake_module, path("nope.npy"), path("scale.npy")], 1,
       stderr_has=[f"cannot open '{path('nope.npy')}'"])
with open(path("broken.npy"), "wb") as f:
    f.write(open(path("x.npy"), "rb").read()[:140])
expect("truncated npy", [fake_module, path("broken.npy"), path("scale.npy")], 1,
       stderr_has=[path("broken.npy"), "truncated"])
expect("missing model", [path("nope.so")], 1, stderr_has=[path("nope.so")])
expect("bad MLC_NUM_THREADS", [fake_module, path("x.npy"), path("scale.npy")], 1,
       stderr_has=["MLC_NUM_THREADS='abc' is not a positive integer"],
       env={"MLC_NUM_THREADS": "abc"})
with open(path("blocker"), "w") as f:
    f.write("a file, not a directory")
expect("output dir is a file",
       [fake_module, path("x.npy"), path("scale.npy"), "--output-dir",
        path("blocker")], 1, stderr_has=["is not a directory"])

# .onnx models go through the mlc-compile next to mlc-run: test with a copy of
# mlc-run beside stand-in compilers.
tool_dir = path("tools")
os.makedirs(tool_dir)
run_copy = os.path.join(tool_dir, "mlc-run")
shutil.copy(mlc_run, run_copy)
onnx_model = path("model.onnx")
open(onnx_model, "w").close()
tmp = path("tmp")
os.makedirs(tmp)


def stand_in_compiler(body):
    compiler = os.path.join(tool_dir, "mlc-compile")
    with open(compiler, "w") as f:
        f.write("#!/bin/sh\n" + body + "\n")
    os.chmod(compiler, os.stat(compiler).st_mode | stat.S_IEXEC)


expect("onnx without mlc-compile", [onnx_model], 1, exe=run_copy,
       stderr_has=["mlc-compile not found at", tool_dir])
stand_in_compiler(f'[ "$2" = -o ] || exit 2\necho compiling "$1"\n'
                  f'cp "{fake_module}" "$3"')
expect("onnx compiled and run",
       [onnx_model, path("x.npy"), path("scale.npy"), "--output-dir",
        path("out_onnx")], 0, exe=run_copy, env={"TMPDIR": tmp},
       stdout_has=["output 0 'y': f32 [2, 4]"],
       stderr_has=[f"compiling {onnx_model}"])
check("onnx output", np.array_equal(np.load(path("out_onnx/output_0.npy")), y))
check("temporary directory removed", os.listdir(tmp) == [], str(os.listdir(tmp)))
stand_in_compiler('echo "error: unsupported op FancyOp" >&2\nexit 3')
expect("onnx unsupported ops", [onnx_model], 3, exe=run_copy,
       env={"TMPDIR": tmp}, stderr_has=["unsupported op FancyOp",
                                        "uses ops that mlc does not support"])
stand_in_compiler('echo "error: broken model" >&2\nexit 1')
expect("onnx compile error", [onnx_model], 1, exe=run_copy,
       env={"TMPDIR": tmp},
       stderr_has=["broken model", "mlc-compile failed", "exit status 1"])
check("temporary directories removed", os.listdir(tmp) == [], str(os.listdir(tmp)))

checks.finish("mlc-run")
