#!/usr/bin/env python3
"""mlc vs PyTorch eager on CPU, through the Python package: resnet18 and the
decoder block of utils/models/export_models.py (random weights), compiled
with mlc.torch (the code path of the torch.compile backend).

    PYTHONPATH=build/python /usr/bin/python3 utils/bench/torch_bench.py [--runs 20] [--models resnet18,decoder_block]

Each side runs in a child process of its own: PyTorch eager with 1 torch
thread and OpenBLAS on every core (OPENBLAS_NUM_THREADS; the fastest
setting on this machine), its environment without OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE; mlc with MLC_NUM_THREADS (default: every core). Prints the
median latency of each, their ratio (mlc / eager: < 1 is faster than eager),
mlc's first-call compile time and the relative error against eager.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "models"))


def worker(side, name, runs):
    import numpy as np
    import torch
    from export_models import make
    torch.set_num_threads(1)
    model, inputs, _ = make(name)
    start = time.perf_counter()
    if side == "mlc":
        import mlc.torch
        fn = mlc.torch.compile(model, inputs)
        fn(*inputs)
        compile_s = time.perf_counter() - start
    else:
        fn, compile_s = model, 0.0
    times = []
    with torch.no_grad():
        for _ in range(runs + 1):   # the first is a warm-up
            t = time.perf_counter()
            out = fn(*inputs)
            times.append(time.perf_counter() - t)
    np.save(f"/tmp/mlc-bench-{os.getpid()}.npy", out.numpy())
    return {"median_ms": 1e3 * float(np.median(times[1:])),
            "min_ms": 1e3 * min(times[1:]), "compile_s": compile_s,
            "output": f"/tmp/mlc-bench-{os.getpid()}.npy"}


def run_side(side, name, runs, threads):
    env = dict(os.environ)
    if side == "eager":
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
        env["OPENBLAS_NUM_THREADS"] = str(threads)
    else:
        env.setdefault("MLC_NUM_THREADS", str(threads))
    out = subprocess.run([sys.executable, __file__, "--worker", side, "--models", name,
                          "--runs", str(runs)], env=env, check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="resnet18,decoder_block")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--worker", choices=["mlc", "eager"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.models, args.runs)))
        return
    import numpy as np
    print(f"mlc vs PyTorch eager, {args.threads} cores, median of {args.runs} runs")
    print(f"{'model':<14} {'eager ms':>9} {'mlc ms':>9} {'mlc/eager':>10} "
          f"{'compile s':>10} {'rel. error':>11}")
    for name in args.models.split(","):
        eager = run_side("eager", name, args.runs, args.threads)
        ours = run_side("mlc", name, args.runs, args.threads)
        want, got = np.load(eager["output"]), np.load(ours["output"])
        error = float(np.abs(got - want).max() / np.abs(want).max())
        for r in (eager, ours):
            os.remove(r["output"])
        print(f"{name:<14} {eager['median_ms']:>9.2f} {ours['median_ms']:>9.2f} "
              f"{ours['median_ms'] / eager['median_ms']:>9.2f}x "
              f"{ours['compile_s']:>10.2f} {error:>11.1e}")


if __name__ == "__main__":
    main()
