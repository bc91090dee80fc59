#!/usr/bin/env python3
"""End-to-end test of mlc-run on the fake CUDA module and the fake driver.

usage: mlc_run_cuda_test.py MLC_RUN FAKE_CUDA_MODULE FAKE_CUDA_DRIVER WORKDIR

Checks the device line mlc-run prints for a CUDA module (cubin and PTX
images), the outputs copied back from the "device" against numpy, that every
timed --bench run ends waiting for the stream, and the errors for a missing
driver and a GPU the module has no image for. Exits 77 (skipped) when numpy
is not available.
"""
import os
import shutil
import sys

try:
    import numpy as np
except ImportError:
    print("numpy not available: skipped")
    sys.exit(77)

from mlc_run_checks import Checks

mlc_run, module, driver, work = sys.argv[1:5]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
log = os.path.join(work, "driver.log")
checks = Checks(mlc_run, clear=("MLC_CUDA", "FAKE_CUDA"),
                env={"MLC_CUDA_DRIVER": driver, "FAKE_CUDA_LOG": log})
check = checks.check


def expect(*args, **kw):
    """checks.expect, with a fresh driver log."""
    if os.path.exists(log):
        os.remove(log)
    return checks.expect(*args, **kw)


def log_lines():
    with open(log) as f:
        return f.read().splitlines()


x = np.array([[1, 2, 3, 4], [-1, -2, -3, -5]], dtype=np.float32)
x_file = os.path.join(work, "x.npy")
np.save(x_file, x)
w = np.array([1, 2, 3, 4], dtype=np.float32)
b = np.array([0.5, 0, 0, -1], dtype=np.float32)
y = x * w + b

out_dir = os.path.join(work, "out")
out, _ = expect("cubin run", [module, x_file, "--output-dir", out_dir], 0,
                stdout_has=["output 0 'y': f32 [2, 4]",
                            "output 1 'total': f32 []"])
check("device line first",
      out.startswith("device: cuda:0 Fake GPU (compute capability 9.0, "
                     "1.0 GiB), sm_90 cubin\n"), out)
got = np.load(os.path.join(out_dir, "output_0.npy"))
check("y copied back", np.array_equal(got, y), f"  got {got!r}, want {y!r}")
total = np.load(os.path.join(out_dir, "output_1.npy"))
check("total copied back", total == y.sum(dtype=np.float32), repr(total))

expect("ptx run", [module, x_file], 0, env={"FAKE_CUDA_CC": "10.0"},
       stdout_has=["device: cuda:0 Fake GPU (compute capability 10.0, "
                   "1.0 GiB), sm_90 ptx (compiled by the driver)"])

# Every run (the warm-up and the 3 timed ones) launches, copies back, then
# waits for the stream before it returns.
expect("bench", [module, x_file, "--bench", "3"], 0,
       stdout_has=["bench: 3 runs after a warm-up run: min"])
lines = log_lines()
syncs_after_copies = sum(1 for a, b in zip(lines, lines[1:])
                         if a.startswith("dtoh") and b == "sync")
check("each bench run waits for the GPU", syncs_after_copies == 4,
      "\n".join(lines))

expect("no driver", [module, x_file], 1,
       env={"MLC_CUDA_DRIVER": "/nonexistent/libcuda.so.1"},
       stderr_has=[module, "no CUDA driver: cannot load "
                   "'/nonexistent/libcuda.so.1' (MLC_CUDA_DRIVER)"])
expect("no image", [module, x_file], 1, env={"FAKE_CUDA_CC": "7.5"},
       stderr_has=["no kernel image for cuda:0 Fake GPU (compute "
                   "capability 7.5)", "--gpu-arch sm_75"])
expect("bad device", [module, x_file], 1, env={"MLC_CUDA_DEVICE": "3"},
       stderr_has=["MLC_CUDA_DEVICE=3 is out of range"])

checks.finish("mlc-run CUDA")
