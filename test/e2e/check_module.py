#!/usr/bin/env python3
"""Runs a module compiled by mlc-compile and checks its outputs against a
numpy reference written in the test file.

    check_module.py MODULE.so TEST.mlir

Lines of TEST.mlir starting with `// PY:` are Python, executed with `np`
(numpy) and `rng` (a seeded generator) in scope; they must set `inputs`
(a list of arrays, in entry-argument order) and `expected` (a list of
arrays, in result order), and may set `rtol`/`atol` (default 1e-5/1e-6).

The module is called through its C ABI (include/mlc-c/Module.h) with
ctypes, so this check does not depend on mlc's runtime library.
"""
import ctypes
import sys

import numpy as np

DTYPES = {"f64": np.float64, "f32": np.float32, "f16": np.float16,
          "i64": np.int64, "i32": np.int32, "i16": np.int16, "i8": np.int8,
          "u64": np.uint64, "u32": np.uint32, "u16": np.uint16, "u8": np.uint8,
          "bool": np.bool_}


def descriptor(array):
    rank = array.ndim

    class Descriptor(ctypes.Structure):
        _fields_ = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                    ("offset", ctypes.c_int64),
                    ("sizes", ctypes.c_int64 * rank),
                    ("strides", ctypes.c_int64 * rank)]

    d = Descriptor()
    d.allocated = d.aligned = array.ctypes.data
    d.offset = 0
    for i in range(rank):
        d.sizes[i] = array.shape[i]
        d.strides[i] = array.strides[i] // array.itemsize if array.size else 1
    return d


def symbol_address(lib, name):
    return ctypes.addressof(ctypes.c_char.in_dll(lib, name))


def run_module(path, inputs):
    lib = ctypes.CDLL(path)
    text = ctypes.cast(symbol_address(lib, "mlc_module_metadata"),
                       ctypes.c_char_p).value.decode()
    lines = [line.split() for line in text.splitlines()]
    assert lines[0] == ["mlc-module", "1"], lines[0]
    declared = [l for l in lines if l[0] == "input"]
    outputs = [l for l in lines if l[0] == "output"]
    params = [l for l in lines if l[0] == "param"]
    if len(inputs) != len(declared):
        sys.exit(f"module has {len(declared)} inputs, test gives {len(inputs)}")
    keep, args = [], []
    for array, decl in zip(inputs, declared):
        array = np.ascontiguousarray(array, dtype=DTYPES[decl[2]])
        d = descriptor(array)
        keep.append((array, d))
        args.append(ctypes.addressof(d))
    blob = symbol_address(lib, "mlc_module_params") if params else 0
    for p in params:
        dtype = np.dtype(DTYPES[p[2]])
        dims = [int(v) for v in p[4:]]
        count = int(np.prod(dims)) if dims else 1
        raw = (ctypes.c_char * (count * dtype.itemsize)).from_address(blob + int(p[3]))
        array = np.frombuffer(raw, dtype=dtype).reshape(dims)
        d = descriptor(array)
        keep.append((array, d))
        args.append(ctypes.addressof(d))
    size = sum((3 + 2 * (len(o) - 3)) * 8 for o in outputs)
    storage = (ctypes.c_char * max(size, 8))()
    argv = (ctypes.c_void_p * (1 + len(args)))(ctypes.addressof(storage), *args)
    lib.mlc_module_run(argv)
    results, offset, freed = [], 0, set()
    for o in outputs:
        rank = len(o) - 3
        words = np.frombuffer(bytes(storage[offset:offset + (3 + 2 * rank) * 8]),
                              dtype=np.int64)
        allocated, aligned, elem_offset = int(words[0]), int(words[1]), int(words[2])
        sizes = [int(s) for s in words[3:3 + rank]]
        dtype = np.dtype(DTYPES[o[2]])
        count = int(np.prod(sizes)) if rank else 1
        raw = (ctypes.c_char * (count * dtype.itemsize)).from_address(
            aligned + elem_offset * dtype.itemsize)
        results.append(np.frombuffer(bytes(raw), dtype=dtype).reshape(sizes).copy())
        if allocated not in freed:
            lib.mlc_module_free(ctypes.c_void_p(allocated))
            freed.add(allocated)
        offset += (3 + 2 * rank) * 8
    return results


def main():
    module, test = sys.argv[1], sys.argv[2]
    code = "\n".join(line.split("// PY:", 1)[1][1:] if line.split("// PY:", 1)[1].startswith(" ")
                     else line.split("// PY:", 1)[1]
                     for line in open(test) if line.lstrip().startswith("// PY:"))
    scope = {"np": np, "rng": np.random.default_rng(0), "rtol": 1e-5, "atol": 1e-6}
    exec(code, scope)
    results = run_module(module, scope["inputs"])
    expected = scope["expected"]
    if len(results) != len(expected):
        sys.exit(f"module returned {len(results)} results, expected {len(expected)}")
    ok = True
    for i, (got, want) in enumerate(zip(results, expected)):
        want = np.asarray(want)
        if got.shape != want.shape:
            print(f"result {i}: shape {got.shape}, expected {want.shape}")
            ok = False
            continue
        if got.dtype != want.dtype:
            print(f"result {i}: dtype {got.dtype}, expected {want.dtype}")
            ok = False
            continue
        if got.dtype.kind in "fc":
            close = np.allclose(got, want, rtol=scope["rtol"], atol=scope["atol"],
                                equal_nan=True)
            err = float(np.nanmax(np.abs(got.astype(np.float64) - want))) if got.size else 0.0
            print(f"result {i}: {'ok' if close else 'MISMATCH'} (max abs error {err:.3g})")
        else:
            close = np.array_equal(got, want)
            print(f"result {i}: {'ok' if close else 'MISMATCH'}")
        if not close:
            print("  got:", got.ravel()[:16])
            print("  expected:", want.ravel()[:16])
            ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
