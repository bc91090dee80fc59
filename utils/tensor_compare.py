#!/usr/bin/env python3
"""Compares a computed tensor with an expected one (numpy only, so that the
GPU check can use it on machines without ONNX): shapes, dtypes, NaN and
infinity positions, then |got - want| <= atol + rtol * |want| for floats
and equality for integers and booleans. Used by onnx_conformance.py and
gpu_check.py."""
import numpy as np


def compare(got, want, rtol, atol, bf16=False):
    if bf16 and want.dtype == np.uint16:
        # ONNX 1.12 test data stores bfloat16 as uint16 bit patterns.
        want = (want.astype(np.uint32) << 16).view(np.float32)
    if want.dtype.kind in "OSU":
        return "string tensors are not supported"
    if got.shape != want.shape:
        return f"shape {list(got.shape)}, expected {list(want.shape)}"
    if want.dtype.kind in "biu" or want.dtype == np.bool_:
        if got.dtype.kind not in "biu" and got.dtype != np.bool_:
            return f"dtype {got.dtype}, expected {want.dtype}"
        if not np.array_equal(got.astype(want.dtype), want):
            bad = int(np.sum(got.astype(want.dtype) != want))
            return f"{bad} of {want.size} elements differ"
        return None
    if got.dtype.kind != "f":
        return f"dtype {got.dtype}, expected {want.dtype}"
    g = got.astype(np.float64)
    w = want.astype(np.float64)
    nan = np.isnan(w)
    if not np.array_equal(np.isnan(g), nan):
        return "NaN positions differ"
    g, w = g[~nan], w[~nan]
    inf = np.isinf(w)
    if not np.array_equal(g[inf], w[inf]):
        return "infinities differ"
    g, w = g[~inf], w[~inf]
    diff = np.abs(g - w)
    if np.all(diff <= atol + rtol * np.abs(w)):
        return None
    rel = diff / np.maximum(np.abs(w), 1e-30)
    return f"max abs error {diff.max():.3g}, max rel error {rel.max():.3g}"
