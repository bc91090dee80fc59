#!/usr/bin/env python3
"""Writes the reference tensor files of the MLCTensorIO tests into OUTDIR.

For every dtype: NAME.npy (numpy), NAME.raw.pb (onnx.numpy_helper.from_array,
raw_data) and NAME.typed.pb (onnx.helper.make_tensor, the typed *_data
fields), all holding the same values; bf16 (no numpy type) as bf16.raw.pb,
bf16.typed.pb and bf16.f32.npy with the same values in float32. Also .npy
files in format versions 2.0 and 3.0, a scalar and an empty tensor.

If numpy or onnx cannot be imported, writes OUTDIR/SKIP instead, and the
tests that need these files report themselves skipped.
"""
import os
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for f in os.listdir(out):
    os.remove(os.path.join(out, f))

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError as e:  # pragma: no cover
    with open(os.path.join(out, "SKIP"), "w") as f:
        f.write(f"numpy/onnx not available: {e}\n")
    sys.exit(0)


def int32_data_tensor(name, onnx_type, dims, values):
    tensor = TensorProto(name=name, data_type=onnx_type, dims=dims)
    tensor.int32_data.extend(values)
    return tensor


def save_pb(tensor, name):
    with open(os.path.join(out, name), "wb") as f:
        f.write(tensor.SerializeToString())


cases = {
    "f64": (np.float64, TensorProto.DOUBLE, [0.5, -1.25, 1e300, -0.0, 3.0, 7.75]),
    "f32": (np.float32, TensorProto.FLOAT, [0.5, -1.25, 3e38, -0.0, 3.0, 7.75]),
    "f16": (np.float16, TensorProto.FLOAT16, [0.5, -1.25, 65504, -0.0, 3.0, 6e-8]),
    "i64": (np.int64, TensorProto.INT64, [0, -1, 2**62, -2**63, 2**63 - 1, 5]),
    "i32": (np.int32, TensorProto.INT32, [0, -1, 2**30, -2**31, 2**31 - 1, 5]),
    "i16": (np.int16, TensorProto.INT16, [0, -1, 300, -2**15, 2**15 - 1, 5]),
    "i8": (np.int8, TensorProto.INT8, [0, -1, 100, -128, 127, 5]),
    "u64": (np.uint64, TensorProto.UINT64, [0, 1, 2**63, 2**64 - 1, 7, 5]),
    "u32": (np.uint32, TensorProto.UINT32, [0, 1, 2**31, 2**32 - 1, 7, 5]),
    "u16": (np.uint16, TensorProto.UINT16, [0, 1, 2**15, 2**16 - 1, 7, 5]),
    "u8": (np.uint8, TensorProto.UINT8, [0, 1, 128, 255, 7, 5]),
    "bool": (np.bool_, TensorProto.BOOL, [True, False, True, True, False, False]),
}

for name, (dtype, onnx_type, values) in cases.items():
    array = np.array(values, dtype=dtype).reshape(2, 3)
    np.save(os.path.join(out, f"{name}.npy"), array)
    save_pb(numpy_helper.from_array(array, name=f"t_{name}"), f"{name}.raw.pb")
    if dtype == np.float16:
        tensor = int32_data_tensor(f"t_{name}", onnx_type, [2, 3],
                                   array.view(np.uint16).flatten().tolist())
    else:
        tensor = helper.make_tensor(f"t_{name}", onnx_type, [2, 3],
                                    array.flatten().tolist(), raw=False)
    save_pb(tensor, f"{name}.typed.pb")

# bf16: values exactly representable in bfloat16.
bf16_values = np.array([1.0, -2.5, 0.15625, 2.0**120, -0.0, 256.0],
                       dtype=np.float32).reshape(2, 3)
bits = (bf16_values.view(np.uint32) >> 16).astype(np.uint16)
assert ((bits.astype(np.uint32) << 16).view(np.float32) == bf16_values).all()
np.save(os.path.join(out, "bf16.f32.npy"), bf16_values)
save_pb(helper.make_tensor("t_bf16", TensorProto.BFLOAT16, [2, 3],
                           bits.tobytes(), raw=True), "bf16.raw.pb")
save_pb(int32_data_tensor("t_bf16", TensorProto.BFLOAT16, [2, 3],
                          bits.flatten().tolist()), "bf16.typed.pb")

# Other .npy format versions, a scalar and an empty tensor.
array = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
np.save(os.path.join(out, "v1.npy"), array)
for version in [(2, 0), (3, 0)]:
    with open(os.path.join(out, f"v{version[0]}.npy"), "wb") as f:
        np.lib.format.write_array(f, array, version=version)
np.save(os.path.join(out, "scalar.npy"), np.array(2.5, dtype=np.float64))
save_pb(numpy_helper.from_array(np.array(2.5, dtype=np.float64), "s"),
        "scalar.pb")
np.save(os.path.join(out, "empty.npy"), np.zeros((0, 3), dtype=np.int32))
save_pb(numpy_helper.from_array(np.zeros((0, 3), dtype=np.int32), "e"),
        "empty.pb")
# Fortran order and big-endian files, which must be rejected.
np.save(os.path.join(out, "fortran.npy"), np.asfortranarray(array))
np.save(os.path.join(out, "bigendian.npy"), array.astype(">f4"))
