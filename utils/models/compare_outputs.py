#!/usr/bin/env python3
"""Compares a model output computed by mlc with a reference (PyTorch's, as
written by export_models.py):

    utils/models/compare_outputs.py GOT.npy WANT.npy [--limit 1e-4]

Prints the relative error, max |got - want| / max |want|, and exits 1 if the
shapes or dtypes differ, an output is not finite or the error is above the
limit. Integer and boolean arrays (token ids, say) must be equal."""

import argparse
import sys

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("got")
parser.add_argument("want")
parser.add_argument("--limit", type=float, default=1e-4)
args = parser.parse_args()

try:
    got, want = np.load(args.got), np.load(args.want)
except (OSError, ValueError) as e:
    sys.exit(f"compare_outputs: {e}")
if got.shape != want.shape or got.dtype != want.dtype:
    sys.exit(f"compare_outputs: {args.got} is {got.dtype} {list(got.shape)}, "
             f"the reference {want.dtype} {list(want.shape)}")
if not np.isfinite(got).all():
    sys.exit(f"compare_outputs: {args.got} has {np.count_nonzero(~np.isfinite(got))} "
             "non-finite values")
if got.dtype.kind in "iub":
    mismatches = np.flatnonzero(got.reshape(-1) != want.reshape(-1))
    if mismatches.size:
        i = int(mismatches[0])
        sys.exit(f"compare_outputs: {args.got} differs from the reference at "
                 f"{mismatches.size} of {got.size} elements; first at flat "
                 f"index {i}: {got.reshape(-1)[i]} vs {want.reshape(-1)[i]}")
    print(f"{args.got}: {got.dtype} {list(got.shape)}, equal to the reference: ok")
    sys.exit(0)
diff = float(np.abs(got.astype(np.float64) - want).max()) if got.size else 0.0
scale = float(np.abs(want.astype(np.float64)).max()) if want.size else 0.0
error = diff / scale if scale else diff
verdict = "ok" if error <= args.limit else "FAILED"
print(f"{args.got}: {got.dtype} {list(got.shape)}, max abs diff {diff:.3g}, "
      f"max abs ref {scale:.3g}, relative error {error:.3g} "
      f"(limit {args.limit:g}): {verdict}")
sys.exit(0 if verdict == "ok" else 1)
