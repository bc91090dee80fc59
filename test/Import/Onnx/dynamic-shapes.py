# Shape ops whose axes, bounds, sizes or pads are graph inputs (known only
# at run time): the result rank follows from the inputs' lengths; sizes are
# computed with mlc ops and elements picked with gathers.
#
# RUN: %python %s %t
# RUN: mlc-import %t/unsqueeze.onnx | FileCheck %s --check-prefix=UNSQUEEZE
# RUN: mlc-import %t/squeeze.onnx | FileCheck %s --check-prefix=SQUEEZE
# RUN: mlc-import %t/slice.onnx | FileCheck %s --check-prefix=SLICE
# RUN: mlc-import %t/split.onnx | FileCheck %s --check-prefix=SPLIT
# RUN: mlc-import %t/pad.onnx | FileCheck %s --check-prefix=PAD
# RUN: mlc-import %t/reduce.onnx | FileCheck %s --check-prefix=REDUCE

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "Inputs"))
from onnx_test_utils import *  # noqa: E402,F403


def unsqueeze():
    return single_op("Unsqueeze", [("x", F32, [3, 4]), ("axes", I64, [2])],
                     [("y", F32, None)])


# The output shape gathers the input dims (and a trailing 1) at computed
# positions; the rank is 2 + 2.
# UNSQUEEZE-LABEL: func.func @main(
# UNSQUEEZE: %[[BEFORE:.*]] = mlc.cumsum %{{.*}} {axis = 0 : i64} : tensor<4xi64>
# UNSQUEEZE: %[[SHAPE:.*]] = mlc.gather %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<3xi64>, tensor<4xi64>) -> tensor<4xi64>
# UNSQUEEZE: %[[Y:.*]] = mlc.reshape %{{.*}}, %[[SHAPE]] : (tensor<3x4xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
# UNSQUEEZE: return %[[Y]]


def squeeze():
    return single_op("Squeeze", [("x", F32, [3, 1, 4, 1]), ("axes", I64, [1])],
                     [("y", F32, None)])


# SQUEEZE-LABEL: func.func @main(
# SQUEEZE: mlc.not %{{.*}} : tensor<4xi1>
# SQUEEZE: %[[SHAPE:.*]] = mlc.reduce sum %{{.*}} {axes = array<i64: 1>} : (tensor<3x4xi64>) -> tensor<3xi64>
# SQUEEZE: %[[Y:.*]] = mlc.reshape %{{.*}}, %[[SHAPE]] : (tensor<3x1x4x1xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
# SQUEEZE: return %[[Y]]


def slice():
    return single_op("Slice", [("x", F32, [5, 6]), ("starts", I64, [1]),
                               ("ends", I64, [1]), ("axes", I64, [1]),
                               ("steps", I64, [1])],
                     [("y", F32, None)])


# Axes known only at run time: every dim is gathered at start, start + step,
# ... (the whole dim where no axis names it).
# SLICE-LABEL: func.func @main(
# SLICE: %[[I0:.*]] = mlc.add %{{.*}}, %{{.*}} : (tensor<i64>, tensor<?xi64>) -> tensor<?xi64>
# SLICE: %[[Y0:.*]] = mlc.gather %{{.*}}, %[[I0]] {axis = 0 : i64} : (tensor<5x6xf32>, tensor<?xi64>) -> tensor<?x6xf32>
# SLICE: %[[Y1:.*]] = mlc.gather %[[Y0]], %{{.*}} {axis = 1 : i64} : (tensor<?x6xf32>, tensor<?xi64>) -> tensor<?x?xf32>
# SLICE: return %[[Y1]]


def split():
    return single_op("Split", [("x", F32, [6, 2]), ("split", I64, [2])],
                     [("a", F32, None), ("b", F32, None)])


# SPLIT-LABEL: func.func @main(
# SPLIT: %[[OFFSETS:.*]] = mlc.cumsum %{{.*}} {axis = 0 : i64, exclusive} : tensor<2xi64>
# SPLIT: %[[A:.*]] = mlc.gather %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<6x2xf32>, tensor<?xi64>) -> tensor<?x2xf32>
# SPLIT: %[[B:.*]] = mlc.gather %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<6x2xf32>, tensor<?xi64>) -> tensor<?x2xf32>
# SPLIT: return %[[A]], %[[B]]


def pad():
    return single_op("Pad", [("x", F32, [3, 4]), ("pads", I64, [4]),
                             ("value", F32, [])],
                     [("y", F32, None)])


# Each dim is gathered at clamped source positions; constant padding then
# selects the fill value outside the input.
# PAD-LABEL: func.func @main(
# PAD: %[[G0:.*]] = mlc.gather %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<3x4xf32>, tensor<?xi64>) -> tensor<?x4xf32>
# PAD: %[[Y0:.*]] = mlc.where %{{.*}}, %[[G0]], %{{.*}} : (tensor<?x1xi1>, tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xf32>
# PAD: %[[G1:.*]] = mlc.gather %[[Y0]], %{{.*}} {axis = 1 : i64} : (tensor<?x4xf32>, tensor<?xi64>) -> tensor<?x?xf32>
# PAD: %[[Y1:.*]] = mlc.where %{{.*}}, %[[G1]], %{{.*}} : (tensor<?xi1>, tensor<?x?xf32>, tensor<f32>) -> tensor<?x?xf32>
# PAD: return %[[Y1]]


def reduce():
    nodes = [node("ReduceSum", ["x", "axes"], ["kept"]),
             node("ReduceSum", ["x", "axes"], ["dropped"], keepdims=0)]
    return graph_model(nodes, [value("x", F32, [2, 3]),
                               value("axes", I64, [1])],
                       [value("kept", F32, None), value("dropped", F32, None)])


# Every dim is reduced (kept as size 1) where the axes name it, then one
# element of it is kept.
# REDUCE-LABEL: func.func @main(
# REDUCE: mlc.reduce sum %{{.*}} {axes = array<i64: 0>, keepdims} : (tensor<2x3xf32>) -> tensor<1x3xf32>
# REDUCE: mlc.reduce sum %{{.*}} {axes = array<i64: 1>, keepdims} : (tensor<?x3xf32>) -> tensor<?x1xf32>
# REDUCE: %[[KEPT:.*]] = mlc.gather %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<?x3xf32>, tensor<?xi64>) -> tensor<?x?xf32>
# Without keepdims the reduced dims are dropped: rank 2 - 1.
# REDUCE: %[[DROPPED:.*]] = mlc.reshape %{{.*}} : (tensor<?x?xf32>) -> tensor<?xf32>
# REDUCE: return %[[KEPT]], %[[DROPPED]]

if __name__ == "__main__":
    main({"unsqueeze": unsqueeze, "squeeze": squeeze, "slice": slice,
          "split": split, "pad": pad, "reduce": reduce})
