# Graph structure: inputs and outputs keep their ONNX names (mlc.name),
# dim_param and unknown dims become dynamic dims, nodes listed out of order
# are sorted, and opset 18 models (newer than the ONNX library's schemas)
# import.
#
# RUN: %python %s %t
# RUN: mlc-import %t/dynamic.onnx | FileCheck %s --check-prefix=DYNAMIC
# RUN: mlc-import %t/unsorted.onnx | FileCheck %s --check-prefix=UNSORTED
# RUN: mlc-import %t/names.onnx | FileCheck %s --check-prefix=NAMES
# RUN: mlc-import %t/opset18.onnx | FileCheck %s --check-prefix=OPSET18

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "Inputs"))
from onnx_test_utils import *  # noqa: E402,F403


def dynamic():
    x = value("x", F32, ["batch", None, 3])
    # A dim with neither dim_value nor dim_param.
    x.type.tensor_type.shape.dim[1].Clear()
    return graph_model([node("Relu", ["x"], ["y"])], [x],
                       [value("y", F32, ["batch", "seq", 3])])


# DYNAMIC-LABEL: func.func @main(
# DYNAMIC-SAME: %[[X:[^:]*]]: tensor<?x?x3xf32> {mlc.name = "x"}) -> (tensor<?x?x3xf32> {mlc.name = "y"})
# DYNAMIC: %[[Y:.*]] = mlc.relu %[[X]] : tensor<?x?x3xf32>
# DYNAMIC: return %[[Y]]


def unsorted():
    nodes = [node("Neg", ["t"], ["y"], name="second"),
             node("Exp", ["x"], ["t"], name="first"),
             node("Sqrt", ["x"], ["unused"], name="dead")]
    return graph_model(nodes, [value("x", F32, [2])], [value("y", F32, None)])


# UNSORTED-LABEL: func.func @main(
# UNSORTED: %[[T:.*]] = mlc.exp
# UNSORTED-NEXT: %[[Y:.*]] = mlc.neg %[[T]]
# UNSORTED-NEXT: return %[[Y]]


def names():
    w = tensor("layer 1/weight", np.ones([80], np.float32))
    nodes = [node("Mul", ["input:0", "layer 1/weight"], ["output:0"])]
    return graph_model(
        nodes, [value("input:0", F32, [80]), value("passthrough", I64, [1])],
        [value("output:0", F32, None), value("passthrough", I64, None),
         value("layer 1/weight", F32, None)], [w])


# Any string is a name: symbols are quoted when they need it, and a graph
# input or initializer may be an output.
# NAMES: mlc.parameter @"layer 1/weight" : tensor<80xf32> = #mlc.file<"names.onnx", offset = {{[0-9]+}}, size = 320>
# NAMES-LABEL: func.func @main(
# NAMES-SAME: %[[X:[^:]*]]: tensor<80xf32> {mlc.name = "input:0"}, %[[P:[^:]*]]: tensor<1xi64> {mlc.name = "passthrough"})
# NAMES-SAME: -> (tensor<80xf32> {mlc.name = "output:0"}, tensor<1xi64> {mlc.name = "passthrough"}, tensor<80xf32> {mlc.name = "layer 1/weight"})
# NAMES: %[[W:.*]] = mlc.get_parameter @"layer 1/weight"
# NAMES: %[[Y:.*]] = mlc.mul %[[X]], %[[W]]
# NAMES: return %[[Y]], %[[P]], %[[W]]


def opset18():
    nodes = [node("ReduceMax", ["x", "axes"], ["m"], keepdims=0),
             node("Split", ["x"], ["a", "b"], axis=1, num_outputs=2)]
    return graph_model(nodes, [value("x", F32, [2, 5])],
                       [value(o, F32, None) for o in ["m", "a", "b"]],
                       [tensor("axes", np.array([-1], np.int64))], opset=18)


# OPSET18-LABEL: func.func @main(
# OPSET18: mlc.reduce max %{{.*}} {axes = array<i64: 1>} : (tensor<2x5xf32>) -> tensor<2xf32>
# OPSET18: mlc.split %{{.*}} {axis = 1 : i64} : (tensor<2x5xf32>) -> (tensor<2x3xf32>, tensor<2x2xf32>)

if __name__ == "__main__":
    main({"dynamic": dynamic, "unsorted": unsorted, "names": names,
          "opset18": opset18})
