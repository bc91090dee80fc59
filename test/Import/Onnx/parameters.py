# Initializers: small ones become mlc.constant, large ones mlc.parameter
# pointing at their bytes: raw_data inside the .onnx file (the offset comes
# from walking the protobuf wire format), or external data files. The
# script's --verify mode reads the bytes at every #mlc.file range and
# compares them with the tensors the model was built from.
#
# RUN: %python %s %t
# RUN: mlc-import %t/weights.onnx -o %t/weights.mlir
# RUN: FileCheck %s --check-prefix=WEIGHTS < %t/weights.mlir
# RUN: %python %s --verify %t/weights.mlir %t | FileCheck %s --check-prefix=WEIGHTS-BYTES
# RUN: mlc-import %t/external.onnx -o %t/external.mlir
# RUN: FileCheck %s --check-prefix=EXTERNAL < %t/external.mlir
# RUN: %python %s --verify %t/external.mlir %t | FileCheck %s --check-prefix=EXTERNAL-BYTES
# RUN: mlc-import %t/typed.onnx | FileCheck %s --check-prefix=TYPED
# RUN: mlc-import %t/legacy_inputs.onnx | FileCheck %s --check-prefix=LEGACY
# RUN: mlc-import %t/weights.onnx --max-constant-elements=0 | FileCheck %s --check-prefix=ALL-PARAMS
# RUN: mlc-import %t/weights.onnx --max-constant-elements=100000 | FileCheck %s --check-prefix=NO-PARAMS

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "Inputs"))
from onnx_test_utils import *  # noqa: E402,F403
from onnx.external_data_helper import convert_model_to_external_data  # noqa: E402


def arrays():
    """The tensors of the models, reproducible for --verify."""
    rng = np.random.default_rng(0)
    return {
        "fc.weight": rng.standard_normal([16, 8]).astype(np.float32),
        "fc.bias": rng.standard_normal([16]).astype(np.float32),
        "half": rng.standard_normal([10, 10]).astype(np.float16),
        "ids": np.arange(70, dtype=np.int64),
        "mask": rng.random([9, 9]) > 0.5,
        "main": np.ones([65], np.float32),
        "const_node": rng.standard_normal([100]).astype(np.float32),
    }


def weights_model():
    a = arrays()
    inits = [tensor(n, a[n]) for n in
             ["fc.weight", "fc.bias", "half", "ids", "mask", "main"]]
    nodes = [
        node("Gemm", ["x", "fc.weight", "fc.bias"], ["y"], transB=1),
        node("Constant", [], ["const_node"],
             value=tensor("const_value", a["const_node"])),
    ]
    outputs = ["y", "half", "ids", "mask", "main", "const_node"]
    types = {"half": F16, "ids": I64, "mask": BOOL}
    return graph_model(nodes, [value("x", F32, ["N", 8])],
                       [value(o, types.get(o, F32), None) for o in outputs],
                       inits)


def weights():
    return weights_model()


# WEIGHTS: mlc.parameter @fc.weight : tensor<16x8xf32> = #mlc.file<"weights.onnx", offset = {{[0-9]+}}, size = 512>
# WEIGHTS-NEXT: mlc.parameter @half : tensor<10x10xf16> = #mlc.file<"weights.onnx", offset = {{[0-9]+}}, size = 200>
# WEIGHTS-NEXT: mlc.parameter @ids : tensor<70xi64> = #mlc.file<"weights.onnx", offset = {{[0-9]+}}, size = 560>
# Booleans take one byte each.
# WEIGHTS-NEXT: mlc.parameter @mask : tensor<9x9xi1> = #mlc.file<"weights.onnx", offset = {{[0-9]+}}, size = 81>
# A parameter may not take the function's name.
# WEIGHTS-NEXT: mlc.parameter @main_0 : tensor<65xf32> = #mlc.file<"weights.onnx", offset = {{[0-9]+}}, size = 260>
# A large Constant node is a parameter too, named after its output.
# WEIGHTS-NEXT: mlc.parameter @const_node : tensor<100xf32> = #mlc.file<"weights.onnx", offset = {{[0-9]+}}, size = 400>
# WEIGHTS-LABEL: func.func @main(
# WEIGHTS-SAME: %[[X:[^:]*]]: tensor<?x8xf32>
# WEIGHTS: %[[W:.*]] = mlc.get_parameter @fc.weight : tensor<16x8xf32>
# WEIGHTS: %[[B:.*]] = mlc.constant dense<{{.*}}> : tensor<16xf32>
# WEIGHTS: %[[HALF:.*]] = mlc.get_parameter @half : tensor<10x10xf16>
# WEIGHTS: %[[IDS:.*]] = mlc.get_parameter @ids : tensor<70xi64>
# WEIGHTS: %[[MASK:.*]] = mlc.get_parameter @mask : tensor<9x9xi1>
# WEIGHTS: %[[MAIN:.*]] = mlc.get_parameter @main_0 : tensor<65xf32>
# WEIGHTS: %[[Y:.*]] = mlc.gemm %[[X]], %[[W]], %[[B]] {transpose_rhs}
# WEIGHTS: %[[CONST:.*]] = mlc.get_parameter @const_node : tensor<100xf32>
# WEIGHTS: return %[[Y]], %[[HALF]], %[[IDS]], %[[MASK]], %[[MAIN]], %[[CONST]]

# WEIGHTS-BYTES: fc.weight: weights.onnx matches
# WEIGHTS-BYTES-NEXT: half: weights.onnx matches
# WEIGHTS-BYTES-NEXT: ids: weights.onnx matches
# WEIGHTS-BYTES-NEXT: mask: weights.onnx matches
# WEIGHTS-BYTES-NEXT: main: weights.onnx matches
# WEIGHTS-BYTES-NEXT: const_node: weights.onnx matches

# ALL-PARAMS: mlc.parameter @fc.weight
# ALL-PARAMS: mlc.parameter @fc.bias : tensor<16xf32> = #mlc.file<"weights.onnx"
# NO-PARAMS-NOT: mlc.parameter
# NO-PARAMS: mlc.constant dense<{{.*}}> : tensor<16x8xf32>


def external():
    a = arrays()
    model = weights_model()
    directory = sys.argv[1]
    os.makedirs(os.path.join(directory, "data"), exist_ok=True)
    convert_model_to_external_data(model, all_tensors_to_one_file=True,
                                   location="data/external.bin",
                                   size_threshold=0)
    return model


# Every initializer is in data/external.bin (the small bias is read from
# there into a constant); the Constant node's tensor stayed in the model.
# EXTERNAL: mlc.parameter @fc.weight : tensor<16x8xf32> = #mlc.file<"data/external.bin", offset = 0, size = 512>
# EXTERNAL: mlc.parameter @mask : tensor<9x9xi1> = #mlc.file<"data/external.bin", offset = 1336, size = 81>
# EXTERNAL: mlc.parameter @const_node : tensor<100xf32> = #mlc.file<"external.onnx", offset = {{[0-9]+}}, size = 400>
# EXTERNAL-LABEL: func.func @main(
# EXTERNAL: mlc.constant dense<[{{.*}}]> : tensor<16xf32>

# EXTERNAL-BYTES: fc.weight: data/external.bin matches
# EXTERNAL-BYTES-NEXT: half: data/external.bin matches
# EXTERNAL-BYTES-NEXT: ids: data/external.bin matches
# EXTERNAL-BYTES-NEXT: mask: data/external.bin matches
# EXTERNAL-BYTES-NEXT: main: data/external.bin matches
# EXTERNAL-BYTES-NEXT: const_node: external.onnx matches


def typed():
    values = np.linspace(0, 1, 100, dtype=np.float32)
    t = helper.make_tensor("table", F32, [100], values.tolist())
    small = helper.make_tensor("small", I32, [2], [5, -6])
    return graph_model([node("Add", ["x", "table"], ["y"]),
                        node("Mul", ["x", "table"], ["z"])],
                       [value("x", F32, [100])],
                       [value("y", F32, None), value("z", F32, None),
                        value("small", I32, None)], [t, small])


# Tensors in typed fields (float_data, ...) are not in the file as they
# are in memory; their values are inlined into the parameter.
# TYPED: mlc.parameter @table : tensor<100xf32> = dense<[0.000000e+00, {{.*}}, 1.000000e+00]>
# TYPED-LABEL: func.func @main(
# TYPED: %[[T:.*]] = mlc.get_parameter @table
# TYPED: %[[SMALL:.*]] = mlc.constant dense<[5, -6]> : tensor<2xi32>
# TYPED: mlc.add %{{.*}}, %[[T]]
# TYPED: mlc.mul %{{.*}}, %[[T]]
# TYPED: return {{.*}}, %[[SMALL]]


def legacy_inputs():
    # IR version 3: initializers are listed among the graph inputs too.
    w = tensor("w", np.ones([2, 2], np.float32))
    return graph_model([node("MatMul", ["x", "w"], ["y"])],
                       [value("x", F32, [2, 2]), value("w", F32, [2, 2])],
                       [value("y", F32, None)], [w], opset=8, ir_version=3)


# LEGACY-LABEL: func.func @main(
# LEGACY-SAME: %{{[^:]*}}: tensor<2x2xf32> {mlc.name = "x"}) -> (tensor<2x2xf32> {mlc.name = "y"})
# LEGACY: mlc.constant dense<1.000000e+00> : tensor<2x2xf32>


def verify(mlir_path, directory):
    """Prints '<name>: <file> matches' for every #mlc.file parameter whose
    bytes equal the tensor it was made from."""
    a = arrays()
    pattern = re.compile(r'mlc\.parameter @"?([^" ]+?)"? : tensor<[^>]*> = '
                         r'#mlc\.file<"([^"]+)", offset = (\d+), size = (\d+)>')
    with open(mlir_path) as f:
        text = f.read()
    for name, path, offset, size in pattern.findall(text):
        key = "main" if name == "main_0" else name
        expected = a[key].astype(np.uint8) if a[key].dtype == bool else a[key]
        with open(os.path.join(directory, path), "rb") as f:
            f.seek(int(offset))
            data = f.read(int(size))
        ok = data == expected.tobytes()
        print(f"{key}: {path} {'matches' if ok else 'DIFFERS'}")


if __name__ == "__main__":
    if sys.argv[1] == "--verify":
        verify(sys.argv[2], sys.argv[3])
    else:
        main({"weights": weights, "external": external, "typed": typed,
              "legacy_inputs": legacy_inputs})
